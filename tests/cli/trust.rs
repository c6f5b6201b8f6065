//! The cache as a trust boundary (issue 19): solink removes only what it
//! made, uses no directory another user can write or owns, never links a
//! note object it did not check, and a cache that cannot be written never
//! stops the link. Each test is a real link with gcc.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::util::{assert_text, require_tool, tiny_link_dir, tiny_user, with_dir, Dir, TestCommand};

/// The link every test here makes: `use.o` with `libtiny.a` from `lib/`.
const LINK: [&str; 9] = ["--cc", "gcc", "--libsdir", "lib", "-shared", "-o", "libuse.so", "use.o", "-ltiny"];

/// The link, with the cache at `root`.
fn link(dir: &Dir, root: &Path) -> TestCommand {
    dir.solink().arg("--cache-dir").arg(root).args(LINK)
}

/// Every file and directory under `root`, relative, sorted.
fn tree(root: &Path) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
        .collect();
    all.sort();
    all
}

/// Waits out the store's settling time, so the next link stores (and
/// direct mode replays) what it saw.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(110));
}

/// A cache root that holds a user's own files: every shape an older rule
/// took for solink's (`v*-*`), an untagged `solink-v*` directory, a file
/// where solink's directory would go, and a tagged directory of another
/// version with a user's file in it. Every command that touches the cache
/// leaves all of them as they were.
#[test]
fn foreign_files_in_the_cache_root_survive_every_command() {
    let dir = tiny_link_dir();
    let root = dir.mkdir("home/.cache");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
    for d in ["venv-3.11", "vscode-server", "v1-0.1.0", "v2-x", "solink-v1-0.0.9", "solink-v2-0.0.1"] {
        dir.write(&format!("home/.cache/{d}/keep"), "a user's file");
    }
    dir.write("home/.cache/notes.txt", "a user's file");
    // The tag solink writes, copied by a user into a directory of theirs.
    let tag = "Signature: 8a477f597d28d172789f06886806bc55\n\
               # This file is a cache directory tag created by solink.\n\
               # For information about cache directory tags see https://bford.info/cachedir/\n";
    dir.write("home/.cache/solink-v2-0.0.1/CACHEDIR.TAG", tag);
    dir.write("home/.cache/solink-v2-0.0.1/blob-00ff", "an old entry");
    let foreign = tree(&root);
    let still_there = |after: &str| {
        let now = tree(&root);
        for f in &foreign {
            // The old version's own entry and tag are solink's to remove.
            if f.ends_with("blob-00ff") || f.ends_with("CACHEDIR.TAG") {
                continue;
            }
            assert!(now.contains(f), "{} is gone after {after}: {now:?}", f.display());
        }
    };
    link(&dir, &root).ok();
    still_there("a cold link");
    assert!(!root.join("solink-v2-0.0.1/blob-00ff").exists(), "an old version's entry is removed");
    settle();
    link(&dir, &root).ok();
    link(&dir, &root).ok();
    still_there("a warm link and a replay");
    let shown = dir.solink().arg("--cache-dir").arg(&root).arg("--show-cache").ok();
    assert!(shown.contains("entries: "), "{shown}");
    still_there("--show-cache");
    let cleared = dir.solink().arg("--cache-dir").arg(&root).arg("--clear-cache").ok();
    assert!(cleared.contains("cleared"), "{cleared}");
    still_there("--clear-cache");
    let left: Vec<PathBuf> = tree(&root).into_iter().filter(|p| !foreign.contains(p)).collect();
    assert!(left.is_empty(), "what solink made is gone: {left:?}");
}

/// A cache directory under `/tmp`-like rules (mode 1777): one warning,
/// the link made with no cache, nothing written there; clearing it is
/// refused.
#[test]
fn a_cache_dir_others_can_write_is_not_used() {
    let dir = tiny_link_dir();
    let root = dir.mkdir("shared");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o1777)).unwrap();
    let out = link(&dir, &root).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warning = format!(
        "solink: warning: cache {} is writable by others; not used (make it yours and private: \
         chmod go-w, or choose another with --cache-dir)\n",
        root.display()
    );
    assert_eq!(stderr, warning, "one warning, once");
    assert!(dir.path("libuse.so").exists());
    assert!(tree(&root).len() == 1, "nothing made in it: {:?}", tree(&root));
    let refused = dir.solink().arg("--cache-dir").arg(&root).arg("--clear-cache").refused();
    assert!(refused.starts_with("solink: not clearing the cache at "), "{refused}");
}

/// Another user's cache (made by `nobody` with solink itself, so its
/// entries are whole and keyed for this very link) is not read by root:
/// the trust check refuses it before any entry is opened, so no entry
/// planted there can name a program or an input.
#[test]
fn a_cache_another_user_owns_is_never_read() {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let is_root = unsafe { libc::geteuid() } == 0;
    if !crate::util::skip_unless(is_root, "not root, so no second user to run as (setpriv)") {
        return;
    }
    if !require_tool("setpriv") || !require_tool("strace") {
        return;
    }
    let dir = tiny_link_dir();
    // Sticky, as /tmp is: they may make their own directory in it.
    fs::set_permissions(dir.root(), fs::Permissions::from_mode(0o1777)).unwrap();
    let root = dir.path("theirs");
    let as_nobody = |cmd: TestCommand| {
        cmd.program("setpriv").args(["--reuid=65534", "--regid=65534", "--clear-groups", crate::util::SOLINK])
    };
    // Their cache, filled and settled: a direct-mode entry for this link.
    let theirs =
        |d: &Dir| as_nobody(d.solink()).arg("--cache-dir").arg(&root).arg("--dry-run").args(LINK).ok();
    theirs(&dir);
    settle();
    theirs(&dir);
    assert!(tree(&root).iter().any(|p| p.to_string_lossy().contains("blob-")), "{:?}", tree(&root));
    let log = dir.path("root.log");
    let out = dir
        .command("strace")
        .args(["-qq", "-e", "trace=openat", "-o"])
        .arg(&log)
        .arg(crate::util::SOLINK)
        .arg("--cache-dir")
        .arg(&root)
        .arg("--dry-run")
        .args(LINK)
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_text(
        with_dir(&stderr, dir.root()),
        "solink: warning: cache $DIR/theirs is owned by another user (uid 65534); not used \
         (make it yours and private: chmod go-w, or choose another with --cache-dir)\n",
    );
    let opened = fs::read_to_string(&log).unwrap();
    assert!(!opened.contains("solink-v2"), "an entry of theirs was opened: {opened}");
    let plain = dir.solink().args(["--no-cache", "--dry-run"]).args(LINK).ok();
    assert_eq!(String::from_utf8_lossy(&out.stdout), plain, "the answer with no cache");
}

/// The note object in the cache is checked by its bytes, not its name and
/// size: one swapped for another of the same size is written over before
/// the link, in a replayed link too, so the output records what it embeds.
#[test]
fn a_swapped_note_object_is_never_linked() {
    let dir = tiny_link_dir();
    let root = dir.mkdir("cache-root");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
    link(&dir, &root).ok();
    let first = fs::read(dir.path("libuse.so")).unwrap();
    let note = walkdir::WalkDir::new(&root)
        .into_iter()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("note-"))
        .expect("a note object in the cache")
        .into_path();
    let bytes = fs::read(&note).unwrap();
    settle();
    link(&dir, &root).ok();
    for round in ["a warm link", "a replay"] {
        // The same size, another byte: what a planted object would be.
        let mut swapped = bytes.clone();
        let at = swapped.len() / 2;
        swapped[at] ^= 0xff;
        fs::write(&note, &swapped).unwrap();
        link(&dir, &root).ok();
        assert_eq!(fs::read(&note).unwrap(), bytes, "{round}: the note object was written over");
        assert_eq!(fs::read(dir.path("libuse.so")).unwrap(), first, "{round}: the output is the first one's");
    }
}

/// Under `ulimit -f`, where the plain link fits, a cache entry that does
/// not is a write that fails (`EFBIG`), not a `SIGXFSZ` that kills the
/// link: the link succeeds and no temporary file is left.
#[test]
fn a_file_size_limit_is_no_cache_not_a_dead_link() {
    if !require_tool("bash") {
        return;
    }
    let dir = Dir::new();
    tiny_user(&dir.path("use.o"));
    // libtiny.a with a second, unused member of 4000 functions: its symbol
    // digest (a cache entry) is far larger than the output.
    let mut big = String::new();
    for i in 0..4000 {
        big.push_str(&format!("int unused_function_number_{i}(void) {{ return {i}; }}\n"));
    }
    dir.write("big.c", big);
    dir.write("tiny.c", "int tiny_answer(void) { return 42; }\n");
    crate::util::gcc(dir.root(), &["-fPIC", "-c", "tiny.c", "big.c"]);
    dir.mkdir("lib");
    crate::util::sh(std::process::Command::new("ar").current_dir(dir.root()).args([
        "rcs",
        "lib/libtiny.a",
        "tiny.o",
        "big.o",
    ]));
    let root = dir.mkdir("cache-root");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
    let out = dir
        .command("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f 32 && exec {} --cache-dir cache-root --cc gcc --libsdir lib -shared -o libuse.so use.o -ltiny",
            crate::util::SOLINK
        ))
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(dir.path("libuse.so").exists(), "{stderr}");
    let tmp: Vec<PathBuf> =
        tree(&root).into_iter().filter(|p| p.to_string_lossy().contains(".tmp-")).collect();
    assert!(tmp.is_empty(), "temporary files left: {tmp:?}");
    // The same link without the limit, with a cache of its own, stores an
    // entry the limit refused.
    let unlimited = dir.mkdir("unlimited");
    fs::set_permissions(&unlimited, fs::Permissions::from_mode(0o700)).unwrap();
    link(&dir, &unlimited).ok();
    let largest = walkdir::WalkDir::new(&unlimited)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .max();
    assert!(largest.unwrap_or(0) > 32 * 1024, "an entry past the limit exists: {largest:?}");
}

/// A cache root reached through a directory another user owns (their
/// symlink to a private directory of root's, which they could point
/// elsewhere between solink's check and ld's open of the note object):
/// not used, with one warning, and the link goes on.
#[test]
fn a_root_reached_through_another_users_directory_is_not_used() {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let is_root = unsafe { libc::geteuid() } == 0;
    if !crate::util::skip_unless(is_root, "not root, so no second user to own a directory") {
        return;
    }
    let dir = tiny_link_dir();
    let mine = dir.mkdir("mine");
    fs::set_permissions(&mine, fs::Permissions::from_mode(0o700)).unwrap();
    let theirs = dir.mkdir("theirs");
    std::os::unix::fs::symlink(&mine, theirs.join("cache")).unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    std::os::unix::fs::lchown(theirs.join("cache"), Some(65534), Some(65534)).unwrap();
    // Through the symlink: the path solink would hand out is its own, so
    // the symlink is no danger; it is used.
    link(&dir, &theirs.join("cache")).ok();
    assert!(tree(&mine).iter().any(|p| p.to_string_lossy().contains("note-")), "{:?}", tree(&mine));
    // Inside their directory: they could rename it away.
    let inside = theirs.join("real");
    fs::create_dir(&inside).unwrap();
    fs::set_permissions(&theirs, fs::Permissions::from_mode(0o777)).unwrap();
    let out = link(&dir, &inside).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_text(
        with_dir(&stderr, dir.root()),
        "solink: warning: cache $DIR/theirs/real lies under $DIR/theirs, which another user can change; \
         not used (make it yours and private: chmod go-w, or choose another with --cache-dir)\n",
    );
    assert!(tree(&inside).len() == 1, "nothing made in it: {:?}", tree(&inside));
}

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

/// The note object (beside the output, issue 33 §7) is checked by its
/// bytes, not its name and size: one swapped for another of the same size
/// is written over before the link, in a replayed link too, so the output
/// records what it embeds.
#[test]
fn a_swapped_note_object_is_never_linked() {
    let dir = tiny_link_dir();
    let root = dir.mkdir("cache-root");
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
    link(&dir, &root).ok();
    let first = fs::read(dir.path("libuse.so")).unwrap();
    let note = dir.path(".libuse.so.solink-note.o");
    let bytes = fs::read(&note).expect("a note object beside the output");
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
    // Removed: a replay puts it back.
    fs::remove_file(&note).unwrap();
    link(&dir, &root).ok();
    assert_eq!(fs::read(&note).unwrap(), bytes, "put back");
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
    assert!(tree(&mine).iter().any(|p| p.to_string_lossy().contains("blob-")), "{:?}", tree(&mine));
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

/// Whether this test runs as root, which a second user's files need.
fn as_root() -> bool {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

/// Issue 33 §1: a configuration file solink finds on its own chooses the
/// program it runs and the files it writes, so it must pass the cache's
/// trust rule. A HOME others can write (a container's `HOME=/tmp`), a file
/// another user owns, one others can write, and a trusted file naming a
/// program another user owns: each is ignored with one warning naming it
/// and the fix, `./evil` never runs, and the link succeeds.
#[test]
fn configuration_files_and_programs_they_name_follow_the_trust_rule() {
    if !crate::util::skip_unless(as_root(), "not root, so no second user to own a file") {
        return;
    }
    let dir = tiny_link_dir();
    let evil = dir.executable("evil", "#!/bin/sh\ntouch \"$(dirname \"$0\")/evil-ran\"\nexec gcc \"$@\"\n");
    let conf_dir = dir.mkdir("home/.config/solink");
    let conf = conf_dir.join("solink.conf");
    fs::write(&conf, format!("cc = {}\nlogfile = {}\n", evil.display(), dir.path("their.log").display()))
        .unwrap();
    let run = || {
        dir.solink()
            .env("SOLINK_SYSTEM_CONFIG", dir.path("no-system.conf"))
            .args(["--libsdir", "lib", "-shared", "-o", "libuse.so", "use.o", "-ltiny"])
            .run()
    };
    let check = |why: &str, want: &str| {
        let ran = run();
        assert!(ran.success(), "{why}: {}", ran.stderr);
        assert_text(with_dir(&ran.stderr, dir.root()), want);
        assert!(!dir.path("evil-ran").exists(), "{why}: ./evil ran");
        assert!(!dir.path("their.log").exists(), "{why}: their log file was written");
    };
    let fix = "ignored (make it yours or root's and not writable by others: chown, chmod go-w; or remove it)";
    // HOME others can write: they could put any file there.
    fs::set_permissions(dir.path("home"), fs::Permissions::from_mode(0o777)).unwrap();
    check(
        "a HOME others can write",
        &format!(
            "solink: warning: configuration file $DIR/home/.config/solink/solink.conf lies under $DIR/home, \
             which another user can change; {fix}\n"
        ),
    );
    fs::set_permissions(dir.path("home"), fs::Permissions::from_mode(0o755)).unwrap();
    // Written by another user.
    std::os::unix::fs::chown(&conf, Some(65534), Some(65534)).unwrap();
    check(
        "a file another user owns",
        &format!(
            "solink: warning: configuration file $DIR/home/.config/solink/solink.conf is owned by another user \
             (uid 65534); {fix}\n"
        ),
    );
    // Root's, but others can write it.
    std::os::unix::fs::chown(&conf, Some(0), Some(0)).unwrap();
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o666)).unwrap();
    check(
        "a file others can write",
        &format!("solink: warning: configuration file $DIR/home/.config/solink/solink.conf is writable by others; {fix}\n"),
    );
    // A trusted file, naming a program another user owns: that line goes.
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&conf, format!("cc = {}\n", evil.display())).unwrap();
    std::os::unix::fs::chown(&evil, Some(65534), Some(65534)).unwrap();
    check(
        "a program another user owns",
            "solink: warning: cc = $DIR/evil in $DIR/home/.config/solink/solink.conf: $DIR/evil is owned by \
             another user (uid 65534); that line is ignored (make the program yours or root's and not writable \
             by others)\n",
    );
    // Once it is root's, it is what runs.
    std::os::unix::fs::chown(&evil, Some(0), Some(0)).unwrap();
    let ran = run();
    assert!(ran.success() && ran.stderr.is_empty(), "{}", ran.stderr);
    assert!(dir.path("evil-ran").exists(), "a trusted cc runs");
}

/// Issue 33 §2: a HOME that cannot lead to a configuration file or a cache
/// (not a directory, too long, not searchable) is "no configuration and no
/// cache": the link succeeds and says nothing, as gcc's does.
#[test]
fn home_faults_mean_no_configuration_and_no_cache() {
    let dir = tiny_link_dir();
    let file = dir.write("a-file", "not a directory");
    let long = format!("/{}", "h".repeat(5000));
    let locked = dir.mkdir("locked/home");
    fs::set_permissions(dir.path("locked"), fs::Permissions::from_mode(0o700)).unwrap();
    let mut homes = vec![("ENOTDIR", file.clone()), ("ENAMETOOLONG", PathBuf::from(&long))];
    if as_root() && require_tool("setpriv") {
        // As nobody, a directory of root's 0700 cannot be searched.
        fs::set_permissions(dir.root(), fs::Permissions::from_mode(0o1777)).unwrap();
        homes.push(("EACCES", locked.clone()));
    }
    for (fault, home) in homes {
        let mut cmd = dir.solink();
        if fault == "EACCES" {
            cmd = cmd.program("setpriv").args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                crate::util::SOLINK,
            ]);
        }
        let ran = cmd
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME")
            .env("SOLINK_SYSTEM_CONFIG", dir.path("no-system.conf"))
            .args(["--cc", "gcc", "--libsdir", "lib", "-shared", "-o"])
            .arg(format!("{fault}.so"))
            .args(["use.o", "-ltiny"])
            .run();
        assert!(ran.success(), "{fault}: {}", ran.stderr);
        assert_eq!(ran.stderr, "", "{fault}: nothing said");
        assert!(crate::elf::Elf::open(&dir.path(&format!("{fault}.so"))).defines("tiny_answer"), "{fault}");
    }
}

/// Issue 33 §6: `SOLINK_CONFIG=` (set, empty) and `SOLINK_CONFIG=/dev/null`
/// say "no configuration file": the user's file (here one solink would
/// refuse) is not read.
#[test]
fn an_empty_solink_config_or_dev_null_means_no_configuration_file() {
    let dir = Dir::new();
    dir.write("home/.config/solink/solink.conf", "libdir = a near miss that is refused\n");
    let show = |value: &str| {
        dir.solink()
            .env("SOLINK_CONFIG", value)
            .env("SOLINK_SYSTEM_CONFIG", "/nonexistent")
            .arg("--show-config")
            .ok()
    };
    for value in ["", "/dev/null"] {
        let shown = show(value);
        assert!(!shown.contains("config file:"), "{value:?}: {shown}");
        assert!(shown.contains("(default) libsdir = \n"), "{value:?}: {shown}");
    }
    // Unset, the user's file is read (and here refused).
    let refused = dir.solink().env("SOLINK_SYSTEM_CONFIG", "/nonexistent").arg("--show-config").refused();
    assert!(refused.contains("unknown key libdir"), "{refused}");
}

/// Issue 33 §5: a cache named explicitly that cannot be used is said once
/// (the default one stays quiet), and `--clear-cache` on a cache it cannot
/// change says what it left and exits non-zero.
#[test]
fn a_named_cache_that_cannot_be_used_is_said_and_an_unclearable_one_is_not_cleared() {
    let dir = tiny_link_dir();
    let file = dir.write("not-a-dir", "x");
    let ran = link(&dir, &file).run();
    assert!(ran.success(), "{}", ran.stderr);
    assert_text(
        with_dir(&ran.stderr, dir.root()),
        "solink: warning: cache $DIR/not-a-dir cannot be used (Not a directory (os error 20)); linking with no \
         cache (choose another with --cache-dir)\n",
    );
    if !crate::util::skip_unless(as_root(), "not root, so no second user") || !require_tool("setpriv") {
        return;
    }
    // Nobody's cache, filled, then made read-only (0500): as nobody, it can
    // be read but not changed.
    fs::set_permissions(dir.root(), fs::Permissions::from_mode(0o1777)).unwrap();
    let root = dir.mkdir("ro-cache");
    let nobody = |dir: &Dir| {
        dir.solink().program("setpriv").args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            crate::util::SOLINK,
        ])
    };
    std::os::unix::fs::chown(&root, Some(65534), Some(65534)).unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o700)).unwrap();
    let _ = fs::remove_file(dir.path("libuse.so"));
    let _ = fs::remove_file(dir.path(".libuse.so.solink-note.o"));
    nobody(&dir).arg("--cache-dir").arg(&root).args(LINK).ok();
    let before = tree(&root);
    assert!(before.len() > 2, "{before:?}");
    for d in walkdir::WalkDir::new(&root).into_iter().flatten().filter(|e| e.file_type().is_dir()) {
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o500)).unwrap();
    }
    let ran = nobody(&dir).arg("--cache-dir").arg(&root).arg("--clear-cache").run();
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(ran.stdout.is_empty(), "nothing said cleared: {}", ran.stdout);
    let line = with_dir(&ran.stderr, dir.root());
    assert!(
        line.starts_with("solink: the cache at $DIR/ro-cache is not cleared: ")
            && line.contains("files of solink's could not be removed (")
            && line.ends_with("Permission denied (os error 13)); make it writable (or remount it read-write) and run --clear-cache again\n"),
        "{line}"
    );
    assert_eq!(tree(&root), before, "every entry is still there");
    // Linking with it: said once, and the link goes on.
    let ran = nobody(&dir).arg("--cache-dir").arg(&root).args(LINK).run();
    assert!(ran.success(), "{}", ran.stderr);
    assert_eq!(ran.stderr.lines().count(), 1, "{}", ran.stderr);
    assert!(ran.stderr.contains("cannot be used (Permission denied (os error 13))"), "{}", ran.stderr);
}

//! The catalogue of bad inputs (docs/errors.md): one test per row. A
//! refusal is one `solink: ` line, exit status 2, and an output file left
//! as it was; everything else returns the driver's own status.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::symlink;

use crate::util::{assert_text, os, require_tool, tiny_archive, with_dir, write_big_link, Dir, SOLINK};

/// A directory with a fake driver and an old `out.so` that a refusal must
/// leave alone.
fn fake_driver_and_old_output() -> (Dir, String) {
    let dir = Dir::new();
    let fake = dir.fake_driver().display().to_string();
    dir.write("out.so", "old");
    (dir, fake)
}

fn refused(dir: &Dir, fake: &str, args: &[&str], expected: &str) {
    let msg = dir.solink().args(["--cc", fake]).args(args).refused();
    assert_eq!(msg, format!("solink: {expected}\n"));
    assert_eq!(std::fs::read_to_string(dir.path("out.so")).unwrap(), "old", "output untouched");
    assert!(!dir.path("fakecc.log").exists(), "the driver never ran");
}

/// Runs a link with --explain through the fake driver, which exits 7;
/// returns (exit code, stderr with the test directory written `$DIR`,
/// driver argv).
fn explained_fake_link(dir: &Dir, fake: &str, args: &[&str]) -> (Option<i32>, String, Vec<OsString>) {
    let out = dir.solink().env("FAKECC_EXIT", "7").args(["--explain", "--cc", fake]).args(args).output();
    (out.status.code(), with_dir(&String::from_utf8(out.stderr).unwrap(), dir.root()), dir.fake_argv())
}

#[test]
fn missing_values_at_the_end() {
    let (dir, fake) = fake_driver_and_old_output();
    for opt in ["-l", "-o", "-L"] {
        refused(
            &dir,
            &fake,
            &["-shared", "-o", "out.so", "a.o", opt],
            &format!("{opt} at the end of the command needs a value; complete the command"),
        );
    }
}

/// Issue 31: a state option ld refuses where it stands, in each spelling,
/// is named before ld runs, never read as ld's default state.
#[test]
fn unbalanced_state_options_are_refused_by_name() {
    let (dir, fake) = fake_driver_and_old_output();
    let pop = "has no --push-state before it, and ld refuses the link (\"no state pushed before popping\"); \
               remove it or add --push-state before it";
    for (args, option) in [
        (&["-Wl,--pop-state", "-lfoo"][..], "--pop-state"),
        (&["-Wl,--push-state,--pop-state,--pop-state"], "--pop-state"),
        (&["-Xlinker", "-pop-state"], "-pop-state"),
    ] {
        let mut argv = vec!["-shared", "-o", "out.so", "a.o"];
        argv.extend(args);
        refused(&dir, &fake, &argv, &format!("{option} {pop}"));
    }
    refused(
        &dir,
        &fake,
        &["-shared", "-o", "out.so", "a.o", "-Wl,--end-group"],
        "--end-group has no --start-group before it, and ld refuses the link (\"group ended before it began\"); \
         remove it or add --start-group before it",
    );
}

#[test]
fn direct_archive_that_does_not_exist() {
    let (dir, fake) = fake_driver_and_old_output();
    refused(
        &dir,
        &fake,
        &["-shared", "-o", "out.so", "a.o", "nothere.a"],
        "archive nothere.a does not exist; build it first or fix the path",
    );
}

#[test]
fn garbage_truncated_and_non_elf_archives_stay_dynamic_with_a_warning() {
    let (dir, fake) = fake_driver_and_old_output();
    dir.write("L/libgarbage.a", "this is not an archive\n");
    tiny_archive(&dir.path("L/libwhole.a"));
    let whole = std::fs::read(dir.path("L/libwhole.a")).unwrap();
    dir.write("L/libtruncated.a", &whole[..whole.len() / 2]);
    // A well-formed archive whose only member is text.
    dir.write(
        "L/libtext.a",
        b"!<arch>\nnotes.txt/      0           0     0     644     6         `\nhello\n\n",
    );
    dir.write("L/libtext.so", "");
    let (code, stderr, argv) =
        explained_fake_link(&dir, &fake, &["-shared", "a.o", "-LL", "-lgarbage", "-ltruncated", "-ltext"]);
    assert_eq!(code, Some(7), "the driver's status");
    assert_eq!(argv, os(&["-shared", "a.o", "-LL", "-lgarbage", "-ltruncated", "-ltext"]));
    // What the archive reader says of the truncated archive depends on where
    // half of this machine's archive falls: that line is checked by its ends.
    let mut lines: Vec<&str> = stderr.lines().collect();
    let damaged = &mut lines[3];
    assert!(damaged.starts_with("solink: L/libtruncated.a is damaged ("), "{stderr}");
    assert!(damaged.ends_with("); linking -ltruncated dynamically. Rebuild or remove it."), "{stderr}");
    *damaged =
        "solink: L/libtruncated.a is damaged (...); linking -ltruncated dynamically. Rebuild or remove it.";
    assert_text(
        lines.join("\n") + "\n",
        "\
solink: -lgarbage: dynamic (stage 2, -L at L/libgarbage.a): see the warning that follows
solink: L/libgarbage.a is not an archive; linking -lgarbage dynamically. Rebuild or remove it.
solink: -ltruncated: dynamic (stage 2, -L at L/libtruncated.a): see the warning that follows
solink: L/libtruncated.a is damaged (...); linking -ltruncated dynamically. Rebuild or remove it.
solink: -ltext: dynamic (stage 2, -L at L/libtext.a): see the warning that follows
solink: L/libtext.a cannot go into a shared object (notes.txt: not an ELF object); linking -ltext dynamically.
solink: command: $DIR/bin/fakecc -shared a.o -LL -lgarbage -ltruncated -ltext
solink: 0 embedded, 3 dynamic, 3 warnings
",
    );
}

#[test]
fn linker_script_naming_missing_files() {
    let (dir, fake) = fake_driver_and_old_output();
    dir.write("L/libscript.a", "GROUP ( /nonexistent/libinner.a )\n");
    let (code, stderr, argv) = explained_fake_link(&dir, &fake, &["-shared", "a.o", "-LL", "-lscript"]);
    assert_eq!(code, Some(7));
    assert_eq!(argv, os(&["-shared", "a.o", "-LL", "-lscript"]));
    assert_text(
        stderr,
        "\
solink: -lscript: dynamic (stage 2, -L at L/libscript.a): see the warning that follows
solink: L/libscript.a is a linker script over /nonexistent/libinner.a, which does not exist; linking -lscript dynamically.
solink: command: $DIR/bin/fakecc -shared a.o -LL -lscript
solink: 0 embedded, 1 dynamic, 1 warning
",
    );
}

#[test]
fn empty_archive() {
    let (dir, fake) = fake_driver_and_old_output();
    dir.write("L/libempty.a", "!<arch>\n");
    let (code, stderr, argv) = explained_fake_link(&dir, &fake, &["-shared", "a.o", "-LL", "-lempty"]);
    assert_eq!(code, Some(7));
    assert_eq!(argv, os(&["-shared", "a.o", "-LL", "-lempty"]));
    assert_text(
        stderr,
        "\
solink: -lempty: dynamic (stage 2, -L at L/libempty.a): an empty archive: nothing to embed
solink: command: $DIR/bin/fakecc -shared a.o -LL -lempty
solink: 0 embedded, 1 dynamic, 0 warnings
",
    );
}

#[test]
fn symlink_loop_and_dangling_symlink_named_like_archives() {
    let (dir, fake) = fake_driver_and_old_output();
    dir.mkdir("L");
    symlink("libloop.a", dir.path("L/libloop.a")).unwrap();
    symlink("/nonexistent/libx.a", dir.path("L/libdangling.a")).unwrap();
    let (code, stderr, argv) =
        explained_fake_link(&dir, &fake, &["-shared", "a.o", "-LL", "-lloop", "-ldangling"]);
    assert_eq!(code, Some(7));
    assert_eq!(argv, os(&["-shared", "a.o", "-LL", "-lloop", "-ldangling"]));
    assert_text(
        stderr,
        "\
solink: -lloop: dynamic: no libloop.a in the search order
solink: warning: -lloop: ld will not find it: no libloop.so or libloop.a in the -L dirs or ld's own; add -L with its directory
solink: -ldangling: dynamic: no libdangling.a in the search order
solink: warning: -ldangling: ld will not find it: no libdangling.so or libdangling.a in the -L dirs or ld's own; add -L with its directory
solink: command: $DIR/bin/fakecc -shared a.o -LL -lloop -ldangling
solink: 0 embedded, 2 dynamic, 2 warnings
",
    );
}

#[test]
fn search_directories_that_cannot_serve_are_noted_not_errors() {
    let (dir, fake) = fake_driver_and_old_output();
    dir.write("afile", "x");
    let (code, stderr, _) =
        explained_fake_link(&dir, &fake, &["--libsdir", "nodir", "-shared", "a.o", "-Lafile", "-lx"]);
    assert_eq!(code, Some(7));
    assert_text(
        stderr,
        "\
solink: note: the search directory nodir (stage 1, LIBSDIR) does not exist; skipped
solink: note: the search directory afile (stage 2, -L) is not a directory; skipped
solink: -lx: dynamic: no libx.a in the search order
solink: warning: -lx: ld will not find it: no libx.so or libx.a in the -L dirs or ld's own; add -L with its directory
solink: command: $DIR/bin/fakecc -shared a.o -Lafile -lx
solink: 0 embedded, 1 dynamic, 1 warning
",
    );
}

#[test]
fn unreadable_search_directory_is_noted() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, _) = fake_driver_and_old_output();
    let locked = dir.mkdir("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any directory, so as root solink runs as nobody (setpriv,
    // from util-linux), with the test directory open to it.
    let mut cmd = dir.solink();
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    if unsafe { libc::geteuid() } == 0 {
        if !require_tool("setpriv") {
            return;
        }
        std::fs::set_permissions(dir.root(), std::fs::Permissions::from_mode(0o755)).unwrap();
        cmd = cmd.program("setpriv").args(["--reuid=65534", "--regid=65534", "--clear-groups", SOLINK]);
    }
    let out =
        cmd.args(["--dry-run", "--explain", "--cc", "cc", "-shared", "a.o", "-Llocked", "-lx"]).output();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_text(
        stderr,
        "\
solink: note: the search directory locked (stage 2, -L) cannot be read; skipped
solink: -lx: dynamic: no libx.a in the search order
solink: warning: -lx: ld will not find it: no libx.so or libx.a in the -L dirs or ld's own; add -L with its directory
solink: command: cc -shared a.o -Llocked -lx
solink: 0 embedded, 1 dynamic, 1 warning
",
    );
}

#[test]
fn odd_bytes_in_paths_reach_the_driver_exactly() {
    let (dir, fake) = fake_driver_and_old_output();
    let odd = OsString::from_vec(b"lib \xff 'q\" $d #h\nnl".to_vec());
    let libdir = dir.root().join(&odd);
    tiny_archive(&libdir.join("libodd.a"));
    let mut l = OsString::from("-L");
    l.push(&libdir);
    let out = dir
        .solink()
        .args(["--cc", &fake])
        .args([OsString::from("-shared"), l.clone(), "-lodd".into()])
        .output();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(dir.fake_argv(), vec!["-shared".into(), l.clone(), libdir.join("libodd.a").into_os_string()]);
    // A make rule cannot hold a newline: --depfile refuses before the link.
    std::fs::remove_file(dir.path("fakecc.log")).unwrap();
    let msg = dir
        .solink()
        .args(["--cc", &fake, "--depfile", "out.so.d"])
        .args([OsString::from("-shared"), "-o".into(), "out.so".into(), l, "-lodd".into()])
        .refused();
    assert_text(
        with_dir(&msg, dir.root()),
        r#"solink: "$DIR/lib \xff 'q" $d #h\nnl/libodd.a" has a newline in its name, which a make rule cannot hold; rename it or drop --depfile"#.to_string() + "\n",
    );
}

#[test]
fn response_file_that_does_not_exist_stays_literal() {
    let (dir, fake) = fake_driver_and_old_output();
    let (code, _, argv) = explained_fake_link(&dir, &fake, &["-shared", "a.o", "@missing.rsp"]);
    assert_eq!(code, Some(7));
    assert_eq!(argv, os(&["-shared", "a.o", "@missing.rsp"]));
}

#[test]
fn response_file_that_includes_itself() {
    let (dir, fake) = fake_driver_and_old_output();
    dir.write("self.rsp", "-lx @self.rsp");
    refused(
        &dir,
        &fake,
        &["-shared", "-o", "out.so", "@self.rsp"],
        "response file @self.rsp includes itself; remove the loop from it",
    );
}

#[test]
fn a_10_mb_response_file_and_100_000_arguments() {
    let (dir, fake) = fake_driver_and_old_output();
    tiny_archive(&dir.path("L/libbig.a"));
    // 100,000 arguments, 10 MB: long object names, one library to rewrite.
    let name = "o".repeat(100);
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&format!("{name}{i}.o\n"));
    }
    text.push_str("-lbig\n");
    assert!(text.len() > 10_000_000);
    dir.write("big.rsp", &text);
    let out = dir
        .solink()
        .env("TMPDIR", dir.mkdir("tmp"))
        .args(["--cc", &fake, "-shared", "-LL", "@big.rsp"])
        .output();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let argv = dir.fake_argv();
    assert_eq!(argv.len(), 1, "too long for exec: one @file");
    let args = solink::testing::args::respfile::parse(&std::fs::read(dir.path("fakecc.log.rsp")).unwrap());
    assert_eq!(args.len(), 2 + 100_000 + 1);
    assert_eq!(args[2], OsString::from(format!("{name}0.o")));
    assert_eq!(args.last().unwrap(), "L/libbig.a");
    assert_eq!(std::fs::read_dir(dir.path("tmp")).unwrap().count(), 0, "the response file is removed");
}

/// nvcc reads no `@FILE` (and its --options-file loses quotes), so a
/// command too long for exec cannot reach it: a refusal, never a mangled
/// command. A fake driver named `nvcc` stands in: what matters is what
/// solink would hand it.
#[test]
fn a_command_too_long_for_nvcc_is_refused() {
    let (dir, fake) = fake_driver_and_old_output();
    tiny_archive(&dir.path("L/libbig.a"));
    symlink(&fake, dir.path("bin/nvcc")).unwrap();
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&format!("{}{i}.o\n", "o".repeat(100)));
    }
    text.push_str("-lbig\n");
    dir.write("big.rsp", &text);
    let nvcc = dir.path("bin/nvcc").display().to_string();
    refused(
        &dir,
        &nvcc,
        &["-shared", "-o", "out.so", "-LL", "@big.rsp"],
        &format!(
            "the command is too long to run {nvcc} and it reads no @file response file; \
             shorten it (fewer or shorter -L and -Xlinker words)"
        ),
    );
    assert!(!dir.path("fakecc.log.rsp").exists(), "nvcc got no response file");
}

#[test]
fn driver_not_found_or_not_executable() {
    let (dir, fake) = fake_driver_and_old_output();
    let _ = fake;
    let msg = dir.solink().args(["--cc", "no-such-cc-anywhere", "-shared", "-o", "out.so", "a.o"]).refused();
    assert_eq!(
        msg,
        "solink: cannot find the compiler driver no-such-cc-anywhere on PATH; set --cc or SOLINK_CC to the real compiler\n"
    );
    let plain = dir.write("notexec", "#!/bin/sh\n");
    let msg = dir.solink().arg("--cc").arg(&plain).args(["-shared", "-o", "out.so", "a.o"]).refused();
    assert_eq!(
        msg,
        format!(
            "solink: {} is not an executable file; set --cc or SOLINK_CC to the real compiler\n",
            plain.display()
        )
    );
    assert_eq!(std::fs::read_to_string(dir.path("out.so")).unwrap(), "old");
}

#[test]
fn driver_resolving_to_solink_itself() {
    let (dir, _) = fake_driver_and_old_output();
    let msg = dir.solink().args(["--cc", SOLINK, "-shared", "-o", "out.so", "a.o"]).refused();
    assert_eq!(msg, "solink: the real compiler resolves to solink itself (check SOLINK_CC and PATH)\n");
}

#[test]
fn depfile_location_that_cannot_be_written() {
    let (dir, fake) = fake_driver_and_old_output();
    let msg = dir
        .solink()
        .args(["--cc", &fake, "--depfile", "no/dir/out.so.d", "-shared", "-o", "out.so", "a.o"])
        .refused();
    assert_text(
        msg,
        "solink: cannot write the depfile no/dir/out.so.d: entity not found; \
         check that its directory exists and is writable\n",
    );
}

#[test]
fn cache_that_cannot_be_written_changes_nothing() {
    let (dir, fake) = fake_driver_and_old_output();
    tiny_archive(&dir.path("L/libx.a"));
    let args = ["--dry-run", "--cc", &fake, "-shared", "a.o", "-LL", "-lx"];
    let with_cache = dir.solink().args(args).ok();
    // /proc refuses new directories: the cache is off, the answer the same.
    let unwritable = dir.solink().env("XDG_CACHE_HOME", "/proc/solink-cache").args(args).ok();
    let no_home = dir.solink().env_remove("HOME").env_remove("XDG_CACHE_HOME").args(args).ok();
    assert_eq!(with_cache, unwritable);
    assert_eq!(with_cache, no_home);
    assert_text(with_dir(&with_cache, dir.root()), "$DIR/bin/fakecc -shared a.o -LL L/libx.a\n");
}

#[test]
fn sigint_to_the_process_group_during_a_spawned_link() {
    let (dir, fake) = fake_driver_and_old_output();
    write_big_link(&dir);
    let tmp = dir.mkdir("tmp");
    let mut child = dir
        .solink()
        .env("TMPDIR", &tmp)
        .env("FAKECC_SLEEP", "30")
        .args(["--cc", &fake, "-shared", "-LL", "@big.rsp"])
        .process_group(0)
        .spawn();
    dir.wait_for_fake_driver();
    // SAFETY: kill(2) on the process group of a child this test spawned.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGINT) };
    let status = child.wait().unwrap();
    // solink dies by the driver's signal, as exec would (issue 12 §4); a
    // shell shows that as 128+2.
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(2), "{status:?}");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "no temp file is left behind");
}

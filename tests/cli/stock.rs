//! Quiet and right on a stock distribution (issue 14 §6): Debian ships
//! `lib*.a` beside most `lib*.so` in the system directories, so a system
//! archive must never replace the user's own shared library, must not
//! warn on an ordinary link, and the driver's own libraries are not added.

use crate::util::{assert_text, fixtures, with_dir, Dir};

/// A fake driver whose own library directory is `sys/`, holding a PIC
/// `libanswer.a` and a non-PIC `libnopic.a` with its shared twin; and
/// `mine/libanswer.so`, the user's freshly built shared library.
fn stock() -> (Dir, String) {
    let dir = Dir::new();
    let fake = dir.fake_driver().display().to_string();
    let answer = |flags: &[&str], rel: &str| {
        fixtures::compile("archives/answer.c").flags(flags).archive(&dir.path(rel));
    };
    answer(&["-fPIC"], "sys/libanswer.a");
    answer(&["-fno-pic"], "sys/libnopic.a");
    fixtures::compile("archives/answer.c").flags(["-shared", "-fPIC"]).link(&dir.path("sys/libnopic.so"));
    fixtures::compile("archives/answer.c").flags(["-shared", "-fPIC"]).link(&dir.path("mine/libanswer.so"));
    (dir, fake)
}

fn dry_run(dir: &Dir, fake: &str, extra: &[&str], args: &[&str]) -> (Option<i32>, String, String) {
    let out = dir
        .solink()
        .env("FAKECC_LIBDIRS", dir.path("sys"))
        .args(["--dry-run", "--cc", fake])
        .args(extra)
        .args(["-shared", "-o", "x.so", "x.o"])
        .args(args)
        .run();
    (out.code(), out.stdout, out.stderr)
}

#[test]
fn a_system_archive_never_replaces_the_users_own_shared_library() {
    let (dir, fake) = stock();
    let (code, stdout, stderr) = dry_run(&dir, &fake, &["--explain"], &["-Lmine", "-lanswer"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.trim_end().ends_with("-Lmine -lanswer"), "ld links mine/libanswer.so: {stdout}");
    assert_text(
        with_dir(&stderr, dir.root()),
        "\
solink: -lanswer: dynamic (stage 4, system at $DIR/sys/libanswer.a): ld links mine/libanswer.so first, from a directory it searches before this libanswer.a; linked dynamically as ld would (--archive-first embeds the archive)
solink: command: $DIR/bin/fakecc -shared -o x.so x.o -Lmine -lanswer
solink: 0 embedded, 1 dynamic, 0 warnings
",
    );
    // The seed's literal rule, for those who want it.
    let (_, stdout, _) = dry_run(&dir, &fake, &["--archive-first"], &["-Lmine", "-lanswer"]);
    assert!(stdout.contains(&dir.path("sys/libanswer.a").display().to_string()), "{stdout}");
}

#[test]
fn a_system_archive_that_cannot_be_embedded_is_a_note_not_a_warning() {
    let (dir, fake) = stock();
    let (code, stdout, stderr) = dry_run(&dir, &fake, &[], &["-lnopic"]);
    assert_eq!((code, stderr.as_str()), (Some(0), ""), "no warning on an ordinary link");
    assert!(stdout.trim_end().ends_with("-lnopic"), "{stdout}");
    let (code, _, stderr) = dry_run(&dir, &fake, &["--strict"], &["-lnopic"]);
    assert_eq!(code, Some(0), "--strict concerns the user's archives: {stderr}");
    let (_, _, stderr) = dry_run(&dir, &fake, &["--explain"], &["-lnopic"]);
    assert!(stderr.contains("note: ") && stderr.contains("not position-independent"), "{stderr}");
    // The same archive where the user's configuration points still warns.
    let (code, _, stderr) = dry_run(&dir, &fake, &["--strict"], &["-Lsys", "-lnopic"]);
    assert_eq!(code, Some(2), "{stderr}");
}

//! solink wherever a link command is written: as a masquerading symlink,
//! never calling itself, and with command lines of any length.

use std::os::unix::fs::symlink;

use crate::elf::Elf;
use crate::util::{os, tiny_archive, tiny_user, Dir, SOLINK};

const RECURSION: &str = "solink: the real compiler resolves to solink itself (check SOLINK_CC and PATH)\n";

fn path_with(dir: &std::path::Path) -> String {
    format!("{}:{}", dir.display(), std::env::var("PATH").unwrap())
}

/// An object that uses `tiny_answer` from the tiny archive.
fn user_object(dir: &Dir) -> String {
    tiny_user(&dir.path("use.o")).display().to_string()
}

#[test]
fn a_symlink_named_gcc_behaves_like_gcc_and_embeds() {
    let dir = Dir::new();
    tiny_archive(&dir.path("lib/libtiny.a"));
    let obj = user_object(&dir);
    dir.mkdir("masq");
    symlink(SOLINK, dir.path("masq/gcc")).unwrap();
    dir.solink()
        .program(dir.path("masq/gcc"))
        .env("PATH", path_with(&dir.path("masq")))
        .env("SOLINK_LIBSDIR", dir.path("lib"))
        .args(["-shared", "-o", "x.so", &obj, "-ltiny"])
        .ok();
    assert!(Elf::open(&dir.path("x.so")).defines("tiny_answer"), "embedded through the masquerade");

    // Compiles pass through to the real gcc.
    dir.write("use.c", "int tiny_answer(void);\nint use_tiny(void) { return tiny_answer(); }\n");
    dir.solink()
        .program(dir.path("masq/gcc"))
        .env("PATH", path_with(&dir.path("masq")))
        .args(["-c", "use.c", "-o", "again.o"])
        .ok();
    assert!(dir.path("again.o").exists());
}

#[test]
fn a_masquerading_solink_takes_no_solink_flags_and_honours_solink_cc() {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    dir.mkdir("masq");
    symlink(SOLINK, dir.path("masq/cc")).unwrap();
    dir.solink()
        .program(dir.path("masq/cc"))
        .env("PATH", path_with(&dir.path("masq")))
        .env("SOLINK_CC", &fake)
        .args(["--explain", "-shared", "a.o"])
        .ok();
    assert_eq!(dir.fake_argv(), os(&["--explain", "-shared", "a.o"]), "--explain belongs to gcc here");
}

#[test]
fn solink_cc_naming_solink_is_refused() {
    let dir = Dir::new();
    let out = dir.solink().env("SOLINK_CC", SOLINK).args(["-shared", "a.o"]).output();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), RECURSION);

    dir.mkdir("bin");
    symlink(SOLINK, dir.path("bin/solink")).unwrap();
    let out = dir
        .solink()
        .env("PATH", path_with(&dir.path("bin")))
        .env("SOLINK_CC", "solink")
        .args(["-shared", "a.o"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), RECURSION);
}

#[test]
fn a_symlink_loop_on_path_is_refused() {
    let dir = Dir::new();
    // Only solink answers to `gcc` on this PATH.
    dir.mkdir("masq");
    symlink(SOLINK, dir.path("masq/gcc")).unwrap();
    let out = dir
        .solink()
        .program(dir.path("masq/gcc"))
        .env("PATH", dir.path("masq"))
        .args(["-shared", "a.o"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), RECURSION);

    // Two copies of solink, each finding the other: the depth counter stops it.
    for d in ["c1", "c2"] {
        dir.mkdir(d);
        // A link, not a copy this process writes (ETXTBSY at its exec).
        crate::support::files::place_executable(std::path::Path::new(SOLINK), &dir.path(&format!("{d}/gcc")));
    }
    let path = format!("{}:{}", dir.path("c1").display(), dir.path("c2").display());
    let out = dir.solink().program(dir.path("c1/gcc")).env("PATH", path).args(["-shared", "a.o"]).output();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), RECURSION);
}

/// 10,000 archives in a directory with a long name, named by one @file:
/// the rewritten command is too long for exec (over 2 MB).
fn many_libraries(dir: &Dir) -> (std::path::PathBuf, Vec<String>) {
    let long = format!("libs-{}", "x".repeat(200));
    let libdir = dir.mkdir(&long);
    tiny_archive(&libdir.join("libt0.a"));
    let mut names = Vec::new();
    for i in 0..10_000 {
        if i > 0 {
            std::fs::hard_link(libdir.join("libt0.a"), libdir.join(format!("libt{i}.a"))).unwrap();
        }
        names.push(format!("-lt{i}"));
    }
    dir.write("libs.rsp", names.join("\n"));
    (libdir, names)
}

#[test]
fn a_command_too_long_for_exec_goes_through_a_response_file() {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    let (libdir, _) = many_libraries(&dir);
    let tmp = dir.mkdir("tmp");
    let out = dir
        .solink()
        .env("TMPDIR", &tmp)
        .env("FAKECC_EXIT", "3")
        .args(["--no-deps", "--cc"])
        .arg(&fake)
        .arg("--libsdir")
        .arg(&libdir)
        .args(["-shared", "-o", "x.so", "a.o", "@libs.rsp"])
        .output();
    assert_eq!(out.status.code(), Some(3), "the driver's status: {}", String::from_utf8_lossy(&out.stderr));
    let argv = dir.fake_argv();
    assert_eq!(argv.len(), 1, "one @file argument");
    let rsp = argv[0].to_str().unwrap().strip_prefix('@').unwrap().to_string();
    assert!(!std::path::Path::new(&rsp).exists(), "the response file is removed");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "nothing left in TMPDIR");
    let args = solink::testing::args::respfile::parse(&std::fs::read(dir.path("fakecc.log.rsp")).unwrap());
    // The group is solink's, so -Xlinker pairs (issue 20 §8).
    assert_eq!(args.len(), 4 + 10_000 + 4, "a.o, -shared -o x.so, 10,000 archives and a group");
    assert_eq!(args[4..6], ["-Xlinker", "--start-group"]);
    assert_eq!(args[6], libdir.join("libt0.a").into_os_string());
    assert_eq!(args[args.len() - 2..], ["-Xlinker", "--end-group"]);
}

#[test]
fn ten_thousand_libraries_link_for_real() {
    let dir = Dir::new();
    let (libdir, _) = many_libraries(&dir);
    let obj = user_object(&dir);
    dir.solink()
        .args(["--no-deps", "--cc", "gcc", "--libsdir"])
        .arg(&libdir)
        .args(["-shared", "-o", "x.so", &obj, "@libs.rsp"])
        .ok();
    assert!(Elf::open(&dir.path("x.so")).defines("tiny_answer"));
}

#[test]
fn sigterm_reaches_the_driver_and_the_response_file_is_removed() {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    let (libdir, _) = many_libraries(&dir);
    let tmp = dir.mkdir("tmp");
    let mut child = dir
        .solink()
        .env("TMPDIR", &tmp)
        .env("FAKECC_SLEEP", "30")
        .args(["--no-deps", "--cc"])
        .arg(&fake)
        .arg("--libsdir")
        .arg(&libdir)
        .args(["-shared", "-o", "x.so", "a.o", "@libs.rsp"])
        .spawn();
    dir.wait_for_fake_driver();
    // SAFETY: kill(2) on a child this test spawned and has not reaped.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let status = child.wait().unwrap();
    // solink dies by the driver's signal, as exec would (issue 12 §4); a
    // shell shows that as 128+15.
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(15), "{status:?}");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "the response file is removed");
}

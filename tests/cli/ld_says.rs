//! Issue 20 §7, "say what ld will say, first": where solink's model of
//! ld's search shows ld will fail, solink says so before the link, with
//! the fix; and when the closure check cannot run, it names the input that
//! stopped it. Each against the machine's gcc and GNU ld.

use std::process::Command;

use crate::util::{assert_line, sh, Dir};

/// `wheel/libcudart.so.12` (SONAME `libcudart.so.12`), the only file of it,
/// as NVIDIA's runtime wheel ships it; `a.o`, which calls it.
fn wheel() -> Dir {
    let dir = Dir::new();
    let cc = |args: &[&str]| sh(Command::new("gcc").current_dir(dir.root()).args(args));
    dir.mkdir("wheel");
    dir.write("cudart.c", "int cudaGetDeviceCount(void) { return 3; }\n");
    dir.write("a.c", "int cudaGetDeviceCount(void);\nint f(void) { return cudaGetDeviceCount(); }\n");
    cc(&["-shared", "-fPIC", "-Wl,-soname,libcudart.so.12", "-o", "wheel/libcudart.so.12", "cudart.c"]);
    cc(&["-fPIC", "-c", "a.c"]);
    dir
}

/// `-lcudart` with `-L` dirs that hold only `libcudart.so.12`: solink warns
/// first and names the fix; ld then fails exactly as predicted; the fix
/// links. Before: "no libcudart.a in the search order", 0 warnings, then
/// ld's `cannot find -lcudart`.
#[test]
fn a_dynamic_lib_ld_will_not_find_is_said_first_with_the_fix() {
    let dir = wheel();
    let out =
        dir.solink().args(["--cc", "gcc", "-shared", "-o", "x.so", "a.o", "-Lwheel", "-lcudart"]).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warning = "solink: warning: -lcudart: ld will not find it: wheel has only libcudart.so.12; use -l:libcudart.so.12";
    let said = stderr.find(warning).unwrap_or_else(|| panic!("{stderr}"));
    let ld = stderr.find("cannot find -lcudart").unwrap_or_else(|| panic!("ld fails: {stderr}"));
    assert!(said < ld, "solink speaks first: {stderr}");
    assert!(!out.status.success());
    // --strict refuses before ld runs.
    let out = dir
        .solink()
        .args(["--strict", "--cc", "gcc", "-shared", "-o", "x.so", "a.o", "-Lwheel", "-lcudart"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cannot find"), "ld never ran");
    // The fix it names links, with no warning.
    let out = dir
        .solink()
        .args(["--cc", "gcc", "-shared", "-o", "x.so", "a.o", "-Lwheel", "-l:libcudart.so.12"])
        .output();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A name found nowhere at all: the warning says where ld looks.
#[test]
fn a_dynamic_lib_found_nowhere_is_said_first() {
    let dir = wheel();
    let out =
        dir.solink().args(["--cc", "gcc", "-shared", "-o", "x.so", "a.o", "-Lwheel", "-lnosuchlib"]).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // ld's own lines that follow are this machine's ld's.
    assert_line(
        &stderr,
        "solink: warning: -lnosuchlib: ld will not find it: no libnosuchlib.so or libnosuchlib.a \
         in the -L dirs or ld's own; add -L with its directory",
    );
    assert!(stderr.contains("cannot find -lnosuchlib"), "and ld indeed fails: {stderr}");
}

/// What ld finds in its own dirs (`-lz`, a `libz.so` in the system dirs)
/// draws no warning.
#[test]
fn a_dynamic_lib_ld_finds_draws_nothing() {
    let dir = wheel();
    let out = dir.solink().args(["--cc", "gcc", "-shared", "-o", "x.so", "a.o", "-Lwheel", "-ldl"]).output();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("ld will not find"));
}

/// The closure check cannot run when an input is missing: the note names it
/// (before: "an input of the link cannot be found or read"), and ld fails on
/// that same file.
#[test]
fn the_input_that_stops_the_closure_check_is_named() {
    let dir = wheel();
    let cc = |args: &[&str]| sh(Command::new("gcc").current_dir(dir.root()).args(args));
    dir.mkdir("L");
    dir.write("e.c", "int e(void) { return 1; }\n");
    cc(&["-fPIC", "-c", "e.c"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "L/libe.a", "e.o"]));
    let out = dir
        .solink()
        .args(["--explain", "--cc", "gcc", "-shared", "-o", "x.so", "a.o", "gone.o", "-LL", "-le"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_line(
        &stderr,
        "solink: -le: embed L/libe.a (stage 2, -L): the first libe.a in the search order; position-independent; \
         not verified: gone.o does not exist, so the closure check did not run",
    );
    assert!(stderr.contains("gone.o: No such file"), "ld says the same: {stderr}");
    // A -l that no dir holds is named the same way.
    let out = dir
        .solink()
        .args(["--explain", "--cc", "gcc", "-shared", "-o", "x.so", "a.o", "-LL", "-le", "-l:libgone.so.1"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_line(
        &stderr,
        "solink: -le: embed L/libe.a (stage 2, -L): the first libe.a in the search order; position-independent; \
         not verified: -l:libgone.so.1 is in none of ld's search dirs, so the closure check did not run",
    );
}

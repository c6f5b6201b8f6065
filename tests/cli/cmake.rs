//! CMake, with solink as the linker launcher and as the compiler. Configure
//! checks and compiles pass through; the shared library embeds calcbase.

use std::os::unix::fs::symlink;
use std::process::Command;

use crate::elf::Elf;
use crate::real::{Calc, PROD_OUTPUT};
use crate::util::{fixtures, require_tool, sh, SOLINK};

/// Configures and builds fixtures/cmake with `defines` and `env`; checks
/// that libcalc.so embeds calcbase and the program runs.
fn build(defines: &[String], env: &[(&str, String)]) {
    let calc = Calc::new();
    let build = calc.dir.path("build");
    let mut configure = Command::new("cmake");
    configure
        .arg("-S")
        .arg(fixtures::path("cmake"))
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCALCBASE_DIR={}", calc.path("ws/prod/calc/lib")))
        .args(defines)
        .env("XDG_CACHE_HOME", calc.dir.path("cache"));
    for (k, v) in env {
        configure.env(k, v);
    }
    sh(&mut configure);
    let mut make = Command::new("cmake");
    make.args(["--build"]).arg(&build).args(["--", "VERBOSE=1"]);
    for (k, v) in env {
        make.env(k, v);
    }
    let log = sh(&mut make);
    let so = Elf::open(&build.join("libcalc.so"));
    assert!(so.defines("calcbase_add"), "libcalc.so embeds calcbase:\n{log}");
    assert!(so.needed().contains(&"libm.so.6".to_string()));
    assert_eq!(sh(&mut Command::new(build.join("app"))), PROD_OUTPUT);
    let greeter = Elf::open(&build.join("libgreeter.so"));
    assert!(greeter.needed().iter().any(|n| n.starts_with("libstdc++")), "{:?}", greeter.needed());
    assert_eq!(sh(&mut Command::new(build.join("greet"))), "greeter_length() = 12\n");
}

#[test]
fn as_the_linker_launcher() {
    if !require_tool("cmake") {
        return;
    }
    build(
        &[format!("-DCMAKE_C_LINKER_LAUNCHER={SOLINK}"), format!("-DCMAKE_CXX_LINKER_LAUNCHER={SOLINK}")],
        &[("SOLINK_EXPLAIN", "1".to_string())],
    );
}

#[test]
fn as_the_compiler_in_the_launcher_form() {
    if !require_tool("cmake") {
        return;
    }
    build(&[], &[("CC", format!("{SOLINK} gcc")), ("CXX", format!("{SOLINK} g++"))]);
}

#[test]
fn as_the_compiler_through_a_masquerading_symlink() {
    if !require_tool("cmake") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    symlink(SOLINK, dir.path().join("gcc")).unwrap();
    symlink(SOLINK, dir.path().join("g++")).unwrap();
    let path = format!("{}:{}", dir.path().display(), std::env::var("PATH").unwrap());
    let (cc, cxx) = (dir.path().join("gcc"), dir.path().join("g++"));
    build(&[], &[("CC", cc.display().to_string()), ("CXX", cxx.display().to_string()), ("PATH", path)]);
}

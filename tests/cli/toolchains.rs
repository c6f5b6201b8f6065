//! Other drivers and linkers: clang, g++, clang++, lld, mold, and ld
//! called directly. Each links, loads and runs. A missing tool skips the
//! test (`require_tool`), except in CI (`CI` set), where .ci/run installs
//! them all.

use std::process::Command;

use crate::elf::Elf;
use crate::real::{assert_embedded, Calc, PROD_OUTPUT};
use crate::util::{fixtures, gcc, require_tool, sh, Dir};

fn calc_through(first: &[&str], rest: &[&str]) {
    let calc = Calc::new();
    let lib = format!("-L{}", calc.path("ws/prod/calc/lib"));
    let mut args = vec![lib.as_str(), "-lcalcbase", "-lm"];
    args.extend(rest);
    let so = calc.link_with(first, &args);
    assert_embedded(&so);
    assert_eq!(calc.run_app(), PROD_OUTPUT);
}

#[test]
fn clang_as_the_driver() {
    if !require_tool("clang") {
        return;
    }
    calc_through(&["clang"], &[]);
    calc_through(&["--cc", "clang"], &["--target=x86_64-linux-gnu"]);
}

#[test]
fn gcc_with_lld_and_mold() {
    for (tool, flag) in [("ld.lld", "-fuse-ld=lld"), ("mold", "-fuse-ld=mold")] {
        if require_tool(tool) {
            calc_through(&["gcc"], &[flag]);
        }
    }
}

#[test]
fn ld_itself_as_the_linker() {
    // lld has no default library directories, so -lm needs libm's (as it
    // does without solink).
    let libm = sh(Command::new("gcc").arg("-print-file-name=libm.so"));
    let libm_dir = format!("-L{}", std::path::Path::new(libm.trim()).parent().unwrap().display());
    for ld in ["ld", "ld.bfd", "ld.gold", "ld.lld", "mold"] {
        if require_tool(ld) {
            calc_through(&[ld], &[&libm_dir]);
            calc_through(&["--cc", ld], &[&libm_dir, "-Bstatic", "-Bdynamic"]);
        }
    }
}

/// The llama-shaped stack needs its group and hides its archives, linked
/// through each linker; the result must load and run the same.
#[test]
fn groups_and_exclude_libs_work_with_every_linker() {
    let mut linkers = vec![("gcc", vec![])];
    if require_tool("ld.lld") {
        linkers.push(("gcc", vec!["-fuse-ld=lld"]));
    }
    if require_tool("mold") {
        linkers.push(("gcc", vec!["-fuse-ld=mold"]));
    }
    if require_tool("clang") {
        linkers.push(("clang", vec![]));
    }
    let dir = Dir::new();
    fixtures::llama_stack(dir.root());
    for (n, (driver, flags)) in linkers.iter().enumerate() {
        let so = format!("adapter{n}.so");
        dir.solink()
            .args(["--hide", "--rpath-dynamic", driver])
            .args(flags)
            .args(["-shared", "-o", &so, "obj/adapter.o"])
            .arg(format!("-L{}", dir.path("static").display()))
            .arg(format!("-L{}", dir.path("cuda/lib").display()))
            .args(["-lllama", "-lggml-cpu", "-lggml-base", "-lfakecudart"])
            .ok();
        let elf = Elf::open(&dir.path(&so));
        assert!(!elf.defines("llama_eval"), "{driver} {flags:?}: --exclude-libs hid the archive's symbols");
        assert!(elf.defines("adapter_eval"));
        let out = sh(Command::new(dir.path("loader")).arg(dir.path(&so)).env_remove("LD_LIBRARY_PATH"));
        assert_eq!(out, "adapter_eval(5) = 162\n", "{driver} {flags:?}");
    }
}

/// A C++ shared library embedding a C++ archive; libstdc++ stays dynamic.
#[test]
fn cxx_libraries_with_g_plus_plus_and_clang_plus_plus() {
    for cxx in ["g++", "clang++"] {
        if !require_tool(cxx) {
            continue;
        }
        let dir = Dir::new();
        let src = fixtures::path("cxx");
        fixtures::compile("cxx/words.cpp").with(cxx).flags(["-fPIC"]).archive(&dir.path("lib/libwords.a"));
        fixtures::compile("cxx/greeter.cpp").with(cxx).flags(["-fPIC"]).object(&dir.path("greeter.o"));
        dir.solink()
            .args([cxx, "-shared", "-o", "libgreeter.so", "greeter.o", "-Llib", "-lwords", "-lstdc++"])
            .ok();
        let so = Elf::open(&dir.path("libgreeter.so"));
        assert!(so.needed().iter().any(|n| n.starts_with("libstdc++")), "{cxx}: {:?}", so.needed());
        let main = src.join("main.cpp");
        let root = dir.root().display().to_string();
        gcc(dir.root(), &["-x", "c++", "-c", "-o", "main.o", main.to_str().unwrap()]);
        sh(Command::new(cxx).current_dir(dir.root()).args([
            "-o",
            "app",
            "main.o",
            "-L.",
            "-lgreeter",
            &format!("-Wl,-rpath,{root}"),
        ]));
        assert_eq!(sh(&mut Command::new(dir.path("app"))), "greeter_length() = 12\n", "{cxx}");
        let words = Command::new("nm")
            .arg("-D")
            .arg("--defined-only")
            .arg(dir.path("libgreeter.so"))
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&words.stdout).contains("words_join"), "{cxx}: libwords.a is inside");
    }
}

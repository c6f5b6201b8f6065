//! Other drivers and linkers: clang, g++, clang++, lld, mold, and ld
//! called directly. Each links, loads and runs. A missing tool skips the
//! test, except in CI (`CI` set), where .ci/run installs them all.

use std::process::Command;

use crate::elf::Elf;
use crate::real::{assert_embedded, gcc, Calc, PROD_OUTPUT};
use crate::util::{fixtures, sh, Dir};

/// Whether `tool` runs; in CI a missing tool is a failure, not a skip.
pub(crate) fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "{tool} must be installed in CI (.ci/run installs it)");
        eprintln!("SKIP: {tool} is not installed");
    }
    ok
}

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
    if have("clang") {
        calc_through(&["clang"], &[]);
        calc_through(&["--cc", "clang"], &["--target=x86_64-linux-gnu"]);
    }
}

#[test]
fn gcc_with_lld_and_mold() {
    for (tool, flag) in [("ld.lld", "-fuse-ld=lld"), ("mold", "-fuse-ld=mold")] {
        if have(tool) {
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
        if have(ld) {
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
    if have("ld.lld") {
        linkers.push(("gcc", vec!["-fuse-ld=lld"]));
    }
    if have("mold") {
        linkers.push(("gcc", vec!["-fuse-ld=mold"]));
    }
    if have("clang") {
        linkers.push(("clang", vec![]));
    }
    let dir = Dir::new();
    for (name, src) in [("ggml-base", "ggml_base.c"), ("ggml-cpu", "ggml_cpu.c"), ("llama", "llama.c")] {
        let obj = dir.path(&format!("{name}.o"));
        sh(Command::new("gcc").args(["-fPIC", "-c", "-o"]).arg(&obj).arg(fixtures().join("llama").join(src)));
        dir.mkdir("static");
        sh(Command::new("ar").arg("rcs").arg(dir.path(&format!("static/lib{name}.a"))).arg(&obj));
    }
    dir.mkdir("cuda");
    sh(Command::new("gcc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(dir.path("cuda/libfakecudart.so"))
        .arg(fixtures().join("llama/fakecudart.c")));
    sh(Command::new("gcc")
        .args(["-fPIC", "-c", "-o"])
        .arg(dir.path("adapter.o"))
        .arg(fixtures().join("llama/adapter.c")));
    sh(Command::new("gcc")
        .arg("-o")
        .arg(dir.path("loader"))
        .arg(fixtures().join("llama/loader.c"))
        .arg("-ldl"));
    for (n, (driver, flags)) in linkers.iter().enumerate() {
        let so = format!("adapter{n}.so");
        dir.solink()
            .args(["--hide", "--rpath-dynamic", driver])
            .args(flags)
            .args(["-shared", "-o", &so, "adapter.o"])
            .arg(format!("-L{}", dir.path("static").display()))
            .arg(format!("-L{}", dir.path("cuda").display()))
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
        if !have(cxx) {
            continue;
        }
        let dir = Dir::new();
        let src = fixtures().join("cxx");
        sh(Command::new(cxx).args(["-fPIC", "-c", "-o"]).arg(dir.path("words.o")).arg(src.join("words.cpp")));
        dir.mkdir("lib");
        sh(Command::new("ar").arg("rcs").arg(dir.path("lib/libwords.a")).arg(dir.path("words.o")));
        sh(Command::new(cxx)
            .args(["-fPIC", "-c", "-o"])
            .arg(dir.path("greeter.o"))
            .arg(src.join("greeter.cpp")));
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

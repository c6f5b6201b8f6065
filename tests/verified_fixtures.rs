//! The verified-embedding fixtures exercise the bug they are for: with plain
//! gcc, each archive linked into a `.so` *with* what it implies (libgomp, the
//! C++ runtime, its `.pc`'s `--wrap`, a group) loads with `RTLD_NOW` and
//! returns its value, and linked *without* it gives a `.so` that the link
//! accepts but that fails to load, naming the missing symbol. solink is
//! wired in by the tests of issue 11; these prove the fixtures are worth it.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::verified;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use verified::{Verified, CXX, GGML, OPENMP, WRAP};

/// The load failed on an undefined symbol containing one of `symbols`
/// (which one dlopen names first depends on the relocation order).
fn assert_fails_on(result: Result<i32, String>, symbols: &[&str]) {
    let err = result.expect_err("the incomplete link must not load");
    let named = err.split("undefined symbol: ").nth(1).unwrap_or("");
    assert!(symbols.iter().any(|s| named.contains(s)), "expected one of {symbols:?} undefined, got: {err}");
}

const OMP: &[&str] = &["GOMP_", "omp_"];
const CXX_RUNTIME: &[&str] = &["_Z", "__cxa_", "__gxx_personality"];

#[test]
fn openmp_archive_loads_only_with_libgomp() {
    let v = Verified::new();
    let lib = v.archive(&OPENMP);
    let entry = v.entry(OPENMP.entry);
    let (entry, lib) = (entry.to_str().unwrap(), lib.to_str().unwrap());
    let good = v.link("gcc", "good.so", &[entry, lib, "-lgomp"]);
    assert_eq!(v.load(&good), Ok(OPENMP.value));
    let flag = v.link("gcc", "flag.so", &["-fopenmp", entry, lib]);
    assert_eq!(v.load(&flag), Ok(OPENMP.value));
    let bad = v.link("gcc", "bad.so", &[entry, lib]);
    assert_fails_on(v.load(&bad), OMP);
}

#[test]
fn cxx_archive_linked_by_gcc_loads_only_with_the_cxx_runtime() {
    let v = Verified::new();
    let lib = v.archive(&CXX);
    let entry = v.entry(CXX.entry);
    let (entry, lib) = (entry.to_str().unwrap(), lib.to_str().unwrap());
    let good = v.link("gcc", "good.so", &[entry, lib, "-lstdc++"]);
    assert_eq!(v.load(&good), Ok(CXX.value));
    let gxx = v.link("g++", "gxx.so", &[entry, lib]);
    assert_eq!(v.load(&gxx), Ok(CXX.value));
    let bad = v.link("gcc", "bad.so", &[entry, lib]);
    assert_fails_on(v.load(&bad), CXX_RUNTIME);
}

#[test]
fn wrap_archive_loads_only_with_the_flag_its_pc_file_gives() {
    let v = Verified::new();
    v.archive(&WRAP);
    let entry = v.entry(WRAP.entry);
    let entry = entry.to_str().unwrap();
    // The flags, read from wrapfix.pc by solink's reader.
    let config = solink::testing::pkgconfig::Config {
        libdir: Some(vec![v.lib_dir().as_os_str().as_bytes().to_vec()]),
        ..Default::default()
    };
    let frags =
        solink::testing::pkgconfig::static_libs(&config, OsStr::new("wrapfix")).expect("wrapfix.pc reads");
    let words: Vec<String> =
        frags.iter().flat_map(|f| f.words()).map(|w| w.to_string_lossy().into_owned()).collect();
    let lib_dir = format!("-L{}", v.lib_dir().display());
    assert_eq!(words, [lib_dir.as_str(), "-lwrapfix", "-Wl,--wrap=wrapfix_target"]);
    let mut args = vec![entry];
    args.extend(words.iter().map(String::as_str));
    let good = v.link("gcc", "good.so", &args);
    assert_eq!(v.load(&good), Ok(WRAP.value));
    let bad = v.link("gcc", "bad.so", &[entry, &lib_dir, "-lwrapfix"]);
    assert_fails_on(v.load(&bad), &["__real_wrapfix_target"]);
}

#[test]
fn ggml_shaped_archives_load_only_grouped_with_libgomp_and_the_cxx_runtime() {
    let v = Verified::new();
    for f in &GGML {
        v.archive(f);
    }
    let entry = v.entry(GGML[0].entry);
    let entry = entry.to_str().unwrap();
    let lib_dir = format!("-L{}", v.lib_dir().display());
    let libs = ["-lllama", "-lggml", "-lggml-cpu", "-lggml-base"];
    let with = |pre: &[&str], mid: &[&str], post: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = vec![entry.into(), lib_dir.clone()];
        a.extend(pre.iter().chain(mid).chain(post).map(|s| s.to_string()));
        a
    };
    let link = |driver: &str, out: &str, args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        v.link(driver, out, &args)
    };
    let value = GGML[0].value;
    // Correct: a group, libgomp and the C++ runtime (g++ adds it; gcc needs it).
    let good = link("g++", "good.so", with(&["-Wl,--start-group"], &libs, &["-Wl,--end-group", "-lgomp"]));
    assert_eq!(v.load(&good), Ok(value));
    let gcc = link(
        "gcc",
        "gcc.so",
        with(&["-Wl,--start-group"], &libs, &["-Wl,--end-group", "-lgomp", "-lstdc++"]),
    );
    assert_eq!(v.load(&gcc), Ok(value));
    // The natural order without a group: libggml.a's second member is
    // needed only after ld has passed libggml.a.
    let order = link("g++", "order.so", with(&[], &libs, &["-lgomp"]));
    assert_fails_on(v.load(&order), &["ggml_backend_scale"]);
    // Naming libggml.a again also closes it.
    let again = link("g++", "again.so", with(&[], &libs, &["-lggml", "-lgomp"]));
    assert_eq!(v.load(&again), Ok(value));
    // In reverse order each archive comes before the one that uses it, so ld
    // takes nothing from the first three.
    let reversed: Vec<&str> = libs.iter().rev().copied().collect();
    let reverse = link("g++", "reverse.so", with(&[], &reversed, &["-lgomp"]));
    assert_fails_on(v.load(&reverse), &["ggml_compute"]);
    // A group but no libgomp.
    let no_omp = link("g++", "no_omp.so", with(&["-Wl,--start-group"], &libs, &["-Wl,--end-group"]));
    assert_fails_on(v.load(&no_omp), OMP);
    // A group and libgomp, but gcc without the C++ runtime.
    let no_cxx =
        link("gcc", "no_cxx.so", with(&["-Wl,--start-group"], &libs, &["-Wl,--end-group", "-lgomp"]));
    assert_fails_on(v.load(&no_cxx), CXX_RUNTIME);
}

//! Issue 23, export control: `--export` and `--export-archive` choose what
//! a shared library exports, merged into the link's version script, and
//! win over `--hide`. Real builds, loaded with RTLD_NOW and called.

use std::collections::BTreeSet;
use std::process::Command;

use crate::util::{assert_line, assert_text, sh, Dir};

/// A program that `dlopen`s `argv[1]` with RTLD_NOW and calls the
/// `int(int, int)` function `argv[2]` with 2 and 3; exit 1 when it is not
/// exported.
const LOADER: &str = r#"
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    int (*f)(int, int) = (int (*)(int, int))dlsym(h, argv[2]);
    if (!f) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    printf("%d\n", f(2, 3));
    return 0;
}
"#;

/// Two PIC archives, `libapi.a` (`api_add`, `api_mul`) and `libother.a`
/// (`other_add`), an object `own.o` that uses both and defines `own_add`,
/// and the loader.
fn two_archives() -> Dir {
    let dir = Dir::new();
    let cc = |args: &[&str]| sh(Command::new("gcc").current_dir(dir.root()).args(args));
    dir.write(
        "api.c",
        "int api_add(int a, int b) { return a + b; }\nint api_mul(int a, int b) { return a * b; }\n",
    );
    dir.write("other.c", "int other_add(int a, int b) { return a + b + 100; }\n");
    dir.write(
        "own.c",
        "int api_add(int, int);\nint other_add(int, int);\n\
         int own_add(int a, int b) { return api_add(a, b) + other_add(a, b); }\n",
    );
    dir.mkdir("lib");
    for (src, lib) in [("api.c", "lib/libapi.a"), ("other.c", "lib/libother.a")] {
        cc(&["-fPIC", "-c", src, "-o", "m.o"]);
        sh(Command::new("ar").current_dir(dir.root()).args(["rcs", lib, "m.o"]));
    }
    cc(&["-fPIC", "-c", "own.c", "-o", "own.o"]);
    crate::support::fixtures::program(&dir.path("loader"), LOADER, &["-ldl"]);
    dir
}

/// The dynamic symbols `so` defines, without the toolchain's own
/// (`_init`, `_fini`, ...).
fn exports(dir: &Dir, so: &str) -> BTreeSet<String> {
    let out = sh(Command::new("nm").current_dir(dir.root()).args(["-D", "--defined-only", so]));
    out.lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .filter(|n| !n.starts_with('_'))
        .map(str::to_string)
        .collect()
}

/// What `function(2, 3)` in `so` returns, or the loader's error.
fn call(dir: &Dir, so: &str, function: &str) -> Result<String, String> {
    let out = Command::new(dir.path("loader")).arg(dir.path(so)).arg(function).output().unwrap();
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

const LINK: &[&str] = &["gcc", "-shared", "-o", "out.so", "own.o", "-Llib", "-lapi", "-lother"];

#[test]
fn hide_with_export_archive_exports_exactly_that_archive_and_the_objects() {
    let dir = two_archives();
    let err = dir.solink().args(["--hide", "--export-archive=api", "--explain"]).args(LINK).output();
    assert!(err.status.success(), "{}", String::from_utf8_lossy(&err.stderr));
    let said = String::from_utf8_lossy(&err.stderr);
    // The rest of the explanation holds sizes and a cache digest of this
    // machine's compiler: these lines are compared whole.
    assert_line(&said, "solink: exports api_mul from libapi.a(m.o)");
    assert_eq!(exports(&dir, "out.so"), set(&["api_add", "api_mul", "own_add"]));
    assert_eq!(call(&dir, "out.so", "api_mul").unwrap(), "6");
    assert_eq!(call(&dir, "out.so", "own_add").unwrap(), "110");
    assert!(call(&dir, "out.so", "other_add").is_err());
    // The note records it: libapi.a hidden but exported by name, libother.a hidden.
    let audit = dir.solink().args(["--audit", "--format", "json", "out.so"]).ok();
    let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
    let embeds = v.pointer("/files/0/objects/0/embeds").and_then(|e| e.as_array()).expect(&audit).clone();
    let flags = |file: &str| {
        let e = embeds.iter().find(|e| e["file"] == file).unwrap_or_else(|| panic!("{file}: {audit}"));
        (e["hide"].as_bool().unwrap(), e["export_by_name"].as_bool().unwrap(), e["symbols"].as_str().unwrap())
    };
    // What the link asked, and what its .dynsym shows: libapi.a's api_mul
    // can interpose, libother.a keeps to itself.
    assert_eq!(flags("libapi.a"), (true, true, "interposable"), "{audit}");
    assert_eq!(flags("libother.a"), (true, false, "private"), "{audit}");
    // `--hide` alone hides both.
    dir.solink().arg("--hide").args(LINK).ok();
    assert_eq!(exports(&dir, "out.so"), set(&["own_add"]));
}

#[test]
fn an_export_from_a_hidden_archive_is_exported_and_explained() {
    let dir = two_archives();
    let out = dir.solink().args(["--hide", "--export=other_add", "--explain"]).args(LINK).output();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert_line(
        &said,
        "solink: note: lib/libother.a is hidden (--hide), but it defines other_add, which the exports name: \
         those are exported, and its other symbols are made local by the version script instead of --exclude-libs",
    );
    assert_eq!(exports(&dir, "out.so"), set(&["other_add", "own_add"]));
    assert_eq!(call(&dir, "out.so", "other_add").unwrap(), "105");
}

#[test]
fn a_users_version_script_is_merged_and_left_unchanged() {
    let dir = two_archives();
    let script = "/* the user's */\n{\n  global:\n    own_add;\n  local:\n    *;\n};\n";
    dir.write("user.map", script);
    // `-Wl,--version-script=`, and `-Xlinker` as rustc and others pass it.
    for form in
        [&["-Wl,--version-script=user.map"][..], &["-Xlinker", "--version-script", "-Xlinker", "user.map"]]
    {
        let _ = std::fs::remove_file(dir.path("out.so"));
        dir.solink().env("SOLINK_EXPORT", "api_mul").args(LINK).args(form).ok();
        assert_eq!(exports(&dir, "out.so"), set(&["api_mul", "own_add"]), "{form:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path("user.map")).unwrap(),
            script,
            "the original is never written"
        );
    }
    // Without the setting, the user's script alone.
    dir.solink().args(LINK).arg("-Wl,--version-script=user.map").ok();
    assert_eq!(exports(&dir, "out.so"), set(&["own_add"]));
    // The copy lies beside the output and is named in place of the
    // original; a dry run prints the same path warm and cold, with a cache
    // or none (issue 33 §5).
    let dry = |extra: &[&str]| {
        dir.solink()
            .args(["--dry-run", "--export=api_mul"])
            .args(extra)
            .args(LINK)
            .arg("-Wl,--version-script=user.map")
            .ok()
    };
    let printed = dry(&[]);
    assert!(!printed.contains("user.map") && printed.contains(".out.so.solink-vers.map"), "{printed}");
    assert_eq!(dry(&[]), printed, "warm");
    assert_eq!(dry(&["--no-cache"]), printed, "cold, no cache");
}

#[test]
fn export_names_from_a_file_and_none_added_without_a_script() {
    let dir = two_archives();
    dir.write("names.txt", "# the API\napi_add\n\nown_add\n");
    let printed = dir.solink().args(["--dry-run", "--export=@names.txt"]).args(LINK).ok();
    assert!(printed.contains("--version-script="), "{printed}");
    dir.solink().args(["--export=@names.txt"]).args(LINK).ok();
    // A script solink makes changes nothing else: every global stays exported.
    assert_eq!(exports(&dir, "out.so"), set(&["api_add", "api_mul", "other_add", "own_add"]));
    let missing = dir.solink().args(["--export=@nowhere.txt"]).args(LINK).refused();
    assert_text(
        missing,
        "solink: cannot read nowhere.txt (--export=@FILE, one symbol a line): \
         No such file or directory (os error 2); fix the path\n",
    );
}

#[test]
fn an_export_nobody_defines_is_a_warning_and_refused_under_strict() {
    let dir = two_archives();
    let out = dir.solink().args(["--export=api_nope"]).args(LINK).output();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert_text(
        said,
        "solink: --export names api_nope, which no input of the link defines, so it is not exported; \
         check the spelling, or add the object or library that defines it\n",
    );
    assert_eq!(call(&dir, "out.so", "api_add").unwrap(), "5");
    let _ = std::fs::remove_file(dir.path("out.so"));
    let out = dir.solink().env("SOLINK_STRICT", "1").args(["--export=api_nope"]).args(LINK).output();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert_text(
        String::from_utf8_lossy(&out.stderr),
        "solink: --export names api_nope, which no input of the link defines, so it is not exported; \
         check the spelling, or add the object or library that defines it (an error with --strict)\n",
    );
    assert!(!dir.path("out.so").exists(), "refused before the link");
    let out = dir.solink().args(["--strict", "--export-archive=nolib"]).args(LINK).output();
    assert_eq!(out.status.code(), Some(2));
    assert_text(
        String::from_utf8_lossy(&out.stderr),
        "solink: --export-archive=nolib names no embedded archive that ld pulls a member from, so it exports \
         nothing; check the name (NAME for libNAME.a) and that the link embeds it (an error with --strict)\n",
    );
}

//! Archives the link takes nothing from (issue 20 §2): substituted by
//! path, as the seed's rule does, unless ld's own search finds that same
//! file; the explanation says whether nothing uses them or they come
//! before every object that does. Real links with gcc, loaded with
//! `RTLD_NOW` in a separate process.

use std::process::Command;

use crate::util::{assert_text, gcc, require_tool, sh, Dir};

/// `loader SO` dlopens SO with `RTLD_NOW` and prints `m_value()`.
fn loader(dir: &Dir) -> std::path::PathBuf {
    let loader = dir.path("loader");
    crate::support::fixtures::program(
        &loader,
        "#include <dlfcn.h>\n#include <stdio.h>\nint main(int c, char **v) {\n  void *h = dlopen(v[1], RTLD_NOW);\n  if (!h) { fprintf(stderr, \"dlopen: %s\\n\", dlerror()); return 1; }\n  int (*f)(void) = (int (*)(void))dlsym(h, \"m_value\");\n  if (!f) return 1;\n  printf(\"%d\\n\", f());\n  return 0;\n}\n",
        &["-ldl"],
    );
    loader
}

/// `m.o` (defines `m_value`, calling `q_value` when `uses_q`) and
/// `L/libNAME.a` for each name (each defining `NAME_value`).
fn m_and_archives(uses_q: bool, names: &[&str]) -> Dir {
    let dir = Dir::new();
    let body = if uses_q {
        "int q_value(void);\nint m_value(void) { return q_value() + 1; }\n"
    } else {
        "int m_value(void) { return 7; }\n"
    };
    dir.write("m.c", body);
    gcc(dir.root(), &["-fPIC", "-c", "-o", "m.o", "m.c"]);
    dir.mkdir("L");
    for name in names {
        dir.write(&format!("{name}.c"), format!("int {name}_value(void) {{ return 41; }}\n"));
        gcc(dir.root(), &["-fPIC", "-c", "-o", &format!("{name}.o"), &format!("{name}.c")]);
        sh(Command::new("ar").current_dir(dir.root()).args([
            "rcs",
            &format!("L/lib{name}.a"),
            &format!("{name}.o"),
        ]));
    }
    dir
}

/// `solink --explain --cc gcc ARGS`: its explain output; asserts success.
fn explain(dir: &Dir, args: &[&str]) -> String {
    let out = dir.solink().args(["--explain", "--cc", "gcc"]).args(args).run();
    assert!(out.success(), "solink failed: {}", out.stderr);
    out.stderr
}

fn line<'a>(explain: &'a str, token: &str) -> &'a str {
    let prefix = format!("solink: {token}:");
    explain
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no line for {token}: {explain}"))
}

fn command(explain: &str) -> Vec<String> {
    let line = explain.lines().find_map(|l| l.strip_prefix("solink: command: ")).expect("a command line");
    line.split(' ').map(String::from).collect()
}

/// Regression (issue 20): an archive in LIBSDIR that nothing uses was left
/// as `-lq` ("comes before every object that uses it"), and ld, which never
/// searches LIBSDIR, failed with "cannot find -lq".
#[test]
fn an_unused_archive_in_libsdir_is_given_by_path() {
    if !require_tool("gcc") {
        return;
    }
    let dir = m_and_archives(false, &["q"]);
    let out = explain(&dir, &["--libsdir", "L", "-shared", "-o", "x.so", "m.o", "-lq"]);
    let q = line(&out, "-lq");
    assert_text(
        q,
        "solink: -lq: by path L/libq.a (stage 1, LIBSDIR): nothing in the link uses libq.a, \
         so ld takes nothing from it; its path stands in for -lq, which ld's own search would not find",
    );
    assert!(command(&out).contains(&"L/libq.a".to_string()), "{out}");
    assert_eq!(sh(Command::new(loader(&dir)).arg(dir.path("x.so"))), "7\n");
}

/// The same for a link of many archives nothing uses (past the count
/// where ld's dirs are indexed once), in LIBSDIR and the workspace.
#[test]
fn many_unused_archives_link() {
    if !require_tool("gcc") {
        return;
    }
    let names: Vec<String> = (0..80).map(|i| format!("u{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let dir = m_and_archives(false, &refs);
    dir.mkdir("ws/test/lib");
    std::fs::rename(dir.path("L/libu0.a"), dir.path("ws/test/lib/libu0.a")).unwrap();
    let mut args: Vec<String> =
        ["--libsdir", "L", "--workspace", "ws", "-shared", "-o", "x.so", "m.o"].map(String::from).to_vec();
    args.extend(names.iter().map(|n| format!("-l{n}")));
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = explain(&dir, &words);
    let unused = |n: &str, path: &str, stage: &str| {
        format!(
            "solink: -l{n}: by path {path} ({stage}): nothing in the link uses lib{n}.a, so ld takes nothing \
             from it; its path stands in for -l{n}, which ld's own search would not find"
        )
    };
    assert_text(
        line(&out, "-lu0"),
        unused("u0", "ws/test/lib/libu0.a", "stage 3, WORKSPACE_FOLDER/test/lib"),
    );
    for n in &names[1..] {
        assert_text(line(&out, &format!("-l{n}")), unused(n, &format!("L/lib{n}.a"), "stage 1, LIBSDIR"));
    }
    assert_eq!(sh(Command::new(loader(&dir)).arg(dir.path("x.so"))), "7\n");
}

/// An archive ld finds itself, through `-L`, stays `-lNAME`: the plain
/// link. The reason says which case holds.
#[test]
fn an_unused_archive_ld_finds_itself_stays_as_given() {
    if !require_tool("gcc") {
        return;
    }
    let dir = m_and_archives(false, &["q"]);
    let out = explain(&dir, &["-shared", "-o", "x.so", "m.o", "-LL", "-lq"]);
    let q = line(&out, "-lq");
    assert_text(
        q,
        "solink: -lq: as given (stage 2, -L at L/libq.a): nothing in the link uses libq.a, \
         so ld takes nothing from it; left as given",
    );
    assert_eq!(command(&out), ["gcc", "-shared", "-o", "x.so", "m.o", "-LL", "-lq"]);
    assert_eq!(sh(Command::new(loader(&dir)).arg(dir.path("x.so"))), "7\n");

    // Before the object that uses it: named.
    let dir = m_and_archives(true, &["q"]);
    let out = explain(&dir, &["-shared", "-o", "x.so", "-LL", "-lq", "m.o"]);
    let q = line(&out, "-lq");
    assert_text(
        q,
        "solink: -lq: as given (stage 2, -L at L/libq.a): libq.a comes before every object that uses it (m.o), \
         so ld takes nothing from it; left as given",
    );
    assert_eq!(command(&out), ["gcc", "-shared", "-o", "x.so", "-LL", "-lq", "m.o"]);
}

/// Before its user, from LIBSDIR: by path, where `-lq` would not even be
/// found; the link is the seed's (ld takes nothing, as from the path).
#[test]
fn an_archive_before_its_user_in_libsdir_is_given_by_path() {
    if !require_tool("gcc") {
        return;
    }
    let dir = m_and_archives(true, &["q"]);
    let out = explain(&dir, &["--libsdir", "L", "-shared", "-o", "x.so", "-lq", "m.o"]);
    let q = line(&out, "-lq");
    assert_text(
        q,
        "solink: -lq: by path L/libq.a (stage 1, LIBSDIR): libq.a comes before every object that uses it (m.o), \
         so ld takes nothing from it; its path stands in for -lq, which ld's own search would not find",
    );
}

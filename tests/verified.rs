//! Verified embedding (issue 11), end to end: each fixture of
//! `fixtures/verified/` is linked through solink with `-l` names only, the
//! result is loaded with `dlopen(RTLD_NOW)` in a separate process and
//! called. The closure check must add what the archive implies (libgomp,
//! the C++ runtime), leave an archive nothing uses as given, and keep a
//! library whose symbols nothing provides dynamic (or warn).
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;
use crate::verified;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::text::{assert_line, assert_text, with_dir};
use support::tools::{run, sh, Ran};

use verified::{Fixture, Verified, CXX, GGML, OPENMP};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// `solink --explain DRIVER -shared -o OUT ARGS` in the fixture's dir, with
/// its cache there too.
fn solink(v: &Verified, extra: &[&str], driver: &str, out: &str, args: &[&str]) -> Ran {
    run(Command::new(SOLINK)
        .current_dir(v.dir.path())
        // The closed answers of the closure check against the whole one.
        .env("SOLINK_CROSS_CHECK", "1")
        .env_remove("SOLINK_STRICT")
        .env_remove("SOLINK_LIBSDIR")
        .arg("--explain")
        .arg("--cache-dir")
        .arg(v.path("cache"))
        .args(extra)
        .args([driver, "-shared", "-o", out])
        .args(args))
}

/// A link that must succeed: its stderr (the explanation).
fn link(v: &Verified, driver: &str, out: &str, args: &[&str]) -> String {
    let o = solink(v, &[], driver, out, args);
    assert!(o.success(), "solink {driver} {args:?} failed:\n{}", o.stderr);
    o.stderr
}

/// The final command solink ran (`solink: command: ...`), as words.
fn command(explain: &str) -> Vec<String> {
    let line = explain.lines().find_map(|l| l.strip_prefix("solink: command: ")).expect("a command line");
    shell_words::split(line).unwrap()
}

fn entry(v: &Verified, f: &Fixture) -> String {
    v.entry(f.entry).to_str().unwrap().to_string()
}

fn lib_dir(v: &Verified) -> String {
    format!("-L{}", v.lib_dir().display())
}

#[test]
fn an_openmp_archive_gets_libgomp_and_computes() {
    let v = Verified::new();
    v.archive(&OPENMP);
    let (entry, l) = (entry(&v, &OPENMP), lib_dir(&v));
    let explain = link(&v, "gcc", "omp.so", &[&entry, &l, "-lompfix"]);
    // The explanation ends with the bytes this machine's compiler made,
    // and the symbols -lgomp provides are its libgomp's: lines compared whole.
    assert_line(
        &with_dir(&explain, v.dir.path()),
        "solink: -lompfix: embed $DIR/lib/libompfix.a (stage 2, -L): the first libompfix.a in the search order; \
         position-independent",
    );
    let added = explain.lines().find(|l| l.starts_with("solink: -lgomp: added: provides ")).expect(&explain);
    assert!(added.contains("omp_get_thread_num") || added.contains("GOMP_parallel"), "{added}");
    assert!(added.ends_with("needed by libompfix.a(ompfix-ompfix.o)"), "{added}");
    assert!(command(&explain).contains(&"-lgomp".to_string()), "{explain}");
    assert_eq!(v.load(&v.path("omp.so")), Ok(OPENMP.value));
    // Warm: the same answer from the cache.
    let warm = link(&v, "gcc", "omp2.so", &[&entry, &l, "-lompfix"]);
    assert!(warm.contains("-lgomp: added: provides"), "{warm}");
    assert_eq!(v.load(&v.path("omp2.so")), Ok(OPENMP.value));
}

#[test]
fn a_cxx_archive_linked_by_gcc_gets_the_cxx_runtime() {
    let v = Verified::new();
    v.archive(&CXX);
    let (entry, l) = (entry(&v, &CXX), lib_dir(&v));
    let explain = link(&v, "gcc", "cxx.so", &[&entry, &l, "-lcxxfix"]);
    assert_line(
        &with_dir(&explain, v.dir.path()),
        "solink: -lcxxfix: embed $DIR/lib/libcxxfix.a (stage 2, -L): the first libcxxfix.a in the search order; \
         position-independent",
    );
    assert!(explain.contains("solink: -lstdc++: added: provides "), "{explain}");
    assert!(!explain.contains("-lasan"), "a sanitizer runtime is never a provider: {explain}");
    assert_eq!(v.load(&v.path("cxx.so")), Ok(CXX.value));
}

#[test]
fn the_ggml_shaped_set_links_with_names_only_in_either_order_and_driver() {
    let v = Verified::new();
    for f in &GGML {
        v.archive(f);
    }
    let (entry, l) = (entry(&v, &GGML[0]), lib_dir(&v));
    let natural = ["-lllama", "-lggml", "-lggml-cpu", "-lggml-base"];
    let reverse: Vec<&str> = natural.iter().rev().copied().collect();
    for driver in ["g++", "gcc"] {
        for (order, libs) in [("natural", &natural[..]), ("reverse", &reverse[..])] {
            let out = format!("ggml-{driver}-{order}.so");
            let mut args = vec![entry.as_str(), l.as_str()];
            args.extend(libs);
            let explain = link(&v, driver, &out, &args);
            for lib in natural {
                assert!(explain.contains(&format!("solink: {lib}: embed")), "{driver} {order}: {explain}");
            }
            assert!(explain.contains("solink: -lgomp: added: provides"), "{driver} {order}: {explain}");
            if driver == "gcc" {
                assert!(explain.contains("solink: -lstdc++: added: provides"), "{order}: {explain}");
            }
            assert_eq!(v.load(&v.path(&out)), Ok(GGML[0].value), "{driver} {order}: {explain}");
        }
    }
}

#[test]
fn an_archive_before_its_user_is_left_as_given() {
    let v = Verified::new();
    v.archive(&OPENMP);
    let (entry, l) = (entry(&v, &OPENMP), lib_dir(&v));
    let args = [l.as_str(), "-lompfix", entry.as_str()];
    let explain = link(&v, "gcc", "before.so", &args);
    assert!(!explain.contains("-lompfix: embed"), "{explain}");
    let line = explain.lines().find(|l| l.starts_with("solink: -lompfix:")).expect(&explain);
    assert_text(
        with_dir(line, v.dir.path()),
        "solink: -lompfix: as given (stage 2, -L at $DIR/lib/libompfix.a): libompfix.a comes before every object \
         that uses it (entry-ompfix_entry.o), so ld takes nothing from it; left as given",
    );
    assert!(!explain.contains("added"), "nothing is added for it: {explain}");
    let mut plain = vec!["gcc", "-shared", "-o", "before.so"];
    plain.extend(args);
    assert_eq!(command(&explain), plain, "the plain link");
    // The plain link's result: ld took nothing, so f's callee is undefined.
    let err = v.load(&v.path("before.so")).expect_err("nothing was linked in");
    assert!(err.contains("ompfix_entry"), "{err}");
}

/// `lib/libnoprov.a`, whose member calls `noprov_helper`, which no library
/// defines; with `twin`, `lib/libnoprov.so` as well, which defines it.
fn noprov(v: &Verified, twin: bool) -> PathBuf {
    let src = v.path("noprov.c");
    std::fs::write(
        &src,
        "int noprov_helper(void);\nint noprov_entry(void) { return noprov_helper() + 1; }\n",
    )
    .unwrap();
    let helper = v.path("helper.c");
    std::fs::write(&helper, "int noprov_helper(void) { return 6; }\n").unwrap();
    let obj = v.path("obj/noprov.o");
    sh(Command::new("gcc").args(["-c", "-fPIC", "-o"]).arg(&obj).arg(&src));
    let archive = v.path("lib/libnoprov.a");
    sh(Command::new("ar").arg("rcs").arg(&archive).arg(&obj));
    if twin {
        sh(Command::new("gcc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(v.path("lib/libnoprov.so"))
            .arg(&src)
            .arg(&helper));
    }
    archive
}

/// Loads `so` with the fixture's lib dir on the loader's path.
fn load_with_lib_dir(v: &Verified, so: &Path) -> Result<i32, String> {
    let out = Command::new(v.loader()).env("LD_LIBRARY_PATH", v.lib_dir()).arg(so).arg("f").output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|e| format!("{e}"))
}

#[test]
fn a_symbol_nobody_provides_keeps_a_library_with_a_twin_dynamic() {
    let v = Verified::new();
    noprov(&v, true);
    let (entry, l) = (v.entry("noprov_entry"), lib_dir(&v));
    let entry = entry.to_str().unwrap();
    let explain = link(&v, "gcc", "twin.so", &[entry, &l, "-lnoprov"]);
    assert!(!explain.contains("-lnoprov: embed"), "{explain}");
    assert!(command(&explain).contains(&"-lnoprov".to_string()), "{explain}");
    let warning = explain
        .lines()
        .find(|l| l.contains("leaves noprov_helper undefined"))
        .unwrap_or_else(|| panic!("a warning naming the symbol: {explain}"));
    assert_text(
        with_dir(warning, v.dir.path()),
        "solink: $DIR/lib/libnoprov.a leaves noprov_helper undefined (needed by libnoprov.a(noprov.o)), \
         and no library the link can add defines it; linking -lnoprov dynamically.",
    );
    // Never worse than dynamic linking: it is dynamic linking.
    assert_eq!(load_with_lib_dir(&v, &v.path("twin.so")), Ok(7));
}

#[test]
fn a_symbol_nobody_provides_without_a_twin_embeds_with_a_warning_and_strict_refuses() {
    let v = Verified::new();
    let archive = noprov(&v, false);
    let (entry, l) = (v.entry("noprov_entry"), lib_dir(&v));
    let entry = entry.to_str().unwrap();
    let explain = link(&v, "gcc", "alone.so", &[entry, &l, "-lnoprov"]);
    assert!(command(&explain).contains(&archive.display().to_string()), "embedded as ld would: {explain}");
    let warning = explain.lines().find(|l| l.contains("leaves noprov_helper undefined")).expect(&explain);
    assert_text(
        with_dir(warning, v.dir.path()),
        "solink: $DIR/lib/libnoprov.a leaves noprov_helper undefined (needed by libnoprov.a(noprov.o)), \
         and no library the link can add defines it; embedding it anyway, as ld would link it; \
         the result may not load.",
    );

    let strict = solink(&v, &["--strict"], "gcc", "strict.so", &[entry, &l, "-lnoprov"]);
    assert_eq!(strict.code(), Some(2), "{}", strict.stderr);
    let stderr = &strict.stderr;
    assert_text(
        with_dir(stderr, v.dir.path()),
        "solink: $DIR/lib/libnoprov.a leaves noprov_helper undefined (needed by libnoprov.a(noprov.o)), \
         and no library the link can add defines it; embedding it anyway, as ld would link it; \
         the result may not load. (an error with --strict)\n",
    );
    assert!(!v.path("strict.so").exists(), "refused before the link");
}

/// `--format json` carries the check's facts in new fields (schema 1 is
/// unchanged: fields are only added).
#[test]
fn json_names_the_symbols_the_member_and_unused() {
    let v = Verified::new();
    v.archive(&OPENMP);
    let (entry, l) = (entry(&v, &OPENMP), lib_dir(&v));
    let json = |args: &[&str]| -> serde_json::Value {
        let o = solink(&v, &["--format", "json", "--dry-run"], "gcc", "j.so", args);
        assert!(o.success(), "{}", o.stderr);
        // Ran's text is lossy UTF-8: JSON is UTF-8, and nothing was replaced.
        assert!(!o.stderr.contains(char::REPLACEMENT_CHARACTER), "not UTF-8: {}", o.stderr);
        serde_json::from_str(&o.stderr).expect("one line of JSON")
    };
    let doc = json(&[&entry, &l, "-lompfix"]);
    assert_eq!(doc["schema"], 1);
    let decisions = doc["decisions"].as_array().unwrap();
    let gomp = decisions.iter().find(|d| d["added"] == "-lgomp").expect("-lgomp added");
    assert_eq!(gomp["reason"], "provides");
    assert_eq!(gomp["outcome"], "added");
    assert_eq!(gomp["needed_by"], "libompfix.a(ompfix-ompfix.o)");
    assert!(gomp["symbols"].as_array().is_some_and(|s| !s.is_empty()), "{gomp}");
    let ompfix = decisions.iter().find(|d| d["library"] == "-lompfix").unwrap();
    assert_eq!((ompfix["outcome"].clone(), ompfix["unused"].clone()), ("embed".into(), false.into()));

    let doc = json(&[&l, "-lompfix", &entry]);
    let ompfix = doc["decisions"].as_array().unwrap().iter().find(|d| d["library"] == "-lompfix").cloned();
    let ompfix = ompfix.unwrap();
    assert_eq!(ompfix["unused"], true, "{ompfix}");
    assert_eq!(ompfix["reason"], "unused");
    assert_eq!(ompfix["outcome"], "as-given");
}

/// A warm link reads no symbol table: not libc.so.6, libgomp.so or the
/// archive's digest; the check's answers come from the cache, checked by
/// the inputs' identities (counted with strace). An answer that saw a file
/// written within the last clock ticks is not stored (the store's "too
/// new" rule), so the inputs settle and a second link stores it. (These
/// links `--explain`, so none is a direct-mode replay.)
#[test]
fn a_warm_link_reads_no_symbol_table() {
    if !support::tools::require_tool("strace") {
        return;
    }
    let v = Verified::new();
    v.archive(&OPENMP);
    let (entry, l) = (entry(&v, &OPENMP), lib_dir(&v));
    link(&v, "gcc", "cold.so", &[&entry, &l, "-lompfix"]);
    std::thread::sleep(std::time::Duration::from_millis(110));
    link(&v, "gcc", "settled.so", &[&entry, &l, "-lompfix"]);
    let log = v.path("strace.log");
    let out = run(Command::new("strace")
        .current_dir(v.dir.path())
        .args(["-f", "-qq", "-e", "trace=openat,execve", "-o"])
        .arg(&log)
        .arg(SOLINK)
        .arg("--cache-dir")
        .arg(v.path("cache"))
        .args(["gcc", "-shared", "-o", "warm.so", &entry, &l, "-lompfix"]));
    assert!(out.success(), "{}", out.stderr);
    let text = std::fs::read_to_string(&log).unwrap();
    // solink's own opens, before it runs the driver: every file it reads
    // goes through fsx (O_NONBLOCK); the dynamic loader's opens of
    // solink's own libraries do not.
    let pid = text.split_whitespace().next().unwrap_or_default();
    let before_driver: Vec<&str> = text
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(pid))
        .skip(1)
        .take_while(|l| !l.contains("execve("))
        .filter(|l| l.contains("openat(") && l.contains("O_NONBLOCK"))
        .collect();
    assert!(before_driver.iter().any(|l| l.contains("libompfix.a")), "{text}");
    for read in ["libc.so.6", "libgomp.so", "/sym-"] {
        assert!(
            !before_driver.iter().any(|l| l.contains(read)),
            "a warm link opened {read}: {before_driver:#?}"
        );
    }
    assert_eq!(v.load(&v.path("warm.so")), Ok(OPENMP.value));
}

/// Runs `solink --explain gcc ARGS` (no `-shared`) in the fixture's dir,
/// with `extra` of solink's own options first.
fn solink_program(v: &Verified, extra: &[&str], args: &[&str]) -> Ran {
    run(Command::new(SOLINK)
        .current_dir(v.dir.path())
        .env_remove("SOLINK_STRICT")
        .env_remove("SOLINK_LIBSDIR")
        .env_remove("SOLINK_NO_PROGRAMS")
        .arg("--explain")
        .arg("--cache-dir")
        .arg(v.path("cache"))
        .args(extra)
        .arg("gcc")
        .args(args))
}

/// A program that calls the C++ and the OpenMP fixtures, compiled.
fn program_object(v: &Verified) -> String {
    let main = v.path("obj/main.c");
    std::fs::write(
        &main,
        "#include <stdio.h>\nint cxxfix_entry(void); int ompfix_entry(void);\n\
         int main(void) { printf(\"%d %d\\n\", cxxfix_entry(), ompfix_entry()); return 0; }\n",
    )
    .unwrap();
    let obj = v.path("obj/main.o");
    sh(Command::new("gcc").args(["-c", "-o"]).arg(&obj).arg(&main));
    obj.to_str().unwrap().to_string()
}

/// What `solink --audit FILE` says FILE embeds: `libx.a: members` lines.
fn audited(file: &Path) -> String {
    let out = sh(Command::new(SOLINK).arg("--audit").arg("--format").arg("json").arg(file));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut lines = Vec::new();
    let files = json["files"].as_array().into_iter().flatten();
    let objects = files.flat_map(|f| f["objects"].as_array().into_iter().flatten());
    for o in objects.filter(|o| o["needed_by"].is_null()) {
        for e in o["embeds"].as_array().into_iter().flatten() {
            let members: Vec<&str> =
                e["members"].as_array().unwrap().iter().filter_map(|m| m.as_str()).collect();
            lines.push(format!("{}: {}\n", e["file"].as_str().unwrap(), members.join(" ")));
        }
    }
    lines.sort();
    lines.concat()
}

/// Issue 31 §2: a C shared library over a C++ archive in a static region
/// (`-Wl,-Bstatic -lcxxfix -Wl,-Bdynamic`): plain gcc makes a `.so` that
/// fails at dlopen on a C++ runtime symbol; through solink ld still takes
/// that very archive, which the closure check gives `-lstdc++` after it,
/// dynamically, and the note records.
#[test]
fn a_static_region_over_a_cxx_archive_gets_its_runtime_and_loads() {
    let v = Verified::new();
    v.archive(&CXX);
    let (entry, l) = (entry(&v, &CXX), lib_dir(&v));
    let region = [entry.as_str(), &l, "-Wl,-Bstatic", "-lcxxfix", "-Wl,-Bdynamic"];
    let plain = v.link("gcc", "plain.so", &region);
    let err = v.load(&plain).expect_err("the plain link misses the C++ runtime");
    assert!(err.contains("undefined symbol: _Z"), "{err}");
    let explain = link(&v, "gcc", "region.so", &region);
    assert_line(
        &with_dir(&explain, v.dir.path()),
        "solink: -lcxxfix: ld takes $DIR/lib/libcxxfix.a (stage 2, -L): the user made this region static, so ld \
         takes the archive its own search finds; solink checks what it pulls and never replaces it",
    );
    // Left as written; the runtime after it, dynamic, and the region goes on.
    let cmd = command(&explain);
    let at = cmd.iter().position(|w| w == "-lcxxfix").expect(&explain);
    assert_eq!(cmd[at + 1..at + 5], ["-Xlinker", "-Bdynamic", "-lstdc++", "-Xlinker"], "{explain}");
    assert_eq!(cmd[at + 5..at + 7], ["-Bstatic", "-Wl,-Bdynamic"], "{explain}");
    assert_eq!(v.load(&v.path("region.so")), Ok(CXX.value));
    assert_text(audited(&v.path("region.so")), "libcxxfix.a: cxxfix-cxxfix.o\n");
    // --hide reaches what ld takes in the region too: its symbols are
    // no longer exported, and the library still loads.
    let exported = |so: &str| sh(Command::new("nm").args(["-D", "--defined-only"]).arg(v.path(so)));
    assert!(exported("region.so").contains(CXX.entry), "exported before --hide");
    let hidden = solink(&v, &["--hide=cxxfix"], "gcc", "hidden.so", &region);
    assert!(hidden.success(), "{}", hidden.stderr);
    assert!(!exported("hidden.so").contains(CXX.entry), "{}", exported("hidden.so"));
    assert_eq!(v.load(&v.path("hidden.so")), Ok(CXX.value));
}

/// Issue 31 §3: a C program over the C++ and the OpenMP archives does not
/// link with plain gcc (`undefined reference`); through solink it gets
/// `-lstdc++ -lgomp`, runs, and `--audit PROGRAM` reads its note. A
/// program whose libraries are all shared reaches gcc unchanged, and
/// `--no-programs` passes every program through.
#[test]
fn a_program_over_cxx_and_openmp_archives_gets_their_runtimes_and_runs() {
    let v = Verified::new();
    v.archive(&CXX);
    v.archive(&OPENMP);
    let main = program_object(&v);
    let l = lib_dir(&v);
    let args = ["-o", "app", main.as_str(), &l, "-lcxxfix", "-lompfix"];
    let plain = run(Command::new("gcc").current_dir(v.dir.path()).args(args));
    assert!(!plain.success() && plain.stderr.contains("undefined reference"), "{}", plain.stderr);
    let linked = solink_program(&v, &[], &args);
    assert!(linked.success(), "{}", linked.stderr);
    let explain = with_dir(&linked.stderr, v.dir.path());
    assert_line(
        &explain,
        "solink: -lompfix: ld takes $DIR/lib/libompfix.a (stage 2, -L): a program: ld takes the archive its own \
         search finds first; solink checks what it pulls and never replaces it",
    );
    let cmd = command(&linked.stderr);
    assert!(cmd.contains(&"-lstdc++".to_string()) && cmd.contains(&"-lgomp".to_string()), "{explain}");
    assert_text(sh(&mut Command::new(v.path("app"))), format!("{} {}\n", CXX.value, OPENMP.value));
    assert_text(audited(&v.path("app")), "libcxxfix.a: cxxfix-cxxfix.o\nlibompfix.a: ompfix-ompfix.o\n");

    // Turned off, the program link is gcc's own, and fails as gcc's does.
    let off = solink_program(&v, &["--no-programs"], &args);
    assert!(!off.success() && off.stderr.contains("undefined reference"), "{}", off.stderr);
    assert!(!off.stderr.contains("solink:"), "{}", off.stderr);
}

/// Issue 31 §3: the check follows the output's kind. A PIE binds its own
/// symbols locally, so the PC-relative code a shared object refuses
/// (`R_X86_64_PC32` against a global) links, silently; a narrow absolute
/// address (`R_X86_64_32`) does not, and is refused before ld as in a
/// shared link (issue 36 §7); `-no-pie` takes both. Each as plain gcc does.
#[test]
fn a_programs_pic_check_follows_its_kind() {
    let v = Verified::new();
    let archive = |name: &str, src: &str| {
        let c = v.path(&format!("obj/{name}.c"));
        std::fs::write(&c, src).unwrap();
        let o = v.path(&format!("obj/{name}.o"));
        sh(Command::new("gcc").args(["-c", "-fno-pic", "-O1", "-o"]).arg(&o).arg(&c));
        sh(Command::new("ar").arg("rcs").arg(v.path(&format!("lib/lib{name}.a"))).arg(&o));
    };
    archive("np", "int np_counter; int np_next(void) { return ++np_counter; }\n");
    archive("abs", "int abs_g[4]; long abs_next(void) { return (long)&abs_g[1]; }\n");
    let object = |name: &str, src: &str| {
        let c = v.path(&format!("obj/{name}.c"));
        std::fs::write(&c, src).unwrap();
        let o = v.path(&format!("obj/{name}.o"));
        sh(Command::new("gcc").args(["-c", "-o"]).arg(&o).arg(&c));
        o.to_str().unwrap().to_string()
    };
    let np_main = object("npmain", "int np_next(void);\nint main(void) { return np_next() == 1 ? 0 : 1; }\n");
    let m = object(
        "bothmain",
        "int np_next(void); long abs_next(void);\nint main(void) { return np_next() == 1 && abs_next() ? 0 : 1; }\n",
    );
    let (m, l) = (m.as_str(), lib_dir(&v));
    // PC-relative only, in a PIE: links and runs, nothing said.
    let pie = solink_program(&v, &[], &["-pie", "-o", "np", &np_main, &l, "-lnp"]);
    assert!(pie.success(), "{}", pie.stderr);
    assert!(!pie.stderr.contains("position-independent"), "{}", pie.stderr);
    assert!(run(&mut Command::new(v.path("np"))).success());
    // A narrow absolute address in a PIE: gcc fails in ld; solink first.
    let args = ["-pie", "-o", "np2", m, &l, "-lnp", "-labs"];
    let plain = run(Command::new("gcc").current_dir(v.dir.path()).args(args));
    assert!(
        !plain.success() && plain.stderr.contains("can not be used when making a PIE object"),
        "{}",
        plain.stderr
    );
    let refused = solink_program(&v, &[], &args);
    assert_eq!(refused.code(), Some(2), "{}", refused.stderr);
    assert_line(
        &with_dir(&refused.stderr, v.dir.path()),
        "solink: $DIR/lib/libabs.a is not position-independent (abs.o: R_X86_64_32 against abs_g), ld pulls that \
         member, and no shared twin is beside it, so ld would refuse the link. Rebuild it with -fPIC (CMake: \
         POSITION_INDEPENDENT_CODE ON; autotools: --with-pic), or put a shared libabs.so beside it",
    );
    // -no-pie takes both, and runs.
    let no_pie = solink_program(&v, &[], &["-no-pie", "-o", "np3", m, &l, "-lnp", "-labs"]);
    assert!(no_pie.success() && !no_pie.stderr.contains("position-independent"), "{}", no_pie.stderr);
    assert!(run(&mut Command::new(v.path("np3"))).success());
}

/// Issue 31: a region that never closes reaches gcc's own libraries,
/// which solink says before ld fails on `-lgcc_s`.
#[test]
fn a_static_region_that_never_closes_is_warned_about() {
    let v = Verified::new();
    v.archive(&CXX);
    let (entry, l) = (entry(&v, &CXX), lib_dir(&v));
    let o = solink(&v, &["--dry-run"], "gcc", "open.so", &[&entry, &l, "-Wl,-Bstatic", "-lcxxfix"]);
    assert_line(
        &o.stderr,
        "solink: the command ends inside a -Bstatic region, so ld searches the driver's own libraries (-lgcc_s, \
         -lc) as archives too; close the region with -Wl,-Bdynamic",
    );
}

//! Archives named by path (issue 20 §1): `./lib/libfoo.a` and
//! `/abs/lib/libfoo.a`, as CMake's `find_library`, Meson and setuptools pass
//! them, get what `-lfoo` gets. Each test is a real gcc link through
//! solink; what it makes is loaded with `dlopen(RTLD_NOW)` in a separate
//! process and called. Each failed before the fix: the archive got "embed as
//! given" and nothing else.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;
use crate::verified;

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};
use support::text::{assert_line, with_dir};
use support::tools::{require_tool, run, sh, Ran};
use verified::{Verified, OPENMP, WRAP};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// `solink OPTIONS gcc -shared -o OUT ARGS` in the fixture's dir, with a
/// clean environment and its cache there.
fn solink(v: &Verified, options: &[&str], out: &str, args: &[&str]) -> Ran {
    run(Command::new(SOLINK)
        .current_dir(v.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PKG_CONFIG_PATH", v.lib_dir())
        .arg("--cache-dir")
        .arg(v.path("cache"))
        .args(options)
        .args(["gcc", "-shared", "-o", out])
        .args(args))
}

/// A link that must succeed, with `--explain`: its stderr.
fn link(v: &Verified, options: &[&str], out: &str, args: &[&str]) -> String {
    let mut all = vec!["--explain"];
    all.extend(options);
    let o = solink(v, &all, out, args);
    assert!(o.success(), "solink {args:?} failed:\n{}", o.stderr);
    o.stderr
}

/// The final command (`solink: command: ...`), as words.
fn command(explain: &str) -> Vec<String> {
    let line = explain.lines().find_map(|l| l.strip_prefix("solink: command: ")).expect("a command line");
    shell_words::split(line).unwrap()
}

/// The symbols `so` exports (its dynamic symbol table's definitions).
fn exports(so: &Path) -> Vec<String> {
    let data = std::fs::read(so).unwrap();
    let file = object::File::parse(&*data).unwrap();
    file.dynamic_symbols()
        .filter(|s| s.is_definition())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .collect()
}

fn entry(v: &Verified, entry: &str) -> String {
    v.entry(entry).to_str().unwrap().to_string()
}

/// The OpenMP fixture by a relative and by an absolute path: the closure
/// check adds `-lgomp` (before the fix it did not, and `dlopen` failed with
/// `undefined symbol: omp_get_thread_num`), and the result computes.
#[test]
fn an_openmp_archive_by_path_gets_libgomp_and_loads() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    let archive = v.archive(&OPENMP);
    let e = entry(&v, OPENMP.entry);
    for (out, path) in
        [("rel.so", "./lib/libompfix.a".to_string()), ("abs.so", archive.display().to_string())]
    {
        let explain = link(&v, &[], out, &[&e, &path]);
        // The explanation ends with the bytes this machine's compiler made,
        // and -lgomp's symbols are its libgomp's: lines compared whole.
        assert_line(
            &explain,
            &format!("solink: {path}: embed {path} (named by path): the archive the command names; position-independent"),
        );
        let added =
            explain.lines().find(|l| l.starts_with("solink: -lgomp: added: provides ")).expect(&explain);
        assert!(added.ends_with("needed by libompfix.a(ompfix-ompfix.o)"), "{added}");
        assert!(command(&explain).contains(&"-lgomp".to_string()), "{explain}");
        assert_line(&explain, "solink: 1 embedded, 1 dynamic, 0 warnings");
        assert_eq!(v.load(&v.path(out)), Ok(OPENMP.value), "{explain}");
    }
}

/// `--hide=ompfix` names the archive as `-lompfix` would: its symbols leave
/// the dynamic symbol table; without it they are exported. `--audit` sees
/// the copy by its note, hidden or not.
#[test]
fn hide_and_the_note_see_an_archive_by_path() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    v.archive(&OPENMP);
    let e = entry(&v, OPENMP.entry);
    link(&v, &[], "shown.so", &[&e, "lib/libompfix.a"]);
    link(&v, &["--hide=ompfix"], "hidden.so", &[&e, "lib/libompfix.a"]);
    assert!(exports(&v.path("shown.so")).contains(&"ompfix_entry".to_string()));
    assert!(!exports(&v.path("hidden.so")).contains(&"ompfix_entry".to_string()), "hidden by name");
    assert_eq!(v.load(&v.path("hidden.so")), Ok(OPENMP.value));
    for (so, how) in [("shown.so", " interposable "), ("hidden.so", " private ")] {
        let o = run(Command::new(SOLINK).current_dir(v.dir.path()).args(["--audit", so]));
        let text = &o.stdout;
        assert!(text.contains("embeds libompfix.a (-lompfix)"), "{so}: {text}");
        assert!(text.contains(how), "{so}: {text}");
    }
}

/// `--whole-archive=NAME` by the same name: a member nothing references is
/// linked too.
#[test]
fn whole_archive_by_name_takes_every_member_of_an_archive_by_path() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    std::fs::write(v.path("spare.c"), "int spare_unused(void) { return 3; }\n").unwrap();
    std::fs::write(v.path("used.c"), "int used_entry(void) { return 4; }\n").unwrap();
    for name in ["spare", "used"] {
        sh(Command::new("gcc").current_dir(v.dir.path()).args(["-c", "-fPIC", &format!("{name}.c")]));
    }
    sh(Command::new("ar").current_dir(v.dir.path()).args(["rcs", "lib/libtwo.a", "used.o", "spare.o"]));
    let e = entry(&v, "used_entry");
    link(&v, &[], "some.so", &[&e, "lib/libtwo.a"]);
    link(&v, &["--whole-archive=two"], "whole.so", &[&e, "lib/libtwo.a"]);
    assert!(!exports(&v.path("some.so")).contains(&"spare_unused".to_string()));
    assert!(exports(&v.path("whole.so")).contains(&"spare_unused".to_string()));
    assert_eq!(v.load(&v.path("whole.so")), Ok(4));
}

/// The `--wrap` fixture by path, with its `.pc` (whose `-L${libdir}` is the
/// archive's directory) on `PKG_CONFIG_PATH`: the flag travels with it, and
/// the result loads (without the flag: `undefined symbol:
/// __real_wrapfix_target`).
#[test]
fn a_pc_that_names_the_file_gives_its_flags_to_an_archive_by_path() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    v.archive(&WRAP);
    let e = entry(&v, WRAP.entry);
    let explain = link(&v, &[], "wrap.so", &[&e, "lib/libwrapfix.a"]);
    assert_line(
        &with_dir(&explain, v.dir.path()),
        "solink: lib/libwrapfix.a: embed lib/libwrapfix.a (named by path): the archive the command names; \
         position-independent; with -Wl,--wrap=wrapfix_target from $DIR/lib/wrapfix.pc",
    );
    assert_eq!(v.load(&v.path("wrap.so")), Ok(WRAP.value), "{explain}");
    // A `.pc` about another copy (its libdir elsewhere) is not this file's.
    let other = v.path("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(v.lib_dir().join("libwrapfix.a"), other.join("libwrapfix.a")).unwrap();
    let explain = link(&v, &[], "other.so", &[&e, "other/libwrapfix.a"]);
    assert!(!explain.contains("--wrap=wrapfix_target from"), "{explain}");
}

/// `--depfile` lists the archive; `--print-resolved` too.
#[test]
fn depfile_and_print_resolved_list_an_archive_by_path() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    let archive = v.archive(&OPENMP);
    let e = entry(&v, OPENMP.entry);
    link(&v, &["--depfile=omp.d"], "omp.so", &[&e, "lib/libompfix.a"]);
    let rule = std::fs::read_to_string(v.path("omp.d")).unwrap();
    assert!(rule.contains(&archive.display().to_string()), "{rule}");
    let o = solink(&v, &["--print-resolved"], "omp.so", &[&e, "lib/libompfix.a"]);
    assert_eq!(o.stdout.trim(), archive.display().to_string());
}

/// `DIR/libnp.a`: `np.o` is built without `-fPIC` (its counter is reached
/// with `R_X86_64_PC32`, which ld refuses in a shared object); with `twin`,
/// `DIR/libnp.so` beside it (SONAME `libnp.so`).
fn non_pic(v: &Verified, dir: &str, twin: bool) -> PathBuf {
    let src = v.path("np.c");
    std::fs::write(&src, "int np_counter;\nint np_entry(void) { return ++np_counter + 41; }\n").unwrap();
    let d = v.path(dir);
    std::fs::create_dir_all(&d).unwrap();
    sh(Command::new("gcc").args(["-c", "-O1", "-fno-pic", "-o"]).arg(d.join("np.o")).arg(&src));
    sh(Command::new("ar").current_dir(&d).args(["rcs", "libnp.a", "np.o"]));
    if twin {
        // With a SONAME, as real libraries have: ld records that, not the
        // path the twin is linked by.
        let so = d.join("libnp.so");
        sh(Command::new("gcc").args(["-shared", "-fPIC", "-Wl,-soname,libnp.so", "-o"]).arg(so).arg(&src));
    }
    d.join("libnp.a")
}

/// Loads `so` with `dir` on the loader's path.
fn load_with(v: &Verified, so: &Path, dir: &Path) -> Result<i32, String> {
    let out = Command::new(v.loader()).env("LD_LIBRARY_PATH", dir).arg(so).arg("f").output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|e| format!("{e}"))
}

/// Not PIC, with `libnp.so` beside it: the twin is linked in its place, with
/// a warning naming the member and the relocation (before the fix ld got the
/// archive and failed); `--strict` refuses. So does `-l:libnp.a`.
#[test]
fn a_non_pic_archive_by_path_with_a_twin_links_the_twin_with_a_warning() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    let archive = non_pic(&v, "np", true);
    let twin = archive.with_file_name("libnp.so");
    let e = entry(&v, "np_entry");
    let o = solink(&v, &[], "np.so", &[&e, "np/libnp.a"]);
    let err = &o.stderr;
    assert!(o.success(), "{err}");
    assert!(
        err.contains(
            "solink: np/libnp.a is not position-independent (np.o: R_X86_64_PC32 against np_counter); \
             linking the shared twin np/libnp.so beside it in its place."
        ),
        "{err}"
    );
    assert_eq!(load_with(&v, &v.path("np.so"), &v.path("np")), Ok(42));
    let o = solink(&v, &["--strict"], "strict.so", &[&e, "np/libnp.a"]);
    assert_eq!(o.code(), Some(2), "{}", o.stderr);
    assert!(o.stderr.contains("(an error with --strict)"), "{}", o.stderr);
    assert!(!v.path("strict.so").exists(), "ld never ran");
    // -l:libnp.a names that one file too: its twin beside it serves.
    let explain = link(&v, &[], "verbatim.so", &[&e, "-Lnp", "-l:libnp.a"]);
    assert!(command(&explain).contains(&"np/libnp.so".to_string()), "{explain}");
    assert!(twin.exists());
    assert_eq!(load_with(&v, &v.path("verbatim.so"), &v.path("np")), Ok(42));
}

/// Not PIC, no twin, and ld pulls that member: one `solink:` line naming the
/// member and the relocation, exit 2, before ld runs (before the fix, ld's
/// own relocation error).
#[test]
fn a_non_pic_archive_by_path_without_a_twin_is_refused_before_ld() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    non_pic(&v, "np", false);
    let e = entry(&v, "np_entry");
    let o = solink(&v, &[], "np.so", &[&e, "np/libnp.a"]);
    let err = &o.stderr;
    assert_eq!(o.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "solink: np/libnp.a is not position-independent (np.o: R_X86_64_PC32 against np_counter), \
             ld pulls that member, and no shared twin is beside it"
        ),
        "{err}"
    );
    assert!(!err.contains("/usr/bin/ld"), "solink spoke first: {err}");
    assert!(!v.path("np.so").exists());
    // A member nothing pulls fails no link: the plain link works, so does solink's.
    std::fs::write(v.path("other.c"), "int other_entry(void) { return 9; }\n").unwrap();
    sh(Command::new("gcc").current_dir(v.dir.path()).args(["-c", "-fPIC", "other.c"]));
    let e2 = entry(&v, "other_entry");
    let o = solink(&v, &[], "ok.so", &[&e2, "other.o", "np/libnp.a"]);
    assert!(o.success(), "{}", o.stderr);
    assert_eq!(v.load(&v.path("ok.so")), Ok(9));
}

/// Issue 31 §6: Bazel names its archives `libNAME.lo` (`alwayslink`),
/// `libNAME.pic.lo` and `libNAME.pic.a`, and passes them by path inside
/// `-Wl,-whole-archive`; a thin archive may be named so too. ld goes by the
/// content, and so does solink: each is checked (the OpenMP fixture gets
/// `-lgomp`, and loads), recorded in the note and audited as `ompfix`.
/// Before the fix a `.lo` was left to ld unrecorded, and `.pic.a` was
/// recorded as the library `ompfix.pic`.
#[test]
fn bazel_archive_names_and_a_thin_archive_are_checked_recorded_and_audited() {
    if !require_tool("gcc") || !require_tool("ar") {
        return;
    }
    let v = Verified::new();
    let archive = v.archive(&OPENMP);
    let e = entry(&v, OPENMP.entry);
    for copy in ["lib/libompfix.lo", "lib/libompfix.pic.a", "lib/libompfix.pic.lo"] {
        std::fs::copy(&archive, v.path(copy)).unwrap();
    }
    std::fs::create_dir(v.path("thin")).unwrap();
    let member = v.path("obj/ompfix-ompfix.o");
    sh(Command::new("ar").arg("rcsT").arg(v.path("thin/libompfix.lo")).arg(&member));
    for (i, path) in ["lib/libompfix.lo", "lib/libompfix.pic.a", "lib/libompfix.pic.lo", "thin/libompfix.lo"]
        .iter()
        .enumerate()
    {
        let out = format!("b{i}.so");
        let explain = link(&v, &[], &out, &[&e, "-Wl,-whole-archive", path, "-Wl,-no-whole-archive"]);
        assert_line(
            &explain,
            &format!("solink: {path}: embed {path} (named by path): the archive the command names; position-independent"),
        );
        assert!(command(&explain).contains(&"-lgomp".to_string()), "{explain}");
        assert_eq!(v.load(&v.path(&out)), Ok(OPENMP.value), "{path}: {explain}");
        let file = Path::new(path).file_name().unwrap().to_str().unwrap();
        let o = run(Command::new(SOLINK).current_dir(v.dir.path()).args(["--audit", &out]));
        assert_eq!(o.code(), Some(0), "{path}: {}", o.stdout);
        assert!(o.stdout.contains(&format!("embeds {file} (-lompfix)")), "{path}: {}", o.stdout);
    }
    // `--hide=ompfix` and `--whole-archive=ompfix` know it by that name too.
    link(&v, &["--hide=ompfix"], "hidden.so", &[&e, "lib/libompfix.pic.lo"]);
    assert!(!exports(&v.path("hidden.so")).contains(&"ompfix_entry".to_string()), "hidden by name");
    assert!(exports(&v.path("b2.so")).contains(&"ompfix_entry".to_string()));
    assert_eq!(v.load(&v.path("hidden.so")), Ok(OPENMP.value));
}

/// Two shared objects that both embed the same `libompfix.lo`, loaded as
/// plugins of one process: `--audit` flags the archive embedded twice
/// (exit 1), as it does for a `.a`. Before the fix neither note named it,
/// and the audit was clean.
#[test]
fn two_objects_that_embed_one_lo_archive_are_flagged_by_audit() {
    if !require_tool("gcc") || !require_tool("ar") {
        return;
    }
    let v = Verified::new();
    std::fs::copy(v.archive(&OPENMP), v.path("lib/libompfix.lo")).unwrap();
    let e = entry(&v, OPENMP.entry);
    std::fs::create_dir(v.path("plugins")).unwrap();
    for out in ["plugins/one.so", "plugins/two.so"] {
        link(&v, &[], out, &[&e, "-Wl,-whole-archive", "lib/libompfix.lo", "-Wl,-no-whole-archive"]);
    }
    let o = run(Command::new(SOLINK).current_dir(v.dir.path()).args(["--audit", "plugins"]));
    assert_eq!(o.code(), Some(1), "{}", o.stdout);
    assert_line(&o.stdout, "  duplicate: -lompfix is embedded in 2 objects of this process (same digest):");
    for so in ["one", "two"] {
        assert_line(
            &o.stdout,
            &format!("    plugins/{so}.so (libompfix.lo, interposable: exports ompfix_entry)"),
        );
    }
}

/// A `.lo` that is no archive stays an ordinary input, untouched: an ELF
/// object named `.lo` (linked, and the result loads; a replayed answer is
/// not reused once the file becomes an archive), and libtool's own text
/// `.lo` (shown with `--dry-run`: ld would take it for a script).
#[test]
fn a_lo_that_is_an_object_or_a_libtool_file_is_an_ordinary_input() {
    if !require_tool("gcc") {
        return;
    }
    let v = Verified::new();
    std::fs::write(v.path("seven.c"), "int seven_entry(void) { return 7; }\n").unwrap();
    sh(Command::new("gcc").current_dir(v.dir.path()).args(["-c", "-fPIC", "seven.c", "-o", "seven.lo"]));
    let e = entry(&v, "seven_entry");
    let explain = link(&v, &[], "seven.so", &[&e, "seven.lo"]);
    assert_eq!(command(&explain)[1..], ["-shared", "-o", "seven.so", &e, "seven.lo"], "{explain}");
    assert_line(&explain, "solink: 0 embedded, 0 dynamic, 0 warnings");
    assert_eq!(v.load(&v.path("seven.so")), Ok(7));
    // Direct mode (no --explain) stores that answer and replays it; the
    // same `.lo` turned into an archive is asked again, and embedded.
    let audit = |so: &str| run(Command::new(SOLINK).current_dir(v.dir.path()).args(["--audit", so])).stdout;
    for _ in 0..2 {
        assert!(solink(&v, &[], "replay.so", &[&e, "seven.lo"]).success());
    }
    assert!(!audit("replay.so").contains("embeds"), "{}", audit("replay.so"));
    std::fs::rename(v.path("seven.lo"), v.path("seven.o")).unwrap();
    sh(Command::new("ar").current_dir(v.dir.path()).args(["rcs", "seven.lo", "seven.o"]));
    assert!(solink(&v, &[], "replay.so", &[&e, "seven.lo"]).success());
    assert!(audit("replay.so").contains("embeds seven.lo (-lseven)"), "{}", audit("replay.so"));
    assert_eq!(v.load(&v.path("replay.so")), Ok(7));
    std::fs::write(
        v.path("text.lo"),
        "# text.lo - a libtool object file\n# Generated by libtool\npic_object='.libs/text.o'\nnon_pic_object='text.o'\n",
    )
    .unwrap();
    let o = solink(&v, &["--dry-run", "--explain"], "text.so", &[&e, "text.lo"]);
    assert!(o.success(), "{}", o.stderr);
    assert_eq!(o.stdout, format!("gcc -shared -o text.so {e} text.lo\n"));
    assert!(!o.stderr.contains("text.lo:"), "no decision for it: {}", o.stderr);
}

//! Every real client of solink, with the real tool (issue 14 §5): each
//! project under `fixtures/clients/` is built twice, plain and through
//! solink, and the two outputs compared.
//!
//! Each client names `-lfoo` for a directory that holds both a PIC
//! `libfoo.a` and its shared twin `libfoo.so`. ld takes the `.so` (`-lNAME`
//! prefers the shared library, ld(1) `-l`), so the plain output has
//! `DT_NEEDED libfoo.so`; through solink the archive is embedded: no
//! DT_NEEDED, `foo_answer` defined, and the output loads and runs with no
//! `LD_LIBRARY_PATH`. Where nothing should be embedded, DT_NEEDED, SONAME
//! and the exported symbol set must match.
//!
//! make and CMake are tested in `tests/cli/make.rs` and `tests/cli/cmake.rs`.
//! Every tool goes through `require_tool`: a skip locally, a failure in CI.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;

use crate::elf;

use crate::verified;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use object::read::elf::{Dyn, ElfFile64, FileHeader};
use object::{Endianness, Object, ObjectSymbol};

use elf::Elf;
use support::cargo::{self as native, Native, Via};
use support::fixtures::{self, Compile};
use support::tools::{require_tool, sh, skip_unless};
use verified::{Verified, CXX, OPENMP};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// A temporary directory holding a copy of `fixtures/clients/NAME` in
/// `src/`, and `foo/` with `libfoo.a` and `libfoo.so`.
struct Project {
    tmp: tempfile::TempDir,
    started: Instant,
}

impl Project {
    fn new(name: &str) -> Project {
        let tmp = tempfile::Builder::new().prefix("solink-client").tempdir().unwrap();
        let p = Project { tmp, started: Instant::now() };
        p.copy(name, "plain");
        p.copy(name, "solink");
        let libdir = p.path("foo");
        Compile::source(fixtures::path("clients/foo/foo.c"))
            .flags(["-fPIC"])
            .archive(&libdir.join("libfoo.a"));
        Compile::source(fixtures::path("clients/foo/foo.c"))
            .flags(["-shared", "-fPIC"])
            .link(&libdir.join("libfoo.so"));
        p
    }

    /// Copies the fixture twice, so the plain and the solink build share no
    /// state (a build system's cache remembers the compiler).
    fn copy(&self, name: &str, to: &str) {
        self.copy_tree(&fixtures::path(&format!("clients/{name}")), to);
    }

    /// Copies `src` to `to` in the project, file modes and modification
    /// times kept (`cp -p`): a copied autotools tree whose `Makefile.in` looked newer
    /// than `configure` made `make` run aclocal, automake and autoconf again
    /// (seconds of the test, asserting nothing).
    fn copy_tree(&self, src: &Path, to: &str) {
        for entry in walkdir::WalkDir::new(src) {
            let entry = entry.unwrap();
            let dest = self.path(to).join(entry.path().strip_prefix(src).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                // `cp -p`, another process: a file this process held open
                // for writing as another test thread forked could make
                // `./configure`'s exec fail with ETXTBSY.
                sh(Command::new("cp").arg("-p").arg(entry.path()).arg(&dest));
            }
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn foo(&self) -> PathBuf {
        self.path("foo")
    }

    /// A command run in `DIR` with solink's own variables cleared, so the
    /// caller's environment cannot change what solink does.
    fn command(&self, program: &str, dir: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path(dir));
        for var in ["SOLINK_LIBSDIR", "SOLINK_CC", "SOLINK_DISABLE", "SOLINK_LOGFILE", "WORKSPACE_FOLDER"] {
            cmd.env_remove(var);
        }
        cmd.env("XDG_CONFIG_HOME", self.path("config")).env("XDG_CACHE_HOME", self.path("cache"));
        cmd.env_remove("MAKEFLAGS").env_remove("CFLAGS").env_remove("LDFLAGS");
        cmd
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        // The wall time each client test takes (the binary must stay well
        // under three minutes on a 2-core machine).
        let test = std::thread::current().name().unwrap_or("?").to_string();
        let _ = writeln_stderr(&format!("{test}: {:.1}s", self.started.elapsed().as_secs_f64()));
    }
}

fn writeln_stderr(line: &str) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(std::io::stderr(), "{line}")
}

/// What a shared object shows its users: DT_NEEDED, SONAME and the dynamic
/// symbols it defines globally.
#[derive(Debug, PartialEq)]
struct Interface {
    needed: Vec<String>,
    soname: Option<String>,
    exports: BTreeSet<String>,
}

fn interface(path: &Path) -> Interface {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = ElfFile64::<Endianness>::parse(&*data).unwrap();
    let endian = file.endian();
    let sections = file.elf_header().sections(endian, &*data).unwrap();
    let mut soname = None;
    if let Some((entries, link)) = sections.dynamic(endian, &*data).unwrap() {
        let strings = sections.strings(endian, &*data, link).unwrap();
        for d in entries.iter().filter(|d| d.tag32(endian) == Some(object::elf::DT_SONAME)) {
            soname = Some(String::from_utf8_lossy(d.string(endian, strings).unwrap()).into_owned());
        }
    }
    let exports = file
        .dynamic_symbols()
        .filter(|s| s.is_global() && !s.is_undefined())
        .map(|s| s.name().unwrap().to_string())
        .collect();
    Interface { needed: Elf::open(path).needed(), soname, exports }
}

/// Asserts the plain output needs `libfoo.so` and the solink one embeds
/// `libfoo.a` instead, and that they differ in nothing else a user sees
/// but `foo_answer`, now defined: `exported` says whether the client's own
/// link exports it (rustc's version script keeps it local).
fn assert_embedded(plain: &Path, solinked: &Path, exported: bool) {
    let (p, s) = (interface(plain), interface(solinked));
    assert!(p.needed.contains(&"libfoo.so".to_string()), "plain {}: {p:?}", plain.display());
    assert!(!p.exports.contains("foo_answer"), "{p:?}");
    assert!(
        !s.needed.iter().any(|n| n.starts_with("libfoo")),
        "through solink {}: {s:?}",
        solinked.display()
    );
    assert!(!Elf::open(solinked).imports("foo_answer"), "{s:?}");
    assert_eq!(s.exports.contains("foo_answer"), exported, "{s:?}");
    let rest: Vec<_> = p.needed.iter().filter(|n| *n != "libfoo.so").cloned().collect();
    assert_eq!(s.needed, rest);
    assert_eq!(s.soname, p.soname);
    let mut exports = s.exports.clone();
    exports.remove("foo_answer");
    assert_eq!(exports, p.exports);
}

/// A program that `dlopen`s `argv[1]` with RTLD_NOW, calls the `int(void)`
/// function `argv[2]` and prints what it returns; built once.
fn loader() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = support::files::scratch("solink-client-loader");
        let src = dir.join("loader.c");
        std::fs::write(
            &src,
            r#"#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    if (argc != 3) return 2;
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    int (*f)(void) = (int (*)(void))dlsym(h, argv[2]);
    if (!f) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    printf("%d\n", f());
    return 0;
}
"#,
        )
        .unwrap();
        Compile::source(src).flags(["-ldl"]).link(&dir.join("loader"))
    })
}

/// Loads `lib` in a child process with no `LD_LIBRARY_PATH` (so `libfoo.so`
/// cannot be found: only an embedded `libfoo.a` resolves `foo_answer`) and
/// returns what `function()` printed.
fn call(lib: &Path, function: &str) -> String {
    let out = sh(Command::new(loader()).arg(lib).arg(function).env_remove("LD_LIBRARY_PATH"));
    out.trim().to_string()
}

fn host_triple() -> String {
    let out = sh(Command::new("rustc").arg("-vV"));
    out.lines().find_map(|l| l.strip_prefix("host: ")).unwrap().to_string()
}

#[test]
fn meson_link_args_embed_with_bare_cc_and_launcher() {
    if !require_tool("meson") || !require_tool("ninja") {
        return;
    }
    let p = Project::new("meson");
    let option = format!("-Dfoo_dir={}", p.foo().display());
    let build = |dir: &str, cc: Option<String>| -> PathBuf {
        let mut setup = p.command("meson", dir);
        setup.args(["setup", "build", &option]);
        match &cc {
            Some(cc) => setup.env("CC", cc),
            None => setup.env("CC", "gcc"),
        };
        sh(&mut setup);
        sh(p.command("ninja", dir).args(["-C", "build"]));
        p.path(dir).join("build/libclient.so")
    };
    let plain = build("plain", None);
    // Bare CC=solink: meson's probes (--version, -dumpversion...) reach gcc.
    let bare = build("solink", Some(SOLINK.to_string()));
    assert_embedded(&plain, &bare, true);
    assert_eq!(call(&bare, "client_answer"), "43");
    // The launcher form, in a fresh build directory.
    p.copy("meson", "launcher");
    let launcher = build("launcher", Some(format!("{SOLINK} gcc")));
    assert_embedded(&plain, &launcher, true);
    assert_eq!(call(&launcher, "client_answer"), "43");
}

/// Runs cargo on `fixtures/clients/cargo/KIND` in `dir`, with its own
/// target directory, offline, with `linker` (none: the default `cc`).
fn cargo_build(p: &Project, dir: &str, linker: Option<&str>) {
    let triple = host_triple();
    let var = format!("CARGO_TARGET_{}_LINKER", triple.to_uppercase().replace('-', "_"));
    let mut cmd = p.command("cargo", dir);
    cmd.args(["build", "--release", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", p.path(dir).join("target"))
        .env("FOO_DIR", p.foo())
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    match linker {
        Some(l) => cmd.env(&var, l),
        None => cmd.env_remove(&var),
    };
    sh(&mut cmd);
}

#[test]
fn cargo_cdylib_with_a_dylib_kind_library_embeds_it() {
    if !require_tool("cargo") || !require_tool("rustc") {
        return;
    }
    let p = Project::new("cargo/dylib");
    cargo_build(&p, "plain", None);
    cargo_build(&p, "solink", Some(SOLINK));
    let so = "target/release/libclient_dylib.so";
    let (plain, solinked) = (p.path("plain").join(so), p.path("solink").join(so));
    assert_embedded(&plain, &solinked, false);
    assert_eq!(call(&solinked, "rust_answer"), "44");
}

#[test]
fn cargo_cdylib_with_a_static_kind_library_keeps_rustcs_link_and_gains_the_note() {
    if !require_tool("cargo") || !require_tool("rustc") {
        return;
    }
    let p = Project::new("cargo/static");
    cargo_build(&p, "plain", None);
    cargo_build(&p, "solink", Some(SOLINK));
    let so = "target/release/libclient_static.so";
    let (plain, solinked) = (p.path("plain").join(so), p.path("solink").join(so));
    // rustc already links the archive itself: the same interface either
    // way (issue 31: the static region is checked, needs nothing more,
    // and only the note is added).
    let i = interface(&plain);
    assert!(!i.needed.iter().any(|n| n.starts_with("libfoo")), "{i:?}");
    assert_eq!(interface(&solinked), i);
    assert_eq!(call(&solinked, "rust_answer"), "44");
    let audit = crate::support::tools::run(std::process::Command::new(SOLINK).arg("--audit").arg(&solinked));
    assert!(audit.stdout.contains("embeds libfoo.a (-lfoo)"), "{}", audit.stdout);
}

/// Issue 23: `fixtures/clients/cargo/capi`, a cdylib whose build script
/// links the static C library `libcapi.a` (`capi_add`, `capi_answer`),
/// built with `-C linker=solink` and the variables `vars`; the `.so`.
fn capi_cdylib(p: &Project, dir: &str, vars: &[(&str, &str)]) -> PathBuf {
    capi_cdylib_with(p, dir, vars, None)
}

/// [`capi_cdylib`], or with `config` the linker set as a user writes it:
/// `linker = "solink"` in the project's `.cargo/config.toml`, followed by
/// `config` (an `[env]` table, say).
fn capi_cdylib_with(p: &Project, dir: &str, vars: &[(&str, &str)], config: Option<&str>) -> PathBuf {
    let capi = p.path("capi");
    Compile::source(fixtures::path("clients/capi/capi.c")).flags(["-fPIC"]).archive(&capi.join("libcapi.a"));
    let triple = host_triple();
    let var = format!("CARGO_TARGET_{}_LINKER", triple.to_uppercase().replace('-', "_"));
    let mut cmd = p.command("cargo", dir);
    cmd.args(["build", "--release", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", p.path(dir).join("target"))
        .env("CAPI_DIR", &capi)
        .env_remove(&var)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    for var in ["SOLINK_EXPORT", "SOLINK_EXPORT_ARCHIVE"] {
        cmd.env_remove(var);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    match config {
        None => {
            cmd.env(&var, SOLINK);
        }
        Some(more) => {
            let cargo = p.path(dir).join(".cargo");
            std::fs::create_dir_all(&cargo).unwrap();
            std::fs::write(
                cargo.join("config.toml"),
                format!("[target.{triple}]\nlinker = \"{SOLINK}\"\n{more}"),
            )
            .unwrap();
        }
    }
    sh(&mut cmd);
    p.path(dir).join("target/release/libclient_capi.so")
}

/// Every name in `path`'s `.dynsym`, defined or not, read with `object`:
/// (name, defined and global).
fn dynsym(path: &Path) -> Vec<(String, bool)> {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = ElfFile64::<Endianness>::parse(&*data).unwrap();
    file.dynamic_symbols()
        .map(|s| (s.name().unwrap().to_string(), s.is_global() && !s.is_undefined()))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

/// Issue 35 §5: rustc with solink as its linker (`linker = "solink"` in
/// `.cargo/config.toml`, `SOLINK_EXPORT` from its `[env]` table: the
/// `--export` a cargo user can give, since cargo passes no arguments to a
/// linker) makes a cdylib whose `.dynsym` holds its `#[no_mangle]` API, the
/// names `--export` gives, and nothing of Rust's runtime: no
/// `rust_eh_personality`, no `_ZN` (mangled std) symbol, defined or not.
/// The static C archive is embedded (the note says so) and the rest of it
/// stays local.
#[test]
fn cargo_cdylib_through_solink_exports_its_api_and_nothing_of_rusts_runtime() {
    if !require_tool("cargo") || !require_tool("rustc") {
        return;
    }
    let p = Project::new("cargo/capi");
    let so = capi_cdylib_with(&p, "solink", &[], Some("[env]\nSOLINK_EXPORT = \"capi_add\"\n"));
    let symbols = dynsym(&so);
    let exported: BTreeSet<&str> = symbols.iter().filter(|(_, d)| *d).map(|(n, _)| n.as_str()).collect();
    assert_eq!(exported, BTreeSet::from(["capi_add", "rust_answer"]), "{symbols:?}");
    let runtime: Vec<&str> = symbols
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.starts_with("_ZN") || n.starts_with("_R") || n.contains("rust_eh_personality"))
        .collect();
    assert!(runtime.is_empty(), "Rust's runtime in .dynsym: {runtime:?}");
    assert_eq!(call(&so, "rust_answer"), "44");
    // Embedded, and recorded: the C archive's other function stays local.
    let audit = crate::support::tools::run(Command::new(SOLINK).arg("--audit").arg(&so));
    assert!(audit.stdout.contains("embeds libcapi.a (-lcapi)"), "{}", audit.stdout);
    assert!(!interface(&so).needed.iter().any(|n| n.contains("capi")), "{:?}", interface(&so));
    // Without the setting, the API alone.
    let without = capi_cdylib_with(&p, "plain", &[], Some(""));
    let exported: Vec<String> = dynsym(&without).into_iter().filter(|(_, d)| *d).map(|(n, _)| n).collect();
    assert_eq!(exported, ["rust_answer"]);
}

/// Python's ctypes finds `capi_add` in `lib` with dlsym and calls it with 2
/// and 3: its output, or the error.
fn ctypes_capi_add(lib: &Path) -> Result<String, String> {
    let script = "import ctypes, sys\nlib = ctypes.CDLL(sys.argv[1], mode=ctypes.RTLD_GLOBAL)\nprint(lib.capi_add(2, 3))";
    let out = Command::new("python3").args(["-c", script]).arg(lib).output().unwrap();
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).trim().to_string()),
        false => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

#[test]
fn cargo_cdylib_reexports_a_static_c_function_with_solink_export() {
    if !require_tool("cargo") || !require_tool("rustc") || !require_tool("python3") {
        return;
    }
    let p = Project::new("cargo/capi");
    // As today: rustc's version script makes capi_add local.
    let plain = capi_cdylib(&p, "plain", &[]);
    assert!(!interface(&plain).exports.contains("capi_add"), "{:?}", interface(&plain));
    assert!(ctypes_capi_add(&plain).is_err());
    let exported = capi_cdylib(&p, "solink", &[("SOLINK_EXPORT", "capi_add")]);
    let i = interface(&exported);
    assert!(i.exports.contains("capi_add") && !i.exports.contains("capi_answer"), "{i:?}");
    assert_eq!(ctypes_capi_add(&exported).unwrap(), "5");
    assert_eq!(call(&exported, "rust_answer"), "44");
}

#[test]
fn cargo_cdylib_reexports_a_static_c_library_with_solink_export_archive() {
    if !require_tool("cargo") || !require_tool("rustc") || !require_tool("python3") {
        return;
    }
    let p = Project::new("cargo/capi");
    let so = capi_cdylib(&p, "solink", &[("SOLINK_EXPORT_ARCHIVE", "capi")]);
    let i = interface(&so);
    assert!(i.exports.contains("capi_add") && i.exports.contains("capi_answer"), "{i:?}");
    assert_eq!(ctypes_capi_add(&so).unwrap(), "5");
    assert_eq!(call(&so, "capi_answer"), "42");
    assert_eq!(call(&so, "rust_answer"), "44");
}

#[test]
fn cargo_bin_crate_is_byte_identical_through_solink() {
    if !require_tool("cargo") || !require_tool("rustc") {
        return;
    }
    let p = Project::new("cargo/bin");
    // One directory, so every path rustc records is the same: build plain,
    // keep the program, relink through solink (a new linker relinks).
    cargo_build(&p, "plain", None);
    let bin = p.path("plain/target/release/client_bin");
    let plain = std::fs::read(&bin).unwrap();
    let mtime = bin.metadata().unwrap().modified().unwrap();
    cargo_build(&p, "plain", Some(SOLINK));
    assert_ne!(bin.metadata().unwrap().modified().unwrap(), mtime, "cargo did not relink");
    assert!(std::fs::read(&bin).unwrap() == plain, "client_bin differs through solink");
    assert_eq!(sh(&mut Command::new(&bin)), "client_bin\n");
}

/// `fixtures/verified/`'s C++ archive (`std::string`, a throw, RTTI) and
/// OpenMP archive, both PIC, in `v.lib_dir()`; what the cdylib's
/// `native_NAME` functions return and the program prints when they work.
fn cxx_and_openmp(v: &Verified) -> Native {
    v.archive(&CXX);
    v.archive(&OPENMP);
    Native::new(&[] as &[&str], &[CXX.entry, OPENMP.entry], &[&v.lib_dir()])
}

fn cxx_and_openmp_values() -> String {
    format!("{} {}\n{} {}\n", CXX.entry, CXX.value, OPENMP.entry, OPENMP.value)
}

/// What is wrong with the cdylib and the program `native::build` left in
/// `project`: each must load (`RTLD_NOW`, a separate process) or run and
/// give the archives' values; with `noted`, each one's `.note.solink`
/// records both archives.
fn native_problems(project: &Path, v: &Verified, native: &Native, noted: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let want = cxx_and_openmp_values();
    match native::run_program(project) {
        Ok(out) if out == want => {}
        Ok(out) => problems.push(format!("the program printed {out:?}, not {want:?}")),
        Err(e) => problems.push(format!("the program: {e}")),
    }
    match native::load_cdylib(project, &v.loader(), &native.entries) {
        Ok(out) if out == want => {}
        Ok(out) => problems.push(format!("the cdylib gave {out:?}, not {want:?}")),
        Err(e) => problems.push(format!("the cdylib: {e}")),
    }
    if noted {
        for output in [native::cdylib(project), native::program(project)] {
            if !output.exists() {
                continue;
            }
            match solink::testing::provenance::read_notes(&output) {
                Ok(entries) => {
                    let libraries: BTreeSet<String> = entries.into_iter().map(|e| e.library).collect();
                    if !libraries.contains(CXX.lib) || !libraries.contains(OPENMP.lib) {
                        problems.push(format!("{}: .note.solink records {libraries:?}", output.display()));
                    }
                }
                Err(e) => problems.push(format!("{}: .note.solink: {e}", output.display())),
            }
        }
    }
    problems
}

/// Issue 31 §4, seed 000's spelling: `cargo:rustc-link-lib=static=NAME`
/// over a C++ archive and an OpenMP archive. rustc passes them as
/// `-Wl,-Bstatic -lcxxfix -lompfix <std's rlibs> -Wl,-Bdynamic -lgcc_s
/// ... -nodefaultlibs`: nothing provides libstdc++'s or libgomp's symbols.
/// Plain, the cdylib fails at dlopen and the program does not link.
/// Through solink (`linker` in `.cargo/config.toml`) the region's
/// archives get the closure check, their providers after the region and
/// the note: both load and run.
#[test]
fn cargo_static_kind_over_cxx_and_openmp_archives_loads_and_runs_through_solink() {
    if !require_tool("cargo") || !require_tool("rustc") {
        return;
    }
    let p = Project::new("cargo/native");
    let v = Verified::new();
    let native = Native { link: vec!["static=cxxfix".into(), "static=ompfix".into()], ..cxx_and_openmp(&v) };

    let plain = native::build(&p.path("plain"), Via::Plain, &native);
    assert!(!plain.success(), "the plain program links: the case proves nothing");
    // rust-lld (rustc's default linker) says `undefined symbol:`, GNU ld
    // `undefined reference to`.
    let says = |sym: &str| {
        plain.stderr.contains(&format!("undefined symbol: {sym}"))
            || plain.stderr.contains(&format!("undefined reference to `{sym}"))
    };
    assert!(says("__cxa_") || says("__gxx_personality_v0"), "{}", plain.stderr);
    assert!(says("GOMP_") || says("omp_"), "{}", plain.stderr);
    let err = native::load_cdylib(&p.path("plain"), &v.loader(), &native.entries).unwrap_err();
    assert!(err.contains("undefined symbol: "), "the plain cdylib: {err}");

    let ran = native::build(&p.path("solink"), Via::Config, &native);
    let problems = native_problems(&p.path("solink"), &v, &native, true);
    let errors = native::errors(&ran.stderr, 8);
    assert!(ran.success() && problems.is_empty(), "{}\n{errors}", problems.join("\n"));
}

/// Issue 31 §4: every native-library kind, each for the cdylib and the
/// program, over the same C++ and OpenMP archives, through
/// `RUSTFLAGS=-Clinker=solink`; one target directory, relinked per kind.
/// Every kind must load and run; where the archive reaches the link by
/// name, the note records it. All the kinds are tried before the test
/// fails, and the failure lists each.
#[test]
fn cargo_every_native_kind_over_cxx_and_openmp_archives_loads_and_runs_through_solink() {
    if !require_tool("cargo") || !require_tool("rustc") {
        return;
    }
    let p = Project::new("cargo/native");
    let v = Verified::new();
    let base = cxx_and_openmp(&v);
    let both = |kind: &str, a: &str, b: &str| vec![format!("{kind}={a}"), format!("{kind}={b}")];
    // (what, the package's words, the -sys crate's words, noted)
    let cases = [
        // `-Wl,-Bstatic -Wl,--whole-archive -lcxxfix -Wl,--no-whole-archive ...`
        ("static:+whole-archive", both("static:+whole-archive", "cxxfix", "ompfix"), vec![], true),
        // In a -sys crate, `-bundle` leaves the archive out of its rlib:
        // the final link names it, `-Wl,-Bstatic <the rlib> -lcxxfix ...`.
        ("static:-bundle in a -sys crate", vec![], both("static:-bundle", "cxxfix", "ompfix"), true),
        // Not here: the default +bundle in a -sys crate, whose archive's
        // members travel inside the crate's rlib; solink does not read
        // rlibs as archives (docs/clients.md says so, and the fix).
        // `-Wl,-Bdynamic -lcxxfix ...`: only libcxxfix.a is there, so ld
        // takes it; solink embeds it, with its providers.
        ("dylib= over an archive", both("dylib", "cxxfix", "ompfix"), vec![], true),
        // `-Wl,-Bstatic -l:libcxxfix.a ...`
        ("static:+verbatim", both("static:+verbatim", "libcxxfix.a", "libompfix.a"), vec![], true),
        // `-Wl,-Bdynamic -l:libcxxfix.a ...`
        ("dylib:+verbatim", both("dylib:+verbatim", "libcxxfix.a", "libompfix.a"), vec![], true),
    ];
    let dir = p.path("solink");
    let total = cases.len();
    let mut failed = Vec::new();
    for (what, link, sys_link, noted) in cases {
        let native = Native { link, sys_link, ..base.clone() };
        let ran = native::build(&dir, Via::Rustflags, &native);
        let problems = native_problems(&dir, &v, &native, noted);
        if !ran.success() || !problems.is_empty() {
            let errors = native::errors(&ran.stderr, 4);
            failed.push(format!(
                "- {what}:\n  {}\n  {}",
                problems.join("\n  "),
                errors.replace('\n', "\n  ")
            ));
        }
    }
    assert!(failed.is_empty(), "{} of {total} kinds fail:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn setuptools_extension_embeds_and_imports() {
    if !require_tool("python3") {
        return;
    }
    let has_setuptools = Command::new("python3")
        .args(["-c", "import setuptools, sysconfig, os; assert os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h'))"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !skip_unless(
        has_setuptools,
        "python3 setuptools or Python.h (python3-setuptools, python3-dev) not installed",
    ) {
        return;
    }
    let p = Project::new("setuptools");
    let build = |dir: &str, ldshared: Option<String>| -> PathBuf {
        let mut cmd = p.command("python3", dir);
        cmd.args(["setup.py", "-q", "build_ext", "--inplace"]).env("FOO_DIR", p.foo());
        match &ldshared {
            Some(l) => cmd.env("LDSHARED", l),
            None => cmd.env_remove("LDSHARED"),
        };
        sh(&mut cmd);
        let found = std::fs::read_dir(p.path(dir)).unwrap().map(|e| e.unwrap().path()).find(|f| {
            f.file_name().unwrap().to_string_lossy().starts_with("ext.")
                && f.extension().is_some_and(|e| e == "so")
        });
        found.unwrap_or_else(|| panic!("no ext*.so in {dir}"))
    };
    let plain = build("plain", None);
    // LDSHARED replaces the whole link command (distutils' sysconfig): the
    // driver and -shared have to be in it.
    let solinked = build("solink", Some(format!("{SOLINK} gcc -shared")));
    assert_embedded(&plain, &solinked, true);
    // With --hide (docs/clients.md's advice for extensions) the archive is
    // still embedded, but its symbols are no longer exported.
    p.copy("setuptools", "hidden");
    let hidden = build("hidden", Some(format!("{SOLINK} --hide gcc -shared")));
    assert_embedded(&plain, &hidden, false);
    let out = sh(p
        .command("python3", "hidden")
        .args(["-c", "import ext; print(ext.answer())"])
        .env_remove("LD_LIBRARY_PATH"));
    assert_eq!(out.trim(), "45");
    let out = sh(p
        .command("python3", "solink")
        .args(["-c", "import ext; print(ext.answer())"])
        .env_remove("LD_LIBRARY_PATH"));
    assert_eq!(out.trim(), "45");
}

#[test]
fn autotools_libtool_library_is_the_same_through_solink() {
    for tool in ["autoreconf", "automake", "libtoolize", "make"] {
        if !require_tool(tool) {
            return;
        }
    }
    let p = Project::new("autotools");
    // autoreconf once, for both trees: it is half the test's time and does
    // not depend on the compiler.
    sh(p.command("autoreconf", "plain").args(["-fi"]));
    p.copy_tree(&p.path("plain"), "solink");
    p.copy_tree(&p.path("plain"), "explain");
    let build = |dir: &str, cc: &str, explain: bool| -> PathBuf {
        let with = |mut cmd: Command| {
            match explain {
                true => cmd.env("SOLINK_EXPLAIN", "1"),
                false => cmd.env_remove("SOLINK_EXPLAIN"),
            };
            cmd
        };
        sh(with(p.command("./configure", dir)).arg("--quiet").env("CC", cc));
        sh(with(p.command("make", dir)).args(["-s", "check"]));
        p.path(dir).join(".libs/libclient.so.1.0.0")
    };
    let plain = build("plain", "gcc", false);
    let solinked = build("solink", SOLINK, false);
    let i = interface(&plain);
    assert_eq!(i.soname.as_deref(), Some("libclient.so.1"));
    assert!(i.exports.contains("client_answer"), "{i:?}");
    assert_eq!(interface(&solinked), i);
    // Issue 31 §7: with SOLINK_EXPLAIN=1 exported, configure's probes (a
    // compile whose stderr must stay empty for libtool to keep -fPIC) see
    // nothing of solink's, so the library is the same: libtool's PIC flag,
    // the interface, and it loads (client.c's global needs -fPIC).
    let explained = build("explain", SOLINK, true);
    let pic_flag = |dir: &str| {
        let script = std::fs::read_to_string(p.path(dir).join("libtool")).unwrap();
        script.lines().find(|l| l.starts_with("pic_flag=")).map(str::to_string)
    };
    assert_eq!(pic_flag("plain").as_deref(), Some("pic_flag=\" -fPIC -DPIC\""));
    assert_eq!(pic_flag("explain"), pic_flag("plain"));
    assert_eq!(interface(&explained), i);
    assert_eq!(call(&explained, "client_answer"), "7");
}

#[test]
fn go_c_shared_embeds_and_loads() {
    if !skip_unless(
        Command::new("go").arg("version").output().is_ok_and(|o| o.status.success()),
        "go not installed (golang-go)",
    ) {
        return;
    }
    let p = Project::new("go");
    let build = |dir: &str, cc: &str| -> PathBuf {
        let out = p.path(dir).join("libclient.so");
        sh(p.command("go", dir)
            .args(["build", "-buildmode=c-shared", "-o"])
            .arg(&out)
            .arg(".")
            .env("CC", cc)
            .env("CGO_ENABLED", "1")
            .env("CGO_LDFLAGS", format!("-L{}", p.foo().display()))
            .env("GOCACHE", p.path("gocache"))
            .env("GOPATH", p.path("gopath"))
            .env("GOFLAGS", "-mod=mod")
            .env("GOTOOLCHAIN", "local"));
        out
    };
    let plain = build("plain", "gcc");
    let solinked = build("solink", SOLINK);
    assert_embedded(&plain, &solinked, true);
    assert_eq!(call(&solinked, "GoAnswer"), "46");
}

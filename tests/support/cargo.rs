//! `fixtures/clients/cargo/native`: a Rust cdylib and a Rust program over
//! the same native libraries, built by the real cargo and rustc (issue 31
//! §4-§5). Its build scripts print what the test names: the
//! `cargo:rustc-link-lib=KIND=NAME` lines of seed 000's `build.rs` (or of
//! a `-sys` crate), its `-Wl,-rpath`, and the archives' entry points, which
//! the cdylib exports as `native_NAME` and the program prints.
//!
//! Used by `tests/clients.rs` (every native kind) and `tests/cli/cuda.rs`
//! (seed 000 end to end, with nvcc's archive and the CUDA wheels).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::tools::{run, Ran};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// How cargo is told to link (docs/clients.md): not at all (rustc's own
/// `cc`), or through solink by one of the two spellings a user writes.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    Plain,
    /// `[target.TRIPLE] linker = "solink"` in the project's
    /// `.cargo/config.toml`.
    Config,
    /// `RUSTFLAGS=-Clinker=solink`.
    Rustflags,
}

/// What the fixture's build scripts print.
#[derive(Clone, Debug, Default)]
pub struct Native {
    /// The package's own `cargo:rustc-link-lib=` words (`static=cxxfix`),
    /// and `-Wl,...` words as `cargo:rustc-link-arg=`.
    pub link: Vec<String>,
    /// The `-sys` dependency's `cargo:rustc-link-lib=` words.
    pub sys_link: Vec<String>,
    /// `cargo:rustc-link-search=native=` directories.
    pub search: Vec<PathBuf>,
    /// The archives' `int NAME(void)` functions.
    pub entries: Vec<String>,
}

impl Native {
    pub fn new<S: AsRef<str>>(link: &[S], entries: &[&str], search: &[&Path]) -> Native {
        Native {
            link: link.iter().map(|s| s.as_ref().to_string()).collect(),
            sys_link: Vec::new(),
            search: search.iter().map(|p| p.to_path_buf()).collect(),
            entries: entries.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Copies `fixtures/clients/cargo/native` to `dest`.
pub fn copy_fixture(dest: &Path) {
    let src = super::fixtures::path("clients/cargo/native");
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let to = dest.join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

pub fn host_triple() -> String {
    let out = super::tools::sh(Command::new("rustc").arg("-vV"));
    out.lines().find_map(|l| l.strip_prefix("host: ")).unwrap().to_string()
}

/// `cargo build --release --offline --keep-going` of the copy in `project`
/// (both packages: a failing link of one leaves the other built), with its
/// target directory inside it, linked `via`; whatever happened. solink's
/// variables and the caller's RUSTFLAGS are cleared, so only what the test
/// says reaches the link.
pub fn build(project: &Path, via: Via, native: &Native) -> Ran {
    let triple = host_triple();
    let linker_var = format!("CARGO_TARGET_{}_LINKER", triple.to_uppercase().replace('-', "_"));
    let config = project.join(".cargo/config.toml");
    let _ = std::fs::remove_file(&config);
    // A link that fails leaves the last case's output in place: gone first,
    // so it cannot pass for this one's.
    let _ = std::fs::remove_file(cdylib(project));
    let _ = std::fs::remove_file(program(project));
    let mut cmd = Command::new("cargo");
    cmd.current_dir(project)
        .args(["build", "--release", "--offline", "--quiet", "--keep-going"])
        .env("CARGO_TARGET_DIR", project.join("target"))
        .env("XDG_CONFIG_HOME", project.join("config"))
        .env("XDG_CACHE_HOME", project.join("cache"))
        .env("NATIVE_LINK", native.link.join(" "))
        .env("NATIVE_SYS_LINK", native.sys_link.join(" "))
        .env("NATIVE_ENTRIES", native.entries.join(","))
        .env("NATIVE_SEARCH", std::env::join_paths(&native.search).unwrap());
    for var in ["RUSTFLAGS", "CARGO_BUILD_RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", &linker_var] {
        cmd.env_remove(var);
    }
    for var in ["SOLINK_LIBSDIR", "SOLINK_CC", "SOLINK_DISABLE", "SOLINK_LOGFILE", "SOLINK_EXPLAIN"] {
        cmd.env_remove(var);
    }
    cmd.env_remove("WORKSPACE_FOLDER").env_remove("CFLAGS").env_remove("LDFLAGS");
    match via {
        Via::Plain => {}
        Via::Config => {
            std::fs::create_dir_all(config.parent().unwrap()).unwrap();
            std::fs::write(&config, format!("[target.{triple}]\nlinker = \"{SOLINK}\"\n")).unwrap();
        }
        Via::Rustflags => {
            cmd.env("RUSTFLAGS", format!("-Clinker={SOLINK}"));
        }
    }
    run(&mut cmd)
}

/// The cdylib `build` made.
pub fn cdylib(project: &Path) -> PathBuf {
    project.join("target/release/libclient_native.so")
}

/// The program `build` made.
pub fn program(project: &Path) -> PathBuf {
    project.join("target/release/client_native_bin")
}

/// Runs the program with no `LD_LIBRARY_PATH`: `NAME VALUE` lines, one per
/// entry, or what went wrong.
pub fn run_program(project: &Path) -> Result<String, String> {
    let bin = program(project);
    if !bin.exists() {
        return Err(format!("{} was not built", bin.display()));
    }
    let ran = run(Command::new(&bin).env_remove("LD_LIBRARY_PATH"));
    match ran.success() {
        true => Ok(ran.stdout),
        false => Err(format!("{} failed ({:?}): {}{}", bin.display(), ran.status, ran.stdout, ran.stderr)),
    }
}

/// In a separate process, `dlopen`s the cdylib with `RTLD_NOW` (`loader`:
/// `fixtures/verified/loader.c`, `loader LIB FUNC`) and calls `native_ENTRY`
/// for each entry: `NAME VALUE` lines, as the program prints them, or the
/// loader's error (`undefined symbol: ...`).
pub fn load_cdylib(project: &Path, loader: &Path, entries: &[String]) -> Result<String, String> {
    let so = cdylib(project);
    if !so.exists() {
        return Err(format!("{} was not built", so.display()));
    }
    let mut lines = String::new();
    for e in entries {
        let ran = run(Command::new(loader).arg(&so).arg(format!("native_{e}")).env_remove("LD_LIBRARY_PATH"));
        if !ran.success() {
            return Err(ran.stderr.trim().to_string());
        }
        lines.push_str(&format!("{e} {}", ran.stdout));
    }
    Ok(lines)
}

/// A failed build's stderr cut to what says why: its `error` lines, the
/// first `limit` of them, and how many more there were.
pub fn errors(stderr: &str, limit: usize) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim).filter(|l| l.contains("error")).collect();
    let mut out = lines.iter().take(limit).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > limit {
        out.push_str(&format!("\n... and {} more error lines", lines.len() - limit));
    }
    out
}

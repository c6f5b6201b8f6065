//! A small builder for solink test runs, in the spirit of ripgrep's `Dir`
//! and `TestCommand`: each test gets its own temporary directory, and every
//! program a test runs through it gets the same clean environment.
//!
//! The helpers every test binary shares live in `tests/support/` and are
//! re-exported here, so a CLI test imports from one place.

#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

// `fixtures` is both the module (`fixtures::compile(..)`) and, in the value
// namespace, the function below that older tests call as `fixtures()`.
pub use crate::support::files::mkfifo;
pub use crate::support::fixtures::{self, tiny_archive, tiny_user};
pub use crate::support::text::{assert_line, assert_text, assert_text_of, with_dir};
pub use crate::support::tools::{gcc, os, require_tool, sh, skip_unless, Ran};

pub const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// The repository's fixtures (`fixtures::root()`).
pub fn fixtures() -> PathBuf {
    fixtures::root()
}

pub struct Dir {
    tmp: tempfile::TempDir,
}

impl Dir {
    pub fn new() -> Dir {
        Dir { tmp: tempfile::Builder::new().prefix("solink-test").tempdir().unwrap() }
    }

    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, contents).unwrap();
        p
    }

    pub fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// `rel`, mode 0755, holding `script`; written by another process, so
    /// its exec never meets ETXTBSY (`support::files::write_executable`).
    pub fn executable(&self, rel: &str, script: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        crate::support::files::write_executable(&p, script.as_bytes());
        p
    }

    /// A fake driver: records its argv (NUL-separated) in `fakecc.log` and
    /// exits with `$FAKECC_EXIT`. Asked `-print-search-dirs`, it answers
    /// with `$FAKECC_LIBDIRS` and records nothing.
    pub fn fake_driver(&self) -> PathBuf {
        let log = self.path("fakecc.log");
        self.executable(
            "bin/fakecc",
            &format!(
                r#"#!/bin/sh
for a in "$@"; do
  if [ "$a" = -print-search-dirs ]; then echo "libraries: =$FAKECC_LIBDIRS"; exit 0; fi
done
for a in "$@"; do printf '%s\0' "$a"; done > '{}'
for a in "$@"; do case "$a" in @*) cp "${{a#@}}" '{}.rsp';; esac; done
# In the background and waited for: a shell dies by a signal at once
# while it waits, but holds SIGINT until a foreground child ends; the
# sleep, left behind, holds none of the caller's pipes open.
[ -n "$FAKECC_SLEEP" ] && {{ sleep "$FAKECC_SLEEP" </dev/null >/dev/null 2>&1 & wait $!; }}
[ -n "$FAKECC_SIGNAL" ] && kill -"$FAKECC_SIGNAL" $$
exit "${{FAKECC_EXIT:-0}}"
"#,
                log.display(),
                log.display()
            ),
        )
    }

    /// Waits (up to 60 s, for a loaded machine) until the fake driver has started with a response
    /// file, and asserts that it has.
    pub fn wait_for_fake_driver(&self) {
        let copy = self.path("fakecc.log.rsp");
        for _ in 0..2400 {
            if copy.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the fake driver did not start");
    }

    /// What the fake driver was last called with.
    pub fn fake_argv(&self) -> Vec<OsString> {
        let bytes = fs::read(self.path("fakecc.log")).expect("the fake driver ran");
        let mut args: Vec<OsString> =
            bytes.split(|&c| c == 0).map(|a| OsString::from_vec(a.to_vec())).collect();
        args.pop(); // after the last NUL
        args
    }

    /// A solink command run in this directory, with a clean environment:
    /// no SOLINK_* or WORKSPACE_FOLDER from the outside.
    ///
    /// `SOLINK_CROSS_CHECK=1`: every answer the closure check takes from
    /// the part of a link before the driver's dirs is compared with the
    /// whole check's (a difference stops solink with an internal error).
    pub fn solink(&self) -> TestCommand {
        self.command(SOLINK).env("SOLINK_CROSS_CHECK", "1")
    }

    /// Any program (a masquerading symlink, `sh`, `strace`) run as
    /// [`Dir::solink`] runs solink: in this directory, with only `PATH` from
    /// the outside, `HOME` and `XDG_CACHE_HOME` inside the directory, and
    /// the terminating signals at their default actions
    /// ([`default_signals`]).
    pub fn command(&self, program: impl AsRef<OsStr>) -> TestCommand {
        let mut cmd = Command::new(program);
        default_signals(&mut cmd);
        cmd.current_dir(self.root());
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", self.path("home"));
        cmd.env("XDG_CACHE_HOME", self.path("cache"));
        TestCommand { cmd }
    }
}

/// The signals that end a process by default and that solink forwards to
/// the driver (issue 12 §4).
pub const TERMINATING_SIGNALS: [libc::c_int; 7] =
    [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGUSR1, libc::SIGUSR2, libc::SIGALRM];

/// Starts `cmd` with the terminating signals at their default actions, as
/// a terminal's foreground job has them: a test run in the background or
/// under nohup inherits some of them ignored, which a child keeps, and the
/// signal tests would test that instead.
pub fn default_signals(cmd: &mut Command) {
    // SAFETY: signal(2) is async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(cmd, || {
            for sig in TERMINATING_SIGNALS {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        })
    };
}

/// A command being built. Every one starts from [`Dir::command`]'s clean
/// environment; use the methods rather than replacing `cmd`, which would
/// lose it.
pub struct TestCommand {
    pub cmd: Command,
}

impl TestCommand {
    /// Runs `program` instead, with everything set so far: the clean
    /// environment and what was added to it, the directory and the
    /// arguments. Call it before `stdin` or `process_group`, which a
    /// `Command` cannot report back.
    pub fn program(self, program: impl AsRef<OsStr>) -> Self {
        let mut cmd = Command::new(program);
        // The environment `get_envs` reports is what was set on top of
        // `env_clear`, which every TestCommand starts with.
        cmd.env_clear();
        for (key, value) in self.cmd.get_envs() {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.args(self.cmd.get_args());
        if let Some(dir) = self.cmd.get_current_dir() {
            cmd.current_dir(dir);
        }
        TestCommand { cmd }
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, stdin: impl Into<Stdio>) -> Self {
        self.cmd.stdin(stdin);
        self
    }

    /// Starts it in process group `pgid` (0: a new group of its own), for
    /// signals sent to the group as a terminal sends them.
    pub fn process_group(mut self, pgid: i32) -> Self {
        std::os::unix::process::CommandExt::process_group(&mut self.cmd, pgid);
        self
    }

    /// Starts it without waiting, stdin, stdout and stderr inherited.
    pub fn spawn(mut self) -> Child {
        self.cmd.spawn().unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.cmd))
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.cmd.env_remove(key);
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn output(mut self) -> Output {
        self.cmd.output().unwrap()
    }

    /// Runs it to its end, whatever its status: the status, stdout and
    /// stderr as text.
    pub fn run(mut self) -> Ran {
        crate::support::tools::run(&mut self.cmd)
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(self) -> String {
        let out = self.output();
        assert!(
            out.status.success(),
            "solink failed: {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and asserts exit status 2 with one `solink: ` line; returns it.
    pub fn refused(self) -> String {
        let out = self.output();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "expected a refusal, got {:?}: {stderr}", out.status);
        assert!(stderr.starts_with("solink: "), "message: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        stderr
    }
}

/// Compares `actual` with `tests/golden/NAME`. With `SOLINK_BLESS=1` the
/// file is rewritten instead (review the diff before committing it).
pub fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("SOLINK_BLESS").is_some_and(|v| v == "1") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with SOLINK_BLESS=1 to create it", path.display()));
    assert_eq!(actual, expected, "golden file {} differs (SOLINK_BLESS=1 refreshes it)", path.display());
}

/// `program` runs another program with what the command had: the clean
/// environment plus what the test added, the directory and the arguments.
#[test]
fn program_keeps_the_clean_environment() {
    let dir = Dir::new();
    let stdout = dir.solink().env("SOLINK_TEST_ADDED", "1").program("sh").args(["-c", "env; pwd -P"]).ok();
    let root = dir.root().canonicalize().unwrap().display().to_string();
    assert!(stdout.lines().any(|l| l == "SOLINK_TEST_ADDED=1"), "{stdout}");
    assert!(stdout.lines().any(|l| l == format!("HOME={}", dir.path("home").display())), "{stdout}");
    assert_eq!(stdout.lines().last(), Some(root.as_str()), "run in the test directory");
    // Nothing else from the test's own environment (cargo's CARGO_*,
    // LD_LIBRARY_PATH, USER...): only what the shell sets itself.
    let ours = [
        "PATH",
        "HOME",
        "XDG_CACHE_HOME",
        "SOLINK_CROSS_CHECK",
        "SOLINK_TEST_ADDED",
        "PWD",
        "OLDPWD",
        "SHLVL",
        "_",
    ];
    let names: Vec<&str> = stdout.lines().filter_map(|l| l.split_once('=')).map(|(k, _)| k).collect();
    assert!(names.iter().all(|n| ours.contains(n)), "{names:?}");
}

/// A missing tool is a skip locally and a failure in CI.
#[test]
fn a_skip_is_a_failure_in_ci() {
    use crate::support::tools::skip_unless_in;
    assert!(skip_unless_in(true, "present", true));
    assert!(!skip_unless_in(false, "no-such-tool not installed (the skip message testing itself)", false));
    let in_ci = std::panic::catch_unwind(|| skip_unless_in(false, "a test tool not installed", true));
    assert!(in_ci.is_err(), "CI set: the skip panics");
}

/// Asserts `json` (an `--explain --format json` line, or a log record's
/// `decisions`) is valid against docs/explain.schema.json, with boon: the
/// schema is the contract tools read, so every JSON output a test sees is
/// checked against it. No network: the schema is added as a resource and
/// boon's metaschemas are built in.
#[track_caller]
pub fn assert_explain_schema(json: &serde_json::Value) {
    use std::sync::OnceLock;
    static SCHEMA: OnceLock<(boon::Schemas, boon::SchemaIndex)> = OnceLock::new();
    let (schemas, index) = SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/explain.schema.json");
        let schema: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("file:///explain.schema.json", schema).unwrap();
        let index = compiler.compile("file:///explain.schema.json", &mut schemas).unwrap();
        (schemas, index)
    });
    if let Err(e) = schemas.validate(json, *index) {
        panic!("not valid against docs/explain.schema.json: {e:#}\n{json}");
    }
}

/// Asserts `json` is a valid CycloneDX 1.5 document, against the official
/// schema vendored in tests/fixtures/cyclonedx (with the two schemas it
/// references, each added under its `$id`, so boon reads nothing from the
/// network).
#[track_caller]
pub fn assert_cyclonedx_schema(json: &serde_json::Value) {
    use std::sync::OnceLock;
    static SCHEMA: OnceLock<(boon::Schemas, boon::SchemaIndex)> = OnceLock::new();
    let (schemas, index) = SCHEMA.get_or_init(|| {
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        for name in ["bom-1.5.schema.json", "spdx.schema.json", "jsf-0.82.schema.json"] {
            let path = format!("{}/tests/fixtures/cyclonedx/{name}", env!("CARGO_MANIFEST_DIR"));
            let schema: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
            compiler.add_resource(&format!("http://cyclonedx.org/schema/{name}"), schema).unwrap();
        }
        let index =
            compiler.compile("http://cyclonedx.org/schema/bom-1.5.schema.json", &mut schemas).unwrap();
        (schemas, index)
    });
    if let Err(e) = schemas.validate(json, *index) {
        panic!("not a valid CycloneDX 1.5 document: {e:#}\n{json}");
    }
}

/// Asserts `json` is a valid SPDX 2.3 document, against the official
/// schema vendored in tests/fixtures/spdx (added under its `$id`, so boon
/// reads nothing from the network).
#[track_caller]
pub fn assert_spdx_schema(json: &serde_json::Value) {
    use std::sync::OnceLock;
    static SCHEMA: OnceLock<(boon::Schemas, boon::SchemaIndex)> = OnceLock::new();
    let (schemas, index) = SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spdx/spdx-2.3.schema.json");
        let schema: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        let mut schemas = boon::Schemas::new();
        let mut compiler = boon::Compiler::new();
        compiler.add_resource("http://spdx.org/rdf/terms/2.3", schema).unwrap();
        let index = compiler.compile("http://spdx.org/rdf/terms/2.3", &mut schemas).unwrap();
        (schemas, index)
    });
    if let Err(e) = schemas.validate(json, *index) {
        panic!("not a valid SPDX 2.3 document: {e:#}\n{json}");
    }
}

/// `make -f Makefile.example ARGS SOLINK=...` in the repository, with its
/// cache in `dir` and no outer make's flags; the run must succeed. Its stdout.
pub fn make_example(dir: &Dir, args: &[String]) -> String {
    let out = Command::new("make")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["-f", "Makefile.example"])
        .args(args)
        .arg(format!("SOLINK={SOLINK}"))
        .env("XDG_CACHE_HOME", dir.path("cache"))
        .env_remove("MAKEFLAGS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// A directory with `lib/libtiny.a` and `use.o`, which calls into it: the
/// smallest real link that embeds (`-shared use.o -ltiny`, LIBSDIR `lib`).
pub fn tiny_link_dir() -> Dir {
    let dir = Dir::new();
    tiny_archive(&dir.path("lib/libtiny.a"));
    tiny_user(&dir.path("use.o"));
    dir
}

/// `prog`, compiled from `main_c` (written to `main.c`) and needing each
/// `lib/libNAME.so` of `libs` through `$ORIGIN/lib`, run: what it prints.
pub fn run_prog(dir: &Dir, main_c: &str, libs: &[&str]) -> String {
    dir.write("main.c", main_c);
    let mut args: Vec<String> = vec!["main.c".into(), "-o".into(), "prog".into(), "-Llib".into()];
    args.extend(libs.iter().map(|n| format!("-l{n}")));
    args.push("-Wl,-rpath,$ORIGIN/lib".into());
    gcc(dir.root(), &args);
    sh(&mut Command::new(dir.path("prog")))
}

/// `L/libbig.a` and `big.rsp`: 30,000 long object names and `-lbig`, a
/// command too long for exec, so solink spawns the driver with a response
/// file.
pub fn write_big_link(dir: &Dir) {
    tiny_archive(&dir.path("L/libbig.a"));
    let mut text = String::new();
    for i in 0..30_000 {
        text.push_str(&format!("{}{i}.o\n", "o".repeat(100)));
    }
    text.push_str("-lbig\n");
    dir.write("big.rsp", &text);
}

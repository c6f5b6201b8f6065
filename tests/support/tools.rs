//! Running the tools the tests need, and skipping a test honestly when one
//! is missing.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitStatus, Output, Stdio};

/// Arguments as `OsString`s.
pub fn os(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
}

/// What a finished command left: its status and its output as text (lossy
/// UTF-8). The one shape every test binary reads a run of solink in.
#[derive(Debug)]
pub struct Ran {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// The exit code (`None`: killed by a signal).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn success(&self) -> bool {
        self.status.success()
    }
}

impl From<Output> for Ran {
    fn from(out: Output) -> Ran {
        Ran {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs a command to its end, whatever its status (see [`sh`] for one that
/// must succeed).
pub fn run(cmd: &mut Command) -> Ran {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}")).into()
}

/// Runs a command and asserts success; returns stdout.
pub fn sh(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether a command runs and succeeds, for tests that count failures
/// rather than stop at the first (the corpus).
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}

/// The machine's gcc, run in `dir`.
pub fn gcc_in(dir: &Path) -> Command {
    let mut cmd = Command::new("gcc");
    cmd.current_dir(dir);
    cmd
}

/// `gcc ARGS` in `dir`; asserts success.
pub fn gcc<S: AsRef<OsStr>>(dir: &Path, args: &[S]) {
    sh(gcc_in(dir).args(args));
}

/// Whether `CI` is set (to anything but the empty string): then a test
/// that cannot run is a failure, never a skip.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether the external tool `name` runs (`NAME --version` succeeds). If it
/// does not, says `skipped: NAME not installed` and returns false, so the
/// test returns early; with `CI` set it panics instead.
#[track_caller]
pub fn require_tool(name: &str) -> bool {
    let runs =
        Command::new(name).arg("--version").stdin(Stdio::null()).output().is_ok_and(|o| o.status.success());
    skip_unless(runs, &format!("{name} not installed"))
}

/// `require_tool` for what is not a program (`gcc -m32` compiling): true
/// when `available`; otherwise says `skipped: WHAT` and returns false, or
/// panics with `CI` set.
#[track_caller]
pub fn skip_unless(available: bool, what: &str) -> bool {
    skip_unless_in(available, what, in_ci())
}

/// [`skip_unless`] with `ci` given rather than read (for its own test).
#[track_caller]
pub fn skip_unless_in(available: bool, what: &str, ci: bool) -> bool {
    if available {
        return true;
    }
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    assert!(!ci, "{test}: {what}, and CI is set: a skipped test is a failed test there");
    // libtest captures `eprintln!` and shows it only for a failing test; a
    // write to the stderr handle itself is not captured, so the skip shows
    // in every run, next to the `ok` that would otherwise look like a pass.
    let _ = writeln!(std::io::stderr(), "skipped: {what} ({test})");
    false
}

//! A small builder for solink test runs, in the spirit of ripgrep's `Dir`
//! and `TestCommand`: each test gets its own temporary directory.

#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// The repository's fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
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

    pub fn executable(&self, rel: &str, script: &str) -> PathBuf {
        let p = self.write(rel, script);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
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
[ -n "$FAKECC_SLEEP" ] && sleep "$FAKECC_SLEEP"
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
    pub fn solink(&self) -> TestCommand {
        let mut cmd = Command::new(SOLINK);
        cmd.current_dir(self.root());
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("HOME", self.path("home"));
        cmd.env("XDG_CACHE_HOME", self.path("cache"));
        TestCommand { cmd }
    }
}

pub struct TestCommand {
    pub cmd: Command,
}

impl TestCommand {
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

    pub fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn output(mut self) -> Output {
        self.cmd.output().unwrap()
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

pub fn os(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
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

/// A real, position-independent archive with one member, built once per
/// test run with the machine's gcc and ar, copied to `dest`.
pub fn tiny_archive(dest: &Path) {
    use std::sync::OnceLock;
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("solink-tiny").tempdir().unwrap().keep();
        fs::write(dir.join("tiny.c"), "int tiny_answer(void) { return 42; }\n").unwrap();
        sh(Command::new("gcc").current_dir(&dir).args(["-fPIC", "-c", "tiny.c", "-o", "tiny.o"]));
        sh(Command::new("ar").current_dir(&dir).args(["rcs", "libtiny.a", "tiny.o"]));
        dir.join("libtiny.a")
    });
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    fs::copy(built, dest).unwrap();
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

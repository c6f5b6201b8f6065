//! `SOLINK_LOGFILE`: one JSON record per invocation, appended, for the
//! user whose build system (CMake, ninja, cargo) hid solink's stderr, as
//! ccache's `log_file` is.
//!
//! A record is one line written with one `write(2)` on a file opened with
//! `O_APPEND`, so records from links running in parallel never interleave
//! inside a line (POSIX: each append write is atomic with respect to the
//! file offset; Linux writes a regular file's buffer whole under its lock).
//! An exec never returns, so that record is written just before it.
// A link with a log file is never replayed by direct mode (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use serde_json::{json, Map, Value};

use crate::env::Env;
use crate::settings::table;

/// The variable that names the log (its row in the settings table).
const LOGFILE: &str = table::var("logfile");

/// The record of this invocation, written once.
#[derive(Debug)]
pub struct Log {
    path: Option<PathBuf>,
    record: Map<String, Value>,
    done: bool,
}

impl Log {
    /// A record for `argv` (program name first), if `SOLINK_LOGFILE` names
    /// a file; otherwise a log that writes nothing.
    pub fn new(env: &Env, argv: &[OsString]) -> Log {
        let path = env.get(LOGFILE).filter(|v| !v.is_empty()).map(PathBuf::from);
        let mut record = Map::new();
        if path.is_some() {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            record.insert("time".into(), Value::String(rfc3339(now)));
            record.insert("pid".into(), json!(std::process::id()));
            record.insert("cwd".into(), env.cwd.as_ref().map_or(Value::Null, |d| lossy(d.as_os_str())));
            record.insert("argv".into(), Value::Array(argv.iter().map(|a| lossy(a)).collect()));
            record.insert("version".into(), Value::String(env!("CARGO_PKG_VERSION").into()));
        }
        Log { path, record, done: false }
    }

    /// Whether a record will be written (so the caller can skip building
    /// its parts).
    pub fn wanted(&self) -> bool {
        self.path.is_some() && !self.done
    }

    /// The decisions (the `--format json` object) and the final command.
    pub fn link(&mut self, explain_json: &str, command: &[OsString]) {
        let decisions = serde_json::from_str(explain_json).unwrap_or(Value::Null);
        self.record.insert("decisions".into(), decisions);
        self.record.insert("command".into(), Value::Array(command.iter().map(|a| lossy(a)).collect()));
    }

    /// Just before the driver runs: an exec is written now; a spawn is
    /// written with the driver's status when it returns.
    pub fn before_run(&mut self, exec: bool) {
        if exec {
            self.finish(json!({ "path": "exec" }));
        } else {
            self.record.insert("spawned".into(), Value::Bool(true));
        }
    }

    /// solink returned this status (a spawned driver's, or its own: a dry
    /// run, a management option).
    pub fn status(&mut self, code: u8) {
        let path = if self.record.remove("spawned").is_some() { "spawn" } else { "status" };
        self.finish(json!({ "path": path, "status": code }));
    }

    /// solink refused, with this message.
    pub fn refusal(&mut self, message: &str) {
        self.finish(json!({ "path": "refusal", "message": message, "status": 2 }));
    }

    /// Nothing is to be written for this invocation (`SOLINK_DISABLE`).
    pub fn skip(&mut self) {
        self.done = true;
    }

    fn finish(&mut self, exit: Value) {
        if !self.wanted() {
            return;
        }
        self.done = true;
        let Some(path) = &self.path else { return };
        self.record.insert("exit".into(), exit);
        let mut line = Value::Object(std::mem::take(&mut self.record)).to_string().into_bytes();
        line.push(b'\n');
        // O_NONBLOCK: a FIFO with no reader fails at once rather than
        // hanging the build; O_NOCTTY: a terminal named here does not
        // become solink's controlling terminal.
        let written = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK)
            .open(path)
            .and_then(|mut f| f.write(&line).map(|n| (f, n)));
        let problem = match written {
            Ok((_, n)) if n == line.len() => return,
            Ok((f, n)) => {
                // A record is whole or absent (issue 33 §5): a short write
                // (a full disk, `ulimit -f`) is cut back, so the next record
                // starts a line of its own. O_APPEND put it at the end, so it
                // ends where the file's offset is now.
                use std::io::Seek;
                let mut f = f;
                let cut =
                    f.stream_position().map(|end| end.saturating_sub(n as u64)).and_then(|at| f.set_len(at));
                match cut {
                    Ok(()) => format!("only {n} of {} bytes written; the record was removed", line.len()),
                    Err(e) => {
                        format!("only {n} of {} bytes written, and cutting it back failed: {e}", line.len())
                    }
                }
            }
            Err(e) => e.to_string(),
        };
        // Best effort: the log must not stop the link.
        let _ = writeln!(std::io::stderr().lock(), "{}", crate::explain::log_not_written(path, &problem));
    }
}

fn lossy(s: &std::ffi::OsStr) -> Value {
    Value::String(s.to_string_lossy().into_owned())
}

/// `2026-11-23T01:02:03.456Z` (UTC), from the time since the epoch.
fn rfc3339(since_epoch: std::time::Duration) -> String {
    let secs = crate::text::utc(since_epoch.as_secs() as i64);
    format!("{}.{:03}Z", secs.trim_end_matches('Z'), since_epoch.subsec_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn times() {
        assert_eq!(rfc3339(Duration::ZERO), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(Duration::from_millis(951_782_400_123)), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339(Duration::from_secs(1_795_395_723)), "2026-11-23T01:02:03.000Z");
    }

    #[test]
    fn one_record_per_invocation_whatever_the_way_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let env = Env::new([(OsString::from("SOLINK_LOGFILE"), path.clone().into_os_string())])
            .with_cwd(Some(PathBuf::from("/w")));
        let argv = [OsString::from("solink"), OsString::from("-shared")];
        let mut log = Log::new(&env, &argv);
        log.link(r#"{"schema":1}"#, &[OsString::from("cc")]);
        log.before_run(true);
        log.status(0); // after an exec that failed: not a second record
        let mut log = Log::new(&env, &argv);
        log.refusal("no");
        let mut log = Log::new(&env, &argv);
        log.skip();
        log.status(0);
        let text = std::fs::read_to_string(&path).unwrap();
        let records: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 2, "{text}");
        assert_eq!(records[0]["exit"], json!({"path": "exec"}));
        assert_eq!(records[0]["cwd"], "/w");
        assert_eq!(records[0]["argv"], json!(["solink", "-shared"]));
        assert_eq!(records[0]["decisions"], json!({"schema": 1}));
        assert_eq!(records[0]["command"], json!(["cc"]));
        assert_eq!(records[1]["exit"], json!({"path": "refusal", "message": "no", "status": 2}));
    }
}

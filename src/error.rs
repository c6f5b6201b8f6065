//! solink's own refusals. Each names its culprit and says what to do; the
//! binary prints it as one `solink: ...` line and exits with status 2.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::text::shown;

#[derive(Debug)]
pub enum Error {
    /// solink's own options or variables are wrong.
    Usage {
        message: String,
    },
    /// An `@file` names itself, directly or through others.
    ResponseFileLoop {
        file: OsString,
    },
    /// An option that takes a value ended the command.
    MissingValue {
        option: OsString,
    },
    /// A direct `.a` argument names no file.
    ArchiveNotFound {
        path: PathBuf,
    },
    DriverNotFound {
        name: OsString,
    },
    DriverNotExecutable {
        path: PathBuf,
    },
    DriverExec {
        driver: OsString,
        source: io::Error,
    },
    Output {
        source: io::Error,
    },
    /// The driver is solink itself, or solink is calling solink.
    Recursion,
    /// The response file for a long command cannot be written.
    ResponseFile {
        source: io::Error,
    },
    /// The depfile cannot be written.
    Depfile {
        path: PathBuf,
        source: io::Error,
    },
    /// `--strict` and a warning.
    Strict {
        message: String,
    },
    /// A cache management option with no cache directory to act on.
    NoCacheDir,
    /// `--clear-cache` could not remove the cache.
    CacheClear {
        path: PathBuf,
        source: io::Error,
    },
    /// `--audit` was given a file that does not exist or is not ELF.
    Audit {
        path: PathBuf,
        problem: String,
    },
    /// `SOLINK_DEPTH` (solink's recursion guard) holds something other than
    /// a small number.
    BadDepth {
        value: OsString,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage { message } => write!(f, "{message}"),
            Error::ResponseFileLoop { file } => {
                write!(f, "response file {} includes itself; remove the loop from it", shown(file))
            }
            Error::MissingValue { option } => write!(
                f,
                "{} at the end of the command needs a value; complete the command",
                shown(option)
            ),
            Error::ArchiveNotFound { path } => {
                write!(f, "archive {} does not exist; build it first or fix the path", shown(path))
            }
            Error::DriverNotFound { name } => write!(
                f,
                "cannot find the compiler driver {} on PATH; set --cc or SOLINK_CC to the real compiler",
                shown(name)
            ),
            Error::DriverNotExecutable { path } => write!(
                f,
                "{} is not an executable file; set --cc or SOLINK_CC to the real compiler",
                shown(path)
            ),
            Error::DriverExec { driver, source } => {
                write!(f, "cannot run {}: {source}; check --cc, SOLINK_CC and PATH", shown(driver))
            }
            Error::Output { source } => write!(f, "cannot write to stdout: {source}"),
            Error::Recursion => {
                write!(f, "the real compiler resolves to solink itself (check SOLINK_CC and PATH)")
            }
            Error::ResponseFile { source } => {
                write!(f, "cannot write a response file for a long command: {source}; check TMPDIR")
            }
            Error::Depfile { path, source } => write!(
                f,
                "cannot write the depfile {}: {source}; check that its directory exists and is writable",
                shown(path)
            ),
            Error::Strict { message } => write!(f, "{message} (an error with --strict)"),
            Error::NoCacheDir => write!(
                f,
                "there is no cache directory: set SOLINK_CACHE_DIR (or --cache-dir), XDG_CACHE_HOME or HOME"
            ),
            Error::CacheClear { path, source } => {
                write!(f, "cannot clear the cache at {}: {source}; remove it by hand", shown(path))
            }
            Error::Audit { path, problem } => write!(
                f,
                "cannot audit {}: {problem}; name an executable or a shared object",
                shown(path)
            ),
            Error::BadDepth { value } => write!(
                f,
                "SOLINK_DEPTH={} is not a number; unset it (solink sets it for the driver it runs, to stop loops)",
                shown(value)
            ),
        }
    }
}

/// Messages carry their cause already (anyhow's `{:#}` would print it
/// twice otherwise).
impl std::error::Error for Error {}

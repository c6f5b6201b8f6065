//! solink's own refusals. Each names its culprit and says what to do; the
//! binary prints it as one `solink: ...` line and exits with status 2.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::PathBuf;

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
    /// More `@file` arguments than gcc expands: libiberty's `expandargv`
    /// stops at its 2000th ("too many @-files encountered").
    TooManyResponseFiles {
        /// The command-line `@file` that led there.
        file: OsString,
        limit: usize,
    },
    /// `@file`s larger in all than solink reads.
    ResponseFilesTooLarge {
        file: OsString,
        cap: u64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage { message } => write!(f, "{message}"),
            Error::ResponseFileLoop { file } => {
                write!(f, "response file {} includes itself; remove the loop from it", file.to_string_lossy())
            }
            Error::MissingValue { option } => write!(
                f,
                "{} at the end of the command needs a value; complete the command",
                option.to_string_lossy()
            ),
            Error::ArchiveNotFound { path } => {
                write!(f, "archive {} does not exist; build it first or fix the path", path.display())
            }
            Error::DriverNotFound { name } => write!(
                f,
                "cannot find the compiler driver {} on PATH; set --cc or SOLINK_CC to the real compiler",
                name.to_string_lossy()
            ),
            Error::DriverNotExecutable { path } => write!(
                f,
                "{} is not an executable file; set --cc or SOLINK_CC to the real compiler",
                path.display()
            ),
            Error::DriverExec { driver, source } => {
                write!(f, "cannot run {}: {source}; check --cc, SOLINK_CC and PATH", driver.to_string_lossy())
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
                path.display()
            ),
            Error::Strict { message } => write!(f, "{message} (an error with --strict)"),
            Error::TooManyResponseFiles { file, limit } => write!(
                f,
                "response file {} leads to {limit} @-files, where gcc stops (too many @-files encountered); include each file once",
                file.to_string_lossy()
            ),
            Error::ResponseFilesTooLarge { file, cap } => write!(
                f,
                "response file {} and the files it includes are larger than {} MiB in all; split the link or check the file",
                file.to_string_lossy(),
                cap >> 20
            ),
        }
    }
}

/// Messages carry their cause already (anyhow's `{:#}` would print it
/// twice otherwise).
impl std::error::Error for Error {}

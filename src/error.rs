//! solink's own refusals. Each names its culprit and says what to do; the
//! binary prints it as one `solink: ...` line and exits with status 2.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::text::{listed, shown};

#[derive(Debug)]
pub enum Error {
    /// solink's own options or variables are wrong; the `Usage` names which.
    Usage(Usage),
    /// A path the depfile must list has a newline, which a make rule cannot
    /// hold.
    DepfileNewline {
        path: PathBuf,
    },
    /// An `@file` names itself, directly or through others.
    ResponseFileLoop {
        file: OsString,
    },
    /// An option that takes a value ended the command.
    MissingValue {
        option: OsString,
    },
    /// A state option ld refuses where it stands (issue 31): a
    /// `--pop-state` with nothing pushed, a `--end-group` with no group.
    /// `before` is the option that must come first (`--push-state`,
    /// `--start-group`), `ld_says` ld's own words.
    StateMisuse {
        option: OsString,
        before: &'static str,
        ld_says: &'static str,
    },
    /// Issue 35: the private copy of an embedded archive (`ld -r` through
    /// the driver, then objcopy) could not be made; `said` is the step's
    /// first line.
    NoPrivateCopy {
        archive: PathBuf,
        said: String,
    },
    /// A direct `.a` argument names no file.
    ArchiveNotFound {
        path: PathBuf,
    },
    /// An archive named by path whose member ld pulls is not
    /// position-independent, and no shared twin is beside it (issue 20 §1).
    NotPic {
        archive: PathBuf,
        problem: crate::formats::archive::Problem,
        /// The shared twin's file name that would stand in for it.
        twin: PathBuf,
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
    /// The command is too long for exec, and the driver (nvcc) reads no
    /// response file.
    CommandTooLong {
        driver: OsString,
    },
    /// The response file for a long command cannot be written.
    ResponseFile {
        source: io::Error,
    },
    /// The depfile cannot be written.
    Depfile {
        path: PathBuf,
        source: io::Error,
    },
    /// `--export=@FILE` names a file that cannot be read.
    ExportList {
        path: PathBuf,
        source: io::Error,
    },
    /// The link's version script (or solink's copy of it) cannot be read
    /// or written (issue 23: the exports go into a copy).
    VersionScript {
        path: PathBuf,
        source: io::Error,
    },
    /// `--strict` and warnings: each, already in words.
    Strict {
        warnings: Vec<String>,
    },
    /// A cache management option with no cache directory to act on.
    NoCacheDir,
    /// `--clear-cache` could not remove the cache.
    CacheClear {
        path: PathBuf,
        /// Why the store distrusts it (`fsx::Distrust`), as words: the
        /// error names no type of a higher floor.
        why: String,
    },
    /// `--clear-cache` left some of solink's files in place (a read-only
    /// cache, a directory of another mode), or could not open the cache.
    CacheNotCleared {
        path: PathBuf,
        /// What is left and why, as words.
        problem: String,
    },
    /// ccache runs solink as its compiler (`CC="ccache solink"`).
    CcacheInFront,
    /// `--audit` was given a file that does not exist or is not ELF.
    Audit {
        path: PathBuf,
        problem: String,
    },
    /// `--audit --format debian` needs `dpkg-query`, which cannot run.
    AuditTool {
        format: &'static str,
        tool: &'static str,
        problem: String,
    },
    /// `--audit --embeds` was given a directory that does not exist or
    /// cannot be read.
    EmbedsRoot {
        path: PathBuf,
        problem: String,
    },
    /// `SOLINK_DEPTH` (solink's recursion guard) holds something other than
    /// a small number.
    BadDepth {
        value: OsString,
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
    /// A configuration file exists but cannot be read (or `SOLINK_CONFIG`
    /// names one that does not exist).
    ConfigRead {
        path: PathBuf,
        source: io::Error,
    },
    /// A line of a configuration file: not `key = value`, an unknown key, or
    /// a value the key cannot take.
    ConfigLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// One of solink's options that takes a value is followed by what looks
    /// like a compiler option (`--libsdir -shared`).
    OptionNeedsValue {
        option: String,
        got: OsString,
    },
}

impl fmt::Display for Error {
    // Long on purpose: one arm per error variant: each message in one place.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(usage) => write!(f, "{usage}"),
            Error::DepfileNewline { path } => write!(
                f,
                "\"{}\" has a newline in its name, which a make rule cannot hold; rename it or drop --depfile",
                shown(path)
            ),
            Error::ResponseFileLoop { file } => {
                write!(f, "response file {} includes itself; remove the loop from it", shown(file))
            }
            Error::MissingValue { option } => write!(
                f,
                "{} at the end of the command needs a value; complete the command",
                shown(option)
            ),
            Error::StateMisuse { option, before, ld_says } => write!(
                f,
                "{} has no {before} before it, and ld refuses the link (\"{ld_says}\"); \
                 remove it or add {before} before it",
                shown(option)
            ),
            Error::ExportList { path, source } => write!(
                f,
                "cannot read {} (--export=@FILE, one symbol a line): {source}; fix the path",
                shown(path)
            ),
            Error::VersionScript { path, source } => write!(
                f,
                "cannot read or copy the version script {} to add the exported symbols: {source}",
                shown(path)
            ),
            Error::NoPrivateCopy { archive, said } => write!(
                f,
                "cannot make the private copy of {} for --isolate: {said}; the link did not run. Install \
                 binutils (objcopy), or leave the archive out of --isolate",
                shown(archive)
            ),
            Error::ArchiveNotFound { path } => {
                write!(f, "archive {} does not exist; build it first or fix the path", shown(path))
            }
            Error::NotPic { archive, problem, twin } => write!(
                f,
                "{} is not position-independent ({problem}), ld pulls that member, and no shared twin is \
                 beside it, so ld would refuse the link. Rebuild it with -fPIC (CMake: \
                 POSITION_INDEPENDENT_CODE ON; autotools: --with-pic), or put a shared {} beside it",
                shown(archive),
                shown(twin)
            ),
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
            Error::CommandTooLong { driver } => write!(
                f,
                "the command is too long to run {} and it reads no @file response file; shorten it (fewer or shorter -L and -Xlinker words)",
                shown(driver)
            ),
            Error::ResponseFile { source } => {
                write!(f, "cannot write a response file for a long command: {source}; check TMPDIR")
            }
            Error::Depfile { path, source } => write!(
                f,
                "cannot write the depfile {}: {source}; check that its directory exists and is writable",
                shown(path)
            ),
            Error::NoCacheDir => write!(
                f,
                "there is no cache directory: set SOLINK_CACHE_DIR (or --cache-dir), XDG_CACHE_HOME or HOME"
            ),
            Error::CacheClear { path, why } => write!(
                f,
                "not clearing the cache at {}: it {why}, so what is in it may not be solink's; \
                 make it yours and private (chmod go-w) first",
                shown(path)
            ),
            Error::CacheNotCleared { path, problem } => write!(
                f,
                "the cache at {} is not cleared: {problem}; make it writable (or remount it read-write) \
                 and run --clear-cache again",
                shown(path)
            ),
            Error::CcacheInFront => f.write_str(
                "ccache runs solink as its compiler, so it knows the compiler by solink's file and can serve \
                 objects another compiler made; put solink first (CC=\"solink ccache gcc\"), or keep CC=solink \
                 and set SOLINK_CC=\"ccache gcc\"",
            ),
            Error::AuditTool { format, tool, problem } => write!(
                f,
                "--format {format} asks {tool}, which cannot run ({problem}); use it where {tool} is installed, \
                 or another --format"
            ),
            Error::Audit { path, problem } => write!(
                f,
                "cannot audit {}: {problem}; name an executable or a shared object",
                shown(path)
            ),
            Error::EmbedsRoot { path, problem } => write!(
                f,
                "cannot search {} for --embeds: {problem}; name a directory (or an ELF file) that exists",
                shown(path)
            ),
            Error::BadDepth { value } => write!(
                f,
                "SOLINK_DEPTH={} is not a number; unset it (solink sets it for the driver it runs, to stop loops)",
                shown(value)
            ),
            Error::TooManyResponseFiles { file, limit } => write!(
                f,
                "response file {} leads to {limit} @-files, where gcc stops (too many @-files encountered); include each file once",
                shown(file)
            ),
            Error::ResponseFilesTooLarge { file, cap } => write!(
                f,
                "response file {} and the files it includes are larger than {} MiB in all; split the link or check the file",
                shown(file),
                cap >> 20
            ),
            Error::ConfigRead { path, source } => write!(
                f,
                "cannot read the configuration file {}: {source}; fix it or point SOLINK_CONFIG elsewhere",
                shown(path)
            ),
            Error::ConfigLine { path, line, message } => write!(f, "{}:{line}: {message}", shown(path)),
            Error::OptionNeedsValue { option, got } => write!(
                f,
                "{option} needs a value (got {}, which looks like a compiler option); write {option}=VALUE",
                shown(got)
            ),
            // One `solink: ` line per warning; the binary prefixes the first.
            Error::Strict { warnings } => {
                for (i, w) in warnings.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "\nsolink: " };
                    write!(f, "{sep}{w} (an error with --strict)")?;
                }
                Ok(())
            }
        }
    }
}

/// Which of solink's own settings is wrong.
#[derive(Debug)]
pub enum Usage {
    /// clap's complaint about solink's own command-line options (its first
    /// line, which names the option).
    Options { message: String },
    /// A boolean variable (`SOLINK_STRICT=maybe`).
    NotABoolean { variable: String, value: String },
    /// `SOLINK_FORMAT` is none of `formats` (`--format`'s row's choices).
    UnknownFormat { value: String, formats: &'static [&'static str] },
    /// A record format of `--audit`'s (`records`, or `SOLINK_FORMAT`) with
    /// `--explain`, which prints only the `plain` ones.
    FormatNotForExplain { plain: Vec<&'static str>, records: Vec<&'static str> },
    /// `--cc`/`SOLINK_CC` cannot be split into words.
    DriverQuoting { command: String, reason: String },
    /// `--cc`/`SOLINK_CC` holds no word.
    EmptyDriver,
    /// `--audit` names no file.
    AuditWithoutFiles,
    /// `--embeds` with a value that is not `NAME` or `NAME=SHA256`.
    BadEmbeds { value: String, why: String },
    /// `--audit --embeds NAME` names no directory.
    EmbedsWithoutDirs,
    /// `--embeds` without `--audit`.
    EmbedsWithoutAudit,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Usage::Options { message } => write!(f, "{message}"),
            Usage::NotABoolean { variable, value } => {
                write!(f, "{variable}={value} is not a boolean; set it to 1 or 0")
            }
            Usage::UnknownFormat { value, formats } => {
                write!(f, "SOLINK_FORMAT={value} is not a format; use {}", listed(formats, "or"))
            }
            Usage::FormatNotForExplain { plain, records } => write!(
                f,
                "--explain prints {plain}; {} are forms of --audit's report (set --format {plain})",
                listed(records, "and"),
                plain = listed(plain, "or"),
            ),
            Usage::DriverQuoting { command, reason } => {
                write!(f, "cannot split the driver command {command:?}: {reason}; check its quoting")
            }
            Usage::EmptyDriver => write!(f, "the driver command given by --cc/SOLINK_CC is empty"),
            Usage::AuditWithoutFiles => write!(f, "--audit needs at least one file: solink --audit FILE..."),
            Usage::BadEmbeds { value, why } => write!(
                f,
                "--embeds {value}: {why}; write --embeds NAME or --embeds NAME=SHA256 (sha256sum libNAME.a)"
            ),
            Usage::EmbedsWithoutDirs => write!(
                f,
                "--audit --embeds needs at least one directory: solink --audit --embeds NAME[=SHA256] DIR..."
            ),
            Usage::EmbedsWithoutAudit => {
                write!(f, "--embeds goes with --audit: solink --audit --embeds NAME[=SHA256] DIR...")
            }
        }
    }
}

/// Messages carry their cause already (anyhow's `{:#}` would print it
/// twice otherwise).
impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each refusal that used to share `Usage { message }` names its culprit.
    #[test]
    fn each_usage_error_names_its_culprit() {
        let cases = [
            (
                Usage::NotABoolean { variable: "SOLINK_STRICT".into(), value: "maybe".into() },
                "SOLINK_STRICT=maybe",
            ),
            (Usage::UnknownFormat { value: "xml".into(), formats: &["text", "json"] }, "SOLINK_FORMAT=xml"),
            (Usage::DriverQuoting { command: "gcc '".into(), reason: "missing quote".into() }, "\"gcc '\""),
            (Usage::EmptyDriver, "--cc/SOLINK_CC"),
            (Usage::Options { message: "unexpected argument '--bogus'".into() }, "--bogus"),
            (Usage::BadEmbeds { value: "z=12".into(), why: "not a digest".into() }, "--embeds z=12"),
        ];
        for (usage, culprit) in cases {
            let text = Error::Usage(usage).to_string();
            assert!(text.contains(culprit), "{text}");
            assert_eq!(text.lines().count(), 1, "{text}");
        }
        let text = Error::DepfileNewline { path: PathBuf::from("a\nb.a") }.to_string();
        assert!(text.contains("\"a\\nb.a\"") && text.lines().count() == 1, "{text}");
    }
}

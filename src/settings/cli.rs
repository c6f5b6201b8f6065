//! solink's own options, from the command line and the environment.
//!
//! Only solink's options go through clap. They must come first; the first
//! token that is not one of them (or `--`) starts the gcc command line,
//! which clap never sees, so a gcc option can never be taken for one of
//! solink's or rejected as unknown.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::parser::ValueSource;
use clap::{value_parser, Arg, ArgAction, Command};

use crate::env::Env;
use crate::error::{Error, Usage};
use crate::policy::RpathForm;
use crate::rewrite::Select;
use crate::settings::config::parse_bool;
use crate::settings::table::{by_flag, Kind, Takes, FORMATS, RPATH_FORMS, SETTINGS};

/// The text of `--solink-help` around the options.
const ABOUT: &str =
    "A drop-in for `gcc -shared` that embeds the static archives a shared library links against.";
const USAGE: &str = "solink [OPTIONS] [--] ARGS...\n       solink [OPTIONS] DRIVER ARGS...";
const AFTER_HELP: &str = "Each option shown with [env: VAR] also has that environment variable and a key in \
                          the configuration file, the variable without SOLINK_ in lower case (see \
                          docs/usage.md); the command line wins over the environment, which wins over \
                          ~/.config/solink/solink.conf, which wins over /etc/solink.conf. The options that \
                          act and exit (--audit, --show-config, ...) have neither.\n\n\
                          --version, --help, -v, -dumpversion and -dumpmachine are the compiler's: \
                          `solink --version` prints the driver's version, so that a build system that \
                          probes CC=solink sees the real compiler. solink's own version: --solink-version, \
                          --show-config, or solink with no arguments.";

/// solink's options as clap sees them, built from the table: for help,
/// the man page, completions and every reading the quick one leaves.
pub(crate) fn command() -> Command {
    let args = SETTINGS.iter().filter_map(|s| {
        let flag = s.flag?;
        let arg = Arg::new(flag).long(flag).help(s.help);
        let arg = match s.kind.takes() {
            Takes::Nothing => arg,
            Takes::Value | Takes::EqualsOnly => arg.value_name(s.value_name),
        };
        let arg = match s.missing_value() {
            Some(missing) => arg.num_args(0..=1).require_equals(true).default_missing_value(missing),
            None => arg,
        };
        Some(match s.kind {
            Kind::Flag | Kind::Act => arg.action(ArgAction::SetTrue),
            Kind::Help => arg.action(ArgAction::Help),
            Kind::Version => arg.action(ArgAction::Version),
            Kind::Path => arg.action(ArgAction::Set).value_parser(value_parser!(PathBuf)),
            Kind::Paths => arg.action(ArgAction::Append).value_parser(value_parser!(PathBuf)),
            Kind::Names | Kind::Select => arg.action(ArgAction::Append).value_parser(value_parser!(OsString)),
            Kind::Command | Kind::ActValue => {
                arg.action(ArgAction::Set).value_parser(value_parser!(OsString))
            }
            Kind::Format | Kind::Rpath | Kind::Shell => {
                arg.action(ArgAction::Set).value_parser(PossibleValuesParser::new(s.choices.iter().copied()))
            }
        })
    });
    Command::new("solink")
        .version(env!("CARGO_PKG_VERSION"))
        .about(ABOUT)
        .override_usage(USAGE)
        .after_help(AFTER_HELP)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .args(args)
}

/// solink's options as given: per row of [`SETTINGS`], the value of each
/// time the option was given (empty for a flag). The quick reader and clap
/// both give this, so they can be held equal.
#[derive(Debug, Default, PartialEq, Eq)]
struct Given {
    values: Vec<Vec<OsString>>,
}

impl Given {
    fn new() -> Given {
        Given { values: vec![Vec::new(); SETTINGS.len()] }
    }

    fn present(&self, row: usize) -> bool {
        !self.values[row].is_empty()
    }

    /// The values of the row's option; none when it was not given.
    fn values(&self, row: usize) -> Vec<OsString> {
        self.values[row].clone()
    }

    fn value(&self, row: usize) -> Option<OsString> {
        self.values[row].last().cloned()
    }
}

/// The row of the option or key `$name`, found when solink is compiled: a
/// name that is no row's does not compile.
macro_rules! row {
    ($name:literal) => {
        const { crate::settings::table::row($name) }
    };
}

/// The variable of a setting's row.
fn var(row: usize) -> &'static str {
    SETTINGS[row].var.unwrap_or_else(|| unreachable!("{:?} has no variable", SETTINGS[row].flag))
}

/// The form of `--explain` and `--audit` output (`--format`, `SOLINK_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    /// One JSON document for tools.
    Json,
    /// `--audit` only: a CycloneDX 1.5 JSON document per FILE.
    CycloneDx,
    /// `--audit` only: an SPDX 2.3 JSON document per FILE.
    Spdx,
    /// `--audit` only: Debian's `Static-Built-Using` field.
    Debian,
    /// `--audit` only: Fedora's `Provides: bundled(NAME) = VERSION` lines.
    Rpm,
}

impl Format {
    /// Every format, in the order of [`FORMATS`], which spells them: the
    /// length is the table's, and `formats_are_read_by_position` holds the
    /// order.
    const ALL: [Format; FORMATS.len()] =
        [Format::Text, Format::Json, Format::CycloneDx, Format::Spdx, Format::Debian, Format::Rpm];

    /// The format `value` names, as the table spells it.
    fn named(value: &OsStr) -> Option<Format> {
        FORMATS.iter().position(|f| value == *f).map(|i| Format::ALL[i])
    }

    /// The format's name, as the table spells it.
    pub fn name(self) -> &'static str {
        FORMATS[self as usize]
    }

    /// A record of files, which only `--audit` writes.
    pub fn is_record(self) -> bool {
        !matches!(self, Format::Text | Format::Json)
    }

    /// The names of the formats that are records (`records`) or not.
    fn names(records: bool) -> Vec<&'static str> {
        Format::ALL.iter().zip(FORMATS).filter(|(f, _)| f.is_record() == records).map(|(_, n)| *n).collect()
    }
}

/// solink's settings, with the environment already folded in.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub libsdir: Vec<PathBuf>,
    pub workspace: Option<PathBuf>,
    pub no_system_dirs: bool,
    /// `--cc` or `SOLINK_CC`, split into program and arguments.
    pub cc: Option<Vec<OsString>>,
    /// The driver was named on solink's command line (`--cc`), so the
    /// launcher form does not apply.
    pub cc_on_command_line: bool,
    pub dry_run: bool,
    pub explain: bool,
    pub embed: Vec<OsString>,
    pub no_embed: Vec<OsString>,
    pub strict: bool,
    pub no_deps: bool,
    /// `--no-programs`: a program's link passes through unchecked.
    pub no_programs: bool,
    pub archive_first: bool,
    pub no_group: bool,
    pub whole_archive: Select,
    pub hide: Select,
    /// `--isolate`: embedded archives linked as private copies (issue 35).
    pub isolate: Select,
    /// `--export`: symbol names, and `@FILE`s of names (read at the link).
    pub export: Vec<OsString>,
    /// `--export-archive`: library names.
    pub export_archive: Vec<OsString>,
    /// `--rpath-dynamic[=FORM]`: `None` when off.
    pub rpath_dynamic: Option<RpathForm>,
    pub depfile: Option<PathBuf>,
    pub print_resolved: bool,
    /// `--format` or `SOLINK_FORMAT`.
    pub format: Format,
    /// `--cache-dir` or `SOLINK_CACHE_DIR`.
    pub cache_dir: Option<PathBuf>,
    pub no_cache: bool,
    /// `--hermetic` or `SOLINK_HERMETIC`: no configuration file, no `.pc`
    /// beyond `PKG_CONFIG_PATH`, no cache (issue 33 §6).
    pub hermetic: bool,
    /// `SOLINK_DISABLE`: pass everything through untouched.
    pub disable: bool,
    /// One-line notes for a person (near misses of solink's options), to
    /// print on stderr; they change nothing.
    pub notes: Vec<String>,
    /// The settings given on the command line, as configuration keys and
    /// values (`libsdir`, `/a:/b`), for `--show-config`.
    pub command_line: Vec<(String, String)>,
}

/// solink's management options: they act on solink itself and exit, as
/// ccache's `--clear` and `--show-stats` do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manage {
    ClearCache,
    ShowCache,
    ShowConfig,
    /// `--audit FILE...`: the files are the arguments after solink's options.
    Audit(Vec<PathBuf>),
    /// `--audit --embeds NAME[=SHA256] DIR...`.
    Embeds(crate::audit::embeds::Query, Vec<PathBuf>),
}

/// What solink was asked to do.
#[derive(Debug)]
pub enum Parsed {
    /// `--solink-help`, `--solink-version`, `--man` or `--completions`: the
    /// text to print on stdout.
    Info(String),
    /// Link (or pass through): solink's options and the driver's arguments.
    Run(Box<Options>, Vec<OsString>),
    /// A management option, with the settings it needs.
    Manage(Manage, Box<Options>),
}

/// Splits argv (without the program name) into solink's options and the
/// rest, and folds in the environment. (Long because it is one flat
/// struct literal: a line per option, each with its variable's fallback;
/// splitting it would scatter the option table.)
pub fn parse(argv: Vec<OsString>, env: &Env) -> Result<Parsed, Error> {
    let split = own_options_len(&argv)?;
    let mut rest = argv;
    let own: Vec<OsString> = rest.drain(..split).collect();
    let last_own = own.last().cloned();
    let command_line = settings_given(&own);
    if rest.first().is_some_and(|t| t == "--") {
        rest.remove(0);
    }
    // clap is built only when the quick reading cannot vouch for its
    // answer: its Command costs a sixth of a millisecond per link, most of
    // solink's own time on a warm one (docs/performance.md).
    let given = match quick(&own) {
        Some(given) => given,
        None => match clap_parse(own) {
            Ok(given) => given,
            Err(e) => match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    return Ok(Parsed::Info(e.render().to_string()))
                }
                _ => {
                    return Err(Error::Usage(Usage::Options { message: first_line(&e.render().to_string()) }))
                }
            },
        },
    };
    if let Some(shell) = given.value(row!("completions")) {
        let shell = <clap_complete::Shell as clap::ValueEnum>::from_str(&shell.to_string_lossy(), false)
            .unwrap_or_else(|_| unreachable!("clap has checked the shell"));
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut command(), "solink", &mut out);
        return Ok(Parsed::Info(String::from_utf8_lossy(&out).into_owned()));
    }
    if given.present(row!("man")) {
        let mut out = Vec::new();
        crate::settings::man::render(command(), &mut out).map_err(|e| Error::Output { source: e })?;
        return Ok(Parsed::Info(String::from_utf8_lossy(&out).into_owned()));
    }
    let path =
        |name| given.value(name).map(PathBuf::from).or_else(|| nonempty(env, var(name)).map(PathBuf::from));
    let flag = |name| Ok::<bool, Error>(given.present(name) || env_flag(env, var(name))?);
    let names = |name| names_or_env(given.values(name), env, var(name));
    let selected = |name| select(given.values(name), env, var(name));
    let options = Options {
        libsdir: match given.values(row!("libsdir")) {
            dirs if dirs.is_empty() => env.get(var(row!("libsdir"))).map(split_dir_list).unwrap_or_default(),
            dirs => dirs.into_iter().map(PathBuf::from).collect(),
        },
        workspace: path(row!("workspace")),
        no_system_dirs: flag(row!("no-system-dirs"))?,
        cc_on_command_line: given.present(row!("cc")),
        cc: match given.value(row!("cc")).or_else(|| nonempty(env, var(row!("cc"))).map(OsStr::to_owned)) {
            Some(cc) => Some(split_command(&cc)?),
            None => None,
        },
        dry_run: flag(row!("dry-run"))?,
        explain: flag(row!("explain"))?,
        embed: names(row!("embed")),
        no_embed: names(row!("no-embed")),
        strict: flag(row!("strict"))?,
        no_deps: flag(row!("no-deps"))?,
        no_programs: flag(row!("no-programs"))?,
        archive_first: flag(row!("archive-first"))?,
        no_group: flag(row!("no-group"))?,
        whole_archive: selected(row!("whole-archive")),
        hide: selected(row!("hide")),
        isolate: selected(row!("isolate")),
        export: names(row!("export")),
        export_archive: names(row!("export-archive")),
        rpath_dynamic: match given.value(row!("rpath-dynamic")) {
            Some(form) => rpath_form(&form.to_string_lossy()),
            None => rpath_from_env(env)?,
        },
        depfile: path(row!("depfile")),
        print_resolved: given.present(row!("print-resolved")),
        cache_dir: path(row!("cache-dir")),
        // A hermetic run uses no cache (issue 33 §6).
        no_cache: flag(row!("no-cache"))? || flag(row!("hermetic"))?,
        hermetic: flag(row!("hermetic"))?,
        disable: env_flag(env, var(row!("disable")))?,
        notes: near_misses(last_own.as_deref(), &rest, env),
        command_line,
        format: match given
            .value(row!("format"))
            .or_else(|| env.get(var(row!("format"))).map(OsStr::to_owned))
        {
            None => Format::Text,
            Some(f) if f.is_empty() => Format::Text,
            Some(f) => Format::named(&f).ok_or_else(|| {
                Error::Usage(Usage::UnknownFormat {
                    value: f.to_string_lossy().into_owned(),
                    formats: FORMATS,
                })
            })?,
        },
    };
    let audit = given.present(row!("audit"));
    // A record describes files, not a link's decisions.
    if options.format.is_record() && options.explain && !audit {
        return Err(Error::Usage(Usage::FormatNotForExplain {
            plain: Format::names(false),
            records: Format::names(true),
        }));
    }
    if given.present(row!("clear-cache")) {
        return Ok(Parsed::Manage(Manage::ClearCache, Box::new(options)));
    }
    if given.present(row!("show-cache")) {
        return Ok(Parsed::Manage(Manage::ShowCache, Box::new(options)));
    }
    if given.present(row!("show-config")) {
        return Ok(Parsed::Manage(Manage::ShowConfig, Box::new(options)));
    }
    match (given.value(row!("embeds")), audit) {
        (Some(_), false) => return Err(Error::Usage(Usage::EmbedsWithoutAudit)),
        (Some(value), true) => {
            let query = crate::audit::embeds::Query::parse(&value)?;
            let dirs = rest.into_iter().map(PathBuf::from).collect();
            return Ok(Parsed::Manage(Manage::Embeds(query, dirs), Box::new(options)));
        }
        (None, _) => {}
    }
    if audit {
        let files = rest.into_iter().map(PathBuf::from).collect();
        return Ok(Parsed::Manage(Manage::Audit(files), Box::new(options)));
    }
    Ok(Parsed::Run(Box::new(options), rest))
}

/// A variable's value, unless it is unset or empty.
fn nonempty<'e>(env: &'e Env, name: &str) -> Option<&'e OsStr> {
    env.get(name).filter(|v| !v.is_empty())
}

/// solink's settings from the environment alone (a masquerading solink).
pub fn from_env(env: &Env) -> Result<Options, Error> {
    match parse(Vec::new(), env)? {
        Parsed::Run(options, _) => Ok(*options),
        Parsed::Info(_) | Parsed::Manage(..) => unreachable!("no arguments ask for no help"),
    }
}

/// solink's options as clap reads them: help, version, management options
/// and every mistake, with clap's own message.
fn clap_parse(own: Vec<OsString>) -> Result<Given, clap::Error> {
    let argv = std::iter::once(OsString::from("solink")).chain(own);
    let matches = command().try_get_matches_from(argv)?;
    let mut given = Given::new();
    for (values, s) in given.values.iter_mut().zip(SETTINGS) {
        let Some(flag) = s.flag else { continue };
        if matches.value_source(flag) != Some(ValueSource::CommandLine) {
            continue;
        }
        *values = match s.kind.takes() {
            Takes::Nothing => vec![OsString::new()],
            Takes::Value | Takes::EqualsOnly => {
                matches.get_raw(flag).into_iter().flatten().map(OsStr::to_owned).collect()
            }
        };
    }
    Ok(given)
}

fn takes(name: &[u8]) -> Option<Takes> {
    by_flag(name).map(|i| SETTINGS[i].kind.takes())
}

/// One of solink's options in `own`: its row and its value, if any.
struct OwnOption<'a> {
    row: usize,
    value: Option<&'a OsStr>,
}

/// solink's options in `own` (already split off by [`own_options_len`]),
/// one by one.
fn own_options(own: &[OsString]) -> impl Iterator<Item = OwnOption<'_>> {
    let mut i = 0;
    std::iter::from_fn(move || {
        let long = own.get(i)?.as_bytes().strip_prefix(b"--")?;
        i += 1;
        let (name, value) = match long.iter().position(|&c| c == b'=') {
            Some(eq) => (&long[..eq], Some(OsStr::from_bytes(&long[eq + 1..]))),
            None => (long, None),
        };
        let row = by_flag(name)?;
        let value = match (SETTINGS[row].kind.takes(), value) {
            (Takes::Value, None) => {
                i += 1;
                own.get(i - 1).map(OsString::as_os_str)
            }
            (_, value) => value,
        };
        Some(OwnOption { row, value })
    })
}

/// solink's options read without clap, for the forms a build uses; `None`
/// for anything else (help, management options, a repeated option, an
/// empty or odd value), which clap then reads and judges. Where this gives
/// an answer it is clap's (`quick_reading_is_clap_s`, a property test).
fn quick(own: &[OsString]) -> Option<Given> {
    let mut given = Given::new();
    for OwnOption { row, value } in own_options(own) {
        let kind = SETTINGS[row].kind;
        if !given.values[row].is_empty() && !kind.repeats() {
            return None;
        }
        if value.is_some_and(|v| v.is_empty() || v.as_bytes().starts_with(b"-")) {
            return None;
        }
        let value = match (kind, value) {
            (Kind::Flag, None) => OsString::new(),
            (Kind::Select | Kind::Rpath, None) => SETTINGS[row].missing_value()?.into(),
            (Kind::Format | Kind::Rpath, Some(v)) => {
                SETTINGS[row].choices.iter().find(|c| v.as_bytes() == c.as_bytes())?.into()
            }
            (Kind::Path | Kind::Paths | Kind::Names | Kind::Command | Kind::Select, Some(v)) => v.to_owned(),
            _ => return None,
        };
        given.values[row].push(value);
    }
    Some(given)
}

/// How many leading tokens are solink's own options (with their values).
/// An option whose separate value looks like a compiler option is refused
/// by name (`--libsdir -shared`), rather than handed to clap, which would
/// read `-shared` as short flags and complain about `-s`.
fn own_options_len(argv: &[OsString]) -> Result<usize, Error> {
    let mut i = 0;
    while i < argv.len() {
        let Some(long) = argv[i].as_bytes().strip_prefix(b"--") else {
            break;
        };
        let (name, inline_value) = match long.iter().position(|&c| c == b'=') {
            Some(eq) => (&long[..eq], true),
            None => (long, false),
        };
        let Some(takes) = takes(name) else {
            break;
        };
        let separate_value = takes == Takes::Value && !inline_value;
        if separate_value {
            if let Some(got) = argv.get(i + 1).filter(|v| v.len() > 1 && v.as_bytes().starts_with(b"-")) {
                return Err(Error::OptionNeedsValue {
                    option: format!("--{}", String::from_utf8_lossy(name)),
                    got: got.clone(),
                });
            }
        }
        i += if separate_value { 2 } else { 1 };
    }
    Ok(i.min(argv.len()))
}

/// solink's options in `own` that are settings, as (configuration key,
/// value): `--libsdir /a --libsdir=/b` is `libsdir = /a:/b`, a flag is
/// `true`, `--hide` alone is `1`. Management options are not settings.
fn settings_given(own: &[OsString]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for OwnOption { row, value } in own_options(own) {
        let setting = &SETTINGS[row];
        let Some(key) = setting.key else { continue };
        let value = match (value, setting.kind.takes()) {
            (Some(v), _) => v.to_string_lossy().into_owned(),
            (None, Takes::EqualsOnly) => "1".to_string(),
            (None, _) => "true".to_string(),
        };
        match out.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => {
                v.push(':');
                v.push_str(&value);
            }
            None => out.push((key.to_string(), value)),
        }
    }
    out
}

/// gcc's own options spelled with `--` (from gcc.cc's `option_map`, as
/// `strings $(which gcc)` lists them in gcc 12). gcc also takes a unique
/// prefix of one (`--verb`), so a prefix of any of these is gcc's too.
const GCC_LONG: &[&str] = &[
    "all-warnings",
    "ansi",
    "assemble",
    "assert",
    "comments",
    "comments-in-macros",
    "compile",
    "completion",
    "coverage",
    "debug",
    "define-macro",
    "dependencies",
    "dump",
    "dumpbase",
    "dumpbase-ext",
    "dumpdir",
    "entry",
    "extra-warnings",
    "for-assembler",
    "for-linker",
    "force-link",
    "help",
    "imacros",
    "include",
    "include-barrier",
    "include-directory",
    "include-directory-after",
    "include-prefix",
    "include-with-prefix",
    "include-with-prefix-after",
    "include-with-prefix-before",
    "jobserver-auth",
    "language",
    "library-directory",
    "machine",
    "no-canonical-prefixes",
    "no-integrated-cpp",
    "no-line-commands",
    "no-standard-includes",
    "no-standard-libraries",
    "no-sysroot-suffix",
    "no-warnings",
    "optimize",
    "output",
    "output-pch",
    "param",
    "pass-exit-codes",
    "pedantic",
    "pedantic-errors",
    "pie",
    "pipe",
    "prefix",
    "preprocess",
    "print-file-name",
    "print-libgcc-file-name",
    "print-missing-file-dependencies",
    "print-multi-directory",
    "print-multi-lib",
    "print-multi-os-directory",
    "print-multiarch",
    "print-prog-name",
    "print-search-dirs",
    "print-sysroot",
    "print-sysroot-headers-suffix",
    "profile",
    "save-temps",
    "script",
    "shared",
    "specs",
    "static",
    "static-pie",
    "std",
    "symbolic",
    "sysroot",
    "target-help",
    "time",
    "trace-includes",
    "traditional",
    "traditional-cpp",
    "trigraphs",
    "undefine-macro",
    "user-dependencies",
    "verbose",
    "version",
    "write-dependencies",
    "write-user-dependencies",
];

/// Whether `--NAME` is an option gcc takes: one of [`GCC_LONG`], a prefix of
/// one, or one of its families (`--warn-X` is `-WX`, `--machine-X` is `-mX`).
fn is_gcc_long(name: &[u8]) -> bool {
    let name = String::from_utf8_lossy(name);
    ["warn-", "machine-", "machine=", "param=", "help="].iter().any(|f| name.starts_with(f))
        || GCC_LONG.iter().any(|o| o.starts_with(&*name))
}

/// One note per token that gcc would reject and that is a near miss of one
/// of solink's options: `--libdir`, `--explian`, `--no-embedd`, or
/// `--hide calcbase` (a name that only `--hide=NAME` takes). They are notes
/// only: the token still goes to the compiler as it is.
fn near_misses(last_own: Option<&OsStr>, rest: &[OsString], env: &Env) -> Vec<String> {
    let mut notes = Vec::new();
    // `--hide NAME` with a space: NAME is no driver and no file, only a
    // mistake for `--hide=NAME`.
    if let (Some(option @ ("--hide" | "--whole-archive")), Some(next)) =
        (last_own.and_then(OsStr::to_str), rest.first())
    {
        let word = next.as_bytes();
        let plain = !word.is_empty() && word.iter().all(|c| c.is_ascii_alphanumeric() || b"_+-".contains(c));
        // A note only, printed before any answer is recorded or replayed.
        #[allow(clippy::disallowed_methods)]
        let is_file = || std::path::Path::new(next).exists();
        if plain && !word.starts_with(b"-") && crate::exec::find_program(next, env).is_none() && !is_file() {
            notes.push(format!(
                "did you mean {option}={}? (passed to the compiler as is)",
                String::from_utf8_lossy(word)
            ));
        }
    }
    // A token after -Xlinker (and its kin) is a value for another tool.
    let is_value = |i: usize| {
        i > 0 && matches!(rest[i - 1].as_bytes(), b"-Xlinker" | b"-Xassembler" | b"-Xpreprocessor" | b"-o")
    };
    let candidates: Vec<OsString> = rest
        .iter()
        .enumerate()
        .filter(|(i, _)| !is_value(*i))
        .map(|(_, t)| t)
        .filter(|t| t.len() > 2 && t.as_bytes().starts_with(b"--"))
        .filter(|t| {
            let long = &t.as_bytes()[2..];
            let name = long.split(|&c| c == b'=').next().unwrap_or_default();
            !is_gcc_long(name)
        })
        .cloned()
        .collect();
    if candidates.is_empty() {
        return notes;
    }
    for token in candidates {
        let long = String::from_utf8_lossy(&token.as_bytes()[2..]).into_owned();
        let name = long.split('=').next().unwrap_or_default();
        let best =
            SETTINGS.iter().filter_map(|s| s.flag).map(|o| (strsim::damerau_levenshtein(name, o), o)).min();
        match best {
            Some((0, o)) => notes.push(format!(
                "--{o} is solink's option, but it comes after the compiler's arguments; \
                 put it first (passed to the compiler as is)"
            )),
            Some((d, o)) if d <= 2 && d < name.len() / 2 + 1 => {
                notes.push(format!("did you mean --{o}? (passed to the compiler as is)"))
            }
            _ => {}
        }
    }
    notes
}

/// `SOLINK_LIBSDIR` is a list separated by `:` or whitespace.
fn split_dir_list(value: &OsStr) -> Vec<PathBuf> {
    value
        .as_bytes()
        .split(|c| *c == b':' || c.is_ascii_whitespace())
        .filter(|d| !d.is_empty())
        .map(|d| PathBuf::from(OsStr::from_bytes(d)))
        .collect()
}

/// A list of names from the command line, else from a variable (separated
/// by `:`, `,` or whitespace).
fn names_or_env(cli: Vec<OsString>, env: &Env, name: &str) -> Vec<OsString> {
    if !cli.is_empty() {
        return cli;
    }
    env.get(name)
        .map(|v| {
            v.as_bytes()
                .split(|c| matches!(c, b':' | b',') || c.is_ascii_whitespace())
                .filter(|n| !n.is_empty())
                .map(|n| OsStr::from_bytes(n).to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `--whole-archive` (all) or `--whole-archive=NAME`; the variable takes
/// `1`/`all` or a list of names.
fn select(cli: Vec<OsString>, env: &Env, name: &str) -> Select {
    let from_env = cli.is_empty();
    let values = if from_env {
        match env.get(name).map(|v| v.to_string_lossy().to_ascii_lowercase()) {
            None => return Select::None,
            Some(v) if matches!(v.as_str(), "" | "0" | "false" | "no" | "off") => return Select::None,
            Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on" | "all") => return Select::All,
            Some(_) => names_or_env(Vec::new(), env, name),
        }
    } else {
        cli
    };
    if values.iter().any(|v| v.is_empty()) {
        Select::All
    } else {
        Select::Names(values)
    }
}

/// `--cc "ccache gcc"`: a program and its arguments, split as a shell would.
fn split_command(value: &OsStr) -> Result<Vec<OsString>, Error> {
    // A value that is not UTF-8 cannot be split by shell-words; it can only
    // be a program path, so take it whole.
    let Some(text) = value.to_str() else {
        return Ok(vec![value.to_owned()]);
    };
    let words = shell_words::split(text).map_err(|e| {
        Error::Usage(Usage::DriverQuoting { command: text.to_string(), reason: e.to_string() })
    })?;
    if words.is_empty() {
        return Err(Error::Usage(Usage::EmptyDriver));
    }
    Ok(words.into_iter().map(OsString::from).collect())
}

/// A boolean variable: unset, empty or `0`/`false`/`no`/`off` is off;
/// `1`/`true`/`yes`/`on` is on; anything else is a mistake worth naming.
fn env_flag(env: &Env, name: &str) -> Result<bool, Error> {
    let Some(value) = env.get(name) else {
        return Ok(false);
    };
    let value = value.to_string_lossy();
    parse_bool(&value).ok_or_else(|| {
        Error::Usage(Usage::NotABoolean { variable: name.to_string(), value: value.to_ascii_lowercase() })
    })
}

/// The forms of `--rpath-dynamic`, in the order of [`RPATH_FORMS`], which
/// spells them (`rpath_forms_are_read_by_position`).
const RPATH: [RpathForm; RPATH_FORMS.len()] = [RpathForm::Absolute, RpathForm::Origin];

/// The form one of [`RPATH_FORMS`] names (clap and the quick reader have
/// checked it).
fn rpath_form(value: &str) -> Option<RpathForm> {
    RPATH_FORMS.iter().position(|f| *f == value).map(|i| RPATH[i])
}

/// `SOLINK_RPATH_DYNAMIC`: a boolean, or one of [`RPATH_FORMS`].
fn rpath_from_env(env: &Env) -> Result<Option<RpathForm>, Error> {
    let name = const { crate::settings::table::var("rpath-dynamic") };
    match env.get(name).map(|v| v.to_string_lossy().to_ascii_lowercase()) {
        Some(v) if RPATH_FORMS.contains(&v.as_str()) => Ok(rpath_form(&v)),
        _ => Ok(env_flag(env, name)?.then_some(RpathForm::Absolute)),
    }
}

fn first_line(rendered: &str) -> String {
    let line = rendered.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::new(vars.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))))
    }

    fn run(argv: &[&str], vars: &[(&str, &str)]) -> (Options, Vec<OsString>) {
        match parse(os(argv), &env(vars)).unwrap() {
            Parsed::Run(o, rest) => (*o, rest),
            Parsed::Info(text) => panic!("unexpected info: {text}"),
            Parsed::Manage(m, _) => panic!("unexpected {m:?}"),
        }
    }

    #[test]
    fn own_options_stop_at_the_first_foreign_token() {
        let (o, rest) = run(&["--libsdir", "/a", "--libsdir=/b", "--explain", "-shared", "--explain"], &[]);
        assert_eq!(o.libsdir, [PathBuf::from("/a"), PathBuf::from("/b")]);
        assert!(o.explain);
        assert_eq!(rest, os(&["-shared", "--explain"]));
    }

    #[test]
    fn double_dash_ends_own_options() {
        let (o, rest) = run(&["--dry-run", "--", "--version"], &[]);
        assert!(o.dry_run);
        assert_eq!(rest, os(&["--version"]));
    }

    #[test]
    fn gcc_long_options_are_not_ours() {
        let (_, rest) = run(&["--sysroot=/s", "-shared"], &[]);
        assert_eq!(rest, os(&["--sysroot=/s", "-shared"]));
    }

    #[test]
    fn environment_fills_in_and_command_line_wins() {
        let vars = [
            ("SOLINK_LIBSDIR", "/x:/y /z"),
            ("WORKSPACE_FOLDER", "/ws"),
            ("SOLINK_CC", "ccache 'my gcc'"),
            ("SOLINK_DRY_RUN", "1"),
            ("SOLINK_NO_SYSTEM_DIRS", "yes"),
        ];
        let (o, _) = run(&[], &vars);
        assert_eq!(o.libsdir, ["/x", "/y", "/z"].map(PathBuf::from));
        assert_eq!(o.workspace, Some(PathBuf::from("/ws")));
        assert_eq!(o.cc, Some(os(&["ccache", "my gcc"])));
        assert!(!o.cc_on_command_line);
        assert!(o.dry_run && o.no_system_dirs && !o.explain);

        let (o, _) = run(&["--libsdir", "/cli", "--cc", "clang", "--workspace", "/w2"], &vars);
        assert_eq!(o.libsdir, [PathBuf::from("/cli")]);
        assert_eq!(o.cc, Some(os(&["clang"])));
        assert!(o.cc_on_command_line);
        assert_eq!(o.workspace, Some(PathBuf::from("/w2")));
    }

    #[test]
    fn embedding_options() {
        let (o, rest) =
            run(&["--embed", "m", "--whole-archive", "--hide=x", "--hide=y", "--no-embed=z", "-shared"], &[]);
        assert_eq!(o.embed, os(&["m"]));
        assert_eq!(o.no_embed, os(&["z"]));
        assert_eq!(o.whole_archive, Select::All);
        assert_eq!(o.hide, Select::Names(os(&["x", "y"])));
        assert_eq!(rest, os(&["-shared"]));

        let vars = [("SOLINK_WHOLE_ARCHIVE", "a:b"), ("SOLINK_HIDE", "1"), ("SOLINK_NO_EMBED", "p q")];
        let (o, _) = run(&[], &vars);
        assert_eq!(o.whole_archive, Select::Names(os(&["a", "b"])));
        assert_eq!(o.hide, Select::All);
        assert_eq!(o.no_embed, os(&["p", "q"]));
    }

    #[test]
    fn rpath_forms() {
        assert_eq!(run(&[], &[]).0.rpath_dynamic, None);
        assert_eq!(run(&["--rpath-dynamic"], &[]).0.rpath_dynamic, Some(RpathForm::Absolute));
        assert_eq!(run(&["--rpath-dynamic=origin"], &[]).0.rpath_dynamic, Some(RpathForm::Origin));
        assert_eq!(run(&[], &[("SOLINK_RPATH_DYNAMIC", "1")]).0.rpath_dynamic, Some(RpathForm::Absolute));
        assert_eq!(run(&[], &[("SOLINK_RPATH_DYNAMIC", "origin")]).0.rpath_dynamic, Some(RpathForm::Origin));
        assert_eq!(run(&[], &[("SOLINK_RPATH_DYNAMIC", "0")]).0.rpath_dynamic, None);
        assert!(parse(vec![], &env(&[("SOLINK_RPATH_DYNAMIC", "relative")])).is_err());
        assert_eq!(run(&["--rpath-dynamic=absolute"], &[]).0.rpath_dynamic, Some(RpathForm::Absolute));
        assert_eq!(
            run(&[], &[("SOLINK_RPATH_DYNAMIC", "ABSOLUTE")]).0.rpath_dynamic,
            Some(RpathForm::Absolute)
        );
    }

    /// [`RPATH`] and [`Format::ALL`] are read by position in the table's
    /// lists: each variant sits where its name does (`Origin` at `origin`).
    #[test]
    fn rpath_forms_and_formats_are_read_by_position() {
        for (form, name) in RPATH.iter().zip(RPATH_FORMS) {
            assert_eq!(format!("{form:?}").to_lowercase(), *name);
            assert_eq!(rpath_form(name), Some(*form));
        }
        for (format, name) in Format::ALL.iter().zip(FORMATS) {
            assert_eq!(format!("{format:?}").to_lowercase(), *name);
            assert_eq!(Format::named(OsStr::new(name)), Some(*format));
            assert_eq!(format.name(), *name);
            let (o, _) = run(&["--format", name, "--dry-run"], &[]);
            assert_eq!(o.format, *format, "--format {name}");
            assert_eq!(run(&[], &[("SOLINK_FORMAT", name)]).0.format, *format, "SOLINK_FORMAT={name}");
        }
        assert_eq!(Format::named(OsStr::new("yaml")), None);
        assert_eq!(Format::names(false), ["text", "json"]);
        let text = parse(os(&["--format", "rpm", "--explain"]), &env(&[])).unwrap_err().to_string();
        assert_eq!(
            text,
            "--explain prints text or json; cyclonedx, spdx, debian and rpm are forms of --audit's report \
             (set --format text or json)"
        );
        let text = parse(vec![], &env(&[("SOLINK_FORMAT", "yaml")])).unwrap_err().to_string();
        assert_eq!(
            text,
            "SOLINK_FORMAT=yaml is not a format; use text, json, cyclonedx, spdx, debian or rpm"
        );
    }

    #[test]
    fn cache_options() {
        let (o, _) = run(&["--no-cache", "--cache-dir", "/c"], &[]);
        assert!(o.no_cache);
        assert_eq!(o.cache_dir, Some(PathBuf::from("/c")));
        let (o, _) = run(&[], &[("SOLINK_NO_CACHE", "1"), ("SOLINK_CACHE_DIR", "/e")]);
        assert!(o.no_cache);
        assert_eq!(o.cache_dir, Some(PathBuf::from("/e")));
        let Parsed::Manage(Manage::ClearCache, o) =
            parse(os(&["--clear-cache"]), &env(&[("SOLINK_CACHE_DIR", "/e")])).unwrap()
        else {
            panic!()
        };
        assert_eq!(o.cache_dir, Some(PathBuf::from("/e")));
        assert!(matches!(
            parse(os(&["--show-cache"]), &env(&[])).unwrap(),
            Parsed::Manage(Manage::ShowCache, _)
        ));
    }

    #[test]
    fn bad_boolean_is_a_usage_error() {
        let err = parse(vec![], &env(&[("SOLINK_EXPLAIN", "maybe")])).unwrap_err();
        assert!(matches!(err, Error::Usage { .. }), "{err:?}");
    }

    #[test]
    fn missing_option_value_is_a_usage_error() {
        let err = parse(os(&["--libsdir"]), &env(&[])).unwrap_err();
        assert!(matches!(err, Error::Usage { .. }), "{err:?}");
    }

    #[test]
    fn completions_and_man_page_come_from_the_clap_definitions() {
        let Parsed::Info(bash) = parse(os(&["--completions", "bash"]), &env(&[])).unwrap() else { panic!() };
        assert!(bash.contains("--libsdir") && bash.contains("complete"), "{bash}");
        let Parsed::Info(man) = parse(os(&["--man"]), &env(&[])).unwrap() else { panic!() };
        assert!(man.contains(".TH solink") && man.contains("libsdir"), "{man}");
    }

    #[test]
    fn help_and_version_are_info() {
        // solink's own help and version, under names no compiler uses
        // (`--help` and `--version` are the driver's: issue 14 section 5).
        assert!(
            matches!(parse(os(&["--solink-help"]), &env(&[])).unwrap(), Parsed::Info(t) if t.contains("--libsdir"))
        );
        assert!(
            matches!(parse(os(&["--solink-version"]), &env(&[])).unwrap(), Parsed::Info(t) if t.contains("solink"))
        );
    }

    #[test]
    fn version_and_help_are_the_compilers() {
        for probe in ["--version", "--help", "--help=warnings", "-v", "-dumpversion", "-dumpmachine"] {
            let (_, rest) = run(&[probe], &[]);
            assert_eq!(rest, os(&[probe]));
        }
        let (o, rest) = run(&["--explain", "--version"], &[]);
        assert!(o.explain);
        assert_eq!(rest, os(&["--version"]));
    }

    #[test]
    fn an_option_value_that_looks_like_an_option_is_refused_by_name() {
        let err = parse(os(&["--libsdir", "-shared", "-o", "x.so"]), &env(&[])).unwrap_err();
        assert!(
            matches!(&err, Error::OptionNeedsValue { option, got } if option == "--libsdir" && got == "-shared"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "--libsdir needs a value (got -shared, which looks like a compiler option); write --libsdir=VALUE"
        );
        // `=` takes anything, and `-` alone is a value (stdin).
        let (o, _) = run(&["--libsdir=-odd", "--depfile", "-", "-shared"], &[]);
        assert_eq!(o.libsdir, [PathBuf::from("-odd")]);
        assert_eq!(o.depfile, Some(PathBuf::from("-")));
    }

    #[test]
    fn settings_given_on_the_command_line_for_show_config() {
        let argv =
            ["--libsdir", "/a", "--libsdir=/b", "--explain", "--hide", "--workspace", "/w", "--show-config"];
        let Parsed::Manage(Manage::ShowConfig, o) = parse(os(&argv), &env(&[])).unwrap() else { panic!() };
        let got: Vec<(&str, &str)> = o.command_line.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            [("libsdir", "/a:/b"), ("explain", "true"), ("hide", "1"), ("workspace_folder", "/w")]
        );
    }

    fn notes(argv: &[&str]) -> Vec<String> {
        run(argv, &[("PATH", "/nonexistent")]).0.notes
    }

    #[test]
    fn near_misses_get_one_note_each_and_change_nothing() {
        let note = |o: &str| vec![format!("did you mean {o}? (passed to the compiler as is)")];
        assert_eq!(notes(&["--libdir", "/x", "-shared"]), note("--libsdir"));
        assert_eq!(notes(&["--explian", "-shared"]), note("--explain"));
        assert_eq!(notes(&["--no-embedd=z", "-shared"]), note("--no-embed"));
        assert_eq!(notes(&["--hide", "calcbase", "-shared"]), note("--hide=calcbase"));
        assert_eq!(notes(&["--libsdir", "/a", "--strcit", "-shared"]), note("--strict"));
        let (_, rest) = run(&["--libdir", "/x", "-shared"], &[]);
        assert_eq!(rest, os(&["--libdir", "/x", "-shared"]));
        assert_eq!(notes(&["-shared", "--explain"]).len(), 1);
        // gcc's own long options, their prefixes and families never do.
        for gcc in [
            "--sysroot=/s",
            "--param=x=1",
            "--help",
            "--version",
            "--target-help",
            "--print-search-dirs",
            "--verb",
            "--warn-all",
            "--static",
            "--shared",
            "--specs=x",
            "--entry=f",
        ] {
            assert_eq!(notes(&[gcc, "-shared"]), Vec::<String>::new(), "{gcc}");
        }
        // Far from everything: silence.
        assert!(notes(&["--frobnicate-widgets", "-shared"]).is_empty());
        assert!(notes(&["--hide", "-shared"]).is_empty());
        assert!(notes(&["--hide", "x.o", "-shared"]).is_empty());
        assert!(notes(&["-shared", "-Xlinker", "--exclude-lib"]).is_empty(), "a value for ld");
    }

    /// A value of `kind` that is not its default.
    fn set(kind: Kind) -> &'static str {
        match kind {
            Kind::Flag | Kind::Select => "1",
            Kind::Rpath => "origin",
            Kind::Format => "json",
            Kind::Command => "gcc",
            _ => "/x",
        }
    }

    /// A row of the table that `parse` does not read would be a setting
    /// that does nothing: each variable, and each option that is a
    /// setting, changes the options it gives.
    #[test]
    fn every_row_of_the_table_is_read() {
        let plain = run(&[], &[]).0;
        for s in SETTINGS {
            // The log's variable is the run's to read (session/run.rs).
            let Some(var) = s.var.filter(|v| *v != "SOLINK_LOGFILE") else { continue };
            let (o, _) = run(&[], &[(var, set(s.kind))]);
            assert_ne!(o, plain, "{var} changes nothing");
        }
        for s in SETTINGS.iter().filter(|s| s.key.is_some() || s.kind == Kind::Flag) {
            let Some(flag) = s.flag else { continue };
            let argv = match s.kind.takes() {
                Takes::Nothing => format!("--{flag}"),
                _ => format!("--{flag}={}", set(s.kind)),
            };
            let (mut o, _) = run(&[argv.as_str()], &[]);
            o.command_line.clear();
            assert_ne!(o, plain, "--{flag} changes nothing");
        }
    }

    #[test]
    fn clap_takes_each_option_as_the_table_says() {
        let from_clap: Vec<(String, Takes, bool)> = command()
            .get_arguments()
            .filter_map(|a| {
                let takes = match (a.get_action().takes_values(), a.is_require_equals_set()) {
                    (false, _) => Takes::Nothing,
                    (true, false) => Takes::Value,
                    (true, true) => Takes::EqualsOnly,
                };
                let repeats = matches!(a.get_action(), ArgAction::Append);
                Some((a.get_long()?.to_string(), takes, repeats))
            })
            .collect();
        let table: Vec<(String, Takes, bool)> = SETTINGS
            .iter()
            .filter_map(|s| Some((s.flag?.to_string(), s.kind.takes(), s.kind.repeats())))
            .collect();
        assert_eq!(
            from_clap, table,
            "clap must take every option of SETTINGS, in its order, as its row says"
        );
    }

    #[test]
    fn the_forms_a_build_uses_are_read_without_clap() {
        for argv in [
            &["--libsdir", "lib", "--cc", "gcc"][..],
            &["--libsdir=/a", "--libsdir", "/b", "--explain", "--dry-run", "--strict"],
            &["--hide", "--whole-archive=calcbase", "--rpath-dynamic=origin", "--format", "json"],
            &["--embed", "m", "--no-embed=z", "--depfile", "x.d", "--cache-dir", "/c", "--no-cache"],
            &["--workspace", "/w", "--no-system-dirs", "--archive-first", "--no-deps", "--no-group"],
            &[],
        ] {
            let own = os(argv);
            let quick = quick(&own);
            assert!(quick.is_some(), "{argv:?} went to clap");
            assert_eq!(quick.unwrap(), clap_parse(own).unwrap(), "{argv:?}");
        }
        for argv in [&["--solink-help"][..], &["--show-config"], &["--man"], &["--explain", "--explain"]] {
            assert!(quick(&os(argv)).is_none(), "{argv:?} must be clap's");
        }
    }

    mod quick_reading {
        use super::*;
        use crate::settings::table::Setting;
        use proptest::prelude::*;
        use std::os::unix::ffi::OsStringExt;

        /// A value as a build might write one, or an odd one.
        fn value() -> impl Strategy<Value = OsString> {
            prop_oneof![
                Just(OsString::from("lib")),
                Just(OsString::from("/a:/b")),
                Just(OsString::from("")),
                Just(OsString::from("-")),
                Just(OsString::from("-x")),
                Just(OsString::from("json")),
                Just(OsString::from("text")),
                Just(OsString::from("origin")),
                Just(OsString::from("absolute")),
                Just(OsString::from("ccache gcc")),
                Just(OsString::from("bash")),
                Just(OsString::from_vec(vec![b'd', 0xff])),
            ]
        }

        /// One option of the table, in one of its spellings.
        fn option() -> impl Strategy<Value = Vec<OsString>> {
            let flags: Vec<&Setting> = SETTINGS.iter().filter(|s| s.flag.is_some()).collect();
            (0..flags.len(), value(), any::<bool>()).prop_map(move |(i, v, inline)| {
                let (name, takes) = (flags[i].flag.unwrap_or_default(), flags[i].kind.takes());
                match (takes, inline) {
                    (Takes::Nothing, false) => vec![format!("--{name}").into()],
                    (Takes::EqualsOnly, false) => vec![format!("--{name}").into()],
                    (Takes::Value, false) => vec![format!("--{name}").into(), v],
                    (_, true) => {
                        let mut t = OsString::from(format!("--{name}="));
                        t.push(v);
                        vec![t]
                    }
                }
            })
        }

        proptest! {
            /// Wherever the quick reading answers, clap answers the same.
            #[test]
            fn quick_reading_is_clap_s(options in proptest::collection::vec(option(), 0..6)) {
                let own: Vec<OsString> = options.concat();
                if let Some(cli) = quick(&own) {
                    prop_assert_eq!(Some(cli), clap_parse(own.clone()).ok(), "{:?}", own);
                }
            }
        }
    }
}

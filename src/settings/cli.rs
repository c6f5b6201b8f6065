//! solink's own options, from the command line and the environment.
//!
//! Only solink's options go through clap. They must come first; the first
//! token that is not one of them (or `--`) starts the gcc command line,
//! which clap never sees, so a gcc option can never be taken for one of
//! solink's or rejected as unknown.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use clap::{ArgAction, CommandFactory, Parser};

use crate::env::Env;
use crate::error::{Error, Usage};
use crate::policy::RpathForm;
use crate::rewrite::Select;
use crate::settings::config::parse_bool;

#[derive(Parser, Debug, Default, PartialEq)]
#[command(
    name = "solink",
    version,
    about = "A drop-in for `gcc -shared` that embeds the static archives a shared library links against.",
    override_usage = "solink [OPTIONS] [--] ARGS...\n       solink [OPTIONS] DRIVER ARGS...",
    after_help = "Every option also has an environment variable and a key in the configuration file \
                  (see docs/usage.md): the command line wins over the environment, which wins over \
                  ~/.config/solink/solink.conf, which wins over /etc/solink.conf.\n\n\
                  --version, --help, -v, -dumpversion and -dumpmachine are the compiler's: \
                  `solink --version` prints the driver's version, so that a build system that \
                  probes CC=solink sees the real compiler. solink's own version: --solink-version, \
                  --show-config, or solink with no arguments.",
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Cli {
    /// Search DIR first for libNAME.a (repeatable, in order) [env: SOLINK_LIBSDIR]
    #[arg(long, value_name = "DIR")]
    libsdir: Vec<PathBuf>,
    /// Search DIR/test/lib after the -L directories [env: WORKSPACE_FOLDER]
    #[arg(long, value_name = "DIR")]
    workspace: Option<PathBuf>,
    /// Do not search the driver's system library directories [env: SOLINK_NO_SYSTEM_DIRS=1]
    #[arg(long)]
    no_system_dirs: bool,
    /// The real compiler driver, possibly with arguments ("ccache gcc") [env: SOLINK_CC]
    #[arg(long, value_name = "PROGRAM")]
    cc: Option<OsString>,
    /// Print the final command as one shell-quoted line and run nothing [env: SOLINK_DRY_RUN=1]
    #[arg(long)]
    dry_run: bool,
    /// Explain every library decision on stderr [env: SOLINK_EXPLAIN=1]
    #[arg(long)]
    explain: bool,
    /// Embed libNAME.a even if it is a runtime library or not PIC (repeatable) [env: SOLINK_EMBED]
    #[arg(long, value_name = "NAME")]
    embed: Vec<OsString>,
    /// Keep -lNAME dynamic (repeatable) [env: SOLINK_NO_EMBED]
    #[arg(long, value_name = "NAME")]
    no_embed: Vec<OsString>,
    /// Make every fallback and warning an error, before the link [env: SOLINK_STRICT=1]
    #[arg(long)]
    strict: bool,
    /// The seed's literal rule: the first libNAME.a wins even behind a libNAME.so that ld finds first [env: SOLINK_ARCHIVE_FIRST=1]
    #[arg(long)]
    archive_first: bool,
    /// Do not add the dependencies of embedded archives [env: SOLINK_NO_DEPS=1]
    #[arg(long)]
    no_deps: bool,
    /// Do not group two or more embedded archives [env: SOLINK_NO_GROUP=1]
    #[arg(long)]
    no_group: bool,
    /// Link embedded archives (all, or NAME) whole [env: SOLINK_WHOLE_ARCHIVE=1|NAMES]
    #[arg(long, value_name = "NAME", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    whole_archive: Vec<OsString>,
    /// Hide embedded archives' symbols (all, or NAME) from the dynamic symbol table [env: SOLINK_HIDE=1|NAMES]
    #[arg(long, value_name = "NAME", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    hide: Vec<OsString>,
    /// Export SYMBOL from the shared library even where a version script or --hide would not; @FILE: each name of FILE, one a line (repeatable) [env: SOLINK_EXPORT]
    #[arg(long, value_name = "SYMBOL")]
    export: Vec<OsString>,
    /// Export every global symbol the pulled members of the embedded libNAME.a define (repeatable) [env: SOLINK_EXPORT_ARCHIVE]
    #[arg(long, value_name = "NAME")]
    export_archive: Vec<OsString>,
    /// Write a make rule: the output depends on every archive embedded [env: SOLINK_DEPFILE]
    #[arg(long, value_name = "FILE")]
    depfile: Option<PathBuf>,
    /// Print the archives that would be embedded, one absolute path per line; run nothing
    #[arg(long)]
    print_resolved: bool,
    /// Add -rpath (-Xlinker -rpath -Xlinker DIR) for libraries that stay dynamic in a -L dir (absolute, or $ORIGIN-relative with =origin) [env: SOLINK_RPATH_DYNAMIC=1|origin]
    #[arg(long, value_name = "FORM", num_args = 0..=1, require_equals = true, default_missing_value = "absolute", value_parser = ["absolute", "origin"])]
    rpath_dynamic: Option<String>,
    /// With --explain or --audit: text lines, or one line of JSON for tools; cyclonedx: --audit's CycloneDX 1.5 SBOM [env: SOLINK_FORMAT]
    #[arg(long, value_name = "FORMAT", value_parser = ["text", "json", "cyclonedx"])]
    format: Option<String>,
    /// Keep the verdict cache in DIR (default: $XDG_CACHE_HOME/solink, ~/.cache/solink) [env: SOLINK_CACHE_DIR]
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Use no cache: inspect every archive afresh [env: SOLINK_NO_CACHE=1]
    #[arg(long)]
    no_cache: bool,
    /// Remove everything in the cache directory and exit
    #[arg(long)]
    clear_cache: bool,
    /// Print the cache directory, its entries and its size, and exit
    #[arg(long)]
    show_cache: bool,
    /// Print what each FILE... and its DT_NEEDED closure embed; exit 1 if an archive is embedded twice
    #[arg(long)]
    audit: bool,
    /// With --audit: list every ELF file under DIR... whose note says it embeds libNAME.a (that build, with =SHA256); exit 1 if none does
    #[arg(long, value_name = "NAME[=SHA256]")]
    embeds: Option<OsString>,
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) and exit
    #[arg(long, value_name = "SHELL")]
    completions: Option<clap_complete::Shell>,
    /// Print the man page (roff) and exit
    #[arg(long)]
    man: bool,
    /// Print every effective setting with its origin, solink's version and the driver, and exit
    #[arg(long)]
    show_config: bool,
    /// Print solink's help (--help is the compiler's)
    #[arg(long, action = ArgAction::Help)]
    solink_help: Option<bool>,
    /// Print solink's version (--version is the compiler's)
    #[arg(long, action = ArgAction::Version)]
    solink_version: Option<bool>,
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
    pub archive_first: bool,
    pub no_group: bool,
    pub whole_archive: Select,
    pub hide: Select,
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
    let cli = match quick(&own) {
        Some(cli) => cli,
        None => match clap_parse(own) {
            Ok(cli) => cli,
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
    if let Some(shell) = cli.completions {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "solink", &mut out);
        return Ok(Parsed::Info(String::from_utf8_lossy(&out).into_owned()));
    }
    if cli.man {
        let mut out = Vec::new();
        crate::settings::man::render(Cli::command(), &mut out).map_err(|e| Error::Output { source: e })?;
        return Ok(Parsed::Info(String::from_utf8_lossy(&out).into_owned()));
    }
    let options = Options {
        libsdir: if cli.libsdir.is_empty() {
            env.get("SOLINK_LIBSDIR").map(split_dir_list).unwrap_or_default()
        } else {
            cli.libsdir
        },
        workspace: cli
            .workspace
            .or_else(|| env.get("WORKSPACE_FOLDER").filter(|v| !v.is_empty()).map(PathBuf::from)),
        no_system_dirs: cli.no_system_dirs || env_flag(env, "SOLINK_NO_SYSTEM_DIRS")?,
        cc_on_command_line: cli.cc.is_some(),
        cc: match cli.cc.as_deref().or_else(|| env.get("SOLINK_CC").filter(|v| !v.is_empty())) {
            Some(cc) => Some(split_command(cc)?),
            None => None,
        },
        dry_run: cli.dry_run || env_flag(env, "SOLINK_DRY_RUN")?,
        explain: cli.explain || env_flag(env, "SOLINK_EXPLAIN")?,
        embed: names_or_env(cli.embed, env, "SOLINK_EMBED"),
        no_embed: names_or_env(cli.no_embed, env, "SOLINK_NO_EMBED"),
        strict: cli.strict || env_flag(env, "SOLINK_STRICT")?,
        no_deps: cli.no_deps || env_flag(env, "SOLINK_NO_DEPS")?,
        archive_first: cli.archive_first || env_flag(env, "SOLINK_ARCHIVE_FIRST")?,
        no_group: cli.no_group || env_flag(env, "SOLINK_NO_GROUP")?,
        whole_archive: select(cli.whole_archive, env, "SOLINK_WHOLE_ARCHIVE"),
        hide: select(cli.hide, env, "SOLINK_HIDE"),
        export: names_or_env(cli.export, env, "SOLINK_EXPORT"),
        export_archive: names_or_env(cli.export_archive, env, "SOLINK_EXPORT_ARCHIVE"),
        rpath_dynamic: match cli.rpath_dynamic {
            Some(form) => rpath_form(&form),
            None => rpath_from_env(env)?,
        },
        depfile: cli
            .depfile
            .or_else(|| env.get("SOLINK_DEPFILE").filter(|v| !v.is_empty()).map(PathBuf::from)),
        print_resolved: cli.print_resolved,
        cache_dir: cli
            .cache_dir
            .or_else(|| env.get("SOLINK_CACHE_DIR").filter(|v| !v.is_empty()).map(PathBuf::from)),
        no_cache: cli.no_cache || env_flag(env, "SOLINK_NO_CACHE")?,
        disable: env_flag(env, "SOLINK_DISABLE")?,
        notes: near_misses(last_own.as_deref(), &rest, env),
        command_line,
        format: match cli
            .format
            .or_else(|| env.get("SOLINK_FORMAT").map(|v| v.to_string_lossy().into_owned()))
        {
            None => Format::Text,
            Some(f) if f == "text" || f.is_empty() => Format::Text,
            Some(f) if f == "json" => Format::Json,
            Some(f) if f == "cyclonedx" => Format::CycloneDx,
            Some(f) => return Err(Error::Usage(Usage::UnknownFormat { value: f })),
        },
    };
    // A CycloneDX document describes files, not a link's decisions.
    if options.format == Format::CycloneDx && options.explain && !cli.audit {
        return Err(Error::Usage(Usage::FormatNotForExplain));
    }
    if cli.clear_cache {
        return Ok(Parsed::Manage(Manage::ClearCache, Box::new(options)));
    }
    if cli.show_cache {
        return Ok(Parsed::Manage(Manage::ShowCache, Box::new(options)));
    }
    if cli.show_config {
        return Ok(Parsed::Manage(Manage::ShowConfig, Box::new(options)));
    }
    match (&cli.embeds, cli.audit) {
        (Some(_), false) => return Err(Error::Usage(Usage::EmbedsWithoutAudit)),
        (Some(value), true) => {
            let query = crate::audit::embeds::Query::parse(value)?;
            let dirs = rest.into_iter().map(PathBuf::from).collect();
            return Ok(Parsed::Manage(Manage::Embeds(query, dirs), Box::new(options)));
        }
        (None, _) => {}
    }
    if cli.audit {
        let files = rest.into_iter().map(PathBuf::from).collect();
        return Ok(Parsed::Manage(Manage::Audit(files), Box::new(options)));
    }
    Ok(Parsed::Run(Box::new(options), rest))
}

/// solink's settings from the environment alone (a masquerading solink).
pub fn from_env(env: &Env) -> Result<Options, Error> {
    match parse(Vec::new(), env)? {
        Parsed::Run(options, _) => Ok(*options),
        Parsed::Info(_) | Parsed::Manage(..) => unreachable!("no arguments ask for no help"),
    }
}

/// solink's own options as clap sees them, for the man page.
#[cfg(test)]
pub fn command() -> clap::Command {
    Cli::command()
}

/// solink's options as clap reads them: help, version, management options
/// and every mistake, with clap's own message.
fn clap_parse(own: Vec<OsString>) -> Result<Cli, clap::Error> {
    let argv = std::iter::once(OsString::from("solink")).chain(own);
    Cli::command()
        .try_get_matches_from(argv)
        .and_then(|mut m| <Cli as clap::FromArgMatches>::from_arg_matches_mut(&mut m))
}

/// How a long option of solink's takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Takes {
    /// A flag: `--explain`.
    Nothing,
    /// `--libsdir DIR` or `--libsdir=DIR`.
    Value,
    /// Optional, and only after `=`: `--hide` or `--hide=NAME`.
    EqualsOnly,
}

/// Every long option of [`Cli`], sorted, with how it takes its value: what
/// splitting the command line needs, without building clap's `Command`.
/// `options_table_is_clap_s` holds it equal to the derive.
const OPTIONS: &[(&str, Takes)] = &[
    ("archive-first", Takes::Nothing),
    ("audit", Takes::Nothing),
    ("cache-dir", Takes::Value),
    ("cc", Takes::Value),
    ("clear-cache", Takes::Nothing),
    ("completions", Takes::Value),
    ("depfile", Takes::Value),
    ("dry-run", Takes::Nothing),
    ("embed", Takes::Value),
    ("embeds", Takes::Value),
    ("explain", Takes::Nothing),
    ("export", Takes::Value),
    ("export-archive", Takes::Value),
    ("format", Takes::Value),
    ("hide", Takes::EqualsOnly),
    ("libsdir", Takes::Value),
    ("man", Takes::Nothing),
    ("no-cache", Takes::Nothing),
    ("no-deps", Takes::Nothing),
    ("no-embed", Takes::Value),
    ("no-group", Takes::Nothing),
    ("no-system-dirs", Takes::Nothing),
    ("print-resolved", Takes::Nothing),
    ("rpath-dynamic", Takes::EqualsOnly),
    ("show-cache", Takes::Nothing),
    ("show-config", Takes::Nothing),
    ("solink-help", Takes::Nothing),
    ("solink-version", Takes::Nothing),
    ("strict", Takes::Nothing),
    ("whole-archive", Takes::EqualsOnly),
    ("workspace", Takes::Value),
];

fn takes(name: &[u8]) -> Option<Takes> {
    OPTIONS.binary_search_by(|(o, _)| o.as_bytes().cmp(name)).ok().map(|i| OPTIONS[i].1)
}

/// One of solink's options in `own`: its name and its value, if any.
struct OwnOption<'a> {
    name: &'a str,
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
        let value = match (takes(name)?, value) {
            (Takes::Value, None) => {
                i += 1;
                own.get(i - 1).map(OsString::as_os_str)
            }
            (_, value) => value,
        };
        Some(OwnOption { name: std::str::from_utf8(name).ok()?, value })
    })
}

/// solink's options read without clap, for the forms a build uses; `None`
/// for anything else (help, management options, a repeated option, an
/// empty or odd value), which clap then reads and judges. Where this gives
/// an answer it is clap's (`quick_reading_is_clap_s`, a property test).
fn quick(own: &[OsString]) -> Option<Cli> {
    let mut cli = Cli::default();
    let mut seen = Vec::new();
    for OwnOption { name, value } in own_options(own) {
        if seen.contains(&name)
            && !matches!(
                name,
                "libsdir" | "embed" | "no-embed" | "hide" | "whole-archive" | "export" | "export-archive"
            )
        {
            return None;
        }
        seen.push(name);
        if value.is_some_and(|v| v.is_empty() || v.as_bytes().starts_with(b"-")) {
            return None;
        }
        let text = || value.and_then(OsStr::to_str).map(str::to_string);
        match (name, value) {
            ("libsdir", Some(v)) => cli.libsdir.push(v.into()),
            ("workspace", Some(v)) => cli.workspace = Some(v.into()),
            ("cc", Some(v)) => cli.cc = Some(v.to_owned()),
            ("embed", Some(v)) => cli.embed.push(v.to_owned()),
            ("no-embed", Some(v)) => cli.no_embed.push(v.to_owned()),
            ("export", Some(v)) => cli.export.push(v.to_owned()),
            ("export-archive", Some(v)) => cli.export_archive.push(v.to_owned()),
            ("depfile", Some(v)) => cli.depfile = Some(v.into()),
            ("cache-dir", Some(v)) => cli.cache_dir = Some(v.into()),
            ("format", Some(_)) => {
                cli.format = Some(text().filter(|f| matches!(f.as_str(), "text" | "json" | "cyclonedx"))?)
            }
            ("whole-archive", v) => cli.whole_archive.push(v.unwrap_or_default().to_owned()),
            ("hide", v) => cli.hide.push(v.unwrap_or_default().to_owned()),
            ("rpath-dynamic", None) => cli.rpath_dynamic = Some("absolute".to_string()),
            ("rpath-dynamic", Some(_)) => {
                cli.rpath_dynamic = Some(text().filter(|f| f == "absolute" || f == "origin")?)
            }
            (flag, None) => *flag_of(&mut cli, flag)? = true,
            _ => return None,
        }
    }
    Some(cli)
}

/// The field of a flag that only sets `true`; `None` for the flags that
/// act (help, management options), which are clap's to read.
fn flag_of<'a>(cli: &'a mut Cli, name: &str) -> Option<&'a mut bool> {
    Some(match name {
        "no-system-dirs" => &mut cli.no_system_dirs,
        "dry-run" => &mut cli.dry_run,
        "explain" => &mut cli.explain,
        "strict" => &mut cli.strict,
        "archive-first" => &mut cli.archive_first,
        "no-deps" => &mut cli.no_deps,
        "no-group" => &mut cli.no_group,
        "print-resolved" => &mut cli.print_resolved,
        "no-cache" => &mut cli.no_cache,
        _ => return None,
    })
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
    for OwnOption { name, value } in own_options(own) {
        let value = match (value, takes(name.as_bytes())) {
            (Some(v), _) => v.to_string_lossy().into_owned(),
            (None, Some(Takes::EqualsOnly)) => "1".to_string(),
            (None, _) => "true".to_string(),
        };
        let key = match name {
            "workspace" => "workspace_folder".to_string(),
            n => n.replace('-', "_"),
        };
        if !crate::settings::config::is_key(&key) {
            continue;
        }
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => {
                v.push(':');
                v.push_str(&value);
            }
            None => out.push((key, value)),
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
        let best = OPTIONS.iter().map(|(o, _)| (strsim::damerau_levenshtein(name, o), *o)).min();
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

fn rpath_form(value: &str) -> Option<RpathForm> {
    match value {
        "origin" => Some(RpathForm::Origin),
        _ => Some(RpathForm::Absolute),
    }
}

/// `SOLINK_RPATH_DYNAMIC`: a boolean, or `origin` (or `absolute`) for the form.
fn rpath_from_env(env: &Env) -> Result<Option<RpathForm>, Error> {
    let name = "SOLINK_RPATH_DYNAMIC";
    match env.get(name).map(|v| v.to_string_lossy().to_ascii_lowercase()) {
        Some(v) if v == "origin" || v == "absolute" => Ok(rpath_form(&v)),
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

    #[test]
    fn options_table_is_clap_s() {
        let command = Cli::command();
        let from_clap: Vec<(String, Takes)> = command
            .get_arguments()
            .filter_map(|a| {
                let takes = match (a.get_action().takes_values(), a.is_require_equals_set()) {
                    (false, _) => Takes::Nothing,
                    (true, false) => Takes::Value,
                    (true, true) => Takes::EqualsOnly,
                };
                Some((a.get_long()?.to_string(), takes))
            })
            .collect();
        let mut sorted = from_clap.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let table: Vec<(String, Takes)> = OPTIONS.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        assert_eq!(table, sorted, "OPTIONS must list Cli's long options, sorted, as clap declares them");
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
            (0..OPTIONS.len(), value(), any::<bool>()).prop_map(|(i, v, inline)| {
                let (name, takes) = OPTIONS[i];
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

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

use crate::rewrite::Select;
use crate::{Env, Error};

#[derive(Parser, Debug, Default)]
#[command(
    name = "solink",
    version,
    about = "A drop-in for `gcc -shared` that embeds the static archives a shared library links against.",
    override_usage = "solink [OPTIONS] [--] ARGS...\n       solink [OPTIONS] DRIVER ARGS...",
    after_help = "Every option also has an environment variable (see docs/usage.md); \
                  an option on the command line wins over its variable.",
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
    /// Write a make rule: the output depends on every archive embedded [env: SOLINK_DEPFILE]
    #[arg(long, value_name = "FILE")]
    depfile: Option<PathBuf>,
    /// Print the archives that would be embedded, one absolute path per line; run nothing
    #[arg(long)]
    print_resolved: bool,
    /// Add -Wl,-rpath for libraries that stay dynamic outside the system dirs [env: SOLINK_RPATH_DYNAMIC=1]
    #[arg(long)]
    rpath_dynamic: bool,
    /// With --explain: text lines, or one line of JSON for tools [env: SOLINK_FORMAT]
    #[arg(long, value_name = "FORMAT", value_parser = ["text", "json"])]
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
    /// Print a completion script for SHELL (bash, zsh, fish, elvish, powershell) and exit
    #[arg(long, value_name = "SHELL")]
    completions: Option<clap_complete::Shell>,
    /// Print the man page (roff) and exit
    #[arg(long)]
    man: bool,
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// Print version
    #[arg(long, action = ArgAction::Version)]
    version: Option<bool>,
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
    pub no_group: bool,
    pub whole_archive: Select,
    pub hide: Select,
    pub rpath_dynamic: bool,
    pub depfile: Option<PathBuf>,
    pub print_resolved: bool,
    pub json: bool,
    /// `--cache-dir` or `SOLINK_CACHE_DIR`.
    pub cache_dir: Option<PathBuf>,
    pub no_cache: bool,
}

/// solink's management options: they act on solink itself and exit, as
/// ccache's `--clear` and `--show-stats` do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Manage {
    ClearCache,
    ShowCache,
    /// `--audit FILE...`: the files are the arguments after solink's options.
    Audit(Vec<PathBuf>),
}

/// What solink was asked to do.
#[derive(Debug)]
pub enum Parsed {
    /// `--help` or `--version`: the text to print on stdout.
    Info(String),
    /// Link (or pass through): solink's options and the driver's arguments.
    Run(Box<Options>, Vec<OsString>),
    /// A management option, with the settings it needs.
    Manage(Manage, Box<Options>),
}

/// Splits argv (without the program name) into solink's options and the
/// rest, and folds in the environment.
pub fn parse(argv: Vec<OsString>, env: &Env) -> Result<Parsed, Error> {
    // Most links name no option of solink's (the environment carries
    // them): then clap is not even built, which saves a tenth of a
    // millisecond on every link.
    let starts_with_option = argv.first().is_some_and(|a| a.as_bytes().starts_with(b"--"));
    let command = starts_with_option.then(Cli::command);
    let split = command.as_ref().map_or(0, |c| own_options_len(c, &argv));
    let mut rest = argv;
    let mut own: Vec<OsString> = rest.drain(..split).collect();
    if rest.first().is_some_and(|t| t == "--") {
        rest.remove(0);
    }
    own.insert(0, "solink".into());
    let parsed = match command {
        None => Ok(Cli::default()),
        Some(c) => {
            c.try_get_matches_from(own).and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
        }
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                return Ok(Parsed::Info(e.render().to_string()))
            }
            _ => return Err(Error::Usage { message: first_line(&e.render().to_string()) }),
        },
    };
    if let Some(shell) = cli.completions {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "solink", &mut out);
        return Ok(Parsed::Info(String::from_utf8_lossy(&out).into_owned()));
    }
    if cli.man {
        let mut out = Vec::new();
        clap_mangen::Man::new(Cli::command()).render(&mut out).map_err(|e| Error::Output { source: e })?;
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
        no_group: cli.no_group || env_flag(env, "SOLINK_NO_GROUP")?,
        whole_archive: select(cli.whole_archive, env, "SOLINK_WHOLE_ARCHIVE"),
        hide: select(cli.hide, env, "SOLINK_HIDE"),
        rpath_dynamic: cli.rpath_dynamic || env_flag(env, "SOLINK_RPATH_DYNAMIC")?,
        depfile: cli
            .depfile
            .or_else(|| env.get("SOLINK_DEPFILE").filter(|v| !v.is_empty()).map(PathBuf::from)),
        print_resolved: cli.print_resolved,
        cache_dir: cli
            .cache_dir
            .or_else(|| env.get("SOLINK_CACHE_DIR").filter(|v| !v.is_empty()).map(PathBuf::from)),
        no_cache: cli.no_cache || env_flag(env, "SOLINK_NO_CACHE")?,
        json: match cli.format.or_else(|| env.get("SOLINK_FORMAT").map(|v| v.to_string_lossy().into_owned()))
        {
            None => false,
            Some(f) if f == "text" || f.is_empty() => false,
            Some(f) if f == "json" => true,
            Some(f) => {
                return Err(Error::Usage {
                    message: format!("SOLINK_FORMAT={f} is not a format; use text or json"),
                })
            }
        },
    };
    if cli.clear_cache {
        return Ok(Parsed::Manage(Manage::ClearCache, Box::new(options)));
    }
    if cli.show_cache {
        return Ok(Parsed::Manage(Manage::ShowCache, Box::new(options)));
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

/// How many leading tokens are solink's own options (with their values).
fn own_options_len(cmd: &clap::Command, argv: &[OsString]) -> usize {
    let mut i = 0;
    while i < argv.len() {
        let Some(long) = argv[i].as_bytes().strip_prefix(b"--") else {
            break;
        };
        let (name, inline_value) = match long.iter().position(|&c| c == b'=') {
            Some(eq) => (&long[..eq], true),
            None => (long, false),
        };
        let Some(arg) = cmd.get_arguments().find(|a| a.get_long().map(str::as_bytes) == Some(name)) else {
            break;
        };
        let separate_value = arg.get_action().takes_values() && !arg.is_require_equals_set();
        i += if separate_value && !inline_value { 2 } else { 1 };
    }
    i.min(argv.len())
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
    let words = shell_words::split(text).map_err(|e| Error::Usage {
        message: format!("cannot split the driver command {text:?}: {e}; check its quoting"),
    })?;
    if words.is_empty() {
        return Err(Error::Usage { message: "the driver command given by --cc/SOLINK_CC is empty".into() });
    }
    Ok(words.into_iter().map(OsString::from).collect())
}

/// A boolean variable: unset, empty or `0`/`false`/`no`/`off` is off;
/// `1`/`true`/`yes`/`on` is on; anything else is a mistake worth naming.
fn env_flag(env: &Env, name: &str) -> Result<bool, Error> {
    let Some(value) = env.get(name) else {
        return Ok(false);
    };
    match value.to_string_lossy().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => Ok(false),
        "1" | "true" | "yes" | "on" => Ok(true),
        other => Err(Error::Usage { message: format!("{name}={other} is not a boolean; set it to 1 or 0") }),
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
        assert!(
            matches!(parse(os(&["--help"]), &env(&[])).unwrap(), Parsed::Info(t) if t.contains("--libsdir"))
        );
        assert!(
            matches!(parse(os(&["--version"]), &env(&[])).unwrap(), Parsed::Info(t) if t.contains("solink"))
        );
    }
}

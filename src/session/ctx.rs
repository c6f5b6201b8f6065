//! The context of one link, built once in `run_configured` and lent to
//! every step after it (rust-analyzer's "context parameters", packed in a
//! `struct Ctx`): the environment, solink's options, the classified
//! command, the driver and the cache. A step that needs one of them takes
//! `&Ctx`, so a new one reaches every step through one field. What it is
//! built from is here too: the driver chosen, the cache opened.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::PathBuf;

use super::colour;
use crate::args::Command;
use crate::env::Env;
use crate::exec::{self, Driver};
use crate::fsx;
use crate::settings::cli::Options;
use crate::{args, explain, store};

pub(super) struct Ctx<'r> {
    pub env: &'r Env,
    pub options: &'r Options,
    pub cmd: &'r Command,
    /// The driver as the user named it: program and its own arguments
    /// (`ccache gcc`), what a dry run prints.
    pub driver_words: &'r [OsString],
    /// The driver's family, decided once from its words (`args/family.rs`).
    pub family: args::family::Family,
    /// The driver found on PATH; `None` when it is not found (a dry run
    /// and `--print-resolved` work without it).
    pub driver: Option<&'r Driver>,
    /// This run's cache, opened and checked once.
    pub store: Option<&'r store::Store>,
}

/// Where the cache lives for these options and this environment.
pub(super) fn cache_root(options: &Options, env: &Env) -> Option<PathBuf> {
    let path = |name| env.get(name).map(std::path::Path::new);
    store::root(options.cache_dir.as_deref(), path("XDG_CACHE_HOME"), path("HOME"))
}

/// This run's cache, opened once and checked; `None` with `--no-cache`,
/// with nowhere to put it, or when it fails the trust check (then after
/// one warning: the link goes on without it).
pub(super) fn open_store(options: &Options, env: &Env) -> Option<store::Store> {
    if options.no_cache {
        return None;
    }
    match store::Store::open(&cache_root(options, env)?) {
        Ok(store) => Some(store),
        Err(store::NoStore::Distrusted(path, why)) => {
            warn(env, &explain::cache_not_used(&path, &why));
            None
        }
        // A cache the user named that cannot be used is said, once: the
        // default one is quietly off (a read-only HOME, none at all).
        Err(store::NoStore::Unavailable(problem)) => {
            if let (Some(named), Some(problem)) = (&options.cache_dir, problem) {
                warn(env, &explain::cache_unusable(named, &problem));
            }
            None
        }
    }
}

/// Prints one warning line (`text` starts with `warning:`), with the
/// `solink:` prefix coloured as the run's.
pub(super) fn warn(env: &Env, text: &str) {
    let prefix =
        colour::warning_prefix(colour::choice(env, std::io::IsTerminal::is_terminal(&std::io::stderr())));
    let _ = writeln!(std::io::stderr().lock(), "{prefix} {text}");
}

/// The compiler a symlink named `cc`, `gcc`, `g++`, `c++`, `clang`,
/// `clang++` or `TRIPLE-gcc` (and `TRIPLE-g++`) stands for.
pub(super) fn masquerade_name(program: &OsStr) -> Option<OsString> {
    let base = std::path::Path::new(program).file_name()?;
    args::family::is_compiler_name(base).then(|| base.to_os_string())
}

/// The driver comes from `--cc` on the command line, else the launcher form
/// (`solink DRIVER ARGS...`), else `SOLINK_CC`, else `cc`.
pub(super) fn choose_driver(
    options: &Options,
    mut args: Vec<OsString>,
    env: &Env,
) -> (Vec<OsString>, Vec<OsString>) {
    if let (Some(cc), true) = (&options.cc, options.cc_on_command_line) {
        return (cc.clone(), args);
    }
    if let Some(first) = args.first() {
        if args::could_be_driver(first) && exec::find_program(first, env).is_some() {
            let driver = args.remove(0);
            return (vec![driver], args);
        }
    }
    (options.cc.clone().unwrap_or_else(|| vec!["cc".into()]), args)
}

/// Where temporary files go: `TMPDIR` when it is a directory, else `/tmp`.
pub(super) fn temp_dir(env: &Env) -> PathBuf {
    env.get("TMPDIR")
        .filter(|d| fsx::is_dir(std::path::Path::new(d)))
        .map(PathBuf::from)
        .unwrap_or("/tmp".into())
}

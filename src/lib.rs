//! solink: a drop-in for `gcc -shared` that embeds the static archives a
//! shared library links against.
//!
//! The pipeline is **classify → resolve → rewrite → run**:
//! [`args::classify`] reads the gcc command line, [`resolve::resolve`]
//! decides each `-lNAME`, [`rewrite::rewrite`] builds the final argv, and
//! [`exec`] execs the real driver. The library never reads the process
//! environment or argv itself: [`run`] gets both as arguments.

pub mod archive;
pub mod args;
pub mod audit;
pub mod cache;
pub mod cli;
pub mod depfile;
pub mod deps;
mod error;
pub mod exec;
pub mod explain;
pub mod fsx;
pub mod provenance;
pub mod resolve;
pub mod rewrite;
pub mod search;
pub mod text;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::PathBuf;

pub use error::Error;

use args::Command;
use cli::{Options, Parsed};
use exec::Driver;
use search::SearchPath;

/// The environment variables solink may read, handed in by the caller,
/// and where solink's own executable is (to never run itself as the driver).
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
    /// This executable's identity (device, inode), to recognise it under
    /// any name or symlink.
    pub self_id: Option<(u64, u64)>,
}

impl Env {
    pub fn new(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Env {
        Env { vars: vars.into_iter().collect(), self_id: None }
    }

    pub fn with_self_exe(mut self, exe: Option<PathBuf>) -> Env {
        use std::os::unix::fs::MetadataExt;
        self.self_id = exe.and_then(|e| e.metadata().ok()).map(|m| (m.dev(), m.ino()));
        self
    }

    /// The bytes the environment takes in a new process's memory.
    pub fn size(&self) -> usize {
        self.vars.iter().map(|(k, v)| k.len() + v.len() + 2 + std::mem::size_of::<usize>()).sum()
    }

    pub fn get(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }
}

/// Runs solink with `argv` (program name first) and `env`. On success the
/// driver usually replaces this process, so this returns only for
/// `--dry-run`, `--help`, `--version`, a command run through a response
/// file (with the driver's status), or an error.
pub fn run(argv: Vec<OsString>, env: &Env) -> anyhow::Result<u8> {
    exec::check_depth(env)?;
    let mut argv = argv.into_iter();
    let program = argv.next().unwrap_or_default();
    let rest: Vec<OsString> = argv.collect();
    let masquerade = masquerade_name(&program);
    let (options, args) = match &masquerade {
        // A command line that belongs to gcc: solink's options come only
        // from the environment.
        Some(_) => (cli::from_env(env)?, rest),
        None => match cli::parse(rest, env)? {
            Parsed::Info(text) => {
                print_out(text.as_bytes())?;
                return Ok(0);
            }
            Parsed::Run(options, args) => (*options, args),
            Parsed::Manage(what, options) => return manage(what, &options, env),
        },
    };
    let (driver_words, args) = match (&masquerade, &options.cc) {
        (Some(name), None) => (vec![name.clone()], args),
        _ => choose_driver(&options, args, env),
    };
    let syntax = args::Syntax::of_driver(&driver_words[0]);
    let cmd = args::classify_as(args.clone(), syntax)?;
    // Found at most once: for the system dirs (if a lookup reaches them)
    // and for the exec.
    let driver = std::cell::OnceCell::new();
    let find_driver = || driver.get_or_init(|| Driver::find(&driver_words, env).ok()).as_ref();
    let (final_args, decisions) =
        if cmd.is_shared_link() { link_args(&options, &cmd, &find_driver, env)? } else { (args, Vec::new()) };
    let embedded = resolve::embedded_files(&cmd, &decisions);
    let warnings: Vec<&String> = decisions.iter().filter_map(|d| d.warning.as_ref()).collect();
    if let (true, Some(first)) = (options.strict, warnings.first()) {
        return Err(Error::Strict { message: (*first).clone() }.into());
    }
    if options.print_resolved {
        let mut out = Vec::new();
        for path in &embedded {
            out.extend_from_slice(path.as_os_str().as_encoded_bytes());
            out.push(b'\n');
        }
        print_out(&out)?;
        return Ok(0);
    }
    if let (Some(path), true) = (&options.depfile, cmd.is_shared_link()) {
        let target = cmd.output.clone().unwrap_or_else(|| PathBuf::from("a.out"));
        depfile::write(path, &depfile::render(&target, &embedded)?)?;
    }
    let mut command_line = driver_words.clone();
    command_line.extend(final_args.iter().cloned());
    report(&options, &cmd, &decisions, &command_line, env);
    if options.dry_run {
        let mut line = explain::quote_command(&command_line);
        line.push(b'\n');
        print_out(&line)?;
        return Ok(0);
    }
    let driver = match find_driver() {
        Some(d) => d,
        // Not found: look again, for the error that says why.
        None => &Driver::find(&driver_words, env)?,
    };
    Ok(driver.run(&final_args, env)?)
}

/// Where the cache lives for these options and this environment.
fn cache_root(options: &Options, env: &Env) -> Option<PathBuf> {
    let path = |name| env.get(name).map(std::path::Path::new);
    cache::root(options.cache_dir.as_deref(), path("XDG_CACHE_HOME"), path("HOME"))
}

/// `--clear-cache`, `--show-cache` and `--audit`.
fn manage(what: cli::Manage, options: &Options, env: &Env) -> anyhow::Result<u8> {
    let root = || cache_root(options, env).ok_or(Error::NoCacheDir);
    let text = match what {
        cli::Manage::ClearCache => {
            let root = root()?;
            cache::clear(&root).map_err(|source| Error::CacheClear { path: root.clone(), source })?;
            format!("cleared the cache at {}\n", root.display())
        }
        cli::Manage::ShowCache => {
            let root = root()?;
            let (entries, bytes) = cache::usage(&root);
            format!("cache directory: {}\nentries: {entries}\nsize: {bytes} bytes\n", root.display())
        }
        cli::Manage::Audit(files) => return run_audit(&files, options, env),
    };
    print_out(text.as_bytes())?;
    Ok(0)
}

/// `--audit FILE...`: 1 when an archive is embedded twice in a closure,
/// 0 when none is (docs/provenance.md).
fn run_audit(files: &[PathBuf], options: &Options, env: &Env) -> anyhow::Result<u8> {
    let audits = audit::audit(files, &audit::Loader::system(env))?;
    let mut text = if options.json { audit::json(&audits).to_string() + "\n" } else { audit::text(&audits) };
    if text.is_empty() {
        text.push('\n');
    }
    print_out(text.as_bytes())?;
    Ok(u8::from(audits.iter().any(|a| !a.duplicates.is_empty())))
}

/// Writes all of `bytes` to stdout and flushes them (`print!` panics on a
/// full disk, and with `no_main` nothing flushes stdout at exit).
fn print_out(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|source| Error::Output { source })
}

/// The compiler a symlink named `cc`, `gcc`, `g++`, `c++`, `clang`,
/// `clang++` or `TRIPLE-gcc` (and `TRIPLE-g++`) stands for.
fn masquerade_name(program: &OsStr) -> Option<OsString> {
    let base = std::path::Path::new(program).file_name()?;
    let b = base.as_encoded_bytes();
    let known = [&b"cc"[..], b"gcc", b"g++", b"c++", b"clang", b"clang++"].contains(&b)
        || b.ends_with(b"-gcc")
        || b.ends_with(b"-g++");
    known.then(|| base.to_os_string())
}

/// The driver comes from `--cc` on the command line, else the launcher form
/// (`solink DRIVER ARGS...`), else `SOLINK_CC`, else `cc`.
fn choose_driver(options: &Options, mut args: Vec<OsString>, env: &Env) -> (Vec<OsString>, Vec<OsString>) {
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

/// The rewritten arguments of a shared link, and the decisions behind them.
fn link_args<'d>(
    options: &Options,
    cmd: &Command,
    find_driver: &dyn Fn() -> Option<&'d Driver>,
    env: &Env,
) -> Result<(Vec<OsString>, Vec<resolve::Decision>), Error> {
    if let Some(option) = &cmd.missing_value {
        return Err(Error::MissingValue { option: option.clone() });
    }
    if let Some(path) = cmd.direct_archives.iter().find(|p| !p.exists()) {
        return Err(Error::ArchiveNotFound { path: path.clone() });
    }
    let cache =
        if options.no_cache { None } else { cache_root(options, env).map(|r| cache::Cache::in_root(&r)) };
    let system_cache = cache.clone();
    let system: Option<Box<dyn FnOnce() -> Vec<PathBuf>>> = (!options.no_system_dirs).then(|| {
        Box::new(move || system_dirs(cmd, find_driver(), system_cache.as_ref()))
            as Box<dyn FnOnce() -> Vec<PathBuf>>
    });
    let search = SearchPath::new(&options.libsdir, &cmd.lib_dirs, options.workspace.as_deref(), system);
    let policy = resolve::Policy {
        embed: options.embed.clone(),
        no_embed: options.no_embed.clone(),
        no_deps: options.no_deps,
        pkg_config_path: env
            .get("PKG_CONFIG_PATH")
            .map(|p| std::env::split_paths(p).collect())
            .unwrap_or_default(),
    };
    let mut resolver = resolve::Resolver::new(search, policy, resolve::link_target(cmd), cache);
    let decisions = resolver.resolve(cmd);
    let rpaths = if options.rpath_dynamic { resolver.rpath_dirs(cmd, &decisions) } else { Vec::new() };

    let shape = rewrite::Shape {
        group: !options.no_group,
        whole_archive: options.whole_archive.clone(),
        hide: options.hide.clone(),
        rpaths,
    };
    Ok((rewrite::rewrite(cmd, &decisions, &shape), decisions))
}

/// The driver's library directories (search stage 4): asked of the driver
/// once and cached per driver, keyed by its path, size and mtime, the
/// target flags and the question, so a warm link starts no process but the
/// driver itself.
fn system_dirs(cmd: &Command, driver: Option<&Driver>, cache: Option<&cache::Cache>) -> Vec<PathBuf> {
    let Some(driver) = driver else {
        return search::fallback_system_dirs();
    };
    let question = match cmd.syntax {
        args::Syntax::Gcc => "-print-search-dirs",
        args::Syntax::Ld => "--verbose",
    };
    let key = driver.path.metadata().ok().and_then(|m| {
        use std::os::unix::fs::MetadataExt;
        let mut words = vec![driver.path.as_os_str().to_str()?.to_string()];
        words.extend(
            driver
                .args
                .iter()
                .chain(&cmd.target_flags)
                .map(|w| w.to_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()?,
        );
        Some(format!(
            "dirs {} {} {}.{} {question} {}",
            m.size(),
            m.ino(),
            m.mtime(),
            m.mtime_nsec(),
            words.join("\u{1f}")
        ))
    });
    if let (Some(cache), Some(key)) = (cache, &key) {
        if let Some(lines) = cache.get_lines(key) {
            return lines.into_iter().map(PathBuf::from).collect();
        }
    }
    // A driver that cannot answer (lld and mold print no SEARCH_DIR) gets
    // the built-in list, and that answer is cached too.
    let dirs = driver
        .ask(&cmd.target_flags, question)
        .and_then(|out| match cmd.syntax {
            args::Syntax::Gcc => search::parse_print_search_dirs(&out),
            args::Syntax::Ld => search::parse_ld_verbose(&out),
        })
        .unwrap_or_else(search::fallback_system_dirs);
    let lines: Option<Vec<String>> = dirs.iter().map(|d| d.to_str().map(str::to_string)).collect();
    if let (Some(cache), Some(key), Some(lines)) = (cache, &key, lines) {
        cache.put_lines(key, &lines);
    }
    dirs
}

/// Explain output (text or JSON) and warnings, on stderr. Best effort: a
/// closed stderr must not stop the link.
fn report(
    options: &Options,
    cmd: &Command,
    decisions: &[resolve::Decision],
    command: &[OsString],
    env: &Env,
) {
    use std::io::IsTerminal;
    let mut err = std::io::stderr().lock();
    if options.explain && options.json {
        let _ = writeln!(err, "{}", explain::json(cmd, decisions, command));
        return;
    }
    let colour = err.is_terminal() && env.get("NO_COLOR").map_or(true, |v| v.is_empty());
    let prefix = if colour { "\x1b[1;33msolink:\x1b[0m" } else { "solink:" };
    if options.explain {
        if !cmd.is_shared_link() {
            let _ = writeln!(
                err,
                "solink: not a shared link (no -shared, or it stops before linking); passing it through"
            );
        }
        if cmd.is_shared_link() {
            let mut dirs: Vec<(PathBuf, search::Stage)> =
                options.libsdir.iter().map(|d| (d.clone(), search::Stage::LibsDir)).collect();
            dirs.extend(cmd.lib_dirs.iter().map(|d| (d.clone(), search::Stage::LDir)));
            dirs.extend(options.workspace.iter().map(|w| (w.join("test/lib"), search::Stage::Workspace)));
            for note in search::dir_notes(&dirs) {
                let _ = writeln!(err, "solink: note: {note}");
            }
        }
        for archive in &cmd.direct_archives {
            let _ = writeln!(
                err,
                "solink: {}: embed as given: an archive named on the command line",
                archive.display()
            );
        }
        for d in decisions {
            let _ = writeln!(err, "{}", explain::decision_line(cmd, d));
        }
    }
    for warning in decisions.iter().filter_map(|d| d.warning.as_ref()) {
        let _ = writeln!(err, "{prefix} {warning}");
    }
    if options.explain {
        let mut line = b"solink: command: ".to_vec();
        line.extend(explain::quote_command(command));
        line.push(b'\n');
        let _ = err.write_all(&line);
    }
}

//! solink: a drop-in for `gcc -shared` that embeds the static archives a
//! shared library links against.
//!
//! The pipeline is **classify → resolve → rewrite → run**:
//! [`args::classify`] reads the gcc command line, [`resolve::Resolver::resolve`]
//! decides each `-lNAME`, [`rewrite::rewrite`] builds the final argv, and
//! `exec` execs the real driver. The library never reads the process
//! environment or argv itself: [`run`] gets both as arguments.

pub mod archive;
pub mod args;
pub(crate) mod audit;
pub(crate) mod cli;
pub mod closure;
pub(crate) mod colour;
pub(crate) mod config;
pub(crate) mod decision;
pub(crate) mod depfile;
pub(crate) mod deps;
mod error;
pub(crate) mod exec;
pub(crate) mod explain;
pub mod fsx;
pub(crate) mod logfile;
pub(crate) mod man;
pub mod pkgconfig;
pub(crate) mod policy;
pub(crate) mod probe;
pub mod provenance;
pub mod resolve;
pub mod rewrite;
pub mod search;
pub mod store;
pub mod symbols;
pub(crate) mod sysdirs;
pub mod text;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

pub use error::{Error, Usage};

use args::Command;
use cli::{Options, Parsed};
use exec::Driver;
use search::SearchPath;
use sysdirs::SystemDirs;

/// The environment variables solink may read, handed in by the caller,
/// and where solink's own executable is (to never run itself as the driver).
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
    /// This executable's identity (device, inode), to recognise it under
    /// any name or symlink.
    pub self_id: Option<(u64, u64)>,
    /// This executable's whole identity: direct mode keys its entries by
    /// it, so a rebuilt solink never replays an older one's answer.
    pub self_file: Option<fsx::FileId>,
    /// The working directory, for the log file's records (the binary reads
    /// it; the library does not ask the process).
    pub cwd: Option<PathBuf>,
}

impl Env {
    pub fn new(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Env {
        Env { vars: vars.into_iter().collect(), self_id: None, self_file: None, cwd: None }
    }

    pub fn with_cwd(mut self, cwd: Option<PathBuf>) -> Env {
        self.cwd = cwd;
        self
    }

    // solink's own file, asked before anything is recorded.
    #[allow(clippy::disallowed_methods)]
    pub fn with_self_exe(mut self, exe: Option<PathBuf>) -> Env {
        use std::os::unix::fs::MetadataExt;
        let meta = exe.and_then(|e| e.metadata().ok());
        self.self_id = meta.as_ref().map(|m| (m.dev(), m.ino()));
        self.self_file = meta.as_ref().map(fsx::FileId::of);
        self
    }

    /// The bytes the environment takes in a new process's memory.
    pub fn size(&self) -> usize {
        self.vars.iter().map(|(k, v)| k.len() + v.len() + 2 + std::mem::size_of::<usize>()).sum()
    }

    /// The variable `name`; recorded when direct mode records a run.
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        let value = self.peek(name);
        fsx::record_env(name, value);
        value
    }

    /// [`Env::get`] without recording: for direct mode's own check.
    pub(crate) fn peek(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }
}

/// Runs solink with `argv` (program name first) and `env`. On success the
/// driver usually replaces this process, so this returns only for
/// `--dry-run`, `--solink-help`, the management options, a command run
/// through a response file (with the driver's status), or an error.
///
/// The configuration files are folded into `env` first, and with
/// `SOLINK_LOGFILE` every way out is recorded there (an exec before it
/// happens, since exec never returns).
pub fn run(argv: Vec<OsString>, env: &Env) -> anyhow::Result<u8> {
    let config = match config::load(env) {
        Ok(config) => config,
        Err(e) => {
            logfile::Log::new(env, &argv).refusal(&e.to_string());
            return Err(e.into());
        }
    };
    let env = &config.env;
    // `solink` alone: a short usage, as ccache does, rather than a bare
    // `cc` that only says "no input files".
    if argv.len() <= 1 && argv.first().and_then(|p| masquerade_name(p)).is_none() {
        let _ = std::io::stderr().lock().write_all(usage().as_bytes());
        return Ok(2);
    }
    let mut log = logfile::Log::new(env, &argv);
    let result = run_configured(argv, env, &config, &mut log);
    match &result {
        Ok(code) => log.status(*code),
        Err(e) => log.refusal(&format!("{e:#}")),
    }
    result
}

/// What `solink` with no arguments prints on stderr.
fn usage() -> String {
    format!(
        "solink {}: a drop-in for `gcc -shared` that embeds the static archives a shared library links against\n\
         usage: solink [OPTIONS] [--] ARGS...\n\
         \x20      solink [OPTIONS] DRIVER ARGS...\n\
         solink --solink-help lists its options, --show-config its settings, --man prints the manual\n",
        env!("CARGO_PKG_VERSION")
    )
}

// Long on purpose: the pipeline's steps in order, each a call; splitting it would hide the order.

fn run_configured(
    argv: Vec<OsString>,
    env: &Env,
    config: &config::Config,
    log: &mut logfile::Log,
) -> anyhow::Result<u8> {
    // Everything this run reads of the environment and the file system is
    // recorded, for direct mode (stopped when it is not used).
    fsx::start_recording();
    exec::check_depth(env)?;
    let started_ns = store::direct::now_ns();
    let whole = argv.clone();
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
            Parsed::Manage(what, options) => return manage(what, &options, env, config),
        },
    };
    let (driver_words, args) = match (&masquerade, &options.cc) {
        (Some(name), None) => (vec![name.clone()], args),
        _ => choose_driver(&options, args, env),
    };
    if options.disable {
        return pass_through(&options, &driver_words, &args, env, log);
    }
    let syntax = args::Syntax::of_driver(&driver_words[0]);
    // Near misses are judged against gcc's options; ld has long options of
    // its own (`--format`, `--trace`) that must not draw a note.
    if syntax == args::Syntax::Gcc {
        for note in &options.notes {
            let _ = writeln!(std::io::stderr().lock(), "solink: note: {note}");
        }
    }
    // Found once, up front (a PATH walk, no process): the system dirs are
    // asked of it, and it is what runs. Not found is an error only when it
    // must run: `--dry-run` and `--print-resolved` work without it.
    let driver = Driver::find(&driver_words, env);
    let driver_path = driver.as_ref().map(|d| d.path.clone()).unwrap_or_default();
    let cmd = args::classify_as(args.clone(), syntax)?;
    // Direct mode, for a shared link (anything else goes to the driver with
    // no search and no cache): the whole answer from one entry, when every
    // file it was worked out from is as it was; else everything it asks is
    // recorded.
    let store = if cmd.is_shared_link() { open_store(&options, env) } else { None };
    let direct = direct_key(&options, &cmd, store.as_ref(), log, &whole, (&driver_words, &args), env);
    match &direct {
        Some((cache, key)) => match store::direct::lookup(cache, key, |name| env.peek(name)) {
            Some(answer) if answer.driver == driver_path => {
                // Best effort, as `report` is: a closed stderr must not stop the link.
                let _ = std::io::stderr().lock().write_all(&answer.said);
                if options.dry_run {
                    return print_command(&driver_words, &answer.args);
                }
                return Ok(driver?.run(&answer.args, env)?);
            }
            _ => {}
        },
        None => drop(fsx::take_recording()),
    }
    let (mut final_args, decisions, entries, exported) = if cmd.is_shared_link() {
        link_args(&options, &cmd, (&driver_words[0], driver.as_ref().ok()), store.as_ref(), env)?
    } else {
        (args, Vec::new(), (Vec::new(), None), Exported::default())
    };
    let export_warnings = exported.exports.as_ref().map(explain::export_warnings).unwrap_or_default();
    if let Some(status) = before_link(&options, &cmd, &decisions, &export_warnings)? {
        return Ok(status);
    }
    let mut command_line = driver_words.clone();
    command_line.extend(final_args.iter().cloned());
    let about = explain::About {
        driver: driver.as_ref().ok().map(|d| d.path.clone()),
        // Only asked for when someone reads them: each costs a stat and a
        // directory open (tests/cli/budget.rs counts a plain link's calls).
        notes: if options.explain || log.wanted() { search_notes(&options, &cmd) } else { Vec::new() },
        recorded: match &entries {
            (entries, Some(_)) if !options.print_resolved => entries.iter().map(|e| e.file.clone()).collect(),
            _ => Vec::new(),
        },
        exports: exported.exports.as_ref().map(explain::export_lines).unwrap_or_default(),
        export_warnings,
    };
    if log.wanted() {
        log.link(&explain::json(&cmd, &decisions, &command_line, &about), &command_line);
    }
    let said = report(&options, &cmd, &decisions, &command_line, &about, env);
    // What direct mode stores: a shared link's answer, with the warnings
    // it printed.
    let recording = fsx::take_recording().filter(|r| !r.conflicted && cmd.is_shared_link());
    let keep_answer = |args: &[OsString], note: Option<(PathBuf, u64)>| {
        if let (Some((cache, key)), Some(recording)) = (&direct, &recording) {
            let answer = store::direct::Answer {
                driver: driver_path.clone(),
                args: args.to_vec(),
                note,
                said: said.clone(),
            };
            store::direct::store(cache, key, &answer, recording, started_ns);
        }
    };
    if options.dry_run {
        keep_answer(&final_args, None);
        return print_command(&driver_words, &final_args);
    }
    // After the dry run and the printed command: the note object's path
    // lies in the cache (or is temporary), and a command shown to a person
    // or compared across directories must not depend on where that is;
    // `--explain` names it on a line of its own.
    let mut keep: Vec<tempfile::TempPath> = exported.script.into_iter().collect();
    match add_note(&options, &entries, &mut final_args, store.as_ref(), env) {
        Note::Absent => keep_answer(&final_args, None),
        Note::Cached(path, size) => keep_answer(&final_args, Some((path, size))),
        Note::Temporary(path) => keep.push(path),
        Note::Failed => {}
    }
    let driver = driver?;
    log.before_run(keep.is_empty() && driver.will_exec(&final_args, env));
    Ok(driver.run_keeping(&final_args, env, keep)?)
}

/// Prints the command a dry run shows: the driver's words and `args`.
fn print_command(driver_words: &[OsString], args: &[OsString]) -> anyhow::Result<u8> {
    let mut line = explain::quote_command(&[driver_words, args].concat());
    line.push(b'\n');
    print_out(&line)?;
    Ok(0)
}

/// Direct mode's cache and key for this run (`store/direct.rs`), when its answer
/// may be replayed or stored: a shared link, no option that prints or
/// writes more than the link and its warnings (`--explain`,
/// `--print-resolved`, `--depfile`, a log file), and a cache.
fn direct_key(
    options: &Options,
    cmd: &Command,
    store: Option<&store::Store>,
    log: &logfile::Log,
    argv: &[OsString],
    (driver_words, args): (&[OsString], &[OsString]),
    env: &Env,
) -> Option<(store::Store, String)> {
    // The exports' version script is a file of the cache or a temporary
    // one, and `@FILE` lists are read at the link: never replayed.
    if !cmd.is_shared_link()
        || !options.export.is_empty()
        || !options.export_archive.is_empty()
        || options.explain
        || options.print_resolved
        || options.depfile.is_some()
        || log.wanted()
    {
        return None;
    }
    use std::io::IsTerminal;
    let cache = store?.clone();
    // The warnings' colour depends on it.
    let terminal = std::io::stderr().is_terminal();
    Some((cache, store::direct::key(env, argv, driver_words, args, terminal)?))
}

/// The provenance note object of a link.
enum Note {
    /// The link embeds nothing: no note.
    Absent,
    /// In the cache, content-addressed, with its size.
    Cached(PathBuf, u64),
    /// A temporary file, removed after the link.
    Temporary(tempfile::TempPath),
    /// It could not be made (a warning said so).
    Failed,
}

/// Issue 13 §1: when the link embeds archives, the `.note.solink` object
/// that records them goes last on the command line (it defines and needs
/// no symbol, so where it stands changes no member ld pulls). It is stored
/// content-addressed in the cache directory, so the driver can be exec'd
/// with nothing to clean up; with no cache (`--no-cache`, or none
/// writable) it is a temporary file, returned so the driver is spawned and
/// the file removed after. A link that embeds nothing gets nothing, so its
/// output is the plain link's. A note that cannot be made is a warning,
/// never the end of the link.
fn add_note(
    options: &Options,
    (entries, target): &(Vec<provenance::Entry>, Option<provenance::Target>),
    args: &mut Vec<OsString>,
    store: Option<&store::Store>,
    env: &Env,
) -> Note {
    let Some(target) = target else { return Note::Absent };
    if entries.is_empty() || options.print_resolved {
        return Note::Absent;
    }
    let tmpdir = temp_dir(env);
    let placed = provenance::note_object(entries, *target)
        .map_err(|e| e.to_string())
        .and_then(|bytes| store::note::place(store, &bytes, &tmpdir).map_err(|e| e.to_string()));
    let (path, note) = match placed {
        Ok(store::note::Placed::Stored(path, size)) => (path.clone(), Note::Cached(path, size)),
        Ok(store::note::Placed::Temporary(path)) => (path.to_path_buf(), Note::Temporary(path)),
        Err(e) => {
            let _ =
                writeln!(std::io::stderr().lock(), "solink: warning: no provenance note in the output: {e}");
            return Note::Failed;
        }
    };
    args.push(path.into_os_string());
    note
}

/// What comes between the decisions and the link: `--strict` refuses on
/// any warning, `--print-resolved` prints the embedded files and stops
/// (`Some(0)`), `--depfile` writes them. The embedded files are computed
/// only for those two options.
fn before_link(
    options: &Options,
    cmd: &Command,
    decisions: &[resolve::Decision],
    export_warnings: &[String],
) -> Result<Option<u8>, Error> {
    if options.strict {
        // Every warning, not just the first: a build log should show them all.
        let lines: Vec<String> = decisions
            .iter()
            .filter_map(|d| d.warning.as_ref())
            .map(explain::warning)
            .chain(export_warnings.iter().cloned())
            .collect();
        if !lines.is_empty() {
            return Err(Error::Strict { warnings: lines });
        }
    }
    if options.print_resolved {
        let mut out = Vec::new();
        for path in &resolve::embedded_files(cmd, decisions) {
            out.extend_from_slice(path.as_os_str().as_encoded_bytes());
            out.push(b'\n');
        }
        print_out(&out)?;
        return Ok(Some(0));
    }
    if let (Some(path), true) = (&options.depfile, cmd.is_shared_link()) {
        let target = cmd.output.clone().unwrap_or_else(|| PathBuf::from("a.out"));
        let mut prereqs = resolve::embedded_files(cmd, decisions);
        let members: Vec<PathBuf> = prereqs.iter().flat_map(|a| depfile::thin_members(a)).collect();
        for pc in members.into_iter().chain(depfile::pc_files(decisions)) {
            if !prereqs.contains(&pc) {
                prereqs.push(pc);
            }
        }
        depfile::write(&depfile::path_for(path, &target), &depfile::render(&target, &prereqs)?)?;
    }
    Ok(None)
}

/// The output's directory, canonical (for `--rpath-dynamic=origin`); the
/// current directory when the output names none.
fn output_dir(cmd: &Command) -> PathBuf {
    let out = cmd.output.clone().unwrap_or_else(|| PathBuf::from("a.out"));
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fsx::canonicalize(&dir).unwrap_or_else(|_| std::path::absolute(&dir).unwrap_or(dir))
}

/// `SOLINK_DISABLE=1`: the driver gets the arguments as they came, with no
/// search, no inspection, no cache and no log record. A dry run still runs
/// nothing: it prints that unchanged command.
fn pass_through(
    options: &Options,
    driver_words: &[OsString],
    args: &[OsString],
    env: &Env,
    log: &mut logfile::Log,
) -> anyhow::Result<u8> {
    log.skip();
    if options.dry_run {
        return print_command(driver_words, args);
    }
    Ok(Driver::find(driver_words, env)?.run(args, env)?)
}

/// Where the cache lives for these options and this environment.
fn cache_root(options: &Options, env: &Env) -> Option<PathBuf> {
    let path = |name| env.get(name).map(std::path::Path::new);
    store::root(options.cache_dir.as_deref(), path("XDG_CACHE_HOME"), path("HOME"))
}

/// This run's cache, opened once and checked; `None` with `--no-cache`,
/// with nowhere to put it, or when it fails the trust check (then after
/// one warning: the link goes on without it).
fn open_store(options: &Options, env: &Env) -> Option<store::Store> {
    if options.no_cache {
        return None;
    }
    match store::Store::open(&cache_root(options, env)?) {
        Ok(store) => Some(store),
        Err(store::NoStore::Distrusted(path, why)) => {
            let prefix = colour::warning_prefix(colour::choice(
                env,
                std::io::IsTerminal::is_terminal(&std::io::stderr()),
            ));
            let _ = writeln!(std::io::stderr().lock(), "{prefix} {}", explain::cache_not_used(&path, &why));
            None
        }
        Err(store::NoStore::Unavailable) => None,
    }
}

/// `--clear-cache`, `--show-cache`, `--show-config` and `--audit`.
fn manage(what: cli::Manage, options: &Options, env: &Env, config: &config::Config) -> anyhow::Result<u8> {
    if what == cli::Manage::ShowConfig {
        let words = options.cc.clone().unwrap_or_else(|| vec!["cc".into()]);
        let driver = match Driver::find(&words, env) {
            Ok(d) => d.path.display().to_string(),
            Err(e) => format!("none ({e})"),
        };
        let text = config.show(
            env!("CARGO_PKG_VERSION"),
            &driver,
            &options.command_line,
            cache_root(options, env).as_deref(),
        );
        print_out(text.as_bytes())?;
        return Ok(0);
    }
    let root = || cache_root(options, env).ok_or(Error::NoCacheDir);
    let text = match what {
        cli::Manage::ClearCache => {
            let root = root()?;
            store::clear(&root).map_err(|e| match e {
                store::NoStore::Distrusted(path, why) => Error::CacheClear { path, why },
                store::NoStore::Unavailable => Error::NoCacheDir,
            })?;
            format!("cleared the cache at {}\n", root.display())
        }
        cli::Manage::ShowCache => {
            let root = root()?;
            let (entries, bytes) = store::usage(&root);
            format!("cache directory: {}\nentries: {entries}\nsize: {bytes} bytes\n", root.display())
        }
        cli::Manage::ShowConfig => unreachable!("handled above"),
        cli::Manage::Audit(files) => return run_audit(&files, options, env),
        cli::Manage::Embeds(query, dirs) => return run_embeds(&query, &dirs, options),
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
    Ok(u8::from(audits.iter().any(audit::Audit::found)))
}

/// `--audit --embeds NAME[=SHA256] DIR...`: 0 when a file embeds it, 1
/// when none does (docs/provenance.md).
fn run_embeds(query: &audit::embeds::Query, dirs: &[PathBuf], options: &Options) -> anyhow::Result<u8> {
    let found = audit::embeds::find(query, dirs)?;
    let text = if options.json {
        audit::embeds::json(&found).to_string() + "\n"
    } else {
        audit::embeds::text(&found)
    };
    print_out(text.as_bytes())?;
    Ok(u8::from(found.hits.is_empty()))
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

/// The rewritten arguments of a shared link, the decisions behind them,
/// and what the provenance note is to record.
type LinkArgs =
    (Vec<OsString>, Vec<resolve::Decision>, (Vec<provenance::Entry>, Option<provenance::Target>), Exported);

/// Issue 23: what `--export` and `--export-archive` came to, and the
/// version script solink wrote when it is a temporary file.
#[derive(Default)]
struct Exported {
    exports: Option<policy::export::Exports>,
    script: Option<tempfile::TempPath>,
}

/// The rewritten arguments of a shared link, and the decisions behind them.
fn link_args(
    options: &Options,
    cmd: &Command,
    (driver_name, driver): (&OsStr, Option<&Driver>),
    cache: Option<&store::Store>,
    env: &Env,
) -> Result<LinkArgs, Error> {
    if let Some(option) = &cmd.missing_value {
        return Err(Error::MissingValue { option: option.clone() });
    }
    if let Some(path) = cmd.direct_archives.iter().find(|p| !fsx::exists(p)) {
        return Err(Error::ArchiveNotFound { path: path.clone() });
    }
    let system = match driver {
        _ if options.no_system_dirs => None,
        Some(driver) => {
            Some(SystemDirs::of_driver(driver, cmd.syntax, &cmd.target_flags, env, cache.cloned()))
        }
        None => Some(SystemDirs::listed(search::fallback_system_dirs())),
    };
    let search = SearchPath::new(&options.libsdir, &cmd.lib_dirs, options.workspace.as_deref(), system);
    let policy = resolve::Policy {
        embed: options.embed.clone(),
        no_embed: options.no_embed.clone(),
        no_deps: options.no_deps,
        pkg_config: pkgconfig::Config::from_env(env),
        driver_libs: policy::driver_libraries(driver_name, cmd.syntax),
        no_default_libs: cmd.no_default_libs,
        archive_first: options.archive_first,
    };
    let target = archive::target::link_target(cmd);
    let mut resolver = resolve::Resolver::new(search, policy, target, cache.cloned());
    resolver.probe.use_pack(pack_key(cmd, options, env));
    resolver.probe.cross_check = env.get("SOLINK_CROSS_CHECK").is_some_and(|v| !v.is_empty() && v != "0");
    let mut decisions = resolver.resolve(cmd);
    let mut shape = rewrite::Shape {
        group: !options.no_group,
        whole_archive: options.whole_archive.clone(),
        hide: options.hide.clone(),
        unhidden: Vec::new(),
        rpaths: Vec::new(),
    };
    // The closure check reads the link as rewritten, so it comes after
    // the decisions and before the rpaths (which change no symbol).
    // Issue 13 §3: what a dynamic dependency already embeds is not
    // embedded again. Before the closure check, so the check reads the
    // link without it, and so the reason given is this one (after it, with
    // the dependency first, the check would call the archive unused).
    resolver.carried(cmd, &mut decisions);
    resolver.verify(cmd, &mut decisions, &shape, driver_name);
    resolver.probe.store_pack();
    // Issue 13 §4: constructor members ld would leave out are pulled in
    // with `--whole-archive=auto`, else named in a warning.
    let auto = matches!(&options.whole_archive, rewrite::Select::Names(n) if n.iter().any(|x| x == "auto"));
    let mut undefined = Vec::new();
    if let Some(summary) = resolver.summary_mut() {
        if auto {
            undefined = policy::verify::pull_ctors(&decisions, summary).0;
        }
        policy::verify::ctors_left(&mut decisions, summary);
    }
    // Last, so every warning any step gave (the check's too) is judged the same way.
    decisions.iter_mut().for_each(policy::system_warning_to_note);
    // Issue 20 §1: the user's own file, unfit, with nothing to swap in and
    // a member ld pulls: ld would fail on it, so solink says so first.
    if let Some((archive, problem)) = policy::verify::refused(&decisions, resolver.summary()) {
        return Err(Error::NotPic { archive, problem });
    }
    if let Some(form) = options.rpath_dynamic {
        shape.rpaths = resolver.rpath_dirs(&mut decisions, form, &output_dir(cmd));
    }
    let mut exported = Exported::default();
    if !options.export.is_empty() || !options.export_archive.is_empty() {
        let summary = resolver.summary_for_exports(cmd, &decisions, &shape, driver_name);
        let exports = exports_of(options, cmd, &decisions, &mut resolver, summary.as_ref(), &shape.hide)?;
        shape.unhidden = exports.unhidden.iter().map(|(p, _)| p.clone()).collect();
        undefined.extend(exports.pull.iter().cloned());
        exported.exports = Some(exports);
    }
    // The note records what the closure check says ld pulls; without the
    // check there is nothing true to record.
    let from = exported.exports.as_ref().map(|e| e.from_archives.clone()).unwrap_or_default();
    let entries = match resolver.summary() {
        Some(summary) => {
            provenance::link_entries(&decisions, summary, &shape.hide, &from, cache, |p| resolver.file_id(p))
                .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let note_target = (!entries.is_empty()).then(|| provenance::Target::of_link(cmd, target));
    let mut args = rewrite::rewrite(cmd, &decisions, &shape);
    // `-u` is global in ld (its symbol is undefined from the start of the
    // link), so where it stands does not matter; `-Xlinker` keeps a comma
    // in a symbol name whole.
    for sym in &undefined {
        let mut word = OsString::from("--undefined=");
        word.push(std::ffi::OsStr::from_bytes(sym));
        if cmd.syntax != args::Syntax::Ld {
            args.push("-Xlinker".into());
        }
        args.push(word);
    }
    // The resolver holds every symbol table the closure check read (libc's
    // exports among them); freeing them one by one was a tenth of a
    // relink's instructions, in a process that execs or exits next. `run`
    // is called once per process.
    std::mem::forget(resolver);
    if let Some(exports) = exported.exports.as_ref().filter(|e| e.touches_script()) {
        exported.script = version_script(exports, cmd.syntax, &mut args, cache, env)?;
    }
    Ok((args, decisions, (entries, note_target), exported))
}

/// The names `--export` gives, each `@FILE` read (one name a line; blank
/// lines and `#` comments skipped).
fn export_names(options: &Options) -> Result<Vec<symbols::Name>, Error> {
    let mut names = Vec::new();
    for entry in &options.export {
        match entry.as_bytes().strip_prefix(b"@") {
            Some(file) => {
                let path = PathBuf::from(OsStr::from_bytes(file));
                let text = fsx::read_regular(&path, 64 << 20)
                    .map_err(|source| Error::ExportList { path: path.clone(), source })?;
                for line in text.split(|&c| c == b'\n') {
                    let line = line.trim_ascii();
                    if !line.is_empty() && !line.starts_with(b"#") {
                        names.push(line.into());
                    }
                }
            }
            None => names.push(entry.as_bytes().into()),
        }
    }
    Ok(names)
}

/// Issue 23: the exports, from the symbols each input of the link
/// defines: the objects the command names, and each embedded archive's
/// members (pulled or not, as the closure check says; all of them when it
/// did not run).
fn exports_of(
    options: &Options,
    cmd: &Command,
    decisions: &[resolve::Decision],
    resolver: &mut resolve::Resolver,
    summary: Option<&policy::verify::Summary>,
    hide: &rewrite::Select,
) -> Result<policy::export::Exports, Error> {
    use policy::export::{Member, Source};
    let names = export_names(options)?;
    let mut sources = Vec::new();
    for arg in &cmd.args {
        let [token] = cmd.arg_tokens(arg) else { continue };
        let path = std::path::Path::new(token);
        if arg.linker.is_some() || !path.extension().is_some_and(|e| e == "o") {
            continue;
        }
        for (_, defines) in resolver.defined_symbols(path).unwrap_or_default() {
            sources.push(Source { label: path.display().to_string(), archive: None, defines });
        }
    }
    // Every archive of the link, as the closure check read it (an archive
    // rustc links itself in a static region among them), else the embedded
    // ones; `--hide` hides the embedded archives it selects.
    let mut hidden = Vec::new();
    let mut embedded = Vec::new();
    for d in decisions {
        if let decision::Outcome::Embed { archives, .. } = &d.outcome {
            if hide.wants(&d.lib.name()) {
                hidden.extend(archives.iter().cloned());
            }
            embedded.extend(archives.iter().map(|a| (a.clone(), None)));
        }
    }
    let archives: Vec<(PathBuf, Option<Vec<String>>)> = match summary {
        Some(summary) => summary.archives.iter().map(|a| (a.path.clone(), Some(a.members.clone()))).collect(),
        None => embedded,
    };
    for (archive, pulled) in archives {
        let file = archive.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let stem = file.strip_suffix(".a").unwrap_or(&file);
        let lib = OsString::from(stem.strip_prefix("lib").filter(|n| !n.is_empty()).unwrap_or(stem));
        for (member, defines) in resolver.defined_symbols(&archive).unwrap_or_default() {
            sources.push(Source {
                label: format!("{file}({member})"),
                archive: Some(Member {
                    path: archive.clone(),
                    lib: lib.clone(),
                    hidden: hidden.contains(&archive),
                    pulled: pulled.as_ref().map_or(true, |p| p.contains(&member)),
                }),
                defines,
            });
        }
    }
    Ok(policy::export::decide(&names, &options.export_archive, &sources))
}

/// Issue 23 §2: the link's version script, with the exports merged in, is
/// a copy that takes the original's place on the command line (the
/// original is never written); with none, solink's own script is added.
/// The copy is content-addressed in the cache, else a temporary file,
/// returned so that it is removed after the link.
fn version_script(
    exports: &policy::export::Exports,
    syntax: args::Syntax,
    args: &mut Vec<OsString>,
    store: Option<&store::Store>,
    env: &Env,
) -> Result<Option<tempfile::TempPath>, Error> {
    let (global, local) = (exports.global(), exports.local.clone());
    let at = policy::export::script_at(args);
    let bytes = match &at {
        Some((i, range)) => {
            let path = PathBuf::from(OsStr::from_bytes(&args[*i].as_bytes()[range.clone()]));
            let text = fsx::read_regular(&path, 16 << 20)
                .map_err(|source| Error::VersionScript { path: path.clone(), source })?;
            policy::export::merge_script(&text, &global, &local)
        }
        None => policy::export::new_script(&global, &local),
    };
    let placed = store::note::place_script(store, &bytes, &temp_dir(env))
        .map_err(|source| Error::VersionScript { path: temp_dir(env), source })?;
    let (path, temp) = match placed {
        store::note::Placed::Stored(path, _) => (path, None),
        store::note::Placed::Temporary(path) => (path.to_path_buf(), Some(path)),
    };
    match at {
        Some(at) => policy::export::replace_script(args, at, path.as_os_str().as_bytes()),
        None => {
            let mut word = OsString::from("--version-script=");
            word.push(&path);
            if syntax != args::Syntax::Ld {
                args.push("-Xlinker".into());
            }
            args.push(word);
        }
    }
    Ok(temp)
}

/// Where temporary files go: `TMPDIR` when it is a directory, else `/tmp`.
fn temp_dir(env: &Env) -> PathBuf {
    env.get("TMPDIR")
        .filter(|d| fsx::is_dir(std::path::Path::new(d)))
        .map(PathBuf::from)
        .unwrap_or("/tmp".into())
}

/// The key of a link's pack of verdicts: a digest of where it runs and
/// what it names. It only groups entries (each is checked against its
/// file's identity), so two links with the same key cannot mislead each
/// other; the same link finds its own pack again.
fn pack_key(cmd: &Command, options: &Options, env: &Env) -> String {
    let mut h = store::KeyHasher::default();
    h.add(env.cwd.as_deref().unwrap_or(std::path::Path::new("")).as_os_str().as_bytes());
    for dir in &options.libsdir {
        h.add(dir.as_os_str().as_bytes());
    }
    h.add(options.workspace.as_deref().unwrap_or(std::path::Path::new("")).as_os_str().as_bytes());
    for token in &cmd.tokens {
        h.add(token.as_bytes());
    }
    h.hex()
}

/// The search's notes (directories skipped, and why), for a shared link.
fn search_notes(options: &Options, cmd: &Command) -> Vec<String> {
    if !cmd.is_shared_link() {
        return Vec::new();
    }
    let mut dirs: Vec<(PathBuf, search::Stage)> =
        options.libsdir.iter().map(|d| (d.clone(), search::Stage::LibsDir)).collect();
    dirs.extend(cmd.lib_dirs.iter().map(|d| (d.clone(), search::Stage::LDir)));
    dirs.extend(options.workspace.iter().map(|w| (w.join("test/lib"), search::Stage::Workspace)));
    search::dir_notes(&dirs)
}

/// Explain output (text or JSON) and warnings, on stderr. Best effort: a
/// closed stderr must not stop the link. Returns what it wrote without
/// `--explain` (the warnings), which direct mode replays.
fn report(
    options: &Options,
    cmd: &Command,
    decisions: &[resolve::Decision],
    command: &[OsString],
    about: &explain::About,
    env: &Env,
) -> Vec<u8> {
    use std::io::IsTerminal;
    let mut err = std::io::stderr().lock();
    if options.explain && options.json {
        let _ = writeln!(err, "{}", explain::json(cmd, decisions, command, about));
        return Vec::new();
    }
    let prefix = colour::warning_prefix(colour::choice(env, err.is_terminal()));
    if options.explain {
        if !cmd.is_shared_link() {
            let _ = writeln!(
                err,
                "solink: not a shared link (no -shared, or it stops before linking); passing it through"
            );
        }
        for note in &about.notes {
            let _ = writeln!(err, "solink: note: {note}");
        }
        // Each warning once, right after the decision it explains.
        for d in decisions {
            let _ = writeln!(err, "{}", explain::decision_line(cmd, d));
            if let Some(warning) = &d.warning {
                let _ = writeln!(err, "{prefix} {}", explain::warning(warning));
            }
        }
        for line in &about.exports {
            let _ = writeln!(err, "{line}");
        }
        for w in &about.export_warnings {
            let _ = writeln!(err, "{prefix} {w}");
        }
        if !about.recorded.is_empty() {
            let _ = writeln!(err, "{}", explain::recorded_line(&about.recorded));
        }
        let mut line = b"solink: command: ".to_vec();
        line.extend(explain::quote_command(command));
        line.push(b'\n');
        let _ = err.write_all(&line);
        if cmd.is_shared_link() {
            let _ = writeln!(err, "{}", explain::summary(cmd, decisions));
        }
        return Vec::new();
    }
    let mut said = Vec::new();
    for warning in decisions.iter().filter_map(|d| d.warning.as_ref()) {
        let _ = writeln!(said, "{prefix} {}", explain::warning(warning));
    }
    for w in &about.export_warnings {
        let _ = writeln!(said, "{prefix} {w}");
    }
    let _ = err.write_all(&said);
    said
}

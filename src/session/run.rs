//! One invocation, start to end: the configuration folded in, the usage,
//! the driver chosen and the cache opened (`ctx.rs`), and the steps of a
//! link in order (classify, resolve, finish, rewrite, run), each lent the
//! one `Ctx`, with the log record of every way out.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use crate::args;
use crate::env::Env;
use crate::exec::{self, Driver};
use crate::settings::cli::{self, Options, Parsed};
use crate::settings::config;
use crate::{explain, fsx, store};

use super::ctx::{choose_driver, masquerade_name, open_store, warn, Ctx};
use super::link_args::{archives_by_content, link_args, pack_key, search_notes, Extras};
use super::logfile;
use super::manage::manage;
use super::note::{self, add_note, Note};
use super::report::{before_link, print_out, report};

/// Runs solink with `argv` (program name first) and `env`. On success the
/// driver usually replaces this process, so this returns only for
/// `--dry-run`, `--solink-help`, the management options, a command run
/// through a response file (with the driver's status), or an error.
///
/// The configuration files are folded into `env` first, and with
/// `SOLINK_LOGFILE` every way out is recorded there (an exec before it
/// happens, since exec never returns).
pub fn run(argv: Vec<OsString>, env: &Env) -> anyhow::Result<u8> {
    // Every write solink makes fails with EFBIG past `ulimit -f`, and is
    // handled, rather than killing it (issue 33 §4).
    fsx::ignore_sigxfsz();
    let masquerading = argv.first().and_then(|p| masquerade_name(p)).is_some();
    let config = match config::load(env, config::hermetic(&argv, masquerading, env)) {
        Ok(config) => config,
        Err(e) => {
            logfile::Log::new(env, &argv).refusal(&e.to_string());
            return Err(e.into());
        }
    };
    let env = &config.env;
    for warning in &config.warnings {
        warn(env, warning);
    }
    // `solink` alone: a short usage, as ccache does, rather than a bare
    // `cc` that only says "no input files".
    if argv.len() <= 1 && argv.first().and_then(|p| masquerade_name(p)).is_none() {
        let _ = std::io::stderr().lock().write_all(explain::usage().as_bytes());
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

// Long on purpose: the pipeline's steps in order, each a call; splitting it would hide the order.

pub(super) fn run_configured(
    argv: Vec<OsString>,
    env: &Env,
    config: &config::Config,
    log: &mut logfile::Log,
) -> anyhow::Result<u8> {
    // Everything this run reads of the environment and the file system is
    // recorded, for direct mode (stopped when it is not used).
    fsx::start_recording();
    // Each directory is listed and each input mapped once in this run,
    // however many questions ask them (issue 34 §7); each question is
    // still recorded as it is asked.
    let _once = fsx::once_per_run();
    exec::check_depth(env)?;
    // Issue 33 §8: ccache in front of solink would cache objects under
    // solink's identity; refused, naming the order that works. Not for
    // SOLINK_DISABLE, which passes everything through.
    if exec::started_by_ccache() && !cli::from_env(env).is_ok_and(|o| o.disable) {
        return Err(crate::error::Error::CcacheInFront.into());
    }
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
    let family = args::family::Family::of_words(&driver_words);
    let syntax = family.syntax();
    // Near misses are judged against gcc's options; ld has long options of
    // its own (`--format`, `--trace`) that must not draw a note.
    if syntax == args::Syntax::Gcc {
        for note in &options.notes {
            let _ = writeln!(std::io::stderr().lock(), "{}", explain::note_line(note));
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
    let store = if cmd.is_checked_link(!options.no_programs) { open_store(&options, env) } else { None };
    let ctx = Ctx {
        env,
        options: &options,
        cmd: &cmd,
        driver_words: &driver_words,
        family,
        driver: driver.as_ref().ok(),
        store: store.as_ref(),
    };
    // The link's entries go to one cache file, written before the driver
    // runs (issue 34 §3); a run that ends early writes it when the guard
    // goes.
    let _flush = store.as_ref().map(|s| {
        s.for_link(&pack_key(&ctx));
        s.flush_on_drop()
    });
    let direct = direct_key(&ctx, log, &whole, &args);
    match &direct {
        Some((cache, key)) => match store::direct::lookup(cache, key, |name| env.peek(name)) {
            // The note beside the output is made to hold the answer's
            // bytes again (it may have been removed since); where it cannot
            // be, the link is worked out afresh.
            Some(answer)
                if answer.driver == driver_path
                    && answer
                        .note
                        .as_ref()
                        .map_or(true, |(path, bytes)| note::put_beside(path, bytes).is_ok()) =>
            {
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
    // solink's part is the link it may rewrite: a shared link, or a
    // program that takes an archive (issue 31 §3); any other command goes
    // to the driver as it came and writes nothing on stderr, whatever
    // `--explain` says (issue 31 §7: libtool's probes take any stderr for
    // a failure). The log file still records it.
    let checked = cmd.is_checked_link(!options.no_programs);
    // A `.lo` is an archive or an object: read now that direct mode has
    // missed, and only for a link solink checks (issue 31 §6).
    let by_content = if checked { archives_by_content(&cmd) } else { None };
    let ctx = Ctx { cmd: by_content.as_ref().unwrap_or(&cmd), ..ctx };
    let cmd = ctx.cmd;
    let passed = |args| (args, Vec::new(), (Vec::new(), None), Extras::default());
    let (mut final_args, decisions, entries, extras) = match checked {
        true => match link_args(&ctx)? {
            // A program that takes no archive reaches the driver as it
            // came (issue 31), with nothing said.
            (_, decisions, ..) if !cmd.is_shared_link() && !takes_archives(&decisions) => passed(args),
            answer => answer,
        },
        false => passed(args),
    };
    // A child that printed past its cap (issue 33 §4) is said once; the
    // probe went on without its answer.
    for problem in exec::take_overflows() {
        warn(env, &explain::child_overflow(&problem));
    }
    let handled = cmd.is_shared_link() || !decisions.is_empty();
    let mut warnings = extras.exports.as_ref().map(explain::export_warnings).unwrap_or_default();
    warnings.extend(extras.host.as_ref().map(explain::host_warnings).unwrap_or_default());
    if handled {
        warnings.extend(explain::open_region_warning(cmd));
    }
    if let Some(status) = before_link(&ctx, &decisions, &warnings)? {
        return Ok(status);
    }
    let mut command_line = driver_words.clone();
    command_line.extend(final_args.iter().cloned());
    let about = explain::About {
        driver: driver.as_ref().ok().map(|d| d.path.clone()),
        // Only asked for when someone reads them: each costs a stat and a
        // directory open (tests/cli/budget.rs counts a plain link's calls).
        notes: if options.explain || log.wanted() { search_notes(&ctx) } else { Vec::new() },
        recorded: match &entries {
            (entries, Some(_)) if !options.print_resolved => entries.iter().map(|e| e.file.clone()).collect(),
            _ => Vec::new(),
        },
        exports: extras.exports.as_ref().map(explain::export_lines).unwrap_or_default(),
        private: explain::private_lines(&extras.copies.privates),
        host: extras.host.clone(),
        warnings,
        added: match &entries {
            (entries, Some(_)) if !options.print_resolved => explain::added(entries),
            _ => None,
        },
    };
    if log.wanted() {
        log.link(&explain::json(cmd, &decisions, &command_line, &about), &command_line);
    }
    let said = if handled { report(&ctx, &decisions, &command_line, &about) } else { Vec::new() };
    // What direct mode stores: a shared link's answer, with the warnings
    // it printed.
    let recording =
        fsx::take_recording().filter(|r| !r.conflicted && cmd.is_checked_link(!options.no_programs));
    // Private copies (issue 35) are temporary files: never replayed.
    let replayable = extras.copies.files.is_empty();
    let keep_answer = |args: &[OsString], note: Option<(PathBuf, Vec<u8>)>| {
        if let (Some((cache, key)), Some(recording), true) = (&direct, &recording, replayable) {
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
    let mut keep: Vec<tempfile::TempPath> = extras.script.into_iter().collect();
    keep.extend(extras.copies.files);
    match add_note(&ctx, &entries, &mut final_args) {
        Note::Absent => keep_answer(&final_args, None),
        Note::Beside(path, bytes) => keep_answer(&final_args, Some((path, bytes))),
        Note::Temporary(path) => keep.push(path),
        Note::Failed => {}
    }
    let driver = driver?;
    // An exec runs no destructor: the cache is written now.
    if let Some(s) = &store {
        s.flush();
    }
    log.before_run(keep.is_empty() && driver.will_exec(&final_args, env));
    Ok(driver.run_keeping(&final_args, env, keep)?)
}

/// Whether a program's link is solink's to change: it takes an archive,
/// which is then checked, or needs a directory only solink searches.
fn takes_archives(decisions: &[crate::model::Decision]) -> bool {
    use crate::model::{Outcome, Reason};
    decisions.iter().any(|d| {
        matches!(d.outcome, Outcome::Embed { .. }) || matches!(d.reason, Reason::SharedOutsideLd { .. })
    })
}

/// Prints the command a dry run shows: the driver's words and `args`.
pub(super) fn print_command(driver_words: &[OsString], args: &[OsString]) -> anyhow::Result<u8> {
    let mut line = explain::quote_command(&[driver_words, args].concat());
    line.push(b'\n');
    print_out(&line)?;
    Ok(0)
}

/// Direct mode's cache and key for this run (`store/direct.rs`), when its answer
/// may be replayed or stored: a shared link, no option that prints or
/// writes more than the link and its warnings (`--explain`,
/// `--print-resolved`, `--depfile`, a log file), and a cache.
pub(super) fn direct_key(
    ctx: &Ctx,
    log: &logfile::Log,
    argv: &[OsString],
    args: &[OsString],
) -> Option<(store::Store, String)> {
    let Ctx { options, cmd, store, env, driver_words, .. } = *ctx;
    // The exports' version script is a file of the cache or a temporary
    // one, and `@FILE` lists are read at the link: never replayed.
    if !cmd.is_checked_link(!options.no_programs)
        || !options.export.is_empty()
        || !options.export_archive.is_empty()
        || options.isolate != crate::rewrite::Select::None
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

/// `SOLINK_DISABLE=1`: the driver gets the arguments as they came, with no
/// search, no inspection, no cache and no log record. A dry run still runs
/// nothing: it prints that unchanged command.
pub(super) fn pass_through(
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

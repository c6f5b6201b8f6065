//! A shared link: the resolver set up for this command, its decisions,
//! the closure check's extras, and the rewritten arguments.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::args::{self, Command};
use crate::error::Error;
use crate::formats::{pkgconfig, provenance};
use crate::probe::dryrun::Nvcc;
use crate::probe::search;
use crate::probe::search::SearchPath;
use crate::probe::sysdirs::{self, SystemDirs};
use crate::{fsx, model, policy, probe, resolve, rewrite, store};

use super::ctx::Ctx;
use super::exports::{exports_of, version_script};
use super::isolate::{private_copies, Copies};

/// The rewritten arguments of a shared link, the decisions behind them,
/// and what the provenance note is to record.
pub(super) type LinkArgs =
    (Vec<OsString>, Vec<model::Decision>, (Vec<provenance::Entry>, Option<provenance::Target>), Extras);

/// What a shared link comes to beside its arguments and decisions: what
/// `--export` and `--export-archive` came to and the version script solink
/// wrote when it is a temporary file (issue 23), and for nvcc what its
/// host link adds (issue 20 §8).
#[derive(Default)]
pub(super) struct Extras {
    pub(super) exports: Option<policy::export::Exports>,
    pub(super) script: Option<tempfile::TempPath>,
    pub(super) host: Option<model::HostLink>,
    /// Issue 35: the private copies made before the link, and their files.
    pub(super) copies: Copies,
}

/// The rewritten arguments of a shared link, and the decisions behind them.
pub(super) fn link_args(ctx: &Ctx) -> Result<LinkArgs, Error> {
    let Ctx { options, cmd, driver, env, store: cache, family, .. } = *ctx;
    let driver_name = &ctx.driver_words[0];
    if let Some(option) = &cmd.missing_value {
        return Err(Error::MissingValue { option: option.clone() });
    }
    if let Some((option, misuse)) = &cmd.state_misuse {
        let (before, ld_says) = misuse.ld_words();
        return Err(Error::StateMisuse { option: option.clone(), before, ld_says });
    }
    if let Some(path) = cmd.direct_archives.iter().find(|p| !fsx::exists(p)) {
        return Err(Error::ArchiveNotFound { path: path.clone() });
    }
    // nvcc's system dirs are its host compiler's, which links: named by
    // its dry run, asked when a lookup first needs them.
    let nvcc = match driver {
        Some(nvcc) if cmd.syntax == args::Syntax::Nvcc => Some(Nvcc::new(nvcc.clone(), env, cache.cloned())),
        _ => None,
    };
    let system = match (driver, &nvcc) {
        _ if options.no_system_dirs => None,
        (_, Some(nvcc)) => Some(SystemDirs::of_nvcc(nvcc.clone(), &cmd.tokens, &cmd.target_flags)),
        (Some(driver), None) => {
            Some(SystemDirs::of_driver(driver, cmd.syntax, &cmd.target_flags, env, cache.cloned()))
        }
        (None, None) => Some(SystemDirs::listed(sysdirs::fallback_system_dirs())),
    };
    let search = SearchPath::new(&options.libsdir, &cmd.lib_dirs, options.workspace.as_deref(), system);
    let policy = policy::Policy {
        embed: options.embed.clone(),
        no_embed: options.no_embed.clone(),
        no_deps: options.no_deps,
        pkg_config: match options.hermetic {
            // Issue 33 §6: only the directories PKG_CONFIG_PATH names; no
            // default directory (PKG_CONFIG_LIBDIR set empty), none beside
            // the archive (`Probe::hermetic`).
            true => pkgconfig::Config { libdir: Some(Vec::new()), ..pkgconfig::Config::from_env(env) },
            false => pkgconfig::Config::from_env(env),
        },
        driver_libs: policy::driver_libraries(family),
        no_default_libs: cmd.no_default_libs,
        archive_first: options.archive_first,
        output: cmd.output_kind().unwrap_or_default(),
    };
    let target = probe::target::link_target(cmd);
    let mut resolver = resolve::Resolver::new(search, policy, target, cache.cloned());
    resolver.probe.use_pack(pack_key(ctx));
    resolver.probe.hermetic = options.hermetic;
    resolver.probe.cross_check = env.get("SOLINK_CROSS_CHECK").is_some_and(|v| !v.is_empty() && v != "0");
    resolver.probe.nvcc = nvcc;
    let mut decisions = resolver.resolve(cmd);
    let mut shape = rewrite::Shape {
        group: !options.no_group,
        whole_archive: options.whole_archive.clone(),
        hide: options.hide.clone(),
        isolate: options.isolate.clone(),
        ..rewrite::Shape::default()
    };
    let output_dir = options.rpath_dynamic.map(|_| output_dir(cmd));
    let last = resolve::Last {
        pull_ctors: matches!(&options.whole_archive, rewrite::Select::Names(n) if n.iter().any(|x| x == "auto")),
        rpath: options.rpath_dynamic.zip(output_dir.as_deref()),
        strict: options.strict,
    };
    let mut undefined = resolver.finish(cmd, &mut decisions, &mut shape, driver_name, last)?;
    let mut extras = Extras::default();
    if !options.export.is_empty() || !options.export_archive.is_empty() {
        let summary = resolver.summary_for_exports(cmd, &decisions, &shape, driver_name);
        let exports = exports_of(ctx, &decisions, &mut resolver, summary.as_ref(), &shape.hide)?;
        shape.unhidden = exports.unhidden.iter().map(|(p, _)| p.clone()).collect();
        undefined.extend(exports.pull.iter().cloned());
        extras.exports = Some(exports);
    }
    extras.host = resolver.host_facts(cmd, &decisions, &shape, driver_name);
    // The note records what the closure check says ld pulls; without the
    // check there is nothing true to record.
    let from = extras.exports.as_ref().map(|e| e.from_archives.clone()).unwrap_or_default();
    let entries = match resolver.summary().cloned() {
        Some(summary) => {
            // What each pulled archive's members define, read before the
            // entries (the resolver lends itself once at a time).
            let mut defined = foldhash::HashMap::default();
            for u in summary.archives.iter().filter(|u| u.pulled) {
                if !defined.contains_key(&u.path) {
                    defined.insert(u.path.clone(), resolver.defined_symbols(&u.path));
                }
            }
            super::note::link_entries(
                &decisions,
                &summary,
                &shape.hide,
                &from,
                |p| resolver.archive_digest(p),
                |p| defined.get(p).cloned().flatten(),
            )
            .unwrap_or_default()
        }
        None => Vec::new(),
    };
    let note_target = (!entries.is_empty()).then(|| probe::target::note_target(cmd, target));
    shape.undefined = undefined;
    let exported: Vec<crate::formats::symbols::Name> = extras
        .exports
        .as_ref()
        .map(|e| e.exported.iter().map(|(n, _)| n.clone()).collect())
        .unwrap_or_default();
    extras.copies = private_copies(ctx, &mut resolver, &decisions, &mut shape, &exported)?;
    let mut entries = entries;
    super::note::mark_private(&mut entries, &extras.copies.privates);
    let mut args = rewrite::rewrite(cmd, &decisions, &shape);
    // The resolver holds every symbol table the closure check read (libc's
    // exports among them); freeing them one by one was a tenth of a
    // relink's instructions (cf5cd70), in a process that execs or exits
    // next. `run` is called once per process.
    std::mem::forget(resolver);
    if let Some(exports) = extras.exports.as_ref().filter(|e| e.touches_script()) {
        extras.script = version_script(ctx, exports, &mut args)?;
    }
    Ok((args, decisions, (entries, note_target), extras))
}

/// The command with its inputs named `.lo` that are archives by their
/// content taken as archives named by path (issue 31 §6); `None` when none
/// is, and then no file was read unless one was named `.lo`.
pub(super) fn archives_by_content(cmd: &Command) -> Option<Command> {
    cmd.with_archives_by_content(probe::inputs::is_archive)
}

/// The key of a link's pack of verdicts: a digest of where it runs and
/// what it names. It only groups entries (each is checked against its
/// file's identity), so two links with the same key cannot mislead each
/// other; the same link finds its own pack again.
pub(super) fn pack_key(ctx: &Ctx) -> String {
    let Ctx { cmd, options, env, .. } = *ctx;
    store::key::pack(
        env.cwd.as_deref(),
        &options.libsdir,
        options.workspace.as_deref(),
        &cmd.tokens,
        cmd.output.as_deref(),
    )
}

/// The search's notes (directories skipped, and why), for a shared link.
pub(super) fn search_notes(ctx: &Ctx) -> Vec<String> {
    let Ctx { options, cmd, .. } = *ctx;
    if !cmd.is_shared_link() {
        return Vec::new();
    }
    let mut dirs: Vec<(PathBuf, model::Stage)> =
        options.libsdir.iter().map(|d| (d.clone(), model::Stage::LibsDir)).collect();
    dirs.extend(cmd.lib_dirs.iter().map(|d| (d.clone(), model::Stage::LDir)));
    dirs.extend(options.workspace.iter().map(|w| (w.join("test/lib"), model::Stage::Workspace)));
    search::dir_notes(&dirs)
}

/// The output's directory, canonical (for `--rpath-dynamic=origin`); the
/// current directory when the output names none.
pub(super) fn output_dir(cmd: &Command) -> PathBuf {
    let out = cmd.output.clone().unwrap_or_else(|| PathBuf::from("a.out"));
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fsx::canonicalize(&dir).unwrap_or_else(|_| std::path::absolute(&dir).unwrap_or(dir))
}

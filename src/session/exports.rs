//! Issue 23's export control at link time: the names `--export` gives,
//! what the inputs define, and the version script the link gets.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::ctx::{temp_dir, Ctx};
use crate::error::Error;
use crate::formats::symbols;
use crate::settings::cli::Options;
use crate::{closure, fsx, model, policy, resolve, rewrite};

/// The names `--export` gives, each `@FILE` read (one name a line; blank
/// lines and `#` comments skipped).
pub(super) fn export_names(options: &Options) -> Result<Vec<symbols::Name>, Error> {
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
pub(super) fn exports_of(
    ctx: &Ctx,
    decisions: &[crate::model::Decision],
    resolver: &mut resolve::Resolver,
    summary: Option<&closure::Summary>,
    hide: &rewrite::Select,
) -> Result<policy::export::Exports, Error> {
    use policy::export::{Member, Source};
    let Ctx { options, cmd, .. } = *ctx;
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
        if let model::Outcome::Embed { archives, .. } = &d.outcome {
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
/// The copy lies beside the output (`note::sidecar`: the same path in every
/// HOME, TMPDIR and cache state, so `--dry-run` prints the same command
/// warm and cold, and ld's depfile names a file that stays), else in a
/// temporary file, returned so that it is removed after the link. A dry
/// run writes nothing.
pub(super) fn version_script(
    ctx: &Ctx,
    exports: &policy::export::Exports,
    args: &mut Vec<OsString>,
) -> Result<Option<tempfile::TempPath>, Error> {
    let Ctx { env, options, cmd, .. } = *ctx;
    let syntax = cmd.syntax;
    let (global, local) = (exports.global(), exports.local.clone());
    let at = rewrite::script_at(args);
    let bytes = match &at {
        Some((i, range)) => {
            let path = PathBuf::from(OsStr::from_bytes(&args[*i].as_bytes()[range.clone()]));
            let text = fsx::read_regular(&path, 16 << 20)
                .map_err(|source| Error::VersionScript { path: path.clone(), source })?;
            policy::export::merge_script(&text, &global, &local)
        }
        None => policy::export::new_script(&global, &local),
    };
    let beside = super::note::sidecar(cmd, "vers.map");
    let temp = match options.dry_run {
        true => None,
        false => super::note::place(&beside, &bytes, &temp_dir(env), ("solink-vers-", ".map"))
            .map_err(|source| Error::VersionScript { path: temp_dir(env), source })?,
    };
    let path = temp.as_ref().map_or(beside, |t| t.to_path_buf());
    rewrite::use_version_script(args, at, path.as_os_str(), syntax);
    Ok(temp)
}

//! The provenance note object a link that embeds gets (docs/provenance.md).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::formats::provenance;
use crate::store;

use super::*;

/// The provenance note object of a link.
pub(super) enum Note {
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
pub(super) fn add_note(
    ctx: &Ctx,
    (entries, target): &(Vec<provenance::Entry>, Option<provenance::Target>),
    args: &mut Vec<OsString>,
) -> Note {
    let Ctx { options, store, env, .. } = *ctx;
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
            let _ = writeln!(std::io::stderr().lock(), "{}", crate::explain::no_note(&e));
            return Note::Failed;
        }
    };
    crate::rewrite::add_note(args, path);
    note
}

/// The note entries of a link: one per archive an embedding decision links
/// that ld pulls a member from (per the closure check's summary), each once,
/// in link order. `hide` is `--hide`: those archives' symbols are hidden.
pub(super) fn link_entries(
    decisions: &[crate::model::Decision],
    summary: &crate::closure::Summary,
    hide: &crate::rewrite::Select,
    exported: &[PathBuf],
    cache: Option<&crate::store::Store>,
    id_of: impl Fn(&Path) -> Option<crate::fsx::FileId>,
    mut defined: impl FnMut(&Path) -> Option<Vec<(String, Vec<crate::formats::symbols::Name>)>>,
) -> std::io::Result<Vec<crate::formats::provenance::Entry>> {
    use crate::model::Outcome;
    let mut out: Vec<crate::formats::provenance::Entry> = Vec::new();
    let mut seen: Vec<&Path> = Vec::new();
    for d in decisions {
        let Outcome::Embed { archives, .. } = &d.outcome else { continue };
        let name = d.lib.name();
        for archive in archives {
            // An archive the link names twice is read twice by ld, which
            // may pull members from each place: the entry has them all.
            let uses: Vec<&crate::closure::ArchiveUse> =
                summary.archives.iter().filter(|u| &u.path == archive && u.pulled).collect();
            if uses.is_empty() || seen.contains(&archive.as_path()) {
                continue;
            }
            seen.push(archive);
            let mut members: Vec<String> = Vec::new();
            let mut sizes = crate::formats::symbols::Sizes::default();
            for u in &uses {
                members
                    .extend(u.members.iter().filter(|m| !members.contains(m)).cloned().collect::<Vec<_>>());
                sizes.code += u.sizes.code;
                sizes.data += u.sizes.data;
                sizes.bss += u.sizes.bss;
            }
            let file = archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let library = crate::model::library_name(&d.lib, &file);
            let version = d.package.as_ref().and_then(|p| p.version.clone());
            // The globals the pulled members define: the audit looks for
            // them in the output's `.dynsym` (issue 32 §1). Unknown (no
            // symbol facts) is recorded as such, never as none.
            let symbols = match defined(archive) {
                Some(by_member) => crate::formats::provenance::Symbols::of(
                    by_member
                        .iter()
                        .filter(|(m, _)| members.contains(m))
                        .flat_map(|(_, names)| names.iter().map(|n| &n[..])),
                ),
                None => crate::formats::provenance::Symbols { names: Vec::new(), cut: true },
            };
            out.push(crate::formats::provenance::Entry {
                // Only a `.pc` gives an archive a package identity; without
                // one it is the project's own code (issue 32 §6).
                purl: d
                    .package
                    .as_ref()
                    .map(|p| crate::formats::provenance::purl(&p.name, version.as_deref())),
                symbols: Some(symbols),
                version,
                sizes: Some(sizes),
                library,
                file,
                digest: crate::store::file_digest(archive, id_of(archive), cache)?,
                members,
                hidden: hide.wants(&name),
                exported: exported.contains(archive),
            });
        }
    }
    Ok(out)
}

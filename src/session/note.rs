//! The provenance note object a link that embeds gets (docs/provenance.md).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::formats::provenance;

use super::ctx::{temp_dir, Ctx};

/// The provenance note object of a link.
pub(super) enum Note {
    /// The link embeds nothing: no note.
    Absent,
    /// Beside the output (`sidecar`), with its bytes.
    Beside(PathBuf, Vec<u8>),
    /// A temporary file, removed after the link (the output's directory
    /// cannot take the note).
    Temporary(tempfile::TempPath),
    /// It could not be made (a warning said so).
    Failed,
}

/// The file beside the output that holds what solink hands ld for it
/// (`what`: `note.o`, the note object; `vers.map`, the version script):
/// `DIR/.NAME.solink-WHAT` for the output `DIR/NAME`, as the output is
/// spelled on the command line.
///
/// Issue 33 §3 and §7: ld names its inputs in its secondary outputs
/// (`-Map`, `--dependency-file`, `--trace`), so the path must be the same
/// in every HOME, TMPDIR and cache state, and must still be there after the
/// link (make reads ld's depfile and relinks for a prerequisite that is
/// gone). And nothing a running link hands ld may lie in the cache, which
/// `--clear-cache`, a newer solink's cleanup or another link may change
/// under it. A path derived from the output alone is all three: only a
/// link of the same output writes it, and only with the same kind of bytes.
pub(super) fn sidecar(cmd: &crate::args::Command, what: &str) -> PathBuf {
    let out = cmd.output.clone().unwrap_or_else(|| PathBuf::from("a.out"));
    let mut name = OsString::from(".");
    name.push(out.file_name().unwrap_or(std::ffi::OsStr::new("a.out")));
    name.push(".solink-");
    name.push(what);
    out.with_file_name(name)
}

/// The largest file solink puts beside an output (a version script with the
/// exported names, a note object); ld's own are far smaller.
const MAX_SIDECAR: u64 = 16 << 20;

/// Makes the file `path` hold `bytes`: left as it is when it already does
/// (make then sees no newer prerequisite), else written whole to a
/// temporary file beside it and renamed into place, so a link of the same
/// output running at the same time reads one whole version or the other.
pub(super) fn put_beside(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if crate::fsx::read_own(path, MAX_SIDECAR).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    super::depfile::write_atomically(path, bytes)
}

/// `bytes` beside the output, else (its directory cannot take them) in a
/// private temporary file in `tmpdir`, named `PREFIX…SUFFIX`, removed
/// after the link.
pub(super) fn place(
    beside: &Path,
    bytes: &[u8],
    tmpdir: &Path,
    (prefix, suffix): (&str, &str),
) -> std::io::Result<Option<tempfile::TempPath>> {
    if put_beside(beside, bytes).is_ok() {
        return Ok(None);
    }
    let mut file = tempfile::Builder::new().prefix(prefix).suffix(suffix).tempfile_in(tmpdir)?;
    file.write_all(bytes)?;
    Ok(Some(file.into_temp_path()))
}

/// Issue 13 §1: when the link embeds archives, the `.note.solink` object
/// that records them goes last on the command line (it defines and needs
/// no symbol, so where it stands changes no member ld pulls). It lies
/// beside the output ([`sidecar`]), so the driver can be exec'd with
/// nothing to clean up; where that cannot be written it is a temporary
/// file, returned so the driver is spawned and the file removed after. A
/// link that embeds nothing gets nothing, so its output is the plain
/// link's. A note that cannot be made is a warning, never the end of the
/// link.
pub(super) fn add_note(
    ctx: &Ctx,
    (entries, target): &(Vec<provenance::Entry>, Option<provenance::Target>),
    args: &mut Vec<OsString>,
) -> Note {
    let Ctx { options, env, cmd, .. } = *ctx;
    let Some(target) = target else { return Note::Absent };
    if entries.is_empty() || options.print_resolved {
        return Note::Absent;
    }
    let beside = sidecar(cmd, "note.o");
    let placed = provenance::note_object(entries, *target).map_err(|e| e.to_string()).and_then(|bytes| {
        place(&beside, &bytes, &temp_dir(env), ("solink-note-", ".o"))
            .map(|t| (bytes, t))
            .map_err(|e| e.to_string())
    });
    let (path, note) = match placed {
        Ok((bytes, None)) => (beside.clone(), Note::Beside(beside, bytes)),
        Ok((_, Some(temp))) => (temp.to_path_buf(), Note::Temporary(temp)),
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "{}", crate::explain::no_note(&e));
            return Note::Failed;
        }
    };
    crate::rewrite::add_note(args, path);
    note
}

/// Issue 35: an isolated archive's entry says it is a private copy; a
/// member taken once (a byte-identical copy linked first) is recorded once,
/// by the archive linked first.
pub(super) fn mark_private(entries: &mut [provenance::Entry], privates: &[crate::policy::isolate::Private]) {
    for p in privates {
        let file = p.archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for e in entries.iter_mut().filter(|e| e.file == file) {
            e.private |= p.isolate.is_some();
            e.members.retain(|m| !p.dropped.contains(m));
        }
    }
}

/// The note entries of a link: one per archive an embedding decision links
/// that ld pulls a member from (per the closure check's summary), each once,
/// in link order. `hide` is `--hide`: those archives' symbols are hidden.
pub(super) fn link_entries(
    decisions: &[crate::model::Decision],
    summary: &crate::closure::Summary,
    hide: &crate::rewrite::Select,
    exported: &[PathBuf],
    mut digest_of: impl FnMut(&Path) -> std::io::Result<crate::formats::provenance::Digest>,
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
            // A set beside the list: a 5,000-member archive made 25 million
            // name comparisons here, twice (issue 34 §7, 44% of a cold link's
            // instructions).
            let mut members: Vec<String> = Vec::new();
            let mut taken = foldhash::HashSet::<&str>::default();
            let mut sizes = crate::formats::symbols::Sizes::default();
            for u in &uses {
                for m in &u.members {
                    if taken.insert(m) {
                        members.push(m.clone());
                    }
                }
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
                        .filter(|(m, _)| taken.contains(m.as_str()))
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
                digest: digest_of(archive)?,
                members,
                hidden: hide.wants(&name),
                exported: exported.contains(archive),
                private: false,
            });
        }
    }
    Ok(out)
}

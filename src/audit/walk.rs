//! The files under a directory, walked within bounds, and what is read of
//! each: only its header to tell ELF from the rest, then only its notes
//! (`--audit --embeds`, issue 22 §6) or its dynamic section (a plugin
//! directory, issue 22 §4). Symbols are never read here.
// `--audit` reads what the loader would, not the inputs of a link.
#![allow(clippy::disallowed_methods)]

use std::collections::HashSet;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

/// How deep a walk goes below the directory it was given.
const MAX_DEPTH: usize = 64;
/// The most files one walk looks at: `/usr` holds a few hundred thousand.
pub const MAX_FILES: usize = 1 << 21;

/// The regular files under a directory.
#[derive(Debug, Default)]
pub struct Walk {
    /// In order: each directory's entries sorted by name, depth first.
    pub files: Vec<PathBuf>,
    /// Directories that could not be listed, and why.
    pub unreadable: Vec<(PathBuf, String)>,
    /// The walk stopped at [`MAX_FILES`] (or a directory past
    /// [`MAX_DEPTH`] was left out).
    pub truncated: bool,
}

/// Every regular file under `root` (or `root` itself when it is one). The
/// root is followed if it is a symlink (as `find -H`); below it symlinks
/// are not followed, so a link cannot lead the walk in a loop or out of
/// the tree, and a directory reached twice (a bind mount) is walked once.
/// `Err` when `root` does not exist or cannot be read.
pub fn walk(root: &Path) -> io::Result<Walk> {
    let meta = std::fs::metadata(root)?;
    let mut out = Walk::default();
    if meta.is_file() {
        out.files.push(root.to_path_buf());
        return Ok(out);
    }
    if !meta.is_dir() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a directory or a regular file"));
    }
    // Fails here, as `Err`, when the root itself cannot be listed.
    std::fs::read_dir(root)?;
    let mut seen = HashSet::from([(meta.dev(), meta.ino())]);
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                out.unreadable.push((dir, e.to_string()));
                continue;
            }
        };
        let mut names: Vec<(PathBuf, std::fs::FileType)> =
            entries.flatten().filter_map(|e| Some((e.path(), e.file_type().ok()?))).collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let mut subdirs = Vec::new();
        for (path, kind) in names {
            if kind.is_file() {
                if out.files.len() >= MAX_FILES {
                    out.truncated = true;
                    return Ok(out);
                }
                out.files.push(path);
            } else if kind.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    out.truncated = true;
                    continue;
                }
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if seen.insert((m.dev(), m.ino())) => subdirs.push(path),
                    _ => {}
                }
            }
        }
        // Depth first, in name order: the last pushed is walked first.
        stack.extend(subdirs.into_iter().rev().map(|d| (d, depth + 1)));
    }
    Ok(out)
}

/// Whether the file at `path` starts as ELF does, from its first four
/// bytes alone (`Err` when it cannot be opened).
pub fn is_elf(path: &Path) -> io::Result<bool> {
    let (file, _) = crate::fsx::open_regular(path)?;
    let mut magic = [0u8; 4];
    let n = file.read_at(&mut magic, 0)?;
    Ok(n == 4 && magic == *b"\x7fELF")
}

/// The solink notes' payloads of the ELF file at `path`, read from a
/// mapping of which only the headers and the notes are touched (the pages
/// of the program headers, then each `PT_NOTE` segment's). `Ok(None)` for
/// a file that is not ELF.
pub fn notes(path: &Path) -> io::Result<Option<Result<Vec<Vec<u8>>, String>>> {
    let (file, _) = crate::fsx::open_regular(path)?;
    let mut magic = [0u8; 4];
    if file.read_at(&mut magic, 0)? != 4 || magic != *b"\x7fELF" {
        return Ok(None);
    }
    // SAFETY: a private read-only mapping of a regular file.
    let map = unsafe { memmap2::Mmap::map(&file) }?;
    Ok(Some(crate::formats::provenance::payloads_in(&map).map_err(|e| e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_follows_no_symlink_and_is_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("b/c")).unwrap();
        std::fs::write(d.join("b/c/z"), "").unwrap();
        std::fs::write(d.join("b/a"), "").unwrap();
        std::fs::write(d.join("a"), "").unwrap();
        // A loop and a link out of the tree are not followed.
        std::os::unix::fs::symlink(d, d.join("b/loop")).unwrap();
        std::os::unix::fs::symlink("/usr", d.join("out")).unwrap();
        std::os::unix::fs::symlink(d.join("a"), d.join("alias")).unwrap();
        let w = walk(d).unwrap();
        assert_eq!(w.files, [d.join("a"), d.join("b/a"), d.join("b/c/z")]);
        assert!(!w.truncated && w.unreadable.is_empty());
        assert_eq!(walk(&d.join("a")).unwrap().files, [d.join("a")]);
        assert!(walk(&d.join("missing")).is_err());
    }
}

//! The files under a directory, walked within bounds, and what is read of
//! each: only its header to tell ELF from the rest, then only its notes
//! (`--audit --embeds`, issue 22 §6) or its dynamic section (a plugin
//! directory, issue 22 §4). Symbols are never read here.
// `--audit` reads what the loader would, not the inputs of a link.
#![allow(clippy::disallowed_methods)]

use foldhash::HashSet;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::{Unseen, Why};

/// How deep a walk goes below the directory it was given.
pub const MAX_DEPTH: usize = 64;
/// The most files one walk looks at: `/usr` holds a few hundred thousand.
pub const MAX_FILES: usize = 1 << 21;

/// The regular files under a directory.
#[derive(Debug, Default)]
pub struct Walk {
    /// In order: each directory's entries sorted by name, depth first.
    pub files: Vec<PathBuf>,
    /// Directories that could not be listed, directories past
    /// [`MAX_DEPTH`], and where the walk stopped at [`MAX_FILES`]: each is
    /// reported (issue 32 §2).
    pub unseen: Vec<Unseen>,
    /// Directories below the root tagged as caches, not walked:
    /// a cache holds no linked file anyone ships (issue 32 §3).
    pub caches: Vec<PathBuf>,
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
    let mut seen: HashSet<_> = [(meta.dev(), meta.ino())].into_iter().collect();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                out.unseen.push(Unseen { path: dir, why: Why::Unreadable(e.to_string()) });
                continue;
            }
        };
        // The root is walked even when tagged: it was named.
        if depth > 0 && crate::store::is_cache_dir(&dir) {
            out.caches.push(dir);
            continue;
        }
        let mut names: Vec<(PathBuf, std::fs::FileType)> =
            entries.flatten().filter_map(|e| Some((e.path(), e.file_type().ok()?))).collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        let mut subdirs = Vec::new();
        for (path, kind) in names {
            if kind.is_file() {
                if out.files.len() >= MAX_FILES {
                    out.unseen.push(Unseen { path: dir, why: Why::TooManyFiles });
                    return Ok(out);
                }
                out.files.push(path);
            } else if kind.is_dir() {
                if depth + 1 > MAX_DEPTH {
                    out.unseen.push(Unseen { path, why: Why::TooDeep });
                    continue;
                }
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if seen.insert((m.dev(), m.ino())) => subdirs.push(path),
                    Ok(_) => {}
                    Err(e) => out.unseen.push(Unseen { path, why: Why::Unreadable(e.to_string()) }),
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
/// a file that is not a linked ELF object: not ELF, or ELF but neither an
/// executable nor a shared object (`e_type` `ET_EXEC`, `ET_DYN`), such as
/// the relocatable note objects solink caches (issue 32 §3).
pub fn notes(path: &Path) -> io::Result<Option<Result<Vec<Vec<u8>>, String>>> {
    let (file, _) = crate::fsx::open_regular(path)?;
    let mut head = [0u8; 18];
    if file.read_at(&mut head, 0)? != 18 || head[..4] != *b"\x7fELF" || !linked(&head) {
        return Ok(None);
    }
    crate::fsx::read_mapped(&file, |map| {
        Some(crate::formats::provenance::payloads_in(map).map_err(|e| e.to_string()))
    })
}

/// Whether an ELF header's `e_type` (bytes 16 and 17, in the byte order
/// of `EI_DATA`) is `ET_EXEC` or `ET_DYN`.
fn linked(head: &[u8; 18]) -> bool {
    let e_type = match head[5] {
        2 => u16::from_be_bytes([head[16], head[17]]),
        _ => u16::from_le_bytes([head[16], head[17]]),
    };
    matches!(e_type, object::elf::ET_EXEC | object::elf::ET_DYN)
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
        assert!(w.unseen.is_empty() && w.caches.is_empty());
        assert_eq!(walk(&d.join("a")).unwrap().files, [d.join("a")]);
        assert!(walk(&d.join("missing")).is_err());
    }

    /// Issue 32 §3: a tree tagged as a cache is not walked, unless named;
    /// a tag without the signature is no tag.
    #[test]
    fn a_walk_skips_cache_directories_below_its_root() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("cache/notes")).unwrap();
        std::fs::create_dir_all(d.join("fake")).unwrap();
        crate::store::tag_as_cache(&d.join("cache"));
        std::fs::write(d.join("cache/notes/n.o"), "").unwrap();
        // A tag without the signature is no tag.
        let tag = std::fs::read_dir(d.join("cache")).unwrap().flatten().find(|e| e.path().is_file()).unwrap();
        std::fs::write(d.join("fake").join(tag.file_name()), "not a tag").unwrap();
        let w = walk(d).unwrap();
        assert_eq!(w.files, [d.join("fake").join(tag.file_name())]);
        assert_eq!(w.caches, [d.join("cache")]);
        assert_eq!(walk(&d.join("cache")).unwrap().files.len(), 2, "a cache named is walked");
    }

    /// Issue 32 §2: a directory past the depth bound is reported, never
    /// dropped (one that cannot be listed: tests/cli/audit.rs).
    #[test]
    fn a_walk_reports_a_directory_too_deep() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut deep = d.join("deep");
        for _ in 0..MAX_DEPTH {
            deep = deep.join("d");
        }
        std::fs::create_dir_all(&deep).unwrap();
        let w = walk(d).unwrap();
        assert_eq!(w.unseen, [Unseen { path: deep, why: Why::TooDeep }]);
    }
}

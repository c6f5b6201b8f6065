//! Where a link's provenance note object lives while the driver reads it:
//! in the store, content-addressed (`note-SHA256.o`), so the driver can be
//! exec'd with nothing left to clean up; else a private temporary file,
//! removed after the link.
//!
//! The store's copy is used only when its bytes are the note's: it is read
//! and compared (a few hundred bytes) every time, never trusted by its name
//! and size, so an object put in its place is written over, not linked.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::dir::no_sigxfsz;
use super::Store;
use crate::formats::provenance::Digest;

/// The largest note object solink makes is far below this.
const MAX_NOTE: u64 = 1 << 20;

/// Where a note object was put.
pub enum Placed {
    /// In the store, with its size.
    Stored(PathBuf, u64),
    /// A temporary file, removed after the link.
    Temporary(tempfile::TempPath),
}

fn name_of(bytes: &[u8]) -> String {
    format!("note-{}.o", Digest::of_bytes(bytes).hex())
}

/// The largest version script solink writes (a copy of the user's with
/// the exported names added); ld's own are far smaller.
const MAX_SCRIPT: u64 = 16 << 20;

fn script_name_of(bytes: &[u8]) -> String {
    format!("vers-{}.map", Digest::of_bytes(bytes).hex())
}

impl Store {
    /// The path of the note object `bytes` in the store, written when the
    /// entry there is missing or is not these bytes.
    pub fn note(&self, bytes: &[u8]) -> io::Result<PathBuf> {
        let name = name_of(bytes);
        if self.dir.read(&name, MAX_NOTE).ok().as_deref() != Some(bytes) {
            self.dir.write(&name, bytes)?;
        }
        Ok(self.dir.path.join(name))
    }

    /// The path of the version script `bytes` (issue 23: the link's script
    /// with the exported names merged in) in the store, content-addressed
    /// and compared byte for byte before each use, as the note object is.
    pub fn version_script(&self, bytes: &[u8]) -> io::Result<PathBuf> {
        let name = script_name_of(bytes);
        if self.dir.read(&name, MAX_SCRIPT).ok().as_deref() != Some(bytes) {
            self.dir.write(&name, bytes)?;
        }
        Ok(self.dir.path.join(name))
    }

    /// Whether `path` (from a direct-mode answer) is a note object of this
    /// store whose bytes still hash to its name.
    pub fn holds_note(&self, path: &Path, size: u64) -> bool {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
        if path.parent() != Some(&self.dir.path) || !name.starts_with("note-") {
            return false;
        }
        self.dir.read(name, MAX_NOTE).is_ok_and(|b| b.len() as u64 == size && name_of(&b) == name)
    }
}

/// Puts the note object `bytes` in `store`, or (no store, or it cannot be
/// written there) in a private temporary file in `tmpdir`.
pub fn place(store: Option<&Store>, bytes: &[u8], tmpdir: &Path) -> io::Result<Placed> {
    placed(store.and_then(|s| s.note(bytes).ok()), bytes, tmpdir, ("solink-note-", ".o"))
}

/// Puts the version script `bytes` in `store`, or (no store, or it cannot
/// be written there) in a private temporary file in `tmpdir`.
pub fn place_script(store: Option<&Store>, bytes: &[u8], tmpdir: &Path) -> io::Result<Placed> {
    placed(store.and_then(|s| s.version_script(bytes).ok()), bytes, tmpdir, ("solink-vers-", ".map"))
}

/// `stored` when the store took the bytes, else a private temporary file
/// named `PREFIX…SUFFIX` in `tmpdir`.
fn placed(
    stored: Option<PathBuf>,
    bytes: &[u8],
    tmpdir: &Path,
    (prefix, suffix): (&str, &str),
) -> io::Result<Placed> {
    if let Some(path) = stored {
        return Ok(Placed::Stored(path, bytes.len() as u64));
    }
    let mut file = tempfile::Builder::new().prefix(prefix).suffix(suffix).tempfile_in(tmpdir)?;
    no_sigxfsz(|| file.write_all(bytes))?;
    Ok(Placed::Temporary(file.into_temp_path()))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set the files up
mod tests {
    use super::*;

    #[test]
    fn a_version_script_is_content_addressed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let a = store.version_script(b"{ global: f; };\n").unwrap();
        assert_eq!(a.file_name().unwrap().to_str().unwrap(), script_name_of(b"{ global: f; };\n"));
        assert_eq!(std::fs::read(&a).unwrap(), b"{ global: f; };\n");
        std::fs::write(&a, "{ local: *; };").unwrap();
        assert_eq!(store.version_script(b"{ global: f; };\n").unwrap(), a);
        assert_eq!(std::fs::read(&a).unwrap(), b"{ global: f; };\n", "a swapped copy is written over");
    }

    #[test]
    fn a_note_is_content_addressed_and_a_swapped_one_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let bytes = b"\x7fELF a note object".to_vec();
        let a = store.note(&bytes).unwrap();
        assert_eq!(a.file_name().unwrap().to_str().unwrap(), name_of(&bytes));
        assert_eq!(std::fs::read(&a).unwrap(), bytes);
        assert!(store.holds_note(&a, bytes.len() as u64));
        // The same size, other bytes (a constructor, say): not used.
        let swapped = b"\x7fELF a note objecX".to_vec();
        std::fs::write(&a, &swapped).unwrap();
        assert!(!store.holds_note(&a, bytes.len() as u64));
        assert_eq!(store.note(&bytes).unwrap(), a);
        assert_eq!(std::fs::read(&a).unwrap(), bytes, "written over");
        assert!(!store.holds_note(&dir.path().join(name_of(&bytes)), bytes.len() as u64), "elsewhere");
        let names: Vec<_> = std::fs::read_dir(a.parent().unwrap()).unwrap().flatten().collect();
        assert_eq!(names.len(), 2, "the tag and the note, no temporary file: {names:?}");
    }
}

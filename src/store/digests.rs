//! An archive's SHA-256 (the provenance note's digest), kept by the file's
//! identity (the `fstat` of the descriptor read), so a warm link hashes
//! nothing (docs/provenance.md, "In the link").

use std::io;
use std::path::Path;

use super::Store;
use crate::formats::provenance::Digest;
use crate::fsx::{self, FileId};

/// The digest of the regular file `path`. `known` is its identity when the
/// probe already opened it to judge it: a warm lookup then opens only the
/// cache entry. A digest computed here is stored under the identity of the
/// descriptor it was read from.
pub fn file_digest(path: &Path, known: Option<FileId>, cache: Option<&Store>) -> io::Result<Digest> {
    let lookup = |id: &FileId| {
        let hex = cache?.file_sha256(id)?;
        Digest::from_hex(&hex)
    };
    if let Some(d) = known.as_ref().and_then(lookup) {
        return Ok(d);
    }
    let (bytes, id) = fsx::mapped(path)?;
    if known.is_none() {
        if let Some(d) = lookup(&id) {
            return Ok(d);
        }
    }
    // From the run's mapping: the archive's verdict and symbols read the
    // same one.
    let digest = Digest::of_bytes(&bytes);
    if let Some(c) = cache {
        c.put_file_sha256(&id, &digest.hex());
    }
    Ok(digest)
}

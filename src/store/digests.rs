//! An archive's SHA-256 (the provenance note's digest), kept by the file's
//! identity (the `fstat` of the descriptor read), so a warm link hashes
//! nothing (docs/provenance.md, "In the link").
//!
//! An archive of [`AHEAD_MIN`] bytes or more is hashed on a thread of its
//! own from the moment its verdict says it can be embedded ([`Ahead`]),
//! beside the rest of the link (the closure check's scan, the driver's
//! questions), until the note asks for it (issue 34 §6). That thread
//! reads it in pieces, not mapped (`Digest::of_open` says why), through a
//! descriptor of its own checked to have the verdict's identity (the
//! run's one opening of each input, issue 34 §7, keeps the mapping, not
//! the descriptor). A smaller archive is hashed when the note asks, from
//! the run's mapping of it (`fsx::Bytes::read`, under the guard against
//! truncation), which the verdict and the symbols read already.

use std::collections::HashMap;
use std::io;
use std::path::Path;
use std::thread::JoinHandle;

use super::Store;
use crate::formats::provenance::Digest;
use crate::fsx::{self, FileId};

/// Archives this large or larger are hashed ahead, on a thread: starting
/// one costs tens of microseconds, hashing 4 MiB about 3 ms (SHA-NI, from
/// the page cache; three times that without). A smaller one is hashed
/// when the note asks.
pub const AHEAD_MIN: u64 = 4 << 20;

/// Digests being worked out beside the link, by the identity of the
/// descriptor each hashes: the one the archive's verdict was read from.
#[derive(Default)]
pub struct Ahead {
    /// `None` from a thread whose open found another identity.
    running: HashMap<FileId, JoinHandle<Option<io::Result<Digest>>>>,
}

impl Ahead {
    /// Starts hashing the file at `path` (judged as `id`) on a thread of
    /// its own, unless it is small or the cache already has its digest.
    /// Nothing the thread does is recorded (recordings are per thread):
    /// the open that gave `id` was, on this one.
    pub fn start(&mut self, path: &Path, id: FileId, cache: Option<&Store>) {
        if id.size < AHEAD_MIN || self.running.contains_key(&id) || cached(cache, &id).is_some() {
            return;
        }
        let path = path.to_path_buf();
        // A thread that cannot be had leaves the hash to the note, as for
        // a small archive.
        let spawned = std::thread::Builder::new().name("solink-sha256".into()).spawn(move || {
            let (file, now) = match fsx::open_regular(&path) {
                Ok(opened) => opened,
                Err(e) => return Some(Err(e)),
            };
            // Another version by now: not the one judged, so the note
            // hashes what the run's mapping holds.
            (now == id).then(|| Digest::of_open(&file, id.size))
        });
        if let Ok(handle) = spawned {
            self.running.insert(id, handle);
        }
    }

    /// The digest hashed ahead for `id`, waited for; `None` when none was
    /// started, it found another version, or its thread panicked: the
    /// note then hashes it itself.
    fn take(&mut self, id: &FileId) -> Option<io::Result<Digest>> {
        self.running.remove(id)?.join().ok()?
    }
}

fn cached(cache: Option<&Store>, id: &FileId) -> Option<Digest> {
    Digest::from_hex(&cache?.file_sha256(id)?)
}

/// The digest of the regular file `path`. `known` is its identity when the
/// probe already opened it to judge it: a warm lookup then opens only the
/// cache entry, and a digest hashed `ahead` for it is waited for. A digest
/// computed here is stored under the identity of the descriptor it was
/// read from.
pub fn file_digest(
    path: &Path,
    known: Option<FileId>,
    cache: Option<&Store>,
    ahead: &mut Ahead,
) -> io::Result<Digest> {
    if let Some(id) = known {
        if let Some(d) = cached(cache, &id) {
            return Ok(d);
        }
        if let Some(hashed) = ahead.take(&id) {
            // The thread has no recording of its own: a file that changed
            // while it was hashed spoils this run's.
            let digest = hashed.inspect_err(|_| fsx::spoil_recording())?;
            if let Some(c) = cache {
                c.put_file_sha256(&id, &digest.hex());
            }
            return Ok(digest);
        }
    }
    let (bytes, id) = fsx::mapped(path)?;
    if known.is_none() {
        if let Some(d) = cached(cache, &id) {
            return Ok(d);
        }
    }
    // From the run's mapping, which the archive's verdict and symbols read
    // (exactly the size of its identity: the mapping is that long, and a
    // file cut short under the read is an error, the recording spoiled).
    let digest = bytes.read(Digest::of_bytes)?;
    if let Some(c) = cache {
        c.put_file_sha256(&id, &digest.hex());
    }
    Ok(digest)
}

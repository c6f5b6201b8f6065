//! The one key hasher of the cache's entries.

/// A SHA-256 over byte strings, each prefixed with its length, so no two
/// different sequences of parts hash alike: the keys solink's cache
/// entries are found by (a link's verdict pack, direct mode's answer, an
/// object's symbols in the closure check's keys).
#[derive(Default)]
pub struct KeyHasher(sha2::Sha256);

impl KeyHasher {
    pub fn add(&mut self, bytes: &[u8]) {
        use sha2::Digest as _;
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The digest, in lower-case hex.
    pub fn hex(self) -> String {
        use sha2::Digest as _;
        crate::formats::provenance::Digest(self.0.finalize().into()).hex()
    }
}

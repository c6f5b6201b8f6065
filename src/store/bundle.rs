//! One cache file per link (issue 34 §3): the entries a link writes are
//! kept in memory until the link is about to run, then written as one
//! file, a bundle, renamed into place whole.
//!
//! Which bundle an entry goes to is its [`Place`]:
//!
//! - **The link's own answers** (its verdict pack, the closure check's
//!   checked and keyed answers, the providers found, direct mode's
//!   answer) and the facts of the **small files** it read (a verdict, a
//!   symbol digest, a SHA-256 of an archive under [`SHARED_MIN`] bytes)
//!   go to the link's bundle, `link-KEY` (the key of the link's command:
//!   `key::pack`). A small file's facts cost less to find again than a
//!   file of their own costs to write; another link that reads the same
//!   archive finds them again.
//! - **A large file's facts** go to that file version's bundle,
//!   `f-FILEID`, which every link that reads it shares: its SHA-256 alone
//!   is tens of milliseconds for a 100 MB archive.
//! - **Own**: the driver's library dirs, asked of a process and the same
//!   for every link of a build, and the providers of missing symbols (the
//!   same names are missing from many links), stay in files of their own.
//!
//! The link's key leaves out the file it writes (`key::pack`): the same
//! inputs linked into another file find the closure check's answers.
//!
//! A cold link of the seed's calc library wrote six files (the verdict,
//! the symbol digest and the SHA-256 of `libcalcbase.a`, the verdict pack,
//! the closure check's answer, direct mode's answer); it now writes one.
//!
//! Without a link ([`super::Store::for_link`] not called: the store's own
//! tests, benches) every entry is written at once to a file of its own,
//! as before. Nothing about soundness changes: each entry inside a bundle
//! is the same bytes a file of its own held, with its own checksum and its
//! own key or name inside, checked on every read; a bundle that is torn or
//! garbage gives the whole entries before the damage, and misses after.
//!
//! A link's bundle keeps, when it is written again, the entries this run
//! read from it and the ones it wrote: an entry of an archive's older
//! version, or of a key the link no longer asks, goes, so the bundle is as
//! large as one run's answers, never the sum of its history.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::fsx::FileId;

use super::dir::Dir;

/// Files of this size or more get a bundle of their own (see above):
/// scanning and hashing 64 KiB costs about what writing a file costs.
pub const SHARED_MIN: u64 = 64 << 10;

/// No bundle is larger than this: a link's symbol digests, with libc's
/// exports among them, are a few megabytes.
pub const MAX_BUNDLE: u64 = 512 << 20;

const MAGIC: &[u8] = b"solink-bundle 1\n";

/// Where an entry lives (see the module's comment).
#[derive(Clone, Copy, Debug)]
pub enum Place {
    /// The link's own answer.
    Link,
    /// A fact of the file version `FileId`.
    File(FileId),
    /// A file of its own, whatever the link.
    Own,
}

/// The bundles this run has read or written, by file name.
#[derive(Debug, Default)]
pub struct Batch {
    /// The link's bundle, once the run has named its link.
    link: Option<String>,
    bundles: HashMap<String, Bundle>,
}

#[derive(Debug, Default)]
struct Bundle {
    /// What the file held when first read (empty when there was none).
    loaded: Option<HashMap<String, Vec<u8>>>,
    /// The entries of `loaded` this run read.
    used: HashSet<String>,
    /// The entries this run wrote, not yet in the file.
    pending: BTreeMap<String, Vec<u8>>,
    /// A file's bundle keeps every entry: they are all of one file version.
    keep_all: bool,
}

impl Batch {
    pub fn for_link(&mut self, key: &str) {
        self.link = Some(format!("link-{key}"));
    }

    /// The bundle `place` goes to, and whether it keeps every entry;
    /// `None`: a file of its own.
    fn bundle_of(&self, place: Place) -> Option<(String, bool)> {
        let link = self.link.as_ref()?;
        match place {
            Place::Own => None,
            Place::File(id) if id.size >= SHARED_MIN => Some((format!("f-{}", id.key()), true)),
            Place::Link | Place::File(_) => Some((link.clone(), false)),
        }
    }

    /// The entry `name` of `place`, at most `cap` bytes.
    pub fn read(&mut self, dir: &Dir, name: &str, cap: u64, place: Place) -> Option<Vec<u8>> {
        let Some((file, keep_all)) = self.bundle_of(place) else {
            return dir.read(name, cap).ok();
        };
        let bundle = self.bundles.entry(file.clone()).or_default();
        bundle.keep_all = keep_all;
        if let Some(bytes) = bundle.pending.get(name) {
            return (bytes.len() as u64 <= cap).then(|| bytes.clone());
        }
        let bytes = bundle.loaded.get_or_insert_with(|| load(dir, &file)).get(name)?;
        if bytes.len() as u64 > cap {
            return None;
        }
        bundle.used.insert(name.to_string());
        Some(bytes.clone())
    }

    /// Keeps `bytes` as the entry `name` of `place`: in its bundle, written
    /// by [`Batch::flush`], or, for a file of its own, now.
    pub fn write(&mut self, dir: &Dir, name: &str, bytes: &[u8], place: Place) {
        match self.bundle_of(place) {
            None => {
                // Any failure leaves the cache without the entry.
                let _ = dir.write(name, bytes);
            }
            Some((file, keep_all)) => {
                let bundle = self.bundles.entry(file).or_default();
                bundle.keep_all = keep_all;
                bundle.pending.insert(name.to_string(), bytes.to_vec());
            }
        }
    }

    /// Writes each bundle this run added to, each as one file, whole.
    pub fn flush(&mut self, dir: &Dir) {
        for (file, bundle) in &mut self.bundles {
            if bundle.pending.is_empty() {
                continue;
            }
            let loaded = bundle.loaded.take().unwrap_or_else(|| load(dir, file));
            let mut entries: BTreeMap<String, Vec<u8>> = loaded
                .into_iter()
                .filter(|(name, _)| bundle.keep_all || bundle.used.contains(name))
                .collect();
            bundle.used.extend(bundle.pending.keys().cloned());
            entries.append(&mut bundle.pending);
            let bytes = encode(&entries);
            if (bytes.len() as u64) <= MAX_BUNDLE {
                let _ = dir.write(file, &bytes);
            }
            bundle.loaded = Some(entries.into_iter().collect());
        }
    }
}

/// The entries of the bundle `file`: none when there is none, and the
/// whole entries before any damage.
fn load(dir: &Dir, file: &str) -> HashMap<String, Vec<u8>> {
    dir.read(file, MAX_BUNDLE).map(|bytes| decode(&bytes)).unwrap_or_default()
}

/// `MAGIC`, then per entry: the name's length (u32, little-endian), the
/// name, the bytes' length (u64), the bytes.
fn encode(entries: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let size = entries.iter().map(|(n, b)| 12 + n.len() + b.len()).sum::<usize>();
    let mut out = Vec::with_capacity(MAGIC.len() + size);
    out.extend_from_slice(MAGIC);
    for (name, bytes) in entries {
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

fn decode(bytes: &[u8]) -> HashMap<String, Vec<u8>> {
    let mut out = HashMap::new();
    let Some(mut rest) = bytes.strip_prefix(MAGIC) else { return out };
    let take = |rest: &mut &[u8], n: usize| -> Option<Vec<u8>> {
        let (head, tail) = rest.split_at_checked(n)?;
        *rest = tail;
        Some(head.to_vec())
    };
    while !rest.is_empty() {
        let entry = (|| {
            let len = u32::from_le_bytes(take(&mut rest, 4)?.try_into().ok()?) as usize;
            let name = String::from_utf8(take(&mut rest, len)?).ok()?;
            let len = usize::try_from(u64::from_le_bytes(take(&mut rest, 8)?.try_into().ok()?)).ok()?;
            Some((name, take(&mut rest, len)?))
        })();
        let Some((name, data)) = entry else { break };
        out.insert(name, data);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn names(root: &std::path::Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root.join(crate::store::VERSION_DIR))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "CACHEDIR.TAG")
            .collect();
        v.sort();
        v
    }

    /// One file per link, rewritten with what its last run read or wrote;
    /// a large file's facts in a file of their own that every link shares.
    #[test]
    fn a_link_keeps_one_file_of_what_its_last_run_used() {
        let dir = tempfile::tempdir().unwrap();
        let lines = |v: &[&str]| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        let big = FileId { dev: 1, ino: 2, size: SHARED_MIN, mtime_ns: 3, ctime_ns: 4 };
        let small = FileId { size: SHARED_MIN - 1, ..big };
        let run = |link: &str, work: &dyn Fn(&Store)| {
            let store = Store::open(dir.path()).unwrap();
            store.for_link(link);
            work(&store);
            store.flush();
        };
        run("k", &|s| {
            s.put_lines("old", &lines(&["1"]), Place::Link);
            s.put_lines("kept", &lines(&["2"]), Place::Link);
            s.put_file_sha256(&big, "b1");
            s.put_file_sha256(&small, "s1");
            assert_eq!(s.get_lines("kept", Place::Link), Some(lines(&["2"])), "read before it is written");
        });
        assert_eq!(names(dir.path()), [format!("f-{}", big.key()), "link-k".to_string()]);
        run("k", &|s| {
            assert_eq!(s.get_lines("kept", Place::Link), Some(lines(&["2"])));
            assert_eq!(s.file_sha256(&small).as_deref(), Some("s1"));
            s.put_lines("new", &lines(&["3"]), Place::Link);
        });
        run("k", &|s| {
            assert_eq!(s.get_lines("old", Place::Link), None, "not read by the last run: gone");
            assert_eq!(s.get_lines("kept", Place::Link), Some(lines(&["2"])));
            assert_eq!(s.get_lines("new", Place::Link), Some(lines(&["3"])));
            assert_eq!(s.file_sha256(&big).as_deref(), Some("b1"));
        });
        run("other", &|s| {
            assert_eq!(s.file_sha256(&big).as_deref(), Some("b1"), "shared by every link");
            assert_eq!(s.file_sha256(&small), None, "the other link's own");
            assert_eq!(s.get_lines("kept", Place::Link), None);
        });
        assert_eq!(names(dir.path()), [format!("f-{}", big.key()), "link-k".to_string()], "nothing written");
    }

    #[test]
    fn a_bundle_reads_back_and_a_torn_one_gives_what_is_whole() {
        let entries: BTreeMap<String, Vec<u8>> =
            [("a".to_string(), b"one".to_vec()), ("bb".to_string(), vec![0; 300])].into_iter().collect();
        let bytes = encode(&entries);
        assert_eq!(decode(&bytes), entries.clone().into_iter().collect());
        for cut in 0..bytes.len() {
            let got = decode(&bytes[..cut]);
            let whole_a = cut >= MAGIC.len() + 4 + 1 + 8 + 3;
            assert_eq!(got.contains_key("a"), whole_a, "cut at {cut}");
            assert!(!got.contains_key("bb"), "cut at {cut}");
        }
        // A length made garbage: no entry is read under its name (what
        // the garbage reads as fails its own checksum where it is used).
        let mut garbage = bytes.clone();
        garbage[MAGIC.len()] = 0xff;
        assert!(!decode(&garbage).contains_key("a"));
        assert!(decode(b"not a bundle").is_empty());
    }
}

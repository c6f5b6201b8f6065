//! nvcc's dry-run answers (issue 34 §2): the text `nvcc --dryrun ARGS`
//! printed, its temporary files' names spelled the same in every run
//! (`probe/nvcc.rs`), under the key of every input nvcc reads
//! (`key::nvcc_dry_run`), with the host compiler it ran: which program
//! that is, nvcc says only in its answer (`--host-ccbin`), so the entry
//! holds the program's word, the file it was found as and that file's
//! identity, and the probe finds the word again on every hit; another
//! file, or the same one changed, is a miss.
//!
//! The entry is binary, through `direct.rs`'s records: the word, the
//! path, the identity, then the text, each length-prefixed, and nothing
//! after them. It is the link's own answer, kept in the link's one cache
//! file (`bundle.rs`, `Place::Link`).

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use super::bundle::Place;
use super::direct::{put, put_id, too_new, Reader};
use super::Store;
use crate::fsx::{FileId, Seen};

/// One dry run's answer and the host compiler it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DryRun {
    /// The host compiler as nvcc names it (`gcc`, `/usr/bin/g++-12`).
    pub ccbin: OsString,
    /// The file that name was found as, and its identity then.
    pub host: PathBuf,
    pub host_id: FileId,
    /// What nvcc printed, its temporary files' names made the same.
    pub text: Vec<u8>,
}

fn entry_name(key: &str) -> String {
    format!("nvcc-dryrun {key}")
}

impl Store {
    /// The dry run stored under `key`, if whole. The caller checks that
    /// its host compiler is still the same file.
    pub fn nvcc_dry_run(&self, key: &str) -> Option<DryRun> {
        decode(&self.get_bytes(&entry_name(key), super::MAX_PACK, Place::Link)?)
    }

    /// Stores `answer` under `key`, unless a file it was worked out from
    /// (`seen`: nvcc, its profile, the host compiler) changed within the
    /// clock's grain of `started_ns`, when the dry run began (direct
    /// mode's "too new" rule): nvcc may have read it before or after.
    pub fn put_nvcc_dry_run(&self, key: &str, answer: &DryRun, seen: &[FileId], started_ns: i128) {
        if seen.iter().any(|id| too_new(&Seen::Is(0, *id), started_ns)) {
            return;
        }
        let bytes = encode(answer);
        if (bytes.len() as u64) < super::MAX_PACK {
            self.put_bytes(&entry_name(key), &bytes, Place::Link);
        }
    }
}

fn encode(answer: &DryRun) -> Vec<u8> {
    let mut out = Vec::with_capacity(answer.text.len() + 256);
    put(&mut out, answer.ccbin.as_bytes());
    put(&mut out, answer.host.as_os_str().as_bytes());
    put_id(&mut out, &answer.host_id);
    put(&mut out, &answer.text);
    out
}

/// An entry, or `None` when anything is out of shape (never a panic).
fn decode(bytes: &[u8]) -> Option<DryRun> {
    let mut r = Reader::new(bytes);
    let ccbin = OsString::from_vec(r.bytes()?.to_vec());
    let host = r.path()?;
    let host_id = r.id()?;
    let text = r.bytes()?.to_vec();
    r.take(1).is_none().then_some(DryRun { ccbin, host, host_id, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> DryRun {
        DryRun {
            ccbin: "gcc".into(),
            host: "/usr/bin/gcc".into(),
            host_id: FileId { dev: 1, ino: 2, size: 3, mtime_ns: 4, ctime_ns: 5 },
            text: b"#$ g++ \xff w.o -o x.so\n".to_vec(),
        }
    }

    /// Long after every timestamp, as far as the rule can tell.
    const LATER: i128 = i128::MAX / 2;

    #[test]
    fn entries_round_trip_and_a_cut_one_is_a_miss() {
        let bytes = encode(&answer());
        assert_eq!(decode(&bytes), Some(answer()));
        for cut in 0..bytes.len() {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        assert_eq!(decode(&[bytes.clone(), vec![0]].concat()), None, "something after the text");
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.nvcc_dry_run("k"), None);
        store.put_nvcc_dry_run("k", &answer(), &[answer().host_id], LATER);
        assert_eq!(store.nvcc_dry_run("k"), Some(answer()));
        assert_eq!(store.nvcc_dry_run("other"), None);
    }

    #[test]
    fn an_answer_that_saw_a_file_too_new_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = super::super::direct::now_ns();
        let fresh = FileId { mtime_ns: now, ctime_ns: now, ..answer().host_id };
        store.put_nvcc_dry_run("k", &answer(), &[answer().host_id, fresh], now);
        assert_eq!(store.nvcc_dry_run("k"), None);
    }
}

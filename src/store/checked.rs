//! Answers checked by their facts: for a cached answer whose inputs no
//! key can name up front (which shared libraries of a directory define a
//! symbol; which files a link's `-l`s and scripts come to), the entry
//! holds every question its computation asked of the file system
//! ([`crate::fsx::nested`]) with the answer it got, and a hit asks each
//! again. One different answer is a miss. This is direct mode's rule,
//! for one step of a link rather than the whole of it.

use super::bundle::Place;
use super::direct::{decode_facts, push_facts, put, too_new};
use super::Store;
use crate::fsx::{self, Recording};

const FORMAT: &str = "solink-checked 1";
const LINE: u8 = b'L';

impl Store {
    /// The lines stored under `key` by [`Store::remember`], if every
    /// question they were worked out from gets the same answer now (asked
    /// through `fsx`, so a recording under way sees them too).
    pub(super) fn recall(&self, key: &str, place: Place) -> Option<Vec<String>> {
        let bytes = self.get_bytes(&name(key), super::MAX_PACK, place)?;
        let mut lines = Vec::new();
        let facts = decode_facts(&bytes, |tag, r| {
            (tag == LINE).then_some(())?;
            lines.push(String::from_utf8(r.bytes()?.to_vec()).ok()?);
            Some(())
        })?;
        // What was stored read no variable (see `remember`).
        if !facts.env.is_empty() {
            return None;
        }
        facts.files.iter().all(|(ask, path, seen)| fsx::holds(*ask, path, seen)).then_some(lines)
    }

    /// Stores `lines` under `key` with the facts of `rec`, the recording of
    /// their computation; not when it saw a path change under it, a
    /// timestamp too new to trust, or read a variable (the environment is
    /// no fact of such an answer: it goes in its key).
    pub(super) fn remember(&self, key: &str, lines: &[String], rec: &Recording, place: Place) {
        if rec.conflicted
            || !rec.env.is_empty()
            || rec.facts().any(|(_, _, seen)| too_new(seen, rec.started_ns))
        {
            return;
        }
        let mut out = Vec::new();
        for l in lines {
            out.push(LINE);
            put(&mut out, l.as_bytes());
        }
        push_facts(&mut out, &[], rec.facts());
        if (out.len() as u64) < super::MAX_PACK {
            self.put_bytes(&name(key), &out, place);
        }
    }
}

fn name(key: &str) -> String {
    format!("{FORMAT} {}", key.replace('\n', " "))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set the files up
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_recalled_only_while_its_facts_hold() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c")).unwrap();
        let f = dir.path().join("lib.so");
        std::fs::write(&f, "one").unwrap();
        let (_, mut rec) = fsx::nested(|| fsx::open_regular(&f).map(|_| ()));
        // Long settled, as far as the rule can tell.
        rec.started_ns = i128::MAX / 2;
        store.remember("k", &["answer".into()], &rec, Place::Link);
        assert_eq!(store.recall("k", Place::Link), Some(vec!["answer".to_string()]));
        assert_eq!(store.recall("other", Place::Link), None);
        // Rewritten in place: the same name and size, a new identity.
        std::fs::write(&f, "two").unwrap();
        assert_eq!(store.recall("k", Place::Link), None);
        let (_, fresh) = fsx::nested(|| fsx::is_file(&f));
        store.remember("k", &["new".into()], &fresh, Place::Link);
        assert_eq!(store.recall("k", Place::Link), None, "a file changed just now is too new to trust");
    }

    /// A run that uses a recalled answer depends on every directory name
    /// that answer took: a scan recalled with the directory unchanged is
    /// recorded whole, so direct mode's entry of that run misses when a
    /// name is added (found by `tests/cache.rs`, issue 19's first case).
    #[test]
    fn a_recalled_answer_puts_its_listings_in_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c")).unwrap();
        let d = dir.path().join("d");
        std::fs::create_dir(&d).unwrap();
        let (_, mut rec) = fsx::nested(|| fsx::read_dir(&d).map(|_| ()));
        rec.started_ns = i128::MAX / 2;
        store.remember("k", &["answer".into()], &rec, Place::Link);
        fsx::start_recording();
        assert!(store.recall("k", Place::Link).is_some());
        let run = fsx::take_recording().unwrap();
        let listed: Vec<_> = run.facts().filter(|(ask, ..)| *ask == fsx::Ask::Listed).collect();
        assert!(
            matches!(listed[..], [(_, p, fsx::Seen::Listed(_, fsx::Names::Whole(_)))] if p == d),
            "{listed:?}"
        );
    }

    #[test]
    fn a_recording_sees_what_a_nested_one_asks() {
        let dir = tempfile::tempdir().unwrap();
        fsx::start_recording();
        let (_, inner) = fsx::nested(|| fsx::is_dir(dir.path()));
        let outer = fsx::take_recording().unwrap();
        assert_eq!(inner.facts().count(), 1);
        assert_eq!(outer.facts().count(), 1, "the run depends on it too");
    }
}

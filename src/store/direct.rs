//! Direct mode, after ccache's: one cache entry holds a whole link's
//! answer (the driver and its final arguments), keyed by everything solink
//! was given, and is replayed only when every question the link asked of
//! the file system gets the same answer again.
//!
//! - **The key** is a SHA-256 of this solink's own identity, the working
//!   directory, the command line, and the driver and arguments solink chose
//!   from them.
//! - **The facts** are what [`crate::fsx`] recorded while the answer was
//!   worked out: each environment variable read (configuration files
//!   folded in), each `stat` (a file's identity, a directory's for a
//!   listing, or the error), and each `realpath` with its result. A hit
//!   checks them all again; one different answer is a miss, and the link is
//!   worked out as if there were no entry.
//! - **What is stored** is a shared link's answer and the warnings it
//!   wrote on stderr (replayed before the driver runs; whether stderr is a
//!   terminal, which colours them, is in the key), when nothing else was
//!   written: no `--explain`, `--print-resolved`, `--depfile` or log file,
//!   and a provenance note (if any) in the cache. A link `--strict` refuses
//!   is never stored. A run that asked the driver for its directories is
//!   not stored either: what that process read is not recorded (the next
//!   run, with those directories cached, stores).
//! - **Nothing too new:** a file whose mtime or ctime is within
//!   [`SETTLE_NS`] of the run's start could still change within the same
//!   clock tick without its timestamps changing (as ccache's "too new"
//!   rule); an answer that saw one is not stored. A listed directory too
//!   new to trust by its identity is the exception (issue 34 §1): it is
//!   stored as [`UNSETTLED`], an identity no directory has, so every replay
//!   lists it again and compares the names the link took. A link writing
//!   into a searched directory (a build tree's `lib/`, filled by the links
//!   before it) otherwise never stored its answer while its neighbours kept
//!   writing there.
//!
//! The per-file caches stay as they were: a miss here is the warm link.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::bundle::Place;
use super::Store;
use crate::env::Env;
use crate::fsx::{self, Ask, FileId, Names, Recording, Seen};

// 2: the note is a file beside the output, kept with its bytes.
// 3: a listed directory is kept as the names taken from it.
const FORMAT: &str = "solink-direct 3";

/// How old a timestamp must be, at the run's start, for an answer that
/// saw it to be stored: file times come from the kernel's coarse clock,
/// which moves once a tick (10 ms at most).
pub const SETTLE_NS: i128 = 100_000_000;

/// A timestamp with no nanoseconds may come from a file system that keeps
/// whole seconds (or two): it must be older.
const SETTLE_COARSE_NS: i128 = 2_000_000_000;

/// The identity stored for a listed directory too new to trust by its
/// identity: no `stat` gives it (no file has inode 0 on device 0), so a
/// replay always lists the directory again and compares names.
pub const UNSETTLED: FileId = FileId { dev: 0, ino: 0, size: 0, mtime_ns: 0, ctime_ns: 0 };

/// A whole link's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The driver that ran (or would have), as found on PATH.
    pub driver: PathBuf,
    /// The arguments it got (the provenance note last, when there is one).
    pub args: Vec<OsString>,
    /// The provenance note object beside the output, and its bytes: the
    /// replay puts them there again (`session/note.rs`); nothing the link
    /// hands ld lies in the cache.
    pub note: Option<(PathBuf, Vec<u8>)>,
    /// What the link wrote on stderr (its warnings), written again.
    pub said: Vec<u8>,
}

/// The key of a link's answer; `None` when this solink's identity or the
/// working directory is unknown. The environment is not in it: the
/// variables the run read are facts of the entry (a build tool's
/// `MAKEFLAGS` changes from run to run and matters to no link).
pub fn key(
    env: &Env,
    argv: &[OsString],
    driver_words: &[OsString],
    args: &[OsString],
    stderr_terminal: bool,
) -> Option<String> {
    let (solink, cwd) = (env.self_file?, env.cwd.as_deref()?);
    Some(super::key::direct(FORMAT, solink, cwd, stderr_terminal, [argv, driver_words, args]))
}

/// The answer stored under `key`, if every fact it was worked out from
/// still holds: each variable it read (`var`: this run's value) and each
/// question it asked of the file system.
pub fn lookup<'e>(cache: &Store, key: &str, var: impl Fn(&str) -> Option<&'e OsStr>) -> Option<Answer> {
    let bytes = cache.get_bytes(&entry_name(key), super::MAX_PACK, Place::Link)?;
    let (answer, facts) = decode(&bytes)?;
    let same_env =
        facts.env.iter().all(|(name, value)| name.to_str().is_some_and(|n| var(n) == value.as_deref()));
    if !same_env {
        return None;
    }
    facts.files.iter().all(|(ask, path, seen)| fsx::still(*ask, path, seen)).then_some(answer)
}

/// Stores `answer` under `key` with the facts of `recording`, unless the
/// recording saw a path change under it or a timestamp too new to trust
/// (`started_ns`: the run's start, in nanoseconds since the epoch).
pub fn store(cache: &Store, key: &str, answer: &Answer, recording: &Recording, started_ns: i128) {
    let Some(facts) = settled(recording, started_ns) else { return };
    let bytes = encode(answer, &recording.env, facts.iter().map(|(ask, path, seen)| (*ask, *path, seen)));
    if (bytes.len() as u64) < super::MAX_PACK {
        cache.put_bytes(&entry_name(key), &bytes, Place::Link);
    }
}

/// The recording's facts as they may be stored: `None` when it saw a path
/// change under it or a file too new to trust; a listed directory too new
/// to trust by its identity is kept as [`UNSETTLED`].
fn settled(recording: &Recording, started_ns: i128) -> Option<Vec<(Ask, &Path, Seen)>> {
    if recording.conflicted {
        return None;
    }
    recording
        .facts()
        .map(|(ask, path, seen)| match seen {
            Seen::Listed(_, names) if too_new(seen, started_ns) => {
                Some((ask, path, Seen::Listed(UNSETTLED, names.clone())))
            }
            _ if too_new(seen, started_ns) => None,
            _ => Some((ask, path, seen.clone())),
        })
        .collect()
}

fn entry_name(key: &str) -> String {
    format!("{FORMAT} {key}")
}

pub(super) fn too_new(seen: &Seen, started_ns: i128) -> bool {
    let (Seen::Is(_, id) | Seen::Listed(id, _)) = seen else { return false };
    [id.mtime_ns, id.ctime_ns].iter().any(|&t| {
        let settle = if t % 1_000_000_000 == 0 { SETTLE_COARSE_NS } else { SETTLE_NS };
        t > started_ns - settle
    })
}

// The entry, binary (a warm link reads it, so it is read without parsing
// text): records of a tag byte and fields, numbers little-endian, byte
// strings as a u32 length and the bytes.
const DRIVER: u8 = b'D';
const ARG: u8 = b'A';
const NOTE: u8 = b'N';
const STAT_MISSING: u8 = b'm';
const STAT_IS: u8 = b'i';
const CANONICAL: u8 = b'c';
const CANONICAL_NONE: u8 = b'-';
const VAR: u8 = b'E';
const SAID: u8 = b'W';
const VAR_UNSET: u8 = b'e';
const LISTED_ASKED: u8 = b'l';
const LISTED_WHOLE: u8 = b'w';

/// What an answer was worked out from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Facts {
    /// Each variable read, and its value (`None`: unset).
    pub env: Vec<(OsString, Option<OsString>)>,
    /// Each question asked of the file system, and its answer.
    pub files: Vec<(Ask, PathBuf, Seen)>,
}

fn encode<'a>(
    answer: &Answer,
    env: &[(OsString, Option<OsString>)],
    files: impl Iterator<Item = (Ask, &'a Path, &'a Seen)>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * answer.args.len() + 4096);
    out.push(DRIVER);
    put(&mut out, answer.driver.as_os_str().as_bytes());
    for arg in &answer.args {
        out.push(ARG);
        put(&mut out, arg.as_bytes());
    }
    if let Some((note, bytes)) = &answer.note {
        out.push(NOTE);
        put(&mut out, note.as_os_str().as_bytes());
        put(&mut out, bytes);
    }
    if !answer.said.is_empty() {
        out.push(SAID);
        put(&mut out, &answer.said);
    }
    push_facts(&mut out, env, files);
    out
}

/// A length-prefixed byte string.
pub(super) fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// The facts of an entry: each variable read and each question asked.
pub(super) fn push_facts<'a>(
    out: &mut Vec<u8>,
    env: &[(OsString, Option<OsString>)],
    files: impl Iterator<Item = (Ask, &'a Path, &'a Seen)>,
) {
    for (name, value) in env {
        out.push(if value.is_some() { VAR } else { VAR_UNSET });
        put(out, name.as_bytes());
        if let Some(v) = value {
            put(out, v.as_bytes());
        }
    }
    for (ask, path, seen) in files {
        let tag = match (ask, seen) {
            (Ask::Stat, Seen::Missing(_)) => STAT_MISSING,
            (Ask::Stat, Seen::Is(..)) => STAT_IS,
            (Ask::Canonical, Seen::Canonical(Some(_))) => CANONICAL,
            (Ask::Canonical, Seen::Canonical(None)) => CANONICAL_NONE,
            (Ask::Listed, Seen::Listed(_, Names::Asked(_))) => LISTED_ASKED,
            (Ask::Listed, Seen::Listed(_, Names::Whole(_))) => LISTED_WHOLE,
            // A recording pairs each question with its own kind of answer.
            _ => unreachable!("a {ask:?} question with a {seen:?} answer"),
        };
        out.push(tag);
        put(out, path.as_os_str().as_bytes());
        match seen {
            Seen::Missing(errno) => out.extend_from_slice(&errno.to_le_bytes()),
            Seen::Is(kind, id) => {
                out.extend_from_slice(&kind.to_le_bytes());
                put_id(out, id);
            }
            Seen::Canonical(Some(to)) => put(out, to.as_os_str().as_bytes()),
            Seen::Canonical(None) => {}
            Seen::Listed(id, names) => {
                put_id(out, id);
                match names {
                    Names::Asked(asked) => {
                        out.extend_from_slice(&(asked.len() as u32).to_le_bytes());
                        for (name, &there) in asked {
                            out.push(u8::from(there));
                            put(out, name.as_bytes());
                        }
                    }
                    Names::Whole(digest) => out.extend_from_slice(digest),
                }
            }
        }
    }
}

pub(super) fn put_id(out: &mut Vec<u8>, id: &FileId) {
    for n in [id.dev, id.ino, id.size] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    for t in [id.mtime_ns, id.ctime_ns] {
        out.extend_from_slice(&t.to_le_bytes());
    }
}

/// Reads an entry; anything out of shape (a short field, an unknown tag,
/// no driver) is `None`, a miss, never a panic.
fn decode(bytes: &[u8]) -> Option<(Answer, Facts)> {
    let mut answer = Answer { driver: PathBuf::new(), args: Vec::new(), note: None, said: Vec::new() };
    let mut driver = None;
    let facts = decode_facts(bytes, |tag, r| {
        match tag {
            DRIVER => driver = Some(r.path()?),
            ARG => answer.args.push(OsString::from_vec(r.bytes()?.to_vec())),
            NOTE => answer.note = Some((r.path()?, r.bytes()?.to_vec())),
            SAID => answer.said = r.bytes()?.to_vec(),
            _ => return None,
        }
        Some(())
    })?;
    answer.driver = driver?;
    Some((answer, facts))
}

/// Reads an entry's records: the facts here, every other tag by `other`
/// (which reads its fields, or says `None`: an unknown tag).
pub(super) fn decode_facts(
    bytes: &[u8],
    mut other: impl FnMut(u8, &mut Reader<'_>) -> Option<()>,
) -> Option<Facts> {
    let mut r = Reader(bytes);
    let mut facts = Facts::default();
    while let Some(tag) = r.take(1) {
        match tag[0] {
            STAT_MISSING => {
                let path = r.path()?;
                facts.files.push((Ask::Stat, path, Seen::Missing(i32::from_le_bytes(r.array()?))));
            }
            STAT_IS => {
                let path = r.path()?;
                let kind = u32::from_le_bytes(r.array()?);
                let id = r.id()?;
                facts.files.push((Ask::Stat, path, Seen::Is(kind, id)));
            }
            LISTED_ASKED => {
                let path = r.path()?;
                let id = r.id()?;
                let n = u32::from_le_bytes(r.array()?);
                let mut asked = std::collections::BTreeMap::new();
                for _ in 0..n {
                    let there = match r.take(1)?[0] {
                        0 => false,
                        1 => true,
                        _ => return None,
                    };
                    asked.insert(OsString::from_vec(r.bytes()?.to_vec()), there);
                }
                facts.files.push((Ask::Listed, path, Seen::Listed(id, Names::Asked(asked))));
            }
            LISTED_WHOLE => {
                let path = r.path()?;
                let id = r.id()?;
                facts.files.push((Ask::Listed, path, Seen::Listed(id, Names::Whole(r.array()?))));
            }
            CANONICAL => {
                let path = r.path()?;
                facts.files.push((Ask::Canonical, path, Seen::Canonical(Some(r.path()?))));
            }
            CANONICAL_NONE => facts.files.push((Ask::Canonical, r.path()?, Seen::Canonical(None))),
            VAR => {
                let name = OsString::from_vec(r.bytes()?.to_vec());
                facts.env.push((name, Some(OsString::from_vec(r.bytes()?.to_vec()))));
            }
            VAR_UNSET => facts.env.push((OsString::from_vec(r.bytes()?.to_vec()), None)),
            t => other(t, &mut r)?,
        }
    }
    Some(facts)
}

/// A cursor over an entry's bytes.
pub(super) struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader(bytes)
    }

    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(super) fn id(&mut self) -> Option<FileId> {
        Some(FileId {
            dev: u64::from_le_bytes(self.array()?),
            ino: u64::from_le_bytes(self.array()?),
            size: u64::from_le_bytes(self.array()?),
            mtime_ns: i128::from_le_bytes(self.array()?),
            ctime_ns: i128::from_le_bytes(self.array()?),
        })
    }

    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = u32::from_le_bytes(self.array()?);
        self.take(usize::try_from(n).ok()?)
    }

    pub(super) fn path(&mut self) -> Option<PathBuf> {
        Some(PathBuf::from(OsStr::from_bytes(self.bytes()?)))
    }
}

/// The run's start, for [`store`].
pub fn now_ns() -> i128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set the files up
mod tests {
    use super::*;

    /// An answer worked out under a recording of `ask`, then the recording.
    fn recorded(ask: impl FnOnce()) -> Recording {
        fsx::start_recording();
        ask();
        fsx::take_recording().expect("recording")
    }

    fn answer() -> Answer {
        Answer {
            driver: "/usr/bin/gcc".into(),
            args: vec!["-shared".into(), OsString::from_vec(b"odd \xff\n byte".to_vec()), "".into()],
            note: None,
            said: b"solink: warning: \x1b[1mtwo\nlines\n".to_vec(),
        }
    }

    fn no_env(_: &str) -> Option<&'static OsStr> {
        None
    }

    /// Long ago, as far as [`store`] can tell.
    const LATER: i128 = i128::MAX / 2;

    #[test]
    fn entries_round_trip_bytes_and_every_kind_of_fact() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "x").unwrap();
        let rec = recorded(|| {
            fsx::is_file(&dir.path().join("f"));
            fsx::is_file(&dir.path().join("missing"));
            let _ = fsx::canonicalize(dir.path());
            let _ = fsx::canonicalize(&dir.path().join("missing"));
            let _ = fsx::read_dir(dir.path());
        });
        assert_eq!(rec.facts().count(), 5, "{rec:?}");
        let mut a = answer();
        a.note = Some((dir.path().join("n.o"), b"1234567".to_vec()));
        let env = vec![("SET".into(), Some(OsString::from_vec(b"v\xff".to_vec()))), ("UNSET".into(), None)];
        let bytes = encode(&a, &env, rec.facts());
        let (got, facts) = decode(&bytes).unwrap();
        assert_eq!(got, a);
        assert_eq!(facts.env, env);
        let mut want: Vec<(Ask, PathBuf, Seen)> =
            rec.facts().map(|(k, p, s)| (k, p.to_path_buf(), s.clone())).collect();
        let mut files = facts.files;
        let order = |f: &(Ask, PathBuf, Seen)| (f.0 as u8, f.1.clone());
        want.sort_by_key(order);
        files.sort_by_key(order);
        assert_eq!(files, want);
        // Every cut of a whole entry is out of shape or shorter, never a panic.
        for cut in 0..bytes.len() {
            if let Some((answer, _)) = decode(&bytes[..cut]) {
                assert!(answer.args.len() <= 3);
            }
        }
        assert_eq!(decode(b"Z"), None, "an unknown tag");
        assert_eq!(decode(b"A\x01\0\0\0x"), None, "no driver");
        assert_eq!(decode(b"D\xff\xff\xff\xff"), None, "a length past the end");
    }

    /// Every way the file system can change what a link saw makes the
    /// entry a miss, and nothing else does.
    #[test]
    fn a_hit_needs_every_fact_to_hold() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("lib")).unwrap();
        std::fs::write(d.join("lib/libfoo.a"), "!<arch>\n").unwrap();
        std::fs::write(d.join("other"), "x").unwrap();
        let work = || {
            fsx::is_file(&d.join("lib/libfoo.a"));
            fsx::is_file(&d.join("lib/libfoo.so"));
            let _ = fsx::read_dir(&d.join("lib"));
            let _ = fsx::canonicalize(&d.join("lib"));
        };
        let cache = Store::open(&d.join("cache")).unwrap();
        let store_now = || store(&cache, "k", &answer(), &recorded(work), LATER);
        store_now();
        assert_eq!(lookup(&cache, "k", no_env), Some(answer()));
        assert_eq!(lookup(&cache, "other key", no_env), None);
        type Change<'a> = (&'a str, Box<dyn Fn() + 'a>);
        let changes: Vec<Change> = vec![
            (
                "the archive rewritten",
                Box::new(|| std::fs::write(d.join("lib/libfoo.a"), "!<arch>\n\n").unwrap()),
            ),
            ("a shared twin added", Box::new(|| std::fs::write(d.join("lib/libfoo.so"), "").unwrap())),
            ("a file added to a listed dir", Box::new(|| std::fs::write(d.join("lib/new"), "").unwrap())),
            (
                "the dir replaced by a symlink to a copy",
                Box::new(|| {
                    std::fs::rename(d.join("lib"), d.join("lib2")).unwrap();
                    std::os::unix::fs::symlink("lib2", d.join("lib")).unwrap();
                }),
            ),
        ];
        for (what, change) in &changes {
            // The timestamps move only with the clock's tick.
            std::thread::sleep(std::time::Duration::from_millis(20));
            change();
            assert_eq!(lookup(&cache, "k", no_env), None, "{what}");
            store_now();
            assert_eq!(lookup(&cache, "k", no_env), Some(answer()), "{what}: stored again");
        }
        // A file no question was about changes nothing.
        std::fs::write(d.join("other"), "y").unwrap();
        assert_eq!(lookup(&cache, "k", no_env), Some(answer()));
    }

    /// Issue 34 §1: a directory listed for lookups is kept as the names
    /// looked up, so a build tree's relink, which rewrites its output in a
    /// searched directory, still hits; a name looked up that appears or
    /// goes away is a miss, as is any change to a directory scanned whole.
    #[test]
    fn a_listed_dir_holds_the_names_asked_not_its_mtime() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("lib")).unwrap();
        std::fs::create_dir(d.join("scan")).unwrap();
        std::fs::write(d.join("lib/libfoo.a"), "!<arch>\n").unwrap();
        std::fs::write(d.join("lib/libout.so"), "1").unwrap();
        let work = || {
            let l = fsx::list(&d.join("lib")).unwrap();
            assert!(l.contains(OsStr::new("libfoo.a")));
            assert!(!l.contains(OsStr::new("libbar.a")));
            assert!(!l.contains(OsStr::new("libfoo.so")));
        };
        let cache = Store::open(&d.join("cache")).unwrap();
        let store_now = || store(&cache, "k", &answer(), &recorded(work), LATER);
        store_now();
        assert_eq!(lookup(&cache, "k", no_env), Some(answer()));
        let tick = || std::thread::sleep(std::time::Duration::from_millis(20));
        tick();
        // The relink: its output replaced, and a note renamed into place.
        std::fs::remove_file(d.join("lib/libout.so")).unwrap();
        std::fs::write(d.join("lib/libout.so"), "2").unwrap();
        std::fs::write(d.join("lib/.libout.so.solink-note.o"), "n").unwrap();
        assert_eq!(lookup(&cache, "k", no_env), Some(answer()), "names no lookup asked for");
        for (what, name) in [("a name looked up appears", "lib/libbar.a"), ("another", "lib/libfoo.so")] {
            tick();
            std::fs::write(d.join(name), "").unwrap();
            assert_eq!(lookup(&cache, "k", no_env), None, "{what}");
            std::fs::remove_file(d.join(name)).unwrap();
            assert_eq!(lookup(&cache, "k", no_env), Some(answer()), "{what}: gone again");
        }
        tick();
        std::fs::rename(d.join("lib/libfoo.a"), d.join("lib/libfoo.b")).unwrap();
        assert_eq!(lookup(&cache, "k", no_env), None, "a name found went away");
        // A scan saw every name: any name added is a miss.
        let scan = recorded(|| {
            fsx::read_dir(&d.join("scan")).unwrap();
        });
        store(&cache, "s", &answer(), &scan, LATER);
        assert_eq!(lookup(&cache, "s", no_env), Some(answer()));
        tick();
        std::fs::write(d.join("scan/x"), "").unwrap();
        assert_eq!(lookup(&cache, "s", no_env), None, "a scanned dir gained a name");
        std::fs::remove_file(d.join("scan/x")).unwrap();
        assert_eq!(lookup(&cache, "s", no_env), Some(answer()), "the same names again");
    }

    #[test]
    fn a_name_seen_both_ways_in_one_run_is_a_change_under_it() {
        let dir = tempfile::tempdir().unwrap();
        let rec = recorded(|| {
            let l = fsx::list(dir.path()).unwrap();
            assert!(!l.contains(OsStr::new("x")));
            std::fs::write(dir.path().join("x"), "").unwrap();
            assert!(fsx::list(dir.path()).unwrap().contains(OsStr::new("x")));
        });
        assert!(rec.conflicted);
    }

    #[test]
    fn the_note_round_trips_with_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Store::open(dir.path()).unwrap();
        let mut a = answer();
        a.note = Some((PathBuf::from(".libx.so.solink-note.o"), b"\x7fELF".to_vec()));
        store(&cache, "k", &a, &recorded(|| ()), LATER);
        assert_eq!(lookup(&cache, "k", no_env), Some(a));
    }

    #[test]
    fn a_conflicted_or_too_new_recording_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cache = Store::open(&d.join("cache")).unwrap();
        std::fs::write(d.join("f"), "x").unwrap();
        let fresh = recorded(|| {
            fsx::is_file(&d.join("f"));
        });
        store(&cache, "new", &answer(), &fresh, now_ns());
        assert_eq!(lookup(&cache, "new", no_env), None, "a file written just now is too new to trust");
        store(&cache, "new", &answer(), &fresh, LATER);
        assert_eq!(lookup(&cache, "new", no_env), Some(answer()));
        let torn = recorded(|| {
            fsx::is_file(&d.join("f"));
            std::fs::write(d.join("f"), "changed while the link was worked out").unwrap();
            fsx::is_file(&d.join("f"));
        });
        assert!(torn.conflicted);
        store(&cache, "torn", &answer(), &torn, LATER);
        assert_eq!(lookup(&cache, "torn", no_env), None);
    }

    /// A listed directory written just now (a build tree's `lib/`, where
    /// the link before wrote its output) is stored, as a directory no
    /// replay trusts by identity: every replay lists it again and compares
    /// the names looked up. A file that is too new still keeps the answer
    /// out.
    #[test]
    fn a_listed_dir_written_just_now_is_stored_and_always_listed_again() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("lib")).unwrap();
        std::fs::write(d.join("lib/libfoo.a"), "!<arch>\n").unwrap();
        let cache = Store::open(&d.join("cache")).unwrap();
        let rec = recorded(|| {
            let l = fsx::list(&d.join("lib")).unwrap();
            assert!(l.contains(OsStr::new("libfoo.a")));
            assert!(!l.contains(OsStr::new("libbar.a")));
        });
        // The run started as the directory was written: too new, whatever
        // the machine's speed.
        let lib_id = || FileId::of(&std::fs::metadata(d.join("lib")).unwrap());
        let started = lib_id().mtime_ns.max(lib_id().ctime_ns);
        let stored = settled(&rec, started).expect("stored");
        let [(Ask::Listed, _, Seen::Listed(id, names))] = stored.as_slice() else { panic!("{stored:?}") };
        assert_eq!(*id, UNSETTLED);
        store(&cache, "k", &answer(), &rec, started);
        assert_eq!(lookup(&cache, "k", no_env), Some(answer()), "stored and replayed");
        // A name looked up appears. An entry that trusted the directory's
        // identity as it is now (what a change within one clock tick, its
        // timestamps unchanged, looks like) would replay the old answer;
        // the stored one lists the directory again.
        std::fs::write(d.join("lib/libbar.a"), "").unwrap();
        let trusting = [(Ask::Listed, d.join("lib"), Seen::Listed(lib_id(), names.clone()))];
        let bytes = encode(&answer(), &[], trusting.iter().map(|(a, p, s)| (*a, p.as_path(), s)));
        cache.put_bytes(&entry_name("trusting"), &bytes, Place::Link);
        assert_eq!(lookup(&cache, "trusting", no_env), Some(answer()), "the danger, shown");
        assert_eq!(lookup(&cache, "k", no_env), None, "listed again, not trusted by its identity");
        std::fs::remove_file(d.join("lib/libbar.a")).unwrap();
        assert_eq!(lookup(&cache, "k", no_env), Some(answer()), "the same names again");
        // A file (not a listing) just written keeps the answer out.
        let file = recorded(|| {
            fsx::is_file(&d.join("lib/libfoo.a"));
            fsx::list(&d.join("lib")).unwrap().contains(OsStr::new("libfoo.a"));
        });
        let written = std::fs::metadata(d.join("lib/libfoo.a")).unwrap();
        assert!(settled(&file, FileId::of(&written).ctime_ns).is_none());
        assert!(settled(&file, LATER).is_some_and(|f| f
            .iter()
            .all(|(.., seen)| !matches!(seen, Seen::Listed(id, _) if *id == UNSETTLED))));
    }

    #[test]
    fn too_new_follows_the_clock_and_the_file_systems_grain() {
        let id =
            |t: i128| Seen::Is(libc::S_IFREG, FileId { dev: 1, ino: 2, size: 3, mtime_ns: t, ctime_ns: t });
        let start = 1_700_000_000_500_000_000;
        assert!(!too_new(&id(start - SETTLE_NS - 1), start));
        assert!(too_new(&id(start - SETTLE_NS + 1), start));
        assert!(too_new(&id(start + 1), start), "a time in the future");
        // Whole seconds: maybe a file system that keeps no more.
        assert!(too_new(&id(1_699_999_999_000_000_000), start));
        assert!(!too_new(&id(1_699_999_998_000_000_000), start));
        assert!(!too_new(&Seen::Missing(2), start));
    }

    #[test]
    fn the_key_covers_each_input_but_the_environment() {
        let env = |cwd: &str, var: &str| {
            let mut e = Env::new([(OsString::from("A"), OsString::from(var))]).with_cwd(Some(cwd.into()));
            e.self_file = Some(FileId { dev: 1, ino: 2, size: 3, mtime_ns: 4, ctime_ns: 5 });
            e
        };
        let w = |s: &[&str]| s.iter().map(OsString::from).collect::<Vec<_>>();
        let base = key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"]), false).unwrap();
        let others = [
            key(&env("/v", "1"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"]), false),
            key(&env("/w", "1"), &w(&["solink", "y"]), &w(&["gcc"]), &w(&["x"]), false),
            key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["cc"]), &w(&["x"]), false),
            key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"]), true),
            key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["gcc", "x"]), &w(&[]), false),
        ];
        for k in others {
            assert_ne!(k.unwrap(), base);
        }
        let same = key(&env("/w", "2"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"]), false);
        assert_eq!(same.unwrap(), base, "the variables read are facts, not key");
        let mut rebuilt = env("/w", "1");
        rebuilt.self_file.as_mut().unwrap().mtime_ns += 1;
        assert_ne!(key(&rebuilt, &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"]), false).unwrap(), base);
        assert_eq!(key(&Env::new([]), &w(&["solink"]), &w(&["gcc"]), &w(&[]), false), None);
    }

    /// A variable the link read is checked; one it did not read is not.
    #[test]
    fn a_hit_needs_every_variable_read_to_be_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Store::open(dir.path()).unwrap();
        let env = Env::new([("PKG_CONFIG_PATH".into(), "/a".into()), ("MAKEFLAGS".into(), "-j2".into())]);
        let rec = recorded(|| {
            env.get("PKG_CONFIG_PATH");
            env.get("LIBRARY_PATH");
        });
        assert_eq!(rec.env.len(), 2);
        store(&cache, "k", &answer(), &rec, LATER);
        let lookup_with = |vars: &[(&str, &str)]| {
            let env = Env::new(vars.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))));
            lookup(&cache, "k", |n| env.peek(n))
        };
        assert_eq!(
            lookup_with(&[("PKG_CONFIG_PATH", "/a"), ("MAKEFLAGS", "-j8 --jobserver-auth=fifo:/tmp/x")]),
            Some(answer())
        );
        assert_eq!(lookup_with(&[("PKG_CONFIG_PATH", "/b")]), None, "a value changed");
        assert_eq!(lookup_with(&[]), None, "a variable unset");
        assert_eq!(lookup_with(&[("PKG_CONFIG_PATH", "/a"), ("LIBRARY_PATH", "/l")]), None, "a variable set");
    }
}

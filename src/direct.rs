//! Direct mode, after ccache's: one cache entry holds a whole link's
//! answer (the driver and its final arguments), keyed by everything solink
//! was given, and is replayed only when every question the link asked of
//! the file system gets the same answer again.
//!
//! - **The key** is a SHA-256 of this solink's own identity, the working
//!   directory, the whole environment (configuration files folded in), the
//!   command line, and the driver and arguments solink chose from them.
//! - **The facts** are what [`crate::fsx`] recorded while the answer was
//!   worked out: each `stat` (a file's identity, a directory's for a
//!   listing, or the error), and each `realpath` with its result. A hit asks
//!   them all again; one different answer is a miss, and the link is
//!   worked out as if there were no entry.
//! - **Only a quiet answer is stored:** a shared link with no warning, no
//!   `--explain`, `--print-resolved`, `--depfile` or log file, and a
//!   provenance note (if any) in the cache. What such a link prints is its
//!   `--dry-run` line, which the answer holds.
//! - **Nothing too new:** a file whose mtime or ctime is within
//!   [`SETTLE_NS`] of the run's start could still change within the same
//!   clock tick without its timestamps changing (as ccache's "too new"
//!   rule); an answer that saw one is not stored.
//!
//! The per-file caches stay as they were: a miss here is the warm link.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use crate::cache::Cache;
use crate::fsx::{self, Ask, FileId, Recording, Seen};
use crate::Env;

const FORMAT: &str = "solink-direct 1";

/// How old a timestamp must be, at the run's start, for an answer that
/// saw it to be stored: file times come from the kernel's coarse clock,
/// which moves once a tick (10 ms at most).
pub const SETTLE_NS: i128 = 100_000_000;

/// A timestamp with no nanoseconds may come from a file system that keeps
/// whole seconds (or two): it must be older.
const SETTLE_COARSE_NS: i128 = 2_000_000_000;

/// A whole link's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The driver that ran (or would have), as found on PATH.
    pub driver: PathBuf,
    /// The arguments it got (the provenance note last, when there is one).
    pub args: Vec<OsString>,
    /// The provenance note object in the cache, and its size: it must still
    /// be there.
    pub note: Option<(PathBuf, u64)>,
}

/// The key of a link's answer; `None` when this solink's identity or the
/// working directory is unknown.
pub fn key(env: &Env, argv: &[OsString], driver_words: &[OsString], args: &[OsString]) -> Option<String> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut add = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    add(FORMAT.as_bytes());
    add(env.self_file?.key().as_bytes());
    add(env.cwd.as_deref()?.as_os_str().as_bytes());
    let mut vars: Vec<(&OsString, &OsString)> = env.vars().collect();
    vars.sort();
    for (name, value) in vars {
        add(name.as_bytes());
        add(value.as_bytes());
    }
    for part in [argv, driver_words, args] {
        add(&(part.len() as u64).to_le_bytes());
        for word in part {
            add(word.as_bytes());
        }
    }
    Some(crate::provenance::Digest(hasher.finalize().into()).hex())
}

/// The answer stored under `key`, if every fact it was worked out from
/// still holds.
pub fn lookup(cache: &Cache, key: &str) -> Option<Answer> {
    let lines = cache.get_lines_capped(&entry_name(key), crate::cache::MAX_PACK)?;
    let (answer, facts) = decode(&lines)?;
    if let Some((note, size)) = &answer.note {
        if !fsx::is_own_file(note, *size) {
            return None;
        }
    }
    facts.iter().all(|(ask, path, seen)| fsx::ask_again(*ask, path) == *seen).then_some(answer)
}

/// Stores `answer` under `key` with the facts of `recording`, unless the
/// recording saw a path change under it or a timestamp too new to trust
/// (`started_ns`: the run's start, in nanoseconds since the epoch).
pub fn store(cache: &Cache, key: &str, answer: &Answer, recording: &Recording, started_ns: i128) {
    if recording.conflicted || recording.facts.iter().any(|(_, _, seen)| too_new(seen, started_ns)) {
        return;
    }
    let lines = encode(answer, &recording.facts);
    if lines.iter().map(|l| l.len() as u64 + 1).sum::<u64>() < crate::cache::MAX_PACK {
        cache.put_lines(&entry_name(key), &lines);
    }
}

fn entry_name(key: &str) -> String {
    format!("{FORMAT} {key}")
}

fn too_new(seen: &Seen, started_ns: i128) -> bool {
    let Seen::Is(_, id) = seen else { return false };
    [id.mtime_ns, id.ctime_ns].iter().any(|&t| {
        let settle = if t % 1_000_000_000 == 0 { SETTLE_COARSE_NS } else { SETTLE_NS };
        t > started_ns - settle
    })
}

/// The entry's lines: `driver HEX`, `arg HEX` each, `note HEX SIZE`, then
/// one `s`/`c` line per fact. Paths and arguments are bytes, written in hex.
fn encode(answer: &Answer, facts: &[(Ask, PathBuf, Seen)]) -> Vec<String> {
    let mut lines = Vec::with_capacity(answer.args.len() + facts.len() + 2);
    lines.push(format!("driver {}", hex(answer.driver.as_os_str().as_bytes())));
    for arg in &answer.args {
        lines.push(format!("arg {}", hex(arg.as_bytes())));
    }
    if let Some((note, size)) = &answer.note {
        lines.push(format!("note {} {size}", hex(note.as_os_str().as_bytes())));
    }
    for (ask, path, seen) in facts {
        let path = hex(path.as_os_str().as_bytes());
        lines.push(match (ask, seen) {
            (Ask::Stat, Seen::Missing(errno)) => format!("s {path} m {errno}"),
            (Ask::Stat, Seen::Is(kind, id)) => format!("s {path} i {kind} {}", id.key()),
            (Ask::Canonical, Seen::Canonical(Some(to))) => {
                format!("c {path} {}", hex(to.as_os_str().as_bytes()))
            }
            (Ask::Canonical, Seen::Canonical(None)) => format!("c {path} -"),
            // A recording pairs each question with its own kind of answer.
            _ => unreachable!("a {ask:?} question with a {seen:?} answer"),
        });
    }
    lines
}

type Facts = Vec<(Ask, PathBuf, Seen)>;

/// The answer and facts of an entry's lines; anything out of shape is
/// `None` (a miss), never a panic.
fn decode(lines: &[String]) -> Option<(Answer, Facts)> {
    let mut answer = Answer { driver: PathBuf::new(), args: Vec::new(), note: None };
    let mut facts = Vec::new();
    let mut driver = None;
    for line in lines {
        let mut words = line.split(' ');
        match (words.next()?, words.next()?) {
            ("driver", h) => driver = Some(path(h)?),
            ("arg", h) => answer.args.push(OsString::from_vec(unhex(h)?)),
            ("note", h) => answer.note = Some((path(h)?, words.next()?.parse().ok()?)),
            ("s", h) => {
                let seen = match (words.next()?, words.next()?) {
                    ("m", errno) => Seen::Missing(errno.parse().ok()?),
                    ("i", kind) => Seen::Is(kind.parse().ok()?, FileId::parse_key(words.next()?)?),
                    _ => return None,
                };
                facts.push((Ask::Stat, path(h)?, seen));
            }
            ("c", h) => {
                let to = match words.next()? {
                    "-" => None,
                    t => Some(path(t)?),
                };
                facts.push((Ask::Canonical, path(h)?, Seen::Canonical(to)));
            }
            _ => return None,
        }
        if words.next().is_some() {
            return None;
        }
    }
    answer.driver = driver?;
    Some((answer, facts))
}

fn path(h: &str) -> Option<PathBuf> {
    Some(PathBuf::from(OsString::from_vec(unhex(h)?)))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let t = text.as_bytes();
    if t.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).filter(|_| !c.is_ascii_uppercase()).map(|d| d as u8);
    t.chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
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
        }
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
        assert_eq!(rec.facts.len(), 5, "{rec:?}");
        let mut a = answer();
        a.note = Some((dir.path().join("n.o"), 7));
        let lines = encode(&a, &rec.facts);
        assert_eq!(decode(&lines), Some((a, rec.facts)));
        assert_eq!(decode(&["arg 0".to_string(), "driver 61".to_string()]), None, "odd hex");
        assert_eq!(decode(&["arg 4A".to_string(), "driver 61".to_string()]), None, "upper-case hex");
        assert_eq!(decode(&["arg 61".to_string()]), None, "no driver");
        assert_eq!(decode(&["driver 61 62".to_string()]), None, "a word too many");
        assert_eq!(decode(&["driver 61".to_string(), "s 61 i 32768".to_string()]), None, "no identity");
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
        let cache = Cache::in_root(&d.join("cache"));
        let store_now = || store(&cache, "k", &answer(), &recorded(work), LATER);
        store_now();
        assert_eq!(lookup(&cache, "k"), Some(answer()));
        assert_eq!(lookup(&cache, "other key"), None);
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
            assert_eq!(lookup(&cache, "k"), None, "{what}");
            store_now();
            assert_eq!(lookup(&cache, "k"), Some(answer()), "{what}: stored again");
        }
        // A file no question was about changes nothing.
        std::fs::write(d.join("other"), "y").unwrap();
        assert_eq!(lookup(&cache, "k"), Some(answer()));
    }

    #[test]
    fn a_missing_note_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::in_root(dir.path());
        let note = dir.path().join("note.o");
        std::fs::write(&note, "1234").unwrap();
        let mut a = answer();
        a.note = Some((note.clone(), 4));
        store(&cache, "k", &a, &recorded(|| ()), LATER);
        assert_eq!(lookup(&cache, "k"), Some(a));
        std::fs::remove_file(&note).unwrap();
        assert_eq!(lookup(&cache, "k"), None);
    }

    #[test]
    fn a_conflicted_or_too_new_recording_is_not_stored() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cache = Cache::in_root(&d.join("cache"));
        std::fs::write(d.join("f"), "x").unwrap();
        let fresh = recorded(|| {
            fsx::is_file(&d.join("f"));
        });
        store(&cache, "new", &answer(), &fresh, now_ns());
        assert_eq!(lookup(&cache, "new"), None, "a file written just now is too new to trust");
        store(&cache, "new", &answer(), &fresh, LATER);
        assert_eq!(lookup(&cache, "new"), Some(answer()));
        let torn = recorded(|| {
            fsx::is_file(&d.join("f"));
            std::fs::write(d.join("f"), "changed while the link was worked out").unwrap();
            fsx::is_file(&d.join("f"));
        });
        assert!(torn.conflicted);
        store(&cache, "torn", &answer(), &torn, LATER);
        assert_eq!(lookup(&cache, "torn"), None);
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
    fn the_key_covers_each_input() {
        let env = |cwd: &str, var: &str| {
            let mut e = Env::new([(OsString::from("A"), OsString::from(var))]).with_cwd(Some(cwd.into()));
            e.self_file = Some(FileId { dev: 1, ino: 2, size: 3, mtime_ns: 4, ctime_ns: 5 });
            e
        };
        let w = |s: &[&str]| s.iter().map(OsString::from).collect::<Vec<_>>();
        let base = key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"])).unwrap();
        let others = [
            key(&env("/v", "1"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"])),
            key(&env("/w", "2"), &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"])),
            key(&env("/w", "1"), &w(&["solink", "y"]), &w(&["gcc"]), &w(&["x"])),
            key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["cc"]), &w(&["x"])),
            key(&env("/w", "1"), &w(&["solink", "x"]), &w(&["gcc", "x"]), &w(&[])),
        ];
        for k in others {
            assert_ne!(k.unwrap(), base);
        }
        let mut rebuilt = env("/w", "1");
        rebuilt.self_file.as_mut().unwrap().mtime_ns += 1;
        assert_ne!(key(&rebuilt, &w(&["solink", "x"]), &w(&["gcc"]), &w(&["x"])).unwrap(), base);
        assert_eq!(key(&Env::new([]), &w(&["solink"]), &w(&["gcc"]), &w(&[])), None);
    }
}

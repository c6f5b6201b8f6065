//! Opening files that may be hostile.
//!
//! Every file solink reads (a candidate archive, a thin archive's member, an
//! input object, a linker script, a `.pc` file, a response file, a cache
//! entry) is opened here. The checks happen on the descriptor that is then
//! read, never on the path beforehand, so a file swapped between the check
//! and the read cannot slip through:
//!
//! - it is opened with `O_NONBLOCK`, so a FIFO cannot hang the open, then
//!   `fstat`ed: only a regular file (symlinks followed) is read;
//! - its identity ([`FileId`]) comes from that same `fstat`, so a cache entry
//!   keyed by it describes exactly the bytes that were read;
//! - reads are bounded by a cap the caller gives.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// What identifies one version of a file: device, inode, size, and the
/// modification and change times in nanoseconds. A file rewritten in place
/// changes its mtime or ctime; a file replaced by rename changes its inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl FileId {
    pub fn of(m: &Metadata) -> FileId {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileId {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        }
    }

    /// A stable text form, for cache keys: the five fields in lower-case
    /// hex (`{:x}`; a time before 1970 as its two's complement), joined by
    /// `-`. Written by hand: `format!` of the i128s was a tenth of a
    /// 10,000-archive link (callgrind).
    pub fn key(&self) -> String {
        let mut out = String::with_capacity(64);
        self.push_key(&mut out);
        out
    }

    /// [`FileId::key`], appended to `out`.
    pub fn push_key(&self, out: &mut String) {
        let fields = [
            self.dev.into(),
            self.ino.into(),
            self.size.into(),
            self.mtime_ns as u128,
            self.ctime_ns as u128,
        ];
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                out.push('-');
            }
            push_hex(out, field);
        }
    }

    /// The identity [`FileId::key`] wrote, or `None`.
    pub fn parse_key(key: &str) -> Option<FileId> {
        let mut parts = key.split('-');
        let mut next = || parts.next().filter(|p| !p.is_empty() && !p.starts_with('+'));
        let id = FileId {
            dev: u64::from_str_radix(next()?, 16).ok()?,
            ino: u64::from_str_radix(next()?, 16).ok()?,
            size: u64::from_str_radix(next()?, 16).ok()?,
            mtime_ns: u128::from_str_radix(next()?, 16).ok()? as i128,
            ctime_ns: u128::from_str_radix(next()?, 16).ok()? as i128,
        };
        (parts.next().is_none() && id.key() == key).then_some(id)
    }
}

/// `value` in lower-case hex without leading zeros, as `{:x}` writes it.
fn push_hex(out: &mut String, value: u128) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 32];
    let mut at = buf.len();
    let mut v = value;
    loop {
        at -= 1;
        buf[at] = DIGITS[(v & 0xf) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[at..]).expect("hex digits are ASCII"));
}

/// What one question about a path was answered, kept by a [`Recording`]
/// so direct mode can ask it again and compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// `stat` (symlinks followed) failed with this `errno` (-1: none given).
    Missing(i32),
    /// `stat` gave this file type (`st_mode & S_IFMT`) and identity.
    Is(u32, FileId),
    /// `realpath` gave this (or failed: `None`).
    Canonical(Option<std::path::PathBuf>),
    /// A directory with this identity was listed, and this is what was
    /// taken from its listing.
    Listed(FileId, Names),
}

/// What a run took from a directory's listing (issue 34 §1): the names it
/// looked up, each with whether it was there, or (a scan, which saw every
/// name) the whole listing, by a SHA-256 of its sorted names. A replay
/// whose `stat` of the directory gives the same identity needs no more; one
/// that does not (a build tree's relink wrote its output beside the
/// archives) lists it again and compares only this, so an output rewritten
/// in a searched directory is no miss, and a name the link looked up that
/// appeared or went away is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Names {
    Asked(std::collections::BTreeMap<std::ffi::OsString, bool>),
    Whole([u8; 32]),
}

/// The three questions direct mode asks again: a `stat`, a `realpath` and
/// a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ask {
    Stat = 0,
    Canonical = 1,
    Listed = 2,
}

/// Every question a run asked about the file system on the way to its
/// answer, each with what it saw first (direct mode, `store/direct.rs`). A path
/// that gave two different answers in one run changed under it: such a
/// recording is `conflicted` and is never stored (as is one made while a
/// child process read files: [`spoil_recording`]).
#[derive(Debug, Default)]
pub struct Recording {
    /// Each path asked about, with the answer to each question
    /// ([`Ask`] as the index). Keyed by the path's bytes: hashing a
    /// `PathBuf` walks its components, a tenth of a 10,000-library link's
    /// recording (callgrind).
    files: foldhash::HashMap<std::ffi::OsString, [Option<Seen>; 3]>,
    /// Every environment variable read (`Env::get`), with its value.
    pub env: Vec<(std::ffi::OsString, Option<std::ffi::OsString>)>,
    pub conflicted: bool,
    /// When it started, in nanoseconds since the epoch: a timestamp seen
    /// soon before it may still change within one clock tick.
    pub started_ns: i128,
}

impl Recording {
    fn now() -> Recording {
        let started_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        Recording { started_ns, ..Recording::default() }
    }
}

impl Recording {
    /// Each question asked, with the answer it got first.
    pub fn facts(&self) -> impl Iterator<Item = (Ask, &Path, &Seen)> {
        self.files.iter().flat_map(|(path, answers)| {
            [Ask::Stat, Ask::Canonical, Ask::Listed]
                .into_iter()
                .zip(answers)
                .filter_map(move |(ask, seen)| Some((ask, Path::new(path), seen.as_ref()?)))
        })
    }
}

thread_local! {
    /// The recordings under way, outermost first: direct mode's of the
    /// whole run, and a store's of one cached answer ([`nested`]). Every
    /// question goes into each.
    static RECORDING: std::cell::RefCell<Vec<Recording>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Starts recording every question asked through this module on this
/// thread (recordings already under way are dropped).
pub fn start_recording() {
    RECORDING.with(|r| *r.borrow_mut() = vec![Recording::now()]);
}

/// Stops recording and returns what was asked, if a recording was on.
pub fn take_recording() -> Option<Recording> {
    RECORDING.with(|r| std::mem::take(&mut *r.borrow_mut()).into_iter().next())
}

/// Runs `work` with a recording of its own (a recording under way goes
/// on, and gets every question too) and returns what it asked: the facts
/// a cached answer is checked against (`store::Store::recall`).
pub fn nested<T>(work: impl FnOnce() -> T) -> (T, Recording) {
    RECORDING.with(|r| r.borrow_mut().push(Recording::now()));
    let out = work();
    let rec = RECORDING.with(|r| r.borrow_mut().pop()).unwrap_or_default();
    (out, rec)
}

fn record(ask: Ask, path: &Path, seen: impl FnOnce() -> Seen) {
    RECORDING.with(|r| {
        let mut r = r.borrow_mut();
        if r.is_empty() {
            return;
        }
        let seen = seen();
        for rec in r.iter_mut() {
            let slot = match rec.files.get_mut(path.as_os_str()) {
                Some(answers) => &mut answers[ask as usize],
                None => &mut rec.files.entry(path.as_os_str().to_owned()).or_default()[ask as usize],
            };
            match slot {
                Some(first) => rec.conflicted |= *first != seen,
                None => *slot = Some(seen.clone()),
            }
        }
    });
}

/// Records that the directory `dir` (identity `id`) was listed and `take`
/// was taken from it: the names asked are merged into what earlier
/// questions took, and a whole listing takes in every name. Two identities
/// in one run, or one name seen both ways, is a change under the run.
fn record_listed(dir: &Path, id: FileId, take: Option<(&std::ffi::OsStr, bool)>, whole: Option<[u8; 32]>) {
    RECORDING.with(|r| {
        for rec in r.borrow_mut().iter_mut() {
            let slot = &mut rec.files.entry(dir.as_os_str().to_owned()).or_default()[Ask::Listed as usize];
            let seen = slot.get_or_insert_with(|| Seen::Listed(id, Names::Asked(Default::default())));
            let Seen::Listed(first, names) = seen else { unreachable!("a listing's slot holds listings") };
            if *first != id {
                rec.conflicted = true;
                continue;
            }
            if let Some(digest) = whole {
                match names {
                    Names::Whole(d) if *d != digest => rec.conflicted = true,
                    _ => *names = Names::Whole(digest),
                }
            }
            if let (Some((name, there)), Names::Asked(asked)) = (take, &mut *names) {
                match asked.get(name) {
                    Some(&was) => rec.conflicted |= was != there,
                    None => {
                        asked.insert(name.to_owned(), there);
                    }
                }
            }
        }
    });
}

/// Records that `names` were taken from the directory `dir` (identity `id`).
fn take(dir: &Path, id: FileId, names: &Names) {
    match names {
        Names::Whole(d) => record_listed(dir, id, None, Some(*d)),
        Names::Asked(asked) if asked.is_empty() => record_listed(dir, id, None, None),
        Names::Asked(asked) => {
            for (name, &there) in asked {
                record_listed(dir, id, Some((name, there)), None);
            }
        }
    }
}

/// Marks the recordings under way as unusable: a child process (the
/// driver, asked for its directories) read files no recording can see.
/// The next run, which finds that answer in the cache, records instead.
pub fn spoil_recording() {
    RECORDING.with(|r| r.borrow_mut().iter_mut().for_each(|rec| rec.conflicted = true));
}

/// Records that the variable `name` was read and had `value` (the
/// environment does not change within a run: each name is kept once).
pub fn record_env(name: &str, value: Option<&std::ffi::OsStr>) {
    RECORDING.with(|r| {
        for rec in r.borrow_mut().iter_mut() {
            if !rec.env.iter().any(|(n, _)| n == name) {
                rec.env.push((name.into(), value.map(std::ffi::OsStr::to_os_string)));
            }
        }
    });
}

/// What a `stat` result says, as [`Seen`].
pub fn seen_of(result: &io::Result<Metadata>) -> Seen {
    match result {
        Ok(m) => Seen::Is(m.mode() & libc::S_IFMT, FileId::of(m)),
        Err(e) => Seen::Missing(e.raw_os_error().unwrap_or(-1)),
    }
}

/// Whether `question` of `path` gets the answer `seen` again, asked
/// through the recorded forms: a cached answer checked by its facts
/// depends on them, and so does the run that uses it.
pub fn holds(ask: Ask, path: &Path, seen: &Seen) -> bool {
    let now = match (ask, seen) {
        (Ask::Stat, _) => seen_of(&metadata(path)),
        (Ask::Canonical, _) => Seen::Canonical(canonicalize(path).ok()),
        (Ask::Listed, Seen::Listed(id, names)) => {
            // The same identity: the names are what they were, and the run
            // that uses this answer took them too (its recording must say
            // so, or its own entry would hold less than it depends on).
            #[allow(clippy::disallowed_methods)]
            if std::fs::metadata(path).is_ok_and(|m| FileId::of(&m) == *id) {
                take(path, *id, names);
                return true;
            }
            let Ok(listing) = list(path) else { return false };
            return listing.gives(names);
        }
        (Ask::Listed, _) => return false,
    };
    now == *seen
}

/// Whether `question` of `path` gets the answer `seen` again, asked
/// unrecorded (direct mode's replay): a listed directory with the same
/// identity is taken as it was; with another, it is listed again and only
/// what the run took from it is compared.
#[allow(clippy::disallowed_methods)]
pub fn still(ask: Ask, path: &Path, seen: &Seen) -> bool {
    match (ask, seen) {
        (Ask::Stat, _) => seen_of(&std::fs::metadata(path)) == *seen,
        (Ask::Canonical, _) => Seen::Canonical(std::fs::canonicalize(path).ok()) == *seen,
        (Ask::Listed, Seen::Listed(id, names)) => {
            let Ok(meta) = std::fs::metadata(path) else { return false };
            if FileId::of(&meta) == *id {
                return true;
            }
            let Ok(entries) = std::fs::read_dir(path) else { return false };
            let Ok(set) = entries.map(|e| e.map(|e| e.file_name())).collect::<io::Result<_>>() else {
                return false;
            };
            DirRead::new(FileId::of(&meta), set).gives_unrecorded(names)
        }
        (Ask::Listed, _) => false,
    }
}

// The questions the resolution asks of paths: each one is recorded when a
// recording is on (clippy's `disallowed-methods` keeps the std forms out of
// the rest of the crate).

/// `stat` (symlinks followed), recorded.
#[allow(clippy::disallowed_methods)]
pub fn metadata(path: &Path) -> io::Result<Metadata> {
    let result = std::fs::metadata(path);
    record(Ask::Stat, path, || seen_of(&result));
    result
}

/// Whether `path` is a regular file (symlinks followed), recorded.
pub fn is_file(path: &Path) -> bool {
    metadata(path).is_ok_and(|m| m.is_file())
}

/// Whether `path` is a directory (symlinks followed), recorded.
pub fn is_dir(path: &Path) -> bool {
    metadata(path).is_ok_and(|m| m.is_dir())
}

/// Whether `path` exists (symlinks followed), recorded.
pub fn exists(path: &Path) -> bool {
    metadata(path).is_ok()
}

/// `realpath`, recorded with its result.
#[allow(clippy::disallowed_methods)]
pub fn canonicalize(path: &Path) -> io::Result<std::path::PathBuf> {
    let result = std::fs::canonicalize(path);
    record(Ask::Canonical, path, || Seen::Canonical(result.as_ref().ok().cloned()));
    result
}

/// A directory's names, read once, for lookups: each [`Listing::contains`]
/// is recorded as a name asked (issue 34 §1), and nothing else of the
/// listing is.
pub struct Listing {
    dir: std::path::PathBuf,
    read: std::rc::Rc<DirRead>,
}

/// One reading of a directory: its identity, then its names in the order
/// `readdir` gave them, with the views the run's questions need made once
/// each (a set for lookups, the sorted order for prefixes and the digest).
/// Shared by every question of the run under [`once_per_run`].
struct DirRead {
    id: FileId,
    names: Vec<std::ffi::OsString>,
    set: std::cell::OnceCell<foldhash::HashSet<std::ffi::OsString>>,
    /// Indices into `names`, in byte order.
    sorted: std::cell::OnceCell<Vec<u32>>,
    digest: std::cell::OnceCell<[u8; 32]>,
}

impl DirRead {
    fn new(id: FileId, names: Vec<std::ffi::OsString>) -> DirRead {
        DirRead { id, names, set: Default::default(), sorted: Default::default(), digest: Default::default() }
    }

    fn contains(&self, name: &std::ffi::OsStr) -> bool {
        self.set.get_or_init(|| self.names.iter().cloned().collect()).contains(name)
    }

    fn sorted(&self) -> &[u32] {
        self.sorted.get_or_init(|| {
            let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
            order
        })
    }

    /// A SHA-256 of the names, sorted, each with its length.
    fn digest(&self) -> [u8; 32] {
        *self.digest.get_or_init(|| {
            use sha2::Digest as _;
            let mut h = sha2::Sha256::new();
            for &i in self.sorted() {
                let n = &self.names[i as usize];
                h.update((n.len() as u64).to_le_bytes());
                h.update(n.as_encoded_bytes());
            }
            h.finalize().into()
        })
    }
}

/// What reading a directory gave, as the run keeps it.
#[derive(Clone)]
enum Reading {
    Read(std::rc::Rc<DirRead>),
    /// Its `stat` failed, with this `errno` (-1: none given).
    NoStat(i32),
    /// It could be `stat`ed but not listed (a failure that may pass).
    Unreadable(io::ErrorKind),
}

/// What this run has read, while [`once_per_run`] holds (issue 34 §7).
#[derive(Default)]
struct Kept {
    /// Each directory read, by its path as asked: a link of a thousand
    /// `-l`s that no directory holds listed every library directory again
    /// for each name (4,008 listings).
    dirs: foldhash::HashMap<std::ffi::OsString, Reading>,
    /// Each input mapped, by its path as asked, with the identity of the
    /// descriptor it was mapped from: a cold link opened `calc.o` three
    /// times (its target, its kind, its symbols) and an archive five (its
    /// verdict, its kind, its symbols, its members' names, its digest).
    files: foldhash::HashMap<std::ffi::OsString, std::rc::Rc<Opened>>,
}

/// At most this many files stay mapped for the run; past it, a file is
/// mapped for each reader as before (a map per file, and the kernel's
/// limit on a process's maps is 65,530 by default).
const MAX_KEPT_FILES: usize = 4096;

thread_local! {
    /// What this run has read; `None` outside a run.
    static KEPT: std::cell::RefCell<Option<Kept>> = const { std::cell::RefCell::new(None) };
}

/// Held for one run: while it lives, each directory is read once (one
/// `stat` and one `readdir`) and every later [`list`] or [`read_dir`] of the
/// same path gets that reading; each input is opened and mapped once, and
/// a later [`mapped`] of the same path whose `stat` gives the same identity
/// gets that mapping. Only the system calls are saved: each question is
/// still recorded as it is asked, with the identity of what answered it
/// and what the question took from it, into every recording under way at
/// that moment, so a cached answer's facts (`nested`) are exactly what it
/// depended on. The run sees each directory as it was when first read; a
/// change after that is found by the next run (direct mode's replay lists a
/// directory whose identity changed again, and compares what was taken). A
/// file replaced within the run is opened again, and its second identity
/// marks the recording as changed under it, as before.
pub struct OncePerRun {
    /// Whether this guard began the memo (an inner one leaves it to the
    /// outer).
    owner: bool,
}

/// Starts reading each directory and each input once, for as long as the
/// guard lives.
pub fn once_per_run() -> OncePerRun {
    KEPT.with(|k| {
        let mut k = k.borrow_mut();
        let owner = k.is_none();
        if owner {
            *k = Some(Kept::default());
        }
        OncePerRun { owner }
    })
}

impl Drop for OncePerRun {
    fn drop(&mut self) {
        if self.owner {
            KEPT.with(|k| *k.borrow_mut() = None);
        }
    }
}

/// Lists `path` for lookups. Its `stat` comes first: an entry added,
/// removed or renamed changes the directory's mtime, so the names read
/// here are what that identity had (or newer, and then a replay's `stat`
/// differs and the names are compared). Only names may be taken from the
/// entries: anything else about a file is asked of its path.
pub fn list(path: &Path) -> io::Result<Listing> {
    let read = read(path)?;
    record_listed(path, read.id, None, None);
    Ok(Listing { dir: path.to_path_buf(), read })
}

/// The directory `path` as this run read it (read now if it was not),
/// with what a failure means said to the recordings under way.
fn read(path: &Path) -> io::Result<std::rc::Rc<DirRead>> {
    let kept = KEPT.with(|k| k.borrow().as_ref().and_then(|k| k.dirs.get(path.as_os_str()).cloned()));
    let reading = match kept {
        Some(reading) => reading,
        None => {
            let reading = read_fresh(path);
            KEPT.with(|k| {
                if let Some(k) = k.borrow_mut().as_mut() {
                    k.dirs.insert(path.as_os_str().to_owned(), reading.clone());
                }
            });
            reading
        }
    };
    match reading {
        Reading::Read(read) => Ok(read),
        Reading::NoStat(errno) => {
            record(Ask::Stat, path, || Seen::Missing(errno));
            Err(match errno {
                -1 => io::Error::other("cannot stat"),
                errno => io::Error::from_raw_os_error(errno),
            })
        }
        Reading::Unreadable(kind) => {
            spoil_recording();
            Err(io::Error::from(kind))
        }
    }
}

/// A directory's identity, then its names in the order `readdir` gives.
#[allow(clippy::disallowed_methods)]
fn read_fresh(path: &Path) -> Reading {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return Reading::NoStat(e.raw_os_error().unwrap_or(-1)),
    };
    let names =
        std::fs::read_dir(path).and_then(|entries| entries.map(|e| e.map(|e| e.file_name())).collect());
    match names {
        Ok(names) => Reading::Read(std::rc::Rc::new(DirRead::new(FileId::of(&meta), names))),
        Err(e) => Reading::Unreadable(e.kind()),
    }
}

impl Listing {
    /// Whether the directory held `name`, recorded as a name asked of it.
    pub fn contains(&self, name: &std::ffi::OsStr) -> bool {
        let there = self.read.contains(name);
        record_listed(&self.dir, self.read.id, Some((name, there)), None);
        there
    }

    /// Whether this listing gives what `names` says was taken (recorded).
    fn gives(&self, names: &Names) -> bool {
        match names {
            Names::Asked(asked) => asked.iter().all(|(n, &there)| self.contains(n) == there),
            Names::Whole(d) => {
                let now = self.read.digest();
                record_listed(&self.dir, self.read.id, None, Some(now));
                now == *d
            }
        }
    }
}

impl DirRead {
    fn gives_unrecorded(&self, names: &Names) -> bool {
        match names {
            Names::Asked(asked) => asked.iter().all(|(n, &there)| self.contains(n) == there),
            Names::Whole(d) => self.digest() == *d,
        }
    }
}

/// A directory's names, for a scan that sees every one of them.
pub struct Entries(std::rc::Rc<DirRead>);

impl Entries {
    /// The names, in the order `readdir` gave them.
    pub fn iter(&self) -> impl Iterator<Item = &std::ffi::OsStr> {
        self.0.names.iter().map(std::ffi::OsString::as_os_str)
    }

    /// The names that start with `prefix`, in byte order: a binary search
    /// of the run's one sorted copy, not a pass over every name (issue 20
    /// §7's `libNAME.so.V` for each of a thousand missing names).
    pub fn starting_with<'a>(&'a self, prefix: &'a [u8]) -> impl Iterator<Item = &'a std::ffi::OsStr> + 'a {
        let read = &*self.0;
        let sorted = read.sorted();
        let name = move |i: &u32| read.names[*i as usize].as_os_str();
        let from = sorted.partition_point(|i| name(i).as_encoded_bytes() < prefix);
        sorted[from..].iter().map(name).take_while(move |n| n.as_encoded_bytes().starts_with(prefix))
    }
}

/// A directory's names, for a scan that sees every one of them: recorded
/// as the whole listing.
pub fn read_dir(path: &Path) -> io::Result<Entries> {
    let read = read(path)?;
    record_listed(path, read.id, None, Some(read.digest()));
    Ok(Entries(read))
}

/// Maps a file [`open_regular`] opened, read-only and private, and gives
/// its bytes to `read`: the one way solink reads a file through a mapping
/// (no copy into a buffer: a 121 MB archive is scanned in place, issue 34
/// §6), with [`Bytes::read`] for the mappings the run keeps.
///
/// If another process truncates the file while it is mapped, a read past
/// the new end raises `SIGBUS`, which would kill solink. While `read`
/// runs, a fault inside this mapping (from any thread) is answered with
/// zero pages over the rest of it (`bus` below), and the result is an error,
/// never an answer worked out from the zeros: the file changed while it
/// was read. A fault anywhere else goes to the handler found, or kills as
/// before.
///
/// A failure after the open succeeded (no memory, too many maps, the file
/// changed) may go away by itself, and the answer worked out without the
/// file must not be replayed: it spoils the recording, as a failed read or
/// listing does; so must a caller that hands the mapping's error on from
/// another thread (recordings are per thread).
pub fn read_mapped<T>(file: &File, read: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
    map_and_read(file, read).inspect_err(|_| spoil_recording())
}

#[allow(clippy::disallowed_methods)]
fn map_and_read<T>(file: &File, read: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
    // SAFETY: read-only and private; a truncation while it is read is
    // caught below.
    let map = unsafe { memmap2::Mmap::map(file) }?;
    bus::guarded(&map, read)
}

/// Reading a mapping that another process truncates: `SIGBUS` caught for
/// the pages of the mappings being read, and only for them.
///
/// Each read in progress holds a slot (the mapping's address range and
/// whether it faulted), in a fixed table the handler can read without a
/// lock or an allocation. The handler maps anonymous zero pages over the
/// rest of the faulting slot's range (`MAP_FIXED`, which replaces those
/// pages of the file's mapping, so the read goes on to its end and returns)
/// and marks the slot. A fault outside every slot is passed to the
/// disposition found when the handler was installed: called if it was a
/// handler, else the default restored, so the fault, raised again, kills as
/// it always did.
mod bus {
    use std::io;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

    /// Reads at once: solink has a few (a thin archive's member read
    /// inside its archive's); a test binary's threads wait for a free
    /// slot.
    const SLOTS: usize = 64;
    /// `start` of a slot taken but not yet (or no longer) live.
    const CLAIMED: usize = usize::MAX;

    struct Slot {
        /// 0: free.
        start: AtomicUsize,
        end: AtomicUsize,
        faulted: AtomicBool,
    }

    static TABLE: [Slot; SLOTS] = [const {
        Slot { start: AtomicUsize::new(0), end: AtomicUsize::new(0), faulted: AtomicBool::new(false) }
    }; SLOTS];
    static PAGE: AtomicUsize = AtomicUsize::new(4096);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    /// The `SIGBUS` disposition found; written once, before the handler
    /// that reads it is installed.
    static PREVIOUS: std::sync::OnceLock<super::SavedAction> = std::sync::OnceLock::new();

    pub(super) fn guarded<T>(bytes: &[u8], read: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        if bytes.is_empty() {
            return Ok(read(bytes));
        }
        install();
        let slot = claim();
        slot.faulted.store(false, SeqCst);
        slot.end.store(bytes.as_ptr() as usize + bytes.len(), SeqCst);
        slot.start.store(bytes.as_ptr() as usize, SeqCst);
        let out = read(bytes);
        slot.start.store(CLAIMED, SeqCst);
        let faulted = slot.faulted.load(SeqCst);
        slot.start.store(0, SeqCst);
        match faulted {
            false => Ok(out),
            true => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file changed while it was read")),
        }
    }

    fn claim() -> &'static Slot {
        loop {
            for slot in &TABLE {
                if slot.start.compare_exchange(0, CLAIMED, SeqCst, SeqCst).is_ok() {
                    return slot;
                }
            }
            std::thread::yield_now();
        }
    }

    fn install() {
        INSTALL.call_once(|| {
            // SAFETY: sysconf has no preconditions; the sigaction structs
            // are zeroed then filled, and the handler has the SA_SIGINFO
            // signature.
            unsafe {
                let page = libc::sysconf(libc::_SC_PAGESIZE);
                if page > 0 {
                    PAGE.store(page as usize, SeqCst);
                }
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGBUS, std::ptr::null(), &mut old) != 0 {
                    return;
                }
                let _ = PREVIOUS.set(super::SavedAction(old));
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigbus as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
            }
        });
    }

    /// Async-signal-safe: atomics, `mmap` and `sigaction` only.
    extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // SAFETY: the kernel hands an SA_SIGINFO handler a valid siginfo.
        let addr = unsafe { (*info).si_addr() } as usize;
        let mut end = 0;
        for slot in &TABLE {
            let start = slot.start.load(SeqCst);
            if start != 0 && start != CLAIMED && (start..slot.end.load(SeqCst)).contains(&addr) {
                slot.faulted.store(true, SeqCst);
                end = end.max(slot.end.load(SeqCst));
            }
        }
        if end != 0 {
            let page = PAGE.load(SeqCst);
            let from = addr & !(page - 1);
            let len = (end - from).div_ceil(page) * page;
            let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED;
            // SAFETY: the range lies inside a mapping a live read holds
            // (rounded up to its last page, which the mapping covers); its
            // pages past the file's end are replaced by zeros.
            let zeros = unsafe { libc::mmap(from as *mut libc::c_void, len, libc::PROT_READ, flags, -1, 0) };
            if zeros != libc::MAP_FAILED {
                return;
            }
        }
        // SAFETY: the saved disposition is a valid sigaction; a handler in
        // it is called with the arguments it was installed for.
        unsafe {
            match PREVIOUS.get() {
                Some(super::SavedAction(old)) if old.sa_sigaction > libc::SIG_IGN => {
                    if old.sa_flags & libc::SA_SIGINFO != 0 {
                        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                            std::mem::transmute(old.sa_sigaction);
                        f(sig, info, context);
                    } else {
                        let f: extern "C" fn(libc::c_int) = std::mem::transmute(old.sa_sigaction);
                        f(sig);
                    }
                }
                _ => {
                    let mut default: libc::sigaction = std::mem::zeroed();
                    default.sa_sigaction = libc::SIG_DFL;
                    libc::sigaction(libc::SIGBUS, &default, std::ptr::null_mut());
                }
            }
        }
    }
}

/// A file's bytes as this run read them: mapped, or read where the file
/// cannot be mapped; shared by every reader of the run ([`mapped`]). Its
/// bytes are lent only to a closure ([`Bytes::read`]), which reads a
/// mapping under the `SIGBUS` guard of [`read_mapped`]: a kept mapping
/// lives for the whole run, so a file another process cuts short at any
/// moment of it must give an error, not kill solink.
#[derive(Clone)]
pub struct Bytes(std::rc::Rc<Shared>);

struct Shared {
    held: Held,
    /// Set when a read of this mapping faulted: the guard has put zero
    /// pages over the rest of it, so no later reader may see them
    /// ([`kept_file`] opens the file again).
    faulted: std::cell::Cell<bool>,
}

enum Held {
    Empty,
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Bytes {
    fn new(held: Held) -> Bytes {
        Bytes(std::rc::Rc::new(Shared { held, faulted: std::cell::Cell::new(false) }))
    }

    /// How many bytes the file had (its identity's size); reads none.
    pub fn len(&self) -> usize {
        match &self.0.held {
            Held::Empty => 0,
            Held::Mapped(map) => map.len(),
            Held::Read(data) => data.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Gives the bytes to `read`. A mapping is read as [`read_mapped`]
    /// reads one: a truncation under the read is an error (the recording
    /// spoiled), never an answer worked out from the zeros the guard put
    /// in, and the mapping is not read again by anyone.
    pub fn read<T>(&self, read: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        let changed = || io::Error::new(io::ErrorKind::UnexpectedEof, "the file changed while it was read");
        match &self.0.held {
            Held::Empty => Ok(read(&[])),
            Held::Read(data) => Ok(read(data)),
            Held::Mapped(_) if self.0.faulted.get() => {
                spoil_recording();
                Err(changed())
            }
            Held::Mapped(map) => bus::guarded(map, read).inspect_err(|_| {
                self.0.faulted.set(true);
                spoil_recording();
            }),
        }
    }

    fn faulted(&self) -> bool {
        self.0.faulted.get()
    }
}

/// A file that cannot be mapped (a FUSE file system without `mmap`) is read
/// instead, up to this size.
const MAX_UNMAPPABLE: u64 = 16 << 20;

/// How many first bytes [`head`] gives: enough for an ELF header's
/// identity and type, and an archive's or a script's first line.
pub const HEAD: usize = 64;

/// An input as this run opened it: its identity, its first bytes, and its
/// descriptor until it is mapped (then its bytes).
struct Opened {
    id: FileId,
    head: Vec<u8>,
    file: std::cell::RefCell<Option<File>>,
    bytes: std::cell::OnceCell<Bytes>,
}

impl Opened {
    /// `file` (identity `id`) mapped whole now.
    fn mapped(file: File, id: FileId) -> io::Result<Opened> {
        let bytes = map_whole(file, id.size)?;
        let head = bytes.read(|b| b[..b.len().min(HEAD)].to_vec())?;
        let opened = Opened { id, head, file: std::cell::RefCell::new(None), bytes: Default::default() };
        let _ = opened.bytes.set(bytes);
        Ok(opened)
    }

    /// The first bytes of `file` (identity `id`) alone, read now.
    fn head(file: File, id: FileId) -> io::Result<Opened> {
        use std::os::unix::fs::FileExt;
        let mut head = vec![0u8; HEAD.min(id.size as usize)];
        let mut n = 0;
        while n < head.len() {
            match file.read_at(&mut head[n..], n as u64) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A read error after the open succeeded may go away by
                // itself (see `read_mapped`).
                Err(e) => {
                    spoil_recording();
                    return Err(e);
                }
            }
        }
        head.truncate(n);
        Ok(Opened { id, head, file: std::cell::RefCell::new(Some(file)), bytes: Default::default() })
    }

    /// The whole file, mapped on first need from the descriptor kept (which
    /// is then closed); `None` when the descriptor was not kept.
    fn bytes(&self) -> Option<io::Result<Bytes>> {
        if let Some(bytes) = self.bytes.get() {
            return Some(Ok(bytes.clone()));
        }
        let file = self.file.borrow_mut().take()?;
        let bytes = map_whole(file, self.id.size);
        if let Ok(b) = &bytes {
            let _ = self.bytes.set(b.clone());
        }
        Some(bytes)
    }
}

/// Maps `file`, whose `fstat` said `size` (so the bytes are those of that
/// identity, and memmap2 asks for no second `fstat`).
fn map_whole(file: File, size: u64) -> io::Result<Bytes> {
    let held = match size {
        0 => Held::Empty,
        size => {
            // SAFETY: read-only and private; its bytes are read only
            // through `Bytes::read`, under the guard against truncation.
            #[allow(clippy::disallowed_methods)]
            match unsafe { memmap2::MmapOptions::new().len(size as usize).map(&file) } {
                Ok(map) => Held::Mapped(map),
                Err(_) if size <= MAX_UNMAPPABLE => Held::Read(read_capped(file, size, MAX_UNMAPPABLE)?),
                Err(e) => {
                    spoil_recording();
                    return Err(e);
                }
            }
        }
    };
    Ok(Bytes::new(held))
}

/// Only the first this many inputs of a run keep their descriptor open,
/// waiting to be mapped (the usual limit is 1,024 per process); a later one
/// is closed once its first bytes are read, and opened again if it is
/// mapped.
const MAX_KEPT_DESCRIPTORS: usize = 64;

/// The run's opening of `path`, when it has one and a `stat` (recorded, as
/// the open's `fstat` was) gives the same identity: a file replaced since
/// is opened again, and its second identity marks the recording as changed
/// under the run. A mapping whose read faulted is not given again: the
/// file is opened afresh.
fn kept_file(path: &Path) -> Option<std::rc::Rc<Opened>> {
    let kept = KEPT.with(|k| k.borrow().as_ref().and_then(|k| k.files.get(path.as_os_str()).cloned()))?;
    if kept.bytes.get().is_some_and(Bytes::faulted) {
        return None;
    }
    metadata(path).is_ok_and(|m| m.is_file() && FileId::of(&m) == kept.id).then_some(kept)
}

/// Opens `path` ([`open_regular`]), maps it (`map`) or reads its first
/// bytes, and keeps it for the run.
fn open_kept(path: &Path, map: bool) -> io::Result<std::rc::Rc<Opened>> {
    let (file, id) = open_regular(path)?;
    let opened = std::rc::Rc::new(if map { Opened::mapped(file, id)? } else { Opened::head(file, id)? });
    KEPT.with(|k| {
        let mut k = k.borrow_mut();
        let Some(k) = k.as_mut() else { return };
        let kept = k.files.len();
        if kept >= MAX_KEPT_FILES && !k.files.contains_key(path.as_os_str()) {
            return;
        }
        if kept >= MAX_KEPT_DESCRIPTORS {
            opened.file.borrow_mut().take();
        }
        k.files.insert(path.as_os_str().to_owned(), opened.clone());
    });
    Ok(opened)
}

/// The first [`HEAD`] bytes of the regular file `path` (fewer when it is
/// shorter), with its identity: what a reader needs to tell an archive, an
/// object, a shared library and a script apart. Opened as
/// [`open_regular`] opens it; within a run ([`once_per_run`]) once, and
/// kept for a later [`mapped`] of the same path.
pub fn head(path: &Path) -> io::Result<(Vec<u8>, FileId)> {
    let opened = match kept_file(path) {
        Some(opened) => opened,
        None => open_kept(path, false)?,
    };
    Ok((opened.head.clone(), opened.id))
}

/// The bytes of the regular file `path` (symlinks followed, opened as
/// [`open_regular`] opens it) with their identity. Within a run
/// ([`once_per_run`]) a file is opened and mapped once: a later call for the
/// same path `stat`s it (recorded, as the open's `fstat` was) and gets the
/// same bytes when the identity is the same, or opens it again when it is
/// not. Callers check sizes against their own caps: a mapping costs nothing
/// until it is read.
pub fn mapped(path: &Path) -> io::Result<(Bytes, FileId)> {
    if let Some(opened) = kept_file(path) {
        if let Some(bytes) = opened.bytes() {
            return Ok((bytes?, opened.id));
        }
    }
    let opened = open_kept(path, true)?;
    match opened.bytes() {
        Some(bytes) => Ok((bytes?, opened.id)),
        None => Err(io::Error::other("not mapped")),
    }
}

/// The error for a path that exists but is not a regular file.
pub fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

/// Opens `path` for reading if it is a regular file (symlinks followed),
/// without blocking on a FIFO or a device, and returns it with its identity.
/// The `fstat` of the descriptor is recorded as the path's `stat`.
pub fn open_regular(path: &Path) -> io::Result<(File, FileId)> {
    let opened = open_unrecorded(path);
    let seen = match &opened {
        Ok((_, meta)) => seen_of(&Ok(meta.clone())),
        Err(e) => Seen::Missing(e.raw_os_error().unwrap_or(-1)),
    };
    record(Ask::Stat, path, || seen);
    let (file, meta) = opened?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    Ok((file, FileId::of(&meta)))
}

#[allow(clippy::disallowed_methods)] // the one open of a file solink reads
fn open_unrecorded(path: &Path) -> io::Result<(File, Metadata)> {
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC).open(path)?;
    let meta = file.metadata()?;
    Ok((file, meta))
}

/// Reads a whole regular file of at most `cap` bytes. A larger file is an
/// error (`InvalidData`), never a partial read.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let (file, id) = open_regular(path)?;
    read_capped(file, id.size, cap)
}

/// [`read_regular`] for solink's own files (cache entries), which are no
/// input of the link: never recorded.
pub fn read_own(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let (file, meta) = open_unrecorded(path)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    read_capped(file, meta.len(), cap)
}

/// Reads `file` (whose `fstat` said `size`), refusing more than `cap`
/// bytes even if the file grows while it is read.
pub fn read_capped(file: File, size: u64, cap: u64) -> io::Result<Vec<u8>> {
    if size > cap {
        return Err(too_large(cap));
    }
    let mut data = Vec::with_capacity(size as usize);
    // A read error after the open succeeded may go away by itself (see `read_mapped`).
    file.take(cap + 1).read_to_end(&mut data).inspect_err(|_| spoil_recording())?;
    if data.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(data)
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("larger than {cap} bytes"))
}

/// Whether an I/O error may go away by itself (permissions, a failing disk,
/// an interrupted read): such an outcome is never cached.
pub fn is_transient(e: &io::Error) -> bool {
    !matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof)
}

/// What the unit tests of every room share.
/// Why a file or a directory is not trusted: the cache's rule, after ssh's
/// `StrictModes`, for everything that can change what solink runs or
/// writes (the cache, the configuration files, a program they name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Distrust {
    /// Owned by another user (its uid).
    Owner(u32),
    /// Writable by its group or by others.
    Writable,
    /// Not a directory (or a symlink where solink made a directory).
    NotDir,
    /// Not a regular file.
    NotFile,
    /// A directory above it that another user can change (rename or
    /// replace what is in it), so a path through it may lead elsewhere.
    Ancestor(std::path::PathBuf),
}

impl std::fmt::Display for Distrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distrust::Owner(uid) => write!(f, "is owned by another user (uid {uid})"),
            Distrust::Writable => f.write_str("is writable by others"),
            Distrust::NotDir => f.write_str("is not a directory"),
            Distrust::NotFile => f.write_str("is not a regular file"),
            Distrust::Ancestor(dir) => {
                write!(f, "lies under {}, which another user can change", crate::text::shown(dir))
            }
        }
    }
}

/// Whether every directory above `real` (canonical) is one only root or
/// this user can change, as ssh's `StrictModes` asks of a home: owned by
/// root or the effective user, and writable by nobody else unless it is
/// sticky (`/tmp`: there others cannot rename or remove what is not
/// theirs, and the next directory down is checked in turn).
pub fn safe_ancestors(real: &Path) -> Result<(), Distrust> {
    let me = rustix::process::geteuid().as_raw();
    for dir in real.ancestors().skip(1) {
        let st = rustix::fs::lstat(dir).map_err(|_| Distrust::Ancestor(dir.to_path_buf()))?;
        let is_dir = rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory;
        let owner_ok = st.st_uid == 0 || st.st_uid == me;
        let sticky = st.st_mode & 0o1000 != 0;
        if !is_dir || !owner_ok || (st.st_mode & 0o022 != 0 && !sticky) {
            return Err(Distrust::Ancestor(dir.to_path_buf()));
        }
    }
    Ok(())
}

/// Whether the file `path` (already opened or `stat`ed, `meta`) may
/// change what solink runs or writes: a regular file owned by the
/// effective user or root, writable by nobody else, whose canonical
/// path's directories are safe ([`safe_ancestors`]). Never recorded: a
/// configuration file or a driver is no input of a link's answer.
pub fn trusted_file(path: &Path, meta: &Metadata) -> Result<(), Distrust> {
    if !meta.is_file() {
        return Err(Distrust::NotFile);
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != 0 && meta.uid() != me {
        return Err(Distrust::Owner(meta.uid()));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Distrust::Writable);
    }
    #[allow(clippy::disallowed_methods)] // the trust check itself, never recorded
    let real = std::fs::canonicalize(path).map_err(|_| Distrust::Ancestor(path.to_path_buf()))?;
    safe_ancestors(&real)
}

/// [`read_regular`] for a file that can change what solink runs (a
/// configuration file): read only when it passes [`trusted_file`],
/// checked on the descriptor that is read. Never recorded.
pub fn read_trusted(path: &Path, cap: u64) -> io::Result<Result<Vec<u8>, Distrust>> {
    let (file, meta) = open_unrecorded(path)?;
    if let Err(why) = trusted_file(path, &meta) {
        return Ok(Err(why));
    }
    read_capped(file, meta.len(), cap).map(Ok)
}

/// `SIGXFSZ` as this process found it, saved by [`ignore_sigxfsz`].
static SAVED_SIGXFSZ: std::sync::OnceLock<SavedAction> = std::sync::OnceLock::new();

struct SavedAction(libc::sigaction);
// SAFETY: a plain C struct of a handler address, flags and a mask.
unsafe impl Send for SavedAction {}
unsafe impl Sync for SavedAction {}

/// Ignores `SIGXFSZ` for the rest of this run, so that every write solink
/// makes past `RLIMIT_FSIZE` (a response file, a note object, a depfile,
/// a log record, a cache entry, a script) fails with `EFBIG` and is
/// handled as the error it is, instead of killing solink and leaving its
/// temporary files behind (`ulimit -f`). The disposition found is kept
/// for [`restore_sigxfsz`], which the driver gets back before it runs.
pub fn ignore_sigxfsz() {
    // SAFETY: a zeroed sigaction is a valid "ignore" action once
    // sa_sigaction is SIG_IGN; both calls get valid pointers.
    unsafe {
        let mut ignore: libc::sigaction = std::mem::zeroed();
        ignore.sa_sigaction = libc::SIG_IGN;
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGXFSZ, &ignore, &mut old) == 0 {
            let _ = SAVED_SIGXFSZ.set(SavedAction(old));
        }
    }
}

/// Puts back the `SIGXFSZ` disposition [`ignore_sigxfsz`] found. Called
/// between fork and exec (so it only calls `sigaction`, which is
/// async-signal-safe): the driver inherits the caller's disposition, not
/// solink's.
pub fn restore_sigxfsz() {
    if let Some(SavedAction(old)) = SAVED_SIGXFSZ.get() {
        // SAFETY: a valid saved action and a null old-action pointer.
        unsafe { libc::sigaction(libc::SIGXFSZ, old, std::ptr::null_mut()) };
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    /// Makes a FIFO at `path` (mode 0600), asserting it was made: the file
    /// that is not regular and whose read or open waits for a writer.
    pub(crate) fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn the_key_is_format_s_hex_and_parses_back() {
        let times =
            [(0, 1), (1_700_000_000_123_456_789, 15), (-1, -86_400_000_000_000), (i128::MAX, i128::MIN)];
        for (mtime_ns, ctime_ns) in times {
            let id = FileId { dev: 0xfe00, ino: u64::MAX, size: 0, mtime_ns, ctime_ns };
            let want = format!("{:x}-{:x}-{:x}-{:x}-{:x}", id.dev, id.ino, id.size, id.mtime_ns, id.ctime_ns);
            assert_eq!(id.key(), want);
            assert_eq!(FileId::parse_key(&want), Some(id), "{want}");
        }
        assert_eq!(FileId::parse_key("1-2-3-4"), None);
        assert_eq!(FileId::parse_key("1-2-3-4-5-6"), None);
        assert_eq!(FileId::parse_key("01-2-3-4-5"), None, "not as key() writes it");
    }

    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        crate::fsx::test_support::mkfifo(&fifo);
        // Without O_NONBLOCK this open would wait for a writer forever.
        let err = open_regular(&fifo).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(open_regular(dir.path()).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(open_regular(Path::new("/dev/zero")).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let file = dir.path().join("f");
        std::fs::write(&file, "hello").unwrap();
        let (_, id) = open_regular(&file).unwrap();
        assert_eq!(id.size, 5);
        assert_eq!(read_regular(&file, 5).unwrap(), b"hello");
        assert_eq!(read_regular(&file, 4).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    /// A listing or a map that fails after its path's `stat` succeeded may
    /// fail for a passing reason: the answer is not to be replayed.
    #[test]
    fn a_failure_after_a_stat_spoils_the_recording() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        start_recording();
        assert!(read_dir(dir.path()).is_ok());
        assert!(!take_recording().unwrap().conflicted);
        start_recording();
        assert!(read_dir(&file).is_err(), "a file is no directory");
        assert!(take_recording().unwrap().conflicted);
    }

    /// Issue 34 §7: within a run each directory is read once, and each
    /// question is still recorded with that reading's identity and what it
    /// took, so a change after it is found by the next run's replay; the
    /// next run reads the directory afresh.
    #[test]
    fn a_run_reads_each_directory_once_and_records_what_each_question_took() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a"), "").unwrap();
        let once = once_per_run();
        start_recording();
        assert!(list(d).unwrap().contains(OsStr::new("a")));
        // Past a clock tick, so the directory's identity changes.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(d.join("b"), "").unwrap();
        assert!(!list(d).unwrap().contains(OsStr::new("b")), "the run's one reading");
        // A cached answer's own recording, begun after the reading, gets
        // what it takes from it.
        let (names, inner) =
            nested(|| read_dir(d).unwrap().iter().map(OsStr::to_os_string).collect::<Vec<_>>());
        assert_eq!(names, ["a"]);
        let run = take_recording().unwrap();
        assert!(!run.conflicted, "one reading, one identity");
        for rec in [&run, &inner] {
            let listed: Vec<_> = rec.facts().filter(|(ask, ..)| *ask == Ask::Listed).collect();
            assert!(matches!(listed[..], [(_, p, Seen::Listed(_, Names::Whole(_)))] if p == d), "{listed:?}");
            // What was taken no longer holds: "b" came after the reading.
            assert!(!still(Ask::Listed, d, listed[0].2), "a replay finds the change");
        }
        drop(once);
        assert!(list(d).unwrap().contains(OsStr::new("b")), "the next run reads it again");
    }

    /// Issue 34 §7: within a run each input is opened once; its first bytes
    /// and its mapping come from that one open while a `stat` gives the
    /// same identity, and a file replaced in the run is opened again and
    /// marks the recording as changed under it.
    #[test]
    fn a_run_opens_each_input_once_and_again_when_it_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "first bytes").unwrap();
        let _once = once_per_run();
        start_recording();
        let (head, id) = head(&f).unwrap();
        assert_eq!(head, b"first bytes");
        let (one, same) = mapped(&f).unwrap();
        let (two, _) = mapped(&f).unwrap();
        assert_eq!((one.read(<[u8]>::to_vec).unwrap(), same), (b"first bytes".to_vec(), id));
        assert!(std::rc::Rc::ptr_eq(&one.0, &two.0), "one mapping for the run");
        assert!(!take_recording().unwrap().conflicted);
        start_recording();
        let _ = mapped(&f).unwrap();
        std::fs::write(dir.path().join("g"), "other").unwrap();
        std::fs::rename(dir.path().join("g"), &f).unwrap();
        let (three, other) = mapped(&f).unwrap();
        assert_eq!(three.read(<[u8]>::to_vec).unwrap(), b"other");
        assert_ne!(other, id);
        assert!(take_recording().unwrap().conflicted, "replaced under the run");
    }

    /// Past the descriptors a run keeps, an input whose first bytes were
    /// read is opened again to be mapped, with the same bytes.
    #[test]
    fn past_the_kept_descriptors_an_input_is_opened_again_to_be_mapped() {
        let dir = tempfile::tempdir().unwrap();
        let _once = once_per_run();
        let paths: Vec<_> = (0..MAX_KEPT_DESCRIPTORS + 3).map(|i| dir.path().join(format!("f{i}"))).collect();
        for (i, p) in paths.iter().enumerate() {
            std::fs::write(p, format!("file {i}")).unwrap();
            assert_eq!(head(p).unwrap().0, format!("file {i}").as_bytes());
        }
        let kept = KEPT.with(|k| {
            let k = k.borrow();
            k.as_ref().unwrap().files.values().filter(|o| o.file.borrow().is_some()).count()
        });
        assert_eq!(kept, MAX_KEPT_DESCRIPTORS);
        for (i, p) in paths.iter().enumerate().rev() {
            assert_eq!(mapped(p).unwrap().0.read(<[u8]>::to_vec).unwrap(), format!("file {i}").as_bytes());
        }
    }

    /// Outside a run nothing is kept: each reading is a new one.
    #[test]
    fn outside_a_run_each_reading_is_new() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert!(!list(d).unwrap().contains(OsStr::new("a")));
        std::fs::write(d.join("a"), "x").unwrap();
        assert!(list(d).unwrap().contains(OsStr::new("a")));
        assert_eq!(mapped(&d.join("a")).unwrap().0.read(<[u8]>::to_vec).unwrap(), b"x");
        std::fs::write(d.join("a"), "yz").unwrap();
        assert_eq!(mapped(&d.join("a")).unwrap().0.read(<[u8]>::to_vec).unwrap(), b"yz");
    }

    /// The names with a prefix, from the sorted copy, are those a pass
    /// over every name finds.
    #[test]
    fn starting_with_agrees_with_a_scan() {
        let dir = tempfile::tempdir().unwrap();
        for n in
            ["libz.so", "libz.so.1", "libz.so.1.2", "libzz.so.1", "liby.so.3", "libz.so.", "a", "libz.so0"]
        {
            std::fs::write(dir.path().join(n), "").unwrap();
        }
        let entries = read_dir(dir.path()).unwrap();
        for prefix in ["libz.so.", "libz", "lib", "", "m", "libz.so.1.2.3"] {
            let mut scan: Vec<&OsStr> =
                entries.iter().filter(|n| n.as_encoded_bytes().starts_with(prefix.as_bytes())).collect();
            scan.sort();
            let got: Vec<&OsStr> = entries.starting_with(prefix.as_bytes()).collect();
            assert_eq!(got, scan, "{prefix}");
        }
    }

    /// A mapped file cut short under the reader (as another process's
    /// truncation would): the read ends, sees zeros past the cut, and
    /// gives an error, where it used to kill solink with SIGBUS.
    #[test]
    #[allow(clippy::disallowed_methods)] // the test cuts the file short
    fn a_file_truncated_while_it_is_read_is_an_error_not_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let size = 1 << 20;
        std::fs::write(&path, vec![1u8; size]).unwrap();
        let (file, _) = open_regular(&path).unwrap();
        let whole = read_mapped(&file, |data| data.iter().map(|&b| u64::from(b)).sum::<u64>()).unwrap();
        assert_eq!(whole, size as u64);
        let cut = OpenOptions::new().write(true).open(&path).unwrap();
        let read = read_mapped(&file, |data| {
            let before = data[..4096].iter().map(|&b| u64::from(b)).sum::<u64>();
            cut.set_len(4096).unwrap();
            // Pages past the new end: each read would raise SIGBUS.
            let after = data[4096..].iter().map(|&b| u64::from(b)).sum::<u64>();
            (before, after, data.len())
        });
        let err = read.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        // The next read of the (now short) file is a fresh mapping, whole.
        assert_eq!(read_mapped(&file, <[u8]>::len).unwrap(), 4096);
    }

    /// The run's kept mapping (issue 34 §7) is read through the same guard
    /// (issue 34 §6): an input cut short between two of the run's readers
    /// is an error for the one reading it, the recording is spoiled, and
    /// the next reader gets the file opened afresh, never the zeros the
    /// guard put in.
    #[test]
    #[allow(clippy::disallowed_methods)] // the test cuts the file short
    fn a_kept_mapping_cut_short_in_the_run_is_an_error_then_read_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        let size = 1 << 20;
        std::fs::write(&path, vec![1u8; size]).unwrap();
        let _once = once_per_run();
        start_recording();
        let (bytes, id) = mapped(&path).unwrap();
        assert_eq!(bytes.len(), size);
        assert_eq!(bytes.read(|d| d.iter().map(|&b| u64::from(b)).sum::<u64>()).unwrap(), size as u64);
        let (again, _) = mapped(&path).unwrap();
        assert!(std::rc::Rc::ptr_eq(&bytes.0, &again.0), "the run's one mapping");
        assert!(!take_recording().unwrap().conflicted);
        start_recording();
        let cut = OpenOptions::new().write(true).open(&path).unwrap();
        let read = again.read(|data| {
            cut.set_len(4096).unwrap();
            data[4096..].iter().map(|&b| u64::from(b)).sum::<u64>()
        });
        assert_eq!(read.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        // Every holder of the mapping sees the error, not the zeros.
        assert_eq!(bytes.read(<[u8]>::len).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        assert!(take_recording().unwrap().conflicted, "the answer is not replayed");
        let (fresh, other) = mapped(&path).unwrap();
        assert!(!std::rc::Rc::ptr_eq(&bytes.0, &fresh.0), "opened again");
        assert_ne!(other, id);
        assert_eq!(fresh.read(|d| d.iter().map(|&b| u64::from(b)).sum::<u64>()).unwrap(), 4096);
    }

    #[test]
    fn identity_changes_when_the_file_does() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "a").unwrap();
        let (_, before) = open_regular(&file).unwrap();
        std::fs::write(dir.path().join("g"), "b").unwrap();
        std::fs::rename(dir.path().join("g"), &file).unwrap();
        let (_, after) = open_regular(&file).unwrap();
        assert_ne!(before, after, "a file replaced by rename is a new identity");
    }
}

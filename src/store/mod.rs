//! The cache's one owner: where it lives, who may have made it, its
//! layout, its entries' codecs and its keys. Nothing else in solink names
//! a path inside the cache directory or spells an entry's name; the probe,
//! the system dirs, direct mode and the provenance note ask typed questions
//! of a [`Store`] and hand it their inputs.
//!
//! - **Any directory can be the root** (`--cache-dir ~/.cache`, a project
//!   dir), with other files in it. Everything solink makes lives in one
//!   directory per solink version, `solink-v2-VERSION`, marked as solink's
//!   own by a `CACHEDIR.TAG` (the Cache Directory Tagging convention).
//!   Removing another version's directory, and `--clear-cache`, touch only
//!   a directory whose name and tag are solink's, and inside it only names
//!   solink makes; a directory left holding anything else is left.
//! - **A trust boundary** ([`dir`]): the root and the version directory are
//!   used only when owned by the effective user and writable by nobody
//!   else; otherwise the link goes on with no cache, after one warning.
//! - **Every entry is checked**: a checksum, and the name or key it was
//!   stored under, so a torn, garbage or misfiled entry is a miss. Entries
//!   are read through the checked directory's descriptor, never following
//!   a link, and written whole or not at all.
//! - **Correctness never depends on it**: a miss only costs a scan. Every
//!   key holds every input of the answer it stores (the keys' owners say
//!   how), and an answer whose inputs cannot all be named is checked again
//!   by its recorded facts on every hit (`checked.rs`).
// The cache's own files are no input of a link: nothing here is recorded
// for direct mode (clippy.toml).
#![allow(clippy::disallowed_methods)]

mod bundle;
mod checked;
pub mod codec;
mod digests;
pub mod dir;
pub(crate) mod direct;
pub mod dryrun;
pub mod key;

use foldhash::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::closure::Summary;
use crate::formats::archive::pic::ElfId;
use crate::formats::archive::{Finding, Problem, ProblemKind, Verdict};
use crate::formats::symbols::{Digest, Name, Provider};
use crate::fsx::FileId;

use crate::fsx::Distrust;
use bundle::{Batch, Place};
pub use digests::{file_digest, Ahead};

// 2: an archive without a symbol index is a problem (ld refuses it); an
// entry of 1 would call it fit.
const FORMAT: &str = "solink-verdict 2";

/// No entry is larger than this; anything bigger is not one of ours.
const MAX_ENTRY: u64 = 1 << 20;

/// This version's directory inside the cache root. Verdicts depend on
/// solink's rules, so each version keeps its own, and removes the others'.
const VERSION_DIR: &str = concat!("solink-v2-", env!("CARGO_PKG_VERSION"));

/// What every directory solink makes starts with.
const DIR_PREFIX: &str = "solink-v";

/// The mark of a directory solink made (bford.info/cachedir): backup
/// tools skip it, and solink removes no directory without it.
const TAG_NAME: &str = "CACHEDIR.TAG";
const TAG: &[u8] = b"Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by solink.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// The first line any cache's tag starts with (bford.info/cachedir).
const TAG_SIGNATURE: &[u8] = b"Signature: 8a477f597d28d172789f06886806bc55";

/// Whether `dir` is a cache directory by the Cache Directory Tagging
/// convention: it holds a `CACHEDIR.TAG` that starts with the signature
/// (solink's own cache, cargo's `target/`, ccache's, pip's). `--audit`'s
/// walks pass over such trees (issue 32 §3): they hold solink's note
/// objects and build products, no file anyone ships.
#[allow(clippy::disallowed_methods)] // a question of `--audit`'s, no input of a link
pub fn is_cache_dir(dir: &Path) -> bool {
    use std::os::unix::fs::FileExt;
    let Ok((file, _)) = crate::fsx::open_regular(&dir.join(TAG_NAME)) else { return false };
    let mut head = [0u8; TAG_SIGNATURE.len()];
    file.read_exact_at(&mut head, 0).is_ok() && head == TAG_SIGNATURE
}

/// Tags `dir` as a cache, as solink tags its own (for other rooms' tests).
#[cfg(test)]
#[allow(clippy::disallowed_methods)]
pub fn tag_as_cache(dir: &Path) {
    std::fs::write(dir.join(TAG_NAME), TAG).unwrap();
}

/// Whether `name` is one solink gives the files of its directory: an
/// entry (`v-`, `sym-`, `blob-`), a bundle (`link-`, `f-`), a note object, a temporary file, or the
/// tag. Nothing else is ever removed.
fn is_own_name(name: &OsStr) -> bool {
    let b = name.as_bytes();
    let tail = |prefix: &[u8]| b.strip_prefix(prefix).filter(|t| !t.is_empty());
    let hex = |t: &[u8]| t.iter().all(|c| c.is_ascii_hexdigit() || *c == b'-');
    b == TAG_NAME.as_bytes()
        || tail(dir::TMP_PREFIX.as_bytes()).is_some_and(hex)
        || [&b"v-"[..], b"sym-", b"blob-", b"link-", b"f-"].iter().any(|p| tail(p).is_some_and(hex))
        || tail(b"note-").and_then(|t| t.strip_suffix(b".o")).is_some_and(hex)
        || tail(b"vers-").and_then(|t| t.strip_suffix(b".map")).is_some_and(hex)
}

/// The cache of this version of solink, open and checked. Clones share
/// one batch of entries (`bundle.rs`).
#[derive(Clone, Debug)]
pub struct Store {
    dir: Arc<dir::Dir>,
    batch: Arc<Mutex<Batch>>,
}

/// Writes the store's batch when dropped: a run that ends early (an
/// error, a refusal) keeps what it found. A run that execs flushes first,
/// since an exec runs no destructor.
pub struct Flush(Store);

impl Drop for Flush {
    fn drop(&mut self) {
        self.0.flush();
    }
}

/// Where solink's cache lives, as ccache finds its own: the directory given
/// (`--cache-dir`, `SOLINK_CACHE_DIR`), else `XDG_CACHE_HOME/solink`, else
/// `HOME/.cache/solink`. `None` when there is nowhere absolute to put it.
pub fn root(explicit: Option<&Path>, xdg_cache_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    match (explicit, xdg_cache_home, home) {
        (Some(dir), _, _) => std::path::absolute(dir).ok(),
        (_, Some(x), _) if x.is_absolute() => Some(x.join("solink")),
        (_, _, Some(h)) if h.is_absolute() => Some(h.join(".cache").join("solink")),
        _ => None,
    }
}

/// Why there is no cache for this run.
#[derive(Debug)]
pub enum NoStore {
    /// The root or solink's directory in it fails the trust check: the
    /// run warns once and links with no cache.
    Distrusted(PathBuf, Distrust),
    /// It cannot be made, opened or written (a read-only or missing
    /// place), with what went wrong when something did: no cache, said
    /// only when the user named the directory (issue 33 §5).
    Unavailable(Option<String>),
}

impl NoStore {
    fn because(e: impl std::fmt::Display) -> NoStore {
        NoStore::Unavailable(Some(e.to_string()))
    }
}

/// What `--clear-cache` did: the directories it cleared, and each file or
/// directory of solink's it could not remove, with why (issue 33 §5: a
/// read-only cache is not "cleared").
#[derive(Debug, Default)]
pub struct Cleared {
    pub dirs: u64,
    pub failed: Vec<(PathBuf, std::io::Error)>,
}

/// The root, opened and checked; made (private) when it is missing.
fn open_root(root: &Path, create: bool) -> Result<dir::Dir, NoStore> {
    let mut opened = dir::Dir::open_root(root);
    if create && matches!(&opened, dir::Opened::Absent(e) if e.kind() == std::io::ErrorKind::NotFound) {
        if let Err(e) = dir::Dir::create_root(root) {
            return Err(NoStore::because(e));
        }
        opened = dir::Dir::open_root(root);
    }
    match opened {
        dir::Opened::Trusted(d) => Ok(d),
        dir::Opened::Distrusted(why) => Err(NoStore::Distrusted(root.to_path_buf(), why)),
        dir::Opened::Absent(e) if e.kind() == std::io::ErrorKind::NotFound => Err(NoStore::Unavailable(None)),
        dir::Opened::Absent(e) => Err(NoStore::because(e)),
    }
}

/// Whether `root`'s directory `name` is one solink made: the name, a
/// trusted directory (not a symlink), and solink's tag in it.
fn own_dir(root: &dir::Dir, name: &OsStr) -> Option<dir::Dir> {
    let name = name.to_str().filter(|n| n.starts_with(DIR_PREFIX))?;
    let dir::Opened::Trusted(d) = root.open_sub(name) else { return None };
    (d.read(TAG_NAME, 4096).ok()? == TAG).then_some(d)
}

/// Removes what solink made in its directory `name` of `root`: each of its
/// own names, then the tag, then the directory if that left it empty.
/// Whether it was solink's; what could not be removed goes to `failed`.
fn remove_own_dir(root: &dir::Dir, name: &OsStr, failed: &mut Vec<(PathBuf, std::io::Error)>) -> bool {
    let Some(d) = own_dir(root, name) else { return false };
    // A name gone before its turn is no failure: a link running beside
    // the clear renamed its temporary file into place (or another clear
    // removed it), and what a concurrent link writes next is its own.
    let mut fail = |what: &OsStr, e: std::io::Error| {
        if e.kind() != std::io::ErrorKind::NotFound {
            failed.push((d.path.join(what), e));
        }
    };
    for entry in d.names() {
        let regular = d.stat(&entry).is_ok_and(|st| {
            rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
        });
        if is_own_name(&entry) && entry != TAG_NAME && regular {
            if let Err(e) = d.remove_file(&entry) {
                fail(&entry, e);
            }
        }
    }
    if let Err(e) = d.remove_file(OsStr::new(TAG_NAME)) {
        fail(OsStr::new(TAG_NAME), e);
    }
    // A directory left holding a user's file stays, and that is no failure:
    // only what solink made goes.
    if let Err(e) = root.remove_dir(name.to_str().unwrap_or_default()) {
        if e.raw_os_error() != Some(libc::ENOTEMPTY) && e.raw_os_error() != Some(libc::EEXIST) {
            failed.push((d.path.clone(), e));
        }
    }
    true
}

/// Removes every directory solink made under `root` (every version's).
/// A root that does not exist is already clear; one that fails the trust
/// check is refused, since what is in it may not be solink's.
pub fn clear(root: &Path) -> Result<Cleared, NoStore> {
    let r = match open_root(root, false) {
        Err(NoStore::Unavailable(None)) => return Ok(Cleared::default()),
        other => other?,
    };
    let mut cleared = Cleared::default();
    for name in r.names() {
        if remove_own_dir(&r, &name, &mut cleared.failed) {
            cleared.dirs += 1;
        }
    }
    Ok(cleared)
}

/// The number of entries solink made under `root` and their total size.
pub fn usage(root: &Path) -> (u64, u64) {
    let Ok(r) = open_root(root, false) else { return (0, 0) };
    let (mut entries, mut bytes) = (0, 0);
    for name in r.names() {
        let Some(d) = own_dir(&r, &name) else { continue };
        for entry in d.names().into_iter().filter(|e| is_own_name(e) && e != TAG_NAME) {
            if let Ok(st) = d.stat(&entry) {
                entries += 1;
                bytes += st.st_size as u64;
            }
        }
    }
    (entries, bytes)
}

impl Store {
    /// The cache of this version of solink under `root`, made when it is
    /// missing, if it passes the trust check.
    pub fn open(root: &Path) -> Result<Store, NoStore> {
        let r = open_root(root, true)?;
        let mut opened = r.open_sub(VERSION_DIR);
        if matches!(&opened, dir::Opened::Absent(e) if e.kind() == std::io::ErrorKind::NotFound) {
            if let Err(e) = r.make_sub(VERSION_DIR) {
                return Err(NoStore::because(e));
            }
            opened = r.open_sub(VERSION_DIR);
            if let dir::Opened::Trusted(_) = &opened {
                // Done once, when this version's directory is made: the
                // others' entries can never be read by this version.
                for name in r.names().iter().filter(|n| n.as_bytes() != VERSION_DIR.as_bytes()) {
                    remove_own_dir(&r, name, &mut Vec::new());
                }
            }
        }
        match opened {
            dir::Opened::Trusted(d) => {
                // Tagged on every open, not only when made: a run killed (or
                // out of space) between the two would leave a directory that
                // --clear-cache and later versions can never recognise. One
                // `fstatat` when the tag is there.
                let tagged = d.stat(OsStr::new(TAG_NAME)).is_ok_and(|st| {
                    rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
                        && st.st_size as usize == TAG.len()
                });
                if !tagged {
                    d.write(TAG_NAME, TAG).map_err(NoStore::because)?;
                }
                // A cache solink cannot write to (a read-only mount, a
                // directory of 0500) is no cache: it could never be cleared
                // or kept in step, and a named one is said (issue 33 §5).
                d.writable().map_err(NoStore::because)?;
                Ok(Store { dir: Arc::new(d), batch: Arc::default() })
            }
            dir::Opened::Distrusted(why) => Err(NoStore::Distrusted(root.join(VERSION_DIR), why)),
            dir::Opened::Absent(e) => Err(NoStore::because(e)),
        }
    }

    /// From now on, this link's entries are kept together and written as
    /// one file by [`Store::flush`] (`bundle.rs`); `key` names the link.
    pub fn for_link(&self, key: &str) {
        if let Ok(mut batch) = self.batch.lock() {
            batch.for_link(key);
        }
    }

    /// Writes the entries this run kept back, one file per bundle.
    pub fn flush(&self) {
        if let Ok(mut batch) = self.batch.lock() {
            batch.flush(&self.dir);
        }
    }

    /// A guard that flushes when it goes.
    pub fn flush_on_drop(&self) -> Flush {
        Flush(self.clone())
    }

    /// The verdict stored for the file version `id`, if whole.
    pub fn get(&self, id: &FileId) -> Option<Verdict> {
        decode(&self.read(&verdict_name(id), MAX_ENTRY, Place::File(*id))?)
    }

    /// A cache entry's bytes, from where `place` keeps it.
    fn read_bytes(&self, name: &str, cap: u64, place: Place) -> Option<Vec<u8>> {
        self.batch.lock().ok()?.read(&self.dir, name, cap, place)
    }

    /// A cache entry's text.
    fn read(&self, name: &str, cap: u64, place: Place) -> Option<String> {
        String::from_utf8(self.read_bytes(name, cap, place)?).ok()
    }

    /// The lines stored under `key` (any text without NUL), if whole.
    fn get_lines(&self, key: &str, place: Place) -> Option<Vec<String>> {
        self.get_lines_capped(key, MAX_ENTRY, place)
    }

    /// [`Store::get_lines`] with a larger cap than one entry's.
    fn get_lines_capped(&self, key: &str, cap: u64, place: Place) -> Option<Vec<String>> {
        let text = self.read(&blob_name(key), cap, place)?;
        let mut lines = checked(&text)?.lines();
        // The key itself is stored too, so a hash collision is a miss.
        if lines.next()? != key.replace('\n', " ") {
            return None;
        }
        Some(lines.map(str::to_string).collect())
    }

    /// Stores lines under `key`; lines must not contain newlines.
    fn put_lines(&self, key: &str, lines: &[String], place: Place) {
        let mut text = format!("{}\n", key.replace('\n', " "));
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        let text = format!("{text}{:016x}\n", checksum(&text));
        self.write(&blob_name(key), text.as_bytes(), place);
    }

    /// The bytes stored under `name` with [`Store::put_bytes`], at most
    /// `cap`, if whole: they must start with `name` and a newline (so two
    /// names with one file name are a miss) and end with their checksum.
    fn get_bytes(&self, name: &str, cap: u64, place: Place) -> Option<Vec<u8>> {
        let mut data = self.read_bytes(&blob_name(name), cap, place)?;
        let at = data.len().checked_sub(8)?;
        let sum = u64::from_le_bytes(data[at..].try_into().ok()?);
        data.truncate(at);
        let head = name.len() + 1;
        let whole = sum == checksum_bytes(&data) && data.get(..head)? == [name.as_bytes(), b"\n"].concat();
        whole.then(|| data.split_off(head))
    }

    /// Stores `bytes` under `name` (no newline in it).
    fn put_bytes(&self, name: &str, bytes: &[u8], place: Place) {
        let mut data = Vec::with_capacity(name.len() + bytes.len() + 9);
        data.extend_from_slice(name.as_bytes());
        data.push(b'\n');
        data.extend_from_slice(bytes);
        let sum = checksum_bytes(&data);
        data.extend_from_slice(&sum.to_le_bytes());
        self.write(&blob_name(name), &data, place);
    }

    /// Stores the verdict on the file version `id`, which must be the
    /// `fstat` of the descriptor the verdict was computed from (never a
    /// fresh `stat` of the path, which may name another file by now). Any
    /// failure just leaves the cache without it.
    pub fn put(&self, id: &FileId, verdict: &Verdict) {
        if let Some(text) = encode(verdict) {
            self.write(&verdict_name(id), text.as_bytes(), Place::File(*id));
        }
    }

    /// The verdicts in the pack stored under `key`, by file identity;
    /// empty when there is none or it is not whole.
    pub fn get_pack(&self, key: &str) -> HashMap<FileId, Verdict> {
        self.get_lines_capped(&pack_name(key), MAX_PACK, Place::Link)
            .and_then(|lines| decode_pack(&lines))
            .unwrap_or_default()
    }

    /// Stores `entries` as one pack under `key`. Each identity must be the
    /// `fstat` of the descriptor its verdict came from, as for [`Store::put`];
    /// verdicts that are never cached (scripts, thin archives) are left out.
    pub fn put_pack(&self, key: &str, entries: &[(FileId, Verdict)]) {
        let mut lines = Vec::new();
        for (id, verdict) in entries {
            let Some(body) = encode_body(verdict) else { continue };
            let body: Vec<&str> = body.lines().collect();
            lines.push(format!("@\t{}\t{}", id.key(), body.len()));
            lines.extend(body.into_iter().map(str::to_string));
        }
        if lines.iter().map(|l| l.len() as u64 + 1).sum::<u64>() < MAX_PACK {
            self.put_lines(&pack_name(key), &lines, Place::Link);
        }
    }

    /// The symbol digest stored for the file version `id` (an archive's:
    /// see `probe/closure_facts.rs`), if whole.
    pub fn get_digest(&self, id: &FileId) -> Option<Digest> {
        let text = self.read(&digest_name(id), MAX_DIGEST, Place::File(*id))?;
        codec::decode(checked(&text)?)
    }

    /// Stores the digest of the file version `id` (the `fstat` of the
    /// descriptor it was read from), when it may be cached at all.
    pub fn put_digest(&self, id: &FileId, digest: &Digest) {
        if let Some(text) = codec::encode(digest) {
            let text = format!("{text}{:016x}\n", checksum(&text));
            self.write(&digest_name(id), text.as_bytes(), Place::File(*id));
        }
    }

    /// The closure check's summary stored under its full key (the inputs'
    /// identities and the objects' symbols: `probe/closure_facts.rs`).
    pub fn summary(&self, key: &str) -> Option<Summary> {
        codec::decode_summary(&self.get_lines(&format!("summary {key}"), Place::Link)?)
    }

    pub fn put_summary(&self, key: &str, summary: &Summary) {
        self.put_lines(&format!("summary {key}"), &codec::encode_summary(summary), Place::Link);
    }

    /// The closure check's summary under its quick key (the plan alone),
    /// if every question its computation asked gets the same answer now.
    pub fn recall_summary(&self, key: &str) -> Option<Summary> {
        codec::decode_summary(&self.recall(&format!("summary {key}"), Place::Link)?)
    }

    /// Stores a summary under its quick key with the facts of `rec`, the
    /// recording of its computation.
    pub fn remember_summary(&self, key: &str, summary: &Summary, rec: &crate::fsx::Recording) {
        self.remember(&format!("summary {key}"), &codec::encode_summary(summary), rec, Place::Link);
    }

    /// The closure check's closed answer under `key` (the plan and its
    /// `-L` dirs), checked by facts: `Some(None)` when that part of the
    /// link was found not to settle it.
    pub fn recall_closed(&self, key: &str) -> Option<Option<Summary>> {
        let lines = self.recall(&format!("closed {key}"), Place::Link)?;
        let (first, rest) = lines.split_first()?;
        match first.as_str() {
            "open" if rest.is_empty() => Some(None),
            "closed" => codec::decode_summary(rest).map(Some),
            _ => None,
        }
    }

    pub fn remember_closed(&self, key: &str, summary: Option<&Summary>, rec: &crate::fsx::Recording) {
        let lines = match summary {
            Some(s) => [vec!["closed".to_string()], codec::encode_summary(s)].concat(),
            None => vec!["open".to_string()],
        };
        self.remember(&format!("closed {key}"), &lines, rec, Place::Link);
    }

    /// The providers of missing symbols (and what none provides) found for
    /// `key` (the target, the search dirs and the names), checked by facts.
    pub fn recall_providers(&self, key: &str) -> Option<(Vec<Provider>, Vec<Name>)> {
        // The same names are missing from many links of a build: a file
        // of its own, which they share.
        codec::decode_providers(&self.recall(&format!("providers {key}"), Place::Own)?)
    }

    pub fn remember_providers(
        &self,
        key: &str,
        found: &(Vec<Provider>, Vec<Name>),
        rec: &crate::fsx::Recording,
    ) {
        self.remember(&format!("providers {key}"), &codec::encode_providers(found), rec, Place::Own);
    }

    /// The driver's library dirs, as `sysdirs.rs` writes them, under the
    /// key of every input of the driver's answer.
    pub fn driver_dirs(&self, key: &str) -> Option<Vec<String>> {
        self.get_lines(&format!("driver-dirs {key}"), Place::Own)
    }

    pub fn put_driver_dirs(&self, key: &str, lines: &[String]) {
        self.put_lines(&format!("driver-dirs {key}"), lines, Place::Own);
    }

    /// The SHA-256 (hex) of the file version `id`.
    pub fn file_sha256(&self, id: &FileId) -> Option<String> {
        self.get_lines(&format!("sha256 {}", id.key()), Place::File(*id))?.into_iter().next()
    }

    pub fn put_file_sha256(&self, id: &FileId, hex: &str) {
        self.put_lines(&format!("sha256 {}", id.key()), &[hex.to_string()], Place::File(*id));
    }

    /// Keeps the entry where `place` says (`bundle.rs`). Any failure (a
    /// full disk, `EFBIG` under `ulimit -f`, a read-only file system)
    /// leaves the cache without it, and nothing else.
    fn write(&self, name: &str, bytes: &[u8], place: Place) {
        if let Ok(mut batch) = self.batch.lock() {
            batch.write(&self.dir, name, bytes, place);
        }
    }
}

/// Symbol digests get their own cap: libopenblas.a's is 1.8 MB, and the
/// largest system archives hold a few hundred thousand symbols.
const MAX_DIGEST: u64 = 256 << 20;

/// A pack of verdicts holds at most this: 10,000 archives take 800 kB.
const MAX_PACK: u64 = 64 << 20;

fn pack_name(key: &str) -> String {
    format!("verdict-pack 2 {key}")
}

/// A pack's lines: for each file, `@ ID N` and the `N` lines of its
/// verdict. Anything out of shape makes the whole pack a miss.
fn decode_pack(lines: &[String]) -> Option<HashMap<FileId, Verdict>> {
    let mut out = HashMap::with_capacity_and_hasher(lines.len() / 2, Default::default());
    let mut it = lines.iter().map(String::as_str);
    while let Some(head) = it.next() {
        let (id, n) = head.strip_prefix("@\t")?.split_once('\t')?;
        let n: usize = n.parse().ok()?;
        let body: Vec<&str> = it.by_ref().take(n).collect();
        if body.len() != n {
            return None;
        }
        let mut body = body.into_iter();
        let verdict = decode_body(&mut body)?;
        if body.next().is_some() {
            return None;
        }
        out.insert(FileId::parse_key(id)?, verdict);
    }
    Some(out)
}

fn verdict_name(id: &FileId) -> String {
    format!("v-{}", id.key())
}

fn digest_name(id: &FileId) -> String {
    format!("sym-{}", id.key())
}

fn blob_name(key: &str) -> String {
    format!("blob-{:016x}", checksum(key))
}

/// An entry's content (with its last newline), when its last line is the
/// checksum of it: a torn or garbage entry is `None`.
fn checked(text: &str) -> Option<&str> {
    let (content, sum) = text.strip_suffix('\n')?.rsplit_once('\n')?;
    let content = &text[..content.len() + 1];
    (u64::from_str_radix(sum, 16).ok()? == checksum(content)).then_some(content)
}

/// FNV-1a, enough to tell a torn or garbage entry from a whole one.
fn checksum(text: &str) -> u64 {
    checksum_bytes(text.as_bytes())
}

fn checksum_bytes(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// Names may hold any byte; tabs and newlines separate fields here.
fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// Whether a cache keeps `v` at all.
pub fn keeps(v: &Verdict) -> bool {
    encode_body(v).is_some()
}

/// Scripts are not cached: reading one costs less than a cache lookup.
fn encode(v: &Verdict) -> Option<String> {
    let text = format!("{FORMAT}\n{}\n", encode_body(v)?);
    Some(format!("{text}{:016x}\n", checksum(&text)))
}

/// A verdict as one or two lines (objects, then the problem found), or
/// `None` when it is not cached at all.
fn encode_body(v: &Verdict) -> Option<String> {
    let body = match v {
        Verdict::Empty => "empty".to_string(),
        Verdict::NotArchive => "notarchive".to_string(),
        Verdict::Damaged(e) => format!("damaged\t{}", clean(e)),
        Verdict::Script(_) => return None,
        // A thin archive's verdict depends on its member files, which its
        // own identity does not cover: it is never cached.
        Verdict::Objects { thin: true, .. } => return None,
        Verdict::Objects { id, members, thin, problem } => {
            let id = id.map_or("-\t-".to_string(), |i| format!("{}\t{}", u8::from(i.class64), i.machine));
            let mut s = format!("objects\t{id}\t{members}\t{}", u8::from(*thin));
            if let Some(p) = problem {
                let kind = match &p.kind {
                    ProblemKind::Finding(Finding::NotPic { reloc, symbol }) => {
                        format!(
                            "notpic\t{}\t{}",
                            clean(reloc),
                            symbol.as_deref().map(clean).unwrap_or_default()
                        )
                    }
                    ProblemKind::Finding(Finding::Versioned { symbol }) => {
                        format!("versioned\t{}", clean(symbol))
                    }
                    // The rest are rare and cheap to find again.
                    _ => return None,
                };
                s.push_str(&format!("\n{}\t{kind}", clean(&p.member)));
            }
            s
        }
    };
    Some(body)
}

fn decode(text: &str) -> Option<Verdict> {
    let mut lines = checked(text)?.lines();
    if lines.next()? != FORMAT {
        return None;
    }
    let verdict = decode_body(&mut lines)?;
    // Nothing may follow the body.
    lines.next().is_none().then_some(verdict)
}

/// The verdict in the lines [`encode_body`] wrote, taking only its own.
fn decode_body<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Option<Verdict> {
    let fields: Vec<&str> = lines.next()?.split('\t').collect();
    let verdict = match fields.as_slice() {
        ["empty"] => Verdict::Empty,
        ["notarchive"] => Verdict::NotArchive,
        ["damaged", e] => Verdict::Damaged(e.to_string()),
        ["objects", class, machine, members, thin] => {
            let id = match (*class, *machine) {
                ("-", "-") => None,
                (c, m) => Some(ElfId { class64: c == "1", machine: m.parse().ok()? }),
            };
            let problem = match lines.next() {
                None => None,
                Some(line) => {
                    let f: Vec<&str> = line.split('\t').collect();
                    let finding = match f.as_slice() {
                        [_, "notpic", reloc, symbol] => Finding::NotPic {
                            reloc: reloc.to_string(),
                            symbol: Some(symbol.to_string()).filter(|s| !s.is_empty()),
                        },
                        [_, "versioned", symbol] => Finding::Versioned { symbol: symbol.to_string() },
                        _ => return None,
                    };
                    Some(Problem { member: f[0].to_string(), kind: ProblemKind::Finding(finding) })
                }
            };
            Verdict::Objects { id, members: members.parse().ok()?, thin: *thin == "1", problem }
        }
        _ => return None,
    };
    Some(verdict)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A store in a fresh private directory, and that directory.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        (dir, store)
    }

    fn verdicts() -> Vec<Verdict> {
        let id = Some(ElfId { class64: true, machine: 62 });
        vec![
            Verdict::Empty,
            Verdict::NotArchive,
            Verdict::Damaged("truncated".into()),
            Verdict::Objects { id, members: 3, thin: false, problem: None },
            Verdict::Objects { id: None, members: 1, thin: false, problem: None },
            Verdict::Objects {
                id,
                members: 2,
                thin: false,
                problem: Some(Problem {
                    member: "a b.o".into(),
                    kind: ProblemKind::Finding(Finding::NotPic { reloc: "R_X86_64_32".into(), symbol: None }),
                }),
            },
            Verdict::Objects {
                id,
                members: 2,
                thin: false,
                problem: Some(Problem {
                    member: "v.o".into(),
                    kind: ProblemKind::Finding(Finding::Versioned { symbol: "f@V1".into() }),
                }),
            },
        ]
    }

    #[test]
    fn entries_round_trip() {
        for v in verdicts() {
            assert_eq!(decode(&encode(&v).unwrap()), Some(v.clone()), "{v:?}");
        }
    }

    #[test]
    fn torn_or_garbage_entries_are_ignored() {
        for v in verdicts() {
            let text = encode(&v).unwrap();
            for cut in 0..text.len() {
                assert_eq!(decode(&text[..cut]), None, "{v:?} cut at {cut}");
            }
            let flipped = text.replacen("objects", "objectz", 1).replacen("empty", "emptz", 1);
            if flipped != text {
                assert_eq!(decode(&flipped), None);
            }
        }
        assert_eq!(decode("garbage"), None);
        assert_eq!(decode(""), None);
    }

    #[test]
    fn stores_and_finds_by_file_identity() {
        let (dir, cache) = store();
        let file = dir.path().join("libx.a");
        let id = |p: &Path| crate::fsx::open_regular(p).unwrap().1;
        fs::write(&file, "x").unwrap();
        assert_eq!(cache.get(&id(&file)), None);
        cache.put(&id(&file), &Verdict::Empty);
        assert_eq!(cache.get(&id(&file)), Some(Verdict::Empty));
        fs::write(&file, "xy").unwrap();
        assert_eq!(cache.get(&id(&file)), None, "a changed file is a new key");
    }

    #[test]
    fn lines_round_trip_under_their_key() {
        let (_dir, cache) = store();
        assert_eq!(cache.get_lines("k1", Place::Link), None);
        cache.put_lines("k1", &["/usr/lib".into(), "/lib".into()], Place::Link);
        assert_eq!(
            cache.get_lines("k1", Place::Link),
            Some(vec!["/usr/lib".to_string(), "/lib".to_string()])
        );
        assert_eq!(cache.get_lines("k2", Place::Link), None);
        let file = cache.dir.path.join(blob_name("k1"));
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, &text[..text.len() - 3]).unwrap();
        assert_eq!(cache.get_lines("k1", Place::Link), None, "a torn entry is a miss");
    }

    #[test]
    fn packs_round_trip_and_a_torn_one_is_a_miss() {
        let (_dir, cache) = store();
        let id = |n: u64| FileId { dev: 1, ino: n, size: 2, mtime_ns: -3, ctime_ns: 4 };
        let thin = Verdict::Objects { id: None, members: 1, thin: true, problem: None };
        let mut entries: Vec<(FileId, Verdict)> =
            verdicts().into_iter().enumerate().map(|(n, v)| (id(n as u64), v)).collect();
        entries.push((id(99), thin));
        assert!(cache.get_pack("p").is_empty());
        cache.put_pack("p", &entries);
        let got = cache.get_pack("p");
        let kept: HashMap<FileId, Verdict> = entries.into_iter().filter(|(_, v)| keeps(v)).collect();
        assert_eq!(got, kept, "every kept verdict, and no thin archive's");
        assert!(!got.contains_key(&id(99)));
        assert!(cache.get_pack("q").is_empty(), "another key");
        let file = cache.dir.path.join(blob_name(&pack_name("p")));
        let text = fs::read_to_string(&file).unwrap();
        for cut in [1, text.len() / 2, text.len() - 2] {
            fs::write(&file, &text[..cut]).unwrap();
            assert!(cache.get_pack("p").is_empty(), "cut at {cut}");
        }
        // Whole, but out of shape: a count that overruns.
        cache.put_lines(&pack_name("p"), &["@\t1-2-3-4-5\t3".into(), "empty".into()], Place::Link);
        assert!(cache.get_pack("p").is_empty());
    }

    #[test]
    fn bytes_round_trip_and_a_torn_or_misnamed_entry_is_a_miss() {
        let (_dir, cache) = store();
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(cache.get_bytes("n", 1 << 20, Place::Link), None);
        cache.put_bytes("n", &bytes, Place::Link);
        assert_eq!(cache.get_bytes("n", 1 << 20, Place::Link), Some(bytes.clone()));
        assert_eq!(cache.get_bytes("n", 100, Place::Link), None, "past the cap");
        let file = cache.dir.path.join(blob_name("n"));
        let whole = fs::read(&file).unwrap();
        for cut in [0, 1, whole.len() / 2, whole.len() - 1] {
            fs::write(&file, &whole[..cut]).unwrap();
            assert_eq!(cache.get_bytes("n", 1 << 20, Place::Link), None, "cut at {cut}");
        }
        // Another name's entry under this name's file (a hash collision).
        cache.put_bytes("other", &bytes, Place::Link);
        fs::rename(cache.dir.path.join(blob_name("other")), &file).unwrap();
        assert_eq!(cache.get_bytes("n", 1 << 20, Place::Link), None);
    }

    #[test]
    fn only_what_solink_made_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("solink");
        let old = root.join("solink-v2-0.0.1");
        fs::create_dir_all(&old).unwrap();
        fs::write(old.join(TAG_NAME), TAG).unwrap();
        fs::write(old.join("blob-00ff"), "x").unwrap();
        // Shapes an older rule took for solink's, and a user's file in an
        // old version's directory.
        for foreign in ["v1-0.0.1", "venv-3.11", "vscode-server", "solink-v2-untagged"] {
            fs::create_dir_all(root.join(foreign)).unwrap();
            fs::write(root.join(foreign).join("keep"), "a user's").unwrap();
        }
        fs::write(root.join("solink-v2-untagged/blob-00"), "not tagged").unwrap();
        fs::write(old.join("my-notes.txt"), "a user's file").unwrap();
        fs::write(root.join("notes.txt"), "a user's file is left alone").unwrap();
        let cache = Store::open(&root).unwrap();
        cache.put_lines("k", &["a".into()], Place::Link);
        assert!(!old.join("blob-00ff").exists(), "an old version's entry is removed");
        assert!(old.join("my-notes.txt").exists(), "but not a user's file in it");
        for foreign in ["v1-0.0.1", "venv-3.11", "vscode-server", "solink-v2-untagged"] {
            assert!(root.join(foreign).join("keep").exists(), "{foreign}");
        }
        assert!(root.join("solink-v2-untagged/blob-00").exists());
        assert_eq!(usage(&root).0, 1);
        // The old directory lost its tag when its entries went; only this
        // version's is left to clear.
        assert!(!old.join(TAG_NAME).exists());
        assert_eq!(clear(&root).unwrap().dirs, 1);
        assert!(root.join("notes.txt").exists() && root.join("venv-3.11/keep").exists());
        assert!(!root.join(VERSION_DIR).exists(), "solink's own directory is gone");
        assert_eq!(usage(&root), (0, 0));
        assert_eq!(clear(&dir.path().join("none")).unwrap().dirs, 0);
    }

    #[test]
    fn a_directory_left_untagged_is_tagged_by_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.put_lines("k", &["a".into()], Place::Link);
        let tag = dir.path().join(VERSION_DIR).join(TAG_NAME);
        fs::remove_file(&tag).unwrap();
        assert_eq!(usage(dir.path()).0, 0, "untagged: not solink's, as far as anyone can tell");
        Store::open(dir.path()).unwrap();
        assert_eq!(fs::read(&tag).unwrap(), TAG);
        assert_eq!(usage(dir.path()).0, 1);
        assert_eq!(clear(dir.path()).unwrap().dirs, 1);
    }

    #[test]
    fn a_root_under_a_directory_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        fs::create_dir_all(open.join("mine")).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        // Others could rename mine/ away and put their own in its place.
        assert!(matches!(
            Store::open(&open.join("mine")),
            Err(NoStore::Distrusted(_, Distrust::Ancestor(_)))
        ));
        // A sticky one (as /tmp is) lets nobody else rename what is not theirs.
        fs::set_permissions(&open, fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(Store::open(&open.join("mine")).is_ok());
    }

    #[test]
    fn a_root_others_can_write_is_not_used() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(matches!(Store::open(dir.path()), Err(NoStore::Distrusted(_, Distrust::Writable))));
        assert!(clear(dir.path()).is_err(), "nor cleared");
        assert!(fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing made in it");
    }

    #[test]
    fn the_root_follows_ccache_precedence() {
        let p = |s: &str| Some(PathBuf::from(s));
        let r = |e: Option<&str>, x: Option<&str>, h: Option<&str>| {
            root(e.map(Path::new), x.map(Path::new), h.map(Path::new))
        };
        assert_eq!(r(Some("/c"), Some("/x"), Some("/h")), p("/c"));
        assert_eq!(r(None, Some("/x"), Some("/h")), p("/x/solink"));
        assert_eq!(r(None, Some("rel"), Some("/h")), p("/h/.cache/solink"));
        assert_eq!(r(None, None, None), None);
    }

    #[test]
    fn unwritable_cache_is_off_not_an_error() {
        assert!(matches!(Store::open(Path::new("/proc/solink-no-such-dir")), Err(NoStore::Unavailable(_))));
    }
}

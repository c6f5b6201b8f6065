//! A cache of archive verdicts, keyed by (device, inode, size, mtime).
//!
//! Each entry is one small file under `$XDG_CACHE_HOME/solink/v1-VERSION`
//! (or `~/.cache/solink/v1-VERSION`), written to a temporary file in the same directory
//! and renamed into place, so concurrent links (`make -j`) never see half an
//! entry. An entry ends with a checksum of its bytes; a torn or garbage
//! entry is ignored and recomputed. A directory that is missing and cannot
//! be made, or is read-only, turns the cache off. Correctness never depends
//! on it: a miss only costs a scan.
// The cache's own files are no input of a link: nothing here is recorded
// for direct mode (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::archive::pic::ElfId;
use crate::archive::{Finding, Problem, ProblemKind, Verdict};
use crate::fsx::FileId;
use crate::symbols::{self, Digest};

const FORMAT: &str = "solink-verdict 1";

/// No entry is larger than this; anything bigger is not one of ours.
const MAX_ENTRY: u64 = 1 << 20;

#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// This version's directory inside the cache root. Verdicts depend on
/// solink's rules, so each version keeps its own, and removes the others'.
const VERSION_DIR: &str = concat!("v1-", env!("CARGO_PKG_VERSION"));

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

/// Removes everything solink keeps under `root` (every version's entries).
/// A root that does not exist is already clear.
pub fn clear(root: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// The number of entries under `root` and their total size in bytes.
pub fn usage(root: &Path) -> (u64, u64) {
    let mut entries = 0;
    let mut bytes = 0;
    for version in fs::read_dir(root).into_iter().flatten().flatten() {
        for entry in fs::read_dir(version.path()).into_iter().flatten().flatten() {
            if let Ok(m) = entry.metadata() {
                if m.is_file() {
                    entries += 1;
                    bytes += m.len();
                }
            }
        }
    }
    (entries, bytes)
}

impl Cache {
    /// The cache under `XDG_CACHE_HOME`, else `HOME/.cache`.
    pub fn new(xdg_cache_home: Option<&Path>, home: Option<&Path>) -> Option<Cache> {
        root(None, xdg_cache_home, home).map(|r| Cache::in_root(&r))
    }

    /// The cache of this version of solink under `root`.
    pub fn in_root(root: &Path) -> Cache {
        Cache { dir: root.join(VERSION_DIR) }
    }

    /// The verdict stored for the file version `id`, if whole.
    pub fn get(&self, id: &FileId) -> Option<Verdict> {
        decode(&self.read(&id.key(), MAX_ENTRY)?)
    }

    /// A cache entry's text. Entries are opened as hostile files: a FIFO
    /// or a huge file planted in the cache directory is a miss, not a hang.
    fn read(&self, name: &str, cap: u64) -> Option<String> {
        String::from_utf8(crate::fsx::read_own(&self.dir.join(name), cap).ok()?).ok()
    }

    /// The lines stored under `key` (any text without NUL), if whole.
    pub fn get_lines(&self, key: &str) -> Option<Vec<String>> {
        self.get_lines_capped(key, MAX_ENTRY)
    }

    /// [`Cache::get_lines`] with a larger cap than one entry's.
    pub(crate) fn get_lines_capped(&self, key: &str, cap: u64) -> Option<Vec<String>> {
        let text = self.read(&blob_name(key), cap)?;
        let mut lines = checked(&text)?.lines();
        // The key itself is stored too, so a hash collision is a miss.
        if lines.next()? != key.replace('\n', " ") {
            return None;
        }
        Some(lines.map(str::to_string).collect())
    }

    /// Stores lines under `key`; lines must not contain newlines.
    pub fn put_lines(&self, key: &str, lines: &[String]) {
        let mut text = format!("{}\n", key.replace('\n', " "));
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        let text = format!("{text}{:016x}\n", checksum(&text));
        let _ = self.write(&blob_name(key), &text);
    }

    /// The bytes stored under `name` with [`Cache::put_bytes`], at most
    /// `cap`, if whole: they must start with `name` and a newline (so two
    /// names with one file name are a miss) and end with their checksum.
    pub(crate) fn get_bytes(&self, name: &str, cap: u64) -> Option<Vec<u8>> {
        let mut data = crate::fsx::read_own(&self.dir.join(blob_name(name)), cap).ok()?;
        let at = data.len().checked_sub(8)?;
        let sum = u64::from_le_bytes(data[at..].try_into().ok()?);
        data.truncate(at);
        let head = name.len() + 1;
        let whole = sum == checksum_bytes(&data) && data.get(..head)? == [name.as_bytes(), b"\n"].concat();
        whole.then(|| data.split_off(head))
    }

    /// Stores `bytes` under `name` (no newline in it).
    pub(crate) fn put_bytes(&self, name: &str, bytes: &[u8]) {
        let mut data = Vec::with_capacity(name.len() + bytes.len() + 9);
        data.extend_from_slice(name.as_bytes());
        data.push(b'\n');
        data.extend_from_slice(bytes);
        let sum = checksum_bytes(&data);
        data.extend_from_slice(&sum.to_le_bytes());
        let _ = self.write_bytes(&blob_name(name), &data);
    }

    /// Stores the verdict on the file version `id`, which must be the
    /// `fstat` of the descriptor the verdict was computed from (never a
    /// fresh `stat` of the path, which may name another file by now). Any
    /// failure just leaves the cache without it.
    pub fn put(&self, id: &FileId, verdict: &Verdict) {
        if let Some(text) = encode(verdict) {
            let _ = self.write(&id.key(), &text);
        }
    }

    /// The verdicts in the pack stored under `key`, by file identity;
    /// empty when there is none or it is not whole.
    pub fn get_pack(&self, key: &str) -> HashMap<FileId, Verdict> {
        self.get_lines_capped(&pack_name(key), MAX_PACK)
            .and_then(|lines| decode_pack(&lines))
            .unwrap_or_default()
    }

    /// Stores `entries` as one pack under `key`. Each identity must be the
    /// `fstat` of the descriptor its verdict came from, as for [`Cache::put`];
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
            self.put_lines(&pack_name(key), &lines);
        }
    }

    /// The symbol digest stored for the file version `id` (an archive's:
    /// see `probe/link.rs`), if whole.
    pub fn get_digest(&self, id: &FileId) -> Option<Digest> {
        let text = self.read(&digest_name(id), MAX_DIGEST)?;
        symbols::decode(checked(&text)?)
    }

    /// Stores the digest of the file version `id` (the `fstat` of the
    /// descriptor it was read from), when it may be cached at all.
    pub fn put_digest(&self, id: &FileId, digest: &Digest) {
        if let Some(text) = symbols::encode(digest) {
            let text = format!("{text}{:016x}\n", checksum(&text));
            let _ = self.write(&digest_name(id), &text);
        }
    }

    fn write(&self, key: &str, text: &str) -> std::io::Result<()> {
        self.write_bytes(key, text.as_bytes())
    }

    fn write_bytes(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        if !self.dir.is_dir() {
            fs::create_dir_all(&self.dir)?;
            self.remove_other_versions();
        }
        let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(&self.dir)?;
        tmp.write_all(bytes)?;
        tmp.persist(self.dir.join(key)).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Cache {
    /// Removes the directories earlier (or later) versions of solink left
    /// beside this one: their entries can never be read by this version.
    /// Done once, when this version's directory is made.
    fn remove_other_versions(&self) {
        let (Some(root), Some(mine)) = (self.dir.parent(), self.dir.file_name()) else { return };
        for entry in fs::read_dir(root).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let ours = name.to_str().is_some_and(|n| n.starts_with('v') && n.contains('-'));
            if ours && name != mine && entry.file_type().is_ok_and(|t| t.is_dir()) {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Symbol digests get their own cap: libopenblas.a's is 1.8 MB, and the
/// largest system archives hold a few hundred thousand symbols.
const MAX_DIGEST: u64 = 256 << 20;

/// A pack of verdicts holds at most this: 10,000 archives take 800 kB.
pub(crate) const MAX_PACK: u64 = 64 << 20;

fn pack_name(key: &str) -> String {
    format!("verdict-pack 1 {key}")
}

/// A pack's lines: for each file, `@ ID N` and the `N` lines of its
/// verdict. Anything out of shape makes the whole pack a miss.
fn decode_pack(lines: &[String]) -> Option<HashMap<FileId, Verdict>> {
    let mut out = HashMap::with_capacity(lines.len() / 2);
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
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(&dir.path().join("c")), None).unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(dir.path()), None).unwrap();
        assert_eq!(cache.get_lines("k1"), None);
        cache.put_lines("k1", &["/usr/lib".into(), "/lib".into()]);
        assert_eq!(cache.get_lines("k1"), Some(vec!["/usr/lib".to_string(), "/lib".to_string()]));
        assert_eq!(cache.get_lines("k2"), None);
        let file = cache.dir.join(blob_name("k1"));
        let text = fs::read_to_string(&file).unwrap();
        fs::write(&file, &text[..text.len() - 3]).unwrap();
        assert_eq!(cache.get_lines("k1"), None, "a torn entry is a miss");
    }

    #[test]
    fn packs_round_trip_and_a_torn_one_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(dir.path()), None).unwrap();
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
        let file = cache.dir.join(blob_name(&pack_name("p")));
        let text = fs::read_to_string(&file).unwrap();
        for cut in [1, text.len() / 2, text.len() - 2] {
            fs::write(&file, &text[..cut]).unwrap();
            assert!(cache.get_pack("p").is_empty(), "cut at {cut}");
        }
        // Whole, but out of shape: a count that overruns.
        cache.put_lines(&pack_name("p"), &["@\t1-2-3-4-5\t3".into(), "empty".into()]);
        assert!(cache.get_pack("p").is_empty());
    }

    #[test]
    fn bytes_round_trip_and_a_torn_or_misnamed_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(Some(dir.path()), None).unwrap();
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(cache.get_bytes("n", 1 << 20), None);
        cache.put_bytes("n", &bytes);
        assert_eq!(cache.get_bytes("n", 1 << 20), Some(bytes.clone()));
        assert_eq!(cache.get_bytes("n", 100), None, "past the cap");
        let file = cache.dir.join(blob_name("n"));
        let whole = fs::read(&file).unwrap();
        for cut in [0, 1, whole.len() / 2, whole.len() - 1] {
            fs::write(&file, &whole[..cut]).unwrap();
            assert_eq!(cache.get_bytes("n", 1 << 20), None, "cut at {cut}");
        }
        // Another name's entry under this name's file (a hash collision).
        cache.put_bytes("other", &bytes);
        fs::rename(cache.dir.join(blob_name("other")), &file).unwrap();
        assert_eq!(cache.get_bytes("n", 1 << 20), None);
    }

    #[test]
    fn other_versions_are_removed_and_clear_empties_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("solink");
        fs::create_dir_all(root.join("v1-0.0.1")).unwrap();
        fs::write(root.join("v1-0.0.1/old"), "x").unwrap();
        fs::write(root.join("notes.txt"), "a user's file is left alone").unwrap();
        let cache = Cache::in_root(&root);
        cache.put_lines("k", &["a".into()]);
        assert!(!root.join("v1-0.0.1").exists(), "an old version's directory is removed");
        assert!(root.join("notes.txt").exists());
        assert_eq!(usage(&root).0, 1);
        clear(&root).unwrap();
        assert!(!root.exists());
        clear(&root).unwrap();
        assert_eq!(usage(&root), (0, 0));
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
        let cache = Cache::new(Some(Path::new("/proc/solink-no-such-dir")), None).unwrap();
        let (_, id) = crate::fsx::open_regular(Path::new("/etc/hostname")).unwrap();
        cache.put(&id, &Verdict::Empty);
        assert_eq!(cache.get(&id), None);
    }
}

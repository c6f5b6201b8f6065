//! `solink --audit FILE...`: which archives each object of a process
//! embeds, and which are embedded twice (issue 13 §2).
//!
//! For each FILE (an executable or a shared object) the whole `DT_NEEDED`
//! closure is found as glibc's dynamic loader finds it (`_dl_map_object`
//! in elf/dl-load.c, ld.so(8) "Search order"), each object's
//! `.note.solink` is read, and every archive that two or more objects of
//! the closure embed is reported: two copies of one static library in one
//! process run its constructors twice (exported) or keep two states
//! (hidden). Most of a system carries no note; such objects embed nothing
//! as far as solink knows, and are read without complaint.
//!
//! Issue 22 adds what no note records: two objects that define the same
//! global symbols ([`copies`]) and a process with two CUDA runtimes
//! ([`runtimes`], where issue 35 adds two OpenMP runtimes),
//! plugin directories audited with the FILEs as one process ([`process`],
//! `walk`), `--embeds` over a tree ([`embeds`]), and a search that asks
//! each directory once (`search`).
//!
//! Facts, then policy: [`Loader`] holds what the search needs from the
//! environment and `/etc/ld.so.conf`, [`closure`] walks the files, and
//! [`duplicates`] is a pure function of the closure.
// `--audit` reads what the loader would, not the inputs of a link: none of
// its questions goes into a direct-mode recording (clippy.toml).
#![allow(clippy::disallowed_methods)]

use foldhash::{HashMap, HashSet};
use std::collections::VecDeque;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::Error;
use crate::formats::provenance::{Digest, Entry};

pub mod copies;
pub mod distro;
pub mod embeds;
pub mod runtimes;
pub mod sbom;
mod search;
pub mod spdx;
mod walk;
pub mod wheel;
pub use search::Work;

/// The most objects one closure may hold; a real process has a few
/// hundred at most.
const MAX_OBJECTS: usize = 4096;
/// How many `ld.so.conf` files `include` may bring in, and how deep.
const MAX_CONF_FILES: usize = 256;
const MAX_CONF_DEPTH: usize = 8;
const MAX_CONF_BYTES: u64 = 1 << 20;

/// What the loader's search needs besides the objects themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loader {
    /// `LD_LIBRARY_PATH`, split.
    pub library_path: Vec<PathBuf>,
    /// The directories of `/etc/ld.so.conf` (and what it includes), which
    /// `ldconfig` puts in `/etc/ld.so.cache`: searching them stands in for
    /// the cache.
    pub conf_dirs: Vec<PathBuf>,
    /// The directories searched last, unless the requester was linked with
    /// `-z nodeflib`: glibc's built-in `SYSTEM_DIRS`.
    pub default_dirs: Vec<PathBuf>,
}

impl Loader {
    /// The loader of this system for `env`: `LD_LIBRARY_PATH` from it,
    /// `/etc/ld.so.conf`, and the default directories.
    pub fn system(env: &Env) -> Loader {
        Loader {
            library_path: env.get("LD_LIBRARY_PATH").map(split_search_path).unwrap_or_default(),
            conf_dirs: read_ld_so_conf(Path::new("/etc/ld.so.conf")),
            default_dirs: ["/lib64", "/usr/lib64", "/lib", "/usr/lib"].iter().map(PathBuf::from).collect(),
        }
    }
}

/// A search path as ld.so splits one: on `:` and `;`, an empty entry being
/// the current directory (ld.so(8), `LD_LIBRARY_PATH`).
pub fn split_search_path(value: &OsStr) -> Vec<PathBuf> {
    value
        .as_bytes()
        .split(|c| *c == b':' || *c == b';')
        .map(|d| if d.is_empty() { PathBuf::from(".") } else { PathBuf::from(OsStr::from_bytes(d)) })
        .collect()
}

/// The directories named in an `ld.so.conf` file, in order, following
/// `include GLOB` lines (relative to the including file's directory, as
/// ldconfig takes them) to a bounded depth and count. `hwcap` lines and
/// comments are ignored; a file that cannot be read contributes nothing,
/// as ldconfig skips it.
pub fn read_ld_so_conf(path: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut files = 0;
    conf_file(path, 0, &mut files, &mut dirs);
    let mut seen = HashSet::default();
    dirs.retain(|d| seen.insert(d.clone()));
    dirs
}

fn conf_file(path: &Path, depth: usize, files: &mut usize, dirs: &mut Vec<PathBuf>) {
    *files += 1;
    if depth > MAX_CONF_DEPTH || *files > MAX_CONF_FILES {
        return;
    }
    let Ok(text) = crate::fsx::read_regular(path, MAX_CONF_BYTES) else { return };
    let base = path.parent().unwrap_or(Path::new("/"));
    for line in text.split(|c| *c == b'\n') {
        let line = line.split(|c| *c == b'#').next().unwrap_or_default();
        let words: Vec<&[u8]> = line.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty()).collect();
        match words.as_slice() {
            [] => {}
            [b"include", globs @ ..] => {
                for glob in globs {
                    for file in expand_glob(&base.join(OsStr::from_bytes(glob))) {
                        conf_file(&file, depth + 1, files, dirs);
                    }
                }
            }
            [b"hwcap", ..] => {}
            // One directory per line (ldconfig(8)), trailing slashes
            // trimmed as ldconfig's `add_dir` trims them.
            _ => {
                let dir = line.trim_ascii();
                let dir = &dir[..dir.iter().rposition(|c| *c != b'/').map_or(1, |i| i + 1).min(dir.len())];
                if dir.starts_with(b"/") {
                    dirs.push(PathBuf::from(OsStr::from_bytes(dir)));
                }
            }
        }
    }
}

/// The files a glob names, sorted (as glob(3) returns them). Only the last
/// component may hold `*` and `?`, which is all `ld.so.conf` files use
/// (`include /etc/ld.so.conf.d/*.conf`).
fn expand_glob(pattern: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (pattern.parent(), pattern.file_name()) else { return Vec::new() };
    let name = name.as_bytes();
    if !name.iter().any(|c| matches!(c, b'*' | b'?')) {
        return vec![pattern.to_path_buf()];
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name())
        .filter(|f| !f.as_bytes().starts_with(b".") && glob_match(name, f.as_bytes()))
        .take(MAX_CONF_FILES)
        .map(|f| dir.join(f))
        .collect();
    found.sort();
    found
}

/// `*` and `?` matching, without recursion on the input's length beyond
/// the pattern's stars (a pattern from a config file is short).
fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| glob_match(rest, &name[i..])),
        Some((b'?', rest)) => !name.is_empty() && glob_match(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && glob_match(rest, &name[1..]),
    }
}

use crate::formats::elf::{read_elf, ElfFacts, MAX_ELF};

/// One object of a closure.
#[derive(Clone, Debug)]
pub struct Object {
    /// The path it was found at (the FILE itself for the first).
    pub path: PathBuf,
    /// The object whose `DT_NEEDED` loaded it first (glibc's `l_loader`).
    pub loader: Option<usize>,
    /// The directory given to `--audit` it was found under, for a plugin.
    pub plugin_of: Option<PathBuf>,
    pub facts: ElfFacts,
}

/// A FILE and everything the loader would load with it.
#[derive(Clone, Debug)]
pub struct Closure {
    pub objects: Vec<Object>,
    /// Needs no directory satisfies: (the object that needs it, the name).
    pub missing: Vec<(usize, String)>,
    /// What the search cost (the tests count it; nothing is timed).
    #[allow(dead_code)]
    pub work: Work,
}

/// Walks `file`'s `DT_NEEDED` closure breadth first, in glibc's load order.
/// `Err` when `file` itself is not a readable ELF file.
pub fn closure(file: &Path, loader: &Loader) -> Result<Closure, String> {
    let facts = read_elf(file)?;
    process(vec![(file.to_path_buf(), facts, None)], loader)
}

/// A file to load: its path, its facts, and the directory it was found
/// under (a plugin) or `None` (a FILE).
pub type Root = (PathBuf, ElfFacts, Option<PathBuf>);

/// The objects of one process: the first root and its closure, as the
/// loader maps them at start-up, then each other root with what it needs
/// that is not loaded yet, as `dlopen` adds them (a plugin has no loader:
/// glibc's `l_loader` is NULL for it). A root already loaded (by its
/// soname or its file) is not loaded again; one of another ELF class or
/// machine than the first is left out, as `dlopen` refuses it.
pub fn process(roots: Vec<Root>, loader: &Loader) -> Result<Closure, String> {
    let target = roots.first().and_then(|(_, f, _)| f.id);
    let mut objects: Vec<Object> = Vec::new();
    let mut missing = Vec::new();
    let mut search = search::Search::default();
    // Objects already loaded, by the names a later DT_NEEDED may use
    // (`_dl_name_match_p`: the name it was asked by, and its soname) and
    // by file identity (the same file under two paths is one object).
    let mut by_name: HashMap<Vec<u8>, usize> = HashMap::default();
    let mut by_file: HashMap<(u64, u64), usize> = HashMap::default();
    for (path, facts, plugin_of) in roots {
        if facts.id != target
            || facts.soname.as_ref().is_some_and(|s| by_name.contains_key(s))
            || file_key(&path).is_some_and(|k| by_file.contains_key(&k))
        {
            continue;
        }
        if objects.len() >= MAX_OBJECTS {
            return Err(format!("its closure has more than {MAX_OBJECTS} objects"));
        }
        let first = objects.len();
        objects.push(Object { path, loader: None, plugin_of, facts });
        remember(&objects[first], first, None, &mut by_name, &mut by_file);
        let mut queue = VecDeque::from([first]);
        while let Some(i) = queue.pop_front() {
            for name in objects[i].facts.needed.clone() {
                if by_name.contains_key(&name) {
                    continue;
                }
                let Some((path, facts)) = search.find(&name, i, &objects, loader, target) else {
                    missing.push((i, String::from_utf8_lossy(&name).into_owned()));
                    continue;
                };
                let key = file_key(&path);
                if let Some(&j) = key.as_ref().and_then(|k| by_file.get(k)) {
                    by_name.insert(name, j);
                    continue;
                }
                if objects.len() >= MAX_OBJECTS {
                    return Err(format!("its closure has more than {MAX_OBJECTS} objects"));
                }
                let j = objects.len();
                objects.push(Object { path, loader: Some(i), plugin_of: None, facts });
                remember(&objects[j], j, Some(name), &mut by_name, &mut by_file);
                queue.push_back(j);
            }
        }
    }
    Ok(Closure { objects, missing, work: search.work })
}

fn remember(
    o: &Object,
    index: usize,
    asked_as: Option<Vec<u8>>,
    by_name: &mut HashMap<Vec<u8>, usize>,
    by_file: &mut HashMap<(u64, u64), usize>,
) {
    if let Some(name) = asked_as {
        by_name.entry(name).or_insert(index);
    }
    if let Some(soname) = &o.facts.soname {
        by_name.entry(soname.clone()).or_insert(index);
    }
    if let Some(key) = file_key(&o.path) {
        by_file.entry(key).or_insert(index);
    }
}

fn file_key(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The directory `$ORIGIN` stands for in object `k`: for the first object
/// (the executable) its real path's directory, as glibc takes it from
/// `/proc/self/exe`; for a library the directory of the path it was found
/// at, made absolute but with symlinks kept (glibc's `_dl_new_object`).
fn origin(objects: &[Object], k: usize) -> PathBuf {
    let path = &objects[k].path;
    let full = if k == 0 { std::fs::canonicalize(path).ok() } else { std::path::absolute(path).ok() };
    full.and_then(|p| p.parent().map(Path::to_path_buf)).unwrap_or_else(|| PathBuf::from("."))
}

/// A DT_RPATH or DT_RUNPATH split on `:` with `$ORIGIN` expanded. An entry
/// with another token (`$LIB`, `$PLATFORM`) is left out: their values
/// depend on how glibc was built, which solink cannot see without running
/// it. An empty entry is the current directory, as ld.so reads it.
fn expand_path_list(list: &[u8], origin: &Path) -> Vec<PathBuf> {
    list.split(|c| *c == b':')
        .filter_map(|d| {
            if d.is_empty() {
                return Some(PathBuf::from("."));
            }
            expand_tokens(d, origin).map(|e| PathBuf::from(OsStr::from_bytes(&e)))
        })
        .collect()
}

/// `$ORIGIN` and `${ORIGIN}` replaced by `origin`; `None` for any other
/// `$` token (an entry the search then leaves out).
fn expand_tokens(s: &[u8], origin: &Path) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(at) = rest.iter().position(|c| *c == b'$') {
        out.extend_from_slice(&rest[..at]);
        let after = &rest[at + 1..];
        // glibc's `is_dst`: the bare form must end at a `/` or the end.
        let bare_end = after.get(6).map_or(true, |c| *c == b'/');
        let len = if after.starts_with(b"ORIGIN") && bare_end {
            6
        } else if after.starts_with(b"{ORIGIN}") {
            8
        } else {
            return None;
        };
        out.extend_from_slice(origin.as_os_str().as_bytes());
        rest = &after[len..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// Whether one embedded copy's code can interpose (issue 32 §1): a fact of
/// the object's `.dynsym`, not of the flags it was linked with. A
/// library's own version script (libpng's), a Rust cdylib's, or
/// `--exclude-libs` make an archive's globals local: the copy then binds
/// only inside its object, and a second copy elsewhere is harmless to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Some of the globals its members define are in the object's
    /// `.dynsym` (the first few, sorted): the loader may bind another
    /// object's references to them, or theirs to another copy.
    Interposable(Vec<String>),
    /// None of them is: the copy keeps its own code and state.
    Private,
    /// It cannot be told, and why.
    Unknown(Unknown),
}

/// Why a copy's reach cannot be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// The note predates format 3 and records no symbols.
    OldNote,
    /// The object's `.dynsym` could not be read (no section headers).
    NoDynsym,
    /// The note could not record every global the members define, and
    /// none of those it records is exported.
    NotAllRecorded,
}

/// How many interposable names a report shows.
const REACH_EXAMPLES: usize = 3;

/// The reach of `e`'s copy in an object whose `.dynsym` makes `visible`
/// visible (`None`: unreadable).
pub fn reach(e: &Entry, visible: Option<&[Vec<u8>]>) -> Reach {
    let Some(symbols) = &e.symbols else { return Reach::Unknown(Unknown::OldNote) };
    let Some(visible) = visible else { return Reach::Unknown(Unknown::NoDynsym) };
    let seen: Vec<String> = symbols
        .names
        .iter()
        .filter(|n| visible.binary_search_by(|v| v.as_slice().cmp(n.as_bytes())).is_ok())
        .take(REACH_EXAMPLES)
        .cloned()
        .collect();
    match (seen.is_empty(), symbols.cut) {
        (false, _) => Reach::Interposable(seen),
        (true, false) => Reach::Private,
        (true, true) => Reach::Unknown(Unknown::NotAllRecorded),
    }
}

impl Reach {
    /// The one word for it, the same in every format.
    pub fn word(&self) -> &'static str {
        match self {
            Reach::Interposable(_) => "interposable",
            Reach::Private => "private",
            Reach::Unknown(_) => "unknown",
        }
    }

    /// What it rests on, for people.
    pub fn detail(&self) -> String {
        match self {
            Reach::Interposable(names) => format!("exports {}", names.join(", ")),
            Reach::Private => "none of its symbols in .dynsym".to_string(),
            Reach::Unknown(Unknown::OldNote) => "a note older than format 3 records no symbols".to_string(),
            Reach::Unknown(Unknown::NoDynsym) => "no readable .dynsym".to_string(),
            Reach::Unknown(Unknown::NotAllRecorded) => {
                "its note records only some of its symbols".to_string()
            }
        }
    }
}

/// One copy of an archive in one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// Index of the object in the closure.
    pub object: usize,
    pub file: String,
    pub digest: Digest,
    /// Whether this copy's code can interpose, read from the object.
    pub reach: Reach,
}

/// An archive embedded in two or more objects of one closure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Duplicate {
    pub library: String,
    /// Whether every copy has the same digest: the same archive twice. When
    /// not, the copies are different builds of one library, which is worse
    /// (two versions' code and data in one process).
    pub same_digest: bool,
    pub copies: Vec<Copy>,
}

impl Duplicate {
    /// Every copy is private: each object keeps its own code and state,
    /// which is what their links asked for, and no exit 1.
    pub fn private(&self) -> bool {
        self.copies.iter().all(|c| c.reach == Reach::Private)
    }
}

/// Every archive that two or more objects of `c` embed. Two entries are
/// the same archive when they have the same library name (whatever their
/// digests: another build of libfoo is still libfoo, and its globals and
/// constructors clash the same way) or the same digest (the same bytes
/// under another name). Two entries in one object are one object's
/// business (ld linked them both), not a duplicate across objects.
/// `reach[object][entry]` is each copy's reach.
pub fn duplicates(c: &Closure, reach: &[Vec<Reach>]) -> Vec<Duplicate> {
    let mut groups: Vec<Vec<(usize, usize, &Entry)>> = Vec::new();
    for (i, o) in c.objects.iter().enumerate() {
        for (k, e) in o.facts.entries.iter().enumerate() {
            match groups
                .iter_mut()
                .find(|g| g.iter().any(|(_, _, f)| f.library == e.library || f.digest == e.digest))
            {
                Some(g) => g.push((i, k, e)),
                None => groups.push(vec![(i, k, e)]),
            }
        }
    }
    groups
        .into_iter()
        .filter(|g| g.iter().any(|(i, _, _)| *i != g[0].0))
        .map(|g| Duplicate {
            library: g[0].2.library.clone(),
            same_digest: g.iter().all(|(_, _, e)| e.digest == g[0].2.digest),
            copies: g
                .iter()
                .map(|(i, k, e)| Copy {
                    object: *i,
                    file: e.file.clone(),
                    digest: e.digest,
                    reach: reach
                        .get(*i)
                        .and_then(|r| r.get(*k))
                        .cloned()
                        .unwrap_or(Reach::Unknown(Unknown::NoDynsym)),
                })
                .collect(),
        })
        .collect()
}

/// What the audit was asked about but could not see (issue 32 §2): each is
/// reported, in every format, and the audit exits [`INCOMPLETE`] rather
/// than 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unseen {
    pub path: PathBuf,
    pub why: Why,
}

/// Why something was not seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// A directory or file that could not be opened or listed.
    Unreadable(String),
    /// An ELF file that could not be parsed.
    Damaged(String),
    /// A solink note that could not be decoded.
    Note(String),
    /// A directory deeper than the walk goes.
    TooDeep,
    /// The walk stopped at its count of files here.
    TooManyFiles,
    /// A wheel member that inflates past this many bytes: not read.
    TooLarge(u64),
    /// A wheel with more members than this: the rest not read.
    TooMany(usize),
}

impl Why {
    pub fn text(&self) -> String {
        match self {
            Why::Unreadable(e) => format!("cannot be read: {e}"),
            Why::Damaged(e) => format!("cannot be parsed: {e}"),
            Why::Note(e) => format!("unreadable solink note: {e}"),
            Why::TooDeep => format!("deeper than {} levels: not walked", walk::MAX_DEPTH),
            Why::TooManyFiles => format!("the walk stopped here, after {} files", walk::MAX_FILES),
            Why::TooLarge(n) => format!("inflates to more than {n} bytes: not read"),
            Why::TooMany(n) => format!("more than {n} members: the rest not read"),
        }
    }

    /// The one word for the kind, in JSON and the SBOMs.
    pub fn word(&self) -> &'static str {
        match self {
            Why::Unreadable(_) => "unreadable",
            Why::Damaged(_) => "damaged",
            Why::Note(_) => "note",
            Why::TooDeep | Why::TooManyFiles | Why::TooLarge(_) | Why::TooMany(_) => "limit",
        }
    }
}

/// The exit status of an audit that found nothing but could not see
/// everything: never 0, and not 1 (a finding) or 2 (bad input).
pub const INCOMPLETE: u8 = 3;

/// The audit of one FILE, or of one process (FILEs and plugin dirs).
#[derive(Clone, Debug)]
pub struct Audit {
    /// The FILE, or for a process every argument, space-separated.
    pub file: PathBuf,
    /// Whether directories were given: the arguments are one process.
    pub process: bool,
    pub closure: Closure,
    pub duplicates: Vec<Duplicate>,
    /// Objects defining the same global symbols, note or no note.
    pub symbol_copies: Vec<copies::SymbolCopy>,
    /// The static CUDA runtime beside the shared one.
    pub cuda: Vec<runtimes::TwoCudaRuntimes>,
    /// Every OpenMP runtime of the process, when it holds two or more.
    pub openmp: Vec<runtimes::OpenMpRuntime>,
    /// For each object, for each entry of its notes: its copy's reach.
    pub reach: Vec<Vec<Reach>>,
    /// What was asked about but not seen.
    pub unseen: Vec<Unseen>,
    /// Each object's SHA-256 and whether it is a program, read before its
    /// file went away (a wheel's members); empty: read when asked.
    pub files: Vec<Option<(Digest, bool)>>,
}

impl Audit {
    /// Whether anything was found that makes `--audit` exit 1. Copies
    /// that are all private are reported, and are no finding.
    pub fn found(&self) -> bool {
        self.duplicates.iter().any(|d| !d.private())
            || !self.symbol_copies.is_empty()
            || !self.cuda.is_empty()
            || !self.openmp.is_empty()
    }

    /// Object `i`'s SHA-256 and whether it is a program (`sbom::read_object`).
    pub fn object_file(&self, i: usize) -> Option<(Digest, bool)> {
        match self.files.get(i) {
            Some(f) => *f,
            None => sbom::read_object(&self.closure.objects[i].path),
        }
    }

    /// Whether it could not see everything it was asked about.
    pub fn incomplete(&self) -> bool {
        !self.unseen.is_empty()
    }

    pub(crate) fn of(file: PathBuf, process: bool, closure: Closure, mut unseen: Vec<Unseen>) -> Audit {
        let exports: Vec<copies::Exports> =
            closure.objects.iter().map(|o| copies::exports(&o.path)).collect();
        let marks: Vec<runtimes::Marks> = exports.iter().map(|x| x.runtime).collect();
        let reach: Vec<Vec<Reach>> = closure
            .objects
            .iter()
            .zip(&exports)
            .map(|(o, x)| o.facts.entries.iter().map(|e| reach(e, x.visible.as_deref())).collect())
            .collect();
        let openmp = runtimes::openmp_runtimes(&closure, &marks);
        // Two OpenMP runtimes define many of the same names (libomp defines
        // libgomp's API and entries too): the pair is said once, as two
        // runtimes, as a pair two notes name is said once as a duplicate.
        let symbol_copies: Vec<copies::SymbolCopy> = copies::symbol_copies(&closure, &exports)
            .into_iter()
            .filter(|s| !runtimes::both_openmp(&openmp, s.objects))
            .collect();
        // A note that could not be read hides what its object embeds.
        for o in &closure.objects {
            if let Some(e) = &o.facts.note_error {
                unseen.push(Unseen { path: o.path.clone(), why: Why::Note(e.clone()) });
            }
        }
        Audit {
            file,
            process,
            files: Vec::new(),
            duplicates: duplicates(&closure, &reach),
            symbol_copies,
            cuda: runtimes::cuda_runtimes(&closure, &marks),
            openmp,
            reach,
            unseen,
            closure,
        }
    }
}

/// The exit status of `--audit`: 1 when any audit found a copy that can
/// interpose, a probable double copy, two CUDA runtimes or two OpenMP
/// runtimes; else
/// [`INCOMPLETE`] when any could not see everything; else 0.
pub fn status(audits: &[Audit]) -> u8 {
    if audits.iter().any(Audit::found) {
        1
    } else if audits.iter().any(Audit::incomplete) {
        INCOMPLETE
    } else {
        0
    }
}

/// Audits every file; refuses (exit 2) at the first that does not exist or
/// is not ELF, before printing anything. With a directory among them, the
/// FILEs and the shared objects under the directories (each `dlopen`ed,
/// after the FILEs, in the walk's order) are one process.
pub fn audit(files: &[PathBuf], loader: &Loader, tmp: &Path) -> Result<Vec<Audit>, Error> {
    if files.is_empty() {
        return Err(Error::Usage(crate::error::Usage::AuditWithoutFiles));
    }
    let refuse = |path: &Path, problem: String| Error::Audit { path: path.to_path_buf(), problem };
    let is_wheel = |f: &PathBuf| wheel::is_wheel(f) && std::fs::metadata(f).is_ok_and(|m| m.is_file());
    if files.iter().any(is_wheel) {
        // Each wheel is a process of its own; the other FILEs are audited
        // as they would be alone.
        let mut out = Vec::new();
        let others: Vec<PathBuf> = files.iter().filter(|f| !is_wheel(f)).cloned().collect();
        for f in files.iter().filter(|f| is_wheel(f)) {
            out.push(audit_wheel(f, loader, tmp).map_err(|p| refuse(f, p))?);
        }
        if !others.is_empty() {
            out.extend(audit(&others, loader, tmp)?);
        }
        return Ok(out);
    }
    if !files.iter().any(|f| std::fs::metadata(f).is_ok_and(|m| m.is_dir())) {
        return files
            .iter()
            .map(|f| {
                Ok(Audit::of(f.clone(), false, closure(f, loader).map_err(|p| refuse(f, p))?, Vec::new()))
            })
            .collect();
    }
    let mut roots = Vec::new();
    let mut plugins = Vec::new();
    let mut unseen = Vec::new();
    for f in files {
        if !std::fs::metadata(f).is_ok_and(|m| m.is_dir()) {
            roots.push((f.clone(), read_elf(f).map_err(|p| refuse(f, p))?, None));
            continue;
        }
        let w = walk::walk(f).map_err(|e| refuse(f, e.to_string()))?;
        unseen.extend(w.unseen);
        for path in w.files {
            match walk::is_elf(&path) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    unseen.push(Unseen { path, why: Why::Unreadable(e.to_string()) });
                    continue;
                }
            }
            // What `dlopen` takes: a shared object, not an executable
            // (glibc refuses a PIE) nor a relocatable object. An ELF file
            // that cannot be parsed may be either: it is not seen.
            match read_elf(&path) {
                Ok(facts) if facts.shared => plugins.push((path, facts, Some(f.clone()))),
                Ok(_) => {}
                Err(e) => unseen.push(Unseen { path, why: Why::Damaged(e) }),
            }
        }
    }
    roots.extend(plugins);
    let label: Vec<String> = files.iter().map(|f| lossy(f)).collect();
    let closure = process(roots, loader).map_err(|p| refuse(&files[0], p))?;
    Ok(vec![Audit::of(PathBuf::from(label.join(" ")), true, closure, unseen)])
}

/// The audit of a wheel: its ELF members as one process, reported by
/// their paths inside it (issue 32 §5).
fn audit_wheel(path: &Path, loader: &Loader, tmp: &Path) -> Result<Audit, String> {
    let unpacked = wheel::unpack(path, tmp)?;
    let root = unpacked.dir.path().to_path_buf();
    let mut a = match audit(std::slice::from_ref(&root), loader, tmp) {
        Ok(mut audits) => audits.remove(0),
        Err(e) => return Err(e.to_string()),
    };
    // Read now: the files go with the directory.
    a.files = (0..a.closure.objects.len()).map(|i| a.object_file(i)).collect();
    let inside = |p: &Path| p.strip_prefix(&root).map(Path::to_path_buf).unwrap_or_else(|_| p.to_path_buf());
    for o in &mut a.closure.objects {
        o.path = inside(&o.path);
        o.plugin_of = o.plugin_of.as_deref().map(|_| PathBuf::from(""));
    }
    for u in &mut a.unseen {
        u.path = inside(&u.path);
    }
    a.unseen.extend(unpacked.unseen);
    a.file = path.to_path_buf();
    Ok(a)
}

/// A path in a report: every byte kept, escaped (`text::escaped`), so two
/// different paths never read as one.
pub(crate) fn lossy(p: &Path) -> String {
    crate::text::escaped(p)
}

/// The audit for people.
pub fn text(audits: &[Audit]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for a in audits {
        let objects = &a.closure.objects;
        let whose = if a.process { "in one process" } else { "in its closure" };
        let _ = writeln!(out, "{}: {} objects {whose}", lossy(&a.file), objects.len());
        for o in objects {
            let by =
                o.loader.map(|l| format!(" (needed by {})", lossy(&objects[l].path))).unwrap_or_default();
            let _ = writeln!(out, "  {}{by}", lossy(&o.path));
            if let Some(e) = &o.facts.note_error {
                let _ = writeln!(out, "    unreadable solink note: {e}");
            }
            let i = objects.iter().position(|p| std::ptr::eq(p, o)).unwrap_or_default();
            for (k, e) in o.facts.entries.iter().enumerate() {
                let r = a
                    .reach
                    .get(i)
                    .and_then(|r| r.get(k))
                    .cloned()
                    .unwrap_or(Reach::Unknown(Unknown::NoDynsym));
                let _ = writeln!(
                    out,
                    "    embeds {} (-l{}) sha256:{} {} ({}), {} members: {}",
                    e.file,
                    e.library,
                    e.digest,
                    r.word(),
                    r.detail(),
                    e.members.len(),
                    e.members.join(" ")
                );
                let _ = writeln!(out, "      {}; {}", identity_phrase(e), bytes_phrase(e.sizes));
            }
        }
        for (i, name) in &a.closure.missing {
            let _ = writeln!(out, "  {name}: not found (needed by {})", lossy(&objects[*i].path));
        }
        for d in &a.duplicates {
            let _ = writeln!(
                out,
                "  {}: -l{} is embedded in {} objects of this process ({}){}:",
                if d.private() { "private copies" } else { "duplicate" },
                d.library,
                d.copies.len(),
                if d.same_digest { "same digest" } else { "different digests: different builds" },
                if d.private() { "; each keeps its own code and state" } else { "" }
            );
            for c in &d.copies {
                let _ = writeln!(
                    out,
                    "    {} ({}, {}: {})",
                    lossy(&objects[c.object].path),
                    c.file,
                    c.reach.word(),
                    c.reach.detail()
                );
            }
        }
        for d in &a.symbol_copies {
            let (x, y) = d.objects;
            let more = if d.shared > d.examples.len() { ", ..." } else { "" };
            let _ = write!(
                out,
                "  probable double copy: {} and {} both define {} global symbols ({}{more})",
                lossy(&objects[x].path),
                lossy(&objects[y].path),
                d.shared,
                d.examples.join(", ")
            );
            for o in [x, y] {
                let files: Vec<&str> =
                    d.archives.iter().filter(|(i, _)| *i == o).map(|(_, f)| f.as_str()).collect();
                if !files.is_empty() {
                    let _ =
                        write!(out, "; by its note {} embeds {}", lossy(&objects[o].path), files.join(", "));
                }
            }
            out.push('\n');
        }
        for t in &a.cuda {
            let how = runtimes::known(runtimes::Runtime::Cudart).how(t.how);
            let needs: Vec<String> =
                t.needed_by.iter().map(|(i, n)| format!("{} needs {n}", lossy(&objects[*i].path))).collect();
            let _ = writeln!(
                out,
                "  two CUDA runtimes: {} embeds the static one ({how}) while {}",
                lossy(&objects[t.embeds].path),
                needs.join(", ")
            );
        }
        if !a.openmp.is_empty() {
            let each: Vec<String> = a
                .openmp
                .iter()
                .map(|r| {
                    let how = runtimes::known(r.runtime).how(r.how);
                    let what = match r.how {
                        runtimes::Evidence::Name => format!("{}, {how}", r.runtime.word()),
                        _ => format!("{}, embedded: {how}", r.runtime.word()),
                    };
                    let needs: Vec<String> = r
                        .needed_by
                        .iter()
                        .map(|(i, n)| format!("{} needs {n}", lossy(&objects[*i].path)))
                        .collect();
                    let needs =
                        if needs.is_empty() { String::new() } else { format!(": {}", needs.join(", ")) };
                    format!("{} ({what}){needs}", lossy(&objects[r.object].path))
                })
                .collect();
            let _ = writeln!(
                out,
                "  {} OpenMP runtimes in one process: {}",
                runtimes::count_word(a.openmp.len()),
                each.join("; ")
            );
        }
        for u in &a.unseen {
            let _ = writeln!(out, "  not seen: {}: {}", lossy(&u.path), u.why.text());
        }
        if !a.found() && a.duplicates.is_empty() {
            let _ = writeln!(
                out,
                "  no archive is embedded twice{}",
                if a.incomplete() { " in what could be read" } else { "" }
            );
        }
        if a.incomplete() {
            let _ = writeln!(
                out,
                "  incomplete: {} {} could not be seen (exit status {INCOMPLETE})",
                a.unseen.len(),
                if a.unseen.len() == 1 { "file or directory" } else { "files or directories" }
            );
        }
    }
    out
}

/// An entry's package identity for people: its purl, or that it has none.
fn identity_phrase(e: &Entry) -> String {
    match &e.purl {
        Some(p) => p.clone(),
        None => "no package identity (no .pc names it: the project's own code)".to_string(),
    }
}

/// What an entry's members add, for people: `adds 1234 bytes (code 1000,
/// data 200, bss 34)`.
fn bytes_phrase(sizes: Option<crate::formats::symbols::Sizes>) -> String {
    match sizes {
        Some(z) => format!("adds {} bytes (code {}, data {}, bss {})", z.total(), z.code, z.data, z.bss),
        None => "its size is not recorded (a format-1 note)".to_string(),
    }
}

/// An entry's sizes for tools: `{"code", "data", "bss", "total"}`, or
/// null when the note does not record them (format 1).
fn bytes_json(sizes: Option<crate::formats::symbols::Sizes>) -> serde_json::Value {
    match sizes {
        Some(z) => serde_json::json!({"code": z.code, "data": z.data, "bss": z.bss, "total": z.total()}),
        None => serde_json::Value::Null,
    }
}

/// The audit for tools: one JSON document.
pub fn json(audits: &[Audit]) -> serde_json::Value {
    use serde_json::json;
    let files: Vec<_> = audits
        .iter()
        .map(|a| {
            let objects = &a.closure.objects;
            json!({
                "file": lossy(&a.file),
                "process": a.process,
                "objects": objects.iter().map(|o| json!({
                    "path": lossy(&o.path),
                    "needed_by": o.loader.map(|l| lossy(&objects[l].path)),
                    "note_error": o.facts.note_error,
                    "embeds": o.facts.entries.iter().enumerate().map(|(k, e)| {
                        let r = reach_of(a, o, k);
                        json!({
                            "library": e.library,
                            "file": e.file,
                            "sha256": e.digest.hex(),
                            "members": e.members,
                            "symbols": r.word(),
                            "interposing": match &r { Reach::Interposable(n) => n.clone(), _ => Vec::new() },
                            "hide": e.hidden,
                            "export_by_name": e.exported,
                            "version": e.version,
                            "purl": e.purl,
                            "bytes": bytes_json(e.sizes),
                        })
                    }).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "missing": a.closure.missing.iter().map(|(i, n)| json!({
                    "name": n,
                    "needed_by": lossy(&objects[*i].path),
                })).collect::<Vec<_>>(),
                "duplicates": a.duplicates.iter().map(|d| json!({
                    "library": d.library,
                    "same_digest": d.same_digest,
                    "private": d.private(),
                    "copies": d.copies.iter().map(|c| json!({
                        "object": lossy(&objects[c.object].path),
                        "file": c.file,
                        "sha256": c.digest.hex(),
                        "symbols": c.reach.word(),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "unseen": unseen_json(&a.unseen),
                "complete": !a.incomplete(),
                "symbol_copies": a.symbol_copies.iter().map(|d| json!({
                    "objects": [lossy(&objects[d.objects.0].path), lossy(&objects[d.objects.1].path)],
                    "shared_symbols": d.shared,
                    "examples": d.examples,
                    "archives": d.archives.iter().map(|(o, f)| json!({
                        "object": lossy(&objects[*o].path),
                        "file": f,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "cuda_runtimes": a.cuda.iter().map(|t| json!({
                    "static": lossy(&objects[t.embeds].path),
                    "evidence": t.how.word(),
                    "needed_by": t.needed_by.iter().map(|(i, n)| json!({
                        "object": lossy(&objects[*i].path),
                        "name": n,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "openmp_runtimes": a.openmp.iter().map(|r| json!({
                    "object": lossy(&objects[r.object].path),
                    "runtime": r.runtime.word(),
                    "evidence": r.how.word(),
                    "needed_by": r.needed_by.iter().map(|(i, n)| json!({
                        "object": lossy(&objects[*i].path),
                        "name": n,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "duplicates_found": audits.iter().any(Audit::found),
        "complete": !audits.iter().any(Audit::incomplete),
        "files": files,
    })
}

/// The version of `--audit`'s JSON: 2 since issue 32 replaced `hidden`,
/// `exported` and `exports` (three words for two meanings) with `symbols`
/// (`interposable`, `private`, `unknown`), `hide` and `export_by_name`.
pub const JSON_VERSION: u32 = 2;

/// The reach of entry `k` of object `o` in `a`.
pub(crate) fn reach_of(a: &Audit, o: &Object, k: usize) -> Reach {
    let i = a.closure.objects.iter().position(|p| std::ptr::eq(p, o)).unwrap_or_default();
    a.reach.get(i).and_then(|r| r.get(k)).cloned().unwrap_or(Reach::Unknown(Unknown::NoDynsym))
}

/// What was not seen, for tools: `[{"path", "kind", "problem"}]`.
pub fn unseen_json(unseen: &[Unseen]) -> serde_json::Value {
    unseen
        .iter()
        .map(|u| serde_json::json!({"path": lossy(&u.path), "kind": u.why.word(), "problem": u.why.text()}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::archive::ElfId;
    use object::elf;

    fn entry(library: &str, digest: u8, hidden: bool) -> Entry {
        Entry {
            library: library.into(),
            file: format!("lib{library}.a"),
            digest: Digest([digest; 32]),
            members: vec!["m.o".into()],
            hidden,
            exported: false,
            private: false,
            version: None,
            purl: None,
            sizes: None,
            symbols: Some(crate::formats::provenance::Symbols {
                names: vec![format!("{library}_get")],
                cut: false,
            }),
        }
    }

    fn closure_of(entries: Vec<Vec<Entry>>) -> Closure {
        Closure {
            objects: entries
                .into_iter()
                .enumerate()
                .map(|(i, entries)| Object {
                    path: PathBuf::from(format!("o{i}")),
                    loader: i.checked_sub(1),
                    plugin_of: None,
                    facts: ElfFacts { entries, ..Default::default() },
                })
                .collect(),
            missing: Vec::new(),
            work: Work::default(),
        }
    }

    /// `check(entries per object, expected (library, same digest, objects))`.
    fn check(entries: Vec<Vec<Entry>>, expected: &[(&str, bool, &[usize])]) {
        let reach: Vec<Vec<Reach>> =
            entries.iter().map(|o| o.iter().map(|_| Reach::Private).collect()).collect();
        let got = duplicates(&closure_of(entries), &reach);
        let got: Vec<(String, bool, Vec<usize>)> = got
            .iter()
            .map(|d| (d.library.clone(), d.same_digest, d.copies.iter().map(|c| c.object).collect()))
            .collect();
        let want: Vec<(String, bool, Vec<usize>)> =
            expected.iter().map(|(l, s, o)| (l.to_string(), *s, o.to_vec())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn duplicate_rules() {
        check(vec![vec![entry("foo", 1, false)], vec![entry("foo", 1, false)]], &[("foo", true, &[0, 1])]);
        check(vec![vec![entry("foo", 1, false)], vec![entry("foo", 2, true)]], &[("foo", false, &[0, 1])]);
        // The same bytes under another name are the same archive.
        check(vec![vec![entry("foo", 1, false)], vec![entry("bar", 1, false)]], &[("foo", true, &[0, 1])]);
        check(vec![vec![entry("foo", 1, false)], vec![entry("bar", 2, false)]], &[]);
        check(vec![vec![entry("foo", 1, false), entry("foo", 1, false)], vec![]], &[]);
        check(
            vec![vec![], vec![entry("foo", 1, false)], vec![entry("foo", 1, true)]],
            &[("foo", true, &[1, 2])],
        );
        check(
            vec![
                vec![entry("a", 1, false)],
                vec![entry("b", 2, false), entry("a", 1, false)],
                vec![entry("b", 2, false)],
            ],
            &[("a", true, &[0, 1]), ("b", true, &[1, 2])],
        );
    }

    /// Issue 32 §1: a copy's reach is what the object's `.dynsym` shows
    /// of the globals its note records, whatever `--hide` said.
    #[test]
    fn reach_is_read_from_the_dynamic_symbols() {
        let names = |n: &[&str]| n.iter().map(|s| s.as_bytes().to_vec()).collect::<Vec<_>>();
        let with = |symbols: Option<(&[&str], bool)>| Entry {
            symbols: symbols.map(|(n, cut)| crate::formats::provenance::Symbols {
                names: n.iter().map(|s| s.to_string()).collect(),
                cut,
            }),
            ..entry("foo", 1, true)
        };
        let check = |e: Entry, visible: Option<&[&str]>, want: Reach| {
            let v = visible.map(names);
            assert_eq!(reach(&e, v.as_deref()), want, "{e:?} {visible:?}");
        };
        let foo: &[&str] = &["foo_a", "foo_b", "foo_c", "foo_d"];
        check(
            with(Some((foo, false))),
            Some(&["bar", "foo_b", "foo_d"]),
            Reach::Interposable(vec!["foo_b".into(), "foo_d".into()]),
        );
        check(
            with(Some((foo, false))),
            Some(foo),
            Reach::Interposable(vec!["foo_a".into(), "foo_b".into(), "foo_c".into()]),
        );
        check(with(Some((foo, false))), Some(&["bar"]), Reach::Private);
        check(with(Some((&[], false))), Some(&["bar"]), Reach::Private);
        check(with(Some((foo, true))), Some(&["bar"]), Reach::Unknown(Unknown::NotAllRecorded));
        check(with(Some((foo, true))), Some(&["foo_c"]), Reach::Interposable(vec!["foo_c".into()]));
        check(with(None), Some(foo), Reach::Unknown(Unknown::OldNote));
        check(with(Some((foo, false))), None, Reach::Unknown(Unknown::NoDynsym));
    }

    /// Two private copies are reported and are no finding; one that can
    /// interpose is (issue 32 §1).
    #[test]
    fn only_copies_that_can_interpose_are_a_finding() {
        let c = closure_of(vec![vec![entry("foo", 1, false)], vec![entry("foo", 1, true)]]);
        let audit = |reach: [Reach; 2]| {
            let reach: Vec<Vec<Reach>> = reach.into_iter().map(|r| vec![r]).collect();
            let d = duplicates(&c, &reach);
            Audit {
                file: PathBuf::from("o0"),
                process: false,
                closure: c.clone(),
                duplicates: d,
                symbol_copies: Vec::new(),
                cuda: Vec::new(),
                openmp: Vec::new(),
                reach,
                unseen: Vec::new(),
                files: Vec::new(),
            }
        };
        let private = audit([Reach::Private, Reach::Private]);
        assert!(private.duplicates[0].private() && !private.found());
        assert_eq!(status(&[private]), 0);
        let one = audit([Reach::Private, Reach::Interposable(vec!["foo_get".into()])]);
        assert!(one.found());
        assert_eq!(status(&[one]), 1);
        let unknown = audit([Reach::Private, Reach::Unknown(Unknown::OldNote)]);
        assert!(unknown.found(), "what cannot be told is not private");
        let mut unseen = audit([Reach::Private, Reach::Private]);
        unseen.unseen.push(Unseen { path: PathBuf::from("d"), why: Why::TooDeep });
        assert_eq!(status(&[unseen]), INCOMPLETE);
    }

    #[test]
    fn origin_tokens() {
        let o = Path::new("/opt/x/lib");
        let e = |s: &str| expand_tokens(s.as_bytes(), o).map(|v| String::from_utf8(v).unwrap());
        assert_eq!(e("$ORIGIN/../lib").as_deref(), Some("/opt/x/lib/../lib"));
        assert_eq!(e("${ORIGIN}/a:b").as_deref(), Some("/opt/x/lib/a:b"));
        assert_eq!(e("/usr/lib").as_deref(), Some("/usr/lib"));
        assert_eq!(e("/usr/$LIB"), None);
        assert_eq!(e("$ORIGINAL"), None, "not a token: glibc's is_dst wants a / or the end after it");
        assert_eq!(
            expand_path_list(b"$ORIGIN::/x:$PLATFORM/y", o),
            [PathBuf::from("/opt/x/lib"), PathBuf::from("."), PathBuf::from("/x")]
        );
        assert_eq!(split_search_path(OsStr::new("/a;/b::/c")), ["/a", "/b", ".", "/c"].map(PathBuf::from));
    }

    /// Issue 22 §7: each directory is asked once, each name once per
    /// search list, and no candidate is opened that its directory's
    /// listing does not hold.
    #[test]
    fn the_search_asks_each_directory_once() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir(&real).unwrap();
        std::fs::write(real.join("libnot-elf.so"), "text").unwrap();
        let mut rpath: Vec<u8> = Vec::new();
        for i in 0..300 {
            rpath.extend_from_slice(format!("/nonexistent/solink/{i}:").as_bytes());
        }
        // The same real directory under two spellings is listed once.
        std::os::unix::fs::symlink(&real, dir.path().join("link")).unwrap();
        for spelling in [real.clone(), dir.path().join("link")] {
            rpath.extend_from_slice(spelling.as_os_str().as_bytes());
            rpath.push(b':');
        }
        rpath.pop();
        let needed: Vec<Vec<u8>> = (0..500).map(|i| format!("libm{i}.so").into_bytes()).collect();
        let facts = |needed: Vec<Vec<u8>>| ElfFacts {
            id: Some(ElfId { class64: true, machine: elf::EM_X86_64 }),
            needed,
            rpath: Some(rpath.clone()),
            ..Default::default()
        };
        let mut twice = needed.clone();
        twice.extend(needed.iter().cloned());
        twice.push(b"libnot-elf.so".to_vec());
        let roots = vec![(PathBuf::from("/nonexistent/prog"), facts(twice), None)];
        let c = process(roots, &Loader::default()).unwrap();
        assert_eq!(c.missing.len(), 1001);
        assert_eq!(c.work, Work { dirs: 302, listings: 1, opens: 1 });
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"*.conf", b"libc.conf"));
        assert!(glob_match(b"x?.conf", b"x1.conf"));
        assert!(!glob_match(b"*.conf", b"libc.conf~"));
        assert!(!glob_match(b"x?.conf", b"x.conf"));
    }

    #[test]
    fn ld_so_conf_with_includes_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("conf.d")).unwrap();
        std::fs::write(
            d.join("ld.so.conf"),
            "# comment\ninclude conf.d/*.conf\n/opt/first # trailing\nhwcap 0 nosegneg\nrelative/ignored\n",
        )
        .unwrap();
        std::fs::write(d.join("conf.d/b.conf"), "/b1\n  /b2//  \n/\n").unwrap();
        std::fs::write(d.join("conf.d/a.conf"), "/a1\n/a2\n/opt/first\n").unwrap();
        std::fs::write(d.join("conf.d/skip.txt"), "/never\n").unwrap();
        // A file that includes itself stops at the depth bound.
        std::fs::write(
            d.join("conf.d/loop.conf"),
            format!("include {}\n/loop\n", d.join("conf.d/loop.conf").display()),
        )
        .unwrap();
        let dirs = read_ld_so_conf(&d.join("ld.so.conf"));
        assert_eq!(dirs, ["/a1", "/a2", "/opt/first", "/b1", "/b2", "/", "/loop"].map(PathBuf::from));
        assert!(read_ld_so_conf(&d.join("missing")).is_empty());
    }
}

//! The loader's search, remembering what it has learnt (issue 22 §7).
//!
//! glibc asks each directory of a search path once: `fillin_rpath` drops
//! a directory already in the list and `open_path` marks one that does not
//! exist (`dirstatus`) so that no later name tries it again. The audit did
//! neither: a file with 2000 missing `DT_NEEDED` names and 1000 `DT_RPATH`
//! directories cost two million failed opens, 12 s for an 85 KB file.
//! Here every directory spelling is `stat`ed once, every real directory
//! (by device and inode) is listed once, and a candidate is opened only
//! when its directory's listing holds its name; a name already looked for
//! on a search list is not looked for again. The work is then the sum of
//! the names, the directories and the listings, not their product.
// `--audit` reads what the loader would, not the inputs of a link.
#![allow(clippy::disallowed_methods)]

use foldhash::{HashMap, HashSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::{expand_path_list, expand_tokens, read_elf, ElfFacts, Loader, Object};
use crate::formats::archive::ElfId;

/// A directory with more entries than this is not listed: each name is
/// tried in it by `open`, as the loader does (a listing that large costs
/// more than the opens it saves).
const MAX_LISTING: usize = 1 << 16;

/// What the search has asked the file system, and what it answered.
#[derive(Debug, Default)]
pub struct Search {
    /// Each directory as spelt in a search path: which real directory it
    /// is, or `None` when it does not exist or is no directory.
    spellings: HashMap<PathBuf, Option<usize>>,
    /// The real directories, by device and inode.
    by_id: HashMap<(u64, u64), usize>,
    /// Each real directory's names, or `None` when it could not be listed
    /// (searchable but not readable) or has more than [`MAX_LISTING`].
    listings: Vec<Option<HashSet<Vec<u8>>>>,
    /// Each object's search list (spelling, real directory), built once.
    lists: HashMap<usize, usize>,
    interned: Vec<Vec<(PathBuf, usize)>>,
    list_ids: HashMap<Vec<usize>, usize>,
    /// Names a list was searched for and did not have.
    missing: HashSet<(usize, Vec<u8>)>,
    /// Candidates read and refused (not ELF, another class or machine).
    refused: HashSet<PathBuf>,
    /// Each object's `$ORIGIN`, computed once.
    origins: HashMap<usize, PathBuf>,
    pub work: Work,
}

/// What the search cost, counted (tests hold it linear; nothing is timed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// Directory spellings `stat`ed.
    pub dirs: usize,
    /// Directories listed.
    pub listings: usize,
    /// Candidate files opened.
    pub opens: usize,
}

impl Search {
    /// Finds `name`, needed by object `requester`, in glibc's order (see
    /// [`Search::list`]). A file of another ELF class or machine is skipped,
    /// as ld.so skips it ("wrong ELF class").
    pub fn find(
        &mut self,
        name: &[u8],
        requester: usize,
        objects: &[Object],
        loader: &Loader,
        target: Option<ElfId>,
    ) -> Option<(PathBuf, ElfFacts)> {
        if name.contains(&b'/') {
            let origin = self.origin(objects, requester);
            let expanded = expand_tokens(name, &origin)?;
            return self.try_path(PathBuf::from(OsStr::from_bytes(&expanded)), target);
        }
        let list = self.list(requester, objects, loader);
        if self.missing.contains(&(list, name.to_vec())) {
            return None;
        }
        for k in 0..self.interned[list].len() {
            let (spelling, dir) = &self.interned[list][k];
            if self.listings[*dir].as_ref().is_some_and(|names| !names.contains(name)) {
                continue;
            }
            let path = spelling.join(OsStr::from_bytes(name));
            if let Some(found) = self.try_path(path, target) {
                return Some(found);
            }
        }
        self.missing.insert((list, name.to_vec()));
        None
    }

    fn try_path(&mut self, path: PathBuf, target: Option<ElfId>) -> Option<(PathBuf, ElfFacts)> {
        if self.refused.contains(&path) {
            return None;
        }
        self.work.opens += 1;
        match read_elf(&path) {
            Ok(facts) if facts.id == target => Some((path, facts)),
            _ => {
                self.refused.insert(path);
                None
            }
        }
    }

    /// The existing directories object `requester` searches, in order,
    /// each real directory once: the DT_RPATHs of the requester and of its
    /// loaders up to the first object, then the first object's if the
    /// chain did not reach it (an object `dlopen`ed has no loader, and
    /// glibc's `_dl_map_object` tries the executable's DT_RPATH for it
    /// too); all that only while the requester has no DT_RUNPATH, and each
    /// only if that object has none; `LD_LIBRARY_PATH`; the requester's own
    /// DT_RUNPATH; the `ld.so.conf` directories, then the default ones
    /// (these two skipped under `-z nodeflib`).
    fn list(&mut self, requester: usize, objects: &[Object], loader: &Loader) -> usize {
        if let Some(&id) = self.lists.get(&requester) {
            return id;
        }
        let req = &objects[requester].facts;
        let mut dirs: Vec<PathBuf> = Vec::new();
        if req.runpath.is_none() {
            let mut chain = Vec::new();
            let mut at = Some(requester);
            while let Some(k) = at {
                if chain.contains(&k) {
                    break;
                }
                chain.push(k);
                at = objects[k].loader;
            }
            if !chain.contains(&0) && !objects.is_empty() && objects[0].facts.executable {
                chain.push(0);
            }
            for k in chain {
                let o = &objects[k].facts;
                if let (Some(rpath), None) = (&o.rpath, &o.runpath) {
                    let origin = self.origin(objects, k);
                    dirs.extend(expand_path_list(rpath, &origin));
                }
            }
        }
        dirs.extend(loader.library_path.iter().cloned());
        if let Some(runpath) = &req.runpath {
            let origin = self.origin(objects, requester);
            dirs.extend(expand_path_list(runpath, &origin));
        }
        if !req.nodeflib {
            dirs.extend(loader.conf_dirs.iter().cloned());
            dirs.extend(loader.default_dirs.iter().cloned());
        }
        let mut resolved: Vec<(PathBuf, usize)> = Vec::new();
        for d in dirs {
            if let Some(real) = self.directory(&d) {
                if !resolved.iter().any(|(_, r)| *r == real) {
                    resolved.push((d, real));
                }
            }
        }
        let key: Vec<usize> = resolved.iter().map(|(_, r)| *r).collect();
        // Two lists of the same directories under other spellings give
        // other paths (and so other `$ORIGIN`s): intern by both.
        let id = match self.list_ids.get(&key) {
            Some(&id) if self.interned[id] == resolved => id,
            _ => {
                self.interned.push(resolved);
                let id = self.interned.len() - 1;
                self.list_ids.insert(key, id);
                id
            }
        };
        self.lists.insert(requester, id);
        id
    }

    /// The real directory `spelling` names, asked once.
    fn directory(&mut self, spelling: &Path) -> Option<usize> {
        if let Some(known) = self.spellings.get(spelling) {
            return *known;
        }
        self.work.dirs += 1;
        let real = match std::fs::metadata(spelling) {
            Ok(m) if m.is_dir() => {
                let id = (m.dev(), m.ino());
                Some(match self.by_id.get(&id) {
                    Some(&r) => r,
                    None => {
                        self.work.listings += 1;
                        self.listings.push(listing(spelling));
                        self.by_id.insert(id, self.listings.len() - 1);
                        self.listings.len() - 1
                    }
                })
            }
            _ => None,
        };
        self.spellings.insert(spelling.to_path_buf(), real);
        real
    }

    fn origin(&mut self, objects: &[Object], k: usize) -> PathBuf {
        self.origins.entry(k).or_insert_with(|| super::origin(objects, k)).clone()
    }
}

/// The names in `dir`, or `None` when it cannot be listed or holds more
/// than [`MAX_LISTING`]: then every name is tried there by `open`.
fn listing(dir: &Path) -> Option<HashSet<Vec<u8>>> {
    let mut names = HashSet::default();
    for entry in std::fs::read_dir(dir).ok()? {
        names.insert(entry.ok()?.file_name().as_bytes().to_vec());
        if names.len() > MAX_LISTING {
            return None;
        }
    }
    Some(names)
}

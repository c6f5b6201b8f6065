//! The ordered search path for `libNAME.a`.
//!
//! The seed's order: (1) LIBSDIR entries, (2) every `-L` directory in
//! command-line order, (3) `WORKSPACE/test/lib`, (4) the driver's system
//! library directories. The system directories cost a process start to
//! learn, so they are asked for only when a lookup first reaches stage 4.

use foldhash::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::args::LibName;
use crate::fsx::{self, FileId};

use crate::probe::sysdirs::SystemDirs;

use crate::model::{Found, Stage};

/// Where the system directories come from.
enum System<'a> {
    Skipped,
    NotAsked(SystemDirs<'a>),
    Asked,
}

/// Whether a walk may reach stage 4 (and so ask the driver).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every stage, the system directories included.
    All,
    /// Stages 1 to 3 only: the walk never asks the driver.
    BeforeSystem,
}

/// Which directories a walk looks in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Look {
    Every,
    /// Only those ld itself searches.
    Ld,
}

/// Whether ld itself searches `dir`: the `-L` dirs and its own, never
/// LIBSDIR or the workspace.
fn ld_searches(dir: &Dir) -> bool {
    matches!(dir.stage, Stage::LDir | Stage::System)
}

/// After this many lookups in one directory, it is listed once and looked
/// up in memory from then on.
const PROBES_BEFORE_LISTING: u32 = 8;

/// One search directory. The cost model: a lookup is one `stat` while a
/// directory has seen few lookups (a small link touches a few names in
/// directories that may hold thousands of files, like
/// /usr/lib/x86_64-linux-gnu, where a listing costs more than a few stats);
/// once it has seen `PROBES_BEFORE_LISTING`, it is read once with
/// `readdir` and every further miss is a hash lookup. A hit is always
/// confirmed with one `stat` (it must be a regular file, symlinks followed).
struct Dir {
    path: PathBuf,
    stage: Stage,
    probes: u32,
    /// The directory's entries, once listed; `None` inside when it cannot
    /// be listed (then lookups stay stats: a directory may be searchable
    /// without being readable).
    listing: Option<Option<fsx::Listing>>,
}

impl Dir {
    fn new(path: PathBuf, stage: Stage) -> Dir {
        Dir { path, stage, probes: 0, listing: None }
    }

    fn lookup(&mut self, file: &OsStr) -> Option<(PathBuf, FileId)> {
        self.probes += 1;
        if self.listing.is_none() && self.probes > PROBES_BEFORE_LISTING {
            self.listing = Some(list(&self.path));
        }
        if let Some(Some(names)) = &self.listing {
            if !names.contains(file) {
                return None;
            }
        }
        regular(self.path.join(file))
    }
}

/// `path` with the identity its `stat` gives (symlinks followed), if it is
/// a regular file: the walk's one `stat` of a hit, handed on so the verdict
/// pack needs no second one.
fn regular(path: PathBuf) -> Option<(PathBuf, FileId)> {
    let meta = fsx::metadata(&path).ok().filter(std::fs::Metadata::is_file)?;
    Some((path, FileId::of(&meta)))
}

fn list(dir: &Path) -> Option<fsx::Listing> {
    fsx::list(dir).ok()
}

pub struct SearchPath<'a> {
    dirs: Vec<Dir>,
    system: System<'a>,
    memo: HashMap<OsString, Option<Found>>,
    /// Walks so far; past [`WALKS_BEFORE_INDEX`] the dirs are indexed.
    walks: u32,
    index: Option<Index>,
    /// Where each directory given to `ld_first_before` stands among ld's
    /// (`None`: not one of them), found once per directory: 10,000
    /// archives in 64 dirs compare the same few.
    stops: HashMap<OsString, Option<usize>>,
}

/// After this many walks, every directory is listed once into an
/// [`Index`]: a link of 10,000 `-l`s over 64 dirs otherwise hashes each
/// name once per directory (callgrind: 43% of solink's instructions).
const WALKS_BEFORE_INDEX: u32 = 64;

/// Which directories hold each name: one hash lookup per walk instead of
/// one per directory. Directories that cannot be listed are looked up with
/// a `stat` each, in their place.
#[derive(Default)]
struct Index {
    names: HashMap<OsString, Vec<u32>>,
    unlisted: Vec<u32>,
    /// Each listed directory's place, by its path as given.
    by_dir: HashMap<OsString, u32>,
    /// The directories indexed: `dirs[..covered]`.
    covered: usize,
}

impl Index {
    fn extend(&mut self, dirs: &[Dir]) {
        for (i, dir) in dirs.iter().enumerate().skip(self.covered) {
            match fsx::read_dir(&dir.path) {
                Ok(entries) => {
                    for name in entries.iter() {
                        self.names.entry(name.to_owned()).or_default().push(i as u32);
                    }
                    self.by_dir.entry(dir.path.as_os_str().to_owned()).or_insert(i as u32);
                }
                Err(_) => self.unlisted.push(i as u32),
            }
        }
        self.covered = dirs.len();
    }

    /// Whether directory `i` may hold `file`: it is listed there, or `i`
    /// could not be listed.
    fn may_hold(&self, file: &OsStr, i: usize) -> bool {
        let i = i as u32;
        self.names.get(file).is_some_and(|dirs| dirs.contains(&i)) || self.unlisted.contains(&i)
    }
}

impl<'a> SearchPath<'a> {
    /// Stages 1 to 3; `system` is asked at most once, when a lookup first
    /// gets past them (`None` skips stage 4).
    pub fn new(
        libsdir: &[PathBuf],
        lib_dirs: &[PathBuf],
        workspace: Option<&Path>,
        system: Option<SystemDirs<'a>>,
    ) -> SearchPath<'a> {
        let mut dirs: Vec<Dir> = Vec::new();
        dirs.extend(libsdir.iter().map(|d| Dir::new(d.clone(), Stage::LibsDir)));
        dirs.extend(lib_dirs.iter().map(|d| Dir::new(d.clone(), Stage::LDir)));
        dirs.extend(workspace.map(|w| Dir::new(w.join("test/lib"), Stage::Workspace)));
        let system = match system {
            Some(ask) => System::NotAsked(ask),
            None => System::Skipped,
        };
        SearchPath {
            dirs,
            system,
            memo: HashMap::default(),
            walks: 0,
            index: None,
            stops: HashMap::default(),
        }
    }

    /// The first directory, in search order, that holds a regular file
    /// named `file` (symlinks followed).
    pub fn find(&mut self, file: &OsStr) -> Option<Found> {
        if let Some(found) = self.memo.get(file) {
            return found.clone();
        }
        let found = self.find_where(file, Reach::All, &mut |_| true);
        self.memo.insert(file.to_owned(), found.clone());
        found
    }

    fn ask_system(&mut self) {
        if let System::NotAsked(_) = self.system {
            let System::NotAsked(ask) = std::mem::replace(&mut self.system, System::Asked) else {
                unreachable!()
            };
            self.dirs.extend(ask.dirs().into_iter().map(|d| Dir::new(d, Stage::System)));
            // A directory not found before may be one of the new ones.
            self.stops.clear();
            if let Some(index) = &mut self.index {
                index.extend(&self.dirs);
            }
        }
    }

    /// Walks the search order for files named `file`, calling `accept` on
    /// each that exists, and returns the first it accepts. With
    /// `Reach::BeforeSystem` the walk stops before stage 4 (and never asks
    /// the driver).
    pub fn find_where(
        &mut self,
        file: &OsStr,
        reach: Reach,
        accept: &mut dyn FnMut(&Found) -> bool,
    ) -> Option<Found> {
        self.walk(&[file], reach, Look::Every, None, &mut |f, _| accept(f))
    }

    /// [`SearchPath::find_where`], with each hit's identity as the walk's
    /// `stat` saw it.
    pub fn find_identified(
        &mut self,
        file: &OsStr,
        reach: Reach,
        accept: &mut dyn FnMut(&Found, FileId) -> bool,
    ) -> Option<Found> {
        self.walk(&[file], reach, Look::Every, None, accept)
    }

    /// What ld itself links for a dynamic `-lNAME` or `-l:FILE`: ld
    /// searches the `-L` directories and then its own (stage 4), never
    /// LIBSDIR or the workspace, and in each directory takes `libNAME.so`
    /// before `libNAME.a` (GNU ld manual, `-l namespec`). The first
    /// directory holding either decides.
    pub fn ld_pick(&mut self, lib: &LibName) -> Option<Found> {
        self.ld_pick_in(lib, Reach::All)
    }

    /// [`SearchPath::ld_pick`] among the `-L` dirs alone (`BeforeSystem`):
    /// never asks the driver nor looks in ld's own dirs, for a caller that
    /// wants only the user's libraries.
    pub fn ld_pick_in(&mut self, lib: &LibName, reach: Reach) -> Option<Found> {
        let names: Vec<OsString> = match lib {
            LibName::Name(n) => [".so", ".a"]
                .iter()
                .map(|ext| {
                    let mut f = OsString::from("lib");
                    f.push(n);
                    f.push(ext);
                    f
                })
                .collect(),
            LibName::Verbatim(f) => vec![f.clone()],
            // ld reads the file itself, searching nothing.
            LibName::Path(p) => {
                return fsx::is_file(p).then(|| Found { path: p.clone(), stage: Stage::Given });
            }
        };
        let names: Vec<&OsStr> = names.iter().map(OsString::as_os_str).collect();
        self.walk(&names, reach, Look::Ld, None, &mut |_, _| true)
    }

    /// What ld takes for `-lNAME` or `-l:FILE` after `-Bstatic`: the first
    /// `libNAME.a` (or `FILE`) of its `-L` directories and then its own
    /// (GNU ld manual, `-Bstatic`: "do not link against shared
    /// libraries").
    pub fn ld_pick_static(&mut self, lib: &LibName) -> Option<Found> {
        let name = match lib {
            LibName::Name(n) => crate::model::archive_file_name(n),
            LibName::Verbatim(f) => f.clone(),
            LibName::Path(_) => return self.ld_pick(lib),
        };
        self.walk(&[name.as_os_str()], Reach::All, Look::Ld, None, &mut |_, _| true)
    }

    /// The first `file` (a `libNAME.so`) in a directory ld searches (`-L`,
    /// then its own) strictly before `dir`: what ld would link instead of
    /// an archive found in `dir`. `None` when `dir` is not one of ld's.
    pub fn ld_first_before(&mut self, file: &OsStr, dir: &Path) -> Option<PathBuf> {
        self.walk(&[file], Reach::All, Look::Ld, Some(dir), &mut |_, _| true).map(|f| f.path)
    }

    /// Where `dir` stands among the directories ld searches, if it is one.
    fn stop_index(&mut self, dir: &Path) -> Option<usize> {
        if let Some(&at) = self.stops.get(dir.as_os_str()) {
            return at;
        }
        let at = self.dirs.iter().position(|d| ld_searches(d) && same_dir(&d.path, dir));
        self.stops.insert(dir.as_os_str().to_owned(), at);
        at
    }

    /// The one walk of the search order that every lookup above is: the
    /// directories in order (stage 4 asked for when the walk reaches it,
    /// unless `reach` stops before it), those `look` takes, and in each the
    /// first of `files` that is a regular file; the first such that
    /// `accept` takes. The walk ends at `stop`, a directory of ld's, when it
    /// reaches it. Once the walks are many, the directories are indexed and
    /// the walk visits only those that hold one of `files`, with the same
    /// answer (`the_index_answers_as_the_walk_does`).
    fn walk(
        &mut self,
        files: &[&OsStr],
        reach: Reach,
        look: Look,
        stop: Option<&Path>,
        accept: &mut dyn FnMut(&Found, FileId) -> bool,
    ) -> Option<Found> {
        self.walks += 1;
        if self.index.is_none() && self.walks > WALKS_BEFORE_INDEX {
            let mut index = Index::default();
            index.extend(&self.dirs);
            self.index = Some(index);
        }
        let mut from = 0;
        loop {
            let end = match reach {
                // Stage 4 comes last: the dirs before it are the rest.
                Reach::BeforeSystem => {
                    self.dirs.iter().rposition(|d| d.stage != Stage::System).map_or(0, |i| i + 1)
                }
                Reach::All => self.dirs.len(),
            };
            let stop_at = stop.and_then(|dir| self.stop_index(dir)).filter(|&i| i >= from);
            let until = stop_at.map_or(end, |i| i.min(end));
            for i in self.may_hold(files, from, until) {
                let dir = &self.dirs[i];
                if look == Look::Ld && !ld_searches(dir) {
                    continue;
                }
                if let Some((path, id)) = self.lookup_in(i, files) {
                    let found = Found { path, stage: self.dirs[i].stage };
                    if accept(&found, id) {
                        return Some(found);
                    }
                }
            }
            // Past the last directory: stage 4, asked now if it was not.
            if stop_at.is_some()
                || reach == Reach::BeforeSystem
                || !matches!(self.system, System::NotAsked(_))
            {
                return None;
            }
            from = self.dirs.len();
            self.ask_system();
        }
    }

    /// The directories in `from..until` that may hold one of `files`, in
    /// order: all of them until the dirs are indexed.
    fn may_hold(&self, files: &[&OsStr], from: usize, until: usize) -> Vec<usize> {
        let Some(index) = &self.index else {
            return (from..until).collect();
        };
        let listed = files.iter().flat_map(|f| index.names.get(*f).map(Vec::as_slice).unwrap_or_default());
        let mut out: Vec<usize> = listed
            .chain(&index.unlisted)
            .map(|&i| i as usize)
            .filter(|i| (from..until).contains(i))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The first of `files` in directory `i` that is a regular file.
    fn lookup_in(&mut self, i: usize, files: &[&OsStr]) -> Option<(PathBuf, FileId)> {
        match &self.index {
            Some(index) => {
                let dir = &self.dirs[i];
                files.iter().filter(|f| index.may_hold(f, i)).find_map(|f| regular(dir.path.join(f)))
            }
            None => files.iter().find_map(|f| self.dirs[i].lookup(f)),
        }
    }

    /// Whether `path`, a file in one of the search dirs, is a regular
    /// file: once the dirs are indexed, a name its directory's listing
    /// lacks is not, without a `stat` (10,000 archives each looked for
    /// their `_pic` variant with one).
    pub fn is_file(&self, path: &Path) -> bool {
        if let (Some(index), Some(dir), Some(name)) = (&self.index, path.parent(), path.file_name()) {
            if let Some(&i) = index.by_dir.get(dir.as_os_str()) {
                if !index.may_hold(name, i as usize) {
                    return false;
                }
            }
        }
        fsx::is_file(path)
    }

    /// Stage 4's directories (asked now if they were not yet): the closure
    /// check searches them as ld does.
    pub fn system_dirs(&mut self) -> Vec<PathBuf> {
        self.ask_system();
        self.dirs.iter().filter(|d| d.stage == Stage::System).map(|d| d.path.clone()).collect()
    }

    /// The directories ld itself searches, in its order: the `-L` dirs,
    /// then its own (asked now if they were not yet); never LIBSDIR or the
    /// workspace.
    pub fn ld_dirs(&mut self) -> Vec<PathBuf> {
        self.ask_system();
        self.dirs.iter().filter(|d| ld_searches(d)).map(|d| d.path.clone()).collect()
    }

    /// Whether ld's own directories are known at all (`--no-system-dirs`
    /// skips them): without them, "ld will not find it" cannot be said.
    pub fn knows_system(&self) -> bool {
        !matches!(self.system, System::Skipped)
    }

    /// Whether the system directories were asked for (for tests and explain).
    pub fn asked_system(&self) -> bool {
        matches!(self.system, System::Asked)
    }
}

/// Whether two spellings name the same directory as `Path` equality
/// says (by components: `-L/a/` is `/a`), with the bytes compared first:
/// on a link with thousands of archives the component walk was 9% of
/// solink's instructions (callgrind), and the bytes almost always decide.
fn same_dir(a: &Path, b: &Path) -> bool {
    fn trim(p: &Path) -> &[u8] {
        let bytes = p.as_os_str().as_bytes();
        let end = bytes.iter().rposition(|&c| c != b'/').map_or(bytes.len().min(1), |i| i + 1);
        &bytes[..end]
    }
    let (x, y) = (trim(a), trim(b));
    if x == y {
        return true;
    }
    // Only a `.` component or a doubled slash can make different bytes name
    // the same components.
    let odd = |p: &[u8]| p.windows(2).any(|w| w == b"//" || w == b"/.") || p.starts_with(b"./");
    (odd(x) || odd(y)) && a == b
}

/// Notes for `--explain` on search directories that cannot serve: missing,
/// not a directory, or unreadable. They are skipped, never an error: ld
/// ignores a bad `-L` too.
pub fn dir_notes(dirs: &[(PathBuf, Stage)]) -> Vec<String> {
    let mut notes = Vec::new();
    for (dir, stage) in dirs {
        let problem = match fsx::metadata(dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "does not exist",
            Err(_) => "cannot be reached",
            Ok(m) if !m.is_dir() => "is not a directory",
            Ok(_) if fsx::read_dir(dir).is_err() => "cannot be read",
            Ok(_) => continue,
        };
        notes.push(format!("the search directory {} ({stage}) {problem}; skipped", dir.display()));
    }
    notes
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests look at files freely
mod tests {
    use super::*;
    use std::fs;

    struct Tree(tempfile::TempDir);

    impl Tree {
        fn new(files: &[&str]) -> Tree {
            let t = Tree(tempfile::tempdir().unwrap());
            for f in files {
                let p = t.0.path().join(f);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, "").unwrap();
            }
            t
        }
        fn p(&self, rel: &str) -> PathBuf {
            self.0.path().join(rel)
        }
    }

    fn check(t: &Tree, file: &str, expected: Option<(&str, Stage)>) {
        let system = SystemDirs::listed(vec![t.p("sys")]);
        let mut s =
            SearchPath::new(&[t.p("libsdir")], &[t.p("L1"), t.p("L2")], Some(&t.p("ws")), Some(system));
        let got = s.find(OsStr::new(file));
        let want = expected.map(|(rel, stage)| Found { path: t.p(rel), stage });
        assert_eq!(got, want, "searching {file}");
        assert_eq!(s.find(OsStr::new(file)), want, "memoized answer for {file}");
        // Asked exactly when the walk got past stage 3.
        let reached_system = expected.map_or(true, |(_, stage)| stage == Stage::System);
        assert_eq!(s.asked_system(), reached_system, "system dirs asked for {file}");
    }

    #[test]
    fn search_order() {
        let t = Tree::new(&[
            "libsdir/liba.a",
            "L1/liba.a",
            "L1/libb.a",
            "L2/libb.a",
            "L2/libc.a",
            "ws/test/lib/libc.a",
            "ws/test/lib/libd.a",
            "sys/libd.a",
            "sys/libe.a",
            "L1/libf.so",
            "sys/libf.a",
        ]);
        check(&t, "liba.a", Some(("libsdir/liba.a", Stage::LibsDir)));
        check(&t, "libb.a", Some(("L1/libb.a", Stage::LDir)));
        check(&t, "libc.a", Some(("L2/libc.a", Stage::LDir)));
        check(&t, "libd.a", Some(("ws/test/lib/libd.a", Stage::Workspace)));
        check(&t, "libe.a", Some(("sys/libe.a", Stage::System)));
        // Only .a counts: a .so in an earlier directory does not stop the search.
        check(&t, "libf.a", Some(("sys/libf.a", Stage::System)));
        check(&t, "libnone.a", None);
    }

    #[test]
    fn many_lookups_list_a_directory_once_and_agree_with_stat() {
        let files: Vec<String> = (0..40).map(|i| format!("L1/lib{i}.a")).collect();
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let t = Tree::new(&refs);
        std::fs::create_dir(t.p("L1/libdir.a")).unwrap();
        let mut s = SearchPath::new(&[], &[t.p("L1")], None, None);
        for i in 0..80 {
            let name = format!("lib{i}.a");
            let want = (i < 40).then(|| Found { path: t.p(&format!("L1/{name}")), stage: Stage::LDir });
            assert_eq!(s.find_where(OsStr::new(&name), Reach::BeforeSystem, &mut |_| true), want, "{name}");
        }
        assert!(matches!(s.dirs[0].listing, Some(Some(_))), "listed after many lookups");
        assert_eq!(
            s.find_where(OsStr::new("libdir.a"), Reach::BeforeSystem, &mut |_| true),
            None,
            "a directory is not a file"
        );
    }

    #[test]
    fn system_dirs_are_asked_only_when_reached() {
        let t = Tree::new(&["L1/liba.a"]);
        let mut s = SearchPath::new(&[], &[t.p("L1")], None, Some(SystemDirs::listed(vec![t.p("sys")])));
        assert!(s.find(OsStr::new("liba.a")).is_some());
        assert!(!s.asked_system());
    }

    #[test]
    fn the_index_answers_as_the_walk_does() {
        let files: Vec<String> = (0..30)
            .flat_map(|i| [format!("L{}/lib{i}.a", i % 3), format!("L{}/lib{i}.a", (i + 1) % 3)])
            .chain((0..10).map(|i| format!("sys/libs{i}.a")))
            .chain((0..30).step_by(4).map(|i| format!("L{}/lib{i}.so", i % 3)))
            .chain((0..12).step_by(3).map(|i| format!("sys/libs{i}.so")))
            .collect();
        let refs: Vec<&str> = files.iter().map(String::as_str).collect();
        let t = Tree::new(&refs);
        std::fs::create_dir(t.p("L0/libdir.a")).unwrap();
        let dirs = [t.p("L0"), t.p("L1"), t.p("L2")];
        let queries: Vec<String> =
            (0..40).map(|i| format!("lib{i}.a")).chain((0..12).map(|i| format!("libs{i}.a"))).collect();
        let walk = |indexed: bool| {
            let system = t.p("sys");
            let mut s = SearchPath::new(&[], &dirs, None, Some(SystemDirs::listed(vec![system])));
            if indexed {
                s.walks = WALKS_BEFORE_INDEX;
            }
            let mut out = Vec::new();
            for q in queries.iter().chain(std::iter::once(&"libdir.a".to_string())) {
                if !indexed {
                    s.walks = 0; // never indexed: the per-directory walk
                }
                out.push(s.find_where(OsStr::new(q), Reach::BeforeSystem, &mut |_| true));
                // A walk that rejects the first hit goes on to the next.
                let mut first = true;
                out.push(s.find_where(OsStr::new(q), Reach::All, &mut |_| !std::mem::take(&mut first)));
                // ld's own walks: `.so` before `.a` in each dir, and the
                // first `.so` before a given dir.
                let name = LibName::Name(q.trim_start_matches("lib").trim_end_matches(".a").into());
                out.push(s.ld_pick_in(&name, Reach::BeforeSystem));
                out.push(s.ld_pick(&name));
                for dir in dirs.iter().chain([&t.p("sys"), &t.p("elsewhere")]) {
                    let so = q.replace(".a", ".so");
                    let before = s.ld_first_before(OsStr::new(&so), dir);
                    out.push(before.map(|path| Found { path, stage: Stage::System }));
                }
            }
            (out, s.index.is_some())
        };
        let (plain, plain_indexed) = walk(false);
        let (indexed, was_indexed) = walk(true);
        assert!(!plain_indexed && was_indexed);
        assert_eq!(indexed, plain);
    }

    #[test]
    fn ld_first_before_stops_at_the_dir_it_is_given() {
        let t = Tree::new(&["L0/libx.so", "L1/libx.a", "L2/libx.so"]);
        let mut s = SearchPath::new(&[t.p("W")], &[t.p("L0"), t.p("L1"), t.p("L2")], None, None);
        let x = OsStr::new("libx.so");
        assert_eq!(s.ld_first_before(x, &t.p("L0")), None, "nothing before the first -L dir");
        assert_eq!(s.ld_first_before(x, &t.p("L1/")), Some(t.p("L0/libx.so")));
        assert_eq!(s.ld_first_before(x, &t.p("L2")), Some(t.p("L0/libx.so")));
        // LIBSDIR is not one of ld's: the whole of ld's search is before it.
        assert_eq!(s.ld_first_before(x, &t.p("W")), Some(t.p("L0/libx.so")));
        let lib = LibName::Name("x".into());
        assert_eq!(s.ld_pick(&lib), Some(Found { path: t.p("L0/libx.so"), stage: Stage::LDir }));
    }

    #[test]
    fn same_dir_agrees_with_path_equality() {
        for (a, b) in [
            ("/a/b", "/a/b"),
            ("/a/b/", "/a/b"),
            ("/a//b", "/a/b"),
            ("/a/./b", "/a/b"),
            ("./L", "L"),
            ("/a/b", "/a/c"),
            ("/a/b", "/a/bc"),
            ("/", "/"),
            ("/", "//"),
            ("a", "/a"),
        ] {
            let (a, b) = (Path::new(a), Path::new(b));
            assert_eq!(same_dir(a, b), a == b, "{a:?} {b:?}");
        }
    }

    #[test]
    fn a_directory_named_like_an_archive_is_not_one() {
        let t = Tree::new(&["L1/liba.a/x"]);
        let mut s = SearchPath::new(&[], &[t.p("L1")], None, None);
        assert_eq!(s.find(OsStr::new("liba.a")), None);
    }
}

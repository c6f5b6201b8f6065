//! Probe: everything the file system says about a library, asked once.
//!
//! For a library the policy wants searched, the probe walks the search path
//! for the first compatible archive (the verdict of each candidate comes
//! through the store, `src/store/`, the cache's one owner), looks beside it
//! for Debian's `_pic` variant, follows a linker script to its inputs, and
//! looks for the shared twin. For an archive that will be embedded it
//! gathers the dependency facts. The policy (`policy/mod.rs`) then decides from
//! these facts alone.
//!
//! The probe asks only what a decision can use, so a small link costs few
//! system calls: the shared twin is looked for only when the archive is
//! unfit, and dependencies only for an archive that is embedded.

pub mod closure_facts;
pub mod deps;
pub mod dryrun;
pub mod inputs;
pub mod nvcc;
pub mod search;
pub mod sysdirs;
pub mod target;

use foldhash::HashMap;

use crate::fsx::{self, FileId};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::args::LibName;
use crate::formats::archive::{self, script, ElfId, Verdict};
use crate::formats::pkgconfig;
use crate::model::{self, Candidate, Dep, DepFacts, DynFacts, Found, LibFacts, ScriptInput, Stage};
use crate::model::{Flag, Note};
use crate::store::Store;
use search::{Reach, SearchPath};

pub struct Probe<'a> {
    search: SearchPath<'a>,
    target: ElfId,
    cache: Option<Store>,
    /// Keyed by the path's bytes: `Path`'s own hash walks components, which
    /// was 8% of a 10,000-archive link, and every path here is spelled by
    /// the same walk.
    verdicts: HashMap<OsString, Verdict>,
    /// The identity each file judged had when it was opened, so the
    /// provenance note finds an archive's cached digest without opening
    /// it again.
    ids: HashMap<OsString, FileId>,
    /// pkgconf's settings from the environment (`PKG_CONFIG_PATH`, ...).
    pkg_config: pkgconfig::Config,
    /// Whether each `.pc` directory exists, asked once: 10,000 embedded
    /// archives in 64 directories look in the same few.
    pc_dir_exists: HashMap<PathBuf, bool>,
    /// The closure check's digests and ld's system dirs, for this run.
    link: closure_facts::Memo,
    /// Big archives' SHA-256s, hashed beside the link from their verdict
    /// on, for the note (`store/digests.rs`).
    ahead: crate::store::Ahead,
    /// This link's verdicts in one cache entry.
    pack: Pack,
    /// `SOLINK_CROSS_CHECK` (tests): every closed answer of the closure
    /// check is compared with the whole check's.
    pub cross_check: bool,
    /// `--hermetic`: a `.pc` is looked for only in `PKG_CONFIG_PATH`,
    /// never beside the archive or in the system's directories, which a
    /// sandbox that shows only the declared inputs would not have.
    pub hermetic: bool,
    /// nvcc, when it is the driver: the closure check reads its host link.
    pub nvcc: Option<dryrun::Nvcc<'a>>,
    /// Each command's host link and its plan, asked of nvcc once.
    host_plans: HashMap<
        Vec<OsString>,
        Result<(crate::probe::nvcc::HostLink, crate::args::ld::Plan), crate::model::Unchecked>,
    >,
    /// The host link last planned.
    last_host: Option<(crate::probe::nvcc::HostLink, crate::args::ld::Plan)>,
}

impl<'a> Probe<'a> {
    pub fn new(
        search: SearchPath<'a>,
        target: ElfId,
        cache: Option<Store>,
        pkg_config: pkgconfig::Config,
    ) -> Probe<'a> {
        Probe {
            search,
            target,
            cache,
            verdicts: HashMap::default(),
            ids: HashMap::default(),
            pkg_config,
            pc_dir_exists: HashMap::default(),
            link: closure_facts::Memo::default(),
            ahead: crate::store::Ahead::default(),
            pack: Pack::default(),
            cross_check: false,
            hermetic: false,
            nvcc: None,
            host_plans: HashMap::default(),
            last_host: None,
        }
    }

    /// Keeps this link's verdicts in one cache entry under `key` (a digest
    /// of the link's command), read once and written when it changed.
    pub fn use_pack(&mut self, key: String) {
        self.pack.key = Some(key);
    }

    /// Writes the pack of this link's verdicts, when it changed.
    pub fn store_pack(&mut self) {
        if let Some(cache) = &self.cache {
            self.pack.store(cache);
        }
    }

    pub fn target(&self) -> ElfId {
        self.target
    }

    /// The facts about `lib`, searched for as `file`.
    pub fn library(&mut self, lib: &LibName, file: &OsStr) -> LibFacts {
        let mut notes = Vec::new();
        let Some(mut found) = self.first_compatible(file, &mut notes) else {
            return LibFacts { notes, candidate: None };
        };
        if let LibName::Name(n) = lib {
            if let Some(pic) = self.pic_variant(&found, n) {
                notes.push(Note::PrefersPic { pic: pic.path.clone(), over: found.path.clone() });
                found = pic;
            }
        }
        let verdict = self.verdict(&found.path);
        let script = match &verdict {
            Verdict::Script(inputs) => inputs.iter().map(|i| self.script_input(i)).collect(),
            _ => Vec::new(),
        };
        let shared = match lib {
            LibName::Name(n) if model::unfit(&verdict) => self.shared_twin(n),
            LibName::Verbatim(_) if model::may_need_twin(&verdict) => self.twin_beside(&found.path),
            _ => None,
        };
        let shadowed_by = match (lib, found.stage, found.path.parent()) {
            (LibName::Name(n), Stage::LDir | Stage::System, Some(dir)) => {
                self.search.ld_first_before(&model::shared_file_name(n), dir)
            }
            _ => None,
        };
        LibFacts { notes, candidate: Some(Candidate { found, verdict, script, shared, shadowed_by }) }
    }

    /// The facts about an archive named by its path: that very file, never
    /// searched for (ld reads it as given), and the shared twin beside it
    /// when it is unfit (issue 20 §1).
    pub fn given(&mut self, path: &Path) -> LibFacts {
        let found = Found { path: path.to_path_buf(), stage: Stage::Given };
        let verdict = self.verdict(path);
        let script = match &verdict {
            Verdict::Script(inputs) => inputs.iter().map(|i| self.script_input(i)).collect(),
            _ => Vec::new(),
        };
        let shared = if model::may_need_twin(&verdict) { self.twin_beside(path) } else { None };
        LibFacts {
            notes: Vec::new(),
            candidate: Some(Candidate { found, verdict, script, shared, shadowed_by: None }),
        }
    }

    /// The facts about the file ld itself takes for `lib` (issue 31: a
    /// static region, a program), found by ld's own search, statically
    /// (`static_`) or not; judged like an archive named by path, where it
    /// was found. A shared library ld takes is not an archive (`NotArchive`).
    pub fn taken(&mut self, lib: &LibName, static_: bool) -> LibFacts {
        let found = match static_ {
            true => self.search.ld_pick_static(lib),
            false => self.search.ld_pick(lib),
        };
        let Some(found) = found else { return LibFacts { notes: Vec::new(), candidate: None } };
        let verdict = match is_shared_name(&found.path) {
            true => Verdict::NotArchive,
            false => self.verdict(&found.path),
        };
        let script = match &verdict {
            Verdict::Script(inputs) => inputs.iter().map(|i| self.script_input(i)).collect(),
            _ => Vec::new(),
        };
        LibFacts {
            notes: Vec::new(),
            candidate: Some(Candidate { found, verdict, script, shared: None, shadowed_by: None }),
        }
    }

    /// `libNAME.so` where only solink searches (LIBSDIR, the workspace):
    /// the first one in the search order, when it is in one of those.
    pub fn shared_outside_ld(&mut self, name: &OsStr) -> Option<Found> {
        let found = self.search.find(&model::shared_file_name(name))?;
        matches!(found.stage, Stage::LibsDir | Stage::Workspace).then_some(found)
    }

    /// `dir` canonical, or as given when it cannot be resolved.
    pub fn canonical(&self, dir: &Path) -> PathBuf {
        fsx::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
    }

    /// Whether `dir` holds `libNAME.so` or `libNAME.a`.
    pub fn dir_holds(&self, dir: &Path, name: &OsStr) -> bool {
        [model::shared_file_name(name), model::archive_file_name(name)]
            .iter()
            .any(|f| self.search.is_file(&dir.join(f)))
    }

    /// The shared twin of an archive ld reads exactly (`DIR/libfoo.a` by
    /// path, or `-l:libfoo.a`): `DIR/libfoo.so`, beside it. Not one found
    /// elsewhere in the search path: the user chose that directory's
    /// library.
    pub fn twin_beside(&mut self, archive: &Path) -> Option<PathBuf> {
        let so = model::twin_path(archive)?;
        self.search.is_file(&so).then_some(so)
    }

    /// The shared twin that serves when `lib` (found at `found`) cannot
    /// be embedded: `libNAME.so` anywhere in the search path for a name,
    /// the one beside the file for a file named exactly.
    pub fn twin(&mut self, lib: &LibName, found: Option<&Found>) -> Option<PathBuf> {
        match lib {
            LibName::Name(n) => self.shared_twin(n),
            LibName::Verbatim(_) | LibName::Path(_) => self.twin_beside(&found?.path),
        }
    }

    /// The first `file` in search order whose objects suit the target;
    /// archives for another target are skipped, as ld skips them.
    fn first_compatible(&mut self, file: &OsStr, notes: &mut Vec<Note>) -> Option<Found> {
        let target = self.target;
        let (verdicts, ids, pack, ahead) =
            (&mut self.verdicts, &mut self.ids, &mut self.pack, &mut self.ahead);
        let cache = &self.cache;
        self.search.find_identified(file, Reach::All, &mut |f, id| {
            let memo = Memo {
                verdicts: &mut *verdicts,
                ids: &mut *ids,
                pack: &mut *pack,
                ahead: &mut *ahead,
                target,
            };
            let v = verdict_of(memo, cache.as_ref(), &f.path, Some(id));
            match model::incompatible(&v, target) {
                Some(id) => {
                    notes.push(Note::SkippedIncompatible { path: f.path.clone(), id });
                    false
                }
                None => true,
            }
        })
    }

    /// Debian's `libNAME_pic.a` beside `libNAME.a`, when it really is PIC.
    fn pic_variant(&mut self, found: &Found, name: &OsStr) -> Option<Found> {
        let mut file = OsString::from("lib");
        file.push(name);
        file.push("_pic.a");
        let path = found.path.parent()?.join(file);
        if !self.search.is_file(&path) {
            return None;
        }
        let verdict = self.verdict(&path);
        model::fit_for(&verdict, self.target).then_some(Found { path, stage: found.stage })
    }

    fn script_input(&mut self, input: &script::Input) -> ScriptInput {
        match input {
            script::Input::Lib(l) => ScriptInput::Lib(l.clone()),
            script::Input::File(f) if !fsx::is_file(f) => ScriptInput::Missing(f.clone()),
            script::Input::File(f) => ScriptInput::File(f.clone(), self.verdict(f)),
        }
    }

    /// `libNAME.so` anywhere in the search path.
    pub fn shared_twin(&mut self, name: &OsStr) -> Option<PathBuf> {
        self.search.find(&model::shared_file_name(name)).map(|f| f.path)
    }

    fn verdict(&mut self, path: &Path) -> Verdict {
        let memo = Memo {
            verdicts: &mut self.verdicts,
            ids: &mut self.ids,
            pack: &mut self.pack,
            ahead: &mut self.ahead,
            target: self.target,
        };
        verdict_of(memo, self.cache.as_ref(), path, None)
    }

    /// The identity `path` had when this run judged it, if it did.
    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.ids.get(path.as_os_str()).copied()
    }

    /// What an embedded archive needs: what `pkgconf --static --libs` says
    /// when there is a `.pc` for the library (libraries and flags), and the
    /// `DT_NEEDED` list of its shared twin, merged; with the file that says
    /// so. `None` when neither exists.
    pub fn deps(&mut self, name: &OsStr, found: &Found) -> Option<DepFacts> {
        let mut pc_dirs = self.pc_dirs(found);
        pc_dirs.retain(|d| *self.pc_dir_exists.entry(d.clone()).or_insert_with(|| fsx::is_dir(d)));
        let mut lib_name = OsString::from("lib");
        lib_name.push(name);
        let pc = [name, lib_name.as_os_str()].iter().find_map(|pkg| {
            let mut file = pkg.to_os_string();
            file.push(".pc");
            pc_dirs.iter().map(|d| d.join(&file)).find(|p| fsx::is_file(p))
        });
        let (mut pc_deps, mut flags, mut pc_error, mut version) = match &pc {
            Some(pc) => self.pkg_config(pc, name),
            None => (Vec::new(), Vec::new(), None, None),
        };
        // The package's own `-L${libdir}` is where the archive was found:
        // the embedded archive needs no search directory.
        let own_dir = std::cell::OnceCell::new();
        let own = || own_dir.get_or_init(|| found.path.parent().and_then(|d| fsx::canonicalize(d).ok()));
        let len = flags.len();
        flags.retain(|f| match (f, own()) {
            (Flag::Linker(words), Some(own)) if words.len() == 1 => !words[0]
                .as_bytes()
                .strip_prefix(b"-L")
                .and_then(|d| fsx::canonicalize(Path::new(OsStr::from_bytes(d))).ok())
                .is_some_and(|d| &d == own),
            _ => true,
        });
        let names_own_dir = flags.len() < len;
        let mut pc = pc;
        // An archive named by path takes a `.pc` only when that `.pc` names
        // this very file: it sits beside it (`DIR/pkgconfig`), or its
        // `-L${libdir}` is the archive's directory. A `libfoo.pc` on
        // `PKG_CONFIG_PATH` about another copy says nothing of this one.
        if found.stage == Stage::Given {
            let beside = pc.as_ref().and_then(|p| p.parent()).is_some_and(|d| {
                found
                    .path
                    .parent()
                    .is_some_and(|a| d == a.join("pkgconfig") || d == a.join("../share/pkgconfig"))
            });
            if !(beside || names_own_dir) {
                (pc, pc_deps, pc_error, version) = (None, Vec::new(), None, None);
                flags.clear();
            }
        }
        // The twin of an archive found before the system dirs is not looked
        // for in them: a system libNAME.so is another build's, and asking
        // the driver for its dirs only to read that costs a process on
        // every cold link (issue 19: ask only what the decision needs).
        let so = match found.stage {
            Stage::Given => self.twin_beside(&found.path).map(|path| Found { path, stage: Stage::Given }),
            Stage::System => self.search.find(&model::shared_file_name(name)),
            _ => self.search.find_where(&model::shared_file_name(name), Reach::BeforeSystem, &mut |_| true),
        };
        let package = pc.as_ref().map(|pc| crate::formats::provenance::Package {
            name: pc.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
            version: version.map(|v| String::from_utf8_lossy(&v).into_owned()),
        });
        let needed = so.as_ref().and_then(|so| deps::from_shared_object(&so.path));
        let deps = deps::merge(pc_deps, needed.clone().unwrap_or_default());
        let via = match (pc, so) {
            (Some(pc), _) => pc,
            (None, Some(so)) if needed.is_some() => so.path,
            _ => return None,
        };
        Some(DepFacts { deps, flags, via, pc_error, package })
    }

    /// `pkgconf --static --libs` for the package of `pc`, found first (its
    /// directory goes before `PKG_CONFIG_PATH`, so the name resolves to this
    /// very file); the packages it requires are found as pkgconf finds them.
    /// Last, the package's `Version`.
    fn pkg_config(&self, pc: &Path, name: &OsStr) -> (Vec<Dep>, Vec<Flag>, Option<String>, Option<Vec<u8>>) {
        let mut config = self.pkg_config.clone();
        if let Some(dir) = pc.parent() {
            config.path.insert(0, dir.as_os_str().as_bytes().to_vec());
        }
        let package = pc.file_stem().unwrap_or_default();
        match pkgconfig::static_libs_and_version(&config, package) {
            Ok((frags, version)) => {
                let (deps, flags) = deps::from_fragments(&frags, name);
                (deps, flags, None, version)
            }
            Err(e) => (Vec::new(), Vec::new(), Some(e.to_string()), None),
        }
    }

    /// Where the `.pc` of an archive may be: `PKG_CONFIG_PATH`, then beside
    /// the archive, then (for system archives) the system's pkgconfig dirs.
    fn pc_dirs(&self, found: &Found) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> =
            self.pkg_config.path.iter().map(|p| PathBuf::from(OsStr::from_bytes(p))).collect();
        if self.hermetic {
            return dirs;
        }
        if let Some(dir) = found.path.parent() {
            dirs.push(dir.join("pkgconfig"));
            dirs.push(dir.join("../share/pkgconfig"));
        }
        if found.stage == Stage::System {
            dirs.extend(
                ["/usr/share/pkgconfig", "/usr/lib/pkgconfig", "/usr/local/lib/pkgconfig"].map(PathBuf::from),
            );
        }
        dirs
    }

    /// How `dep` could link dynamically (see [`DynFacts`]). Runtime
    /// libraries are not searched for: the policy links them by name.
    pub fn dynamic(&mut self, dep: &Dep) -> DynFacts {
        match &dep.lib {
            LibName::Name(n) if model::is_runtime(n) => DynFacts::default(),
            LibName::Name(n) => {
                let shared = self.shared_twin(n).is_some();
                let file =
                    !shared && dep.runtime_file.as_ref().is_some_and(|f| self.search.find(f).is_some());
                DynFacts { shared, file }
            }
            LibName::Verbatim(f) => DynFacts { shared: false, file: self.search.find(f).is_some() },
            LibName::Path(_) => DynFacts::default(),
        }
    }

    /// Where ld itself finds a library that stays dynamic
    /// (`--rpath-dynamic`): the file, and its directory made canonical.
    /// Issue 13 §3: the `.note.solink` entries of the shared library ld
    /// links for `lib`, when it is one found in a `-L` directory. System
    /// libraries carry no note (solink does not build them), and skipping
    /// them keeps the warm path to a lookup. A file without a note, or one
    /// that cannot be read, carries nothing.
    pub fn carried_notes(
        &mut self,
        lib: &LibName,
    ) -> Option<(PathBuf, Vec<crate::formats::provenance::Entry>)> {
        let found = self.search.ld_pick_in(lib, Reach::BeforeSystem)?;
        if found.stage != Stage::LDir || !is_shared_name(&found.path) {
            return None;
        }
        let entries = crate::formats::provenance::read_notes(&found.path).unwrap_or_default();
        Some((found.path, entries))
    }

    /// The `.note.solink` entries of a shared library the command names by
    /// path; one without a note, or that cannot be read, carries nothing.
    pub fn notes_of(&self, path: &Path) -> Vec<crate::formats::provenance::Entry> {
        crate::formats::provenance::read_notes(path).unwrap_or_default()
    }

    /// The SHA-256 of an archive (the note's digest), from the cache when
    /// this run's identity of it has one, else the one hashed ahead since
    /// its verdict, else hashed now.
    pub fn archive_digest(&mut self, path: &Path) -> std::io::Result<crate::formats::provenance::Digest> {
        let known = self.file_id(path);
        crate::store::file_digest(path, known, self.cache.as_ref(), &mut self.ahead)
    }

    /// Issue 20 §7, for a `-lNAME` ld's own search will not find: the
    /// first of ld's directories that holds a versioned `libNAME.so.V`
    /// (NVIDIA's wheels ship only `libcudart.so.12`), with the shortest
    /// such name (the SONAME's, usually), which `-l:FILE` would find.
    pub fn versioned_only(&mut self, name: &OsStr) -> Option<(PathBuf, OsString)> {
        let mut prefix = model::shared_file_name(name).into_vec();
        prefix.push(b'.');
        for dir in self.search.ld_dirs() {
            let Ok(entries) = fsx::read_dir(&dir) else { continue };
            let best = entries
                .starting_with(&prefix)
                .filter(|f| f.as_bytes()[prefix.len()..].first().is_some_and(u8::is_ascii_digit))
                .filter(|f| fsx::is_file(&dir.join(f)))
                .min_by_key(|f| (f.len(), *f))
                .map(OsStr::to_os_string);
            if let Some(file) = best {
                return Some((dir, file));
            }
        }
        None
    }

    /// Issue 20 §6: where the loader can find the library ld links from
    /// `found` (canonical directory `dir`). ld records its `DT_SONAME` (or,
    /// without one, its file name) in `DT_NEEDED`, and the loader looks for
    /// a file of that name: in `dir` itself, else in the directory the file
    /// really is in (`links/libx.so -> ../real/libx.so.1`), canonical. The
    /// name, and the directory when one holds it.
    pub fn soname_dir(&mut self, found: &Path, dir: &Path) -> (OsString, Option<PathBuf>) {
        let name = match deps::soname_of(found) {
            Some(soname) => OsString::from_vec(soname),
            None => found.file_name().map(OsStr::to_os_string).unwrap_or_default(),
        };
        if name.is_empty() || name.as_bytes().contains(&b'/') {
            return (name, None);
        }
        if fsx::is_file(&dir.join(&name)) {
            return (name, Some(dir.to_path_buf()));
        }
        let target = fsx::canonicalize(found).ok().and_then(|t| t.parent().map(Path::to_path_buf));
        let served = target.filter(|t| fsx::is_file(&t.join(&name)));
        (name, served)
    }

    /// Whether ld's own directories are part of the search (see
    /// [`SearchPath::knows_system`]).
    pub fn knows_ld_dirs(&self) -> bool {
        self.search.knows_system()
    }

    pub fn ld_pick(&mut self, lib: &LibName) -> Option<(Found, PathBuf)> {
        let found = self.search.ld_pick(lib)?;
        let dir = found.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = fsx::canonicalize(&dir).unwrap_or(dir);
        Some((found, dir))
    }
}

/// `libx.so` or `libx.so.1`: a shared library by its name, as ld takes it.
fn is_shared_name(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    name.ends_with(".so") || name.contains(".so.")
}

/// One link's verdicts in one cache entry, so a warm link of many archives
/// `stat`s each once instead of opening it and its own entry (issue 12
/// §5: 10,000 `-l`s made 70,000 system calls). A verdict comes from the
/// pack only for a file whose `stat` gives the identity it was stored
/// under, and goes into it only with the `fstat` of the descriptor it was
/// judged from, as with the per-file entries: the pack gives their answer.
#[derive(Default)]
struct Pack {
    /// The cache key (a digest of the link's command), when packs are used.
    key: Option<String>,
    /// What the pack held, read at the first verdict asked for.
    loaded: Option<HashMap<FileId, Verdict>>,
    /// This run's verdicts that a cache keeps, by identity, each once.
    used: Vec<(FileId, Verdict)>,
    seen: foldhash::HashSet<FileId>,
    /// Whether `used` holds one the pack did not.
    changed: bool,
}

impl Pack {
    /// The packed verdict of `path`, by the identity a `stat` gives now
    /// (`stat`, when the search has just taken it).
    fn lookup(&mut self, cache: &Store, path: &Path, stat: Option<FileId>) -> Option<(FileId, Verdict)> {
        let key = self.key.as_ref()?;
        let loaded = self.loaded.get_or_insert_with(|| cache.get_pack(key));
        if loaded.is_empty() {
            return None;
        }
        let id = match stat {
            Some(id) => id,
            None => FileId::of(&fsx::metadata(path).ok().filter(std::fs::Metadata::is_file)?),
        };
        let verdict = loaded.get(&id)?.clone();
        if self.seen.insert(id) {
            self.used.push((id, verdict.clone()));
        }
        Some((id, verdict))
    }

    /// A verdict judged (or read from its own entry) this run.
    fn record(&mut self, id: FileId, verdict: &Verdict) {
        if self.key.is_some() && crate::store::keeps(verdict) && self.seen.insert(id) {
            self.used.push((id, verdict.clone()));
            self.changed = true;
        }
    }

    fn store(&mut self, cache: &Store) {
        if let (Some(key), true) = (&self.key, self.changed) {
            cache.put_pack(key, &self.used);
            self.changed = false;
        }
    }
}

/// What the probe keeps of the files it judged, lent to [`verdict_of`].
struct Memo<'p> {
    verdicts: &'p mut HashMap<OsString, Verdict>,
    ids: &'p mut HashMap<OsString, FileId>,
    pack: &'p mut Pack,
    ahead: &'p mut crate::store::Ahead,
    /// The link's target: only an archive for it can be embedded.
    target: ElfId,
}

/// The verdict on the file at `path`: from this run's memo, else from the
/// cache under the identity of the descriptor opened here, else by
/// inspecting the bytes mapped from that same descriptor (the run's one
/// mapping of it, `fsx::mapped`). What cannot be opened or read (a
/// directory, a FIFO, EACCES, EIO) is judged damaged for this run only and
/// never cached, so it cannot outlive its cause.
fn verdict_of(memo: Memo, cache: Option<&Store>, path: &Path, stat: Option<FileId>) -> Verdict {
    let Memo { verdicts, ids, pack, ahead, target } = memo;
    if let Some(v) = verdicts.get(path.as_os_str()) {
        return v.clone();
    }
    if let Some((id, v)) = cache.and_then(|c| pack.lookup(c, path, stat)) {
        ids.insert(path.as_os_str().to_owned(), id);
        verdicts.insert(path.as_os_str().to_owned(), v.clone());
        return v;
    }
    let v = match crate::fsx::mapped(path) {
        Err(e) => Verdict::Damaged(e.to_string()),
        Ok((bytes, id)) => {
            ids.insert(path.as_os_str().to_owned(), id);
            let judged = match cache.and_then(|c| c.get(&id)) {
                Some(v) => Ok(v),
                None => archive::inspect_mapped(&bytes, path).inspect(|v| {
                    if let Some(c) = cache {
                        c.put(&id, v);
                    }
                }),
            };
            match judged {
                Ok(v) => {
                    pack.record(id, &v);
                    // An archive that can be embedded will want its
                    // digest for the note if ld pulls from it: a big one
                    // is hashed from now on, beside the link.
                    if matches!(v, Verdict::Objects { problem: None, .. })
                        && model::incompatible(&v, target).is_none()
                    {
                        ahead.start(path, id, cache);
                    }
                    v
                }
                // It changed while it was read: judged damaged for this
                // run only, never cached.
                Err(e) => Verdict::Damaged(e.to_string()),
            }
        }
    };
    verdicts.insert(path.as_os_str().to_owned(), v.clone());
    v
}

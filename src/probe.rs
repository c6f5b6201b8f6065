//! Probe: everything the file system says about a library, asked once.
//!
//! For a library the policy wants searched, the probe walks the search path
//! for the first compatible archive (the verdict of each candidate comes
//! through the cache, which lives here and nowhere else), looks beside it
//! for Debian's `_pic` variant, follows a linker script to its inputs, and
//! looks for the shared twin. For an archive that will be embedded it
//! gathers the dependency facts. The policy (`policy.rs`) then decides from
//! these facts alone.
//!
//! The probe asks only what a decision can use, so a small link costs few
//! system calls: the shared twin is looked for only when the archive is
//! unfit, and dependencies only for an archive that is embedded.

pub mod link;

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::archive::{self, script, ElfId, Verdict};
use crate::args::LibName;
use crate::cache::Cache;
use crate::decision::Note;
use crate::deps::{self, Dep};
use crate::policy;
use crate::search::{Found, Reach, SearchPath, Stage};

/// What the file system says about one library that was searched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibFacts {
    /// Incompatible archives skipped on the way, the `_pic` variant chosen.
    pub notes: Vec<Note>,
    /// The first compatible archive, when there is one.
    pub candidate: Option<Candidate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub found: Found,
    pub verdict: Verdict,
    /// For a linker script: each of its inputs.
    pub script: Vec<ScriptInput>,
    /// `libNAME.so` anywhere in the search path; looked for only when the
    /// archive is unfit (it decides between dynamic and embedded anyway).
    pub shared: Option<PathBuf>,
}

/// One input of a linker script, as found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptInput {
    Lib(OsString),
    Missing(PathBuf),
    File(PathBuf, Verdict),
}

/// How a dependency that stays dynamic could be linked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DynFacts {
    /// `libNAME.so` is in the search path.
    pub shared: bool,
    /// The exact file (`-l:FILE`, or the `DT_NEEDED` runtime file) is.
    pub file: bool,
}

pub struct Probe<'a> {
    search: SearchPath<'a>,
    target: ElfId,
    cache: Option<Cache>,
    verdicts: HashMap<PathBuf, Verdict>,
    /// `PKG_CONFIG_PATH`.
    pkg_config_path: Vec<PathBuf>,
    /// The closure check's digests and ld's system dirs, for this run.
    link: link::Memo,
}

impl<'a> Probe<'a> {
    pub fn new(
        search: SearchPath<'a>,
        target: ElfId,
        cache: Option<Cache>,
        pkg_config_path: Vec<PathBuf>,
    ) -> Probe<'a> {
        Probe {
            search,
            target,
            cache,
            verdicts: HashMap::new(),
            pkg_config_path,
            link: link::Memo::default(),
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
            LibName::Name(n) if policy::unfit(&verdict) => self.shared_twin(n),
            _ => None,
        };
        LibFacts { notes, candidate: Some(Candidate { found, verdict, script, shared }) }
    }

    /// The first `file` in search order whose objects suit the target;
    /// archives for another target are skipped, as ld skips them.
    fn first_compatible(&mut self, file: &OsStr, notes: &mut Vec<Note>) -> Option<Found> {
        let target = self.target;
        let verdicts = &mut self.verdicts;
        let cache = &self.cache;
        self.search.find_where(file, Reach::All, &mut |f| {
            let v = verdict_of(verdicts, cache.as_ref(), &f.path);
            match policy::incompatible(&v, target) {
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
        if !path.is_file() {
            return None;
        }
        let verdict = self.verdict(&path);
        policy::fit_for(&verdict, self.target).then_some(Found { path, stage: found.stage })
    }

    fn script_input(&mut self, input: &script::Input) -> ScriptInput {
        match input {
            script::Input::Lib(l) => ScriptInput::Lib(l.clone()),
            script::Input::File(f) if !f.is_file() => ScriptInput::Missing(f.clone()),
            script::Input::File(f) => ScriptInput::File(f.clone(), self.verdict(f)),
        }
    }

    /// `libNAME.so` anywhere in the search path.
    pub fn shared_twin(&mut self, name: &OsStr) -> Option<PathBuf> {
        self.search.find(&policy::shared_file_name(name)).map(|f| f.path)
    }

    fn verdict(&mut self, path: &Path) -> Verdict {
        verdict_of(&mut self.verdicts, self.cache.as_ref(), path)
    }

    /// What an embedded archive needs: pkg-config data when there is a
    /// `.pc` for the library, and the `DT_NEEDED` list of its shared twin,
    /// merged; with the file that says so. `None` when neither exists.
    pub fn deps(&mut self, name: &OsStr, found: &Found) -> Option<(Vec<Dep>, PathBuf)> {
        let pc_dirs = self.pc_dirs(found);
        let find_pc = |pkg: &str| pc_dirs.iter().map(|d| d.join(format!("{pkg}.pc"))).find(|p| p.is_file());
        let name_str = name.to_string_lossy();
        let pc = find_pc(&name_str).or_else(|| find_pc(&format!("lib{name_str}")));
        let pc_deps = pc.as_ref().map(|pc| deps::from_pkg_config(pc, &name_str, &find_pc));
        let so = self.search.find(&policy::shared_file_name(name));
        let needed = so.as_ref().and_then(|so| deps::from_shared_object(&so.path));
        let deps = deps::merge(pc_deps.unwrap_or_default(), needed.clone().unwrap_or_default());
        let via = match (pc, so) {
            (Some(pc), _) => pc,
            (None, Some(so)) if needed.is_some() => so.path,
            _ => return None,
        };
        Some((deps, via))
    }

    /// Where the `.pc` of an archive may be: `PKG_CONFIG_PATH`, then beside
    /// the archive, then (for system archives) the system's pkgconfig dirs.
    fn pc_dirs(&self, found: &Found) -> Vec<PathBuf> {
        let mut dirs = self.pkg_config_path.clone();
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
            LibName::Name(n) if policy::is_runtime(n) => DynFacts::default(),
            LibName::Name(n) => {
                let shared = self.shared_twin(n).is_some();
                let file =
                    !shared && dep.runtime_file.as_ref().is_some_and(|f| self.search.find(f).is_some());
                DynFacts { shared, file }
            }
            LibName::Verbatim(f) => DynFacts { shared: false, file: self.search.find(f).is_some() },
        }
    }

    /// The directory of `libNAME.so` outside the system dirs, canonical
    /// (`--rpath-dynamic`).
    pub fn rpath_dir(&mut self, name: &OsStr) -> Option<PathBuf> {
        let so = policy::shared_file_name(name);
        let found = self.search.find_where(&so, Reach::BeforeSystem, &mut |_| true)?;
        let dir = found.path.parent().map(Path::to_path_buf).unwrap_or_default();
        Some(dir.canonicalize().unwrap_or(dir))
    }
}

/// The verdict on the file at `path`: from this run's memo, else from the
/// cache under the identity of the descriptor opened here, else by
/// inspecting that same descriptor. What cannot be opened or read (a
/// directory, a FIFO, EACCES, EIO) is judged damaged for this run only and
/// never cached, so it cannot outlive its cause.
fn verdict_of(verdicts: &mut HashMap<PathBuf, Verdict>, cache: Option<&Cache>, path: &Path) -> Verdict {
    if let Some(v) = verdicts.get(path) {
        return v.clone();
    }
    let v = match crate::fsx::open_regular(path) {
        Err(e) => Verdict::Damaged(e.to_string()),
        Ok((file, id)) => match cache.and_then(|c| c.get(&id)) {
            Some(v) => v,
            None => match archive::inspect_open(&file, path) {
                Ok(v) => {
                    if let Some(c) = cache {
                        c.put(&id, &v);
                    }
                    v
                }
                Err(e) => Verdict::Damaged(e.to_string()),
            },
        },
    };
    verdicts.insert(path.to_path_buf(), v.clone());
    v
}

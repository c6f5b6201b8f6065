//! Resolve: one decision per library, with its reason.
//!
//! For each `-lNAME` the first compatible `libNAME.a` in search order is
//! inspected, and embedded only where that is safe: position-independent,
//! not a C or C++ runtime, and with its own dependencies added back.
//! Everything else stays dynamic. Decisions are plain data; printing them
//! is `explain`'s job and applying them is `rewrite`'s.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::archive::{self, script, ElfId, Verdict};
use crate::args::{Command, LibName, LinkerForm, Site};
use crate::cache::Cache;
use crate::deps::{self, Dep};
use crate::search::{Found, Reach, SearchPath, Stage};

/// The C and C++ toolchain runtimes. They are never embedded (unless
/// `--embed` asks): glibc's archives are not position-independent (its
/// libm.a is even a linker script over non-PIC objects), and a second copy
/// of a runtime inside a shared object breaks programs that load it.
pub const RUNTIME_LIBS: &[&str] = &[
    "BrokenLocale",
    "anl",
    "asan",
    "atomic",
    "c",
    "c++",
    "c++abi",
    "crypt",
    "dl",
    "gcc",
    "gcc_eh",
    "gcc_s",
    "gomp",
    "hwasan",
    "lsan",
    "m",
    "mvec",
    "nsl",
    "pthread",
    "quadmath",
    "resolv",
    "rt",
    "stdc++",
    "supc++",
    "tsan",
    "ubsan",
    "util",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replace the reference with this file (an archive, or a linker
    /// script over archives).
    Embed(PathBuf),
    /// Leave the reference exactly as given.
    Keep,
    /// Remove the reference.
    Drop,
    /// For an added dependency that stays dynamic: the token to add.
    Add(OsString),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The first compatible `libNAME.a` in search order, and it is PIC.
    FirstArchive,
    /// A linker script whose archives are all PIC.
    ScriptOverArchives(Vec<PathBuf>),
    /// No compatible `libNAME.a` in any search directory.
    NotFound,
    /// A C or C++ runtime library.
    RuntimeLibrary,
    /// After `-Wl,-Bstatic` (or with `-static`): the user already chose.
    StaticRegion,
    /// `-o libNAME.so` links `-lNAME`: the library itself.
    SelfReference,
    /// `-l:FILE` where FILE is not an archive.
    NotAnArchiveName,
    /// The archive's path contains a comma and cannot go inside `-Wl,`.
    CommaInPath,
    /// `--embed NAME`.
    UserEmbed,
    /// `--no-embed NAME`.
    UserNoEmbed,
    /// Not position-independent (or otherwise unfit for a shared object).
    /// With a shared twin it stays dynamic; without one it is embedded anyway,
    /// as ld itself would link the archive.
    NotPic { problem: String, shared: Option<PathBuf> },
    /// An archive with no members: nothing to embed.
    Empty,
    /// The file is not an archive, or is damaged.
    Unreadable(String),
    /// A linker script over something that cannot be embedded.
    UnsafeScript(String),
    /// A dependency of the archive cannot be found.
    IncompleteDeps { missing: String },
}

/// Which library a decision is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// `cmd.libs[index]`.
    Ref(usize),
    /// A dependency added after an embedded archive.
    Dep { lib: LibName, of: String, via: PathBuf },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub subject: Subject,
    pub outcome: Outcome,
    pub reason: Reason,
    /// Where the file was found, when it was.
    pub found: Option<Found>,
    /// Other things worth explaining (incompatible archives skipped, a
    /// `_pic` variant preferred).
    pub notes: Vec<String>,
    /// A line to print even without `--explain`; an error with `--strict`.
    pub warning: Option<String>,
}

impl Decision {
    fn new(subject: Subject, outcome: Outcome, reason: Reason) -> Decision {
        Decision { subject, outcome, reason, found: None, notes: Vec::new(), warning: None }
    }
}

/// The user's choices that shape decisions.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub embed: Vec<OsString>,
    pub no_embed: Vec<OsString>,
    pub no_deps: bool,
    /// `PKG_CONFIG_PATH`.
    pub pkg_config_path: Vec<PathBuf>,
}

pub struct Resolver<'a> {
    pub search: SearchPath<'a>,
    policy: Policy,
    target: ElfId,
    cache: Option<Cache>,
    verdicts: HashMap<PathBuf, Verdict>,
}

impl<'a> Resolver<'a> {
    pub fn new(search: SearchPath<'a>, policy: Policy, target: ElfId, cache: Option<Cache>) -> Resolver<'a> {
        Resolver { search, policy, target, cache, verdicts: HashMap::new() }
    }

    /// The name a decision is about (`NAME` of `-lNAME`, or `FILE` of `-l:FILE`).
    pub fn subject_name<'c>(cmd: &'c Command, d: &'c Decision) -> &'c LibName {
        match &d.subject {
            Subject::Ref(i) => &cmd.libs[*i].name,
            Subject::Dep { lib, .. } => lib,
        }
    }

    /// Decides every library reference of a shared link, then the
    /// dependencies of what was embedded.
    pub fn resolve(&mut self, cmd: &Command) -> Vec<Decision> {
        let self_name = cmd.output.as_deref().and_then(self_library_name);
        let mut decisions = Vec::new();
        let mut seen: HashSet<LibName> = HashSet::new();
        for (index, r) in cmd.libs.iter().enumerate() {
            let subject = Subject::Ref(index);
            let d = match &r.name {
                LibName::Name(n) if Some(n.as_os_str()) == self_name.as_deref() => {
                    Decision::new(subject, Outcome::Drop, Reason::SelfReference)
                }
                _ if r.static_region || cmd.all_static => {
                    Decision::new(subject, Outcome::Keep, Reason::StaticRegion)
                }
                name => {
                    let mut d = self.decide(subject, name);
                    if let (Outcome::Embed(path), true) = (&d.outcome, inside_wl(cmd, &r.site)) {
                        if path.as_os_str().as_bytes().contains(&b',') {
                            d.outcome = Outcome::Keep;
                            d.reason = Reason::CommaInPath;
                        }
                    }
                    d
                }
            };
            seen.insert(r.name.clone());
            decisions.push(d);
        }
        if !self.policy.no_deps {
            let mut committed: HashSet<LibName> = cmd.libs.iter().map(|r| r.name.clone()).collect();
            let mut added = Vec::new();
            for d in decisions.iter_mut() {
                let (Outcome::Embed(_), Some(found), Subject::Ref(i)) =
                    (&d.outcome, d.found.clone(), &d.subject)
                else {
                    continue;
                };
                let name = cmd.libs[*i].name.clone();
                match self.complete(&name, &found, &committed, 0) {
                    Ok(deps) => {
                        for dep in deps {
                            committed.insert(Self::subject_name(cmd, &dep).clone());
                            added.push(dep);
                        }
                    }
                    Err(missing) => self.incomplete(d, &name, &missing),
                }
            }
            decisions.extend(added);
        }
        decisions
    }

    /// The rules for one library that is not a self-reference or in a
    /// static region.
    fn decide(&mut self, subject: Subject, name: &LibName) -> Decision {
        let forced = matches!(name, LibName::Name(n) if self.policy.embed.iter().any(|e| e == n));
        let file = match name {
            LibName::Name(n) if self.policy.no_embed.iter().any(|e| e == n) => {
                return Decision::new(subject, Outcome::Keep, Reason::UserNoEmbed)
            }
            LibName::Name(n) if is_runtime(n) && !forced => {
                return Decision::new(subject, Outcome::Keep, Reason::RuntimeLibrary)
            }
            LibName::Name(n) => archive_file_name(n),
            LibName::Verbatim(f) if f.as_bytes().ends_with(b".a") => f.clone(),
            LibName::Verbatim(_) => return Decision::new(subject, Outcome::Keep, Reason::NotAnArchiveName),
        };
        let mut notes = Vec::new();
        let Some(mut found) = self.find_compatible(&file, &mut notes) else {
            let mut d = Decision::new(subject, Outcome::Keep, Reason::NotFound);
            d.notes = notes;
            return d;
        };
        if let LibName::Name(n) = name {
            if let Some(pic) = self.pic_variant(&found, n) {
                notes.push(format!("prefers {} over {}", pic.path.display(), found.path.display()));
                found = pic;
            }
        }
        let verdict = self.verdict(&found.path);
        let (outcome, reason, warning) = if forced {
            (Outcome::Embed(found.path.clone()), Reason::UserEmbed, None)
        } else {
            self.judge(name, &found, &verdict)
        };
        Decision { subject, outcome, reason, found: Some(found), notes, warning }
    }

    fn judge(
        &mut self,
        name: &LibName,
        found: &Found,
        verdict: &Verdict,
    ) -> (Outcome, Reason, Option<String>) {
        let path = &found.path;
        let unsafe_problem = match verdict {
            Verdict::Empty => return (Outcome::Keep, Reason::Empty, None),
            Verdict::NotArchive | Verdict::Damaged(_) => {
                let what = match verdict {
                    Verdict::Damaged(e) => format!("damaged ({e})"),
                    _ => "not an archive".to_string(),
                };
                let warning = format!(
                    "{} is {what}; linking {} dynamically. Rebuild or remove it.",
                    path.display(),
                    name.display()
                );
                return (Outcome::Keep, Reason::Unreadable(what), Some(warning));
            }
            Verdict::Script(inputs) => match self.judge_script(inputs) {
                Ok(archives) => {
                    return (Outcome::Embed(path.clone()), Reason::ScriptOverArchives(archives), None)
                }
                Err(why) => {
                    let warning = format!(
                        "{} is a linker script over {why}; linking {} dynamically.",
                        path.display(),
                        name.display()
                    );
                    return (Outcome::Keep, Reason::UnsafeScript(why), Some(warning));
                }
            },
            Verdict::Objects { problem: None, .. } => {
                return (Outcome::Embed(path.clone()), Reason::FirstArchive, None)
            }
            Verdict::Objects { problem: Some(p), .. } => p.to_string(),
        };
        let shared = match name {
            LibName::Name(n) => {
                let so = shared_file_name(n);
                self.search.find(&so).map(|f| f.path)
            }
            LibName::Verbatim(_) => None,
        };
        let fix =
            "Rebuild it with -fPIC (CMake: POSITION_INDEPENDENT_CODE ON; autotools: --with-pic) to embed it.";
        let (outcome, doing) = match &shared {
            Some(_) => (Outcome::Keep, format!("linking {} dynamically", name.display())),
            None => (Outcome::Embed(path.clone()), "embedding it anyway, as ld would link it".to_string()),
        };
        let not_pic = matches!(verdict, Verdict::Objects { problem: Some(p), .. } if p.is_not_pic());
        let warning = if not_pic {
            format!("{} is not position-independent ({unsafe_problem}); {doing}. {fix}", path.display())
        } else {
            format!("{} cannot go into a shared object ({unsafe_problem}); {doing}.", path.display())
        };
        (outcome, Reason::NotPic { problem: unsafe_problem, shared }, Some(warning))
    }

    /// A script is safe when every input is a compatible PIC archive (or
    /// empty). Returns the archives, or why not.
    fn judge_script(&mut self, inputs: &[script::Input]) -> Result<Vec<PathBuf>, String> {
        let mut archives = Vec::new();
        for input in inputs {
            let file = match input {
                script::Input::File(f) => f,
                script::Input::Lib(l) => return Err(format!("-l{}", l.to_string_lossy())),
            };
            if !file.is_file() {
                return Err(format!("{}, which does not exist", file.display()));
            }
            match self.verdict(file) {
                Verdict::Objects { problem: None, id, .. } if id.map_or(true, |id| id == self.target) => {}
                Verdict::Empty => {}
                Verdict::Objects { problem: Some(p), .. } => {
                    return Err(format!("{}, which is not position-independent ({p})", file.display()))
                }
                _ => return Err(format!("{}, which cannot be embedded", file.display())),
            }
            archives.push(file.clone());
        }
        Ok(archives)
    }

    /// The first `file` in search order whose objects suit the target;
    /// archives for another target are skipped, as ld skips them.
    fn find_compatible(&mut self, file: &OsStr, notes: &mut Vec<String>) -> Option<Found> {
        let target = self.target;
        let mut skipped = Vec::new();
        let verdicts = &mut self.verdicts;
        let cache = &self.cache;
        let found = self.search.find_where(file, Reach::All, &mut |f| {
            let v = verdict_of(verdicts, cache.as_ref(), &f.path);
            match v {
                Verdict::Objects { id: Some(id), .. } if id != target => {
                    skipped.push(format!("skipped incompatible {} ({id})", f.path.display()));
                    false
                }
                _ => true,
            }
        });
        notes.extend(skipped);
        found
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
        match self.verdict(&path) {
            Verdict::Objects { problem: None, id, .. } if id.map_or(true, |id| id == self.target) => {
                Some(Found { path, stage: found.stage })
            }
            _ => None,
        }
    }

    fn verdict(&mut self, path: &Path) -> Verdict {
        verdict_of(&mut self.verdicts, self.cache.as_ref(), path)
    }

    /// Decisions for everything an embedded library needs, recursively:
    /// each dependency is embedded when that is safe (and its own needs
    /// can be met) and added dynamically otherwise. `Err` names a
    /// dependency that can be found neither way.
    fn complete(
        &mut self,
        name: &LibName,
        found: &Found,
        seen: &HashSet<LibName>,
        depth: usize,
    ) -> Result<Vec<Decision>, String> {
        let LibName::Name(n) = name else {
            return Ok(Vec::new());
        };
        if depth > 16 {
            return Ok(Vec::new());
        }
        let Some((deps, via)) = self.find_deps(n, found) else {
            return Ok(Vec::new());
        };
        let of = name.display();
        let mut seen = seen.clone();
        seen.insert(name.clone());
        let mut out = Vec::new();
        for dep in deps {
            if !seen.insert(dep.lib.clone()) {
                continue;
            }
            let subject = Subject::Dep { lib: dep.lib.clone(), of: of.clone(), via: via.clone() };
            let mut d = self.decide(subject, &dep.lib);
            let mut sub = Vec::new();
            if let (Outcome::Embed(_), Some(dep_found)) = (&d.outcome, d.found.clone()) {
                match self.complete(&dep.lib, &dep_found, &seen, depth + 1) {
                    Ok(more) => sub = more,
                    Err(missing) => {
                        let token = self.dynamic_token(&dep).ok_or_else(|| missing.clone())?;
                        d.outcome = Outcome::Add(token);
                        d.reason = Reason::IncompleteDeps { missing };
                    }
                }
            }
            if matches!(d.outcome, Outcome::Keep) {
                d.outcome = Outcome::Add(self.dynamic_token(&dep).ok_or_else(|| dep.lib.display())?);
            }
            for s in &sub {
                if let Subject::Dep { lib, .. } = &s.subject {
                    seen.insert(lib.clone());
                }
            }
            out.push(d);
            out.extend(sub);
        }
        Ok(out)
    }

    /// An embedded archive whose dependencies cannot all be found: with a
    /// shared twin it stays dynamic; without one it stays embedded, as ld
    /// would link it, with a warning.
    fn incomplete(&mut self, d: &mut Decision, name: &LibName, missing: &str) {
        let archive = d.found.as_ref().map(|f| f.path.display().to_string()).unwrap_or_default();
        let shared = match name {
            LibName::Name(n) => self.search.find(&shared_file_name(n)),
            LibName::Verbatim(_) => None,
        };
        let doing = if shared.is_some() {
            d.outcome = Outcome::Keep;
            format!("linking {} dynamically", name.display())
        } else {
            "embedding it anyway; the link may leave symbols undefined".to_string()
        };
        d.reason = Reason::IncompleteDeps { missing: missing.to_string() };
        d.warning = Some(format!("{archive} needs {missing}, which cannot be found; {doing}."));
    }

    /// pkg-config data when there is a `.pc` for the library, else the
    /// `DT_NEEDED` list of its shared twin.
    fn find_deps(&mut self, name: &OsStr, found: &Found) -> Option<(Vec<Dep>, PathBuf)> {
        let pc_dirs = self.pc_dirs(found);
        let find_pc = |pkg: &str| pc_dirs.iter().map(|d| d.join(format!("{pkg}.pc"))).find(|p| p.is_file());
        let name_str = name.to_string_lossy();
        let pc = find_pc(&name_str).or_else(|| find_pc(&format!("lib{name_str}")));
        let pc_deps = pc.as_ref().map(|pc| deps::from_pkg_config(pc, &name_str, &find_pc));
        let so = self.search.find(&shared_file_name(name));
        let needed = so.as_ref().and_then(|so| deps::from_shared_object(&so.path));
        // pkg-config knows static-only needs (libbrotlicommon); the shared
        // twin's DT_NEEDED is what the library really used (libbrotlienc.pc
        // forgets -lm) and names the runtime file (libgssapi_krb5.so.2).
        let mut deps = pc_deps.clone().unwrap_or_default();
        for n in needed.clone().unwrap_or_default() {
            match deps.iter_mut().find(|d| d.lib == n.lib) {
                Some(d) => d.runtime_file = d.runtime_file.take().or(n.runtime_file),
                None => deps.push(n),
            }
        }
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
        let mut dirs = self.policy.pkg_config_path.clone();
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

    /// How an added dependency links dynamically: `-lNAME` when
    /// `libNAME.so` is in the search path (or for a runtime library), else
    /// the exact runtime file (`-l:libacl.so.1`) when that is. `None` when
    /// neither is: adding it would break the link.
    fn dynamic_token(&mut self, dep: &Dep) -> Option<OsString> {
        let verbatim = |file: &OsStr| {
            let mut t = OsString::from("-l:");
            t.push(file);
            t
        };
        match &dep.lib {
            LibName::Name(n) if is_runtime(n) => Some(lib_token(n)),
            LibName::Name(n) => {
                if self.search.find(&shared_file_name(n)).is_some() {
                    return Some(lib_token(n));
                }
                let file = dep.runtime_file.as_ref()?;
                self.search.find(file).map(|_| verbatim(file))
            }
            LibName::Verbatim(f) => self.search.find(f).map(|_| verbatim(f)),
        }
    }

    /// Directories of libraries that stayed dynamic and were found as
    /// `libNAME.so` outside the system dirs (`--rpath-dynamic`).
    pub fn rpath_dirs(&mut self, cmd: &Command, decisions: &[Decision]) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for d in decisions {
            if matches!(d.outcome, Outcome::Embed(_) | Outcome::Drop) {
                continue;
            }
            let lib = match &d.subject {
                Subject::Ref(i) => &cmd.libs[*i].name,
                Subject::Dep { lib, .. } => lib,
            };
            let LibName::Name(n) = lib else { continue };
            if let Some(found) =
                self.search.find_where(&shared_file_name(n), Reach::BeforeSystem, &mut |_| true)
            {
                let dir = found.path.parent().map(Path::to_path_buf).unwrap_or_default();
                let dir = dir.canonicalize().unwrap_or(dir);
                if !dirs.contains(&dir) {
                    dirs.push(dir);
                }
            }
        }
        dirs
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

/// Every file the link embeds: archives given by path, substituted and
/// added archives, and linker scripts with the archives they name. Absolute,
/// in command order, without repeats. This is what `--depfile` and
/// `--print-resolved` list.
pub fn embedded_files(cmd: &Command, decisions: &[Decision]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = cmd.direct_archives.clone();
    for d in decisions {
        if let Outcome::Embed(path) = &d.outcome {
            files.push(path.clone());
            if let Reason::ScriptOverArchives(archives) = &d.reason {
                files.extend(archives.iter().cloned());
            }
        }
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for f in files {
        let f = std::path::absolute(&f).unwrap_or(f);
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

pub fn is_runtime(name: &OsStr) -> bool {
    RUNTIME_LIBS.iter().any(|r| OsStr::new(r) == name)
}

/// `libNAME.a`.
pub fn archive_file_name(name: &OsStr) -> OsString {
    let mut file = OsString::from("lib");
    file.push(name);
    file.push(".a");
    file
}

/// `libNAME.so`.
fn shared_file_name(name: &OsStr) -> OsString {
    let mut file = OsString::from("lib");
    file.push(name);
    file.push(".so");
    file
}

fn lib_token(name: &OsStr) -> OsString {
    let mut t = OsString::from("-l");
    t.push(name);
    t
}

/// `NAME` when the output is `libNAME.so` or `libNAME.so.X...`.
fn self_library_name(output: &Path) -> Option<OsString> {
    let base = output.file_name()?.as_bytes();
    let stem = base.strip_prefix(b"lib")?;
    let at = stem.windows(3).position(|w| w == b".so")?;
    let rest = &stem[at + 3..];
    (rest.is_empty() || rest.starts_with(b".")).then(|| OsStr::from_bytes(&stem[..at]).to_owned())
}

fn inside_wl(cmd: &Command, site: &Site) -> bool {
    match site {
        Site::Driver { .. } => false,
        Site::Linker { first, .. } => {
            matches!(cmd.args[first.arg].linker, Some((LinkerForm::Wl, _)))
        }
    }
}

/// The link's target: the class and machine of its first ELF input object,
/// or else the host's, adjusted by `-m32`/`-mx32`.
pub fn link_target(cmd: &Command) -> ElfId {
    for arg in &cmd.args {
        let tokens = cmd.arg_tokens(arg);
        if tokens.len() != 1 || arg.linker.is_some() {
            continue;
        }
        let t = tokens[0].as_bytes();
        if t.ends_with(b".o") || t.ends_with(b".lo") || t.ends_with(b".obj") {
            let mut head = [0u8; 64];
            if let Ok(mut f) = std::fs::File::open(OsStr::from_bytes(t)) {
                use std::io::Read;
                if f.read_exact(&mut head).is_ok() {
                    if let Some(id) = archive::pic::elf_id(&head) {
                        return id;
                    }
                }
            }
        }
    }
    let host = host_target();
    let flags: Vec<&[u8]> = cmd.target_flags.iter().map(|f| f.as_bytes()).collect();
    if flags.contains(&&b"-m32"[..]) && host.machine == object::elf::EM_X86_64 {
        return ElfId { class64: false, machine: object::elf::EM_386 };
    }
    if flags.contains(&&b"-mx32"[..]) {
        return ElfId { class64: false, machine: host.machine };
    }
    host
}

fn host_target() -> ElfId {
    use object::elf::*;
    let machine = match std::env::consts::ARCH {
        "x86_64" => EM_X86_64,
        "x86" => EM_386,
        "aarch64" => EM_AARCH64,
        "arm" => EM_ARM,
        "riscv64" => EM_RISCV,
        "powerpc64" => EM_PPC64,
        "s390x" => EM_S390,
        _ => EM_NONE,
    };
    ElfId { class64: cfg!(target_pointer_width = "64"), machine }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_self(output: &str, expected: Option<&str>) {
        assert_eq!(self_library_name(Path::new(output)), expected.map(OsString::from), "{output}");
    }

    #[test]
    fn self_library_names() {
        check_self("libcalc.so", Some("calc"));
        check_self("out/libcalc.so.1.2", Some("calc"));
        check_self("libcalc.sox", None);
        check_self("calc.so", None);
        check_self("libcalc.a", None);
    }
}

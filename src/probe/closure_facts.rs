//! The facts of the closure check: the link's inputs as ld will see them
//! after the rewrite, each with its symbol facts, and the check's result,
//! cached.
//!
//! [`plan`] (`args/ld.rs`, pure) reads the rewritten arguments as ld
//! will; [`Probe::link_summary`] then finds the
//! files the way ld does (each `-L` dir then the system dirs, `libNAME.so`
//! before `libNAME.a` in each, the first dir wins; `-l:FILE` exactly; not
//! solink's LIBSDIR or workspace, which ld never searches), follows linker
//! scripts (glibc's `libc.so`), and identifies every file by the `fstat`
//! of the descriptor it opened. A link whose archives settle before ld
//! needs its system dirs is answered from that part alone (the closed
//! answer: no driver query, no system library read). A warm link finds its
//! answer by the plan, checked by every question its computation asked
//! (`store/checked.rs`); else the result is found under a key holding the
//! command's structure, each archive's and shared library's identity, and a
//! digest of each object's symbols (all the check reads of it), so a relink
//! after an edit that kept an object's symbols finds its answer; on a miss,
//! archive digests come from the cache by identity (shared libraries are
//! read again: decoding libc.so.6's digest costs as much as its `.dynsym`).

use foldhash::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::args::{LibName, Syntax};
use crate::closure::Needed;
use crate::closure::{Fact, LinkFacts, Summary};
use crate::formats::archive::script;
use crate::formats::symbols::{self, Digest, Name};
use crate::fsx::{self, FileId};
use crate::model::Unchecked;

use super::Probe;

use crate::args::ld::{plan, Item, Plan};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Object,
    Archive { thin: bool },
    Shared,
}

/// One file of the link after scripts are followed.
#[derive(Clone, Debug)]
enum Entry {
    File { path: PathBuf, id: FileId, kind: Kind, needed: Needed, whole: bool },
    GroupStart,
    GroupEnd,
}

/// This run's digests, by identity: a check runs a few rounds.
#[derive(Default)]
pub struct Memo {
    digests: HashMap<FileId, Fact>,
    system: Option<Vec<PathBuf>>,
    finder: Finder,
}

const MAX_SCRIPT: u64 = 1 << 20;
const MAX_SCRIPT_DEPTH: usize = 8;
const MAX_ENTRIES: usize = 100_000;

impl Probe<'_> {
    /// ld's search dirs for this link: its `-L` dirs, then the system dirs.
    fn ld_dirs(&mut self, plan: &Plan) -> Vec<PathBuf> {
        if self.link.system.is_none() {
            self.link.system = Some(self.search.system_dirs());
        }
        let mut dirs = plan.lib_dirs.clone();
        dirs.extend(self.link.system.iter().flatten().cloned());
        dirs
    }

    /// The closure's result for the link `plan` describes; `None` when a
    /// file cannot be found or read (ld would fail the link itself, or the
    /// check cannot say).
    ///
    /// A warm link finds it by the plan alone ([`quick_key`]), checked by
    /// every question its computation asked of the file system (each file
    /// found, each `-l` looked for and not found, each script followed,
    /// each directory listed); a miss works it out, which reads the
    /// inputs' identities and finds the answer by the full key when only
    /// an object's timestamps changed.
    pub fn link_summary(&mut self, plan: &Plan) -> Option<Summary> {
        if let Some(summary) = self.closed_summary(plan) {
            if self.cross_check {
                cross_check(&summary, self.full_summary(plan).as_ref());
            }
            return Some(summary);
        }
        self.full_summary(plan)
    }

    /// Issue 19, "ask only what the decision needs": the check's answer
    /// from the inputs ld finds before it first needs its system dirs,
    /// when that part of the link settles everything: every archive in it
    /// has members pulled and leaves nothing undefined, no group spans the
    /// cut, and only `-l`s come after it. ld reads its inputs left to
    /// right, so what comes later can neither pull another member from
    /// those archives nor undefine what they define; the driver is not
    /// asked for its dirs and no system library is read (the seed's calc
    /// link: `calc.o libcalcbase.a -lm` and the driver's own libraries).
    /// Cached as a checked entry, "open" included, so a warm link that
    /// needs the whole check pays one entry for finding out.
    fn closed_summary(&mut self, plan: &Plan) -> Option<Summary> {
        let user = plan.lib_dirs.clone();
        let key = format!("{} closed", quick_key(plan, &user));
        if let Some(known) = self.cache.as_ref().and_then(|c| c.recall_closed(&key)) {
            return known;
        }
        let (found, rec) = fsx::nested(|| {
            self.link.finder = Finder::default();
            self.closed_in(plan, &user)
        });
        let (summary, cacheable) = found?;
        if let (Some(cache), true) = (&self.cache, cacheable) {
            cache.remember_closed(&key, summary.as_ref(), &rec);
        }
        summary
    }

    /// [`Probe::closed_summary`] worked out: `None` when an input cannot be
    /// read (the whole check says what ld would), `Some((None, _))` when the
    /// part before the cut does not settle the link.
    fn closed_in(&mut self, plan: &Plan, dirs: &[PathBuf]) -> Option<(Option<Summary>, bool)> {
        let mut entries = Vec::new();
        let (mut needed, mut whole, mut depth) = (Needed::Always, false, 0usize);
        let mut cut = plan.items.len();
        for (i, item) in plan.items.iter().enumerate() {
            match item {
                Item::AsNeeded(on) => needed = if *on { Needed::AsNeeded } else { Needed::Always },
                Item::Whole(on) => whole = *on,
                Item::GroupStart => {
                    depth += 1;
                    entries.push(Entry::GroupStart);
                }
                Item::GroupEnd => {
                    depth = depth.saturating_sub(1);
                    entries.push(Entry::GroupEnd);
                }
                Item::File(path) => {
                    expand(path, dirs, &mut self.link.finder, needed, whole, 0, &mut entries)?
                }
                Item::Lib { name, static_ } => match ld_find(name, *static_, dirs, &mut self.link.finder) {
                    Some(path) => expand(&path, dirs, &mut self.link.finder, needed, whole, 0, &mut entries)?,
                    None => {
                        cut = i;
                        break;
                    }
                },
            }
        }
        let cacheable =
            !entries.iter().any(|e| matches!(e, Entry::File { kind: Kind::Archive { thin: true }, .. }));
        if depth != 0 || plan.items[cut..].iter().any(|i| matches!(i, Item::File(_))) {
            return Some((None, cacheable));
        }
        let facts = self.facts(&entries, &plan.wraps)?;
        let summary = crate::closure::summarize(&facts);
        let settled = summary.archives.iter().all(|a| a.pulled && a.missing.is_empty());
        Some((settled.then_some(summary), cacheable))
    }

    /// The check's answer over the whole link, ld's system dirs included.
    fn full_summary(&mut self, plan: &Plan) -> Option<Summary> {
        let dirs = self.ld_dirs(plan);
        let quick = quick_key(plan, &dirs);
        if let Some(summary) = self.cache.as_ref().and_then(|c| c.recall_summary(&quick)) {
            return Some(summary);
        }
        let ((summary, cacheable), rec) = fsx::nested(|| {
            // What an earlier round listed is not asked again, so it would
            // be missing from this answer's facts: each answer asks its own.
            self.link.finder = Finder::default();
            // Many `-l`s: index every dir once instead of looking each name
            // up dir by dir. Every lookup below is over `dirs` or a prefix of it.
            let libs = plan.items.iter().filter(|i| matches!(i, Item::Lib { .. })).count();
            self.link.finder.index = (libs > MANY_LIBS).then(|| LdIndex::build(&dirs));
            let out = self.link_summary_in(plan, &dirs);
            self.link.finder.index = None;
            out
        });
        if let (Some(cache), Some(summary), true) = (&self.cache, &summary, cacheable) {
            cache.remember_summary(&quick, summary, &rec);
        }
        summary
    }

    /// The closure's result, worked out, and whether it may be cached (no
    /// thin archive, whose members' files its identity does not cover).
    fn link_summary_in(&mut self, plan: &Plan, dirs: &[PathBuf]) -> (Option<Summary>, bool) {
        let Some(entries) = self.entries_of(plan, dirs) else { return (None, false) };
        let cacheable =
            !entries.iter().any(|e| matches!(e, Entry::File { kind: Kind::Archive { thin: true }, .. }));
        let mut object_key = |path: &Path, id: FileId| match self.digest(path, id, Kind::Object)? {
            Fact::Object(o) => Some(object_symbols_key(&o)),
            _ => None,
        };
        let Some(key) = summary_key(&entries, &plan.wraps, &mut object_key) else { return (None, false) };
        if let (Some(cache), true) = (&self.cache, cacheable) {
            if let Some(summary) = cache.summary(&key) {
                return (Some(summary), true);
            }
        }
        let Some(facts) = self.facts(&entries, &plan.wraps) else { return (None, false) };
        let summary = crate::closure::summarize(&facts);
        if let (Some(cache), true) = (&self.cache, cacheable) {
            cache.put_summary(&key, &summary);
        }
        (Some(summary), cacheable)
    }

    /// Issue 35: the symbol facts of the link `plan` describes, read as
    /// the closure check reads them (`--isolate` needs every linked
    /// object's references, which the cached summary does not keep).
    pub fn link_facts(&mut self, plan: &Plan) -> Option<LinkFacts> {
        let dirs = self.ld_dirs(plan);
        self.link.finder = Finder::default();
        let entries = self.entries_of(plan, &dirs)?;
        self.facts(&entries, &plan.wraps)
    }

    /// The plan's files found as ld finds them, scripts followed; `None`
    /// when one cannot be found or read.
    fn entries_of(&mut self, plan: &Plan, dirs: &[PathBuf]) -> Option<Vec<Entry>> {
        let mut entries = Vec::new();
        let mut needed = Needed::Always;
        let mut whole = false;
        for item in &plan.items {
            let found = match item {
                Item::AsNeeded(on) => {
                    needed = if *on { Needed::AsNeeded } else { Needed::Always };
                    Some(())
                }
                Item::Whole(on) => {
                    whole = *on;
                    Some(())
                }
                Item::GroupStart => {
                    entries.push(Entry::GroupStart);
                    Some(())
                }
                Item::GroupEnd => {
                    entries.push(Entry::GroupEnd);
                    Some(())
                }
                Item::File(path) => expand(path, dirs, &mut self.link.finder, needed, whole, 0, &mut entries),
                Item::Lib { name, static_ } => {
                    ld_find(name, *static_, dirs, &mut self.link.finder).and_then(|path| {
                        expand(&path, dirs, &mut self.link.finder, needed, whole, 0, &mut entries)
                    })
                }
            };
            found?;
        }
        Some(entries)
    }

    fn facts(&mut self, entries: &[Entry], wraps: &[Name]) -> Option<LinkFacts> {
        let mut facts = LinkFacts { inputs: Vec::new(), wraps: wraps.to_vec() };
        for e in entries {
            let Entry::File { path, id, kind, needed, whole } = e else {
                facts.inputs.push(if matches!(e, Entry::GroupStart) {
                    Fact::GroupStart
                } else {
                    Fact::GroupEnd
                });
                continue;
            };
            facts.inputs.push(match self.digest(path, *id, *kind)? {
                Fact::Archive { syms, .. } => Fact::Archive { path: path.clone(), syms, whole: *whole },
                Fact::Shared(s, _) => Fact::Shared(s, *needed),
                other => other,
            });
        }
        Some(facts)
    }

    /// A file's digest, as a fact (its place on the line still to be
    /// set): from this run, else (an archive) from the cache by identity,
    /// else read. A file that changed since it was identified is read but
    /// not cached under the old identity. A script is `None`.
    fn digest(&mut self, path: &Path, id: FileId, kind: Kind) -> Option<Fact> {
        digest_in(&mut self.link.digests, self.cache.as_ref(), path, id, kind)
    }

    /// Issue 35: for each clash, whether its two copies are the same
    /// bytes. A copy that cannot be read (an object named by its file
    /// name alone, a member gone) counts as different: said, not assumed.
    pub fn same_copies(&mut self, clashes: &[crate::closure::Clash]) -> Vec<bool> {
        let read = |path: &Path, member: Option<&str>| symbols::member_bytes(path, member).ok().flatten();
        clashes
            .iter()
            .map(|k| {
                let first = match &k.first.1 {
                    Some(m) => read(&k.first.0, Some(m)),
                    None => None,
                };
                let second = read(&k.second.0, Some(&k.second.1));
                matches!((first, second), (Some(a), Some(b)) if a == b)
            })
            .collect()
    }

    /// Issue 23: the global symbols each member of the archive, or the
    /// object, at `path` defines (by member name; one entry for an
    /// object), from this run's digests or the cache by identity, as the
    /// closure check reads them. `None` when it is neither.
    pub fn defined_symbols(&mut self, path: &Path) -> Option<Vec<(String, Vec<Name>)>> {
        let (head, id) = fsx::head(path).ok()?;
        let kind = match &head[..head.len().min(8)] {
            b"!<arch>\n" => Kind::Archive { thin: false },
            b"!<thin>\n" => Kind::Archive { thin: true },
            h if h.starts_with(b"\x7fELF") => Kind::Object,
            _ => return None,
        };
        let defs = |o: &symbols::ObjectSyms| o.defined.iter().map(|(n, _)| n.clone()).collect();
        match self.digest(path, id, kind)? {
            Fact::Object(o) => Some(vec![(o.name.clone(), defs(&o))]),
            Fact::Archive { syms, .. } => {
                Some(syms.members.iter().map(|m| (m.name.clone(), defs(m))).collect())
            }
            _ => None,
        }
    }

    /// For each `(reference, file)`: whether ld's own search for the
    /// reference (the link's `-L` dirs, then the system dirs; never
    /// LIBSDIR or the workspace) finds that same file, by identity. An
    /// archive ld takes nothing from stays `-lNAME` only where it does
    /// (issue 20 §2).
    pub fn ld_finds(&mut self, plan: &Plan, wanted: &[(LibName, PathBuf)]) -> Vec<bool> {
        let dirs = self.ld_dirs(plan);
        self.link.finder.index = (wanted.len() > MANY_LIBS).then(|| LdIndex::build(&dirs));
        let identity = |p: &Path| fsx::metadata(p).ok().map(|m| FileId::of(&m)).map(|id| (id.dev, id.ino));
        let found = wanted
            .iter()
            .map(|(name, file)| {
                let Some(found) = ld_find(name, false, &dirs, &mut self.link.finder) else {
                    return false;
                };
                let (a, b) = (identity(&found), identity(file));
                a.is_some() && a == b
            })
            .collect();
        self.link.finder.index = None;
        found
    }

    /// Which shared libraries of ld's search dirs define `missing`, and
    /// what none defines (a second probe round, only when something is
    /// missing).
    ///
    /// The answer is cached under the symbols asked for and the identity of
    /// every dir searched (a library added, removed or replaced by rename
    /// changes its dir), so a warm link with an added provider does not
    /// read the shared libraries of the search dirs again.
    pub fn providers(&mut self, plan: &Plan, missing: &[Name]) -> (Vec<symbols::Provider>, Vec<Name>) {
        let dirs = self.ld_dirs(plan);
        let key = crate::store::key::providers(self.target.class64, self.target.machine, &dirs, missing);
        let cache = self.cache.as_ref();
        if let Some(found) = cache.and_then(|c| c.recall_providers(&key)) {
            return found;
        }
        let (found, rec) = fsx::nested(|| symbols::providers(&dirs, missing, self.target));
        if let Some(c) = cache {
            c.remember_providers(&key, &found, &rec);
        }
        found
    }
}

/// `SOLINK_CROSS_CHECK=1` (for tests): a closed answer must be what the
/// whole check says of every archive in it. A difference is a bug in the
/// closed rule, and stops the run rather than link on a wrong answer.
///
/// The whole check has no answer when an input after the cut cannot be
/// found in solink's model of ld's dirs (a `-l` nobody has: ld fails the
/// link anyway; `--no-system-dirs`: ld finds libc where solink does not
/// look). The closed answer stands for the archives before it either way.
fn cross_check(closed: &Summary, full: Option<&Summary>) {
    let Some(full) = full else { return };
    for a in &closed.archives {
        let whole = full.archives.iter().find(|f| f.path == a.path);
        assert_eq!(Some(a), whole, "SOLINK_CROSS_CHECK: the closed answer differs for {}", a.path.display());
    }
}

/// CUDA's static runtime, which nvcc links by default.
fn is_static_cudart(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.as_bytes() == b"libcudart_static.a")
}

impl Probe<'_> {
    /// The plan of the link `args` make, as ld will read it: [`plan`]'s,
    /// or for nvcc its host link, asked of nvcc (`nvcc --dryrun`, kept in
    /// the cache: `probe/dryrun.rs`) once per command. `Err` says why there
    /// is none.
    pub fn plan_of(&mut self, args: &[OsString], syntax: Syntax, driver: &OsStr) -> Result<Plan, Unchecked> {
        if syntax != Syntax::Nvcc {
            return plan(args, syntax, driver).ok_or(Unchecked::Unknown);
        }
        let answer = match self.host_plans.get(args) {
            Some(answer) => answer.clone(),
            None => {
                let answer = self.host_plan(args);
                self.host_plans.insert(args.to_vec(), answer.clone());
                answer
            }
        };
        let (host, plan) = answer?;
        self.last_host = Some((host, plan.clone()));
        Ok(plan)
    }

    fn host_plan(&self, args: &[OsString]) -> Result<(crate::probe::nvcc::HostLink, Plan), Unchecked> {
        let nvcc = self.nvcc.as_ref().ok_or_else(|| Unchecked::HostLink("nvcc was not found".into()))?;
        let out = nvcc.dry_run(args).map_err(Unchecked::HostLink)?;
        let host = crate::probe::nvcc::host_link(&out).map_err(Unchecked::HostLink)?;
        let plan = plan(&host.args, Syntax::Gcc, &host.compiler).ok_or(Unchecked::Unknown)?;
        Ok((host, plan))
    }

    /// Issue 20 §8: what nvcc adds to the link last planned ([`Probe::plan_of`]),
    /// with `given` (the `-l`s of nvcc's command, as `-lNAME`/`-l:FILE`):
    /// its own libraries, where ld finds each and what it pulls from an
    /// archive (`summary`, when the check ran), and whether the process
    /// would carry two CUDA runtimes.
    pub fn host_facts(
        &mut self,
        given: &[String],
        summary: Option<&Summary>,
    ) -> Option<crate::model::HostLink> {
        let (host, plan) = self.last_host.clone()?;
        let own = crate::probe::nvcc::own_libraries(&host.args, given);
        // ld's dirs (the system dirs, and for nvcc the dry run that names
        // the host compiler) only when something is looked up in them.
        let pulls_static =
            summary.is_some_and(|s| s.archives.iter().any(|a| a.pulled && is_static_cudart(&a.path)));
        let dirs = match own.is_empty() && !pulls_static {
            true => Vec::new(),
            false => self.ld_dirs(&plan),
        };
        let mut libraries = Vec::new();
        for name in own {
            let lib = LibName::from_value(&name.as_bytes()[2..]);
            let file = ld_find(&lib, false, &dirs, &mut self.link.finder);
            let members = file
                .as_ref()
                .and_then(|f| summary?.archives.iter().find(|a| &a.path == f).map(|a| a.members.len()));
            libraries.push(crate::model::DriverLib { name, file, members });
        }
        let two_runtimes = summary.and_then(|s| self.two_runtimes(&plan, &dirs, s));
        Some(crate::model::HostLink { compiler: host.compiler, libraries, two_runtimes })
    }

    /// A static CUDA runtime ld pulls members from, and a shared one the
    /// output loads as well: an input of the link that is `libcudart.so*`,
    /// or a shared input that needs one.
    fn two_runtimes(
        &mut self,
        plan: &Plan,
        dirs: &[PathBuf],
        summary: &Summary,
    ) -> Option<(PathBuf, PathBuf)> {
        let static_ = summary.archives.iter().find(|a| a.pulled && is_static_cudart(&a.path))?.path.clone();
        let shared = |name: &[u8]| name.starts_with(b"libcudart.so");
        for item in &plan.items {
            let path = match item {
                Item::File(path) => path.clone(),
                Item::Lib { name, static_: false } => match ld_find(name, false, dirs, &mut self.link.finder)
                {
                    Some(path) => path,
                    None => continue,
                },
                _ => continue,
            };
            if path.file_name().is_some_and(|n| shared(n.as_bytes())) {
                return Some((static_, path));
            }
            let is_so = path.file_name().is_some_and(|n| {
                n.as_bytes().ends_with(b".so") || n.as_bytes().windows(4).any(|w| w == b".so.")
            });
            if is_so && crate::formats::elf::read_elf(&path).is_ok_and(|f| f.needed.iter().any(|n| shared(n)))
            {
                return Some((static_, path));
            }
        }
        None
    }

    /// Issue 20 §7: when [`Probe::link_summary`] gives no answer, the input
    /// that stopped it and why, found by reading the plan as ld would
    /// (on that path only: a link that checks never asks this).
    pub fn why_unchecked(&mut self, plan: &Plan) -> crate::model::Unchecked {
        use crate::model::Unchecked;
        let dirs = self.ld_dirs(plan);
        let mut finder = Finder::default();
        for item in &plan.items {
            let path = match item {
                Item::File(path) => path.clone(),
                Item::Lib { name, static_ } => match ld_find(name, *static_, &dirs, &mut finder) {
                    Some(path) => path,
                    None => return Unchecked::NotFound(name.display()),
                },
                _ => continue,
            };
            if let Some(why) = unreadable_input(&path, &dirs, &mut finder, 0) {
                return why;
            }
        }
        Unchecked::Unknown
    }
}

/// Why ld could not read `path` as an input (what [`expand`] refuses), or
/// `None` when it can.
fn unreadable_input(
    path: &Path,
    dirs: &[PathBuf],
    finder: &mut Finder,
    depth: usize,
) -> Option<crate::model::Unchecked> {
    use crate::model::Unchecked;
    if depth > MAX_SCRIPT_DEPTH {
        return Some(Unchecked::TooDeep(path.to_path_buf()));
    }
    let (head, id) = match fsx::head(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some(Unchecked::Missing(path.to_path_buf()))
        }
        Err(e) => return Some(Unchecked::Unreadable { path: path.to_path_buf(), error: e.to_string() }),
    };
    let n = head.len();
    if head.starts_with(b"!<arch>\n") || head.starts_with(b"!<thin>\n") {
        return None;
    }
    if head.starts_with(b"\x7fELF") && n >= 18 {
        let e_type = match head[5] {
            2 => u16::from_be_bytes([head[16], head[17]]),
            _ => u16::from_le_bytes([head[16], head[17]]),
        };
        let linkable = [object::elf::ET_REL, object::elf::ET_DYN].contains(&e_type);
        return (!linkable).then(|| Unchecked::NotInput(path.to_path_buf()));
    }
    if id.size > MAX_SCRIPT {
        let error = format!("larger than {MAX_SCRIPT} bytes");
        return Some(Unchecked::Unreadable { path: path.to_path_buf(), error });
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    // The script's inputs, read under the mapping's guard; they are
    // followed once that read is done.
    let read = fsx::mapped(path).and_then(|(data, _)| {
        data.read(|data| script::looks_like_script(data).then(|| script::inputs(data, dir)))
    });
    let inputs = match read {
        Ok(Some(inputs)) => inputs,
        Ok(None) => return Some(Unchecked::NotInput(path.to_path_buf())),
        Err(e) => return Some(Unchecked::Unreadable { path: path.to_path_buf(), error: e.to_string() }),
    };
    for input in inputs {
        let file = match script_input(input, dirs, finder) {
            Ok(path) => path,
            Err(name) => return Some(Unchecked::NotFound(name.display())),
        };
        if let Some(why) = unreadable_input(&file, dirs, finder, depth + 1) {
            return Some(why);
        }
    }
    None
}

/// The key a warm link looks its result up by, from the plan alone: the
/// command's structure (each file and `-l` as written, groups,
/// `--as-needed` and `--whole-archive` state, wraps) and ld's search dirs.
/// What the files are is not in it: the entry's facts say that
/// ([`crate::store::Store::recall`]).
fn quick_key(plan: &Plan, dirs: &[PathBuf]) -> String {
    use crate::store::key::Step;
    let spelled: Vec<Vec<u8>> = plan
        .items
        .iter()
        .map(|item| match item {
            Item::Lib { name: LibName::Name(n), .. } => [b"n", n.as_bytes()].concat(),
            Item::Lib { name: LibName::Verbatim(f), .. } => [b"v", f.as_bytes()].concat(),
            Item::Lib { name: LibName::Path(p), .. } => [b"p", p.as_os_str().as_bytes()].concat(),
            _ => Vec::new(),
        })
        .collect();
    let steps = plan.items.iter().zip(&spelled).map(|(item, spelled)| match item {
        Item::File(path) => Step::File(path),
        Item::Lib { static_, .. } => Step::Lib { static_: *static_, spelled },
        Item::GroupStart => Step::GroupStart,
        Item::GroupEnd => Step::GroupEnd,
        Item::AsNeeded(on) => Step::AsNeeded(*on),
        Item::Whole(on) => Step::Whole(*on),
    });
    crate::store::key::closure_quick(steps, dirs, &plan.wraps)
}

/// The file ld picks for `name`: in each dir, `libNAME.so` (unless
/// static) then `libNAME.a`; `-l:FILE` exactly.
fn ld_find(name: &LibName, static_: bool, dirs: &[PathBuf], finder: &mut Finder) -> Option<PathBuf> {
    let files: Vec<OsString> = match name {
        // Read as given, searching nothing.
        LibName::Path(p) => return fsx::is_file(p).then(|| p.clone()),
        LibName::Verbatim(f) => vec![f.clone()],
        LibName::Name(n) if static_ => vec![crate::model::archive_file_name(n)],
        LibName::Name(n) => vec![crate::model::shared_file_name(n), crate::model::archive_file_name(n)],
    };
    if let Some(index) = &finder.index {
        return index.find(&files, dirs);
    }
    dirs.iter().find_map(|d| files.iter().find_map(|f| finder.lookup(d, f)))
}

/// Where each file name is first found in ld's dirs: a link of ten
/// thousand `-l`s over 64 `-L` dirs made 1.3 million per-dir lookups
/// (each hashing the dir's path and the name); with this, one hash lookup
/// per candidate name. Built from one listing of each dir.
pub struct LdIndex {
    dirs: Vec<PathBuf>,
    /// File name: the first dir (index into `dirs`) that holds it.
    first: HashMap<OsString, usize>,
    /// Dirs that could not be listed: looked up with a `stat` each.
    unlisted: Vec<usize>,
}

impl LdIndex {
    pub fn build(dirs: &[PathBuf]) -> LdIndex {
        let mut first = HashMap::default();
        let mut unlisted = Vec::new();
        for (i, dir) in dirs.iter().enumerate() {
            match fsx::read_dir(dir) {
                Ok(entries) => {
                    for name in entries.iter() {
                        first.entry(name.to_owned()).or_insert(i);
                    }
                }
                Err(_) => unlisted.push(i),
            }
        }
        LdIndex { dirs: dirs.to_vec(), first, unlisted }
    }

    /// ld's pick among `files` (in preference order within one dir) over
    /// `dirs`, which must be this index's dirs or a prefix of them.
    fn find(&self, files: &[OsString], dirs: &[PathBuf]) -> Option<PathBuf> {
        debug_assert!(self.dirs.starts_with(dirs));
        let limit = dirs.len();
        // The first dir holding any of the files; in it, the first file.
        let mut best: Option<usize> = None;
        for f in files {
            if let Some(&i) = self.first.get(f) {
                best = Some(best.map_or(i, |b| b.min(i)));
            }
        }
        for &i in self.unlisted.iter().filter(|&&i| i < limit) {
            if best.map_or(true, |b| i < b) && files.iter().any(|f| fsx::is_file(&self.dirs[i].join(f))) {
                best = Some(i);
                break;
            }
        }
        let dir = &self.dirs[best.filter(|&b| b < limit)?];
        files.iter().map(|f| dir.join(f)).find(|p| fsx::is_file(p))
    }
}

/// [`Probe::digest`] with this run's digests and the cache as given.
fn digest_in(
    digests: &mut HashMap<FileId, Fact>,
    cache: Option<&crate::store::Store>,
    path: &Path,
    id: FileId,
    kind: Kind,
) -> Option<Fact> {
    if let Some(d) = digests.get(&id) {
        return Some(d.clone());
    }
    let archive = matches!(kind, Kind::Archive { thin: false });
    if let (Some(cache), true) = (cache, archive) {
        if let Some(d) = cache.get_digest(&id) {
            let fact = as_fact(d)?;
            digests.insert(id, fact.clone());
            return Some(fact);
        }
    }
    let (read_id, d) = symbols::read(path).ok()?;
    if let (Some(cache), true, true) = (cache, archive, read_id == id) {
        cache.put_digest(&id, &d);
    }
    let fact = as_fact(d)?;
    if read_id == id {
        digests.insert(id, fact.clone());
    }
    Some(fact)
}

/// A digest as a fact, shared; a script is none.
fn as_fact(d: Digest) -> Option<Fact> {
    Some(match d {
        Digest::Object(o) => Fact::Object(o.into()),
        Digest::Archive(a) => Fact::Archive { path: PathBuf::new(), syms: a.into(), whole: false },
        Digest::Shared(s) => Fact::Shared(s.into(), Needed::Always),
        Digest::Script(_) => return None,
    })
}

/// Looks files up in dirs: a `stat` each for a few lookups, and once a
/// dir has had more than [`BUSY`] of them, one listing of it (as
/// `search.rs` does: a link of a thousand `-l`s over 64 `-L` dirs would
/// otherwise make a hundred thousand `stat`s, and a small link lists
/// nothing).
#[derive(Default)]
pub struct Finder {
    /// Per dir: lookups so far, and once listed, its names (`None`
    /// when it could not be listed).
    dirs: HashMap<PathBuf, (usize, Option<Listing>)>,
    /// For a link with many `-l`s: the index of the dirs of this summary.
    index: Option<LdIndex>,
}

type Listing = Option<fsx::Listing>;

const BUSY: usize = 8;

/// Past this many `-l`s a link's dirs are indexed whole ([`LdIndex`]).
const MANY_LIBS: usize = 64;

impl Finder {
    fn lookup(&mut self, dir: &Path, file: &OsStr) -> Option<PathBuf> {
        let (count, listing) = self.dirs.entry(dir.to_path_buf()).or_default();
        *count += 1;
        if listing.is_none() && *count > BUSY {
            *listing = Some(fsx::list(dir).ok());
        }
        if let Some(Some(names)) = listing {
            if !names.contains(file) {
                return None;
            }
        }
        Some(dir.join(file)).filter(|p| fsx::is_file(p))
    }
}

/// Opens `path`, identifies it and, for a linker script, follows its
/// inputs (a relative name ld cannot open as given is looked for in its
/// search dirs, as `symbols::expand` does).
// Long on purpose: opens, identifies and follows one input; scripts recurse here, bounded.
fn expand(
    path: &Path,
    dirs: &[PathBuf],
    finder: &mut Finder,
    needed: Needed,
    whole: bool,
    depth: usize,
    out: &mut Vec<Entry>,
) -> Option<()> {
    if depth > MAX_SCRIPT_DEPTH || out.len() > MAX_ENTRIES {
        return None;
    }
    let (head, id) = fsx::head(path).ok()?;
    let n = head.len();
    let kind = if head.starts_with(b"!<arch>\n") {
        Some(Kind::Archive { thin: false })
    } else if head.starts_with(b"!<thin>\n") {
        Some(Kind::Archive { thin: true })
    } else if head.starts_with(b"\x7fELF") && n >= 18 {
        let e_type = if head[5] == 2 {
            u16::from_be_bytes([head[16], head[17]])
        } else {
            u16::from_le_bytes([head[16], head[17]])
        };
        match e_type {
            object::elf::ET_REL => Some(Kind::Object),
            object::elf::ET_DYN => Some(Kind::Shared),
            _ => return None,
        }
    } else {
        None
    };
    if let Some(kind) = kind {
        out.push(Entry::File { path: path.to_path_buf(), id, kind, needed, whole });
        return Some(());
    }
    // The script is read whole, from its first byte: the head is part of
    // it (a `/* GNU ld script` comment starts there).
    if id.size > MAX_SCRIPT {
        return None;
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let (data, _) = fsx::mapped(path).ok()?;
    let (grouped, inputs) = data
        .read(|data| {
            script::looks_like_script(data)
                .then(|| (symbols::script_is_group(data), script::inputs(data, dir)))
        })
        .ok()??;
    if grouped {
        out.push(Entry::GroupStart);
    }
    for input in inputs {
        let file = script_input(input, dirs, finder).ok()?;
        expand(&file, dirs, finder, needed, whole, depth + 1, out)?;
    }
    if grouped {
        out.push(Entry::GroupEnd);
    }
    Some(())
}

/// The file a linker script's input names, found as ld finds it: a file
/// ld cannot open as given is looked for by name in the search dirs (as
/// `symbols::expand` does), a `-l` in them; `Err` with the name of a `-l`
/// found nowhere.
fn script_input(input: script::Input, dirs: &[PathBuf], finder: &mut Finder) -> Result<PathBuf, LibName> {
    match input {
        script::Input::File(f) if !fsx::exists(&f) => Ok(f
            .file_name()
            .and_then(|n| dirs.iter().map(|d| d.join(n)).find(|p| fsx::is_file(p)))
            .unwrap_or(f)),
        script::Input::File(f) => Ok(f),
        script::Input::Lib(name) => {
            let name = match name.as_bytes().strip_prefix(b":") {
                Some(f) => LibName::Verbatim(OsStr::from_bytes(f).to_owned()),
                None => LibName::Name(name),
            };
            ld_find(&name, false, dirs, finder).ok_or(name)
        }
    }
}

/// The check's full key ([`crate::store::key::closure_full`]): the
/// command's structure and each input, an archive or shared library by its
/// identity, an object by a digest of its symbol facts (`object_key`),
/// which are all the check reads of it: a relink after an edit that
/// changed no symbol finds its answer (`None` when an object cannot be
/// read).
fn summary_key(
    entries: &[Entry],
    wraps: &[Name],
    object_key: &mut dyn FnMut(&Path, FileId) -> Option<String>,
) -> Option<String> {
    use crate::store::key::Step;
    let what: Vec<String> = entries
        .iter()
        .map(|e| match e {
            Entry::File { path, id, kind: Kind::Object, .. } => object_key(path, *id),
            Entry::File { id, .. } => Some(id.key()),
            Entry::GroupStart | Entry::GroupEnd => Some(String::new()),
        })
        .collect::<Option<_>>()?;
    let steps = entries.iter().zip(&what).map(|(e, what)| match e {
        Entry::GroupStart => Step::GroupStart,
        Entry::GroupEnd => Step::GroupEnd,
        Entry::File { path, kind, needed, whole, .. } => Step::Input {
            kind: match kind {
                Kind::Object => b'O',
                Kind::Archive { .. } => b'a',
                Kind::Shared => b's',
            },
            as_needed: *needed == Needed::AsNeeded,
            whole: *whole,
            what,
            path,
        },
    });
    Some(crate::store::key::closure_full(steps, wraps))
}

/// A SHA-256 of everything the closure check reads of an object: its
/// name, its definitions and references with their kinds, and whether it
/// has constructors.
fn object_symbols_key(o: &symbols::ObjectSyms) -> String {
    crate::store::key::object_symbols(
        &o.name,
        o.defined.iter().map(|(name, def)| (&name[..], *def as u8)),
        o.undefined.iter().map(|(name, r)| (&name[..], *r as u8)),
        o.ctors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a script was read from where its 20-byte head ended, so
    /// gcc's `libgcc_s.so` (a `/* GNU ld script` comment first) no longer
    /// parsed once scripts were parsed as a grammar, and the whole closure
    /// check turned itself off without a word.
    #[test]
    fn a_script_is_read_from_its_first_byte() {
        let dir = tempfile::tempdir().unwrap();
        let elf = std::env::current_exe().unwrap();
        std::fs::copy(&elf, dir.path().join("libx.so.1")).unwrap();
        std::fs::write(
            dir.path().join("libx.so"),
            "/* GNU ld script\n   Use the shared library, but some functions are only in\n   the static library.  */\nGROUP ( libx.so.1 )\n",
        )
        .unwrap();
        let mut out = Vec::new();
        let dirs = [dir.path().to_path_buf()];
        let found = expand(
            &dir.path().join("libx.so"),
            &dirs,
            &mut Finder::default(),
            Needed::Always,
            false,
            0,
            &mut out,
        );
        assert_eq!(found, Some(()), "the script is followed");
        let files: Vec<&Path> = out
            .iter()
            .filter_map(|e| match e {
                Entry::File { path, .. } => Some(path.as_path()),
                _ => None,
            })
            .collect();
        assert_eq!(files, [dir.path().join("libx.so.1").as_path()]);
    }
}

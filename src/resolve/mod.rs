//! Resolve: one decision per library, with its reason. It orchestrates two
//! steps: the probe (`probe/`) gathers what the file system says, the
//! policy (`policy/mod.rs`) decides from that alone; dependency completion
//! (`resolve/complete.rs`) repeats both for what an embedded archive needs,
//! and the last rules (`resolve/finish.rs`: carried copies, the closure
//! check's rounds, here, and the refusal) run once every library is decided.
//! Decisions are plain data (`model.rs`); printing them is `explain`'s
//! job and applying them is `rewrite`'s.

mod complete;
mod finish;

use foldhash::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use complete::{complete, Placed};
pub use finish::Last;

use crate::args::{Command, LibName, LibRef, LinkerForm, Site};
use crate::formats::archive::ElfId;
use crate::formats::symbols::Name;
use crate::model::Stage;
use crate::policy::verify::{self, Finding};
use crate::policy::{self, Place, Search};
use crate::probe::search::SearchPath;
use crate::probe::Probe;
use crate::rewrite::{self, Shape};
use crate::store::Store;

use crate::model::{Decision, Note, Outcome, Reason, Subject};
use crate::policy::{Policy, RpathForm};

/// Rounds of the closure check: each adds providers or turns a library
/// dynamic, which settles in two or three on real links.
const MAX_ROUNDS: usize = 6;

pub struct Resolver<'a> {
    pub(crate) probe: Probe<'a>,
    policy: Policy,
    /// The closure of the link as last rewritten, when the check ran and
    /// its decisions stand: which members ld pulls from each archive, for
    /// the provenance note and the constructors left behind.
    summary: Option<crate::closure::Summary>,
}

impl<'a> Resolver<'a> {
    pub fn new(search: SearchPath<'a>, policy: Policy, target: ElfId, cache: Option<Store>) -> Resolver<'a> {
        let probe = Probe::new(search, target, cache, policy.pkg_config.clone());
        Resolver { probe, policy, summary: None }
    }

    /// Decides every library reference of a shared link, then the
    /// dependencies of what was embedded.
    pub fn resolve(&mut self, cmd: &Command) -> Vec<Decision> {
        let self_name = cmd.output.as_deref().and_then(policy::self_library_name);
        let mut decisions: Vec<Decision> = cmd
            .libs
            .iter()
            .map(|r| {
                let place = Place {
                    self_reference: matches!(&r.name, LibName::Name(n) if Some(n) == self_name.as_ref()),
                    static_region: r.static_region || cmd.all_static,
                };
                let mut d = self.decide(&r.name, Subject::Ref { site: r.site.clone() }, place);
                policy::comma_in_path(&mut d, inside_wl(cmd, r));
                d
            })
            .collect();
        // The references are the first decisions, in the command's order.
        let probe = &self.probe;
        policy::named_elsewhere(
            &mut decisions,
            |file| probe.file_id(file).ok_or_else(|| file.to_path_buf()),
            |i| cmd.libs.get(i).is_some_and(|r| r.whole),
        );
        self.say_what_ld_will_say(&mut decisions);
        if !self.policy.no_deps {
            let added = self.complete_all(cmd, &mut decisions);
            decisions.extend(added);
        }
        decisions
    }

    /// Issue 20 §7: each reference left to ld for which no archive was
    /// found is looked up as ld looks it up (its `-L` dirs, then its own;
    /// the search for the archive already asked for those, so this costs
    /// no process); one ld will not find either gets a warning before the
    /// link, with the versioned file `-l:` would find, if there is one.
    fn say_what_ld_will_say(&mut self, decisions: &mut [Decision]) {
        if !self.probe.knows_ld_dirs() {
            return;
        }
        let unfound = |d: &Decision| {
            d.outcome == Outcome::Keep
                && (d.reason == Reason::NotFound || (d.reason == Reason::Program && d.found.is_none()))
        };
        let (mut system, mut judged) = (None, foldhash::HashMap::default());
        for i in 0..decisions.len() {
            if !unfound(&decisions[i]) || self.probe.ld_pick(&decisions[i].lib).is_some() {
                continue;
            }
            if let Some((so, dir)) = self.outside_ld(decisions, i, &mut system, &mut judged) {
                policy::shared_outside_ld(&mut decisions[i], so, dir);
                continue;
            }
            let d = &mut decisions[i];
            let only = match &d.lib {
                LibName::Name(n) => self.probe.versioned_only(n),
                _ => None,
            };
            policy::ld_will_not_find(d, only);
        }
    }

    /// Issue 31 §8: the `libNAME.so` only LIBSDIR or the workspace holds
    /// for reference `i`, with its directory, when giving ld that
    /// directory changes nothing else: no other reference ld finds in its
    /// own directories, and none of the driver's own libraries, has a
    /// library of its name there. `system` holds those names, found once
    /// per run, and `judged` each directory's answer.
    fn outside_ld(
        &mut self,
        decisions: &[Decision],
        i: usize,
        system: &mut Option<Vec<std::ffi::OsString>>,
        judged: &mut foldhash::HashMap<PathBuf, bool>,
    ) -> Option<(PathBuf, PathBuf)> {
        let LibName::Name(name) = &decisions[i].lib else { return None };
        let found = self.probe.shared_outside_ld(name)?;
        let dir = found.path.parent()?.to_path_buf();
        if system.is_none() {
            let mut names: Vec<std::ffi::OsString> = self.policy.driver_libs.clone();
            for other in decisions {
                let LibName::Name(n) = &other.lib else { continue };
                if self.probe.ld_pick(&other.lib).is_some_and(|(f, _)| f.stage == Stage::System) {
                    names.push(n.clone());
                }
            }
            *system = Some(names);
        }
        let names = system.as_deref().unwrap_or_default();
        let free = *judged
            .entry(dir.clone())
            .or_insert_with(|| names.iter().all(|n| !self.probe.dir_holds(&dir, n)));
        free.then_some((found.path, dir))
    }

    /// The dependencies of every embedded reference, each library placed
    /// once; a reference whose dependencies cannot all be found is decided
    /// again by the policy (`policy::incomplete`).
    fn complete_all(&mut self, cmd: &Command, decisions: &mut [Decision]) -> Vec<Decision> {
        let mut placed = Placed::new(cmd.libs.iter().map(|r| r.name.clone()));
        let mut added = Vec::new();
        for d in decisions.iter_mut() {
            let (Outcome::Embed { .. }, Some(found)) = (&d.outcome, d.found.clone()) else {
                continue;
            };
            // What ld takes as written gets the closure check's providers,
            // not the `.pc` walk: its place is the user's, and a dependency
            // that cannot be found must not turn it into something else.
            if d.as_written {
                continue;
            }
            match complete(self, &d.lib.clone(), &found, &mut placed, 0) {
                Ok(mut c) => {
                    c.settle(d);
                    added.extend(c.decisions);
                }
                Err(missing) => {
                    let shared = self.probe.twin(&d.lib, d.found.as_ref());
                    policy::incomplete(d, missing, shared);
                }
            }
        }
        added
    }

    /// Why a dependency is not added: the driver links it by itself, or the
    /// command said `-nostdlib`/`-nodefaultlibs`.
    pub(crate) fn driver_library(&self, lib: &LibName) -> Option<Reason> {
        policy::driver_library(lib, &self.policy)
    }

    /// The closure check (issue 11, docs/embedding.md "The closure
    /// check"), after completion: the link is rewritten, its inputs read
    /// as ld will see them (`probe/closure_facts.rs`), and ld's member extraction
    /// run over them (`policy/verify.rs`). An embedded archive ld takes
    /// nothing from stays as given; symbols its pulled members leave
    /// undefined are looked for among the shared libraries of ld's search
    /// dirs, and each provider is added; what nothing provides keeps the
    /// library dynamic when it has a shared twin, else it is embedded with
    /// a warning. Rounds repeat until nothing changes: a library going
    /// dynamic, or one added, changes what the link defines.
    pub fn verify(&mut self, cmd: &Command, decisions: &mut Vec<Decision>, shape: &Shape, driver: &OsStr) {
        if self.policy.no_deps {
            return;
        }
        let mut searched: HashSet<Name> = HashSet::default();
        let mut nowhere: HashSet<Name> = HashSet::default();
        for _ in 0..MAX_ROUNDS {
            if !decisions.iter().any(|d| matches!(d.outcome, Outcome::Embed { .. })) {
                return;
            }
            let args = rewrite::rewrite(cmd, decisions, shape);
            let plan = self.probe.plan_of(&args, cmd.syntax, driver);
            let summary = plan.as_ref().ok().and_then(|plan| self.probe.link_summary(plan));
            let (Ok(plan), Some(summary)) = (plan.clone(), summary) else {
                // Said, never silent: an unchecked embedding is the guess
                // this check replaces; the input that stopped it is named.
                let why = match &plan {
                    Ok(p) => self.probe.why_unchecked(p),
                    Err(why) => why.clone(),
                };
                for d in decisions.iter_mut().filter(|d| matches!(d.outcome, Outcome::Embed { .. })) {
                    d.notes.push(Note::Unchecked(why.clone()));
                }
                return;
            };
            let findings = verify::check(decisions, &summary);
            self.summary = Some(summary);
            if findings.is_empty() {
                return;
            }
            // Symbols seen missing before this round were searched for
            // then: still missing, nothing will provide them.
            let before = searched.clone();
            let to_search = missing_symbols(&findings, &searched);
            let mut changed = false;
            if !to_search.is_empty() {
                let (providers, left) = self.probe.providers(&plan, &to_search);
                searched.extend(to_search);
                nowhere.extend(left);
                changed |= add_providers(decisions, &findings, providers, &mut nowhere);
            }
            changed |= self.settle_unused(decisions, &findings, &plan);
            let (settled, gone) = self.settle_unresolved(decisions, &findings, &nowhere, &before);
            changed |= settled;
            retire(decisions, gone);
            if !changed {
                return;
            }
            self.summary = None;
        }
    }

    /// Issue 13 §3, before the closure check: an embedded archive (or every
    /// archive of an embedded linker script) that shared libraries the link
    /// takes dynamically already embed (their `.note.solink` says so, same
    /// digest) is not embedded again (`policy::carried`), and what was
    /// added for it goes too. The shared
    /// libraries the link takes: the command's `-l`s that stay dynamic, its
    /// `.so`s named by path, and the dependencies solink added. Notes are
    /// read only when something is embedded, and only of libraries in `-L`
    /// directories or named by path. Returns whether anything changed.
    pub fn carried(&mut self, cmd: &Command, decisions: &mut Vec<Decision>) -> bool {
        if !decisions.iter().any(|d| matches!(d.outcome, Outcome::Embed { .. })) {
            return false;
        }
        // (position on the command line, library, entries, the library a
        // dependency was added for)
        type Found = (usize, PathBuf, Vec<crate::formats::provenance::Entry>, Option<LibName>);
        let mut carriers: Vec<Found> = Vec::new();
        for d in decisions.iter() {
            // The final link's dynamic libraries: the command's own, and
            // the dependencies solink adds (after every reference).
            let added_for = match (&d.subject, &d.outcome) {
                (Subject::Ref { .. }, Outcome::Keep) => None,
                (Subject::Dep { of, .. }, Outcome::Add { .. }) => Some(of.clone()),
                _ => continue,
            };
            if let Some((so, entries)) = self.probe.carried_notes(&d.lib) {
                if !entries.is_empty() {
                    carriers.push((ref_position(&d.subject), so, entries, added_for));
                }
            }
        }
        for (at, path) in &cmd.direct_shared {
            let entries = self.probe.notes_of(path);
            if !entries.is_empty() {
                carriers.push((*at, path.clone(), entries, None));
            }
        }
        if carriers.is_empty() {
            return false;
        }
        let mut gone = Vec::new();
        for d in decisions.iter_mut() {
            if !matches!(d.subject, Subject::Ref { .. }) {
                continue;
            }
            let Outcome::Embed { archives, .. } = &d.outcome else { continue };
            // What ld takes as written stays: the user chose it.
            if d.as_written {
                continue;
            }
            // Each archive it brings: the file itself, or a script's.
            let digests: Vec<_> = archives
                .iter()
                .filter_map(|a| Some((a.clone(), self.probe.archive_digest(a).ok()?)))
                .collect();
            let at = ref_position(&d.subject);
            // A dependency added for this very library goes when it does
            // (`drop_added_for`), so it cannot carry it.
            let these: Vec<policy::Carrier> = carriers
                .iter()
                .filter(|(.., added_for)| added_for.as_ref() != Some(&d.lib))
                .map(|(pos, so, entries, _)| policy::Carrier {
                    so: so.clone(),
                    entries: entries.clone(),
                    after: *pos > at,
                })
                .collect();
            if policy::carried(d, &digests, &these) {
                gone.push(d.lib.clone());
            }
        }
        for lib in &gone {
            verify::drop_added_for(decisions, lib);
        }
        !gone.is_empty()
    }

    /// Each embedded archive ld takes nothing from (`verify::unused`):
    /// `-lNAME` as given where ld's own search finds that same file, else
    /// its path in place. Returns whether anything changed.
    fn settle_unused(
        &mut self,
        decisions: &mut Vec<Decision>,
        findings: &[(usize, Finding)],
        plan: &crate::args::ld::Plan,
    ) -> bool {
        // By index: two references may name the same library (`-l:x.a`
        // twice), and each is settled. Only references are found unused,
        // and they stand before every added dependency, which is all that
        // `verify::unused` removes, so the indices hold.
        let unused: Vec<(usize, LibName, PathBuf, Vec<String>)> = findings
            .iter()
            .filter_map(|(i, f)| match (f, &decisions[*i].outcome) {
                (Finding::Unused { users }, Outcome::Embed { file, .. }) => {
                    Some((*i, decisions[*i].lib.clone(), file.clone(), users.clone()))
                }
                _ => None,
            })
            .collect();
        if unused.is_empty() {
            return false;
        }
        let wanted: Vec<(LibName, PathBuf)> =
            unused.iter().map(|(_, l, f, _)| (l.clone(), f.clone())).collect();
        let found = self.probe.ld_finds(plan, &wanted);
        for ((at, _, _, users), ld_finds_it) in unused.into_iter().zip(found) {
            debug_assert!(matches!(decisions[at].subject, Subject::Ref { .. }));
            // What ld takes as written, it found itself.
            let ld_finds_it = ld_finds_it || decisions[at].as_written;
            verify::unused(decisions, at, users, ld_finds_it);
        }
        true
    }

    /// For each embedded archive whose members still miss symbols that no
    /// library provides: `verify::unresolved` decides (dynamic with a twin,
    /// embedded with a warning without one). Returns whether anything
    /// changed, and the libraries that go back to dynamic.
    fn settle_unresolved(
        &mut self,
        decisions: &mut [Decision],
        findings: &[(usize, Finding)],
        nowhere: &HashSet<Name>,
        before: &HashSet<Name>,
    ) -> (bool, Vec<LibName>) {
        let mut changed = false;
        let mut gone = Vec::new();
        for (i, f) in findings {
            let Finding::Missing(list) = f else { continue };
            let stuck: Vec<(&String, Vec<Name>)> = list
                .iter()
                .map(|(m, names)| {
                    let names = names
                        .iter()
                        .filter(|n| nowhere.contains(*n) || before.contains(*n))
                        .cloned()
                        .collect();
                    (m, names)
                })
                .filter(|(_, names): &(&String, Vec<Name>)| !names.is_empty())
                .collect();
            let Some((member, _)) = stuck.first() else { continue };
            if matches!(decisions[*i].reason, Reason::Unresolved { .. }) {
                continue;
            }
            let mut names: Vec<Name> = stuck.iter().flat_map(|(_, n)| n.iter().cloned()).collect();
            names.dedup();
            let d = &decisions[*i];
            // What ld takes as written is never swapped for its twin: it
            // stays, with the warning.
            let shared = match d.as_written {
                true => None,
                false => self.probe.twin(&d.lib.clone(), d.found.clone().as_ref()),
            };
            let member = (*member).clone();
            verify::unresolved(&mut decisions[*i], member, &names, shared);
            if !matches!(decisions[*i].outcome, Outcome::Embed { .. }) {
                gone.push(decisions[*i].lib.clone());
                changed = true;
            }
        }
        (changed, gone)
    }

    /// What the closure check found ld pulls from each archive of the
    /// final link; `None` when the check did not run (or did not settle).
    pub fn summary(&self) -> Option<&crate::closure::Summary> {
        self.summary.as_ref()
    }

    /// [`Resolver::summary`], to change: `--whole-archive=auto` adds the
    /// constructor members it pulls in.
    pub fn summary_mut(&mut self) -> Option<&mut crate::closure::Summary> {
        self.summary.as_mut()
    }

    /// The closure check's answer for the link as rewritten, for the
    /// exports (issue 23): the check's own when it ran, else worked out
    /// now (a link that embeds nothing: the archives rustc links itself in
    /// a static region are still the link's), never kept as the check's.
    pub fn summary_for_exports(
        &mut self,
        cmd: &Command,
        decisions: &[Decision],
        shape: &Shape,
        driver: &OsStr,
    ) -> Option<crate::closure::Summary> {
        if let Some(summary) = &self.summary {
            return Some(summary.clone());
        }
        let args = rewrite::rewrite(cmd, decisions, shape);
        let plan = self.probe.plan_of(&args, cmd.syntax, driver).ok()?;
        self.probe.link_summary(&plan)
    }

    /// Issue 20 §8, for an nvcc link: what nvcc adds, found as ld finds
    /// it, with what the check says ld pulls (worked out now when the check
    /// did not run: an nvcc link that embeds nothing still gets nvcc's
    /// static CUDA runtime).
    pub fn host_facts(
        &mut self,
        cmd: &Command,
        decisions: &[Decision],
        shape: &Shape,
        driver: &OsStr,
    ) -> Option<crate::model::HostLink> {
        if cmd.syntax != crate::args::Syntax::Nvcc {
            return None;
        }
        let summary = self.summary_for_exports(cmd, decisions, shape, driver);
        // The `-l`s nvcc is given: the command's as rewritten, with what
        // solink added.
        let rewritten = crate::args::classify_as(rewrite::rewrite(cmd, decisions, shape), cmd.syntax).ok()?;
        let given: Vec<String> = rewritten
            .libs
            .iter()
            .filter(|r| !matches!(r.name, LibName::Path(_)))
            .map(|r| r.name.display())
            .collect();
        self.probe.host_facts(&given, summary.as_ref())
    }

    /// The global symbols each member of an archive (or an object)
    /// defines, as the closure check reads them (issue 23's exports).
    pub fn defined_symbols(
        &mut self,
        path: &Path,
    ) -> Option<Vec<(String, Vec<crate::formats::symbols::Name>)>> {
        self.probe.defined_symbols(path)
    }

    /// Issue 35: the link's symbol facts as rewritten, for `--isolate`.
    pub fn link_facts(
        &mut self,
        cmd: &Command,
        decisions: &[Decision],
        shape: &Shape,
        driver: &OsStr,
    ) -> Option<crate::closure::LinkFacts> {
        let args = rewrite::rewrite(cmd, decisions, shape);
        let plan = self.probe.plan_of(&args, cmd.syntax, driver).ok()?;
        self.probe.link_facts(&plan)
    }

    /// Issue 35: whether each clash's two copies are the same bytes.
    pub fn same_copies(&mut self, clashes: &[crate::closure::Clash]) -> Vec<bool> {
        self.probe.same_copies(clashes)
    }

    /// The identity a file had when this run judged it, if it did.
    pub fn file_id(&self, path: &Path) -> Option<crate::fsx::FileId> {
        self.probe.file_id(path)
    }

    /// An archive's SHA-256, for the note (`Probe::archive_digest`).
    pub fn archive_digest(&mut self, path: &Path) -> std::io::Result<crate::formats::provenance::Digest> {
        self.probe.archive_digest(path)
    }

    /// One library: the rules that need no search, else probe and judge.
    pub(crate) fn decide(&mut self, lib: &LibName, subject: Subject, place: Place) -> Decision {
        match policy::before_search(lib, place, &self.policy) {
            Search::Decided(outcome, reason) => Decision::new(lib.clone(), subject, outcome, reason),
            Search::File(file) => {
                let facts = self.probe.library(lib, &file);
                policy::judge(lib, subject, facts, &self.policy, self.probe.target())
            }
            Search::Given(path) => {
                let facts = self.probe.given(&path);
                policy::judge(lib, subject, facts, &self.policy, self.probe.target())
            }
            Search::Taken { static_, reason } => {
                let facts = self.probe.taken(lib, static_);
                policy::taken(lib, subject, facts, reason, self.policy.output, self.probe.target())
            }
        }
    }

    /// `--rpath-dynamic`: the run-time search path entries for libraries
    /// that stay dynamic, in order, each once (`policy::rpath_entry` says
    /// which). `output_dir` is the output's directory, canonical, for the
    /// `$ORIGIN` form.
    ///
    /// Issue 20 §6: the entry is the directory where the loader finds the
    /// library by the name ld records (its SONAME), which for a development
    /// symlink (`links/libcudart.so -> ../wheel/libcudart.so.12`) is the
    /// target's; when no directory holds that name, the decision warns.
    pub fn rpath_dirs(
        &mut self,
        decisions: &mut [Decision],
        form: RpathForm,
        output_dir: &Path,
    ) -> Vec<PathBuf> {
        let mut seen = HashSet::default();
        let mut dirs = Vec::new();
        for d in decisions.iter_mut() {
            let Some(lib) = policy::dynamic_lib(d) else { continue };
            if matches!(&lib, LibName::Name(n) if crate::model::is_runtime(n)) {
                continue;
            }
            let picked = match &d.reason {
                // Found where only solink searches, and given to ld as a
                // -L directory: one of ld's for this link.
                Reason::SharedOutsideLd { so, dir } => {
                    let dir = self.probe.canonical(dir);
                    Some((crate::model::Found { path: so.clone(), stage: Stage::LDir }, dir))
                }
                _ => self.probe.ld_pick(&lib),
            };
            let Some((found, dir)) = picked else { continue };
            // Only where the rules give an entry at all does the SONAME matter.
            if policy::rpath_entry(&found, &dir, form, output_dir).is_none() {
                continue;
            }
            let (soname, served) = self.probe.soname_dir(&found.path, &dir);
            let entry = served.as_deref().and_then(|at| policy::rpath_entry(&found, at, form, output_dir));
            match entry {
                Some(entry) => {
                    if seen.insert(entry.clone()) {
                        dirs.push(entry);
                    }
                }
                None => policy::rpath_unserved(d, lib, found.path, soname, served.is_some()),
            }
        }
        dirs
    }
}

/// The symbols the findings miss that were not searched for yet, each
/// once, in order.
fn missing_symbols(findings: &[(usize, Finding)], searched: &HashSet<Name>) -> Vec<Name> {
    let mut seen: HashSet<&Name> = HashSet::default();
    let mut out = Vec::new();
    for (_, f) in findings {
        if let Finding::Missing(list) = f {
            for n in list.iter().flat_map(|(_, names)| names) {
                if !searched.contains(n) && seen.insert(n) {
                    out.push(n.clone());
                }
            }
        }
    }
    out
}

/// Adds each provider as a dynamic dependency of the first embedded
/// archive that needs its symbols. Returns whether one was added.
fn add_providers(
    decisions: &mut Vec<Decision>,
    findings: &[(usize, Finding)],
    providers: Vec<crate::formats::symbols::Provider>,
    nowhere: &mut HashSet<Name>,
) -> bool {
    let mut changed = false;
    for p in providers {
        // An archive's own shared twin is no provider: linking both loads
        // the library anyway, with two copies of what was embedded. Its
        // symbols count as provided by nothing, so the library stays
        // dynamic.
        if decisions
            .iter()
            .any(|d| matches!(d.outcome, Outcome::Embed { .. }) && verify::is_twin_token(&d.lib, &p.token))
        {
            nowhere.extend(p.symbols);
            continue;
        }
        let added = decisions.iter().any(|d| d.outcome == Outcome::Add { token: p.token.clone() });
        let needer = findings.iter().find_map(|(i, f)| match f {
            Finding::Missing(list) => list
                .iter()
                .find(|(_, names)| names.contains(&p.symbols[0]))
                .map(|(member, _)| (*i, member.clone())),
            Finding::Unused { .. } => None,
        });
        if let (false, Some((i, member))) = (added, needer) {
            let d = verify::provider(&decisions[i], p.token, p.path, &p.symbols, member);
            decisions.push(d);
            changed = true;
        }
    }
    changed
}

/// What was added for the libraries in `gone`, which went back to
/// dynamic, goes too (the change itself was counted when they went).
fn retire(decisions: &mut Vec<Decision>, gone: Vec<LibName>) {
    for lib in gone {
        verify::drop_added_for(decisions, &lib);
    }
}

/// Every file the link embeds: archives given by path (still in the link,
/// whether ld takes anything from them or not), substituted and added
/// archives, and linker scripts with the archives they name. Absolute, in
/// command order, without repeats. This is what `--depfile` and
/// `--print-resolved` list; it is computed only for them.
pub fn embedded_files(_cmd: &Command, decisions: &[Decision]) -> Vec<PathBuf> {
    let mut files: Vec<&PathBuf> = Vec::new();
    for d in decisions {
        match (&d.outcome, &d.lib) {
            (Outcome::Embed { file, archives }, _) => {
                files.push(file);
                files.extend(archives.iter().filter(|a| *a != file));
            }
            (Outcome::Keep, LibName::Path(path)) => files.push(path),
            _ => {}
        }
    }
    let mut seen = HashSet::default();
    files
        .into_iter()
        .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()))
        .filter(|f| seen.insert(f.clone()))
        .collect()
}

/// Where a reference stands on the command line: its argument's index.
fn ref_position(subject: &Subject) -> usize {
    match subject {
        Subject::Ref { site: Site::Driver { arg } } => *arg,
        Subject::Ref { site: Site::Linker { first, .. } } => first.arg,
        _ => usize::MAX,
    }
}

/// Whether a reference sits inside `-Wl,` (where a comma splits).
fn inside_wl(cmd: &Command, r: &LibRef) -> bool {
    match &r.site {
        Site::Driver { .. } => false,
        Site::Linker { first, .. } => {
            matches!(cmd.args[first.arg].linker, Some((LinkerForm::Wl, _)))
        }
    }
}

/// The files the closure check reads as the link's inputs by path (not
/// its `-l`s or the driver's implicit libraries), in order: `args` read as
/// ld reads them. For `tests/closure.rs`, which holds it to `ld -t`.
#[doc(hidden)]
pub fn planned_files(
    args: &[std::ffi::OsString],
    syntax: crate::args::Syntax,
    driver: &OsStr,
) -> Option<Vec<PathBuf>> {
    let plan = crate::args::ld::plan(args, syntax, driver)?;
    Some(
        plan.items
            .into_iter()
            .filter_map(|i| match i {
                crate::args::ld::Item::File(f) => Some(f),
                _ => None,
            })
            .collect(),
    )
}

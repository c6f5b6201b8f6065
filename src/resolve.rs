//! Resolve: one decision per library, with its reason. The thin driver of
//! two steps: the probe (`probe.rs`) gathers what the file system says, the
//! policy (`policy.rs`) decides from that alone, and dependency completion
//! (`deps/complete.rs`) repeats both for what an embedded archive needs.
//! Decisions are plain data (`decision.rs`); printing them is `explain`'s
//! job and applying them is `rewrite`'s.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::archive::ElfId;
use crate::args::{Command, LibName, LibRef, LinkerForm, Site};
use crate::cache::Cache;
use crate::deps::complete::{complete, Placed};
use crate::policy::{self, Place, Search};
use crate::probe::Probe;
use crate::search::SearchPath;

pub use crate::decision::{Decision, Note, Outcome, Reason, ScriptProblem, Subject, Unreadable, Warning};
pub use crate::policy::{archive_file_name, is_runtime, Policy, RpathForm, RUNTIME_LIBS};

pub struct Resolver<'a> {
    pub(crate) probe: Probe<'a>,
    policy: Policy,
}

impl<'a> Resolver<'a> {
    pub fn new(search: SearchPath<'a>, policy: Policy, target: ElfId, cache: Option<Cache>) -> Resolver<'a> {
        let probe = Probe::new(search, target, cache, policy.pkg_config.clone());
        Resolver { probe, policy }
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
        if !self.policy.no_deps {
            let added = self.complete_all(cmd, &mut decisions);
            decisions.extend(added);
        }
        // Last, so every warning any step gave is judged the same way.
        decisions.iter_mut().for_each(policy::system_warning_to_note);
        decisions
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
            match complete(self, &d.lib.clone(), &found, &mut placed, 0) {
                Ok(mut c) => {
                    c.settle(d);
                    added.extend(c.decisions);
                }
                Err(missing) => {
                    let shared = match &d.lib {
                        LibName::Name(n) => self.probe.shared_twin(n),
                        LibName::Verbatim(_) => None,
                    };
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

    /// One library: the rules that need no search, else probe and judge.
    pub(crate) fn decide(&mut self, lib: &LibName, subject: Subject, place: Place) -> Decision {
        match policy::before_search(lib, place, &self.policy) {
            Search::Decided(outcome, reason) => Decision::new(lib.clone(), subject, outcome, reason),
            Search::File(file) => {
                let facts = self.probe.library(lib, &file);
                policy::judge(lib, subject, facts, &self.policy, self.probe.target())
            }
        }
    }

    /// `--rpath-dynamic`: the run-time search path entries for libraries
    /// that stay dynamic, in order, each once (`policy::rpath_entry` says
    /// which). `output_dir` is the output's directory, canonical, for the
    /// `$ORIGIN` form.
    pub fn rpath_dirs(&mut self, decisions: &[Decision], form: RpathForm, output_dir: &Path) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        let mut dirs = Vec::new();
        for d in decisions {
            let Some(lib) = policy::dynamic_lib(d) else { continue };
            if matches!(&lib, LibName::Name(n) if policy::is_runtime(n)) {
                continue;
            }
            let Some((found, dir)) = self.probe.ld_pick(&lib) else { continue };
            if let Some(entry) = policy::rpath_entry(&found, &dir, form, output_dir) {
                if seen.insert(entry.clone()) {
                    dirs.push(entry);
                }
            }
        }
        dirs
    }
}

/// Every file the link embeds: archives given by path, substituted and
/// added archives, and linker scripts with the archives they name. Absolute,
/// in command order, without repeats. This is what `--depfile` and
/// `--print-resolved` list; it is computed only for them.
pub fn embedded_files(cmd: &Command, decisions: &[Decision]) -> Vec<PathBuf> {
    let mut files: Vec<&PathBuf> = cmd.direct_archives.iter().collect();
    for d in decisions {
        if let Outcome::Embed { file, archives } = &d.outcome {
            files.push(file);
            files.extend(archives.iter().filter(|a| *a != file));
        }
    }
    let mut seen = HashSet::new();
    files
        .into_iter()
        .map(|f| std::path::absolute(f).unwrap_or_else(|_| f.clone()))
        .filter(|f| seen.insert(f.clone()))
        .collect()
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

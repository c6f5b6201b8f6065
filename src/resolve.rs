//! Resolve: one decision per library, with its reason. The thin driver of
//! two steps: the probe (`probe.rs`) gathers what the file system says, the
//! policy (`policy.rs`) decides from that alone, and dependency completion
//! (`deps/complete.rs`) repeats both for what an embedded archive needs.
//! Decisions are plain data (`decision.rs`); printing them is `explain`'s
//! job and applying them is `rewrite`'s.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::archive::ElfId;
use crate::args::{Command, LibName, LibRef, LinkerForm, Site};
use crate::cache::Cache;
use crate::deps::complete::{complete, Placed};
use crate::policy::{self, Place, Search};
use crate::probe::Probe;
use crate::search::SearchPath;

pub use crate::decision::{Decision, Note, Outcome, Reason, ScriptProblem, Subject, Unreadable, Warning};
pub use crate::policy::{archive_file_name, is_runtime, Policy, RUNTIME_LIBS};

pub struct Resolver<'a> {
    pub(crate) probe: Probe<'a>,
    policy: Policy,
}

impl<'a> Resolver<'a> {
    pub fn new(search: SearchPath<'a>, policy: Policy, target: ElfId, cache: Option<Cache>) -> Resolver<'a> {
        let probe = Probe::new(search, target, cache, policy.pkg_config_path.clone());
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
                Ok(deps) => added.extend(deps),
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

    /// Directories of libraries that stayed dynamic and were found as
    /// `libNAME.so` outside the system dirs (`--rpath-dynamic`), in order,
    /// each once.
    pub fn rpath_dirs(&mut self, decisions: &[Decision]) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        let mut dirs = Vec::new();
        for d in decisions {
            if matches!(d.outcome, Outcome::Embed { .. } | Outcome::Drop) {
                continue;
            }
            let LibName::Name(n) = &d.lib else { continue };
            if let Some(dir) = self.probe.rpath_dir(n) {
                if seen.insert(dir.clone()) {
                    dirs.push(dir);
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

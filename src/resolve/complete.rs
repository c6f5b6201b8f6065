//! Dependency completion: the decisions for everything an embedded archive
//! needs, recursively, through the same probe and policy as the libraries
//! on the command line.

use foldhash::HashSet;

use crate::args::LibName;
use std::path::PathBuf;

use super::Resolver;
use crate::model::DepFacts;
use crate::model::Found;
use crate::model::{Decision, Flag, Outcome, Reason, Subject, Warning};
use crate::policy;

/// A chain of dependencies deeper than this is cut: real ones are a few
/// levels deep (libssl -> libcrypto -> libz), and a cycle of `.pc` files
/// must not recurse without end (the seen-set stops a plain cycle).
const MAX_DEPTH: usize = 16;

/// The libraries a walk has placed, so none is added twice and a cycle
/// ends. A walk that fails places nothing: its marks are taken back, not
/// kept in a copy (copying the set per embedded archive made 10,000
/// libraries quadratic).
pub struct Placed {
    set: HashSet<LibName>,
    /// What was inserted, in order, so a failed walk can be undone.
    log: Vec<LibName>,
}

impl Placed {
    pub fn new(libs: impl IntoIterator<Item = LibName>) -> Placed {
        Placed { set: libs.into_iter().collect(), log: Vec::new() }
    }

    /// Marks `lib`; false when it was already placed.
    fn insert(&mut self, lib: &LibName) -> bool {
        let new = self.set.insert(lib.clone());
        if new {
            self.log.push(lib.clone());
        }
        new
    }

    fn mark(&self) -> usize {
        self.log.len()
    }

    /// Takes back every insertion since `mark`.
    fn undo(&mut self, mark: usize) {
        for lib in self.log.drain(mark..) {
            self.set.remove(&lib);
        }
    }
}

/// What completing one embedded library gives.
#[derive(Debug, Default)]
pub struct Completion {
    /// Decisions for the libraries it needs (and theirs, recursively).
    pub decisions: Vec<Decision>,
    /// What its `.pc` requires beside libraries, and that `.pc`.
    pub flags: Vec<Flag>,
    pub flags_from: Option<PathBuf>,
    /// Its `.pc` could not be read or walked: the file and why.
    pub pc_error: Option<(PathBuf, String)>,
    /// The package its `.pc` names, with that file's `Version`.
    pub package: Option<crate::formats::provenance::Package>,
}

impl Completion {
    /// Puts what the completion says about the library itself on its
    /// decision: the flags, and a warning for a `.pc` that cannot be read
    /// (unless the decision already warns).
    pub fn settle(&mut self, d: &mut Decision) {
        d.flags = std::mem::take(&mut self.flags);
        d.flags_from = self.flags_from.take();
        d.package = self.package.take();
        if let (Some((pc, error)), None) = (self.pc_error.take(), &d.warning) {
            d.warning = Some(Warning::PkgConfig { pc, lib: d.lib.clone(), error });
        }
    }
}

/// Decisions for everything `name` (embedded, found at `found`) needs:
/// each dependency is embedded when that is safe (and its own needs can be
/// met) and added dynamically otherwise. On `Ok`, `placed` holds what was
/// placed; on `Err` (a dependency that can be found neither way, named)
/// it is as it was.
pub fn complete(
    r: &mut Resolver<'_>,
    name: &LibName,
    found: &Found,
    placed: &mut Placed,
    depth: usize,
) -> Result<Completion, LibName> {
    let mark = placed.mark();
    let result = walk(r, name, found, placed, depth);
    if result.is_err() {
        placed.undo(mark);
    }
    result
}

fn walk(
    r: &mut Resolver<'_>,
    name: &LibName,
    found: &Found,
    placed: &mut Placed,
    depth: usize,
) -> Result<Completion, LibName> {
    // An archive named by path is known by what `-lNAME` would be
    // (`libfoo.a` is `foo`): its `.pc` and twin are looked for beside it
    // (`probe.deps`, by its stage).
    let n = match name {
        LibName::Name(n) => n.clone(),
        LibName::Path(_) => name.name().into_owned(),
        LibName::Verbatim(_) => return Ok(Completion::default()),
    };
    let n = &n;
    if depth > MAX_DEPTH {
        return Ok(Completion::default());
    }
    let Some(DepFacts { deps, flags, via, pc_error, package }) = r.probe.deps(n, found) else {
        return Ok(Completion::default());
    };
    placed.insert(name);
    let mut out = Vec::new();
    for dep in deps {
        if !placed.insert(&dep.lib) {
            continue;
        }
        let subject = Subject::Dep { of: name.clone(), via: via.clone() };
        if let Some(reason) = r.driver_library(&dep.lib) {
            out.push(Decision::new(dep.lib.clone(), subject, Outcome::Keep, reason));
            continue;
        }
        let mut d = r.decide(&dep.lib, subject, policy::Place::default());
        let mut sub = Vec::new();
        if let (Outcome::Embed { .. }, Some(dep_found)) = (&d.outcome, d.found.clone()) {
            // The walk below places libraries only if it succeeds as a
            // whole: on `Err` its decisions are dropped, and so are its marks.
            match complete(r, &dep.lib, &dep_found, placed, depth + 1) {
                Ok(mut more) => {
                    more.settle(&mut d);
                    sub = more.decisions;
                }
                Err(missing) => {
                    let facts = r.probe.dynamic(&dep);
                    let token = policy::dynamic_token(&dep, facts).ok_or_else(|| missing.clone())?;
                    d.outcome = Outcome::Add { token };
                    d.reason = Reason::IncompleteDeps { missing };
                }
            }
        }
        // A dependency is added, not given in place: its twin is linked by
        // the token that finds it.
        if matches!(d.outcome, Outcome::Keep | Outcome::Twin { .. }) {
            let facts = r.probe.dynamic(&dep);
            let token = policy::dynamic_token(&dep, facts).ok_or_else(|| dep.lib.clone())?;
            d.outcome = Outcome::Add { token };
        }
        out.push(d);
        out.extend(sub);
    }
    let pc_error = pc_error.map(|e| (via.clone(), e));
    let flags_from = (!flags.is_empty()).then(|| via.clone());
    Ok(Completion { decisions: out, flags, flags_from, pc_error, package })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_walk_takes_back_its_marks() {
        let lib = |n: &str| LibName::Name(n.into());
        let mut placed = Placed::new([lib("a")]);
        let mark = placed.mark();
        assert!(placed.insert(&lib("b")) && placed.insert(&lib("c")));
        assert!(!placed.insert(&lib("a")), "already placed");
        placed.undo(mark);
        assert!(!placed.set.contains(&lib("b")) && !placed.set.contains(&lib("c")));
        assert!(placed.set.contains(&lib("a")), "what was there before stays");
    }
}

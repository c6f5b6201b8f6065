//! Dependency completion: the decisions for everything an embedded archive
//! needs, recursively, through the same probe and policy as the libraries
//! on the command line.

use std::collections::HashSet;

use crate::args::LibName;
use crate::decision::{Decision, Outcome, Reason, Subject};
use crate::policy;
use crate::resolve::Resolver;
use crate::search::Found;

/// A chain of dependencies deeper than this is cut: real ones are a few
/// levels deep (libssl -> libcrypto -> libz), and a cycle of `.pc` files
/// must not recurse without end (the seen-set stops a plain cycle).
const MAX_DEPTH: usize = 16;

/// Decisions for everything `name` (embedded, found at `found`) needs:
/// each dependency is embedded when that is safe (and its own needs can be
/// met) and added dynamically otherwise. `seen` holds the libraries already
/// placed; on `Ok` it gains what was placed. `Err` names a dependency that can be found neither way.
pub fn complete(
    r: &mut Resolver<'_>,
    name: &LibName,
    found: &Found,
    seen: &mut HashSet<LibName>,
    depth: usize,
) -> Result<Vec<Decision>, LibName> {
    let LibName::Name(n) = name else {
        return Ok(Vec::new());
    };
    if depth > MAX_DEPTH {
        return Ok(Vec::new());
    }
    let Some((deps, via)) = r.probe.deps(n, found) else {
        return Ok(Vec::new());
    };
    seen.insert(name.clone());
    let mut out = Vec::new();
    for dep in deps {
        if !seen.insert(dep.lib.clone()) {
            continue;
        }
        let subject = Subject::Dep { of: name.clone(), via: via.clone() };
        let mut d = r.decide(&dep.lib, subject, policy::Place::default());
        let mut sub = Vec::new();
        if let (Outcome::Embed { .. }, Some(dep_found)) = (&d.outcome, d.found.clone()) {
            // The walk below places libraries only if it succeeds as a
            // whole: on `Err` its decisions are dropped, and so are its marks.
            let mut below = seen.clone();
            match complete(r, &dep.lib, &dep_found, &mut below, depth + 1) {
                Ok(more) => {
                    *seen = below;
                    sub = more;
                }
                Err(missing) => {
                    let facts = r.probe.dynamic(&dep);
                    let token = policy::dynamic_token(&dep, facts).ok_or_else(|| missing.clone())?;
                    d.outcome = Outcome::Add { token };
                    d.reason = Reason::IncompleteDeps { missing };
                }
            }
        }
        if matches!(d.outcome, Outcome::Keep) {
            let facts = r.probe.dynamic(&dep);
            let token = policy::dynamic_token(&dep, facts).ok_or_else(|| dep.lib.clone())?;
            d.outcome = Outcome::Add { token };
        }
        out.push(d);
        out.extend(sub);
    }
    Ok(out)
}

//! Issue 35: many copies in one process. Pure rules over the closure
//! check's facts: two copies of a strong symbol named (`conflicts`), and
//! the archives linked as private copies (`privates`): `--isolate`, and a
//! whole archive whose byte-identical members an earlier input already
//! brings.

use foldhash::{HashMap, HashSet};
use std::path::PathBuf;

use crate::args::LibName;
use crate::closure::{Fact, LinkFacts, Summary};
use crate::formats::symbols::{Def, Name};
use crate::model::{Decision, Outcome, Warning};
use crate::rewrite::Select;

/// How many symbols a conflict names before "and N more".
const SHOWN: usize = 3;

/// An embedded archive linked as a file solink makes first, in its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Private {
    pub archive: PathBuf,
    pub lib: LibName,
    /// Under `--whole-archive`: every member.
    pub whole: bool,
    /// `--isolate`: one relocatable object (`ld -r`) of the members ld
    /// takes, pulled by these symbols (none when whole), with every
    /// global made local but `keep`.
    pub isolate: Option<Isolated>,
    /// Byte-identical copies an earlier input brings (issue 35 §3): the
    /// members, and their symbols, made weak in a copy of the archive so
    /// the first copy is the one linked.
    pub weaken: Vec<Name>,
    pub dropped: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Isolated {
    pub anchors: Vec<Name>,
    /// What the rest of the link uses from it, and what `--export` names.
    pub keep: Vec<Name>,
}

fn embedded_by<'d>(decisions: &'d [Decision], archive: &std::path::Path) -> Option<&'d Decision> {
    decisions.iter().find(
        |d| matches!(&d.outcome, Outcome::Embed { archives, .. } if archives.iter().any(|a| a == archive)),
    )
}

/// Issue 35 §2: each clash whose copies differ (`same[i]` false) is a
/// warning on the second archive's decision, unless `--isolate` gives it
/// its own copy (the second archive, or for `both` either). An earlier
/// warning is kept.
pub fn conflicts(decisions: &mut [Decision], summary: &Summary, same: &[bool], isolate: &Select) {
    for (k, same) in summary.clashes.iter().zip(same) {
        if *same {
            continue;
        }
        let Some(i) = decisions.iter().position(
            |d| matches!(&d.outcome, Outcome::Embed { archives, .. } if archives.contains(&k.second.0)),
        ) else {
            continue;
        };
        if isolate.wants(&decisions[i].lib.name()) {
            continue;
        }
        let d = &mut decisions[i];
        if d.warning.is_some() {
            continue;
        }
        let symbols: Vec<String> =
            k.symbols.iter().take(SHOWN).map(|n| String::from_utf8_lossy(n).into_owned()).collect();
        let first = match &k.first {
            (path, Some(m)) => crate::closure::member_name(path, m),
            (path, None) => path.display().to_string(),
        };
        d.warning = Some(Warning::Conflict {
            archive: k.second.0.clone(),
            lib: d.lib.clone(),
            more: k.symbols.len().saturating_sub(SHOWN),
            symbols,
            first,
            member: k.second.1.clone(),
            users: k.users.clone(),
            both: k.taken,
        });
    }
}

/// The archives to link as private copies: those `--isolate` selects, and
/// whole archives with byte-identical copies of members an earlier input
/// links (`same`, per clash of `summary`). `exports` are `--export`'s
/// names, kept global wherever they are defined.
pub fn privates(
    decisions: &[Decision],
    facts: &LinkFacts,
    summary: &Summary,
    same: &[bool],
    isolate: &Select,
    exports: &[Name],
) -> Vec<Private> {
    let mut out: Vec<Private> = Vec::new();
    // Every linked object's references, by the fact it belongs to.
    let taken_of = |path: &PathBuf| -> Vec<String> {
        summary.archives.iter().filter(|u| &u.path == path).flat_map(|u| u.members.iter().cloned()).collect()
    };
    let mut refs: Vec<(usize, HashSet<&[u8]>)> = Vec::new();
    let mut defs_before: HashMap<&[u8], usize> = HashMap::default();
    for (i, f) in facts.inputs.iter().enumerate() {
        let mut these: HashSet<&[u8]> = HashSet::default();
        match f {
            Fact::Object(o) => {
                these.extend(o.undefined.iter().map(|(n, _)| &n[..]));
                for (n, d) in &o.defined {
                    if matches!(d, Def::Func | Def::Data) {
                        defs_before.entry(&n[..]).or_insert(i);
                    }
                }
            }
            Fact::Archive { path, syms, whole } => {
                let taken = taken_of(path);
                for m in syms.members.iter().filter(|m| *whole || taken.contains(&m.name)) {
                    these.extend(m.undefined.iter().map(|(n, _)| &n[..]));
                    for (n, d) in &m.defined {
                        if matches!(d, Def::Func | Def::Data) {
                            defs_before.entry(&n[..]).or_insert(i);
                        }
                    }
                }
                // An isolated archive's members find what it defines in its
                // own copy (`ld -r` pulls it): those references use no one else's.
                if embedded_by(decisions, path).is_some_and(|d| isolate.wants(&d.lib.name())) {
                    for m in &syms.members {
                        for (n, _) in &m.defined {
                            these.remove(&n[..]);
                        }
                    }
                }
            }
            _ => {}
        }
        refs.push((i, these));
    }
    for (i, f) in facts.inputs.iter().enumerate() {
        let Fact::Archive { path, syms, whole } = f else { continue };
        if out.iter().any(|p| &p.archive == path) {
            continue;
        }
        let Some(d) = embedded_by(decisions, path) else { continue };
        let taken = taken_of(path);
        if taken.is_empty() && !whole {
            continue;
        }
        let isolated = isolate.wants(&d.lib.name()).then(|| {
            let members: Vec<usize> = (0..syms.members.len())
                .filter(|&m| *whole || taken.contains(&syms.members[m].name))
                .collect();
            let defined: HashSet<&[u8]> =
                members.iter().flat_map(|&m| syms.members[m].defined.iter().map(|(n, _)| &n[..])).collect();
            let mut keep: Vec<Name> = Vec::new();
            for (j, these) in &refs {
                if *j == i {
                    continue;
                }
                for n in these {
                    // Kept when this archive's copy is the one ld binds.
                    let first = defs_before.get(n).map_or(true, |&at| at >= i);
                    if defined.contains(n) && first && !keep.iter().any(|k| &k[..] == *n) {
                        keep.push(Name::from(*n));
                    }
                }
            }
            for e in exports {
                if defined.contains(&e[..]) && !keep.contains(e) {
                    keep.push(e.clone());
                }
            }
            keep.sort();
            let mut anchors = Vec::new();
            if !whole {
                for &m in &members {
                    let by_index =
                        syms.index.iter().flatten().find(|(_, at)| *at as usize == m).map(|(n, _)| n.clone());
                    let anchor = by_index.or_else(|| syms.members[m].defined.first().map(|(n, _)| n.clone()));
                    anchors.extend(anchor);
                }
            }
            Isolated { anchors, keep }
        });
        // Byte-identical copies linked twice: only under --whole-archive.
        let mut weaken = Vec::new();
        let mut dropped = Vec::new();
        if isolated.is_none() {
            for (k, _) in
                summary.clashes.iter().zip(same).filter(|(k, s)| **s && k.taken && &k.second.0 == path)
            {
                weaken.extend(k.symbols.iter().cloned());
                if !dropped.contains(&k.second.1) {
                    dropped.push(k.second.1.clone());
                }
            }
        }
        if isolated.is_none() && weaken.is_empty() {
            continue;
        }
        out.push(Private {
            archive: path.clone(),
            lib: d.lib.clone(),
            whole: *whole,
            isolate: isolated,
            weaken,
            dropped,
        });
    }
    out
}

/// An isolated archive takes its own copy of what another archive's copy
/// stood in for (`ld -r` pulls it), constructors included: those members
/// are no longer left behind.
pub fn ctors_taken(decisions: &mut [Decision], summary: &Summary, isolate: &Select) {
    for d in decisions.iter_mut().filter(|d| isolate.wants(&d.lib.name())) {
        let Some(Warning::CtorsLeft { archive, members, .. }) = &mut d.warning else { continue };
        let own: Vec<&String> = summary
            .clashes
            .iter()
            .filter(|k| !k.taken && k.second.0 == *archive)
            .map(|k| &k.second.1)
            .collect();
        members.retain(|m| !own.contains(&m));
        if members.is_empty() {
            d.warning = None;
        }
    }
}

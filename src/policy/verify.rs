//! The closure check's rules (issue 11), pure: from the symbol facts of
//! the link as ld will see it after the rewrite, which embedded archives
//! contribute nothing and what their pulled members leave undefined; and
//! from that, the changes to the decisions.
//!
//! Where the rules come from:
//! - ld's archive member extraction and what a shared link leaves
//!   undefined are [`crate::closure`]'s (GNU ld manual, "-l namespec",
//!   "--start-group"; bfd's `elf_link_add_archive_symbols`); a weak
//!   undefined symbol needs nothing (ELF gABI, "Symbol Table": an unresolved
//!   weak reference is zero); an unversioned reference binds to an
//!   unversioned or default-version definition only (the GNU versioning
//!   extension of the gABI), which [`crate::formats::symbols`] already applies.
//! - `--wrap=SYM` (GNU ld manual, "--wrap=symbol"): an undefined reference
//!   to `SYM` resolves to `__wrap_SYM`, and one to `__real_SYM` to `SYM`.
//!
//! The probe gathers the facts and caches the [`Summary`]
//! (`probe/closure_facts.rs`); the resolver runs these rules in rounds (facts,
//! policy, facts, policy) until nothing changes.

use std::path::PathBuf;

use crate::closure::member_name;
use crate::model::{Decision, Outcome, Reason, Subject, Warning};

use crate::formats::symbols::Name;

/// The most symbols a reason or warning names; the rest are counted.
pub const SHOWN_SYMBOLS: usize = 3;

// The facts of the link (`Fact`, `LinkFacts`) and its summary (ld's
// extraction) are the closure's: the probe makes them and the store keeps
// the summary without knowing these rules.
use crate::closure::{ArchiveUse, Summary};

/// What the check finds about one embedded decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// ld takes no member from any of its archives; `users`: the objects
    /// that would use them, were they after them (none: nothing does).
    Unused { users: Vec<String> },
    /// Its members leave these symbols undefined: (member, symbols), where
    /// a member is written `libx.a(m.o)`.
    Missing(Vec<(String, Vec<Name>)>),
}

/// The finding for each embedded decision (by index) that has one.
pub fn check(decisions: &[Decision], summary: &Summary) -> Vec<(usize, Finding)> {
    let mut out = Vec::new();
    for (i, d) in decisions.iter().enumerate() {
        let Outcome::Embed { archives, .. } = &d.outcome else { continue };
        let uses: Vec<&ArchiveUse> =
            summary.archives.iter().filter(|u| archives.iter().any(|a| a == &u.path)).collect();
        if uses.is_empty() {
            continue;
        }
        if uses.iter().all(|u| !u.pulled) {
            // Only a reference on the command line is left as given: the
            // user's --embed wins, and an added dependency that ld takes
            // nothing from costs nothing (its .pc or twin says it belongs).
            // One already found unused and kept by path stays so.
            let asked = d.reason == Reason::UserEmbed
                || matches!(d.subject, Subject::Dep { .. })
                || matches!(d.reason, Reason::Unused { .. });
            if !asked {
                let mut users: Vec<String> = uses.iter().flat_map(|u| u.users.iter().cloned()).collect();
                users.dedup();
                out.push((i, Finding::Unused { users }));
            }
            continue;
        }
        let missing: Vec<(String, Vec<Name>)> = uses
            .iter()
            .flat_map(|u| u.missing.iter().map(move |(m, names)| (member_name(&u.path, m), names.clone())))
            .collect();
        if !missing.is_empty() {
            out.push((i, Finding::Missing(missing)));
        }
    }
    out
}

fn shown(names: &[Name]) -> (Vec<String>, usize) {
    let text: Vec<String> =
        names.iter().take(SHOWN_SYMBOLS).map(|n| String::from_utf8_lossy(n).into_owned()).collect();
    (text, names.len().saturating_sub(SHOWN_SYMBOLS))
}

/// An embedded archive that contributes nothing (issue 20 §2). ld takes
/// nothing from it either way, so what decides is whether ld could find
/// it: when ld's own search for the reference finds this same file
/// (`ld_finds_it`), the reference stays as given, which is the plain link;
/// otherwise (LIBSDIR, the workspace: dirs ld never searches) its path
/// stays in place of the reference, as the seed's rule has it, because
/// `-lNAME` would fail the link with "cannot find". What solink added for
/// it goes in both cases.
pub fn unused(decisions: &mut Vec<Decision>, at: usize, users: Vec<String>, ld_finds_it: bool) {
    let lib = decisions[at].lib.clone();
    let d = &mut decisions[at];
    if ld_finds_it {
        d.outcome = Outcome::Keep;
    }
    d.reason = Reason::Unused { users };
    d.warning = None;
    drop_added_for(decisions, &lib);
}

/// Removes what was added after the embedded archives for `lib`, which
/// no longer is embedded, and what was added for those, and so on.
pub fn drop_added_for(decisions: &mut Vec<Decision>, lib: &crate::args::LibName) {
    let mut gone = vec![lib.clone()];
    while let Some(lib) = gone.pop() {
        let (dropped, kept): (Vec<Decision>, Vec<Decision>) = std::mem::take(decisions)
            .into_iter()
            .partition(|d| matches!(&d.subject, Subject::Dep { of, .. } if *of == lib));
        *decisions = kept;
        gone.extend(dropped.into_iter().map(|d| d.lib));
    }
}

/// A shared library found to define symbols that `needed_by` leaves
/// undefined: a dependency added after the embedded archives.
pub fn provider(
    of: &Decision,
    token: std::ffi::OsString,
    path: PathBuf,
    symbols: &[Name],
    needed_by: String,
) -> Decision {
    let (symbols, more) = shown(symbols);
    let lib = match token.as_encoded_bytes().strip_prefix(b"-l:") {
        Some(f) => crate::args::LibName::Verbatim(std::ffi::OsStr::from_bytes(f).to_owned()),
        None => {
            crate::args::LibName::Name(std::ffi::OsStr::from_bytes(&token.as_encoded_bytes()[2..]).to_owned())
        }
    };
    Decision::new(
        lib,
        Subject::Dep { of: of.lib.clone(), via: path },
        Outcome::Add { token },
        Reason::Provides { symbols, more, needed_by },
    )
}

use std::os::unix::ffi::OsStrExt;

/// Whether a provider's `token` names `lib`'s own shared library.
pub fn is_twin_token(lib: &crate::args::LibName, token: &std::ffi::OsStr) -> bool {
    use crate::args::LibName;
    let (LibName::Name(_) | LibName::Path(_)) = lib else { return false };
    token.as_bytes().strip_prefix(b"-l") == Some(lib.name().as_bytes())
}

/// Issue 20 §1 and issue 36 §7: an archive that is not position-independent
/// and has no shared twin is refused before ld runs, when the closure
/// check shows ld pulls the member that is not (ld would fail on its
/// relocation; a member nothing pulls fails no link, and then the archive
/// stays, with the warning). The same whether it is named by path, found
/// for `-lNAME` or `-l:FILE`, or taken by a PIE's own search; not in a
/// static region, where the user's `-Bstatic` leaves ld no other file.
/// Returns the archive (as the command names it, for a path) and the
/// problem.
pub fn refused(
    decisions: &[Decision],
    summary: Option<&Summary>,
) -> Option<(PathBuf, crate::formats::archive::Problem)> {
    let summary = summary?;
    decisions.iter().find_map(|d| {
        let Outcome::Embed { file, .. } = &d.outcome else { return None };
        let problem = match (&d.reason, &d.warning) {
            (Reason::NotPic { problem, shared: None }, _) => problem,
            (Reason::Program, Some(Warning::Unfit { problem, shared: false, .. })) => problem,
            _ => return None,
        };
        let pulled = summary.archives.iter().any(|u| &u.path == file && u.members.contains(&problem.member));
        let named = match &d.lib {
            crate::args::LibName::Path(path) => path.clone(),
            _ => file.clone(),
        };
        (problem.is_not_pic() && pulled).then(|| (named, problem.clone()))
    })
}

/// Symbols no input and no library of the search dirs defines: with a
/// `shared` twin the library stays dynamic; without one it is embedded
/// anyway (ld would link the archive), with the same warning.
pub fn unresolved(d: &mut Decision, needed_by: String, symbols: &[Name], shared: Option<PathBuf>) {
    let archive = d.found.as_ref().map(|f| f.path.clone()).unwrap_or_default();
    let (names, more) = shown(symbols);
    if let Some(so) = &shared {
        d.outcome = crate::policy::twin_outcome(&d.lib, so);
    }
    d.warning = Some(match &shared {
        // A file the user named exactly gives way to its twin, said so.
        Some(so) if crate::policy::names_one_file(&d.lib) => Warning::Twin {
            archive,
            lib: d.lib.clone(),
            why: crate::model::TwinWhy::Unresolved {
                symbols: names.clone(),
                more,
                needed_by: needed_by.clone(),
            },
            so: so.clone(),
        },
        _ => Warning::Unresolved {
            archive,
            lib: d.lib.clone(),
            symbols: names.clone(),
            more,
            needed_by: needed_by.clone(),
            shared: shared.is_some(),
        },
    });
    d.reason = Reason::Unresolved { symbols: names, more, needed_by, shared };
}

/// Issue 13 §4: each embedded decision whose archives have constructor
/// members ld leaves out gets a warning naming them (a system archive's
/// becomes a note with the others, by `system_warning_to_note`). A decision
/// that already has a warning keeps it: it says something more urgent.
pub fn ctors_left(decisions: &mut [Decision], summary: &Summary) {
    for d in decisions.iter_mut() {
        let Outcome::Embed { archives, .. } = &d.outcome else { continue };
        if d.warning.is_some() {
            continue;
        }
        for u in summary.archives.iter().filter(|u| archives.contains(&u.path) && u.pulled) {
            let members: Vec<String> =
                u.ctors_left.iter().map(|(m, _)| m.clone()).filter(|m| !rust_std_member(m)).collect();
            if !members.is_empty() {
                d.warning = Some(Warning::CtorsLeft { archive: u.path.clone(), lib: d.lib.clone(), members });
                break;
            }
        }
    }
}

/// Issue 35 §5: Rust's std in a staticlib (`std-HASH.std.HASH-cgu.0.rcgu.o`).
/// Its one constructor records argc/argv for `std::env::args` when the
/// program starts, which a library loaded later has no use for; pulling
/// it (the advice of [`ctors_left`]) pulls the rest of std after it, and a
/// second staticlib's std then collides with it ("multiple definition of
/// `rust_eh_personality`").
pub fn rust_std_member(member: &str) -> bool {
    member.starts_with("std-") && member.ends_with(".rcgu.o")
}

/// `--whole-archive=auto`: the symbol to ask ld for (`--undefined=SYM`) for
/// each constructor member it would leave out of an embedded archive, so it
/// pulls exactly those members (GNU ld manual, "-u symbol": an undefined
/// symbol forces archive members defining it to be linked). The summary
/// is updated to say they are pulled. Members that define no global
/// symbol cannot be asked for by name: they are returned, and stay out.
pub fn pull_ctors(decisions: &[Decision], summary: &mut Summary) -> (Vec<Name>, Vec<String>) {
    let mut symbols = Vec::new();
    let mut unnamed = Vec::new();
    for d in decisions {
        let Outcome::Embed { archives, .. } = &d.outcome else { continue };
        for u in summary.archives.iter_mut().filter(|u| archives.contains(&u.path)) {
            for (member, anchor) in std::mem::take(&mut u.ctors_left) {
                if rust_std_member(&member) {
                    u.ctors_left.push((member, anchor));
                    continue;
                }
                match anchor {
                    Some(sym) => {
                        if !symbols.contains(&sym) {
                            symbols.push(sym);
                        }
                        u.members.push(member);
                        u.pulled = true;
                    }
                    None => {
                        unnamed.push(member.clone());
                        u.ctors_left.push((member, None));
                    }
                }
            }
        }
    }
    (symbols, unnamed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{LibName, Site};
    use crate::closure::{summarize, Fact, LinkFacts, Needed};
    use crate::formats::symbols::{ArchiveSyms, Def, ObjectSyms, Ref, SharedSyms};

    fn obj(name: &str, defs: &[&str], undefs: &[&str]) -> ObjectSyms {
        let n = |s: &str| -> Name { s.as_bytes().into() };
        ObjectSyms {
            name: name.into(),
            defined: defs.iter().map(|d| (n(d), Def::Func)).collect(),
            undefined: undefs
                .iter()
                .map(|u| match u.strip_prefix('~') {
                    Some(w) => (n(w), Ref::Weak),
                    None => (n(u), Ref::Strong),
                })
                .collect(),
            ..ObjectSyms::default()
        }
    }

    fn archive(path: &str, members: Vec<ObjectSyms>) -> Fact {
        let index = members
            .iter()
            .enumerate()
            .flat_map(|(m, o)| o.defined.iter().map(move |(n, _)| (n.clone(), m as u32)))
            .collect();
        Fact::Archive {
            path: path.into(),
            syms: ArchiveSyms { index: Some(index), members, thin: false }.into(),
            whole: false,
        }
    }

    fn shared(exports: &[&str], needed: Needed) -> Fact {
        let s = SharedSyms {
            exports: exports.iter().map(|e| e.as_bytes().into()).collect(),
            ..SharedSyms::default()
        };
        Fact::Shared(s.into(), needed)
    }

    fn embedded(name: &str, path: &str) -> Decision {
        Decision::new(
            LibName::Name(name.into()),
            Subject::Ref { site: Site::Driver { arg: 0 } },
            Outcome::embed(path.into()),
            Reason::FirstArchive,
        )
    }

    fn check_facts(inputs: Vec<Fact>, wraps: &[&str], expected: Vec<(usize, Finding)>) {
        let facts = LinkFacts { inputs, wraps: wraps.iter().map(|w| w.as_bytes().into()).collect() };
        let decisions = vec![embedded("x", "/L/libx.a"), embedded("y", "/L/liby.a")];
        let summary = summarize(&facts);
        assert_eq!(check(&decisions, &summary), expected, "{summary:?}");
    }

    fn unused(users: &[&str]) -> Finding {
        Finding::Unused { users: users.iter().map(|u| u.to_string()).collect() }
    }

    fn missing(member: &str, names: &[&str]) -> Finding {
        Finding::Missing(vec![(member.into(), names.iter().map(|n| n.as_bytes().into()).collect())])
    }

    #[test]
    fn closure_rules() {
        let user = || Fact::Object(obj("t.o", &["f"], &["x"]).into());
        let libx = |undef: &[&str]| archive("/L/libx.a", vec![obj("x.o", &["x"], undef)]);
        let libc = || shared(&["malloc"], Needed::Always);
        // Everything resolves: no finding.
        check_facts(vec![user(), libx(&["malloc"]), libc()], &[], vec![]);
        // Placed before its user: ld takes nothing from it.
        check_facts(vec![libx(&[]), user(), libc()], &[], vec![(0, unused(&["t.o"]))]);
        // Nothing uses it at all.
        let other = || Fact::Object(obj("o.o", &["f"], &["malloc"]).into());
        check_facts(vec![other(), libx(&[]), libc()], &[], vec![(0, unused(&[]))]);
        check_facts(vec![libx(&[]), other(), libc()], &[], vec![(0, unused(&[]))]);
        // A symbol something linked defines is no use of it.
        let both = || Fact::Object(obj("b.o", &["x"], &[]).into());
        check_facts(vec![libx(&[]), user(), both()], &[], vec![(0, unused(&[]))]);
        // A strong reference nothing defines is missing, named by member.
        check_facts(
            vec![user(), libx(&["omp_get_thread_num"])],
            &[],
            vec![(0, missing("libx.a(x.o)", &["omp_get_thread_num"]))],
        );
        // A weak one is fine (the gABI: it resolves to zero).
        check_facts(vec![user(), libx(&["~__gmon_start__"])], &[], vec![]);
        // Members of two embedded archives find each other in a group.
        let liby = || archive("/L/liby.a", vec![obj("y.o", &["y"], &["x"])]);
        let usey = || Fact::Object(obj("t.o", &["f"], &["y"]).into());
        check_facts(vec![usey(), Fact::GroupStart, libx(&[]), liby(), Fact::GroupEnd], &[], vec![]);
        // Without the group, x comes too late for y's reference.
        check_facts(
            vec![usey(), libx(&[]), liby()],
            &[],
            vec![(0, unused(&["liby.a(y.o)"])), (1, missing("liby.a(y.o)", &["x"]))],
        );
        // An --as-needed library that nothing needs yet when read defines nothing.
        check_facts(
            vec![shared(&["malloc"], Needed::AsNeeded), user(), libx(&["malloc"])],
            &[],
            vec![(0, missing("libx.a(x.o)", &["malloc"]))],
        );
        // --wrap: a reference to SYM needs __wrap_SYM; __real_SYM needs SYM.
        let wrapx = || archive("/L/libx.a", vec![obj("x.o", &["x", "__wrap_open"], &["__real_open"])]);
        let useopen = || Fact::Object(obj("t.o", &["f"], &["x", "open"]).into());
        check_facts(vec![useopen(), wrapx(), shared(&["open"], Needed::Always)], &["open"], vec![]);
        check_facts(vec![useopen(), wrapx()], &["open"], vec![(0, missing("libx.a(x.o)", &["open"]))]);
        // A whole archive is linked whole, wherever it sits.
        let whole = Fact::Archive {
            path: "/L/libx.a".into(),
            syms: ArchiveSyms { index: None, members: vec![obj("x.o", &["x"], &["z"])], thin: false }.into(),
            whole: true,
        };
        check_facts(vec![whole, user()], &[], vec![(0, missing("libx.a(x.o)", &["z"]))]);
    }

    #[test]
    fn decision_rules() {
        let mut ds = vec![embedded("x", "/L/libx.a")];
        ds.push(Decision::new(
            LibName::Name("m".into()),
            Subject::Dep { of: LibName::Name("x".into()), via: "/L/x.pc".into() },
            Outcome::Add { token: "-lm".into() },
            Reason::RuntimeLibrary,
        ));
        ds.push(Decision::new(
            LibName::Name("lzma".into()),
            Subject::Dep { of: LibName::Name("m".into()), via: "/L/m.pc".into() },
            Outcome::Add { token: "-llzma".into() },
            Reason::FirstArchive,
        ));
        let mut by_path = ds.clone();
        super::unused(&mut ds, 0, vec!["t.o".into()], true);
        assert_eq!(ds.len(), 1, "what was added for an unused archive goes too, and what was added for that");
        let reason = Reason::Unused { users: vec!["t.o".into()] };
        assert_eq!((&ds[0].outcome, &ds[0].reason), (&Outcome::Keep, &reason), "ld finds it: as given");
        super::unused(&mut by_path, 0, vec![], false);
        assert_eq!(by_path.len(), 1, "what was added goes by path too");
        let reason = Reason::Unused { users: vec![] };
        assert_eq!(
            (&by_path[0].outcome, &by_path[0].reason),
            (&Outcome::embed("/L/libx.a".into()), &reason),
            "ld would not find it: its path stays"
        );
        assert!(check(&by_path, &Summary::default()).is_empty(), "and it is not found unused again");

        let names: Vec<Name> = ["a", "b", "c", "d", "e"].iter().map(|n| n.as_bytes().into()).collect();
        let p = provider(&ds[0], "-lgomp".into(), "/G/libgomp.so".into(), &names[..2], "libx.a(x.o)".into());
        assert_eq!(p.lib, LibName::Name("gomp".into()));
        assert_eq!(p.outcome, Outcome::Add { token: "-lgomp".into() });
        let p =
            provider(&ds[0], "-l:libcudart.so.12".into(), "/C/libcudart.so.12".into(), &names, "m".into());
        assert_eq!(p.lib, LibName::Verbatim("libcudart.so.12".into()));
        assert!(matches!(p.reason, Reason::Provides { ref symbols, more: 2, .. } if symbols.len() == 3));

        let mut d = embedded("x", "/L/libx.a");
        unresolved(&mut d, "libx.a(x.o)".into(), &names[..1], Some("/L/libx.so".into()));
        assert_eq!(d.outcome, Outcome::Keep, "a twin serves instead");
        assert!(matches!(d.warning, Some(Warning::Unresolved { shared: true, .. })));
        let mut d = embedded("x", "/L/libx.a");
        unresolved(&mut d, "libx.a(x.o)".into(), &names[..1], None);
        assert_eq!(d.outcome, Outcome::embed("/L/libx.a".into()), "no twin: embedded, as ld would");
        assert!(matches!(d.warning, Some(Warning::Unresolved { shared: false, .. })));
    }

    /// An archive whose `reg.o` (with a constructor, defining `reg_anchor`)
    /// nothing references, and `anon.o` (a constructor, no global symbol).
    fn ctor_summary() -> Summary {
        let mut reg = obj("reg.o", &["reg_anchor"], &[]);
        reg.ctors = true;
        let mut anon = obj("anon.o", &[], &[]);
        anon.ctors = true;
        let facts = LinkFacts {
            inputs: vec![
                Fact::Object(obj("a.o", &[], &["used"]).into()),
                archive("/L/libx.a", vec![obj("used.o", &["used"], &[]), reg, anon]),
            ],
            wraps: vec![],
        };
        summarize(&facts)
    }

    #[test]
    fn constructors_left_behind_are_named_and_auto_pulls_the_named_ones() {
        let mut summary = ctor_summary();
        let u = &summary.archives[0];
        assert_eq!(u.members, ["used.o"]);
        assert_eq!(
            u.ctors_left,
            [("reg.o".to_string(), Some(Name::from(&b"reg_anchor"[..]))), ("anon.o".to_string(), None)]
        );
        let mut ds = vec![embedded("x", "/L/libx.a")];
        ctors_left(&mut ds, &summary);
        assert_eq!(
            ds[0].warning,
            Some(Warning::CtorsLeft {
                archive: "/L/libx.a".into(),
                lib: LibName::Name("x".into()),
                members: vec!["reg.o".into(), "anon.o".into()],
            })
        );
        // --whole-archive=auto: reg.o by its symbol; anon.o cannot be named.
        let (syms, unnamed) = pull_ctors(&ds, &mut summary);
        assert_eq!(syms, [Name::from(&b"reg_anchor"[..])]);
        assert_eq!(unnamed, ["anon.o"]);
        assert_eq!(summary.archives[0].members, ["used.o", "reg.o"]);
        let mut ds = vec![embedded("x", "/L/libx.a")];
        ctors_left(&mut ds, &summary);
        assert!(matches!(&ds[0].warning, Some(Warning::CtorsLeft { members, .. }) if members == &["anon.o"]));
        // Rust's std in a staticlib draws no advice (issue 35 §5).
        assert!(rust_std_member("std-d1237ef7159db0a2.std.e28293b1aa0f68bd-cgu.0.rcgu.o"));
        assert!(!rust_std_member("stdio.o"));
        // An earlier warning is kept.
        let mut ds = vec![embedded("x", "/L/libx.a")];
        unresolved(&mut ds[0], "libx.a(x.o)".into(), &[Name::from(&b"f"[..])], None);
        ctors_left(&mut ds, &ctor_summary());
        assert!(matches!(ds[0].warning, Some(Warning::Unresolved { .. })));
    }
}

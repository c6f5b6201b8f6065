//! Policy: the embedding rules of docs/embedding.md, as pure functions.
//!
//! Nothing here reads a file, stats a path or touches the cache: the rules
//! get the user's choices and the probe's facts (`model::LibFacts`) and
//! return decisions. So every rule is one line of a table test below, and a
//! cache bug can change a fact but never a rule.

pub mod export;
pub mod isolate;
pub mod verify;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::args::LibName;
use crate::formats::archive::{ElfId, Verdict};
use crate::model::Dep;
use crate::model::{archive_file_name, fit_for, is_runtime, Candidate, DynFacts, LibFacts, ScriptInput};
use crate::model::{Decision, Note, Outcome, Reason, ScriptProblem, Subject, TwinWhy, Unreadable, Warning};
use crate::model::{Found, Stage};

/// The user's choices that shape decisions.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub embed: Vec<OsString>,
    pub no_embed: Vec<OsString>,
    pub no_deps: bool,
    /// pkgconf's settings (a probe input: where `.pc` files are looked for
    /// and how they are read).
    pub pkg_config: crate::formats::pkgconfig::Config,
    /// The libraries the driver links by itself (`c`, `gcc`, `gcc_s`, and
    /// `stdc++`, `m` for a C++ driver; none for ld): never added as a
    /// dependency.
    pub driver_libs: Vec<OsString>,
    /// `-nostdlib`/`-nodefaultlibs`: the driver adds none of them, and
    /// solink adds none either.
    pub no_default_libs: bool,
    /// The seed's literal rule (`--archive-first`): the first `libNAME.a`
    /// wins even behind a `libNAME.so` in a directory ld searches first.
    pub archive_first: bool,
    /// What the link makes (issue 31): a program's libraries are what
    /// ld's own search takes, checked; only a shared object's are
    /// searched for and replaced.
    pub output: crate::args::Output,
}

impl Policy {
    fn wants_embedded(&self, name: &OsStr) -> bool {
        self.embed.iter().any(|e| e == name)
    }

    fn refuses_embedding(&self, name: &OsStr) -> bool {
        self.no_embed.iter().any(|e| e == name)
    }
}

/// Where a reference sits, as far as the rules care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// `-o libNAME.so` and this is `-lNAME`.
    pub self_reference: bool,
    /// After `-Wl,-Bstatic`, or with `-static`.
    pub static_region: bool,
}

/// What to do before any search: look for this file, or it is decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    File(OsString),
    /// What ld itself takes for the reference, statically or not, judged
    /// as written (`taken`): a static region, a program's library.
    Taken {
        static_: bool,
        reason: Reason,
    },
    /// An archive named by its path: ld reads that very file, so it is
    /// judged where it is, never searched for (issue 20 §1).
    Given(PathBuf),
    Decided(Outcome, Reason),
}

/// Rules 1 to 4 of docs/embedding.md, and `-l:FILE` naming no archive:
/// the rules that need no search at all.
pub fn before_search(lib: &LibName, place: Place, policy: &Policy) -> Search {
    // The user chose that file; a static region changes only what `-l`
    // finds, and no runtime rule applies to a file the user built or named.
    let program = matches!(policy.output, crate::args::Output::Program { .. });
    if let LibName::Path(p) = lib {
        return match program {
            // A program's archive is what it is: checked, never swapped.
            true => Search::Taken { static_: false, reason: Reason::Given },
            false => Search::Given(p.clone()),
        };
    }
    if place.self_reference && !program {
        return Search::Decided(Outcome::Drop, Reason::SelfReference);
    }
    // Issue 31: the user chose; ld's own static search picks the file,
    // which is checked and recorded like an embedded archive, never
    // replaced. A runtime the user links statically is theirs to link.
    if place.static_region {
        return match lib {
            LibName::Name(n) if is_runtime(n) => Search::Decided(Outcome::Keep, Reason::StaticRegion),
            _ => Search::Taken { static_: true, reason: Reason::StaticRegion },
        };
    }
    if program {
        return match lib {
            LibName::Name(n) if is_runtime(n) => Search::Decided(Outcome::Keep, Reason::RuntimeLibrary),
            _ => Search::Taken { static_: false, reason: Reason::Program },
        };
    }
    match lib {
        LibName::Name(n) if policy.refuses_embedding(n) => {
            Search::Decided(Outcome::Keep, Reason::UserNoEmbed)
        }
        LibName::Name(n) if is_runtime(n) && !policy.wants_embedded(n) => {
            Search::Decided(Outcome::Keep, Reason::RuntimeLibrary)
        }
        LibName::Name(n) => Search::File(archive_file_name(n)),
        LibName::Verbatim(f) if f.as_bytes().ends_with(b".a") => Search::File(f.clone()),
        LibName::Verbatim(_) => Search::Decided(Outcome::Keep, Reason::NotAnArchiveName),
        LibName::Path(_) => unreachable!("returned above"),
    }
}

/// Issue 20 §7: a reference solink leaves to ld, which the probe found ld
/// will not find (`only`: the versioned file there is, if any), warns
/// before the link: ld's own "cannot find" would come after, without the
/// fix. Only a reference nothing else warns about, that stays as given
/// and was searched for without finding an archive.
pub fn ld_will_not_find(d: &mut Decision, only: Option<(PathBuf, OsString)>) {
    if d.warning.is_none() && d.outcome == Outcome::Keep && d.reason == Reason::NotFound {
        d.warning = Some(Warning::LdWillNotFind { lib: d.lib.clone(), only });
    }
}

/// Issue 31 §8: a reference left dynamic whose only `libNAME.so` is in
/// `dir`, which ld does not search: ld is given the directory.
pub fn shared_outside_ld(d: &mut Decision, so: PathBuf, dir: PathBuf) {
    d.reason = Reason::SharedOutsideLd { so, dir };
    d.warning = None;
}

/// The directories ld is given for `shared_outside_ld`, each once, in order.
pub fn added_lib_dirs(decisions: &[Decision]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for d in decisions {
        if let (Outcome::Keep, Reason::SharedOutsideLd { dir, .. }) = (&d.outcome, &d.reason) {
            if !dirs.contains(dir) {
                dirs.push(dir.clone());
            }
        }
    }
    dirs
}

/// Whether ld reads exactly the file the reference names (a path, or
/// `-l:FILE`): leaving it as given then links the archive, so "dynamic"
/// means the shared twin beside it, put in its place.
pub fn names_one_file(lib: &LibName) -> bool {
    matches!(lib, LibName::Path(_) | LibName::Verbatim(_))
}

/// How a library goes dynamic for its shared twin `so`: `-lNAME` as
/// given (ld finds the `.so`), or the twin in place of a file named
/// exactly.
fn dynamic_outcome(lib: &LibName, so: &Path) -> Outcome {
    match names_one_file(lib) {
        true => Outcome::Twin { so: so.to_path_buf() },
        false => Outcome::Keep,
    }
}

/// Issue 31: the file ld itself takes for a reference as written (a
/// static region, a program's library), never replaced: an archive ld
/// takes is embedded as written (`Decision::as_written`), so the closure
/// check, the note, `--hide` and the warnings see it; anything else (a
/// shared library, nothing found, a file ld cannot read) stays as given.
/// A relocation problem warns only where the output cannot hold it
/// (`Output::refuses`).
pub fn taken(
    lib: &LibName,
    subject: Subject,
    facts: LibFacts,
    reason: Reason,
    output: crate::args::Output,
    target: ElfId,
) -> Decision {
    let LibFacts { notes, candidate } = facts;
    let Some(c) = candidate else {
        let mut d = Decision::new(lib.clone(), subject, Outcome::Keep, reason);
        d.notes = notes;
        return d;
    };
    let archive = c.found.path.clone();
    let (outcome, warning) = match &c.verdict {
        Verdict::Objects { problem: None, .. } => (Outcome::embed(archive), None),
        Verdict::Objects { problem: Some(p), .. } if p.is_not_pic() && !output.refuses(p) => {
            (Outcome::embed(archive), None)
        }
        Verdict::Objects { problem: Some(p), .. } if p.ld_refuses() => (Outcome::Keep, None),
        Verdict::Objects { problem: Some(p), .. } => {
            let warning = Warning::Unfit {
                archive: archive.clone(),
                lib: lib.clone(),
                problem: p.clone(),
                shared: false,
            };
            (Outcome::embed(archive), Some(warning))
        }
        Verdict::Script(_) => match script_archives(&c.script, target) {
            Ok(archives) => (Outcome::Embed { file: archive, archives }, None),
            Err(_) => (Outcome::Keep, None),
        },
        Verdict::Empty | Verdict::NotArchive | Verdict::Damaged(_) => (Outcome::Keep, None),
    };
    let mut d = Decision::new(lib.clone(), subject, outcome, reason);
    d.as_written = matches!(d.outcome, Outcome::Embed { .. });
    d.found = Some(c.found);
    d.notes = notes;
    d.warning = warning;
    system_warning_to_note(&mut d);
    d
}

/// An archive solink found for a reference (`-lNAME`) that another
/// reference of the command names itself (`same` says which decisions
/// embed one file) stays as given: the command already brings it. So does
/// an archive solink would put in place of two references when either
/// stands where ld takes every member (`whole`, by index, the user's
/// `--whole-archive`): ld would read it whole twice and define every
/// symbol twice, where the plain link takes `libNAME.so` twice. `same`
/// gives a file the key two names of one file share.
pub fn named_elsewhere<K: std::hash::Hash + Eq>(
    decisions: &mut [Decision],
    same: impl Fn(&Path) -> K,
    whole: impl Fn(usize) -> bool,
) {
    let substituted = |d: &Decision| {
        matches!((&d.outcome, &d.lib, d.as_written), (Outcome::Embed { .. }, LibName::Name(_), false))
    };
    // Grouped by file, so a link of ten thousand archives compares each once.
    let mut by_file: foldhash::HashMap<K, Vec<usize>> = foldhash::HashMap::default();
    for (i, d) in decisions.iter().enumerate() {
        if let Outcome::Embed { file, .. } = &d.outcome {
            by_file.entry(same(file)).or_default().push(i);
        }
    }
    let mut keep: Vec<(usize, String)> = Vec::new();
    for group in by_file.values().filter(|g| g.len() > 1) {
        // The first reference of the group ld reads as written, and the
        // first two substituted ones, whole or not: each substituted
        // reference is kept dynamic by the first other one that either
        // names the file or would be read whole twice with it, found in
        // one pass over the group, not one per reference.
        let named =
            group.iter().copied().find(|&j| decisions[j].as_written || names_one_file(&decisions[j].lib));
        let first_two = |pick: &dyn Fn(usize) -> bool| {
            let mut it = group.iter().copied().filter(|&j| substituted(&decisions[j]) && pick(j));
            [it.next(), it.next()]
        };
        let subs = first_two(&|_| true);
        let whole_subs = first_two(&|j| whole(j));
        let other = |two: [Option<usize>; 2], i: usize| two.into_iter().flatten().find(|&j| j != i);
        for &i in group.iter().filter(|&&i| substituted(&decisions[i])) {
            let twice_whole = if whole(i) { other(subs, i) } else { other(whole_subs, i) };
            // The group is in command order, as its indices are.
            let by = [named.filter(|&j| j != i), twice_whole].into_iter().flatten().min();
            if let Some(j) = by {
                keep.push((i, decisions[j].lib.display()));
            }
        }
    }
    for (i, by) in keep {
        let d = &mut decisions[i];
        d.outcome = Outcome::Keep;
        d.reason = Reason::NamedElsewhere { by };
        d.warning = None;
    }
}

/// Rules 5 to 7: the decision on a library that was searched for.
pub fn judge(lib: &LibName, subject: Subject, facts: LibFacts, policy: &Policy, target: ElfId) -> Decision {
    let LibFacts { notes, candidate } = facts;
    let Some(c) = candidate else {
        let mut d = Decision::new(lib.clone(), subject, Outcome::Keep, Reason::NotFound);
        d.notes = notes;
        return d;
    };
    let forced = matches!(lib, LibName::Name(n) if policy.wants_embedded(n));
    let (outcome, reason, warning) = match &c.shadowed_by {
        _ if forced => (Outcome::embed(c.found.path.clone()), Reason::UserEmbed, None),
        Some(so) if !policy.archive_first => (Outcome::Keep, Reason::Shadowed { so: so.clone() }, None),
        _ => by_verdict(lib, &c, target),
    };
    let mut d = Decision::new(lib.clone(), subject, outcome, reason);
    d.found = Some(c.found);
    d.notes = notes;
    d.warning = warning;
    system_warning_to_note(&mut d);
    d
}

/// A warning about an archive found in the system directories becomes a
/// note (`Note::System`): the distribution's archives are not the user's
/// to rebuild, and a plain `-lz` on a machine with zlib1g-dev must not
/// print "not position-independent" on every link or fail `--strict`.
/// Warnings are for what the user's configuration points to: LIBSDIR,
/// `-L` and the workspace.
pub fn system_warning_to_note(d: &mut Decision) {
    if d.found.as_ref().is_some_and(|f| f.stage == Stage::System) {
        if let Some(w) = d.warning.take() {
            d.notes.push(Note::System(w));
        }
    }
}

/// The libraries a compiler driver links by itself in a shared link (gcc's
/// `link_gcc_c_sequence` and `libgcc` specs: `-lgcc -lgcc_s -lc`, and g++
/// adds `-lstdc++ -lm`; clang's are the same on Linux). A linker called
/// directly adds none.
pub fn driver_libraries(family: crate::args::family::Family) -> Vec<OsString> {
    if family == crate::args::family::Family::Ld {
        return Vec::new();
    }
    let mut libs = vec!["c", "gcc", "gcc_s"];
    // nvcc links with its host C++ compiler (g++ unless `-ccbin` says).
    if family.cxx() {
        libs.extend(["stdc++", "m"]);
    }
    libs.into_iter().map(OsString::from).collect()
}

/// A dependency the driver links by itself is not added (`DriverLibrary`),
/// nor under `-nostdlib`/`-nodefaultlibs` (`NoDefaultLibs`).
pub fn driver_library(lib: &LibName, policy: &Policy) -> Option<Reason> {
    let LibName::Name(n) = lib else { return None };
    if !policy.driver_libs.iter().any(|d| d == n) {
        return None;
    }
    Some(if policy.no_default_libs { Reason::NoDefaultLibs } else { Reason::DriverLibrary })
}

/// Rule 7: the verdict on the archive found decides.
fn by_verdict(lib: &LibName, c: &Candidate, target: ElfId) -> (Outcome, Reason, Option<Warning>) {
    let archive = c.found.path.clone();
    let lib = lib.clone();
    match &c.verdict {
        Verdict::Empty => (Outcome::Keep, Reason::Empty, None),
        Verdict::NotArchive | Verdict::Damaged(_) => {
            let what = match &c.verdict {
                Verdict::Damaged(e) => Unreadable::Damaged(e.clone()),
                _ => Unreadable::NotArchive,
            };
            let warning = Warning::Unreadable { archive, lib, what: what.clone() };
            (Outcome::Keep, Reason::Unreadable(what), Some(warning))
        }
        Verdict::Script(_) => match script_archives(&c.script, target) {
            Ok(archives) => (Outcome::Embed { file: archive, archives }, Reason::ScriptOverArchives, None),
            Err(why) => match &c.shared {
                Some(so) if names_one_file(&lib) => {
                    let warning =
                        Warning::Twin { archive, lib, why: TwinWhy::Script(why.clone()), so: so.clone() };
                    (Outcome::Twin { so: so.clone() }, Reason::UnsafeScript(why), Some(warning))
                }
                _ => {
                    let warning = Warning::UnsafeScript { archive, lib, why: why.clone() };
                    (Outcome::Keep, Reason::UnsafeScript(why), Some(warning))
                }
            },
        },
        Verdict::Objects { problem: None, .. } if c.found.stage == Stage::Given => {
            (Outcome::embed(archive), Reason::Given, None)
        }
        Verdict::Objects { problem: None, .. } => (Outcome::embed(archive), Reason::FirstArchive, None),
        Verdict::Objects { problem: Some(p), .. } => {
            let warning = match &c.shared {
                // The user named that file: swapping it is said.
                Some(so) if names_one_file(&lib) => Warning::Twin {
                    archive: archive.clone(),
                    lib: lib.clone(),
                    why: TwinWhy::Unfit(p.clone()),
                    so: so.clone(),
                },
                _ => Warning::Unfit {
                    archive: archive.clone(),
                    lib: lib.clone(),
                    problem: p.clone(),
                    shared: c.shared.is_some(),
                },
            };
            let outcome = match &c.shared {
                Some(so) => dynamic_outcome(&lib, so),
                // No twin and one ld refuses (issue 20 §5): as given, as
                // the plain link has it; the warning says ld will fail.
                None if p.ld_refuses() => Outcome::Keep,
                // No twin: ld would link the archive itself.
                None => Outcome::embed(archive),
            };
            (outcome, Reason::NotPic { problem: p.clone(), shared: c.shared.clone() }, Some(warning))
        }
    }
}

/// A script is safe when every input is a compatible PIC archive (or
/// empty). The archives, or the first reason why not.
fn script_archives(inputs: &[ScriptInput], target: ElfId) -> Result<Vec<PathBuf>, ScriptProblem> {
    let mut archives = Vec::new();
    for input in inputs {
        match input {
            ScriptInput::Lib(l) => return Err(ScriptProblem::Lib(l.clone())),
            ScriptInput::Missing(f) => return Err(ScriptProblem::Missing(f.clone())),
            ScriptInput::File(f, v) if fit_for(v, target) || *v == Verdict::Empty => archives.push(f.clone()),
            ScriptInput::File(f, Verdict::Objects { problem: Some(p), .. }) => {
                return Err(ScriptProblem::Unfit { file: f.clone(), problem: p.clone() })
            }
            ScriptInput::File(f, _) => return Err(ScriptProblem::NotEmbeddable(f.clone())),
        }
    }
    Ok(archives)
}

/// A path with a comma cannot go inside `-Wl,` (ld would split it): the
/// reference stays as given.
pub fn comma_in_path(d: &mut Decision, inside_wl: bool) {
    if let (Outcome::Embed { file, .. }, true) = (&d.outcome, inside_wl) {
        if file.as_os_str().as_bytes().contains(&b',') {
            d.outcome = Outcome::Keep;
            d.reason = Reason::CommaInPath;
        }
    }
}

/// An embedded archive whose dependency `missing` cannot be found: with a
/// `shared` twin it stays dynamic; without one it stays embedded, as ld
/// would link it, with a warning.
pub fn incomplete(d: &mut Decision, missing: LibName, shared: Option<PathBuf>) {
    let archive = d.found.as_ref().map(|f| f.path.clone()).unwrap_or_default();
    d.reason = Reason::IncompleteDeps { missing: missing.clone() };
    d.warning = match &shared {
        Some(so) if names_one_file(&d.lib) => Some(Warning::Twin {
            archive,
            lib: d.lib.clone(),
            why: TwinWhy::Incomplete(missing),
            so: so.clone(),
        }),
        _ => Some(Warning::IncompleteDeps { archive, lib: d.lib.clone(), missing, shared: shared.is_some() }),
    };
    if let Some(so) = &shared {
        d.outcome = dynamic_outcome(&d.lib, so);
    }
}

/// [`dynamic_outcome`], for the closure check's rules.
pub fn twin_outcome(lib: &LibName, so: &Path) -> Outcome {
    dynamic_outcome(lib, so)
}

/// A shared library the link takes dynamically, with the entries of its
/// `.note.solink`.
#[derive(Clone, Debug)]
pub struct Carrier {
    pub so: PathBuf,
    pub entries: Vec<crate::formats::provenance::Entry>,
    /// Whether it comes after the reference judged on the command line.
    pub after: bool,
}

/// Issue 13 §3, at link time: an embedding whose archives (one archive, or
/// the archives of a linker script) shared libraries the link takes
/// dynamically already embed, per their `.note.solink` (`carriers`: each
/// such library with its entries). `digests`: the SHA-256 of each archive
/// the embedding brings; one without is carried by none.
///
/// An entry is that archive when it has the same digest and either the same
/// library name (`foo` for `-lfoo`, whichever archive of a script) or the
/// same file name: a carrier that linked `-lfoo_a` recorded `foo_a`, one
/// that linked the script `libfoo.a` over it recorded `foo`. Another build
/// of the archive is another copy.
///
/// Every archive exported somewhere: the reference stays as given, so ld
/// resolves its symbols from those libraries as it does for any definition
/// a `DT_NEEDED` library exports (and if `libNAME.so` exists ld links it
/// instead, which is the plain link's choice), and there is one copy in the
/// process; this is Bazel's `dynamic_deps`. When a carrier it needs comes
/// after the reference, ld alone would pull the archive's members in at the
/// reference (their symbols are still undefined there): the reference is
/// dropped instead. A carrier before the reference is preferred, so the
/// reference stays as given when it can.
///
/// Otherwise the embedding stays, and a warning says when the process will
/// hold two copies: an archive carried only hidden (that copy is unusable
/// from here, `CarriedHidden`), or archives of a script carried exported
/// only by libraries after the reference, which ld pulls in again there
/// (`CarriedPartly`). Archives carried by a library before the reference
/// are not pulled again: ld finds their symbols defined and takes only the
/// rest from the script. Returns whether the decision went back to dynamic.
pub fn carried(
    d: &mut Decision,
    digests: &[(PathBuf, crate::formats::provenance::Digest)],
    carriers: &[Carrier],
) -> bool {
    let Outcome::Embed { file, archives } = &d.outcome else { return false };
    if archives.is_empty() {
        return false;
    }
    let held: Vec<Held> = archives.iter().map(|a| held(&d.lib, a, digests, carriers)).collect();
    let exported: Vec<(&Carrier, &crate::formats::provenance::Entry)> = held
        .iter()
        .filter_map(|h| match h {
            Held::Exported(c, e) => Some((*c, *e)),
            _ => None,
        })
        .collect();
    if exported.len() == archives.len() {
        d.reason = match (archives.as_slice(), exported.as_slice()) {
            ([one], [(c, e)]) if one == file => Reason::CarriedBy { so: c.so.clone(), file: e.file.clone() },
            _ => Reason::CarriedScript {
                by: exported.iter().map(|(c, e)| (e.file.clone(), c.so.clone())).collect(),
            },
        };
        d.outcome = if exported.iter().any(|(c, _)| c.after) { Outcome::Drop } else { Outcome::Keep };
        return true;
    }
    if d.warning.is_some() {
        return false;
    }
    let hidden = archives.iter().zip(&held).find_map(|(a, h)| match h {
        Held::Hidden(c) => Some((a, *c)),
        _ => None,
    });
    let twice: Vec<(PathBuf, PathBuf)> = archives
        .iter()
        .zip(&held)
        .filter_map(|(a, h)| match h {
            Held::Exported(c, _) if c.after => Some((a.clone(), c.so.clone())),
            _ => None,
        })
        .collect();
    if let Some((archive, c)) = hidden {
        d.warning =
            Some(Warning::CarriedHidden { archive: archive.clone(), lib: d.lib.clone(), so: c.so.clone() });
    } else if !twice.is_empty() {
        let rest = archives
            .iter()
            .zip(&held)
            .filter(|(_, h)| !matches!(h, Held::Exported(..)))
            .map(|(a, _)| a.clone())
            .collect();
        d.warning =
            Some(Warning::CarriedPartly { script: file.clone(), lib: d.lib.clone(), carried: twice, rest });
    }
    false
}

/// What the carriers hold of one archive an embedding brings.
enum Held<'a> {
    /// An exported copy, in this carrier (one before the reference when
    /// any has one): the one ld can resolve against.
    Exported(&'a Carrier, &'a crate::formats::provenance::Entry),
    /// Only hidden copies; this carrier has one.
    Hidden(&'a Carrier),
    None,
}

/// [`carried`] for one `archive` of the embedding of `lib`.
fn held<'a>(
    lib: &LibName,
    archive: &Path,
    digests: &[(PathBuf, crate::formats::provenance::Digest)],
    carriers: &'a [Carrier],
) -> Held<'a> {
    let Some((_, digest)) = digests.iter().find(|(p, _)| p == archive) else { return Held::None };
    let file = archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let library = crate::model::library_name(lib, &file);
    let same = |e: &crate::formats::provenance::Entry| {
        &e.digest == digest && (e.library == library || e.file == file)
    };
    let exported = |c: &'a Carrier| c.entries.iter().find(|e| same(e) && !e.hidden).map(|e| (c, e));
    let before = carriers.iter().filter(|c| !c.after).find_map(exported);
    if let Some((c, e)) = before.or_else(|| carriers.iter().find_map(exported)) {
        return Held::Exported(c, e);
    }
    match carriers.iter().find(|c| c.entries.iter().any(|e| same(e) && e.hidden)) {
        Some(c) => Held::Hidden(c),
        None => Held::None,
    }
}

/// How an added dependency links dynamically: `-lNAME` for a runtime
/// library or when `libNAME.so` is in the search path, else the exact
/// runtime file (`-l:libacl.so.1`) when that is. `None` when neither is:
/// adding it would break the link.
pub fn dynamic_token(dep: &Dep, facts: DynFacts) -> Option<OsString> {
    match &dep.lib {
        LibName::Name(n) if is_runtime(n) || facts.shared => Some(lib_token(n)),
        LibName::Name(_) => dep.runtime_file.as_deref().filter(|_| facts.file).map(verbatim_token),
        LibName::Verbatim(f) => facts.file.then(|| verbatim_token(f)),
        // Dependencies are names, never paths.
        LibName::Path(_) => None,
    }
}

/// How `--rpath-dynamic` writes a directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RpathForm {
    /// The directory's canonical path.
    #[default]
    Absolute,
    /// `$ORIGIN/` and the path from the output's directory, for a tree that
    /// is deployed as a whole wherever it lands.
    Origin,
}

/// The library a decision leaves dynamic, as ld will look it up: the
/// reference as given, or the token of an added dependency (`-l:FILE`
/// when only a versioned file exists). `None` for what is embedded or
/// dropped.
pub fn dynamic_lib(d: &Decision) -> Option<LibName> {
    match &d.outcome {
        Outcome::Keep => Some(d.lib.clone()),
        Outcome::Add { token } => {
            let value = token.as_bytes().strip_prefix(b"-l")?;
            Some(match value.strip_prefix(b":") {
                Some(file) => LibName::Verbatim(OsStr::from_bytes(file).to_owned()),
                None => LibName::Name(OsStr::from_bytes(value).to_owned()),
            })
        }
        // The twin in place of an archive: ld reads that very file.
        Outcome::Twin { so } => Some(LibName::Path(so.clone())),
        Outcome::Embed { .. } | Outcome::Drop => None,
    }
}

/// The run-time search path entry for a dynamic library ld found at
/// `found` (in canonical directory `dir`), or none:
/// - only where ld itself found it, in a `-L` directory: the system
///   directories are the dynamic loader's own, and LIBSDIR and the
///   workspace are solink's stages, which ld never searches;
/// - only for a shared object: an archive ld picks is linked in;
/// - never a `stubs` directory: CUDA's `lib64/stubs/libcuda.so` exists to
///   link against, and must not be found at run time instead of the
///   driver's real `libcuda.so.1`.
pub fn rpath_entry(found: &Found, dir: &Path, form: RpathForm, output_dir: &Path) -> Option<PathBuf> {
    // A shared twin put in place of an archive named by path is linked
    // from its own directory, as a `-L` library is.
    let ld_dir = matches!(found.stage, Stage::LDir | Stage::Given);
    if !ld_dir || found.path.as_os_str().as_bytes().ends_with(b".a") {
        return None;
    }
    if dir.file_name().is_some_and(|n| n == "stubs") {
        return None;
    }
    Some(match form {
        RpathForm::Absolute => dir.to_path_buf(),
        RpathForm::Origin => Path::new("$ORIGIN").join(relative_path(output_dir, dir)),
    })
}

/// Issue 20 §6: no directory lets the loader find `lib` by `soname` (or
/// the one that does is a `stubs` dir, `served`): the decision warns,
/// unless it already does.
pub fn rpath_unserved(d: &mut Decision, lib: LibName, file: PathBuf, soname: OsString, served: bool) {
    if !served && d.warning.is_none() {
        d.warning = Some(Warning::RpathUnserved { lib, file, soname });
    }
}

/// The path from directory `from` to `to`, both canonical: `..` for each
/// component of `from` past their common prefix, then the rest of `to`.
pub fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c);
    }
    out
}

fn lib_token(name: &OsStr) -> OsString {
    let mut t = OsString::from("-l");
    t.push(name);
    t
}

fn verbatim_token(file: &OsStr) -> OsString {
    let mut t = OsString::from("-l:");
    t.push(file);
    t
}

/// `NAME` when the output is `libNAME.so` or `libNAME.so.X...`.
pub fn self_library_name(output: &Path) -> Option<OsString> {
    let base = output.file_name()?.as_bytes();
    let stem = base.strip_prefix(b"lib")?;
    let at = stem.windows(3).position(|w| w == b".so")?;
    let rest = &stem[at + 3..];
    (rest.is_empty() || rest.starts_with(b".")).then(|| OsStr::from_bytes(&stem[..at]).to_owned())
}

// The rules of docs/embedding.md and the table line(s) that test each:
// [x] 1. self reference, dropped ............................ before_search_rules
// [x] 2. static region, as given ............................ before_search_rules
// [x] 3. --no-embed, dynamic ................................ before_search_rules
// [x] 4. runtime, dynamic, not searched; --embed overrides .. before_search_rules
// [x]    -l:FILE that is not an archive name ................ before_search_rules
// [x] 5. first compatible archive (incompatible skipped) .... compatibility_rules
// [x] 5. libNAME_pic.a preferred only when it is PIC ........ compatibility_rules (fit_for)
// [x]    not found, dynamic ................................. verdict_rules
// [x] 6. --embed: embedded whatever the verdict ............. verdict_rules
// [x] 7. PIC: embedded ...................................... verdict_rules
// [x] 7. unfit + shared twin: dynamic, warning .............. verdict_rules
// [x] 7. unfit + no twin: embedded anyway, warning .......... verdict_rules
// [x]    empty archive: dynamic, no warning ................. verdict_rules
// [x]    not an archive / damaged: dynamic, warning ......... verdict_rules
// [x]    script over PIC archives: embedded (the script) .... verdict_rules
// [x]    script over -lNAME / a missing / unfit file: dynamic verdict_rules
// [x]    comma in an embedded path inside -Wl,: as given .... comma_rules
// [x]    deps: dependency found neither way -> None ......... dynamic_token_rules
// [x]    deps: -lNAME (runtime or twin), else -l:FILE ....... dynamic_token_rules
// [x]    deps missing + twin: dynamic; no twin: embedded .... incomplete_rules
// The closure check's rules (issue 11) are in policy/verify.rs, tested by
// closure_rules (ld's extraction, groups, --as-needed, --wrap, whole
// archives) and decision_rules (unused, provider, unresolved with and
// without a twin).
// [ ] 8. --strict: every warning is an error (lib.rs; tested by
//        tests/cli/embedding.rs strict_* as it is about the exit, not a rule)
#[cfg(test)]
mod tests {
    use super::*;

    fn check_rpath(path: &str, stage: Stage, form: RpathForm, expected: Option<&str>) {
        let found = Found { path: PathBuf::from(path), stage };
        let dir = Path::new(path).parent().unwrap();
        let got = rpath_entry(&found, dir, form, Path::new("/w/out/lib"));
        assert_eq!(got, expected.map(PathBuf::from), "{path} ({stage}, {form:?})");
    }

    #[test]
    fn rpath_rules() {
        use RpathForm::*;
        check_rpath("/opt/cuda/lib64/libcudart.so.12", Stage::LDir, Absolute, Some("/opt/cuda/lib64"));
        check_rpath("/opt/cuda/lib64/libcudart.so", Stage::LDir, Absolute, Some("/opt/cuda/lib64"));
        check_rpath("/opt/cuda/lib64/stubs/libcuda.so", Stage::LDir, Absolute, None);
        check_rpath("/usr/lib/x86_64-linux-gnu/libz.so", Stage::System, Absolute, None);
        check_rpath("/p/libsdir/libfoo.so", Stage::LibsDir, Absolute, None);
        check_rpath("/w/test/lib/libfoo.so", Stage::Workspace, Absolute, None);
        check_rpath("/opt/x/libx.a", Stage::LDir, Absolute, None);
        check_rpath("/w/cuda/lib64/libcudart.so.12", Stage::LDir, Origin, Some("$ORIGIN/../../cuda/lib64"));
        check_rpath("/w/out/lib/libsib.so", Stage::LDir, Origin, Some("$ORIGIN"));
        check_rpath("/w/out/lib/sub/libsub.so", Stage::LDir, Origin, Some("$ORIGIN/sub"));
    }

    /// `named_elsewhere` in one pass per group against the rule as it
    /// reads (each substituted reference scans the others in order), over
    /// generated links of up to three files named every way.
    #[test]
    fn named_elsewhere_in_one_pass_is_the_rule() {
        fn by_the_rule(decisions: &mut [Decision], whole: &[bool]) {
            let substituted = |d: &Decision| {
                matches!((&d.outcome, &d.lib, d.as_written), (Outcome::Embed { .. }, LibName::Name(_), false))
            };
            let file = |d: &Decision| match &d.outcome {
                Outcome::Embed { file, .. } => Some(file.clone()),
                _ => None,
            };
            let mut keep = Vec::new();
            for i in (0..decisions.len()).filter(|&i| substituted(&decisions[i])) {
                let by = (0..decisions.len())
                    .filter(|&j| j != i && file(&decisions[j]) == file(&decisions[i]))
                    .find_map(|j| {
                        let o = &decisions[j];
                        let named = o.as_written || names_one_file(&o.lib);
                        (named || (substituted(o) && (whole[i] || whole[j]))).then(|| o.lib.display())
                    });
                keep.extend(by.map(|by| (i, by)));
            }
            for (i, by) in keep {
                decisions[i].outcome = Outcome::Keep;
                decisions[i].reason = Reason::NamedElsewhere { by };
            }
        }
        let mut rng = fastrand::Rng::with_seed(36);
        for _ in 0..2000 {
            let n = rng.usize(1..9);
            let whole: Vec<bool> = (0..n).map(|_| rng.u8(..4) == 0).collect();
            let decisions: Vec<Decision> = (0..n)
                .map(|k| {
                    let f = PathBuf::from(format!("/l/lib{}.a", rng.usize(..3)));
                    let lib = match rng.u8(..4) {
                        0 => LibName::Path(f.clone()),
                        1 => LibName::Verbatim(format!("n{k}").into()),
                        _ => LibName::Name(format!("n{k}").into()),
                    };
                    let outcome = if rng.u8(..5) == 0 { Outcome::Keep } else { Outcome::embed(f) };
                    let mut d = Decision::new(
                        lib,
                        Subject::Dep { of: name("x"), via: PathBuf::new() },
                        outcome,
                        Reason::NotFound,
                    );
                    d.as_written = rng.u8(..4) == 0;
                    d
                })
                .collect();
            let (mut fast, mut slow) = (decisions.clone(), decisions);
            named_elsewhere(&mut fast, Path::to_path_buf, |i| whole[i]);
            by_the_rule(&mut slow, &whole);
            let seen = |ds: &[Decision]| {
                ds.iter().map(|d| (d.outcome.clone(), d.reason.clone())).collect::<Vec<_>>()
            };
            assert_eq!(seen(&fast), seen(&slow), "whole: {whole:?}");
        }
    }

    #[test]
    fn dynamic_libraries_as_ld_looks_them_up() {
        let d = |outcome| {
            Decision::new(
                LibName::Name("acl".into()),
                Subject::Dep { of: LibName::Name("x".into()), via: PathBuf::new() },
                outcome,
                Reason::NotFound,
            )
        };
        assert_eq!(dynamic_lib(&d(Outcome::Keep)), Some(LibName::Name("acl".into())));
        let add = |t: &str| d(Outcome::Add { token: t.into() });
        assert_eq!(dynamic_lib(&add("-l:libacl.so.1")), Some(LibName::Verbatim("libacl.so.1".into())));
        assert_eq!(dynamic_lib(&add("-lacl")), Some(LibName::Name("acl".into())));
        assert_eq!(dynamic_lib(&d(Outcome::Drop)), None);
        assert_eq!(dynamic_lib(&d(Outcome::embed(PathBuf::from("/l/libacl.a")))), None);
    }
    use crate::args::Site;
    use crate::formats::archive::{Problem, ProblemKind};
    use crate::model::Note;
    use crate::model::{Found, Stage};

    const X86_64: ElfId = ElfId { class64: true, machine: object::elf::EM_X86_64 };
    const AARCH64: ElfId = ElfId { class64: true, machine: object::elf::EM_AARCH64 };

    fn name(n: &str) -> LibName {
        LibName::Name(n.into())
    }

    fn policy(embed: &[&str], no_embed: &[&str]) -> Policy {
        Policy {
            embed: embed.iter().map(OsString::from).collect(),
            no_embed: no_embed.iter().map(OsString::from).collect(),
            ..Policy::default()
        }
    }

    fn check_before(lib: LibName, place: Place, policy: &Policy, expected: Search) {
        assert_eq!(before_search(&lib, place, policy), expected, "{lib:?} {place:?}");
    }

    #[test]
    fn before_search_rules() {
        use Search::*;
        let none = policy(&[], &[]);
        let this = Place { self_reference: true, static_region: false };
        let stat = Place { self_reference: false, static_region: true };
        let free = Place::default();
        check_before(name("calc"), this, &none, Decided(Outcome::Drop, Reason::SelfReference));
        check_before(
            name("calc"),
            Place { static_region: true, ..this },
            &none,
            Decided(Outcome::Drop, Reason::SelfReference),
        );
        // Issue 31: what ld takes in a static region is checked as written.
        let taken_static = Taken { static_: true, reason: Reason::StaticRegion };
        check_before(name("z"), stat, &none, taken_static.clone());
        check_before(name("z"), stat, &policy(&["z"], &[]), taken_static.clone());
        check_before(LibName::Verbatim("libz.a".into()), stat, &none, taken_static.clone());
        check_before(name("c"), stat, &none, Decided(Outcome::Keep, Reason::StaticRegion));
        // A program's libraries: ld's own pick, checked; its runtimes alone.
        let program =
            Policy { output: crate::args::Output::Program { pie: true, static_: false }, ..none.clone() };
        check_before(name("z"), free, &program, Taken { static_: false, reason: Reason::Program });
        check_before(name("z"), stat, &program, taken_static);
        check_before(name("calc"), this, &program, Taken { static_: false, reason: Reason::Program });
        check_before(name("m"), free, &program, Decided(Outcome::Keep, Reason::RuntimeLibrary));
        check_before(
            LibName::Path("x/libz.a".into()),
            free,
            &program,
            Taken { static_: false, reason: Reason::Given },
        );
        check_before(LibName::Path("x/libz.a".into()), free, &none, Given("x/libz.a".into()));
        check_before(name("z"), free, &policy(&[], &["z"]), Decided(Outcome::Keep, Reason::UserNoEmbed));
        check_before(name("z"), free, &policy(&["z"], &["z"]), Decided(Outcome::Keep, Reason::UserNoEmbed));
        check_before(name("m"), free, &none, Decided(Outcome::Keep, Reason::RuntimeLibrary));
        check_before(name("stdc++"), free, &none, Decided(Outcome::Keep, Reason::RuntimeLibrary));
        check_before(name("m"), free, &policy(&["m"], &[]), File("libm.a".into()));
        check_before(name("z"), free, &none, File("libz.a".into()));
        check_before(LibName::Verbatim("libz.a".into()), free, &none, File("libz.a".into()));
        check_before(
            LibName::Verbatim("libz.so.1".into()),
            free,
            &none,
            Decided(Outcome::Keep, Reason::NotAnArchiveName),
        );
    }

    fn objects(id: ElfId, problem: Option<Problem>) -> Verdict {
        Verdict::Objects { id: Some(id), members: 1, thin: false, problem }
    }

    fn not_pic() -> Problem {
        use crate::formats::archive::Finding;
        Problem {
            member: "a.o".into(),
            kind: ProblemKind::Finding(Finding::NotPic { reloc: "R_X86_64_32".into(), symbol: None }),
        }
    }

    /// The model's fitness rules (`model.rs`), where the policy uses them.
    #[test]
    fn compatibility_rules() {
        use crate::model::{incompatible, unfit};
        assert_eq!(incompatible(&objects(AARCH64, None), X86_64), Some(AARCH64));
        assert_eq!(incompatible(&objects(X86_64, None), X86_64), None);
        assert_eq!(incompatible(&Verdict::Empty, X86_64), None, "an empty archive suits any target");
        assert_eq!(incompatible(&Verdict::NotArchive, X86_64), None, "judged later, not skipped");
        assert!(fit_for(&objects(X86_64, None), X86_64));
        assert!(
            !fit_for(&objects(X86_64, Some(not_pic())), X86_64),
            "a _pic.a that is not PIC is not preferred"
        );
        assert!(!fit_for(&objects(AARCH64, None), X86_64));
        assert!(!fit_for(&Verdict::Empty, X86_64));
        assert!(unfit(&objects(X86_64, Some(not_pic()))) && !unfit(&Verdict::Empty));
    }

    fn found(p: &str) -> Found {
        Found { path: PathBuf::from(p), stage: Stage::LDir }
    }

    fn facts(verdict: Verdict, script: Vec<ScriptInput>, shared: Option<&str>) -> LibFacts {
        let candidate = Candidate {
            found: found("/L/libz.a"),
            verdict,
            script,
            shared: shared.map(PathBuf::from),
            shadowed_by: None,
        };
        LibFacts { notes: vec![], candidate: Some(candidate) }
    }

    fn at(stage: Stage, shadowed_by: Option<&str>, facts: LibFacts) -> LibFacts {
        let mut facts = facts;
        let c = facts.candidate.as_mut().unwrap();
        c.found.stage = stage;
        c.shadowed_by = shadowed_by.map(PathBuf::from);
        facts
    }

    /// Issue 31: what ld takes as written, one line a rule: (facts, the
    /// output needs PIC) -> (outcome, as written, warns).
    #[test]
    fn what_ld_takes_is_checked_as_written() {
        let z = || LibName::Name("z".into());
        let pic = || objects(X86_64, None);
        let bad = || objects(X86_64, Some(not_pic()));
        let embed = || Outcome::embed(PathBuf::from("/L/libz.a"));
        use crate::args::Output;
        let (shared, pie, no_pie) = (
            Output::Shared,
            Output::Program { pie: true, static_: false },
            Output::Program { pie: false, static_: false },
        );
        let check_taken = |facts: LibFacts, output: Output, expected: (Outcome, bool, bool)| {
            let subject = Subject::Ref { site: crate::args::Site::Driver { arg: 0 } };
            let d = taken(&z(), subject, facts, Reason::StaticRegion, output, X86_64);
            assert_eq!((d.outcome, d.as_written, d.warning.is_some()), expected);
            assert_eq!(d.reason, Reason::StaticRegion, "the reason is the caller's");
        };
        check_taken(facts(pic(), vec![], None), shared, (embed(), true, false));
        // Never swapped for a twin, even one beside it: the user chose.
        check_taken(facts(bad(), vec![], Some("/L/libz.so")), shared, (embed(), true, true));
        // A program that is no PIE takes code that is not PIC; a PIE only
        // refuses a narrow absolute address (not_pic() is R_X86_64_32).
        check_taken(facts(bad(), vec![], None), no_pie, (embed(), true, false));
        check_taken(facts(bad(), vec![], None), pie, (embed(), true, true));
        let pc32 = || {
            let kind = ProblemKind::Finding(crate::formats::archive::Finding::NotPic {
                reloc: "R_X86_64_PC32".into(),
                symbol: Some("np_counter".into()),
            });
            objects(X86_64, Some(Problem { member: "a.o".into(), kind }))
        };
        check_taken(facts(pc32(), vec![], None), pie, (embed(), true, false));
        check_taken(facts(pc32(), vec![], None), shared, (embed(), true, true));
        check_taken(facts(Verdict::NotArchive, vec![], None), shared, (Outcome::Keep, false, false));
        check_taken(facts(Verdict::Empty, vec![], None), shared, (Outcome::Keep, false, false));
        check_taken(LibFacts { notes: vec![], candidate: None }, shared, (Outcome::Keep, false, false));
    }

    #[test]
    fn stock_distribution_rules() {
        let none = policy(&[], &[]);
        let pic = || objects(X86_64, None);
        let bad = || objects(X86_64, Some(not_pic()));
        let embed = || Outcome::embed(PathBuf::from("/L/libz.a"));
        let mine = Some("/mine/libz.so");
        let shadowed = || Reason::Shadowed { so: PathBuf::from("/mine/libz.so") };
        // A system archive behind the user's own libz.so stays dynamic, as ld links it.
        check(at(Stage::System, mine, facts(pic(), vec![], None)), &none, (Outcome::Keep, shadowed(), false));
        check(at(Stage::LDir, mine, facts(pic(), vec![], None)), &none, (Outcome::Keep, shadowed(), false));
        // --archive-first restores the seed's literal rule; --embed wins over both.
        let mut literal = policy(&[], &[]);
        literal.archive_first = true;
        check(
            at(Stage::System, mine, facts(pic(), vec![], None)),
            &literal,
            (embed(), Reason::FirstArchive, false),
        );
        check(
            at(Stage::System, mine, facts(pic(), vec![], None)),
            &policy(&["z"], &[]),
            (embed(), Reason::UserEmbed, false),
        );
        // A system archive that cannot be embedded is a note, not a warning;
        // the user's own (-L, LIBSDIR) still warns.
        let so = Some(PathBuf::from("/L/libz.so"));
        let unfit = || Reason::NotPic { problem: not_pic(), shared: so.clone() };
        check(
            at(Stage::System, None, facts(bad(), vec![], Some("/L/libz.so"))),
            &none,
            (Outcome::Keep, unfit(), false),
        );
        check(
            at(Stage::LDir, None, facts(bad(), vec![], Some("/L/libz.so"))),
            &none,
            (Outcome::Keep, unfit(), true),
        );
        check(
            at(Stage::LibsDir, None, facts(bad(), vec![], Some("/L/libz.so"))),
            &none,
            (Outcome::Keep, unfit(), true),
        );
        let subject = Subject::Ref { site: Site::Driver { arg: 0 } };
        let d = judge(
            &name("z"),
            subject,
            at(Stage::System, None, facts(bad(), vec![], Some("/L/libz.so"))),
            &none,
            X86_64,
        );
        assert!(matches!(d.notes.as_slice(), [Note::System(Warning::Unfit { .. })]), "{:?}", d.notes);
    }

    #[test]
    fn driver_library_rules() {
        let libs = |d: &str| driver_libraries(crate::args::family::Family::of_program(OsStr::new(d)));
        assert_eq!(libs("gcc"), ["c", "gcc", "gcc_s"]);
        assert_eq!(libs("/usr/bin/x86_64-linux-gnu-g++-12"), ["c", "gcc", "gcc_s", "stdc++", "m"]);
        assert_eq!(libs("clang++"), ["c", "gcc", "gcc_s", "stdc++", "m"]);
        assert_eq!(libs("nvcc"), ["c", "gcc", "gcc_s", "stdc++", "m"]);
        assert!(libs("ld.lld").is_empty());
        let mut p = policy(&[], &[]);
        p.driver_libs = libs("gcc");
        assert_eq!(driver_library(&name("c"), &p), Some(Reason::DriverLibrary));
        assert_eq!(driver_library(&name("m"), &p), None, "a C driver does not add libm");
        assert_eq!(driver_library(&LibName::Verbatim("libc.so.6".into()), &p), None);
        p.no_default_libs = true;
        assert_eq!(driver_library(&name("gcc_s"), &p), Some(Reason::NoDefaultLibs));
    }

    /// `(outcome, reason, warns)` for `-lz` with these facts and choices.
    fn check(facts: LibFacts, policy: &Policy, expected: (Outcome, Reason, bool)) {
        let subject = Subject::Ref { site: Site::Driver { arg: 0 } };
        let d = judge(&name("z"), subject, facts.clone(), policy, X86_64);
        assert_eq!((d.outcome, d.reason, d.warning.is_some()), expected, "{facts:?}");
    }

    /// A table, a line per rule (long by design: one rule, one line).
    #[test]
    fn verdict_rules() {
        let none = policy(&[], &[]);
        let z = PathBuf::from("/L/libz.a");
        let embed = || Outcome::embed(z.clone());
        let bad = || objects(X86_64, Some(not_pic()));
        let so = Some(PathBuf::from("/L/libz.so"));
        let not_found = LibFacts { notes: vec![], candidate: None };
        check(not_found, &none, (Outcome::Keep, Reason::NotFound, false));
        check(facts(objects(X86_64, None), vec![], None), &none, (embed(), Reason::FirstArchive, false));
        check(
            facts(bad(), vec![], Some("/L/libz.so")),
            &none,
            (Outcome::Keep, Reason::NotPic { problem: not_pic(), shared: so.clone() }, true),
        );
        check(
            facts(bad(), vec![], None),
            &none,
            (embed(), Reason::NotPic { problem: not_pic(), shared: None }, true),
        );
        // Issue 20 §5: an archive ld refuses (no symbol index) is never
        // embedded: dynamic with a twin, as given without one.
        let no_index = || Problem { member: String::new(), kind: ProblemKind::NoIndex };
        let refused = || objects(X86_64, Some(no_index()));
        check(
            facts(refused(), vec![], Some("/L/libz.so")),
            &none,
            (Outcome::Keep, Reason::NotPic { problem: no_index(), shared: so.clone() }, true),
        );
        check(
            facts(refused(), vec![], None),
            &none,
            (Outcome::Keep, Reason::NotPic { problem: no_index(), shared: None }, true),
        );
        check(
            facts(bad(), vec![], Some("/L/libz.so")),
            &policy(&["z"], &[]),
            (embed(), Reason::UserEmbed, false),
        );
        check(
            facts(Verdict::NotArchive, vec![], None),
            &policy(&["z"], &[]),
            (embed(), Reason::UserEmbed, false),
        );
        check(facts(Verdict::Empty, vec![], None), &none, (Outcome::Keep, Reason::Empty, false));
        check(
            facts(Verdict::NotArchive, vec![], None),
            &none,
            (Outcome::Keep, Reason::Unreadable(Unreadable::NotArchive), true),
        );
        check(
            facts(Verdict::Damaged("x".into()), vec![], None),
            &none,
            (Outcome::Keep, Reason::Unreadable(Unreadable::Damaged("x".into())), true),
        );
        let script = Verdict::Script(vec![]);
        let a = PathBuf::from("/L/a.a");
        let good = vec![
            ScriptInput::File(a.clone(), objects(X86_64, None)),
            ScriptInput::File("/L/e.a".into(), Verdict::Empty),
        ];
        let over = Outcome::Embed { file: z.clone(), archives: vec![a.clone(), "/L/e.a".into()] };
        check(facts(script.clone(), good, None), &none, (over, Reason::ScriptOverArchives, false));
        let unsafe_script = |inputs, why| {
            check(
                facts(script.clone(), inputs, None),
                &none,
                (Outcome::Keep, Reason::UnsafeScript(why), true),
            )
        };
        unsafe_script(vec![ScriptInput::Lib("m".into())], ScriptProblem::Lib("m".into()));
        unsafe_script(vec![ScriptInput::Missing(a.clone())], ScriptProblem::Missing(a.clone()));
        unsafe_script(
            vec![ScriptInput::File(a.clone(), bad())],
            ScriptProblem::Unfit { file: a.clone(), problem: not_pic() },
        );
        unsafe_script(
            vec![ScriptInput::File(a.clone(), objects(AARCH64, None))],
            ScriptProblem::NotEmbeddable(a.clone()),
        );
        unsafe_script(
            vec![ScriptInput::File(a.clone(), Verdict::NotArchive)],
            ScriptProblem::NotEmbeddable(a.clone()),
        );
    }

    #[test]
    fn notes_are_kept_whatever_the_outcome() {
        let note = Note::SkippedIncompatible { path: "/A/libz.a".into(), id: AARCH64 };
        let facts = LibFacts { notes: vec![note.clone()], candidate: None };
        let d = judge(
            &name("z"),
            Subject::Ref { site: Site::Driver { arg: 0 } },
            facts,
            &Policy::default(),
            X86_64,
        );
        assert_eq!(d.notes, [note]);
    }

    fn check_comma(file: &str, inside_wl: bool, expected: (Outcome, Reason)) {
        let subject = Subject::Ref { site: Site::Driver { arg: 0 } };
        let mut d = Decision::new(name("z"), subject, Outcome::embed(file.into()), Reason::FirstArchive);
        comma_in_path(&mut d, inside_wl);
        assert_eq!((d.outcome, d.reason), expected, "{file} {inside_wl}");
    }

    #[test]
    fn comma_rules() {
        check_comma("/a,b/libz.a", true, (Outcome::Keep, Reason::CommaInPath));
        check_comma("/a,b/libz.a", false, (Outcome::embed("/a,b/libz.a".into()), Reason::FirstArchive));
        check_comma("/ab/libz.a", true, (Outcome::embed("/ab/libz.a".into()), Reason::FirstArchive));
    }

    fn check_token(lib: LibName, runtime_file: Option<&str>, facts: DynFacts, expected: Option<&str>) {
        let dep = Dep { lib, runtime_file: runtime_file.map(OsString::from) };
        assert_eq!(dynamic_token(&dep, facts), expected.map(OsString::from), "{dep:?} {facts:?}");
    }

    #[test]
    fn dynamic_token_rules() {
        let nothing = DynFacts::default();
        let twin = DynFacts { shared: true, file: false };
        let file = DynFacts { shared: false, file: true };
        check_token(name("m"), None, nothing, Some("-lm"));
        check_token(name("crypto"), None, twin, Some("-lcrypto"));
        check_token(name("acl"), Some("libacl.so.1"), file, Some("-l:libacl.so.1"));
        check_token(name("acl"), Some("libacl.so.1"), nothing, None);
        check_token(name("acl"), None, file, None);
        check_token(LibName::Verbatim("libx.so.2".into()), None, file, Some("-l:libx.so.2"));
        check_token(LibName::Verbatim("libx.so.2".into()), None, nothing, None);
    }

    #[test]
    fn incomplete_rules() {
        let subject = Subject::Ref { site: Site::Driver { arg: 0 } };
        let embedded = || {
            let mut d = Decision::new(
                name("pq"),
                subject.clone(),
                Outcome::embed("/L/libpq.a".into()),
                Reason::FirstArchive,
            );
            d.found = Some(found("/L/libpq.a"));
            d
        };
        let missing = name("pgport");
        let mut d = embedded();
        incomplete(&mut d, missing.clone(), Some("/L/libpq.so".into()));
        assert_eq!(
            (d.outcome, d.reason),
            (Outcome::Keep, Reason::IncompleteDeps { missing: missing.clone() })
        );
        assert!(matches!(d.warning, Some(Warning::IncompleteDeps { shared: true, .. })));
        let mut d = embedded();
        incomplete(&mut d, missing.clone(), None);
        assert_eq!(d.outcome, Outcome::embed("/L/libpq.a".into()), "no twin: embedded, as ld would");
        assert!(matches!(d.warning, Some(Warning::IncompleteDeps { shared: false, .. })));
    }

    #[test]
    fn self_library_names() {
        let check_self = |output: &str, expected: Option<&str>| {
            assert_eq!(self_library_name(Path::new(output)), expected.map(OsString::from), "{output}");
        };
        check_self("libcalc.so", Some("calc"));
        check_self("out/libcalc.so.1.2", Some("calc"));
        check_self("libcalc.sox", None);
        check_self("calc.so", None);
        check_self("libcalc.a", None);
    }

    #[test]
    fn carried_by_a_dependency_table() {
        use crate::formats::provenance::{Digest, Entry};
        let digest = Digest::of_bytes(b"libfoo.a bytes");
        let other = Digest::of_bytes(b"another build of libfoo.a");
        let entry = |library: &str, digest: Digest, hidden: bool| Entry {
            library: library.to_string(),
            file: format!("lib{library}.a"),
            digest,
            members: vec!["foo.o".to_string()],
            hidden,
            exported: false,
            private: false,
            version: None,
            purl: None,
            symbols: None,
            sizes: None,
        };
        let so = PathBuf::from("/l/libbar.so");
        let digests = [(PathBuf::from("/l/libfoo.a"), digest)];
        let embedded = || {
            Decision::new(
                LibName::Name("foo".into()),
                Subject::Ref { site: crate::args::Site::Driver { arg: 0 } },
                Outcome::embed(PathBuf::from("/l/libfoo.a")),
                Reason::FirstArchive,
            )
        };
        // (entries of libbar.so, went dynamic, reason, hidden warning)
        let cases: Vec<(Vec<Entry>, bool, Reason, bool)> = vec![
            (vec![], false, Reason::FirstArchive, false),
            (
                vec![entry("foo", digest, false)],
                true,
                Reason::CarriedBy { so: so.clone(), file: "libfoo.a".into() },
                false,
            ),
            (vec![entry("foo", digest, true)], false, Reason::FirstArchive, true),
            // Another build of the same library is not the same copy.
            (vec![entry("foo", other, false)], false, Reason::FirstArchive, false),
            // The same bytes under another library name are another library.
            (vec![entry("baz", digest, false)], false, Reason::FirstArchive, false),
            (
                vec![entry("foo", digest, true), entry("foo", digest, false)],
                true,
                Reason::CarriedBy { so: so.clone(), file: "libfoo.a".into() },
                false,
            ),
        ];
        for (entries, dynamic, reason, warned) in cases {
            let mut d = embedded();
            let carriers = vec![Carrier { so: so.clone(), entries: entries.clone(), after: false }];
            assert_eq!(carried(&mut d, &digests, &carriers), dynamic, "{entries:?}");
            assert_eq!(d.outcome == Outcome::Keep, dynamic, "{entries:?}");
            // After the reference, ld would pull the archive in there: dropped.
            let mut d2 = embedded();
            let after = vec![Carrier { so: so.clone(), entries: entries.clone(), after: true }];
            carried(&mut d2, &digests, &after);
            assert_eq!(d2.outcome == Outcome::Drop, dynamic, "{entries:?}");
            assert_eq!(d.reason, reason, "{entries:?}");
            assert_eq!(
                matches!(&d.warning, Some(Warning::CarriedHidden { so: s, .. }) if s == &so),
                warned,
                "{entries:?}"
            );
        }
        // Only an embedding is judged.
        let mut kept = embedded();
        kept.outcome = Outcome::Keep;
        let carriers = [Carrier { so: so.clone(), entries: vec![entry("foo", digest, false)], after: false }];
        assert!(!carried(&mut kept, &digests, &carriers));
        assert_eq!(kept.reason, Reason::FirstArchive);
    }

    /// A linker script over two archives (or one), judged archive by
    /// archive: `libfoo.a` = `GROUP(libfoo_a.a libfoo_b.a)`.
    #[test]
    fn carried_scripts_table() {
        use crate::formats::provenance::{Digest, Entry};
        let (a, b) = (PathBuf::from("/l/libfoo_a.a"), PathBuf::from("/l/libfoo_b.a"));
        let (da, db) = (Digest::of_bytes(b"libfoo_a.a"), Digest::of_bytes(b"libfoo_b.a"));
        let other = Digest::of_bytes(b"another build of libfoo_a.a");
        let (sa, sc) = (PathBuf::from("/l/liba.so"), PathBuf::from("/l/libc.so"));
        let entry = |library: &str, file: &str, digest: Digest, hidden: bool| Entry {
            library: library.into(),
            file: file.into(),
            digest,
            members: vec!["m.o".into()],
            hidden,
            exported: false,
            private: false,
            version: None,
            purl: None,
            symbols: None,
            sizes: None,
        };
        let ea = || entry("foo", "libfoo_a.a", da, false);
        let eb = || entry("foo", "libfoo_b.a", db, false);
        let carrier =
            |so: &PathBuf, after: bool, entries: Vec<Entry>| Carrier { so: so.clone(), entries, after };
        let by = |list: &[(&str, &PathBuf)]| Reason::CarriedScript {
            by: list.iter().map(|(f, so)| (f.to_string(), (*so).clone())).collect(),
        };
        let partly = |carried: &[(&PathBuf, &PathBuf)], rest: &[&PathBuf]| Warning::CarriedPartly {
            script: "/l/libfoo.a".into(),
            lib: LibName::Name("foo".into()),
            carried: carried.iter().map(|(x, so)| ((*x).clone(), (*so).clone())).collect(),
            rest: rest.iter().map(|x| (*x).clone()).collect(),
        };
        let embed = Outcome::Embed { file: "/l/libfoo.a".into(), archives: vec![a.clone(), b.clone()] };
        let both = [(a.clone(), da), (b.clone(), db)];
        let check = |archives: &[&PathBuf],
                     digests: &[(PathBuf, Digest)],
                     carriers: Vec<Carrier>,
                     expected: (Outcome, Reason, Option<Warning>)| {
            let outcome = Outcome::Embed {
                file: "/l/libfoo.a".into(),
                archives: archives.iter().map(|x| (*x).clone()).collect(),
            };
            let mut d = Decision::new(
                LibName::Name("foo".into()),
                Subject::Ref { site: crate::args::Site::Driver { arg: 0 } },
                outcome.clone(),
                Reason::ScriptOverArchives,
            );
            let dynamic = carried(&mut d, digests, &carriers);
            assert_eq!((d.outcome, d.reason, d.warning), expected, "{carriers:?}");
            assert_eq!(dynamic, expected.0 != outcome, "{carriers:?}");
        };
        let kept = |reason| (embed.clone(), reason, None);
        // Nothing carried.
        check(&[&a, &b], &both, vec![], kept(Reason::ScriptOverArchives));
        // Both carried by one library before the reference: as given.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sa, false, vec![ea(), eb()])],
            (Outcome::Keep, by(&[("libfoo_a.a", &sa), ("libfoo_b.a", &sa)]), None),
        );
        // ... after it: dropped, or ld pulls the members in at the reference.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sa, true, vec![ea(), eb()])],
            (Outcome::Drop, by(&[("libfoo_a.a", &sa), ("libfoo_b.a", &sa)]), None),
        );
        // By two libraries, linked by the archives' own names (another
        // library name, the same file and digest); one after: dropped.
        check(
            &[&a, &b],
            &both,
            vec![
                carrier(&sa, false, vec![entry("foo_a", "libfoo_a.a", da, false)]),
                carrier(&sc, true, vec![entry("foo_b", "libfoo_b.a", db, false)]),
            ],
            (Outcome::Drop, by(&[("libfoo_a.a", &sa), ("libfoo_b.a", &sc)]), None),
        );
        // A copy before the reference serves it even when one after does too.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sc, true, vec![ea(), eb()]), carrier(&sa, false, vec![ea(), eb()])],
            (Outcome::Keep, by(&[("libfoo_a.a", &sa), ("libfoo_b.a", &sa)]), None),
        );
        // Partly, after the reference: still embedded, and ld pulls
        // libfoo_a.a in again there.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sa, true, vec![ea()])],
            (embed.clone(), Reason::ScriptOverArchives, Some(partly(&[(&a, &sa)], &[&b]))),
        );
        // Partly, before it: ld takes libfoo_a.a's symbols from liba.so and
        // pulls in only libfoo_b.a. One copy each, nothing to say.
        check(&[&a, &b], &both, vec![carrier(&sa, false, vec![ea()])], kept(Reason::ScriptOverArchives));
        // A hidden copy: that archive is embedded again, with a warning.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sa, true, vec![entry("foo", "libfoo_a.a", da, true), eb()])],
            (
                embed.clone(),
                Reason::ScriptOverArchives,
                Some(Warning::CarriedHidden {
                    archive: a.clone(),
                    lib: LibName::Name("foo".into()),
                    so: sa.clone(),
                }),
            ),
        );
        // Same name, another digest: another build, not carried.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sa, true, vec![entry("foo", "libfoo_a.a", other, false), eb()])],
            (embed.clone(), Reason::ScriptOverArchives, Some(partly(&[(&b, &sa)], &[&a]))),
        );
        // Same digest under another library and file name: another library.
        check(
            &[&a, &b],
            &both,
            vec![carrier(&sa, true, vec![entry("baz", "libbaz.a", da, false), eb()])],
            (embed.clone(), Reason::ScriptOverArchives, Some(partly(&[(&b, &sa)], &[&a]))),
        );
        // An archive whose digest is unknown is carried by none.
        check(
            &[&a, &b],
            &both[1..],
            vec![carrier(&sa, true, vec![ea(), eb()])],
            (embed.clone(), Reason::ScriptOverArchives, Some(partly(&[(&b, &sa)], &[&a]))),
        );
        // A script over one archive is judged too.
        check(
            &[&a],
            &both[..1],
            vec![carrier(&sa, false, vec![entry("foo_a", "libfoo_a.a", da, false)])],
            (Outcome::Keep, by(&[("libfoo_a.a", &sa)]), None),
        );
    }
}

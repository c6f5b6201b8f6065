//! Renders decisions and commands for people.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use crate::args::{Command, LibName};
use crate::model::archive_file_name;
use crate::model::{
    Decision, Flag, Note, Outcome, Reason, ScriptProblem, Subject, TwinWhy, Unchecked, Unreadable, Warning,
};

/// One line per library decision: token, outcome, archive, stage, reason.
pub fn decision_line(cmd: &Command, d: &Decision) -> String {
    let mut token = d.lib.display();
    if let (Outcome::Add { token }, Reason::Provides { .. }) = (&d.outcome, &d.reason) {
        // Found by the symbols it defines: the member it serves is the
        // whole story (issue 11: `-lgomp: added: provides ... needed by ...`).
        return format!("solink: {}: added: {}", token.to_string_lossy(), reason_text(cmd, d));
    }
    if let Subject::Dep { of, via } = &d.subject {
        token = format!("{token} (dependency of {}, from {})", of.display(), via.display());
    }
    let outcome = match &d.outcome {
        // Substituted, but nothing of it is linked: not called embedded.
        Outcome::Embed { file, .. } if matches!(d.reason, Reason::Unused { .. }) => {
            format!("by path {}", file.display())
        }
        Outcome::Embed { file, .. } if d.as_written => format!("ld takes {}", file.display()),
        Outcome::Embed { file, .. } => format!("embed {}", file.display()),
        Outcome::Add { token } => format!("dynamic {}", token.to_string_lossy()),
        Outcome::Twin { so } => format!("dynamic {}", so.display()),
        _ => outcome_word(d).replace('-', " "),
    };
    let stage = match &d.found {
        Some(found) if !matches!(d.outcome, Outcome::Embed { .. }) => {
            format!(" ({} at {})", found.stage, found.path.display())
        }
        Some(found) => format!(" ({})", found.stage),
        None => String::new(),
    };
    // A decision that warns is explained by its warning, printed on the
    // next line: the reason here would say the same thing a second time.
    let reason = match d.warning {
        // What solink did is its own; what ld will do is the warning's.
        Some(Warning::LdWillNotFind { .. }) | None => reason_text(cmd, d),
        Some(_) => "see the warning that follows".to_string(),
    };
    let mut line = format!("solink: {token}: {outcome}{stage}: {reason}");
    for note in &d.notes {
        line.push_str("; ");
        line.push_str(&note_text(note));
    }
    if let (false, Some(pc)) = (d.flags.is_empty(), &d.flags_from) {
        line.push_str(&format!("; with {} from {}", flags_text(&d.flags), pc.display()));
    }
    line
}

fn note_text(note: &Note) -> String {
    match note {
        Note::SkippedIncompatible { path, id } => format!("skipped incompatible {} ({id})", path.display()),
        Note::PrefersPic { pic, over } => format!("prefers {} over {}", pic.display(), over.display()),
        Note::System(w) => format!("note: {}", warning(w)),
        Note::Unchecked(why) => {
            let what = match why {
                Unchecked::NotFound(lib) => format!("{lib} is in none of ld's search dirs"),
                Unchecked::Missing(path) => format!("{} does not exist", crate::text::shown(path)),
                Unchecked::Unreadable { path, error } => {
                    format!("{} cannot be read ({})", crate::text::shown(path), crate::text::shown(error))
                }
                Unchecked::NotInput(path) => format!(
                    "{} is no object, archive, shared library or linker script",
                    crate::text::shown(path)
                ),
                Unchecked::TooDeep(path) => {
                    format!("{} nests linker scripts too deep", crate::text::shown(path))
                }
                Unchecked::HostLink(why) => {
                    format!("nvcc's host link is not known ({})", crate::text::shown(why))
                }
                Unchecked::Unknown => "an input of the link cannot be found or read".to_string(),
            };
            format!("not verified: {what}, so the closure check did not run")
        }
    }
}

/// The advice for an archive that is not position-independent; only real
/// relocation problems get it (a versioned symbol or a damaged member is
/// not fixed by -fPIC).
const FIX_PIC: &str =
    "Rebuild it with -fPIC (CMake: POSITION_INDEPENDENT_CODE ON; autotools: --with-pic) to embed it.";

/// A warning in words, without the `solink:` prefix.
/// Why this run links with no cache: its directory fails the trust check.
pub fn cache_not_used(path: &std::path::Path, why: &crate::fsx::Distrust) -> String {
    format!(
        "warning: cache {} {why}; not used (make it yours and private: chmod go-w, or choose another with --cache-dir)",
        crate::text::shown(path)
    )
}

/// A configuration file solink found on its own that fails the trust rule
/// (issue 33 §1): ignored, never the end of the link.
pub fn config_not_used(path: &std::path::Path, why: &crate::fsx::Distrust) -> String {
    format!(
        "warning: configuration file {} {why}; ignored (make it yours or root's and not writable by others: \
         chown, chmod go-w; or remove it)",
        crate::text::shown(path)
    )
}

/// A configuration file solink found on its own that is there but cannot
/// be read (a directory, a FIFO, too large): ignored.
pub fn config_unreadable(path: &std::path::Path, e: &std::io::Error) -> String {
    format!(
        "warning: configuration file {} cannot be read ({e}); ignored (fix or remove it)",
        crate::text::shown(path)
    )
}

/// A program a configuration file names (`cc = ./evil`) that fails the
/// trust rule: that line is ignored.
pub fn config_program_not_used(
    key: &str,
    value: &std::ffi::OsStr,
    path: &std::path::Path,
    program: &std::path::Path,
    why: &crate::fsx::Distrust,
) -> String {
    format!(
        "warning: {key} = {} in {}: {} {why}; that line is ignored (make the program yours or root's and not \
         writable by others)",
        crate::text::shown(value),
        crate::text::shown(path),
        crate::text::shown(program)
    )
}

/// What `--clear-cache` could not remove: how many, and the first.
pub fn not_removed(n: usize, first: &std::path::Path, e: &std::io::Error) -> String {
    let files = if n == 1 { "file" } else { "files" };
    format!("{n} {files} of solink's could not be removed ({}: {e})", crate::text::shown(first))
}

/// A child's output past its cap (issue 33 §4): the run goes on without it.
pub fn child_overflow(problem: &str) -> String {
    format!("warning: {problem}; going on without that answer (check the driver)")
}

/// A cache named explicitly (`--cache-dir`, `SOLINK_CACHE_DIR`) that cannot
/// be used: said once, and the link goes on without a cache.
pub fn cache_unusable(path: &std::path::Path, problem: &str) -> String {
    format!(
        "warning: cache {} cannot be used ({problem}); linking with no cache (choose another with --cache-dir)",
        crate::text::shown(path)
    )
}

pub fn warning(w: &Warning) -> String {
    match w {
        Warning::Unreadable { archive, lib, what } => format!(
            "{} is {}; {}. Rebuild or remove it.",
            archive.display(),
            unreadable_text(what),
            dynamically(lib)
        ),
        Warning::UnsafeScript { archive, lib, why } => format!(
            "{} is a linker script over {}; {}.",
            archive.display(),
            script_problem_text(why),
            dynamically(lib)
        ),
        Warning::Twin { archive, lib: _, why, so } => {
            let doing = format!("linking the shared twin {} beside it in its place", so.display());
            match why {
                TwinWhy::Unfit(problem) if problem.is_not_pic() => format!(
                    "{} is not position-independent ({problem}); {doing}. {FIX_PIC}",
                    archive.display()
                ),
                TwinWhy::Unfit(problem) => {
                    format!("{} cannot go into a shared object ({problem}); {doing}.", archive.display())
                }
                TwinWhy::Script(why) => format!(
                    "{} is a linker script over {}; {doing}.",
                    archive.display(),
                    script_problem_text(why)
                ),
                TwinWhy::Incomplete(missing) => format!(
                    "{} needs {}, which cannot be found; {doing}.",
                    archive.display(),
                    missing.display()
                ),
                TwinWhy::Unresolved { symbols, more, needed_by } => format!(
                    "{} leaves {} undefined (needed by {needed_by}), and no library the link can add \
                     defines {}; {doing}.",
                    archive.display(),
                    symbol_list(symbols, *more),
                    if symbols.len() + more > 1 { "them" } else { "it" },
                ),
            }
        }
        Warning::Unfit { archive, lib, problem, shared } if problem.ld_refuses() => {
            let doing = match shared {
                true => format!("linking {} dynamically", lib.display()),
                false => format!("leaving {} as given, and ld will fail on it too", lib.display()),
            };
            format!("{} cannot be embedded: {problem}; {doing}. Run ranlib on it.", archive.display())
        }
        Warning::Unfit { archive, lib, problem, shared } => {
            let doing = match shared {
                true => format!("linking {} dynamically", lib.display()),
                false => "embedding it anyway, as ld would link it".to_string(),
            };
            if problem.is_not_pic() && !shared {
                // It is embedded already: the advice is how to make that
                // link clean, not how to get it embedded.
                format!(
                    "{} is not position-independent ({problem}); {doing}, and ld may refuse its relocations. {}",
                    archive.display(),
                    FIX_PIC.replace(" to embed it.", " so that it links cleanly.")
                )
            } else if problem.is_not_pic() {
                format!("{} is not position-independent ({problem}); {doing}. {FIX_PIC}", archive.display())
            } else {
                format!("{} cannot go into a shared object ({problem}); {doing}.", archive.display())
            }
        }
        Warning::IncompleteDeps { archive, lib, missing, shared } => {
            let doing = match shared {
                true => format!("linking {} dynamically", lib.display()),
                false => "embedding it anyway; the link may leave symbols undefined".to_string(),
            };
            format!("{} needs {}, which cannot be found; {doing}.", archive.display(), missing.display())
        }
        Warning::PkgConfig { pc, lib, error } => format!(
            "{} (for {}) cannot be read: {}; its dependencies come from the shared twin alone. Fix or remove it.",
            crate::text::shown(pc),
            lib.display(),
            crate::text::shown(error)
        ),
        Warning::Unresolved { archive, lib, symbols, more, needed_by, shared } => {
            let doing = match shared {
                true => format!("linking {} dynamically", lib.display()),
                false => "embedding it anyway, as ld would link it; the result may not load".to_string(),
            };
            format!(
                "{} leaves {} undefined (needed by {needed_by}), and no library the link can add \
                 defines {}; {doing}.",
                archive.display(),
                symbol_list(symbols, *more),
                if symbols.len() + more > 1 { "them" } else { "it" },
            )
        }
        Warning::CarriedHidden { archive, lib, so } => format!(
            "{} already embeds {} with its symbols hidden, so this link cannot use that copy; \
             embedding {} again gives this process two copies of its state. Export it from {} \
             (drop --hide there), or --no-embed {}.",
            so.display(),
            archive.display(),
            lib.display(),
            so.display(),
            lib.display()
        ),
        Warning::CarriedPartly { script, lib, carried, rest } => {
            let carried: Vec<String> =
                carried.iter().map(|(a, so)| format!("{} ({})", a.display(), so.display())).collect();
            let rest: Vec<String> = rest.iter().map(|a| a.display().to_string()).collect();
            format!(
                "{} is a linker script over archives that shared libraries after {} already embed: {}; \
                 the rest ({}) is carried by none, so {} is still embedded, and ld pulls those \
                 archives in again there: this process gets two copies of their state. Put those \
                 libraries before {} (ld then takes those symbols from them and pulls in only the \
                 rest), or link the other archives by name instead of the script.",
                script.display(),
                lib.display(),
                carried.join(", "),
                rest.join(", "),
                lib.display(),
                lib.display()
            )
        }
        Warning::LdWillNotFind { lib, only: Some((dir, file)) } => format!(
            "warning: {}: ld will not find it: {} has only {}; use -l:{}",
            lib.display(),
            dir.display(),
            file.to_string_lossy(),
            file.to_string_lossy()
        ),
        Warning::LdWillNotFind { lib, only: None } => {
            let looked = match lib {
                LibName::Name(n) => format!(
                    "no {} or {} in the -L dirs or ld's own",
                    crate::model::shared_file_name(n).to_string_lossy(),
                    archive_file_name(n).to_string_lossy()
                ),
                _ => format!("no {} in the -L dirs or ld's own", lib.name().to_string_lossy()),
            };
            format!("warning: {}: ld will not find it: {looked}; add -L with its directory", lib.display())
        }
        Warning::RpathUnserved { lib, file, soname } => format!(
            "warning: --rpath-dynamic: {} links {}, whose SONAME is {}, and no file of that name is beside \
             it or its target, so no rpath lets the loader find it; add the directory that holds {} \
             to the -L dirs",
            lib.display(),
            file.display(),
            soname.to_string_lossy(),
            soname.to_string_lossy()
        ),
        Warning::Conflict { archive, lib, symbols, more, first, member, users, both } => {
            let more = match more {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            let own = crate::closure::member_name(archive, member);
            let what = if *both {
                format!("both are linked ({} is linked whole), and ld refuses the second definition", own)
            } else {
                let users = match users.as_slice() {
                    [] => "its members".to_string(),
                    u => u.iter().map(|m| crate::closure::member_name(archive, m)).collect::<Vec<_>>().join(", "),
                };
                format!("ld binds {users} to the first copy and leaves {own} out")
            };
            format!(
                "{} and {first} define {}{more} with different contents: {what}. Give each archive its own \
                 copy with --isolate={}.",
                archive.display(),
                symbols.join(", "),
                lib.name().to_string_lossy()
            )
        }
        Warning::CtorsLeft { archive, lib, members } => {
            let name = lib.name();
            format!(
                "{} has constructors in members ld leaves out ({}): nothing references them, so \
                 what they register never is. Pull them in with --whole-archive=auto (just those \
                 members) or --whole-archive={}.",
                archive.display(),
                members.join(", "),
                name.to_string_lossy()
            )
        }
    }
}

/// What solink does with a library it cannot embed and that has no twin
/// to swap in: `-lNAME` stays for ld to link dynamically; an archive named
/// by path stays where it is.
fn dynamically(lib: &LibName) -> String {
    match lib {
        LibName::Path(_) => "leaving it as given".to_string(),
        _ => format!("linking {} dynamically", lib.display()),
    }
}

/// Flags as they are added to the command, for people.
fn flags_text(flags: &[Flag]) -> String {
    let words: Vec<String> = flags
        .iter()
        .map(|f| match f {
            Flag::Linker(args) => {
                let args: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
                format!("-Wl,{}", args.join(","))
            }
            Flag::Driver(w) => w.to_string_lossy().into_owned(),
        })
        .collect();
    words.join(" ")
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The most users of an unused archive its reason names.
const SHOWN_USERS: usize = 3;

/// `a, b, c and 4 more`.
fn symbol_list(symbols: &[String], more: usize) -> String {
    let mut text = symbols.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

fn unreadable_text(what: &Unreadable) -> String {
    match what {
        Unreadable::NotArchive => "not an archive".to_string(),
        Unreadable::Damaged(e) => format!("damaged ({e})"),
    }
}

fn script_problem_text(why: &ScriptProblem) -> String {
    match why {
        ScriptProblem::Lib(l) => format!("-l{}", l.to_string_lossy()),
        ScriptProblem::Missing(f) => format!("{}, which does not exist", f.display()),
        ScriptProblem::Unfit { file, problem } if problem.is_not_pic() => {
            format!("{}, which is not position-independent ({problem})", file.display())
        }
        ScriptProblem::Unfit { file, problem } => {
            format!("{}, which cannot go into a shared object ({problem})", file.display())
        }
        ScriptProblem::NotEmbeddable(f) => format!("{}, which cannot be embedded", f.display()),
    }
}

/// The outcome as one word (the JSON `outcome` field).
fn outcome_word(d: &Decision) -> &'static str {
    match &d.outcome {
        Outcome::Embed { .. } => "embed",
        Outcome::Keep
            if matches!(
                d.reason,
                Reason::StaticRegion | Reason::Unused { .. } | Reason::NamedElsewhere { .. }
            ) =>
        {
            "as-given"
        }
        // An archive named by path that stays where it is: still linked.
        Outcome::Keep if matches!(d.lib, LibName::Path(_)) => "as-given",
        Outcome::Keep | Outcome::Twin { .. } => "dynamic",
        Outcome::Add { .. } => "added",
        Outcome::Drop => "dropped",
    }
}

/// The reason as a stable code (the JSON `reason` field).
fn reason_code(r: &Reason) -> &'static str {
    match r {
        Reason::FirstArchive => "first-archive",
        Reason::Given => "given",
        Reason::ScriptOverArchives => "script-over-archives",
        Reason::NotFound => "not-found",
        Reason::RuntimeLibrary => "runtime-library",
        Reason::StaticRegion => "static-region",
        Reason::Program => "program",
        Reason::NamedElsewhere { .. } => "named-elsewhere",
        Reason::SharedOutsideLd { .. } => "shared-outside-ld",
        Reason::SelfReference => "self-reference",
        Reason::NotAnArchiveName => "not-an-archive-name",
        Reason::CommaInPath => "comma-in-path",
        Reason::UserEmbed => "user-embed",
        Reason::UserNoEmbed => "user-no-embed",
        // Kept as "not-pic" for every unfitness: the JSON schema is stable.
        Reason::NotPic { .. } => "not-pic",
        Reason::Empty => "empty",
        Reason::Unreadable(_) => "unreadable",
        Reason::UnsafeScript(_) => "unsafe-script",
        Reason::IncompleteDeps { .. } => "incomplete-deps",
        Reason::Shadowed { .. } => "shadowed",
        Reason::DriverLibrary => "driver-library",
        Reason::NoDefaultLibs => "no-default-libs",
        Reason::Unused { .. } => "unused",
        Reason::Provides { .. } => "provides",
        Reason::Unresolved { .. } => "unresolved",
        Reason::CarriedBy { .. } | Reason::CarriedScript { .. } => "carried-by",
    }
}

/// The reason in words.
// Long on purpose: one arm per reason: each message in one place.
fn reason_text(cmd: &Command, d: &Decision) -> String {
    let file = match &d.lib {
        LibName::Name(n) => archive_file_name(n.as_os_str()).to_string_lossy().into_owned(),
        LibName::Verbatim(f) => f.to_string_lossy().into_owned(),
        LibName::Path(p) => p.file_name().unwrap_or(p.as_os_str()).to_string_lossy().into_owned(),
    };
    match &d.reason {
        Reason::FirstArchive => format!("the first {file} in the search order; position-independent"),
        Reason::Given => "the archive the command names; position-independent".to_string(),
        Reason::ScriptOverArchives => {
            let archives = match &d.outcome {
                Outcome::Embed { archives, .. } => archives.as_slice(),
                _ => &[],
            };
            let list: Vec<String> = archives.iter().map(|a| a.display().to_string()).collect();
            format!("a linker script over position-independent archives: {}", list.join(", "))
        }
        Reason::NotFound => format!("no {file} in the search order"),
        Reason::RuntimeLibrary => "a C/C++ runtime library, never embedded".to_string(),
        Reason::StaticRegion if d.as_written => {
            "the user made this region static, so ld takes the archive its own search finds; \
             solink checks what it pulls and never replaces it"
                .to_string()
        }
        Reason::StaticRegion => format!("the user made this region static; ld's own search finds no {file}"),
        Reason::SharedOutsideLd { so, dir } => format!(
            "ld's own search finds no library, and {} is only where solink searches; solink gives ld -L {} \
             after the command's own -L dirs (no run path: the loader needs LD_LIBRARY_PATH, or \
             --rpath-dynamic)",
            so.display(),
            dir.display()
        ),
        Reason::NamedElsewhere { by } => {
            format!("the command names the {file} found for it as {by}, which brings it; left as given")
        }
        Reason::Program if d.as_written => {
            "a program: ld takes the archive its own search finds first; \
             solink checks what it pulls and never replaces it"
                .to_string()
        }
        Reason::Program => match &d.found {
            Some(f) => format!("a program: ld takes {} itself", f.path.display()),
            None => "a program: ld's own search finds no such library".to_string(),
        },
        Reason::SelfReference => {
            let out = cmd.output.as_deref().map(|o| o.display().to_string()).unwrap_or_default();
            format!("the output {out} is this library")
        }
        Reason::NotAnArchiveName => format!("{file} is not an archive name"),
        Reason::CommaInPath => "a path with a comma cannot go inside -Wl,".to_string(),
        Reason::UserEmbed => "--embed asked for it".to_string(),
        Reason::UserNoEmbed => "--no-embed asked for it".to_string(),
        Reason::NotPic { problem, shared } => {
            let what = match problem.is_not_pic() {
                true => "not position-independent",
                false => "unfit for a shared object",
            };
            match shared {
                Some(so) => format!("{what} ({problem}); the shared {} serves instead", so.display()),
                None if problem.ld_refuses() => format!("{what} ({problem}) and no shared twin; left as given"),
                None => format!("{what} ({problem}) and no shared twin; embedded as ld would link it"),
            }
        }
        Reason::Empty => "an empty archive: nothing to embed".to_string(),
        Reason::Unreadable(what) => unreadable_text(what),
        Reason::UnsafeScript(why) => format!("a linker script over {}", script_problem_text(why)),
        Reason::IncompleteDeps { missing } => {
            format!("it needs {}, which cannot be found", missing.display())
        }
        Reason::Shadowed { so } => format!(
            "ld links {} first, from a directory it searches before this {file}; linked dynamically as ld would (--archive-first embeds the archive)",
            so.display()
        ),
        Reason::DriverLibrary => "the driver links it by itself, last; not added".to_string(),
        Reason::NoDefaultLibs => "-nostdlib/-nodefaultlibs: left out as the command asks".to_string(),
        Reason::CarriedBy { so, file } => format!(
            "{} already embeds {file} (same digest); linking it again would give this process two copies",
            so.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| so.display().to_string())
        ),
        Reason::CarriedScript { by } => {
            // `liba.so already embeds libx.a and liby.a, libc.so embeds libz.a`.
            let mut groups: Vec<(&std::path::Path, Vec<&str>)> = Vec::new();
            for (file, so) in by {
                match groups.iter_mut().find(|(s, _)| s == so) {
                    Some((_, files)) => files.push(file),
                    None => groups.push((so, vec![file])),
                }
            }
            let groups: Vec<String> = groups
                .iter()
                .enumerate()
                .map(|(i, (so, files))| {
                    let so = so.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                    format!("{so} {}embeds {}", if i == 0 { "already " } else { "" }, and_list(files))
                })
                .collect();
            format!(
                "{}: every archive of this linker script (same digests); linking them again would give this process two copies",
                groups.join(", ")
            )
        }
        Reason::Unused { users } => {
            let why = match users.split_first() {
                None => format!("nothing in the link uses {file}"),
                Some(_) => {
                    let shown: Vec<String> = users.iter().take(SHOWN_USERS).cloned().collect();
                    let list = symbol_list(&shown, users.len().saturating_sub(SHOWN_USERS));
                    format!("{file} comes before every object that uses it ({list})")
                }
            };
            match d.outcome {
                Outcome::Embed { .. } => format!(
                    "{why}, so ld takes nothing from it; its path stands in for {}, which ld's own search would not find",
                    d.lib.display()
                ),
                _ => format!("{why}, so ld takes nothing from it; left as given"),
            }
        }
        Reason::Provides { symbols, more, needed_by } => {
            format!("provides {} needed by {needed_by}", symbol_list(symbols, *more))
        }
        Reason::Unresolved { symbols, more, needed_by, shared } => {
            let what = format!("{} needed by {needed_by} defined nowhere", symbol_list(symbols, *more));
            match shared {
                Some(so) => format!("{what}; the shared {} serves instead", so.display()),
                None => format!("{what} and no shared twin; embedded as ld would link it"),
            }
        }
    }
}

fn lossy(p: &std::path::Path) -> serde_json::Value {
    serde_json::Value::String(p.to_string_lossy().into_owned())
}

/// The last line of `--explain`: how many libraries were embedded (the
/// archives named on the command line included), kept or added dynamic,
/// taken as given in a static region, dropped, and how many warnings.
/// Zero "as given" and "dropped" are left out; the rest are always there.
pub fn summary(_cmd: &Command, decisions: &[Decision], other_warnings: usize) -> String {
    let count = |word: &str| decisions.iter().filter(|d| outcome_word(d) == word).count();
    // Archives named by path are decisions too (issue 20 §1).
    let embedded = count("embed");
    let dynamic = count("dynamic") + count("added");
    let mut parts = vec![format!("{embedded} embedded"), format!("{dynamic} dynamic")];
    for (n, word) in [(count("as-given"), "as given"), (count("dropped"), "dropped")] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let warnings = decisions.iter().filter(|d| d.warning.is_some()).count() + other_warnings;
    parts.push(format!("{warnings} warning{}", if warnings == 1 { "" } else { "s" }));
    format!("solink: {}", parts.join(", "))
}

/// Every decision and the final command as one line of JSON, for tools.
/// The schema is docs/explain.schema.json (described in docs/usage.md);
/// `schema` changes only when a field changes meaning or goes away.
/// What the JSON says besides the decisions: the driver as resolved on
/// PATH (None when it was not found: `--dry-run` works without it) and the
/// `note:` lines of the search (directories skipped, and why).
#[derive(Debug, Default)]
pub struct About {
    pub driver: Option<std::path::PathBuf>,
    pub notes: Vec<String>,
    /// The archive files the `.note.solink` added to the link records
    /// (none when nothing is embedded).
    pub recorded: Vec<String>,
    /// `--explain`'s lines for the exports (issue 23).
    pub exports: Vec<String>,
    /// `--explain`'s lines for the private copies (issue 35).
    pub private: Vec<String>,
    /// What nvcc's host link adds (issue 20 §8).
    pub host: Option<crate::model::HostLink>,
    /// The warnings beside the decisions' (the exports', nvcc's), in words.
    pub warnings: Vec<String>,
    /// What embedding adds to the output (the members ld pulls, by kind),
    /// and from how many archives: the entries of the note (issue 22 §3).
    pub added: Option<(crate::formats::symbols::Sizes, usize)>,
}

/// `--explain`'s lines for the private copies (issue 35): each isolated
/// archive and what it keeps global, each whole archive whose members an
/// earlier input brings byte for byte.
pub fn private_lines(privates: &[crate::policy::isolate::Private]) -> Vec<String> {
    let names = |n: &[crate::formats::symbols::Name]| -> String {
        let shown: Vec<String> = n.iter().take(8).map(|s| String::from_utf8_lossy(s).into_owned()).collect();
        match n.len() {
            0 => "nothing".to_string(),
            l if l > 8 => format!("{} and {} more", shown.join(", "), l - 8),
            _ => shown.join(", "),
        }
    };
    let mut out = Vec::new();
    for p in privates {
        let lib = p.lib.name();
        if let Some(iso) = &p.isolate {
            out.push(format!(
                "solink: -l{}: isolated: {} is linked as a private copy (ld -r of the members ld takes{}, every \
                 other symbol made local); kept global: {} (what the rest of the link uses from it, and what \
                 --export names)",
                lib.to_string_lossy(),
                p.archive.display(),
                if p.whole { ", all of them" } else { "" },
                names(&iso.keep)
            ));
        }
        if !p.dropped.is_empty() {
            out.push(format!(
                "solink: -l{}: taken once: {} of {} are byte for byte the copies linked first; theirs are bound \
                 ({} made weak here)",
                lib.to_string_lossy(),
                p.dropped.join(", "),
                p.archive.display(),
                names(&p.weaken)
            ));
        }
    }
    out
}

/// What the entries of a link's note add, and from how many archives;
/// `None` when nothing is embedded or nothing was measured.
pub fn added(
    entries: &[crate::formats::provenance::Entry],
) -> Option<(crate::formats::symbols::Sizes, usize)> {
    let measured: Vec<_> = entries.iter().filter_map(|e| e.sizes).collect();
    let sum = measured.iter().fold(crate::formats::symbols::Sizes::default(), |s, z| s.plus(*z));
    (!measured.is_empty()).then_some((sum, measured.len()))
}

/// `--explain`'s last line: what embedding added to the output.
pub fn added_line((z, archives): (crate::formats::symbols::Sizes, usize)) -> String {
    format!(
        "solink: embedding adds {} bytes to the output: code {}, data {}, bss {} (the members ld pulls from {archives} {})",
        z.total(),
        z.code,
        z.data,
        z.bss,
        if archives == 1 { "archive" } else { "archives" }
    )
}

/// The line that says the link carries a provenance note.
pub fn recorded_line(files: &[String]) -> String {
    format!(
        "solink: note: adds {} to the output, recording what it embeds: {}",
        crate::formats::provenance::SECTION,
        files.join(" ")
    )
}

pub fn json(cmd: &Command, decisions: &[Decision], command: &[OsString], about: &About) -> String {
    use serde_json::{json, Value};
    let decisions: Vec<Value> = decisions
        .iter()
        .map(|d| {
            let (dependency_of, via) = match &d.subject {
                Subject::Dep { of, via } => (Value::String(of.display()), lossy(via)),
                Subject::Ref { .. } => (Value::Null, Value::Null),
            };
            let notes: Vec<String> = d.notes.iter().map(note_text).collect();
            json!({
                "library": d.lib.display(),
                "outcome": outcome_word(d),
                "path": match &d.outcome { Outcome::Embed { file, .. } => lossy(file), Outcome::Twin { so } => lossy(so), _ => Value::Null },
                "added": match &d.outcome { Outcome::Add { token } => Value::String(token.to_string_lossy().into_owned()), _ => Value::Null },
                "found": d.found.as_ref().map(|f| lossy(&f.path)),
                // An archive named by path was not searched for: no stage.
                "stage": d.found.as_ref().filter(|f| f.stage != crate::model::Stage::Given).map(|f| f.stage.number()),
                "reason": reason_code(&d.reason),
                "detail": reason_text(cmd, d),
                "dependency_of": dependency_of,
                "via": via,
                "notes": notes,
                "warning": d.warning.as_ref().map(warning),
                "flags": if d.flags.is_empty() { Value::Null } else { Value::String(flags_text(&d.flags)) },
                // Added by the closure check: the symbols it provides (or,
                // for an embedded archive, leaves unresolved) and the member
                // that needs them; whether ld would take nothing from it.
                "symbols": match &d.reason {
                    Reason::Provides { symbols, .. } | Reason::Unresolved { symbols, .. } => json!(symbols),
                    _ => Value::Null,
                },
                "needed_by": match &d.reason {
                    Reason::Provides { needed_by, .. } | Reason::Unresolved { needed_by, .. } => {
                        Value::String(needed_by.clone())
                    }
                    _ => Value::Null,
                },
                "unused": matches!(d.reason, Reason::Unused { .. }),
            })
        })
        .collect();
    let direct: Vec<Value> = cmd.direct_archives.iter().map(|p| lossy(p)).collect();
    let command: Vec<String> = command.iter().map(|w| w.to_string_lossy().into_owned()).collect();
    let mut doc = json!({
        "schema": 1,
        "version": env!("CARGO_PKG_VERSION"),
        "driver": about.driver.as_deref().map(lossy),
        "notes": about.notes,
        "recorded": about.recorded,
        "embedded_bytes": about.added.map(|(z, archives)| json!({
            "code": z.code, "data": z.data, "bss": z.bss, "total": z.total(), "archives": archives,
        })),
        "shared_link": cmd.is_shared_link(),
        "decisions": decisions,
        "direct_archives": direct,
        "command": command,
    });
    // Only an nvcc link has a host link (usage.md, "nvcc"): the key is
    // absent elsewhere, so other links' JSON is unchanged.
    if let Some(h) = &about.host {
        doc["host_link"] = json!({
            "compiler": h.compiler.to_string_lossy(),
            "libraries": h.libraries.iter().map(|l| json!({
                "library": l.name,
                "path": l.file.as_deref().map(lossy),
                "members": l.members,
            })).collect::<Vec<Value>>(),
            "two_runtimes": h.two_runtimes.as_ref().map(|(s, d)| json!({"static": lossy(s), "shared": lossy(d)})),
        });
    }
    doc.to_string()
}

/// What `solink` with no arguments prints on stderr.
pub fn usage() -> String {
    format!(
        "solink {}: a drop-in for `gcc -shared` that embeds the static archives a shared library links against\n\
         usage: solink [OPTIONS] [--] ARGS...\n\
         \x20      solink [OPTIONS] DRIVER ARGS...\n\
         solink --solink-help lists its options, --show-config its settings, --man prints the manual\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Issue 31: a `-Bstatic` region that is still open where the command
/// ends reaches the driver's own libraries, which gcc adds after it.
pub fn open_region_warning(cmd: &Command) -> Option<String> {
    let driver_adds = cmd.syntax != crate::args::Syntax::Ld && !cmd.no_default_libs;
    (cmd.end_state.static_ && driver_adds && !cmd.all_static && !cmd.static_pie).then(|| {
        "the command ends inside a -Bstatic region, so ld searches the driver's own libraries \
         (-lgcc_s, -lc) as archives too; close the region with -Wl,-Bdynamic"
            .to_string()
    })
}

/// A note for a person: it changes nothing.
pub fn note_line(note: &str) -> String {
    format!("solink: note: {note}")
}

/// `--explain`'s line of the final command, shell-quoted, with its newline.
pub fn command_line(command: &[OsString]) -> Vec<u8> {
    let mut line = b"solink: command: ".to_vec();
    line.extend(quote_command(command));
    line.push(b'\n');
    line
}

/// The note object could not be made: the link goes on without it.
pub fn no_note(problem: &str) -> String {
    format!("solink: warning: no provenance note in the output: {problem}")
}

/// The log file (`SOLINK_LOGFILE`) could not be written: the link goes on.
pub fn log_not_written(path: &std::path::Path, problem: &str) -> String {
    note_line(&format!("cannot write the log file {}: {problem}", crate::text::shown(path)))
}

/// A command as one line that a POSIX shell reads back as the same words.
pub fn quote_command(words: &[OsString]) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        match w.to_str() {
            Some(text) => line.extend_from_slice(shell_words::quote(text).as_bytes()),
            // shell-words only handles text; bytes that are not UTF-8 are
            // still fine inside single quotes.
            None => {
                line.push(b'\'');
                for &c in w.as_bytes() {
                    if c == b'\'' {
                        line.extend_from_slice(b"'\\''");
                    } else {
                        line.push(c);
                    }
                }
                line.push(b'\'');
            }
        }
    }
    line
}

/// A symbol name for people (escaped as the closure check's are).
fn symbol_text(name: &[u8]) -> String {
    let mut out = String::new();
    crate::formats::symbols::escape(&mut out, name);
    out
}

/// Issue 20 §8: what nvcc adds to the link, one line for the host link
/// and one for each archive it adds.
pub fn host_lines(h: &crate::model::HostLink) -> Vec<String> {
    let names: Vec<&str> = h.libraries.iter().map(|l| l.name.as_str()).collect();
    let mut out = vec![format!(
        "solink: nvcc: the host link is {}'s; nvcc adds {}",
        crate::text::shown(&h.compiler),
        if names.is_empty() { "no library".to_string() } else { names.join(" ") }
    )];
    for lib in &h.libraries {
        let Some(file) = &lib.file else {
            out.push(format!("solink: {}: added by nvcc: ld will not find it in its search dirs", lib.name));
            continue;
        };
        if file.extension().map_or(true, |e| e != "a") {
            out.push(format!(
                "solink: {}: added by nvcc: links {} dynamically",
                lib.name,
                crate::text::shown(file)
            ));
            continue;
        }
        let what = match lib.members {
            Some(0) => "ld takes nothing from it".to_string(),
            Some(n) => format!("ld pulls {n} member{} from it", if n == 1 { "" } else { "s" }),
            None => "not verified".to_string(),
        };
        out.push(format!(
            "solink: {}: added by nvcc: links {} statically; {what}",
            lib.name,
            crate::text::shown(file)
        ));
    }
    out
}

/// Issue 20 §8: two CUDA runtimes in one process.
pub fn host_warnings(h: &crate::model::HostLink) -> Vec<String> {
    // What ld will say, said first (issue 20 §7), for nvcc's own libraries.
    let mut out: Vec<String> = h
        .libraries
        .iter()
        .filter(|l| l.file.is_none())
        .map(|l| {
            format!(
                "warning: {}: added by nvcc, and ld will not find it in its search dirs; \
                 add -L with the directory that holds lib{}.so (or a development symlink to it)",
                l.name,
                l.name.trim_start_matches("-l")
            )
        })
        .collect();
    let Some((static_, shared)) = &h.two_runtimes else { return out };
    let how = match shared.file_name().is_some_and(|n| n.as_encoded_bytes().starts_with(b"libcudart.so")) {
        true => "the link also takes",
        false => "the link also takes a library that needs libcudart.so:",
    };
    out.push(format!(
        "two CUDA runtimes in one process: ld links {} into the output, and {how} {}; \
         give nvcc --cudart shared to use the shared one only",
        crate::text::shown(static_),
        crate::text::shown(shared)
    ));
    out
}

/// Issue 23's warnings: a name `--export` gives that no input defines, and
/// an `--export-archive` with nothing pulled from it.
pub fn export_warnings(e: &crate::policy::export::Exports) -> Vec<String> {
    let mut out = Vec::new();
    for name in &e.undefined {
        out.push(format!(
            "--export names {}, which no input of the link defines, so it is not exported; \
             check the spelling, or add the object or library that defines it",
            symbol_text(name)
        ));
    }
    for lib in &e.no_archive {
        out.push(format!(
            "--export-archive={} names no embedded archive that ld pulls a member from, so it exports \
             nothing; check the name (NAME for libNAME.a) and that the link embeds it",
            lib.to_string_lossy()
        ));
    }
    out
}

/// `--explain`'s lines for the exports: each name and where it comes
/// from, and each hidden archive that yields to an export.
pub fn export_lines(e: &crate::policy::export::Exports) -> Vec<String> {
    let mut out: Vec<String> = e
        .exported
        .iter()
        .map(|(name, from)| format!("solink: exports {} from {from}", symbol_text(name)))
        .collect();
    for (archive, names) in &e.unhidden {
        let shown: Vec<String> =
            names.iter().take(crate::policy::verify::SHOWN_SYMBOLS).map(|n| symbol_text(n)).collect();
        let more = names.len().saturating_sub(crate::policy::verify::SHOWN_SYMBOLS);
        out.push(format!(
            "solink: note: {} is hidden (--hide), but it defines {}, which the exports name: those are \
             exported, and its other symbols are made local by the version script instead of \
             --exclude-libs",
            crate::text::shown(archive),
            symbol_list(&shown, more)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn quoted_commands_split_back() {
        let words: Vec<OsString> =
            ["cc", "-shared", "a b.o", "it's", "$HOME", "#x", ""].iter().map(OsString::from).collect();
        let line = String::from_utf8(quote_command(&words)).unwrap();
        let back: Vec<OsString> =
            shell_words::split(&line).unwrap().into_iter().map(OsString::from).collect();
        assert_eq!(back, words);
    }

    use crate::formats::archive::{Finding, Problem, ProblemKind};
    use std::path::PathBuf;

    fn problem(kind: ProblemKind) -> Problem {
        Problem { member: "m.o".into(), kind }
    }

    /// Issue 12 §4: only a relocation problem is "not position-independent"
    /// and gets the -fPIC advice; a versioned symbol or a member that is not
    /// ELF names its own cause, in the warning, the script message and the
    /// explain reason alike.
    #[test]
    fn every_message_names_the_real_cause() {
        let reloc =
            problem(ProblemKind::Finding(Finding::NotPic { reloc: "R_X86_64_32".into(), symbol: None }));
        let versioned = problem(ProblemKind::Finding(Finding::Versioned { symbol: "f@V1".into() }));
        let not_elf = problem(ProblemKind::NotElf);
        let damaged = problem(ProblemKind::Damaged("truncated".into()));
        let lib = LibName::Name("z".into());
        let archive = PathBuf::from("/L/libz.a");
        for (p, pic) in [(reloc, true), (versioned, false), (not_elf, false), (damaged, false)] {
            let w = warning(&Warning::Unfit {
                archive: archive.clone(),
                lib: lib.clone(),
                problem: p.clone(),
                shared: true,
            });
            assert_eq!(w.contains("not position-independent"), pic, "{w}");
            assert_eq!(w.contains("-fPIC"), pic, "{w}");
            assert!(w.contains(&p.to_string()), "{w}");
            let s = script_problem_text(&ScriptProblem::Unfit { file: archive.clone(), problem: p.clone() });
            assert_eq!(s.contains("not position-independent"), pic, "{s}");
            let cmd = crate::args::classify(vec!["-shared".into(), "-lz".into()]).unwrap();
            let subject = Subject::Dep { of: lib.clone(), via: PathBuf::new() };
            let reason = Reason::NotPic { problem: p.clone(), shared: None };
            let d = Decision::new(lib.clone(), subject, Outcome::Keep, reason);
            let r = reason_text(&cmd, &d);
            assert_eq!(r.contains("not position-independent"), pic, "{r}");
        }
    }

    /// Issue 14 §3: a warned decision gives its reason once (in the
    /// warning), the embedded-anyway warning does not tell the user to
    /// rebuild "to embed it", and the summary counts every category.
    #[test]
    fn each_warning_once_without_contradiction_and_a_summary() {
        let reloc =
            problem(ProblemKind::Finding(Finding::NotPic { reloc: "R_X86_64_32".into(), symbol: None }));
        let lib = LibName::Name("z".into());
        let archive = PathBuf::from("/L/libz.a");
        let cmd =
            crate::args::classify(vec!["-shared".into(), "-lz".into(), "-lm".into(), "-lq".into()]).unwrap();
        let dep = Subject::Dep { of: lib.clone(), via: PathBuf::new() };
        let mut warned = Decision::new(
            lib.clone(),
            dep.clone(),
            Outcome::Embed { file: archive.clone(), archives: vec![archive.clone()] },
            Reason::NotPic { problem: reloc.clone(), shared: None },
        );
        let w = Warning::Unfit {
            archive: archive.clone(),
            lib: lib.clone(),
            problem: reloc.clone(),
            shared: false,
        };
        warned.warning = Some(w.clone());
        let line = decision_line(&cmd, &warned);
        let text = warning(&w);
        assert!(!line.contains("position-independent"), "the reason is the warning's: {line}");
        assert!(line.ends_with("see the warning that follows"), "{line}");
        assert!(text.contains("embedding it anyway") && !text.contains("to embed it"), "{text}");
        assert!(text.contains("-fPIC"), "{text}");
        let twin = warning(&Warning::Unfit { archive, lib: lib.clone(), problem: reloc, shared: true });
        assert!(twin.contains("dynamically") && twin.contains("to embed it"), "{twin}");

        let keep =
            Decision::new(LibName::Name("m".into()), dep.clone(), Outcome::Keep, Reason::RuntimeLibrary);
        let drop = Decision::new(LibName::Name("q".into()), dep, Outcome::Drop, Reason::SelfReference);
        assert_eq!(
            summary(&cmd, &[warned.clone(), keep.clone(), drop], 0),
            "solink: 1 embedded, 1 dynamic, 1 dropped, 1 warning"
        );
        warned.warning = None;
        assert_eq!(
            summary(&cmd, &[warned.clone(), keep.clone()], 0),
            "solink: 1 embedded, 1 dynamic, 0 warnings"
        );
        // Warnings of no decision (an export's, nvcc's two runtimes) count too.
        assert_eq!(summary(&cmd, &[warned, keep], 2), "solink: 1 embedded, 1 dynamic, 2 warnings");
    }

    /// Issue 13 §3 for a linker script: each carrier named once, with the
    /// archives it carries.
    #[test]
    fn a_script_carried_names_each_carrier_once() {
        let cmd = crate::args::classify(vec!["-shared".into(), "-lfoo".into()]).unwrap();
        let site = Subject::Ref { site: crate::args::Site::Driver { arg: 1 } };
        let (a, c) = (PathBuf::from("lib/liba.so"), PathBuf::from("/x/libc.so"));
        let by = |list: &[(&str, &PathBuf)]| Reason::CarriedScript {
            by: list.iter().map(|(f, so)| (f.to_string(), (*so).clone())).collect(),
        };
        let line = |reason: Reason| {
            decision_line(
                &cmd,
                &Decision::new(LibName::Name("foo".into()), site.clone(), Outcome::Drop, reason),
            )
        };
        let tail = ": every archive of this linker script (same digests); linking them again would give this process two copies";
        assert_eq!(
            line(by(&[("libfoo_a.a", &a), ("libfoo_b.a", &c), ("libfoo_c.a", &a)])),
            format!("solink: -lfoo: dropped: liba.so already embeds libfoo_a.a and libfoo_c.a, libc.so embeds libfoo_b.a{tail}")
        );
        assert_eq!(
            line(by(&[("libfoo_a.a", &a)])),
            format!("solink: -lfoo: dropped: liba.so already embeds libfoo_a.a{tail}")
        );
        assert_eq!(and_list(&["x", "y", "z"]), "x, y and z");
    }

    #[test]
    fn non_utf8_is_single_quoted() {
        let words = vec![OsString::from_vec(b"a\xff'b".to_vec())];
        assert_eq!(quote_command(&words), b"'a\xff'\\''b'");
    }
}

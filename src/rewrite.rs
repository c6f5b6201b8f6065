//! Rewrite: a pure function from the classified command and the decisions
//! to the final argument list.
//!
//! Every token that no decision touches is emitted as given, in place. An
//! embedded archive replaces its `-lNAME`; the dependencies it needs follow
//! the last embedded archive; two or more embedded archives are grouped so
//! that their order cannot matter. An `@file` whose contents are untouched
//! is emitted as the `@file` token; one with a rewritten library inside is
//! emitted expanded.
//!
//! ## The index model
//! `args::classify` leaves three coordinates, all into the one `Command`:
//! - `Command::tokens` is the argv with every `@file` expanded; an `Arg` is
//!   one argument (`-o x`, `-lz`, `-Wl,a,b`) and `Arg::span` is the range of
//!   its tokens. A `Group` (a top-level `@file`) spans tokens the same way.
//! - `Arg::linker` holds the pieces a `-Wl,`/`-Xlinker` argument carries
//!   (`-Wl,-l,z` has the pieces `-l` and `z`); a `Piece { arg, index }` is
//!   one of them. `-Xlinker -l -Xlinker z` is two args, so one library's
//!   pieces may span args: `Site::Linker { first, last }`.
//! - A decision's `Site` says where its library sits: `Site::Driver { arg }`
//!   (a whole argument) or `Site::Linker` (pieces).
//!
//! The rewrite happens in two steps, so no index is used after its text
//! changed: `plan` turns the decisions into a `Plan` of edits keyed by
//! those coordinates (replace or remove an argument or a piece, plus what
//! goes after the last embedded archive), and `apply` walks the arguments
//! once, emitting each one as given or as edited, and each untouched group
//! as its `@file`. An edit is kept as a plan rather than applied at once
//! because one argument can carry several libraries (`-Wl,-la,-lb`): its
//! pieces are re-joined only after every decision has been seen.

use foldhash::HashMap;
use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use crate::args::{Command, Group, LibName, LinkerForm, Piece, Site, Syntax};
use crate::model::{Decision, Flag, Outcome, Subject};

/// Which embedded libraries an option applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Select {
    #[default]
    None,
    All,
    Names(Vec<OsString>),
}

impl Select {
    pub fn wants(&self, name: &OsStr) -> bool {
        match self {
            Select::None => false,
            Select::All => true,
            Select::Names(names) => names.iter().any(|n| n == name),
        }
    }
}

/// Options that shape the link around the embedded archives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Enclose two or more embedded archives in `--start-group`/`--end-group`.
    pub group: bool,
    pub whole_archive: Select,
    pub hide: Select,
    /// Archives `--hide` selects that stay out of `--exclude-libs`: they
    /// define a symbol `--export` names, which `--exclude-libs` would hide
    /// whatever the version script says (issue 23; the script makes their
    /// other globals local instead).
    pub unhidden: Vec<PathBuf>,
    /// `-Xlinker -rpath -Xlinker DIR` for each.
    pub rpaths: Vec<PathBuf>,
    /// `-L DIR` for each, last (issue 31 §8): a directory only solink
    /// searches that holds a shared library ld must find.
    pub lib_dirs: Vec<PathBuf>,
    /// `-Xlinker --undefined=SYMBOL` for each, last: the members whose
    /// constructors must run (`--whole-archive=auto`) and the exports'
    /// definitions, pulled by name.
    pub undefined: Vec<crate::formats::symbols::Name>,
    /// `--isolate[=NAME]` (issue 35).
    pub isolate: Select,
    /// Embedded archives linked as a file solink made from them (an
    /// isolated relocatable object, or a copy with weakened duplicates):
    /// that file stands where the archive would.
    pub replaced: Vec<(PathBuf, PathBuf)>,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            group: true,
            whole_archive: Select::None,
            hide: Select::None,
            unhidden: Vec::new(),
            rpaths: Vec::new(),
            lib_dirs: Vec::new(),
            undefined: Vec::new(),
            isolate: Select::None,
            replaced: Vec::new(),
        }
    }
}

impl Shape {
    /// The file that stands for `archive` on the command line.
    fn stand_in<'a>(&'a self, archive: &'a std::path::Path) -> &'a std::path::Path {
        self.replaced.iter().find(|(a, _)| a == archive).map_or(archive, |(_, by)| by.as_path())
    }
}

/// Issue 35: `DRIVER [target flags] -r -nostdlib -o OUT` with the
/// archive (`--whole-archive` around it when `whole`) and
/// `--undefined=SYM` for each anchor: ld's relocatable link through the
/// driver, so the linker is the one the link uses (`-fuse-ld`, `-B`).
pub fn relocatable_args(
    target_flags: &[OsString],
    archive: &std::path::Path,
    whole: bool,
    anchors: &[crate::formats::symbols::Name],
    out: &std::path::Path,
) -> Vec<OsString> {
    let mut args = target_flags.to_vec();
    args.extend(["-r".into(), "-nostdlib".into(), "-o".into(), out.as_os_str().to_os_string()]);
    for sym in anchors {
        let mut word = OsString::from("-Wl,--undefined=");
        word.push(OsStr::from_bytes(sym));
        args.push(word);
    }
    args.extend(wrap(archive, if whole { Members::All } else { Members::Needed }, Form::Args(Syntax::Gcc)));
    args
}

/// Issue 35: objcopy's arguments that make every global of `object`
/// local but those `keep` lists (`--keep-global-symbols`), or weaken
/// those `weaken` lists (`--weaken-symbols`), writing `out`.
pub fn objcopy_args(
    input: &std::path::Path,
    keep: Option<&std::path::Path>,
    weaken: Option<&std::path::Path>,
    out: &std::path::Path,
) -> Vec<OsString> {
    let mut args = Vec::new();
    if let Some(list) = keep {
        let mut word = OsString::from("--keep-global-symbols=");
        word.push(list.as_os_str());
        args.push(word);
    }
    if let Some(list) = weaken {
        let mut word = OsString::from("--weaken-symbols=");
        word.push(list.as_os_str());
        args.push(word);
    }
    args.extend([input.as_os_str().to_os_string(), out.as_os_str().to_os_string()]);
    args
}

#[derive(Clone, Debug)]
enum Edit {
    Replace(Vec<OsString>),
    Remove,
}

/// The name `--hide=NAME` and `--whole-archive=NAME` select a library by:
/// `NAME`, `FILE` of `-l:FILE`, and `foo` for `DIR/libfoo.a` by path.
fn lib_name(lib: &LibName) -> std::borrow::Cow<'_, OsStr> {
    lib.name()
}

/// The final arguments (without the driver).
pub fn rewrite(cmd: &Command, decisions: &[Decision], shape: &Shape) -> Vec<OsString> {
    apply(cmd, plan(cmd, decisions, shape), shape)
}

/// Every edit the decisions make, by the coordinates of the index model.
#[derive(Debug, Default)]
struct Plan {
    arg_edits: HashMap<usize, Edit>,
    piece_edits: HashMap<Piece, Edit>,
    /// The arguments that now hold an embedded archive.
    embedded_args: Vec<usize>,
    /// Of those, the ones solink substituted (not an archive the command
    /// names by path): where the group starts.
    substituted_args: Vec<usize>,
    /// Added dependencies: archives, and dynamic tokens.
    dep_archives: Vec<OsString>,
    dep_dynamic: Vec<OsString>,
    /// How many archives are embedded in all (references and dependencies).
    embedded_count: usize,
    /// Archive names for `--exclude-libs`.
    hidden: Vec<OsString>,
    /// What embedded archives' `.pc` files require beside libraries, each once.
    flags: Vec<OsString>,
    /// Each flag once, by its words (`-Xlinker` repeats within one).
    seen_flags: foldhash::HashSet<Vec<OsString>>,
}

fn plan(cmd: &Command, decisions: &[Decision], shape: &Shape) -> Plan {
    let mut plan = Plan::default();
    for d in decisions {
        let site = match &d.subject {
            Subject::Ref { site } => Some(site),
            Subject::Dep { .. } => None,
        };
        let members = match shape.whole_archive.wants(&lib_name(&d.lib)) {
            true => Members::All,
            false => Members::Needed,
        };
        if let Outcome::Embed { archives, .. } = &d.outcome {
            for flag in &d.flags {
                let words = flag_words(flag, cmd.syntax);
                if plan.seen_flags.insert(words.clone()) {
                    plan.flags.extend(words);
                }
            }
            // An archive the command names by path is where the user put
            // it: it is not what makes solink add a group, so solink's own
            // command read back gets no second one.
            // Nor is what ld takes as written (issue 31): the user's order.
            if !matches!(d.lib, LibName::Path(_)) && !d.as_written {
                plan.embedded_count += 1;
            }
            if shape.hide.wants(&lib_name(&d.lib)) {
                plan.hidden.extend(
                    archives
                        .iter()
                        .filter(|p| !shape.unhidden.contains(p))
                        .filter_map(|p| p.file_name().map(OsStr::to_os_string)),
                );
            }
        }
        match (&d.outcome, site) {
            (Outcome::Keep, _) => {}
            // What ld takes as written stays as written (issue 31); what its
            // members need still follows it.
            (Outcome::Embed { .. }, Some(site)) if d.as_written => plan.embedded_args.push(match site {
                Site::Driver { arg } => *arg,
                Site::Linker { last, .. } => last.arg,
            }),
            (Outcome::Add { token }, None) => plan.dep_dynamic.push(token.clone()),
            (Outcome::Embed { file, .. }, None) => {
                plan.dep_archives.extend(wrap(shape.stand_in(file), members, Form::Args(cmd.syntax)))
            }
            (Outcome::Embed { file, .. }, Some(Site::Driver { arg })) => {
                plan.arg_edits
                    .insert(*arg, Edit::Replace(wrap(shape.stand_in(file), members, Form::Args(cmd.syntax))));
                plan.embedded_args.push(*arg);
                if !matches!(d.lib, LibName::Path(_)) {
                    plan.substituted_args.push(*arg);
                }
            }
            (Outcome::Embed { file, .. }, Some(Site::Linker { first, last })) => {
                plan.piece_edits
                    .insert(*first, Edit::Replace(wrap(shape.stand_in(file), members, Form::Pieces)));
                remove_pieces(cmd, *first, *last, &mut plan.piece_edits);
                plan.embedded_args.push(first.arg);
                plan.substituted_args.push(first.arg);
            }
            // The twin of an archive named exactly, where it stood.
            (Outcome::Twin { so }, Some(Site::Driver { arg })) => {
                plan.arg_edits.insert(*arg, Edit::Replace(vec![so.as_os_str().to_os_string()]));
            }
            (Outcome::Twin { so }, Some(Site::Linker { first, last })) => {
                plan.piece_edits.insert(*first, Edit::Replace(vec![so.as_os_str().to_os_string()]));
                remove_pieces(cmd, *first, *last, &mut plan.piece_edits);
            }
            (Outcome::Twin { so }, None) => plan.dep_dynamic.push(so.as_os_str().to_os_string()),
            (Outcome::Drop, Some(Site::Driver { arg })) => {
                plan.arg_edits.insert(*arg, Edit::Remove);
            }
            (Outcome::Drop, Some(Site::Linker { first, last })) => {
                plan.piece_edits.insert(*first, Edit::Remove);
                remove_pieces(cmd, *first, *last, &mut plan.piece_edits);
            }
            (Outcome::Drop | Outcome::Add { .. }, _) => {}
        }
    }
    plan
}

/// The arguments with the plan's edits: the group around the embedded
/// archives, the dependencies after the last, untouched `@file`s as given,
/// then `--exclude-libs` and `-rpath` at the end.
fn apply(cmd: &Command, plan: Plan, shape: &Shape) -> Vec<OsString> {
    let mut emitted: Vec<Option<Vec<OsString>>> =
        (0..cmd.args.len()).map(|i| emit_arg(cmd, i, plan.arg_edits.get(&i), &plan.piece_edits)).collect();
    if let (Some(&first), Some(&last)) = (plan.embedded_args.iter().min(), plan.embedded_args.iter().max()) {
        // nvcc links everything in one group of its own (`nvcc --dryrun`
        // shows `-Wl,--start-group ... -Wl,--end-group`), and would move
        // solink's `-Xlinker --start-group` away from the archives.
        let grouped = shape.group && plan.embedded_count >= 2 && cmd.syntax != Syntax::Nvcc;
        let first = plan.substituted_args.iter().min().copied().unwrap_or(first);
        if grouped {
            let tokens = emitted[first].get_or_insert_with(|| cmd.arg_tokens(&cmd.args[first]).to_vec());
            tokens.splice(0..0, linker_flag(cmd.syntax, "--start-group"));
        }
        let tokens = emitted[last].get_or_insert_with(|| cmd.arg_tokens(&cmd.args[last]).to_vec());
        tokens.extend(plan.dep_archives);
        if grouped {
            tokens.extend(linker_flag(cmd.syntax, "--end-group"));
        }
        // Inside the user's `-Bstatic` region (issue 31: rustc's `static=`)
        // the shared libraries solink adds are searched dynamically, and
        // the region goes on as it was; a `-static` link has no shared
        // library to take.
        let in_region = cmd.args[last].after.static_ && !cmd.all_static && !cmd.static_pie;
        if in_region && !plan.dep_dynamic.is_empty() {
            tokens.extend(linker_flag(cmd.syntax, "-Bdynamic"));
            tokens.extend(plan.dep_dynamic);
            tokens.extend(linker_flag(cmd.syntax, "-Bstatic"));
        } else {
            tokens.extend(plan.dep_dynamic);
        }
        tokens.extend(plan.flags);
    }

    let mut out = Vec::with_capacity(cmd.tokens.len() + 4);
    let intact_groups: Vec<&Group> = cmd.groups.iter().filter(|g| intact(cmd, g, &emitted)).collect();
    let mut groups = intact_groups.into_iter().peekable();
    let mut skip_until = 0;
    for (i, arg) in cmd.args.iter().enumerate() {
        while let Some(g) = groups.next_if(|g| g.span.start <= arg.span.start) {
            out.push(g.token.clone());
            skip_until = g.span.end;
        }
        if arg.span.start < skip_until {
            continue;
        }
        match emitted[i].take() {
            Some(tokens) => out.extend(tokens),
            None => out.extend(cmd.arg_tokens(arg).iter().cloned()),
        }
    }
    out.extend(groups.map(|g| g.token.clone()));
    for base in plan.hidden {
        out.extend(linker_option(cmd.syntax, "--exclude-libs", &base));
    }
    for dir in &shape.rpaths {
        out.extend(linker_option(cmd.syntax, "-rpath", dir.as_os_str()));
    }
    // ld applies every -L to every -l, wherever it stands (GNU ld manual,
    // "-L searchdir"), after the ones before it: last is after the user's.
    for dir in &shape.lib_dirs {
        out.extend([OsString::from("-L"), dir.as_os_str().to_os_string()]);
    }
    for sym in &shape.undefined {
        let mut word = OsString::from("--undefined=");
        word.push(OsStr::from_bytes(sym));
        out.extend(linker_words(cmd.syntax, &[word]));
    }
    out
}

/// The provenance note object, an input of the link: last, after
/// everything the rewrite emitted.
pub fn add_note(args: &mut Vec<OsString>, note: PathBuf) {
    args.push(note.into_os_string());
}

/// The link's version script becomes `path`: in place where the command
/// names one (`at`, from [`script_at`]), else added as `--version-script=`.
pub fn use_version_script(
    args: &mut Vec<OsString>,
    at: Option<(usize, Range<usize>)>,
    path: &OsStr,
    syntax: Syntax,
) {
    match at {
        Some(at) => replace_script(args, at, path.as_bytes()),
        None => {
            let mut word = OsString::from("--version-script=");
            word.push(path);
            args.extend(linker_words(syntax, &[word]));
        }
    }
}

/// A linker flag solink adds, as the driver takes it: `-Xlinker FLAG`,
/// or `FLAG` for ld. `-Xlinker` is the one spelling gcc, clang and nvcc
/// all take (nvcc rejects the `-Wl,` forms it does not know, issue 20 §8),
/// and it keeps a comma whole. The user's own flags are never respelled.
fn linker_flag(syntax: Syntax, flag: &str) -> Vec<OsString> {
    linker_words(syntax, &[OsString::from(flag)])
}

/// Linker arguments solink adds, each its own `-Xlinker` pair for a
/// compiler driver, bare for ld.
fn linker_words(syntax: Syntax, words: &[OsString]) -> Vec<OsString> {
    match syntax {
        Syntax::Gcc | Syntax::Nvcc => {
            words.iter().flat_map(|w| [OsString::from("-Xlinker"), w.clone()]).collect()
        }
        Syntax::Ld => words.to_vec(),
    }
}

/// Which members of an archive ld takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Members {
    /// Those that define a needed symbol (ld's default).
    Needed,
    /// All of them (`--whole-archive`).
    All,
}

/// Where the tokens go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// Driver arguments (`-Xlinker FLAG` for gcc, `FLAG` for ld).
    Args(Syntax),
    /// Linker pieces inside `-Wl,`/`-Xlinker`: bare flags.
    Pieces,
}

/// An archive path, wrapped in `--whole-archive` when all its members are
/// wanted.
fn wrap(path: &std::path::Path, members: Members, form: Form) -> Vec<OsString> {
    let path = path.as_os_str().to_os_string();
    match (members, form) {
        (Members::Needed, _) => vec![path],
        // nvcc moves every `-Xlinker` word behind the inputs, so the
        // archive goes inside the region as a linker word of its own.
        (Members::All, Form::Args(Syntax::Nvcc)) => {
            linker_words(Syntax::Nvcc, &["--whole-archive".into(), path, "--no-whole-archive".into()])
        }
        (Members::All, Form::Args(syntax)) => {
            let mut words = linker_flag(syntax, "--whole-archive");
            words.push(path);
            words.extend(linker_flag(syntax, "--no-whole-archive"));
            words
        }
        (Members::All, Form::Pieces) => vec!["--whole-archive".into(), path, "--no-whole-archive".into()],
    }
}

/// A `.pc` flag as the driver takes it: its linker arguments as
/// `-Xlinker` pairs (what the `.pc` wrote as `-Wl,-wrap,f`), bare for ld;
/// a driver option as it is, and not at all for ld, which would not know
/// it.
fn flag_words(flag: &Flag, syntax: Syntax) -> Vec<OsString> {
    match (flag, syntax) {
        (Flag::Linker(args), _) => linker_words(syntax, args),
        (Flag::Driver(word), Syntax::Gcc) => vec![word.clone()],
        // nvcc knows no `-pthread`; it hands `-Xcompiler` words to the
        // host compiler's link too.
        (Flag::Driver(word), Syntax::Nvcc) => vec!["-Xcompiler".into(), word.clone()],
        (Flag::Driver(_), Syntax::Ld) => Vec::new(),
    }
}

/// `-Xlinker OPT -Xlinker VALUE`; `OPT VALUE` for ld.
fn linker_option(syntax: Syntax, opt: &str, value: &OsStr) -> Vec<OsString> {
    linker_words(syntax, &[opt.into(), value.to_owned()])
}

/// Pieces after `first` up to and including `last` are removed.
fn remove_pieces(cmd: &Command, first: Piece, last: Piece, edits: &mut HashMap<Piece, Edit>) {
    for arg in first.arg..=last.arg {
        let Some((_, pieces)) = &cmd.args[arg].linker else {
            continue;
        };
        for index in 0..pieces.len() {
            let p = Piece { arg, index };
            if p > first && p <= last {
                edits.insert(p, Edit::Remove);
            }
        }
    }
}

/// The tokens for argument `i` when an edit touches it; `None` when it is
/// emitted unchanged.
fn emit_arg(
    cmd: &Command,
    i: usize,
    edit: Option<&Edit>,
    piece_edits: &HashMap<Piece, Edit>,
) -> Option<Vec<OsString>> {
    match edit {
        Some(Edit::Replace(tokens)) => return Some(tokens.clone()),
        Some(Edit::Remove) => return Some(vec![]),
        None => {}
    }
    let (form, pieces) = cmd.args[i].linker.as_ref()?;
    let mut changed = false;
    let mut kept: Vec<OsString> = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        match piece_edits.get(&Piece { arg: i, index }) {
            None => kept.push(piece.clone()),
            Some(Edit::Replace(new)) => {
                changed = true;
                kept.extend(new.iter().cloned());
            }
            Some(Edit::Remove) => changed = true,
        }
    }
    if !changed {
        return None;
    }
    Some(match form {
        _ if kept.is_empty() => vec![],
        LinkerForm::Wl => {
            let joined: Vec<&[u8]> = kept.iter().map(|p| p.as_bytes()).collect();
            let mut token = b"-Wl,".to_vec();
            token.extend(joined.join(&b','));
            vec![OsString::from_vec(token)]
        }
        LinkerForm::Xlinker => kept.into_iter().flat_map(|p| [OsString::from("-Xlinker"), p]).collect(),
    })
}

/// A group can be emitted as its `@file` token when the arguments inside it
/// are exactly its tokens and none of them changed.
fn intact(cmd: &Command, g: &Group, emitted: &[Option<Vec<OsString>>]) -> bool {
    let inside =
        cmd.args.iter().enumerate().filter(|(_, a)| a.span.start < g.span.end && a.span.end > g.span.start);
    let mut covered = g.span.start;
    for (i, a) in inside {
        if a.span.start < g.span.start || a.span.end > g.span.end || emitted[i].is_some() {
            return false;
        }
        covered = a.span.end;
    }
    covered == g.span.end
}

/// Where the command's version script is named: the argument's index and
/// the bytes of the file name in it, for `-Wl,--version-script=FILE`,
/// `-Wl,--version-script,FILE`, `-Xlinker --version-script=FILE`,
/// `-Xlinker --version-script -Xlinker FILE`, and ld's own
/// `--version-script=FILE` / `--version-script FILE`. The first one only:
/// the names go into one script.
pub fn script_at(args: &[OsString]) -> Option<(usize, Range<usize>)> {
    let is_option = |w: &[u8]| w == b"--version-script" || w == b"-version-script";
    let joined = |w: &[u8]| {
        let eq = w.iter().position(|&c| c == b'=')?;
        is_option(&w[..eq]).then_some(eq + 1)
    };
    for (i, arg) in args.iter().enumerate() {
        let b = arg.as_bytes();
        if let Some(rest) = b.strip_prefix(b"-Wl,") {
            let mut start = 4;
            let pieces: Vec<&[u8]> = rest.split(|&c| c == b',').collect();
            for (k, piece) in pieces.iter().enumerate() {
                if let Some(at) = joined(piece) {
                    return Some((i, start + at..start + piece.len()));
                }
                if is_option(piece) && k + 1 < pieces.len() {
                    let from = start + piece.len() + 1;
                    return Some((i, from..from + pieces[k + 1].len()));
                }
                start += piece.len() + 1;
            }
            continue;
        }
        let after_xlinker = i > 0 && args[i - 1] == "-Xlinker";
        let bare = !after_xlinker && !args.iter().take(i).any(|a| a == "-Xlinker");
        if let Some(at) = joined(b) {
            if after_xlinker || bare {
                return Some((i, at..b.len()));
            }
        }
        if is_option(b) {
            if after_xlinker && args.get(i + 1).is_some_and(|a| a == "-Xlinker") {
                return args.get(i + 2).map(|f| (i + 2, 0..f.len()));
            }
            if bare {
                return args.get(i + 1).map(|f| (i + 1, 0..f.len()));
            }
        }
    }
    None
}

/// `args[i]` with the bytes `range` replaced by `path`.
pub fn replace_script(args: &mut [OsString], (i, range): (usize, Range<usize>), path: &[u8]) {
    let mut b = args[i].as_bytes().to_vec();
    b.splice(range, path.iter().copied());
    args[i] = std::ffi::OsStr::from_bytes(&b).to_os_string();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::classify;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn decision(lib: LibName, subject: Subject, outcome: Outcome) -> Decision {
        Decision::new(lib, subject, outcome, crate::model::Reason::FirstArchive)
    }

    /// Each reference of `cmd` embedded as `DIR/libNAME.a`.
    fn each_embedded(cmd: &Command, dir: &str) -> Vec<Decision> {
        cmd.libs
            .iter()
            .map(|r| {
                let name = lib_name(&r.name).to_string_lossy().into_owned();
                let archive = PathBuf::from(format!("{dir}/lib{name}.a"));
                decision(r.name.clone(), Subject::Ref { site: r.site.clone() }, Outcome::embed(archive))
            })
            .collect()
    }

    /// Rewrites `args`, embedding each library named in `embed` as
    /// `/A/libNAME.a`, dropping those in `drop`, then adding `deps`
    /// (`/path` embeds, anything else is a dynamic token).
    fn check_shaped(
        args: &[&str],
        embed: &[&str],
        drop: &[&str],
        deps: &[&str],
        shape: &Shape,
        expected: &[&str],
    ) {
        let cmd = classify(os(args)).unwrap();
        let mut decisions: Vec<Decision> = cmd
            .libs
            .iter()
            .map(|r| {
                let name = lib_name(&r.name).to_string_lossy().into_owned();
                let outcome = if embed.contains(&name.as_str()) {
                    Outcome::embed(PathBuf::from(format!("/A/lib{name}.a")))
                } else if drop.contains(&name.as_str()) {
                    Outcome::Drop
                } else {
                    Outcome::Keep
                };
                decision(r.name.clone(), Subject::Ref { site: r.site.clone() }, outcome)
            })
            .collect();
        for dep in deps {
            let outcome = if dep.starts_with('/') {
                Outcome::embed(PathBuf::from(dep))
            } else {
                Outcome::Add { token: dep.into() }
            };
            let subject = Subject::Dep { of: LibName::Name("x".into()), via: PathBuf::new() };
            decisions.push(decision(LibName::Name("d".into()), subject, outcome));
        }
        assert_eq!(rewrite(&cmd, &decisions, shape), os(expected), "rewriting {args:?}");
    }

    fn check(args: &[&str], embed: &[&str], drop: &[&str], expected: &[&str]) {
        check_shaped(args, embed, drop, &[], &Shape::default(), expected);
    }

    /// Issue 31: what ld takes as written stays as written, is grouped with
    /// nothing, and what it needs follows it, dynamically inside a region
    /// (the region going on as it was); `lib_dirs` go last as `-L DIR`.
    #[test]
    fn as_written_stays_and_its_providers_follow_dynamically() {
        let rewritten = |args: &[&str], shape: &Shape| {
            let cmd = classify(os(args)).unwrap();
            let mut decisions = each_embedded(&cmd, "/L");
            decisions.iter_mut().for_each(|d| d.as_written = true);
            let of = decisions[0].lib.clone();
            let token = OsString::from("-lstdc++");
            decisions.push(decision(
                LibName::Name("stdc++".into()),
                Subject::Dep { of, via: PathBuf::from("/usr/lib/libstdc++.so") },
                Outcome::Add { token },
            ));
            rewrite(&cmd, &decisions, shape)
        };
        let x = |w: &str| [OsString::from("-Xlinker"), OsString::from(w)];
        let mut want: Vec<OsString> = os(&["a.o", "-Wl,-Bstatic", "-la", "-lb"]);
        want.extend(x("-Bdynamic"));
        want.push("-lstdc++".into());
        want.extend(x("-Bstatic"));
        want.push("-Wl,-Bdynamic".into());
        assert_eq!(
            rewritten(&["a.o", "-Wl,-Bstatic", "-la", "-lb", "-Wl,-Bdynamic"], &Shape::default()),
            want
        );
        // Outside a region (a program's -la): after it, as for any embedding.
        let shape = Shape { lib_dirs: vec![PathBuf::from("/only")], ..Shape::default() };
        assert_eq!(rewritten(&["a.o", "-la"], &shape), ["a.o", "-la", "-lstdc++", "-L", "/only"]);
        // In a -static link there is no shared library to take.
        assert_eq!(
            rewritten(&["-static", "a.o", "-Wl,-Bstatic", "-la"], &Shape::default()),
            ["-static", "a.o", "-Wl,-Bstatic", "-la", "-lstdc++"]
        );
    }

    #[test]
    fn rewrites_in_place() {
        check(
            &["-shared", "-o", "libcalc.so", "calc.o", "-lcalcbase", "-lm"],
            &["calcbase"],
            &[],
            &["-shared", "-o", "libcalc.so", "calc.o", "/A/libcalcbase.a", "-lm"],
        );
        check(&["-l", "x", "-L", "d", "-ly"], &["x"], &[], &["/A/libx.a", "-L", "d", "-ly"]);
        check(&["-lcalc", "-lx"], &[], &["calc"], &["-lx"]);
        check(&["-Wl,-lx,-ly"], &["x"], &[], &["-Wl,/A/libx.a,-ly"]);
        check(&["-Wl,-l,x,-z,defs"], &["x"], &[], &["-Wl,/A/libx.a,-z,defs"]);
        check(&["-Wl,-lx"], &[], &["x"], &[]);
        check(&["-Xlinker", "-lx", "-c"], &["x"], &[], &["-Xlinker", "/A/libx.a", "-c"]);
        check(&["-Xlinker", "-l", "-Xlinker", "x"], &["x"], &[], &["-Xlinker", "/A/libx.a"]);
        check(&["a.o", "-lz"], &[], &[], &["a.o", "-lz"]);
    }

    #[test]
    fn two_embedded_archives_are_grouped() {
        check(
            &["a.o", "-lx", "-lm", "-ly", "b.o"],
            &["x", "y"],
            &[],
            &[
                "a.o",
                "-Xlinker",
                "--start-group",
                "/A/libx.a",
                "-lm",
                "/A/liby.a",
                "-Xlinker",
                "--end-group",
                "b.o",
            ],
        );
        let no_group = Shape { group: false, ..Shape::default() };
        check_shaped(&["-lx", "-ly"], &["x", "y"], &[], &[], &no_group, &["/A/libx.a", "/A/liby.a"]);
    }

    #[test]
    fn dependencies_follow_the_last_embedded_archive() {
        check_shaped(
            &["a.o", "-lssl", "b.o"],
            &["ssl"],
            &[],
            &["/S/libcrypto.a", "-ldl", "-l:libacl.so.1"],
            &Shape::default(),
            &[
                "a.o",
                "-Xlinker",
                "--start-group",
                "/A/libssl.a",
                "/S/libcrypto.a",
                "-Xlinker",
                "--end-group",
                "-ldl",
                "-l:libacl.so.1",
                "b.o",
            ],
        );
    }

    #[test]
    fn whole_archive_hide_rpath_and_undefined() {
        let shape = Shape {
            group: true,
            whole_archive: Select::Names(vec!["x".into()]),
            hide: Select::All,
            unhidden: Vec::new(),
            rpaths: vec![PathBuf::from("/opt/cuda"), PathBuf::from("/odd,dir")],
            lib_dirs: Vec::new(),
            undefined: vec![b"init_x".as_slice().into()],
            ..Shape::default()
        };
        check_shaped(
            &["-lx", "-Wl,-ly"],
            &["x", "y"],
            &[],
            &[],
            &shape,
            &[
                "-Xlinker",
                "--start-group",
                "-Xlinker",
                "--whole-archive",
                "/A/libx.a",
                "-Xlinker",
                "--no-whole-archive",
                "-Wl,/A/liby.a",
                "-Xlinker",
                "--end-group",
                "-Xlinker",
                "--exclude-libs",
                "-Xlinker",
                "libx.a",
                "-Xlinker",
                "--exclude-libs",
                "-Xlinker",
                "liby.a",
                "-Xlinker",
                "-rpath",
                "-Xlinker",
                "/opt/cuda",
                "-Xlinker",
                "-rpath",
                "-Xlinker",
                "/odd,dir",
                "-Xlinker",
                "--undefined=init_x",
            ],
        );
    }

    /// Issue 20 §8: what solink adds from a `.pc` is `-Xlinker` pairs, each
    /// flag once, two flags with the same option (`-wrap a`, `-wrap b`) both
    /// kept; the driver's own options as they are.
    #[test]
    fn pc_flags_are_xlinker_pairs_each_once() {
        let cmd = crate::args::classify(os(&["-shared", "-lx", "-ly"])).unwrap();
        let linker = |w: &[&str]| Flag::Linker(w.iter().map(OsString::from).collect());
        let mut decisions = each_embedded(&cmd, "/A");
        for d in &mut decisions {
            let name = lib_name(&d.lib).to_string_lossy().into_owned();
            d.flags = vec![linker(&["-wrap", &format!("open_{name}")]), linker(&["--as-needed"])];
            d.flags.push(Flag::Driver("-pthread".into()));
        }
        let shape = Shape { group: false, ..Shape::default() };
        let want = [
            "-shared",
            "/A/libx.a",
            "/A/liby.a",
            "-Xlinker",
            "-wrap",
            "-Xlinker",
            "open_x",
            "-Xlinker",
            "--as-needed",
            "-pthread",
            "-Xlinker",
            "-wrap",
            "-Xlinker",
            "open_y",
        ];
        assert_eq!(rewrite(&cmd, &decisions, &shape), os(&want));
    }

    #[test]
    fn ld_syntax_needs_no_wl() {
        let cmd = crate::args::classify_as(os(&["-shared", "-lx", "-ly"]), Syntax::Ld).unwrap();
        let decisions: Vec<Decision> = (0..2)
            .map(|i| {
                let path = PathBuf::from(if i == 0 { "/A/libx.a" } else { "/A/liby.a" });
                let r = &cmd.libs[i];
                decision(r.name.clone(), Subject::Ref { site: r.site.clone() }, Outcome::embed(path))
            })
            .collect();
        let shape = Shape {
            whole_archive: Select::Names(vec!["y".into()]),
            hide: Select::Names(vec!["x".into()]),
            rpaths: vec![PathBuf::from("/r")],
            ..Shape::default()
        };
        let want = [
            "-shared",
            "--start-group",
            "/A/libx.a",
            "--whole-archive",
            "/A/liby.a",
            "--no-whole-archive",
            "--end-group",
            "--exclude-libs",
            "libx.a",
            "-rpath",
            "/r",
        ];
        assert_eq!(rewrite(&cmd, &decisions, &shape), os(&want));
    }

    #[test]
    fn untouched_response_files_stay_files() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep");
        let change = dir.path().join("change");
        let empty = dir.path().join("empty");
        std::fs::write(&keep, "-la 'b c'").unwrap();
        std::fs::write(&change, "-lx -ly").unwrap();
        std::fs::write(&empty, "").unwrap();
        let at = |p: &std::path::Path| format!("@{}", p.display());
        let (k, c, e) = (at(&keep), at(&change), at(&empty));
        check(&["-shared", &k, &c, &e, "z.o"], &["x"], &[], &["-shared", &k, "/A/libx.a", "-ly", &e, "z.o"]);
        check(&[&e], &[], &[], &[&e]);
    }

    #[test]
    fn the_script_is_found_in_each_spelling() {
        let check = |args: &[&str], want: Option<(usize, &str)>| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            let got = script_at(&args)
                .map(|(i, r)| (i, String::from_utf8(args[i].as_bytes()[r].to_vec()).unwrap()));
            assert_eq!(got, want.map(|(i, s)| (i, s.to_string())), "{args:?}");
        };
        check(&["-shared", "-Wl,--version-script=v.map"], Some((1, "v.map")));
        check(&["-Wl,-z,now,--version-script,v.map,-O1"], Some((0, "v.map")));
        check(&["-Xlinker", "--version-script=/t/list"], Some((1, "/t/list")));
        check(&["-Xlinker", "--version-script", "-Xlinker", "v.map"], Some((3, "v.map")));
        check(&["--version-script", "v.map"], Some((1, "v.map")));
        check(&["-shared", "v.map"], None);
        let mut args = vec![OsString::from("-Wl,--version-script=v.map,-O1")];
        let at = script_at(&args).unwrap();
        replace_script(&mut args, at, b"/c/vers-1.map");
        assert_eq!(args[0], "-Wl,--version-script=/c/vers-1.map,-O1");
    }
}

//! Classify: what each token of a gcc driver command line means to solink.
//!
//! The classifier walks the tokens once, looks each option up in
//! `table::TABLE` (and the linker arguments of `-Wl,`/`-Xlinker` in
//! `table::LD_TABLE`), and records the facts the rest of the pipeline needs:
//! the libraries and where they sit, the `-L` directories, the output, and
//! whether this is a shared link at all. Tokens keep their exact bytes; the
//! rewrite step re-emits every token it does not change from here.

pub mod family;
pub mod ld;
pub mod respfile;
pub mod state;
pub(crate) mod table;

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub use respfile::Group;
use state::{LdState, Misuse, Modifiers};
use table::{Opt, Value};

use crate::error::Error;

/// How a library is asked for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LibName {
    /// `-lNAME`: ld looks for `libNAME.so`, then `libNAME.a`.
    Name(OsString),
    /// `-l:FILE`: ld looks for exactly `FILE`.
    Verbatim(OsString),
    /// An archive named by its path (`./libfoo.a`, `/abs/libfoo.a`): ld
    /// reads exactly that file, so it is not searched for (issue 20 §1).
    Path(PathBuf),
}

impl LibName {
    pub(crate) fn from_value(value: &[u8]) -> LibName {
        match value.strip_prefix(b":") {
            Some(file) => LibName::Verbatim(OsStr::from_bytes(file).to_owned()),
            None => LibName::Name(OsStr::from_bytes(value).to_owned()),
        }
    }

    /// The canonical spelling, `-lNAME` or `-l:FILE`, for messages.
    pub fn display(&self) -> String {
        match self {
            LibName::Name(n) => format!("-l{}", n.to_string_lossy()),
            LibName::Verbatim(f) => format!("-l:{}", f.to_string_lossy()),
            LibName::Path(p) => p.display().to_string(),
        }
    }

    /// The name `--hide=NAME`, `--whole-archive=NAME`, `--embed NAME` and
    /// the provenance note know the library by: `NAME` of `-lNAME`, `FILE`
    /// of `-l:FILE`, and for an archive named by path its
    /// [`archive_library_name`] (`foo` for `.../libfoo.a`).
    pub fn name(&self) -> std::borrow::Cow<'_, OsStr> {
        match self {
            LibName::Name(n) | LibName::Verbatim(n) => std::borrow::Cow::Borrowed(n.as_os_str()),
            LibName::Path(p) => {
                let file = p.file_name().map(OsStr::as_bytes).unwrap_or_default();
                std::borrow::Cow::Owned(OsStr::from_bytes(archive_library_name(file)).to_owned())
            }
        }
    }
}

/// The library an archive's file name stands for, what `-lNAME` would be:
/// the name without `lib`, without the extension (`.a`, or `.lo`, which
/// Bazel gives its `alwayslink` archives) and without Bazel's `.pic`
/// before it (issue 31 §6). `libfoo.a`, `libfoo.pic.a`, `libfoo.lo` and
/// `libfoo.pic.lo` are all `foo`; a name without the prefix keeps the
/// rest (`foo.a` is `foo`), and `lib.a` is `lib`.
pub fn archive_library_name(file: &[u8]) -> &[u8] {
    let stem = [&b".a"[..], b".lo"].iter().find_map(|ext| file.strip_suffix(*ext)).unwrap_or(file);
    let stem = stem.strip_suffix(b".pic").unwrap_or(stem);
    stem.strip_prefix(b"lib").filter(|n| !n.is_empty()).unwrap_or(stem)
}

/// One piece of linker arguments: piece `index` of argument `arg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Piece {
    pub arg: usize,
    pub index: usize,
}

/// Where a library reference sits on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Site {
    /// A driver option (`-lNAME` or `-l NAME`) that is argument `arg`.
    Driver { arg: usize },
    /// Linker pieces (`-Wl,-lNAME`, `-Wl,-l,NAME`, `-Xlinker -lNAME`).
    Linker { first: Piece, last: Piece },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibRef {
    pub name: LibName,
    pub site: Site,
    /// The user put it in a static region (`-Wl,-Bstatic ... -Wl,-Bdynamic`).
    pub static_region: bool,
    /// It stands where ld takes every member (`--whole-archive`).
    pub whole: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkerForm {
    /// `-Wl,a,b`: the pieces were split at commas.
    Wl,
    /// `-Xlinker a`: one piece.
    Xlinker,
}

/// One argument: a token, or an option and its separate value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The argument's tokens, as indices into [`Command::tokens`].
    pub span: Range<usize>,
    /// Set for `-Wl,` and `-Xlinker`: the linker arguments it carries.
    pub linker: Option<(LinkerForm, Vec<OsString>)>,
    /// ld's state after it (`state.rs`): what an input added right after
    /// it is read in.
    pub after: Modifiers,
}

/// Whose command-line syntax the arguments are in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// A compiler driver: gcc, clang, g++, clang++.
    #[default]
    Gcc,
    /// A linker called directly: ld, ld.bfd, ld.gold, ld.lld, mold.
    Ld,
    /// NVIDIA's CUDA driver: gcc's syntax with options of its own
    /// (`table::NVCC_TABLE`), a comma list in `-Xlinker`, and a host
    /// compiler that does the link in an order of nvcc's choosing (the
    /// closure check reads the host link nvcc shows, `src/probe/nvcc.rs`).
    Nvcc,
}

impl Syntax {
    /// ld's syntax when the driver is a linker, by its name
    /// ([`family::Family`] decides).
    pub fn of_driver(program: &OsStr) -> Syntax {
        family::Family::of_program(program).syntax()
    }
}

/// A classified command line.
#[derive(Clone, Debug, Default)]
pub struct Command {
    pub syntax: Syntax,
    /// Every token, with `@file`s expanded.
    pub tokens: Vec<OsString>,
    /// The top-level `@file`s and the tokens each expanded to.
    pub groups: Vec<Group>,
    /// Every response file read.
    pub response_files: Vec<PathBuf>,
    pub args: Vec<Arg>,
    pub libs: Vec<LibRef>,
    /// Every `-L` directory, in command-line order, `-Wl,-L` included.
    pub lib_dirs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub shared: bool,
    pub stops_before_link: bool,
    /// `-static`: the driver links every library statically.
    pub all_static: bool,
    /// `-pie` (true) or `-no-pie` (false), the last one given.
    pub pie: Option<bool>,
    /// `-static-pie`.
    pub static_pie: bool,
    /// `-nostdlib` or `-nodefaultlibs`: the driver adds none of its own
    /// libraries (libc, libgcc, libstdc++), and solink adds none either.
    pub no_default_libs: bool,
    /// The options that change the target or sysroot, to ask the driver with.
    pub target_flags: Vec<OsString>,
    /// Archives given by path (`libx.a`, `/p/libx.a`); each is also in
    /// `libs`, as a `LibName::Path` reference.
    pub direct_archives: Vec<PathBuf>,
    /// Shared libraries given by path (`libx.so`, `/p/libx.so.1`), with
    /// the index of their argument: where they stand among the `-l`s.
    pub direct_shared: Vec<(usize, PathBuf)>,
    /// Inputs named by path whose name does not say whether they are
    /// archives (`libx.lo`: Bazel's `alwayslink` archives, or libtool's
    /// objects), each as the reference it is if it is one: only its
    /// content says ([`Command::with_archives_by_content`], issue 31 §6).
    pub maybe_archives: Vec<LibRef>,
    /// The first option that wanted a value and found the end of the command.
    pub missing_value: Option<OsString>,
    /// The first state option ld refuses where it stands (a `--pop-state`
    /// with nothing pushed, a `--end-group` with no group open), as given.
    pub state_misuse: Option<(OsString, Misuse)>,
    /// ld's state after the last argument: a static region that never
    /// closes reaches the driver's own libraries (`-lc`, `-lgcc_s`).
    pub end_state: Modifiers,
}

/// What a link makes, as far as solink's checks go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// `-shared`: every archive embedded must be position-independent.
    #[default]
    Shared,
    /// An executable: position-independent or not (gcc's default on
    /// Debian is a PIE; `-no-pie` and `-static` are not, `-static-pie`
    /// is), and static (`-static`, `-static-pie`: no shared library at
    /// all) or not.
    Program { pie: bool, static_: bool },
}

impl Output {
    /// Whether code with `problem`, a relocation that is not
    /// position-independent, cannot go into this output: a shared object
    /// takes none, a PIE none with a narrow absolute address
    /// (`Problem::refused_in_pie`), any other program all of them.
    pub fn refuses(self, problem: &crate::formats::archive::Problem) -> bool {
        match self {
            Output::Shared => true,
            Output::Program { pie: true, .. } => problem.refused_in_pie(),
            Output::Program { pie: false, .. } => false,
        }
    }
}

impl Command {
    /// Only links that produce a shared object are rewritten.
    pub fn is_shared_link(&self) -> bool {
        self.shared && !self.stops_before_link
    }

    /// Whether solink looks at the link at all: a shared link, or, when
    /// `programs` are checked, a program that names a library or an
    /// archive ld may take (issue 31: a program's archives are checked).
    /// Anything else goes to the driver before any search.
    pub fn is_checked_link(&self, programs: bool) -> bool {
        match self.output_kind() {
            Some(Output::Shared) => true,
            Some(Output::Program { .. }) => {
                programs && (!self.libs.is_empty() || !self.maybe_archives.is_empty())
            }
            None => false,
        }
    }

    /// What the link makes; `None` when the command links nothing
    /// (`-c`, `-E`, `-r`, a probe).
    pub fn output_kind(&self) -> Option<Output> {
        if self.stops_before_link {
            return None;
        }
        if self.shared {
            return Some(Output::Shared);
        }
        // ld itself makes a PIE only when told; a compiler driver on
        // Debian does unless told not to.
        let default_pie = self.syntax != Syntax::Ld;
        let pie = self.static_pie || (!self.all_static && self.pie.unwrap_or(default_pie));
        Some(Output::Program { pie, static_: self.all_static || self.static_pie })
    }

    /// The command with those of its [`Command::maybe_archives`] that
    /// `is_archive` (the probe, reading their first bytes) finds to be
    /// archives taken as archives named by path, like `libx.a`: in `libs`
    /// at their place in command-line order, and in `direct_archives`.
    /// `None` when there is none, so a link without one is left as it is.
    pub fn with_archives_by_content(&self, mut is_archive: impl FnMut(&Path) -> bool) -> Option<Command> {
        let found: Vec<&LibRef> = self
            .maybe_archives
            .iter()
            .filter(|r| matches!(&r.name, LibName::Path(p) if is_archive(p)))
            .collect();
        if found.is_empty() {
            return None;
        }
        let first_arg = |r: &LibRef| match r.site {
            Site::Driver { arg } => arg,
            Site::Linker { first, .. } => first.arg,
        };
        let mut cmd = self.clone();
        for r in found {
            let at = cmd.libs.partition_point(|l| first_arg(l) <= first_arg(r));
            cmd.libs.insert(at, r.clone());
        }
        cmd.direct_archives = cmd
            .libs
            .iter()
            .filter_map(|l| match &l.name {
                LibName::Path(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        Some(cmd)
    }

    pub fn arg_tokens(&self, arg: &Arg) -> &[OsString] {
        &self.tokens[arg.span.clone()]
    }
}

/// File name endings that gcc takes as input files.
const INPUT_EXTENSIONS: &[&[u8]] = &[
    b".a", b".c", b".c++", b".cc", b".cp", b".cpp", b".cxx", b".C", b".CPP", b".f", b".f90", b".F", b".F90",
    b".h", b".hpp", b".i", b".ii", b".la", b".ld", b".lds", b".lo", b".m", b".mm", b".o", b".obj", b".s",
    b".S", b".so", b".sx",
];

/// Whether a token names an input file by its ending (`.o`, `.so.1`, ...).
pub fn looks_like_input(token: &OsStr) -> bool {
    let t = token.as_bytes();
    INPUT_EXTENSIONS.iter().any(|ext| t.ends_with(ext)) || t.windows(4).any(|w| w == b".so.")
}

/// The launcher form's test on the first argument: not an option, not a
/// response file, not an input file. (It must also be an executable.)
pub fn could_be_driver(token: &OsStr) -> bool {
    let t = token.as_bytes();
    !t.is_empty() && t[0] != b'-' && t[0] != b'@' && !looks_like_input(token)
}

/// Expands `@file`s and classifies every token (gcc's syntax).
pub fn classify(argv: Vec<OsString>) -> Result<Command, Error> {
    classify_as(argv, Syntax::Gcc)
}

/// Expands `@file`s and classifies every token in the given syntax.
pub fn classify_as(argv: Vec<OsString>, syntax: Syntax) -> Result<Command, Error> {
    let expanded = respfile::expand(argv)?;
    let mut cmd = Command {
        syntax,
        tokens: expanded.tokens,
        groups: expanded.groups,
        response_files: expanded.files,
        ..Command::default()
    };
    let mut state = LinkState::default();
    let mut i = 0;
    while i < cmd.tokens.len() {
        let start = i;
        let linker = classify_one(&mut cmd, &mut state, &mut i);
        i += 1;
        cmd.args.push(Arg { span: start..i, linker, after: state.ld.now() });
    }
    cmd.end_state = state.ld.now();
    let sysroot = sysroot_of(&cmd.target_flags);
    for dir in &mut cmd.lib_dirs {
        if let Some(resolved) = in_sysroot(dir, sysroot.as_deref()) {
            *dir = resolved;
        }
    }
    Ok(cmd)
}

/// The `--sysroot` the command gives (the last one), if any.
fn sysroot_of(target_flags: &[OsString]) -> Option<OsString> {
    let mut found = None;
    let mut next = false;
    for f in target_flags {
        let b = f.as_bytes();
        if next {
            found = Some(f.clone());
            next = false;
        } else if b == b"--sysroot" {
            next = true;
        } else if let Some(v) = b.strip_prefix(b"--sysroot=") {
            found = Some(OsStr::from_bytes(v).to_owned());
        }
    }
    found
}

/// A search dir that starts with `=` or `$SYSROOT` is under the sysroot
/// (gcc and ld manuals, `-L`): the prefix is replaced by it. Without
/// `--sysroot` the prefix is dropped, which is the native compiler's empty
/// default sysroot (a cross compiler configured with another default is
/// not asked: give `--sysroot` there).
fn in_sysroot(dir: &Path, sysroot: Option<&OsStr>) -> Option<PathBuf> {
    let b = dir.as_os_str().as_bytes();
    let rest = b.strip_prefix(b"=").or_else(|| b.strip_prefix(b"$SYSROOT"))?;
    let mut out = sysroot.map(|s| s.as_bytes().to_vec()).unwrap_or_default();
    out.extend_from_slice(rest);
    Some(PathBuf::from(OsStr::from_bytes(&out)))
}

/// The classifier's walk: ld's state (`state.rs`), and a linker option
/// waiting for its value.
#[derive(Default)]
struct LinkState {
    ld: LdState,
    /// A linker option waiting for its value in the next piece.
    pending: Option<(Pending, Piece)>,
}

impl LinkState {
    /// Whether `-l` is searched statically here.
    fn static_now(&self) -> bool {
        self.ld.now().static_
    }

    /// One of ld's options, the same whether ld is the driver or `-Wl,`
    /// carries it; the first misuse ld would refuse is kept, as spelled.
    fn apply(&mut self, cmd: &mut Command, opt: Opt, spelled: &[u8]) {
        if let Err(misuse) = self.ld.apply(opt) {
            cmd.state_misuse.get_or_insert_with(|| (OsStr::from_bytes(spelled).to_owned(), misuse));
        }
    }
}

/// What the next linker piece is, after an option that takes its value
/// separately (`-Wl,-l,NAME`, `-Xlinker -rpath -Xlinker DIR`).
#[derive(Clone, Copy)]
enum Pending {
    LibDir,
    Lib,
    /// Another option's value (`-soname X`, `-z now`): never a library,
    /// whatever it looks like, as ld reads it.
    Value,
}

/// Classifies the token at `*i`, advancing `*i` past a separate value.
// Long on purpose: one arm per meaning in the option table, which reads best as one match.
fn classify_one(
    cmd: &mut Command,
    state: &mut LinkState,
    i: &mut usize,
) -> Option<(LinkerForm, Vec<OsString>)> {
    let arg_index = cmd.args.len();
    let token = cmd.tokens[*i].as_bytes();
    if token.len() < 2 || token[0] != b'-' {
        let path = || PathBuf::from(OsStr::from_bytes(token));
        // A reference of its own kind, decided like every other
        // (issue 20 §1); a static region changes nothing for it.
        let by_path = || LibRef {
            name: LibName::Path(path()),
            site: Site::Driver { arg: arg_index },
            static_region: state.static_now(),
            whole: state.ld.now().whole_archive,
        };
        if token.ends_with(b".a") {
            cmd.libs.push(by_path());
            cmd.direct_archives.push(path());
        } else if token.ends_with(b".lo") {
            // An archive (Bazel's `alwayslink`) or an object (libtool's):
            // its content says, read only for a link solink handles.
            cmd.maybe_archives.push(by_path());
        } else if token.ends_with(b".so") || token.windows(4).any(|w| w == b".so.") {
            cmd.direct_shared.push((arg_index, PathBuf::from(OsStr::from_bytes(token))));
        }
        return None;
    }
    let (row, value) = match cmd.syntax {
        Syntax::Gcc => table::lookup(table::TABLE, token)?,
        Syntax::Ld => table::lookup_ld(token)?,
        Syntax::Nvcc => table::lookup_nvcc(token)?,
    };
    let value: Vec<u8> = match value {
        Value::None => Vec::new(),
        Value::Inline(v) => v.to_vec(),
        Value::NextToken if *i + 1 < cmd.tokens.len() => {
            *i += 1;
            cmd.tokens[*i].as_bytes().to_vec()
        }
        Value::NextToken => {
            cmd.missing_value.get_or_insert_with(|| OsStr::from_bytes(token).to_owned());
            return None;
        }
    };
    let value_os = || OsStr::from_bytes(&value).to_owned();
    match row.opt {
        // nvcc reads `-lx,y` and `-Lx,y` as lists; those are left to it
        // (passed through, never resolved).
        Opt::Lib | Opt::LibDir if cmd.syntax == Syntax::Nvcc && value.contains(&b',') => {}
        Opt::Output => cmd.output = Some(value_os().into()),
        Opt::LibDir => cmd.lib_dirs.push(value_os().into()),
        Opt::Lib => cmd.libs.push(LibRef {
            name: LibName::from_value(&value),
            site: Site::Driver { arg: arg_index },
            static_region: state.static_now(),
            whole: state.ld.now().whole_archive,
        }),
        Opt::Wl => {
            let pieces: Vec<OsString> =
                value.split(|&c| c == b',').map(|p| OsStr::from_bytes(p).to_owned()).collect();
            linker_pieces(cmd, state, arg_index, &pieces);
            return Some((LinkerForm::Wl, pieces));
        }
        Opt::Xlinker => {
            // nvcc splits `-Xlinker a,b` into `-Xlinker a -Xlinker b`.
            let pieces = match cmd.syntax {
                Syntax::Nvcc => {
                    value.split(|&c| c == b',').map(|p| OsStr::from_bytes(p).to_owned()).collect()
                }
                _ => vec![value_os()],
            };
            linker_pieces(cmd, state, arg_index, &pieces);
            return Some((LinkerForm::Xlinker, pieces));
        }
        Opt::Sysroot | Opt::Target => {
            let start = cmd.args.last().map_or(0, |a| a.span.end);
            cmd.target_flags.extend_from_slice(&cmd.tokens[start..=*i]);
        }
        Opt::Shared => cmd.shared = true,
        Opt::Static => cmd.all_static = true,
        Opt::Pie => cmd.pie = Some(true),
        Opt::NoPie => cmd.pie = Some(false),
        Opt::StaticPie => cmd.static_pie = true,
        Opt::StopsBeforeLink => cmd.stops_before_link = true,
        // ld's state, when ld is the driver (`state.rs`).
        Opt::LinkStatic
        | Opt::LinkDynamic
        | Opt::PushState
        | Opt::PopState
        | Opt::GroupStart
        | Opt::GroupEnd
        | Opt::AsNeeded
        | Opt::NoAsNeeded
        | Opt::WholeArchive
        | Opt::NoWholeArchive => {
            let spelled = cmd.tokens[*i].clone();
            state.apply(cmd, row.opt, spelled.as_bytes());
        }
        Opt::NoStdlib | Opt::NoDefaultLibs => cmd.no_default_libs = true,
        // What ld makes of its inputs: read by the closure check's plan.
        Opt::Wrap => {}
        Opt::PassThrough => {}
    }
    None
}

/// Reads linker arguments in ld's syntax, looked up in `table::LD_TABLE`
/// as when ld is the driver, for `-L`, `-l` and the options that switch
/// between static and dynamic search. Any other option's separate value is
/// skipped, as ld reads it (`-Wl,-soname,-lx` names no library).
fn linker_pieces(cmd: &mut Command, state: &mut LinkState, arg: usize, pieces: &[OsString]) {
    for (index, piece) in pieces.iter().enumerate() {
        let here = Piece { arg, index };
        let p = piece.as_bytes();
        if let Some((pending, first)) = state.pending.take() {
            match pending {
                Pending::LibDir => cmd.lib_dirs.push(piece.into()),
                Pending::Lib => cmd.libs.push(LibRef {
                    name: LibName::from_value(p),
                    site: Site::Linker { first, last: here },
                    static_region: state.static_now(),
                    whole: state.ld.now().whole_archive,
                }),
                Pending::Value => {}
            }
            continue;
        }
        let Some((row, value)) = table::lookup_ld(p) else {
            continue;
        };
        let inline = match value {
            Value::NextToken => {
                let pending = match row.opt {
                    Opt::LibDir => Pending::LibDir,
                    Opt::Lib => Pending::Lib,
                    _ => Pending::Value,
                };
                state.pending = Some((pending, here));
                continue;
            }
            Value::Inline(v) => v,
            Value::None => &[],
        };
        match row.opt {
            // `--library-path=` and `--library=` with nothing after name
            // nothing; ld refuses them itself.
            Opt::LibDir if !inline.is_empty() => cmd.lib_dirs.push(OsStr::from_bytes(inline).into()),
            Opt::Lib if !inline.is_empty() => cmd.libs.push(LibRef {
                name: LibName::from_value(inline),
                site: Site::Linker { first: here, last: here },
                static_region: state.static_now(),
                whole: state.ld.now().whole_archive,
            }),
            // The driver's own options decide the output, the target and
            // whether the link is shared; passed to ld behind its back they
            // are not solink's business.
            _ => state.apply(cmd, row.opt, p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn libs(args: &[&str]) -> Vec<(String, bool)> {
        let cmd = classify(os(args)).unwrap();
        cmd.libs.iter().map(|l| (l.name.display(), l.static_region)).collect()
    }

    fn check_libs(args: &[&str], expected: &[(&str, bool)]) {
        let want: Vec<(String, bool)> = expected.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        assert_eq!(libs(args), want, "libraries of {args:?}");
    }

    /// Issue 31 §6: the name an archive's file stands for, one line each.
    #[test]
    fn archive_library_names() {
        for (file, name) in [
            ("libfoo.a", "foo"),
            ("libfoo.pic.a", "foo"),
            ("libfoo.lo", "foo"),
            ("libfoo.pic.lo", "foo"),
            ("libfoo_bar.pic.a", "foo_bar"),
            ("libfoo.so.a", "foo.so"),
            ("foo.a", "foo"),
            ("foo.pic.lo", "foo"),
            ("libpic.a", "pic"),
            ("lib.a", "lib"),
            ("lib.pic.a", "lib"),
            ("libfoo", "foo"),
            ("libfoo.pic", "foo"),
        ] {
            let got = archive_library_name(file.as_bytes());
            assert_eq!(String::from_utf8_lossy(got), name, "{file}");
            let by_path = LibName::Path(PathBuf::from("/x").join(file));
            assert_eq!(by_path.name(), OsStr::new(name), "{file} by path");
        }
    }

    /// Issue 31 §6: a `.lo` is an archive only by its content, which the
    /// classifier does not read; the probe's answer makes it a reference
    /// at its place, static region and all.
    #[test]
    fn lo_inputs_are_archives_by_content() {
        let cmd = classify(os(&[
            "-shared",
            "a.o",
            "-la",
            "libx.lo",
            "-Wl,-lb",
            "y.lo",
            "z.a",
            "-Wl,-Bstatic",
            "w.pic.lo",
            "c.o",
        ]))
        .unwrap();
        let names = |cmd: &Command| -> Vec<(String, bool)> {
            cmd.libs.iter().map(|l| (l.name.display(), l.static_region)).collect()
        };
        let own = |v: &[(&str, bool)]| v.iter().map(|(n, s)| (n.to_string(), *s)).collect::<Vec<_>>();
        assert_eq!(names(&cmd), own(&[("-la", false), ("-lb", false), ("z.a", false)]));
        let maybe: Vec<String> = cmd.maybe_archives.iter().map(|l| l.name.display()).collect();
        assert_eq!(maybe, ["libx.lo", "y.lo", "w.pic.lo"]);
        assert!(cmd.with_archives_by_content(|_| false).is_none(), "no archive: the command as it is");
        let with = cmd.with_archives_by_content(|p| p != Path::new("y.lo")).unwrap();
        assert_eq!(
            names(&with),
            own(&[("-la", false), ("libx.lo", false), ("-lb", false), ("z.a", false), ("w.pic.lo", true)])
        );
        assert_eq!(with.direct_archives, ["libx.lo", "z.a", "w.pic.lo"].map(PathBuf::from));
        assert_eq!(with.tokens, cmd.tokens, "the tokens are untouched");
    }

    #[test]
    fn library_spellings() {
        check_libs(&["-lfoo"], &[("-lfoo", false)]);
        check_libs(&["-l", "foo"], &[("-lfoo", false)]);
        check_libs(&["-l:libfoo.a"], &[("-l:libfoo.a", false)]);
        check_libs(&["-Wl,-lfoo"], &[("-lfoo", false)]);
        check_libs(&["-Wl,-l,foo"], &[("-lfoo", false)]);
        check_libs(&["-Wl,--library=foo"], &[("-lfoo", false)]);
        check_libs(&["-Xlinker", "-lfoo"], &[("-lfoo", false)]);
        check_libs(&["-Xlinker", "-l", "-Xlinker", "foo"], &[("-lfoo", false)]);
        check_libs(&["-o", "-lnot"], &[]);
    }

    #[test]
    fn static_regions() {
        check_libs(
            &["-la", "-Wl,-Bstatic", "-lb", "-Wl,-Bdynamic", "-lc"],
            &[("-la", false), ("-lb", true), ("-lc", false)],
        );
        check_libs(
            &["-Wl,--push-state,-Bstatic", "-la", "-Wl,--pop-state", "-lb"],
            &[("-la", true), ("-lb", false)],
        );
        check_libs(&["-Xlinker", "-Bstatic", "-la"], &[("-la", true)]);
    }

    /// Every spelling of ld's that `-Wl,` pieces are read for, one line each
    /// (ld(1): `-Bstatic`, `-dn`, `-non_shared`, `-static`; `-Bdynamic`,
    /// `-dy`, `-call_shared`; `--push-state`, `--pop-state`; `-l`/`--library`;
    /// `-L`/`--library-path`).
    #[test]
    fn ld_spellings_in_linker_pieces() {
        for on in ["-Bstatic", "-dn", "-non_shared", "-static"] {
            check_libs(&[&format!("-Wl,{on}"), "-la"], &[("-la", true)]);
            check_libs(&["-Xlinker", on, "-la"], &[("-la", true)]);
            check_libs(&[&format!("-Wl,{on},-la")], &[("-la", true)]);
        }
        for off in ["-Bdynamic", "-dy", "-call_shared"] {
            check_libs(&["-Wl,-Bstatic", &format!("-Wl,{off}"), "-la"], &[("-la", false)]);
            check_libs(&["-Wl,-Bstatic", "-Xlinker", off, "-la"], &[("-la", false)]);
        }
        check_libs(
            &["-Wl,-Bstatic,--push-state,-Bdynamic", "-la", "-Wl,--pop-state", "-lb"],
            &[("-la", false), ("-lb", true)],
        );
        // An unmatched --pop-state goes back to ld's default, dynamic.
        check_libs(&["-Wl,-Bstatic,--pop-state", "-la"], &[("-la", false)]);
        check_libs(&["-Wl,-la"], &[("-la", false)]);
        check_libs(&["-Wl,-l,a"], &[("-la", false)]);
        check_libs(&["-Wl,-l:liba.a"], &[("-l:liba.a", false)]);
        check_libs(&["-Wl,--library=a"], &[("-la", false)]);
        check_libs(&["-Wl,--library,a"], &[("-la", false)]);
        check_libs(&["-Xlinker", "--library", "-Xlinker", "a"], &[("-la", false)]);
        // Empty values name nothing.
        check_libs(&["-Wl,--library=", "-Wl,--library-path="], &[]);
        // Look-alikes that are not ld's library options.
        check_libs(&["-Wl,-Bsymbolic,--as-needed,-lb"], &[("-lb", false)]);
        check_libs(&["-Wl,-Bstaticx", "-la"], &[("-la", false)]);
    }

    /// A linker option's separate value is never a library or a switch,
    /// however it is spelled, in the same `-Wl,` or the next `-Xlinker`.
    #[test]
    fn linker_option_values_are_skipped() {
        check_libs(&["-Wl,-soname,-lx"], &[]);
        check_libs(&["-Wl,-rpath,-Bstatic", "-la"], &[("-la", false)]);
        check_libs(&["-Wl,-z,-lx,-ly"], &[("-ly", false)]);
        check_libs(&["-Xlinker", "-rpath", "-Xlinker", "-lx", "-Xlinker", "-ly"], &[("-ly", false)]);
        check_libs(&["-Wl,-rpath", "-Wl,-lx", "-Wl,-ly"], &[("-ly", false)]);
        check_libs(&["-Wl,--rpath=/r,-ly"], &[("-ly", false)]);
        check_libs(&["-Wl,-znow,-ly"], &[("-ly", false)]);
        check_libs(&["-Wl,-o,-lx,-T,-ly,-e,-lz,-u,-lw", "-lv"], &[("-lv", false)]);
        let cmd = classify(os(&[
            "-Wl,-rpath-link,-L/no,--library-path,/yes",
            "-Xlinker",
            "-L",
            "-Xlinker",
            "/too",
        ]))
        .unwrap();
        assert_eq!(cmd.lib_dirs, ["/yes", "/too"].map(PathBuf::from));
    }

    #[test]
    fn lib_dirs_under_the_sysroot() {
        let dirs = |argv: &[&str]| classify(os(argv)).unwrap().lib_dirs;
        let p = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            dirs(&["-shared", "--sysroot=/s", "-L=/lib", "-L$SYSROOT/usr/lib"]),
            p(&["/s/lib", "/s/usr/lib"])
        );
        assert_eq!(dirs(&["-shared", "--sysroot", "/t", "-Wl,-L=/lib"]), p(&["/t/lib"]));
        assert_eq!(
            dirs(&["-shared", "-L=/usr/lib", "-L/plain"]),
            p(&["/usr/lib", "/plain"]),
            "no sysroot: the native one"
        );
        assert_eq!(
            dirs(&["-shared", "--sysroot=/a", "--sysroot=/b", "-L=/x"]),
            p(&["/b/x"]),
            "the last wins"
        );
    }

    #[test]
    fn lib_dirs_in_command_line_order() {
        let cmd =
            classify(os(&["-L/a", "-Wl,-L/b", "-L", "/c", "-Wl,-L,/d", "-Xlinker", "--library-path=/e"]))
                .unwrap();
        let want: Vec<PathBuf> = ["/a", "/b", "/c", "/d", "/e"].iter().map(PathBuf::from).collect();
        assert_eq!(cmd.lib_dirs, want);
    }

    fn mode(args: &[&str]) -> bool {
        classify(os(args)).unwrap().is_shared_link()
    }

    #[test]
    fn which_invocations_are_shared_links() {
        assert!(mode(&["-shared", "-o", "x.so", "a.o"]));
        assert!(!mode(&["-o", "x", "a.o"]));
        assert!(!mode(&["-shared-libgcc", "-o", "x", "a.o"]));
        for stop in [
            "-c",
            "-S",
            "-E",
            "-M",
            "-MM",
            "-fsyntax-only",
            "-print-search-dirs",
            "-dumpmachine",
            "--version",
            "-###",
        ] {
            assert!(!mode(&["-shared", stop, "a.c"]), "{stop} stops before linking");
        }
        assert!(mode(&["-shared", "-MD", "-dumpbase", "x", "a.c"]));
    }

    fn ld(args: &[&str]) -> Command {
        classify_as(os(args), Syntax::Ld).unwrap()
    }

    #[test]
    fn ld_syntax() {
        let cmd = ld(&[
            "-shared",
            "-o",
            "x.so",
            "a.o",
            "-L..",
            "-L",
            "/d",
            "--library-path=/e",
            "-lfoo",
            "-l",
            "bar",
            "--library=baz",
            "-Bstatic",
            "-lst",
            "-Bdynamic",
            "-soname",
            "libx.so.1",
            "-rpath",
            "/r",
            "b.a",
        ]);
        assert!(cmd.is_shared_link());
        assert_eq!(cmd.output, Some(PathBuf::from("x.so")));
        assert_eq!(cmd.lib_dirs, ["..", "/d", "/e"].map(PathBuf::from));
        let libs: Vec<(String, bool)> =
            cmd.libs.iter().map(|l| (l.name.display(), l.static_region)).collect();
        // The archive by path is a reference too (issue 20 §1).
        let want = [("-lfoo", false), ("-lbar", false), ("-lbaz", false), ("-lst", true), ("b.a", false)];
        assert_eq!(libs, want.map(|(n, s)| (n.to_string(), s)));
        assert_eq!(cmd.direct_archives, [PathBuf::from("b.a")]);
        // `-soname libx.so.1` is a value, not a shared library to read.
        assert!(cmd.direct_shared.is_empty(), "{:?}", cmd.direct_shared);
        assert!(!ld(&["-r", "-o", "x.o", "a.o"]).is_shared_link());
        assert!(ld(&["-Bshareable", "a.o"]).is_shared_link());
    }

    #[test]
    fn linkers_are_told_by_name() {
        for name in [
            "ld",
            "/usr/bin/ld.bfd",
            "ld.gold",
            "ld.lld",
            "mold",
            "x86_64-linux-gnu-ld",
            "aarch64-linux-gnu-ld.bfd",
        ] {
            assert_eq!(Syntax::of_driver(OsStr::new(name)), Syntax::Ld, "{name}");
        }
        for name in ["gcc", "clang", "g++", "x86_64-linux-gnu-gcc", "old", "ldd"] {
            assert_eq!(Syntax::of_driver(OsStr::new(name)), Syntax::Gcc, "{name}");
        }
    }

    #[test]
    fn facts() {
        let cmd =
            classify(os(&["-m32", "--sysroot", "/s", "-shared", "-o", "libx.so", "a.o", "b.a", "-x", "c.a"]))
                .unwrap();
        assert_eq!(cmd.output, Some(PathBuf::from("libx.so")));
        assert_eq!(cmd.target_flags, os(&["-m32", "--sysroot", "/s"]));
        assert_eq!(cmd.direct_archives, [PathBuf::from("b.a")]);
        assert_eq!(cmd.missing_value, None);
        assert_eq!(cmd.args.len(), 7);
    }

    #[test]
    fn missing_values_are_recorded() {
        let cmd = classify(os(&["-shared", "a.o", "-l"])).unwrap();
        assert_eq!(cmd.missing_value, Some(OsString::from("-l")));
        assert_eq!(cmd.args.len(), 3);
    }
}

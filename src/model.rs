//! The model: what the probe finds and what resolution decides, as plain
//! data, with the pure naming and fitness rules both sides use. It is the
//! ground the facts and the rules share, so that the policy imports nothing
//! of the probe and the probe nothing of the policy (issue 21, "facts below
//! rules"). Nothing here reads a file.
//!
//! A decision carries everything the later steps need (the library's name,
//! where it sits on the command line, the files it embeds), so `rewrite` and
//! `explain` never look anything up by index. Words for people are written
//! only in `explain.rs`: reasons, notes and warnings here are typed.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::args::{archive_library_name, LibName, Site};
use crate::formats::archive::{ElfId, Problem, Verdict};

/// Which library reference a decision is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A reference on the command line, at `site`.
    Ref { site: Site },
    /// A dependency added after an embedded archive: `of` is the library
    /// that needs it (as written, `-lssl`), `via` the file that says so (a
    /// `.pc`, or a shared twin's `DT_NEEDED`).
    Dep { of: LibName, via: PathBuf },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replace the reference with `file` (an archive, or a linker script
    /// over archives). `archives` are the archives it brings into the link:
    /// `file` itself, or the script's inputs.
    Embed { file: PathBuf, archives: Vec<PathBuf> },
    /// Leave the reference exactly as given.
    Keep,
    /// Remove the reference.
    Drop,
    /// For an added dependency that stays dynamic: the token to add.
    Add { token: OsString },
    /// For an archive named exactly (by path, or `-l:FILE`) that cannot
    /// live in a shared object: the shared twin beside it, `so`, in its
    /// place (issue 20 §1; always with a warning, so `--strict` refuses).
    Twin { so: PathBuf },
}

impl Outcome {
    /// Embedding one archive.
    pub fn embed(file: PathBuf) -> Outcome {
        Outcome::Embed { archives: vec![file.clone()], file }
    }
}

/// Why a library is not fit to read: the first line of its explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    NotArchive,
    Damaged(String),
}

/// Why a linker script cannot be embedded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptProblem {
    /// It names a library (`-lNAME`), which would be searched again.
    Lib(OsString),
    /// It names a file that does not exist.
    Missing(PathBuf),
    /// It names an archive that cannot go into a shared object.
    Unfit { file: PathBuf, problem: Problem },
    /// It names something that is not a compatible archive.
    NotEmbeddable(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The first compatible `libNAME.a` in search order, and it is PIC.
    FirstArchive,
    /// An archive named by its path on the command line, and it is PIC.
    Given,
    /// A linker script whose archives are all PIC (they are the outcome's
    /// `archives`).
    ScriptOverArchives,
    /// No compatible `libNAME.a` in any search directory.
    NotFound,
    /// A C or C++ runtime library.
    RuntimeLibrary,
    /// After `-Wl,-Bstatic` (or with `-static`): the user already chose;
    /// ld takes the first `libNAME.a` of its own search (issue 31: checked
    /// like an embedded archive when it is one, never replaced).
    StaticRegion,
    /// A program's link (issue 31): ld's own search decides, and solink
    /// checks the archives it takes.
    Program,
    /// The archive the search found is one the command names itself, at
    /// `by` (`-l:libx.a`, a path, a static region): that reference brings
    /// it, and this one stays as given, as in the plain link (taking it
    /// twice would duplicate it under `--whole-archive`).
    NamedElsewhere { by: String },
    /// Issue 31 §8: the reference stays dynamic, ld's own search finds no
    /// library for it, and only `so`, in a directory ld does not search
    /// (LIBSDIR, the workspace), holds it: that directory is given to ld
    /// as a `-L` (`dir`), after the command's own.
    SharedOutsideLd { so: PathBuf, dir: PathBuf },
    /// `-o libNAME.so` links `-lNAME`: the library itself.
    SelfReference,
    /// `-l:FILE` where FILE is not an archive.
    NotAnArchiveName,
    /// The archive's path contains a comma and cannot go inside `-Wl,`.
    CommaInPath,
    /// `--embed NAME`.
    UserEmbed,
    /// `--no-embed NAME`.
    UserNoEmbed,
    /// Unfit for a shared object: not position-independent, a versioned
    /// definition, a member that is not a relocatable ELF object... With a
    /// shared twin it stays dynamic; without one it is embedded anyway, as
    /// ld itself would link the archive.
    NotPic { problem: Problem, shared: Option<PathBuf> },
    /// An archive with no members: nothing to embed.
    Empty,
    /// The file is not an archive, or is damaged.
    Unreadable(Unreadable),
    /// A linker script over something that cannot be embedded.
    UnsafeScript(ScriptProblem),
    /// A dependency of the archive cannot be found.
    IncompleteDeps { missing: LibName },
    /// ld would link `so` first: a `libNAME.so` in a directory ld searches
    /// before the archive's (`-L`, then its own). The user's own shared
    /// library must not be replaced by an older system archive.
    Shadowed { so: PathBuf },
    /// A dependency the driver links by itself, last, where it belongs
    /// (`-lc`, `-lgcc_s`; `-lstdc++ -lm` for g++): adding it earlier would
    /// reorder `DT_NEEDED`.
    DriverLibrary,
    /// A dependency the driver would link, left out because the command
    /// says `-nostdlib` or `-nodefaultlibs`.
    NoDefaultLibs,
    /// ld pulls no member from the archive: `users` (objects and members
    /// of the link that reference what it defines) all come after it, or
    /// there are none. The reference stays as given where ld itself finds
    /// the same file (`Outcome::Keep`, the plain link), else the
    /// archive's path stands in for it (`Outcome::Embed`, the seed's rule).
    Unused { users: Vec<String> },
    /// An added shared library that defines `symbols`, which `needed_by`
    /// (an embedded member, `libx.a(m.o)`) leaves undefined.
    Provides { symbols: Vec<String>, more: usize, needed_by: String },
    /// Members of the embedded archive need `symbols` and nothing the link
    /// has or any library of ld's search dirs defines them: with a
    /// `shared` twin it stays dynamic, else it is embedded anyway.
    Unresolved { symbols: Vec<String>, more: usize, needed_by: String, shared: Option<PathBuf> },
    /// A shared library the link takes dynamically, `so`, already embeds
    /// this very archive (`file`, same digest, per its `.note.solink`) with
    /// its symbols exported: embedding it again would give the process two
    /// copies of its state (issue 13 §3).
    CarriedBy { so: PathBuf, file: String },
    /// The same for a linker script: every archive it brings is already
    /// embedded, exported, by a shared library the link takes dynamically.
    /// `by`: each archive's file name and the library that carries it, in
    /// the script's order.
    CarriedScript { by: Vec<(String, PathBuf)> },
}

/// Why the closure check could not run: the input that stopped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unchecked {
    /// `-lNAME` (as written) that ld's search dirs do not hold.
    NotFound(String),
    /// A file the link names that does not exist.
    Missing(PathBuf),
    /// A file that cannot be opened or read, and the error.
    Unreadable { path: PathBuf, error: String },
    /// A file that is no object, archive, shared library or linker script.
    NotInput(PathBuf),
    /// A linker script nested too deep, or too many inputs.
    TooDeep(PathBuf),
    /// nvcc's host link could not be learned (`nvcc --dryrun` failed, or
    /// showed no link): why.
    HostLink(String),
    /// None of the above was found (the command could not be read, or a
    /// symbol table could not be).
    Unknown,
}

/// Something worth explaining beside the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// An archive for another target, skipped as ld skips it.
    SkippedIncompatible { path: PathBuf, id: ElfId },
    /// Debian's `libNAME_pic.a` chosen over `libNAME.a`.
    PrefersPic { pic: PathBuf, over: PathBuf },
    /// The closure check could not run on this link: an input cannot be
    /// found or read (issue 20 §7: the note names it and says why), so
    /// what the archive needs was not verified.
    Unchecked(Unchecked),
    /// What would be a warning for one of the user's archives, about a
    /// system archive: the distribution's archives are not the user's to
    /// rebuild, so this is said under `--explain` only, and `--strict`
    /// does not refuse on it.
    System(Warning),
}

/// Why an archive named exactly gives way to its shared twin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TwinWhy {
    Unfit(Problem),
    /// A linker script over something that cannot be embedded (glibc's
    /// `libm.a`, beside its `libm.so`).
    Script(ScriptProblem),
    /// A dependency that cannot be found.
    Incomplete(LibName),
    /// Symbols its members need that nothing provides.
    Unresolved {
        symbols: Vec<String>,
        more: usize,
        needed_by: String,
    },
}

/// A line printed even without `--explain`; an error with `--strict`.
/// `archive` is the file found for `lib`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// Not an archive, or damaged: it stays dynamic.
    Unreadable { archive: PathBuf, lib: LibName, what: Unreadable },
    /// A linker script over something unsafe: it stays dynamic.
    UnsafeScript { archive: PathBuf, lib: LibName, why: ScriptProblem },
    /// Unfit for a shared object: dynamic when there is a `shared` twin,
    /// else embedded anyway.
    Unfit { archive: PathBuf, lib: LibName, problem: Problem, shared: bool },
    /// An archive named exactly (by path, `-l:FILE`) that cannot be
    /// embedded (`problem`, or symbols nothing provides): the shared twin
    /// `so` beside it is linked in its place (issue 20 §1).
    Twin { archive: PathBuf, lib: LibName, why: TwinWhy, so: PathBuf },
    /// The `.pc` file of an embedded archive cannot be read or walked: its
    /// dependencies come from the shared twin alone, if there is one.
    PkgConfig { pc: PathBuf, lib: LibName, error: String },
    /// A dependency that cannot be found: dynamic when there is a `shared`
    /// twin, else embedded anyway.
    IncompleteDeps { archive: PathBuf, lib: LibName, missing: LibName, shared: bool },
    /// Symbols an embedded member needs that nothing provides: dynamic
    /// when there is a `shared` twin, else embedded anyway.
    Unresolved {
        archive: PathBuf,
        lib: LibName,
        symbols: Vec<String>,
        more: usize,
        needed_by: String,
        shared: bool,
    },
    /// Issue 20 §7: a reference left to ld that ld's own search (its `-L`
    /// dirs, then its own) will not find, so ld will fail with "cannot
    /// find"; `only`: a directory of ld's that holds just a versioned
    /// file of it (`libcudart.so.12`), which `-l:FILE` would find.
    LdWillNotFind { lib: LibName, only: Option<(PathBuf, OsString)> },
    /// Issue 20 §6: `--rpath-dynamic` for `lib`, which ld links from
    /// `file`: the loader will look for `soname` (its `DT_SONAME`, or file
    /// name), and neither `file`'s directory nor its target's holds one, so
    /// no rpath can serve it.
    RpathUnserved { lib: LibName, file: PathBuf, soname: OsString },
    /// Members with constructors (`.init_array`/`.ctors`) that ld leaves
    /// out, because nothing references them: their self-registration
    /// silently never happens (issue 13 §4).
    CtorsLeft { archive: PathBuf, lib: LibName, members: Vec<String> },
    /// A shared library the link takes dynamically, `so`, embeds this very
    /// archive but hides its symbols: the link cannot use that copy, so it
    /// embeds its own, and the process holds two (issue 13 §3).
    CarriedHidden { archive: PathBuf, lib: LibName, so: PathBuf },
    /// A linker script (`script`) some of whose archives shared libraries
    /// the link takes dynamically, after the reference, already embed
    /// exported (`carried`: each archive and its carrier), while the
    /// `rest` are carried by none: the script stays embedded for the rest,
    /// and ld pulls the carried archives in again at the reference, so the
    /// process holds two copies of them (issue 13 §3).
    CarriedPartly { script: PathBuf, lib: LibName, carried: Vec<(PathBuf, PathBuf)>, rest: Vec<PathBuf> },
    /// Issue 35 §2: this archive and `first` (an object, or another
    /// archive's member, as ld names it) define the same strong symbols
    /// with different bytes. `both` false: ld binds this archive's `users`
    /// to `first`'s copy and leaves its own out; `both` true: both copies
    /// are linked (a member linked whole), which ld refuses.
    Conflict {
        archive: PathBuf,
        lib: LibName,
        symbols: Vec<String>,
        more: usize,
        first: String,
        member: String,
        users: Vec<String>,
        both: bool,
    },
}

/// A flag an embedded archive's `.pc` file requires beside its libraries
/// (`Libs: -lpsx -Wl,-wrap,pthread_create`): what pkg-config would have put
/// on the command line travels with the archive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Flag {
    /// Linker arguments (`-Wl,a,b` gives `a` and `b`).
    Linker(Vec<OsString>),
    /// A driver option (`-rdynamic`); dropped when the driver is a linker.
    Driver(OsString),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The library as written (`NAME` of `-lNAME`, `FILE` of `-l:FILE`).
    pub lib: LibName,
    pub subject: Subject,
    pub outcome: Outcome,
    pub reason: Reason,
    /// Where the file was found, when it was.
    pub found: Option<Found>,
    pub notes: Vec<Note>,
    pub warning: Option<Warning>,
    /// For an embedded archive: the flags its `.pc` (`flags_from`) requires.
    pub flags: Vec<Flag>,
    pub flags_from: Option<PathBuf>,
    /// For an embedded archive: the package its `.pc` says it is, which
    /// the provenance note records (issue 22).
    pub package: Option<Package>,
    /// The reference stays as written and ld itself takes the outcome's
    /// archive from it (issue 31: a `-Bstatic` region, a program's link):
    /// solink checks and records what ld takes, adds what its members
    /// need, and never changes which file that is.
    pub as_written: bool,
}

impl Decision {
    pub fn new(lib: LibName, subject: Subject, outcome: Outcome, reason: Reason) -> Decision {
        Decision {
            lib,
            subject,
            outcome,
            reason,
            found: None,
            notes: Vec::new(),
            warning: None,
            flags: Vec::new(),
            flags_from: None,
            package: None,
            as_written: false,
        }
    }
}

/// Issue 20 §8: what nvcc does in a shared link beyond its command, as
/// its host link (`nvcc --dryrun`) shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostLink {
    /// The host compiler that links (`g++`, or what `-ccbin` names).
    pub compiler: OsString,
    /// The libraries nvcc adds on its own, in order.
    pub libraries: Vec<DriverLib>,
    /// Two CUDA runtimes in one process: the static one ld links into the
    /// output, and the shared one the output also loads (the file that is
    /// it, or that needs it).
    pub two_runtimes: Option<(PathBuf, PathBuf)>,
}

/// One library nvcc adds (`-lcudart_static`), and where ld finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverLib {
    /// As nvcc writes it: `-lcudart_static`.
    pub name: String,
    /// The file ld takes, when solink's model of ld's search finds one.
    pub file: Option<PathBuf>,
    /// For an archive: the members ld pulls from it, when the closure
    /// check ran.
    pub members: Option<usize>,
}

// The facts the probe gathers, and the rules on names and fitness.

/// Where a library was found: the seed's search order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    LibsDir,
    LDir,
    Workspace,
    System,
    /// Not searched for: an archive named by its path on the command line
    /// (issue 20 §1), or the shared twin beside it.
    Given,
}

impl Stage {
    /// 1 to 4, as the seed numbers them.
    pub fn number(self) -> u8 {
        match self {
            Stage::LibsDir => 1,
            Stage::LDir => 2,
            Stage::Workspace => 3,
            Stage::System => 4,
            // No stage of the search: JSON gives null.
            Stage::Given => 0,
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::LibsDir => "stage 1, LIBSDIR",
            Stage::LDir => "stage 2, -L",
            Stage::Workspace => "stage 3, WORKSPACE_FOLDER/test/lib",
            Stage::System => "stage 4, system",
            Stage::Given => "named by path",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub stage: Stage,
}

/// One library an archive depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dep {
    pub lib: LibName,
    /// For a `DT_NEEDED` entry, the runtime file (`libacl.so.1`), to link
    /// as `-l:libacl.so.1` when the development link `libacl.so` is missing.
    pub runtime_file: Option<OsString>,
}

/// What the file system says about one library that was searched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LibFacts {
    /// Incompatible archives skipped on the way, the `_pic` variant chosen.
    pub notes: Vec<Note>,
    /// The first compatible archive, when there is one.
    pub candidate: Option<Candidate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub found: Found,
    pub verdict: Verdict,
    /// For a linker script: each of its inputs.
    pub script: Vec<ScriptInput>,
    /// `libNAME.so` anywhere in the search path; looked for only when the
    /// archive is unfit (it decides between dynamic and embedded anyway).
    pub shared: Option<PathBuf>,
    /// For an archive found where ld itself searches (`-L` or the system
    /// dirs): a `libNAME.so` in a directory ld searches before it, which ld
    /// would link instead.
    pub shadowed_by: Option<PathBuf>,
}

/// One input of a linker script, as found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptInput {
    Lib(OsString),
    Missing(PathBuf),
    File(PathBuf, Verdict),
}

/// What an embedded archive needs, and the file that says so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepFacts {
    pub deps: Vec<Dep>,
    /// What its `.pc` requires beside libraries (`-Wl,--wrap=...`).
    pub flags: Vec<Flag>,
    /// The `.pc` when there is one, else the shared twin.
    pub via: PathBuf,
    /// Why the `.pc` could not be read or walked.
    pub pc_error: Option<String>,
    /// The package the `.pc` is (its file name's stem), with its `Version`.
    pub package: Option<Package>,
}

// The package an embedded archive is part of: the note's own type.
use crate::formats::provenance::Package;

/// How a dependency that stays dynamic could be linked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DynFacts {
    /// `libNAME.so` is in the search path.
    pub shared: bool,
    /// The exact file (`-l:FILE`, or the `DT_NEEDED` runtime file) is.
    pub file: bool,
}

/// The C and C++ toolchain runtimes. They are never embedded (unless
/// `--embed` asks): glibc's archives are not position-independent (its
/// libm.a is even a linker script over non-PIC objects), and a second copy
/// of a runtime inside a shared object breaks programs that load it.
pub const RUNTIME_LIBS: &[&str] = &[
    "BrokenLocale",
    "anl",
    "asan",
    "atomic",
    "c",
    "c++",
    "c++abi",
    "crypt",
    "dl",
    "gcc",
    "gcc_eh",
    "gcc_s",
    "gomp",
    "hwasan",
    // OpenMP runtimes (issue 35 §4): one per process, libomp aborts when it
    // meets another, so none is ever embedded: `gomp` (GCC's), `iomp5`
    // (Intel's), `omp` (LLVM's).
    "iomp5",
    "lsan",
    "m",
    "mvec",
    "nsl",
    "omp",
    "pthread",
    "quadmath",
    "resolv",
    "rt",
    "stdc++",
    "supc++",
    "tsan",
    "ubsan",
    "util",
];

/// ld's "skipping incompatible": the archive's target when it is another
/// than the link's.
pub fn incompatible(verdict: &Verdict, target: ElfId) -> Option<ElfId> {
    match verdict {
        Verdict::Objects { id: Some(id), .. } if *id != target => Some(*id),
        _ => None,
    }
}

/// Objects that can go into a shared object for `target`.
pub fn fit_for(verdict: &Verdict, target: ElfId) -> bool {
    matches!(verdict, Verdict::Objects { problem: None, id, .. } if id.map_or(true, |id| id == target))
}

/// Objects with a problem: whether they stay dynamic depends on a shared
/// twin, so the probe looks for one.
pub fn unfit(verdict: &Verdict) -> bool {
    matches!(verdict, Verdict::Objects { problem: Some(_), .. })
}

/// [`unfit`], or a linker script (which may be over unfit archives), for a
/// file named exactly: its twin is what stands in for it when it cannot be
/// embedded, since leaving it as given links it.
pub fn may_need_twin(verdict: &Verdict) -> bool {
    unfit(verdict) || matches!(verdict, Verdict::Script(_))
}

pub fn is_runtime(name: &OsStr) -> bool {
    RUNTIME_LIBS.iter().any(|r| OsStr::new(r) == name)
}

/// `foo` for `-lfoo`, and for `-l:libfoo.a` (or any archive named
/// `libfoo.a`, `libfoo.pic.a`, `libfoo.lo`: `args::archive_library_name`):
/// the name another link would ask for it by.
pub fn library_name(lib: &LibName, file: &str) -> String {
    match lib {
        LibName::Name(n) => n.to_string_lossy().into_owned(),
        LibName::Verbatim(_) | LibName::Path(_) => {
            String::from_utf8_lossy(archive_library_name(file.as_bytes())).into_owned()
        }
    }
}

/// `libNAME.a`.
pub fn archive_file_name(name: &OsStr) -> OsString {
    let mut file = OsString::from("lib");
    file.push(name);
    file.push(".a");
    file
}

/// The shared twin's path beside an archive ld reads exactly:
/// `DIR/libfoo.so` for `DIR/libfoo.a` (pure: whether it exists is the
/// probe's question).
pub fn twin_path(archive: &Path) -> Option<PathBuf> {
    let stem = archive.file_name()?.as_bytes().strip_suffix(b".a")?;
    let mut name = stem.to_vec();
    name.extend_from_slice(b".so");
    Some(archive.with_file_name(OsStr::from_bytes(&name)))
}

/// The file name of [`twin_path`], for messages.
pub fn twin_name(archive: &Path) -> PathBuf {
    twin_path(archive).and_then(|p| p.file_name().map(PathBuf::from)).unwrap_or_default()
}

/// `libNAME.so`.
pub fn shared_file_name(name: &OsStr) -> OsString {
    let mut file = OsString::from("lib");
    file.push(name);
    file.push(".so");
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name the note, the audit and `--hide` know a library by, however
    /// it was named (issue 31 §6: Bazel's `.pic` and `.lo` dropped).
    #[test]
    fn library_names() {
        let name = |n: &str| LibName::Name(n.into());
        let verbatim = |f: &str| LibName::Verbatim(f.into());
        let path = |p: &str| LibName::Path(p.into());
        for (lib, file, expected) in [
            (name("foo"), "libfoo.a", "foo"),
            (name("foo"), "libfoo_pic.a", "foo"),
            (verbatim("libfoo.a"), "libfoo.a", "foo"),
            (verbatim("libfoo.pic.a"), "libfoo.pic.a", "foo"),
            (path("b/libfoo.pic.a"), "libfoo.pic.a", "foo"),
            (path("b/libfoo.lo"), "libfoo.lo", "foo"),
            (path("b/libfoo.pic.lo"), "libfoo.pic.lo", "foo"),
            (path("b/foo.a"), "foo.a", "foo"),
        ] {
            assert_eq!(library_name(&lib, file), expected, "{lib:?} {file}");
        }
    }
}

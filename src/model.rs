//! The facts the probe gathers and the policy decides from, and the naming
//! rules both use: the ground they share, so that the rules import nothing
//! of the probe and the probe nothing of the rules (issue 21, "facts below
//! rules"). Decisions, the other half of the model, are `decision.rs`.
//! Pure: nothing here reads a file.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::archive::{ElfId, Verdict};
use crate::decision::{Flag, Note};
use crate::deps::Dep;
use crate::search::Found;

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
}

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
    "lsan",
    "m",
    "mvec",
    "nsl",
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

//! What a candidate `libNAME.a` really is: an ar archive (GNU, BSD or
//! thin), a lone object file, a GNU ld script, an empty archive, or not an
//! archive at all, and whether its objects can go into a shared object.
//!
//! Archives are mapped, not read, so a 120 MB archive is never held in
//! memory at once; each member is scanned in place and the scan stops at the
//! first problem.

pub mod aligned;
pub mod pic;
pub mod script;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use object::read::archive::ArchiveFile;

pub use aligned::{aligned, Aligned};
pub use pic::{ElfId, Finding};

/// The verdict on one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// An archive (or a lone object file) whose objects were scanned.
    Objects {
        /// Class and machine of the first ELF member.
        id: Option<ElfId>,
        members: usize,
        thin: bool,
        /// The first reason it cannot go into a shared object.
        problem: Option<Problem>,
    },
    /// An archive with no members (glibc's libdl.a and libpthread.a).
    Empty,
    /// A GNU ld script: its inputs.
    Script(Vec<script::Input>),
    /// Neither an archive, an object, nor a script.
    NotArchive,
    /// An archive that cannot be read to the end (truncated, corrupt).
    Damaged(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub member: String,
    pub kind: ProblemKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    Finding(Finding),
    NotElf,
    NotRelocatable,
    Damaged(String),
    /// A member for another target than the first member.
    Mixed(ElfId),
    /// A thin archive's member file cannot be read.
    MissingMember(PathBuf),
    /// The archive has no symbol index (`ar qcS`, `ar q` without `s`):
    /// GNU ld refuses to search it ("archive has no index; run ranlib to
    /// add one"), so it can never be embedded (issue 20 §5). `member` is
    /// empty.
    NoIndex,
}

impl Problem {
    /// A relocation problem, which rebuilding with -fPIC fixes.
    pub fn is_not_pic(&self) -> bool {
        matches!(self.kind, ProblemKind::Finding(Finding::NotPic { .. }))
    }

    /// A relocation a position-independent executable cannot hold either
    /// (issue 31): an absolute address narrower than a pointer. A PIE binds
    /// its own symbols locally, so the PC-relative relocations a shared
    /// object refuses against a preemptible symbol are fine there (GNU ld:
    /// "relocation R_X86_64_32 against symbol ... can not be used when
    /// making a PIE object"). Only the first problem of an archive is
    /// known: a later member's may still stop ld, which says so itself.
    pub fn refused_in_pie(&self) -> bool {
        const ABSOLUTE: &[&str] = &[
            "R_X86_64_32",
            "R_X86_64_32S",
            "R_X86_64_16",
            "R_X86_64_8",
            "R_AARCH64_ABS32",
            "R_AARCH64_ABS16",
            "R_AARCH64_MOVW_UABS_G0",
            "R_AARCH64_MOVW_UABS_G0_NC",
            "R_AARCH64_MOVW_UABS_G1",
            "R_AARCH64_MOVW_UABS_G1_NC",
            "R_AARCH64_MOVW_UABS_G2",
            "R_AARCH64_MOVW_UABS_G2_NC",
            "R_AARCH64_MOVW_UABS_G3",
        ];
        match &self.kind {
            ProblemKind::Finding(Finding::NotPic { reloc, .. }) => ABSOLUTE.contains(&reloc.as_str()),
            _ => false,
        }
    }

    /// ld refuses the archive itself: no link takes it, embedded or not.
    pub fn ld_refuses(&self) -> bool {
        matches!(self.kind, ProblemKind::NoIndex)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = &self.member;
        match &self.kind {
            ProblemKind::Finding(Finding::NotPic { reloc, symbol: Some(s) }) => {
                write!(f, "{m}: {reloc} against {s}")
            }
            ProblemKind::Finding(Finding::NotPic { reloc, symbol: None }) => write!(f, "{m}: {reloc}"),
            ProblemKind::Finding(Finding::Versioned { symbol }) => {
                write!(f, "{m}: defines the versioned symbol {symbol}, which needs a version script")
            }
            ProblemKind::NotElf => write!(f, "{m}: not an ELF object"),
            ProblemKind::NotRelocatable => {
                write!(f, "{m}: an ELF file that is not a relocatable object")
            }
            ProblemKind::Damaged(e) => write!(f, "{m}: damaged ({e})"),
            ProblemKind::Mixed(id) => {
                write!(f, "{m}: built for {id}, unlike the members before it")
            }
            ProblemKind::MissingMember(p) => {
                write!(f, "{m}: the thin archive's member {} cannot be read", p.display())
            }
            ProblemKind::NoIndex => write!(f, "it has no symbol index, and ld refuses it without one"),
        }
    }
}

impl Verdict {
    /// Whether GNU ld can link the whole file into a shared object for
    /// `target` (what `-Wl,--whole-archive FILE` would do). Scripts depend
    /// on their inputs, so they answer `None`.
    pub fn links_into_shared_object(&self, target: ElfId) -> Option<bool> {
        match self {
            Verdict::Objects { id, problem, .. } => {
                Some(problem.is_none() && id.map_or(true, |id| id == target))
            }
            Verdict::Empty => Some(true),
            Verdict::Script(_) => None,
            Verdict::NotArchive | Verdict::Damaged(_) => Some(false),
        }
    }
}

/// Inspects the file at `path` (symlinks followed).
pub fn inspect(path: &Path) -> std::io::Result<Verdict> {
    let (bytes, _) = crate::fsx::mapped(path)?;
    inspect_mapped(&bytes, path)
}

/// Inspects the bytes [`crate::fsx::mapped`] gave for `path`: the verdict
/// describes exactly the bytes of the identity it gave with them, which is
/// what a cache entry keyed by that identity needs. An error when the file
/// changed while it was read.
pub fn inspect_mapped(bytes: &crate::fsx::Bytes, path: &Path) -> std::io::Result<Verdict> {
    if bytes.is_empty() {
        return Ok(Verdict::Damaged("an empty file".into()));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    bytes.read(|data| inspect_bytes(data, dir))
}

/// Whether a file's first bytes are an ar archive's magic, GNU or thin:
/// ld goes by them, not by the file's name (a Bazel `libfoo.lo` is an
/// archive, a libtool `foo.lo` is not; issue 31 §6).
pub fn is_archive_head(head: &[u8]) -> bool {
    head.starts_with(b"!<arch>\n") || head.starts_with(b"!<thin>\n")
}

/// Inspects file contents; `dir` is where a thin archive's members and a
/// script's relative inputs are looked for.
pub fn inspect_bytes(data: &[u8], dir: &Path) -> Verdict {
    if is_archive_head(data) {
        return inspect_archive(data, dir);
    }
    if pic::elf_id(data).is_some() {
        // glibc's libmcheck.a is a lone object file named like an archive;
        // ld takes it as one.
        let mut objects = Objects::default();
        objects.add("(the file itself)", Ok(data));
        return objects.into_verdict(false);
    }
    if script::looks_like_script(data) {
        return Verdict::Script(script::inputs(data, dir));
    }
    Verdict::NotArchive
}

fn inspect_archive(data: &[u8], dir: &Path) -> Verdict {
    let archive = match ArchiveFile::parse(data) {
        Ok(a) => a,
        Err(e) => return Verdict::Damaged(e.to_string()),
    };
    let thin = archive.is_thin();
    // GNU ar writes an index (`/`, `/SYM64/`) even when no member defines
    // a global symbol; only `ar S` (or `ar q`) leaves it out.
    let indexed = matches!(archive.symbols(), Ok(Some(_)));
    let mut objects = Objects::default();
    for member in archive.members() {
        let member = match member {
            Ok(m) => m,
            Err(e) => return Verdict::Damaged(e.to_string()),
        };
        let name = String::from_utf8_lossy(member.name()).into_owned();
        if thin {
            let path = dir.join(OsStr::from_bytes(member.name()));
            if read_thin_member(&path, member.size(), |data| objects.add(&name, data)).is_err() {
                // What was read of it says nothing: it is judged changed,
                // for this run only (a thin archive's verdict is never
                // cached).
                let why = format!("its file {} changed while it was read", path.display());
                objects.problem = Some(Problem { member: name.clone(), kind: ProblemKind::Damaged(why) });
            }
        } else {
            match member.data(data) {
                Ok(bytes) => objects.add(&name, Ok(bytes)),
                Err(e) => return Verdict::Damaged(e.to_string()),
            }
        }
        if objects.problem.is_some() {
            // The first problem decides; the rest need not be read.
            break;
        }
    }
    if objects.members == 0 {
        return Verdict::Empty;
    }
    if !indexed && objects.problem.is_none() {
        objects.problem = Some(Problem { member: String::new(), kind: ProblemKind::NoIndex });
    }
    objects.into_verdict(thin)
}

/// A thin archive's member file, mapped. Only a regular file whose size is
/// the one the archive's header gives is read: a FIFO named as a member
/// would hang a read, `/dev/zero` would fill memory, and a file of another
/// size is not the member the archive was built with (ld reads exactly the
/// header's size from it). Its bytes, or why there are none, go to `add`;
/// an error when the file changed while `add` read it.
fn read_thin_member(
    path: &Path,
    size: u64,
    mut add: impl FnMut(Result<&[u8], ProblemKind>),
) -> std::io::Result<()> {
    let (bytes, id) = match crate::fsx::mapped(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            add(Err(ProblemKind::Damaged(format!("its file {} is not a regular file", path.display()))));
            return Ok(());
        }
        Err(_) => {
            add(Err(ProblemKind::MissingMember(path.to_path_buf())));
            return Ok(());
        }
    };
    if id.size != size {
        add(Err(ProblemKind::Damaged(format!(
            "the archive says {size} bytes, but its file {} has {}",
            path.display(),
            id.size
        ))));
        return Ok(());
    }
    if size == 0 {
        add(Ok(&[]));
        return Ok(());
    }
    let mut add = Some(add);
    let read = bytes.read(|data| add.take().map(|mut add| add(Ok(data))));
    match (read, add) {
        (Ok(_), _) => Ok(()),
        // A mapping of the run already found cut short (not read again):
        // missing, as a file that cannot be mapped.
        (Err(_), Some(mut add)) => {
            add(Err(ProblemKind::MissingMember(path.to_path_buf())));
            Ok(())
        }
        (Err(e), None) => Err(e),
    }
}

#[derive(Default)]
struct Objects {
    id: Option<ElfId>,
    members: usize,
    problem: Option<Problem>,
    /// (member, relocation, symbol): judged once every member is read.
    preemptible_refs: Vec<(String, &'static str, String)>,
    bound_locally: foldhash::HashSet<String>,
}

impl Objects {
    fn add(&mut self, name: &str, data: Result<&[u8], ProblemKind>) {
        self.members += 1;
        let mut buffer = Aligned::default();
        let kind_of = |e| match e {
            pic::ScanError::NotElf => ProblemKind::NotElf,
            pic::ScanError::NotRelocatable => ProblemKind::NotRelocatable,
            pic::ScanError::Damaged(e) => ProblemKind::Damaged(e),
        };
        // The header is judged first, at any alignment: only an ELF
        // relocatable object is copied to aligned memory and scanned, so a
        // gigabyte member that is not one costs nothing.
        let scanned = data
            .and_then(|d| pic::precheck(d).map(|_| d).map_err(kind_of))
            .and_then(|d| pic::scan(aligned(d, &mut buffer)).map_err(kind_of));
        let kind = match scanned {
            Ok(scan) => {
                let id = scan.id.expect("a scanned ELF object has an id");
                self.bound_locally.extend(scan.bound_locally);
                self.preemptible_refs
                    .extend(scan.preemptible_refs.into_iter().map(|(r, s)| (name.to_string(), r, s)));
                if *self.id.get_or_insert(id) != id {
                    Some(ProblemKind::Mixed(id))
                } else {
                    scan.finding.map(ProblemKind::Finding)
                }
            }
            Err(kind) => Some(kind),
        };
        if let (Some(kind), None) = (kind, &self.problem) {
            self.problem = Some(Problem { member: name.to_string(), kind });
        }
    }

    fn into_verdict(mut self, thin: bool) -> Verdict {
        if self.problem.is_none() {
            let bound_locally = &self.bound_locally;
            self.problem = self.preemptible_refs.iter().find(|(_, _, s)| !bound_locally.contains(s)).map(
                |(member, reloc, symbol)| Problem {
                    member: member.clone(),
                    kind: ProblemKind::Finding(Finding::NotPic {
                        reloc: reloc.to_string(),
                        symbol: Some(symbol.clone()),
                    }),
                },
            );
        }
        Verdict::Objects { id: self.id, members: self.members, thin, problem: self.problem }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BSD-format archive (long names as `#1/LEN` with the name before
    /// the data), built by hand since GNU ar does not write them.
    fn bsd_archive(name: &str, data: &[u8]) -> Vec<u8> {
        let mut out = b"!<arch>\n".to_vec();
        let header = format!(
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
            format!("#1/{}", name.len()),
            0,
            0,
            0,
            644,
            name.len() + data.len()
        );
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        if out.len() % 2 == 1 {
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn bsd_archives_are_read() {
        let bytes = bsd_archive("a_long_member_name.o", b"not an object at all");
        let verdict = inspect_bytes(&bytes, Path::new("."));
        let Verdict::Objects { members: 1, problem: Some(p), .. } = verdict else { panic!("{verdict:?}") };
        assert_eq!(p.member, "a_long_member_name.o");
        assert_eq!(p.kind, ProblemKind::NotElf);
    }

    /// A thin archive naming `m.o` (beside it) with `size` in its header.
    fn thin_archive(size: usize) -> Vec<u8> {
        let header = format!("{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", "m.o/", 0, 0, 0, 644, size);
        [&b"!<thin>\n"[..], header.as_bytes()].concat()
    }

    fn thin_problem(dir: &Path, size: usize) -> ProblemKind {
        match inspect_bytes(&thin_archive(size), dir) {
            Verdict::Objects { thin: true, problem: Some(p), .. } => p.kind,
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn thin_members_are_read_only_when_regular_and_of_the_header_size() {
        let dir = tempfile::tempdir().unwrap();
        let member = dir.path().join("m.o");
        // Without the file-type check, reading a FIFO waits for a writer
        // forever, and /dev/zero reads until memory runs out.
        crate::fsx::test_support::mkfifo(&member);
        let kind = thin_problem(dir.path(), 10);
        assert!(matches!(&kind, ProblemKind::Damaged(e) if e.contains("not a regular file")), "{kind:?}");
        std::fs::remove_file(&member).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &member).unwrap();
        let kind = thin_problem(dir.path(), 10);
        assert!(matches!(&kind, ProblemKind::Damaged(e) if e.contains("not a regular file")), "{kind:?}");
        std::fs::remove_file(&member).unwrap();
        // A member file of another size than the header's is not the
        // member the archive was built with.
        std::fs::write(&member, b"0123456789abcdef").unwrap();
        let kind = thin_problem(dir.path(), 10);
        assert!(matches!(&kind, ProblemKind::Damaged(e) if e.contains("says 10 bytes")), "{kind:?}");
        // The right size: read, and judged on its contents.
        assert_eq!(thin_problem(dir.path(), 16), ProblemKind::NotElf);
        std::fs::remove_file(&member).unwrap();
        assert_eq!(thin_problem(dir.path(), 16), ProblemKind::MissingMember(member));
    }

    #[test]
    fn a_member_is_judged_by_its_header_at_any_alignment() {
        // An ELF header for a shared object (ET_DYN) at an odd address: it
        // is judged without the member being copied to aligned memory.
        let mut header = [0u8; 65];
        header[1..5].copy_from_slice(b"\x7fELF");
        header[5] = 2; // ELFCLASS64
        header[6] = 1; // little-endian
        header[7] = 1; // EV_CURRENT
        header[17] = 3; // e_type = ET_DYN
        header[19] = 62; // e_machine = EM_X86_64
        assert_eq!(pic::precheck(&header[1..]), Err(pic::ScanError::NotRelocatable));
        assert_eq!(pic::elf_id(&header[1..]), Some(ElfId { class64: true, machine: 62 }));
        header[17] = 1; // ET_REL
        assert_eq!(pic::precheck(&header[1..]), Ok(ElfId { class64: true, machine: 62 }));
        assert_eq!(pic::precheck(b"\0not an ELF file at all"), Err(pic::ScanError::NotElf));
    }

    #[test]
    fn garbage_never_panics() {
        for bytes in
            [&b""[..], b"!<arch>\n", b"!<arch>\nxx", b"!<thin>\n/    ", b"\x7fELF\x02\x01", b"GROUP ( "]
        {
            let _ = inspect_bytes(bytes, Path::new("."));
        }
        assert_eq!(inspect_bytes(b"!<arch>\n", Path::new(".")), Verdict::Empty);
    }
}

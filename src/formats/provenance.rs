//! The `.note.solink` record: what a shared object embeds (issue 13 §1).
//!
//! Each `.so` that solink embeds archives into carries one ELF note, owner
//! `solink`, type [`NT_SOLINK_PROVENANCE`], in an allocated `SHT_NOTE`
//! section named `.note.solink`. Allocated, so `strip` keeps it and a
//! `PT_NOTE` segment covers it (as it covers `.note.gnu.build-id`). The
//! payload format is documented in `docs/provenance.md`; this module
//! encodes it, decodes it (from hostile bytes: every length is checked
//! against what is left and against a limit, nothing panics), builds the
//! small relocatable object that carries it into a link, stores that object
//! content-addressed in the cache directory, and reads notes back from a
//! linked file.
//!
//! Nothing here depends on the time or on a path: the same entries for the
//! same target give the same object bytes, so the output of a link stays
//! reproducible across runs and directories.

use std::fmt;
use std::io;
use std::path::Path;

use object::elf;
use object::read::elf::{FileHeader, NoteIterator, ProgramHeader, SectionHeader};
use object::{Endianness, FileKind};
use sha2::{Digest as _, Sha256};

use crate::formats::archive::ElfId;
use crate::formats::symbols::Sizes;

/// The note's owner name (the bytes before the NUL of `namesz`).
pub const NOTE_NAME: &[u8] = b"solink";
/// The note type. An owner name scopes its types (gABI "Note Section"), so
/// 1 cannot collide with GNU's or anyone else's.
pub const NT_SOLINK_PROVENANCE: u32 = 1;
/// The section the note lives in.
pub const SECTION: &str = ".note.solink";
/// The payload format version this solink writes. It reads this one,
/// [`VERSION_2`] and [`VERSION_1`].
pub const VERSION: u32 = 3;
/// The format of issue 22: each entry without the global symbols its
/// members define (so the audit cannot tell from the output whether its
/// code can interpose), and with a package URL even without a package.
pub const VERSION_2: u32 = 2;
/// The first format, which solinks before issue 22 wrote: an entry without
/// package version, package URL or sizes.
pub const VERSION_1: u32 = 1;
/// The digest algorithm of [`Digest`]: SHA-256 of the archive file's bytes.
pub const DIGEST_SHA256: u32 = 1;

/// Limits on what a payload may hold. `encode` refuses past them and
/// `decode` rejects past them, so whatever one writes the other reads.
pub const MAX_PAYLOAD: usize = 16 << 20;
pub const MAX_ENTRIES: usize = 4096;
pub const MAX_MEMBERS: usize = 1 << 16;
pub const MAX_STRING: usize = 4096;
/// The most global symbol names one entry records (format 3); past it, the
/// first ones in name order and bit 3 of its flags.
pub const MAX_SYMBOLS: usize = 1 << 16;
/// The most bytes of notes [`read_notes`] collects from one file.
const MAX_NOTES_TOTAL: usize = 64 << 20;

/// A SHA-256 digest of an archive file's bytes: a real content digest, so
/// two copies of one archive in two `.so`s are recognised as the same bytes
/// whatever their paths, and two different builds are told apart.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn of_bytes(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// The digest of a regular file (an archive can be 100 MB: it is never
    /// held in memory whole). Cached by the file's identity:
    /// `store::file_digest`.
    pub fn of_file(path: &Path) -> io::Result<Digest> {
        let (file, id) = crate::fsx::open_regular(path)?;
        Digest::of_open(&file, id.size)
    }

    /// The digest of the `size` bytes of an open regular file, read in
    /// pieces at their offsets (`pread`: a descriptor another thread
    /// shares keeps its own offset). A file that is not `size` bytes long
    /// when it is read (cut short, or grown, since its `fstat`) is an
    /// error: the digest would not be the one of the file version the
    /// caller identified.
    ///
    /// Read, not mapped: hashing a 121 MB archive from the page cache took
    /// 16% longer from a mapping than through a 64 KiB buffer (114 ms
    /// against 98, 25 alternating runs each on the project's machine):
    /// the page faults and the unmapping of 30,000 pages cost more than
    /// the kernel's copy into a buffer that stays in the CPU's cache
    /// (docs/performance.md, issue 34 §6).
    pub fn of_open(file: &std::fs::File, size: u64) -> io::Result<Digest> {
        use std::os::unix::fs::FileExt;
        let changed = || io::Error::new(io::ErrorKind::UnexpectedEof, "the file changed while it was read");
        let mut hasher = Sha256::new();
        let mut buf = vec![0; 1 << 16];
        let mut at = 0u64;
        loop {
            // One byte past `size`, to see that the file ends there.
            let want = usize::try_from((size - at).min(buf.len() as u64)).unwrap_or(buf.len()).max(1);
            match file.read_at(&mut buf[..want], at) {
                Ok(0) if at == size => break,
                Ok(0) => return Err(changed()),
                Ok(_) if at == size => return Err(changed()),
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    at += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Digest(hasher.finalize().into()))
    }

    pub fn from_hex(hex: &str) -> Option<Digest> {
        let b = hex.as_bytes();
        if b.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, pair) in b.chunks(2).enumerate() {
            out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(Digest(out))
    }

    pub fn hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        out
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.hex())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

/// The package an embedded archive is part of, from the `.pc` that names
/// it: the `.pc`'s name (its file name's stem, what `pkg-config` is asked
/// for) and its `Version`. The provenance note records it (issue 22).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: Option<String>,
}

/// One embedded archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The library name: `foo` for `-lfoo` or `libfoo.a`.
    pub library: String,
    /// The archive's file name, without its directory (`libfoo.a`): an
    /// absolute path would make the output depend on where it was built.
    pub file: String,
    pub digest: Digest,
    /// The members ld pulled in, in the order given.
    pub members: Vec<String>,
    /// Whether the archive's symbols were hidden (`--hide`), so each `.so`
    /// that embeds it keeps its own copy of its state.
    pub hidden: bool,
    /// Whether the link exports some of its symbols by name (`--export`,
    /// `--export-archive`: issue 23), whatever `--hide` says of the rest.
    pub exported: bool,
    /// Issue 35: linked as a private copy (`--isolate`): its symbols are
    /// local to it but those the rest of the link uses, so another copy in
    /// the process is no clash.
    pub private: bool,
    /// The package's version, when a `.pc` that names the archive says one
    /// (format 2; `None` in a format-1 note).
    pub version: Option<String>,
    /// A package URL (`pkg:generic/NAME[@VERSION]`, [`purl`]) from the
    /// `.pc` that names the archive. `None` when nothing gives the archive
    /// a package identity (no `.pc`, no version): the project's own code,
    /// a convenience archive, never an invented package (issue 32 §6). A
    /// format-1 entry has none; a format-2 entry whose purl was made from
    /// the library name alone, with no version, reads as none.
    pub purl: Option<String>,
    /// What the members ld pulled add to the output, by kind (format 2;
    /// `None` in a format-1 note, or when they were not measured).
    pub sizes: Option<Sizes>,
    /// The global symbols the pulled members define, sorted (format 3;
    /// `None` before it). The audit reads the output's `.dynsym` for them:
    /// any of them there, defined and visible, and this copy's code can
    /// interpose; none, and the copy is private (issue 32 §1).
    pub symbols: Option<Symbols>,
}

/// The global symbols an entry's members define, as format 3 records them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Symbols {
    /// Sorted, each once.
    pub names: Vec<String>,
    /// Not every one is recorded: past [`MAX_SYMBOLS`], or a name that is
    /// not UTF-8 (flag bit 3). Then no name of the output's `.dynsym`
    /// proves a copy private.
    pub cut: bool,
}

impl Symbols {
    /// The names of `defined` (any bytes), sorted and bounded.
    pub fn of<'a>(defined: impl IntoIterator<Item = &'a [u8]>) -> Symbols {
        let mut cut = false;
        let mut names: Vec<String> = defined
            .into_iter()
            .filter_map(|n| match std::str::from_utf8(n) {
                Ok(s) if s.len() <= MAX_STRING => Some(s.to_string()),
                _ => {
                    cut = true;
                    None
                }
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        if names.len() > MAX_SYMBOLS {
            names.truncate(MAX_SYMBOLS);
            cut = true;
        }
        Symbols { names, cut }
    }
}

/// The package URL of a package (purl-spec, `PURL-SPECIFICATION.rst`):
/// type `generic`, no namespace; the name and the version percent-encoded,
/// every byte but ASCII letters, digits and `.-_~` as `%XX` (so `+` is
/// `%2B`, as the spec requires); no `@VERSION` without a version.
pub fn purl(name: &str, version: Option<&str>) -> String {
    fn encoded(out: &mut String, s: &str) {
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                out.push('%');
                out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
                out.push(char::from(HEX_UPPER[usize::from(b & 0xf)]));
            }
        }
    }
    let mut out = String::from("pkg:generic/");
    encoded(&mut out, name);
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        out.push('@');
        encoded(&mut out, v);
    }
    out
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

impl Entry {
    /// The entry for the archive at `path`: its base name and its digest.
    pub fn for_archive(library: &str, path: &Path, members: Vec<String>, hidden: bool) -> io::Result<Entry> {
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(Entry {
            library: library.to_string(),
            file,
            digest: Digest::of_file(path)?,
            members,
            hidden,
            exported: false,
            private: false,
            version: None,
            purl: None,
            sizes: None,
            symbols: None,
        })
    }
}

/// Why a payload cannot be written or read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// Shorter than its lengths say.
    Truncated,
    /// A count or length past the limits above.
    TooLarge(&'static str),
    /// A version this solink does not know (a newer solink wrote it).
    UnknownVersion(u32),
    UnknownDigest(u32),
    /// A name that is not UTF-8, or a file name with a `/`.
    BadString,
    /// Bytes after the last entry.
    TrailingBytes,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Truncated => write!(f, "the note is truncated"),
            FormatError::TooLarge(what) => write!(f, "the note has too many {what}"),
            FormatError::UnknownVersion(v) => {
                write!(
                    f,
                    "the note has format version {v}, which this solink does not read; use a newer solink"
                )
            }
            FormatError::UnknownDigest(a) => write!(f, "the note uses digest algorithm {a}, unknown here"),
            FormatError::BadString => write!(f, "the note holds a name that is not UTF-8 or not a file name"),
            FormatError::TrailingBytes => write!(f, "the note has bytes after its last entry"),
        }
    }
}

impl std::error::Error for FormatError {}

/// The payload (the note's descriptor) for `entries`, version 3. All
/// integers are little-endian, whatever the target's byte order: the
/// payload is opaque bytes to ELF, and one layout is simpler to read.
///
/// ```text
/// version u32 (3), count u32, then per entry:
///   flags u32 (bit 0: hidden; bit 1: exported by name; bit 2: sizes not
///   measured; bit 3: not every global symbol recorded; bit 4: a private
///   copy, issue 35), library str, file str,
///   digest algorithm u32 (1: SHA-256), digest length u32, digest bytes,
///   member count u32, member str...,
///   (format 2 from here) package version str (empty: none), purl str,
///   code u64, data u64, bss u64,
///   (format 3 from here) symbol count u32, symbol str...
/// str = length u32, UTF-8 bytes (no NUL)
/// ```
pub fn encode(entries: &[Entry]) -> Result<Vec<u8>, FormatError> {
    if entries.len() > MAX_ENTRIES {
        return Err(FormatError::TooLarge("entries"));
    }
    let mut out = Vec::new();
    put_u32(&mut out, VERSION);
    put_u32(&mut out, entries.len() as u32);
    for e in entries {
        if e.file.contains('/') {
            return Err(FormatError::BadString);
        }
        if e.members.len() > MAX_MEMBERS {
            return Err(FormatError::TooLarge("members"));
        }
        let symbols = e.symbols.clone().unwrap_or(Symbols { names: Vec::new(), cut: true });
        if symbols.names.len() > MAX_SYMBOLS {
            return Err(FormatError::TooLarge("symbols"));
        }
        let flags = u32::from(e.hidden)
            | u32::from(e.exported) << 1
            | u32::from(e.sizes.is_none()) << 2
            | u32::from(symbols.cut) << 3
            | u32::from(e.private) << 4;
        put_u32(&mut out, flags);
        put_str(&mut out, &e.library)?;
        put_str(&mut out, &e.file)?;
        put_u32(&mut out, DIGEST_SHA256);
        put_u32(&mut out, e.digest.0.len() as u32);
        out.extend_from_slice(&e.digest.0);
        put_u32(&mut out, e.members.len() as u32);
        for m in &e.members {
            put_str(&mut out, m)?;
        }
        put_str(&mut out, e.version.as_deref().unwrap_or_default())?;
        put_str(&mut out, e.purl.as_deref().unwrap_or_default())?;
        let sizes = e.sizes.unwrap_or_default();
        for n in [sizes.code, sizes.data, sizes.bss] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        put_u32(&mut out, symbols.names.len() as u32);
        for name in &symbols.names {
            put_str(&mut out, name)?;
        }
        if out.len() > MAX_PAYLOAD {
            return Err(FormatError::TooLarge("bytes"));
        }
    }
    Ok(out)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Result<(), FormatError> {
    if s.len() > MAX_STRING {
        return Err(FormatError::TooLarge("bytes in a name"));
    }
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// Reads a payload written by [`encode`]. Fed any bytes, it returns an
/// error rather than panicking or allocating past what the bytes hold.
pub fn decode(bytes: &[u8]) -> Result<Vec<Entry>, FormatError> {
    if bytes.len() > MAX_PAYLOAD {
        return Err(FormatError::TooLarge("bytes"));
    }
    let mut r = Reader(bytes);
    let version = r.u32()?;
    if !matches!(version, VERSION | VERSION_2 | VERSION_1) {
        return Err(FormatError::UnknownVersion(version));
    }
    let count = r.u32()? as usize;
    if count > MAX_ENTRIES {
        return Err(FormatError::TooLarge("entries"));
    }
    let mut entries = Vec::new();
    for _ in 0..count {
        // Bits other than 0 to 4 are reserved: a later version may set them
        // for facts an older reader can ignore.
        let flags = r.u32()?;
        let (hidden, exported, private) = (flags & 1 == 1, flags & 2 == 2, flags & 16 == 16);
        let library = r.string()?;
        let file = r.string()?;
        if file.contains('/') {
            return Err(FormatError::BadString);
        }
        let algorithm = r.u32()?;
        let len = r.u32()? as usize;
        if algorithm != DIGEST_SHA256 || len != 32 {
            return Err(FormatError::UnknownDigest(algorithm));
        }
        let digest = Digest(r.take(32)?.try_into().map_err(|_| FormatError::Truncated)?);
        let members_count = r.u32()? as usize;
        if members_count > MAX_MEMBERS {
            return Err(FormatError::TooLarge("members"));
        }
        let mut members = Vec::new();
        for _ in 0..members_count {
            members.push(r.string()?);
        }
        let (package_version, purl, sizes) = if version == VERSION_1 {
            (None, None, None)
        } else {
            let v = Some(r.string()?).filter(|v| !v.is_empty());
            let purl = Some(r.string()?).filter(|p| !p.is_empty());
            // Format 2 wrote `pkg:generic/LIBRARY` for an archive nothing
            // named: an identity it invented, not one it read.
            let purl =
                purl.filter(|p| version != VERSION_2 || v.is_some() || *p != self::purl(&library, None));
            let sizes = Sizes { code: r.u64()?, data: r.u64()?, bss: r.u64()? };
            (v, purl, (flags & 4 == 0).then_some(sizes))
        };
        let symbols = if version == VERSION {
            let n = r.u32()? as usize;
            if n > MAX_SYMBOLS {
                return Err(FormatError::TooLarge("symbols"));
            }
            let mut names = Vec::new();
            for _ in 0..n {
                names.push(r.string()?);
            }
            Some(Symbols { names, cut: flags & 8 == 8 })
        } else {
            None
        };
        entries.push(Entry {
            library,
            file,
            digest,
            members,
            hidden,
            exported,
            private,
            version: package_version,
            purl,
            sizes,
            symbols,
        });
    }
    if !r.0.is_empty() {
        return Err(FormatError::TrailingBytes);
    }
    Ok(entries)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if n > self.0.len() {
            return Err(FormatError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| FormatError::Truncated)?))
    }

    fn u64(&mut self) -> Result<u64, FormatError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| FormatError::Truncated)?))
    }

    fn string(&mut self) -> Result<String, FormatError> {
        let len = self.u32()? as usize;
        if len > MAX_STRING {
            return Err(FormatError::TooLarge("bytes in a name"));
        }
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| FormatError::BadString)
    }
}

/// What the note object is built for: the link's ELF class and machine,
/// its byte order, and its `e_flags`. ld refuses to mix objects whose
/// `e_flags` disagree on some targets (RISC-V's float ABI, ARM's EABI
/// version, MIPS's ABI), so there they must be copied from an input object
/// of the link ([`Target::of_object`]); x86 and aarch64 use none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub id: ElfId,
    pub big_endian: bool,
    pub e_flags: u32,
}

impl Target {
    /// A little-endian target with no `e_flags`: right for x86-64, i386,
    /// aarch64 and x32.
    pub fn of_id(id: ElfId) -> Target {
        Target { id, big_endian: false, e_flags: 0 }
    }

    /// The target of an ELF file (an input object of the link).
    pub fn of_object(data: &[u8]) -> Option<Target> {
        fn of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<Target> {
            let h = E::parse(data).ok()?;
            let endian = h.endian().ok()?;
            Some(Target {
                id: ElfId { class64: h.is_class_64(), machine: h.e_machine(endian) },
                big_endian: endian == Endianness::Big,
                e_flags: h.e_flags(endian),
            })
        }
        match FileKind::parse(data).ok()? {
            FileKind::Elf32 => of::<elf::FileHeader32<Endianness>>(data),
            FileKind::Elf64 => of::<elf::FileHeader64<Endianness>>(data),
            _ => None,
        }
    }
}

/// Why no note object can be built.
#[derive(Debug)]
pub enum BuildError {
    Format(FormatError),
    /// A machine the `object` writer has no architecture for.
    Machine(ElfId),
    Write(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Format(e) => write!(f, "{e}"),
            BuildError::Machine(id) => write!(f, "cannot write a note object for {id}"),
            BuildError::Write(e) => write!(f, "cannot write the note object: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// The `object` crate's architecture for an ELF class and machine.
fn architecture(id: ElfId) -> Option<object::Architecture> {
    use object::Architecture as A;
    Some(match (id.machine, id.class64) {
        (elf::EM_X86_64, true) => A::X86_64,
        (elf::EM_X86_64, false) => A::X86_64_X32,
        (elf::EM_386, false) => A::I386,
        (elf::EM_AARCH64, true) => A::Aarch64,
        (elf::EM_AARCH64, false) => A::Aarch64_Ilp32,
        (elf::EM_ARM, false) => A::Arm,
        (elf::EM_RISCV, true) => A::Riscv64,
        (elf::EM_RISCV, false) => A::Riscv32,
        (elf::EM_PPC64, true) => A::PowerPc64,
        (elf::EM_PPC, false) => A::PowerPc,
        (elf::EM_S390, true) => A::S390x,
        (elf::EM_LOONGARCH, true) => A::LoongArch64,
        (elf::EM_MIPS, true) => A::Mips64,
        (elf::EM_MIPS, false) => A::Mips,
        (elf::EM_SPARCV9, true) => A::Sparc64,
        _ => return None,
    })
}

/// The note itself (header, name, descriptor), in the target's byte order,
/// 4-byte aligned as the gABI lays out notes.
pub fn note_bytes(desc: &[u8], big_endian: bool) -> Vec<u8> {
    let word = |v: u32| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut out = Vec::with_capacity(24 + desc.len());
    out.extend_from_slice(&word(NOTE_NAME.len() as u32 + 1));
    out.extend_from_slice(&word(desc.len() as u32));
    out.extend_from_slice(&word(NT_SOLINK_PROVENANCE));
    out.extend_from_slice(NOTE_NAME);
    out.push(0);
    pad4(&mut out);
    out.extend_from_slice(desc);
    pad4(&mut out);
    out
}

fn pad4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// A relocatable ELF object holding only the note, for the link to add.
///
/// Besides `.note.solink` it has an empty `.note.GNU-stack`, as every
/// object gcc writes does: GNU ld takes an input without one to need an
/// executable stack (ld(1), `-z execstack`; binutils 2.39 warns "missing
/// .note.GNU-stack section implies executable stack"), which would change
/// the output's `PT_GNU_STACK`. It defines no symbol and has no
/// relocation, so it changes nothing else: the output gains the section,
/// covered by the `PT_NOTE` segment ld makes for allocated notes.
pub fn note_object(entries: &[Entry], target: Target) -> Result<Vec<u8>, BuildError> {
    let desc = encode(entries).map_err(BuildError::Format)?;
    let arch = architecture(target.id).ok_or(BuildError::Machine(target.id))?;
    let endian = if target.big_endian { Endianness::Big } else { Endianness::Little };
    let mut obj = object::write::Object::new(object::BinaryFormat::Elf, arch, endian);
    obj.flags = object::FileFlags::Elf { os_abi: 0, abi_version: 0, e_flags: target.e_flags };
    let note = obj.add_section(Vec::new(), SECTION.as_bytes().to_vec(), object::SectionKind::Note);
    obj.section_mut(note).flags = object::SectionFlags::Elf { sh_flags: u64::from(elf::SHF_ALLOC) };
    obj.set_section_data(note, note_bytes(&desc, target.big_endian), 4);
    let stack =
        obj.add_section(Vec::new(), b".note.GNU-stack".to_vec(), object::SectionKind::Elf(elf::SHT_PROGBITS));
    obj.section_mut(stack).flags = object::SectionFlags::Elf { sh_flags: 0 };
    if let Some(pr_type) = feature_and_property(target.id) {
        let property = obj.add_section(Vec::new(), b".note.gnu.property".to_vec(), object::SectionKind::Note);
        obj.section_mut(property).flags = object::SectionFlags::Elf { sh_flags: u64::from(elf::SHF_ALLOC) };
        let align = if target.id.class64 { 8 } else { 4 };
        obj.set_section_data(property, property_note(pr_type, target), align);
    }
    obj.write().map_err(|e| BuildError::Write(e.to_string()))
}

/// The `GNU_PROPERTY_*_FEATURE_1_AND` property of targets whose linker
/// ANDs it over all inputs: x86's (IBT, SHSTK: `-fcf-protection`) and
/// aarch64's (BTI, PAC). ld drops such a property from the output when one
/// input lacks it, so a note object without it would turn CET or BTI off
/// for a `.so` built with them (checked with GNU ld 2.40: IBT and SHSTK were
/// gone). With every bit set, the AND leaves the other inputs' bits as they
/// are, and an output none of whose other inputs has the property still has
/// none.
fn feature_and_property(id: ElfId) -> Option<u32> {
    match id.machine {
        elf::EM_X86_64 | elf::EM_386 => Some(elf::GNU_PROPERTY_X86_FEATURE_1_AND),
        elf::EM_AARCH64 => Some(elf::GNU_PROPERTY_AARCH64_FEATURE_1_AND),
        _ => None,
    }
}

/// An `NT_GNU_PROPERTY_TYPE_0` note with one 4-byte property of value
/// all ones; its array is padded to 8 bytes on ELF64, 4 on ELF32, as the
/// x86-64 and aarch64 psABIs lay `.note.gnu.property` out.
fn property_note(pr_type: u32, target: Target) -> Vec<u8> {
    let word = |v: u32| if target.big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut desc = Vec::new();
    desc.extend_from_slice(&word(pr_type));
    desc.extend_from_slice(&word(4));
    desc.extend_from_slice(&word(u32::MAX));
    if target.id.class64 {
        desc.extend_from_slice(&[0; 4]);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&word(4));
    out.extend_from_slice(&word(desc.len() as u32));
    out.extend_from_slice(&word(elf::NT_GNU_PROPERTY_TYPE_0));
    out.extend_from_slice(b"GNU\0");
    out.extend_from_slice(&desc);
    out
}

/// The largest file [`read_notes`] maps (a debug build of a big library
/// can be gigabytes; notes sit near its start, but the mapping is cheap).
const MAX_FILE: u64 = 16 << 30;

/// Why the notes of a file cannot be read.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    NotElf,
    Damaged(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotElf => write!(f, "not an ELF file"),
            ReadError::Damaged(e) => write!(f, "a damaged ELF file ({e})"),
        }
    }
}

impl std::error::Error for ReadError {}

/// The payloads of every solink note in the ELF file at `path`, not yet
/// decoded: from its `PT_NOTE` segments (what survives `strip` and
/// `sstrip`), or for a file with no program headers (a relocatable object)
/// from its `SHT_NOTE` sections.
pub fn read_note_payloads(path: &Path) -> Result<Vec<Vec<u8>>, ReadError> {
    let (map, id) = crate::fsx::mapped(path).map_err(ReadError::Io)?;
    if id.size > MAX_FILE {
        return Err(ReadError::Io(io::Error::new(io::ErrorKind::InvalidData, "too large")));
    }
    if id.size == 0 {
        return Err(ReadError::NotElf);
    }
    map.read(payloads_in).map_err(ReadError::Io)?
}

/// [`read_note_payloads`] on bytes already read.
pub fn payloads_in(data: &[u8]) -> Result<Vec<Vec<u8>>, ReadError> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => payloads_of::<elf::FileHeader32<Endianness>>(data),
        Ok(FileKind::Elf64) => payloads_of::<elf::FileHeader64<Endianness>>(data),
        _ => Err(ReadError::NotElf),
    }
}

fn payloads_of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<Vec<Vec<u8>>, ReadError> {
    let damaged = |e: object::read::Error| ReadError::Damaged(e.to_string());
    let header = E::parse(data).map_err(damaged)?;
    let endian = header.endian().map_err(damaged)?;
    let mut out = Vec::new();
    let mut total = 0;
    let mut collect = |notes: Option<NoteIterator<'_, E>>| -> Result<(), ReadError> {
        let Some(mut notes) = notes else { return Ok(()) };
        while let Some(note) = notes.next().map_err(damaged)? {
            if note.name() == NOTE_NAME && note.n_type(endian) == NT_SOLINK_PROVENANCE {
                total += note.desc().len();
                if total > MAX_NOTES_TOTAL {
                    return Err(ReadError::Damaged("more notes than any link writes".into()));
                }
                out.push(note.desc().to_vec());
            }
        }
        Ok(())
    };
    let segments = header.program_headers(endian, data).map_err(damaged)?;
    if !segments.is_empty() {
        for segment in segments {
            collect(segment.notes(endian, data).map_err(damaged)?)?;
        }
    } else {
        for section in header.sections(endian, data).map_err(damaged)?.iter() {
            collect(section.notes(endian, data).map_err(damaged)?)?;
        }
    }
    Ok(out)
}

/// The entries recorded in the ELF file at `path`, every note's in turn.
/// A file with no solink note has none. A note this solink cannot decode is
/// an error (`InvalidData`), not silently nothing.
pub fn read_notes(path: &Path) -> Result<Vec<Entry>, ReadError> {
    let mut entries = Vec::new();
    for payload in read_note_payloads(path)? {
        let decoded = decode(&payload)
            .map_err(|e| ReadError::Io(io::Error::new(io::ErrorKind::InvalidData, e.to_string())))?;
        entries.extend(decoded);
    }
    Ok(entries)
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests look at files freely
mod tests {
    use super::*;

    fn entry(library: &str, hidden: bool) -> Entry {
        Entry {
            library: library.into(),
            file: format!("lib{library}.a"),
            digest: Digest::of_bytes(library.as_bytes()),
            members: vec!["a.o".into(), "b.o".into()],
            hidden,
            exported: false,
            private: false,
            version: Some("1.2".into()),
            purl: Some(purl(library, Some("1.2"))),
            sizes: Some(Sizes { code: 100, data: 8, bss: 1 << 40 }),
            symbols: Some(Symbols { names: vec!["a_get".into(), format!("{library}_get")], cut: false }),
        }
    }

    const X86_64: ElfId = ElfId { class64: true, machine: elf::EM_X86_64 };

    #[test]
    fn entries_round_trip() {
        let exported = Entry { exported: true, ..entry("api", true) };
        let unmeasured = Entry {
            sizes: None,
            version: None,
            purl: None,
            symbols: Some(Symbols { names: vec![], cut: true }),
            ..entry("x", false)
        };
        for entries in [
            vec![],
            vec![entry("foo", false)],
            vec![entry("foo", true), entry("bär", false), exported, unmeasured],
        ] {
            let bytes = encode(&entries).unwrap();
            assert_eq!(decode(&bytes).unwrap(), entries);
        }
    }

    /// A format-1 payload for one entry (`libz.a`, hidden, member `m.o`),
    /// laid out as docs/provenance.md says and as solinks before issue 22
    /// wrote it.
    fn format_1_payload() -> Vec<u8> {
        let mut want = Vec::new();
        // version, count, flags (hidden), then the library name's length.
        for w in [1u32, 1, 1, 1] {
            want.extend_from_slice(&w.to_le_bytes());
        }
        want.push(b'z');
        want.extend_from_slice(&6u32.to_le_bytes());
        want.extend_from_slice(b"libz.a");
        want.extend_from_slice(&1u32.to_le_bytes());
        want.extend_from_slice(&32u32.to_le_bytes());
        want.extend_from_slice(&[7; 32]);
        want.extend_from_slice(&1u32.to_le_bytes());
        want.extend_from_slice(&3u32.to_le_bytes());
        want.extend_from_slice(b"m.o");
        want
    }

    fn z_entry() -> Entry {
        Entry {
            library: "z".into(),
            file: "libz.a".into(),
            digest: Digest([7; 32]),
            members: vec!["m.o".into()],
            hidden: true,
            exported: false,
            private: false,
            version: None,
            purl: None,
            sizes: None,
            symbols: None,
        }
    }

    #[test]
    fn a_format_1_payload_still_reads() {
        assert_eq!(decode(&format_1_payload()).unwrap(), vec![z_entry()]);
        let mut v2_flag = format_1_payload();
        v2_flag[8] = 1 | 4;
        assert_eq!(decode(&v2_flag).unwrap(), vec![z_entry()], "bit 2 means nothing in format 1");
    }

    #[test]
    fn the_layout_is_the_documented_one() {
        let e = Entry {
            version: Some("1.3.1".into()),
            purl: Some("pkg:generic/zlib@1.3.1".into()),
            sizes: Some(Sizes { code: 0x1_0000_0002, data: 3, bss: 4 }),
            symbols: Some(Symbols { names: vec!["deflate".into()], cut: false }),
            ..z_entry()
        };
        // Format 1's entry, under version 3, then the package version, the
        // purl, three u64 sizes and the symbols.
        let mut want = format_1_payload();
        want[..4].copy_from_slice(&3u32.to_le_bytes());
        want.extend_from_slice(&5u32.to_le_bytes());
        want.extend_from_slice(b"1.3.1");
        want.extend_from_slice(&22u32.to_le_bytes());
        want.extend_from_slice(b"pkg:generic/zlib@1.3.1");
        for n in [0x1_0000_0002u64, 3, 4] {
            want.extend_from_slice(&n.to_le_bytes());
        }
        want.extend_from_slice(&1u32.to_le_bytes());
        want.extend_from_slice(&7u32.to_le_bytes());
        want.extend_from_slice(b"deflate");
        assert_eq!(encode(std::slice::from_ref(&e)).unwrap(), want);
        assert_eq!(decode(&want).unwrap(), vec![e]);
        // Not measured: bit 2, and zeros; no package: an empty purl; the
        // symbols not known: bit 3 and none.
        let mut want = format_1_payload();
        want[..4].copy_from_slice(&3u32.to_le_bytes());
        want[8] = 1 | 4 | 8;
        want.extend_from_slice(&0u32.to_le_bytes());
        want.extend_from_slice(&0u32.to_le_bytes());
        want.extend_from_slice(&[0; 24]);
        want.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(encode(&[z_entry()]).unwrap(), want);
    }

    /// Format 2 as issue 22's solinks wrote it: a purl made from the
    /// library name alone, with no version, was invented and reads as none;
    /// one with a version was read from a `.pc` and is kept.
    #[test]
    fn a_format_2_payload_still_reads_without_invented_purls() {
        let format_2 = |version: &str, purl: &str| {
            let mut p = format_1_payload();
            p[..4].copy_from_slice(&2u32.to_le_bytes());
            p[8] = 1 | 4;
            p.extend_from_slice(&(version.len() as u32).to_le_bytes());
            p.extend_from_slice(version.as_bytes());
            p.extend_from_slice(&(purl.len() as u32).to_le_bytes());
            p.extend_from_slice(purl.as_bytes());
            p.extend_from_slice(&[0; 24]);
            p
        };
        assert_eq!(decode(&format_2("", "pkg:generic/z")).unwrap(), vec![z_entry()]);
        let zlib = decode(&format_2("1.3", "pkg:generic/zlib@1.3")).unwrap();
        assert_eq!((zlib[0].purl.as_deref(), zlib[0].symbols.as_ref()), (Some("pkg:generic/zlib@1.3"), None));
        let named = decode(&format_2("", "pkg:generic/zlib")).unwrap();
        assert_eq!(named[0].purl.as_deref(), Some("pkg:generic/zlib"), "a .pc's name, not the library's");
    }

    #[test]
    fn symbols_are_sorted_once_and_bounded() {
        let s = Symbols::of([&b"b"[..], b"a", b"b", b"\xff"]);
        assert_eq!(s, Symbols { names: vec!["a".into(), "b".into()], cut: true });
        let many: Vec<Vec<u8>> = (0..MAX_SYMBOLS + 1).map(|i| format!("s{i:06}").into_bytes()).collect();
        let s = Symbols::of(many.iter().map(Vec::as_slice));
        assert!(s.cut && s.names.len() == MAX_SYMBOLS);
    }

    #[test]
    fn package_urls_are_percent_encoded() {
        assert_eq!(purl("zlib", Some("1.3.1")), "pkg:generic/zlib@1.3.1");
        assert_eq!(purl("foo", None), "pkg:generic/foo");
        assert_eq!(purl("foo", Some("")), "pkg:generic/foo", "an empty Version is none");
        assert_eq!(purl("gtk+-3.0", Some("3.24.38+git 1")), "pkg:generic/gtk%2B-3.0@3.24.38%2Bgit%201");
        assert_eq!(purl("a/b@c", Some("1:2")), "pkg:generic/a%2Fb%40c@1%3A2");
        assert_eq!(purl("bär", None), "pkg:generic/b%C3%A4r");
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        let good = encode(&[entry("foo", false), entry("bar", true)]).unwrap();
        // Every truncation, and every single-byte change, decodes or fails
        // cleanly.
        for n in 0..good.len() {
            assert!(decode(&good[..n]).is_err(), "truncated at {n}");
        }
        for i in 0..good.len() {
            for v in [0u8, 0x7f, 0xff] {
                let mut bad = good.clone();
                bad[i] = v;
                let _ = decode(&bad);
            }
        }
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing), Err(FormatError::TrailingBytes));
        // Counts that promise more than the bytes hold allocate nothing.
        let mut huge = Vec::new();
        for w in [1u32, 4096, 0, 0xffff_fff0] {
            huge.extend_from_slice(&w.to_le_bytes());
        }
        assert_eq!(decode(&huge), Err(FormatError::TooLarge("bytes in a name")));
        let mut many = 1u32.to_le_bytes().to_vec();
        many.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decode(&many), Err(FormatError::TooLarge("entries")));
        assert_eq!(decode(&4u32.to_le_bytes()), Err(FormatError::UnknownVersion(4)));
        assert_eq!(decode(&0u32.to_le_bytes()), Err(FormatError::UnknownVersion(0)));
        // Format 1, cut and altered everywhere, likewise.
        let v1 = format_1_payload();
        for n in 0..v1.len() {
            assert!(decode(&v1[..n]).is_err(), "format 1 truncated at {n}");
        }
        for i in 0..v1.len() {
            let mut bad = v1.clone();
            bad[i] ^= 0xff;
            let _ = decode(&bad);
        }
        // A pseudo-random stream of inputs.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in 0..2000 {
            let bytes: Vec<u8> = (0..len % 97)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let _ = decode(&bytes);
            let _ = payloads_in(&bytes);
        }
    }

    #[test]
    fn a_damaged_note_object_is_an_error_never_a_panic() {
        let entries = vec![entry("foo", false)];
        let good = note_object(&entries, Target::of_id(X86_64)).unwrap();
        for i in 0..good.len() {
            for v in [0u8, 1, 0x7f, 0xff] {
                let mut bad = good.clone();
                bad[i] = v;
                if let Ok(payloads) = payloads_in(&bad) {
                    for p in payloads {
                        let _ = decode(&p);
                    }
                }
            }
        }
        for n in 0..good.len() {
            let _ = payloads_in(&good[..n]);
        }
    }

    #[test]
    fn a_path_is_never_written_as_a_file_name() {
        let mut e = entry("foo", false);
        e.file = "/home/me/libfoo.a".into();
        assert_eq!(encode(&[e]), Err(FormatError::BadString));
        let e = Entry::for_archive("x", Path::new("/dev/null/nothing"), vec![], false);
        assert!(e.is_err());
    }

    #[test]
    fn the_note_is_laid_out_as_the_gabi_says() {
        let n = note_bytes(b"abcde", false);
        assert_eq!(&n[..12], &[7, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0]);
        assert_eq!(&n[12..20], b"solink\0\0");
        assert_eq!(&n[20..25], b"abcde");
        assert_eq!(n.len(), 28, "the descriptor is padded to 4 bytes");
        assert_eq!(&note_bytes(b"", true)[..4], &[0, 0, 0, 7]);
    }

    #[test]
    fn the_object_is_deterministic_and_reads_back() {
        let entries = vec![entry("foo", false), entry("bar", true)];
        let a = note_object(&entries, Target::of_id(X86_64)).unwrap();
        let b = note_object(&entries, Target::of_id(X86_64)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, note_object(&entries[..1], Target::of_id(X86_64)).unwrap());
        assert_eq!(Target::of_object(&a), Some(Target::of_id(X86_64)));
        let payloads = payloads_in(&a).unwrap();
        assert_eq!(payloads.len(), 1);
        assert_eq!(decode(&payloads[0]).unwrap(), entries);
        use object::{Object, ObjectSection, ObjectSymbol};
        let file = object::File::parse(&*a).unwrap();
        let section = file.section_by_name(SECTION).unwrap();
        let object::SectionFlags::Elf { sh_flags } = section.flags() else { panic!() };
        assert_eq!(sh_flags, u64::from(elf::SHF_ALLOC));
        assert_eq!(section.align(), 4);
        assert!(file.section_by_name(".note.GNU-stack").is_some());
        // IBT and SHSTK stay on for a CET build (see feature_and_property).
        let property = file.section_by_name(".note.gnu.property").unwrap().data().unwrap();
        assert_eq!(&property[12..16], b"GNU\0");
        assert_eq!(&property[16..28], &[2, 0, 0, 0xc0, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(file.symbols().filter(|s| s.is_global()).count(), 0, "it defines nothing");
    }

    #[test]
    fn targets_other_than_x86_64() {
        for (id, big) in [
            (ElfId { class64: true, machine: elf::EM_AARCH64 }, false),
            (ElfId { class64: false, machine: elf::EM_386 }, false),
            (ElfId { class64: true, machine: elf::EM_PPC64 }, true),
        ] {
            let target = Target { id, big_endian: big, e_flags: 0 };
            let obj = note_object(&[entry("foo", false)], target).unwrap();
            assert_eq!(Target::of_object(&obj), Some(target));
            assert_eq!(decode(&payloads_in(&obj).unwrap()[0]).unwrap(), vec![entry("foo", false)]);
        }
        let riscv =
            Target { id: ElfId { class64: true, machine: elf::EM_RISCV }, big_endian: false, e_flags: 5 };
        let obj = note_object(&[], riscv).unwrap();
        assert_eq!(Target::of_object(&obj), Some(riscv), "e_flags are kept: ld compares them on RISC-V");
        let odd = ElfId { class64: true, machine: 0x4242 };
        assert!(matches!(note_object(&[], Target::of_id(odd)), Err(BuildError::Machine(_))));
    }

    #[test]
    fn digest_of_a_file_is_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(
            Digest::of_file(&p).unwrap().hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// Read in pieces, exactly the size the caller identified: a file of
    /// another length by now (cut short, grown) is an error, not a digest
    /// of another version.
    #[test]
    fn a_file_is_hashed_in_pieces_to_the_size_it_was_identified_with() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i * 7) as u8).collect();
        std::fs::write(&p, &bytes).unwrap();
        let (file, id) = crate::fsx::open_regular(&p).unwrap();
        assert_eq!(Digest::of_open(&file, id.size).unwrap(), Digest::of_bytes(&bytes));
        for size in [id.size - 1, id.size + 1, 0] {
            let err = Digest::of_open(&file, size).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{size}");
        }
        std::fs::write(&p, b"").unwrap();
        assert_eq!(Digest::of_open(&file, 0).unwrap(), Digest::of_bytes(b""));
    }
}

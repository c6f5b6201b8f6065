//! Symbol facts of link inputs: what each file defines and needs.
//!
//! The closure check (`closure`) needs, for every input of a link,
//! the symbols it defines and the symbols it leaves undefined. This module
//! reads them with `object`, opening every file through `fsx` and
//! mapping it (never reading it whole), and keeps them as a small
//! [`Digest`] per file that a cache can store (keyed by the [`FileId`] of
//! the descriptor it was read from; see `encode` and `decode` in the store's codec).
//!
//! - **Archives**: the archive symbol index (ld consults only that: GNU ld
//!   refuses an archive without one, "archive has no index; run ranlib to
//!   add one"), and per member its global definitions (strong data, strong
//!   functions, weak, common), its undefined references (strong, weak) and
//!   whether it has `.init_array`/`.ctors` contents.
//! - **Relocatable objects**: the same sets.
//! - **Shared objects**: the dynamic symbols they export, split by symbol
//!   version as the ELF gABI's versioning (Sun/GNU extension) binds them: an
//!   unversioned reference binds to an unversioned or a *default* (`@@VER`)
//!   definition, never to a hidden (`@VER`) one. Their strong undefined
//!   dynamic symbols are kept too: ld pulls archive members for them.
//! - **GNU ld scripts** (glibc's `libc.so`): their inputs; [`expand`] follows
//!   them to the files they name.

use foldhash::HashSet;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use object::elf;
use object::read::archive::ArchiveFile;
use object::read::elf::{FileHeader, SectionHeader, Sym};
use object::{Endianness, FileKind};

use crate::formats::archive::script::{self, Input as ScriptInput};
use crate::formats::archive::{aligned, Aligned, ElfId};
use crate::fsx::{self, FileId};

/// A symbol name: any bytes but NUL, as ELF string tables hold them.
pub type Name = Box<[u8]>;

/// No file larger than this is mapped (the largest system archives are
/// tens of MB; ICU's libicudata.a is 31 MB).
const MAX_FILE: u64 = 4 << 30;
/// A thin archive's member file, read whole.
const MAX_MEMBER: u64 = 1 << 30;
/// A linker script.
const MAX_SCRIPT: u64 = 1 << 20;
/// How deep scripts may name scripts, and how many files one input may
/// expand to (glibc's libc.so names three).
const MAX_DEPTH: usize = 8;
const MAX_EXPANDED: usize = 256;

/// How a global symbol is defined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Def {
    /// A strong definition that is not a function (data, TLS, IFUNC, no
    /// type). Only these make ld pull a member for a *common* symbol.
    Data,
    /// A strong `STT_FUNC` definition.
    Func,
    Weak,
    /// A common symbol (`SHN_COMMON`, `-fcommon`).
    Common,
}

/// How a symbol is referenced while undefined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    Strong,
    /// A weak reference: resolves to 0 if nothing defines it, and never
    /// makes ld pull an archive member.
    Weak,
}

/// One relocatable object: a file on the command line or an archive member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectSyms {
    /// The member's name, or the file's name.
    pub name: String,
    pub defined: Vec<(Name, Def)>,
    pub undefined: Vec<(Name, Ref)>,
    /// Has non-empty `.init_array`/`.ctors` (or `.preinit_array`) contents:
    /// code that runs at load time when the member is linked.
    pub ctors: bool,
    /// The bytes its allocated sections add to a link, by kind.
    pub sizes: Sizes,
}

/// The bytes an object's allocated sections add to a link, by kind, as
/// binutils' `size` counts them in its default (Berkeley) format, so the
/// figures can be checked against it (`size.c`, `berkeley_or_gnu_sum`;
/// bfd's `SEC_CODE` is `SHF_EXECINSTR`, `SEC_READONLY` is no `SHF_WRITE`,
/// `SEC_HAS_CONTENTS` is not `SHT_NOBITS`):
/// - `code`: executable or read-only sections (`.text`, `.rodata`,
///   `.eh_frame`, notes), `size`'s "text";
/// - `data`: writable sections with contents (`.data`, `.init_array`);
/// - `bss`: writable sections without (`.bss`, `.tbss`).
///
/// Sections outside the output (`SHF_ALLOC` clear: symbols, debug
/// information, relocations) count for nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sizes {
    pub code: u64,
    pub data: u64,
    pub bss: u64,
}

impl Sizes {
    /// The bytes of one allocated section, counted under its kind.
    pub fn add_section(&mut self, sh_type: u32, sh_flags: u64, size: u64) {
        if sh_flags & u64::from(elf::SHF_ALLOC) == 0 {
            return;
        }
        let kind =
            if sh_flags & u64::from(elf::SHF_EXECINSTR) != 0 || sh_flags & u64::from(elf::SHF_WRITE) == 0 {
                &mut self.code
            } else if sh_type != elf::SHT_NOBITS {
                &mut self.data
            } else {
                &mut self.bss
            };
        *kind = kind.saturating_add(size);
    }

    /// `self` and `other` added up.
    pub fn plus(self, other: Sizes) -> Sizes {
        Sizes {
            code: self.code.saturating_add(other.code),
            data: self.data.saturating_add(other.data),
            bss: self.bss.saturating_add(other.bss),
        }
    }

    pub fn total(&self) -> u64 {
        self.code.saturating_add(self.data).saturating_add(self.bss)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArchiveSyms {
    /// The archive symbol index: (symbol, member number), in its order.
    /// `None` when the archive has none (`ar S`, or `ar q` without `s`).
    pub index: Option<Vec<(Name, u32)>>,
    pub members: Vec<ObjectSyms>,
    /// A thin archive: its members are other files, so its digest is not
    /// described by the archive's own identity and must not be cached by it.
    pub thin: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedSyms {
    /// Class and machine, so a library for another target can be skipped.
    pub id: Option<ElfId>,
    pub soname: Option<String>,
    /// Defined dynamic symbols an unversioned reference binds to:
    /// unversioned ones and the default version (`foo@@VER`) of each.
    pub exports: Vec<Name>,
    /// Non-default versions, as `foo@VER`: they satisfy only references
    /// to exactly that version (objects built against an older library).
    pub hidden: Vec<Name>,
    /// Its strong undefined dynamic symbols: ld pulls archive members for
    /// them too (a weak one pulls nothing, as in an object).
    pub imports: Vec<Name>,
}

/// The symbol facts of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Digest {
    Object(ObjectSyms),
    Archive(ArchiveSyms),
    Shared(SharedSyms),
    /// A GNU ld script: its inputs, as [`script::inputs`] reads them.
    Script(Vec<ScriptInput>),
}

impl Digest {
    /// Whether the digest describes exactly the bytes of the file it was
    /// read from (and so may be cached under that file's [`FileId`]).
    pub fn cacheable(&self) -> bool {
        match self {
            Digest::Archive(a) => !a.thin,
            // Scripts name other files, and reading one costs less than a
            // cache lookup.
            Digest::Script(_) => false,
            Digest::Object(_) | Digest::Shared(_) => true,
        }
    }
}

fn invalid(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Reads the symbol facts of the file at `path` (symlinks followed), with
/// the identity of the descriptor they were read from.
pub fn read(path: &Path) -> io::Result<(FileId, Digest)> {
    let (map, id) = fsx::mapped(path)?;
    if id.size > MAX_FILE {
        return Err(invalid(format!("larger than {MAX_FILE} bytes")));
    }
    if id.size == 0 {
        return Err(invalid("an empty file"));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok((id, map.read(|data| digest_bytes(data, &name, dir))??))
}

/// The bytes of the first member named `member` of the archive at
/// `path`, or of the whole file when `member` is `None` (issue 35: two
/// copies of a symbol are compared by their bytes); `None` when the
/// archive has no such member.
pub fn member_bytes(path: &Path, member: Option<&str>) -> io::Result<Option<Vec<u8>>> {
    let (map, id) = fsx::mapped(path)?;
    if id.size > MAX_FILE {
        return Err(invalid(format!("larger than {MAX_FILE} bytes")));
    }
    map.read(|map| {
        let Some(member) = member else { return Ok(Some(map.to_vec())) };
        let archive = ArchiveFile::parse(map).map_err(invalid)?;
        for m in archive.members() {
            let m = m.map_err(invalid)?;
            if m.name() != member.as_bytes() {
                continue;
            }
            if archive.is_thin() {
                let dir = path.parent().unwrap_or(Path::new("."));
                return fsx::read_regular(&dir.join(OsStr::from_bytes(m.name())), MAX_MEMBER).map(Some);
            }
            return Ok(Some(m.data(map).map_err(invalid)?.to_vec()));
        }
        Ok(None)
    })?
}

/// The digest of file contents; `dir` is where a thin archive's members
/// and a script's relative inputs are.
pub fn digest_bytes(data: &[u8], name: &str, dir: &Path) -> io::Result<Digest> {
    if data.starts_with(b"!<arch>\n") || data.starts_with(b"!<thin>\n") {
        return archive(data, dir).map(Digest::Archive);
    }
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => return elf_file::<elf::FileHeader32<Endianness>>(data, name),
        Ok(FileKind::Elf64) => return elf_file::<elf::FileHeader64<Endianness>>(data, name),
        _ => {}
    }
    if data.len() as u64 <= MAX_SCRIPT && script::looks_like_script(data) {
        return Ok(Digest::Script(script::inputs(data, dir)));
    }
    Err(invalid("neither an archive, an ELF file nor a linker script"))
}

fn archive(data: &[u8], dir: &Path) -> io::Result<ArchiveSyms> {
    let archive = ArchiveFile::parse(data).map_err(invalid)?;
    let thin = archive.is_thin();
    let mut members = Vec::new();
    // The index names members by the offset of their header; members are
    // told apart by the offset of their data.
    let mut by_data_offset = BTreeMap::new();
    let mut buffer = Aligned::default();
    for member in archive.members() {
        let member = member.map_err(invalid)?;
        let name = String::from_utf8_lossy(member.name()).into_owned();
        by_data_offset.insert(member.file_range().0, members.len() as u32);
        let syms = if thin {
            // A thin archive names its members relative to itself.
            let path = dir.join(OsStr::from_bytes(member.name()));
            let (bytes, id) = fsx::mapped(&path)?;
            if id.size > MAX_MEMBER {
                return Err(invalid(format!("larger than {MAX_MEMBER} bytes")));
            }
            bytes.read(|data| member_syms(aligned(data, &mut buffer), name))?
        } else {
            member_syms(aligned(member.data(data).map_err(invalid)?, &mut buffer), name)
        };
        members.push(syms);
    }
    let index = match archive.symbols().map_err(invalid)? {
        None => None,
        Some(symbols) => {
            let mut index = Vec::new();
            let mut member_at = foldhash::HashMap::default();
            for symbol in symbols {
                let symbol = symbol.map_err(invalid)?;
                let offset = symbol.offset().0;
                let n = match member_at.get(&offset) {
                    Some(&n) => n,
                    None => {
                        let m = archive.member(symbol.offset()).map_err(invalid)?;
                        let n = *by_data_offset
                            .get(&m.file_range().0)
                            .ok_or_else(|| invalid("the archive index names no member"))?;
                        member_at.insert(offset, n);
                        n
                    }
                };
                index.push((Name::from(symbol.name()), n));
            }
            // GNU ar writes an empty index for an archive of no symbols;
            // that is an index all the same.
            Some(index)
        }
    };
    Ok(ArchiveSyms { index, members, thin })
}

/// A member that is not an ELF relocatable object (ld warns and skips it)
/// contributes no symbols.
fn member_syms(data: &[u8], name: String) -> ObjectSyms {
    let digest = match FileKind::parse(data) {
        Ok(FileKind::Elf32) => elf_file::<elf::FileHeader32<Endianness>>(data, &name),
        Ok(FileKind::Elf64) => elf_file::<elf::FileHeader64<Endianness>>(data, &name),
        _ => Err(invalid("not ELF")),
    };
    match digest {
        Ok(Digest::Object(o)) => o,
        _ => ObjectSyms { name, ..ObjectSyms::default() },
    }
}

fn elf_file<E: FileHeader<Endian = Endianness>>(data: &[u8], name: &str) -> io::Result<Digest> {
    let header = E::parse(data).map_err(invalid)?;
    let endian = header.endian().map_err(invalid)?;
    let sections = header.sections(endian, data).map_err(invalid)?;
    match header.e_type(endian) {
        elf::ET_REL => {
            let symbols = sections.symbols(endian, data, elf::SHT_SYMTAB).map_err(invalid)?;
            let mut object = ObjectSyms { name: name.to_string(), ..ObjectSyms::default() };
            for sym in symbols.iter() {
                let bind = sym.st_bind();
                if !matches!(bind, elf::STB_GLOBAL | elf::STB_WEAK | elf::STB_GNU_UNIQUE) {
                    continue;
                }
                let Ok(n) = symbols.symbol_name(endian, sym) else { continue };
                if n.is_empty() {
                    continue;
                }
                let n = Name::from(n);
                if sym.is_undefined(endian) {
                    let r = if bind == elf::STB_WEAK { Ref::Weak } else { Ref::Strong };
                    object.undefined.push((n, r));
                } else {
                    let d = if sym.is_common(endian) {
                        Def::Common
                    } else if bind == elf::STB_WEAK {
                        Def::Weak
                    } else if sym.st_type() == elf::STT_FUNC {
                        Def::Func
                    } else {
                        Def::Data
                    };
                    object.defined.push((n, d));
                }
            }
            object.ctors = sections.iter().any(|s| {
                let named = sections.section_name(endian, s).unwrap_or_default();
                let init = matches!(s.sh_type(endian), elf::SHT_INIT_ARRAY | elf::SHT_PREINIT_ARRAY)
                    || named == b".ctors"
                    || named.starts_with(b".ctors.")
                    || named.starts_with(b".init_array");
                init && s.sh_size(endian).into() > 0
            });
            for s in sections.iter() {
                object.sizes.add_section(
                    s.sh_type(endian),
                    s.sh_flags(endian).into(),
                    s.sh_size(endian).into(),
                );
            }
            Ok(Digest::Object(object))
        }
        elf::ET_DYN => shared::<E>(header, endian, data, &sections),
        _ => Err(invalid("an ELF file that is neither an object nor a shared library")),
    }
}

// Long on purpose: one pass over a shared object's dynamic symbols and version sections.

fn shared<E: FileHeader<Endian = Endianness>>(
    header: &E,
    endian: Endianness,
    data: &[u8],
    sections: &object::read::elf::SectionTable<'_, E>,
) -> io::Result<Digest> {
    let symbols = sections.symbols(endian, data, elf::SHT_DYNSYM).map_err(invalid)?;
    let versions = sections.versions(endian, data).map_err(invalid)?;
    let mut out = SharedSyms {
        id: Some(ElfId { class64: header.is_class_64(), machine: header.e_machine(endian) }),
        ..SharedSyms::default()
    };
    for (i, sym) in symbols.iter().enumerate() {
        if !matches!(sym.st_bind(), elf::STB_GLOBAL | elf::STB_WEAK | elf::STB_GNU_UNIQUE) {
            continue;
        }
        if sym.is_undefined(endian) {
            if sym.st_bind() == elf::STB_GLOBAL {
                if let Ok(n) = symbols.symbol_name(endian, sym) {
                    if !n.is_empty() {
                        out.imports.push(Name::from(n));
                    }
                }
            }
            continue;
        }
        // Only default and protected symbols are visible in .dynsym.
        if !matches!(sym.st_other() & 3, elf::STV_DEFAULT | elf::STV_PROTECTED) {
            continue;
        }
        let Ok(n) = symbols.symbol_name(endian, sym) else { continue };
        if n.is_empty() {
            continue;
        }
        let Some(versions) = &versions else {
            out.exports.push(Name::from(n));
            continue;
        };
        let index = versions.version_index(endian, object::read::SymbolIndex(i));
        if index.is_local() {
            // VER_NDX_LOCAL: bound locally, not exported.
            continue;
        }
        let version = versions.version(index).ok().flatten();
        // ld gives each version node an absolute symbol of its own name
        // (`VERS_1`); it names the version, it is not an interface.
        if version.is_some_and(|v| v.name() == n) && sym.st_shndx(endian) == elf::SHN_ABS {
            continue;
        }
        if !index.is_hidden() {
            out.exports.push(Name::from(n));
        } else if let Some(v) = version {
            let mut hidden = n.to_vec();
            hidden.push(b'@');
            hidden.extend_from_slice(v.name());
            out.hidden.push(hidden.into());
        }
    }
    out.soname = soname(endian, data, sections);
    Ok(Digest::Shared(out))
}

fn soname<E: FileHeader<Endian = Endianness>>(
    endian: Endianness,
    data: &[u8],
    sections: &object::read::elf::SectionTable<'_, E>,
) -> Option<String> {
    use object::read::elf::Dyn;
    let (entries, link) = sections.dynamic(endian, data).ok()??;
    let strings = sections.strings(endian, data, link).ok()?;
    let entry = entries.iter().find(|d| d.tag32(endian) == Some(elf::DT_SONAME))?;
    Some(String::from_utf8_lossy(entry.string(endian, strings).ok()?).into_owned())
}

/// One input of a link after linker scripts are followed, in ld's order:
/// a file with its digest, or the bounds of a script's `GROUP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expanded {
    File(PathBuf, FileId, Digest),
    GroupStart,
    GroupEnd,
}

/// Reads `path` and, if it is a GNU ld script, the files it names,
/// recursively (at most 8 scripts deep and 256
/// files). A script's `-lNAME` is looked for as `libNAME.so`, then
/// `libNAME.a`, in `dirs`, as ld searches its library path for it. A
/// `GROUP` is returned between group markers; `INPUT` and `AS_NEEDED`
/// inputs are plain inputs (an as-needed library still defines symbols;
/// it only loses its `DT_NEEDED` entry when nothing uses it).
pub fn expand(path: &Path, dirs: &[PathBuf]) -> io::Result<Vec<Expanded>> {
    let mut out = Vec::new();
    expand_into(path, dirs, 0, &mut out)?;
    Ok(out)
}

fn expand_into(path: &Path, dirs: &[PathBuf], depth: usize, out: &mut Vec<Expanded>) -> io::Result<()> {
    if depth > MAX_DEPTH || out.len() > MAX_EXPANDED {
        return Err(invalid(format!("{}: linker scripts nested too deep", path.display())));
    }
    let (id, digest) = read(path)?;
    let Digest::Script(inputs) = digest else {
        out.push(Expanded::File(path.to_path_buf(), id, digest));
        return Ok(());
    };
    let grouped = is_group(path)?;
    if grouped {
        out.push(Expanded::GroupStart);
    }
    for input in inputs {
        let file = match input {
            // A relative name ld cannot open as given it looks for in its
            // library search path (ld manual, "INPUT(file, ...)"): gcc's
            // libgcc_s.so says `GROUP ( libgcc_s.so.1 -lgcc )` and the file
            // is in another directory. The script parser has made the name
            // relative to the script's directory.
            ScriptInput::File(f) if !fsx::exists(&f) => f
                .file_name()
                .and_then(|n| dirs.iter().map(|d| d.join(n)).find(|p| fsx::is_file(p)))
                .unwrap_or(f),
            ScriptInput::File(f) => f,
            ScriptInput::Lib(name) => find_lib(&name, dirs).ok_or_else(|| {
                invalid(format!("{}: cannot find -l{}", path.display(), name.to_string_lossy()))
            })?,
        };
        expand_into(&file, dirs, depth + 1, out)?;
    }
    if grouped {
        out.push(Expanded::GroupEnd);
    }
    Ok(())
}

/// Whether a script's inputs are a `GROUP` (rather than `INPUT`): the first
/// of the two words outside comments. Read again, bounded: the script
/// parser keeps only the inputs.
fn is_group(path: &Path) -> io::Result<bool> {
    let data = fsx::read_regular(path, MAX_SCRIPT)?;
    Ok(script_is_group(&data))
}

/// Whether a script's text puts its inputs in a `GROUP`.
pub(crate) fn script_is_group(data: &[u8]) -> bool {
    let mut rest = data;
    let mut text = Vec::with_capacity(data.len());
    while let Some(start) = rest.windows(2).position(|w| w == b"/*") {
        text.extend_from_slice(&rest[..start]);
        text.push(b' ');
        match rest[start + 2..].windows(2).position(|w| w == b"*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => rest = &[],
        }
    }
    text.extend_from_slice(rest);
    let at = |word: &[u8]| text.windows(word.len()).position(|w| w == word);
    match (at(b"GROUP"), at(b"INPUT")) {
        (Some(g), Some(i)) => g < i,
        (g, _) => g.is_some(),
    }
}

fn find_lib(name: &OsStr, dirs: &[PathBuf]) -> Option<PathBuf> {
    // `-l:FILE` names the file itself (ld's manual, "-l namespec").
    if let Some(file) = name.as_bytes().strip_prefix(b":") {
        return dirs.iter().map(|d| d.join(OsStr::from_bytes(file))).find(|p| fsx::is_file(p));
    }
    let lib = |ext: &str| {
        let mut f = OsString::from("lib");
        f.push(name);
        f.push(ext);
        f
    };
    dirs.iter().flat_map(|d| [d.join(lib(".so")), d.join(lib(".a"))]).find(|p| fsx::is_file(p))
}

/// A shared library that defines some of the symbols looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// What to add to the link: `-lNAME`, or `-l:FILE` when the directory
    /// has only the versioned file (NVIDIA's wheels ship `libcudart.so.12`
    /// and no `libcudart.so`).
    pub token: OsString,
    pub path: PathBuf,
    /// The symbols it provides, in the order they were asked for.
    pub symbols: Vec<Name>,
}

/// Which shared libraries in `dirs` (in order: the first directory, and in
/// it the first file by name, wins) define the `missing` symbols, for a link
/// for `target`. Each symbol is credited to one provider; the symbols no
/// library defines are returned too. Libraries for another target are
/// skipped, as ld skips them ("skipping incompatible").
pub fn providers(dirs: &[PathBuf], missing: &[Name], target: ElfId) -> (Vec<Provider>, Vec<Name>) {
    let mut left: Vec<Name> = missing.to_vec();
    let mut out: Vec<Provider> = Vec::new();
    let mut seen = HashSet::default();
    for dir in dirs {
        if left.is_empty() {
            break;
        }
        let Ok(entries) = fsx::read_dir(dir) else { continue };
        let mut names: Vec<OsString> = entries
            .iter()
            .map(OsStr::to_os_string)
            .filter(|n| {
                let b = n.as_bytes();
                b.starts_with(b"lib") && (b.ends_with(b".so") || memmem(b, b".so."))
            })
            .collect();
        // libNAME.so before libNAME.so.1: the development name is the one a
        // `-l` token can use.
        names.sort();
        names.retain(|n| !is_interposer(n.as_bytes()));
        for file in &names {
            if left.is_empty() {
                break;
            }
            let path = dir.join(file);
            let Ok(expanded) = expand(&path, std::slice::from_ref(dir)) else { continue };
            let mut exports = HashSet::default();
            let mut compatible = true;
            for e in &expanded {
                if let Expanded::File(p, id, Digest::Shared(s)) = e {
                    if !seen.insert(*id) {
                        continue;
                    }
                    let _ = p;
                    if s.id.is_some_and(|i| i != target) {
                        compatible = false;
                    }
                    exports.extend(s.exports.iter().map(|n| &n[..]));
                }
            }
            if !compatible {
                continue;
            }
            let found: Vec<Name> = left.iter().filter(|n| exports.contains(&n[..])).cloned().collect();
            if found.is_empty() {
                continue;
            }
            left.retain(|n| !found.contains(n));
            out.push(Provider { token: token_for(dir, file), path, symbols: found });
        }
    }
    (out, left)
}

/// Runtimes that define other libraries' symbols to intercept them
/// (gcc's sanitizers export `__cxa_throw`, `malloc`, `pthread_create`...;
/// glibc's debugging preloads): never the provider of a missing symbol,
/// and ASan refuses to load after libc anyway.
const INTERPOSERS: &[&[u8]] = &[
    b"asan",
    b"hwasan",
    b"lsan",
    b"tsan",
    b"ubsan",
    b"memusage",
    b"pcprofile",
    b"c_malloc_debug",
    b"SegFault",
];

fn is_interposer(file: &[u8]) -> bool {
    let Some(rest) = file.strip_prefix(b"lib") else { return false };
    INTERPOSERS.iter().any(|i| rest.strip_prefix(*i).is_some_and(|tail| tail.starts_with(b".so")))
}

fn memmem(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `-lNAME` when `libNAME.so` is in `dir`, else `-l:FILE`.
fn token_for(dir: &Path, file: &OsStr) -> OsString {
    let b = file.as_bytes();
    // The `.so` that ends the name or starts its version (`libx.sodium.so.1`).
    let stem_end = (3..b.len())
        .find(|&i| b[i..].starts_with(b".so") && (b.len() == i + 3 || b[i + 3] == b'.'))
        .unwrap_or(b.len());
    let name = &b[3..stem_end];
    let mut dev = b"lib".to_vec();
    dev.extend_from_slice(name);
    dev.extend_from_slice(b".so");
    let mut token = b"-l".to_vec();
    if fsx::exists(&dir.join(OsStr::from_bytes(&dev))) {
        token.extend_from_slice(name);
    } else {
        token.push(b':');
        token.extend_from_slice(b);
    }
    OsString::from_vec(token)
}

// ---- the cache's text form ------------------------------------------------

/// Symbol names may hold any byte but NUL; in the text form every byte
/// outside `!`..`~` and the backslash is written `\xx` (hex).
pub(crate) fn escape(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if b.is_ascii_graphic() && b != b'\\' {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\{b:02x}"));
        }
    }
}

pub(crate) fn unescape(text: &str) -> Option<Name> {
    // Almost every name is plain: copied at once.
    if !text.contains('\\') {
        return Some(text.as_bytes().into());
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_for_providers() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["libgomp.so", "libgomp.so.1", "libcudart.so.12", "libx.sodium.so.1"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        assert_eq!(token_for(dir.path(), OsStr::new("libgomp.so.1")), "-lgomp");
        assert_eq!(token_for(dir.path(), OsStr::new("libcudart.so.12")), "-l:libcudart.so.12");
        assert_eq!(token_for(dir.path(), OsStr::new("libx.sodium.so.1")), "-l:libx.sodium.so.1");
        std::fs::write(dir.path().join("libx.sodium.so"), "").unwrap();
        assert_eq!(token_for(dir.path(), OsStr::new("libx.sodium.so.1")), "-lx.sodium");
    }

    #[test]
    fn a_group_is_told_from_an_input_outside_comments() {
        let dir = tempfile::tempdir().unwrap();
        let check = |text: &str, expected: bool| {
            let path = dir.path().join("script");
            std::fs::write(&path, text).unwrap();
            assert_eq!(is_group(&path).unwrap(), expected, "{text}");
        };
        check("/* GNU ld script */\nGROUP ( libc.so.6 libc_nonshared.a )", true);
        check("/* not a GROUP */ INPUT(libncurses.so.6 -ltinfo)", false);
        check("INPUT(a.so) GROUP(b.a)", false);
        check("/* unterminated GROUP", false);
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        for bytes in [&b"!<arch>\nxx"[..], b"\x7fELF\x02\x01\x01", b"random", b"!<thin>\n/    "] {
            let _ = digest_bytes(bytes, "x", Path::new("/nonexistent"));
        }
        assert!(digest_bytes(b"random", "x", Path::new(".")).is_err());
    }
}

//! Whether one ELF relocatable object can be linked into a shared object.
//!
//! A relocation in an allocated section that a shared object cannot carry
//! makes the object "not PIC": GNU ld then fails with "relocation ... can not
//! be used when making a shared object; recompile with -fPIC". Relocations
//! in sections that are not loaded (debug info) are resolved at link time and
//! do not count.

use object::elf;
use object::read::elf::{FileHeader, Rel, Rela, SectionHeader, Sym};
use object::{Endianness, FileKind};

/// An ELF file's class and machine: what ld checks before "skipping
/// incompatible".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ElfId {
    pub class64: bool,
    pub machine: u16,
}

impl std::fmt::Display for ElfId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let machine = match self.machine {
            elf::EM_X86_64 => "x86-64".to_string(),
            elf::EM_386 => "i386".to_string(),
            elf::EM_AARCH64 => "aarch64".to_string(),
            elf::EM_ARM => "arm".to_string(),
            elf::EM_RISCV => "riscv".to_string(),
            m => format!("machine {m}"),
        };
        write!(f, "ELF{} {machine}", if self.class64 { 64 } else { 32 })
    }
}

/// Why an object cannot go into a shared object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A relocation a shared object cannot take.
    NotPic { reloc: String, symbol: Option<String> },
    /// A definition with a version (`foo@VER`, from `.symver`): ld needs a
    /// version script for it ("version node not found").
    Versioned { symbol: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanError {
    NotElf,
    /// ELF, but not a relocatable object (a shared object or executable).
    NotRelocatable,
    Damaged(String),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scan {
    pub id: Option<ElfId>,
    /// The first problem found that needs no other object to judge.
    pub finding: Option<Finding>,
    /// PC-relative relocations against global symbols of default
    /// visibility here: (relocation, symbol). They are a problem only if no
    /// object of the archive binds the symbol locally (see `bound_locally`).
    pub preemptible_refs: Vec<(&'static str, String)>,
    /// Symbols this object binds locally as far as ld's check goes: those it
    /// gives a non-default visibility (ld merges visibilities and the most
    /// constraining one wins: OpenSSL's `OPENSSL_ia32cap_P` is hidden that
    /// way), and on aarch64 every symbol it defines (GNU ld's aarch64
    /// backend resolves a PC-relative reference to a symbol defined in the
    /// link at link time, and refuses it only for undefined ones).
    pub bound_locally: Vec<String>,
}

/// The first 64 bytes (an ELF64 header; an ELF32 one is 52) in 8-byte-
/// aligned memory: `object` reads headers in place and needs that
/// alignment, which an ar member (aligned to 2) or a stack buffer lacks.
#[repr(C, align(8))]
struct Head([u8; 64]);

fn with_header<T>(data: &[u8], f: impl FnOnce(&[u8]) -> T) -> T {
    let mut head = Head([0; 64]);
    let len = data.len().min(64);
    head.0[..len].copy_from_slice(&data[..len]);
    f(&head.0[..len])
}

/// Reads an ELF header only: class and machine, and whether it is a
/// relocatable object. Works on data at any alignment.
fn header(data: &[u8]) -> Result<(ElfId, bool), ScanError> {
    with_header(data, |head| match FileKind::parse(head) {
        Ok(FileKind::Elf32) => header_of::<elf::FileHeader32<Endianness>>(head),
        Ok(FileKind::Elf64) => header_of::<elf::FileHeader64<Endianness>>(head),
        _ => Err(ScanError::NotElf),
    })
}

fn header_of<E: FileHeader<Endian = Endianness>>(head: &[u8]) -> Result<(ElfId, bool), ScanError> {
    let header = E::parse(head).map_err(damaged)?;
    let endian = header.endian().map_err(damaged)?;
    let id = ElfId { class64: header.is_class_64(), machine: header.e_machine(endian) };
    Ok((id, header.e_type(endian) == elf::ET_REL))
}

/// Reads an ELF header only: class and machine.
pub fn elf_id(data: &[u8]) -> Option<ElfId> {
    header(data).ok().map(|(id, _)| id)
}

/// Judges the ELF header alone: whether `data` is an ELF relocatable
/// object, before anything copies or parses the rest of it, so a member
/// that is not one is judged without touching its body, however large.
pub fn precheck(data: &[u8]) -> Result<ElfId, ScanError> {
    match header(data)? {
        (id, true) => Ok(id),
        (_, false) => Err(ScanError::NotRelocatable),
    }
}

/// Scans one object file.
pub fn scan(data: &[u8]) -> Result<Scan, ScanError> {
    match FileKind::parse(data) {
        Ok(FileKind::Elf32) => scan_elf::<elf::FileHeader32<Endianness>>(data),
        Ok(FileKind::Elf64) => scan_elf::<elf::FileHeader64<Endianness>>(data),
        _ => Err(ScanError::NotElf),
    }
}

fn damaged(e: object::read::Error) -> ScanError {
    ScanError::Damaged(e.to_string())
}

// Long on purpose: one pass over the sections and their relocations; split, it would walk them twice.

fn scan_elf<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<Scan, ScanError> {
    let header = E::parse(data).map_err(damaged)?;
    let endian = header.endian().map_err(damaged)?;
    let id = ElfId { class64: header.is_class_64(), machine: header.e_machine(endian) };
    let mut scan = Scan { id: Some(id), ..Scan::default() };
    if header.e_type(endian) != elf::ET_REL {
        return Err(ScanError::NotRelocatable);
    }
    let sections = header.sections(endian, data).map_err(damaged)?;
    let symbols = sections.symbols(endian, data, elf::SHT_SYMTAB).map_err(damaged)?;
    let name_of =
        |sym: &E::Sym| symbols.symbol_name(endian, sym).map(|n| String::from_utf8_lossy(n).into_owned()).ok();

    let rules = Rules::for_machine(id.machine);
    let definitions_bind_locally = rules.as_ref().is_some_and(|r| r.definitions_bind_locally);
    for sym in symbols.iter() {
        let global = matches!(sym.st_bind(), elf::STB_GLOBAL | elf::STB_WEAK);
        if !global {
            continue;
        }
        let defined = !sym.is_undefined(endian);
        if defined {
            if let Some(name) = name_of(sym).filter(|n| n.contains('@')) {
                scan.finding = Some(Finding::Versioned { symbol: name });
                return Ok(scan);
            }
        }
        if sym.st_visibility() != elf::STV_DEFAULT || (defined && definitions_bind_locally) {
            scan.bound_locally.extend(name_of(sym));
        }
    }

    let Some(rules) = rules else {
        return Ok(scan);
    };
    // Each preemptible symbol is reported once however many relocations
    // name it. The check is by symbol index, in a bitmap as long as the
    // symbol table, so the scan stays linear in the object's size: a
    // `-fPIE` object with 100,000 external references took 23 s when each
    // new name was compared with every name before it (issue 12 §5).
    let mut reported = vec![false; symbols.len()];
    for section in sections.iter() {
        let relocs: Vec<(u32, u32)> = match section.sh_type(endian) {
            elf::SHT_RELA => section
                .rela(endian, data)
                .map_err(damaged)?
                .map(|(r, _)| r.iter().map(|r| (r.r_type(endian, false), r.r_sym(endian, false))).collect())
                .unwrap_or_default(),
            elf::SHT_REL => section
                .rel(endian, data)
                .map_err(damaged)?
                .map(|(r, _)| r.iter().map(|r| (r.r_type(endian), r.r_sym(endian))).collect())
                .unwrap_or_default(),
            _ => continue,
        };
        let target = sections.section(object::SectionIndex(section.sh_info(endian) as usize));
        let alloc = target.is_ok_and(|t| t.sh_flags(endian).into() & u64::from(elf::SHF_ALLOC) != 0);
        if !alloc {
            continue;
        }
        for (r_type, r_sym) in relocs {
            let sym =
                if r_sym == 0 { None } else { symbols.symbol(object::SymbolIndex(r_sym as usize)).ok() };
            let preemptible = sym.is_some_and(|s| {
                matches!(s.st_bind(), elf::STB_GLOBAL | elf::STB_WEAK)
                    && s.st_visibility() == elf::STV_DEFAULT
                    && s.st_type() != elf::STT_SECTION
            });
            if let Some((_, reloc)) = rules.always_bad.iter().find(|(t, _)| *t == r_type) {
                let symbol = sym.and_then(name_of).filter(|n| !n.is_empty());
                scan.finding = Some(Finding::NotPic { reloc: reloc.to_string(), symbol });
                return Ok(scan);
            }
            if let Some((_, reloc)) =
                rules.bad_if_preemptible.iter().find(|(t, _)| *t == r_type && preemptible)
            {
                let index = r_sym as usize;
                if reported.get(index) == Some(&false) {
                    reported[index] = true;
                    if let Some(name) = sym.and_then(name_of) {
                        scan.preemptible_refs.push((reloc, name));
                    }
                }
            }
        }
    }
    Ok(scan)
}

/// The relocation types a shared object cannot take, per machine.
struct Rules {
    always_bad: &'static [(u32, &'static str)],
    bad_if_preemptible: &'static [(u32, &'static str)],
    /// A defined symbol counts as bound locally (see `Scan::bound_locally`).
    definitions_bind_locally: bool,
}

macro_rules! relocs {
    ($($name:ident),* $(,)?) => { &[$((elf::$name, stringify!($name))),*] };
}

impl Rules {
    /// Machines without rules are not checked (taken as PIC).
    fn for_machine(machine: u16) -> Option<Rules> {
        match machine {
            elf::EM_X86_64 => Some(Rules {
                // Absolute 32-bit addresses and local-exec TLS.
                always_bad: relocs![R_X86_64_32, R_X86_64_32S, R_X86_64_16, R_X86_64_8, R_X86_64_TPOFF32],
                // PC-relative to a symbol that may be preempted: what objects
                // compiled as PIE contain.
                bad_if_preemptible: relocs![R_X86_64_PC32, R_X86_64_PC16, R_X86_64_PC8, R_X86_64_PC64],
                definitions_bind_locally: false,
            }),
            elf::EM_AARCH64 => Some(Rules {
                // Absolute addresses. (Local-exec TLS is not here: GNU ld's
                // aarch64 backend links it into a shared object, unlike
                // x86-64's; the oracle test holds solink to ld.)
                always_bad: relocs![
                    R_AARCH64_ABS32,
                    R_AARCH64_ABS16,
                    R_AARCH64_MOVW_UABS_G0,
                    R_AARCH64_MOVW_UABS_G0_NC,
                    R_AARCH64_MOVW_UABS_G1,
                    R_AARCH64_MOVW_UABS_G1_NC,
                    R_AARCH64_MOVW_UABS_G2,
                    R_AARCH64_MOVW_UABS_G2_NC,
                    R_AARCH64_MOVW_UABS_G3,
                ],
                // "relocation R_AARCH64_ADR_PREL_PG_HI21 against symbol `x'
                // which may bind externally can not be used when making a
                // shared object": only for symbols the link does not define.
                bad_if_preemptible: relocs![
                    R_AARCH64_ADR_PREL_LO21,
                    R_AARCH64_ADR_PREL_PG_HI21,
                    R_AARCH64_ADR_PREL_PG_HI21_NC,
                    R_AARCH64_ADD_ABS_LO12_NC,
                    R_AARCH64_LDST8_ABS_LO12_NC,
                    R_AARCH64_LDST16_ABS_LO12_NC,
                    R_AARCH64_LDST32_ABS_LO12_NC,
                    R_AARCH64_LDST64_ABS_LO12_NC,
                    R_AARCH64_LDST128_ABS_LO12_NC,
                ],
                definitions_bind_locally: true,
            }),
            _ => None,
        }
    }
}

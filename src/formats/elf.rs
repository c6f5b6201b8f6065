//! What the dynamic loader and the audit need from one ELF file: its
//! class and machine, `DT_NEEDED`, `DT_SONAME`, `DT_RPATH`, `DT_RUNPATH`,
//! the flags that change the search, and the `.note.solink` entries it
//! carries. Read through a private map of a regular file (`fsx`), bounded.

use std::path::Path;

use object::elf;
use object::read::elf::{Dyn, FileHeader};
use object::{Endianness, FileKind};

use super::archive::ElfId;
use super::provenance::{self, Entry};

/// The largest file mapped for one ELF read.
pub const MAX_ELF: u64 = 16 << 30;

/// What the loader and the audit need from one ELF file.
#[derive(Clone, Debug, Default)]
pub struct ElfFacts {
    pub id: Option<ElfId>,
    pub needed: Vec<Vec<u8>>,
    pub soname: Option<Vec<u8>>,
    pub rpath: Option<Vec<u8>>,
    pub runpath: Option<Vec<u8>>,
    /// `-z nodeflib`: no cache and no default directories for its needs.
    pub nodeflib: bool,
    /// An executable (`ET_EXEC`, or `ET_DYN` marked `DF_1_PIE`), which
    /// `dlopen` refuses and of which a process holds one.
    pub executable: bool,
    /// A shared object: `ET_DYN` and no executable.
    pub shared: bool,
    pub entries: Vec<Entry>,
    /// A solink note that could not be decoded (a newer format, damage).
    pub note_error: Option<String>,
}

/// Reads the facts of the ELF file at `path`. `Err` says why it is not a
/// readable ELF file.
pub fn read_elf(path: &Path) -> Result<ElfFacts, String> {
    let (map, id) = crate::fsx::mapped(path).map_err(|e| e.to_string())?;
    if id.size == 0 {
        return Err("an empty file, not ELF".into());
    }
    if id.size > MAX_ELF {
        return Err("too large to be read".into());
    }
    map.read(elf_facts).map_err(|e| e.to_string())?
}

fn elf_facts(map: &[u8]) -> Result<ElfFacts, String> {
    let mut facts = match FileKind::parse(map) {
        Ok(FileKind::Elf32) => dynamic::<elf::FileHeader32<Endianness>>(map),
        Ok(FileKind::Elf64) => dynamic::<elf::FileHeader64<Endianness>>(map),
        _ => Err("not an ELF file".into()),
    }?;
    match provenance::payloads_in(map) {
        Ok(payloads) => {
            for payload in payloads {
                match provenance::decode(&payload) {
                    Ok(entries) => facts.entries.extend(entries),
                    Err(e) => facts.note_error = Some(e.to_string()),
                }
            }
        }
        Err(e) => facts.note_error = Some(e.to_string()),
    }
    Ok(facts)
}

fn dynamic<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<ElfFacts, String> {
    let damaged = |e: object::read::Error| format!("a damaged ELF file ({e})");
    let header = E::parse(data).map_err(damaged)?;
    let endian = header.endian().map_err(damaged)?;
    let mut facts = ElfFacts {
        id: Some(ElfId { class64: header.is_class_64(), machine: header.e_machine(endian) }),
        executable: header.e_type(endian) == elf::ET_EXEC,
        shared: header.e_type(endian) == elf::ET_DYN,
        ..Default::default()
    };
    let sections = header.sections(endian, data).map_err(damaged)?;
    // A file without section headers (sstrip) keeps PT_DYNAMIC only; it is
    // read as having no dependencies, which the report shows.
    let Some((entries, link)) = sections.dynamic(endian, data).map_err(damaged)? else {
        return Ok(facts);
    };
    let strings = sections.strings(endian, data, link).map_err(damaged)?;
    for d in entries {
        let tag = d.tag32(endian);
        if tag == Some(elf::DT_NULL) {
            break;
        }
        if tag == Some(elf::DT_FLAGS_1) {
            let flags = d.d_val(endian).into();
            facts.nodeflib = flags & u64::from(elf::DF_1_NODEFLIB) != 0;
            facts.executable |= flags & u64::from(elf::DF_1_PIE) != 0;
            continue;
        }
        if !d.is_string(endian) {
            continue;
        }
        let value = d.string(endian, strings).map_err(damaged)?.to_vec();
        match tag {
            Some(elf::DT_NEEDED) => facts.needed.push(value),
            Some(elf::DT_SONAME) => facts.soname = Some(value),
            Some(elf::DT_RPATH) => facts.rpath = Some(value),
            Some(elf::DT_RUNPATH) => facts.runpath = Some(value),
            _ => {}
        }
    }
    facts.shared &= !facts.executable;
    Ok(facts)
}

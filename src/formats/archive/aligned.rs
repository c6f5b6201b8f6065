//! Archive members in memory `object` can parse in place.
//!
//! An ar archive aligns its members to two bytes only, and `object` reads
//! ELF headers, section headers, symbols and relocations in place, which
//! needs 8-byte alignment; so a misaligned member is copied. The scans of
//! solink (`pic::scan`, `symbols`) read the ELF header, the section
//! headers and the contents of the sections that are not `SHT_PROGBITS`
//! (symbol and string tables, relocations, groups), never the code or data
//! of a section with contents (issue 34 §6: a 121 MB archive of 1 MB
//! members spent a tenth of its cold link copying `.rodata` nobody read).
//! A large member is therefore copied sparsely: into fresh zero pages
//! (an anonymous mapping, so the pages never written are never touched),
//! its headers and every section but `SHT_PROGBITS` and `SHT_NOBITS` at
//! their offsets. A small one is copied whole: a mapping costs more.

use object::read::elf::{FileHeader, SectionHeader};
use object::{elf, Endianness, FileKind};

/// Members this large or larger are copied sparsely.
const SPARSE_MIN: usize = 256 << 10;

/// Where a misaligned member is copied; kept across members, so a scan of
/// many small ones allocates once.
#[derive(Default)]
pub struct Aligned {
    words: Vec<u64>,
    zeroed: Option<memmap2::MmapMut>,
}

/// Member data aligned for ELF parsing: `data` itself when it is aligned,
/// else a copy in `buffer`, whole or sparse (see above).
pub fn aligned<'a>(data: &'a [u8], buffer: &'a mut Aligned) -> &'a [u8] {
    if data.as_ptr() as usize % 8 == 0 {
        return data;
    }
    buffer.zeroed = None;
    if data.len() >= SPARSE_MIN {
        if let Ok(mut zeroed) = memmap2::MmapMut::map_anon(data.len()) {
            if sparse_copy(data, &mut zeroed).is_some() {
                return &buffer.zeroed.insert(zeroed)[..];
            }
        }
    }
    buffer.words.clear();
    buffer.words.resize(data.len().div_ceil(8), 0);
    // SAFETY: u64 has no padding and every byte pattern is a valid u64; the
    // byte view covers the buffer's own memory, borrowed mutably once.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(buffer.words.as_mut_ptr().cast::<u8>(), buffer.words.len() * 8)
    };
    bytes[..data.len()].copy_from_slice(data);
    &bytes[..data.len()]
}

/// Copies the parts of the ELF object `data` the scans read into `out`
/// (as long as `data`, zeroed, aligned), at their offsets; `None` when
/// its headers cannot be read, and it is then copied whole, so a damaged
/// object is judged from all its bytes as before.
fn sparse_copy(data: &[u8], out: &mut [u8]) -> Option<()> {
    let head = data.len().min(64);
    out[..head].copy_from_slice(&data[..head]);
    match FileKind::parse(&out[..]).ok()? {
        FileKind::Elf32 => sections_of::<elf::FileHeader32<Endianness>>(data, out),
        FileKind::Elf64 => sections_of::<elf::FileHeader64<Endianness>>(data, out),
        _ => None,
    }
}

fn sections_of<E: FileHeader<Endian = Endianness>>(data: &[u8], out: &mut [u8]) -> Option<()> {
    let copy = |out: &mut [u8], offset: u64, size: u64| -> Option<()> {
        let start = usize::try_from(offset).ok()?;
        let end = start.checked_add(usize::try_from(size).ok()?)?;
        out.get_mut(start..end)?.copy_from_slice(data.get(start..end)?);
        Some(())
    };
    let (shoff, entsize) = {
        let header = E::parse(&*out).ok()?;
        let endian = header.endian().ok()?;
        (header.e_shoff(endian).into(), u64::from(header.e_shentsize(endian)))
    };
    if shoff == 0 {
        return Some(());
    }
    // The first section header holds the real count when there are more
    // than `SHN_LORESERVE` (`e_shnum` 0), so it is copied first.
    copy(out, shoff, entsize)?;
    let count = {
        let header = E::parse(&*out).ok()?;
        header.shnum(header.endian().ok()?, &*out).ok()?
    };
    copy(out, shoff, entsize.checked_mul(count as u64)?)?;
    let mut wanted = Vec::new();
    {
        let header = E::parse(&*out).ok()?;
        let endian = header.endian().ok()?;
        for section in header.section_headers(endian, &*out).ok()? {
            if !matches!(section.sh_type(endian), elf::SHT_PROGBITS | elf::SHT_NOBITS) {
                wanted.push((section.sh_offset(endian).into(), section.sh_size(endian).into()));
            }
        }
    }
    for (offset, size) in wanted {
        copy(out, offset, size)?;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A member of `size` bytes at an odd address, made of an ELF object
    /// whose headers say nothing sane: copied whole, bytes and all.
    #[test]
    fn what_is_not_an_elf_object_is_copied_whole() {
        for size in [100, SPARSE_MIN + 3] {
            let mut bytes = vec![7u8; size + 1];
            bytes[1..5].copy_from_slice(b"\x7fELF");
            let data = &bytes[1..];
            let mut buffer = Aligned::default();
            let view = aligned(data, &mut buffer);
            assert_eq!(view.as_ptr() as usize % 8, 0);
            assert_eq!(view, data, "{size}");
        }
    }
}

//! Reads what a linked shared object holds, with the `object` crate.

use std::path::Path;

use object::elf;
use object::read::elf::{Dyn, ElfFile64, FileHeader};
use object::{Endianness, Object, ObjectSymbol};

pub struct Elf {
    data: Vec<u8>,
}

impl Elf {
    pub fn open(path: &Path) -> Elf {
        Elf { data: std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())) }
    }

    /// Whether the dynamic symbol table defines `name`.
    pub fn defines(&self, name: &str) -> bool {
        let file = object::File::parse(&*self.data).unwrap();
        file.dynamic_symbols().any(|s| s.name() == Ok(name) && !s.is_undefined())
    }

    /// Whether the dynamic symbol table needs `name` from elsewhere.
    pub fn imports(&self, name: &str) -> bool {
        let file = object::File::parse(&*self.data).unwrap();
        file.dynamic_symbols().any(|s| s.name() == Ok(name) && s.is_undefined())
    }

    /// The strings of one dynamic tag (DT_NEEDED, DT_RUNPATH, ...).
    fn dynamic_strings(&self, tag: u32) -> Vec<String> {
        let file = ElfFile64::<Endianness>::parse(&*self.data).unwrap();
        let endian = file.endian();
        let sections = file.elf_header().sections(endian, &*self.data).unwrap();
        let Some((entries, link)) = sections.dynamic(endian, &*self.data).unwrap() else {
            return Vec::new();
        };
        let strings = sections.strings(endian, &*self.data, link).unwrap();
        entries
            .iter()
            .filter(|d| d.tag32(endian) == Some(tag))
            .map(|d| String::from_utf8_lossy(d.string(endian, strings).unwrap()).into_owned())
            .collect()
    }

    pub fn needed(&self) -> Vec<String> {
        self.dynamic_strings(elf::DT_NEEDED)
    }

    pub fn soname(&self) -> Option<String> {
        self.dynamic_strings(elf::DT_SONAME).pop()
    }

    pub fn runpath(&self) -> Vec<String> {
        let mut paths = self.dynamic_strings(elf::DT_RUNPATH);
        paths.extend(self.dynamic_strings(elf::DT_RPATH));
        paths
    }
}

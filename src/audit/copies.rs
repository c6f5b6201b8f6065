//! Copies no note records (issue 22 §4): two objects of one process that
//! define the same global symbols. Most objects of a system were not made
//! by solink, so the notes alone miss most double copies; the dynamic
//! symbol tables do not.
//!
//! Facts, then policy: [`exports`] reads what one object defines (with the
//! symbols that mark a one-per-process runtime, for [`super::runtimes`]),
//! and [`symbol_copies`] is a pure function of them.
// `--audit` reads what the loader would, not the inputs of a link.
#![allow(clippy::disallowed_methods)]

use foldhash::HashMap;
use std::path::Path;

use object::elf;
use object::read::elf::{FileHeader, SectionHeader, Sym};
use object::{Endianness, FileKind};

use super::runtimes::Marks;
use super::{Closure, MAX_ELF};

/// Two objects are a probable double copy when they share at least this
/// many counted symbols. One or two shared names can be chance (two
/// libraries each defining `verbose` or `init_module`, ggml's two backend
/// entry points); a static library embedded twice shares everything its
/// pulled members define, which for the smallest real ones (zlib's
/// `adler32.o` alone: `adler32`, `adler32_z`, `adler32_combine`,
/// `adler32_combine64`) is four. Measured over the 949 shared objects of
/// Debian 12's /usr/lib/x86_64-linux-gnu taken as one process: below
/// four, and at four once plugin interfaces are left out (below), what
/// remains is alternatives that really clash when loaded together
/// (malloc replacements, libGL and libOpenGL) and real vendored copies
/// (gnulib's obstack in libgettextlib and libopcodes, libiberty in libbfd
/// and libcc1). Between two plugins, a name that three or more plugins
/// define is a plugin interface and not counted.
pub const THRESHOLD: usize = 4;

/// At most this many objects are compared for one symbol: a name defined
/// by more is a convention (every plugin's `plugin_init`), not a copy, and
/// the pairs would grow with the square of the objects.
const MAX_DEFINERS: usize = 64;

/// What one object defines, as far as double copies go.
#[derive(Clone, Debug, Default)]
pub struct Exports {
    /// The counted symbols (see [`counted`]), sorted.
    pub names: Vec<Vec<u8>>,
    /// Which symbols that mark a one-per-process runtime it defines,
    /// exported or not (a static runtime linked with `--exclude-libs`
    /// keeps them in `.symtab` as locals until stripped).
    pub runtime: Marks,
    /// Every symbol its `.dynsym` defines and binds outside it (global,
    /// weak or unique; default or protected visibility), sorted: what an
    /// embedded archive's code can interpose with (issue 32 §1). `None`
    /// when its `.dynsym` could not be read.
    pub visible: Option<Vec<Vec<u8>>>,
}

/// Reads the exports of the ELF file at `path`; a file that cannot be
/// read defines nothing as far as this goes.
pub fn exports(path: &Path) -> Exports {
    let Ok((file, id)) = crate::fsx::open_regular(path) else { return Exports::default() };
    if id.size == 0 || id.size > MAX_ELF {
        return Exports::default();
    }
    let read = crate::fsx::read_mapped(&file, |map| match FileKind::parse(map) {
        Ok(FileKind::Elf32) => exports_of::<elf::FileHeader32<Endianness>>(map).ok(),
        Ok(FileKind::Elf64) => exports_of::<elf::FileHeader64<Endianness>>(map).ok(),
        _ => None,
    });
    read.ok().flatten().unwrap_or_default()
}

fn exports_of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> object::read::Result<Exports> {
    let header = E::parse(data)?;
    let endian = header.endian()?;
    let sections = header.sections(endian, data)?;
    // crti.o's `_init` and `_fini` live here: every object has its own.
    let runtime: Vec<usize> = sections
        .enumerate()
        .filter(|(_, s)| matches!(sections.section_name(endian, s), Ok(b".init" | b".fini")))
        .map(|(i, _)| i.0)
        .collect();
    let dynsym = sections.symbols(endian, data, elf::SHT_DYNSYM)?;
    let versions = sections.versions(endian, data)?;
    // No `.dynsym` section (a file stripped of its section headers): what
    // it exports is unknown, never "nothing".
    let has_dynsym = sections.iter().any(|s| s.sh_type(endian) == elf::SHT_DYNSYM);
    let mut out = Exports { visible: has_dynsym.then(Vec::new), ..Default::default() };
    for (index, sym) in dynsym.enumerate() {
        let Ok(name) = sym.name(endian, dynsym.strings()) else { continue };
        let shndx = sym.st_shndx(endian);
        if shndx == elf::SHN_UNDEF {
            continue;
        }
        out.runtime.add(name);
        let versioned = versions.as_ref().is_some_and(|v| {
            let vi = v.version_index(endian, index);
            !vi.is_hidden() && matches!(v.version(vi), Ok(Some(ver)) if ver.file().is_none())
        });
        if counted(sym.st_bind(), sym.st_type(), sym.st_visibility(), shndx, &runtime, versioned) {
            out.names.push(name.to_vec());
        }
        if sym.st_bind() != elf::STB_LOCAL
            && matches!(sym.st_visibility(), elf::STV_DEFAULT | elf::STV_PROTECTED)
        {
            if let Some(v) = out.visible.as_mut() {
                v.push(name.to_vec());
            }
        }
    }
    if let (false, Ok(symtab)) = (out.runtime.complete(), sections.symbols(endian, data, elf::SHT_SYMTAB)) {
        for sym in symtab.symbols() {
            if sym.st_shndx(endian) == elf::SHN_UNDEF {
                continue;
            }
            let Ok(name) = sym.name(endian, symtab.strings()) else { continue };
            out.runtime.add(name);
        }
    }
    out.names.sort();
    out.names.dedup();
    if let Some(v) = out.visible.as_mut() {
        v.sort();
        v.dedup();
    }
    Ok(out)
}

/// Whether a defined dynamic symbol counts towards a double copy:
/// - `GLOBAL`: a `WEAK` definition is meant to be shared (C++ inline
///   functions and template instances, which every object that uses them
///   defines), and `GNU_UNIQUE` is merged by the loader on purpose;
/// - a function, object, TLS variable or ifunc, what a compiler emits:
///   what the linker defines is `NOTYPE` (`_end`, `_edata`,
///   `__bss_start`, and `__data_start` from crt1.o);
/// - in a section of its own: not `SHN_ABS` or another reserved index
///   (a version's own name, linker-made values);
/// - not in `.init` or `.fini`, where crti.o puts `_init` and `_fini`;
/// - not hidden or internal (such a symbol binds to no other object);
/// - not a versioned interface: a symbol with a version the object itself
///   defines (`.gnu.version_d`, other than the base version, which is the
///   object's own name) is an interface its library declares, which
///   libraries re-export on purpose (libc and libpthread both define
///   `pthread_*@@GLIBC_2.2.5`).
///
/// What else the C runtime's start files define is hidden (crtbegin's
/// `__dso_handle`, libc_nonshared's `atexit`) or only in executables
/// (crt1.o's `_start`, `_IO_stdin_used`), and two executables are never
/// one process (see [`symbol_copies`]).
pub fn counted(bind: u8, kind: u8, visibility: u8, shndx: u16, runtime: &[usize], versioned: bool) -> bool {
    bind == elf::STB_GLOBAL
        && matches!(kind, elf::STT_FUNC | elf::STT_OBJECT | elf::STT_TLS | elf::STT_GNU_IFUNC)
        && shndx != elf::SHN_UNDEF
        && shndx < elf::SHN_LORESERVE
        && !runtime.contains(&usize::from(shndx))
        && matches!(visibility, elf::STV_DEFAULT | elf::STV_PROTECTED)
        && !versioned
}

/// Two objects of one process that define the same counted symbols.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymbolCopy {
    /// The objects, by index in the closure, the first loaded first.
    pub objects: (usize, usize),
    /// How many counted symbols both define.
    pub shared: usize,
    /// The first few of them, sorted.
    pub examples: Vec<String>,
    /// What the notes of either object say it embeds (object, file).
    pub archives: Vec<(usize, String)>,
}

/// Every pair of objects of `c` that both define at least [`THRESHOLD`]
/// counted symbols, by how many they share, most first. A pair of two
/// executables is left out (a process holds one: crt1.o's symbols are in
/// each), and so is a pair whose notes already name one archive in both:
/// [`super::duplicates`] reports that one, with its digests.
pub fn symbol_copies(c: &Closure, exports: &[Exports]) -> Vec<SymbolCopy> {
    let mut definers: HashMap<&[u8], Vec<usize>> = HashMap::default();
    for (i, e) in exports.iter().enumerate() {
        for name in &e.names {
            definers.entry(name).or_default().push(i);
        }
    }
    // The directory given to `--audit` that each plugin came from.
    let plugin_dir: Vec<Option<&Path>> = c.objects.iter().map(|o| o.plugin_of.as_deref()).collect();
    let mut pairs: HashMap<(usize, usize), Vec<&[u8]>> = HashMap::default();
    for (name, objects) in &definers {
        let objects = &objects[..objects.len().min(MAX_DEFINERS)];
        // A name that three or more plugins define is a plugin interface
        // (PAM's `pam_sm_*`, GTK's `im_module_*`, ggml's
        // `ggml_backend_init`): looked up with `dlsym` in each, not a copy
        // of anything between them.
        let interface = objects.iter().filter(|&&o| plugin_dir[o].is_some()).count() >= 3;
        for (k, &a) in objects.iter().enumerate() {
            for &b in &objects[k + 1..] {
                if interface && plugin_dir[a].is_some() && plugin_dir[b].is_some() {
                    continue;
                }
                pairs.entry((a.min(b), a.max(b))).or_default().push(name);
            }
        }
    }
    let noted_together = |a: usize, b: usize| {
        let (ea, eb) = (&c.objects[a].facts.entries, &c.objects[b].facts.entries);
        ea.iter().any(|x| eb.iter().any(|y| x.library == y.library || x.digest == y.digest))
    };
    let mut out: Vec<SymbolCopy> = pairs
        .into_iter()
        .filter(|((a, b), names)| {
            names.len() >= THRESHOLD
                && !(c.objects[*a].facts.executable && c.objects[*b].facts.executable)
                && !noted_together(*a, *b)
        })
        .map(|((a, b), mut names)| {
            names.sort();
            SymbolCopy {
                objects: (a, b),
                shared: names.len(),
                examples: names.iter().take(3).map(|n| String::from_utf8_lossy(n).into_owned()).collect(),
                archives: [a, b]
                    .iter()
                    .flat_map(|&o| c.objects[o].facts.entries.iter().map(move |e| (o, e.file.clone())))
                    .collect(),
            }
        })
        .collect();
    out.sort_by(|x, y| y.shared.cmp(&x.shared).then(x.objects.cmp(&y.objects)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{ElfFacts, Object, Work};
    use std::path::PathBuf;

    #[test]
    fn what_counts() {
        let c = |bind, kind, vis, shndx, versioned| counted(bind, kind, vis, shndx, &[9, 11], versioned);
        let (g, f, d) = (elf::STB_GLOBAL, elf::STT_FUNC, elf::STV_DEFAULT);
        assert!(c(g, f, d, 12, false));
        assert!(c(g, elf::STT_OBJECT, elf::STV_PROTECTED, 20, false));
        assert!(c(g, elf::STT_TLS, d, 20, false));
        assert!(!c(elf::STB_WEAK, f, d, 12, false), "weak");
        assert!(!c(elf::STB_GNU_UNIQUE, elf::STT_OBJECT, d, 12, false), "unique");
        assert!(!c(g, elf::STT_NOTYPE, d, 20, false), "_end, _edata, __bss_start");
        assert!(!c(g, f, d, elf::SHN_UNDEF, false), "undefined");
        assert!(!c(g, elf::STT_OBJECT, d, elf::SHN_ABS, false), "absolute");
        assert!(!c(g, f, d, 9, false), "_init in .init");
        assert!(!c(g, f, elf::STV_HIDDEN, 12, false), "hidden");
        assert!(!c(g, f, d, 12, true), "versioned");
    }

    fn closure(objects: Vec<(ElfFacts, Vec<&str>)>) -> (Closure, Vec<Exports>) {
        let exports = objects
            .iter()
            .map(|(_, names)| Exports {
                names: names.iter().map(|n| n.as_bytes().to_vec()).collect(),
                runtime: Marks::default(),
                visible: None,
            })
            .collect();
        let objects = objects
            .into_iter()
            .enumerate()
            .map(|(i, (facts, _))| Object {
                path: PathBuf::from(format!("o{i}")),
                loader: None,
                plugin_of: None,
                facts,
            })
            .collect();
        (Closure { objects, missing: Vec::new(), work: Work::default() }, exports)
    }

    #[test]
    fn pairs_over_the_threshold() {
        let lib = ElfFacts::default;
        let exe = || ElfFacts { executable: true, ..Default::default() };
        let foo = vec!["foo_a", "foo_b", "foo_c", "foo_d"];
        let (c, e) = closure(vec![
            (exe(), vec!["foo_a", "foo_b", "foo_c", "foo_d", "main"]),
            (lib(), foo.clone()),
            (lib(), vec!["foo_a", "foo_b", "foo_c", "x"]),
            (lib(), foo.clone()),
            (exe(), foo),
        ]);
        let got: Vec<((usize, usize), usize)> =
            symbol_copies(&c, &e).iter().map(|s| (s.objects, s.shared)).collect();
        // Two executables (0, 4) are never one process; (x, 2) share 3.
        assert_eq!(got, [((0, 1), 4), ((0, 3), 4), ((1, 3), 4), ((1, 4), 4), ((3, 4), 4)]);
        assert_eq!(symbol_copies(&c, &e)[0].examples, ["foo_a", "foo_b", "foo_c"]);
    }

    #[test]
    fn a_plugin_interface_is_no_copy_and_a_noted_pair_is_reported_once() {
        let plugin = |dir: &str| (PathBuf::from(dir), vec!["init", "run", "stop", "exit"]);
        let mut objects = Vec::new();
        for (dir, mut names) in [plugin("p"), plugin("p"), plugin("p"), plugin("q"), plugin("q")] {
            if objects.len() < 2 {
                names.extend(["bar_a", "bar_b", "bar_c", "bar_d"]);
            }
            objects.push((ElfFacts::default(), names, Some(dir)));
        }
        let exports = objects
            .iter()
            .map(|(_, n, _)| Exports {
                names: n.iter().map(|n| n.as_bytes().to_vec()).collect(),
                runtime: Marks::default(),
                visible: None,
            })
            .collect::<Vec<_>>();
        let objects = objects
            .into_iter()
            .enumerate()
            .map(|(i, (facts, _, plugin_of))| Object {
                path: PathBuf::from(format!("o{i}")),
                loader: None,
                plugin_of,
                facts,
            })
            .collect();
        let mut c = Closure { objects, missing: Vec::new(), work: Work::default() };
        let got = |c: &Closure| {
            symbol_copies(c, &exports).iter().map(|s| (s.objects, s.shared)).collect::<Vec<_>>()
        };
        // Five plugins define the interface: only the two that also embed
        // bar share anything, wherever they are.
        assert_eq!(got(&c), [((0, 1), 4)]);
        let entry = |library: &str| crate::formats::provenance::Entry {
            library: library.into(),
            file: format!("lib{library}.a"),
            digest: crate::formats::provenance::Digest([7; 32]),
            members: vec![],
            hidden: false,
            exported: false,
            private: false,
            version: None,
            purl: None,
            symbols: None,
            sizes: None,
        };
        c.objects[0].facts.entries = vec![entry("bar")];
        assert_eq!(symbol_copies(&c, &exports)[0].archives, [(0, "libbar.a".to_string())]);
        c.objects[1].facts.entries = vec![entry("bar")];
        assert!(got(&c).is_empty(), "the notes' duplicate says it");
    }
}

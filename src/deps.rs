//! What an embedded archive needs that its shared twin would have brought:
//! what `pkgconf --static --libs` says (read by `crate::pkgconfig`), and the
//! `DT_NEEDED` list of `libNAME.so`.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::Path;

use object::read::elf::{Dyn, ElfFile64, FileHeader};
use object::{elf, Endianness};

use crate::archive::script;
use crate::args::LibName;
use crate::decision::Flag;
use crate::pkgconfig::{Fragment, Meaning};

pub mod complete;

/// One library an archive depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dep {
    pub lib: LibName,
    /// For a `DT_NEEDED` entry, the runtime file (`libacl.so.1`), to link
    /// as `-l:libacl.so.1` when the development link `libacl.so` is missing.
    pub runtime_file: Option<OsString>,
}

#[cfg(test)]
impl Dep {
    fn name(name: &str) -> Dep {
        Dep { lib: LibName::Name(name.into()), runtime_file: None }
    }
}

/// What `pkgconf --static --libs` says a package needs, split into the
/// libraries (each decided like any other) and the flags that travel with
/// the embedded archive. Flags that stand for a library become it, as the
/// driver would make them (`-pthread` is `-lpthread`, `-fopenmp` is
/// `-lgomp`); the package's own `-lNAME` is the archive itself.
pub fn from_fragments(frags: &[Fragment], own_name: &OsStr) -> (Vec<Dep>, Vec<Flag>) {
    let mut deps = Vec::new();
    let mut flags = Vec::new();
    let mut seen_deps = HashSet::new();
    let mut seen_flags = HashSet::new();
    for meaning in frags.iter().flat_map(Fragment::meanings) {
        let dep = |lib| Some(Dep { lib, runtime_file: None });
        let (dep, flag) = match meaning {
            Meaning::Lib(n) if n == own_name => (None, None),
            Meaning::Lib(n) => (dep(LibName::Name(n)), None),
            Meaning::LibFile(f) => (dep(LibName::Verbatim(f)), None),
            Meaning::Pthread => (dep(LibName::Name("pthread".into())), None),
            Meaning::OpenMp => (dep(LibName::Name("gomp".into())), None),
            Meaning::LibDir(d) => {
                let mut w = OsString::from("-L");
                w.push(d);
                (None, Some(Flag::Linker(vec![w])))
            }
            Meaning::Linker(args) => (None, Some(Flag::Linker(args))),
            Meaning::Other(w) => (None, Some(Flag::Driver(w))),
        };
        if let Some(d) = dep.filter(|d| seen_deps.insert(d.clone())) {
            deps.push(d);
        }
        if let Some(f) = flag.filter(|f| seen_flags.insert(f.clone())) {
            flags.push(f);
        }
    }
    (deps, flags)
}

/// The `DT_NEEDED` names of a shared object, as libraries to link. A
/// linker script (Debian's `libncurses.so` is `INPUT(libncurses.so.6
/// -ltinfo)`) is followed to its inputs.
pub fn from_shared_object(so: &Path) -> Option<Vec<Dep>> {
    let data = std::fs::read(so).ok()?;
    if script::looks_like_script(&data) {
        let mut deps = Vec::new();
        for input in script::inputs(&data, so.parent()?) {
            match input {
                script::Input::Lib(name) => deps.push(Dep { lib: LibName::Name(name), runtime_file: None }),
                script::Input::File(f) => deps.extend(from_shared_object(&f).unwrap_or_default()),
            }
        }
        return Some(deps);
    }
    let names = needed(&data)?;
    Some(names.iter().filter_map(|n| dep_for_needed(n)).collect())
}

fn needed(data: &[u8]) -> Option<Vec<String>> {
    let file = ElfFile64::<Endianness>::parse(data).ok()?;
    let endian = file.endian();
    let sections = file.elf_header().sections(endian, data).ok()?;
    let (entries, link) = sections.dynamic(endian, data).ok()??;
    let strings = sections.strings(endian, data, link).ok()?;
    Some(
        entries
            .iter()
            .filter(|d| d.tag32(endian) == Some(elf::DT_NEEDED))
            .filter_map(|d| d.string(endian, strings).ok())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect(),
    )
}

/// `libcrypto.so.3` gives `crypto`; the dynamic loader gives nothing.
fn dep_for_needed(needed: &str) -> Option<Dep> {
    if needed.starts_with("ld-linux") || needed.starts_with("ld64.so") {
        return None;
    }
    let stem = needed.strip_prefix("lib")?;
    let name = &stem[..stem.find(".so")?];
    Some(Dep { lib: LibName::Name(name.into()), runtime_file: Some(needed.into()) })
}

/// pkg-config's list with the shared twin's `DT_NEEDED` merged in: one
/// entry per library, in first-seen order. pkg-config knows static-only
/// needs (libbrotlicommon); the twin's `DT_NEEDED` is what the library
/// really used (libbrotlienc.pc forgets -lm) and names the runtime file
/// (libgssapi_krb5.so.2), which fills in pkg-config's entry.
pub fn merge(pc: Vec<Dep>, needed: Vec<Dep>) -> Vec<Dep> {
    let mut deps = pc;
    let mut at: HashMap<LibName, usize> = HashMap::new();
    for (i, d) in deps.iter().enumerate() {
        at.entry(d.lib.clone()).or_insert(i);
    }
    for n in needed {
        match at.get(&n.lib) {
            Some(&i) => deps[i].runtime_file = deps[i].runtime_file.take().or(n.runtime_file),
            None => {
                at.insert(n.lib.clone(), deps.len());
                deps.push(n);
            }
        }
    }
    deps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_to_dependencies_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("libpsx.pc"),
            "libdir=/usr/lib\nName: psx\nDescription: d\nVersion: 1\n\
             Libs: -L${libdir} -lpsx -lpthread -Wl,-wrap,pthread_create\nRequires.private: libz\n",
        )
        .unwrap();
        std::fs::write(
            d.join("libz.pc"),
            "Name: z\nDescription: d\nVersion: 1\nLibs: -L/opt/z/lib -lz -pthread\nLibs.private: -fopenmp -l:libq.so.1 -rdynamic\n",
        )
        .unwrap();
        let config = crate::pkgconfig::Config {
            path: vec![d.as_os_str().as_encoded_bytes().to_vec()],
            libdir: Some(Vec::new()),
            ..Default::default()
        };
        let frags = crate::pkgconfig::static_libs(&config, OsStr::new("libpsx")).unwrap();
        let (deps, flags) = from_fragments(&frags, OsStr::new("psx"));
        let lib = |n: &str| Dep::name(n);
        let verbatim = Dep { lib: LibName::Verbatim("libq.so.1".into()), runtime_file: None };
        assert_eq!(deps, [lib("pthread"), lib("z"), lib("gomp"), verbatim]);
        let linker = |w: &[&str]| Flag::Linker(w.iter().map(OsString::from).collect());
        assert_eq!(
            flags,
            [
                linker(&["-wrap", "pthread_create"]),
                linker(&["-L/opt/z/lib"]),
                Flag::Driver("-rdynamic".into())
            ]
        );
    }

    #[test]
    fn needed_names_to_libraries() {
        let needed =
            |name: &str, file: &str| Dep { lib: LibName::Name(name.into()), runtime_file: Some(file.into()) };
        assert_eq!(dep_for_needed("libcrypto.so.3"), Some(needed("crypto", "libcrypto.so.3")));
        assert_eq!(dep_for_needed("libacl.so.1"), Some(needed("acl", "libacl.so.1")));
        assert_eq!(dep_for_needed("ld-linux-x86-64.so.2"), None);
    }
}

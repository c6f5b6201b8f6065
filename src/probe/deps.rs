//! What an embedded archive needs that its shared twin would have brought:
//! what `pkgconf --static --libs` says (read by `crate::formats::pkgconfig`), and the
//! `DT_NEEDED` list of `libNAME.so`.

use foldhash::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use object::read::elf::{Dyn, ElfFile64, FileHeader};
use object::{elf, Endianness};

use crate::args::LibName;
use crate::formats::archive::script;
use crate::formats::pkgconfig::{Fragment, Meaning};
use crate::model::Flag;

use crate::model::Dep;

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
    let mut seen_deps = HashSet::default();
    let mut seen_flags = HashSet::default();
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
            // A word that is no option is an input file. An absolute path
            // goes to the driver as it is; a bare name (norm.pc says
            // `libprotokit.a`, which Debian does not ship) is looked for
            // like `-l:NAME`, so one that cannot be found keeps the archive
            // dynamic instead of breaking the link.
            Meaning::Other(w) if !w.as_bytes().starts_with(b"-") && !Path::new(&w).is_absolute() => {
                (dep(LibName::Verbatim(w)), None)
            }
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

/// How many linker scripts deep a shared twin may lead. Debian's go one
/// deep (`libcurses.so` is `INPUT(libncurses.so.6 -ltinfo)`); a cycle is
/// cut before this by the set of files already read.
const MAX_SCRIPT_DEPTH: usize = 8;

/// The `DT_NEEDED` names of a shared object, as libraries to link. A
/// linker script (Debian's `libncurses.so` is `INPUT(libncurses.so.6
/// -ltinfo)`) is followed to its inputs, each file once: `libfoo.so`
/// containing `INPUT(libfoo.so)`, or two scripts naming each other,
/// overflowed the stack before. Only regular files are read, and they are
/// mapped, not read whole.
pub fn from_shared_object(so: &Path) -> Option<Vec<Dep>> {
    let mut deps = Vec::new();
    shared_object_deps(so, &mut HashSet::default(), 0, &mut deps)?;
    Some(deps)
}

/// Appends the needs of `so` to `deps`; `None` when it cannot be read or
/// is neither ELF nor a script.
fn shared_object_deps(
    so: &Path,
    seen: &mut HashSet<(u64, u64)>,
    depth: usize,
    deps: &mut Vec<Dep>,
) -> Option<()> {
    let (data, id) = crate::fsx::mapped(so).ok()?;
    if depth > MAX_SCRIPT_DEPTH || !seen.insert((id.dev, id.ino)) {
        // Already read (a cycle, or a file two scripts share) or too deep:
        // it adds nothing new.
        return Some(());
    }
    if id.size == 0 {
        return None;
    }
    let dir = so.parent()?;
    // What the file says, read in place; a script's inputs are followed
    // once that read is done.
    let read = data
        .read(|data| match needed(data) {
            Some(names) => Ok(names),
            None => Err((script::inputs(data, dir), script::looks_like_script(data))),
        })
        .ok()?;
    let (inputs, script) = match read {
        Ok(names) => {
            deps.extend(names.iter().filter_map(|n| dep_for_needed(n)));
            return Some(());
        }
        Err(read) => read,
    };
    for input in inputs {
        match input {
            script::Input::Lib(name) => deps.push(Dep { lib: LibName::Name(name), runtime_file: None }),
            script::Input::File(f) => {
                let _ = shared_object_deps(&f, seen, depth + 1, deps);
            }
        }
    }
    script.then_some(())
}

/// The `DT_SONAME` of the shared object at `path` (a symlink followed),
/// for ELF of either class; `None` when it has none or is no ELF shared
/// object (a linker script).
pub fn soname_of(path: &Path) -> Option<Vec<u8>> {
    fn of<E: object::read::elf::FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<Vec<u8>> {
        let header = E::parse(data).ok()?;
        let endian = header.endian().ok()?;
        let sections = header.sections(endian, data).ok()?;
        let (entries, link) = sections.dynamic(endian, data).ok()??;
        let strings = sections.strings(endian, data, link).ok()?;
        let entry = entries.iter().find(|d| d.tag32(endian) == Some(elf::DT_SONAME))?;
        entry.string(endian, strings).ok().map(<[u8]>::to_vec)
    }
    let (data, id) = crate::fsx::mapped(path).ok()?;
    if id.size == 0 {
        return None;
    }
    data.read(|data| {
        of::<object::elf::FileHeader64<Endianness>>(data)
            .or_else(|| of::<object::elf::FileHeader32<Endianness>>(data))
    })
    .ok()?
}

fn needed(data: &[u8]) -> Option<Vec<Vec<u8>>> {
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
            .map(<[u8]>::to_vec)
            .collect(),
    )
}

/// The library a `DT_NEEDED` entry names, as a token ld accepts:
///
/// - `libNAME.so` or `libNAME.so.VERSION` gives `-lNAME` (with the runtime
///   file kept, for `-l:libacl.so.1` when `libacl.so` is missing);
/// - any other name (`lib.so`, which would give a bare `-l`; `foo.so.1`
///   without `lib`; `libfoo` without `.so`) gives `-l:NAME`, which ld
///   looks up as exactly that file (ld manual, `-l:filename`);
/// - the dynamic loader (`ld-linux-x86-64.so.2`, `ld64.so.2`, `ld.so.1`,
///   `ld-musl-*`) gives nothing: the driver links it already;
/// - a name with a `/` (a library linked by path without a SONAME) gives
///   nothing either: `-l:` searches directories and cannot take a path.
fn dep_for_needed(needed: &[u8]) -> Option<Dep> {
    let is_loader =
        [&b"ld-linux"[..], b"ld64.so", b"ld.so", b"ld-musl"].iter().any(|p| needed.starts_with(p));
    if needed.is_empty() || is_loader || needed.contains(&b'/') {
        return None;
    }
    let file = OsString::from_vec(needed.to_vec());
    let name = needed.strip_prefix(b"lib").and_then(|stem| {
        let at = stem.windows(3).position(|w| w == b".so")?;
        let rest = &stem[at + 3..];
        (at > 0 && (rest.is_empty() || rest.starts_with(b"."))).then(|| &stem[..at])
    });
    Some(match name {
        Some(name) => Dep { lib: LibName::Name(OsString::from_vec(name.to_vec())), runtime_file: Some(file) },
        None => Dep { lib: LibName::Verbatim(file), runtime_file: None },
    })
}

/// pkg-config's list with the shared twin's `DT_NEEDED` merged in: one
/// entry per library, in first-seen order. pkg-config knows static-only
/// needs (libbrotlicommon); the twin's `DT_NEEDED` is what the library
/// really used (libbrotlienc.pc forgets -lm) and names the runtime file
/// (libgssapi_krb5.so.2), which fills in pkg-config's entry.
pub fn merge(pc: Vec<Dep>, needed: Vec<Dep>) -> Vec<Dep> {
    let mut deps = pc;
    let mut at: HashMap<LibName, usize> = HashMap::default();
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
            "Name: z\nDescription: d\nVersion: 1\nLibs: -L/opt/z/lib -lz -pthread\nLibs.private: -fopenmp -l:libq.so.1 -rdynamic libextra.a /opt/z/lib/libabs.a\n",
        )
        .unwrap();
        let config = crate::formats::pkgconfig::Config {
            path: vec![d.as_os_str().as_encoded_bytes().to_vec()],
            libdir: Some(Vec::new()),
            ..Default::default()
        };
        let frags = crate::formats::pkgconfig::static_libs(&config, OsStr::new("libpsx")).unwrap();
        let (deps, flags) = from_fragments(&frags, OsStr::new("psx"));
        let lib = |n: &str| Dep::name(n);
        let verbatim = Dep { lib: LibName::Verbatim("libq.so.1".into()), runtime_file: None };
        let extra = Dep { lib: LibName::Verbatim("libextra.a".into()), runtime_file: None };
        assert_eq!(deps, [lib("pthread"), lib("z"), lib("gomp"), verbatim, extra]);
        let linker = |w: &[&str]| Flag::Linker(w.iter().map(OsString::from).collect());
        assert_eq!(
            flags,
            [
                linker(&["-wrap", "pthread_create"]),
                linker(&["-L/opt/z/lib"]),
                Flag::Driver("-rdynamic".into()),
                Flag::Driver("/opt/z/lib/libabs.a".into())
            ]
        );
    }

    #[test]
    fn needed_names_to_libraries() {
        let needed =
            |name: &str, file: &str| Dep { lib: LibName::Name(name.into()), runtime_file: Some(file.into()) };
        let dep_for_needed = |n: &str| dep_for_needed(n.as_bytes());
        assert_eq!(dep_for_needed("libcrypto.so.3"), Some(needed("crypto", "libcrypto.so.3")));
        assert_eq!(dep_for_needed("libacl.so.1"), Some(needed("acl", "libacl.so.1")));
        assert_eq!(dep_for_needed("ld-linux-x86-64.so.2"), None);
    }

    #[test]
    fn odd_needed_names_give_tokens_ld_accepts() {
        let name =
            |n: &str, f: &str| Some(Dep { lib: LibName::Name(n.into()), runtime_file: Some(f.into()) });
        let verbatim = |f: &str| Some(Dep { lib: LibName::Verbatim(f.into()), runtime_file: None });
        let check = |needed: &[u8], expected: Option<Dep>| assert_eq!(dep_for_needed(needed), expected);
        // `lib.so` gave a bare `-l` before, which ld refuses.
        check(b"lib.so", verbatim("lib.so"));
        check(b"lib.so.1", verbatim("lib.so.1"));
        check(b"libfoo.so", name("foo", "libfoo.so"));
        check(b"libfoo-2.0.so.0.1", name("foo-2.0", "libfoo-2.0.so.0.1"));
        check(b"foo.so.1", verbatim("foo.so.1"));
        check(b"libfoo", verbatim("libfoo"));
        check(b"libfoo.sox", verbatim("libfoo.sox"));
        for loader in
            ["ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "ld64.so.2", "ld.so.1", "ld-musl-x86_64.so.1"]
        {
            check(loader.as_bytes(), None);
        }
        check(b"", None);
        check(b"/opt/x/libfoo.so", None);
        let odd = dep_for_needed(b"lib\xff.so.1").unwrap();
        assert_eq!(odd.lib, LibName::Name(OsString::from_vec(vec![0xff])), "bytes kept, not U+FFFD");
    }

    #[test]
    fn script_twins_that_name_themselves_or_each_other_end() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Each of these overflowed the stack (SIGSEGV) before the seen-set.
        std::fs::write(d.join("libself.so"), "INPUT(libself.so -lm)").unwrap();
        assert_eq!(from_shared_object(&d.join("libself.so")), Some(vec![Dep::name("m")]));
        std::fs::write(d.join("liba.so"), "INPUT(libb.so -la1)").unwrap();
        std::fs::write(d.join("libb.so"), "GROUP(liba.so -lb1)").unwrap();
        assert_eq!(from_shared_object(&d.join("liba.so")), Some(vec![Dep::name("b1"), Dep::name("a1")]));
        // INCLUDE is followed the same way, so a script including itself ends too.
        std::fs::write(d.join("libinc.so"), "INCLUDE libinc.so\nINPUT(-lq)").unwrap();
        assert_eq!(from_shared_object(&d.join("libinc.so")), Some(vec![Dep::name("q")]));
        // A chain deeper than the limit stops there.
        for i in 0..40 {
            std::fs::write(d.join(format!("libc{i}.so")), format!("INPUT(libc{}.so -lc{i})", i + 1)).unwrap();
        }
        let deps = from_shared_object(&d.join("libc0.so")).unwrap();
        assert_eq!(deps.len(), MAX_SCRIPT_DEPTH + 1);
        // Text that is not a script, and a FIFO (which hung a read), give nothing.
        std::fs::write(d.join("libtext.so"), "See INPUTS.md\n").unwrap();
        assert_eq!(from_shared_object(&d.join("libtext.so")), None);
        let fifo = d.join("libfifo.so");
        crate::fsx::test_support::mkfifo(&fifo);
        assert_eq!(from_shared_object(&fifo), None);
    }
}

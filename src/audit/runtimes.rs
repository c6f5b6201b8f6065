//! One-per-process runtimes (issue 22 §5, issue 35 §4): a process holds
//! one CUDA runtime and one OpenMP runtime. Two CUDA runtimes keep two
//! sets of contexts, module registrations and error state; two OpenMP
//! runtimes keep two thread pools, each sized to the whole machine, and
//! LLVM's libomp aborts when it finds another copy of itself initialized
//! (`OMP: Error #15`; joblib/threadpoolctl #41 can only warn at run time).
//!
//! Every runtime is known the same three ways, from one table
//! ([`KNOWN`]): by its name (the object's `DT_SONAME`, or its file name
//! when it has none), by a solink note that records its archive, or by
//! symbols only a copy of it defines, in `.dynsym` or, for a copy hidden
//! with `--exclude-libs`, in `.symtab` (until stripped). [`Marks`] is what
//! `copies::exports` reads of those symbols in its one pass, [`identify`]
//! says which runtime an object is or embeds, and [`cuda_runtimes`] and
//! [`openmp_runtimes`] are the two families' rules: pure functions of the
//! closure and the marks.

use super::{Closure, Object};

/// cudart's registration entry point, which nvcc's generated code calls
/// for every fat binary and only the runtime defines.
const CUDART_INTERNAL: &[u8] = b"__cudaRegisterFatBinary";
/// And a runtime API function, so a lone shim of the entry point is not
/// taken for the runtime.
const CUDART_API: &[u8] = b"cudaGetDeviceCount";
/// The OpenMP API every runtime defines, and a stub library (OpenMP
/// stubs for a build without it) defines too: never enough alone.
const OMP_API: &[u8] = b"omp_get_num_threads";
/// What gcc's `#pragma omp parallel` calls: libgomp's entry. LLVM's libomp
/// defines it too (its GOMP compatibility layer), so it marks libgomp only
/// where [`KMP_ENTRY`] is absent.
const GOMP_ENTRY: &[u8] = b"GOMP_parallel";
/// What clang's and Intel's compilers call: the entry of libomp and
/// libiomp5, which are one code base (Intel's, given to LLVM).
const KMP_ENTRY: &[u8] = b"__kmpc_fork_call";

/// Every symbol that marks a runtime; [`Marks`] keeps one bit for each.
const MARKERS: [&[u8]; 5] = [CUDART_INTERNAL, CUDART_API, OMP_API, GOMP_ENTRY, KMP_ENTRY];

/// Which of the [`MARKERS`] an object defines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks(u8);

impl Marks {
    /// Records `name` if it is a marker (a defined symbol of the object).
    pub fn add(&mut self, name: &[u8]) {
        if let Some(i) = MARKERS.iter().position(|m| *m == name) {
            self.0 |= 1 << i;
        }
    }

    fn has(self, name: &[u8]) -> bool {
        MARKERS.iter().position(|m| *m == name).is_some_and(|i| self.0 & (1 << i) != 0)
    }

    /// Whether the symbols read so far already make some runtime's
    /// signature: then `.symtab` need not be read as well.
    pub fn complete(self) -> bool {
        KNOWN.iter().any(|k| k.signed_by(self))
    }

    /// The marks of the given names, for tests.
    #[cfg(test)]
    pub fn of(names: &[&str]) -> Marks {
        let mut m = Marks::default();
        names.iter().for_each(|n| m.add(n.as_bytes()));
        m
    }
}

/// The runtimes a process may hold only one of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// NVIDIA's CUDA runtime, static (`libcudart_static.a`) or shared.
    Cudart,
    /// GCC's OpenMP runtime.
    Gomp,
    /// LLVM's OpenMP runtime.
    Omp,
    /// Intel's OpenMP runtime.
    Iomp5,
    /// libomp or libiomp5, known by symbols only: the two define the same.
    OmpOrIomp5,
}

/// The two families: one runtime of each per process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Cuda,
    OpenMp,
}

impl Runtime {
    /// Its name in every report, text, JSON and the SBOMs.
    pub fn word(self) -> &'static str {
        match self {
            Runtime::Cudart => "libcudart",
            Runtime::Gomp => "libgomp",
            Runtime::Omp => "libomp",
            Runtime::Iomp5 => "libiomp5",
            Runtime::OmpOrIomp5 => "libomp or libiomp5",
        }
    }

    pub fn family(self) -> Family {
        match self {
            Runtime::Cudart => Family::Cuda,
            _ => Family::OpenMp,
        }
    }
}

/// How an object was told to be, or to embed, a runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Its soname (or file name, without one) is the runtime's.
    Name,
    /// Its solink note records the runtime's archive.
    Note,
    /// It defines the runtime's signature.
    Symbols,
}

impl Evidence {
    /// The one word for it, in JSON.
    pub fn word(self) -> &'static str {
        match self {
            Evidence::Name => "name",
            Evidence::Note => "note",
            Evidence::Symbols => "symbols",
        }
    }
}

/// One runtime as the audit knows it.
pub struct Known {
    pub runtime: Runtime,
    /// The names of its shared form, each a prefix of the soname or file
    /// name (`libgomp.so` for `libgomp.so.1`); none for a runtime known by
    /// its symbols only.
    shared: &'static [&'static [u8]],
    /// Its archive as a note records it: file and library.
    archive: Option<(&'static str, &'static str)>,
    /// A copy defines all of these,
    defines: &'static [&'static [u8]],
    /// and none of these.
    lacks: &'static [&'static [u8]],
}

impl Known {
    fn signed_by(&self, m: Marks) -> bool {
        !self.defines.is_empty()
            && self.defines.iter().all(|d| m.has(d))
            && !self.lacks.iter().any(|l| m.has(l))
    }

    fn named(&self, name: &[u8]) -> bool {
        self.shared.iter().any(|p| name.starts_with(p))
    }

    fn noted(&self, o: &Object) -> bool {
        self.archive.is_some_and(|(file, library)| {
            o.facts.entries.iter().any(|e| e.file == file || e.library == library)
        })
    }

    /// What showed it, for people: `libcudart_static.a, by its note`, `it
    /// defines __cudaRegisterFatBinary and cudaGetDeviceCount`, `by its
    /// name`.
    pub fn how(&self, evidence: Evidence) -> String {
        match evidence {
            Evidence::Name => "by its name".to_string(),
            Evidence::Note => format!("{}, by its note", self.archive.map_or("", |(file, _)| file)),
            Evidence::Symbols => {
                let names: Vec<String> =
                    self.defines.iter().map(|d| String::from_utf8_lossy(d).into_owned()).collect();
                format!("it defines {}", names.join(" and "))
            }
        }
    }
}

/// The runtimes, in the order they are tried: by name first, so the shared
/// runtime itself (which defines its own signature) is never taken for an
/// embedded copy; libomp and libiomp5 are told apart by name only.
pub const KNOWN: &[Known] = &[
    Known {
        runtime: Runtime::Cudart,
        shared: &[b"libcudart.so"],
        archive: Some(("libcudart_static.a", "cudart_static")),
        defines: &[CUDART_INTERNAL, CUDART_API],
        lacks: &[],
    },
    Known {
        runtime: Runtime::Gomp,
        shared: &[b"libgomp.so"],
        archive: Some(("libgomp.a", "gomp")),
        defines: &[OMP_API, GOMP_ENTRY],
        lacks: &[KMP_ENTRY],
    },
    Known {
        runtime: Runtime::Omp,
        // Debian's `libomp5.so` is a second name of `libomp.so.5`.
        shared: &[b"libomp.so", b"libomp5.so"],
        archive: Some(("libomp.a", "omp")),
        defines: &[],
        lacks: &[],
    },
    Known {
        runtime: Runtime::Iomp5,
        shared: &[b"libiomp5.so"],
        archive: Some(("libiomp5.a", "iomp5")),
        defines: &[],
        lacks: &[],
    },
    Known {
        runtime: Runtime::OmpOrIomp5,
        shared: &[],
        archive: None,
        defines: &[OMP_API, KMP_ENTRY],
        lacks: &[],
    },
];

/// The table's row for `runtime`.
pub fn known(runtime: Runtime) -> &'static Known {
    KNOWN.iter().find(|k| k.runtime == runtime).expect("every runtime has a row")
}

/// A count of runtimes in words: `two`, `three`, then digits.
pub fn count_word(n: usize) -> String {
    match n {
        2 => "two".to_string(),
        3 => "three".to_string(),
        _ => n.to_string(),
    }
}

/// The name the loader knows an object by: its soname, or its file name
/// without one.
fn name_of(o: &Object) -> Vec<u8> {
    o.facts
        .soname
        .clone()
        .unwrap_or_else(|| o.path.file_name().map(|f| f.as_encoded_bytes().to_vec()).unwrap_or_default())
}

/// The runtime of `family` that object `o` is (by its name) or embeds (by
/// its note, or by the symbols it defines), and how that was told.
/// LLVM's `libgomp.so` alias is libomp: its soname says so.
pub fn identify(o: &Object, marks: Marks, family: Family) -> Option<(&'static Known, Evidence)> {
    let known = || KNOWN.iter().filter(|k| k.runtime.family() == family);
    let name = name_of(o);
    if let Some(k) = known().find(|k| k.named(&name)) {
        return Some((k, Evidence::Name));
    }
    if let Some(k) = known().find(|k| k.noted(o)) {
        return Some((k, Evidence::Note));
    }
    known().find(|k| k.signed_by(marks)).map(|k| (k, Evidence::Symbols))
}

/// One object with the static CUDA runtime in a process where others
/// (or itself) need the shared one: two runtimes, each with its own
/// contexts, module registrations and error state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwoCudaRuntimes {
    pub embeds: usize,
    /// [`Evidence::Note`] or [`Evidence::Symbols`].
    pub how: Evidence,
    /// Each object that needs `libcudart.so*`, and the name it needs.
    pub needed_by: Vec<(usize, String)>,
}

/// Every object of `c` that embeds the static CUDA runtime while an object
/// of `c` needs `libcudart.so*` (`DT_NEEDED`, found or not). The shared
/// runtime itself (its soname, or its file name, is `libcudart.so*`)
/// defines the same symbols and is not taken for a static copy.
pub fn cuda_runtimes(c: &Closure, marks: &[Marks]) -> Vec<TwoCudaRuntimes> {
    let cudart = known(Runtime::Cudart);
    let needed_by: Vec<(usize, String)> = c
        .objects
        .iter()
        .enumerate()
        .flat_map(|(i, o)| {
            o.facts
                .needed
                .iter()
                .filter(|n| cudart.named(n))
                .map(move |n| (i, String::from_utf8_lossy(n).into_owned()))
        })
        .collect();
    if needed_by.is_empty() {
        return Vec::new();
    }
    c.objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match identify(o, marks.get(i).copied().unwrap_or_default(), Family::Cuda) {
            Some((_, how @ (Evidence::Note | Evidence::Symbols))) => {
                Some(TwoCudaRuntimes { embeds: i, how, needed_by: needed_by.clone() })
            }
            _ => None,
        })
        .collect()
}

/// One OpenMP runtime of a process that holds two or more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenMpRuntime {
    /// The object that is the runtime, or embeds it.
    pub object: usize,
    pub runtime: Runtime,
    pub how: Evidence,
    /// Each object whose `DT_NEEDED` names it (by soname or file name),
    /// and the name.
    pub needed_by: Vec<(usize, String)>,
}

/// Every OpenMP runtime of `c` (each object that is one by its name or
/// embeds one by its note or its symbols) when there are two or more;
/// none when there is at most one. Two copies of one runtime are two
/// runtimes as well: each keeps its own thread pool.
pub fn openmp_runtimes(c: &Closure, marks: &[Marks]) -> Vec<OpenMpRuntime> {
    let found: Vec<OpenMpRuntime> = c
        .objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let (k, how) = identify(o, marks.get(i).copied().unwrap_or_default(), Family::OpenMp)?;
            Some(OpenMpRuntime { object: i, runtime: k.runtime, how, needed_by: needers(c, i) })
        })
        .collect();
    if found.len() < 2 {
        return Vec::new();
    }
    found
}

/// Whether both objects of a pair are among the OpenMP runtimes found.
pub fn both_openmp(found: &[OpenMpRuntime], (x, y): (usize, usize)) -> bool {
    [x, y].iter().all(|o| found.iter().any(|r| r.object == *o))
}

/// The objects of `c` whose `DT_NEEDED` names object `j`: by its soname or
/// its file name (the name the search found it by).
fn needers(c: &Closure, j: usize) -> Vec<(usize, String)> {
    let o = &c.objects[j];
    let file = o.path.file_name().map(|f| f.as_encoded_bytes());
    c.objects
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != j)
        .flat_map(|(i, p)| {
            p.facts
                .needed
                .iter()
                .filter(|n| o.facts.soname.as_deref() == Some(n.as_slice()) || file == Some(n.as_slice()))
                .map(move |n| (i, String::from_utf8_lossy(n).into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{ElfFacts, Work};
    use std::path::PathBuf;

    fn facts(soname: Option<&str>, needed: &[&str]) -> ElfFacts {
        ElfFacts {
            soname: soname.map(|s| s.as_bytes().to_vec()),
            needed: needed.iter().map(|n| n.as_bytes().to_vec()).collect(),
            ..Default::default()
        }
    }

    fn closure(objects: Vec<(&str, ElfFacts)>) -> Closure {
        let objects = objects
            .into_iter()
            .map(|(path, facts)| Object { path: PathBuf::from(path), loader: None, plugin_of: None, facts })
            .collect();
        Closure { objects, missing: Vec::new(), work: Work::default() }
    }

    #[test]
    fn cuda_rules() {
        let mut c = closure(vec![
            ("o0", facts(None, &["liba.so"])),
            ("o1", facts(Some("liba.so"), &[])),
            ("o2", facts(Some("libcudart.so.12"), &[])),
            ("o3", facts(Some("libb.so"), &["libcudart.so.12"])),
        ]);
        let both = Marks::of(&["__cudaRegisterFatBinary", "cudaGetDeviceCount"]);
        let cudart = |flags: [bool; 4]| {
            flags.iter().map(|&f| if f { both } else { Marks::default() }).collect::<Vec<_>>()
        };
        // The shared runtime defines the symbols too, and is none.
        let got = cuda_runtimes(&c, &cudart([false, true, true, false]));
        assert_eq!(
            got,
            [TwoCudaRuntimes {
                embeds: 1,
                how: Evidence::Symbols,
                needed_by: vec![(3, "libcudart.so.12".into())]
            }]
        );
        assert!(cuda_runtimes(&c, &cudart([false, false, true, false])).is_empty());
        // One of the two symbols alone is a shim, not the runtime.
        let shim = vec![Marks::default(), Marks::of(&["__cudaRegisterFatBinary"]), both, Marks::default()];
        assert!(cuda_runtimes(&c, &shim).is_empty());
        // Nobody needs the shared one: one runtime.
        c.objects[3].facts.needed.clear();
        assert!(cuda_runtimes(&c, &cudart([false, true, true, false])).is_empty());
    }

    /// What each OpenMP runtime defines of the markers, as Debian 12's
    /// libgomp.so.1 (gcc 12) and libomp.so.5 (LLVM 14) do: libomp also
    /// defines GOMP_parallel, for code gcc compiled.
    fn gomp() -> Marks {
        Marks::of(&["omp_get_num_threads", "GOMP_parallel"])
    }
    fn kmp() -> Marks {
        Marks::of(&["omp_get_num_threads", "GOMP_parallel", "__kmpc_fork_call"])
    }

    #[test]
    fn each_openmp_runtime_by_name_then_symbols() {
        let one = |path: &str, soname: Option<&str>, marks: Marks| {
            let c = closure(vec![(path, facts(soname, &[]))]);
            identify(&c.objects[0], marks, Family::OpenMp).map(|(k, how)| (k.runtime, how))
        };
        let none = Marks::default();
        assert_eq!(
            one("/l/libgomp.so.1", Some("libgomp.so.1"), gomp()),
            Some((Runtime::Gomp, Evidence::Name))
        );
        assert_eq!(one("/l/libomp.so.5", Some("libomp.so.5"), kmp()), Some((Runtime::Omp, Evidence::Name)));
        assert_eq!(one("/l/libomp.so", None, none), Some((Runtime::Omp, Evidence::Name)), "file name");
        assert_eq!(one("/l/libiomp5.so", Some("libiomp5.so"), kmp()), Some((Runtime::Iomp5, Evidence::Name)));
        // LLVM's `libgomp.so` alias is libomp by its soname.
        assert_eq!(one("/llvm/libgomp.so", Some("libomp.so.5"), kmp()), Some((Runtime::Omp, Evidence::Name)));
        // Names that only look alike.
        assert_eq!(one("/l/libomptarget.so", Some("libomptarget.so"), none), None);
        assert_eq!(one("/l/libgomp-plugin-nvptx.so.1", Some("libgomp-plugin-nvptx.so.1"), none), None);
        // By symbols, where the name says nothing.
        assert_eq!(one("/w/libv.so", Some("libv.so"), gomp()), Some((Runtime::Gomp, Evidence::Symbols)));
        assert_eq!(one("/w/libv.so", Some("libv.so"), kmp()), Some((Runtime::OmpOrIomp5, Evidence::Symbols)));
        assert_eq!(
            one("/w/libv.so", None, Marks::of(&["omp_get_num_threads", "__kmpc_fork_call"])),
            Some((Runtime::OmpOrIomp5, Evidence::Symbols))
        );
        // The API alone is a stub library; an entry alone is a user.
        assert_eq!(one("/w/libv.so", None, Marks::of(&["omp_get_num_threads"])), None);
        assert_eq!(one("/w/libv.so", None, Marks::of(&["GOMP_parallel"])), None);
        // A CUDA runtime is no OpenMP one, and the other way round.
        assert_eq!(one("/l/libcudart.so.12", Some("libcudart.so.12"), none), None);
        let c = closure(vec![("/l/libgomp.so.1", facts(Some("libgomp.so.1"), &[]))]);
        assert!(identify(&c.objects[0], gomp(), Family::Cuda).is_none());
        assert!(kmp().complete() && gomp().complete() && !Marks::of(&["omp_get_num_threads"]).complete());
    }

    #[test]
    fn two_openmp_runtimes_and_who_needs_them() {
        let c = closure(vec![
            ("prog", facts(None, &["liba.so", "libb.so"])),
            ("/w/liba.so", facts(Some("liba.so"), &["libgomp.so.1"])),
            ("/w/libb.so", facts(Some("libb.so"), &["libomp.so.5"])),
            ("/l/libgomp.so.1", facts(Some("libgomp.so.1"), &[])),
            ("/l/libomp.so.5", facts(Some("libomp.so.5"), &[])),
        ]);
        let marks = [Marks::default(), Marks::default(), Marks::default(), gomp(), kmp()];
        assert_eq!(
            openmp_runtimes(&c, &marks),
            [
                OpenMpRuntime {
                    object: 3,
                    runtime: Runtime::Gomp,
                    how: Evidence::Name,
                    needed_by: vec![(1, "libgomp.so.1".into())]
                },
                OpenMpRuntime {
                    object: 4,
                    runtime: Runtime::Omp,
                    how: Evidence::Name,
                    needed_by: vec![(2, "libomp.so.5".into())]
                },
            ]
        );
        // One runtime, however many need it, is no finding.
        let one = closure(vec![
            ("prog", facts(None, &["liba.so", "libgomp.so.1"])),
            ("/w/liba.so", facts(Some("liba.so"), &["libgomp.so.1"])),
            ("/l/libgomp.so.1", facts(Some("libgomp.so.1"), &[])),
        ]);
        assert!(openmp_runtimes(&one, &[Marks::default(), Marks::default(), gomp()]).is_empty());
        let two = openmp_runtimes(&c, &marks);
        assert!(both_openmp(&two, (3, 4)) && !both_openmp(&two, (1, 4)));
        // A library that carries libomp hidden inside it, beside libgomp.
        let hidden = closure(vec![
            ("prog", facts(None, &["libv.so", "libgomp.so.1"])),
            ("/w/libv.so", facts(Some("libv.so"), &[])),
            ("/l/libgomp.so.1", facts(Some("libgomp.so.1"), &[])),
        ]);
        let got = openmp_runtimes(&hidden, &[Marks::default(), kmp(), gomp()]);
        let got: Vec<_> = got.iter().map(|r| (r.object, r.runtime, r.how, r.needed_by.clone())).collect();
        assert_eq!(
            got,
            [
                (1, Runtime::OmpOrIomp5, Evidence::Symbols, vec![(0, "libv.so".to_string())]),
                (2, Runtime::Gomp, Evidence::Name, vec![(0, "libgomp.so.1".to_string())]),
            ]
        );
    }

    #[test]
    fn how_each_was_told() {
        let cudart = &KNOWN[0];
        assert_eq!(cudart.how(Evidence::Note), "libcudart_static.a, by its note");
        assert_eq!(
            cudart.how(Evidence::Symbols),
            "it defines __cudaRegisterFatBinary and cudaGetDeviceCount"
        );
        let kmp = KNOWN.iter().find(|k| k.runtime == Runtime::OmpOrIomp5).unwrap();
        assert_eq!(kmp.how(Evidence::Symbols), "it defines omp_get_num_threads and __kmpc_fork_call");
        assert_eq!(kmp.how(Evidence::Name), "by its name");
    }
}

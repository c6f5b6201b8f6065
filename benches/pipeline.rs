//! In-process benchmarks of the pipeline: classification, resolution at
//! several scales, and archive inspection (cold and cached).
//!
//!     cargo bench --bench pipeline
//!
//! Whole-process comparisons (solink against gcc by hand, ccache and
//! libtool) are in scripts/bench.sh; the figures are in docs/performance.md.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

#[path = "../examples/genbench.rs"]
#[allow(dead_code)]
mod genbench;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::Bencher;
use solink::testing::archive::ElfId;
use solink::testing::resolve::{Policy, Resolver};
use solink::testing::search::SearchPath;

fn main() {
    divan::main();
}

const X86_64: ElfId = ElfId { class64: true, machine: object::elf::EM_X86_64 };

fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| tempfile::Builder::new().prefix("solink-bench").tempdir().unwrap().keep())
}

/// A 1,000-token shared link: objects, -L dirs, libraries, -Wl options.
#[divan::bench]
fn classify_1000_tokens(bencher: Bencher) {
    let mut argv: Vec<OsString> = vec!["-shared".into(), "-o".into(), "libx.so".into()];
    for i in 0..250 {
        argv.extend(
            [format!("obj/f{i}.o"), format!("-L/d{i}"), format!("-lx{i}"), format!("-Wl,-rpath,/r{i}")]
                .map(OsString::from),
        );
    }
    bencher.bench(|| solink::testing::args::classify(divan::black_box(argv.clone())).unwrap());
}

/// (libs, dirs, archives) as the curve names them.
const SCALES: &[(usize, usize, usize)] =
    &[(10, 10, 20), (100, 64, 200), (1000, 64, 2000), (5000, 256, 10000)];

fn scale_tree(libs: usize, dirs: usize, archives: usize) -> (PathBuf, Vec<OsString>) {
    let dir = root().join(format!("scale-{libs}x{dirs}"));
    let args = genbench::scale(&dir, libs, dirs, archives);
    (dir, args.into_iter().map(OsString::from).collect())
}

/// Resolution of `libs` names over `dirs` directories (about half of the
/// names missing), with the verdict cache warm, no system directories.
#[divan::bench(args = SCALES)]
fn resolve(bencher: Bencher, &(libs, dirs, archives): &(usize, usize, usize)) {
    let (dir, argv) = scale_tree(libs, dirs, archives);
    let cache_dir = dir.join("cache");
    let cmd = solink::testing::args::classify(argv).unwrap();
    let run = || {
        let search = SearchPath::new(&[], &cmd.lib_dirs, None, None);
        let cache = solink::testing::store::Store::open(&cache_dir).ok();
        Resolver::new(search, Policy::default(), X86_64, cache).resolve(&cmd)
    };
    run(); // warms the cache
    bencher.bench(run);
}

fn big_archive() -> &'static Path {
    static BIG: OnceLock<PathBuf> = OnceLock::new();
    BIG.get_or_init(|| genbench::big(&root().join("big"), 100))
}

/// A 100 MB archive of PIC objects, inspected from scratch.
#[divan::bench(sample_count = 20)]
fn inspect_100mb_cold(bencher: Bencher) {
    let path = big_archive();
    let size = std::fs::metadata(path).unwrap().len();
    bencher
        .counter(BytesCount::new(size))
        .bench(|| solink::testing::archive::inspect(divan::black_box(path)).unwrap());
}

/// The same archive's verdict, read from the cache.
#[divan::bench]
fn inspect_cached(bencher: Bencher) {
    let path = big_archive();
    let cache = solink::testing::store::Store::open(&root().join("verdicts")).unwrap();
    let (_, id) = solink::testing::fsx::open_regular(path).unwrap();
    cache.put(&id, &solink::testing::archive::inspect(path).unwrap());
    // A warm lookup is an open and an fstat of the archive, then the entry.
    bencher.bench(|| {
        let (_, id) = solink::testing::fsx::open_regular(divan::black_box(path)).unwrap();
        cache.get(&id).unwrap()
    });
}

/// The largest archive of the machine (`ls -S /usr/lib/x86_64-linux-gnu/*.a
/// | head -1`) and glibc's shared library: the inputs whose symbol tables
/// the closure check reads.
fn symbol_inputs() -> Vec<PathBuf> {
    let dir = Path::new("/usr/lib/x86_64-linux-gnu");
    let mut archives: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "a"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    archives.sort();
    let mut inputs: Vec<PathBuf> = archives.into_iter().rev().take(1).map(|(_, p)| p).collect();
    inputs.dedup();
    // `ls -S` does not follow symlinks, so it names libicudata.a (31 MB)
    // first; libopenblas.a, a symlink to a 58 MB file, is bigger.
    inputs.extend(
        [dir.join("libicudata.a"), dir.join("libcrypto.a"), dir.join("libc.so.6")]
            .into_iter()
            .filter(|p| p.is_file()),
    );
    inputs
}

fn symbol_input_names() -> Vec<String> {
    symbol_inputs().iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

/// Reading a file's symbol digest from scratch (page cache warm).
#[divan::bench(args = symbol_input_names(), sample_count = 20)]
fn symbols_read(bencher: Bencher, name: &str) {
    let path = symbol_inputs().into_iter().find(|p| p.file_name().unwrap() == name).unwrap();
    bencher.bench(|| solink::testing::symbols::read(divan::black_box(&path)).unwrap());
}

/// The same digest as a cache hit: an open and fstat for the key, and the
/// entry's text decoded.
#[divan::bench(args = symbol_input_names(), sample_count = 20)]
fn symbols_cached(bencher: Bencher, name: &str) {
    let path = symbol_inputs().into_iter().find(|p| p.file_name().unwrap() == name).unwrap();
    let text =
        solink::testing::store::codec::encode(&solink::testing::symbols::read(&path).unwrap().1).unwrap();
    bencher.bench(|| {
        let (_, id) = solink::testing::fsx::open_regular(divan::black_box(&path)).unwrap();
        (id, solink::testing::store::codec::decode(divan::black_box(&text)).unwrap())
    });
}

fn driver_dirs() -> Vec<PathBuf> {
    let out = std::process::Command::new("gcc").arg("-print-search-dirs").output().unwrap();
    solink::testing::sysdirs::parse_print_search_dirs(&out.stdout).unwrap()
}

/// Looking for the providers of missing symbols in gcc's library
/// directories, uncached: `omp_get_thread_num` (libgomp, in gcc's own
/// directory, searched first) and a symbol no library has, which reads the
/// dynamic symbols of every shared library there.
#[divan::bench(args = ["omp_get_thread_num", "no_such_symbol_anywhere"], sample_count = 5)]
fn providers(bencher: Bencher, symbol: &str) {
    let dirs = driver_dirs();
    let missing: Vec<solink::testing::symbols::Name> = vec![symbol.as_bytes().into()];
    bencher.bench(|| solink::testing::symbols::providers(&dirs, divan::black_box(&missing), X86_64));
}

/// A `-fPIE` object with 100,000 PC-relative references to undefined
/// globals (`movl eN(%rip), %eax`: `R_X86_64_PC32` against `eN`), assembled
/// once with gcc. Issue 12 §5: its scan took 23 s while it was quadratic in
/// the number of distinct references; it must be linear in the object's size.
fn many_refs_object() -> Option<&'static Path> {
    static OBJ: OnceLock<Option<PathBuf>> = OnceLock::new();
    OBJ.get_or_init(|| {
        if std::env::consts::ARCH != "x86_64" {
            eprintln!("skipping inspect_100k_external_refs: the generated assembly is x86-64");
            return None;
        }
        let dir = root().join("refs");
        std::fs::create_dir_all(&dir).unwrap();
        let mut asm = String::from(".text\n.globl f\nf:\n");
        for i in 0..100_000 {
            asm.push_str(&format!("movl e{i}(%rip), %eax\n"));
        }
        asm.push_str("ret\n");
        std::fs::write(dir.join("refs.s"), asm).unwrap();
        let status = std::process::Command::new("gcc")
            .current_dir(&dir)
            .args(["-fPIE", "-c", "refs.s", "-o", "refs.o"])
            .status()
            .ok()?;
        status.success().then(|| dir.join("refs.o"))
    })
    .as_deref()
}

/// That object inspected from scratch (6 MB, 100,000 relocations).
#[divan::bench(sample_count = 10)]
fn inspect_100k_external_refs(bencher: Bencher) {
    let Some(path) = many_refs_object() else { return };
    let size = std::fs::metadata(path).unwrap().len();
    bencher.counter(BytesCount::new(size)).bench(|| {
        let v = solink::testing::archive::inspect(divan::black_box(path)).unwrap();
        assert!(matches!(v, solink::testing::archive::Verdict::Objects { problem: Some(_), .. }), "{v:?}");
        v
    });
}

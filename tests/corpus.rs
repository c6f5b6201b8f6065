//! The corpus: for every system `lib*.a` with a shared twin, link a tiny
//! `.so` that uses one function the twin exports, once dynamically and
//! once through solink, and `dlopen` both with `RTLD_NOW`. Wherever plain
//! dynamic linking loads, solink's result must load too: with `-lNAME`, and
//! with the same archive named by its path (issue 20 §1).
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol, SymbolKind};
use support::system;
use support::tools::{gcc_in, succeeds};

const LOADER: &str = r#"
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    return 0;
}
"#;

/// The shared twin of `libNAME.a`: `libNAME.so` in any system directory,
/// followed through a linker script to the real ELF file.
fn shared_twin(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let so = dirs.iter().map(|d| d.join(format!("lib{name}.so"))).find(|p| p.exists())?;
    real_elf(&so, 0)
}

fn real_elf(path: &Path, depth: usize) -> Option<PathBuf> {
    let data = std::fs::read(path).ok()?;
    if object::File::parse(&*data).is_ok() {
        return Some(path.to_path_buf());
    }
    if depth > 4 {
        return None;
    }
    let dir = path.parent()?;
    solink::testing::archive::script::inputs(&data, dir).into_iter().find_map(|i| match i {
        solink::testing::archive::script::Input::File(f) if f.to_string_lossy().contains(".so") => {
            real_elf(&f, depth + 1)
        }
        _ => None,
    })
}

/// A function the shared object exports.
fn exported_function(so: &Path) -> Option<String> {
    exported_functions(so).into_iter().next()
}

/// The functions the shared object exports, sorted.
fn exported_functions(so: &Path) -> Vec<String> {
    let Some(data) = std::fs::read(so).ok() else { return Vec::new() };
    let Some(file) = object::File::parse(&*data).ok() else { return Vec::new() };
    let mut names: Vec<String> = file
        .dynamic_symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.is_global() && !s.is_undefined())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| !n.starts_with('_') && !n.contains('@'))
        .collect();
    names.sort();
    names
}

/// For the archive named by path: a function both the twin exports and
/// the archive's symbol index defines, so the tiny `.so` uses the archive
/// itself (libstdc++.so exports `atomic_flag_clear_explicit`, which
/// libstdc++.a lacks: by path, nothing would define it). The twin's first
/// function when the archive has no index to read (a linker script).
fn function_of_archive(archive: &Path, so: &Path) -> Option<String> {
    let functions = exported_functions(so);
    let data = std::fs::read(archive).ok()?;
    let Ok(ar) = object::read::archive::ArchiveFile::parse(&*data) else {
        return functions.into_iter().next();
    };
    let defined: std::collections::HashSet<Vec<u8>> = match ar.symbols() {
        Ok(Some(symbols)) => symbols.filter_map(|s| s.ok().map(|s| s.name().to_vec())).collect(),
        _ => return functions.into_iter().next(),
    };
    functions.into_iter().find(|f| defined.contains(f.as_bytes()))
}

fn loads(dir: &Path, so: &str) -> bool {
    succeeds(Command::new(dir.join("loader")).arg(dir.join(so)))
}

#[derive(Debug)]
struct Case {
    name: String,
    dynamic_loads: bool,
    solink_loads: bool,
    embedded: bool,
    /// The archive named by its path instead of `-lNAME`, used through a
    /// function it defines: whether `-lNAME` loads for that function, and
    /// whether solink's link by path loads.
    path_dynamic_loads: bool,
    by_path_loads: bool,
    by_path_embedded: bool,
}

#[test]
fn wherever_dynamic_linking_loads_solinks_result_loads_too() {
    let dirs = system::system_dirs();
    let candidates: Vec<(String, String, PathBuf, Option<String>)> = system::system_archives()
        .iter()
        .filter_map(|a| {
            let file = a.file_name()?.to_string_lossy().to_string();
            let name = file.strip_prefix("lib")?.strip_suffix(".a")?.to_string();
            let twin = shared_twin(&name, &dirs)?;
            let function = exported_function(&twin)?;
            Some((name, function, a.clone(), function_of_archive(a, &twin)))
        })
        .collect();
    assert!(!candidates.is_empty(), "the machine has archives with shared twins");

    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("loader.c"), LOADER).unwrap();
    assert!(succeeds(gcc_in(root.path()).args(["-o", "loader", "loader.c", "-ldl"])));
    let solink = env!("CARGO_BIN_EXE_solink");

    let cases = system::parallel(&candidates, |n, (name, function, archive, archive_function)| {
        let dir = root.path().join(format!("c{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        // A link, not a copy this process writes (ETXTBSY at its exec).
        support::files::place_executable(&root.path().join("loader"), &dir.join("loader"));
        let src = format!("extern char {function}[];\nvoid *t_ref(void) {{ return (void *){function}; }}\n");
        std::fs::write(dir.join("t.c"), src).unwrap();
        assert!(succeeds(gcc_in(&dir).args(["-fPIC", "-c", "t.c"])));
        let lib = format!("-l{name}");
        let dynamic_loads =
            succeeds(gcc_in(&dir).args(["-shared", "-o", "dyn.so", "t.o", &lib])) && loads(&dir, "dyn.so");
        // Through solink with `reference`: whether it loads, and whether
        // the reference was embedded.
        let through_solink = |reference: &str, so: &str| {
            let out = Command::new(solink)
                .current_dir(&dir)
                .env("XDG_CACHE_HOME", root.path().join("cache"))
                // The closure check's closed answers against the whole one.
                .env("SOLINK_CROSS_CHECK", "1")
                .args(["--explain", "--cc", "gcc", "-shared", "-o", so, "t.o", reference])
                .output()
                .unwrap();
            let explain = String::from_utf8_lossy(&out.stderr);
            let embedded = explain.lines().any(|l| l.starts_with(&format!("solink: {reference}: embed")));
            (out.status.success() && loads(&dir, so), embedded)
        };
        let (solink_loads, embedded) = through_solink(&lib, "sol.so");
        // By path, the tiny `.so` uses a function of the archive itself
        // (none: one of the twin's, as above), linked dynamically too.
        let (mut by_path_loads, mut by_path_embedded, mut path_dynamic_loads) = (false, false, false);
        if let Some(f) = archive_function {
            // The same function as above (most archives): t.o is that
            // object, and its dynamic link the one just made, so neither is
            // made twice (issue 36 §6: a third of this test's processes).
            let object = if *f == *function {
                path_dynamic_loads = dynamic_loads;
                "t.o"
            } else {
                let src = format!("extern char {f}[];\nvoid *t_ref(void) {{ return (void *){f}; }}\n");
                std::fs::write(dir.join("p.c"), src).unwrap();
                assert!(succeeds(gcc_in(&dir).args(["-fPIC", "-c", "p.c"])));
                path_dynamic_loads = succeeds(gcc_in(&dir).args(["-shared", "-o", "pdyn.so", "p.o", &lib]))
                    && loads(&dir, "pdyn.so");
                "p.o"
            };
            let out = Command::new(solink)
                .current_dir(&dir)
                .env("XDG_CACHE_HOME", root.path().join("cache"))
                .env("SOLINK_CROSS_CHECK", "1")
                .args(["--explain", "--cc", "gcc", "-shared", "-o", "path.so", object])
                .arg(archive)
                .output()
                .unwrap();
            let explain = String::from_utf8_lossy(&out.stderr);
            let reference = archive.to_string_lossy();
            by_path_embedded = explain.lines().any(|l| l.starts_with(&format!("solink: {reference}: embed")));
            by_path_loads = out.status.success() && loads(&dir, "path.so");
        }
        Case {
            name: name.clone(),
            dynamic_loads,
            solink_loads,
            embedded,
            path_dynamic_loads,
            by_path_loads,
            by_path_embedded,
        }
    });

    let mut worse = Vec::new();
    let mut worse_by_path = Vec::new();
    for c in &cases {
        println!(
            "{:30} dynamic={} solink={} embedded={} path_dynamic={} by_path={} by_path_embedded={}",
            c.name,
            c.dynamic_loads,
            c.solink_loads,
            c.embedded,
            c.path_dynamic_loads,
            c.by_path_loads,
            c.by_path_embedded
        );
        if c.dynamic_loads && !c.solink_loads {
            worse.push(c.name.clone());
        }
        if c.path_dynamic_loads && !c.by_path_loads {
            worse_by_path.push(c.name.clone());
        }
    }
    let dynamic = cases.iter().filter(|c| c.dynamic_loads).count();
    let embedded = cases.iter().filter(|c| c.dynamic_loads && c.embedded).count();
    println!("{} archives with a shared twin; {dynamic} load when linked dynamically; {embedded} of those were embedded by solink", cases.len());
    let path_dynamic = cases.iter().filter(|c| c.path_dynamic_loads).count();
    let by_path = cases.iter().filter(|c| c.path_dynamic_loads && c.by_path_embedded).count();
    println!("named by path: {path_dynamic} load when linked dynamically; {by_path} of those were embedded by solink");
    assert!(worse.is_empty(), "solink did worse than dynamic linking for: {worse:?}");
    assert!(
        worse_by_path.is_empty(),
        "by path, solink did worse than dynamic linking for: {worse_by_path:?}"
    );
}

//! The corpus: for every system `lib*.a` with a shared twin, link a tiny
//! `.so` that uses one function the twin exports, once dynamically and
//! once through solink, and `dlopen` both with `RTLD_NOW`. Wherever plain
//! dynamic linking loads, solink's result must load too.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

#[path = "support/mod.rs"]
mod support;

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
    solink::archive::script::inputs(&data, dir).into_iter().find_map(|i| match i {
        solink::archive::script::Input::File(f) if f.to_string_lossy().contains(".so") => {
            real_elf(&f, depth + 1)
        }
        _ => None,
    })
}

/// A function the shared object exports.
fn exported_function(so: &Path) -> Option<String> {
    let data = std::fs::read(so).ok()?;
    let file = object::File::parse(&*data).ok()?;
    let mut names: Vec<String> = file
        .dynamic_symbols()
        .filter(|s| s.kind() == SymbolKind::Text && s.is_global() && !s.is_undefined())
        .filter_map(|s| s.name().ok().map(str::to_string))
        .filter(|n| !n.starts_with('_') && !n.contains('@'))
        .collect();
    names.sort();
    names.into_iter().next()
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
}

#[test]
fn wherever_dynamic_linking_loads_solinks_result_loads_too() {
    let dirs = system::system_dirs();
    let candidates: Vec<(String, String)> = system::system_archives()
        .iter()
        .filter_map(|a| {
            let file = a.file_name()?.to_string_lossy().to_string();
            let name = file.strip_prefix("lib")?.strip_suffix(".a")?.to_string();
            let function = exported_function(&shared_twin(&name, &dirs)?)?;
            Some((name, function))
        })
        .collect();
    assert!(!candidates.is_empty(), "the machine has archives with shared twins");

    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("loader.c"), LOADER).unwrap();
    assert!(succeeds(gcc_in(root.path()).args(["-o", "loader", "loader.c", "-ldl"])));
    let solink = env!("CARGO_BIN_EXE_solink");

    let cases = system::parallel(&candidates, |n, (name, function)| {
        let dir = root.path().join(format!("c{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(root.path().join("loader"), dir.join("loader")).unwrap();
        let src = format!("extern char {function}[];\nvoid *t_ref(void) {{ return (void *){function}; }}\n");
        std::fs::write(dir.join("t.c"), src).unwrap();
        assert!(succeeds(gcc_in(&dir).args(["-fPIC", "-c", "t.c"])));
        let lib = format!("-l{name}");
        let dynamic_loads =
            succeeds(gcc_in(&dir).args(["-shared", "-o", "dyn.so", "t.o", &lib])) && loads(&dir, "dyn.so");
        let out = Command::new(solink)
            .current_dir(&dir)
            .env("XDG_CACHE_HOME", root.path().join("cache"))
            // The closure check's closed answers against the whole one.
            .env("SOLINK_CROSS_CHECK", "1")
            .args(["--explain", "--cc", "gcc", "-shared", "-o", "sol.so", "t.o", &lib])
            .output()
            .unwrap();
        let explain = String::from_utf8_lossy(&out.stderr);
        let embedded = explain.lines().any(|l| l.starts_with(&format!("solink: {lib}: embed")));
        let solink_loads = out.status.success() && loads(&dir, "sol.so");
        Case { name: name.clone(), dynamic_loads, solink_loads, embedded }
    });

    let mut worse = Vec::new();
    for c in &cases {
        println!(
            "{:30} dynamic={} solink={} embedded={}",
            c.name, c.dynamic_loads, c.solink_loads, c.embedded
        );
        if c.dynamic_loads && !c.solink_loads {
            worse.push(c.name.clone());
        }
    }
    let dynamic = cases.iter().filter(|c| c.dynamic_loads).count();
    let embedded = cases.iter().filter(|c| c.dynamic_loads && c.embedded).count();
    println!("{} archives with a shared twin; {dynamic} load when linked dynamically; {embedded} of those were embedded by solink", cases.len());
    assert!(worse.is_empty(), "solink did worse than dynamic linking for: {worse:?}");
}

//! The oracle: for every `lib*.a` in gcc's system library directories,
//! solink's verdict must agree with GNU ld linking the whole archive into a
//! shared object:
//!
//!     gcc -shared -o t.so t.o -Wl,--whole-archive LIB -Wl,--no-whole-archive
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;

use std::path::Path;

use solink::testing::archive::{self, script, ElfId, Verdict};
use support::system;
use support::tools::{gcc, gcc_in};

/// solink's prediction, following linker scripts to their inputs.
fn predicts_success(path: &Path, target: ElfId, depth: usize) -> bool {
    let verdict = archive::inspect(path).expect("readable");
    match verdict.links_into_shared_object(target) {
        Some(ok) => ok,
        None => {
            let Verdict::Script(inputs) = verdict else { unreachable!() };
            depth < 8
                && inputs.iter().all(|i| match i {
                    script::Input::File(f) => f.is_file() && predicts_success(f, target, depth + 1),
                    script::Input::Lib(_) => false,
                })
        }
    }
}

fn ld_links(dir: &Path, lib: &Path, n: usize) -> (bool, String) {
    let out = gcc_in(dir)
        .args(["-shared", "-o", &format!("t{n}.so"), "t.o", "-Wl,--whole-archive"])
        .arg(lib)
        .arg("-Wl,--no-whole-archive")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().find(|l| l.contains("error") || l.contains("can not") || l.contains("not found"));
    (out.status.success(), first.unwrap_or("").to_string())
}

#[test]
fn verdicts_agree_with_gnu_ld_on_every_system_archive() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.c"), "int t_main(void) { return 0; }\n").unwrap();
    gcc(dir.path(), &["-fPIC", "-c", "t.c"]);
    let target = archive::pic::elf_id(&std::fs::read(dir.path().join("t.o")).unwrap()).unwrap();
    let archives = system::system_archives();
    assert!(!archives.is_empty(), "gcc's library directories hold archives (libgcc.a at least)");

    let results = system::parallel(&archives, |n, lib| {
        let predicted = predicts_success(lib, target, 0);
        let (linked, why) = ld_links(dir.path(), lib, n);
        (lib.clone(), predicted, linked, why)
    });
    let mut disagreements = Vec::new();
    for (lib, predicted, linked, why) in &results {
        let mark = if predicted == linked { "agree" } else { "DISAGREE" };
        println!("{mark:9} ld={} solink={} {} {why}", linked, predicted, lib.display());
        if predicted != linked {
            disagreements.push(lib.display().to_string());
        }
    }
    let linked = results.iter().filter(|r| r.2).count();
    println!("{} archives, {linked} link whole into a shared object", results.len());
    assert!(disagreements.is_empty(), "solink disagrees with ld on: {disagreements:?}");
}

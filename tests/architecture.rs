//! The boundaries of docs/ARCHITECTURE.md's invariants, held by reading the
//! source, as rust-analyzer's tidy tests do: each rule is a boundary and
//! what must not cross it.
// Tests read files freely: only the library's questions go through fsx.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its path relative to the crate.
fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(PathBuf, String)> = walkdir::WalkDir::new(root.join("src"))
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().to_path_buf();
            (rel, fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() > 20, "the sources were found: {out:?}");
    out
}

/// The code of a file without its comments (a rule is about what the code
/// does, not what its comments mention).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.trim_start() {
            t if t.starts_with("//") => "",
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The files outside `inside` (a path prefix) whose code holds any of
/// `needles`, with the needle found.
fn offenders(inside: &[&str], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources() {
        if inside.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        let code = code(&text);
        for n in needles {
            if code.contains(n) {
                found.push(format!("{}: {n}", path.display()));
            }
        }
    }
    found
}

/// The cache has one owner: only `src/store/` knows its layout, its trust
/// check, its entries' names and codecs, and its checked entries.
#[test]
fn only_the_store_knows_the_cache_directory() {
    // The manual (man.rs) describes the layout to people.
    let found = offenders(
        &["src/store", "src/man.rs"],
        &[
            "store::dir::",
            "store::dir;",
            "store::checked",
            "store::codec",
            "CACHEDIR",
            "solink-v2",
            "\"blob-",
            "\"note-",
        ],
    );
    assert!(found.is_empty(), "the cache's layout outside src/store/: {found:#?}");
}

/// The store holds facts, never rules: it imports nothing of the policy,
/// so a rule cannot reach into the cache nor the cache into a rule.
#[test]
fn the_store_imports_no_policy() {
    let found: Vec<String> = sources()
        .into_iter()
        .filter(|(p, t)| p.starts_with("src/store") && code(t).contains("crate::policy"))
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

/// The policy reads no files and asks no cache: it turns facts into
/// decisions.
#[test]
fn the_policy_reads_no_files_and_no_cache() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        if !(path.starts_with("src/policy") || path == Path::new("src/policy.rs")) {
            continue;
        }
        for n in ["crate::store", "crate::fsx", "crate::exec", "std::fs", "std::env"] {
            if code(&text).contains(n) {
                found.push(format!("{}: {n}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Only `exec.rs` starts processes.
#[test]
fn only_exec_starts_processes() {
    let found = offenders(
        &["src/exec.rs"],
        &["process::Command", "Command::new", ".spawn()", "libc::fork", "libc::execv", "CommandExt"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// The rules above can fail: a file that breaks them is found.
#[test]
fn the_rules_find_what_breaks_them() {
    assert!(code("use crate::store::dir;\n// store::codec in a comment").contains("store::dir;"));
    assert!(!code("// store::codec in a comment").contains("store::codec"));
    assert!(!code("    // CACHEDIR.TAG is only mentioned here").contains("CACHEDIR"));
    let (_, lib) = sources().into_iter().find(|(p, _)| p == Path::new("src/store/mod.rs")).unwrap();
    assert!(code(&lib).contains("CACHEDIR"), "the store itself holds what the first rule looks for");
}

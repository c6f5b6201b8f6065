//! The boundaries of docs/ARCHITECTURE.md's invariants, held by reading the
//! source, as rust-analyzer's tidy tests do: each rule is a boundary and
//! what must not cross it.
// Tests read files freely: only the library's questions go through fsx.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet};
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

/// Every cache key is spelled in `src/store/key.rs` (issue 34 §8): no
/// other file builds a key's digest (`KeyHasher` is private to the store,
/// and no other room hashes with `sha2`), and no other file spells a key's
/// format name nor pushes a key together as text. The two digests of
/// content elsewhere are no keys: an archive's SHA-256 for the note
/// (`formats/provenance.rs`) and a scanned directory's names, a fact
/// direct mode compares (`fsx.rs`).
#[test]
fn every_key_is_spelled_in_the_store() {
    let found = offenders(
        &["src/store/key.rs", "src/formats/provenance.rs", "src/fsx.rs"],
        &[
            "KeyHasher",
            "sha2::",
            "Sha256",
            "DefaultHasher",
            "\"dirs4",
            "\"dirs5",
            "solink-closure",
            "solink-providers",
            "key.push_str(",
        ],
    );
    assert!(found.is_empty(), "a cache key built outside src/store/key.rs: {found:#?}");
}

/// The fast hasher (foldhash, issue 34 §7) serves in-memory tables alone:
/// its output is seeded per process and not collision-resistant, so a key
/// made from it would never hit in the next run, or could collide. No file
/// takes a hasher's output itself (`foldhash::HashMap` and `HashSet` are
/// the tables' types, nothing more); keys are SHA-256, in
/// `src/store/key.rs`.
#[test]
fn the_fast_hasher_serves_only_tables() {
    let found = offenders(
        &["src/store/key.rs"],
        &[
            "hash_one(",
            "BuildHasher",
            "std::hash::Hasher",
            "DefaultHasher",
            "FoldHasher",
            "foldhash::fast",
            "foldhash::quality",
            "RandomState",
        ],
    );
    assert!(found.is_empty(), "a hasher's output taken outside the tables: {found:#?}");
}

/// The cache has one owner: only `src/store/` knows its layout, its trust
/// check, its entries' names and codecs, and its checked entries.
#[test]
fn only_the_store_knows_the_cache_directory() {
    // The manual (man.rs) describes the layout to people.
    let found = offenders(
        &["src/store", "src/settings/man.rs"],
        &[
            "store::dir::",
            "store::dir;",
            "store::checked",
            "store::codec",
            "CACHEDIR",
            "solink-v2",
            "\"blob-",
            "\"link-",
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
        if !path.starts_with("src/policy") {
            continue;
        }
        for n in ["crate::store", "crate::fsx", "crate::exec", "crate::probe", "std::fs", "std::env"] {
            if code(&text).contains(n) {
                found.push(format!("{}: {n}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// Only the run (`src/session/`, and the binary's last-resort panic line
/// in `main.rs`) prints: every other room returns what it has to say.
#[test]
fn only_the_run_prints() {
    let found = offenders(
        &["src/session", "src/main.rs"],
        &["io::stdout()", "io::stderr()", "println!", "eprintln!", "print!(", "eprint!(", "process::exit"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// Only `exec.rs` starts processes. (A process is started through
/// `std::process`'s `Command`, so its import is what is looked for: clap's
/// `Command`, the description of solink's options, starts nothing.)
#[test]
fn only_exec_starts_processes() {
    let found = offenders(
        &["src/exec.rs"],
        &["process::Command", "process::{", ".spawn()", "libc::fork", "libc::execv", "CommandExt"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// The run prints, but its words are explain.rs's: no line of solink's
/// is spelled in `src/session/` (the colour of the `solink:` prefix is).
#[test]
fn the_words_live_in_explain() {
    let found: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| p.starts_with("src/session"))
        .filter_map(|(p, t)| {
            let text = t.split("#[cfg(test)]\nmod tests").next().unwrap_or(&t).to_string();
            code(&text).contains("\"solink: ").then(|| p.display().to_string())
        })
        .collect();
    assert!(found.is_empty(), "English outside explain.rs: {found:#?}");
}

/// An option's choices are spelled in its row of `src/settings/table.rs`
/// (`FORMATS`, `RPATH_FORMS`, `SHELLS`) and nowhere else (issue 36 §4:
/// `--format`'s were spelled in five places, and the list of the message
/// for a wrong one fell behind): the parser, clap, the configuration
/// file's refusals and the error texts read the row. `text` is left out,
/// a word too common to hold. Tests may spell them.
#[test]
fn an_option_s_choices_are_spelled_in_its_row() {
    let choices = [
        "json",
        "cyclonedx",
        "spdx",
        "debian",
        "rpm",
        "absolute",
        "origin",
        "bash",
        "elvish",
        "fish",
        "powershell",
        "zsh",
    ];
    let mut found = Vec::new();
    for (path, text) in sources() {
        if path == Path::new("src/settings/table.rs") {
            continue;
        }
        let code = code(before_tests(&text));
        for c in choices {
            if code.contains(&format!("\"{c}\"")) {
                found.push(format!("{}: \"{c}\"", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "a choice spelled outside its row of src/settings/table.rs: {found:#?}");
}

/// `rewrite.rs` is the only producer of the final argv: the words solink
/// adds to a link (`-Xlinker` pairs, `--undefined=`, the version script)
/// are spelled nowhere else above the command line's own reader.
#[test]
fn only_rewrite_adds_to_the_argv() {
    let found = offenders(
        &["src/rewrite.rs", "src/args", "src/probe/nvcc.rs", "src/settings"],
        &["\"-Xlinker\"", "\"--undefined", "\"--version-script", "\"--whole-archive", "\"--exclude-libs"],
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// Resolution orchestrates and does no I/O of its own: what the file system
/// says comes through the probe.
#[test]
fn resolve_reads_nothing_itself() {
    let mut found = Vec::new();
    for (path, text) in sources() {
        if !path.starts_with("src/resolve") {
            continue;
        }
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(&text).to_string();
        let code = code(&text);
        // `FileId` and `Store` are values handed through to the probe, not
        // questions asked.
        let code = code.replace("fsx::FileId", "").replace("crate::store::Store;", "");
        for n in ["fsx::", "store::", "read_notes", "std::fs", "crate::exec"] {
            if code.contains(n) {
                found.push(format!("{}: {n}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// docs/ARCHITECTURE.md's code map names every file of `src/`: a new room
/// is drawn where a newcomer looks for it.
#[test]
fn every_source_file_is_in_the_code_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap();
    let missing: Vec<String> = sources()
        .into_iter()
        .map(|(p, _)| p.display().to_string())
        .filter(|p| !map.contains(&format!("`{p}`")))
        .collect();
    assert!(missing.is_empty(), "not in docs/ARCHITECTURE.md's code map: {missing:#?}");
}

/// Every `src/….rs` path that the sources, tests, docs, README and
/// clippy.toml name exists (issue 36 §5: `clippy.toml` and three comments
/// named direct mode's file at its old place long after it moved into
/// `src/store/`), so a newcomer who follows one finds the file.
#[test]
fn every_source_path_named_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<PathBuf> = ["README.md", "clippy.toml"].iter().map(|f| root.join(f)).collect();
    for dir in ["src", "tests", "docs"] {
        texts.extend(
            walkdir::WalkDir::new(root.join(dir))
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .filter(|e| e.path().extension().is_some_and(|x| x == "rs" || x == "md"))
                .map(|e| e.into_path()),
        );
    }
    let mut stale = Vec::new();
    for file in &texts {
        let text = fs::read_to_string(file).unwrap();
        for (at, _) in text.match_indices("src/") {
            // Only a path of this crate: `src/` at a word's start.
            if at > 0 && text.as_bytes()[at - 1].is_ascii_alphanumeric() {
                continue;
            }
            let rest = &text[at..];
            let len =
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || "_/.".contains(c))).unwrap_or(rest.len());
            let named = rest[..len].trim_end_matches('.');
            if named.ends_with(".rs") && !root.join(named).exists() {
                let rel = file.strip_prefix(root).unwrap().display().to_string();
                stale.push(format!("{rel}: {named}"));
            }
        }
    }
    assert!(texts.len() > 50, "the texts were found: {}", texts.len());
    assert!(stale.is_empty(), "paths that do not exist: {stale:#?}");
}

/// The crate exports what the binary needs and one hidden door for the
/// tests, benches and fuzz targets; no room goes through that door.
#[test]
fn the_crate_exports_only_what_the_binary_needs() {
    let (_, lib) = sources().into_iter().find(|(p, _)| p == Path::new("src/lib.rs")).unwrap();
    let lib = code(&lib);
    let top = |prefix: &str| -> Vec<String> {
        lib.lines().filter(|l| l.starts_with(prefix)).map(str::to_string).collect()
    };
    assert_eq!(top("pub mod"), ["pub mod testing {"], "the public modules of src/lib.rs");
    assert!(top("pub(crate) mod").is_empty(), "a room is `mod name;`: {:?}", top("pub(crate) mod"));
    assert_eq!(
        top("pub use"),
        [
            "pub use env::Env;",
            "pub use error::{Error, Usage};",
            "pub use session::run;",
            "pub use text::shown;"
        ],
        "the crate's exports"
    );
    assert!(lib.contains("#[doc(hidden)]\npub mod testing"), "the testing door is hidden from the docs");
    let found = offenders(&["src/lib.rs"], &["crate::testing", "solink::testing"]);
    assert!(found.is_empty(), "a room uses the testing door: {found:#?}");
    // The root is a table of contents above every room: a room that took
    // `Error` or `Env` through it would import upward.
    let through_root: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| p != Path::new("src/lib.rs"))
        .flat_map(|(p, t)| {
            root_words(&code(&t)).into_iter().map(move |w| format!("{}: crate::{w}", p.display()))
        })
        .collect();
    assert!(through_root.is_empty(), "name the room, not the root's re-export: {through_root:#?}");
}

/// The root's re-exports that `code` names through `crate::` (`crate::Env`,
/// `use crate::{fsx, Error}`).
fn root_words(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let words: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => {
                group[..group.find('}').unwrap_or(group.len())].split(',').map(str::trim).collect()
            }
            None => {
                vec![&rest[..rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())]]
            }
        };
        out.extend(
            words
                .into_iter()
                .filter(|w| ["Env", "Error", "Usage", "run", "shown"].contains(w))
                .map(String::from),
        );
    }
    out
}

/// The floors of the house, lowest first (docs/ARCHITECTURE.md, "The
/// floors"): a room imports only rooms on its own floor or below. A folder
/// is one room (`probe/`), and so is a file at the top of `src/`.
const FLOORS: &[&[&str]] = &[
    // The ground: the doors to the outside and the plain helpers.
    &["env", "fsx", "text"],
    // File formats and ld's extraction: nothing of links or of solink.
    &["formats", "closure"],
    // The command line, and solink's refusals (which name culprits of
    // every floor as plain values).
    &["args", "error"],
    // Decisions and the facts they are made from.
    &["model"],
    &["store", "rewrite", "exec"],
    // Facts and rules, side by side: neither imports the other.
    &["probe", "policy"],
    &["resolve", "explain"],
    // One run: the root, the options, the reports.
    &["lib", "main", "session", "settings", "audit"],
];

/// The imports that still run up a floor, each a known debt with the move
/// that pays it. A new one fails the test; one paid off fails it too,
/// until it is struck from here.
const UPWARD: &[(&str, &str)] = &[];

/// The room a file of `src/` is: its folder, or its own name.
fn room(path: &Path) -> String {
    let rel = path.strip_prefix("src").unwrap_or(path);
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.strip_suffix(".rs").map(str::to_string).unwrap_or(first)
}

/// The rooms `code` imports through `crate::` paths (`use crate::a::b`,
/// `crate::{a, b}`, `crate::a::f()` in an expression). The root's own
/// re-exports name their rooms: `Error` and `Usage` are error.rs's, `Env`
/// is env.rs's, `run` is the session's, `shown` is text.rs's.
fn imports(code: &str, rooms: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let words: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            group[..end].split(',').map(|w| w.trim().split("::").next().unwrap_or("")).collect()
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
            vec![&rest[..end]]
        };
        for w in words {
            let name = match w {
                "Error" | "Usage" => "error",
                "Env" => "env",
                "run" => "session",
                "shown" => "text",
                other => other,
            };
            if rooms.contains(name) {
                out.insert(name.to_string());
            }
        }
    }
    out
}

/// Every room's imports of other rooms, from the code outside its tests.
fn house() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let rooms: BTreeSet<String> = sources.iter().map(|(p, _)| room(p)).collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in &sources {
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        let me = room(path);
        let mut to = imports(&code(text), &rooms);
        to.remove(&me);
        out.entry(me).or_default().extend(to);
    }
    out
}

fn floor(room: &str) -> usize {
    FLOORS.iter().position(|f| f.contains(&room)).unwrap_or_else(|| {
        panic!(
            "src/{room} stands on no floor: add it to FLOORS in tests/architecture.rs and to ARCHITECTURE.md"
        )
    })
}

/// The rooms of a circle of imports in `house`, if there is one.
fn circle(house: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        at: &str,
        house: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|r| r == at) {
            return Some(path[i..].to_vec());
        }
        if done.contains(at) {
            return None;
        }
        path.push(at.to_string());
        for next in house.get(at).into_iter().flatten() {
            if let Some(c) = visit(next, house, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(at.to_string());
        None
    }
    let mut done = BTreeSet::new();
    house.keys().find_map(|r| visit(r, house, &mut Vec::new(), &mut done))
}

/// No two rooms import each other, directly or round a circle, but
/// through a known debt of [`UPWARD`] (each of which is that debt's).
#[test]
fn no_room_imports_in_a_circle() {
    let mut house = house();
    for (from, to) in UPWARD {
        if let Some(set) = house.get_mut(*from) {
            set.remove(*to);
        }
    }
    assert_eq!(circle(&house), None, "a circle of imports");
}

/// A room imports only rooms of its floor or below, except the known
/// debts of [`UPWARD`].
#[test]
fn imports_run_down_the_floors() {
    let mut up = BTreeSet::new();
    for (from, to) in house() {
        for t in to {
            if floor(&t) > floor(&from) {
                up.insert((from.clone(), t));
            }
        }
    }
    let known: BTreeSet<(String, String)> =
        UPWARD.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let new: Vec<_> = up.difference(&known).collect();
    let paid: Vec<_> = known.difference(&up).collect();
    assert!(new.is_empty(), "imports that run up a floor: {new:#?}");
    assert!(paid.is_empty(), "debts paid off: strike them from UPWARD: {paid:#?}");
}

/// The formats wing knows nothing of links: it imports only the ground
/// floor (issue 21 §4), so it could become a crate of its own.
#[test]
fn the_formats_import_only_the_ground() {
    let ground: BTreeSet<String> = FLOORS[0].iter().map(|r| r.to_string()).collect();
    let above: Vec<String> = house()["formats"].difference(&ground).cloned().collect();
    assert!(above.is_empty(), "src/formats/ imports {above:?}");
}

/// A file's code before its unit tests (`#[cfg(test)]`), whose
/// `use super::*` is the file's own.
fn before_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// The sibling files a file of a folder imports (`super::x`, `crate::folder::x`,
/// either inside a `{...}` group), by name.
fn sibling_imports(code: &str, folder: &str, siblings: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["super::".to_string(), format!("crate::{folder}::")] {
        let mut rest = code;
        while let Some(at) = rest.find(&prefix) {
            rest = &rest[at + prefix.len()..];
            let words: Vec<&str> = match rest.strip_prefix('{') {
                Some(group) => {
                    let end = group.find('}').unwrap_or(group.len());
                    group[..end].split(',').map(|w| w.trim().split("::").next().unwrap_or("")).collect()
                }
                None => {
                    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
                    vec![&rest[..end]]
                }
            };
            out.extend(words.into_iter().filter(|w| siblings.contains(*w)).map(str::to_string));
        }
    }
    out
}

/// Issue 36 §3: inside a folder, files import each other by name, never
/// with a glob (`use super::*;`, or a `mod.rs` re-exporting a sibling's
/// everything), and in one direction: no two files of a folder import each
/// other, directly or round a circle.
#[test]
fn files_inside_a_folder_import_by_name_and_one_way() {
    let mut globs = Vec::new();
    let mut folders: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (path, text) in sources() {
        let code = code(before_tests(&text));
        let parts: Vec<String> = path.iter().map(|c| c.to_string_lossy().into_owned()).collect();
        if parts.len() != 3 {
            continue; // a file at the top has no folder; a deeper one is a wing of its own
        }
        let name = parts[2].trim_end_matches(".rs").to_string();
        for line in code.lines() {
            let glob = line.starts_with("use ") && line.trim_end().ends_with("::*;");
            if glob && (line.starts_with("use super::") || name == "mod") {
                globs.push(format!("{}: {line}", path.display()));
            }
        }
        folders.entry(parts[1].clone()).or_default().insert(name, code);
    }
    assert!(globs.is_empty(), "glob imports inside a folder: {globs:#?}");
    for (folder, files) in &folders {
        let siblings: BTreeSet<String> = files.keys().filter(|n| *n != "mod").cloned().collect();
        let graph: BTreeMap<String, BTreeSet<String>> = files
            .iter()
            .map(|(name, code)| {
                let mut to = sibling_imports(code, folder, &siblings);
                to.remove(name);
                (name.clone(), to)
            })
            .collect();
        assert_eq!(circle(&graph), None, "src/{folder}/: files that import each other");
    }
    assert!(folders.contains_key("session") && folders["session"].len() > 8, "the folders were read");
}

/// Issue 36 §1: what kind of driver solink fronts is decided in one
/// place, `src/args/family.rs`, from its name; no other file spells a
/// driver's name to guess it (five did: the syntax, the masquerade, the
/// response file, the driver's libraries, the plan's implicit ones).
#[test]
fn the_driver_family_is_decided_in_one_place() {
    const NAMES: &[&str] =
        &["b\"nvcc\"", "b\"clang", "b\"g++\"", "b\"++\"", "b\"mold\"", "b\"ld.", "b\"zig\""];
    let spelled: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| p != Path::new("src/args/family.rs"))
        .flat_map(|(p, text)| {
            let code = code(before_tests(&text));
            NAMES
                .iter()
                .filter(|n| code.contains(*n))
                .map(|n| format!("{}: {n}", p.display()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(spelled.is_empty(), "driver names guessed outside args/family.rs: {spelled:#?}");
}

/// Issue 36 §4: one name per thing. No room re-exports another room's
/// item (`pub use crate::…` outside `src/lib.rs`'s door), so grep finds
/// the owner; a folder may still lift an item of its own files.
#[test]
fn no_room_gives_another_rooms_item_a_second_name() {
    let second: Vec<String> = sources()
        .into_iter()
        .filter(|(p, _)| p != Path::new("src/lib.rs"))
        .flat_map(|(p, text)| {
            code(before_tests(&text))
                .lines()
                .filter(|l| l.trim_start().starts_with("pub use crate::"))
                .map(|l| format!("{}: {}", p.display(), l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(second.is_empty(), "second names: {second:#?}");
}

/// The rules above can fail: a file that breaks them is found.
#[test]
fn the_rules_find_what_breaks_them() {
    assert!(code("use crate::store::dir;\n// store::codec in a comment").contains("store::dir;"));
    assert!(!code("// store::codec in a comment").contains("store::codec"));
    assert!(!code("    // CACHEDIR.TAG is only mentioned here").contains("CACHEDIR"));
    let rooms: BTreeSet<String> = ["model", "probe", "error", "env"].iter().map(|r| r.to_string()).collect();
    let found = imports("use crate::{model::Decision, Env};\nlet x = crate::probe::f();\n", &rooms);
    assert_eq!(found, ["env", "model", "probe"].iter().map(|r| r.to_string()).collect());
    let mut h: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    h.insert("a".into(), ["b".to_string()].into());
    h.insert("b".into(), ["c".to_string()].into());
    assert_eq!(circle(&h), None);
    h.insert("c".into(), ["a".to_string()].into());
    assert_eq!(circle(&h), Some(vec!["a".to_string(), "b".to_string(), "c".to_string()]));
    assert_eq!(root_words("use crate::{fsx, Error};\nlet e = crate::Env::new();"), ["Error", "Env"]);
    assert!(root_words("use crate::error::Error;\nuse crate::env::Env;").is_empty());
    let (_, lib) = sources().into_iter().find(|(p, _)| p == Path::new("src/store/mod.rs")).unwrap();
    assert!(code(&lib).contains("CACHEDIR"), "the store itself holds what the first rule looks for");
    let siblings: BTreeSet<String> = ["ctx", "link_args", "run"].iter().map(|r| r.to_string()).collect();
    let found = sibling_imports(
        "use super::ctx::Ctx;\nuse crate::session::{run::x, link_args};\n",
        "session",
        &siblings,
    );
    assert_eq!(found, siblings, "each spelling of a sibling import is seen");
    assert_eq!(before_tests("fn a() {}\n#[cfg(test)]\nmod tests { use super::*; }"), "fn a() {}\n");
}

/// The suite is one binary (`autotests = false`): a test file of `tests/`
/// that the root does not declare would never be built, and its tests
/// would pass by not running.
#[test]
fn every_test_file_is_a_module_of_the_one_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let main = fs::read_to_string(root.join("tests/cli/main.rs")).unwrap();
    let mut missing = Vec::new();
    for entry in fs::read_dir(root.join("tests")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".rs") && !main.contains(&format!("#[path = \"../{name}\"]")) {
            missing.push(name);
        }
    }
    for entry in fs::read_dir(root.join("tests/cli")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs").filter(|m| *m != "main") {
            if !main.lines().any(|l| l == format!("mod {module};")) {
                missing.push(format!("cli/{name}"));
            }
        }
    }
    assert!(missing.is_empty(), "test files tests/cli/main.rs does not declare: {missing:?}");
}

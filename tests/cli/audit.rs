//! The `.note.solink` record in real links, and `solink --audit` (issue 13
//! §1 and §2). solink does not add the note to its links yet, so these
//! tests link the note object in by hand, as solink will.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use solink::testing::provenance::{self, Entry, Target};

use crate::util::*;

/// A registry that a constructor fills: every copy of `libfoo.a` whose
/// constructor runs adds one.
const FOO: &str = "int foo_count;\n\
                   __attribute__((constructor)) static void foo_register(void) { foo_count++; }\n\
                   int foo_get(void) { return foo_count; }\n";

/// Builds `libfoo.a` and, for each name, `lib/libNAME.so` embedding it with
/// a note saying so (hidden with `--exclude-libs` when asked), then `prog`,
/// which needs every library through a `$ORIGIN/lib` runpath and prints
/// each library's view of the registry.
fn stack(dir: &Dir, libs: &[(&str, bool)]) -> PathBuf {
    dir.write("foo.c", FOO);
    gcc(dir.root(), &["-fPIC", "-c", "foo.c", "-o", "foo.o"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "libfoo.a", "foo.o"]));
    dir.mkdir("lib");
    let mut main = String::from("#include <stdio.h>\n");
    let mut calls = String::new();
    for (name, hidden) in libs {
        dir.write(
            &format!("{name}.c"),
            format!("int foo_get(void);\nint {name}_get(void) {{ return foo_get(); }}\n"),
        );
        gcc(dir.root(), &["-fPIC", "-c", &format!("{name}.c"), "-o", &format!("{name}.o")]);
        let note = note_for(dir, &format!("{name}.o"), *hidden);
        let mut args: Vec<String> = ["-shared", "-o", &format!("lib/lib{name}.so"), &format!("{name}.o")]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(note.to_string_lossy().into_owned());
        args.extend(["-L.".into(), "-lfoo".into()]);
        if *hidden {
            args.push("-Wl,--exclude-libs,libfoo.a".into());
        }
        gcc(dir.root(), &args);
        main.push_str(&format!("int {name}_get(void);\n"));
        calls.push_str(&format!("  printf(\"{name}=%d\\n\", {name}_get());\n"));
    }
    dir.write("main.c", format!("{main}int main(void) {{\n{calls}  return 0;\n}}\n"));
    let mut args: Vec<String> = vec!["main.c".into(), "-o".into(), "prog".into(), "-Llib".into()];
    args.extend(libs.iter().map(|(n, _)| format!("-l{n}")));
    args.push("-Wl,-rpath,$ORIGIN/lib".into());
    gcc(dir.root(), &args);
    dir.path("prog")
}

/// The note object for `libfoo.a` in this directory, built for the target
/// of `object`, written beside it, recording the globals `foo.o` defines
/// as solink does.
fn note_for(dir: &Dir, object: &str, hidden: bool) -> PathBuf {
    let mut entry = Entry::for_archive("foo", &dir.path("libfoo.a"), vec!["foo.o".into()], hidden).unwrap();
    entry.symbols =
        Some(provenance::Symbols { names: vec!["foo_count".into(), "foo_get".into()], cut: false });
    let target = Target::of_object(&fs::read(dir.path(object)).unwrap()).unwrap();
    let bytes = provenance::note_object(&[entry], target).unwrap();
    let path = dir.path(&format!("note-{}.o", u8::from(hidden)));
    fs::write(&path, bytes).unwrap();
    path
}

fn audit(dir: &Dir, args: &[&str]) -> (Option<i32>, String, String) {
    let out = dir.solink().arg("--audit").args(args).run();
    (out.code(), out.stdout, out.stderr)
}

#[test]
fn the_note_survives_strip_and_reads_back() {
    if !require_tool("readelf") || !require_tool("strip") {
        return;
    }
    let dir = Dir::new();
    stack(&dir, &[("a", false)]);
    let so = dir.path("lib/liba.so");
    sh(Command::new("strip").arg(&so));
    let notes = sh(Command::new("readelf").args(["-n"]).arg(&so));
    assert!(notes.contains(".note.solink") && notes.contains("solink"), "{notes}");
    let entries = provenance::read_notes(&so).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].library.as_str(), entries[0].file.as_str()), ("foo", "libfoo.a"));
    assert_eq!(entries[0].members, ["foo.o"]);
    assert_eq!(entries[0].digest, provenance::Digest::of_file(&dir.path("libfoo.a")).unwrap());
    // Allocated, so covered by the PT_NOTE segment the loader maps.
    let segments = sh(Command::new("readelf").args(["-lW"]).arg(&so));
    let note_line = segments.lines().find(|l| l.contains(".note.solink")).unwrap_or_default().to_string();
    assert!(note_line.trim_start().starts_with("0"), "in a segment: {segments}");
}

#[test]
fn a_link_with_the_note_changes_only_by_the_note() {
    if !require_tool("readelf") {
        return;
    }
    let dir = Dir::new();
    stack(&dir, &[("a", false)]);
    gcc(dir.root(), &["-shared", "-o", "plain.so", "a.o", "-L.", "-lfoo"]);
    let sections = |so: &str| -> Vec<String> {
        let out = sh(Command::new("readelf").args(["-SW", so]).current_dir(dir.root()));
        out.lines()
            .filter_map(|l| l.split(']').nth(1))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .filter(|n| n != ".note.solink")
            .collect()
    };
    assert_eq!(sections("plain.so"), sections("lib/liba.so"), "no section but .note.solink is added");
    let stack_flags = |so: &str| -> String {
        let out = sh(Command::new("readelf").args(["-lW", so]).current_dir(dir.root()));
        out.lines().find(|l| l.contains("GNU_STACK")).unwrap_or_default().to_string()
    };
    assert_eq!(stack_flags("plain.so"), stack_flags("lib/liba.so"), "the stack stays non-executable");
    assert!(!stack_flags("plain.so").is_empty());
    let plain = crate::elf::Elf::open(&dir.path("plain.so"));
    let noted = crate::elf::Elf::open(&dir.path("lib/liba.so"));
    assert_eq!(plain.needed(), noted.needed());
    assert!(noted.defines("foo_get") && noted.defines("a_get"));
}

#[test]
fn two_builds_in_different_directories_are_identical() {
    let (one, two) = (Dir::new(), Dir::new());
    stack(&one, &[("a", false)]);
    stack(&two, &[("a", false)]);
    let notes: Vec<Vec<u8>> = [&one, &two].iter().map(|d| fs::read(d.path("note-0.o")).unwrap()).collect();
    assert_eq!(notes[0], notes[1], "the note object has no path or time in it");
    assert_eq!(
        fs::read(one.path("lib/liba.so")).unwrap(),
        fs::read(two.path("lib/liba.so")).unwrap(),
        "the linked .so is byte-identical"
    );
}

#[test]
fn audit_flags_an_archive_embedded_in_two_libraries() {
    let dir = Dir::new();
    let prog = stack(&dir, &[("a", false), ("b", false)]);
    // The double registration is real: both copies' constructors ran
    // against the one exported registry.
    let run = sh(&mut Command::new(&prog));
    assert_eq!(run, "a=2\nb=2\n");
    let (code, out, err) = audit(&dir, &["prog"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.is_empty(), "{err}");
    let liba = dir.path("lib/liba.so");
    let libb = dir.path("lib/libb.so");
    // The report also lists this machine's libc and the archive's digest:
    // its findings are compared line by line, each line whole.
    assert_line(&out, "  duplicate: -lfoo is embedded in 2 objects of this process (same digest):");
    for lib in [&liba, &libb] {
        assert_line(
            &out,
            &format!("    {} (libfoo.a, interposable: exports foo_count, foo_get)", lib.display()),
        );
    }
}

#[test]
fn audit_says_a_hidden_copy_keeps_its_own_state() {
    let dir = Dir::new();
    let prog = stack(&dir, &[("a", false), ("b", true)]);
    // Two states: each copy counts only its own constructor.
    assert_eq!(sh(&mut Command::new(&prog)), "a=1\nb=1\n");
    // One copy can interpose (liba's exported globals bind libb's
    // references too, were libb not hidden): exit 1.
    let (code, out, _) = audit(&dir, &["prog"]);
    assert_eq!(code, Some(1), "{out}");
    assert_line(
        &out,
        &format!(
            "    {} (libfoo.a, interposable: exports foo_count, foo_get)",
            dir.path("lib/liba.so").display()
        ),
    );
    assert_line(
        &out,
        &format!(
            "    {} (libfoo.a, private: none of its symbols in .dynsym)",
            dir.path("lib/libb.so").display()
        ),
    );
}

/// Issue 32 §1: two copies hidden in the output (`--exclude-libs` here)
/// are reported as private, exit 0; the note's `hidden` flag plays no part.
#[test]
fn audit_says_two_private_copies_are_no_duplicate() {
    let dir = Dir::new();
    let prog = stack(&dir, &[("a", true), ("b", true)]);
    assert_eq!(sh(&mut Command::new(&prog)), "a=1\nb=1\n");
    let (code, out, err) = audit(&dir, &["prog"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_line(
        &out,
        "  private copies: -lfoo is embedded in 2 objects of this process (same digest); each keeps its own code and state:",
    );
    for lib in ["lib/liba.so", "lib/libb.so"] {
        assert_line(
            &out,
            &format!("    {} (libfoo.a, private: none of its symbols in .dynsym)", dir.path(lib).display()),
        );
    }
}

#[test]
fn audit_without_duplicates_exits_0() {
    let dir = Dir::new();
    stack(&dir, &[("a", false)]);
    let (code, out, err) = audit(&dir, &["prog", "lib/liba.so"]);
    assert_eq!(code, Some(0), "{out}{err}");
    // The $ORIGIN runpath was followed to the library and its note read.
    assert_line(&out, &format!("  {} (needed by prog)", dir.path("lib/liba.so").display()));
    assert!(out.contains("embeds libfoo.a (-lfoo) sha256:"), "{out}");
    assert_line(&out, "  no archive is embedded twice");
    // Objects with no note (libc) are read without complaint.
    assert!(out.contains("libc.so.6"), "{out}");
    assert!(!out.contains("unreadable"), "{out}");
}

#[test]
fn audit_json_carries_the_same_facts() {
    let dir = Dir::new();
    stack(&dir, &[("a", false), ("b", true)]);
    let out = dir.solink().args(["--audit", "--format", "json", "prog"]).output();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["duplicates_found"], true);
    let file = &v["files"][0];
    assert_eq!(file["file"], "prog");
    let dup = &file["duplicates"][0];
    assert_eq!(dup["library"], "foo");
    assert_eq!(dup["same_digest"], true);
    let digest = provenance::Digest::of_file(&dir.path("libfoo.a")).unwrap().hex();
    assert_eq!(v["version"], 2);
    assert_eq!((&dup["private"], &v["complete"]), (&serde_json::json!(false), &serde_json::json!(true)));
    let copies: Vec<(String, String, String)> = dup["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["object"].as_str().unwrap().to_string(),
                c["symbols"].as_str().unwrap().to_string(),
                c["sha256"].to_string(),
            )
        })
        .collect();
    let q = format!("\"{digest}\"");
    assert_eq!(
        copies,
        [
            (dir.path("lib/liba.so").display().to_string(), "interposable".into(), q.clone()),
            (dir.path("lib/libb.so").display().to_string(), "private".into(), q)
        ]
    );
    let embeds = |name: &str| {
        let o =
            file["objects"].as_array().unwrap().iter().find(|o| o["path"].as_str().unwrap().ends_with(name));
        o.unwrap()["embeds"][0].clone()
    };
    assert_eq!(embeds("liba.so")["members"], serde_json::json!(["foo.o"]));
    // One word per meaning: what the output shows, and what the link asked.
    for (lib, symbols, hide) in [("liba.so", "interposable", false), ("libb.so", "private", true)] {
        let e = embeds(lib);
        assert_eq!(
            (e["symbols"].as_str(), e["hide"].as_bool(), e["export_by_name"].as_bool()),
            (Some(symbols), Some(hide), Some(false))
        );
        assert!(e.get("exported").is_none() && e.get("hidden").is_none(), "{e}");
    }
}

#[test]
fn audit_follows_ld_library_path_from_its_environment() {
    let dir = Dir::new();
    stack(&dir, &[("a", false), ("b", false)]);
    // A program with no runpath finds the libraries only through
    // LD_LIBRARY_PATH.
    gcc(dir.root(), &["main.c", "-o", "bare", "-Llib", "-la", "-lb"]);
    let (code, out, _) = audit(&dir, &["bare"]);
    assert_eq!(code, Some(0), "{out}");
    assert_line(&out, "  liba.so: not found (needed by bare)");
    let out = dir.solink().env("LD_LIBRARY_PATH", dir.path("lib")).args(["--audit", "bare"]).output();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn audit_refuses_a_missing_file_or_one_that_is_not_elf() {
    let dir = Dir::new();
    let line = dir.solink().args(["--audit", "nothing.so"]).refused();
    assert_text(
        line,
        "solink: cannot audit nothing.so: No such file or directory (os error 2); \
         name an executable or a shared object\n",
    );
    dir.write("notes.txt", "not ELF\n");
    let line = dir.solink().args(["--audit", "notes.txt"]).refused();
    assert_text(
        line,
        "solink: cannot audit notes.txt: not an ELF file; name an executable or a shared object\n",
    );
    let line = dir.solink().args(["--audit"]).refused();
    assert_text(line, "solink: --audit needs at least one file: solink --audit FILE...\n");
}

#[test]
fn audit_cuts_cycles() {
    let dir = Dir::new();
    // libx needs liby and liby needs libx, each through $ORIGIN.
    dir.write("x.c", "int x(void) { return 1; }\n");
    dir.write("y.c", "int y(void) { return 2; }\n");
    gcc(dir.root(), &["-shared", "-fPIC", "-o", "liby.so", "y.c"]);
    // --no-as-needed: neither uses the other, and some gcc configurations
    // (Ubuntu's) pass --as-needed by default.
    let link = |out: &str, src: &str, lib: &str| {
        gcc(
            dir.root(),
            &["-shared", "-fPIC", "-o", out, src, "-L.", "-Wl,--no-as-needed", lib, "-Wl,-rpath,$ORIGIN"],
        )
    };
    link("libx.so", "x.c", "-ly");
    link("liby.so", "y.c", "-lx");
    let (code, out, _) = audit(&dir, &["libx.so"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(crate::elf::Elf::open(&dir.path("liby.so")).needed().contains(&"libx.so".to_string()));
    // libx, liby, libc and ld.so: liby's need of libx is libx itself again.
    assert!(out.starts_with("libx.so: 4 objects in its closure\n"), "{out}");
    assert_eq!(out.matches("liby.so").count(), 1, "{out}");
    assert!(out.contains("libc.so.6"), "{out}");
}

/// DT_RPATH is inherited down the loader chain, DT_RUNPATH is not
/// (ld.so(8)): the program's RPATH finds what its library needs, its
/// RUNPATH does not. The real loader is the oracle: the program runs, or
/// fails to load, exactly when --audit finds, or does not find, the need.
#[test]
fn rpath_is_inherited_and_runpath_is_not_as_ld_so_does() {
    let dir = Dir::new();
    dir.write("inner.c", "int inner(void) { return 7; }\n");
    dir.write("outer.c", "int inner(void);\nint outer(void) { return inner(); }\n");
    dir.write("main.c", "int outer(void);\nint main(void) { return outer() == 7 ? 0 : 1; }\n");
    dir.mkdir("lib");
    gcc(dir.root(), &["-shared", "-fPIC", "-o", "lib/libinner.so", "inner.c"]);
    // libouter has no path of its own: only its loader's can find libinner.
    gcc(dir.root(), &["-shared", "-fPIC", "-o", "lib/libouter.so", "outer.c", "-Llib", "-linner"]);
    for (tags, inherited) in [("--disable-new-dtags", true), ("--enable-new-dtags", false)] {
        let prog = format!("prog{inherited}");
        gcc(
            dir.root(),
            &[
                "main.c",
                "-o",
                &prog,
                "-Llib",
                "-louter",
                &format!("-Wl,{tags},-rpath,$ORIGIN/lib,-rpath-link,lib"),
            ],
        );
        let runs = Command::new(dir.path(&prog)).env_clear().output().unwrap().status.success();
        assert_eq!(runs, inherited, "{tags}: the loader itself");
        let (code, out, _) = audit(&dir, &[&prog]);
        assert_eq!(code, Some(0), "{out}");
        assert_eq!(!out.contains("libinner.so: not found"), inherited, "{tags}: {out}");
        assert_line(&out, &format!("  {} (needed by {prog})", dir.path("lib/libouter.so").display()));
    }
}

/// The note object must not switch CET (x86) or BTI/PAC (aarch64) off: ld
/// ANDs those properties over every input, and an input without them
/// drops them. Start files are left out so that every other input has the
/// property (Debian's crt files have none).
#[test]
fn the_note_keeps_cet_and_bti_properties() {
    if !require_tool("readelf") {
        return;
    }
    let dir = Dir::new();
    dir.write("p.c", "int p(void) { return 1; }\n");
    let cases = [
        ("gcc", "readelf", "-fcf-protection", "x86 feature: IBT, SHSTK"),
        (
            "aarch64-linux-gnu-gcc",
            "aarch64-linux-gnu-readelf",
            "-mbranch-protection=standard",
            "AArch64 feature: BTI, PAC",
        ),
    ];
    for (cc, readelf, flag, property) in cases {
        if cc != "gcc" && !require_tool(cc) {
            continue;
        }
        let obj = format!("p-{cc}.o");
        sh(Command::new(cc).current_dir(dir.root()).args(["-fPIC", flag, "-c", "p.c", "-o", &obj]));
        let target = Target::of_object(&fs::read(dir.path(&obj)).unwrap()).unwrap();
        let entry = Entry {
            library: "p".into(),
            file: "libp.a".into(),
            digest: provenance::Digest([0; 32]),
            members: vec![],
            hidden: false,
            exported: false,
            private: false,
            version: None,
            purl: None,
            sizes: None,
            symbols: None,
        };
        let note = dir.write(&format!("note-{cc}.o"), provenance::note_object(&[entry], target).unwrap());
        let link = |out: &str, extra: &[&std::path::Path]| {
            sh(Command::new(cc)
                .current_dir(dir.root())
                .args(["-shared", "-nostartfiles", "-o", out, &obj])
                .args(extra));
            sh(Command::new(readelf).arg("-n").arg(dir.path(out)))
        };
        let plain = link(&format!("plain-{cc}.so"), &[]);
        assert!(plain.contains(property), "{cc} {flag}: {plain}");
        let noted = link(&format!("noted-{cc}.so"), &[&note]);
        assert!(noted.contains(property), "{cc}: the note object dropped the property: {noted}");
        assert!(noted.contains("solink"), "{noted}");
    }
}

/// Issue 22 §6: which files under a tree carry libfoo.a, by their notes:
/// nested, next to files that are not ELF, a symlink loop and a library
/// without a note; by name, by name and digest, and none.
#[test]
fn embeds_lists_every_file_under_a_tree_that_carries_the_archive() {
    let dir = Dir::new();
    stack(&dir, &[("a", false), ("b", true)]);
    dir.mkdir("tree/x/y");
    fs::copy(dir.path("lib/liba.so"), dir.path("tree/liba.so")).unwrap();
    fs::copy(dir.path("lib/libb.so"), dir.path("tree/x/y/libb.so")).unwrap();
    gcc(dir.root(), &["-shared", "-fPIC", "-o", "tree/x/plain.so", "a.c"]);
    fs::copy(dir.path("prog"), dir.path("tree/x/prog")).unwrap();
    dir.write("tree/x/README", "not ELF\n");
    dir.write("tree/x/short", "\x7fE");
    std::os::unix::fs::symlink(dir.path("tree"), dir.path("tree/x/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path("tree/liba.so"), dir.path("tree/x/alias.so")).unwrap();
    let digest = provenance::Digest::of_file(&dir.path("libfoo.a")).unwrap();
    let out = dir.solink().args(["--audit", "--embeds", "foo", "tree"]).output();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text,
        format!(
            "tree/liba.so: embeds libfoo.a (-lfoo) sha256:{digest} interposable\n\
             tree/x/y/libb.so: embeds libfoo.a (-lfoo) sha256:{digest} private\n"
        )
    );
    // libfoo.a by its file name, and that build by its digest.
    let out =
        dir.solink().args(["--audit", "--embeds", &format!("libfoo.a={digest}"), "tree", "lib"]).output();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
    let other = "0".repeat(64);
    let out = dir.solink().args(["--audit", "--embeds", &format!("foo={other}"), "tree"]).output();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("none of the 4 linked ELF files under tree embeds libfoo.a with sha256 {other}\n")
    );
    let out = dir.solink().args(["--audit", "--embeds", "bar", "tree"]).output();
    assert_eq!(out.status.code(), Some(1));
    // JSON for tools.
    let out = dir.solink().args(["--format", "json", "--audit", "--embeds", "foo", "tree"]).output();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["elf_files"], 4);
    let found: Vec<&str> =
        v["found"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(found, ["tree/liba.so", "tree/x/y/libb.so"]);
    assert_eq!(v["found"][1]["embeds"][0]["sha256"], digest.hex());
    assert_eq!(v["found"][1]["embeds"][0]["symbols"], "private");
    assert_eq!(v["found"][1]["embeds"][0]["hide"], true);
}

#[test]
fn embeds_refuses_bad_input_with_one_line() {
    let dir = Dir::new();
    dir.mkdir("tree");
    for (args, want) in [
        (
            &["--audit", "--embeds", "z=12ab", "tree"][..],
            "solink: --embeds z=12ab: the digest is not a SHA-256 (64 hex digits); write --embeds NAME or --embeds NAME=SHA256 (sha256sum libNAME.a)",
        ),
        (
            &["--audit", "--embeds", "z", "tree", "nowhere"][..],
            "solink: cannot search nowhere for --embeds: No such file or directory (os error 2); name a directory (or an ELF file) that exists",
        ),
        (
            &["--audit", "--embeds", "z"][..],
            "solink: --audit --embeds needs at least one directory: solink --audit --embeds NAME[=SHA256] DIR...",
        ),
        (
            &["--embeds", "z", "tree"][..],
            "solink: --embeds goes with --audit: solink --audit --embeds NAME[=SHA256] DIR...",
        ),
    ] {
        let out = dir.solink().args(args).output();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim_end(), want, "{args:?}");
    }
}

/// A registry with a constructor, and four more globals: what a small
/// static library embedded twice shares (issue 22 §4).
const BAR: &str = "int bar_count;\n\
                   __attribute__((constructor)) static void bar_register(void) { bar_count++; }\n\
                   int bar_get(void) { return bar_count; }\n\
                   void bar_reset(void) { bar_count = 0; }\n\
                   int bar_limit = 8;\n\
                   int bar_twice(void) { return 2 * bar_count; }\n";

/// `libbar.a`, and `lib/libNAME.so` for each name, each linked by plain
/// gcc with `-lbar` (no solink, no note) and defining `NAME_get`.
fn plain_stack(dir: &Dir, libs: &[&str]) {
    dir.write("bar.c", BAR);
    gcc(dir.root(), &["-fPIC", "-c", "bar.c", "-o", "bar.o"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "libbar.a", "bar.o"]));
    dir.mkdir("lib");
    for name in libs {
        dir.write(
            &format!("{name}.c"),
            format!("int bar_get(void);\nint {name}_get(void) {{ return bar_get(); }}\n"),
        );
        gcc(
            dir.root(),
            &["-shared", "-fPIC", "-o", &format!("lib/lib{name}.so"), &format!("{name}.c"), "-L.", "-lbar"],
        );
    }
}

#[test]
fn audit_finds_an_archive_embedded_twice_by_plain_gcc_without_any_note() {
    let dir = Dir::new();
    plain_stack(&dir, &["a", "b"]);
    dir.write(
        "main.c",
        "#include <stdio.h>\nint a_get(void); int b_get(void);\n\
         int main(void) { printf(\"a=%d b=%d\\n\", a_get(), b_get()); return 0; }\n",
    );
    gcc(dir.root(), &["main.c", "-o", "prog", "-Llib", "-la", "-lb", "-Wl,-rpath,$ORIGIN/lib"]);
    // The double copy is real: both constructors ran on one registry.
    assert_eq!(sh(&mut Command::new(dir.path("prog"))), "a=2 b=2\n");
    for lib in ["liba.so", "libb.so"] {
        assert!(provenance::read_notes(&dir.path(&format!("lib/{lib}"))).unwrap().is_empty(), "no note");
    }
    let (code, out, err) = audit(&dir, &["prog"]);
    assert_eq!(code, Some(1), "{out}{err}");
    // bar_count, bar_get, bar_limit, bar_reset, bar_twice; not the static
    // constructor, _init/_fini or what the linker defines.
    let want = format!(
        "  probable double copy: {} and {} both define 5 global symbols (bar_count, bar_get, bar_limit, ...)",
        dir.path("lib/liba.so").display(),
        dir.path("lib/libb.so").display()
    );
    assert_line(&out, &want);
    assert!(!out.contains("no archive is embedded twice"), "{out}");
    // With a note on one of them, the finding names its archive.
    dir.write("c.c", "int bar_get(void);\nint c_get(void) { return bar_get(); }\n");
    gcc(dir.root(), &["-fPIC", "-c", "c.c", "-o", "c.o"]);
    let entry = Entry::for_archive("bar", &dir.path("libbar.a"), vec!["bar.o".into()], false).unwrap();
    let target = Target::of_object(&fs::read(dir.path("c.o")).unwrap()).unwrap();
    dir.write("note.o", provenance::note_object(&[entry], target).unwrap());
    gcc(dir.root(), &["-shared", "-o", "lib/libc.so", "c.o", "note.o", "-L.", "-lbar"]);
    let (code, out, _) = audit(&dir, &["lib/libc.so", "lib/liba.so", "lib"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "both define 5 global symbols (bar_count, bar_get, bar_limit, ...); by its note {} embeds libbar.a\n",
            "lib/libc.so"
        )),
        "{out}"
    );
    let json = dir.solink().args(["--format", "json", "--audit", "prog"]).output();
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let copy = &v["files"][0]["symbol_copies"][0];
    assert_eq!(copy["shared_symbols"], 5);
    assert_eq!(copy["examples"], serde_json::json!(["bar_count", "bar_get", "bar_limit"]));
    assert_eq!(v["duplicates_found"], true);
    // The CycloneDX document says it too, and still validates.
    let cdx = cyclonedx_properties(&dir, "prog");
    assert!(
        cdx.iter().any(|p| p.starts_with("solink:probable-copy=") && p.contains("define 5 of the same")),
        "{cdx:?}"
    );
}

/// `--format cyclonedx --audit FILE`: exit 1 (a finding), the document
/// valid against the schema, and its `metadata.properties` as NAME=VALUE.
fn cyclonedx_properties(dir: &Dir, file: &str) -> Vec<String> {
    let out = dir.solink().args(["--format", "cyclonedx", "--audit", file]).output();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_cyclonedx_schema(&doc);
    doc["metadata"]["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| format!("{}={}", p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect()
}

/// Plugins are `dlopen`ed, so in no closure: `--audit DIR` takes them as
/// one process with the FILEs. Two plugins embed libbar.a; all three
/// implement one plugin interface, which is not a copy.
#[test]
fn audit_of_a_plugin_dir_finds_two_plugins_embedding_one_archive() {
    let dir = Dir::new();
    plain_stack(&dir, &[]);
    dir.mkdir("plugins/sub");
    let interface = "int plugin_init(void) { return 1; }\nint plugin_run(void) { return 2; }\n\
                     int plugin_stop(void) { return 3; }\nint plugin_exit(void) { return 4; }\n";
    for (name, embeds) in [("p1", true), ("p2", true), ("p3", false)] {
        let body = if embeds { "int bar_get(void);\nint value(void) { return bar_get(); }\n" } else { "" };
        dir.write(&format!("{name}.c"), format!("{interface}{body}"));
        let out = format!("plugins/{}lib{name}.so", if name == "p2" { "sub/" } else { "" });
        let mut args: Vec<String> =
            vec!["-shared".into(), "-fPIC".into(), "-o".into(), out, format!("{name}.c")];
        if embeds {
            args.extend(["-L.".into(), "-lbar".into()]);
        }
        gcc(dir.root(), &args);
    }
    // What the walk passes over: not ELF, an object, an executable, a loop.
    dir.write("plugins/README", "plugins\n");
    gcc(dir.root(), &["-fPIC", "-c", "p3.c", "-o", "plugins/p3.o"]);
    dir.write(
        "host.c",
        "#include <dlfcn.h>\n#include <stdio.h>\n\
        int main(int argc, char **argv) {\n\
          for (int i = 1; i < argc; i++) {\n\
            void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);\n\
            if (!h) { fprintf(stderr, \"%s\\n\", dlerror()); return 1; }\n\
            int (*value)(void) = (int (*)(void))dlsym(h, \"value\");\n\
            printf(\"%d\\n\", value ? value() : -1);\n\
          }\n\
          return 0;\n\
        }\n",
    );
    gcc(dir.root(), &["host.c", "-o", "host", "-ldl"]);
    fs::copy(dir.path("host"), dir.path("plugins/host")).unwrap();
    std::os::unix::fs::symlink(dir.path("plugins"), dir.path("plugins/sub/loop")).unwrap();
    // The host really loads them: each plugin's copy has its own registry
    // (RTLD_LOCAL), counted once by its own constructor.
    let run = sh(Command::new(dir.path("host"))
        .arg(dir.path("plugins/libp1.so"))
        .arg(dir.path("plugins/sub/libp2.so"))
        .arg(dir.path("plugins/libp3.so")));
    assert_eq!(run, "1\n1\n-1\n");
    let (code, out, err) = audit(&dir, &["host", "plugins"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.starts_with("host plugins: "), "{out}");
    assert!(out.contains(" objects in one process\n"), "{out}");
    assert!(out.contains("  plugins/libp1.so\n") && out.contains("  plugins/sub/libp2.so\n"), "{out}");
    assert!(!out.contains("p3.o") && !out.contains("plugins/host") && !out.contains("README"), "{out}");
    assert_eq!(out.matches("probable double copy").count(), 1, "{out}");
    assert_line(
        &out,
        "  probable double copy: plugins/libp1.so and plugins/sub/libp2.so both define 6 global symbols \
         (bar_count, bar_get, bar_limit, ...)",
    );
    // A directory alone is a process of its plugins.
    let (code, out, _) = audit(&dir, &["plugins"]);
    assert_eq!(code, Some(1), "{out}");
    // Without p2 there is no copy; the shared interface is not one.
    fs::remove_file(dir.path("plugins/sub/libp2.so")).unwrap();
    fs::copy(dir.path("plugins/libp3.so"), dir.path("plugins/sub/libp4.so")).unwrap();
    let (code, out, _) = audit(&dir, &["plugins"]);
    assert_eq!(code, Some(0), "{out}");
    assert_line(&out, "  no archive is embedded twice");
}

/// Issue 22 §5: one library embeds the static CUDA runtime (by its note,
/// or by cudart's own symbols, exported or hidden) while another needs the
/// shared one. A stub stands in for each runtime.
#[test]
fn audit_flags_two_cuda_runtimes_in_one_process() {
    let dir = Dir::new();
    dir.mkdir("lib");
    let runtime = "int cudaGetDeviceCount(int *n) { *n = 1; return 0; }\n\
                   void **__cudaRegisterFatBinary(void *fat) { return (void **)fat; }\n";
    dir.write("cudart.c", runtime);
    gcc(dir.root(), &["-fPIC", "-c", "cudart.c", "-o", "cudart.o"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "libcudart_static.a", "cudart.o"]));
    // The shared runtime defines the same symbols, and is no static copy.
    gcc(dir.root(), &["-shared", "-o", "lib/libcudart.so.12", "cudart.o", "-Wl,-soname,libcudart.so.12"]);
    dir.write(
        "a.c",
        "int cudaGetDeviceCount(int *);\nint a_count(void) { int n; cudaGetDeviceCount(&n); return n; }\n",
    );
    dir.write(
        "b.c",
        "int cudaGetDeviceCount(int *);\nint b_count(void) { int n; cudaGetDeviceCount(&n); return n; }\n",
    );
    gcc(dir.root(), &["-shared", "-fPIC", "-o", "lib/libgpua.so", "a.c", "-L.", "-lcudart_static"]);
    gcc(
        dir.root(),
        &[
            "-shared",
            "-fPIC",
            "-o",
            "lib/libgpuh.so",
            "a.c",
            "-L.",
            "-lcudart_static",
            "-Wl,--exclude-libs,ALL",
        ],
    );
    gcc(
        dir.root(),
        &[
            "-shared",
            "-fPIC",
            "-o",
            "lib/libgpub.so",
            "b.c",
            "-Llib",
            "-l:libcudart.so.12",
            "-Wl,-rpath,$ORIGIN",
        ],
    );
    dir.write(
        "main.c",
        "#include <stdio.h>\nint a_count(void); int b_count(void);\n\
         int main(void) { printf(\"%d %d\\n\", a_count(), b_count()); return 0; }\n",
    );
    for (prog, lib) in [("prog", "-lgpua"), ("progh", "-lgpuh")] {
        gcc(dir.root(), &["main.c", "-o", prog, "-Llib", lib, "-lgpub", "-Wl,-rpath,$ORIGIN/lib"]);
        assert_eq!(sh(&mut Command::new(dir.path(prog))), "1 1\n");
        let (code, out, err) = audit(&dir, &[prog]);
        assert_eq!(code, Some(1), "{out}{err}");
        let so = if lib == "-lgpua" { "libgpua.so" } else { "libgpuh.so" };
        let want = format!(
            "  two CUDA runtimes: {} embeds the static one (it defines __cudaRegisterFatBinary and cudaGetDeviceCount) while {} needs libcudart.so.12",
            dir.path(&format!("lib/{so}")).display(),
            dir.path("lib/libgpub.so").display()
        );
        assert_line(&out, &want);
        assert_eq!(out.matches("two CUDA runtimes").count(), 1, "{out}");
        let cdx = cyclonedx_properties(&dir, prog);
        assert!(cdx.iter().any(|p| p.starts_with("solink:two-cuda-runtimes=") && p.contains(so)), "{cdx:?}");
    }
    // By its note: a library that records libcudart_static.a.
    dir.write("c.c", "int c(void) { return 3; }\n");
    gcc(dir.root(), &["-fPIC", "-c", "c.c", "-o", "c.o"]);
    let entry =
        Entry::for_archive("cudart_static", &dir.path("libcudart_static.a"), vec!["cudart.o".into()], true)
            .unwrap();
    let target = Target::of_object(&fs::read(dir.path("c.o")).unwrap()).unwrap();
    dir.write("note.o", provenance::note_object(&[entry], target).unwrap());
    gcc(dir.root(), &["-shared", "-o", "lib/libnoted.so", "c.o", "note.o"]);
    let (code, out, _) = audit(&dir, &["lib/libnoted.so", "lib/libgpub.so", "lib"]);
    assert_eq!(code, Some(1), "{out}");
    assert_line(
        &out,
        "  two CUDA runtimes: lib/libnoted.so embeds the static one (libcudart_static.a, by its note) \
         while lib/libgpub.so needs libcudart.so.12",
    );
    // One runtime alone is no finding.
    let (code, out, _) = audit(&dir, &["lib/libgpub.so"]);
    assert_eq!(code, Some(0), "{out}");
}

/// Issue 35 §4: a process that loads two OpenMP runtimes (GCC's libgomp
/// through a library `gcc -fopenmp` built, LLVM's libomp through one
/// `clang -fopenmp` built) is flagged, each runtime named with the objects
/// that need it: by `DT_NEEDED`, by `dlopen` (a plugin directory), and by
/// symbols where a library carries a runtime under a name that says
/// nothing. A process with one runtime is clean.
#[test]
fn audit_flags_two_openmp_runtimes_in_one_process() {
    if !require_tool("clang") {
        return;
    }
    let dir = Dir::new();
    dir.mkdir("lib");
    dir.mkdir("plugins");
    let user = |name: &str| {
        format!(
            "#include <omp.h>\nint {name}_threads(void) {{\n  int n = 0;\n#pragma omp parallel\n  {{\n\
             #pragma omp single\n    n = omp_get_num_threads();\n  }}\n  return n > 0;\n}}\n"
        )
    };
    dir.write("a.c", user("a"));
    dir.write("b.c", user("b"));
    gcc(dir.root(), &["-fopenmp", "-fPIC", "-shared", "-o", "lib/liba.so", "a.c"]);
    let clang = Command::new("clang")
        .current_dir(dir.root())
        .args(["-fopenmp", "-fPIC", "-shared", "-o", "lib/libb.so", "b.c"])
        .output()
        .unwrap();
    if !skip_unless(
        clang.status.success(),
        "libomp not installed (clang -fopenmp cannot link; apt-get install libomp-dev)",
    ) {
        return;
    }
    std::fs::copy(dir.path("lib/libb.so"), dir.path("plugins/libb.so")).unwrap();
    dir.write(
        "main.c",
        "#include <stdio.h>\nint a_threads(void); int b_threads(void);\n\
         int main(void) { printf(\"%d %d\\n\", a_threads(), b_threads()); return 0; }\n",
    );
    dir.write(
        "one.c",
        "#include <stdio.h>\nint a_threads(void);\nint main(void) { printf(\"%d\\n\", a_threads()); return 0; }\n",
    );
    let rpath = "-Wl,-rpath,$ORIGIN/lib";
    gcc(dir.root(), &["main.c", "-o", "prog", "-Llib", "-la", "-lb", rpath]);
    gcc(dir.root(), &["one.c", "-o", "one", "-Llib", "-la", rpath]);
    // Both runtimes really are in one process, and it runs.
    assert_eq!(sh(&mut Command::new(dir.path("prog"))), "1 1\n");
    assert_eq!(sh(&mut Command::new(dir.path("one"))), "1\n");

    // Where the loader finds each runtime is the machine's: read it from
    // the JSON, then hold the text to it.
    let json = dir.solink().args(["--format", "json", "--audit", "prog"]).output();
    assert_eq!(json.status.code(), Some(1), "{}", String::from_utf8_lossy(&json.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["duplicates_found"], true);
    let found = doc["files"][0]["openmp_runtimes"].as_array().unwrap();
    let row = |r: &serde_json::Value| {
        (
            r["runtime"].as_str().unwrap().to_string(),
            r["evidence"].as_str().unwrap().to_string(),
            r["needed_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["object"].as_str().unwrap().to_string())
                .collect(),
        )
    };
    let (liba, libb) =
        (dir.path("lib/liba.so").display().to_string(), dir.path("lib/libb.so").display().to_string());
    assert_eq!(
        found.iter().map(row).collect::<Vec<(String, String, Vec<String>)>>(),
        [
            ("libgomp".into(), "name".into(), vec![liba.clone()]),
            ("libomp".into(), "name".into(), vec![libb.clone()])
        ],
        "{found:?}"
    );
    let path = |i: usize| found[i]["object"].as_str().unwrap().to_string();
    let (gomp, omp) = (path(0), path(1));
    assert!(gomp.ends_with("/libgomp.so.1") && omp.contains("libomp"), "{gomp} {omp}");
    let (code, out, err) = audit(&dir, &["prog"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert_line(
        &out,
        &format!(
            "  two OpenMP runtimes in one process: {gomp} (libgomp, by its name): {liba} needs libgomp.so.1; \
             {omp} (libomp, by its name): {libb} needs libomp.so.5"
        ),
    );
    // libomp defines libgomp's names too: said once, as two runtimes.
    assert!(!out.contains("probable double copy"), "{out}");
    let cdx = cyclonedx_properties(&dir, "prog");
    assert!(
        cdx.iter().any(|p| p.starts_with("solink:two-openmp-runtimes=")
            && p.contains(&format!("{gomp} (libgomp, by name, needed by {liba} (libgomp.so.1))"))
            && p.contains(&format!("{omp} (libomp, by name, needed by {libb} (libomp.so.5))"))),
        "{cdx:?}"
    );
    let spdx = dir.solink().args(["--format", "spdx", "--audit", "prog"]).output();
    assert_eq!(spdx.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&spdx.stdout).unwrap();
    assert_spdx_schema(&doc);
    let comment = doc["comment"].as_str().unwrap_or_default();
    assert_line(
        comment,
        &format!("OpenMP runtimes in one process: {gomp} (libgomp, by name), {omp} (libomp, by name)"),
    );

    // One runtime, alone or needed twice, is no finding.
    let (code, out, _) = audit(&dir, &["one"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("OpenMP"), "{out}");
    let (code, out, _) = audit(&dir, &["lib/libb.so"]);
    assert_eq!(code, Some(0), "{out}");

    // The second runtime loaded by dlopen: a plugin directory.
    let (code, out, _) = audit(&dir, &["one", "plugins"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("(libomp, by its name): plugins/libb.so needs libomp.so.5"), "{out}");

    // A runtime carried under a name that says nothing, hidden with
    // --exclude-libs: known by its symbols, in .symtab.
    dir.write("kmp.c", "int omp_get_num_threads(void) { return 1; }\nvoid __kmpc_fork_call(void) {}\n");
    gcc(dir.root(), &["-fPIC", "-c", "kmp.c", "-o", "kmp.o"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "libkmp.a", "kmp.o"]));
    dir.write(
        "v.c",
        "int omp_get_num_threads(void);\nint v_threads(void) { return omp_get_num_threads(); }\n",
    );
    gcc(
        dir.root(),
        &[
            "-fPIC",
            "-shared",
            "-o",
            "lib/libv.so",
            "v.c",
            "-L.",
            "-lkmp",
            "-Wl,--exclude-libs,ALL",
            "-Wl,-soname,libv.so",
        ],
    );
    dir.write(
        "vmain.c",
        "#include <stdio.h>\nint a_threads(void); int v_threads(void);\n\
         int main(void) { printf(\"%d %d\\n\", a_threads(), v_threads()); return 0; }\n",
    );
    gcc(dir.root(), &["vmain.c", "-o", "vprog", "-Llib", "-la", "-lv", rpath]);
    let (code, out, _) = audit(&dir, &["vprog"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(&format!(
            "{} (libomp or libiomp5, embedded: it defines omp_get_num_threads and __kmpc_fork_call): vprog needs libv.so",
            dir.path("lib/libv.so").display()
        )),
        "{out}"
    );
}

/// Issue 32 §2, one test per class of what `--audit` could not see: each
/// was reported as "no archive is embedded twice", exit 0. `liba.so`
/// embeds libfoo.a with its globals exported; a second copy where the
/// audit cannot see it must make the audit say so, exit 3, never 0.
fn hidden_duplicate(dir: &Dir) -> PathBuf {
    stack(dir, &[("a", false), ("b", false)]);
    dir.mkdir("plugins");
    dir.path("lib/libb.so")
}

#[test]
fn a_duplicate_in_a_directory_that_cannot_be_read_is_not_silence() {
    let dir = Dir::new();
    let libb = hidden_duplicate(&dir);
    // A path longer than PATH_MAX cannot be opened, even by root (whom
    // no permission bit stops): 17 levels of 250 bytes.
    let level = "x".repeat(250);
    let script = format!(
        "cd plugins && for i in $(seq 17); do mkdir {level} && cd -P {level} || exit 1; done && cp {} libb.so",
        libb.display()
    );
    sh(Command::new("sh").current_dir(dir.root()).args(["-c", &script]));
    let (code, out, err) = audit(&dir, &["lib/liba.so", "plugins"]);
    assert_eq!(code, Some(3), "{out}{err}");
    let unseen: Vec<&str> = out.lines().filter(|l| l.starts_with("  not seen: ")).collect();
    assert_eq!(unseen.len(), 1, "{out}");
    assert!(unseen[0].ends_with("cannot be read: File name too long (os error 36)"), "{out}");
    assert_line(&out, "  no archive is embedded twice in what could be read");
    assert_line(&out, "  incomplete: 1 file or directory could not be seen (exit status 3)");
    // In JSON, and in CycloneDX as an incomplete composition.
    let json = dir.solink().args(["--format", "json", "--audit", "lib/liba.so", "plugins"]).output();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!((json.status.code(), &v["complete"]), (Some(3), &serde_json::json!(false)));
    assert_eq!(v["files"][0]["unseen"][0]["kind"], "unreadable");
    let cdx = dir.solink().args(["--format", "cyclonedx", "--audit", "lib/liba.so", "plugins"]).output();
    assert_eq!(cdx.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&cdx.stdout).unwrap();
    assert_cyclonedx_schema(&doc);
    assert_eq!(doc["compositions"][0]["aggregate"], "incomplete");
    assert!(doc.to_string().contains("solink:unseen"), "{doc}");
}

#[test]
fn a_duplicate_deeper_than_the_walk_goes_is_not_silence() {
    let dir = Dir::new();
    let libb = hidden_duplicate(&dir);
    let deep = format!("plugins/{}", ["d"; 65].join("/"));
    dir.mkdir(&deep);
    fs::copy(&libb, dir.path(&format!("{deep}/libb.so"))).unwrap();
    let (code, out, err) = audit(&dir, &["lib/liba.so", "plugins"]);
    assert_eq!(code, Some(3), "{out}{err}");
    assert_line(&out, &format!("  not seen: {deep}: deeper than 64 levels: not walked"));
}

#[test]
fn a_file_that_cannot_be_parsed_is_not_silence() {
    let dir = Dir::new();
    let libb = hidden_duplicate(&dir);
    // ELF by its magic, damaged after it: a plugin the audit cannot read.
    let mut bytes = fs::read(&libb).unwrap();
    bytes.truncate(64);
    bytes[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    dir.write("plugins/libb.so", bytes);
    let (code, out, err) = audit(&dir, &["lib/liba.so", "plugins"]);
    assert_eq!(code, Some(3), "{out}{err}");
    let line = out.lines().find(|l| l.starts_with("  not seen: plugins/libb.so: cannot be parsed: "));
    assert!(line.is_some(), "{out}");
}

#[test]
fn a_note_that_cannot_be_decoded_is_not_silence() {
    let dir = Dir::new();
    let libb = hidden_duplicate(&dir);
    // The note's format version, made one this solink does not know.
    let mut so = fs::read(&libb).unwrap();
    let payload = provenance::read_note_payloads(&libb).unwrap().remove(0);
    let at = so.windows(payload.len()).position(|w| w == payload.as_slice()).unwrap();
    so[at..at + 4].copy_from_slice(&99u32.to_le_bytes());
    fs::write(&libb, so).unwrap();
    let (code, out, err) = audit(&dir, &["prog"]);
    assert_eq!(code, Some(3), "{out}{err}");
    assert_line(
        &out,
        &format!(
            "  not seen: {}: unreadable solink note: the note has format version 99, which this solink \
             does not read; use a newer solink",
            libb.display()
        ),
    );
    // --embeds says it cannot tell, and exits 3 too.
    let out = dir.solink().args(["--audit", "--embeds", "foo", "lib"]).run();
    assert_eq!(out.code(), Some(3), "{}", out.stdout);
    assert!(out.stdout.contains(": cannot tell: unreadable solink note: "), "{}", out.stdout);
}

/// Issue 32 §3: `--embeds` counts only linked objects, so solink's own
/// cached note objects (relocatable, `note-*.o`) embed nothing; and a tree
/// tagged as a cache is not walked.
#[test]
fn embeds_looks_only_at_linked_objects_outside_caches() {
    let dir = Dir::new();
    stack(&dir, &[("a", false)]);
    dir.mkdir("tree/objs");
    fs::copy(dir.path("note-0.o"), dir.path("tree/objs/note-0.o")).unwrap();
    let out = dir.solink().args(["--audit", "--embeds", "foo", "tree"]).run();
    assert_eq!(out.code(), Some(1), "{}", out.stdout);
    assert_text(out.stdout, "none of the 0 linked ELF files under tree embeds libfoo.a\n");
    // solink's own cache, filled by a real link, is passed over.
    dir.mkdir("tree/cache");
    let cache = dir.path("tree/cache");
    foo_pc_less_link(&dir, &cache);
    fs::copy(dir.path("lib/liba.so"), dir.path("tree/liba.so")).unwrap();
    let out = dir.solink().args(["--audit", "--embeds", "foo", "tree"]).run();
    assert_eq!(out.code(), Some(0), "{}", out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[0].starts_with("tree/liba.so: embeds libfoo.a (-lfoo) sha256:"), "{}", out.stdout);
    assert!(
        lines[1].starts_with("tree/cache/")
            && lines[1].ends_with(": a cache directory (its tag says so), not searched"),
        "{}",
        out.stdout
    );
}

/// A link through solink with its cache under `cache`, which it fills
/// (verdicts, the pack: the note object lies beside the output since
/// issue 33) and tags as a cache.
fn foo_pc_less_link(dir: &Dir, cache: &std::path::Path) {
    dir.solink()
        .env("XDG_CACHE_HOME", cache)
        .args(["--", "gcc", "-shared", "-o", "solinked.so", "a.o", "-L.", "-lfoo"])
        .ok();
    let tags = walkdir::WalkDir::new(cache).into_iter().flatten().filter(|e| e.file_name() == "CACHEDIR.TAG");
    assert!(tags.count() > 0, "the link made its cache");
    assert!(dir.path(".solinked.so.solink-note.o").exists(), "the note object lies beside the output");
}

/// Issue 32 §5: `--audit FILE.whl` audits every ELF member of a wheel (an
/// extension module and the vendored `.libs/`) as the one process Python
/// makes of them, each reported by its path inside the wheel. The wheel is
/// hostile input: a member named outside it is reported, never written,
/// and the private directory the members were read into is gone after.
#[test]
fn a_wheel_is_audited_member_by_member() {
    if !require_tool("python3") {
        return;
    }
    let dir = Dir::new();
    stack(&dir, &[("a", false), ("b", false)]);
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n\
                  z.write(sys.argv[2], 'pkg/_ext.cpython-311-x86_64-linux-gnu.so')\n\
                  z.write(sys.argv[3], 'pkg.libs/libb-1a2b3c4d.so')\n\
                  z.writestr('pkg-1.0.dist-info/METADATA', 'Name: pkg\\n')\n\
                  z.writestr('../evil.so', b'\\x7fELF' + bytes(60))\n\
                  z.close()\n";
    sh(Command::new("python3").current_dir(dir.root()).args([
        "-c",
        script,
        "pkg-1.0-cp311-cp311-linux_x86_64.whl",
        "lib/liba.so",
        "lib/libb.so",
    ]));
    dir.mkdir("tmp");
    let out = dir
        .solink()
        .env("TMPDIR", dir.path("tmp"))
        .args(["--audit", "pkg-1.0-cp311-cp311-linux_x86_64.whl"])
        .run();
    assert_eq!(out.code(), Some(1), "{}{}", out.stdout, out.stderr);
    let text = &out.stdout;
    assert!(text.starts_with("pkg-1.0-cp311-cp311-linux_x86_64.whl: "), "{text}");
    assert_line(text, "  duplicate: -lfoo is embedded in 2 objects of this process (same digest):");
    assert_line(
        text,
        "    pkg/_ext.cpython-311-x86_64-linux-gnu.so (libfoo.a, interposable: exports foo_count, foo_get)",
    );
    assert_line(text, "    pkg.libs/libb-1a2b3c4d.so (libfoo.a, interposable: exports foo_count, foo_get)");
    assert_line(text, "  not seen: ../evil.so: cannot be parsed: a name outside the wheel");
    assert!(!dir.path("evil.so").exists() && !dir.path("tmp/../evil.so").exists());
    assert_eq!(fs::read_dir(dir.path("tmp")).unwrap().count(), 0, "the private directory is removed");
    // The records describe the wheel's files, ready for .dist-info/sboms/.
    let cdx = dir
        .solink()
        .env("TMPDIR", dir.path("tmp"))
        .args(["--format", "cyclonedx", "--audit", "pkg-1.0-cp311-cp311-linux_x86_64.whl"])
        .output();
    let doc: serde_json::Value = serde_json::from_slice(&cdx.stdout).unwrap();
    assert_cyclonedx_schema(&doc);
    let refs: Vec<&str> =
        doc["components"].as_array().unwrap().iter().filter_map(|c| c["bom-ref"].as_str()).collect();
    assert!(refs.contains(&"pkg.libs/libb-1a2b3c4d.so"), "{refs:?}");
    let digest = provenance::Digest::of_file(&dir.path("lib/liba.so")).unwrap().hex();
    assert_eq!(
        doc["metadata"]["component"]["hashes"][0]["content"], digest,
        "hashed before the files went away"
    );
    let spdx = dir
        .solink()
        .env("TMPDIR", dir.path("tmp"))
        .args(["--format", "spdx", "--audit", "pkg-1.0-cp311-cp311-linux_x86_64.whl"])
        .output();
    let doc: serde_json::Value = serde_json::from_slice(&spdx.stdout).unwrap();
    assert_spdx_schema(&doc);
}

//! Issue 13 wired into the link: every `.so` solink embeds archives into
//! carries a `.note.solink` record, made by solink itself (real links,
//! loaded and run).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// A registry that a constructor fills: every copy of `libfoo.a` whose
/// constructor runs adds one.
const FOO: &str = "int foo_count;\n\
                   __attribute__((constructor)) static void foo_register(void) { foo_count++; }\n\
                   int foo_get(void) { return foo_count; }\n";

/// `libfoo.a` in `DIR/l`, from [`FOO`].
fn foo_archive(dir: &Dir) {
    dir.mkdir("l");
    dir.write("foo.c", FOO);
    gcc(dir.root(), &["-fPIC", "-c", "foo.c", "-o", "foo.o"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "l/libfoo.a", "foo.o"]));
}

/// `lib/libNAME.so` linked by solink from `NAME.o` and `-lfoo` (plus
/// `extra` solink options), which embeds `libfoo.a`.
fn solink_lib(dir: &Dir, name: &str, extra: &[&str]) -> String {
    dir.write(
        &format!("{name}.c"),
        format!("int foo_get(void);\nint {name}_get(void) {{ return foo_get(); }}\n"),
    );
    gcc(dir.root(), &["-fPIC", "-c", &format!("{name}.c"), "-o", &format!("{name}.o")]);
    dir.mkdir("lib");
    dir.solink()
        .args(extra)
        .args([
            "--",
            "gcc",
            "-shared",
            "-o",
            &format!("lib/lib{name}.so"),
            &format!("{name}.o"),
            "-Ll",
            "-lfoo",
        ])
        .ok()
}

/// What `prog` prints when it prints each library's view of the registry,
/// one `NAME=COUNT` line each (see [`run_prog`]).
fn each_registry_view(dir: &Dir, libs: &[&str]) -> String {
    let mut main = String::from("#include <stdio.h>\n");
    let mut calls = String::new();
    for name in libs {
        main.push_str(&format!("int {name}_get(void);\n"));
        calls.push_str(&format!("  printf(\"{name}=%d\\n\", {name}_get());\n"));
    }
    run_prog(dir, &format!("{main}int main(void) {{\n{calls}  return 0;\n}}\n"), libs)
}

fn readelf_notes(path: &Path) -> String {
    sh(Command::new("readelf").arg("-n").arg(path))
}

fn audit(dir: &Dir) -> (Option<i32>, String) {
    let out = dir.solink().args(["--audit", "prog"]).run();
    (out.code(), out.stdout)
}

fn tools() -> bool {
    require_tool("gcc") && require_tool("ar") && require_tool("readelf") && require_tool("strip")
}

#[test]
fn two_libraries_embedding_foo_register_twice_and_audit_flags_them() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    solink_lib(&dir, "a", &[]);
    solink_lib(&dir, "b", &[]);
    for lib in ["lib/liba.so", "lib/libb.so"] {
        let notes = readelf_notes(&dir.path(lib));
        assert!(notes.contains(".note.solink") && notes.contains("solink"), "{lib}: {notes}");
    }
    // Exported: one set of data, both constructors ran.
    assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=2\nb=2\n");
    let (code, text) = audit(&dir);
    assert_eq!(code, Some(1), "{text}");
    // Issue 32 §1, the other side of private copies: two plain gcc links
    // that export their copies (no version script) are still caught, with
    // the names that can interpose.
    assert_line(&text, "  duplicate: -lfoo is embedded in 2 objects of this process (same digest):");
    for lib in ["a", "b"] {
        let so = dir.path(&format!("lib/lib{lib}.so"));
        assert_line(
            &text,
            &format!("    {} (libfoo.a, interposable: exports foo_count, foo_get)", so.display()),
        );
    }
}

#[test]
fn hidden_copies_keep_two_states_and_audit_calls_them_private() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    solink_lib(&dir, "a", &["--hide=foo"]);
    solink_lib(&dir, "b", &["--hide=foo"]);
    assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=1\nb=1\n", "two copies, two states");
    // What the links asked for: no copy can interpose, so no finding
    // (issue 32 §1).
    let (code, text) = audit(&dir);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("  private copies: -lfoo is embedded in 2 objects"), "{text}");
    let json = dir.solink().args(["--format", "json", "--audit", "prog"]).output();
    let json = String::from_utf8_lossy(&json.stdout).into_owned();
    assert!(
        json.contains("\"symbols\":\"private\""),
        "the output's .dynsym says the copies are private: {json}"
    );
}

#[test]
fn the_note_is_reproducible_kept_by_strip_and_absent_when_nothing_is_embedded() {
    if !tools() {
        return;
    }
    let one = Dir::new();
    let two = Dir::new();
    for dir in [&one, &two] {
        foo_archive(dir);
        solink_lib(dir, "a", &[]);
    }
    let bytes = |d: &Dir| fs::read(d.path("lib/liba.so")).unwrap();
    assert!(bytes(&one) == bytes(&two), "two links in two directories differ");
    // Without a cache the note is a temporary file, removed after the link.
    let tmp = one.mkdir("tmp");
    one.solink()
        .env("TMPDIR", &tmp)
        .args(["--no-cache", "--", "gcc", "-shared", "-o", "nocache.so", "a.o", "-Ll", "-lfoo"])
        .ok();
    assert!(fs::read(one.path("nocache.so")).unwrap() == bytes(&one), "--no-cache changes the output");
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0, "the temporary note object is left behind");
    // strip keeps it (allocated), and readelf shows it.
    sh(Command::new("strip").arg(one.path("lib/liba.so")).arg("-o").arg(one.path("stripped.so")));
    assert!(readelf_notes(&one.path("stripped.so")).contains(".note.solink"));
    // A link that embeds nothing is the plain link.
    gcc(one.root(), &["-shared", "-o", "plain.so", "a.o"]);
    one.solink().args(["--", "gcc", "-shared", "-o", "viasolink.so", "a.o"]).ok();
    let plain: PathBuf = one.path("plain.so");
    assert!(fs::read(plain).unwrap() == fs::read(one.path("viasolink.so")).unwrap());
    assert!(!readelf_notes(&one.path("viasolink.so")).contains(".note.solink"));
}

#[test]
fn explain_says_the_note_was_added() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    dir.write("a.c", "int foo_get(void);\nint a_get(void) { return foo_get(); }\n");
    gcc(dir.root(), &["-fPIC", "-c", "a.c", "-o", "a.o"]);
    let err = dir
        .solink()
        .args(["--explain", "--", "gcc", "-shared", "-o", "x.so", "a.o", "-Ll", "-lfoo"])
        .output();
    let text = String::from_utf8_lossy(&err.stderr).into_owned();
    // The explanation ends with the bytes this machine's compiler made.
    assert_line(&text, "solink: note: adds .note.solink to the output, recording what it embeds: libfoo.a");
}

/// `libplug.a`: `reg.o` holds the registry, `plugin.o` registers itself by
/// a constructor and nothing references it, as plugins do.
fn plugin_archive(dir: &Dir) {
    dir.mkdir("l");
    dir.write("reg.c", "int reg_count;\nint reg_get(void) { return reg_count; }\n");
    dir.write(
        "plugin.c",
        "extern int reg_count;\nint plugin_anchor;\n\
         __attribute__((constructor)) static void plugin_register(void) { reg_count++; }\n",
    );
    gcc(dir.root(), &["-fPIC", "-c", "reg.c", "plugin.c"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "l/libplug.a", "reg.o", "plugin.o"]));
    dir.write("p.c", "int reg_get(void);\nint p_get(void) { return reg_get(); }\n");
    gcc(dir.root(), &["-fPIC", "-c", "p.c", "-o", "p.o"]);
}

#[test]
fn a_constructor_member_left_out_is_named_and_whole_archive_auto_pulls_it_in() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    plugin_archive(&dir);
    dir.mkdir("lib");
    let link = |extra: &[&str]| {
        dir.solink()
            .args(extra)
            .args(["--", "gcc", "-shared", "-o", "lib/libp.so", "p.o", "-Ll", "-lplug"])
            .output()
    };
    let plain = link(&[]);
    let stderr = String::from_utf8_lossy(&plain.stderr).into_owned();
    assert!(plain.status.success(), "{stderr}");
    assert_text(
        stderr,
        "solink: l/libplug.a has constructors in members ld leaves out (plugin.o): nothing references them, \
         so what they register never is. Pull them in with --whole-archive=auto (just those members) \
         or --whole-archive=plug.\n",
    );
    assert_eq!(each_registry_view(&dir, &["p"]), "p=0\n", "the plain link drops the registration");
    let strict = link(&["--strict"]);
    assert_eq!(strict.status.code(), Some(2), "--strict refuses a constructor left behind");
    let auto = link(&["--whole-archive=auto"]);
    let stderr = String::from_utf8_lossy(&auto.stderr).into_owned();
    assert!(auto.status.success() && !stderr.contains("leaves out"), "{stderr}");
    assert_eq!(each_registry_view(&dir, &["p"]), "p=1\n", "--whole-archive=auto pulls the plugin in");
}

/// `lib/libb.so` from `b.c` (which uses foo) linked by solink with `libs`
/// after `-Ll -Llib` (plus `extra` solink options); the output.
fn link_b(dir: &Dir, libs: &[&str], extra: &[&str]) -> Ran {
    link_b_from(dir, "int foo_get(void);\nint b_get(void) { return foo_get(); }\n", libs, extra)
}

/// [`link_b`] with `b.c` made of `source`.
fn link_b_from(dir: &Dir, source: &str, libs: &[&str], extra: &[&str]) -> Ran {
    dir.write("b.c", source);
    gcc(dir.root(), &["-fPIC", "-c", "b.c", "-o", "b.o"]);
    dir.solink()
        .args(extra)
        .args(["--", "gcc", "-shared", "-o", "lib/libb.so", "b.o", "-Ll", "-Llib"])
        .args(libs)
        .run()
}

/// The stderr of a link that must have succeeded (`what` says which, in
/// the failure message).
fn stderr_of_success(out: &Ran, what: &str) -> String {
    assert!(out.success(), "{what}: {}", out.stderr);
    out.stderr.clone()
}

/// The symbols `path` defines, as `nm` lists them.
fn defined(path: &Path) -> String {
    sh(Command::new("nm").arg("--defined-only").arg(path))
}

#[test]
fn a_dependency_that_embeds_foo_exported_carries_it_in_either_order() {
    if !tools() || !require_tool("nm") {
        return;
    }
    for libs in [["-lfoo", "-la"], ["-la", "-lfoo"]] {
        let dir = Dir::new();
        foo_archive(&dir);
        solink_lib(&dir, "a", &[]);
        assert!(defined(&dir.path("lib/liba.so")).contains("foo_get"), "liba.so embeds foo");
        let out = link_b(&dir, &libs, &["--explain"]);
        let stderr = stderr_of_success(&out, &format!("{libs:?}"));
        let why = "liba.so already embeds libfoo.a (same digest); linking it again would give this process two copies";
        let want = explained_b_link(libs[0], why);
        assert_text_of(&format!("{libs:?}"), &stderr, &want);
        let b = defined(&dir.path("lib/libb.so"));
        assert!(
            !b.contains("foo_get") && !b.contains("foo_count"),
            "{libs:?}: libb.so embeds foo again: {b}"
        );
        // One copy in the process: its constructor ran once.
        assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=1\nb=1\n", "{libs:?}");
    }
}

#[test]
fn a_dependency_that_embeds_foo_hidden_is_embedded_again_with_a_warning() {
    if !tools() || !require_tool("nm") {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    solink_lib(&dir, "a", &["--hide=foo"]);
    let out = link_b(&dir, &["-lfoo", "-la"], &[]);
    let stderr = stderr_of_success(&out, "");
    assert_text(
        stderr,
        "solink: lib/liba.so already embeds l/libfoo.a with its symbols hidden, so this link cannot use that copy; \
         embedding -lfoo again gives this process two copies of its state. \
         Export it from lib/liba.so (drop --hide there), or --no-embed -lfoo.\n",
    );
    assert!(defined(&dir.path("lib/libb.so")).contains("foo_get"), "libb.so embeds its own copy");
    let strict = link_b(&dir, &["-lfoo", "-la"], &["--strict"]);
    assert_eq!(strict.status.code(), Some(2), "--strict refuses: {}", strict.stderr);
}

#[test]
fn a_shared_library_named_by_path_carries_foo_too() {
    if !tools() || !require_tool("nm") {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    solink_lib(&dir, "a", &[]);
    let out = link_b(&dir, &["-lfoo", "lib/liba.so"], &["--explain"]);
    let stderr = out.stderr.clone();
    assert!(out.status.success(), "{stderr}");
    assert_text(
        stderr,
        "\
solink: -lfoo: dropped (stage 2, -L at l/libfoo.a): liba.so already embeds libfoo.a (same digest); linking it again would give this process two copies
solink: command: gcc -shared -o lib/libb.so b.o -Ll -Llib lib/liba.so
solink: 0 embedded, 0 dynamic, 1 dropped, 0 warnings
",
    );
    assert!(!defined(&dir.path("lib/libb.so")).contains("foo_get"), "libb.so embeds foo again");
}

#[test]
fn a_dependency_solink_adds_carries_foo_too() {
    if !tools() || !require_tool("nm") {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    solink_lib(&dir, "a", &[]);
    // libbaz.a, whose .pc says it needs -la: solink adds -la to the link,
    // and liba.so already embeds libfoo.a with its symbols exported.
    dir.write("baz.c", "int baz_get(void) { return 7; }\n");
    gcc(dir.root(), &["-fPIC", "-c", "baz.c", "-o", "baz.o"]);
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "l/libbaz.a", "baz.o"]));
    dir.write(
        "l/pkgconfig/baz.pc",
        "libdir=${pcfiledir}/..\nName: baz\nDescription: t\nVersion: 1\nLibs: -L${libdir} -lbaz\nLibs.private: -la\n",
    );
    dir.write(
        "b.c",
        "int foo_get(void);\nint baz_get(void);\nint b_get(void) { return foo_get() * 10 + baz_get(); }\n",
    );
    gcc(dir.root(), &["-fPIC", "-c", "b.c", "-o", "b.o"]);
    let out = dir
        .solink()
        .args([
            "--explain",
            "--",
            "gcc",
            "-shared",
            "-o",
            "lib/libb.so",
            "b.o",
            "-Ll",
            "-Llib",
            "-lfoo",
            "-lbaz",
        ])
        .run();
    let stderr = stderr_of_success(&out, "");
    // The explanation ends with the bytes this machine's compiler made: its
    // lines are compared one by one.
    assert_line(
        &stderr,
        "solink: -lfoo: dropped (stage 2, -L at l/libfoo.a): liba.so already embeds libfoo.a (same digest); \
         linking it again would give this process two copies",
    );
    assert_line(
        &stderr,
        "solink: -la (dependency of -lbaz, from l/pkgconfig/baz.pc): dynamic -la: no liba.a in the search order",
    );
    let b = defined(&dir.path("lib/libb.so"));
    assert!(!b.contains("foo_get") && b.contains("baz_get"), "foo not embedded again, baz embedded: {b}");
    // One copy of foo in the process, and b reaches it through liba.so.
    assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=1\nb=17\n");
}

/// `l/libfoo_a.a` (the registry of [`FOO`]), `l/libfoo_b.a` (a member
/// that registers too and reads the registry: it needs `libfoo_a.a`), and
/// `l/libfoo.a`, a GNU ld script over both.
fn foo_script(dir: &Dir) {
    dir.mkdir("l");
    dir.write("foo_a.c", FOO);
    dir.write(
        "foo_b.c",
        "extern int foo_count;\n\
         __attribute__((constructor)) static void foo_b_register(void) { foo_count++; }\n\
         int foo_b_get(void) { return foo_count * 10; }\n",
    );
    gcc(dir.root(), &["-fPIC", "-c", "foo_a.c", "foo_b.c"]);
    for x in ["a", "b"] {
        sh(Command::new("ar").current_dir(dir.root()).args([
            "rcs",
            &format!("l/libfoo_{x}.a"),
            &format!("foo_{x}.o"),
        ]));
    }
    let (a, b) = (dir.path("l/libfoo_a.a"), dir.path("l/libfoo_b.a"));
    dir.write("l/libfoo.a", format!("/* GNU ld script */\nGROUP ( {} {} )\n", a.display(), b.display()));
}

/// Uses both archives of [`foo_script`]: one copy of each in the process
/// makes `foo_get() + foo_b_get()` 2 + 20.
const USES_BOTH: &str = "int foo_get(void);\nint foo_b_get(void);\n";

/// `lib/liba.so` linked by solink from `a.c`, which uses both archives of
/// [`foo_script`], and `libs` after `-Ll`.
fn solink_carrier(dir: &Dir, body: &str, libs: &[&str]) {
    dir.write("a.c", format!("{USES_BOTH}int a_get(void) {{ return {body}; }}\n"));
    gcc(dir.root(), &["-fPIC", "-c", "a.c", "-o", "a.o"]);
    dir.mkdir("lib");
    dir.solink().args(["--", "gcc", "-shared", "-o", "lib/liba.so", "a.o", "-Ll"]).args(libs).ok();
}

#[test]
fn a_dependency_that_embeds_every_archive_of_a_script_carries_it_in_either_order() {
    if !tools() || !require_tool("nm") {
        return;
    }
    for libs in [["-lfoo", "-la"], ["-la", "-lfoo"]] {
        let dir = Dir::new();
        foo_script(&dir);
        solink_carrier(&dir, "foo_get() + foo_b_get()", &["-lfoo"]);
        let a = defined(&dir.path("lib/liba.so"));
        assert!(a.contains("foo_get") && a.contains("foo_b_get"), "liba.so embeds both: {a}");
        let b_c = format!("{USES_BOTH}int b_get(void) {{ return foo_get() + foo_b_get(); }}\n");
        let out = link_b_from(&dir, &b_c, &libs, &["--explain"]);
        let stderr = stderr_of_success(&out, &format!("{libs:?}"));
        let why = "liba.so already embeds libfoo_a.a and libfoo_b.a: every archive of this linker script \
                   (same digests); linking them again would give this process two copies";
        let want = explained_b_link(libs[0], why);
        assert_text_of(&format!("{libs:?}"), &stderr, &want);
        let b = defined(&dir.path("lib/libb.so"));
        assert!(
            !b.contains("foo_get") && !b.contains("foo_b_get") && !b.contains("foo_count"),
            "{libs:?}: libb.so embeds the script's archives again: {b}"
        );
        // One copy of each: two constructors ran, not four.
        assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=22\nb=22\n", "{libs:?}");
    }
}

#[test]
fn a_script_whose_archives_a_later_dependency_carries_in_part_warns_and_strict_refuses() {
    if !tools() || !require_tool("nm") {
        return;
    }
    let dir = Dir::new();
    foo_script(&dir);
    // liba.so embeds libfoo_a.a alone, linked by its own name.
    solink_carrier(&dir, "foo_get()", &["-lfoo_a"]);
    let b_c = format!("{USES_BOTH}int b_get(void) {{ return foo_get() + foo_b_get(); }}\n");
    // liba.so after -lfoo: ld pulls libfoo_a.a in at -lfoo all the same.
    let out = link_b_from(&dir, &b_c, &["-lfoo", "-la"], &[]);
    let stderr = stderr_of_success(&out, "");
    assert_text(
        with_dir(&stderr, dir.root()),
        "solink: l/libfoo.a is a linker script over archives that shared libraries after -lfoo already embed: \
         $DIR/l/libfoo_a.a (lib/liba.so); the rest ($DIR/l/libfoo_b.a) is carried by none, so -lfoo is still \
         embedded, and ld pulls those archives in again there: this process gets two copies of their state. \
         Put those libraries before -lfoo (ld then takes those symbols from them and pulls in only the rest), \
         or link the other archives by name instead of the script.\n",
    );
    assert!(defined(&dir.path("lib/libb.so")).contains("foo_b_get"), "the rest is still embedded");
    let strict = link_b_from(&dir, &b_c, &["-lfoo", "-la"], &["--strict"]);
    assert_eq!(strict.status.code(), Some(2), "--strict refuses: {}", strict.stderr);
    // liba.so first: ld takes libfoo_a.a's symbols from it and pulls only
    // libfoo_b.a in: one copy of each, nothing to warn about.
    let out = link_b_from(&dir, &b_c, &["-la", "-lfoo"], &["--strict"]);
    let stderr = out.stderr.clone();
    assert!(out.status.success() && !stderr.contains("already embed"), "{stderr}");
    let b = defined(&dir.path("lib/libb.so"));
    assert!(b.contains("foo_b_get") && !b.contains("foo_get") && !b.contains("foo_count"), "{b}");
    assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=2\nb=22\n");
}

/// What `--explain` says of `libb.so`'s link when `liba.so` already embeds
/// libfoo's archives (`why`): `-lfoo` first is dropped; after `-la` it stays
/// dynamic, since `liba.so` provides it.
fn explained_b_link(first: &str, why: &str) -> String {
    if first == "-lfoo" {
        format!(
            "solink: -lfoo: dropped (stage 2, -L at l/libfoo.a): {why}\n\
             solink: -la: dynamic: no liba.a in the search order\n\
             solink: command: gcc -shared -o lib/libb.so b.o -Ll -Llib -la\n\
             solink: 0 embedded, 1 dynamic, 1 dropped, 0 warnings\n"
        )
    } else {
        format!(
            "solink: -la: dynamic: no liba.a in the search order\n\
             solink: -lfoo: dynamic (stage 2, -L at l/libfoo.a): {why}\n\
             solink: command: gcc -shared -o lib/libb.so b.o -Ll -Llib -la -lfoo\n\
             solink: 0 embedded, 2 dynamic, 0 warnings\n"
        )
    }
}

/// Issue 32 §1: a library whose own version script exports only its API
/// (as libpng's does: `nm` shows `t deflate` for the zlib inside) keeps
/// its embedded copy private. Two of them in one process keep two states,
/// which is what each asked for: reported as private copies, exit 0; the
/// export status is read from each output's `.dynsym`.
#[test]
fn libraries_with_their_own_version_script_are_private_copies() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    foo_archive(&dir);
    for name in ["a", "b"] {
        dir.write(&format!("{name}.map"), format!("{{ global: {name}_get; local: *; }};\n"));
        solink_lib(&dir, name, &[]);
        // Relinked with the version script, as the library's build does.
        dir.solink()
            .args(["--", "gcc", "-shared", "-o", &format!("lib/lib{name}.so"), &format!("{name}.o")])
            .args(["-Ll", "-lfoo", &format!("-Wl,--version-script={name}.map")])
            .ok();
        let nm = sh(Command::new("nm").arg(dir.path(&format!("lib/lib{name}.so"))));
        assert!(nm.lines().any(|l| l.ends_with(" t foo_get")), "foo_get is local: {nm}");
    }
    assert_eq!(each_registry_view(&dir, &["a", "b"]), "a=1\nb=1\n", "two copies, two states");
    let (code, text) = audit(&dir);
    assert_eq!(code, Some(0), "{text}");
    assert_line(
        &text,
        "  private copies: -lfoo is embedded in 2 objects of this process (same digest); \
         each keeps its own code and state:",
    );
    for lib in ["a", "b"] {
        let so = dir.path(&format!("lib/lib{lib}.so"));
        assert_line(
            &text,
            &format!("    {} (libfoo.a, private: none of its symbols in .dynsym)", so.display()),
        );
    }
    // The same facts, one word each, in JSON and CycloneDX.
    let json = dir.solink().args(["--format", "json", "--audit", "prog"]).output();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (json.status.code(), &v["files"][0]["duplicates"][0]["private"]),
        (Some(0), &serde_json::json!(true))
    );
    let cdx = dir.solink().args(["--format", "cyclonedx", "--audit", "prog"]).output();
    assert_eq!(cdx.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&cdx.stdout).unwrap();
    assert_cyclonedx_schema(&doc);
    assert!(doc.to_string().contains(r#"{"name":"solink:symbols","value":"private"}"#), "{doc}");
}

/// Issue 32 §1 on a Rust cdylib: rustc's own version script makes every
/// symbol of the archives it links local but the crate's exports, so two
/// such cdylibs loaded as plugins keep private copies: exit 0.
#[test]
fn two_rust_cdylibs_keep_private_copies() {
    if !tools() || !require_tool("cargo") {
        return;
    }
    use crate::support::cargo::{self as native, Native, Via};
    let dir = Dir::new();
    foo_archive(&dir);
    let project = dir.path("native");
    native::copy_fixture(&project);
    let libs = dir.path("l");
    let ran = native::build(&project, Via::Config, &Native::new(&["static=foo"], &["foo_get"], &[&libs]));
    assert!(ran.success(), "{}", native::errors(&ran.stderr, 20));
    dir.mkdir("plugins");
    for name in ["one", "two"] {
        fs::copy(native::cdylib(&project), dir.path(&format!("plugins/lib{name}.so"))).unwrap();
    }
    let out = dir.solink().args(["--audit", "plugins"]).run();
    assert_eq!(out.code(), Some(0), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("  private copies: -lfoo is embedded in 2 objects"), "{}", out.stdout);
    for name in ["one", "two"] {
        let line = format!("    plugins/lib{name}.so (libfoo.a, private: none of its symbols in .dynsym)");
        assert_line(&out.stdout, &line);
    }
}

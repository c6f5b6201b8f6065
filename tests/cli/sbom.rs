//! Issue 22 §1–3: the note's format 2 (package version, package URL and
//! the bytes the pulled members add), `--audit --format cyclonedx`, and
//! the sizes in `--audit` and `--explain`. Real gcc links, loaded and run;
//! sizes checked against binutils' `size` on the members.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use solink::testing::provenance::Digest;

use crate::util::*;

fn tools() -> bool {
    require_tool("gcc") && require_tool("ar") && require_tool("size")
}

/// `l/libfoo.a` (one member, `foo.o`) with `l/pkgconfig/foo.pc` saying
/// `Version: 1.2.3+git`, and `l/libbar.a` with no `.pc`.
fn archives_with_a_pc(dir: &Dir) {
    dir.write("foo.c", "int foo_count = 3;\nint foo_get(void) { return foo_count; }\n");
    dir.write("bar.c", "int bar_get(void) { return 4; }\n");
    gcc(dir.root(), &["-fPIC", "-c", "foo.c", "bar.c"]);
    dir.mkdir("l/pkgconfig");
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "l/libfoo.a", "foo.o"]));
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "l/libbar.a", "bar.o"]));
    dir.write(
        "l/pkgconfig/foo.pc",
        "libdir=${pcfiledir}/..\nName: foo\nDescription: the foo library\nVersion: 1.2.3+git\nLibs: -L${libdir} -lfoo\n",
    );
}

/// `lib/libNAME.so` from `NAME.o` (which calls each `GET`) and `libs`,
/// linked by solink.
fn solink_lib(dir: &Dir, name: &str, gets: &[&str], libs: &[&str]) {
    let mut c = String::new();
    for g in gets {
        c.push_str(&format!("int {g}(void);\n"));
    }
    let sum: Vec<String> = gets.iter().map(|g| format!("{g}()")).collect();
    c.push_str(&format!("int {name}_get(void) {{ return {}; }}\n", sum.join(" + ")));
    dir.write(&format!("{name}.c"), c);
    gcc(dir.root(), &["-fPIC", "-c", &format!("{name}.c"), "-o", &format!("{name}.o")]);
    dir.mkdir("lib");
    let out = format!("lib/lib{name}.so");
    let obj = format!("{name}.o");
    let mut args = vec!["--", "gcc", "-shared", "-o", &out, &obj, "-Ll"];
    args.extend_from_slice(libs);
    dir.solink().args(&args).ok();
}

/// What `prog` prints when it prints the sum of each library's
/// `NAME_get()` (see [`run_prog`]).
fn sum_of_answers(dir: &Dir, libs: &[&str]) -> String {
    let decls: String = libs.iter().map(|n| format!("int {n}_get(void);\n")).collect();
    let sum: Vec<String> = libs.iter().map(|n| format!("{n}_get()")).collect();
    let main = format!(
        "#include <stdio.h>\n{decls}int main(void) {{ printf(\"%d\\n\", {}); return 0; }}\n",
        sum.join(" + ")
    );
    run_prog(dir, &main, libs)
}

fn audit_json(dir: &Dir, file: &str) -> Value {
    let out = dir.solink().args(["--format", "json", "--audit", file]).ok();
    serde_json::from_str(&out).unwrap()
}

/// The entries `--audit --format json` shows for the object whose path
/// ends with `suffix`.
fn embeds<'a>(audit: &'a Value, suffix: &str) -> &'a Vec<Value> {
    let objects = audit["files"][0]["objects"].as_array().unwrap();
    let o = objects.iter().find(|o| o["path"].as_str().unwrap().ends_with(suffix)).unwrap();
    o["embeds"].as_array().unwrap()
}

/// `--audit --format cyclonedx ARGS`: the exit code and each document,
/// every one validated against the CycloneDX 1.5 schema.
fn cyclonedx(dir: &Dir, files: &[&str]) -> (Option<i32>, Vec<Value>) {
    let out = dir.solink().args(["--format", "cyclonedx", "--audit"]).args(files).output();
    (out.status.code(), cyclonedx_docs(&String::from_utf8_lossy(&out.stdout)))
}

/// `--format cyclonedx --audit`'s output: one document per line, each held
/// to the schema.
fn cyclonedx_docs(stdout: &str) -> Vec<Value> {
    let docs: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for d in &docs {
        assert_cyclonedx_schema(d);
    }
    docs
}

/// `size`'s Berkeley figures (text, data, bss) summed over `objects`.
fn size_of(dir: &Dir, objects: &[&str]) -> (u64, u64, u64) {
    let out = sh(Command::new("size").current_dir(dir.root()).args(objects));
    let mut sum = (0, 0, 0);
    for line in out.lines().skip(1) {
        let n: Vec<u64> = line.split_whitespace().take(3).map(|w| w.parse().unwrap()).collect();
        sum = (sum.0 + n[0], sum.1 + n[1], sum.2 + n[2]);
    }
    assert_eq!(out.lines().count(), objects.len() + 1, "{out}");
    sum
}

fn bytes_of(entry: &Value) -> (u64, u64, u64) {
    let b = &entry["bytes"];
    let n = |k: &str| b[k].as_u64().unwrap_or_else(|| panic!("no {k} in {entry}"));
    assert_eq!(n("total"), n("code") + n("data") + n("bss"));
    (n("code"), n("data"), n("bss"))
}

/// A nested component's property `name`.
fn prop<'a>(component: &'a Value, name: &str) -> Option<&'a str> {
    component["properties"].as_array()?.iter().find(|p| p["name"] == name)?["value"].as_str()
}

#[test]
fn the_note_carries_the_version_of_the_pc_that_names_the_archive_and_a_purl_and_invents_none() {
    if !tools() {
        return;
    }
    let (one, two) = (Dir::new(), Dir::new());
    for dir in [&one, &two] {
        archives_with_a_pc(dir);
        solink_lib(dir, "a", &["foo_get", "bar_get"], &["-lfoo", "-lbar"]);
    }
    assert_eq!(sum_of_answers(&one, &["a"]), "7\n");
    let audit = audit_json(&one, "prog");
    let e = embeds(&audit, "liba.so");
    assert_eq!(e.len(), 2, "{audit}");
    assert_eq!((e[0]["file"].as_str(), e[0]["version"].as_str()), (Some("libfoo.a"), Some("1.2.3+git")));
    assert_eq!(e[0]["purl"], "pkg:generic/foo@1.2.3%2Bgit", "+ is percent-encoded, as the purl spec says");
    assert_eq!(e[1]["file"], "libbar.a");
    assert!(e[1]["version"].is_null(), "no .pc, no version: {}", e[1]);
    // Issue 32 §6: nothing names libbar.a as a package: the project's own
    // code, recorded by name, file and digest, with no invented purl.
    assert!(e[1]["purl"].is_null(), "no .pc, no package: {}", e[1]);
    let text = one.solink().args(["--audit", "prog"]).ok();
    assert!(text.contains("      pkg:generic/foo@1.2.3%2Bgit; adds "), "{text}");
    assert!(
        text.contains("      no package identity (no .pc names it: the project's own code); adds "),
        "{text}"
    );
    // Still no path and no time in it: the two directories link the same bytes.
    assert!(
        fs::read(one.path("lib/liba.so")).unwrap() == fs::read(two.path("lib/liba.so")).unwrap(),
        "two links in two directories differ"
    );
}

/// `l/libsz.a`: members with code and read-only data, writable data and a
/// constructor, zeroed and thread-local data, and one nothing needs.
fn sized_archive(dir: &Dir) {
    dir.write(
        "code.c",
        "static const char code_msg[] = \"a read-only string that size counts as text\";\n\
         int code_fn(int x) { return x * 3 + code_msg[x & 15]; }\n",
    );
    dir.write(
        "data.c",
        "int data_table[16] = {1, 2, 3, 4, 5, 6, 7, 8};\n\
         __attribute__((constructor)) static void data_init(void) { data_table[0]++; }\n\
         int data_fn(int i) { return data_table[i & 15]; }\n",
    );
    dir.write(
        "bss.c",
        "static int bss_buf[1000];\n__thread int bss_tls;\n\
         int bss_fn(int i) { bss_tls++; bss_buf[i % 1000] += i; return bss_buf[i % 1000] + bss_tls; }\n",
    );
    dir.write("unused.c", "int unused_fn(int x) { return x * 7 + 1; }\nint unused_data[64] = {1};\n");
    for m in ["code", "data", "bss", "unused"] {
        gcc(dir.root(), &["-fPIC", "-O1", "-g", "-c", &format!("{m}.c"), "-o", &format!("{m}.o")]);
    }
    dir.mkdir("l");
    sh(Command::new("ar").current_dir(dir.root()).args([
        "rcs",
        "l/libsz.a",
        "code.o",
        "data.o",
        "bss.o",
        "unused.o",
    ]));
}

#[test]
fn the_bytes_embedding_adds_are_what_size_says_of_the_pulled_members() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    sized_archive(&dir);
    dir.write("a.c", "int code_fn(int);\nint data_fn(int);\nint bss_fn(int);\nint a_get(void) { return code_fn(1) + data_fn(0) + bss_fn(2); }\n");
    gcc(dir.root(), &["-fPIC", "-c", "a.c"]);
    dir.mkdir("lib");
    let out = dir
        .solink()
        .args(["--explain", "--", "gcc", "-shared", "-o", "lib/liba.so", "a.o", "-Ll", "-lsz"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let (code, data, bss) = size_of(&dir, &["code.o", "data.o", "bss.o"]);
    assert!(code > 0 && data > 0 && bss > 0, "each kind is there to count: {code} {data} {bss}");
    let unused = size_of(&dir, &["unused.o"]);
    assert!(unused.0 > 0 && unused.1 > 0, "the member left out would change the sums");
    // --explain ends with it.
    assert_eq!(
        stderr.lines().last().unwrap(),
        format!(
            "solink: embedding adds {} bytes to the output: code {code}, data {data}, bss {bss} (the members ld pulls from 1 archive)",
            code + data + bss
        ),
        "{stderr}"
    );
    // The note says the same, and --audit shows it.
    assert_eq!(sum_of_answers(&dir, &["a"]), format!("{}\n", (3 + i32::from(b' ')) + 2 + (2 + 1)));
    let audit = audit_json(&dir, "prog");
    let e = embeds(&audit, "liba.so");
    assert_eq!(e[0]["members"], serde_json::json!(["code.o", "data.o", "bss.o"]), "{audit}");
    assert_eq!(bytes_of(&e[0]), (code, data, bss));
    let text = dir.solink().args(["--audit", "prog"]).ok();
    let phrase = format!("adds {} bytes (code {code}, data {data}, bss {bss})", code + data + bss);
    assert!(text.contains(&phrase), "{text}");
    // --explain --format json carries it too, valid against its schema.
    let out = dir
        .solink()
        .args([
            "--explain",
            "--format",
            "json",
            "--",
            "gcc",
            "-shared",
            "-o",
            "lib/liba.so",
            "a.o",
            "-Ll",
            "-lsz",
        ])
        .output();
    let json: Value = serde_json::from_str(String::from_utf8_lossy(&out.stderr).trim()).unwrap();
    assert_explain_schema(&json);
    assert_eq!(
        json["embedded_bytes"],
        serde_json::json!({"code": code, "data": data, "bss": bss, "total": code + data + bss, "archives": 1})
    );
}

#[test]
fn cyclonedx_names_each_embedded_archive_with_its_digest_version_purl_and_size() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    archives_with_a_pc(&dir);
    solink_lib(&dir, "a", &["foo_get"], &["-lfoo"]);
    solink_lib(&dir, "b", &["bar_get"], &["-lbar"]);
    assert_eq!(sum_of_answers(&dir, &["a", "b"]), "7\n");
    let (code, docs) = cyclonedx(&dir, &["prog"]);
    assert_eq!((code, docs.len()), (Some(0), 1), "{docs:?}");
    let doc = &docs[0];
    assert_eq!((doc["bomFormat"].as_str(), doc["specVersion"].as_str()), (Some("CycloneDX"), Some("1.5")));
    let root = &doc["metadata"]["component"];
    assert_eq!((root["name"].as_str(), root["type"].as_str()), (Some("prog"), Some("application")));
    let digest = |p: &str| Digest::of_file(&dir.path(p)).unwrap().hex();
    assert_eq!(root["hashes"][0], serde_json::json!({"alg": "SHA-256", "content": digest("prog")}));
    let components = doc["components"].as_array().unwrap();
    let object =
        |name: &str| components.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name}: {doc}"));
    let foo = &object("liba.so")["components"][0];
    assert_eq!(foo["name"], "foo");
    assert_eq!(foo["version"], "1.2.3+git");
    assert_eq!(foo["purl"], "pkg:generic/foo@1.2.3%2Bgit");
    assert_eq!(foo["hashes"][0], serde_json::json!({"alg": "SHA-256", "content": digest("l/libfoo.a")}));
    assert_eq!(prop(foo, "solink:file"), Some("libfoo.a"));
    let (text, data, bss) = size_of(&dir, &["foo.o"]);
    assert_eq!(prop(foo, "solink:bytes:code"), Some(text.to_string().as_str()));
    assert_eq!(prop(foo, "solink:bytes:data"), Some(data.to_string().as_str()));
    assert_eq!(prop(foo, "solink:bytes:bss"), Some(bss.to_string().as_str()));
    let bar = &object("libb.so")["components"][0];
    assert_eq!((bar["name"].as_str(), bar.get("purl")), (Some("bar"), None), "no package, no purl: {bar}");
    assert_eq!(prop(bar, "solink:symbols"), Some("interposable"));
    assert!(bar.get("version").is_none(), "no .pc, no version: {bar}");
    assert!(object("libc.so.6").get("components").is_none(), "libc embeds nothing solink knows of");
    // prog needs both libraries.
    let deps = doc["dependencies"].as_array().unwrap();
    let of_prog = deps.iter().find(|d| d["ref"] == "prog").unwrap();
    let on: Vec<&str> =
        of_prog["dependsOn"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(
        on.iter().any(|r| r.ends_with("lib/liba.so")) && on.iter().any(|r| r.ends_with("lib/libb.so")),
        "{on:?}"
    );
    // Two FILEs, two documents; a library is a library.
    let (code, docs) = cyclonedx(&dir, &["prog", "lib/liba.so"]);
    assert_eq!((code, docs.len()), (Some(0), 2));
    assert_eq!(docs[1]["metadata"]["component"]["type"], "library");
}

#[test]
fn cyclonedx_of_a_process_with_two_copies_still_validates_and_exits_1() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    archives_with_a_pc(&dir);
    solink_lib(&dir, "a", &["foo_get"], &["-lfoo"]);
    solink_lib(&dir, "b", &["foo_get"], &["-lfoo"]);
    assert_eq!(sum_of_answers(&dir, &["a", "b"]), "6\n");
    let (code, docs) = cyclonedx(&dir, &["prog"]);
    assert_eq!(code, Some(1), "a duplicate is exit 1 in every format");
    let props = docs[0]["metadata"]["properties"].as_array().unwrap();
    let dup = props[0]["value"].as_str().unwrap();
    assert!(props[0]["name"] == "solink:duplicate" && dup.starts_with("-lfoo: "), "{props:?}");
    assert!(dup.contains("liba.so (libfoo.a)") && dup.contains("libb.so (libfoo.a)"), "{dup}");
}

/// The fixture linked by a solink that wrote format 1 (tests/fixtures/provenance).
fn format_1_fixture(dir: &Dir) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/provenance/format1.so");
    fs::copy(fixture, dir.path("format1.so")).unwrap();
}

#[test]
fn a_format_1_note_still_reads_in_every_format() {
    let dir = Dir::new();
    format_1_fixture(&dir);
    let digest = "75b8d3913645ce96e3a1a15b36120f88af7b8cc4bb778d3e99333fd9d41a324d";
    let text = dir.solink().args(["--audit", "format1.so"]).ok();
    assert_text(
        text,
        format!(
            "format1.so: 1 objects in its closure\n  format1.so\n    \
             embeds libfoo.a (-lfoo) sha256:{digest} unknown (a note older than format 3 records no symbols), \
             1 members: foo.o\n      \
             no package identity (no .pc names it: the project's own code); \
             its size is not recorded (a format-1 note)\n  no archive is embedded twice\n"
        ),
    );
    let audit = audit_json(&dir, "format1.so");
    let e = &embeds(&audit, "format1.so")[0];
    assert!(e["version"].is_null() && e["bytes"].is_null() && e["purl"].is_null(), "{e}");
    assert_eq!(e["symbols"], "unknown");
    let (code, docs) = cyclonedx(&dir, &["format1.so"]);
    assert_eq!(code, Some(0));
    let foo = &docs[0]["metadata"]["component"]["components"][0];
    assert_eq!(foo["hashes"][0]["content"], digest);
    assert!(prop(foo, "solink:bytes:total").is_none(), "format 1 records no size: {foo}");
}

#[test]
fn a_damaged_note_is_reported_never_a_crash() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    archives_with_a_pc(&dir);
    solink_lib(&dir, "a", &["foo_get"], &["-lfoo"]);
    let so = fs::read(dir.path("lib/liba.so")).unwrap();
    let payload =
        solink::testing::provenance::read_note_payloads(&dir.path("lib/liba.so")).unwrap().remove(0);
    assert_eq!(u32::from_le_bytes(payload[..4].try_into().unwrap()), 3, "solink writes format 3");
    let at = so.windows(payload.len()).position(|w| w == payload.as_slice()).unwrap();
    // Every byte of the descriptor, and of its note header before it: one
    // damaged copy per byte, all audited by one process per format (each
    // file is audited on its own, and each must be reported).
    let damaged: Vec<String> = (at - 12..at + payload.len())
        .map(|i| {
            let mut bad = so.clone();
            bad[i] ^= 0xa5;
            let name = format!("bad-{i}.so");
            fs::write(dir.path(&name), &bad).unwrap();
            name
        })
        .collect();
    let names: Vec<&str> = damaged.iter().map(String::as_str).collect();
    for format in ["text", "json", "cyclonedx"] {
        let out = dir.solink().args(["--format", format, "--audit"]).args(&names).output();
        if !matches!(out.status.code(), Some(0..=3)) {
            // Which byte: each copy alone.
            for name in &names {
                let one = dir.solink().args(["--format", format, "--audit", name]).output();
                assert!(matches!(one.status.code(), Some(0..=3)), "{name}, {format}: {:?}", one.status);
            }
            panic!("{format}: {:?} for the copies together, none alone", out.status);
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let reported = match format {
            "text" => stdout.lines().filter(|l| !l.starts_with(' ')).count(),
            "json" => serde_json::from_str::<Value>(&stdout).unwrap()["files"].as_array().unwrap().len(),
            _ => cyclonedx_docs(&stdout).len(),
        };
        assert_eq!(reported, names.len(), "{format}: one report per damaged copy");
    }
}

#[test]
fn records_are_for_audit_not_explain() {
    let dir = Dir::new();
    for format in ["cyclonedx", "spdx", "debian", "rpm"] {
        let line = dir
            .solink()
            .args(["--explain", "--format", format, "--", "gcc", "-shared", "-o", "x.so"])
            .refused();
        assert_text(
            line,
            "solink: --explain prints text or json; cyclonedx, spdx, debian and rpm are forms of --audit's report \
             (set --format text or json)\n",
        );
    }
    let line = dir.solink().env("SOLINK_FORMAT", "yaml").args(["--audit", "x"]).refused();
    assert_text(
        line,
        "solink: SOLINK_FORMAT=yaml is not a format; use text, json, cyclonedx, spdx, debian or rpm\n",
    );
}

#[test]
fn the_schema_check_rejects_what_is_not_cyclonedx() {
    let valid = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1});
    assert_cyclonedx_schema(&valid);
    for bad in [
        serde_json::json!({"bomFormat": "SPDX", "specVersion": "1.5"}),
        serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "x"}]}),
        serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "x", "hashes": [{"alg": "SHA-256", "content": "not hex"}]}]}),
        serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "x", "licenses": [{"license": {"id": "Not-A-Licence"}}]}]}),
    ] {
        let rejected = std::panic::catch_unwind(|| assert_cyclonedx_schema(&bad));
        assert!(rejected.is_err(), "accepted: {bad}");
    }
}

/// The system's `liblz4.a` (liblz4-dev, which .ci/run installs): a Debian
/// archive that is position-independent, so solink embeds it. `None`
/// (skipped, or failed under CI) where it is not installed.
fn system_lz4() -> Option<std::path::PathBuf> {
    if !require_tool("dpkg-query") {
        return None;
    }
    let out = sh(Command::new("gcc").arg("-print-file-name=liblz4.a"));
    let path = std::path::PathBuf::from(out.trim());
    if path.is_absolute() {
        // As dpkg records it: no `..`.
        return Some(path.canonicalize().unwrap());
    }
    assert!(std::env::var_os("CI").is_none(), "liblz4-dev is not installed (.ci/run installs it)");
    eprintln!("skipped: liblz4-dev not installed");
    None
}

/// `lib/liba.so` linked by solink over `libfoo.a` (a `.pc` with a
/// version), `libbar.a` (nothing names it: the project's own code) and
/// the system's `liblz4.a`; then `prog` over it.
fn three_archives(dir: &Dir) {
    archives_with_a_pc(dir);
    solink_lib(dir, "a", &["foo_get", "bar_get", "LZ4_versionNumber"], &["-lfoo", "-lbar", "-llz4"]);
    // It loads and runs: 3 + 4 and lz4's version number.
    let sum: i64 = sum_of_answers(dir, &["a"]).trim().parse().unwrap();
    assert!(sum > 7, "{sum}");
}

/// Issue 32 §4: `--format debian` names the source package and source
/// version of the Debian archive the output embeds, as dpkg's own
/// database gives them, and lists the archives no package owns apart.
#[test]
fn debian_static_built_using_names_the_source_of_a_system_archive() {
    let Some(lz4) = system_lz4() else { return };
    if !tools() {
        return;
    }
    let dir = Dir::new();
    three_archives(&dir);
    // What dpkg says, asked here as a packager would.
    let owner = sh(Command::new("dpkg-query").arg("--search").arg(&lz4));
    let package = owner.split(": ").next().unwrap().to_string();
    let source = sh(Command::new("dpkg-query").args([
        "--show",
        "--showformat=${source:Package} (= ${source:Version})",
        &package,
    ]));
    let digest = |p: &str| Digest::of_file(&dir.path(p)).unwrap();
    let out = dir.solink().args(["--format", "debian", "--audit", "lib/liba.so"]).run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    assert_text(
        out.stdout,
        format!(
            "Static-Built-Using: {source}\n\
             # libfoo.a (-lfoo) sha256:{} in lib/liba.so: no Debian package owns it\n\
             # libbar.a (-lbar) sha256:{} in lib/liba.so: no Debian package owns it\n",
            digest("l/libfoo.a"),
            digest("l/libbar.a")
        ),
    );
    // A PATH without dpkg-query is refused, exit 2, one line.
    let out = dir
        .solink()
        .env("PATH", dir.path("nowhere"))
        .args(["--format", "debian", "--audit", "lib/liba.so"])
        .run();
    assert_eq!(out.code(), Some(2));
    assert_text(
        out.stderr,
        "solink: --format debian asks dpkg-query, which cannot run (dpkg-query is not on PATH); use it where \
         dpkg-query is installed, or another --format\n",
    );
}

/// Issue 32 §4: `--format rpm` says what is bundled as Fedora's policy
/// asks, from the note's package names and versions; an archive with no
/// package identity is the project's own code, and said so.
#[test]
fn rpm_provides_bundled_from_the_notes_versions() {
    let Some(_) = system_lz4() else { return };
    if !tools() {
        return;
    }
    let dir = Dir::new();
    three_archives(&dir);
    let version = sh(Command::new("pkg-config").args(["--modversion", "liblz4"]));
    let out = dir.solink().args(["--format", "rpm", "--audit", "lib/liba.so"]).run();
    assert_eq!(out.code(), Some(0), "{}", out.stderr);
    assert_text(
        out.stdout,
        format!(
            "Provides: bundled(foo) = 1.2.3+git\n\
             # libbar.a (-lbar) sha256:{} in lib/liba.so: no package identity (no .pc names it): the project's own code\n\
             Provides: bundled(liblz4) = {}\n",
            Digest::of_file(&dir.path("l/libbar.a")).unwrap(),
            version.trim()
        ),
    );
}

/// Issue 32 §4: `--format spdx` is SPDX 2.3, valid against the official
/// schema: the output and each archive packages with their SHA-256,
/// versions and purls where known, and `CONTAINS` relationships.
#[test]
fn spdx_documents_validate_and_say_what_each_object_contains() {
    if !tools() {
        return;
    }
    let dir = Dir::new();
    archives_with_a_pc(&dir);
    solink_lib(&dir, "a", &["foo_get", "bar_get"], &["-lfoo", "-lbar"]);
    assert_eq!(sum_of_answers(&dir, &["a"]), "7\n");
    let out = dir
        .solink()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["--format", "spdx", "--audit", "prog"])
        .output();
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_spdx_schema(&doc);
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z", "SOURCE_DATE_EPOCH, not the clock");
    let packages = doc["packages"].as_array().unwrap();
    let by_name = |n: &str| packages.iter().find(|p| p["name"] == n).unwrap_or_else(|| panic!("{n}: {doc}"));
    assert_eq!(by_name("prog")["primaryPackagePurpose"], "APPLICATION");
    let foo = by_name("foo");
    assert_eq!(foo["versionInfo"], "1.2.3+git");
    assert_eq!(foo["externalRefs"][0]["referenceLocator"], "pkg:generic/foo@1.2.3%2Bgit");
    let digest = |p: &str| Digest::of_file(&dir.path(p)).unwrap().hex();
    assert_eq!(
        foo["checksums"][0],
        serde_json::json!({"algorithm": "SHA256", "checksumValue": digest("l/libfoo.a")})
    );
    let bar = by_name("bar");
    assert!(
        bar.get("externalRefs").is_none() && bar.get("versionInfo").is_none(),
        "no identity invented: {bar}"
    );
    let liba = by_name("liba.so")["SPDXID"].as_str().unwrap().to_string();
    let contains: Vec<&str> = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["relationshipType"] == "CONTAINS" && r["spdxElementId"] == liba.as_str())
        .map(|r| r["relatedSpdxElement"].as_str().unwrap())
        .collect();
    assert_eq!(contains, [foo["SPDXID"].as_str().unwrap(), bar["SPDXID"].as_str().unwrap()]);
    // The same file gives the same document.
    let again = dir
        .solink()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["--format", "spdx", "--audit", "prog"])
        .output();
    assert_eq!(again.stdout, out.stdout);
}

/// Issue 32 §4: two objects whose names differ only in bytes that are not
/// UTF-8 keep two names and two bom-refs: escaped, never replaced.
#[test]
fn cyclonedx_names_keep_their_bytes() {
    use std::os::unix::ffi::OsStrExt;
    if !tools() {
        return;
    }
    let dir = Dir::new();
    dir.write("x.c", "int x_get(void) { return 1; }\n");
    dir.mkdir("plugins");
    for b in [0xffu8, 0xfe] {
        let bytes = [b'l', b'i', b'b', b, b'.', b's', b'o'];
        let out = dir.path("plugins").join(std::ffi::OsStr::from_bytes(&bytes));
        sh(Command::new("gcc").current_dir(dir.root()).args(["-shared", "-fPIC", "-o"]).arg(&out).arg("x.c"));
    }
    dir.write("main.c", "int main(void) { return 0; }\n");
    gcc(dir.root(), &["main.c", "-o", "prog"]);
    let out = dir.solink().args(["--format", "cyclonedx", "--audit", "prog", "plugins"]).output();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_cyclonedx_schema(&doc);
    let names: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .filter(|n| n.starts_with("lib\\x"))
        .collect();
    assert_eq!(names, ["lib\\xfe.so", "lib\\xff.so"]);
    let refs: std::collections::HashSet<&str> =
        doc["components"].as_array().unwrap().iter().filter_map(|c| c["bom-ref"].as_str()).collect();
    assert_eq!(refs.len(), doc["components"].as_array().unwrap().len(), "every bom-ref is unique");
}

//! A cross compiler (aarch64-linux-gnu-gcc): solink's aarch64 rules agree
//! with the cross GNU ld, the driver's own library directories are used,
//! and archives for another machine are skipped.

use std::process::Command;

use object::Object;
use solink::testing::archive;

use crate::elf::Elf;
use crate::util::{fixtures, require_tool, sh, Dir};

const CROSS: &str = "aarch64-linux-gnu-gcc";

/// Builds `fixtures/archives/SRC` with `flags` for `compiler` into
/// `dir/REL` (an archive).
fn build(dir: &Dir, compiler: &str, src: &str, flags: &[&str], rel: &str) -> std::path::PathBuf {
    fixtures::compile(&format!("archives/{src}"))
        .with(compiler)
        .flags(flags)
        .flags(["-O2"])
        .archive(&dir.path(rel))
}

#[test]
fn aarch64_verdicts_agree_with_the_cross_linker() {
    if !require_tool(CROSS) {
        return;
    }
    let dir = Dir::new();
    let t = dir.write("t.c", "int t(void) { return 0; }\n");
    sh(Command::new(CROSS).args(["-fPIC", "-c", "-o"]).arg(dir.path("t.o")).arg(t));
    let cases: &[(&str, &[&str], bool)] = &[
        ("answer.c", &["-fPIC"], true),
        ("answer.c", &["-fno-pic"], true),
        ("answer.c", &["-fPIE"], true),
        ("tls.c", &["-fno-pic"], true),
        ("ext.c", &["-fPIC"], true),
        ("ext.c", &["-fPIE"], true),
        ("ext.c", &["-fno-pic"], false),
        ("ext.c", &["-fno-pic", "-mcmodel=large"], true),
    ];
    for (n, (src, flags, links)) in cases.iter().enumerate() {
        let a = build(&dir, CROSS, src, flags, &format!("c{n}/libcase.a"));
        let ld = Command::new(CROSS)
            .current_dir(dir.root())
            .args(["-shared", "-o", "t.so", "t.o", "-Wl,--whole-archive"])
            .arg(&a)
            .arg("-Wl,--no-whole-archive")
            .output()
            .unwrap();
        assert_eq!(
            ld.status.success(),
            *links,
            "{src} {flags:?}: ld {}",
            String::from_utf8_lossy(&ld.stderr)
        );
        let verdict = archive::inspect(&a).unwrap();
        let aarch64 = solink::testing::archive::ElfId { class64: true, machine: object::elf::EM_AARCH64 };
        assert_eq!(verdict.links_into_shared_object(aarch64), Some(*links), "{src} {flags:?}: {verdict:?}");
    }
}

#[test]
fn a_cross_compiler_skips_archives_for_another_machine() {
    if !require_tool(CROSS) {
        return;
    }
    let dir = Dir::new();
    build(&dir, "gcc", "answer.c", &["-fPIC"], "x86/libanswer.a");
    build(&dir, CROSS, "answer.c", &["-fPIC"], "arm/libanswer.a");
    let use_c = dir.write("use.c", "int answer(void);\nint use_answer(void) { return answer(); }\n");
    sh(Command::new(CROSS).args(["-fPIC", "-c", "-o"]).arg(dir.path("use.o")).arg(use_c));
    let out = dir
        .solink()
        .args(["--explain", "--cc", CROSS, "-shared", "-o", "x.so", "use.o", "-Lx86", "-Larm", "-lanswer"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("skipped incompatible") && stderr.contains("ELF64 x86-64"), "{stderr}");
    assert!(stderr.contains("-lanswer: embed arm/libanswer.a (stage 2, -L)"), "{stderr}");
    let so = Elf::open(&dir.path("x.so"));
    assert!(so.defines("answer"), "the aarch64 archive is inside");
    let data = std::fs::read(dir.path("x.so")).unwrap();
    assert_eq!(object::File::parse(&*data).unwrap().architecture(), object::Architecture::Aarch64);
}

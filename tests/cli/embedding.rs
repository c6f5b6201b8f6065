//! Safe embedding: each kind of archive, built at test time with gcc and
//! ar, judged by solink, and linked where that is safe.

use std::path::{Path, PathBuf};
use std::process::Command;

use solink::testing::archive::{self, ElfId, Finding, ProblemKind, Verdict};

use crate::elf::Elf;
use crate::util::{assert_line, assert_text, fixtures, sh, skip_unless, with_dir, Dir};

/// Compiles `fixtures/FIXTURE` with `flags` and `-O2` into `dir/REL` as an
/// archive (`ar ARFLAGS`).
fn archive(dir: &Dir, fixture: &str, flags: &[&str], rel: &str, arflags: &str) -> PathBuf {
    fixtures::compile(fixture).flags(flags).flags(["-O2"]).archive_with(arflags, &dir.path(rel))
}

fn pic(dir: &Dir, rel: &str) -> PathBuf {
    archive(dir, "archives/answer.c", &["-fPIC"], rel, "rcs")
}

fn not_pic(dir: &Dir, rel: &str) -> PathBuf {
    archive(dir, "archives/answer.c", &["-fno-pic"], rel, "rcs")
}

/// A shared library built from `fixtures/archives/answer.c`, with `extra`.
fn shared(dir: &Dir, rel: &str, extra: &[&str]) -> PathBuf {
    fixtures::compile("archives/answer.c").flags(["-shared", "-fPIC"]).flags(extra).link(&dir.path(rel))
}

const X86_64: ElfId = ElfId { class64: true, machine: object::elf::EM_X86_64 };

fn problem(path: &Path) -> Option<(String, Option<String>)> {
    match archive::inspect(path).unwrap() {
        Verdict::Objects { problem: None, .. } => None,
        Verdict::Objects { problem: Some(p), .. } => match p.kind {
            ProblemKind::Finding(Finding::NotPic { reloc, symbol }) => Some((reloc, symbol)),
            other => panic!("unexpected problem {other:?}"),
        },
        other => panic!("{}: not objects: {other:?}", path.display()),
    }
}

#[test]
fn verdicts_for_each_kind_of_archive() {
    let dir = Dir::new();
    let a = pic(&dir, "libpic.a");
    assert_eq!(problem(&a), None);
    let a = not_pic(&dir, "libnopic.a");
    assert_eq!(problem(&a), Some(("R_X86_64_32".into(), Some("answer_value".into()))));
    let a = archive(&dir, "archives/answer.c", &["-fPIE"], "libpie.a", "rcs");
    assert_eq!(problem(&a), Some(("R_X86_64_PC32".into(), Some("answer_value".into()))));
    let a = archive(&dir, "archives/tls.c", &["-fno-pic"], "libtls.a", "rcs");
    assert_eq!(problem(&a), Some(("R_X86_64_TPOFF32".into(), Some("tls_counter".into()))));

    let thin = archive(&dir, "archives/answer.c", &["-fPIC"], "libthin.a", "rcsT");
    assert!(matches!(
        archive::inspect(&thin).unwrap(),
        Verdict::Objects { thin: true, problem: None, id: Some(X86_64), members: 1 }
    ));

    let empty = dir.write("libempty.a", "!<arch>\n");
    assert_eq!(archive::inspect(&empty).unwrap(), Verdict::Empty);

    let script = dir
        .write("libscript.a", format!("/* GNU ld script */\nGROUP ( {} )\n", dir.path("libpic.a").display()));
    assert_eq!(
        archive::inspect(&script).unwrap(),
        Verdict::Script(vec![archive::script::Input::File(dir.path("libpic.a"))])
    );

    let garbage = dir.write("libgarbage.a", "this is not an archive\n");
    assert_eq!(archive::inspect(&garbage).unwrap(), Verdict::NotArchive);

    let whole = std::fs::read(dir.path("libpic.a")).unwrap();
    let truncated = dir.write("libtruncated.a", &whole[..whole.len() / 2]);
    assert!(matches!(archive::inspect(&truncated).unwrap(), Verdict::Damaged(_)));
}

/// Whether gcc can compile 32-bit code here; in CI it must (Debian's gcc
/// is multilib-enabled).
fn gcc_m32_works(dir: &Dir) -> bool {
    let probe = Command::new("gcc")
        .args(["-m32", "-x", "c", "-c", "-o"])
        .arg(dir.path("p.o"))
        .arg("/dev/null")
        .status();
    skip_unless(probe.is_ok_and(|s| s.success()), "gcc -m32 cannot compile here")
}

#[test]
fn verdict_for_a_32_bit_archive() {
    let dir = Dir::new();
    if !gcc_m32_works(&dir) {
        return;
    }
    let a = archive(&dir, "archives/answer.c", &["-m32", "-fPIC"], "lib32.a", "rcs");
    let Verdict::Objects { id: Some(id), .. } = archive::inspect(&a).unwrap() else { panic!() };
    assert_eq!(id, ElfId { class64: false, machine: object::elf::EM_386 });
}

/// `solink --dry-run --explain --cc gcc ARGS`: (stdout, stderr).
fn dry_run(dir: &Dir, args: &[&str]) -> (String, String) {
    let out = dir.solink().args(["--dry-run", "--explain", "--cc", "gcc"]).args(args).run();
    assert!(out.success(), "solink failed: {}", out.stderr);
    (out.stdout, out.stderr)
}

/// The final command of a dry run, as words.
fn words(stdout: &str) -> Vec<String> {
    shell_words::split(stdout.trim()).unwrap()
}

/// An object that calls `answer()`, so ld takes a member from the answer
/// archive (one nothing uses contributes nothing and stays as given).
fn a_o(dir: &Dir) -> String {
    fixtures::compile("archives/useanswer.c").flags(["-fPIC"]).object(&dir.path("a.o")).display().to_string()
}

#[test]
fn not_pic_with_a_shared_twin_stays_dynamic_and_says_why() {
    let dir = Dir::new();
    not_pic(&dir, "L/libanswer.a");
    shared(&dir, "L/libanswer.so", &[]);
    let l = format!("-L{}", dir.path("L").display());
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), &l, "-lanswer"]);
    assert!(words(&stdout).contains(&"-lanswer".to_string()), "{stdout}");
    let warning =
        stderr.lines().find(|l| l.contains("not position-independent") && !l.contains("-lanswer:")).unwrap();
    let expected = format!(
        "solink: {} is not position-independent (answer.o: R_X86_64_32 against answer_value); \
         linking -lanswer dynamically. Rebuild it with -fPIC",
        dir.path("L/libanswer.a").display()
    );
    assert!(warning.starts_with(&expected), "{warning}");
    assert!(warning.contains("POSITION_INDEPENDENT_CODE ON") && warning.contains("--with-pic"), "{warning}");
}

/// Issue 36 §7: a non-PIC archive with no shared twin whose offending
/// member ld pulls gets one behaviour, however it is named: found for
/// `-lanswer`, it is refused before ld with the words an archive named by
/// path gets (`tests/by_path.rs`), where it was embedded "as ld would"
/// and ld then failed on its raw relocation error.
#[test]
fn not_pic_without_a_shared_twin_is_refused_as_by_path() {
    let dir = Dir::new();
    let a = not_pic(&dir, "L/libanswer.a");
    dir.write("out.so", "old");
    let l = format!("-L{}", dir.path("L").display());
    let o = a_o(&dir);
    let msg = dir.solink().args(["--cc", "gcc", "-shared", "-o", "out.so", &o, &l, "-lanswer"]).refused();
    let Verdict::Objects { problem: Some(p), .. } = archive::inspect(&a).unwrap() else { panic!("not PIC") };
    assert_eq!(
        msg,
        format!(
            "solink: {} is not position-independent ({p}), ld pulls that member, and no shared \
             twin is beside it, so ld would refuse the link. Rebuild it with -fPIC (CMake: \
             POSITION_INDEPENDENT_CODE ON; autotools: --with-pic), or put a shared libanswer.so beside it\n",
            a.display()
        )
    );
    assert_eq!(std::fs::read_to_string(dir.path("out.so")).unwrap(), "old", "the linker never ran");
    // By path, the same words.
    let by_path =
        dir.solink().args(["--cc", "gcc", "-shared", "-o", "out.so", &o, a.to_str().unwrap()]).refused();
    assert_eq!(by_path, msg);
}

#[test]
fn strict_turns_the_warning_into_a_refusal() {
    let dir = Dir::new();
    not_pic(&dir, "L/libanswer.a");
    let l = format!("-L{}", dir.path("L").display());
    let msg = dir
        .solink()
        .env("SOLINK_STRICT", "1")
        .args(["--cc", "gcc", "-shared", "-o", "x.so", &a_o(&dir), &l, "-lanswer"])
        .refused();
    assert!(msg.contains("not position-independent") && msg.contains("--strict"), "{msg}");
    assert!(!dir.path("x.so").exists(), "the linker never ran");
}

/// `--strict` reported only the first warning; a build log must show all.
#[test]
fn strict_reports_every_warning_then_refuses() {
    let dir = Dir::new();
    not_pic(&dir, "L/libanswer.a");
    // A second unfit archive that the link uses too (a copy of the first
    // would contribute nothing after it, and stay as given without a word).
    archive(&dir, "archives/tls.c", &["-fno-pic"], "L/libsecond.a", "rcs");
    let uses_tls = dir.write("usetls.c", "int tls_next(void);\nint use_tls(void) { return tls_next(); }\n");
    let uses_tls = fixtures::Compile::source(uses_tls).flags(["-fPIC"]).object(&dir.path("usetls.o"));
    let l = format!("-L{}", dir.path("L").display());
    let out = dir
        .solink()
        .env("SOLINK_STRICT", "1")
        .args(["--cc", "gcc", "-shared", "-o", "x.so", &a_o(&dir), uses_tls.to_str().unwrap(), &l])
        .args(["-lanswer", "-lsecond"])
        .output();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    for (line, lib) in lines.iter().zip(["libanswer.a", "libsecond.a"]) {
        assert!(line.starts_with("solink: ") && line.contains(lib), "{line}");
        assert!(line.ends_with("(an error with --strict)"), "{line}");
    }
    assert!(!dir.path("x.so").exists(), "the linker never ran");
}

#[test]
fn debian_pic_variant_is_preferred() {
    let dir = Dir::new();
    not_pic(&dir, "L/libanswer.a");
    let pic_variant = pic(&dir, "L/libanswer_pic.a");
    let l = format!("-L{}", dir.path("L").display());
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), &l, "-lanswer"]);
    assert!(words(&stdout).contains(&pic_variant.display().to_string()), "{stdout}");
    // A link that embeds ends with the bytes this machine's compiler made:
    // the explanation is compared line by line.
    assert_line(
        &with_dir(&stderr, dir.root()),
        "solink: -lanswer: embed $DIR/L/libanswer_pic.a (stage 2, -L): the first libanswer.a in the search order; \
         position-independent; prefers $DIR/L/libanswer_pic.a over $DIR/L/libanswer.a",
    );
}

#[test]
fn user_overrides() {
    let dir = Dir::new();
    pic(&dir, "L/libanswer.a");
    let m = pic(&dir, "L/libm.a");
    let l = format!("-L{}", dir.path("L").display());
    let (stdout, stderr) = dry_run(
        &dir,
        &["--no-embed", "answer", "--embed", "m", "-shared", "-o", "x.so", &l, "-lanswer", "-lm"],
    );
    let w = words(&stdout);
    assert!(w.contains(&"-lanswer".to_string()) && w.contains(&m.display().to_string()), "{stdout}");
    assert_text(
        with_dir(&stderr, dir.root()),
        "\
solink: -lanswer: dynamic: --no-embed asked for it
solink: -lm: embed $DIR/L/libm.a (stage 2, -L): --embed asked for it
solink: command: gcc -shared -o x.so -L$DIR/L -lanswer $DIR/L/libm.a
solink: 1 embedded, 1 dynamic, 0 warnings
",
    );
}

#[test]
fn incompatible_archives_are_skipped_and_the_search_goes_on() {
    let dir = Dir::new();
    if !gcc_m32_works(&dir) {
        return;
    }
    archive(&dir, "archives/answer.c", &["-m32", "-fPIC"], "L32/libanswer.a", "rcs");
    let good = pic(&dir, "L64/libanswer.a");
    let (l32, l64) = (format!("-L{}", dir.path("L32").display()), format!("-L{}", dir.path("L64").display()));
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), &l32, &l64, "-lanswer"]);
    assert!(words(&stdout).contains(&good.display().to_string()), "{stdout}");
    assert!(stderr.contains("skipped incompatible") && stderr.contains("ELF32 i386"), "{stderr}");
}

#[test]
fn empty_archives_and_scripts() {
    let dir = Dir::new();
    dir.write("L/libempty.a", "!<arch>\n");
    let inner = pic(&dir, "L/libinner.a");
    let script = dir.write("L/libscripted.a", format!("GROUP ( {} )\n", inner.display()));
    let l = format!("-L{}", dir.path("L").display());
    // An object that uses the script's archive, or ld would take nothing from it.
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), &l, "-lempty", "-lscripted"]);
    let w = words(&stdout);
    assert!(w.contains(&"-lempty".to_string()) && w.contains(&script.display().to_string()), "{stdout}");
    let stderr = with_dir(&stderr, dir.root());
    assert_line(
        &stderr,
        "solink: -lempty: dynamic (stage 2, -L at $DIR/L/libempty.a): an empty archive: nothing to embed",
    );
    assert_line(
        &stderr,
        "solink: -lscripted: embed $DIR/L/libscripted.a (stage 2, -L): \
         a linker script over position-independent archives: $DIR/L/libinner.a",
    );
}

#[test]
fn dependencies_from_pkg_config() {
    let dir = Dir::new();
    let answer = pic(&dir, "L/libanswer.a");
    let helper = archive(&dir, "extra/shonly.c", &["-fPIC"], "L/libhelper.a", "rcs");
    dir.write(
        "L/pkgconfig/answer.pc",
        "libdir=${pcfiledir}/..\nName: answer\nDescription: d\nVersion: 1\nLibs: -L${libdir} -lanswer\nLibs.private: -lhelper -lm\n",
    );
    let l = format!("-L{}", dir.path("L").display());
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), &l, "-lanswer"]);
    let w = words(&stdout);
    let tail: Vec<&str> = w[w.len() - 7..].iter().map(String::as_str).collect();
    let (a, h) = (answer.display().to_string(), helper.display().to_string());
    assert_eq!(tail, ["-Xlinker", "--start-group", &a, &h, "-Xlinker", "--end-group", "-lm"], "{stdout}");
    assert_line(
        &with_dir(&stderr, dir.root()),
        "solink: -lhelper (dependency of -lanswer, from $DIR/L/pkgconfig/answer.pc): embed $DIR/L/libhelper.a \
         (stage 2, -L): the first libhelper.a in the search order; position-independent",
    );
}

#[test]
fn dependencies_from_the_shared_twins_needed_list() {
    let dir = Dir::new();
    // libneed: only the runtime file libneed.so.1 exists, no libneed.so.
    fixtures::compile("extra/custom.c")
        .flags(["-shared", "-fPIC", "-Wl,-soname,libneed.so.1"])
        .link(&dir.path("R/libneed.so.1"));
    std::fs::copy(dir.path("R/libneed.so.1"), dir.path("R/libneed.so")).unwrap();
    let answer = pic(&dir, "L/libanswer.a");
    let r = format!("-L{}", dir.path("R").display());
    shared(&dir, "L/libanswer.so", &[&r, "-Wl,--no-as-needed", "-lneed"]);
    std::fs::remove_file(dir.path("R/libneed.so")).unwrap();
    let l = format!("-L{}", dir.path("L").display());
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), &l, &r, "-lanswer"]);
    let w = words(&stdout);
    assert!(w.contains(&answer.display().to_string()), "{stdout}");
    assert!(w.contains(&"-l:libneed.so.1".to_string()), "{stdout}");
    // libc.so.6 is the driver's own: not added, so DT_NEEDED keeps the plain link's order.
    assert!(!w.contains(&"-lc".to_string()), "the driver links libc by itself: {stdout}");
    // explain still names it.
    assert_line(
        &with_dir(&stderr, dir.root()),
        "solink: -lc (dependency of -lanswer, from $DIR/L/libanswer.so): dynamic: \
         the driver links it by itself, last; not added",
    );
    assert!(!w.iter().any(|t| t.contains("ld-linux")), "{stdout}");
    assert!(stderr.contains("dependency of -lanswer"), "{stderr}");

    let (stdout, _) = dry_run(&dir, &["--no-deps", "-shared", "-o", "x.so", &l, &r, "-lanswer"]);
    assert!(!words(&stdout).contains(&"-l:libneed.so.1".to_string()), "--no-deps: {stdout}");
}

/// The seed's deployment: llama.cpp-shaped archives embedded, a CUDA-like
/// runtime kept dynamic with an rpath, loaded by dlopen with no
/// LD_LIBRARY_PATH.
#[test]
fn llama_shaped_stack_embeds_archives_and_keeps_the_runtime_dynamic() {
    let dir = Dir::new();
    fixtures::llama_stack(dir.root());
    let adapter_o = dir.path("obj/adapter.o");
    let out = dir
        .solink()
        .args(["--explain", "--rpath-dynamic", "--cc", "gcc", "-shared", "-o", "adapter.so"])
        .arg(&adapter_o)
        .arg(format!("-L{}", dir.path("static").display()))
        .arg(format!("-L{}", dir.path("cuda/lib").display()))
        .args(["-lllama", "-lggml-cpu", "-lggml-base", "-lfakecudart"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("-Xlinker --start-group"), "{stderr}");

    let so = Elf::open(&dir.path("adapter.so"));
    for f in ["llama_eval", "ggml_base_dispatch", "ggml_cpu_backend_compute", "ggml_base_scale"] {
        assert!(so.defines(f), "{f} is embedded");
    }
    assert!(so.imports("fakecuda_device_count"), "the runtime stays dynamic");
    assert!(so.needed().contains(&"libfakecudart.so".to_string()), "{:?}", so.needed());
    let cuda = dir.path("cuda/lib").canonicalize().unwrap().display().to_string();
    assert!(so.runpath().contains(&cuda), "runpath {:?}", so.runpath());

    let stdout =
        sh(Command::new(dir.path("loader")).arg(dir.path("adapter.so")).env_remove("LD_LIBRARY_PATH"));
    assert_eq!(stdout, "adapter_eval(5) = 162\n");
}

#[test]
fn whole_archive_and_hide_shape_the_shared_object() {
    let dir = Dir::new();
    pic(&dir, "L/libanswer.a");
    let helper = archive(&dir, "extra/shonly.c", &["-fPIC"], "L/libhelper.a", "rcs");
    let l = format!("-L{}", dir.path("L").display());
    let uses = dir.write("uses.c", "int answer(void);\nint use_answer(void) { return answer(); }\n");
    sh(Command::new("gcc").args(["-fPIC", "-c", "-o"]).arg(dir.path("uses.o")).arg(&uses));
    let link = |extra: &[&str], out: &str| {
        dir.solink()
            .args(["--cc", "gcc"])
            .args(extra)
            .args(["-shared", "-o", out, "uses.o", &l, "-lanswer", "-lhelper"])
            .ok();
        Elf::open(&dir.path(out))
    };
    let plain = link(&[], "plain.so");
    assert!(plain.defines("answer"), "embedded and exported");
    assert!(!plain.defines("shonly_value"), "an unused member is not pulled in");

    let whole = link(&["--whole-archive=helper"], "whole.so");
    assert!(whole.defines("shonly_value"), "--whole-archive keeps every member of {}", helper.display());

    let hidden = link(&["--hide"], "hidden.so");
    assert!(!hidden.defines("answer"), "--hide keeps embedded symbols out of .dynsym");
    assert!(hidden.defines("use_answer"), "the library's own symbols stay");
}

/// Regression: a member at an offset that is not 8-byte aligned (one member
/// and no symbol table puts it at byte 68) was reported as damaged, because
/// ELF headers are read in place. The member is read; the one problem is
/// the missing index, which ld refuses (issue 20 §5).
#[test]
fn misaligned_members_are_read() {
    let dir = Dir::new();
    let a = archive(&dir, "archives/answer.c", &["-fPIC"], "libodd.a", "rcS");
    assert_eq!(problem_kind(&a), Some(ProblemKind::NoIndex));
}

fn problem_kind(path: &Path) -> Option<ProblemKind> {
    match archive::inspect(path).unwrap() {
        Verdict::Objects { problem, .. } => problem.map(|p| p.kind),
        other => panic!("{}: not objects: {other:?}", path.display()),
    }
}

/// Issue 20 §5: `ar qcS` leaves an archive without a symbol index, which
/// ld refuses ("archive has no index; run ranlib to add one"); `ar rcs` of
/// a member with no global symbol still writes an (empty) index, which ld
/// takes.
#[test]
fn an_archive_without_an_index_is_refused_as_ld_refuses_it() {
    let dir = Dir::new();
    let a = archive(&dir, "archives/answer.c", &["-fPIC"], "libq.a", "qcS");
    assert_eq!(problem_kind(&a), Some(ProblemKind::NoIndex));
    let src = dir.write("local.c", "static int hidden(void) { return 1; }\n");
    let local = fixtures::Compile::source(src).flags(["-fPIC"]).archive(&dir.path("liblocal.a"));
    assert_eq!(problem_kind(&local), None, "an empty index is an index");
}

/// Regression (issue 20 §5): an archive without a symbol index (`ar qcS`)
/// beside its `.so` was embedded, and ld refused it ("archive has no index;
/// run ranlib to add one"), where the plain link takes the `.so`. Now it
/// stays dynamic, with a warning, and the link works.
#[test]
fn an_archive_without_an_index_beside_its_twin_stays_dynamic() {
    let dir = Dir::new();
    archive(&dir, "archives/answer.c", &["-fPIC"], "L/libanswer.a", "qcS");
    shared(&dir, "L/libanswer.so", &[]);
    let a = a_o(&dir);
    // The plain link works: ld takes the .so.
    crate::util::gcc(dir.root(), &["-shared", "-o", "plain.so", &a, "-LL", "-lanswer"]);
    let out = dir
        .solink()
        .args(["--explain", "--cc", "gcc", "-shared", "-o", "x.so", &a, "-LL", "-lanswer"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_text(
        with_dir(&stderr, dir.root()),
        "\
solink: -lanswer: dynamic (stage 2, -L at L/libanswer.a): see the warning that follows
solink: L/libanswer.a cannot be embedded: it has no symbol index, and ld refuses it without one; linking -lanswer dynamically. Run ranlib on it.
solink: command: gcc -shared -o x.so $DIR/a.o -LL -lanswer
solink: 0 embedded, 1 dynamic, 1 warning
",
    );
    let so = crate::elf::Elf::open(&dir.path("x.so"));
    assert!(so.needed().contains(&"libanswer.so".to_string()), "{:?}", so.needed());
    assert!(so.imports("answer"), "answer stays in libanswer.so");
}

/// Without a twin it is not embedded either: solink says before the link
/// that ld will refuse it, and leaves the reference as given.
#[test]
fn an_archive_without_an_index_and_no_twin_is_said_before_the_link() {
    let dir = Dir::new();
    archive(&dir, "archives/answer.c", &["-fPIC"], "L/libanswer.a", "qcS");
    let (stdout, stderr) = dry_run(&dir, &["-shared", "-o", "x.so", &a_o(&dir), "-LL", "-lanswer"]);
    assert!(words(&stdout).contains(&"-lanswer".to_string()), "{stdout}");
    assert_text(
        with_dir(&stderr, dir.root()),
        "\
solink: -lanswer: dynamic (stage 2, -L at L/libanswer.a): see the warning that follows
solink: L/libanswer.a cannot be embedded: it has no symbol index, and ld refuses it without one; leaving -lanswer as given, and ld will fail on it too. Run ranlib on it.
solink: command: gcc -shared -o x.so $DIR/a.o -LL -lanswer
solink: 0 embedded, 1 dynamic, 1 warning
",
    );
}

//! ld's own options in real links (issue 20, "One table of ld's
//! options"): an option's value is never read as an input of the link,
//! so the closure check runs, whatever the spelling, and on a relink
//! where the value names the output of the last build.

use std::path::PathBuf;
use std::process::Command;

use crate::elf::Elf;
use crate::real::{assert_embedded, Calc, PROD_OUTPUT};
use crate::util::{assert_line, gcc, require_tool, sh};

/// `solink --explain --cc gcc -shared -o libcalc.so.1 obj/calc.o ARGS
/// -Lws/prod/calc/lib -lcalcbase -lm` in the calc workspace: the explain
/// output (stderr).
fn link_soname(calc: &Calc, args: &[&str]) -> String {
    let out = calc
        .dir
        .solink()
        .args(["--explain", "--cc", "gcc", "-shared", "-o", "libcalc.so.1", "obj/calc.o"])
        .args(args)
        .args(["-Lws/prod/calc/lib", "-lcalcbase", "-lm"])
        .run();
    assert!(out.success(), "solink failed: {}", out.stderr);
    out.stderr
}

/// The library was embedded and checked, and the program runs.
fn assert_verified_and_runs(calc: &Calc, explain: &str) {
    // The rest of the explanation holds byte sizes of this machine's code.
    assert_line(
        explain,
        "solink: -lcalcbase: embed ws/prod/calc/lib/libcalcbase.a (stage 2, -L): \
         the first libcalcbase.a in the search order; position-independent",
    );
    assert!(!explain.contains("not verified"), "the closure check ran: {explain}");
    let so = Elf::open(&calc.dir.path("libcalc.so.1"));
    assert_embedded(&so);
    assert_eq!(so.soname().as_deref(), Some("libcalc.so.1"));
    gcc(calc.dir.root(), &["-o", "app", "obj/main.o", "libcalc.so.1", "-Wl,-rpath,$ORIGIN"]);
    assert_eq!(sh(&mut Command::new(calc.dir.path("app"))), PROD_OUTPUT);
}

/// Regression (issue 20): `-Wl,--soname,libcalc.so.1` made the check read
/// `libcalc.so.1` as an input: "not verified: an input of the link cannot
/// be found or read".
#[test]
fn a_soname_is_not_an_input() {
    if !require_tool("gcc") {
        return;
    }
    let calc = Calc::new();
    for spelling in [
        &["-Wl,--soname,libcalc.so.1"][..],
        &["-Wl,--soname=libcalc.so.1"],
        &["-Wl,-soname,libcalc.so.1"],
        &["-Wl,-h,libcalc.so.1"],
        &["-Wl,-hlibcalc.so.1"],
        &["-Xlinker", "--soname", "-Xlinker", "libcalc.so.1"],
    ] {
        let _ = std::fs::remove_file(calc.dir.path("libcalc.so.1"));
        let explain = link_soname(&calc, spelling);
        assert_verified_and_runs(&calc, &explain);
    }
}

/// Regression (issue 20): `-Wl,--soname -Wl,libcalc.so.1` on a relink,
/// when the output is there from the last build, read the old output as
/// an input, judged the archive unused, and the link failed.
#[test]
fn a_relink_does_not_read_the_old_output() {
    if !require_tool("gcc") {
        return;
    }
    let calc = Calc::new();
    let spelling = ["-Wl,--soname", "-Wl,libcalc.so.1"];
    let first = link_soname(&calc, &spelling);
    assert_verified_and_runs(&calc, &first);
    let again = link_soname(&calc, &spelling);
    assert_verified_and_runs(&calc, &again);
}

/// The files the closure check reads by path are the files ld reads
/// (`ld -t`), in order, for a link that spells ld's options every way,
/// with values that name files which exist and look like inputs.
#[test]
fn the_plan_reads_what_ld_reads() {
    if !require_tool("gcc") || !require_tool("ld") {
        return;
    }
    let calc = Calc::new();
    let dir = &calc.dir;
    dir.write("exports.map", "{ global: calc_*; local: *; };\n");
    dir.write("dyn.list", "{ calc_sum; };\n");
    dir.write("keep.syms", "calc_sum\n");
    std::fs::copy(dir.path("obj/calc.o"), dir.path("value.o")).unwrap();
    std::fs::copy(dir.path("ws/prod/calc/lib/libcalcbase.a"), dir.path("libvalue.a")).unwrap();
    let args: Vec<String> = [
        "-shared",
        "-o",
        "out.so",
        "-Wl,--soname,value.o",
        "-Wl,-soname=libvalue.a",
        "-Wl,-rpath,value.o",
        "-Xlinker",
        "--rpath-link",
        "-Xlinker",
        "value.o",
        "-Wl,--version-script",
        "-Wl,exports.map",
        "-Wl,--dynamic-list=dyn.list",
        "-Wl,--retain-symbols-file,keep.syms",
        "-Wl,-Map,map.o",
        "-Wl,--dependency-file=dep.o",
        "-Wl,--hash-style,gnu",
        "-Wl,-z,now",
        "-Wl,-y,value.o",
        "-Wl,--trace-symbol=value.o",
        "-Wl,-u,value.o",
        "-Wl,--undefined,libvalue.a",
        "-Wl,--exclude-libs,libvalue.a",
        "-Wl,--defsym,value.o=0",
        "-Wl,--wrap,value.o",
        "-Wl,-e,value.o",
        "-Wl,--require-defined,calc_sum",
        "obj/calc.o",
        "libvalue.a",
        "-lm",
    ]
    .map(String::from)
    .to_vec();
    let mut traced = gcc_in(dir.root());
    traced.args(&args).arg("-Wl,-t");
    let out = traced.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // ld -t names the files of the command line as given (relative here),
    // the driver's own files and libraries by absolute path.
    let ld_reads: Vec<PathBuf> =
        stdout.lines().filter(|l| !l.starts_with('/') && !l.is_empty()).map(PathBuf::from).collect();
    assert_eq!(ld_reads, [PathBuf::from("obj/calc.o"), PathBuf::from("libvalue.a")], "{stdout}");
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    let planned =
        solink::testing::resolve::planned_files(&os, solink::testing::args::Syntax::Gcc, "gcc".as_ref())
            .unwrap();
    assert_eq!(planned, ld_reads);

    // ld as the driver: `--opt val` and `--opt=val`.
    let ld_args: Vec<String> = [
        "-shared",
        "-o",
        "out2.so",
        "--soname",
        "value.o",
        "-soname=libvalue.a",
        "--rpath",
        "value.o",
        "-rpath-link=value.o",
        "--version-script=exports.map",
        "-Map",
        "map.o",
        "-y",
        "value.o",
        "--exclude-libs",
        "libvalue.a",
        "--wrap",
        "value.o",
        "obj/calc.o",
        "libvalue.a",
    ]
    .map(String::from)
    .to_vec();
    let out = Command::new("ld").current_dir(dir.root()).args(&ld_args).arg("-t").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let ld_reads: Vec<PathBuf> = stdout.lines().filter(|l| !l.is_empty()).map(PathBuf::from).collect();
    assert_eq!(ld_reads, [PathBuf::from("obj/calc.o"), PathBuf::from("libvalue.a")], "{stdout}");
    let os: Vec<std::ffi::OsString> = ld_args.iter().map(Into::into).collect();
    let planned =
        solink::testing::resolve::planned_files(&os, solink::testing::args::Syntax::Ld, "ld".as_ref())
            .unwrap();
    assert_eq!(planned, ld_reads);
}

fn gcc_in(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new("gcc");
    cmd.current_dir(dir);
    cmd
}

/// Issue 20 §4: `-L=DIR` and `-L$SYSROOT/DIR` are under the sysroot, for
/// gcc and ld alike. What ld takes (the plain link) is what solink embeds.
#[test]
fn an_l_dir_under_the_sysroot_is_searched_where_ld_searches() {
    let dir = crate::util::Dir::new();
    crate::util::tiny_archive(&dir.path("sysroot/lib/libtiny.a"));
    crate::util::tiny_user(&dir.path("use.o"));
    let sysroot = format!("--sysroot={}", dir.path("sysroot").display());
    for l in ["-L=/lib", "-L$SYSROOT/lib"] {
        // -nostdlib: the sysroot holds no C library, and the tiny archive needs none.
        let args = ["-shared", "-nostdlib", &sysroot, "-o", "plain.so", "use.o", l, "-ltiny"];
        gcc(dir.root(), &args);
        assert!(
            Elf::open(&dir.path("plain.so")).defines("tiny_answer"),
            "{l}: ld takes the sysroot's archive"
        );
        let out = dir
            .solink()
            .args(["--explain", "--cc", "gcc", "-shared", "-nostdlib", &sysroot, "-o", "sol.so", "use.o", l])
            .arg("-ltiny")
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{l}: {stderr}");
        let want = format!(
            "solink: -ltiny: embed {} (stage 2, -L): the first libtiny.a in the search order; position-independent",
            dir.path("sysroot/lib/libtiny.a").display()
        );
        assert_line(&stderr, &want);
        assert!(Elf::open(&dir.path("sol.so")).defines("tiny_answer"), "{l}");
    }
}

//! The seed's workspace, built with the machine's gcc, linked through
//! solink, read with `object`, and run.

use std::path::PathBuf;
use std::process::Command;

use crate::elf::Elf;
use crate::util::{fixtures, gcc, sh, Dir};

pub(crate) const PROD_OUTPUT: &str = "calc_sum(2, 3) = 5\ncalc_hypot(3, 4) = 5\n";
/// The test/lib copy of libcalcbase.a adds 1000, so the output shows which
/// archive a link embedded.
const TEST_OUTPUT: &str = "calc_sum(2, 3) = 1005\ncalc_hypot(3, 4) = 5\n";

/// The seed's calc workspace, compiled: `ws/prod/calc/lib/libcalcbase.a`,
/// `ws/test/lib/libcalcbase.a` (the variant), `obj/calc.o` and `obj/main.o`.
pub(crate) struct Calc {
    pub(crate) dir: Dir,
}

impl Calc {
    pub(crate) fn new() -> Calc {
        let dir = Dir::new();
        let src = fixtures::path("workspace/prod/calc");
        let base = src.join("libsrc/calcbase");
        let calc = src.join("libsrc/calc");
        let s = |p: PathBuf| p.display().to_string();
        let inc_base = format!("-I{}", base.display());
        let inc_calc = format!("-I{}", calc.display());
        dir.mkdir("obj");
        let calcbase =
            || fixtures::compile("workspace/prod/calc/libsrc/calcbase/calcbase.c").flags(["-fPIC"]);
        calcbase().archive(&dir.path("ws/prod/calc/lib/libcalcbase.a"));
        calcbase().flags(["-DCALCBASE_OFFSET=1000"]).archive(&dir.path("ws/test/lib/libcalcbase.a"));
        gcc(dir.root(), &["-fPIC", "-c", &inc_base, "-o", "obj/calc.o", &s(calc.join("calc.c"))]);
        gcc(dir.root(), &["-c", &inc_calc, "-o", "obj/main.o", &s(src.join("app/main.c"))]);
        Calc { dir }
    }

    pub(crate) fn path(&self, rel: &str) -> String {
        self.dir.path(rel).display().to_string()
    }

    /// Links `out/libcalc.so` through solink (with gcc as the driver).
    fn link(&self, solink_args: &[&str], gcc_args: &[&str]) -> Elf {
        let mut words = vec!["--cc", "gcc"];
        words.extend(solink_args);
        self.link_with(&words, gcc_args)
    }

    /// Links `out/libcalc.so` as `solink FIRST... -shared -o out/libcalc.so
    /// obj/calc.o REST...`: FIRST holds solink's options and, in the
    /// launcher form, the driver.
    pub(crate) fn link_with(&self, first: &[&str], rest: &[&str]) -> Elf {
        self.dir.mkdir("out");
        self.dir.solink().args(first).args(["-shared", "-o", "out/libcalc.so", "obj/calc.o"]).args(rest).ok();
        Elf::open(&self.dir.path("out/libcalc.so"))
    }

    /// `DIR/libcalc.so` over the prod archive, alone in `DIR`.
    fn shared_only_in(&self, dir: &str) {
        let lib = format!("-L{}", self.path("ws/prod/calc/lib"));
        self.dir.mkdir(dir);
        let so = format!("{dir}/libcalc.so");
        gcc(self.dir.root(), &["-shared", "-o", &so, "obj/calc.o", &lib, "-lcalcbase", "-lm"]);
    }

    /// Links the program against libcalc.so alone and runs it.
    pub(crate) fn run_app(&self) -> String {
        let out = self.path("out");
        gcc(
            self.dir.root(),
            &["-o", "out/app", "obj/main.o", &format!("-L{out}"), "-lcalc", &format!("-Wl,-rpath,{out}")],
        );
        sh(&mut Command::new(self.dir.path("out/app")))
    }
}

/// The archive was embedded and libm stayed dynamic.
pub(crate) fn assert_embedded(so: &Elf) {
    assert!(so.defines("calcbase_add"), "calcbase_add is defined inside the .so");
    assert!(so.defines("calcbase_square"));
    assert!(so.needed().contains(&"libm.so.6".to_string()), "needed: {:?}", so.needed());
    assert!(so.imports("sqrt"), "sqrt comes from libm");
}

#[test]
fn seed_example_1_libsdir() {
    let calc = Calc::new();
    let so = calc.link(&["--libsdir", &calc.path("ws/prod/calc/lib")], &["-lcalcbase", "-lm"]);
    assert_embedded(&so);
    assert_eq!(calc.run_app(), PROD_OUTPUT);
}

#[test]
fn seed_example_2_l_option() {
    let calc = Calc::new();
    let so = calc.link(&[], &[&format!("-L{}", calc.path("ws/test/lib")), "-lcalcbase", "-lm"]);
    assert_embedded(&so);
    assert_eq!(calc.run_app(), TEST_OUTPUT);
}

#[test]
fn seed_example_3_direct_archive() {
    let calc = Calc::new();
    let so = calc.link(&[], &["ws/prod/calc/lib/libcalcbase.a", "-lm"]);
    assert_embedded(&so);
    assert_eq!(calc.run_app(), PROD_OUTPUT);
}

#[test]
fn seed_example_4_mixed() {
    let calc = Calc::new();
    fixtures::compile("extra/usecustom.c").flags(["-fPIC"]).object(&calc.dir.path("obj/usecustom.o"));
    fixtures::compile("extra/custom.c").flags(["-fPIC"]).archive(&calc.dir.path("custom/path/libcustom.a"));
    std::fs::copy(calc.dir.path("ws/prod/calc/lib/libcalcbase.a"), calc.dir.path("libbase.a")).unwrap();
    let so = calc.link(
        &[],
        &[
            "obj/usecustom.o",
            "libbase.a",
            &format!("-L{}", calc.path("custom/path")),
            "-lcustom",
            "-lpthread",
            "-Wl,-rpath,/opt/lib",
            "-lm",
        ],
    );
    assert_embedded(&so);
    assert!(so.defines("custom_answer"), "-lcustom was embedded");
    assert!(so.runpath().iter().any(|p| p.contains("/opt/lib")), "runpath: {:?}", so.runpath());
    assert_eq!(calc.run_app(), PROD_OUTPUT);
}

#[test]
fn libsdir_comes_before_l_dirs() {
    let calc = Calc::new();
    let so = calc.link(
        &["--libsdir", &calc.path("ws/prod/calc/lib")],
        &[&format!("-L{}", calc.path("ws/test/lib")), "-lcalcbase", "-lm"],
    );
    assert_embedded(&so);
    assert_eq!(calc.run_app(), PROD_OUTPUT);
}

#[test]
fn l_dirs_come_before_workspace_test_lib() {
    let calc = Calc::new();
    let so = calc.link(
        &["--workspace", &calc.path("ws")],
        &[&format!("-L{}", calc.path("ws/prod/calc/lib")), "-lcalcbase", "-lm"],
    );
    assert_embedded(&so);
    assert_eq!(calc.run_app(), PROD_OUTPUT);
}

#[test]
fn workspace_test_lib_is_searched() {
    let calc = Calc::new();
    let so = calc.link(&["--workspace", &calc.path("ws")], &["-lcalcbase", "-lm"]);
    assert_embedded(&so);
    assert_eq!(calc.run_app(), TEST_OUTPUT);
}

#[test]
fn shared_only_library_stays_dynamic() {
    let calc = Calc::new();
    fixtures::compile("extra/shonly.c")
        .flags(["-shared", "-fPIC"])
        .link(&calc.dir.path("shlib/libshonly.so"));
    fixtures::compile("extra/useshonly.c").flags(["-fPIC"]).object(&calc.dir.path("obj/useshonly.o"));
    let so = calc.link(
        &["--libsdir", &calc.path("ws/prod/calc/lib")],
        &["obj/useshonly.o", "-lcalcbase", &format!("-L{}", calc.path("shlib")), "-lshonly", "-lm"],
    );
    assert_embedded(&so);
    assert!(so.needed().contains(&"libshonly.so".to_string()), "needed: {:?}", so.needed());
    assert!(so.imports("shonly_value"), "shonly_value stays in libshonly.so");
}

/// Issue 31 §8: LIBSDIR is "the" library directory of the seed's
/// framework. When it holds only `libcalc.so`, an application's `-lcalc`
/// stays dynamic and ld is given the directory (after the command's own
/// `-L`s), so the link finds it; no run path unless asked.
#[test]
fn a_libsdir_that_holds_only_the_shared_library_reaches_ld() {
    let calc = Calc::new();
    calc.shared_only_in("only");
    let only = calc.path("only");
    // Plain gcc cannot find it: LIBSDIR is solink's, not ld's.
    let plain = calc.dir.command("gcc").args(["-o", "app", "obj/main.o", "-lcalc"]).run();
    assert!(!plain.success() && plain.stderr.contains("cannot find -lcalc"), "{}", plain.stderr);
    let run = calc
        .dir
        .solink()
        .args(["--libsdir", &only, "--explain", "gcc", "-o", "app", "obj/main.o", "-lcalc"])
        .run();
    assert!(run.success(), "{}", run.stderr);
    let said = crate::util::with_dir(&run.stderr, calc.dir.root());
    crate::util::assert_line(
        &said,
        "solink: -lcalc: dynamic: ld's own search finds no library, and $DIR/only/libcalc.so is only where solink \
         searches; solink gives ld -L $DIR/only after the command's own -L dirs (no run path: the loader needs \
         LD_LIBRARY_PATH, or --rpath-dynamic)",
    );
    crate::util::assert_line(&said, "solink: command: gcc -o app obj/main.o -lcalc -L $DIR/only");
    let app = Elf::open(&calc.dir.path("app"));
    assert!(app.needed().contains(&"libcalc.so".to_string()), "{:?}", app.needed());
    assert!(app.runpath().is_empty(), "no run path unless asked: {:?}", app.runpath());
    let out = sh(Command::new(calc.dir.path("app")).env("LD_LIBRARY_PATH", &only));
    assert_eq!(out, PROD_OUTPUT);
    // The same for a shared library, and --rpath-dynamic gives the loader the directory.
    calc.dir
        .solink()
        .args(["--libsdir", &only, "--rpath-dynamic", "gcc", "-o", "app2", "obj/main.o", "-lcalc"])
        .ok();
    let canonical = std::fs::canonicalize(calc.dir.path("only")).unwrap();
    assert_eq!(Elf::open(&calc.dir.path("app2")).runpath(), [canonical.display().to_string()]);
    assert_eq!(sh(&mut Command::new(calc.dir.path("app2"))), PROD_OUTPUT);
}

/// Issue 31 §8: the directory is given to ld only when it changes no
/// other library ld takes: a LIBSDIR that also holds a `libgcc_s.so`
/// (which gcc links after) is not, and ld's "cannot find" is said first.
#[test]
fn a_libsdir_that_would_shadow_another_library_is_not_given_to_ld() {
    let calc = Calc::new();
    calc.shared_only_in("only");
    std::fs::copy(calc.dir.path("only/libcalc.so"), calc.dir.path("only/libgcc_s.so")).unwrap();
    let only = calc.path("only");
    let run = calc
        .dir
        .solink()
        .args(["--libsdir", &only, "--dry-run", "gcc", "-o", "app", "obj/main.o", "-lcalc"])
        .run();
    assert_eq!(run.stdout, "gcc -o app obj/main.o -lcalc\n", "{}", run.stderr);
    let run = calc
        .dir
        .solink()
        .args(["--libsdir", &only, "--dry-run", "gcc", "-shared", "-o", "libx.so", "obj/calc.o", "-lcalc"])
        .run();
    assert_eq!(run.stdout, "gcc -shared -o libx.so obj/calc.o -lcalc\n", "{}", run.stderr);
    assert!(run.stderr.contains("-lcalc") && run.stderr.contains("ld will not find"), "{}", run.stderr);
}

//! `solink::testing::closure` against GNU ld itself.
//!
//! Small archives are built with gcc and ar in a temporary directory, and
//! each link is run for real as `gcc -shared -o out.so ... -Wl,-t,-t
//! -Wl,-z,defs`: `-t` twice makes ld print every archive member it pulls
//! (`(liba.a)a.o`), and `-z defs` makes it name every symbol the link
//! leaves undefined (`undefined reference to 'x'`). The closure, given the
//! same inputs (with the driver's own startup files and libraries, as `gcc
//! -###` shows them), must give the same members and the same undefined
//! symbols.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support::system;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use solink::testing::closure::{self, Input, Needed};
use solink::testing::symbols::{self, Digest, Expanded};

/// Whether gcc and ar run; in CI they must.
fn toolchain() -> bool {
    let runs = |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if runs("gcc") && runs("ar") {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "gcc and ar must be installed in CI");
    eprintln!("skipped: gcc or ar is missing");
    false
}

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        Lab { dir: tempfile::tempdir().unwrap() }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Compiles `name.c` to `name.o`, position-independent.
    fn object(&self, name: &str, source: &str, flags: &[&str]) {
        std::fs::write(self.path().join(format!("{name}.c")), source).unwrap();
        let out = Command::new("gcc")
            .current_dir(self.path())
            .args(["-fPIC", "-O1", "-c", &format!("{name}.c")])
            .args(flags)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    fn archive(&self, lib: &str, members: &[&str]) {
        let out = Command::new("ar")
            .current_dir(self.path())
            .arg("rcs")
            .arg(lib)
            .args(members.iter().map(|m| format!("{m}.o")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// What ld does with `items`: the members it pulls from this lab's
    /// archives, as `liba.a(a.o)`, and the symbols it leaves undefined.
    fn ld(&self, items: &[&str]) -> Outcome {
        let out = Command::new("gcc")
            .current_dir(self.path())
            .args(["-shared", "-o", "out.so"])
            .args(items)
            .args(["-Wl,-t,-t", "-Wl,-z,defs", "-Wl,--no-demangle"])
            .output()
            .unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let mut outcome = Outcome::default();
        for line in text.lines() {
            // An error line may start with `(.text+0x12)` too, so it is told first.
            if let Some((_, name)) = line.split_once("undefined reference to `") {
                outcome.undefined.insert(name.trim_end_matches('\'').to_string());
            } else if let Some((archive, member)) = line.strip_prefix('(').and_then(|l| l.split_once(')')) {
                if !archive.starts_with('/') {
                    outcome.pulled.insert(format!("{archive}({member})"));
                }
            }
        }
        assert_eq!(
            out.status.success(),
            outcome.undefined.is_empty(),
            "ld failed for another reason than undefined symbols:\n{text}"
        );
        outcome
    }

    /// What the closure predicts for `items` (paths relative to the lab).
    fn predict(&self, items: &[&str], grouped: bool) -> Outcome {
        let items: Vec<String> =
            items
                .iter()
                .map(|i| {
                    if i.starts_with('-') {
                        i.to_string()
                    } else {
                        self.path().join(i).display().to_string()
                    }
                })
                .collect();
        let items: Vec<&str> = items.iter().map(String::as_str).collect();
        let ours = |p: &Path| p.starts_with(self.path());
        predict(None, &items, grouped, &ours)
    }

    /// The closure and ld agree on `items`; returns ld's outcome, with the
    /// lab's archives that contributed nothing.
    fn agree(&self, items: &[&str], archives: &[&str]) -> Outcome {
        let mut ld = self.ld(items);
        ld.unused = archives
            .iter()
            .filter(|a| !ld.pulled.iter().any(|p| p.starts_with(&format!("{a}("))))
            .map(|a| a.to_string())
            .collect();
        let predicted = self.predict(items, false);
        assert_eq!(predicted, ld, "closure (left) against GNU ld (right) for {items:?}");
        ld
    }
}

/// What the closure predicts for `items` (absolute paths, `-lNAME`, and
/// `-Wl,` group and as-needed switches), framed by what gcc adds to a
/// shared link (`gcc -### -shared`): crti.o crtbeginS.o ITEMS -lgcc -lgcc_s
/// -lc -lgcc -lgcc_s crtendS.o crtn.o. `undefined` is ld's `-u SYMBOL`,
/// entered before any input. Pulled members are named `libx.a(m.o)` for
/// the archives `report` accepts.
fn predict(
    undefined: Option<&str>,
    items: &[&str],
    grouped: bool,
    report: &dyn Fn(&Path) -> bool,
) -> Outcome {
    let dirs = driver_dirs();
    // Each expanded file with the --as-needed state ld reads it under.
    let mut line: Vec<(Expanded, Needed)> = Vec::new();
    let add = |line: &mut Vec<(Expanded, Needed)>, path: PathBuf, needed: Needed| {
        line.extend(symbols::expand(&path, dirs).unwrap().into_iter().map(|e| (e, needed)))
    };
    let mut mode = driver_as_needed();
    add(&mut line, file("crti.o"), mode);
    add(&mut line, file("crtbeginS.o"), mode);
    for item in items {
        match *item {
            "-Wl,--start-group" => line.push((Expanded::GroupStart, mode)),
            "-Wl,--end-group" => line.push((Expanded::GroupEnd, mode)),
            "-Wl,--as-needed" => mode = Needed::AsNeeded,
            "-Wl,--no-as-needed" => mode = Needed::Always,
            lib if lib.starts_with("-l") => add(&mut line, file(&format!("lib{}.so", &lib[2..])), mode),
            f => add(&mut line, PathBuf::from(f), mode),
        }
    }
    // -lgcc --push-state --as-needed -lgcc_s --pop-state -lc, twice.
    for (name, needed) in [
        ("libgcc.a", mode),
        ("libgcc_s.so", Needed::AsNeeded),
        ("libc.so", mode),
        ("libgcc.a", mode),
        ("libgcc_s.so", Needed::AsNeeded),
        ("crtendS.o", mode),
        ("crtn.o", mode),
    ] {
        add(&mut line, file(name), needed);
    }
    let forced = undefined.map(|u| symbols::ObjectSyms {
        name: "-u".into(),
        undefined: vec![(u.as_bytes().into(), symbols::Ref::Strong)],
        ..Default::default()
    });
    let inputs: Vec<Input> = forced
        .iter()
        .map(Input::Object)
        .chain(line.iter().map(|(e, needed)| match e {
            Expanded::File(_, _, Digest::Object(o)) => Input::Object(o),
            Expanded::File(_, _, Digest::Archive(a)) => Input::Archive(a),
            Expanded::File(_, _, Digest::Shared(s)) => Input::Shared(s, *needed),
            Expanded::File(p, _, Digest::Script(_)) => panic!("{} was not expanded", p.display()),
            Expanded::GroupStart => Input::GroupStart,
            Expanded::GroupEnd => Input::GroupEnd,
        }))
        .collect();
    let c = closure::closure(&inputs, grouped);
    let offset = usize::from(forced.is_some());
    let archive = |pos: usize| match &line[pos - offset].0 {
        Expanded::File(p, _, Digest::Archive(a)) if report(p) => {
            Some((p.file_name().unwrap().to_string_lossy().into_owned(), a))
        }
        _ => None,
    };
    let mut outcome = Outcome::default();
    for (pos, members) in &c.pulled {
        if let Some((name, a)) = archive(*pos) {
            outcome.pulled.extend(members.iter().map(|&m| format!("{name}({})", a.members[m].name)));
        }
    }
    for (_, names) in &c.unresolved {
        outcome.undefined.extend(names.iter().map(|n| String::from_utf8_lossy(n).into_owned()));
    }
    outcome.unused = c.unused.iter().filter_map(|&p| archive(p).map(|(n, _)| n)).collect();
    outcome
}

/// gcc's library directories, asked once.
fn driver_dirs() -> &'static [PathBuf] {
    static DIRS: OnceLock<Vec<PathBuf>> = OnceLock::new();
    DIRS.get_or_init(system::system_dirs)
}

/// `gcc -print-file-name=NAME`, asked once per name.
fn file(name: &str) -> PathBuf {
    static FILES: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let files = FILES.get_or_init(Mutex::default);
    if let Some(p) = files.lock().unwrap().get(name) {
        return p.clone();
    }
    let out = Command::new("gcc").arg(format!("-print-file-name={name}")).output().unwrap();
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    files.lock().unwrap().insert(name.to_string(), path.clone());
    path
}

/// Whether gcc passes `--as-needed` to every link (this machine's gcc
/// does: `%{!fsanitize=*:--as-needed}` in its specs), seen in `gcc -###`
/// as an `--as-needed` before the output name.
fn driver_as_needed() -> Needed {
    static NEEDED: OnceLock<Needed> = OnceLock::new();
    *NEEDED.get_or_init(ask_driver_as_needed)
}

fn ask_driver_as_needed() -> Needed {
    let out = Command::new("gcc").args(["-###", "-shared", "-o", "x.so", "x.o"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let link = text.lines().last().unwrap_or("");
    let words: Vec<&str> = link.split_whitespace().map(|w| w.trim_matches('"')).collect();
    if words.iter().take_while(|w| **w != "-o").any(|w| *w == "--as-needed") {
        Needed::AsNeeded
    } else {
        Needed::Always
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Outcome {
    pulled: BTreeSet<String>,
    undefined: BTreeSet<String>,
    unused: BTreeSet<String>,
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The lab all cases share: every layout the closure's rules cover.
fn lab() -> Lab {
    let lab = Lab::new();
    // A chain a -> b -> c, and d that nothing needs.
    lab.object("a", "int b(void);\nint a(void) { return b() + 1; }\n", &[]);
    lab.object("b", "int c(void);\nint b(void) { return c() + 1; }\n", &[]);
    lab.object("c", "int c(void) { return 1; }\n", &[]);
    lab.object("d", "int d(void) { return 4; }\n", &[]);
    lab.archive("liba.a", &["a", "b", "c", "d"]);
    lab.object("t", "int a(void);\nint t(void) { return a(); }\n", &[]);
    // A cycle between two archives: x1 needs y1, y1 needs x2.
    lab.object("x1", "int y1(void);\nint x1(void) { return y1() + 1; }\n", &[]);
    lab.object("x2", "int x2(void) { return 2; }\n", &[]);
    lab.object("y1", "int x2(void);\nint y1(void) { return x2() + 1; }\n", &[]);
    lab.archive("libx.a", &["x1", "x2"]);
    lab.archive("liby.a", &["y1"]);
    lab.object("tx", "int x1(void);\nint tx(void) { return x1(); }\n", &[]);
    // Weak references: the object's own pulls nothing, the member's is fine.
    lab.object(
        "w",
        "extern int hook(void) __attribute__((weak));\nint w(void) { return hook ? hook() : 0; }\n",
        &[],
    );
    lab.object("opt", "int opt(void) { return 1; }\n", &[]);
    lab.archive("libw.a", &["w", "opt"]);
    lab.object(
        "tw",
        "extern int opt(void) __attribute__((weak));\nint w(void);\nint tw(void) { return w() + (opt ? opt() : 0); }\n",
        &[],
    );
    // A symbol only in libm, and one in no library at all.
    lab.object("m", "double cos(double);\ndouble m(double x) { return cos(x); }\n", &[]);
    lab.object("n", "int nowhere_at_all(void);\nint n(void) { return nowhere_at_all(); }\n", &[]);
    lab.archive("libm_user.a", &["m", "n"]);
    lab.object("tm", "double m(double);\ndouble tm(double x) { return m(x); }\n", &[]);
    lab.object("tn", "int n(void);\nint tn(void) { return n(); }\n", &[]);
    // An archive that defines a libm function itself.
    lab.object("mycbrt", "double cbrt(double x) { return x; }\n", &[]);
    lab.archive("libmycbrt.a", &["mycbrt"]);
    lab.object("tb", "double cbrt(double);\ndouble tb(double x) { return cbrt(x); }\n", &[]);
    // A shared library that needs a symbol an archive defines.
    lab.object("foo", "int bar(void);\nint foo(void) { return bar(); }\n", &[]);
    lab.object("bar", "int bar(void) { return 5; }\n", &[]);
    lab.archive("libbar.a", &["bar"]);
    let ok =
        Command::new("gcc").current_dir(lab.path()).args(["-shared", "-o", "libfoo.so", "foo.o"]).status();
    assert!(ok.unwrap().success());
    lab.object("tf", "int foo(void);\nint tf(void) { return foo(); }\n", &[]);
    // A common symbol pulls a member that defines it as data.
    lab.object("tc", "int shared_counter;\nint tc(void) { return shared_counter; }\n", &["-fcommon"]);
    lab.object("counter", "int shared_counter = 5;\nint counter_extra(void) { return 7; }\n", &[]);
    lab.archive("libcounter.a", &["counter"]);
    lab
}

#[test]
fn closure_matches_gnu_ld_member_by_member() {
    if !toolchain() {
        return;
    }
    let lab = lab();

    // The chain: a, b, c pulled, d not.
    let ld = lab.agree(&["t.o", "liba.a"], &["liba.a"]);
    assert_eq!(ld.pulled, set(&["liba.a(a.o)", "liba.a(b.o)", "liba.a(c.o)"]));
    assert!(ld.undefined.is_empty());

    // The archive placed first contributes nothing, and t's `a` is left undefined.
    let ld = lab.agree(&["liba.a", "t.o"], &["liba.a"]);
    assert_eq!((ld.unused, ld.undefined), (set(&["liba.a"]), set(&["a"])));

    // The cycle without a group leaves x2 undefined.
    let ld = lab.agree(&["tx.o", "libx.a", "liby.a"], &["libx.a", "liby.a"]);
    assert_eq!(ld.undefined, set(&["x2"]));

    // The weak references.
    let ld = lab.agree(&["tw.o", "libw.a"], &["libw.a"]);
    assert_eq!((ld.pulled, ld.undefined), (set(&["libw.a(w.o)"]), set(&[])));

    // cos from libm, with -lm after the archive, and without -lm.
    let ld = lab.agree(&["tm.o", "libm_user.a", "-lm"], &["libm_user.a"]);
    assert_eq!((ld.pulled, ld.undefined), (set(&["libm_user.a(m.o)"]), set(&[])));
    let ld = lab.agree(&["tm.o", "libm_user.a"], &["libm_user.a"]);
    assert_eq!(ld.undefined, set(&["cos"]));
    // -lm before the objects: a shared library anywhere on the line
    // resolves the member's cos under --no-as-needed; under --as-needed
    // (this gcc's default) it is dropped before anything needs it.
    let ld = lab.agree(&["-Wl,--no-as-needed", "-lm", "tm.o", "libm_user.a"], &["libm_user.a"]);
    assert_eq!(ld.undefined, set(&[]));
    let ld = lab.agree(&["-Wl,--as-needed", "-lm", "tm.o", "libm_user.a"], &["libm_user.a"]);
    assert_eq!(ld.undefined, set(&["cos"]));

    // A shared library read before an archive defines the symbol, so the
    // archive contributes nothing; read after it, the member is pulled.
    let ld = lab.agree(&["tb.o", "-lm", "libmycbrt.a"], &["libmycbrt.a"]);
    assert_eq!(ld.unused, set(&["libmycbrt.a"]));
    let ld = lab.agree(&["tb.o", "libmycbrt.a", "-lm"], &["libmycbrt.a"]);
    assert_eq!(ld.pulled, set(&["libmycbrt.a(mycbrt.o)"]));

    // libfoo.so's own undefined bar pulls bar.o, whether the library is
    // read --as-needed (and needed by tf.o) or not.
    for items in
        [&["tf.o", "libfoo.so", "libbar.a"][..], &["tf.o", "-Wl,--no-as-needed", "libfoo.so", "libbar.a"]]
    {
        let ld = lab.agree(items, &["libbar.a"]);
        assert_eq!(ld.pulled, set(&["libbar.a(bar.o)"]), "{items:?}");
    }

    // A symbol in no library.
    let ld = lab.agree(&["tn.o", "libm_user.a", "-lm"], &["libm_user.a"]);
    assert_eq!((ld.pulled, ld.undefined), (set(&["libm_user.a(n.o)"]), set(&["nowhere_at_all"])));

    // The common symbol.
    let ld = lab.agree(&["tc.o", "libcounter.a"], &["libcounter.a"]);
    assert_eq!(ld.pulled, set(&["libcounter.a(counter.o)"]));
}

#[test]
fn groups_match_gnu_ld() {
    if !toolchain() {
        return;
    }
    let lab = lab();
    let grouped = ["tx.o", "-Wl,--start-group", "libx.a", "liby.a", "-Wl,--end-group"];
    let ld = lab.ld(&grouped);
    assert_eq!(ld.pulled, set(&["libx.a(x1.o)", "libx.a(x2.o)", "liby.a(y1.o)"]));
    assert!(ld.undefined.is_empty(), "{ld:?}");
    // The explicit markers, and solink's own grouping of the same line.
    let markers = lab.predict(&grouped, false);
    let implicit = lab.predict(&["tx.o", "libx.a", "liby.a"], true);
    assert_eq!(markers, ld, "closure with --start-group (left) against GNU ld (right)");
    assert_eq!(implicit, ld, "closure with grouped archives (left) against GNU ld (right)");
}

fn names(list: &[symbols::Name]) -> BTreeSet<String> {
    list.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect()
}

const KINDS: &str = "int strong_fn(void) { return 1; }
int strong_data = 3;
__attribute__((weak)) int weak_fn(void) { return 2; }
int common_var;
extern int need(void);
extern int maybe(void) __attribute__((weak));
int use(void) { return need() + (maybe ? maybe() : 0) + common_var; }
__attribute__((constructor)) static void at_load(void) { strong_data = 4; }
";

#[test]
fn symbols_of_objects_and_archives_built_by_gcc_and_ar() {
    use solink::testing::symbols::{Def, Ref};
    if !toolchain() {
        return;
    }
    let lab = Lab::new();
    lab.object("k", KINDS, &["-fcommon"]);
    lab.object("plain", "int plain(void) { return 0; }\n", &[]);
    let Digest::Object(k) = symbols::read(&lab.path().join("k.o")).unwrap().1 else { panic!("an object") };
    let defined: BTreeSet<(String, Def)> =
        k.defined.iter().map(|(n, d)| (String::from_utf8_lossy(n).into_owned(), *d)).collect();
    let expected = [
        ("common_var", Def::Common),
        ("strong_data", Def::Data),
        ("strong_fn", Def::Func),
        ("use", Def::Func),
        ("weak_fn", Def::Weak),
    ];
    assert_eq!(defined, expected.iter().map(|(n, d)| (n.to_string(), *d)).collect());
    let undefined: BTreeSet<(String, Ref)> =
        k.undefined.iter().map(|(n, r)| (String::from_utf8_lossy(n).into_owned(), *r)).collect();
    // gcc's x86-64 code names the GOT, which ld defines (closure knows).
    let expected = [("_GLOBAL_OFFSET_TABLE_", Ref::Strong), ("maybe", Ref::Weak), ("need", Ref::Strong)];
    assert_eq!(undefined, expected.iter().map(|(n, r)| (n.to_string(), *r)).collect());
    assert!(k.ctors, "a constructor is .init_array contents");

    // With the index ar writes, without one (ar S), and thin.
    lab.archive("libk.a", &["k", "plain"]);
    let Digest::Archive(a) = symbols::read(&lab.path().join("libk.a")).unwrap().1 else {
        panic!("an archive")
    };
    assert_eq!(
        a.members.iter().map(|m| (m.name.as_str(), m.ctors)).collect::<Vec<_>>(),
        [("k.o", true), ("plain.o", false)]
    );
    let index: BTreeSet<(String, u32)> =
        a.index.iter().flatten().map(|(n, m)| (String::from_utf8_lossy(n).into_owned(), *m)).collect();
    assert!(index.contains(&("strong_fn".into(), 0)) && index.contains(&("plain".into(), 1)), "{index:?}");
    assert!(!index.iter().any(|(n, _)| n == "need"), "undefined symbols are not in the index");
    let text = solink::testing::store::codec::encode(&Digest::Archive(a.clone())).unwrap();
    assert_eq!(solink::testing::store::codec::decode(&text), Some(Digest::Archive(a.clone())));

    let ar = |flags: &str, lib: &str| {
        let ok =
            Command::new("ar").current_dir(lab.path()).args([flags, lib, "k.o", "plain.o"]).status().unwrap();
        assert!(ok.success());
    };
    ar("rcS", "libnoindex.a");
    let Digest::Archive(n) = symbols::read(&lab.path().join("libnoindex.a")).unwrap().1 else { panic!() };
    assert_eq!((n.index.is_none(), n.members.len()), (true, 2));
    // ld refuses it, which is why the closure reports such archives.
    lab.object("tp", "int plain(void);\nint tp(void) { return plain(); }\n", &[]);
    let out = Command::new("gcc")
        .current_dir(lab.path())
        .args(["-shared", "-o", "x.so", "tp.o", "libnoindex.a"])
        .output()
        .unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no index"));
    let c = closure::closure(&[Input::Object(&symbols::ObjectSyms::default()), Input::Archive(&n)], false);
    assert_eq!(c.unindexed, [1]);

    ar("rcsT", "libthin.a");
    let Digest::Archive(t) = symbols::read(&lab.path().join("libthin.a")).unwrap().1 else { panic!() };
    assert!(t.thin);
    assert_eq!(t.members, a.members, "a thin archive's members are read from their files");
    assert_eq!(
        solink::testing::store::codec::encode(&Digest::Archive(t)),
        None,
        "and its digest is not cached by its own identity"
    );
}

#[test]
fn shared_libraries_with_versions_and_scripts() {
    if !toolchain() {
        return;
    }
    let lab = Lab::new();
    // f@VERS_1 (hidden, the old ABI) and f@@VERS_2 (the default).
    std::fs::write(
        lab.path().join("v.map"),
        "VERS_1 { global: f; g; local: *; };\nVERS_2 { global: f; } VERS_1;\n",
    )
    .unwrap();
    lab.object(
        "v",
        "__asm__(\".symver f_old, f@VERS_1\");\n__asm__(\".symver f_new, f@@VERS_2\");\n\
         int f_old(void) { return 1; }\nint f_new(void) { return 2; }\nint g(void) { return 3; }\n",
        &[],
    );
    let out = Command::new("gcc")
        .current_dir(lab.path())
        .args(["-shared", "-o", "libv.so.2", "v.o", "-Wl,--version-script=v.map", "-Wl,-soname,libv.so.2"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let Digest::Shared(v) = symbols::read(&lab.path().join("libv.so.2")).unwrap().1 else { panic!("shared") };
    assert_eq!(names(&v.exports), set(&["f", "g"]));
    assert_eq!(names(&v.hidden), set(&["f@VERS_1"]));
    assert_eq!(v.soname.as_deref(), Some("libv.so.2"));

    // glibc's libc.so is a GROUP over libc.so.6, libc_nonshared.a and the
    // dynamic loader (AS_NEEDED).
    let libc = Command::new("gcc").arg("-print-file-name=libc.so").output().unwrap();
    let libc = PathBuf::from(String::from_utf8(libc.stdout).unwrap().trim());
    let expanded = symbols::expand(&libc, driver_dirs()).unwrap();
    let shape: Vec<String> = expanded
        .iter()
        .map(|e| match e {
            Expanded::GroupStart => "(".into(),
            Expanded::GroupEnd => ")".into(),
            Expanded::File(_, _, Digest::Shared(s)) => s.soname.clone().unwrap_or_default(),
            Expanded::File(p, _, _) => p.file_name().unwrap().to_string_lossy().into_owned(),
        })
        .collect();
    assert_eq!(shape, ["(", "libc.so.6", "libc_nonshared.a", "ld-linux-x86-64.so.2", ")"]);
    let Expanded::File(_, _, Digest::Shared(c)) = &expanded[1] else { unreachable!() };
    let (exports, hidden) = (names(&c.exports), names(&c.hidden));
    assert!(exports.contains("printf") && exports.contains("memcpy"));
    assert!(hidden.contains("memcpy@GLIBC_2.2.5") && !exports.contains("memcpy@GLIBC_2.2.5"));
}

#[test]
fn providers_of_missing_symbols() {
    if !toolchain() {
        return;
    }
    let lab = Lab::new();
    // Only the versioned file, as NVIDIA's wheels ship libcudart.so.12.
    lab.object("ov", "int onlyver_fn(void) { return 12; }\n", &[]);
    let out = Command::new("gcc")
        .current_dir(lab.path())
        .args(["-shared", "-o", "libonlyver.so.12", "ov.o", "-Wl,-soname,libonlyver.so.12"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let target =
        solink::testing::archive::pic::elf_id(&std::fs::read(lab.path().join("ov.o")).unwrap()).unwrap();
    // gcc's own directory, where libgomp.so is.
    let gomp = Command::new("gcc").arg("-print-file-name=libgomp.so").output().unwrap();
    let gomp = PathBuf::from(String::from_utf8(gomp.stdout).unwrap().trim());
    if !gomp.is_absolute() {
        assert!(std::env::var_os("CI").is_none(), "libgomp must be installed in CI");
        eprintln!("skipped: gcc has no libgomp.so");
        return;
    }
    let dirs = [lab.path().to_path_buf(), gomp.parent().unwrap().to_path_buf()];
    let missing: Vec<symbols::Name> =
        ["onlyver_fn", "omp_get_thread_num", "GOMP_parallel", "no_such_symbol_anywhere"]
            .map(|s| s.as_bytes().into())
            .to_vec();
    let (found, left) = symbols::providers(&dirs, &missing, target);
    let found: Vec<(String, BTreeSet<String>)> =
        found.iter().map(|p| (p.token.to_string_lossy().into_owned(), names(&p.symbols))).collect();
    assert_eq!(
        found,
        [
            ("-l:libonlyver.so.12".to_string(), set(&["onlyver_fn"])),
            ("-lgomp".to_string(), set(&["GOMP_parallel", "omp_get_thread_num"]))
        ]
    );
    assert_eq!(names(&left), set(&["no_such_symbol_anywhere"]));
}

/// ld on a system archive: `gcc -shared -Wl,-u,SYMBOL ARCHIVE`. Returns the
/// members pulled from every archive, and the undefined symbols when those
/// are ld's only errors (a non-PIC archive fails on relocations first).
fn ld_system(
    dir: &Path,
    n: usize,
    symbol: &str,
    archive: &Path,
) -> (BTreeSet<String>, Option<BTreeSet<String>>) {
    let out = Command::new("gcc")
        .current_dir(dir)
        .args(["-shared", "-o", &format!("t{n}.so"), &format!("-Wl,-u,{symbol}")])
        .arg(archive)
        .args(["-Wl,-t,-t", "-Wl,-z,defs", "-Wl,--no-demangle"])
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let mut pulled = BTreeSet::new();
    let mut undefined = BTreeSet::new();
    let mut other_errors = false;
    for line in text.lines() {
        // An error line may start with `(.text+0x12)` too, so it is told first.
        if let Some((_, name)) = line.split_once("undefined reference to `") {
            undefined.insert(name.trim_end_matches('\'').to_string());
        } else if let Some((path, member)) = line.strip_prefix('(').and_then(|l| l.split_once(')')) {
            let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
            pulled.insert(format!("{name}({member})"));
        } else if line.contains("ld:") && !line.contains("in function") && !line.contains("warning:") {
            other_errors = true;
        }
    }
    (pulled, (!other_errors).then_some(undefined))
}

#[test]
fn closure_matches_gnu_ld_on_every_system_archive() {
    if !toolchain() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dirs = driver_dirs();
    let archives = system::system_archives();
    let results = system::parallel(&archives, |n, archive| {
        // A symbol from the middle of the (first) archive's index.
        let expanded = symbols::expand(archive, dirs).ok()?;
        let symbol = expanded.iter().find_map(|e| match e {
            Expanded::File(_, _, Digest::Archive(a)) => {
                let index: Vec<&symbols::Name> =
                    a.index.iter().flatten().map(|(n, _)| n).filter(|n| !n.contains(&b'@')).collect();
                index.get(index.len() / 2).map(|n| String::from_utf8_lossy(n).into_owned())
            }
            _ => None,
        })?;
        let (pulled, undefined) = ld_system(dir.path(), n, &symbol, archive);
        let predicted = predict(Some(&symbol), &[archive.to_str().unwrap()], false, &|_| true);
        let mut wrong = Vec::new();
        if predicted.pulled != pulled {
            let extra: Vec<_> = predicted.pulled.difference(&pulled).collect();
            let missing: Vec<_> = pulled.difference(&predicted.pulled).collect();
            wrong.push(format!("pulled: closure also {extra:?}, ld also {missing:?}"));
        }
        if let Some(undefined) = &undefined {
            if predicted.undefined != *undefined {
                wrong.push(format!("undefined: closure {:?}, ld {undefined:?}", predicted.undefined));
            }
        }
        Some((archive.display().to_string(), symbol, undefined.is_some(), wrong))
    });
    let compared: Vec<_> = results.into_iter().flatten().collect();
    let with_undefined = compared.iter().filter(|r| r.2).count();
    println!(
        "compared {} system archives with ld ({} of them on undefined symbols too)",
        compared.len(),
        with_undefined
    );
    let wrong: Vec<String> = compared
        .iter()
        .filter(|r| !r.3.is_empty())
        .map(|(a, s, _, w)| format!("{a} (-u {s}): {}", w.join("; ")))
        .collect();
    assert!(compared.len() > 10, "gcc's directories hold system archives with an index");
    assert!(wrong.is_empty(), "closure and ld differ on {} archives:\n{}", wrong.len(), wrong.join("\n"));
}

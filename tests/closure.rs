//! `solink::closure` against GNU ld itself.
//!
//! Small archives are built with gcc and ar in a temporary directory, and
//! each link is run for real as `gcc -shared -o out.so ... -Wl,-t,-t
//! -Wl,-z,defs`: `-t` twice makes ld print every archive member it pulls
//! (`(liba.a)a.o`), and `-z defs` makes it name every symbol the link
//! leaves undefined (`undefined reference to 'x'`). The closure, given the
//! same inputs (with the driver's own startup files and libraries, as `gcc
//! -###` shows them), must give the same members and the same undefined
//! symbols.

#[path = "support/system.rs"]
#[allow(dead_code)] // only system_dirs is used here
mod system;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use solink::closure::{self, Input, Needed};
use solink::symbols::{self, Digest, Expanded};

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
            .args(["-Wl,-t,-t", "-Wl,-z,defs"])
            .output()
            .unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let mut outcome = Outcome::default();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix('(') {
                if let Some((archive, member)) = rest.split_once(')') {
                    if !archive.starts_with('/') {
                        outcome.pulled.insert(format!("{archive}({member})"));
                    }
                }
            }
            if let Some((_, name)) = line.split_once("undefined reference to `") {
                outcome.undefined.insert(name.trim_end_matches('\'').to_string());
            }
        }
        assert_eq!(
            out.status.success(),
            outcome.undefined.is_empty(),
            "ld failed for another reason than undefined symbols:\n{text}"
        );
        outcome
    }

    /// What the closure predicts for `items`, framed by what gcc adds to a
    /// shared link (`gcc -### -shared`): crti.o crtbeginS.o ITEMS -lgcc
    /// -lgcc_s -lc -lgcc -lgcc_s crtendS.o crtn.o.
    fn predict(&self, items: &[&str], grouped: bool) -> Outcome {
        let dirs = system::system_dirs();
        let file = |name: &str| {
            let out = Command::new("gcc").arg(format!("-print-file-name={name}")).output().unwrap();
            PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        };
        // Each expanded file with the --as-needed state ld reads it under.
        let mut line: Vec<(Expanded, Needed)> = Vec::new();
        let add = |line: &mut Vec<(Expanded, Needed)>, path: PathBuf, needed: Needed| {
            line.extend(symbols::expand(&path, &dirs).unwrap().into_iter().map(|e| (e, needed)))
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
                f => add(&mut line, self.path().join(f), mode),
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
        let inputs: Vec<Input> = line
            .iter()
            .map(|(e, needed)| match e {
                Expanded::File(_, _, Digest::Object(o)) => Input::Object(o),
                Expanded::File(_, _, Digest::Archive(a)) => Input::Archive(a),
                Expanded::File(_, _, Digest::Shared(s)) => Input::Shared(s, *needed),
                Expanded::File(p, _, Digest::Script(_)) => panic!("{} was not expanded", p.display()),
                Expanded::GroupStart => Input::GroupStart,
                Expanded::GroupEnd => Input::GroupEnd,
            })
            .collect();
        let c = closure::closure(&inputs, grouped);
        let ours = |pos: usize| match &line[pos].0 {
            Expanded::File(p, _, Digest::Archive(a)) if p.starts_with(self.path()) => {
                Some((p.file_name().unwrap().to_string_lossy().into_owned(), a))
            }
            _ => None,
        };
        let mut outcome = Outcome::default();
        for (pos, members) in &c.pulled {
            if let Some((name, a)) = ours(*pos) {
                outcome.pulled.extend(members.iter().map(|&m| format!("{name}({})", a.members[m].name)));
            }
        }
        for (_, names) in &c.unresolved {
            outcome.undefined.extend(names.iter().map(|n| String::from_utf8_lossy(n).into_owned()));
        }
        outcome.unused = c.unused.iter().filter_map(|&p| ours(p).map(|(n, _)| n)).collect();
        outcome
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

/// Whether gcc passes `--as-needed` to every link (this machine's gcc
/// does: `%{!fsanitize=*:--as-needed}` in its specs), seen in `gcc -###`
/// as an `--as-needed` before the output name.
fn driver_as_needed() -> Needed {
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

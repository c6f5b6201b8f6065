//! Issue 35, end to end on real objects: two Rust staticlibs (built by
//! rustc, offline) in one C `.so` with `--isolate`, plain and whole; two
//! archives vendoring different versions of a helper, named without
//! `--isolate` and each given its own with it; byte-identical members
//! linked whole twice, taken once. Each result is loaded with
//! `dlopen(RTLD_NOW)` in a separate process and called, and its exports
//! read from `.dynsym`.
// Tests read and write files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use object::{Object, ObjectSymbol};
use support::tools::{gcc, require_tool, run, Ran};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// `dlopen(argv[1], RTLD_NOW)`, then each further argument called as a
/// `const char *(void)` and printed on a line.
const LOADER: &str = r#"
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    for (int i = 2; i < argc; i++) {
        const char *(*f)(void) = (const char *(*)(void))dlsym(h, argv[i]);
        if (!f) { fprintf(stderr, "no %s\n", argv[i]); return 1; }
        printf("%s\n", f());
    }
    return 0;
}
"#;

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = Dir(tempfile::tempdir().unwrap());
        support::fixtures::program(&d.path().join("loader"), LOADER, &["-ldl"]);
        d
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    /// `ar rcs ARCHIVE` of each C source compiled with `-fPIC`.
    fn c_archive(&self, archive: &str, sources: &[(&str, &str)]) {
        let mut objects = Vec::new();
        for (name, text) in sources {
            let src = self.write(name, text);
            let obj = src.with_extension("o");
            gcc(self.path(), &["-c", "-fPIC", "-g", src.to_str().unwrap(), "-o", obj.to_str().unwrap()]);
            objects.push(obj);
        }
        let lib = self.path().join(archive);
        std::fs::create_dir_all(lib.parent().unwrap()).unwrap();
        let mut ar = Command::new("ar");
        ar.arg("rcs").arg(&lib).args(&objects);
        assert!(run(&mut ar).success());
    }
    fn solink(&self, extra: &[&str], args: &[&str]) -> Ran {
        run(Command::new(SOLINK)
            .current_dir(self.path())
            .env_remove("SOLINK_STRICT")
            .env_remove("SOLINK_ISOLATE")
            .arg("--explain")
            .arg("--cache-dir")
            .arg(self.path().join("cache"))
            .args(extra)
            .args(["gcc", "-shared"])
            .args(args))
    }
    fn call(&self, so: &str, entries: &[&str]) -> Result<String, String> {
        let o = run(Command::new(self.path().join("loader")).arg(self.path().join(so)).args(entries));
        if o.success() {
            Ok(o.stdout)
        } else {
            Err(o.stderr)
        }
    }
    /// The names `.dynsym` defines.
    fn exports(&self, so: &str) -> Vec<String> {
        let data = std::fs::read(self.path().join(so)).unwrap();
        let file = object::File::parse(&*data).unwrap();
        let mut names: Vec<String> = file
            .dynamic_symbols()
            .filter(|s| s.is_definition() && s.is_global())
            .map(|s| s.name().unwrap().to_string())
            .collect();
        names.sort();
        names
    }
}

/// A Rust staticlib `DIR/L/libNAME.a` whose `#[no_mangle]` `NAME_answer`
/// formats a string with std (so std is linked), built by rustc offline.
fn rust_staticlib(dir: &Path, name: &str, answer: u32) {
    let src = dir.join(format!("{name}.rs"));
    std::fs::write(
        &src,
        format!(
            r#"
use std::ffi::{{c_char, CString}};
static mut KEPT: *mut c_char = std::ptr::null_mut();
#[no_mangle]
pub extern "C" fn {name}_answer() -> *const c_char {{
    let s = CString::new(format!("{name} says {{}}", {answer})).unwrap();
    unsafe {{ KEPT = s.into_raw(); KEPT }}
}}
"#
        ),
    )
    .unwrap();
    let out = dir.join("L").join(format!("lib{name}.a"));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let mut rustc = Command::new("rustc");
    rustc
        .args(["--edition", "2021", "--crate-type", "staticlib", "-O", "--crate-name", name])
        .arg(&src)
        .arg("-o")
        .arg(&out);
    let o = run(&mut rustc);
    assert!(o.success(), "rustc failed: {}", o.stderr);
}

fn two_rust_staticlibs() -> Dir {
    let dir = Dir::new();
    // Built once for the tests that use them (rustc is seconds each).
    static RSA: OnceLock<PathBuf> = OnceLock::new();
    static RSB: OnceLock<PathBuf> = OnceLock::new();
    for (cell, name, answer) in [(&RSA, "rsa", 1), (&RSB, "rsb", 2)] {
        let lib = format!("L/lib{name}.a");
        support::files::built_once(
            cell,
            &lib,
            |scratch| rust_staticlib(scratch, name, answer),
            &dir.path().join(&lib),
        );
    }
    dir.write(
        "api.c",
        "const char *rsa_answer(void); const char *rsb_answer(void);\n\
         const char *api_a(void) { return rsa_answer(); }\n\
         const char *api_b(void) { return rsb_answer(); }\n",
    );
    gcc(dir.path(), &["-c", "-fPIC", "api.c"]);
    dir
}

const C_API: [&str; 4] = ["api_a", "api_b", "rsa_answer", "rsb_answer"];

#[test]
fn two_rust_staticlibs_isolated_export_only_their_c_api() {
    if !require_tool("rustc") {
        return;
    }
    let dir = two_rust_staticlibs();
    let o = dir.solink(&["--isolate"], &["-o", "libboth.so", "api.o", "-LL", "-lrsa", "-lrsb"]);
    assert!(o.success(), "{}", o.stderr);
    assert!(
        o.stderr.contains("solink: -lrsa: isolated: L/librsa.a is linked as a private copy"),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("kept global: rsb_answer (what the rest"), "{}", o.stderr);
    // Rust's std draws no advice to pull its constructor (issue 35 §5).
    assert!(!o.stderr.contains("constructors"), "{}", o.stderr);
    assert_eq!(dir.call("libboth.so", &["api_a", "api_b"]).unwrap(), "rsa says 1\nrsb says 2\n");
    assert_eq!(dir.exports("libboth.so"), C_API);
}

#[test]
fn two_whole_rust_staticlibs_isolated_link_and_export_only_their_c_api() {
    if !require_tool("rustc") {
        return;
    }
    let dir = two_rust_staticlibs();
    // Without --isolate ld refuses: every std symbol is defined twice.
    let args = [
        "-o",
        "libwhole.so",
        "api.o",
        "-Wl,--whole-archive",
        "L/librsa.a",
        "L/librsb.a",
        "-Wl,--no-whole-archive",
    ];
    let plain = run(Command::new("gcc").current_dir(dir.path()).arg("-shared").args(args));
    assert!(!plain.success() && plain.stderr.contains("multiple definition"), "{}", plain.stderr);
    let o = dir.solink(&["--isolate"], &args);
    assert!(o.success(), "{}", o.stderr);
    assert_eq!(dir.call("libwhole.so", &["api_a", "api_b"]).unwrap(), "rsa says 1\nrsb says 2\n");
    assert_eq!(dir.exports("libwhole.so"), C_API);
}

/// libva.a and libvb.a each vendor `vend_version()` (1 and 2) and an API
/// that calls it.
fn vendored() -> Dir {
    let dir = Dir::new();
    for (lib, v) in [("va", 1), ("vb", 2)] {
        dir.c_archive(
            &format!("L/lib{lib}.a"),
            &[
                (&format!("{lib}/api.c"), &format!(
                    "#include <stdio.h>\nint vend_version(void);\nstatic char buf[32];\n\
                     const char *{lib}_api(void) {{ snprintf(buf, sizeof buf, \"{lib} v%d\", vend_version()); return buf; }}\n")),
                (&format!("{lib}/vend.c"), &format!(
                    "static int calls;\nint vend_version(void) {{ calls++; return {v}; }}\n\
                     __thread int vend_tls = {v};\n\
                     __attribute__((constructor)) static void vend_init(void) {{ calls = 0; }}\n")),
            ],
        );
    }
    dir.write("user.c", "const char *va_api(void); const char *vb_api(void);\nconst char *use_a(void) { return va_api(); }\nconst char *use_b(void) { return vb_api(); }\n");
    gcc(dir.path(), &["-c", "-fPIC", "user.c"]);
    dir
}

#[test]
fn vendored_helpers_conflict_is_named_and_isolate_gives_each_its_own() {
    let dir = vendored();
    let args = ["-o", "libv.so", "user.o", "-LL", "-lva", "-lvb"];
    // Without --isolate: the link works, and says which copy wins.
    let o = dir.solink(&[], &args);
    assert!(o.success(), "{}", o.stderr);
    support::text::assert_line(
        &o.stderr,
        "solink: L/libvb.a and libva.a(vend.o) define vend_version with different contents: ld binds \
         libvb.a(api.o) to the first copy and leaves libvb.a(vend.o) out. Give each archive its own copy with \
         --isolate=vb.",
    );
    assert_eq!(dir.call("libv.so", &["use_a", "use_b"]).unwrap(), "va v1\nvb v1\n");
    // --strict refuses it before ld runs.
    let strict = dir.solink(&["--strict"], &args);
    assert_eq!(strict.code(), Some(2), "{}", strict.stderr);
    // With --isolate each library calls its own version.
    let o = dir.solink(&["--isolate"], &args);
    assert!(o.success(), "{}", o.stderr);
    assert!(!o.stderr.contains("different contents"), "{}", o.stderr);
    assert_eq!(dir.call("libv.so", &["use_a", "use_b"]).unwrap(), "va v1\nvb v2\n");
    // What user.o calls stays global; each vend_version is private.
    assert_eq!(dir.exports("libv.so"), ["use_a", "use_b", "va_api", "vb_api"]);
    // Naming one is enough: the second copy is the one that needs its own.
    let o = dir.solink(&["--isolate=vb"], &args);
    assert!(o.success(), "{}", o.stderr);
    assert_eq!(dir.call("libv.so", &["use_a", "use_b"]).unwrap(), "va v1\nvb v2\n");
}

#[test]
fn byte_identical_members_linked_whole_twice_are_taken_once() {
    let dir = Dir::new();
    let util = "int util_twice(int x) { return 2 * x; }\n";
    dir.c_archive(
        "L/libua.a",
        &[("ua/util.c", util), ("ua/a.c", "int util_twice(int);\nint ua(void) { return util_twice(1); }\n")],
    );
    // The very same object, archived again.
    std::fs::copy(dir.path().join("ua/util.o"), dir.path().join("util.o")).unwrap();
    dir.write("ub.c", "int util_twice(int);\nint ub(void) { return util_twice(2); }\n");
    gcc(dir.path(), &["-c", "-fPIC", "ub.c"]);
    let mut ar = Command::new("ar");
    ar.current_dir(dir.path()).args(["rcs", "L/libub.a", "util.o", "ub.o"]);
    assert!(run(&mut ar).success());
    dir.write("user.c", "#include <stdio.h>\nint ua(void); int ub(void);\nstatic char b[16];\nconst char *both(void) { snprintf(b, sizeof b, \"%d %d\", ua(), ub()); return b; }\n");
    gcc(dir.path(), &["-c", "-fPIC", "user.c"]);
    let args = ["-o", "libu.so", "user.o", "-LL", "-lua", "-lub"];
    let plain = run(Command::new("gcc").current_dir(dir.path()).args([
        "-shared",
        "-o",
        "libu.so",
        "user.o",
        "-Wl,--whole-archive",
        "L/libua.a",
        "L/libub.a",
        "-Wl,--no-whole-archive",
    ]));
    assert!(!plain.success() && plain.stderr.contains("multiple definition"), "{}", plain.stderr);
    let o = dir.solink(&["--whole-archive"], &args);
    assert!(o.success(), "{}", o.stderr);
    assert!(
        o.stderr.contains("solink: -lub: taken once: util.o of L/libub.a are byte for byte"),
        "{}",
        o.stderr
    );
    assert_eq!(dir.call("libu.so", &["both"]).unwrap(), "2 4\n");
}

//! Builds the verified-embedding fixtures (`fixtures/verified/`) into a temp
//! dir with the machine's gcc, g++ and ar, links shared libraries from them
//! and loads those with the fixtures' loader (`dlopen` with `RTLD_NOW`, in a
//! separate process).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// One archive fixture: its archive name, sources, and the entry point the
/// `.so`'s `f()` calls, with the value it must return.
pub struct Fixture {
    pub lib: &'static str,
    pub sources: &'static [&'static str],
    pub entry: &'static str,
    pub value: i32,
}

pub const OPENMP: Fixture =
    Fixture { lib: "ompfix", sources: &["openmp/ompfix.c"], entry: "ompfix_entry", value: 5050 };
pub const CXX: Fixture =
    Fixture { lib: "cxxfix", sources: &["cxx/cxxfix.cpp"], entry: "cxxfix_entry", value: 42 };
pub const WRAP: Fixture = Fixture {
    lib: "wrapfix",
    sources: &["wrap/wrapfix.c", "wrap/target.c"],
    entry: "wrapfix_entry",
    value: 1042,
};
/// The ggml-shaped set, in the natural link order; `llama_entry` is the entry.
pub const GGML: [Fixture; 4] = [
    Fixture { lib: "llama", sources: &["ggml/llama.cpp"], entry: "llama_entry", value: 102 },
    Fixture { lib: "ggml", sources: &["ggml/ggml.c", "ggml/ggml_backend.c"], entry: "", value: 0 },
    Fixture { lib: "ggml-cpu", sources: &["ggml/ggml_cpu.cpp"], entry: "", value: 0 },
    Fixture { lib: "ggml-base", sources: &["ggml/ggml_base.c"], entry: "", value: 0 },
];

pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/verified")
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// A temp dir holding `lib/` (archives and `.pc` files), `obj/` (entry
/// objects) and the loader.
pub struct Verified {
    pub dir: tempfile::TempDir,
}

impl Verified {
    pub fn new() -> Verified {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("lib")).unwrap();
        std::fs::create_dir(dir.path().join("obj")).unwrap();
        let v = Verified { dir };
        let source = std::fs::read_to_string(source_dir().join("loader.c")).unwrap();
        crate::support::fixtures::program(&v.loader(), &source, &["-ldl"]);
        v
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn lib_dir(&self) -> PathBuf {
        self.path("lib")
    }

    pub fn loader(&self) -> PathBuf {
        self.path("loader")
    }

    /// Builds `lib/libNAME.a` from the fixture's sources (PIC; C++ with g++,
    /// OpenMP where the source uses it) and copies a `.pc` beside it.
    pub fn archive(&self, fixture: &Fixture) -> PathBuf {
        let mut objects = Vec::new();
        for src in fixture.sources {
            let source = source_dir().join(src);
            let stem = Path::new(src).file_stem().unwrap().to_string_lossy().into_owned();
            let obj = self.path(&format!("obj/{}-{stem}.o", fixture.lib));
            let cxx = src.ends_with(".cpp");
            let mut cmd = Command::new(if cxx { "g++" } else { "gcc" });
            cmd.args(["-c", "-O1", "-fPIC", "-fopenmp", "-o"]).arg(&obj).arg(&source);
            run(&mut cmd);
            objects.push(obj);
        }
        let archive = self.path(&format!("lib/lib{}.a", fixture.lib));
        let _ = std::fs::remove_file(&archive);
        run(Command::new("ar").arg("rcs").arg(&archive).args(&objects));
        let pc = source_dir().join(format!(
            "{}/{}.pc",
            fixture.sources[0].split('/').next().unwrap(),
            fixture.lib
        ));
        if pc.exists() {
            std::fs::copy(&pc, self.path(&format!("lib/{}.pc", fixture.lib))).unwrap();
        }
        archive
    }

    /// Compiles the user's object: `f()` calling `entry`.
    pub fn entry(&self, entry: &str) -> PathBuf {
        let obj = self.path(&format!("obj/entry-{entry}.o"));
        run(Command::new("gcc")
            .args(["-c", "-fPIC", &format!("-DENTRY={entry}"), "-o"])
            .arg(&obj)
            .arg(source_dir().join("entry.c")));
        obj
    }

    /// Links `out` with `driver -shared -o out ARGS`, in the temp dir; the
    /// link itself must succeed (a shared link allows undefined symbols).
    pub fn link(&self, driver: &str, out: &str, args: &[&str]) -> PathBuf {
        let so = self.path(out);
        run(Command::new(driver).current_dir(self.dir.path()).args(["-shared", "-o"]).arg(&so).args(args));
        so
    }

    /// Loads `so` in the loader and calls `f()`: its value, or dlerror().
    pub fn load(&self, so: &Path) -> Result<i32, String> {
        let out = Command::new(self.loader()).arg(so).arg("f").output().expect("the loader runs");
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        text.trim().parse().map_err(|e| format!("the loader printed {text:?}: {e}"))
    }
}

//! The repository's `fixtures/`, and the objects, archives and programs the
//! tests build from them at test time (with the machine's gcc and ar, or
//! another compiler).

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::tools::sh;

/// The `fixtures/` directory.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `fixtures/REL`.
pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// A compilation of one C or C++ source: `fixtures::compile("archives/answer.c")
/// .flags(["-fPIC"]).archive(&dest)`.
pub struct Compile {
    compiler: OsString,
    src: PathBuf,
    flags: Vec<OsString>,
}

/// Compiles `fixtures/REL` with gcc (see [`Compile`]).
pub fn compile(rel: &str) -> Compile {
    Compile::source(path(rel))
}

impl Compile {
    /// Compiles any source file with gcc.
    pub fn source(src: impl Into<PathBuf>) -> Compile {
        Compile { compiler: "gcc".into(), src: src.into(), flags: Vec::new() }
    }

    /// Another compiler (`aarch64-linux-gnu-gcc`, `g++`).
    pub fn with(mut self, compiler: impl AsRef<OsStr>) -> Compile {
        self.compiler = compiler.as_ref().to_owned();
        self
    }

    /// Flags, after the source (so `-lNAME` works for a program).
    pub fn flags<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, flags: I) -> Compile {
        self.flags.extend(flags.into_iter().map(|f| f.as_ref().to_owned()));
        self
    }

    fn run(&self, extra: &[&str], dest: &Path) -> PathBuf {
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        sh(Command::new(&self.compiler).args(extra).arg("-o").arg(dest).arg(&self.src).args(&self.flags));
        dest.to_path_buf()
    }

    /// `CC -c -o DEST SRC FLAGS`: an object.
    pub fn object(&self, dest: &Path) -> PathBuf {
        self.run(&["-c"], dest)
    }

    /// `CC -o DEST SRC FLAGS`: a program, or a shared object with `-shared`.
    pub fn link(&self, dest: &Path) -> PathBuf {
        self.run(&[], dest)
    }

    /// An archive `DEST` (replaced if it exists) holding the one object,
    /// made with `ar rcs`.
    pub fn archive(&self, dest: &Path) -> PathBuf {
        self.archive_with("rcs", dest)
    }

    /// The same with other `ar` flags (`rcsT`: thin; `rcS`: no symbol
    /// table). The object stays in a hidden directory beside `DEST`,
    /// `.NAME.obj/`, because a thin archive names its member by path.
    pub fn archive_with(&self, arflags: &str, dest: &Path) -> PathBuf {
        let stem = self.src.file_stem().unwrap().to_string_lossy().into_owned();
        let objdir = dest.with_file_name(format!(".{}.obj", dest.file_name().unwrap().to_string_lossy()));
        let obj = self.object(&objdir.join(format!("{stem}.o")));
        let _ = fs::remove_file(dest);
        sh(Command::new("ar").arg(arflags).arg(dest).arg(&obj));
        dest.to_path_buf()
    }
}

/// A real, position-independent archive with one member that defines
/// `tiny_answer`, built once per test binary, copied to `dest`.
pub fn tiny_archive(dest: &Path) {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    super::files::built_once(
        &BUILT,
        "libtiny.a",
        |dir| {
            let src = dir.join("tiny.c");
            fs::write(&src, "int tiny_answer(void) { return 42; }\n").unwrap();
            Compile::source(src).flags(["-fPIC"]).archive(&dir.join("libtiny.a"));
        },
        dest,
    );
}

/// A position-independent object that calls `tiny_answer` (from
/// [`tiny_archive`]), built once per test binary, copied to `dest`: the same
/// bytes in every directory.
pub fn tiny_user(dest: &Path) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    super::files::built_once(
        &BUILT,
        "use.o",
        |dir| {
            let src = dir.join("use.c");
            fs::write(&src, "int tiny_answer(void);\nint use_tiny(void) { return tiny_answer(); }\n")
                .unwrap();
            Compile::source(src).flags(["-fPIC"]).object(&dir.join("use.o"));
        },
        dest,
    );
    dest.to_path_buf()
}

/// The llama-shaped stack of `fixtures/llama` (its README), built under
/// `root`: `static/lib{ggml-base,ggml-cpu,llama}.a`,
/// `cuda/lib/libfakecudart.so`, `obj/adapter.o`, and `loader`, which
/// dlopens the library named by its argument.
pub fn llama_stack(root: &Path) {
    for (name, src) in [("ggml-base", "ggml_base.c"), ("ggml-cpu", "ggml_cpu.c"), ("llama", "llama.c")] {
        compile(&format!("llama/{src}"))
            .flags(["-fPIC", "-O2"])
            .archive(&root.join(format!("static/lib{name}.a")));
    }
    compile("llama/fakecudart.c").flags(["-shared", "-fPIC"]).link(&root.join("cuda/lib/libfakecudart.so"));
    compile("llama/adapter.c").flags(["-fPIC"]).object(&root.join("obj/adapter.o"));
    compile("llama/loader.c").flags(["-ldl"]).link(&root.join("loader"));
}

/// The program `gcc -o PROG SOURCE FLAGS...`, compiled once per test binary
/// for each distinct source and flags (a loader, most often: a dozen tests
/// built the same one each), copied to `dest`.
pub fn program(dest: &Path, source: &str, flags: &[&str]) {
    static BUILT: std::sync::Mutex<Vec<(String, Vec<String>, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    let built = {
        let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
        let known = built.iter().find(|(s, f, _)| s == source && *f == flags).map(|(.., p)| p.clone());
        match known {
            Some(path) => path,
            None => {
                let dir = super::files::scratch("solink-program");
                fs::write(dir.join("program.c"), source).unwrap();
                sh(Command::new("gcc").current_dir(&dir).args(["-o", "program", "program.c"]).args(&flags));
                built.push((source.to_string(), flags, dir.join("program")));
                dir.join("program")
            }
        }
    };
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    super::files::place_executable(&built, dest);
}

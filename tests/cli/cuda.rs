//! Issue 20 §8–§9: nvcc as the driver, with the CUDA toolkit NVIDIA ships
//! on PyPI (seed 000's toolchain, on a machine without a GPU): nvcc 13
//! (`nvidia-cuda-nvcc`, with `nvidia-cuda-cccl` for its headers), the
//! CUDA 12 runtime and cuBLAS (`nvidia-cuda-runtime-cu12`,
//! `nvidia-cublas-cu12`). `.ci/run` installs them into a venv and names it
//! in `SOLINK_TEST_CUDA_VENV`; without it these tests skip, never with
//! `CI` set.
//!
//! A kernel and a `cublasCreate` caller go into a position-independent
//! archive built by nvcc; solink links it into a `.so` with nvcc as the
//! driver; a separate process dlopens the result with RTLD_NOW and calls
//! it. Without a GPU the adapter returns `cudaGetDeviceCount`'s error code
//! (negated), which proves the runtime and cuBLAS were found and ran.
//!
//! Seed 000's own build (issue 31 §5) is here too, for the same toolkit: a
//! Rust program and cdylib (`fixtures/clients/cargo/native`) over that
//! archive and `fixtures/verified/`'s C++ and OpenMP archives, linked by
//! rustc through `linker = "solink"`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::elf::Elf;
use crate::support::cargo::{self as native, Native, Via};
use crate::support::tools::skip_unless;
use crate::util::{require_tool, sh, Dir, SOLINK};
use crate::verified::{Verified, CXX, OPENMP};

const KERNEL: &str = r#"
#include <cuda_runtime.h>
#include <cublas_v2.h>
__global__ void add_one(int *x) { x[threadIdx.x] += 1; }
extern "C" int adapter_run(void) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) return -(int)e;
    cublasHandle_t h;
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) return -1000;
    cublasDestroy(h);
    int *d;
    int host[4] = {1, 2, 3, 4};
    cudaMalloc(&d, sizeof host);
    cudaMemcpy(d, host, sizeof host, cudaMemcpyHostToDevice);
    add_one<<<1, 4>>>(d);
    cudaMemcpy(host, d, sizeof host, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return host[0] + host[1] + host[2] + host[3];
}
"#;

const LOADER: &str = r#"
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
    int (*f)(void) = (int (*)(void))dlsym(h, "calc_cuda");
    printf("%d\n", f());
    return 0;
}
"#;

/// The wheels' directories under the venv's `site-packages/nvidia`.
struct Cuda {
    nvidia: PathBuf,
}

impl Cuda {
    /// The toolkit `SOLINK_TEST_CUDA_VENV` names, or `None` after saying
    /// the test is skipped (a failure with `CI` set).
    #[track_caller]
    fn find() -> Option<Cuda> {
        let nvidia = std::env::var_os("SOLINK_TEST_CUDA_VENV").and_then(|venv| {
            let lib = Path::new(&venv).join("lib");
            std::fs::read_dir(lib).ok()?.flatten().find_map(|e| {
                let n = e.path().join("site-packages/nvidia");
                n.join("cu13/bin/nvcc").is_file().then_some(n)
            })
        });
        let found = nvidia.as_ref().is_some_and(|n| {
            n.join("cuda_runtime/lib/libcudart.so.12").is_file()
                && n.join("cublas/lib/libcublas.so.12").is_file()
        });
        if !skip_unless(
            found,
            "nvcc and the CUDA wheels are not installed (SOLINK_TEST_CUDA_VENV, see .ci/run)",
        ) {
            return None;
        }
        Some(Cuda { nvidia: nvidia.unwrap().canonicalize().unwrap() })
    }

    fn nvcc_dir(&self) -> PathBuf {
        self.nvidia.join("cu13/bin")
    }

    fn runtime(&self) -> PathBuf {
        self.nvidia.join("cuda_runtime/lib")
    }

    fn cublas(&self) -> PathBuf {
        self.nvidia.join("cublas/lib")
    }

    /// `DIR/k.o` from `DIR/k.cu`, position-independent, with the wheels'
    /// headers.
    fn compile_kernel(&self, dir: &Path) {
        let include = |wheel: &str| format!("-I{}", self.nvidia.join(wheel).join("include").display());
        sh(Command::new(self.nvcc_dir().join("nvcc")).current_dir(dir).args([
            "-Xcompiler",
            "-fPIC",
            &include("cublas"),
            &include("cuda_runtime"),
            "-c",
            "k.cu",
        ]));
    }

    /// PATH with nvcc first, as a user who installed the wheel has it.
    fn path(&self) -> std::ffi::OsString {
        let mut path = self.nvcc_dir().into_os_string();
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        path
    }

    /// A directory with `libadapter.a` (the kernel and cuBLAS caller,
    /// built by `nvcc -Xcompiler -fPIC`, and `extra.o`, which nothing
    /// uses), `wrap.o` (`calc_cuda`, which calls the adapter) and `loader`.
    fn project(&self) -> Dir {
        let dir = Dir::new();
        dir.write("k.cu", KERNEL);
        dir.write("wrap.c", "int adapter_run(void);\nint calc_cuda(void) { return adapter_run(); }\n");
        dir.write("extra.c", "int adapter_extra(void) { return 7; }\n");
        self.compile_kernel(dir.root());
        let gcc = |args: &[&str]| sh(Command::new("gcc").current_dir(dir.root()).args(args));
        gcc(&["-fPIC", "-c", "wrap.c", "extra.c"]);
        crate::support::fixtures::program(&dir.path("loader"), LOADER, &["-ldl"]);
        sh(Command::new("ar").current_dir(dir.root()).args(["rcs", "libadapter.a", "k.o", "extra.o"]));
        dir.mkdir("out/lib");
        dir
    }

    /// `solink FLAGS nvcc -shared -o out/lib/libcalc.so wrap.o -L. -ladapter
    /// LIBS` in `dir`; asserts success and returns stderr.
    fn link(&self, dir: &Dir, flags: &[&str], libs: &[&str]) -> String {
        let out = dir
            .solink()
            .env("PATH", self.path())
            .args(flags)
            .args(["nvcc", "-shared", "-o", "out/lib/libcalc.so", "wrap.o", "-L.", "-ladapter"])
            .args(libs)
            .output();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "solink nvcc failed: {stderr}");
        stderr
    }

    /// The `-L`/`-l` words for the wheels' runtime and cuBLAS by their
    /// versioned names, which is all the wheels ship.
    fn wheel_libs(&self) -> Vec<String> {
        vec![
            format!("-L{}", self.runtime().display()),
            format!("-L{}", self.cublas().display()),
            "-l:libcudart.so.12".into(),
            "-l:libcublas.so.12".into(),
        ]
    }
}

/// Runs the loader on `so` in a separate process with no LD_LIBRARY_PATH:
/// what `calc_cuda` returned.
fn call(dir: &Dir, so: &Path) -> i32 {
    let out = Command::new(dir.path("loader")).arg(so).env_remove("LD_LIBRARY_PATH").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the loader failed ({:?}): {stdout}", out.status);
    stdout.trim().parse().unwrap_or_else(|_| panic!("not a number: {stdout}"))
}

/// With a GPU the kernel adds one to each of 1, 2, 3, 4: 14. Without one,
/// `cudaGetDeviceCount` fails with cudaErrorInsufficientDriver (35, no
/// driver) or cudaErrorNoDevice (100), and the adapter returns it negated;
/// -1000 would mean cuBLAS failed, anything else a broken runtime.
fn assert_ran(result: i32) {
    if Path::new("/dev/nvidiactl").exists() {
        assert_eq!(result, 14, "the kernel's result on a GPU");
    } else {
        assert!(result == -35 || result == -100, "cudaGetDeviceCount's error without a GPU, got {result}");
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn nvcc_links_an_embedded_cuda_archive_that_loads_and_runs() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    let libs = cuda.wheel_libs();
    let stderr = cuda.link(&dir, &["--explain", "--rpath-dynamic"], &strs(&libs));
    assert!(stderr.contains("solink: -ladapter: embed ./libadapter.a"), "{stderr}");
    // The closure check ran on nvcc's host link: no "not verified".
    assert!(stderr.contains("solink: nvcc: the host link is g++'s; nvcc adds"), "{stderr}");
    assert!(stderr.contains("solink: -lcudart_static: added by nvcc: links "), "{stderr}");
    assert!(!stderr.contains("not verified") && !stderr.contains("not known"), "{stderr}");
    // What solink added is spelled for nvcc, which rejects -Wl,.
    let command = stderr.lines().find(|l| l.starts_with("solink: command: ")).unwrap();
    assert!(command.contains("-Xlinker -rpath -Xlinker ") && !command.contains("-Wl,"), "{command}");

    let so = Elf::open(&dir.path("out/lib/libcalc.so"));
    let needed = so.needed();
    assert!(
        needed.contains(&"libcudart.so.12".into()) && needed.contains(&"libcublas.so.12".into()),
        "{needed:?}"
    );
    let runpath = so.runpath();
    assert_eq!(runpath, [format!("{}:{}", cuda.runtime().display(), cuda.cublas().display())]);
    assert!(runpath.iter().all(|d| !d.contains("stubs")), "{runpath:?}");
    assert!(so.defines("adapter_run"), "the archive's member is inside the .so");
    assert_ran(call(&dir, &dir.path("out/lib/libcalc.so")));
}

/// `=origin`: the rpath is relative to the output, so the tree can move.
/// The wheel's directories are linked into the tree (cuBLAS is 600 MB:
/// symlinks to its files rather than copies), then the tree is copied
/// elsewhere and the original removed.
#[test]
fn nvcc_link_in_origin_form_survives_moving_the_tree() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    for (wheel, file) in [(cuda.runtime(), "libcudart.so.12"), (cuda.cublas(), "libcublas.so.12")] {
        let name = wheel.parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
        dir.mkdir(&format!("out/{name}"));
        for entry in std::fs::read_dir(&wheel).unwrap().flatten() {
            std::os::unix::fs::symlink(
                entry.path(),
                dir.path(&format!("out/{name}/{}", entry.file_name().to_str().unwrap())),
            )
            .unwrap();
        }
        assert!(dir.path(&format!("out/{name}/{file}")).exists());
    }
    let libs = ["-Lout/cuda_runtime", "-Lout/cublas", "-l:libcudart.so.12", "-l:libcublas.so.12"];
    cuda.link(&dir, &["--rpath-dynamic=origin"], &libs);
    let so = Elf::open(&dir.path("out/lib/libcalc.so"));
    assert_eq!(so.runpath(), ["$ORIGIN/../cuda_runtime:$ORIGIN/../cublas"]);
    let moved = Dir::new();
    sh(Command::new("cp").arg("-a").arg(dir.path("out")).arg(moved.root()));
    std::fs::remove_dir_all(dir.path("out")).unwrap();
    assert_ran(call(&dir, &moved.path("out/lib/libcalc.so")));
}

/// Issue 20 §6 under nvcc: `links/libcudart.so` is a development symlink
/// to the wheel's `libcudart.so.12`, and the link says `-Llinks -lcudart`.
/// The rpath names the directory that holds the SONAME's file.
#[test]
fn nvcc_link_through_a_development_symlink_gets_the_sonames_directory() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    dir.mkdir("links");
    std::os::unix::fs::symlink(cuda.runtime().join("libcudart.so.12"), dir.path("links/libcudart.so"))
        .unwrap();
    let cublas = format!("-L{}", cuda.cublas().display());
    let stderr =
        cuda.link(&dir, &["--rpath-dynamic"], &["-Llinks", "-lcudart", &cublas, "-l:libcublas.so.12"]);
    assert!(!stderr.contains("warning"), "{stderr}");
    let so = Elf::open(&dir.path("out/lib/libcalc.so"));
    assert!(so.needed().contains(&"libcudart.so.12".into()), "{:?}", so.needed());
    let want = format!("{}:{}", cuda.runtime().display(), cuda.cublas().display());
    assert_eq!(so.runpath(), [want], "the SONAME's directory, not links/");
    assert_ran(call(&dir, &dir.path("out/lib/libcalc.so")));
}

/// `--whole-archive=adapter` under nvcc: spelled with -Xlinker, so nvcc
/// accepts it, and the unused member is in the output.
#[test]
fn nvcc_link_takes_an_archive_whole_by_name() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    let libs = cuda.wheel_libs();
    let stderr = cuda.link(&dir, &["--explain", "--whole-archive=adapter"], &strs(&libs));
    let command = stderr.lines().find(|l| l.starts_with("solink: command: ")).unwrap();
    assert!(
        command.contains("-Xlinker --whole-archive -Xlinker ./libadapter.a -Xlinker --no-whole-archive"),
        "{command}"
    );
    let so = Elf::open(&dir.path("out/lib/libcalc.so"));
    assert!(so.defines("adapter_extra"), "the member nothing uses is in, whole");
}

/// Issue 20 §8: nvcc links its static runtime by default. When the link
/// also takes a library that needs `libcudart.so.12`, the process would
/// carry two CUDA runtimes: a warning, and a refusal with `--strict`.
#[test]
fn nvcc_link_with_two_cuda_runtimes_is_warned_about() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    dir.write(
        "user.c",
        "int cudaGetDeviceCount(int *);\nint user_devices(void) { int n; return cudaGetDeviceCount(&n); }\n",
    );
    let rt = format!("-L{}", cuda.runtime().display());
    sh(Command::new("gcc").current_dir(dir.root()).args([
        "-shared",
        "-fPIC",
        "-o",
        "libuser.so",
        "user.c",
        &rt,
        "-l:libcudart.so.12",
    ]));
    assert!(Elf::open(&dir.path("libuser.so")).needed().contains(&"libcudart.so.12".into()));
    let cublas = format!("-L{}", cuda.cublas().display());
    let libs = [cublas.as_str(), "-l:libcublas.so.12", "-luser"];
    let stderr = cuda.link(&dir, &["--explain"], &libs);
    let warning = "solink: two CUDA runtimes in one process: ld links ";
    assert!(stderr.contains(warning), "{stderr}");
    assert!(
        stderr.contains("libcudart_static.a into the output") && stderr.contains("./libuser.so"),
        "{stderr}"
    );
    assert!(stderr.contains("give nvcc --cudart shared"), "{stderr}");
    assert!(stderr.lines().any(|l| l == "solink: 1 embedded, 2 dynamic, 1 warning"), "{stderr}");

    // With --cudart shared there is one runtime, and nothing to say. nvcc
    // then adds -lcudart, which the wheel ships only as libcudart.so.12:
    // a development symlink serves.
    // Without it ld fails, and solink says so first.
    let out = dir
        .solink()
        .env("PATH", cuda.path())
        .args(["nvcc", "-shared", "-o", "out/lib/libcalc.so", "wrap.o", "-L.", "-ladapter"])
        .args(libs)
        .args(["--cudart", "shared"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "ld's own failure: {stderr}");
    let said = "solink: warning: -lcudart: added by nvcc, and ld will not find it in its search dirs";
    let ld_said = "cannot find -lcudart";
    assert!(stderr.find(said).unwrap() < stderr.find(ld_said).unwrap(), "{stderr}");
    dir.mkdir("links");
    std::os::unix::fs::symlink(cuda.runtime().join("libcudart.so.12"), dir.path("links/libcudart.so"))
        .unwrap();
    let stderr = cuda.link(&dir, &["--explain"], &[&libs[..], &["--cudart", "shared", "-Llinks"]].concat());
    assert!(!stderr.contains(warning), "{stderr}");
    assert!(
        stderr.contains("solink: -lcudart: added by nvcc: links links/libcudart.so dynamically"),
        "{stderr}"
    );

    let out = dir
        .solink()
        .env("PATH", cuda.path())
        .args(["--strict", "nvcc", "-shared", "-o", "out/lib/strict.so", "wrap.o", "-L.", "-ladapter"])
        .args(libs)
        .output();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir.path("out/lib/strict.so").exists());
}

/// Every option `nvcc --help` lists with a value (`--opt <value>`, and its
/// short spelling) is read by solink as taking one: a value spelled like a
/// library (`-ccbin -lvalue7`) is never taken for an input of the link.
#[test]
fn nvcc_options_that_take_a_value_never_give_an_input() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    let help = sh(Command::new(cuda.nvcc_dir().join("nvcc")).arg("--help"));
    let mut args: Vec<String> = Vec::new();
    for line in help.lines() {
        let Some(rest) = line.strip_prefix("--") else { continue };
        let mut words = rest.split_whitespace();
        let long = format!("--{}", words.next().unwrap());
        if !words.next().is_some_and(|w| w.starts_with('<')) {
            continue;
        }
        let short = line.rsplit_once("(-").map(|(_, s)| format!("-{}", s.trim_end().trim_end_matches(')')));
        // Their values are ld's words, which can be inputs (`-Xlinker
        // -lfoo` is a library): read as ld reads them (tests/cli/ld_options.rs).
        if long == "--linker-options" {
            continue;
        }
        for spelling in std::iter::once(long).chain(short) {
            let value = format!("-lvalue{}", args.len());
            args.extend([spelling, value]);
        }
    }
    assert!(
        args.len() > 200,
        "nvcc --help lists more options than {}: is its format read right?",
        args.len() / 2
    );
    let out = dir
        .solink()
        .env("PATH", cuda.path())
        .args(["--explain", "--dry-run", "nvcc", "-shared", "-o", "x.so", "wrap.o"])
        .args(&args)
        .args(["-L.", "-ladapter"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let taken: Vec<&str> = stderr.lines().filter(|l| l.starts_with("solink: -lvalue")).collect();
    assert!(taken.is_empty(), "values read as libraries: {taken:#?}");
    let expected = format!("nvcc -shared -o x.so wrap.o {} -L. ./libadapter.a\n", args.join(" "));
    // nvcc refuses those values, so its dry run fails: the archive is
    // embedded unchecked, and solink says why, quoting nvcc.
    assert!(
        stderr.contains("not verified: nvcc's host link is not known (nvcc --dryrun failed: nvcc fatal"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "byte for byte");
}

/// Issue 34 §2: a warm nvcc link runs nvcc once, to link. The cold link
/// asks two dry runs (the command as given, whose host compiler's dirs
/// are the system dirs, and the rewritten one, whose host link the
/// closure check reads); the next link finds both in the cache, and once
/// the project has settled, direct mode replays the link. What each
/// links loads and runs.
#[test]
fn a_warm_nvcc_link_runs_nvcc_only_to_link() {
    let Some(cuda) = Cuda::find() else { return };
    if !require_tool("strace") {
        return;
    }
    let dir = cuda.project();
    let nvcc = cuda.nvcc_dir().join("nvcc");
    // How many times nvcc started in one link through solink.
    let nvccs = || {
        let log = dir.path("strace.log");
        let out = dir
            .command("strace")
            .env("PATH", cuda.path())
            .args(["-f", "-qq", "-e", "trace=execve", "-o"])
            .arg(&log)
            .arg(SOLINK)
            .args([
                "--rpath-dynamic",
                "nvcc",
                "-shared",
                "-o",
                "out/lib/libcalc.so",
                "wrap.o",
                "-L.",
                "-ladapter",
            ])
            .args(cuda.wheel_libs())
            .run();
        assert!(out.success(), "{}", out.stderr);
        let text = std::fs::read_to_string(&log).unwrap();
        let started = format!("execve(\"{}\"", nvcc.display());
        text.lines().filter(|l| l.contains(&started) && l.ends_with("= 0")).count()
    };
    assert_eq!(nvccs(), 3, "cold: two dry runs and the link");
    assert_eq!(nvccs(), 1, "warm: the link alone");
    assert_ran(call(&dir, &dir.path("out/lib/libcalc.so")));
    std::thread::sleep(std::time::Duration::from_millis(150));
    assert_eq!(nvccs(), 1, "settled: stores the whole answer");
    assert_eq!(nvccs(), 1, "and replays it");
    assert_ran(call(&dir, &dir.path("out/lib/libcalc.so")));
}

/// Without a cache the note object is a temporary file, so solink cannot
/// exec; it spawns nvcc with the words themselves (nvcc reads no
/// `@FILE`), waits, and removes the file.
#[test]
fn nvcc_link_without_a_cache_gets_its_note_and_leaves_no_file() {
    let Some(cuda) = Cuda::find() else { return };
    let dir = cuda.project();
    let tmp = dir.mkdir("tmp");
    let out = dir
        .solink()
        .env("PATH", cuda.path())
        .env("TMPDIR", &tmp)
        .args(["--no-cache", "nvcc", "-shared", "-o", "out/lib/libcalc.so", "wrap.o", "-L.", "-ladapter"])
        .args(cuda.wheel_libs())
        .output();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sections = sh(Command::new("readelf").arg("-S").arg(dir.path("out/lib/libcalc.so")));
    assert!(sections.contains(".note.solink"), "{sections}");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Issue 31 §5: seed 000 end to end, as its user builds it. A Rust program
/// and a Rust cdylib whose `build.rs` says, in the seed's words:
///
/// ```text
/// cargo:rustc-link-lib=static=cxxfix      (llama.cpp's C++: std::string, a throw)
/// cargo:rustc-link-lib=static=ompfix      (ggml-cpu's OpenMP)
/// cargo:rustc-link-lib=static=adapter     (ggml-cuda: a kernel and cuBLAS, by nvcc)
/// cargo:rustc-link-lib=dylib:+verbatim=libcudart.so.12
/// cargo:rustc-link-lib=dylib:+verbatim=libcublas.so.12
/// cargo:rustc-link-arg=-Wl,-rpath,<the wheels' lib directories>
/// ```
///
/// with `linker = "solink"` in `.cargo/config.toml`. (`+verbatim`: the
/// wheels ship only the versioned names, as `wheel_libs` says.) Plain, the
/// program does not link and the cdylib does not load: nothing provides
/// libstdc++'s and libgomp's symbols. Through solink both work: the
/// program runs, the cdylib loads with `RTLD_NOW` in a separate process,
/// each calls all three archives, CUDA's libraries stay dynamic with the
/// rpath, and the note records the three archives.
#[test]
fn seed_000_rust_program_and_cdylib_over_cxx_openmp_and_cuda_archives_load_and_run() {
    let Some(cuda) = Cuda::find() else { return };
    let v = Verified::new();
    v.archive(&CXX);
    v.archive(&OPENMP);
    let lib = v.lib_dir();
    std::fs::write(lib.join("k.cu"), KERNEL).unwrap();
    cuda.compile_kernel(&lib);
    sh(Command::new("ar").current_dir(&lib).args(["rcs", "libadapter.a", "k.o"]));

    let (runtime, cublas) = (cuda.runtime(), cuda.cublas());
    let mut link: Vec<String> =
        ["static=cxxfix", "static=ompfix", "static=adapter"].map(String::from).to_vec();
    link.push("dylib:+verbatim=libcudart.so.12".into());
    link.push("dylib:+verbatim=libcublas.so.12".into());
    link.push(format!("-Wl,-rpath,{}", runtime.display()));
    link.push(format!("-Wl,-rpath,{}", cublas.display()));
    let native = Native::new(&link, &[CXX.entry, OPENMP.entry, "adapter_run"], &[&lib, &runtime, &cublas]);

    let dir = Dir::new();
    native::copy_fixture(&dir.path("plain"));
    let plain = native::build(&dir.path("plain"), Via::Plain, &native);
    assert!(!plain.success(), "the plain program links: the case proves nothing");
    let err = native::load_cdylib(&dir.path("plain"), &v.loader(), &native.entries).unwrap_err();
    assert!(err.contains("undefined symbol: "), "the plain cdylib: {err}");

    native::copy_fixture(&dir.path("solink"));
    let project = dir.path("solink");
    let ran = native::build(&project, Via::Config, &native);
    assert!(ran.success(), "through solink:\n{}", native::errors(&ran.stderr, 8));
    let program = native::run_program(&project).unwrap();
    let cdylib = native::load_cdylib(&project, &v.loader(), &native.entries).unwrap();
    for (what, out) in [("the program", &program), ("the cdylib", &cdylib)] {
        let values: Vec<(&str, i32)> = out
            .lines()
            .map(|l| l.split_once(' ').unwrap())
            .map(|(name, value)| (name, value.parse().unwrap()))
            .collect();
        assert_eq!(values[..2], [(CXX.entry, CXX.value), (OPENMP.entry, OPENMP.value)], "{what}: {out}");
        assert_eq!(values[2].0, "adapter_run", "{what}: {out}");
        assert_ran(values[2].1);
    }
    for output in [native::program(&project), native::cdylib(&project)] {
        let elf = Elf::open(&output);
        let needed = elf.needed();
        assert!(
            needed.contains(&"libcudart.so.12".into()) && needed.contains(&"libcublas.so.12".into()),
            "{}: {needed:?}",
            output.display()
        );
        let runpath = elf.runpath().join(":");
        for want in [&runtime, &cublas] {
            assert!(runpath.split(':').any(|d| Path::new(d) == want), "{}: {runpath}", output.display());
        }
        let entries = solink::testing::provenance::read_notes(&output).unwrap();
        let mut libraries: Vec<String> = entries.into_iter().map(|e| e.library).collect();
        libraries.sort();
        assert_eq!(libraries, ["adapter", "cxxfix", "ompfix"], "{}'s .note.solink", output.display());
    }
}

//! `--rpath-dynamic` for the seed's CUDA deployment: an rpath only where ld
//! itself found a library that stays dynamic, `-l:FILE` names covered,
//! never a `stubs` directory, never a LIBSDIR, and an `$ORIGIN` form that
//! survives moving the whole tree.

use std::process::Command;

use crate::elf::Elf;
use crate::util::{assert_text, sh, Dir};

const LOADER: &str = r#"
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    int (*f)(void) = (int (*)(void))dlsym(h, "adapter_devices");
    printf("%d\n", f());
    return 0;
}
"#;

/// A tree shaped like a CUDA install next to a project:
/// - `cuda/lib64/libcudart.so.12`: the runtime, only as a versioned file
///   (as NVIDIA's wheel ships it), so the link needs `-l:libcudart.so.12`;
/// - `cuda/lib64/stubs/libcuda.so`: the driver's link-time stub (soname
///   `libcuda.so.1`), which must never be found at run time;
/// - `driver/libcuda.so.1`: the real driver, found at run time through
///   `LD_LIBRARY_PATH` as the system's would be;
/// - `libsdir/libcudart.so.12`: a decoy in solink's LIBSDIR, which ld never
///   searches, so it must never become an rpath;
/// - `adapter.o`, which calls both, and `loader`.
fn cuda_tree() -> Dir {
    let dir = Dir::new();
    let cc = |args: &[&str]| sh(Command::new("gcc").current_dir(dir.root()).args(args));
    dir.write("cudart.c", "int cudaGetDeviceCount(void) { return 3; }\n");
    dir.write("stub.c", "int cuDeviceGet(void) { return -1; }\n");
    dir.write("driver.c", "int cuDeviceGet(void) { return 4; }\n");
    dir.write(
        "adapter.c",
        "int cudaGetDeviceCount(void);\nint cuDeviceGet(void);\n\
         int adapter_devices(void) { return cudaGetDeviceCount() * 10 + cuDeviceGet(); }\n",
    );
    dir.mkdir("cuda/lib64/stubs");
    dir.mkdir("driver");
    dir.mkdir("libsdir");
    dir.mkdir("out/lib");
    let shared = |src: &str, soname: &str, out: &str| {
        cc(&["-shared", "-fPIC", &format!("-Wl,-soname,{soname}"), "-o", out, src]);
    };
    shared("cudart.c", "libcudart.so.12", "cuda/lib64/libcudart.so.12");
    shared("cudart.c", "libcudart.so.12", "libsdir/libcudart.so.12");
    shared("stub.c", "libcuda.so.1", "cuda/lib64/stubs/libcuda.so");
    shared("driver.c", "libcuda.so.1", "driver/libcuda.so.1");
    cc(&["-fPIC", "-c", "adapter.c", "-o", "adapter.o"]);
    crate::support::fixtures::program(&dir.path("loader"), LOADER, &["-ldl"]);
    dir
}

/// Links `out/lib/libadapter.so` through solink with `rpath` as the
/// `--rpath-dynamic` option.
fn link(dir: &Dir, rpath: &str) -> Elf {
    dir.solink()
        .args([rpath, "--libsdir", "libsdir", "--cc", "gcc", "--"])
        .args(["-shared", "-o", "out/lib/libadapter.so", "adapter.o"])
        .args(["-Lcuda/lib64", "-Lcuda/lib64/stubs", "-l:libcudart.so.12", "-lcuda"])
        .ok();
    Elf::open(&dir.path("out/lib/libadapter.so"))
}

/// Runs the loader on `so` with only the real driver's directory on
/// `LD_LIBRARY_PATH`: the runtime must come from the rpath.
fn devices(dir: &Dir, so: &std::path::Path) -> String {
    sh(Command::new(dir.path("loader")).arg(so).env("LD_LIBRARY_PATH", dir.path("driver")))
}

#[test]
fn rpath_only_where_ld_found_the_library_never_stubs_or_libsdir() {
    let dir = cuda_tree();
    let so = link(&dir, "--rpath-dynamic");
    let lib64 = dir.path("cuda/lib64").canonicalize().unwrap().display().to_string();
    assert_eq!(so.runpath(), [lib64], "only the runtime's -L dir: not stubs/, not LIBSDIR");
    assert!(so.needed().contains(&"libcudart.so.12".to_string()), "{:?}", so.needed());
    assert!(so.needed().contains(&"libcuda.so.1".to_string()), "{:?}", so.needed());
    // 3 devices from the runtime, and the real driver's 4, not the stub's -1.
    assert_eq!(devices(&dir, &dir.path("out/lib/libadapter.so")), "34\n");
}

#[test]
fn origin_form_survives_moving_the_tree() {
    let dir = cuda_tree();
    let so = link(&dir, "--rpath-dynamic=origin");
    assert_eq!(so.runpath(), ["$ORIGIN/../../cuda/lib64"]);
    // The whole deployment moved elsewhere still finds its runtime.
    let moved = Dir::new();
    sh(Command::new("cp").arg("-a").arg(dir.path("out")).arg(dir.path("cuda")).arg(moved.root()));
    std::fs::remove_dir_all(dir.path("cuda")).unwrap();
    assert_eq!(devices(&dir, &moved.path("out/lib/libadapter.so")), "34\n");
}

/// Issue 20 §6: `links/` holds only a development symlink, `libcudart.so ->
/// ../cuda/lib64/libcudart.so.12` (the usual fix for "cannot find
/// -lcudart"), and the link says `-Llinks -lcudart`. ld records the SONAME,
/// `libcudart.so.12`, which `links/` does not hold: the rpath must name the
/// directory that does (before: `links/`, and `dlopen` failed).
fn link_through_symlink(dir: &Dir, rpath: &str) -> (Elf, String) {
    dir.mkdir("links");
    std::os::unix::fs::symlink("../cuda/lib64/libcudart.so.12", dir.path("links/libcudart.so")).unwrap();
    let out = dir
        .solink()
        .args([rpath, "--cc", "gcc", "--"])
        .args(["-shared", "-o", "out/lib/libadapter.so", "adapter.o"])
        .args(["-Llinks", "-Lcuda/lib64/stubs", "-lcudart", "-lcuda"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (Elf::open(&dir.path("out/lib/libadapter.so")), stderr)
}

#[test]
fn rpath_follows_the_soname_through_a_development_symlink() {
    let dir = cuda_tree();
    let (so, stderr) = link_through_symlink(&dir, "--rpath-dynamic");
    let lib64 = dir.path("cuda/lib64").canonicalize().unwrap().display().to_string();
    assert_eq!(so.runpath(), [lib64], "the SONAME's directory, not links/");
    assert!(so.needed().contains(&"libcudart.so.12".to_string()), "{:?}", so.needed());
    assert!(stderr.is_empty(), "nothing to warn about: {stderr}");
    assert_eq!(devices(&dir, &dir.path("out/lib/libadapter.so")), "34\n");
}

#[test]
fn rpath_through_a_development_symlink_in_origin_form_survives_moving_the_tree() {
    let dir = cuda_tree();
    let (so, _) = link_through_symlink(&dir, "--rpath-dynamic=origin");
    assert_eq!(so.runpath(), ["$ORIGIN/../../cuda/lib64"]);
    let moved = Dir::new();
    sh(Command::new("cp").arg("-a").arg(dir.path("out")).arg(dir.path("cuda")).arg(moved.root()));
    std::fs::remove_dir_all(dir.path("cuda")).unwrap();
    assert_eq!(devices(&dir, &moved.path("out/lib/libadapter.so")), "34\n");
}

/// A copy, not a symlink, of the runtime under its development name: no
/// directory holds `libcudart.so.12`, so no rpath can serve; solink warns
/// instead of writing one the loader cannot use.
#[test]
fn rpath_that_no_directory_can_serve_is_warned_about() {
    let dir = cuda_tree();
    dir.mkdir("copy");
    std::fs::copy(dir.path("cuda/lib64/libcudart.so.12"), dir.path("copy/libcudart.so")).unwrap();
    let out = dir
        .solink()
        .args(["--rpath-dynamic", "--cc", "gcc", "--"])
        .args(["-shared", "-o", "out/lib/libadapter.so", "adapter.o", "-Lcopy", "-lcudart"])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_text(
        stderr,
        "solink: warning: --rpath-dynamic: -lcudart links copy/libcudart.so, whose SONAME is libcudart.so.12, \
         and no file of that name is beside it or its target, so no rpath lets the loader find it; \
         add the directory that holds libcudart.so.12 to the -L dirs\n",
    );
    assert!(Elf::open(&dir.path("out/lib/libadapter.so")).runpath().is_empty(), "no rpath that cannot serve");
}

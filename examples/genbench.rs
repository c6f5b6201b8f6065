//! Generates the inputs of solink's benchmarks (benches/pipeline.rs and
//! scripts/bench.sh):
//!
//!     cargo run --release --example genbench -- scale DIR LIBS DIRS ARCHIVES
//!     cargo run --release --example genbench -- big DIR MEGABYTES
//!
//! `scale` makes DIRS directories holding ARCHIVES PIC archives in all and
//! writes DIR/args.rsp: a shared link naming LIBS libraries, about half of
//! which exist. `big` makes DIR/libbig.a, an archive of PIC objects of at
//! least MEGABYTES MB.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(status.success(), "{cmd:?} failed");
}

/// A one-member PIC archive at DIR/libtiny.a.
pub fn tiny_archive(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("tiny.c"), "int tiny_answer(void) { return 42; }\n").unwrap();
    run(Command::new("gcc").current_dir(dir).args(["-fPIC", "-c", "tiny.c", "-o", "tiny.o"]));
    run(Command::new("ar").current_dir(dir).args(["rcs", "libtiny.a", "tiny.o"]));
    dir.join("libtiny.a")
}

/// The scale tree; returns the link's arguments (also in DIR/args.rsp).
pub fn scale(root: &Path, libs: usize, dirs: usize, archives: usize) -> Vec<String> {
    let tiny = tiny_archive(&root.join("src"));
    for d in 0..dirs {
        std::fs::create_dir_all(root.join(format!("d{d}"))).unwrap();
    }
    // Archive i lives in directory i % dirs; names 0..archives exist.
    for i in 0..archives {
        let path = root.join(format!("d{}/liba{i}.a", i % dirs));
        if !path.exists() {
            std::fs::hard_link(&tiny, path).unwrap();
        }
    }
    let mut args: Vec<String> = vec!["-shared".into(), "-o".into(), "libout.so".into()];
    args.extend((0..dirs).map(|d| format!("-L{}", root.join(format!("d{d}")).display())));
    // Every other name exists: about half of them are missing.
    args.extend((0..libs).map(|i| {
        if i % 2 == 0 {
            format!("-la{}", i % archives.max(1))
        } else {
            format!("-lmissing{i}")
        }
    }));
    std::fs::write(root.join("args.rsp"), args.join("\n")).unwrap();
    args
}

/// DIR/libbig.a: copies of one PIC object with many functions, at least
/// `megabytes` MB in all.
pub fn big(root: &Path, megabytes: usize) -> PathBuf {
    std::fs::create_dir_all(root).unwrap();
    let mut src = String::new();
    for i in 0..4000 {
        let _ = writeln!(src, "extern int g{i};");
    }
    for i in 0..4000 {
        let _ = writeln!(
            src,
            "int g{i} = {i};\nint f{i}(int x) {{ return x * g{i} + g{} - {i}; }}",
            (i + 1) % 4000
        );
    }
    std::fs::write(root.join("big.c"), src).unwrap();
    run(Command::new("gcc").current_dir(root).args(["-fPIC", "-O1", "-c", "big.c", "-o", "big.o"]));
    let size = std::fs::metadata(root.join("big.o")).unwrap().len() as usize;
    let copies = (megabytes << 20).div_ceil(size);
    let mut names = Vec::new();
    for i in 0..copies {
        let name = format!("m{i}.o");
        let _ = std::fs::hard_link(root.join("big.o"), root.join(&name));
        names.push(name);
    }
    let _ = std::fs::remove_file(root.join("libbig.a"));
    run(Command::new("ar").current_dir(root).arg("rcS").arg("libbig.a").args(&names));
    for n in names {
        let _ = std::fs::remove_file(root.join(n));
    }
    root.join("libbig.a")
}

#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = |i: usize| args[i].parse::<usize>().expect("a number");
    match args.first().map(String::as_str) {
        Some("scale") if args.len() == 5 => {
            scale(Path::new(&args[1]), n(2), n(3), n(4));
        }
        Some("big") if args.len() == 3 => {
            println!("{}", big(Path::new(&args[1]), n(2)).display());
        }
        _ => {
            eprintln!("usage: genbench scale DIR LIBS DIRS ARCHIVES | genbench big DIR MEGABYTES");
            std::process::exit(2);
        }
    }
}

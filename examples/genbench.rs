//! Generates the inputs of solink's benchmarks (benches/pipeline.rs and
//! scripts/bench.sh):
//!
//!     cargo run --release --example genbench -- scale DIR LIBS DIRS ARCHIVES
//!     cargo run --release --example genbench -- big DIR MEGABYTES
//!     cargo run --release --example genbench -- ggml DIR MEGABYTES
//!     cargo run --release --example genbench -- members DIR COUNT
//!
//! `scale` makes DIRS directories holding ARCHIVES PIC archives in all and
//! writes DIR/args.rsp: a shared link naming LIBS libraries, about half of
//! which exist. `big` makes DIR/libbig.a, an archive of PIC objects of at
//! least MEGABYTES MB. `members` makes DIR/lib/libmany.a, COUNT members
//! that call each other in a ring, and DIR/use.o, which calls the first.
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

/// DIR/lib/libmany.a: `count` PIC members, each defining `m_N` and calling
/// `m_N+1` (the last calls the first), so a link that uses `m_00000` takes
/// every member (issue 34's 5,000-member archive); and DIR/use.o, which
/// calls `m_00000`. One member is compiled by gcc and the others are its
/// bytes with the two names patched (they have the same length), so it
/// takes a second, not a gcc per member.
pub fn members(root: &Path, count: usize) -> PathBuf {
    assert!(count > 0 && count <= 100_000, "between 1 and 100,000 members");
    let obj = root.join("obj");
    std::fs::create_dir_all(&obj).unwrap();
    std::fs::create_dir_all(root.join("lib")).unwrap();
    std::fs::write(
        obj.join("m.c"),
        "int m_AAAAA(int);\nint m_BBBBB(int x) { return x ? m_AAAAA(x - 1) : 0; }\n",
    )
    .unwrap();
    run(Command::new("gcc").current_dir(&obj).args(["-fPIC", "-O1", "-c", "m.c", "-o", "m.o"]));
    std::fs::write(root.join("use.c"), "int m_00000(int);\nint use_many(int x) { return m_00000(x); }\n")
        .unwrap();
    run(Command::new("gcc").current_dir(root).args(["-fPIC", "-O1", "-c", "use.c", "-o", "use.o"]));
    let template = std::fs::read(obj.join("m.o")).unwrap();
    let at = |name: &[u8]| {
        let found: Vec<usize> =
            template.windows(name.len()).enumerate().filter(|(_, w)| *w == name).map(|(i, _)| i).collect();
        assert_eq!(found.len(), 1, "{} once in m.o", String::from_utf8_lossy(name));
        found[0]
    };
    let (calls, defines) = (at(b"m_AAAAA"), at(b"m_BBBBB"));
    let mut names = Vec::new();
    for i in 0..count {
        let mut bytes = template.clone();
        bytes[defines..defines + 7].copy_from_slice(format!("m_{i:05}").as_bytes());
        bytes[calls..calls + 7].copy_from_slice(format!("m_{:05}", (i + 1) % count).as_bytes());
        let name = format!("m{i:05}.o");
        std::fs::write(obj.join(&name), bytes).unwrap();
        names.push(name);
    }
    let archive = root.join("lib/libmany.a");
    let _ = std::fs::remove_file(&archive);
    run(Command::new("ar").current_dir(&obj).arg("rcs").arg(&archive).args(&names));
    std::fs::remove_dir_all(&obj).unwrap();
    archive
}

/// The four archives of `fixtures/verified/ggml`, in link order, with their
/// sources.
const GGML: [(&str, &[&str]); 4] = [
    ("llama", &["llama.cpp"]),
    ("ggml", &["ggml.c", "ggml_backend.c"]),
    ("ggml-cpu", &["ggml_cpu.cpp"]),
    ("ggml-base", &["ggml_base.c"]),
];

/// Functions per generated member: about 40 KB of PIC object at `-O1`,
/// a member the size of a mid-sized ggml source file's.
const FUNCTIONS: usize = 300;

/// One generated member `{p}{m}` of an archive: functions over globals
/// that call their neighbours (relocations against symbols of their own
/// member) and the next member's first function (against another member's),
/// as a library's own code does.
fn member_source(p: &str, m: usize, last: bool) -> String {
    let mut src = String::new();
    if !last {
        let _ = writeln!(src, "int {p}{}_f0(int x);", m + 1);
    }
    for i in 0..FUNCTIONS {
        let _ = writeln!(src, "int {p}{m}_g{i} = {i};");
    }
    for i in (0..FUNCTIONS).rev() {
        let next = if i + 1 < FUNCTIONS {
            format!("{p}{m}_f{}(x - 1)", i + 1)
        } else if last {
            "0".to_string()
        } else {
            format!("{p}{}_f0(x - 1)", m + 1)
        };
        let _ = writeln!(
            src,
            "int {p}{m}_f{i}(int x) {{ return x <= 0 ? {p}{m}_g{i} : x * {p}{m}_g{i} + {next} - {i}; }}"
        );
    }
    src
}

/// The ggml-shaped archives in DIR/lib, `megabytes` MB in all, and
/// DIR/entry.o; returns the archives' paths.
pub fn ggml(root: &Path, megabytes: usize) -> Vec<PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/verified");
    let (lib, obj) = (root.join("lib"), root.join("obj"));
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::create_dir_all(&obj).unwrap();
    // One member measured, then as many as the size asks, spread evenly.
    std::fs::write(obj.join("probe.c"), member_source("probe", 0, true)).unwrap();
    run(Command::new("gcc").current_dir(&obj).args(["-fPIC", "-O1", "-c", "probe.c", "-o", "probe.o"]));
    // A member's share of an archive: its object, and its globals' entries
    // in the archive's index (an offset and a name of about 20 bytes each).
    let size = std::fs::metadata(obj.join("probe.o")).unwrap().len() as usize + 2 * FUNCTIONS * 28;
    let per_archive = (megabytes << 20).div_ceil(size * GGML.len()).max(1);
    let mut entry = String::from(
        "int llama_entry(void);
",
    );
    let mut calls = String::from("int f(void) { return llama_entry()");
    let mut archives = Vec::new();
    for (name, sources) in GGML {
        let prefix = format!("{}_m", name.replace('-', "_"));
        let mut members = Vec::new();
        for src in sources {
            let o = format!("{name}-{src}.o");
            let cc = if src.ends_with(".cpp") { "g++" } else { "gcc" };
            run(Command::new(cc)
                .current_dir(&obj)
                .args(["-c", "-O1", "-fPIC", "-fopenmp", "-o", &o])
                .arg(fixtures.join("ggml").join(src)));
            members.push(o);
        }
        let mut sources = Vec::new();
        for m in 0..per_archive {
            let c = format!("{prefix}{m}.c");
            std::fs::write(obj.join(&c), member_source(&prefix, m, m + 1 == per_archive)).unwrap();
            sources.push(c);
            members.push(format!("{prefix}{m}.o"));
        }
        // One driver for the archive's generated members.
        run(Command::new("gcc").current_dir(&obj).args(["-fPIC", "-O1", "-c"]).args(&sources));
        let _ = writeln!(entry, "int {prefix}0_f0(int x);");
        let _ = write!(calls, " + {prefix}0_f0(3)");
        let archive = lib.join(format!("lib{name}.a"));
        let _ = std::fs::remove_file(&archive);
        run(Command::new("ar").current_dir(&obj).arg("rcs").arg(&archive).args(&members));
        archives.push(archive);
    }
    std::fs::write(root.join("entry.c"), format!("{entry}{calls};\n}}\n")).unwrap();
    run(Command::new("gcc").current_dir(root).args(["-fPIC", "-O1", "-c", "entry.c", "-o", "entry.o"]));
    archives
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
        Some("members") if args.len() == 3 => {
            println!("{}", members(Path::new(&args[1]), n(2)).display());
        }
        Some("ggml") if args.len() == 3 => {
            for a in ggml(Path::new(&args[1]), n(2)) {
                println!("{}", a.display());
            }
        }
        _ => {
            eprintln!(
                "usage: genbench scale DIR LIBS DIRS ARCHIVES | genbench big DIR MEGABYTES | genbench ggml DIR MEGABYTES | genbench members DIR COUNT"
            );
            std::process::exit(2);
        }
    }
}

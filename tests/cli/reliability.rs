//! Reliability under load and abuse: many links at once, cache writers
//! killed mid-write, and results that depend on nothing but the inputs.

use std::process::Command;
use std::time::Duration;

use crate::elf::Elf;
use crate::util::{sh, tiny_link_dir, Dir};

/// The link every test here makes: `use.o` against `lib/libtiny.a`.
const LINK: [&str; 7] = ["--cc", "gcc", "--libsdir", "lib", "-shared", "use.o", "-ltiny"];

#[test]
fn thirty_two_links_at_once_with_a_cold_cache() {
    let dir = tiny_link_dir();
    let children: Vec<_> =
        (0..32).map(|i| dir.solink().args(LINK).args(["-o", &format!("out{i}.so")]).spawn()).collect();
    for (i, mut child) in children.into_iter().enumerate() {
        assert!(child.wait().unwrap().success(), "link {i}");
        assert!(Elf::open(&dir.path(&format!("out{i}.so"))).defines("tiny_answer"), "link {i} embedded");
    }
}

#[test]
fn cache_writers_killed_mid_write_never_change_the_answer() {
    let dir = tiny_link_dir();
    // A larger archive makes the window between scan and write wider.
    let big = dir.mkdir("big");
    let members: Vec<String> = (0..400).map(|i| format!("m{i}.o")).collect();
    for m in &members {
        std::fs::copy(dir.path("use.o"), big.join(m)).unwrap();
    }
    // With an index: ld refuses an archive without one, and so does solink
    // (issue 20 §5).
    sh(Command::new("ar").current_dir(&big).arg("rcs").arg("libbig.a").args(&members));
    // calls.o calls use_tiny, so ld takes a member from libbig.a, and that
    // member's call takes one from libtiny.a: both are used, so embedded.
    let calls = dir.write("calls.c", "int use_tiny(void);\nint f(void) { return use_tiny(); }\n");
    crate::util::fixtures::Compile::source(calls).flags(["-fPIC"]).object(&dir.path("calls.o"));
    let args =
        ["--dry-run", "--cc", "gcc", "-shared", "-o", "x.so", "calls.o", "-Lbig", "-lbig", "-Llib", "-ltiny"];
    let truth = dir.solink().env("XDG_CACHE_HOME", dir.path("truth-cache")).args(args).ok();
    assert!(truth.contains("libbig.a") && truth.contains("libtiny.a"), "{truth}");
    for round in 0..60u64 {
        let _ = std::fs::remove_dir_all(dir.path("cache"));
        let mut child = dir.solink().args(args).spawn();
        std::thread::sleep(Duration::from_micros(round * 50));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Whatever the killed writer left, the next answer is the truth.
        assert_eq!(dir.solink().args(args).ok(), truth, "round {round}");
    }
    // Garbage in every entry is detected and ignored too.
    let entries = dir.path("cache/solink");
    for e in
        walkdir::WalkDir::new(&entries).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file())
    {
        std::fs::write(e.path(), "garbage").unwrap();
    }
    assert_eq!(dir.solink().args(args).ok(), truth);
}

#[test]
fn same_inputs_same_command_and_the_same_bytes_anywhere() {
    let a = tiny_link_dir();
    let b = tiny_link_dir();
    let link = |dir: &Dir, env_home: bool| {
        let mut cmd = dir.solink();
        if !env_home {
            cmd = cmd.env_remove("HOME").env_remove("XDG_CACHE_HOME");
        }
        cmd.args(LINK).args(["-o", "out.so"]).ok();
        std::fs::read(dir.path("out.so")).unwrap()
    };
    let first = link(&a, true);
    assert_eq!(link(&a, true), first, "run to run");
    assert_eq!(link(&b, true), first, "directory to directory");
    assert_eq!(link(&a, false), first, "no HOME, no cache");
    let dry = |dir: &Dir| dir.solink().arg("--dry-run").args(LINK).args(["-o", "out.so"]).ok();
    assert_eq!(dry(&a), dry(&a), "--dry-run is stable");
    assert_eq!(dry(&a), dry(&b), "and the same in another directory (relative paths)");
    assert!(!dry(&a).contains("/tmp"), "no temporary path in the command: {}", dry(&a));
}

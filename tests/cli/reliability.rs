//! Reliability under load and abuse: many links at once, cache writers
//! killed mid-write, and results that depend on nothing but the inputs.

use std::process::{Command, Stdio};
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

/// Issue 33 §3: `--clear-cache` in a loop beside 32 links at once (three
/// rounds, 96 links) takes nothing from under any of them. Nothing a
/// running link hands ld lies in the cache (the note object is beside the
/// output), so the outcome does not depend on how the clears and the
/// links interleave: every link succeeds and embeds.
#[test]
fn thirty_two_links_beside_a_clear_loop_all_succeed() {
    let dir = tiny_link_dir();
    // Warm: the links replay from the cache the loop keeps removing.
    dir.solink().args(LINK).args(["-o", "warm.so"]).ok();
    std::thread::sleep(Duration::from_millis(110));
    dir.solink().args(LINK).args(["-o", "warm.so"]).ok();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clearer = {
        let (stop, cmd) = (stop.clone(), dir.solink().arg("--clear-cache").cmd);
        std::thread::spawn(move || {
            let mut cmd = cmd;
            let mut clears = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let out = cmd.output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                clears += 1;
            }
            clears
        })
    };
    for round in 0..3 {
        let children: Vec<_> = (0..32)
            .map(|i| {
                dir.solink()
                    .args(LINK)
                    .args(["-o", &format!("out{round}-{i}.so")])
                    .cmd
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}, link {i}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let so = dir.path(&format!("out{round}-{i}.so"));
            assert!(Elf::open(&so).defines("tiny_answer"), "round {round}, link {i} embedded");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(clearer.join().unwrap() > 0, "the cache was cleared while the links ran");
}

/// Issue 33 §4: under `ulimit -f`, a write past the limit is an error
/// solink handles, never a SIGXFSZ that kills it (status 153) and leaves
/// its temporary files: a response file too big for the limit is refused
/// with one line and removed, and a log record cut short by the limit is
/// cut back, so the log holds whole records only.
#[test]
fn a_file_size_limit_is_an_error_never_a_signal_and_leaves_no_temporary_file() {
    let dir = tiny_link_dir();
    crate::util::write_big_link(&dir);
    let tmp = dir.mkdir("tmp");
    // 1 block of 512 bytes: the response file (3 MB) cannot be written.
    let ran = dir
        .command("bash")
        .env("SOLINK_NO_CACHE", "1")
        .env("TMPDIR", &tmp)
        .args(["-c", "ulimit -f 1; exec \"$0\" --cc gcc -shared -o big.so -LL @big.rsp", crate::util::SOLINK])
        .run();
    assert_eq!(ran.code(), Some(2), "{}", ran.stderr);
    assert!(
        ran.stderr.starts_with("solink: cannot write a response file for a long command: File too large"),
        "{}",
        ran.stderr
    );
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "nothing left in TMPDIR");
    // A log of 400 bytes: the next record crosses 512 and is cut short.
    let log = dir.write("log.jsonl", format!("{}\n", "x".repeat(399)));
    let ran = dir
        .command("bash")
        .env("SOLINK_LOGFILE", &log)
        .env("TMPDIR", &tmp)
        .args([
            "-c",
            "ulimit -f 1; exec \"$0\" --cc gcc --libsdir lib -shared -o small.so use.o -ltiny",
            crate::util::SOLINK,
        ])
        .run();
    // ld itself then dies of the limit writing the output, as it would
    // without solink: the driver's status, never solink's own signal.
    assert!(ran.code().is_some(), "{}", ran.stderr);
    assert!(ran.stderr.contains("the record was removed"), "{}", ran.stderr);
    assert_eq!(std::fs::read(&log).unwrap().len(), 400, "the torn record was cut back");
}

/// Issue 33 §4: a driver that prints without end when asked for its
/// directories is read to a cap, said once, and the link goes on.
#[test]
fn a_driver_that_prints_without_end_is_read_to_a_cap() {
    let dir = tiny_link_dir();
    let driver = dir.executable(
        "loud-cc",
        "#!/bin/sh\ncase \"$*\" in *-print-search-dirs*) yes libraries: =/usr/lib/x86_64-linux-gnu | head -c 40000000; exit 0;; esac\nexec gcc \"$@\"\n",
    );
    let ran = dir
        .solink()
        .arg("--cc")
        .arg(&driver)
        .args(["--dry-run", "-shared", "-o", "x.so", "use.o", "-lnosuchlib"])
        .run();
    assert!(ran.success(), "{}", ran.stderr);
    let first = format!(
        "solink: warning: {} -print-search-dirs printed more than 16 MiB, where solink stops reading; going on \
         without that answer (check the driver)\n",
        driver.display()
    );
    assert!(ran.stderr.starts_with(&first), "{}", ran.stderr);
    assert_eq!(ran.stderr.matches("printed more than").count(), 1, "said once: {}", ran.stderr);
}

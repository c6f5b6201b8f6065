//! A regression guard that does not time anything: with a warm cache, the
//! seed's example 1 costs one exec (the driver), no other process, no
//! directory listing, and a bounded number of file-system calls. Counted
//! with strace.

use crate::util::{assert_text, require_tool, tiny_archive, tiny_user, Dir, SOLINK};

const FILE_CALLS: &[&str] = &[
    "open",
    "openat",
    "stat",
    "lstat",
    "newfstatat",
    "statx",
    "access",
    "readlink",
    "readlinkat",
    "getdents64",
];

/// The seed's example 1 in a new directory: its archive under LIBSDIR
/// and an object that calls it.
fn calc_workspace() -> Dir {
    let dir = Dir::new();
    tiny_archive(&dir.path("ws/prod/calc/lib/libcalcbase.a"));
    tiny_user(&dir.path("calc.o"));
    dir
}

/// The syscalls solink makes before it becomes the driver (their names).
fn syscalls_before_exec(dir: &Dir) -> Vec<String> {
    syscalls_with(dir, &[])
}

/// [`syscalls_before_exec`] with `extra` arguments last.
fn syscalls_with(dir: &Dir, extra: &[&str]) -> Vec<String> {
    trace_with(dir, extra).iter().map(|line| line.split('(').next().unwrap_or("").to_string()).collect()
}

/// The syscalls solink makes before it becomes the driver, as strace
/// writes them.
fn trace_before_exec(dir: &Dir) -> Vec<String> {
    trace_with(dir, &[])
}

fn trace_with(dir: &Dir, extra: &[&str]) -> Vec<String> {
    let mut args =
        vec!["--cc", "gcc", "--libsdir", "ws/prod/calc/lib", "-shared", "-o", "libcalc.so", "calc.o"];
    args.extend(["-lcalcbase", "-lm"]);
    args.extend(extra);
    trace_args(dir, &args)
}

/// The syscalls `solink ARGS` makes before it becomes the driver, as
/// strace writes them.
fn trace_args(dir: &Dir, args: &[&str]) -> Vec<String> {
    let log = dir.path("strace.log");
    // The clean environment: nothing from cargo's (LD_LIBRARY_PATH points
    // the loader at its own dirs) and the cache in the test directory.
    dir.command("strace")
        .args(["-qq", "-e", "trace=%process,%file,%desc", "-o"])
        .arg(&log)
        .arg(SOLINK)
        .args(args)
        .ok();
    let text = std::fs::read_to_string(log).unwrap();
    let mut execs = 0;
    let mut calls = Vec::new();
    for line in text.lines() {
        if line.starts_with("execve(") {
            execs += 1;
            if execs == 2 {
                return calls;
            }
            continue;
        }
        calls.push(line.to_string());
    }
    panic!("solink never exec'd the driver:\n{text}");
}

#[test]
fn a_warm_link_is_one_exec_and_a_bounded_number_of_file_calls() {
    if !require_tool("strace") {
        return;
    }
    let dir = calc_workspace();
    // Issue 19: the archive's members leave nothing undefined, so even the
    // cold link asks the driver nothing (no -print-search-dirs).
    let cold = syscalls_before_exec(&dir);
    let spawned = |t: &[String]| t.iter().any(|c| c.starts_with("clone") || c.ends_with("fork"));
    assert!(!spawned(&cold), "the cold run starts no process: {cold:?}");
    // calc.o was just built: an answer that saw it is stored only once its
    // timestamps have settled (the store's "too new" rule, as direct mode's).
    // That run is another command line (an ld option the closure check
    // does not read), so the one measured is a warm link's pipeline, not a
    // direct-mode replay.
    std::thread::sleep(std::time::Duration::from_millis(110));
    let _settled = syscalls_with(&dir, &["-Wl,-O1"]);
    let warm = syscalls_before_exec(&dir);
    let processes: Vec<&String> = warm
        .iter()
        .filter(|c| c.starts_with("clone") || c.ends_with("fork") || c.starts_with("exec"))
        .collect();
    assert!(processes.is_empty(), "no process but the driver: {processes:?}");
    assert!(!warm.iter().any(|c| c == "getdents64"), "no directory is listed for a small link");
    let file_calls = warm.iter().filter(|c| FILE_CALLS.contains(&c.as_str())).count();
    // 60 until the closure check keyed objects by their symbols, which reads
    // calc.o's (an open, a stat and a map: cheaper than the check they
    // save after an edit); and a warm run whose inputs have settled stores
    // its direct-mode entry (an open, a write, a rename).
    assert!(file_calls <= 68, "{file_calls} file-system calls before the exec: {warm:?}");
}

/// Direct mode (`src/store/direct.rs`): once the inputs are older than its
/// settling time, a warm link stores its whole answer, and the next one
/// replays it after a `stat` of each file it was worked out from: the
/// object is never opened, nor any cache entry but the one.
#[test]
fn a_settled_warm_link_replays_its_answer_without_reading_its_inputs() {
    if !require_tool("strace") {
        return;
    }
    let dir = calc_workspace();
    syscalls_before_exec(&dir);
    std::thread::sleep(std::time::Duration::from_millis(110));
    let stored = trace_before_exec(&dir);
    let replayed = trace_before_exec(&dir);
    let opens = |trace: &[String], what: &str| {
        trace.iter().filter(|l| l.starts_with("openat(") && l.contains(what)).count()
    };
    assert!(opens(&stored, "\"calc.o\"") > 0, "the warm link reads the object: {stored:#?}");
    assert_eq!(opens(&replayed, "\"calc.o\""), 0, "the replay only stats it: {replayed:#?}");
    // The link's one cache file (issue 34 §3), which holds its answer.
    assert_eq!(opens(&replayed, "\"link-"), 1, "one cache entry: {replayed:#?}");
    assert_eq!(opens(&replayed, "\"blob-"), 0, "no other: {replayed:#?}");
    assert!(replayed.iter().any(|l| l.starts_with("statx(") && l.contains("\"calc.o\"")), "{replayed:#?}");
    let file_calls = |t: &[String]| {
        t.iter().filter(|l| FILE_CALLS.iter().any(|c| l.starts_with(&format!("{c}(")))).count()
    };
    assert!(file_calls(&replayed) < file_calls(&stored), "{replayed:#?}");
}

/// Builds `calc.o` from `source` with gcc (PIC), in `dir`.
fn object(dir: &Dir, source: &str) {
    std::fs::write(dir.path("calc.c"), source).unwrap();
    crate::util::gcc(dir.root(), &["-fPIC", "-c", "calc.c", "-o", "calc.o"]);
}

/// The closure check's answer is keyed by what it reads of an object, its
/// symbols: a relink after an edit that kept them finds the answer and
/// reads no shared library (no libc), and an edit that changed them gets
/// the answer a link with no cache gets.
#[test]
fn a_relink_after_an_edit_is_keyed_by_the_objects_symbols() {
    if !require_tool("strace") {
        return;
    }
    let dir = Dir::new();
    // An archive whose member needs libc (getpid): the closure check
    // reads the whole link, libc included, rather than stopping at the
    // part before the driver's dirs.
    std::fs::write(
        dir.path("tiny.c"),
        "#include <unistd.h>\nint tiny_answer(void) { return getpid() > 0 ? 42 : 0; }\n",
    )
    .unwrap();
    crate::util::gcc(dir.root(), &["-fPIC", "-c", "tiny.c", "-o", "tiny.o"]);
    dir.mkdir("lib");
    crate::util::sh(std::process::Command::new("ar").current_dir(dir.root()).args([
        "rcs",
        "lib/libtiny.a",
        "tiny.o",
    ]));
    let link = |cache: bool| {
        let mut cmd = dir.solink().args(["--dry-run", "--cc", "gcc", "--libsdir", "lib", "-shared"]);
        cmd = cmd.args(["-o", "libcalc.so", "calc.o", "-ltiny"]);
        if !cache {
            cmd = cmd.env("SOLINK_NO_CACHE", "1");
        }
        cmd.ok()
    };
    object(&dir, "int tiny_answer(void);\nint use(void) { return tiny_answer(); }\n");
    let uses = link(true);
    assert!(uses.contains("lib/libtiny.a"), "embedded while used: {uses}");
    // solink opens what it reads with O_NONBLOCK (the loader's own opens,
    // for a dynamically linked test build, do not), and maps what it reads
    // whole `MAP_SHARED` (the loader maps libraries `MAP_PRIVATE`). After an
    // edit the inputs are identified again (libc.so.6 opened once: its
    // directory's identity does not cover a library rewritten in place, and
    // its first bytes read), and a reused answer reads no symbols of
    // theirs: libc.so.6 is never mapped. A new one maps it to read its
    // symbols, through the same descriptor (issue 34 §7: each input opened
    // once per run).
    let libc_reads = || {
        let log = dir.path("relink.log");
        dir.command("strace")
            .args(["-qq", "-y", "-e", "trace=openat,mmap", "-o"])
            .arg(&log)
            .arg(crate::util::SOLINK)
            .args(["--dry-run", "--cc", "gcc", "--libsdir", "lib", "-shared", "-o", "libcalc.so", "calc.o"])
            .arg("-ltiny")
            .ok();
        let trace = std::fs::read_to_string(&log).unwrap();
        let opens = trace.lines().filter(|l| l.contains("O_NONBLOCK") && l.contains("/libc.so.6\"")).count();
        let maps = trace
            .lines()
            .filter(|l| l.starts_with("mmap(") && l.contains("MAP_SHARED") && l.contains("/libc.so.6>"))
            .count();
        (opens, maps)
    };
    // Another body, the same symbols.
    object(&dir, "int tiny_answer(void);\nint use(void) { return tiny_answer() + 1; }\n");
    assert_eq!(libc_reads(), (1, 0), "the check's answer is reused: libc is identified, not read");
    assert_eq!(link(true), uses);
    // Another symbol: the check runs again.
    object(&dir, "int tiny_answer(void);\nint use2(void) { return tiny_answer(); }\n");
    assert_eq!(libc_reads(), (1, 1), "the check runs again for new symbols, libc opened once");
    // The reference gone: ld takes nothing from the archive. It sits in
    // LIBSDIR, which ld never searches, so its path stays in place (issue
    // 20 §2: `-ltiny` would fail the link), and the warm answer says why
    // as a link with no cache does.
    object(&dir, "int use(void) { return 1; }\n");
    let unused = link(true);
    assert_eq!(unused, link(false), "the warm answer is the answer with no cache");
    assert!(unused.contains("lib/libtiny.a"), "{unused}");
    let why = dir
        .solink()
        .args(["--explain", "--dry-run", "--cc", "gcc", "--libsdir", "lib", "-shared"])
        .args(["-o", "libcalc.so", "calc.o", "-ltiny"])
        .output();
    let why = String::from_utf8_lossy(&why.stderr);
    assert_text(
        why,
        "\
solink: -ltiny: by path lib/libtiny.a (stage 1, LIBSDIR): nothing in the link uses libtiny.a, so ld takes nothing from it; its path stands in for -ltiny, which ld's own search would not find
solink: command: gcc -shared -o libcalc.so calc.o lib/libtiny.a
solink: 1 embedded, 0 dynamic, 0 warnings
",
    );
}

/// A command that is no shared link goes to the driver with no search and
/// no cache: not even direct mode's entry is looked for.
#[test]
fn a_compile_opens_no_cache_entry() {
    if !require_tool("strace") {
        return;
    }
    let dir = Dir::new();
    std::fs::write(dir.path("calc.c"), "int use(void) { return 1; }\n").unwrap();
    let log = dir.path("compile.log");
    dir.command("strace")
        .args(["-qq", "-f", "-e", "trace=openat", "-o"])
        .arg(&log)
        .arg(SOLINK)
        .args(["--cc", "gcc", "-c", "calc.c", "-o", "calc.o"])
        .ok();
    let opened = std::fs::read_to_string(&log).unwrap();
    assert!(opened.contains("calc.c"), "the compile ran: {opened}");
    assert!(!opened.contains("\"blob-"), "a cache entry was looked for: {opened}");
}

/// A thousand `-l` names that no directory holds, for the two tests below.
fn missing_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("-lnowhere{i}")).collect()
}

/// Issue 34 §7: a cold link of a thousand `-l` names that no directory
/// holds lists each library directory once (it listed every one again for
/// each name: 4,008 listings, 0.6 to 1.2 s), and still says of each name
/// that ld will not find it. Counted with strace: the directories opened
/// to be listed, by path.
#[test]
fn a_thousand_missing_names_list_each_directory_once() {
    if !require_tool("strace") {
        return;
    }
    let dir = Dir::new();
    tiny_user(&dir.path("calc.o"));
    dir.mkdir("lib");
    let log = dir.path("strace.log");
    let ran = dir
        .command("strace")
        .args(["-qq", "-e", "trace=openat", "-o"])
        .arg(&log)
        .arg(SOLINK)
        .args(["--dry-run", "--cc", "gcc", "-shared", "-o", "libx.so", "calc.o", "-Llib"])
        .args(missing_names(1000))
        .run();
    assert!(ran.success(), "{}", ran.stderr);
    let unfound = ran.stderr.lines().filter(|l| l.contains(": ld will not find it: ")).count();
    assert_eq!(unfound, 1000, "each name said once: {}", ran.stderr);
    let trace = std::fs::read_to_string(&log).unwrap();
    let mut listed = std::collections::BTreeMap::<&str, usize>::new();
    // Directories opened by path to be read (the cache's own are opened
    // through its descriptor, and lie under `cache/`).
    for line in trace.lines().filter(|l| l.starts_with("openat(AT_FDCWD, \"") && l.contains("O_DIRECTORY")) {
        let path = line.split('"').nth(1).unwrap();
        if !path.contains("/cache") {
            *listed.entry(path).or_default() += 1;
        }
    }
    assert_eq!(listed.get("lib"), Some(&1), "the -L dir: {listed:#?}");
    assert!(listed.len() > 1, "ld's own dirs are searched too: {listed:#?}");
    assert!(listed.values().all(|&n| n == 1), "each directory listed once: {listed:#?}");
}

/// What a run takes from a directory it lists once is still what its
/// cached answers hold: after warm runs of many missing names (each
/// directory listed, direct mode's entry stored and replayed), an archive
/// added for one name is embedded and a versioned shared library added for
/// another is named, as a run with no cache says.
#[test]
fn a_library_added_after_warm_runs_of_missing_names_is_found() {
    let dir = Dir::new();
    tiny_user(&dir.path("calc.o"));
    dir.mkdir("lib");
    let link = |cache: bool| {
        let mut cmd = dir.solink().args(["--dry-run", "--cc", "gcc", "-shared", "-o", "libx.so", "calc.o"]);
        cmd = cmd.args(["-Llib"]).args(missing_names(200));
        if !cache {
            cmd = cmd.env("SOLINK_NO_CACHE", "1");
        }
        let ran = cmd.run();
        assert!(ran.success(), "{}", ran.stderr);
        (ran.stdout, ran.stderr)
    };
    let cold = link(true);
    // Past direct mode's settling time: the next run stores its entry and
    // the one after replays it.
    std::thread::sleep(std::time::Duration::from_millis(110));
    assert_eq!(link(true), cold);
    assert_eq!(link(true), cold);
    assert!(cold.0.contains(" -lnowhere7 "), "{}", cold.0);
    tiny_archive(&dir.path("lib/libnowhere7.a"));
    dir.write("lib/libnowhere9.so.1", "");
    let after = link(true);
    assert_eq!(after, link(false), "the warm answer is the answer with no cache");
    assert!(after.0.contains("libnowhere7.a") && !after.0.contains(" -lnowhere7 "), "{}", after.0);
    let nine: Vec<&str> = after.1.lines().filter(|l| l.contains("-lnowhere9:")).collect();
    assert!(nine.iter().any(|l| l.contains("libnowhere9.so.1")), "{nine:?}");
}

/// Issue 34 §3: a cold link writes its cache as one file, renamed into
/// place once (beside the tag of a new cache directory): the archive's
/// verdict, symbols and SHA-256, the verdict pack, the closure check's
/// answer and direct mode's answer were six files. The next run replays
/// from that file alone and writes nothing.
#[test]
fn a_cold_link_writes_one_cache_file() {
    if !require_tool("strace") {
        return;
    }
    let dir = calc_workspace();
    // Settled inputs: the cold run stores its direct-mode answer too.
    std::thread::sleep(std::time::Duration::from_millis(110));
    let cold = trace_before_exec(&dir);
    // The note object beside the output is no cache file.
    let renames: Vec<&String> =
        cold.iter().filter(|l| l.starts_with("rename") && !l.contains(".solink-note.o")).collect();
    assert_eq!(renames.len(), 2, "{renames:#?}");
    assert!(renames.iter().any(|l| l.contains("\"CACHEDIR.TAG\"")), "{renames:#?}");
    assert!(renames.iter().any(|l| l.contains("\"link-")), "{renames:#?}");
    let replayed = trace_before_exec(&dir);
    assert!(!replayed.iter().any(|l| l.starts_with("rename")), "{replayed:#?}");
    let opened: Vec<&String> =
        replayed.iter().filter(|l| l.starts_with("openat(") && l.contains("solink-v2-")).collect();
    assert!(opened.len() <= 1, "{opened:#?}");
    assert_eq!(replayed.iter().filter(|l| l.starts_with("openat(") && l.contains("\"link-")).count(), 1);
    assert!(!replayed.iter().any(|l| l.starts_with("openat(") && l.contains("calc.o\"")), "a replay");
}

/// Issue 34 §1 in a build tree: the output goes into the directory the link
/// searches, and the links beside it keep writing there, so that directory
/// is always newer than direct mode's settling time. The answer is stored
/// all the same (the directory is listed again on each replay, its names
/// compared) and replayed: the object is no longer read. Before, each such
/// run worked the link out again and stored nothing.
#[test]
fn a_link_into_a_searched_dir_that_keeps_changing_is_replayed() {
    if !require_tool("strace") {
        return;
    }
    let dir = Dir::new();
    tiny_archive(&dir.path("lib/libcalcbase.a"));
    tiny_user(&dir.path("calc.o"));
    // More than eight names to look up in lib/, so the search lists it
    // (fewer are each a `stat`).
    let more: Vec<String> = (1..=8).map(|i| format!("-lt{i}")).collect();
    for i in 1..=8 {
        tiny_archive(&dir.path(&format!("lib/libt{i}.a")));
    }
    // The inputs themselves have settled; only lib/ keeps changing.
    std::thread::sleep(std::time::Duration::from_millis(110));
    let reads_the_object = |round: usize| {
        // A neighbour's link writes its output into lib/ just before.
        tiny_archive(&dir.path(&format!("lib/libneighbour{round}.a")));
        let mut args =
            vec!["--cc", "gcc", "-shared", "-o", "lib/libcalc.so", "calc.o", "-Llib", "-lcalcbase"];
        args.extend(more.iter().map(String::as_str));
        args.push("-lm");
        trace_args(&dir, &args).iter().any(|l| l.starts_with("openat(") && l.contains("\"calc.o\""))
    };
    let rounds: Vec<bool> = (0..5).map(reads_the_object).collect();
    assert!(rounds[0], "the first link reads the object");
    // The first run asks the driver for its directories, which keeps its
    // answer out (`store/direct.rs`); the next stores; the rest replay.
    assert_eq!(rounds[2..], [false, false, false], "rounds (true: the object read again): {rounds:?}");
    // And the replay is still checked: a name the link looks up there
    // (`-lm` asks for libm.a) appearing is a miss.
    tiny_archive(&dir.path("lib/libm.a"));
    assert!(reads_the_object(5), "a name looked up appeared in lib/: worked out again");
}

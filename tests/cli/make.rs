//! Real make on a temporary copy of the workspace: the depfile makes
//! libcalc.so relink when the archive it embeds changes, and only then.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::util::{assert_golden, assert_text, fixtures, make_example, tiny_archive, Dir, SOLINK};

struct Workspace {
    dir: Dir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = Dir::new();
        let src = fixtures::path("workspace");
        for entry in walkdir::WalkDir::new(&src) {
            let entry = entry.unwrap();
            let dest = dir.path("ws").join(entry.path().strip_prefix(&src).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).unwrap();
            } else {
                std::fs::copy(entry.path(), &dest).unwrap();
            }
        }
        Workspace { dir }
    }

    /// Runs make in the workspace (out of tree, into `out`); returns stdout.
    fn make(&self, args: &[&str]) -> String {
        let out = Command::new("make")
            .current_dir(self.dir.path("ws"))
            .args(args)
            .arg(format!("O={}", self.dir.path("out").display()))
            .arg(format!("SOLINK={SOLINK}"))
            .env("XDG_CACHE_HOME", self.dir.path("cache"))
            .env_remove("MAKEFLAGS")
            .env_remove("SOLINK_DEPFILE")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "make {args:?} failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    fn out(&self, rel: &str) -> PathBuf {
        self.dir.path("out").join(rel)
    }

    fn so(&self) -> PathBuf {
        self.out("prod/calc/lib/libcalc.so")
    }

    fn archive(&self) -> PathBuf {
        self.out("prod/calc/lib/libcalcbase.a")
    }

    fn app_output(&self) -> String {
        let out = Command::new(self.out("prod/calc/bin/app")).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn mtime(p: &Path) -> SystemTime {
    p.metadata().unwrap().modified().unwrap()
}

/// Moves a file's mtime into the future, so make sees it as changed
/// whatever the file system's time resolution.
fn touch_later(p: &Path) {
    let f = std::fs::File::options().append(true).open(p).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(5)).unwrap();
}

fn links(stdout: &str) -> usize {
    stdout.lines().filter(|l| l.contains("--depfile")).count()
}

#[test]
fn first_build_then_a_second_run_relinks_nothing() {
    let ws = Workspace::new();
    let first = ws.make(&[]);
    assert_eq!(links(&first), 1, "{first}");
    assert_eq!(ws.app_output(), "calc_sum(2, 3) = 5\ncalc_hypot(3, 4) = 5\n");
    let linked_at = mtime(&ws.so());
    let second = ws.make(&[]);
    assert_eq!(links(&second), 0, "{second}");
    assert_eq!(second.matches("Nothing to be done").count(), 3, "{second}");
    assert_eq!(mtime(&ws.so()), linked_at);
}

#[test]
fn a_touched_archive_relinks_libcalc_and_only_that() {
    let ws = Workspace::new();
    ws.make(&[]);
    let app_at = mtime(&ws.out("prod/calc/bin/app"));
    let so_at = mtime(&ws.so());
    touch_later(&ws.archive());
    let again = ws.make(&[]);
    assert_eq!(links(&again), 1, "{again}");
    assert!(!again.contains("calcbase.c"), "nothing recompiles: {again}");
    assert!(!again.contains("main.c"), "the program does not relink: {again}");
    assert_ne!(mtime(&ws.so()), so_at);
    assert_eq!(mtime(&ws.out("prod/calc/bin/app")), app_at);
}

#[test]
fn a_changed_source_rebuilds_the_archive_and_relinks() {
    let ws = Workspace::new();
    ws.make(&[]);
    let src = ws.dir.path("ws/prod/calc/libsrc/calcbase/calcbase.c");
    let text = std::fs::read_to_string(&src).unwrap();
    std::fs::write(&src, text.replace("#define CALCBASE_OFFSET 0", "#define CALCBASE_OFFSET 100")).unwrap();
    touch_later(&src);
    let again = ws.make(&[]);
    assert_eq!(links(&again), 1, "{again}");
    assert_eq!(ws.app_output(), "calc_sum(2, 3) = 105\ncalc_hypot(3, 4) = 5\n", "the new archive is inside");
}

#[test]
fn a_deleted_archive_rebuilt_by_its_directory_still_works() {
    let ws = Workspace::new();
    ws.make(&[]);
    std::fs::remove_file(ws.archive()).unwrap();
    // The calc directory alone: the depfile names a file that is gone, and
    // its phony rule keeps make from stopping.
    let calc_alone = Command::new("make")
        .current_dir(ws.dir.path("ws/prod/calc/libsrc/calc"))
        .args(["-n", &format!("O={}", ws.dir.path("out").display()), &format!("SOLINK={SOLINK}")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&calc_alone.stderr);
    assert!(!stderr.contains("No rule to make target"), "{stderr}");
    ws.make(&["calcbase"]);
    let again = ws.make(&[]);
    assert_eq!(links(&again), 1, "{again}");
    assert_eq!(ws.app_output(), "calc_sum(2, 3) = 5\ncalc_hypot(3, 4) = 5\n");
}

#[test]
fn parallel_builds_from_clean_work_every_time() {
    for _ in 0..3 {
        let ws = Workspace::new();
        ws.make(&["-j8"]);
        assert_eq!(ws.app_output(), "calc_sum(2, 3) = 5\ncalc_hypot(3, 4) = 5\n");
    }
}

#[test]
fn depfile_with_a_space_in_a_directory_name() {
    let dir = Dir::new();
    tiny_archive(&dir.path("my libs/libcalcbase.a"));
    tiny_archive(&dir.path("direct $dir/libdirect.a"));
    dir.mkdir("out dir");
    dir.solink()
        .args(["--dry-run", "--cc", "cc", "--libsdir", "my libs", "--depfile", "out dir/libcalc.so.d"])
        .args([
            "-shared",
            "-o",
            "out dir/libcalc.so",
            "calc.o",
            "direct $dir/libdirect.a",
            "-lcalcbase",
            "-lm",
        ])
        .ok();
    let text = std::fs::read_to_string(dir.path("out dir/libcalc.so.d")).unwrap();
    let root = dir.root().display().to_string();
    let escaped_root = root.replace(' ', "\\ ");
    assert_golden("depfile_space.d", &text.replace(&escaped_root, "$TMP"));
}

#[test]
fn print_resolved_lists_absolute_paths_and_runs_nothing() {
    let dir = Dir::new();
    tiny_archive(&dir.path("lib/libcalcbase.a"));
    tiny_archive(&dir.path("libdirect.a"));
    let stdout = dir
        .solink()
        .args(["--print-resolved", "--cc"])
        .arg(dir.path("no-such-cc"))
        .args(["--libsdir", "lib", "-shared", "-o", "x.so"])
        .args(["libdirect.a", "-lcalcbase", "-lm"])
        .ok();
    let want =
        format!("{}\n{}\n", dir.path("libdirect.a").display(), dir.path("lib/libcalcbase.a").display());
    assert_eq!(stdout, want);
}

#[test]
fn unwritable_depfile_is_refused_before_the_link() {
    let dir = Dir::new();
    let fake = dir.fake_driver().display().to_string();
    let msg = dir
        .solink()
        .args(["--cc", &fake, "--depfile", "no/such/dir/x.d", "-shared", "-o", "x.so", "a.o"])
        .refused();
    assert_text(
        msg,
        "solink: cannot write the depfile no/such/dir/x.d: entity not found; \
         check that its directory exists and is writable\n",
    );
    assert!(!dir.path("fakecc.log").exists(), "the driver never ran");
}

#[test]
fn makefile_example_runs_and_a_second_run_is_a_no_op() {
    let dir = Dir::new();
    let run = || make_example(&dir, &[format!("O={}", dir.path("example").display())]);
    let first = run();
    assert!(first.contains("calc_sum(2, 3) = 5"), "{first}");
    assert!(first.contains("libcalcbase.a"), "shows what was embedded: {first}");
    let second = run();
    assert_eq!(links(&second), 0, "{second}");
}

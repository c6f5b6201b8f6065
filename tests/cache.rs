//! The cache never changes an answer: for every scenario, a link with no
//! cache, with a cold cache and with a warm one (filled before the files
//! changed) gives the same final command. A differential property test over
//! generated search trees, archive kinds, command lines, file replacements
//! and environments.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use proptest::prelude::*;

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// What a `libNAME.a` in a scenario is.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Pic,
    NotPic,
    Thin,
    Empty,
    Garbage,
    Script,
    LoneObject,
}

const KINDS: [Kind; 7] =
    [Kind::Pic, Kind::NotPic, Kind::Thin, Kind::Empty, Kind::Garbage, Kind::Script, Kind::LoneObject];

/// The prebuilt objects every scenario copies from, built once per run.
struct Pool {
    pic_o: PathBuf,
    nopic_o: PathBuf,
    pic_a: PathBuf,
    nopic_a: PathBuf,
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let dir = tempfile::Builder::new().prefix("solink-cache-pool").tempdir().unwrap().keep();
        fs::write(dir.join("pic.c"), "int pic_answer(void) { return 42; }\n").unwrap();
        // `&x` under -fno-pic is an R_X86_64_32: never fit for a shared object.
        fs::write(dir.join("nopic.c"), "static int x;\nint *nopic_addr(void) { return &x; }\n").unwrap();
        let cc = |args: &[&str]| run_ok(Command::new("gcc").current_dir(&dir).args(args));
        cc(&["-fPIC", "-c", "pic.c", "-o", "pic.o"]);
        cc(&["-fno-pic", "-mcmodel=small", "-c", "nopic.c", "-o", "nopic.o"]);
        run_ok(Command::new("ar").current_dir(&dir).args(["rcs", "pic.a", "pic.o"]));
        run_ok(Command::new("ar").current_dir(&dir).args(["rcs", "nopic.a", "nopic.o"]));
        Pool {
            pic_o: dir.join("pic.o"),
            nopic_o: dir.join("nopic.o"),
            pic_a: dir.join("pic.a"),
            nopic_a: dir.join("nopic.a"),
        }
    })
}

/// Puts a file of `kind` at `path`, by writing a new file and renaming it
/// over the old one (as ar and make replace files), so the inode changes.
fn place(path: &Path, kind: Kind) {
    let p = pool();
    let dir = path.parent().unwrap();
    fs::create_dir_all(dir).unwrap();
    let tmp = dir.join(".new");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    match kind {
        Kind::Pic => drop(fs::copy(&p.pic_a, &tmp).unwrap()),
        Kind::NotPic => drop(fs::copy(&p.nopic_a, &tmp).unwrap()),
        Kind::LoneObject => drop(fs::copy(&p.pic_o, &tmp).unwrap()),
        Kind::Empty => fs::write(&tmp, "!<arch>\n").unwrap(),
        Kind::Garbage => fs::write(&tmp, "this is not an archive\n").unwrap(),
        Kind::Script => fs::write(&tmp, format!("GROUP ( {} )\n", p.pic_a.display())).unwrap(),
        Kind::Thin => {
            let member = format!("{name}.member.o");
            fs::copy(&p.pic_o, dir.join(&member)).unwrap();
            let _ = fs::remove_file(&tmp);
            run_ok(Command::new("ar").current_dir(dir).args(["rcsT", ".new", &member]));
        }
    }
    fs::rename(&tmp, path).unwrap();
}

/// A change between two links.
#[derive(Clone, Debug)]
enum Change {
    /// Replace `lib{name}.a` in directory `dir` by another kind.
    Replace { dir: usize, name: usize, kind: Kind },
    /// Rebuild a thin archive's member as a non-PIC object (same archive file).
    ThinMember { dir: usize, name: usize },
    /// Remove `lib{name}.a` from `dir`.
    Remove { dir: usize, name: usize },
    /// Add or remove the shared twin `lib{name}.so` in `dir`.
    ToggleTwin { dir: usize, name: usize },
    /// Run with `LIBRARY_PATH` naming directory `dir` (or unset it).
    LibraryPath(Option<usize>),
}

#[derive(Clone, Debug)]
struct Scenario {
    /// (dir, name, kind) for each archive placed at the start.
    archives: Vec<(usize, usize, Kind)>,
    twins: Vec<(usize, usize)>,
    /// The `-l` names of the command, in order.
    libs: Vec<usize>,
    changes: Vec<Change>,
}

const DIRS: usize = 5;
const NAMES: usize = 4;

fn kind() -> impl Strategy<Value = Kind> {
    (0..KINDS.len()).prop_map(|i| KINDS[i])
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0..DIRS, 0..NAMES, kind()).prop_map(|(dir, name, kind)| Change::Replace { dir, name, kind }),
        (0..DIRS, 0..NAMES).prop_map(|(dir, name)| Change::ThinMember { dir, name }),
        (0..DIRS, 0..NAMES).prop_map(|(dir, name)| Change::Remove { dir, name }),
        (0..DIRS, 0..NAMES).prop_map(|(dir, name)| Change::ToggleTwin { dir, name }),
        proptest::option::of(0..DIRS).prop_map(Change::LibraryPath),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        proptest::collection::vec((0..DIRS, 0..NAMES, kind()), 0..8),
        proptest::collection::vec((0..DIRS, 0..NAMES), 0..3),
        proptest::collection::vec(0..NAMES, 1..5),
        proptest::collection::vec(change(), 1..4),
    )
        .prop_map(|(archives, twins, libs, changes)| Scenario { archives, twins, libs, changes })
}

/// One scenario's files: directories `d0`..`d4` (d0 and d1 as `-L`, d2 as
/// LIBSDIR, d3 as the driver's own library directory, d4 reachable only
/// through `LIBRARY_PATH`), and a fake driver that answers
/// `-print-search-dirs` as gcc does, with `LIBRARY_PATH` first.
struct World {
    tmp: tempfile::TempDir,
    library_path: Option<usize>,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::Builder::new().prefix("solink-cache").tempdir().unwrap();
        let driver = tmp.path().join("bin/fakecc");
        fs::create_dir_all(driver.parent().unwrap()).unwrap();
        fs::write(
            &driver,
            "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = -print-search-dirs ]; then\n    \
             echo \"libraries: =${LIBRARY_PATH:+$LIBRARY_PATH:}$FAKECC_LIBDIRS\"; exit 0\n  fi\ndone\nexit 0\n",
        )
        .unwrap();
        fs::set_permissions(&driver, fs::Permissions::from_mode(0o755)).unwrap();
        for d in 0..DIRS {
            fs::create_dir_all(tmp.path().join(format!("d{d}"))).unwrap();
        }
        World { tmp, library_path: None }
    }

    fn lib(&self, dir: usize, name: usize, ext: &str) -> PathBuf {
        self.tmp.path().join(format!("d{dir}/libn{name}.{ext}"))
    }

    fn apply(&mut self, change: &Change) {
        match *change {
            Change::Replace { dir, name, kind } => place(&self.lib(dir, name, "a"), kind),
            Change::ThinMember { dir, name } => {
                let member = self.tmp.path().join(format!("d{dir}/libn{name}.a.member.o"));
                if member.exists() {
                    // A rebuilt member: new contents behind the same thin archive.
                    let tmp = member.with_extension("new");
                    fs::copy(&pool().nopic_o, &tmp).unwrap();
                    fs::rename(&tmp, &member).unwrap();
                }
            }
            Change::Remove { dir, name } => {
                let _ = fs::remove_file(self.lib(dir, name, "a"));
            }
            Change::ToggleTwin { dir, name } => {
                let so = self.lib(dir, name, "so");
                if so.exists() {
                    fs::remove_file(so).unwrap();
                } else {
                    fs::write(so, "not really a shared object").unwrap();
                }
            }
            Change::LibraryPath(d) => self.library_path = d,
        }
    }

    /// The final command of `--dry-run` and what solink wrote on stderr,
    /// with the cache at `cache` (`None`: no cache at all).
    fn link(&self, libs: &[usize], cache: Option<&Path>) -> String {
        let root = self.tmp.path();
        let mut cmd = Command::new(SOLINK);
        cmd.current_dir(root).env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        match cache {
            Some(c) => drop(cmd.env("XDG_CACHE_HOME", c)),
            None => drop(cmd.env("SOLINK_NO_CACHE", "1")),
        }
        cmd.env("FAKECC_LIBDIRS", root.join("d3"));
        if let Some(d) = self.library_path {
            cmd.env("LIBRARY_PATH", root.join(format!("d{d}")));
        }
        cmd.args(["--dry-run", "--cc", "bin/fakecc", "--libsdir", "d2", "--"]);
        cmd.args(["-shared", "-o", "libout.so", "use.o", "-Ld0", "-Ld1"]);
        cmd.args(libs.iter().map(|n| OsString::from(format!("-ln{n}"))));
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "solink failed: {}", String::from_utf8_lossy(&out.stderr));
        // The warnings too: direct mode replays them.
        String::from_utf8(out.stdout).unwrap() + "--- stderr:\n" + &String::from_utf8(out.stderr).unwrap()
    }
}

fn check(s: &Scenario) -> Result<(), TestCaseError> {
    let mut world = World::new();
    for &(dir, name, kind) in &s.archives {
        place(&world.lib(dir, name, "a"), kind);
    }
    for &(dir, name) in &s.twins {
        fs::write(world.lib(dir, name, "so"), "not really a shared object").unwrap();
    }
    let warm = world.tmp.path().join("warm-cache");
    let first = world.link(&s.libs, None);
    prop_assert_eq!(world.link(&s.libs, Some(&warm)), first.clone(), "a cold cache changed the answer");
    // Past direct mode's settling time, so the warm links store and replay
    // whole answers too (`src/direct.rs`).
    settle();
    prop_assert_eq!(world.link(&s.libs, Some(&warm)), first.clone(), "a warm cache changed the answer");
    prop_assert_eq!(world.link(&s.libs, Some(&warm)), first, "a direct-mode answer changed the answer");
    for (i, change) in s.changes.iter().enumerate() {
        world.apply(change);
        let truth = world.link(&s.libs, None);
        let cold = world.tmp.path().join(format!("cold-{i}"));
        prop_assert_eq!(world.link(&s.libs, Some(&cold)), truth.clone(), "cold after {:?}", change);
        prop_assert_eq!(world.link(&s.libs, Some(&warm)), truth.clone(), "warm after {:?}", change);
        settle();
        prop_assert_eq!(world.link(&s.libs, Some(&warm)), truth, "direct after {:?}", change);
    }
    Ok(())
}

/// Waits out direct mode's settling time (100 ms): a file written within
/// it is too new for an answer that saw it to be stored.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(110));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn no_cache_cold_cache_and_warm_cache_agree(s in scenario()) {
        check(&s)?;
    }
}

/// The cases that broke before, kept as fixed regressions.
#[test]
fn regressions() {
    use Change::*;
    let cases = [
        // A thin archive keyed by its own file only: a rebuilt member went unnoticed.
        Scenario {
            archives: vec![(0, 0, Kind::Thin)],
            twins: vec![(1, 0)],
            libs: vec![0],
            changes: vec![ThinMember { dir: 0, name: 0 }],
        },
        // The driver's directories cached without LIBRARY_PATH in the key.
        Scenario {
            archives: vec![(4, 1, Kind::Pic)],
            twins: vec![],
            libs: vec![1],
            changes: vec![LibraryPath(Some(4)), LibraryPath(None), LibraryPath(Some(4))],
        },
        Scenario {
            archives: vec![(3, 2, Kind::Pic), (0, 2, Kind::Pic)],
            twins: vec![],
            libs: vec![2],
            changes: vec![LibraryPath(Some(4)), Remove { dir: 0, name: 2 }, LibraryPath(None)],
        },
        // An archive replaced by a non-PIC one between two links.
        Scenario {
            archives: vec![(0, 0, Kind::Pic)],
            twins: vec![(0, 0)],
            libs: vec![0],
            changes: vec![Replace { dir: 0, name: 0, kind: Kind::NotPic }],
        },
    ];
    for case in &cases {
        check(case).unwrap_or_else(|e| panic!("{case:?}: {e}"));
    }
}

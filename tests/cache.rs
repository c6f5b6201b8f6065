//! The cache never changes an answer: for every scenario, a link with no
//! cache, with a cold cache and with a warm one (filled before the files
//! changed) gives the same final command and the same warnings. A
//! differential property test over generated search trees, archive kinds,
//! command lines, file replacements and environments: archives, objects and
//! shared libraries replaced or rewritten in place (keeping size and mtime),
//! links run from another directory with relative search entries, and
//! `-B`, `LIBRARY_PATH` (with an empty entry, which gcc prints as a relative
//! dir) and `COMPILER_PATH` changed. The closure check runs for real: the
//! object and archives are gcc's, and the fake driver names the machine's
//! own library dirs after the scenario's.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::fs;
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
    /// Defines `pic_answex`, not `pic_answer`: the same size as `Pic`.
    PicX,
    /// Defines `pic_answer`, which needs `helper_sym` from a shared library.
    Needy,
}

const KINDS: [Kind; 9] = [
    Kind::Pic,
    Kind::NotPic,
    Kind::Thin,
    Kind::Empty,
    Kind::Garbage,
    Kind::Script,
    Kind::LoneObject,
    Kind::PicX,
    Kind::Needy,
];

/// The prebuilt objects every scenario copies from, built once per run.
struct Pool {
    pic_o: PathBuf,
    nopic_o: PathBuf,
    pic_a: PathBuf,
    nopic_a: PathBuf,
    pic_x_a: PathBuf,
    needy_a: PathBuf,
    /// `use.o` calls `pic_answer`; `use_x.o`, of the same size, `pic_answex`.
    use_o: PathBuf,
    use_x_o: PathBuf,
    /// `libhelp.so` with and without `helper_sym`.
    help_with: PathBuf,
    help_without: PathBuf,
    /// gcc's own library dirs, as `-print-search-dirs` prints them.
    system: String,
}

fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let dir = crate::support::files::scratch("solink-cache-pool");
        fs::write(dir.join("pic.c"), "int pic_answer(void) { return 42; }\n").unwrap();
        // `&x` under -fno-pic is an R_X86_64_32: never fit for a shared object.
        fs::write(dir.join("nopic.c"), "static int x;\nint *nopic_addr(void) { return &x; }\n").unwrap();
        let cc = |args: &[&str]| run_ok(Command::new("gcc").current_dir(&dir).args(args));
        cc(&["-fPIC", "-c", "pic.c", "-o", "pic.o"]);
        cc(&["-fno-pic", "-mcmodel=small", "-c", "nopic.c", "-o", "nopic.o"]);
        fs::write(dir.join("picx.c"), "int pic_answex(void) { return 42; }\n").unwrap();
        fs::write(
            dir.join("needy.c"),
            "int helper_sym(void);\nint pic_answer(void) { return helper_sym(); }\n",
        )
        .unwrap();
        fs::write(dir.join("use.c"), "int pic_answer(void);\nint use(void) { return pic_answer(); }\n")
            .unwrap();
        fs::write(dir.join("use_x.c"), "int pic_answex(void);\nint use(void) { return pic_answex(); }\n")
            .unwrap();
        fs::write(dir.join("with.c"), "int helper_sym(void) { return 1; }\n").unwrap();
        fs::write(dir.join("without.c"), "int helper_syx(void) { return 1; }\n").unwrap();
        for name in ["picx", "needy", "use", "use_x"] {
            cc(&["-fPIC", "-c", &format!("{name}.c"), "-o", &format!("{name}.o")]);
        }
        for name in ["with", "without"] {
            cc(&[
                "-fPIC",
                "-shared",
                "-Wl,-soname,libhelp.so",
                &format!("{name}.c"),
                "-o",
                &format!("{name}.so"),
            ]);
        }
        // Deterministic (D): no timestamps, so pic.a and picx.a differ in
        // one symbol name's letter alone.
        let ar = |out: &str, member: &str| {
            run_ok(Command::new("ar").current_dir(&dir).args(["rcsD", out, member]))
        };
        ar("pic.a", "pic.o");
        ar("nopic.a", "nopic.o");
        ar("picx.a", "picx.o");
        ar("needy.a", "needy.o");
        let search = Command::new("gcc").arg("-print-search-dirs").output().unwrap();
        let system = String::from_utf8(search.stdout)
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("libraries: =").map(str::to_string))
            .expect("gcc names its library dirs");
        let pool = Pool {
            pic_o: dir.join("pic.o"),
            nopic_o: dir.join("nopic.o"),
            pic_a: dir.join("pic.a"),
            nopic_a: dir.join("nopic.a"),
            pic_x_a: dir.join("picx.a"),
            needy_a: dir.join("needy.a"),
            use_o: dir.join("use.o"),
            use_x_o: dir.join("use_x.o"),
            help_with: dir.join("with.so"),
            help_without: dir.join("without.so"),
            system,
        };
        let size = |p: &Path| fs::metadata(p).unwrap().len();
        assert_eq!(size(&pool.pic_a), size(&pool.pic_x_a), "in-place rewrites keep the size");
        assert_eq!(size(&pool.use_o), size(&pool.use_x_o), "in-place rewrites keep the size");
        pool
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
        Kind::PicX => drop(fs::copy(&p.pic_x_a, &tmp).unwrap()),
        Kind::Needy => drop(fs::copy(&p.needy_a, &tmp).unwrap()),
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
    /// Run with `LIBRARY_PATH` naming directory `dir` (or unset it); with
    /// `true`, a trailing empty entry too (the working directory).
    LibraryPath(Option<(usize, bool)>),
    /// Rewrite `lib{name}.a` in `dir` in place, `Pic` for `PicX` or back,
    /// keeping its size and mtime (only its ctime tells).
    InPlace { dir: usize, name: usize },
    /// Rewrite the object in place, the same way.
    ObjectInPlace,
    /// Rewrite `libhelp.so` in `dir` in place (`cp` over it: the dir's
    /// mtime stays), with `helper_sym` or without.
    Helper { dir: usize, with: bool },
    /// Run in the root or in `w/`, with every search entry relative.
    Cwd(bool),
    /// Pass `-B` naming `dir`'s, relative, or none.
    Prefix(Option<usize>),
    /// Run with `COMPILER_PATH` naming `dir` (the fake driver searches it).
    CompilerPath(Option<usize>),
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

/// `d0`..`d4`, and `w` (index 5), the directory a link may run in.
const DIRS: usize = 6;
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
        proptest::option::of((0..DIRS, any::<bool>())).prop_map(Change::LibraryPath),
        (0..DIRS, 0..NAMES).prop_map(|(dir, name)| Change::InPlace { dir, name }),
        Just(Change::ObjectInPlace),
        (0..DIRS, any::<bool>()).prop_map(|(dir, with)| Change::Helper { dir, with }),
        any::<bool>().prop_map(Change::Cwd),
        proptest::option::of(0..DIRS).prop_map(Change::Prefix),
        proptest::option::of(0..DIRS).prop_map(Change::CompilerPath),
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
/// through `LIBRARY_PATH`) and `w`, where a link may run; the object
/// `use.o`; and a fake driver that answers `-print-search-dirs` as gcc
/// does: `-B` dirs, `LIBRARY_PATH` (an empty entry as `./`), then
/// `COMPILER_PATH` (a stand-in for every variable in the driver's key),
/// `d3` and the machine's own dirs.
struct World {
    tmp: tempfile::TempDir,
    library_path: Option<(usize, bool)>,
    in_w: bool,
    prefix: Option<usize>,
    compiler_path: Option<usize>,
}

impl World {
    fn new() -> World {
        let tmp = tempfile::Builder::new().prefix("solink-cache").tempdir().unwrap();
        let driver = tmp.path().join("bin/fakecc");
        fs::create_dir_all(driver.parent().unwrap()).unwrap();
        crate::support::files::write_executable(
            &driver,
            "#!/bin/sh\nb=\nfor a in \"$@\"; do case \"$a\" in -B*) b=\"$b${a#-B}:\";; esac; done\n\
             lp=$LIBRARY_PATH\ncase \"$lp\" in *:) lp=\"$lp./\";; esac\n\
             for a in \"$@\"; do\n  if [ \"$a\" = -print-search-dirs ]; then\n    \
             echo \"libraries: =$b${lp:+$lp:}${COMPILER_PATH:+$COMPILER_PATH:}$FAKECC_LIBDIRS\"; exit 0\n  fi\ndone\nexit 0\n"
                .as_bytes(),
        );
        for d in 0..DIRS {
            fs::create_dir_all(tmp.path().join(dir_name(d))).unwrap();
        }
        fs::copy(&pool().use_o, tmp.path().join("use.o")).unwrap();
        World { tmp, library_path: None, in_w: false, prefix: None, compiler_path: None }
    }

    fn lib(&self, dir: usize, name: usize, ext: &str) -> PathBuf {
        self.tmp.path().join(format!("{}/libn{name}.{ext}", dir_name(dir)))
    }

    fn apply(&mut self, change: &Change) {
        match *change {
            Change::Replace { dir, name, kind } => place(&self.lib(dir, name, "a"), kind),
            Change::ThinMember { dir, name } => {
                let member = self.tmp.path().join(format!("{}/libn{name}.a.member.o", dir_name(dir)));
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
            Change::InPlace { dir, name } => {
                let path = self.lib(dir, name, "a");
                let (pic, picx) = (fs::read(&pool().pic_a).unwrap(), fs::read(&pool().pic_x_a).unwrap());
                match fs::read(&path) {
                    Ok(now) if now == pic => rewrite_in_place(&path, &picx),
                    Ok(now) if now == picx => rewrite_in_place(&path, &pic),
                    _ => {}
                }
            }
            Change::ObjectInPlace => {
                let path = self.tmp.path().join("use.o");
                let (a, b) = (fs::read(&pool().use_o).unwrap(), fs::read(&pool().use_x_o).unwrap());
                rewrite_in_place(&path, if fs::read(&path).unwrap() == a { &b } else { &a });
            }
            Change::Helper { dir, with } => {
                let p = pool();
                let so = self.tmp.path().join(format!("{}/libhelp.so", dir_name(dir)));
                // In place, as `cp` writes over a file: same inode, same dir.
                fs::write(&so, fs::read(if with { &p.help_with } else { &p.help_without }).unwrap()).unwrap();
            }
            Change::Cwd(w) => self.in_w = w,
            Change::Prefix(d) => self.prefix = d,
            Change::CompilerPath(d) => self.compiler_path = d,
        }
    }

    /// The final command of `--dry-run` and what solink wrote on stderr,
    /// with the cache at `cache` (`None`: no cache at all).
    fn link(&self, libs: &[usize], cache: Option<&Path>) -> String {
        let root = self.tmp.path();
        // Every search entry relative to where the link runs.
        let up = if self.in_w { "../" } else { "" };
        let mut cmd = Command::new(SOLINK);
        cmd.current_dir(if self.in_w { root.join("w") } else { root.to_path_buf() });
        cmd.env_clear().env("PATH", std::env::var_os("PATH").unwrap_or_default());
        match cache {
            Some(c) => drop(cmd.env("XDG_CACHE_HOME", c)),
            None => drop(cmd.env("SOLINK_NO_CACHE", "1")),
        }
        cmd.env("FAKECC_LIBDIRS", format!("{}:{}", root.join("d3").display(), pool().system));
        if let Some((d, empty)) = self.library_path {
            let dir = root.join(dir_name(d));
            cmd.env("LIBRARY_PATH", format!("{}{}", dir.display(), if empty { ":" } else { "" }));
        }
        if let Some(d) = self.compiler_path {
            cmd.env("COMPILER_PATH", root.join(dir_name(d)));
        }
        // The driver by its absolute path, as one found on PATH is: the same
        // driver from every directory.
        let driver = root.join("bin/fakecc");
        cmd.args(["--dry-run", "--cc"]).arg(&driver).args(["--libsdir", &format!("{up}d2"), "--"]);
        cmd.args([
            "-shared",
            "-o",
            "libout.so",
            &format!("{up}use.o"),
            &format!("-L{up}d0"),
            &format!("-L{up}d1"),
        ]);
        if let Some(d) = self.prefix {
            cmd.arg(format!("-B{up}{}/", dir_name(d)));
        }
        cmd.args(libs.iter().map(|n| OsString::from(format!("-ln{n}"))));
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "solink failed: {}", String::from_utf8_lossy(&out.stderr));
        // The warnings too: direct mode replays them.
        String::from_utf8(out.stdout).unwrap() + "--- stderr:\n" + &String::from_utf8(out.stderr).unwrap()
    }
}

fn dir_name(d: usize) -> String {
    if d == 5 {
        "w".into()
    } else {
        format!("d{d}")
    }
}

/// Writes `bytes` over `path`'s in place (the same inode, the same size)
/// and puts its mtime back: only its ctime says it changed.
fn rewrite_in_place(path: &Path, bytes: &[u8]) {
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    fs::write(path, bytes).unwrap();
    fs::File::options().write(true).open(path).unwrap().set_modified(mtime).unwrap();
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
    // whole answers too (`src/store/direct.rs`).
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

/// The scenarios each run tries: proptest's own `PROPTEST_CASES`, 12 by
/// default for a quick `cargo test`, and 40 in CI, which `.ci/run` sets.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

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
            changes: vec![LibraryPath(Some((4, false))), LibraryPath(None), LibraryPath(Some((4, false)))],
        },
        Scenario {
            archives: vec![(3, 2, Kind::Pic), (0, 2, Kind::Pic)],
            twins: vec![],
            libs: vec![2],
            changes: vec![LibraryPath(Some((4, false))), Remove { dir: 0, name: 2 }, LibraryPath(None)],
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

/// The cases of issue 19, each a way a warm cache gave another link than
/// no cache did; each is a test below.
fn issue_19_case(n: usize) {
    use Change::*;
    let cases = [
        // A .so in a -L dir rewritten in place gains the symbol an embedded
        // archive needs (the providers were keyed by the dir's identity).
        Scenario {
            archives: vec![(2, 0, Kind::Needy)],
            twins: vec![],
            libs: vec![0],
            changes: vec![Helper { dir: 0, with: false }, Helper { dir: 0, with: true }],
        },
        // The same in a dir of the driver's (the quick key held the dir).
        Scenario {
            archives: vec![(2, 0, Kind::Needy)],
            twins: vec![],
            libs: vec![0],
            changes: vec![Helper { dir: 3, with: false }, Helper { dir: 3, with: true }],
        },
        // LIBRARY_PATH with an empty entry, then another working directory.
        Scenario {
            archives: vec![(5, 1, Kind::Pic)],
            twins: vec![],
            libs: vec![1],
            changes: vec![LibraryPath(Some((4, true))), Cwd(true), Cwd(false), Cwd(true)],
        },
        // An archive and the object rewritten in place, size and mtime kept.
        Scenario {
            archives: vec![(0, 0, Kind::Pic)],
            twins: vec![(0, 0)],
            libs: vec![0],
            changes: vec![InPlace { dir: 0, name: 0 }, ObjectInPlace, InPlace { dir: 0, name: 0 }],
        },
        // A -B dir that holds the library, relative, from two directories.
        Scenario {
            archives: vec![(4, 2, Kind::Pic)],
            twins: vec![],
            libs: vec![2],
            changes: vec![Prefix(Some(4)), Cwd(true), Prefix(None), CompilerPath(Some(4))],
        },
    ];
    check(&cases[n]).unwrap_or_else(|e| panic!("{:?}: {e}", cases[n]));
}

#[test]
fn a_shared_library_rewritten_in_place_in_an_l_dir() {
    issue_19_case(0);
}

#[test]
fn a_shared_library_rewritten_in_place_in_a_driver_dir() {
    issue_19_case(1);
}

#[test]
fn an_empty_library_path_entry_then_another_directory() {
    issue_19_case(2);
}

#[test]
fn an_archive_and_an_object_rewritten_in_place() {
    issue_19_case(3);
}

#[test]
fn a_relative_b_dir_from_two_directories() {
    issue_19_case(4);
}

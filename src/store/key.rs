//! The one key hasher of the cache's entries.

/// A SHA-256 over byte strings, each prefixed with its length, so no two
/// different sequences of parts hash alike: the keys solink's cache
/// entries are found by (a link's verdict pack, direct mode's answer, an
/// object's symbols in the closure check's keys).
#[derive(Default)]
pub(super) struct KeyHasher(sha2::Sha256);

impl KeyHasher {
    pub(super) fn add(&mut self, bytes: &[u8]) {
        use sha2::Digest as _;
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The digest, in lower-case hex.
    pub(super) fn hex(self) -> String {
        use sha2::Digest as _;
        crate::formats::provenance::Digest(self.0.finalize().into()).hex()
    }
}

// Every key of the cache is spelled below (issue 34 §8): what goes into it,
// in which order, under which format's name. The rooms that ask the store
// hand in plain values (paths, words, identities) and get the key back;
// `tests/architecture.rs` (`every_key_is_spelled_in_the_store`) refuses a
// `KeyHasher` or a digest built anywhere else.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::fsx::FileId;

/// The key of a link's pack of verdicts and of its one cache file
/// (`bundle.rs`): where it runs and what it names, less the file it writes
/// (`output`, as `-o FILE` or `-oFILE` gave it), so the same inputs linked
/// into another file find the same answers. It only groups entries (each
/// is checked against its file's identity, or by its own key), so two
/// links with the same key cannot mislead each other; the same link finds
/// its own again.
pub fn pack(
    cwd: Option<&Path>,
    libsdir: &[PathBuf],
    workspace: Option<&Path>,
    tokens: &[OsString],
    output: Option<&Path>,
) -> String {
    let mut h = KeyHasher::default();
    h.add(cwd.unwrap_or(Path::new("")).as_os_str().as_bytes());
    for dir in libsdir {
        h.add(dir.as_os_str().as_bytes());
    }
    h.add(workspace.unwrap_or(Path::new("")).as_os_str().as_bytes());
    let output = output.map(|o| o.as_os_str().as_bytes());
    for token in tokens {
        let t = token.as_bytes();
        match output {
            Some(o) if t == o || t.strip_prefix(b"-o") == Some(o) => h.add(b"\0output"),
            _ => h.add(t),
        }
    }
    h.hex()
}

/// Direct mode's key (`store/direct.rs`): this solink's identity, the
/// working directory, whether stderr is a terminal, the command line, and
/// the driver and arguments solink chose from them. The environment is not
/// in it: the variables the run read are facts of the entry.
pub fn direct(
    format: &str,
    solink: FileId,
    cwd: &Path,
    stderr_terminal: bool,
    parts: [&[OsString]; 3],
) -> String {
    let mut h = KeyHasher::default();
    h.add(format.as_bytes());
    h.add(solink.key().as_bytes());
    h.add(cwd.as_os_str().as_bytes());
    h.add(&[u8::from(stderr_terminal)]);
    for part in parts {
        h.add(&(part.len() as u64).to_le_bytes());
        for word in part {
            h.add(word.as_bytes());
        }
    }
    h.hex()
}

/// The key of the driver's library dirs (`probe/sysdirs.rs`): the
/// driver's path and identity, the question, its words and the target
/// flags; for a wrapper (`ccache gcc`), `PATH` and the identity of the
/// compiler found on it; and each variable that changes the answer, set
/// (with its value) or unset.
pub fn driver_dirs(
    driver: (&Path, FileId),
    question: &str,
    words: &[&OsString],
    wrapped: Option<(Option<&std::ffi::OsStr>, Option<FileId>)>,
    vars: &[(&str, Option<&std::ffi::OsStr>)],
) -> String {
    let mut h = KeyHasher::default();
    h.add(driver.0.as_os_str().as_bytes());
    h.add(driver.1.key().as_bytes());
    h.add(question.as_bytes());
    h.add(&(words.len() as u64).to_le_bytes());
    for w in words {
        h.add(w.as_bytes());
    }
    match wrapped {
        None => h.add(b"no wrapper"),
        Some((path, compiler)) => {
            h.add(b"wrapper");
            h.add(path.map_or(&b"\0unset"[..], |p| p.as_bytes()));
            h.add(compiler.map_or_else(String::new, |id| id.key()).as_bytes());
        }
    }
    for (name, value) in vars {
        h.add(name.as_bytes());
        match value {
            Some(v) => h.add(&[&b"="[..], v.as_bytes()].concat()),
            None => h.add(b"unset"),
        }
    }
    format!("dirs5 {}", h.hex())
}

/// The format of nvcc's dry-run entries (`store/dryrun.rs`): a change to
/// what the key holds or how the answer is kept is a new name.
const NVCC_DRY_RUN: &str = "solink-nvcc-dryrun 1";

/// The key of `nvcc --dryrun ARGS` (`probe/dryrun.rs`, issue 34 §2):
/// nvcc's path and identity (`_HERE_`, where it finds its profile and its
/// `crt/link.stub`, is the path's directory); its `nvcc.profile`'s bytes
/// (`None`: there is none, which nvcc takes as empty); each variable
/// that changes the answer, set (with its value) or unset (nvcc's own,
/// `PATH`, `NVCC_PREPEND_FLAGS`, `NVCC_APPEND_FLAGS`, `NVCC_CCBIN`,
/// `TMPDIR`, ..., then every name the profile sets or reads); the working
/// directory; and the exact arguments. The host compiler nvcc runs is
/// named only by the answer (`--host-ccbin`): the entry holds its
/// identity, and a hit whose host compiler is another file is a miss.
pub fn nvcc_dry_run(
    nvcc: (&Path, FileId),
    profile: Option<&[u8]>,
    vars: &[(&str, Option<&std::ffi::OsStr>)],
    cwd: &Path,
    args: &[OsString],
) -> String {
    let mut h = KeyHasher::default();
    h.add(NVCC_DRY_RUN.as_bytes());
    h.add(nvcc.0.as_os_str().as_bytes());
    h.add(nvcc.1.key().as_bytes());
    match profile {
        Some(bytes) => {
            h.add(b"profile");
            h.add(bytes);
        }
        None => h.add(b"no profile"),
    }
    h.add(&(vars.len() as u64).to_le_bytes());
    for (name, value) in vars {
        h.add(name.as_bytes());
        match value {
            Some(v) => h.add(&[&b"="[..], v.as_bytes()].concat()),
            None => h.add(b"unset"),
        }
    }
    h.add(cwd.as_os_str().as_bytes());
    h.add(&(args.len() as u64).to_le_bytes());
    for a in args {
        h.add(a.as_bytes());
    }
    h.hex()
}

/// A digest of everything the closure check reads of an object: its name,
/// its definitions and references with their kinds, and whether it has
/// constructors (`probe/link.rs`, in both of the check's keys).
pub fn object_symbols<'a>(
    name: &str,
    defined: impl ExactSizeIterator<Item = (&'a [u8], u8)>,
    undefined: impl ExactSizeIterator<Item = (&'a [u8], u8)>,
    ctors: bool,
) -> String {
    let mut h = KeyHasher::default();
    h.add(name.as_bytes());
    h.add(&(defined.len() as u64).to_le_bytes());
    for (name, kind) in defined {
        h.add(name);
        h.add(&[kind]);
    }
    h.add(&(undefined.len() as u64).to_le_bytes());
    for (name, kind) in undefined {
        h.add(name);
        h.add(&[kind]);
    }
    h.add(&[u8::from(ctors)]);
    h.hex()
}

/// The closure check's entries' format. 3: a summary names the users of an
/// archive ld takes nothing from (`R`); an entry of 2 would read as
/// "nothing uses it". 4: the keys are digests.
const CLOSURE: &str = "solink-closure 4";

/// One step of a link as the closure check's keys spell it
/// (`probe/closure_facts.rs`): the command's structure as written
/// ([`closure_quick`]) or each input ld reads ([`closure_full`]).
#[derive(Clone, Copy)]
pub enum Step<'a> {
    /// A file named on the command line, as written.
    File(&'a Path),
    /// A `-l`: searched statically or not, and its spelling, `n` + NAME,
    /// `v` + FILE (`-l:FILE`) or `p` + a path.
    Lib {
        static_: bool,
        spelled: &'a [u8],
    },
    /// An input ld reads: its kind (`O` object, `a` archive, `s` shared),
    /// whether it is as-needed, whether it is read whole, what it is (an
    /// identity or an object's symbols digest) and where.
    Input {
        kind: u8,
        as_needed: bool,
        whole: bool,
        what: &'a str,
        path: &'a Path,
    },
    GroupStart,
    GroupEnd,
    AsNeeded(bool),
    Whole(bool),
}

impl Step<'_> {
    fn add_to(&self, h: &mut KeyHasher) {
        match self {
            Step::File(path) => {
                h.add(b"f");
                h.add(path.as_os_str().as_bytes());
            }
            Step::Lib { static_, spelled } => {
                h.add(if *static_ { b"l1" } else { b"l0" });
                h.add(spelled);
            }
            Step::Input { kind, as_needed, whole, what, path } => {
                h.add(&[b'i', *kind, u8::from(*as_needed), u8::from(*whole)]);
                h.add(what.as_bytes());
                h.add(path.as_os_str().as_bytes());
            }
            Step::GroupStart => h.add(b"("),
            Step::GroupEnd => h.add(b")"),
            Step::AsNeeded(on) => h.add(if *on { b"?1" } else { b"?0" }),
            Step::Whole(on) => h.add(if *on { b"w1" } else { b"w0" }),
        }
    }
}

/// The closure check's quick key, from the plan alone: the command's
/// structure (`Step::File`, `Step::Lib`, groups and states), ld's search
/// dirs and the wraps. What the files are is not in it: the entry's facts
/// say that.
pub fn closure_quick<'a>(
    steps: impl Iterator<Item = Step<'a>>,
    dirs: &[PathBuf],
    wraps: &[impl AsRef<[u8]>],
) -> String {
    let mut h = KeyHasher::default();
    h.add(CLOSURE.as_bytes());
    h.add(b"quick");
    for step in steps {
        step.add_to(&mut h);
    }
    h.add(b"dirs");
    h.add(&(dirs.len() as u64).to_le_bytes());
    for dir in dirs {
        h.add(dir.as_os_str().as_bytes());
    }
    add_wraps(&mut h, wraps);
    h.hex()
}

/// The closure check's full key: each input ld reads (`Step::Input`, an
/// archive or shared library by its identity, an object by its symbols
/// digest), the groups, and the wraps.
pub fn closure_full<'a>(steps: impl Iterator<Item = Step<'a>>, wraps: &[impl AsRef<[u8]>]) -> String {
    let mut h = KeyHasher::default();
    h.add(CLOSURE.as_bytes());
    h.add(b"full");
    for step in steps {
        step.add_to(&mut h);
    }
    add_wraps(&mut h, wraps);
    h.hex()
}

fn add_wraps(h: &mut KeyHasher, wraps: &[impl AsRef<[u8]>]) {
    h.add(b"wraps");
    h.add(&(wraps.len() as u64).to_le_bytes());
    for w in wraps {
        h.add(w.as_ref());
    }
}

/// The key of the providers of missing symbols (`probe/closure_facts.rs`):
/// the target (ELF class and machine), ld's search dirs and the names
/// asked for.
pub fn providers(class64: bool, machine: u16, dirs: &[PathBuf], missing: &[impl AsRef<[u8]>]) -> String {
    let mut h = KeyHasher::default();
    h.add(b"solink-providers 3");
    h.add(&[u8::from(class64)]);
    h.add(&machine.to_le_bytes());
    h.add(&(dirs.len() as u64).to_le_bytes());
    for dir in dirs {
        h.add(dir.as_os_str().as_bytes());
    }
    h.add(&(missing.len() as u64).to_le_bytes());
    for n in missing {
        h.add(n.as_ref());
    }
    h.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each input of the pack key changes it (issue 34: every key's test).
    #[test]
    fn the_pack_key_follows_each_input() {
        let p = |s: &str| PathBuf::from(s);
        let w = |s: &[&str]| s.iter().map(OsString::from).collect::<Vec<_>>();
        let k =
            |cwd: Option<&str>, libsdir: &[&str], ws: Option<&str>, tokens: &[&str], out: Option<&str>| {
                let libsdir: Vec<PathBuf> = libsdir.iter().map(|d| p(d)).collect();
                pack(cwd.map(Path::new), &libsdir, ws.map(Path::new), &w(tokens), out.map(Path::new))
            };
        let base = k(Some("/w"), &["a"], Some("ws"), &["-la", "-o", "x.so"], Some("x.so"));
        let others = [
            k(Some("/v"), &["a"], Some("ws"), &["-la", "-o", "x.so"], Some("x.so")),
            k(None, &["a"], Some("ws"), &["-la", "-o", "x.so"], Some("x.so")),
            k(Some("/w"), &["b"], Some("ws"), &["-la", "-o", "x.so"], Some("x.so")),
            k(Some("/w"), &["a"], None, &["-la", "-o", "x.so"], Some("x.so")),
            k(Some("/w"), &["a"], Some("ws"), &["-lb", "-o", "x.so"], Some("x.so")),
            k(Some("/w"), &["a", "ws"], None, &["-la", "-o", "x.so"], Some("x.so")),
            k(Some("/w"), &["a"], Some("ws"), &["-la", "-o", "x.so"], None),
            k(Some("/w"), &["a"], Some("ws"), &["-la", "-ox.so"], Some("x.so")),
        ];
        for (i, k) in others.iter().enumerate() {
            assert_ne!(*k, base, "input {i}");
        }
        // The file it writes is left out: the same inputs into another file
        // share the link's answers.
        assert_eq!(k(Some("/w"), &["a"], Some("ws"), &["-la", "-o", "y.so"], Some("y.so")), base);
        assert_eq!(
            k(Some("/w"), &["a"], Some("ws"), &["-la", "-oy.so"], Some("y.so")),
            k(Some("/w"), &["a"], Some("ws"), &["-la", "-oz.so"], Some("z.so")),
        );
    }

    /// Each input of nvcc's dry-run key changes it (issue 34 §2): nvcc's
    /// path and identity, the profile (its bytes, or none), each variable
    /// (a value, set or unset, another name), the working directory and
    /// each argument (one more, one changed, the order).
    #[test]
    fn the_nvcc_dry_run_key_follows_each_input() {
        use std::ffi::OsStr;
        let id = FileId { dev: 1, ino: 2, size: 3, mtime_ns: 4, ctime_ns: 5 };
        let w = |s: &[&str]| s.iter().map(OsString::from).collect::<Vec<_>>();
        let on = |v: &'static str| Some(OsStr::new(v));
        let vars = |path, pre, app, ccbin, named| {
            vec![
                ("PATH", path),
                ("NVCC_PREPEND_FLAGS", pre),
                ("NVCC_APPEND_FLAGS", app),
                ("NVCC_CCBIN", ccbin),
                ("TOP", named),
            ]
        };
        let base_vars = vars(on("/bin"), None, None, None, None);
        let k =
            |nvcc: (&Path, FileId),
             profile: Option<&[u8]>,
             vars: &[(&str, Option<&OsStr>)],
             cwd: &str,
             args: &[&str]| { nvcc_dry_run(nvcc, profile, vars, Path::new(cwd), &w(args)) };
        let nv = Path::new("/cuda/bin/nvcc");
        let p: Option<&[u8]> = Some(b"TOP = $(_HERE_)/..\n");
        let args = ["-shared", "-o", "x.so", "w.o"];
        let base = k((nv, id), p, &base_vars, "/w", &args);
        let others = [
            ("nvcc's path", k((Path::new("/cuda2/bin/nvcc"), id), p, &base_vars, "/w", &args)),
            ("nvcc rebuilt", k((nv, FileId { mtime_ns: 6, ..id }), p, &base_vars, "/w", &args)),
            ("the profile's bytes", k((nv, id), Some(b"TOP = $(_HERE_)/../..\n"), &base_vars, "/w", &args)),
            ("no profile", k((nv, id), None, &base_vars, "/w", &args)),
            ("an empty profile", k((nv, id), Some(b""), &base_vars, "/w", &args)),
            ("PATH", k((nv, id), p, &vars(on("/usr/bin"), None, None, None, None), "/w", &args)),
            ("PATH unset", k((nv, id), p, &vars(None, None, None, None, None), "/w", &args)),
            ("PATH empty", k((nv, id), p, &vars(on(""), None, None, None, None), "/w", &args)),
            (
                "NVCC_PREPEND_FLAGS",
                k((nv, id), p, &vars(on("/bin"), on("-g"), None, None, None), "/w", &args),
            ),
            ("NVCC_APPEND_FLAGS", k((nv, id), p, &vars(on("/bin"), None, on("-g"), None, None), "/w", &args)),
            ("NVCC_CCBIN", k((nv, id), p, &vars(on("/bin"), None, None, on("clang++"), None), "/w", &args)),
            (
                "a variable the profile names",
                k((nv, id), p, &vars(on("/bin"), None, None, None, on("/t")), "/w", &args),
            ),
            (
                "one more variable",
                k((nv, id), p, &[base_vars.clone(), vec![("CUDA_ROOT", None)]].concat(), "/w", &args),
            ),
            ("the working directory", k((nv, id), p, &base_vars, "/v", &args)),
            ("one more argument", k((nv, id), p, &base_vars, "/w", &["-shared", "-o", "x.so", "w.o", "-g"])),
            ("an argument changed", k((nv, id), p, &base_vars, "/w", &["-shared", "-o", "y.so", "w.o"])),
            ("the arguments' order", k((nv, id), p, &base_vars, "/w", &["-shared", "w.o", "-o", "x.so"])),
            ("two words as one", k((nv, id), p, &base_vars, "/w", &["-shared", "-o x.so", "w.o"])),
        ];
        for (what, other) in &others {
            assert_ne!(*other, base, "{what}");
        }
        assert_eq!(k((nv, id), p, &base_vars, "/w", &args), base, "the same inputs, the same key");
    }

    /// Each input of the object-symbols digest changes it.
    #[test]
    fn the_object_symbols_key_follows_each_input() {
        let k = |name: &str, d: &[(&[u8], u8)], u: &[(&[u8], u8)], c: bool| {
            object_symbols(name, d.iter().copied(), u.iter().copied(), c)
        };
        let base = k("a.o", &[(b"f", 1)], &[(b"g", 0)], false);
        for other in [
            k("b.o", &[(b"f", 1)], &[(b"g", 0)], false),
            k("a.o", &[(b"f", 2)], &[(b"g", 0)], false),
            k("a.o", &[(b"h", 1)], &[(b"g", 0)], false),
            k("a.o", &[(b"f", 1)], &[(b"g", 1)], false),
            k("a.o", &[(b"f", 1)], &[], false),
            k("a.o", &[], &[(b"f", 1), (b"g", 0)], false),
            k("a.o", &[(b"f", 1)], &[(b"g", 0)], true),
        ] {
            assert_ne!(other, base);
        }
    }
    /// Each input of the closure check's quick key changes it.
    #[test]
    fn the_closure_quick_key_follows_each_input() {
        let p = PathBuf::from;
        let k = |steps: Vec<Step>, dirs: &[PathBuf], wraps: &[&str]| {
            let wraps: Vec<&[u8]> = wraps.iter().map(|w| w.as_bytes()).collect();
            closure_quick(steps.into_iter(), dirs, &wraps)
        };
        let a = Path::new("a.o");
        let steps = || vec![Step::File(a), Step::Lib { static_: false, spelled: b"nx" }];
        let base = k(steps(), &[p("/d")], &["w"]);
        let others = [
            k(
                vec![Step::File(Path::new("b.o")), Step::Lib { static_: false, spelled: b"nx" }],
                &[p("/d")],
                &["w"],
            ),
            k(vec![Step::File(a), Step::Lib { static_: true, spelled: b"nx" }], &[p("/d")], &["w"]),
            k(vec![Step::File(a), Step::Lib { static_: false, spelled: b"vx" }], &[p("/d")], &["w"]),
            k(vec![Step::Lib { static_: false, spelled: b"nx" }, Step::File(a)], &[p("/d")], &["w"]),
            k([steps(), vec![Step::GroupStart]].concat(), &[p("/d")], &["w"]),
            k([steps(), vec![Step::GroupEnd]].concat(), &[p("/d")], &["w"]),
            k([steps(), vec![Step::AsNeeded(true)]].concat(), &[p("/d")], &["w"]),
            k([steps(), vec![Step::AsNeeded(false)]].concat(), &[p("/d")], &["w"]),
            k([steps(), vec![Step::Whole(true)]].concat(), &[p("/d")], &["w"]),
            k([steps(), vec![Step::Whole(false)]].concat(), &[p("/d")], &["w"]),
            k(steps(), &[p("/e")], &["w"]),
            k(steps(), &[p("/d"), p("/e")], &["w"]),
            k(steps(), &[p("/d")], &["v"]),
            k(steps(), &[p("/d")], &[]),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(*other, base, "input {i}");
        }
    }

    /// Each input of the closure check's full key changes it.
    #[test]
    fn the_closure_full_key_follows_each_input() {
        let input = |kind, as_needed, whole, what, path| Step::Input { kind, as_needed, whole, what, path };
        let (x, y) = (Path::new("/x"), Path::new("/y"));
        let k = |steps: Vec<Step>, wraps: &[&[u8]]| closure_full(steps.into_iter(), wraps);
        let base = k(vec![input(b'a', false, false, "id1", x)], &[b"w"]);
        let others = [
            k(vec![input(b's', false, false, "id1", x)], &[b"w"]),
            k(vec![input(b'a', true, false, "id1", x)], &[b"w"]),
            k(vec![input(b'a', false, true, "id1", x)], &[b"w"]),
            k(vec![input(b'a', false, false, "id2", x)], &[b"w"]),
            k(vec![input(b'a', false, false, "id1", y)], &[b"w"]),
            k(vec![Step::GroupStart, input(b'a', false, false, "id1", x), Step::GroupEnd], &[b"w"]),
            k(vec![input(b'a', false, false, "id1", x)], &[b"v"]),
            k(vec![input(b'a', false, false, "id1", x)], &[]),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(*other, base, "input {i}");
        }
    }

    /// Each input of the providers key changes it.
    #[test]
    fn the_providers_key_follows_each_input() {
        let d = [PathBuf::from("/d")];
        let base = providers(true, 62, &d, &[b"f"]);
        for (i, other) in [
            providers(false, 62, &d, &[b"f"]),
            providers(true, 3, &d, &[b"f"]),
            providers(true, 62, &[PathBuf::from("/e")], &[b"f"]),
            providers(true, 62, &[], &[b"f"]),
            providers(true, 62, &d, &[b"g"]),
            providers(true, 62, &d, &[&b"f"[..], b"g"]),
        ]
        .iter()
        .enumerate()
        {
            assert_ne!(*other, base, "input {i}");
        }
    }
}

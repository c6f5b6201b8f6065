//! The driver's library directories (search stage 4), as a provider that
//! owns its cache key.
//!
//! Asking costs a process start, so [`SystemDirs::dirs`] is called only
//! when a lookup first reaches stage 4 (`SearchPath` calls it at most once),
//! and the answer is cached across runs. The cache key holds every input
//! that can change the answer, so a warm cache never gives another list than
//! asking would:
//! - the driver: its path, the `fstat` identity of the file (device, inode,
//!   size, mtime and ctime), and the words that come with it (`ccache gcc`);
//! - the question (`-print-search-dirs`, or `--verbose` for ld) and the
//!   target flags passed with it (`-m32`, `--sysroot`, `--target`);
//! - the environment variables gcc reads when it builds its library path
//!   (gcc manual, "Environment Variables Affecting GCC"): `LIBRARY_PATH`,
//!   `COMPILER_PATH` and `GCC_EXEC_PREFIX`. gcc reads no sysroot variable;
//!   the sysroot comes from `--sysroot`, which is a target flag above.
//!
//! Directories the driver names that do not exist (yet) are kept in the
//! cached list and dropped only when the list is used, so a directory made
//! after the first run is searched by the next.

use foldhash::HashSet;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::args::Syntax;
use crate::env::Env;
use crate::exec::Driver;
use crate::fsx;
use crate::probe::dryrun::Nvcc;
use crate::store::Store;

/// The environment variables that change gcc's (and clang's) library path.
const DRIVER_VARS: &[&str] = &["LIBRARY_PATH", "COMPILER_PATH", "GCC_EXEC_PREFIX"];

/// Where stage 4's directories come from.
pub struct SystemDirs<'a> {
    source: Source<'a>,
}

enum Source<'a> {
    /// Asked of the driver (or taken from the cache under its key).
    Driver { driver: &'a Driver, syntax: Syntax, flags: &'a [OsString], env: &'a Env, cache: Option<Store> },
    /// nvcc's: its host compiler's, asked of the host compiler nvcc's dry
    /// run of `tokens` names (with the target flags nvcc gives it), or of
    /// nvcc itself with `flags` when it names none. The dry run is asked
    /// only here, when a lookup first reaches stage 4 (issue 34 §2).
    Nvcc { nvcc: Nvcc<'a>, tokens: &'a [OsString], flags: &'a [OsString] },
    /// A list known up front: the built-in list when there is no driver,
    /// or a test's.
    Listed(Vec<PathBuf>),
}

impl<'a> SystemDirs<'a> {
    /// The directories `driver` searches for the link's target.
    pub fn of_driver(
        driver: &'a Driver,
        syntax: Syntax,
        flags: &'a [OsString],
        env: &'a Env,
        cache: Option<Store>,
    ) -> SystemDirs<'a> {
        SystemDirs { source: Source::Driver { driver, syntax, flags, env, cache } }
    }

    /// The directories of nvcc's host compiler for the command `tokens`
    /// (`flags`: its target flags, for nvcc itself when its dry run names
    /// no host compiler).
    pub fn of_nvcc(nvcc: Nvcc<'a>, tokens: &'a [OsString], flags: &'a [OsString]) -> SystemDirs<'a> {
        SystemDirs { source: Source::Nvcc { nvcc, tokens, flags } }
    }

    /// A fixed list (the built-in one without a driver, or a test's).
    pub fn listed(dirs: Vec<PathBuf>) -> SystemDirs<'static> {
        SystemDirs { source: Source::Listed(dirs) }
    }

    /// The directories, in search order, that exist now.
    pub fn dirs(self) -> Vec<PathBuf> {
        let listed = match self.source {
            Source::Listed(dirs) => dirs,
            Source::Driver { driver, syntax, flags, env, cache } => {
                ask_or_cached(driver, syntax, flags, env, cache.as_ref())
            }
            Source::Nvcc { nvcc, tokens, flags } => match nvcc.host_compiler(tokens) {
                Some((host, host_flags)) => {
                    ask_or_cached(&host, Syntax::Gcc, &host_flags, nvcc.env, nvcc.cache.as_ref())
                }
                None => ask_or_cached(&nvcc.driver, Syntax::Nvcc, flags, nvcc.env, nvcc.cache.as_ref()),
            },
        };
        // One stat per directory per run: what did not exist when the list
        // was cached may exist now, and the reverse.
        let mut seen = HashSet::default();
        listed.into_iter().filter(|d| crate::fsx::is_dir(d) && seen.insert(d.clone())).collect()
    }
}

fn ask_or_cached(
    driver: &Driver,
    syntax: Syntax,
    flags: &[OsString],
    env: &Env,
    cache: Option<&Store>,
) -> Vec<PathBuf> {
    let question = match syntax {
        // nvcc's are asked of its host compiler (`Source::Nvcc`); nvcc itself
        // refuses the question and gets the built-in list.
        Syntax::Gcc | Syntax::Nvcc => "-print-search-dirs",
        Syntax::Ld => "--verbose",
    };
    let key = cache_key(driver, question, flags, env);
    if let (Some(cache), Some(key)) = (cache, &key) {
        if let Some(lines) = cache.driver_dirs(key) {
            if let Some(dirs) = lines.iter().map(|l| from_line(l)).collect() {
                return dedup(dirs);
            }
        }
    }
    // A driver that cannot answer (lld and mold print no SEARCH_DIR) gets
    // the built-in list, and that answer is cached too.
    let dirs = driver
        .ask(flags, question)
        .and_then(|out| match syntax {
            Syntax::Gcc | Syntax::Nvcc => listed_print_search_dirs(&out),
            Syntax::Ld => listed_ld_verbose(&out),
        })
        .unwrap_or_else(fallback_system_dirs);
    let lines: Option<Vec<String>> = dirs.iter().map(|d| to_line(d)).collect();
    if let (Some(cache), Some(key), Some(lines)) = (cache, &key, lines) {
        cache.put_driver_dirs(key, &lines);
    }
    dedup(dirs.iter().map(|d| for_run(d)).collect())
}

/// A directory the driver printed, for this run: canonical where it
/// exists, relative ones against this run's working directory.
fn for_run(dir: &std::path::Path) -> PathBuf {
    crate::fsx::canonicalize(dir)
        .unwrap_or_else(|_| std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()))
}

/// A directory as the cache keeps it: as the driver printed it. What it
/// names is resolved in each run ([`for_run`]): a relative one (an empty
/// `LIBRARY_PATH` entry is the working directory, and gcc prints it
/// relative, as it does a relative `-B`) depends on the directory the link
/// runs in, and an absolute one through a symlink (`/opt/gcc/current/lib`)
/// on where the link points now. `None` for a name that is not UTF-8.
fn to_line(dir: &std::path::Path) -> Option<String> {
    Some(format!("p {}", dir.to_str()?))
}

/// [`to_line`]'s directory for this run.
fn from_line(line: &str) -> Option<PathBuf> {
    Some(for_run(std::path::Path::new(line.strip_prefix("p ")?)))
}

/// `dirs` in order, without repeats.
fn dedup(dirs: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = HashSet::default();
    dirs.into_iter().filter(|d| seen.insert(d.clone())).collect()
}

/// The cache key of the driver's answer: every input that changes it (see
/// the module comment). `None` (no caching) when the driver cannot be
/// stat'ed or a word is not UTF-8 (the key is text).
///
/// A driver with words is a wrapper (`ccache gcc`): the compiler that
/// answers is its first word, found on `PATH` when the wrapper runs it, so
/// `PATH` and that program's identity are in the key too (`module load`,
/// conda or an upgrade changes which gcc answers behind the same ccache).
fn cache_key(driver: &Driver, question: &str, flags: &[OsString], env: &Env) -> Option<String> {
    let id = crate::fsx::FileId::of(&crate::fsx::metadata(&driver.path).ok()?);
    let words: Vec<&OsString> = driver.args.iter().chain(flags).collect();
    let wrapped = driver.args.first().map(|compiler| {
        let found = crate::exec::find_program(compiler, env).and_then(|p| crate::fsx::metadata(&p).ok());
        (env.get("PATH"), found.map(|m| crate::fsx::FileId::of(&m)))
    });
    // Set-but-empty and unset differ for gcc only in that an empty
    // LIBRARY_PATH adds the current directory; the key keeps them apart.
    let vars: Vec<(&str, Option<&std::ffi::OsStr>)> = DRIVER_VARS.iter().map(|v| (*v, env.get(v))).collect();
    Some(crate::store::key::driver_dirs((&driver.path, id), question, &words, wrapped, &vars))
}

/// Parses the `libraries: =/a:/b` line of `gcc -print-search-dirs` (clang
/// prints the same line). Directories that do not exist are dropped and the
/// rest are made canonical and unique, so `.../12/../../../x86_64-linux-gnu/`
/// shows as `/usr/lib/x86_64-linux-gnu`.
pub fn parse_print_search_dirs(output: &[u8]) -> Option<Vec<PathBuf>> {
    listed_print_search_dirs(output).map(|dirs| existing_canonical(&dirs))
}

/// Every directory of the `libraries:` line, as printed, missing ones
/// included (the system-dirs cache keeps them: they may exist later).
pub fn listed_print_search_dirs(output: &[u8]) -> Option<Vec<PathBuf>> {
    let line = output.split(|&c| c == b'\n').find_map(|l| l.strip_prefix(b"libraries: "))?;
    // A leading `=` means "relative to the sysroot"; gcc has already
    // prefixed the sysroot in what it prints.
    let line = line.strip_prefix(b"=").unwrap_or(line);
    let entries = line.split(|&c| c == b':').filter(|e| !e.is_empty());
    Some(entries.map(|e| PathBuf::from(OsStr::from_bytes(e))).collect())
}

/// The directories that exist, canonical, in order, without repeats.
fn existing_canonical(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = HashSet::default();
    dirs.iter()
        .filter_map(|d| fsx::canonicalize(d).ok())
        .filter(|d| fsx::is_dir(d) && seen.insert(d.clone()))
        .collect()
}

/// Parses the `SEARCH_DIR("=/usr/lib")` entries of `ld --verbose` (GNU ld
/// and gold). `None` when there are none (lld and mold print no script).
pub fn parse_ld_verbose(output: &[u8]) -> Option<Vec<PathBuf>> {
    let dirs = existing_canonical(&listed_ld_verbose(output)?);
    (!dirs.is_empty()).then_some(dirs)
}

/// Every `SEARCH_DIR` of `ld --verbose`, as printed, missing ones included.
/// `None` when there are none.
pub fn listed_ld_verbose(output: &[u8]) -> Option<Vec<PathBuf>> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let marker = b"SEARCH_DIR(\"";
    let mut rest = output;
    while let Some(at) = rest.windows(marker.len()).position(|w| w == marker) {
        rest = &rest[at + marker.len()..];
        let Some(end) = rest.iter().position(|&c| c == b'"') else { break };
        let entry = &rest[..end];
        let entry = entry.strip_prefix(b"=").unwrap_or(entry);
        dirs.push(PathBuf::from(OsStr::from_bytes(entry)));
        rest = &rest[end..];
    }
    (!dirs.is_empty()).then_some(dirs)
}

/// Used only when the driver cannot say where its libraries are.
pub fn fallback_system_dirs() -> Vec<PathBuf> {
    let multiarch = format!("{}-linux-gnu", std::env::consts::ARCH);
    [
        "/usr/local/lib".to_string(),
        format!("/lib/{multiarch}"),
        format!("/usr/lib/{multiarch}"),
        "/lib64".into(),
        "/usr/lib64".into(),
        "/lib".into(),
        "/usr/lib".into(),
    ]
    .into_iter()
    .map(PathBuf::from)
    .filter(|d| fsx::is_dir(d))
    .collect()
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests look at files freely
mod tests {
    use super::*;

    #[test]
    fn missing_directories_are_kept_until_used() {
        let t = tempfile::tempdir().unwrap();
        let here = t.path().join("here");
        let later = t.path().join("later");
        std::fs::create_dir(&here).unwrap();
        let listed = dedup([&later, &here, &here.join("."), &later].iter().map(|d| for_run(d)).collect());
        assert_eq!(listed, [later.clone(), here.canonicalize().unwrap()], "kept, canonical where present");
        assert_eq!(SystemDirs::listed(listed.clone()).dirs(), [here.canonicalize().unwrap()]);
        std::fs::create_dir(&later).unwrap();
        assert_eq!(SystemDirs::listed(listed).dirs(), [later, here.canonicalize().unwrap()]);
    }

    /// An empty `LIBRARY_PATH` entry, or a relative `-B`, makes gcc print
    /// relative dirs, and a toolchain reached through a symlink prints a
    /// path through it: cached as printed, each is resolved in the run that
    /// uses it.
    #[test]
    fn dirs_are_kept_as_printed_and_resolved_per_run() {
        let t = tempfile::tempdir().unwrap();
        for v in ["v1", "v2"] {
            std::fs::create_dir(t.path().join(v)).unwrap();
        }
        let current = t.path().join("current");
        std::os::unix::fs::symlink("v1", &current).unwrap();
        let lines: Vec<String> =
            [current.clone(), PathBuf::from("rel/lib")].iter().map(|d| to_line(d).unwrap()).collect();
        assert_eq!(lines, [format!("p {}", current.display()), "p rel/lib".into()]);
        assert_eq!(from_line(&lines[0]), Some(t.path().canonicalize().unwrap().join("v1")));
        std::fs::remove_file(&current).unwrap();
        std::os::unix::fs::symlink("v2", &current).unwrap();
        assert_eq!(
            from_line(&lines[0]),
            Some(t.path().canonicalize().unwrap().join("v2")),
            "where it points now"
        );
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(from_line(&lines[1]), Some(cwd.join("rel/lib")), "against this run's directory");
        assert_eq!(from_line("/no/tag"), None, "an entry of another shape");
    }

    fn key_with(vars: &[(&str, &str)], flags: &[&str]) -> Option<String> {
        let exe = std::env::current_exe().unwrap();
        let env = Env::new(vars.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))));
        let driver = Driver::find(&[exe.into_os_string()], &env).unwrap();
        let flags: Vec<OsString> = flags.iter().map(OsString::from).collect();
        cache_key(&driver, "-print-search-dirs", &flags, &env)
    }

    #[test]
    fn the_key_changes_with_every_input() {
        let base = key_with(&[], &[]).unwrap();
        let variants = [
            key_with(&[("LIBRARY_PATH", "/d")], &[]),
            key_with(&[("LIBRARY_PATH", "")], &[]),
            key_with(&[("COMPILER_PATH", "/d")], &[]),
            key_with(&[("GCC_EXEC_PREFIX", "/d/")], &[]),
            key_with(&[], &["-m32"]),
            key_with(&[], &["--sysroot", "/s"]),
        ];
        let mut all: HashSet<String> = [base.clone()].into_iter().collect();
        for v in variants {
            let v = v.unwrap();
            assert!(all.insert(v.clone()), "a key repeats: {v}");
        }
        assert_eq!(key_with(&[("UNRELATED", "x")], &[]).unwrap(), base, "other variables do not matter");
    }

    /// Behind a wrapper, which compiler answers depends on `PATH`.
    #[test]
    fn a_wrappers_key_holds_path_and_the_compiler_it_finds() {
        let t = tempfile::tempdir().unwrap();
        for d in ["a", "b"] {
            std::fs::create_dir(t.path().join(d)).unwrap();
            let cc = t.path().join(d).join("cc");
            std::fs::write(&cc, format!("#!/bin/sh\necho {d}\n")).unwrap();
            std::fs::set_permissions(&cc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        }
        let key = |path: &str| {
            let env = Env::new([(OsString::from("PATH"), OsString::from(path))]);
            let exe = std::env::current_exe().unwrap();
            let driver = Driver::find(&[exe.into_os_string(), "cc".into()], &env).unwrap();
            cache_key(&driver, "-print-search-dirs", &[], &env).unwrap()
        };
        let (a, b) = (t.path().join("a"), t.path().join("b"));
        assert_ne!(key(a.to_str().unwrap()), key(b.to_str().unwrap()));
    }

    #[test]
    fn listed_dirs_skip_what_is_not_a_directory() {
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert_eq!(SystemDirs::listed(vec![file, t.path().to_path_buf()]).dirs(), [t.path()]);
    }

    fn tempdir_with(dirs: &[&str]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for d in dirs {
            std::fs::create_dir(t.path().join(d)).unwrap();
        }
        t
    }

    #[test]
    fn parses_ld_verbose() {
        let t = tempdir_with(&["a"]);
        let out = format!(
            "GNU ld\nSEARCH_DIR(\"={}\"); SEARCH_DIR(\"=/does/not/exist\"); SEARCH_DIR(\"{}\");\n",
            t.path().join("a").display(),
            t.path().join("a").display()
        );
        assert_eq!(parse_ld_verbose(out.as_bytes()), Some(vec![t.path().join("a").canonicalize().unwrap()]));
        assert_eq!(parse_ld_verbose(b"LLD 14.0.6"), None);
    }

    #[test]
    fn parses_gcc_output() {
        let t = tempdir_with(&["a", "b"]);
        let out = format!(
            "install: /usr/lib/gcc/x/12/\nprograms: =/nope\nlibraries: ={}:{}/../b/:/does/not/exist:{}\n",
            t.path().join("a").display(),
            t.path().join("a").display(),
            t.path().join("a").display()
        );
        let dirs = parse_print_search_dirs(out.as_bytes()).unwrap();
        let canon = |r: &str| t.path().join(r).canonicalize().unwrap();
        assert_eq!(dirs, [canon("a"), canon("b")]);
        assert_eq!(parse_print_search_dirs(b"garbage"), None);
    }
}

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

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::PathBuf;

use crate::args::Syntax;
use crate::exec::Driver;
use crate::store::Store;
use crate::{search, Env};

/// The environment variables that change gcc's (and clang's) library path.
const DRIVER_VARS: &[&str] = &["LIBRARY_PATH", "COMPILER_PATH", "GCC_EXEC_PREFIX"];

/// Where stage 4's directories come from.
pub struct SystemDirs<'a> {
    source: Source<'a>,
}

enum Source<'a> {
    /// Asked of the driver (or taken from the cache under its key).
    Driver { driver: &'a Driver, syntax: Syntax, flags: &'a [OsString], env: &'a Env, cache: Option<Store> },
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
        };
        // One stat per directory per run: what did not exist when the list
        // was cached may exist now, and the reverse.
        let mut seen = HashSet::new();
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
        Syntax::Gcc => "-print-search-dirs",
        Syntax::Ld => "--verbose",
    };
    let key = cache_key(driver, question, flags, env);
    if let (Some(cache), Some(key)) = (cache, &key) {
        if let Some(lines) = cache.get_lines(key) {
            return lines.into_iter().map(PathBuf::from).collect();
        }
    }
    // A driver that cannot answer (lld and mold print no SEARCH_DIR) gets
    // the built-in list, and that answer is cached too.
    let dirs = driver
        .ask(flags, question)
        .and_then(|out| match syntax {
            Syntax::Gcc => search::listed_print_search_dirs(&out),
            Syntax::Ld => search::listed_ld_verbose(&out),
        })
        .map(|dirs| canonical_where_present(&dirs))
        .unwrap_or_else(search::fallback_system_dirs);
    let lines: Option<Vec<String>> = dirs.iter().map(|d| d.to_str().map(str::to_string)).collect();
    if let (Some(cache), Some(key), Some(lines)) = (cache, &key, lines) {
        cache.put_lines(key, &lines);
    }
    dirs
}

/// Each directory made canonical when it exists (`.../12/../../../x86_64-linux-gnu/`
/// shows as `/usr/lib/x86_64-linux-gnu`) and kept as given when it does
/// not, in order, without repeats.
fn canonical_where_present(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = HashSet::new();
    dirs.iter()
        .map(|d| crate::fsx::canonicalize(d).unwrap_or_else(|_| d.clone()))
        .filter(|d| seen.insert(d.clone()))
        .collect()
}

/// The cache key of the driver's answer: every input that changes it (see
/// the module comment). `None` (no caching) when the driver cannot be
/// stat'ed or a word is not UTF-8 (the key is text).
fn cache_key(driver: &Driver, question: &str, flags: &[OsString], env: &Env) -> Option<String> {
    let id = crate::fsx::FileId::of(&crate::fsx::metadata(&driver.path).ok()?);
    let mut words = vec![driver.path.as_os_str().to_str()?.to_string()];
    for w in driver.args.iter().chain(flags) {
        words.push(w.to_str()?.to_string());
    }
    for var in DRIVER_VARS {
        // Set-but-empty and unset differ for gcc only in that an empty
        // LIBRARY_PATH adds the current directory; keep them apart.
        match env.get(var) {
            Some(v) => words.push(format!("{var}={}", v.to_str()?)),
            None => words.push(format!("{var} unset")),
        }
    }
    Some(format!("dirs2 {} {question} {}", id.key(), words.join("\u{1f}")))
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
        let listed = canonical_where_present(&[later.clone(), here.clone(), here.join("."), later.clone()]);
        assert_eq!(listed, [later.clone(), here.canonicalize().unwrap()], "kept, canonical where present");
        assert_eq!(SystemDirs::listed(listed.clone()).dirs(), [here.canonicalize().unwrap()]);
        std::fs::create_dir(&later).unwrap();
        assert_eq!(SystemDirs::listed(listed).dirs(), [later, here.canonicalize().unwrap()]);
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
        let mut all: HashSet<String> = HashSet::from([base.clone()]);
        for v in variants {
            let v = v.unwrap();
            assert!(all.insert(v.clone()), "a key repeats: {v}");
        }
        assert_eq!(key_with(&[("UNRELATED", "x")], &[]).unwrap(), base, "other variables do not matter");
    }

    #[test]
    fn listed_dirs_skip_what_is_not_a_directory() {
        let t = tempfile::tempdir().unwrap();
        let file = t.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert_eq!(SystemDirs::listed(vec![file, t.path().to_path_buf()]).dirs(), [t.path()]);
    }
}

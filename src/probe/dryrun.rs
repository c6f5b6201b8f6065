//! nvcc's dry run (issue 20 §8, issue 34 §2): `nvcc --dryrun ARGS`, the
//! steps nvcc would run, asked of nvcc only when a search or the closure
//! check needs them, and kept in the cache, so a warm link runs nvcc (and
//! the host compiler, which nvcc runs even for `--dryrun`) only to link.
//!
//! The answer's key (`store::key::nvcc_dry_run`) holds every input nvcc
//! reads, each asked through `fsx` or `Env::get`, so direct mode's
//! recording holds them too and a replay is as sound as the entry:
//! - nvcc's path and identity. nvcc takes `_HERE_` from its `argv[0]`
//!   (solink runs it by its path), and finds its profile there;
//! - `_HERE_/nvcc.profile`'s bytes (a bounded read of a regular file; a
//!   missing one is a profile of its own, which nvcc takes as empty), and
//!   the value of every variable it sets or reads (`nvcc::profile_names`);
//! - the variables nvcc itself reads ([`NVCC_VARS`], from its binary's
//!   strings): `PATH` (where it finds the host compiler),
//!   `NVCC_PREPEND_FLAGS`, `NVCC_APPEND_FLAGS`, `NVCC_CCBIN`, `TMPDIR`
//!   (its temporary files' directory, in the answer), `CUDA_ROOT` and
//!   `LIBRARY_PATH`;
//! - the working directory and the exact arguments.
//!
//! The host compiler nvcc ran is named only by its answer (`--host-ccbin`):
//! the entry keeps the name, the file it was found as (on `PATH` as nvcc's
//! `execvp` finds it, or the path nvcc was given) and its identity, and a
//! hit finds the name again and must come to the same file, unchanged.
//!
//! The text kept and handed on has nvcc's temporary files' names spelled
//! the same in every run (`nvcc::without_temp_names`), asked or cached.
//! When any input cannot be told (no working directory, nvcc behind a
//! wrapper's words, a profile that cannot be read or read for sure, an
//! answer that names no host compiler or one that cannot be found),
//! nothing is cached and nvcc is asked.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

use crate::args::{self, Syntax};
use crate::env::Env;
use crate::exec::Driver;
use crate::fsx::{self, FileId};
use crate::probe::nvcc;
use crate::store::dryrun::DryRun;
use crate::store::{self, Store};

/// The variables nvcc reads itself (the names its binary holds, nvcc
/// 13.5), besides those its profile names.
const NVCC_VARS: &[&str] =
    &["PATH", "NVCC_PREPEND_FLAGS", "NVCC_APPEND_FLAGS", "NVCC_CCBIN", "TMPDIR", "CUDA_ROOT", "LIBRARY_PATH"];

/// The profile nvcc reads beside itself.
const PROFILE: &str = "nvcc.profile";

/// The most of a profile solink reads (nvcc 13.5's is 409 bytes).
const MAX_PROFILE: u64 = 64 << 10;

/// nvcc as the driver, and what asking it needs: the environment it runs
/// in and the cache its answers are kept in.
#[derive(Clone, Debug)]
pub struct Nvcc<'a> {
    pub driver: Driver,
    pub env: &'a Env,
    pub cache: Option<Store>,
}

/// An answer's key, and the identities of the files it was made from (for
/// the store's "too new" rule).
struct Key {
    key: String,
    seen: Vec<FileId>,
}

impl<'a> Nvcc<'a> {
    pub fn new(driver: Driver, env: &'a Env, cache: Option<Store>) -> Nvcc<'a> {
        Nvcc { driver, env, cache }
    }

    /// `nvcc --dryrun ARGS`, with nvcc's temporary files' names made the
    /// same: from the cache when every input is as it was, else asked of
    /// nvcc (and kept). `Err` is the first line of what nvcc said when it
    /// refused, which is never kept.
    pub fn dry_run(&self, args: &[OsString]) -> Result<Vec<u8>, String> {
        let started_ns = store::direct::now_ns();
        let key = self.cache.as_ref().and_then(|_| self.key(args));
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            if let Some(entry) = cache.nvcc_dry_run(&key.key) {
                if find_program(&entry.ccbin, self.env, false) == Some((entry.host.clone(), entry.host_id)) {
                    return Ok(entry.text);
                }
            }
        }
        let text = nvcc::without_temp_names(&self.driver.dry_run(args)?);
        if let (Some(cache), Some(key)) = (&self.cache, key) {
            let ccbin = nvcc::host_ccbin(&text);
            if let Some((ccbin, (host, host_id))) =
                ccbin.and_then(|c| Some((c.clone(), find_program(&c, self.env, false)?)))
            {
                let seen = [key.seen, vec![host_id]].concat();
                let answer = DryRun { ccbin, host, host_id, text };
                cache.put_nvcc_dry_run(&key.key, &answer, &seen, started_ns);
                return Ok(answer.text);
            }
        }
        Ok(text)
    }

    /// The key of `args`' answer, or `None` when an input cannot be told.
    fn key(&self, args: &[OsString]) -> Option<Key> {
        // `ccache nvcc`: the program that answers is not the one found.
        if !self.driver.args.is_empty() {
            return None;
        }
        let cwd = self.env.cwd.as_deref()?;
        let path = &self.driver.path;
        let id = FileId::of(&fsx::metadata(path).ok()?);
        let here = path.parent().filter(|d| !d.as_os_str().is_empty())?;
        let profile = match fsx::open_regular(&here.join(PROFILE)) {
            Ok((file, pid)) => Some((fsx::read_capped(file, pid.size, MAX_PROFILE).ok()?, pid)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(_) => return None,
        };
        let named = match &profile {
            Some((bytes, _)) => nvcc::profile_names(bytes)?,
            None => Vec::new(),
        };
        let mut vars: Vec<(&str, Option<&OsStr>)> = NVCC_VARS.iter().map(|v| (*v, self.env.get(v))).collect();
        for name in named.iter().filter(|n| !NVCC_VARS.contains(&n.as_str())) {
            vars.push((name, self.env.get(name)));
        }
        let bytes = profile.as_ref().map(|(b, _)| &b[..]);
        let key = store::key::nvcc_dry_run((path, id), bytes, &vars, cwd, args);
        Some(Key { key, seen: std::iter::once(id).chain(profile.map(|(_, pid)| pid)).collect() })
    }

    /// nvcc's host compiler, the driver whose library dirs ld searches in
    /// an nvcc link, with the target flags nvcc gives it: from the dry run
    /// of the command `tokens` (issue 20 §8), asked when the search first
    /// reaches the system dirs. `None` when nvcc shows no host link.
    pub fn host_compiler(&self, tokens: &[OsString]) -> Option<(Driver, Vec<OsString>)> {
        let out = self.dry_run(tokens).ok()?;
        let host = nvcc::host_link(&out).ok()?;
        let (path, _) = find_program(&host.compiler, self.env, true)?;
        let compiler = Driver::find(&[path.into_os_string()], self.env).ok()?;
        let flags = args::classify_as(host.args, Syntax::Gcc).ok()?.target_flags;
        Some((compiler, flags))
    }
}

/// The program `name` as `execvp` finds it (a name with a slash as it is,
/// else the first executable file of that name in `PATH`'s directories),
/// with its identity; `skip_self` passes over solink itself, as finding the
/// driver does. Every `stat` is recorded, the misses before it too, so a
/// replay that would find another program misses.
fn find_program(name: &OsStr, env: &Env, skip_self: bool) -> Option<(PathBuf, FileId)> {
    let found = |path: PathBuf| {
        let meta = fsx::metadata(&path).ok()?;
        let me = skip_self && env.self_id == Some((meta.dev(), meta.ino()));
        let runs = meta.is_file() && meta.permissions().mode() & 0o111 != 0;
        (runs && !me).then(|| (path, FileId::of(&meta)))
    };
    if name.as_bytes().contains(&b'/') {
        return found(PathBuf::from(name));
    }
    std::env::split_paths(env.get("PATH")?).find_map(|dir| found(dir.join(name)))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set the files up
mod tests {
    use super::*;

    fn executable(path: &std::path::Path) {
        std::fs::write(path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The key holds every variable nvcc reads and every one its profile
    /// names, the profile's bytes (or that there is none), nvcc's
    /// identity, the working directory and the arguments; what cannot be
    /// told is no key at all.
    #[test]
    fn the_key_follows_each_input_nvcc_reads() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        executable(&bin.join("nvcc"));
        let profile = bin.join(PROFILE);
        std::fs::write(&profile, "TOP = $(_HERE_)/..\nPATH += $(TOP)/bin:\n").unwrap();
        let driver = Driver::find(&[bin.join("nvcc").into_os_string()], &Env::new([])).unwrap();
        let args = [OsString::from("-shared"), OsString::from("w.o")];
        let key = |vars: &[(&str, &str)], cwd: Option<&str>, args: &[OsString]| {
            let env = Env::new(vars.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))))
                .with_cwd(cwd.map(PathBuf::from));
            Nvcc::new(driver.clone(), &env, None).key(args).map(|k| k.key)
        };
        let base = key(&[], Some("/w"), &args).unwrap();
        assert_eq!(key(&[("MAKEFLAGS", "-j2")], Some("/w"), &args).unwrap(), base, "a variable nobody reads");
        for var in NVCC_VARS.iter().chain(&["TOP", "_HERE_"]) {
            assert_ne!(key(&[(var, "x")], Some("/w"), &args).unwrap(), base, "{var} set");
            assert_ne!(key(&[(var, "")], Some("/w"), &args).unwrap(), base, "{var} set empty");
        }
        assert_ne!(key(&[], Some("/v"), &args).unwrap(), base, "the working directory");
        assert_ne!(key(&[], Some("/w"), &args[..1]).unwrap(), base, "the arguments");
        assert_eq!(key(&[], None, &args), None, "no working directory");
        std::fs::write(&profile, "TOP = $(_HERE_)/../..\nPATH += $(TOP)/bin:\n").unwrap();
        let other = key(&[], Some("/w"), &args).unwrap();
        assert_ne!(other, base, "the profile's bytes");
        std::fs::write(&profile, "TOP = $(_HERE_)/..\nPATH += $(TOP)/bin:\nX = $(CUDA_EXTRA)\n").unwrap();
        let named = key(&[], Some("/w"), &args).unwrap();
        assert_ne!(
            key(&[("CUDA_EXTRA", "1")], Some("/w"), &args).unwrap(),
            named,
            "a name the profile reads"
        );
        std::fs::remove_file(&profile).unwrap();
        let none = key(&[], Some("/w"), &args).unwrap();
        assert!(none != base && none != other, "no profile");
        std::fs::write(&profile, "X = ${Y}\n").unwrap();
        assert_eq!(key(&[], Some("/w"), &args), None, "a profile not read for sure");
        std::fs::remove_file(&profile).unwrap();
        fsx::test_support::mkfifo(&profile);
        assert_eq!(key(&[], Some("/w"), &args), None, "a FIFO is no profile, and nothing is cached");
        std::fs::remove_file(&profile).unwrap();
        std::fs::write(&profile, vec![b'#'; MAX_PROFILE as usize + 1]).unwrap();
        assert_eq!(key(&[], Some("/w"), &args), None, "past the bound");
        std::fs::remove_file(&profile).unwrap();
        // nvcc rebuilt.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(bin.join("nvcc"), "#!/bin/sh\n# rebuilt\n").unwrap();
        assert_ne!(key(&[], Some("/w"), &args).unwrap(), none, "nvcc's identity");
        let wrapped =
            Driver::find(&[bin.join("nvcc").into_os_string(), "nvcc".into()], &Env::new([])).unwrap();
        let env = Env::new([]).with_cwd(Some("/w".into()));
        assert!(Nvcc::new(wrapped, &env, None).key(&args).is_none(), "behind a wrapper's words");
    }

    /// A program is found as execvp finds it: the first executable file
    /// on PATH, every miss before it recorded; a path as it is.
    #[test]
    fn the_host_compiler_is_found_as_execvp_finds_it() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        executable(&b.join("gcc"));
        std::fs::write(a.join("gcc"), "not executable").unwrap();
        let path = std::env::join_paths([&a, &b]).unwrap();
        let env = Env::new([(OsString::from("PATH"), path)]);
        fsx::start_recording();
        let (found, _) = find_program(OsStr::new("gcc"), &env, false).unwrap();
        let rec = fsx::take_recording().unwrap();
        assert_eq!(found, b.join("gcc"));
        let asked: Vec<PathBuf> = rec.facts().map(|(_, p, _)| p.to_path_buf()).collect();
        assert!(asked.contains(&a.join("gcc")) && asked.contains(&b.join("gcc")), "{asked:?}");
        assert!(rec.env.iter().any(|(n, _)| n == "PATH"));
        let by_path = b.join("gcc").into_os_string();
        assert_eq!(find_program(&by_path, &Env::new([]), false).unwrap().0, b.join("gcc"));
        assert_eq!(find_program(OsStr::new("cc"), &env, false), None);
        assert_eq!(find_program(OsStr::new("gcc"), &Env::new([]), false), None, "no PATH");
    }
}

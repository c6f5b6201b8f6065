//! Configuration files, as ccache has them (`ccache.conf(5)`): `key = value`
//! lines, `#` comments and blank lines, one key per variable of solink's.
//!
//! Precedence is ccache's: the command line, then the environment, then the
//! user's file, then the system's. The files are folded into a copy of the
//! [`Env`] as values of the variables they stand for, filling in only
//! variables the environment does not set, so everything after this reads
//! one environment and the precedence cannot differ between options.
//!
//! Which files: the one `SOLINK_CONFIG` names, and no other (ccache's
//! `CCACHE_CONFIGPATH`); else `$XDG_CONFIG_HOME/solink/solink.conf` (or
//! `~/.config/solink/solink.conf`) over `/etc/solink.conf`. The system
//! file's path can be moved with `SOLINK_SYSTEM_CONFIG`, for tests and for
//! installations under another prefix.

use std::ffi::OsString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::Error;
use crate::settings::table::{by_key, Kind, Setting, SETTINGS};
use crate::text::listed;

/// The largest configuration file solink reads. A real one is a few lines.
const CAP: u64 = 64 * 1024;

pub const SYSTEM_FILE: &str = "/etc/solink.conf";

/// A boolean as variables and configuration files spell it, or `None`.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "off" => Some(false),
        "1" | "true" | "yes" | "on" => Some(true),
        _ => None,
    }
}

/// The rows of the settings that have a key (and a variable), in the order
/// of their keys, as `--show-config` lists them.
fn keyed() -> Vec<(usize, &'static Setting)> {
    let mut rows: Vec<(usize, &Setting)> =
        SETTINGS.iter().enumerate().filter(|(_, s)| s.key.is_some()).collect();
    rows.sort_by_key(|(_, s)| s.key);
    rows
}

/// The variables of the settings, for the man page's ENVIRONMENT.
#[cfg(test)]
pub fn variables() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().filter_map(|s| s.var)
}

/// Where an effective setting comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Environment,
    File(PathBuf),
    Default,
}

/// The environment with the configuration files folded in, and where each
/// setting came from.
#[derive(Debug)]
pub struct Config {
    /// What solink reads from here on.
    pub env: Env,
    /// Per row of [`SETTINGS`] (`Default` for the rows without a key).
    origins: Vec<Origin>,
    /// The files consulted, and what became of each.
    files: Vec<(PathBuf, FileState)>,
    /// One line per file (or program it names) ignored, for the run to say.
    pub warnings: Vec<String>,
}

/// What became of a configuration file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    Read,
    Absent,
    /// There, but failing the trust rule or unreadable: not used.
    Ignored,
}

/// Whether this run is hermetic (`--hermetic` among solink's own options,
/// or `SOLINK_HERMETIC`): decided before any configuration file is read,
/// since a hermetic run reads none. A masquerading solink's command line is
/// gcc's, so there only the variable counts.
pub fn hermetic(argv: &[OsString], masquerade: bool, env: &Env) -> bool {
    let var = env.get(crate::settings::table::var("hermetic")).and_then(|v| parse_bool(&v.to_string_lossy()));
    let flag = !masquerade && argv.iter().skip(1).take_while(|a| *a != "--").any(|a| a == "--hermetic");
    flag || var == Some(true)
}

/// Whether an error opening a configuration file that solink looks for on
/// its own (not one `SOLINK_CONFIG` names) means there is none: missing,
/// or a `HOME` that cannot lead to it (not searchable, too long, not a
/// directory, a symlink loop). Such a HOME is "no configuration", never a
/// refused link (issue 33 §2).
fn means_absent(e: &io::Error) -> bool {
    use rustix::io::Errno;
    let absent = [Errno::NOENT, Errno::ACCESS, Errno::NAMETOOLONG, Errno::NOTDIR, Errno::LOOP, Errno::PERM];
    e.raw_os_error().is_some_and(|n| absent.iter().any(|a| a.raw_os_error() == n))
}

/// Reads the configuration files `env` points to and folds them in; a
/// hermetic run reads none (issue 33 §6).
pub fn load(env: &Env, hermetic: bool) -> Result<Config, Error> {
    let nonempty = |name| env.get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    // `SOLINK_CONFIG=` (set, empty) and `SOLINK_CONFIG=/dev/null` both say
    // "no configuration file", as `CCACHE_CONFIGPATH=/dev/null` does.
    let named = env.get("SOLINK_CONFIG").map(PathBuf::from);
    let (paths, required) = match named {
        _ if hermetic => (Vec::new(), false),
        Some(only) if only.as_os_str().is_empty() || only == Path::new("/dev/null") => (Vec::new(), true),
        Some(only) => (vec![only], true),
        None => {
            let user = nonempty("XDG_CONFIG_HOME")
                .or_else(|| nonempty("HOME").map(|h| h.join(".config")))
                .map(|d| d.join("solink/solink.conf"));
            let system = nonempty("SOLINK_SYSTEM_CONFIG").unwrap_or_else(|| PathBuf::from(SYSTEM_FILE));
            // Lowest precedence first: a later file overrides an earlier one.
            (std::iter::once(system).chain(user).collect(), false)
        }
    };
    let mut from_files: Vec<Option<(OsString, PathBuf)>> = vec![None; SETTINGS.len()];
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for path in paths {
        // The file SOLINK_CONFIG names was chosen by whoever set the
        // variable; the files solink finds on its own must pass the cache's
        // trust rule (ssh's StrictModes), since they choose the program it
        // runs and the files it writes. One that fails is ignored, with one
        // warning: never the end of the link.
        let text = if required {
            crate::fsx::read_regular(&path, CAP).map(Ok)
        } else {
            crate::fsx::read_trusted(&path, CAP)
        };
        let text = match text {
            Ok(Ok(text)) => text,
            Ok(Err(why)) => {
                warnings.push(crate::explain::config_not_used(&path, &why));
                files.push((path, FileState::Ignored));
                continue;
            }
            Err(e) if !required && means_absent(&e) => {
                files.push((path, FileState::Absent));
                continue;
            }
            Err(source) if required => return Err(Error::ConfigRead { path, source }),
            Err(e) => {
                warnings.push(crate::explain::config_unreadable(&path, &e));
                files.push((path, FileState::Ignored));
                continue;
            }
        };
        for (index, value) in parse(&path, &text)? {
            from_files[index] = Some((value, path.clone()));
        }
        files.push((path, FileState::Read));
    }
    let mut merged = env.clone();
    let mut origins = Vec::with_capacity(SETTINGS.len());
    for (setting, file) in SETTINGS.iter().zip(from_files) {
        let Some(var) = setting.var else {
            origins.push(Origin::Default);
            continue;
        };
        origins.push(if env.get(var).is_some() {
            Origin::Environment
        } else if let Some((value, path)) = file {
            // A program a file names is run: it must pass the same rule.
            if let Some((program, why)) = untrusted_program(setting, &value, env) {
                warnings.push(crate::explain::config_program_not_used(
                    setting.key.unwrap_or_default(),
                    &value,
                    &path,
                    &program,
                    &why,
                ));
                origins.push(Origin::Default);
                continue;
            }
            merged.set(var, value);
            Origin::File(path)
        } else {
            Origin::Default
        });
    }
    Ok(Config { env: merged, origins, files, warnings })
}

/// For a setting that names a program solink runs (`cc`), the program and
/// why it is not trusted, if it is not: found as the driver would be (on
/// `PATH`, or as a path), it must be a file owned by the effective user or
/// root, writable by nobody else, with safe directories above it. A
/// program that is not found is left to the driver's own error.
fn untrusted_program(
    setting: &Setting,
    value: &OsString,
    env: &Env,
) -> Option<(PathBuf, crate::fsx::Distrust)> {
    if setting.kind != Kind::Command {
        return None;
    }
    let words = shell_words::split(&value.to_string_lossy()).ok()?;
    let program = crate::exec::find_program(std::ffi::OsStr::new(words.first()?), env)?;
    #[allow(clippy::disallowed_methods)] // the trust check, never an input of a link
    let meta = std::fs::metadata(&program).ok()?;
    crate::fsx::trusted_file(&program, &meta).err().map(|why| (program, why))
}

/// The settings of one file, as (index into [`SETTINGS`], value); the last
/// line for a key wins, as in ccache.
fn parse(path: &Path, text: &[u8]) -> Result<Vec<(usize, OsString)>, Error> {
    let mut out = Vec::new();
    for (n, raw) in text.split(|&c| c == b'\n').enumerate() {
        let err = |message: String| Error::ConfigLine { path: path.to_owned(), line: n + 1, message };
        let line = raw.trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let Some(eq) = line.iter().position(|&c| c == b'=') else {
            return Err(err(format!(
                "expected \"key = value\", got {}",
                crate::text::shown(std::ffi::OsStr::from_bytes(line))
            )));
        };
        let key = String::from_utf8_lossy(line[..eq].trim_ascii()).into_owned();
        let value = std::ffi::OsStr::from_bytes(line[eq + 1..].trim_ascii()).to_owned();
        let Some(index) = by_key(&key) else {
            return Err(err(unknown_key(&key)));
        };
        let text = value.to_string_lossy();
        let setting = &SETTINGS[index];
        let bad = match setting.kind {
            Kind::Flag if parse_bool(&text).is_none() => {
                Some("is not a boolean; use true or false".to_string())
            }
            Kind::Rpath if parse_bool(&text).is_none() && !setting.allows(&text) => {
                Some(format!("is not a boolean, {}", listed(setting.choices, "or")))
            }
            Kind::Format if !text.is_empty() && !setting.allows(&text) => {
                Some(format!("is not a format; use {}", listed(setting.choices, "or")))
            }
            // Empty is unset, as `SOLINK_CC=` is.
            Kind::Command if !text.is_empty() && shell_words::split(&text).map_or(true, |w| w.is_empty()) => {
                Some("is not a command (check its quoting)".to_string())
            }
            _ => None,
        };
        if let Some(why) = bad {
            return Err(err(format!("{key} = {text} {why}")));
        }
        out.push((index, value));
    }
    Ok(out)
}

/// The message for a key no setting has, with the nearest one if any.
fn unknown_key(key: &str) -> String {
    let near = SETTINGS
        .iter()
        .filter_map(|s| s.key)
        .map(|k| (strsim::damerau_levenshtein(key, k), k))
        .filter(|(d, _)| *d <= 2)
        .min();
    let hint = match near {
        Some((_, k)) => format!("did you mean {k}? "),
        None => String::new(),
    };
    format!(
        "unknown key {}; {hint}keys are solink's variables without SOLINK_, in lower case (see docs/usage.md)",
        crate::text::shown(key)
    )
}

impl Config {
    /// Every effective setting with its origin, as `ccache -p` prints them:
    /// `(environment) libsdir = /a:/b`. `command_line` holds the settings
    /// given on the command line, which win; `cache_dir`'s default is the
    /// directory solink would use.
    pub fn show(
        &self,
        version: &str,
        driver: &str,
        command_line: &[(String, String)],
        default_cache: Option<&Path>,
    ) -> String {
        let mut out = format!("solink {version}\ndriver: {driver}\n");
        for (path, state) in &self.files {
            let state = match state {
                FileState::Read => "read",
                FileState::Absent => "absent",
                FileState::Ignored => "ignored",
            };
            out.push_str(&format!("config file: {} ({state})\n", path.display()));
        }
        for (index, setting) in keyed() {
            let (Some(key), Some(var)) = (setting.key, setting.var) else { continue };
            let origin = &self.origins[index];
            let given = command_line.iter().find(|(k, _)| k == key);
            let (label, value) = match (given, origin) {
                (Some((_, v)), _) => ("command line".to_string(), v.clone()),
                (None, Origin::Environment) => ("environment".to_string(), self.value(var)),
                (None, Origin::File(p)) => (p.display().to_string(), self.value(var)),
                (None, Origin::Default) if key == "cache_dir" => (
                    "default".to_string(),
                    default_cache.map(|p| p.display().to_string()).unwrap_or_default(),
                ),
                (None, Origin::Default) => ("default".to_string(), setting.default.to_string()),
            };
            out.push_str(&format!("({label}) {key} = {value}\n"));
        }
        out
    }

    fn value(&self, var: &str) -> String {
        self.env.get(var).map(|v| v.to_string_lossy().into_owned()).unwrap_or_default()
    }

    /// Where `key` came from (for tests).
    #[cfg(test)]
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        by_key(key).map(|i| &self.origins[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::new(vars.iter().map(|(k, v)| (OsString::from(k), OsString::from(v))))
    }

    fn check(text: &str, expected: Result<&[(&str, &str)], &str>) {
        let got = parse(Path::new("/c.conf"), text.as_bytes());
        match (got, expected) {
            (Ok(pairs), Ok(want)) => {
                let pairs: Vec<(&str, String)> = pairs
                    .iter()
                    .map(|(i, v)| (SETTINGS[*i].key.unwrap_or_default(), v.to_string_lossy().into_owned()))
                    .collect();
                let want: Vec<(&str, String)> = want.iter().map(|(k, v)| (*k, v.to_string())).collect();
                assert_eq!(pairs, want, "{text:?}");
            }
            (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{text:?}: {e}"),
            (got, want) => panic!("{text:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn lines() {
        check(
            "# a comment\n\n  libsdir = /a:/b  \nexplain=1\n",
            Ok(&[("libsdir", "/a:/b"), ("explain", "1")]),
        );
        check(
            "cc = ccache gcc\nworkspace_folder = /ws",
            Ok(&[("cc", "ccache gcc"), ("workspace_folder", "/ws")]),
        );
        check("format = json\r\n", Ok(&[("format", "json")]));
        check("libsdir =\n", Ok(&[("libsdir", "")]));
        check("explain\n", Err("/c.conf:1: expected \"key = value\", got explain"));
        check("\n\nlibdir = /x\n", Err("/c.conf:3: unknown key libdir; did you mean libsdir?"));
        check("explain = maybe\n", Err("/c.conf:1: explain = maybe is not a boolean"));
        check(
            "format = yaml\n",
            Err("/c.conf:1: format = yaml is not a format; use text, json, cyclonedx, spdx"),
        );
        check(
            "rpath_dynamic = relative\n",
            Err(":1: rpath_dynamic = relative is not a boolean, absolute or origin"),
        );
        check("rpath_dynamic = absolute\n", Ok(&[("rpath_dynamic", "absolute")]));
        check("cc = 'gcc\n", Err("/c.conf:1: cc = 'gcc is not a command"));
        check("cc =\n", Ok(&[("cc", "")]));
    }

    #[test]
    fn precedence_environment_user_system() {
        let dir = tempfile::tempdir().unwrap();
        let system = dir.path().join("system.conf");
        std::fs::write(&system, "libsdir = /sys\nexplain = 1\nstrict = 1\n").unwrap();
        std::fs::create_dir_all(dir.path().join("xdg/solink")).unwrap();
        let user = dir.path().join("xdg/solink/solink.conf");
        std::fs::write(&user, "libsdir = /user\nexplain = 0\n").unwrap();
        let sys = system.to_str().unwrap();
        let xdg = dir.path().join("xdg");
        let e = env(&[
            ("SOLINK_SYSTEM_CONFIG", sys),
            ("XDG_CONFIG_HOME", xdg.to_str().unwrap()),
            ("SOLINK_CC", "clang"),
        ]);
        let c = load(&e, false).unwrap();
        assert_eq!(c.env.get("SOLINK_LIBSDIR").unwrap(), "/user");
        assert_eq!(c.env.get("SOLINK_EXPLAIN").unwrap(), "0");
        assert_eq!(c.env.get("SOLINK_STRICT").unwrap(), "1");
        assert_eq!(c.env.get("SOLINK_CC").unwrap(), "clang");
        assert_eq!(c.origin("libsdir"), Some(&Origin::File(user.clone())));
        assert_eq!(c.origin("strict"), Some(&Origin::File(system.clone())));
        assert_eq!(c.origin("cc"), Some(&Origin::Environment));
        assert_eq!(c.origin("no_deps"), Some(&Origin::Default));

        // SOLINK_CONFIG names the only file read.
        let only = dir.path().join("only.conf");
        std::fs::write(&only, "no_deps = yes\n").unwrap();
        let mut vars = vec![("SOLINK_CONFIG", only.to_str().unwrap()), ("SOLINK_SYSTEM_CONFIG", sys)];
        vars.push(("XDG_CONFIG_HOME", xdg.to_str().unwrap()));
        let c = load(&env(&vars), false).unwrap();
        assert_eq!(c.env.get("SOLINK_NO_DEPS").unwrap(), "yes");
        assert_eq!(c.env.get("SOLINK_LIBSDIR"), None);
        // ... and must exist.
        let missing = dir.path().join("missing.conf");
        let err = load(&env(&[("SOLINK_CONFIG", missing.to_str().unwrap())]), false).unwrap_err();
        assert!(matches!(err, Error::ConfigRead { .. }), "{err:?}");
    }

    #[test]
    fn absent_files_are_fine_and_home_is_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().to_str().unwrap();
        let nosys = dir.path().join("nosys.conf");
        let c =
            load(&env(&[("HOME", home), ("SOLINK_SYSTEM_CONFIG", nosys.to_str().unwrap())]), false).unwrap();
        let absent = FileState::Absent;
        assert_eq!(c.files, [(nosys, absent), (dir.path().join(".config/solink/solink.conf"), absent)]);
        let given = [("strict".to_string(), "true".to_string())];
        let shown = c.show("0.0.0", "/usr/bin/cc", &given, Some(Path::new("/c")));
        assert!(shown.contains("(command line) strict = true\n"), "{shown}");
        assert!(shown.contains("(default) explain = false\n"), "{shown}");
        assert!(shown.contains("(default) cache_dir = /c\n"), "{shown}");
        assert!(shown.starts_with("solink 0.0.0\ndriver: /usr/bin/cc\n"), "{shown}");
    }
}

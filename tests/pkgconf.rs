//! solink's `.pc` reader against the real pkgconf: for every package
//! `pkgconf --list-all` knows, `pkgconfig::static_libs` must print exactly
//! what `pkgconf --static --libs NAME` prints, byte for byte (pkgconf's own
//! quoting included), or fail where pkgconf fails. A difference is allowed
//! only by a named *rule* below, each a documented departure from pkgconf;
//! never by a package name.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, Output};

use solink::testing::pkgconfig::{render, static_libs, Config, PcError};

/// A documented way in which solink's answer may differ from pkgconf's.
struct Rule {
    name: &'static str,
    applies: fn(pkgconf: &Output, ours: &Result<Vec<u8>, PcError>) -> bool,
}

const RULES: &[Rule] = &[Rule {
    // pkgconf skips a `.pc` it cannot parse (a missing Name, Version or
    // Description) and warns; solink reports it as an error.
    name: "an invalid .pc file is an error, not a skipped file",
    applies: |_, ours| matches!(ours, Err(PcError::Invalid { .. })),
}];

/// The machine's search directories (Debian's pkgconf personality).
const DIRS: [&str; 3] = ["/usr/lib/x86_64-linux-gnu/pkgconfig", "/usr/lib/pkgconfig", "/usr/share/pkgconfig"];

/// The environments compared: the test's own, and variants that change the
/// answer: a sysroot holding copies of the machine's `.pc` files (so `-L`
/// and absolute variables get the sysroot prefixed and are no longer system
/// directories), the system `-L` directories kept, the search path replaced
/// and reordered.
fn variants(sysroot: &Path, outside: &Path) -> Vec<Vec<(String, String)>> {
    let s = sysroot.display().to_string();
    let outside = outside.display().to_string();
    let in_sysroot: Vec<String> = DIRS.iter().map(|d| format!("{s}{d}")).collect();
    let owned = |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    vec![
        Vec::new(),
        // With a .pc outside the sysroot first in the search path: Debian's
        // pkgconf still applies the sysroot to it.
        owned(&[
            ("PKG_CONFIG_SYSROOT_DIR", &s),
            ("PKG_CONFIG_LIBDIR", &in_sysroot.join(":")),
            ("PKG_CONFIG_PATH", &outside),
        ]),
        owned(&[("PKG_CONFIG_ALLOW_SYSTEM_LIBS", "1")]),
        owned(&[("PKG_CONFIG_LIBDIR", &[DIRS[2], DIRS[0], DIRS[1]].join(":"))]),
    ]
}

/// Copies every `.pc` of the search directories under `sysroot`.
fn fill_sysroot(sysroot: &Path) {
    for dir in DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let to = sysroot.join(dir.trim_start_matches('/'));
        std::fs::create_dir_all(&to).unwrap();
        for e in entries.flatten() {
            if e.path().extension() == Some(OsStr::new("pc")) {
                let _ = std::fs::copy(e.path(), to.join(e.file_name()));
            }
        }
    }
}

fn pkgconf(args: &[&OsStr], vars: &[(String, String)]) -> Option<Output> {
    Command::new("pkgconf").args(args).envs(vars.iter().map(|(k, v)| (k, v))).output().ok()
}

#[test]
fn static_libs_match_pkgconf_on_every_package_of_the_machine() {
    let Some(list) = pkgconf(&[OsStr::new("--list-all")], &[]) else {
        assert!(std::env::var_os("CI").is_none(), "pkgconf must be installed in CI");
        eprintln!("SKIP: pkgconf is not installed");
        return;
    };
    let mut names: Vec<&[u8]> = list
        .stdout
        .split(|&b| b == b'\n')
        .filter_map(|l| l.split(|&b| b == b' ').next())
        .filter(|n| !n.is_empty())
        .collect();
    assert!(!names.is_empty(), "pkgconf --list-all printed no package");
    let sysroot = tempfile::tempdir().unwrap();
    fill_sysroot(sysroot.path());
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("solink-outside.pc"),
        "prefix=/usr\nlibdir=${prefix}/lib/x86_64-linux-gnu\nName: o\nDescription: o\nVersion: 1\n\
         Requires: zlib\nLibs: -L${libdir} -L/opt/o -loutside\n",
    )
    .unwrap();
    names.push(b"solink-outside");
    let variants = variants(sysroot.path(), outside.path());
    let mut compared = 0;
    let mut allowed: Vec<(&str, String)> = Vec::new();
    let mut mismatches = Vec::new();
    for vars in &variants {
        // The same environment for both: the test's own, plus the variant.
        let env = std::env::vars_os().chain(vars.iter().map(|(k, v)| (k.into(), v.into())));
        let config = Config::from_env(&solink::Env::new(env));
        compare_all(&names, vars, &config, &mut compared, &mut allowed, &mut mismatches);
    }
    eprintln!(
        "compared {compared} answers ({} packages, {} environments) with pkgconf; {} differ by a documented rule",
        names.len(),
        variants.len(),
        allowed.len()
    );
    for (rule, name) in &allowed {
        eprintln!("  {name}: {rule}");
    }
    assert!(
        mismatches.is_empty(),
        "{} answers differ from pkgconf:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(compared > 0);
}

fn compare_all(
    names: &[&[u8]],
    vars: &[(String, String)],
    config: &Config,
    compared: &mut usize,
    allowed: &mut Vec<(&'static str, String)>,
    mismatches: &mut Vec<String>,
) {
    for name in names {
        let name = OsStr::from_bytes(name);
        let theirs =
            pkgconf(&[OsStr::new("--static"), OsStr::new("--libs"), name], vars).expect("pkgconf runs");
        let ours = static_libs(config, name).map(|f| render(&f));
        *compared += 1;
        let same = match (&ours, theirs.status.success()) {
            (Ok(text), true) => text.trim_ascii_end() == theirs.stdout.trim_ascii_end(),
            (Err(_), false) => true,
            _ => false,
        };
        if same {
            continue;
        }
        if let Some(rule) = RULES.iter().find(|r| (r.applies)(&theirs, &ours)) {
            allowed.push((rule.name, name.to_string_lossy().into_owned()));
            continue;
        }
        mismatches.push(format!(
            "{} {vars:?}:\n  pkgconf: {} {}\n  solink:  {}",
            name.to_string_lossy(),
            String::from_utf8_lossy(theirs.stdout.trim_ascii_end()),
            String::from_utf8_lossy(theirs.stderr.trim_ascii_end()),
            match &ours {
                Ok(t) => String::from_utf8_lossy(t.trim_ascii_end()).into_owned(),
                Err(e) => format!("error: {e}"),
            }
        ));
    }
}

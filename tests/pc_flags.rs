//! What an embedded archive's `.pc` requires beside libraries travels with
//! it: the `--wrap` fixture (as libpsx.pc does it) linked through solink
//! loads with `RTLD_NOW` and returns its value; `--explain` names the flag
//! and the `.pc` it came from.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;
use crate::verified;

use std::process::Command;

use support::text::assert_line;
use support::tools::run;
use verified::{Verified, WRAP};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// solink in the fixtures' directory, with a clean environment, no cache,
/// and the fixtures' `.pc` files on `PKG_CONFIG_PATH`.
fn solink(v: &Verified) -> Command {
    let mut cmd = Command::new(SOLINK);
    cmd.current_dir(v.dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SOLINK_NO_CACHE", "1")
        .env("PKG_CONFIG_PATH", v.lib_dir());
    cmd
}

#[test]
fn a_wrap_flag_from_the_pc_file_travels_with_the_embedded_archive() {
    let v = Verified::new();
    v.archive(&WRAP);
    let entry = v.entry(WRAP.entry);
    let out = run(solink(&v)
        .args(["--explain", "--cc", "gcc", "-shared", "-o", "wrap.so"])
        .arg(&entry)
        .arg(format!("-L{}", v.lib_dir().display()))
        .arg("-lwrapfix"));
    let stderr = &out.stderr;
    assert!(out.success(), "{stderr}");
    let pc = v.lib_dir().join("wrapfix.pc");
    // The explanation ends with the bytes this machine's compiler made: the
    // line is compared whole.
    assert_line(
        stderr,
        &format!(
            "solink: -lwrapfix: embed {} (stage 2, -L): the first libwrapfix.a in the search order; \
             position-independent; with -Wl,--wrap=wrapfix_target from {}",
            v.lib_dir().join("libwrapfix.a").display(),
            pc.display()
        ),
    );
    assert!(stderr.contains("-Wl,--wrap=wrapfix_target"), "the command has the flag: {stderr}");
    assert_eq!(v.load(&v.path("wrap.so")), Ok(WRAP.value));
}

/// A `.pc` that cannot be walked (forty doubling variables: an allocation
/// failure once) is a warning that names it, never a silent empty list;
/// `--strict` refuses.
#[test]
fn a_pc_file_that_cannot_be_read_is_a_warning() {
    let v = Verified::new();
    v.archive(&WRAP);
    let mut bomb = String::from("v0=xx\n");
    for i in 1..40 {
        bomb.push_str(&format!("v{i}=${{v{}}}${{v{}}}\n", i - 1, i - 1));
    }
    bomb.push_str("Name: wrapfix\nDescription: d\nVersion: 1\nLibs: -lwrapfix ${v39}\n");
    std::fs::write(v.lib_dir().join("wrapfix.pc"), bomb).unwrap();
    let linked = |strict: bool| {
        let mut cmd = solink(&v);
        if strict {
            cmd.arg("--strict");
        }
        cmd.args(["--dry-run", "--cc", "gcc", "-shared", "-o", "x.so", "x.o"])
            .arg(format!("-L{}", v.lib_dir().display()))
            .arg("-lwrapfix");
        run(&mut cmd)
    };
    let out = linked(false);
    let stderr = &out.stderr;
    assert!(out.success(), "{stderr}");
    let pc = v.lib_dir().join("wrapfix.pc");
    assert!(
        stderr.starts_with(&format!("solink: {} (for -lwrapfix) cannot be read: ", pc.display())),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let strict = linked(true);
    assert_eq!(strict.code(), Some(2), "{}", strict.stderr);
}

/// The `.pc` whose flags changed the link is in the depfile: editing it
/// changes the command, so make must relink. (`--depfile=auto`: the
/// depfile is `wrap.so.d`, next to the output.)
#[test]
fn the_pc_file_that_gave_the_flags_is_in_the_depfile() {
    let v = Verified::new();
    v.archive(&WRAP);
    let entry = v.entry(WRAP.entry);
    let out = run(solink(&v)
        .env("SOLINK_DEPFILE", "auto")
        .args(["--dry-run", "--cc", "gcc", "-shared", "-o", "wrap.so"])
        .arg(&entry)
        .arg(format!("-L{}", v.lib_dir().display()))
        .arg("-lwrapfix"));
    assert!(out.success(), "{}", out.stderr);
    let d = std::fs::read_to_string(v.path("wrap.so.d")).unwrap();
    let pc = std::fs::canonicalize(v.lib_dir().join("wrapfix.pc")).unwrap();
    let listed: Vec<std::path::PathBuf> = d
        .lines()
        .map(|l| l.trim_end_matches('\\').trim().trim_end_matches(':'))
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    assert!(listed.contains(&pc), "{} is not in the depfile:\n{d}", pc.display());
}

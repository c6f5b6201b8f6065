//! Exact argv, exit codes and signals, checked with a fake driver.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::process::ExitStatusExt;

use crate::util::{assert_explain_schema, assert_golden, assert_text, os, tiny_archive, Dir};

/// The seed's example 1 with a fake driver: `ws/prod/calc/lib/libcalcbase.a`
/// and the driver's path.
fn calc_with_fake_driver() -> (Dir, String) {
    let dir = Dir::new();
    tiny_archive(&dir.path("ws/prod/calc/lib/libcalcbase.a"));
    let fake = dir.fake_driver().display().to_string();
    (dir, fake)
}

#[test]
fn seed_example_1_rewrites_in_place() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    dir.solink()
        .args(["--cc", &fake, "--libsdir", lib.to_str().unwrap(), "--no-system-dirs"])
        .args(["-shared", "-o", "libcalc.so", "obj/calc.o", "-lcalcbase", "-lm"])
        .ok();
    let archive = lib.join("libcalcbase.a").display().to_string();
    assert_eq!(dir.fake_argv(), os(&["-shared", "-o", "libcalc.so", "obj/calc.o", &archive, "-lm"]));
}

#[test]
fn dry_run_prints_one_shell_quoted_line_and_runs_nothing() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    let stdout = dir
        .solink()
        .env("SOLINK_DRY_RUN", "1")
        .env("SOLINK_LIBSDIR", &lib)
        .env("SOLINK_CC", &fake)
        .args(["-shared", "-o", "lib calc.so", "calc.o", "-lcalcbase", "-lm"])
        .ok();
    let archive = lib.join("libcalcbase.a");
    assert_eq!(stdout, format!("{fake} -shared -o 'lib calc.so' calc.o {} -lm\n", archive.display()));
    assert!(!dir.path("fakecc.log").exists(), "the driver must not run");
}

#[test]
fn compile_only_and_executable_links_pass_through_byte_for_byte() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    let odd = OsString::from_vec(b"-DNAME=\xff\xfe".to_vec());
    for mode in [&["-shared", "-c"][..], &["-o", "app"][..], &["-shared", "-E"][..]] {
        let mut args: Vec<OsString> = mode.iter().map(OsString::from).collect();
        args.extend([odd.clone(), "calc.c".into(), "-lcalcbase".into(), "-L".into(), "x".into()]);
        dir.solink().env("SOLINK_LIBSDIR", &lib).args(["--cc", &fake]).args(&args).ok();
        assert_eq!(dir.fake_argv(), args, "mode {mode:?}");
    }
}

/// Issue 31 §7: libtool's configure takes any stderr from a compile probe
/// for a failure (and builds without -fPIC), so a command solink passes
/// through says nothing, even with `--explain` in either format; the log
/// file still records it.
#[test]
fn a_command_passed_through_says_nothing_even_with_explain() {
    let (dir, fake) = calc_with_fake_driver();
    let log = dir.path("log");
    let modes = [
        &["-c", "calc.c", "-fPIC", "-DPIC", "-o", "calc.o"][..],
        &["-o", "app", "calc.o", "-lm"],
        &["-shared", "-E", "calc.c"],
    ];
    for (mode, format) in modes.iter().flat_map(|m| [(m, "text"), (m, "json")]) {
        let out = dir
            .solink()
            .env("SOLINK_EXPLAIN", "1")
            .env("SOLINK_FORMAT", format)
            .env("SOLINK_LOGFILE", &log)
            .args(["--explain", "--cc", &fake])
            .args(*mode)
            .output();
        assert!(out.status.success(), "{mode:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{mode:?} with {format}");
        assert_eq!(dir.fake_argv(), os(mode), "{mode:?}");
    }
    let records = std::fs::read_to_string(&log).unwrap();
    assert_eq!(records.lines().count(), 6, "each recorded:\n{records}");
    assert!(records.lines().all(|r| r.contains("\"shared_link\":false")), "{records}");
}

#[test]
fn non_utf8_bytes_survive_a_rewrite() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    let odd = OsString::from_vec(b"obj/\xff.o".to_vec());
    dir.solink()
        .args(["--cc", &fake, "--libsdir", lib.to_str().unwrap(), "-shared"])
        .args([odd.clone(), "-lcalcbase".into()])
        .ok();
    assert_eq!(dir.fake_argv(), vec!["-shared".into(), odd, lib.join("libcalcbase.a").into()]);
}

#[test]
fn driver_exit_status_passes_through() {
    let (dir, fake) = calc_with_fake_driver();
    let out = dir.solink().env("FAKECC_EXIT", "3").args(["--cc", &fake, "-shared", "a.o"]).output();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stderr.is_empty(), "solink adds nothing: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn driver_death_by_signal_shows_as_such() {
    let (dir, fake) = calc_with_fake_driver();
    let out = dir.solink().env("FAKECC_SIGNAL", "SEGV").args(["--cc", &fake, "-shared", "a.o"]).output();
    assert_eq!(out.status.signal(), Some(11), "{:?}", out.status);
    // And from a shell, as make sees it.
    let stdout = dir
        .command("sh")
        .env("FAKECC_SIGNAL", "SEGV")
        .args(["-c", &format!("'{}' --cc '{fake}' -shared a.o; echo $?", crate::util::SOLINK)])
        .ok();
    assert_eq!(stdout.trim(), "139");
}

#[test]
fn launcher_form_takes_the_driver_from_the_command_line() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    dir.solink()
        .env("SOLINK_LIBSDIR", &lib)
        .env("SOLINK_CC", "/nonexistent/cc")
        .args([&fake, "-shared", "-o", "libx.so", "x.o", "-lcalcbase"])
        .ok();
    let archive = lib.join("libcalcbase.a").display().to_string();
    assert_eq!(dir.fake_argv(), os(&["-shared", "-o", "libx.so", "x.o", &archive]));
}

#[test]
fn driver_command_may_carry_arguments() {
    let (dir, fake) = calc_with_fake_driver();
    dir.solink().env("SOLINK_CC", format!("'{fake}' --first 'two words'")).args(["-shared", "a.o"]).ok();
    assert_eq!(dir.fake_argv(), os(&["--first", "two words", "-shared", "a.o"]));
}

#[test]
fn explain_shows_every_decision_then_the_command() {
    let (dir, fake) = calc_with_fake_driver();
    tiny_archive(&dir.path("sys/libsysonly.a"));
    let lib = dir.path("ws/prod/calc/lib");
    let out = dir
        .solink()
        .env("FAKECC_LIBDIRS", dir.path("sys"))
        .args(["--explain", "--cc", &fake, "--libsdir", lib.to_str().unwrap()])
        .args([
            "-shared",
            "-o",
            "libcalc.so",
            "calc.o",
            "-lcalcbase",
            "-lm",
            "-lnowhere",
            "-lcalc",
            "-lsysonly",
        ])
        .output();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let root = dir.root().display().to_string();
    let canonical_root = dir.root().canonicalize().unwrap().display().to_string();
    let stderr = stderr.replace(&canonical_root, "$TMP").replace(&root, "$TMP");
    assert_golden("explain_seed.txt", &stderr);
}

#[test]
fn no_system_dirs_skips_stage_4() {
    let (dir, fake) = calc_with_fake_driver();
    tiny_archive(&dir.path("sys/libsysonly.a"));
    dir.solink()
        .env("FAKECC_LIBDIRS", dir.path("sys"))
        .env("SOLINK_NO_SYSTEM_DIRS", "1")
        .args(["--cc", &fake, "-shared", "a.o", "-lsysonly"])
        .ok();
    assert_eq!(dir.fake_argv(), os(&["-shared", "a.o", "-lsysonly"]));
}

#[test]
fn user_static_regions_are_left_alone() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    let args = ["-shared", "a.o", "-Wl,-Bstatic", "-lcalcbase", "-Wl,-Bdynamic"];
    dir.solink().env("SOLINK_LIBSDIR", &lib).args(["--cc", &fake]).args(args).ok();
    assert_eq!(dir.fake_argv(), os(&args));
}

#[test]
fn libraries_inside_response_files_are_rewritten() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    dir.write("link.rsp", "-lcalcbase -lm");
    dir.write("objs.rsp", "'a b.o' c.o");
    dir.solink().env("SOLINK_LIBSDIR", &lib).args(["--cc", &fake, "-shared", "@objs.rsp", "@link.rsp"]).ok();
    let archive = lib.join("libcalcbase.a").display().to_string();
    assert_eq!(dir.fake_argv(), os(&["-shared", "@objs.rsp", &archive, "-lm"]));
}

#[test]
fn missing_direct_archive_is_refused_before_the_link() {
    let (dir, fake) = calc_with_fake_driver();
    let msg = dir.solink().args(["--cc", &fake, "-shared", "-o", "x.so", "a.o", "nothere.a"]).refused();
    assert_text(msg, "solink: archive nothere.a does not exist; build it first or fix the path\n");
    assert!(!dir.path("fakecc.log").exists());
}

#[test]
fn option_missing_its_value_is_refused() {
    let (dir, fake) = calc_with_fake_driver();
    let msg = dir.solink().args(["--cc", &fake, "-shared", "a.o", "-l"]).refused();
    assert_text(msg, "solink: -l at the end of the command needs a value; complete the command\n");
}

#[test]
fn unknown_driver_is_refused() {
    let dir = Dir::new();
    let msg = dir.solink().args(["--cc", "no-such-compiler-solink", "-shared", "a.o"]).refused();
    assert_text(
        msg,
        "solink: cannot find the compiler driver no-such-compiler-solink on PATH; \
         set --cc or SOLINK_CC to the real compiler\n",
    );
}

#[test]
fn explain_as_json_for_tools() {
    let (dir, fake) = calc_with_fake_driver();
    let lib = dir.path("ws/prod/calc/lib");
    let out = dir
        .solink()
        .env("SOLINK_FORMAT", "json")
        .args(["--explain", "--no-system-dirs", "--cc", &fake, "--libsdir", lib.to_str().unwrap()])
        .args(["-shared", "-o", "libcalc.so", "calc.o", "-lcalcbase", "-lm", "-lcalc"])
        .output();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line of JSON: {stderr}");
    let v: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    assert_explain_schema(&v);
    assert_eq!(v["schema"], 1);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["driver"], fake.as_str(), "the driver as resolved");
    assert_eq!(v["notes"], serde_json::json!([]));
    assert_eq!(v["shared_link"], true);
    let d = &v["decisions"];
    assert_eq!(d[0]["library"], "-lcalcbase");
    assert_eq!(d[0]["outcome"], "embed");
    assert_eq!(d[0]["stage"], 1);
    assert_eq!(d[0]["reason"], "first-archive");
    assert_eq!(d[0]["path"], lib.join("libcalcbase.a").display().to_string());
    assert_eq!(d[1]["reason"], "runtime-library");
    assert_eq!(d[1]["outcome"], "dynamic");
    assert_eq!(d[2]["outcome"], "dropped");
    assert_eq!(d[2]["reason"], "self-reference");
    let command: Vec<&str> = v["command"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    let archive = lib.join("libcalcbase.a").display().to_string();
    assert_eq!(command, [fake.as_str(), "-shared", "-o", "libcalc.so", "calc.o", &archive, "-lm"]);
}

#[test]
fn no_colour_when_stderr_is_not_a_terminal() {
    let (dir, fake) = calc_with_fake_driver();
    dir.write("L/libbad.a", "garbage");
    let out = dir.solink().args(["--cc", &fake, "-shared", "a.o", "-LL", "-lbad"]).output();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with("solink: "), "{stderr}");
    assert!(!stderr.contains('\x1b'), "no escape codes in a pipe: {stderr:?}");
}

/// A fake driver that, like gcc, puts `$LIBRARY_PATH` in front of its
/// library dirs when asked `-print-search-dirs`, and records its argv.
fn library_path_driver(dir: &Dir) -> String {
    let log = dir.path("fakecc.log");
    let script = format!(
        r#"#!/bin/sh
for a in "$@"; do
  if [ "$a" = -print-search-dirs ]; then echo "libraries: =$LIBRARY_PATH:$FAKECC_LIBDIRS"; exit 0; fi
done
for a in "$@"; do printf '%s\0' "$a"; done > '{}'
"#,
        log.display()
    );
    dir.executable("bin/libpathcc", &script).display().to_string()
}

/// Regression (issue 12 §1): the cached driver dirs ignored LIBRARY_PATH,
/// so a run after one with `LIBRARY_PATH=D` still embedded D's archive.
#[test]
fn library_path_is_part_of_the_system_dirs_cache_key() {
    let dir = Dir::new();
    let fake = library_path_driver(&dir);
    tiny_archive(&dir.path("d/libx.a"));
    let archive = dir.path("d/libx.a").canonicalize().unwrap().display().to_string();
    let link = |library_path: Option<&str>| {
        let mut cmd = dir.solink().env("FAKECC_LIBDIRS", dir.path("sys")).args(["--cc", &fake]);
        if let Some(p) = library_path {
            cmd = cmd.env("LIBRARY_PATH", p);
        }
        cmd.args(["-shared", "a.o", "-lx"]).ok();
        dir.fake_argv()
    };
    let d = dir.path("d").display().to_string();
    assert_eq!(link(Some(&d)), os(&["-shared", "a.o", &archive]), "found through LIBRARY_PATH");
    assert_eq!(link(None), os(&["-shared", "a.o", "-lx"]), "without it, after a run with it");
    assert_eq!(link(Some(&d)), os(&["-shared", "a.o", &archive]), "with it again, after a run without");
}

/// A library dir the driver names that does not exist yet is searched once
/// it does: the cached list keeps it.
#[test]
fn a_system_dir_made_after_the_first_run_is_searched() {
    let dir = Dir::new();
    let fake = library_path_driver(&dir);
    let link = || {
        dir.solink()
            .env("FAKECC_LIBDIRS", dir.path("later"))
            .args(["--cc", &fake, "-shared", "a.o", "-lx"])
            .ok();
        dir.fake_argv()
    };
    assert_eq!(link(), os(&["-shared", "a.o", "-lx"]), "nothing to find yet");
    tiny_archive(&dir.path("later/libx.a"));
    let archive = dir.path("later/libx.a").canonicalize().unwrap().display().to_string();
    assert_eq!(link(), os(&["-shared", "a.o", &archive]), "found once the dir exists");
}

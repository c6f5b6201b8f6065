//! ccache's conventions (issue 14 §1 and §2): configuration files and
//! `--show-config`, `SOLINK_LOGFILE`, `SOLINK_DISABLE`, usage with no
//! arguments, near misses, option values, and the bare form's probes that
//! belong to the driver (§5).

use std::fs;
use std::process::Stdio;

use crate::util::{
    assert_explain_schema, assert_text, assert_text_of, os, require_tool, tiny_archive, with_dir, Dir,
    TestCommand, SOLINK,
};

/// A fake driver and `lib/libtiny.a`, a PIC archive that a link naming
/// `-ltiny` with `SOLINK_LIBSDIR=lib` embeds.
fn tiny_lib_and_fake_driver() -> (Dir, String) {
    let dir = Dir::new();
    tiny_archive(&dir.path("lib/libtiny.a"));
    let fake = dir.fake_driver().display().to_string();
    (dir, fake)
}

/// solink with the system file moved into the test directory, so the
/// machine's /etc/solink.conf cannot leak in.
fn solink(dir: &Dir) -> TestCommand {
    dir.solink().env("SOLINK_SYSTEM_CONFIG", dir.path("etc/solink.conf"))
}

#[test]
fn config_files_in_order_command_line_environment_user_system() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let lib = dir.path("lib");
    dir.write("etc/solink.conf", format!("# system\ncc = {fake}\nlibsdir = /nowhere\nno_system_dirs = 1\n"));
    dir.write("home/.config/solink/solink.conf", format!("libsdir = {}\n\nexplain = 0\n", lib.display()));
    // The user file's LIBSDIR wins over the system's: -ltiny is embedded.
    solink(&dir).args(["-shared", "-o", "x.so", "a.o", "-ltiny"]).ok();
    let archive = lib.join("libtiny.a").display().to_string();
    assert_eq!(dir.fake_argv(), os(&["-shared", "-o", "x.so", "a.o", &archive]));
    // The environment wins over the user file.
    solink(&dir).env("SOLINK_LIBSDIR", "/elsewhere").args(["-shared", "-o", "x.so", "a.o", "-ltiny"]).ok();
    assert_eq!(dir.fake_argv(), os(&["-shared", "-o", "x.so", "a.o", "-ltiny"]));
    // The command line wins over the environment.
    solink(&dir)
        .env("SOLINK_LIBSDIR", "/elsewhere")
        .args(["--libsdir", lib.to_str().unwrap(), "-shared", "-o", "x.so", "a.o", "-ltiny"])
        .ok();
    assert_eq!(dir.fake_argv(), os(&["-shared", "-o", "x.so", "a.o", &archive]));
    // XDG_CONFIG_HOME moves the user file.
    dir.write("xdg/solink/solink.conf", "no_embed = tiny\n");
    solink(&dir)
        .env("XDG_CONFIG_HOME", dir.path("xdg"))
        .env("SOLINK_LIBSDIR", &lib)
        .args(["-shared", "-o", "x.so", "a.o", "-ltiny"])
        .ok();
    assert_eq!(dir.fake_argv(), os(&["-shared", "-o", "x.so", "a.o", "-ltiny"]));
    // SOLINK_CONFIG names the only file read: no cc from the system file.
    let only = dir.write("only.conf", "explain = 1\n");
    // A PATH of one empty directory of the test's own: a path outside it
    // may exist, and hold a cc (issue 36 §6).
    let empty = dir.mkdir("empty-path");
    let run = solink(&dir).env("SOLINK_CONFIG", &only).env("PATH", &empty).args(["-shared", "a.o"]).run();
    assert_eq!(run.code(), Some(2), "{}", run.stderr);
    assert_text(
        run.stderr,
        "\
solink: command: cc -shared a.o
solink: 0 embedded, 0 dynamic, 0 warnings
solink: cannot find the compiler driver cc on PATH; set --cc or SOLINK_CC to the real compiler
",
    );
}

#[test]
fn show_config_names_every_setting_its_origin_the_version_and_the_driver() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let system = dir.write("etc/solink.conf", "strict = 1\nlibsdir = /sys\n");
    let user = dir.write("home/.config/solink/solink.conf", format!("libsdir = /a:/b\ncc = {fake}\n"));
    let stdout = solink(&dir).env("SOLINK_EXPLAIN", "1").arg("--show-config").ok();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("solink {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(lines[1], format!("driver: {fake}"));
    for want in [
        "(environment) explain = 1".to_string(),
        format!("({}) libsdir = /a:/b", user.display()),
        format!("({}) cc = {fake}", user.display()),
        format!("({}) strict = 1", system.display()),
        "(default) no_deps = false".to_string(),
        format!("(default) cache_dir = {}", dir.path("cache/solink").display()),
        "(default) workspace_folder = ".to_string(),
    ] {
        assert!(lines.contains(&want.as_str()), "{want:?} missing from:\n{stdout}");
    }
    // One line per key, each a `(origin) key = value`.
    assert_eq!(lines.iter().filter(|l| l.starts_with('(')).count(), 26, "{stdout}");
    assert!(!dir.path("fakecc.log").exists(), "--show-config runs no driver");
    // The command line wins, and says so.
    let stdout =
        solink(&dir).env("SOLINK_EXPLAIN", "1").args(["--libsdir", "/x", "--explain", "--show-config"]).ok();
    assert!(stdout.lines().any(|l| l == "(command line) libsdir = /x"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "(command line) explain = true"), "{stdout}");
}

#[test]
fn a_bad_config_file_is_refused_naming_file_line_and_key() {
    let dir = Dir::new();
    for (text, want) in [
        (
            "# ok\nlibdir = /x\n",
            ":2: unknown key libdir; did you mean libsdir? \
             keys are solink's variables without SOLINK_, in lower case (see docs/usage.md)",
        ),
        ("explain = maybe\n", ":1: explain = maybe is not a boolean; use true or false"),
        (
            "\n\nformat = yaml\n",
            ":3: format = yaml is not a format; use text, json, cyclonedx, spdx, debian or rpm",
        ),
        ("just words\n", ":1: expected \"key = value\", got just words"),
    ] {
        dir.write("home/.config/solink/solink.conf", text);
        let line = solink(&dir).args(["-shared", "a.o"]).refused();
        assert_text_of(
            &format!("{text:?}"),
            &with_dir(&line, dir.root()),
            &format!("solink: $DIR/home/.config/solink/solink.conf{want}\n"),
        );
    }
    let missing = dir.path("missing.conf");
    let line = solink(&dir).env("SOLINK_CONFIG", &missing).args(["-shared", "a.o"]).refused();
    assert_text(
        with_dir(&line, dir.root()),
        "solink: cannot read the configuration file $DIR/missing.conf: No such file or directory (os error 2); \
         fix it or point SOLINK_CONFIG elsewhere\n",
    );
    // A directory is not a file.
    let line = solink(&dir).env("SOLINK_CONFIG", dir.root()).args(["-shared", "a.o"]).refused();
    assert_text(
        with_dir(&line, dir.root()),
        "solink: cannot read the configuration file $DIR: not a regular file; fix it or point SOLINK_CONFIG elsewhere\n",
    );
}

#[test]
fn logfile_16_parallel_links_append_whole_lines() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let log = dir.path("solink.log");
    // Long records (a few hundred arguments each), so a record split into
    // several writes would show up as broken lines.
    let objects: Vec<String> = (0..300).map(|i| format!("obj/a-long-object-file-name-{i:04}.o")).collect();
    let children: Vec<_> = (0..16)
        .map(|i| {
            solink(&dir)
                .env("SOLINK_LOGFILE", &log)
                .env("SOLINK_LIBSDIR", dir.path("lib"))
                .env("SOLINK_NO_SYSTEM_DIRS", "1")
                .env("SOLINK_CC", &fake)
                .args(["-shared", "-o", &format!("lib{i}.so")])
                .args(&objects)
                .arg("-ltiny")
                .stdin(Stdio::null())
                .spawn()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let text = fs::read_to_string(&log).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON record: {e}: {l:.200}")))
        .collect();
    assert_eq!(records.len(), 16);
    let mut outputs: Vec<String> =
        records.iter().map(|r| r["argv"][3].as_str().unwrap().to_string()).collect();
    outputs.sort();
    let mut want: Vec<String> = (0..16).map(|i| format!("lib{i}.so")).collect();
    want.sort();
    assert_eq!(outputs, want);
    let archive = dir.path("lib/libtiny.a").display().to_string();
    for r in &records {
        assert_eq!(r["exit"]["path"], "exec", "{r}");
        assert_eq!(r["argv"][0], SOLINK);
        assert_eq!(r["cwd"], dir.root().display().to_string());
        assert_eq!(r["command"][0], fake.as_str());
        assert_eq!(r["command"].as_array().unwrap().last().unwrap(), archive.as_str());
        assert_eq!(r["decisions"]["decisions"][0]["outcome"], "embed", "{r}");
        assert_explain_schema(&r["decisions"]);
        assert!(r["time"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn logfile_records_refusals_dry_runs_compiles_and_spawned_links() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let log = dir.path("sub/log");
    fs::create_dir_all(dir.path("sub")).unwrap();
    let base = || solink(&dir).env("SOLINK_LOGFILE", &log).env("SOLINK_CC", &fake);
    base().args(["-shared", "-o", "x.so", "nothere.a"]).refused();
    base().args(["--dry-run", "-shared", "-o", "x.so", "a.o"]).ok();
    // A config file can name the log file too.
    dir.write("home/.config/solink/solink.conf", format!("logfile = {}\n", log.display()));
    // No system configuration: a path in the test's own directory that
    // nothing makes (`/nonexistent` may exist on a machine).
    let no_system = dir.path("no-system.conf");
    dir.solink().env("SOLINK_CC", &fake).env("SOLINK_SYSTEM_CONFIG", &no_system).args(["-c", "a.c"]).ok();
    // One argument past Linux's 128 KiB MAX_ARG_STRLEN, from a response
    // file that a rewrite expands: spawned through a response file of its
    // own, and the record carries the driver's status.
    let huge = format!("-DX={}", "y".repeat(200_000));
    dir.write("big.rsp", format!("{huge} -ltiny\n"));
    let out = dir
        .solink()
        .env("SOLINK_CC", &fake)
        .env("SOLINK_SYSTEM_CONFIG", &no_system)
        .env("SOLINK_LIBSDIR", dir.path("lib"))
        .env("SOLINK_NO_SYSTEM_DIRS", "1")
        .env("FAKECC_EXIT", "3")
        .args(["-shared", "-o", "x.so", "a.o", "@big.rsp"])
        .output();
    assert_eq!(out.status.code(), Some(3));
    let records: Vec<serde_json::Value> =
        fs::read_to_string(&log).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 4);
    assert_eq!(records[3]["exit"], serde_json::json!({"path": "spawn", "status": 3}));
    for r in records.iter().filter(|r| !r["decisions"].is_null()) {
        assert_explain_schema(&r["decisions"]);
    }
    assert_eq!(records[3]["argv"][5], "@big.rsp");
    assert_eq!(records[3]["command"][5].as_str().unwrap().len(), huge.len());
    assert!(records[3].get("spawned").is_none());
    assert_eq!(records[0]["exit"]["path"], "refusal");
    assert_text(
        records[0]["exit"]["message"].as_str().unwrap(),
        "archive nothere.a does not exist; build it first or fix the path",
    );
    assert_eq!(records[1]["exit"], serde_json::json!({"path": "status", "status": 0}));
    assert_eq!(records[1]["command"], serde_json::json!([fake, "-shared", "-o", "x.so", "a.o"]));
    assert_eq!(records[2]["exit"]["path"], "exec");
    assert_eq!(records[2]["decisions"]["shared_link"], false);
}

#[test]
fn disable_passes_everything_through_with_no_search_and_no_cache() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let args = ["-shared", "-o", "x.so", "a.o", "-ltiny"];
    let t = || {
        solink(&dir)
            .env("SOLINK_LIBSDIR", dir.path("lib"))
            .env("SOLINK_CC", &fake)
            .env("SOLINK_EXPLAIN", "1")
            .env("SOLINK_LOGFILE", dir.path("log"))
            .args(args)
    };
    let out = t().env("SOLINK_DISABLE", "1").output();
    assert!(out.status.success());
    assert_eq!(dir.fake_argv(), os(&args), "the driver gets the argv unchanged");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no explain output");
    assert!(!dir.path("cache").exists(), "no cache directory");
    assert!(!dir.path("log").exists(), "no log record");
    // The same link enabled embeds the archive, so the test above can fail.
    t().ok();
    assert_eq!(
        dir.fake_argv(),
        os(&["-shared", "-o", "x.so", "a.o", &dir.path("lib/libtiny.a").display().to_string()])
    );
    // From a configuration file too; a bad value is refused.
    dir.write("etc/solink.conf", "disable = yes\n");
    t().ok();
    assert_eq!(dir.fake_argv(), os(&args));
    solink(&dir).env("SOLINK_DISABLE", "sometimes").args(args).refused();
    // A dry run still runs nothing, and shows the unchanged command.
    fs::remove_file(dir.path("fakecc.log")).unwrap();
    let stdout = solink(&dir).env("SOLINK_CC", &fake).args(["--dry-run", "-shared", "-ltiny"]).ok();
    assert_eq!(stdout, format!("{fake} -shared -ltiny\n"));
    assert!(!dir.path("fakecc.log").exists());
}

#[test]
fn no_arguments_prints_usage_and_exits_2_without_running_cc() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let run = solink(&dir).env("SOLINK_CC", &fake).run();
    assert_eq!(run.code(), Some(2));
    assert_text(
        run.stderr,
        format!(
            "solink {}: a drop-in for `gcc -shared` that embeds the static archives a shared library links against
usage: solink [OPTIONS] [--] ARGS...
       solink [OPTIONS] DRIVER ARGS...
solink --solink-help lists its options, --show-config its settings, --man prints the manual
",
            env!("CARGO_PKG_VERSION")
        ),
    );
    assert!(!dir.path("fakecc.log").exists(), "cc was not run");
}

#[test]
fn near_misses_get_one_note_and_the_driver_gets_the_argv_as_is() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    for (args, note) in [
        (&["--libdir", "/x", "-shared", "a.o"][..], "did you mean --libsdir?"),
        (&["--explian", "-shared", "a.o"], "did you mean --explain?"),
        (&["--no-embedd=z", "-shared", "a.o"], "did you mean --no-embed?"),
        (&["--hide", "calcbase", "-shared", "a.o"], "did you mean --hide=calcbase?"),
    ] {
        let run = solink(&dir).env("SOLINK_CC", &fake).args(args).run();
        assert_eq!(run.code(), Some(0), "{}", run.stderr);
        assert_text(run.stderr, format!("solink: note: {note} (passed to the compiler as is)\n"));
        let passed = if args[0] == "--hide" { &args[1..] } else { args };
        assert_eq!(dir.fake_argv(), os(passed));
    }
    // ld as the driver has long options of its own: no notes.
    let ld = dir.executable("bin/ld", &format!("#!/bin/sh\nexec {fake} \"$@\"\n"));
    let run = solink(&dir).arg(&ld).args(["--format=elf64-x86-64", "-shared", "a.o"]).run();
    assert_text(run.stderr, "");
    // gcc's own long options are never near misses.
    let run =
        solink(&dir).env("SOLINK_CC", &fake).args(["--sysroot=/", "--param=x=1", "-shared", "a.o"]).run();
    assert_text(run.stderr, "");
}

#[test]
fn an_option_missing_its_value_is_named() {
    let dir = Dir::new();
    let line = solink(&dir).args(["--libsdir", "-shared", "-o", "x.so", "a.o"]).refused();
    assert_eq!(
        line,
        "solink: --libsdir needs a value (got -shared, which looks like a compiler option); write --libsdir=VALUE\n"
    );
    let line = solink(&dir).args(["--cc", "--explain", "-shared"]).refused();
    assert_text(
        line,
        "solink: --cc needs a value (got --explain, which looks like a compiler option); write --cc=VALUE\n",
    );
}

#[test]
fn the_bare_forms_probes_get_the_drivers_answer() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    for probe in
        [&["--version"][..], &["--help"], &["--help=warnings"], &["-v"], &["-dumpversion"], &["-dumpmachine"]]
    {
        solink(&dir).env("SOLINK_CC", &fake).args(probe).ok();
        assert_eq!(dir.fake_argv(), os(probe), "{probe:?}");
    }
    // With the real gcc, `solink --version` is gcc's version.
    let stdout = solink(&dir).env("SOLINK_CC", "gcc").arg("--version").ok();
    let gcc = std::process::Command::new("gcc").arg("--version").output().unwrap();
    assert_eq!(stdout, String::from_utf8_lossy(&gcc.stdout));
    // solink's own stay reachable under their own names.
    let stdout = solink(&dir).arg("--solink-version").ok();
    assert_eq!(stdout, format!("solink {}\n", env!("CARGO_PKG_VERSION")));
    let stdout = solink(&dir).arg("--solink-help").ok();
    assert!(stdout.contains("--libsdir") && stdout.contains("--show-config"), "{stdout}");
}

/// Meson runs `CC --version` and must see a compiler it knows (issue 14
/// §5: it stopped with "Unknown compiler(s)" when solink answered).
#[test]
fn meson_setup_and_build_with_bare_cc_solink() {
    if !require_tool("meson") || !require_tool("ninja") {
        return;
    }
    let dir = Dir::new();
    dir.write("proj/meson.build", "project('t', 'c')\nshared_library('t', 't.c')\n");
    dir.write("proj/t.c", "int t(void) { return 1; }\n");
    for (cc, build) in [(SOLINK.to_string(), "build"), (format!("{SOLINK} gcc"), "build2")] {
        let out =
            dir.command("meson").env("CC", &cc).args(["setup", build]).current_dir(dir.path("proj")).output();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "CC={cc} meson setup: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("C compiler for the host machine:") && stdout.contains("(gcc "), "{stdout}");
        dir.command("ninja").args(["-C", build]).current_dir(dir.path("proj")).ok();
        assert!(dir.path(&format!("proj/{build}/libt.so")).exists());
    }
}

#[test]
fn an_unwritable_log_file_is_a_note_and_the_link_goes_on() {
    let (dir, fake) = tiny_lib_and_fake_driver();
    let log = dir.path("nodir/log");
    let out =
        solink(&dir).env("SOLINK_LOGFILE", &log).env("SOLINK_CC", &fake).args(["-shared", "a.o"]).output();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "solink: note: cannot write the log file {}: No such file or directory (os error 2)\n",
            log.display()
        )
    );
    assert_eq!(dir.fake_argv(), os(&["-shared", "a.o"]));
}

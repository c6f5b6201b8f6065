//! What solink writes (the depfile, stdout, stderr) and how it ends
//! (signals on the spawned path, write errors, bad `SOLINK_DEPTH`): issue
//! 12's sections 2 and 4. Each test fails if its fix is reverted.

use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};

use crate::util::{assert_text, default_signals, tiny_archive, write_big_link, Dir, TERMINATING_SIGNALS};

/// Skips (or under `CI` fails) when `tool` is not on PATH.
fn have(tool: &str) -> bool {
    let found =
        Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{tool} is required under CI");
        eprintln!("skipped: no {tool} on PATH");
    }
    found
}

/// `make -q TARGET` in `dir`: true when make finds it up to date.
fn up_to_date(dir: &Dir, target: &str) -> bool {
    let out =
        Command::new("make").current_dir(dir.root()).args(["-q", target]).env_remove("MAKEFLAGS").output();
    let out = out.unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "make failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.status.success()
}

/// Sets `path`'s modification time `secs` seconds from now.
fn set_mtime(path: &std::path::Path, secs: i64) {
    let t = std::time::SystemTime::now()
        .checked_add(std::time::Duration::from_secs(secs.unsigned_abs()))
        .filter(|_| secs >= 0)
        .unwrap_or_else(|| {
            std::time::SystemTime::now() - std::time::Duration::from_secs(secs.unsigned_abs())
        });
    fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
}

#[test]
fn depfile_paths_with_odd_bytes_and_backslashes_round_trip_through_make() {
    if !have("make") {
        return;
    }
    let dir = Dir::new();
    let fake = dir.fake_driver();
    // A byte that is not UTF-8; a directory named with a backslash then a
    // space (make must not read `dir\` and `x`); a `%`, which in a target
    // would make a pattern rule.
    let dirs: [&[u8]; 3] = [b"lib \xff dir", b"dir\\ x", b"pct%dir"];
    let mut args: Vec<OsString> =
        ["--cc".into(), fake.into_os_string(), "--depfile".into(), "out.so.d".into()].into();
    args.extend(["-shared", "-o", "out.so"].map(OsString::from));
    let mut archives = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        let libdir = dir.root().join(OsString::from_vec(d.to_vec()));
        let archive = libdir.join(format!("liba{i}.a"));
        tiny_archive(&archive);
        let mut l = OsString::from("-L");
        l.push(&libdir);
        args.push(l);
        args.push(format!("-la{i}").into());
        archives.push(archive);
    }
    dir.solink().args(&args).ok();
    let text = fs::read(dir.path("out.so.d")).unwrap();
    assert!(text.windows(1).any(|w| w == b"\xff"), "byte 0xFF is written as itself");
    dir.write("Makefile", "out.so:\n\ttouch $@\n-include out.so.d\n");
    dir.write("out.so", "linked");
    for a in &archives {
        set_mtime(a, -3600);
    }
    assert!(
        up_to_date(&dir, "out.so"),
        "make sees every archive, as it exists:\n{}",
        String::from_utf8_lossy(&text)
    );
    for a in &archives {
        set_mtime(a, 60);
        assert!(!up_to_date(&dir, "out.so"), "a newer {a:?} makes make relink");
        set_mtime(a, -3600);
    }
    // A deleted archive does not stop make (the empty rule for it, `%`
    // included): it relinks.
    fs::remove_file(&archives[2]).unwrap();
    assert!(!up_to_date(&dir, "out.so"));
}

/// Runs solink under `umask`, with `--depfile out.so.d`; returns the
/// depfile's mode.
fn depfile_mode(umask: libc::mode_t) -> u32 {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    let mut t =
        dir.solink().arg("--cc").arg(&fake).args(["--depfile", "out.so.d", "-shared", "-o", "out.so"]);
    // SAFETY: umask(2) is async-signal-safe.
    unsafe {
        t.cmd.pre_exec(move || {
            libc::umask(umask);
            Ok(())
        })
    };
    t.ok();
    fs::metadata(dir.path("out.so.d")).unwrap().permissions().mode() & 0o777
}

#[test]
fn depfile_mode_follows_the_umask() {
    assert_eq!(depfile_mode(0o022), 0o644, "as gcc -MF under umask 022");
    assert_eq!(depfile_mode(0o077), 0o600);
}

#[test]
fn depfile_through_a_symlink_to_a_device_never_replaces_it() {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    symlink("/dev/null", dir.path("dep.d")).unwrap();
    dir.solink().arg("--cc").arg(&fake).args(["--depfile", "dep.d", "-shared", "-o", "out.so"]).ok();
    assert!(dir.path("dep.d").symlink_metadata().unwrap().file_type().is_symlink(), "the link is kept");
    assert!(fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    assert_eq!(
        fs::read_dir(dir.root())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| { e.file_name().to_string_lossy().starts_with(".solink-dep") })
            .count(),
        0,
        "no temporary file left"
    );
}

fn full() -> Stdio {
    Stdio::from(fs::File::options().write(true).open("/dev/full").unwrap())
}

#[test]
fn writes_to_a_full_stdout_exit_2_with_one_line() {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    // solink's own help and version (`--help` and `--version` are the
    // driver's since issue 14).
    for args in
        [&["--solink-help"][..], &["--solink-version"], &["--dry-run", "-shared", "-o", "x.so", "a.o"]]
    {
        let mut t = dir.solink().arg("--cc").arg(&fake).args(args);
        t.cmd.stdout(full());
        let out = t.output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {:?} {stderr}", out.status);
        assert_eq!(
            stderr, "solink: cannot write to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn an_error_to_a_full_stderr_still_exits_2() {
    let dir = Dir::new();
    let mut t = dir.solink().args(["--cc", "no-such-cc-anywhere", "-shared", "-o", "x.so", "a.o"]);
    t.cmd.stderr(full());
    let status = t.output().status;
    assert_eq!(status.code(), Some(2), "not a panic's SIGABRT: {status:?}");
}

#[test]
fn garbage_in_solink_depth_is_refused_by_name() {
    let dir = Dir::new();
    let fake = dir.fake_driver();
    for (value, shown) in [
        ("abc", "abc"),
        ("-1", "-1"),
        ("+1", "+1"),
        ("99999999999999999999", "99999999999999999999"),
        ("1\nsolink: forged", "1\\nsolink: forged"),
    ] {
        let msg =
            dir.solink().env("SOLINK_DEPTH", value).arg("--cc").arg(&fake).args(["-shared", "a.o"]).refused();
        assert!(msg.starts_with(&format!("solink: SOLINK_DEPTH={shown} is not a number; unset it")), "{msg}");
        assert!(!dir.path("fakecc.log").exists(), "the driver never ran");
    }
    // Empty is unset, and a real depth still counts.
    dir.solink().env("SOLINK_DEPTH", "").arg("--cc").arg(&fake).args(["-shared", "a.o"]).ok();
    dir.solink().env("SOLINK_DEPTH", "1").arg("--cc").arg(&fake).args(["-shared", "a.o"]).ok();
}

#[test]
fn echoed_input_is_escaped_and_kept_short() {
    let dir = Dir::new();
    // `--cc` is split into words, so no blank here; a direct archive may
    // hold anything.
    let msg = dir.solink().args(["--cc", "no\x1b[2Jcc\x07", "-shared", "a.o"]).refused();
    assert_eq!(
        msg,
        "solink: cannot find the compiler driver no\\x1b[2Jcc\\x07 on PATH; set --cc or SOLINK_CC to the real compiler\n"
    );
    let msg = dir.solink().args(["--cc", "cc", "-shared", "-o", "x.so", "a\nsolink: forged.a"]).refused();
    assert_eq!(msg, "solink: archive a\\nsolink: forged.a does not exist; build it first or fix the path\n");
    let long = format!("cc-{}", "x".repeat(100_000));
    let msg = dir.solink().args(["--cc", &long, "-shared", "a.o"]).refused();
    assert!(msg.len() < 400, "{} bytes", msg.len());
    assert_text(
        msg,
        format!(
            "solink: cannot find the compiler driver cc-{}...{} on PATH; set --cc or SOLINK_CC to the real compiler\n",
            "x".repeat(95),
            "x".repeat(99)
        ),
    );
}

/// A shared link whose command is too long for exec, so solink spawns the
/// fake driver with a response file in `tmp`.
fn spawned_link(dir: &Dir, env: &[(&str, &str)]) -> Command {
    write_big_link(dir);
    let fake = dir.fake_driver();
    let mut t = dir.solink().env("TMPDIR", dir.mkdir("tmp"));
    for (k, v) in env {
        t = t.env(k, v);
    }
    t.arg("--cc").arg(&fake).args(["-shared", "-LL", "@big.rsp"]).cmd
}

fn tmp_is_empty(dir: &Dir) -> bool {
    fs::read_dir(dir.path("tmp")).unwrap().count() == 0
}

#[test]
fn a_driver_killed_by_a_signal_kills_solink_by_the_same_signal() {
    let dir = Dir::new();
    let status = spawned_link(&dir, &[("FAKECC_SIGNAL", "TERM")]).status().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGTERM), "{status:?}");
    assert!(tmp_is_empty(&dir), "the response file is removed");
}

#[test]
fn every_terminating_signal_is_forwarded_and_the_response_file_removed() {
    let dir = Dir::new();
    for sig in TERMINATING_SIGNALS {
        let _ = fs::remove_file(dir.path("fakecc.log.rsp"));
        let mut child = spawned_link(&dir, &[("FAKECC_SLEEP", "20")]).spawn().unwrap();
        dir.wait_for_fake_driver();
        // SAFETY: kill(2) on a child this test spawned and has not reaped:
        // solink alone, so only forwarding reaches the driver.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(sig), "signal {sig}: {status:?}");
        assert!(tmp_is_empty(&dir), "signal {sig}: the response file is removed");
    }
}

#[test]
fn under_nohup_a_hangup_does_not_end_a_spawned_link() {
    let dir = Dir::new();
    let mut cmd = spawned_link(&dir, &[("FAKECC_SLEEP", "2"), ("FAKECC_EXIT", "3")]);
    cmd.process_group(0);
    // SAFETY: signal(2) is async-signal-safe; this is what nohup does.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            Ok(())
        })
    };
    let mut child = cmd.spawn().unwrap();
    dir.wait_for_fake_driver();
    let pid = child.id() as libc::pid_t;
    // SAFETY: kill(2) on a child this test spawned, then on its process
    // group (solink and the driver), as a closing terminal does.
    unsafe {
        libc::kill(pid, libc::SIGHUP);
        libc::kill(-pid, libc::SIGHUP);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "the driver ran to its end: {status:?}");
    assert!(tmp_is_empty(&dir), "the response file is removed");
}

/// The point of dying by the signal: bash stops a script on Ctrl-C only
/// when its child died by SIGINT (an exit status of 130 means the child
/// handled it, and the script goes on).
#[test]
fn ctrl_c_during_a_spawned_link_stops_the_calling_script() {
    if !have("bash") {
        return;
    }
    let dir = Dir::new();
    let link = spawned_link(&dir, &[("FAKECC_SLEEP", "20")]);
    let mut cmd = Command::new("bash");
    cmd.current_dir(dir.root()).env_clear();
    cmd.envs(link.get_envs().filter_map(|(k, v)| Some((k, v?))));
    cmd.args(["-c", "\"$@\"; echo the script went on", "bash"]).arg(link.get_program()).args(link.get_args());
    cmd.stdout(Stdio::piped()).process_group(0);
    default_signals(&mut cmd);
    let child = cmd.spawn().unwrap();
    dir.wait_for_fake_driver();
    // SAFETY: kill(2) on the process group of a child this test spawned,
    // as a terminal's Ctrl-C does.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "bash stopped");
    assert_eq!(out.status.signal(), Some(libc::SIGINT), "{:?}", out.status);
    assert!(tmp_is_empty(&dir), "the response file is removed");
}

//! Issue 33 §6, §7, §9: the same bytes whatever solink could read beside
//! the declared inputs. `--hermetic` reads no configuration file, no `.pc`
//! beyond `PKG_CONFIG_PATH` and no cache; ld's secondary outputs are the
//! same across HOME, TMPDIR and cache states; and a bubblewrap sandbox
//! (read-only root, no HOME, a tmpfs `/tmp`, another uid, only the declared
//! inputs) makes the `.so` a hermetic link outside makes.

use std::fs;
use std::path::Path;

use crate::util::{require_tool, tiny_link_dir, Dir, SOLINK};

/// The link: `use.o` against `lib/libtiny.a`, found by `-Llib`.
const LINK: [&str; 8] = ["--cc", "gcc", "-shared", "-o", "out/libuse.so", "use.o", "-Llib", "-ltiny"];

/// A workspace with undeclared inputs beside the declared ones: a `.pc`
/// for the archive (which adds a library and a version to the note) and a
/// configuration file in HOME.
fn workspace() -> Dir {
    let dir = tiny_link_dir();
    dir.write(
        "lib/pkgconfig/tiny.pc",
        "Name: tiny\nDescription: t\nVersion: 9.9\nLibs: -ltiny\nLibs.private: -lm\n",
    );
    dir.write("home/.config/solink/solink.conf", "no_deps = false\nexplain = true\n");
    dir.mkdir("out");
    dir
}

#[test]
fn hermetic_mode_reads_no_configuration_no_undeclared_pc_and_no_cache() {
    let dir = workspace();
    let link = |extra: &[&str], var: bool| {
        let mut cmd = dir.solink();
        if var {
            cmd = cmd.env("SOLINK_HERMETIC", "1");
        }
        let ran = cmd.args(extra).args(LINK).run();
        assert!(ran.success(), "{}", ran.stderr);
        (fs::read(dir.path("out/libuse.so")).unwrap(), ran.stderr)
    };
    let (plain, said) = link(&[], false);
    assert!(said.contains("-lm"), "the configuration file's explain and the .pc's -lm: {said}");
    fs::remove_dir_all(dir.path("cache")).unwrap();
    let (hermetic, said) = link(&["--hermetic"], false);
    assert_eq!(said, "", "no configuration file read");
    assert_ne!(plain, hermetic, "the undeclared .pc changed the plain link");
    assert!(!dir.path("cache").exists(), "no cache made");
    assert_eq!(link(&[], true).0, hermetic, "SOLINK_HERMETIC=1");
    // Without the undeclared files, the plain link is the hermetic one.
    fs::remove_dir_all(dir.path("lib/pkgconfig")).unwrap();
    fs::remove_dir_all(dir.path("home")).unwrap();
    assert_eq!(link(&[], false).0, hermetic, "the .so of a link that sees only the declared inputs");
    // PKG_CONFIG_PATH named explicitly is read in hermetic mode too.
    dir.write("pc/tiny.pc", "Name: tiny\nDescription: t\nVersion: 9.9\nLibs: -ltiny\nLibs.private: -lm\n");
    let ran = dir
        .solink()
        .env("PKG_CONFIG_PATH", dir.path("pc"))
        .args(["--hermetic", "--explain"])
        .args(LINK)
        .run();
    assert!(ran.stderr.contains("-lm"), "{}", ran.stderr);
}

/// Issue 33 §7: the map file, ld's dependency file and `--trace` from a
/// link through solink are byte-identical across two HOMEs, a cold and a
/// warm cache, no cache and another TMPDIR, and name only files that exist
/// after the link.
#[test]
fn ld_secondary_outputs_are_the_same_in_every_home_tmpdir_and_cache_state() {
    let dir = tiny_link_dir();
    dir.mkdir("out");
    dir.mkdir("tmp-a");
    dir.mkdir("tmp-b");
    let extra = ["-Wl,-Map,out/map.txt", "-Wl,--dependency-file,out/deps.d", "-Wl,--trace"];
    let link = |home: &str, tmp: &str, no_cache: bool| {
        let mut cmd = dir
            .solink()
            .env("HOME", dir.path(home))
            .env_remove("XDG_CACHE_HOME")
            .env("TMPDIR", dir.path(tmp));
        if no_cache {
            cmd = cmd.env("SOLINK_NO_CACHE", "1");
        }
        let trace = cmd.args(LINK).args(extra).ok();
        let read = |p: &str| fs::read_to_string(dir.path(p)).unwrap();
        (read("out/map.txt"), read("out/deps.d"), trace)
    };
    let first = link("home-a", "tmp-a", false);
    std::thread::sleep(std::time::Duration::from_millis(110));
    for (what, home, tmp, no_cache) in [
        ("a warm cache", "home-a", "tmp-a", false),
        ("a replay", "home-a", "tmp-a", false),
        ("another HOME", "home-b", "tmp-a", false),
        ("no cache, another TMPDIR", "home-a", "tmp-b", true),
    ] {
        let again = link(home, tmp, no_cache);
        assert_eq!(again.0, first.0, "{what}: the map file");
        assert_eq!(again.1, first.1, "{what}: the dependency file");
        assert_eq!(again.2, first.2, "{what}: --trace");
    }
    // Every file the dependency file names is there after the link.
    let deps = first.1.replace("\\\n", " ");
    let named: Vec<&str> = deps.split_whitespace().filter(|w| !w.ends_with(':')).collect();
    assert!(named.iter().any(|w| w.ends_with(".libuse.so.solink-note.o")), "{deps}");
    for w in named {
        assert!(dir.path(w).exists() || Path::new(w).exists(), "{w} named in the dependency file is gone");
    }
}

/// Issue 33 §9: bubblewrap with a read-only root, no HOME, a tmpfs `/tmp`,
/// another uid, and only the declared inputs visible (the `.pc` and the
/// configuration file beside them are hidden): the same `.so` as a hermetic
/// link outside that sees them, and nothing written but the output (and
/// its note beside it).
#[test]
fn a_bubblewrap_sandbox_makes_the_same_bytes_and_writes_only_the_output() {
    if !require_tool("bwrap") {
        return;
    }
    let dir = workspace();
    dir.solink().arg("--hermetic").args(LINK).ok();
    let outside = fs::read(dir.path("out/libuse.so")).unwrap();
    fs::remove_dir_all(dir.path("out")).unwrap();
    dir.mkdir("out");
    let w = dir.root().display().to_string();
    let solink = Path::new(SOLINK).canonicalize().unwrap();
    // The test directory lies under /tmp, which the tmpfs hides: only the
    // declared inputs are bound back, read-only, and the output directory
    // writable; solink itself too, the toolchain, wherever the build is
    // (a clone under /tmp would be hidden with it).
    let bin = solink.display().to_string();
    let script = format!(
        "\"$0\" --hermetic {} && find /tmp -type f -not -path '{w}/out/*' -not -path '{w}/use.o' -not -path '{w}/lib/libtiny.a' -not -path '{bin}' -print",
        LINK.join(" ")
    );
    let out = std::process::Command::new("bwrap")
        .args(["--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dev", "/dev", "--proc", "/proc"])
        .args(["--ro-bind", &format!("{w}/use.o"), &format!("{w}/use.o")])
        .args(["--ro-bind", &format!("{w}/lib/libtiny.a"), &format!("{w}/lib/libtiny.a")])
        .args(["--bind", &format!("{w}/out"), &format!("{w}/out")])
        .args(["--ro-bind", &bin, &bin])
        .args(["--unshare-user", "--uid", "1000", "--gid", "1000", "--unshare-pid", "--die-with-parent"])
        .args(["--chdir", &w, "--clearenv", "--setenv", "PATH", &std::env::var("PATH").unwrap()])
        .args(["--", "sh", "-c", &script])
        .arg(&solink)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "written outside the output: {stderr}");
    assert_eq!(fs::read(dir.path("out/libuse.so")).unwrap(), outside, "the same bytes in the sandbox");
    let mut written: Vec<String> = fs::read_dir(dir.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, [".libuse.so.solink-note.o", "libuse.so"]);
}

//! Issue 33 §8: solink with ccache. `CC="ccache solink"` would let ccache
//! know the compiler by solink's file and serve one compiler's objects to
//! another, so it is refused with the order that works named; `CC="solink
//! ccache gcc"` and `SOLINK_CC="ccache gcc"` compile through ccache (a hit
//! the second time, a miss for another real compiler) and link.

use crate::util::{require_tool, tiny_link_dir, Dir, SOLINK};

/// ccache's counters, as `ccache --print-stats` prints them.
fn stat(dir: &Dir, name: &str) -> u64 {
    let out = dir.command("ccache").env("CCACHE_DIR", dir.path("ccache")).arg("--print-stats").ok();
    out.lines().find_map(|l| l.strip_prefix(&format!("{name}\t"))).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn hits(dir: &Dir) -> u64 {
    stat(dir, "direct_cache_hit") + stat(dir, "preprocessed_cache_hit")
}

/// solink refuses to run as ccache's child (status 2, a line naming the
/// order that works). ccache takes that as a preprocessor error and runs
/// the command itself, uncached: it stores nothing under solink's name, so
/// it can never serve an object another compiler made, and the build goes on.
#[test]
fn ccache_in_front_of_solink_caches_nothing() {
    if !require_tool("ccache") {
        return;
    }
    let dir = Dir::new();
    dir.write("a.c", "int a(void) { return 1; }\n");
    for round in 0..2 {
        dir.command("ccache")
            .env("CCACHE_DIR", dir.path("ccache"))
            .args([SOLINK, "-c", "a.c", "-o", "a.o"])
            .ok();
        assert!(dir.path("a.o").exists(), "round {round}: compiled");
    }
    assert_eq!(stat(&dir, "preprocessor_error"), 2, "solink refused both times");
    assert_eq!(hits(&dir), 0, "nothing served from ccache");
    assert_eq!(stat(&dir, "files_in_cache"), 0, "nothing stored under solink's name");
}

#[test]
fn solink_in_front_of_ccache_and_solink_cc_ccache_gcc_compile_through_ccache_and_link() {
    if !require_tool("ccache") || !require_tool("clang") {
        return;
    }
    let dir = tiny_link_dir();
    dir.write("a.c", "int tiny_answer(void);\nint a(void) { return tiny_answer(); }\n");
    let compile = |cc: &[&str], via_env: bool| {
        let mut cmd = dir.solink().env("CCACHE_DIR", dir.path("ccache"));
        if via_env {
            cmd = cmd.env("SOLINK_CC", cc.join(" "));
        } else {
            cmd = cmd.args(cc);
        }
        cmd.args(["-fPIC", "-c", "a.c", "-o", "a.o"]).ok();
    };
    compile(&["ccache", "gcc"], false);
    assert_eq!(hits(&dir), 0);
    compile(&["ccache", "gcc"], false);
    assert_eq!(hits(&dir), 1, "CC=\"solink ccache gcc\": a hit");
    compile(&["ccache", "gcc"], true);
    assert_eq!(hits(&dir), 2, "SOLINK_CC=\"ccache gcc\": a hit");
    // Another real compiler behind solink: ccache sees it, a miss.
    compile(&["ccache", "clang"], true);
    assert_eq!(hits(&dir), 2, "clang did not get gcc's object");
    // And the link through ccache embeds.
    dir.solink()
        .env("CCACHE_DIR", dir.path("ccache"))
        .env("SOLINK_CC", "ccache gcc")
        .args(["--libsdir", "lib", "-shared", "-o", "liba.so", "a.o", "-ltiny"])
        .ok();
    assert!(crate::elf::Elf::open(&dir.path("liba.so")).defines("tiny_answer"));
}

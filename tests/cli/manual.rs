//! The manual and the first five minutes: the man page renders with every
//! section, `install-man` puts it where man and bash look, and the README's
//! 30-second example runs as written after `make -f Makefile.example`.

use std::process::Command;

use crate::support::tools::require_tool;
use crate::util::{assert_explain_schema, assert_text, make_example, Dir, SOLINK};

const SECTIONS: &[&str] = &[
    "NAME",
    "SYNOPSIS",
    "DESCRIPTION",
    "OPTIONS",
    "ENVIRONMENT",
    "EXIT STATUS",
    "FILES",
    "EXAMPLES",
    "SEE ALSO",
];

#[test]
fn man_renders_every_section_without_warnings() {
    if !require_tool("man") {
        return;
    }
    let dir = Dir::new();
    let page = dir.solink().arg("--man").ok();
    let file = dir.write("solink.1", &page);
    let out = Command::new("man")
        .args(["-l", "--warnings"])
        .arg(&file)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{warnings}");
    assert!(warnings.trim().is_empty(), "groff warns: {warnings}");
    for section in SECTIONS {
        assert!(text.lines().any(|l| l == *section), "man shows no {section}:\n{text}");
    }
    assert!(text.contains("solink [OPTIONS] [--] ARGS..."), "{text}");
}

#[test]
fn install_man_puts_the_page_and_the_completion_under_prefix() {
    if !require_tool("make") {
        return;
    }
    let dir = Dir::new();
    let prefix = dir.path("prefix");
    make_example(&dir, &["install-man".into(), format!("PREFIX={}", prefix.display())]);
    let page = std::fs::read_to_string(prefix.join("share/man/man1/solink.1")).unwrap();
    assert_eq!(page, dir.solink().arg("--man").ok());
    let completion =
        std::fs::read_to_string(prefix.join("share/bash-completion/completions/solink")).unwrap();
    assert!(completion.contains("complete") && completion.contains("--libsdir"), "{completion}");
}

/// The `sh` block under "In 30 seconds": the commands (`$ ` lines) and the
/// output they print.
fn readme_example() -> (Vec<String>, String) {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("## In 30 seconds").expect("the README has its example")..];
    let block = &section[section.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let commands = block.lines().filter_map(|l| l.strip_prefix("$ ")).map(str::to_owned).collect();
    let output: String = block.lines().filter(|l| !l.starts_with("$ ")).map(|l| format!("{l}\n")).collect();
    (commands, output)
}

/// `text` with the figures of its `embedding adds` line as `N`: the bytes
/// calc.o's member compiles to depend on the machine's gcc, the rest of
/// the example does not.
fn sizes_as_n(text: &str) -> String {
    text.lines()
        .map(|l| match l.starts_with("solink: embedding adds ") {
            true => {
                let mut out = String::new();
                for c in l.chars() {
                    match (c.is_ascii_digit(), out.ends_with('N')) {
                        (true, true) => {}
                        (true, false) => out.push('N'),
                        (false, _) => out.push(c),
                    }
                }
                out + "\n"
            }
            false => format!("{l}\n"),
        })
        .collect()
}

#[test]
fn readme_example_runs_as_written_after_the_main_job() {
    if !require_tool("make") {
        return;
    }
    let dir = Dir::new();
    // The README's commands start at the repository root, where the main
    // job leaves build/example: here the root is a scratch directory.
    make_example(&dir, &[format!("O={}", dir.path("build/example").display())]);
    let (commands, expected) = readme_example();
    assert!(commands.len() >= 2, "{commands:?}");
    let script = format!("set -e\nexec 2>&1\n{}\n", commands.join("\n"));
    let out = Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.root())
        .env("XDG_CACHE_HOME", dir.path("cache"))
        .env_remove("SOLINK_CC")
        .output()
        .unwrap();
    let actual = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{actual}");
    assert_eq!(sizes_as_n(&actual), sizes_as_n(&expected));
    assert!(dir.path("build/example/libcalc.so").exists(), "the example links libcalc.so");
}

/// The schema is not vacuous: the line solink prints validates, and the
/// same line with a wrong outcome, a missing field or a stage past 4 does
/// not. With a search note, `notes` carries it.
#[test]
fn explain_json_validates_and_the_schema_rejects_what_is_wrong() {
    let dir = Dir::new();
    let fake = dir.fake_driver().display().to_string();
    let out = dir
        .solink()
        .args(["--explain", "--format", "json", "--dry-run", "--no-system-dirs", "--cc", &fake])
        .args(["--libsdir", "no/such/dir", "-shared", "-o", "x.so", "a.o", "-lm"])
        .output();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_explain_schema(&v);
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{v}");
    assert_text(
        notes[0].as_str().unwrap(),
        "the search directory no/such/dir (stage 1, LIBSDIR) does not exist; skipped",
    );
    let bad = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut w = v.clone();
        f(&mut w);
        std::panic::catch_unwind(|| assert_explain_schema(&w)).is_err()
    };
    assert!(bad(&|w| w["decisions"][0]["outcome"] = "kept".into()));
    assert!(bad(&|w| w["decisions"][0]["stage"] = 5.into()));
    assert!(bad(&|w| {
        w.as_object_mut().unwrap().remove("version");
    }));
    assert!(bad(&|w| w["schema"] = 2.into()));
}

/// `SOLINK_DEPFILE=auto`, exported once, gives every link its own
/// `OUTPUT.d` (gcc -MMD's convention), and real make relinks exactly the
/// library whose archive changed.
#[test]
fn depfile_auto_serves_a_whole_build_with_real_make() {
    if !require_tool("make") {
        return;
    }
    let dir = Dir::new();
    crate::util::tiny_archive(&dir.path("L/libone.a"));
    crate::util::tiny_archive(&dir.path("L/libtwo.a"));
    dir.write("a.o", "");
    // A driver that only creates its -o file: make needs the target to exist.
    dir.executable(
        "touchcc",
        "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = -o ] && touch \"$2\"; shift; done\necho linked >&2\n",
    );
    dir.write(
        "Makefile",
        format!(
            "export SOLINK_DEPFILE = auto\n\
             all: out/libx.so out/liby.so\n\
             out/libx.so: a.o\n\t{SOLINK} --cc ./touchcc -shared -o $@ a.o -LL -lone\n\
             out/liby.so: a.o\n\t{SOLINK} --cc ./touchcc -shared -o $@ a.o -LL -ltwo\n\
             -include $(wildcard out/*.so.d)\n"
        ),
    );
    dir.mkdir("out");
    let make = || {
        let out = Command::new("make")
            .current_dir(dir.root())
            .env_remove("MAKEFLAGS")
            .env("XDG_CACHE_HOME", dir.path("cache"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        stderr.matches("linked").count()
    };
    assert_eq!(make(), 2);
    let x = std::fs::read_to_string(dir.path("out/libx.so.d")).unwrap();
    assert!(x.starts_with("out/libx.so:") && x.contains("libone.a") && !x.contains("libtwo.a"), "{x}");
    assert!(dir.path("out/liby.so.d").exists());
    assert!(!dir.path("auto").exists(), "auto is not a file name here");
    assert_eq!(make(), 0, "nothing changed");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    crate::util::tiny_archive(&dir.path("L/libtwo.a"));
    assert_eq!(make(), 1, "only liby.so embeds libtwo.a");
}

/// A thin archive's member files are what ld reads: the depfile lists them
/// beside the archive, so editing a member relinks.
#[test]
fn depfile_lists_a_thin_archives_member_files() {
    if !require_tool("ar") {
        return;
    }
    let dir = Dir::new();
    crate::util::tiny_archive(&dir.path("src/libtiny.a"));
    let x = Command::new("ar").current_dir(dir.path("src")).args(["x", "libtiny.a"]).status().unwrap();
    assert!(x.success());
    let member = std::fs::read_dir(dir.path("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "o"))
        .unwrap();
    dir.mkdir("L");
    let t = Command::new("ar")
        .current_dir(dir.path("L"))
        .args(["rcT", "libthin.a"])
        .arg(&member)
        .status()
        .unwrap();
    assert!(t.success());
    let fake = dir.fake_driver().display().to_string();
    dir.solink()
        .args([
            "--dry-run",
            "--no-system-dirs",
            "--cc",
            &fake,
            "--depfile=auto",
            "-shared",
            "-o",
            "x.so",
            "a.o",
            "-LL",
            "-lthin",
        ])
        .ok();
    let d = std::fs::read_to_string(dir.path("x.so.d")).unwrap();
    assert!(d.contains("libthin.a"), "{d}");
    let member = member.display().to_string();
    assert!(
        d.lines().any(|l| l.trim_end_matches('\\').trim() == member),
        "the member file {member} is a prerequisite: {d}"
    );
}

/// Through a pipe, `CLICOLOR_FORCE=1` colours the warning's `solink:`
/// prefix and nothing else; `NO_COLOR=1` wins over it; `TERM=dumb` alone
/// keeps a pipe plain.
#[test]
fn colour_is_forced_by_clicolor_force_and_refused_by_no_color() {
    let dir = Dir::new();
    dir.write("L/libbad.a", "garbage");
    let fake = dir.fake_driver().display().to_string();
    let run = |vars: &[(&str, &str)]| {
        let mut cmd = dir.solink().env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in vars {
            cmd = cmd.env(k, v);
        }
        let out = cmd.args(["--cc", &fake, "--no-system-dirs", "-shared", "a.o", "-LL", "-lbad"]).output();
        String::from_utf8(out.stderr).unwrap()
    };
    let forced = run(&[("CLICOLOR_FORCE", "1")]);
    let plain = run(&[]);
    assert!(plain.starts_with("solink: ") && !plain.contains('\x1b'), "{plain:?}");
    assert_eq!(forced, plain.replacen("solink:", "\x1b[1m\x1b[33msolink:\x1b[0m", 1), "only the prefix");
    assert_eq!(run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), plain);
    assert_eq!(run(&[("TERM", "dumb")]), plain);
}

/// Issue 36 §5: the README's two commands for a fresh clone are, word for
/// word, what CI runs (`.ci/run`); the main job and the "In 30 seconds"
/// block run as written above
/// (`readme_example_runs_as_written_after_the_main_job`).
#[test]
fn readme_fresh_clone_commands_are_what_ci_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = &readme[readme.find("## On a fresh clone").expect("the README says what to run")..];
    let block = &section[section.find("```sh\n").unwrap() + 6..];
    let block = &block[..block.find("```").unwrap()];
    let commands: Vec<&str> = block.lines().map(|l| l.split('#').next().unwrap().trim()).collect();
    assert_eq!(commands, ["make -f Makefile.example", "cargo test"]);
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    for command in commands {
        assert!(ci.lines().any(|l| l.trim() == command), ".ci/run does not run `{command}` as written");
    }
}

//! Issue 34 §2: nvcc's dry runs kept in the cache. A fake nvcc (a script
//! beside its own `nvcc.profile`) counts its `--dryrun`s, prints the steps
//! real nvcc prints for a link (a device link naming its host compiler in
//! `--host-ccbin`, the `link.stub` compile, the host link), with a
//! temporary file name that changes every run, and records the argv of
//! the link itself. The host compilers it names are scripts over the
//! machine's gcc and g++, so the closure check and the system dirs are
//! real. A warm link asks no dry run; each input of the key, changed,
//! makes it ask again, and the link after that is warm again.

use crate::util::{require_tool, tiny_archive, tiny_user, Dir, Ran, SOLINK};

/// The fake nvcc: `--dryrun` appends a line to `dryruns` and prints the
/// steps on stderr; anything else records its argv in `nvcc.argv`.
const NVCC: &str = r##"#!/bin/sh
here=$(dirname "$0")
log=$here/..
case " $* " in
  *" --dryrun "*) ;;
  *) for a in "$@"; do printf '%s\0' "$a"; done > "$log/nvcc.argv"; exit 0 ;;
esac
echo dry >> "$log/dryruns"
ccbin=${NVCC_CCBIN:-gcc}
words=
next=
for a in "$@"; do
  if [ "$next" = ccbin ]; then ccbin=$a; next=; continue; fi
  case "$a" in
    --dryrun) ;;
    -ccbin) next=ccbin ;;
    *) words="$words \"$a\"" ;;
  esac
done
host=$ccbin
[ "$ccbin" = gcc ] && host=g++
t=${TMPDIR:-/tmp}/tmpxft_$(printf %08x $$)_00000000
{
  echo "#\$ _HERE_=$here"
  echo "#\$ PATH=$here:$PATH"
  echo "#\$ nvlink -m64 --shared --arch=sm_75 -lcudadevrt -o \"$t-5_x_dlink.sm_75.cubin\" --host-ccbin \"$ccbin\""
  echo "#\$ fatbinary -64 -link \"--image3=kind=elf,sm=75,file=$t-5_x_dlink.sm_75.cubin\" --embedded-fatbin=\"$t-4_x_dlink.fatbin.c\""
  echo "#\$ rm $t-4_x_dlink.fatbin"
  echo "#\$ $ccbin -c -x c++ -fPIC \"$here/crt/link.stub\" -o \"$t-6_x_dlink.o\""
  echo "#\$ $host -m64 -Wl,--start-group \"$t-6_x_dlink.o\" $words -Wl,--end-group"
} >&2
"##;

const PROFILE: &str = "TOP = $(_HERE_)/..\nPATH += $(_HERE_):\nEXTRA += $(FAKE_CUDA_EXTRA)\n";

/// A project: `bin/nvcc` and its profile, `bin/gcc` and `bin/g++` over
/// the machine's, `w.o` calling into `libfoo.a` (both PIC) in `a/` and a
/// copy in `b/`.
struct Project {
    dir: Dir,
}

impl Project {
    fn new() -> Project {
        let dir = Dir::new();
        dir.executable("bin/nvcc", NVCC);
        dir.write("bin/nvcc.profile", PROFILE);
        dir.executable("bin/gcc", "#!/bin/sh\nexec /usr/bin/gcc \"$@\"\n");
        dir.executable("bin/g++", "#!/bin/sh\nexec /usr/bin/g++ \"$@\"\n");
        for sub in ["a", "b"] {
            tiny_user(&dir.path(&format!("{sub}/w.o")));
            tiny_archive(&dir.path(&format!("{sub}/libfoo.a")));
        }
        // What was just written is too new to keep an answer from (the
        // store's rule, as direct mode's).
        settle();
        Project { dir }
    }

    /// PATH with the fake nvcc and host compilers first.
    fn path(&self) -> std::ffi::OsString {
        let mut path = self.dir.path("bin").into_os_string();
        path.push(":");
        path.push(std::env::var_os("PATH").unwrap_or_default());
        path
    }

    /// `solink nvcc -shared -o libx.so w.o -L. -lfoo EXTRA` in `a/` (or
    /// `cwd`), with `env` on top of PATH; asserts success.
    fn link_in(&self, cwd: &str, env: &[(&str, std::ffi::OsString)], extra: &[&str]) -> Ran {
        self.solink(cwd, env, &[], extra)
    }

    /// `solink FLAGS nvcc -shared -o libx.so w.o -L. -lfoo EXTRA` in `cwd`,
    /// with `env` set (a name `-`: the value is a variable to unset).
    fn solink(&self, cwd: &str, env: &[(&str, std::ffi::OsString)], flags: &[&str], extra: &[&str]) -> Ran {
        let mut cmd = self.dir.solink().current_dir(self.dir.path(cwd)).env("PATH", self.path());
        for (k, v) in env {
            cmd = match k {
                &"-" => cmd.env_remove(v),
                _ => cmd.env(k, v),
            };
        }
        let ran = cmd
            .args(flags)
            .args(["nvcc", "-shared", "-o", "libx.so", "w.o", "-L.", "-lfoo"])
            .args(extra)
            .run();
        assert_eq!(ran.code(), Some(0), "solink nvcc failed: {}", ran.stderr);
        ran
    }

    fn link(&self, env: &[(&str, std::ffi::OsString)], extra: &[&str]) -> Ran {
        self.link_in("a", env, extra)
    }

    /// How many dry runs the fake nvcc has answered.
    fn dry_runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path("dryruns")).map_or(0, |t| t.lines().count())
    }

    /// The words the fake nvcc last linked with.
    fn linked(&self) -> Vec<String> {
        let bytes = std::fs::read(self.dir.path("nvcc.argv")).unwrap();
        bytes
            .split(|&c| c == 0)
            .filter(|w| !w.is_empty())
            .map(|w| String::from_utf8_lossy(w).into())
            .collect()
    }

    /// Links with `env` and `extra` after `change`: nvcc is asked again,
    /// and the next such link is warm.
    fn asks_again(&self, what: &str, env: &[(&str, std::ffi::OsString)], extra: &[&str], cwd: &str) {
        let before = self.dry_runs();
        self.link_in(cwd, env, extra);
        let after = self.dry_runs();
        assert!(after > before, "{what}: nvcc was not asked again ({before} dry runs, then {after})");
        self.link_in(cwd, env, extra);
        assert_eq!(self.dry_runs(), after, "{what}: the link after it asked again");
    }
}

/// Timestamps older than the store's settling time (100 ms).
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(150));
}

fn os(s: &str) -> std::ffi::OsString {
    s.into()
}

#[test]
fn a_warm_nvcc_link_asks_no_dry_run_and_each_input_asks_again() {
    let p = Project::new();
    let cold = p.link(&[], &[]);
    let asked = p.dry_runs();
    assert!(asked >= 1, "{}", cold.stderr);
    let linked = p.linked();
    assert!(linked.contains(&"./libfoo.a".to_string()), "the archive is embedded: {linked:?}");
    for _ in 0..3 {
        p.link(&[], &[]);
        assert_eq!(p.dry_runs(), asked, "a warm link asks nvcc nothing");
        assert_eq!(p.linked(), linked, "and links with the same words");
    }

    let path = {
        let mut path = p.path();
        path.push(":/nonexistent-dir");
        path
    };
    p.asks_again("PATH", &[("PATH", path)], &[], "a");
    p.asks_again("NVCC_PREPEND_FLAGS", &[("NVCC_PREPEND_FLAGS", os("-g"))], &[], "a");
    p.asks_again("NVCC_APPEND_FLAGS", &[("NVCC_APPEND_FLAGS", os("-g"))], &[], "a");
    p.asks_again("NVCC_CCBIN", &[("NVCC_CCBIN", p.dir.path("bin/g++").into())], &[], "a");
    p.asks_again("TMPDIR", &[("TMPDIR", p.dir.mkdir("tmp").into())], &[], "a");
    p.asks_again("a variable the profile names", &[("FAKE_CUDA_EXTRA", os("1"))], &[], "a");
    p.asks_again("an argument", &[], &["-Xlinker", "-O1"], "a");
    p.asks_again("-ccbin", &[], &["-ccbin", "g++"], "a");
    p.asks_again("the working directory", &[], &[], "b");

    p.dir.write("bin/nvcc.profile", format!("{PROFILE}OTHER = 1\n"));
    settle();
    p.asks_again("the profile", &[], &[], "a");
    // Rewritten in place, by another process (ETXTBSY: `Dir::executable`).
    p.dir.executable("bin/gcc", "#!/bin/sh\n# another gcc\nexec /usr/bin/gcc \"$@\"\n");
    settle();
    p.asks_again("the host compiler, changed", &[], &[], "a");
    // A gcc earlier on PATH is another host compiler.
    p.dir.executable("first/gcc", "#!/bin/sh\nexec /usr/bin/gcc \"$@\"\n");
    settle();
    let mut path = p.dir.path("first").into_os_string();
    path.push(":");
    path.push(p.path());
    p.asks_again("a host compiler earlier on PATH", &[("PATH", path)], &[], "a");
    p.dir.executable("bin/nvcc", &format!("{NVCC}# rebuilt\n"));
    settle();
    p.asks_again("nvcc", &[], &[], "a");
}

/// The dry run of the command as given names the host compiler whose
/// library dirs ld searches last: it is asked only when a lookup reaches
/// them. Here the closure check settles before them (no
/// `SOLINK_CROSS_CHECK`, which runs the whole check too), so a link that
/// names only `-L.`'s archive asks one dry run, the rewritten command's
/// host link; `-lm`, found in the system dirs, asks both. Warm, neither.
#[test]
fn the_command_as_given_is_asked_only_when_a_lookup_reaches_the_system_dirs() {
    let p = Project::new();
    let plain = [("-", os("SOLINK_CROSS_CHECK"))];
    p.link(&plain, &[]);
    assert_eq!(p.dry_runs(), 1, "the rewritten command's alone");
    p.link(&plain, &["-lm"]);
    assert_eq!(p.dry_runs(), 3, "both");
    p.link(&plain, &["-lm"]);
    p.link(&plain, &[]);
    assert_eq!(p.dry_runs(), 3, "warm");
}

/// The temporary file names in nvcc's answer change every run; what the
/// link says is the same from a fresh answer and from a kept one.
#[test]
fn a_kept_dry_run_says_what_a_fresh_one_says() {
    let p = Project::new();
    let fresh = p.solink("a", &[], &["--explain"], &[]);
    assert!(fresh.stderr.contains("solink: nvcc: the host link is g++'s"), "{}", fresh.stderr);
    assert!(fresh.stderr.contains("solink: -lfoo: embed ./libfoo.a"), "{}", fresh.stderr);
    assert!(!fresh.stderr.contains("not verified"), "the check read the host link: {}", fresh.stderr);
    let asked = p.dry_runs();
    let kept = p.solink("a", &[], &["--explain"], &[]);
    assert_eq!(p.dry_runs(), asked);
    assert_eq!(kept.stderr, fresh.stderr);
    // Without a cache nothing is kept: each link asks.
    p.solink("a", &[], &["--no-cache"], &[]);
    assert!(p.dry_runs() > asked);
}

/// Direct mode records an nvcc link whose dry runs came from the cache,
/// and replays it without reading an input; an input of nvcc's changed
/// is a miss there too.
#[test]
fn direct_mode_replays_a_warm_nvcc_link() {
    if !require_tool("strace") {
        return;
    }
    let p = Project::new();
    p.link(&[], &[]);
    // The first link wrote the note beside the output: the second, once
    // that has settled, stores the whole answer.
    settle();
    p.link(&[], &[]);
    let trace = |env: &[(&str, std::ffi::OsString)]| -> Vec<String> {
        let log = p.dir.path("strace.log");
        // As `Dir::solink` runs it: the same variables, or direct mode misses.
        let mut cmd = p
            .dir
            .command("strace")
            .current_dir(p.dir.path("a"))
            .env("PATH", p.path())
            .env("SOLINK_CROSS_CHECK", "1");
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        cmd.args(["-qq", "-e", "trace=%process,%file", "-o"])
            .arg(&log)
            .arg(SOLINK)
            .args(["nvcc", "-shared", "-o", "libx.so", "w.o", "-L.", "-lfoo"])
            .ok();
        let text = std::fs::read_to_string(log).unwrap();
        // Up to the exec of nvcc to link (the first execve is solink's).
        text.lines().skip(1).take_while(|l| !l.starts_with("execve(")).map(str::to_string).collect()
    };
    let replayed = trace(&[]);
    let opened = |t: &[String], what: &str| t.iter().any(|l| l.starts_with("openat(") && l.contains(what));
    assert!(!opened(&replayed, "w.o\""), "a replay reads no input: {replayed:#?}");
    assert!(!replayed.iter().any(|l| l.starts_with("clone") || l.contains("fork")), "{replayed:#?}");
    let asked = p.dry_runs();
    let missed = trace(&[("NVCC_APPEND_FLAGS", os("-g"))]);
    assert!(opened(&missed, "w.o\""), "another NVCC_APPEND_FLAGS is a miss: {missed:#?}");
    assert!(p.dry_runs() > asked);
}

//! Run: the only module that starts processes. It finds the real driver
//! (never solink itself), asks it for its library directories, and execs
//! it; a command too long for exec goes through a response file instead.
// Finding the driver happens on every run, direct-mode hit or not, and
// the response file's directory is solink's own: nothing here is recorded
// (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::args::respfile;
use crate::env::Env;
use crate::error::Error;

/// The most solink reads of a driver's answer to `-print-search-dirs`
/// (or `ld --verbose`): gcc's is about 2 kB.
const MAX_ANSWER: u64 = 16 << 20;

/// The most solink reads of `nvcc --dryrun`: each step repeats the command,
/// so a link of 100,000 arguments prints a few tens of MB.
const MAX_DRY_RUN: u64 = 64 << 20;

thread_local! {
    /// What a child printed past its cap, for the run to say once
    /// ([`take_overflows`]): the question is asked deep in the probe,
    /// which goes on with what it knows without it.
    static OVERFLOWS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The children whose output went past its cap in this run, each once.
pub fn take_overflows() -> Vec<String> {
    OVERFLOWS.with(|o| std::mem::take(&mut *o.borrow_mut()))
}

/// How many solinks may stand in one chain of processes. Two is legitimate
/// (ccache calling a masquerading solink); a third means a loop.
const MAX_DEPTH: u32 = 2;
const DEPTH_VAR: &str = "SOLINK_DEPTH";

/// The real compiler driver: a program and the arguments that come with it
/// (`--cc "ccache gcc"` gives `ccache` and `[gcc]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Driver {
    /// The program as named.
    pub name: OsString,
    pub path: PathBuf,
    pub args: Vec<OsString>,
    depth: u32,
}

/// The depth this solink runs at, from the environment; refuses a loop.
/// Unset or empty is depth 0. Anything but a few decimal digits is refused
/// by name rather than read as 0: a guard that garbage switches off is no
/// guard (`-1`, `abc`, `+1`, ` 1` and a number past `u32` all count as garbage).
pub fn check_depth(env: &Env) -> Result<u32, Error> {
    let depth = match env.get(DEPTH_VAR).filter(|v| !v.is_empty()) {
        None => 0,
        Some(v) => v
            .to_str()
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<u32>().ok())
            .ok_or_else(|| Error::BadDepth { value: v.to_os_string() })?,
    };
    if depth >= MAX_DEPTH {
        return Err(Error::Recursion);
    }
    Ok(depth)
}

impl Driver {
    /// Finds `words[0]` on PATH (or as a path, when it has a slash),
    /// skipping every candidate that is solink itself, as ccache does.
    pub fn find(words: &[OsString], env: &Env) -> Result<Driver, Error> {
        let (name, args) = words.split_first().expect("a driver command has a program");
        let path = if has_slash(name) {
            let path = PathBuf::from(name);
            if !path.exists() {
                return Err(Error::DriverNotFound { name: name.clone() });
            }
            if !is_executable(&path) {
                return Err(Error::DriverNotExecutable { path });
            }
            if is_self(&path, env) {
                return Err(Error::Recursion);
            }
            path
        } else {
            let mut skipped_self = false;
            let found = candidates(name, env.get("PATH")).find_map(|(c, meta)| {
                let me = is_self_meta(&meta, env);
                skipped_self |= me;
                (!me).then_some(c)
            });
            match found {
                Some(path) => path,
                None if skipped_self => return Err(Error::Recursion),
                None => return Err(Error::DriverNotFound { name: name.clone() }),
            }
        };
        let depth = check_depth(env)?;
        Ok(Driver { name: name.clone(), path, args: args.to_vec(), depth })
    }

    /// argv[0] is the driver's full path, as ccache does it: gcc finds its
    /// own installation from argv[0], and a bare `gcc` would lead it to
    /// the masquerading solink's directory.
    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.args(&self.args).env(DEPTH_VAR, (self.depth + 1).to_string());
        // SAFETY: restore_sigxfsz only calls sigaction(2), which is
        // async-signal-safe, so it may run between fork and exec. solink
        // ignores SIGXFSZ for its own writes (`fsx::ignore_sigxfsz`); the
        // driver gets the caller's disposition back, as if run directly.
        unsafe {
            cmd.pre_exec(|| {
                crate::fsx::restore_sigxfsz();
                Ok(())
            });
        }
        cmd
    }

    /// Runs `cmd` and reads one of its outputs (`stdout`, else stderr) to
    /// at most `cap` bytes; past the cap the child is killed and the
    /// answer is an error that says so: a driver that prints without end
    /// (1 GB from `nvcc --dryrun`) must not take solink's memory with it.
    fn bounded(
        &self,
        mut cmd: Command,
        stdout: bool,
        cap: u64,
        what: &str,
    ) -> Result<(bool, Vec<u8>), String> {
        use std::io::Read;
        cmd.stdin(Stdio::null());
        if stdout {
            cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        } else {
            cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        }
        let mut child = cmd.spawn().map_err(|e| format!("{what} could not run: {e}"))?;
        let mut out = Vec::new();
        let read = match (child.stdout.take(), child.stderr.take()) {
            (Some(pipe), _) => pipe.take(cap + 1).read_to_end(&mut out),
            (_, Some(pipe)) => pipe.take(cap + 1).read_to_end(&mut out),
            _ => Ok(0),
        };
        if read.is_err() || out.len() as u64 > cap {
            let _ = child.kill();
            let _ = child.wait();
            let message = match read {
                Err(e) => format!("{what}: reading its output failed: {e}"),
                Ok(_) => format!("{what} printed more than {} MiB, where solink stops reading", cap >> 20),
            };
            OVERFLOWS.with(|o| o.borrow_mut().push(message.clone()));
            return Err(message);
        }
        let status = child.wait().map_err(|e| format!("{what} could not run: {e}"))?;
        Ok((status.success(), out))
    }

    /// `DRIVER [target flags] -print-search-dirs` (or `ld --verbose`), or
    /// `None` when the driver cannot answer.
    pub fn ask(&self, flags: &[OsString], question: &str) -> Option<Vec<u8>> {
        crate::fsx::spoil_recording();
        let mut cmd = self.command();
        cmd.args(flags).arg(question);
        let what = format!("{} {question}", self.name.to_string_lossy());
        match self.bounded(cmd, true, MAX_ANSWER, &what) {
            Ok((true, out)) => Some(out),
            _ => None,
        }
    }

    /// A step before the link (issue 35: `ld -r` through the driver):
    /// the driver with `args`, waited for; what it said when it failed.
    pub fn step(&self, args: &[OsString]) -> Result<(), String> {
        crate::fsx::spoil_recording();
        let out = self.command().args(args).stdin(Stdio::null()).stdout(Stdio::null()).output();
        said(&self.name, out)
    }

    /// `nvcc --dryrun ARGS`: the steps nvcc would run, as it prints them
    /// (on stderr), or the first line of what it said when it refused.
    pub fn dry_run(&self, args: &[OsString]) -> Result<Vec<u8>, String> {
        crate::fsx::spoil_recording();
        let mut cmd = self.command();
        cmd.arg("--dryrun").args(args);
        let what = format!("{} --dryrun", self.name.to_string_lossy());
        let (ok, out) = self.bounded(cmd, false, MAX_DRY_RUN, &what)?;
        if ok {
            return Ok(out);
        }
        let said = String::from_utf8_lossy(&out);
        Err(format!("{what} failed: {}", said.lines().next().unwrap_or("").trim()))
    }

    /// Whether [`Driver::run`] will exec (rather than spawn through a
    /// response file), so a caller can record the exec before it happens.
    pub fn will_exec(&self, args: &[OsString], env: &Env) -> bool {
        fits_exec(self, args, env)
    }

    /// Runs the driver with `args`: by exec (this process becomes the
    /// driver) when the command fits the system's limits, else through a
    /// response file. Returns the exit status only in the second case.
    pub fn run(&self, args: &[OsString], env: &Env) -> Result<u8, Error> {
        self.run_keeping(args, env, Vec::new())
    }

    /// [`Driver::run`] with a temporary file the link reads (the
    /// provenance note object when no cache directory is writable): with
    /// one, solink cannot exec, so it spawns through a response file and
    /// removes both on every path out, as it does for a long command.
    pub fn run_keeping(
        &self,
        args: &[OsString],
        env: &Env,
        keep: Vec<tempfile::TempPath>,
    ) -> Result<u8, Error> {
        let fits = fits_exec(self, args, env);
        if keep.is_empty() && fits {
            let source = self.command().args(args).exec();
            return Err(Error::DriverExec { driver: self.name.clone(), source });
        }
        if self.reads_response_files() {
            return self.run_with_response_file(args, env, keep);
        }
        // nvcc reads no `@FILE`, and its --options-file loses quotes and
        // splits at commas (docs/usage.md, "nvcc as the driver"): it gets
        // the words themselves, which it can only do when they fit.
        if !fits {
            return Err(Error::CommandTooLong { driver: self.name.clone() });
        }
        let signals = catch_forwarded()?;
        self.spawn_and_wait(signals, args, keep)
    }

    /// Whether the driver reads gcc's `@FILE` response files: gcc, clang
    /// and ld do; nvcc does not.
    fn reads_response_files(&self) -> bool {
        crate::args::family::Family::of_program(&self.name).reads_response_files()
    }

    /// Spawns the driver with `@FILE` and waits, standing in for the driver
    /// as exec would have: every signal in [`FORWARDED`] that solink was not
    /// told to ignore is passed on to the driver, the response file is
    /// removed on every path out of here, and a driver killed by a signal
    /// kills solink by the same signal ([`die_by`]).
    fn run_with_response_file(
        &self,
        args: &[OsString],
        env: &Env,
        mut keep: Vec<tempfile::TempPath>,
    ) -> Result<u8, Error> {
        let fail = |source: std::io::Error| Error::ResponseFile { source };
        // Caught before the response file exists, so no forwarded signal
        // can end solink between its creation and its removal.
        let signals = catch_forwarded()?;
        let dir =
            env.get("TMPDIR").filter(|d| Path::new(d).is_dir()).map(PathBuf::from).unwrap_or("/tmp".into());
        let mut file =
            tempfile::Builder::new().prefix("solink-").suffix(".rsp").tempfile_in(dir).map_err(fail)?;
        file.write_all(&respfile::quote(args)).map_err(fail)?;
        file.flush().map_err(fail)?;
        let mut at = OsString::from("@");
        at.push(file.path());
        // Removed with `keep`, before a signal that killed the driver ends solink.
        keep.push(file.into_temp_path());
        self.spawn_and_wait(signals, std::slice::from_ref(&at), keep)
    }

    /// Spawns the driver with `args` and waits, standing in for the driver
    /// as exec would have (see [`Driver::run_with_response_file`]); `keep`
    /// is removed once it has ended.
    fn spawn_and_wait(
        &self,
        mut signals: signal_hook::iterator::Signals,
        args: &[OsString],
        keep: Vec<tempfile::TempPath>,
    ) -> Result<u8, Error> {
        let mut child = match self.command().args(args).spawn() {
            Ok(c) => c,
            Err(source) => return Err(Error::DriverExec { driver: self.name.clone(), source }),
        };
        let pid = child.id() as libc::pid_t;
        let handle = signals.handle();
        let forwarder = std::thread::spawn(move || {
            for sig in signals.forever() {
                // SAFETY: kill(2) on a child that is not reaped until this
                // thread has been joined (see `wait_exited`), so the pid
                // cannot have been reused.
                unsafe { libc::kill(pid, sig) };
            }
        });
        // Wait for the driver to end but leave it a zombie, stop the
        // forwarder, and only then reap it.
        let exited = wait_exited(pid);
        handle.close();
        let _ = forwarder.join();
        let status = exited.and_then(|()| child.wait());
        drop(keep);
        let status = status.map_err(|source| Error::DriverExec { driver: self.name.clone(), source })?;
        if let Some(sig) = status.signal() {
            die_by(sig);
        }
        Ok(match (status.code(), status.signal()) {
            (Some(code), _) => code as u8,
            (None, Some(sig)) => (128 + sig) as u8,
            _ => 1,
        })
    }
}

/// The signals solink passes on to a driver it spawned: every signal whose
/// default action ends a process and that someone outside would send to
/// end a link (a terminal, `kill`, `timeout`, a batch system, a build
/// tool's supervisor). SIGINT and SIGQUIT are in: from a terminal they reach
/// the driver through the process group anyway, and a second copy of a
/// pending signal is merged into the first, but `kill -INT` aimed at solink
/// alone must reach the driver too. Left out: SIGPIPE, which the kernel
/// sends to the process that wrote to a closed pipe (solink writes nothing
/// while it waits, and the driver gets its own); SIGXCPU, SIGXFSZ,
/// SIGVTALRM and SIGPROF, which report solink's own limits and timers; and
/// the faults (SIGSEGV, SIGBUS, ...), which are not sent but raised.
const FORWARDED: [libc::c_int; 7] =
    [libc::SIGHUP, libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGUSR1, libc::SIGUSR2, libc::SIGALRM];

/// Catches every signal of [`FORWARDED`] that solink was not told to
/// ignore, to pass on to a driver it spawns. A signal solink inherited as
/// ignored (SIGHUP under nohup, SIGINT and SIGQUIT in a non-interactive
/// shell's `&` job) is left ignored: catching it would turn a hangup into
/// the end of the link, and the driver would inherit the default action
/// instead of the ignore (exec resets a caught signal, and keeps an
/// ignored one).
fn catch_forwarded() -> Result<signal_hook::iterator::Signals, Error> {
    let caught: Vec<libc::c_int> = FORWARDED.iter().copied().filter(|&sig| !is_ignored(sig)).collect();
    signal_hook::iterator::Signals::new(&caught).map_err(|source| Error::ResponseFile { source })
}

/// Whether `sig` is ignored (SIG_IGN) in this process.
fn is_ignored(sig: libc::c_int) -> bool {
    // SAFETY: sigaction(2) with no new action only reads the current one
    // into a zeroed struct of the right type.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Waits until the child `pid` has ended without reaping it (waitid's
/// WNOWAIT), so its pid stays reserved while signals may still be sent.
fn wait_exited(pid: libc::pid_t) -> std::io::Result<()> {
    loop {
        // SAFETY: waitid(2) on our own child, into a zeroed siginfo_t.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if rc == 0 {
            return Ok(());
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// Ends solink by `sig`, the signal that ended the driver, as exec would
/// have: a shell then stops a script on Ctrl-C (bash ends a loop only when
/// its child died by SIGINT, not when it exited 130) and reports
/// "Terminated" or "Segmentation fault" as it would without solink. The
/// response file is already removed. No core file: the driver wrote its
/// own, and solink's would only overwrite it. Returns only if the signal
/// did not end the process (it should not happen; the caller then exits
/// 128+N).
fn die_by(sig: libc::c_int) {
    // SAFETY: plain libc calls on local, initialised values. The
    // forwarding thread is joined, so nothing else handles signals.
    unsafe {
        let mut core: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CORE, &mut core) == 0 {
            core.rlim_cur = 0;
            libc::setrlimit(libc::RLIMIT_CORE, &core);
        }
        let mut dfl: libc::sigaction = std::mem::zeroed();
        dfl.sa_sigaction = libc::SIG_DFL;
        libc::sigaction(sig, &dfl, std::ptr::null_mut());
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
}

/// Whether exec can take the command: the total of arguments and
/// environment under `ARG_MAX`, and each argument under Linux's
/// `MAX_ARG_STRLEN` (32 pages).
fn fits_exec(driver: &Driver, args: &[OsString], env: &Env) -> bool {
    const MAX_ARG_STRLEN: usize = 32 * 4096;
    // SAFETY: sysconf has no preconditions.
    let arg_max = unsafe { libc::sysconf(libc::_SC_ARG_MAX) };
    let arg_max = if arg_max > 0 { arg_max as usize } else { 128 * 1024 };
    let ptr = std::mem::size_of::<usize>();
    let words = std::iter::once(driver.name.as_os_str())
        .chain(driver.args.iter().map(OsString::as_os_str))
        .chain(args.iter().map(OsString::as_os_str));
    let mut total = 0;
    for w in words {
        if w.len() + 1 > MAX_ARG_STRLEN {
            return false;
        }
        total += w.len() + 1 + ptr;
    }
    total += env.size() + 64;
    // Headroom for the auxiliary vector and the path of the program.
    total + 4096 < arg_max
}

/// The executables named `name` in the directories of `path_var`, in order.
/// Each executable `name` on PATH, with its `stat` (one per candidate).
fn candidates<'a>(
    name: &'a OsStr,
    path_var: Option<&'a OsStr>,
) -> impl Iterator<Item = (PathBuf, std::fs::Metadata)> + 'a {
    path_var
        .into_iter()
        .flat_map(std::env::split_paths)
        .map(move |dir| dir.join(name))
        .filter_map(|c| c.metadata().ok().filter(executable).map(|m| (c, m)))
}

/// A tool run as a step before the link (issue 35: binutils' objcopy),
/// waited for; what it said when it failed.
pub fn run_tool(path: &Path, args: &[OsString]) -> Result<(), String> {
    crate::fsx::spoil_recording();
    let out = Command::new(path).args(args).stdin(Stdio::null()).stdout(Stdio::null()).output();
    said(path.as_os_str(), out)
}

/// A step's outcome: `Ok` when it succeeded, else its name and the first
/// line it said (or why it could not start).
fn said(name: &OsStr, out: std::io::Result<std::process::Output>) -> Result<(), String> {
    let name = name.to_string_lossy();
    match out {
        Err(e) => Err(format!("{name} could not run: {e}")),
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => {
            let text = String::from_utf8_lossy(&o.stderr);
            let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
            Err(format!("{name} failed: {line}"))
        }
    }
}

/// Whether the process that started solink is ccache (`CC="ccache
/// solink"`): ccache then names the compiler by solink's file (its
/// `compiler_check` is the compiler's mtime, or its `-v`), so a change of
/// the real compiler behind solink (`SOLINK_CC`, a configuration file,
/// `PATH`) would go unseen and ccache would serve objects another compiler
/// made (issue 33 §8). Read from `/proc`: false where it cannot be told.
pub fn started_by_ccache() -> bool {
    let parent = rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get());
    std::fs::read_link(format!("/proc/{parent}/exe"))
        .is_ok_and(|exe| exe.file_name().is_some_and(|n| n.as_bytes().starts_with(b"ccache")))
}

/// The first executable named `name` on PATH that is not solink itself.
pub fn find_program(name: &OsStr, env: &Env) -> Option<PathBuf> {
    if has_slash(name) {
        return Some(PathBuf::from(name)).filter(|p| is_executable(p));
    }
    candidates(name, env.get("PATH")).find(|(_, m)| !is_self_meta(m, env)).map(|(c, _)| c)
}

/// Whether `path` is this very solink, under any name or symlink (same
/// device and inode, which is what canonical paths would compare).
fn is_self(path: &Path, env: &Env) -> bool {
    path.metadata().is_ok_and(|m| is_self_meta(&m, env))
}

/// [`is_self`] for a file already `stat`ed.
fn is_self_meta(meta: &std::fs::Metadata, env: &Env) -> bool {
    use std::os::unix::fs::MetadataExt;
    env.self_id == Some((meta.dev(), meta.ino()))
}

fn has_slash(name: &OsStr) -> bool {
    name.as_bytes().contains(&b'/')
}

fn is_executable(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| executable(&m))
}

fn executable(meta: &std::fs::Metadata) -> bool {
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

/// What a query program printed: its status, stdout and stderr.
#[derive(Debug)]
pub struct Answer {
    pub success: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `program` (found on `env`'s PATH) with `args` and no stdin, and
/// collects what it prints: a read-only question to a tool of the system,
/// such as `dpkg-query --search` for `--audit --format debian` (issue 32
/// §4). `Err` when it cannot be found or started.
pub fn query(program: &OsStr, args: &[OsString], env: &Env) -> std::io::Result<Answer> {
    let path = find_program(program, env).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not on PATH", program.to_string_lossy()),
        )
    })?;
    let out = Command::new(path).args(args).stdin(Stdio::null()).env("LC_ALL", "C").output()?;
    Ok(Answer { success: out.status.success(), stdout: out.stdout, stderr: out.stderr })
}

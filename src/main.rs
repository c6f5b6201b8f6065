//! solink's binary: argv and the environment in, an exit status out.
//!
//! `no_main`: solink runs in front of every link, and std's runtime set-up
//! (finding the main thread's stack guard by parsing /proc/self/maps) costs
//! about 85,000 instructions, 12% of a warm seed link's (callgrind: 701k to
//! 616k, docs/performance.md); solink has no use for it. On glibc, std
//! still sees argv and the environment. Without std's set-up SIGPIPE also
//! keeps its default, for solink and for the driver it execs, as a shell
//! would leave it.
//!
//! A panic must not unwind out of this `extern "C"` function (that aborts
//! with SIGABRT), so [`guarded`] catches it and turns it into one
//! `solink: internal error: ...` line and status 2. Nothing here writes with
//! `eprintln!`, which itself panics when stderr cannot be written.
#![cfg_attr(not(test), no_main)]

use std::ffi::c_int;
use std::io::Write;

#[cfg(not(test))]
#[no_mangle]
// The binary is where argv and the environment come in (clippy.toml keeps
// the library from reading either).
#[allow(clippy::disallowed_methods)]
extern "C" fn main(_argc: c_int, _argv: *const *const std::ffi::c_char) -> c_int {
    std::panic::set_hook(Box::new(|info| say(&internal_error(info.payload(), info.location()))));
    guarded(|| {
        let env = solink::Env::new(std::env::vars_os())
            .with_self_exe(std::env::current_exe().ok())
            .with_cwd(std::env::current_dir().ok());
        match solink::run(std::env::args_os().collect(), &env) {
            Ok(code) => code.into(),
            Err(err) => {
                say(&format!("solink: {err:#}\n"));
                2
            }
        }
    })
}

/// Runs `f`; a panic in it (already reported by the hook) becomes status 2.
fn guarded(f: impl FnOnce() -> c_int + std::panic::UnwindSafe) -> c_int {
    std::panic::catch_unwind(f).unwrap_or(2)
}

/// The one line a panic prints: what and where, never a backtrace or a
/// second line. (It takes the hook's parts, not `PanicHookInfo`, which is
/// newer than the crate's rust-version.)
fn internal_error(
    payload: &(dyn std::any::Any + Send),
    location: Option<&std::panic::Location<'_>>,
) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic");
    let at = location.map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
    format!("solink: internal error: {}{at}; please report it\n", solink::shown(what))
}

/// Best effort: a message that cannot be written (stderr full or closed)
/// is dropped; the exit status still tells.
#[cfg_attr(test, allow(dead_code))]
fn say(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_status_2_with_one_line() {
        let line = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let seen = line.clone();
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            *seen.lock().unwrap() = internal_error(info.payload(), info.location())
        }));
        let code = guarded(|| panic!("boom\nsecond {}", 1));
        let ok = guarded(|| 7);
        std::panic::set_hook(previous);
        assert_eq!(code, 2);
        assert_eq!(ok, 7);
        let line = line.lock().unwrap().clone();
        assert!(line.starts_with("solink: internal error: boom\\nsecond 1 at src/main.rs:"), "{line}");
        assert!(line.ends_with("; please report it\n") && line.lines().count() == 1, "{line}");
    }
}

//! solink's binary: argv and the environment in, an exit status out.
//!
//! `no_main`: solink runs in front of every link, and std's runtime set-up
//! (finding the main thread's stack guard by parsing /proc/self/maps) is a
//! third of its own start-up cost; solink has no use for it. On glibc, std
//! still sees argv and the environment. Without std's set-up SIGPIPE also
//! keeps its default, for solink and for the driver it execs, as a shell
//! would leave it.
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
#[no_mangle]
extern "C" fn main(_argc: std::ffi::c_int, _argv: *const *const std::ffi::c_char) -> std::ffi::c_int {
    let env = solink::Env::new(std::env::vars_os()).with_self_exe(std::env::current_exe().ok());
    match solink::run(std::env::args_os().collect(), &env) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("solink: {err:#}");
            2
        }
    }
}

// The floor for a wrapper that execs: a minimal Rust program that only
// execs its arguments. scripts/bench.sh builds it with rustc.
use std::os::unix::process::CommandExt;

fn main() {
    let mut args = std::env::args_os().skip(1);
    let program = args.next().expect("a program to exec");
    let err = std::process::Command::new(program).args(args).exec();
    eprintln!("shim: {err}");
    std::process::exit(127);
}

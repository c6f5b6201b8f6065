use std::process::ExitCode;

fn main() -> ExitCode {
    let env = solink::Env::new(std::env::vars_os()).with_self_exe(std::env::current_exe().ok());
    match solink::run(std::env::args_os().collect(), &env) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("solink: {err:#}");
            ExitCode::from(2)
        }
    }
}

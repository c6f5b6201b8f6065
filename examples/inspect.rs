//! Prints solink's verdict on each file named: `cargo run --example inspect -- FILE...`.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]
fn main() {
    for path in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(path);
        match solink::testing::archive::inspect(&path) {
            Ok(v) => println!("{}: {v:?}", path.display()),
            Err(e) => println!("{}: {e}", path.display()),
        }
    }
}

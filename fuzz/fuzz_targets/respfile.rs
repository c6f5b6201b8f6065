//! The response-file expander, over real files: the input is split at
//! 0xFF bytes into up to eight files `f0` ... `f7`, written to a temporary
//! directory (the process's working directory, so `@f3` inside a file
//! names one of them), and `@f0` is expanded. It must never panic, hang or
//! run out of memory, whatever the files include and however often
//! (libiberty's limit of 2000 `@` arguments bounds the work), and what it
//! returns must be whole: no NUL in any argument, and every span inside
//! the tokens.
#![no_main]

use std::ffi::OsString;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use solink::testing::args::respfile;
use solink::Error;

fn workdir() {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().unwrap());
    // libFuzzer runs one input at a time on one thread.
    std::env::set_current_dir(dir.path()).unwrap();
}

fuzz_target!(|data: &[u8]| {
    workdir();
    for i in 0..8 {
        let _ = std::fs::remove_file(format!("f{i}"));
    }
    for (i, contents) in data.split(|&b| b == 0xff).take(8).enumerate() {
        std::fs::write(format!("f{i}"), contents).unwrap();
    }
    match respfile::expand(vec![OsString::from("-shared"), OsString::from("@f0")]) {
        Ok(expanded) => {
            assert!(expanded.tokens.iter().all(|t| !t.as_encoded_bytes().contains(&0)));
            assert!(expanded.files.len() < respfile::MAX_AT_FILES);
            for g in &expanded.groups {
                assert!(g.span.start <= g.span.end && g.span.end <= expanded.tokens.len());
            }
        }
        Err(Error::ResponseFileLoop { .. } | Error::TooManyResponseFiles { .. }) => {}
        Err(e) => panic!("unexpected refusal: {e}"),
    }
});

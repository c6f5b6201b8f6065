//! The `.pc` parser: arbitrary bytes read as a `.pc` file, the way pkgconf
//! reads one (lines, continuations, comments, variables, fields, words,
//! fragments). No input may panic, hang or exhaust memory: expansion is
//! bounded, so forty doubling variables are an error, not 2^40 bytes.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use solink::testing::pkgconfig::{parse, render, Config, PcError};

fuzz_target!(|data: &[u8]| {
    let config = Config { sysroot: Some(b"/sys root".to_vec()), ..Config::default() };
    for config in [&Config::default(), &config] {
        match parse(data, Path::new("/fuzz dir/x.pc"), config) {
            Ok(pkg) => {
                for frags in [&pkg.libs, &pkg.libs_private] {
                    // Every fragment renders and has words; no value passes
                    // pkgconf's 64 KiB buffer.
                    let text = render(frags);
                    assert!(text.len() >= frags.len());
                    for f in frags {
                        assert!(!f.words().is_empty());
                        let _ = f.meanings();
                    }
                }
                for (_, v) in &pkg.vars {
                    assert!(v.len() < 65535);
                }
            }
            Err(
                PcError::Read { .. }
                | PcError::Missing { .. }
                | PcError::Version { .. }
                | PcError::TooManyVisits { .. },
            ) => {
                unreachable!("parse reads no file and walks no package")
            }
            Err(_) => {}
        }
    }
});

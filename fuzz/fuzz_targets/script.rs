//! The linker-script parser: arbitrary bytes (a file standing where a
//! library should be). It must never panic or recurse out of stack, and
//! what it accepts must be a script by every door: `looks_like_script`
//! agrees, trailing blanks change nothing, and `inputs` lists exactly the
//! `INPUT`/`GROUP` items and `INCLUDE`d files.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use solink::testing::archive::script::{self, Command};

fuzz_target!(|data: &[u8]| {
    let parsed = script::parse(data);
    assert_eq!(script::looks_like_script(data), parsed.is_ok());
    let inputs = script::inputs(data, Path::new("/d"));
    let Ok(commands) = parsed else {
        assert!(inputs.is_empty());
        return;
    };
    let expected: usize = commands
        .iter()
        .map(|c| match c {
            Command::Input { items, .. } => items.len(),
            Command::Include(_) => 1,
            Command::SearchDir(_) | Command::Other(_) => 0,
        })
        .sum();
    assert_eq!(inputs.len(), expected);
    if data.len() < (script::MAX_SCRIPT as usize) {
        let mut padded = data.to_vec();
        padded.push(b'\n');
        assert_eq!(script::parse(&padded), Ok(commands));
    }
});

//! Archive inspection: arbitrary bytes as a whole file, and as the only
//! member of a well-formed GNU archive. It must never panic, hang or run
//! out of memory.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use solink::testing::archive::inspect_bytes;

fuzz_target!(|data: &[u8]| {
    let nowhere = Path::new("/nonexistent/solink-fuzz");
    let _ = inspect_bytes(data, nowhere);
    let mut archive = b"!<arch>\n".to_vec();
    archive.extend_from_slice(format!("{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", "m.o/", 0, 0, 0, 644, data.len()).as_bytes());
    archive.extend_from_slice(data);
    if data.len() % 2 == 1 {
        archive.push(b'\n');
    }
    let _ = inspect_bytes(&archive, nowhere);
});

//! The `.note.solink` reader (docs/provenance.md), on hostile bytes: as a
//! payload of any format (1, 2, 3 and none), and as a whole ELF file whose
//! notes are collected. It must never panic, hang or allocate past what
//! the bytes hold; a format-3 payload that decodes must encode back to the
//! same entries at the same length (what a reader accepts, a writer could
//! have written). An older payload encodes as format 3, whose entries say
//! their symbols are unknown where the old ones record none.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solink::testing::provenance::{decode, encode, payloads_in, Symbols, VERSION, VERSION_1, VERSION_2};

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = decode(data) {
        let version = u32::from_le_bytes(data[..4].try_into().unwrap());
        assert!(version == VERSION || version == VERSION_2 || version == VERSION_1);
        if version == VERSION {
            let again = encode(&entries).expect("what decodes encodes");
            assert_eq!(decode(&again).unwrap(), entries);
            // Reserved flag bits, and the sizes of an entry flagged as not
            // measured, are dropped: the length is the same.
            assert_eq!(again.len(), data.len());
        } else if let Ok(again) = encode(&entries) {
            let unknown = Some(Symbols { names: Vec::new(), cut: true });
            let mut want = entries.clone();
            for e in &mut want {
                e.symbols = unknown.clone();
            }
            assert_eq!(decode(&again).unwrap(), want);
        }
    }
    if let Ok(payloads) = payloads_in(data) {
        for p in payloads {
            let _ = decode(&p);
        }
    }
});

//! Property tests over the classify → resolve → rewrite pipeline.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use proptest::prelude::*;
use solink::archive::ElfId;
use solink::args::classify;
use solink::resolve::{Outcome, Policy, Resolver};
use solink::rewrite::{rewrite, Shape};
use solink::search::SearchPath;

/// Tokens that exercise the classifier: the table's options, linker
/// arguments, response-file syntax, and arbitrary bytes.
fn token() -> impl Strategy<Value = OsString> {
    let fixed = prop_oneof![
        Just("-shared"),
        Just("-static"),
        Just("-o"),
        Just("-l"),
        Just("-L"),
        Just("-Xlinker"),
        Just("-Wl,-Bstatic"),
        Just("-Wl,-Bdynamic"),
        Just("-Wl,--push-state"),
        Just("-Wl,--pop-state"),
        Just("-c"),
        Just("-m32"),
        Just("--sysroot"),
        Just("-x"),
        Just("-MF"),
        Just("-"),
        Just(""),
        Just("@/nonexistent/solink-rsp"),
        Just("a.o"),
        Just("libx.so"),
    ]
    .prop_map(OsString::from);
    prop_oneof![
        fixed,
        "-l[a-z:.]{1,6}".prop_map(OsString::from),
        "-L[a-z/]{0,6}".prop_map(OsString::from),
        "-Wl,[-a-zA-Z,=:]{0,12}".prop_map(OsString::from),
        proptest::collection::vec(1u8..=255, 0..10).prop_map(OsString::from_vec),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// With nothing to resolve, classify and re-emit gives back the input,
    /// byte for byte.
    #[test]
    fn nothing_to_resolve_gives_back_the_input(argv in proptest::collection::vec(token(), 0..24)) {
        let cmd = classify(argv.clone()).unwrap();
        let search = SearchPath::new(&[], &[], None, None);
        let target = ElfId { class64: true, machine: 62 };
        let decisions = Resolver::new(search, Policy::default(), target, None).resolve(&cmd);
        // A self-reference (`-o libx.so ... -lx`) is a deliberate change.
        prop_assume!(decisions.iter().all(|d| d.outcome == Outcome::Keep));
        prop_assert_eq!(rewrite(&cmd, &decisions, &Shape::default()), argv);
    }
}

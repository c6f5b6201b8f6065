//! The argument and response-file parser: arbitrary bytes are read as a
//! response file, the words classified (gcc's and ld's syntax) and
//! re-emitted with nothing to resolve, which must give them back exactly;
//! quoting them and reading them back must too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use solink::testing::args::{classify_as, respfile, Syntax};
use solink::testing::resolve::{Decision, Outcome, Reason, Subject};
use solink::testing::rewrite::{rewrite, Shape};

fuzz_target!(|data: &[u8]| {
    let words = respfile::parse(data);
    assert_eq!(respfile::parse(&respfile::quote(&words)), words);
    // Words naming response files would read the file system; leave them
    // to the unit tests.
    if words.iter().any(|w| w.as_encoded_bytes().first() == Some(&b'@')) {
        return;
    }
    for syntax in [Syntax::Gcc, Syntax::Ld] {
        let cmd = classify_as(words.clone(), syntax).expect("no response files, no errors");
        let keep: Vec<Decision> = cmd
            .libs
            .iter()
            .map(|r| Decision::new(r.name.clone(), Subject::Ref { site: r.site.clone() }, Outcome::Keep, Reason::NotFound))
            .collect();
        assert_eq!(rewrite(&cmd, &keep, &Shape::default()), words);
    }
});

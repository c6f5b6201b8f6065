//! Property tests over the classify → resolve → rewrite pipeline and the
//! response-file format.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::support;

use proptest::prelude::*;
use solink::testing::archive::ElfId;
use solink::testing::args::{classify, respfile, Site};
use solink::testing::resolve::{Decision, Outcome, Policy, Reason, Resolver, Subject};
use solink::testing::rewrite::{rewrite, Shape};
use solink::testing::search::SearchPath;

const X86_64: ElfId = ElfId { class64: true, machine: 62 };

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
        Just("-la"),
        Just("-lb"),
        Just("-lc"),
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

fn argv() -> impl Strategy<Value = Vec<OsString>> {
    proptest::collection::vec(token(), 0..24)
}

fn keep_all(cmd: &solink::testing::args::Command) -> Vec<Decision> {
    cmd.libs
        .iter()
        .map(|r| {
            Decision::new(
                r.name.clone(),
                Subject::Ref { site: r.site.clone() },
                Outcome::Keep,
                Reason::NotFound,
            )
        })
        .collect()
}

/// A directory holding PIC archives `liba.a` and `libb.a` (the tiny
/// archive, built once); `c` and others are missing.
fn archives() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = support::files::scratch("solink-prop");
        support::fixtures::tiny_archive(&dir.join("liba.a"));
        support::fixtures::tiny_archive(&dir.join("libb.a"));
        dir
    })
}

/// The pipeline as solink runs it, with `archives()` as the only search
/// directory and no system directories.
fn pipeline(argv: Vec<OsString>) -> Vec<OsString> {
    let cmd = classify(argv).unwrap();
    let search = SearchPath::new(&[archives().to_path_buf()], &cmd.lib_dirs, None, None);
    let decisions = Resolver::new(search, Policy::default(), X86_64, None).resolve(&cmd);
    rewrite(&cmd, &decisions, &Shape::default())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// With no substitutions, classify and re-emit gives back the input,
    /// byte for byte.
    #[test]
    fn nothing_substituted_gives_back_the_input(argv in argv()) {
        let cmd = classify(argv.clone()).unwrap();
        prop_assert_eq!(rewrite(&cmd, &keep_all(&cmd), &Shape::default()), argv.clone());
        // And through the resolver, where nothing is found.
        let search = SearchPath::new(&[], &[], None, None);
        let decisions = Resolver::new(search, Policy::default(), X86_64, None).resolve(&cmd);
        prop_assume!(decisions.iter().all(|d| d.outcome == Outcome::Keep));
        prop_assert_eq!(rewrite(&cmd, &decisions, &Shape::default()), argv);
    }

    /// A rewrite never drops, duplicates or reorders a token that is not a
    /// library.
    #[test]
    fn other_tokens_keep_their_order(argv in argv(), embed in proptest::collection::vec(any::<bool>(), 24)) {
        let cmd = classify(argv.clone()).unwrap();
        prop_assume!(cmd.groups.is_empty());
        prop_assume!(cmd.libs.iter().all(|l| matches!(l.site, Site::Driver { .. })));
        let decisions: Vec<Decision> = keep_all(&cmd)
            .into_iter()
            .enumerate()
            .map(|(i, mut d)| {
                // Every library changes (embedded or dropped), so the
                // tokens left to compare are exactly the others.
                d.outcome = if embed[i % embed.len()] {
                    Outcome::embed(PathBuf::from(format!("/EMBEDDED/{i}.a")))
                } else {
                    Outcome::Drop
                };
                d
            })
            .collect();
        let lib_tokens: Vec<usize> = cmd
            .libs
            .iter()
            .flat_map(|l| match l.site { Site::Driver { arg } => cmd.args[arg].span.clone(), _ => 0..0 })
            .collect();
        let expected: Vec<&OsString> =
            argv.iter().enumerate().filter(|(i, _)| !lib_tokens.contains(i)).map(|(_, t)| t).collect();
        let out = rewrite(&cmd, &decisions, &Shape::default());
        // What solink inserts: the archives, and the group around them as
        // `-Xlinker` pairs (issue 20 §8), right before the first and after
        // the last.
        let embedded = |t: Option<&OsString>| t.is_some_and(|t| t.as_encoded_bytes().starts_with(b"/EMBEDDED/"));
        let pair = |i: usize, flag: &str| out[i] == "-Xlinker" && out.get(i + 1).is_some_and(|t| t == flag);
        let mut actual: Vec<&OsString> = Vec::new();
        let mut i = 0;
        while i < out.len() {
            if (pair(i, "--start-group") && embedded(out.get(i + 2)))
                || (pair(i, "--end-group") && i > 0 && embedded(out.get(i - 1)))
            {
                i += 2;
                continue;
            }
            if !embedded(out.get(i)) {
                actual.push(&out[i]);
            }
            i += 1;
        }
        prop_assert_eq!(actual, expected);
    }

    /// Feeding solink's own rewritten command back gives the same command.
    #[test]
    fn rewriting_is_idempotent(argv in argv()) {
        let once = pipeline(argv);
        let twice = pipeline(once.clone());
        prop_assert_eq!(twice, once);
    }

    /// Any arguments, quoted into a response file and read back, are the
    /// same arguments.
    #[test]
    fn response_files_round_trip(args in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..20), 0..20)) {
        let args: Vec<OsString> = args.into_iter().map(OsString::from_vec).collect();
        prop_assert_eq!(respfile::parse(&respfile::quote(&args)), args);
    }
}

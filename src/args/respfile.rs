//! `@file` response files, read and written with gcc's rules.
//!
//! gcc reads them with libiberty's `expandargv` and `buildargv`:
//! whitespace separates arguments, single and double quotes group, and a
//! backslash escapes the next byte, even inside single quotes. The text is
//! a C string, so a NUL byte ends it. A file that cannot be opened stays a
//! literal `@file` argument. Files may name other files; `expandargv`
//! stops with "too many @-files encountered" at the 2000th `@` argument it
//! meets, counting the command line's own, and solink refuses at the same
//! point. A file that includes itself is refused here at once rather than
//! at that limit.
//!
//! Only a regular file is read. gcc `stat`s the name first and stops on a
//! directory ("@-file refers to a directory"), and would wait on a FIFO
//! forever in `fopen`; solink leaves any file that is not regular as the
//! literal argument it found, so the driver meets it and answers for
//! itself, and solink never blocks. gcc reads any size; solink reads at
//! most [`MAX_TOTAL`] bytes in all and refuses beyond that.

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// libiberty's `iteration_limit`: `expandargv` fails when it meets this
/// many `@` arguments.
pub const MAX_AT_FILES: usize = 2000;

/// The most response-file bytes one command reads, all files together.
pub const MAX_TOTAL: u64 = 256 << 20;

/// A top-level `@file` token and the span of tokens it expanded to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The `@file` token exactly as given on the command line.
    pub token: OsString,
    /// The expanded tokens, as indices into the flat token list.
    pub span: Range<usize>,
}

/// The command line with every readable `@file` expanded in place.
#[derive(Debug, Default)]
pub struct Expanded {
    pub tokens: Vec<OsString>,
    pub groups: Vec<Group>,
    /// Every response file read, in the order read.
    pub files: Vec<PathBuf>,
}

/// What one expansion has used of its limits.
struct Budget {
    /// The command-line `@file` being expanded, for messages.
    top: OsString,
    at_args: usize,
    bytes: u64,
}

/// Expands `@file` arguments, recursively, the way gcc does.
pub fn expand(argv: Vec<OsString>) -> Result<Expanded, Error> {
    let mut out = Expanded::default();
    let mut stack = Vec::new();
    let mut budget = Budget { top: OsString::new(), at_args: 0, bytes: 0 };
    for token in argv {
        if !token.as_bytes().starts_with(b"@") {
            out.tokens.push(token);
            continue;
        }
        budget.top = token.clone();
        budget.count_at_arg()?;
        match response_path(&token) {
            Some(path) => {
                let start = out.tokens.len();
                if expand_file(&path, &token, &mut out, &mut stack, &mut budget)? {
                    let span = start..out.tokens.len();
                    out.groups.push(Group { token, span });
                } else {
                    out.tokens.push(token);
                }
            }
            None => out.tokens.push(token),
        }
    }
    Ok(out)
}

impl Budget {
    /// Counts one `@` argument, as `expandargv` does before it looks at the
    /// file (so a missing one counts too).
    fn count_at_arg(&mut self) -> Result<(), Error> {
        self.at_args += 1;
        if self.at_args >= MAX_AT_FILES {
            return Err(Error::TooManyResponseFiles { file: self.top.clone(), limit: MAX_AT_FILES });
        }
        Ok(())
    }
}

fn response_path(token: &OsStr) -> Option<PathBuf> {
    let bytes = token.as_bytes();
    match bytes.split_first() {
        Some((b'@', rest)) if !rest.is_empty() => Some(PathBuf::from(OsStr::from_bytes(rest))),
        _ => None,
    }
}

/// Appends the file's arguments to `out`. Returns false when the file is
/// not read (missing, unreadable, not a regular file), in which case it
/// stays a literal argument, as in gcc.
fn expand_file(
    path: &Path,
    token: &OsStr,
    out: &mut Expanded,
    stack: &mut Vec<PathBuf>,
    budget: &mut Budget,
) -> Result<bool, Error> {
    let Ok((file, id)) = crate::fsx::open_regular(path) else {
        return Ok(false);
    };
    let left = MAX_TOTAL - budget.bytes;
    let too_large = || Error::ResponseFilesTooLarge { file: budget.top.clone(), cap: MAX_TOTAL };
    if id.size > left {
        return Err(too_large());
    }
    let contents = match crate::fsx::read_capped(file, id.size, left) {
        Ok(c) => c,
        // It grew past the cap while it was read.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Err(too_large()),
        // gcc keeps the argument when the read fails.
        Err(_) => return Ok(false),
    };
    budget.bytes += contents.len() as u64;
    // A file that exists can be canonicalized; key the loop check on that,
    // so `@./a` inside `a` is caught too.
    let canonical = crate::fsx::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) {
        return Err(Error::ResponseFileLoop { file: token.to_owned() });
    }
    out.files.push(path.to_path_buf());
    stack.push(canonical);
    for arg in parse(&contents) {
        if !arg.as_bytes().starts_with(b"@") {
            out.tokens.push(arg);
            continue;
        }
        budget.count_at_arg()?;
        match response_path(&arg) {
            Some(inner) if expand_file(&inner, &arg, out, stack, budget)? => {}
            _ => out.tokens.push(arg),
        }
    }
    stack.pop();
    Ok(true)
}

/// Splits response-file contents into arguments (libiberty `buildargv`).
pub fn parse(input: &[u8]) -> Vec<OsString> {
    // libiberty reads the file into a C string: a NUL byte ends the text.
    let input = &input[..input.iter().position(|&c| c == 0).unwrap_or(input.len())];
    let mut args = Vec::new();
    let mut i = 0;
    while i < input.len() {
        while i < input.len() && is_space(input[i]) {
            i += 1;
        }
        if i == input.len() {
            break;
        }
        let mut arg = Vec::new();
        let (mut squote, mut dquote, mut escaped) = (false, false, false);
        while i < input.len() {
            let c = input[i];
            if is_space(c) && !squote && !dquote && !escaped {
                break;
            }
            if escaped {
                escaped = false;
                arg.push(c);
            } else if c == b'\\' {
                escaped = true;
            } else if squote {
                if c == b'\'' {
                    squote = false;
                } else {
                    arg.push(c);
                }
            } else if dquote {
                if c == b'"' {
                    dquote = false;
                } else {
                    arg.push(c);
                }
            } else if c == b'\'' {
                squote = true;
            } else if c == b'"' {
                dquote = true;
            } else {
                arg.push(c);
            }
            i += 1;
        }
        args.push(OsString::from_vec(arg));
    }
    args
}

/// Quotes arguments so that [`parse`] (and gcc) read them back unchanged.
pub fn quote(args: &[OsString]) -> Vec<u8> {
    let mut out = Vec::new();
    for arg in args {
        let bytes = arg.as_bytes();
        if bytes.is_empty() {
            out.extend_from_slice(b"''");
        }
        for &c in bytes {
            if is_space(c) || matches!(c, b'\\' | b'\'' | b'"') {
                out.push(b'\\');
            }
            out.push(c);
        }
        out.push(b'\n');
    }
    out
}

/// libiberty's ISSPACE: the C locale's whitespace.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[&str]) {
        let got = parse(input.as_bytes());
        let want: Vec<OsString> = expected.iter().map(OsString::from).collect();
        assert_eq!(got, want, "parsing {input:?}");
    }

    #[test]
    fn parse_follows_buildargv() {
        check("", &[]);
        check("  \n\t ", &[]);
        check("a b\tc\nd", &["a", "b", "c", "d"]);
        check("'a b' \"c d\"", &["a b", "c d"]);
        check(r"a\ b", &["a b"]);
        check(r"'it\'s'", &["it's"]);
        check(r#""say \"hi\"""#, &[r#"say "hi""#]);
        check("'' \"\"", &["", ""]);
        check("-Wl,-rpath,'/opt/my lib'", &["-Wl,-rpath,/opt/my lib"]);
        check(r"trailing\", &["trailing"]);
    }

    #[test]
    fn quote_round_trips() {
        let args: Vec<OsString> = ["", "a b", "it's", "\"q\"", "back\\slash", "tab\there", "new\nline"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(parse(&quote(&args)), args);
    }

    #[test]
    fn unreadable_file_stays_literal() {
        let argv = vec![OsString::from("@/nonexistent/solink-test"), OsString::from("-c")];
        let got = expand(argv.clone()).unwrap();
        assert_eq!(got.tokens, argv);
        assert!(got.groups.is_empty());
    }

    #[test]
    fn nested_files_expand_into_one_group() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("inner");
        let outer = dir.path().join("outer");
        std::fs::write(&inner, "-lb 'c d'").unwrap();
        std::fs::write(&outer, format!("-la @{}", inner.display())).unwrap();
        let outer_token = OsString::from(format!("@{}", outer.display()));
        let got = expand(vec!["x.o".into(), outer_token.clone(), "-lz".into()]).unwrap();
        assert_eq!(got.tokens, ["x.o", "-la", "-lb", "c d", "-lz"]);
        assert_eq!(got.groups, [Group { token: outer_token, span: 1..4 }]);
        assert_eq!(got.files, [outer, inner]);
    }

    #[test]
    fn a_nul_byte_ends_the_text() {
        // Before, the NUL became part of an argument that failed exec later.
        check("-la\0-lb", &["-la"]);
        check("'a\0b' c", &["a"]);
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, b"-lx -ly\0 -lz @nowhere").unwrap();
        let got = expand(vec![format!("@{}", f.display()).into()]).unwrap();
        assert_eq!(got.tokens, ["-lx", "-ly"]);
    }

    #[test]
    fn files_that_are_not_regular_stay_literal_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        crate::fsx::test_support::mkfifo(&fifo);
        // Reading the FIFO waited for a writer forever before.
        for path in [fifo.as_path(), dir.path(), Path::new("/dev/zero")] {
            let token = OsString::from(format!("@{}", path.display()));
            let got = expand(vec![token.clone()]).unwrap();
            assert_eq!(got.tokens, [token], "{}", path.display());
            assert!(got.files.is_empty());
        }
    }

    #[test]
    fn gcc_s_limit_on_at_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Thirty files that each include the previous one twice: 2^30
        // expansions, which took minutes; gcc stops at 2000 @-arguments.
        std::fs::write(d.join("f0"), "-lx").unwrap();
        for i in 1..30 {
            let prev = d.join(format!("f{}", i - 1));
            std::fs::write(d.join(format!("f{i}")), format!("@{0} @{0}", prev.display())).unwrap();
        }
        let top = OsString::from(format!("@{}", d.join("f29").display()));
        let started = std::time::Instant::now();
        match expand(vec![top.clone()]) {
            Err(Error::TooManyResponseFiles { file, limit: MAX_AT_FILES }) => assert_eq!(file, top),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
        // Every `@` argument counts, read or not, as in expandargv: 1999
        // pass, the 2000th is refused.
        let missing =
            |n: usize| (0..n).map(|i| OsString::from(format!("@/nonexistent/{i}"))).collect::<Vec<_>>();
        assert_eq!(expand(missing(MAX_AT_FILES - 1)).unwrap().tokens.len(), MAX_AT_FILES - 1);
        assert!(matches!(expand(missing(MAX_AT_FILES)), Err(Error::TooManyResponseFiles { .. })));
    }

    #[test]
    fn response_files_are_bounded_in_all() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        // Sparse: the size alone is refused, before anything is read.
        std::fs::File::create(&big).unwrap().set_len(MAX_TOTAL + 1).unwrap();
        let token = OsString::from(format!("@{}", big.display()));
        match expand(vec!["-shared".into(), token.clone()]) {
            Err(Error::ResponseFilesTooLarge { file, cap: MAX_TOTAL }) => assert_eq!(file, token),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn self_inclusion_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, format!("-lx @{}", b.display())).unwrap();
        std::fs::write(&b, format!("@{}/./a", dir.path().display())).unwrap();
        let err = expand(vec![format!("@{}", a.display()).into()]).unwrap_err();
        assert!(matches!(err, Error::ResponseFileLoop { .. }), "{err:?}");
    }
}

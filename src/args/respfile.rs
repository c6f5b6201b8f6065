//! `@file` response files, read and written with gcc's rules.
//!
//! gcc reads them with libiberty's `buildargv`: whitespace separates
//! arguments, single and double quotes group, and a backslash escapes the
//! next byte, even inside single quotes. A file that cannot be read stays a
//! literal `@file` argument. Files may name other files; a file that includes
//! itself is refused here rather than expanded forever.

use std::ffi::{OsStr, OsString};
use std::ops::Range;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::Error;

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

/// Expands `@file` arguments, recursively, the way gcc does.
pub fn expand(argv: Vec<OsString>) -> Result<Expanded, Error> {
    let mut out = Expanded::default();
    let mut stack = Vec::new();
    for token in argv {
        match response_path(&token) {
            Some(path) => {
                let start = out.tokens.len();
                if expand_file(&path, &token, &mut out, &mut stack)? {
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

fn response_path(token: &OsStr) -> Option<PathBuf> {
    let bytes = token.as_bytes();
    match bytes.split_first() {
        Some((b'@', rest)) if !rest.is_empty() => Some(PathBuf::from(OsStr::from_bytes(rest))),
        _ => None,
    }
}

/// Appends the file's arguments to `out`. Returns false when the file cannot
/// be read, in which case gcc keeps the `@file` token as a literal argument.
fn expand_file(
    path: &Path,
    token: &OsStr,
    out: &mut Expanded,
    stack: &mut Vec<PathBuf>,
) -> Result<bool, Error> {
    let Ok(contents) = std::fs::read(path) else {
        return Ok(false);
    };
    // A file that exists can be canonicalized; key the loop check on that,
    // so `@./a` inside `a` is caught too.
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if stack.contains(&canonical) {
        return Err(Error::ResponseFileLoop { file: token.to_owned() });
    }
    out.files.push(path.to_path_buf());
    stack.push(canonical);
    for arg in parse(&contents) {
        match response_path(&arg) {
            Some(inner) => {
                if !expand_file(&inner, &arg, out, stack)? {
                    out.tokens.push(arg);
                }
            }
            None => out.tokens.push(arg),
        }
    }
    stack.pop();
    Ok(true)
}

/// Splits response-file contents into arguments (libiberty `buildargv`).
pub fn parse(input: &[u8]) -> Vec<OsString> {
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

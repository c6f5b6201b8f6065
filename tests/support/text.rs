//! Comparing whole texts: `assert_text(got, want)` passes only when the two
//! are equal, and on a difference prints both whole and a line diff (as
//! ripgrep's `eqnice!` does), so a changed message shows what it became.

use std::fmt::Write;

/// Asserts that `got` equals `want`; on a difference panics with both texts
/// whole and the lines that differ (`-` wanted, `+` got).
#[track_caller]
pub fn assert_text(got: impl AsRef<str>, want: impl AsRef<str>) {
    assert_text_of("", got.as_ref(), want.as_ref());
}

/// [`assert_text`], saying which text (`what`) in the failure.
#[track_caller]
pub fn assert_text_of(what: &str, got: &str, want: &str) {
    if got == want {
        return;
    }
    let what = if what.is_empty() { String::new() } else { format!(" ({what})") };
    panic!(
        "the text differs{what}\n\
         ----- want -----\n{want}\n----- got ------\n{got}\n----- diff (-want +got) -----\n{}",
        line_diff(want, got)
    );
}

/// Asserts that one line of `text` is `want`, whole (for an output whose
/// other lines depend on the machine); on failure prints `text` whole.
#[track_caller]
pub fn assert_line(text: &str, want: &str) {
    assert!(text.lines().any(|l| l == want), "no line is exactly\n{want}\n----- in -----\n{text}");
}

/// `text` with every occurrence of `dir` (a temporary directory's path)
/// written `$DIR`, so a message naming files in it can be compared whole.
pub fn with_dir(text: &str, dir: &std::path::Path) -> String {
    text.replace(&dir.display().to_string(), "$DIR")
}

/// A line diff of `a` into `b`, from their longest common subsequence:
/// ` ` for a line both have, `-` for one only `a` has, `+` for `b`'s.
pub fn line_diff(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('\n').collect(), b.split('\n').collect());
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(out, " {}", a[i]);
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            let _ = writeln!(out, "-{}", a[i]);
            i += 1;
        } else {
            let _ = writeln!(out, "+{}", b[j]);
            j += 1;
        }
    }
    out
}

#[test]
fn a_line_diff_marks_what_each_side_alone_has() {
    assert_eq!(line_diff("a\nb\nc", "a\nx\nc"), " a\n-b\n+x\n c\n");
    assert_eq!(line_diff("", "a"), "-\n+a\n");
    assert_text("same\n", "same\n");
    let differs = std::panic::catch_unwind(|| assert_text_of("a test", "one\n", "two\n"));
    assert!(differs.is_err(), "different texts fail");
}

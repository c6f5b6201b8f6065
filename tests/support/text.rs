//! Comparing whole texts: `assert_text(got, want)` passes only when the two
//! are equal, and on a difference prints both whole and a line diff (as
//! ripgrep's `eqnice!` does), so a changed message shows what it became.

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

/// A unified line diff of `a` into `b` (`-` for a line only `a` has, `+`
/// for `b`'s), from `similar`, the diff crate insta and pretty_assertions
/// use.
pub fn line_diff(a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(a, b).unified_diff().context_radius(3).to_string()
}

#[test]
fn a_line_diff_marks_what_each_side_alone_has() {
    assert_eq!(line_diff("a\nb\nc\n", "a\nx\nc\n"), "@@ -1,3 +1,3 @@\n a\n-b\n+x\n c\n");
    assert_eq!(line_diff("", "a\n"), "@@ -0,0 +1 @@\n+a\n");
    assert_text("same\n", "same\n");
    let differs = std::panic::catch_unwind(|| assert_text_of("a test", "one\n", "two\n"));
    assert!(differs.is_err(), "different texts fail");
}

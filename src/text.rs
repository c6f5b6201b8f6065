//! Input echoed back to people. A token, file name or path that solink
//! quotes in a `solink: ...` line comes from the command line or the file
//! system, so it may hold anything: a newline that forges a second message
//! line in a build log, an escape sequence that rewrites the terminal, bytes
//! that are not UTF-8, or a megabyte of text. [`shown`] makes any of them one
//! short, printable piece of a line.

use std::ffi::OsStr;

/// The most bytes [`shown`] returns, `...` included. Long enough for any
/// real path, short enough that one message stays one readable line.
pub const MAX_SHOWN: usize = 200;

/// `s` as it may appear in a message: control characters escaped (`\n`,
/// `\t`, `\r`, `\x1b`, ...), as are C1 controls and the bidirectional
/// overrides that reorder what a terminal shows (`\u{202e}`); bytes that are
/// not UTF-8 written as `\xff`; and when the result is longer than
/// [`MAX_SHOWN`] bytes, its middle replaced by `...`. The middle goes, not the
/// end: a path's file name is at its end, and its root at its start.
pub fn shown(s: impl AsRef<OsStr>) -> String {
    let escaped = escape(s.as_ref().as_encoded_bytes());
    truncate_middle(escaped, MAX_SHOWN)
}

/// `s` whole, as a name in a document for tools (an SBOM's names and
/// references): every byte kept, none replaced. Escaped as [`shown`]
/// escapes (`\xff` for a byte that is not UTF-8), with a backslash of the
/// name itself doubled, so two different names never give one text
/// (`lib\xff.so` and `lib\xfe.so` stay two; issue 32 §4). Never shortened.
pub fn escaped(s: impl AsRef<OsStr>) -> String {
    let bytes = s.as_ref().as_encoded_bytes();
    if !bytes.contains(&b'\\') {
        return escape(bytes);
    }
    // Double each backslash first: a `\` that escape writes is then
    // always an escape, never a byte of the name.
    let mut parts = bytes.split(|b| *b == b'\\').map(escape);
    let mut out = parts.next().unwrap_or_default();
    for p in parts {
        out.push_str("\\\\");
        out.push_str(&p);
    }
    out
}

fn escape(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                escape_str(s, &mut out);
                break;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                // `valid_up_to` is where the valid UTF-8 ends: this cannot fail.
                escape_str(std::str::from_utf8(good).unwrap_or_default(), &mut out);
                let bad = e.error_len().unwrap_or(rest.len());
                for b in &rest[..bad] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                bytes = &rest[bad..];
            }
        }
    }
    out
}

fn escape_str(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            // C1 controls (U+009B is a CSI to some terminals) and the
            // bidirectional embeddings, overrides and isolates
            // (the "Trojan Source" characters).
            '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
}

/// Keeps the first and last parts of `s` around `...`, cut at character
/// boundaries, so the result is at most `max` bytes.
fn truncate_middle(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let keep = max - 3;
    let mut head = keep / 2;
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - (keep - keep / 2);
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    format!("{}...{}", &s[..head], &s[tail..])
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`, UTC, in the
/// proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`): the
/// log file's times and the SPDX documents' creation times.
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Words as a sentence lists them: `a, b, c or d` (`last` is `or` or
/// `and`), for a message that names what a setting allows from its row.
pub fn listed(words: &[&str], last: &str) -> String {
    match words {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., end] => format!("{} {last} {end}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn listed_reads_as_a_sentence() {
        assert_eq!(listed(&[], "or"), "");
        assert_eq!(listed(&["text"], "or"), "text");
        assert_eq!(listed(&["text", "json"], "or"), "text or json");
        assert_eq!(listed(&["a", "b", "c"], "and"), "a, b and c");
    }

    fn check(input: &[u8], expected: &str) {
        assert_eq!(shown(OsStr::from_bytes(input)), expected, "{input:?}");
    }

    #[test]
    fn escapes_what_a_terminal_or_a_log_would_act_on() {
        check(b"plain/lib-x.a", "plain/lib-x.a");
        check(b"a\nsolink: forged", "a\\nsolink: forged");
        check(b"\x1b[2J\x1b]0;title\x07", "\\x1b[2J\\x1b]0;title\\x07");
        check(b"tab\there\rcr\x7f", "tab\\there\\rcr\\x7f");
        check(b"bad \xff\xfe utf8", "bad \\xff\\xfe utf8");
        check("csi\u{9b}31m rlo\u{202e}txt".as_bytes(), "csi\\u{9b}31m rlo\\u{202e}txt");
        check("unicode caf\u{e9} ok".as_bytes(), "unicode caf\u{e9} ok");
        check(b"back\\slash", "back\\slash");
        check(b"", "");
    }

    #[test]
    fn escaped_keeps_every_name_distinct() {
        let e = |b: &[u8]| escaped(OsStr::from_bytes(b));
        assert_eq!(e(b"lib\xff.so"), "lib\\xff.so");
        assert_ne!(e(b"lib\xff.so"), e(b"lib\xfe.so"));
        assert_eq!(e(b"lib\\xff.so"), "lib\\\\xff.so", "a backslash of the name is doubled");
        assert_ne!(e(b"lib\\xff.so"), e(b"lib\xff.so"));
        assert_eq!(e("x".repeat(1000).as_bytes()).len(), 1000, "never shortened");
    }

    #[test]
    fn long_input_keeps_its_start_and_end() {
        let long = format!("/start/{}/libend.a", "x".repeat(10_000));
        let s = shown(&long);
        assert_eq!(s.len(), MAX_SHOWN);
        assert!(s.starts_with("/start/xxx"), "{s}");
        assert!(s.ends_with("xxx/libend.a"), "{s}");
        assert!(s.contains("..."), "{s}");
        // Escapes count in the limit, and a cut never splits a character.
        let wide = "\u{e9}".repeat(1000);
        let s = shown(&wide);
        assert!(s.len() <= MAX_SHOWN && s.contains("..."), "{s}");
        let ctl = shown(OsStr::from_bytes(&[0u8; 1000]));
        assert!(ctl.len() <= MAX_SHOWN && ctl.starts_with("\\x00\\x00"), "{ctl}");
        assert_eq!(shown("y".repeat(MAX_SHOWN)), "y".repeat(MAX_SHOWN), "exactly the limit is kept whole");
    }
}

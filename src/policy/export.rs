//! Issue 23, export control, pure: which symbols `--export` and
//! `--export-archive` name, from which input each comes, and the version
//! script that exports them.
//!
//! What ld does, measured with GNU ld 2.40 (the reasons for the mechanism):
//! - a version script's `global:` entry exports a name that a wildcard
//!   `local: *` (rustc's script for a cdylib) would hide; an explicit name
//!   wins over a wildcard (ld manual, "VERSION Command");
//! - `--exclude-libs` (`--hide`) hides an archive's symbols and neither a
//!   `global:` entry nor `--export-dynamic-symbol` undoes it, so an archive
//!   that defines an exported name is kept out of `--exclude-libs`, and its
//!   other globals are made local by the script instead;
//! - a script whose `local:` lists names (no `*`) leaves every other
//!   symbol as it was, so a script solink makes changes nothing else.

use std::path::PathBuf;

use std::ffi::OsString;

use crate::formats::symbols::Name;

/// An input of the link that defines symbols.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// `m.o`, or `libapi.a(a.o)`.
    pub label: String,
    /// The embedded archive it is a member of, if it is one.
    pub archive: Option<Member>,
    /// The global symbols it defines.
    pub defines: Vec<Name>,
}

/// A member of an embedded archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub path: PathBuf,
    /// The library's name (`api` for `libapi.a`), as `--export-archive` names it.
    pub lib: OsString,
    /// `--hide` hides the archive's symbols.
    pub hidden: bool,
    /// ld pulls the member (else only `--export` can ask for it, by `-u`).
    pub pulled: bool,
}

/// What the exports come to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exports {
    /// Each exported name and the input that defines it, sorted by name.
    pub exported: Vec<(Name, String)>,
    /// Names `--export` gives that no input defines: a warning.
    pub undefined: Vec<Name>,
    /// `--export-archive` names with no pulled member in the link: a warning.
    pub no_archive: Vec<OsString>,
    /// Names defined only by members ld would not pull: `-u` pulls them.
    pub pull: Vec<Name>,
    /// Hidden archives that define an exported name (`--hide` yields to
    /// the export there), with the names: kept out of `--exclude-libs`.
    pub unhidden: Vec<(PathBuf, Vec<Name>)>,
    /// Those archives' other globals, local in the script.
    pub local: Vec<Name>,
    /// The embedded archives an exported name comes from: their note
    /// entries say so (`exported`).
    pub from_archives: Vec<PathBuf>,
}

impl Exports {
    /// Whether the link's version script must change.
    pub fn touches_script(&self) -> bool {
        !self.exported.is_empty() || !self.local.is_empty()
    }

    /// The names the script exports.
    pub fn global(&self) -> Vec<Name> {
        self.exported.iter().map(|(n, _)| n.clone()).collect()
    }
}

/// The exports of `names` (`--export`) and of the archives `archives`
/// (`--export-archive`) over the link's `sources`.
pub fn decide(names: &[Name], archives: &[OsString], sources: &[Source]) -> Exports {
    let mut out = Exports::default();
    let mut wanted: Vec<Name> = Vec::new();
    for name in names {
        if !wanted.contains(name) {
            wanted.push(name.clone());
        }
    }
    for lib in archives {
        let members: Vec<&Source> = sources
            .iter()
            .filter(|s| s.archive.as_ref().is_some_and(|m| m.pulled && m.lib == *lib))
            .collect();
        if members.is_empty() {
            out.no_archive.push(lib.clone());
        }
        for name in members.iter().flat_map(|s| &s.defines) {
            if !wanted.contains(name) {
                wanted.push(name.clone());
            }
        }
    }
    for name in &wanted {
        let defining: Vec<&Source> = sources.iter().filter(|s| s.defines.contains(name)).collect();
        let pulled = |s: &Source| s.archive.as_ref().map_or(true, |m| m.pulled);
        let Some(first) = defining.iter().find(|s| pulled(s)).or(defining.first()) else {
            out.undefined.push(name.clone());
            continue;
        };
        if !defining.iter().any(|s| pulled(s)) {
            out.pull.push(name.clone());
        }
        out.exported.push((name.clone(), first.label.clone()));
        if let Some(m) = &first.archive {
            if !out.from_archives.contains(&m.path) {
                out.from_archives.push(m.path.clone());
            }
        }
        for m in defining.iter().filter_map(|s| s.archive.as_ref()).filter(|m| m.hidden) {
            match out.unhidden.iter_mut().find(|(p, _)| *p == m.path) {
                Some((_, names)) if !names.contains(name) => names.push(name.clone()),
                Some(_) => {}
                None => out.unhidden.push((m.path.clone(), vec![name.clone()])),
            }
        }
    }
    for s in sources {
        let Some(m) = &s.archive else { continue };
        if !m.pulled || !out.unhidden.iter().any(|(p, _)| *p == m.path) {
            continue;
        }
        for name in &s.defines {
            if !wanted.contains(name) && !out.local.contains(name) {
                out.local.push(name.clone());
            }
        }
    }
    out.exported.sort();
    out.local.sort();
    out
}

/// A name as a version script's literal (quoted, so no glob applies).
fn quoted(name: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    out.extend_from_slice(name);
    out.extend_from_slice(b"\";");
    out
}

fn list(names: &[Name]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names {
        out.push(b' ');
        out.extend(quoted(n));
    }
    out
}

/// The script solink makes when the link has none: the names exported,
/// the unhidden archives' others local, every other symbol as it was.
pub fn new_script(global: &[Name], local: &[Name]) -> Vec<u8> {
    let mut out = b"/* solink: --export */\n{".to_vec();
    if !global.is_empty() {
        out.extend_from_slice(b"\n  global:");
        out.extend(list(global));
    }
    if !local.is_empty() {
        out.extend_from_slice(b"\n  local:");
        out.extend(list(local));
    }
    out.extend_from_slice(b"\n};\n");
    out
}

/// The byte offsets of the script's code outside comments (`/* */`, and
/// `#` to the end of a line, both of ld's script lexer).
fn code_mask(text: &[u8]) -> Vec<bool> {
    let mut mask = vec![true; text.len()];
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(b"/*") {
            let end = text[i + 2..].windows(2).position(|w| w == b"*/").map_or(text.len(), |p| i + p + 4);
            mask[i..end].iter_mut().for_each(|m| *m = false);
            i = end;
        } else if text[i] == b'#' {
            let end = text[i..].iter().position(|&c| c == b'\n').map_or(text.len(), |p| i + p);
            mask[i..end].iter_mut().for_each(|m| *m = false);
            i = end;
        } else {
            i += 1;
        }
    }
    mask
}

/// Where `word` followed by `:` first stands in the code, as the offset
/// just after the colon.
fn after_label(text: &[u8], mask: &[bool], word: &[u8]) -> Option<usize> {
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.';
    (0..text.len()).find_map(|i| {
        if !mask[i] || !text[i..].starts_with(word) || (i > 0 && ident(text[i - 1])) {
            return None;
        }
        let mut j = i + word.len();
        while j < text.len() && text[j].is_ascii_whitespace() {
            j += 1;
        }
        (text.get(j) == Some(&b':') && mask[j]).then_some(j + 1)
    })
}

/// The user's script with `global` added to its first `global:` list (or
/// a `global:` list opened in its first node) and `local` to its first
/// `local:` list (or one closing its first node). Everything else is kept
/// byte for byte; a script with no node gets one after it.
pub fn merge_script(text: &[u8], global: &[Name], local: &[Name]) -> Vec<u8> {
    let mask = code_mask(text);
    let open = (0..text.len()).find(|&i| mask[i] && text[i] == b'{');
    let Some(open) = open else {
        let mut out = text.to_vec();
        out.push(b'\n');
        out.extend(new_script(global, local));
        return out;
    };
    // The first node's closing brace (`extern "C++" { }` nests).
    let mut depth = 0;
    let close = (open..text.len()).find(|&i| {
        if mask[i] && text[i] == b'{' {
            depth += 1;
        } else if mask[i] && text[i] == b'}' {
            depth -= 1;
        }
        depth == 0
    });
    let mut inserts: Vec<(usize, Vec<u8>)> = Vec::new();
    if !global.is_empty() {
        match after_label(text, &mask, b"global") {
            Some(at) => inserts.push((at, list(global))),
            None => inserts.push((open + 1, [&b" global:"[..], &list(global)].concat())),
        }
    }
    if !local.is_empty() {
        match (after_label(text, &mask, b"local"), close) {
            (Some(at), _) => inserts.push((at, list(local))),
            (None, Some(close)) => inserts.push((close, [&b" local:"[..], &list(local), b" "].concat())),
            (None, None) => {}
        }
    }
    inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut out = text.to_vec();
    for (at, bytes) in inserts {
        out.splice(at..at, bytes);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.as_bytes().into()
    }

    fn member(path: &str, lib: &str, hidden: bool, pulled: bool) -> Option<Member> {
        Some(Member { path: path.into(), lib: lib.into(), hidden, pulled })
    }

    fn src(label: &str, archive: Option<Member>, defines: &[&str]) -> Source {
        Source { label: label.into(), archive, defines: defines.iter().map(|d| n(d)).collect() }
    }

    #[test]
    fn exports_by_name_and_by_archive() {
        let sources = [
            src("m.o", None, &["own"]),
            src("libapi.a(a.o)", member("/l/libapi.a", "api", true, true), &["api_f", "api_g"]),
            src("libapi.a(b.o)", member("/l/libapi.a", "api", true, false), &["api_unused"]),
            src("libother.a(o.o)", member("/l/libother.a", "other", true, true), &["other_f", "other_g"]),
        ];
        let e = decide(&[], &["api".into()], &sources);
        assert_eq!(e.global(), vec![n("api_f"), n("api_g")], "pulled members only");
        assert_eq!(e.unhidden, vec![("/l/libapi.a".into(), vec![n("api_f"), n("api_g")])]);
        assert!(e.local.is_empty() && e.undefined.is_empty() && e.pull.is_empty());
        let e = decide(&[n("other_f"), n("nope"), n("api_unused")], &["zz".into()], &sources);
        assert_eq!(e.global(), vec![n("api_unused"), n("other_f")]);
        assert_eq!(e.exported[1].1, "libother.a(o.o)");
        assert_eq!(e.undefined, vec![n("nope")]);
        assert_eq!(e.no_archive, vec![OsString::from("zz")]);
        assert_eq!(e.pull, vec![n("api_unused")], "a member ld would not pull is pulled by -u");
        assert_eq!(e.local, vec![n("api_f"), n("api_g"), n("other_g")]);
    }

    #[test]
    fn scripts_are_merged_not_replaced() {
        let check = |text: &str, global: &[&str], local: &[&str], want: &str| {
            let g: Vec<Name> = global.iter().map(|s| n(s)).collect();
            let l: Vec<Name> = local.iter().map(|s| n(s)).collect();
            assert_eq!(String::from_utf8(merge_script(text.as_bytes(), &g, &l)).unwrap(), want, "{text}");
        };
        // rustc's cdylib script.
        check(
            "{\n  global:\n    f;\n  local:\n    *;\n};\n",
            &["c"],
            &[],
            "{\n  global: \"c\";\n    f;\n  local:\n    *;\n};\n",
        );
        check("V1 { local: *; };", &["c"], &[], "V1 { global: \"c\"; local: *; };");
        check(
            "/* global: */ { global: f; };",
            &["c"],
            &["x"],
            "/* global: */ { global: \"c\"; f;  local: \"x\"; };",
        );
        check("{ global: f; local: g; };", &[], &["x"], "{ global: f; local: \"x\"; g; };");
        assert_eq!(new_script(&[n("c")], &[]), b"/* solink: --export */\n{\n  global: \"c\";\n};\n");
    }
}

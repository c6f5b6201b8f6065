//! `solink --audit --embeds NAME[=SHA256] DIR...`: every ELF file under
//! the directories whose `.note.solink` says it embeds `libNAME.a`
//! (optionally that very build), which is what a distribution or a
//! security team asks after a CVE in a static library (issue 22 §6).
//!
//! Only each file's first bytes and its notes are read (`walk::notes`),
//! so a walk of `/usr/lib` costs about what listing it does
//! (docs/performance.md).

use std::ffi::OsStr;
use std::path::PathBuf;

use super::{walk, Reach, Unseen, Why};
use crate::error::{Error, Usage};
use crate::formats::provenance::{self, Digest, Entry};

/// What `--embeds` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// `z` for `libz.a`.
    pub library: String,
    pub digest: Option<Digest>,
}

impl Query {
    /// `NAME` or `NAME=SHA256`; `NAME` may also be written `libNAME.a`.
    pub fn parse(value: &OsStr) -> Result<Query, Error> {
        let bad = |why: &str| {
            Error::Usage(Usage::BadEmbeds {
                value: value.to_string_lossy().into_owned(),
                why: why.to_string(),
            })
        };
        let text = value.to_str().ok_or_else(|| bad("it is not UTF-8"))?;
        let (name, digest) = match text.split_once('=') {
            Some((n, d)) => (n, Some(d)),
            None => (text, None),
        };
        let name = name.strip_prefix("lib").and_then(|n| n.strip_suffix(".a")).unwrap_or(name);
        if name.is_empty() || name.contains('/') {
            return Err(bad("NAME must be a library name such as z (for libz.a)"));
        }
        let digest = match digest {
            None => None,
            Some(hex) => {
                Some(parse_sha256(hex).ok_or_else(|| bad("the digest is not a SHA-256 (64 hex digits)"))?)
            }
        };
        Ok(Query { library: name.to_string(), digest })
    }

    /// Whether `e` records this archive: its file is `libNAME.a` or it
    /// was linked as `-lNAME` (a linker script's archives are recorded
    /// under the script's name), with the digest asked for, if any.
    pub fn matches(&self, e: &Entry) -> bool {
        (e.file == format!("lib{}.a", self.library) || e.library == self.library)
            && self.digest.map_or(true, |d| d == e.digest)
    }

    /// `libz.a`, or `libz.a with sha256 HEX`.
    fn shown(&self) -> String {
        match &self.digest {
            None => format!("lib{}.a", self.library),
            Some(d) => format!("lib{}.a with sha256 {d}", self.library),
        }
    }
}

fn parse_sha256(hex: &str) -> Option<Digest> {
    let hex = hex.as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(Digest(out))
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Found {
    pub query: Option<Query>,
    pub roots: Vec<PathBuf>,
    /// ELF files read.
    pub elf_files: usize,
    /// Each file that embeds the archive, with the matching entries and
    /// each copy's reach, read from the file's `.dynsym`.
    pub hits: Vec<(PathBuf, Vec<(Entry, Reach)>)>,
    /// Files and directories that could not be read, whose note could not
    /// be decoded, and the limits the walk hit: what they embed is unknown.
    pub unknown: Vec<Unseen>,
    /// Trees tagged with `CACHEDIR.TAG`, not walked.
    pub caches: Vec<PathBuf>,
}

impl Found {
    /// The exit status: [`super::INCOMPLETE`] when anything was not seen
    /// (a file not read may embed it, so neither answer is sure), else 0
    /// when a file embeds it and 1 when none does.
    pub fn status(&self) -> u8 {
        if !self.unknown.is_empty() {
            super::INCOMPLETE
        } else {
            u8::from(self.hits.is_empty())
        }
    }
}

/// Walks every root and reads every ELF file's notes. A root that does not
/// exist or cannot be read is refused (exit 2) before anything is printed.
pub fn find(query: &Query, roots: &[PathBuf]) -> Result<Found, Error> {
    if roots.is_empty() {
        return Err(Error::Usage(Usage::EmbedsWithoutDirs));
    }
    let walks: Vec<walk::Walk> = roots
        .iter()
        .map(|r| walk::walk(r).map_err(|e| Error::EmbedsRoot { path: r.clone(), problem: e.to_string() }))
        .collect::<Result<_, _>>()?;
    let mut found = Found { query: Some(query.clone()), roots: roots.to_vec(), ..Default::default() };
    for w in walks {
        found.unknown.extend(w.unseen);
        found.caches.extend(w.caches);
        for path in w.files {
            match walk::notes(&path) {
                Ok(None) => {}
                Ok(Some(Err(e))) => {
                    found.elf_files += 1;
                    found.unknown.push(Unseen { path, why: Why::Damaged(e) });
                }
                Ok(Some(Ok(payloads))) => {
                    found.elf_files += 1;
                    let mut hits = Vec::new();
                    for p in payloads {
                        match provenance::decode(&p) {
                            Ok(entries) => hits.extend(entries.into_iter().filter(|e| query.matches(e))),
                            Err(e) => found
                                .unknown
                                .push(Unseen { path: path.clone(), why: Why::Note(e.to_string()) }),
                        }
                    }
                    if !hits.is_empty() {
                        // Only a hit's symbols are read: the walk stays a
                        // read of notes.
                        let visible = super::copies::exports(&path).visible;
                        let hits = hits
                            .into_iter()
                            .map(|e| {
                                let r = super::reach(&e, visible.as_deref());
                                (e, r)
                            })
                            .collect();
                        found.hits.push((path, hits));
                    }
                }
                Err(e) => found.unknown.push(Unseen { path, why: Why::Unreadable(e.to_string()) }),
            }
        }
    }
    Ok(found)
}

use super::lossy;

/// For people: one line per file that embeds it, then what could not be
/// read; a line saying so when none does.
pub fn text(f: &Found) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let q = f.query.as_ref().map(Query::shown).unwrap_or_default();
    for (path, entries) in &f.hits {
        for (e, r) in entries {
            let _ = writeln!(
                out,
                "{}: embeds {} (-l{}) sha256:{} {}",
                lossy(path),
                e.file,
                e.library,
                e.digest,
                r.word()
            );
        }
    }
    for u in &f.unknown {
        let _ = writeln!(out, "{}: cannot tell: {}", lossy(&u.path), u.why.text());
    }
    for c in &f.caches {
        let _ = writeln!(out, "{}: a cache directory (its tag says so), not searched", lossy(c));
    }
    if f.hits.is_empty() {
        let roots: Vec<String> = f.roots.iter().map(|r| lossy(r)).collect();
        let _ = writeln!(
            out,
            "none of the {} linked ELF files under {} embeds {q}",
            f.elf_files,
            roots.join(" ")
        );
    }
    if !f.unknown.is_empty() {
        let _ = writeln!(
            out,
            "incomplete: {} {} could not be seen (exit status {})",
            f.unknown.len(),
            if f.unknown.len() == 1 { "file or directory" } else { "files or directories" },
            super::INCOMPLETE
        );
    }
    out
}

/// For tools: one JSON document.
pub fn json(f: &Found) -> serde_json::Value {
    use serde_json::json;
    json!({
        "version": super::JSON_VERSION,
        "embeds": f.query.as_ref().map(|q| json!({
            "library": q.library,
            "sha256": q.digest.map(|d| d.hex()),
        })),
        "roots": f.roots.iter().map(|r| lossy(r)).collect::<Vec<_>>(),
        "elf_files": f.elf_files,
        "found": f.hits.iter().map(|(path, entries)| json!({
            "path": lossy(path),
            "embeds": entries.iter().map(|(e, r)| json!({
                "library": e.library,
                "file": e.file,
                "sha256": e.digest.hex(),
                "symbols": r.word(),
                "hide": e.hidden,
                "export_by_name": e.exported,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "unseen": super::unseen_json(&f.unknown),
        "caches": f.caches.iter().map(|c| lossy(c)).collect::<Vec<_>>(),
        "complete": f.unknown.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Query, String> {
        Query::parse(OsStr::new(s)).map_err(|e| e.to_string())
    }

    #[test]
    fn queries() {
        assert_eq!(parse("z").unwrap(), Query { library: "z".into(), digest: None });
        assert_eq!(parse("libz.a").unwrap().library, "z");
        let hex = "ab".repeat(32);
        assert_eq!(parse(&format!("z={hex}")).unwrap().digest, Some(Digest([0xab; 32])));
        assert_eq!(parse(&format!("z={}", hex.to_uppercase())).unwrap().digest, Some(Digest([0xab; 32])));
        for bad in ["", "=", "a/b", "z=", "z=abc", &format!("z={}", "g".repeat(64)), &format!("z={hex}0")] {
            let e = parse(bad).unwrap_err();
            assert!(e.starts_with(&format!("--embeds {bad}: ")), "{bad}: {e}");
        }
    }

    #[test]
    fn matches_by_file_or_library_and_digest() {
        let e = Entry {
            library: "foo".into(),
            file: "libfoo_a.a".into(),
            digest: Digest([1; 32]),
            members: vec![],
            hidden: false,
            exported: false,
            private: false,
            version: None,
            purl: None,
            sizes: None,
            symbols: None,
        };
        let q = |l: &str, d: Option<u8>| Query { library: l.into(), digest: d.map(|d| Digest([d; 32])) };
        assert!(q("foo", None).matches(&e));
        assert!(q("foo_a", None).matches(&e));
        assert!(q("foo", Some(1)).matches(&e));
        assert!(!q("foo", Some(2)).matches(&e));
        assert!(!q("bar", None).matches(&e));
    }
}

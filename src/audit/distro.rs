//! `--audit --format debian` and `--format rpm` (issue 32 §4): what an
//! audited file embeds, in the fields the distributions' own tools read.
//!
//! - Debian's `Static-Built-Using` (deb-src-control(5), Debian bug
//!   #1069256): each embedded archive that a Debian package owns, as
//!   `SOURCE (= SOURCE-VERSION)`, comma-separated as dpkg writes
//!   `Built-Using`. The owner is asked offline of the dpkg database
//!   (`dpkg-query --search '*/libNAME.a'`), and taken only when the owned
//!   file's SHA-256 is the one the note records: a file of that name is
//!   not proof, the same bytes are. Archives no package owns are listed on
//!   comment lines of their own, saying so.
//! - Fedora's bundling policy: `Provides: bundled(NAME) = VERSION` for
//!   each embedded archive with a package identity (the `.pc`'s name and
//!   version the note records); an archive with none is the project's own
//!   code, and is said so on a comment line, never given a name.
//!
//! Only the audited files' own entries count (each FILE, and the shared
//! objects under a directory given): the other objects of the closure
//! belong to other packages, which say what they embed themselves.

use foldhash::HashSet;
use std::ffi::OsString;
use std::fmt::Write;

use crate::audit::{lossy, Audit};
use crate::env::Env;
use crate::error::Error;
use crate::formats::provenance::{Digest, Entry};

/// The entries of the objects an audit was asked about, each archive
/// (by digest) once, in order, with the object that embeds it.
fn own_entries(audits: &[Audit]) -> Vec<(String, &Entry)> {
    let mut seen = HashSet::default();
    let mut out = Vec::new();
    for a in audits {
        for o in a.closure.objects.iter().filter(|o| o.loader.is_none()) {
            for e in &o.facts.entries {
                if seen.insert(e.digest) {
                    out.push((lossy(&o.path), e));
                }
            }
        }
    }
    out
}

/// Who owns an archive, as the dpkg database says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A package owns a file of that name with the same bytes: its source
    /// package and source version.
    Source { package: String, source: String, version: String },
    /// Packages own files of that name, none with these bytes.
    OtherBuild { packages: Vec<String> },
    /// No package owns a file of that name.
    None,
}

/// The owner of each of `entries`, asked of `dpkg-query` for `--format
/// FORMAT`.
fn owners(entries: &[(String, &Entry)], format: &'static str, env: &Env) -> Result<Vec<Owner>, Error> {
    let tool = |problem: String| Error::AuditTool { format, tool: "dpkg-query", problem };
    let mut out = Vec::new();
    for (_, e) in entries {
        let asked = crate::exec::query(
            "dpkg-query".as_ref(),
            &[OsString::from("--search"), OsString::from(format!("*/{}", e.file))],
            env,
        )
        .map_err(|err| tool(err.to_string()))?;
        // Exit 1 with "no path found" is an answer: no owner.
        let found = parse_search(&String::from_utf8_lossy(&asked.stdout));
        let mut others = Vec::new();
        let mut owner = None;
        for (package, path) in found {
            if Digest::of_file(std::path::Path::new(&path)).is_ok_and(|d| d == e.digest) {
                owner = Some(package);
                break;
            }
            if !others.contains(&package) {
                others.push(package);
            }
        }
        out.push(match owner {
            Some(package) => {
                let asked = crate::exec::query(
                    "dpkg-query".as_ref(),
                    &[
                        OsString::from("--show"),
                        OsString::from("--showformat=${source:Package}\\t${source:Version}\\n"),
                        OsString::from(&package),
                    ],
                    env,
                )
                .map_err(|err| tool(err.to_string()))?;
                let text = String::from_utf8_lossy(&asked.stdout).into_owned();
                let line = text.lines().next().unwrap_or_default();
                match line.split_once('\t') {
                    Some((source, version)) if asked.success && !source.is_empty() && !version.is_empty() => {
                        Owner::Source { package, source: source.into(), version: version.into() }
                    }
                    _ => return Err(tool(String::from_utf8_lossy(&asked.stderr).trim().to_string())),
                }
            }
            None if others.is_empty() => Owner::None,
            None => Owner::OtherBuild { packages: others },
        });
    }
    Ok(out)
}

/// `dpkg-query --search` lines, `PACKAGE[, PACKAGE...]: PATH`, as
/// (package, path) pairs; diversion lines (`diversion by ...`) are not
/// owners.
pub fn parse_search(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("diversion ") {
            continue;
        }
        let Some((packages, path)) = line.split_once(": ") else { continue };
        for p in packages.split(", ") {
            out.push((p.trim().to_string(), path.trim().to_string()));
        }
    }
    out
}

/// The `Static-Built-Using` field for what `audits` embed; `format` is
/// the `--format` value that asked for it (the settings table spells it),
/// for the message when `dpkg-query` cannot run.
pub fn debian(audits: &[Audit], format: &'static str, env: &Env) -> Result<String, Error> {
    let entries = own_entries(audits);
    let owners = owners(&entries, format, env)?;
    Ok(debian_text(&entries, &owners))
}

/// [`debian`]'s words, from the owners found.
pub fn debian_text(entries: &[(String, &Entry)], owners: &[Owner]) -> String {
    let mut sources: Vec<String> = Vec::new();
    let mut notes = String::new();
    for ((object, e), owner) in entries.iter().zip(owners) {
        match owner {
            Owner::Source { source, version, .. } => {
                let s = format!("{source} (= {version})");
                if !sources.contains(&s) {
                    sources.push(s);
                }
            }
            Owner::None => {
                let _ = writeln!(
                    notes,
                    "# {} (-l{}) sha256:{} in {object}: no Debian package owns it",
                    e.file, e.library, e.digest
                );
            }
            Owner::OtherBuild { packages } => {
                let _ = writeln!(
                    notes,
                    "# {} (-l{}) sha256:{} in {object}: no Debian package owns it ({} {} another build)",
                    e.file,
                    e.library,
                    e.digest,
                    packages.join(", "),
                    if packages.len() == 1 { "owns" } else { "own" }
                );
            }
        }
    }
    let mut out = String::new();
    if !sources.is_empty() {
        let _ = writeln!(out, "Static-Built-Using: {}", sources.join(", "));
    }
    out.push_str(&notes);
    out
}

/// `Provides: bundled(NAME) = VERSION` lines for what `audits` embed.
pub fn rpm(audits: &[Audit]) -> String {
    let mut out = String::new();
    let mut seen = HashSet::default();
    for (object, e) in own_entries(audits) {
        let name = e.purl.as_deref().and_then(crate::audit::sbom::package_name);
        let line = match (name, &e.version) {
            (Some(name), Some(v)) => format!("Provides: bundled({name}) = {v}"),
            (Some(name), None) => format!("Provides: bundled({name})"),
            (None, _) => format!(
                "# {} (-l{}) sha256:{} in {object}: no package identity (no .pc names it): the project's own code",
                e.file, e.library, e.digest
            ),
        };
        if seen.insert(line.clone()) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_search_lines() {
        let text = "liblz4-dev:amd64: /usr/lib/x86_64-linux-gnu/liblz4.a\n\
                    diversion by foo from: /usr/lib/libx.a\n\
                    a, b:i386: /usr/lib/libab.a\n";
        assert_eq!(
            parse_search(text),
            [
                ("liblz4-dev:amd64".into(), "/usr/lib/x86_64-linux-gnu/liblz4.a".into()),
                ("a".into(), "/usr/lib/libab.a".into()),
                ("b:i386".into(), "/usr/lib/libab.a".into()),
            ]
        );
    }

    fn entry(library: &str, purl: Option<&str>, version: Option<&str>, digest: u8) -> Entry {
        Entry {
            library: library.into(),
            file: format!("lib{library}.a"),
            digest: Digest([digest; 32]),
            members: vec![],
            hidden: false,
            exported: false,
            private: false,
            version: version.map(String::from),
            purl: purl.map(String::from),
            sizes: None,
            symbols: None,
        }
    }

    #[test]
    fn static_built_using_is_comma_separated_with_the_unowned_apart() {
        let (a, b, c, d) = (
            entry("lz4", None, None, 1),
            entry("z", None, None, 2),
            entry("calcbase", None, None, 3),
            entry("zstd", None, None, 4),
        );
        let entries =
            vec![("x.so".to_string(), &a), ("x.so".into(), &b), ("x.so".into(), &c), ("x.so".into(), &d)];
        let source = |s: &str, v: &str| Owner::Source {
            package: format!("{s}-dev"),
            source: s.into(),
            version: v.into(),
        };
        let owners = [
            source("lz4", "1.9.4-1"),
            source("zlib", "1:1.2.13.dfsg-1"),
            Owner::None,
            Owner::OtherBuild { packages: vec!["libzstd-dev:amd64".into()] },
        ];
        let threes = "03".repeat(32);
        let fours = "04".repeat(32);
        assert_eq!(
            debian_text(&entries, &owners),
            format!(
                "Static-Built-Using: lz4 (= 1.9.4-1), zlib (= 1:1.2.13.dfsg-1)\n\
                 # libcalcbase.a (-lcalcbase) sha256:{threes} in x.so: no Debian package owns it\n\
                 # libzstd.a (-lzstd) sha256:{fours} in x.so: no Debian package owns it \
                 (libzstd-dev:amd64 owns another build)\n"
            )
        );
        assert_eq!(debian_text(&entries[2..3], &owners[2..3]).lines().count(), 1, "no empty field");
    }
}

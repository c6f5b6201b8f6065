//! `solink --audit --format spdx`: an audit as an SPDX 2.3 JSON document
//! per FILE (issue 32 §4), for the tools that read SPDX rather than
//! CycloneDX.
//!
//! The FILE and every object of its closure are packages, with the SHA-256
//! of their bytes; each archive an object's `.note.solink` records is a
//! package too, with the archive's SHA-256, the package version and the
//! package URL the note carries (none is made up: issue 32 §6), and the
//! object `CONTAINS` it. The document `DESCRIBES` the FILE, which
//! `DEPENDS_ON` what it loads. What the audit could not see is said in the
//! document's `comment`.
//!
//! SPDX requires a creation time. It is `SOURCE_DATE_EPOCH` when set
//! (reproducible-builds.org), else the FILE's modification time: a fact of
//! the file, so the same file gives the same document. The tests validate
//! every document against the official schema (tests/fixtures/spdx).

use crate::text::utc;
use serde_json::{json, Value};

use crate::audit::{lossy, reach_of, Audit};
use crate::env::Env;

/// The SPDX specification version the documents follow.
pub const SPEC_VERSION: &str = "SPDX-2.3";

/// One SPDX document per audited FILE, in order.
pub fn spdx(audits: &[Audit], env: &Env) -> Vec<Value> {
    audits.iter().map(|a| document(a, env)).collect()
}

fn document(a: &Audit, env: &Env) -> Value {
    let objects = &a.closure.objects;
    let files: Vec<Option<(crate::formats::provenance::Digest, bool)>> =
        (0..objects.len()).map(|i| a.object_file(i)).collect();
    let digests: Vec<Option<String>> = files.iter().map(|f| f.map(|(d, _)| d.hex())).collect();
    let program = files[0].is_some_and(|(_, p)| p);
    let mut packages = Vec::new();
    let mut relationships = vec![relation("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Object-0")];
    for (i, o) in objects.iter().enumerate() {
        let id = format!("SPDXRef-Object-{i}");
        let name = o.path.file_name().map_or_else(|| lossy(&o.path), crate::text::escaped);
        let mut p = json!({
            "SPDXID": id,
            "name": name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": if i == 0 && program { "APPLICATION" } else { "LIBRARY" },
            "comment": format!("path: {}", lossy(&o.path)),
        });
        if let Some(d) = &digests[i] {
            p["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": d}]);
        }
        packages.push(p);
        if i > 0 {
            let by = o.loader.unwrap_or(0);
            relationships.push(relation(&format!("SPDXRef-Object-{by}"), "DEPENDS_ON", &id));
        }
        for (k, e) in o.facts.entries.iter().enumerate() {
            let aid = format!("SPDXRef-Archive-{i}-{k}");
            let r = reach_of(a, o, k);
            let mut p = json!({
                "SPDXID": aid,
                "name": e.purl.as_deref().and_then(crate::audit::sbom::package_name).unwrap_or_else(|| e.library.clone()),
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "primaryPackagePurpose": "LIBRARY",
                "packageFileName": e.file,
                "checksums": [{"algorithm": "SHA256", "checksumValue": e.digest.hex()}],
                "comment": format!(
                    "embedded static archive {} (-l{}), {} members: {}; symbols: {}",
                    e.file,
                    e.library,
                    e.members.len(),
                    e.members.join(" "),
                    r.word()
                ),
            });
            if let Some(v) = &e.version {
                p["versionInfo"] = json!(v);
            }
            if let Some(purl) = &e.purl {
                p["externalRefs"] = json!([{
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": purl,
                }]);
            }
            packages.push(p);
            relationships.push(relation(&id, "CONTAINS", &aid));
        }
    }
    let name = lossy(&a.file);
    let namespace = format!(
        "https://spdx.org/spdxdocs/solink/{}-{}",
        digests[0].as_deref().unwrap_or("unknown"),
        percent(&name)
    );
    let mut doc = json!({
        "spdxVersion": SPEC_VERSION,
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": namespace,
        "creationInfo": {
            "created": created(a, env),
            "creators": [format!("Tool: solink-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": packages,
        "relationships": relationships,
    });
    let mut comment: Vec<String> = Vec::new();
    for d in &a.duplicates {
        let copies: Vec<String> = d
            .copies
            .iter()
            .map(|c| format!("{} ({}, {})", lossy(&objects[c.object].path), c.file, c.reach.word()))
            .collect();
        let what = if d.private() { "private copies" } else { "duplicate" };
        comment.push(format!("{what}: -l{}: {}", d.library, copies.join(", ")));
    }
    if !a.openmp.is_empty() {
        let each: Vec<String> = a
            .openmp
            .iter()
            .map(|r| {
                format!("{} ({}, by {})", lossy(&objects[r.object].path), r.runtime.word(), r.how.word())
            })
            .collect();
        comment.push(format!("OpenMP runtimes in one process: {}", each.join(", ")));
    }
    for u in &a.unseen {
        comment.push(format!("not seen: {}: {}", lossy(&u.path), u.why.text()));
    }
    if a.incomplete() {
        comment.push("incomplete: the audit could not see everything it was asked about".to_string());
    }
    if !comment.is_empty() {
        doc["comment"] = json!(comment.join("\n"));
    }
    doc
}

fn relation(from: &str, kind: &str, to: &str) -> Value {
    json!({"spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to})
}

/// Every byte but ASCII letters, digits and `.-_~` as `%XX`: a path in a URI.
fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `SOURCE_DATE_EPOCH`, else the FILE's modification time, in the UTC form
/// SPDX requires (`2024-01-31T12:00:00Z`).
fn created(a: &Audit, env: &Env) -> String {
    #[allow(clippy::disallowed_methods)] // the audited file, no input of a link
    let mtime = || {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&a.closure.objects[0].path).ok().map(|m| m.mtime())
    };
    let secs = env
        .get("SOURCE_DATE_EPOCH")
        .and_then(|v| v.to_str()?.trim().parse::<i64>().ok())
        .or_else(mtime)
        .unwrap_or(0);
    utc(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_as_spdx_writes_them() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn namespaces_are_percent_encoded() {
        assert_eq!(percent("lib/a b+.so"), "lib%2Fa%20b%2B.so");
    }
}

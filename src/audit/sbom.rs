//! `solink --audit --format cyclonedx`: an audit as a CycloneDX 1.5 JSON
//! document per FILE (issue 22 §2), for the SBOM tools that miss vendored
//! static copies.
//!
//! Each object of the FILE's `DT_NEEDED` closure is a component (the FILE
//! itself is the document's `metadata.component`), with the SHA-256 of its
//! bytes; each archive its `.note.solink` records is a component nested in
//! it, with the archive's SHA-256, the package version and the package URL
//! the note carries, and the bytes its members add as properties. The
//! `dependencies` say which object needs which.
//!
//! Built with `serde_json`, not the `cyclonedx-bom` crate: that crate
//! brings about fifteen dependencies (regex, time, uuid, xml-rs, spdx, a
//! proc-macro) into a binary that runs in front of every link, for a
//! document of a few fixed fields. The tests validate every document
//! against the official schema (tests/fixtures/cyclonedx).
//!
//! Nothing here depends on the time or on chance: no `timestamp`, no
//! random `serialNumber` (both optional), so the same files give the same
//! document.

use std::os::unix::ffi::OsStrExt;

use serde_json::{json, Value};

use crate::audit::Audit;
use crate::formats::provenance::{self, Entry};

/// The CycloneDX specification version the documents follow.
pub const SPEC_VERSION: &str = "1.5";

/// One CycloneDX document per audited FILE, in order.
pub fn cyclonedx(audits: &[Audit]) -> Vec<Value> {
    audits.iter().map(document).collect()
}

use crate::audit::lossy;

/// Each object's `bom-ref`: its path, escaped (never replaced, so two
/// paths are two texts), and made unique should two objects still share
/// one (`#2`, `#3`).
pub(crate) fn object_refs(objects: &[crate::audit::Object]) -> Vec<String> {
    unique(objects.iter().map(|o| lossy(&o.path)))
}

/// Each base once: a base seen before gets `#2`, `#3`, ...
fn unique(bases: impl Iterator<Item = String>) -> Vec<String> {
    let mut refs: Vec<String> = Vec::new();
    for base in bases {
        let mut r = base.clone();
        let mut n = 1;
        while refs.contains(&r) {
            n += 1;
            r = format!("{base}#{n}");
        }
        refs.push(r);
    }
    refs
}

fn document(a: &Audit) -> Value {
    let objects = &a.closure.objects;
    let refs = object_refs(objects);
    let mut components: Vec<Value> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let missing: Vec<&str> =
                a.closure.missing.iter().filter(|(by, _)| *by == i).map(|(_, n)| n.as_str()).collect();
            object_component(a, i, o, &refs[i], &missing)
        })
        .collect();
    let root = components.remove(0);
    // Which object needs which: each DT_NEEDED name matched to the object
    // of the closure that has it as its path, SONAME or file name (the
    // loader's `_dl_name_match_p`), and the object that loaded each one.
    let dependencies: Vec<Value> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut on: Vec<usize> =
                objects.iter().enumerate().filter_map(|(j, p)| (p.loader == Some(i)).then_some(j)).collect();
            for name in &o.facts.needed {
                let found = objects.iter().position(|p| {
                    p.facts.soname.as_deref() == Some(name.as_slice())
                        || p.path.as_os_str().as_encoded_bytes() == name.as_slice()
                        || p.path.file_name().is_some_and(|f| f.as_encoded_bytes() == name.as_slice())
                });
                if let Some(j) = found.filter(|j| *j != i && !on.contains(j)) {
                    on.push(j);
                }
            }
            on.sort_unstable();
            json!({"ref": refs[i], "dependsOn": on.iter().map(|&j| refs[j].clone()).collect::<Vec<_>>()})
        })
        .collect();
    let duplicates: Vec<Value> = a
        .duplicates
        .iter()
        .map(|d| {
            let copies: Vec<String> =
                d.copies.iter().map(|c| format!("{} ({})", refs[c.object], c.file)).collect();
            property("solink:duplicate", &format!("-l{}: {}", d.library, copies.join(", ")))
        })
        // The findings without notes (issue 22 §4, §5; issue 35 §4) are said the same way.
        .chain(a.symbol_copies.iter().map(|c| {
            let (x, y) = c.objects;
            property(
                "solink:probable-copy",
                &format!("{} and {} define {} of the same global symbols", refs[x], refs[y], c.shared),
            )
        }))
        .chain(a.cuda.iter().map(|t| {
            let by: Vec<String> = t.needed_by.iter().map(|(o, n)| format!("{} ({n})", refs[*o])).collect();
            property(
                "solink:two-cuda-runtimes",
                &format!(
                    "{} embeds the static CUDA runtime; needed shared by {}",
                    refs[t.embeds],
                    by.join(", ")
                ),
            )
        }))
        .chain((!a.openmp.is_empty()).then(|| {
            let each: Vec<String> = a
                .openmp
                .iter()
                .map(|r| {
                    let by: Vec<String> =
                        r.needed_by.iter().map(|(o, n)| format!("{} ({n})", refs[*o])).collect();
                    let by =
                        if by.is_empty() { String::new() } else { format!(", needed by {}", by.join(", ")) };
                    format!("{} ({}, by {}{by})", refs[r.object], r.runtime.word(), r.how.word())
                })
                .collect();
            property("solink:two-openmp-runtimes", &each.join("; "))
        }))
        .collect();
    let mut metadata = json!({
        "tools": {"components": [{
            "type": "application",
            "name": "solink",
            "version": env!("CARGO_PKG_VERSION"),
        }]},
        "component": root,
    });
    let mut properties = duplicates;
    // What was not seen (issue 32 §2): each is said, and the document's
    // composition is incomplete.
    properties.extend(
        a.unseen.iter().map(|u| property("solink:unseen", &format!("{}: {}", lossy(&u.path), u.why.text()))),
    );
    if !properties.is_empty() {
        metadata["properties"] = Value::Array(properties);
    }
    let mut doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    });
    if a.incomplete() {
        doc["compositions"] = json!([{"aggregate": "incomplete", "assemblies": [refs[0]]}]);
    }
    doc
}

fn property(name: &str, value: &str) -> Value {
    json!({"name": name, "value": value})
}

/// The SHA-256 of the file at `path`, and whether it is a program (an
/// `ET_EXEC` file, or an `ET_DYN` one with a `PT_INTERP`: a PIE) rather
/// than a library. `None` for a file that went away since it was read.
pub(crate) fn read_object(path: &std::path::Path) -> Option<(provenance::Digest, bool)> {
    use object::read::elf::{FileHeader, ProgramHeader};
    fn program<E: FileHeader<Endian = object::Endianness>>(data: &[u8]) -> Option<bool> {
        let h = E::parse(data).ok()?;
        let endian = h.endian().ok()?;
        let interp =
            h.program_headers(endian, data).ok()?.iter().any(|p| p.p_type(endian) == object::elf::PT_INTERP);
        Some(h.e_type(endian) == object::elf::ET_EXEC || interp)
    }
    let (file, _) = crate::fsx::open_regular(path).ok()?;
    crate::fsx::read_mapped(&file, |map| {
        let is_program = match object::FileKind::parse(map) {
            Ok(object::FileKind::Elf32) => program::<object::elf::FileHeader32<object::Endianness>>(map),
            Ok(object::FileKind::Elf64) => program::<object::elf::FileHeader64<object::Endianness>>(map),
            _ => None,
        };
        (provenance::Digest::of_bytes(map), is_program.unwrap_or(false))
    })
    .ok()
}

/// An object of the closure: the FILE an application when it is a program,
/// everything else a library (what `DT_NEEDED` loads serves as one, even
/// libc, which can also run).
fn object_component(
    a: &Audit,
    index: usize,
    o: &crate::audit::Object,
    bom_ref: &str,
    missing: &[&str],
) -> Value {
    let name = o.path.file_name().map_or_else(|| bom_ref.to_string(), crate::text::escaped);
    let read = a.object_file(index);
    let kind = if index == 0 && read.is_some_and(|(_, program)| program) { "application" } else { "library" };
    let mut c = json!({"type": kind, "bom-ref": bom_ref, "name": name});
    if let Some((d, _)) = read {
        c["hashes"] = json!([{"alg": "SHA-256", "content": d.hex()}]);
    }
    let mut props = vec![property("solink:path", bom_ref)];
    if let Some(soname) = &o.facts.soname {
        props.push(property("solink:soname", &crate::text::escaped(std::ffi::OsStr::from_bytes(soname))));
    }
    if let Some(e) = &o.facts.note_error {
        props.push(property("solink:note-error", e));
    }
    for name in missing {
        props.push(property("solink:missing", name));
    }
    c["properties"] = Value::Array(props);
    let nested: Vec<Value> = archive_refs(bom_ref, &o.facts.entries)
        .iter()
        .enumerate()
        .map(|(k, r)| archive_component(&o.facts.entries[k], &crate::audit::reach_of(a, o, k), r))
        .collect();
    if !nested.is_empty() {
        c["components"] = Value::Array(nested);
    }
    c
}

/// Each entry's `bom-ref` under its object's: `OBJECT!FILE`, unique within
/// the document even for one archive recorded twice (`#2`).
pub(crate) fn archive_refs(object_ref: &str, entries: &[Entry]) -> Vec<String> {
    unique(entries.iter().map(|e| format!("{object_ref}!{}", e.file)))
}

/// An archive an object embeds, as its note records it: a package URL
/// only when the note has one (issue 32 §6), and its reach.
fn archive_component(e: &Entry, reach: &crate::audit::Reach, bom_ref: &str) -> Value {
    let mut c = json!({
        "type": "library",
        "bom-ref": bom_ref,
        "name": e.purl.as_deref().and_then(package_name).unwrap_or_else(|| e.library.clone()),
        "hashes": [{"alg": "SHA-256", "content": e.digest.hex()}],
    });
    if let Some(p) = &e.purl {
        c["purl"] = json!(p);
    }
    if let Some(v) = &e.version {
        c["version"] = json!(v);
    }
    let mut props = vec![
        property("solink:library", &e.library),
        property("solink:file", &e.file),
        property("solink:members", &e.members.join(" ")),
        property("solink:symbols", reach.word()),
    ];
    if e.hidden {
        props.push(property("solink:hide", "true"));
    }
    if e.exported {
        props.push(property("solink:export-by-name", "true"));
    }
    if let Some(z) = e.sizes {
        for (kind, n) in [("code", z.code), ("data", z.data), ("bss", z.bss), ("total", z.total())] {
            props.push(property(&format!("solink:bytes:{kind}"), &n.to_string()));
        }
    }
    c["properties"] = Value::Array(props);
    c
}

/// The name part of a `pkg:generic/NAME[@VERSION]` package URL, decoded.
pub(crate) fn package_name(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:generic/")?;
    let encoded = rest.split('@').next()?;
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_of_a_package_url() {
        assert_eq!(package_name("pkg:generic/zlib@1.3.1").as_deref(), Some("zlib"));
        assert_eq!(package_name("pkg:generic/gtk%2B-3.0").as_deref(), Some("gtk+-3.0"));
        assert_eq!(package_name(&provenance::purl("bär", Some("1"))).as_deref(), Some("bär"));
        assert_eq!(package_name("pkg:npm/x"), None);
        assert_eq!(package_name("pkg:generic/%zz"), None);
        assert_eq!(package_name("pkg:generic/"), None);
    }
}

//! The text forms of the entries whose answers are not the store's own
//! types: a closure check's summary, the providers of missing symbols,
//! and a file's symbol digest. Every form ends with `end`, so a torn entry
//! is never read as a shorter answer; anything out of shape is `None`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::closure::{ArchiveUse, Summary};
use crate::formats::archive::pic::ElfId;
use crate::formats::symbols::{
    self, escape, unescape, ArchiveSyms, Def, Digest, Name, ObjectSyms, Ref, SharedSyms,
};

// 2: each member has a `Z CODE DATA BSS` line (its section sizes); an
// entry of format 1 has none and is a miss, not a member of no bytes.
const FORMAT: &str = "solink-symbols 2";

/// `head`, then each of `names` escaped, space-separated.
fn with_names(mut head: String, names: &[Name]) -> String {
    for n in names {
        head.push(' ');
        escape(&mut head, n);
    }
    head
}

fn esc(bytes: &[u8]) -> String {
    let mut s = String::new();
    escape(&mut s, bytes);
    s
}

/// The summary as cache lines: `V PULLED CODE DATA BSS PATH` (the pulled
/// members' sizes), then `T MEMBER` for each
/// member pulled, `C MEMBER [ANCHOR]` for each constructor left, `R USER`
/// for each user of an archive ld takes nothing from, and `M MEMBER
/// SYM...` for each member with missing symbols; then `K TAKEN FIRST
/// FIRST-MEMBER SECOND SECOND-MEMBER` for each clash (`-` for an object's
/// member) with `KS SYM...` and `KU USER...`, and `clashes N` (an entry
/// without it is of an older shape: a miss); `end` last.
pub(super) fn encode_summary(s: &Summary) -> Vec<String> {
    let mut lines = Vec::new();
    for a in &s.archives {
        // `V`, not the `U` of before sizes were recorded (nor the `A` of
        // before members were): an entry of an older shape is a miss, not
        // a summary of members without bytes.
        let z = a.sizes;
        lines.push(format!(
            "V {} {} {} {} {}",
            u8::from(a.pulled),
            z.code,
            z.data,
            z.bss,
            esc(a.path.as_os_str().as_bytes())
        ));
        for member in &a.members {
            lines.push(format!("T {}", esc(member.as_bytes())));
        }
        for (member, anchor) in &a.ctors_left {
            let mut l = format!("C {}", esc(member.as_bytes()));
            if let Some(n) = anchor {
                l.push(' ');
                escape(&mut l, n);
            }
            lines.push(l);
        }
        for user in &a.users {
            lines.push(format!("R {}", esc(user.as_bytes())));
        }
        for (member, names) in &a.missing {
            lines.push(with_names(format!("M {}", esc(member.as_bytes())), names));
        }
    }
    for k in &s.clashes {
        let first_member = k.first.1.as_deref().map_or_else(|| "-".to_string(), |m| esc(m.as_bytes()));
        lines.push(format!(
            "K {} {} {} {} {}",
            u8::from(k.taken),
            esc(k.first.0.as_os_str().as_bytes()),
            first_member,
            esc(k.second.0.as_os_str().as_bytes()),
            esc(k.second.1.as_bytes())
        ));
        lines.push(with_names("KS".to_string(), &k.symbols));
        let users: Vec<Name> = k.users.iter().map(|u| Name::from(u.as_bytes())).collect();
        lines.push(with_names("KU".to_string(), &users));
    }
    lines.push(format!("clashes {}", s.clashes.len()));
    lines.push("end".to_string());
    lines
}

/// Providers as cache lines: `P TOKEN PATH SYM...` each, `L SYM...` for
/// what none defines, `end` last.
pub(super) fn encode_providers((found, left): &(Vec<symbols::Provider>, Vec<Name>)) -> Vec<String> {
    let mut lines = Vec::new();
    for p in found {
        let head = format!("P {} {}", esc(p.token.as_bytes()), esc(p.path.as_os_str().as_bytes()));
        lines.push(with_names(head, &p.symbols));
    }
    lines.push(with_names("L".to_string(), left));
    lines.push("end".to_string());
    lines
}

pub(super) fn decode_providers(lines: &[String]) -> Option<(Vec<symbols::Provider>, Vec<Name>)> {
    let (last, body) = lines.split_last()?;
    if last != "end" {
        return None;
    }
    let names = |words: std::str::Split<'_, char>| words.map(unescape).collect::<Option<Vec<Name>>>();
    let mut found = Vec::new();
    let mut left = None;
    for l in body {
        let mut words = l.split(' ');
        match words.next()? {
            "P" => {
                let token = OsStr::from_bytes(&unescape(words.next()?)?).to_owned();
                let path = PathBuf::from(OsStr::from_bytes(&unescape(words.next()?)?));
                found.push(symbols::Provider { token, path, symbols: names(words)? });
            }
            "L" => left = Some(names(words)?),
            _ => return None,
        }
    }
    Some((found, left?))
}

pub(super) fn decode_summary(lines: &[String]) -> Option<Summary> {
    let (last, body) = lines.split_last()?;
    if last != "end" {
        return None;
    }
    let mut s = Summary::default();
    let (count, body) = body.split_last()?;
    let count: usize = count.strip_prefix("clashes ")?.parse().ok()?;
    let text = |w: &str| String::from_utf8(unescape(w).map(|n| n.into_vec())?).ok();
    for l in body {
        let mut words = l.split(' ');
        match words.next()? {
            "K" => {
                let taken = words.next()? == "1";
                let first = PathBuf::from(OsStr::from_bytes(&unescape(words.next()?)?));
                let first_member = match words.next()? {
                    "-" => None,
                    w => Some(text(w)?),
                };
                let second = PathBuf::from(OsStr::from_bytes(&unescape(words.next()?)?));
                let second_member = text(words.next()?)?;
                s.clashes.push(crate::closure::Clash {
                    symbols: Vec::new(),
                    first: (first, first_member),
                    second: (second, second_member),
                    users: Vec::new(),
                    taken,
                });
            }
            "KS" => s.clashes.last_mut()?.symbols = words.map(unescape).collect::<Option<Vec<Name>>>()?,
            "KU" => {
                s.clashes.last_mut()?.users = words.map(text).collect::<Option<Vec<String>>>()?;
            }
            "V" => {
                let pulled = words.next()? == "1";
                let mut size = || words.next()?.parse::<u64>().ok();
                let sizes = symbols::Sizes { code: size()?, data: size()?, bss: size()? };
                let path = PathBuf::from(OsStr::from_bytes(&unescape(words.next()?)?));
                s.archives.push(ArchiveUse {
                    path,
                    pulled,
                    missing: Vec::new(),
                    members: Vec::new(),
                    sizes,
                    ctors_left: Vec::new(),
                    users: Vec::new(),
                });
            }
            "R" => {
                let user = String::from_utf8(unescape(words.next()?)?.into_vec()).ok()?;
                s.archives.last_mut()?.users.push(user);
            }
            "T" => {
                let member = String::from_utf8(unescape(words.next()?)?.into_vec()).ok()?;
                s.archives.last_mut()?.members.push(member);
            }
            "C" => {
                let member = String::from_utf8(unescape(words.next()?)?.into_vec()).ok()?;
                let anchor = match words.next() {
                    Some(w) => Some(Name::from(unescape(w)?)),
                    None => None,
                };
                s.archives.last_mut()?.ctors_left.push((member, anchor));
            }
            "M" => {
                let member = String::from_utf8(unescape(words.next()?)?.into_vec()).ok()?;
                let names = words.map(unescape).collect::<Option<Vec<Name>>>()?;
                s.archives.last_mut()?.missing.push((member, names));
            }
            _ => return None,
        }
    }
    (s.clashes.len() == count).then_some(s)
}

fn line(out: &mut String, tag: &str, bytes: &[u8]) {
    out.push_str(tag);
    out.push(' ');
    escape(out, bytes);
    out.push('\n');
}

/// The text form of a digest, for the cache; `None` for one that must not
/// be cached ([`Digest::cacheable`]).
pub fn encode(d: &Digest) -> Option<String> {
    if !d.cacheable() {
        return None;
    }
    let mut out = format!("{FORMAT}\n");
    let object = |out: &mut String, o: &ObjectSyms| {
        line(out, if o.ctors { "member+ctors" } else { "member" }, o.name.as_bytes());
        let z = o.sizes;
        out.push_str(&format!("Z {} {} {}\n", z.code, z.data, z.bss));
        for (n, d) in &o.defined {
            let tag = match d {
                Def::Data => "D",
                Def::Func => "F",
                Def::Weak => "W",
                Def::Common => "C",
            };
            line(out, tag, n);
        }
        for (n, r) in &o.undefined {
            line(out, if *r == Ref::Strong { "U" } else { "u" }, n);
        }
    };
    match d {
        Digest::Object(o) => {
            out.push_str("object\n");
            object(&mut out, o);
        }
        Digest::Archive(a) => {
            out.push_str(if a.index.is_some() { "archive indexed\n" } else { "archive\n" });
            for m in &a.members {
                object(&mut out, m);
            }
            for (n, m) in a.index.iter().flatten() {
                line(&mut out, &format!("I {m}"), n);
            }
        }
        Digest::Shared(s) => {
            out.push_str("shared\n");
            if let Some(id) = s.id {
                out.push_str(&format!("id {} {}\n", u8::from(id.class64), id.machine));
            }
            if let Some(so) = &s.soname {
                line(&mut out, "soname", so.as_bytes());
            }
            for n in &s.exports {
                line(&mut out, "E", n);
            }
            for n in &s.hidden {
                line(&mut out, "H", n);
            }
            for n in &s.imports {
                line(&mut out, "N", n);
            }
        }
        Digest::Script(_) => unreachable!("scripts are not cacheable"),
    }
    // A torn entry must not read as a digest with fewer symbols.
    out.push_str("end\n");
    Some(out)
}

/// A digest read back from [`encode`]'s text; `None` for anything else.
pub fn decode(text: &str) -> Option<Digest> {
    let body = text.strip_suffix("end\n")?;
    let mut lines = body.lines();
    if lines.next()? != FORMAT {
        return None;
    }
    let kind = lines.next()?;
    let mut objects: Vec<ObjectSyms> = Vec::new();
    let mut index = Vec::new();
    let mut shared = SharedSyms::default();
    for l in lines {
        if let Some(id) = l.strip_prefix("id ") {
            let (class, machine) = id.split_once(' ')?;
            shared.id = Some(ElfId { class64: class == "1", machine: machine.parse().ok()? });
            continue;
        }
        let (tag, value) = l.split_once(' ')?;
        if tag == "Z" {
            let o = objects.last_mut()?;
            let mut n = value.split(' ').map(|w| w.parse::<u64>().ok());
            o.sizes = symbols::Sizes { code: n.next()??, data: n.next()??, bss: n.next()?? };
            if n.next().is_some() {
                return None;
            }
            continue;
        }
        if tag == "I" {
            let (member, value) = value.split_once(' ')?;
            let member: u32 = member.parse().ok()?;
            if member as usize >= objects.len() {
                return None;
            }
            index.push((unescape(value)?, member));
            continue;
        }
        let bytes = unescape(value)?;
        let current = objects.last_mut();
        match (tag, current) {
            ("member" | "member+ctors", _) => objects.push(ObjectSyms {
                name: String::from_utf8(bytes.into()).ok()?,
                ctors: tag == "member+ctors",
                ..ObjectSyms::default()
            }),
            ("D", Some(o)) => o.defined.push((bytes, Def::Data)),
            ("F", Some(o)) => o.defined.push((bytes, Def::Func)),
            ("W", Some(o)) => o.defined.push((bytes, Def::Weak)),
            ("C", Some(o)) => o.defined.push((bytes, Def::Common)),
            ("U", Some(o)) => o.undefined.push((bytes, Ref::Strong)),
            ("u", Some(o)) => o.undefined.push((bytes, Ref::Weak)),
            ("soname", _) => shared.soname = Some(String::from_utf8(bytes.into()).ok()?),
            ("E", _) => shared.exports.push(bytes),
            ("H", _) => shared.hidden.push(bytes),
            ("N", _) => shared.imports.push(bytes),
            _ => return None,
        }
    }
    match kind {
        "object" if objects.len() == 1 => objects.pop().map(Digest::Object),
        "archive" | "archive indexed" => Some(Digest::Archive(ArchiveSyms {
            index: (kind == "archive indexed").then_some(index),
            members: objects,
            thin: false,
        })),
        "shared" if objects.is_empty() => Some(Digest::Shared(shared)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::elf;

    fn n(s: &str) -> Name {
        s.as_bytes().into()
    }

    #[test]
    fn digests_round_trip_through_their_text_form() {
        let member = |name: &str, ctors| ObjectSyms {
            name: name.into(),
            defined: vec![
                (n("a"), Def::Func),
                (n("v"), Def::Data),
                (n("w"), Def::Weak),
                (n("c"), Def::Common),
            ],
            undefined: vec![
                (n("b"), Ref::Strong),
                (n("opt"), Ref::Weak),
                (b"odd \n\\\xff".to_vec().into(), Ref::Strong),
            ],
            ctors,
            sizes: symbols::Sizes { code: 7, data: u64::from(ctors), bss: u64::MAX },
        };
        let archive = Digest::Archive(ArchiveSyms {
            index: Some(vec![(n("a"), 0), (n("v"), 1)]),
            members: vec![member("a.o", false), member("with space.o", true)],
            thin: false,
        });
        let shared = Digest::Shared(SharedSyms {
            id: Some(ElfId { class64: true, machine: elf::EM_X86_64 }),
            soname: Some("libc.so.6".into()),
            exports: vec![n("printf"), n("memcpy")],
            hidden: vec![n("memcpy@GLIBC_2.2.5")],
            imports: vec![n("_dl_find_object")],
        });
        let no_index =
            Digest::Archive(ArchiveSyms { index: None, members: vec![member("x.o", false)], thin: false });
        for d in [archive, shared, no_index, Digest::Object(member("t.o", true))] {
            let text = encode(&d).unwrap();
            assert_eq!(decode(&text), Some(d), "{text}");
        }
    }

    #[test]
    fn torn_or_altered_entries_never_panic() {
        let d = Digest::Archive(ArchiveSyms {
            index: Some(vec![(n("a"), 0)]),
            members: vec![ObjectSyms {
                name: "a.o".into(),
                defined: vec![(n("a"), Def::Func)],
                ..Default::default()
            }],
            thin: false,
        });
        let text = encode(&d).unwrap();
        for cut in 0..text.len() {
            assert_eq!(decode(&text[..cut]), None, "a torn entry is not a digest");
        }
        for (i, c) in text.char_indices() {
            for bad in [' ', '\\', '\n', 'I', '9'] {
                let mut t = text.clone();
                t.replace_range(i..i + c.len_utf8(), &bad.to_string());
                let _ = decode(&t);
            }
        }
    }

    #[test]
    fn what_is_not_one_of_ours_does_not_decode() {
        assert_eq!(decode(""), None);
        assert_eq!(decode("solink-symbols 2\nobject\nend\n"), None, "an object needs its member line");
        assert_eq!(decode("solink-symbols 2\narchive indexed\nI 3 a\nend\n"), None, "index past the members");
        assert_eq!(decode("solink-symbols 2\nshared\nE \\zz\nend\n"), None, "bad escape");
        assert_eq!(decode("solink-symbols 1\nshared\nend\n"), None, "format 1 had no sizes");
        assert_eq!(decode("solink-symbols 2\nshared\nE a\n"), None, "no end line");
        assert!(decode("solink-symbols 2\nshared\nE a\nend\n").is_some());
        let thin = Digest::Archive(ArchiveSyms { thin: true, ..ArchiveSyms::default() });
        assert_eq!(encode(&thin), None, "a thin archive's digest depends on other files");
    }

    #[test]
    fn summaries_read_back() {
        let s = Summary {
            archives: vec![
                ArchiveUse {
                    path: "/a b/libx.a".into(),
                    pulled: true,
                    missing: vec![("m\\1.o".into(), vec![Name::from(&b"f\xff"[..])])],
                    members: vec!["m\\1.o".into(), "n o.o".into()],
                    sizes: symbols::Sizes { code: 10, data: 2, bss: 3 },
                    ctors_left: vec![
                        ("reg.o".into(), Some(Name::from(&b"reg_x"[..]))),
                        ("r2.o".into(), None),
                    ],
                    users: vec![],
                },
                ArchiveUse {
                    path: "/L/liby.a".into(),
                    pulled: false,
                    missing: vec![],
                    members: vec![],
                    sizes: symbols::Sizes::default(),
                    ctors_left: vec![],
                    users: vec!["t 1.o".into(), "liby.a(y.o)".into()],
                },
            ],
            clashes: vec![
                crate::closure::Clash {
                    symbols: vec![Name::from(&b"vend_version"[..]), Name::from(&b"x y"[..])],
                    first: ("/a b/libx.a".into(), Some("v 1.o".into())),
                    second: ("/L/liby.a".into(), "v.o".into()),
                    users: vec!["api.o".into()],
                    taken: false,
                },
                crate::closure::Clash {
                    symbols: vec![Name::from(&b"f"[..])],
                    first: ("t.o".into(), None),
                    second: ("/L/liby.a".into(), "f.o".into()),
                    users: vec![],
                    taken: true,
                },
            ],
        };
        assert_eq!(decode_summary(&encode_summary(&s)), Some(s.clone()));
        // An entry of before clashes were recorded is a miss.
        let mut old = encode_summary(&s);
        old.retain(|l| !l.starts_with('K') && !l.starts_with("clashes"));
        assert_eq!(decode_summary(&old), None);
        let mut torn = encode_summary(&s);
        torn.pop();
        assert_eq!(decode_summary(&torn), None, "a torn entry is a miss");
    }

    #[test]
    fn providers_read_back() {
        let p = symbols::Provider {
            token: "-l:libcudart.so.12".into(),
            path: "/c d/libcudart.so.12".into(),
            symbols: vec![Name::from(&b"cudaMalloc"[..]), Name::from(&b"x y"[..])],
        };
        let found = (vec![p], vec![Name::from(&b"nowhere"[..])]);
        assert_eq!(decode_providers(&encode_providers(&found)), Some(found.clone()));
        let none = (Vec::new(), Vec::new());
        assert_eq!(decode_providers(&encode_providers(&none)), Some(none));
    }
}

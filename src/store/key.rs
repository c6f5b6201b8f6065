//! The one key hasher of the cache's entries.

/// A SHA-256 over byte strings, each prefixed with its length, so no two
/// different sequences of parts hash alike: the keys solink's cache
/// entries are found by (a link's verdict pack, direct mode's answer, an
/// object's symbols in the closure check's keys).
#[derive(Default)]
pub(super) struct KeyHasher(sha2::Sha256);

impl KeyHasher {
    pub(super) fn add(&mut self, bytes: &[u8]) {
        use sha2::Digest as _;
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The digest, in lower-case hex.
    pub(super) fn hex(self) -> String {
        use sha2::Digest as _;
        crate::formats::provenance::Digest(self.0.finalize().into()).hex()
    }
}

// Every key of the cache is spelled below (issue 34 §8): what goes into it,
// in which order, under which format's name. The rooms that ask the store
// hand in plain values (paths, words, identities) and get the key back;
// `tests/architecture.rs` (`every_key_is_spelled_in_the_store`) refuses a
// `KeyHasher` or a digest built anywhere else.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::fsx::FileId;

/// The key of a link's pack of verdicts: where it runs and what it names.
/// It only groups entries (each is checked against its file's identity),
/// so two links with the same key cannot mislead each other; the same
/// link finds its own pack again.
pub fn pack(
    cwd: Option<&Path>,
    libsdir: &[PathBuf],
    workspace: Option<&Path>,
    tokens: &[OsString],
) -> String {
    let mut h = KeyHasher::default();
    h.add(cwd.unwrap_or(Path::new("")).as_os_str().as_bytes());
    for dir in libsdir {
        h.add(dir.as_os_str().as_bytes());
    }
    h.add(workspace.unwrap_or(Path::new("")).as_os_str().as_bytes());
    for token in tokens {
        h.add(token.as_bytes());
    }
    h.hex()
}

/// Direct mode's key (`store/direct.rs`): this solink's identity, the
/// working directory, whether stderr is a terminal, the command line, and
/// the driver and arguments solink chose from them. The environment is not
/// in it: the variables the run read are facts of the entry.
pub fn direct(
    format: &str,
    solink: FileId,
    cwd: &Path,
    stderr_terminal: bool,
    parts: [&[OsString]; 3],
) -> String {
    let mut h = KeyHasher::default();
    h.add(format.as_bytes());
    h.add(solink.key().as_bytes());
    h.add(cwd.as_os_str().as_bytes());
    h.add(&[u8::from(stderr_terminal)]);
    for part in parts {
        h.add(&(part.len() as u64).to_le_bytes());
        for word in part {
            h.add(word.as_bytes());
        }
    }
    h.hex()
}

/// The key of the driver's library dirs (`probe/sysdirs.rs`): the
/// driver's path and identity, the question, its words and the target
/// flags; for a wrapper (`ccache gcc`), `PATH` and the identity of the
/// compiler found on it; and each variable that changes the answer, set
/// (with its value) or unset.
pub fn driver_dirs(
    driver: (&Path, FileId),
    question: &str,
    words: &[&OsString],
    wrapped: Option<(Option<&std::ffi::OsStr>, Option<FileId>)>,
    vars: &[(&str, Option<&std::ffi::OsStr>)],
) -> String {
    let mut h = KeyHasher::default();
    h.add(driver.0.as_os_str().as_bytes());
    h.add(driver.1.key().as_bytes());
    h.add(question.as_bytes());
    h.add(&(words.len() as u64).to_le_bytes());
    for w in words {
        h.add(w.as_bytes());
    }
    match wrapped {
        None => h.add(b"no wrapper"),
        Some((path, compiler)) => {
            h.add(b"wrapper");
            h.add(path.map_or(&b"\0unset"[..], |p| p.as_bytes()));
            h.add(compiler.map_or_else(String::new, |id| id.key()).as_bytes());
        }
    }
    for (name, value) in vars {
        h.add(name.as_bytes());
        match value {
            Some(v) => h.add(&[&b"="[..], v.as_bytes()].concat()),
            None => h.add(b"unset"),
        }
    }
    format!("dirs5 {}", h.hex())
}

/// A digest of everything the closure check reads of an object: its name,
/// its definitions and references with their kinds, and whether it has
/// constructors (`probe/link.rs`, in both of the check's keys).
pub fn object_symbols<'a>(
    name: &str,
    defined: impl ExactSizeIterator<Item = (&'a [u8], u8)>,
    undefined: impl ExactSizeIterator<Item = (&'a [u8], u8)>,
    ctors: bool,
) -> String {
    let mut h = KeyHasher::default();
    h.add(name.as_bytes());
    h.add(&(defined.len() as u64).to_le_bytes());
    for (name, kind) in defined {
        h.add(name);
        h.add(&[kind]);
    }
    h.add(&(undefined.len() as u64).to_le_bytes());
    for (name, kind) in undefined {
        h.add(name);
        h.add(&[kind]);
    }
    h.add(&[u8::from(ctors)]);
    h.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each input of the pack key changes it (issue 34: every key's test).
    #[test]
    fn the_pack_key_follows_each_input() {
        let p = |s: &str| PathBuf::from(s);
        let w = |s: &[&str]| s.iter().map(OsString::from).collect::<Vec<_>>();
        let base = pack(Some(&p("/w")), &[p("a")], Some(&p("ws")), &w(&["-la"]));
        let others = [
            pack(Some(&p("/v")), &[p("a")], Some(&p("ws")), &w(&["-la"])),
            pack(None, &[p("a")], Some(&p("ws")), &w(&["-la"])),
            pack(Some(&p("/w")), &[p("b")], Some(&p("ws")), &w(&["-la"])),
            pack(Some(&p("/w")), &[p("a")], None, &w(&["-la"])),
            pack(Some(&p("/w")), &[p("a")], Some(&p("ws")), &w(&["-lb"])),
            pack(Some(&p("/w")), &[p("a"), p("ws")], None, &w(&["-la"])),
        ];
        for (i, k) in others.iter().enumerate() {
            assert_ne!(*k, base, "input {i}");
        }
    }

    /// Each input of the object-symbols digest changes it.
    #[test]
    fn the_object_symbols_key_follows_each_input() {
        let k = |name: &str, d: &[(&[u8], u8)], u: &[(&[u8], u8)], c: bool| {
            object_symbols(name, d.iter().copied(), u.iter().copied(), c)
        };
        let base = k("a.o", &[(b"f", 1)], &[(b"g", 0)], false);
        for other in [
            k("b.o", &[(b"f", 1)], &[(b"g", 0)], false),
            k("a.o", &[(b"f", 2)], &[(b"g", 0)], false),
            k("a.o", &[(b"h", 1)], &[(b"g", 0)], false),
            k("a.o", &[(b"f", 1)], &[(b"g", 1)], false),
            k("a.o", &[(b"f", 1)], &[], false),
            k("a.o", &[], &[(b"f", 1), (b"g", 0)], false),
            k("a.o", &[(b"f", 1)], &[(b"g", 0)], true),
        ] {
            assert_ne!(other, base);
        }
    }
}

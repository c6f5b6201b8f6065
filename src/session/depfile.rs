//! The make rule `--depfile` writes: the output depends on every archive
//! embedded and every linker script read, so make relinks the shared
//! library when one of them changes (the seed's section 5).
// `--depfile` links are never replayed by direct mode, which records
// nothing here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::Error;

/// `--depfile=auto` (or `SOLINK_DEPFILE=auto`): the depfile is `OUTPUT.d`
/// next to the output, as gcc's `-MMD` names `x.d` after `-o x.o`, so one
/// exported variable serves every link of a build. A file really named
/// `auto` is `./auto`.
pub fn path_for(option: &Path, target: &Path) -> PathBuf {
    if option.as_os_str() == "auto" {
        let mut name = target.as_os_str().to_owned();
        name.push(".d");
        PathBuf::from(name)
    } else {
        option.to_owned()
    }
}

/// The `.pc` files whose data changed the link: those an embedded archive's
/// flags came from (`flags_from`) and those its added dependencies were read
/// from (`Subject::Dep { via }`, when `via` is a `.pc`, not a shared
/// twin). Editing one changes the command, so the output depends on it.
pub fn pc_files(decisions: &[crate::model::Decision]) -> Vec<PathBuf> {
    use crate::model::Subject;
    let mut out: Vec<PathBuf> = Vec::new();
    for d in decisions {
        let via = match &d.subject {
            Subject::Dep { via, .. } if via.extension().is_some_and(|e| e == "pc") => Some(via),
            _ => None,
        };
        for pc in via.into_iter().chain(d.flags_from.as_ref()) {
            let pc = std::path::absolute(pc).unwrap_or_else(|_| pc.clone());
            if !out.contains(&pc) {
                out.push(pc);
            }
        }
    }
    out
}

/// A thin archive (`ar T`) holds only the names of its members: ld reads
/// the member files themselves, so a changed member changes the link and
/// belongs in the depfile. Member names are relative to the archive's
/// directory (binutils' ar). Anything else, or a thin archive that cannot be
/// read, gives nothing: the archive itself is listed either way.
pub fn thin_members(archive: &Path) -> Vec<PathBuf> {
    use std::io::Read;
    /// A thin archive holds headers only; ld's own archives of thousands
    /// of members stay far below this.
    const CAP: u64 = 64 << 20;
    let Ok((mut file, _)) = crate::fsx::open_regular(archive) else { return Vec::new() };
    let mut magic = [0u8; 8];
    if file.read_exact(&mut magic).is_err() || &magic != b"!<thin>\n" {
        return Vec::new();
    }
    let Ok(data) = crate::fsx::read_regular(archive, CAP) else { return Vec::new() };
    let Ok(ar) = object::read::archive::ArchiveFile::parse(&*data) else { return Vec::new() };
    let dir = archive.parent().unwrap_or(Path::new(""));
    ar.members().filter_map(Result::ok).map(|m| dir.join(std::ffi::OsStr::from_bytes(m.name()))).collect()
}

/// `TARGET: PREREQS...` and then one empty rule per prerequisite, as
/// `gcc -MP` writes, so a deleted archive does not stop make. A path with a
/// newline cannot be written in a make rule at all. The rule is bytes, not
/// text: a path that is not UTF-8 is written as it is, and make reads it
/// back as the same bytes.
pub fn render(target: &Path, prereqs: &[PathBuf]) -> Result<Vec<u8>, Error> {
    if let Some(p) = std::iter::once(target)
        .chain(prereqs.iter().map(PathBuf::as_path))
        .find(|p| p.as_os_str().as_bytes().contains(&b'\n'))
    {
        return Err(Error::DepfileNewline { path: p.to_path_buf() });
    }
    Ok(render_rule(target, prereqs))
}

fn render_rule(target: &Path, prereqs: &[PathBuf]) -> Vec<u8> {
    let mut out = escape_target(target);
    out.push(b':');
    for p in prereqs {
        out.extend_from_slice(b" \\\n ");
        out.extend(escape(p));
    }
    // make halves a run of backslashes only before a blank or a colon, not
    // at the end of a line (where one backslash would even continue the
    // line), so a last prerequisite that ends in a backslash is followed by
    // an empty order-only list: ` |` changes nothing else.
    if prereqs.last().is_some_and(|p| p.as_os_str().as_bytes().ends_with(b"\\")) {
        out.extend_from_slice(b" |");
    }
    out.push(b'\n');
    for p in prereqs {
        out.push(b'\n');
        out.extend(escape_target(p));
        out.extend_from_slice(b":\n");
    }
    out
}

/// Escapes a path for a make rule's prerequisite list: a blank, `#` and
/// `:` get a backslash, `$` doubles, and every other byte (non-UTF-8
/// included) is kept as it is.
///
/// Backslashes follow GNU make's reading (read.c `find_char_unquote`, the
/// same scheme gcc's mkdeps.cc `munge` writes): before a blank, `#` or `:`,
/// 2N+1 backslashes mean N backslashes and a quoted character, 2N mean N
/// backslashes and the character itself; a backslash anywhere else is
/// literal. So a run of backslashes before one of those characters, or at
/// the end of the name (which a blank or `:` then follows), is doubled.
/// `dir\ x` (a backslash, then a space) becomes `dir\\\ x`.
pub fn escape(path: &Path) -> Vec<u8> {
    escape_as(path, b" \t#:")
}

/// As [`escape`], for a name written as a target (before `:`): there `%`
/// would make the rule a pattern rule, so it is quoted as `\%` too (make's
/// `find_percent` reads backslashes the same way).
fn escape_target(path: &Path) -> Vec<u8> {
    escape_as(path, b" \t#:%")
}

fn escape_as(path: &Path, special: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut backslashes = 0;
    for &b in path.as_os_str().as_bytes() {
        if b == b'$' {
            out.extend_from_slice(b"$$");
        } else if special.contains(&b) {
            out.extend(std::iter::repeat(b'\\').take(backslashes + 1));
            out.push(b);
        } else {
            out.push(b);
        }
        backslashes = if b == b'\\' { backslashes + 1 } else { 0 };
    }
    out.extend(std::iter::repeat(b'\\').take(backslashes));
    out
}

/// Writes the depfile before the link, as `gcc -MF` would, or fails
/// before it.
///
/// A regular file, or a path where nothing is yet, is written atomically: a
/// temporary file in the same directory, renamed into place, so make never
/// reads half a rule. Anything else at the path is written *through*, the
/// way gcc's `fopen(name, "w")` does: a symlink keeps pointing where it
/// points and its target gets the rule (a dangling one is created), a FIFO
/// gets the rule in its pipe, and a device (`--depfile /dev/null`) gets the
/// bytes, never replaced by a file, which as root would have replaced the
/// system's `/dev/null`. In both cases a new file has mode 0666 less the
/// umask, as gcc's has.
pub fn write(path: &Path, text: &[u8]) -> Result<(), Error> {
    // The temporary file's name is not the user's business: keep only the
    // cause.
    let fail = |e: std::io::Error| Error::Depfile {
        path: path.to_path_buf(),
        source: e
            .raw_os_error()
            .map_or_else(|| std::io::Error::from(e.kind()), std::io::Error::from_raw_os_error),
    };
    match path.symlink_metadata() {
        Ok(m) if !m.file_type().is_file() && !m.file_type().is_dir() => {
            write_through(path, text).map_err(fail)
        }
        _ => write_atomically(path, text).map_err(fail),
    }
}

fn write_through(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o666)
        // A terminal named as the depfile must not become solink's
        // controlling terminal.
        .custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)?;
    file.write_all(text)
}

pub(super) fn write_atomically(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // 0666 asked for, the umask applied by open(2) as for any new file
    // (tempfile's default would be 0600 whatever the umask).
    let mut tmp = tempfile::Builder::new()
        .prefix(".solink-dep")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(text)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn auto_is_the_output_with_d_appended() {
        assert_eq!(super::path_for(Path::new("auto"), Path::new("x/libfoo.so")), Path::new("x/libfoo.so.d"));
        assert_eq!(super::path_for(Path::new("./auto"), Path::new("x/libfoo.so")), Path::new("./auto"));
        assert_eq!(super::path_for(Path::new("deps.d"), Path::new("libfoo.so")), Path::new("deps.d"));
    }

    #[test]
    fn pc_files_are_the_flags_source_and_dependency_pcs_not_shared_twins() {
        use crate::args::LibName;
        use crate::model::{Decision, Outcome, Reason, Subject};
        let dep = |via: &str| {
            let subject = Subject::Dep { of: LibName::Name("ssl".into()), via: via.into() };
            Decision::new(LibName::Name("crypto".into()), subject, Outcome::Keep, Reason::RuntimeLibrary)
        };
        let mut embedded = dep("/pc/libssl.so");
        embedded.flags_from = Some("/pc/ssl.pc".into());
        let got =
            super::pc_files(&[embedded, dep("/pc/openssl.pc"), dep("/pc/openssl.pc"), dep("/lib/libz.so.1")]);
        assert_eq!(got, [PathBuf::from("/pc/ssl.pc"), PathBuf::from("/pc/openssl.pc")]);
    }

    use super::*;
    use std::ffi::OsStr;

    fn p(bytes: &[u8]) -> PathBuf {
        PathBuf::from(OsStr::from_bytes(bytes))
    }

    #[test]
    fn escapes_what_make_needs() {
        assert_eq!(escape(Path::new("/a b/c#d/e:f/$g")), br"/a\ b/c\#d/e\:f/$$g");
    }

    /// make's backslash rule (2N+1 backslashes before a special character
    /// are N and a quote), checked against real make in
    /// `tests/cli/writes.rs`.
    #[test]
    fn backslashes_and_bytes_as_make_reads_them() {
        let check = |name: &[u8], prereq: &[u8], target: &[u8]| {
            assert_eq!(escape(&p(name)), prereq, "{:?}", String::from_utf8_lossy(name));
            assert_eq!(escape_target(&p(name)), target, "{:?}", String::from_utf8_lossy(name));
        };
        check(br"dir\ x", br"dir\\\ x", br"dir\\\ x");
        check(br"two\\ x", br"two\\\\\ x", br"two\\\\\ x");
        check(br"mid\dle", br"mid\dle", br"mid\dle");
        check(br"bs\#h", br"bs\\\#h", br"bs\\\#h");
        check(br"bs\:c", br"bs\\\:c", br"bs\\\:c");
        check(br"end\", br"end\\", br"end\\");
        check(b"ff\xff\xfe", b"ff\xff\xfe", b"ff\xff\xfe");
        check(b"tab\tx", b"tab\\\tx", b"tab\\\tx");
        check(b"pct%x", b"pct%x", br"pct\%x");
        check(br"pct\%x", br"pct\%x", br"pct\\\%x");
    }

    #[test]
    fn renders_rule_and_phony_targets() {
        let text = render(
            Path::new("out/libcalc.so"),
            &[PathBuf::from("/l/libcalcbase.a"), PathBuf::from("/l/x y.a")],
        )
        .unwrap();
        assert_eq!(
            text,
            b"out/libcalc.so: \\\n /l/libcalcbase.a \\\n /l/x\\ y.a\n\n/l/libcalcbase.a:\n\n/l/x\\ y.a:\n"
        );
        assert_eq!(render(Path::new("a.so"), &[]).unwrap(), b"a.so:\n");
        assert!(render(Path::new("a.so"), &[PathBuf::from("/x\ny.a")]).is_err());
        // A last prerequisite that ends in a backslash is kept off the end of
        // the line by an empty order-only list.
        assert_eq!(render(Path::new("a.so"), &[p(br"x\")]).unwrap(), b"a.so: \\\n x\\\\ |\n\nx\\\\:\n");
    }

    #[test]
    fn writes_atomically_and_refuses_unwritable_places() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.d");
        write(&path, b"x:\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x:\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
        let err = write(&dir.path().join("missing/x.d"), b"x:\n").unwrap_err();
        assert!(matches!(err, Error::Depfile { .. }), "{err:?}");
        // A regular file is replaced (a new inode), not rewritten in place.
        let before = std::fs::metadata(&path).unwrap();
        write(&path, b"y:\n").unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_ne!(std::fs::metadata(&path).unwrap().ino(), before.ino(), "renamed into place");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "y:\n");
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.d");
        std::fs::write(&real, "old, and longer than the rule\n").unwrap();
        let link = dir.path().join("link.d");
        std::os::unix::fs::symlink("real.d", &link).unwrap();
        write(&link, b"x:\n").unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink(), "the link is kept");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "x:\n", "its target gets the rule, truncated");
        // A dangling symlink: its target is created, as gcc's fopen does.
        let dangling = dir.path().join("dangling.d");
        std::os::unix::fs::symlink("new.d", &dangling).unwrap();
        write(&dangling, b"y:\n").unwrap();
        assert!(dangling.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(dir.path().join("new.d")).unwrap(), "y:\n");
    }

    #[test]
    fn a_fifo_gets_the_rule_through_its_pipe() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("dep.fifo");
        crate::fsx::test_support::mkfifo(&fifo);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write(&fifo, b"x: y\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"x: y\n");
        assert!(fifo.symlink_metadata().unwrap().file_type().is_fifo(), "still a FIFO");
    }

    /// A device node made for the test (as root): written through, never
    /// replaced. Reverting the fix would turn it into a regular file.
    #[test]
    fn a_device_is_written_through_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let null = dir.path().join("null");
        let c = std::ffi::CString::new(null.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; 1,3 is Linux's /dev/null.
        if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } != 0 {
            let why = std::io::Error::last_os_error();
            assert!(std::env::var_os("CI").is_none(), "mknod failed under CI: {why}");
            eprintln!("skipped: cannot make a device node here ({why}); run as root");
            return;
        }
        write(&null, b"x:\n").unwrap();
        let m = null.symlink_metadata().unwrap();
        assert!(m.file_type().is_char_device(), "still a device: {m:?}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
    }
}

//! Opening files that may be hostile.
//!
//! Every file solink reads (a candidate archive, a thin archive's member, an
//! input object, a linker script, a `.pc` file, a response file, a cache
//! entry) is opened here. The checks happen on the descriptor that is then
//! read, never on the path beforehand, so a file swapped between the check
//! and the read cannot slip through:
//!
//! - it is opened with `O_NONBLOCK`, so a FIFO cannot hang the open, then
//!   `fstat`ed: only a regular file (symlinks followed) is read;
//! - its identity ([`FileId`]) comes from that same `fstat`, so a cache entry
//!   keyed by it describes exactly the bytes that were read;
//! - reads are bounded by a cap the caller gives.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

/// What identifies one version of a file: device, inode, size, and the
/// modification and change times in nanoseconds. A file rewritten in place
/// changes its mtime or ctime; a file replaced by rename changes its inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl FileId {
    pub fn of(m: &Metadata) -> FileId {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileId {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime_ns: ns(m.mtime(), m.mtime_nsec()),
            ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        }
    }

    /// A stable text form, for cache keys: the five fields in lower-case
    /// hex (`{:x}`; a time before 1970 as its two's complement), joined by
    /// `-`. Written by hand: `format!` of the i128s was a tenth of a
    /// 10,000-archive link (callgrind).
    pub fn key(&self) -> String {
        let mut out = String::with_capacity(64);
        self.push_key(&mut out);
        out
    }

    /// [`FileId::key`], appended to `out`.
    pub fn push_key(&self, out: &mut String) {
        let fields = [
            self.dev.into(),
            self.ino.into(),
            self.size.into(),
            self.mtime_ns as u128,
            self.ctime_ns as u128,
        ];
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                out.push('-');
            }
            push_hex(out, field);
        }
    }

    /// The identity [`FileId::key`] wrote, or `None`.
    pub fn parse_key(key: &str) -> Option<FileId> {
        let mut parts = key.split('-');
        let mut next = || parts.next().filter(|p| !p.is_empty() && !p.starts_with('+'));
        let id = FileId {
            dev: u64::from_str_radix(next()?, 16).ok()?,
            ino: u64::from_str_radix(next()?, 16).ok()?,
            size: u64::from_str_radix(next()?, 16).ok()?,
            mtime_ns: u128::from_str_radix(next()?, 16).ok()? as i128,
            ctime_ns: u128::from_str_radix(next()?, 16).ok()? as i128,
        };
        (parts.next().is_none() && id.key() == key).then_some(id)
    }
}

/// `value` in lower-case hex without leading zeros, as `{:x}` writes it.
fn push_hex(out: &mut String, value: u128) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 32];
    let mut at = buf.len();
    let mut v = value;
    loop {
        at -= 1;
        buf[at] = DIGITS[(v & 0xf) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[at..]).expect("hex digits are ASCII"));
}

/// The error for a path that exists but is not a regular file.
pub fn not_regular() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")
}

/// Opens `path` for reading if it is a regular file (symlinks followed),
/// without blocking on a FIFO or a device, and returns it with its identity.
pub fn open_regular(path: &Path) -> io::Result<(File, FileId)> {
    let file = OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    Ok((file, FileId::of(&meta)))
}

/// Reads a whole regular file of at most `cap` bytes. A larger file is an
/// error (`InvalidData`), never a partial read.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let (file, id) = open_regular(path)?;
    read_capped(file, id.size, cap)
}

/// Reads `file` (whose `fstat` said `size`), refusing more than `cap`
/// bytes even if the file grows while it is read.
pub fn read_capped(file: File, size: u64, cap: u64) -> io::Result<Vec<u8>> {
    if size > cap {
        return Err(too_large(cap));
    }
    let mut data = Vec::with_capacity(size as usize);
    file.take(cap + 1).read_to_end(&mut data)?;
    if data.len() as u64 > cap {
        return Err(too_large(cap));
    }
    Ok(data)
}

fn too_large(cap: u64) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("larger than {cap} bytes"))
}

/// Whether an I/O error may go away by itself (permissions, a failing disk,
/// an interrupted read): such an outcome is never cached.
pub fn is_transient(e: &io::Error) -> bool {
    !matches!(e.kind(), io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_format_s_hex_and_parses_back() {
        let times =
            [(0, 1), (1_700_000_000_123_456_789, 15), (-1, -86_400_000_000_000), (i128::MAX, i128::MIN)];
        for (mtime_ns, ctime_ns) in times {
            let id = FileId { dev: 0xfe00, ino: u64::MAX, size: 0, mtime_ns, ctime_ns };
            let want = format!("{:x}-{:x}-{:x}-{:x}-{:x}", id.dev, id.ino, id.size, id.mtime_ns, id.ctime_ns);
            assert_eq!(id.key(), want);
            assert_eq!(FileId::parse_key(&want), Some(id), "{want}");
        }
        assert_eq!(FileId::parse_key("1-2-3-4"), None);
        assert_eq!(FileId::parse_key("1-2-3-4-5-6"), None);
        assert_eq!(FileId::parse_key("01-2-3-4-5"), None, "not as key() writes it");
    }

    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Without O_NONBLOCK this open would wait for a writer forever.
        let err = open_regular(&fifo).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(open_regular(dir.path()).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(open_regular(Path::new("/dev/zero")).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        let file = dir.path().join("f");
        std::fs::write(&file, "hello").unwrap();
        let (_, id) = open_regular(&file).unwrap();
        assert_eq!(id.size, 5);
        assert_eq!(read_regular(&file, 5).unwrap(), b"hello");
        assert_eq!(read_regular(&file, 4).unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn identity_changes_when_the_file_does() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "a").unwrap();
        let (_, before) = open_regular(&file).unwrap();
        std::fs::write(dir.path().join("g"), "b").unwrap();
        std::fs::rename(dir.path().join("g"), &file).unwrap();
        let (_, after) = open_regular(&file).unwrap();
        assert_ne!(before, after, "a file replaced by rename is a new identity");
    }
}

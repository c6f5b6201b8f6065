//! What an input named by path is when its name does not say: ld goes by
//! a file's content, so a Bazel `libfoo.lo` is an archive and a libtool
//! `foo.lo` an object (issue 31 §6).

use std::path::Path;

use crate::formats::archive;
use crate::fsx;

/// Whether the file at `path` is an ar archive (GNU or thin), by its first
/// eight bytes. The input is opened as a hostile file (a FIFO is not
/// waited on), and the open is recorded, so direct mode asks again.
pub fn is_archive(path: &Path) -> bool {
    let Ok((head, _)) = fsx::head(path) else { return false };
    archive::is_archive_head(&head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_known_by_their_magic_not_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        assert!(is_archive(&file("libfoo.lo", b"!<arch>\n/ 0 ...")));
        assert!(is_archive(&file("libthin.lo", b"!<thin>\n")));
        assert!(!is_archive(&file("foo.lo", b"# foo.lo - a libtool object file\n")));
        assert!(!is_archive(&file("elf.lo", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0")));
        assert!(!is_archive(&file("short.lo", b"!<arch>")));
        assert!(!is_archive(&dir.path().join("missing.lo")));
        assert!(!is_archive(dir.path()), "a directory");
        let fifo = dir.path().join("fifo.lo");
        fsx::test_support::mkfifo(&fifo);
        assert!(!is_archive(&fifo), "a FIFO is not waited on");
    }
}

//! The cache directory as a trust boundary, as ssh's `StrictModes` and
//! sudo draw theirs: a directory is used only when it is owned by the
//! effective user and writable by nobody else, and every file in it is
//! reached through the descriptor of that checked directory (`openat`),
//! never by a path that a rename could redirect afterwards.
//!
//! - An entry is read only when it is a regular file (`O_NOFOLLOW`, so a
//!   planted symlink is refused; `O_NONBLOCK`, so a FIFO cannot hang the
//!   read), owned by the effective user, writable by nobody else and with
//!   one link (a hard link planted to another file has two).
//! - An entry is written to a fresh private temporary file (`O_EXCL`, mode
//!   0600) that is renamed into place, or removed when anything fails:
//!   a full disk, a read-only file system, or `RLIMIT_FSIZE`, whose
//!   `SIGXFSZ` is ignored for the write so that it returns `EFBIG` instead
//!   of killing the link.
//! - Root is held to the same rule: a directory another user owns is not
//!   root's cache.
// The cache's own files are no input of a link: nothing here is recorded
// for direct mode (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};

use crate::fsx::safe_ancestors;
use crate::fsx::Distrust;

/// A directory that passed the trust check, held open.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    /// Where it is, for the paths handed to the driver and for messages.
    pub path: PathBuf,
}

/// Whether a directory's `fstat` says it can be trusted.
fn judge(st: &rustix::fs::Stat) -> Result<(), Distrust> {
    if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Directory {
        return Err(Distrust::NotDir);
    }
    let me = rustix::process::geteuid().as_raw();
    if st.st_uid != me {
        return Err(Distrust::Owner(st.st_uid));
    }
    if st.st_mode & 0o022 != 0 {
        return Err(Distrust::Writable);
    }
    Ok(())
}

/// What opening a directory found.
pub enum Opened {
    Trusted(Dir),
    Distrusted(Distrust),
    /// It does not exist, or cannot be opened (no cache, no warning).
    Absent(io::Error),
}

impl Dir {
    /// Opens `path` (the cache root: a symlink to it is followed, the
    /// user named it) and checks it. Paths inside it are handed to the
    /// driver (the note object), which looks them up again: so the path
    /// kept is the one the descriptor has (`/proc/self/fd/N`, no symlink
    /// left), and each of its ancestors must be one nobody else can change
    /// (`safe_ancestors`), or the directory is not used.
    pub fn open_root(path: &Path) -> Opened {
        let fd =
            match rustix::fs::open(path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
            {
                Ok(fd) => fd,
                Err(e) => return Opened::Absent(e.into()),
            };
        let real = std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd)));
        // No /proc (or an odd answer): the path cannot be pinned, so no
        // cache, quietly, as for a directory that cannot be opened.
        let real = match real {
            Ok(real) if real.is_absolute() => real,
            Ok(_) => return Opened::Absent(io::Error::other("no absolute path for the cache directory")),
            Err(e) => return Opened::Absent(e),
        };
        if let Err(why) = safe_ancestors(&real) {
            return Opened::Distrusted(why);
        }
        Dir::checked(fd, real)
    }

    /// Makes `path` and its missing parents, private to the user (0700).
    pub fn create_root(path: &Path) -> io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
    }

    fn checked(fd: OwnedFd, path: PathBuf) -> Opened {
        match rustix::fs::fstat(&fd) {
            Ok(st) => match judge(&st) {
                Ok(()) => Opened::Trusted(Dir { fd, path }),
                Err(why) => Opened::Distrusted(why),
            },
            Err(e) => Opened::Absent(e.into()),
        }
    }

    /// The directory `name` inside this one, never through a symlink.
    pub fn open_sub(&self, name: &str) -> Opened {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(&self.fd, name, flags, Mode::empty()) {
            Ok(fd) => Dir::checked(fd, self.path.join(name)),
            // ELOOP or ENOTDIR: a symlink or a file where a directory belongs.
            Err(e) if e == rustix::io::Errno::LOOP || e == rustix::io::Errno::NOTDIR => {
                Opened::Distrusted(Distrust::NotDir)
            }
            Err(e) => Opened::Absent(e.into()),
        }
    }

    /// Makes the private directory `name` inside this one (0700); one that
    /// is already there is fine (another link made it first).
    pub fn make_sub(&self, name: &str) -> io::Result<()> {
        match rustix::fs::mkdirat(&self.fd, name, Mode::RWXU) {
            Err(e) if e == rustix::io::Errno::EXIST => Ok(()),
            other => other.map_err(Into::into),
        }
    }

    /// Opens the entry `name` for reading: a regular file of this user's,
    /// writable by nobody else, with one link, of at most `cap` bytes.
    pub fn open_entry(&self, name: &str, cap: u64) -> io::Result<(File, u64)> {
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::empty())?;
        let st = rustix::fs::fstat(&fd)?;
        let regular = rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile;
        let mine = st.st_uid == rustix::process::geteuid().as_raw() && st.st_mode & 0o022 == 0;
        let size = st.st_size as u64;
        if !regular || !mine || st.st_nlink != 1 || size > cap {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not one of solink's entries"));
        }
        Ok((File::from(fd), size))
    }

    /// The entry `name`'s bytes (see [`Dir::open_entry`]), read whole.
    pub fn read(&self, name: &str, cap: u64) -> io::Result<Vec<u8>> {
        let (file, size) = self.open_entry(name, cap)?;
        let mut data = Vec::with_capacity(size as usize);
        file.take(cap + 1).read_to_end(&mut data)?;
        if data.len() as u64 > cap {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "grew past its cap"));
        }
        Ok(data)
    }

    /// Writes `bytes` as the entry `name`, whole or not at all: a private
    /// temporary file renamed into place, removed on any failure.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let (tmp, fd) = loop {
            let tmp = format!("{TMP_PREFIX}{}-{:016x}", std::process::id(), fastrand::u64(..));
            match rustix::fs::openat(&self.fd, tmp.as_str(), flags, Mode::RUSR | Mode::WUSR) {
                Ok(fd) => break (tmp, fd),
                Err(e) if e == rustix::io::Errno::EXIST => continue,
                Err(e) => return Err(e.into()),
            }
        };
        let mut file = File::from(fd);
        let written = no_sigxfsz(|| file.write_all(bytes))
            .and_then(|()| rustix::fs::renameat(&self.fd, tmp.as_str(), &self.fd, name).map_err(Into::into));
        if written.is_err() {
            let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
        }
        written
    }

    /// Whether this process may make and remove files here (`EROFS` on a
    /// read-only mount, `EACCES` where the mode says no).
    pub fn writable(&self) -> io::Result<()> {
        use rustix::fs::Access;
        rustix::fs::accessat(&self.fd, ".", Access::WRITE_OK | Access::EXEC_OK, AtFlags::EACCESS)
            .map_err(Into::into)
    }

    /// The names in this directory (`.` and `..` left out).
    pub fn names(&self) -> Vec<std::ffi::OsString> {
        use std::os::unix::ffi::OsStringExt;
        let Ok(dir) = rustix::fs::Dir::read_from(&self.fd) else { return Vec::new() };
        dir.flatten()
            .map(|e| e.file_name().to_bytes().to_vec())
            .filter(|n| n != b"." && n != b"..")
            .map(std::ffi::OsString::from_vec)
            .collect()
    }

    /// `lstat` of `name` inside this directory.
    pub fn stat(&self, name: &std::ffi::OsStr) -> io::Result<rustix::fs::Stat> {
        rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).map_err(Into::into)
    }

    /// Removes the file `name` (never a directory, never through a link).
    pub fn remove_file(&self, name: &std::ffi::OsStr) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()).map_err(Into::into)
    }

    /// Removes the empty directory `name`.
    pub fn remove_dir(&self, name: &str) -> io::Result<()> {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR).map_err(Into::into)
    }

    pub fn fd(&self) -> impl AsFd + '_ {
        self.fd.as_fd()
    }
}

/// The prefix of every temporary file solink makes in its directory.
pub const TMP_PREFIX: &str = ".tmp-";

/// Runs `write` with `SIGXFSZ` ignored, so that a write past
/// `RLIMIT_FSIZE` fails with `EFBIG` instead of killing solink (and the
/// link with it), then puts the disposition back as it was: the driver
/// solink execs inherits the caller's, not solink's.
pub fn no_sigxfsz<T>(write: impl FnOnce() -> T) -> T {
    // SAFETY: a zeroed sigaction is a valid "ignore" action once
    // sa_sigaction is SIG_IGN; both calls get valid pointers.
    unsafe {
        let mut ignore: libc::sigaction = std::mem::zeroed();
        ignore.sa_sigaction = libc::SIG_IGN;
        let mut old: libc::sigaction = std::mem::zeroed();
        let saved = libc::sigaction(libc::SIGXFSZ, &ignore, &mut old) == 0;
        let out = write();
        if saved {
            libc::sigaction(libc::SIGXFSZ, &old, std::ptr::null_mut());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn trusted(path: &Path) -> Dir {
        match Dir::open_root(path) {
            Opened::Trusted(d) => d,
            _ => panic!("{} not trusted", path.display()),
        }
    }

    #[test]
    fn a_directory_others_can_write_is_not_trusted() {
        let t = tempfile::tempdir().unwrap();
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        trusted(t.path());
        for mode in [0o770, 0o707, 0o1777] {
            std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(mode)).unwrap();
            assert!(matches!(Dir::open_root(t.path()), Opened::Distrusted(Distrust::Writable)), "{mode:o}");
        }
    }

    #[test]
    fn planted_links_and_fifos_are_not_entries() {
        let t = tempfile::tempdir().unwrap();
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let d = trusted(t.path());
        d.write("e", b"mine").unwrap();
        assert_eq!(d.read("e", 10).unwrap(), b"mine");
        std::fs::write(t.path().join("target"), b"theirs").unwrap();
        std::os::unix::fs::symlink(t.path().join("target"), t.path().join("sym")).unwrap();
        std::fs::hard_link(t.path().join("target"), t.path().join("hard")).unwrap();
        crate::fsx::test_support::mkfifo(&t.path().join("fifo"));
        for name in ["sym", "hard", "fifo"] {
            assert!(d.read(name, 100).is_err(), "{name}");
        }
        assert!(d.read("e", 3).is_err(), "past the cap");
        std::fs::set_permissions(t.path().join("e"), std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(d.read("e", 10).is_err(), "an entry others can write");
        std::os::unix::fs::symlink(t.path(), t.path().join("subdir")).unwrap();
        assert!(matches!(d.open_sub("subdir"), Opened::Distrusted(Distrust::NotDir)));
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let t = tempfile::tempdir().unwrap();
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let d = trusted(t.path());
        std::fs::create_dir(t.path().join("taken")).unwrap();
        std::fs::write(t.path().join("taken/x"), "").unwrap();
        // Renaming a file over a non-empty directory fails after the write.
        assert!(d.write("taken", b"x").is_err());
        let names = d.names();
        assert_eq!(names, vec![std::ffi::OsString::from("taken")], "{names:?}");
    }
}

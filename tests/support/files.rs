//! Files a test makes that `std::fs` cannot: a FIFO, and a directory that
//! lives as long as the test binary.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// Makes a FIFO at `path` (mode 0600), asserting it was made: the file that
/// is not regular and whose read or open waits for a writer.
pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

/// The directories [`scratch`] made, removed when the process exits.
static SCRATCH: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A fresh directory `/tmp/PREFIX*` for a fixture built once per test
/// binary (a `OnceLock`'s, which no destructor reaches): removed when the
/// binary exits, passed or failed, through `atexit` (the harness ends with
/// `exit`). Before, each run of the suite left five such directories in
/// `/tmp`.
pub fn scratch(prefix: &str) -> PathBuf {
    static REGISTERED: Once = Once::new();
    extern "C" fn remove_scratch() {
        let dirs = std::mem::take(&mut *SCRATCH.lock().unwrap_or_else(|e| e.into_inner()));
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    REGISTERED.call_once(|| {
        // SAFETY: registers a plain `extern "C" fn` with no arguments.
        assert_eq!(unsafe { libc::atexit(remove_scratch) }, 0, "atexit");
    });
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap().keep();
    SCRATCH.lock().unwrap().push(dir.clone());
    dir
}

/// Puts the program `built` at `dest` without this process holding it open
/// for writing: a hard link (a copy only across file systems, through `cp`,
/// another process). A copy written by the test process itself can be
/// inherited, still open, by a child another test thread forks at that
/// moment, and the program's exec then fails with ETXTBSY
/// (rust-lang/rust#114554).
pub fn place_executable(built: &Path, dest: &Path) {
    if std::fs::hard_link(built, dest).is_err() {
        let status = std::process::Command::new("cp").arg(built).arg(dest).status().unwrap();
        assert!(status.success(), "cp {} {}", built.display(), dest.display());
    }
}

/// Writes the script `contents` to `path`, mode 0755, through a child
/// process (`sh -c 'cat > PATH'`), so this process never holds the file
/// open for writing: a test that writes a script and has it run (a fake
/// driver) could otherwise see the exec fail with ETXTBSY, when a child that
/// another test thread forked at that moment inherited the descriptor
/// (rust-lang/rust#114554). The tests start every child with `pre_exec`
/// (`default_signals`), so each child is a fork, not a `posix_spawn`.
pub fn write_executable(path: &Path, contents: &[u8]) {
    use std::io::Write;
    let mut child = std::process::Command::new("sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(contents).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "writing {}: {status}", path.display());
}

/// `name`, made by `make` in a scratch directory once per test binary (the
/// `cell`'s), put at `dest`: a copy of its own for each test (one may
/// rewrite it), or, for a program, a link ([`place_executable`]).
pub fn built_once(
    cell: &'static std::sync::OnceLock<PathBuf>,
    name: &str,
    make: impl FnOnce(&Path),
    dest: &Path,
) {
    use std::os::unix::fs::PermissionsExt;
    let built = cell.get_or_init(|| {
        let dir = scratch("solink-once");
        make(&dir);
        dir.join(name)
    });
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    if std::fs::metadata(built).unwrap().permissions().mode() & 0o111 != 0 {
        place_executable(built, dest);
    } else {
        std::fs::copy(built, dest).unwrap();
    }
}

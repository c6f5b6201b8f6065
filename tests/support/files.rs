//! Files a test makes that `std::fs` cannot: a FIFO.

use std::path::Path;

/// Makes a FIFO at `path` (mode 0600), asserting it was made: the file that
/// is not regular and whose read or open waits for a writer.
pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

//! `solink --audit FILE.whl` (issue 32 §5): a Python wheel is a zip whose
//! extension modules are `dlopen`ed into one process, with the libraries
//! auditwheel vendored beside them (`PKG.libs/`, found through their
//! `$ORIGIN` rpaths). Each ELF member is audited, as a plugin directory's
//! objects are, and reported by its path inside the wheel.
//!
//! The wheel is read as hostile input:
//! - its members are read only through the `zip` crate's parser (central
//!   directory first), never by a shell tool;
//! - only regular members whose name is a plain relative path
//!   (`enclosed_name`: no `..`, no root) and whose bytes start as ELF are
//!   written out, each created new (`O_EXCL`) inside a private temporary
//!   directory (mode 0700, removed after) that solink made: no symlink is
//!   ever made or followed there, so nothing lands outside it;
//! - sizes are bounded: the wheel itself, the members' count, each
//!   member's bytes as they are inflated (not as the header claims), and
//!   their sum. Whatever passes a bound, or cannot be read, is reported as
//!   not seen (exit 3), never skipped in silence.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{Unseen, Why};

/// The largest wheel read: the largest wheels on PyPI (CUDA's) are a few
/// GiB.
const MAX_WHEEL: u64 = 8 << 30;
/// The most members read; a wheel of a big package holds tens of
/// thousands.
const MAX_MEMBERS: usize = 1 << 18;
/// The most bytes one member may inflate to.
const MAX_MEMBER: u64 = 4 << 30;
/// The most bytes all ELF members may inflate to together.
const MAX_TOTAL: u64 = 16 << 30;

/// Whether `path` names a wheel: its name ends in `.whl`, as pip and
/// PEP 427 name them.
pub fn is_wheel(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("whl"))
}

/// A wheel's ELF members written out: the private directory (removed when
/// this is dropped) and what could not be read.
pub struct Unpacked {
    pub dir: tempfile::TempDir,
    pub unseen: Vec<Unseen>,
}

/// Writes the ELF members of the wheel at `path` into a new private
/// directory under `tmp`, at their paths inside the wheel. `Err` when the
/// wheel itself cannot be read as a zip.
pub fn unpack(path: &Path, tmp: &Path) -> Result<Unpacked, String> {
    let (file, id) = crate::fsx::open_regular(path).map_err(|e| e.to_string())?;
    if id.size > MAX_WHEEL {
        return Err(format!("larger than {MAX_WHEEL} bytes"));
    }
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("not a wheel (a zip file): {e}"))?;
    let dir = tempfile::Builder::new().prefix("solink-wheel-").tempdir_in(tmp).map_err(|e| e.to_string())?;
    let mut unseen = Vec::new();
    let mut total = 0u64;
    let count = zip.len();
    if count > MAX_MEMBERS {
        unseen.push(Unseen { path: path.to_path_buf(), why: Why::TooMany(MAX_MEMBERS) });
    }
    for i in 0..count.min(MAX_MEMBERS) {
        let mut member = match zip.by_index(i) {
            Ok(m) => m,
            Err(e) => {
                unseen.push(Unseen {
                    path: PathBuf::from(format!("member {i}")),
                    why: Why::Damaged(e.to_string()),
                });
                continue;
            }
        };
        if !member.is_file() || member.is_symlink() {
            continue;
        }
        let shown = PathBuf::from(crate::text::escaped(member.name()));
        let Some(relative) = member.enclosed_name() else {
            unseen.push(Unseen { path: shown, why: Why::Damaged("a name outside the wheel".into()) });
            continue;
        };
        let mut magic = [0u8; 4];
        match member.read_exact(&mut magic) {
            Ok(()) if magic == *b"\x7fELF" => {}
            Ok(()) => continue,
            // Shorter than four bytes: no ELF file.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => continue,
            Err(e) => {
                unseen.push(Unseen { path: shown, why: Why::Damaged(e.to_string()) });
                continue;
            }
        }
        let left = MAX_MEMBER.min(MAX_TOTAL.saturating_sub(total));
        match write_member(&dir.path().join(&relative), &magic, &mut member, left) {
            Ok(n) => total += n,
            Err(why) => unseen.push(Unseen { path: shown, why }),
        }
    }
    Ok(Unpacked { dir, unseen })
}

/// Writes `head` and what `from` inflates to, at most `limit` bytes in all,
/// to a new file at `to` (its directories made).
fn write_member(to: &Path, head: &[u8], from: &mut impl Read, limit: u64) -> Result<u64, Why> {
    let io = |e: std::io::Error| Why::Unreadable(e.to_string());
    #[allow(clippy::disallowed_methods)] // solink's own private directory, no input of a link
    let mut out = {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::OpenOptions::new().write(true).create_new(true).open(to).map_err(io)?
    };
    out.write_all(head).map_err(io)?;
    let copied = std::io::copy(&mut from.take(limit.saturating_sub(head.len() as u64) + 1), &mut out)
        .map_err(|e| Why::Damaged(e.to_string()))?;
    let n = head.len() as u64 + copied;
    if n > limit {
        return Err(Why::TooLarge(limit));
    }
    Ok(n)
}

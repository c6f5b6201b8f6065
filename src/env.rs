//! The environment solink runs in, handed in by the caller: the variables
//! it may read and what it must know of its own executable. The library
//! never reads the process's environment itself (docs/ARCHITECTURE.md), so
//! every test can hand it a made-up one; this is the ground floor that
//! every room asking for a variable stands on.

use foldhash::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use crate::fsx;

/// The environment variables solink may read, handed in by the caller,
/// and where solink's own executable is (to never run itself as the driver).
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<OsString, OsString>,
    /// This executable's identity (device, inode), to recognise it under
    /// any name or symlink.
    pub self_id: Option<(u64, u64)>,
    /// This executable's whole identity: direct mode keys its entries by
    /// it, so a rebuilt solink never replays an older one's answer.
    pub self_file: Option<fsx::FileId>,
    /// The working directory, for the log file's records (the binary reads
    /// it; the library does not ask the process).
    pub cwd: Option<PathBuf>,
}

impl Env {
    pub fn new(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Env {
        Env { vars: vars.into_iter().collect(), self_id: None, self_file: None, cwd: None }
    }

    pub fn with_cwd(mut self, cwd: Option<PathBuf>) -> Env {
        self.cwd = cwd;
        self
    }

    // solink's own file, asked before anything is recorded.
    #[allow(clippy::disallowed_methods)]
    pub fn with_self_exe(mut self, exe: Option<PathBuf>) -> Env {
        use std::os::unix::fs::MetadataExt;
        let meta = exe.and_then(|e| e.metadata().ok());
        self.self_id = meta.as_ref().map(|m| (m.dev(), m.ino()));
        self.self_file = meta.as_ref().map(fsx::FileId::of);
        self
    }

    /// The bytes the environment takes in a new process's memory.
    pub fn size(&self) -> usize {
        self.vars.iter().map(|(k, v)| k.len() + v.len() + 2 + std::mem::size_of::<usize>()).sum()
    }

    /// The variable `name`; recorded when direct mode records a run.
    pub fn get(&self, name: &str) -> Option<&OsStr> {
        let value = self.peek(name);
        fsx::record_env(name, value);
        value
    }

    /// Sets `name`, for a value a configuration file gives to a variable
    /// the environment leaves unset (`config.rs`).
    pub(crate) fn set(&mut self, name: &str, value: OsString) {
        self.vars.insert(OsString::from(name), value);
    }

    /// [`Env::get`] without recording: for direct mode's own check.
    pub(crate) fn peek(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }
}

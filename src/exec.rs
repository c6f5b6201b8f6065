//! Run: the only module that starts processes. It finds the real driver,
//! asks it for its library directories, and execs it.

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Error;

/// The real compiler driver: a program and the arguments that come with it
/// (`--cc "ccache gcc"` gives `ccache` and `[gcc]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Driver {
    /// The program as named, used as argv[0].
    pub name: OsString,
    pub path: PathBuf,
    pub args: Vec<OsString>,
}

impl Driver {
    /// Finds `words[0]` on PATH (or as a path, when it has a slash).
    pub fn find(words: &[OsString], path_var: Option<&OsStr>) -> Result<Driver, Error> {
        let (name, args) = words.split_first().expect("a driver command has a program");
        let path = if has_slash(name) {
            let path = PathBuf::from(name);
            if !path.exists() {
                return Err(Error::DriverNotFound { name: name.clone() });
            }
            if !is_executable(&path) {
                return Err(Error::DriverNotExecutable { path });
            }
            path
        } else {
            find_program(name, path_var)
                .ok_or_else(|| Error::DriverNotFound { name: name.clone() })?
        };
        Ok(Driver {
            name: name.clone(),
            path,
            args: args.to_vec(),
        })
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.arg0(&self.name).args(&self.args);
        cmd
    }

    /// `DRIVER [target flags] -print-search-dirs`, or `None` when the driver
    /// cannot answer.
    pub fn print_search_dirs(&self, target_flags: &[OsString]) -> Option<Vec<u8>> {
        let out = self
            .command()
            .args(target_flags)
            .arg("-print-search-dirs")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        out.status.success().then_some(out.stdout)
    }

    /// Replaces this process with the driver. Returns only on failure.
    pub fn exec(&self, args: &[OsString]) -> Error {
        let source = self.command().args(args).exec();
        Error::DriverExec {
            driver: self.name.clone(),
            source,
        }
    }
}

/// The first executable named `name` in the directories of `path_var`.
pub fn find_program(name: &OsStr, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if has_slash(name) {
        return Some(PathBuf::from(name)).filter(|p| is_executable(p));
    }
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn has_slash(name: &OsStr) -> bool {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().contains(&b'/')
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

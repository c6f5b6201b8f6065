//! Resolve: one decision per library reference, with its reason.
//!
//! Decisions are plain data. Printing them is `explain`'s job and applying
//! them is `rewrite`'s.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use crate::args::{Command, LibName, LinkerForm, Site};
use crate::search::{Found, SearchPath};

/// The C and C++ toolchain runtimes. They are never embedded: glibc's
/// archives are not position-independent (its libm.a is even a linker
/// script over non-PIC objects), and a second copy of a runtime inside a
/// shared object breaks programs that load it.
pub const RUNTIME_LIBS: &[&str] = &[
    "BrokenLocale",
    "anl",
    "asan",
    "atomic",
    "c",
    "c++",
    "c++abi",
    "crypt",
    "dl",
    "gcc",
    "gcc_eh",
    "gcc_s",
    "gomp",
    "hwasan",
    "lsan",
    "m",
    "mvec",
    "nsl",
    "pthread",
    "quadmath",
    "resolv",
    "rt",
    "stdc++",
    "supc++",
    "tsan",
    "ubsan",
    "util",
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replace the reference with this archive's path.
    Embed(PathBuf),
    /// Leave the reference exactly as given (the linker decides, dynamically
    /// unless the user made the region static).
    Keep,
    /// Remove the reference.
    Drop,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The first `libNAME.a` in search order.
    FirstArchive,
    /// No `libNAME.a` in any search directory.
    NotFound,
    /// A C or C++ runtime library; never embedded.
    RuntimeLibrary,
    /// After `-Wl,-Bstatic` (or with `-static`): the user already chose.
    StaticRegion,
    /// `-o libNAME.so` links `-lNAME`: the library itself.
    SelfReference,
    /// `-l:FILE` where FILE is not an archive.
    NotAnArchiveName,
    /// The archive's path contains a comma and cannot go inside `-Wl,`.
    CommaInPath,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Index into [`Command::libs`].
    pub lib: usize,
    pub outcome: Outcome,
    pub reason: Reason,
    /// Where the archive was found, when it was.
    pub found: Option<Found>,
}

/// Decides every library reference of a shared link.
pub fn resolve(cmd: &Command, search: &mut SearchPath) -> Vec<Decision> {
    let self_name = cmd.output.as_deref().and_then(self_library_name);
    cmd.libs
        .iter()
        .enumerate()
        .map(|(lib, r)| {
            let decide = |outcome, reason, found| Decision {
                lib,
                outcome,
                reason,
                found,
            };
            let file = match &r.name {
                LibName::Name(name) if Some(name.as_os_str()) == self_name.as_deref() => {
                    return decide(Outcome::Drop, Reason::SelfReference, None)
                }
                _ if r.static_region || cmd.all_static => {
                    return decide(Outcome::Keep, Reason::StaticRegion, None)
                }
                LibName::Name(name) if is_runtime(name) => {
                    return decide(Outcome::Keep, Reason::RuntimeLibrary, None)
                }
                LibName::Name(name) => archive_file_name(name),
                LibName::Verbatim(file) if file.as_bytes().ends_with(b".a") => file.clone(),
                LibName::Verbatim(_) => {
                    return decide(Outcome::Keep, Reason::NotAnArchiveName, None)
                }
            };
            let Some(found) = search.find(&file) else {
                return decide(Outcome::Keep, Reason::NotFound, None);
            };
            if inside_wl(cmd, &r.site) && found.path.as_os_str().as_bytes().contains(&b',') {
                return decide(Outcome::Keep, Reason::CommaInPath, Some(found));
            }
            decide(
                Outcome::Embed(found.path.clone()),
                Reason::FirstArchive,
                Some(found),
            )
        })
        .collect()
}

pub fn is_runtime(name: &OsStr) -> bool {
    RUNTIME_LIBS.iter().any(|r| OsStr::new(r) == name)
}

/// `libNAME.a`.
pub fn archive_file_name(name: &OsStr) -> OsString {
    let mut file = OsString::from("lib");
    file.push(name);
    file.push(".a");
    file
}

/// `NAME` when the output is `libNAME.so` or `libNAME.so.X...`.
fn self_library_name(output: &std::path::Path) -> Option<OsString> {
    let base = output.file_name()?.as_bytes();
    let stem = base.strip_prefix(b"lib")?;
    let at = stem.windows(3).position(|w| w == b".so")?;
    let rest = &stem[at + 3..];
    (rest.is_empty() || rest.starts_with(b".")).then(|| OsStr::from_bytes(&stem[..at]).to_owned())
}

fn inside_wl(cmd: &Command, site: &Site) -> bool {
    match site {
        Site::Driver { .. } => false,
        Site::Linker { first, .. } => {
            matches!(cmd.args[first.arg].linker, Some((LinkerForm::Wl, _)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::classify;
    use crate::search::Stage;
    use std::path::Path;

    fn check_self(output: &str, expected: Option<&str>) {
        assert_eq!(
            self_library_name(Path::new(output)),
            expected.map(OsString::from),
            "{output}"
        );
    }

    #[test]
    fn self_library_names() {
        check_self("libcalc.so", Some("calc"));
        check_self("out/libcalc.so.1.2", Some("calc"));
        check_self("libcalc.sox", None);
        check_self("calc.so", None);
        check_self("libcalc.a", None);
    }

    #[test]
    fn decisions() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["liba.a", "libm.a", "libs.a", "libv.a", "libcalc.a"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let args = [
            "-shared",
            "-o",
            "libcalc.so",
            "-la",
            "-lm",
            "-lnone",
            "-lcalc",
            "-l:libv.a",
            "-l:libv.so",
            "-Wl,-Bstatic",
            "-ls",
            "-Wl,-Bdynamic",
        ];
        let cmd = classify(args.iter().map(OsString::from).collect()).unwrap();
        let mut search = SearchPath::new(&[], &[dir.path().to_path_buf()], None, None);
        let got: Vec<(Outcome, Reason)> = resolve(&cmd, &mut search)
            .into_iter()
            .map(|d| (d.outcome, d.reason))
            .collect();
        let embed = |f: &str| Outcome::Embed(dir.path().join(f));
        assert_eq!(
            got,
            [
                (embed("liba.a"), Reason::FirstArchive),
                (Outcome::Keep, Reason::RuntimeLibrary),
                (Outcome::Keep, Reason::NotFound),
                (Outcome::Drop, Reason::SelfReference),
                (embed("libv.a"), Reason::FirstArchive),
                (Outcome::Keep, Reason::NotAnArchiveName),
                (Outcome::Keep, Reason::StaticRegion),
            ]
        );
        let first = resolve(&cmd, &mut search).remove(0);
        assert_eq!(first.found.map(|f| f.stage), Some(Stage::LDir));
    }

    #[test]
    fn comma_paths_stay_out_of_wl() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("a,b");
        std::fs::create_dir(&odd).unwrap();
        std::fs::write(odd.join("libx.a"), "").unwrap();
        let cmd = classify(vec!["-shared".into(), "-Wl,-lx".into(), "-lx".into()]).unwrap();
        let mut search = SearchPath::new(&[], std::slice::from_ref(&odd), None, None);
        let got: Vec<Reason> = resolve(&cmd, &mut search)
            .into_iter()
            .map(|d| d.reason)
            .collect();
        assert_eq!(got, [Reason::CommaInPath, Reason::FirstArchive]);
    }
}

//! What kind of driver solink fronts, decided once from its name (cc-rs's
//! `ToolFamily`): the syntax its command line is in, whether it links the
//! C++ runtime by itself, whether it reads `@file`s. Every place that
//! asked the driver's file name a question of its own (the syntax, the
//! masquerade, the response file, the driver's own libraries, the plan's
//! implicit ones) asks this instead, so a new driver is one variant and
//! its arms here.
//!
//! Names only: a driver whose name lies (a `cc` that is clang) is taken for
//! gcc, which links the same way on Linux for everything solink reads.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::Syntax;

/// A driver's family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// gcc, cc, g++, c++, a cross `*-gcc`; `cxx` for a C++ driver.
    Gcc { cxx: bool },
    /// clang, clang++, and `zig cc`/`zig c++` (`zig`).
    Clang { cxx: bool, zig: bool },
    /// A linker called directly: ld, ld.bfd, ld.gold, ld.lld, lld, mold.
    Ld,
    /// NVIDIA's nvcc, which links with its host C++ compiler.
    Nvcc,
}

fn base(program: &OsStr) -> &[u8] {
    Path::new(program).file_name().map(OsStr::as_bytes).unwrap_or_default()
}

/// A C++ driver by its name: `g++`, `c++`, `clang++`, `g++-12`,
/// `x86_64-linux-gnu-g++`.
fn is_cxx(base: &[u8]) -> bool {
    base.windows(2).any(|w| w == b"++")
}

impl Family {
    /// The family of the driver solink runs, as its words name it (`gcc`,
    /// `/usr/bin/ld.lld`, `zig cc`).
    pub fn of_words(words: &[OsString]) -> Family {
        // A compiler launcher runs the words after it (`ccache g++`).
        let launcher = |w: &OsString| [&b"ccache"[..], b"sccache", b"distcc", b"icecc"].contains(&base(w));
        let words = match words.first() {
            Some(first) if launcher(first) && words.len() > 1 => &words[1..],
            _ => words,
        };
        match (words.first().map(|w| base(w)), words.get(1).map(|w| w.as_bytes())) {
            (Some(b"zig"), Some(sub @ (b"cc" | b"c++"))) => Family::Clang { cxx: sub == b"c++", zig: true },
            (Some(_), _) => Family::of_program(&words[0]),
            (None, _) => Family::Gcc { cxx: false },
        }
    }

    /// The family of one program, by its file name.
    pub fn of_program(program: &OsStr) -> Family {
        let b = base(program);
        let linker = b == b"ld"
            || b.starts_with(b"ld.")
            || b.ends_with(b"-ld")
            || b.windows(4).any(|w| w == b"-ld.")
            || b == b"mold"
            || b == b"lld";
        if linker {
            Family::Ld
        } else if b == b"nvcc" {
            Family::Nvcc
        } else if b.starts_with(b"clang") || b.windows(6).any(|w| w == b"-clang") {
            Family::Clang { cxx: is_cxx(b), zig: false }
        } else {
            Family::Gcc { cxx: is_cxx(b) }
        }
    }

    /// Whose command-line syntax its arguments are in.
    pub fn syntax(self) -> Syntax {
        match self {
            Family::Gcc { .. } | Family::Clang { .. } => Syntax::Gcc,
            Family::Ld => Syntax::Ld,
            Family::Nvcc => Syntax::Nvcc,
        }
    }

    /// Whether it links the C++ runtime (`-lstdc++ -lm`) by itself: a C++
    /// driver, and nvcc, whose host compiler is g++ unless `-ccbin` says.
    pub fn cxx(self) -> bool {
        match self {
            Family::Gcc { cxx } | Family::Clang { cxx, .. } => cxx,
            Family::Ld => false,
            Family::Nvcc => true,
        }
    }

    /// Whether it reads `@file` arguments (nvcc does not).
    pub fn reads_response_files(self) -> bool {
        self != Family::Nvcc
    }
}

/// The names a compiler may be run by through a link named after it
/// (`CC=gcc` as a symlink to solink): the masquerade, as ccache has it.
pub fn is_compiler_name(program: &OsStr) -> bool {
    let b = base(program);
    [&b"cc"[..], b"gcc", b"g++", b"c++", b"clang", b"clang++"].contains(&b)
        || b.ends_with(b"-gcc")
        || b.ends_with(b"-g++")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(words: &[&str]) -> Family {
        Family::of_words(&words.iter().map(OsString::from).collect::<Vec<_>>())
    }

    /// One line a name: the family, then what it answers.
    #[test]
    fn families_by_name() {
        use Family::*;
        let cases: &[(&[&str], Family, Syntax, bool)] = &[
            (&["gcc"], Gcc { cxx: false }, Syntax::Gcc, false),
            (&["cc"], Gcc { cxx: false }, Syntax::Gcc, false),
            (&["/usr/bin/g++-12"], Gcc { cxx: true }, Syntax::Gcc, true),
            (&["x86_64-linux-gnu-g++"], Gcc { cxx: true }, Syntax::Gcc, true),
            (&["c++"], Gcc { cxx: true }, Syntax::Gcc, true),
            (&["clang"], Clang { cxx: false, zig: false }, Syntax::Gcc, false),
            (&["clang++17"], Clang { cxx: true, zig: false }, Syntax::Gcc, true),
            (&["aarch64-linux-gnu-clang"], Clang { cxx: false, zig: false }, Syntax::Gcc, false),
            (&["zig", "cc"], Clang { cxx: false, zig: true }, Syntax::Gcc, false),
            (&["/opt/zig/zig", "c++"], Clang { cxx: true, zig: true }, Syntax::Gcc, true),
            (&["ld"], Ld, Syntax::Ld, false),
            (&["/usr/bin/ld.bfd"], Ld, Syntax::Ld, false),
            (&["ld.lld"], Ld, Syntax::Ld, false),
            (&["mold"], Ld, Syntax::Ld, false),
            (&["aarch64-linux-gnu-ld.bfd"], Ld, Syntax::Ld, false),
            (&["nvcc"], Nvcc, Syntax::Nvcc, true),
            (&["ccache", "gcc"], Gcc { cxx: false }, Syntax::Gcc, false),
            (&["ccache", "g++"], Gcc { cxx: true }, Syntax::Gcc, true),
            (&["ccache"], Gcc { cxx: false }, Syntax::Gcc, false),
            (&["ldd"], Gcc { cxx: false }, Syntax::Gcc, false),
            (&["old"], Gcc { cxx: false }, Syntax::Gcc, false),
        ];
        for (words, family, syntax, cxx) in cases {
            let f = of(words);
            assert_eq!((f, f.syntax(), f.cxx()), (*family, *syntax, *cxx), "{words:?}");
        }
        assert!(!of(&["nvcc"]).reads_response_files() && of(&["gcc"]).reads_response_files());
        for name in ["cc", "gcc", "g++", "c++", "clang", "clang++", "aarch64-linux-gnu-gcc", "/x/y-g++"] {
            assert!(is_compiler_name(OsStr::new(name)), "{name}");
        }
        for name in ["solink", "ld", "nvcc", "clang-14", "gcc-ar"] {
            assert!(!is_compiler_name(OsStr::new(name)), "{name}");
        }
    }
}

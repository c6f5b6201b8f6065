//! `.pc` files read the way pkgconf 1.8 reads them, and the answer
//! `pkgconf --static --libs NAME` gives, as a list of fragments.
//!
//! Every rule here is pkgconf's, cited by its source file in
//! `libpkgconf/` (tag `pkgconf-1.8.1`, the version Debian 12 ships):
//! `fileio.c` (lines, `\` continuations, `#` comments), `parser.c` (keys,
//! operators, values), `tuple.c` (variables and `${var}` expansion, the
//! sysroot), `argvsplit.c` (a value split into words), `fragment.c` (what a
//! word is, merging and de-duplication), `pkg.c` (the search, the walk of
//! `Requires`/`Requires.private`), `client.c`/`path.c` (the search
//! directories) and `cli/main.c` (the system `-L` filter). Where Debian's
//! pkgconf 1.8.1-1 binary behaves otherwise than that tag's source (a `.pc`
//! outside the sysroot), solink follows the binary: `tests/pkgconf.rs`
//! compares the two on every package of the machine. Where solink
//! departs from pkgconf it is to refuse instead of misbehaving: a file that
//! cannot be read, a value that would pass pkgconf's 64 KiB buffer (pkgconf
//! truncates it with a warning; forty doubling variables cost it nothing but
//! would cost a naive expander 2^40 bytes) or a graph too large to walk is a
//! typed [`PcError`], never a silent empty list.
//!
//! Everything is bytes: a `.pc` file is not UTF-8 and non-UTF-8 bytes
//! survive into the fragments.

use foldhash::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::env::Env;

/// pkgconf's `PKGCONF_BUFSIZE`: its line buffer and its expansion buffer.
/// pkgconf truncates an expansion at this size; solink refuses it.
const BUFSIZE: usize = 65535;
/// The largest `.pc` file read (the largest on a Debian machine is a few KiB).
pub const FILE_CAP: u64 = 1 << 20;
/// Nested expansions of one value (a stored value is expanded again each time
/// it is referenced, `tuple.c`; pkgconf has no bound and can overflow its stack).
const MAX_NESTING: usize = 64;
/// Bytes scanned by expansions while reading one file: bounds expansions
/// whose output stays small while the number of references doubles.
const MAX_WORK: usize = 8 << 20;
/// Packages visited in one walk. pkgconf walks a package once per path to it
/// (`pkg.c`, `pkgconf_pkg_walk_list` only stops cycles), so a graph of shared
/// dependencies can be exponential.
const MAX_VISITS: usize = 20_000;
/// pkgconf's default `--maximum-traverse-depth`.
const MAX_DEPTH: usize = 2000;

/// What went wrong, with the culprit. The caller reports it as a warning.
#[derive(Debug)]
pub enum PcError {
    /// The `.pc` file exists but cannot be read (not a regular file, too large, I/O).
    Read { path: PathBuf, source: io::Error },
    /// A field cannot be split into words (an open quote, a trailing `\`).
    Parse { path: PathBuf, line: usize, field: String },
    /// A file without `Name`, `Description` or `Version` (pkgconf skips it).
    Invalid { path: PathBuf, field: &'static str },
    /// A variable expands past pkgconf's 64 KiB buffer, or too deeply.
    Expansion { path: PathBuf, line: usize },
    /// A required package is not in the search path.
    Missing { package: OsString, required_by: Option<OsString> },
    /// A required package's version does not satisfy the requirement.
    Version { package: OsString, wanted: String, found: String },
    /// The `Requires` graph is too large to walk.
    TooManyVisits { package: OsString },
}

impl fmt::Display for PcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcError::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            PcError::Parse { path, line, field } => write!(
                f,
                "{}:{line}: the {field} field cannot be split into words (an unclosed quote or a trailing backslash)",
                path.display()
            ),
            PcError::Invalid { path, field } => write!(f, "{} has no {field} field", path.display()),
            PcError::Expansion { path, line } => write!(
                f,
                "{}:{line}: a variable expands past {} bytes or {MAX_NESTING} levels",
                path.display(),
                BUFSIZE - 1
            ),
            PcError::Missing { package, required_by: Some(by) } => write!(
                f,
                "package {}, required by {}, is not in the pkg-config search path",
                package.to_string_lossy(),
                by.to_string_lossy()
            ),
            PcError::Missing { package, required_by: None } => {
                write!(f, "package {} is not in the pkg-config search path", package.to_string_lossy())
            }
            PcError::Version { package, wanted, found } => write!(
                f,
                "package {} is version {found}; {wanted} is required",
                package.to_string_lossy()
            ),
            PcError::TooManyVisits { package } => write!(
                f,
                "the Requires graph of {} has more than {MAX_VISITS} paths; not walked",
                package.to_string_lossy()
            ),
        }
    }
}

impl std::error::Error for PcError {}

/// The pkgconf settings that come from the environment (`pkgconf(1)`,
/// ENVIRONMENT), with Debian's compiled-in defaults.
#[derive(Clone, Debug)]
pub struct Config {
    /// `PKG_CONFIG_PATH`: searched first.
    pub path: Vec<Vec<u8>>,
    /// `PKG_CONFIG_LIBDIR`: when set (even empty), replaces `default_dirs`.
    pub libdir: Option<Vec<Vec<u8>>>,
    /// The personality's search directories.
    pub default_dirs: Vec<Vec<u8>>,
    /// `PKG_CONFIG_SYSROOT_DIR`.
    pub sysroot: Option<Vec<u8>>,
    /// freedesktop pkg-config's sysroot rules (`PKG_CONFIG_FDO_SYSROOT_RULES`,
    /// or `DESTDIR` equal to the sysroot): variables are not prefixed.
    pub fdo_sysroot_rules: bool,
    /// `-L` directories pkgconf drops (`PKG_CONFIG_SYSTEM_LIBRARY_PATH` or the
    /// personality's, plus `LIBRARY_PATH`).
    pub system_libdirs: Vec<Vec<u8>>,
    /// `PKG_CONFIG_ALLOW_SYSTEM_LIBS`: keep them.
    pub keep_system_libs: bool,
    /// `PKG_CONFIG_DISABLE_UNINSTALLED`: ignore `NAME-uninstalled.pc`.
    pub no_uninstalled: bool,
    /// `PKG_CONFIG_TOP_BUILD_DIR`, the global `${pc_top_builddir}`.
    pub top_builddir: Vec<u8>,
}

/// Debian's multiarch triplet for this build's target, as its pkgconf
/// personality uses it (`pkgconf --dump-personality`).
fn triplet() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "aarch64-linux-gnu"
    } else if cfg!(target_arch = "x86") {
        "i386-linux-gnu"
    } else {
        "x86_64-linux-gnu"
    }
}

fn split_path(v: &OsStr) -> Vec<Vec<u8>> {
    // strtok(3): empty entries vanish (`path.c`, pkgconf_path_split).
    v.as_bytes().split(|&b| b == b':').filter(|s| !s.is_empty()).map(<[u8]>::to_vec).collect()
}

impl Default for Config {
    fn default() -> Config {
        let t = triplet();
        let default_dirs =
            [format!("/usr/lib/{t}/pkgconfig"), "/usr/lib/pkgconfig".into(), "/usr/share/pkgconfig".into()];
        let system_libdirs = [
            "/lib",
            "/lib/i386-linux-gnu",
            "/lib/x86_64-linux-gnu",
            "/lib/x86_64-linux-gnux32",
            "/lib32",
            "/libx32",
            "/usr/lib",
            "/usr/lib/i386-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnux32",
            "/usr/lib32",
            "/usr/libx32",
        ];
        let mut system_libdirs: Vec<Vec<u8>> = system_libdirs.iter().map(|s| s.as_bytes().to_vec()).collect();
        for extra in [format!("/lib/{t}"), format!("/usr/lib/{t}")] {
            if !system_libdirs.contains(&extra.as_bytes().to_vec()) {
                system_libdirs.push(extra.into_bytes());
            }
        }
        Config {
            path: Vec::new(),
            libdir: None,
            default_dirs: default_dirs.into_iter().map(String::into_bytes).collect(),
            sysroot: None,
            fdo_sysroot_rules: false,
            system_libdirs,
            keep_system_libs: false,
            no_uninstalled: false,
            top_builddir: b"$(top_builddir)".to_vec(),
        }
    }
}

impl Config {
    /// The settings pkgconf would take from `env` (`cli/main.c`, `client.c`).
    pub fn from_env(env: &Env) -> Config {
        let mut c = Config::default();
        if let Some(v) = env.get("PKG_CONFIG_PATH") {
            c.path = split_path(v);
        }
        c.libdir = env.get("PKG_CONFIG_LIBDIR").map(split_path);
        c.sysroot = env.get("PKG_CONFIG_SYSROOT_DIR").map(|v| v.as_bytes().to_vec());
        c.fdo_sysroot_rules = env.get("PKG_CONFIG_FDO_SYSROOT_RULES").is_some()
            || (c.sysroot.is_some() && env.get("DESTDIR").map(|d| d.as_bytes()) == c.sysroot.as_deref());
        if let Some(v) = env.get("PKG_CONFIG_SYSTEM_LIBRARY_PATH") {
            c.system_libdirs = split_path(v);
        }
        if let Some(v) = env.get("LIBRARY_PATH") {
            c.system_libdirs.extend(split_path(v));
        }
        c.keep_system_libs = env.get("PKG_CONFIG_ALLOW_SYSTEM_LIBS").is_some();
        c.no_uninstalled = env.get("PKG_CONFIG_DISABLE_UNINSTALLED").is_some();
        if let Some(v) = env.get("PKG_CONFIG_TOP_BUILD_DIR") {
            c.top_builddir = v.as_bytes().to_vec();
        }
        c
    }

    /// The directories searched, in order (`client.c`,
    /// pkgconf_client_dir_list_build): `PKG_CONFIG_PATH`, then
    /// `PKG_CONFIG_LIBDIR` or the defaults. Entries of the two variables that
    /// do not exist are dropped and a directory already listed (same inode)
    /// is not listed twice (`path.c`, pkgconf_path_add); the defaults are
    /// copied as they are.
    pub fn search_dirs(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        let mut ids: Vec<(u64, u64)> = Vec::new();
        let mut add_filtered = |p: &[u8], out: &mut Vec<PathBuf>| {
            use std::os::unix::fs::MetadataExt;
            let p = PathBuf::from(OsStr::from_bytes(&normpath(p)));
            let Ok(meta) = crate::fsx::metadata(&p) else { return };
            let id = (meta.dev(), meta.ino());
            if ids.contains(&id) || out.contains(&p) {
                return;
            }
            ids.push(id);
            out.push(p);
        };
        for p in &self.path {
            add_filtered(p, &mut out);
        }
        match &self.libdir {
            Some(libdir) => {
                let mut own = Vec::new();
                for p in libdir {
                    add_filtered(p, &mut own);
                }
                out.extend(own);
            }
            None => out.extend(self.default_dirs.iter().map(|d| PathBuf::from(OsStr::from_bytes(d)))),
        }
        out
    }
}

/// One fragment of a `Libs` value, as pkgconf keeps it (`fragment.c`): a
/// typed one (`-L`, `-l`, `-f`, ...: `kind` is the letter, `data` the rest)
/// or a special one (`-pthread`, `-Wl,...`, a path: `kind` is `None`). pkgconf
/// merges a special word into the special fragment before it, so one
/// fragment can hold several words (`merged`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    pub kind: Option<u8>,
    pub data: Vec<u8>,
    pub merged: bool,
}

/// What one word of a fragment asks of the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// `-LDIR`
    LibDir(PathBuf),
    /// `-lNAME`
    Lib(OsString),
    /// `-l:FILE`
    LibFile(OsString),
    /// `-Wl,a,b`: the linker arguments `a`, `b` (e.g. `-wrap`, `pthread_create`).
    Linker(Vec<OsString>),
    /// `-pthread`
    Pthread,
    /// `-fopenmp`
    OpenMp,
    /// Anything else, as the driver would get it.
    Other(OsString),
}

impl Fragment {
    fn typed(kind: u8, data: Vec<u8>) -> Fragment {
        Fragment { kind: Some(kind), data, merged: false }
    }

    fn special(data: Vec<u8>) -> Fragment {
        Fragment { kind: None, data, merged: false }
    }

    /// The text pkgconf prints for it (`fragment.c`, fragment_quote: shell
    /// metacharacters and every byte outside printable ASCII get a `\`; the
    /// comparisons are on a signed `char`).
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        if let Some(k) = self.kind {
            out.extend([b'-', k]);
        }
        let m = if self.merged { 1 } else { 0 };
        for &b in &self.data {
            let c = b as i8;
            let ch = |x: u8| x as i8;
            let esc = c < ch(b' ')
                || (c >= ch(b' ') + m && c < ch(b'$'))
                || (c > ch(b'$') && c < ch(b'('))
                || (c > ch(b')') && c < ch(b'+'))
                || (c > ch(b':') && c < ch(b'='))
                || (c > ch(b'=') && c < ch(b'@'))
                || (c > ch(b'Z') && c < ch(b'\\'))
                || c == ch(b'\\')
                || (c > ch(b'\\') && c < ch(b'^'))
                || c == ch(b'`')
                || (c > ch(b'z') && c < ch(b'~'))
                || c > ch(b'~');
            if esc {
                out.push(b'\\');
            }
            out.push(b);
        }
        out
    }

    /// The words it puts on a command line.
    pub fn words(&self) -> Vec<OsString> {
        let os = |v: Vec<u8>| OsString::from_vec(v);
        match self.kind {
            Some(k) => {
                let mut w = vec![b'-', k];
                w.extend_from_slice(&self.data);
                vec![os(w)]
            }
            None if self.merged => self.data.split(|&b| b == b' ').map(|w| os(w.to_vec())).collect(),
            None => vec![os(self.data.clone())],
        }
    }

    /// What each word means to the link.
    pub fn meanings(&self) -> Vec<Meaning> {
        self.words().into_iter().map(meaning).collect()
    }
}

fn meaning(word: OsString) -> Meaning {
    let b = word.as_bytes();
    let os = |v: &[u8]| OsString::from_vec(v.to_vec());
    if let Some(dir) = b.strip_prefix(b"-L") {
        Meaning::LibDir(PathBuf::from(os(dir)))
    } else if let Some(file) = b.strip_prefix(b"-l:") {
        Meaning::LibFile(os(file))
    } else if let Some(name) = b.strip_prefix(b"-l") {
        Meaning::Lib(os(name))
    } else if let Some(args) = b.strip_prefix(b"-Wl,") {
        Meaning::Linker(args.split(|&c| c == b',').map(os).collect())
    } else if b == b"-pthread" {
        Meaning::Pthread
    } else if b == b"-fopenmp" {
        Meaning::OpenMp
    } else {
        Meaning::Other(word)
    }
}

/// The text of a list of fragments as pkgconf prints it (each followed by a
/// space, `fragment.c`, fragment_render_buf).
pub fn render(frags: &[Fragment]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in frags {
        out.extend(f.render());
        out.push(b' ');
    }
    out
}

/// A parsed `.pc` file: what `--static --libs` needs of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Package {
    pub path: PathBuf,
    pub name: Option<Vec<u8>>,
    pub version: Option<Vec<u8>>,
    pub description: Option<Vec<u8>>,
    pub libs: Vec<Fragment>,
    pub libs_private: Vec<Fragment>,
    /// `Requires`.
    pub requires: Vec<Requirement>,
    /// `Requires.private` and `Requires.internal`.
    pub requires_private: Vec<Requirement>,
    /// `Provides`, and the package itself (`= Version`), which pkgconf
    /// consults when no `.pc` has a required name.
    pub provides: Vec<Requirement>,
    /// The variables, expanded.
    pub vars: HashMap<Vec<u8>, Vec<u8>>,
}

fn is_space(b: u8) -> bool {
    // C's isspace in the "C" locale.
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The logical lines of a file (`fileio.c`, pkgconf_fgetline): `\` before a
/// newline joins lines (and eats the next line's leading blanks), `\#` is a
/// literal `#`, an unescaped `#` ends the line, `\r\n` and `\r` end lines.
/// A line longer than pkgconf's buffer is cut where pkgconf cuts it.
fn logical_lines(data: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut i = 0;
    let n = data.len();
    let limit = BUFSIZE - 2;
    loop {
        let mut line = Vec::new();
        let mut quoted = false;
        let mut hit_eof = false;
        loop {
            if line.len() >= limit {
                break;
            }
            let Some(&c) = data.get(i) else {
                hit_eof = true;
                break;
            };
            i += 1;
            match c {
                b'\\' if !quoted => quoted = true,
                b'#' if !quoted => {
                    while i < n && data[i] != b'\n' {
                        i += 1;
                    }
                    if i < n {
                        i += 1;
                        line.push(b'\n');
                    } else {
                        // pkgconf stores the EOF it read as a char: 0xFF.
                        line.push(0xff);
                    }
                    break;
                }
                b'#' => {
                    line.push(b'#');
                    quoted = false;
                }
                b'\n' if quoted => {
                    while i < n && (data[i] == b' ' || data[i] == b'\t') {
                        i += 1;
                    }
                    quoted = false;
                }
                b'\n' => {
                    line.push(b'\n');
                    break;
                }
                b'\r' => {
                    line.push(b'\n');
                    if data.get(i) == Some(&b'\n') {
                        i += 1;
                    }
                    if quoted {
                        quoted = false;
                        continue;
                    }
                    break;
                }
                _ => {
                    if quoted {
                        line.push(b'\\');
                        quoted = false;
                    }
                    line.push(c);
                }
            }
        }
        if hit_eof && line.is_empty() {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        lines.push(line);
    }
    lines
}

/// One parsed line: key, operator, value (`parser.c`, pkgconf_parser_parse).
fn split_line(line: &[u8]) -> Option<(&[u8], u8, &[u8])> {
    let mut p = 0;
    while p < line.len() && is_space(line[p]) {
        p += 1;
    }
    let key_start = p;
    while p < line.len() && (line[p].is_ascii_alphanumeric() || line[p] == b'_' || line[p] == b'.') {
        p += 1;
    }
    let key = &line[key_start..p];
    // pkgconf's test, as written: a key must start with a letter unless a
    // digit follows it.
    let first_alpha = key.first().is_some_and(u8::is_ascii_alphabetic);
    let next_digit = line.get(p).is_some_and(u8::is_ascii_digit);
    if !first_alpha && !next_digit {
        return None;
    }
    while p < line.len() && is_space(line[p]) {
        p += 1;
    }
    let op = *line.get(p)?;
    p += 1;
    while p < line.len() && is_space(line[p]) {
        p += 1;
    }
    let mut end = line.len();
    while end > p + 1 && is_space(line[end - 1]) {
        end -= 1;
    }
    Some((key, op, &line[p.min(end)..end]))
}

/// `tuple.c`, dequote: a value that starts with a quote loses every such
/// quote; `\` before one keeps it.
fn dequote(value: &[u8]) -> Vec<u8> {
    let quote = match value.first() {
        Some(&q @ (b'\'' | b'"')) => Some(q),
        _ => None,
    };
    let Some(q) = quote else { return value.to_vec() };
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'\\' && value.get(i + 1) == Some(&q) {
            out.push(q);
            i += 2;
            continue;
        }
        if value[i] != q {
            out.push(value[i]);
        }
        i += 1;
    }
    out
}

/// `path.c`, normpath: runs of `/` become one.
fn normpath(p: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len());
    for &b in p {
        if b == b'/' && out.last() == Some(&b'/') {
            continue;
        }
        out.push(b);
    }
    out
}

/// `argvsplit.c`, pkgconf_argv_split: shell-like words; `None` for an
/// unclosed quote or a trailing backslash.
fn argv_split(src: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut words = Vec::new();
    let mut cur = Vec::new();
    let mut quote = 0u8;
    let mut escaped = false;
    for &c in src {
        if escaped {
            // POSIX: inside double quotes only \$ \` \" \\ are escapes.
            if quote == b'"' && !matches!(c, b'$' | b'`' | b'"' | b'\\') {
                cur.push(b'\\');
            }
            cur.push(c);
            escaped = false;
        } else if quote != 0 {
            if c == quote {
                quote = 0;
            } else if c == b'\\' && quote != b'\'' {
                escaped = true;
            } else {
                cur.push(c);
            }
        } else if is_space(c) {
            words.push(std::mem::take(&mut cur));
        } else {
            match c {
                b'\\' => escaped = true,
                b'"' | b'\'' => quote = c,
                _ => cur.push(c),
            }
        }
    }
    if escaped || quote != 0 {
        return None;
    }
    words.push(cur);
    // pkgconf adds an empty word for each extra blank; fragment_add ignores them.
    words.retain(|w| !w.is_empty());
    Some(words)
}

/// `fragment.c`: options pkgconf never merges or splits from their argument.
fn is_unmergeable(s: &[u8]) -> bool {
    const CHECK: [&[u8]; 16] = [
        b"-framework",
        b"-isystem",
        b"-idirafter",
        b"-pthread",
        b"-Wa,",
        b"-Wl,",
        b"-Wp,",
        b"-trigraphs",
        b"-pedantic",
        b"-ansi",
        b"-std=",
        b"-stdlib=",
        b"-include",
        b"-nostdinc",
        b"-nostdlibinc",
        b"-nobuiltininc",
    ];
    s.first() != Some(&b'-') || CHECK.iter().any(|c| s.starts_with(c))
}

fn is_special(s: &[u8]) -> bool {
    s.first() != Some(&b'-') || s.starts_with(b"-lib:") || is_unmergeable(s)
}

/// The state pkgconf's client keeps while it reads files: the sysroot and
/// the global variables.
struct Client<'c> {
    config: &'c Config,
    sysroot: Option<Vec<u8>>,
}

impl Client<'_> {
    fn sysrootdir(&self) -> &[u8] {
        self.sysroot.as_deref().unwrap_or(b"/")
    }

    fn global(&self, name: &[u8]) -> Option<Vec<u8>> {
        match name {
            b"pc_sysrootdir" => Some(self.sysrootdir().to_vec()),
            b"pc_top_builddir" => Some(self.config.top_builddir.clone()),
            _ => None,
        }
    }

    /// `fragment.c`, pkgconf_fragment_munge: a path outside the sysroot gets
    /// it prefixed; a path is cleaned of repeated slashes.
    fn munge(&self, source: &[u8]) -> Vec<u8> {
        let sysroot = self.sysrootdir();
        let mut buf = Vec::new();
        if source.first() == Some(&b'/') && !source.starts_with(sysroot) {
            buf.extend_from_slice(sysroot);
        }
        buf.extend_from_slice(source);
        if buf.first() == Some(&b'/') {
            buf = normpath(&buf);
        }
        buf
    }
}

/// Expansion of `${var}` for one file (`tuple.c`, pkgconf_tuple_parse).
struct Expander<'a, 'c> {
    client: &'a Client<'c>,
    work: usize,
}

struct Overflow;

impl Expander<'_, '_> {
    fn expand(
        &mut self,
        vars: &HashMap<Vec<u8>, Vec<u8>>,
        value: &[u8],
        depth: usize,
    ) -> Result<Vec<u8>, Overflow> {
        self.work += value.len() + 1;
        if depth > MAX_NESTING || self.work > MAX_WORK {
            return Err(Overflow);
        }
        let cfg = self.client.config;
        let sysroot = self.client.sysroot.as_deref();
        let mut buf = Vec::new();
        if !cfg.fdo_sysroot_rules {
            if let Some(s) = sysroot {
                if value.first() == Some(&b'/') && !value.starts_with(s) {
                    buf.extend_from_slice(s);
                }
            }
        }
        let mut i = 0;
        while i < value.len() {
            if value[i] == b'$' && value.get(i + 1) == Some(&b'{') {
                let start = i + 2;
                let end = value[start..].iter().position(|&b| b == b'}').map_or(value.len(), |p| start + p);
                let name = &value[start..end];
                if let Some(g) = self.client.global(name) {
                    buf.extend_from_slice(&g);
                } else if let Some(v) = vars.get(name) {
                    // A stored value is already expanded, and is expanded again.
                    let v = self.expand(vars, v, depth + 1)?;
                    buf.extend_from_slice(&v);
                }
                i = end + 1;
            } else {
                buf.push(value[i]);
                i += 1;
            }
            if buf.len() >= BUFSIZE {
                // pkgconf truncates here ("truncating very long variable to 64KB").
                return Err(Overflow);
            }
        }
        // A sysroot prefixed twice (freedesktop's rules in the file, pkgconf's
        // in the expansion) is removed once.
        if let Some(s) = sysroot {
            if buf.first() == Some(&b'/')
                && s != b"/"
                && buf.len() > s.len()
                && buf[s.len()..].windows(s.len().max(1)).any(|w| w == s)
            {
                return Ok(normpath(&buf[s.len()..]));
            }
        }
        Ok(buf)
    }
}

/// `fragment.c`, pkgconf_fragment_add: one word of a field into `list`.
fn fragment_add(client: &Client, list: &mut FragList, word: &[u8]) {
    if word.is_empty() {
        return;
    }
    if word.len() > 1 && !is_special(word) {
        list.push(Fragment::typed(word[1], client.munge(&word[2..])));
        return;
    }
    if let Some(parent) = list.items.last() {
        if parent.kind.is_none() && is_unmergeable(&parent.data) {
            let mut parent = list.pop();
            parent.data.push(b' ');
            parent.data.extend(client.munge(word));
            parent.merged = true;
            fragment_copy(list, parent, false);
            return;
        }
    }
    list.push(Fragment::special(word.to_vec()));
}

/// A fragment list with a count of each fragment's fingerprint, so that the
/// look-ups pkgconf does by scanning the list cost nothing when the answer
/// is "absent" (a hostile `.pc` with 300,000 words would otherwise be
/// quadratic). The fingerprint is O(1) to take, even for a merged fragment
/// that grows with every word.
#[derive(Default)]
struct FragList {
    items: Vec<Fragment>,
    count: HashMap<Fingerprint, usize>,
}

type Fingerprint = (Option<u8>, usize, Vec<u8>, Vec<u8>);

fn fingerprint(f: &Fragment) -> Fingerprint {
    let n = f.data.len();
    (f.kind, n, f.data[..n.min(32)].to_vec(), f.data[n.saturating_sub(32)..].to_vec())
}

impl FragList {
    fn push(&mut self, f: Fragment) {
        *self.count.entry(fingerprint(&f)).or_default() += 1;
        self.items.push(f);
    }

    fn forget(&mut self, f: &Fragment) {
        let key = fingerprint(f);
        if let Some(n) = self.count.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.count.remove(&key);
            }
        }
    }

    fn pop(&mut self) -> Fragment {
        let f = self.items.pop().expect("a last element");
        self.forget(&f);
        f
    }

    fn remove(&mut self, at: usize) {
        let f = self.items.remove(at);
        self.forget(&f);
    }

    /// `fragment.c`, pkgconf_fragment_lookup: the last equal fragment.
    fn lookup(&self, base: &Fragment) -> Option<usize> {
        if !self.count.contains_key(&fingerprint(base)) {
            return None;
        }
        self.items.iter().rposition(|f| f.kind == base.kind && f.data == base.data)
    }
}

/// `fragment.c`, pkgconf_fragment_copy: appends `base`, de-duplicating as
/// pkgconf does. A public `-l` (and anything but `-L`/`-I`/`-F`) that is
/// already present moves to the end (the earlier one is deleted when it sits
/// after a `-l`/`-L`/`-I` or a fragment of its kind); a public `-L`/`-I`/`-F`
/// already present is not added again; private fragments are always added.
fn fragment_copy(list: &mut FragList, base: Fragment, private: bool) {
    let can_merge_back = match base.kind {
        Some(b'l') => !private,
        Some(b'F' | b'L' | b'I') => false,
        _ => true,
    };
    let exists =
        if can_merge_back && !private && is_unmergeable(&base.data) { list.lookup(&base) } else { None };
    if let Some(at) = exists {
        let items = &list.items;
        let should_merge = match at.checked_sub(1).map(|p| &items[p]) {
            None => true,
            Some(parent) => match parent.kind {
                Some(b'l' | b'L' | b'I') => true,
                _ => items[at].kind.is_none() || parent.kind == items[at].kind,
            },
        };
        if should_merge {
            list.remove(at);
        }
    } else if !private && !can_merge_back && list.lookup(&base).is_some() {
        return;
    }
    list.push(base);
}

/// A version comparison in `Requires` (`pkg.c`, pkgconf_pkg_comparator_names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Any,
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Cmp {
    /// An unknown operator compares as "any", as in pkgconf.
    fn from_name(name: &[u8]) -> Cmp {
        match name {
            b"<" => Cmp::Lt,
            b"<=" => Cmp::Le,
            b"=" => Cmp::Eq,
            b"!=" => Cmp::Ne,
            b">=" => Cmp::Ge,
            b">" => Cmp::Gt,
            _ => Cmp::Any,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Cmp::Any => "(any)",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "=",
            Cmp::Ne => "!=",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
        }
    }

    /// Whether a package of version `have` satisfies `self want`.
    fn holds(self, have: Option<&[u8]>, want: Option<&[u8]>) -> bool {
        let c = || compare_versions(have, want);
        match self {
            Cmp::Any => true,
            Cmp::Lt => c() < 0,
            Cmp::Le => c() <= 0,
            Cmp::Eq => c() == 0,
            Cmp::Ne => c() != 0,
            Cmp::Ge => c() >= 0,
            Cmp::Gt => c() > 0,
        }
    }
}

/// One package a `Requires` field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub name: Vec<u8>,
    pub cmp: Cmp,
    pub version: Option<Vec<u8>>,
    /// From `Requires.internal`.
    pub internal: bool,
}

/// `pkg.c`, pkgconf_compare_version: rpm's version comparison (runs of
/// digits compare as numbers, runs of letters as strings, `~` sorts first).
// Long on purpose: rpmvercmp as pkgconf has it, kept in its shape so the two can be compared line by line.
fn compare_versions(a: Option<&[u8]>, b: Option<&[u8]>) -> i32 {
    let (Some(a), Some(b)) = (a, b) else {
        return if a.is_none() { -1 } else { 1 };
    };
    let cut = |v: &[u8]| v[..v.iter().position(|&c| c == 0).unwrap_or(v.len())].to_vec();
    let (a, b) = (cut(a), cut(b));
    if a.eq_ignore_ascii_case(&b) {
        return 0;
    }
    let (mut i, mut j) = (0, 0);
    let at = |v: &[u8], k: usize| v.get(k).copied().unwrap_or(0);
    while at(&a, i) != 0 || at(&b, j) != 0 {
        while at(&a, i) != 0 && !at(&a, i).is_ascii_alphanumeric() && at(&a, i) != b'~' {
            i += 1;
        }
        while at(&b, j) != 0 && !at(&b, j).is_ascii_alphanumeric() && at(&b, j) != b'~' {
            j += 1;
        }
        if at(&a, i) == b'~' || at(&b, j) == b'~' {
            if at(&a, i) != b'~' {
                return 1;
            }
            if at(&b, j) != b'~' {
                return -1;
            }
            i += 1;
            j += 1;
            continue;
        }
        if at(&a, i) == 0 || at(&b, j) == 0 {
            break;
        }
        let isnum = at(&a, i).is_ascii_digit();
        let class = |c: u8| if isnum { c.is_ascii_digit() } else { c.is_ascii_alphabetic() };
        let (mut ei, mut ej) = (i, j);
        while at(&a, ei) != 0 && class(at(&a, ei)) {
            ei += 1;
        }
        while at(&b, ej) != 0 && class(at(&b, ej)) {
            ej += 1;
        }
        if ej == j {
            return if isnum { 1 } else { -1 };
        }
        let (mut one, mut two) = (&a[i..ei], &b[j..ej]);
        if isnum {
            while one.first() == Some(&b'0') {
                one = &one[1..];
            }
            while two.first() == Some(&b'0') {
                two = &two[1..];
            }
            if one.len() != two.len() {
                return if one.len() > two.len() { 1 } else { -1 };
            }
        }
        match one.cmp(two) {
            std::cmp::Ordering::Less => return -1,
            std::cmp::Ordering::Greater => return 1,
            std::cmp::Ordering::Equal => {}
        }
        i = ei;
        j = ej;
    }
    match (at(&a, i), at(&b, j)) {
        (0, 0) => 0,
        (0, _) => -1,
        _ => 1,
    }
}

/// `pkg.c`, pkgconf_pkg_scan_provides_vercmp and its table of rules: whether
/// a provider (`Provides: name OP version`) satisfies a requirement. pkgconf's
/// table is kept as it is, including that a `Provides` entry without a version
/// satisfies nothing.
fn provides_match(dep: &Requirement, provider: &Requirement) -> bool {
    use Cmp::*;
    let (d, p) = (dep.cmp, provider.cmp);
    // None in the table: no check; Some(Any) stands for comparator_none.
    let rule = match (d, p) {
        (_, Any) => Some(None),
        (Lt | Gt | Le | Ge | Eq, Lt | Gt | Le | Ge) => Some(Some(p)),
        (Eq, Eq | Ne) => Some(Some(p)),
        (Ne, Lt) => Some(Some(Ge)),
        (Ne, Gt) => Some(Some(Le)),
        (Ne, Le) => Some(Some(Gt)),
        (Ne, Ge) => Some(Some(Lt)),
        (Ne, Eq) => Some(Some(Ne)),
        (Ne, Ne) => Some(Some(Eq)),
        _ => None,
    };
    let depcmp = match (d, p) {
        (Any | Eq | Ne, Any) => Some(None),
        (Lt, Gt | Ge | Eq) => Some(Some(Lt)),
        (Lt, Ne) => Some(Some(Ge)),
        (Gt, Lt | Le | Eq) => Some(Some(Gt)),
        (Gt, Ne) => Some(Some(Le)),
        (Le, Gt | Ge | Eq) => Some(Some(Le)),
        (Le, Ne) => Some(Some(Gt)),
        (Ge, Lt | Le | Eq) => Some(Some(Ge)),
        (Ge, Ne) => Some(Some(Lt)),
        _ => None,
    };
    let check = |f: Option<Cmp>, a: Option<&[u8]>, b: Option<&[u8]>| f.is_some_and(|c| c.holds(a, b));
    let (dv, pv) = (dep.version.as_deref(), provider.version.as_deref());
    if let Some(f) = depcmp {
        if !check(f, pv, dv) {
            return false;
        }
    }
    if let Some(f) = rule {
        if !check(f, dv, pv) {
            return false;
        }
    }
    true
}

/// `dependency.c`, add_or_replace_dependency_node: of a package named in
/// both `Requires.private` and `Requires.internal`, the plain one is kept.
fn add_requirement(list: &mut Vec<Requirement>, req: Requirement) {
    if let Some(at) = list.iter().position(|r| r.name == req.name && r.internal != req.internal) {
        if req.internal {
            return;
        }
        list.remove(at);
    }
    list.push(req);
}

/// `dependency.c`, pkgconf_dependency_parse_str, state for state: the
/// packages of a `Requires` value (`a >= 1.0, b c`). Its quirks are kept: an
/// operator must follow a blank (`a>=1` is a package named `a>=1`), the
/// character right after an operator is skipped, and a trailing operator
/// with no version drops the package.
// Long on purpose: pkgconf's Requires state machine (dependency.c), kept in its shape to compare.
fn parse_requires(value: &[u8], internal: bool, list: &mut Vec<Requirement>) {
    #[derive(PartialEq)]
    enum State {
        Outside,
        Name,
        BeforeOp,
        InOp,
        AfterOp,
        Version,
    }
    let is_sep = |b: u8| b == b',' || is_space(b);
    let is_op = |b: u8| matches!(b, b'<' | b'>' | b'!' | b'=');
    let mut buf = value[..value.iter().position(|&c| c == 0).unwrap_or(value.len())].to_vec();
    buf.push(b' ');
    let n = buf.len();
    let mut state = State::Outside;
    let mut cmp = Cmp::Any;
    let mut cmpname = Vec::new();
    let mut start = 0;
    let mut package = 0..0;
    let mut vstart = 0;
    let mut ptr = 0;
    while ptr < n {
        let c = buf[ptr];
        match state {
            State::Outside => {
                if !is_sep(c) {
                    state = State::Name;
                }
            }
            State::Name => {
                if is_space(c) {
                    let mut k = ptr;
                    while k < n && is_space(buf[k]) {
                        k += 1;
                    }
                    state = if k < n && !is_sep(buf[k]) && is_op(buf[k]) {
                        State::BeforeOp
                    } else {
                        State::Outside
                    };
                } else if is_sep(c) {
                    state = State::Outside;
                } else if ptr + 1 == n {
                    ptr += 1;
                    state = State::Outside;
                }
                if state != State::Name && start != ptr {
                    let mut k = start;
                    while k < ptr && is_sep(buf[k]) {
                        k += 1;
                    }
                    package = k..ptr;
                    start = ptr;
                }
                if state == State::Outside {
                    let name = buf[package.clone()].to_vec();
                    add_requirement(list, Requirement { name, cmp, version: None, internal });
                    cmp = Cmp::Any;
                    package = 0..0;
                }
            }
            State::BeforeOp => {
                if is_op(c) {
                    state = State::InOp;
                    cmpname.push(c);
                }
            }
            State::InOp => {
                if !is_op(c) {
                    state = State::AfterOp;
                    cmp = Cmp::from_name(&cmpname);
                } else {
                    cmpname.push(c);
                }
            }
            State::AfterOp => {
                if !is_space(c) {
                    vstart = ptr;
                    state = State::Version;
                }
            }
            State::Version => {
                if is_sep(c) || ptr + 1 == n {
                    let version = Some(buf[vstart..ptr].to_vec()).filter(|v| !v.is_empty());
                    let name = buf[package.clone()].to_vec();
                    add_requirement(list, Requirement { name, cmp, version, internal });
                    state = State::Outside;
                    cmp = Cmp::Any;
                    cmpname.clear();
                    package = 0..0;
                    start = ptr;
                }
            }
        }
        ptr += 1;
    }
}

/// Parses the text of a `.pc` file found at `path` (`pkg.c`,
/// pkgconf_pkg_new_from_file) with the default configuration. For tests and
/// fuzzing.
pub fn parse(data: &[u8], path: &Path, config: &Config) -> Result<Package, PcError> {
    let client = Client { config, sysroot: config.sysroot.clone() };
    parse_with(&client, data, path)
}

// Long on purpose: pkgconf's parser.c loop over logical lines, kept in its shape to compare.

fn parse_with(client: &Client, data: &[u8], path: &Path) -> Result<Package, PcError> {
    let mut pkg = Package { path: path.to_path_buf(), ..Package::default() };
    let dir = path.parent().map_or(&b""[..], |d| d.as_os_str().as_bytes());
    // `pcfiledir`, with spaces escaped (pkg.c, convert_path_to_value) and
    // expanded like any variable.
    let mut filedir = Vec::new();
    for &b in dir {
        if b == b' ' {
            filedir.push(b'\\');
        }
        filedir.push(b);
    }
    let expansion = |line: usize| PcError::Expansion { path: path.to_path_buf(), line };
    let v =
        Expander { client, work: 0 }.expand(&HashMap::default(), &filedir, 0).map_err(|_| expansion(0))?;
    pkg.vars.insert(b"pcfiledir".to_vec(), v);
    // The 1.8.1 tag turns the sysroot off for a file outside it (pkgconf
    // issue 213), but Debian's pkgconf 1.8.1-1 does not: it only defines a
    // package-local `pc_sysrootdir` that the global one shadows. solink
    // follows the binary (tests/pkgconf.rs checks it with a .pc outside the
    // sysroot on PKG_CONFIG_PATH).
    let mut ex = Expander { client, work: 0 };
    let mut libs = FragList::default();
    let mut libs_private = FragList::default();
    for (lineno, line) in logical_lines(data).iter().enumerate() {
        let lineno = lineno + 1;
        // pkgconf keeps the line as a C string: a NUL byte ends it.
        let line = &line[..line.iter().position(|&b| b == 0).unwrap_or(line.len())];
        let Some((key, op, value)) = split_line(line) else { continue };
        match op {
            b'=' => {
                pkg.vars.remove(key);
                let v = ex.expand(&pkg.vars, &dequote(value), 0).map_err(|_| expansion(lineno))?;
                pkg.vars.insert(key.to_vec(), v);
            }
            b':' => {
                let field = key.to_ascii_lowercase();
                let expanded =
                    |ex: &mut Expander| ex.expand(&pkg.vars, value, 0).map_err(|_| expansion(lineno));
                match &field[..] {
                    b"name" => pkg.name = Some(expanded(&mut ex)?),
                    b"version" => pkg.version = Some(expanded(&mut ex)?),
                    b"description" => pkg.description = Some(expanded(&mut ex)?),
                    b"libs" | b"libs.private" => {
                        let text = expanded(&mut ex)?;
                        let words = argv_split(&text).ok_or_else(|| PcError::Parse {
                            path: path.to_path_buf(),
                            line: lineno,
                            field: String::from_utf8_lossy(key).into_owned(),
                        })?;
                        let list = if field == b"libs" { &mut libs } else { &mut libs_private };
                        for w in words {
                            fragment_add(client, list, &w);
                        }
                    }
                    b"requires" => parse_requires(&expanded(&mut ex)?, false, &mut pkg.requires),
                    b"requires.private" => {
                        parse_requires(&expanded(&mut ex)?, false, &mut pkg.requires_private)
                    }
                    b"requires.internal" => {
                        parse_requires(&expanded(&mut ex)?, true, &mut pkg.requires_private)
                    }
                    b"provides" => parse_requires(&expanded(&mut ex)?, false, &mut pkg.provides),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    pkg.libs = libs.items;
    pkg.libs_private = libs_private.items;
    // pkg.c, pkgconf_pkg_validate.
    for (field, value) in [("Name", &pkg.name), ("Description", &pkg.description), ("Version", &pkg.version)]
    {
        if value.is_none() {
            return Err(PcError::Invalid { path: path.to_path_buf(), field });
        }
    }
    // The module id: the file name up to its last dot.
    let file = path.file_name().map_or(&b""[..], |f| f.as_bytes());
    let id = file[..file.iter().rposition(|&b| b == b'.').unwrap_or(file.len())].to_vec();
    add_requirement(
        &mut pkg.provides,
        Requirement { name: id, cmp: Cmp::Eq, version: pkg.version.clone(), internal: false },
    );
    Ok(pkg)
}

/// One `pkgconf` run: the packages it has read, by name.
struct Walk<'c> {
    client: Client<'c>,
    dirs: Vec<PathBuf>,
    cache: HashMap<Vec<u8>, Option<Rc<Package>>>,
    visits: usize,
    /// pkgconf's `PKGCONF_PKG_PKGF_ITER_PKG_IS_PRIVATE`: a client-wide flag,
    /// set while a `Requires.private` list is walked and cleared after it,
    /// even inside an outer private walk.
    iter_private: bool,
    root: OsString,
}

impl Walk<'_> {
    /// `pkg.c`, pkgconf_pkg_find: a name ending in `.pc` is a file; the
    /// built-in `pkg-config`/`pkgconf`; else `NAME-uninstalled.pc` then
    /// `NAME.pc` in each directory in turn.
    fn find(&mut self, name: &[u8]) -> Result<Option<Rc<Package>>, PcError> {
        if let Some(p) = self.cache.get(name) {
            return Ok(p.clone());
        }
        let found = self.find_uncached(name)?.map(Rc::new);
        self.cache.insert(name.to_vec(), found.clone());
        Ok(found)
    }

    fn find_uncached(&mut self, name: &[u8]) -> Result<Option<Package>, PcError> {
        if name.ends_with(b".pc") {
            let p = Path::new(OsStr::from_bytes(name));
            if crate::fsx::exists(p) {
                return self.load(p).map(Some);
            }
        }
        if name == b"pkg-config" || name == b"pkgconf" {
            // pkgconf's built-in virtual packages, at its own version.
            let version = Some(b"1.8.1".to_vec());
            return Ok(Some(Package { name: Some(name.to_vec()), version, ..Package::default() }));
        }
        for dir in self.dirs.clone() {
            let mut candidates = Vec::new();
            if !self.client.config.no_uninstalled {
                let mut n = name.to_vec();
                n.extend_from_slice(b"-uninstalled.pc");
                candidates.push(dir.join(OsStr::from_bytes(&n)));
            }
            let mut n = name.to_vec();
            n.extend_from_slice(b".pc");
            candidates.push(dir.join(OsStr::from_bytes(&n)));
            for c in candidates {
                // pkgconf tries fopen, so a dangling symlink is passed over;
                // anything else that exists is read (and one that cannot be
                // is solink's error, where pkgconf skips it in silence).
                if crate::fsx::exists(&c) {
                    return self.load(&c).map(Some);
                }
            }
        }
        Ok(None)
    }

    fn load(&mut self, path: &Path) -> Result<Package, PcError> {
        let data = crate::fsx::read_regular(path, FILE_CAP)
            .map_err(|source| PcError::Read { path: path.to_path_buf(), source })?;
        parse_with(&self.client, &data, path)
    }

    /// `pkg.c`, pkgconf_scan_all: the first `.pc` of the search directories,
    /// in directory order, whose `Provides` satisfy `req`. Files that cannot
    /// be read or parsed are passed over, as pkgconf passes them over: they
    /// are not the package asked for.
    fn scan_providers(&mut self, req: &Requirement) -> Option<Package> {
        for dir in self.dirs.clone() {
            let Ok(entries) = crate::fsx::read_dir(&dir) else { continue };
            for name in entries.iter() {
                let path = dir.join(name);
                if !path.as_os_str().as_bytes().ends_with(b".pc") {
                    continue;
                }
                let Ok(pkg) = self.load(&path) else { continue };
                if let Some(p) = pkg.provides.iter().find(|p| p.name == req.name) {
                    if provides_match(req, p) {
                        return Some(pkg);
                    }
                }
            }
        }
        None
    }

    /// `pkg.c`, pkgconf_pkg_walk_list.
    fn walk_list(
        &mut self,
        parent: &[u8],
        deps: &[Requirement],
        out: &mut FragList,
        depth: usize,
        seen: &mut Vec<*const Package>,
    ) -> Result<(), PcError> {
        for req in deps {
            let dep = &req.name;
            if dep.is_empty() {
                continue;
            }
            let (pkg, provider) = match self.find(dep)? {
                Some(pkg) => (pkg, false),
                // pkg.c, pkgconf_pkg_scan_providers: a package whose
                // Provides match stands in, its version already checked.
                None => match self.scan_providers(req) {
                    Some(pkg) => (Rc::new(pkg), true),
                    None => {
                        return Err(PcError::Missing {
                            package: OsString::from_vec(dep.clone()),
                            required_by: (!parent.is_empty()).then(|| OsString::from_vec(parent.to_vec())),
                        })
                    }
                },
            };
            // pkg.c, pkgconf_pkg_verify_dependency.
            if !provider && !req.cmp.holds(pkg.version.as_deref(), req.version.as_deref()) {
                return Err(PcError::Version {
                    package: OsString::from_vec(dep.clone()),
                    wanted: format!(
                        "{} {}",
                        req.cmp.name(),
                        String::from_utf8_lossy(req.version.as_deref().unwrap_or(b""))
                    ),
                    found: String::from_utf8_lossy(pkg.version.as_deref().unwrap_or(b"")).into_owned(),
                });
            }
            let id = Rc::as_ptr(&pkg);
            if seen.contains(&id) {
                continue;
            }
            seen.push(id);
            let r = self.traverse(dep, &pkg, out, depth - 1, seen);
            seen.pop();
            r?;
        }
        Ok(())
    }

    /// `pkg.c`, pkgconf_pkg_traverse with pkgconf_pkg_libs_collect, for
    /// `--static` (private requirements searched, private libs merged).
    fn traverse(
        &mut self,
        name: &[u8],
        pkg: &Package,
        out: &mut FragList,
        depth: usize,
        seen: &mut Vec<*const Package>,
    ) -> Result<(), PcError> {
        if depth == 0 {
            return Ok(());
        }
        self.visits += 1;
        if self.visits > MAX_VISITS {
            return Err(PcError::TooManyVisits { package: self.root.clone() });
        }
        for f in &pkg.libs {
            fragment_copy(out, f.clone(), self.iter_private);
        }
        for f in &pkg.libs_private {
            fragment_copy(out, f.clone(), true);
        }
        self.walk_list(name, &pkg.requires, out, depth, seen)?;
        self.iter_private = true;
        let r = self.walk_list(name, &pkg.requires_private, out, depth, seen);
        self.iter_private = false;
        r
    }
}

/// What `pkgconf --static --libs NAME` prints, as fragments: the `Libs` and
/// `Libs.private` of `NAME` and, recursively, of every package in its
/// `Requires` and `Requires.private`, de-duplicated and ordered as pkgconf
/// does, with system `-L` directories dropped unless `keep_system_libs`.
pub fn static_libs(config: &Config, name: &OsStr) -> Result<Vec<Fragment>, PcError> {
    static_libs_and_version(config, name).map(|(frags, _)| frags)
}

/// [`static_libs`], and the `Version` of the package `NAME` itself (from
/// the walk's own read of its `.pc`, so asking costs no file call): the
/// provenance note records it (issue 22). `None` when `NAME` was satisfied
/// by another package's `Provides`.
pub fn static_libs_and_version(
    config: &Config,
    name: &OsStr,
) -> Result<(Vec<Fragment>, Option<Vec<u8>>), PcError> {
    let mut walk = Walk {
        client: Client { config, sysroot: config.sysroot.clone() },
        dirs: config.search_dirs(),
        cache: HashMap::default(),
        visits: 0,
        iter_private: false,
        root: name.to_os_string(),
    };
    let mut unfiltered = FragList::default();
    // The query is the `Requires` of a virtual "world" package (cli/main.c).
    let query = Requirement { name: name.as_bytes().to_vec(), cmp: Cmp::Any, version: None, internal: false };
    walk.walk_list(b"", &[query], &mut unfiltered, MAX_DEPTH, &mut Vec::new())?;
    // cli/main.c, filter_libs: system directories go; every fragment is
    // copied as private, so nothing more is de-duplicated.
    let mut out = FragList::default();
    for f in unfiltered.items {
        let system = matches!(f.kind, Some(b'L'))
            && !config.keep_system_libs
            && config.system_libdirs.iter().any(|d| *d == normpath(&f.data));
        if !system {
            fragment_copy(&mut out, f, true);
        }
    }
    let version = walk.cache.get(name.as_bytes()).cloned().flatten().and_then(|p| p.version.clone());
    Ok((out.items, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` (name, text) into a temp dir and returns what
    /// `static_libs(root)` renders, searching only that dir.
    fn libs_in(files: &[(&str, &[u8])], root: &str, tweak: impl Fn(&mut Config)) -> Result<String, PcError> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mut config =
            Config { libdir: Some(vec![dir.path().as_os_str().as_bytes().to_vec()]), ..Config::default() };
        tweak(&mut config);
        let frags = static_libs(&config, OsStr::new(root))?;
        let text = String::from_utf8_lossy(&render(&frags)).replace(&*dir.path().to_string_lossy(), "D");
        Ok(text.trim_end().to_string())
    }

    const HEAD: &str = "Name: x\nDescription: x\nVersion: 1\n";

    fn pc(body: &str) -> Vec<u8> {
        format!("{HEAD}{body}").into_bytes()
    }

    #[test]
    fn the_version_is_the_packages_own_expanded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("zlib.pc"),
            "major=1.3\nName: zlib\nDescription: z\nVersion: ${major}.1\nRequires: dep\nLibs: -lz\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("dep.pc"), "Name: d\nDescription: d\nVersion: 9\nLibs: -ld\n")
            .unwrap();
        let config =
            Config { libdir: Some(vec![dir.path().as_os_str().as_bytes().to_vec()]), ..Config::default() };
        let (frags, version) = static_libs_and_version(&config, OsStr::new("zlib")).unwrap();
        assert_eq!(version.as_deref(), Some(&b"1.3.1"[..]), "zlib's, not its requirement's");
        assert_eq!(String::from_utf8_lossy(&render(&frags)).trim_end(), "-lz -ld");
    }

    #[test]
    fn one_package_tables() {
        let cases: &[(&str, &str)] = &[
            ("Libs: -L/opt/x/lib -lx\n", "-L/opt/x/lib -lx"),
            // pkgconf drops system -L dirs.
            ("Libs: -L/usr/lib/x86_64-linux-gnu -lx\n", "-lx"),
            ("prefix=/opt\nlibdir=${prefix}/lib\nLibs: -L${libdir} -lx\n", "-L/opt/lib -lx"),
            // libpsx.pc: the --wrap flag travels.
            (
                "Libs: -L/o -lpsx -lpthread -Wl,-wrap,pthread_create\n",
                "-L/o -lpsx -lpthread -Wl,-wrap,pthread_create",
            ),
            ("Libs: -lx\nLibs.private: -lm -pthread -fopenmp\n", "-lx -lm -pthread -fopenmp"),
            ("Libs: -l:libx.a -lx\n", "-l:libx.a -lx"),
            // A continuation joins lines and eats the next line's blanks.
            ("Libs: -la \\\n    -lb\n", "-la -lb"),
            // A comment ends the value; \# is a literal #.
            ("Libs: -la # -lb\n", "-la"),
            ("Libs: -la -Wl,x\\#y\n", "-la -Wl,x\\#y"),
            // Undefined variables expand to nothing.
            ("Libs: -la${nothing}\n", "-la"),
            // A later definition does not reach an earlier use.
            ("Libs: -l${v}\nv=z\n", "-l"),
            // A redefinition cannot refer to itself.
            ("v=a\nv=${v}b\nLibs: -l${v}\n", "-lb"),
            // Quoted variable values lose their quotes.
            ("v=\"a b\"\nLibs: -l${v}\n", "-la b"),
            // Quoted words keep their blanks.
            ("Libs: \"-L/a b\" -lx\n", "-L/a\\ b -lx"),
            // A duplicate public -l moves to the end; a duplicate -L stays first.
            ("Libs: -L/a -la -lb -la -L/a\n", "-L/a -lb -la"),
            // Special words merge into the special fragment before them.
            ("Libs: -pthread -Wl,--as-needed -lx\n", "-pthread -Wl,--as-needed -lx"),
            ("Libs: -la\r\nLibs.private: -lb\r\n", "-la -lb"),
            ("libs: -lx\n", "-lx"),
            ("Libs: -L//opt//lib\n", "-L/opt/lib"),
            // A NUL byte ends the line, not the file.
            ("Libs: -la\0 -lb\nLibs.private: -lc\n", "-la -lc"),
        ];
        for (body, want) in cases {
            let got = libs_in(&[("x.pc", &pc(body))], "x", |_| {}).unwrap();
            assert_eq!(&got, want, "for {body:?}");
        }
    }

    #[test]
    fn requires_are_walked_with_private_fragments() {
        let files: &[(&str, &[u8])] = &[
            ("a.pc", &pc("Requires: b >= 1, c\nRequires.private: d\nLibs: -la\nLibs.private: -lpa\n")),
            ("b.pc", &pc("Libs: -lb\nLibs.private: -lc\n")),
            ("c.pc", &pc("Libs: -lc\n")),
            ("d.pc", &pc("Libs: -ld -lc\n")),
        ];
        assert_eq!(libs_in(files, "a", |_| {}).unwrap(), "-la -lpa -lb -lc -ld -lc");
        let mut files = files.to_vec();
        let newer = pc("Requires: b >= 1.0\n");
        files[0].1 = &newer;
        // pkgconf: 'b' has version '1', required version is '>= 1.0'.
        assert!(matches!(libs_in(&files, "a", |_| {}).unwrap_err(), PcError::Version { .. }));
        let err = libs_in(&[("a.pc", &pc("Requires: nope\n"))], "a", |_| {}).unwrap_err();
        assert!(matches!(&err, PcError::Missing { package, .. } if package == "nope"), "{err}");
        assert!(matches!(libs_in(&[], "a", |_| {}).unwrap_err(), PcError::Missing { required_by: None, .. }));
    }

    #[test]
    fn a_missing_package_is_looked_for_in_provides() {
        // Checked against pkgconf 1.8.1: `Requires: virt` finds p.pc through
        // `Provides: virt = 2`, but not through a `Provides: virt` without a
        // version; `virt >= 3` is not satisfied by `= 2`.
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("virt", "virt = 2", Some("-lp")),
            ("virt", "virt", None),
            ("virt >= 1", "virt = 2", Some("-lp")),
            ("virt >= 3", "virt = 2", None),
            ("virt < 3", "virt >= 2", Some("-lp")),
        ];
        for (requires, provides, want) in cases {
            let files: &[(&str, &[u8])] = &[
                ("a.pc", &pc(&format!("Requires: {requires}\nLibs: -la\n"))),
                ("p.pc", &pc(&format!("Provides: {provides}\nLibs: -lp\n"))),
            ];
            let got = libs_in(files, "a", |_| {});
            match want {
                Some(w) => assert_eq!(got.unwrap(), format!("-la {w}"), "{requires} / {provides}"),
                None => {
                    assert!(matches!(got, Err(PcError::Missing { .. })), "{requires} / {provides}: {got:?}")
                }
            }
        }
    }

    #[test]
    fn cycles_end() {
        let files: &[(&str, &[u8])] =
            &[("a.pc", &pc("Requires: b\nLibs: -la\n")), ("b.pc", &pc("Requires: a\nLibs: -lb\n"))];
        assert_eq!(libs_in(files, "a", |_| {}).unwrap(), "-la -lb");
    }

    #[test]
    fn forty_doubling_variables_are_an_error_and_fast() {
        let mut text = String::from(HEAD);
        text.push_str("v0=aaaaaaaa\n");
        for i in 1..40 {
            text.push_str(&format!("v{i}=${{v{}}}${{v{}}}\n", i - 1, i - 1));
        }
        text.push_str("Libs: -l${v39}\n");
        let start = std::time::Instant::now();
        let err = libs_in(&[("x.pc", text.as_bytes())], "x", |_| {}).unwrap_err();
        assert!(matches!(err, PcError::Expansion { line: 17, .. }), "{err}");
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn a_megabyte_of_hostile_pc_is_linear() {
        // Many variables, many distinct fragments, many merged words, and
        // references that multiply while expanding to nothing: each would be
        // quadratic or exponential with list scans or unbounded expansion.
        // (Lines stay under pkgconf's 65,533-byte line buffer.)
        let mut text = pc("");
        for i in 0..20_000 {
            text.extend(format!("v{i}=x\n").into_bytes());
        }
        for line in 0..4 {
            text.extend(b"Libs:");
            for i in 0..5000 {
                text.extend(format!(" -l{line}_{i}").into_bytes());
            }
            text.extend(b"\n");
        }
        text.extend(b"Libs: -pthread\n");
        for _ in 0..2 {
            text.extend(b"Libs:");
            text.extend(b" x".repeat(30_000));
            text.extend(b"\n");
        }
        text.extend(b"e=\nd=$\n");
        text.extend(format!("y1={}\n", "${d}{e}".repeat(8000)).into_bytes());
        for i in 2..7 {
            text.extend(format!("y{i}={}\n", format!("${{d}}{{y{}}}", i - 1).repeat(7000)).into_bytes());
        }
        text.extend(b"Libs.private: ${y6}\n");
        assert!(text.len() < FILE_CAP as usize);
        let start = std::time::Instant::now();
        let err = parse(&text, Path::new("/x.pc"), &Config::default()).unwrap_err();
        assert!(matches!(err, PcError::Expansion { .. }), "{err}");
        // Without the expanding line, it parses.
        let cut = text.windows(3).position(|w| w == b"\ne=").unwrap() + 1;
        let pkg = parse(&text[..cut], Path::new("/x.pc"), &Config::default()).unwrap();
        assert_eq!(pkg.libs.len(), 20_001);
        assert_eq!(pkg.libs[20_000].words().len(), 60_001);
        assert_eq!(pkg.vars.len(), 20_001);
        // Linear: 0.2 s in release, about 3 s in a debug build; quadratic would take minutes.
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "{:?}", start.elapsed());
    }

    #[test]
    fn self_reference_through_a_literal_dollar_is_bounded() {
        // `x=$` then `y=${x}{y}` stores the text `${y}`, which expands itself
        // each time it is referenced: pkgconf recurses until its stack ends.
        let text = pc("x=$\ny=${x}{y}\nz=${y}\nLibs: -l${z}\n");
        let err = libs_in(&[("x.pc", &text)], "x", |_| {}).unwrap_err();
        assert!(matches!(err, PcError::Expansion { line: 6, .. }), "{err}");
    }

    #[test]
    fn non_utf8_bytes_survive() {
        let mut text = pc("Libs: -L/opt/");
        text.extend(b"\xff\xfe -lx\n");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.pc");
        std::fs::write(&p, &text).unwrap();
        let pkg = parse(&text, &p, &Config::default()).unwrap();
        assert_eq!(pkg.libs[0], Fragment::typed(b'L', b"/opt/\xff\xfe".to_vec()));
        assert_eq!(
            pkg.libs[0].meanings(),
            [Meaning::LibDir(PathBuf::from(OsStr::from_bytes(b"/opt/\xff\xfe")))]
        );
        // pkgconf escapes bytes outside ASCII when it prints them.
        assert_eq!(pkg.libs[0].render(), b"-L/opt/\\\xff\\\xfe");
    }

    #[test]
    fn pcfiledir_and_sysroot() {
        let body = "Libs: -L${pcfiledir}/lib -L/usr/local/lib -lx\n";
        let got = libs_in(&[("x.pc", &pc(body))], "x", |_| {}).unwrap();
        assert_eq!(got, "-LD/lib -L/usr/local/lib -lx");
        // pkgconf prefixes -L paths and absolute variables with the sysroot,
        // but only while the .pc files are inside it.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().as_os_str().as_bytes().to_vec();
        let body = "prefix=/usr\nlibdir=${prefix}/lib\nLibs: -L${libdir} -L/opt/lib -lx\n";
        std::fs::write(dir.path().join("x.pc"), pc(body)).unwrap();
        let config = Config { libdir: Some(vec![d.clone()]), sysroot: Some(d.clone()), ..Config::default() };
        let frags = static_libs(&config, OsStr::new("x")).unwrap();
        let mut want = d.clone();
        want.extend(b"/usr/lib");
        assert_eq!(frags[0], Fragment::typed(b'L', want));
        let mut want = d.clone();
        want.extend(b"/opt/lib");
        assert_eq!(frags[1], Fragment::typed(b'L', want));
        // A sysroot the file is not under still applies (Debian's pkgconf
        // prints -L/elsewhere/usr/lib -L/elsewhere/opt/lib -lx).
        let config = Config { sysroot: Some(b"/elsewhere".to_vec()), ..config };
        let frags = static_libs(&config, OsStr::new("x")).unwrap();
        assert_eq!(frags[0], Fragment::typed(b'L', b"/elsewhere/usr/lib".to_vec()));
        assert_eq!(frags[1], Fragment::typed(b'L', b"/elsewhere/opt/lib".to_vec()));
    }

    #[test]
    fn search_order_path_then_libdir_and_uninstalled_first() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("x.pc"), pc("Libs: -lfrom_a\n")).unwrap();
        std::fs::write(b.path().join("x.pc"), pc("Libs: -lfrom_b\n")).unwrap();
        let bytes = |p: &Path| p.as_os_str().as_bytes().to_vec();
        let config = Config {
            path: vec![bytes(b.path()), b"/does/not/exist".to_vec()],
            libdir: Some(vec![bytes(a.path())]),
            ..Config::default()
        };
        assert_eq!(config.search_dirs(), [b.path(), a.path()]);
        let words = |c: &Config| static_libs(c, OsStr::new("x")).unwrap()[0].words();
        assert_eq!(words(&config), ["-lfrom_b"]);
        std::fs::write(a.path().join("x-uninstalled.pc"), pc("Libs: -lun\n")).unwrap();
        let config = Config { path: Vec::new(), ..config };
        assert_eq!(words(&config), ["-lun"]);
        assert_eq!(words(&Config { no_uninstalled: true, ..config.clone() }), ["-lfrom_a"]);
        // A dangling symlink is passed over, as pkgconf's fopen fails on it.
        std::os::unix::fs::symlink(b.path().join("no-such-file"), b.path().join("y.pc")).unwrap();
        std::fs::write(a.path().join("y.pc"), pc("Libs: -ly_a\n")).unwrap();
        let config = Config { path: vec![bytes(b.path())], ..config };
        assert_eq!(static_libs(&config, OsStr::new("y")).unwrap()[0].words(), ["-ly_a"]);
        // PKG_CONFIG_LIBDIR set but empty: nothing is searched.
        let env = Env::new([("PKG_CONFIG_LIBDIR".into(), "".into())]);
        assert!(Config::from_env(&env).search_dirs().is_empty());
    }

    #[test]
    fn unreadable_and_invalid_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("x.pc")).unwrap();
        std::fs::write(dir.path().join("y.pc"), "Libs: -ly\n").unwrap();
        std::fs::write(dir.path().join("z.pc"), pc("Libs: -l\"z\n")).unwrap();
        let config =
            Config { libdir: Some(vec![dir.path().as_os_str().as_bytes().to_vec()]), ..Config::default() };
        assert!(matches!(static_libs(&config, OsStr::new("x")), Err(PcError::Read { .. })));
        assert!(matches!(static_libs(&config, OsStr::new("y")), Err(PcError::Invalid { field: "Name", .. })));
        assert!(matches!(static_libs(&config, OsStr::new("z")), Err(PcError::Parse { line: 4, .. })));
    }

    #[test]
    fn meanings_of_words() {
        let frags = parse(
            &pc("Libs: -L/a -lb -l:c.a -Wl,-wrap,f -pthread -fopenmp -Xother\n"),
            Path::new("/x.pc"),
            &Config::default(),
        )
        .unwrap()
        .libs;
        let m: Vec<Meaning> = frags.iter().flat_map(Fragment::meanings).collect();
        let os = OsString::from;
        assert_eq!(
            m,
            [
                Meaning::LibDir("/a".into()),
                Meaning::Lib(os("b")),
                Meaning::LibFile(os("c.a")),
                Meaning::Linker(vec![os("-wrap"), os("f")]),
                Meaning::Pthread,
                Meaning::OpenMp,
                Meaning::Other(os("-Xother")),
            ]
        );
    }

    #[test]
    fn requires_parse_as_pkgconf_does() {
        let check = |value: &str, want: &[(&str, Cmp, Option<&str>)]| {
            let mut list = Vec::new();
            parse_requires(value.as_bytes(), false, &mut list);
            let got: Vec<(String, Cmp, Option<String>)> = list
                .iter()
                .map(|r| {
                    let v = r.version.as_ref().map(|v| String::from_utf8_lossy(v).into_owned());
                    (String::from_utf8_lossy(&r.name).into_owned(), r.cmp, v)
                })
                .collect();
            let want: Vec<(String, Cmp, Option<String>)> =
                want.iter().map(|(n, c, v)| (n.to_string(), *c, v.map(str::to_string))).collect();
            assert_eq!(got, want, "{value:?}");
        };
        check("a", &[("a", Cmp::Any, None)]);
        check("a, b c", &[("a", Cmp::Any, None), ("b", Cmp::Any, None), ("c", Cmp::Any, None)]);
        check("a >= 1.2, b", &[("a", Cmp::Ge, Some("1.2")), ("b", Cmp::Any, None)]);
        check("a>=1.2", &[("a>=1.2", Cmp::Any, None)]);
        check("a >=1.2", &[("a", Cmp::Ge, Some(".2"))]);
        check("a != 3 b < 2", &[("a", Cmp::Ne, Some("3")), ("b", Cmp::Lt, Some("2"))]);
        check("a >=", &[]);
        check("a ~~ 1", &[("a", Cmp::Any, None), ("~~", Cmp::Any, None), ("1", Cmp::Any, None)]);
        check("  ,, ", &[]);
    }

    #[test]
    fn versions_compare_as_rpm_does() {
        let cases: &[(&str, &str, i32)] = &[
            ("1.0", "1.0", 0),
            ("1", "1.0", -1),
            ("1.10", "1.9", 1),
            ("1.0a", "1.0", 1),
            ("1.0~rc1", "1.0", -1),
            ("2.66", "2.66.0", -1),
            ("1.2.3", "1.2.03", 0),
            ("a", "1", -1),
            ("1", "a", 1),
            ("1.0B", "1.0b", 0),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_versions(Some(a.as_bytes()), Some(b.as_bytes())), *want, "{a} vs {b}");
        }
    }

    #[test]
    fn logical_lines_follow_fgetline() {
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"a\nb", &[b"a", b"b"]),
            (b"a\\\n  b\n", &[b"ab"]),
            (b"a\\x\n", &[b"a\\x"]),
            (b"a # c", &[b"a \xff"]),
            (b"a\r\nb\rc", &[b"a", b"b", b"c"]),
            (b"\n\n", &[b"", b""]),
            (b"a\\", &[b"a"]),
        ];
        for (input, want) in cases {
            assert_eq!(
                logical_lines(input),
                want.iter().map(|l| l.to_vec()).collect::<Vec<_>>(),
                "{input:?}"
            );
        }
    }
}

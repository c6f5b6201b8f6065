//! The make rule `--depfile` writes: the output depends on every archive
//! embedded and every linker script read, so make relinks the shared
//! library when one of them changes (the seed's section 5).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::Error;

/// `TARGET: PREREQS...` and then one empty rule per prerequisite, as
/// `gcc -MP` writes, so a deleted archive does not stop make. A path with a
/// newline cannot be written in a make rule at all.
pub fn render(target: &Path, prereqs: &[PathBuf]) -> Result<String, Error> {
    if let Some(p) = std::iter::once(target).chain(prereqs.iter().map(PathBuf::as_path)).find(|p| {
        use std::os::unix::ffi::OsStrExt;
        p.as_os_str().as_bytes().contains(&b'\n')
    }) {
        return Err(Error::DepfileNewline { path: p.to_path_buf() });
    }
    Ok(render_rule(target, prereqs))
}

fn render_rule(target: &Path, prereqs: &[PathBuf]) -> String {
    let mut out = escape(target);
    out.push(':');
    for p in prereqs {
        out.push_str(" \\\n ");
        out.push_str(&escape(p));
    }
    out.push('\n');
    for p in prereqs {
        out.push('\n');
        out.push_str(&escape(p));
        out.push_str(":\n");
    }
    out
}

/// Escapes a path for a make rule: spaces, `#` and `:` get a backslash,
/// `$` doubles. Bytes that are not UTF-8 are kept as they are.
pub fn escape(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            ' ' | '#' | ':' | '\t' => {
                out.push('\\');
                out.push(c);
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

/// Writes the depfile atomically: a temporary file in the same directory,
/// renamed into place. Fails before the link when that is not possible.
pub fn write(path: &Path, text: &str) -> Result<(), Error> {
    // The temporary file's name is not the user's business: keep only the
    // cause.
    let fail = |e: std::io::Error| Error::Depfile {
        path: path.to_path_buf(),
        source: e
            .raw_os_error()
            .map_or_else(|| std::io::Error::from(e.kind()), std::io::Error::from_raw_os_error),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".solink-dep").tempfile_in(dir).map_err(fail)?;
    tmp.write_all(text.as_bytes()).map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_make_needs() {
        assert_eq!(escape(Path::new("/a b/c#d/e:f/$g")), r"/a\ b/c\#d/e\:f/$$g");
    }

    #[test]
    fn renders_rule_and_phony_targets() {
        let text = render(
            Path::new("out/libcalc.so"),
            &[PathBuf::from("/l/libcalcbase.a"), PathBuf::from("/l/x y.a")],
        )
        .unwrap();
        assert_eq!(
            text,
            "out/libcalc.so: \\\n /l/libcalcbase.a \\\n /l/x\\ y.a\n\n/l/libcalcbase.a:\n\n/l/x\\ y.a:\n"
        );
        assert_eq!(render(Path::new("a.so"), &[]).unwrap(), "a.so:\n");
        assert!(render(Path::new("a.so"), &[PathBuf::from("/x\ny.a")]).is_err());
    }

    #[test]
    fn writes_atomically_and_refuses_unwritable_places() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.d");
        write(&path, "x:\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x:\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file is left");
        let err = write(&dir.path().join("missing/x.d"), "x:\n").unwrap_err();
        assert!(matches!(err, Error::Depfile { .. }), "{err:?}");
    }
}

//! GNU ld scripts standing where an archive or shared object should be.
//!
//! glibc's `libm.a` is `GROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a
//! /usr/lib/x86_64-linux-gnu/libmvec.a )` and Debian's `libncurses.so` is
//! `INPUT(libncurses.so.6 -ltinfo)`. Only the inputs matter here: the files
//! and `-lNAME`s inside `GROUP`, `INPUT` and `AS_NEEDED`.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Lib(OsString),
}

/// Whether `data` looks like a linker script rather than a binary file.
pub fn looks_like_script(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    !head.contains(&0) && (find_word(head, b"GROUP") || find_word(head, b"INPUT"))
}

fn find_word(hay: &[u8], word: &[u8]) -> bool {
    hay.windows(word.len()).any(|w| w == word)
}

/// The inputs of a script. Relative file names are taken relative to the
/// script's own directory (where ld, searching its library path, finds them
/// for the scripts that ship with libraries).
pub fn inputs(data: &[u8], script_dir: &Path) -> Vec<Input> {
    let text = strip_comments(data);
    let mut inputs = Vec::new();
    let mut depth = 0usize;
    let mut in_command = false;
    let mut pending_command = false;
    for token in tokens(&text) {
        match token.as_slice() {
            b"GROUP" | b"INPUT" if depth == 0 => pending_command = true,
            b"(" => {
                if pending_command {
                    in_command = true;
                    pending_command = false;
                }
                depth += 1;
            }
            b")" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    in_command = false;
                }
            }
            b"AS_NEEDED" | b"," => {}
            t if in_command => {
                let input = match t.strip_prefix(b"-l") {
                    Some(name) => Input::Lib(OsString::from_vec(name.to_vec())),
                    None => {
                        let p = PathBuf::from(OsString::from_vec(t.to_vec()));
                        Input::File(if p.is_absolute() { p } else { script_dir.join(p) })
                    }
                };
                inputs.push(input);
            }
            _ => pending_command = false,
        }
    }
    inputs
}

fn strip_comments(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(b"/*") {
            match data[i + 2..].windows(2).position(|w| w == b"*/") {
                Some(end) => i += end + 4,
                None => break,
            }
            out.push(b' ');
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

fn tokens(text: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for &c in text {
        if c.is_ascii_whitespace() || matches!(c, b'(' | b')' | b',') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            if !c.is_ascii_whitespace() {
                out.push(vec![c]);
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_libm() {
        let text = b"/* GNU ld script\n*/\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a /usr/lib/x86_64-linux-gnu/libmvec.a )\n";
        assert!(looks_like_script(text));
        assert_eq!(
            inputs(text, Path::new("/x")),
            [
                Input::File("/usr/lib/x86_64-linux-gnu/libm-2.36.a".into()),
                Input::File("/usr/lib/x86_64-linux-gnu/libmvec.a".into())
            ]
        );
    }

    #[test]
    fn input_with_libs_and_as_needed() {
        let text = b"INPUT(libncurses.so.6 -ltinfo)\nGROUP ( /lib/libc.so.6 /usr/lib/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )";
        assert_eq!(
            inputs(text, Path::new("/d")),
            [
                Input::File("/d/libncurses.so.6".into()),
                Input::Lib("tinfo".into()),
                Input::File("/lib/libc.so.6".into()),
                Input::File("/usr/lib/libc_nonshared.a".into()),
                Input::File("/lib64/ld-linux-x86-64.so.2".into()),
            ]
        );
    }

    #[test]
    fn binary_is_not_a_script() {
        assert!(!looks_like_script(b"!<arch>\nGROUP\0"));
        assert!(!looks_like_script(b"random text"));
    }
}

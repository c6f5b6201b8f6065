//! Rewrite: a pure function from the classified command and the decisions
//! to the final argument list.
//!
//! Every token that no decision touches is emitted as given, in place. An
//! `@file` whose contents are untouched is emitted as the `@file` token; one
//! with a rewritten library inside is emitted expanded.

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::args::{Command, LinkerForm, Piece, Site};
use crate::resolve::{Decision, Outcome};

#[derive(Clone, Debug)]
enum Edit {
    Replace(OsString),
    Remove,
}

/// The final arguments (without the driver).
pub fn rewrite(cmd: &Command, decisions: &[Decision]) -> Vec<OsString> {
    let mut arg_edits: HashMap<usize, Edit> = HashMap::new();
    let mut piece_edits: HashMap<Piece, Edit> = HashMap::new();
    for d in decisions {
        let edit = match &d.outcome {
            Outcome::Keep => continue,
            Outcome::Embed(path) => Edit::Replace(path.clone().into_os_string()),
            Outcome::Drop => Edit::Remove,
        };
        match &cmd.libs[d.lib].site {
            Site::Driver { arg } => {
                arg_edits.insert(*arg, edit);
            }
            Site::Linker { first, last } => {
                piece_edits.insert(*first, edit);
                for p in pieces_between(cmd, *first, *last) {
                    piece_edits.insert(p, Edit::Remove);
                }
            }
        }
    }

    let emitted: Vec<Option<Vec<OsString>>> = (0..cmd.args.len())
        .map(|i| emit_arg(cmd, i, arg_edits.get(&i), &piece_edits))
        .collect();
    let mut out = Vec::with_capacity(cmd.tokens.len());
    let mut groups = cmd
        .groups
        .iter()
        .filter(|g| intact(cmd, g, &emitted))
        .peekable();
    let mut skip_until = 0;
    for (i, arg) in cmd.args.iter().enumerate() {
        while let Some(g) = groups.next_if(|g| g.span.start <= arg.span.start) {
            out.push(g.token.clone());
            skip_until = g.span.end;
        }
        if arg.span.start < skip_until {
            continue;
        }
        match &emitted[i] {
            Some(tokens) => out.extend(tokens.iter().cloned()),
            None => out.extend(cmd.arg_tokens(arg).iter().cloned()),
        }
    }
    out.extend(groups.map(|g| g.token.clone()));
    out
}

/// Pieces after `first` up to and including `last`.
fn pieces_between(cmd: &Command, first: Piece, last: Piece) -> Vec<Piece> {
    let mut out = Vec::new();
    for arg in first.arg..=last.arg {
        let Some((_, pieces)) = &cmd.args[arg].linker else {
            continue;
        };
        for index in 0..pieces.len() {
            let p = Piece { arg, index };
            if p > first && p <= last {
                out.push(p);
            }
        }
    }
    out
}

/// The tokens for argument `i` when an edit touches it; `None` when it is
/// emitted unchanged.
fn emit_arg(
    cmd: &Command,
    i: usize,
    edit: Option<&Edit>,
    piece_edits: &HashMap<Piece, Edit>,
) -> Option<Vec<OsString>> {
    match edit {
        Some(Edit::Replace(path)) => return Some(vec![path.clone()]),
        Some(Edit::Remove) => return Some(vec![]),
        None => {}
    }
    let (form, pieces) = cmd.args[i].linker.as_ref()?;
    let mut changed = false;
    let kept: Vec<&OsString> = pieces
        .iter()
        .enumerate()
        .filter_map(
            |(index, piece)| match piece_edits.get(&Piece { arg: i, index }) {
                None => Some(piece),
                Some(Edit::Replace(path)) => {
                    changed = true;
                    Some(path)
                }
                Some(Edit::Remove) => {
                    changed = true;
                    None
                }
            },
        )
        .collect();
    if !changed {
        return None;
    }
    if kept.is_empty() {
        return Some(vec![]);
    }
    Some(match form {
        LinkerForm::Wl => {
            let mut token = b"-Wl,".to_vec();
            let joined: Vec<&[u8]> = kept.iter().map(|p| p.as_bytes()).collect();
            token.extend(joined.join(&b','));
            vec![OsString::from_vec(token)]
        }
        LinkerForm::Xlinker => vec![cmd.tokens[cmd.args[i].span.start].clone(), kept[0].clone()],
    })
}

/// A group can be emitted as its `@file` token when the arguments inside it
/// are exactly its tokens and none of them changed.
fn intact(cmd: &Command, g: &crate::args::Group, emitted: &[Option<Vec<OsString>>]) -> bool {
    let inside = cmd
        .args
        .iter()
        .enumerate()
        .filter(|(_, a)| a.span.start < g.span.end && a.span.end > g.span.start);
    let mut covered = g.span.start;
    for (i, a) in inside {
        if a.span.start < g.span.start || a.span.end > g.span.end || emitted[i].is_some() {
            return false;
        }
        covered = a.span.end;
    }
    covered == g.span.end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::classify;
    use crate::resolve::Reason;
    use std::path::PathBuf;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    /// Rewrites `args`, embedding each library named in `embed` as
    /// `/A/libNAME.a` and dropping those in `drop`.
    fn check(args: &[&str], embed: &[&str], drop: &[&str], expected: &[&str]) {
        let cmd = classify(os(args)).unwrap();
        let decisions: Vec<Decision> = cmd
            .libs
            .iter()
            .enumerate()
            .map(|(lib, r)| {
                let name = r.name.display();
                let name = name.trim_start_matches("-l");
                let outcome = if embed.contains(&name) {
                    Outcome::Embed(PathBuf::from(format!("/A/lib{name}.a")))
                } else if drop.contains(&name) {
                    Outcome::Drop
                } else {
                    Outcome::Keep
                };
                Decision {
                    lib,
                    outcome,
                    reason: Reason::FirstArchive,
                    found: None,
                }
            })
            .collect();
        assert_eq!(
            rewrite(&cmd, &decisions),
            os(expected),
            "rewriting {args:?}"
        );
    }

    #[test]
    fn rewrites_in_place() {
        check(
            &["-shared", "-o", "libcalc.so", "calc.o", "-lcalcbase", "-lm"],
            &["calcbase"],
            &[],
            &[
                "-shared",
                "-o",
                "libcalc.so",
                "calc.o",
                "/A/libcalcbase.a",
                "-lm",
            ],
        );
        check(
            &["-l", "x", "-L", "d", "-ly"],
            &["x"],
            &[],
            &["/A/libx.a", "-L", "d", "-ly"],
        );
        check(&["-lcalc", "-lx"], &[], &["calc"], &["-lx"]);
        check(&["-Wl,-lx,-ly"], &["x"], &[], &["-Wl,/A/libx.a,-ly"]);
        check(
            &["-Wl,-l,x,-z,defs"],
            &["x"],
            &[],
            &["-Wl,/A/libx.a,-z,defs"],
        );
        check(&["-Wl,-lx"], &[], &["x"], &[]);
        check(
            &["-Xlinker", "-lx", "-c"],
            &["x"],
            &[],
            &["-Xlinker", "/A/libx.a", "-c"],
        );
        check(
            &["-Xlinker", "-l", "-Xlinker", "x"],
            &["x"],
            &[],
            &["-Xlinker", "/A/libx.a"],
        );
        check(&["a.o", "-lz"], &[], &[], &["a.o", "-lz"]);
    }

    #[test]
    fn untouched_response_files_stay_files() {
        let dir = tempfile::tempdir().unwrap();
        let keep = dir.path().join("keep");
        let change = dir.path().join("change");
        let empty = dir.path().join("empty");
        std::fs::write(&keep, "-la 'b c'").unwrap();
        std::fs::write(&change, "-lx -ly").unwrap();
        std::fs::write(&empty, "").unwrap();
        let at = |p: &std::path::Path| format!("@{}", p.display());
        let (k, c, e) = (at(&keep), at(&change), at(&empty));
        check(
            &["-shared", &k, &c, &e, "z.o"],
            &["x"],
            &[],
            &["-shared", &k, "/A/libx.a", "-ly", &e, "z.o"],
        );
        check(&[&e], &[], &[], &[&e]);
    }
}

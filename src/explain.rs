//! Renders decisions and commands for people.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

use crate::args::{Command, LibName};
use crate::resolve::{archive_file_name, Decision, Outcome, Reason, Resolver, Subject};

/// One line per library decision: token, outcome, archive, stage, reason.
pub fn decision_line(cmd: &Command, d: &Decision) -> String {
    let lib = Resolver::subject_name(cmd, d);
    let mut token = lib.display();
    if let Subject::Dep { of, via, .. } = &d.subject {
        token = format!("{token} (dependency of {of}, from {})", via.display());
    }
    let outcome = match &d.outcome {
        Outcome::Embed(path) => format!("embed {}", path.display()),
        Outcome::Add(t) => format!("dynamic {}", t.to_string_lossy()),
        _ => outcome_word(d).replace('-', " "),
    };
    let stage = match &d.found {
        Some(found) if !matches!(d.outcome, Outcome::Embed(_)) => {
            format!(" ({} at {})", found.stage, found.path.display())
        }
        Some(found) => format!(" ({})", found.stage),
        None => String::new(),
    };
    let mut line = format!("solink: {token}: {outcome}{stage}: {}", reason_text(cmd, d));
    for note in &d.notes {
        line.push_str("; ");
        line.push_str(note);
    }
    line
}

/// The outcome as one word (the JSON `outcome` field).
fn outcome_word(d: &Decision) -> &'static str {
    match &d.outcome {
        Outcome::Embed(_) => "embed",
        Outcome::Keep if d.reason == Reason::StaticRegion => "as-given",
        Outcome::Keep => "dynamic",
        Outcome::Add(_) => "added",
        Outcome::Drop => "dropped",
    }
}

/// The reason as a stable code (the JSON `reason` field).
fn reason_code(r: &Reason) -> &'static str {
    match r {
        Reason::FirstArchive => "first-archive",
        Reason::ScriptOverArchives(_) => "script-over-archives",
        Reason::NotFound => "not-found",
        Reason::RuntimeLibrary => "runtime-library",
        Reason::StaticRegion => "static-region",
        Reason::SelfReference => "self-reference",
        Reason::NotAnArchiveName => "not-an-archive-name",
        Reason::CommaInPath => "comma-in-path",
        Reason::UserEmbed => "user-embed",
        Reason::UserNoEmbed => "user-no-embed",
        Reason::NotPic { .. } => "not-pic",
        Reason::Empty => "empty",
        Reason::Unreadable(_) => "unreadable",
        Reason::UnsafeScript(_) => "unsafe-script",
        Reason::IncompleteDeps { .. } => "incomplete-deps",
    }
}

/// The reason in words.
fn reason_text(cmd: &Command, d: &Decision) -> String {
    let file = match Resolver::subject_name(cmd, d) {
        LibName::Name(n) => archive_file_name(n.as_os_str()).to_string_lossy().into_owned(),
        LibName::Verbatim(f) => f.to_string_lossy().into_owned(),
    };
    match &d.reason {
        Reason::FirstArchive => format!("the first {file} in the search order; position-independent"),
        Reason::ScriptOverArchives(archives) => {
            let list: Vec<String> = archives.iter().map(|a| a.display().to_string()).collect();
            format!("a linker script over position-independent archives: {}", list.join(", "))
        }
        Reason::NotFound => format!("no {file} in the search order"),
        Reason::RuntimeLibrary => "a C/C++ runtime library, never embedded".to_string(),
        Reason::StaticRegion => "the user made this region static; the linker picks the archive".to_string(),
        Reason::SelfReference => {
            let out = cmd.output.as_deref().map(|o| o.display().to_string()).unwrap_or_default();
            format!("the output {out} is this library")
        }
        Reason::NotAnArchiveName => format!("{file} is not an archive name"),
        Reason::CommaInPath => "a path with a comma cannot go inside -Wl,".to_string(),
        Reason::UserEmbed => "--embed asked for it".to_string(),
        Reason::UserNoEmbed => "--no-embed asked for it".to_string(),
        Reason::NotPic { problem, shared: Some(so) } => {
            format!("not position-independent ({problem}); the shared {} serves instead", so.display())
        }
        Reason::NotPic { problem, shared: None } => {
            format!("not position-independent ({problem}) and no shared twin; embedded as ld would link it")
        }
        Reason::Empty => "an empty archive: nothing to embed".to_string(),
        Reason::Unreadable(what) => what.clone(),
        Reason::UnsafeScript(why) => format!("a linker script over {why}"),
        Reason::IncompleteDeps { missing } => format!("it needs {missing}, which cannot be found"),
    }
}

fn lossy(p: &std::path::Path) -> serde_json::Value {
    serde_json::Value::String(p.to_string_lossy().into_owned())
}

/// Every decision and the final command as one line of JSON, for tools.
/// The schema is documented in docs/usage.md; `schema` changes only when a
/// field changes meaning or goes away.
pub fn json(cmd: &Command, decisions: &[Decision], command: &[OsString]) -> String {
    use serde_json::{json, Value};
    let decisions: Vec<Value> = decisions
        .iter()
        .map(|d| {
            let (dependency_of, via) = match &d.subject {
                Subject::Dep { of, via, .. } => (Value::String(of.clone()), lossy(via)),
                Subject::Ref(_) => (Value::Null, Value::Null),
            };
            json!({
                "library": Resolver::subject_name(cmd, d).display(),
                "outcome": outcome_word(d),
                "path": match &d.outcome { Outcome::Embed(p) => lossy(p), _ => Value::Null },
                "added": match &d.outcome { Outcome::Add(t) => Value::String(t.to_string_lossy().into_owned()), _ => Value::Null },
                "found": d.found.as_ref().map(|f| lossy(&f.path)),
                "stage": d.found.as_ref().map(|f| f.stage.number()),
                "reason": reason_code(&d.reason),
                "detail": reason_text(cmd, d),
                "dependency_of": dependency_of,
                "via": via,
                "notes": d.notes,
                "warning": d.warning,
            })
        })
        .collect();
    let direct: Vec<Value> = cmd.direct_archives.iter().map(|p| lossy(p)).collect();
    let command: Vec<String> = command.iter().map(|w| w.to_string_lossy().into_owned()).collect();
    json!({
        "schema": 1,
        "shared_link": cmd.is_shared_link(),
        "decisions": decisions,
        "direct_archives": direct,
        "command": command,
    })
    .to_string()
}

/// A command as one line that a POSIX shell reads back as the same words.
pub fn quote_command(words: &[OsString]) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        match w.to_str() {
            Some(text) => line.extend_from_slice(shell_words::quote(text).as_bytes()),
            // shell-words only handles text; bytes that are not UTF-8 are
            // still fine inside single quotes.
            None => {
                line.push(b'\'');
                for &c in w.as_bytes() {
                    if c == b'\'' {
                        line.extend_from_slice(b"'\\''");
                    } else {
                        line.push(c);
                    }
                }
                line.push(b'\'');
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    #[test]
    fn quoted_commands_split_back() {
        let words: Vec<OsString> =
            ["cc", "-shared", "a b.o", "it's", "$HOME", "#x", ""].iter().map(OsString::from).collect();
        let line = String::from_utf8(quote_command(&words)).unwrap();
        let back: Vec<OsString> =
            shell_words::split(&line).unwrap().into_iter().map(OsString::from).collect();
        assert_eq!(back, words);
    }

    #[test]
    fn non_utf8_is_single_quoted() {
        let words = vec![OsString::from_vec(b"a\xff'b".to_vec())];
        assert_eq!(quote_command(&words), b"'a\xff'\\''b'");
    }
}

//! docs/usage.md held to the settings table (issue 36 §4): its table of
//! options and environment variables, and its list of configuration keys,
//! say what the rows of [`SETTINGS`] say, both ways. The doc is written by
//! hand for its prose; what it claims of each option is checked here, so
//! the table stays the one home of an option's spelling, value, variable,
//! key and choices. The doc follows the code: when this fails, fix the doc
//! (or the row).
//!
//! What is checked, each problem named with its line of docs/usage.md:
//! - every option of the table has a doc row showing it as the table says
//!   it takes its value (`--libsdir DIR`, `--hide[=NAME]`, `--format
//!   text|json|...` with the row's choices in order), and every variable
//!   without an option has a doc row of its own;
//! - a doc row's environment column names exactly its options' variables
//!   (none for an option without one);
//! - every option the doc's table names is one of the table's, in the form
//!   it takes (a value after `=` only for `--hide[=NAME]`'s kind);
//! - every `SOLINK_*` variable anywhere in docs/usage.md is a setting's or
//!   one the man page lists among the others solink reads;
//! - the configuration files' list of keys is the table's keys, in the
//!   order `--show-config` shows them.

use crate::settings::man::OTHER_VARIABLES;
use crate::settings::table::{by_flag, Setting, Takes, SETTINGS};

/// The text checked.
const USAGE: &str = include_str!("../../docs/usage.md");

/// The heading of the table of options.
const OPTIONS: &str = "## Options and environment variables";

/// The heading of the section that lists the configuration keys, and the
/// bullet that lists them.
const CONFIG: &str = "## Configuration files";
const KEYS: &str = "- **Keys.**";

/// The section of `doc` under `heading`, with the number of its first line
/// (1-based), up to the next heading of its level or above.
fn section<'a>(doc: &'a str, heading: &str) -> Result<(usize, &'a str), String> {
    let start = doc
        .match_indices(heading)
        .find(|(at, _)| *at == 0 || doc.as_bytes()[at - 1] == b'\n')
        .map(|(at, _)| at)
        .ok_or(format!("docs/usage.md has no section {heading:?}"))?;
    let body = &doc[start + heading.len()..];
    let end = body.find("\n## ").map_or(body.len(), |e| e + 1);
    Ok((doc[..start].lines().count() + 1, &doc[start..start + heading.len() + end]))
}

/// A row of a Markdown table: its cells, `\|` read as `|`.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_string()).collect()
}

/// The code spans of a cell: the text between backticks.
fn spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// How the doc shows an option's value.
#[derive(Debug, PartialEq, Eq)]
enum Shown {
    /// `--explain`, or `--audit FILE...` (operands end with `...`).
    Bare,
    /// `--libsdir DIR`.
    Separate(String),
    /// `--export=SYMBOL`.
    Equals(String),
    /// `--hide[=NAME]`.
    Optional(String),
}

/// One option named in the doc's option column.
#[derive(Debug)]
struct Mention {
    name: String,
    shown: Shown,
    /// The words as written, for the messages.
    text: String,
}

/// The options a code span names, each with how its value is shown.
fn mentions(span: &str) -> Vec<Mention> {
    let words: Vec<&str> = span.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let Some(long) = word.strip_prefix("--") else { continue };
        let next = words.get(i + 1).filter(|w| !w.starts_with("--") && !w.ends_with("..."));
        let (name, shown) = if let Some((name, v)) = long.split_once("[=") {
            (name, Shown::Optional(v.trim_end_matches(']').to_string()))
        } else if let Some((name, v)) = long.split_once('=') {
            (name, Shown::Equals(v.to_string()))
        } else if let Some(v) = next {
            (long, Shown::Separate(v.to_string()))
        } else {
            (long, Shown::Bare)
        };
        let text = match next {
            Some(v) if matches!(shown, Shown::Separate(_)) => format!("{word} {v}"),
            _ => word.to_string(),
        };
        out.push(Mention { name: name.to_string(), shown, text });
    }
    out
}

/// The variables a cell names: its code spans that are a variable, or a
/// variable `=` a value (`SOLINK_HIDE=1`).
fn variables(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = spans(cell)
        .into_iter()
        .map(|s| s.split('=').next().unwrap_or_default())
        .filter(|s| is_variable(s))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn is_variable(word: &str) -> bool {
    word.len() > 1
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// What the doc must show for a row's value: its choices in order, else
/// its value name.
fn value_shown(s: &Setting) -> String {
    match s.choices {
        [] => s.value_name.to_string(),
        choices => choices.join("|"),
    }
}

/// The row's option as the doc should show it.
fn shape(s: &Setting, flag: &str) -> String {
    match s.kind.takes() {
        Takes::Nothing => format!("--{flag}"),
        Takes::Value => format!("--{flag} {}", value_shown(s)),
        Takes::EqualsOnly => format!("--{flag}[={}]", value_shown(s)),
    }
}

/// Whether `shown` takes the value the way the row's kind does.
fn form_fits(s: &Setting, shown: &Shown) -> bool {
    matches!(
        (s.kind.takes(), shown),
        (Takes::Nothing, Shown::Bare)
            | (Takes::Value, Shown::Separate(_) | Shown::Equals(_))
            | (Takes::EqualsOnly, Shown::Optional(_))
    )
}

/// Whether `shown` is the row's own shape: its form, with its value name
/// or its choices.
fn is_shape(s: &Setting, shown: &Shown) -> bool {
    let want = value_shown(s);
    match shown {
        Shown::Bare => s.kind.takes() == Takes::Nothing,
        Shown::Separate(v) | Shown::Equals(v) | Shown::Optional(v) => form_fits(s, shown) && *v == want,
    }
}

/// Every disagreement between `doc` (docs/usage.md's text) and the table.
fn problems(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Err(e) = options_table(doc, &mut out) {
        out.push(e);
    }
    if let Err(e) = keys(doc, &mut out) {
        out.push(e);
    }
    variables_named(doc, &mut out);
    out
}

/// The table of options and environment variables, both ways.
fn options_table(doc: &str, out: &mut Vec<String>) -> Result<(), String> {
    let (first, text) = section(doc, OPTIONS)?;
    // The section's first table, less its header and its |---| line.
    let rows: Vec<(usize, Vec<String>)> = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| !l.starts_with('|'))
        .take_while(|(_, l)| l.starts_with('|'))
        .skip(2)
        .map(|(n, l)| (first + n, cells(l)))
        .collect();
    if rows.len() < 20 {
        return Err(format!("docs/usage.md: {OPTIONS} has {} rows; is the table still there?", rows.len()));
    }
    // Per row of SETTINGS: shown once as the table takes it; named at
    // all; a mention already found wrong (said once, not twice).
    let mut shown_right = vec![false; SETTINGS.len()];
    let mut named = vec![false; SETTINGS.len()];
    let mut said = vec![false; SETTINGS.len()];
    for (line, cells) in &rows {
        let at = format!("docs/usage.md:{line}");
        let [option, environment, _meaning] = &cells[..] else {
            out.push(format!("{at}: a row of {} cells, not 3 (option | environment | meaning)", cells.len()));
            continue;
        };
        let mentions: Vec<Mention> = spans(option).into_iter().flat_map(mentions).collect();
        let doc_vars = variables(environment);
        let mut want_vars: Vec<String> = Vec::new();
        for m in &mentions {
            let Some(i) = by_flag(m.name.as_bytes()) else {
                out.push(format!("{at}: `{}` is no option of the settings table (a stale row?)", m.text));
                continue;
            };
            let s = &SETTINGS[i];
            named[i] = true;
            want_vars.extend(s.var.map(str::to_string));
            if !form_fits(s, &m.shown) {
                said[i] = true;
                out.push(format!(
                    "{at}: `{}` is not how --{} takes its value; write `{}`",
                    m.text,
                    m.name,
                    shape(s, &m.name)
                ));
            } else if !s.choices.is_empty() && !is_shape(s, &m.shown) {
                said[i] = true;
                out.push(format!(
                    "{at}: `{}` shows other values than the table's choices; write `{}`",
                    m.text,
                    shape(s, &m.name)
                ));
            }
            shown_right[i] |= is_shape(s, &m.shown);
        }
        want_vars.sort();
        want_vars.dedup();
        if mentions.is_empty() {
            // A variable without an option: one, and the table's.
            match &doc_vars[..] {
                [var] => match SETTINGS.iter().position(|s| s.var == Some(var.as_str())) {
                    Some(i) if SETTINGS[i].flag.is_none() => named[i] = true,
                    Some(i) => out.push(format!(
                        "{at}: {var} has an option, --{}; name it in this row",
                        SETTINGS[i].flag.unwrap_or_default()
                    )),
                    None => {
                        out.push(format!("{at}: {var} is no variable of the settings table (a stale row?)"))
                    }
                },
                vars => out.push(format!("{at}: a row with no option names one variable, not {vars:?}")),
            }
        } else if doc_vars != want_vars {
            let options: Vec<&str> = mentions.iter().map(|m| m.text.as_str()).collect();
            out.push(format!(
                "{at} ({}): the environment column names {doc_vars:?}; the table's rows have {want_vars:?}",
                options.join(", ")
            ));
        }
    }
    for (i, s) in SETTINGS.iter().enumerate() {
        match (s.flag, s.var) {
            (Some(flag), _) if !named[i] => out.push(format!(
                "--{flag} has no row in docs/usage.md's table ({OPTIONS}); add one for `{}`",
                shape(s, flag)
            )),
            (Some(flag), _) if !shown_right[i] && !said[i] => out.push(format!(
                "--{flag} is in docs/usage.md's table, but never as `{}`, the way the table takes it",
                shape(s, flag)
            )),
            (None, Some(var)) if !named[i] => out.push(format!(
                "{var} has no row in docs/usage.md's table ({OPTIONS}); add `| | `{var}` | ... |`"
            )),
            _ => {}
        }
    }
    Ok(())
}

/// The configuration files' list of keys: the table's keys, sorted, as
/// `--show-config` shows them.
fn keys(doc: &str, out: &mut Vec<String>) -> Result<(), String> {
    let (first, text) = section(doc, CONFIG)?;
    let start = text.find(KEYS).ok_or(format!("docs/usage.md: {CONFIG} has no {KEYS:?} bullet"))?;
    let bullet = &text[start..];
    let bullet = &bullet[..bullet.find("\n- ").unwrap_or(bullet.len())];
    let line = first + text[..start].lines().count();
    let doc_keys: Vec<&str> = spans(bullet)
        .into_iter()
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    let mut want: Vec<&str> = SETTINGS.iter().filter_map(|s| s.key).collect();
    want.sort_unstable();
    if doc_keys != want {
        let missing: Vec<&&str> = want.iter().filter(|k| !doc_keys.contains(k)).collect();
        let stale: Vec<&&str> = doc_keys.iter().filter(|k| !want.contains(k)).collect();
        out.push(format!(
            "docs/usage.md:{line}: the keys listed are not the table's, sorted: missing {missing:?}, \
             no key {stale:?}; the table's: {want:?}"
        ));
    }
    Ok(())
}

/// Every `SOLINK_*` word of the doc is a variable solink reads.
fn variables_named(doc: &str, out: &mut Vec<String>) {
    for (n, line) in doc.lines().enumerate() {
        for (at, _) in line.match_indices("SOLINK_") {
            let word: String = line[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            // `SOLINK_` alone is the prefix, as the doc says of the keys.
            if word == "SOLINK_" {
                continue;
            }
            let known = SETTINGS.iter().any(|s| s.var == Some(word.as_str()))
                || OTHER_VARIABLES.iter().any(|(v, _)| *v == word);
            if !known {
                out.push(format!(
                    "docs/usage.md:{}: {word} is no variable solink reads (not in the settings table, \
                     nor in man.rs's OTHER_VARIABLES)",
                    n + 1
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_usage_md_says_what_the_table_says() {
        let found = problems(USAGE);
        assert!(
            found.is_empty(),
            "docs/usage.md disagrees with src/settings/table.rs:\n{}",
            found.join("\n")
        );
    }

    /// The doc `edit` makes of docs/usage.md, which must change it.
    fn edited(from: &str, to: &str) -> String {
        assert!(USAGE.contains(from), "docs/usage.md holds no {from:?}");
        USAGE.replacen(from, to, 1)
    }

    /// The problems a changed doc has that docs/usage.md has not: one
    /// at least, each of `expected` in one of them.
    fn check(from: &str, to: &str, expected: &[&str]) {
        let before = problems(USAGE);
        let found: Vec<String> =
            problems(&edited(from, to)).into_iter().filter(|p| !before.contains(p)).collect();
        assert!(!found.is_empty(), "{from:?} -> {to:?} went unseen");
        for e in expected {
            assert!(
                found.iter().any(|p| p.contains(e)),
                "{from:?} -> {to:?}: no problem says {e:?} in {found:#?}"
            );
        }
    }

    /// The check finds each kind of disagreement, naming the row.
    #[test]
    fn each_disagreement_is_found_and_named() {
        let row = |flag: &str| {
            let at = USAGE.find(&format!("| `--{flag}")).unwrap();
            USAGE[at..].lines().next().unwrap().to_string() + "\n"
        };
        // A row deleted: the option, and its variable, have none.
        check(&row("no-cache"), "", &["--no-cache has no row"]);
        check("| | `SOLINK_LOGFILE` |", "| | |", &["SOLINK_LOGFILE has no row", "not []"]);
        // A variable renamed, dropped or given to the wrong row.
        check(
            "`SOLINK_HIDE=1`",
            "`SOLINK_HIDDEN=1`",
            &[
                "(--hide[=NAME]): the environment column names [\"SOLINK_HIDDEN\"]",
                "SOLINK_HIDDEN is no variable",
            ],
        );
        check(
            "| `--no-deps` | `SOLINK_NO_DEPS=1` |",
            "| `--no-deps` | |",
            &["names []; the table's rows have [\"SOLINK_NO_DEPS\"]"],
        );
        check(
            "| `--print-resolved` | |",
            "| `--print-resolved` | `SOLINK_PRINT_RESOLVED` |",
            &["--print-resolved"],
        );
        // A value shown the wrong way, or another value than the table's.
        check(
            "`--hide[=NAME]`",
            "`--hide NAME`",
            &["`--hide NAME` is not how --hide takes its value; write `--hide[=NAME]`"],
        );
        check("`--libsdir DIR`", "`--libsdir`", &["write `--libsdir DIR`"]);
        check(
            "`--cc PROGRAM`",
            "`--cc DRIVER`",
            &["--cc is in docs/usage.md's table, but never as `--cc PROGRAM`"],
        );
        check(
            "text\\|json\\|cyclonedx",
            "json\\|text\\|cyclonedx",
            &["other values than the table's choices"],
        );
        check(
            "`--rpath-dynamic[=absolute\\|origin]`",
            "`--rpath-dynamic[=origin]`",
            &["write `--rpath-dynamic[=absolute|origin]`"],
        );
        // A stale option, a stale variable-only row, a stale variable.
        check("`--man`", "`--manual`", &["`--manual` is no option", "--man has no row"]);
        check(
            "| | `SOLINK_DISABLE=1` |",
            "| | `SOLINK_OFF=1` |",
            &["SOLINK_OFF is no variable of the settings table"],
        );
        check(
            "`SOLINK_SYSTEM_CONFIG`",
            "`SOLINK_SYS_CONFIG`",
            &["SOLINK_SYS_CONFIG is no variable solink reads"],
        );
        // A variable that has an option, alone in a row.
        check("| | `SOLINK_LOGFILE` |", "| | `SOLINK_STRICT` |", &["SOLINK_STRICT has an option, --strict"]);
        // A key left out of the list, or one that is no key.
        check("`isolate`, `libsdir`", "`libsdir`", &["missing [\"isolate\"]"]);
        check("`dry_run`, `embed`", "`dry_run`, `compiler`, `embed`", &["no key [\"compiler\"]"]);
    }

    #[test]
    fn the_pieces_read_markdown_as_written() {
        assert_eq!(cells("| `a\\|b` | `X=1` | c |"), ["`a|b`", "`X=1`", "c"]);
        assert_eq!(spans("`--a` and `--b`, not --c"), ["--a", "--b"]);
        assert_eq!(variables("`SOLINK_X=1` or a list; `isolate`, `PATH`"), ["PATH", "SOLINK_X"]);
        let m = mentions("--audit --embeds NAME[=SHA256] DIR...");
        assert_eq!((m[0].name.as_str(), &m[0].shown), ("audit", &Shown::Bare));
        assert_eq!((m[1].name.as_str(), &m[1].shown), ("embeds", &Shown::Separate("NAME[=SHA256]".into())));
        assert_eq!(mentions("--audit FILE...")[0].shown, Shown::Bare);
        assert_eq!(mentions("--hide[=NAME]")[0].shown, Shown::Optional("NAME".into()));
        assert_eq!(mentions("--export=@FILE")[0].shown, Shown::Equals("@FILE".into()));
        let (line, text) = section("# t\n\n## A\nx\n## B\ny\n", "## A").unwrap();
        assert_eq!((line, text), (3, "## A\nx\n"));
    }
}

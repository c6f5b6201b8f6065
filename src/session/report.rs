//! What a link says and prints: `--explain` (text or JSON), the warnings,
//! `--strict`, `--print-resolved` and `--depfile` before the link.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use super::ctx::Ctx;
use super::{colour, depfile};
use crate::error::Error;
use crate::settings::cli;
use crate::{explain, resolve};

/// What comes between the decisions and the link: `--strict` refuses on
/// any warning, `--print-resolved` prints the embedded files and stops
/// (`Some(0)`), `--depfile` writes them. The embedded files are computed
/// only for those two options.
pub(super) fn before_link(
    ctx: &Ctx,
    decisions: &[crate::model::Decision],
    warnings: &[String],
) -> Result<Option<u8>, Error> {
    let Ctx { options, cmd, .. } = *ctx;
    if options.strict {
        // Every warning, not just the first: a build log should show them all.
        let lines: Vec<String> = decisions
            .iter()
            .filter_map(|d| d.warning.as_ref())
            .map(explain::warning)
            .chain(warnings.iter().cloned())
            .collect();
        if !lines.is_empty() {
            return Err(Error::Strict { warnings: lines });
        }
    }
    if options.print_resolved {
        let mut out = Vec::new();
        for path in &resolve::embedded_files(cmd, decisions) {
            out.extend_from_slice(path.as_os_str().as_encoded_bytes());
            out.push(b'\n');
        }
        print_out(&out)?;
        return Ok(Some(0));
    }
    if let (Some(path), true) = (&options.depfile, cmd.is_shared_link() || !decisions.is_empty()) {
        let target = cmd.output.clone().unwrap_or_else(|| PathBuf::from("a.out"));
        let mut prereqs = resolve::embedded_files(cmd, decisions);
        let members: Vec<PathBuf> = prereqs.iter().flat_map(|a| depfile::thin_members(a)).collect();
        for pc in members.into_iter().chain(depfile::pc_files(decisions)) {
            if !prereqs.contains(&pc) {
                prereqs.push(pc);
            }
        }
        depfile::write(&depfile::path_for(path, &target), &depfile::render(&target, &prereqs)?)?;
    }
    Ok(None)
}

/// Writes all of `bytes` to stdout and flushes them (`print!` panics on a
/// full disk, and with `no_main` nothing flushes stdout at exit).
pub(super) fn print_out(bytes: &[u8]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|source| Error::Output { source })
}

/// Explain output (text or JSON) and warnings, on stderr, for a link
/// solink handles (a command it passes through says nothing). Best
/// effort: a closed stderr must not stop the link. Returns what it wrote
/// without `--explain` (the warnings), which direct mode replays.
pub(super) fn report(
    ctx: &Ctx,
    decisions: &[crate::model::Decision],
    command: &[OsString],
    about: &explain::About,
) -> Vec<u8> {
    let Ctx { options, cmd, env, .. } = *ctx;
    use std::io::IsTerminal;
    let mut err = std::io::stderr().lock();
    if options.explain && options.format == cli::Format::Json {
        let _ = writeln!(err, "{}", explain::json(cmd, decisions, command, about));
        return Vec::new();
    }
    let prefix = colour::warning_prefix(colour::choice(env, err.is_terminal()));
    if options.explain {
        for note in &about.notes {
            let _ = writeln!(err, "{}", explain::note_line(note));
        }
        // Each warning once, right after the decision it explains.
        for d in decisions {
            let _ = writeln!(err, "{}", explain::decision_line(cmd, d));
            if let Some(warning) = &d.warning {
                let _ = writeln!(err, "{prefix} {}", explain::warning(warning));
            }
        }
        for line in &about.private {
            let _ = writeln!(err, "{line}");
        }
        for line in &about.exports {
            let _ = writeln!(err, "{line}");
        }
        for line in about.host.iter().flat_map(explain::host_lines) {
            let _ = writeln!(err, "{line}");
        }
        for w in &about.warnings {
            let _ = writeln!(err, "{prefix} {w}");
        }
        if !about.recorded.is_empty() {
            let _ = writeln!(err, "{}", explain::recorded_line(&about.recorded));
        }
        let _ = err.write_all(&explain::command_line(command));
        if cmd.is_shared_link() || !decisions.is_empty() {
            let _ = writeln!(err, "{}", explain::summary(cmd, decisions, about.warnings.len()));
        }
        if let Some(added) = about.added {
            let _ = writeln!(err, "{}", explain::added_line(added));
        }
        return Vec::new();
    }
    let mut said = Vec::new();
    for warning in decisions.iter().filter_map(|d| d.warning.as_ref()) {
        let _ = writeln!(said, "{prefix} {}", explain::warning(warning));
    }
    for w in &about.warnings {
        let _ = writeln!(said, "{prefix} {w}");
    }
    let _ = err.write_all(&said);
    said
}

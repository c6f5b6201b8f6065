//! The management options: `--clear-cache`, `--show-cache`, `--show-config`
//! and `--audit` (with `--embeds`).

use std::path::PathBuf;

use crate::audit::{self, sbom};
use crate::env::Env;
use crate::error::Error;
use crate::exec::Driver;
use crate::settings::cli::{self, Options};
use crate::settings::config;
use crate::{explain, store};

use super::ctx::cache_root;
use super::report::print_out;

/// `--clear-cache`, `--show-cache`, `--show-config` and `--audit`.
pub(super) fn manage(
    what: cli::Manage,
    options: &Options,
    env: &Env,
    config: &config::Config,
) -> anyhow::Result<u8> {
    if what == cli::Manage::ShowConfig {
        let words = options.cc.clone().unwrap_or_else(|| vec!["cc".into()]);
        let driver = match Driver::find(&words, env) {
            Ok(d) => d.path.display().to_string(),
            Err(e) => format!("none ({e})"),
        };
        let text = config.show(
            env!("CARGO_PKG_VERSION"),
            &driver,
            &options.command_line,
            cache_root(options, env).as_deref(),
        );
        print_out(text.as_bytes())?;
        return Ok(0);
    }
    let root = || cache_root(options, env).ok_or(Error::NoCacheDir);
    let text = match what {
        cli::Manage::ClearCache => {
            let root = root()?;
            let cleared = store::clear(&root).map_err(|e| match e {
                store::NoStore::Distrusted(path, why) => Error::CacheClear { path, why: why.to_string() },
                store::NoStore::Unavailable(problem) => {
                    Error::CacheNotCleared { path: root.clone(), problem: problem.unwrap_or_default() }
                }
            })?;
            // What could not be removed is said, and the status is not 0:
            // a read-only cache is not "cleared" (issue 33 §5).
            if let Some((first, e)) = cleared.failed.first() {
                let n = cleared.failed.len();
                let problem = explain::not_removed(n, first, e);
                return Err(Error::CacheNotCleared { path: root, problem }.into());
            }
            format!("cleared the cache at {}\n", root.display())
        }
        cli::Manage::ShowCache => {
            let root = root()?;
            let (entries, bytes) = store::usage(&root);
            format!("cache directory: {}\nentries: {entries}\nsize: {bytes} bytes\n", root.display())
        }
        cli::Manage::ShowConfig => unreachable!("handled above"),
        cli::Manage::Audit(files) => return run_audit(&files, options, env),
        cli::Manage::Embeds(query, dirs) => return run_embeds(&query, &dirs, options),
    };
    print_out(text.as_bytes())?;
    Ok(0)
}

/// `--audit FILE...`: 1 when an archive is embedded twice in a closure
/// and a copy can interpose, 3 when something could not be seen, 0 when
/// neither (docs/provenance.md).
pub(super) fn run_audit(files: &[PathBuf], options: &Options, env: &Env) -> anyhow::Result<u8> {
    let audits = audit::audit(files, &audit::Loader::system(env), &super::ctx::temp_dir(env))?;
    let mut text = match options.format {
        cli::Format::Text => audit::text(&audits),
        cli::Format::Json => audit::json(&audits).to_string() + "\n",
        // One document per FILE, each on a line of its own.
        cli::Format::CycloneDx => sbom::cyclonedx(&audits).iter().map(|d| d.to_string() + "\n").collect(),
        cli::Format::Spdx => audit::spdx::spdx(&audits, env).iter().map(|d| d.to_string() + "\n").collect(),
        cli::Format::Debian => audit::distro::debian(&audits, options.format.name(), env)?,
        cli::Format::Rpm => audit::distro::rpm(&audits),
    };
    if text.is_empty() {
        text.push('\n');
    }
    print_out(text.as_bytes())?;
    Ok(audit::status(&audits))
}

/// `--audit --embeds NAME[=SHA256] DIR...`: 0 when a file embeds it, 1
/// when none does, 3 when something could not be seen (docs/provenance.md).
pub(super) fn run_embeds(
    query: &audit::embeds::Query,
    dirs: &[PathBuf],
    options: &Options,
) -> anyhow::Result<u8> {
    let found = audit::embeds::find(query, dirs)?;
    let text = match options.format {
        cli::Format::Json => audit::embeds::json(&found).to_string() + "\n",
        // A list of files has no record form: it is said as text.
        _ => audit::embeds::text(&found),
    };
    print_out(text.as_bytes())?;
    Ok(found.status())
}

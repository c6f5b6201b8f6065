//! Issue 35 at link time: the private copies of embedded archives, made
//! before the link. `--isolate`: each selected archive with the members ld
//! takes from it becomes one relocatable object (`ld -r`, through the
//! driver, so the link's own linker makes it), then binutils' objcopy makes
//! every global local but what the rest of the link uses from it
//! (`--keep-global-symbols`). A whole archive whose members an earlier
//! input already links byte for byte gets a copy with those members'
//! symbols weak (`--weaken-symbols`), so the first copy is the one bound.
//!
//! Why objcopy, not a version script or the `object` crate: ld applies a
//! version script only to a dynamic output (with `-r` it changes nothing
//! local), and making a symbol local means moving it before every global
//! in `.symtab` and renumbering every relocation and group that names it,
//! which objcopy has done for decades (llvm-objcopy takes the same options
//! for an LLVM toolchain); `object`'s writer would be that rewrite again.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use crate::error::Error;
use crate::exec::{self, Driver};
use crate::formats::symbols::Name;
use crate::model::Decision;
use crate::policy::isolate::{self, Private};
use crate::resolve;
use crate::rewrite;

use super::ctx::{temp_dir, Ctx};

/// The private copies of a link and the temporary files they live in,
/// removed after the link.
#[derive(Default)]
pub(super) struct Copies {
    pub(super) privates: Vec<Private>,
    pub(super) files: Vec<tempfile::TempPath>,
}

/// Works out and makes the link's private copies, and makes each stand
/// where its archive would (`shape.replaced`). Nothing when neither
/// `--isolate` nor a byte-identical whole member asks for one.
pub(super) fn private_copies(
    ctx: &Ctx,
    resolver: &mut resolve::Resolver<'_>,
    decisions: &[Decision],
    shape: &mut rewrite::Shape,
    exports: &[Name],
) -> Result<Copies, Error> {
    let Ctx { cmd, driver, env, .. } = *ctx;
    let Some(summary) = resolver.summary().cloned() else { return Ok(Copies::default()) };
    let whole_twice = summary.clashes.iter().any(|k| k.taken);
    if shape.isolate == rewrite::Select::None && !whole_twice {
        return Ok(Copies::default());
    }
    let driver_name = &ctx.driver_words[0];
    let Some(facts) = resolver.link_facts(cmd, decisions, shape, driver_name) else {
        return Ok(Copies::default());
    };
    let same = resolver.same_copies(&summary.clashes);
    let privates = isolate::privates(decisions, &facts, &summary, &same, &shape.isolate, exports);
    if privates.is_empty() {
        return Ok(Copies::default());
    }
    let Some(driver) = driver else { return Ok(Copies::default()) };
    let objcopy = objcopy_of(driver, cmd, env);
    let dir = temp_dir(env);
    let mut files = Vec::new();
    for p in &privates {
        let fail = |said: String| Error::NoPrivateCopy { archive: p.archive.clone(), said };
        let objcopy = objcopy
            .as_ref()
            .ok_or_else(|| fail("no objcopy found (driver -print-prog-name=objcopy)".into()))?;
        let made = match &p.isolate {
            Some(iso) => {
                let rel = temp_file(&dir, ".o").map_err(|e| fail(e.to_string()))?;
                driver
                    .step(&rewrite::relocatable_args(
                        &cmd.target_flags,
                        &p.archive,
                        p.whole,
                        &iso.anchors,
                        &rel,
                    ))
                    .map_err(fail)?;
                let keep = list_file(&dir, &iso.keep).map_err(|e| fail(e.to_string()))?;
                let out = temp_file(&dir, ".o").map_err(|e| fail(e.to_string()))?;
                exec::run_tool(objcopy, &rewrite::objcopy_args(&rel, Some(&keep), None, &out))
                    .map_err(fail)?;
                files.extend([rel, keep]);
                out
            }
            None => {
                let weak = list_file(&dir, &p.weaken).map_err(|e| fail(e.to_string()))?;
                let out = temp_file(&dir, ".a").map_err(|e| fail(e.to_string()))?;
                exec::run_tool(objcopy, &rewrite::objcopy_args(&p.archive, None, Some(&weak), &out))
                    .map_err(fail)?;
                files.push(weak);
                out
            }
        };
        shape.replaced.push((p.archive.clone(), made.to_path_buf()));
        files.push(made);
    }
    Ok(Copies { privates, files })
}

/// The driver's objcopy (`-print-prog-name=objcopy`: a cross toolchain's
/// own), found on PATH when it answers a bare name.
fn objcopy_of(driver: &Driver, cmd: &crate::args::Command, env: &crate::env::Env) -> Option<PathBuf> {
    let said = driver.ask(&cmd.target_flags, "-print-prog-name=objcopy");
    let name = said
        .map(|s| String::from_utf8_lossy(&s).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "objcopy".into());
    exec::find_program(&OsString::from(name), env)
}

fn temp_file(dir: &std::path::Path, suffix: &str) -> std::io::Result<tempfile::TempPath> {
    Ok(tempfile::Builder::new().prefix("solink-private-").suffix(suffix).tempfile_in(dir)?.into_temp_path())
}

/// A temporary file of `names`, one a line (objcopy's symbol lists).
fn list_file(dir: &std::path::Path, names: &[Name]) -> std::io::Result<tempfile::TempPath> {
    let mut f = tempfile::Builder::new().prefix("solink-symbols-").tempfile_in(dir)?;
    for n in names {
        f.write_all(n)?;
        f.write_all(b"\n")?;
    }
    f.flush()?;
    Ok(f.into_temp_path())
}

//! The last rules, in one place: once every library is decided, what the
//! later steps of a shared link settle, in order. Carried copies, the
//! closure check, the constructors left behind, the system's warnings
//! turned to notes, the one refusal, and the run paths. The session calls
//! it between `resolve` and `rewrite`; it does no I/O of its own (the
//! probe it asks does).

use std::ffi::OsStr;
use std::path::Path;

use super::Resolver;
use crate::args::Command;
use crate::error::Error;
use crate::formats::symbols::Name;
use crate::model::{self, Decision};
use crate::policy::{self, verify, RpathForm};
use crate::rewrite::Shape;

/// What the last rules are asked to do beyond the decisions.
pub struct Last<'p> {
    /// `--whole-archive=auto`: pull by name the members whose constructors
    /// ld would leave behind.
    pub pull_ctors: bool,
    /// `--rpath-dynamic[=FORM]`, with the output's directory.
    pub rpath: Option<(RpathForm, &'p Path)>,
    /// `--strict`: every warning is refused, all of them said, so the one
    /// refusal here gives way to that report (which names it too).
    pub strict: bool,
}

impl Resolver<'_> {
    /// Applies the last rules to `decisions` and fills `shape`'s run paths.
    /// Returns the symbols the constructors need pulled by name (the
    /// rewrite's `--undefined=` words); an archive ld would refuse is the
    /// one error.
    pub fn finish(
        &mut self,
        cmd: &Command,
        decisions: &mut Vec<Decision>,
        shape: &mut Shape,
        driver: &OsStr,
        last: Last<'_>,
    ) -> Result<Vec<Name>, Error> {
        // What resolution and completion warned about, judged the same way
        // before the checks read the warnings.
        decisions.iter_mut().for_each(policy::system_warning_to_note);
        self.carried(cmd, decisions);
        self.verify(cmd, decisions, shape, driver);
        self.probe.store_pack();
        // Issue 35 §2: two copies of a symbol with different bytes; said
        // before the constructors a left-out copy takes with it.
        if let Some(clashes) = self.summary().map(|s| s.clashes.clone()).filter(|c| !c.is_empty()) {
            let same = self.same_copies(&clashes);
            if let Some(summary) = self.summary() {
                policy::isolate::conflicts(decisions, summary, &same, &shape.isolate);
            }
        }
        let mut pull = Vec::new();
        if let Some(summary) = self.summary_mut() {
            if last.pull_ctors {
                pull = verify::pull_ctors(decisions, summary).0;
            }
            verify::ctors_left(decisions, summary);
            policy::isolate::ctors_taken(decisions, summary, &shape.isolate);
        }
        // And what the checks warned about.
        decisions.iter_mut().for_each(policy::system_warning_to_note);
        let refused = if last.strict { None } else { verify::refused(decisions, self.summary()) };
        if let Some((archive, problem)) = refused {
            let twin = model::twin_name(&archive);
            return Err(Error::NotPic { archive, problem, twin });
        }
        shape.lib_dirs = policy::added_lib_dirs(decisions);
        if let Some((form, output_dir)) = last.rpath {
            shape.rpaths = self.rpath_dirs(decisions, form, output_dir);
        }
        Ok(pull)
    }
}

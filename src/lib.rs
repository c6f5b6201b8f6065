//! solink: a drop-in for `gcc -shared` that embeds the static archives a
//! shared library links against.
//!
//! The pipeline is **classify → resolve → finish → rewrite → run**:
//! `args::classify` reads the gcc command line, `resolve::Resolver::resolve`
//! decides each `-lNAME`, `Resolver::finish` applies the last rules (the
//! closure check among them), `rewrite::rewrite` builds the final argv, and
//! `exec` execs the real driver. The library never reads the process environment or argv
//! itself: [`run`] gets both as arguments.
//!
//! The public surface is what the binary needs: [`run`], [`Env`], [`Error`]
//! and [`shown`]. Tests, benches and fuzz targets reach the rooms through
//! one hidden door, `solink::testing`; docs/ARCHITECTURE.md maps the house.

mod args;
mod audit;
mod closure;
mod env;
mod error;
mod exec;
mod explain;
mod formats;
mod fsx;
mod model;
mod policy;
mod probe;
mod resolve;
mod rewrite;
mod session;
mod settings;
mod store;
mod text;

pub use env::Env;
pub use error::{Error, Usage};
pub use session::run;
pub use text::shown;

/// The one door for tests, benches and fuzz targets: the rooms they check
/// by themselves, by the names they had at the crate root. Not part of
/// solink's interface; nothing outside this repository should use it.
#[doc(hidden)]
pub mod testing {
    pub use crate::formats::{archive, pkgconfig, provenance, symbols};
    pub use crate::probe::{search, sysdirs};

    /// The command line: classification, the ld plan, `@file`s.
    pub mod args {
        pub use crate::args::*;
    }
    /// What a link needs, and what ld pulls.
    pub mod closure {
        pub use crate::closure::*;
    }
    /// Bounded, typed file reads.
    pub mod fsx {
        pub use crate::fsx::*;
    }
    /// The resolver and its decisions.
    pub mod resolve {
        pub use crate::model::{
            archive_file_name, is_runtime, Decision, Note, Outcome, Reason, ScriptProblem, Subject,
            Unchecked, Unreadable, Warning, RUNTIME_LIBS,
        };
        pub use crate::policy::{Policy, RpathForm};
        pub use crate::resolve::*;
    }
    /// The final argv.
    pub mod rewrite {
        pub use crate::rewrite::*;
    }
    /// The verdict cache.
    pub mod store {
        pub use crate::store::*;
    }
    /// Showing bytes to a person.
    pub mod text {
        pub use crate::text::*;
    }
}

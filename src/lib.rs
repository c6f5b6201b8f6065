//! solink: a drop-in for `gcc -shared` that embeds the static archives a
//! shared library links against.
//!
//! The pipeline is **classify → resolve → rewrite → run**:
//! [`args::classify`] reads the gcc command line, [`resolve::Resolver::resolve`]
//! decides each `-lNAME`, [`rewrite::rewrite`] builds the final argv, and
//! `exec` execs the real driver. The library never reads the process
//! environment or argv itself: [`run`] gets both as arguments.

pub mod args;
pub(crate) mod audit;
pub mod closure;
mod env;
mod error;
pub(crate) mod exec;
pub(crate) mod explain;
pub mod formats;
pub mod fsx;
pub(crate) mod model;
pub(crate) mod nvcc;
pub(crate) mod policy;
pub(crate) mod probe;
pub mod resolve;
pub mod rewrite;
pub(crate) mod sbom;
mod session;
mod settings;
pub mod store;
pub mod text;

pub use env::Env;
pub use error::{Error, Usage};
// The formats by their own names, for the tests, benches and fuzz targets.
pub use formats::{archive, pkgconfig, provenance, symbols};
// The search order, for the tests and benches that compare it with gcc.
pub use probe::search;
pub use session::run;

//! One run of solink, in one place: the only rooms that print, write the
//! user's files (the depfile, the log) or choose the exit status
//! (`tests/architecture.rs`). `run` is the way in.

pub(crate) mod colour;
mod ctx;
pub(crate) mod depfile;
mod exports;
mod isolate;
mod link_args;
pub(crate) mod logfile;
mod manage;
mod note;
mod report;
mod run;

pub use run::run;

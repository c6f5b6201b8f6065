//! Helpers shared by every test binary: `tests/cli/` (through `util.rs`),
//! `tests/oracle.rs`, `tests/corpus.rs`, `tests/properties.rs`, `tests/by_path.rs`,
//! `tests/clients.rs`, `tests/verified.rs`, `tests/pc_flags.rs` and `tests/ld_state.rs`, each of
//! which includes this module with `#[path = "support/mod.rs"] mod support;`.
//!
//! - `tools`: running commands (`run`, giving a `Ran`: status, stdout and
//!   stderr), and `require_tool`, the one way a test skips for a missing tool
//!   (a failure when `CI` is set);
//! - `text`: `assert_text`, exact comparison of whole texts with a line diff;
//! - `files`: `mkfifo`;
//! - `fixtures`: the repository's `fixtures/` and what is built from them;
//! - `system`: the machine's own archives, as gcc sees them;
//! - `cargo`: `fixtures/clients/cargo/native` built by cargo, plain or
//!   through solink, and its cdylib loaded and its program run.

// Each binary uses a different part of the toolkit.
#![allow(dead_code)]

pub mod cargo;
pub mod files;
pub mod fixtures;
pub mod system;
pub mod text;
pub mod tools;

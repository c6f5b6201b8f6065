//! Helpers shared by every test binary: `tests/cli/` (through `util.rs`),
//! `tests/oracle.rs`, `tests/corpus.rs` and `tests/properties.rs`, each of
//! which includes this module with `#[path = "support/mod.rs"] mod support;`.
//!
//! - `tools`: running commands, and `require_tool`, the one way a test skips
//!   for a missing tool (a failure when `CI` is set);
//! - `fixtures`: the repository's `fixtures/` and what is built from them;
//! - `system`: the machine's own archives, as gcc sees them.

// Each binary uses a different part of the toolkit.
#![allow(dead_code)]

pub mod fixtures;
pub mod system;
pub mod tools;

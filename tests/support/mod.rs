//! Helpers shared by every test file: the one test binary's root
//! (`tests/cli/main.rs`) declares this module once, so what a fixture
//! builds is built once per run, and each file names it
//! (`use crate::support;`; `tests/cli/` through `util.rs`).
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

// Not every helper has a user in every build of the suite.
#![allow(dead_code)]

pub mod cargo;
pub mod files;
pub mod fixtures;
pub mod system;
pub mod text;
pub mod tools;

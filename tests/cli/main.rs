//! solink's integration tests: one binary (issue 36 §6), so the machine's
//! cores stay busy across every file's tests instead of idling through the
//! slowest test of each of sixteen binaries in turn, the fixtures of
//! `tests/support/` are built once, and cargo links one test program.
//!
//! The modules of `tests/cli/` are the command-line tests; the files of
//! `tests/` beside this folder are modules too, each under its own name
//! (`cargo test --test cli cache::`), `tests/verified.rs` as
//! `verified_links` (`verified` is the support module it uses).
//!
//! - `fake`: a fake driver that records its argv, for exact-argv, exit-code
//!   and signal checks.
//! - `real`: the machine's gcc and ld build, link, load and run.
//! - `util`: the `Dir`/`TestCommand` builder, and the helpers of
//!   `tests/support/` that every test binary shares.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

#[path = "../architecture.rs"]
mod architecture;
mod audit;
mod big;
mod budget;
#[path = "../by_path.rs"]
mod by_path;
#[path = "../cache.rs"]
mod cache;
mod chains;
#[path = "../clients.rs"]
mod clients;
#[path = "../closure.rs"]
mod closure;
mod cmake;
mod config;
#[path = "../corpus.rs"]
mod corpus;
mod cross;
mod cuda;
mod dropin;
mod elf;
mod embedding;
mod errors;
mod export;
mod fake;
mod hostile;
#[path = "../isolate.rs"]
mod isolate;
mod ld_options;
mod ld_says;
#[path = "../ld_state.rs"]
mod ld_state;
mod make;
mod manual;
mod nvcc_dryrun;
#[path = "../oracle.rs"]
mod oracle;
#[path = "../pc_flags.rs"]
mod pc_flags;
#[path = "../pkgconf.rs"]
mod pkgconf;
#[path = "../properties.rs"]
mod properties;
mod provenance_links;
mod real;
mod reliability;
mod rpath;
mod sandbox;
mod sbom;
mod stock;
#[path = "../support/mod.rs"]
mod support;
mod toolchains;
mod trust;
mod unused;
mod util;
#[path = "../support/verified.rs"]
mod verified;
#[path = "../verified_fixtures.rs"]
mod verified_fixtures;
#[path = "../verified.rs"]
mod verified_links;
mod writes;

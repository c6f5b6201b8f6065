//! solink's command-line tests: one integration binary.
//!
//! - `fake`: a fake driver that records its argv, for exact-argv, exit-code
//!   and signal checks.
//! - `real`: the machine's gcc and ld build, link, load and run.
//! - `util`: the `Dir`/`TestCommand` builder, and the helpers of
//!   `tests/support/` that every test binary shares.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

mod audit;
mod big;
mod budget;
mod chains;
mod cmake;
mod config;
mod cross;
mod cuda;
mod dropin;
mod elf;
mod embedding;
mod errors;
mod export;
mod fake;
mod hostile;
mod ld_options;
mod ld_says;
mod make;
mod manual;
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
mod writes;

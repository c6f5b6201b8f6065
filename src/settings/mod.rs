//! solink's own settings: one table of them (`table`), read by the options
//! (`cli`), the configuration files and `--show-config` (`config`), and the
//! manual that documents them (`man`); docs/usage.md is held to it by a test
//! (`usage_md`).

pub(crate) mod cli;
pub(crate) mod config;
pub(crate) mod man;
pub(crate) mod table;
#[cfg(test)]
mod usage_md;

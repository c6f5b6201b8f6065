//! solink's own settings: its options (`cli`), the configuration files and
//! `--show-config` (`config`), and the manual that documents them (`man`).
//! Not yet one table (issue 21 §3): a setting is still written in `cli`'s
//! clap derive and `OPTIONS`, `config::SETTINGS` and `man::ENVIRONMENT`,
//! with tests holding each pair equal.

pub(crate) mod cli;
pub(crate) mod config;
pub(crate) mod man;

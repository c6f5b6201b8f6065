//! The file formats solink reads and writes, knowing nothing of links:
//! `ar` archives and their members' verdicts, symbol tables, GNU ld
//! scripts, shared objects' dynamic sections, pkg-config files and the `.note.solink` record. Each takes the
//! file it is given (through `fsx`, bounded) and returns what it says; it
//! could be a crate of its own (`tests/architecture.rs` holds that it
//! imports nothing above the ground floor).

pub mod archive;
pub mod elf;
pub mod pkgconfig;
pub mod provenance;
pub mod symbols;

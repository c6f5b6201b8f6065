//! The link's target: which class and machine its archives must be for.
//!
//! ld takes the output's format from its first input object and skips
//! archives for another ("skipping incompatible"); solink does the same, so
//! the target is the first ELF input object's, else the host's adjusted by
//! `-m32`/`-mx32`.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::args::Command;
use crate::formats::archive::pic::{elf_id, ElfId};
use crate::formats::provenance::Target;

/// The class and machine of the link's first ELF input object, or else the
/// host's, adjusted by `-m32`/`-mx32`.
pub fn link_target(cmd: &Command) -> ElfId {
    for arg in &cmd.args {
        let tokens = cmd.arg_tokens(arg);
        if tokens.len() != 1 || arg.linker.is_some() {
            continue;
        }
        let t = tokens[0].as_bytes();
        if t.ends_with(b".o") || t.ends_with(b".lo") || t.ends_with(b".obj") {
            if let Some(id) = object_target(Path::new(OsStr::from_bytes(t))) {
                return id;
            }
        }
    }
    let host = host_target();
    let flag = |f: &[u8]| cmd.target_flags.iter().any(|t| t.as_bytes() == f);
    if flag(b"-m32") && host.machine == object::elf::EM_X86_64 {
        return ElfId { class64: false, machine: object::elf::EM_386 };
    }
    if flag(b"-mx32") {
        return ElfId { class64: false, machine: host.machine };
    }
    host
}

/// The ELF identity in the first 64 bytes of `path`. The input is opened as
/// a hostile file: a FIFO named `x.o` is not waited on, and only the header
/// is read.
fn object_target(path: &Path) -> Option<ElfId> {
    let (head, _) = crate::fsx::head(path).ok()?;
    elf_id(head.get(..64)?)
}

/// The machine solink itself was built for.
pub fn host_target() -> ElfId {
    use object::elf::*;
    let machine = match std::env::consts::ARCH {
        "x86_64" => EM_X86_64,
        "x86" => EM_386,
        "aarch64" => EM_AARCH64,
        "arm" => EM_ARM,
        "riscv64" => EM_RISCV,
        "powerpc64" => EM_PPC64,
        "s390x" => EM_S390,
        _ => EM_NONE,
    };
    ElfId { class64: cfg!(target_pointer_width = "64"), machine }
}

/// The target of a link: from its first input object when one can be
/// read (its `e_flags`, which ld compares on ARM, RISC-V and MIPS),
/// else the link's ELF identity, little-endian, no flags.
/// `id` is [`link_target`]`(cmd)`, which the caller has
/// already asked (it reads an object).
pub fn note_target(cmd: &crate::args::Command, id: ElfId) -> Target {
    use std::os::unix::ffi::OsStrExt;
    // x86 has no e_flags and one byte order: nothing more to read.
    if matches!(id.machine, object::elf::EM_X86_64 | object::elf::EM_386) {
        return Target::of_id(id);
    }
    for arg in &cmd.args {
        let tokens = cmd.arg_tokens(arg);
        if tokens.len() != 1 || arg.linker.is_some() {
            continue;
        }
        let t = tokens[0].as_bytes();
        if !(t.ends_with(b".o") || t.ends_with(b".lo")) {
            continue;
        }
        let Ok((file, _)) = crate::fsx::open_regular(Path::new(std::ffi::OsStr::from_bytes(t))) else {
            continue;
        };
        let mut head = Vec::new();
        if file.take(64).read_to_end(&mut head).is_ok() {
            if let Some(target) = Target::of_object(&head) {
                return target;
            }
        }
    }
    Target::of_id(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_named_like_an_object_is_not_waited_on() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("x.o");
        crate::fsx::test_support::mkfifo(&fifo);
        assert_eq!(object_target(&fifo), None, "returns at once, without an ELF id");
    }

    #[test]
    fn a_short_or_foreign_file_has_no_target() {
        let t = tempfile::tempdir().unwrap();
        let short = t.path().join("short.o");
        std::fs::write(&short, b"\x7fELF").unwrap();
        assert_eq!(object_target(&short), None);
        assert_eq!(object_target(&t.path().join("missing.o")), None);
    }
}

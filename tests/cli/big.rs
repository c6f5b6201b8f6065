//! Big archives (issue 34 §6): a member of megabytes is scanned in place,
//! copied sparsely when ar left it misaligned, and an archive of more than
//! 4 MiB is hashed for the note on a thread of its own, from its mapping.
//! Real gcc and ar; the oracles are the same object read whole and
//! `sha256sum`.

use std::fs;
use std::path::Path;
use std::process::Command;

use solink::testing::{archive, provenance, symbols};

use crate::util::*;

/// One member: a 5 MiB table (`.rodata`, `SHT_PROGBITS`, which no scan
/// reads), code that reads it and a variable defined elsewhere, and a
/// constructor (`.init_array`, which the symbol scan does read).
const BIG: &str = "const unsigned char big_table[5 << 20] = {1, 2, 3};\n\
                   extern int big_other;\n\
                   int big_get(int i) { return big_table[i & 0xfffff] + big_other; }\n\
                   static int ready;\n\
                   __attribute__((constructor)) static void big_init(void) { ready = 1; }\n\
                   int big_ready(void) { return ready; }\n";

/// `DIR/libNAME.a` holding `big.o` compiled with `flags`, with the
/// offset of the member's data in it.
fn big_archive(dir: &Dir, name: &str, flags: &[&str]) -> u64 {
    dir.write("big.c", BIG);
    let mut args = flags.to_vec();
    args.extend(["-O1", "-c", "big.c", "-o", "big.o"]);
    gcc(dir.root(), &args);
    let lib = format!("lib{name}.a");
    let _ = fs::remove_file(dir.path(&lib));
    sh(Command::new("ar").current_dir(dir.root()).args(["rcs", &lib, "big.o"]));
    let bytes = fs::read(dir.path(&lib)).unwrap();
    let ar = object::read::archive::ArchiveFile::parse(&*bytes).unwrap();
    let member = ar.members().next().unwrap().unwrap();
    member.file_range().0
}

/// The member's bytes read whole into memory that `object` can parse (a
/// fresh `Vec<u64>`'s, 8-byte aligned), as the scans read it before.
fn whole(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap()
}

#[test]
fn a_misaligned_big_member_is_judged_as_the_object_read_whole() {
    if !require_tool("gcc") || !require_tool("ar") {
        return;
    }
    let dir = Dir::new();
    // Position-independent, and not: the second's absolute relocations
    // are found only if the sparse copy kept its relocation sections.
    for (name, flags) in [("pic", &["-fPIC"][..]), ("abs", &["-fno-pic", "-fno-pie"][..])] {
        let offset = big_archive(&dir, name, flags);
        assert_ne!(offset % 8, 0, "ar aligned the member this time: the copy is not exercised");
        let ar = whole(&dir.path(&format!("lib{name}.a")));
        let object = whole(&dir.path("big.o"));
        let mut words = vec![0u64; object.len().div_ceil(8)];
        // SAFETY: u64 has no padding; the byte view covers `words`.
        let aligned =
            unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), object.len()) };
        aligned.copy_from_slice(&object);
        let aligned = &*aligned;

        let scanned = archive::pic::scan(aligned).unwrap();
        let mut buffer = archive::Aligned::default();
        let misaligned = &ar[offset as usize..offset as usize + object.len()];
        assert_eq!(archive::pic::scan(archive::aligned(misaligned, &mut buffer)).unwrap(), scanned, "{name}");
        let verdict = archive::inspect_bytes(&ar, dir.root());
        let archive::Verdict::Objects { members: 1, problem, .. } = &verdict else { panic!("{verdict:?}") };
        assert_eq!(problem.is_some(), name == "abs", "{name}: {verdict:?}");

        let symbols::Digest::Object(want) = symbols::digest_bytes(aligned, "big.o", dir.root()).unwrap()
        else {
            panic!("an object")
        };
        assert!(want.ctors && !want.undefined.is_empty() && want.sizes.code > 5 << 20, "{want:?}");
        let symbols::Digest::Archive(got) = symbols::digest_bytes(&ar, "x", dir.root()).unwrap() else {
            panic!("an archive")
        };
        assert_eq!(got.members, [want], "{name}");
    }
}

#[test]
fn a_big_archive_s_note_digest_is_its_sha256() {
    if !require_tool("gcc") || !require_tool("ar") || !require_tool("sha256sum") {
        return;
    }
    let dir = Dir::new();
    big_archive(&dir, "big", &["-fPIC"]);
    dir.write("use.c", "int big_get(int);\nint big_other = 1;\nint use(int i) { return big_get(i); }\n");
    gcc(dir.root(), &["-fPIC", "-c", "use.c", "-o", "use.o"]);
    let sum = sh(Command::new("sha256sum").arg(dir.path("libbig.a")));
    let want = sum.split_whitespace().next().unwrap().to_string();
    // A cold cache, a warm one (the digest from the entry), and none.
    for extra in [&[][..], &[][..], &["--no-cache"][..]] {
        dir.solink()
            .args(extra)
            .args(["--", "gcc", "-shared", "-o", "libuse.so", "use.o", "-L.", "-lbig"])
            .ok();
        let entries = provenance::read_notes(&dir.path("libuse.so")).unwrap();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].digest.hex(), want, "{extra:?}");
        assert_eq!(entries[0].members, ["big.o"]);
    }
}

/// `fsx::read_mapped` answers SIGBUS only for the mappings it is reading
/// (`src/fsx.rs` tests a truncation under it): the same fault outside
/// them still kills the process with SIGBUS, as it did before.
#[test]
fn a_fault_outside_a_guarded_read_still_kills() {
    use solink::testing::fsx;
    let dir = Dir::new();
    let path = dir.write("f", vec![1u8; 1 << 16]);
    let (file, _) = fsx::open_regular(&path).unwrap();
    // The handler is installed by a guarded read.
    fsx::read_mapped(&file, |_| ()).unwrap();
    // SAFETY: read-only and private; the child faults on purpose.
    let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
    fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    // SAFETY: the child only reads memory and exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: a page of the mapping, now past the file's end.
        let byte = unsafe { std::ptr::read_volatile(map.as_ptr().add(100)) };
        unsafe { libc::_exit(i32::from(byte)) };
    }
    let mut status = 0;
    // SAFETY: a child of this process.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFSIGNALED(status), "status {status:#x}");
    assert_eq!(libc::WTERMSIG(status), libc::SIGBUS);
}

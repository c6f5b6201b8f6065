//! nvcc as a driver (issue 20 §8): the host link it runs, read from what
//! `nvcc --dryrun` prints.
//!
//! nvcc does not link in its command's order. Its host compiler (`g++`
//! unless `-ccbin` says otherwise) gets the objects and archives first,
//! then `-shared` and every `-Xlinker` word, then the `-L` and `-l`s, then
//! nvcc's own directories and libraries (`-lcudadevrt -lcudart_static -lrt
//! -lpthread -ldl` for the default `--cudart static`), all in one
//! `--start-group`. The closure check reads that command, as ld will see
//! it, rather than a model of nvcc's shuffle. Pure: the dry run itself is
//! [`crate::exec::Driver::dry_run`]'s.
//!
//! One input of the host link is not read: the object nvcc makes for the
//! device link (from its `crt/link.stub`, named in a step before the link).
//! It does not exist until nvcc runs, and it holds the registration of the
//! device code, which refers to nothing but the CUDA runtime and the
//! objects' own registration stubs.
//!
//! Also here, as pure functions over nvcc's words: its temporary files'
//! names spelled the same in every run, the host compiler its dry run
//! ran, and the variables its `nvcc.profile` names (the dry run's cache
//! key and entry, `probe/dryrun.rs`).

use std::ffi::OsString;
use std::path::Path;

/// The host compiler's link step of an nvcc command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostLink {
    /// The host compiler as nvcc runs it (`g++`, `/opt/gcc/bin/g++`).
    pub compiler: OsString,
    /// Its arguments, without the device-link objects.
    pub args: Vec<OsString>,
}

/// The most steps one dry run is read for; a real one has about ten.
const MAX_STEPS: usize = 256;

/// The host link step of `dryrun` (nvcc's `--dryrun` output: one `#$ `
/// line per step, after lines that set nvcc's own variables). `Err` says
/// why there is none to read.
pub fn host_link(dryrun: &[u8]) -> Result<HostLink, String> {
    let text = std::str::from_utf8(dryrun)
        .map_err(|_| "nvcc --dryrun printed a command that is not UTF-8".to_string())?;
    let mut steps: Vec<Vec<String>> = Vec::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("#$ ")) {
        let words = shell_words::split(line)
            .map_err(|e| format!("nvcc --dryrun printed a step solink cannot split: {e}"))?;
        if words.first().map_or(true, |w| is_assignment(w)) {
            continue;
        }
        steps.push(words);
        if steps.len() > MAX_STEPS {
            return Err(format!("nvcc --dryrun printed more than {MAX_STEPS} steps"));
        }
    }
    // The device-link objects: what a step compiling nvcc's `link.stub`
    // writes.
    let device: Vec<&str> = steps
        .iter()
        .filter(|s| s.iter().any(|w| w.ends_with("/crt/link.stub")))
        .filter_map(|s| output_of(s))
        .collect();
    let link = steps
        .iter()
        .rev()
        .find(|s| {
            !matches!(base(&s[0]), "rm" | "nvlink" | "fatbinary" | "ptxas" | "cicc" | "cudafe++" | "bin2c")
        })
        .filter(|s| output_of(s).is_some())
        .ok_or_else(|| "nvcc --dryrun shows no host link step".to_string())?;
    // An object another step makes (nvcc compiling a `.cu` in the same
    // command) does not exist before nvcc runs, so the check cannot read it.
    let made: Vec<&str> =
        steps.iter().filter(|s| !std::ptr::eq(*s, link)).filter_map(|s| output_of(s)).collect();
    if link[1..].iter().any(|w| made.contains(&w.as_str()) && !device.contains(&w.as_str())) {
        return Err(
            "nvcc compiles sources in the same command, and their objects do not exist until it runs; \
                    compile them with -c first to have the link checked"
                .to_string(),
        );
    }
    Ok(HostLink {
        compiler: link[0].clone().into(),
        args: link[1..].iter().filter(|w| !device.contains(&w.as_str())).map(OsString::from).collect(),
    })
}

/// What `dryrun` names of nvcc's temporary files (`TMPDIR/tmpxft_PID_N-K_...`,
/// whose two hex fields change with every run) spelled the same in every
/// run: each distinct pair becomes `00000000_` and its ordinal, in the
/// order they first appear, so two names stay two and a dry run asked
/// again, or kept in the cache, reads the same (issue 34 §2). Nothing the
/// host link reads is such a file: the device-link objects are dropped
/// ([`host_link`]), and an object another step makes stops the check
/// either way.
pub fn without_temp_names(dryrun: &[u8]) -> Vec<u8> {
    const MARK: &[u8] = b"tmpxft_";
    let is_id =
        |w: &[u8]| w.len() == 17 && w[8] == b'_' && w[..8].iter().chain(&w[9..]).all(u8::is_ascii_hexdigit);
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut out = Vec::with_capacity(dryrun.len());
    let mut at = 0;
    while at < dryrun.len() {
        let rest = &dryrun[at..];
        let id = rest.strip_prefix(MARK).and_then(|r| r.get(..17)).filter(|w| is_id(w));
        match id {
            Some(id) => {
                let n = seen.iter().position(|s| *s == id).unwrap_or_else(|| {
                    seen.push(id);
                    seen.len() - 1
                });
                out.extend_from_slice(MARK);
                out.extend_from_slice(format!("00000000_{n:08x}").as_bytes());
                at += MARK.len() + 17;
            }
            None => {
                out.push(dryrun[at]);
                at += 1;
            }
        }
    }
    out
}

/// The host compiler nvcc runs, as it says in its device link's
/// `--host-ccbin "X"`: the program it ran during the dry run itself to
/// check the compiler (`X -E`, strace: `gcc` found on PATH by default,
/// `-ccbin`'s or `NVCC_CCBIN`'s program, `DIR/gcc` for a directory).
/// `None` when no step says, or two say different things.
pub fn host_ccbin(dryrun: &[u8]) -> Option<OsString> {
    let text = std::str::from_utf8(dryrun).ok()?;
    let mut found: Option<String> = None;
    for line in text.lines().filter_map(|l| l.strip_prefix("#$ ")) {
        let words = shell_words::split(line).ok()?;
        for pair in words.windows(2).filter(|w| w[0] == "--host-ccbin") {
            match &found {
                Some(f) if *f != pair[1] => return None,
                _ => found = Some(pair[1].clone()),
            }
        }
    }
    found.map(OsString::from)
}

/// The most variables one `nvcc.profile` may name and still be read.
const MAX_PROFILE_NAMES: usize = 256;

/// The variables an `nvcc.profile` names: each one it sets (`NAME = v`,
/// `+=`, `=+`, `?=`, which read the environment's value first) and each
/// one it reads (`$(NAME)`), in order, each once. `None` when it cannot be
/// read for sure (a `$(` or `${` that is no plain name, or more than
/// [`MAX_PROFILE_NAMES`]): then nothing of nvcc's is cached.
pub fn profile_names(profile: &[u8]) -> Option<Vec<String>> {
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &[u8]| -> Option<()> {
        let name = std::str::from_utf8(name).ok()?;
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
        (names.len() <= MAX_PROFILE_NAMES).then_some(())
    };
    for line in profile.split(|&c| c == b'\n') {
        let line = line.trim_ascii();
        let lhs = line.iter().position(|&c| !is_name(c)).unwrap_or(line.len());
        let after = line[lhs..].trim_ascii_start();
        let assigns = ["=", "+=", "?="].iter().any(|op| after.starts_with(op.as_bytes()));
        if lhs > 0 && assigns {
            add(&line[..lhs])?;
        }
        if line.windows(2).any(|w| w == b"${") {
            return None;
        }
        let mut rest = line;
        while let Some(at) = rest.windows(2).position(|w| w == b"$(") {
            rest = &rest[at + 2..];
            let end = rest.iter().position(|&c| c == b')')?;
            let name = &rest[..end];
            if name.is_empty() || !name.iter().all(|&c| is_name(c)) {
                return None;
            }
            add(name)?;
            rest = &rest[end + 1..];
        }
    }
    Some(names)
}

/// `NAME=value`: nvcc setting one of its variables (`_SPACE_= `,
/// `LIBRARIES=  "-L..."`), not a step.
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
        None => false,
    }
}

fn base(program: &str) -> &str {
    Path::new(program).file_name().and_then(|n| n.to_str()).unwrap_or(program)
}

/// The value of a step's `-o`.
fn output_of(step: &[String]) -> Option<&str> {
    step.windows(2).find(|w| w[0] == "-o").map(|w| w[1].as_str())
}

/// The `-l` words of `host` that `given` (nvcc's command, its libraries as
/// `-lNAME`/`-l:FILE`) did not bring: the libraries nvcc adds on its own,
/// in order.
pub fn own_libraries(host: &[OsString], given: &[String]) -> Vec<String> {
    let mut left: Vec<&str> = given.iter().map(String::as_str).collect();
    let mut own = Vec::new();
    for word in host.iter().filter_map(|w| w.to_str()).filter(|w| w.starts_with("-l") && w.len() > 2) {
        match left.iter().position(|g| *g == word) {
            Some(i) => {
                left.remove(i);
            }
            None => own.push(word.to_string()),
        }
    }
    own
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What nvcc 13.5 printed for `nvcc --dryrun -shared -o libad.so w.o
    /// ./libadapter.a -l:libcudart.so.12` (paths shortened).
    const DRYRUN: &str = r#"#$ _NVVM_BRANCH_=nvvm
#$ _SPACE_= 
#$ TOP=/w/cu13/bin/..
#$ LIBRARIES=  "-L/w/cu13/bin/../lib/stubs" "-L/w/cu13/bin/../lib"
#$ nvlink -m64  --shared --arch=sm_75 --register-link-binaries="/tmp/x-3_libad_dlink.reg.c"  -l:libcudart.so.12 "-L/w/cu13/bin/../lib" -cpu-arch=X86_64 "w.o" "./libadapter.a"  -lcudadevrt  -o "/tmp/x-5_libad_dlink.sm_75.cubin" --host-ccbin "gcc"
#$ fatbinary -64 -link "--image3=kind=elf,sm=75,file=/tmp/x-5_libad_dlink.sm_75.cubin" --embedded-fatbin="/tmp/x-4_libad_dlink.fatbin.c" 
#$ rm /tmp/x-4_libad_dlink.fatbin
#$ gcc -D__CUDA_ARCH_LIST__=750 -c -x c++ -fPIC -DFATBINFILE="\"/tmp/x-4_libad_dlink.fatbin.c\"" -m64 "/w/cu13/bin/crt/link.stub" -o "/tmp/x-6_libad_dlink.o" 
#$ g++ -D__CUDA_ARCH_LIST__=750 -m64 -Wl,--start-group "/tmp/x-6_libad_dlink.o" "w.o" "./libadapter.a" -shared -l:libcudart.so.12   "-L/w/cu13/bin/../lib/stubs" "-L/w/cu13/bin/../lib"  -lcudadevrt  -lcudart_static  -lrt -lpthread  -ldl  -Wl,--end-group -o "libad.so" 
"#;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_host_link_is_read_without_the_device_link_object() {
        let host = host_link(DRYRUN.as_bytes()).unwrap();
        assert_eq!(host.compiler, "g++");
        assert_eq!(
            host.args,
            os(&[
                "-D__CUDA_ARCH_LIST__=750",
                "-m64",
                "-Wl,--start-group",
                "w.o",
                "./libadapter.a",
                "-shared",
                "-l:libcudart.so.12",
                "-L/w/cu13/bin/../lib/stubs",
                "-L/w/cu13/bin/../lib",
                "-lcudadevrt",
                "-lcudart_static",
                "-lrt",
                "-lpthread",
                "-ldl",
                "-Wl,--end-group",
                "-o",
                "libad.so"
            ])
        );
        let own = own_libraries(&host.args, &["-l:libcudart.so.12".to_string()]);
        assert_eq!(own, ["-lcudadevrt", "-lcudart_static", "-lrt", "-lpthread", "-ldl"]);
    }

    /// `nvcc -shared -o libx.so w2.cu`: nvcc compiles w2.cu to a temporary
    /// object, which the host link reads and which does not exist yet.
    #[test]
    fn a_link_of_objects_nvcc_compiles_in_the_same_command_is_not_read() {
        let dryrun = "#$ gcc -c -x c++ -fPIC w2.cudafe1.cpp -o \"/tmp/x-11_w2.o\"\n\
                      #$ g++ -m64 -Wl,--start-group \"/tmp/x-11_w2.o\" -shared -lcudart_static -Wl,--end-group -o \"libx.so\"\n";
        let why = host_link(dryrun.as_bytes()).unwrap_err();
        assert!(why.contains("compile them with -c first"), "{why}");
    }

    #[test]
    fn what_is_no_host_link_says_so() {
        assert!(host_link(b"").unwrap_err().contains("no host link"));
        assert!(host_link(b"#$ rm /tmp/x\n").unwrap_err().contains("no host link"));
        assert!(host_link(b"#$ g++ \"unclosed\n").unwrap_err().contains("cannot split"));
        assert!(host_link(b"#$ g++ -o \xff\n").unwrap_err().contains("UTF-8"));
        // The last step with an output that is not one of nvcc's own tools.
        let one = host_link(b"#$ A=1\n#$ /opt/bin/clang++ x.o -shared -o y.so\n").unwrap();
        assert_eq!(one.compiler, "/opt/bin/clang++");
        assert_eq!(one.args, os(&["x.o", "-shared", "-o", "y.so"]));
    }

    /// Two dry runs of one command differ only in the ids of nvcc's
    /// temporary files: without them they are the same bytes, each file
    /// keeps a name of its own, and the host link read is the same.
    #[test]
    fn temporary_names_are_spelled_the_same_in_every_run() {
        let run = |pid: &str, n: &str| {
            format!(
                "#$ nvlink -o \"/tmp/tmpxft_{pid}_{n}-5_x.cubin\" --host-ccbin \"gcc\"\n\
                 #$ gcc -c \"/w/crt/link.stub\" -o \"/tmp/tmpxft_{pid}_{n}-6_x_dlink.o\"\n\
                 #$ g++ -m64 \"/tmp/tmpxft_{pid}_{n}-6_x_dlink.o\" \"/x/tmpxft_0000abcd_00000001-1.o\" w.o -o \"x.so\"\n"
            )
        };
        let (a, b) = (run("00005078", "00000000"), run("0000507e", "00000003"));
        assert_ne!(a, b);
        let (na, nb) = (without_temp_names(a.as_bytes()), without_temp_names(b.as_bytes()));
        assert_eq!(na, nb);
        let text = String::from_utf8(na.clone()).unwrap();
        assert!(text.contains("/tmp/tmpxft_00000000_00000000-6_x_dlink.o"), "{text}");
        assert!(text.contains("/x/tmpxft_00000000_00000001-1.o"), "another id keeps its own name: {text}");
        assert_eq!(
            host_link(&na).unwrap().args,
            os(&["-m64", "/x/tmpxft_00000000_00000001-1.o", "w.o", "-o", "x.so"])
        );
        // Nothing that is not such a name is touched.
        for plain in ["tmpxft_", "tmpxft_0000507g_00000000", "tmpxft_00005078-00000000", "tmpxft_0000507"] {
            assert_eq!(without_temp_names(plain.as_bytes()), plain.as_bytes());
        }
        assert_eq!(without_temp_names(DRYRUN.as_bytes()), DRYRUN.as_bytes());
    }

    #[test]
    fn the_host_compiler_is_what_the_device_link_names() {
        assert_eq!(host_ccbin(DRYRUN.as_bytes()), Some("gcc".into()));
        let two = "#$ nvlink --host-ccbin \"gcc\"\n#$ nvlink --host-ccbin \"/usr/bin/g++-12\"\n";
        assert_eq!(host_ccbin(two.as_bytes()), None, "two answers are none");
        let dir = "#$ nvlink -o x --host-ccbin \"/usr/bin/gcc\"\n#$ \"/usr/bin\"/g++ x.o -o y\n";
        assert_eq!(host_ccbin(dir.as_bytes()), Some("/usr/bin/gcc".into()));
        assert_eq!(host_ccbin(b"#$ g++ x.o -o y\n"), None, "no device link: not known");
        assert_eq!(host_ccbin(b"#$ nvlink --host-ccbin\n"), None);
    }

    /// nvcc 13.5's own profile, and what a profile can do wrong.
    #[test]
    fn the_profile_names_what_it_sets_and_reads() {
        let profile = "\nTOP              = $(_HERE_)/..\n\nCICC_PATH        = $(TOP)/nvvm/bin\n\
                       NVVMIR_LIBRARY_DIR = $(TOP)/nvvm/libdevice\n\nLD_LIBRARY_PATH += $(TOP)/lib:\n\
                       PATH            += $(CICC_PATH):$(_HERE_):\n\n\
                       INCLUDES        +=  \"-I$(TOP)/include\" $(_SPACE_)\n\
                       LIBRARIES        =+ $(_SPACE_) \"-L$(TOP)/lib/stubs\" \"-L$(TOP)/lib\"\n\
                       CUDAFE_FLAGS    +=\nOPT ?= $(MY_FLAGS)\n";
        assert_eq!(
            profile_names(profile.as_bytes()).unwrap(),
            [
                "TOP",
                "_HERE_",
                "CICC_PATH",
                "NVVMIR_LIBRARY_DIR",
                "LD_LIBRARY_PATH",
                "PATH",
                "INCLUDES",
                "_SPACE_",
                "LIBRARIES",
                "CUDAFE_FLAGS",
                "OPT",
                "MY_FLAGS"
            ]
        );
        assert_eq!(profile_names(b"").unwrap(), Vec::<String>::new());
        for unsure in ["A = $(B", "A = $(B C)", "A = $()", "A = ${B}"] {
            assert_eq!(profile_names(unsure.as_bytes()), None, "{unsure}");
        }
        let many: String = (0..300).map(|i| format!("V{i} = 1\n")).collect();
        assert_eq!(profile_names(many.as_bytes()), None);
    }

    #[test]
    fn own_libraries_count_repeats() {
        let host = os(&["-lfoo", "-lfoo", "-lbar", "-L/x", "-l"]);
        assert_eq!(own_libraries(&host, &["-lfoo".into()]), ["-lfoo", "-lbar"]);
    }
}

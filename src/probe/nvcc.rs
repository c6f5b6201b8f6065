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

    #[test]
    fn own_libraries_count_repeats() {
        let host = os(&["-lfoo", "-lfoo", "-lbar", "-L/x", "-l"]);
        assert_eq!(own_libraries(&host, &["-lfoo".into()]), ["-lfoo", "-lbar"]);
    }
}

//! The gcc driver options solink has to understand, as one sorted table,
//! and ld's, as another (sccache's `ArgsInfo` tables in `compiler/gcc.rs`).
//!
//! A row exists only when solink must know the option: its value may be a
//! separate token (so that value is never mistaken for an input file), or it
//! changes what solink does. Everything else passes through untouched.
//! Rows are found by binary search ([`lookup`]), which is why each table is
//! sorted; a unit test keeps them so.

/// How an option is spelled and takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Exactly the spelling: `-shared`.
    Flag,
    /// `-Lvalue` or `-L value`.
    JoinedOrSeparate,
    /// Only `-Xlinker value`.
    Separate,
    /// Only `-Wl,value`: whatever follows the spelling.
    Joined,
    /// `--sysroot=value` or `--sysroot value`.
    EqualsOrSeparate,
    /// Any token that starts with the spelling: `-print-search-dirs`.
    Prefix,
}

/// What an option means to solink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    Output,
    LibDir,
    Lib,
    /// `-Wl,a,b`: linker arguments split at commas.
    Wl,
    /// `-Xlinker a`: one linker argument.
    Xlinker,
    /// Changes where the driver's system libraries live (`--sysroot`,
    /// `-B PREFIX`, `-specs=FILE`): asked of the driver with its question.
    Sysroot,
    /// Changes the link target (`-m32`, `--target=`); asked of the driver too.
    Target,
    Shared,
    Static,
    NoStdlib,
    NoDefaultLibs,
    /// The driver stops before linking (`-c`, `-E`, `-print-*`, ...), or
    /// links no output solink checks (`-r`, a relocatable object).
    StopsBeforeLink,
    /// A position-independent executable (`-pie`; gcc's default on Debian).
    Pie,
    /// An executable that is not position-independent (`-no-pie`).
    NoPie,
    /// `-static-pie`: a static, position-independent executable.
    StaticPie,
    /// Not solink's business, but it may take a separate value.
    PassThrough,
    /// ld's own syntax: `-Bstatic` and its synonyms.
    LinkStatic,
    /// ld's own syntax: `-Bdynamic` and its synonyms.
    LinkDynamic,
    PushState,
    PopState,
    /// ld's `--start-group`, `-(`.
    GroupStart,
    /// ld's `--end-group`, `-)`.
    GroupEnd,
    AsNeeded,
    NoAsNeeded,
    WholeArchive,
    NoWholeArchive,
    /// ld's `--wrap SYM`.
    Wrap,
}

pub struct Row {
    pub spelling: &'static str,
    pub form: Form,
    pub opt: Opt,
}

const fn row(spelling: &'static str, form: Form, opt: Opt) -> Row {
    Row { spelling, form, opt }
}

use Form::*;
use Opt::*;

/// Sorted by spelling, byte-wise (a unit test checks).
pub static TABLE: &[Row] = &[
    row("-###", Flag, StopsBeforeLink),
    // clang: the gcc installation whose libraries it uses.
    row("--gcc-toolchain", EqualsOrSeparate, Sysroot),
    row("--help", Flag, StopsBeforeLink),
    row("--param", EqualsOrSeparate, PassThrough),
    row("--specs=", Joined, Sysroot),
    row("--sysroot", EqualsOrSeparate, Sysroot),
    row("--target", EqualsOrSeparate, Target),
    row("--version", Flag, StopsBeforeLink),
    row("-B", JoinedOrSeparate, Sysroot),
    row("-E", Flag, StopsBeforeLink),
    row("-I", JoinedOrSeparate, PassThrough),
    row("-L", JoinedOrSeparate, LibDir),
    row("-M", Flag, StopsBeforeLink),
    row("-MF", JoinedOrSeparate, PassThrough),
    row("-MM", Flag, StopsBeforeLink),
    row("-MQ", JoinedOrSeparate, PassThrough),
    row("-MT", JoinedOrSeparate, PassThrough),
    row("-S", Flag, StopsBeforeLink),
    row("-T", JoinedOrSeparate, PassThrough),
    row("-Wl,", Joined, Wl),
    row("-Xassembler", Separate, PassThrough),
    row("-Xclang", Separate, PassThrough),
    row("-Xlinker", Separate, Xlinker),
    row("-Xpreprocessor", Separate, PassThrough),
    row("-aux-info", Separate, PassThrough),
    row("-c", Flag, StopsBeforeLink),
    // gcc 11+: -dumpbase/-dumpdir take a value and do not stop the link;
    // the other -dump* options print something and exit.
    row("-dumpbase", Separate, PassThrough),
    row("-dumpbase-ext", Separate, PassThrough),
    row("-dumpdir", Separate, PassThrough),
    row("-dumpfullversion", Flag, StopsBeforeLink),
    row("-dumpmachine", Flag, StopsBeforeLink),
    row("-dumpspecs", Flag, StopsBeforeLink),
    row("-dumpversion", Flag, StopsBeforeLink),
    row("-fsyntax-only", Flag, StopsBeforeLink),
    row("-idirafter", JoinedOrSeparate, PassThrough),
    row("-imacros", JoinedOrSeparate, PassThrough),
    row("-imultilib", JoinedOrSeparate, PassThrough),
    row("-include", JoinedOrSeparate, PassThrough),
    row("-iprefix", JoinedOrSeparate, PassThrough),
    row("-iquote", JoinedOrSeparate, PassThrough),
    row("-isysroot", JoinedOrSeparate, PassThrough),
    row("-isystem", JoinedOrSeparate, PassThrough),
    row("-iwithprefix", JoinedOrSeparate, PassThrough),
    row("-iwithprefixbefore", JoinedOrSeparate, PassThrough),
    row("-l", JoinedOrSeparate, Lib),
    row("-m32", Flag, Target),
    row("-m64", Flag, Target),
    row("-mx32", Flag, Target),
    row("-no-pie", Flag, NoPie),
    row("-nodefaultlibs", Flag, NoDefaultLibs),
    row("-nostdlib", Flag, NoStdlib),
    row("-o", JoinedOrSeparate, Output),
    row("-pie", Flag, Pie),
    row("-print-", Prefix, StopsBeforeLink),
    // A relocatable object: ld combines objects, nothing is linked in.
    row("-r", Flag, StopsBeforeLink),
    row("-shared", Flag, Shared),
    row("-specs=", Joined, Sysroot),
    row("-static", Flag, Static),
    row("-static-pie", Flag, StaticPie),
    // clang's spelling of --target.
    row("-target", Separate, Target),
    row("-u", JoinedOrSeparate, PassThrough),
    // A flag, not `-u ndef`.
    row("-undef", Flag, PassThrough),
    row("-x", JoinedOrSeparate, PassThrough),
    row("-z", JoinedOrSeparate, PassThrough),
];

/// ld's options, for when the driver is ld itself (`ld`, `ld.bfd`,
/// `ld.gold`, `ld.lld`, `mold`), and for the linker arguments a gcc command
/// passes in `-Wl,` and `-Xlinker`. Sorted by spelling, byte-wise; looked
/// up with [`lookup_ld`], which reads `-name` and `--name` alike, as ld
/// does (`getopt_long_only`).
///
/// Every option of GNU ld 2.40's `ld --help` (ELF emulations) that takes a
/// value has a row, so its value is never read as an input: each was
/// checked by giving it a value that names a missing input file
/// (`ld OPT /nonexist/zz.o`: ld consumed it as the value). Options whose
/// value is optional (`--build-id[=STYLE]`, `--demangle`, `--unique`,
/// `--verbose`, `-G`) take it only after `=` or joined, so the next piece
/// stays an input; they need no row. PE-only options (`--heap`, ...) are
/// refused by ELF ld and are not here.
pub static LD_TABLE: &[Row] = &[
    row("-(", Flag, GroupStart),
    row("-)", Flag, GroupEnd),
    row("--as-needed", Flag, AsNeeded),
    row("--audit", EqualsOrSeparate, PassThrough),
    row("--auxiliary", EqualsOrSeparate, PassThrough),
    row("--compress-debug-sections", EqualsOrSeparate, PassThrough),
    row("--ctf-share-types", EqualsOrSeparate, PassThrough),
    row("--default-script", EqualsOrSeparate, PassThrough),
    // `--defsym SYM=EXPR` or `--defsym=SYM=EXPR`.
    row("--defsym", EqualsOrSeparate, PassThrough),
    row("--depaudit", EqualsOrSeparate, PassThrough),
    row("--dependency-file", EqualsOrSeparate, PassThrough),
    row("--dynamic-linker", EqualsOrSeparate, PassThrough),
    row("--dynamic-list", EqualsOrSeparate, PassThrough),
    row("--end-group", Flag, GroupEnd),
    row("--entry", EqualsOrSeparate, PassThrough),
    row("--error-handling-script", EqualsOrSeparate, PassThrough),
    row("--exclude-libs", EqualsOrSeparate, PassThrough),
    row("--export-dynamic-symbol", EqualsOrSeparate, PassThrough),
    row("--export-dynamic-symbol-list", EqualsOrSeparate, PassThrough),
    row("--filter", EqualsOrSeparate, PassThrough),
    row("--format", EqualsOrSeparate, PassThrough),
    row("--gpsize", EqualsOrSeparate, PassThrough),
    row("--hash-size", EqualsOrSeparate, PassThrough),
    row("--hash-style", EqualsOrSeparate, PassThrough),
    row("--help", Flag, StopsBeforeLink),
    row("--ignore-unresolved-symbol", EqualsOrSeparate, PassThrough),
    row("--just-symbols", EqualsOrSeparate, PassThrough),
    row("--library", EqualsOrSeparate, Lib),
    row("--library-path", EqualsOrSeparate, LibDir),
    row("--max-cache-size", EqualsOrSeparate, PassThrough),
    row("--mri-script", EqualsOrSeparate, PassThrough),
    row("--no-as-needed", Flag, NoAsNeeded),
    row("--no-pie", Flag, NoPie),
    row("--no-whole-archive", Flag, NoWholeArchive),
    row("--oformat", EqualsOrSeparate, PassThrough),
    row("--orphan-handling", EqualsOrSeparate, PassThrough),
    row("--out-implib", EqualsOrSeparate, PassThrough),
    row("--output", EqualsOrSeparate, Output),
    row("--pic-executable", Flag, Pie),
    row("--pop-state", Flag, PopState),
    row("--push-state", Flag, PushState),
    row("--require-defined", EqualsOrSeparate, PassThrough),
    row("--retain-symbols-file", EqualsOrSeparate, PassThrough),
    row("--rpath", EqualsOrSeparate, PassThrough),
    row("--rpath-link", EqualsOrSeparate, PassThrough),
    row("--script", EqualsOrSeparate, PassThrough),
    row("--section-start", EqualsOrSeparate, PassThrough),
    row("--soname", EqualsOrSeparate, PassThrough),
    row("--sort-section", EqualsOrSeparate, PassThrough),
    row("--spare-dynamic-tags", EqualsOrSeparate, PassThrough),
    row("--start-group", Flag, GroupStart),
    row("--sysroot", EqualsOrSeparate, Sysroot),
    row("--task-link", EqualsOrSeparate, PassThrough),
    row("--trace-symbol", EqualsOrSeparate, PassThrough),
    row("--undefined", EqualsOrSeparate, PassThrough),
    row("--unresolved-symbols", EqualsOrSeparate, PassThrough),
    row("--version", Flag, StopsBeforeLink),
    row("--version-exports-section", EqualsOrSeparate, PassThrough),
    row("--version-script", EqualsOrSeparate, PassThrough),
    row("--whole-archive", Flag, WholeArchive),
    row("--wrap", EqualsOrSeparate, Wrap),
    row("-A", JoinedOrSeparate, PassThrough),
    row("-Bdynamic", Flag, LinkDynamic),
    row("-Bshareable", Flag, Shared),
    row("-Bstatic", Flag, LinkStatic),
    row("-F", JoinedOrSeparate, PassThrough),
    row("-I", JoinedOrSeparate, PassThrough),
    row("-L", JoinedOrSeparate, LibDir),
    row("-Map", EqualsOrSeparate, PassThrough),
    // `-O LEVEL`: ld --help shows no value, but ld takes one.
    row("-O", JoinedOrSeparate, PassThrough),
    row("-P", JoinedOrSeparate, PassThrough),
    row("-R", JoinedOrSeparate, PassThrough),
    row("-T", JoinedOrSeparate, PassThrough),
    row("-Tbss", EqualsOrSeparate, PassThrough),
    row("-Tdata", EqualsOrSeparate, PassThrough),
    row("-Tldata-segment", EqualsOrSeparate, PassThrough),
    row("-Trodata-segment", EqualsOrSeparate, PassThrough),
    row("-Ttext", EqualsOrSeparate, PassThrough),
    row("-Ttext-segment", EqualsOrSeparate, PassThrough),
    row("-Y", JoinedOrSeparate, PassThrough),
    row("-a", JoinedOrSeparate, PassThrough),
    row("-assert", EqualsOrSeparate, PassThrough),
    row("-b", JoinedOrSeparate, PassThrough),
    row("-c", JoinedOrSeparate, PassThrough),
    row("-call_shared", Flag, LinkDynamic),
    row("-dT", EqualsOrSeparate, PassThrough),
    row("-dn", Flag, LinkStatic),
    row("-dy", Flag, LinkDynamic),
    row("-e", JoinedOrSeparate, PassThrough),
    row("-f", JoinedOrSeparate, PassThrough),
    row("-fini", EqualsOrSeparate, PassThrough),
    row("-flto-partition", EqualsOrSeparate, PassThrough),
    row("-fuse-ld", EqualsOrSeparate, PassThrough),
    row("-h", JoinedOrSeparate, PassThrough),
    row("-init", EqualsOrSeparate, PassThrough),
    row("-l", JoinedOrSeparate, Lib),
    row("-m", JoinedOrSeparate, Target),
    row("-non_shared", Flag, LinkStatic),
    row("-o", JoinedOrSeparate, Output),
    row("-pie", Flag, Pie),
    row("-plugin", EqualsOrSeparate, PassThrough),
    row("-plugin-opt", EqualsOrSeparate, PassThrough),
    // A relocatable link: not a shared object, so not rewritten.
    row("-r", Flag, StopsBeforeLink),
    row("-rpath", EqualsOrSeparate, PassThrough),
    row("-rpath-link", EqualsOrSeparate, PassThrough),
    row("-shared", Flag, Shared),
    row("-soname", EqualsOrSeparate, PassThrough),
    row("-static", Flag, LinkStatic),
    row("-u", JoinedOrSeparate, PassThrough),
    row("-y", JoinedOrSeparate, PassThrough),
    row("-z", JoinedOrSeparate, PassThrough),
];

/// nvcc's own options (CUDA 13's `nvcc --help`), looked up before
/// [`TABLE`] when the driver is nvcc ([`lookup_nvcc`]): every option whose
/// value may be a separate token (`-ccbin g++`, `-arch sm_80`,
/// `--cudart shared`), so the value is never read as an input; nvcc's long
/// spellings of the options solink understands (`--output-file`,
/// `--library`, `--library-path`, `--linker-options`, `--shared`); and the
/// modes that make no shared link (`-c`'s `--compile`, `-dlink`, `-lib`,
/// `--dryrun`). nvcc takes `--opt value`, `--opt=value`, `-short value`
/// and `-short=value` alike. Sorted by spelling, byte-wise. A unit test
/// holds it to `nvcc --help` where nvcc is installed (`tests/cuda.rs`).
pub static NVCC_TABLE: &[Row] = &[
    row("--Ofast-compile", EqualsOrSeparate, PassThrough),
    row("--Werror", EqualsOrSeparate, PassThrough),
    row("--apply-controls", EqualsOrSeparate, PassThrough),
    row("--archive-options", EqualsOrSeparate, PassThrough),
    row("--archiver-binary", EqualsOrSeparate, PassThrough),
    row("--brief-diagnostics", EqualsOrSeparate, PassThrough),
    row("--compile", Flag, StopsBeforeLink),
    row("--compiler-bindir", EqualsOrSeparate, PassThrough),
    row("--compiler-options", EqualsOrSeparate, PassThrough),
    row("--compress-mode", EqualsOrSeparate, PassThrough),
    row("--cubin", Flag, StopsBeforeLink),
    row("--cuda", Flag, StopsBeforeLink),
    row("--cudadevrt", EqualsOrSeparate, PassThrough),
    row("--cudart", EqualsOrSeparate, PassThrough),
    row("--default-stream", EqualsOrSeparate, PassThrough),
    row("--define-macro", EqualsOrSeparate, PassThrough),
    row("--dependency-drive-prefix", EqualsOrSeparate, PassThrough),
    row("--dependency-output", EqualsOrSeparate, PassThrough),
    row("--dependency-target-name", EqualsOrSeparate, PassThrough),
    row("--device-c", Flag, StopsBeforeLink),
    row("--device-entity-has-hidden-visibility", EqualsOrSeparate, PassThrough),
    row("--device-link", Flag, StopsBeforeLink),
    row("--device-stack-protector", EqualsOrSeparate, PassThrough),
    row("--device-w", Flag, StopsBeforeLink),
    row("--diag-error", EqualsOrSeparate, PassThrough),
    row("--diag-suppress", EqualsOrSeparate, PassThrough),
    row("--diag-warn", EqualsOrSeparate, PassThrough),
    row("--dopt", EqualsOrSeparate, PassThrough),
    row("--drive-prefix", EqualsOrSeparate, PassThrough),
    row("--dryrun", Flag, StopsBeforeLink),
    row("--entries", EqualsOrSeparate, PassThrough),
    row("--fatbin", Flag, StopsBeforeLink),
    row("--fdevice-sanitize", EqualsOrSeparate, PassThrough),
    row("--fdevice-time-trace", EqualsOrSeparate, PassThrough),
    row("--fdevice-time-trace-granularity", EqualsOrSeparate, PassThrough),
    row("--fmad", EqualsOrSeparate, PassThrough),
    row("--fmax-errors", EqualsOrSeparate, PassThrough),
    row("--frandom-seed", EqualsOrSeparate, PassThrough),
    row("--ftemplate-backtrace-limit", EqualsOrSeparate, PassThrough),
    row("--ftemplate-depth", EqualsOrSeparate, PassThrough),
    row("--ftz", EqualsOrSeparate, PassThrough),
    row("--generate-code", EqualsOrSeparate, PassThrough),
    row("--generate-dependencies", Flag, StopsBeforeLink),
    row("--generate-nonsystem-dependencies", Flag, StopsBeforeLink),
    row("--gpu-architecture", EqualsOrSeparate, PassThrough),
    row("--gpu-code", EqualsOrSeparate, PassThrough),
    row("--host-linker-script", EqualsOrSeparate, PassThrough),
    row("--include-path", EqualsOrSeparate, PassThrough),
    row("--input-drive-prefix", EqualsOrSeparate, PassThrough),
    row("--jump-table-density", EqualsOrSeparate, PassThrough),
    row("--keep-dir", EqualsOrSeparate, PassThrough),
    row("--lib", Flag, StopsBeforeLink),
    row("--libdevice-directory", EqualsOrSeparate, PassThrough),
    row("--library", EqualsOrSeparate, Lib),
    row("--library-path", EqualsOrSeparate, LibDir),
    row("--linker-options", EqualsOrSeparate, Xlinker),
    row("--list-gpu-arch", Flag, StopsBeforeLink),
    row("--list-gpu-code", Flag, StopsBeforeLink),
    row("--ltoir", Flag, StopsBeforeLink),
    row("--machine", EqualsOrSeparate, PassThrough),
    row("--maxrregcount", EqualsOrSeparate, PassThrough),
    row("--nvlink-options", EqualsOrSeparate, PassThrough),
    row("--nvprune-options", EqualsOrSeparate, PassThrough),
    row("--optimization-info", EqualsOrSeparate, PassThrough),
    row("--optimize", EqualsOrSeparate, PassThrough),
    row("--options-file", EqualsOrSeparate, PassThrough),
    row("--optix-ir", Flag, StopsBeforeLink),
    row("--output-directory", EqualsOrSeparate, PassThrough),
    row("--output-file", EqualsOrSeparate, Output),
    row("--pre-include", EqualsOrSeparate, PassThrough),
    row("--prec-div", EqualsOrSeparate, PassThrough),
    row("--prec-sqrt", EqualsOrSeparate, PassThrough),
    row("--preprocess", Flag, StopsBeforeLink),
    row("--ptx", Flag, StopsBeforeLink),
    row("--ptxas-options", EqualsOrSeparate, PassThrough),
    row("--relocatable-device-code", EqualsOrSeparate, PassThrough),
    row("--run", Flag, StopsBeforeLink),
    row("--run-args", EqualsOrSeparate, PassThrough),
    row("--shared", Flag, Shared),
    row("--split-compile", EqualsOrSeparate, PassThrough),
    row("--split-compile-extended", EqualsOrSeparate, PassThrough),
    row("--static-global-template-stub", EqualsOrSeparate, PassThrough),
    row("--std", EqualsOrSeparate, PassThrough),
    row("--stdlib", EqualsOrSeparate, PassThrough),
    row("--system-include", EqualsOrSeparate, PassThrough),
    row("--target-directory", EqualsOrSeparate, PassThrough),
    row("--threads", EqualsOrSeparate, PassThrough),
    row("--tile-preview", EqualsOrSeparate, PassThrough),
    row("--tileiras-options", EqualsOrSeparate, PassThrough),
    row("--time", EqualsOrSeparate, PassThrough),
    row("--undefine-macro", EqualsOrSeparate, PassThrough),
    row("--x", EqualsOrSeparate, PassThrough),
    row("-D", JoinedOrSeparate, PassThrough),
    row("-MT", EqualsOrSeparate, PassThrough),
    row("-O", EqualsOrSeparate, PassThrough),
    row("-Ofc", EqualsOrSeparate, PassThrough),
    row("-U", JoinedOrSeparate, PassThrough),
    row("-Werror", EqualsOrSeparate, PassThrough),
    row("-Xarchive", EqualsOrSeparate, PassThrough),
    row("-Xcompiler", EqualsOrSeparate, PassThrough),
    row("-Xlinker", EqualsOrSeparate, Xlinker),
    row("-Xnvlink", EqualsOrSeparate, PassThrough),
    row("-Xnvprune", EqualsOrSeparate, PassThrough),
    row("-Xptxas", EqualsOrSeparate, PassThrough),
    row("-Xtileiras", EqualsOrSeparate, PassThrough),
    row("-apply-controls", EqualsOrSeparate, PassThrough),
    row("-arbin", EqualsOrSeparate, PassThrough),
    row("-arch", EqualsOrSeparate, PassThrough),
    row("-arch-ls", Flag, StopsBeforeLink),
    row("-brief-diag", EqualsOrSeparate, PassThrough),
    row("-ccbin", EqualsOrSeparate, PassThrough),
    row("-code", EqualsOrSeparate, PassThrough),
    row("-code-ls", Flag, StopsBeforeLink),
    row("-compress-mode", EqualsOrSeparate, PassThrough),
    row("-cubin", Flag, StopsBeforeLink),
    row("-cuda", Flag, StopsBeforeLink),
    row("-cudadevrt", EqualsOrSeparate, PassThrough),
    row("-cudart", EqualsOrSeparate, PassThrough),
    row("-dc", Flag, StopsBeforeLink),
    row("-ddp", EqualsOrSeparate, PassThrough),
    row("-default-stream", EqualsOrSeparate, PassThrough),
    row("-device-entity-has-hidden-visibility", EqualsOrSeparate, PassThrough),
    row("-device-stack-protector", EqualsOrSeparate, PassThrough),
    row("-diag-error", EqualsOrSeparate, PassThrough),
    row("-diag-suppress", EqualsOrSeparate, PassThrough),
    row("-diag-warn", EqualsOrSeparate, PassThrough),
    row("-dlink", Flag, StopsBeforeLink),
    row("-dopt", EqualsOrSeparate, PassThrough),
    row("-dp", EqualsOrSeparate, PassThrough),
    row("-dryrun", Flag, StopsBeforeLink),
    row("-dw", Flag, StopsBeforeLink),
    row("-e", EqualsOrSeparate, PassThrough),
    row("-fatbin", Flag, StopsBeforeLink),
    row("-fdevice-sanitize", EqualsOrSeparate, PassThrough),
    row("-fdevice-time-trace", EqualsOrSeparate, PassThrough),
    row("-fdevice-time-trace-granularity", EqualsOrSeparate, PassThrough),
    row("-fmad", EqualsOrSeparate, PassThrough),
    row("-fmax-errors", EqualsOrSeparate, PassThrough),
    row("-frandom-seed", EqualsOrSeparate, PassThrough),
    row("-ftemplate-backtrace-limit", EqualsOrSeparate, PassThrough),
    row("-ftemplate-depth", EqualsOrSeparate, PassThrough),
    row("-ftz", EqualsOrSeparate, PassThrough),
    row("-gencode", EqualsOrSeparate, PassThrough),
    row("-hls", EqualsOrSeparate, PassThrough),
    row("-idp", EqualsOrSeparate, PassThrough),
    row("-include", EqualsOrSeparate, PassThrough),
    row("-isystem", EqualsOrSeparate, PassThrough),
    row("-jtd", EqualsOrSeparate, PassThrough),
    row("-keep-dir", EqualsOrSeparate, PassThrough),
    row("-ldir", EqualsOrSeparate, PassThrough),
    row("-lib", Flag, StopsBeforeLink),
    row("-ltoir", Flag, StopsBeforeLink),
    row("-m", EqualsOrSeparate, PassThrough),
    row("-maxrregcount", EqualsOrSeparate, PassThrough),
    row("-odir", EqualsOrSeparate, PassThrough),
    row("-opt-info", EqualsOrSeparate, PassThrough),
    row("-optf", EqualsOrSeparate, PassThrough),
    row("-optix-ir", Flag, StopsBeforeLink),
    row("-prec-div", EqualsOrSeparate, PassThrough),
    row("-prec-sqrt", EqualsOrSeparate, PassThrough),
    row("-ptx", Flag, StopsBeforeLink),
    row("-rdc", EqualsOrSeparate, PassThrough),
    row("-run", Flag, StopsBeforeLink),
    row("-run-args", EqualsOrSeparate, PassThrough),
    row("-split-compile", EqualsOrSeparate, PassThrough),
    row("-split-compile-extended", EqualsOrSeparate, PassThrough),
    row("-static-global-template-stub", EqualsOrSeparate, PassThrough),
    row("-std", EqualsOrSeparate, PassThrough),
    row("-stdlib", EqualsOrSeparate, PassThrough),
    row("-t", EqualsOrSeparate, PassThrough),
    row("-target-dir", EqualsOrSeparate, PassThrough),
    row("-tile-preview", EqualsOrSeparate, PassThrough),
    row("-time", EqualsOrSeparate, PassThrough),
    row("-x", EqualsOrSeparate, PassThrough),
];

/// Looks a token up as nvcc reads it: its own options first, then gcc's
/// (`-o`, `-l`, `-L`, `-shared`, `-c`, `-I` are the same in both).
pub fn lookup_nvcc(token: &[u8]) -> Option<(&'static Row, Value<'_>)> {
    lookup(NVCC_TABLE, token).or_else(|| lookup(TABLE, token))
}

/// Looks a token up in [`LD_TABLE`] as ld's `getopt_long_only` reads it:
/// a long option may be written with one dash or two (`-soname` and
/// `--soname`, `--rpath=` and `-rpath=`, `-library=` and `--library=`),
/// and a single-dash token is a long option before it is a short one with
/// a joined value (`-library=x` is `--library`, `-lx` is `-l`). A row is
/// long when its name is more than one character. (ld also takes a long
/// option's unambiguous abbreviation; that is not modelled.)
pub fn lookup_ld(token: &[u8]) -> Option<(&'static Row, Value<'_>)> {
    let long = |row: &Row| row.spelling.trim_start_matches('-').len() > 1;
    let direct = lookup(LD_TABLE, token);
    if matches!(&direct, Some((row, _)) if long(row)) {
        return direct;
    }
    let other = match token {
        [b'-', b'-', rest @ ..] if !rest.is_empty() => lookup(LD_TABLE, &token[1..]),
        [b'-', rest @ ..] if !rest.is_empty() && rest[0] != b'-' => {
            let doubled = [b"-", token].concat();
            lookup(LD_TABLE, &doubled).map(|(row, value)| (row, same_value(value, token)))
        }
        _ => None,
    };
    match other {
        Some((row, value)) if long(row) => Some((row, value)),
        _ => direct,
    }
}

/// A value found in a copy of `token` (with a dash added), as the same
/// bytes of `token`: an inline value is its tail.
fn same_value<'t>(value: Value<'_>, token: &'t [u8]) -> Value<'t> {
    match value {
        Value::Inline(v) => Value::Inline(&token[token.len() - v.len()..]),
        Value::None => Value::None,
        Value::NextToken => Value::NextToken,
    }
}

/// Where a matched option's value is.
#[derive(Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// A flag: no value.
    None,
    /// In the same token, after the spelling (and `=`).
    Inline(&'a [u8]),
    /// In the next token.
    NextToken,
}

/// Finds the row for a token, the longest spelling that matches, and where
/// its value is, by binary search over the sorted table.
///
/// As in sccache's `ArgsInfo` search, a spelling matches when it is a
/// prefix of the token and its form accepts the rest (`-lfoo` is `-l`
/// joined with `foo`; `-shared-libgcc` is not `-shared`). Every spelling
/// that is a prefix of the token sorts at or before the token, and every
/// entry between such a prefix and the token starts with that prefix. So
/// the search takes the last entry that sorts at or before the key: if it
/// is a prefix whose form accepts the rest, it is the longest match; if not,
/// any shorter match is a prefix of what that entry and the key have in
/// common, which becomes the new key, over the entries before it. The key
/// gets shorter on every step, so a lookup costs at most a binary search
/// per byte of the token, and in practice one or two.
pub fn lookup<'t>(table: &'static [Row], token: &'t [u8]) -> Option<(&'static Row, Value<'t>)> {
    let mut end = table.len();
    let mut key = token;
    loop {
        end = table[..end].partition_point(|row| row.spelling.as_bytes() <= key).checked_sub(1)?;
        let row = &table[end];
        let spelling = row.spelling.as_bytes();
        if let Some(rest) = token.strip_prefix(spelling) {
            if let Some(value) = value_of(row.form, rest) {
                return Some((row, value));
            }
            // `-shared` in `-shared-libgcc`: only a shorter prefix can match.
            key = &spelling[..spelling.len() - 1];
        } else {
            let common = spelling.iter().zip(key).take_while(|(a, b)| a == b).count();
            key = &key[..common];
        }
    }
}

/// Where the value of an option of this form is, when the token continues
/// with `rest` after the spelling; `None` when the form does not allow it.
fn value_of(form: Form, rest: &[u8]) -> Option<Value<'_>> {
    match (form, rest) {
        (Flag, []) => Some(Value::None),
        (Separate | JoinedOrSeparate | EqualsOrSeparate, []) => Some(Value::NextToken),
        (JoinedOrSeparate | Joined | Prefix, _) => Some(Value::Inline(rest)),
        (EqualsOrSeparate, [b'=', value @ ..]) => Some(Value::Inline(value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_unique() {
        for pair in TABLE.windows(2).chain(LD_TABLE.windows(2)).chain(NVCC_TABLE.windows(2)) {
            assert!(
                pair[0].spelling.as_bytes() < pair[1].spelling.as_bytes(),
                "{:?} must sort before {:?}",
                pair[1].spelling,
                pair[0].spelling
            );
        }
    }

    /// The obvious lookup: every row, the longest accepted spelling wins.
    fn lookup_linear(table: &'static [Row], token: &[u8]) -> Option<&'static str> {
        table
            .iter()
            .filter(|row| {
                token
                    .strip_prefix(row.spelling.as_bytes())
                    .and_then(|rest| value_of(row.form, rest))
                    .is_some()
            })
            .max_by_key(|row| row.spelling.len())
            .map(|row| row.spelling)
    }

    /// The binary search finds what a scan of every row finds, for each
    /// spelling, its neighbours in sort order, and what a token may add.
    #[test]
    fn binary_search_agrees_with_a_scan() {
        for table in [TABLE, LD_TABLE] {
            let mut tokens: Vec<Vec<u8>> = vec![b"".to_vec(), b"-".to_vec(), b"--".to_vec(), b"~".to_vec()];
            for row in table {
                let s = row.spelling.as_bytes();
                for end in 0..=s.len() {
                    tokens.push(s[..end].to_vec());
                }
                for tail in [&b"x"[..], b"=v", b"-", b"a", b"\xff", b"!", b"~", b"Z"] {
                    tokens.push([s, tail].concat());
                }
            }
            for token in &tokens {
                let got = lookup(table, token).map(|(row, _)| row.spelling);
                assert_eq!(got, lookup_linear(table, token), "{:?}", String::from_utf8_lossy(token));
            }
        }
    }

    fn check(token: &str, expected: Option<(&str, Option<&str>)>) {
        check_in(TABLE, token, expected);
    }

    fn check_ld(token: &str, expected: Option<(&str, Option<&str>)>) {
        show(token, lookup_ld(token.as_bytes()), expected);
    }

    fn check_in(table: &'static [Row], token: &str, expected: Option<(&str, Option<&str>)>) {
        show(token, lookup(table, token.as_bytes()), expected);
    }

    fn show(token: &str, found: Option<(&'static Row, Value<'_>)>, expected: Option<(&str, Option<&str>)>) {
        let got = found.map(|(row, value)| {
            let value = match value {
                Value::None => Some(""),
                Value::Inline(v) => Some(std::str::from_utf8(v).unwrap()),
                Value::NextToken => None,
            };
            (row.spelling, value)
        });
        assert_eq!(got, expected, "looking up {token:?}");
    }

    #[test]
    fn lookup_cases() {
        check("-lfoo", Some(("-l", Some("foo"))));
        check("-l", Some(("-l", None)));
        check("-l:libx.a", Some(("-l", Some(":libx.a"))));
        check("-L/x", Some(("-L", Some("/x"))));
        check("-o", Some(("-o", None)));
        check("-shared", Some(("-shared", Some(""))));
        check("-shared-libgcc", None);
        check("-static-libgcc", None);
        check("-static", Some(("-static", Some(""))));
        check("-MF", Some(("-MF", None)));
        check("-MD", None);
        check("-M", Some(("-M", Some(""))));
        check("-undef", Some(("-undef", Some(""))));
        check("-uentry", Some(("-u", Some("entry"))));
        check("--sysroot=/s", Some(("--sysroot", Some("/s"))));
        check("--sysroot", Some(("--sysroot", None)));
        check("--sysrootx", None);
        check("-Wl,-L,/x", Some(("-Wl,", Some("-L,/x"))));
        check("-Xlinker", Some(("-Xlinker", None)));
        check("-Xlinkerx", None);
        check("-print-search-dirs", Some(("-print-", Some("search-dirs"))));
        check("-dumpbase", Some(("-dumpbase", None)));
        check("-dumpmachine", Some(("-dumpmachine", Some(""))));
        check("-O2", None);
        check("-fPIC", None);
        // A prefix whose form rejects the rest (`-dumpbase` takes no joined
        // value) sends the search on to shorter prefixes; none fits here.
        check("-dumpbase-ext", Some(("-dumpbase-ext", None)));
        check("-dumpbase-extx", None);
        check("-MFdeps.d", Some(("-MF", Some("deps.d"))));
        check("-Mx", None);
        check("-isystem/usr/x", Some(("-isystem", Some("/usr/x"))));
        check("-iwithprefixbeforex", Some(("-iwithprefixbefore", Some("x"))));
        check("-iwithprefixx", Some(("-iwithprefix", Some("x"))));
        check("-Xlinkerx", None);
        check("", None);
        check("-", None);
    }

    /// ld's spellings, as `-Wl,` pieces and ld as the driver use them.
    #[test]
    fn ld_lookup_cases() {
        check_ld("-lfoo", Some(("-l", Some("foo"))));
        check_ld("-l", Some(("-l", None)));
        check_ld("--library=foo", Some(("--library", Some("foo"))));
        check_ld("--library", Some(("--library", None)));
        check_ld("--library-path=/x", Some(("--library-path", Some("/x"))));
        check_ld("--library-path", Some(("--library-path", None)));
        check_ld("-L/x", Some(("-L", Some("/x"))));
        check_ld("-Bstatic", Some(("-Bstatic", Some(""))));
        check_ld("-Bstaticx", None);
        check_ld("-Bsymbolic", None);
        check_ld("-dn", Some(("-dn", Some(""))));
        check_ld("-non_shared", Some(("-non_shared", Some(""))));
        check_ld("-static", Some(("-static", Some(""))));
        check_ld("-Bdynamic", Some(("-Bdynamic", Some(""))));
        check_ld("-dy", Some(("-dy", Some(""))));
        check_ld("-call_shared", Some(("-call_shared", Some(""))));
        check_ld("--push-state", Some(("--push-state", Some(""))));
        check_ld("--pop-state", Some(("--pop-state", Some(""))));
        check_ld("-rpath", Some(("-rpath", None)));
        check_ld("-rpath-link", Some(("-rpath-link", None)));
        // ld's getopt_long_only: one dash or two, `=` or a separate value.
        check_ld("-rpath=/x", Some(("-rpath", Some("/x"))));
        check_ld("--soname", Some(("--soname", None)));
        check_ld("-soname=libx.so.1", Some(("-soname", Some("libx.so.1"))));
        check_ld("--Map=x.map", Some(("-Map", Some("x.map"))));
        check_ld("-version-script", Some(("--version-script", None)));
        check_ld("-library=foo", Some(("--library", Some("foo"))));
        check_ld("-wrap=open", Some(("--wrap", Some("open"))));
        check_ld("--static", Some(("-static", Some(""))));
        check_ld("-(", Some(("-(", Some(""))));
        check_ld("-start-group", Some(("--start-group", Some(""))));
        check_ld("-hash-style=gnu", Some(("--hash-style", Some("gnu"))));
        check_ld("-hlibx.so.1", Some(("-h", Some("libx.so.1"))));
        check_ld("-Tbss", Some(("-Tbss", None)));
        check_ld("-Tx.ld", Some(("-T", Some("x.ld"))));
        check_ld("-O1", Some(("-O", Some("1"))));
        // Not long options, and not short ones with a value.
        check_ld("--lfoo", None);
        check_ld("--o", None);
        check_ld("--", None);
        check_ld("--build-id", None);
        check_ld("--rpath=/x", Some(("--rpath", Some("/x"))));
        check_ld("-soname", Some(("-soname", None)));
        check_ld("-z", Some(("-z", None)));
        check_ld("-znow", Some(("-z", Some("now"))));
        check_ld("-export-dynamic", Some(("-e", Some("xport-dynamic"))));
        check_ld("--as-needed", Some(("--as-needed", Some(""))));
        check_ld("--whole-archive", Some(("--whole-archive", Some(""))));
    }
}

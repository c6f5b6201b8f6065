//! The man page: clap_mangen renders the title, name, description and
//! options from the clap definitions in `cli.rs`; the sections a reader of
//! a man page looks for (man-pages(7): SYNOPSIS, ENVIRONMENT, EXIT STATUS,
//! FILES, EXAMPLES, SEE ALSO) are written here, in roff, because clap knows
//! nothing of them. The page names only things that are installed with it:
//! no repository paths, and in SEE ALSO only pages Debian ships.

use std::io::{self, Write};

use crate::settings::table::SETTINGS;

/// The variables solink reads that are not settings, with what they do;
/// the settings' own come first, from the table.
pub(crate) const OTHER_VARIABLES: &[(&str, &str)] = &[
    ("SOLINK_CONFIG", "The one configuration file to read, instead of the user's and the system's."),
    ("SOLINK_SYSTEM_CONFIG", "The system configuration file, instead of /etc/solink.conf."),
    ("SOLINK_DEPTH", "solink's recursion guard, set by solink itself for the driver it runs."),
    (
        "SOLINK_CROSS_CHECK",
        "For tests: 1 compares each answer the closure check takes from the part of a link before \
         the driver's dirs with the whole check's, and stops on a difference.",
    ),
    ("PATH", "Where the driver is found."),
    (
        "PKG_CONFIG_PATH",
        "Where the .pc files of embedded archives' dependencies are found, with PKG_CONFIG_LIBDIR, \
         PKG_CONFIG_SYSROOT_DIR and the other variables pkgconf(1) reads.",
    ),
    ("XDG_CACHE_HOME", "The verdict cache is XDG_CACHE_HOME/solink (else HOME/.cache/solink)."),
    (
        "XDG_CONFIG_HOME",
        "The user's configuration file is XDG_CONFIG_HOME/solink/solink.conf (else HOME/.config).",
    ),
    (
        "LIBRARY_PATH",
        "With COMPILER_PATH and GCC_EXEC_PREFIX: not read by solink itself, but they change the \
         driver's library directories, so they are part of the key those are cached under.",
    ),
    (
        "NVCC_PREPEND_FLAGS",
        "With NVCC_APPEND_FLAGS, NVCC_CCBIN, TMPDIR, CUDA_ROOT and the variables nvcc.profile \
         names: not read by solink itself, but nvcc reads them, so with PATH they are part of the \
         key its dry runs are cached under.",
    ),
    ("NO_COLOR", "Set and not empty: no colour (it wins over CLICOLOR_FORCE)."),
    (
        "CLICOLOR_FORCE",
        "Set and not 0: colour the solink: prefix of warnings even when stderr is not a terminal.",
    ),
    ("TERM", "dumb: no colour."),
];

/// The roff of `solink --man`.
pub fn render(cmd: clap::Command, w: &mut dyn Write) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd);
    man.render_title(w)?;
    man.render_name_section(w)?;
    // clap_mangen's synopsis lists every option and leaves out ARGS, the
    // part that matters: the two forms, bare and launcher.
    w.write_all(SYNOPSIS.as_bytes())?;
    man.render_description_section(w)?;
    w.write_all(DESCRIPTION.as_bytes())?;
    man.render_options_section(w)?;
    w.write_all(b".SH ENVIRONMENT\n")?;
    let settings = SETTINGS.iter().filter_map(|s| Some((s.var?, s.env_doc)));
    for (var, what) in settings.chain(OTHER_VARIABLES.iter().copied()) {
        writeln!(w, ".TP\n\\fB{var}\\fR\n{}", what.replace('\'', "\\*(Aq"))?;
    }
    w.write_all(REST.as_bytes())?;
    man.render_version_section(w)
}

const SYNOPSIS: &str = r#".SH SYNOPSIS
\fBsolink\fR [\fIOPTIONS\fR] [\fB\-\-\fR] \fIARGS\fR...
.br
\fBsolink\fR [\fIOPTIONS\fR] \fIDRIVER\fR \fIARGS\fR...
"#;

const DESCRIPTION: &str = r#".PP
ARGS is a gcc command line. In a shared link (\fB\-shared\fR), each \fB\-l\fR\fINAME\fR that has a
lib\fINAME\fR.a in the search path (the \fB\-\-libsdir\fR directories, every \fB\-L\fR directory,
WORKSPACE_FOLDER/test/lib, then the driver's own directories) is replaced by that archive when it
can live in a shared object, with its own dependencies added; everything else reaches the driver
byte for byte. A program's link is checked when it takes an archive (\fB\-\-no\-programs\fR turns
that off); anything else passes through untouched.
.PP
In the launcher form, DRIVER (gcc, clang, cc, ...) is the real compiler, as with ccache(1).
\fB\-\-version\fR, \fB\-\-help\fR, \fB\-v\fR, \fB\-dumpversion\fR and \fB\-dumpmachine\fR are the
driver's, so that a build system probing CC=solink sees the real compiler; solink's own are
\fB\-\-solink\-version\fR and \fB\-\-solink\-help\fR.
.PP
Each option listed with an environment variable also has a key in the configuration file (the
variable without SOLINK_, in lower case); the options that act and exit (\fB\-\-audit\fR,
\fB\-\-show\-config\fR, ...) have neither. The command line wins over the environment, which wins
over the user's file, which wins over the system's.
"#;

const REST: &str = r#".SH EXIT STATUS
The driver's own status: solink execs it.
.PP
solink's own refusals print one \fBsolink: ...\fR line on stderr and exit with 2: a bad option,
variable or configuration line, a missing direct archive, a driver that cannot be found or run, a
depfile that cannot be written, stdout that cannot be written, with \fB\-\-strict\fR any embedding
warning, and \fBsolink\fR with no arguments (which prints its usage).
.PP
\fB\-\-audit\fR exits with 1 when an archive is embedded in two of the files and a copy can
interpose (its symbols are in its object's .dynsym; copies that are all private are reported and
allowed), two of them define at least 4 of the same global symbols, one embeds the static CUDA
runtime while another needs libcudart.so, or two of them are (or embed) OpenMP runtimes (libgomp,
libomp, libiomp5); with 3 when it found none of these but could not see
something it was asked about (a directory it cannot read, a limit of its walk, a file or note it
cannot parse, a wheel member past its bounds), each said in its report; 0 when it saw everything
and found nothing. \fB\-\-audit \-\-embeds\fR \fINAME\fR exits with 0 when a file under the
directories embeds lib\fINAME\fR.a, 1 when none does, 3 when something could not be seen, 2 on a
bad digest or a missing directory.
.SH FILES
.TP
\fI$XDG_CONFIG_HOME/solink/solink.conf\fR (\fI~/.config/solink/solink.conf\fR)
The user's configuration: \fIkey\fR = \fIvalue\fR lines, # comments.
.TP
\fI/etc/solink.conf\fR
The system configuration, read after the user's. \fBsolink \-\-show\-config\fR shows every
effective setting and where it came from.
.TP
\fI$XDG_CACHE_HOME/solink\fR (\fI~/.cache/solink\fR), or \fB\-\-cache\-dir\fR
The cache root. solink keeps everything in \fIsolink\-v2\-VERSION/\fR there, marked by a
\fICACHEDIR.TAG\fR, and removes nothing else; it uses the root only when it is the user's own and
writable by nobody else. \fB\-\-show\-cache\fR and \fB\-\-clear\-cache\fR manage it.
.TP
\fI$SOLINK_LOGFILE\fR
One JSON record per invocation, when set.
.TP
\fIOUTPUT\fR.d
The depfile, with \fB\-\-depfile\fR.
.SH EXAMPLES
The four rewrites of solink's specification, with WS the workspace:
.PP
.RS
.nf
solink \-\-libsdir WS/prod/calc/lib \-\- \-shared \-o libcalc.so calc.o \-lcalcbase \-lm
  # runs: cc \-shared \-o libcalc.so calc.o WS/prod/calc/lib/libcalcbase.a \-lm
solink \-shared \-o libcalc.so calc.o \-LWS/test/lib \-lcalcbase \-lm
  # runs: cc \-shared \-o libcalc.so calc.o \-LWS/test/lib WS/test/lib/libcalcbase.a \-lm
solink \-shared \-o libcalc.so calc.o libcalcbase.a \-lm
  # runs the command unchanged
solink \-shared \-o libx.so x.o libbase.a \-L/custom/path \-lcustom \-lpthread \-Wl,\-rpath,/opt/lib
  # runs: cc ... libbase.a \-L/custom/path /custom/path/libcustom.a \-lpthread \-Wl,\-rpath,/opt/lib
.fi
.RE
.PP
Why each library was embedded or not:
.PP
.RS
.nf
solink \-\-explain \-\-libsdir lib \-\- \-shared \-o libcalc.so calc.o \-lcalcbase \-lm
.fi
.RE
.PP
Export an embedded archive's API, and only that, from a library that hides the rest;
or re\-export a static C library's function from a Rust cdylib:
.PP
.RS
.nf
solink \-\-hide \-\-export\-archive=api \-shared \-o libx.so x.o \-lapi \-lother
SOLINK_EXPORT=capi_add cargo rustc \-\-release \-\- \-C linker=solink
.fi
.RE
.PP
CMake (3.21 or later), as the linker launcher:
.PP
.RS
.nf
cmake \-DCMAKE_C_LINKER_LAUNCHER=solink \-DCMAKE_CXX_LINKER_LAUNCHER=solink ..
.fi
.RE
.PP
make, with a depfile so that a rebuilt archive relinks the library:
.PP
.RS
.nf
lib$(TARGET).so: $(OBJS)
	solink \-\-libsdir $(LIBSDIR) \-\-depfile $@.d \-shared \-o $@ $(OBJS) $(LIBS)
\-include $(wildcard *.so.d)
.fi
.RE
.SH SEE ALSO
gcc(1), ld(1), pkgconf(1), ccache(1)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> String {
        let mut out = Vec::new();
        render(crate::settings::cli::command(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_page_has_every_section_a_reader_looks_for() {
        let page = page();
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "ENVIRONMENT",
            "EXIT STATUS",
            "FILES",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            assert!(page.contains(&format!("\n.SH {section}\n")), "no {section} section in:\n{page}");
        }
        assert!(page.contains("\\fIARGS\\fR"), "the synopsis shows ARGS");
        // The page points to nothing that is not installed with it.
        assert!(!page.contains("docs/"), "the page names a repository file");
    }

    #[test]
    fn every_setting_variable_is_in_environment() {
        let page = page();
        let env = &page[page.find(".SH ENVIRONMENT").unwrap()..page.find(".SH EXIT STATUS").unwrap()];
        for var in crate::settings::config::variables() {
            assert!(env.contains(&format!("\\fB{var}\\fR")), "{var} is not in ENVIRONMENT");
        }
    }
}

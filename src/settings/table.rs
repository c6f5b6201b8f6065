//! solink's settings, one row each: the long option, the configuration key,
//! the variable, the kind of value, the values it allows where only some
//! are, the default `--show-config` shows, the option's help line and the
//! variable's line in the man page.
//!
//! Everything that names a setting reads this table: the quick reader and
//! clap (built from it, only on the paths that need clap) in `cli.rs`, the
//! configuration keys, their refusals and `--show-config` in `config.rs`,
//! and ENVIRONMENT in `man.rs`; `usage_md.rs` holds docs/usage.md's table of
//! options and its list of keys to it (ripgrep keeps an option's choices,
//! parsing and documentation together in `flags/defs.rs`). A new option is
//! one row here, one field of `cli::Options` with its line in `cli::parse`,
//! its row in docs/usage.md, and its test.
//!
//! The rows are in the order `--solink-help` lists them; the variable-only
//! settings (`SOLINK_LOGFILE`, `SOLINK_DISABLE`) come last.

/// The values of `--format`: `text` and `json` for `--explain` and
/// `--audit`, the rest `--audit`'s records (docs/provenance.md). In the
/// order of `cli::Format`'s variants, which are read by position.
pub const FORMATS: &[&str] = &["text", "json", "cyclonedx", "spdx", "debian", "rpm"];

/// The forms of `--rpath-dynamic=FORM`, in the order of
/// `policy::RpathForm`'s variants; the first is the form without `=`.
pub(crate) const RPATH_FORMS: &[&str] = &["absolute", "origin"];

/// The shells of `--completions SHELL`: clap_complete's
/// (`the_shells_are_clap_complete_s` holds them equal).
pub(crate) const SHELLS: &[&str] = &["bash", "elvish", "fish", "powershell", "zsh"];

/// What a setting's value is: how the option takes it, how clap checks it,
/// how the variable and the configuration line spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// On or off: `--explain`; the variable and key are booleans.
    Flag,
    /// One path: `--depfile FILE`.
    Path,
    /// Paths, the option repeated: `--libsdir DIR`; the variable is a list.
    Paths,
    /// Names, the option repeated: `--embed NAME`; the variable is a list.
    Names,
    /// A program and its arguments, split as a shell would: `--cc "ccache gcc"`.
    Command,
    /// All, or the names given: `--hide` or `--hide=NAME` (repeated); the
    /// variable is `1` or a list.
    Select,
    /// `--rpath-dynamic` or `--rpath-dynamic=FORM`, a form of the row's
    /// choices; the variable is a boolean or a form.
    Rpath,
    /// One of the row's choices ([`FORMATS`]).
    Format,
    /// A management option that acts and exits: `--show-cache`.
    Act,
    /// A management option with a value: `--embeds NAME[=SHA256]`.
    ActValue,
    /// `--completions SHELL`, one of the row's choices ([`SHELLS`]).
    Shell,
    /// `--solink-help`.
    Help,
    /// `--solink-version`.
    Version,
}

/// How a long option takes its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Takes {
    /// A flag: `--explain`.
    Nothing,
    /// `--libsdir DIR` or `--libsdir=DIR`.
    Value,
    /// Optional, and only after `=`: `--hide` or `--hide=NAME`.
    EqualsOnly,
}

impl Kind {
    pub(crate) fn takes(self) -> Takes {
        match self {
            Kind::Flag | Kind::Act | Kind::Help | Kind::Version => Takes::Nothing,
            Kind::Select | Kind::Rpath => Takes::EqualsOnly,
            Kind::Path
            | Kind::Paths
            | Kind::Names
            | Kind::Command
            | Kind::Format
            | Kind::ActValue
            | Kind::Shell => Takes::Value,
        }
    }

    /// Whether the option may be given more than once.
    pub(crate) fn repeats(self) -> bool {
        matches!(self, Kind::Paths | Kind::Names | Kind::Select)
    }
}

/// One setting.
#[derive(Debug)]
pub(crate) struct Setting {
    /// The long option, without `--`; `None` for a variable-only setting.
    pub flag: Option<&'static str>,
    /// The configuration key; `None` for what is no setting (management
    /// options, `--print-resolved`).
    pub key: Option<&'static str>,
    /// The environment variable.
    pub var: Option<&'static str>,
    pub kind: Kind,
    /// The values the option, the variable and the key take, where they
    /// take only some (empty: any); clap, the quick reader, the
    /// configuration file's refusals and the docs read them here.
    pub choices: &'static [&'static str],
    /// The option's value as its help shows it (`DIR`).
    pub value_name: &'static str,
    /// What `--show-config` shows when nothing sets it.
    pub default: &'static str,
    /// The option's line in `--solink-help` and the man page's OPTIONS.
    pub help: &'static str,
    /// The variable's line in the man page's ENVIRONMENT (roff).
    pub env_doc: &'static str,
}

impl Setting {
    /// Whether `value` is one of the row's [`choices`](Setting::choices).
    pub(crate) fn allows(&self, value: &str) -> bool {
        self.choices.contains(&value)
    }

    /// The value an option that takes it only after `=` has without one.
    pub(crate) fn missing_value(&self) -> Option<&'static str> {
        match self.kind {
            Kind::Select => Some(""),
            Kind::Rpath => self.choices.first().copied(),
            _ => None,
        }
    }

    const NONE: Setting = Setting {
        flag: None,
        key: None,
        var: None,
        kind: Kind::Flag,
        choices: &[],
        value_name: "",
        default: "",
        help: "",
        env_doc: "",
    };
}

/// Every setting. (Long on purpose: it is the one table; a row is a few
/// lines because each carries its two texts.)
pub(crate) const SETTINGS: &[Setting] = &[
    Setting {
        flag: Some("libsdir"),
        key: Some("libsdir"),
        var: Some("SOLINK_LIBSDIR"),
        kind: Kind::Paths,
        value_name: "DIR",
        help: "Search DIR first for libNAME.a (repeatable, in order) [env: SOLINK_LIBSDIR]",
        env_doc: "Directories searched first for libNAME.a, separated by : , or whitespace (\\-\\-libsdir).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("workspace"),
        key: Some("workspace_folder"),
        var: Some("WORKSPACE_FOLDER"),
        kind: Kind::Path,
        value_name: "DIR",
        help: "Search DIR/test/lib after the -L directories [env: WORKSPACE_FOLDER]",
        env_doc: "DIR/test/lib is searched after the \\-L directories (\\-\\-workspace).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("no-system-dirs"),
        key: Some("no_system_dirs"),
        var: Some("SOLINK_NO_SYSTEM_DIRS"),
        default: "false",
        help: "Do not search the driver's system library directories [env: SOLINK_NO_SYSTEM_DIRS=1]",
        env_doc: "1: do not search the driver's own library directories.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("cc"),
        key: Some("cc"),
        var: Some("SOLINK_CC"),
        kind: Kind::Command,
        choices: &[],
        value_name: "PROGRAM",
        default: "cc",
        help: "The real compiler driver, possibly with arguments (\"ccache gcc\") [env: SOLINK_CC]",
        env_doc: "The real compiler driver, possibly with arguments (\"ccache gcc\"); default cc.",
    },
    Setting {
        flag: Some("dry-run"),
        key: Some("dry_run"),
        var: Some("SOLINK_DRY_RUN"),
        default: "false",
        help: "Print the final command as one shell-quoted line and run nothing [env: SOLINK_DRY_RUN=1]",
        env_doc: "1: print the final command on stdout and run nothing.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("explain"),
        key: Some("explain"),
        var: Some("SOLINK_EXPLAIN"),
        default: "false",
        help: "Explain every library decision on stderr [env: SOLINK_EXPLAIN=1]",
        env_doc: "1: explain every library decision on stderr; a command solink passes through (a compile, \
                  a link that is not shared) stays silent.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("embed"),
        key: Some("embed"),
        var: Some("SOLINK_EMBED"),
        kind: Kind::Names,
        value_name: "NAME",
        help: "Embed libNAME.a even if it is a runtime library or not PIC (repeatable) [env: SOLINK_EMBED]",
        env_doc: "Libraries to embed even if they are a runtime or not position\\-independent.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("no-embed"),
        key: Some("no_embed"),
        var: Some("SOLINK_NO_EMBED"),
        kind: Kind::Names,
        value_name: "NAME",
        help: "Keep -lNAME dynamic (repeatable) [env: SOLINK_NO_EMBED]",
        env_doc: "Libraries to keep dynamic.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("strict"),
        key: Some("strict"),
        var: Some("SOLINK_STRICT"),
        default: "false",
        help: "Make every fallback and warning an error, before the link [env: SOLINK_STRICT=1]",
        env_doc: "1: every fallback and warning is an error (exit status 2, before the link).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("archive-first"),
        key: Some("archive_first"),
        var: Some("SOLINK_ARCHIVE_FIRST"),
        default: "false",
        help: "The seed's literal rule: the first libNAME.a wins even behind a libNAME.so that ld finds first \
               [env: SOLINK_ARCHIVE_FIRST=1]",
        env_doc: "1: the first libNAME.a wins even behind a libNAME.so that ld finds in an earlier directory.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("no-deps"),
        key: Some("no_deps"),
        var: Some("SOLINK_NO_DEPS"),
        default: "false",
        help: "Do not add the dependencies of embedded archives [env: SOLINK_NO_DEPS=1]",
        env_doc: "1: do not add the dependencies of embedded archives.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("no-programs"),
        key: Some("no_programs"),
        var: Some("SOLINK_NO_PROGRAMS"),
        default: "false",
        help: "Pass links that make a program through unchecked [env: SOLINK_NO_PROGRAMS=1]",
        env_doc: "1: pass links that make a program (an executable) through unchecked, as solink did before \
                  issue 31: no closure check, no providers, no note.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("no-group"),
        key: Some("no_group"),
        var: Some("SOLINK_NO_GROUP"),
        default: "false",
        help: "Do not group two or more embedded archives [env: SOLINK_NO_GROUP=1]",
        env_doc: "1: do not wrap embedded archives in \\-\\-start\\-group/\\-\\-end\\-group.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("whole-archive"),
        key: Some("whole_archive"),
        var: Some("SOLINK_WHOLE_ARCHIVE"),
        kind: Kind::Select,
        value_name: "NAME",
        help: "Link embedded archives (all, or NAME) whole [env: SOLINK_WHOLE_ARCHIVE=1|NAMES]",
        env_doc: "1, or a list of names: link embedded archives whole.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("hide"),
        key: Some("hide"),
        var: Some("SOLINK_HIDE"),
        kind: Kind::Select,
        value_name: "NAME",
        help: "Hide embedded archives' symbols (all, or NAME) from the dynamic symbol table [env: SOLINK_HIDE=1|NAMES]",
        env_doc: "1, or a list of names: hide the symbols of embedded archives (\\-Wl,\\-\\-exclude\\-libs).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("isolate"),
        key: Some("isolate"),
        var: Some("SOLINK_ISOLATE"),
        kind: Kind::Select,
        value_name: "NAME",
        help: "Give each embedded archive (all, or NAME) a private copy of what it links: one relocatable object \
               whose symbols are local but those the rest of the link uses [env: SOLINK_ISOLATE=1|NAMES]",
        env_doc: "1, or a list of names: link each embedded archive as a private copy (ld \\-r, its symbols made \
                  local but those the rest of the link uses).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("export"),
        key: Some("export"),
        var: Some("SOLINK_EXPORT"),
        kind: Kind::Names,
        value_name: "SYMBOL",
        help: "Export SYMBOL from the shared library even where a version script or --hide would not; @FILE: \
               each name of FILE, one a line (repeatable) [env: SOLINK_EXPORT]",
        env_doc: "Symbols to export from the shared library, or @FILE of names one a line, separated by : , or \
                  whitespace (\\-\\-export): added to the link's version script, and exported under \\-\\-hide.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("export-archive"),
        key: Some("export_archive"),
        var: Some("SOLINK_EXPORT_ARCHIVE"),
        kind: Kind::Names,
        value_name: "NAME",
        help: "Export every global symbol the pulled members of the embedded libNAME.a define (repeatable) \
               [env: SOLINK_EXPORT_ARCHIVE]",
        env_doc: "Libraries whose pulled members' global symbols are all exported (\\-\\-export\\-archive).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("depfile"),
        key: Some("depfile"),
        var: Some("SOLINK_DEPFILE"),
        kind: Kind::Path,
        value_name: "FILE",
        help: "Write a make rule: the output depends on every archive embedded [env: SOLINK_DEPFILE]",
        env_doc: "Write a make rule naming the archives, linker scripts and .pc files the link read.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("print-resolved"),
        help: "Print the archives that would be embedded, one absolute path per line; run nothing",
        ..Setting::NONE
    },
    Setting {
        flag: Some("rpath-dynamic"),
        key: Some("rpath_dynamic"),
        var: Some("SOLINK_RPATH_DYNAMIC"),
        kind: Kind::Rpath,
        choices: RPATH_FORMS,
        value_name: "FORM",
        default: "false",
        help: "Add -rpath (-Xlinker -rpath -Xlinker DIR) for libraries that stay dynamic in a -L dir (absolute, \
               or $ORIGIN-relative with =origin) [env: SOLINK_RPATH_DYNAMIC=1|origin]",
        env_doc: "1 or absolute, or origin: add \\-Wl,\\-rpath for libraries that stay dynamic in a \\-L \
                  directory (origin: the path from the output's directory, after $ORIGIN).",
    },
    Setting {
        flag: Some("format"),
        key: Some("format"),
        var: Some("SOLINK_FORMAT"),
        kind: Kind::Format,
        choices: FORMATS,
        value_name: "FORMAT",
        default: "text",
        help: "With --explain or --audit: text lines, or one line of JSON for tools; --audit's records: \
               cyclonedx (CycloneDX 1.5), spdx (SPDX 2.3), debian (Static-Built-Using), rpm (bundled() \
               Provides) [env: SOLINK_FORMAT]",
        env_doc: "text, json, cyclonedx, spdx, debian or rpm: the form of \\-\\-explain and \\-\\-audit \
                  output (cyclonedx, spdx, debian, rpm: \\-\\-audit only).",
    },
    Setting {
        flag: Some("cache-dir"),
        key: Some("cache_dir"),
        var: Some("SOLINK_CACHE_DIR"),
        kind: Kind::Path,
        value_name: "DIR",
        help: "Keep the verdict cache in DIR (default: $XDG_CACHE_HOME/solink, ~/.cache/solink) \
               [env: SOLINK_CACHE_DIR]",
        env_doc: "The directory of the archive verdict cache.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("no-cache"),
        key: Some("no_cache"),
        var: Some("SOLINK_NO_CACHE"),
        default: "false",
        help: "Use no cache: inspect every archive afresh [env: SOLINK_NO_CACHE=1]",
        env_doc: "1: inspect every archive afresh.",
        ..Setting::NONE
    },
    Setting {
        flag: Some("hermetic"),
        key: Some("hermetic"),
        var: Some("SOLINK_HERMETIC"),
        default: "false",
        help: "Read only what the command line and the environment name: no configuration file, no .pc file \
               beyond PKG_CONFIG_PATH, no cache [env: SOLINK_HERMETIC=1]",
        env_doc: "1: read no configuration file, no .pc file beyond PKG_CONFIG_PATH and no cache, for \
                  sandboxes and remote execution (Bazel).",
        ..Setting::NONE
    },
    Setting {
        flag: Some("clear-cache"),
        kind: Kind::Act,
        help: "Remove everything in the cache directory and exit",
        ..Setting::NONE
    },
    Setting {
        flag: Some("show-cache"),
        kind: Kind::Act,
        help: "Print the cache directory, its entries and its size, and exit",
        ..Setting::NONE
    },
    Setting {
        flag: Some("audit"),
        kind: Kind::Act,
        help: "Print what each FILE... and its DT_NEEDED closure embed; exit 1 if an archive is embedded twice",
        ..Setting::NONE
    },
    Setting {
        flag: Some("embeds"),
        kind: Kind::ActValue,
        value_name: "NAME[=SHA256]",
        help: "With --audit: list every ELF file under DIR... whose note says it embeds libNAME.a (that build, \
               with =SHA256); exit 1 if none does",
        ..Setting::NONE
    },
    Setting {
        flag: Some("completions"),
        kind: Kind::Shell,
        choices: SHELLS,
        value_name: "SHELL",
        help: "Print a completion script for SHELL and exit",
        ..Setting::NONE
    },
    Setting { flag: Some("man"), kind: Kind::Act, help: "Print the man page (roff) and exit", ..Setting::NONE },
    Setting {
        flag: Some("show-config"),
        kind: Kind::Act,
        help: "Print every effective setting with its origin, solink's version and the driver, and exit",
        ..Setting::NONE
    },
    Setting {
        flag: Some("solink-help"),
        kind: Kind::Help,
        help: "Print solink's help (--help is the compiler's)",
        ..Setting::NONE
    },
    Setting {
        flag: Some("solink-version"),
        kind: Kind::Version,
        help: "Print solink's version (--version is the compiler's)",
        ..Setting::NONE
    },
    Setting {
        key: Some("logfile"),
        var: Some("SOLINK_LOGFILE"),
        kind: Kind::Path,
        env_doc: "Append one JSON record per invocation to this file (for build systems that hide stderr).",
        ..Setting::NONE
    },
    Setting {
        key: Some("disable"),
        var: Some("SOLINK_DISABLE"),
        default: "false",
        env_doc: "1: pass everything through to the driver untouched, with no search and no inspection.",
        ..Setting::NONE
    },
];

/// The row whose option or key is `name`, for `const` use: a name that is
/// no row's fails to compile.
pub(crate) const fn row(name: &str) -> usize {
    let mut i = 0;
    while i < SETTINGS.len() {
        if names(SETTINGS[i].flag, name) || names(SETTINGS[i].key, name) {
            return i;
        }
        i += 1;
    }
    panic!("no row of SETTINGS has this option or key")
}

/// The variable of the row whose option or key is `name`, for `const`
/// use: a name that is no row's, or a row without a variable, fails to
/// compile.
pub(crate) const fn var(name: &str) -> &'static str {
    match SETTINGS[row(name)].var {
        Some(var) => var,
        None => panic!("this row of SETTINGS has no variable"),
    }
}

/// `Some(name)`, in a `const fn`.
const fn names(field: Option<&str>, name: &str) -> bool {
    let Some(field) = field else { return false };
    let (a, b) = (field.as_bytes(), name.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The row of the long option `name` (without `--`), if it is solink's.
pub(crate) fn by_flag(name: &[u8]) -> Option<usize> {
    SETTINGS.iter().position(|s| s.flag.is_some_and(|f| f.as_bytes() == name))
}

/// The row of the configuration key `key`.
pub(crate) fn by_key(key: &str) -> Option<usize> {
    SETTINGS.iter().position(|s| s.key == Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_spelled_by_one_rule() {
        for (i, s) in SETTINGS.iter().enumerate() {
            for other in &SETTINGS[i + 1..] {
                assert!(s.flag.is_none() || s.flag != other.flag, "{:?} twice", s.flag);
                assert!(s.key.is_none() || s.key != other.key, "{:?} twice", s.key);
                assert!(s.var.is_none() || s.var != other.var, "{:?} twice", s.var);
            }
            // The key is the option with `_` for `-`, and the variable is
            // SOLINK_ and the key in upper case; WORKSPACE_FOLDER is the
            // seed's name, kept.
            if let (Some(flag), Some(key)) = (s.flag, s.key) {
                if key != "workspace_folder" {
                    assert_eq!(flag.replace('-', "_"), key);
                }
            }
            if let (Some(key), Some(var)) = (s.key, s.var) {
                if var != "WORKSPACE_FOLDER" {
                    assert_eq!(format!("SOLINK_{}", key.to_uppercase()), var);
                }
            }
            // A setting has its variable and a default to show; an option
            // has its help; a variable has its man page line.
            assert_eq!(s.key.is_some(), s.var.is_some(), "{s:?}");
            assert!(s.flag.is_none() || !s.help.is_empty(), "{s:?}");
            assert!(s.var.is_none() || !s.env_doc.is_empty(), "{s:?}");
            if s.flag.is_some() {
                assert_eq!(s.kind.takes() == Takes::Nothing, s.value_name.is_empty(), "{s:?}");
            }
            if s.kind == Kind::Flag && s.key.is_some() {
                assert_eq!(s.default, "false", "{s:?}");
            }
        }
    }

    /// An option's choices have one home, its row: a row whose kind takes
    /// only some values lists them, and its man page line names each one
    /// (clap adds them to the help line itself, `[possible values: ...]`).
    #[test]
    fn a_row_that_takes_only_some_values_lists_them() {
        for s in SETTINGS {
            let takes_some = matches!(s.kind, Kind::Format | Kind::Rpath | Kind::Shell);
            assert_eq!(takes_some, !s.choices.is_empty(), "{s:?}");
            for choice in s.choices.iter().filter(|_| s.var.is_some()) {
                assert!(s.env_doc.contains(choice), "{:?}'s man page line names no {choice}", s.var);
            }
        }
        assert_eq!(SETTINGS[row("format")].choices, FORMATS);
        assert_eq!(SETTINGS[row("rpath-dynamic")].missing_value(), Some("absolute"));
        assert!(SETTINGS[row("format")].allows("rpm") && !SETTINGS[row("format")].allows("yaml"));
    }

    /// `--completions` takes what clap_complete can write, no more, no less.
    #[test]
    fn the_shells_are_clap_complete_s() {
        use clap::ValueEnum;
        let shells: Vec<String> = clap_complete::Shell::value_variants()
            .iter()
            .filter_map(|s| s.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(shells, SHELLS);
    }

    #[test]
    fn rows_are_found_by_option_and_key() {
        assert_eq!(SETTINGS[row("workspace")].var, Some("WORKSPACE_FOLDER"));
        assert_eq!(row("workspace"), row("workspace_folder"));
        assert_eq!(by_flag(b"no-cache"), by_key("no_cache"));
        assert_eq!(by_flag(b"no_cache"), None, "options are spelled with -");
        assert_eq!(by_key("no-cache"), None, "keys are spelled with _");
        assert_eq!(by_flag(b"logfile"), None, "SOLINK_LOGFILE has no option");
    }

    /// What `--solink-help` and the man page claim of each option holds
    /// for every row (issue 36 §5: they said every option had a variable,
    /// and ten of them have none): an option with a variable shows it as
    /// `[env: VAR` and has the key that is the variable without
    /// `SOLINK_` in lower case; one without a variable has no key and acts
    /// and exits (or only prints).
    #[test]
    fn the_help_says_what_each_row_has() {
        for s in SETTINGS.iter().filter(|s| s.flag.is_some()) {
            let flag = s.flag.unwrap();
            match s.var {
                Some(var) => {
                    assert!(s.help.contains(&format!("[env: {var}")), "--{flag}: {:?}", s.help);
                    let key = var.strip_prefix("SOLINK_").unwrap_or(var).to_lowercase();
                    assert_eq!(s.key, Some(key.as_str()), "--{flag}");
                }
                None => {
                    assert!(!s.help.contains("[env:"), "--{flag}: {:?}", s.help);
                    assert_eq!(s.key, None, "--{flag}");
                }
            }
        }
    }
}

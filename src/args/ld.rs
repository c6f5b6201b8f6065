//! The link as ld will read it, from a command solink has classified
//! (pure): objects, archives and shared objects by path, every `-l` (ld
//! searches for it), group bounds, `--as-needed` state, `--whole-archive`,
//! `--wrap`, and the driver's implicit libraries at the end. Every linker
//! piece is read through `LD_TABLE`, as the classifier reads it, so an
//! option's value is never an input. The closure check finds and reads the
//! files (`probe/closure_facts.rs`).

use foldhash::HashMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::state::{is_state_option, LdState, Modifiers};
use super::table::{self, Opt, Value};
use super::{LibName, Site, Syntax};

/// One input of the link, before the files are found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    File(PathBuf),
    /// `-lNAME` or `-l:FILE`; `static_` after `-Bstatic` (only `.a`).
    Lib {
        name: LibName,
        static_: bool,
    },
    GroupStart,
    GroupEnd,
    AsNeeded(bool),
    Whole(bool),
}

/// The link as ld will see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub items: Vec<Item>,
    /// `-L` dirs, in order.
    pub lib_dirs: Vec<PathBuf>,
    pub wraps: Vec<Box<[u8]>>,
}

/// (argument, piece): where a linker piece sits.
type PieceAt = (usize, usize);

/// Reads the rewritten command (`args`, in `syntax`, run by `driver`).
/// gcc and clang pass `--as-needed` to every link on this machine's
/// Debian builds (`gcc -dumpspecs`: `%{!fsanitize=*:--as-needed}`); that is
/// assumed for every gcc-syntax driver rather than asked (asking costs a
/// process per link). ld's state (`state.rs`) is walked as ld walks it:
/// each change of `--as-needed` or `--whole-archive`, whichever option or
/// `--pop-state` makes it, is an item. For gcc and clang the implicit
/// libraries come last: `-lgcc --push-state --as-needed -lgcc_s
/// --pop-state -lc -lgcc` (gcc's `LIBGCC_SPEC`/`LIB_SPEC`; with `-static`
/// or `-static-pie`, `--start-group -lgcc -lgcc_eh -lc --end-group`),
/// after `-lstdc++ -lm` for a C++ driver (by its name) and `-lgomp` for
/// `-fopenmp`, searched in the state the command ends in; none with
/// `-nostdlib` or `-nodefaultlibs`, and none for ld itself.
// Long on purpose: one walk over the rewritten argv, as ld reads it (ld's state from state.rs, pushed and popped).
pub fn plan(args: &[OsString], syntax: Syntax, driver: &OsStr) -> Option<Plan> {
    // nvcc's own order is not its command's: its host link is read instead
    // (`Probe::host_plan`).
    if syntax == Syntax::Nvcc {
        return None;
    }
    let cmd = super::classify_as(args.to_vec(), syntax).ok()?;
    let mut driver_libs: HashMap<usize, (LibName, bool)> = HashMap::default();
    let mut piece_libs: HashMap<PieceAt, (LibName, bool, PieceAt)> = HashMap::default();
    for r in cmd.libs.iter().filter(|r| !matches!(r.name, LibName::Path(_))) {
        match &r.site {
            Site::Driver { arg } => {
                driver_libs.insert(*arg, (r.name.clone(), r.static_region));
            }
            Site::Linker { first, last } => {
                piece_libs.insert(
                    (first.arg, first.index),
                    (r.name.clone(), r.static_region, (last.arg, last.index)),
                );
            }
        }
    }
    let mut plan = Plan { lib_dirs: cmd.lib_dirs.clone(), ..Plan::default() };
    let gcc = syntax == Syntax::Gcc;
    let mut state = LdState::starting(Modifiers { as_needed: gcc, ..Modifiers::default() });
    if gcc {
        plan.items.push(Item::AsNeeded(true));
    }
    let all_static = cmd.all_static || cmd.static_pie;
    let (mut nodefault, mut openmp) = (false, false);
    let mut skip_to: Option<PieceAt> = None;
    let mut pending: Option<Opt> = None;
    for (ai, arg) in cmd.args.iter().enumerate() {
        if let Some((name, static_)) = driver_libs.get(&ai) {
            plan.items.push(Item::Lib { name: name.clone(), static_: *static_ || all_static });
            continue;
        }
        if let Some((_, pieces)) = &arg.linker {
            for (pi, piece) in pieces.iter().enumerate() {
                if let Some(end) = skip_to {
                    if (ai, pi) <= end {
                        continue;
                    }
                    skip_to = None;
                }
                if let Some((name, static_, last)) = piece_libs.get(&(ai, pi)) {
                    plan.items.push(Item::Lib { name: name.clone(), static_: *static_ || all_static });
                    skip_to = Some(*last);
                    continue;
                }
                ld_piece(piece, &mut pending, &mut state, &mut plan);
            }
            continue;
        }
        let tokens = cmd.arg_tokens(arg);
        let first = tokens.first().map(|t| t.as_bytes()).unwrap_or_default();
        match first {
            b"-nostdlib" | b"-nodefaultlibs" if gcc => nodefault = true,
            b"-fopenmp" if gcc => openmp = true,
            _ if !gcc => {
                for t in tokens {
                    ld_piece(t, &mut pending, &mut state, &mut plan);
                }
            }
            _ if tokens.len() == 1 && !first.starts_with(b"-") && super::looks_like_input(&tokens[0]) => {
                plan.items.push(Item::File(PathBuf::from(&tokens[0])));
            }
            _ => {}
        }
    }
    if gcc && !nodefault {
        let static_ = all_static || state.now().static_;
        let lib = |n: &str| Item::Lib { name: LibName::Name(n.into()), static_ };
        let cxx = super::family::Family::of_program(driver).cxx();
        if openmp {
            plan.items.push(lib("gomp"));
        }
        if cxx {
            plan.items.extend([lib("stdc++"), lib("m")]);
        }
        if all_static {
            plan.items.extend([Item::GroupStart, lib("gcc"), lib("gcc_eh"), lib("c"), Item::GroupEnd]);
        } else {
            plan.items.push(lib("gcc"));
            change(&mut state, &[Opt::PushState, Opt::AsNeeded], &mut plan);
            plan.items.push(lib("gcc_s"));
            change(&mut state, &[Opt::PopState], &mut plan);
            plan.items.extend([lib("c"), lib("gcc")]);
        }
    }
    Some(plan)
}

/// Applies state options to `state` as ld does, and adds to the plan what
/// changes for the inputs after them: a group's bounds, and each change
/// of `--as-needed` or `--whole-archive` (a `--pop-state` may change
/// both). A misuse ld refuses is the classifier's to report.
fn change(state: &mut LdState, opts: &[Opt], plan: &mut Plan) {
    for &opt in opts {
        let before = state.now();
        let _ = state.apply(opt);
        let now = state.now();
        match opt {
            Opt::GroupStart => plan.items.push(Item::GroupStart),
            Opt::GroupEnd => plan.items.push(Item::GroupEnd),
            _ => {}
        }
        if now.as_needed != before.as_needed {
            plan.items.push(Item::AsNeeded(now.as_needed));
        }
        if now.whole_archive != before.whole_archive {
            plan.items.push(Item::Whole(now.whole_archive));
        }
    }
}

/// One ld argument that is not a library reference, read through
/// `LD_TABLE` as the classifier reads it: an option's value (the next piece
/// when it is not inline) is never an input.
fn ld_piece(piece: &OsStr, pending: &mut Option<Opt>, state: &mut LdState, plan: &mut Plan) {
    let p = piece.as_bytes();
    if let Some(option) = pending.take() {
        if option == Opt::Wrap {
            plan.wraps.push(p.into());
        }
        return;
    }
    let Some((row, value)) = table::lookup_ld(p) else {
        if !p.starts_with(b"-") && super::looks_like_input(piece) {
            plan.items.push(Item::File(PathBuf::from(piece)));
        }
        return;
    };
    let inline = match value {
        Value::NextToken => {
            *pending = Some(row.opt);
            return;
        }
        Value::Inline(v) => v,
        Value::None => &[],
    };
    match row.opt {
        opt if is_state_option(opt) => change(state, &[opt], plan),
        Opt::Wrap => plan.wraps.push(inline.into()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    type Name = Box<[u8]>;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn lib(n: &str) -> Item {
        Item::Lib { name: LibName::Name(n.into()), static_: false }
    }

    #[test]
    fn the_plan_is_the_command_as_ld_reads_it() {
        let args = os(&[
            "-shared",
            "-o",
            "x.so",
            "a.o",
            "-Wl,--start-group",
            "/L/libx.a",
            "-lm",
            "-Wl,--end-group",
            "-Wl,--wrap=open,--no-as-needed",
            "-Wl,-rpath,/r/lib.so",
            "-L/d",
            "b.so",
            "-Xlinker",
            "--wrap",
            "-Xlinker",
            "close",
        ]);
        let p = plan(&args, Syntax::Gcc, OsStr::new("g++")).unwrap();
        let mut expected = vec![
            Item::AsNeeded(true),
            Item::File("a.o".into()),
            Item::GroupStart,
            Item::File("/L/libx.a".into()),
            lib("m"),
            Item::GroupEnd,
            Item::AsNeeded(false),
            Item::File("b.so".into()),
        ];
        expected.extend([lib("stdc++"), lib("m"), lib("gcc"), Item::AsNeeded(true), lib("gcc_s")]);
        expected.extend([Item::AsNeeded(false), lib("c"), lib("gcc")]);
        assert_eq!(p.items, expected);
        assert_eq!(p.lib_dirs, [PathBuf::from("/d")]);
        assert_eq!(p.wraps, [Name::from(&b"open"[..]), Name::from(&b"close"[..])]);

        let p =
            plan(&os(&["-shared", "-nostdlib", "-fopenmp", "a.o"]), Syntax::Gcc, OsStr::new("gcc")).unwrap();
        assert_eq!(
            p.items,
            [Item::AsNeeded(true), Item::File("a.o".into())],
            "-nostdlib: no implicit libraries"
        );
        let p = plan(&os(&["-shared", "-fopenmp", "a.o"]), Syntax::Gcc, OsStr::new("gcc")).unwrap();
        assert_eq!(p.items[2], lib("gomp"), "-fopenmp stands for -lgomp");
        let p = plan(
            &os(&["-shared", "a.o", "--start-group", "-lx", "--end-group"]),
            Syntax::Ld,
            OsStr::new("ld"),
        )
        .unwrap();
        assert_eq!(
            p.items,
            [Item::File("a.o".into()), Item::GroupStart, lib("x"), Item::GroupEnd],
            "ld: nothing implicit"
        );
    }

    /// Issue 31: ld's state is one value with a stack, read the same in
    /// every spelling; a `--pop-state` ends what it restores (once, the
    /// `--whole-archive` before it was kept on past it, and the note
    /// recorded an archive ld took nothing from).
    #[test]
    fn the_state_is_pushed_and_popped_whole() {
        let st = |n: &str| Item::Lib { name: LibName::Name(n.into()), static_: true };
        let cases: &[(&[&str], Vec<Item>)] = &[
            (
                &["-Wl,--push-state,--whole-archive", "-lfoo", "-Wl,--pop-state", "-lbar"],
                vec![Item::Whole(true), lib("foo"), Item::Whole(false), lib("bar")],
            ),
            (
                &[
                    "-Xlinker",
                    "--push-state",
                    "-Xlinker",
                    "--whole-archive",
                    "-lfoo",
                    "-Xlinker",
                    "--pop-state",
                ],
                vec![Item::Whole(true), lib("foo"), Item::Whole(false)],
            ),
            (
                &[
                    "-Wl,--whole-archive,--push-state,--no-whole-archive,-Bstatic",
                    "-lfoo",
                    "-Wl,--pop-state",
                    "-lbar",
                ],
                vec![Item::Whole(true), Item::Whole(false), st("foo"), Item::Whole(true), lib("bar")],
            ),
            (
                &["-Wl,--push-state,--no-as-needed,-Bstatic", "-lfoo", "-Wl,--pop-state,-lbar"],
                vec![Item::AsNeeded(false), st("foo"), Item::AsNeeded(true), lib("bar")],
            ),
            (&["-Wl,-dn", "-lfoo", "-Wl,-dy", "-lbar"], vec![st("foo"), lib("bar")]),
        ];
        for (args, expected) in cases {
            let mut argv = os(&["-shared"]);
            argv.extend(os(args));
            let p = plan(&argv, Syntax::Gcc, OsStr::new("gcc")).unwrap();
            assert_eq!(p.items[1..=expected.len()], expected[..], "{args:?}");
        }
        // ld as the driver, bare.
        let p = plan(
            &os(&["-shared", "--push-state", "--whole-archive", "-lfoo", "--pop-state", "-lbar"]),
            Syntax::Ld,
            OsStr::new("ld"),
        )
        .unwrap();
        assert_eq!(p.items, [Item::Whole(true), lib("foo"), Item::Whole(false), lib("bar")]);
    }

    /// The driver's own libraries are searched in the state the command
    /// ends in: an unclosed `-Bstatic` reaches them; `-static` groups them.
    #[test]
    fn the_implicit_libraries_follow_the_end_state() {
        let p = plan(&os(&["-shared", "a.o", "-Wl,-Bstatic"]), Syntax::Gcc, OsStr::new("gcc")).unwrap();
        assert!(p.items.iter().all(|i| !matches!(i, Item::Lib { static_: false, .. })), "{:?}", p.items);
        let p = plan(&os(&["-static", "a.o", "-lx"]), Syntax::Gcc, OsStr::new("gcc")).unwrap();
        let st = |n: &str| Item::Lib { name: LibName::Name(n.into()), static_: true };
        assert_eq!(
            p.items,
            [
                Item::AsNeeded(true),
                Item::File("a.o".into()),
                st("x"),
                Item::GroupStart,
                st("gcc"),
                st("gcc_eh"),
                st("c"),
                Item::GroupEnd
            ]
        );
    }

    /// Every spelling of one ld option with its value, as gcc passes it
    /// (`-Wl,`, `-Xlinker`) and as ld takes it as the driver.
    fn spellings(row: &table::Row, value: &str) -> Vec<(Syntax, Vec<String>)> {
        let opt = row.spelling;
        let name = opt.trim_start_matches('-');
        let long = name.len() > 1;
        // ld's getopt_long_only: a long option with one dash or two.
        let mut opts = vec![opt.to_string()];
        if long {
            opts.push(if opt.starts_with("--") { format!("-{name}") } else { format!("--{name}") });
        }
        let mut out = Vec::new();
        for o in &opts {
            let mut joined = Vec::new();
            if row.form == table::Form::EqualsOrSeparate {
                joined.push(format!("{o}={value}"));
            }
            if row.form == table::Form::JoinedOrSeparate {
                joined.push(format!("{o}{value}"));
            }
            let gcc = |v: &[&str]| (Syntax::Gcc, v.iter().map(|s| s.to_string()).collect());
            out.push(gcc(&[&format!("-Wl,{o},{value}")]));
            out.push(gcc(&[&format!("-Wl,{o}"), &format!("-Wl,{value}")]));
            out.push(gcc(&["-Xlinker", o, "-Xlinker", value]));
            out.push((Syntax::Ld, vec![o.clone(), value.to_string()]));
            for j in &joined {
                out.push(gcc(&[&format!("-Wl,{j}")]));
                out.push(gcc(&["-Xlinker", j]));
                out.push((Syntax::Ld, vec![j.clone()]));
            }
        }
        out
    }

    /// Issue 20: every value-taking option of ld's (every row of
    /// `LD_TABLE` with a value), in every spelling, with a value that looks
    /// like an input (`-Wl,--soname,libcalc.so.1` once made the check
    /// read `libcalc.so.1`): the value is never an input, and the inputs on
    /// either side are still read, in order.
    #[test]
    fn an_option_value_is_never_an_input() {
        let mut checked = 0;
        for row in table::LD_TABLE {
            if matches!(row.form, table::Form::Flag | table::Form::Prefix | table::Form::Joined) {
                continue;
            }
            for value in ["libcalc.so.1", "v.o", "libq.a", "x.so"] {
                for (syntax, spelled) in spellings(row, value) {
                    let mut args = os(&["-shared", "a.o"]);
                    args.extend(spelled.iter().map(OsString::from));
                    args.push("b.o".into());
                    let driver = if syntax == Syntax::Ld { "ld" } else { "gcc" };
                    let p = plan(&args, syntax, OsStr::new(driver)).unwrap();
                    let files: Vec<&Path> = p
                        .items
                        .iter()
                        .filter_map(|i| match i {
                            Item::File(f) => Some(f.as_path()),
                            _ => None,
                        })
                        .collect();
                    assert_eq!(files, [Path::new("a.o"), Path::new("b.o")], "{spelled:?} ({syntax:?})");
                    let libs: Vec<&LibName> = p
                        .items
                        .iter()
                        .filter_map(|i| match i {
                            Item::Lib { name, .. } => Some(name),
                            _ => None,
                        })
                        .collect();
                    let expect_lib = (row.opt == Opt::Lib) as usize;
                    let implicit = if syntax == Syntax::Gcc { 4 } else { 0 };
                    assert_eq!(libs.len(), expect_lib + implicit, "{spelled:?} ({syntax:?}): {libs:?}");
                    if row.opt == Opt::Wrap {
                        assert_eq!(p.wraps, [Name::from(value.as_bytes())], "{spelled:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked} spellings");
    }

    /// The options whose value is optional take it only after `=`: the
    /// next piece is an input, as ld reads it.
    #[test]
    fn an_optional_value_is_never_the_next_piece() {
        for opt in ["--build-id", "--demangle", "--unique", "--verbose", "-G", "--export-dynamic"] {
            let args = os(&["-shared", &format!("-Wl,{opt},v.o"), "-Xlinker", opt, "-Xlinker", "w.o"]);
            let p = plan(&args, Syntax::Gcc, OsStr::new("gcc")).unwrap();
            assert!(p.items.contains(&Item::File("v.o".into())), "{opt}: {:?}", p.items);
            assert!(p.items.contains(&Item::File("w.o".into())), "{opt}: {:?}", p.items);
        }
    }

    /// What the rewrite adds, as `-Xlinker` pairs (issue 20 §8), is read
    /// as ld reads it: groups, whole archives, wraps, and option values
    /// that are no input.
    #[test]
    fn the_plan_reads_what_solink_adds_as_xlinker_pairs() {
        let x = |w: &str| ["-Xlinker".to_string(), w.to_string()];
        let mut args = vec!["-shared".to_string(), "a.o".to_string()];
        args.extend(x("--start-group"));
        args.push("/L/libx.a".into());
        args.extend(x("--whole-archive"));
        args.push("/L/liby.a".into());
        args.extend(x("--no-whole-archive"));
        args.extend(x("--end-group"));
        for w in ["--exclude-libs", "libx.a", "-rpath", "/r/lib.so", "-wrap", "open", "--undefined=f"] {
            args.extend(x(w));
        }
        let args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
        let p = plan(&args, Syntax::Gcc, OsStr::new("gcc")).unwrap();
        let head = [
            Item::AsNeeded(true),
            Item::File("a.o".into()),
            Item::GroupStart,
            Item::File("/L/libx.a".into()),
            Item::Whole(true),
            Item::File("/L/liby.a".into()),
            Item::Whole(false),
            Item::GroupEnd,
            lib("gcc"),
        ];
        assert_eq!(p.items[..head.len()], head);
        assert_eq!(p.wraps, [Name::from(&b"open"[..])]);
    }
}

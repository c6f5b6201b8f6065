//! ld's positional state against what solink records (issue 31 §1).
//!
//! ld reads `-Bstatic`/`-Bdynamic` (and `-dn -non_shared -static`, `-dy
//! -call_shared`), `--whole-archive`, `--as-needed`, `--push-state`/
//! `--pop-state`, `--start-group`/`--end-group` and `-l:FILE` as state that
//! runs along the command line. solink reads the same state to decide what
//! it embeds, and its closure check (the plan of `args/ld.rs` and
//! `closure.rs`) to say which members ld pulls; those members are what the
//! `.note.solink` records (`session/note.rs`, `link_entries`). When solink's
//! reading differs from ld's, the note claims members ld never took, or
//! misses members it did (issue 31 §1: `--push-state,--whole-archive -lfoo
//! --pop-state -lbar` recorded all of `libbar.a`).
//!
//! ld itself is the oracle. A small lab is built once per binary with gcc
//! and ar:
//!
//! ```text
//! libfoo.a  foo1.o: foo_a -> bar_a     foo2.o: foo_b
//! libbar.a  bar1.o: bar_a              bar2.o: bar_b -> foo_b
//! libbaz.a  baz1.o: baz_a -> bar_b     baz2.o: baz_b -> dyn_a
//! libdyn.a and libdyn.so  dyn1.o: dyn_a  dyn2.o: dyn_b
//! use.o -> foo_a baz_a dyn_b           top.o -> foo_a
//! ```
//!
//! so `--whole-archive` takes members needed-only extraction leaves, order
//! and groups change what `bar_b` and `foo_b` find, and `-Bstatic` changes
//! whether `-ldyn` is `libdyn.so` or `libdyn.a`. Each case is a real
//! `solink --explain --format json gcc -shared ... -Wl,-t,-t` link (`-t`
//! twice makes ld print every archive member it takes, `(./libfoo.a)foo1.o`),
//! then `solink --format json --audit` of the result. Three properties are
//! held, each by its own test over the same generated links:
//!
//! - the note: it records exactly the members ld took from each archive it
//!   names, and names every archive solink embeds that ld took from (issue
//!   31 §1's bug; `generated_sequences_note_records_what_ld_takes`);
//! - `--explain`'s `unused`: when every decision about an archive says ld
//!   takes nothing from it, ld takes nothing; an archive embedded as used
//!   gives ld members (`generated_sequences_unused_says_what_ld_takes`);
//! - what plain gcc links, solink links (`generated_sequences_link_through_solink`).
//!
//! The note's members are the closure check's `ArchiveUse::members` for the
//! rewritten command, so the first property compares `args::ld::plan` and
//! `closure` with ld without naming their types here (the plan's state is
//! being reshaped; the CLI is what must hold).
//!
//! The generated sequences (a fixed seed; `SOLINK_TEST_SEED` and
//! `SOLINK_TEST_CASES` change them: 40 by default, for a quick `cargo test`,
//! and 150 in CI, which `.ci/run` sets) spell the state every way
//! gcc passes it: several options in one `-Wl,`, `-Xlinker` pairs, `-l`s as
//! driver arguments and as linker pieces, and a stretch of them in an
//! `@file`. They are balanced (no pop without a push, no nested group) and
//! end with `-Bdynamic` and `--no-whole-archive` in effect, as gcc's own
//! libraries after them need. A sequence ld itself refuses (a member taken
//! twice by `--whole-archive`) is not a case. A disagreement is shrunk to a
//! shorter sequence that still disagrees, and printed with solink's claim
//! and ld's trace.
// Tests read and stat files freely: only the library's questions must go
// through fsx (clippy.toml).
#![allow(clippy::disallowed_methods)]

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use support::text::assert_text;
use support::tools::{gcc, require_tool, run, sh, Ran};

const SOLINK: &str = env!("CARGO_BIN_EXE_solink");

/// The lab's sources: `NAME.c`, compiled to `NAME.o`.
const SOURCES: &[(&str, &str)] = &[
    ("foo1", "int bar_a(void); int foo_a(void) { return bar_a() + 1; }"),
    ("foo2", "int foo_b(void) { return 2; }"),
    ("bar1", "int bar_a(void) { return 3; }"),
    ("bar2", "int foo_b(void); int bar_b(void) { return foo_b() + 4; }"),
    ("baz1", "int bar_b(void); int baz_a(void) { return bar_b() + 5; }"),
    ("baz2", "int dyn_a(void); int baz_b(void) { return dyn_a() + 6; }"),
    ("dyn1", "int dyn_a(void) { return 7; }"),
    ("dyn2", "int dyn_b(void) { return 8; }"),
    ("use", "int foo_a(void); int baz_a(void); int dyn_b(void);\nint use(void) { return foo_a() + baz_a() + dyn_b(); }"),
    ("top", "int foo_a(void); int top(void) { return foo_a(); }"),
];

/// The lab's archives and their members.
const ARCHIVES: &[(&str, &[&str])] = &[
    ("libfoo.a", &["foo1.o", "foo2.o"]),
    ("libbar.a", &["bar1.o", "bar2.o"]),
    ("libbaz.a", &["baz1.o", "baz2.o"]),
    ("libdyn.a", &["dyn1.o", "dyn2.o"]),
];

/// Members by archive file name (ld's trace names a path, the note a file
/// name; the lab's archive names are unique).
type Members = BTreeMap<String, BTreeSet<String>>;

struct Lab {
    dir: tempfile::TempDir,
}

/// The lab, built once per binary; `None` (a skip) without gcc or ar.
fn lab() -> Option<&'static Lab> {
    if !require_tool("gcc") || !require_tool("ar") {
        return None;
    }
    static LAB: OnceLock<Lab> = OnceLock::new();
    Some(LAB.get_or_init(Lab::build))
}

impl Lab {
    fn build() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, source) in SOURCES {
            std::fs::write(d.join(format!("{name}.c")), format!("{source}\n")).unwrap();
            gcc(d, &["-fPIC", "-O1", "-c", &format!("{name}.c")]);
        }
        for (archive, members) in ARCHIVES {
            sh(Command::new("ar").current_dir(d).arg("rcs").arg(archive).args(*members));
        }
        gcc(d, &["-shared", "-o", "libdyn.so", "dyn1.o", "dyn2.o"]);
        Lab { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `solink --explain --format json gcc -shared -o OUT ARGS -Wl,-t,-t`
    /// in the lab, with a clean environment and its cache there; then the
    /// note of OUT through `--audit`.
    fn link(&self, out: &str, args: &[String], rsp: Option<(&str, &str)>) -> Linked {
        if let Some((name, text)) = rsp {
            std::fs::write(self.path().join(name), text).unwrap();
        }
        let _ = std::fs::remove_file(self.path().join(out));
        let ran = run(self
            .solink()
            .args(["--explain", "--format", "json", "gcc", "-shared", "-o", out])
            .args(args)
            .arg("-Wl,-t,-t"));
        let command = || {
            let mut words = vec!["gcc", "-shared", "-o", out];
            words.extend(args.iter().map(String::as_str));
            let mut line = shell_words::join(words);
            if let Some((name, text)) = rsp {
                line.push_str(&format!("\n  with {name}: {}", text.trim_end()));
            }
            line
        };
        let explain = ran
            .stderr
            .lines()
            .find(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).unwrap())
            .unwrap_or(serde_json::Value::Null);
        let noted = if ran.success() { self.noted(out) } else { Members::new() };
        Linked { command: command(), taken: taken(&ran.stdout), noted, explain, ran }
    }

    fn solink(&self) -> Command {
        let mut cmd = Command::new(SOLINK);
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .arg("--cache-dir")
            .arg(self.path().join("cache"));
        cmd
    }

    /// What OUT's note says it embeds, through `solink --format json --audit`.
    fn noted(&self, out: &str) -> Members {
        let ran = run(self.solink().args(["--format", "json", "--audit", out]));
        let json: serde_json::Value = serde_json::from_str(&ran.stdout)
            .unwrap_or_else(|e| panic!("--audit {out}: {e}\n{}{}", ran.stdout, ran.stderr));
        let object = &json["files"][0]["objects"][0];
        assert_eq!(object["path"], out, "--audit's first object is the file: {json}");
        let mut noted = Members::new();
        for e in object["embeds"].as_array().unwrap() {
            let members = e["members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string());
            noted.entry(e["file"].as_str().unwrap().to_string()).or_default().extend(members);
        }
        noted
    }

    /// Whether plain gcc (no solink) links `args`: a sequence ld refuses is
    /// no case.
    fn ld_accepts(&self, args: &[String]) -> bool {
        run(Command::new("gcc").current_dir(self.path()).args(["-shared", "-o", "plain.so"]).args(args))
            .success()
    }

    /// The case linked through solink; `None` when ld itself refuses the
    /// sequence (solink's link fails, and so does plain gcc's).
    fn try_case(&self, case: &Case, out: &str) -> Option<Linked> {
        let (args, rsp) = case.render(&format!("{out}.rsp"));
        let rsp = rsp.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
        let linked = self.link(&format!("{out}.so"), &args, rsp);
        (linked.ran.success() || self.ld_accepts(&args)).then_some(linked)
    }
}

/// The members ld took from the lab's archives, from `-t -t`'s
/// `(ARCHIVE)MEMBER` lines.
fn taken(trace: &str) -> Members {
    let mut taken = Members::new();
    for line in trace.lines() {
        let Some((archive, member)) = line.strip_prefix('(').and_then(|l| l.split_once(')')) else {
            continue;
        };
        let file = Path::new(archive).file_name().unwrap_or_default().to_string_lossy();
        if ARCHIVES.iter().any(|(a, _)| *a == file) {
            taken.entry(file.into_owned()).or_default().insert(member.to_string());
        }
    }
    taken
}

fn members_text(m: &Members) -> String {
    if m.is_empty() {
        return "(none)\n".into();
    }
    m.iter().map(|(a, ms)| format!("{a}: {}\n", ms.iter().cloned().collect::<Vec<_>>().join(" "))).collect()
}

/// One link through solink, read back.
struct Linked {
    /// The command as given (and its `@file`), for a person to rerun.
    command: String,
    ran: Ran,
    /// What ld took, from its trace.
    taken: Members,
    /// What the note records, from `--audit`.
    noted: Members,
    /// `--explain --format json`.
    explain: serde_json::Value,
}

impl Linked {
    /// Every property; empty when solink agrees with ld.
    fn disagreements(&self) -> Vec<String> {
        [Linked::links, Linked::note_problems, Linked::claim_problems].iter().flat_map(|p| p(self)).collect()
    }

    /// solink's link succeeds (only asked of a sequence plain gcc links).
    fn links(&self) -> Vec<String> {
        if self.ran.success() {
            return Vec::new();
        }
        vec![format!("the link through solink failed where plain gcc's succeeds: {}", self.ran.status)]
    }

    /// The note records exactly the members ld took from each archive it
    /// names, and names every archive solink embeds that ld took from.
    fn note_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.ran.success() {
            return problems;
        }
        let none = BTreeSet::new();
        for (archive, noted) in &self.noted {
            let taken = self.taken.get(archive).unwrap_or(&none);
            let extra: Vec<_> = noted.difference(taken).cloned().collect();
            let missing: Vec<_> = taken.difference(noted).cloned().collect();
            if !extra.is_empty() {
                problems
                    .push(format!("the note records {archive}({}), which ld did not take", extra.join(" ")));
            }
            if !missing.is_empty() {
                problems.push(format!(
                    "ld took {archive}({}), which the note does not record",
                    missing.join(" ")
                ));
            }
        }
        for archive in self.claims().iter().filter(|(_, c)| c.embedded).map(|(a, _)| a) {
            if self.taken.contains_key(archive) && !self.noted.contains_key(archive) {
                problems.push(format!(
                    "solink embeds {archive} and ld took members of it, but the note has no entry"
                ));
            }
        }
        let recorded: BTreeSet<String> = self.explain["recorded"]
            .as_array()
            .map(|r| r.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let noted: BTreeSet<String> = self.noted.keys().cloned().collect();
        if recorded != noted {
            problems.push(format!("--explain's recorded {recorded:?} is not the note's {noted:?}"));
        }
        problems
    }

    /// `--explain`'s `unused` against ld: when every decision about an
    /// archive says ld takes nothing from it, ld takes nothing; when one
    /// embeds it as used, ld takes something.
    fn claim_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.ran.success() {
            return problems;
        }
        for (archive, claim) in self.claims() {
            let took = self.taken.contains_key(&archive);
            if claim.all_unused && took {
                problems
                    .push(format!("solink says ld takes nothing from {archive} (unused); ld took members"));
            }
            if claim.embedded_used && !took {
                problems.push(format!(
                    "solink says ld takes members of {archive} (embed, not unused); ld took none"
                ));
            }
        }
        problems
    }

    /// What `--explain`'s decisions say of each of the lab's archives
    /// (named by `path`, else by `found`).
    fn claims(&self) -> BTreeMap<String, Claim> {
        let mut claims: BTreeMap<String, Claim> = BTreeMap::new();
        let decisions = self.explain["decisions"].as_array().cloned().unwrap_or_default();
        for d in &decisions {
            let Some(path) = d["path"].as_str().or(d["found"].as_str()) else { continue };
            let file = Path::new(path).file_name().unwrap_or_default().to_string_lossy().into_owned();
            if !ARCHIVES.iter().any(|(a, _)| *a == file) {
                continue;
            }
            let embed = d["outcome"] == "embed";
            let unused = d["unused"] == true;
            let c = claims.entry(file).or_insert(Claim {
                embedded: false,
                embedded_used: false,
                all_unused: true,
            });
            c.embedded |= embed;
            c.embedded_used |= embed && !unused;
            c.all_unused &= unused;
        }
        claims
    }

    /// The disagreement for a person: the command, solink's claim, ld's
    /// trace.
    fn report(&self, problems: &[String]) -> String {
        let rewritten = self.explain["command"]
            .as_array()
            .map(|c| shell_words::join(c.iter().map(|w| w.as_str().unwrap_or("?"))))
            .unwrap_or_default();
        let decisions: String = self.explain["decisions"]
            .as_array()
            .map(|ds| {
                ds.iter()
                    .map(|d| {
                        format!(
                            "  {}: {} {} (unused: {})\n",
                            d["library"].as_str().unwrap_or("?"),
                            d["outcome"].as_str().unwrap_or("?"),
                            d["path"].as_str().unwrap_or("-"),
                            d["unused"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        format!(
            "command (in the lab, -L. and use.o/top.o as in tests/ld_state.rs): solink --explain {}\n\
             solink rewrote it to: {rewritten}\n\
             solink's decisions:\n{decisions}\
             the note (--audit) records:\n{}\
             ld took (-t -t):\n{}\
             {}\n{}",
            self.command,
            indent(&members_text(&self.noted)),
            indent(&members_text(&self.taken)),
            problems.iter().map(|p| format!("- {p}")).collect::<Vec<_>>().join("\n"),
            if self.ran.success() { String::new() } else { self.ran.stderr.clone() },
        )
    }
}

/// What solink's decisions say of one archive.
struct Claim {
    /// A decision embeds it.
    embedded: bool,
    /// A decision embeds it and does not say ld takes nothing from it.
    embedded_used: bool,
    /// Every decision about it says ld takes nothing from it.
    all_unused: bool,
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// What an element of a sequence does to ld's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Push,
    Pop,
    Start,
    End,
    Static,
    Dynamic,
    Whole,
    NoWhole,
    AsNeeded,
    NoAsNeeded,
    Input,
}

/// How an element reaches ld: a driver argument (inputs only), a new
/// `-Wl,`, a piece added to the `-Wl,` just before, or `-Xlinker`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spell {
    Driver,
    Wl,
    WlJoin,
    Xlinker,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Elem {
    kind: Kind,
    word: &'static str,
    spell: Spell,
    /// In the case's `@file` (one stretch of the sequence).
    rsp: bool,
}

impl Elem {
    fn ld(kind: Kind, word: &'static str) -> Elem {
        Elem { kind, word, spell: Spell::Wl, rsp: false }
    }
}

/// Every spelling of each state option ld takes.
const SPELLINGS: &[(Kind, &[&str])] = &[
    (Kind::Push, &["--push-state"]),
    (Kind::Pop, &["--pop-state"]),
    (Kind::Start, &["--start-group", "-("]),
    (Kind::End, &["--end-group", "-)"]),
    (Kind::Static, &["-Bstatic", "-dn", "-non_shared", "-static"]),
    (Kind::Dynamic, &["-Bdynamic", "-dy", "-call_shared"]),
    (Kind::Whole, &["--whole-archive"]),
    (Kind::NoWhole, &["--no-whole-archive"]),
    (Kind::AsNeeded, &["--as-needed"]),
    (Kind::NoAsNeeded, &["--no-as-needed"]),
];

/// The inputs: `-l`s of each kind and archives by path.
const INPUTS: &[&str] =
    &["-lfoo", "-lbar", "-lbaz", "-ldyn", "-l:libbar.a", "-l:libdyn.a", "./libbaz.a", "libfoo.a"];

/// One sequence, with the object it links.
#[derive(Clone, Debug)]
struct Case {
    object: &'static str,
    seq: Vec<Elem>,
}

impl Case {
    /// A balanced sequence from `rng`.
    fn generate(rng: &mut fastrand::Rng) -> Case {
        let len = rng.usize(2..=14);
        let mut seq = Vec::with_capacity(len);
        for _ in 0..len {
            let elem = if rng.u8(0..10) < 4 {
                let word = INPUTS[rng.usize(..INPUTS.len())];
                let spell = if word.starts_with("-l") && rng.u8(0..10) < 3 {
                    [Spell::Wl, Spell::WlJoin, Spell::Xlinker][rng.usize(..3)]
                } else {
                    Spell::Driver
                };
                Elem { kind: Kind::Input, word, spell, rsp: false }
            } else {
                // Push and whole-archive twice as often: they are the point.
                let weighted = [0, 0, 1, 2, 3, 4, 5, 6, 6, 7, 8, 9];
                let (kind, words) = SPELLINGS[weighted[rng.usize(..weighted.len())]];
                let spell = [Spell::Wl, Spell::WlJoin, Spell::WlJoin, Spell::Xlinker][rng.usize(..4)];
                Elem { kind, word: words[rng.usize(..words.len())], spell, rsp: false }
            };
            seq.push(elem);
        }
        if rng.u8(0..4) == 0 {
            let from = rng.usize(..seq.len());
            let to = rng.usize(from..seq.len()) + 1;
            seq[from..to].iter_mut().for_each(|e| e.rsp = true);
        }
        Case { object: "use.o", seq: balanced(seq) }
    }

    /// The arguments after `-shared -o OUT`, and the `@file` named `rsp`
    /// with its text when the case has one.
    fn render(&self, rsp: &str) -> (Vec<String>, Option<(String, String)>) {
        let mut main = vec![self.object.to_string(), "-L.".to_string()];
        let mut file: Vec<String> = Vec::new();
        let mut placed = false;
        // Whether the last element made a `-Wl,` token, and in which place.
        let mut wl_in: Option<bool> = None;
        for e in &self.seq {
            if e.rsp && !placed {
                main.push(format!("@{rsp}"));
                placed = true;
            }
            let to = if e.rsp { &mut file } else { &mut main };
            match e.spell {
                Spell::Driver => to.push(e.word.to_string()),
                Spell::Xlinker => to.extend(["-Xlinker".to_string(), e.word.to_string()]),
                Spell::WlJoin if wl_in == Some(e.rsp) => {
                    let last = to.last_mut().unwrap();
                    last.push(',');
                    last.push_str(e.word);
                }
                Spell::Wl | Spell::WlJoin => to.push(format!("-Wl,{}", e.word)),
            }
            wl_in = matches!(e.spell, Spell::Wl | Spell::WlJoin).then_some(e.rsp);
        }
        let file = placed.then(|| (rsp.to_string(), file.join("\n") + "\n"));
        (main, file)
    }

    /// The sequence as one line, for a person.
    fn shown(&self) -> String {
        let (args, rsp) = self.render("case.rsp");
        let mut line = shell_words::join(&args);
        if let Some((name, text)) = rsp {
            line.push_str(&format!("   ({name}: {})", text.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        line
    }
}

/// `seq` made balanced: a pop with nothing pushed, a group in a group and
/// an end outside one are left out; then the pushes are popped, the group
/// ended, and `-Bdynamic` and `--no-whole-archive` put back when they are
/// not in effect (gcc's `-lgcc_s -lc` come after the sequence: under
/// `-Bstatic` ld would look for `libgcc_s.a`).
fn balanced(seq: Vec<Elem>) -> Vec<Elem> {
    let mut out = Vec::with_capacity(seq.len() + 4);
    // (static, whole) now, and as pushed.
    let mut state = (false, false);
    let mut pushed: Vec<(bool, bool)> = Vec::new();
    let mut group = false;
    for e in seq {
        match e.kind {
            Kind::Push => pushed.push(state),
            Kind::Pop => match pushed.pop() {
                Some(s) => state = s,
                None => continue,
            },
            Kind::Start if group => continue,
            Kind::End if !group => continue,
            Kind::Start | Kind::End => group = !group,
            Kind::Static => state.0 = true,
            Kind::Dynamic => state.0 = false,
            Kind::Whole => state.1 = true,
            Kind::NoWhole => state.1 = false,
            Kind::AsNeeded | Kind::NoAsNeeded | Kind::Input => {}
        }
        out.push(e);
    }
    while let Some(s) = pushed.pop() {
        out.push(Elem::ld(Kind::Pop, "--pop-state"));
        state = s;
    }
    if group {
        out.push(Elem::ld(Kind::End, "--end-group"));
    }
    if state.0 {
        out.push(Elem::ld(Kind::Dynamic, "-Bdynamic"));
    }
    if state.1 {
        out.push(Elem::ld(Kind::NoWhole, "--no-whole-archive"));
    }
    out
}

/// One property of a link: its problems (none when it holds).
type Property = fn(&Linked) -> Vec<String>;

/// A shorter sequence on which `property` still fails, by leaving out one
/// element at a time (then balancing again); at most `tries` links.
fn shrink(lab: &Lab, mut case: Case, property: Property, out: &str, mut tries: usize) -> (Case, String) {
    let mut report = None;
    'smaller: while tries > 0 {
        for i in 0..case.seq.len() {
            let mut seq = case.seq.clone();
            seq.remove(i);
            let seq = balanced(seq);
            if seq.len() >= case.seq.len() || tries == 0 {
                continue;
            }
            let smaller = Case { seq, ..case.clone() };
            tries -= 1;
            if let Some(linked) = lab.try_case(&smaller, out) {
                let problems = property(&linked);
                if !problems.is_empty() {
                    (case, report) = (smaller, Some(linked.report(&problems)));
                    continue 'smaller;
                }
            }
        }
        break;
    }
    let report = report.unwrap_or_else(|| {
        let linked = lab.try_case(&case, out).expect("a case that failed links again");
        linked.report(&property(&linked))
    });
    (case, report)
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The generated cases, each linked once for every property's test:
/// `None` where ld itself refuses the sequence.
struct Generated {
    seed: usize,
    cases: Vec<(Case, Option<Linked>)>,
}

fn generated(lab: &'static Lab) -> &'static Generated {
    static GENERATED: OnceLock<Generated> = OnceLock::new();
    GENERATED.get_or_init(|| {
        let seed = env_number("SOLINK_TEST_SEED", 31);
        let count = env_number("SOLINK_TEST_CASES", 40);
        let mut rng = fastrand::Rng::with_seed(seed as u64);
        let cases: Vec<Case> = (0..count).map(|_| Case::generate(&mut rng)).collect();
        // Two threads: a link is mostly waiting for gcc and ld.
        let half = cases.len().div_ceil(2);
        let linked: Vec<Option<Linked>> = std::thread::scope(|s| {
            let parts: Vec<_> = cases
                .chunks(half.max(1))
                .enumerate()
                .map(|(part, chunk)| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .enumerate()
                            .map(|(i, case)| lab.try_case(case, &format!("case{}", part * half + i)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap()).collect()
        });
        let cases: Vec<(Case, Option<Linked>)> = cases.into_iter().zip(linked).collect();
        let refused = cases.iter().filter(|(_, l)| l.is_none()).count();
        assert!(refused * 3 <= count, "ld refused {refused} of {count} sequences: the generator is off");
        Generated { seed, cases }
    })
}

/// Fails, with the failing sequences and the shortest two shrunk and
/// explained, when `property` fails on a generated case.
fn holds(name: &str, property: Property) {
    let Some(lab) = lab() else { return };
    let g = generated(lab);
    let mut failed: Vec<(&Case, Vec<String>)> = g
        .cases
        .iter()
        .filter_map(|(c, l)| l.as_ref().map(|l| (c, property(l))))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    if failed.is_empty() {
        return;
    }
    failed.sort_by_key(|(c, _)| c.seq.len());
    let all: String =
        failed.iter().map(|(c, p)| format!("  {}\n    {}\n", c.shown(), p.join("\n    "))).collect();
    let shrunk: Vec<String> = failed
        .iter()
        .take(2)
        .enumerate()
        .map(|(n, (case, _))| {
            let (small, report) = shrink(lab, (*case).clone(), property, &format!("{name}{n}"), 25);
            format!("--- shrunk to {} elements: {}\n{report}", small.seq.len(), small.shown())
        })
        .collect();
    let linked = g.cases.iter().filter(|(_, l)| l.is_some()).count();
    panic!(
        "{} of {linked} linked sequences (seed {}, of {}) disagree with ld:\n{all}\n{}",
        failed.len(),
        g.seed,
        g.cases.len(),
        shrunk.join("\n")
    );
}

/// Generated sequences of ld's state options around the lab's inputs, every
/// spelling: the note records exactly what ld took from what solink embeds.
#[test]
fn generated_sequences_note_records_what_ld_takes() {
    holds("note", Linked::note_problems);
}

/// The same sequences: `--explain`'s `unused` says whether ld takes members.
#[test]
fn generated_sequences_unused_says_what_ld_takes() {
    holds("claim", Linked::claim_problems);
}

/// The same sequences: what plain gcc links, solink links.
#[test]
fn generated_sequences_link_through_solink() {
    holds("links", Linked::links);
}

/// A fixed case: the members ld took and the note's must both be `want`
/// (`libx.a: m.o ...` lines), and solink must agree with ld.
#[track_caller]
fn fixed(name: &str, object: &'static str, args: &[&str], want: &str) {
    let Some(lab) = lab() else { return };
    let mut all = vec![object.to_string(), "-L.".to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let linked = lab.link(&format!("{name}.so"), &all, None);
    let problems = linked.disagreements();
    assert!(problems.is_empty(), "{}", linked.report(&problems));
    assert_text(members_text(&linked.taken), want);
    assert_text(members_text(&linked.noted), want);
}

// Issue 31 §1: `--pop-state` ended the whole-archive region for ld, not for
// solink, whose note recorded every member of `libbar.a`.
#[test]
fn whole_archive_in_pushed_state_ends_at_pop_state() {
    fixed(
        "pushed_whole",
        "top.o",
        &["-Wl,--push-state,--whole-archive", "-lfoo", "-Wl,--pop-state", "-lbar"],
        "libbar.a: bar1.o\nlibfoo.a: foo1.o foo2.o\n",
    );
}

// Issue 31 §1-§2: a `-Bstatic` region inside pushed state takes
// `libdyn.a`, which solink checks and records as ld takes it, and
// `--pop-state` ends it, so the archives after it are embedded and
// recorded.
#[test]
fn bstatic_region_in_pushed_state_ends_at_pop_state() {
    let Some(lab) = lab() else { return };
    let args = [
        "use.o",
        "-L.",
        "-Xlinker",
        "--push-state",
        "-Wl,-Bstatic",
        "-ldyn",
        "-Wl,--pop-state,--start-group",
        "-lfoo",
        "-lbar",
        "-lbaz",
        "-Wl,--end-group",
    ];
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let linked = lab.link("pushed_static.so", &args, None);
    let problems = linked.disagreements();
    assert!(problems.is_empty(), "{}", linked.report(&problems));
    assert_text(
        members_text(&linked.taken),
        "libbar.a: bar1.o bar2.o\nlibbaz.a: baz1.o\nlibdyn.a: dyn2.o\nlibfoo.a: foo1.o foo2.o\n",
    );
    assert_text(
        members_text(&linked.noted),
        "libbar.a: bar1.o bar2.o\nlibbaz.a: baz1.o\nlibdyn.a: dyn2.o\nlibfoo.a: foo1.o foo2.o\n",
    );
}

// Issue 31 §1: the inner `--pop-state` gives back the outer pushed state
// (no whole archive), which solink's plan never restored.
#[test]
fn nested_push_state_restores_the_outer_state() {
    fixed(
        "nested",
        "top.o",
        &[
            "-Wl,--push-state,--no-whole-archive,--push-state,--whole-archive",
            "-lfoo",
            "-Wl,--pop-state",
            "-lbar",
            "-Wl,--pop-state",
            "-lbaz",
        ],
        "libbar.a: bar1.o\nlibfoo.a: foo1.o foo2.o\n",
    );
}

// A whole archive around a pushed `--no-whole-archive`: `--pop-state` turns
// it back on for `-l:libdyn.a`, every member of which ld takes.
#[test]
fn pop_state_turns_whole_archive_back_on() {
    fixed(
        "whole_again",
        "top.o",
        &[
            "-Wl,--whole-archive,--push-state,--no-whole-archive",
            "-lfoo",
            "-lbar",
            "-Wl,--pop-state",
            "-l:libdyn.a",
            "-Wl,--no-whole-archive",
        ],
        "libbar.a: bar1.o\nlibdyn.a: dyn1.o dyn2.o\nlibfoo.a: foo1.o\n",
    );
}

// Found by the generator (seed 1234): `-ldyn` twice under
// `--whole-archive` was replaced twice by `libdyn.a`, which ld then read
// whole twice ("multiple definition"), where plain gcc takes `libdyn.so`
// twice. Both stay as given; ld takes nothing from an archive.
#[test]
fn the_same_library_twice_under_whole_archive_stays_as_given() {
    fixed(
        "twice_whole",
        "use.o",
        &["-Wl,--whole-archive", "-ldyn", "-ldyn", "-Wl,--no-whole-archive"],
        "(none)\n",
    );
    fixed(
        "twice_whole_wl",
        "use.o",
        &["-Wl,--whole-archive", "-ldyn", "-Wl,-ldyn", "-Wl,--no-whole-archive"],
        "(none)\n",
    );
}

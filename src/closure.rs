//! GNU ld's archive member extraction, as a pure function of symbol facts.
//!
//! Given a link's inputs in command-line order (objects, archives, shared
//! libraries and group bounds, each with the symbols [`crate::formats::symbols`]
//! read), [`closure`] works out which archive members ld will pull in and
//! which strong undefined references the final link leaves unresolved. No
//! I/O happens here.
//!
//! The rules, from the GNU ld manual ("-l namespec", "--start-group") and
//! bfd's `elf_link_add_archive_symbols` (elflink.c):
//!
//! - ld reads inputs in order. At an archive it looks each symbol of the
//!   archive's index up in the symbols seen so far, and pulls the member
//!   that defines it when the symbol is *strongly* undefined. A weak
//!   undefined reference never pulls a member (bfd's `undefweak`), and a
//!   symbol already defined (by an object, a pulled member or a shared
//!   library read earlier) pulls nothing. A *common* symbol pulls a member
//!   only if the member has a strong, non-common, non-function definition
//!   of it (bfd's `elf_link_is_defined_archive_symbol`).
//! - Pulling a member adds its definitions and undefined references; ld
//!   walks the index again until a pass pulls nothing, so an archive's own
//!   members find each other whatever their order.
//! - Archives between `--start-group` and `--end-group` are searched again,
//!   in turn, until a pass over all of them pulls nothing.
//! - Hence an archive placed before every object that uses it contributes
//!   nothing: the references come too late.
//! - A default-version index entry `foo@@VER` also serves references to
//!   `foo` (bfd looks the name up with one `@`, then with none).
//!
//! tests/closure.rs holds these rules to GNU ld 2.40 (`ld -t -t` for the
//! members, `-z defs` for what is left undefined) on small archives built
//! for each rule, and on every `lib*.a` in gcc's directories.
//!
//! What counts as *defined in the final link* for the unresolved check is
//! wider than what pulls members: every object, every pulled member, and
//! every shared library on the line, wherever it sits. ld enters a shared
//! library's dynamic symbols in its symbol table when it reads the library
//! and resolves later references against them, and for a shared output it
//! checks undefined symbols only at the end (`-z defs`), so a library read
//! before the reference still satisfies it. That holds only for a library
//! read under `--no-as-needed`. Under `--as-needed` (ld manual: a library
//! is needed only if it "satisfies a non-weak undefined symbol reference
//! from a regular object file" when it is read) a library that satisfies
//! no strong reference *at that point* is dropped again, and its symbols
//! resolve nothing, before or after. This machine's gcc passes
//! `--as-needed` to every link (`gcc -dumpspecs`: `%{!fsanitize=*:--as-needed}`),
//! so `gcc -shared -lm m.o` leaves `cos` undefined; tests/closure.rs checks
//! both forms against the real ld. Hence [`Needed`].
//!
//! A shared library's own strong undefined symbols (imports) pull archive
//! members too, when the library is part of the link (tests/closure.rs:
//! `-lfoo libbar.a` pulls bar.o for libfoo.so's `bar`). They never make an
//! `--as-needed` library needed here (ld counts them only for a library
//! that is in no other library's `DT_NEEDED`), and they are not the
//! link's to resolve (`-z defs` is about regular objects).
//!
//! Not modelled: `--whole-archive`, `--undefined`/`-u`,
//! symbol wrapping (`--wrap`), and LTO plugin objects.

use foldhash::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::formats::symbols::{ArchiveSyms, Def, Name, ObjectSyms, Ref, SharedSyms};

/// One input of the link with its symbol facts, in ld's order. The facts
/// are shared (`Rc`) with the probe's digests of this run: a check runs a
/// few rounds, and copying libc's exports each round was a fifth of a
/// relink's instructions (callgrind).
#[derive(Clone, Debug)]
pub enum Fact {
    Object(Rc<ObjectSyms>),
    /// An archive by the path the command names it (or its script names
    /// it); `whole` under `--whole-archive`, where every member is linked.
    Archive {
        path: PathBuf,
        syms: Rc<ArchiveSyms>,
        whole: bool,
    },
    Shared(Rc<SharedSyms>, Needed),
    GroupStart,
    GroupEnd,
}

#[derive(Clone, Debug, Default)]
pub struct LinkFacts {
    pub inputs: Vec<Fact>,
    /// `--wrap` symbols.
    pub wraps: Vec<Name>,
}

/// What the closure says about one archive of the link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveUse {
    pub path: PathBuf,
    /// Whether ld pulls any member from it.
    pub pulled: bool,
    /// Pulled members (by name) and the strong undefined symbols nothing in
    /// the final link defines, sorted.
    pub missing: Vec<(String, Vec<Name>)>,
    /// The members ld pulls in, in the order it pulls them (all of them
    /// under `--whole-archive`): what the provenance note records.
    pub members: Vec<String>,
    /// What those members' sections add to the output, by kind.
    pub sizes: crate::formats::symbols::Sizes,
    /// Members with `.init_array`/`.ctors` contents that ld leaves out,
    /// each with a global symbol it defines (strong first), if any: the
    /// constructors a plain link silently drops (issue 13 §4).
    pub ctors_left: Vec<(String, Option<Name>)>,
    /// For an archive ld takes nothing from: the objects and pulled
    /// members of the link (`t.o`, `liby.a(y.o)`) that reference a symbol
    /// it defines which nothing linked defines, in link order. They come
    /// after it (else ld would pull from it); none means nothing in the
    /// link uses it at all (issue 20 §2: the explanation says which).
    pub users: Vec<String>,
}

/// The closure's result, per archive of the link, in link order. This is
/// what the probe caches: it is a function of the facts alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub archives: Vec<ArchiveUse>,
    /// Two copies of one strong symbol (issue 35 §2, §3), in link order.
    pub clashes: Vec<Clash>,
}

/// Two inputs that define the same strong global symbols, found by their
/// symbols alone (whether the two copies are the same bytes is the
/// probe's to say): either the second archive's members that use them are
/// bound to the first copy while its own stays out (`taken` false: what
/// ld does silently), or both copies are linked (`taken` true: a member of
/// an archive linked whole; ld refuses "multiple definition").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clash {
    /// The symbols both define, sorted.
    pub symbols: Vec<Name>,
    /// The copy ld binds: an object (no member) or an archive's member.
    pub first: (PathBuf, Option<String>),
    /// The second copy: an archive and its member.
    pub second: (PathBuf, String),
    /// The second archive's linked members that reference the symbols
    /// (for `taken` false: the users bound to the first copy).
    pub users: Vec<String>,
    pub taken: bool,
}

/// One input of the link, in command-line order.
#[derive(Clone, Copy, Debug)]
pub enum Input<'a> {
    Object(&'a ObjectSyms),
    Archive(&'a ArchiveSyms),
    Shared(&'a SharedSyms, Needed),
    GroupStart,
    GroupEnd,
}

/// How ld was told to treat a shared library where it sits on the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needed {
    /// `--no-as-needed` (ld's default): always part of the link.
    Always,
    /// `--as-needed`: part of the link only if it defines a symbol that is
    /// strongly undefined when ld reads it.
    AsNeeded,
}

/// Where a reference comes from: an input (by position), and for an
/// archive the member (by number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub input: usize,
    pub member: Option<usize>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Closure {
    /// Each archive that contributed (by input position) with the members
    /// pulled from it, in the order ld pulls them.
    pub pulled: Vec<(usize, Vec<usize>)>,
    /// The archives that contributed nothing.
    pub unused: Vec<usize>,
    /// Archives without a symbol index. GNU ld refuses them ("archive has
    /// no index; run ranlib to add one"); here their members' definitions
    /// stand in for the index, so the answer is what ld would do after
    /// `ranlib`.
    pub unindexed: Vec<usize>,
    /// For each object and pulled member, its strong undefined symbols
    /// that nothing in the final link defines (what `-z defs` reports).
    pub unresolved: Vec<(Origin, Vec<Name>)>,
}

/// Symbols the link itself defines, whoever references them: ld's own
/// (`_GLOBAL_OFFSET_TABLE_`, `_DYNAMIC`, `__ehdr_start`), the `PROVIDE`s of
/// its default script for `-shared` (`ld --verbose -shared`), and those of
/// the startup files every gcc/clang shared link has (`__dso_handle` in
/// crtbeginS.o, `__TMC_END__` in crtendS.o).
const LINK_DEFINED: &[&[u8]] = &[
    b"_GLOBAL_OFFSET_TABLE_",
    b"_DYNAMIC",
    b"__ehdr_start",
    b"__bss_start",
    b"__etext",
    b"_etext",
    b"etext",
    b"_edata",
    b"edata",
    b"_end",
    b"end",
    b"__dso_handle",
    b"__TMC_END__",
];

fn link_defined(name: &[u8]) -> bool {
    // ld defines __start_SEC and __stop_SEC for every output section whose
    // name is a C identifier (ld manual, "Input Section Example").
    LINK_DEFINED.contains(&name) || name.starts_with(b"__start_") || name.starts_with(b"__stop_")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Defined,
    Common,
    Undefined(Ref),
    /// Undefined only by shared libraries.
    Imported,
}

#[derive(Default)]
struct State<'a> {
    symbols: HashMap<&'a [u8], Status>,
    /// Per input position: which members are pulled, in pull order.
    pulled: HashMap<usize, Vec<usize>>,
}

/// `foo` for `foo@@VER`: a default version defines the plain name too.
fn default_base(name: &[u8]) -> Option<&[u8]> {
    name.windows(2).position(|w| w == b"@@").map(|at| &name[..at])
}

impl<'a> State<'a> {
    fn define(&mut self, name: &'a [u8], common: bool) {
        let status = if common { Status::Common } else { Status::Defined };
        match self.symbols.get(name) {
            Some(Status::Defined) => {}
            Some(Status::Common) if common => {}
            _ => {
                self.symbols.insert(name, status);
            }
        }
    }

    fn add_object(&mut self, o: &'a ObjectSyms) {
        for (name, def) in &o.defined {
            self.define(name, *def == Def::Common);
            if let Some(base) = default_base(name) {
                self.define(base, *def == Def::Common);
            }
        }
        for (name, r) in &o.undefined {
            match self.symbols.get(&name[..]) {
                Some(Status::Defined | Status::Common | Status::Undefined(Ref::Strong)) => {}
                // A strong reference turns a weak one strong (bfd's
                // `undefweak` becomes `undefined`).
                Some(Status::Undefined(Ref::Weak)) | None => {
                    self.symbols.insert(name, Status::Undefined(*r));
                }
                Some(Status::Imported) => {
                    if *r == Ref::Strong {
                        self.symbols.insert(name, Status::Undefined(Ref::Strong));
                    }
                }
            }
        }
    }

    /// Adds a shared library's exports; whether the library is kept.
    fn add_shared(&mut self, s: &'a SharedSyms, needed: Needed) -> bool {
        let wanted = |n: &Name| self.symbols.get(&n[..]) == Some(&Status::Undefined(Ref::Strong));
        if needed == Needed::AsNeeded && !s.exports.iter().any(wanted) {
            return false;
        }
        for name in &s.exports {
            self.define(name, false);
        }
        for name in &s.imports {
            self.symbols.entry(name).or_insert(Status::Imported);
        }
        true
    }

    /// The status of an index entry's name; for `foo@@VER` never seen,
    /// that of `foo@VER`, then of `foo`.
    fn status_of(&self, name: &[u8]) -> Option<Status> {
        if let Some(s) = self.symbols.get(name) {
            return Some(*s);
        }
        let base = default_base(name)?;
        let mut single = name.to_vec();
        single.remove(base.len());
        self.symbols.get(&single[..]).or_else(|| self.symbols.get(base)).copied()
    }

    /// One search of an archive, to a fixed point. Whether it pulled anything.
    fn scan(&mut self, input: usize, a: &'a ArchiveSyms, index: &[(&'a [u8], u32)]) -> bool {
        let mut pulled = vec![false; a.members.len()];
        for &m in self.pulled.get(&input).into_iter().flatten() {
            pulled[m] = true;
        }
        let mut any = false;
        loop {
            let mut again = false;
            for &(name, m) in index {
                let m = m as usize;
                if m >= a.members.len() || pulled[m] {
                    continue;
                }
                let want = match self.status_of(name) {
                    Some(Status::Undefined(Ref::Strong) | Status::Imported) => true,
                    Some(Status::Common) => {
                        a.members[m].defined.iter().any(|(n, d)| &n[..] == name && *d == Def::Data)
                    }
                    _ => false,
                };
                if want {
                    pulled[m] = true;
                    self.pulled.entry(input).or_default().push(m);
                    self.add_object(&a.members[m]);
                    again = true;
                    any = true;
                }
            }
            if !again {
                return any;
            }
        }
    }
}

/// The index ld would consult: the archive's own, or (for an archive
/// without one) every global definition of its members, in member order.
fn index_of(a: &ArchiveSyms) -> Vec<(&[u8], u32)> {
    match &a.index {
        Some(index) => index.iter().map(|(n, m)| (&n[..], *m)).collect(),
        None => a
            .members
            .iter()
            .enumerate()
            .flat_map(|(m, o)| o.defined.iter().map(move |(n, _)| (&n[..], m as u32)))
            .collect(),
    }
}

/// ld's archive member extraction over `inputs`. With `grouped`, the
/// archives from the first to the last are searched as one group, as
/// solink's rewrite encloses the archives it embeds.
// Long on purpose: ld's extraction loop (inputs, groups, rescans) as one state machine, as bfd has it.
pub fn closure(inputs: &[Input<'_>], grouped: bool) -> Closure {
    let first = inputs.iter().position(|i| matches!(i, Input::Archive(_)));
    let last = inputs.iter().rposition(|i| matches!(i, Input::Archive(_)));
    let indexes: Vec<Vec<(&[u8], u32)>> = inputs
        .iter()
        .map(|i| match i {
            Input::Archive(a) => index_of(a),
            _ => Vec::new(),
        })
        .collect();

    // Sized for every name the inputs bring: growing the table from empty
    // rehashed libc's exports a dozen times (callgrind: an eighth of a
    // relink's instructions).
    let names: usize = inputs
        .iter()
        .map(|i| match i {
            Input::Object(o) => o.defined.len() + o.undefined.len(),
            Input::Shared(s, _) => s.exports.len(),
            _ => 0,
        })
        .sum();
    let mut state =
        State { symbols: HashMap::with_capacity_and_hasher(names, Default::default()), ..State::default() };
    let mut kept = Vec::new();
    // The start of each open group: positions into `inputs`.
    let mut groups: Vec<usize> = Vec::new();
    for (pos, input) in inputs.iter().enumerate() {
        if grouped && Some(pos) == first {
            groups.push(pos);
        }
        match *input {
            Input::Object(o) => state.add_object(o),
            Input::Shared(s, needed) => {
                if state.add_shared(s, needed) {
                    kept.push(s);
                }
            }
            Input::Archive(a) => {
                state.scan(pos, a, &indexes[pos]);
            }
            Input::GroupStart => groups.push(pos),
            Input::GroupEnd => {
                if let Some(start) = groups.pop() {
                    rescan(&mut state, inputs, &indexes, start..=pos);
                }
            }
        }
        if grouped && Some(pos) == last {
            if let Some(start) = groups.pop() {
                rescan(&mut state, inputs, &indexes, start..=pos);
            }
        }
    }

    // Every shared library the link keeps defines its exports for the
    // final check, wherever it sits on the line (see the module comment).
    let mut defined: HashSet<&[u8]> = HashSet::with_capacity_and_hasher(
        state.symbols.len() + kept.iter().map(|s| s.exports.len()).sum::<usize>(),
        Default::default(),
    );
    defined.extend(
        state.symbols.iter().filter(|(_, s)| matches!(s, Status::Defined | Status::Common)).map(|(n, _)| *n),
    );
    for s in kept {
        defined.extend(s.exports.iter().map(|n| &n[..]));
    }
    let missing = |o: &ObjectSyms| -> Vec<Name> {
        let mut names: Vec<Name> = o
            .undefined
            .iter()
            .filter(|(n, r)| *r == Ref::Strong && !defined.contains(&n[..]) && !link_defined(n))
            .map(|(n, _)| n.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    };

    let mut out = Closure::default();
    for (pos, input) in inputs.iter().enumerate() {
        match *input {
            Input::Object(o) => {
                let names = missing(o);
                if !names.is_empty() {
                    out.unresolved.push((Origin { input: pos, member: None }, names));
                }
            }
            Input::Archive(a) => {
                if a.index.is_none() {
                    out.unindexed.push(pos);
                }
                match state.pulled.get(&pos) {
                    None => out.unused.push(pos),
                    Some(members) => {
                        for &m in members {
                            let names = missing(&a.members[m]);
                            if !names.is_empty() {
                                out.unresolved.push((Origin { input: pos, member: Some(m) }, names));
                            }
                        }
                        out.pulled.push((pos, members.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    out.unresolved.sort();
    out
}

/// Searches the archives in `range` in turn until a pass pulls nothing.
fn rescan<'a>(
    state: &mut State<'a>,
    inputs: &[Input<'a>],
    indexes: &[Vec<(&'a [u8], u32)>],
    range: std::ops::RangeInclusive<usize>,
) {
    loop {
        let mut any = false;
        for pos in range.clone() {
            if let Input::Archive(a) = inputs[pos] {
                any |= state.scan(pos, a, &indexes[pos]);
            }
        }
        if !any {
            return;
        }
    }
}

/// `libx.a(m.o)`, as ld names a member.
pub(crate) fn member_name(archive: &Path, member: &str) -> String {
    let file = archive.file_name().map_or_else(String::new, |f| f.to_string_lossy().into_owned());
    format!("{file}({member})")
}

// The check's summary of a link: ld's extraction run over its facts,
// summed up per archive (used by the probe, which caches it, and by the
// rules in policy/verify.rs).

/// ld's `--wrap` on one object's undefined references.
fn wrapped(o: &ObjectSyms, wraps: &[Name]) -> ObjectSyms {
    let mut o = o.clone();
    for (name, _) in &mut o.undefined {
        if let Some(w) = wraps.iter().find(|w| w[..] == name[..]) {
            *name = [&b"__wrap_"[..], w].concat().into();
        } else if let Some(real) = name.strip_prefix(b"__real_") {
            if wraps.iter().any(|w| w[..] == *real) {
                *name = real.into();
            }
        }
    }
    o
}

/// Runs ld's member extraction over the facts and sums it up per archive.
// Long on purpose: one pass over ld's member extraction and its results per archive.
pub fn summarize(facts: &LinkFacts) -> Summary {
    // --wrap rewrites references before anything is resolved; objects are
    // copied only when the command wraps something.
    let owned: Vec<Fact>;
    let facts_in: &[Fact] = if facts.wraps.is_empty() {
        &facts.inputs
    } else {
        owned = facts
            .inputs
            .iter()
            .map(|f| match f {
                Fact::Object(o) => Fact::Object(wrapped(o, &facts.wraps).into()),
                Fact::Archive { path, syms, whole } => {
                    let mut syms = ArchiveSyms::clone(syms);
                    syms.members = syms.members.iter().map(|m| wrapped(m, &facts.wraps)).collect();
                    Fact::Archive { path: path.clone(), syms: syms.into(), whole: *whole }
                }
                other => other.clone(),
            })
            .collect();
        &owned
    };
    // A whole archive is all of its members as objects (`closure` does not
    // model --whole-archive); `whole_at[i]` says which archive and member
    // input `i` stands for.
    let mut inputs: Vec<Input<'_>> = Vec::new();
    let mut source: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, f) in facts_in.iter().enumerate() {
        match f {
            Fact::Object(o) => {
                inputs.push(Input::Object(o));
                source.push((i, None));
            }
            Fact::Archive { syms, whole: true, .. } => {
                for (m, member) in syms.members.iter().enumerate() {
                    inputs.push(Input::Object(member));
                    source.push((i, Some(m)));
                }
            }
            Fact::Archive { syms, .. } => {
                inputs.push(Input::Archive(syms));
                source.push((i, None));
            }
            Fact::Shared(s, n) => {
                inputs.push(Input::Shared(s, *n));
                source.push((i, None));
            }
            Fact::GroupStart => {
                inputs.push(Input::GroupStart);
                source.push((i, None));
            }
            Fact::GroupEnd => {
                inputs.push(Input::GroupEnd);
                source.push((i, None));
            }
        }
    }
    let c = closure(&inputs, false);
    let linked = linked_objects(facts_in, &c, &source);
    let mut out = Summary::default();
    for (i, f) in facts_in.iter().enumerate() {
        let Fact::Archive { path, syms, whole } = f else { continue };
        let mut missing = Vec::new();
        for (origin, names) in &c.unresolved {
            let (fact, member) = match origin.member {
                Some(m) => (source[origin.input].0, Some(m)),
                None => source[origin.input],
            };
            if fact != i {
                continue;
            }
            if let Some(m) = member {
                missing.push((syms.members[m].name.clone(), names.clone()));
            }
        }
        let taken: Vec<usize> = if *whole {
            (0..syms.members.len()).collect()
        } else {
            c.pulled
                .iter()
                .filter(|(pos, _)| source[*pos].0 == i)
                .flat_map(|(_, m)| m.iter().copied())
                .collect()
        };
        let pulled = *whole || !taken.is_empty();
        let members = taken.iter().map(|&m| syms.members[m].name.clone()).collect();
        let sizes = taken
            .iter()
            .fold(crate::formats::symbols::Sizes::default(), |s, &m| s.plus(syms.members[m].sizes));
        let ctors_left = syms
            .members
            .iter()
            .enumerate()
            .filter(|(m, o)| o.ctors && !taken.contains(m))
            .map(|(_, o)| (o.name.clone(), anchor(o)))
            .collect();
        let users = if pulled { Vec::new() } else { users_of(syms, &linked) };
        out.archives.push(ArchiveUse {
            path: path.clone(),
            pulled,
            missing,
            members,
            sizes,
            ctors_left,
            users,
        });
    }
    out.clashes = clashes(facts_in, &c, &source);
    out
}

/// Issue 35 §2 and §3: the pairs of copies of strong symbols, by their
/// symbols. ld binds a symbol to its first definition in the order it
/// reads objects and pulls members; a later archive whose linked members
/// reference a symbol it defines itself, in a member left out, gets the
/// first copy instead; a later copy linked whole is a second definition.
fn clashes(facts: &[Fact], c: &Closure, source: &[(usize, Option<usize>)]) -> Vec<Clash> {
    // The first strong definer of each symbol, in link order: (fact, member).
    let mut first: HashMap<&[u8], (usize, Option<usize>)> = HashMap::default();
    let strong = |d: &Def| matches!(d, Def::Func | Def::Data);
    let mut linked: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, f) in facts.iter().enumerate() {
        match f {
            Fact::Object(_) => linked.push((i, None)),
            Fact::Archive { syms, whole: true, .. } => {
                linked.extend((0..syms.members.len()).map(|m| (i, Some(m))))
            }
            Fact::Archive { .. } => {
                let pulled = c.pulled.iter().filter(|(pos, _)| source[*pos].0 == i);
                linked.extend(pulled.flat_map(|(_, m)| m.iter().map(move |&m| (i, Some(m)))));
            }
            _ => {}
        }
    }
    let object = |(i, m): (usize, Option<usize>)| -> Option<&ObjectSyms> {
        match (&facts[i], m) {
            (Fact::Object(o), None) => Some(o),
            (Fact::Archive { syms, .. }, Some(m)) => syms.members.get(m),
            _ => None,
        }
    };
    let mut out: Vec<Clash> = Vec::new();
    let add = |out: &mut Vec<Clash>,
               at: (usize, Option<usize>),
               second: (usize, usize),
               name: &[u8],
               taken: bool| {
        let path_of = |i: usize| match &facts[i] {
            Fact::Archive { path, .. } => path.clone(),
            Fact::Object(o) => PathBuf::from(&o.name),
            _ => PathBuf::new(),
        };
        let member_of = |(i, m): (usize, usize)| match &facts[i] {
            Fact::Archive { syms, .. } => syms.members[m].name.clone(),
            _ => String::new(),
        };
        let first = (path_of(at.0), at.1.map(|m| member_of((at.0, m))));
        let second_id = (path_of(second.0), member_of(second));
        // One archive read twice is not two copies: ld's own answer holds
        // (a plain link refuses it whole twice), and there is no second
        // file to record or take once (found by the ld-state generator).
        if same_file(&first.0, &second_id.0) {
            return;
        }
        match out.iter_mut().find(|k| k.first == first && k.second == second_id) {
            Some(k) => k.symbols.push(name.into()),
            None => out.push(Clash {
                symbols: vec![name.into()],
                first,
                second: second_id,
                users: Vec::new(),
                taken,
            }),
        }
    };
    for &at in &linked {
        let Some(o) = object(at) else { continue };
        for (name, d) in &o.defined {
            if !strong(d) {
                continue;
            }
            match first.get(&name[..]) {
                None => {
                    first.insert(name, at);
                }
                // Both linked: a second definition (ld refuses it unless one
                // is an object's and the other a whole archive's... either
                // way two copies). Only an archive's member counts as the
                // second: two objects are the user's own.
                Some(&f) if f.0 != at.0 => {
                    if let (Fact::Archive { .. }, Some(m)) = (&facts[at.0], at.1) {
                        add(&mut out, f, (at.0, m), name, true);
                    }
                }
                Some(_) => {}
            }
        }
    }
    // A later archive's own copy left out while its members use the first.
    for (i, f) in facts.iter().enumerate() {
        let Fact::Archive { syms, whole: false, .. } = f else { continue };
        let taken: Vec<usize> = linked.iter().filter(|(j, _)| *j == i).filter_map(|(_, m)| *m).collect();
        if taken.is_empty() {
            continue;
        }
        for (m, member) in syms.members.iter().enumerate() {
            if taken.contains(&m) {
                continue;
            }
            for (name, d) in &member.defined {
                if !strong(d) {
                    continue;
                }
                let Some(&at) = first.get(&name[..]) else { continue };
                if at.0 == i {
                    continue;
                }
                let used = taken.iter().any(|&t| {
                    syms.members[t].undefined.iter().any(|(n, r)| *r == Ref::Strong && n[..] == name[..])
                });
                if used {
                    add(&mut out, at, (i, m), name, false);
                }
            }
        }
        // The users, per clash of this archive.
        for k in out
            .iter_mut()
            .filter(|k| !k.taken && matches!(f, Fact::Archive { path, .. } if *path == k.second.0))
        {
            k.users = taken
                .iter()
                .filter(|&&t| {
                    syms.members[t].undefined.iter().any(|(n, _)| k.symbols.iter().any(|s| s[..] == n[..]))
                })
                .map(|&t| syms.members[t].name.clone())
                .collect();
        }
    }
    for k in &mut out {
        k.symbols.sort();
        k.symbols.dedup();
    }
    out
}

/// Whether two paths of the link name one file as written (`./x.a` and
/// `x.a`); the closure reads no file system, so another spelling of it
/// (a symlink, an absolute path) is not seen.
fn same_file(a: &Path, b: &Path) -> bool {
    fn plain(p: &Path) -> Vec<std::path::Component<'_>> {
        p.components().filter(|c| *c != std::path::Component::CurDir).collect()
    }
    a == b || plain(a) == plain(b)
}

/// Every object the link takes, named as ld names it (`t.o`,
/// `libx.a(m.o)`), in link order: objects, whole archives' members, and
/// the members ld pulls.
fn linked_objects<'f>(
    facts: &'f [Fact],
    c: &Closure,
    source: &[(usize, Option<usize>)],
) -> Vec<(String, &'f ObjectSyms)> {
    let mut out = Vec::new();
    for (i, f) in facts.iter().enumerate() {
        match f {
            Fact::Object(o) => out.push((o.name.clone(), &**o)),
            Fact::Archive { path, syms, whole: true } => {
                out.extend(syms.members.iter().map(|m| (member_name(path, &m.name), m)));
            }
            Fact::Archive { path, syms, whole: false } => {
                let pulled = c.pulled.iter().filter(|(pos, _)| source[*pos].0 == i);
                for m in pulled.flat_map(|(_, m)| m.iter().copied()) {
                    let m = &syms.members[m];
                    out.push((member_name(path, &m.name), m));
                }
            }
            _ => {}
        }
    }
    out
}

/// The linked objects that strongly reference a symbol `archive` defines
/// and nothing linked defines: what would use the archive, were it after
/// them.
fn users_of(archive: &ArchiveSyms, linked: &[(String, &ObjectSyms)]) -> Vec<String> {
    use foldhash::HashSet;
    let defines: HashSet<&[u8]> =
        archive.members.iter().flat_map(|m| m.defined.iter().map(|(n, _)| &n[..])).collect();
    let defined_anyway: HashSet<&[u8]> =
        linked.iter().flat_map(|(_, o)| o.defined.iter().map(|(n, _)| &n[..])).collect();
    linked
        .iter()
        .filter(|(_, o)| {
            o.undefined.iter().any(|(n, r)| {
                *r == crate::formats::symbols::Ref::Strong
                    && defines.contains(&n[..])
                    && !defined_anyway.contains(&n[..])
            })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// A global symbol a member defines, to pull it in with `--undefined`:
/// a strong one when there is one (a weak definition does not make ld
/// pull a member for a common reference, and another object may win it).
fn anchor(o: &ObjectSyms) -> Option<Name> {
    let strong = o.defined.iter().find(|(_, d)| matches!(d, Def::Data | Def::Func));
    strong.or_else(|| o.defined.first()).map(|(n, _)| n.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::symbols::SharedSyms;

    /// One input in a small language:
    /// - `t.o: a =v *w %c -b ~x`: an object defining the function `a`, the
    ///   data `v`, weak `w`, common `c`, needing `b` strongly and `x` weakly;
    /// - `liba.a{a.o: a -b; b.o: b}`: an archive, indexed by its members'
    ///   definitions; `liba.a!{...}` has no index;
    /// - `libm.so: cos sin -imp`: a shared library's exports and imports;
    ///   `libm.so?: ...` is read under `--as-needed`;
    /// - `(` and `)`: a group.
    enum Owned {
        Object(ObjectSyms),
        Archive(String, ArchiveSyms),
        Shared(SharedSyms, Needed),
        Start,
        End,
    }

    fn object(spec: &str) -> ObjectSyms {
        let (name, syms) = spec.split_once(':').unwrap_or((spec, ""));
        let mut o = ObjectSyms { name: name.trim().into(), ..ObjectSyms::default() };
        for s in syms.split_whitespace() {
            let (tag, n) = s.split_at(if s.starts_with(|c: char| "=*%-~".contains(c)) { 1 } else { 0 });
            let n: Name = n.as_bytes().into();
            match tag {
                "=" => o.defined.push((n, Def::Data)),
                "*" => o.defined.push((n, Def::Weak)),
                "%" => o.defined.push((n, Def::Common)),
                "-" => o.undefined.push((n, Ref::Strong)),
                "~" => o.undefined.push((n, Ref::Weak)),
                _ => o.defined.push((n, Def::Func)),
            }
        }
        o
    }

    fn parse(spec: &str) -> Owned {
        let spec = spec.trim();
        match spec {
            "(" => Owned::Start,
            ")" => Owned::End,
            _ if spec.contains('{') => {
                let (name, body) = spec.split_once('{').unwrap();
                let members: Vec<ObjectSyms> = body.trim_end_matches('}').split(';').map(object).collect();
                let index = (!name.ends_with('!')).then(|| {
                    members
                        .iter()
                        .enumerate()
                        .flat_map(|(m, o)| o.defined.iter().map(move |(n, _)| (n.clone(), m as u32)))
                        .collect()
                });
                Owned::Archive(name.trim_end_matches('!').into(), ArchiveSyms { index, members, thin: false })
            }
            _ if spec.contains(".so") => {
                let o = object(spec);
                let needed = if o.name.ends_with('?') { Needed::AsNeeded } else { Needed::Always };
                let exports = o.defined.into_iter().map(|(n, _)| n).collect();
                let imports = o.undefined.into_iter().map(|(n, _)| n).collect();
                Owned::Shared(SharedSyms { exports, imports, ..SharedSyms::default() }, needed)
            }
            _ => Owned::Object(object(spec)),
        }
    }

    /// The closure rendered: `pulled liba.a(a.o b.o); unused libx.a;
    /// unindexed liby.a; missing liba.a(b.o): c, t.o: d`.
    fn check(specs: &[&str], grouped: bool, expected: &str) {
        let owned: Vec<Owned> = specs.iter().map(|s| parse(s)).collect();
        let inputs: Vec<Input> = owned
            .iter()
            .map(|o| match o {
                Owned::Object(o) => Input::Object(o),
                Owned::Archive(_, a) => Input::Archive(a),
                Owned::Shared(s, needed) => Input::Shared(s, *needed),
                Owned::Start => Input::GroupStart,
                Owned::End => Input::GroupEnd,
            })
            .collect();
        let c = closure(&inputs, grouped);
        let name = |pos: usize| match &owned[pos] {
            Owned::Archive(n, _) => n.clone(),
            Owned::Object(o) => o.name.clone(),
            _ => unreachable!(),
        };
        let member = |pos: usize, m: usize| match &owned[pos] {
            Owned::Archive(n, a) => format!("{n}({})", a.members[m].name),
            _ => unreachable!(),
        };
        let mut parts = Vec::new();
        if !c.pulled.is_empty() {
            let p: Vec<String> = c
                .pulled
                .iter()
                .map(|(pos, ms)| {
                    let Owned::Archive(n, a) = &owned[*pos] else { unreachable!() };
                    let names: Vec<&str> = ms.iter().map(|&m| a.members[m].name.as_str()).collect();
                    format!("{n}({})", names.join(" "))
                })
                .collect();
            parts.push(format!("pulled {}", p.join(" ")));
        }
        for (label, list) in [("unused", &c.unused), ("unindexed", &c.unindexed)] {
            if !list.is_empty() {
                parts
                    .push(format!("{label} {}", list.iter().map(|&p| name(p)).collect::<Vec<_>>().join(" ")));
            }
        }
        if !c.unresolved.is_empty() {
            let m: Vec<String> = c
                .unresolved
                .iter()
                .map(|(o, names)| {
                    let who = match o.member {
                        Some(m) => member(o.input, m),
                        None => name(o.input),
                    };
                    let names: Vec<String> =
                        names.iter().map(|n| String::from_utf8_lossy(n).into_owned()).collect();
                    format!("{who}: {}", names.join(" "))
                })
                .collect();
            parts.push(format!("missing {}", m.join(", ")));
        }
        assert_eq!(parts.join("; "), expected, "inputs {specs:?}, grouped {grouped}");
    }

    #[test]
    fn archive_member_extraction_follows_ld() {
        // A member is pulled for a symbol undefined at that point, and what it needs pulls more.
        check(
            &["t.o: t -a", "liba.a{a.o: a -b; b.o: b -c; c.o: c; d.o: d}"],
            false,
            "pulled liba.a(a.o b.o c.o)",
        );
        // Within one archive the order of members does not matter: ld walks the index again.
        check(&["t.o: -a", "liba.a{c.o: c; b.o: b -c; a.o: a -b}"], false, "pulled liba.a(a.o b.o c.o)");
        // An archive before every object that uses it contributes nothing.
        check(&["liba.a{a.o: a}", "t.o: -a"], false, "unused liba.a; missing t.o: a");
        // Two archives that need each other: without a group the second's need is left over...
        check(
            &["t.o: -x1", "libx.a{x1.o: x1 -y1; x2.o: x2}", "liby.a{y1.o: y1 -x2}"],
            false,
            "pulled libx.a(x1.o) liby.a(y1.o); missing liby.a(y1.o): x2",
        );
        // ...with --start-group/--end-group it is found,
        check(
            &["t.o: -x1", "(", "libx.a{x1.o: x1 -y1; x2.o: x2}", "liby.a{y1.o: y1 -x2}", ")"],
            false,
            "pulled libx.a(x1.o x2.o) liby.a(y1.o)",
        );
        // ...and so it is when solink groups the archives it embeds.
        check(
            &["t.o: -x1", "libx.a{x1.o: x1 -y1; x2.o: x2}", "liby.a{y1.o: y1 -x2}"],
            true,
            "pulled libx.a(x1.o x2.o) liby.a(y1.o)",
        );
        // A weak undefined reference pulls nothing, and is never missing.
        check(&["t.o: ~opt", "libo.a{opt.o: opt}"], false, "unused libo.a");
        // A strong reference after a weak one does pull.
        check(&["t.o: ~opt", "u.o: -opt", "libo.a{opt.o: opt}"], false, "pulled libo.a(opt.o)");
        // A member's own weak undefined reference is fine when nothing defines it.
        check(&["t.o: -w", "libw.a{w.o: w ~hook}"], false, "pulled libw.a(w.o)");
        // A symbol already defined, strongly or weakly, pulls nothing.
        check(&["t.o: *a -b", "liba.a{a.o: a; b.o: b}"], false, "pulled liba.a(b.o)");
        // A symbol a shared library read earlier defines pulls nothing...
        check(&["t.o: -cos", "libm.so: cos", "libcos.a{cos.o: cos}"], false, "unused libcos.a");
        // ...but one read later does not stop the pull.
        check(&["t.o: -cos", "libcos.a{cos.o: cos}", "libm.so: cos"], false, "pulled libcos.a(cos.o)");
        // A shared library's import pulls a member; a later object's strong reference is still
        // the link's to resolve, its weak one is not.
        check(
            &["t.o: -foo", "libfoo.so: foo -bar", "libbar.a{bar.o: bar; baz.o: baz}"],
            false,
            "pulled libbar.a(bar.o)",
        );
        check(&["libfoo.so: foo -bar", "t.o: ~bar", "libbar.a{bar.o: bar}"], false, "pulled libbar.a(bar.o)");
        check(&["libfoo.so: foo -bar", "t.o: -bar"], false, "missing t.o: bar");
        // An --as-needed library nothing needs brings no imports.
        check(&["libfoo.so?: foo -bar", "libbar.a{bar.o: bar}"], false, "unused libbar.a");
        // A common symbol pulls a member with a strong data definition of it, not a function.
        check(&["t.o: %c", "libc1.a{c.o: =c}"], false, "pulled libc1.a(c.o)");
        check(&["t.o: %c", "libc1.a{c.o: c}"], false, "unused libc1.a");
        check(&["t.o: %c", "libc1.a{c.o: %c}"], false, "unused libc1.a");
        // Two members define the symbol: the first in the index wins.
        check(&["t.o: -a", "liba.a{a1.o: a; a2.o: a}"], false, "pulled liba.a(a1.o)");
        // A default version in the index serves the plain name.
        check(&["t.o: -f", "libv.a{v.o: f@@V1}"], false, "pulled libv.a(v.o)");
        check(&["t.o: -f", "libv.a{v.o: f@V1}"], false, "unused libv.a; missing t.o: f");
        // An archive without an index: its members stand in, and it is reported.
        check(&["t.o: -a", "liba.a!{a.o: a}"], false, "pulled liba.a(a.o); unindexed liba.a");
    }

    #[test]
    fn what_the_final_link_leaves_undefined() {
        // A shared library anywhere on the line defines what a pulled member needs.
        check(&["libm.so: cos", "t.o: -f", "libf.a{f.o: f -cos}"], false, "pulled libf.a(f.o)");
        check(&["t.o: -f", "libf.a{f.o: f -cos}", "libm.so: cos"], false, "pulled libf.a(f.o)");
        // Under --as-needed a library is kept only if it defines what is strongly undefined when
        // ld reads it: read first, it resolves nothing, even what a later member needs.
        check(
            &["libm.so?: cos", "t.o: -f", "libf.a{f.o: f -cos}"],
            false,
            "pulled libf.a(f.o); missing libf.a(f.o): cos",
        );
        check(&["t.o: -f", "libf.a{f.o: f -cos}", "libm.so?: cos"], false, "pulled libf.a(f.o)");
        // A weak reference does not make it needed.
        check(&["t.o: ~cos", "libm.so?: cos", "u.o: -cos"], false, "missing u.o: cos");
        // Once kept, it defines all its symbols, for later references too.
        check(&["t.o: -sin", "libm.so?: cos sin", "u.o: -cos"], false, "");
        // A symbol in no input is missing, named with the member that needs it.
        check(
            &["t.o: -f", "libf.a{f.o: f -nowhere -cos}"],
            false,
            "pulled libf.a(f.o); missing libf.a(f.o): cos nowhere",
        );
        // An archive that defines nothing needed contributes nothing.
        check(
            &["t.o: -f", "libf.a{f.o: f -g}", "libg.a{g.o: h; g2.o: g2}", "libx.a{x.o: g}"],
            false,
            "pulled libf.a(f.o) libx.a(x.o); unused libg.a",
        );
        // A definition in a member that is not pulled does not count.
        check(
            &["libg.a{g.o: g}", "t.o: -f", "libf.a{f.o: f -g}"],
            false,
            "pulled libf.a(f.o); unused libg.a; missing libf.a(f.o): g",
        );
        // Symbols the link itself defines are never missing.
        check(
            &["t.o: -f", "libf.a{f.o: f -_GLOBAL_OFFSET_TABLE_ -__dso_handle -__start_mysec}"],
            false,
            "pulled libf.a(f.o)",
        );
        // A later object's definition satisfies an earlier member's need.
        check(&["t.o: -f", "libf.a{f.o: f -late}", "late.o: late"], false, "pulled libf.a(f.o)");
    }
}

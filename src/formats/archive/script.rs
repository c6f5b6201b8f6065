//! GNU ld scripts standing where an archive or shared object should be.
//!
//! glibc's `libm.a` is `GROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a
//! /usr/lib/x86_64-linux-gnu/libmvec.a )` and Debian's `libncurses.so` is
//! `INPUT(libncurses.so.6 -ltinfo)`. ld takes a file that is neither an
//! object nor an archive for a script and parses it; a file that does not
//! parse fails the link. So a file is a script here only if it parses as
//! one, from its first command (a known command, never a text that merely
//! mentions "INPUTS.md") to its end.
//!
//! The grammar is the part of ld's (ld manual, "Simple Linker Script
//! Commands" and "File Commands") that appears in such files:
//!
//! ```text
//! script   := command { [';'] command } [';']
//! command  := ('INPUT' | 'GROUP') '(' { item | ',' | 'AS_NEEDED' '(' { item | ',' } ')' } ')'
//!           | 'INCLUDE' name
//!           | 'SEARCH_DIR' '(' name ')'
//!           | KNOWN '(' balanced ')'            OUTPUT_FORMAT, OUTPUT_ARCH, ENTRY, ...
//!           | BLOCK '{' balanced '}'            SECTIONS, MEMORY, PHDRS, VERSION
//!           | FLAG                              FORCE_COMMON_ALLOCATION, ...
//!           | 'INSERT' ('AFTER' | 'BEFORE') name
//!           | name assign-op ... ';'             a symbol assignment (not first)
//! item     := name                              a file, `-lNAME`, or `=PATH` (sysroot)
//! name     := a run of bytes other than blanks and ( ) , ; { } " | '"' bytes '"'
//! ```
//!
//! `/* */` comments are blanks. Nesting is counted, never recursed into,
//! so no input can exhaust the stack.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

/// Scripts larger than this are not read: the ones that stand for a
/// library are a few hundred bytes (glibc's `libc.so` is 253).
pub const MAX_SCRIPT: u64 = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Lib(OsString),
}

/// One file named in `INPUT` or `GROUP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub name: Vec<u8>,
    /// Inside `AS_NEEDED ( ... )`.
    pub as_needed: bool,
}

/// The commands of a script that matter to solink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `INPUT(...)` (`group: false`) or `GROUP(...)`.
    Input { group: bool, items: Vec<Item> },
    /// `INCLUDE file`: ld reads that script in place.
    Include(Vec<u8>),
    /// `SEARCH_DIR(path)`.
    SearchDir(Vec<u8>),
    /// Any other known command, by name (`OUTPUT_FORMAT`, `SECTIONS`, an
    /// assignment as `=`): it names no input.
    Other(String),
}

/// Why bytes are not a linker script (for tests and the fuzz target).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotScript(pub &'static str);

/// Commands written `NAME ( ... )` whose arguments name no input.
const PAREN_COMMANDS: &[&str] = &[
    "ASSERT",
    "ENTRY",
    "EXTERN",
    "HIDDEN",
    "LD_FEATURE",
    "NOCROSSREFS",
    "NOCROSSREFS_TO",
    "OUTPUT",
    "OUTPUT_ARCH",
    "OUTPUT_FORMAT",
    "PROVIDE",
    "PROVIDE_HIDDEN",
    "REGION_ALIAS",
    "STARTUP",
    "TARGET",
];

/// Commands written `NAME { ... }`.
const BLOCK_COMMANDS: &[&str] = &["MEMORY", "PHDRS", "SECTIONS", "VERSION"];

/// Commands that are one word.
const FLAG_COMMANDS: &[&str] =
    &["FORCE_COMMON_ALLOCATION", "FORCE_GROUP_ALLOCATION", "INHIBIT_COMMON_ALLOCATION"];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// A bare name or a quoted one (quotes removed).
    Name(&'a [u8], bool),
    Punct(u8),
}

struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
}

fn is_punct(c: u8) -> bool {
    matches!(c, b'(' | b')' | b',' | b';' | b'{' | b'}')
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Result<Option<Token<'a>>, NotScript> {
        let d = self.data;
        loop {
            while self.pos < d.len() && d[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            if d[self.pos..].starts_with(b"/*") {
                let end = d[self.pos + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .ok_or(NotScript("an unterminated comment"))?;
                self.pos += end + 4;
            } else {
                break;
            }
        }
        let Some(&c) = d.get(self.pos) else { return Ok(None) };
        if c == 0 {
            return Err(NotScript("a NUL byte"));
        }
        if is_punct(c) {
            self.pos += 1;
            return Ok(Some(Token::Punct(c)));
        }
        if c == b'"' {
            let start = self.pos + 1;
            let len = d[start..].iter().position(|&b| b == b'"').ok_or(NotScript("an unterminated quote"))?;
            self.pos = start + len + 1;
            return Ok(Some(Token::Name(&d[start..start + len], true)));
        }
        let start = self.pos;
        while self.pos < d.len() {
            let b = d[self.pos];
            if b.is_ascii_whitespace()
                || is_punct(b)
                || b == b'"'
                || b == 0
                || d[self.pos..].starts_with(b"/*")
            {
                break;
            }
            self.pos += 1;
        }
        Ok(Some(Token::Name(&d[start..self.pos], false)))
    }

    fn expect(&mut self, punct: u8, what: &'static str) -> Result<(), NotScript> {
        match self.next()? {
            Some(Token::Punct(p)) if p == punct => Ok(()),
            _ => Err(NotScript(what)),
        }
    }

    fn name(&mut self, what: &'static str) -> Result<&'a [u8], NotScript> {
        match self.next()? {
            Some(Token::Name(n, _)) => Ok(n),
            _ => Err(NotScript(what)),
        }
    }

    /// Skips to the `close` that balances an already-read opening byte.
    fn skip_balanced(&mut self, open: u8, close: u8) -> Result<(), NotScript> {
        let mut depth = 1usize;
        loop {
            match self.next()? {
                None => return Err(NotScript("an unbalanced bracket")),
                Some(Token::Punct(p)) if p == open => depth += 1,
                Some(Token::Punct(p)) if p == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Some(_) => {}
            }
        }
    }

    /// The items of `INPUT ( ... )` or `GROUP ( ... )`, after the `(`.
    fn items(&mut self) -> Result<Vec<Item>, NotScript> {
        let mut items = Vec::new();
        let mut as_needed = false;
        loop {
            match self.next()? {
                Some(Token::Punct(b',')) => {}
                Some(Token::Punct(b')')) if as_needed => as_needed = false,
                Some(Token::Punct(b')')) => return Ok(items),
                Some(Token::Name(b"AS_NEEDED", false)) if !as_needed => {
                    self.expect(b'(', "AS_NEEDED without (")?;
                    as_needed = true;
                }
                Some(Token::Name(name, _)) => items.push(Item { name: name.to_vec(), as_needed }),
                _ => return Err(NotScript("an unexpected token in an input list")),
            }
        }
    }
}

/// Parses `data` as a linker script, or says why it is not one.
pub fn parse(data: &[u8]) -> Result<Vec<Command>, NotScript> {
    if data.len() as u64 > MAX_SCRIPT {
        return Err(NotScript("larger than a linker script"));
    }
    let mut lex = Lexer { data, pos: 0 };
    let mut commands = Vec::new();
    while let Some(token) = lex.next()? {
        let word = match token {
            Token::Punct(b';') if !commands.is_empty() => continue,
            Token::Name(w, false) => w,
            _ => return Err(NotScript("no command")),
        };
        let name = std::str::from_utf8(word).unwrap_or("");
        let command = match name {
            "INPUT" | "GROUP" => {
                lex.expect(b'(', "INPUT or GROUP without (")?;
                Command::Input { group: name == "GROUP", items: lex.items()? }
            }
            "INCLUDE" => Command::Include(lex.name("INCLUDE without a file")?.to_vec()),
            "SEARCH_DIR" => {
                lex.expect(b'(', "SEARCH_DIR without (")?;
                let dir = lex.name("SEARCH_DIR without a directory")?.to_vec();
                lex.expect(b')', "SEARCH_DIR without )")?;
                Command::SearchDir(dir)
            }
            "INSERT" => {
                if !matches!(lex.name("INSERT without AFTER or BEFORE")?, b"AFTER" | b"BEFORE") {
                    return Err(NotScript("INSERT without AFTER or BEFORE"));
                }
                lex.name("INSERT without a section")?;
                Command::Other(name.to_string())
            }
            n if PAREN_COMMANDS.contains(&n) => {
                lex.expect(b'(', "a command without (")?;
                lex.skip_balanced(b'(', b')')?;
                Command::Other(n.to_string())
            }
            n if BLOCK_COMMANDS.contains(&n) => {
                lex.expect(b'{', "a block without {")?;
                lex.skip_balanced(b'{', b'}')?;
                Command::Other(n.to_string())
            }
            n if FLAG_COMMANDS.contains(&n) => Command::Other(n.to_string()),
            // A symbol assignment (`sym = expr;`, `sym += 4;`): never the
            // first command, so prose that starts with a word is not one.
            _ if !commands.is_empty() => {
                assignment(&mut lex, word)?;
                Command::Other("=".to_string())
            }
            _ => return Err(NotScript("no known command first")),
        };
        commands.push(command);
    }
    if commands.is_empty() {
        return Err(NotScript("no command"));
    }
    Ok(commands)
}

/// The rest of `sym = expr ;` after `sym` (which may hold the operator
/// itself, as in `sym=1`).
fn assignment(lex: &mut Lexer<'_>, first: &[u8]) -> Result<(), NotScript> {
    let is_op = |w: &[u8]| w.starts_with(b"=") || (w.len() >= 2 && w[1..].starts_with(b"="));
    let mut seen_op = first.contains(&b'=');
    loop {
        match lex.next()? {
            Some(Token::Punct(b';')) if seen_op => return Ok(()),
            Some(Token::Punct(b'(')) if seen_op => lex.skip_balanced(b'(', b')')?,
            Some(Token::Name(w, false)) if !seen_op && is_op(w) => seen_op = true,
            Some(Token::Name(_, _)) if seen_op => {}
            _ => return Err(NotScript("not an assignment")),
        }
    }
}

/// Whether `data` is a linker script: whether it parses as one.
pub fn looks_like_script(data: &[u8]) -> bool {
    parse(data).is_ok()
}

/// The inputs of a script: the items of its `INPUT` and `GROUP` commands,
/// and the files it `INCLUDE`s (a script in their turn: whoever follows
/// them must cut cycles). Relative file names are taken relative to the
/// script's own directory (where ld, searching its library path, finds them
/// for the scripts that ship with libraries); `=PATH` is sysroot-relative
/// (ld manual, INPUT), and solink links without a sysroot prefix there.
/// Bytes that are not a script have no inputs.
pub fn inputs(data: &[u8], script_dir: &Path) -> Vec<Input> {
    let file = |name: &[u8]| {
        let name = name.strip_prefix(b"=").unwrap_or(name);
        let p = PathBuf::from(OsString::from_vec(name.to_vec()));
        Input::File(if p.is_absolute() { p } else { script_dir.join(p) })
    };
    let mut out = Vec::new();
    for command in parse(data).unwrap_or_default() {
        match command {
            Command::Input { items, .. } => {
                for item in items {
                    out.push(match item.name.strip_prefix(b"-l") {
                        Some(lib) => Input::Lib(OsString::from_vec(lib.to_vec())),
                        None => file(&item.name),
                    });
                }
            }
            Command::Include(name) => out.push(file(&name)),
            Command::SearchDir(_) | Command::Other(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_libm() {
        let text = b"/* GNU ld script\n*/\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a /usr/lib/x86_64-linux-gnu/libmvec.a )\n";
        assert!(looks_like_script(text));
        assert_eq!(
            inputs(text, Path::new("/x")),
            [
                Input::File("/usr/lib/x86_64-linux-gnu/libm-2.36.a".into()),
                Input::File("/usr/lib/x86_64-linux-gnu/libmvec.a".into())
            ]
        );
    }

    #[test]
    fn input_with_libs_and_as_needed() {
        let text = b"INPUT(libncurses.so.6 -ltinfo)\nGROUP ( /lib/libc.so.6 /usr/lib/libc_nonshared.a  AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )";
        assert_eq!(
            inputs(text, Path::new("/d")),
            [
                Input::File("/d/libncurses.so.6".into()),
                Input::Lib("tinfo".into()),
                Input::File("/lib/libc.so.6".into()),
                Input::File("/usr/lib/libc_nonshared.a".into()),
                Input::File("/lib64/ld-linux-x86-64.so.2".into()),
            ]
        );
    }

    #[test]
    fn binary_is_not_a_script() {
        assert!(!looks_like_script(b"!<arch>\nGROUP\0"));
        assert!(!looks_like_script(b"random text"));
    }

    #[test]
    fn the_grammar() {
        let ok = |text: &str| parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        let item = |name: &str, as_needed| Item { name: name.into(), as_needed };
        assert_eq!(
            ok("GROUP(a.a,b.a AS_NEEDED(c.so, d.so) \"e f.a\")"),
            [Command::Input {
                group: true,
                items: vec![
                    item("a.a", false),
                    item("b.a", false),
                    item("c.so", true),
                    item("d.so", true),
                    item("e f.a", false)
                ]
            }]
        );
        assert_eq!(
            ok("SEARCH_DIR(/opt/lib); INCLUDE common.ld\nINPUT(=/usr/lib/x.a)"),
            [
                Command::SearchDir(b"/opt/lib".to_vec()),
                Command::Include(b"common.ld".to_vec()),
                Command::Input { group: false, items: vec![item("=/usr/lib/x.a", false)] }
            ]
        );
        ok("OUTPUT_FORMAT(\"elf64-x86-64\", \"elf64-x86-64\", \"elf64-x86-64\") OUTPUT_ARCH(i386:x86-64)");
        ok("ENTRY(_start) SECTIONS { .text : { *(.text) } } answer = 42; x += (1 + 2);");
        ok("FORCE_COMMON_ALLOCATION INSERT AFTER .text ;");
        assert_eq!(
            inputs(b"INCLUDE \"more.ld\" INPUT(=/l/x.a)", Path::new("/d")),
            [Input::File("/d/more.ld".into()), Input::File("/l/x.a".into())]
        );
    }

    #[test]
    fn text_that_mentions_commands_is_not_a_script() {
        // Each of these was taken for a script when a substring decided.
        for text in [
            "See INPUTS.md for the list of inputs.\n",
            "# GROUP(a.a)\n",
            "",
            "/* only a comment */",
            "GROUP ( a.a",
            "INPUT(a.a) /* unterminated",
            "INPUT(\"a.a)",
            "GROUP(a.a) and then prose.",
            "x = 1; INPUT(a.a)",
            "SECTIONS { .text : { ",
            "INPUT(AS_NEEDED(AS_NEEDED(x)))",
            "INPUT(a.a)\0",
        ] {
            assert!(parse(text.as_bytes()).is_err(), "{text:?} is not a script");
            assert!(inputs(text.as_bytes(), Path::new("/d")).is_empty(), "{text:?}");
        }
        let big = format!("INPUT(a.a) /*{}*/", " ".repeat(MAX_SCRIPT as usize));
        assert!(parse(big.as_bytes()).is_err(), "larger than the cap");
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let mut text = "SECTIONS ".to_string() + &"{".repeat(200_000) + &"}".repeat(200_000);
        assert!(parse(text.as_bytes()).is_ok());
        text.pop();
        assert!(parse(text.as_bytes()).is_err());
    }
}

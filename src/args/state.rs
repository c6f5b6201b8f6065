//! ld's positional state, in one place: the flags that govern how the
//! inputs after them are handled, and the stack `--push-state` saves them
//! on (GNU ld manual, "--push-state": "-Bdynamic, -Bstatic, -dn, -dy,
//! -call_shared, -non_shared, -static, ..., --whole-archive,
//! --no-whole-archive, ..., --as-needed, --no-as-needed"). The classifier
//! (`args/mod.rs`, which `-l` is searched statically) and the closure
//! check's plan (`args/ld.rs`, which members ld takes) both walk the
//! command through this one value, as wild's `Modifiers` is the one value
//! its option table acts on; groups are counted here too, since ld refuses
//! the same misuse of them.

use super::table::Opt;

/// The flags `--push-state` saves, as they stand at one point of the link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Modifiers {
    /// `-Bstatic` (`-dn`, `-non_shared`, `-static`): `-l` finds only
    /// `libNAME.a`.
    pub static_: bool,
    /// `--as-needed`: a shared library is recorded only when used.
    pub as_needed: bool,
    /// `--whole-archive`: every member of each archive is taken.
    pub whole_archive: bool,
}

/// A misuse of the state options that ld refuses ("no state pushed before
/// popping", "group ended before it began").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Misuse {
    PopWithoutPush,
    GroupEndWithoutStart,
}

impl Misuse {
    /// The option that must come first, and ld's own words for the misuse
    /// (GNU ld 2.40, `ldlang.c`/`lexsup.c`).
    pub fn ld_words(self) -> (&'static str, &'static str) {
        match self {
            Misuse::PopWithoutPush => ("--push-state", "no state pushed before popping"),
            Misuse::GroupEndWithoutStart => ("--start-group", "group ended before it began"),
        }
    }
}

/// ld's state while it reads the command: the flags now, what
/// `--push-state` saved, and how many groups are open.
#[derive(Clone, Debug, Default)]
pub struct LdState {
    now: Modifiers,
    pushed: Vec<Modifiers>,
    groups: usize,
}

impl LdState {
    /// The state at the start of a link: ld's defaults, except what the
    /// driver passes first (gcc on Debian starts with `--as-needed`).
    pub fn starting(now: Modifiers) -> LdState {
        LdState { now, ..LdState::default() }
    }

    /// The flags as they stand.
    pub fn now(&self) -> Modifiers {
        self.now
    }

    /// Whether a group is open (`--start-group` without its end yet).
    pub fn in_group(&self) -> bool {
        self.groups > 0
    }

    /// How many `--push-state`s wait for their `--pop-state`.
    pub fn pushed(&self) -> usize {
        self.pushed.len()
    }

    /// Applies one option of ld's; every other option changes nothing.
    /// A misuse ld refuses is returned, and the state is then ld's
    /// default for what was popped (dynamic, nothing whole, not as-needed)
    /// so that reading goes on.
    pub fn apply(&mut self, opt: Opt) -> Result<(), Misuse> {
        match opt {
            Opt::LinkStatic => self.now.static_ = true,
            Opt::LinkDynamic => self.now.static_ = false,
            Opt::AsNeeded => self.now.as_needed = true,
            Opt::NoAsNeeded => self.now.as_needed = false,
            Opt::WholeArchive => self.now.whole_archive = true,
            Opt::NoWholeArchive => self.now.whole_archive = false,
            Opt::PushState => self.pushed.push(self.now),
            Opt::PopState => match self.pushed.pop() {
                Some(saved) => self.now = saved,
                None => {
                    self.now = Modifiers::default();
                    return Err(Misuse::PopWithoutPush);
                }
            },
            Opt::GroupStart => self.groups += 1,
            Opt::GroupEnd => match self.groups.checked_sub(1) {
                Some(n) => self.groups = n,
                None => return Err(Misuse::GroupEndWithoutStart),
            },
            _ => {}
        }
        Ok(())
    }
}

/// Whether an option is one of the state's: the plan turns those into
/// items, every other option is no input.
pub fn is_state_option(opt: Opt) -> bool {
    matches!(
        opt,
        Opt::LinkStatic
            | Opt::LinkDynamic
            | Opt::AsNeeded
            | Opt::NoAsNeeded
            | Opt::WholeArchive
            | Opt::NoWholeArchive
            | Opt::PushState
            | Opt::PopState
            | Opt::GroupStart
            | Opt::GroupEnd
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (options applied in order, the flags after them: static, as-needed, whole)
    fn check(opts: &[Opt], expected: (bool, bool, bool)) {
        let mut s = LdState::default();
        for o in opts {
            let _ = s.apply(*o);
        }
        let m = s.now();
        assert_eq!((m.static_, m.as_needed, m.whole_archive), expected, "{opts:?}");
    }

    #[test]
    fn the_flags_and_their_stack() {
        use Opt::*;
        check(&[], (false, false, false));
        check(&[LinkStatic], (true, false, false));
        check(&[LinkStatic, LinkDynamic], (false, false, false));
        check(&[WholeArchive, NoWholeArchive], (false, false, false));
        // The bug of issue 31: a pop restores --whole-archive too.
        check(&[PushState, WholeArchive, PopState], (false, false, false));
        check(&[PushState, AsNeeded, LinkStatic, WholeArchive, PopState], (false, false, false));
        check(&[WholeArchive, PushState, NoWholeArchive, PopState], (false, false, true));
        check(&[AsNeeded, PushState, NoAsNeeded, PopState], (false, true, false));
        check(
            &[LinkStatic, PushState, LinkDynamic, PushState, WholeArchive, PopState, AsNeeded, PopState],
            (true, false, false),
        );
        // Groups and other options leave the flags alone.
        check(&[LinkStatic, GroupStart, Wrap, PassThrough, GroupEnd], (true, false, false));
    }

    #[test]
    fn misuses_are_what_ld_refuses() {
        let mut s = LdState::default();
        assert_eq!(s.apply(Opt::PopState), Err(Misuse::PopWithoutPush));
        assert_eq!(s.apply(Opt::GroupEnd), Err(Misuse::GroupEndWithoutStart));
        assert_eq!(s.apply(Opt::PushState), Ok(()));
        assert_eq!(s.pushed(), 1);
        assert_eq!(s.apply(Opt::GroupStart), Ok(()));
        assert!(s.in_group());
        assert_eq!(s.apply(Opt::GroupEnd), Ok(()));
        assert_eq!(s.apply(Opt::PopState), Ok(()));
        assert_eq!(s.pushed(), 0);
    }
}

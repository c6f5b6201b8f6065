//! Colour for the `solink:` prefix of warnings, and nothing else: the
//! prefix is what a person scans a build log for; the words, paths and the
//! command stay plain so they can be copied and grepped.
//!
//! The choice is made here from the [`Env`] solink was given (the library
//! never reads `std::env`, so anstream's `AutoStream`, which reads it
//! itself, is not used), in anstream's own order:
//! - `NO_COLOR` set and not empty: never (<https://no-color.org>);
//! - `CLICOLOR_FORCE` set and not `0`: always (<https://bixense.com/clicolors/>);
//! - `TERM=dumb`: never;
//! - else colour only when stderr is a terminal.

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};

use crate::env::Env;

pub fn choice(env: &Env, stderr_is_terminal: bool) -> ColorChoice {
    let set = |var: &str| env.get(var).filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        ColorChoice::Never
    } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        ColorChoice::Always
    } else if env.get("TERM").is_some_and(|t| t == "dumb") {
        ColorChoice::Never
    } else if stderr_is_terminal {
        ColorChoice::Always
    } else {
        ColorChoice::Never
    }
}

/// `solink:` for a warning line: bold yellow when colour is on.
pub fn warning_prefix(choice: ColorChoice) -> String {
    let style = Style::new().bold().fg_color(Some(AnsiColor::Yellow.into()));
    match choice {
        ColorChoice::Always | ColorChoice::AlwaysAnsi => format!("{style}solink:{style:#}"),
        _ => "solink:".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env {
        Env::new(vars.iter().map(|(k, v)| (k.into(), v.into())))
    }

    /// The variables, whether stderr is a terminal, and the choice.
    type Case = (&'static [(&'static str, &'static str)], bool, ColorChoice);

    #[test]
    fn no_color_then_clicolor_force_then_term_then_the_terminal() {
        let cases: &[Case] = &[
            (&[], true, ColorChoice::Always),
            (&[], false, ColorChoice::Never),
            (&[("NO_COLOR", "1")], true, ColorChoice::Never),
            (&[("NO_COLOR", "")], true, ColorChoice::Always),
            (&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], false, ColorChoice::Never),
            (&[("CLICOLOR_FORCE", "1")], false, ColorChoice::Always),
            (&[("CLICOLOR_FORCE", "0")], false, ColorChoice::Never),
            (&[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")], false, ColorChoice::Always),
            (&[("TERM", "dumb")], true, ColorChoice::Never),
        ];
        for (vars, tty, want) in cases {
            assert_eq!(choice(&env(vars), *tty), *want, "{vars:?} tty={tty}");
        }
    }

    #[test]
    fn only_the_prefix_is_styled() {
        assert_eq!(warning_prefix(ColorChoice::Never), "solink:");
        assert_eq!(warning_prefix(ColorChoice::Always), "\x1b[1m\x1b[33msolink:\x1b[0m");
    }
}

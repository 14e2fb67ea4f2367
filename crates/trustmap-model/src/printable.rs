//! Text that is safe on a terminal and in a CI log: what trustmap prints of a file name, a
//! service name or a message cannot move the cursor, recolour the screen, ring the bell, hide
//! itself behind a hyperlink, reorder what follows it, or start a GitHub workflow command.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every character a terminal or a log reader would act on shown as a visible
/// escape, and everything else as it is (borrowed when nothing needed escaping):
///
/// - control characters: `\n`, `\r`, `\t`, and `\x1b`, `\x07`, `\u{9b}`... for the others
///   (ANSI sequences, OSC-8 hyperlinks, BEL, C1 controls);
/// - bidirectional controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the
///   line and paragraph separators U+2028 and U+2029: `\u{202e}`;
/// - a `::` that would begin a line once leading white space is trimmed, as GitHub's runner
///   trims it before it looks for a workflow command (`::error ...`): the first `:` becomes
///   `\u{3a}`.
///
/// With line breaks escaped, no text passed through here can start a line of its own, so a
/// line whose every piece went through it cannot be a workflow command.
#[must_use]
pub fn printable(text: &str) -> Cow<'_, str> {
    let command_at = workflow_command_start(text);
    if command_at.is_none() && !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        if Some(at) == command_at {
            out.push_str("\\u{3a}");
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `c` is shown as an escape: a control character, a bidirectional control or a line
/// or paragraph separator.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Where the `::` of a workflow command starts when `text` begins one (after white space).
fn workflow_command_start(text: &str) -> Option<usize> {
    let trimmed = text.trim_start();
    trimmed
        .starts_with("::")
        .then(|| text.len() - trimmed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            printable("compose.yaml:3 web → db (postgres/5432) ✓"),
            Cow::Borrowed(_)
        ));
        assert_eq!(printable("a::b"), "a::b");
    }

    #[test]
    fn terminal_sequences_become_visible_escapes() {
        assert_eq!(printable("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(
            printable("\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\"),
            "\\x1b]8;;https://evil\\x1b\\x\\x1b]8;;\\x1b\\"
        );
        assert_eq!(printable("one\ntwo\r\tthree"), "one\\ntwo\\r\\tthree");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(printable("\x7f"), "\\x7f");
    }

    #[test]
    fn bidirectional_controls_become_visible_escapes() {
        assert_eq!(printable("evil\u{202E}lmth.exe"), "evil\\u{202e}lmth.exe");
        assert_eq!(printable("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(printable("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn no_text_can_start_a_workflow_command() {
        assert_eq!(
            printable("::error title=pwned::x"),
            "\\u{3a}:error title=pwned::x"
        );
        assert_eq!(
            printable("  \u{a0}::warning::x"),
            "  \u{a0}\\u{3a}:warning::x"
        );
        assert_eq!(
            printable("x\n::error title=pwned::y.compose.yaml"),
            "x\\n::error title=pwned::y.compose.yaml"
        );
        for hostile in [
            "::error::x",
            " ::error::x",
            "a\n::x",
            "a\r::x",
            "a\u{2028}::x",
        ] {
            let shown = printable(hostile);
            for line in shown.lines() {
                assert!(!line.trim_start().starts_with("::"), "{shown:?}");
            }
        }
    }
}

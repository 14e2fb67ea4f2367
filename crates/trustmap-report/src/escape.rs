//! Escaping for Markdown, shared by every Markdown renderer (findings here, drift in
//! trustmap-drift): what the scanned files name (services, objects, resources, files, decision
//! fields) lands in a GitHub job summary or comment as text, never as markup, a link, an
//! image, a mention or a broken table.
//!
//! Both functions first make the text [`printable`]: control and bidirectional characters are
//! visible escapes (`\n`, `\x1b`, `\u{202e}`), so a line break cannot end a table row.

use std::fmt::Write as _;
use trustmap_model::printable;

/// Text for a Markdown table cell (or any inline Markdown): Markdown punctuation is
/// backslash-escaped (`\|` keeps the cell, `\[`, `\*`, `` \` `` ... keep it text), `<`, `>` and
/// `&` are entities (no HTML), and a word joiner after `@` and inside `://` and `www.` keeps a
/// name from mentioning anyone or becoming a link.
#[must_use]
pub fn markdown_cell(text: &str) -> String {
    let text = printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text.as_ref();
    while let Some(c) = rest.chars().next() {
        let lower = rest.get(..4).map(str::to_ascii_lowercase);
        match c {
            '\\' | '|' | '*' | '_' | '[' | ']' | '`' | '~' | '#' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@\u{2060}"),
            ':' if rest.starts_with("://") => out.push_str(":\u{2060}"),
            _ if lower.as_deref() == Some("www.") => {
                out.push_str(&rest[..3]);
                out.push('\u{2060}');
                rest = &rest[3..];
                continue;
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Text as an inline code span that fits in a table cell: fenced by one backtick more than
/// its longest run of backticks (padded with a space when it starts or ends with one), with
/// `|` written `\|` (GitHub splits cells before it reads code spans). Nothing inside a code
/// span is markup, a link or HTML.
#[must_use]
pub fn markdown_code(text: &str) -> String {
    let text = printable(text).replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.trim().is_empty() {
        " "
    } else {
        ""
    };
    let mut out = String::with_capacity(text.len() + 2 * fence.len() + 2);
    let _ = write!(out, "{fence}{pad}{text}{pad}{fence}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(markdown_cell("a|b"), "a\\|b");
        assert_eq!(markdown_cell("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(markdown_cell("two\nlines"), "two\\\\nlines");
        assert_eq!(markdown_cell("*x* _y_ `z`"), "\\*x\\* \\_y\\_ \\`z\\`");
        assert_eq!(markdown_cell("@org/team"), "@\u{2060}org/team");
        assert_eq!(
            markdown_cell("[a](https://e.vil)"),
            "\\[a\\](https:\u{2060}//e.vil)"
        );
        assert_eq!(markdown_cell("see WWW.e.vil"), "see WWW\u{2060}.e.vil");
        assert_eq!(markdown_cell("a\\|b"), "a\\\\\\|b");
        assert_eq!(
            markdown_cell("\x1b[31m\u{202e}"),
            "\\\\x1b\\[31m\\\\u{202e}"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_early_or_break_the_table() {
        assert_eq!(markdown_code("compose.yaml:3"), "`compose.yaml:3`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("``x"), "``` ``x ```");
        assert_eq!(markdown_code("a|b"), "`a\\|b`");
        assert_eq!(markdown_code("a\nb"), "`a\\nb`");
        assert_eq!(markdown_code(""), "`  `");
    }
}

//! Reading Terraform files: HCL (through hcl-edit, which keeps byte spans) and the JSON syntax
//! (through serde_json) into one small structure of blocks and attributes, with spans turned
//! into 1-based lines and character columns. Expressions stay unevaluated here; `eval.rs`
//! evaluates them.

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{BlockLabel, Structure};
use std::ops::Range;
use std::sync::Arc;
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, FileName, Position, Span};

/// Bytes between two checkpoints of the character count.
const CHECKPOINT_BYTES: usize = 1024;

/// The text of one file with its line index, to turn byte offsets into positions in time
/// that does not grow with the length of the line (a megabyte on one line is common in
/// generated files, and every evaluated expression asks for its position).
#[derive(Debug)]
pub(crate) struct FileText {
    /// The path relative to the scan root, shared by every span into the file.
    pub file: FileName,
    text: String,
    line_starts: Vec<usize>,
    /// For text that is not all ASCII: (byte offset, characters before it) about every
    /// [`CHECKPOINT_BYTES`], at character boundaries. Empty for ASCII, where bytes are
    /// characters.
    checkpoints: Vec<(usize, usize)>,
}

impl FileText {
    /// Indexes the lines of a file.
    pub fn new(file: &str, text: &str) -> FileText {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut checkpoints = Vec::new();
        if !text.is_ascii() {
            let mut next = 0;
            for (chars, (at, _)) in text.char_indices().enumerate() {
                if at >= next {
                    checkpoints.push((at, chars));
                    next = at + CHECKPOINT_BYTES;
                }
            }
        }
        FileText {
            file: file.into(),
            text: text.to_string(),
            line_starts,
            checkpoints,
        }
    }

    /// How many characters come before a byte offset (rounded down to a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        if self.checkpoints.is_empty() {
            return offset;
        }
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let nearest = self.checkpoints.partition_point(|(at, _)| *at <= offset);
        let (at, chars) = self.checkpoints[nearest.saturating_sub(1)];
        #[cfg(test)]
        tests::BYTES_COUNTED.with(|c| c.set(c.get() + (offset - at)));
        chars + self.text[at..offset].chars().count()
    }

    /// The 1-based line and character column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.chars_before(offset) - self.chars_before(start);
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The span of a byte range.
    pub fn span(&self, range: &Range<usize>) -> Span {
        Span {
            file: self.file.clone(),
            start: self.position(range.start),
            end: self.position(range.end),
        }
    }
}

/// Where the expressions of one attribute come from: the file, and for JSON (whose
/// expressions are strings without finer positions) the fixed span of the attribute.
#[derive(Debug, Clone)]
pub(crate) struct Src {
    text: Arc<FileText>,
    fixed: Option<Span>,
}

impl Src {
    /// The span of a parsed element (its byte range), or of the whole attribute for JSON.
    pub fn span(&self, range: Option<Range<usize>>) -> Span {
        if let Some(fixed) = &self.fixed {
            return fixed.clone();
        }
        match range {
            Some(r) => self.text.span(&r),
            None => Span::lines(self.text.file.clone(), 1, 1),
        }
    }
}

/// An unevaluated expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// HCL native syntax.
    Hcl(Expression),
    /// JSON syntax: strings are templates, the rest literal.
    Json(serde_json::Value),
    /// JSON syntax where strings are literal (`.tfvars.json`).
    JsonLiteral(serde_json::Value),
}

/// `name = expression`.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    /// The argument name.
    pub name: String,
    /// Its expression.
    pub expr: Expr,
    /// The span of the whole attribute.
    pub span: Span,
    /// Where its expression's spans are resolved.
    pub src: Src,
}

/// `kind "label" ... { body }`.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    /// The block type (`resource`, `ingress`).
    pub kind: String,
    /// Its labels.
    pub labels: Vec<String>,
    /// Its content.
    pub body: Body,
    /// The span of the whole block.
    pub span: Span,
}

/// An attribute or a nested block, in file order.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// `name = value`.
    Attr(Attr),
    /// A nested block.
    Block(Block),
}

/// The content of a file or block.
#[derive(Debug, Clone, Default)]
pub(crate) struct Body {
    /// Attributes and blocks in file order.
    pub items: Vec<Item>,
}

impl Body {
    /// The attribute with that name.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.items.iter().find_map(|i| match i {
            Item::Attr(a) if a.name == name => Some(a),
            _ => None,
        })
    }

    /// The nested blocks, in order.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.items.iter().filter_map(|i| match i {
            Item::Block(b) => Some(b),
            _ => None,
        })
    }

    /// The attributes, in order.
    pub fn attrs(&self) -> impl Iterator<Item = &Attr> {
        self.items.iter().filter_map(|i| match i {
            Item::Attr(a) => Some(a),
            _ => None,
        })
    }
}

/// Parses one file (HCL, or JSON when the name ends in `.json`). A file that does not parse
/// gives an `Error` diagnostic with its line and the parser's cause, and `None`.
pub(crate) fn parse_file(path: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Body> {
    // Terraform reads a file that starts with a UTF-8 byte-order mark (editors on Windows
    // write one); neither parser does.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if path.ends_with(".json") {
        let file = Arc::new(FileText::new(path, text));
        let literal = path.ends_with(".tfvars.json");
        return match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => Some(json_file(&file, &value, literal, diags)),
            Err(e) => {
                let line = u32::try_from(e.line().max(1)).unwrap_or(u32::MAX);
                let mut span = Span::lines(path, line, line);
                span.start.column = u32::try_from(e.column().max(1)).unwrap_or(u32::MAX);
                span.end.column = span.start.column;
                diags.push(Diagnostic::new(
                    DiagnosticLevel::Error,
                    Code::TerraformSyntax,
                    span,
                    format!("invalid Terraform JSON: {e}"),
                ));
                None
            }
        };
    }
    let mut text = std::borrow::Cow::Borrowed(text);
    let mut renamed = 0;
    let mut huge_numbers_read = false;
    loop {
        match hcl_edit::parser::parse_body(&text) {
            Ok(body) => {
                // Spans are offsets into the text parsed, renamed keys included.
                let file = Arc::new(FileText::new(path, &text));
                return Some(hcl_body(&file, body));
            }
            // Terraform accepts an object constructor that repeats a key (the last value
            // wins); hcl-edit refuses it. Rename the repeated key and read on.
            Err(e) if e.message().contains("redefined object key") && renamed < 64 => {
                let loc = e.location();
                let Some(key) = rename_repeated_key(&mut text, loc.line(), loc.column(), renamed)
                else {
                    return syntax_error(path, &e, diags);
                };
                renamed += 1;
                let at = Position {
                    line: u32::try_from(loc.line().max(1)).unwrap_or(u32::MAX),
                    column: u32::try_from(loc.column().max(1)).unwrap_or(u32::MAX),
                };
                diags.push(Diagnostic::new(
                    DiagnosticLevel::Note,
                    Code::TerraformRepeatedKey,
                    Span::at(path, at),
                    format!(
                        "the object key `{key}` is written twice: Terraform keeps the last value, and so does trustmap"
                    ),
                ));
            }
            // Terraform reads an operator at the end of a line inside braces as continued on
            // the next line (`a &&` newline `b`); hcl-edit does not. Join the two lines and
            // keep the line count with a newline after them.
            Err(e)
                if renamed < 64
                    && join_continued_line(
                        &mut text,
                        e.location().line(),
                        e.location().column(),
                    ) =>
            {
                renamed += 1;
            }
            // Inside parentheses, brackets and `for` expressions Terraform ignores newlines, so
            // an operator may start a line (`cond` newline `? a : b`); hcl-edit reads newlines
            // as ends there in some places (the key and value of a `for` object). Join the
            // line to the one before it, keeping the line count.
            Err(e)
                if renamed < 64
                    && join_leading_operator(
                        &mut text,
                        e.location().line(),
                        e.location().column(),
                    ) =>
            {
                renamed += 1;
            }
            // Terraform reads `1e400` as a (huge) number; hcl-edit refuses what does not fit
            // in a float. Read such numbers as the largest float (keeping every column).
            Err(_) if !huge_numbers_read && cap_huge_numbers(&mut text) => {
                huge_numbers_read = true;
            }
            Err(e) => return syntax_error(path, &e, diags),
        }
    }
}

/// Rewrites every number literal too large for a float (`1e400`, 400 digits) as `1e308`,
/// padded with spaces to its length so that positions do not move. Whether one was found.
fn cap_huge_numbers(text: &mut std::borrow::Cow<'_, str>) -> bool {
    let pattern =
        regex::Regex::new(r"\b[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\b").expect("valid regex");
    let huge: Vec<Range<usize>> = pattern
        .find_iter(text)
        .filter(|m| m.as_str().parse::<f64>().is_ok_and(f64::is_infinite))
        .map(|m| m.range())
        .collect();
    for range in &huge {
        let padded = format!("{:<width$}", "1e308", width = range.len());
        text.to_mut().replace_range(range.clone(), &padded);
    }
    !huge.is_empty()
}

/// Operators that continue an expression on the next line.
const CONTINUING: &[&str] = &[
    "&&", "||", "=>", "?", ":", "+", "-", "*", "/", "%", "==", "!=", "<=", ">=", "<", ">",
];

/// The code of a line: without its `#` or `//` comment (outside strings), trimmed at the end.
fn code_of(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' || (c == '/' && previous == '/') {
            let cut = if c == '#' { i } else { i - 1 };
            return line[..cut].trim_end();
        }
        previous = c;
    }
    line.trim_end()
}

/// Joins to `line` (1-based), or to the line before it, the next line with code, when that
/// line's code ends with an operator and the parser stopped after it; the moved line leaves a
/// blank line, so that every other line keeps its number. Whether a join was made.
fn join_continued_line(text: &mut std::borrow::Cow<'_, str>, line: usize, column: usize) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    let continues = |l: &str| {
        let code = code_of(l);
        !code.trim_start().is_empty()
            && !code.ends_with("*/")
            && CONTINUING.iter().any(|op| code.ends_with(op))
    };
    // The error is at the end of the line's code, or at the start of the next line.
    let at_end = |l: usize| column > code_of(lines[l - 1]).chars().count();
    let candidate = [line, line.saturating_sub(1)]
        .into_iter()
        .filter(|l| *l >= 1 && *l < lines.len())
        .find(|l| continues(lines[l - 1]) && (*l != line || at_end(*l)));
    let Some(first) = candidate else {
        return false;
    };
    // The next line with code moves up; blank and comment lines stay in their place.
    let Some(next) = (first..lines.len()).find(|i| !code_of(lines[*i]).trim().is_empty()) else {
        return false;
    };
    let mut joined: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    joined[first - 1] = format!("{} {}", code_of(lines[first - 1]), lines[next].trim_start());
    joined[next] = String::new();
    *text.to_mut() = joined.join("\n");
    true
}

/// Whether the code of a line starts with an operator that continues the expression of the
/// line before it (a binary or conditional operator, or a `.` traversal).
fn starts_with_operator(code: &str) -> bool {
    let code = code.trim_start();
    let traversal = code.strip_prefix('.').is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '*')
    });
    traversal
        || [
            "&&", "||", "?", ":", "+", "-", "*", "/", "%", "==", "!=", "<", ">",
        ]
        .iter()
        .any(|op| code.starts_with(op))
            && !code.starts_with("//")
            && !code.starts_with("/*")
}

/// Joins the line that starts with an operator to the line with code before it, when the
/// parser stopped at that operator (at the start of `line`, 1-based, or at the end of
/// `line`'s code) and the operator is inside brackets where Terraform ignores newlines: `(`,
/// `[`, or the `{` of a `for` expression (in an object constructor or at the top level a
/// newline ends the expression, for Terraform too). The moved line leaves a blank line, so
/// that every other line keeps its number. Whether a join was made.
fn join_leading_operator(text: &mut std::borrow::Cow<'_, str>, line: usize, column: usize) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(this) = line.checked_sub(1).and_then(|i| lines.get(i)) else {
        return false;
    };
    let indent = this.chars().take_while(|c| c.is_whitespace()).count();
    let has_code = |i: &usize| !code_of(lines[*i]).trim().is_empty();
    // The 0-based index of the line that starts with the operator.
    let target = if column == indent + 1 && starts_with_operator(code_of(this)) {
        line - 1
    } else if column > code_of(this).chars().count() {
        match (line..lines.len()).find(has_code) {
            Some(next) if starts_with_operator(code_of(lines[next])) => next,
            _ => return false,
        }
    } else {
        return false;
    };
    let moved = lines[target];
    let offset: usize = lines[..target].iter().map(|l| l.len() + 1).sum::<usize>() + moved.len()
        - moved.trim_start().len();
    if !newlines_ignored_at(text, offset) {
        return false;
    }
    let Some(previous) = (0..target).rev().find(has_code) else {
        return false;
    };
    let mut joined: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    joined[previous] = format!("{} {}", code_of(lines[previous]), moved.trim_start());
    joined[target] = String::new();
    *text.to_mut() = joined.join("\n");
    true
}

/// Whether the innermost bracket open at `offset` is one where Terraform's parser ignores
/// newlines: `(`, `[`, or the `{` of a `for` expression. Strings (with their `${ }`),
/// comments and heredocs are read over.
fn newlines_ignored_at(text: &str, offset: usize) -> bool {
    #[derive(PartialEq)]
    enum Frame {
        Bracket(u8, usize),
        Str,
        Interpolation,
    }
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        let c = bytes[i];
        if stack.last() == Some(&Frame::Str) {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') => {
                    stack.push(Frame::Interpolation);
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'#' => i = memchr_from(bytes, i, b'\n'),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = memchr_from(bytes, i, b'\n'),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |at| i + 2 + at + 1);
            }
            b'"' => stack.push(Frame::Str),
            b'(' | b'[' | b'{' => stack.push(Frame::Bracket(c, i)),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => i = heredoc_end(text, i),
            _ => {}
        }
        i += 1;
    }
    match stack.last() {
        Some(Frame::Bracket(b'(' | b'[', _)) | Some(Frame::Interpolation) => true,
        Some(Frame::Bracket(b'{', at)) => {
            let after = text[at + 1..].trim_start();
            after.starts_with("for") && after[3..].starts_with(char::is_whitespace)
        }
        _ => false,
    }
}

/// The offset of the next `byte` at or after `from` (the end of the text when there is none).
fn memchr_from(bytes: &[u8], from: usize, byte: u8) -> usize {
    bytes[from..]
        .iter()
        .position(|b| *b == byte)
        .map_or(bytes.len(), |at| from + at)
}

/// Where a heredoc that starts at `at` (`<<EOT` or `<<-EOT`) ends: the last byte of its
/// closing line; `at + 1` when no heredoc starts there.
fn heredoc_end(text: &str, at: usize) -> usize {
    let rest = &text[at + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let marker: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if marker.is_empty() || !rest[marker.len()..].starts_with(['\n', '\r']) {
        return at + 1;
    }
    let body = at + 2 + (text.len() - at - 2 - rest.len()) + marker.len();
    let mut line_start = memchr_from(text.as_bytes(), body, b'\n') + 1;
    while line_start < text.len() {
        let line_end = memchr_from(text.as_bytes(), line_start, b'\n');
        if text[line_start..line_end].trim() == marker {
            return line_end;
        }
        line_start = line_end + 1;
    }
    text.len()
}

/// Renames the object key that starts at `line`:`column` (1-based, characters) so that it no
/// longer repeats an earlier one; returns the key as written, or `None` when no key is there.
fn rename_repeated_key(
    text: &mut std::borrow::Cow<'_, str>,
    line: usize,
    column: usize,
    nth: usize,
) -> Option<String> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(line_start..)?;
    let offset = line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)?;
    // A quoted key is renamed inside its quotes.
    let start = offset + usize::from(text[offset..].starts_with('"'));
    let key_len = text[start..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(0);
    if key_len == 0 {
        return None;
    }
    let key = text[start..start + key_len].to_string();
    // Terraform keeps the last value: rename the earlier key when it can be found in the same
    // object, the repeated one otherwise.
    let renamed = earlier_key(text, start, &key).unwrap_or(start);
    text.to_mut()
        .insert_str(renamed + key_len, &format!("__repeated_{nth}"));
    Some(key)
}

/// Where `key` is first written as an item of the object that holds the key at `later`: the
/// object's opening brace is found by walking back over balanced brackets, then its items are
/// read forwards at depth zero (strings skipped).
fn earlier_key(text: &str, later: usize, key: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut open = None;
    for i in (0..later).rev() {
        match bytes[i] {
            b'}' | b']' | b')' => depth += 1,
            b'{' | b'[' | b'(' if depth > 0 => depth -= 1,
            b'{' => {
                open = Some(i);
                break;
            }
            _ => {}
        }
    }
    let open = open?;
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut line_start = true;
    let mut i = open + 1;
    while i < later {
        let c = bytes[i];
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' if !(depth == 0 && line_start) => in_string = true,
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 && line_start && !c.is_ascii_whitespace() {
                let quoted = usize::from(c == b'"');
                let name_start = i + quoted;
                let rest = &text[name_start..];
                let follows = rest.strip_prefix(key).map(|after| {
                    after
                        .trim_start_matches(['"', ' ', '\t'])
                        .starts_with(['=', ':'])
                });
                if follows == Some(true) {
                    return Some(name_start);
                }
                if quoted == 1 {
                    in_string = true;
                }
            }
        }
        line_start = c == b'\n'
            || (line_start && (c == b' ' || c == b'\t'))
            || (!in_string && depth == 0 && c == b',');
        i += 1;
    }
    None
}

/// The `Error` diagnostic of a file that does not parse, at the parser's line and column.
fn syntax_error(
    path: &str,
    e: &hcl_edit::parser::Error,
    diags: &mut Vec<Diagnostic>,
) -> Option<Body> {
    let loc = e.location();
    let at = Position {
        line: u32::try_from(loc.line().max(1)).unwrap_or(u32::MAX),
        column: u32::try_from(loc.column().max(1)).unwrap_or(u32::MAX),
    };
    diags.push(Diagnostic::new(
        DiagnosticLevel::Error,
        Code::TerraformSyntax,
        Span::at(path, at),
        format!("invalid HCL: {}", e.message()),
    ));
    None
}

/// The body as this crate's structure, taking the parsed expressions over (not copying them:
/// a long line of interpolations is a large tree).
fn hcl_body(file: &Arc<FileText>, body: hcl_edit::structure::Body) -> Body {
    let src = Src {
        text: file.clone(),
        fixed: None,
    };
    let items = body
        .into_iter()
        .map(|s| match s {
            Structure::Attribute(a) => {
                let span = src.span(a.span());
                Item::Attr(Attr {
                    name: a.key.as_str().to_string(),
                    expr: Expr::Hcl(a.value),
                    span,
                    src: src.clone(),
                })
            }
            Structure::Block(b) => {
                let span = src.span(b.span());
                Item::Block(Block {
                    kind: b.ident.as_str().to_string(),
                    labels: b
                        .labels
                        .iter()
                        .map(|l| match l {
                            BlockLabel::Ident(i) => i.as_str().to_string(),
                            BlockLabel::String(s) => s.as_str().to_string(),
                        })
                        .collect(),
                    body: hcl_body(file, b.body),
                    span,
                })
            }
        })
        .collect();
    Body { items }
}

/// Finds the lines of JSON keys: keys are visited in document order (serde_json keeps it), so
/// each is searched for after the previous one.
struct KeyFinder<'a> {
    file: &'a Arc<FileText>,
    cursor: usize,
}

impl KeyFinder<'_> {
    fn span(&mut self, key: &str) -> Span {
        let needle = serde_json::to_string(key).unwrap_or_default();
        let text = &self.file.text;
        let mut from = self.cursor;
        while let Some(found) = text.get(from..).and_then(|t| t.find(&needle)) {
            let at = from + found;
            let after = at + needle.len();
            let rest = text[after..].trim_start();
            if rest.starts_with(':') {
                self.cursor = after;
                let p = self.file.position(at);
                return Span::at(&self.file.file, p);
            }
            from = after;
        }
        let p = self.file.position(self.cursor);
        Span::at(&self.file.file, p)
    }
}

/// The items of a JSON value that may be an object or an array of objects.
fn json_objects(v: &serde_json::Value) -> Vec<&serde_json::Map<String, serde_json::Value>> {
    match v {
        serde_json::Value::Object(o) => vec![o],
        serde_json::Value::Array(items) => items.iter().flat_map(json_objects).collect(),
        _ => Vec::new(),
    }
}

fn json_file(
    file: &Arc<FileText>,
    value: &serde_json::Value,
    literal: bool,
    diags: &mut Vec<Diagnostic>,
) -> Body {
    let mut keys = KeyFinder { file, cursor: 0 };
    let mut body = Body::default();
    let Some(top) = value.as_object() else {
        diags.push(Diagnostic::file(
            DiagnosticLevel::Error,
            Code::TerraformSyntax,
            &file.file,
            "invalid Terraform JSON: the top level is not an object",
        ));
        return body;
    };
    if literal {
        for (name, v) in top {
            let span = keys.span(name);
            body.items
                .push(Item::Attr(json_attr(file, name, v, span, true)));
        }
        return body;
    }
    for (kind, v) in top {
        let span = keys.span(kind);
        // Labels per block type: resource and data have two, the others one or none.
        let depth = match kind.as_str() {
            "resource" | "data" => 2,
            "variable" | "output" | "module" | "provider" => 1,
            "locals" => 0,
            _ => continue,
        };
        json_blocks(file, &mut keys, kind, v, depth, Vec::new(), span, &mut body);
    }
    body
}

#[allow(clippy::too_many_arguments)]
fn json_blocks(
    file: &Arc<FileText>,
    keys: &mut KeyFinder,
    kind: &str,
    value: &serde_json::Value,
    labels_left: usize,
    labels: Vec<String>,
    span: Span,
    out: &mut Body,
) {
    for obj in json_objects(value) {
        if labels_left == 0 {
            let body = json_body(file, keys, obj);
            out.items.push(Item::Block(Block {
                kind: kind.to_string(),
                labels: labels.clone(),
                body,
                span: span.clone(),
            }));
            continue;
        }
        for (label, inner) in obj {
            let span = keys.span(label);
            let mut labels = labels.clone();
            labels.push(label.clone());
            json_blocks(file, keys, kind, inner, labels_left - 1, labels, span, out);
        }
    }
}

fn json_body(
    file: &Arc<FileText>,
    keys: &mut KeyFinder,
    obj: &serde_json::Map<String, serde_json::Value>,
) -> Body {
    let mut body = Body::default();
    for (name, v) in obj {
        if name == "//" {
            continue;
        }
        let span = keys.span(name);
        if name == "dynamic" {
            // `"dynamic": {"ingress": {"for_each": ..., "content": {...}}}`
            for o in json_objects(v) {
                for (label, inner) in o {
                    let span = keys.span(label);
                    for dynamic in json_objects(inner) {
                        let mut dyn_body = Body::default();
                        for (k, x) in dynamic {
                            let s = keys.span(k);
                            if k == "content" {
                                for c in json_objects(x) {
                                    dyn_body.items.push(Item::Block(Block {
                                        kind: "content".into(),
                                        labels: Vec::new(),
                                        body: json_body(file, keys, c),
                                        span: s.clone(),
                                    }));
                                }
                            } else {
                                dyn_body
                                    .items
                                    .push(Item::Attr(json_attr(file, k, x, s, false)));
                            }
                        }
                        body.items.push(Item::Block(Block {
                            kind: "dynamic".into(),
                            labels: vec![label.clone()],
                            body: dyn_body,
                            span: span.clone(),
                        }));
                    }
                }
            }
            continue;
        }
        body.items
            .push(Item::Attr(json_attr(file, name, v, span, false)));
    }
    body
}

fn json_attr(
    file: &Arc<FileText>,
    name: &str,
    v: &serde_json::Value,
    span: Span,
    literal: bool,
) -> Attr {
    Attr {
        name: name.to_string(),
        expr: if literal {
            Expr::JsonLiteral(v.clone())
        } else {
            Expr::Json(v.clone())
        },
        src: Src {
            text: file.clone(),
            fixed: Some(span.clone()),
        },
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        /// Bytes read to count characters, in this thread.
        pub(super) static BYTES_COUNTED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    /// A position on a long line costs at most a checkpoint's distance, never the line.
    #[test]
    fn positions_on_a_long_line_do_not_rescan_it() {
        for prefix in ["", "é"] {
            let text = format!("{prefix}x = [{}1]\n", "1,".repeat(100_000));
            let file = FileText::new("a.tf", &text);
            BYTES_COUNTED.with(|c| c.set(0));
            let positions = 1000;
            for i in 0..positions {
                file.position(text.len() - 2 - i * 2);
            }
            let counted = BYTES_COUNTED.with(std::cell::Cell::get);
            assert!(counted <= 2 * positions * CHECKPOINT_BYTES, "{counted}");
        }
    }

    #[test]
    fn positions_count_characters() {
        let f = FileText::new("a.tf", "ab\néé = 1\n");
        assert_eq!(f.position(0), Position { line: 1, column: 1 });
        assert_eq!(f.position(3), Position { line: 2, column: 1 });
        // After "éé " (5 bytes) the column is 4.
        assert_eq!(f.position(8), Position { line: 2, column: 4 });
        assert_eq!(f.position(1000).line, 3);
    }

    #[test]
    fn positions_on_a_long_line_count_characters_past_checkpoints() {
        let line = format!("é{}é = 1", "a".repeat(5000));
        let f = FileText::new("a.tf", &format!("x\n{line}\n"));
        // Byte 2 starts line 2; the second é is after 1 + 5000 characters.
        assert_eq!(
            f.position(2 + 2 + 5000),
            Position {
                line: 2,
                column: 5002
            }
        );
        assert_eq!(
            f.position(2 + 2 + 5000 + 2),
            Position {
                line: 2,
                column: 5003
            }
        );
        // Inside a character: the character's own column.
        assert_eq!(f.position(3).column, 1);
    }

    fn parses(text: &str) -> Vec<Diagnostic> {
        let mut d = Vec::new();
        let parsed = parse_file("main.tf", text, &mut d);
        assert!(parsed.is_some(), "{text}: {d:?}");
        d
    }

    fn refused(text: &str) {
        let mut d = Vec::new();
        assert!(parse_file("main.tf", text, &mut d).is_none(), "{text}");
    }

    /// cloud-foundation-fabric's cloudsql-instance: a conditional whose `?` and `:` start
    /// lines inside a `for` object, which Terraform reads.
    #[test]
    fn operators_that_start_a_line_inside_a_for_expression_are_read() {
        let text = "locals {\n  users = {\n    for k, v in var.users : k =>\n    local.is_mysql\n    ? {\n      name = k\n    }\n    : {\n      name = v\n    }\n  }\n  more = [for x in y : x\n    .name\n    if x != null]\n}\nresource \"a\" \"b\" {\n  z = 1\n}\n";
        assert!(parses(text).is_empty());
        let body = parse_file("main.tf", text, &mut Vec::new()).unwrap();
        // Lines keep their numbers.
        assert_eq!(body.blocks().nth(1).unwrap().span.start.line, 16);
    }

    /// Where Terraform reads a newline as the end of an expression (an object constructor's
    /// item, an attribute), an operator that starts the next line is still an error.
    #[test]
    fn operators_that_start_a_line_outside_brackets_are_still_errors() {
        refused("a = b\n? c : d\n");
        refused("a = {\n  x = b\n  ? c : d\n}\n");
        // Brackets inside strings, comments and heredocs do not count.
        refused("a = \"(\"\n# (\nb = <<EOT\n(\nEOT\nc = d\n? e : f\n");
    }

    /// Terraform reads a file that starts with a byte-order mark; so does trustmap, in HCL,
    /// in JSON and in variable files.
    #[test]
    fn a_byte_order_mark_is_read_over() {
        assert!(parses("\u{feff}resource \"a\" \"b\" {}\n").is_empty());
        let mut d = Vec::new();
        assert!(parse_file("main.tf.json", "\u{feff}{\"locals\": {\"a\": 1}}", &mut d).is_some());
        assert!(d.is_empty(), "{d:?}");
        assert!(parses("\u{feff}a = 1\n").is_empty());
    }

    #[test]
    fn json_keys_get_their_lines() {
        let text = "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"b\": {\n        \"bucket\": \"x\"\n      }\n    }\n  }\n}\n";
        let mut d = Vec::new();
        let body = parse_file("main.tf.json", text, &mut d).unwrap();
        let b = body.blocks().next().unwrap();
        assert_eq!(b.labels, ["aws_s3_bucket", "b"]);
        assert_eq!(b.span.start.line, 4);
        assert_eq!(b.body.attr("bucket").unwrap().span.start.line, 5);
    }
}

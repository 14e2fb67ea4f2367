//! Building the tree from parser events, with every bound enforced as the events arrive.

use crate::node::{Node, NodeValue, ScalarStyle};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle as EventStyle};
use std::collections::{HashMap, HashSet};
use std::fmt;
use trustmap_model::{Budget, Diagnostic, Limit, Position, Span, limit_diagnostic};

/// Bounds on what one YAML stream may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The deepest nesting of sequences and mappings accepted.
    pub max_depth: usize,
    /// The most nodes the stream may hold once aliases are expanded.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_nodes: 1_000_000,
        }
    }
}

/// The bounds a whole scan shares: every YAML stream of the scan takes its nodes (after alias
/// expansion) from one budget, so sixty files each just under a per-file bound are still
/// bounded together.
#[derive(Debug, Clone, Copy)]
pub struct SharedBounds<'a> {
    /// Nodes after alias expansion, taken by every stream of the scan
    /// ([`Limit::YamlNodes`]).
    pub nodes: &'a Budget,
    /// The deepest nesting of sequences and mappings accepted in any one stream
    /// ([`Limit::Depth`]).
    pub max_depth: usize,
}

/// Why a stream could not be loaded, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct YamlError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// What is wrong.
    pub message: String,
}

/// A bound that stopped a stream: which one, its value, and where the stream was cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundHit {
    /// The limit that was reached ([`Limit::YamlNodes`] or [`Limit::Depth`]).
    pub limit: Limit,
    /// Its value.
    pub max: u64,
    /// 1-based line where the stream was cut.
    pub line: u32,
    /// 1-based column where the stream was cut.
    pub column: u32,
}

impl BoundHit {
    /// What was cut, for a diagnostic (never the file's content).
    pub fn what_was_cut(&self) -> String {
        let cause = match self.limit {
            Limit::Depth => format!("nesting deeper than {} levels", self.max),
            _ => "too many nodes once aliases are expanded: an alias bomb or merge-key bomb?"
                .to_string(),
        };
        format!(
            "YAML from line {} on was not read ({cause}); the documents before it were kept",
            self.line
        )
    }

    /// The `limit-<name>` error for this cut in `file`.
    pub fn diagnostic(&self, file: &str) -> Diagnostic {
        limit_diagnostic(
            self.limit,
            self.max,
            Span::lines(file, self.line, self.line),
            &self.what_was_cut(),
        )
    }
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// The documents of a stream, and what was odd but readable.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// One root node per document (with [`Loaded::cut`], the documents completed before it).
    pub documents: Vec<Node>,
    /// Problems that did not stop loading (a duplicated key: the last value wins).
    pub warnings: Vec<YamlError>,
    /// The bound that stopped the stream before its end, when one did.
    pub cut: Option<BoundHit>,
}

enum Frame {
    Sequence {
        start: Position,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Mapping {
        start: Position,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder<'b> {
    bounds: SharedBounds<'b>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes this stream took from the budget (given back when the stream is dropped).
    taken: u64,
    documents: Vec<Node>,
    warnings: Vec<YamlError>,
}

/// Why building stopped: a syntax error, or a bound.
enum Stop {
    Syntax(YamlError),
    Bound(BoundHit),
}

impl From<YamlError> for Stop {
    fn from(e: YamlError) -> Stop {
        Stop::Syntax(e)
    }
}

fn position(marker: &Marker) -> Position {
    Position {
        line: marker.line() as u32,
        column: marker.col() as u32 + 1,
    }
}

fn error_at(at: Position, message: impl Into<String>) -> YamlError {
    YamlError {
        line: at.line,
        column: at.column,
        message: message.into(),
    }
}

/// Loads every document of a YAML stream.
///
/// # Errors
/// A syntax error, an alias to an unknown anchor, nesting deeper than `limits.max_depth`, or more
/// than `limits.max_nodes` nodes once aliases are expanded.
pub fn load(text: &str, limits: &Limits) -> Result<Loaded, YamlError> {
    load_source(text, limits, 0)
}

/// Like [`load`], marking every node with `source` (see [`Node::source`]).
///
/// # Errors
/// As [`load`].
pub fn load_source(text: &str, limits: &Limits, source: u32) -> Result<Loaded, YamlError> {
    let mut own = trustmap_model::Limits::default();
    own.set(Limit::YamlNodes, limits.max_nodes as u64);
    let nodes = Budget::new(Limit::YamlNodes, &own);
    let bounds = SharedBounds {
        nodes: &nodes,
        max_depth: limits.max_depth,
    };
    let loaded = load_shared(text, source, bounds)?;
    match &loaded.cut {
        Some(hit) => Err(error_at(
            Position {
                line: hit.line,
                column: hit.column,
            },
            match hit.limit {
                Limit::Depth => format!(
                    "nesting is deeper than {} levels; the file is not read",
                    hit.max
                ),
                _ => format!(
                    "more than {} nodes once aliases are expanded (an alias bomb?); \
                     the file is not read",
                    hit.max
                ),
            },
        )),
        None => Ok(loaded),
    }
}

/// Loads a stream under bounds shared by the whole scan, marking every node with `source`.
/// A bound that is reached does not fail the stream: the documents completed before it are
/// kept and [`Loaded::cut`] says where and why the rest was not read.
///
/// # Errors
/// A syntax error or an alias to an unknown anchor; the nodes the stream took are given back.
pub fn load_shared(text: &str, source: u32, bounds: SharedBounds<'_>) -> Result<Loaded, YamlError> {
    let mut text = std::borrow::Cow::Borrowed(text);
    for _ in 0..64 {
        match load_once(&text, bounds, source) {
            // libyaml (PyYAML, kubectl's go-yaml) accepts a quoted scalar whose continuation
            // lines are not indented past its key; saphyr refuses it. Indent them past the key
            // (leading spaces of continuation lines are folded away) and read again.
            Err(e) if e.message.contains("invalid indentation in quoted scalar") => {
                let line = usize::try_from(e.line).unwrap_or(usize::MAX);
                match indent_continuations(&text, line) {
                    Some(fixed) => text = std::borrow::Cow::Owned(fixed),
                    None => return Err(e),
                }
            }
            // The same for a flow collection (`key: [` ... `]`) whose lines, or closing
            // bracket, are not indented past its key.
            Err(e) if e.message.contains("invalid indentation") => {
                let line = usize::try_from(e.line).unwrap_or(usize::MAX);
                match indent_flow(&text, line) {
                    Some(fixed) => text = std::borrow::Cow::Owned(fixed),
                    None => return Err(e),
                }
            }
            other => return other,
        }
    }
    load_once(&text, bounds, source)
}

/// The text with the continuation lines of the quoted scalar that starts on 1-based `line`
/// indented one column past the node that holds it (the key of `key: "...`, the dash of
/// `- "...`, the key of `- key: "...`), up to the line that closes the quote; `None` when no
/// line needed it.
fn indent_continuations(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let start = lines.get(line.checked_sub(1)?)?;
    let (key_indent, quote) = node_start(start, &['"', '\''])?;
    let mut changed = false;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for next in out.iter_mut().skip(line) {
        let indent = next.len() - next.trim_start().len();
        if indent <= key_indent && !next.trim().is_empty() {
            next.insert_str(0, &" ".repeat(key_indent + 1 - indent));
            changed = true;
        }
        // The closing quote: not an escaped `\"`, not a doubled `''`.
        let closes = match quote {
            '"' => next
                .match_indices('"')
                .any(|(i, _)| !next[..i].ends_with('\\')),
            _ => next.replace("''", "").contains('\''),
        };
        if closes {
            break;
        }
    }
    changed.then(|| out.join("\n"))
}

/// Where the node that holds a value starting on `line` with one of `opening` (a quote, a
/// flow bracket) sits (its column, 0-based, in bytes), and that character: the line is read
/// from its start over sequence dashes and at most one plain key, up to the value.
fn node_start(line: &str, opening: &[char]) -> Option<(usize, char)> {
    let opening_of = |rest: &str| rest.chars().next().filter(|c| opening.contains(c));
    let mut at = line.len() - line.trim_start_matches(' ').len();
    let mut holder = at;
    loop {
        let rest = &line[at..];
        if let Some(after) = rest.strip_prefix("- ") {
            holder = at;
            at = line.len() - after.trim_start_matches(' ').len();
            continue;
        }
        if let Some(c) = opening_of(rest) {
            return Some((holder, c));
        }
        // `key: "...`: a plain key (a quoted or flow key is not read here).
        let (key, value) = rest.split_once(": ")?;
        if key.is_empty() || key.starts_with(['"', '\'', '{', '[', '#', '?']) {
            return None;
        }
        return opening_of(value.trim_start_matches(' ')).map(|c| (at, c));
    }
}

/// How many flow brackets a line opens (less those it closes), outside quotes and comments.
fn flow_balance(line: &str) -> i64 {
    let (mut balance, mut quote, mut previous) = (0i64, None, ' ');
    for c in line.chars() {
        match (quote, c) {
            (Some('"'), '"') if previous != '\\' => quote = None,
            (Some('\''), '\'') => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '#') if previous == ' ' => break,
            (None, '[' | '{') => balance += 1,
            (None, ']' | '}') => balance -= 1,
            _ => {}
        }
        previous = c;
    }
    balance
}

/// The text with the lines of the flow collection that holds 1-based `line` indented one
/// column past the node that holds the collection, up to the line that closes it; `None` when
/// the collection's first line is not found (within 1000 lines) or no line needed it.
fn indent_flow(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let error = line.checked_sub(1)?;
    // The opening line: walking back, the first line where more is opened than closed since.
    let mut balance = 0;
    let mut opener = None;
    for i in (error.saturating_sub(1000)..error).rev() {
        balance += flow_balance(lines.get(i)?);
        if balance > 0 {
            opener = Some(i);
            break;
        }
    }
    let opener = opener?;
    let (holder, _) = node_start(lines[opener], &['[', '{'])?;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let mut changed = false;
    let mut open = flow_balance(lines[opener]);
    for next in out.iter_mut().skip(opener + 1) {
        let indent = next.len() - next.trim_start().len();
        if indent <= holder && !next.trim().is_empty() {
            next.insert_str(0, &" ".repeat(holder + 1 - indent));
            changed = true;
        }
        open += flow_balance(next);
        if open <= 0 {
            break;
        }
    }
    changed.then(|| out.join("\n"))
}

fn load_once(text: &str, bounds: SharedBounds<'_>, source: u32) -> Result<Loaded, YamlError> {
    let mut builder = Builder {
        bounds,
        stack: Vec::new(),
        anchors: HashMap::new(),
        taken: 0,
        documents: Vec::new(),
        warnings: Vec::new(),
    };
    match build(text, source, &mut builder) {
        Ok(()) => Ok(Loaded {
            documents: std::mem::take(&mut builder.documents),
            warnings: std::mem::take(&mut builder.warnings),
            cut: None,
        }),
        Err(Stop::Bound(hit)) => {
            // What was built of the document being read is dropped: give its nodes back.
            let kept: u64 = builder.documents.iter().map(|d| d.size() as u64).sum();
            builder
                .bounds
                .nodes
                .give_back(builder.taken.saturating_sub(kept));
            Ok(Loaded {
                documents: std::mem::take(&mut builder.documents),
                warnings: std::mem::take(&mut builder.warnings),
                cut: Some(hit),
            })
        }
        Err(Stop::Syntax(e)) => {
            builder.bounds.nodes.give_back(builder.taken);
            Err(e)
        }
    }
}

/// How deep saphyr's scanner nests flow collections before it stops by itself.
const SCANNER_FLOW_DEPTH: usize = 255;

fn build(text: &str, source: u32, builder: &mut Builder<'_>) -> Result<(), Stop> {
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|e| {
            let at = position(e.marker());
            // The scanner counts flow nesting in a byte and looks ahead of the events, so
            // `[[[...` past 255 levels stops there before our own check sees it.
            if e.info() == "recursion limit exceeded" {
                Stop::Bound(BoundHit {
                    limit: Limit::Depth,
                    // The parser's own bound, whatever --limit depth says.
                    max: builder.bounds.max_depth.min(SCANNER_FLOW_DEPTH) as u64,
                    line: at.line,
                    column: at.column,
                })
            } else {
                Stop::Syntax(error_at(at, e.info()))
            }
        })?;
        let start = position(&span.start);
        let end = position(&span.end);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let style = match style {
                    EventStyle::Plain => ScalarStyle::Plain,
                    EventStyle::SingleQuoted | EventStyle::DoubleQuoted => ScalarStyle::Quoted,
                    _ => ScalarStyle::Block,
                };
                let is_null = style == ScalarStyle::Plain
                    && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                let value = if is_null {
                    NodeValue::Null
                } else {
                    NodeValue::Scalar(value.into_owned(), style)
                };
                builder.complete(
                    Node {
                        value,
                        tag,
                        start,
                        end,
                        source,
                    },
                    anchor,
                )?;
            }
            Event::Alias(anchor) => {
                let Some(&(_, size)) = builder.anchors.get(&anchor) else {
                    return Err(
                        error_at(start, "alias refers to an anchor that is not defined").into(),
                    );
                };
                // The budget is taken before the copy is made, so a bomb never allocates.
                builder.take(size as u64, start)?;
                let node = builder.anchors[&anchor].0.clone();
                builder.complete(node, 0)?;
            }
            Event::SequenceStart(anchor, tag) => {
                builder.open(start)?;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                builder.stack.push(Frame::Sequence {
                    start,
                    anchor,
                    tag,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                builder.open(start)?;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                builder.stack.push(Frame::Mapping {
                    start,
                    anchor,
                    tag,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Sequence {
                    start,
                    anchor,
                    tag,
                    items,
                }) = builder.stack.pop()
                else {
                    return Err(error_at(start, "unbalanced sequence end").into());
                };
                let node = Node {
                    value: NodeValue::Sequence(items),
                    tag,
                    start,
                    end,
                    source,
                };
                builder.complete(node, anchor)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Mapping {
                    start,
                    anchor,
                    tag,
                    entries,
                    ..
                }) = builder.stack.pop()
                else {
                    return Err(error_at(start, "unbalanced mapping end").into());
                };
                let entries = builder.merge_keys(entries)?;
                let node = Node {
                    value: NodeValue::Mapping(entries),
                    tag,
                    start,
                    end,
                    source,
                };
                builder.complete(node, anchor)?;
            }
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart | Event::DocumentStart(_) | Event::DocumentEnd => {}
        }
    }
    Ok(())
}

impl Builder<'_> {
    /// Takes `amount` nodes from the scan's budget, or stops the stream at `at`.
    fn take(&mut self, amount: u64, at: Position) -> Result<(), Stop> {
        if !self.bounds.nodes.take(amount) {
            return Err(Stop::Bound(BoundHit {
                limit: Limit::YamlNodes,
                max: self.bounds.nodes.max(),
                line: at.line,
                column: at.column,
            }));
        }
        self.taken += amount;
        Ok(())
    }

    fn open(&mut self, at: Position) -> Result<(), Stop> {
        if self.stack.len() >= self.bounds.max_depth {
            return Err(Stop::Bound(BoundHit {
                limit: Limit::Depth,
                max: self.bounds.max_depth as u64,
                line: at.line,
                column: at.column,
            }));
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), Stop> {
        self.take(1, node.start)?;
        if anchor != 0 {
            let size = node.size();
            // The anchor keeps its own copy of the subtree: it costs nodes too.
            self.take(size as u64, node.start)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    /// Applies `<<` merge keys (YAML 1.1, used throughout compose files): keys written in the
    /// mapping win over merged ones, and earlier merged mappings win over later ones. Merged
    /// values keep the positions where they were written, under the anchor. Duplicated keys
    /// keep the last value, with a warning.
    fn merge_keys(&mut self, entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, YamlError> {
        // Keys are indexed by their text so that a mapping of many keys loads in linear time.
        let mut own: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
        let mut own_index: HashMap<Option<String>, usize> = HashMap::new();
        let mut merged: Vec<(Node, Node)> = Vec::new();
        let mut merged_keys: HashSet<Option<String>> = HashSet::new();
        for (key, value) in entries {
            let is_merge =
                matches!(&key.value, NodeValue::Scalar(k, ScalarStyle::Plain) if k == "<<");
            if !is_merge {
                match key_text(&key) {
                    Some(text) => match own_index.get(&text) {
                        Some(&index) => {
                            self.warnings.push(error_at(
                                key.start,
                                format!(
                                    "key `{}` is already defined at line {}; the last value is used",
                                    key.as_str().unwrap_or("?"),
                                    own[index].0.start.line
                                ),
                            ));
                            own[index] = (key, value);
                        }
                        None => {
                            own_index.insert(text, own.len());
                            own.push((key, value));
                        }
                    },
                    None => own.push((key, value)),
                }
                continue;
            }
            let sources: Vec<Node> = match value.value {
                NodeValue::Mapping(_) => vec![value],
                NodeValue::Sequence(items) => items,
                _ => {
                    return Err(error_at(
                        value.start,
                        "a merge key `<<` needs a mapping or a list of mappings",
                    ));
                }
            };
            for source in sources {
                let NodeValue::Mapping(source_entries) = source.value else {
                    return Err(error_at(
                        source.start,
                        "a merge key `<<` can only merge mappings",
                    ));
                };
                for (k, v) in source_entries {
                    let text = key_text(&k);
                    if text.as_ref().is_none_or(|t| merged_keys.insert(t.clone())) {
                        merged.push((k, v));
                    }
                }
            }
        }
        for (k, v) in merged {
            if key_text(&k).is_none_or(|t| !own_index.contains_key(&t)) {
                own.push((k, v));
            }
        }
        Ok(own)
    }
}

/// A key's identity for duplicate detection: its scalar text, `Some(None)` for null; `None`
/// for a collection used as a key (never deduplicated).
fn key_text(key: &Node) -> Option<Option<String>> {
    match &key.value {
        NodeValue::Scalar(text, _) => Some(Some(text.clone())),
        NodeValue::Null => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        load(text, &Limits::default()).unwrap().documents.remove(0)
    }

    #[test]
    fn values_keep_their_lines_and_columns() {
        let root = one("services:\n  web:\n    privileged: true\n");
        let value = root
            .get("services")
            .unwrap()
            .get("web")
            .unwrap()
            .get("privileged")
            .unwrap();
        assert_eq!(
            value.start,
            Position {
                line: 3,
                column: 17
            }
        );
        assert_eq!(value.truthy(), Some(true));
    }

    #[test]
    fn merge_keys_apply_and_keep_the_anchor_position() {
        let root = one("x: &d\n  a: 1\n  b: 2\ny:\n  <<: *d\n  b: 3\n");
        let y = root.get("y").unwrap();
        assert_eq!(y.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(y.get("a").unwrap().start.line, 2);
        assert_eq!(y.get("b").unwrap().as_str(), Some("3"));
        assert!(y.get("<<").is_none());
    }

    #[test]
    fn an_alias_bomb_stops_at_the_node_limit() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = (b'a' + i - 1) as char;
            let name = (b'a' + i) as char;
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = load(&text, &Limits::default()).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{err}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        // The scanner's own recursion limit or ours, whichever comes first.
        let err = load(&text, &Limits::default()).unwrap_err();
        assert!(
            err.message.contains("deeper than") || err.message.contains("recursion"),
            "{err}"
        );
        let block: String = (0..10_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert!(load(&block, &Limits::default()).is_err());
    }

    fn bomb(levels: u8) -> String {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..levels {
            let prev = (b'a' + i - 1) as char;
            let name = (b'a' + i) as char;
            let refs = vec![format!("*{prev}"); 10].join(", ");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        text
    }

    fn shared_limits(nodes: u64, depth: u64) -> trustmap_model::Limits {
        let mut limits = trustmap_model::Limits::default();
        limits.set(Limit::YamlNodes, nodes);
        limits.set(Limit::Depth, depth);
        limits
    }

    #[test]
    fn streams_under_one_budget_are_bounded_together_not_each() {
        // Each stream takes about 10,000 nodes, under the budget on its own.
        let text = bomb(4);
        let one = Budget::new(Limit::YamlNodes, &shared_limits(1_000_000, 128));
        load_shared(
            &text,
            0,
            SharedBounds {
                nodes: &one,
                max_depth: 128,
            },
        )
        .unwrap();
        let limits = shared_limits(one.used() * 5 / 2, 128);
        let nodes = Budget::new(Limit::YamlNodes, &limits);
        let bounds = SharedBounds {
            nodes: &nodes,
            max_depth: 128,
        };
        let mut cut = 0;
        for source in 0..5 {
            let loaded = load_shared(&text, source, bounds).unwrap();
            if let Some(hit) = loaded.cut {
                assert_eq!(hit.limit, Limit::YamlNodes);
                cut += 1;
            }
        }
        assert_eq!(cut, 3, "two streams fit, the other three are cut");
        assert!(nodes.used() <= nodes.max());
    }

    #[test]
    fn a_cut_stream_keeps_the_documents_before_the_bound() {
        let limits = shared_limits(1_000, 128);
        let nodes = Budget::new(Limit::YamlNodes, &limits);
        let bounds = SharedBounds {
            nodes: &nodes,
            max_depth: 128,
        };
        let text = format!("kind: ConfigMap\n---\n{}", bomb(6));
        let loaded = load_shared(&text, 0, bounds).unwrap();
        assert_eq!(loaded.documents.len(), 1);
        let hit = loaded.cut.expect("the bomb is cut");
        assert_eq!(hit.line, 5, "cut at the first level past the budget");
        assert!(!hit.what_was_cut().contains('*'));
        // What the cut document had taken is given back.
        assert_eq!(nodes.used(), 3);
    }

    #[test]
    fn a_syntax_error_gives_back_what_the_stream_took() {
        let limits = shared_limits(1_000, 128);
        let nodes = Budget::new(Limit::YamlNodes, &limits);
        let bounds = SharedBounds {
            nodes: &nodes,
            max_depth: 128,
        };
        assert!(load_shared("a: [1, 2, 3]\nb: [1, 2\n", 0, bounds).is_err());
        assert_eq!(nodes.used(), 0);
    }

    #[test]
    fn a_merge_key_bomb_stops_at_the_node_limit() {
        // Every level merges ten copies of the previous one and keeps them under new keys.
        let mut text = String::from("l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n");
        for i in 1..10 {
            let prev = format!("*l{}", i - 1);
            let merged = [prev.as_str(); 10].join(", ");
            let kept: Vec<String> = (0..10).map(|k| format!("k{k}: {prev}")).collect();
            text.push_str(&format!(
                "l{i}: &l{i} {{<<: [{merged}], {}}}\n",
                kept.join(", ")
            ));
        }
        let limits = shared_limits(1_000_000, 128);
        let nodes = Budget::new(Limit::YamlNodes, &limits);
        let bounds = SharedBounds {
            nodes: &nodes,
            max_depth: 128,
        };
        let loaded = load_shared(&text, 0, bounds).unwrap();
        assert_eq!(loaded.cut.map(|h| h.limit), Some(Limit::YamlNodes));
        assert!(nodes.used() <= 1_000_000);
    }

    #[test]
    fn nesting_100000_deep_is_cut_not_a_stack_overflow() {
        let limits = shared_limits(5_000_000, 128);
        let nodes = Budget::new(Limit::YamlNodes, &limits);
        let bounds = SharedBounds {
            nodes: &nodes,
            max_depth: 128,
        };
        let n = 100_000;
        let flow = "[".repeat(n) + &"]".repeat(n);
        let json = "{\"a\": ".repeat(n) + "1" + &"}".repeat(n);
        // Block nesting needs indentation, so its text grows with the square of its depth.
        let block: String = (0..2_000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        let mapping: String = (0..2_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        for text in [flow, json, block, mapping] {
            let loaded = load_shared(&text, 0, bounds).unwrap();
            assert_eq!(loaded.cut.map(|h| h.limit), Some(Limit::Depth));
        }
    }

    #[test]
    fn quoted_continuations_under_their_key_are_read_as_libyaml_reads_them() {
        let root = one("a:\n  description: \"one\n  two\n  three\"\n  next: 1\n");
        let a = root.get("a").unwrap();
        assert_eq!(
            a.get("description").unwrap().as_str(),
            Some("one two three")
        );
        assert_eq!(a.get("next").unwrap().start.line, 5);
    }

    /// A sequence item's quoted scalar continued left of the dash (a Kafka manifest in
    /// Checkov's examples), and a mapping inside an item, as libyaml and kubectl read them.
    #[test]
    fn quoted_continuations_left_of_their_item_are_read_as_libyaml_reads_them() {
        let root =
            one("c:\n  command:\n    - sh\n    - \"exec a \\\n  --b \\\n  --c\"\n    - next\n");
        let items = root.get("c").unwrap().get("command").unwrap();
        let NodeValue::Sequence(items) = &items.value else {
            panic!("{items:?}")
        };
        assert_eq!(items[1].as_str(), Some("exec a --b --c"));
        assert_eq!(items[2].start.line, 7);
        let root = one("c:\n  - name: \"one\n  two\"\n    next: 1\n");
        let NodeValue::Sequence(items) = &root.get("c").unwrap().value else {
            panic!()
        };
        assert_eq!(items[0].get("name").unwrap().as_str(), Some("one two"));
        assert_eq!(items[0].get("next").unwrap().start.line, 4);
    }

    /// A flow sequence whose closing bracket is no deeper than its key (an example of
    /// terraform-google-kubernetes-engine), as libyaml and kubectl read it.
    #[test]
    fn flow_collections_closed_under_their_key_are_read_as_libyaml_reads_them() {
        let root = one(
            "spec:\n  match:\n    - excluded: [\n        \"a\",\n        \"b\"\n      ]\n      processes: [\"audit\"]\n",
        );
        let NodeValue::Sequence(items) = &root.get("spec").unwrap().get("match").unwrap().value
        else {
            panic!()
        };
        let excluded = items[0].get("excluded").unwrap();
        let NodeValue::Sequence(excluded) = &excluded.value else {
            panic!()
        };
        assert_eq!(excluded.len(), 2);
        assert_eq!(items[0].get("processes").unwrap().start.line, 7);
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = load("a: [1, 2\nb: 3\n", &Limits::default()).unwrap_err();
        assert!(err.line >= 1);
        assert!(!err.message.is_empty());
    }

    #[test]
    fn yaml_1_1_booleans_are_truthy() {
        assert_eq!(one("a: yes").get("a").unwrap().truthy(), Some(true));
        assert_eq!(one("a: off").get("a").unwrap().truthy(), Some(false));
        assert_eq!(one("a: maybe").get("a").unwrap().truthy(), None);
    }

    #[test]
    fn a_mapping_of_many_keys_loads_in_linear_time() {
        // 200,000 keys: quadratic duplicate detection would take minutes.
        let text: String = (0..200_000).map(|i| format!("k{i}: v\n")).collect();
        let loaded = load(&text, &Limits::default()).unwrap();
        assert_eq!(loaded.documents[0].as_mapping().unwrap().len(), 200_000);
    }

    #[test]
    fn duplicate_keys_warn_and_keep_the_last() {
        let loaded = load("a: 1\na: 2\n", &Limits::default()).unwrap();
        assert_eq!(loaded.documents[0].get("a").unwrap().as_str(), Some("2"));
        assert_eq!(loaded.warnings.len(), 1);
    }
}

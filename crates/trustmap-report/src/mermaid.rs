//! The DFD as a Mermaid flowchart that GitHub renders in Markdown, plain ([`mermaid`]) or with
//! some elements and flows highlighted ([`mermaid_highlighted`]).
//!
//! GitHub's renderer has sharp edges this module works around: node ids are generated (`n0`,
//! `n1`, ...; subgraphs `z0`, `z1`, ...) because an id such as `end`, or one starting with `o`
//! or `x` next to an arrow, breaks the parse; every label is quoted, with the characters that
//! would end or re-interpret it written as Mermaid entity codes; and the diagram stays within
//! Mermaid's default limits of [`MERMAID_MAX_EDGES`] edges and [`MERMAID_MAX_CHARS`]
//! characters, past which GitHub shows an error instead of a diagram.

use crate::diagram::{Event, Layout, flow_label, layout, zone_title};
use crate::escape_chars;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use trustmap_model::{ElementId, ElementKind, Flow, FlowId, Model};

/// The most edges Mermaid draws (its `maxEdges` default).
pub const MERMAID_MAX_EDGES: usize = 500;
/// The most characters Mermaid accepts (its `maxTextSize` default).
pub const MERMAID_MAX_CHARS: usize = 50_000;

/// The first line of every chart.
const HEADER: &str = "flowchart LR\n";

/// Room kept for the comment that says the diagram was cut.
const NOTE_ROOM: usize = 400;

/// The red of weakened elements and flows, and the green of new ones (GitHub's own).
const WEAKENED_STYLE: &str = "fill:#ffebe9,stroke:#cf222e,stroke-width:3px,color:#1f2328";
const ADDED_STYLE: &str = "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px,color:#1f2328";
const WEAKENED_LINK: &str = "stroke:#cf222e,stroke-width:3px";
const ADDED_LINK: &str = "stroke:#1a7f37,stroke-width:2px";

/// How [`mermaid_highlighted`] draws an element or a flow. The variants are ordered by
/// strength: where both apply, [`Highlight::Weakened`] wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Highlight {
    /// New: green (class `added`; a green `linkStyle` for a flow).
    Added,
    /// Made weaker: red and thick (class `weakened`; a red `linkStyle` for a flow).
    Weakened,
}

/// The elements and flows [`mermaid_highlighted`] highlights, by id. Ids the model does not
/// draw are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlights {
    /// Elements to highlight.
    pub elements: BTreeMap<ElementId, Highlight>,
    /// Flows to highlight.
    pub flows: BTreeMap<FlowId, Highlight>,
}

impl Highlights {
    /// Highlights an element; one already highlighted keeps the stronger highlight.
    pub fn element(&mut self, id: ElementId, highlight: Highlight) {
        let entry = self.elements.entry(id).or_insert(highlight);
        *entry = (*entry).max(highlight);
    }

    /// Highlights a flow; one already highlighted keeps the stronger highlight.
    pub fn flow(&mut self, id: FlowId, highlight: Highlight) {
        let entry = self.flows.entry(id).or_insert(highlight);
        *entry = (*entry).max(highlight);
    }

    /// How many elements and flows are highlighted.
    fn len(&self) -> usize {
        self.elements.len() + self.flows.len()
    }
}

/// Renders the model as a Mermaid `flowchart LR`.
///
/// Zones are nested `subgraph`s titled with their name, kind and trust level, so each subgraph
/// border is a trust boundary; zones that hold no element (directly or nested) are left out,
/// and the internet's elements sit outside every subgraph. External entities are rectangles,
/// processes rounded boxes, data stores cylinders. Flows are arrows labelled `protocol/ports`;
/// a flow that crosses a boundary into a zone of higher trust is a thick arrow (`==>`).
///
/// When the flows would exceed [`MERMAID_MAX_EDGES`] or [`MERMAID_MAX_CHARS`], the diagram keeps
/// the flows into higher trust first, then the others, each group in flow-id order, up to the
/// limit, and says so in a `%%` comment after the first line. The output is deterministic.
#[must_use]
pub fn mermaid(model: &Model) -> String {
    let chart = Chart::of(model, &Highlights::default());
    let fixed = HEADER.len() + chart.nodes.len();
    let Some((keep, kept)) = chart.cut(fixed, MERMAID_MAX_CHARS) else {
        return chart.write(None, &[]);
    };
    let mut note = format!(
        "%% trustmap: this diagram shows {kept} of {} flows: GitHub renders at most {} edges \
         and {} characters. Flows into higher trust were kept first; `trustmap model --format \
         json` lists them all.\n",
        chart.edges.len(),
        MERMAID_MAX_EDGES,
        MERMAID_MAX_CHARS
    );
    if fixed + NOTE_ROOM > MERMAID_MAX_CHARS {
        note.push_str(
            "%% trustmap: the elements alone exceed that size; GitHub may not render it.\n",
        );
    }
    chart.write(Some(&note), &keep)
}

/// Renders the model as [`mermaid`] does, in at most `max_chars` bytes (and never more than
/// [`MERMAID_MAX_CHARS`]), with `highlights` drawn: highlighted elements get the class
/// `weakened` (red) or `added` (green), defined by `classDef` lines after the flows, and
/// highlighted flows a red or green `linkStyle`.
///
/// When the flows do not all fit (in size, or in [`MERMAID_MAX_EDGES`]), the weakened ones are
/// kept first, then the new ones, then those into higher trust, then the rest, each group in
/// flow-id order, and a `%%` comment after the first line says so. `None` when even the
/// elements do not fit. The output is deterministic.
#[must_use]
pub fn mermaid_highlighted(
    model: &Model,
    highlights: &Highlights,
    max_chars: usize,
) -> Option<String> {
    let max_chars = max_chars.min(MERMAID_MAX_CHARS);
    let chart = Chart::of(model, highlights);
    // The styles name at most every highlighted node and edge, each in a few bytes.
    let style_room = 400 + highlights.len() * 8;
    let fixed = HEADER.len() + chart.nodes.len() + style_room;
    if fixed + NOTE_ROOM > max_chars {
        return None;
    }
    let (mut out, keep) = match chart.cut(fixed, max_chars) {
        None => (chart.write(None, &[]), vec![true; chart.edges.len()]),
        Some((keep, kept)) => {
            let note = format!(
                "%% trustmap: this diagram shows {kept} of {} flows to stay within GitHub's \
                 limits. Weakened and new flows were kept first; `trustmap model --format json` \
                 lists them all.\n",
                chart.edges.len()
            );
            (chart.write(Some(&note), &keep), keep)
        }
    };

    // Edges are numbered by `linkStyle` in the order they are drawn.
    let mut links: BTreeMap<Highlight, Vec<usize>> = BTreeMap::new();
    let drawn = chart.edges.iter().zip(&keep).filter(|(_, keep)| **keep);
    for (index, (edge, _)) in drawn.enumerate() {
        if let Some(highlight) = highlights.flows.get(&edge.flow.id) {
            links.entry(*highlight).or_default().push(index);
        }
    }
    let mut nodes: BTreeMap<Highlight, Vec<usize>> = BTreeMap::new();
    for (id, highlight) in &highlights.elements {
        if let Some(&number) = chart.layout.nodes.get(id) {
            nodes.entry(*highlight).or_default().push(number);
        }
    }
    if !nodes.is_empty() {
        let _ = writeln!(out, "  classDef weakened {WEAKENED_STYLE}");
        let _ = writeln!(out, "  classDef added {ADDED_STYLE}");
    }
    for highlight in [Highlight::Weakened, Highlight::Added] {
        if let Some(numbers) = nodes.get_mut(&highlight) {
            numbers.sort_unstable();
            let list: Vec<String> = numbers.iter().map(|n| format!("n{n}")).collect();
            let class = match highlight {
                Highlight::Weakened => "weakened",
                Highlight::Added => "added",
            };
            let _ = writeln!(out, "  class {} {class}", list.join(","));
        }
    }
    for highlight in [Highlight::Weakened, Highlight::Added] {
        if let Some(indexes) = links.get(&highlight) {
            let list: Vec<String> = indexes.iter().map(usize::to_string).collect();
            let style = match highlight {
                Highlight::Weakened => WEAKENED_LINK,
                Highlight::Added => ADDED_LINK,
            };
            let _ = writeln!(out, "  linkStyle {} {style}", list.join(","));
        }
    }
    Some(out)
}

/// A chart before it is cut to size: the zones and nodes, and every edge.
struct Chart<'m> {
    layout: Layout<'m>,
    /// The subgraphs and nodes, one per line, without the first line.
    nodes: String,
    /// Every drawn flow, in flow-id order.
    edges: Vec<Edge<'m>>,
}

/// One flow's line, and the rank by which it is kept when not all fit (lower first).
struct Edge<'m> {
    flow: &'m Flow,
    rank: u8,
    line: String,
}

impl<'m> Chart<'m> {
    fn of(model: &'m Model, highlights: &Highlights) -> Chart<'m> {
        let layout = layout(model);
        let mut nodes = String::new();
        let mut depth = 1;
        for event in &layout.events {
            match event {
                Event::Open(zone, group) => {
                    let _ = writeln!(
                        nodes,
                        "{}subgraph z{group}[\"{}\"]",
                        indent(depth),
                        escape(&zone_title(zone))
                    );
                    depth += 1;
                }
                Event::Node(element, number) => {
                    let label = escape(&element.name);
                    let shape = match element.kind {
                        ElementKind::ExternalEntity => format!("[\"{label}\"]"),
                        ElementKind::Process => format!("(\"{label}\")"),
                        ElementKind::DataStore => format!("[(\"{label}\")]"),
                        ElementKind::Identity => format!("{{{{\"{label}\"}}}}"),
                    };
                    let _ = writeln!(nodes, "{}n{number}{shape}", indent(depth));
                }
                Event::Close => {
                    depth = depth.saturating_sub(1).max(1);
                    let _ = writeln!(nodes, "{}end", indent(depth));
                }
            }
        }

        let edges = model
            .flows()
            .filter_map(|flow| {
                let source = layout.nodes.get(&flow.source)?;
                let target = layout.nodes.get(&flow.target)?;
                let inward = model.enters_higher_trust(flow);
                let arrow = if inward { "==>" } else { "-->" };
                let line = match flow_label(flow) {
                    Some(label) => {
                        format!("  n{source} {arrow}|\"{}\"| n{target}\n", escape(&label))
                    }
                    None => format!("  n{source} {arrow} n{target}\n"),
                };
                let rank = match (highlights.flows.get(&flow.id), inward) {
                    (Some(Highlight::Weakened), _) => 0,
                    (Some(Highlight::Added), _) => 1,
                    (None, true) => 2,
                    (None, false) => 3,
                };
                Some(Edge { flow, rank, line })
            })
            .collect();
        Chart {
            layout,
            nodes,
            edges,
        }
    }

    /// Which edges to draw when the chart would exceed `max_chars` bytes, `fixed` of them
    /// taken by what is not an edge, or [`MERMAID_MAX_EDGES`]: the edges by rank, each rank in
    /// flow-id order, while they fit beside the note. `None` when every edge fits. Lengths are
    /// counted in bytes, which is never less than Mermaid's count of UTF-16 code units.
    fn cut(&self, fixed: usize, max_chars: usize) -> Option<(Vec<bool>, usize)> {
        let total = fixed + self.edges.iter().map(|e| e.line.len()).sum::<usize>();
        if self.edges.len() <= MERMAID_MAX_EDGES && total <= max_chars {
            return None;
        }
        let mut keep = vec![false; self.edges.len()];
        let mut kept = 0;
        let mut size = fixed + NOTE_ROOM;
        for rank in 0..4 {
            for (index, edge) in self.edges.iter().enumerate() {
                if edge.rank != rank || kept == MERMAID_MAX_EDGES {
                    continue;
                }
                if size + edge.line.len() <= max_chars {
                    keep[index] = true;
                    kept += 1;
                    size += edge.line.len();
                }
            }
        }
        Some((keep, kept))
    }

    /// The chart: the first line, the note if any, the nodes and the kept edges (all of them
    /// when there is no note).
    fn write(&self, note: Option<&str>, keep: &[bool]) -> String {
        let mut out = String::from(HEADER);
        out.push_str(note.unwrap_or_default());
        out.push_str(&self.nodes);
        for (index, edge) in self.edges.iter().enumerate() {
            if note.is_none() || keep[index] {
                out.push_str(&edge.line);
            }
        }
        out
    }
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

/// Makes text safe inside a quoted Mermaid label: `"` ends the label and `#...;` is an entity
/// code, so both are written as entity codes, and so are `<`, `>` and `&` (labels are HTML) and
/// the backtick (which starts a Markdown label). Line breaks become spaces.
fn escape(text: &str) -> String {
    escape_chars(text, |c| match c {
        '"' => Some("#quot;"),
        '#' => Some("#35;"),
        '&' => Some("#amp;"),
        '<' => Some("#lt;"),
        '>' => Some("#gt;"),
        '`' => Some("#96;"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_end_early_or_inject_markup() {
        assert_eq!(escape(r#"say "hi""#), "say #quot;hi#quot;");
        assert_eq!(escape("a#quot;b"), "a#35;quot;b");
        assert_eq!(escape("<b>&`x`"), "#lt;b#gt;#amp;#96;x#96;");
        assert_eq!(escape("two\nlines"), "two lines");
    }
}

//! The DFD as a Mermaid flowchart that GitHub renders in Markdown.
//!
//! GitHub's renderer has sharp edges this module works around: node ids are generated (`n0`,
//! `n1`, ...; subgraphs `z0`, `z1`, ...) because an id such as `end`, or one starting with `o`
//! or `x` next to an arrow, breaks the parse; every label is quoted, with the characters that
//! would end or re-interpret it written as Mermaid entity codes; and the diagram stays within
//! Mermaid's default limits of [`MERMAID_MAX_EDGES`] edges and [`MERMAID_MAX_CHARS`]
//! characters, past which GitHub shows an error instead of a diagram.

use crate::diagram::{Event, flow_label, layout, zone_title};
use std::fmt::Write as _;
use trustmap_model::{ElementKind, Flow, Model};

/// The most edges Mermaid draws (its `maxEdges` default).
pub const MERMAID_MAX_EDGES: usize = 500;
/// The most characters Mermaid accepts (its `maxTextSize` default).
pub const MERMAID_MAX_CHARS: usize = 50_000;

/// Room kept for the comment that says the diagram was cut.
const NOTE_ROOM: usize = 400;

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
    let layout = layout(model);
    let mut body = String::from("flowchart LR\n");
    let mut depth = 1;
    for event in &layout.events {
        match event {
            Event::Open(zone, group) => {
                let _ = writeln!(
                    body,
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
                };
                let _ = writeln!(body, "{}n{number}{shape}", indent(depth));
            }
            Event::Close => {
                depth = depth.saturating_sub(1).max(1);
                let _ = writeln!(body, "{}end", indent(depth));
            }
        }
    }

    let edges: Vec<(&Flow, bool, String)> = model
        .flows()
        .filter_map(|flow| {
            let source = layout.nodes.get(&flow.source)?;
            let target = layout.nodes.get(&flow.target)?;
            let inward = model.enters_higher_trust(flow);
            let arrow = if inward { "==>" } else { "-->" };
            let line = match flow_label(flow) {
                Some(label) => format!("  n{source} {arrow}|\"{}\"| n{target}\n", escape(&label)),
                None => format!("  n{source} {arrow} n{target}\n"),
            };
            Some((flow, inward, line))
        })
        .collect();

    let total: usize = body.len() + edges.iter().map(|(_, _, line)| line.len()).sum::<usize>();
    if edges.len() <= MERMAID_MAX_EDGES && total <= MERMAID_MAX_CHARS {
        for (_, _, line) in &edges {
            body.push_str(line);
        }
        return body;
    }

    // Too big for GitHub: keep the flows into higher trust first, then the others, within both
    // limits, and draw the kept ones in flow-id order. Lengths are counted in bytes, which is
    // never less than Mermaid's count of UTF-16 code units.
    let mut keep = vec![false; edges.len()];
    let mut kept = 0;
    let mut size = body.len() + NOTE_ROOM;
    for pass_inward in [true, false] {
        for (index, (_, inward, line)) in edges.iter().enumerate() {
            if *inward != pass_inward || kept == MERMAID_MAX_EDGES {
                continue;
            }
            if size + line.len() <= MERMAID_MAX_CHARS {
                keep[index] = true;
                kept += 1;
                size += line.len();
            }
        }
    }
    let mut out = String::from("flowchart LR\n");
    let _ = writeln!(
        out,
        "%% trustmap: this diagram shows {kept} of {} flows: GitHub renders at most {} edges \
         and {} characters. Flows into higher trust were kept first; `trustmap model --format \
         json` lists them all.",
        edges.len(),
        MERMAID_MAX_EDGES,
        MERMAID_MAX_CHARS
    );
    if body.len() + NOTE_ROOM > MERMAID_MAX_CHARS {
        out.push_str(
            "%% trustmap: the elements alone exceed that size; GitHub may not render it.\n",
        );
    }
    out.push_str(&body["flowchart LR\n".len()..]);
    for ((_, _, line), keep) in edges.iter().zip(keep) {
        if keep {
            out.push_str(line);
        }
    }
    out
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}

/// Makes text safe inside a quoted Mermaid label: `"` ends the label and `#...;` is an entity
/// code, so both are written as entity codes, and so are `<`, `>` and `&` (labels are HTML) and
/// the backtick (which starts a Markdown label). Line breaks become spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
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

//! The DFD as Graphviz DOT, with each zone a cluster whose dashed border is a trust boundary.
//! (petgraph's own DOT writer has no clusters, hence this one.)

use crate::diagram::{Event, flow_label, layout, zone_title};
use crate::escape_chars;
use std::fmt::Write as _;
use trustmap_model::{ElementKind, Model};

/// Renders the model as a Graphviz `digraph`.
///
/// Zones are nested `subgraph cluster_N` with a dashed border (the trust boundary) and their
/// name, kind and trust level as label; zones that hold no element are left out and the
/// internet's elements sit outside every cluster. External entities are boxes, processes
/// ellipses, data stores cylinders. Edges are labelled `protocol/ports`; a flow that crosses a
/// boundary into higher trust is drawn bold and red. Node ids are generated (`n0`, `n1`, ...)
/// and every label is a quoted, escaped string. The output is deterministic.
#[must_use]
pub fn dot(model: &Model) -> String {
    let layout = layout(model);
    let mut out = String::from("digraph trustmap {\n");
    out.push_str("  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    let mut depth = 1;
    for event in &layout.events {
        let pad = "  ".repeat(depth);
        match event {
            Event::Open(zone, group) => {
                let _ = writeln!(out, "{pad}subgraph cluster_{group} {{");
                let _ = writeln!(out, "{pad}  label=\"{}\";", escape(&zone_title(zone)));
                let _ = writeln!(out, "{pad}  style=dashed;");
                let _ = writeln!(out, "{pad}  color=\"#555555\";");
                depth += 1;
            }
            Event::Node(element, number) => {
                let shape = match element.kind {
                    ElementKind::ExternalEntity => "shape=box",
                    ElementKind::Process => "shape=ellipse",
                    ElementKind::DataStore => "shape=cylinder",
                    ElementKind::Identity => "shape=hexagon",
                };
                let _ = writeln!(
                    out,
                    "{pad}n{number} [label=\"{}\", {shape}];",
                    escape(&element.name)
                );
            }
            Event::Close => {
                depth = depth.saturating_sub(1).max(1);
                let _ = writeln!(out, "{}}}", "  ".repeat(depth));
            }
        }
    }
    for flow in model.flows() {
        let (Some(source), Some(target)) = (
            layout.nodes.get(&flow.source),
            layout.nodes.get(&flow.target),
        ) else {
            continue;
        };
        let mut attributes = Vec::new();
        if let Some(label) = flow_label(flow) {
            attributes.push(format!("label=\"{}\"", escape(&label)));
        }
        if model.enters_higher_trust(flow) {
            attributes.push("style=bold, color=\"#b22222\"".to_string());
        }
        if attributes.is_empty() {
            let _ = writeln!(out, "  n{source} -> n{target};");
        } else {
            let _ = writeln!(out, "  n{source} -> n{target} [{}];", attributes.join(", "));
        }
    }
    out.push_str("}\n");
    out
}

/// Makes text safe inside a quoted DOT string: `\` starts an escape (`\N`, `\G`, `\l`), `"`
/// ends the string and `&` starts an HTML entity, which Graphviz decodes in every label; line
/// breaks become `\n`.
fn escape(text: &str) -> String {
    escape_chars(text, |c| match c {
        '\\' => Some("\\\\"),
        '"' => Some("\\\""),
        '&' => Some("&amp;"),
        '\n' => Some("\\n"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(escape(r#"a "b" \N"#), r#"a \"b\" \\N"#);
        assert_eq!(escape("x\ny"), "x\\ny");
        assert_eq!(escape("a &lt; b"), "a &amp;lt; b");
    }
}

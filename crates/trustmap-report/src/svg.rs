//! The DFD as a standalone SVG, drawn here with no external program: zones as nested boxes
//! whose dashed outlines are the trust boundaries, external entities as rectangles, processes
//! as rounded boxes, data stores as open-ended boxes (two horizontal lines), flows as
//! orthogonal arrows labelled `protocol/ports`. Flows into a zone of higher trust are thick;
//! elements and flows with undecided threats are red, and an element's badge counts its
//! threats. The geometry comes from [`crate::diagram_layout`].
//!
//! Ids are stable and shared with the Mermaid and DOT output: `n0`, `n1`, ... for elements,
//! `z0`, `z1`, ... for zones, `f0`, `f1`, ... for flows (in flow-id order). Every element, zone
//! and flow carries `data-id` (its model id) and `data-zone`, so a test or a script can find it.

use crate::escape_chars;
use crate::layout::{
    DETAIL_SIZE, DiagramLayout, EdgeRoute, LABEL_SIZE, NAME_SIZE, NodeBox, Point, TITLE_BASELINE,
    TITLE_SIZE, ZoneBox, diagram_layout, text_width,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use trustmap_model::{ElementKind, Model, TrustLevel};
use trustmap_rules::{Finding, Subject};

/// The fonts every text uses.
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/// Colours (GitHub's Primer palette).
const INK: &str = "#1f2328";
const MUTED: &str = "#59636e";
const LINE: &str = "#6e7781";
const RED: &str = "#cf222e";
/// The legend's row height.
const LEGEND_ROW: i32 = 26;

/// How many threats an element or flow has, and how many of them are undecided.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    /// Every finding on the subject.
    pub total: usize,
    /// Those without a decision that holds.
    pub undecided: usize,
}

/// The findings counted by subject.
pub(crate) fn tallies(findings: &[Finding]) -> BTreeMap<&Subject, Tally> {
    let mut map: BTreeMap<&Subject, Tally> = BTreeMap::new();
    for finding in findings {
        let tally = map.entry(&finding.subject).or_default();
        tally.total += 1;
        if !finding.decided() {
            tally.undecided += 1;
        }
    }
    map
}

/// Renders the model's data-flow diagram as a standalone SVG document.
///
/// `findings` mark what they are about: an element or flow with an undecided threat is drawn
/// red, and each element with threats gets a badge with their count (grey when all of them
/// are decided). The document has a `<title>`, `role="img"`, stable ids and `data-*`
/// attributes (see the module documentation), and is the same bytes for the same input.
#[must_use]
pub fn svg(model: &Model, findings: &[Finding]) -> String {
    if too_large_to_draw(model) {
        return too_large_svg(model);
    }
    let layout = diagram_layout(model);
    render(model, &layout, findings)
}

/// A diagram is drawn for at most this many elements: past it, no one reads the picture, and
/// its size (kilobytes per element) would dwarf the input.
pub const DIAGRAM_MAX_ELEMENTS: usize = 1_000;
/// A diagram is drawn for at most this many flows.
pub const DIAGRAM_MAX_FLOWS: usize = 3_000;

/// Whether the model is past what a diagram can show.
pub fn too_large_to_draw(model: &Model) -> bool {
    model.element_count() > DIAGRAM_MAX_ELEMENTS || model.flow_count() > DIAGRAM_MAX_FLOWS
}

/// What stands in for the diagram of a model too large to draw: it says so, and where the
/// whole model is.
pub(crate) fn too_large_svg(model: &Model) -> String {
    let elements = model.element_count();
    let flows = model.flow_count();
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tm-dfd\" role=\"img\" width=\"640\" \
         height=\"80\" viewBox=\"0 0 640 80\" font-family=\"{FONT}\" font-size=\"12\">\n\
         <title>Data-flow diagram not drawn</title>\n\
         <text x=\"16\" y=\"32\">{elements} elements and {flows} flows: too many to draw (a diagram is \
         drawn up to {DIAGRAM_MAX_ELEMENTS} elements and {DIAGRAM_MAX_FLOWS} flows).</text>\n\
         <text x=\"16\" y=\"56\">The model is complete: trustmap model --format json, or scan a \
         smaller folder.</text>\n</svg>\n"
    )
}

/// Renders a laid-out diagram.
pub(crate) fn render(model: &Model, layout: &DiagramLayout, findings: &[Finding]) -> String {
    let tallies = tallies(findings);
    let legend = legend_items();
    let width = layout.width.max(640);
    let (legend_svg, legend_height) = legend_block(&legend, layout.height, width);
    let height = layout.height + legend_height;
    let boundaries = model.boundaries().len();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tm-dfd\" role=\"img\" \
         aria-labelledby=\"tm-dfd-title tm-dfd-desc\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"{FONT}\" font-size=\"12\">"
    );
    out.push_str("<title id=\"tm-dfd-title\">Data-flow diagram</title>\n");
    let _ = writeln!(
        out,
        "<desc id=\"tm-dfd-desc\">{} elements, {} flows, {} zones, {} trust boundaries</desc>",
        layout.nodes.len(),
        layout.edges.len(),
        layout.zones.len(),
        boundaries
    );
    out.push_str(DEFS);
    let _ = writeln!(
        out,
        "<rect class=\"tm-background\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );

    out.push_str("<g class=\"tm-zones\">\n");
    for zone in &layout.zones {
        write_zone(&mut out, zone, layout);
    }
    out.push_str("</g>\n<g class=\"tm-flows\">\n");
    // Plain flows first, so the highlighted ones are drawn over them.
    let mut edges: Vec<(u8, &EdgeRoute)> = layout
        .edges
        .iter()
        .map(|edge| {
            let threats = tallies
                .get(&Subject::Flow(edge.flow.id.clone()))
                .copied()
                .unwrap_or_default();
            let inward = model.enters_higher_trust(edge.flow);
            (u8::from(inward) + 2 * u8::from(threats.undecided > 0), edge)
        })
        .collect();
    edges.sort_by_key(|(weight, edge)| (*weight, edge.number));
    for (_, edge) in &edges {
        write_flow(&mut out, model, layout, edge, &tallies);
    }
    out.push_str("</g>\n<g class=\"tm-elements\">\n");
    for node in &layout.nodes {
        let threats = tallies
            .get(&Subject::Element(node.element.id.clone()))
            .copied()
            .unwrap_or_default();
        write_node(&mut out, model, node, threats);
    }
    out.push_str("</g>\n<g class=\"tm-labels\">\n");
    for edge in &layout.edges {
        if let Some(label) = &edge.label {
            let threats = tallies
                .get(&Subject::Flow(edge.flow.id.clone()))
                .copied()
                .unwrap_or_default();
            let colour = if threats.undecided > 0 { RED } else { MUTED };
            let r = label.rect;
            let _ = writeln!(
                out,
                "<g class=\"tm-label\" data-flow=\"f{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
                 height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.92\"/><text x=\"{}\" \
                 y=\"{}\" text-anchor=\"middle\" font-size=\"{LABEL_SIZE}\" fill=\"{colour}\">{}</text></g>",
                edge.number,
                r.x,
                r.y,
                r.width,
                r.height,
                r.center().x,
                r.y + 11,
                escape(&label.text)
            );
        }
    }
    out.push_str("</g>\n");
    out.push_str(&legend_svg);
    out.push_str("</svg>\n");
    out
}

/// Arrowheads and the hover and focus styles (class names start with `tm-`, so the SVG can
/// sit inside an HTML page).
const DEFS: &str = "<defs>
<marker id=\"tm-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 1L10 5L0 9z\" fill=\"#6e7781\"/></marker>
<marker id=\"tm-arrow-bold\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"12\" markerHeight=\"12\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 1L10 5L0 9z\" fill=\"#1f2328\"/></marker>
<marker id=\"tm-arrow-red\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"11\" markerHeight=\"11\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 1L10 5L0 9z\" fill=\"#cf222e\"/></marker>
<marker id=\"tm-arrow-focus\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"12\" markerHeight=\"12\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 1L10 5L0 9z\" fill=\"#0969da\"/></marker>
<style>
.tm-flow, .tm-element { cursor: pointer; }
.tm-flow:hover .tm-line, .tm-flow.tm-focus .tm-line { stroke: #0969da; stroke-width: 3px; marker-end: url(#tm-arrow-focus); }
.tm-element:hover .tm-shape, .tm-element.tm-focus .tm-shape { stroke: #0969da; stroke-width: 3px; }
.tm-zone.tm-focus .tm-boundary { stroke-width: 3px; }
</style>
</defs>
";

/// The colours of a zone: outline and title, and fill.
fn zone_colours(trust: TrustLevel) -> (&'static str, &'static str) {
    match trust {
        TrustLevel::Untrusted => ("#6e7781", "#ffffff"),
        TrustLevel::Low => ("#bc4c00", "#fff8f2"),
        TrustLevel::Medium => ("#0969da", "#f6faff"),
        TrustLevel::High => ("#1a7f37", "#f4fbf6"),
        TrustLevel::Privileged => ("#8250df", "#fbf8ff"),
    }
}

fn write_zone(out: &mut String, zone: &ZoneBox, layout: &DiagramLayout) {
    let (stroke, fill) = zone_colours(zone.zone.trust);
    let parent = zone.zone.parent.as_ref().map_or("", |p| p.0.as_str());
    let r = zone.rect;
    let _ = writeln!(
        out,
        "<g id=\"z{}\" class=\"tm-zone\" data-id=\"{id}\" data-zone=\"{id}\" data-parent=\"{}\" \
         data-kind=\"{}\" data-trust=\"{}\"{}>",
        zone.number,
        escape(parent),
        zone.zone.kind.as_str(),
        crate::trust_name(zone.zone.trust),
        zone.parent
            .map(|p| format!(" data-parent-box=\"z{p}\""))
            .unwrap_or_default(),
        id = escape(&zone.zone.id.0),
    );
    let _ = writeln!(
        out,
        "<title>{}&#10;{}&#10;the dashed outline is the trust boundary with {}</title>",
        escape(&crate::diagram::zone_title(zone.zone)),
        escape(&zone.zone.id.0),
        escape(&zone.parent.map_or_else(
            || "the internet".to_string(),
            |p| layout.zones[p].zone.name.clone()
        )),
    );
    let _ = writeln!(
        out,
        "<rect class=\"tm-boundary\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\" \
         fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.6\" stroke-dasharray=\"8 5\"/>",
        r.x, r.y, r.width, r.height
    );
    let _ = writeln!(
        out,
        "<text class=\"tm-zone-title\" x=\"{}\" y=\"{}\" font-size=\"{TITLE_SIZE}\"><tspan \
         font-weight=\"600\" fill=\"{stroke}\">{}</tspan><tspan dx=\"6\" font-size=\"{DETAIL_SIZE}\" \
         fill=\"{MUTED}\">{}</tspan></text>\n</g>",
        zone.title.x,
        r.y + TITLE_BASELINE,
        escape(&zone.name),
        escape(&zone.detail)
    );
}

fn write_node(out: &mut String, model: &Model, node: &NodeBox, threats: Tally) {
    let element = node.element;
    let kind = element.kind.as_str();
    let mut class = format!("tm-element tm-{}", kind.replace('_', "-"));
    if threats.undecided > 0 {
        class.push_str(" tm-threat");
    }
    let _ = writeln!(
        out,
        "<g id=\"n{}\" class=\"{class}\" data-id=\"{}\" data-zone=\"{}\" data-kind=\"{kind}\" \
         data-findings=\"{}\" data-undecided=\"{}\">",
        node.number,
        escape(&element.id.0),
        escape(&element.zone.0),
        threats.total,
        threats.undecided
    );
    let mut tooltip = format!(
        "{}\n{} in {}\n{}",
        element.name,
        kind.replace('_', " "),
        model.zone_of(element).name,
        element.id
    );
    if let Some(technology) = &element.technology {
        let _ = write!(tooltip, "\ntechnology: {technology}");
    }
    if threats.total > 0 {
        let _ = write!(
            tooltip,
            "\n{} threat{} ({} undecided)",
            threats.total,
            plural(threats.total),
            threats.undecided
        );
    }
    let _ = writeln!(out, "<title>{}</title>", escape_multiline(&tooltip));
    let (stroke, stroke_width) = if threats.undecided > 0 {
        (RED, "2.2")
    } else {
        ("#424a53", "1.4")
    };
    let r = node.rect;
    match element.kind {
        ElementKind::ExternalEntity => {
            let _ = writeln!(
                out,
                "<rect class=\"tm-shape\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" \
                 fill=\"#f6f8fa\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"/>",
                r.x, r.y, r.width, r.height
            );
        }
        ElementKind::Process | ElementKind::Identity => {
            let _ = writeln!(
                out,
                "<rect class=\"tm-shape\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"16\" \
                 fill=\"#ffffff\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"/>",
                r.x, r.y, r.width, r.height
            );
        }
        ElementKind::DataStore => {
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n<path \
                 class=\"tm-shape\" d=\"M{} {}H{}M{} {}H{}\" fill=\"none\" stroke=\"{stroke}\" \
                 stroke-width=\"{stroke_width}\"/>",
                r.x,
                r.y,
                r.width,
                r.height,
                r.x,
                r.y,
                r.right(),
                r.x,
                r.bottom(),
                r.right()
            );
        }
    }
    let center = r.center();
    let name_y = if node.detail.is_some() {
        center.y - 1
    } else {
        center.y + 5
    };
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{name_y}\" text-anchor=\"middle\" font-size=\"{NAME_SIZE}\" \
         font-weight=\"600\" fill=\"{INK}\">{}</text>",
        center.x,
        escape(&node.name)
    );
    if let Some(detail) = &node.detail {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{DETAIL_SIZE}\" \
             fill=\"{MUTED}\">{}</text>",
            center.x,
            center.y + 13,
            escape(detail)
        );
    }
    if threats.total > 0 {
        let count = threats.total.to_string();
        let radius = 9 + 3 * i32::try_from(count.len().saturating_sub(1)).unwrap_or(0);
        let fill = if threats.undecided > 0 { RED } else { LINE };
        let _ = writeln!(
            out,
            "<g class=\"tm-badge\"><circle cx=\"{}\" cy=\"{}\" r=\"{radius}\" fill=\"{fill}\" \
             stroke=\"#ffffff\" stroke-width=\"1.5\"/><text x=\"{}\" y=\"{}\" \
             text-anchor=\"middle\" font-size=\"10\" font-weight=\"700\" \
             fill=\"#ffffff\">{count}</text></g>",
            r.right() - 4,
            r.y + 3,
            r.right() - 4,
            r.y + 7
        );
    }
    out.push_str("</g>\n");
}

fn write_flow(
    out: &mut String,
    model: &Model,
    layout: &DiagramLayout,
    edge: &EdgeRoute,
    tallies: &BTreeMap<&Subject, Tally>,
) {
    let flow = edge.flow;
    let threats = tallies
        .get(&Subject::Flow(flow.id.clone()))
        .copied()
        .unwrap_or_default();
    let crossed = model.boundaries_crossed(flow).len();
    let inward = model.enters_higher_trust(flow);
    let mut class = String::from("tm-flow");
    if inward {
        class.push_str(" tm-inward");
    }
    if threats.undecided > 0 {
        class.push_str(" tm-threat");
    }
    let source = &layout.nodes[edge.source];
    let target = &layout.nodes[edge.target];
    let _ = writeln!(
        out,
        "<g id=\"f{}\" class=\"{class}\" data-id=\"{}\" data-source=\"n{}\" data-target=\"n{}\" \
         data-source-id=\"{}\" data-target-id=\"{}\" data-zone=\"{}\" data-crosses=\"{crossed}\" \
         data-findings=\"{}\" data-undecided=\"{}\">",
        edge.number,
        escape(&flow.id.0),
        edge.source,
        edge.target,
        escape(&flow.source.0),
        escape(&flow.target.0),
        escape(&target.element.zone.0),
        threats.total,
        threats.undecided
    );
    let mut tooltip = format!("{} → {}", source.element.name, target.element.name);
    if let Some(label) = crate::flow_label(flow) {
        let _ = write!(tooltip, " ({label})");
    }
    let _ = write!(tooltip, "\n{}\nfrom {}", flow.id, flow.origin);
    if crossed > 0 {
        let _ = write!(
            tooltip,
            "\ncrosses {crossed} trust boundar{}{}",
            if crossed == 1 { "y" } else { "ies" },
            if inward { " into higher trust" } else { "" }
        );
    }
    if threats.total > 0 {
        let _ = write!(
            tooltip,
            "\n{} threat{} ({} undecided)",
            threats.total,
            plural(threats.total),
            threats.undecided
        );
    }
    let _ = writeln!(out, "<title>{}</title>", escape_multiline(&tooltip));
    let d = path_data(&edge.points);
    let (stroke, width, marker) = match (threats.undecided > 0, inward) {
        (true, true) => (RED, "2.4", "tm-arrow-red"),
        (true, false) => (RED, "1.8", "tm-arrow-red"),
        (false, true) => ("#32383f", "2.2", "tm-arrow-bold"),
        (false, false) => (LINE, "1.4", "tm-arrow"),
    };
    let _ = writeln!(
        out,
        "<path class=\"tm-hit\" d=\"{d}\" fill=\"none\" stroke=\"#000000\" stroke-opacity=\"0\" \
         stroke-width=\"12\"/>\n<path class=\"tm-line\" d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" \
         stroke-width=\"{width}\" stroke-linejoin=\"round\" marker-end=\"url(#{marker})\"/>\n</g>"
    );
}

/// An orthogonal polyline with its corners rounded.
fn path_data(points: &[Point]) -> String {
    let Some(first) = points.first() else {
        return String::new();
    };
    let mut d = format!("M{} {}", first.x, first.y);
    for k in 1..points.len() {
        let b = points[k];
        if k + 1 == points.len() {
            let _ = write!(d, "L{} {}", b.x, b.y);
            break;
        }
        let (a, c) = (points[k - 1], points[k + 1]);
        let before = (b.x - a.x).abs() + (b.y - a.y).abs();
        let after = (c.x - b.x).abs() + (c.y - b.y).abs();
        let r = 6.min(before / 2).min(after / 2);
        let p = Point {
            x: b.x - (b.x - a.x).signum() * r,
            y: b.y - (b.y - a.y).signum() * r,
        };
        let q = Point {
            x: b.x + (c.x - b.x).signum() * r,
            y: b.y + (c.y - b.y).signum() * r,
        };
        let _ = write!(d, "L{} {}Q{} {} {} {}", p.x, p.y, b.x, b.y, q.x, q.y);
    }
    d
}

/// One legend entry: its symbol and its text.
struct LegendItem {
    symbol: fn(i32, i32) -> String,
    text: &'static str,
}

fn legend_items() -> Vec<LegendItem> {
    vec![
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<rect x=\"{x}\" y=\"{}\" width=\"26\" height=\"16\" fill=\"#f6f8fa\" \
                     stroke=\"#424a53\" stroke-width=\"1.4\"/>",
                    y - 8
                )
            },
            text: "external entity",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<rect x=\"{x}\" y=\"{}\" width=\"26\" height=\"16\" rx=\"7\" \
                     fill=\"#ffffff\" stroke=\"#424a53\" stroke-width=\"1.4\"/>",
                    y - 8
                )
            },
            text: "process",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<path d=\"M{x} {}h26M{x} {}h26\" stroke=\"#424a53\" stroke-width=\"1.4\"/>",
                    y - 8,
                    y + 8
                )
            },
            text: "data store",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<rect x=\"{x}\" y=\"{}\" width=\"26\" height=\"16\" rx=\"3\" fill=\"none\" \
                     stroke=\"#0969da\" stroke-width=\"1.6\" stroke-dasharray=\"5 3\"/>",
                    y - 8
                )
            },
            text: "zone; its dashed outline is a trust boundary",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<path d=\"M{x} {y}h26\" stroke=\"{LINE}\" stroke-width=\"1.4\" \
                     marker-end=\"url(#tm-arrow)\"/>"
                )
            },
            text: "flow",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<path d=\"M{x} {y}h26\" stroke=\"#32383f\" stroke-width=\"2.2\" \
                     marker-end=\"url(#tm-arrow-bold)\"/>"
                )
            },
            text: "flow into higher trust",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<path d=\"M{x} {y}h26\" stroke=\"{RED}\" stroke-width=\"1.8\" \
                     marker-end=\"url(#tm-arrow-red)\"/>"
                )
            },
            text: "undecided threats",
        },
        LegendItem {
            symbol: |x, y| {
                format!(
                    "<circle cx=\"{}\" cy=\"{y}\" r=\"9\" fill=\"{RED}\"/><text x=\"{}\" y=\"{}\" \
                     text-anchor=\"middle\" font-size=\"10\" font-weight=\"700\" \
                     fill=\"#ffffff\">2</text>",
                    x + 13,
                    x + 13,
                    y + 4
                )
            },
            text: "threats on an element (grey: all decided)",
        },
    ]
}

/// The legend below the diagram, wrapped to the width; returns it and its height.
fn legend_block(items: &[LegendItem], top: i32, width: i32) -> (String, i32) {
    let mut out = String::from("<g class=\"tm-legend\" font-size=\"11\">\n");
    let left = 28;
    let mut x = left;
    let mut row = 0;
    for item in items {
        let size = 26 + 8 + text_width(item.text, 11) + 22;
        if x + size > width - left && x > left {
            x = left;
            row += 1;
        }
        let y = top + 8 + row * LEGEND_ROW + LEGEND_ROW / 2;
        out.push_str(&(item.symbol)(x, y));
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{MUTED}\">{}</text>",
            x + 34,
            y + 4,
            item.text
        );
        x += size;
    }
    out.push_str("</g>\n");
    (out, 8 + (row + 1) * LEGEND_ROW + 12)
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Escapes text for XML and HTML, in content and in double- or single-quoted attributes. Line
/// breaks and other control characters become spaces; the two non-characters XML forbids
/// become U+FFFD.
pub(crate) fn escape(text: &str) -> String {
    escape_chars(text, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        '\u{FFFE}' | '\u{FFFF}' => Some("\u{FFFD}"),
        _ => None,
    })
}

/// [`escape`], keeping line breaks as character references (for tooltips).
pub(crate) fn escape_multiline(text: &str) -> String {
    escape_chars(text, |c| match c {
        '\n' => Some("&#10;"),
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        '\'' => Some("&#39;"),
        '\u{FFFE}' | '\u{FFFF}' => Some("\u{FFFD}"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>\n\u{FFFF}"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt; \u{FFFD}"
        );
        assert_eq!(escape_multiline("a\nb<"), "a&#10;b&lt;");
    }

    #[test]
    fn corners_are_rounded_but_ends_are_exact() {
        let points = [
            Point { x: 0, y: 0 },
            Point { x: 20, y: 0 },
            Point { x: 20, y: 30 },
        ];
        assert_eq!(path_data(&points), "M0 0L14 0Q20 0 20 6L20 30");
    }
}

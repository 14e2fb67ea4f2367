//! The SVG data-flow diagram and the HTML report: the layout's geometry on a 30-service platform
//! and on a generated 90-service system (no overlapping boxes, every box inside its zone,
//! orthogonal routes that go around boxes, labels clear of boxes and of each other), the SVG as
//! well-formed XML with its ids and data attributes, the HTML as one self-contained page with
//! filterable threat rows, and both byte-identical across runs.

mod common;

use common::{element, flow, generated, platform, zone};
use roxmltree::Document;
use trustmap_model::Code;
use trustmap_model::{
    AttrName, Diagnostic, DiagnosticLevel, ElementKind, Fragment, INTERNET_ELEMENT, Model, Span,
    Tri, TrustLevel, ZoneKind,
};
use trustmap_report::{DiagramLayout, Point, Rect, diagram_layout, html_report, svg};
use trustmap_rules::{Decision, DecisionKind, Finding, RuleSet, evaluate};

/// Everything wrong with a layout's geometry, as sentences (empty when it is clean).
fn problems(layout: &DiagramLayout) -> Vec<String> {
    let mut found = Vec::new();
    let canvas = Rect {
        x: 0,
        y: 0,
        width: layout.width,
        height: layout.height,
    };
    // The zones around each zone, by number.
    let ancestors = |mut zone: Option<usize>| {
        let mut chain = Vec::new();
        while let Some(z) = zone {
            chain.push(z);
            zone = layout.zones[z].parent;
        }
        chain
    };
    for (index, zone) in layout.zones.iter().enumerate() {
        assert_eq!(zone.number, index, "zones are indexed by number");
        if !canvas.contains(&zone.rect) {
            found.push(format!("zone z{index} leaves the canvas"));
        }
        if let Some(parent) = zone.parent
            && !layout.zones[parent].rect.contains(&zone.rect)
        {
            found.push(format!("zone z{index} is not inside its parent z{parent}"));
        }
        if !zone.rect.contains(&zone.title) {
            found.push(format!("zone z{index}'s title is not inside its box"));
        }
        for (other_index, other) in layout.zones.iter().enumerate().skip(index + 1) {
            let nested = ancestors(Some(other_index)).contains(&index)
                || ancestors(Some(index)).contains(&other_index);
            if !nested && zone.rect.overlaps(&other.rect) {
                found.push(format!("zones z{index} and z{other_index} overlap"));
            }
        }
    }
    for (index, node) in layout.nodes.iter().enumerate() {
        assert_eq!(node.number, index, "nodes are indexed by number");
        let r = node.rect;
        if !canvas.contains(&r) {
            found.push(format!("node n{index} leaves the canvas"));
        }
        let around = ancestors(node.zone);
        for (z, zone) in layout.zones.iter().enumerate() {
            if around.contains(&z) {
                if !zone.rect.contains(&r) {
                    found.push(format!("node n{index} is not inside its zone z{z}"));
                }
                if zone.title.overlaps(&r) {
                    found.push(format!("node n{index} covers the title of z{z}"));
                }
            } else if zone.rect.overlaps(&r) {
                found.push(format!(
                    "node n{index} overlaps zone z{z}, which is not its own"
                ));
            }
        }
        for (other_index, other) in layout.nodes.iter().enumerate().skip(index + 1) {
            if r.overlaps(&other.rect) {
                found.push(format!("nodes n{index} and n{other_index} overlap"));
            }
        }
    }
    for edge in &layout.edges {
        let f = edge.number;
        let points = &edge.points;
        if points.len() < 2 {
            found.push(format!("flow f{f} has no route"));
            continue;
        }
        for pair in points.windows(2) {
            if pair[0].x != pair[1].x && pair[0].y != pair[1].y {
                found.push(format!("flow f{f} has a diagonal segment"));
            }
            for node in &layout.nodes {
                if cuts(&node.rect, pair[0], pair[1]) {
                    found.push(format!("flow f{f} passes through node n{}", node.number));
                }
            }
        }
        if edge.source != edge.target {
            let on_border = |rect: &Rect, p: Point| {
                rect.contains_point(p)
                    && (p.x == rect.x
                        || p.x == rect.right()
                        || p.y == rect.y
                        || p.y == rect.bottom())
            };
            if !on_border(&layout.nodes[edge.source].rect, points[0]) {
                found.push(format!("flow f{f} does not start on its source's border"));
            }
            if !on_border(&layout.nodes[edge.target].rect, *points.last().unwrap()) {
                found.push(format!("flow f{f} does not end on its target's border"));
            }
        }
        if let Some(label) = &edge.label {
            for node in &layout.nodes {
                if label.rect.overlaps(&node.rect) {
                    found.push(format!("the label of f{f} covers node n{}", node.number));
                }
            }
            for zone in &layout.zones {
                if label.rect.overlaps(&zone.title) {
                    found.push(format!(
                        "the label of f{f} covers the title of z{}",
                        zone.number
                    ));
                }
            }
        }
    }
    found
}

/// Whether an axis-parallel segment passes through the interior of a rectangle.
fn cuts(rect: &Rect, a: Point, b: Point) -> bool {
    let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
    let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
    x0 < rect.right() && x1 > rect.x && y0 < rect.bottom() && y1 > rect.y
}

/// How many pairs of flow labels overlap.
fn overlapping_labels(layout: &DiagramLayout) -> usize {
    let labels: Vec<Rect> = layout
        .edges
        .iter()
        .filter_map(|e| e.label.as_ref().map(|l| l.rect))
        .collect();
    let mut count = 0;
    for (i, a) in labels.iter().enumerate() {
        count += labels[i + 1..].iter().filter(|b| a.overlaps(b)).count();
    }
    count
}

#[test]
fn thirty_services_lay_out_without_overlaps_inside_their_zones() {
    let model = platform();
    assert!(
        model.elements().count() > 30,
        "the fixture is a 30-service system"
    );
    assert!(model.flows().count() > 50);
    let layout = diagram_layout(&model);
    assert_eq!(layout.nodes.len(), model.elements().count());
    assert_eq!(layout.edges.len(), model.flows().count());
    // Every zone holds an element here (the internet has no box of its own).
    assert_eq!(layout.zones.len(), model.zones().count() - 1);
    let found = problems(&layout);
    assert!(found.is_empty(), "{}", found.join("\n"));
    assert_eq!(overlapping_labels(&layout), 0, "labels overlap");
    assert!(layout.edges.iter().all(|e| e.label.is_some()));
    // Wide is fine; absurd is not.
    assert!(
        layout.width < 5000 && layout.height < 2000,
        "{}x{}",
        layout.width,
        layout.height
    );
}

#[test]
fn the_internet_comes_first_and_flows_read_left_to_right() {
    let model = platform();
    let layout = diagram_layout(&model);
    let node = |id: &str| {
        layout
            .nodes
            .iter()
            .find(|n| n.element.id.0 == id)
            .unwrap_or_else(|| panic!("no node {id}"))
    };
    let internet = node(INTERNET_ELEMENT);
    assert_eq!(internet.number, 0, "numbers follow the Mermaid output");
    assert_eq!(internet.zone, None);
    let leftmost = layout.nodes.iter().map(|n| n.rect.x).min().unwrap();
    assert_eq!(internet.rect.x, leftmost);
    for (from, to) in [
        ("k8s:workload/ingress-nginx", "k8s:workload/web"),
        ("k8s:workload/api-gateway", "k8s:workload/orders"),
        ("k8s:workload/orders", "k8s:workload/postgres-orders"),
    ] {
        assert!(
            node(from).rect.right() < node(to).rect.x,
            "{from} should stand left of {to}"
        );
    }
    // Columns of many items wrap rather than grow without end.
    let tallest = layout.nodes.iter().map(|n| n.rect.bottom()).max().unwrap();
    assert!(tallest < 1200);
}

#[test]
fn a_generated_system_of_90_services_stays_clean() {
    let model = generated(90, 6);
    let layout = diagram_layout(&model);
    assert_eq!(layout.nodes.len(), 91);
    let found = problems(&layout);
    assert!(found.is_empty(), "{}", found.join("\n"));
    let labels = layout.edges.iter().filter(|e| e.label.is_some()).count();
    let overlaps = overlapping_labels(&layout);
    assert!(
        overlaps * 20 <= labels,
        "{overlaps} of {labels} labels overlap another"
    );
}

#[test]
fn a_model_without_zones_or_flows_still_draws() {
    let model = Model::build(vec![]);
    let layout = diagram_layout(&model);
    assert_eq!(layout.nodes.len(), 1);
    assert!(layout.zones.is_empty() && layout.edges.is_empty());
    let text = svg(&model, &[]);
    Document::parse(&text).expect("well-formed");
}

/// A small compose-like model: a privileged web service in a front network, a database in a
/// back network of higher trust, a payments API with markup in its name, a self-call.
fn small() -> Model {
    let mut web = element(
        "compose:shop/service/web",
        "web",
        ElementKind::Process,
        "compose:shop/network/front",
    );
    web.attributes
        .set_flag(AttrName::Privileged, Tri::Yes, web.span.clone());
    let db = element(
        "compose:shop/service/db",
        "db",
        ElementKind::DataStore,
        "compose:shop/network/back",
    );
    let payments = element(
        "external:payments",
        "Payments <API> & \"co\" 'x'",
        ElementKind::ExternalEntity,
        "internet",
    );
    Model::build(vec![Fragment {
        zones: vec![
            zone(
                "compose:shop",
                "shop & co",
                ZoneKind::Project,
                "internet",
                TrustLevel::Low,
            ),
            zone(
                "compose:shop/network/front",
                "front",
                ZoneKind::Network,
                "compose:shop",
                TrustLevel::Medium,
            ),
            zone(
                "compose:shop/network/back",
                "back <\"end\">",
                ZoneKind::Network,
                "compose:shop",
                TrustLevel::High,
            ),
        ],
        elements: vec![web, db, payments],
        flows: vec![
            flow(INTERNET_ELEMENT, "compose:shop/service/web", "http", "80"),
            flow(
                "compose:shop/service/web",
                "compose:shop/service/db",
                "postgres",
                "5432",
            ),
            flow(
                "compose:shop/service/web",
                "external:payments",
                "https",
                "443",
            ),
            flow(
                "compose:shop/service/web",
                "compose:shop/service/web",
                "http",
                "8080",
            ),
        ],
        diagnostics: vec![],
    }])
}

const PRIVILEGED: &str = r#"
id: TM-E001
title: Privileged <container>
stride: [elevation_of_privilege]
applies_to: process
severity: high
condition:
  attr: privileged
message: "{name} runs privileged & owns the host"
description: A privileged container has every capability.
mitigation: Remove `privileged`.
references:
  cwe: [250]
  links: ["https://docs.docker.com/engine/containers/run/", "javascript:alert(1)"]
"#;

const INTO_HIGHER_TRUST: &str = r#"
id: TM-I001
title: Flow into higher trust
stride: information_disclosure
applies_to: data_flow
severity: medium
condition:
  crosses_boundary: into_higher_trust
message: "{name} crosses into a zone of higher trust"
description: d
mitigation: m
"#;

fn rules() -> RuleSet {
    let mut set = RuleSet::default();
    for (file, text) in [("E.yaml", PRIVILEGED), ("I.yaml", INTO_HIGHER_TRUST)] {
        set.add(trustmap_rules::parse_rule(file, text).unwrap_or_else(|e| panic!("{e}")))
            .unwrap();
    }
    set
}

/// The small model's findings, the flow's decided (and expired) so the decisions show.
fn findings(model: &Model, rules: &RuleSet) -> Vec<Finding> {
    let mut findings = evaluate(model, rules);
    assert_eq!(findings.len(), 3, "{findings:#?}");
    for finding in &mut findings {
        if finding.rule_id == "TM-I001" && finding.subject.id().contains("service/db") {
            finding.decision = Some(Decision {
                kind: DecisionKind::Accept,
                owner: Some("data <team>".into()),
                reason: "TLS inside the cluster & \"soon\"".into(),
                ticket: Some("SEC-1".into()),
                expires: Some("2020-01-01".into()),
                detail: None,
                inline: false,
                span: Span::lines("trustmap.yaml", 4, 8),
                expired: true,
            });
        }
        if finding.rule_id == "TM-I001" && finding.subject.id().starts_with(INTERNET_ELEMENT) {
            finding.decision = Some(Decision {
                kind: DecisionKind::Mitigate,
                owner: Some("edge".into()),
                reason: "the proxy terminates TLS".into(),
                ticket: None,
                expires: Some("2999-01-01".into()),
                detail: Some("nginx".into()),
                inline: true,
                span: Span::lines("deploy/web.yaml", 2, 2),
                expired: false,
            });
        }
    }
    findings
}

fn diagnostics() -> Vec<Diagnostic> {
    vec![
        Diagnostic::file(
            DiagnosticLevel::Error,
            Code::YamlSyntax,
            "broken dir/x.yaml",
            "bad <indent>",
        ),
        Diagnostic::file(
            DiagnosticLevel::Note,
            Code::DuplicateId,
            "",
            "declared twice",
        ),
    ]
}

#[test]
fn svg_is_well_formed_with_a_title_stable_ids_and_data_attributes() {
    let model = small();
    let rules = rules();
    let findings = findings(&model, &rules);
    let text = svg(&model, &findings);
    let document = Document::parse(&text).expect("the SVG is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"));
    let title = root
        .children()
        .find(|n| n.has_tag_name("title"))
        .expect("a <title> first");
    assert_eq!(title.text(), Some("Data-flow diagram"));

    let by_id = |id: &str| {
        document
            .descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no #{id}"))
    };
    // Elements: n0 is the internet, every element once, with its model id and zone.
    assert_eq!(by_id("n0").attribute("data-id"), Some(INTERNET_ELEMENT));
    assert_eq!(by_id("n0").attribute("data-zone"), Some("internet"));
    for element in model.elements() {
        let nodes: Vec<_> = document
            .descendants()
            .filter(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("tm-element"))
                    && n.attribute("data-id") == Some(element.id.0.as_str())
            })
            .collect();
        assert_eq!(nodes.len(), 1, "{}", element.id);
        assert_eq!(
            nodes[0].attribute("data-zone"),
            Some(element.zone.0.as_str())
        );
        assert_eq!(nodes[0].attribute("data-kind"), Some(element.kind.as_str()));
    }
    // The escaped name reads back as it was.
    let payments = document
        .descendants()
        .find(|n| n.attribute("data-id") == Some("external:payments"))
        .unwrap();
    let texts: Vec<&str> = payments
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&"Payments <API> & \"co\" 'x'"), "{texts:?}");
    // Zones: z0 is the project, its title escaped, nested zones name their parent.
    let z0 = by_id("z0");
    assert_eq!(z0.attribute("data-id"), Some("compose:shop"));
    assert_eq!(z0.attribute("data-trust"), Some("low"));
    let back = document
        .descendants()
        .find(|n| n.attribute("data-id") == Some("compose:shop/network/back"))
        .unwrap();
    assert_eq!(back.attribute("data-parent"), Some("compose:shop"));
    let title: String = back
        .descendants()
        .filter(|n| n.has_tag_name("tspan"))
        .filter_map(|n| n.text())
        .collect();
    assert!(title.starts_with("back <\"end\">"), "{title}");
    // Flows: one group per flow, with both ends.
    for flow in model.flows() {
        let group = document
            .descendants()
            .find(|n| {
                n.attribute("class")
                    .is_some_and(|c| c.starts_with("tm-flow"))
                    && n.attribute("data-id") == Some(flow.id.0.as_str())
            })
            .unwrap_or_else(|| panic!("no flow {}", flow.id));
        assert_eq!(
            group.attribute("data-source-id"),
            Some(flow.source.0.as_str())
        );
        assert_eq!(
            group.attribute("data-target-id"),
            Some(flow.target.0.as_str())
        );
        assert!(group.attribute("id").unwrap().starts_with('f'));
    }
}

#[test]
fn svg_marks_threats_boundaries_and_flows_into_higher_trust() {
    let model = small();
    let rules = rules();
    let findings = findings(&model, &rules);
    let text = svg(&model, &findings);
    let document = Document::parse(&text).unwrap();
    let find = |id: &str| {
        document
            .descendants()
            .find(|n| n.attribute("data-id") == Some(id))
            .unwrap()
    };
    // The privileged web service: one undecided threat, red, with a badge that counts it.
    let web = find("compose:shop/service/web");
    assert_eq!(web.attribute("data-findings"), Some("1"));
    assert!(web.attribute("class").unwrap().contains("tm-threat"));
    let badge = web
        .descendants()
        .find(|n| n.attribute("class") == Some("tm-badge"))
        .expect("a badge");
    assert!(badge.descendants().any(|n| n.text() == Some("1")));
    let shape = web
        .descendants()
        .find(|n| n.attribute("class") == Some("tm-shape"))
        .unwrap();
    assert_eq!(shape.attribute("stroke"), Some("#cf222e"));
    assert_eq!(shape.attribute("rx"), Some("16"), "processes are rounded");
    // The database is an open-ended box: its outline is two horizontal lines.
    let db = find("compose:shop/service/db");
    let lines = db
        .descendants()
        .find(|n| n.attribute("class") == Some("tm-shape"))
        .unwrap();
    assert_eq!(lines.tag_name().name(), "path");
    assert_eq!(lines.attribute("d").unwrap().matches('H').count(), 2);
    // Web to db enters higher trust; its threat's decision has expired, so it is red.
    let to_db = model
        .flows()
        .find(|f| f.target.0 == "compose:shop/service/db")
        .unwrap();
    let group = find(&to_db.id.0);
    let class = group.attribute("class").unwrap();
    assert!(
        class.contains("tm-inward") && class.contains("tm-threat"),
        "{class}"
    );
    assert_eq!(group.attribute("data-crosses"), Some("2"));
    // The internet's flow is decided: thick (into higher trust) but not red.
    let inbound = model
        .flows()
        .find(|f| f.source.0 == INTERNET_ELEMENT)
        .unwrap();
    let group = find(&inbound.id.0);
    let class = group.attribute("class").unwrap();
    assert!(
        class.contains("tm-inward") && !class.contains("tm-threat"),
        "{class}"
    );
    // Trust boundaries are dashed outlines.
    let boundaries: Vec<_> = document
        .descendants()
        .filter(|n| n.attribute("class") == Some("tm-boundary"))
        .collect();
    assert_eq!(boundaries.len(), 3);
    assert!(
        boundaries
            .iter()
            .all(|b| b.attribute("stroke-dasharray").is_some())
    );
    // Labels say protocol and port.
    assert!(text.contains(">postgres/5432</text>"));
}

#[test]
fn svg_and_html_are_byte_identical_across_runs() {
    let rules = RuleSet::builtin().unwrap();
    let first = platform();
    let second = platform();
    let findings_first = evaluate(&first, &rules);
    let findings_second = evaluate(&second, &rules);
    assert!(!findings_first.is_empty());
    assert_eq!(svg(&first, &findings_first), svg(&second, &findings_second));
    assert_eq!(
        html_report(
            &first,
            &findings_first,
            &rules,
            &diagnostics(),
            Some("drift")
        ),
        html_report(
            &second,
            &findings_second,
            &rules,
            &diagnostics(),
            Some("drift")
        )
    );
    let small_rules = self::rules();
    let model = small();
    let findings = findings(&model, &small_rules);
    let mut shuffled = diagnostics();
    shuffled.reverse();
    assert_eq!(
        html_report(&model, &findings, &small_rules, &diagnostics(), None),
        html_report(&model, &findings, &small_rules, &shuffled, None),
        "diagnostics are sorted"
    );
}

/// Every value of an attribute in the page, with the tag it sits in.
fn attribute_values<'t>(html: &'t str, attribute: &str) -> Vec<(&'t str, &'t str)> {
    let needle = format!(" {attribute}=\"");
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = html[from..].find(&needle) {
        let start = from + at + needle.len();
        let end = start + html[start..].find('"').expect("a closed attribute");
        let tag_start = html[..start].rfind('<').expect("inside a tag");
        let tag = html[tag_start + 1..].split([' ', '>']).next().unwrap();
        found.push((tag, &html[start..end]));
        from = end;
    }
    found
}

#[test]
fn html_is_one_self_contained_page() {
    let model = small();
    let rules = rules();
    let findings = findings(&model, &rules);
    let html = html_report(&model, &findings, &rules, &diagnostics(), None);
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(html.ends_with("</html>\n"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    // Nothing is loaded: no src at all, no stylesheet or script files, no CSS imports.
    assert!(attribute_values(&html, "src").is_empty());
    for forbidden in [
        "<link",
        "<img",
        "<iframe",
        "@import",
        "url(http",
        "<script src",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    for value in html.split("url(").skip(1) {
        assert!(
            value.starts_with('#'),
            "only fragment urls: url({value:.20}"
        );
    }
    // Web links are links a reader clicks; every other link is relative or in the page.
    for (tag, href) in attribute_values(&html, "href") {
        if href.starts_with("https://") || href.starts_with("http://") {
            assert_eq!(tag, "a", "{href}");
        } else {
            assert!(!href.contains("://") && !href.starts_with('/'), "{href}");
            assert!(
                !href.to_ascii_lowercase().starts_with("javascript"),
                "{href}"
            );
        }
    }
    assert!(
        html.contains("javascript:alert(1)"),
        "an unsafe reference stays as text"
    );
    assert!(!html.contains("href=\"javascript"));
    // The inline SVG is the diagram, and it is well-formed on its own.
    let start = html.find("<svg").unwrap();
    let end = html.find("</svg>").unwrap() + "</svg>".len();
    Document::parse(&html[start..end]).expect("the inline SVG is well-formed");
    assert_eq!(html.matches("<svg").count(), 1);
    // Text is escaped: no markup from the model, the rules or the findings gets through.
    assert!(!html.contains("<API>") && !html.contains("<container>") && !html.contains("<team>"));
    assert!(html.contains("Privileged &lt;container&gt;"));
    assert!(html.contains("data &lt;team&gt;"));
}

#[test]
fn html_threat_rows_carry_what_the_filters_need() {
    let model = small();
    let rules = rules();
    let findings = findings(&model, &rules);
    let html = html_report(&model, &findings, &rules, &diagnostics(), None);
    for id in [
        "summary",
        "diagram",
        "threats",
        "threats-table",
        "decisions",
        "diagnostics",
        "threat-count",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "#{id}");
    }
    assert!(
        !html.contains("id=\"drift\""),
        "no drift section without drift"
    );
    for letter in ["S", "T", "R", "I", "D", "E"] {
        assert!(
            html.contains(&format!("data-filter-stride=\"{letter}\"")),
            "{letter}"
        );
    }
    for severity in ["critical", "high", "medium", "low"] {
        assert!(html.contains(&format!("data-filter-severity=\"{severity}\"")));
    }
    assert!(html.contains("data-filter-decided"));
    let rows: Vec<&str> = html
        .lines()
        .filter(|l| l.starts_with("<tr id=\"t"))
        .collect();
    assert_eq!(rows.len(), findings.len());
    let row = rows
        .iter()
        .find(|r| r.contains("data-rule=\"TM-E001\""))
        .unwrap();
    assert!(row.contains("data-stride=\"E\""), "{row}");
    assert!(row.contains("data-severity=\"high\""), "{row}");
    assert!(row.contains("data-decided=\"false\""), "{row}");
    assert!(
        row.contains("data-subject=\"compose:shop/service/web\""),
        "{row}"
    );
    // Each row knows its subject's id in the diagram, which exists there.
    for row in &rows {
        let diagram = row.split("data-diagram=\"").nth(1).unwrap();
        let id = &diagram[..diagram.find('"').unwrap()];
        assert!(html.contains(&format!("<g id=\"{id}\"")), "{id}");
    }
    // Undecided threats first; the decided one is marked.
    let decided = rows
        .iter()
        .position(|r| r.contains("data-decided=\"true\""))
        .unwrap();
    assert_eq!(decided, rows.len() - 1);
    // Source links point at the line, relative to the scan root.
    assert!(
        html.contains("href=\"deploy/web.yaml#L1\""),
        "the finding's file and line"
    );
}

#[test]
fn html_lists_decisions_diagnostics_and_drift() {
    let model = small();
    let rules = rules();
    let findings = findings(&model, &rules);
    let drift = "weakening\n  web: <b>privileged</b> went from no to yes\n";
    let html = html_report(&model, &findings, &rules, &diagnostics(), Some(drift));
    let section = |id: &str| {
        let start = html.find(&format!("<section id=\"{id}\"")).unwrap();
        &html[start..start + html[start..].find("</section>").unwrap()]
    };
    let decisions = section("decisions");
    assert!(decisions.contains("Decisions (2)"));
    assert!(decisions.contains("data &lt;team&gt;"));
    assert!(decisions.contains("TLS inside the cluster &amp; &quot;soon&quot;"));
    assert!(decisions.contains("expired on 2020-01-01"));
    assert!(decisions.contains("data-expired=\"true\""));
    assert!(decisions.contains("mitigated (nginx)"));
    assert!(decisions.contains("2999-01-01"));
    assert!(decisions.contains("href=\"trustmap.yaml#L4\""));
    let diagnostics = section("diagnostics");
    assert!(diagnostics.contains("yaml-syntax"));
    assert!(diagnostics.contains("href=\"broken%20dir/x.yaml#L1\""));
    assert!(diagnostics.contains("bad &lt;indent&gt;"));
    assert!(
        html.contains("role=\"alert\""),
        "an error makes the scan incomplete"
    );
    let drift = section("drift");
    assert!(drift.contains("web: &lt;b&gt;privileged&lt;/b&gt; went from no to yes\n"));
    let summary = section("diagram");
    assert!(summary.contains("<svg"));
}

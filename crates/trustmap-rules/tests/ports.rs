//! Ports and protocols in rules: the `port` operator's three-valued answer on numbers, ranges,
//! every port and named ports; protocol names checked against the vocabulary when a rule
//! loads; messages that say "all traffic on every port" in words.

use trustmap_model::{
    Attributes, Element, ElementId, ElementKind, Flow, Fragment, Model, Span, TrustLevel, Zone,
    ZoneId, ZoneKind,
};
use trustmap_rules::{Certainty, RuleSet, Subject, evaluate, parse_rule};

fn element(id: &str) -> Element {
    Element {
        id: ElementId(id.into()),
        kind: ElementKind::Process,
        name: id.into(),
        technology: None,
        zone: ZoneId("z".into()),
        attached_zones: vec![],
        called_from: None,
        span: Some(Span::lines("x.yaml", 1, 1)),
        attributes: Attributes::default(),
    }
}

/// One flow per kind of port, each to its own target, named after it.
fn model() -> Model {
    let flows = [
        ("ssh", Some("ssh"), vec!["22"]),
        ("range", Some("tcp"), vec!["20-30"]),
        ("web", Some("https"), vec!["80", "443"]),
        ("every", Some("all"), vec!["*"]),
        ("named", None, vec!["http"]),
        ("none", Some("tcp"), vec![]),
    ];
    let mut elements = vec![element("client")];
    let mut built = Vec::new();
    for (line, (target, protocol, ports)) in flows.into_iter().enumerate() {
        elements.push(element(target));
        built.push(Flow::new(
            ElementId("client".into()),
            ElementId(target.into()),
            protocol.map(str::to_string),
            ports.into_iter().map(str::to_string).collect(),
            "test",
            Some(Span::lines("x.yaml", line as u32 + 2, line as u32 + 2)),
        ));
    }
    Model::build(vec![Fragment {
        zones: vec![Zone {
            id: ZoneId("z".into()),
            kind: ZoneKind::Network,
            name: "z".into(),
            parent: None,
            trust: TrustLevel::Medium,
            span: None,
            attributes: Attributes::default(),
        }],
        elements,
        flows: built,
        diagnostics: vec![],
    }])
}

fn rule(condition: &str, message: &str) -> String {
    format!(
        "id: TM-S900\ntitle: t\nstride: [spoofing]\napplies_to: [data_flow]\nseverity: high\nreport_unknown: true\ncondition:\n{condition}\nmessage: \"{message}\"\ndescription: d\nmitigation: m\n"
    )
}

/// The targets of the flows a condition fires on, with `?` for a possible finding.
fn fired(condition: &str) -> Vec<String> {
    fired_with(condition, "m")
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

fn fired_with(condition: &str, message: &str) -> Vec<(String, String)> {
    let mut set = RuleSet::default();
    set.add(
        parse_rule("custom/r.yaml", &rule(condition, message)).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap();
    let model = model();
    let mut out: Vec<(String, String)> = evaluate(&model, &set)
        .into_iter()
        .map(|f| {
            let Subject::Flow(id) = &f.subject else {
                panic!("a flow rule fires on flows")
            };
            let flow = model.flow(id).expect("the finding's flow is in the model");
            let mark = if f.certainty == Certainty::Possible {
                "?"
            } else {
                ""
            };
            (format!("{}{mark}", flow.target), f.message)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_port_test_reaches_into_ranges_and_every_port_and_is_unknown_for_names() {
    assert_eq!(
        fired("  port: 22"),
        ["every", "named?", "none?", "range", "ssh"]
    );
    assert_eq!(
        fired("  port: [443, 3389]"),
        ["every", "named?", "none?", "web"]
    );
    assert_eq!(
        fired("  port: 25-80"),
        ["every", "named?", "none?", "range", "web"]
    );
}

#[test]
fn every_matches_only_a_flow_open_on_every_port() {
    assert_eq!(fired("  port: every"), ["every", "none?"]);
    assert_eq!(
        fired("  not:\n    port: every"),
        ["named", "none?", "range", "ssh", "web"]
    );
}

#[test]
fn all_traffic_on_every_port_is_said_in_words() {
    let said = fired_with(
        "  port: every",
        "{target} takes {protocol} {on_ports} ({ports})",
    );
    assert_eq!(
        said[0].1,
        "every takes all traffic on every port (every port)"
    );
    let said = fired_with("  port: 443", "{protocol} {on_ports}");
    assert_eq!(
        said.iter().find(|(t, _)| t == "web").unwrap().1,
        "https on ports 80, 443"
    );
}

#[test]
fn a_flow_id_names_every_port() {
    let model = model();
    let ids: Vec<&str> = model.flows().map(|f| f.id.0.as_str()).collect();
    assert!(ids.contains(&"client -> web (https/80,443)"), "{ids:?}");
    assert!(ids.contains(&"client -> every (all/all)"), "{ids:?}");
}

#[test]
fn an_unknown_protocol_or_port_is_an_error_at_its_line() {
    let text = rule("  protocol:\n    - ssh\n    - sssh", "m");
    let error = parse_rule("custom/r.yaml", &text).unwrap_err();
    assert_eq!(
        (error.line, error.field.as_str()),
        (10, "condition.protocol")
    );
    assert!(error.message.contains("unknown protocol `sssh`"), "{error}");
    assert!(
        error.message.contains("kubernetes-api"),
        "names the vocabulary: {error}"
    );

    for bad in [
        "  port: [22, http]",
        "  port: 90-80",
        "  port: 70000",
        "  port: all",
    ] {
        let error = parse_rule("custom/r.yaml", &rule(bad, "m")).unwrap_err();
        assert_eq!(
            (error.line, error.field.as_str()),
            (8, "condition.port"),
            "{bad}"
        );
        assert!(error.message.contains("is not a port"), "{bad}: {error}");
    }
}

#[test]
fn the_readme_lists_the_whole_protocol_vocabulary() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the README is in the repository");
    for protocol in trustmap_model::Protocol::VOCABULARY {
        assert!(
            readme.contains(&format!("`{protocol}`")),
            "README.md does not list the protocol `{protocol}`"
        );
    }
}

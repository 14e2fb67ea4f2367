//! Scored severity in the documents people read: the same privileged setting on a service the
//! internet reaches, on one it may reach (an unproven finding) and on one nothing outside
//! reaches gets three severities, listed worst first, each with why.

mod common;

use common::zone;
use trustmap_model::{
    AttrName, ElementKind, Fragment, INTERNET_ELEMENT, Model, Span, Tri, TrustLevel, ZoneKind,
};
use trustmap_report::{findings_markdown, findings_text, html_report};
use trustmap_rules::{Certainty, Finding, RuleSet, Severity, evaluate, parse_rule};
use trustmap_testkit::model;

const PRIVILEGED: &str = r#"
id: ACME-E001
title: Privileged container
stride: elevation_of_privilege
applies_to: process
severity: critical
impact: host_takeover
report_unknown: true
condition:
  attr: privileged
message: "{name} runs privileged"
description: It controls the host.
mitigation: Remove `privileged`.
"#;

const ZONE: &str = "compose:shop/network/default";

fn model() -> Model {
    let service = |name: &str, line: u32, privileged: Tri| {
        let at = Span::lines("compose.yaml", line, line + 3);
        let mut element = model::element(
            &format!("compose:shop/service/{name}"),
            name,
            ElementKind::Process,
            ZONE,
            Some(at.clone()),
        );
        element
            .attributes
            .set_flag(AttrName::Privileged, privileged, Some(at));
        element
    };
    let from_internet = |name: &str| {
        model::flow(
            INTERNET_ELEMENT,
            &format!("compose:shop/service/{name}"),
            Some("http"),
            &["80"],
            "test",
            None,
        )
    };
    Model::build(vec![Fragment {
        zones: vec![
            zone(
                "compose:shop",
                "shop",
                ZoneKind::Project,
                "internet",
                TrustLevel::Low,
            ),
            zone(
                ZONE,
                "default",
                ZoneKind::Network,
                "compose:shop",
                TrustLevel::Medium,
            ),
        ],
        elements: vec![
            service("worker", 1, Tri::Yes),
            service("legacy", 5, Tri::Unknown),
            service("web", 9, Tri::Yes),
        ],
        flows: vec![from_internet("web"), from_internet("legacy")],
        diagnostics: vec![],
    }])
}

fn scan() -> (Model, RuleSet, Vec<Finding>) {
    let model = model();
    let mut rules = RuleSet::default();
    rules
        .add(parse_rule("acme.yaml", PRIVILEGED).unwrap_or_else(|e| panic!("{e}")))
        .unwrap();
    let findings = evaluate(&model, &rules);
    (model, rules, findings)
}

#[test]
fn the_path_scores_each_finding() {
    let (_, _, findings) = scan();
    let rated: Vec<(&str, Severity, Certainty, String)> = findings
        .iter()
        .map(|f| {
            (
                f.subject.id(),
                f.severity,
                f.certainty,
                f.scoring.score.to_string(),
            )
        })
        .collect();
    assert_eq!(
        rated,
        [
            (
                "compose:shop/service/worker",
                Severity::Medium,
                Certainty::Definite,
                "6.0".to_string()
            ),
            (
                "compose:shop/service/legacy",
                Severity::High,
                Certainty::Possible,
                "8.0".to_string()
            ),
            (
                "compose:shop/service/web",
                Severity::Critical,
                Certainty::Definite,
                "10.0".to_string()
            ),
        ]
    );
    assert_eq!(
        findings[1].scoring.reason(),
        "high: exposed to the internet, host takeover, not proven"
    );
}

#[test]
fn text_markdown_and_html_say_why() {
    let (model, rules, findings) = scan();
    let text = findings_text(&findings, &rules, &[]);
    assert!(
        text.contains(
            "MEDIUM    ACME-E001  worker runs privileged [reachable only from its own zone, \
             host takeover]"
        ),
        "{text}"
    );
    assert!(
        text.contains("legacy runs privileged (possible) [exposed to the internet, host takeover]"),
        "{text}"
    );
    assert!(text.contains("3 findings (1 critical, 1 high, 1 medium, 0 low; 1 possible)"));

    let markdown = findings_markdown(&findings, &rules, &model, &[]);
    let rows: Vec<&str> = markdown
        .lines()
        .filter(|l| l.contains("ACME-E001"))
        .collect();
    assert_eq!(rows.len(), 3, "{markdown}");
    assert!(rows[0].starts_with("| critical |") && rows[0].contains("web runs privileged"));
    assert!(rows[1].starts_with("| high |") && rows[1].contains("*(possible)*"));
    assert!(rows[2].starts_with("| medium |"));
    assert!(rows[0].contains("— *exposed to the internet, host takeover*"));

    let html = html_report(&model, &findings, &rules, &[], None);
    let web = html
        .find("critical: exposed to the internet, host takeover")
        .unwrap();
    let legacy = html
        .find("high: exposed to the internet, host takeover, not proven")
        .unwrap();
    let worker = html
        .find("medium: reachable only from its own zone, host takeover")
        .unwrap();
    assert!(web < legacy && legacy < worker, "worst first");
    assert!(html.contains("title=\"10.0\">critical</span>"));
}

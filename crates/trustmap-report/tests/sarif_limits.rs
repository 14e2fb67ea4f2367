//! SARIF within what GitHub accepts: at most `Limit::SarifResults` results, the most severe
//! kept and the cut said; files outside the root as absolute `file://` URIs, relative ones
//! percent-encoded.

use serde_json::Value;
use trustmap_model::{ElementId, Limit, Limits, Position, Span};
use trustmap_report::{SRCROOT, SarifOptions, sarif, sarif_bounded};
use trustmap_rules::{Certainty, Finding, RuleSet, Scoring, Severity, Stride, Subject};

fn finding(file: &str, line: u32, severity: Severity) -> Finding {
    Finding {
        rule_id: "TM-E001".into(),
        stride: Stride::ElevationOfPrivilege,
        severity,
        certainty: Certainty::Definite,
        scoring: Scoring::fixed(severity, Certainty::Definite),
        subject: Subject::Element(ElementId(format!("svc/{line}"))),
        message: format!("finding on line {line}"),
        location: Some(Span {
            file: file.into(),
            start: Position { line, column: 1 },
            end: Position { line, column: 5 },
        }),
        related: vec![],
        attack_path: vec![],
        fingerprint: format!("f{line}"),
        decision: None,
        categories: vec![Stride::ElevationOfPrivilege],
        checks: vec![],
        folded: vec![],
        message_parts: vec![],
    }
}

fn options() -> SarifOptions {
    SarifOptions {
        tool_version: "0.0.0".into(),
        automation_id: None,
        information_uri: "https://example.com/trustmap".into(),
    }
}

fn bounded(findings: &[Finding], max: u64) -> (Value, Vec<trustmap_model::Diagnostic>) {
    let mut limits = Limits::default();
    limits.set(Limit::SarifResults, max);
    let (log, cut) = sarif_bounded(
        findings,
        &RuleSet::builtin().unwrap(),
        &[],
        &options(),
        &limits,
    );
    let log: Value = serde_json::from_str(&log).unwrap();
    trustmap_testkit::assert_valid_sarif(&log);
    (log, cut)
}

#[test]
fn sarif_keeps_the_most_severe_results_within_the_limit_and_says_how_many_were_cut() {
    use Severity::*;
    let severities = [Low, Critical, Medium, High, Low, High, Critical, Medium];
    let findings: Vec<Finding> = severities
        .iter()
        .enumerate()
        .map(|(i, s)| finding("a.yaml", i as u32 + 1, *s))
        .collect();
    let (log, cut) = bounded(&findings, 3);
    let run = &log["runs"][0];
    let lines: Vec<i64> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_i64()
                .unwrap()
        })
        .collect();
    // Both criticals and the first high, in the order given.
    assert_eq!(lines, [2, 4, 7]);
    assert_eq!(cut.len(), 1);
    assert_eq!(cut[0].code, "limit-sarif-results");
    assert!(
        cut[0].message.starts_with("5 of 8 results"),
        "{}",
        cut[0].message
    );
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["properties"]["code"],
        "limit-sarif-results"
    );

    // Deterministic: the same findings give the same log.
    assert_eq!(bounded(&findings, 3).0, log);
}

/// Within one severity the higher score is kept: the cut follows `security-severity`, which
/// GitHub sorts alerts by, not the four steps of the severity.
#[test]
fn sarif_over_the_limit_keeps_the_higher_score_within_a_severity() {
    let mut findings: Vec<Finding> = (1..=3)
        .map(|line| finding("a.yaml", line, Severity::High))
        .collect();
    findings[2].scoring.score = trustmap_rules::Score::ceiling(Severity::High);
    assert!(findings[2].scoring.score > findings[0].scoring.score);
    let (log, _) = bounded(&findings, 1);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3,
        "{log:#}"
    );
}

#[test]
fn sarif_within_the_limit_cuts_nothing() {
    let findings = vec![finding("a.yaml", 1, Severity::Low)];
    let (log, cut) = bounded(&findings, 1);
    assert!(cut.is_empty());
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    let default = sarif(&findings, &RuleSet::default(), &[], &options());
    assert!(!default.contains("limit-sarif-results"));
}

#[test]
fn a_file_outside_the_root_is_an_absolute_file_uri_and_relative_uris_are_percent_encoded() {
    let findings = vec![
        finding("/home/ci/other repo/c#1.yaml", 1, Severity::High),
        finding("deploy/my app/a?b#c%d é.yaml", 2, Severity::High),
    ];
    let (log, _) = bounded(&findings, 10);
    let artifact = |i: usize| &log["runs"][0]["results"][i]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        artifact(0)["uri"],
        "file:///home/ci/other%20repo/c%231.yaml"
    );
    assert!(artifact(0).get("uriBaseId").is_none(), "{}", artifact(0));
    assert_eq!(
        artifact(1)["uri"],
        "deploy/my%20app/a%3Fb%23c%25d%20%C3%A9.yaml"
    );
    assert_eq!(artifact(1)["uriBaseId"], SRCROOT);
}

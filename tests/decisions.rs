//! Decisions end to end: from `trustmap.yaml` and from comments, expiry, the exit code, SARIF
//! suppressions, the Markdown threat model's decided and undecided sections, malformed files.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{GOOD, Run, scratch, trustmap, trustmap_in};

/// Runs a scan of the decisions fixture on a fixed day.
fn decided_scan(extra: &[&str]) -> Run {
    let mut args = vec!["scan", "fixtures/decisions", "--today", "2027-01-01"];
    args.extend_from_slice(extra);
    trustmap(&args)
}

#[test]
fn decisions_from_the_file_and_from_comments_cover_their_threats() {
    let run = decided_scan(&["--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let decision_of = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap()["decision"]
            .clone()
    };
    let file = decision_of("TM-E002");
    assert_eq!(
        (file["kind"].as_str(), file["inline"].as_bool()),
        (Some("accept"), Some(false)),
        "{run:?}"
    );
    assert_eq!(file["span"]["file"], "fixtures/decisions/trustmap.yaml");
    let inline = decision_of("TM-E001");
    assert_eq!(
        (inline["kind"].as_str(), inline["inline"].as_bool()),
        (Some("accept"), Some(true))
    );
    assert_eq!(inline["span"]["start"]["line"], 10, "the comment's line");
    let expired = decision_of("TM-E008");
    assert_eq!(expired["expired"], true);
    assert_eq!(report["summary"]["findings"]["decided"], 2);
    // The stale decision is reported where it is written.
    assert!(
        run.stderr.contains("fixtures/decisions/trustmap.yaml:14")
            && run.stderr.contains("stale-decision"),
        "{run:?}"
    );
}

#[test]
fn decided_threats_do_not_fail_the_scan_and_expired_ones_do() {
    // legacy's decision expired in 2020: TM-E008 (medium) is undecided again.
    assert_eq!(decided_scan(&["--fail-on", "medium"]).code, 1);
    assert_eq!(
        decided_scan(&["--fail-on", "high"]).code,
        0,
        "both high threats are decided"
    );
    assert_eq!(
        decided_scan(&["--fail-on", "none", "--require-decisions", "medium"]).code,
        1
    );
    assert_eq!(
        decided_scan(&["--fail-on", "none", "--require-decisions", "high"]).code,
        0
    );
    // Before the expiry date, the mitigation still holds.
    let before = trustmap(&[
        "scan",
        "fixtures/decisions",
        "--today",
        "2019-06-01",
        "--fail-on",
        "low",
    ]);
    assert_eq!(before.code, 0, "{before:?}");
}

#[test]
fn sarif_for_upload_leaves_decided_threats_out_unless_asked() {
    let rules_of = |run: &Run| -> Vec<String> {
        let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap().to_string())
            .collect()
    };
    let upload = decided_scan(&["--format", "sarif"]);
    assert_eq!(rules_of(&upload), ["TM-E008"]);
    let all = decided_scan(&["--format", "sarif", "--include-decided"]);
    let sarif: Value = serde_json::from_str(&all.stdout).unwrap();
    trustmap_testkit::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let kinds: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["external", "inSource"]));
    let expired = results.iter().find(|r| r["ruleId"] == "TM-E008").unwrap();
    assert!(
        expired.get("suppressions").is_none(),
        "an expired decision suppresses nothing"
    );
}

#[test]
fn the_markdown_threat_model_lists_undecided_threats_first() {
    let run = decided_scan(&["--format", "markdown"]);
    let text = &run.stdout;
    assert!(text.contains("```mermaid\nflowchart LR"), "{run:?}");
    assert!(text.contains("## Trust boundaries"));
    let undecided = text.find("### Undecided (1)").expect("undecided section");
    let decided = text.find("### Decided (2)").expect("decided section");
    assert!(undecided < decided);
    assert!(text[undecided..decided].contains("TM-E008"));
    assert!(text[decided..].contains("accepted by platform [SEC-42]"));
}

#[test]
fn a_malformed_decision_names_file_line_and_field() {
    let dir = scratch(&[
        ("compose.yaml", GOOD),
        ("trustmap.yaml", b"decisions:\n  - rule: TM-E001\n    element: x\n    decision: accept\n  - rule: TM-E001\n    element: y\n    decision: ignore\n    reason: r\n"),
    ]);
    let run = trustmap_in(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("trustmap.yaml:2") && run.stdout.contains("field `reason`"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("trustmap.yaml:5") && run.stdout.contains("field `decision`"),
        "{run:?}"
    );
}

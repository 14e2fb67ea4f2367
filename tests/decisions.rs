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

/// A decision written for a rule that became a check (TM-D001, now the resource-limits check of
/// TM-E014) covers that check of the finding on its subject: the finding says the check is
/// decided and stays undecided for the others; decisions for every check decide it. None of
/// them is stale.
#[test]
fn a_decision_for_a_retired_rule_covers_its_check() {
    let compose: &[u8] = b"services:\n  web:\n    image: nginx:1.27\n    ports: [\"443:443\"]\n";
    let decision = |rule: &str| {
        format!(
            "  - rule: {rule}\n    path: \"app/**\"\n    decision: accept\n    owner: ops\n    reason: host limits\n"
        )
    };
    let hardening = |report: &Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "TM-E014")
            .cloned()
            .unwrap_or_else(|| panic!("no TM-E014 finding: {report}"))
    };

    let one = format!("decisions:\n{}", decision("TM-D001"));
    let dir = scratch(&[
        ("app/compose.yaml", compose),
        ("trustmap.yaml", one.as_bytes()),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = hardening(&report);
    assert!(finding["decision"].is_null(), "{finding}");
    let limits = finding["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "TM-D001")
        .unwrap();
    assert_eq!(limits["decision"]["kind"], "accept", "{finding}");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.ends_with("(decided: no CPU or memory limit)")
            && message.contains("its processes may gain privileges"),
        "{message}"
    );
    assert!(!run.stderr.contains("stale-decision"), "{run:?}");

    let all: String = ["TM-E011", "TM-D001", "TM-T001", "TM-R001"]
        .iter()
        .map(|rule| decision(rule))
        .collect();
    let dir = scratch(&[
        ("app/compose.yaml", compose),
        ("trustmap.yaml", format!("decisions:\n{all}").as_bytes()),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = hardening(&report);
    assert_eq!(finding["decision"]["kind"], "accept", "{finding}");
    assert!(!run.stderr.contains("stale-decision"), "{run:?}");
}

/// A decision for a rule whose findings fold into another's (TM-S003 into TM-I002) still
/// decides its finding, which then stays apart from the undecided lead.
#[test]
fn a_decision_for_a_folded_rule_still_decides_its_finding() {
    let compose: &[u8] = b"services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n";
    let findings_of = |dir: &tempfile::TempDir| -> Vec<Value> {
        let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(!run.stderr.contains("stale-decision"), "{run:?}");
        report["findings"].as_array().unwrap().clone()
    };
    let on_line = |findings: &[Value], rule: &str| {
        findings
            .iter()
            .filter(|f| f["rule_id"] == rule && f["location"]["start"]["line"] == 4)
            .cloned()
            .collect::<Vec<_>>()
    };

    let undecided = scratch(&[("app/compose.yaml", compose)]);
    let findings = findings_of(&undecided);
    let lead = on_line(&findings, "TM-I002");
    assert_eq!(lead.len(), 1, "{findings:#?}");
    assert!(on_line(&findings, "TM-S003").is_empty(), "{findings:#?}");
    assert_eq!(lead[0]["folded"][0]["rule_id"], "TM-S003", "{lead:#?}");

    let decisions: &[u8] = b"decisions:\n  - rule: TM-S003\n    path: \"app/**\"\n    decision: accept\n    owner: dba\n    reason: a firewall in front\n";
    let decided = scratch(&[("app/compose.yaml", compose), ("trustmap.yaml", decisions)]);
    let findings = findings_of(&decided);
    let lead = on_line(&findings, "TM-I002");
    assert!(
        lead[0]["folded"].is_null() && lead[0]["decision"].is_null(),
        "{lead:#?}"
    );
    let apart = on_line(&findings, "TM-S003");
    assert_eq!(apart[0]["decision"]["kind"], "accept", "{findings:#?}");
}

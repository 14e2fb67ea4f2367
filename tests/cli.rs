//! The command line end to end: the README's example, exit codes, byte-identical output,
//! fingerprints that survive moved lines, and the `rules` commands with user rules.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use trustmap_rules::RuleSet;
use util::{root, scratch, trustmap, trustmap_in};

#[test]
fn the_readme_example_scans_and_finds_the_shop_threats() {
    let run = trustmap(&["scan", "fixtures/compose/shop", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for id in ["TM-I001", "TM-I002", "TM-I003", "TM-S001", "TM-E002"] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
    // The queue shares the app network with the internet-facing proxy; the database is on an
    // internal network the proxy does not join.
    let lateral: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TM-E007")
        .map(|f| f["subject"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(lateral, ["compose:fixtures/compose/shop/service/queue"]);
}

#[test]
fn output_is_byte_identical_across_runs() {
    for args in [
        &["scan", "fixtures/compose/shop", "--format", "sarif"][..],
        &["scan", "fixtures/compose/shop", "--format", "json"],
        &["model", "fixtures/compose/shop", "--format", "json"],
        &["model", "fixtures/compose/shop", "--format", "mermaid"],
        &["model", "fixtures/compose/shop", "--format", "dot"],
        &["scan", "fixtures/rules", "--format", "sarif"],
        &["model", "fixtures/rules", "--format", "json"],
    ] {
        let first = trustmap(args);
        let second = trustmap(args);
        assert!(!first.stdout.is_empty(), "{first:?}");
        assert_eq!(first.stdout, second.stdout, "{args:?}");
    }
}

#[test]
fn fingerprints_stay_when_lines_move() {
    let original = std::fs::read(root().join("fixtures/compose/shop/compose.yaml")).unwrap();
    let mut moved = b"# a comment\n\n# pushes everything down\n".to_vec();
    moved.extend_from_slice(&original);
    let fingerprints = |dir: &std::path::Path| {
        let run = trustmap_in(dir, &["scan", ".", "--format", "json"]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_string(),
                    f["location"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let a = scratch(&[("shop/compose.yaml", &original)]);
    let b = scratch(&[("shop/compose.yaml", &moved)]);
    let (before, after) = (
        fingerprints(&a.path().join("shop")),
        fingerprints(&b.path().join("shop")),
    );
    assert!(!before.is_empty());
    let set = |v: &[(String, u64)]| v.iter().map(|(f, _)| f.clone()).collect::<BTreeSet<_>>();
    assert_eq!(set(&before), set(&after));
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|((_, l1), (_, l2))| l2 == &(l1 + 3))
    );
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx:1.27\n    user: root\n",
    )]);
    assert_eq!(
        trustmap_in(dir.path(), &["scan", ".", "--fail-on", "medium"]).code,
        1
    );
    assert_eq!(
        trustmap_in(dir.path(), &["scan", ".", "--fail-on", "high"]).code,
        0
    );
    assert_eq!(
        trustmap_in(dir.path(), &["scan", ".", "--fail-on", "none"]).code,
        0
    );
    assert_eq!(trustmap_in(dir.path(), &["scan", "does-not-exist"]).code, 2);
}

#[test]
fn rules_explain_prints_the_rule_documentation() {
    let run = trustmap(&["rules", "explain", "TM-E002"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("# TM-E002")
            && run.stdout.contains("## How to fix it")
            && run.stdout.contains("CWE-250")
    );
    let list = trustmap(&["rules"]);
    assert_eq!(
        list.stdout.lines().count(),
        RuleSet::builtin().unwrap().rules().len()
    );
}

#[test]
fn a_malformed_rule_file_names_file_and_field() {
    let rules = scratch(&[("ACME-E900.yaml", b"id: ACME-E900\ntitle: t\nstride: elevation_of_privilege\napplies_to: [process]\nseverity: extreme\n")]);
    let run = trustmap(&[
        "scan",
        "fixtures/compose/shop",
        "--rules",
        rules.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("ACME-E900.yaml:5: field `severity`"),
        "{run:?}"
    );
}

#[test]
fn user_rules_join_the_builtin_pack() {
    let rules = scratch(&[(
        "ACME-T900.yaml",
        b"id: ACME-T900\ntitle: Mutable image tag\nstride: tampering\napplies_to: [process, data_store]\nseverity: low\ncondition:\n  attr: image\n  matches: ':latest$|^[^:@]+$'\nmessage: '{name} uses a mutable image reference: {attr.image}'\ndescription: d\nmitigation: m\nreferences:\n  cwe: [494]\n",
    )]);
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  a:\n    image: nginx:latest\n  b:\n    image: nginx:1.27\n",
    )]);
    let run = trustmap_in(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--rules",
            rules.path().to_str().unwrap(),
        ],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let hits: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "ACME-T900")
        .collect();
    assert_eq!(hits.len(), 1, "{run:?}");
    assert_eq!(hits[0]["location"]["start"]["line"], 3);
}

/// `model` and `diff` read the tree's `trustmap.yaml` for its settings: a mistake in it is
/// said and makes the run incomplete, as in `scan`, never dropped.
#[test]
fn model_reports_a_broken_settings_file_instead_of_dropping_it() {
    let dir = scratch(&[
        (
            "compose.yaml",
            b"services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n",
        ),
        ("trustmap.yaml", b"settings:\n  no_such_setting: 1\n"),
    ]);
    let run = trustmap_in(dir.path(), &["model", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("trustmap.yaml"), "{run:?}");
}

//! Users' rules: `trustmap rules test DIR` runs a folder of rules against their own
//! `# expect:` fixtures, and users' rules keep out of the built-in `TM-` namespace.

#[allow(dead_code)]
mod util;

use util::{scratch, trustmap};

const RULE: &[u8] = b"id: ACME-T001\ntitle: Mutable image tag\nstride: tampering\napplies_to: [process]\nseverity: low\ncondition:\n  attr: image\n  matches: ':latest$'\nmessage: '{name} uses {attr.image}'\ndescription: d\nmitigation: m\n";

#[test]
fn rules_test_passes_on_the_example_folder() {
    let run = trustmap(&["rules", "test", "fixtures/user-rules"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "ok   ACME-T001 firing\nok   ACME-T001 silent\n1 rule, 2 cases: 2 passed, 0 failed\n",
        "{run:?}"
    );
}

#[test]
fn rules_test_fails_on_a_wrong_expectation_and_a_missing_case() {
    let dir = scratch(&[
        ("ACME-T001.yaml", RULE),
        (
            // Marked on the wrong line: the finding is on line 3.
            "ACME-T001/firing/compose.yaml",
            b"services:\n  web: # expect: ACME-T001\n    image: nginx:latest\n",
        ),
    ]);
    let run = trustmap(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("FAIL ACME-T001 firing: expected at ")
            && lines[0].contains("compose.yaml:2, not found; found at ")
            && lines[0].ends_with("compose.yaml:3, not expected"),
        "{run:?}"
    );
    assert!(
        lines[1].starts_with("FAIL ACME-T001 silent: no fixture folder "),
        "{run:?}"
    );
    assert_eq!(lines[2], "1 rule, 2 cases: 0 passed, 2 failed", "{run:?}");
}

#[test]
fn a_user_rule_in_the_builtin_namespace_is_refused() {
    let text = String::from_utf8(RULE.to_vec())
        .unwrap()
        .replace("ACME-T001", "TM-T001");
    let dir = scratch(&[("TM-T001.yaml", text.as_bytes())]);
    for args in [
        vec!["rules", "test", dir.path().to_str().unwrap()],
        vec![
            "scan",
            "fixtures/compose/shop",
            "--rules",
            dir.path().to_str().unwrap(),
        ],
    ] {
        let run = trustmap(&args);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(
            run.stderr
                .contains("TM-T001.yaml:1: field `id`: the `TM-` prefix is reserved"),
            "{run:?}"
        );
    }
}

#[test]
fn rules_docs_prints_the_committed_reference() {
    let run = trustmap(&["rules", "docs"]);
    assert_eq!(run.code, 0, "{run:?}");
    let committed = std::fs::read_to_string(util::root().join("docs/rules.md")).unwrap();
    assert_eq!(run.stdout, committed);
}

/// A user's checklist rule is tested like any other, and `# expect: CHECK-ID` pins where its
/// finding lists a check: a check marked on a line where the finding does not list it fails.
#[test]
fn rules_test_checks_a_checklist_and_its_checks() {
    let rule: &[u8] = b"id: ACME-E001\ntitle: Exposed and soft\nstride: [elevation_of_privilege]\napplies_to: [process]\nseverity: low\nlocation: subject\ncondition:\n  exposed_to_internet: true\nchecks:\n  - id: ACME-E002\n    label: may gain privileges\n    stride: elevation_of_privilege\n    fails: {attr: privilege_escalation, is: yes}\n  - id: ACME-T001\n    label: a writable root filesystem\n    stride: tampering\n    fails: {attr: read_only_root_filesystem, is: no}\nmessage: \"{name} lacks: {missing}\"\ndescription: d\nmitigation: m\n";
    let firing: &[u8] = b"services:\n  web: # expect: ACME-E001 ACME-E002\n    image: nginx:1.27\n    read_only: true\n    ports: [\"443:443\"]\n  api: # expect: ACME-E001 ACME-E002 ACME-T001\n    image: nginx:1.27\n    ports: [\"8443:8443\"]\n";
    let silent: &[u8] = b"services:\n  web:\n    image: nginx:1.27\n    read_only: true\n    security_opt: [\"no-new-privileges:true\"]\n    ports: [\"443:443\"]\n";
    let dir = scratch(&[
        ("ACME-E001.yaml", rule),
        ("ACME-E001/firing/compose.yaml", firing),
        ("ACME-E001/silent/compose.yaml", silent),
    ]);
    let run = trustmap(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");

    // The read-only service marked as also having a writable root filesystem.
    let wrong = String::from_utf8(firing.to_vec())
        .unwrap()
        .replace("ACME-E001 ACME-E002\n", "ACME-E001 ACME-E002 ACME-T001\n");
    std::fs::write(dir.path().join("ACME-E001/firing/compose.yaml"), wrong).unwrap();
    let run = trustmap(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("FAIL ACME-E001 firing: check ACME-T001 expected at ")
            && run.stdout.contains("compose.yaml:2, not found"),
        "{run:?}"
    );
}

//! The rule language as users write it: every documented operator loads, every key that is not
//! documented is refused at its line, and users' rules keep out of the built-in namespace.

use trustmap_rules::{OPERATORS, On, RuleError, parse_rule, parse_user_rule};

/// A rule with `id` and this condition (indented under `condition:`), on elements or flows.
fn rule(id: &str, on_flows: bool, condition: &str) -> String {
    let condition: String = condition.lines().map(|l| format!("  {l}\n")).collect();
    format!(
        "id: {id}\ntitle: t\nstride: tampering\napplies_to: [{}]\nseverity: low\ncondition:\n{condition}message: m\ndescription: d\nmitigation: m\n",
        if on_flows { "data_flow" } else { "process" }
    )
}

fn error(text: &str) -> RuleError {
    parse_user_rule("my/rule.yaml", text).expect_err("refused")
}

#[test]
fn every_documented_operator_loads_from_its_example() {
    for op in OPERATORS {
        let text = rule("ACME-T001", op.on == On::Flow, op.example);
        if let Err(e) = parse_user_rule("my/rule.yaml", &text) {
            panic!("the example of `{}` does not load: {e}\n{text}", op.name);
        }
    }
}

#[test]
fn user_rules_have_their_own_namespace() {
    let mine = rule("ACME-T001", false, "attr: privileged");
    assert_eq!(
        parse_user_rule("my/rule.yaml", &mine).unwrap().id,
        "ACME-T001"
    );
    let e = error(&rule("TM-T901", false, "attr: privileged"));
    assert_eq!((e.line, e.field.as_str()), (1, "id"), "{e}");
    assert!(e.message.contains("reserved for the built-in rules"), "{e}");
    // The built-in namespace is still readable where the pack and tests build sets by hand.
    assert!(parse_rule("rules/x.yaml", &rule("TM-T901", false, "attr: privileged")).is_ok());
    for bad in [
        "acme-T001",
        "ACME-X001",
        "ACME-T",
        "-T001",
        "A_B-T001",
        "ACME-E001",
        "ABCDEFGHIJKLMNOPQ-T1",
    ] {
        let e = error(&rule(bad, false, "attr: privileged"));
        assert_eq!(e.field, "id", "{bad}: {e}");
    }
    assert!(parse_user_rule("r.yaml", &rule("PAY2-T14", false, "attr: privileged")).is_ok());
}

#[test]
fn unknown_keys_are_errors_at_their_line_at_every_level() {
    // (condition, line of the bad key in the file, field named)
    let cases = [
        ("attr: privileged\nis: yes\nfoo: 1", 9, "condition.foo"),
        (
            "all:\n  - attr: privileged\n    iss: yes",
            9,
            "condition.all[0].iss",
        ),
        ("any:\n  - atr: privileged", 8, "condition.any[0]"),
        (
            "zone:\n  kind: network\n  trust_at_mots: low",
            9,
            "condition.zone.trust_at_mots",
        ),
        (
            "not:\n  exposed_to_internet: true\n  extra: 1",
            9,
            "condition.not",
        ),
    ];
    for (condition, line, field) in cases {
        let e = error(&rule("ACME-T001", false, condition));
        assert_eq!(
            (e.line, e.field.as_str()),
            (line, field),
            "{condition}: {e}"
        );
    }
    let top = rule("ACME-T001", false, "attr: privileged")
        .replace("message: m\n", "message: m\nseverty: high\n");
    let e = error(&top);
    assert_eq!((e.line, e.field.as_str()), (9, "severty"), "{e}");
    let references = rule("ACME-T001", false, "attr: privileged")
        + "references:\n  cwe: [1]\n  link: [https://example.com]\n";
    let e = error(&references);
    assert_eq!((e.line, e.field.as_str()), (13, "references.link"), "{e}");
}

#[test]
fn a_repeated_key_is_refused_at_its_line() {
    let text =
        rule("ACME-T001", false, "attr: privileged").replace("title: t\n", "title: t\ntitle: u\n");
    let e = error(&text);
    assert_eq!(e.line, 3, "{e}");
    let nested = rule("ACME-T001", false, "attr: privileged\nis: yes\nis: no");
    assert_eq!(error(&nested).line, 9);
}

#[test]
fn a_test_that_cannot_be_true_is_refused() {
    let e = error(&rule(
        "ACME-T001",
        false,
        "attr: capabilities_added\nnot_empty: false",
    ));
    assert_eq!(e.field, "condition.not_empty", "{e}");
    let e = error(&rule("ACME-T001", false, "zone:\n  kind: [network]"));
    assert_eq!(e.field, "condition.zone.kind", "{e}");
}

/// A checklist rule: `checks:` beside the condition, `{missing}` in the message.
const CHECKLIST: &str = "id: ACME-E001\ntitle: t\nstride: [elevation_of_privilege, tampering]\napplies_to: [process]\nseverity: low\ncondition:\n  exposed_to_internet: true\nchecks:\n  - id: ACME-E002\n    label: may gain privileges\n    stride: elevation_of_privilege\n    fails: {attr: privilege_escalation, is: yes}\n  - label: a writable root filesystem\n    stride: tampering\n    report_unknown: true\n    fails: {attr: read_only_root_filesystem, is: no}\nmessage: \"{name} lacks: {missing}\"\ndescription: d\nmitigation: m\n";

#[test]
fn a_checklist_loads_and_its_mistakes_are_errors_at_their_line() {
    let loaded = parse_user_rule("my/rule.yaml", CHECKLIST).unwrap();
    assert_eq!(loaded.checks.len(), 2);
    assert_eq!(loaded.checks[0].id.as_deref(), Some("ACME-E002"));
    assert!(!loaded.checks[0].report_unknown && loaded.checks[1].report_unknown);

    // (what is changed, into what, field named, words of the message)
    let cases = [
        (
            "{name} lacks: {missing}",
            "{name} lacks hardening",
            "message",
            "put `{missing}`",
        ),
        (
            "  - id: ACME-E002\n",
            "  - id: ACME-T002\n",
            "checks[0].id",
            "`ACME-E`",
        ),
        (
            "  - id: ACME-E002\n",
            "  - id: TM-E002\n",
            "checks[0].id",
            "reserved",
        ),
        (
            "    label: may gain privileges\n",
            "",
            "checks[0].label",
            "is required",
        ),
        (
            "    label: may gain privileges\n",
            "    label: \"{name}\"\n",
            "checks[0].label",
            "braces",
        ),
        (
            "    stride: tampering\n",
            "    stride: [tampering]\n",
            "checks[1].stride",
            "one STRIDE",
        ),
        (
            "    report_unknown: true\n",
            "    report_unknwon: true\n",
            "checks[1].report_unknwon",
            "unknown key",
        ),
        (
            "fails: {attr: read_only_root_filesystem, is: no}",
            "fails: {crosses_boundary: any}",
            "checks[1].fails",
            "applies to flows",
        ),
        (
            "label: a writable root filesystem",
            "label: may gain privileges",
            "checks[1]",
            "same label",
        ),
    ];
    for (from, to, field, words) in cases {
        assert!(CHECKLIST.contains(from), "{from}");
        let e = error(&CHECKLIST.replacen(from, to, 1));
        assert_eq!(e.field, field, "{from} -> {to}: {e}");
        assert!(e.message.contains(words), "{from} -> {to}: {e}");
    }
    // `{missing}` belongs to checklists only.
    let plain = rule("ACME-T001", false, "attr: privileged")
        .replace("message: m", "message: \"{missing}\"");
    let e = error(&plain);
    assert!(
        e.field == "message" && e.message.contains("has none"),
        "{e}"
    );
    // An empty checklist is refused.
    let empty = CHECKLIST
        .split_once("checks:\n")
        .map(|(head, tail)| {
            format!(
                "{head}checks: []\n{}",
                &tail[tail.find("message:").unwrap()..]
            )
        })
        .unwrap();
    assert_eq!(error(&empty).field, "checks");
}

#[test]
fn absorbs_names_rules_with_a_clause_each() {
    let text = rule("ACME-I001", true, "attr: public").replace(
        "message: m\n",
        "message: m\nabsorbs:\n  TM-I001: \"its {protocol} traffic is not encrypted\"\n",
    );
    let loaded = parse_user_rule(
        "my/rule.yaml",
        &text.replace("stride: tampering", "stride: information_disclosure"),
    )
    .unwrap();
    assert_eq!(loaded.absorbs[0].rule, "TM-I001");
    assert_eq!(loaded.absorbs_on, trustmap_rules::AbsorbsOn::Line);
    for (to, field, words) in [
        (
            "absorbs:\n  TM-I001: \"{nope}\"\n",
            "absorbs.TM-I001",
            "unknown placeholder",
        ),
        (
            "absorbs:\n  not an id: x\n",
            "absorbs.not an id",
            "expected a rule id",
        ),
        ("absorbs: [TM-I001]\n", "absorbs", "expected a mapping"),
        (
            "absorbs:\n  ACME-T001: x\n",
            "absorbs.ACME-T001",
            "cannot absorb itself",
        ),
        (
            "absorbs:\n  TM-I001: x\nabsorbs_on: sideways\n",
            "absorbs_on",
            "expected `line` or `element`",
        ),
        (
            "absorbs_on: element\n",
            "absorbs_on",
            "only a rule with `absorbs:`",
        ),
    ] {
        let e = error(
            &rule("ACME-T001", true, "attr: public")
                .replace("message: m\n", &format!("message: m\n{to}")),
        );
        assert_eq!(e.field, field, "{to}: {e}");
        assert!(e.message.contains(words), "{to}: {e}");
    }
}

/// Mistakes found once rules are put together point at the line that makes them: an id
/// another rule has, at its `id:`; an absorbed rule that does not exist, at its entry.
#[test]
fn errors_between_rules_are_at_their_line() {
    let absorbing = rule("ACME-I001", true, "attr: public")
        .replace("stride: tampering", "stride: information_disclosure")
        .replace("message: m\n", "message: m\nabsorbs:\n  ACME-I099: x\n");
    let mut set = trustmap_rules::RuleSet::default();
    set.add(parse_user_rule("my/a.yaml", &absorbing).unwrap())
        .unwrap();
    let e = set.check_absorbed().expect_err("ACME-I099 is no rule");
    assert_eq!((e.field.as_str(), e.line), ("absorbs.ACME-I099", 10), "{e}");

    let again = format!("# the same id again\n{absorbing}");
    let e = set
        .add(parse_user_rule("my/b.yaml", &again).unwrap())
        .expect_err("the id is taken");
    assert_eq!(
        (e.file.as_str(), e.field.as_str(), e.line),
        ("my/b.yaml", "id", 2),
        "{e}"
    );
}

//! What a change does to the decisions: added, changed and removed decisions keyed by rule and
//! what they cover (never by line), broad decisions called out, rendered safely.

use trustmap_decisions::{
    Broadness, Covered, DecisionChangeKind, parse_decisions, review_decisions,
};

fn entries(text: &str) -> Vec<trustmap_decisions::Entry> {
    let (entries, diagnostics) = parse_decisions("trustmap.yaml", text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    entries
}

const BASE: &str = "decisions:
  - {rule: TM-E002, element: compose:shop/service/admin, decision: accept, reason: loopback only}
  - {rule: TM-S001, path: deploy/**, decision: mitigate, mitigation: WAF, reason: filtered}
  - {rule: TM-I001, flow: a -> b, decision: accept, reason: internal}
";

#[test]
fn a_change_that_adds_changes_and_removes_decisions_is_told_with_head_lines() {
    let head = "decisions:
  # moved down a line: not a change
  - {rule: TM-E002, element: compose:shop/service/admin, decision: accept, reason: loopback only}
  - {rule: TM-S001, path: deploy/**, decision: accept, reason: filtered}
  - {rule: TM-T003, element: tf:aws_s3_bucket.logs, decision: accept, reason: rebuilt nightly}
";
    let review = review_decisions(&entries(BASE), &entries(head));
    let told: Vec<(DecisionChangeKind, &str, Option<u32>)> = review
        .changes
        .iter()
        .map(|c| {
            (
                c.kind,
                c.rule.as_str(),
                c.head.as_ref().map(|d| d.span.start.line),
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            (DecisionChangeKind::Removed, "TM-I001", None),
            (DecisionChangeKind::Changed, "TM-S001", Some(4)),
            (DecisionChangeKind::Added, "TM-T003", Some(5)),
        ]
    );
    assert_eq!(review.changes[1].covered, Covered::Path("deploy/**".into()));
    assert!(review.broad.is_empty());
    let messages: Vec<String> = review
        .diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        messages,
        [
            "decision removed by this change (line of the base revision): accept TM-I001 for a -> b",
            "decision changed by this change: accept TM-S001 for path deploy/**",
            "decision added by this change: accept TM-T003 for tf:aws_s3_bucket.logs",
        ]
    );
    assert!(review_decisions(&entries(BASE), &entries(BASE)).is_empty());
}

#[test]
fn whole_tree_globs_and_rule_less_decisions_are_broad() {
    let broadness = |path: &str| {
        let text = format!(
            "decisions:\n  - {{rule: TM-S001, path: \"{path}\", decision: accept, reason: r}}\n"
        );
        trustmap_decisions::broadness(&entries(&text)[0])
    };
    for whole in ["**", "*", "**/*", "/**", "./**", "**/**", "{**,x}"] {
        assert_eq!(broadness(whole), Some(Broadness::WholeTree), "{whole}");
    }
    assert_eq!(broadness("**/*.tf"), Some(Broadness::EveryFileOfKind("tf")));
    assert_eq!(
        broadness("*.json"),
        Some(Broadness::EveryFileOfKind("json"))
    );
    for narrow in ["deploy/**", "deploy/*.tf", "main.tf", "**/deploy/*.yaml"] {
        assert_eq!(broadness(narrow), None, "{narrow}");
    }
    let rule_less = entries(
        "decisions:\n  - {rule: \"\", element: x, decision: accept, reason: r}\n  - {rule: \"*\", element: x, decision: accept, reason: r}\n  - {rule: TM-E1, element: \"*\", decision: accept, reason: r}\n",
    );
    let found: Vec<_> = rule_less
        .iter()
        .map(trustmap_decisions::broadness)
        .collect();
    assert_eq!(
        found,
        [Some(Broadness::NoRule), Some(Broadness::NoRule), None]
    );
}

#[test]
fn a_broad_decision_the_change_adds_is_called_out_in_markdown_and_as_a_warning() {
    let head =
        format!("{BASE}  - {{rule: TM-E001, path: \"**\", decision: accept, reason: all fine}}\n");
    let review = review_decisions(&entries(BASE), &entries(&head));
    assert_eq!(review.broad.len(), 1);
    assert!(review.broad[0].by_this_change);
    let warnings: Vec<_> = review
        .diagnostics()
        .into_iter()
        .filter(|d| d.code == "broad-decision")
        .collect();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        warnings[0].message,
        "broad decision accept TM-E001 for path **: its path covers the whole tree"
    );
    assert_eq!(warnings[0].span.start.line, 5);
    let markdown = review.markdown();
    assert!(
        markdown.contains("| added, **broad** | TM-E001 | path `**` |"),
        "{markdown}"
    );
    assert!(markdown.contains("#### Broad decisions"), "{markdown}");
    assert!(markdown.contains("(**by this change**)"), "{markdown}");
}

#[test]
fn the_review_markdown_escapes_what_the_decisions_file_says() {
    let hostile = "decisions:
  - rule: TM-E001
    path: \"x|`y`<img src=https://e.vil>\"
    decision: accept
    owner: \"@org/team <img src=https://e.vil/p.png>\"
    reason: \"[click](https://e.vil) | \\x1b[2J \\u202e\"
";
    let review = review_decisions(&[], &entries(hostile));
    let markdown = review.markdown();
    for raw in [
        "\x1b",
        "\u{202e}",
        "@org",
        "](https://",
        "<img src=https://e.vil/p.png>",
    ] {
        assert!(!markdown.contains(raw), "{raw:?} survives in\n{markdown}");
    }
    for row in markdown.lines().filter(|l| l.starts_with("| added")) {
        let cells = row
            .char_indices()
            .filter(|&(at, c)| c == '|' && !row[..at].ends_with('\\'))
            .count();
        assert_eq!(cells, 6, "a value broke the row: {row}");
    }
}

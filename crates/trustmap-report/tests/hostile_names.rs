//! Names from the scanned files cannot be turned against the reader of any output: a service,
//! zone, file, flow and decision written to inject HTML, links, images, mentions, terminal
//! sequences, bidirectional overrides and GitHub workflow commands comes out as text in every
//! format.

use trustmap_model::Code;
use trustmap_model::{
    Diagnostic, DiagnosticLevel, Element, ElementId, ElementKind, Fragment, INTERNET_ELEMENT,
    Model, Span, TrustLevel, Zone, ZoneKind,
};
use trustmap_rules::{
    Certainty, Decision, DecisionKind, Finding, RuleSet, Scoring, Severity, Stride, Subject,
};
use trustmap_testkit::model;

/// Everything an attacker may put in a name at once.
const HOSTILE: &str = "x\n::error title=pwned::y<img src=https://e.vil/p.png>[click](https://e.vil)`co|de`\x1b]8;;https://e.vil\x07link\x1b]8;;\x07\x1b[2J\u{202e}@org/team *b* _i_ &amp; \"q\" 'a'\r::warning::z";
/// A file name that is a workflow command by itself.
const COMMAND_FILE: &str = "::error title=pwned::y.compose.yaml";
/// What must not survive in any output: terminal sequences, bidirectional overrides and line
/// breaks inside a name.
const RAW: &[&str] = &["\x1b", "\x07", "\u{202e}", "\r", "\n::"];
/// What must not survive in a document a browser renders: HTML and links.
const MARKUP: &[&str] = &["<img", "](https://"];
/// What must not survive in HTML and SVG, where brackets are only text.
const HTML: &[&str] = &["<img"];

fn span(file: &str, line: u32) -> Span {
    model::span(file, (line, 1), (line, 9))
}

fn model() -> Model {
    let zone = Zone {
        span: Some(span(HOSTILE, 1)),
        ..model::zone("z", HOSTILE, ZoneKind::Network, None, TrustLevel::High)
    };
    let element = |id: &str, file: &str| Element {
        technology: Some(HOSTILE.into()),
        ..model::element(id, HOSTILE, ElementKind::Process, "z", Some(span(file, 2)))
    };
    let flow = model::flow(
        INTERNET_ELEMENT,
        &format!("svc/{HOSTILE}"),
        Some(HOSTILE),
        &[HOSTILE],
        "test",
        Some(span(HOSTILE, 3)),
    );
    Model::build(vec![Fragment {
        zones: vec![zone],
        elements: vec![
            element(&format!("svc/{HOSTILE}"), HOSTILE),
            element("svc/command", COMMAND_FILE),
        ],
        flows: vec![flow],
        diagnostics: vec![],
    }])
}

fn findings(model: &Model) -> Vec<Finding> {
    let finding = |file: &str, decided: bool| Finding {
        rule_id: "TM-E001".into(),
        stride: Stride::ElevationOfPrivilege,
        severity: Severity::High,
        certainty: Certainty::Definite,
        scoring: Scoring::fixed(Severity::High, Certainty::Definite),
        subject: Subject::Element(ElementId(format!("svc/{HOSTILE}"))),
        message: format!("{HOSTILE} runs privileged"),
        location: Some(span(file, 7)),
        related: vec![],
        attack_path: vec![],
        fingerprint: "f".into(),
        decision: decided.then(|| Decision {
            kind: DecisionKind::Accept,
            owner: Some(HOSTILE.into()),
            reason: HOSTILE.into(),
            ticket: Some(HOSTILE.into()),
            expires: Some(HOSTILE.into()),
            detail: Some(HOSTILE.into()),
            inline: false,
            span: span(HOSTILE, 1),
            expired: false,
        }),
        categories: vec![Stride::ElevationOfPrivilege],
        checks: vec![],
        folded: vec![],
        message_parts: vec![],
    };
    assert!(model.elements().count() >= 3);
    vec![
        finding(HOSTILE, false),
        finding(HOSTILE, true),
        finding(COMMAND_FILE, false),
    ]
}

fn diagnostics() -> Vec<Diagnostic> {
    vec![
        Diagnostic::file(DiagnosticLevel::Error, Code::YamlSyntax, HOSTILE, HOSTILE),
        // A code is the registry's, but the field is plain text (a deserialized diagnostic).
        Diagnostic {
            code: HOSTILE.to_string(),
            ..Diagnostic::file(DiagnosticLevel::Warning, Code::Walk, COMMAND_FILE, HOSTILE)
        },
    ]
}

fn assert_no_raw_payload(format: &str, out: &str) {
    for raw in RAW {
        assert!(!out.contains(raw), "{format}: {raw:?} survives in\n{out}");
    }
}

fn assert_none_of(format: &str, out: &str, payloads: &[&str]) {
    assert_no_raw_payload(format, out);
    for raw in payloads {
        assert!(!out.contains(raw), "{format}: {raw:?} survives in\n{out}");
    }
}

/// The Markdown outside inline code spans (a code span shows its text as it is, so `<img>`
/// in one is only text): each span, fenced by a run of backticks and closed by a run of the
/// same length, is left out.
fn outside_code_spans(markdown: &str) -> String {
    let mut out = String::new();
    let mut rest = markdown;
    while let Some(open) = rest.find('`') {
        out.push_str(&rest[..open]);
        let fence = rest[open..].len() - rest[open..].trim_start_matches('`').len();
        let after = &rest[open + fence..];
        let mut search = 0;
        let close = loop {
            match after[search..].find('`') {
                None => break None,
                Some(at) => {
                    let start = search + at;
                    let run = after[start..].len() - after[start..].trim_start_matches('`').len();
                    if run == fence {
                        break Some(start);
                    }
                    search = start + run;
                }
            }
        };
        match close {
            Some(close) => rest = &after[close + fence..],
            None => {
                out.push_str(&rest[open..open + fence]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// No line, once leading white space is trimmed as GitHub's runner does, starts `::`.
fn assert_no_workflow_command(format: &str, out: &str) {
    for line in out.split(['\n', '\r']) {
        assert!(
            !line.trim_start().starts_with("::"),
            "{format}: a line is a workflow command: {line:?}"
        );
    }
}

#[test]
fn text_output_shows_hostile_names_as_visible_escapes_and_starts_no_workflow_command() {
    let model = model();
    let text = trustmap_report::findings_text(
        &findings(&model),
        &RuleSet::builtin().unwrap(),
        &diagnostics(),
    );
    assert_no_raw_payload("text", &text);
    assert_no_workflow_command("text", &text);
    assert!(text.contains("\\x1b]8;;https://e.vil\\x07"), "{text}");
    assert!(text.contains("\\u{202e}"), "{text}");
    assert!(
        text.contains("\\u{3a}:error title=pwned::y.compose.yaml"),
        "{text}"
    );
}

#[test]
fn diagnostics_display_starts_no_workflow_command() {
    for diagnostic in diagnostics() {
        let line = diagnostic.to_string();
        assert_no_raw_payload("diagnostic", &line);
        assert_no_workflow_command("diagnostic", &line);
        assert_eq!(line.lines().count(), 1);
    }
}

/// Every table row keeps the number of cells of its table: no `|` in a name ends a cell.
fn assert_tables_keep_their_cells(out: &str) {
    let mut columns = None;
    for line in out.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let bytes = line.as_bytes();
        let mut cells = 0;
        let mut escaped = false;
        for &b in bytes {
            match (b, escaped) {
                (b'\\', false) => escaped = true,
                (b'|', false) => cells += 1,
                _ => escaped = false,
            }
        }
        match columns {
            None => columns = Some(cells),
            Some(n) => assert_eq!(cells, n, "a row has another number of cells: {line}"),
        }
    }
}

#[test]
fn markdown_escapes_every_name_for_its_cell_code_span_and_diagram_label() {
    let model = model();
    let markdown = trustmap_report::findings_markdown(
        &findings(&model),
        &RuleSet::builtin().unwrap(),
        &model,
        &diagnostics(),
    );
    assert_none_of("markdown", &outside_code_spans(&markdown), MARKUP);
    assert_no_raw_payload("markdown", &markdown);
    assert_no_workflow_command("markdown", &markdown);
    assert_tables_keep_their_cells(&markdown);
    let prose = outside_code_spans(&markdown);
    assert!(!prose.contains("https://e.vil"), "a link survives: {prose}");
    assert!(!prose.contains("@org"), "a mention survives: {prose}");
    assert!(!prose.contains(" *b* "), "emphasis survives: {prose}");
    // The Mermaid block is closed only by its own fence.
    let diagram = markdown
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```\n").next())
        .expect("a mermaid block");
    assert!(!diagram.contains('`'), "{diagram}");
}

#[test]
fn mermaid_and_dot_labels_stay_quoted_labels() {
    let model = model();
    let mermaid = trustmap_report::mermaid(&model);
    assert_none_of("mermaid", &mermaid, HTML);
    assert_no_workflow_command("mermaid", &mermaid);
    assert!(
        !mermaid.contains('`') && !mermaid.contains('<'),
        "{mermaid}"
    );
    let dot = trustmap_report::dot(&model);
    assert_no_raw_payload("dot", &dot);
    assert_no_workflow_command("dot", &dot);
    for line in dot.lines() {
        let line = line.trim();
        assert!(
            line.ends_with(';') || line.ends_with('{') || line.ends_with('}'),
            "a label broke out of its string: {line:?}"
        );
    }
}

#[test]
fn html_and_svg_hold_hostile_names_as_text() {
    let model = model();
    let findings = findings(&model);
    let svg = trustmap_report::svg(&model, &findings);
    assert_none_of("svg", &svg, HTML);
    let document = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert!(document.descendants().all(|n| n.tag_name().name() != "img"));
    let html = trustmap_report::html_report(
        &model,
        &findings,
        &RuleSet::builtin().unwrap(),
        &diagnostics(),
        // What trustmap-drift's text gives for a change about the hostile name.
        Some(&trustmap_model::printable(HOSTILE)),
    );
    assert_none_of("html", &html, HTML);
    assert!(!html.contains("href=\"https://e.vil"), "a link survives");
}

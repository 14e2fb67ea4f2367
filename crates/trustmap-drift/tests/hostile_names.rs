//! Drift output cannot be turned against its reader: a service and a file named to inject
//! terminal sequences, workflow commands, HTML, links and mentions come out as text in the
//! drift's text and Markdown.

use trustmap_drift::{compare, markdown, text};
use trustmap_model::{
    Attributes, Element, ElementId, ElementKind, Flow, Fragment, INTERNET_ELEMENT, Model, Position,
    Snapshot, Span, TrustLevel, Zone, ZoneId, ZoneKind,
};

const HOSTILE: &str = "x\n::error title=pwned::y<img src=https://e.vil/p.png>[click](https://e.vil)`co|de`\x1b]8;;https://e.vil\x07link\x1b]8;;\x07\u{202e}@org/team\r::warning::z";
const COMMAND_FILE: &str = "::error title=pwned::y.compose.yaml";

fn span(file: &str) -> Span {
    Span {
        file: file.into(),
        start: Position { line: 3, column: 1 },
        end: Position { line: 3, column: 9 },
    }
}

/// Today's model: the baseline plus two hostile services published to the internet.
fn snapshots() -> (Snapshot, Snapshot) {
    let zone = Zone {
        id: ZoneId("z".into()),
        kind: ZoneKind::Network,
        name: HOSTILE.into(),
        parent: None,
        trust: TrustLevel::Medium,
        span: None,
        attributes: Attributes::default(),
    };
    let fragment = |hostile: bool| {
        let service = |id: &str, file: &str| Element {
            id: ElementId(id.into()),
            kind: ElementKind::Process,
            name: HOSTILE.into(),
            technology: None,
            zone: ZoneId("z".into()),
            attached_zones: vec![],
            called_from: None,
            span: Some(span(file)),
            attributes: Attributes::default(),
        };
        let mut fragment = Fragment {
            zones: vec![zone.clone()],
            ..Fragment::default()
        };
        if hostile {
            for (id, file) in [
                (format!("svc/{HOSTILE}"), HOSTILE),
                ("svc/c".into(), COMMAND_FILE),
            ] {
                fragment.flows.push(Flow::new(
                    ElementId(INTERNET_ELEMENT.into()),
                    ElementId(id.clone()),
                    Some("http".into()),
                    vec!["80".into()],
                    "published-port",
                    Some(span(file)),
                ));
                fragment.elements.push(service(&id, file));
            }
        }
        fragment
    };
    (
        Snapshot::of(&Model::build(vec![fragment(false)])),
        Snapshot::of(&Model::build(vec![fragment(true)])),
    )
}

#[test]
fn drift_text_shows_hostile_names_as_visible_escapes_and_starts_no_workflow_command() {
    let (baseline, current) = snapshots();
    let drift = compare(&baseline, &current);
    assert!(!drift.is_empty());
    let out = text(&drift);
    for raw in ["\x1b", "\x07", "\u{202e}", "\r", "\n::"] {
        assert!(!out.contains(raw), "{raw:?} survives in\n{out}");
    }
    for line in out.lines() {
        assert!(!line.trim_start().starts_with("::"), "{line:?}");
    }
    assert!(
        out.contains("\\u{3a}:error title=pwned::y.compose.yaml"),
        "{out}"
    );
}

#[test]
fn drift_markdown_escapes_hostile_names_in_cells_code_spans_and_the_diagram() {
    let (baseline, current) = snapshots();
    let out = markdown(&compare(&baseline, &current), &current);
    for raw in ["\x1b", "\x07", "\u{202e}", "\r", "\n::"] {
        assert!(!out.contains(raw), "{raw:?} survives in\n{out}");
    }
    let rows: Vec<&str> = out.lines().filter(|l| l.starts_with("| New")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    for row in rows {
        let mut cells = Vec::new();
        let mut start = 1;
        for (at, c) in row.char_indices().skip(1) {
            if c == '|' && !row[..at].ends_with('\\') {
                cells.push(row[start..at].trim());
                start = at + 1;
            }
        }
        let [_, what, place] = cells[..] else {
            panic!("a name broke its table row: {row}");
        };
        // Prose: no HTML, link, mention; the place is one code span (only text inside).
        for raw in ["<img", "](https://", "@org", "https://"] {
            assert!(!what.contains(raw), "{raw:?} survives in {what}");
        }
        let fence = &place[..place.len() - place.trim_start_matches('`').len()];
        assert!(
            fence.len() > 1 || !place[1..place.len() - 1].contains('`'),
            "{place}"
        );
        assert!(
            place.ends_with(fence) && place.len() > 2 * fence.len(),
            "{place}"
        );
    }
    let diagram = out.split("```mermaid\n").nth(1).expect("a diagram");
    assert!(
        !diagram
            .trim_end()
            .trim_end_matches("```")
            .contains(['`', '<']),
        "{diagram}"
    );
}

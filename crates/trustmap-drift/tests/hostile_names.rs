//! Drift output cannot be turned against its reader: a service and a file named to inject
//! terminal sequences, workflow commands, HTML, links and mentions come out as text in the
//! drift's text and Markdown.

use trustmap_drift::{compare, markdown, text};
use trustmap_model::{
    ElementKind, Fragment, INTERNET_ELEMENT, Model, Snapshot, Span, TrustLevel, ZoneKind,
};
use trustmap_testkit::model;

const HOSTILE: &str = "x\n::error title=pwned::y<img src=https://e.vil/p.png>[click](https://e.vil)`co|de`\x1b]8;;https://e.vil\x07link\x1b]8;;\x07\u{202e}@org/team\r::warning::z";
const COMMAND_FILE: &str = "::error title=pwned::y.compose.yaml";

fn span(file: &str) -> Span {
    model::span(file, (3, 1), (3, 9))
}

/// Today's model: the baseline plus two hostile services published to the internet.
fn snapshots() -> (Snapshot, Snapshot) {
    let zone = model::zone("z", HOSTILE, ZoneKind::Network, None, TrustLevel::Medium);
    let fragment = |hostile: bool| {
        let service = |id: &str, file: &str| {
            model::element(id, HOSTILE, ElementKind::Process, "z", Some(span(file)))
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
                fragment.flows.push(model::flow(
                    INTERNET_ELEMENT,
                    &id,
                    Some("http"),
                    &["80"],
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

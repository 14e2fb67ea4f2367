//! Drift as a pull-request comment: a summary line, the weakening changes, the others, and
//! today's data-flow diagram with the changes highlighted.
//!
//! The diagram is trustmap-report's Mermaid flowchart ([`mermaid_highlighted`]) of the model
//! rebuilt from today's snapshot, so it reads exactly like `trustmap model --format mermaid`.

use crate::{Change, ChangeKind, Drift, SubjectKind};
use std::fmt::Write as _;
use trustmap_model::{ElementId, FlowId, Fragment, Model, Snapshot};
use trustmap_report::{
    Highlight, Highlights, markdown_cell as cell, markdown_code, mermaid_highlighted,
};

/// What a comment may hold: GitHub refuses comments over 65,536 characters, and a byte is never
/// less than a character.
const COMMENT_MAX: usize = 60_000;
/// The most bytes the tables may take, so the diagram keeps room.
const WEAKENING_TABLE_MAX: usize = 20_000;
const OTHER_TABLE_MAX: usize = 8_000;

/// Renders the drift as Markdown for a pull-request comment.
///
/// A `## Threat-model drift` heading and a summary line, then a table of the weakening changes
/// and one of the others (`Change | What | Where`, where is `file:line`), then a Mermaid
/// `flowchart LR` of `current` in which elements and flows a weakening change is about are red
/// and new ones green. Tables too long for a comment end with a row that says how many changes
/// were left out; a diagram too large for GitHub is left out with a sentence that says so. The
/// output is deterministic and stays under GitHub's comment size limit.
#[must_use]
pub fn markdown(drift: &Drift, current: &Snapshot) -> String {
    let mut out = String::from("## Threat-model drift\n\n");
    let total = drift.changes().len();
    let weakening = drift.weakening().count();
    let other = total - weakening;
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    if total == 0 {
        out.push_str("No drift: the model matches the reviewed baseline.\n\n");
    } else if weakening == 0 {
        let _ = writeln!(
            out,
            "No change weakens the system; {} since the reviewed baseline.\n",
            plural(other, "other change", "other changes")
        );
    } else {
        let _ = writeln!(
            out,
            "**{} the system** and {} since the reviewed baseline.\n",
            plural(weakening, "change weakens", "changes weaken"),
            plural(other, "other change", "other changes")
        );
    }

    let weakening_changes: Vec<&Change> = drift.weakening().collect();
    let other_changes: Vec<&Change> = drift.changes().iter().filter(|c| !c.weakens).collect();
    for (heading, changes, max) in [
        ("Weakening changes", &weakening_changes, WEAKENING_TABLE_MAX),
        ("Other changes", &other_changes, OTHER_TABLE_MAX),
    ] {
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {heading}\n");
        out.push_str("| Change | What | Where |\n| --- | --- | --- |\n");
        let start = out.len();
        for (shown, change) in changes.iter().enumerate() {
            let row = format!(
                "| {} | {} | {} |\n",
                change.kind.title(),
                cell(&change.message),
                place(change)
            );
            if out.len() - start + row.len() > max {
                let _ = writeln!(
                    out,
                    "| | … and {} more: see `--format json` | |",
                    changes.len() - shown
                );
                break;
            }
            out.push_str(&row);
        }
        out.push('\n');
    }

    out.push_str("### Data-flow diagram\n\n");
    let budget = COMMENT_MAX.saturating_sub(out.len() + 400);
    match mermaid_highlighted(&model(current), &highlights(drift, current), budget) {
        Some(diagram) => {
            out.push_str(
                "Today's model; red: what a weakening change is about, green: what is new.\n\n",
            );
            out.push_str("```mermaid\n");
            out.push_str(&diagram);
            out.push_str("```\n");
        }
        None => out.push_str(
            "The model is too large for a diagram GitHub can render: see `trustmap model \
             --format mermaid`.\n",
        ),
    }
    out
}

/// Today's model, rebuilt from its snapshot for the diagram.
fn model(current: &Snapshot) -> Model {
    Model::build(vec![Fragment {
        zones: current.zones.clone(),
        elements: current.elements.iter().map(|e| e.element.clone()).collect(),
        flows: current.flows.iter().map(|f| f.flow.clone()).collect(),
        diagnostics: vec![],
    }])
}

/// What the diagram highlights: the subjects of the changes, weakened (red) when a change about
/// them weakens, added (green) when they are new; zones are not drawn as nodes. The element a
/// new door from the internet opens is weakened too, since that change is told on the flow.
fn highlights(drift: &Drift, current: &Snapshot) -> Highlights {
    let mut highlights = Highlights::default();
    for change in drift.changes() {
        let id = &change.subject.id;
        let highlight = if change.weakens {
            Highlight::Weakened
        } else if matches!(
            change.kind,
            ChangeKind::ElementAdded | ChangeKind::FlowAdded | ChangeKind::NewBoundaryCrossing
        ) {
            Highlight::Added
        } else {
            continue;
        };
        match change.subject.kind {
            SubjectKind::Element => highlights.element(ElementId(id.clone()), highlight),
            SubjectKind::Flow => {
                highlights.flow(FlowId(id.clone()), highlight);
                if change.kind == ChangeKind::NewEntryPoint
                    && let Some(door) = current.flows.iter().find(|f| f.flow.id.0 == *id)
                {
                    highlights.element(door.flow.target.clone(), Highlight::Weakened);
                }
            }
            SubjectKind::Zone => {}
        }
    }
    highlights
}

/// Where a change points: `` `file:line` ``, or `(no location)`.
fn place(change: &Change) -> String {
    match &change.span {
        Some(span) if !span.file.is_empty() => {
            markdown_code(&format!("{}:{}", span.file, span.start.line))
        }
        _ => "(no location)".to_string(),
    }
}

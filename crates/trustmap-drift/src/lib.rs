//! Threat-model drift: what changed between the reviewed model (a baseline
//! [`trustmap_model::Snapshot`], committed as JSON) and today's, and whether the change weakens
//! the system.
//!
//! [`compare`] matches elements, flows and zones by id and gives a [`Drift`]: a sorted list of
//! [`Change`]s, each with a stable kind, its subject, a message for people, the span that causes
//! it and whether it weakens. New doors from the internet, new crossings into higher trust and
//! attributes that got weaker per their [`trustmap_model::Polarity`] weaken; additions,
//! removals and strengthened attributes are told for information.
//!
//! Every renderer is pure and deterministic (sorted, no timestamps, no absolute paths):
//!
//! | function | what |
//! | --- | --- |
//! | [`text`] | the changes for a terminal |
//! | [`json`] | a stable JSON document ([`DRIFT_VERSION`]) |
//! | [`markdown`] | a pull-request comment: summary, tables, the DFD with the changes highlighted |
//! | [`sarif()`] | SARIF 2.1.0, one result per weakening change, for GitHub code scanning |

mod compare;
mod json;
mod markdown;
mod sarif;
mod text;

pub use compare::{Change, ChangeKind, Drift, Subject, SubjectKind, compare};
pub use json::{DRIFT_VERSION, json};
pub use markdown::markdown;
pub use sarif::{DRIFT_FINGERPRINT_KEY, DRIFT_TOOL_NAME, sarif, sarif_bounded};
pub use text::text;

use trustmap_model::printable;

/// Where a change points, `file:line:col`, or its subject's id when it has no source span,
/// [`printable`] on a terminal.
fn place(change: &Change) -> String {
    match &change.span {
        Some(span) if !span.file.is_empty() => printable(&span.to_string()).into_owned(),
        _ => printable(&change.subject.id).into_owned(),
    }
}

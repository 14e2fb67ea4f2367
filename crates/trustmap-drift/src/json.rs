//! Drift as a stable JSON document, for scripts.

use crate::{Drift, Subject};
use serde::Serialize;
use trustmap_model::{AttrName, Span, Tri};
use trustmap_report::pretty_json;

/// The version of the drift document; bumped when a field changes meaning.
pub const DRIFT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    weakened: bool,
    summary: Summary,
    changes: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    weakening: usize,
    other: usize,
}

/// One change. The fields are listed here rather than derived on [`crate::Change`] so that the
/// document only changes when this file does.
#[derive(Serialize)]
struct Entry<'a> {
    kind: &'static str,
    subject: &'a Subject,
    #[serde(skip_serializing_if = "Option::is_none")]
    attribute: Option<AttrName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<Tri>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<Tri>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    items: &'a [String],
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Span>,
    weakens: bool,
    fingerprint: String,
}

/// Renders the drift as pretty JSON with a trailing newline:
///
/// ```json
/// {
///   "version": 1,
///   "weakened": true,
///   "summary": {"total": 2, "weakening": 1, "other": 1},
///   "changes": [{"kind": "weakened-attribute",
///                "subject": {"kind": "flow", "id": "..."},
///                "attribute": "encrypted_in_transit", "before": "yes", "after": "no",
///                "message": "...", "location": {"file": "...", "start": {...}, "end": {...}},
///                "weakens": true, "fingerprint": "..."}]
/// }
/// ```
///
/// Changes are in [`Drift::changes`] order. `attribute`, `before`, `after` (`yes`, `no`,
/// `unknown`; absent when not stated), `items` and `location` are left out when there is none.
#[must_use]
pub fn json(drift: &Drift) -> String {
    let weakening = drift.weakening().count();
    let document = Document {
        version: DRIFT_VERSION,
        weakened: drift.weakened(),
        summary: Summary {
            total: drift.changes().len(),
            weakening,
            other: drift.changes().len() - weakening,
        },
        changes: drift
            .changes()
            .iter()
            .map(|c| Entry {
                kind: c.kind.as_str(),
                subject: &c.subject,
                attribute: c.attribute,
                before: c.before,
                after: c.after,
                items: &c.items,
                message: &c.message,
                location: c.span.as_ref(),
                weakens: c.weakens,
                fingerprint: c.fingerprint(),
            })
            .collect(),
    };
    pretty_json(&document)
}

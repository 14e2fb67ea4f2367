//! Drift as text for a terminal: the weakening changes, the others, and a one-line summary.

use crate::{Drift, place};
use std::fmt::Write as _;
use trustmap_model::printable;

/// Renders the drift as readable text.
///
/// ```text
/// weakening
///   compose.yaml:12:7  new-entry-point     new flow from the internet: Internet user -> web (http/80)
///   compose.yaml:20:9  weakened-attribute  web: encrypted_in_transit went from yes to no
///
/// other
///   compose.yaml:5:3   element-removed     data store cache was removed
///
/// 3 changes since the baseline: 2 weaken the system, 1 other
/// ```
///
/// A change without a source span is placed by its subject's id. No change at all gives
/// `no drift: the model matches the baseline`.
#[must_use]
pub fn text(drift: &Drift) -> String {
    if drift.is_empty() {
        return "no drift: the model matches the baseline\n".to_string();
    }
    let places: Vec<String> = drift.changes().iter().map(place).collect();
    let width = places.iter().map(|p| p.chars().count()).max().unwrap_or(0);
    let kind_width = drift
        .changes()
        .iter()
        .map(|c| c.kind.as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (heading, weakening) in [("weakening", true), ("other", false)] {
        let mut lines = drift
            .changes()
            .iter()
            .zip(&places)
            .filter(|(c, _)| c.weakens == weakening)
            .peekable();
        if lines.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "{heading}");
        for (change, place) in lines {
            let _ = writeln!(
                out,
                "  {place:<width$}  {:<kind_width$}  {}",
                change.kind.as_str(),
                printable(&change.message)
            );
        }
        out.push('\n');
    }
    let total = drift.changes().len();
    let weakening = drift.weakening().count();
    let _ = writeln!(
        out,
        "{total} {} since the baseline: {weakening} {} the system, {} other",
        if total == 1 { "change" } else { "changes" },
        if weakening == 1 { "weakens" } else { "weaken" },
        total - weakening
    );
    out
}

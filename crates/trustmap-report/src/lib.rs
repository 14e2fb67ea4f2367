//! Output formats: the findings as text, JSON, SARIF or an HTML report, and the data-flow
//! diagram as JSON, Mermaid, Graphviz DOT or SVG.
//!
//! Every name taken from the scanned files is escaped for where it lands: Markdown cells and
//! code spans ([`markdown_cell`], [`markdown_code`]), HTML and SVG, Mermaid and DOT labels, and
//! terminal text ([`trustmap_model::printable`]).
//!
//! Every function here is pure and deterministic: the same model, findings and diagnostics give
//! byte-identical output (no timestamps, no hash-map order, no absolute paths). Findings are
//! printed in the order they are given ([`trustmap_rules::evaluate`] sorts them); diagnostics
//! are sorted here, so callers may pass them in any order.
//!
//! | function | what |
//! | --- | --- |
//! | [`findings_text`] | findings grouped by file, for a terminal |
//! | [`findings_json`] | findings as a stable JSON document ([`REPORT_VERSION`]) |
//! | [`findings_markdown`] | the threat model as a document: DFD, boundaries, threats by STRIDE with decisions |
//! | [`sarif()`], [`sarif_bounded`] | SARIF 2.1.0 for GitHub code scanning, at most [`trustmap_model::Limit::SarifResults`] results |
//! | [`model_json`] | the threat-model snapshot ([`trustmap_model::Snapshot`]) |
//! | [`mermaid`] | the DFD as a Mermaid flowchart, within GitHub's rendering limits |
//! | [`mermaid_highlighted`] | the same flowchart with some elements and flows highlighted ([`Highlights`]) |
//! | [`dot`] | the DFD as Graphviz DOT, zones as clusters |
//! | [`svg()`] | the DFD as a standalone SVG, laid out here (no Graphviz): nested trust boundaries, threats marked |
//! | [`html_report`] | one self-contained HTML page: summary, the SVG, threats filterable by STRIDE and severity, decisions, diagnostics, drift |
//! | [`diagram_layout`] | the geometry the SVG draws (boxes, routes, labels), for tests and other renderers |
//!
//! Building blocks for other renderers (trustmap-drift's), so their output reads like these:
//! [`flow_label`], [`escape_chars`], [`markdown_cell`], [`markdown_code`] and [`pretty_json`]; for SARIF, [`sarif_location`],
//! [`sarif_physical_location`], [`sarif_logical_location`], [`sarif_region`],
//! [`encode_uri_path`], [`sarif_keep_most_severe`], [`sarif_notification`], [`sarif_message`], [`sarif_text`], [`sarif_level`] and
//! [`sarif_level_name`].

mod diagram;
mod dot;
mod escape;
mod html;
mod json;
mod layout;
mod markdown;
mod mermaid;
mod sarif;
mod svg;
mod text;

pub use diagram::flow_label;
pub use dot::dot;
pub use escape::{markdown_cell, markdown_code};
pub use html::html_report;
pub use json::{REPORT_VERSION, findings_json, model_json, pretty as pretty_json};
pub use layout::{
    DiagramLayout, EdgeLabel, EdgeRoute, NodeBox, Point, Rect, WRAP, ZoneBox, diagram_layout,
};
pub use markdown::findings_markdown;
pub use mermaid::{
    Highlight, Highlights, MERMAID_MAX_CHARS, MERMAID_MAX_EDGES, mermaid, mermaid_highlighted,
};
pub use sarif::{
    FINGERPRINT_KEY, SARIF_SCHEMA, SRCROOT, SarifOptions, encode_uri_path,
    keep_most_severe as sarif_keep_most_severe, location as sarif_location,
    logical as sarif_logical_location, message as sarif_message,
    notification as sarif_notification, physical_location as sarif_physical_location,
    region as sarif_region, result_level as sarif_level, result_level_name as sarif_level_name,
    sarif, sarif_bounded, text as sarif_text,
};
pub use svg::svg;
pub use text::findings_text;

use trustmap_model::{Diagnostic, DiagnosticLevel, TrustLevel, printable};
use trustmap_rules::{Certainty, Finding, Severity};

/// Rewrites `text` one character at a time: a character that `replace` maps to `Some` is
/// written as that text, any other control character (a line break, a tab) as a space, a
/// bidirectional control (which would reorder what the reader sees) as its visible escape
/// (`\u{202e}`, as [`printable`] writes it), and the rest as they are. The escaping of every
/// label is built on it.
pub fn escape_chars(text: &str, replace: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut one = [0u8; 4];
    for c in text.chars() {
        match replace(c) {
            Some(replacement) => out.push_str(replacement),
            None if c.is_control() => out.push(' '),
            None if c.is_ascii() => out.push(c),
            None => out.push_str(&printable(c.encode_utf8(&mut one))),
        }
    }
    out
}

/// The diagnostics sorted (by file, line, level, code) and without duplicates, so that every
/// format lists them in the same order whatever order the caller gathered them in.
fn sorted_diagnostics(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort();
    sorted.dedup();
    sorted
}

/// The name of a diagnostic level, as SARIF and the text output spell it.
fn level_name(level: DiagnosticLevel) -> &'static str {
    match level {
        DiagnosticLevel::Note => "note",
        DiagnosticLevel::Warning => "warning",
        DiagnosticLevel::Error => "error",
    }
}

/// The name of a trust level, as the model's JSON spells it.
fn trust_name(trust: TrustLevel) -> &'static str {
    match trust {
        TrustLevel::Untrusted => "untrusted",
        TrustLevel::Low => "low",
        TrustLevel::Medium => "medium",
        TrustLevel::High => "high",
        TrustLevel::Privileged => "privileged",
    }
}

/// Counts shared by the text summary and the JSON summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    findings: usize,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    possible: usize,
    decided: usize,
    diagnostics: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

impl Counts {
    fn of(findings: &[Finding], diagnostics: &[&Diagnostic]) -> Counts {
        let mut counts = Counts {
            findings: findings.len(),
            diagnostics: diagnostics.len(),
            ..Counts::default()
        };
        for finding in findings {
            match finding.severity {
                Severity::Critical => counts.critical += 1,
                Severity::High => counts.high += 1,
                Severity::Medium => counts.medium += 1,
                Severity::Low => counts.low += 1,
            }
            if finding.certainty == Certainty::Possible {
                counts.possible += 1;
            }
            if finding.decided() {
                counts.decided += 1;
            }
        }
        for diagnostic in diagnostics {
            match diagnostic.level {
                DiagnosticLevel::Error => counts.errors += 1,
                DiagnosticLevel::Warning => counts.warnings += 1,
                DiagnosticLevel::Note => counts.notes += 1,
            }
        }
        counts
    }

    /// A scan is complete when no diagnostic is an error.
    fn complete(&self) -> bool {
        self.errors == 0
    }
}

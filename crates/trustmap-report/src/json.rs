//! Findings and the model as stable JSON documents, for scripts and for `trustmap diff`.

use crate::{Counts, level_name, sorted_diagnostics};
use serde::Serialize;
use trustmap_model::{Diagnostic, Model, Snapshot, Span};
use trustmap_rules::{
    Certainty, Decision, FailedCheck, Finding, PathStep, RelatedLocation, RuleSet, Scoring,
    Severity, Stride, Subject,
};

/// The version of the findings document; bumped when a field changes meaning.
pub const REPORT_VERSION: u32 = 1;

/// The findings document: `{version, findings, diagnostics, summary}`.
#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    findings: Vec<FindingEntry<'a>>,
    diagnostics: Vec<DiagnosticEntry<'a>>,
    summary: Summary,
}

/// One finding, with the title of its rule. The fields are listed here rather than flattened
/// from [`Finding`] so that the document only changes when this file does.
#[derive(Serialize)]
struct FindingEntry<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    stride: Stride,
    severity: Severity,
    /// `critical: exposed to the internet, host takeover`.
    severity_reason: String,
    /// The score and its factors.
    scoring: &'a Scoring,
    certainty: Certainty,
    subject: &'a Subject,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Span>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    related: &'a [RelatedLocation],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    attack_path: &'a [PathStep],
    fingerprint: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a Decision>,
    categories: &'a [Stride],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    checks: &'a [FailedCheck],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    folded: Vec<FindingEntry<'a>>,
}

impl<'a> FindingEntry<'a> {
    fn of(f: &'a Finding, rules: &'a RuleSet) -> FindingEntry<'a> {
        FindingEntry {
            rule_id: &f.rule_id,
            title: rules.get(&f.rule_id).map(|r| r.title.as_str()),
            stride: f.stride,
            severity: f.severity,
            severity_reason: f.scoring.reason(),
            scoring: &f.scoring,
            certainty: f.certainty,
            subject: &f.subject,
            message: &f.message,
            location: f.location.as_ref(),
            related: &f.related,
            attack_path: &f.attack_path,
            fingerprint: &f.fingerprint,
            decision: f.decision.as_ref(),
            categories: &f.categories,
            checks: &f.checks,
            folded: f
                .folded
                .iter()
                .map(|g| FindingEntry::of(g, rules))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct DiagnosticEntry<'a> {
    level: &'static str,
    code: &'a str,
    message: &'a str,
    span: &'a Span,
}

#[derive(Serialize)]
struct Summary {
    findings: FindingCounts,
    diagnostics: DiagnosticCounts,
    /// False when a diagnostic is an error: part of the input was not scanned.
    complete: bool,
}

#[derive(Serialize)]
struct FindingCounts {
    total: usize,
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    possible: usize,
    decided: usize,
}

#[derive(Serialize)]
struct DiagnosticCounts {
    total: usize,
    error: usize,
    warning: usize,
    note: usize,
}

/// Renders findings and diagnostics as pretty JSON with a trailing newline:
///
/// ```json
/// {
///   "version": 1,
///   "findings": [{"rule_id": "TM-E001", "title": "...", "stride": "elevation_of_privilege",
///                 "severity": "critical",
///                 "severity_reason": "critical: exposed to the internet, host takeover",
///                 "scoring": {"score": "10.0", "rule_severity": "critical",
///                             "impact": ["host_takeover"], "reach": "exposed",
///                             "certainty": "definite"},
///                 "certainty": "definite",
///                 "subject": {"kind": "element", "id": "..."}, "message": "...",
///                 "location": {"file": "...", "start": {...}, "end": {...}},
///                 "related": [...], "attack_path": [...], "fingerprint": "...",
///                 "categories": ["elevation_of_privilege"], "checks": [...], "folded": [...]}],
///   "diagnostics": [{"level": "error", "code": "...", "message": "...", "span": {...}}],
///   "summary": {"findings": {"total": 1, "critical": 0, "high": 1, "medium": 0, "low": 0,
///               "possible": 0}, "diagnostics": {"total": 1, "error": 1, "warning": 0,
///               "note": 0}, "complete": false}
/// }
/// ```
///
/// `title` is absent for a finding whose rule is not in `rules`; `location`, `related` and
/// `attack_path` are absent when there is none. `categories` lists every STRIDE category of the
/// threat (`stride` first); `checks` (a checklist rule's failed checks: `id`, `label`,
/// `stride`, `certainty`, `decision`) and `folded` (the findings of other rules folded into
/// this one, each in this same form) are absent when empty.
#[must_use]
pub fn findings_json(findings: &[Finding], rules: &RuleSet, diagnostics: &[Diagnostic]) -> String {
    let diagnostics = sorted_diagnostics(diagnostics);
    let counts = Counts::of(findings, &diagnostics);
    let report = Report {
        version: REPORT_VERSION,
        findings: findings
            .iter()
            .map(|f| FindingEntry::of(f, rules))
            .collect(),
        diagnostics: diagnostics
            .iter()
            .map(|d| DiagnosticEntry {
                level: level_name(d.level),
                code: &d.code,
                message: &d.message,
                span: &d.span,
            })
            .collect(),
        summary: Summary {
            findings: FindingCounts {
                total: counts.findings,
                critical: counts.critical,
                high: counts.high,
                medium: counts.medium,
                low: counts.low,
                possible: counts.possible,
                decided: counts.decided,
            },
            diagnostics: DiagnosticCounts {
                total: counts.diagnostics,
                error: counts.errors,
                warning: counts.warnings,
                note: counts.notes,
            },
            complete: counts.complete(),
        },
    };
    pretty(&report)
}

/// The model as the threat-model snapshot: [`Snapshot::of`] as pretty JSON with a trailing
/// newline.
#[must_use]
pub fn model_json(model: &Model) -> String {
    Snapshot::of(model).to_json()
}

/// Any serializable document as pretty JSON (two-space indent, fields in declaration order)
/// with a trailing newline, the layout of every JSON and SARIF document trustmap writes.
///
/// # Panics
/// When `value` cannot be serialized: a map with non-string keys, or a failing `Serialize`
/// implementation. Plain data structs never do.
pub fn pretty<T: Serialize>(value: &T) -> String {
    // Serializing fails only for maps with non-string keys or for a failing `Serialize` impl;
    // the documents of this crate have neither, whatever the input holds.
    let mut text =
        serde_json::to_string_pretty(value).expect("report documents always serialize to JSON");
    text.push('\n');
    text
}

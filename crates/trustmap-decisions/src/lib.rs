//! Decisions: what the team does about each threat, from a decisions file (`trustmap.yaml`)
//! and from comments in the infrastructure code, applied to findings.
//!
//! A decision names a threat by its stable identity (rule id and element or flow id) or by rule
//! id and a path glob, never by line, so it survives edits. Each is one of mitigate, eliminate,
//! transfer or accept, with an owner, a reason, an optional ticket and an optional expiry date.
//! An expired decision no longer covers its threat, and a decision that matches no threat is
//! reported as stale so the file does not rot.
//!
//! [`review_decisions`] compares the base revision's decisions with the head's, so that a pull
//! request cannot grant itself decisions unseen: what it adds, changes and removes, and which
//! decisions are broad, as Markdown and as warnings.

mod date;
mod file;
mod inline;
mod review;

pub use date::Date;
pub use file::{DECISIONS_FILE, DecisionsFile, Settings, parse_decisions, parse_decisions_file};
pub use inline::inline_decisions;
pub use review::{
    BroadDecision, Broadness, Covered, DecisionChange, DecisionChangeKind, DecisionReview,
    broadness, is_broad, review_decisions,
};

use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, Span};
use trustmap_rules::{Decision, DecisionKind, Finding};

/// What a decision applies to.
#[derive(Debug, Clone)]
pub enum Scope {
    /// One element or flow, by id.
    Subject(String),
    /// Every finding of the rule located in a file matching the glob.
    Path(globset::GlobMatcher),
    /// The element declared at this span (an inline comment): any finding about it.
    Declared(Span),
}

/// One decision as written.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The rule it answers.
    pub rule: String,
    /// What it applies to.
    pub scope: Scope,
    /// The decision itself (its `expired` is set when applied).
    pub decision: Decision,
    /// The expiry as a date.
    pub expires: Option<Date>,
}

impl Entry {
    /// The decision as applied on `today`: expired when its date has passed.
    fn applied(&self, today: Date) -> Decision {
        let mut decision = self.decision.clone();
        decision.expired = self.expires.is_some_and(|d| d < today);
        decision
    }

    fn matches(&self, finding: &Finding, element_span: Option<&Span>) -> bool {
        self.rule == finding.rule_id && self.covers(finding, element_span)
    }

    /// Whether the decision's scope (subject, path or place) covers the finding, whatever
    /// rule it names.
    fn covers(&self, finding: &Finding, element_span: Option<&Span>) -> bool {
        match &self.scope {
            Scope::Subject(id) => finding.subject.id() == id,
            Scope::Path(glob) => finding
                .location
                .as_ref()
                .is_some_and(|l| glob.is_match(&l.file)),
            // A comment covers the resource it sits on or just above (up to three lines: above a
            // Kubernetes object's header), and the finding's own line.
            Scope::Declared(span) => {
                let comment = span.start.line;
                let above = |s: &Span, reach: u32| {
                    s.file == span.file
                        && (s.start.line >= comment && s.start.line <= comment + reach)
                };
                element_span.is_some_and(|s| above(s, 3))
                    || finding.location.as_ref().is_some_and(|s| above(s, 1))
            }
        }
    }
}

/// Applies decisions to findings: the first matching decision (inline comments before the
/// file) is attached to each finding, marked expired when its date has passed. A decision that
/// names a check's id (a retired rule's, kept by the check it became) is attached to that
/// check of the findings it covers, and a finding whose every check is decided is decided.
/// Returns the diagnostics for stale decisions, which match no finding.
///
/// `element_span` gives, for a finding, the span of the element it is about, so that a comment
/// above a resource covers the findings on its lines.
pub fn apply(
    findings: &mut [Finding],
    entries: &[Entry],
    today: Date,
    element_span: impl Fn(&Finding) -> Option<Span>,
) -> Vec<Diagnostic> {
    let mut used = vec![false; entries.len()];
    if entries.is_empty() {
        return Vec::new();
    }
    for finding in findings.iter_mut() {
        let span = element_span(finding);
        if let Some((index, entry)) = entries
            .iter()
            .enumerate()
            .find(|(_, e)| e.matches(finding, span.as_ref()))
        {
            used[index] = true;
            finding.decision = Some(entry.applied(today));
        }
        let by_check: Vec<(usize, usize)> = finding
            .checks
            .iter()
            .enumerate()
            .filter_map(|(at, check)| {
                let id = check.id.as_deref()?;
                entries
                    .iter()
                    .position(|e| e.rule == id && e.covers(finding, span.as_ref()))
                    .map(|index| (at, index))
            })
            .collect();
        for (at, index) in &by_check {
            used[*index] = true;
            finding.checks[*at].decision = Some(entries[*index].applied(today));
        }
        if !by_check.is_empty() {
            finding.refresh_checks();
        }
    }
    entries
        .iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(entry, _)| {
            Diagnostic::new(
                DiagnosticLevel::Warning,
                Code::StaleDecision,
                entry.decision.span.clone(),
                format!(
                    "this {} decision for {} matches no threat any more: remove it, or fix the id it names",
                    entry.decision.kind.as_str(),
                    entry.rule
                ),
            )
        })
        .collect()
}

/// Builds a decision's record.
pub(crate) fn decision(kind: DecisionKind, span: Span, inline: bool) -> Decision {
    Decision {
        kind,
        owner: None,
        reason: String::new(),
        ticket: None,
        expires: None,
        detail: None,
        inline,
        span,
        expired: false,
    }
}

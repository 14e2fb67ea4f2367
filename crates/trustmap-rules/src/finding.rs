//! Findings: one threat, on one element or flow, with where it is and how it is reached.

use crate::Scoring;
use serde::Serialize;
use std::fmt;
use trustmap_model::{ElementId, FlowId, Span};

/// The six STRIDE categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stride {
    /// S: pretending to be someone else.
    Spoofing,
    /// T: changing data or code.
    Tampering,
    /// R: acting without a trace.
    Repudiation,
    /// I: reading what one should not.
    InformationDisclosure,
    /// D: making the system unavailable.
    DenialOfService,
    /// E: gaining rights one should not have.
    ElevationOfPrivilege,
}

impl Stride {
    /// Every category, in STRIDE order.
    pub const ALL: [Stride; 6] = [
        Stride::Spoofing,
        Stride::Tampering,
        Stride::Repudiation,
        Stride::InformationDisclosure,
        Stride::DenialOfService,
        Stride::ElevationOfPrivilege,
    ];

    /// The letter rule ids carry (`TM-E001` is elevation of privilege).
    pub fn letter(self) -> char {
        match self {
            Stride::Spoofing => 'S',
            Stride::Tampering => 'T',
            Stride::Repudiation => 'R',
            Stride::InformationDisclosure => 'I',
            Stride::DenialOfService => 'D',
            Stride::ElevationOfPrivilege => 'E',
        }
    }

    /// The name used in rule files (`elevation_of_privilege`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stride::Spoofing => "spoofing",
            Stride::Tampering => "tampering",
            Stride::Repudiation => "repudiation",
            Stride::InformationDisclosure => "information_disclosure",
            Stride::DenialOfService => "denial_of_service",
            Stride::ElevationOfPrivilege => "elevation_of_privilege",
        }
    }

    /// The name for people (`Elevation of privilege`).
    pub fn title(self) -> &'static str {
        match self {
            Stride::Spoofing => "Spoofing",
            Stride::Tampering => "Tampering",
            Stride::Repudiation => "Repudiation",
            Stride::InformationDisclosure => "Information disclosure",
            Stride::DenialOfService => "Denial of service",
            Stride::ElevationOfPrivilege => "Elevation of privilege",
        }
    }

    /// Looks a category up by its rule-file name.
    pub fn parse(name: &str) -> Option<Stride> {
        Stride::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// How bad a threat is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Hardening.
    Low,
    /// Worth fixing.
    Medium,
    /// Exploitable.
    High,
    /// Exploitable from the internet with serious impact.
    Critical,
}

impl Severity {
    /// The name used in rule files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Looks a severity up by name.
    pub fn parse(name: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// GitHub code scanning's `security-severity` score (0.1–10.0) for this level: GitHub shows
    /// over 9.0 as critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
    pub fn score(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the model says the threat is there, or only cannot rule it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Every fact the rule needs is stated by the code.
    Definite,
    /// Some fact is unknown (an unresolved variable, a default the code does not state).
    Possible,
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Subject {
    /// An element.
    Element(ElementId),
    /// A flow.
    Flow(FlowId),
}

impl Subject {
    /// The subject's id as text.
    pub fn id(&self) -> &str {
        match self {
            Subject::Element(id) => &id.0,
            Subject::Flow(id) => &id.0,
        }
    }
}

/// A location that explains a finding: the other end of a flow, the declaration of an element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct RelatedLocation {
    /// Where.
    pub span: Span,
    /// What it is.
    pub message: String,
}

/// The message of a related location where the value that decides a finding, written
/// elsewhere (a module's caller, a variable file), is passed on: a module's argument, a local,
/// an output.
pub const PASSED_ON_HERE: &str = "the deciding value is passed on here";

/// The message of the related location where that value is used.
pub const USED_HERE: &str = "the deciding value is used here";

/// One step of an attack path from the internet: a flow and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PathStep {
    /// The flow followed.
    pub flow: FlowId,
    /// Where the flow is declared, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// A sentence for people ("Internet user -> web (http/80)").
    pub message: String,
}

/// What a team decided to do about a threat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// A control handles it; the decision says where the control lives.
    Mitigate,
    /// The design no longer has it.
    Eliminate,
    /// Someone else carries it (a provider, an insurer); the decision says who.
    Transfer,
    /// The risk is accepted as it is.
    Accept,
}

impl DecisionKind {
    /// The name used in decision files and comments.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Mitigate => "mitigate",
            DecisionKind::Eliminate => "eliminate",
            DecisionKind::Transfer => "transfer",
            DecisionKind::Accept => "accept",
        }
    }

    /// Looks a kind up by name.
    pub fn parse(name: &str) -> Option<DecisionKind> {
        [
            DecisionKind::Mitigate,
            DecisionKind::Eliminate,
            DecisionKind::Transfer,
            DecisionKind::Accept,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// A decision as applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// What was decided.
    pub kind: DecisionKind,
    /// Who owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Why.
    pub reason: String,
    /// A ticket that tracks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    /// The day it stops holding (`YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// For `mitigate`, where the control lives; for `transfer`, to whom.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Written as a comment in the infrastructure code itself (otherwise in the decisions file).
    pub inline: bool,
    /// Where it is written.
    pub span: Span,
    /// Its expiry date has passed: the threat is undecided again.
    pub expired: bool,
}

/// A check of a checklist rule that failed on the finding's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedCheck {
    /// The check's id, when it has one (a rule that became this check keeps its id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What is missing.
    pub label: String,
    /// Its STRIDE category.
    pub stride: Stride,
    /// Failed, or possibly failed (a fact it depends on is unknown).
    pub certainty: Certainty,
    /// A decision written for the check's id that covers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// What the check's failure is worth on its own (its impacts, the subject's reach, its
    /// certainty): the finding is rated by the checks it still lists.
    #[serde(skip)]
    pub scoring: Scoring,
}

impl FailedCheck {
    /// Whether a decision that has not expired covers the check.
    pub fn decided(&self) -> bool {
        self.decision.as_ref().is_some_and(|d| !d.expired)
    }
}

/// One threat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that found it.
    pub rule_id: String,
    /// The rule's STRIDE category (its first).
    pub stride: Stride,
    /// The severity scored from the path (`scoring`), at most the rule's.
    pub severity: Severity,
    /// Definite, or possible because a fact is unknown.
    pub certainty: Certainty,
    /// How `severity` was scored: the score and its factors.
    pub scoring: Scoring,
    /// What it is about.
    pub subject: Subject,
    /// The rule's message, filled in for this subject.
    pub message: String,
    /// The most specific span: the attribute that made the rule fire, else the subject's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Span>,
    /// Other places that explain it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLocation>,
    /// The shortest path from the internet to the subject, when there is one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attack_path: Vec<PathStep>,
    /// A hash of the rule id and the subject id: stable when lines move.
    pub fingerprint: String,
    /// The team's decision about it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Every STRIDE category of the threat, `stride` first: the rule's, or, for a rule with
    /// checks, those of the checks listed; then those of the findings folded into it.
    pub categories: Vec<Stride>,
    /// For a rule with checks: the checks that failed, in the rule's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<FailedCheck>,
    /// Findings of other rules that restate this one on the same door, folded into it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folded: Vec<Finding>,
    /// For a rule with checks: the rendered message around its `{missing}` placeholders, so
    /// that the message can be written again when checks are left out or decided.
    #[serde(skip)]
    pub message_parts: Vec<String>,
}

impl Finding {
    /// Whether a decision that has not expired covers the threat.
    pub fn decided(&self) -> bool {
        self.decision.as_ref().is_some_and(|d| !d.expired)
    }

    /// What `{missing}` says: the failed checks a decision does not cover, then `(decided:
    /// ...)` those it does; every check when all are decided.
    pub fn missing(&self) -> String {
        let label = |c: &&FailedCheck| match c.certainty {
            Certainty::Definite => c.label.clone(),
            Certainty::Possible => format!("{} (possibly)", c.label),
        };
        let (decided, open): (Vec<&FailedCheck>, Vec<&FailedCheck>) =
            self.checks.iter().partition(|c| c.decided());
        if open.is_empty() {
            return decided.iter().map(label).collect::<Vec<_>>().join(", ");
        }
        let mut text = open.iter().map(label).collect::<Vec<_>>().join(", ");
        if !decided.is_empty() {
            let names: Vec<String> = decided.iter().map(label).collect();
            text.push_str(&format!(" (decided: {})", names.join(", ")));
        }
        text
    }

    /// Writes the message, the categories and the decision of a finding with checks again
    /// from its checks, after some were left out or decided: `{missing}` lists the undecided
    /// checks, then `(decided: ...)` those a decision covers; when every check is decided, the
    /// first check's decision is the finding's. A finding without checks is left as it is.
    pub fn refresh_checks(&mut self) {
        if self.checks.is_empty() || self.message_parts.is_empty() {
            return;
        }
        let (decided, open): (Vec<&FailedCheck>, Vec<&FailedCheck>) =
            self.checks.iter().partition(|c| c.decided());
        self.message = self.message_parts.join(&self.missing());
        if open.is_empty() && self.decision.is_none() {
            self.decision = decided.first().and_then(|c| c.decision.clone());
        }
        let mut categories: Vec<Stride> = Vec::new();
        for check in if open.is_empty() { &decided } else { &open } {
            if !categories.contains(&check.stride) {
                categories.push(check.stride);
            }
        }
        if let Some(first) = categories.first() {
            self.stride = *first;
            self.categories = categories;
        }
        if self
            .checks
            .iter()
            .any(|c| c.certainty == Certainty::Definite)
        {
            self.certainty = Certainty::Definite;
        } else {
            self.certainty = Certainty::Possible;
        }
        // Rated by the worst check it still lists (every check, once all are decided), its
        // reason naming what each of them gives away.
        let rated = if open.is_empty() { &decided } else { &open };
        if let Some(worst) = rated.iter().max_by_key(|c| c.scoring.score) {
            let mut scoring = worst.scoring.clone();
            scoring.impact.clear();
            for impact in rated.iter().flat_map(|c| &c.scoring.impact) {
                if !scoring.impact.contains(impact) {
                    scoring.impact.push(*impact);
                }
            }
            self.severity = scoring.severity();
            self.scoring = scoring;
        }
    }

    /// The order findings are reported in: by file, line, rule, then subject.
    pub fn sort_key(&self) -> (Option<&str>, u32, u32, &str, &str) {
        (
            self.location.as_ref().map(|s| s.file.as_str()),
            self.location.as_ref().map_or(0, |s| s.start.line),
            self.location.as_ref().map_or(0, |s| s.start.column),
            self.rule_id.as_str(),
            self.subject.id(),
        )
    }
}

/// A stable 64-bit FNV-1a hash, as 16 hex digits. Used for fingerprints, which must not change
/// between releases or platforms (std's `DefaultHasher` may).
pub fn stable_hash(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0u8)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

//! Decisions the change cannot grant itself: what a pull request does to the decisions file.
//!
//! [`review_decisions`] compares the decisions of the base revision's `trustmap.yaml` with the
//! head's, keyed by rule and what each covers (an element or flow id, or a path glob), never by
//! line: the decisions the change adds, changes and removes, and every broad decision of the
//! head ([`broadness`]: a path glob over the whole tree, or a decision that names no rule). The
//! [`DecisionReview`] renders as Markdown for the job summary and as warnings.
//!
//! Inline decisions (comments in the code) are not compared: each covers the one resource it
//! sits on, and it is in the change's own diff.

use crate::{Entry, Scope};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel};
use trustmap_report::{markdown_cell, markdown_code};
use trustmap_rules::Decision;

/// What a decision covers, as it is keyed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Covered {
    /// An element or flow, by id.
    Subject(String),
    /// The findings in the files a glob matches.
    Path(String),
}

impl fmt::Display for Covered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Covered::Subject(id) => write!(f, "{id}"),
            Covered::Path(glob) => write!(f, "path {glob}"),
        }
    }
}

/// What a change did to a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecisionChangeKind {
    /// In the head, not in the base.
    Added,
    /// In both, with another decision, owner, reason, ticket, expiry or detail.
    Changed,
    /// In the base, not in the head.
    Removed,
}

impl DecisionChangeKind {
    /// `added`, `changed`, `removed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionChangeKind::Added => "added",
            DecisionChangeKind::Changed => "changed",
            DecisionChangeKind::Removed => "removed",
        }
    }
}

/// Why a decision is broad.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Broadness {
    /// It names no rule id but nothing or a pattern: rule ids are matched exactly, so it
    /// answers nothing today, and reads as if it answered every rule.
    NoRule,
    /// Its path glob matches every file of the tree.
    WholeTree,
    /// Its path glob matches every file of one kind, in every folder (`**/*.tf`).
    EveryFileOfKind(&'static str),
}

impl fmt::Display for Broadness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Broadness::NoRule => f.write_str(
                "it names no rule id but a pattern or nothing: rule ids are matched exactly, so it \
                 decides nothing, though it reads as if it covered every rule",
            ),
            Broadness::WholeTree => f.write_str("its path covers the whole tree"),
            Broadness::EveryFileOfKind(kind) => {
                write!(f, "its path covers every .{kind} file of the tree")
            }
        }
    }
}

/// One decision the change adds, changes or removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionChange {
    /// Added, changed or removed.
    pub kind: DecisionChangeKind,
    /// The rule it answers.
    pub rule: String,
    /// What it covers.
    pub covered: Covered,
    /// The decision in the base revision (`None` when added).
    pub base: Option<Decision>,
    /// The decision in the head (`None` when removed); its span is its place in the head file.
    pub head: Option<Decision>,
    /// Why the head's decision is broad, when it is.
    pub broad: Option<Broadness>,
}

/// A broad decision of the head file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadDecision {
    /// The rule it answers.
    pub rule: String,
    /// What it covers.
    pub covered: Covered,
    /// The decision, with its place in the head file.
    pub decision: Decision,
    /// Why it is broad.
    pub broadness: Broadness,
    /// Whether the change adds or changes it (otherwise the base has it already).
    pub by_this_change: bool,
}

/// What a change does to the decisions, sorted by rule and what each covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecisionReview {
    /// Decisions added, changed and removed.
    pub changes: Vec<DecisionChange>,
    /// Every broad decision of the head.
    pub broad: Vec<BroadDecision>,
}

/// The key of a decision of the file; `None` for an inline one.
fn key(entry: &Entry) -> Option<(String, Covered)> {
    let covered = match &entry.scope {
        Scope::Subject(id) => Covered::Subject(id.clone()),
        Scope::Path(glob) => Covered::Path(glob.glob().glob().to_string()),
        Scope::Declared(_) => return None,
    };
    Some((entry.rule.clone(), covered))
}

/// The decisions of a file by key; of two with one key the first counts, as in [`crate::apply`].
fn keyed(entries: &[Entry]) -> BTreeMap<(String, Covered), &Entry> {
    let mut map = BTreeMap::new();
    for entry in entries {
        if let Some(key) = key(entry) {
            map.entry(key).or_insert(entry);
        }
    }
    map
}

/// Whether two decisions say the same (their place and expiry state aside).
fn same(a: &Decision, b: &Decision) -> bool {
    (
        a.kind, &a.owner, &a.reason, &a.ticket, &a.expires, &a.detail,
    ) == (
        b.kind, &b.owner, &b.reason, &b.ticket, &b.expires, &b.detail,
    )
}

/// Compares the base revision's decisions with the head's.
pub fn review_decisions(base: &[Entry], head: &[Entry]) -> DecisionReview {
    let base = keyed(base);
    let head = keyed(head);
    let mut review = DecisionReview::default();
    for ((rule, covered), entry) in &head {
        let broad = broadness(entry);
        let kind = match base.get(&(rule.clone(), covered.clone())) {
            None => Some(DecisionChangeKind::Added),
            Some(before) if !same(&before.decision, &entry.decision) => {
                Some(DecisionChangeKind::Changed)
            }
            Some(_) => None,
        };
        if let Some(kind) = kind {
            review.changes.push(DecisionChange {
                kind,
                rule: rule.clone(),
                covered: covered.clone(),
                base: base
                    .get(&(rule.clone(), covered.clone()))
                    .map(|e| e.decision.clone()),
                head: Some(entry.decision.clone()),
                broad: broad.clone(),
            });
        }
        if let Some(broadness) = broad {
            review.broad.push(BroadDecision {
                rule: rule.clone(),
                covered: covered.clone(),
                decision: entry.decision.clone(),
                broadness,
                by_this_change: kind.is_some(),
            });
        }
    }
    for ((rule, covered), entry) in &base {
        if !head.contains_key(&(rule.clone(), covered.clone())) {
            review.changes.push(DecisionChange {
                kind: DecisionChangeKind::Removed,
                rule: rule.clone(),
                covered: covered.clone(),
                base: Some(entry.decision.clone()),
                head: None,
                broad: None,
            });
        }
    }
    review
        .changes
        .sort_by(|a, b| (&a.rule, &a.covered, a.kind).cmp(&(&b.rule, &b.covered, b.kind)));
    review
}

/// Files of every kind trustmap reads, at the root, one folder down and deeper, in plain and
/// hidden folders: a glob that matches them all covers the whole tree.
const KINDS: [&str; 5] = ["tf", "json", "tf.json", "yaml", "yml"];
const FOLDERS: [&str; 4] = ["", "deploy/", "a/b/c/", ".github/workflows/"];

/// Why a decision is broad, or `None`: it names no rule, or its path glob (leading `/` or
/// `./` aside, as a root-anchored glob is meant) matches every file of the tree, or every
/// file of one kind in every folder.
pub fn broadness(entry: &Entry) -> Option<Broadness> {
    let rule = entry.rule.trim();
    if rule.is_empty() || rule.contains(['*', '?', '[', '{']) {
        return Some(Broadness::NoRule);
    }
    let Scope::Path(glob) = &entry.scope else {
        return None;
    };
    let text = glob.glob().glob();
    let anchored = text.trim_start_matches("./").trim_start_matches('/');
    let matcher = match globset::Glob::new(anchored) {
        Ok(g) => g.compile_matcher(),
        Err(_) => glob.clone(),
    };
    let matches_kind = |kind: &str| {
        FOLDERS
            .iter()
            .all(|folder| matcher.is_match(format!("{folder}x.{kind}")))
    };
    let every_kind: Vec<&'static str> = KINDS.into_iter().filter(|k| matches_kind(k)).collect();
    if every_kind.len() == KINDS.len() && matcher.is_match("README") {
        Some(Broadness::WholeTree)
    } else {
        every_kind
            .first()
            .map(|kind| Broadness::EveryFileOfKind(kind))
    }
}

/// Whether a decision is broad ([`broadness`]).
pub fn is_broad(entry: &Entry) -> bool {
    broadness(entry).is_some()
}

/// `accept TM-E001 for path **`, for messages.
fn describe(rule: &str, covered: &Covered, decision: &Decision) -> String {
    format!("{} {rule} for {covered}", decision.kind.as_str())
}

impl DecisionReview {
    /// Whether the change leaves the decisions as they were and none is broad.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.broad.is_empty()
    }

    /// Warnings for the scan: one per decision added, changed or removed (at its line in the
    /// head file; a removed one at its line in the base revision), and one per broad decision.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for change in &self.changes {
            let (decision, code, verb) = match (&change.head, &change.base) {
                (Some(head), _) if change.kind == DecisionChangeKind::Added => {
                    (head, Code::DecisionAdded, "added by this change")
                }
                (Some(head), _) => (head, Code::DecisionChanged, "changed by this change"),
                (None, Some(base)) => (
                    base,
                    Code::DecisionRemoved,
                    "removed by this change (line of the base revision)",
                ),
                (None, None) => continue,
            };
            out.push(Diagnostic::new(
                DiagnosticLevel::Warning,
                code,
                decision.span.clone(),
                format!(
                    "decision {verb}: {}",
                    describe(&change.rule, &change.covered, decision)
                ),
            ));
        }
        for broad in &self.broad {
            out.push(Diagnostic::new(
                DiagnosticLevel::Warning,
                Code::BroadDecision,
                broad.decision.span.clone(),
                format!(
                    "broad decision {}: {}",
                    describe(&broad.rule, &broad.covered, &broad.decision),
                    broad.broadness
                ),
            ));
        }
        out
    }

    /// The review as Markdown for the job summary: a `### Decisions in this change` heading,
    /// a table of the decisions added, changed and removed, and one of the broad decisions.
    /// Every value from the files is escaped ([`markdown_cell`], [`markdown_code`]).
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = String::from("### Decisions in this change\n\n");
        if self.changes.is_empty() {
            out.push_str("No decision is added, changed or removed.\n\n");
        } else {
            out.push_str(
                "Decisions are the team's: review these as you would code that turns a check \
                 off.\n\n| change | rule | covers | decision | where |\n| --- | --- | --- | --- | --- |\n",
            );
            for change in &self.changes {
                let shown = change.head.as_ref().or(change.base.as_ref());
                let mut kind = change.kind.as_str().to_string();
                if change.broad.is_some() {
                    kind.push_str(", **broad**");
                }
                let _ = writeln!(
                    out,
                    "| {kind} | {} | {} | {} | {} |",
                    markdown_cell(&change.rule),
                    covered_cell(&change.covered),
                    shown.map_or_else(String::new, decision_cell),
                    shown.map_or_else(String::new, |d| place(d, change.head.is_none())),
                );
            }
            out.push('\n');
        }
        if !self.broad.is_empty() {
            out.push_str(
                "#### Broad decisions\n\n| rule | covers | why it is broad | decision | where |\n\
                 | --- | --- | --- | --- | --- |\n",
            );
            for broad in &self.broad {
                let mut why = broad.broadness.to_string();
                if broad.by_this_change {
                    why.push_str(" (**by this change**)");
                }
                let _ = writeln!(
                    out,
                    "| {} | {} | {why} | {} | {} |",
                    markdown_cell(&broad.rule),
                    covered_cell(&broad.covered),
                    decision_cell(&broad.decision),
                    place(&broad.decision, false),
                );
            }
            out.push('\n');
        }
        out
    }
}

fn covered_cell(covered: &Covered) -> String {
    match covered {
        Covered::Subject(id) => markdown_code(id),
        Covered::Path(glob) => format!("path {}", markdown_code(glob)),
    }
}

/// `accept by owner until date [ticket]: reason`, escaped for a cell.
fn decision_cell(decision: &Decision) -> String {
    let mut text = decision.kind.as_str().to_string();
    if let Some(owner) = &decision.owner {
        let _ = write!(text, " by {owner}");
    }
    if let Some(detail) = &decision.detail {
        let _ = write!(text, " ({detail})");
    }
    if let Some(expires) = &decision.expires {
        let _ = write!(text, " until {expires}");
    }
    if let Some(ticket) = &decision.ticket {
        let _ = write!(text, " [{ticket}]");
    }
    let reason = decision
        .reason
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let _ = write!(text, ": {reason}");
    markdown_cell(&text)
}

fn place(decision: &Decision, in_base: bool) -> String {
    let code = markdown_code(&format!(
        "{}:{}",
        decision.span.file, decision.span.start.line
    ));
    if in_base {
        format!("{code} (base)")
    } else {
        code
    }
}

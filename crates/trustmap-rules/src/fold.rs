//! Restated findings folded into one: where a rule `absorbs` another, a finding of the absorbed
//! rule on the same file and line as one of the absorbing rule, about the same subject or a flow
//! into or out of it, is the same door said twice. It is folded into the lead finding, whose
//! message then says its fact, whose severity is the higher of the two and whose STRIDE
//! categories gain its categories. Nothing is lost: the folded finding is kept whole in the
//! lead's `folded`, with its own fingerprint; the lead's fingerprint does not change.
//!
//! Then the findings of a rule with `once_per_application:` on the elements of one application
//! (see [`Model::application_of`]) are one: the first leads and names each other element with
//! the rule's clause. A missing baseline is one decision for an application, not one per
//! service; every element stays a related location and a grouped finding.
//!
//! Only findings that read the same are folded or grouped: the same certainty and the same
//! decision (usually none), so that a decision never comes to cover a threat it was not written
//! for, and a possible fact is never shown as a definite one.

use crate::condition::Target;
use crate::engine::{render, render_parts};
use crate::{AbsorbsOn, Finding, RuleSet, Subject};
use std::collections::BTreeMap;
use trustmap_model::{ElementId, Model, ZoneId};

/// What introduces the folded facts at the end of the lead's message.
pub const FOLDED_INTO: &str = "Also:";

/// Folds the findings that restate another into it (see the module documentation). Findings
/// keep their order; folded ones leave the list and live on in their lead's `folded`.
pub fn fold(findings: Vec<Finding>, rules: &RuleSet, model: &Model) -> Vec<Finding> {
    group(absorb(findings, rules, model), rules, model)
}

/// Folds the findings of absorbed rules into their absorbing rule's on the same door: on the
/// same line, or anywhere about the same element for a rule with `absorbs_on: element`.
fn absorb(findings: Vec<Finding>, rules: &RuleSet, model: &Model) -> Vec<Finding> {
    // (file, line) -> the lead findings located there; subject -> the leads that absorb what
    // is said of it anywhere.
    let mut leads: BTreeMap<(&str, u32), Vec<usize>> = BTreeMap::new();
    let mut by_subject: BTreeMap<&Subject, Vec<usize>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        let Some(rule) = rules
            .get(&finding.rule_id)
            .filter(|r| !r.absorbs.is_empty())
        else {
            continue;
        };
        if rule.absorbs_on == AbsorbsOn::Element {
            by_subject.entry(&finding.subject).or_default().push(index);
        } else if let Some(at) = &finding.location {
            leads
                .entry((at.file.as_str(), at.start.line))
                .or_default()
                .push(index);
        }
    }
    if leads.is_empty() && by_subject.is_empty() {
        return findings;
    }
    // For each finding, the lead it folds into.
    let mut into: Vec<Option<usize>> = vec![None; findings.len()];
    for (index, finding) in findings.iter().enumerate() {
        let on_line = finding
            .location
            .as_ref()
            .and_then(|at| leads.get(&(at.file.as_str(), at.start.line)));
        let on_subject = by_subject.get(&finding.subject);
        into[index] = on_line
            .into_iter()
            .chain(on_subject)
            .flatten()
            .copied()
            .find(|&lead| {
                let lead = &findings[lead];
                lead.rule_id != finding.rule_id
                    && rules
                        .get(&lead.rule_id)
                        .is_some_and(|r| r.absorbs.iter().any(|a| a.rule == finding.rule_id))
                    && lead.certainty == finding.certainty
                    && lead.decision == finding.decision
                    && same_door(model, &lead.subject, &finding.subject)
            });
    }
    let mut absorbed: Vec<Vec<Finding>> = vec![Vec::new(); findings.len()];
    let mut kept = Vec::with_capacity(findings.len());
    for (index, finding) in findings.into_iter().enumerate() {
        match into[index] {
            Some(lead) => absorbed[lead].push(finding),
            None => kept.push((index, finding)),
        }
    }
    kept.into_iter()
        .map(|(index, mut lead)| {
            let folded = std::mem::take(&mut absorbed[index]);
            if !folded.is_empty() {
                merge(&mut lead, folded, rules, model);
            }
            lead
        })
        .collect()
}

/// Groups the findings of each rule with `once_per_application:` by the application of their
/// subject element: the first (findings are sorted by location) leads, the others are folded
/// into it, each named by the rule's clause.
fn group(findings: Vec<Finding>, rules: &RuleSet, model: &Model) -> Vec<Finding> {
    let application = |finding: &Finding| match &finding.subject {
        Subject::Element(id) => model.element(id).map(|e| model.application_of(e)),
        Subject::Flow(_) => None,
    };
    // (rule, application) -> the leads of that rule there (one per certainty and decision).
    let mut leads: BTreeMap<(&str, &ZoneId), Vec<usize>> = BTreeMap::new();
    let mut into: Vec<Option<usize>> = vec![None; findings.len()];
    for (index, finding) in findings.iter().enumerate() {
        let grouped = rules
            .get(&finding.rule_id)
            .is_some_and(|r| r.once_per_application.is_some());
        let Some(zone) = application(finding).filter(|_| grouped) else {
            continue;
        };
        let here = leads.entry((finding.rule_id.as_str(), zone)).or_default();
        into[index] = here.iter().copied().find(|&lead| {
            findings[lead].certainty == finding.certainty
                && findings[lead].decision == finding.decision
        });
        if into[index].is_none() {
            here.push(index);
        }
    }
    let mut grouped: Vec<Vec<Finding>> = vec![Vec::new(); findings.len()];
    let mut kept = Vec::with_capacity(findings.len());
    for (index, finding) in findings.into_iter().enumerate() {
        match into[index] {
            Some(lead) => grouped[lead].push(finding),
            None => kept.push((index, finding)),
        }
    }
    kept.into_iter()
        .map(|(index, mut lead)| {
            let others = std::mem::take(&mut grouped[index]);
            let clause = rules
                .get(&lead.rule_id)
                .and_then(|r| r.once_per_application.as_deref());
            if let (Some(clause), false) = (clause, others.is_empty()) {
                let clauses: Vec<String> = others
                    .iter()
                    .map(|other| match &other.subject {
                        Subject::Element(id) => model.element(id).map_or_else(
                            || other.message.clone(),
                            |e| {
                                render_parts(clause, model, Target::Element(e), &[])
                                    .join(&other.missing())
                            },
                        ),
                        Subject::Flow(_) => other.message.clone(),
                    })
                    .collect();
                for other in &others {
                    join(&mut lead, other);
                }
                end_message(&mut lead, &clauses);
                lead.folded.extend(others);
            }
            lead
        })
        .collect()
}

/// Joins what `other` adds to `lead`: the higher score (with its reason), its STRIDE
/// categories, its location and related locations.
fn join(lead: &mut Finding, other: &Finding) {
    if other.scoring.score > lead.scoring.score {
        lead.scoring = other.scoring.clone();
        lead.severity = lead.scoring.severity();
    }
    for stride in &other.categories {
        if !lead.categories.contains(stride) {
            lead.categories.push(*stride);
        }
    }
    let own = other
        .location
        .iter()
        .map(|span| (span, format!("{}: {}", other.rule_id, other.message)));
    let theirs = other.related.iter().map(|r| (&r.span, r.message.clone()));
    for (span, message) in own.chain(theirs) {
        if Some(span) != lead.location.as_ref() && !lead.related.iter().any(|r| &r.span == span) {
            lead.related.push(crate::RelatedLocation {
                span: span.clone(),
                message,
            });
        }
    }
}

/// Ends the lead's message with `Also:` and the clauses.
fn end_message(lead: &mut Finding, clauses: &[String]) {
    let message = lead.message.trim_end().trim_end_matches('.');
    // A lead that already folded others in (its own door, then its application) says `Also:`
    // once.
    let joiner = if message.contains(&format!(". {FOLDED_INTO} ")) {
        "; ".to_string()
    } else {
        format!(". {FOLDED_INTO} ")
    };
    lead.message = format!("{message}{joiner}{}", clauses.join("; "));
}

/// Whether `other` is about the lead's subject, or a flow into or out of the lead's element.
fn same_door(model: &Model, lead: &Subject, other: &Subject) -> bool {
    if lead == other {
        return true;
    }
    match (lead, other) {
        (Subject::Element(element), Subject::Flow(flow)) => model
            .flow(flow)
            .is_some_and(|f| touches(&f.source, &f.target, element)),
        _ => false,
    }
}

fn touches(source: &ElementId, target: &ElementId, element: &ElementId) -> bool {
    source == element || target == element
}

/// Folds `folded` into `lead`: the clauses of the lead rule's `absorbs`, in its order, end the
/// message; severity, categories and related locations are joined.
fn merge(lead: &mut Finding, mut folded: Vec<Finding>, rules: &RuleSet, model: &Model) {
    let Some(rule) = rules.get(&lead.rule_id) else {
        return;
    };
    let order = |f: &Finding| rule.absorbs.iter().position(|a| a.rule == f.rule_id);
    folded.sort_by_key(order);
    let mut clauses: Vec<String> = Vec::new();
    for finding in &folded {
        let Some(absorbed) = rule.absorbs.iter().find(|a| a.rule == finding.rule_id) else {
            continue;
        };
        let target = match &finding.subject {
            Subject::Element(id) => model.element(id).map(Target::Element),
            Subject::Flow(id) => model.flow(id).map(Target::Flow),
        };
        let clause = match target {
            Some(target) => match rules.get(&finding.rule_id) {
                Some(rule) => render(
                    &absorbed.clause,
                    model,
                    target,
                    &rule.condition.protocols_asked(),
                ),
                None => render(&absorbed.clause, model, target, &[]),
            },
            None => finding.message.clone(),
        };
        let clause = format!("{clause} ({})", finding.rule_id);
        if !clauses.contains(&clause) {
            clauses.push(clause);
        }
        join(lead, finding);
    }
    end_message(lead, &clauses);
    lead.folded = folded;
}

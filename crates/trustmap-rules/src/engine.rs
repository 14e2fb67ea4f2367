//! Evaluation: every rule against every element or flow it applies to, in parallel, with the
//! findings sorted so output is deterministic.

use crate::condition::{Evaluation, Outcome, Target};
use crate::finding::stable_hash;
use crate::language::MISSING_PLACEHOLDER;
use crate::{
    AppliesTo, Certainty, FailedCheck, Finding, LocationChoice, PathStep, RelatedLocation, Rule,
    RuleSet, Stride, Subject,
};
use rayon::prelude::*;
use trustmap_model::{
    AttrValue, Attributes, Element, Flow, Model, Port, Protocol, Reachability, Tri,
};

/// Runs every rule of `rules` over `model`. Findings are sorted by file, line, rule and subject.
pub fn evaluate(model: &Model, rules: &RuleSet) -> Vec<Finding> {
    let evaluation = Evaluation::new(model);
    let elements: Vec<&Element> = model.elements().collect();
    let flows: Vec<&Flow> = model.flows().collect();
    let mut findings: Vec<Finding> = rules
        .rules()
        .par_iter()
        .flat_map(|rule| {
            if rule.on_flows() {
                flows
                    .par_iter()
                    .filter_map(|f| check(&evaluation, rule, Target::Flow(f)))
                    .collect::<Vec<_>>()
            } else {
                elements
                    .par_iter()
                    .filter(|e| rule.applies_to.contains(&AppliesTo::Element(e.kind)))
                    .filter_map(|e| check(&evaluation, rule, Target::Element(e)))
                    .collect::<Vec<_>>()
            }
        })
        .collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings
}

/// A checklist rule's outcome on a subject: each check as `all: [condition, fails]`, listed
/// when true, or when unknown and the check reports unknowns. `None` when no check is listed.
fn checklist(
    model: &Evaluation<'_>,
    rule: &Rule,
    target: Target<'_>,
    condition: Outcome,
) -> Option<(Outcome, Vec<FailedCheck>)> {
    if condition.truth() == Tri::No {
        return None;
    }
    let mut failed = Vec::new();
    let mut outcome = Outcome {
        truth: Some(Tri::Unknown),
        ..condition.clone()
    };
    for check in &rule.checks {
        let fails = check.fails.evaluate_with(model, target);
        let certainty = match condition.truth().and(fails.truth()) {
            Tri::Yes => Certainty::Definite,
            Tri::Unknown if check.report_unknown => Certainty::Possible,
            _ => continue,
        };
        if certainty == Certainty::Definite {
            outcome.truth = Some(Tri::Yes);
        }
        outcome.evidence.extend(fails.evidence);
        outcome.related.extend(fails.related);
        failed.push(FailedCheck {
            id: check.id.clone(),
            label: check.label.clone(),
            stride: check.stride,
            certainty,
            decision: None,
            scoring: crate::severity::score_impacts(rule, &check.impact, model, target, certainty),
        });
    }
    (!failed.is_empty()).then_some((outcome, failed))
}

fn check(model: &Evaluation<'_>, rule: &Rule, target: Target<'_>) -> Option<Finding> {
    let outcome = rule.condition.evaluate_with(model, target);
    let (outcome, checks) = if rule.checks.is_empty() {
        (outcome, Vec::new())
    } else {
        checklist(model, rule, target, outcome)?
    };
    let certainty = match outcome.truth() {
        Tri::Yes => Certainty::Definite,
        // A checklist lists only the checks that report unknowns.
        Tri::Unknown if rule.report_unknown || !checks.is_empty() => Certainty::Possible,
        _ => return None,
    };
    let (subject, own_span, endpoint) = match target {
        Target::Element(e) => (Subject::Element(e.id.clone()), e.span.clone(), e),
        Target::Flow(f) => {
            let target_element = model.element(&f.target)?;
            (Subject::Flow(f.id.clone()), f.span.clone(), target_element)
        }
    };
    let decided_at = match rule.location {
        LocationChoice::Evidence => outcome
            .evidence
            .first()
            .cloned()
            .or_else(|| own_span.clone()),
        LocationChoice::Subject => own_span
            .clone()
            .or_else(|| outcome.evidence.first().cloned()),
    };
    // Inside a module the caller did not pass the deciding value (it is the module's default
    // or its own code): each caller's module block is where its deployment gets it, so each
    // caller gets its own finding there, with the module's line related.
    let inside_module = endpoint.called_from.as_ref().filter(|call| {
        decided_at
            .as_ref()
            .is_some_and(|at| folder(&at.file) != folder(&call.file))
    });
    let location = inside_module.cloned().or_else(|| decided_at.clone());

    let mut related: Vec<RelatedLocation> = Vec::new();
    let mut relate = |span: Option<trustmap_model::Span>, message: String| {
        if let Some(span) = span
            && Some(&span) != location.as_ref()
            && !related.iter().any(|r| r.span == span)
        {
            related.push(RelatedLocation { span, message });
        }
    };
    if let Target::Flow(f) = target {
        for id in [&f.source, &f.target] {
            if let Some(e) = model.element(id) {
                relate(e.span.clone(), format!("{} ({})", e.name, e.id));
            }
        }
    } else {
        relate(own_span, format!("{} is declared here", endpoint.name));
    }
    if inside_module.is_some() {
        relate(
            decided_at,
            format!(
                "inside the module: the value that decides this for {}, which this call does \
                 not set",
                endpoint.name
            ),
        );
    } else if let Some(call) = &endpoint.called_from {
        relate(
            Some(call.clone()),
            format!("the module that declares {} is called here", endpoint.name),
        );
    }
    for (span, message) in outcome.related {
        relate(Some(span), message);
    }
    for span in &outcome.evidence {
        relate(Some(span.clone()), "also here".to_string());
    }

    let attack_path = attack_path(model, target);
    // A checklist's finding is rated again from its checks (`refresh_checks`).
    let scoring = crate::severity::score(rule, model, target, certainty);
    let mut categories: Vec<Stride> = Vec::new();
    for stride in &rule.stride {
        if !categories.contains(stride) {
            categories.push(*stride);
        }
    }
    let parts = render_parts(
        &rule.message,
        model,
        target,
        &rule.condition.protocols_asked(),
    );
    let mut finding = Finding {
        rule_id: rule.id.clone(),
        stride: rule.category(),
        severity: scoring.severity(),
        certainty,
        scoring,
        fingerprint: stable_hash(&[&rule.id, subject.id()]),
        subject,
        message: parts.concat(),
        location,
        related,
        attack_path,
        decision: None,
        categories,
        message_parts: if checks.is_empty() { Vec::new() } else { parts },
        checks,
        folded: Vec::new(),
    };
    finding.refresh_checks();
    Some(finding)
}

/// The folder of a file as spans name it (`modules/db` for `modules/db/main.tf`).
fn folder(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// A flow in words, by its ends' names: `Service web -> web (http/8080)`.
pub(crate) fn flow_in_words(model: &Model, flow: &Flow) -> String {
    let name = |id| {
        model
            .element(id)
            .map_or_else(|| id.0.clone(), |e: &Element| e.name.clone())
    };
    let mut message = format!("{} -> {}", name(&flow.source), name(&flow.target));
    if let Some(label) = flow.label() {
        message.push_str(&format!(" ({label})"));
    }
    message
}

fn step(model: &Model, flow: &Flow) -> PathStep {
    PathStep {
        flow: flow.id.clone(),
        span: flow.span.clone(),
        message: flow_in_words(model, flow),
    }
}

fn attack_path(model: &Model, target: Target<'_>) -> Vec<PathStep> {
    let (id, last) = match target {
        Target::Element(e) => (&e.id, None),
        Target::Flow(f) => (&f.source, Some(f)),
    };
    let Some(path) = model.path_from_internet(id, Reachability::AnyFlow) else {
        return Vec::new();
    };
    let mut steps: Vec<PathStep> = path.into_iter().map(|f| step(model, f)).collect();
    if let Some(flow) = last {
        steps.push(step(model, flow));
    }
    steps
}

fn attribute_text(attributes: &Attributes, name: &str) -> String {
    let Some(attr) = trustmap_model::AttrName::parse(name).and_then(|n| attributes.get(n)) else {
        return "unknown".to_string();
    };
    match &attr.value {
        AttrValue::Flag(Tri::Yes) => "yes".to_string(),
        AttrValue::Flag(Tri::No) => "no".to_string(),
        AttrValue::Flag(Tri::Unknown) => "unknown".to_string(),
        AttrValue::Text(text) => text.clone(),
        AttrValue::List(items) => join_items(items.iter().map(|i| i.value.as_str()).collect()),
    }
}

/// List items for a message, joined by commas; a parenthesised tail every item shares (`(role
/// app)`) is said once, at the end: `a, b (role app)`, unless an item has a parenthesis of its
/// own before it.
fn join_items(items: Vec<&str>) -> String {
    fn tail(item: &str) -> Option<(&str, &str)> {
        item.rfind(" (")
            .filter(|_| item.ends_with(')'))
            .map(|at| item.split_at(at))
    }
    let shared = match items.first().and_then(|first| tail(first)) {
        Some((_, shared)) if items.len() > 1 => items
            .iter()
            // A head with a parenthesis of its own would read as if the tail were not its.
            .all(|item| tail(item).is_some_and(|(head, t)| t == shared && !head.ends_with(')')))
            .then_some(shared),
        _ => None,
    };
    match shared {
        Some(shared) => {
            let heads: Vec<&str> = items
                .iter()
                .map(|item| tail(item).map_or(*item, |(head, _)| head))
                .collect();
            format!("{}{shared}", heads.join(", "))
        }
        None => items.join(", "),
    }
}

/// Fills a message template for a subject, for a rule that asks about the protocols `asked`.
/// Placeholders were checked when the rule loaded.
pub(crate) fn render(
    template: &str,
    model: &Model,
    target: Target<'_>,
    asked: &[&Protocol],
) -> String {
    render_parts(template, model, target, asked).concat()
}

/// Fills a message template for a subject, split where `{missing}` stands (so a template
/// without it gives one part): the failed checks are filled in later, and again when some are
/// left out or decided. A flow that admits one of the `asked` protocols only through a range
/// of ports (`tcp` on 10-100 for ssh) is said as that protocol on the port it holds (`ssh on
/// port 22 (in 10-100)`).
pub(crate) fn render_parts(
    template: &str,
    model: &Model,
    target: Target<'_>,
    asked: &[&Protocol],
) -> Vec<String> {
    // `{protocol}` and `{on_ports}` of a flow that admits an asked protocol through a range.
    let in_range: Option<(String, String)> = match target {
        Target::Flow(f) if !f.protocol.as_ref().is_some_and(|p| asked.contains(&p)) => {
            asked.iter().find_map(|q| {
                let port = f.range_port_of(q)?;
                let ranges = f.ports.iter().map(Port::in_words).collect::<Vec<_>>();
                Some((
                    q.in_words().to_string(),
                    format!("on port {port} (in {})", ranges.join(", ")),
                ))
            })
        }
        _ => None,
    };
    let name_of = |id| {
        model
            .element(id)
            .map_or_else(|| format!("{id}"), |e: &Element| e.name.clone())
    };
    let mut parts = Vec::new();
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}').map(|c| c + open) else {
            break;
        };
        let key = &rest[open + 1..close];
        if key == MISSING_PLACEHOLDER {
            parts.push(std::mem::take(&mut out));
            rest = &rest[close + 1..];
            continue;
        }
        let value = match (key, target) {
            ("name", Target::Element(e)) => e.name.clone(),
            ("name", Target::Flow(f)) => {
                format!("{} -> {}", name_of(&f.source), name_of(&f.target))
            }
            ("id", Target::Element(e)) => e.id.0.clone(),
            ("id", Target::Flow(f)) => f.id.0.clone(),
            ("zone", Target::Element(e)) => model.zone_of(e).name.clone(),
            ("technology", Target::Element(e)) => {
                e.technology.clone().unwrap_or_else(|| "unknown".into())
            }
            ("source", Target::Flow(f)) => name_of(&f.source),
            ("target", Target::Flow(f)) => name_of(&f.target),
            ("protocol", Target::Flow(_)) if let Some((protocol, _)) = &in_range => {
                protocol.clone()
            }
            // `all traffic` for every protocol.
            ("protocol", Target::Flow(f)) => f
                .protocol
                .as_ref()
                .map_or("unknown protocol", |p| p.in_words())
                .to_string(),
            ("ports", Target::Flow(f)) if f.ports.is_empty() => "(not known)".into(),
            ("ports", Target::Flow(f)) => f
                .ports
                .iter()
                .map(Port::in_words)
                .collect::<Vec<_>>()
                .join(", "),
            ("on_ports", Target::Flow(_)) if let Some((_, on_ports)) = &in_range => {
                on_ports.clone()
            }
            // `on port 22`, `on ports 80, 443`, `on every port`, `on a port not known`.
            ("on_ports", Target::Flow(f)) => f
                .ports_in_words()
                .map_or_else(|| "on a port not known".into(), |w| format!("on {w}")),
            (attr, Target::Element(e)) if attr.starts_with("attr.") => {
                attribute_text(&e.attributes, &attr[5..])
            }
            (attr, Target::Flow(f)) if attr.starts_with("attr.") => {
                attribute_text(&f.attributes, &attr[5..])
            }
            (other, _) => format!("{{{other}}}"),
        };
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    parts.push(out);
    parts
}

#[cfg(test)]
mod tests {
    use super::join_items;

    #[test]
    fn a_tail_every_item_shares_is_said_once() {
        assert_eq!(
            join_items(vec![
                "secrets:read (role app)",
                "*:* (every action) (role app)"
            ]),
            "secrets:read (role app), *:* (every action) (role app)"
        );
        assert_eq!(
            join_items(vec!["secrets:read (role app)", "pods/exec (role app)"]),
            "secrets:read, pods/exec (role app)"
        );
        assert_eq!(join_items(vec!["a (x)", "b (y)"]), "a (x), b (y)");
        assert_eq!(join_items(vec!["a (x)", "b"]), "a (x), b");
        assert_eq!(join_items(vec!["a (x)"]), "a (x)");
    }
}

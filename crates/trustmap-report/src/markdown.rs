//! The threat model as a Markdown document: the DFD as Mermaid, the trust boundaries and the
//! flows that cross them, and the threats grouped by STRIDE, undecided first, with decisions.

use crate::text::decision_line;
use crate::{markdown_cell as cell, markdown_code};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use trustmap_model::{Diagnostic, DiagnosticLevel, Model};
use trustmap_rules::{Certainty, Finding, RuleSet, Stride};

fn place(finding: &Finding) -> String {
    match &finding.location {
        Some(span) => markdown_code(&format!("{}:{}", span.file, span.start.line)),
        None => markdown_code(finding.subject.id()),
    }
}

/// Renders the threat-model document.
pub fn findings_markdown(
    findings: &[Finding],
    rules: &RuleSet,
    model: &Model,
    diagnostics: &[Diagnostic],
) -> String {
    let mut out = String::from("# Threat model\n\n");
    let undecided: Vec<&Finding> = findings.iter().filter(|f| !f.decided()).collect();
    let decided = findings.len() - undecided.len();
    let errors = diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .count();
    let _ = writeln!(
        out,
        "{} elements, {} flows, {} trust boundaries; {} threats: **{} undecided**, {} decided.{}\n",
        model.element_count(),
        model.flow_count(),
        model.boundaries().len(),
        findings.len(),
        undecided.len(),
        decided,
        if errors > 0 {
            format!(" The scan is incomplete: {errors} files or parts could not be read.")
        } else {
            String::new()
        }
    );

    out.push_str("## Data-flow diagram\n\n```mermaid\n");
    out.push_str(&crate::mermaid(model));
    out.push_str("```\n\n");

    out.push_str("## Trust boundaries\n\n| boundary | flows crossing it |\n| --- | --- |\n");
    let mut crossing: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for flow in model.flows() {
        for boundary in model.boundaries_crossed(flow) {
            crossing
                .entry((boundary.outer.0.clone(), boundary.inner.0.clone()))
                .or_default()
                .push(flow.id.0.clone());
        }
    }
    let zone_name = |id: &str| {
        model
            .zones()
            .find(|z| z.id.0 == id)
            .map_or_else(|| id.to_string(), |z| z.name.clone())
    };
    for boundary in model.boundaries() {
        let flows = crossing.get(&(boundary.outer.0.clone(), boundary.inner.0.clone()));
        let listed = flows.map_or_else(
            || "none".to_string(),
            |f| {
                f.iter()
                    .map(|id| markdown_code(id))
                    .collect::<Vec<_>>()
                    .join("<br>")
            },
        );
        let _ = writeln!(
            out,
            "| {} → {} | {} |",
            cell(&zone_name(&boundary.outer.0)),
            cell(&zone_name(&boundary.inner.0)),
            listed
        );
    }
    out.push('\n');

    out.push_str("## Threats\n\n");
    for (title, group) in [("Undecided", false), ("Decided", true)] {
        let members: Vec<&Finding> = findings.iter().filter(|f| f.decided() == group).collect();
        let _ = writeln!(out, "### {title} ({})\n", members.len());
        if members.is_empty() {
            out.push_str("None.\n\n");
            continue;
        }
        for stride in Stride::ALL {
            let mut of_kind: Vec<&&Finding> =
                members.iter().filter(|f| f.stride == stride).collect();
            if of_kind.is_empty() {
                continue;
            }
            of_kind.sort_by_key(|f| std::cmp::Reverse((f.severity, f.scoring.score)));
            let _ = writeln!(out, "#### {} ({})\n", stride.title(), of_kind.len());
            out.push_str("| severity | rule | where | threat |\n| --- | --- | --- | --- |\n");
            for finding in of_kind {
                let title = rules.get(&finding.rule_id).map_or("", |r| r.title.as_str());
                let mut threat = cell(&finding.message);
                if finding.certainty == Certainty::Possible {
                    threat.push_str(" *(possible)*");
                }
                if finding.scoring.scored() {
                    let _ = write!(threat, " — *{}*", cell(&finding.scoring.factors()));
                }
                if let Some(decision) = &finding.decision {
                    let _ = write!(threat, "<br>{}", decision_line(decision, cell));
                }
                let _ = writeln!(
                    out,
                    "| {} | {} {} | {} | {} |",
                    finding.severity,
                    cell(&finding.rule_id),
                    cell(title),
                    place(finding),
                    threat
                );
            }
            out.push('\n');
        }
    }
    out
}

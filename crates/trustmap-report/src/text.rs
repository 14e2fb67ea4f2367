//! Findings as text for a terminal: grouped by file, one line per finding, then the rules that
//! fired, the diagnostics, and a one-line summary.

use crate::{Counts, level_name, sorted_diagnostics};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use trustmap_model::{Diagnostic, Span, printable};
use trustmap_rules::{Certainty, Decision, DecisionKind, Finding, RuleSet};

/// Renders findings and diagnostics as readable text.
///
/// ```text
/// compose.yaml
///   compose.yaml:7:5  CRITICAL  TM-E001  web runs privileged [exposed to the internet, host takeover]
///   compose.yaml:9:7  MEDIUM    TM-I001  Internet user -> web is not encrypted (possible)
///
/// rules
///   TM-E001  Privileged container (1)
///   TM-I001  Unencrypted flow into higher trust (1)
///
/// diagnostics
///   broken.yaml:3: error[yaml-syntax]: mapping values are not allowed here
///
/// 2 findings (0 critical, 1 high, 1 medium, 0 low; 1 possible), 1 diagnostic (1 error, 0 warnings, 0 notes): the scan is incomplete
/// ```
///
/// A finding whose rule declares an impact ends with why it has its severity: how its subject
/// is reached and what an attacker gains. Files come in name order, findings without a source location last (under `(no location)`,
/// named by their subject's id); within a file, findings keep the order they are given in.
#[must_use]
pub fn findings_text(findings: &[Finding], rules: &RuleSet, diagnostics: &[Diagnostic]) -> String {
    let diagnostics = sorted_diagnostics(diagnostics);
    let mut out = String::new();

    // `None` sorts first in an `Option`; findings without a file are listed last instead.
    let mut groups: BTreeMap<(bool, &str), Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        let key = match &finding.location {
            Some(span) if !span.file.is_empty() => (false, span.file.as_str()),
            _ => (true, ""),
        };
        groups.entry(key).or_default().push(finding);
    }
    for ((unlocated, file), group) in &groups {
        let heading = if *unlocated {
            "(no location)".into()
        } else {
            printable(file)
        };
        let _ = writeln!(out, "{heading}");
        let wheres: Vec<String> = group
            .iter()
            .map(|f| match &f.location {
                Some(span) if !unlocated => printable(&location(span)).into_owned(),
                _ => printable(f.subject.id()).into_owned(),
            })
            .collect();
        let width = wheres.iter().map(|w| w.chars().count()).max().unwrap_or(0);
        for (finding, place) in group.iter().zip(&wheres) {
            let severity = finding.severity.as_str().to_uppercase();
            let _ = write!(
                out,
                "  {place:<width$}  {severity:<8}  {}  {}",
                printable(&finding.rule_id),
                printable(&finding.message)
            );
            if finding.certainty == Certainty::Possible {
                out.push_str(" (possible)");
            }
            if finding.scoring.scored() {
                let _ = write!(out, " [{}]", printable(&finding.scoring.factors()));
            }
            out.push('\n');
            if let Some(decision) = &finding.decision {
                let _ = writeln!(
                    out,
                    "  {:width$}  {}",
                    "",
                    decision_line(decision, |text| printable(text).into_owned())
                );
            }
        }
        out.push('\n');
    }

    let mut fired: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in findings {
        *fired.entry(finding.rule_id.as_str()).or_default() += 1;
    }
    if !fired.is_empty() {
        out.push_str("rules\n");
        for (id, count) in &fired {
            let title = rules
                .get(id)
                .map_or("(not in the rule set)", |r| r.title.as_str());
            let _ = writeln!(out, "  {}  {}  ({count})", printable(id), printable(title));
        }
        out.push('\n');
    }

    if !diagnostics.is_empty() {
        out.push_str("diagnostics\n");
        for diagnostic in &diagnostics {
            out.push_str("  ");
            if !diagnostic.span.file.is_empty() {
                out.push_str(&printable(&diagnostic.span.file));
                if diagnostic.span.start.line > 0 {
                    let _ = write!(out, ":{}", diagnostic.span.start.line);
                }
                out.push_str(": ");
            }
            let _ = writeln!(
                out,
                "{}[{}]: {}",
                level_name(diagnostic.level),
                printable(&diagnostic.code),
                printable(&diagnostic.message)
            );
        }
        out.push('\n');
    }

    out.push_str(&summary(&Counts::of(findings, &diagnostics)));
    out.push('\n');
    out
}

/// `file:line:col`, or only the file when the line is unknown (0).
fn location(span: &Span) -> String {
    if span.start.line == 0 {
        span.file.to_string()
    } else {
        format!(
            "{}:{}:{}",
            span.file,
            span.start.line,
            span.start.column.max(1)
        )
    }
}

/// Prose on one line: every run of white space, line breaks included, is one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}

fn summary(counts: &Counts) -> String {
    let mut line = format!(
        "{} ({} critical, {} high, {} medium, {} low; {} possible), {} ({}, {}, {})",
        plural(counts.findings, "finding"),
        counts.critical,
        counts.high,
        counts.medium,
        counts.low,
        counts.possible,
        plural(counts.diagnostics, "diagnostic"),
        plural(counts.errors, "error"),
        plural(counts.warnings, "warning"),
        plural(counts.notes, "note"),
    );
    if counts.decided > 0 {
        line.push_str(&format!("; {} decided", counts.decided));
    }
    if !counts.complete() {
        line.push_str(": the scan is incomplete");
    }
    line
}

/// One line saying what was decided: `accepted by platform until 2027-03-01: reason`, the
/// reason's line breaks as spaces. Every field from the decisions file goes through `escape`
/// (each format's own escaping), the words and brackets around them do not.
pub(crate) fn decision_line(decision: &Decision, escape: impl Fn(&str) -> String) -> String {
    let verb = match decision.kind {
        DecisionKind::Mitigate => "mitigated",
        DecisionKind::Eliminate => "eliminated",
        DecisionKind::Transfer => "transferred",
        DecisionKind::Accept => "accepted",
    };
    let mut line = format!("↳ {verb}");
    if let Some(owner) = &decision.owner {
        let _ = write!(line, " by {}", escape(owner));
    }
    if let Some(detail) = &decision.detail {
        let _ = write!(line, " ({})", escape(detail));
    }
    match (&decision.expires, decision.expired) {
        (Some(date), true) => {
            let _ = write!(line, " — EXPIRED on {}, undecided again", escape(date));
        }
        (Some(date), false) => {
            let _ = write!(line, " until {}", escape(date));
        }
        _ => {}
    }
    if let Some(ticket) = &decision.ticket {
        let _ = write!(line, " [{}]", escape(ticket));
    }
    let _ = write!(line, ": {}", escape(&one_line(&decision.reason)));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustmap_model::{DiagnosticLevel, Position};

    #[test]
    fn an_unknown_line_prints_only_the_file() {
        let span = Span {
            file: "a.yaml".into(),
            start: Position { line: 0, column: 0 },
            end: Position { line: 0, column: 0 },
        };
        assert_eq!(location(&span), "a.yaml");
        assert_eq!(location(&Span::lines("a.yaml", 4, 4)), "a.yaml:4:1");
    }

    #[test]
    fn reasons_stay_on_one_line() {
        assert_eq!(one_line("a\nb\r\n  c"), "a b c");
    }

    #[test]
    fn diagnostics_without_a_file_print_no_location() {
        let diagnostics = [
            Diagnostic::file(
                DiagnosticLevel::Warning,
                trustmap_model::Code::DanglingFlow,
                "",
                "no file",
            ),
            Diagnostic::file(
                DiagnosticLevel::Error,
                trustmap_model::Code::YamlSyntax,
                "b.yaml",
                "bad",
            ),
        ];
        let text = findings_text(&[], &RuleSet::default(), &diagnostics);
        assert!(
            text.contains("\n  b.yaml:1: error[yaml-syntax]: bad\n"),
            "{text}"
        );
        assert!(
            text.contains("\n  warning[dangling-flow]: no file\n"),
            "{text}"
        );
        assert!(text.ends_with(
            "0 findings (0 critical, 0 high, 0 medium, 0 low; 0 possible), 2 diagnostics \
             (1 error, 1 warning, 0 notes): the scan is incomplete\n"
        ));
    }
}

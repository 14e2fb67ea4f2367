//! Decisions written as comments in the infrastructure code, on or above the resource:
//! `# trustmap:accept TM-S001 reason="internal cache" owner=platform expires=2027-03-01`.

use crate::{Date, Entry, Scope, decision};
use regex::Regex;
use std::sync::LazyLock;
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, Position, Span};
use trustmap_rules::DecisionKind;

static COMMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:#|//)\s*trustmap:(mitigate|eliminate|transfer|accept)\s+(TM-[A-Z]\d+)(.*)$")
        .expect("valid regex")
});

static PAIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"([a-z]+)=(?:"([^"]*)"|(\S+))"#).expect("valid regex"));

/// The inline decisions of one file, and the comments that cannot be used.
pub fn inline_decisions(file: &str, text: &str) -> (Vec<Entry>, Vec<Diagnostic>) {
    let mut entries = Vec::new();
    let mut diagnostics = Vec::new();
    if !text.contains("trustmap:") {
        return (entries, diagnostics);
    }
    for (index, line) in text.lines().enumerate() {
        let Some(caps) = COMMENT.captures(line) else {
            continue;
        };
        let number = index as u32 + 1;
        let column = caps
            .get(0)
            .map_or(1, |m| line[..m.start()].chars().count() as u32 + 1);
        let span = Span {
            file: file.into(),
            start: Position {
                line: number,
                column,
            },
            end: Position {
                line: number,
                column: line.chars().count() as u32 + 1,
            },
        };
        let kind = DecisionKind::parse(&caps[1]).expect("the regex admits only known kinds");
        let mut record = decision(kind, span.clone(), true);
        let mut expires = None;
        let mut bad = None;
        for pair in PAIR.captures_iter(&caps[3]) {
            let value = pair
                .get(2)
                .or_else(|| pair.get(3))
                .map_or("", |m| m.as_str())
                .to_string();
            match &pair[1] {
                "reason" => record.reason = value,
                "owner" => record.owner = Some(value),
                "ticket" => record.ticket = Some(value),
                "mitigation" | "to" => record.detail = Some(value),
                "expires" => match Date::parse(&value) {
                    Some(date) => {
                        record.expires = Some(date.to_string());
                        expires = Some(date);
                    }
                    None => bad = Some("`expires` is not a date (YYYY-MM-DD)".to_string()),
                },
                other => {
                    bad = Some(format!(
                        "unknown key `{other}` (reason, owner, ticket, expires, mitigation, to)"
                    ))
                }
            }
        }
        if record.reason.trim().is_empty() {
            bad = Some("a decision needs `reason=\"...\"`".to_string());
        }
        match bad {
            Some(message) => diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Error,
                Code::Decisions,
                span,
                message,
            )),
            None => entries.push(Entry {
                rule: caps[2].to_string(),
                scope: Scope::Declared(span),
                decision: record,
                expires,
            }),
        }
    }
    (entries, diagnostics)
}

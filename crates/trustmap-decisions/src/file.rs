//! The decisions file: `trustmap.yaml` at the scan root, or the file given with `--config`.
//!
//! ```yaml
//! decisions:
//!   - rule: TM-E002
//!     element: compose:shop/service/admin   # or `flow: <flow id>`, or `path: deploy/**`
//!     decision: accept                       # mitigate, eliminate, transfer, accept
//!     owner: platform-team
//!     reason: Portainer manages the host's containers; it is bound to loopback.
//!     ticket: SEC-42                         # optional
//!     expires: 2027-03-01                    # optional
//!     mitigation: WAF rule 942100            # mitigate: where the control lives
//!     to: Managed DB provider                # transfer: to whom
//! ```

use crate::{Date, Entry, Scope, decision};
use trustmap_model::{Diagnostic, DiagnosticLevel, Span};
use trustmap_rules::DecisionKind;
use trustmap_yaml::{Limits, Node};

/// The decisions file's name at the scan root.
pub const DECISIONS_FILE: &str = "trustmap.yaml";

const FIELDS: &[&str] = &[
    "rule",
    "element",
    "flow",
    "path",
    "decision",
    "owner",
    "reason",
    "ticket",
    "expires",
    "mitigation",
    "to",
];

/// Reads a decisions file. Entries that cannot be used are diagnostics (errors: the scan's
/// decisions are incomplete) naming file, line and field; the others are returned.
pub fn parse_decisions(file: &str, text: &str) -> (Vec<Entry>, Vec<Diagnostic>) {
    let files = [file.to_string()];
    let mut entries = Vec::new();
    let mut diagnostics = Vec::new();
    let mut error = |span: Span, message: String| {
        diagnostics.push(Diagnostic::new(
            DiagnosticLevel::Error,
            "decisions",
            span,
            message,
        ));
    };
    let loaded = match trustmap_yaml::load(
        text,
        &Limits {
            max_depth: 32,
            max_nodes: 200_000,
        },
    ) {
        Ok(loaded) => loaded,
        Err(e) => {
            error(
                Span::lines(file, e.line, e.line),
                format!("not valid YAML: {}", e.message),
            );
            return (entries, diagnostics);
        }
    };
    let Some(root) = loaded.documents.first() else {
        return (entries, diagnostics);
    };
    let Some(list) = root.get("decisions").and_then(Node::as_sequence) else {
        error(
            root.span(&files),
            "expected a `decisions:` list".to_string(),
        );
        return (entries, diagnostics);
    };
    for item in list {
        let span = item.span(&files);
        let field = |name: &str| item.get(name).and_then(Node::as_str).map(str::to_string);
        if let Some((key, _)) = item
            .as_mapping()
            .unwrap_or(&[])
            .iter()
            .find(|(k, _)| !FIELDS.contains(&k.as_str().unwrap_or("")))
        {
            error(
                key.span(&files),
                format!(
                    "unknown field `{}` (expected one of: {})",
                    key.as_str().unwrap_or("?"),
                    FIELDS.join(", ")
                ),
            );
            continue;
        }
        let Some(rule) = field("rule") else {
            error(
                span,
                "field `rule`: required (a rule id such as TM-E002)".to_string(),
            );
            continue;
        };
        let Some(kind) = field("decision").as_deref().and_then(DecisionKind::parse) else {
            error(
                span,
                "field `decision`: expected mitigate, eliminate, transfer or accept".to_string(),
            );
            continue;
        };
        let scope = match (field("element").or_else(|| field("flow")), field("path")) {
            (Some(id), None) => Scope::Subject(id),
            (None, Some(glob)) => match globset::Glob::new(&glob) {
                Ok(g) => Scope::Path(g.compile_matcher()),
                Err(e) => {
                    error(span, format!("field `path`: {e}"));
                    continue;
                }
            },
            _ => {
                error(
                    span,
                    "a decision names exactly one of `element`, `flow` or `path`".to_string(),
                );
                continue;
            }
        };
        let Some(reason) = field("reason").filter(|r| !r.trim().is_empty()) else {
            error(span, "field `reason`: required: say why".to_string());
            continue;
        };
        let expires = match field("expires") {
            None => None,
            Some(text) => match Date::parse(&text) {
                Some(date) => Some(date),
                None => {
                    error(
                        span,
                        format!("field `expires`: `{text}` is not a date (YYYY-MM-DD)"),
                    );
                    continue;
                }
            },
        };
        let mut record = decision(kind, span, false);
        record.owner = field("owner");
        record.reason = reason;
        record.ticket = field("ticket");
        record.expires = expires.map(|d| d.to_string());
        record.detail = match kind {
            DecisionKind::Mitigate => field("mitigation"),
            DecisionKind::Transfer => field("to"),
            _ => None,
        };
        entries.push(Entry {
            rule,
            scope,
            decision: record,
            expires,
        });
    }
    (entries, diagnostics)
}

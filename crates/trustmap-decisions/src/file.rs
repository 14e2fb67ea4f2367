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
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, Span};
use trustmap_rules::DecisionKind;
use trustmap_yaml::{Limits, Node, NodeValue};

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

/// What a field of a decision holds, for the message when it holds the wrong kind of value.
fn kind_of(node: &Node) -> &'static str {
    match node.value {
        NodeValue::Null => "nothing",
        NodeValue::Scalar(..) => "text",
        NodeValue::Sequence(_) => "a list",
        NodeValue::Mapping(_) => "a mapping",
    }
}

/// A field's text: `Ok(None)` when absent or null, an error naming the field when it holds a
/// list or a mapping.
fn text_field(item: &Node, name: &str, files: &[String]) -> Result<Option<String>, Diagnostic> {
    match item.get(name) {
        None => Ok(None),
        Some(value) if value.is_null() => Ok(None),
        Some(value) => match value.as_str() {
            Some(text) => Ok(Some(text.to_string())),
            None => Err(decisions_error(
                value.span(files),
                format!("field `{name}`: expected text, found {}", kind_of(value)),
            )),
        },
    }
}

fn decisions_error(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(DiagnosticLevel::Error, Code::Decisions, span, message)
}

/// A key as it may be shown in a message: a lower-case word that could be a typo of a field
/// name. Anything else (long, with digits, capitals or other characters) is not echoed, so a
/// file that is not a decisions file at all (a secret behind a link) is never printed.
fn shown_key(key: &Node) -> String {
    match key.as_str() {
        Some(name)
            if !name.is_empty()
                && name.len() <= 24
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-') =>
        {
            format!(" `{name}`")
        }
        _ => String::new(),
    }
}

/// Reads a decisions file. Entries that cannot be used are diagnostics (errors: the scan's
/// decisions are incomplete) naming file, line and field; the others are returned. Values are
/// never echoed in a message (only field names), and no input makes it panic: a wrong type
/// anywhere, nesting deeper than 32 or more than 200,000 nodes is an error at its line.
pub fn parse_decisions(file: &str, text: &str) -> (Vec<Entry>, Vec<Diagnostic>) {
    let files = [file.to_string()];
    let mut entries = Vec::new();
    let mut diagnostics = Vec::new();
    let loaded = match trustmap_yaml::load(
        text,
        &Limits {
            max_depth: 32,
            max_nodes: 200_000,
        },
    ) {
        Ok(loaded) => loaded,
        Err(e) => {
            let line = e.line.max(1);
            diagnostics.push(decisions_error(
                Span::lines(file, line, line),
                format!("not valid YAML: {}", e.message),
            ));
            return (entries, diagnostics);
        }
    };
    for warning in &loaded.warnings {
        let line = warning.line.max(1);
        diagnostics.push(Diagnostic::new(
            DiagnosticLevel::Warning,
            Code::Decisions,
            Span::lines(file, line, line),
            format!("{} (the last value is used)", warning.message),
        ));
    }
    let Some(root) = loaded.documents.first() else {
        return (entries, diagnostics);
    };
    if let Some(extra) = loaded.documents.iter().skip(1).find(|d| !d.is_null()) {
        diagnostics.push(decisions_error(
            extra.span(&files),
            "a decisions file holds one document; the ones after the first are not read"
                .to_string(),
        ));
    }
    if root.is_null() {
        return (entries, diagnostics);
    }
    let list = match root.get("decisions") {
        Some(list) if list.is_null() => &[][..],
        Some(list) => match list.as_sequence() {
            Some(items) => items,
            None => {
                diagnostics.push(decisions_error(
                    list.span(&files),
                    format!("`decisions`: expected a list, found {}", kind_of(list)),
                ));
                return (entries, diagnostics);
            }
        },
        None => {
            diagnostics.push(decisions_error(
                root.span(&files),
                "expected a `decisions:` list".to_string(),
            ));
            return (entries, diagnostics);
        }
    };
    for item in list {
        match entry(item, &files) {
            Ok(entry) => entries.push(entry),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    (entries, diagnostics)
}

/// One decision of the list, or the first thing wrong with it.
fn entry(item: &Node, files: &[String]) -> Result<Entry, Diagnostic> {
    let span = item.span(files);
    let Some(fields) = item.as_mapping() else {
        return Err(decisions_error(
            span,
            format!(
                "a decision is a mapping of fields ({}), found {}",
                FIELDS.join(", "),
                kind_of(item)
            ),
        ));
    };
    if let Some((key, _)) = fields
        .iter()
        .find(|(k, _)| !FIELDS.contains(&k.as_str().unwrap_or("")))
    {
        return Err(decisions_error(
            key.span(files),
            format!(
                "unknown field{} (expected one of: {})",
                shown_key(key),
                FIELDS.join(", ")
            ),
        ));
    }
    let field = |name: &str| text_field(item, name, files);
    let Some(rule) = field("rule")? else {
        return Err(decisions_error(
            span,
            "field `rule`: required (a rule id such as TM-E002)".to_string(),
        ));
    };
    let Some(kind) = field("decision")?.as_deref().and_then(DecisionKind::parse) else {
        return Err(decisions_error(
            span,
            "field `decision`: expected mitigate, eliminate, transfer or accept".to_string(),
        ));
    };
    let scope = match (field("element")?, field("flow")?, field("path")?) {
        (Some(id), None, None) | (None, Some(id), None) => Scope::Subject(id),
        (None, None, Some(glob)) => match globset::Glob::new(&glob) {
            Ok(g) => Scope::Path(g.compile_matcher()),
            Err(e) => {
                return Err(decisions_error(
                    span,
                    format!("field `path`: not a valid glob: {}", e.kind()),
                ));
            }
        },
        _ => {
            return Err(decisions_error(
                span,
                "a decision names exactly one of `element`, `flow` or `path`".to_string(),
            ));
        }
    };
    let Some(reason) = field("reason")?.filter(|r| !r.trim().is_empty()) else {
        return Err(decisions_error(
            span,
            "field `reason`: required: say why".to_string(),
        ));
    };
    let expires = match field("expires")? {
        None => None,
        Some(text) => match Date::parse(&text) {
            Some(date) => Some(date),
            None => {
                return Err(decisions_error(
                    span,
                    "field `expires`: not a date (YYYY-MM-DD)".to_string(),
                ));
            }
        },
    };
    let mut record = decision(kind, span, false);
    record.owner = field("owner")?;
    record.reason = reason;
    record.ticket = field("ticket")?;
    record.expires = expires.map(|d| d.to_string());
    record.detail = match kind {
        DecisionKind::Mitigate => field("mitigation")?,
        DecisionKind::Transfer => field("to")?,
        _ => None,
    };
    Ok(Entry {
        rule,
        scope,
        decision: record,
        expires,
    })
}

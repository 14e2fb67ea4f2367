//! The decisions file: `trustmap.yaml` at the scan root, or the file given with `--config`.
//! It holds the decisions and, optionally, the settings a repository gives every scan of it
//! (the command line's switches, which win over them):
//!
//! ```yaml
//! settings:
//!   fail-on: high                 # none, low, medium, high, critical
//!   fail-on-incomplete: true      # an incomplete scan (a file not parsed) fails
//!   severity: medium              # report nothing below this severity
//!   select: [TM-E, TM-S001]       # rule ids or prefixes (default: every rule)
//!   ignore: [TM-I003]             # rule ids or prefixes
//!   exclude: ["legacy/", "*.test.yaml"]   # .ignore-file patterns
//!   rules: [security/rules]       # rule folders, relative to this file
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
use trustmap_rules::{DecisionKind, Severity};
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

/// The top-level keys of the file.
const SECTIONS: &[&str] = &["settings", "decisions"];

/// The keys of the `settings:` section.
const SETTINGS: &[&str] = &[
    "fail-on",
    "fail-on-incomplete",
    "severity",
    "select",
    "ignore",
    "exclude",
    "rules",
];

/// The `settings:` section: each switch the file sets (`None`: not set). The command line's
/// switches win over these, one by one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `fail-on`: `Some(None)` is `none` (never fail on findings).
    pub fail_on: Option<Option<Severity>>,
    /// `fail-on-incomplete`: whether an incomplete scan fails.
    pub fail_on_incomplete: Option<bool>,
    /// `severity`: the lowest severity reported.
    pub severity: Option<Severity>,
    /// `select`: rule ids or id prefixes to run.
    pub select: Option<Vec<String>>,
    /// `ignore`: rule ids or id prefixes not to run.
    pub ignore: Option<Vec<String>>,
    /// `exclude`: patterns in `.ignore`-file syntax, relative to each scanned folder.
    pub exclude: Option<Vec<String>>,
    /// `rules`: folders of extra rules, as written (relative to the file's folder).
    pub rules: Option<Vec<String>>,
}

/// A decisions file, read: its settings and its decisions.
#[derive(Debug, Default)]
pub struct DecisionsFile {
    /// The `settings:` section (all `None` without one).
    pub settings: Settings,
    /// The usable decisions.
    pub entries: Vec<Entry>,
}

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
    let (read, diagnostics) = parse_decisions_file(file, text);
    (read.entries, diagnostics)
}

/// Reads a decisions file with its `settings:` section, which is read strictly: an unknown
/// key, here or at the top level, or a value of the wrong kind is an error at its line.
pub fn parse_decisions_file(file: &str, text: &str) -> (DecisionsFile, Vec<Diagnostic>) {
    let files = [file.to_string()];
    let mut read = DecisionsFile::default();
    let mut diagnostics = Vec::new();
    let entries = &mut read.entries;
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
            return (read, diagnostics);
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
        return (read, diagnostics);
    };
    if let Some(extra) = loaded.documents.iter().skip(1).find(|d| !d.is_null()) {
        diagnostics.push(decisions_error(
            extra.span(&files),
            "a decisions file holds one document; the ones after the first are not read"
                .to_string(),
        ));
    }
    if root.is_null() {
        return (read, diagnostics);
    }
    if let Some(fields) = root.as_mapping()
        && let Some((key, _)) = fields
            .iter()
            .find(|(k, _)| !SECTIONS.contains(&k.as_str().unwrap_or("")))
    {
        diagnostics.push(decisions_error(
            key.span(&files),
            format!(
                "unknown key{} (expected one of: {})",
                shown_key(key),
                SECTIONS.join(", ")
            ),
        ));
    }
    if let Some(section) = root.get("settings") {
        read.settings = settings(section, &files, &mut diagnostics);
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
                return (read, diagnostics);
            }
        },
        // A file of settings only has no decisions.
        None if root.get("settings").is_some() => &[][..],
        None => {
            diagnostics.push(decisions_error(
                root.span(&files),
                "expected a `decisions:` list (or a `settings:` section)".to_string(),
            ));
            return (read, diagnostics);
        }
    };
    for item in list {
        match entry(item, &files) {
            Ok(entry) => entries.push(entry),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    (read, diagnostics)
}

/// The `settings:` section. A key or value in error is left unset, with an error at its line;
/// the other keys are still read.
fn settings(section: &Node, files: &[String], diagnostics: &mut Vec<Diagnostic>) -> Settings {
    let mut settings = Settings::default();
    if section.is_null() {
        return settings;
    }
    let Some(fields) = section.as_mapping() else {
        diagnostics.push(decisions_error(
            section.span(files),
            format!("`settings`: expected a mapping, found {}", kind_of(section)),
        ));
        return settings;
    };
    for (key, value) in fields {
        let name = key.as_str().unwrap_or("");
        if !SETTINGS.contains(&name) {
            diagnostics.push(decisions_error(
                key.span(files),
                format!(
                    "settings: unknown key{} (expected one of: {})",
                    shown_key(key),
                    SETTINGS.join(", ")
                ),
            ));
            continue;
        }
        let error = |expected: &str| {
            decisions_error(
                value.span(files),
                format!("settings: `{name}`: expected {expected}"),
            )
        };
        let severity = |allow_none: bool| match value.as_str() {
            Some("none") if allow_none => Ok(None),
            Some(text) => Severity::parse(text).map(Some).ok_or(()),
            None => Err(()),
        };
        let result = match name {
            "fail-on" => severity(true)
                .map(|s| settings.fail_on = Some(s))
                .map_err(|()| error("none, low, medium, high or critical")),
            "severity" => severity(false)
                .map(|s| settings.severity = s)
                .map_err(|()| error("low, medium, high or critical")),
            "fail-on-incomplete" => match value.truthy() {
                Some(flag) => {
                    settings.fail_on_incomplete = Some(flag);
                    Ok(())
                }
                None => Err(error("true or false")),
            },
            _ => text_list(value)
                .map(|list| {
                    let slot = match name {
                        "select" => &mut settings.select,
                        "ignore" => &mut settings.ignore,
                        "exclude" => &mut settings.exclude,
                        _ => &mut settings.rules,
                    };
                    *slot = Some(list);
                })
                .map_err(|()| error("a list of text")),
        };
        if let Err(diagnostic) = result {
            diagnostics.push(diagnostic);
        }
    }
    settings
}

/// A list of text values (one text is a list of one).
fn text_list(value: &Node) -> Result<Vec<String>, ()> {
    if let Some(text) = value.as_str() {
        return Ok(vec![text.to_string()]);
    }
    value
        .as_sequence()
        .ok_or(())?
        .iter()
        .map(|item| item.as_str().map(str::to_string).ok_or(()))
        .collect()
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

//! Drift as SARIF 2.1.0 for GitHub code scanning: one result per weakening change, on the line
//! that causes it.
//!
//! Built with `serde-sarif`'s types and trustmap-report's SARIF helpers (locations, regions,
//! URIs, messages, levels), so it makes the same choices for GitHub as the scan's SARIF:
//! relative `uri`s with `uriBaseId` [`trustmap_report::SRCROOT`], `security-severity` and tags
//! on every rule, help in text and Markdown, `partialFingerprints` that do not depend on lines,
//! and columns counted in Unicode code points.

use crate::{Change, ChangeKind, Drift, SubjectKind};
use serde_json::json;
use serde_sarif::sarif::{
    Invocation, MultiformatMessageString, PropertyBag, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use trustmap_model::{Diagnostic, Limits};
use trustmap_report::{
    SARIF_SCHEMA, pretty_json, sarif_keep_most_severe, sarif_level, sarif_level_name,
    sarif_location, sarif_message, sarif_notification, sarif_text,
};
use trustmap_rules::Severity;

/// The key of a change's fingerprint ([`Change::fingerprint`]) in `partialFingerprints`.
pub const DRIFT_FINGERPRINT_KEY: &str = "trustmapDriftFingerprint/v1";

/// `tool.driver.name`. Not `trustmap`, so that GitHub keeps drift alerts apart from the scan's
/// (it keeps one analysis per tool and category) whatever category each is uploaded with.
pub const DRIFT_TOOL_NAME: &str = "trustmap-drift";

/// The kinds that can give a result, in rule order.
const RULE_KINDS: [ChangeKind; 3] = [
    ChangeKind::NewEntryPoint,
    ChangeKind::NewBoundaryCrossing,
    ChangeKind::WeakenedAttribute,
];

/// Renders the weakening changes of the drift as a SARIF 2.1.0 log: pretty JSON with a
/// trailing newline, byte-identical for the same input.
///
/// One run whose `tool.driver` ([`DRIFT_TOOL_NAME`], version `tool_version`) describes one rule
/// per change kind that can weaken (`drift/new-entry-point`, `drift/new-boundary-crossing`,
/// `drift/weakened-attribute`), with its descriptions, help, `security-severity` and tags
/// `security` and `drift`. Each weakening change becomes a result with its rule's index, its
/// level (`error` for a new entry point, `warning` otherwise), its message, the region of the
/// span that causes it (a logical location naming the subject when it has no span) and its
/// fingerprint ([`DRIFT_FINGERPRINT_KEY`]: kind, subject and attribute, never lines).
/// Informational changes are not results.
///
/// At most the default [`trustmap_model::Limit::SarifResults`] results are written;
/// [`sarif_bounded`] takes the limits and returns the diagnostic of a cut.
#[must_use]
pub fn sarif(drift: &Drift, tool_version: &str) -> String {
    sarif_bounded(drift, tool_version, &Limits::default()).0
}

/// [`sarif`] with at most `limits.get(Limit::SarifResults)` results: over the bound, the most
/// severe changes are kept (new entry points first), in their order, the run gets an
/// invocation whose `limit-sarif-results` error notification says how many were left out
/// (`executionSuccessful` false), and that diagnostic is returned for the caller to report.
#[must_use]
pub fn sarif_bounded(
    drift: &Drift,
    tool_version: &str,
    limits: &Limits,
) -> (String, Vec<Diagnostic>) {
    let driver = ToolComponent::builder()
        .name(DRIFT_TOOL_NAME)
        .version(tool_version.to_string())
        .rules(
            RULE_KINDS
                .iter()
                .map(|k| descriptor(*k))
                .collect::<Vec<_>>(),
        )
        .build();
    let weakening: Vec<&Change> = drift.weakening().collect();
    let (kept, cut) = sarif_keep_most_severe(&weakening, limits, |c| (false, severity(c.kind)));
    let results: Vec<SarifResult> = kept.into_iter().map(|c| result(c)).collect();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .build();
    if let Some(cut) = &cut {
        let mut invocation = Invocation::builder().execution_successful(false).build();
        invocation.tool_execution_notifications = Some(vec![sarif_notification(cut)]);
        run.invocations = Some(vec![invocation]);
    }
    let log = Sarif::builder()
        .schema(SARIF_SCHEMA)
        .version("2.1.0")
        .runs(vec![run])
        .build();
    (pretty_json(&log), cut.into_iter().collect())
}

/// A kind's severity for GitHub: a new door from the internet is high, the others medium.
fn severity(kind: ChangeKind) -> Severity {
    match kind {
        ChangeKind::NewEntryPoint => Severity::High,
        _ => Severity::Medium,
    }
}

fn level(kind: ChangeKind) -> ResultLevel {
    sarif_level(severity(kind))
}

/// What a kind means, why it matters and what to do: `(name, short, full, why)`.
fn documentation(kind: ChangeKind) -> (&'static str, &'static str, &'static str, &'static str) {
    match kind {
        ChangeKind::NewEntryPoint => (
            "NewEntryPoint",
            "New entry point from the internet",
            "Compared with the reviewed baseline threat model, an element now takes connections \
             from the internet (directly, or through a load balancer, Service or ingress that \
             forwards to it), or a new flow comes from the internet.",
            "Every entry point from the internet is attack surface: anyone can reach it, probe \
             it and exploit it. A new one should be a decision, reviewed with the threat model, \
             not a side effect of a published port or a new ingress.",
        ),
        ChangeKind::NewBoundaryCrossing => (
            "NewBoundaryCrossing",
            "New flow into a zone of higher trust",
            "Compared with the reviewed baseline threat model, a flow now crosses a trust \
             boundary into a zone trusted more than its source's.",
            "A flow into higher trust lets a less trusted element reach a more trusted one: if \
             the source is compromised, the boundary no longer stops the attacker. It should \
             be authenticated, encrypted and deliberate.",
        ),
        _ => (
            "WeakenedAttribute",
            "Weakened security attribute",
            "Compared with the reviewed baseline threat model, a security attribute of an \
             element, flow or zone got weaker: a protection was turned off or is no longer \
             stated (encryption, authentication, a read-only filesystem, an internal network), \
             or a dangerous setting was turned on or gained items (privileged, host \
             namespaces, capabilities, host mounts, plaintext secrets).",
            "Each protection in the threat model was part of what was reviewed; losing one \
             silently re-opens the threats it mitigated.",
        ),
    }
}

const HOW_TO_FIX: &str = "If the change is unintended, restore the setting. If it is \
    intended, review it with the threat model and regenerate the baseline with `trustmap model \
    --format json`, so the next comparison starts from the reviewed model.";

fn descriptor(kind: ChangeKind) -> ReportingDescriptor {
    let (name, short, full, why) = documentation(kind);
    let mut help_text = format!(
        "{}: {short}\n\n{full}\n\n{why}\n\nHow to fix it: ",
        kind.rule_id()
    );
    help_text.push_str(&HOW_TO_FIX.replace('`', ""));
    help_text.push('\n');
    let mut help_markdown = String::new();
    let _ = write!(
        help_markdown,
        "## {short}\n\n{full}\n\n{why}\n\n### How to fix it\n\n{HOW_TO_FIX}\n"
    );
    let properties = BTreeMap::from([
        (
            "security-severity".to_string(),
            json!(severity(kind).score()),
        ),
        ("precision".to_string(), json!("high")),
    ]);
    ReportingDescriptor::builder()
        .id(kind.rule_id())
        .name(name)
        .short_description(sarif_text(short))
        .full_description(sarif_text(full))
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(sarif_level_name(level(kind))))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec!["security".to_string(), "drift".to_string()])
                .additional_properties(properties)
                .build(),
        )
        .build()
}

fn subject_kind(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Element => "element",
        SubjectKind::Flow => "flow",
        SubjectKind::Zone => "zone",
    }
}

fn result(change: &Change) -> SarifResult {
    let kind = match change.subject.kind {
        SubjectKind::Element | SubjectKind::Zone => "resource",
        SubjectKind::Flow => "flow",
    };
    let location = sarif_location(change.span.as_ref(), kind, &change.subject.id);
    let mut result = SarifResult::builder()
        .rule_id(change.kind.rule_id())
        .level(level(change.kind))
        .message(sarif_message(change.message.clone()))
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            DRIFT_FINGERPRINT_KEY.to_string(),
            change.fingerprint(),
        )]))
        .build();
    result.rule_index = RULE_KINDS
        .iter()
        .position(|k| *k == change.kind)
        .and_then(|i| i64::try_from(i).ok());
    let mut properties = BTreeMap::from([
        ("kind".to_string(), json!(change.kind.as_str())),
        (
            "subject".to_string(),
            json!({"kind": subject_kind(change.subject.kind), "id": change.subject.id}),
        ),
    ]);
    if let Some(attribute) = change.attribute {
        properties.insert("attribute".to_string(), json!(attribute.as_str()));
    }
    if !change.items.is_empty() {
        properties.insert("items".to_string(), json!(change.items));
    }
    result.properties = Some(
        PropertyBag::builder()
            .additional_properties(properties)
            .build(),
    );
    result
}

//! Findings as SARIF 2.1.0, shaped for GitHub code scanning.
//!
//! Built with `serde-sarif`'s types (generated from the official 2.1.0 schema, with builders that
//! make the schema's required fields required). They work well enough to keep: every object this
//! module emits has a typed field, and the required ones cannot be forgotten. Two things to know
//! when editing: the structs serialize their fields in alphabetical order (so `version` comes
//! after `runs`; JSON readers do not care), and a few enumerated values are typed
//! `serde_json::Value` rather than enums (`reportingConfiguration.level`, `notification.level`,
//! `run.columnKind`), so those are written as JSON strings here.
//!
//! What GitHub's ingestion needs, and where it is done:
//! - relative `uri`s with `uriBaseId` `%SRCROOT%` ([`SRCROOT`]); `run.originalUriBaseIds` is
//!   left out, which GitHub accepts: it resolves `%SRCROOT%` to the repository root; a file
//!   outside that root (its display path is absolute) is an absolute `file://` URI without a
//!   base;
//! - at most [`Limit::SarifResults`] results per run (GitHub keeps 5,000): the most severe are
//!   kept, and a `limit-sarif-results` notification says how many were left out
//!   ([`sarif_bounded`]);
//! - `security-severity` and `tags` on every rule, `help` in text and Markdown; GitHub reads
//!   `security-severity` from the rule only, so the rule's is its findings' maximum and each
//!   result carries its scored severity as its `level`, in its message and in its properties;
//! - `partialFingerprints` on every result ([`FINGERPRINT_KEY`]), stable when lines move;
//! - `properties.tags` on every result: the threat's STRIDE categories (a checklist's failed
//!   checks', and those of the findings folded into it); `properties.checks` lists a
//!   checklist's failed checks, `properties.folded` the findings folded in (rule, message,
//!   categories, subject, fingerprint);
//! - `automationDetails.id` for the category (see [`SarifOptions::automation_id`]);
//! - scan problems as `invocations[0].toolExecutionNotifications`.

use crate::{level_name, sorted_diagnostics};
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, CodeFlow, Invocation, Location, LogicalLocation, Message,
    MultiformatMessageString, Notification, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run,
    RunAutomationDetails, Sarif, Suppression, ThreadFlow, ThreadFlowLocation, Tool, ToolComponent,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use trustmap_model::{Diagnostic, DiagnosticLevel, Limit, Limits, Span, limit_diagnostic};
use trustmap_rules::{
    Certainty, FailedCheck, Finding, PASSED_ON_HERE, Rule, RuleSet, Severity, Subject, USED_HERE,
    rule_maximum,
};

/// The `$schema` written at the top of the log.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The `uriBaseId` of every location: the root of the scanned folder.
pub const SRCROOT: &str = "%SRCROOT%";
/// The key of the finding's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "trustmapFingerprint/v1";

/// What the SARIF log says about the run that is not in the findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SarifOptions {
    /// `tool.driver.version`: trustmap's version.
    pub tool_version: String,
    /// The code scanning category, written as `run.automationDetails.id`. GitHub reads that id
    /// as `category/run-id` and keeps one set of alerts per category. trustmap's output has no
    /// run id (it would break byte-identical output), so this value is always taken as the
    /// category: a trailing `/` is added when missing (`infra/prod` becomes `infra/prod/`),
    /// as GitHub's upload action does with its `category` input. `None` or a blank value
    /// leaves `automationDetails` out.
    pub automation_id: Option<String>,
    /// `tool.driver.informationUri`: where to read about trustmap (an absolute URI).
    pub information_uri: String,
}

/// Renders findings as a SARIF 2.1.0 log: pretty JSON with a trailing newline, byte-identical
/// for the same input.
///
/// One run. `tool.driver.rules` holds every rule of `rules` (sorted by id) with its help, its
/// GitHub `security-severity` (the most any of its findings can be scored) and its tags
/// (`security`, its STRIDE categories, `external/cwe/cwe-NNN`). Each finding becomes a result
/// in the order given, with its rule's `ruleIndex` (absent when the rule is not in `rules`),
/// its level from its scored severity (critical and high: `error`, medium: `warning`, low:
/// `note`), its severity's reason at the end of its message, its primary location, the related
/// locations, the attack path from the internet as a code flow, and its fingerprint; its
/// properties hold its own `security-severity`, `severity`, `severity-reason` and
/// `severity-factors` (score, rule severity, impact, reach, certainty). A finding without a span is
/// located by a logical location naming its subject. Diagnostics become tool execution
/// notifications; an error among them makes `executionSuccessful` false.
///
/// At most the default [`Limit::SarifResults`] results are written; [`sarif_bounded`] takes
/// the limits and also returns the diagnostic of a cut, for the caller to report.
#[must_use]
pub fn sarif(
    findings: &[Finding],
    rules: &RuleSet,
    diagnostics: &[Diagnostic],
    options: &SarifOptions,
) -> String {
    sarif_bounded(findings, rules, diagnostics, options, &Limits::default()).0
}

/// [`sarif`] with at most `limits.get(Limit::SarifResults)` results. Over the bound, the
/// findings kept are the undecided before the decided, then the highest scored (the
/// `security-severity` GitHub sorts by, finer than the severity's four steps), then the first
/// in the order given (deterministic), written in the order given; the log gets a
/// `limit-sarif-results` error notification (so `executionSuccessful` is false) and the same
/// diagnostic is returned, for the caller to add to the scan's (the scan is incomplete).
#[must_use]
pub fn sarif_bounded(
    findings: &[Finding],
    rules: &RuleSet,
    diagnostics: &[Diagnostic],
    options: &SarifOptions,
    limits: &Limits,
) -> (String, Vec<Diagnostic>) {
    let (kept, cut) = keep_most_severe(findings, limits, |f| (f.decided(), f.scoring.score));
    let mut all_diagnostics = diagnostics.to_vec();
    all_diagnostics.extend(cut.clone());
    let log = log(&kept, rules, &all_diagnostics, options);
    (log, cut.into_iter().collect())
}

/// Keeps at most [`Limit::SarifResults`] of `items`, in their order: when there are more, the
/// ones whose `rank` is `false` before `true`, then the highest `weight` (a severity, a
/// score), the first given on ties. Returns them and the diagnostic that says how many were
/// cut.
pub fn keep_most_severe<'a, T, W: Ord>(
    items: &'a [T],
    limits: &Limits,
    rank: impl Fn(&T) -> (bool, W),
) -> (Vec<&'a T>, Option<Diagnostic>) {
    let bound = limits.get_usize(Limit::SarifResults);
    if items.len() <= bound {
        return (items.iter().collect(), None);
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| {
        let (later, weight) = rank(&items[i]);
        (later, std::cmp::Reverse(weight), i)
    });
    let mut keep = vec![false; items.len()];
    for &i in &order[..bound] {
        keep[i] = true;
    }
    let kept = items
        .iter()
        .zip(&keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect();
    let cut = limit_diagnostic(
        Limit::SarifResults,
        limits.get(Limit::SarifResults),
        Span::lines("", 0, 0),
        &format!(
            "{} of {} results were left out of the SARIF log (the least severe)",
            items.len() - bound,
            items.len()
        ),
    );
    (kept, Some(cut))
}

fn log(
    findings: &[&Finding],
    rules: &RuleSet,
    diagnostics: &[Diagnostic],
    options: &SarifOptions,
) -> String {
    let rule_index: BTreeMap<&str, usize> = rules
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let driver = ToolComponent::builder()
        .name("trustmap")
        .version(options.tool_version.clone())
        .information_uri(options.information_uri.clone())
        .rules(rules.rules().iter().map(descriptor).collect::<Vec<_>>())
        .build();

    let results: Vec<SarifResult> = findings
        .iter()
        .map(|f| result(f, rule_index.get(f.rule_id.as_str()).copied()))
        .collect();

    let diagnostics = sorted_diagnostics(diagnostics);
    let successful = !diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    let mut invocation = Invocation::builder()
        .execution_successful(successful)
        .build();
    if !diagnostics.is_empty() {
        invocation.tool_execution_notifications =
            Some(diagnostics.iter().map(|d| notification(d)).collect());
    }

    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .build();
    run.automation_details = options
        .automation_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            let id = if id.ends_with('/') {
                id.to_string()
            } else {
                format!("{id}/")
            };
            RunAutomationDetails::builder().id(id).build()
        });

    let log = Sarif::builder()
        .schema(SARIF_SCHEMA)
        .version("2.1.0")
        .runs(vec![run])
        .build();
    crate::json::pretty(&log)
}

/// A result's level for a severity, as GitHub reads levels: critical and high are errors,
/// medium warnings, low notes.
pub fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// A result level as SARIF spells it (`error`, `warning`, `note`, `none`), for the places the
/// schema types as a plain string, such as `reportingConfiguration.level`.
pub fn result_level_name(level: ResultLevel) -> &'static str {
    match level {
        ResultLevel::Error => "error",
        ResultLevel::Warning => "warning",
        ResultLevel::Note => "note",
        ResultLevel::None => "none",
    }
}

/// A multiformat message string with only its plain text (a rule's descriptions).
pub fn text(text: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder()
        .text(text.into())
        .build()
}

/// A message with only its plain text, at most `SARIF_MESSAGE_MAX_CHARS` characters: names
/// in messages come from the scanned files, and 5,000 results each repeating a name of
/// megabytes would make a file code scanning refuses.
pub fn message(text: impl Into<String>) -> Message {
    let mut text: String = text.into();
    let length = text.chars().count();
    if length > SARIF_MESSAGE_MAX_CHARS {
        text = text.chars().take(SARIF_MESSAGE_MAX_CHARS).collect();
        text.push_str(&format!(
            "… ({} more characters not shown)",
            length - SARIF_MESSAGE_MAX_CHARS
        ));
    }
    Message::builder().text(text).build()
}

/// The longest message text a SARIF result or location carries.
pub const SARIF_MESSAGE_MAX_CHARS: usize = 1_000;

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string()];
    tags.extend(rule.stride.iter().map(|s| s.as_str().to_string()));
    tags.extend(
        rule.cwe
            .iter()
            .map(|cwe| format!("external/cwe/cwe-{cwe:03}")),
    );
    // The schema wants tags unique; a rule file may repeat a category or a CWE.
    let mut seen = BTreeSet::new();
    tags.retain(|tag| seen.insert(tag.clone()));

    // GitHub reads `security-severity` from the rule only (its SARIF documentation lists it
    // under `reportingDescriptor`, not `result`): the rule's is the most any of its findings
    // is scored, and each result says its own through `level` and its properties.
    let maximum = rule_maximum(rule);
    let mut properties = BTreeMap::new();
    properties.insert("security-severity".to_string(), json!(maximum.to_string()));
    // A rule that reports unknown outcomes gives findings the code does not fully state.
    let precision = if rule.report_unknown {
        "medium"
    } else {
        "high"
    };
    properties.insert("precision".to_string(), json!(precision));

    let help = MultiformatMessageString::builder()
        .text(help_text(rule))
        .markdown(rule.help_markdown())
        .build();
    let level = result_level_name(result_level(maximum.severity()));
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule_name(rule))
        .short_description(text(rule.title.clone()))
        .full_description(text(rule.description.trim()))
        .help(help)
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(properties)
                .build(),
        )
        .build()
}

/// The rule's help as plain text, for viewers that do not render Markdown.
fn help_text(rule: &Rule) -> String {
    let mut help = format!("{}: {}\n\n", rule.id, rule.title);
    let _ = write!(
        help,
        "{}\n\nHow to fix it: {}\n",
        rule.description.trim(),
        rule.mitigation.trim()
    );
    if !rule.cwe.is_empty() || !rule.links.is_empty() {
        help.push_str("\nReferences:\n");
        for cwe in rule.cwe.iter().collect::<BTreeSet<_>>() {
            let _ = writeln!(
                help,
                "- CWE-{cwe}: https://cwe.mitre.org/data/definitions/{cwe}.html"
            );
        }
        for link in &rule.links {
            let _ = writeln!(help, "- {link}");
        }
    }
    help
}

/// The rule's title in CamelCase (`Privileged container` → `PrivilegedContainer`): apostrophes
/// vanish, other non-alphanumerics separate words. A title with no letters or digits gives the
/// id without its dashes.
fn rule_name(rule: &Rule) -> String {
    let mut name = String::new();
    for word in rule
        .title
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '\u{2019}')
    {
        let mut chars = word.chars().filter(|c| c.is_alphanumeric());
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.extend(chars);
        }
    }
    if name.is_empty() {
        rule.id.replace('-', "")
    } else {
        name
    }
}

fn result(finding: &Finding, rule_index: Option<usize>) -> SarifResult {
    let mut text = finding.message.clone();
    if finding.certainty == Certainty::Possible {
        text.push_str(" (possible: the code does not state every fact this depends on)");
    }
    // GitHub shows the rule's severity on every alert: the message says this one's.
    if finding.scoring.scored() {
        text.push_str(&format!(" [{}]", finding.scoring.reason()));
    }
    let mut result = SarifResult::builder()
        .rule_id(finding.rule_id.clone())
        .level(result_level(finding.severity))
        .message(message(text))
        .locations(vec![primary_location(finding)])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            finding.fingerprint.clone(),
        )]))
        .build();
    result.rule_index = rule_index.and_then(|i| i64::try_from(i).ok());

    let related: Vec<Location> = finding
        .related
        .iter()
        .filter_map(|r| physical_location(&r.span).map(|p| (p, &r.message)))
        .enumerate()
        .map(|(i, (physical, text))| {
            let mut location = Location::builder()
                .physical_location(physical)
                .message(message(text))
                .build();
            location.id = i64::try_from(i + 1).ok();
            location
        })
        .collect();
    if let Some(way) = deciding_way(finding, &related) {
        let shown = result.message.text.take().unwrap_or_default();
        let end = if shown.ends_with('.') { " " } else { ". " };
        result.message.text = Some(format!("{shown}{end}{way}"));
    }
    if !related.is_empty() {
        result.related_locations = Some(related);
    }

    if !finding.attack_path.is_empty() {
        let steps: Vec<ThreadFlowLocation> = finding
            .attack_path
            .iter()
            .map(|step| {
                let mut location = Location::builder().message(message(&step.message)).build();
                match step.span.as_ref().and_then(physical_location) {
                    Some(physical) => location.physical_location = Some(physical),
                    None => location.logical_locations = Some(vec![logical("flow", &step.flow.0)]),
                }
                ThreadFlowLocation::builder().location(location).build()
            })
            .collect();
        let how = match &finding.subject {
            Subject::Element(id) => format!("A path from the internet to {id}"),
            Subject::Flow(id) => format!("A path from the internet through {id}"),
        };
        let flow = CodeFlow::builder()
            .message(message(how))
            .thread_flows(vec![ThreadFlow::builder().locations(steps).build()])
            .build();
        result.code_flows = Some(vec![flow]);
    }

    let (kind, id) = match &finding.subject {
        Subject::Element(id) => ("element", &id.0),
        Subject::Flow(id) => ("flow", &id.0),
    };
    let certainty = match finding.certainty {
        Certainty::Definite => "definite",
        Certainty::Possible => "possible",
    };
    let mut properties = BTreeMap::from([
        ("stride".to_string(), json!(finding.stride.as_str())),
        ("certainty".to_string(), json!(certainty)),
        ("subject".to_string(), json!({"kind": kind, "id": id})),
        (
            "security-severity".to_string(),
            json!(finding.scoring.score.to_string()),
        ),
        ("severity".to_string(), json!(finding.severity.as_str())),
        (
            "severity-reason".to_string(),
            json!(finding.scoring.reason()),
        ),
        ("severity-factors".to_string(), json!(finding.scoring)),
    ]);
    if !finding.checks.is_empty() {
        let checks: Vec<Value> = finding.checks.iter().map(check_property).collect();
        properties.insert("checks".to_string(), json!(checks));
    }
    if !finding.folded.is_empty() {
        let folded: Vec<Value> = finding.folded.iter().map(folded_property).collect();
        properties.insert("folded".to_string(), json!(folded));
    }
    // Every STRIDE category of the threat: a checklist's failed checks', and those of the
    // findings folded into it.
    let tags: Vec<String> = finding
        .categories
        .iter()
        .map(|s| s.as_str().to_string())
        .collect();
    result.properties = Some(
        PropertyBag::builder()
            .tags(tags)
            .additional_properties(properties)
            .build(),
    );
    // A decision that still holds is a suppression: in the source when written as a comment,
    // external when in the decisions file.
    if let Some(decision) = finding.decision.as_ref().filter(|d| !d.expired) {
        let kind = if decision.inline {
            "inSource"
        } else {
            "external"
        };
        let mut justification = format!("{}: {}", decision.kind.as_str(), decision.reason);
        if let Some(owner) = &decision.owner {
            justification.push_str(&format!(" (owner: {owner})"));
        }
        let mut suppression = Suppression::builder()
            .kind(json!(kind))
            .justification(justification)
            .status(json!("accepted"))
            .build();
        suppression.location = physical_location(&decision.span)
            .map(|physical| Location::builder().physical_location(physical).build());
        result.suppressions = Some(vec![suppression]);
    }
    result
}

/// A failed check of a checklist rule, for the result's `checks` property.
fn check_property(check: &FailedCheck) -> Value {
    let certainty = match check.certainty {
        Certainty::Definite => "definite",
        Certainty::Possible => "possible",
    };
    let mut value = json!({
        "label": check.label,
        "stride": check.stride.as_str(),
        "certainty": certainty,
    });
    if let Some(id) = &check.id {
        value["id"] = json!(id);
    }
    if let Some(decision) = check.decision.as_ref().filter(|d| !d.expired) {
        value["decision"] = json!(decision.kind.as_str());
    }
    value
}

/// A finding folded into a result (it restates it on the same door), for the result's
/// `folded` property: its rule, message, subject and fingerprint, so that nothing it said is
/// lost and its alert can be traced.
fn folded_property(finding: &Finding) -> Value {
    let kind = match finding.subject {
        Subject::Element(_) => "element",
        Subject::Flow(_) => "flow",
    };
    json!({
        "ruleId": finding.rule_id,
        "message": message(&finding.message).text,
        "stride": finding.categories.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "subject": {"kind": kind, "id": finding.subject.id()},
        "fingerprint": finding.fingerprint,
    })
}

/// A sentence that links the related locations the finding's deciding value passed through
/// (`The deciding value passes [here](2) and is used [here](3).`): code scanning shows related
/// locations only where the message links them. `None` when the value is used where it is
/// written.
fn deciding_way(finding: &Finding, related: &[Location]) -> Option<String> {
    // The related locations kept (those with a file), with their ids, in order.
    let ids: Vec<(&str, i64)> = finding
        .related
        .iter()
        .filter(|r| physical_location(&r.span).is_some())
        .zip(related)
        .filter_map(|(r, location)| Some((r.message.as_str(), location.id?)))
        .collect();
    // The first way told: the places passed right before its use (another fact's way may
    // follow).
    let used_at = ids.iter().position(|(m, _)| *m == USED_HERE)?;
    let used = ids[used_at].1;
    let passed_from = ids[..used_at]
        .iter()
        .rposition(|(m, _)| *m != PASSED_ON_HERE)
        .map_or(0, |other| other + 1);
    let passes: Vec<String> = ids[passed_from..used_at]
        .iter()
        .map(|(_, id)| format!("[here]({id})"))
        .collect();
    Some(if passes.is_empty() {
        format!("The deciding value is used [here]({used}).")
    } else {
        format!(
            "The deciding value passes {} and is used [here]({used}).",
            passes.join(", ")
        )
    })
}

/// The finding's location: its span, or, when it has none (or one without a file), a logical
/// location naming its subject.
fn primary_location(finding: &Finding) -> Location {
    let kind = match finding.subject {
        Subject::Element(_) => "resource",
        Subject::Flow(_) => "flow",
    };
    location(finding.location.as_ref(), kind, finding.subject.id())
}

/// Where a result is: the physical location of `span` ([`physical_location`]), or, when there
/// is no span or it names no file, a logical location for the model's `id` ([`logical`]).
pub fn location(span: Option<&Span>, kind: &str, id: &str) -> Location {
    match span.and_then(physical_location) {
        Some(physical) => Location::builder().physical_location(physical).build(),
        None => Location::builder()
            .logical_locations(vec![logical(kind, id)])
            .build(),
    }
}

/// A logical location for something of the model: `name` and `fullyQualifiedName` are its `id`,
/// `kind` is SARIF's open-ended kind string (`resource` for an element, `flow` for a flow).
pub fn logical(kind: &str, id: &str) -> LogicalLocation {
    LogicalLocation::builder()
        .name(id.to_string())
        .fully_qualified_name(id.to_string())
        .kind(kind.to_string())
        .build()
}

/// A span as a physical location: relative to [`SRCROOT`], or, for a file outside the root
/// (an absolute display path, `/...`), an absolute `file://` URI with no base; `None` when it
/// names no file.
pub fn physical_location(span: &Span) -> Option<PhysicalLocation> {
    if span.file.is_empty() {
        return None;
    }
    let artifact = if span.file.starts_with('/') {
        ArtifactLocation::builder()
            .uri(format!("file://{}", encode_uri_path(&span.file)))
            .build()
    } else {
        ArtifactLocation::builder()
            .uri(encode_uri_path(&span.file))
            .uri_base_id(SRCROOT)
            .build()
    };
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact)
        .build();
    physical.region = region(span);
    Some(physical)
}

/// The region of a span, or `None` (the whole file) when its line is unknown (0): SARIF lines
/// start at 1.
///
/// A span's end is exclusive. An end at column 1 of a later line therefore closes the region on
/// the line before (a YAML block ends where the next key starts). `endColumn` is written only
/// for a region on one line that ends after it starts; otherwise the region runs to the end of
/// `endLine`.
pub fn region(span: &Span) -> Option<Region> {
    let start_line = span.start.line;
    if start_line == 0 {
        return None;
    }
    let mut end_line = span.end.line.max(start_line);
    if end_line > start_line && span.end.column <= 1 {
        end_line -= 1;
    }
    let mut region = Region::builder().start_line(i64::from(start_line)).build();
    if span.start.column >= 1 {
        region.start_column = Some(i64::from(span.start.column));
    }
    region.end_line = Some(i64::from(end_line));
    if span.end.line == start_line && span.start.column >= 1 && span.end.column > span.start.column
    {
        region.end_column = Some(i64::from(span.end.column));
    }
    Some(region)
}

/// Percent-encodes a relative path so it is a valid URI reference: unreserved characters, `/`
/// and the sub-delimiters stay, everything else (spaces, `%`, `:`, `#`, `?`, non-ASCII bytes) is
/// encoded. `:` is encoded so that `c:x.yaml` cannot read as a URI with scheme `c`.
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => {
                out.push(char::from(byte));
            }
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
    out
}

/// A diagnostic as a tool execution notification: its level, `code: message`, the code as a
/// property, and its location when it names a file.
pub fn notification(diagnostic: &Diagnostic) -> Notification {
    let mut notification = Notification::builder()
        .level(json!(level_name(diagnostic.level)))
        .message(message(format!(
            "{}: {}",
            diagnostic.code, diagnostic.message
        )))
        .properties(
            PropertyBag::builder()
                .additional_properties(BTreeMap::from([(
                    "code".to_string(),
                    Value::from(diagnostic.code.clone()),
                )]))
                .build(),
        )
        .build();
    if let Some(physical) = physical_location(&diagnostic.span) {
        notification.locations = Some(vec![
            Location::builder().physical_location(physical).build(),
        ]);
    }
    notification
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_of_a_megabyte_is_cut_and_says_so() {
        let long = message("x".repeat(1_000_000));
        let text = long.text.unwrap();
        assert!(
            text.chars().count() < SARIF_MESSAGE_MAX_CHARS + 60,
            "{}",
            text.len()
        );
        assert!(
            text.ends_with("(999000 more characters not shown)"),
            "{text}"
        );
        assert_eq!(message("short").text.as_deref(), Some("short"));
    }
    use trustmap_model::Position;

    fn span(start: (u32, u32), end: (u32, u32)) -> Span {
        Span {
            file: "a.yaml".into(),
            start: Position {
                line: start.0,
                column: start.1,
            },
            end: Position {
                line: end.0,
                column: end.1,
            },
        }
    }

    #[test]
    fn end_column_only_on_one_line_that_ends_after_it_starts() {
        let one_line = region(&span((7, 5), (7, 21))).unwrap();
        assert_eq!(
            (
                one_line.start_line,
                one_line.start_column,
                one_line.end_line,
                one_line.end_column
            ),
            (Some(7), Some(5), Some(7), Some(21))
        );
        let empty = region(&span((7, 5), (7, 5))).unwrap();
        assert_eq!((empty.end_line, empty.end_column), (Some(7), None));
        let block = region(&span((3, 3), (9, 7))).unwrap();
        assert_eq!((block.end_line, block.end_column), (Some(9), None));
    }

    #[test]
    fn an_exclusive_end_at_a_line_start_closes_on_the_line_before() {
        let block = region(&span((3, 3), (10, 1))).unwrap();
        assert_eq!((block.start_line, block.end_line), (Some(3), Some(9)));
        let next_line = region(&span((3, 3), (4, 1))).unwrap();
        assert_eq!((next_line.end_line, next_line.end_column), (Some(3), None));
    }

    #[test]
    fn line_zero_gives_no_region() {
        assert!(region(&span((0, 0), (0, 0))).is_none());
    }

    #[test]
    fn uris_are_percent_encoded_relative_references() {
        assert_eq!(
            encode_uri_path("deploy/docker-compose.yml"),
            "deploy/docker-compose.yml"
        );
        assert_eq!(
            encode_uri_path("my app/c:x#1%.yaml"),
            "my%20app/c%3Ax%231%25.yaml"
        );
        assert_eq!(encode_uri_path("é.yaml"), "%C3%A9.yaml");
    }

    /// The message links the way of the first deciding value only: the places passed right
    /// before its use, not those of another fact told after it.
    #[test]
    fn the_message_links_the_first_way_of_a_deciding_value() {
        let at = |line| span((line, 1), (line, 9));
        let related = |line, message: &str| trustmap_rules::RelatedLocation {
            span: at(line),
            message: message.to_string(),
        };
        let finding = Finding {
            rule_id: "TM-S003".into(),
            stride: trustmap_rules::Stride::Spoofing,
            severity: Severity::High,
            certainty: Certainty::Definite,
            subject: Subject::Element(trustmap_model::ElementId("tf:x".into())),
            message: "x is open".into(),
            location: Some(at(1)),
            related: vec![
                related(2, "x is declared here"),
                related(3, PASSED_ON_HERE),
                related(4, PASSED_ON_HERE),
                related(5, USED_HERE),
                related(6, PASSED_ON_HERE),
                related(7, USED_HERE),
            ],
            attack_path: Vec::new(),
            fingerprint: "0".into(),
            decision: None,
            scoring: trustmap_rules::Scoring::fixed(Severity::High, Certainty::Definite),
            categories: vec![trustmap_rules::Stride::Spoofing],
            checks: Vec::new(),
            folded: Vec::new(),
            message_parts: Vec::new(),
        };
        let text = result(&finding, None).message.text.unwrap();
        assert_eq!(
            text,
            "x is open. The deciding value passes [here](2), [here](3) and is used [here](4)."
        );
        let direct = Finding {
            related: vec![related(2, USED_HERE)],
            ..finding.clone()
        };
        assert_eq!(
            result(&direct, None).message.text.unwrap(),
            "x is open. The deciding value is used [here](1)."
        );
        let none = Finding {
            related: vec![related(2, "x is declared here")],
            ..finding
        };
        assert_eq!(result(&none, None).message.text.unwrap(), "x is open");
    }
}

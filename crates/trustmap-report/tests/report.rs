//! The output formats on one small, hand-built model: a compose project with a public web
//! service (privileged), a database behind it, and a third-party API it calls.
//!
//! SARIF is checked against the official 2.1.0 schema (the copy in `trustmap-testkit`, so a
//! fresh clone needs nothing else) and against GitHub code scanning's ingestion rules.

mod common;

use common::zone;
use serde_json::Value;
use trustmap_model::{
    AttrName, Attributes, Diagnostic, DiagnosticLevel, Element, ElementId, ElementKind, Flow,
    Fragment, INTERNET_ELEMENT, Model, Position, Snapshot, Span, Tri, TrustLevel, ZoneId, ZoneKind,
};
use trustmap_report::{
    FINGERPRINT_KEY, MERMAID_MAX_CHARS, MERMAID_MAX_EDGES, SRCROOT, SarifOptions, dot,
    findings_json, findings_text, mermaid, model_json, sarif,
};
use trustmap_rules::{Finding, RuleSet, evaluate, parse_rule};

const FILE: &str = "deploy/compose.yaml";

const PRIVILEGED: &str = r#"
id: TM-E001
title: Privileged container
stride: [elevation_of_privilege, tampering]
applies_to: process
severity: high
condition:
  attr: privileged
message: "{name} runs privileged: it controls the host"
description: A privileged container has every capability and every device of the host.
mitigation: Remove `privileged`; add only the capabilities the service needs.
references:
  cwe: [250, 250]
  links: ["https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities"]
"#;

const CLEARTEXT: &str = r#"
id: TM-I001
title: Unencrypted flow into a zone of higher trust
stride: information_disclosure
applies_to: data_flow
severity: medium
report_unknown: true
condition:
  all:
    - crosses_boundary: into_higher_trust
    - not:
        attr: encrypted_in_transit
message: "{name} crosses a trust boundary without TLS"
description: Anyone on the path can read and change the traffic.
mitigation: Use TLS for the connection.
references:
  cwe: [319]
"#;

const UNAUTHENTICATED: &str = r#"
id: TM-S001
title: Unauthenticated external entity
stride: spoofing
applies_to: external_entity
severity: low
condition:
  attr: authenticated
  is: no
message: "{name} does not prove who it is"
description: Anyone can pretend to be it.
mitigation: Authenticate the entity.
"#;

const SILENT: &str = r#"
id: TM-D001
title: No resource limits
stride: denial_of_service
applies_to: process
severity: critical
condition:
  attr: resource_limits
  is: no
message: "{name} has no resource limits"
description: One service can starve the others.
mitigation: Set CPU and memory limits.
"#;

fn span(start: (u32, u32), end: (u32, u32)) -> Option<Span> {
    Some(Span {
        file: FILE.into(),
        start: Position {
            line: start.0,
            column: start.1,
        },
        end: Position {
            line: end.0,
            column: end.1,
        },
    })
}

fn element(id: &str, name: &str, kind: ElementKind, zone: &str, at: Option<Span>) -> Element {
    Element {
        id: ElementId(id.into()),
        kind,
        name: name.into(),
        technology: None,
        zone: ZoneId(zone.into()),
        attached_zones: Vec::new(),
        called_from: None,
        span: at,
        attributes: Attributes::default(),
    }
}

fn flow(source: &str, target: &str, protocol: &str, port: &str, at: Option<Span>) -> Flow {
    Flow::new(
        ElementId(source.into()),
        ElementId(target.into()),
        Some(protocol.into()),
        vec![port.into()],
        "test",
        at,
    )
}

const WEB: &str = "compose:shop/service/web";
const DB: &str = "compose:shop/service/db";
const PAYMENTS: &str = "external:payments";

fn model() -> Model {
    let mut web = element(
        WEB,
        "web",
        ElementKind::Process,
        "compose:shop/network/front",
        span((3, 3), (11, 1)),
    );
    web.attributes
        .set_flag(AttrName::Privileged, Tri::Yes, span((7, 5), (7, 21)));
    let db = element(
        DB,
        "db",
        ElementKind::DataStore,
        "compose:shop/network/back",
        span((12, 3), (16, 1)),
    );
    let mut payments = element(
        PAYMENTS,
        "Payments <API> & \"co\"",
        ElementKind::ExternalEntity,
        "internet",
        None,
    );
    payments
        .attributes
        .set_flag(AttrName::Authenticated, Tri::No, None);

    // No span on this flow: its finding is located by its attribute, and its attack path has a
    // step without a physical location.
    let mut to_db = flow(WEB, DB, "postgres", "5432", None);
    to_db.attributes.set_flag(
        AttrName::EncryptedInTransit,
        Tri::No,
        span((13, 9), (13, 30)),
    );
    // The parser could not tell whether this one is encrypted: a possible finding.
    let mut from_internet = flow(INTERNET_ELEMENT, WEB, "http", "80", span((5, 7), (5, 16)));
    from_internet
        .attributes
        .set_flag(AttrName::EncryptedInTransit, Tri::Unknown, None);
    Model::build(vec![Fragment {
        zones: vec![
            zone(
                "compose:shop",
                "shop",
                ZoneKind::Project,
                "internet",
                TrustLevel::Low,
            ),
            zone(
                "compose:shop/network/front",
                "front",
                ZoneKind::Network,
                "compose:shop",
                TrustLevel::Medium,
            ),
            zone(
                "compose:shop/network/back",
                "back \"end\"",
                ZoneKind::Network,
                "compose:shop",
                TrustLevel::High,
            ),
            zone(
                "compose:shop/network/unused",
                "unused-net",
                ZoneKind::Network,
                "compose:shop",
                TrustLevel::High,
            ),
            zone(
                "compose:host",
                "docker host",
                ZoneKind::Host,
                "internet",
                TrustLevel::Privileged,
            ),
        ],
        elements: vec![web, db, payments],
        flows: vec![
            from_internet,
            to_db,
            flow(WEB, PAYMENTS, "https", "443", None),
        ],
        diagnostics: vec![],
    }])
}

fn rules() -> RuleSet {
    let mut set = RuleSet::default();
    for (file, text) in [
        ("TM-E001.yaml", PRIVILEGED),
        ("TM-I001.yaml", CLEARTEXT),
        ("TM-S001.yaml", UNAUTHENTICATED),
        ("TM-D001.yaml", SILENT),
    ] {
        set.add(parse_rule(file, text).unwrap_or_else(|e| panic!("{e}")))
            .unwrap();
    }
    set
}

fn diagnostics() -> Vec<Diagnostic> {
    vec![
        Diagnostic::new(
            DiagnosticLevel::Warning,
            "unresolved-variable",
            Span::lines("deploy/compose.override.yaml", 2, 2),
            "${TAG} is not set",
        ),
        Diagnostic::file(
            DiagnosticLevel::Error,
            "yaml-syntax",
            "broken dir/x.yaml",
            "bad indent",
        ),
        Diagnostic::file(DiagnosticLevel::Note, "duplicate-id", "", "declared twice"),
    ]
}

struct Scan {
    model: Model,
    rules: RuleSet,
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
}

fn scan() -> Scan {
    let model = model();
    let rules = rules();
    let findings = evaluate(&model, &rules);
    Scan {
        model,
        rules,
        findings,
        diagnostics: diagnostics(),
    }
}

fn options() -> SarifOptions {
    SarifOptions {
        tool_version: "0.1.0".into(),
        automation_id: Some("trustmap".into()),
        information_uri: "https://github.com/example/trustmap".into(),
    }
}

fn sarif_value(scan: &Scan, diagnostics: &[Diagnostic]) -> Value {
    let text = sarif(&scan.findings, &scan.rules, diagnostics, &options());
    assert!(text.ends_with("}\n"), "pretty JSON with a trailing newline");
    serde_json::from_str(&text).expect("SARIF is JSON")
}

fn result_of<'v>(log: &'v Value, rule: &str, subject: &str) -> &'v Value {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == rule && r["properties"]["subject"]["id"] == subject)
        .unwrap_or_else(|| panic!("no {rule} result on {subject}"))
}

#[test]
fn the_fixture_fires_what_the_tests_below_rely_on() {
    let scan = scan();
    let fired: Vec<(&str, &str)> = scan
        .findings
        .iter()
        .map(|f| (f.rule_id.as_str(), f.subject.id()))
        .collect();
    assert_eq!(
        fired,
        [
            ("TM-S001", PAYMENTS),
            (
                "TM-I001",
                "external:internet -> compose:shop/service/web (http/80)"
            ),
            ("TM-E001", WEB),
            (
                "TM-I001",
                "compose:shop/service/web -> compose:shop/service/db (postgres/5432)"
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_validates_against_the_official_schema() {
    let scan = scan();
    for diagnostics in [scan.diagnostics.clone(), vec![]] {
        let log = sarif_value(&scan, &diagnostics);
        trustmap_testkit::assert_valid_sarif(&log);
    }
    let empty = sarif(&[], &RuleSet::default(), &[], &options());
    trustmap_testkit::assert_valid_sarif(&serde_json::from_str(&empty).unwrap());

    // The validator does reject what the schema forbids.
    let mut broken = sarif_value(&scan, &scan.diagnostics);
    broken["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        serde_json::json!(0);
    broken["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let errors = trustmap_testkit::sarif_schema_errors(&broken);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains("region/startLine: 0 is less than the minimum of 1"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("\"name\" is a required property"),
        "{errors:#?}"
    );
}

#[test]
fn sarif_has_one_run_with_every_rule_described_for_github() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "trustmap");
    assert_eq!(driver["version"], "0.1.0");
    assert_eq!(
        driver["informationUri"],
        "https://github.com/example/trustmap"
    );
    assert_eq!(run["automationDetails"]["id"], "trustmap/");

    let described = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = described
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["TM-D001", "TM-E001", "TM-I001", "TM-S001"],
        "every rule, sorted, silent ones too"
    );
    for (descriptor, rule) in described.iter().zip(scan.rules.rules()) {
        let score: f64 = descriptor["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&score));
        let tags = descriptor["properties"]["tags"].as_array().unwrap();
        assert_eq!(tags[0], "security");
        assert!(tags.iter().any(|t| t == rule.category().as_str()));
        assert_eq!(
            descriptor["help"]["markdown"],
            rule.help_markdown().as_str()
        );
        assert!(!descriptor["help"]["text"].as_str().unwrap().is_empty());
        assert_eq!(descriptor["shortDescription"]["text"], rule.title.as_str());
        assert_eq!(
            descriptor["fullDescription"]["text"],
            rule.description.trim()
        );
    }
    let privileged = &described[1];
    assert_eq!(privileged["name"], "PrivilegedContainer");
    assert_eq!(privileged["defaultConfiguration"]["level"], "error");
    assert_eq!(privileged["properties"]["security-severity"], "8.0");
    assert_eq!(privileged["properties"]["precision"], "high");
    assert_eq!(
        privileged["properties"]["tags"],
        serde_json::json!([
            "security",
            "elevation_of_privilege",
            "tampering",
            "external/cwe/cwe-250"
        ]),
        "the repeated CWE appears once"
    );
    assert_eq!(
        described[2]["properties"]["precision"], "medium",
        "reports possible findings"
    );
    assert_eq!(
        described[2]["name"],
        "UnencryptedFlowIntoAZoneOfHigherTrust"
    );
    assert_eq!(
        described[0]["defaultConfiguration"]["level"], "error",
        "critical"
    );
    assert_eq!(described[3]["defaultConfiguration"]["level"], "note", "low");
}

#[test]
fn sarif_results_follow_the_findings_with_relative_uris_and_fingerprints() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), scan.findings.len());
    let rule_ids: Vec<&Value> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    for (result, finding) in results.iter().zip(&scan.findings) {
        assert_eq!(result["ruleId"], finding.rule_id.as_str());
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rule_ids[index], &result["ruleId"]);
        assert_eq!(
            result["partialFingerprints"][FINGERPRINT_KEY],
            finding.fingerprint.as_str()
        );
        assert_eq!(result["properties"]["stride"], finding.stride.as_str());
    }
    // Every physical location anywhere in the run is relative to %SRCROOT%.
    let mut uris = Vec::new();
    collect_artifact_locations(run, &mut uris);
    assert!(uris.len() >= 8, "{uris:?}");
    for location in &uris {
        assert_eq!(location["uriBaseId"], SRCROOT);
        let uri = location["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("://") && !uri.contains(' '),
            "{uri}"
        );
    }
    assert!(
        uris.iter().any(|l| l["uri"] == "broken%20dir/x.yaml"),
        "percent-encoded"
    );
}

fn collect_artifact_locations<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "artifactLocation" {
                    out.push(child);
                } else {
                    collect_artifact_locations(child, out);
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_artifact_locations(v, out)),
        _ => {}
    }
}

#[test]
fn sarif_region_points_at_the_evidence_not_the_declaration() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    let privileged = result_of(&log, "TM-E001", WEB);
    let location = &privileged["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], FILE);
    assert_eq!(
        location["region"],
        serde_json::json!({"endColumn": 21, "endLine": 7, "startColumn": 5, "startLine": 7})
    );
    assert_eq!(privileged["level"], "error");
    assert_eq!(
        privileged["message"]["text"],
        "web runs privileged: it controls the host"
    );
    // The declaration is a related location; its exclusive end at 11:1 closes on line 10.
    let related = &privileged["relatedLocations"][0];
    assert_eq!(related["id"], 1);
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(related["physicalLocation"]["region"]["endLine"], 10);
    assert!(
        related["physicalLocation"]["region"]
            .get("endColumn")
            .is_none()
    );
    assert_eq!(related["message"]["text"], "web is declared here");

    let cleartext = result_of(
        &log,
        "TM-I001",
        "compose:shop/service/web -> compose:shop/service/db (postgres/5432)",
    );
    assert_eq!(
        cleartext["locations"][0]["physicalLocation"]["region"]["startLine"],
        13
    );
    assert_eq!(cleartext["level"], "warning");
    assert_eq!(cleartext["properties"]["certainty"], "definite");
    assert_eq!(cleartext["properties"]["subject"]["kind"], "flow");
}

#[test]
fn sarif_possible_findings_say_so() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    let possible = result_of(
        &log,
        "TM-I001",
        "external:internet -> compose:shop/service/web (http/80)",
    );
    assert_eq!(possible["properties"]["certainty"], "possible");
    assert!(
        possible["message"]["text"]
            .as_str()
            .unwrap()
            .contains("(possible")
    );
    assert_eq!(
        possible["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
}

#[test]
fn sarif_attack_paths_are_code_flows() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    let privileged = result_of(&log, "TM-E001", WEB);
    let steps = privileged["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(
        steps[0]["location"]["physicalLocation"]["region"]["startLine"],
        5
    );
    assert_eq!(
        steps[0]["location"]["message"]["text"],
        "Internet user -> web (http/80)"
    );

    // A step whose flow has no span is named by a logical location.
    let cleartext = result_of(
        &log,
        "TM-I001",
        "compose:shop/service/web -> compose:shop/service/db (postgres/5432)",
    );
    let steps = cleartext["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(
        steps[0]["location"]["physicalLocation"]["region"]["startLine"],
        5
    );
    assert!(steps[1]["location"].get("physicalLocation").is_none());
    assert_eq!(
        steps[1]["location"]["logicalLocations"][0]["fullyQualifiedName"],
        "compose:shop/service/web -> compose:shop/service/db (postgres/5432)"
    );
    assert_eq!(
        steps[1]["location"]["message"]["text"],
        "web -> db (postgres/5432)"
    );

    // An element on the internet has no path to draw.
    let payments = result_of(&log, "TM-S001", PAYMENTS);
    assert!(payments.get("codeFlows").is_none());
}

#[test]
fn sarif_finding_without_a_span_gets_a_logical_location() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    let payments = result_of(&log, "TM-S001", PAYMENTS);
    let location = &payments["locations"][0];
    assert!(location.get("physicalLocation").is_none());
    assert_eq!(location["logicalLocations"][0]["name"], PAYMENTS);
    assert_eq!(payments["level"], "note");
}

#[test]
fn sarif_diagnostics_are_notifications_and_an_error_fails_the_run() {
    let scan = scan();
    let log = sarif_value(&scan, &scan.diagnostics);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let levels: Vec<&str> = notes.iter().map(|n| n["level"].as_str().unwrap()).collect();
    // Sorted by span: the file-less note first, then by file name.
    assert_eq!(levels, ["note", "error", "warning"]);
    assert!(notes[0].get("locations").is_none(), "no file, no location");
    let warning = &notes[2]["locations"][0]["physicalLocation"];
    assert_eq!(
        warning["artifactLocation"]["uri"],
        "deploy/compose.override.yaml"
    );
    assert_eq!(warning["region"]["startLine"], 2);
    assert_eq!(
        notes[2]["message"]["text"],
        "unresolved-variable: ${TAG} is not set"
    );

    let warnings_only: Vec<Diagnostic> = scan
        .diagnostics
        .iter()
        .filter(|d| d.level != DiagnosticLevel::Error)
        .cloned()
        .collect();
    let log = sarif_value(&scan, &warnings_only);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn sarif_automation_id_is_a_category() {
    let scan = scan();
    let mut options = options();
    for (given, written) in [
        ("infra/prod", Some("infra/prod/")),
        ("infra/", Some("infra/")),
        ("  ", None),
    ] {
        options.automation_id = Some(given.to_string());
        let log: Value =
            serde_json::from_str(&sarif(&scan.findings, &scan.rules, &[], &options)).unwrap();
        assert_eq!(
            log["runs"][0]["automationDetails"]["id"].as_str(),
            written,
            "{given}"
        );
    }
    options.automation_id = None;
    let log: Value =
        serde_json::from_str(&sarif(&scan.findings, &scan.rules, &[], &options)).unwrap();
    assert!(log["runs"][0].get("automationDetails").is_none());
}

// ---------------------------------------------------------------------------------------------
// Text and JSON

#[test]
fn text_groups_findings_by_file_then_lists_rules_diagnostics_and_a_summary() {
    let scan = scan();
    let text = findings_text(&scan.findings, &scan.rules, &scan.diagnostics);
    let expected_start = format!(
        "{FILE}\n\
         \x20 {FILE}:5:7   MEDIUM    TM-I001  Internet user -> web crosses a trust boundary without TLS (possible)\n\
         \x20 {FILE}:7:5   HIGH      TM-E001  web runs privileged: it controls the host\n\
         \x20 {FILE}:13:9  MEDIUM    TM-I001  web -> db crosses a trust boundary without TLS\n\
         \n\
         (no location)\n\
         \x20 external:payments  LOW       TM-S001  Payments <API> & \"co\" does not prove who it is\n\
         \n\
         rules\n\
         \x20 TM-E001  Privileged container  (1)\n\
         \x20 TM-I001  Unencrypted flow into a zone of higher trust  (2)\n\
         \x20 TM-S001  Unauthenticated external entity  (1)\n\
         \n\
         diagnostics\n\
         \x20 note[duplicate-id]: declared twice\n\
         \x20 broken dir/x.yaml:1: error[yaml-syntax]: bad indent\n\
         \x20 deploy/compose.override.yaml:2: warning[unresolved-variable]: ${{TAG}} is not set\n\
         \n"
    );
    assert_eq!(
        &text[..expected_start.len().min(text.len())],
        expected_start,
        "\n{text}"
    );
    assert!(text.ends_with(
        "\n4 findings (0 critical, 1 high, 2 medium, 1 low; 1 possible), 3 diagnostics \
         (1 error, 1 warning, 1 note): the scan is incomplete\n"
    ));
}

#[test]
fn json_report_is_stable_and_counts_by_severity() {
    let scan = scan();
    let text = findings_json(&scan.findings, &scan.rules, &scan.diagnostics);
    assert!(text.ends_with("}\n"));
    let report: Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["version", "findings", "diagnostics", "summary"]);
    assert_eq!(report["version"], 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    assert_eq!(findings[2]["rule_id"], "TM-E001");
    assert_eq!(findings[2]["title"], "Privileged container");
    assert_eq!(
        findings[2]["location"]["start"],
        serde_json::json!({"line": 7, "column": 5})
    );
    assert_eq!(
        findings[2]["subject"],
        serde_json::json!({"kind": "element", "id": WEB})
    );
    assert!(findings[0].get("location").is_none());
    assert_eq!(
        report["summary"],
        serde_json::json!({
            "findings": {"total": 4, "critical": 0, "high": 1, "medium": 2, "low": 1, "possible": 1, "decided": 0},
            "diagnostics": {"total": 3, "error": 1, "warning": 1, "note": 1},
            "complete": false
        })
    );
    assert_eq!(report["diagnostics"][1]["level"], "error");
}

#[test]
fn model_json_is_the_snapshot() {
    let model = model();
    assert_eq!(model_json(&model), Snapshot::of(&model).to_json());
}

// ---------------------------------------------------------------------------------------------
// Diagrams

#[test]
fn mermaid_nests_zones_generates_ids_and_quotes_labels() {
    let model = model();
    let chart = mermaid(&model);
    let expected = "flowchart LR
  n0[\"Internet user\"]
  n1[\"Payments #lt;API#gt; #amp; #quot;co#quot;\"]
  subgraph z0[\"shop (project, trust: low)\"]
    subgraph z1[\"back #quot;end#quot; (network, trust: high)\"]
      n2[(\"db\")]
    end
    subgraph z2[\"front (network, trust: medium)\"]
      n3(\"web\")
    end
  end
  n3 ==>|\"postgres/5432\"| n2
  n3 -->|\"https/443\"| n1
  n0 ==>|\"http/80\"| n3
";
    assert_eq!(chart, expected);
    assert!(
        !chart.contains("unused-net") && !chart.contains("docker host"),
        "empty zones are left out"
    );
}

#[test]
fn mermaid_stays_within_githubs_limits_and_says_so() {
    let count = 700;
    let mut elements = Vec::new();
    let mut flows = Vec::new();
    for i in 0..count {
        let id = format!("compose:big/service/s{i:04}");
        elements.push(element(
            &id,
            &format!("service {i}"),
            ElementKind::Process,
            "compose:big",
            None,
        ));
        flows.push(flow(INTERNET_ELEMENT, &id, "http", "80", None));
    }
    // Flows inside the zone cross no boundary; they are dropped before the flows from outside.
    for i in 1..count {
        let from = format!("compose:big/service/s{:04}", i - 1);
        let to = format!("compose:big/service/s{i:04}");
        flows.push(flow(&from, &to, "grpc", "9000", None));
    }
    let big = Model::build(vec![Fragment {
        zones: vec![zone(
            "compose:big",
            "big",
            ZoneKind::Project,
            "internet",
            TrustLevel::Medium,
        )],
        elements,
        flows,
        diagnostics: vec![],
    }]);
    let chart = mermaid(&big);
    assert!(
        chart.len() <= MERMAID_MAX_CHARS,
        "{} characters",
        chart.len()
    );
    let thick = chart.lines().filter(|l| l.contains(" ==>")).count();
    let thin = chart.lines().filter(|l| l.contains(" -->")).count();
    assert!(thick + thin <= MERMAID_MAX_EDGES);
    assert!(thick + thin > 100, "still draws what fits");
    assert_eq!(thin, 0, "flows into higher trust are kept first");
    let note = chart.lines().nth(1).unwrap();
    assert!(
        note.starts_with("%% trustmap: this diagram shows "),
        "{note}"
    );
    assert!(
        note.contains(&format!(" of {} flows", 2 * count - 1)),
        "{note}"
    );
    assert_eq!(chart, mermaid(&big));
}

#[test]
fn dot_has_dashed_clusters_shapes_and_escaped_labels() {
    let model = model();
    let graph = dot(&model);
    assert!(graph.starts_with("digraph trustmap {\n"));
    assert!(graph.ends_with("}\n"));
    assert_eq!(graph.matches('{').count(), graph.matches('}').count());
    assert_eq!(graph.matches("subgraph cluster_").count(), 3);
    assert_eq!(graph.matches("style=dashed;").count(), 3);
    assert!(graph.contains(
        "    subgraph cluster_1 {\n      label=\"back \\\"end\\\" (network, trust: high)\";"
    ));
    assert!(graph.contains("n0 [label=\"Internet user\", shape=box];"));
    assert!(graph.contains("n2 [label=\"db\", shape=cylinder];"));
    assert!(graph.contains("n3 [label=\"web\", shape=ellipse];"));
    assert!(graph.contains("n1 [label=\"Payments <API> &amp; \\\"co\\\"\", shape=box];"));
    assert!(graph.contains("  n0 -> n3 [label=\"http/80\", style=bold, color=\"#b22222\"];\n"));
    assert!(graph.contains("  n3 -> n1 [label=\"https/443\"];\n"));
    assert!(!graph.contains("unused-net"));
}

// ---------------------------------------------------------------------------------------------
// Determinism

#[test]
fn every_format_is_byte_identical_across_runs() {
    let render = || {
        let scan = scan();
        [
            findings_text(&scan.findings, &scan.rules, &scan.diagnostics),
            findings_json(&scan.findings, &scan.rules, &scan.diagnostics),
            sarif(&scan.findings, &scan.rules, &scan.diagnostics, &options()),
            model_json(&scan.model),
            mermaid(&scan.model),
            dot(&scan.model),
        ]
    };
    let first = render();
    assert_eq!(first, render());
    // Diagnostics are sorted, so the order they were gathered in does not matter.
    let scan = scan();
    let mut reversed = scan.diagnostics.clone();
    reversed.reverse();
    assert_eq!(
        sarif(&scan.findings, &scan.rules, &reversed, &options()),
        first[2]
    );
    assert_eq!(
        findings_text(&scan.findings, &scan.rules, &reversed),
        first[0]
    );
}

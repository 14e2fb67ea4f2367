//! End-to-end tests of trustmap: the rule fixtures, bad input, determinism, SARIF.

mod action;
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use trustmap_model::DiagnosticLevel;
use trustmap_rules::RuleSet;
use util::{expectations, root, scan, scratch, trustmap, trustmap_in};

/// Every rule has a firing and a silent fixture; the firing one produces exactly the findings
/// its `# expect: ID` comments mark, on those lines, and the silent one none of that rule.
#[test]
fn every_rule_fires_exactly_where_its_fixtures_say() {
    let rules = RuleSet::builtin().unwrap();
    let mut failures = Vec::new();
    for rule in rules.rules() {
        for case in ["firing", "silent"] {
            let dir = format!("fixtures/rules/{}/{case}", rule.id);
            assert!(
                root().join(&dir).is_dir(),
                "{} has no {case} fixture at {dir}",
                rule.id
            );
            let scan = scan(&dir);
            let errors: Vec<_> = scan
                .model
                .diagnostics()
                .iter()
                .filter(|d| d.level == DiagnosticLevel::Error)
                .collect();
            assert!(
                errors.is_empty(),
                "{dir} does not parse cleanly: {errors:?}"
            );
            let findings = trustmap_rules::evaluate(&scan.model, &rules);
            let got: BTreeSet<(String, u32)> = findings
                .iter()
                .filter(|f| f.rule_id == rule.id)
                .filter_map(|f| {
                    f.location
                        .as_ref()
                        .map(|l| (l.file.to_string(), l.start.line))
                })
                .collect();
            let want = expectations(&root().join(&dir), &rule.id);
            if case == "firing" && want.is_empty() {
                failures.push(format!("{dir}: no `# expect: {}` line", rule.id));
            }
            if got != want {
                failures.push(format!(
                    "{dir}: {} expected at {want:?}, found at {got:?}",
                    rule.id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_rule_fixture_folder_belongs_to_a_rule() {
    let rules = RuleSet::builtin().unwrap();
    for entry in std::fs::read_dir(root().join("fixtures/rules")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            rules.get(&name).is_some(),
            "fixtures/rules/{name} names no rule"
        );
    }
}

#[test]
fn the_readme_example_scans_and_finds_the_shop_threats() {
    let run = trustmap(&["scan", "fixtures/compose/shop", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for id in ["TM-I001", "TM-I002", "TM-I003", "TM-S001", "TM-E002"] {
        assert!(ids.contains(id), "{id} missing from {ids:?}");
    }
    // The queue shares the app network with the internet-facing proxy; the database is on an
    // internal network the proxy does not join.
    let lateral: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TM-E007")
        .map(|f| f["subject"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(lateral, ["compose:fixtures/compose/shop/service/queue"]);
}

#[test]
fn the_model_has_zones_boundaries_and_flows_from_the_code() {
    let scan = scan("fixtures/compose/shop");
    let model = &scan.model;
    let flow = |source: &str, target: &str| {
        model
            .flows()
            .find(|f| f.source.0.ends_with(source) && f.target.0.ends_with(target))
            .unwrap_or_else(|| panic!("no flow {source} -> {target}"))
    };
    let web_to_db = flow("service/web", "service/db");
    assert_eq!(web_to_db.protocol, Some(trustmap_model::Protocol::Postgres));
    assert_eq!(web_to_db.span.as_ref().unwrap().start.line, 17);
    // web is attached to the data network: it talks to db inside it, crossing nothing.
    assert!(model.boundaries_crossed(web_to_db).is_empty());
    let published = flow("external:internet", "service/proxy");
    let crossed: Vec<_> = model
        .boundaries_crossed(published)
        .iter()
        .map(|b| b.inner.0.clone())
        .collect();
    assert_eq!(
        crossed.len(),
        3,
        "internet -> host -> project -> network: {crossed:?}"
    );
    // Loopback-bound ports come from the host's local users, not from the internet.
    let admin = flow("host/local-users", "service/admin");
    assert_eq!(admin.ports, [trustmap_model::Port::number(9000)]);
    // depends_on adds a flow only where the environment did not already describe one.
    assert_eq!(model.flows().filter(|f| f.source.0.ends_with("service/worker") && f.target.0.ends_with("service/db")).count(), 1);
}

#[test]
fn output_is_byte_identical_across_runs() {
    for args in [
        &["scan", "fixtures/compose/shop", "--format", "sarif"][..],
        &["scan", "fixtures/compose/shop", "--format", "json"],
        &["model", "fixtures/compose/shop", "--format", "json"],
        &["model", "fixtures/compose/shop", "--format", "mermaid"],
        &["model", "fixtures/compose/shop", "--format", "dot"],
        &["scan", "fixtures/rules", "--format", "sarif"],
        &["model", "fixtures/rules", "--format", "json"],
    ] {
        let first = trustmap(args);
        let second = trustmap(args);
        assert!(!first.stdout.is_empty(), "{first:?}");
        assert_eq!(first.stdout, second.stdout, "{args:?}");
    }
}

#[test]
fn fingerprints_stay_when_lines_move() {
    let original = std::fs::read(root().join("fixtures/compose/shop/compose.yaml")).unwrap();
    let mut moved = b"# a comment\n\n# pushes everything down\n".to_vec();
    moved.extend_from_slice(&original);
    let fingerprints = |dir: &std::path::Path| {
        let run = trustmap_in(dir, &["scan", ".", "--format", "json"]);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["fingerprint"].as_str().unwrap().to_string(),
                    f["location"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let a = scratch(&[("shop/compose.yaml", &original)]);
    let b = scratch(&[("shop/compose.yaml", &moved)]);
    let (before, after) = (
        fingerprints(&a.path().join("shop")),
        fingerprints(&b.path().join("shop")),
    );
    assert!(!before.is_empty());
    let set = |v: &[(String, u64)]| v.iter().map(|(f, _)| f.clone()).collect::<BTreeSet<_>>();
    assert_eq!(set(&before), set(&after));
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|((_, l1), (_, l2))| l2 == &(l1 + 3))
    );
}

/// The SARIF of a real scan validates against the official 2.1.0 schema and meets GitHub's
/// ingestion rules.
#[test]
fn sarif_of_a_real_scan_is_valid_and_github_ready() {
    let run = trustmap(&[
        "scan",
        "fixtures/compose/shop",
        "--format",
        "sarif",
        "--category",
        "trustmap/compose",
    ]);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    trustmap_testkit::assert_valid_sarif(&sarif);

    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri, "fixtures/compose/shop/compose.yaml");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            result["partialFingerprints"]
                .as_object()
                .is_some_and(|p| !p.is_empty())
        );
    }
    let secret = results.iter().find(|r| r["ruleId"] == "TM-I003").unwrap();
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["region"]["startLine"], 37,
        "POSTGRES_PASSWORD's line"
    );
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        assert!(
            rule["properties"]["security-severity"].is_string(),
            "{rule}"
        );
        assert!(
            rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "security")
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("How to fix")
        );
    }
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .trim_end_matches('/'),
        "trustmap/compose"
    );
}

// Bad input: each case gives a clear error with file, line and cause, the other files are
// still scanned, and the exit code is 2.

const GOOD: &[u8] = b"services:\n  web:\n    image: nginx:1.27\n    privileged: true\n";

fn bad_input_case(name: &str, content: &[u8], extra: &[&str], expect_in_message: &str) {
    let dir = scratch(&[
        ("good/compose.yaml", GOOD),
        (&format!("bad/{name}"), content),
    ]);
    let mut args = vec!["scan", ".", "--format", "json"];
    args.extend_from_slice(extra);
    let run = trustmap_in(dir.path(), &args);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(&format!("bad/{name}:")),
        "names the file: {run:?}"
    );
    assert!(
        run.stderr.contains(expect_in_message),
        "says why ({expect_in_message}): {run:?}"
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let still_scanned = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "TM-E001");
    assert!(still_scanned, "the good file was still scanned: {run:?}");
}

#[test]
fn invalid_yaml_is_an_error_with_its_line() {
    bad_input_case(
        "compose.yaml",
        b"services:\n  web:\n    image: [unclosed\n",
        &[],
        "not valid YAML",
    );
}

#[test]
fn a_wrong_type_is_an_error_naming_the_setting() {
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n    ports: 5\n",
    )]);
    let run = trustmap_in(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("compose.yaml:4")
            && run.stdout.contains("`services.web.ports` must be a list"),
        "{run:?}"
    );
    bad_input_case(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n    ports: 5\n",
        &[],
        "must be a list",
    );
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut bomb = String::from(
        "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(",");
        bomb.push_str(&format!("x-{}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    bomb.push_str("services:\n  web:\n    image: *i\n");
    bad_input_case("compose.yaml", bomb.as_bytes(), &[], "alias bomb");
}

#[test]
fn deep_nesting_is_refused_without_a_crash() {
    let deep = format!(
        "services:\n  web:\n    labels: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    bad_input_case("compose.yaml", deep.as_bytes(), &[], "compose.yaml:3");
    // 3,000 levels of block mappings (4.5 MB): deeper than a recursive loader survives.
    let block: String = (0..3_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    bad_input_case(
        "docker-compose.yml",
        format!("services:\n{block}").as_bytes(),
        &[],
        "deeper than",
    );
}

#[test]
fn a_binary_file_is_reported_not_parsed() {
    bad_input_case(
        "compose.yaml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00binary",
        &[],
        "binary",
    );
}

#[test]
fn a_file_over_the_size_cap_is_reported() {
    let big = format!(
        "services:\n  web:\n    image: nginx\n{}",
        "# padding\n".repeat(200)
    );
    bad_input_case(
        "compose.yaml",
        big.as_bytes(),
        &["--max-file-size", "1000"],
        "size cap",
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_outside_are_not_followed() {
    let outside = scratch(&[(
        "compose.yaml",
        b"services:\n  secret:\n    image: x\n    privileged: true\n",
    )]);
    let dir = scratch(&[("app/compose.yaml", GOOD)]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("app/loop")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("app/outside")).unwrap();
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let files: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, BTreeSet::from(["app/compose.yaml"]), "{run:?}");
}

#[test]
fn a_malformed_rule_file_names_file_and_field() {
    let rules = scratch(&[("TM-E900.yaml", b"id: TM-E900\ntitle: t\nstride: elevation_of_privilege\napplies_to: [process]\nseverity: extreme\n")]);
    let run = trustmap(&[
        "scan",
        "fixtures/compose/shop",
        "--rules",
        rules.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("TM-E900.yaml:5: field `severity`"),
        "{run:?}"
    );
}

#[test]
fn user_rules_join_the_builtin_pack() {
    let rules = scratch(&[(
        "TM-T900.yaml",
        b"id: TM-T900\ntitle: Mutable image tag\nstride: tampering\napplies_to: [process, data_store]\nseverity: low\ncondition:\n  attr: image\n  matches: ':latest$|^[^:@]+$'\nmessage: '{name} uses a mutable image reference: {attr.image}'\ndescription: d\nmitigation: m\nreferences:\n  cwe: [494]\n",
    )]);
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  a:\n    image: nginx:latest\n  b:\n    image: nginx:1.27\n",
    )]);
    let run = trustmap_in(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--rules",
            rules.path().to_str().unwrap(),
        ],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let hits: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TM-T900")
        .collect();
    assert_eq!(hits.len(), 1, "{run:?}");
    assert_eq!(hits[0]["location"]["start"]["line"], 3);
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx:1.27\n    user: root\n",
    )]);
    assert_eq!(
        trustmap_in(dir.path(), &["scan", ".", "--fail-on", "medium"]).code,
        1
    );
    assert_eq!(
        trustmap_in(dir.path(), &["scan", ".", "--fail-on", "high"]).code,
        0
    );
    assert_eq!(
        trustmap_in(dir.path(), &["scan", ".", "--fail-on", "none"]).code,
        0
    );
    assert_eq!(trustmap_in(dir.path(), &["scan", "does-not-exist"]).code, 2);
}

#[test]
fn overrides_and_env_files_are_applied() {
    let dir = scratch(&[
        ("compose.yaml", b"services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"${BIND:-127.0.0.1}:8080:80\"\n"),
        ("compose.override.yaml", b"services:\n  web:\n    privileged: true\n"),
        (".env", b"BIND=0.0.0.0\n"),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let at = |id: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == id)
            .map(|f| {
                (
                    f["location"]["file"].as_str().unwrap().to_string(),
                    f["location"]["start"]["line"].as_u64().unwrap(),
                )
            })
    };
    assert_eq!(
        at("TM-E001"),
        Some(("compose.override.yaml".to_string(), 3)),
        "{run:?}"
    );
    assert_eq!(
        at("TM-I001"),
        Some(("compose.yaml".to_string(), 5)),
        ".env binds to every interface: {run:?}"
    );
}

#[test]
fn rules_explain_prints_the_rule_documentation() {
    let run = trustmap(&["rules", "explain", "TM-E002"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("# TM-E002")
            && run.stdout.contains("## How to fix it")
            && run.stdout.contains("CWE-250")
    );
    let list = trustmap(&["rules"]);
    assert_eq!(
        list.stdout.lines().count(),
        RuleSet::builtin().unwrap().rules().len()
    );
}

/// A YAML file that merely has a `services:` key (a CI configuration) is not a compose file:
/// it is skipped, not reported as a broken one.
#[test]
fn yaml_that_is_not_compose_is_skipped_quietly() {
    let dir = scratch(&[
        (
            ".gitlab-ci.yml",
            b"services:\n  - docker:dind\nbuild:\n  script: make\n",
        ),
        (
            "app/settings.yaml",
            b"services:\n  mail: smtp.example.com\n",
        ),
        (
            "stack.yaml",
            b"services:\n  web:\n    image: nginx\n    privileged: true\n",
        ),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        0,
        "{run:?}"
    );
    assert_eq!(report["findings"][0]["location"]["file"], "stack.yaml");
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      containers:\n        - name: agent\n          image: example/agent:1\n          securityContext:\n            privileged: true\n";

/// Kubernetes manifests come as files (YAML streams, `List` kinds, JSON) or on standard input,
/// and every finding points at its line.
#[test]
fn kubernetes_manifests_are_read_in_every_shape() {
    // `kubectl get ... -o yaml` prints a List.
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        DEPLOYMENT
            .replace("name: agent", "name: listed")
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 {
                format!("  - {l}\n")
            } else {
                format!("    {l}\n")
            })
            .collect::<String>()
    );
    let json = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "json-pod"},
  "spec": {"hostPID": true, "containers": [{"name": "c", "image": "busybox:1.36"}]}}"#;
    let dir = scratch(&[
        ("deploy/agent.yaml", DEPLOYMENT.as_bytes()),
        ("deploy/list.yaml", list.as_bytes()),
        ("deploy/pod.json", json.as_bytes()),
        (
            "chart/templates/deployment.yaml",
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let at = |rule: &str| -> BTreeSet<(String, u64)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .map(|f| {
                (
                    f["location"]["file"].as_str().unwrap().to_string(),
                    f["location"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert!(
        at("TM-E001").contains(&("deploy/agent.yaml".to_string(), 16)),
        "{run:?}"
    );
    assert!(
        at("TM-E001").contains(&("deploy/list.yaml".to_string(), 19)),
        "{run:?}"
    );
    assert!(
        at("TM-E004").contains(&("deploy/pod.json".to_string(), 2)),
        "{run:?}"
    );
    let helm = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "helm-template")
        .expect("the Helm template is noted");
    assert_eq!(helm["span"]["file"], "chart/templates/deployment.yaml");

    // The same manifest on standard input.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(["scan", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(DEPLOYMENT.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == "TM-E001")
            .count(),
        1
    );
    assert_eq!(report["findings"][0]["location"]["file"], "-");
}

#[test]
fn a_kubernetes_manifest_with_a_wrong_type_is_an_error_with_its_line() {
    let broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: 5\n";
    bad_input_case("pod.yaml", broken.as_bytes(), &[], "bad/pod.yaml:6");
}

/// The rule ids and lines of a scan of a scratch folder, for the regression tests below.
fn findings_of(files: &[(&str, &[u8])]) -> (Run, BTreeSet<(String, String, u64)>) {
    let dir = scratch(files);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    let found = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["location"]["file"].as_str().unwrap_or("").to_string(),
                f["location"]["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    (run, found)
}

use util::Run;

#[test]
fn regression_an_override_with_the_other_extension_is_merged() {
    // compose.yaml + compose.override.yml made two projects, one a phantom.
    let (run, found) = findings_of(&[
        (
            "compose.yaml",
            b"services:\n  db:\n    image: example/db:1\n",
        ),
        (
            "compose.override.yml",
            b"services:\n  db:\n    privileged: true\n",
        ),
    ]);
    assert!(
        found.contains(&("TM-E001".into(), "compose.override.yml".into(), 3)),
        "{run:?}"
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let subjects: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects.len(),
        1,
        "one service, not a phantom second project: {subjects:?}"
    );
}

#[test]
fn regression_every_document_of_a_compose_file_is_read() {
    // A second `---` document was dropped without a word.
    let (run, found) = findings_of(&[(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx:1.27\n---\nservices:\n  web:\n    privileged: true\n",
    )]);
    assert!(
        found.contains(&("TM-E001".into(), "compose.yaml".into(), 7)),
        "{run:?}"
    );
}

#[test]
fn regression_circular_extends_is_an_error() {
    let (run, _) = findings_of(&[(
        "compose.yaml",
        b"services:\n  a:\n    extends: b\n    image: x\n  b:\n    extends: a\n    image: y\n",
    )]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("circular"), "{run:?}");
}

#[test]
fn regression_a_gitignored_env_file_is_not_part_of_the_scan() {
    // A secret kept out of version control was reported from the ignored file.
    let (run, found) = findings_of(&[
        (".gitignore", b"secrets.env\n"),
        (
            "compose.yaml",
            b"services:\n  api:\n    image: example/api:1\n    env_file: [secrets.env]\n",
        ),
        ("secrets.env", b"DB_PASSWORD=hunter2\n"),
    ]);
    assert!(
        !found.iter().any(|(rule, _, _)| rule == "TM-I003"),
        "{run:?}"
    );
    assert!(run.stderr.contains("excluded by .gitignore"), "{run:?}");
}

#[test]
fn regression_windows_pipes_and_lowercase_capabilities() {
    let (run, found) = findings_of(&[(
        "compose.yaml",
        b"services:\n  agent:\n    image: example/agent:1\n    volumes:\n      - \\\\.\\pipe\\docker_engine:\\\\.\\pipe\\docker_engine\n    cap_add: [cap_sys_admin]\n",
    )]);
    assert!(
        found.contains(&("TM-E002".into(), "compose.yaml".into(), 5)),
        "{run:?}"
    );
    assert!(
        found.contains(&("TM-E005".into(), "compose.yaml".into(), 6)),
        "{run:?}"
    );
}

#[test]
fn regression_unresolved_values_stay_unknown() {
    // `network_mode: ${NET}` was read as "not host"; `${PUBLISH}` as a public port.
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  db:\n    image: postgres:${PG_VERSION}\n    network_mode: ${NET}\n    ports: ['${PUBLISH}']\n",
    )]);
    let run = trustmap_in(dir.path(), &["model", ".", "--format", "json"]);
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let db = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "db")
        .unwrap();
    assert_eq!(
        db["kind"], "data_store",
        "postgres with an unknown tag is still postgres"
    );
    assert_eq!(db["attributes"]["host_network"]["value"], "unknown");
    let published = model["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["origin"] == "published-port")
        .unwrap();
    assert_eq!(published["attributes"]["public"]["value"], "unknown");
}

/// Element kinds by name, the names the internet reaches, and who talks to whom.
type Shape = (
    BTreeSet<(String, String)>,
    BTreeSet<String>,
    BTreeSet<(String, String)>,
);

/// The shape of a model, up to naming: which workloads and data stores exist, which the
/// internet reaches, and which talk to which once forwarders (Kubernetes Services) are looked
/// through.
fn shape(dir: &str) -> Shape {
    let run = trustmap(&["model", dir, "--format", "json"]);
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let elements = model["elements"].as_array().unwrap();
    let by_id = |id: &str| elements.iter().find(|e| e["id"] == id).unwrap();
    let forwards = |id: &str| by_id(id)["attributes"]["forwards"]["value"] == "yes";
    let name = |id: &str| by_id(id)["name"].as_str().unwrap().to_string();
    let flows: Vec<(&str, &str)> = model["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["source"].as_str().unwrap(), f["target"].as_str().unwrap()))
        .collect();
    // Follow forwarders to the elements that do the work.
    let ends = |start: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![start.to_string()];
        while let Some(id) = stack.pop() {
            if forwards(&id) {
                stack.extend(
                    flows
                        .iter()
                        .filter(|(s, _)| *s == id)
                        .map(|(_, t)| t.to_string()),
                );
            } else {
                out.push(name(&id));
            }
        }
        out
    };
    let kinds = elements
        .iter()
        .filter(|e| e["kind"] != "external_entity" && !forwards(e["id"].as_str().unwrap()))
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut exposed = BTreeSet::new();
    let mut talks = BTreeSet::new();
    for (source, target) in &flows {
        if forwards(source) {
            continue;
        }
        for end in ends(target) {
            if *source == "external:internet" {
                exposed.insert(end);
            } else {
                talks.insert((name(source), end));
            }
        }
    }
    (kinds, exposed, talks)
}

#[test]
fn a_kubernetes_app_and_its_compose_twin_give_the_same_model_shape() {
    let compose = shape("fixtures/equivalence/compose");
    let kubernetes = shape("fixtures/equivalence/kubernetes");
    assert_eq!(compose, kubernetes);
    assert_eq!(compose.1, BTreeSet::from(["web".to_string()]));
    assert!(
        compose
            .0
            .contains(&("db".to_string(), "data_store".to_string()))
    );
    assert!(compose.2.contains(&("web".to_string(), "db".to_string())));
}

#[test]
fn network_policies_decide_which_flows_exist() {
    let manifests = |admitted: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: front\nspec:\n  selector:\n    matchLabels: {{app: front}}\n  template:\n    metadata:\n      labels: {{app: front}}\n    spec:\n      containers:\n        - name: front\n          image: example/front:1\n          env:\n            - name: API_URL\n              value: http://api:8080\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {{app: api}}\n  template:\n    metadata:\n      labels: {{app: api}}\n    spec:\n      containers:\n        - name: api\n          image: example/api:1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector: {{app: api}}\n  ports:\n    - port: 8080\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-ingress\nspec:\n  podSelector:\n    matchLabels: {{app: api}}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels: {{app: {admitted}}}\n"
        )
    };
    let flows_of = |text: String| {
        let dir = scratch(&[("app.yaml", text.as_bytes())]);
        let run = trustmap_in(dir.path(), &["model", ".", "--format", "json"]);
        let model: Value = serde_json::from_str(&run.stdout).unwrap();
        model["flows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["origin"] == "environment")
            .count()
    };
    assert_eq!(
        flows_of(manifests("front")),
        1,
        "the policy admits the front end"
    );
    assert_eq!(
        flows_of(manifests("gateway")),
        0,
        "the policy admits only a gateway"
    );
}

#[test]
fn kubernetes_type_errors_and_custom_resources() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: site\nspec:\n  secretName: site-tls\n";
    let dir = scratch(&[("app.yaml", text.as_bytes())]);
    let run = trustmap_in(dir.path(), &["model", ".", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("app.yaml:6:13") && run.stderr.contains("`spec.replicas`"),
        "{run:?}"
    );
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let certificate = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Certificate site")
        .expect("kept as an element");
    assert_eq!(
        certificate["technology"],
        "custom:cert-manager.io/v1/Certificate"
    );
    assert!(
        model["elements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "web"),
        "the rest of the file is read"
    );
}

/// Runs a scan of the decisions fixture on a fixed day.
fn decided_scan(extra: &[&str]) -> Run {
    let mut args = vec!["scan", "fixtures/decisions", "--today", "2027-01-01"];
    args.extend_from_slice(extra);
    trustmap(&args)
}

#[test]
fn decisions_from_the_file_and_from_comments_cover_their_threats() {
    let run = decided_scan(&["--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let decision_of = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap()["decision"]
            .clone()
    };
    let file = decision_of("TM-E002");
    assert_eq!(
        (file["kind"].as_str(), file["inline"].as_bool()),
        (Some("accept"), Some(false)),
        "{run:?}"
    );
    assert_eq!(file["span"]["file"], "fixtures/decisions/trustmap.yaml");
    let inline = decision_of("TM-E001");
    assert_eq!(
        (inline["kind"].as_str(), inline["inline"].as_bool()),
        (Some("accept"), Some(true))
    );
    assert_eq!(inline["span"]["start"]["line"], 10, "the comment's line");
    let expired = decision_of("TM-E008");
    assert_eq!(expired["expired"], true);
    assert_eq!(report["summary"]["findings"]["decided"], 2);
    // The stale decision is reported where it is written.
    assert!(
        run.stderr.contains("fixtures/decisions/trustmap.yaml:14")
            && run.stderr.contains("stale-decision"),
        "{run:?}"
    );
}

#[test]
fn decided_threats_do_not_fail_the_scan_and_expired_ones_do() {
    // legacy's decision expired in 2020: TM-E008 (medium) is undecided again.
    assert_eq!(decided_scan(&["--fail-on", "medium"]).code, 1);
    assert_eq!(
        decided_scan(&["--fail-on", "high"]).code,
        0,
        "both high threats are decided"
    );
    assert_eq!(
        decided_scan(&["--fail-on", "none", "--require-decisions", "medium"]).code,
        1
    );
    assert_eq!(
        decided_scan(&["--fail-on", "none", "--require-decisions", "high"]).code,
        0
    );
    // Before the expiry date, the mitigation still holds.
    let before = trustmap(&[
        "scan",
        "fixtures/decisions",
        "--today",
        "2019-06-01",
        "--fail-on",
        "low",
    ]);
    assert_eq!(before.code, 0, "{before:?}");
}

#[test]
fn sarif_for_upload_leaves_decided_threats_out_unless_asked() {
    let rules_of = |run: &Run| -> Vec<String> {
        let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap().to_string())
            .collect()
    };
    let upload = decided_scan(&["--format", "sarif"]);
    assert_eq!(rules_of(&upload), ["TM-E008"]);
    let all = decided_scan(&["--format", "sarif", "--include-decided"]);
    let sarif: Value = serde_json::from_str(&all.stdout).unwrap();
    trustmap_testkit::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let kinds: BTreeSet<&str> = results
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["external", "inSource"]));
    let expired = results.iter().find(|r| r["ruleId"] == "TM-E008").unwrap();
    assert!(
        expired.get("suppressions").is_none(),
        "an expired decision suppresses nothing"
    );
}

#[test]
fn the_markdown_threat_model_lists_undecided_threats_first() {
    let run = decided_scan(&["--format", "markdown"]);
    let text = &run.stdout;
    assert!(text.contains("```mermaid\nflowchart LR"), "{run:?}");
    assert!(text.contains("## Trust boundaries"));
    let undecided = text.find("### Undecided (1)").expect("undecided section");
    let decided = text.find("### Decided (2)").expect("decided section");
    assert!(undecided < decided);
    assert!(text[undecided..decided].contains("TM-E008"));
    assert!(text[decided..].contains("accepted by platform [SEC-42]"));
}

/// Compares `actual` with the committed file, or rewrites it when `TRUSTMAP_UPDATE_EXPECTED=1`.
fn assert_expected(path: &str, actual: &str) {
    let full = root().join(path);
    if std::env::var_os("TRUSTMAP_UPDATE_EXPECTED").is_some() {
        std::fs::write(&full, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(
        expected == actual,
        "{path} differs (TRUSTMAP_UPDATE_EXPECTED=1 rewrites it):\n{actual}"
    );
}

/// The committed baseline is today's model of the base copy: regenerating it changes nothing.
#[test]
fn the_drift_baseline_is_the_model_of_the_base_copy() {
    let run = trustmap_in(&root().join("fixtures/drift/base"), &["model", "."]);
    assert_expected("fixtures/drift/baseline.json", &run.stdout);
}

/// A fixture, its committed baseline and a changed copy (a published database, TLS turned off,
/// a new service, every line moved): the diff is pinned in every format.
#[test]
fn drift_against_the_baseline_is_pinned_in_every_format() {
    let changed = root().join("fixtures/drift/changed");
    for (format, expected) in [
        ("text", "diff.txt"),
        ("json", "diff.json"),
        ("markdown", "diff.md"),
        ("sarif", "diff.sarif.json"),
    ] {
        let run = trustmap_in(
            &changed,
            &["diff", "../baseline.json", ".", "--format", format],
        );
        assert_eq!(run.code, 1, "the design got weaker: {run:?}");
        assert_expected(&format!("fixtures/drift/expected/{expected}"), &run.stdout);
    }
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/drift/expected/diff.sarif.json")).unwrap(),
    )
    .unwrap();
    trustmap_testkit::assert_valid_sarif(&sarif);
    let lines: BTreeSet<u64> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        lines,
        BTreeSet::from([9, 13]),
        "the sslmode line and the new port line"
    );
}

#[test]
fn no_drift_when_only_lines_move_and_errors_on_a_bad_baseline() {
    let base = std::fs::read(root().join("fixtures/drift/base/shop/compose.yaml")).unwrap();
    let mut moved = b"# moved\n\n".to_vec();
    moved.extend_from_slice(&base);
    let dir = scratch(&[("shop/compose.yaml", &moved)]);
    let baseline = root().join("fixtures/drift/baseline.json");
    let run = trustmap_in(dir.path(), &["diff", baseline.to_str().unwrap(), "."]);
    assert_eq!(run.code, 0, "{run:?}");
    let bad = scratch(&[("baseline.json", b"{\"not\": \"a model\"}")]);
    let run = trustmap_in(
        dir.path(),
        &[
            "diff",
            bad.path().join("baseline.json").to_str().unwrap(),
            ".",
        ],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("not a trustmap model"), "{run:?}");
}

/// A baseline written before every port had its own value (snapshot version 1: ports `all`,
/// ids from the first port) still loads, and the unchanged code is no drift against it.
#[test]
fn a_version_1_baseline_loads_and_the_same_code_is_no_drift() {
    let dir = root().join("fixtures/drift/version1");
    let run = trustmap_in(
        &dir,
        &["diff", "baseline.json", "infra", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let drift: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        drift["changes"].as_array().map(Vec::len),
        Some(0),
        "{run:?}"
    );
}

/// Deployed state read the way it is produced: `kubectl get -o yaml` on standard input.
#[test]
fn drift_against_deployed_kubernetes_state() {
    let dir = scratch(&[(
        "app.yaml",
        DEPLOYMENT
            .replace("privileged: true", "privileged: false")
            .as_bytes(),
    )]);
    let baseline = trustmap_in(dir.path(), &["model", "."]);
    let baseline_dir = scratch(&[("baseline.json", baseline.stdout.as_bytes())]);
    let deployed = scratch(&[(
        "live.yaml",
        format!(
            "apiVersion: v1\nkind: List\nitems:\n{}",
            DEPLOYMENT
                .lines()
                .enumerate()
                .map(|(i, l)| if i == 0 {
                    format!("  - {l}\n")
                } else {
                    format!("    {l}\n")
                })
                .collect::<String>()
        )
        .as_bytes(),
    )]);
    let run = trustmap_in(
        dir.path(),
        &[
            "diff",
            baseline_dir.path().join("baseline.json").to_str().unwrap(),
            "--deployed",
            deployed.path().join("live.yaml").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "privileged went from no to yes: {run:?}");
    assert!(run.stdout.contains("privileged"), "{run:?}");
}

#[test]
fn a_malformed_decision_names_file_line_and_field() {
    let dir = scratch(&[
        ("compose.yaml", GOOD),
        ("trustmap.yaml", b"decisions:\n  - rule: TM-E001\n    element: x\n    decision: accept\n  - rule: TM-E001\n    element: y\n    decision: ignore\n    reason: r\n"),
    ]);
    let run = trustmap_in(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("trustmap.yaml:2") && run.stdout.contains("field `reason`"),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("trustmap.yaml:5") && run.stdout.contains("field `decision`"),
        "{run:?}"
    );
}

/// The HTML report in a real browser: headless Chromium loads the file, a script checks the
/// diagram and the threats table are there and that the STRIDE filter hides rows, and a
/// screenshot is taken. Runs where Chromium is installed (Debian's `chromium` package);
/// elsewhere it is skipped with a message.
#[test]
fn the_html_report_works_in_a_real_browser() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: Chromium is not installed (apt-get install chromium runs this test)");
        return;
    };
    let run = trustmap(&["report", "fixtures/compose/shop"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The check runs after the page's own script, then writes its verdict into the title.
    let probe = r#"<script>
(function () {
  var rows = document.querySelectorAll('#threats-table tbody tr.threat');
  var svg = document.querySelector('#diagram svg');
  var before = Array.prototype.filter.call(rows, function (r) { return !r.hidden; }).length;
  var box = document.querySelector('[data-filter-stride="I"]');
  box.checked = false;
  box.dispatchEvent(new Event('change'));
  var after = Array.prototype.filter.call(rows, function (r) { return !r.hidden; }).length;
  var info = Array.prototype.filter.call(rows, function (r) { return r.dataset.stride === 'I'; }).length;
  document.title = 'probe:' + (svg ? 'svg' : 'nosvg') + ':' + rows.length + ':' + before + ':' + after + ':' + info;
})();
</script>"#;
    let html = run.stdout.replace("</body>", &format!("{probe}</body>"));
    let dir = scratch(&[("report.html", html.as_bytes())]);
    let page = format!("file://{}", dir.path().join("report.html").display());
    let profile = tempfile::tempdir().unwrap();
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile_flag = format!("--user-data-dir={}", profile.path().display());
    let dom = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile_flag)
        .args(["--virtual-time-budget=5000", "--dump-dom", &page])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    let parts: Vec<&str> = title.split(':').collect();
    assert_eq!(
        parts.first(),
        Some(&"probe"),
        "the probe did not run: {title}"
    );
    assert_eq!(parts[1], "svg", "the diagram is inlined");
    let (rows, before, after, info): (usize, usize, usize, usize) = (
        parts[2].parse().unwrap(),
        parts[3].parse().unwrap(),
        parts[4].parse().unwrap(),
        parts[5].parse().unwrap(),
    );
    assert!(
        rows >= 8 && before == rows,
        "every threat is listed and shown: {title}"
    );
    assert!(
        info > 0 && after == before - info,
        "unticking I hides exactly the information-disclosure threats: {title}"
    );
    let shot = dir.path().join("report.png");
    let status = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile_flag)
        .args([
            "--window-size=1400,1800",
            &format!("--screenshot={}", shot.display()),
            &page,
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}

/// The AWS fixture's model is its real network: the internet reaches the load balancer in the
/// public subnet (HTTP and HTTPS listeners), which forwards to the instance in the private
/// subnet, which alone reaches the database.
#[test]
fn terraform_aws_network_becomes_the_model() {
    let scan = scan("fixtures/terraform/aws-web");
    let model = &scan.model;
    let flows: BTreeSet<String> = model.flows().map(|f| f.id.0.clone()).collect();
    for expected in [
        "external:internet -> tf:aws_lb.web (http/80)",
        "external:internet -> tf:aws_lb.web (https/443)",
        "tf:aws_lb.web -> tf:aws_instance.app (http/8080)",
        "tf:aws_instance.app -> tf:aws_db_instance.main (postgres/5432)",
    ] {
        assert!(flows.contains(expected), "missing {expected}: {flows:#?}");
    }
    assert_eq!(flows.len(), 4, "{flows:#?}");
    let lb = model
        .element(&trustmap_model::ElementId("tf:aws_lb.web".into()))
        .unwrap();
    assert_eq!(model.zone_of(lb).name, "public subnet aws_subnet.public");
    let app = model
        .element(&trustmap_model::ElementId("tf:aws_instance.app".into()))
        .unwrap();
    assert_eq!(model.zone_of(app).kind, trustmap_model::ZoneKind::Subnet);
    assert_eq!(
        model.exposure(&app.id),
        trustmap_model::Tri::Yes,
        "reached through the balancer"
    );
    let db = trustmap_model::ElementId("tf:aws_db_instance.main".into());
    assert_eq!(model.exposure(&db), trustmap_model::Tri::No);
    assert!(model.reachable_from_internet(&db, trustmap_model::Reachability::AnyFlow));
}

/// A remote module, a variable without a value and a cycle between locals give clear notices;
/// the rest is analysed.
#[test]
fn terraform_that_cannot_be_resolved_gives_notices_not_crashes() {
    let (run, found) = findings_of(&[(
        "main.tf",
        b"variable \"region\" {}\nlocals {\n  a = local.b\n  b = local.a\n}\nmodule \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\nresource \"aws_db_instance\" \"db\" {\n  identifier = \"db-${var.region}\"\n  engine = \"postgres\"\n  instance_class = \"db.t3.micro\"\n  allocated_storage = 20\n}\n",
    )]);
    assert!(run.code == 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let messages: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("region")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("cycle")), "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("terraform-aws-modules/vpc/aws")),
        "{messages:?}"
    );
    assert!(
        found.contains(&("TM-I004".into(), "main.tf".into(), 9)),
        "the database is still analysed: {run:?}"
    );
}

#[test]
fn a_broken_terraform_file_is_an_error_with_its_line() {
    bad_input_case(
        "main.tf",
        b"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n",
        &[],
        "bad/main.tf:",
    );
}

/// A finding inside a local module points at the module's file, with the call as a related
/// location; the module's input decides the fact.
#[test]
fn terraform_findings_inside_a_module_name_the_call() {
    let run = trustmap(&["scan", "fixtures/terraform/module-call", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "TM-I004")
        .unwrap_or_else(|| panic!("{run:?}"));
    assert_eq!(
        finding["subject"]["id"],
        "tf:module.orders_db.aws_db_instance.this"
    );
    assert_eq!(
        finding["location"]["file"],
        "fixtures/terraform/module-call/modules/db/main.tf"
    );
    assert_eq!(
        finding["location"]["start"]["line"], 15,
        "storage_encrypted = var.encrypted"
    );
    let related: Vec<(&str, u64)> = finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["span"]["file"].as_str().unwrap(),
                r["span"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        related.contains(&("fixtures/terraform/module-call/main.tf", 3)),
        "{related:?}"
    );
}

/// Autoscaling groups behind a load balancer, and data stores placed through subnet groups.
#[test]
fn terraform_autoscaling_groups_and_subnet_groups() {
    let scan = scan("fixtures/terraform/asg");
    let model = &scan.model;
    let flows: BTreeSet<String> = model.flows().map(|f| f.id.0.clone()).collect();
    assert!(
        flows.contains("tf:aws_lb.web -> tf:aws_autoscaling_group.app (http/8080)"),
        "{flows:#?}"
    );
    let db = model
        .element(&trustmap_model::ElementId("tf:aws_db_instance.main".into()))
        .unwrap();
    assert_eq!(model.zone_of(db).id.0, "tf:aws_subnet.private");
    let asg = trustmap_model::ElementId("tf:aws_autoscaling_group.app".into());
    assert_eq!(
        model.exposure(&asg),
        trustmap_model::Tri::Yes,
        "reached through the balancer"
    );
    // The launch template is drawn as its group, which runs with the template's role.
    assert!(
        model
            .element(&trustmap_model::ElementId(
                "tf:aws_launch_template.app".into()
            ))
            .is_none()
    );
    let group = model.element(&asg).unwrap();
    assert_eq!(
        group
            .attributes
            .flag(trustmap_model::AttrName::ServiceAccountToken),
        trustmap_model::Tri::Yes
    );
}

/// `--var-file` values override variable defaults in every root module.
#[test]
fn terraform_var_files_decide_values() {
    let tf = b"variable \"encrypt\" {\n  type    = bool\n  default = true\n}\nresource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 10\n  encrypted         = var.encrypt\n}\n";
    let dir = scratch(&[("infra/main.tf", tf), ("prod.tfvars", b"encrypt = false\n")]);
    let without = trustmap_in(dir.path(), &["scan", "infra", "--format", "json"]);
    assert!(!without.stdout.contains("TM-I004"), "{without:?}");
    let with = trustmap_in(
        dir.path(),
        &[
            "scan",
            "infra",
            "--var-file",
            "prod.tfvars",
            "--format",
            "json",
        ],
    );
    assert!(with.stdout.contains("TM-I004"), "{with:?}");
}

/// A subnet whose internet route depends on an unknown count is unknown, not private; a VPC
/// with a flow log says it logs.
#[test]
fn terraform_unknown_routes_leave_subnets_unknown() {
    let scan = scan("fixtures/terraform/unknown-subnets");
    let zone = |id: &str| {
        scan.model
            .zones()
            .find(|z| z.id.0 == id)
            .unwrap_or_else(|| panic!("zone {id}"))
            .clone()
    };
    let subnet = zone("tf:aws_subnet.app[1]");
    assert_eq!(
        subnet.attributes.flag(trustmap_model::AttrName::Public),
        trustmap_model::Tri::Unknown
    );
    assert_eq!(subnet.name, "subnet aws_subnet.app[1]");
    let vpc = zone("tf:aws_vpc.main");
    assert_eq!(
        vpc.attributes.flag(trustmap_model::AttrName::Logging),
        trustmap_model::Tri::Yes
    );
    assert_eq!(
        vpc.attributes
            .get(trustmap_model::AttrName::Logging)
            .unwrap()
            .span
            .as_ref()
            .unwrap()
            .start
            .line,
        11
    );
}

/// The elements and flows of a model, and one attribute of one element, from `model -f json`.
fn model_summary(
    run: &util::Run,
    element: &str,
    attribute: &str,
) -> (Vec<String>, Vec<String>, String) {
    let model: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    let ids = |key: &str| -> Vec<String> {
        model[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    let value = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == element)
        .map(|e| e["attributes"][attribute]["value"].to_string())
        .unwrap_or_default();
    (ids("elements"), ids("flows"), value)
}

/// A plan and the source it came from give the same elements and flows; the plan knows what
/// the source leaves unknown (a variable without a value).
#[test]
fn terraform_plan_and_its_source_give_the_same_model() {
    let read = |p: &str| std::fs::read(root().join("fixtures/terraform/plan").join(p)).unwrap();
    let (main, module, plan) = (
        read("main.tf"),
        read("modules/logs/main.tf"),
        read("plan.json"),
    );
    let dir = scratch(&[
        ("source/main.tf", &main),
        ("source/modules/logs/main.tf", &module),
        ("plan/plan.json", &plan),
    ]);
    let db = "tf:aws_db_instance.main";
    let source = trustmap_in(dir.path(), &["model", "source", "-f", "json"]);
    let planned = trustmap_in(dir.path(), &["model", "plan", "-f", "json"]);
    let (source_elements, source_flows, source_encrypted) =
        model_summary(&source, db, "encrypted_at_rest");
    let (plan_elements, plan_flows, plan_encrypted) =
        model_summary(&planned, db, "encrypted_at_rest");
    assert_eq!(source_elements, plan_elements);
    assert_eq!(source_flows, plan_flows);
    assert!(plan_elements.contains(&"tf:module.logs.aws_s3_bucket.this[\"audit\"]".to_string()));
    assert!(
        plan_flows.contains(
            &"tf:aws_instance.web -> tf:aws_db_instance.main (postgres/5432)".to_string()
        )
    );
    assert_eq!(source_encrypted, "\"unknown\"");
    assert_eq!(plan_encrypted, "\"no\"");
    // Forcing the kind reads the same file the same way.
    let forced = trustmap_in(
        dir.path(),
        &["model", "plan", "-f", "json", "--input", "terraform-plan"],
    );
    assert_eq!(forced.stdout, planned.stdout);
}

/// A plan beside its source: findings point at the argument in the source; alone, at the
/// resource's address in the JSON file.
#[test]
fn terraform_plan_findings_point_at_the_source_when_it_is_there() {
    let beside = trustmap(&[
        "scan",
        "fixtures/terraform/plan",
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    assert!(
        beside
            .stdout
            .contains("\"file\": \"fixtures/terraform/plan/main.tf\""),
        "{beside:?}"
    );
    let findings: Value = serde_json::from_str(&beside.stdout).unwrap();
    let i004 = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "TM-I004")
        .unwrap_or_else(|| panic!("{beside:?}"));
    assert_eq!(
        i004["location"]["start"]["line"], 61,
        "storage_encrypted = var.encrypted"
    );

    let plan = std::fs::read(root().join("fixtures/terraform/plan/plan.json")).unwrap();
    let dir = scratch(&[("plan.json", &plan)]);
    let alone = trustmap_in(dir.path(), &["scan", ".", "--fail-on", "none"]);
    let text = String::from_utf8(plan).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"address\": \"aws_db_instance.main\""))
        .unwrap()
        + 1;
    assert!(
        alone.stdout.contains(&format!("plan.json:{line}:")),
        "{alone:?}"
    );
}

/// A state links resources by their identifiers (`sg-...`, `subnet-...`), keeps module
/// instance keys, reads the same whether `terraform show -json` printed it or Terraform stored
/// it, and never prints a sensitive value, in any format.
#[test]
fn terraform_state_is_linked_by_identifiers_and_hides_secrets() {
    let run = trustmap(&["model", "fixtures/terraform/state", "-f", "json"]);
    let (elements, flows, _) = model_summary(&run, "", "");
    assert!(elements.contains(&"tf:module.logs.aws_s3_bucket.this[\"app\"]".to_string()));
    for flow in [
        "tf:aws_instance.web -> tf:aws_db_instance.main (postgres/5432)",
        "external:internet -> tf:aws_instance.web (https/443)",
        "external:internet -> tf:module.logs.aws_s3_bucket.this[\"app\"] (https)",
    ] {
        assert!(flows.contains(&flow.to_string()), "{flow}: {flows:#?}");
    }
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let web = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "tf:aws_instance.web")
        .unwrap();
    assert_eq!(web["zone"], "tf:aws_subnet.private[0]");

    // The same state as Terraform stores it (`terraform.tfstate`) gives the same model.
    let stored = trustmap(&["model", "fixtures/terraform/stored-state", "-f", "json"]);
    let (stored_elements, stored_flows, _) = model_summary(&stored, "", "");
    assert_eq!(
        (stored_elements, stored_flows),
        (elements.clone(), flows.clone())
    );
    // Its findings point at the resource's `"type"`, in its module.
    let text =
        std::fs::read_to_string(root().join("fixtures/terraform/stored-state/terraform.tfstate"))
            .unwrap();
    let module_line = text
        .lines()
        .position(|l| l.contains("\"module\": \"module.logs\""))
        .unwrap();
    assert!(
        text.lines()
            .nth(module_line + 2)
            .unwrap()
            .contains("aws_s3_bucket")
    );
    let type_line = module_line + 3;
    let scanned = trustmap(&[
        "scan",
        "fixtures/terraform/stored-state",
        "--fail-on",
        "none",
    ]);
    assert!(
        scanned.stdout.contains(&format!(
            "terraform.tfstate:{type_line}:7  HIGH      TM-S004"
        )),
        "{scanned:?}"
    );

    let dirs = [
        "fixtures/terraform/state",
        "fixtures/terraform/plan",
        "fixtures/terraform/stored-state",
    ];
    for format in ["text", "json", "sarif", "markdown"] {
        let out = trustmap(&[
            "scan",
            dirs[0],
            dirs[1],
            dirs[2],
            "-f",
            format,
            "--fail-on",
            "none",
        ]);
        assert!(
            !out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"),
            "{format}"
        );
    }
    for format in ["json", "mermaid", "dot", "svg"] {
        let out = trustmap(&["model", dirs[0], dirs[1], dirs[2], "-f", format]);
        assert!(
            !out.stdout.is_empty() && !out.stdout.contains("s3cr3t"),
            "{format}"
        );
    }
}

/// JSON that is not a plan, read as one because `--input` says so, is an error; a plan on
/// standard input is read by its content.
#[test]
fn terraform_input_kinds_are_checked() {
    let dir = scratch(&[(
        "list.json",
        br#"{"apiVersion": "v1", "kind": "List", "items": []}"#,
    )]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--input", "terraform-state"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("not a Terraform plan or state"),
        "{run:?}"
    );

    let plan = std::fs::read(root().join("fixtures/terraform/plan/plan.json")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(["scan", "-", "--fail-on", "none"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&plan).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("TM-I004"), "{stdout}");
}

/// Checks that a scanned folder places these elements in these zones, has exactly these
/// flows, and that its edge (a gateway, a balancer) keeps logs and is rate limited.
fn assert_cloud_model(
    folder: &str,
    placed: &[(&str, &str)],
    expected_flows: &[&str],
    logged_and_limited_edge: &str,
) {
    let scan = scan(folder);
    let model = &scan.model;
    let elements: BTreeSet<(String, String)> = model
        .elements()
        .map(|e| (e.id.0.clone(), model.zone_of(e).id.0.clone()))
        .collect();
    for (element, zone) in placed {
        let pair = (element.to_string(), zone.to_string());
        assert!(elements.contains(&pair), "{pair:?} in {elements:#?}");
    }
    let flows: BTreeSet<String> = model.flows().map(|f| f.id.0.clone()).collect();
    let expected: BTreeSet<String> = expected_flows.iter().map(|f| f.to_string()).collect();
    assert_eq!(flows, expected);
    assert!(model.diagnostics().is_empty(), "{:?}", model.diagnostics());
    let edge = model
        .element(&trustmap_model::ElementId(logged_and_limited_edge.into()))
        .unwrap();
    for attribute in [
        trustmap_model::AttrName::Logging,
        trustmap_model::AttrName::RateLimited,
    ] {
        assert_eq!(edge.attributes.flag(attribute), trustmap_model::Tri::Yes);
    }
}

/// Azure: machines sit in the subnet of their network interface; an NSG rule that admits the
/// internet is a door into a machine with a public IP; an application gateway's HTTPS
/// listener is a door with its TLS policy, and its backend pool a flow to the machine; a
/// diagnostic setting is logging.
#[test]
fn terraform_azure_network_becomes_the_model() {
    assert_cloud_model(
        "fixtures/terraform/azure",
        &[
            (
                "tf:azurerm_linux_virtual_machine.web",
                "tf:azurerm_subnet.web",
            ),
            (
                "tf:azurerm_application_gateway.front",
                "tf:azurerm_subnet.web",
            ),
        ],
        &[
            "external:internet -> tf:azurerm_application_gateway.front (https/443)",
            "external:internet -> tf:azurerm_linux_virtual_machine.web (https/443)",
            "tf:azurerm_application_gateway.front -> tf:azurerm_linux_virtual_machine.web (https/443)",
        ],
        "tf:azurerm_application_gateway.front",
    );
}

/// Google Cloud: a firewall rule admitting the internet reaches the instances whose tags it
/// targets and that have an external IP; an external HTTPS forwarding rule is a door that
/// forwards to the instance template of its backend service's managed group, with Cloud
/// Armor and logs; a Cloud SQL instance with only a private IP sits in its network, with no
/// door, reached by the Cloud Run service configured with it.
#[test]
fn terraform_google_network_becomes_the_model() {
    assert_cloud_model(
        "fixtures/terraform/google",
        &[
            (
                "tf:google_compute_instance.web",
                "tf:google_compute_subnetwork.web",
            ),
            (
                "tf:google_sql_database_instance.orders",
                "tf:google_compute_network.main",
            ),
        ],
        &[
            "external:internet -> tf:google_cloud_run_v2_service.api (https/443)",
            "tf:google_cloud_run_v2_service.api -> tf:google_sql_database_instance.orders",
            "external:internet -> tf:google_compute_global_forwarding_rule.https (https/443)",
            "external:internet -> tf:google_compute_instance.web (https/443)",
            "tf:google_compute_global_forwarding_rule.https -> tf:google_compute_instance_template.app (http)",
        ],
        "tf:google_compute_global_forwarding_rule.https",
    );
}

/// A subnet with no route table association of its own follows its VPC's main route table.
#[test]
fn terraform_subnets_follow_the_main_route_table() {
    let tf = br#"resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_internet_gateway" "g" {
  vpc_id = aws_vpc.v.id
}
resource "aws_default_route_table" "d" {
  default_route_table_id = aws_vpc.v.default_route_table_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.g.id
  }
}
"#;
    let dir = scratch(&[("main.tf", tf)]);
    let run = trustmap_in(dir.path(), &["model", ".", "-f", "json"]);
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let subnet = model["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["id"] == "tf:aws_subnet.s")
        .unwrap();
    assert_eq!(subnet["attributes"]["public"]["value"], "yes", "{run:?}");
}

/// `docker compose config` prints the project's top-level `name:`, absolute paths and long
/// port syntax: the deployed twin of an unchanged project is no drift, and a compose file given
/// by a path whose name says nothing (`compose.bak`) is read by its content.
#[test]
fn regression_deployed_compose_config_of_an_unchanged_project_is_no_drift() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    // The baseline is made in the project's folder, as `docker compose` names the project.
    let model = trustmap_in(
        &root().join("fixtures/compose/config-twin/twin"),
        &["model", ".", "-o", baseline.to_str().unwrap()],
    );
    assert_eq!(model.code, 0, "{model:?}");
    let deployed = dir.path().join("compose.bak");
    std::fs::copy(
        root().join("fixtures/compose/config-twin/twin.config.yaml"),
        &deployed,
    )
    .unwrap();
    let run = trustmap(&[
        "diff",
        baseline.to_str().unwrap(),
        "--deployed",
        deployed.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let drift: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        drift["changes"].as_array().map(Vec::len),
        Some(0),
        "{run:?}"
    );
}

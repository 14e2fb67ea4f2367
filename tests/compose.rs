//! Docker compose end to end: the model of a project (zones, boundaries, flows), override
//! and `.env` files, what is and is not a compose file, and the compose regressions.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{findings_of, scan, scratch, trustmap_in};

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

//! Drift end to end: the committed baseline, the diff pinned in every format, moved lines,
//! deployed Kubernetes state and deployed compose configuration.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{DEPLOYMENT, root, scratch, trustmap, trustmap_in};

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

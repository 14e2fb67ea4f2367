//! The GitHub Action (`action.yml`): its metadata and pins, and its shell steps run locally, in
//! order, with bash the way the runner runs a composite action: `${{ }}` expressions evaluated
//! in `env:`, `with:` and `if:` values, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_PATH` and
//! `GITHUB_ENV` as files. The install step is replaced by putting the binary under test on
//! PATH, and `uses:` steps (the cache, the upload) are not run: their evaluated inputs are
//! recorded so that the tests can check what they would have been given. No network is used.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action_text() -> String {
    std::fs::read_to_string(root().join("action.yml")).expect("action.yml at the repository root")
}

fn action() -> Value {
    yaml::parse(&action_text())
}

fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().expect("runs.steps")
}

fn is_full_sha(text: &str) -> bool {
    text.len() == 40
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `owner/repo[/path]@<40 hex>`, and the raw line says which version that is (`# vX.Y.Z`).
fn assert_pinned(uses: &str, raw: &str) {
    let (name, reference) = uses
        .split_once('@')
        .unwrap_or_else(|| panic!("`{uses}` names no ref"));
    assert!(
        name.split('/').count() >= 2 && is_full_sha(reference),
        "`{uses}` is not pinned by a full commit SHA"
    );
    let line = raw
        .lines()
        .find(|l| l.contains(uses))
        .unwrap_or_else(|| panic!("`{uses}` is not written on one line"));
    assert!(
        line.contains(" # v"),
        "`{uses}` has no `# vX.Y.Z` comment: {line}"
    );
}

#[test]
fn the_action_is_composite_with_its_inputs_outputs_and_pinned_actions() {
    let text = action_text();
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    for (name, default) in [
        ("path", "."),
        ("format", "sarif"),
        ("output", "trustmap.sarif"),
        ("fail-on", ""),
        ("fail-on-incomplete", ""),
        ("severity", ""),
        ("select", ""),
        ("ignore", ""),
        ("exclude", ""),
        ("rules", ""),
        ("install", "release"),
        (
            "release-url",
            "https://github.com/trustmap/trustmap/releases/download",
        ),
        ("config", ""),
        ("baseline", ""),
        ("category", "trustmap"),
        ("upload", "true"),
        ("only-changed", "false"),
        ("decisions-from", "base"),
        ("version", ""),
        ("html-report", ""),
    ] {
        let input = &action["inputs"][name];
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "input {name} has a description"
        );
        assert_eq!(
            input["default"].as_str().unwrap_or(""),
            default,
            "the default of {name}"
        );
        assert_eq!(input["required"], "false", "{name} is optional");
    }
    for name in ["sarif-file", "findings", "highest-severity", "incomplete"] {
        let output = &action["outputs"][name];
        assert!(output["description"].is_string(), "output {name}");
        assert!(
            output["value"]
                .as_str()
                .is_some_and(|v| v.starts_with("${{ steps.")),
            "output {name} comes from a step: {output}"
        );
    }

    let uses: Vec<&str> = steps(&action)
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    assert!(!uses.is_empty());
    for u in &uses {
        assert_pinned(u, &text);
    }
    let upload = steps(&action)
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(
        upload["if"],
        "inputs.upload == 'true' && steps.scan.outputs.sarif-file != ''"
    );
    assert_eq!(upload["with"]["category"], "${{ inputs.category }}");
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.scan.outputs.sarif-file }}"
    );
    for cache in ["actions/cache/restore@", "actions/cache/save@"] {
        assert!(
            uses.iter().any(|u| u.starts_with(cache)),
            "{cache} caches the source build"
        );
    }
    // The description names every format trustmap reads.
    let description = action["description"].as_str().unwrap();
    for format in [
        "docker compose",
        "Kubernetes",
        "Terraform",
        ".tf.json",
        "plans and states",
    ] {
        assert!(description.contains(format), "{format}: {description}");
    }
    // The upload and the summary come before any step that may fail the job on what the
    // scan found; only the last step does.
    let ids: Vec<&str> = steps(&action)
        .iter()
        .map(|s| s["id"].as_str().or(s["uses"].as_str()).unwrap_or(""))
        .collect();
    let at = |id: &str| ids.iter().position(|i| i.starts_with(id)).unwrap();
    assert!(at("scan") < at("summary") && at("summary") < at("github/codeql-action/upload-sarif@"));
    assert_eq!(ids.last(), Some(&"gate"));

    // The permissions are documented before the metadata.
    let header = &text[..text.find("\nname:").unwrap()];
    for permission in ["security-events: write", "contents: read", "actions: read"] {
        assert!(
            header.contains(permission),
            "the header documents {permission}"
        );
    }
}

/// No `run:` script contains an expression (script injection); every expression is one this
/// runner (and GitHub) resolves: a declared input, an earlier step's output, or a context.
#[test]
fn scripts_take_expressions_only_through_env() {
    let action = action();
    let inputs = action["inputs"].as_object().unwrap();
    let mut earlier: Vec<&str> = Vec::new();
    for step in steps(&action) {
        let name = step["name"].as_str().unwrap_or("?");
        if let Some(script) = step["run"].as_str() {
            assert!(
                !script.contains("${{"),
                "step `{name}` puts an expression in its script"
            );
            assert_eq!(step["shell"], "bash", "step `{name}`");
        } else {
            assert!(step["uses"].is_string(), "step `{name}` runs or uses");
        }
        let mut values: Vec<&str> = Vec::new();
        for map in ["env", "with"] {
            if let Some(map) = step[map].as_object() {
                values.extend(map.values().map(|v| v.as_str().expect("a string value")));
            }
        }
        for value in values {
            for expression in expressions(value) {
                let parts: Vec<&str> = expression.split('.').collect();
                match parts[..] {
                    ["inputs", input] => assert!(
                        inputs.contains_key(input),
                        "`{expression}` in `{name}`: no such input"
                    ),
                    ["steps", id, "outputs", _] => assert!(
                        earlier.contains(&id),
                        "`{expression}` in `{name}`: no earlier step {id}"
                    ),
                    ["github", ..] | ["runner", ..] => {}
                    _ => panic!("`{expression}` in `{name}` is not a plain context value"),
                }
            }
        }
        if let Some(id) = step["id"].as_str() {
            earlier.push(id);
        }
    }
}

/// The expressions in a value: the text of each `${{ ... }}`, trimmed.
fn expressions(value: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        let end = rest[start..].find("}}").expect("a closed expression") + start;
        found.push(rest[start + 3..end].trim());
        rest = &rest[end + 2..];
    }
    found
}

#[test]
fn the_example_workflow_pins_every_action_and_limits_permissions() {
    let text = std::fs::read_to_string(root().join("examples/trustmap.yml")).unwrap();
    let workflow = yaml::parse(&text);
    let triggers = workflow["on"].as_object().expect("on:");
    for trigger in ["push", "pull_request", "schedule"] {
        assert!(triggers.contains_key(trigger), "runs on {trigger}");
    }
    assert_eq!(workflow["permissions"], json!({"contents": "read"}));
    let jobs = workflow["jobs"].as_object().unwrap();
    let mut baseline = false;
    for (name, job) in jobs {
        assert!(
            job["permissions"].is_object(),
            "job {name} sets its permissions"
        );
        for step in job["steps"].as_array().unwrap() {
            if let Some(uses) = step["uses"].as_str() {
                assert_pinned(uses, &text);
                if uses.starts_with("trustmap/trustmap@") {
                    baseline |= step["with"]["baseline"] == "threatmodel.json";
                }
            }
        }
    }
    assert!(baseline, "a job checks the drift against threatmodel.json");
    assert_eq!(
        jobs["threats"]["permissions"]["security-events"], "write",
        "the scanning job may upload"
    );
}

/// The shop example, scanned by the action's steps.
#[test]
fn the_steps_scan_the_shop_and_fail_only_at_or_above_fail_on() {
    let out = tempfile::tempdir().unwrap();
    let sarif_path = out.path().join("results/trustmap.sarif");
    let sarif_arg = sarif_path.to_str().unwrap();
    let shop = [("path", "fixtures/compose/shop"), ("output", sarif_arg)];

    // The shop's cache (redis, no password, published to the internet) is critical: only
    // `none` lets this run pass.
    let run = run_action(
        &[&shop[..], &[("fail-on", "none")]].concat(),
        &root(),
        push(),
    );
    assert!(run.failed.is_none(), "fail-on none: {run:?}");
    assert_eq!(run.outputs["sarif-file"], sarif_arg, "{run:?}");
    let findings: usize = run.outputs["findings"].parse().expect("a count");
    assert!(findings > 0, "{run:?}");
    assert_eq!(run.outputs["highest-severity"], "critical", "{run:?}");
    assert_eq!(run.outputs["design-weaker"], "false");

    // What ran is the release archive's binary, downloaded, checked against the pinned
    // checksum, and verified.
    assert!(
        run.log.contains(&format!("{ARCHIVE}: sha256 ")) && run.log.contains(", as pinned"),
        "{run:?}"
    );
    let verify = &run.steps["verify"];
    assert!(
        verify["bin"].ends_with("/trustmap/bin/trustmap"),
        "{verify:?}"
    );
    assert_eq!(verify["version"], env!("CARGO_PKG_VERSION"));
    assert!(verify["sha256"].len() == 64, "{verify:?}");
    assert_eq!(run.outputs["incomplete"], "false");

    // The upload step would get the SARIF file: it exists, it is SARIF, it holds the findings.
    let upload = run.uses("github/codeql-action/upload-sarif@");
    assert!(upload.runs, "upload defaults to true");
    assert_eq!(upload.with["category"], "trustmap");
    assert_eq!(upload.with["sarif_file"], sarif_arg);
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap())
        .expect("the SARIF file is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings);
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .trim_end_matches('/'),
        "trustmap"
    );
    assert!(
        !run.uses("actions/cache/restore@").runs && !run.uses("actions/cache/save@").runs,
        "a release install needs no cache"
    );

    // The job summary: the threat model, with its diagram and its threats.
    let summary = &run.summary;
    assert!(
        summary.contains(&format!(
            "{findings} undecided threats (highest severity: critical)"
        )),
        "{summary}"
    );
    assert!(summary.contains("```mermaid\nflowchart"), "{summary}");
    assert!(summary.contains("## Threats"), "{summary}");
    for rule in ["TM-E002", "TM-I003", "TM-S001"] {
        assert!(summary.contains(rule), "{rule} in the summary:\n{summary}");
    }

    // fail-on low: the findings fail the last step, after the upload.
    let run = run_action(
        &[&shop[..], &[("fail-on", "low"), ("upload", "false")]].concat(),
        &root(),
        push(),
    );
    assert_eq!(
        run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("gate", 1)),
        "{run:?}"
    );
    assert!(run.log.contains("at or above fail-on (low)"), "{run:?}");
    assert!(!run.uses("github/codeql-action/upload-sarif@").runs);
    assert!(sarif_path.is_file());
}

#[test]
fn another_format_still_gives_code_scanning_sarif() {
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("trustmap.json");
    let run = run_action(
        &[
            ("path", "fixtures/compose/shop"),
            ("format", "json"),
            ("output", report.to_str().unwrap()),
            ("fail-on", "none"),
        ],
        &root(),
        push(),
    );
    assert!(run.failed.is_none(), "{run:?}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(json["findings"].is_array(), "the output is the JSON report");
    let sarif_file = &run.outputs["sarif-file"];
    assert_ne!(sarif_file, report.to_str().unwrap());
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(sarif_file).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        json["findings"].as_array().unwrap().len()
    );
    assert_eq!(
        run.uses("github/codeql-action/upload-sarif@").with["sarif_file"],
        *sarif_file
    );
}

#[test]
fn bad_inputs_stop_the_action_before_it_scans() {
    for (input, value) in [
        ("fail-on", "urgent"),
        ("fail-on-incomplete", "maybe"),
        ("severity", "none"),
        ("install", "binary"),
        ("version", "latest"),
        ("rules", "no-such-folder"),
        ("format", "html"),
        ("upload", "yes"),
        ("baseline", "no-such-baseline.json"),
        ("output", "a\nb"),
    ] {
        let run = run_action(&[(input, value)], &root(), push());
        assert_eq!(
            run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
            Some(("prepare", 2)),
            "{input}={value:?}: {run:?}"
        );
        assert!(run.log.contains("::error title=trustmap::"), "{run:?}");
    }
}

/// The weekly check: drift against the committed baseline fails the job when the design got
/// weaker, whatever fail-on says, and shows the drift in the job summary.
#[test]
fn drift_against_the_baseline_fails_when_the_design_got_weaker() {
    for (copy, weaker) in [("changed", true), ("base", false)] {
        let workspace = tempfile::tempdir().unwrap();
        copy_dir(
            &root().join("fixtures/drift").join(copy).join("shop"),
            &workspace.path().join("shop"),
        );
        std::fs::copy(
            root().join("fixtures/drift/baseline.json"),
            workspace.path().join("threatmodel.json"),
        )
        .unwrap();
        let run = run_action(
            &[("baseline", "threatmodel.json"), ("fail-on", "none")],
            workspace.path(),
            schedule(),
        );
        assert_eq!(run.outputs["design-weaker"], weaker.to_string(), "{run:?}");
        assert!(run.summary.contains("## Threat-model drift"), "{run:?}");
        assert!(
            workspace.path().join("trustmap.sarif").is_file(),
            "the default output"
        );
        if weaker {
            assert_eq!(
                run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
                Some(("gate", 1)),
                "{run:?}"
            );
            assert!(run.summary.contains("New entry point"), "{}", run.summary);
            assert!(run.log.contains("the design got weaker"), "{run:?}");
        } else {
            assert!(run.failed.is_none(), "{run:?}");
        }
    }
}

/// only-changed on a pull request scans the files it changed (`--files-from`), and html-report
/// writes the HTML report (`trustmap report --format html`).
#[test]
fn only_changed_scans_what_a_pull_request_changed_and_writes_the_html_report() {
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    copy_dir(&root().join("fixtures/compose/shop"), &ws.join("shop"));
    std::fs::create_dir_all(ws.join("other")).unwrap();
    std::fs::write(
        ws.join("other/compose.yaml"),
        "services:\n  agent:\n    image: example/agent:1\n    privileged: true\n",
    )
    .unwrap();
    git(ws, &["init", "-q"]);
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-q", "-m", "base"]);
    let base = git(ws, &["rev-parse", "HEAD"]);
    let mut compose = std::fs::read_to_string(ws.join("shop/compose.yaml")).unwrap();
    compose.push_str("# reviewed\n");
    std::fs::write(ws.join("shop/compose.yaml"), compose).unwrap();
    git(ws, &["commit", "-q", "-am", "head"]);
    let head = git(ws, &["rev-parse", "HEAD"]);
    let event = json!({
        "event_name": "pull_request",
        "event": {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}},
    });

    let run = run_action(
        &[
            ("only-changed", "true"),
            ("html-report", "report/trustmap.html"),
            ("fail-on", "none"),
        ],
        ws,
        event,
    );
    assert!(run.failed.is_none(), "{run:?}");
    let files_from = &run.steps["targets"]["files-from"];
    assert_eq!(
        std::fs::read_to_string(files_from).unwrap(),
        "shop/compose.yaml\n"
    );
    assert_eq!(run.steps["targets"]["changed"], "1");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join(&run.outputs["sarif-file"])).unwrap(),
    )
    .unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(!uris.is_empty(), "{run:?}");
    assert!(
        uris.iter().all(|u| *u == "shop/compose.yaml"),
        "the unchanged file is not scanned: {uris:?}"
    );
    assert!(
        run.summary
            .contains("the 1 files this pull request changed"),
        "{}",
        run.summary
    );
    assert_eq!(run.outputs["html-report"], "report/trustmap.html");
    let html = std::fs::read_to_string(ws.join("report/trustmap.html")).unwrap();
    assert!(html.to_lowercase().contains("<html"), "{html}");

    // On a push, only-changed scans everything.
    let run = run_action(&[("only-changed", "true"), ("fail-on", "none")], ws, push());
    assert!(run.failed.is_none(), "{run:?}");
    assert_eq!(run.steps["targets"]["files-from"], "");
    assert!(run.summary.contains("TM-E001"), "other/ is scanned too");
}

/// A pull request that adds a decisions file accepting every finding of the shop: with the
/// default `decisions-from: base` the decisions of the base commit (none) apply, the job fails
/// on the findings, and the summary lists the added decisions and calls them broad; with
/// `decisions-from: head` the pull request's own file is trusted.
#[test]
fn a_pull_request_cannot_accept_its_own_findings() {
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    copy_dir(&root().join("fixtures/compose/shop"), &ws.join("shop"));
    git(ws, &["init", "-q"]);
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-q", "-m", "base"]);
    let base = git(ws, &["rev-parse", "HEAD"]);
    let rules = [
        "TM-D001", "TM-E002", "TM-E007", "TM-E011", "TM-I001", "TM-I002", "TM-I003", "TM-R001",
        "TM-S001", "TM-S003", "TM-T001",
    ];
    let mut decisions = String::from("decisions:\n");
    for rule in rules {
        decisions.push_str(&format!(
            "  - rule: {rule}\n    path: \"**\"\n    decision: accept\n    owner: me\n    reason: mine\n"
        ));
    }
    std::fs::write(ws.join("trustmap.yaml"), decisions).unwrap();
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-q", "-m", "head"]);
    let head = git(ws, &["rev-parse", "HEAD"]);
    let event = json!({
        "event_name": "pull_request",
        "event": {"pull_request": {"base": {"sha": base}, "head": {"sha": head}}},
    });

    let run = run_action(
        &[("fail-on", "high"), ("upload", "false")],
        ws,
        event.clone(),
    );
    assert_eq!(
        run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("gate", 1)),
        "{run:?}"
    );
    assert!(
        run.summary.contains("Decisions in this change"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("added"), "{}", run.summary);
    assert!(
        run.summary.to_lowercase().contains("broad"),
        "{}",
        run.summary
    );

    let run = run_action(
        &[
            ("fail-on", "high"),
            ("upload", "false"),
            ("decisions-from", "head"),
        ],
        ws,
        event,
    );
    assert!(
        run.failed.is_none(),
        "the pull request's own decisions: {run:?}"
    );
}

/// The release archive is refused unless its SHA-256 is the one the action pins: nothing is
/// unpacked or run, and no later step runs.
#[test]
fn a_checksum_mismatch_fails_closed() {
    let release = FakeRelease::pinning(Some(&"ab".repeat(32)));
    let run = run_action_from(
        &[("path", "fixtures/compose/shop"), ("upload", "false")],
        &root(),
        push(),
        Some(&release),
    );
    assert_eq!(
        run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("download", 2)),
        "{run:?}"
    );
    assert!(
        run.log.contains(&format!(
            "has SHA-256 {}, but this action pins {}",
            release.sha256,
            "ab".repeat(32)
        )) && run.log.contains("refused, nothing was installed"),
        "{run:?}"
    );
    assert!(!run.steps.contains_key("verify") && !run.steps.contains_key("scan"));
    let root_dir = &run.steps["prepare"]["root"];
    assert!(
        !Path::new(root_dir).join("bin/trustmap").exists(),
        "nothing installed"
    );
}

/// A version the action pins no checksums for is not downloaded at all.
#[test]
fn only_pinned_releases_are_installed() {
    let release = FakeRelease::good();
    let run = run_action_from(&[("version", "9.9.9")], &root(), push(), Some(&release));
    assert_eq!(
        run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("prepare", 2)),
        "{run:?}"
    );
    assert!(
        run.log
            .contains("this action pins no checksums for trustmap 9.9.9"),
        "{run:?}"
    );
    // The version pinned is found without being named; `v` is allowed.
    let run = run_action_from(
        &[
            ("path", "fixtures/compose/shop"),
            ("version", &format!("v{}", env!("CARGO_PKG_VERSION"))),
            ("fail-on", "none"),
        ],
        &root(),
        push(),
        Some(&release),
    );
    assert!(run.failed.is_none(), "{run:?}");
    // The repository's own action pins no release yet: it says to build from source.
    let run = run_action_from(
        &[("install", "release")],
        &root(),
        push(),
        Some(&FakeRelease {
            action: root(),
            ..FakeRelease::good()
        }),
    );
    if !root()
        .join("action/checksums")
        .read_dir()
        .unwrap()
        .any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".sha256")
        })
    {
        assert!(
            run.log
                .contains("this action pins no trustmap release yet: use install: source"),
            "{run:?}"
        );
    }
}

/// `install: source` builds the action's source (here: the binary under test) with the cache.
#[test]
fn install_source_builds_with_the_cache() {
    let run = run_action(
        &[
            ("path", "fixtures/compose/shop"),
            ("install", "source"),
            ("fail-on", "none"),
        ],
        &root(),
        push(),
    );
    assert!(run.failed.is_none(), "{run:?}");
    assert!(run.steps["prepare"]["key"].starts_with("trustmap-Linux-X64-"));
    assert_ne!(run.steps["prepare"]["key"], "trustmap-Linux-X64-none");
    assert!(run.uses("actions/cache/restore@").runs);
    assert!(run.uses("actions/cache/save@").runs, "a cache miss saves");
    assert!(!run.steps.contains_key("download") || run.steps["download"].is_empty());
    assert_eq!(
        std::fs::canonicalize(&run.steps["verify"]["bin"]).unwrap(),
        std::fs::canonicalize(env!("CARGO_BIN_EXE_trustmap")).unwrap()
    );
}

/// A file that does not parse: a notification in the uploaded SARIF and a warning annotation
/// at its line; the job fails in its last step (fail-on-incomplete), or not at all when told.
#[test]
fn a_parse_error_is_uploaded_annotated_and_judged_last() {
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    copy_dir(&root().join("fixtures/compose/shop"), &ws.join("shop"));
    std::fs::create_dir_all(ws.join("broken")).unwrap();
    std::fs::write(ws.join("broken/compose.yaml"), "services:\n  bad: [\n").unwrap();

    let run = run_action(&[("fail-on", "none")], ws, push());
    assert_eq!(
        run.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("gate", 1)),
        "{run:?}"
    );
    assert!(run.log.contains("the scan is incomplete"), "{run:?}");
    assert!(
        run.log.contains(
            "::warning file=broken/compose.yaml,line=3,title=trustmap yaml-syntax::not valid YAML"
        ),
        "{run:?}"
    );
    assert_eq!(run.outputs["incomplete"], "true");
    let upload = run.uses("github/codeql-action/upload-sarif@");
    assert!(upload.runs, "uploaded before the job fails");
    let sarif: Value = serde_json::from_str(
        &std::fs::read_to_string(ws.join(&upload.with["sarif_file"])).unwrap(),
    )
    .unwrap();
    let notifications = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notifications.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("yaml-syntax")
            || n["descriptor"]["id"] == "yaml-syntax"),
        "{notifications:?}"
    );
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(
        run.summary.contains("The scan is incomplete"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("```mermaid"), "{}", run.summary);

    let relaxed = run_action(
        &[("fail-on", "none"), ("fail-on-incomplete", "false")],
        ws,
        push(),
    );
    assert!(relaxed.failed.is_none(), "{relaxed:?}");
    // The settings say it too, when the input is empty.
    std::fs::write(
        ws.join("trustmap.yaml"),
        "settings:\n  fail-on-incomplete: false\n  fail-on: none\n",
    )
    .unwrap();
    let settings = run_action(&[], ws, push());
    assert!(settings.failed.is_none(), "{settings:?}");
}

/// The inputs every peer's action has: rule selection, severity, path exclusion, custom rules.
#[test]
fn selection_severity_exclusion_and_custom_rules_reach_the_scan() {
    let workspace = tempfile::tempdir().unwrap();
    let ws = workspace.path();
    copy_dir(&root().join("fixtures/compose/shop"), &ws.join("shop"));
    std::fs::create_dir_all(ws.join("legacy")).unwrap();
    std::fs::write(
        ws.join("legacy/compose.yaml"),
        "services:\n  old:\n    image: example/old:1\n    privileged: true\n",
    )
    .unwrap();
    std::fs::create_dir_all(ws.join("security/rules")).unwrap();
    std::fs::write(
        ws.join("security/rules/ACME-E900.yaml"),
        "id: ACME-E900\ntitle: Privileged, again\nstride: [elevation_of_privilege]\napplies_to: [process]\nseverity: critical\ncondition:\n  attr: privileged\nmessage: \"{name} runs privileged\"\ndescription: A custom rule.\nmitigation: Do not.\n",
    )
    .unwrap();
    let results = |run: &ActionRun| -> Vec<(String, String)> {
        let sarif: Value = serde_json::from_str(
            &std::fs::read_to_string(ws.join(&run.outputs["sarif-file"])).unwrap(),
        )
        .unwrap();
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect()
    };
    let all = run_action(
        &[("fail-on", "none"), ("rules", "security/rules")],
        ws,
        push(),
    );
    assert!(all.failed.is_none(), "{all:?}");
    let everything = results(&all);
    assert!(
        everything.iter().any(|(r, _)| r == "ACME-E900"),
        "{everything:?}"
    );
    assert!(everything.iter().any(|(_, f)| f == "legacy/compose.yaml"));

    let picked = run_action(
        &[
            ("fail-on", "none"),
            ("rules", "security/rules"),
            ("select", "TM-E, TM-S001"),
            ("ignore", "ACME-E900\nTM-E007"),
            ("severity", "high"),
            ("exclude", "legacy/\n*.test.yaml"),
        ],
        ws,
        push(),
    );
    assert!(picked.failed.is_none(), "{picked:?}");
    let found = results(&picked);
    assert!(!found.is_empty(), "{picked:?}");
    for (rule, file) in &found {
        assert!(rule.starts_with("TM-E") || rule == "TM-S001", "{rule}");
        assert!(rule != "ACME-E900" && rule != "TM-E007", "{rule}");
        assert_ne!(file, "legacy/compose.yaml");
    }
    assert!(found.len() < everything.len());
    // Fail on the custom rule's critical finding.
    let gate = run_action(
        &[
            ("fail-on", "critical"),
            ("rules", "security/rules"),
            ("upload", "false"),
        ],
        ws,
        push(),
    );
    assert_eq!(
        gate.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("gate", 1)),
        "{gate:?}"
    );
    // A selector that matches nothing: trustmap cannot scan; nothing is uploaded, the summary
    // says so, and the last step fails.
    let typo = run_action(&[("select", "TM-Q")], ws, push());
    assert_eq!(
        typo.failed.as_ref().map(|(id, code)| (id.as_str(), *code)),
        Some(("gate", 2)),
        "{typo:?}"
    );
    assert_eq!(typo.outputs["sarif-file"], "");
    assert!(!typo.uses("github/codeql-action/upload-sarif@").runs);
    assert!(
        typo.summary.contains("trustmap could not scan"),
        "{}",
        typo.summary
    );
}

fn push() -> Value {
    json!({"event_name": "push", "event": {"ref": "refs/heads/main"}})
}

fn schedule() -> Value {
    json!({"event_name": "schedule", "event": {"schedule": "17 6 * * 1"}})
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=trustmap",
            "-c",
            "user.email=trustmap@example.com",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A `uses:` step, not run: would it have run, and with what.
struct UsesStep {
    uses: String,
    runs: bool,
    with: BTreeMap<String, String>,
}

/// What running the action's steps gave.
struct ActionRun {
    /// The action's outputs, as its `outputs:` values compute them.
    outputs: BTreeMap<String, String>,
    /// Each step's outputs, by step id.
    steps: BTreeMap<String, BTreeMap<String, String>>,
    uses: Vec<UsesStep>,
    /// The job summary the steps wrote.
    summary: String,
    /// The step that failed, and its exit code.
    failed: Option<(String, i32)>,
    log: String,
    /// RUNNER_TEMP and the runner's files live as long as the run.
    _temp: tempfile::TempDir,
}

impl ActionRun {
    fn uses(&self, prefix: &str) -> &UsesStep {
        self.uses
            .iter()
            .find(|u| u.uses.starts_with(prefix))
            .unwrap_or_else(|| panic!("no step uses {prefix}"))
    }
}

impl std::fmt::Debug for ActionRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "failed: {:?}\noutputs: {:?}\nsteps: {:?}\n--- log\n{}\n--- summary\n{}",
            self.failed, self.outputs, self.steps, self.log, self.summary
        )
    }
}

/// The expression contexts of a run.
struct Context<'a> {
    inputs: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
    /// Step ids reached so far: a reference to another step is a mistake in the action.
    reached: Vec<String>,
    github: &'a Value,
    runner: BTreeMap<&'static str, String>,
}

impl Context<'_> {
    fn eval(&self, expression: &str) -> String {
        let parts: Vec<&str> = expression.trim().split('.').collect();
        match parts[..] {
            ["inputs", name] => self
                .inputs
                .get(name)
                .unwrap_or_else(|| panic!("`{expression}`: no input {name}"))
                .clone(),
            ["steps", id, "outputs", name] => {
                assert!(
                    self.reached.iter().any(|r| r == id),
                    "`{expression}`: step {id} has not run yet"
                );
                self.steps
                    .get(id)
                    .and_then(|outputs| outputs.get(name))
                    .cloned()
                    .unwrap_or_default()
            }
            ["runner", name] => self.runner[name].clone(),
            ["github", ..] => {
                let value = parts[1..]
                    .iter()
                    .fold(self.github, |value, key| &value[*key]);
                match value {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            }
            _ => panic!("`{expression}` is beyond this runner's expressions"),
        }
    }

    /// A value with each `${{ ... }}` replaced by what it evaluates to.
    fn substitute(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("a closed expression") + start;
            out.push_str(&self.eval(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    /// An `if:` condition: `a == 'b'`, `a != 'b'`, `always()` or `success()`.
    fn condition(&self, condition: &str) -> bool {
        let condition = condition.trim();
        let condition = condition
            .strip_prefix("${{")
            .and_then(|c| c.strip_suffix("}}"))
            .unwrap_or(condition)
            .trim();
        if matches!(condition, "always()" | "success()") {
            return true;
        }
        if let Some((left, right)) = condition.split_once(" && ") {
            return self.condition(left) && self.condition(right);
        }
        let operand = |text: &str| {
            let text = text.trim();
            match text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
                Some(literal) => literal.to_string(),
                None => self.eval(text),
            }
        };
        for (operator, equal) in [(" == ", true), (" != ", false)] {
            if let Some((left, right)) = condition.split_once(operator) {
                return (operand(left) == operand(right)) == equal;
            }
        }
        panic!("`{condition}` is beyond this runner's conditions")
    }
}

/// A local fake release: the archive of this runner (Linux X64), holding a `trustmap` that
/// runs the binary under test, in a folder laid out as the release downloads are
/// (`v<version>/<archive>`), and a copy of the action whose `action/checksums/` pins its
/// SHA-256 (or a wrong one).
struct FakeRelease {
    _dir: tempfile::TempDir,
    /// The action's folder (GITHUB_ACTION_PATH).
    action: PathBuf,
    /// The `release-url` input that reaches the archive (`file://`).
    url: String,
    /// The SHA-256 of the archive.
    sha256: String,
}

const ARCHIVE: &str = "trustmap-x86_64-unknown-linux-musl.tar.xz";

impl FakeRelease {
    /// A release of the binary under test whose checksum the action pins.
    fn good() -> FakeRelease {
        FakeRelease::pinning(None)
    }

    /// With `pinned`, the action pins that checksum instead of the archive's.
    fn pinning(pinned: Option<&str>) -> FakeRelease {
        let dir = tempfile::tempdir().unwrap();
        let version = env!("CARGO_PKG_VERSION");
        let stage = dir.path().join("stage/trustmap-x86_64-unknown-linux-musl");
        std::fs::create_dir_all(&stage).unwrap();
        let bin = stage.join("trustmap");
        std::fs::write(
            &bin,
            format!(
                "#!/bin/sh\nexec '{}' \"$@\"\n",
                env!("CARGO_BIN_EXE_trustmap")
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let releases = dir.path().join("releases");
        let folder = releases.join(format!("v{version}"));
        std::fs::create_dir_all(&folder).unwrap();
        let archive = folder.join(ARCHIVE);
        let status = Command::new("tar")
            .arg("-cJf")
            .arg(&archive)
            .arg("-C")
            .arg(dir.path().join("stage"))
            .arg("trustmap-x86_64-unknown-linux-musl")
            .status()
            .expect("tar runs");
        assert!(status.success());
        let sha256 = sha256_of(&archive);
        let action = dir.path().join("action");
        std::fs::create_dir_all(action.join("action/checksums")).unwrap();
        std::fs::copy(root().join("action.yml"), action.join("action.yml")).unwrap();
        std::fs::write(
            action.join(format!("action/checksums/{version}.sha256")),
            format!(
                "{}  {ARCHIVE}\n{}  trustmap-aarch64-apple-darwin.tar.xz\n",
                pinned.unwrap_or(&sha256),
                "0".repeat(64)
            ),
        )
        .unwrap();
        FakeRelease {
            url: format!("file://{}", releases.display()),
            action,
            sha256,
            _dir: dir,
        }
    }
}

/// `sha256sum FILE`, with the tool the machine has.
fn sha256_of(path: &Path) -> String {
    let output = Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// Runs the action's steps in `workspace` with these inputs, for this `github` context
/// (`event_name` and `event`), until one fails. trustmap comes from a fake release of the
/// binary under test, or with `install: source` from the build step, replaced by it.
fn run_action(inputs: &[(&str, &str)], workspace: &Path, github: Value) -> ActionRun {
    if inputs.contains(&("install", "source")) {
        run_action_from(inputs, workspace, github, None)
    } else {
        run_action_from(inputs, workspace, github, Some(&FakeRelease::good()))
    }
}

fn run_action_from(
    inputs: &[(&str, &str)],
    workspace: &Path,
    github: Value,
    release: Option<&FakeRelease>,
) -> ActionRun {
    let action_path = release.map_or_else(root, |r| r.action.clone());
    let action = yaml::parse(&std::fs::read_to_string(action_path.join("action.yml")).unwrap());
    let temp = tempfile::tempdir().unwrap();
    let runner_temp = temp.path().join("runner-temp");
    let files = temp.path().join("runner-files");
    let home = temp.path().join("home");
    for dir in [&runner_temp, &files, &home] {
        std::fs::create_dir_all(dir).unwrap();
    }

    let declared = action["inputs"].as_object().unwrap();
    let mut values: BTreeMap<String, String> = declared
        .iter()
        .map(|(name, input)| {
            let default = input["default"].as_str().unwrap_or("").to_string();
            (name.clone(), default)
        })
        .collect();
    if let Some(release) = release {
        values.insert("release-url".to_string(), release.url.clone());
    }
    for (name, value) in inputs {
        assert!(
            declared.contains_key(*name),
            "the action has no input {name}"
        );
        values.insert(name.to_string(), value.to_string());
    }

    let event_path = files.join("event.json");
    std::fs::write(&event_path, github["event"].to_string()).unwrap();
    let github_path = files.join("path");
    let github_env = files.join("env");
    std::fs::write(&github_path, "").unwrap();
    std::fs::write(&github_env, "").unwrap();
    let event_name = github["event_name"].as_str().unwrap().to_string();
    let system_path = std::env::var("PATH").unwrap_or_default();

    let mut context = Context {
        inputs: values,
        steps: BTreeMap::new(),
        reached: Vec::new(),
        github: &github,
        runner: BTreeMap::from([
            ("temp", runner_temp.display().to_string()),
            ("os", "Linux".to_string()),
            ("arch", "X64".to_string()),
        ]),
    };
    let mut uses_steps = Vec::new();
    let mut summary = String::new();
    let mut log = String::new();
    let mut failed = None;

    for (index, step) in steps(&action).iter().enumerate() {
        let id = step["id"]
            .as_str()
            .map_or_else(|| format!("step-{index}"), str::to_string);
        let name = step["name"].as_str().unwrap_or(&id).to_string();
        let runs = step["if"].as_str().is_none_or(|c| context.condition(c));
        if let Some(uses) = step["uses"].as_str() {
            let with = step["with"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), context.substitute(v.as_str().unwrap())))
                .collect();
            log.push_str(&format!(
                "=== {name}: uses {uses} (runs: {runs}; not run here)\n"
            ));
            uses_steps.push(UsesStep {
                uses: uses.to_string(),
                runs,
                with,
            });
            context.reached.push(id);
            continue;
        }
        context.reached.push(id.clone());
        if !runs {
            log.push_str(&format!("=== {name}: skipped\n"));
            continue;
        }
        let script = step["run"].as_str().expect("a step runs or uses");
        if id == "build" {
            // The binary under test stands for the one `cargo install` would build.
            assert!(
                script.contains(r#"cargo install --locked --path "$GITHUB_ACTION_PATH" --root"#),
                "the build step builds the action's source: {script}"
            );
            let bin = Path::new(env!("CARGO_BIN_EXE_trustmap")).parent().unwrap();
            std::fs::write(&github_path, format!("{}\n", bin.display())).unwrap();
            log.push_str(&format!("=== {name}: replaced by {}\n", bin.display()));
            continue;
        }

        let script_file = files.join(format!("step-{index}.sh"));
        let output_file = files.join(format!("output-{index}"));
        let summary_file = files.join(format!("summary-{index}"));
        std::fs::write(&script_file, script).unwrap();
        std::fs::write(&output_file, "").unwrap();
        std::fs::write(&summary_file, "").unwrap();
        // GITHUB_PATH entries come first, the last added first of all.
        let mut path: Vec<String> = std::fs::read_to_string(&github_path)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        path.reverse();
        path.push(system_path.clone());

        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_file)
            .current_dir(workspace)
            .env_clear()
            .env("PATH", path.join(":"))
            .env("HOME", &home)
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_ACTION_PATH", &action_path)
            .env("GITHUB_EVENT_NAME", &event_name)
            .env("GITHUB_EVENT_PATH", &event_path)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_ENV", &github_env)
            .env("RUNNER_TEMP", &runner_temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        command.envs(parse_key_values(
            &std::fs::read_to_string(&github_env).unwrap(),
        ));
        for (key, value) in step["env"].as_object().into_iter().flatten() {
            command.env(key, context.substitute(value.as_str().unwrap()));
        }
        let output = command.output().expect("bash runs");
        let code = output.status.code().unwrap_or(-1);
        log.push_str(&format!(
            "=== {name} (exit {code})\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
        context.steps.insert(
            id.clone(),
            parse_key_values(&std::fs::read_to_string(&output_file).unwrap()),
        );
        summary.push_str(&std::fs::read_to_string(&summary_file).unwrap());
        if code != 0 {
            failed = Some((id, code));
            break;
        }
    }

    // A step that did not run gives its outputs as empty, as on GitHub.
    context.reached.extend(
        steps(&action)
            .iter()
            .filter_map(|s| s["id"].as_str().map(str::to_string)),
    );
    let outputs = action["outputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, output)| {
            let value = context.substitute(output["value"].as_str().unwrap());
            (name.clone(), value)
        })
        .collect();
    let steps = std::mem::take(&mut context.steps);
    ActionRun {
        outputs,
        steps,
        uses: uses_steps,
        summary,
        failed,
        log,
        _temp: temp,
    }
}

/// A GITHUB_OUTPUT or GITHUB_ENV file: `name=value` lines and `name<<DELIMITER` blocks.
fn parse_key_values(text: &str) -> BTreeMap<String, String> {
    let mut values = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delimiter)) = line.split_once("<<") {
            let block: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
            values.insert(name.to_string(), block.join("\n"));
        } else {
            let (name, value) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("not `name=value`: {line}"));
            values.insert(name.to_string(), value.to_string());
        }
    }
    values
}

/// action.yml and the workflows, read with the project's own YAML reader (trustmap-yaml)
/// into JSON values: every scalar kept as the string it is written as (so `'false'` and
/// `false` both read "false", as the runner passes inputs), null as null. A duplicate key is
/// a mistake in the file and fails the test.
mod yaml {
    use super::{Map, Value};
    use trustmap_yaml::{Limits, Node, NodeValue};

    pub fn parse(text: &str) -> Value {
        let loaded = trustmap_yaml::load(
            text,
            &Limits {
                max_depth: 64,
                max_nodes: 1_000_000,
            },
        )
        .unwrap_or_else(|e| panic!("line {}: {}", e.line, e.message));
        assert!(
            loaded.warnings.is_empty(),
            "{:?}",
            loaded
                .warnings
                .iter()
                .map(|w| format!("line {}: {}", w.line, w.message))
                .collect::<Vec<_>>()
        );
        assert_eq!(loaded.documents.len(), 1, "one document");
        to_json(&loaded.documents[0])
    }

    fn to_json(node: &Node) -> Value {
        match &node.value {
            NodeValue::Null => Value::Null,
            NodeValue::Scalar(text, _) => Value::String(text.clone()),
            NodeValue::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
            NodeValue::Mapping(pairs) => {
                let mut map = Map::new();
                for (key, value) in pairs {
                    let name = key.as_str().expect("a text key").to_string();
                    let line = key.start.line;
                    assert!(
                        map.insert(name.clone(), to_json(value)).is_none(),
                        "line {line}: `{name}` twice"
                    );
                }
                Value::Object(map)
            }
        }
    }
}

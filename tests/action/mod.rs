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
        ("fail-on", "high"),
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
    for name in ["sarif-file", "findings", "highest-severity"] {
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
    assert_eq!(upload["if"], "inputs.upload == 'true'");
    assert_eq!(upload["with"]["category"], "${{ inputs.category }}");
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.scan.outputs.sarif-file }}"
    );
    for cache in ["actions/cache/restore@", "actions/cache/save@"] {
        assert!(
            uses.iter().any(|u| u.starts_with(cache)),
            "{cache} caches the build"
        );
    }

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

    let run = run_action(
        &[&shop[..], &[("fail-on", "critical")]].concat(),
        &root(),
        push(),
    );
    assert!(run.failed.is_none(), "nothing is critical: {run:?}");
    assert_eq!(run.outputs["sarif-file"], sarif_arg, "{run:?}");
    let findings: usize = run.outputs["findings"].parse().expect("a count");
    assert!(findings > 0, "{run:?}");
    assert_eq!(run.outputs["highest-severity"], "high", "{run:?}");
    assert_eq!(run.outputs["design-weaker"], "false");

    // What ran is the binary under test, verified.
    let verify = &run.steps["verify"];
    assert_eq!(
        std::fs::canonicalize(&verify["bin"]).unwrap(),
        std::fs::canonicalize(env!("CARGO_BIN_EXE_trustmap")).unwrap()
    );
    assert_eq!(verify["version"], env!("CARGO_PKG_VERSION"));
    assert!(verify["sha256"].len() == 64, "{verify:?}");
    assert!(
        run.steps["prepare"]["key"].starts_with("trustmap-Linux-X64-"),
        "{:?}",
        run.steps["prepare"]
    );

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
    assert!(run.uses("actions/cache/save@").runs, "a cache miss saves");

    // The job summary: the threat model, with its diagram and its threats.
    let summary = &run.summary;
    assert!(
        summary.contains(&format!(
            "{findings} undecided threats (highest severity: high)"
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

/// Runs the action's steps in `workspace` with these inputs, for this `github` context
/// (`event_name` and `event`), until one fails.
fn run_action(inputs: &[(&str, &str)], workspace: &Path, github: Value) -> ActionRun {
    let action = action();
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
        if id == "install" {
            // The binary under test stands for the one `cargo install` would build.
            assert!(
                script.contains(r#"cargo install --locked --path "$GITHUB_ACTION_PATH" --root"#),
                "the install step builds the action's source: {script}"
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
            .env("GITHUB_ACTION_PATH", root())
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

/// The YAML that action.yml and the example workflow are written in, read into JSON values:
/// block mappings and sequences (`- key: value` items included), plain, single- and
/// double-quoted scalars (all kept as strings), `|` literal blocks, and comments. Anything
/// else (flow collections, anchors, tags, folded blocks) is refused, so a file that leaves the
/// subset fails its tests rather than being misread.
mod yaml {
    use super::{Map, Value};

    pub fn parse(text: &str) -> Value {
        let mut parser = Parser {
            lines: text.lines().map(str::to_string).collect(),
            pos: 0,
        };
        let value = parser.block(0);
        if let Some((line, _)) = parser.peek() {
            panic!("line {}: indentation does not fit", line + 1);
        }
        value
    }

    struct Parser {
        lines: Vec<String>,
        pos: usize,
    }

    fn is_item(content: &str) -> bool {
        content == "-" || content.starts_with("- ")
    }

    /// `key: rest` or `key:` (rest empty); comments after the colon are dropped.
    fn split_key(content: &str) -> Option<(&str, &str)> {
        if content.starts_with(['"', '\'', '[', '{', '#']) {
            return None;
        }
        let end = content
            .find(": ")
            .or_else(|| content.ends_with(':').then(|| content.len() - 1))?;
        let key = &content[..end];
        let rest = content[end + 1..].trim();
        Some((key, if rest.starts_with('#') { "" } else { rest }))
    }

    fn scalar(text: &str, line: usize) -> Value {
        let text = text.trim();
        let after_quote = |rest: &str| {
            let rest = rest.trim();
            assert!(
                rest.is_empty() || rest.starts_with('#'),
                "line {}: text after a quoted scalar",
                line + 1
            );
        };
        let value = if let Some(body) = text.strip_prefix('\'') {
            let mut out = String::new();
            let mut chars = body.char_indices().peekable();
            loop {
                match chars.next() {
                    Some((_, '\'')) if chars.peek().is_some_and(|(_, c)| *c == '\'') => {
                        chars.next();
                        out.push('\'');
                    }
                    Some((i, '\'')) => {
                        after_quote(&body[i + 1..]);
                        break;
                    }
                    Some((_, c)) => out.push(c),
                    None => panic!("line {}: unclosed quote", line + 1),
                }
            }
            out
        } else if let Some(body) = text.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.char_indices();
            loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, c @ ('"' | '\\' | '/'))) => out.push(c),
                        other => panic!("line {}: escape {other:?}", line + 1),
                    },
                    Some((i, '"')) => {
                        after_quote(&body[i + 1..]);
                        break;
                    }
                    Some((_, c)) => out.push(c),
                    None => panic!("line {}: unclosed quote", line + 1),
                }
            }
            out
        } else {
            assert!(
                !text.starts_with(['[', '{', '&', '*', '!', '>', '|', '%', '@', '`']),
                "line {}: `{text}` is beyond this parser's YAML",
                line + 1
            );
            let end = text.find(" #").unwrap_or(text.len());
            text[..end].trim_end().to_string()
        };
        Value::String(value)
    }

    impl Parser {
        /// The next line with content: its index and indentation.
        fn peek(&mut self) -> Option<(usize, usize)> {
            while let Some(line) = self.lines.get(self.pos) {
                let content = line.trim_start_matches(' ');
                assert!(
                    !content.starts_with('\t'),
                    "line {}: a tab in the indentation",
                    self.pos + 1
                );
                if content.trim().is_empty() || content.starts_with('#') {
                    self.pos += 1;
                    continue;
                }
                return Some((self.pos, line.len() - content.len()));
            }
            None
        }

        fn content(&self, line: usize) -> String {
            self.lines[line].trim().to_string()
        }

        fn block(&mut self, min_indent: usize) -> Value {
            match self.peek() {
                Some((line, indent)) if indent >= min_indent => {
                    if is_item(&self.content(line)) {
                        self.sequence(indent)
                    } else {
                        self.mapping(indent)
                    }
                }
                _ => Value::Null,
            }
        }

        fn sequence(&mut self, indent: usize) -> Value {
            let mut items = Vec::new();
            while let Some((line, n)) = self.peek() {
                let content = self.content(line);
                if n != indent || !is_item(&content) {
                    break;
                }
                let rest = content[1..].trim_start();
                if rest.is_empty() {
                    self.pos += 1;
                    items.push(self.block(indent + 1));
                } else if split_key(rest).is_some() {
                    // `- key: value` opens a mapping where `key` starts.
                    let column = self.lines[line].len() - rest.len();
                    self.lines[line] = format!("{}{rest}", " ".repeat(column));
                    items.push(self.mapping(column));
                } else {
                    self.pos += 1;
                    items.push(scalar(rest, line));
                }
            }
            Value::Array(items)
        }

        fn mapping(&mut self, indent: usize) -> Value {
            let mut map = Map::new();
            while let Some((line, n)) = self.peek() {
                let content = self.content(line);
                if n < indent || is_item(&content) {
                    break;
                }
                assert_eq!(n, indent, "line {}: indentation does not fit", line + 1);
                let (key, rest) = split_key(&content)
                    .unwrap_or_else(|| panic!("line {}: not `key: value`", line + 1));
                self.pos += 1;
                let value = match rest {
                    "" => match self.peek() {
                        Some((_, next)) if next > indent => self.block(indent + 1),
                        Some((next_line, next))
                            if next == indent && is_item(&self.content(next_line)) =>
                        {
                            self.sequence(indent)
                        }
                        _ => Value::Null,
                    },
                    "|" | "|-" | "|+" => Value::String(self.literal(indent, rest)),
                    _ => scalar(rest, line),
                };
                assert!(
                    map.insert(key.to_string(), value).is_none(),
                    "line {}: `{key}` twice",
                    line + 1
                );
            }
            Value::Object(map)
        }

        /// A `|` block: the lines indented past its key, less the first line's indentation.
        fn literal(&mut self, parent: usize, header: &str) -> String {
            let mut lines: Vec<String> = Vec::new();
            let mut indent = None;
            while let Some(line) = self.lines.get(self.pos) {
                let content = line.trim_start_matches(' ');
                let n = line.len() - content.len();
                if content.is_empty() {
                    lines.push(String::new());
                } else if n <= parent {
                    break;
                } else {
                    let indent = *indent.get_or_insert(n);
                    assert!(n >= indent, "line {}: outdented in a block", self.pos + 1);
                    lines.push(line[indent..].to_string());
                }
                self.pos += 1;
            }
            let text = lines.join("\n");
            match header {
                "|-" => text.trim_end_matches('\n').to_string(),
                "|+" => text + "\n",
                _ => format!("{}\n", text.trim_end_matches('\n')),
            }
        }
    }
}

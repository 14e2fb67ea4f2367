//! The switches every scanner has, end to end: rule selection (`--select`, `--ignore`), the
//! severity floor (`--severity`), path exclusion (`--exclude`), the diagnostics shown
//! (`--quiet`, `--log-level`), `--threads`, `--color`, `--fail-on-incomplete`, and the
//! `settings:` section of `trustmap.yaml` that sets them for a repository (the command line
//! wins, key by key; with `--base-config` the base revision's settings are in force).

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// What one run of the binary gave.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    command: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$ {}\nexit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `trustmap ARGS` in `dir` with these extra environment variables (NO_COLOR is
/// removed unless given).
fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trustmap"));
    command.args(args).current_dir(dir).env_remove("NO_COLOR");
    command.envs(env.iter().copied());
    let output = command.output().expect("the trustmap binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        command: format!("trustmap {}", args.join(" ")),
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, &[])
}

/// A scratch tree: `app/` (low to high findings), `legacy/` (a privileged container,
/// TM-E001), and whatever else is given.
fn tree(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![
        (
            "app/compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    user: root\n    ports: [\"80:80\"]\n",
        ),
        (
            "legacy/compose.yaml",
            "services:\n  old:\n    image: example/old:1\n    privileged: true\n",
        ),
    ];
    files.extend_from_slice(extra);
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

/// The findings of a JSON report: (rule, severity, file).
fn findings(run: &Run) -> Vec<(String, String, String)> {
    let json: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["location"]["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn rules_of(run: &Run) -> Vec<String> {
    let mut rules: Vec<String> = findings(run).into_iter().map(|f| f.0).collect();
    rules.sort();
    rules.dedup();
    rules
}

const JSON: [&str; 6] = ["scan", ".", "--format", "json", "--fail-on", "none"];

fn json_with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = JSON.to_vec();
    args.extend_from_slice(extra);
    args
}

#[test]
fn select_and_ignore_take_ids_and_prefixes_and_the_most_specific_wins() {
    let dir = tree(&[]);
    let all = rules_of(&run(dir.path(), &JSON));
    assert!(all.len() > 3, "{all:?}");
    assert!(all.contains(&"TM-E001".to_string()) && all.iter().any(|r| !r.starts_with("TM-E")));

    let only_e = run(dir.path(), &json_with(&["--select", "TM-E"]));
    let rules = rules_of(&only_e);
    assert!(
        !rules.is_empty() && rules.iter().all(|r| r.starts_with("TM-E")),
        "{only_e:?}"
    );

    let e_but_one = rules_of(&run(
        dir.path(),
        &json_with(&["--select=tm-e", "--ignore", "TM-E001"]),
    ));
    assert!(!e_but_one.contains(&"TM-E001".to_string()), "{e_but_one:?}");
    assert!(e_but_one.iter().all(|r| r.starts_with("TM-E")));

    // The more specific selector wins over the broader ignore.
    let back = rules_of(&run(
        dir.path(),
        &json_with(&["--ignore", "TM-E", "--select", "ALL,TM-E001"]),
    ));
    assert!(back.contains(&"TM-E001".to_string()), "{back:?}");
    assert!(
        back.iter()
            .all(|r| r == "TM-E001" || !r.starts_with("TM-E")),
        "{back:?}"
    );

    // Ignored rules do not fail the scan either.
    let gate = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--fail-on",
            "low",
            "--select",
            "TM-E001",
            "--ignore",
            "TM-E001",
        ],
    );
    assert_eq!(gate.code, 0, "{gate:?}");

    // A selector that matches no rule is an error, not a silent no-op.
    let typo = run(dir.path(), &json_with(&["--select", "TM-X9"]));
    assert_eq!(typo.code, 2, "{typo:?}");
    assert!(
        typo.stderr.contains("--select TM-X9: matches no rule"),
        "{typo:?}"
    );
}

#[test]
fn the_severity_floor_is_what_is_reported_and_fail_on_what_fails() {
    let dir = tree(&[]);
    let high = run(dir.path(), &json_with(&["--severity", "high"]));
    let severities: Vec<String> = findings(&high).into_iter().map(|f| f.1).collect();
    assert!(!severities.is_empty(), "{high:?}");
    assert!(
        severities.iter().all(|s| s == "high" || s == "critical"),
        "{severities:?}"
    );
    let sarif = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "sarif",
            "--fail-on",
            "none",
            "--severity",
            "high",
        ],
    );
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        severities.len()
    );

    // Separate switches: a floor of high with fail-on low fails on the high findings; a floor
    // above every finding reports nothing, so nothing fails.
    let gate = run(
        dir.path(),
        &["scan", ".", "--severity", "high", "--fail-on", "low"],
    );
    assert_eq!(gate.code, 1, "{gate:?}");
    assert!(!gate.stdout.contains("LOW "), "{gate:?}");
    let nothing = run(
        dir.path(),
        &["scan", ".", "--severity", "critical", "--fail-on", "low"],
    );
    assert_eq!(nothing.code, 0, "{nothing:?}");
    let bad = run(dir.path(), &["scan", ".", "--severity", "none"]);
    assert_eq!(
        bad.code, 2,
        "none is not a severity to report from: {bad:?}"
    );
}

#[test]
fn exclude_skips_paths_like_an_ignore_file_and_ignore_files_still_apply() {
    let dir = tree(&[
        ("other/.ignore", "skipped/\n"),
        (
            "other/skipped/compose.yaml",
            "services:\n  x:\n    image: x:1\n    privileged: true\n",
        ),
    ]);
    let files = |run: &Run| {
        let mut files: Vec<String> = findings(run).into_iter().map(|f| f.2).collect();
        files.sort();
        files.dedup();
        files
    };
    let everything = run(dir.path(), &JSON);
    assert_eq!(
        files(&everything),
        ["app/compose.yaml", "legacy/compose.yaml"],
        "the .ignore file applies: {everything:?}"
    );
    for pattern in [
        "legacy/",
        "legacy",
        "/legacy/compose.yaml",
        "**/legacy/*.yaml",
    ] {
        let run = run(dir.path(), &json_with(&["--exclude", pattern]));
        assert_eq!(
            files(&run),
            ["app/compose.yaml"],
            "--exclude {pattern}: {run:?}"
        );
    }
    // Relative to each scanned folder, not to the current one.
    let inner = run(
        dir.path(),
        &[
            "scan",
            "app",
            "legacy",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--exclude",
            "/compose.yaml",
        ],
    );
    assert!(findings(&inner).is_empty(), "{inner:?}");
    // model and diff walk the same way.
    let model = run(dir.path(), &["model", ".", "--exclude", "legacy/"]);
    assert_eq!(model.code, 0, "{model:?}");
    assert!(!model.stdout.contains("old"), "{model:?}");
    let invalid = run(dir.path(), &json_with(&["--exclude", "[z-a]"]));
    assert_eq!(invalid.code, 2, "{invalid:?}");
    assert!(invalid.stderr.contains("--exclude [z-a]"), "{invalid:?}");
}

/// A tree with a note (compose `include:`, not followed) and an error (a compose file that is
/// not YAML).
fn noisy_tree() -> tempfile::TempDir {
    tree(&[
        ("broken/compose.yaml", "services:\n  bad: [\n"),
        (
            "inc/compose.yaml",
            "include:\n  - other.yaml\nservices:\n  a:\n    image: a:1\n",
        ),
    ])
}

#[test]
fn quiet_and_log_level_choose_the_diagnostics_shown() {
    let dir = noisy_tree();
    let all = run(dir.path(), &json_with(&[]));
    assert_eq!(all.code, 2, "a file did not parse: {all:?}");
    assert!(
        all.stderr.contains("note[") && all.stderr.contains("error[yaml-syntax]"),
        "{all:?}"
    );

    let warnings = run(dir.path(), &json_with(&["--log-level", "warning"]));
    assert!(!warnings.stderr.contains("note["), "{warnings:?}");
    assert!(
        warnings.stderr.contains("error[yaml-syntax]"),
        "{warnings:?}"
    );
    assert!(
        warnings
            .stderr
            .contains("less severe diagnostics not shown"),
        "{warnings:?}"
    );
    // The report keeps every diagnostic; the exit code is the same.
    assert_eq!(warnings.code, 2);
    assert_eq!(warnings.stdout, all.stdout);

    let quiet = run(dir.path(), &json_with(&["--quiet"]));
    assert_eq!(quiet.stderr.lines().count(), 1, "only the error: {quiet:?}");
    assert!(quiet.stderr.contains("error[yaml-syntax]"), "{quiet:?}");
    let text = run(dir.path(), &["scan", ".", "-q", "--fail-on", "none"]);
    assert!(
        !text.stdout.contains("note["),
        "the text report lists what is shown: {text:?}"
    );
    assert!(text.stdout.contains("error[yaml-syntax]"), "{text:?}");
    // The switches are global: they may come before the command.
    let before = run(dir.path(), &["--log-level=error", "model", "."]);
    assert!(!before.stderr.contains("note["), "{before:?}");
    let both = run(dir.path(), &["scan", ".", "--quiet", "--log-level", "note"]);
    assert_eq!(both.code, 2, "--quiet and --log-level conflict: {both:?}");
}

#[test]
fn fail_on_incomplete_false_lets_fail_on_decide() {
    let dir = noisy_tree();
    assert_eq!(run(dir.path(), &["scan", ".", "--fail-on", "none"]).code, 2);
    let relaxed = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--fail-on",
            "none",
            "--fail-on-incomplete",
            "false",
        ],
    );
    assert_eq!(relaxed.code, 0, "{relaxed:?}");
    assert!(
        relaxed.stdout.contains("error[yaml-syntax]"),
        "still reported: {relaxed:?}"
    );
    let findings = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--fail-on",
            "high",
            "--fail-on-incomplete=false",
        ],
    );
    assert_eq!(findings.code, 1, "{findings:?}");
}

#[test]
fn threads_does_not_change_the_result() {
    let dir = tree(&[]);
    let default = run(dir.path(), &JSON);
    let one = run(dir.path(), &json_with(&["--threads", "1"]));
    let three = run(
        dir.path(),
        &[
            "--threads",
            "3",
            "scan",
            ".",
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
    );
    assert_eq!(one.stdout, default.stdout);
    assert_eq!(three.stdout, default.stdout);
    let zero = run(dir.path(), &json_with(&["--threads", "0"]));
    assert_eq!(zero.code, 2, "{zero:?}");
}

#[test]
fn color_is_for_terminals_unless_asked_and_never_with_no_color_on_auto() {
    let dir = noisy_tree();
    let text = ["scan", ".", "--fail-on", "none"];
    let with = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = text.to_vec();
        args.extend_from_slice(extra);
        run_with(dir.path(), &args, env)
    };
    let esc = |run: &Run| run.stdout.contains('\x1b') || run.stderr.contains('\x1b');
    // A pipe is not a terminal.
    assert!(!esc(&with(&[], &[])));
    assert!(!esc(&with(&["--color", "never"], &[])));
    let always = with(&["--color", "always"], &[("NO_COLOR", "1")]);
    assert!(
        always.stdout.contains("\x1b[1;35mCRITICAL\x1b[0m")
            || always.stdout.contains("\x1b[1;31mHIGH\x1b[0m"),
        "{always:?}"
    );
    assert!(
        always
            .stdout
            .contains("\x1b[1;31merror\x1b[0m[yaml-syntax]"),
        "{always:?}"
    );
    // Machine formats and files are never coloured.
    let json = with(&["--color", "always", "--format", "json"], &[]);
    assert!(!json.stdout.contains('\x1b'), "{json:?}");
    let out = dir.path().join("report.txt");
    with(&["--color", "always", "-o", out.to_str().unwrap()], &[]);
    assert!(!std::fs::read_to_string(&out).unwrap().contains('\x1b'));

    // On a terminal (script(1) gives the command one), auto colours unless NO_COLOR is set.
    let has_script = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("script(1) is not installed: the terminal case is not checked here");
        return;
    }
    let on_terminal = |no_color: Option<&str>| {
        let line = format!("{} scan . --fail-on none", env!("CARGO_BIN_EXE_trustmap"));
        let mut command = Command::new("script");
        command
            .args(["-qefc", &line, "/dev/null"])
            .current_dir(dir.path())
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        String::from_utf8_lossy(&command.output().unwrap().stdout).into_owned()
    };
    let coloured = on_terminal(None);
    assert!(
        coloured.contains("\x1b[1m") && coloured.contains("\x1b[0m"),
        "{coloured:?}"
    );
    assert!(!on_terminal(Some("1")).contains('\x1b'));
}

#[test]
fn the_settings_section_sets_the_switches_and_the_command_line_wins() {
    let settings = "settings:\n  fail-on: critical\n  severity: medium\n  ignore: [TM-E008]\n  exclude:\n    - legacy/\n";
    let dir = tree(&[("trustmap.yaml", settings)]);
    let scan = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(scan.code, 0, "nothing critical: {scan:?}");
    let found = findings(&scan);
    assert!(!found.is_empty(), "{scan:?}");
    assert!(
        found.iter().all(|(rule, severity, file)| rule != "TM-E008"
            && severity != "low"
            && file == "app/compose.yaml"),
        "{found:?}"
    );

    // Each switch on the command line replaces its setting.
    let cli = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--fail-on",
            "high",
            "--severity",
            "low",
            "--ignore",
            "TM-E014",
        ],
    );
    assert_eq!(cli.code, 1, "{cli:?}");
    let rules = rules_of(&cli);
    assert!(
        rules.contains(&"TM-E008".to_string()) && !rules.contains(&"TM-E014".to_string()),
        "{rules:?}"
    );
    // --exclude adds to the settings' patterns.
    let more = run(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--exclude",
            "app/",
        ],
    );
    assert!(findings(&more).is_empty(), "{more:?}");

    // Rule folders, relative to the file; select by the custom rule's id.
    let rule = "id: ACME-E900\ntitle: Privileged, again\nstride: [elevation_of_privilege]\napplies_to: [process]\nseverity: high\ncondition:\n  attr: privileged\nmessage: \"{name} runs privileged\"\ndescription: A custom rule.\nmitigation: Do not.\n";
    let custom = tree(&[
        (
            "trustmap.yaml",
            "settings:\n  rules: [security/rules]\n  select: [ACME-E9]\n",
        ),
        ("security/rules/ACME-E900.yaml", rule),
    ]);
    let picked = run(
        custom.path(),
        &["scan", ".", "--format", "json", "--fail-on", "none"],
    );
    assert_eq!(rules_of(&picked), ["ACME-E900"], "{picked:?}");
}

#[test]
fn an_unknown_setting_is_an_error_at_its_own_line() {
    for (text, line, what) in [
        (
            "settings:\n  fail-on: high\n  fial-on: low\n",
            3,
            "`fial-on`",
        ),
        ("setings:\n  fail-on: high\n", 1, "`setings`"),
        ("settings:\n  fail-on: urgent\n", 2, "expected none, low"),
        ("settings:\n  select: {a: b}\n", 2, "expected a list"),
        (
            "settings:\n  fail-on-incomplete: maybe\n",
            2,
            "expected true or false",
        ),
    ] {
        let dir = tree(&[("trustmap.yaml", text)]);
        let run = run(
            dir.path(),
            &["scan", ".", "--format", "json", "--fail-on", "none"],
        );
        assert_eq!(run.code, 2, "{text}: {run:?}");
        let expected = format!("trustmap.yaml:{line}");
        let error = run
            .stderr
            .lines()
            .find(|l| l.contains("error[decisions]"))
            .unwrap_or_else(|| panic!("{run:?}"));
        assert!(
            error.starts_with(&expected) && error.contains(what),
            "{text}: {error}"
        );
    }
    // A file of settings only is a valid decisions file.
    let dir = tree(&[("trustmap.yaml", "settings:\n  fail-on: none\n")]);
    assert_eq!(run(dir.path(), &["scan", "."]).code, 0);
}

/// With `--base-config` (the Action's `decisions-from: base`), the base revision's settings
/// are in force: a pull request cannot switch its own gate off.
#[test]
fn a_change_cannot_relax_its_own_settings() {
    let dir = tree(&[(
        "trustmap.yaml",
        "settings:\n  fail-on: none\n  ignore: [TM]\n",
    )]);
    let base = dir.path().join("base.yaml");
    std::fs::write(&base, "settings:\n  fail-on: high\n").unwrap();
    let run = run(
        dir.path(),
        &["scan", ".", "--base-config", base.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("TM-E001"), "{run:?}");
}

/// The ids of the rules that became checks of TM-E014 select and ignore their check: the
/// finding lists only the checks selected, and a finding left with none is not reported.
/// `rules explain` says where such an id went.
#[test]
fn a_retired_rule_id_selects_and_ignores_its_check() {
    let dir = tree(&[]);
    let checks_of = |args: &[&str]| -> Vec<(Vec<String>, String)> {
        let mut all = vec!["scan", ".", "--format", "json", "--fail-on", "none"];
        all.extend_from_slice(args);
        let scan = run(dir.path(), &all);
        let json: Value =
            serde_json::from_str(&scan.stdout).unwrap_or_else(|e| panic!("{e}: {scan:?}"));
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == "TM-E014")
            .map(|f| {
                let ids = f["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_string())
                    .collect();
                (ids, f["message"].as_str().unwrap().to_string())
            })
            .collect()
    };
    let every = checks_of(&[]);
    assert_eq!(every.len(), 1, "{every:?}");
    assert!(every[0].0.contains(&"TM-D001".to_string()), "{every:?}");

    let ignored = checks_of(&["--ignore", "TM-D001"]);
    assert_eq!(ignored.len(), 1, "{ignored:?}");
    assert!(
        !ignored[0].0.contains(&"TM-D001".to_string()),
        "{ignored:?}"
    );
    assert!(
        !ignored[0].1.contains("no CPU or memory limit"),
        "{ignored:?}"
    );

    let selected = checks_of(&["--select", "TM-D001"]);
    assert_eq!(
        selected,
        [(vec!["TM-D001".to_string()], selected[0].1.clone())]
    );
    assert!(
        selected[0].1.ends_with(": no CPU or memory limit"),
        "{selected:?}"
    );

    let none = checks_of(&["--ignore", "TM-E011,TM-D001,TM-T001,TM-R001"]);
    assert!(none.is_empty(), "{none:?}");
    assert!(checks_of(&["--ignore", "TM-E014"]).is_empty());

    let explained = run(dir.path(), &["rules", "explain", "tm-d001"]);
    assert_eq!(explained.code, 0, "{explained:?}");
    assert!(
        explained
            .stdout
            .starts_with("> TM-D001 is the check \"no CPU or memory limit\" of TM-E014"),
        "{explained:?}"
    );
}

/// A checklist finding is rated by the checks it still lists: with the escalation check
/// ignored, its reason no longer names a host takeover, and only what is left decides it.
#[test]
fn a_checklist_finding_is_rated_by_the_checks_left() {
    let dir = tree(&[]);
    let reason_of = |args: &[&str]| -> String {
        let mut all = vec!["scan", ".", "--format", "json", "--fail-on", "none"];
        all.extend_from_slice(args);
        let scan = run(dir.path(), &all);
        let json: Value =
            serde_json::from_str(&scan.stdout).unwrap_or_else(|e| panic!("{e}: {scan:?}"));
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == "TM-E014")
            .map(|f| f["severity_reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no TM-E014: {scan:?}"))
    };
    assert!(reason_of(&[]).contains("host takeover"));
    let without = reason_of(&["--ignore", "TM-E011"]);
    assert!(!without.contains("host takeover"), "{without}");
    assert!(without.contains("denial of service"), "{without}");
}

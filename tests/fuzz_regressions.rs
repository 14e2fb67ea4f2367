//! Every input the fuzzers (`fuzz/`, run with `fuzz/run.sh`) found breaking trustmap, kept
//! under `fuzz/regressions/<target>/<what-broke>` and replayed here through the same entry
//! point: each must return (no panic, no stack overflow), quickly.
//!
//! The `hcl`, `kubernetes`, `plan` and `yaml` targets call crates this package does not depend
//! on; their inputs are replayed through a scan of a temporary folder holding the input under
//! the name that routes it to that parser (`main.tf`, `k8s.yaml`, `plan.json`), which reaches
//! the same code.

#[allow(dead_code)]
#[path = "../fuzz/src/split.rs"]
mod split;

use std::path::{Path, PathBuf};
use trustmap_compose::{FileReader, ProjectInput, SourceFile};
use trustmap_model::Model;
use trustmap_rules::RuleSet;
use trustmap_scan::{DocumentKind, ScanOptions};

/// The input as text, as the fuzz targets read it.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Scans a temporary folder holding `files`; returns the model.
fn scan_files(files: &[(String, String)], kind: Option<DocumentKind>) -> Model {
    let dir = tempfile::tempdir().expect("a temporary folder");
    split::write_tree(dir.path(), files);
    let options = ScanOptions {
        terraform_input: kind,
        ..ScanOptions::default()
    };
    trustmap_scan::scan(&[dir.path().to_path_buf()], &options)
        .expect("a scan of a temporary folder")
        .model
}

/// The `scan` target: the input split into a tree, scanned, the built-in rules evaluated.
fn scan(data: &[u8]) {
    let model = scan_files(&split::split_files(&text(data), "compose.yaml"), None);
    let _ = trustmap_rules::evaluate(&model, &RuleSet::builtin().unwrap());
}

/// The `hcl` target: the input split into a root module (and local modules), evaluated.
fn hcl(data: &[u8]) {
    scan_files(&split::split_files(&text(data), "main.tf"), None);
}

/// The `kubernetes` target: one manifest file.
fn kubernetes(data: &[u8]) {
    scan_files(&[("k8s.yaml".to_string(), text(data))], None);
}

/// The `plan` target: one plan or state document, by content, as a plan, as a state.
fn plan(data: &[u8]) {
    let files = [("plan.json".to_string(), text(data))];
    for kind in [None, Some(DocumentKind::Plan), Some(DocumentKind::State)] {
        scan_files(&files, kind);
    }
}

/// A reader for `env_file:` that has nothing to give.
struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        Err(format!("{path}: not available"))
    }
}

/// The `compose` target (and the `yaml` one: compose files go through the YAML loader).
fn compose(data: &[u8]) {
    let input = ProjectInput {
        project: "fuzz".to_string(),
        files: vec![SourceFile {
            path: "compose.yaml".to_string(),
            text: text(data),
        }],
        env: None,
    };
    let limits = trustmap_model::Limits::default();
    let nodes = trustmap_model::Budget::new(trustmap_model::Limit::YamlNodes, &limits);
    let _ = trustmap_compose::parse_project(&input, &NoFiles, &limits, &nodes);
}

/// A small model to evaluate rules and apply decisions to.
fn fixture_model() -> Model {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/compose/shop");
    trustmap_scan::scan(&[root], &ScanOptions::default())
        .expect("the fixture scans")
        .model
}

/// The `rules` target: one rule file, parsed and evaluated.
fn rules(data: &[u8]) {
    if let Ok(rule) = trustmap_rules::parse_rule("rules/fuzz.yaml", &text(data)) {
        let mut set = RuleSet::default();
        set.add(rule).unwrap();
        let _ = trustmap_rules::evaluate(&fixture_model(), &set);
    }
}

/// The `decisions` target: a decisions file and inline comments, applied to findings.
fn decisions(data: &[u8]) {
    let text = text(data);
    let (mut entries, _) = trustmap_decisions::parse_decisions("trustmap.yaml", &text);
    entries.extend(trustmap_decisions::inline_decisions("compose.yaml", &text).0);
    let model = fixture_model();
    let mut findings = trustmap_rules::evaluate(&model, &RuleSet::builtin().unwrap());
    let today = trustmap_decisions::Date::parse("2026-06-01").unwrap();
    let _ = trustmap_decisions::apply(&mut findings, &entries, today, |_| None);
}

/// The replays work: each runs on a fixture of its kind.
#[test]
fn every_replay_runs_on_a_fixture() {
    let fixture = |path: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures")
                .join(path),
        )
        .unwrap()
    };
    let compose_file = fixture("compose/shop/compose.yaml");
    compose(&compose_file);
    scan(&compose_file);
    kubernetes(&fixture("equivalence/kubernetes/app.yaml"));
    let mut module = fixture("terraform/module-call/main.tf");
    module.extend_from_slice(b"\n@@ modules/db/main.tf\n");
    module.extend(fixture("terraform/module-call/modules/db/main.tf"));
    hcl(&module);
    plan(&fixture("terraform/plan/plan.json"));
    rules(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/TM-S001.yaml")).unwrap(),
    );
    decisions(&fixture("decisions/trustmap.yaml"));
}

/// Every input kept under `fuzz/regressions/` is replayed by a test of this file.
#[test]
fn every_kept_input_has_a_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let this = include_str!("fuzz_regressions.rs");
    let mut missing = Vec::new();
    for target in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for input in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = format!(
                "fuzz/regressions/{}/{}",
                target.file_name().to_string_lossy(),
                input.file_name().to_string_lossy()
            );
            if !this.contains(&name) && !name.ends_with(".md") {
                missing.push(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "kept inputs without a test: {missing:?}"
    );
}

// Not found by the fuzzers (nothing was, see fuzz/regressions/README.md): the hostile
// inputs, replayed through the `hcl` fuzz binary to check that it catches an OOM and a
// timeout, kept here so that the fixes are replayed through the same entry point.

/// `l1 = concat(local.l0, local.l0)` twenty-six times: out of memory (over 2 GB in 4 s).
#[test]
fn concat_doubling_oom() {
    hcl(include_bytes!(
        "../fuzz/regressions/hcl/concat-doubling-oom"
    ));
}

/// count = 1000 module calling a count = 1000 module holding a count = 1000 resource: timeout.
#[test]
fn nested_module_instances_timeout() {
    hcl(include_bytes!(
        "../fuzz/regressions/hcl/nested-module-instances-timeout"
    ));
}

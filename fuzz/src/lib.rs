//! The entry points the fuzz targets drive, one function per target, each taking the raw fuzz
//! input. `tests/fuzz_regressions.rs` replays the kept inputs through the same crates.
//!
//! Multi-file targets (`hcl`, `scan`) split their input into files: a line starting with
//! `@@ ` starts a file and names it (`@@ modules/db/main.tf`); text before the first such line
//! is the first file, under a default name. See [`split_files`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use trustmap_compose::{FileReader, ProjectInput, SourceFile};
use trustmap_kubernetes::ManifestFile;
use trustmap_model::Model;
use trustmap_rules::{Finding, RuleSet};
use trustmap_terraform::{DocumentKind, RootModule, TerraformFile};

mod split;
pub use split::{MAX_FILES, split_files, write_tree};

/// The input as text: libFuzzer mutates bytes, the tools read UTF-8 text.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The YAML loader, with the default bounds and with tight ones.
pub fn yaml(data: &[u8]) {
    let text = text(data);
    let _ = trustmap_yaml::load(&text, &trustmap_yaml::Limits::default());
    let tight = trustmap_yaml::Limits {
        max_depth: 8,
        max_nodes: 64,
    };
    let _ = trustmap_yaml::load_source(&text, &tight, 3);
}

/// A reader for `env_file:` that has nothing to give.
struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        Err(format!("{path}: not available while fuzzing"))
    }
}

/// One compose file as a project.
pub fn compose(data: &[u8]) {
    let text = text(data);
    let _ = trustmap_compose::looks_like_compose(&text);
    let _ = trustmap_compose::is_compose_document(&text);
    let input = ProjectInput {
        project: "fuzz".to_string(),
        files: vec![SourceFile {
            path: "compose.yaml".to_string(),
            text,
        }],
        env: None,
    };
    let limits = trustmap_model::Limits::default();
    let nodes = trustmap_model::Budget::new(trustmap_model::Limit::YamlNodes, &limits);
    let _ = trustmap_compose::parse_project(&input, &NoFiles, &limits, &nodes);
}

/// One Kubernetes manifest file (YAML documents or JSON).
pub fn kubernetes(data: &[u8]) {
    let text = text(data);
    let _ = trustmap_kubernetes::looks_like_kubernetes(&text);
    let files = [ManifestFile {
        path: "k8s.yaml".to_string(),
        text,
    }];
    let limits = trustmap_model::Limits::default();
    let nodes = trustmap_model::Budget::new(trustmap_model::Limit::YamlNodes, &limits);
    let _ = trustmap_kubernetes::parse_manifests(&files, &limits, &nodes);
}

/// The parent folder of a `/`-separated path (`""` at the root).
fn dir_of(path: &str) -> String {
    path.rsplit_once('/').map_or("", |(d, _)| d).to_string()
}

/// One root module (the files of folder `""`), its `.tfvars` as variable files, and the other
/// folders of the input as local modules it may call.
pub fn hcl(data: &[u8]) {
    let text = text(data);
    let mut folders: BTreeMap<String, Vec<TerraformFile>> = BTreeMap::new();
    let mut var_files = Vec::new();
    for (path, text) in split_files(&text, "main.tf") {
        let file = TerraformFile { path, text };
        if file.path.ends_with(".tfvars") && !file.path.contains('/') {
            var_files.push(file);
        } else {
            folders.entry(dir_of(&file.path)).or_default().push(file);
        }
    }
    let root = RootModule {
        dir: String::new(),
        files: folders.get("").cloned().unwrap_or_default(),
        var_files,
        documents: Vec::new(),
        document_kind: None,
    };
    let _ = trustmap_terraform::called_folders(&folders);
    let _ = trustmap_terraform::parse_root_modules(&[root], &folders, &trustmap_model::Limits::default());
}

/// A plan or state document (`terraform show -json`) as a root module's only input: by
/// content, then read as a plan, then as a state.
pub fn plan(data: &[u8]) {
    let text = text(data);
    let _ = trustmap_terraform::sniff(&text);
    for kind in [None, Some(DocumentKind::Plan), Some(DocumentKind::State)] {
        let root = RootModule {
            dir: String::new(),
            files: Vec::new(),
            var_files: Vec::new(),
            documents: vec![TerraformFile {
                path: "plan.json".to_string(),
                text: text.clone(),
            }],
            document_kind: kind,
        };
        let _ = trustmap_terraform::parse_root_modules(
            &[root],
            &BTreeMap::new(),
            &trustmap_model::Limits::default(),
        );
    }
}

/// The fixtures folder of the repository.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A fixed model with elements, flows and zones of every kind of input, to evaluate fuzzed
/// rules and apply fuzzed decisions to.
static MODEL: LazyLock<Model> = LazyLock::new(|| {
    let paths = [
        fixtures().join("compose/shop"),
        fixtures().join("equivalence/kubernetes"),
        fixtures().join("terraform/aws-web"),
    ];
    trustmap_scan::scan(&paths, &trustmap_scan::ScanOptions::default())
        .expect("the fixtures scan")
        .model
});

/// The built-in rules' findings on [`MODEL`].
static FINDINGS: LazyLock<Vec<Finding>> = LazyLock::new(|| {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    trustmap_rules::evaluate(&MODEL, &rules)
});

/// One rule file: parsed, added to a set, evaluated over a fixed model.
pub fn rules(data: &[u8]) {
    let text = text(data);
    let Ok(rule) = trustmap_rules::parse_rule("rules/fuzz.yaml", &text) else {
        return;
    };
    let mut set = RuleSet::default();
    if set.add(rule).is_ok() {
        let _ = trustmap_rules::evaluate(&MODEL, &set);
    }
}

/// A decisions file and the same text as a file with inline decision comments, applied to the
/// built-in rules' findings on a fixed model.
pub fn decisions(data: &[u8]) {
    let text = text(data);
    let (mut entries, _) = trustmap_decisions::parse_decisions("trustmap.yaml", &text);
    let (inline, _) = trustmap_decisions::inline_decisions("compose.yaml", &text);
    entries.extend(inline);
    let today = trustmap_decisions::Date::parse("2026-06-01").expect("a date");
    let mut findings = FINDINGS.clone();
    let _ = trustmap_decisions::apply(&mut findings, &entries, today, |_| None);
}

/// The folder a scan target writes its tree into: one per process, emptied on each run.
fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("trustmap-fuzz-scan-{}", std::process::id()))
}

/// A whole scan of a small tree written from the input, then the built-in rules over it.
pub fn scan(data: &[u8]) {
    let text = text(data);
    let files = split_files(&text, "compose.yaml");
    let root = scratch();
    write_tree(&root, &files);
    if let Ok(scan) = trustmap_scan::scan(&[root], &trustmap_scan::ScanOptions::default()) {
        let rules = RuleSet::builtin().expect("the built-in rules load");
        let _ = trustmap_rules::evaluate(&scan.model, &rules);
    }
}

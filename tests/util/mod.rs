//! The small vocabulary the end-to-end tests are written in: run the binary, scan a folder
//! with the library crates, make a scratch folder of compose files, read fixture expectations,
//! and the inputs and checks several test files share.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub command: String,
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

/// The repository root: tests run there, so display paths are repository-relative.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `trustmap ARGS` in `dir`.
pub fn trustmap_in(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the trustmap binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        command: format!("trustmap {}  (in {})", args.join(" "), dir.display()),
    }
}

/// Runs `trustmap ARGS` at the repository root.
pub fn trustmap(args: &[&str]) -> Run {
    trustmap_in(&root(), args)
}

/// A scratch folder holding the given files (path, content).
pub fn scratch(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (path, content) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
    dir
}

/// The `# expect: ID` annotations in a file or under a folder: (file, line) pairs for rule `id`.
pub fn expectations(path: &Path, id: &str) -> BTreeSet<(String, u32)> {
    let mut found = BTreeSet::new();
    let marker = format!("# expect: {id}");
    let files = if path.is_dir() {
        walk(path)
    } else {
        vec![path.to_path_buf()]
    };
    for entry in files {
        let text = std::fs::read_to_string(&entry).unwrap();
        let display = entry
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (index, line) in text.lines().enumerate() {
            if line.contains(&marker) {
                found.insert((display.clone(), index as u32 + 1));
            }
        }
    }
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Scans a folder (relative to the repository root) with the library crates.
pub fn scan(relative: &str) -> trustmap_scan::Scan {
    std::env::set_current_dir(root()).unwrap();
    trustmap_scan::scan(
        &[PathBuf::from(relative)],
        &trustmap_scan::ScanOptions::default(),
    )
    .unwrap()
}

/// A compose file that scans cleanly and fires TM-E001: the good half of a bad-input case.
pub const GOOD: &[u8] = b"services:\n  web:\n    image: nginx:1.27\n    privileged: true\n";

/// Scans a folder holding [`GOOD`] and the bad file `bad/NAME`: the exit code is 2, the error
/// names the file and says `expect_in_message`, and the good file was still scanned.
pub fn bad_input_case(name: &str, content: &[u8], extra: &[&str], expect_in_message: &str) {
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

/// A Deployment whose container runs privileged (line 16).
pub const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: agent\nspec:\n  selector:\n    matchLabels: {app: agent}\n  template:\n    metadata:\n      labels: {app: agent}\n    spec:\n      containers:\n        - name: agent\n          image: example/agent:1\n          securityContext:\n            privileged: true\n";

/// The rule ids, files and lines of a scan of a scratch folder holding `files`.
pub fn findings_of(files: &[(&str, &[u8])]) -> (Run, BTreeSet<(String, String, u64)>) {
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

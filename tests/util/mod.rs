//! The small vocabulary the end-to-end tests are written in: run the binary, scan a folder
//! with the library crates, make a scratch folder of compose files.

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

/// Scans a folder (relative to the repository root) with the library crates.
pub fn scan(relative: &str) -> trustmap_scan::Scan {
    std::env::set_current_dir(root()).unwrap();
    trustmap_scan::scan(
        &[PathBuf::from(relative)],
        &trustmap_scan::ScanOptions::default(),
    )
    .unwrap()
}

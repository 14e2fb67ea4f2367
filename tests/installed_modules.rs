//! Modules that `terraform init` installed: with `.terraform/modules/modules.json` beside a root
//! module, registry, git and other remote modules are read from the folders it names (inside
//! the root module's `.terraform/modules` only); without it they stay noted.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "fixtures/terraform/installed-module";

/// `trustmap scan PATH --format json`: the report and standard error.
fn scan(path: &Path) -> (Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(["scan", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {stderr} {:?}", output.status));
    (report, stderr)
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn diagnostic_codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|d| d["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Copies the fixture into a temporary folder (all of it, or without `.terraform`).
fn copy_fixture(with_init: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(FIXTURE).join("main.tf"),
        dir.path().join("main.tf"),
    )
    .unwrap();
    if with_init {
        let installed = dir.path().join(".terraform/modules/orders_db");
        std::fs::create_dir_all(&installed).unwrap();
        for file in ["modules.json", "orders_db/main.tf"] {
            std::fs::copy(
                Path::new(FIXTURE).join(".terraform/modules").join(file),
                dir.path().join(".terraform/modules").join(file),
            )
            .unwrap();
        }
    }
    dir
}

/// The registry module's database is modelled from `.terraform/modules`: the finding is on the
/// module's resource, its deciding line is the input the caller set, the call is related.
#[test]
fn an_installed_registry_module_is_read_from_modules_json() {
    let (report, stderr) = scan(Path::new(FIXTURE));
    let finding = findings(&report)
        .iter()
        .find(|f| f["rule_id"] == "TM-I004")
        .unwrap_or_else(|| panic!("{report} {stderr}"));
    assert_eq!(
        finding["subject"]["id"],
        "tf:module.orders_db.aws_db_instance.this"
    );
    assert_eq!(finding["location"]["file"], format!("{FIXTURE}/main.tf"));
    assert_eq!(finding["location"]["start"]["line"], 8, "encrypted = false");
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
    let module_file = format!("{FIXTURE}/.terraform/modules/orders_db/main.tf");
    assert!(related.contains(&(module_file.as_str(), 10)), "{related:?}");
    assert!(
        related.contains(&(format!("{FIXTURE}/main.tf").as_str(), 4)),
        "{related:?}"
    );
    assert!(
        !diagnostic_codes(&report).contains(&"terraform-remote-module".to_string()),
        "{report}"
    );
}

/// Without `terraform init`, the same call is a note and nothing of the module is modelled.
#[test]
fn without_modules_json_a_remote_module_stays_a_note() {
    let dir = copy_fixture(false);
    let (report, _) = scan(dir.path());
    assert!(findings(&report).is_empty(), "{report}");
    assert!(
        diagnostic_codes(&report).contains(&"terraform-remote-module".to_string()),
        "{report}"
    );
}

/// A `modules.json` that names a folder outside the root module's `.terraform/modules` is
/// refused and said; the module is not read.
#[test]
fn an_installed_folder_outside_terraform_modules_is_refused() {
    let dir = copy_fixture(true);
    let outside = dir.path().join("elsewhere");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::copy(
        dir.path().join(".terraform/modules/orders_db/main.tf"),
        outside.join("main.tf"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".terraform/modules/modules.json"),
        r#"{"Modules":[{"Key":"orders_db","Source":"example-org/database/aws","Dir":".terraform/modules/../../elsewhere"}]}"#,
    )
    .unwrap();
    let (report, stderr) = scan(dir.path());
    let codes = diagnostic_codes(&report);
    assert!(
        codes.contains(&"terraform-module-outside".to_string()),
        "{codes:?} {stderr}"
    );
    assert!(
        !findings(&report)
            .iter()
            .any(|f| f["subject"]["id"] == "tf:module.orders_db.aws_db_instance.this"),
        "{report}"
    );
}

/// A `.terraform/modules` that is a symlink out of the scanned tree is never read.
#[cfg(unix)]
#[test]
fn a_symlinked_terraform_modules_folder_is_not_followed() {
    let outside = copy_fixture(true);
    let dir = copy_fixture(false);
    std::fs::create_dir_all(dir.path().join(".terraform")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join(".terraform/modules"),
        dir.path().join(".terraform/modules"),
    )
    .unwrap();
    let (report, _) = scan(dir.path());
    assert!(findings(&report).is_empty(), "{report}");
    assert!(
        diagnostic_codes(&report).contains(&"file-outside-roots".to_string()),
        "{report}"
    );
}

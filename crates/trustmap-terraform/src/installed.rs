//! Modules that `terraform init` installed: `.terraform/modules/modules.json` beside a root
//! module maps every module call (by its key, `vpc` or `vpc.subnets`) to the folder it was
//! downloaded to, so that registry, git and other remote modules are read from disk, never
//! fetched.

use std::collections::BTreeMap;

/// Where `modules.json` lies, relative to the root module's folder.
pub const MODULES_JSON: &str = ".terraform/modules/modules.json";

/// One module call that `terraform init` installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledModule {
    /// The module path: call names joined by `.` (`vpc`, `vpc.subnets`); empty for the root.
    pub key: String,
    /// The source as written in the call.
    pub source: String,
    /// The folder, relative to the root module's folder (`.terraform/modules/vpc`).
    pub dir: String,
}

impl InstalledModule {
    /// Whether `terraform init` downloaded it (a remote source, or a local source inside a
    /// downloaded module), rather than found it in the tree (a local source of the tree).
    pub fn is_downloaded(&self) -> bool {
        let local = self.source.starts_with("./") || self.source.starts_with("../");
        !self.key.is_empty() && (!local || self.dir.starts_with(".terraform/"))
    }

    /// Its folder, when it lies in the root module's `.terraform/modules` (no `..`, not
    /// absolute): the only place a downloaded module is read from.
    pub fn installed_dir(&self) -> Option<&str> {
        let dir = self.dir.strip_prefix("./").unwrap_or(&self.dir);
        let clean = dir
            .split('/')
            .all(|part| !part.is_empty() && part != ".." && part != "." && !part.contains(':'));
        (clean && dir.starts_with(".terraform/modules/")).then_some(dir)
    }
}

/// The modules a `modules.json` names, by key.
///
/// # Errors
/// The file is not the JSON `terraform init` writes (the message names the cause, never the
/// content).
pub fn installed_modules(text: &str) -> Result<BTreeMap<String, InstalledModule>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let manifest: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: not valid JSON", e.line(), e.column()))?;
    let entries = manifest
        .get("Modules")
        .and_then(serde_json::Value::as_array)
        .ok_or("no \"Modules\" list: not the modules.json that terraform init writes")?;
    let field = |entry: &serde_json::Value, name: &str| {
        entry
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(entries
        .iter()
        .map(|entry| {
            let module = InstalledModule {
                key: field(entry, "Key"),
                source: field(entry, "Source"),
                dir: field(entry, "Dir").replace('\\', "/"),
            };
            (module.key.clone(), module)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_folders() {
        let text = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},
            {"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.0.0","Dir":".terraform/modules/vpc"},
            {"Key":"local","Source":"./modules/x","Dir":"modules/x"},
            {"Key":"vpc.sub","Source":"./modules/sub","Dir":".terraform\\modules\\vpc\\modules\\sub"}]}"#;
        let modules = installed_modules(text).unwrap();
        assert_eq!(modules["vpc"].dir, ".terraform/modules/vpc");
        assert!(modules["vpc"].is_downloaded());
        assert!(modules["vpc.sub"].is_downloaded());
        assert!(!modules["local"].is_downloaded());
        assert!(!modules[""].is_downloaded());
        assert_eq!(
            modules["vpc.sub"].installed_dir(),
            Some(".terraform/modules/vpc/modules/sub")
        );
        let leaving = InstalledModule {
            key: "x".into(),
            source: "git::https://example.com/x.git".into(),
            dir: ".terraform/modules/../../../x".into(),
        };
        assert!(leaving.is_downloaded());
        assert_eq!(leaving.installed_dir(), None);
        assert!(installed_modules("{").is_err());
        assert!(installed_modules("[1]").is_err());
    }
}

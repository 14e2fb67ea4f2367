//! Docker compose files into the data-flow model.
//!
//! A compose project (one compose file and its override files, merged as `docker compose`
//! merges them) becomes: the docker host and the project as zones, each network as a zone
//! inside it (`internal: true` networks trusted more, having no way out), each service as a
//! process or, for well-known database, cache, queue and search images, a data store; published
//! ports as flows from the internet (or from the host, when bound to loopback); `depends_on`,
//! `links`, and connection strings or host names in the environment as flows between services;
//! named volumes and secrets as data stores; the docker socket as a flow into the host. Every
//! attribute keeps the span that set it.

mod interpolate;
mod merge;
mod ports;
mod project;

pub use interpolate::{Interpolated, Variables};
pub use project::parse_project;

/// A file's path (relative to the scan root, `/`-separated) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the scan root.
    pub path: String,
    /// The text.
    pub text: String,
}

/// Reads files a compose file refers to (`env_file:`). Implementations confine reads to the
/// scanned roots and bound their size; the error is a sentence for the user.
pub trait FileReader: Sync {
    /// Reads `path`, relative to the scan root.
    ///
    /// # Errors
    /// The file is missing, outside the scanned roots, too large or not text.
    fn read(&self, path: &str) -> Result<SourceFile, String>;
}

/// One compose project to parse.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    /// The project's key in ids (`shop` in `compose:shop/service/web`).
    pub project: String,
    /// The compose file, then its override files in the order compose applies them.
    pub files: Vec<SourceFile>,
    /// The project's `.env` file, when there is one.
    pub env: Option<SourceFile>,
}

/// Whether a YAML text looks like a compose file: a top-level `services:` mapping, and none
/// of Kubernetes' `apiVersion`/`kind`. This is a cheap line test for discovery; the parser
/// decides for real.
pub fn looks_like_compose(text: &str) -> bool {
    let top_level = |key: &str| text.lines().any(|l| l.starts_with(key));
    top_level("services:") && !(top_level("apiVersion:") && top_level("kind:"))
}

/// Whether a YAML text found by content (not by name) is a compose file: it parses, its top
/// level is a mapping with a `services:` mapping of mappings, and it has no Kubernetes
/// `apiVersion`/`kind`. Other YAML files with a `services:` key (CI configurations, application
/// settings) are not inputs, so they are skipped rather than reported as broken compose files.
pub fn is_compose_document(text: &str) -> bool {
    if !looks_like_compose(text) {
        return false;
    }
    let limits = trustmap_yaml::Limits {
        max_depth: 64,
        max_nodes: 500_000,
    };
    let Ok(loaded) = trustmap_yaml::load(text, &limits) else {
        return false;
    };
    let Some(root) = loaded.documents.first() else {
        return false;
    };
    let services = root.get("services").and_then(|s| s.as_mapping());
    root.get("apiVersion").is_none()
        && services.is_some_and(|entries| {
            !entries.is_empty() && entries.iter().all(|(_, v)| v.as_mapping().is_some())
        })
}

/// The file names compose reads by default, in the order it looks for them.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The override files compose looks for beside a default file, in its order: the same stem
/// with `.override`, either extension (`compose.yaml` takes `compose.override.yml` too).
pub fn overrides_for(default_file: &str) -> Vec<String> {
    let Some((stem, _)) = default_file.rsplit_once('.') else {
        return Vec::new();
    };
    if !DEFAULT_FILES.contains(&default_file) {
        return Vec::new();
    }
    vec![
        format!("{stem}.override.yaml"),
        format!("{stem}.override.yml"),
    ]
}

/// Whether a file name is a compose file by name: `compose.yaml`, `docker-compose*.yml`,
/// `*.compose.yaml`, `compose.*.yaml` (and `.yml`).
pub fn is_compose_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
    else {
        return false;
    };
    stem == "compose"
        || stem.starts_with("docker-compose")
        || stem.ends_with(".compose")
        || stem.starts_with("compose.")
}

//! Finding input files and grouping compose files into projects.

use crate::files::{ReadError, Root, Roots};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;
use trustmap_compose::{DEFAULT_FILES, ProjectInput, SourceFile};
use trustmap_kubernetes::ManifestFile;
use trustmap_terraform::{DocumentKind, RootModule, TerraformFile};

/// Variable files Terraform reads by itself: `terraform.tfvars` and `*.auto.tfvars`.
fn is_var_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "terraform.tfvars" || name.ends_with(".auto.tfvars") || name.ends_with(".tfvars")
}
use trustmap_model::{Diagnostic, DiagnosticLevel};

/// Folders never entered: version control, dependencies, Terraform's provider cache.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", ".terraform"];

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Compose projects, sorted by project key.
    pub compose_projects: Vec<ProjectInput>,
    /// Kubernetes manifest files, sorted by path.
    pub manifests: Vec<ManifestFile>,
    /// Terraform root modules, sorted by folder.
    pub terraform_roots: Vec<RootModule>,
    /// Every folder's Terraform files, for local module calls.
    pub terraform_folders: BTreeMap<String, Vec<TerraformFile>>,
    /// Every input file that will be parsed, sorted.
    pub files: Vec<String>,
    /// Files that could not be read, symlinks not followed, loops.
    pub diagnostics: Vec<Diagnostic>,
}

/// How a file was picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// Its name says it is a compose file.
    ComposeByName,
    /// A YAML file whose content may be compose or Kubernetes.
    Yaml,
    /// A JSON file whose content may be Kubernetes.
    Json,
    /// A Terraform file (`.tf`, `.tf.json`, `.tfvars`).
    Terraform,
}

struct Candidate {
    display: String,
    path: PathBuf,
    pick: Pick,
}

/// Walks every root in parallel and returns the inputs, grouped and sorted. JSON files are
/// Terraform plans or states when their content says so, or every one of them when
/// `terraform_input` says what they are.
pub fn discover(roots: &Roots, terraform_input: Option<DocumentKind>) -> Discovered {
    let candidates: Mutex<Vec<Candidate>> = Mutex::new(Vec::new());
    let visible: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let diagnostics: Mutex<Vec<Diagnostic>> = Mutex::new(Vec::new());
    for root in &roots.roots {
        walk(roots, root, &candidates, &visible, &diagnostics);
    }
    roots.set_visible(visible.into_inner().unwrap_or_default());
    let mut candidates = candidates.into_inner().unwrap_or_default();
    let mut diagnostics = diagnostics.into_inner().unwrap_or_default();
    candidates.sort_by(|a, b| a.display.cmp(&b.display));
    candidates.dedup_by(|a, b| a.display == b.display);

    // Read every candidate; group compose files by folder.
    let mut by_dir: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
    let mut manifests: Vec<ManifestFile> = Vec::new();
    let mut terraform: BTreeMap<String, Vec<TerraformFile>> = BTreeMap::new();
    let mut documents: BTreeMap<String, Vec<TerraformFile>> = BTreeMap::new();
    for candidate in candidates {
        match roots.read_path(&candidate.path) {
            Ok(text)
                if candidate.pick == Pick::Json
                    && (terraform_input.is_some()
                        || trustmap_terraform::sniff(&text).is_some()) =>
            {
                documents
                    .entry(parent_dir(&candidate.display))
                    .or_default()
                    .push(TerraformFile {
                        path: candidate.display,
                        text,
                    });
            }
            Ok(text) if candidate.pick == Pick::Terraform => {
                let dir = parent_dir(&candidate.display);
                terraform.entry(dir).or_default().push(TerraformFile {
                    path: candidate.display,
                    text,
                });
            }
            Ok(text) => {
                let is_compose = candidate.pick == Pick::ComposeByName
                    || (candidate.pick == Pick::Yaml
                        && trustmap_compose::is_compose_document(&text));
                if !is_compose && trustmap_kubernetes::looks_like_kubernetes(&text) {
                    manifests.push(ManifestFile {
                        path: candidate.display,
                        text,
                    });
                } else if is_compose {
                    let dir = parent_dir(&candidate.display);
                    by_dir.entry(dir).or_default().push(SourceFile {
                        path: candidate.display,
                        text,
                    });
                }
            }
            Err(error) => {
                // A file picked by name is an input that could not be read: the scan is
                // incomplete. A YAML file that might have been compose is only noted.
                let level = match (candidate.pick, &error) {
                    (Pick::ComposeByName | Pick::Terraform, _) => DiagnosticLevel::Error,
                    (Pick::Yaml | Pick::Json, ReadError::TooLarge(_)) => DiagnosticLevel::Note,
                    (Pick::Yaml | Pick::Json, _) => continue,
                };
                let code = match error {
                    ReadError::TooLarge(_) => "file-too-large",
                    ReadError::Binary => "file-binary",
                    ReadError::OutsideRoots => "file-outside-roots",
                    ReadError::Ignored => "file-ignored",
                    ReadError::Io(_) => "file-unreadable",
                };
                diagnostics.push(Diagnostic::file(
                    level,
                    code,
                    candidate.display,
                    format!("not scanned: {error}"),
                ));
            }
        }
    }

    let mut discovered = Discovered::default();
    // Terraform: every folder of .tf files is a root module unless another scanned module
    // calls it as a local module; variable files belong to their folder's root.
    let modules: BTreeMap<String, Vec<TerraformFile>> = terraform
        .iter()
        .map(|(dir, files)| {
            (
                dir.clone(),
                files
                    .iter()
                    .filter(|f| !f.path.ends_with(".tfvars"))
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let called = trustmap_terraform::called_folders(&modules);
    let dirs: BTreeSet<&String> = terraform.keys().chain(documents.keys()).collect();
    for dir in dirs {
        let files = terraform.get(dir).cloned().unwrap_or_default();
        let documents = documents.get(dir).cloned().unwrap_or_default();
        let (var_files, module_files): (Vec<TerraformFile>, Vec<TerraformFile>) =
            files.iter().cloned().partition(|f| is_var_file(&f.path));
        discovered
            .files
            .extend(files.iter().chain(&documents).map(|f| f.path.clone()));
        if documents.is_empty() && (module_files.is_empty() || called.contains(dir)) {
            continue;
        }
        discovered.terraform_roots.push(RootModule {
            dir: dir.clone(),
            files: module_files,
            var_files,
            documents,
            document_kind: terraform_input,
        });
    }
    discovered.terraform_folders = modules;
    discovered
        .files
        .extend(manifests.iter().map(|m| m.path.clone()));
    discovered.manifests = manifests;
    for (dir, files) in by_dir {
        let env = read_env(roots, &dir);
        for project in group_projects(roots, &dir, files, env) {
            discovered
                .files
                .extend(project.files.iter().map(|f| f.path.clone()));
            discovered.compose_projects.push(project);
        }
    }
    discovered
        .compose_projects
        .sort_by(|a, b| a.project.cmp(&b.project));
    discovered.files.sort();
    diagnostics.sort();
    discovered.diagnostics = diagnostics;
    discovered
}

fn walk(
    roots: &Roots,
    root: &Root,
    candidates: &Mutex<Vec<Candidate>>,
    visible: &Mutex<BTreeSet<String>>,
    diagnostics: &Mutex<Vec<Diagnostic>>,
) {
    let mut builder = ignore::WalkBuilder::new(&root.given);
    builder
        .hidden(false)
        .parents(false)
        .git_global(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .ignore(true)
        .follow_links(true)
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED_DIRS.contains(&name.as_ref()))
        });
    builder.build_parallel().run(|| {
        Box::new(|result| {
            use ignore::WalkState;
            let entry = match result {
                Ok(entry) => entry,
                Err(error) => {
                    let path = error_path(&error)
                        .map(|p| roots.display(root, &p))
                        .unwrap_or_else(|| root.display.clone());
                    let message = if error.is_io() || !error.to_string().contains("loop") {
                        format!("not scanned: {error}")
                    } else {
                        format!("not scanned: a symlink loop ({error})")
                    };
                    if let Ok(mut d) = diagnostics.lock() {
                        d.push(Diagnostic::file(
                            DiagnosticLevel::Warning,
                            "walk",
                            path,
                            message,
                        ));
                    }
                    return WalkState::Continue;
                }
            };
            if entry.path_is_symlink() && !roots.contains(entry.path()) {
                if let Ok(mut d) = diagnostics.lock() {
                    d.push(Diagnostic::file(
                        DiagnosticLevel::Note,
                        "symlink-outside",
                        roots.display(root, entry.path()),
                        "not followed: the symlink leads outside the scanned paths",
                    ));
                }
                return WalkState::Skip;
            }
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            if let Ok(mut v) = visible.lock() {
                v.insert(roots.display(root, entry.path()));
            }
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            let pick = if trustmap_compose::is_compose_file_name(&name) {
                Pick::ComposeByName
            } else if name.ends_with(".tf")
                || name.ends_with(".tf.json")
                || name.ends_with(".tfvars")
            {
                Pick::Terraform
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                Pick::Yaml
            } else if name.ends_with(".json") || name.ends_with(".tfstate") {
                Pick::Json
            } else {
                return WalkState::Continue;
            };
            let candidate = Candidate {
                display: roots.display(root, entry.path()),
                path: entry.path().to_path_buf(),
                pick,
            };
            if let Ok(mut c) = candidates.lock() {
                c.push(candidate);
            }
            WalkState::Continue
        })
    });
}

/// The folder of a displayed path (`""` at the root).
fn parent_dir(display: &str) -> String {
    display
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_string())
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn read_env(roots: &Roots, dir: &str) -> Option<SourceFile> {
    let path = if dir.is_empty() {
        ".env".to_string()
    } else {
        format!("{dir}/.env")
    };
    roots
        .read_display(&path)
        .ok()
        .map(|text| SourceFile { path, text })
}

/// Groups one folder's compose files into projects as `docker compose` would run them: the
/// default file (the first of `compose.yaml`, `compose.yml`, `docker-compose.yaml`,
/// `docker-compose.yml`) with its `.override` file is one project keyed by the folder; every
/// other compose file is a project of its own, keyed by its path without extension.
fn group_projects(
    roots: &Roots,
    dir: &str,
    mut files: Vec<SourceFile>,
    env: Option<SourceFile>,
) -> Vec<ProjectInput> {
    let name_of = |f: &SourceFile| f.path.rsplit('/').next().unwrap_or(&f.path).to_string();
    let folder_key = if dir.is_empty() {
        root_name(roots)
    } else {
        dir.to_string()
    };
    let mut projects = Vec::new();
    if let Some(default) = DEFAULT_FILES
        .iter()
        .find_map(|d| files.iter().position(|f| name_of(f) == *d))
    {
        let base = files.remove(default);
        let mut inputs = vec![base.clone()];
        let overrides = trustmap_compose::overrides_for(&name_of(&base));
        if let Some(i) = files.iter().position(|f| overrides.contains(&name_of(f))) {
            inputs.push(files.remove(i));
        }
        projects.push(ProjectInput {
            project: folder_key.clone(),
            files: inputs,
            env: env.clone(),
        });
    }
    for file in files {
        let stem = file
            .path
            .rsplit_once('.')
            .map_or(file.path.as_str(), |(s, _)| s)
            .to_string();
        let key = if dir.is_empty() {
            format!("{folder_key}/{stem}")
        } else {
            stem
        };
        projects.push(ProjectInput {
            project: key,
            files: vec![file],
            env: env.clone(),
        });
    }
    projects
}

/// The name of the scanned folder, for files at its top (as compose names a project after its
/// folder).
fn root_name(roots: &Roots) -> String {
    roots
        .roots
        .first()
        .and_then(|r| {
            let folder = if r.canonical.is_file() {
                r.canonical.parent()?.to_path_buf()
            } else {
                r.canonical.clone()
            };
            folder.file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "project".to_string())
}

//! Finding input files and grouping compose files into projects.

use crate::files::{ReadError, Root, Roots, SKIPPED_DIRS};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use trustmap_compose::{DEFAULT_FILES, ProjectInput, SourceFile};
use trustmap_kubernetes::ManifestFile;
use trustmap_model::Code;
use trustmap_terraform::{DocumentKind, RootModule, TerraformFile};

use trustmap_model::{Budget, Diagnostic, DiagnosticLevel, Limit};

/// Variable files: `terraform.tfvars`, `*.auto.tfvars` and their `.json` forms, which
/// Terraform reads by itself, and other `.tfvars` files of the folder.
fn is_var_file(path: &str) -> bool {
    path.ends_with(".tfvars") || path.ends_with(".tfvars.json")
}

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
    /// A Terraform file (`.tf`, `.tf.json`, `.tfvars`, `.tfvars.json`).
    Terraform,
    /// A file named on the command line whose name says nothing: read by content.
    Named,
}

struct Candidate {
    display: String,
    path: PathBuf,
    pick: Pick,
}

/// Walks every root in parallel and returns the inputs, grouped and sorted. JSON files are
/// Terraform plans or states when their content says so, or every one of them when
/// `terraform_input` says what they are.
pub fn discover(
    roots: &Roots,
    terraform_input: Option<DocumentKind>,
    exclude: &Exclude,
) -> Discovered {
    let candidates: Mutex<Vec<Candidate>> = Mutex::new(Vec::new());
    let visible: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let diagnostics: Mutex<Vec<Diagnostic>> = Mutex::new(Vec::new());
    for (index, root) in roots.roots.iter().enumerate() {
        let excluded = exclude.by_root.get(index).and_then(Option::as_ref);
        walk(roots, root, excluded, &candidates, &visible, &diagnostics);
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
        let text = match roots.read_found(&candidate.path) {
            Ok(text) => text,
            Err(error) => {
                // A file picked by name is an input that could not be read: the scan is
                // incomplete. A YAML or JSON file too large or binary is an input when its
                // head says so, and only noted otherwise (a lock file, a data file).
                let level = match (candidate.pick, &error) {
                    (Pick::Yaml | Pick::Json, ReadError::TooLarge(_) | ReadError::Binary)
                        if !roots.head_looks_like_input(&candidate.path) =>
                    {
                        DiagnosticLevel::Note
                    }
                    _ => DiagnosticLevel::Error,
                };
                diagnostics.push(Diagnostic::file(
                    level,
                    error.code(),
                    candidate.display,
                    format!("not scanned: {error}"),
                ));
                continue;
            }
        };
        let plan_like = matches!(candidate.pick, Pick::Json | Pick::Named)
            && (terraform_input.is_some() || trustmap_terraform::has_document_markers(&text));
        if plan_like {
            documents
                .entry(parent_dir(&candidate.display))
                .or_default()
                .push(TerraformFile {
                    path: candidate.display,
                    text,
                });
            continue;
        }
        if candidate.pick == Pick::Terraform {
            let dir = parent_dir(&candidate.display);
            terraform.entry(dir).or_default().push(TerraformFile {
                path: candidate.display,
                text,
            });
            continue;
        }
        let is_compose = candidate.pick == Pick::ComposeByName
            || (matches!(candidate.pick, Pick::Yaml | Pick::Named)
                && trustmap_compose::is_compose_document(&text));
        if is_compose {
            let dir = parent_dir(&candidate.display);
            by_dir.entry(dir).or_default().push(SourceFile {
                path: candidate.display,
                text,
            });
        } else if trustmap_kubernetes::looks_like_kubernetes(&text)
            || trustmap_kubernetes::is_kustomization_file(&candidate.display)
        {
            manifests.push(ManifestFile {
                path: candidate.display,
                text,
            });
        } else if candidate.pick == Pick::Named {
            diagnostics.push(Diagnostic::file(
                DiagnosticLevel::Error,
                Code::FileNotAnInput,
                candidate.display,
                "not scanned: not a compose file, a Kubernetes manifest, Terraform, or a \
                 Terraform plan or state",
            ));
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
                    .filter(|f| !is_var_file(&f.path))
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let mut modules = modules;
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
        let mut root = RootModule {
            dir: dir.clone(),
            files: module_files,
            var_files,
            documents,
            document_kind: terraform_input,
        };
        let installed = read_installed_modules(roots, &mut root, &mut modules, &mut diagnostics);
        discovered.files.extend(installed);
        discovered.terraform_roots.push(root);
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

/// The paths a scan excludes (`--exclude`): one matcher per root, built from the patterns as
/// if they were the lines of a `.ignore` file at the top of that root.
#[derive(Default)]
pub struct Exclude {
    by_root: Vec<Option<Gitignore>>,
}

impl Exclude {
    /// The matchers of `patterns` for every root (none when there is no pattern).
    ///
    /// # Errors
    /// A pattern that is not a valid glob.
    pub fn new(roots: &Roots, patterns: &[String]) -> Result<Exclude, crate::ScanError> {
        if patterns.is_empty() {
            return Ok(Exclude::default());
        }
        let mut by_root = Vec::new();
        for root in &roots.roots {
            let mut builder = GitignoreBuilder::new(&root.given);
            for pattern in patterns {
                builder
                    .add_line(None, pattern)
                    .map_err(|e| crate::ScanError {
                        path: format!("--exclude {pattern}"),
                        reason: format!("not a valid pattern: {e}"),
                    })?;
            }
            by_root.push(builder.build().ok());
        }
        Ok(Exclude { by_root })
    }
}

/// The modules `terraform init` installed for a root module: its
/// `.terraform/modules/modules.json` joins the root's files, and the Terraform files of every
/// folder it names as downloaded join `folders`, read through the gate's one exception for
/// them ([`Roots::read_installed`]). Without a `modules.json`, nothing. Returns the files read.
fn read_installed_modules(
    roots: &Roots,
    root: &mut RootModule,
    folders: &mut BTreeMap<String, Vec<TerraformFile>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let join = |dir: &str, path: &str| {
        if dir.is_empty() {
            path.to_string()
        } else {
            format!("{dir}/{path}")
        }
    };
    let manifest = join(&root.dir, trustmap_terraform::MODULES_JSON);
    let mut refused = |display: &str, error: ReadError| {
        diagnostics.push(Diagnostic::file(
            DiagnosticLevel::Warning,
            error.code(),
            display,
            format!(
                "not scanned: {error}; the modules that terraform init installed are not modelled"
            ),
        ));
    };
    let text = match roots.read_installed(&root.dir, &manifest) {
        Ok(text) => text,
        // No `terraform init` here: remote modules stay noted. Any other refusal (a folder
        // that cannot be read) is said.
        Err(ReadError::NotFound) => return Vec::new(),
        Err(error) => {
            refused(&manifest, error);
            return Vec::new();
        }
    };
    let mut read = vec![manifest.clone()];
    // A malformed file is reported by the evaluation, which reads it again.
    let installed = trustmap_terraform::installed_modules(&text).unwrap_or_default();
    root.files.push(TerraformFile {
        path: manifest,
        text,
    });
    for module in installed.values().filter(|m| m.is_downloaded()) {
        let Some(dir) = module.installed_dir() else {
            continue;
        };
        let folder = join(&root.dir, dir);
        if folders.contains_key(&folder) {
            continue;
        }
        let listing = roots
            .confine_installed(&root.dir, &folder)
            .and_then(|path| std::fs::read_dir(path).map_err(|e| ReadError::Io(e.to_string())));
        let entries = match listing {
            Ok(entries) => entries,
            Err(error) => {
                refused(&folder, error);
                continue;
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tf") || name.ends_with(".tf.json"))
            .collect();
        names.sort();
        let mut files = Vec::new();
        for name in names {
            let display = format!("{folder}/{name}");
            match roots.read_installed(&root.dir, &display) {
                Ok(text) => {
                    read.push(display.clone());
                    files.push(TerraformFile {
                        path: display,
                        text,
                    });
                }
                Err(error) => refused(&display, error),
            }
        }
        folders.insert(folder, files);
    }
    read
}

/// The `.gitignore` and `.ignore` matchers of the folders walked so far, read through the
/// gate and within the ignore-bytes budget.
struct IgnoreFiles<'a> {
    roots: &'a Roots,
    budget: Budget,
    by_dir: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    diagnostics: &'a Mutex<Vec<Diagnostic>>,
}

/// The ignore files git and ripgrep read in every folder.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];

impl<'a> IgnoreFiles<'a> {
    fn new(roots: &'a Roots, diagnostics: &'a Mutex<Vec<Diagnostic>>) -> Self {
        IgnoreFiles {
            roots,
            budget: Budget::new(Limit::IgnoreBytes, &roots.limits),
            by_dir: Mutex::new(HashMap::new()),
            diagnostics,
        }
    }

    fn report(&self, diagnostic: Diagnostic) {
        if let Ok(mut d) = self.diagnostics.lock() {
            d.push(diagnostic);
        }
    }

    /// The matcher of one folder (`None` when it has no ignore file).
    fn matcher(&self, root: &Root, dir: &Path) -> Option<Arc<Gitignore>> {
        let Ok(mut by_dir) = self.by_dir.lock() else {
            return None;
        };
        if let Some(found) = by_dir.get(dir) {
            return found.clone();
        }
        let mut builder = GitignoreBuilder::new(dir);
        let mut any = false;
        for name in IGNORE_FILES {
            let path = dir.join(name);
            let Ok(metadata) = path.symlink_metadata() else {
                continue;
            };
            let display = self.roots.display(root, &path);
            if !self.budget.take(metadata.len()) {
                self.report(self.budget.diagnostic(
                    trustmap_model::Span::lines(display, 1, 1),
                    "this ignore file was not applied, so the files it excludes are scanned",
                ));
                continue;
            }
            match self.roots.read_found(&path) {
                Ok(text) => {
                    for line in text.lines() {
                        // A pattern the glob syntax refuses is skipped, as git skips it.
                        let _ = builder.add_line(None, line);
                    }
                    any = true;
                }
                Err(error) => self.report(Diagnostic::file(
                    DiagnosticLevel::Warning,
                    error.code(),
                    display,
                    format!("ignore file not applied: {error}"),
                )),
            }
        }
        let matcher = if any {
            builder.build().ok().map(Arc::new)
        } else {
            None
        };
        by_dir.insert(dir.to_path_buf(), matcher.clone());
        matcher
    }

    /// Whether the ignore files of the folders from `root` down to the entry's folder
    /// exclude it: the nearest folder that has a say decides, as in git.
    fn ignored(&self, root: &Root, path: &Path, is_dir: bool) -> bool {
        let mut dir = path.parent();
        while let Some(folder) = dir {
            if !folder.starts_with(&root.given) {
                break;
            }
            if let Some(matcher) = self.matcher(root, folder) {
                match matcher.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return true,
                    ignore::Match::Whitelist(_) => return false,
                    ignore::Match::None => {}
                }
            }
            if folder == root.given {
                break;
            }
            dir = folder.parent();
        }
        false
    }
}

/// How a file name says the file may be an input, if it does.
fn pick_by_name(name: &str) -> Option<Pick> {
    let name = name.to_ascii_lowercase();
    if trustmap_compose::is_compose_file_name(&name) {
        Some(Pick::ComposeByName)
    } else if name.ends_with(".tf")
        || name.ends_with(".tf.json")
        || name.ends_with(".tfvars")
        || name.ends_with(".tfvars.json")
    {
        Some(Pick::Terraform)
    } else if name.ends_with(".yaml") || name.ends_with(".yml") {
        Some(Pick::Yaml)
    } else if name.ends_with(".json") || name.ends_with(".tfstate") {
        Some(Pick::Json)
    } else {
        None
    }
}

fn walk(
    roots: &Roots,
    root: &Root,
    excluded: Option<&Gitignore>,
    candidates: &Mutex<Vec<Candidate>>,
    visible: &Mutex<BTreeSet<String>>,
    diagnostics: &Mutex<Vec<Diagnostic>>,
) {
    let report = |diagnostic: Diagnostic| {
        if let Ok(mut d) = diagnostics.lock() {
            d.push(diagnostic);
        }
    };
    // A file named on the command line is an input whatever its name: its content says
    // what it is (`trustmap diff --deployed compose.bak`).
    if let Ok(metadata) = std::fs::metadata(&root.given)
        && !metadata.is_dir()
    {
        let name = root.given.file_name().unwrap_or_default().to_string_lossy();
        let candidate = Candidate {
            display: root.display.clone(),
            path: root.given.clone(),
            pick: pick_by_name(&name).unwrap_or(Pick::Named),
        };
        if let Ok(mut v) = visible.lock() {
            v.insert(candidate.display.clone());
        }
        if let Ok(mut c) = candidates.lock() {
            c.push(candidate);
        }
        return;
    }
    // Ignore files are read by [`IgnoreFiles`] through the gate, not by the walker.
    let ignore_files = IgnoreFiles::new(roots, diagnostics);
    let mut builder = ignore::WalkBuilder::new(&root.given);
    builder
        .standard_filters(false)
        .hidden(false)
        .parents(false)
        .follow_links(true);
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
                    report(Diagnostic::file(
                        DiagnosticLevel::Warning,
                        Code::Walk,
                        path,
                        message,
                    ));
                    return WalkState::Continue;
                }
            };
            if entry.depth() == 0 {
                return WalkState::Continue;
            }
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name().to_string_lossy();
            if is_dir && SKIPPED_DIRS.contains(&name.as_ref()) {
                return WalkState::Skip;
            }
            if entry.path_is_symlink()
                && let Err(error) = roots.confine(entry.path())
            {
                report(Diagnostic::file(
                    DiagnosticLevel::Note,
                    match error {
                        ReadError::SkippedDir(_) => Code::SymlinkSkippedFolder,
                        _ => Code::SymlinkOutside,
                    },
                    roots.display(root, entry.path()),
                    format!("not followed: {error}"),
                ));
                return WalkState::Skip;
            }
            if ignore_files.ignored(root, entry.path(), is_dir)
                || excluded.is_some_and(|m| {
                    m.matched_path_or_any_parents(entry.path(), is_dir)
                        .is_ignore()
                })
            {
                return WalkState::Skip;
            }
            if is_dir {
                return WalkState::Continue;
            }
            let display = roots.display(root, entry.path());
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file && let Ok(mut v) = visible.lock() {
                v.insert(display.clone());
            }
            let Some(pick) = pick_by_name(&name) else {
                return WalkState::Continue;
            };
            if !is_file {
                let kind = if entry.file_type().is_some_and(|t| t.is_symlink()) {
                    "a broken symlink"
                } else {
                    "a FIFO, device or socket"
                };
                report(Diagnostic::file(
                    DiagnosticLevel::Error,
                    Code::FileNotRegular,
                    display,
                    format!("not scanned: not a regular file ({kind})"),
                ));
                return WalkState::Continue;
            }
            if let Ok(mut c) = candidates.lock() {
                c.push(Candidate {
                    display,
                    path: entry.path().to_path_buf(),
                    pick,
                });
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

//! From paths on disk to the model: find the input files, parse them in parallel, assemble.
//!
//! Discovery walks the given paths (honouring `.gitignore`, skipping `.git`, `node_modules`
//! and `.terraform`), never leaves them (a symlink that points outside is not followed, a
//! symlink loop is reported), bounds every file's size, and classifies files by name and, for
//! other YAML files, by content. Each input is then parsed on the rayon pool into a
//! [`Fragment`]; the fragments are sorted and assembled into one [`Model`].

mod discover;
mod files;

pub use discover::{Discovered, discover};
pub use files::{ReadError, Roots, read_regular_file};
pub use trustmap_terraform::DocumentKind;

use rayon::prelude::*;
use std::path::PathBuf;
use trustmap_compose::ProjectInput;
use trustmap_model::{Diagnostic, DiagnosticLevel, Fragment, Limits, Model};

/// What a scan may read.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// The bounds of the scan (file size, total bytes, YAML nodes, evaluation, ...).
    pub limits: Limits,
    /// Terraform variable files given with `--var-file`, applied to every root module after
    /// the ones Terraform reads by itself.
    pub var_files: Vec<PathBuf>,
    /// What JSON inputs are (`--input terraform-plan`); by content when `None`.
    pub terraform_input: Option<trustmap_terraform::DocumentKind>,
    /// Scan only these files (`--files-from`): each must resolve inside the scanned paths;
    /// one that does not is refused with a diagnostic.
    pub only_files: Option<Vec<PathBuf>>,
    /// Paths not to scan (`--exclude`, `settings.exclude`): lines of a `.ignore` file at the
    /// top of each scanned folder (gitignore syntax), applied with the ones in the tree.
    pub exclude: Vec<String>,
}

/// A path given to the scan that cannot be scanned at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct ScanError {
    /// The path as given.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// The result of a scan: the model (with every diagnostic in it) and the inputs read.
#[derive(Debug)]
pub struct Scan {
    /// The assembled model; [`Model::diagnostics`] holds what could not be read.
    pub model: Model,
    /// The input files that were parsed, relative to the scan root, sorted.
    pub files: Vec<String>,
    /// Their text, by path (for decisions written as comments).
    pub texts: std::collections::BTreeMap<String, String>,
    /// The scanned roots: the gate through which any further file of the tree is read
    /// (the decisions file).
    pub roots: Roots,
}

/// Scans `paths`: discovery, parallel parsing, assembly.
///
/// # Errors
/// A path does not exist or cannot be read at all. Problems inside files are diagnostics in
/// the model, never errors.
pub fn scan(paths: &[PathBuf], options: &ScanOptions) -> Result<Scan, ScanError> {
    let (stdin, paths): (Vec<&PathBuf>, Vec<&PathBuf>) =
        paths.iter().partition(|p| p.as_os_str() == "-");
    let paths: Vec<PathBuf> = paths.into_iter().cloned().collect();
    let mut roots = Roots::new(&paths, options.limits)?;
    let mut refused = Vec::new();
    if let Some(listed) = &options.only_files {
        refused = roots.keep_only(listed);
    }
    let exclude = discover::Exclude::new(&roots, &options.exclude)?;
    let mut discovered = discover(&roots, options.terraform_input, &exclude);
    discovered.diagnostics.extend(refused);
    if !stdin.is_empty() {
        read_stdin(&roots, options, &mut discovered);
    }
    // Every YAML stream of the scan (compose files and manifests) takes from one budget.
    let limits = options.limits;
    let yaml_nodes = trustmap_model::Budget::new(trustmap_model::Limit::YamlNodes, &limits);
    let mut fragments: Vec<(String, Fragment)> = discovered
        .compose_projects
        .par_iter()
        .map(|project: &ProjectInput| {
            (
                project.project.clone(),
                trustmap_compose::parse_project(project, &roots, &limits, &yaml_nodes),
            )
        })
        .collect();
    fragments.sort_by(|a, b| a.0.cmp(&b.0));
    for path in &options.var_files {
        let text = roots.read_named(path).map_err(|e| ScanError {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let file = trustmap_terraform::TerraformFile {
            path: files::display_path(path),
            text,
        };
        for root in &mut discovered.terraform_roots {
            root.var_files.push(file.clone());
        }
    }
    if !discovered.terraform_roots.is_empty() {
        fragments.push((
            String::from("terraform"),
            trustmap_terraform::parse_root_modules(
                &discovered.terraform_roots,
                &discovered.terraform_folders,
                &limits,
            ),
        ));
    }
    if !discovered.manifests.is_empty() {
        fragments.push((
            String::from("kubernetes"),
            trustmap_kubernetes::parse_manifests(&discovered.manifests, &limits, &yaml_nodes),
        ));
    }
    let mut notices = Fragment {
        diagnostics: discovered.diagnostics,
        ..Fragment::default()
    };
    notices.diagnostics.sort();
    let mut all: Vec<Fragment> = vec![notices];
    all.extend(fragments.into_iter().map(|(_, f)| f));
    let texts = discovered
        .compose_projects
        .iter()
        .flat_map(|p| p.files.iter().map(|f| (f.path.clone(), f.text.clone())))
        .chain(
            discovered
                .manifests
                .iter()
                .map(|m| (m.path.clone(), m.text.clone())),
        )
        .chain(
            discovered
                .terraform_folders
                .values()
                .flatten()
                .map(|f| (f.path.clone(), f.text.clone())),
        )
        .collect();
    Ok(Scan {
        model: Model::build_with_limits(all, &options.limits),
        files: discovered.files,
        texts,
        roots,
    })
}

/// Standard input (`-`) is one file: a Terraform plan or state, compose or Kubernetes by
/// content (`terraform show -json plan.out | trustmap scan -`, `helm template ... | trustmap
/// scan -`, `kubectl get ... -o yaml | trustmap scan -`). Input over the size cap or not text
/// is an error diagnostic; the other paths are still scanned.
fn read_stdin(roots: &Roots, options: &ScanOptions, discovered: &mut Discovered) {
    let read = files::read_capped(std::io::stdin().lock(), roots.max_file_size());
    let path = "-".to_string();
    let text = match read {
        Ok(text) => text,
        Err(error) => {
            discovered.diagnostics.push(Diagnostic::file(
                DiagnosticLevel::Error,
                error.code(),
                path,
                format!("standard input not scanned: {error}"),
            ));
            return;
        }
    };
    discovered.files.push(path.clone());
    if options.terraform_input.is_some() || trustmap_terraform::has_document_markers(&text) {
        discovered
            .terraform_roots
            .push(trustmap_terraform::RootModule {
                dir: path.clone(),
                files: Vec::new(),
                var_files: Vec::new(),
                documents: vec![trustmap_terraform::TerraformFile { path, text }],
                document_kind: options.terraform_input,
            });
    } else if trustmap_compose::is_compose_document(&text) {
        discovered.compose_projects.push(ProjectInput {
            project: "stdin".into(),
            files: vec![trustmap_compose::SourceFile { path, text }],
            env: None,
        });
    } else {
        discovered
            .manifests
            .push(trustmap_kubernetes::ManifestFile { path, text });
    }
}

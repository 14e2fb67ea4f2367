//! Terraform into the data-flow model.
//!
//! Each root module (a folder of `.tf` files that no other scanned module calls) is loaded
//! with its variables, evaluated statically (locals, functions, `count`, `for_each`, dynamic
//! blocks, local modules; anything that depends on the provider or a data source stays
//! unknown, never guessed), and its resources are mapped into the model through the
//! resource-type catalog (`catalog/*.yaml`): networks and subnets as zones, firewall rules,
//! load-balancer listeners, public buckets and function URLs as flows, for AWS, Azure and
//! Google Cloud. Plans and states (`terraform show -json`) go through the same mapping.
#![deny(missing_docs)]

mod aws;
mod azure;
mod catalog;
mod cloud;
mod eval;
mod functions;
mod google;
mod hcl;
mod plan;
mod value;

pub use aws::ACCOUNT_ZONE;
pub use eval::{TerraformFile, evaluate_module};
pub use plan::{DocumentKind, SENSITIVE, sniff};
pub use value::{Resource, Value};

use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::Fragment;

/// One root module to evaluate.
#[derive(Debug, Clone)]
pub struct RootModule {
    /// Its folder, relative to the scan root (`""` for the root itself).
    pub dir: String,
    /// Its `.tf` and `.tf.json` files.
    pub files: Vec<TerraformFile>,
    /// Its variable files (`terraform.tfvars`, `*.auto.tfvars`).
    pub var_files: Vec<TerraformFile>,
    /// Plans and states of this folder (`terraform show -json`). When there are any, the model
    /// comes from them, and the source files only give the spans.
    pub documents: Vec<TerraformFile>,
    /// What the user said the documents are (`--input`); by content otherwise.
    pub document_kind: Option<DocumentKind>,
}

/// Evaluates every root module and maps its resources into one fragment. `folders` holds the
/// `.tf` files of every scanned folder, for local module calls. Element ids carry the root's
/// folder when there are several roots.
pub fn parse_root_modules(
    roots: &[RootModule],
    folders: &BTreeMap<String, Vec<TerraformFile>>,
) -> Fragment {
    let several = roots.len() > 1;
    let evaluate = |root: &RootModule| {
        let read = |dir: &str| folders.get(dir).cloned().unwrap_or_default();
        let (resources, mut diagnostics) = if root.files.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            evaluate_module(&root.files, &root.var_files, &read)
        };
        let prefix = if several { root.dir.as_str() } else { "" };
        if root.documents.is_empty() {
            let mut fragment = cloud_model(resources, prefix);
            fragment.diagnostics.extend(diagnostics);
            return fragment;
        }
        // A plan or state says what the source's expressions evaluate to: it is the model; the
        // source's notes about what it could not know no longer apply, its errors still do.
        diagnostics.retain(|d| d.level == trustmap_model::DiagnosticLevel::Error);
        let mut fragment = Fragment::default();
        for document in &root.documents {
            let prefix = if root.documents.len() > 1 {
                document.path.as_str()
            } else {
                prefix
            };
            let deployed = plan::read_document(
                &document.path,
                &document.text,
                root.document_kind,
                &resources,
                &mut diagnostics,
            );
            fragment.absorb(cloud_model(deployed, prefix));
        }
        let mut seen = BTreeSet::new();
        fragment.zones.retain(|z| seen.insert(z.id.clone()));
        fragment.diagnostics.extend(diagnostics);
        fragment
    };
    // HCL parsing and evaluation recurse (bounded, but deeply): run them on threads with a
    // stack that holds the bounds, whatever thread the caller is on.
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(roots.len().max(1));
    let chunk = roots.len().div_ceil(workers).max(1);
    let fragments: Vec<Fragment> = std::thread::scope(|scope| {
        let handles: Vec<_> = roots
            .chunks(chunk)
            .map(|slice| {
                std::thread::Builder::new()
                    .stack_size(32 * 1024 * 1024)
                    .spawn_scoped(scope, move || {
                        slice.iter().map(evaluate).collect::<Vec<_>>()
                    })
                    .expect("a thread for Terraform evaluation")
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut combined = Fragment::default();
    let mut zones = BTreeSet::new();
    for mut fragment in fragments {
        fragment.zones.retain(|z| zones.insert(z.id.clone()));
        combined.absorb(fragment);
    }
    combined
}

/// One provider's mapping from resources to a fragment.
type Mapping = fn(&[Resource], &str) -> Fragment;

/// Each provider's resources through its mapping (AWS, Azure, Google Cloud); resources of
/// other providers (`random_`, `null_`) are not part of the model.
fn cloud_model(resources: Vec<Resource>, prefix: &str) -> Fragment {
    let mappings: [(&str, Mapping); 3] = [
        ("aws_", aws::model),
        ("azurerm_", azure::model),
        ("google_", google::model),
    ];
    // Each provider's resources, moved (not copied) into their own list.
    let mut by_provider: [Vec<Resource>; 3] = Default::default();
    for resource in resources {
        if let Some(slot) = mappings
            .iter()
            .position(|(provider, _)| resource.kind.starts_with(provider))
        {
            by_provider[slot].push(resource);
        }
    }
    let mut fragment = Fragment::default();
    for ((_, model), own) in mappings.iter().zip(&by_provider) {
        if !own.is_empty() {
            fragment.absorb(model(own, prefix));
        }
    }
    fragment
}

/// The folders that scanned modules call as local modules (`source = "./modules/x"`): they are
/// evaluated through their callers, not as roots of their own.
pub fn called_folders(folders: &BTreeMap<String, Vec<TerraformFile>>) -> BTreeSet<String> {
    let pattern = regex::Regex::new(r#"source\s*=\s*"(\.\.?/[^"]*)""#).expect("valid regex");
    let mut called = BTreeSet::new();
    for (dir, files) in folders {
        for file in files {
            for caps in pattern.captures_iter(&file.text) {
                called.extend(trustmap_model::join_path_within(dir, &caps[1]));
            }
        }
    }
    called
}

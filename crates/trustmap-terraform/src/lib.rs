//! Terraform into the data-flow model.
//!
//! Each root module (a folder of `.tf` files that no other scanned module calls) is loaded
//! with its variables, evaluated statically (locals, functions, `count`, `for_each`, dynamic
//! blocks, local modules; anything that depends on the provider or a data source stays
//! unknown, never guessed), and its resources are mapped into the model through the
//! resource-type catalog (`catalog/*.yaml`): networks and subnets as zones, firewall rules,
//! load-balancer listeners, public buckets and function URLs as flows, for AWS, Azure and
//! Google Cloud. Plans and states (`terraform show -json`) go through the same mapping.

mod access;
mod aws;
mod azure;
mod budgets;
mod catalog;
mod cloud;
mod cycles;
mod eval;
mod functions;
mod google;
mod hcl;
mod installed;
mod passages;
mod plan;
mod value;

pub use aws::ACCOUNT_ZONE;
pub use budgets::Budgets;
pub use eval::{TerraformFile, evaluate_module, evaluate_module_within};
pub use installed::{InstalledModule, MODULES_JSON, installed_modules};
pub use plan::{DocumentKind, SENSITIVE, has_document_markers, sniff};
pub use value::{Passage, Resource, Value};

use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::Code;
use trustmap_model::Fragment;

/// One root module to evaluate.
#[derive(Debug, Clone)]
pub struct RootModule {
    /// Its folder, relative to the scan root (`""` for the root itself).
    pub dir: String,
    /// Its `.tf` and `.tf.json` files, and its `.terraform/modules/modules.json` when
    /// `terraform init` wrote one: the modules it names are then read from the folders it
    /// names (which the scan hands over in the folders of [`parse_root_modules`]).
    pub files: Vec<TerraformFile>,
    /// Its variable files: `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars`,
    /// `*.auto.tfvars.json` of its folder (read in that order, whatever the order here), then
    /// `--var-file` files (in the order given).
    pub var_files: Vec<TerraformFile>,
    /// Plans and states of this folder (`terraform show -json`). When there are any, the model
    /// comes from them, and the source files only give the spans.
    pub documents: Vec<TerraformFile>,
    /// What the user said the documents are (`--input`); by content otherwise.
    pub document_kind: Option<DocumentKind>,
}

/// Evaluates every root module and maps its resources into one fragment. `folders` holds the
/// `.tf` files of every scanned folder, for local module calls. Element ids carry the root's
/// folder when there are several roots. Evaluation steps and instances are budgets of
/// `limits` shared by every root module; each limit hit is an `Error` diagnostic.
pub fn parse_root_modules(
    roots: &[RootModule],
    folders: &BTreeMap<String, Vec<TerraformFile>>,
    limits: &trustmap_model::Limits,
) -> Fragment {
    let budgets = Budgets::new(limits);
    let parsed = eval::ParsedFolders::default();
    let several = roots.len() > 1;
    let model_root = |root: &RootModule| {
        #[cfg(test)]
        if root.dir == tests::PANICKING_ROOT {
            panic!("a worker that panics, under test");
        }
        let read = |dir: &str| folders.get(dir).cloned().unwrap_or_default();
        let (resources, mut diagnostics) = if root.files.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            eval::evaluate_module_shared(&root.files, &root.var_files, &read, &budgets, &parsed)
        };
        let prefix = if several { root.dir.as_str() } else { "" };
        if root.documents.is_empty() {
            let mut fragment = cloud_model(resources, prefix);
            fragment.diagnostics.extend(diagnostics);
            return fragment;
        }
        // A plan or state says what the source's expressions evaluate to: it is the model; the
        // source's notes about what it could not know no longer apply, its errors still do.
        let mut fragment = Fragment::default();
        let mut document_diagnostics = Vec::new();
        let mut covered = BTreeSet::new();
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
                &mut document_diagnostics,
            );
            covered.extend(
                deployed
                    .iter()
                    .map(|r| eval::without_instance_keys(&r.address)),
            );
            fragment.absorb(cloud_model(deployed, prefix));
        }
        // Documents that do not hold every resource of the source (malformed, empty, stale,
        // another configuration's) never hide it: the source is the model, and that is said.
        let missing: std::collections::BTreeSet<String> = resources
            .iter()
            .filter(|r| !cloud::is_provider_configuration(r))
            .map(|r| eval::without_instance_keys(&r.address))
            .filter(|address| !covered.contains(address))
            .collect();
        if !missing.is_empty() {
            let mut fragment = cloud_model(resources, prefix);
            fragment.diagnostics.extend(diagnostics);
            fragment.diagnostics.extend(document_diagnostics);
            let names: Vec<&str> = root.documents.iter().map(|d| d.path.as_str()).collect();
            let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
            let more = missing.len().saturating_sub(shown.len());
            fragment.diagnostics.push(trustmap_model::Diagnostic::file(
                trustmap_model::DiagnosticLevel::Warning,
                Code::TerraformPlanIncomplete,
                names[0],
                format!(
                    "the plan or state ({}) does not hold {} resource(s) written in the source \
                     ({}{}): the source is modelled instead",
                    names.join(", "),
                    missing.len(),
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
            ));
            return fragment;
        }
        // A plan or state holds no provider configuration: the source's say which credentials
        // are written in them.
        let configurations = resources
            .into_iter()
            .filter(cloud::is_provider_configuration)
            .collect();
        fragment.absorb(cloud_model(configurations, prefix));
        diagnostics.retain(|d| d.level == trustmap_model::DiagnosticLevel::Error);
        diagnostics.extend(document_diagnostics);
        let mut seen = BTreeSet::new();
        fragment.zones.retain(|z| seen.insert(z.id.clone()));
        fragment.diagnostics.extend(diagnostics);
        fragment
    };
    // A panic is a bug of this crate: the root it hit is reported, never silently dropped,
    // and the other roots keep their results.
    let evaluate = |root: &RootModule| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model_root(root)))
            .unwrap_or_else(|_| internal_error(root))
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
            .zip(roots.chunks(chunk))
            .flat_map(|(h, slice)| {
                h.join()
                    .unwrap_or_else(|_| slice.iter().map(internal_error).collect())
            })
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

/// Parses one Terraform file (HCL, or JSON when the name ends in `.json`) and evaluates
/// nothing: its syntax errors, as a scan reports them. What parsing alone costs, for
/// benchmarks, and a syntax check for tools.
pub fn parse_only(path: &str, text: &str) -> Vec<trustmap_model::Diagnostic> {
    let mut diagnostics = Vec::new();
    let _ = hcl::parse_file(path, text, &mut diagnostics);
    diagnostics
}

/// The fragment of a root module whose evaluation panicked: an `Error` diagnostic naming its
/// folder (the scan is incomplete), no resources.
fn internal_error(root: &RootModule) -> Fragment {
    let folder = if root.dir.is_empty() {
        "."
    } else {
        root.dir.as_str()
    };
    let mut fragment = Fragment::default();
    fragment.diagnostics.push(trustmap_model::Diagnostic::file(
        trustmap_model::DiagnosticLevel::Error,
        Code::TerraformInternalError,
        folder,
        format!(
            "the Terraform root module in \"{folder}\" could not be evaluated (an internal error \
             of trustmap): its resources are not modelled"
        ),
    ));
    fragment
}

/// Each provider's resources through its mapping (see [`cloud::PROVIDERS`]).
fn cloud_model(resources: Vec<Resource>, prefix: &str) -> Fragment {
    cloud::model(resources, prefix)
}

/// The folders that scanned modules call as local modules (`source = "./modules/x"`): they are
/// evaluated through their callers, not as roots of their own.
///
/// A folder is called only when a folder outside its own cycle of calls calls it (or one of
/// its cycle): a module that calls itself, or folders that call each other and nothing else
/// calls, would otherwise never be evaluated. Of such a cycle that nothing calls, the first
/// folder (by name) is the root; the evaluation reaches the others and stops, with an error,
/// where the cycle closes.
pub fn called_folders(folders: &BTreeMap<String, Vec<TerraformFile>>) -> BTreeSet<String> {
    let pattern = regex::Regex::new(r#"source\s*=\s*"(\.\.?/[^"]*)""#).expect("valid regex");
    let mut calls: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (dir, files) in folders {
        let callees = calls.entry(dir.as_str()).or_default();
        for file in files {
            for caps in pattern.captures_iter(&file.text) {
                callees.extend(trustmap_model::join_path_within(dir, &caps[1]));
            }
        }
    }
    let component = cycles::components(&calls);
    let mut called = BTreeSet::new();
    // Components that a folder outside them calls: all their folders are called.
    let mut reached = BTreeSet::new();
    for (caller, callees) in &calls {
        for callee in callees {
            match (component.get(*caller), component.get(callee.as_str())) {
                (Some(from), Some(to)) if from != to => {
                    reached.insert(*to);
                }
                (_, None) => {
                    // A folder without Terraform files: never a root anyway.
                    called.insert(callee.clone());
                }
                _ => {}
            }
        }
    }
    let mut first_of_component = BTreeSet::new();
    for (dir, id) in &component {
        // Folders come in name order: the first of an uncalled cycle stays a root.
        if reached.contains(id) || !first_of_component.insert(*id) {
            called.insert(dir.to_string());
        }
    }
    called
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The folder whose evaluation panics under test.
    pub(crate) const PANICKING_ROOT: &str = "panics-under-test";

    fn root(dir: &str, text: &str) -> RootModule {
        RootModule {
            dir: dir.to_string(),
            files: vec![TerraformFile {
                path: format!("{dir}/main.tf"),
                text: text.to_string(),
            }],
            var_files: Vec::new(),
            documents: Vec::new(),
            document_kind: None,
        }
    }

    #[test]
    fn a_panicking_root_is_an_error_and_other_roots_keep_their_results() {
        let roots = [
            root(PANICKING_ROOT, "resource \"aws_s3_bucket\" \"a\" {}"),
            root("good", "resource \"aws_s3_bucket\" \"b\" {}"),
        ];
        let fragment =
            parse_root_modules(&roots, &BTreeMap::new(), &trustmap_model::Limits::default());
        let errors: Vec<_> = fragment
            .diagnostics
            .iter()
            .filter(|d| d.code == "terraform-internal-error")
            .collect();
        assert_eq!(errors.len(), 1, "{:?}", fragment.diagnostics);
        assert_eq!(errors[0].level, trustmap_model::DiagnosticLevel::Error);
        assert!(errors[0].message.contains(PANICKING_ROOT));
        assert!(
            fragment
                .elements
                .iter()
                .any(|e| e.id.0.contains("aws_s3_bucket.b")),
            "{:?}",
            fragment
                .elements
                .iter()
                .map(|e| &e.id.0)
                .collect::<Vec<_>>()
        );
    }

    const OPEN_SSH_AND_PUBLIC_DB: &str = r#"
resource "aws_security_group" "ssh" {
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_db_instance" "db" {
  engine              = "postgres"
  publicly_accessible = true
  storage_encrypted   = false
}
"#;

    /// Roots as discovery finds them (every folder no other folder calls), then the model.
    fn scan(folders: &[(&str, String)]) -> (Vec<String>, Fragment) {
        let folders: BTreeMap<String, Vec<TerraformFile>> = folders
            .iter()
            .map(|(dir, text)| {
                let file = TerraformFile {
                    path: if dir.is_empty() {
                        "main.tf".to_string()
                    } else {
                        format!("{dir}/main.tf")
                    },
                    text: text.clone(),
                };
                (dir.to_string(), vec![file])
            })
            .collect();
        let called = called_folders(&folders);
        let roots: Vec<RootModule> = folders
            .iter()
            .filter(|(dir, _)| !called.contains(*dir))
            .map(|(dir, files)| RootModule {
                dir: dir.clone(),
                files: files.clone(),
                var_files: Vec::new(),
                documents: Vec::new(),
                document_kind: None,
            })
            .collect();
        let dirs = roots.iter().map(|r| r.dir.clone()).collect();
        (
            dirs,
            parse_root_modules(&roots, &folders, &trustmap_model::Limits::default()),
        )
    }

    fn element_ids(fragment: &Fragment, part: &str) -> Vec<String> {
        fragment
            .elements
            .iter()
            .filter(|e| e.id.0.contains(part))
            .map(|e| e.id.0.clone())
            .collect()
    }

    fn cycle_errors(fragment: &Fragment) -> Vec<&trustmap_model::Diagnostic> {
        fragment
            .diagnostics
            .iter()
            .filter(|d| {
                d.code == "terraform-module-cycle"
                    && d.level == trustmap_model::DiagnosticLevel::Error
            })
            .collect()
    }

    #[test]
    fn a_module_calling_itself_keeps_its_folder_modelled_with_an_error() {
        let text = format!("module \"me\" {{ source = \"./\" }}\n{OPEN_SSH_AND_PUBLIC_DB}");
        let (roots, fragment) = scan(&[("app", text)]);
        assert_eq!(roots, ["app"]);
        assert_eq!(element_ids(&fragment, "aws_db_instance.db").len(), 1);
        let errors = cycle_errors(&fragment);
        assert_eq!(errors.len(), 1, "{:?}", fragment.diagnostics);
        assert!(errors[0].message.contains("\"app\" -> \"app\""));
    }

    #[test]
    fn a_cycle_of_two_folders_models_both_once_with_an_error() {
        let a = format!("module \"b\" {{ source = \"../b\" }}\n{OPEN_SSH_AND_PUBLIC_DB}");
        let b = "module \"a\" {\n  source = \"../a\"\n}\nresource \"aws_s3_bucket\" \"logs\" {}\n";
        let (roots, fragment) = scan(&[("a", a), ("b", b.to_string())]);
        assert_eq!(roots, ["a"]);
        assert_eq!(element_ids(&fragment, "aws_db_instance.db").len(), 1);
        assert_eq!(element_ids(&fragment, "aws_s3_bucket.logs").len(), 1);
        let errors = cycle_errors(&fragment);
        assert_eq!(errors.len(), 1, "{:?}", fragment.diagnostics);
        assert!(errors[0].message.contains("\"a\" -> \"b\" -> \"a\""));
    }

    #[test]
    fn a_cycle_called_from_outside_is_evaluated_through_its_caller() {
        let root = "module \"a\" {\n  source = \"./a\"\n}\n".to_string();
        let a = "module \"b\" {\n  source = \"../b\"\n}\n".to_string();
        let b = "module \"a\" {\n  source = \"../a\"\n}\nresource \"aws_s3_bucket\" \"logs\" {}\n";
        let (roots, fragment) = scan(&[("", root), ("a", a), ("b", b.to_string())]);
        assert_eq!(roots, [""]);
        assert_eq!(element_ids(&fragment, "aws_s3_bucket.logs").len(), 1);
        assert_eq!(cycle_errors(&fragment).len(), 1);
    }

    #[test]
    fn instance_keys_are_dropped_from_addresses() {
        assert_eq!(
            crate::eval::without_instance_keys(r#"module.a[0].aws_x.y["k]\"x"]"#),
            "module.a.aws_x.y"
        );
    }

    fn root_with_document(source: &str, document: &str) -> RootModule {
        RootModule {
            dir: String::new(),
            files: vec![TerraformFile {
                path: "main.tf".into(),
                text: source.into(),
            }],
            var_files: Vec::new(),
            documents: vec![TerraformFile {
                path: "renovate.json".into(),
                text: document.into(),
            }],
            document_kind: None,
        }
    }

    /// A JSON beside the source that is not the plan of its resources (empty, malformed,
    /// another configuration's) never makes the source's findings vanish silently.
    #[test]
    fn a_plan_that_does_not_hold_the_source_leaves_the_source_modelled() {
        let documents = [
            r#"{"format_version":"1.2","terraform_version":"1.9.8","planned_values":[]}"#,
            r#"{"format_version":"1.2","terraform_version":"1.9.8","planned_values":{"root_module":{}}}"#,
        ];
        for document in documents {
            let root = root_with_document(OPEN_SSH_AND_PUBLIC_DB, document);
            let fragment = parse_root_modules(
                &[root],
                &BTreeMap::new(),
                &trustmap_model::Limits::default(),
            );
            assert_eq!(
                element_ids(&fragment, "aws_db_instance.db").len(),
                1,
                "{document}"
            );
            assert!(
                fragment
                    .diagnostics
                    .iter()
                    .any(|d| d.code == "terraform-plan-incomplete"),
                "{:?}",
                fragment.diagnostics
            );
        }
    }

    /// The fragment of the plan fixture's root, its source given, with the plan beside it; the
    /// plan holds every resource the fixture's source declares, so it is complete.
    fn plan_fixture_fragment(source: &str) -> Fragment {
        let module = include_str!("../../../fixtures/terraform/plan/modules/logs/main.tf");
        let plan = include_str!("../../../fixtures/terraform/plan/plan.json");
        let folders = BTreeMap::from([(
            "modules/logs".to_string(),
            vec![TerraformFile {
                path: "modules/logs/main.tf".into(),
                text: module.into(),
            }],
        )]);
        let root = root_with_document(source, plan);
        let fragment = parse_root_modules(&[root], &folders, &trustmap_model::Limits::default());
        assert!(
            !fragment
                .diagnostics
                .iter()
                .any(|d| d.code == "terraform-plan-incomplete"),
            "{:?}",
            fragment.diagnostics
        );
        fragment
    }

    /// The plan of the fixture holds every resource of its source: the plan is the model.
    #[test]
    fn a_plan_that_holds_the_source_is_the_model() {
        plan_fixture_fragment(include_str!("../../../fixtures/terraform/plan/main.tf"));
    }

    /// A plan holds no provider configuration: credentials written in the source's provider
    /// block are still stated (named, never shown), and they do not make the plan incomplete.
    #[test]
    fn provider_credentials_are_read_from_the_source_beside_a_plan() {
        let source = format!(
            "{}\nprovider \"aws\" {{\n  access_key = \"AKIAIOSFODNN7EXAMPLE\"\n}}\n",
            include_str!("../../../fixtures/terraform/plan/main.tf")
        );
        let fragment = plan_fixture_fragment(&source);
        let provider = fragment
            .elements
            .iter()
            .find(|e| e.id.0 == "tf:provider.aws")
            .expect("the provider's credentials are an identity");
        let secrets = provider
            .attributes
            .items(trustmap_model::AttrName::PlaintextSecrets);
        assert_eq!(secrets.len(), 1);
        assert_eq!(secrets[0].value, "access_key");
        assert!(!format!("{fragment:?}").contains("AKIAIOSFODNN7EXAMPLE"));
    }

    /// Values of sensitive variables (from a variable file or a default), and any value of a
    /// variable file in a message, never reach the model or a diagnostic; the plaintext
    /// secret is still found, by its key.
    #[test]
    fn sensitive_values_never_reach_the_model_or_messages() {
        let main = r##"
variable "db_password" {
  type      = string
  sensitive = true
}
variable "api_key" {
  sensitive = true
  default   = "DEFAULTSECRET123"
}
variable "config_path" {}
resource "aws_instance" "web" {
  ami       = "ami-1"
  user_data = "#!/bin/bash\nexport DB_PASSWORD=${var.db_password}\nexport API_KEY=${var.api_key}\necho ${var.db_password} > /etc/db_password_file; DB_PASSWORD=x\n"
  extra     = file(var.config_path)
}
resource "aws_ecs_task_definition" "t" {
  family                = "x"
  container_definitions = jsonencode([{
    name        = "app"
    image       = "nginx"
    environment = [{ name = "DB_PASSWORD", value = var.db_password }]
  }])
}
resource "aws_db_instance" "db" {
  engine   = "postgres"
  password = var.db_password
  username = "admin-${var.api_key}"
}
"##;
        let root = RootModule {
            dir: String::new(),
            files: vec![TerraformFile {
                path: "main.tf".into(),
                text: main.into(),
            }],
            var_files: vec![TerraformFile {
                path: "terraform.tfvars".into(),
                text: "db_password = \"HUNTER2SECRETXYZ\"\nconfig_path = \"/etc/PATHSECRET\"\n"
                    .into(),
            }],
            documents: Vec::new(),
            document_kind: None,
        };
        let fragment = parse_root_modules(
            &[root],
            &BTreeMap::new(),
            &trustmap_model::Limits::default(),
        );
        let diagnostics = format!("{:?}", fragment.diagnostics);
        let model = trustmap_model::Model::build(vec![fragment]);
        let snapshot = trustmap_model::Snapshot::of(&model).to_json();
        for secret in ["HUNTER2SECRETXYZ", "DEFAULTSECRET123", "PATHSECRET"] {
            assert!(!snapshot.contains(secret), "{secret} in the model");
            assert!(!diagnostics.contains(secret), "{secret} in {diagnostics}");
        }
        assert!(
            snapshot.contains("DB_PASSWORD (in user_data)"),
            "{snapshot}"
        );
        assert!(
            diagnostics.contains("terraform-file-outside"),
            "{diagnostics}"
        );
    }

    #[test]
    fn a_resource_policy_that_is_not_json_is_a_warning_not_a_silent_gap() {
        let text = r#"
resource "aws_sns_topic_policy" "broken" {
  arn    = var.topic
  policy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": [\"SNS:Publish\",]}]}"
}

resource "aws_sns_topic_policy" "valid" {
  arn    = var.topic
  policy = "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"SNS:Publish\"}]}"
}

variable "hidden_policy" {
  type      = string
  sensitive = true
  default   = "{}"
}

# Hidden as sensitive: the scan never sees the policy, so it says nothing of its JSON.
resource "aws_sns_topic_policy" "hidden" {
  arn    = var.topic
  policy = var.hidden_policy
}
"#;
        let (_, fragment) = scan(&[("", text.to_string())]);
        let warnings: Vec<&str> = fragment
            .diagnostics
            .iter()
            .filter(|d| d.code == trustmap_model::Code::TerraformPolicyJson)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(warnings.len(), 1, "{:?}", fragment.diagnostics);
        assert!(warnings[0].contains("aws_sns_topic_policy.broken"));
        // The valid one is read: it opens a stand-in for its topic.
        assert!(!element_ids(&fragment, "aws_sns_topic_policy.valid/governed").is_empty());
    }
}

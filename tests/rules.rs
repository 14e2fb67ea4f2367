//! The rule tests: one named test per built-in rule and fixture case, generated from
//! `fixtures/rules/<ID>/{firing,silent}/<format>[-<variant>].{yaml,tf}`.
//!
//! Each case scans its one file and checks that the rule fires exactly on the lines its
//! `# expect: <ID>` comments mark (a firing case must mark at least one, a silent case none);
//! a firing case also pins the rule's findings (message, severity and why, certainty, location,
//! related locations, attack path, a checklist's failed checks) as a reviewed snapshot in
//! `fixtures/rules/<ID>/snapshots/`. For a rule with checks, `# expect: <CHECK-ID>` beside the
//! rule's id marks the lines whose finding lists that check, compared the same way (only in a
//! fixture that marks the check at all).
//! `<ID>::formats` checks that the rule has a firing and a silent case for every format that
//! can state what it reads ([`APPLIES`]) and fires on no other.
//!
//! `fold::{firing,silent}::<stem>` do the same for `fixtures/fold/`: findings that restate one
//! door folded into one (`absorbs:`), where `# expect: folded` marks a lead's line, and one
//! rule's findings across an application grouped into one (`once_per_application:`), where
//! `# expect: grouped` marks a lead's line.
//!
//! Run one rule with `cargo test --test rules TM-E001`; review changed snapshots with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test rules` to accept them all).

#[allow(dead_code)]
mod util;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use trustmap_model::DiagnosticLevel;
use trustmap_rules::{Finding, RuleSet};
use util::{expectations, root};

/// The formats a fixture can be written in; a fixture's file name starts with its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    Compose,
    Kubernetes,
    Aws,
    Azure,
    Google,
}

use Format::{Aws, Azure, Compose, Google, Kubernetes};

impl Format {
    const ALL: [Format; 5] = [Compose, Kubernetes, Aws, Azure, Google];

    /// The file name a fixture in this format starts with, and the extension it ends with.
    fn file(self) -> (&'static str, &'static str) {
        match self {
            Compose => ("compose", "yaml"),
            Kubernetes => ("k8s", "yaml"),
            Aws => ("aws", "tf"),
            Azure => ("azure", "tf"),
            Google => ("google", "tf"),
        }
    }

    /// The format of a fixture file named `<format>[-<variant>].<extension>`.
    fn of(file_name: &str) -> Option<Format> {
        let (stem, extension) = file_name.split_once('.')?;
        let prefix = stem.split('-').next()?;
        Format::ALL
            .into_iter()
            .find(|f| f.file() == (prefix, extension))
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file().0)
    }
}

/// Which formats can state the facts each rule reads, so where it must have a firing and a
/// silent fixture. A format absent here lacks a fact the rule needs and never fires it
/// (ARCHITECTURE: "a format that lacks a fact never fires a rule on it"); a silent fixture in
/// such a format may show that. Cloud mappings state facts through their code
/// (`crates/trustmap-terraform/src/{aws,azure,google,cloud}.rs`) and their catalogs
/// (`crates/trustmap-terraform/catalog/*.yaml`); compose and Kubernetes through
/// `trustmap-compose/src/project.rs` and `trustmap-kubernetes/src/{workload,network}.rs`.
const APPLIES: &[(&str, &[Format])] = &[
    // rate_limited: WAF and rate limits in front of a cloud entry point.
    ("TM-D002", &[Aws, Azure, Google]),
    // privileged: containers, and ECS container definitions.
    ("TM-E001", &[Compose, Kubernetes, Aws]),
    // runtime_socket, host_network, host_pid/host_ipc: containers only.
    ("TM-E002", &[Compose, Kubernetes]),
    ("TM-E003", &[Compose, Kubernetes]),
    ("TM-E004", &[Compose, Kubernetes, Aws]),
    // capabilities_added: containers, and ECS container definitions.
    ("TM-E005", &[Compose, Kubernetes, Aws]),
    // sensitive_host_mounts: containers only.
    ("TM-E006", &[Compose, Kubernetes]),
    // network_isolated on a data store beside an internet-facing process: compose networks,
    // NetworkPolicies. (The clouds isolate by security group; they do not state it.)
    ("TM-E007", &[Compose, Kubernetes]),
    // runs_as_root: containers, and ECS container definitions.
    ("TM-E008", &[Compose, Kubernetes, Aws]),
    // zone: namespace: Kubernetes only.
    ("TM-E009", &[Kubernetes]),
    // service_account_privileges and service_account_token: RBAC and cloud identities.
    ("TM-E010", &[Kubernetes, Aws, Azure, Google]),
    // rights on identities no workload carries: Kubernetes RBAC subjects, cloud users, roles,
    // service accounts and role assignments.
    ("TM-E012", &[Kubernetes, Aws, Azure, Google]),
    // Debuggers, the Docker API and consoles by image: containers.
    ("TM-E013", &[Compose, Kubernetes]),
    // The hardening checklist: privilege_escalation, resource_limits and
    // read_only_root_filesystem on containers; logging on compose services, Kubernetes ingress
    // controllers, and load balancer, gateway and bucket logs on every cloud.
    ("TM-E014", &[Compose, Kubernetes, Aws, Azure, Google]),
    // legacy_metadata: AWS IMDSv1 and Google's legacy metadata endpoints. (Azure's metadata
    // service always asks for its header.)
    ("TM-E016", &[Aws, Google]),
    // Remote debugging doors: App Service and Function Apps.
    ("TM-E015", &[Azure]),
    // init_container_privileges: Kubernetes init containers. (Compose has none.)
    ("TM-E017", &[Kubernetes]),
    // control_plane and control_plane_flags: Kubernetes control-plane pods.
    ("TM-E018", &[Kubernetes]),
    ("TM-E019", &[Kubernetes]),
    ("TM-E021", &[Kubernetes]),
    // unattached identities with rights: Kubernetes Roles and ClusterRoles no binding grants.
    ("TM-E020", &[Kubernetes]),
    // Flows from the internet without TLS: every format.
    ("TM-I001", &[Compose, Kubernetes, Aws, Azure, Google]),
    // A data store exposed to the internet: published ports, LoadBalancer Services, public
    // databases and buckets on every cloud.
    ("TM-I002", &[Compose, Kubernetes, Aws, Azure, Google]),
    // plaintext_secrets: container environments, and ECS container definitions.
    ("TM-I003", &[Compose, Kubernetes, Aws, Azure, Google]),
    // encrypted_at_rest = no: AWS and Azure settings. Google encrypts every store at rest and
    // no setting turns it off (its silent fixture shows it).
    ("TM-I004", &[Aws, Azure]),
    // outdated_tls: cloud TLS policies.
    ("TM-I005", &[Aws, Azure, Google]),
    // public and firewall_known on data stores: RDS, Redshift and DMS public settings, Azure
    // public network access, Cloud SQL public IPs.
    ("TM-I006", &[Aws, Azure, Google]),
    // encrypted_in_transit on data stores: cloud catalogs and parameter groups (compose and
    // Kubernetes state it on flows only).
    ("TM-I007", &[Aws, Azure, Google]),
    // authenticated on data stores: container images with their auth settings, ElastiCache
    // and Memorystore AUTH. (No Azure catalog entry states it.)
    ("TM-S001", &[Compose, Kubernetes, Aws, Google]),
    // service_account_token on an internet-facing workload: Kubernetes service accounts,
    // AWS roles, Azure managed identities, Google service accounts.
    ("TM-S002", &[Kubernetes, Aws, Azure, Google]),
    // Protocols on flows from the internet: every format.
    ("TM-S003", &[Compose, Kubernetes, Aws, Azure, Google]),
    // authenticated on flows from the internet: cloud doors (buckets, function URLs, APIs).
    ("TM-S004", &[Aws, Azure, Google]),
    // assumable_by: Kubernetes bindings to the anonymous and authenticated groups, AWS trust
    // policies, Google grants to allUsers and allAuthenticatedUsers. (Azure role assignments
    // name principals of the tenant.)
    ("TM-S005", &[Kubernetes, Aws, Google]),
    // long_lived_keys: legacy ServiceAccount token Secrets, access keys, client secrets,
    // service-account keys.
    ("TM-S006", &[Kubernetes, Aws, Azure, Google]),
    // unattached: security groups, network security groups and VPC firewall rules attached to
    // nothing here.
    ("TM-S007", &[Aws, Azure, Google]),
    // unattached grants: resource policies, ACLs, permissions, function URLs, Google
    // resource-level IAM members and Azure anonymous blob containers whose resource is not in
    // the scan.
    ("TM-S010", &[Aws, Azure, Google]),
    // password_login: Azure Linux virtual machines and scale sets.
    ("TM-S012", &[Azure]),
    // image: containers only.
    ("TM-T002", &[Compose, Kubernetes]),
    // backups = no on a store the internet can change: RDS and S3, Cloud SQL and buckets.
    // Azure states backups = no only for storage accounts and key vaults, which the internet
    // reaches read-only or not at all (its silent fixture shows it).
    ("TM-T003", &[Aws, Google]),
];

/// One fixture file of one rule.
struct Case {
    rule: String,
    /// `firing` or `silent`.
    kind: &'static str,
    /// The file name without its extension (`compose`, `k8s-limitrange`).
    stem: String,
    /// The path from the repository root, with `/`.
    path: String,
}

impl Case {
    fn name(&self) -> String {
        format!("{}::{}::{}", self.rule, self.kind, self.stem)
    }
}

fn main() {
    let args = Arguments::from_args();
    // Display paths are relative to the working directory: the repository root, for all.
    std::env::set_current_dir(root()).expect("the repository root");
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let mut trials = Vec::new();
    for rule in rules.rules() {
        let id = rule.id.clone();
        trials.push(Trial::test(format!("{id}::formats"), move || {
            check_formats(&id)
        }));
        for case in cases(&rule.id) {
            trials.push(Trial::test(case.name(), move || run_case(&case)));
        }
    }
    for kind in ["firing", "silent"] {
        for name in file_names(&root().join("fixtures/fold").join(kind)) {
            let stem = name
                .split_once('.')
                .map_or(name.as_str(), |(s, _)| s)
                .to_string();
            let path = format!("fixtures/fold/{kind}/{name}");
            trials.push(Trial::test(format!("fold::{kind}::{stem}"), move || {
                run_fold_case(kind, &stem, &path)
            }));
        }
    }
    trials.push(Trial::test("fixtures::every_folder_names_a_rule", || {
        check_folders()
    }));
    trials.push(Trial::test(
        "fixtures::every_snapshot_belongs_to_a_firing_case",
        check_snapshots,
    ));
    libtest_mimic::run(&args, trials).exit();
}

fn rule_dir(rule: &str) -> PathBuf {
    root().join("fixtures/rules").join(rule)
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.expect("a readable folder").file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The fixture cases of a rule, sorted. A file that names no format is a case too: its test
/// fails, saying so.
fn cases(rule: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for kind in ["firing", "silent"] {
        for name in file_names(&rule_dir(rule).join(kind)) {
            let stem = name.split_once('.').map_or(name.as_str(), |(s, _)| s);
            cases.push(Case {
                rule: rule.to_string(),
                kind,
                stem: stem.to_string(),
                path: format!("fixtures/rules/{rule}/{kind}/{name}"),
            });
        }
    }
    cases
}

/// Scans the case's file alone and checks the rule's findings against its `# expect:` lines
/// and, for a firing case, against its snapshot.
fn run_case(case: &Case) -> Result<(), Failed> {
    let file_name = case.path.rsplit('/').next().unwrap_or_default();
    if Format::of(file_name).is_none() {
        return Err(format!(
            "{}: a fixture is named `<format>[-<variant>].<extension>`, with a format among {}",
            case.path,
            Format::ALL
                .map(|f| format!("{}.{}", f.file().0, f.file().1))
                .join(", ")
        )
        .into());
    }
    let scan = trustmap_scan::scan(
        &[PathBuf::from(&case.path)],
        &trustmap_scan::ScanOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let errors: Vec<_> = scan
        .model
        .diagnostics()
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
        .collect();
    if !errors.is_empty() {
        return Err(format!("{} does not scan cleanly: {errors:#?}", case.path).into());
    }
    let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
    let findings: Vec<Finding> = trustmap_rules::evaluate(&scan.model, &rules)
        .into_iter()
        .filter(|f| f.rule_id == case.rule)
        .collect();
    let got: BTreeSet<(String, u32)> = findings
        .iter()
        .filter_map(|f| {
            f.location
                .as_ref()
                .map(|l| (l.file.to_string(), l.start.line))
        })
        .collect();
    let want = expectations(&root().join(&case.path), &case.rule);
    if case.kind == "firing" && want.is_empty() {
        return Err(format!("{}: no `# expect: {}` line", case.path, case.rule).into());
    }
    if case.kind == "silent" && !want.is_empty() {
        return Err(format!("{}: a silent case expects nothing", case.path).into());
    }
    if got != want || (case.kind == "silent" && !findings.is_empty()) {
        return Err(format!(
            "{}: {} expected at {want:?}, found at {got:?}:\n{:#}",
            case.path,
            case.rule,
            snapshot(&findings)
        )
        .into());
    }
    // A checklist's checks marked by id (`# expect: TM-E014 TM-D001`): the finding on exactly
    // those lines lists the check.
    let text = std::fs::read_to_string(root().join(&case.path)).map_err(|e| e.to_string())?;
    let check_ids = rules
        .get(&case.rule)
        .into_iter()
        .flat_map(|r| r.checks.iter().filter_map(|c| c.id.clone()));
    for id in check_ids {
        let want = trustmap_rules::expected_places([(case.path.as_str(), text.as_str())], &id);
        let got: BTreeSet<(String, u32)> = findings
            .iter()
            .filter(|f| {
                f.checks
                    .iter()
                    .any(|c| c.id.as_deref() == Some(id.as_str()))
            })
            .filter_map(|f| f.location.as_ref())
            .map(|l| (l.file.to_string(), l.start.line))
            .collect();
        if got != want {
            return Err(format!(
                "{}: check {id} of {} expected at {want:?}, found at {got:?}:\n{:#}",
                case.path,
                case.rule,
                snapshot(&findings)
            )
            .into());
        }
    }
    if case.kind == "firing" {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(rule_dir(&case.rule).join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(&case.path);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_yaml_snapshot!(case.stem.as_str(), snapshot(&findings)));
    }
    Ok(())
}

/// The marker of a line where a finding must have absorbed another (`# expect: folded`).
const FOLDED: &str = "folded";

/// The marker of a line where a finding must lead others of its rule in its application
/// (`# expect: grouped`).
const GROUPED: &str = "grouped";

/// Scans a folding fixture alone, evaluates every rule and folds the restatements as a scan
/// does: in a firing case, findings that absorbed others are on exactly the lines marked
/// `# expect: folded`, and findings that lead others of their own rule on exactly the lines
/// marked `# expect: grouped` (at least one line in all), pinned by a snapshot in
/// `fixtures/fold/snapshots/`; in a silent case, nothing is folded or grouped (the rules fire,
/// but not on one door, nor twice in one application).
fn run_fold_case(kind: &str, stem: &str, path: &str) -> Result<(), Failed> {
    let scan = trustmap_scan::scan(
        &[PathBuf::from(path)],
        &trustmap_scan::ScanOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
    let evaluated = trustmap_rules::evaluate(&scan.model, &rules);
    let count = evaluated.len();
    let folded = trustmap_rules::fold(evaluated, &rules, &scan.model);
    let inner: usize = folded.iter().map(|f| f.folded.len()).sum();
    if folded.len() + inner != count {
        return Err(format!(
            "{path}: {count} findings, {} after folding and {inner} folded",
            folded.len()
        )
        .into());
    }
    let leads: Vec<Finding> = folded
        .into_iter()
        .filter(|f| !f.folded.is_empty())
        .collect();
    let lines = |grouped: bool| -> BTreeSet<(String, u32)> {
        leads
            .iter()
            .filter(|f| f.folded.iter().any(|o| (o.rule_id == f.rule_id) == grouped))
            .filter_map(|f| f.location.as_ref())
            .map(|l| (l.file.to_string(), l.start.line))
            .collect()
    };
    let wants = [FOLDED, GROUPED].map(|marker| expectations(&root().join(path), marker));
    if kind == "firing" && wants.iter().all(BTreeSet::is_empty) {
        return Err(format!("{path}: no `# expect: {FOLDED}` or `{GROUPED}` line").into());
    }
    for (marker, want) in [FOLDED, GROUPED].iter().zip(&wants) {
        let got = lines(*marker == GROUPED);
        if &got != want {
            return Err(format!(
                "{path}: {marker} findings expected at {want:?}, found at {got:?}:\n{:#}",
                snapshot(&leads)
            )
            .into());
        }
    }
    if kind == "firing" {
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root().join("fixtures/fold/snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(path);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_yaml_snapshot!(stem, snapshot(&leads)));
    }
    Ok(())
}

/// `file:line:column`.
fn at(span: &trustmap_model::Span) -> String {
    format!("{}:{}:{}", span.file, span.start.line, span.start.column)
}

/// What a reviewer reads in a snapshot: each finding's rule, severity and why it has it,
/// certainty, subject, location, message, related locations and attack path.
fn snapshot(findings: &[Finding]) -> Value {
    findings
        .iter()
        .map(|f| {
            let mut entry = json!({
                "rule": f.rule_id,
                "severity": f.severity,
                "why": f.scoring.reason(),
                "certainty": f.certainty,
                "subject": f.subject.id(),
                "at": f.location.as_ref().map(at),
                "message": f.message,
            });
            if !f.checks.is_empty() {
                entry["checks"] = f
                    .checks
                    .iter()
                    .map(|c| {
                        format!(
                            "{}{} ({}, {})",
                            c.id.as_ref().map_or(String::new(), |id| format!("{id}: ")),
                            c.label,
                            c.stride.as_str(),
                            if c.certainty == trustmap_rules::Certainty::Definite {
                                "definite"
                            } else {
                                "possible"
                            }
                        )
                    })
                    .collect();
            }
            if !f.folded.is_empty() {
                entry["categories"] = json!(f.categories);
                entry["folded"] = f
                    .folded
                    .iter()
                    .map(|g| {
                        json!({
                            "rule": g.rule_id,
                            "subject": g.subject.id(),
                            "message": g.message,
                        })
                    })
                    .collect();
            }
            if !f.related.is_empty() {
                entry["related"] = f
                    .related
                    .iter()
                    .map(|r| json!({"at": at(&r.span), "message": r.message}))
                    .collect();
            }
            if !f.attack_path.is_empty() {
                entry["attack_path"] = f
                    .attack_path
                    .iter()
                    .map(|s| json!({"at": s.span.as_ref().map(at), "step": s.message}))
                    .collect();
            }
            entry
        })
        .collect()
}

/// The rule has a firing and a silent case in every format of [`APPLIES`], and no firing case
/// in another.
fn check_formats(rule: &str) -> Result<(), Failed> {
    let Some((_, applies)) = APPLIES.iter().find(|(id, _)| *id == rule) else {
        return Err(format!("{rule} is missing from the APPLIES table of tests/rules.rs").into());
    };
    let mut problems = Vec::new();
    for kind in ["firing", "silent"] {
        let formats: BTreeSet<Format> = file_names(&rule_dir(rule).join(kind))
            .iter()
            .filter_map(|name| Format::of(name))
            .collect();
        for format in *applies {
            if !formats.contains(format) {
                let (stem, extension) = format.file();
                problems.push(format!(
                    "fixtures/rules/{rule}/{kind}/{stem}.{extension} is missing: {format} can \
                     state what {rule} reads"
                ));
            }
        }
        if kind == "firing" {
            for format in formats.iter().filter(|f| !applies.contains(f)) {
                problems.push(format!(
                    "{rule} fires on {format}, which APPLIES does not list for it"
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// Every folder under `fixtures/rules` is a built-in rule's, and the table names only them.
fn check_folders() -> Result<(), Failed> {
    let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    for name in file_names(&root().join("fixtures/rules")) {
        if rules.get(&name).is_none() {
            problems.push(format!("fixtures/rules/{name} names no rule"));
        }
    }
    for (id, _) in APPLIES {
        if rules.get(id).is_none() {
            problems.push(format!("APPLIES names {id}, which is no rule"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// A snapshot whose fixture was removed or renamed is stale: it must go too.
fn check_snapshots() -> Result<(), Failed> {
    let mut stale = Vec::new();
    for rule in file_names(&root().join("fixtures/rules")) {
        let firing: BTreeSet<String> = cases(&rule)
            .into_iter()
            .filter(|c| c.kind == "firing")
            .map(|c| format!("{}.snap", c.stem))
            .collect();
        for name in file_names(&rule_dir(&rule).join("snapshots")) {
            if name.ends_with(".snap") && !firing.contains(&name) {
                stale.push(format!("fixtures/rules/{rule}/snapshots/{name}"));
            }
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!("snapshots without a firing case: {stale:?}").into())
    }
}

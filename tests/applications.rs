//! Applications are modelled apart: scanning a folder of independent examples gives exactly
//! the union of scanning each alone, objects two applications define are never merged, and
//! folders that name each other's objects (or that a Kustomization includes) stay one.

#[allow(dead_code)]
mod util;

use std::collections::BTreeSet;
use trustmap_model::Reachability;
use trustmap_rules::{Finding, RuleSet};
use util::{root, scan};

const APPLICATIONS: &str = "fixtures/kubernetes/applications";

/// What a reviewer reads of a finding: rule, file, line and message (ids may be qualified
/// when two applications define the same object, so they are left out).
fn findings(relative: &str) -> BTreeSet<(String, String, u32, String)> {
    evaluate(&scan(relative))
        .iter()
        .map(|f| {
            let location = f.location.as_ref().expect("a location");
            (
                f.rule_id.clone(),
                location.file.to_string(),
                location.start.line,
                f.message.clone(),
            )
        })
        .collect()
}

fn evaluate(scan: &trustmap_scan::Scan) -> Vec<Finding> {
    trustmap_rules::evaluate(&scan.model, &RuleSet::builtin().unwrap())
}

#[test]
fn a_folder_of_examples_gives_the_union_of_each_alone() {
    let folders: Vec<String> = std::fs::read_dir(root().join(APPLICATIONS))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(folders.len() >= 4, "{folders:?}");
    let mut union = BTreeSet::new();
    for folder in &folders {
        union.extend(findings(&format!("{APPLICATIONS}/{folder}")));
    }
    let together = findings(APPLICATIONS);
    assert_eq!(together, union);
}

#[test]
fn one_examples_load_balancer_never_exposes_anothers_pods() {
    let scan = scan(APPLICATIONS);
    let exposed: Vec<_> = evaluate(&scan)
        .into_iter()
        .filter(|f| f.rule_id == "TM-E001")
        .map(|f| f.message)
        .collect();
    // Both frontends run privileged; only the shop's is behind a LoadBalancer.
    assert_eq!(exposed.len(), 2, "{exposed:?}");
    let internet_facing = |file: &str| {
        scan.model
            .elements()
            .find(|e| {
                e.span.as_ref().is_some_and(|s| s.file.ends_with(file)) && e.name == "frontend"
            })
            .map(|e| {
                scan.model
                    .reachable_from_internet(&e.id, Reachability::AnyFlow)
            })
    };
    assert_eq!(internet_facing("shop/app.yaml"), Some(true));
    assert_eq!(internet_facing("blog/app.yaml"), Some(false));
}

#[test]
fn an_object_two_applications_define_is_two_elements_and_a_note() {
    let scan = scan(APPLICATIONS);
    let frontends: Vec<String> = scan
        .model
        .elements()
        .filter(|e| e.name == "frontend" && e.id.0.contains("Deployment"))
        .map(|e| e.id.0.clone())
        .collect();
    assert_eq!(frontends.len(), 2, "{frontends:?}");
    let notes = scan
        .model
        .diagnostics()
        .iter()
        .filter(|d| d.code == "k8s-same-object")
        .count();
    assert!(notes >= 2, "{:?}", scan.model.diagnostics());
}

#[test]
fn folders_that_name_each_others_objects_are_one_application() {
    // The Ingress in split/web reaches the api Deployment in split/api.
    let scan = scan(&format!("{APPLICATIONS}/split"));
    let ingress_flows = scan
        .model
        .flows()
        .filter(|f| f.source.0.contains("Ingress") && f.target.0.contains("Service/default/api"))
        .count();
    assert_eq!(ingress_flows, 1);
    // A Kustomization overlay includes its base: the overlay's LoadBalancer selects the base's
    // pods.
    let scan = scan_kustomized();
    let worker = scan
        .model
        .elements()
        .find(|e| e.name == "worker" && e.id.0.contains("Deployment"))
        .expect("the base's Deployment");
    assert!(
        scan.model
            .reachable_from_internet(&worker.id, Reachability::AnyFlow)
    );
}

fn scan_kustomized() -> trustmap_scan::Scan {
    scan(&format!("{APPLICATIONS}/kustomized"))
}

#[test]
fn an_object_defined_twice_in_one_application_is_a_warning() {
    let dir = util::scratch(&[(
        "app.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    )]);
    let scan = trustmap_scan::scan(&[dir.path().to_path_buf()], &Default::default()).unwrap();
    let warning = scan
        .model
        .diagnostics()
        .iter()
        .find(|d| d.code == "k8s-duplicate-object")
        .expect("a warning");
    assert_eq!(warning.span.start.line, 9);
}

#[test]
fn a_namespace_two_examples_share_is_not_a_neighbourhood() {
    let scan = scan(APPLICATIONS);
    let neighbours: Vec<_> = evaluate(&scan)
        .into_iter()
        .filter(|f| f.rule_id == "TM-E007")
        .map(|f| f.message)
        .collect();
    // The cache shares `default` with the shop's internet-facing frontend, but only by name.
    assert!(
        !neighbours.iter().any(|m| m.starts_with("cache ")),
        "{neighbours:?}"
    );
    let zones: Vec<_> = scan
        .model
        .zones()
        .filter(|z| z.name == "default")
        .map(|z| z.id.0.clone())
        .collect();
    assert!(zones.len() > 1, "{zones:?}");
}

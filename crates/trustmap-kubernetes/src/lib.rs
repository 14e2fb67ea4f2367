//! Kubernetes manifests into the data-flow model.
//!
//! Every manifest of a scan is read together, because Kubernetes wires objects by name and
//! label across files: a Service selects pods by label, an Ingress names a Service, a
//! RoleBinding grants a Role to a ServiceAccount, a NetworkPolicy isolates pods by label.
//!
//! The cluster and each namespace are zones, and so are the cluster's nodes, which a pod
//! reaches through host paths, host namespaces and privilege. Workloads are processes (or data
//! stores, for well-known database images); Services, Ingresses and Gateways are processes that
//! forward; Secrets, ConfigMaps and PersistentVolumeClaims are data stores; ServiceAccounts and
//! the users and groups that bindings name are identities with their rights. Flows come from
//! Service selectors, Ingress and route backends, environment values that name a Service, and
//! mounts. The manifests are read from the spanned YAML tree, so every fact points at its line.

mod application;
mod control_plane;
mod identity;
mod network;
mod objects;
mod rbac;
mod selection;
mod workload;

use std::collections::BTreeMap;
use trustmap_model::{
    Attributes, Budget, Code, Diagnostic, DiagnosticLevel, Fragment, Limit, Limits, TrustLevel,
    Zone, ZoneId, ZoneKind,
};

pub use application::is_kustomization_file;
pub use objects::{Object, looks_like_kubernetes};

/// A manifest file: its path relative to the scan root and its text.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    /// Path relative to the scan root (`-` for standard input).
    pub path: String,
    /// The text: YAML (one or more documents) or JSON.
    pub text: String,
}

/// The zone of the whole cluster.
pub const CLUSTER_ZONE: &str = "k8s:cluster";
/// The zone of the cluster's nodes.
pub const NODES_ZONE: &str = "k8s:nodes";

/// The zone id of a namespace.
pub fn namespace_zone(namespace: &str) -> ZoneId {
    ZoneId(format!("k8s:namespace/{namespace}"))
}

/// Parses every manifest of a scan into one fragment. Never fails: what cannot be read is a
/// diagnostic with file, line and cause.
///
/// `limits` are the scan's bounds and `yaml_nodes` the [`Limit::YamlNodes`] budget that every
/// YAML stream of the scan shares (compose files included): a bound that is hit is a
/// `limit-*` error naming what was cut, and what was read before it is kept.
pub fn parse_manifests(files: &[ManifestFile], limits: &Limits, yaml_nodes: &Budget) -> Fragment {
    debug_assert_eq!(yaml_nodes.limit(), Limit::YamlNodes);
    let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
    let mut fragment = Fragment::default();
    let bounds = trustmap_yaml::SharedBounds {
        nodes: yaml_nodes,
        max_depth: limits.get_usize(Limit::Depth),
    };
    let loaded = objects::load(files, bounds);
    fragment.diagnostics.extend(loaded.diagnostics);
    if loaded.objects.is_empty() {
        return fragment;
    }

    fragment.zones.push(zone(
        CLUSTER_ZONE,
        ZoneKind::Cluster,
        "Kubernetes cluster",
        crate::ZoneParent::Internet,
        TrustLevel::Medium,
    ));
    fragment.zones.push(zone(
        NODES_ZONE,
        ZoneKind::Host,
        "Cluster nodes",
        crate::ZoneParent::Cluster,
        TrustLevel::Privileged,
    ));
    // Each application on its own, all under the scan's one bound on flows.
    let flow_budget = Budget::new(Limit::Flows, limits);
    let applications: Vec<(String, Fragment)> =
        application::split(&paths, loaded.objects, &loaded.inclusions)
            .into_iter()
            .map(|app| {
                let root = app.root.clone();
                let fragment =
                    model_application(app, &paths, &flow_budget, &loaded.unread_bindings);
                (root, fragment)
            })
            .collect();
    merge_applications(applications, &mut fragment);
    fragment
}

/// The model of one application's objects: its namespaces, elements, flows and diagnostics
/// (the cluster and its nodes are the scan's).
fn model_application(
    app: application::Application,
    paths: &[String],
    flow_budget: &Budget,
    unread_bindings: &[String],
) -> Fragment {
    let mut fragment = Fragment {
        zones: namespace_zones(&app.objects, paths),
        ..Fragment::default()
    };
    let cluster = objects::Cluster::new(app.objects, paths.to_vec());
    fragment.diagnostics.extend(cluster.redefinitions());
    let privileges = rbac::privileges(&cluster, &mut fragment.diagnostics);
    let mut builder = workload::Builder::new(&cluster, &privileges, flow_budget);
    builder.workloads();
    identity::identities(&cluster, &privileges, &mut builder);
    identity::unbound_roles(&cluster, unread_bindings, &mut builder);
    network::wire(&cluster, &mut builder);
    builder.finish(&mut fragment);
    // A subject a binding names may live in a namespace none of the objects use.
    let declared: std::collections::BTreeSet<ZoneId> =
        fragment.zones.iter().map(|z| z.id.clone()).collect();
    let undeclared: std::collections::BTreeSet<&str> = fragment
        .elements
        .iter()
        .filter(|e| !declared.contains(&e.zone))
        .filter_map(|e| e.zone.0.strip_prefix("k8s:namespace/"))
        .collect();
    let extra: Vec<Zone> = undeclared
        .into_iter()
        .map(|name| namespace(name, None))
        .collect();
    fragment.zones.extend(extra);
    fragment
}

/// The zones of the namespaces an application's objects live in or define (a `Namespace`
/// object gives its zone a span).
fn namespace_zones(objects: &[Object], paths: &[String]) -> Vec<Zone> {
    let mut namespaces: BTreeMap<&str, Option<trustmap_model::Span>> = BTreeMap::new();
    for object in objects {
        if !object.namespace.is_empty() {
            namespaces.entry(&object.namespace).or_insert(None);
        }
        if object.kind == "Namespace" {
            namespaces.insert(&object.name, Some(object.node.span(paths)));
        }
    }
    namespaces
        .into_iter()
        .map(|(name, span)| namespace(name, span))
        .collect()
}

/// The zone of one namespace.
fn namespace(name: &str, span: Option<trustmap_model::Span>) -> Zone {
    let mut z = zone(
        &namespace_zone(name).0,
        ZoneKind::Namespace,
        name,
        crate::ZoneParent::Cluster,
        TrustLevel::Medium,
    );
    z.span = span;
    z
}

/// Puts the applications' models into one fragment. An object that two applications define
/// (the same kind, namespace and name in unrelated examples) is two elements, each with its
/// application's folder in its id, and a note says so: objects are never merged silently.
/// A namespace that several applications use is one zone per application (named alike, with
/// the folder in its id): unrelated examples that share `default` are not neighbours, so a
/// rule that asks what shares a data store's zone finds only its own application.
fn merge_applications(applications: Vec<(String, Fragment)>, into: &mut Fragment) {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut zone_users: BTreeMap<ZoneId, usize> = BTreeMap::new();
    for (root, app) in &applications {
        for element in &app.elements {
            owners
                .entry(element.id.0.clone())
                .or_default()
                .push(shown_root(root).to_string());
        }
        for zone in &app.zones {
            *zone_users.entry(zone.id.clone()).or_default() += 1;
        }
    }
    let mut zones: BTreeMap<ZoneId, Zone> = BTreeMap::new();
    for (root, mut app) in applications {
        let zone_of = |id: &ZoneId| -> ZoneId {
            match id.0.strip_prefix("k8s:") {
                Some(rest) if zone_users.get(id).is_some_and(|users| *users > 1) => {
                    ZoneId(format!("k8s:{}:{rest}", shown_root(&root)))
                }
                _ => id.clone(),
            }
        };
        for mut zone in std::mem::take(&mut app.zones) {
            zone.id = zone_of(&zone.id);
            zones.insert(zone.id.clone(), zone);
        }
        for element in &mut app.elements {
            element.zone = zone_of(&element.zone);
        }
        let qualified = |id: &trustmap_model::ElementId| -> Option<trustmap_model::ElementId> {
            let shared = owners.get(&id.0).is_some_and(|roots| roots.len() > 1);
            let rest = id.0.strip_prefix("k8s:")?;
            shared.then(|| trustmap_model::ElementId(format!("k8s:{}:{rest}", shown_root(&root))))
        };
        for element in &mut app.elements {
            if let Some(new) = qualified(&element.id) {
                let roots = &owners[&element.id.0];
                if let Some(span) = &element.span {
                    into.diagnostics.push(Diagnostic::new(
                        DiagnosticLevel::Note,
                        Code::K8sSameObject,
                        span.clone(),
                        format!(
                            "{} is defined by {} applications (folders {}): each is modelled on its own, as `{new}`",
                            element.name,
                            roots.len(),
                            roots.join(", ")
                        ),
                    ));
                }
                element.id = new;
            }
        }
        for flow in &mut app.flows {
            let old = format!("{} -> {}", flow.source, flow.target);
            let source = qualified(&flow.source);
            let target = qualified(&flow.target);
            if source.is_none() && target.is_none() {
                continue;
            }
            if let Some(source) = source {
                flow.source = source;
            }
            if let Some(target) = target {
                flow.target = target;
            }
            let suffix = flow.id.0.strip_prefix(&old).unwrap_or("").to_string();
            flow.id.0 = format!("{} -> {}{suffix}", flow.source, flow.target);
        }
        into.elements.extend(app.elements);
        into.flows.extend(app.flows);
        into.diagnostics.extend(app.diagnostics);
    }
    into.zones.extend(zones.into_values());
}

/// An application's folder as ids and messages show it (`.` for the scan root).
fn shown_root(root: &str) -> &str {
    if root.is_empty() { "." } else { root }
}

/// Where a zone hangs.
enum ZoneParent {
    Internet,
    Cluster,
}

fn zone(id: &str, kind: ZoneKind, name: &str, parent: ZoneParent, trust: TrustLevel) -> Zone {
    Zone {
        id: ZoneId(id.to_string()),
        kind,
        name: name.to_string(),
        parent: Some(match parent {
            ZoneParent::Internet => ZoneId::internet(),
            ZoneParent::Cluster => ZoneId(CLUSTER_ZONE.to_string()),
        }),
        trust,
        span: None,
        attributes: Attributes::default(),
    }
}

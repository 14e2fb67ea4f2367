//! Kubernetes manifests into the data-flow model.
//!
//! Every manifest of a scan is read together, because Kubernetes wires objects by name and
//! label across files: a Service selects pods by label, an Ingress names a Service, a
//! RoleBinding grants a Role to a ServiceAccount, a NetworkPolicy isolates pods by label.
//!
//! The cluster and each namespace are zones, and so are the cluster's nodes, which a pod
//! reaches through host paths, host namespaces and privilege. Workloads are processes (or data
//! stores, for well-known database images); Services, Ingresses and Gateways are processes that
//! forward; Secrets, ConfigMaps and PersistentVolumeClaims are data stores. Flows come from
//! Service selectors, Ingress and route backends, environment values that name a Service, and
//! mounts. The manifests are read from the spanned YAML tree, so every fact points at its line.

mod network;
mod objects;
mod rbac;
mod selection;
mod workload;

use std::collections::BTreeMap;
use trustmap_model::{
    Attributes, Budget, Fragment, Limit, Limits, TrustLevel, Zone, ZoneId, ZoneKind,
};

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
    let (objects, diagnostics) = objects::load(files, bounds);
    fragment.diagnostics.extend(diagnostics);
    if objects.is_empty() {
        return fragment;
    }
    let cluster = objects::Cluster::new(objects, paths);

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
    let mut namespaces: BTreeMap<String, Option<trustmap_model::Span>> = BTreeMap::new();
    for object in &cluster.objects {
        if !object.namespace.is_empty() {
            namespaces.entry(object.namespace.clone()).or_insert(None);
        }
        if object.kind == "Namespace" {
            namespaces.insert(object.name.clone(), Some(cluster.span(&object.node)));
        }
    }
    for (name, span) in &namespaces {
        let mut z = zone(
            &namespace_zone(name).0,
            ZoneKind::Namespace,
            name,
            crate::ZoneParent::Cluster,
            TrustLevel::Medium,
        );
        z.span = span.clone();
        fragment.zones.push(z);
    }

    let privileges = rbac::privileges(&cluster, &mut fragment.diagnostics);
    let mut builder = workload::Builder::new(&cluster, &privileges, limits);
    builder.workloads();
    network::wire(&cluster, &mut builder);
    builder.finish(&mut fragment);
    fragment
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

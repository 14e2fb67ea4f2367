//! Applications: which manifests of a scan are one deployed application, so that unrelated
//! examples in one repository are modelled apart.
//!
//! Kubernetes wires objects by name and label, and unrelated examples in one repository share
//! namespaces (`default`) and labels (`app: frontend`): read as one pile, a LoadBalancer of one
//! example "exposes" the pods of another. An application is:
//!
//! - the manifests under a folder holding a `kustomization.yaml`, with every folder or file its
//!   `resources`, `bases` and `components` name (so a base and its overlays are one);
//! - otherwise the manifests of one folder;
//! - joined with another when one names an object (a Service behind an Ingress, its GKE
//!   FrontendConfig, a Secret, a ConfigMap, a claim, a ServiceAccount, a Role, a scaled
//!   workload) that its own manifests do not define and exactly one other does.
//!
//! Labels never join applications: they are too common to tell examples apart. Scanning a root
//! therefore gives what scanning each application alone gives.

use crate::objects::{Object, at, items, text};
use std::collections::{BTreeMap, BTreeSet};

/// The manifests of one application.
#[derive(Debug)]
pub struct Application {
    /// The folder the application is named by (the shortest folder among its manifests'; empty
    /// for the scan root).
    pub root: String,
    /// Its objects.
    pub objects: Vec<Object>,
}

/// A folder or file a Kustomization includes, as written in the Kustomization at `file`.
#[derive(Debug, Clone)]
pub struct Inclusion {
    /// The index of the Kustomization's file.
    pub file: u32,
    /// The entry of `resources`, `bases` or `components`.
    pub entry: String,
}

/// The Kustomization entries that include other files or folders.
pub fn inclusions(file: u32, kustomization: &trustmap_yaml::Node) -> Vec<Inclusion> {
    ["resources", "bases", "components"]
        .iter()
        .flat_map(|key| items(kustomization, &[key]))
        .filter_map(|entry| entry.as_str())
        .filter(|entry| !entry.contains("://") && !entry.starts_with("github.com/"))
        .map(|entry| Inclusion {
            file,
            entry: entry.to_string(),
        })
        .collect()
}

/// Whether a file is a Kustomization by its name, as `kustomize build` finds one: such a file
/// may leave out `apiVersion` and `kind`.
pub fn is_kustomization_file(path: &str) -> bool {
    matches!(
        path.rsplit('/').next(),
        Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
    )
}

/// Splits the objects of a scan into applications, sorted by root.
pub fn split(paths: &[String], objects: Vec<Object>, inclusions: &[Inclusion]) -> Vec<Application> {
    let folders: Vec<String> = paths.iter().map(|p| folder_of(p).to_string()).collect();
    let kustomized: BTreeSet<&str> = paths
        .iter()
        .zip(&folders)
        .filter(|(path, _)| is_kustomization_file(path))
        .map(|(_, folder)| folder.as_str())
        .collect();
    // Each file's first guess: its nearest kustomized folder, else its own folder.
    let keys: Vec<String> = folders
        .iter()
        .map(|folder| {
            ancestors(folder)
                .find(|a| kustomized.contains(a))
                .unwrap_or(folder)
                .to_string()
        })
        .collect();
    let mut groups = UnionFind::default();
    for key in &keys {
        groups.add(key);
    }
    for inclusion in inclusions {
        let from = &keys[inclusion.file as usize];
        let target = normalise(&folders[inclusion.file as usize], &inclusion.entry);
        let below = format!("{target}/");
        for (index, path) in paths.iter().enumerate() {
            let inside = target.is_empty()
                || path == &target
                || folders[index] == target
                || folders[index].starts_with(&below);
            if inside {
                groups.union(from, &keys[index]);
            }
        }
    }
    // Names an application uses but does not define, joined to the one application that does.
    let key_of = |object: &Object| keys[object.node.source as usize].as_str();
    let mut defined: BTreeMap<(&str, &str, &str), BTreeSet<&str>> = BTreeMap::new();
    for object in &objects {
        defined
            .entry((&object.kind, &object.namespace, &object.name))
            .or_default()
            .insert(key_of(object));
    }
    let mut joins = Vec::new();
    for object in &objects {
        let own = key_of(object);
        for (kind, namespace, name) in references(object) {
            let Some(owners) = defined.get(&(kind, namespace.as_str(), name.as_str())) else {
                continue;
            };
            if !owners.contains(own) && owners.len() == 1 {
                joins.push((own.to_string(), owners.iter().next().unwrap().to_string()));
            }
        }
    }
    for (a, b) in joins {
        groups.union(&a, &b);
    }
    let mut applications: BTreeMap<String, Vec<Object>> = BTreeMap::new();
    for object in objects {
        let group = groups.find(key_of(&object));
        applications.entry(group).or_default().push(object);
    }
    applications
        .into_iter()
        .map(|(root, objects)| Application { root, objects })
        .collect()
}

/// The objects another object names, as (kind, namespace, name); cluster-scoped kinds have an
/// empty namespace.
fn references(object: &Object) -> Vec<(&'static str, String, String)> {
    let namespace = object.namespace.clone();
    let mut found = Vec::new();
    let mut named = |kind: &'static str, node: Option<&trustmap_yaml::Node>| {
        if let Some(name) = node.and_then(trustmap_yaml::Node::as_str) {
            let scope = if kind == "ClusterRole" {
                String::new()
            } else {
                namespace.clone()
            };
            found.push((kind, scope, name.to_string()));
        }
    };
    match object.kind.as_str() {
        "Ingress" => {
            let backends = items(&object.node, &["spec", "rules"])
                .iter()
                .flat_map(|rule| items(rule, &["http", "paths"]))
                .filter_map(|path| path.get("backend"))
                .chain(at(&object.node, &["spec", "defaultBackend"]))
                .chain(at(&object.node, &["spec", "backend"]))
                .collect::<Vec<_>>();
            for backend in backends {
                named("Service", at(backend, &["service", "name"]));
                named("Service", backend.get("serviceName"));
            }
            // GKE: the FrontendConfig that may redirect its plain HTTP.
            named(
                "FrontendConfig",
                at(
                    &object.node,
                    &[
                        "metadata",
                        "annotations",
                        "networking.gke.io/v1beta1.FrontendConfig",
                    ],
                ),
            );
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            let role_kind = at(&object.node, &["roleRef", "kind"]).and_then(|k| k.as_str());
            let role = at(&object.node, &["roleRef", "name"]);
            named(
                if role_kind == Some("Role") {
                    "Role"
                } else {
                    "ClusterRole"
                },
                role,
            );
            for subject in items(&object.node, &["subjects"]) {
                if text(subject, &["kind"]) == Some("ServiceAccount") {
                    named("ServiceAccount", subject.get("name"));
                }
            }
        }
        "HorizontalPodAutoscaler" => {
            if let Some(kind) = text(&object.node, &["spec", "scaleTargetRef", "kind"])
                && let Some(workload) = crate::workload::WORKLOADS
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map(|(k, _)| *k)
            {
                named(
                    workload,
                    at(&object.node, &["spec", "scaleTargetRef", "name"]),
                );
            }
        }
        _ if object.kind.ends_with("Route") => {
            for rule in items(&object.node, &["spec", "rules"]) {
                for backend in items(rule, &["backendRefs"]) {
                    named("Service", backend.get("name"));
                }
            }
        }
        _ => {}
    }
    let pod = if object.kind == "Pod" {
        Some(&object.node)
    } else {
        crate::workload::WORKLOADS
            .iter()
            .find(|(kind, _)| *kind == object.kind)
            .and_then(|(_, path)| at(&object.node, path))
    };
    if let Some(pod) = pod {
        let spec = pod.get("spec").unwrap_or(pod);
        named("ServiceAccount", spec.get("serviceAccountName"));
        for volume in items(spec, &["volumes"]) {
            named("Secret", at(volume, &["secret", "secretName"]));
            named("ConfigMap", at(volume, &["configMap", "name"]));
            named(
                "PersistentVolumeClaim",
                at(volume, &["persistentVolumeClaim", "claimName"]),
            );
        }
        let containers = items(spec, &["containers"])
            .iter()
            .chain(items(spec, &["initContainers"]));
        for container in containers {
            for source in items(container, &["envFrom"]) {
                named("Secret", at(source, &["secretRef", "name"]));
                named("ConfigMap", at(source, &["configMapRef", "name"]));
            }
            for variable in items(container, &["env"]) {
                named(
                    "Secret",
                    at(variable, &["valueFrom", "secretKeyRef", "name"]),
                );
                named(
                    "ConfigMap",
                    at(variable, &["valueFrom", "configMapKeyRef", "name"]),
                );
            }
        }
    }
    found
}

/// The folder of a path (`a/b/x.yaml` → `a/b`; `x.yaml` → empty).
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// A folder and its ancestors, nearest first, ending with the root (empty).
fn ancestors(folder: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(folder);
    std::iter::from_fn(move || {
        let current = next?;
        next = if current.is_empty() {
            None
        } else {
            Some(folder_of(current))
        };
        Some(current)
    })
}

/// `entry` resolved against `folder`, with `.` and `..` applied (never above the root).
fn normalise(folder: &str, entry: &str) -> String {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in entry.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Groups of folder keys; a group is named by its shortest key (then the first in order).
#[derive(Default)]
struct UnionFind {
    parent: BTreeMap<String, String>,
}

impl UnionFind {
    fn add(&mut self, key: &str) {
        self.parent
            .entry(key.to_string())
            .or_insert_with(|| key.to_string());
    }

    fn find(&mut self, key: &str) -> String {
        let mut current = key.to_string();
        loop {
            let parent = self
                .parent
                .get(&current)
                .cloned()
                .unwrap_or(current.clone());
            if parent == current {
                break;
            }
            current = parent;
        }
        // Path compression keeps later finds short.
        let mut node = key.to_string();
        while node != current {
            let next = self.parent[&node].clone();
            self.parent.insert(node, current.clone());
            node = next;
        }
        current
    }

    fn union(&mut self, a: &str, b: &str) {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        // The group is named by its shortest folder, then the first in order: stable, whatever
        // order the joins come in.
        let (keep, drop) = if (a.len(), &a) <= (b.len(), &b) {
            (a, b)
        } else {
            (b, a)
        };
        self.parent.insert(drop, keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_resolve_against_the_kustomization_folder() {
        assert_eq!(normalise("overlays/prod", "../../base"), "base");
        assert_eq!(normalise("app", "./deploy.yaml"), "app/deploy.yaml");
        assert_eq!(normalise("", "../../x"), "x");
    }

    #[test]
    fn ancestors_end_at_the_root() {
        let all: Vec<&str> = ancestors("a/b").collect();
        assert_eq!(all, ["a/b", "a", ""]);
        assert_eq!(ancestors("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn groups_are_named_by_their_shortest_folder_whatever_the_order() {
        let mut one = UnionFind::default();
        let mut two = UnionFind::default();
        for uf in [&mut one, &mut two] {
            for key in ["x/deep", "x", "y"] {
                uf.add(key);
            }
        }
        one.union("x/deep", "y");
        one.union("y", "x");
        two.union("x", "y");
        two.union("y", "x/deep");
        assert_eq!(one.find("x/deep"), "x");
        assert_eq!(two.find("x/deep"), "x");
        assert_eq!(one.find("y"), two.find("y"));
    }
}

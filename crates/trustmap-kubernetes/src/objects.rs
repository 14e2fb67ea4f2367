//! Reading manifests into objects: documents, `List` kinds, kinds and names, namespaces.

use crate::ManifestFile;
use crate::application::Inclusion;
use std::collections::HashMap;
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, FileName, Span};
use trustmap_yaml::{Node, NodeValue, SharedBounds};

/// Kinds that live outside namespaces.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "Node",
    "StorageClass",
    "CustomResourceDefinition",
    "IngressClass",
    "GatewayClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
];

/// One Kubernetes object and where it was written.
#[derive(Debug, Clone)]
pub struct Object {
    /// `apps/v1`, `v1`, ...
    pub api_version: String,
    /// `Deployment`, ...
    pub kind: String,
    /// The namespace (`default` when a namespaced object names none); empty for cluster-scoped
    /// kinds.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The object's YAML tree.
    pub node: Node,
}

impl Object {
    /// The API group (`apps`, `networking.k8s.io`; `core` for `v1`).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("core", |(g, _)| g)
    }

    /// The stable element id: `k8s:apps/Deployment/shop/frontend`.
    pub fn id(&self) -> String {
        if self.namespace.is_empty() {
            format!("k8s:{}/{}/{}", self.group(), self.kind, self.name)
        } else {
            format!(
                "k8s:{}/{}/{}/{}",
                self.group(),
                self.kind,
                self.namespace,
                self.name
            )
        }
    }

    /// `metadata.labels`.
    pub fn labels(&self) -> Vec<(String, String)> {
        labels(at(&self.node, &["metadata", "labels"]))
    }

    /// A metadata annotation.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        at(&self.node, &["metadata", "annotations", key]).and_then(Node::as_str)
    }
}

/// The node at a path of mapping keys.
pub fn at<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
    path.iter().try_fold(node, |n, key| n.get(key))
}

/// The items of a sequence at a path (empty when absent or not a sequence).
pub fn items<'n>(node: &'n Node, path: &[&str]) -> &'n [Node] {
    at(node, path).and_then(Node::as_sequence).unwrap_or(&[])
}

/// A string at a path.
pub fn text<'n>(node: &'n Node, path: &[&str]) -> Option<&'n str> {
    at(node, path).and_then(Node::as_str)
}

/// A label map as pairs.
pub fn labels(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::as_mapping)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| {
            Some((
                k.as_str()?.to_string(),
                v.as_str().unwrap_or("").to_string(),
            ))
        })
        .collect()
}

/// Whether a text looks like a Kubernetes manifest (YAML or JSON with `apiVersion` and
/// `kind`). A cheap test for discovery: in YAML both keys must start a line, as they do at the
/// top of every manifest document, so a CI workflow or a script that merely embeds a manifest
/// in an indented block is not taken for one.
pub fn looks_like_kubernetes(text: &str) -> bool {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return text.contains("\"apiVersion\"") && text.contains("\"kind\"");
    }
    let key_line = |key: &str| text.lines().any(|line| line.starts_with(key));
    key_line("apiVersion:") && key_line("kind:")
}

/// Every object of every file, and what could not be read. Every file takes its nodes from
/// the scan's shared `bounds`.
pub fn load(files: &[ManifestFile], bounds: SharedBounds<'_>) -> Loaded {
    use rayon::prelude::*;
    let results: Vec<Loaded> = files
        .par_iter()
        .enumerate()
        .map(|(index, file)| load_file(index as u32, file, bounds))
        .collect();
    let mut all = Loaded::default();
    for loaded in results {
        all.objects.extend(loaded.objects);
        all.diagnostics.extend(loaded.diagnostics);
        all.inclusions.extend(loaded.inclusions);
        all.unread_bindings.extend(loaded.unread_bindings);
    }
    all
}

/// What the manifests of a scan hold.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every object.
    pub objects: Vec<Object>,
    /// What could not be read.
    pub diagnostics: Vec<Diagnostic>,
    /// What Kustomizations include.
    pub inclusions: Vec<Inclusion>,
    /// The text of files skipped or not readable as YAML that may hold bindings (they mention
    /// `roleRef`): a role they may name is not known to be unbound.
    pub unread_bindings: Vec<String>,
}

fn load_file(index: u32, file: &ManifestFile, bounds: SharedBounds<'_>) -> Loaded {
    let mut diagnostics = Vec::new();
    let mut inclusions = Vec::new();
    let unread_bindings = || {
        Some(file.text.clone())
            .filter(|text| text.contains("roleRef"))
            .into_iter()
            .collect()
    };
    if file.text.contains("{{") {
        diagnostics.push(Diagnostic::file(
            DiagnosticLevel::Note,
            Code::HelmTemplate,
            &file.path,
            "a template with `{{ }}` placeholders (a Helm chart or similar), not YAML: skipped; scan its rendered output, e.g. `helm template ... | trustmap scan -`",
        ));
        return Loaded {
            diagnostics,
            unread_bindings: unread_bindings(),
            ..Loaded::default()
        };
    }
    let loaded = match trustmap_yaml::load_shared(&file.text, index, bounds) {
        Ok(loaded) => loaded,
        Err(e) => {
            diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Error,
                Code::YamlSyntax,
                Span::lines(&file.path, e.line, e.line),
                format!("not valid YAML: {}", e.message),
            ));
            return Loaded {
                diagnostics,
                unread_bindings: unread_bindings(),
                ..Loaded::default()
            };
        }
    };
    if let Some(hit) = &loaded.cut {
        diagnostics.push(hit.diagnostic(&file.path));
    }
    for warning in loaded.warnings {
        diagnostics.push(Diagnostic::new(
            DiagnosticLevel::Warning,
            Code::YamlDuplicateKey,
            Span::lines(&file.path, warning.line, warning.line),
            warning.message,
        ));
    }
    let mut objects = Vec::new();
    let mut pending: Vec<Node> = loaded.documents;
    pending.reverse();
    while let Some(document) = pending.pop() {
        if document.is_null() {
            continue;
        }
        let kind = document.get("kind").and_then(Node::as_str).unwrap_or("");
        let api_version = document
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or("");
        let unversioned_kustomization = kind.is_empty()
            && api_version.is_empty()
            && crate::application::is_kustomization_file(&file.path);
        if api_version.starts_with("kustomize.config.k8s.io") || unversioned_kustomization {
            diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Note,
                Code::Kustomization,
                Span::lines(&file.path, document.start.line, document.start.line),
                "a Kustomization: its resources are scanned as plain manifests; patches and overlays are not applied",
            ));
            inclusions.extend(crate::application::inclusions(index, &document));
            continue;
        }
        if kind.is_empty() || api_version.is_empty() {
            diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Warning,
                Code::K8sNotAnObject,
                Span::lines(&file.path, document.start.line, document.start.line),
                "a document without `apiVersion` and `kind` is not a Kubernetes object: skipped",
            ));
            continue;
        }
        if document.get("$patch").is_some() {
            diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Note,
                Code::K8sPatch,
                Span::lines(&file.path, document.start.line, document.start.line),
                format!("a strategic-merge patch of {kind}, not an object: skipped"),
            ));
            continue;
        }
        if kind.ends_with("List") {
            if let Some(list) = document.get("items").and_then(Node::as_sequence) {
                pending.extend(list.iter().rev().cloned());
            }
            continue;
        }
        let name = at(&document, &["metadata", "name"]).and_then(Node::as_str);
        let Some(name) = name else {
            diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Note,
                Code::K8sNoName,
                Span::lines(&file.path, document.start.line, document.start.line),
                format!("a {kind} without `metadata.name`: skipped"),
            ));
            continue;
        };
        let namespace = if CLUSTER_SCOPED.contains(&kind) {
            String::new()
        } else {
            at(&document, &["metadata", "namespace"])
                .and_then(Node::as_str)
                .unwrap_or("default")
                .to_string()
        };
        objects.push(Object {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace,
            name: name.to_string(),
            node: document,
        });
    }
    Loaded {
        objects,
        diagnostics,
        inclusions,
        unread_bindings: Vec::new(),
    }
}

/// All objects of the scan, with their files, indexed by kind and by kind, namespace and name
/// so that every lookup the wiring makes is constant time, however many objects there are.
pub struct Cluster {
    /// Every object, in file order.
    pub objects: Vec<Object>,
    files: Vec<FileName>,
    /// The indexes of the objects of each kind, in file order.
    by_kind: HashMap<String, Vec<usize>>,
    /// The first object of a kind, namespace and name.
    by_name: HashMap<(String, String, String), usize>,
}

impl Cluster {
    /// Wraps the objects.
    pub fn new(mut objects: Vec<Object>, files: Vec<impl Into<FileName>>) -> Cluster {
        let files = files.into_iter().map(Into::into).collect();
        objects.sort_by_key(|o| (o.node.source, o.node.start));
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_name = HashMap::new();
        for (index, object) in objects.iter().enumerate() {
            by_kind.entry(object.kind.clone()).or_default().push(index);
            by_name
                .entry((
                    object.kind.clone(),
                    object.namespace.clone(),
                    object.name.clone(),
                ))
                .or_insert(index);
        }
        Cluster {
            objects,
            files,
            by_kind,
            by_name,
        }
    }

    /// An object defined again with the kind, namespace and name of an earlier one in the
    /// same application: only the first is modelled, and a warning at the later one says so.
    pub fn redefinitions(&self) -> Vec<Diagnostic> {
        self.objects
            .iter()
            .enumerate()
            .filter_map(|(index, object)| {
                let first = self.by_name[&(
                    object.kind.clone(),
                    object.namespace.clone(),
                    object.name.clone(),
                )];
                (first != index).then(|| {
                    let earlier = self.declaration(&self.objects[first]);
                    Diagnostic::new(
                        DiagnosticLevel::Warning,
                        Code::K8sDuplicateObject,
                        self.declaration(object),
                        format!(
                            "{} {} is defined again (first at {}:{}): only the first is modelled",
                            object.kind,
                            qualified_name(object),
                            earlier.file,
                            earlier.start.line
                        ),
                    )
                })
            })
            .collect()
    }

    /// A node's span.
    pub fn span(&self, node: &Node) -> Span {
        node.span(&self.files)
    }

    /// Where an object is declared: its `metadata.name` line (the line a reader looks for),
    /// else the object's first line.
    pub fn declaration(&self, object: &Object) -> Span {
        at(&object.node, &["metadata", "name"])
            .map_or_else(|| self.span(&object.node), |n| self.span(n))
    }

    /// Objects of one kind, in file order.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&index| &self.objects[index])
    }

    /// An object by kind, namespace and name.
    pub fn find(&self, kind: &str, namespace: &str, name: &str) -> Option<&Object> {
        self.by_name
            .get(&(kind.to_string(), namespace.to_string(), name.to_string()))
            .map(|&index| &self.objects[index])
    }
}

/// `namespace/name`, or `name` for a cluster-scoped object.
fn qualified_name(object: &Object) -> String {
    if object.namespace.is_empty() {
        object.name.clone()
    } else {
        format!("{}/{}", object.namespace, object.name)
    }
}

/// A short type name for messages.
pub fn type_name(node: &Node) -> &'static str {
    match node.value {
        NodeValue::Null => "null",
        NodeValue::Scalar(..) => "a scalar",
        NodeValue::Sequence(_) => "a list",
        NodeValue::Mapping(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategic_merge_patches_are_noted_not_read_as_objects() {
        let file = ManifestFile {
            path: "kustomize/delete.patch.yaml".to_string(),
            text: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: loadgenerator\n$patch: delete\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n".to_string(),
        };
        let limits = trustmap_model::Limits::default();
        let nodes = trustmap_model::Budget::new(trustmap_model::Limit::YamlNodes, &limits);
        let bounds = SharedBounds {
            nodes: &nodes,
            max_depth: 128,
        };
        let Loaded {
            objects,
            diagnostics,
            ..
        } = load_file(0, &file, bounds);
        let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["web"]);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].code, "k8s-patch");
        assert_eq!(diagnostics[0].level, DiagnosticLevel::Note);
        assert_eq!(diagnostics[0].span.start.line, 1);
    }

    #[test]
    fn manifests_are_told_from_files_that_embed_one() {
        assert!(looks_like_kubernetes(
            "# comment\napiVersion: v1\nkind: Service\n"
        ));
        assert!(looks_like_kubernetes(
            "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}"
        ));
        let workflow = "on: push\njobs:\n  deploy:\n    steps:\n      - run: |\n          cat <<EOF | kubectl apply -f -\n          apiVersion: v1\n          kind: Namespace\n";
        assert!(!looks_like_kubernetes(workflow));
    }
}

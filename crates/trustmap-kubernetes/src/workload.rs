//! Workloads (and the Secrets, ConfigMaps and volume claims they use) into elements, with the
//! attributes of their pod template: security context with pod/container precedence, host
//! namespaces and paths, capabilities, resources, service account and its rights, secrets.

use crate::control_plane;
use crate::objects::{Cluster, Object, at, items, labels, text};
use crate::rbac::{self, Account, Privileges};
use crate::{NODES_ZONE, namespace_zone};
use std::collections::{BTreeMap, HashMap};
use trustmap_containers::{self as containers, EnvEntry, Technology};
use trustmap_model::Code;
use trustmap_model::{
    AttrName, Attributes, Budget, Diagnostic, DiagnosticLevel, Element, ElementId, ElementKind,
    Flow, Fragment, Span, Tri, ZoneId,
};
use trustmap_yaml::{Node, NodeValue};

/// Kinds that run pods, with the path to their pod template.
pub(crate) const WORKLOADS: &[(&str, &[&str])] = &[
    ("Deployment", &["spec", "template"]),
    ("StatefulSet", &["spec", "template"]),
    ("DaemonSet", &["spec", "template"]),
    ("ReplicaSet", &["spec", "template"]),
    ("ReplicationController", &["spec", "template"]),
    ("Job", &["spec", "template"]),
    ("CronJob", &["spec", "jobTemplate", "spec", "template"]),
];

/// Annotations that map a ServiceAccount to a cloud identity (EKS IRSA, GKE Workload Identity,
/// Azure Workload Identity): its token then opens that identity's rights too.
const CLOUD_IDENTITY_ANNOTATIONS: &[&str] = &[
    "eks.amazonaws.com/role-arn",
    "iam.gke.io/gcp-service-account",
    "azure.workload.identity/client-id",
];

/// Kinds this parser reads, or knows to carry no data flow of their own. Any other kind (a
/// custom resource, a kind newer than this list) is kept as an element of unknown role.
const KNOWN_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Service",
    "Ingress",
    "Gateway",
    "NetworkPolicy",
    "Namespace",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Secret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "LimitRange",
    "ResourceQuota",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "IngressClass",
    "GatewayClass",
    "PriorityClass",
    "CustomResourceDefinition",
    "Endpoints",
    "EndpointSlice",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "Lease",
    "Event",
    "Node",
    "ControllerRevision",
    "CSIDriver",
    "VolumeAttachment",
    "RuntimeClass",
    "PodSecurityPolicy",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ReferenceGrant",
    "VerticalPodAutoscaler",
];

/// Fields whose YAML type Kubernetes fixes, with a test and the type it wants.
type TypeCheck = (&'static [&'static str], fn(&Node) -> bool, &'static str);

const TYPE_CHECKS: &[TypeCheck] = &[
    (&["metadata"], is_mapping, "a mapping"),
    (&["metadata", "labels"], is_mapping, "a mapping"),
    (&["metadata", "annotations"], is_mapping, "a mapping"),
    (&["spec", "replicas"], is_integer, "an integer"),
    (&["spec", "template"], is_mapping, "a mapping"),
    (&["spec", "template", "spec"], is_mapping, "a mapping"),
    (&["spec", "selector"], is_mapping, "a mapping"),
    (&["spec", "ports"], is_sequence, "a list"),
    (&["spec", "rules"], is_sequence, "a list"),
    (&["spec", "tls"], is_sequence, "a list"),
];

fn is_mapping(node: &Node) -> bool {
    node.as_mapping().is_some()
}

fn is_sequence(node: &Node) -> bool {
    node.as_sequence().is_some() || node.is_null()
}

fn is_integer(node: &Node) -> bool {
    matches!(&node.value, NodeValue::Scalar(text, trustmap_yaml::ScalarStyle::Plain) if text.parse::<i64>().is_ok())
}

/// What the wiring needs to know about a workload.
#[derive(Debug, Clone)]
pub struct Workload {
    /// The element id.
    pub id: ElementId,
    /// Its namespace.
    pub namespace: String,
    /// The pod template's labels.
    pub labels: Vec<(String, String)>,
    /// Every container's environment.
    pub env: Vec<EnvEntry>,
    /// Every container's command and arguments, each with its span.
    pub args: Vec<(String, Span)>,
    /// What its main image is.
    pub technology: Option<Technology>,
}

/// Collects elements and flows while the manifests are read.
pub struct Builder<'c> {
    /// The objects.
    pub cluster: &'c Cluster,
    privileges: &'c Privileges,
    /// Elements by id.
    pub elements: BTreeMap<String, Element>,
    /// Flows.
    flows: Vec<Flow>,
    /// The scan's bound on flows ([`Limit::Flows`]); once it is reached, flows are cut and
    /// said so.
    flow_budget: &'c Budget,
    flows_cut: bool,
    /// Per namespace, the LimitRange default that gives its containers limits.
    default_limits: HashMap<String, Option<Span>>,
    /// Problems found.
    pub diagnostics: Vec<Diagnostic>,
    /// The workloads, for wiring.
    pub workloads: Vec<Workload>,
    /// The workloads that run with each service account's token mounted (or perhaps mounted),
    /// by name, at the workload.
    pub carriers: BTreeMap<Account, Vec<(String, Span)>>,
}

/// One container with its pod-level defaults.
struct Container<'n> {
    node: &'n Node,
    pod: &'n Node,
    /// An init container: it runs, and exits, before the pod serves.
    init: bool,
}

impl<'n> Container<'n> {
    /// A security-context field with container-over-pod precedence.
    fn security(&self, key: &str) -> Option<&'n Node> {
        at(self.node, &["securityContext", key]).or_else(|| at(self.pod, &["securityContext", key]))
    }
}

impl<'c> Builder<'c> {
    /// A builder over the cluster's objects.
    pub fn new(
        cluster: &'c Cluster,
        privileges: &'c Privileges,
        flow_budget: &'c Budget,
    ) -> Builder<'c> {
        Builder {
            cluster,
            privileges,
            elements: BTreeMap::new(),
            flows: Vec::new(),
            flow_budget,
            flows_cut: false,
            default_limits: HashMap::new(),
            diagnostics: Vec::new(),
            workloads: Vec::new(),
            carriers: BTreeMap::new(),
        }
    }

    /// A node's span.
    pub fn span(&self, node: &Node) -> Span {
        self.cluster.span(node)
    }

    /// Adds an element unless one with its id exists.
    pub fn add(&mut self, element: Element) {
        self.elements.entry(element.id.0.clone()).or_insert(element);
    }

    /// Adds a flow, unless the bound on flows is reached: then the first flow cut is an
    /// error naming where the cutting began, and the others are dropped.
    pub fn flow(&mut self, flow: Flow) {
        if self.flow_budget.take(1) {
            self.flows.push(flow);
        } else if !self.flows_cut {
            self.flows_cut = true;
            // At the flow, else at the workload it leaves from: always a file and a line.
            let span = flow.span.clone().or_else(|| {
                self.elements
                    .get(&flow.source.0)
                    .and_then(|e| e.span.clone())
            });
            let span = span.unwrap_or_else(|| Span::lines("", 1, 1));
            self.diagnostics.push(self.flow_budget.diagnostic(
                span,
                "Kubernetes flows from here on were not modelled (so many selectors match so many pods?)",
            ));
        }
    }

    /// Whether the bound on flows was reached: wiring that only makes flows can stop.
    pub fn flows_full(&self) -> bool {
        self.flows_cut
    }

    /// Moves everything into the fragment.
    pub fn finish(self, fragment: &mut Fragment) {
        fragment.elements.extend(self.elements.into_values());
        fragment.flows.extend(self.flows);
        fragment.diagnostics.extend(self.diagnostics);
    }

    /// Reads the Secrets, ConfigMaps and claims declared, then every workload (a workload that
    /// uses one links to the declared element, with what it holds).
    pub fn workloads(&mut self) {
        for object in &self.cluster.objects {
            match object.kind.as_str() {
                // Data in a committed Secret manifest is only base64-encoded: every value is in
                // plain text, but a user name or a host beside the password is no secret. In a
                // ConfigMap, values under secret-like keys are.
                "Secret" => {
                    self.literal_secrets(object, "k8s-secret", &["data", "stringData"], |key| {
                        !containers::is_identifier_key(key)
                    })
                }
                "ConfigMap" => self.literal_secrets(
                    object,
                    "k8s-configmap",
                    &["data"],
                    containers::is_secret_key,
                ),
                "PersistentVolumeClaim" => {
                    let store = self.store(object, "k8s-pvc");
                    self.add(store);
                }
                _ => {}
            }
        }
        for object in &self.cluster.objects {
            self.check_types(object);
            if !KNOWN_KINDS.contains(&object.kind.as_str()) && !object.kind.ends_with("Route") {
                self.custom_resource(object);
            }
            if object.kind == "Pod" {
                self.workload(object, &object.node);
            } else if let Some((_, path)) = WORKLOADS.iter().find(|(k, _)| *k == object.kind) {
                match at(&object.node, path) {
                    Some(template) => self.workload(object, template),
                    None => self.diagnostics.push(Diagnostic::new(
                        DiagnosticLevel::Error,
                        Code::K8sNoTemplate,
                        self.cluster.span(&object.node),
                        format!(
                            "{} {} has no pod template at `{}`",
                            object.kind,
                            object.name,
                            path.join(".")
                        ),
                    )),
                }
            }
        }
    }

    /// Reports fields whose type Kubernetes would reject (`replicas: "three"`), with the line.
    fn check_types(&mut self, object: &Object) {
        for (path, ok, expected) in TYPE_CHECKS {
            if let Some(node) = at(&object.node, path)
                && !ok(node)
            {
                self.diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Error,
                    Code::K8sType,
                    self.span(node),
                    format!(
                        "`{}` of {} {} must be {expected}, found {}; Kubernetes would reject this object",
                        path.join("."),
                        object.kind,
                        object.name,
                        crate::objects::type_name(node)
                    ),
                ));
            }
        }
    }

    /// A custom resource or a kind this parser does not know: an element whose role is
    /// unknown, so the model shows it without guessing what it does.
    fn custom_resource(&mut self, object: &Object) {
        self.add(Element {
            id: ElementId(object.id()),
            kind: ElementKind::Process,
            name: format!("{} {}", object.kind, object.name),
            technology: Some(format!("custom:{}/{}", object.api_version, object.kind)),
            zone: if object.namespace.is_empty() {
                ZoneId(crate::CLUSTER_ZONE.to_string())
            } else {
                namespace_zone(&object.namespace)
            },
            attached_zones: Vec::new(),
            called_from: None,
            span: Some(self.cluster.declaration(object)),
            attributes: Attributes::default(),
        });
    }

    /// A Secret or ConfigMap as a data store, with the non-empty values it holds in plain text
    /// under keys that `keep` accepts.
    fn literal_secrets(
        &mut self,
        object: &Object,
        technology: &str,
        sections: &[&str],
        keep: fn(&str) -> bool,
    ) {
        let mut store = self.store(object, technology);
        for section in sections {
            for (key, value) in at(&object.node, &[section])
                .and_then(Node::as_mapping)
                .unwrap_or(&[])
            {
                // A value left to be filled in (`to-be-specified`, `<password>`) holds none.
                let filled = value.as_str().is_some_and(|v| {
                    !v.is_empty()
                        && !containers::is_placeholder_value(key.as_str().unwrap_or(""), v)
                });
                if let Some(name) = key.as_str().filter(|k| filled && keep(k)) {
                    store.attributes.push_item(
                        AttrName::PlaintextSecrets,
                        name,
                        Some(self.span(key)),
                    );
                }
            }
        }
        store.attributes.set_empty_list(AttrName::PlaintextSecrets);
        self.add(store);
    }

    fn store(&self, object: &Object, technology: &str) -> Element {
        Element {
            id: ElementId(object.id()),
            kind: ElementKind::DataStore,
            name: format!("{} {}", object.kind, object.name),
            technology: Some(technology.to_string()),
            zone: namespace_zone(&object.namespace),
            attached_zones: Vec::new(),
            called_from: None,
            span: Some(self.cluster.declaration(object)),
            attributes: Attributes::default(),
        }
    }

    /// A referenced Secret, ConfigMap or claim: the declared element, or one made from the
    /// reference when the manifest is not in the scan.
    fn referenced(
        &mut self,
        kind: &str,
        namespace: &str,
        name: &str,
        reference: &Node,
    ) -> ElementId {
        let group = "core";
        let id = format!("k8s:{group}/{kind}/{namespace}/{name}");
        if !self.elements.contains_key(&id) {
            let technology = match kind {
                "Secret" => "k8s-secret",
                "ConfigMap" => "k8s-configmap",
                _ => "k8s-pvc",
            };
            let element = Element {
                id: ElementId(id.clone()),
                kind: ElementKind::DataStore,
                name: format!("{kind} {name}"),
                technology: Some(technology.to_string()),
                zone: namespace_zone(namespace),
                attached_zones: Vec::new(),
                called_from: None,
                span: Some(self.span(reference)),
                attributes: Attributes::default(),
            };
            self.add(element);
        }
        ElementId(id)
    }

    fn workload(&mut self, object: &Object, template: &Node) {
        let Some(pod) = template.get("spec").filter(|s| s.as_mapping().is_some()) else {
            self.diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Error,
                Code::K8sNoPodSpec,
                self.span(template),
                format!(
                    "{} {} has no pod `spec` mapping; it was not modelled",
                    object.kind, object.name
                ),
            ));
            return;
        };
        let pod_labels = if object.kind == "Pod" {
            object.labels()
        } else {
            labels(at(template, &["metadata", "labels"]))
        };
        let mut containers: Vec<Container> = Vec::new();
        for key in ["initContainers", "containers", "ephemeralContainers"] {
            match pod.get(key).map(|n| &n.value) {
                Some(NodeValue::Sequence(list)) => {
                    containers.extend(list.iter().map(|node| Container {
                        node,
                        pod,
                        init: key == "initContainers",
                    }))
                }
                Some(NodeValue::Null) | None => {}
                Some(_) => {
                    let node = pod.get(key).expect("present");
                    self.diagnostics.push(Diagnostic::new(
                        DiagnosticLevel::Error,
                        Code::K8sType,
                        self.span(node),
                        format!(
                            "`{key}` of {} {} must be a list, found {}",
                            object.kind,
                            object.name,
                            crate::objects::type_name(node)
                        ),
                    ));
                }
            }
        }
        let main = pod
            .get("containers")
            .and_then(Node::as_sequence)
            .and_then(|c| c.first());
        let image = main.and_then(|c| c.get("image"));
        let technology = image
            .and_then(Node::as_str)
            .and_then(containers::technology);
        let kind = technology.map_or(ElementKind::Process, |t| t.kind);
        let mut attrs = Attributes::default();
        if let Some(image) = image.filter(|i| i.as_str().is_some()) {
            let reference = image.as_str().unwrap_or_default();
            attrs.set_text(AttrName::Image, reference, Some(self.span(image)));
            attrs.set_text(
                AttrName::ImageOrigin,
                containers::ImageOrigin::of_reference(reference).as_str(),
                Some(self.span(image)),
            );
        }

        for (key, attr) in [
            ("hostNetwork", AttrName::HostNetwork),
            ("hostPID", AttrName::HostPid),
            ("hostIPC", AttrName::HostIpc),
        ] {
            match pod.get(key) {
                Some(node) => attrs.set_flag(attr, truth(node), Some(self.span(node))),
                None => attrs.set_flag(attr, Tri::No, None),
            }
        }

        // Per container, the most dangerous value wins; its span is where it is set.
        let mut privileged = (Tri::No, None);
        let mut escalation = (Tri::No, None);
        let mut read_only = (Tri::Yes, None);
        let mut limits = (Tri::Yes, None);
        let mut root = (Tri::No, None);
        let mut seccomp = (Tri::Yes, None);
        let mut user_text: Option<(String, Span)> = None;
        let mut capabilities = Attributes::default();
        capabilities.set_empty_list(AttrName::CapabilitiesAdded);
        let mut env: Vec<EnvEntry> = Vec::new();
        let mut args: Vec<(String, Span)> = Vec::new();
        for container in &containers {
            let node = container.node;
            let field = |key: &str| at(node, &["securityContext", key]);
            let stated = |key: &str, default: Tri| match field(key) {
                Some(v) => (truth(v), Some(self.span(v))),
                None => (default, None),
            };
            let container_privileged = stated("privileged", Tri::No);
            let added = items(node, &["securityContext", "capabilities", "add"])
                .iter()
                .filter_map(|cap| Some((containers::capability_name(cap.as_str()?), cap)));
            if container.init {
                // What an init container holds is no door of the serving pod: stated apart.
                let name = text(node, &["name"]).unwrap_or("(unnamed)");
                if let (Tri::Yes, span) = &container_privileged {
                    attrs.push_item(
                        AttrName::InitContainerPrivileges,
                        format!("init container {name} runs privileged"),
                        span.clone(),
                    );
                }
                for (capability, cap) in added {
                    attrs.push_item(
                        AttrName::InitContainerPrivileges,
                        format!("init container {name} adds {capability}"),
                        Some(self.span(cap)),
                    );
                }
            } else {
                privileged = worse(privileged, container_privileged);
                for (capability, cap) in added {
                    capabilities.push_item(
                        AttrName::CapabilitiesAdded,
                        capability,
                        Some(self.span(cap)),
                    );
                }
            }
            // Kubernetes allows escalation unless told otherwise.
            escalation = worse(escalation, stated("allowPrivilegeEscalation", Tri::Yes));
            read_only = weaker(read_only, stated("readOnlyRootFilesystem", Tri::No));
            let has_limits = at(node, &["resources", "limits"])
                .and_then(Node::as_mapping)
                .is_some_and(|m| !m.is_empty());
            limits = weaker(limits, (Tri::from_bool(has_limits), None));
            let user = container.security("runAsUser");
            let non_root = container.security("runAsNonRoot");
            let runs_as_root = match (user.and_then(Node::as_str), non_root.map(truth)) {
                (Some("0"), _) => (Tri::Yes, user.map(|u| self.span(u))),
                (Some(_), _) => (Tri::No, user.map(|u| self.span(u))),
                (None, Some(Tri::Yes)) => (Tri::No, non_root.map(|n| self.span(n))),
                // The image's USER decides, which the manifest does not show.
                _ => (Tri::Unknown, None),
            };
            root = worse(root, runs_as_root);
            if let Some(user) = user.filter(|_| user_text.is_none()) {
                user_text = Some((
                    user.as_str().unwrap_or_default().to_string(),
                    self.span(user),
                ));
            }
            let profile = container.security("seccompProfile");
            let confined = match profile.and_then(|p| p.get("type")).and_then(Node::as_str) {
                Some("RuntimeDefault") | Some("Localhost") => Tri::Yes,
                // Unconfined, or no profile: the kubelet's default is unconfined.
                _ => Tri::No,
            };
            seccomp = weaker(seccomp, (confined, profile.map(|p| self.span(p))));
            for entry in items(node, &["env"]) {
                let Some(key) = text(entry, &["name"]) else {
                    continue;
                };
                let value = entry.get("value");
                let span = self.span(value.unwrap_or(entry));
                // `$(OTHER_VAR)` is expanded by Kubernetes from another variable: not a literal.
                let literal = value
                    .and_then(Node::as_str)
                    .is_some_and(|v| !v.contains("$("));
                let text_value = value.and_then(Node::as_str).unwrap_or_default().to_string();
                env.push(EnvEntry {
                    key: key.to_string(),
                    raw: text_value.clone(),
                    value: text_value,
                    literal,
                    // A value from a Secret or ConfigMap is not in the manifest.
                    known: literal,
                    span,
                });
                for (key, kind) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")] {
                    if let Some(reference) = at(entry, &["valueFrom", key]) {
                        let origin = format!("{}-reference", kind.to_ascii_lowercase());
                        self.mount(
                            object,
                            kind,
                            text(reference, &["name"]),
                            reference,
                            &origin,
                            Tri::Yes,
                        );
                    }
                }
            }
            for source in items(node, &["envFrom"]) {
                for (key, kind) in [("secretRef", "Secret"), ("configMapRef", "ConfigMap")] {
                    if let Some(reference) = source.get(key) {
                        let origin = format!("{}-reference", kind.to_ascii_lowercase());
                        self.mount(
                            object,
                            kind,
                            text(reference, &["name"]),
                            reference,
                            &origin,
                            Tri::Yes,
                        );
                    }
                }
            }
            let mut container_args: Vec<(String, Span)> = Vec::new();
            for key in ["command", "args"] {
                for arg in items(node, &[key]) {
                    if let Some(a) = arg.as_str() {
                        container_args.push((a.to_string(), self.span(arg)));
                    }
                }
            }
            let program = items(node, &["command"]).first().and_then(Node::as_str);
            if !container.init
                && let Some(component) =
                    control_plane::program_component(program, text(node, &["image"]))
            {
                let weaknesses = control_plane::weaknesses(component, &container_args);
                for (name, items) in [
                    (AttrName::ControlPlaneFlags, weaknesses.opening),
                    (AttrName::ControlPlaneHardening, weaknesses.hardening),
                ] {
                    for (weakness, span) in items {
                        attrs.push_item(name, weakness, Some(span));
                    }
                }
            }
            args.extend(container_args);
            for port in items(node, &["ports"]) {
                if let Some(host_port) = port.get("hostPort") {
                    let protocol = containers::port_carries(
                        host_port.as_str().and_then(|p| p.parse().ok()),
                        None,
                    );
                    let mut flow = Flow::new(
                        ElementId(trustmap_model::INTERNET_ELEMENT.to_string()),
                        ElementId(object.id()),
                        protocol.map(|(p, _)| p.to_string()),
                        vec![host_port.as_str().unwrap_or("?").to_string()],
                        "host-port",
                        Some(self.span(port)),
                    );
                    // The node's address may or may not be reachable from the internet.
                    flow.attributes.set_flag(
                        AttrName::Public,
                        Tri::Unknown,
                        Some(self.span(host_port)),
                    );
                    let encrypted = protocol
                        .and_then(|(_, tls)| tls)
                        .map_or(Tri::Unknown, Tri::from_bool);
                    flow.attributes.set_flag(
                        AttrName::EncryptedInTransit,
                        encrypted,
                        Some(self.span(host_port)),
                    );
                    self.flow(flow);
                }
            }
        }
        attrs.set_empty_list(AttrName::InitContainerPrivileges);
        attrs.set_empty_list(AttrName::ControlPlaneFlags);
        attrs.set_empty_list(AttrName::ControlPlaneHardening);
        if let Some(image_node) = image
            && let Some(component) = image_node
                .as_str()
                .and_then(control_plane::project_image_component)
            && object.kind == "Pod"
            && object.namespace == "kube-system"
            && pod_labels
                .iter()
                .any(|(key, value)| key == "tier" && value == "control-plane")
        {
            attrs.set_text(
                AttrName::ControlPlane,
                component,
                Some(self.span(image_node)),
            );
        }
        attrs.set_flag(AttrName::Privileged, privileged.0, privileged.1);
        attrs.set_flag(
            AttrName::PrivilegeEscalation,
            if privileged.0 == Tri::Yes {
                Tri::Yes
            } else {
                escalation.0
            },
            escalation.1,
        );
        attrs.set_flag(AttrName::ReadOnlyRootFilesystem, read_only.0, read_only.1);
        // A LimitRange with default limits gives every container of its namespace limits.
        if limits.0 == Tri::No
            && let Some(span) = self.default_limits(&object.namespace)
        {
            limits = (Tri::Yes, Some(span));
        }
        attrs.set_flag(AttrName::ResourceLimits, limits.0, limits.1);
        attrs.set_flag(AttrName::RunsAsRoot, root.0, root.1);
        if let Some((user, span)) = user_text {
            attrs.set_text(AttrName::User, user, Some(span));
        }
        attrs.set_flag(AttrName::Seccomp, seccomp.0, seccomp.1);
        attrs.extend(capabilities);
        for (name, span) in containers::plaintext_secrets(&env) {
            attrs.push_item(AttrName::PlaintextSecrets, name, Some(span));
        }
        attrs.set_empty_list(AttrName::PlaintextSecrets);
        if kind == ElementKind::DataStore {
            let command = args
                .iter()
                .map(|(a, _)| a.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let config_mounted = !items(pod, &["volumes"]).is_empty();
            let (auth, span) = containers::authentication(
                technology,
                image.and_then(Node::as_str),
                &env,
                Some(command.as_str()).filter(|c| !c.is_empty()),
                config_mounted,
            );
            attrs.set_flag(AttrName::Authenticated, auth, span);
        }
        if let Some(image_node) = image
            && let Some(console) = image_node
                .as_str()
                .and_then(|i| containers::console(i, &env, &args))
        {
            attrs.set_text(AttrName::Console, console.name, Some(self.span(image_node)));
            attrs.set_flag(AttrName::Authenticated, console.authenticated, console.span);
        }

        // The identity the pod runs as.
        let account_node = pod
            .get("serviceAccountName")
            .or_else(|| pod.get("serviceAccount"));
        let account = account_node
            .and_then(Node::as_str)
            .unwrap_or("default")
            .to_string();
        let account_object = self
            .cluster
            .find("ServiceAccount", &object.namespace, &account);
        let token = match (
            pod.get("automountServiceAccountToken"),
            account_object.and_then(|a| a.node.get("automountServiceAccountToken")),
        ) {
            (Some(node), _) | (None, Some(node)) => (truth(node), Some(self.span(node))),
            (None, None) => (Tri::Yes, None),
        };
        attrs.set_flag(AttrName::ServiceAccountToken, token.0, token.1);
        let key = (object.namespace.clone(), account.clone());
        // What the token opens: a binding or a cloud identity the account is mapped to, known
        // for the default account and accounts defined here.
        if account == "default" || account_object.is_some() {
            // Bound as itself, its user name or a group every token is in.
            let bound = rbac::account_grants(self.privileges, &key).next().is_some();
            let mapped = account_object.is_some_and(|a| {
                CLOUD_IDENTITY_ANNOTATIONS.iter().any(|annotation| {
                    at(&a.node, &["metadata", "annotations", annotation]).is_some()
                })
            });
            attrs.set_flag(
                AttrName::IdentityGranted,
                Tri::from_bool(bound || mapped),
                account_node.map(|n| self.span(n)),
            );
        }
        for (right, span) in rbac::account_rights(self.privileges, &key) {
            attrs.push_item(
                AttrName::ServiceAccountPrivileges,
                format!("{right} (service account {account})"),
                Some(span.clone()),
            );
        }
        if token.0 != Tri::No {
            let carrier = (
                format!("{} {}", object.kind, object.name),
                self.span(&object.node),
            );
            self.carriers.entry(key).or_default().push(carrier);
        }
        attrs.set_empty_list(AttrName::ServiceAccountPrivileges);

        self.host_paths(object, pod, &mut attrs);
        self.volume_mounts(object, pod);
        if object.kind == "StatefulSet" {
            for claim in items(&object.node, &["spec", "volumeClaimTemplates"]) {
                let name = text(claim, &["metadata", "name"]).unwrap_or("data");
                let store = self.referenced(
                    "PersistentVolumeClaim",
                    &object.namespace,
                    &format!("{name}-{}", object.name),
                    claim,
                );
                self.flow(Flow::new(
                    ElementId(object.id()),
                    store,
                    Some("mount".into()),
                    vec![],
                    "volume-claim",
                    Some(self.span(claim)),
                ));
            }
        }

        self.add(Element {
            id: ElementId(object.id()),
            kind,
            name: object.name.clone(),
            technology: technology.map(|t| t.name.to_string()).or_else(|| {
                image
                    .and_then(Node::as_str)
                    .map(|i| containers::repository_name(i).to_string())
            }),
            zone: namespace_zone(&object.namespace),
            attached_zones: Vec::new(),
            called_from: None,
            span: Some(self.cluster.declaration(object)),
            attributes: attrs,
        });
        // What the store serves as its image and environment configure it.
        let technology = technology
            .zip(image.and_then(Node::as_str))
            .map(|(t, image)| containers::serving(t, image, &env));
        self.workloads.push(Workload {
            id: ElementId(object.id()),
            namespace: object.namespace.clone(),
            labels: pod_labels,
            env,
            args,
            technology,
        });
    }

    /// The span of a namespace's LimitRange that sets default container limits, found once
    /// per namespace.
    fn default_limits(&mut self, namespace: &str) -> Option<Span> {
        if let Some(known) = self.default_limits.get(namespace) {
            return known.clone();
        }
        let found = self.find_default_limits(namespace);
        self.default_limits
            .insert(namespace.to_string(), found.clone());
        found
    }

    fn find_default_limits(&self, namespace: &str) -> Option<Span> {
        self.cluster
            .of_kind("LimitRange")
            .filter(|r| r.namespace == namespace)
            .find_map(|range| {
                items(&range.node, &["spec", "limits"])
                    .iter()
                    .find_map(|limit| {
                        let for_containers =
                            text(limit, &["type"]).is_none_or(|t| t == "Container");
                        let default = limit
                            .get("default")
                            .filter(|d| d.as_mapping().is_some_and(|m| !m.is_empty()));
                        default.filter(|_| for_containers).map(|d| self.span(d))
                    })
            })
    }

    /// A flow from the workload to the Secret, ConfigMap or claim a reference names.
    fn mount(
        &mut self,
        object: &Object,
        kind: &str,
        name: Option<&str>,
        reference: &Node,
        origin: &str,
        read_only: Tri,
    ) {
        let Some(name) = name else { return };
        let store = self.referenced(kind, &object.namespace, name, reference);
        let span = self.span(reference);
        self.flow(Flow::mount(
            ElementId(object.id()),
            store,
            origin,
            span,
            read_only,
        ));
    }

    fn volume_mounts(&mut self, object: &Object, pod: &Node) {
        // (volume source, kind it names, the key holding the name)
        const SOURCES: &[(&str, &str, &str)] = &[
            ("secret", "Secret", "secretName"),
            ("configMap", "ConfigMap", "name"),
            (
                "persistentVolumeClaim",
                "PersistentVolumeClaim",
                "claimName",
            ),
        ];
        for volume in items(pod, &["volumes"]) {
            for (source, kind, key) in SOURCES {
                if let Some(reference) = volume.get(source) {
                    // Secrets and ConfigMaps are mounted read-only; a claim unless it says.
                    let read_only = match *kind {
                        "PersistentVolumeClaim" => reference.get("readOnly").map_or(Tri::No, truth),
                        _ => Tri::Yes,
                    };
                    self.mount(
                        object,
                        kind,
                        text(reference, &[key]),
                        reference,
                        "volume",
                        read_only,
                    );
                }
            }
        }
    }

    /// `hostPath` volumes: the node's filesystem (or its container runtime) as a flow out of the
    /// namespace into the nodes' zone.
    fn host_paths(&mut self, object: &Object, pod: &Node, attrs: &mut Attributes) {
        let mut socket = (Tri::No, None);
        for volume in items(pod, &["volumes"]) {
            let Some(path_node) = at(volume, &["hostPath", "path"]) else {
                continue;
            };
            let Some(path) = path_node.as_str() else {
                continue;
            };
            let span = self.span(path_node);
            let normalized = path.trim_end_matches('/');
            let normalized = if normalized.is_empty() {
                "/"
            } else {
                normalized
            };
            attrs.push_item(AttrName::HostMounts, path, Some(span.clone()));
            let (target, name, technology, kind, protocol) =
                if containers::is_runtime_socket(normalized) {
                    socket = (Tri::Yes, Some(span.clone()));
                    (
                        "k8s:node/container-runtime",
                        "Container runtime",
                        "container-runtime",
                        ElementKind::Process,
                        "runtime-api",
                    )
                } else {
                    if containers::is_sensitive_host_path(normalized) {
                        attrs.push_item(AttrName::SensitiveHostMounts, path, Some(span.clone()));
                    }
                    (
                        "k8s:node/filesystem",
                        "Node filesystem",
                        "host-filesystem",
                        ElementKind::DataStore,
                        "mount",
                    )
                };
            self.add(Element {
                id: ElementId(target.to_string()),
                kind,
                name: name.to_string(),
                technology: Some(technology.to_string()),
                zone: ZoneId(NODES_ZONE.to_string()),
                attached_zones: Vec::new(),
                called_from: None,
                span: None,
                attributes: Attributes::default(),
            });
            self.flow(Flow::new(
                ElementId(object.id()),
                ElementId(target.to_string()),
                Some(protocol.into()),
                vec![],
                "host-path",
                Some(span),
            ));
        }
        attrs.set_flag(AttrName::RuntimeSocket, socket.0, socket.1);
        attrs.set_empty_list(AttrName::HostMounts);
        attrs.set_empty_list(AttrName::SensitiveHostMounts);
    }
}

/// Of two (value, span) pairs of a flag where yes is dangerous, the more dangerous: yes over
/// unknown over no; the first on a tie.
fn worse(a: (Tri, Option<Span>), b: (Tri, Option<Span>)) -> (Tri, Option<Span>) {
    let rank = |t: Tri| match t {
        Tri::Yes => 2,
        Tri::Unknown => 1,
        Tri::No => 0,
    };
    if rank(b.0) > rank(a.0) { b } else { a }
}

/// Of two (value, span) pairs of a flag where yes is the safe value, the weaker: no over
/// unknown over yes; the first on a tie.
fn weaker(a: (Tri, Option<Span>), b: (Tri, Option<Span>)) -> (Tri, Option<Span>) {
    let (x, y) = worse((a.0.negate(), a.1.clone()), (b.0.negate(), b.1.clone()));
    (x.negate(), y)
}

/// A boolean as Kubernetes reads it (YAML 1.1 forms included); anything else is unknown.
pub fn truth(node: &Node) -> Tri {
    node.truthy().map_or(Tri::Unknown, Tri::from_bool)
}

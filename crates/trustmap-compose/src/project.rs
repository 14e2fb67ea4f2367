//! One compose project into a model fragment.

use crate::interpolate::{Interpolated, Variables, parse_env_lines};
use crate::merge::{merge_file, merge_service};
use crate::ports::{self, Bind, PublishedPort};
use crate::{FileReader, ProjectInput};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use trustmap_containers::{self as catalog, EnvEntry, ImageOrigin, Technology};
use trustmap_containers::{self as references, Reference};
use trustmap_model::Code;
use trustmap_model::{
    AttrName, Attributes, Budget, Diagnostic, DiagnosticLevel, Element, ElementId, ElementKind,
    FileName, Flow, Fragment, INTERNET_ELEMENT, Limit, Limits, Span, Tri, TrustLevel, Zone, ZoneId,
    ZoneKind, limit_diagnostic,
};
use trustmap_yaml::{Node, NodeValue, SharedBounds};

/// Services by name for `extends:`, and those already resolved with the length of their chain.
struct Extends<'n> {
    by_name: HashMap<&'n str, &'n Node>,
    resolved: HashMap<String, (Node, usize)>,
}

/// What the parser keeps about a service between passes.
struct Service {
    name: String,
    element: Element,
    technology: Option<Technology>,
    /// Networks attached, in declaration order, with their spans.
    networks: Vec<(String, Option<Span>)>,
    network_mode: Option<(String, Span)>,
    env: Environment,
    node: Node,
}

/// A service's environment, and which entries hold text read from a file (`.env`,
/// `env_file`): such text decides facts but is never shown.
#[derive(Default)]
struct Environment {
    entries: Vec<EnvEntry>,
    from_file: Vec<bool>,
}

impl Environment {
    fn push(&mut self, (entry, from_file): (EnvEntry, bool)) {
        self.entries.push(entry);
        self.from_file.push(from_file);
    }
}

struct Parser<'a> {
    project: String,
    files: Vec<FileName>,
    vars: Variables,
    reader: &'a dyn FileReader,
    bounds: SharedBounds<'a>,
    /// The ids of the host's elements already added (local users, the docker engine).
    host_elements: BTreeSet<String>,
    /// The networks declared under the top-level `networks:`.
    declared_networks: BTreeSet<String>,
    fragment: Fragment,
}

/// Parses a compose project into a fragment. Never fails: what cannot be read becomes a
/// diagnostic naming file, line and cause, and the rest is modelled.
///
/// `limits` are the scan's bounds and `yaml_nodes` the [`Limit::YamlNodes`] budget that every
/// YAML stream of the scan shares (other projects and manifests included): a bound that is hit
/// is a `limit-*` error naming what was cut, and what was read before it is kept.
pub fn parse_project(
    input: &ProjectInput,
    reader: &dyn FileReader,
    limits: &Limits,
    yaml_nodes: &Budget,
) -> Fragment {
    debug_assert_eq!(yaml_nodes.limit(), Limit::YamlNodes);
    let mut parser = Parser {
        project: input.project.clone(),
        files: input
            .files
            .iter()
            .map(|f| FileName::from(&f.path))
            .collect(),
        vars: input
            .env
            .as_ref()
            .map(|e| Variables::parse_env_file(&e.text))
            .unwrap_or_default(),
        reader,
        bounds: SharedBounds {
            nodes: yaml_nodes,
            max_depth: limits.get_usize(Limit::Depth),
        },
        host_elements: BTreeSet::new(),
        declared_networks: BTreeSet::new(),
        fragment: Fragment::default(),
    };
    let mut root: Option<Node> = None;
    for (index, file) in input.files.iter().enumerate() {
        let Some(tree) = parser.load(index as u32, &file.text) else {
            if index == 0 {
                return parser.fragment;
            }
            continue;
        };
        root = Some(match root {
            None => tree,
            Some(base) => merge_file(base, tree),
        });
    }
    if let Some(root) = root {
        parser.project_from(&root);
    }
    parser.fragment
}

impl Parser<'_> {
    fn span(&self, node: &Node) -> Span {
        node.span(&self.files)
    }

    /// The span of `key: value`: from the key to the end of the value when both are in one
    /// file, else the key.
    fn entry_span(&self, key: &Node, value: &Node) -> Span {
        let mut span = self.span(key);
        if key.source == value.source && value.end > key.start {
            span.end = value.end;
        }
        span
    }

    fn diagnose(
        &mut self,
        level: DiagnosticLevel,
        code: Code,
        span: Span,
        message: impl Into<String>,
    ) {
        self.fragment
            .diagnostics
            .push(Diagnostic::new(level, code, span, message));
    }

    fn load(&mut self, index: u32, text: &str) -> Option<Node> {
        let file = self.files[index as usize].clone();
        let loaded = match trustmap_yaml::load_shared(text, index, self.bounds) {
            Ok(loaded) => loaded,
            Err(e) => {
                let span = Span::lines(&file, e.line, e.line);
                self.diagnose(
                    DiagnosticLevel::Error,
                    Code::YamlSyntax,
                    span,
                    format!("not valid YAML: {}", e.message),
                );
                return None;
            }
        };
        let cut = loaded.cut.is_some();
        if let Some(hit) = &loaded.cut {
            self.fragment.diagnostics.push(hit.diagnostic(&file));
        }
        for warning in loaded.warnings {
            let span = Span::lines(&file, warning.line, warning.line);
            self.diagnose(
                DiagnosticLevel::Warning,
                Code::YamlDuplicateKey,
                span,
                warning.message,
            );
        }
        // Several documents in one file are merged in order, as compose merges files.
        let mut documents = loaded.documents.into_iter().filter(|d| !d.is_null());
        let first = documents.next();
        let root = match first {
            Some(first) if first.as_mapping().is_some() => Some(
                documents
                    .filter(|d| d.as_mapping().is_some())
                    .fold(first, merge_file),
            ),
            other => other,
        };
        match root {
            Some(root) if root.as_mapping().is_some() => Some(root),
            Some(root) => {
                let span = self.span(&root);
                self.diagnose(
                    DiagnosticLevel::Error,
                    Code::ComposeType,
                    span,
                    format!(
                        "a compose file is a mapping at the top level, found {}",
                        root.type_name()
                    ),
                );
                None
            }
            // A file cut by a bound before its first document was said so already.
            None if cut => None,
            None => {
                self.diagnose(
                    DiagnosticLevel::Error,
                    Code::ComposeEmpty,
                    Span::lines(&file, 1, 1),
                    "the compose file is empty",
                );
                None
            }
        }
    }

    /// Reads a value as text after interpolation; reports wrong types.
    fn text(&mut self, node: &Node, path: &str) -> Option<Interpolated> {
        match &node.value {
            NodeValue::Scalar(text, _) => Some(self.vars.interpolate(text)),
            NodeValue::Null => None,
            _ => {
                let span = self.span(node);
                self.wrong_type(span, path, "a scalar", node);
                None
            }
        }
    }

    fn wrong_type(&mut self, span: Span, path: &str, expected: &str, found: &Node) {
        self.diagnose(
            DiagnosticLevel::Error,
            Code::ComposeType,
            span,
            format!(
                "`{path}` must be {expected}, found {}; this setting was not modelled",
                found.type_name()
            ),
        );
    }

    fn sequence<'n>(&mut self, node: &'n Node, path: &str) -> &'n [Node] {
        match &node.value {
            NodeValue::Sequence(items) => items,
            NodeValue::Null => &[],
            _ => {
                let span = self.span(node);
                self.wrong_type(span, path, "a list", node);
                &[]
            }
        }
    }

    fn flag(&mut self, node: &Node, path: &str) -> Tri {
        if let Some(b) = node.truthy() {
            return Tri::from_bool(b);
        }
        match self.text(node, path) {
            Some(v) if !v.known => Tri::Unknown,
            Some(v) => match v.text.as_str() {
                "true" | "yes" | "1" => Tri::Yes,
                "false" | "no" | "0" | "" => Tri::No,
                _ => {
                    let span = self.span(node);
                    self.wrong_type(span, path, "true or false", node);
                    Tri::Unknown
                }
            },
            None => Tri::Unknown,
        }
    }

    fn id(&self, kind: &str, name: &str) -> String {
        format!("compose:{}/{kind}/{name}", self.project)
    }

    fn zone_id(&self, suffix: &str) -> ZoneId {
        if suffix.is_empty() {
            ZoneId(format!("compose:{}", self.project))
        } else {
            ZoneId(format!("compose:{}/{suffix}", self.project))
        }
    }

    /// The project's key follows compose: the top-level `name:` when there is one (as
    /// `docker compose config` always prints it), else the key the scan gave (the folder).
    fn project_name(&mut self, root: &Node) {
        let Some(node) = root.get("name") else {
            return;
        };
        let Some(name) = self.text(node, "name") else {
            return;
        };
        // Compose's rule for project names: lowercase letters, digits, `-` and `_`.
        // A name from the `.env` file would print that file's value in every id.
        let valid = name.known
            && !name.from_file
            && name
                .text
                .starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && name
                .text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if valid {
            self.project = name.text;
        } else {
            let span = self.span(node);
            self.diagnose(
                DiagnosticLevel::Warning,
                Code::ComposeName,
                span,
                format!(
                    "`name:` is not a project name compose accepts (lowercase letters, digits, `-` and `_`), is a variable not set here, or is set from the .env file; the project is keyed `{}`",
                    self.project
                ),
            );
        }
    }

    fn project_from(&mut self, root: &Node) {
        self.project_name(root);
        if root.get("include").is_some() {
            let span = self.span(root.entry("include").expect("present").0);
            self.diagnose(
                DiagnosticLevel::Note,
                Code::ComposeInclude,
                span,
                "`include:` is not followed; scan the included files as their own projects",
            );
        }
        let Some((services_key, services)) = root.entry("services") else {
            let span = self.span(root);
            self.diagnose(
                DiagnosticLevel::Error,
                Code::ComposeNoServices,
                span,
                "the compose file has no `services:`",
            );
            return;
        };
        let Some(service_entries) = services.as_mapping() else {
            let span = self.span(services);
            self.wrong_type(
                span,
                "services",
                "a mapping of service names to services",
                services,
            );
            return;
        };
        let project_span = Some(self.entry_span(services_key, services));
        let host = self.zone_id("host");
        let project_zone = self.zone_id("");
        self.fragment.zones.push(Zone {
            id: host.clone(),
            kind: ZoneKind::Host,
            name: format!("Docker host ({})", self.project),
            parent: Some(ZoneId::internet()),
            trust: TrustLevel::Privileged,
            span: None,
            attributes: Attributes::default(),
        });
        self.fragment.zones.push(Zone {
            id: project_zone.clone(),
            kind: ZoneKind::Project,
            name: self.project.clone(),
            parent: Some(host.clone()),
            trust: TrustLevel::Medium,
            span: project_span,
            attributes: Attributes::default(),
        });

        // Networks declared at the top level, with `internal:` flags.
        let mut networks: BTreeMap<String, (Option<Span>, Tri)> = BTreeMap::new();
        if let Some(declared) = root.get("networks") {
            for (key, value) in declared.as_mapping().unwrap_or(&[]) {
                let Some(name) = key.as_str() else { continue };
                let internal = match value.get("internal") {
                    Some(node) => self.flag(node, &format!("networks.{name}.internal")),
                    None => Tri::No,
                };
                networks.insert(name.to_string(), (Some(self.span(key)), internal));
            }
        }
        self.declared_networks = networks.keys().cloned().collect();

        let mut extends = Extends {
            by_name: service_entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?, v)))
                .collect(),
            resolved: HashMap::new(),
        };
        let mut services: Vec<Service> = Vec::new();
        for (key, node) in service_entries {
            let Some(name) = key.as_str() else { continue };
            let node = self
                .resolve_extends(name, node, &mut extends, &mut Vec::new())
                .0;
            if node.as_mapping().is_none() {
                let span = self.span(&node);
                self.wrong_type(span, &format!("services.{name}"), "a mapping", &node);
                continue;
            }
            let span = self.entry_span(key, &node);
            services.push(self.service(name, span, node));
        }

        // Every service without explicit networks or network mode joins `default`.
        for service in &mut services {
            if service.networks.is_empty() && service.network_mode.is_none() {
                service.networks.push(("default".to_string(), None));
            }
        }
        let used: BTreeSet<String> = services
            .iter()
            .flat_map(|s| s.networks.iter().map(|(n, _)| n.clone()))
            .collect();
        // Where each network is first attached, for the warning about an undeclared one.
        let mut first_use: HashMap<&str, Option<&Span>> = HashMap::new();
        for (network, span) in services.iter().flat_map(|s| &s.networks) {
            first_use.entry(network.as_str()).or_insert(span.as_ref());
        }
        for name in &used {
            if !networks.contains_key(name) {
                if name != "default" {
                    let span = first_use.get(name.as_str()).copied().flatten();
                    if let Some(span) = span.cloned() {
                        self.diagnose(
                            DiagnosticLevel::Warning,
                            Code::ComposeUndeclaredNetwork,
                            span,
                            format!(
                                "network `{name}` is not declared under the top-level `networks:`"
                            ),
                        );
                    }
                }
                networks.insert(name.clone(), (None, Tri::No));
            }
        }
        for (name, (span, internal)) in &networks {
            if !used.contains(name) {
                continue;
            }
            let mut attributes = Attributes::default();
            attributes.set_flag(AttrName::Internal, *internal, span.clone());
            self.fragment.zones.push(Zone {
                id: self.zone_id(&format!("network/{name}")),
                kind: ZoneKind::Network,
                name: name.clone(),
                parent: Some(project_zone.clone()),
                trust: if *internal == Tri::Yes {
                    TrustLevel::High
                } else {
                    TrustLevel::Medium
                },
                span: span.clone(),
                attributes,
            });
        }

        // A service lives in the least trusted of its networks: whoever is there can reach it.
        let zone_of_network = |name: &str| {
            let trust = if networks.get(name).is_some_and(|(_, i)| *i == Tri::Yes) {
                TrustLevel::High
            } else {
                TrustLevel::Medium
            };
            (trust, name.to_string())
        };
        let mut zones_by_service: BTreeMap<String, ZoneId> = BTreeMap::new();
        for service in &services {
            let zone = match &service.network_mode {
                Some((mode, _)) if mode == "host" => host.clone(),
                Some((mode, _))
                    if mode.starts_with("service:") || mode.starts_with("container:") =>
                {
                    continue;
                }
                Some(_) => project_zone.clone(),
                None => {
                    let (_, name) = service
                        .networks
                        .iter()
                        .map(|(n, _)| zone_of_network(n))
                        .min_by_key(|(trust, _)| *trust)
                        .expect("every service has a network or a mode");
                    self.zone_id(&format!("network/{name}"))
                }
            };
            zones_by_service.insert(service.name.clone(), zone);
        }
        for service in &services {
            if let Some((mode, _)) = &service.network_mode
                && let Some(other) = mode
                    .strip_prefix("service:")
                    .or_else(|| mode.strip_prefix("container:"))
            {
                let zone = zones_by_service
                    .get(other)
                    .cloned()
                    .unwrap_or_else(|| project_zone.clone());
                zones_by_service.insert(service.name.clone(), zone);
            }
        }

        // Names other services can use to reach each service: its name, container_name,
        // hostname and network aliases.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for service in &services {
            names.insert(service.name.to_ascii_lowercase(), service.name.clone());
        }
        for service in &services {
            let mut aliases = Vec::new();
            for key in ["container_name", "hostname"] {
                if let Some(v) = service.node.get(key).and_then(Node::as_str) {
                    aliases.push(v.to_string());
                }
            }
            if let Some(NodeValue::Mapping(entries)) =
                service.node.get("networks").map(|n| &n.value)
            {
                for (_, settings) in entries {
                    for alias in settings
                        .get("aliases")
                        .and_then(Node::as_sequence)
                        .unwrap_or(&[])
                    {
                        aliases.extend(alias.as_str().map(str::to_string));
                    }
                }
            }
            for alias in aliases {
                names
                    .entry(alias.to_ascii_lowercase())
                    .or_insert_with(|| service.name.clone());
            }
        }

        // The compose networks each service is on (another's, with `network_mode: service:`).
        let on_networks: BTreeMap<String, Vec<String>> = services
            .iter()
            .map(|service| {
                let own = |s: &Service| s.networks.iter().map(|(n, _)| n.clone()).collect();
                let joined = match &service.network_mode {
                    None => own(service),
                    Some((mode, _)) => mode
                        .strip_prefix("service:")
                        .and_then(|other| services.iter().find(|s| s.name == other))
                        .filter(|other| other.network_mode.is_none())
                        .map(own)
                        .unwrap_or_default(),
                };
                (self.id("service", &service.name), joined)
            })
            .collect();
        let declared_volumes = self.declared(root, "volumes");
        let declared_secrets = self.declared(root, "secrets");
        let technologies: BTreeMap<String, Option<Technology>> = services
            .iter()
            .map(|s| (s.name.clone(), s.technology))
            .collect();
        let mut stores: BTreeMap<String, Element> = BTreeMap::new();
        let mut specific_pairs: BTreeSet<(String, String)> = BTreeSet::new();
        let mut ordering_flows: Vec<Flow> = Vec::new(); // depends_on, links, shared secrets
        // The data stores that mount each secret: a service that mounts one of them holds the
        // store's credential, so it is the store's client.
        let mut stores_by_secret: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for service in services
            .iter()
            .filter(|s| s.element.kind == ElementKind::DataStore)
        {
            for (secret, _) in self.mounted_secrets(service) {
                stores_by_secret
                    .entry(secret)
                    .or_default()
                    .push(service.name.clone());
            }
        }
        for mut service in services {
            service.element.zone = zones_by_service
                .get(&service.name)
                .cloned()
                .unwrap_or_else(|| project_zone.clone());
            if service.network_mode.is_none() {
                let attached = service
                    .networks
                    .iter()
                    .map(|(n, _)| self.zone_id(&format!("network/{n}")));
                service.element.attached_zones =
                    attached.filter(|z| *z != service.element.zone).collect();
            }
            let mut networks_attr = Attributes::default();
            for (name, span) in &service.networks {
                networks_attr.push_item(AttrName::Networks, name.clone(), span.clone());
            }
            service.element.attributes.extend(networks_attr);
            let source = service.element.id.clone();

            // Docker publishes no port of a container whose every network is internal: such
            // a network has no gateway to the host, so the mapping is inert.
            let only_internal = service.network_mode.is_none()
                && !service.networks.is_empty()
                && service
                    .networks
                    .iter()
                    .all(|(n, _)| networks.get(n).is_some_and(|(_, i)| *i == Tri::Yes));
            if only_internal {
                self.inert_ports(&service);
            } else {
                self.published_ports(&service);
            }
            for flow in self.environment_flows(&service, &names, &technologies) {
                specific_pairs.insert((flow.source.0.clone(), flow.target.0.clone()));
                self.fragment.flows.push(flow);
            }
            for (target, span, origin) in self.service_dependencies(&service.node, &service.name) {
                let Some(target_name) = names.get(&target.to_ascii_lowercase()) else {
                    self.diagnose(
                        DiagnosticLevel::Warning,
                        Code::ComposeUnknownService,
                        span,
                        format!(
                            "`{}` names service `{target}`, which is not defined",
                            origin
                        ),
                    );
                    continue;
                };
                let flow = Flow::new(
                    source.clone(),
                    ElementId(self.id("service", target_name)),
                    None,
                    vec![],
                    origin,
                    Some(span),
                );
                ordering_flows.push(flow);
            }
            if service.element.kind != ElementKind::DataStore {
                for (secret, span) in self.mounted_secrets(&service) {
                    for store in stores_by_secret.get(&secret).into_iter().flatten() {
                        ordering_flows.push(Flow::new(
                            source.clone(),
                            ElementId(self.id("service", store)),
                            None,
                            vec![],
                            "shared-secret",
                            Some(span.clone()),
                        ));
                    }
                }
            }
            let mounts = self.volumes(&service, &declared_volumes, &mut stores);
            service.element.attributes.extend(mounts);
            self.secrets(&service, &declared_secrets, &mut stores);
            self.fragment.elements.push(service.element);
        }
        // `depends_on` and `links` only say a flow exists; a flow the environment describes
        // (with protocol and port) says more about the same pair.
        for flow in ordering_flows {
            if !specific_pairs.contains(&(flow.source.0.clone(), flow.target.0.clone())) {
                self.fragment.flows.push(flow);
            }
        }
        self.isolate_stores(&on_networks, &networks);
        self.fragment.elements.extend(stores.into_values());
    }

    /// A data store whose every network is `internal: true` and joined only by services that
    /// use it (a flow to it: a reference, `depends_on`, `links`) is isolated: nothing but its
    /// own clients can connect to it, which is what segmentation can achieve in compose.
    fn isolate_stores(
        &mut self,
        on_networks: &BTreeMap<String, Vec<String>>,
        networks: &BTreeMap<String, (Option<Span>, Tri)>,
    ) {
        let uses: BTreeSet<(&str, &str)> = self
            .fragment
            .flows
            .iter()
            .map(|f| (f.source.0.as_str(), f.target.0.as_str()))
            .collect();
        let mut isolated: Vec<(String, Option<Span>)> = Vec::new();
        for store in self
            .fragment
            .elements
            .iter()
            .filter(|e| e.kind == ElementKind::DataStore)
        {
            let Some(own) = on_networks.get(&store.id.0).filter(|n| !n.is_empty()) else {
                continue;
            };
            let internal = |name: &String| networks.get(name).is_some_and(|(_, i)| *i == Tri::Yes);
            if !own.iter().all(internal) {
                continue;
            }
            let only_clients = on_networks
                .iter()
                .filter(|(id, joined)| **id != store.id.0 && joined.iter().any(|n| own.contains(n)))
                .all(|(id, _)| uses.contains(&(id.as_str(), store.id.0.as_str())));
            if only_clients {
                let span = own
                    .iter()
                    .find_map(|n| networks.get(n).and_then(|(s, _)| s.clone()));
                isolated.push((store.id.0.clone(), span));
            }
        }
        for (id, span) in isolated {
            if let Some(store) = self.fragment.elements.iter_mut().find(|e| e.id.0 == id) {
                store
                    .attributes
                    .set_flag(AttrName::NetworkIsolated, Tri::Yes, span);
            }
        }
    }

    /// The names declared under a top-level key (`volumes:`, `secrets:`), with the span of
    /// each name.
    fn declared(&self, root: &Node, key: &str) -> HashMap<String, Span> {
        root.get(key)
            .and_then(Node::as_mapping)
            .unwrap_or(&[])
            .iter()
            .rev()
            .filter_map(|(k, _)| Some((k.as_str()?.to_string(), self.span(k))))
            .collect()
    }

    /// Applies same-file `extends:`; other files are not followed. Each service is resolved
    /// once; the result and the length of its chain of extended services are kept. A chain
    /// longer than the depth bound is cut there (each link merges its base again, so a long
    /// chain would cost the square of its length).
    fn resolve_extends(
        &mut self,
        name: &str,
        node: &Node,
        extends: &mut Extends<'_>,
        chain: &mut Vec<String>,
    ) -> (Node, usize) {
        if node.get("extends").is_none() {
            return (node.clone(), 0);
        }
        if let Some(done) = extends.resolved.get(name) {
            return done.clone();
        }
        let resolved = self.resolve_extends_once(name, node, extends, chain);
        extends.resolved.insert(name.to_string(), resolved.clone());
        resolved
    }

    fn resolve_extends_once(
        &mut self,
        name: &str,
        node: &Node,
        extends: &mut Extends<'_>,
        chain: &mut Vec<String>,
    ) -> (Node, usize) {
        let Some(extends_node) = node.get("extends") else {
            return (node.clone(), 0);
        };
        let (base_name, file) = match extends_node.as_str() {
            Some(s) => (Some(s.to_string()), None),
            None => (
                extends_node
                    .get("service")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                extends_node.get("file"),
            ),
        };
        let span = self.span(extends_node);
        if file.is_some() {
            self.diagnose(
                DiagnosticLevel::Note,
                Code::ComposeExtends,
                span,
                format!(
                    "service `{name}` extends a service in another file, which is not followed"
                ),
            );
            return (node.clone(), 0);
        }
        if let Some(base) = base_name
            .as_ref()
            .filter(|b| chain.contains(b) || *b == name)
        {
            self.diagnose(
                DiagnosticLevel::Error,
                Code::ComposeExtendsCycle,
                span,
                format!("service `{name}` extends `{base}`, which extends it back: compose refuses circular extends; `extends` was not applied"),
            );
            return (node.clone(), 0);
        }
        let max_depth = self.bounds.max_depth;
        let too_long = |length: usize| length >= max_depth;
        let Some(base_node) = base_name
            .as_deref()
            .and_then(|b| extends.by_name.get(b))
            .copied()
        else {
            self.diagnose(
                DiagnosticLevel::Warning,
                Code::ComposeExtends,
                span,
                format!("service `{name}` extends a service that is not defined"),
            );
            return (node.clone(), 0);
        };
        let base = if too_long(chain.len()) {
            None
        } else {
            chain.push(name.to_string());
            let base = self.resolve_extends(
                base_name.as_deref().unwrap_or(""),
                base_node,
                extends,
                chain,
            );
            chain.pop();
            Some(base).filter(|(_, length)| !too_long(*length + 1))
        };
        match base {
            Some((base, length)) => (merge_service(base, node.clone()), length + 1),
            None => {
                self.fragment.diagnostics.push(limit_diagnostic(
                    Limit::Depth,
                    self.bounds.max_depth as u64,
                    span,
                    &format!("`extends` of service `{name}` was not applied: its chain of extended services is too long"),
                ));
                (node.clone(), 0)
            }
        }
    }

    fn service(&mut self, name: &str, span: Span, node: Node) -> Service {
        let path = format!("services.{name}");
        let mut attrs = Attributes::default();
        let image = node.get("image").and_then(|n| {
            self.text(n, &format!("{path}.image"))
                .map(|v| (v, self.span(n)))
        });
        let technology = image
            .as_ref()
            .filter(|(v, _)| !catalog::repository_name(&v.text).contains('$'))
            .and_then(|(v, _)| catalog::technology(&v.text));
        if let Some((value, image_span)) = &image {
            attrs.set_text(
                AttrName::Image,
                value.shown.clone(),
                Some(image_span.clone()),
            );
            // A service that is built here runs the build, whatever its image is called.
            let origin = match node.get("build") {
                Some(_) => ImageOrigin::Built,
                None if !value.known => ImageOrigin::Placeholder,
                None => ImageOrigin::of_reference(&value.text),
            };
            attrs.set_text(
                AttrName::ImageOrigin,
                origin.as_str(),
                Some(image_span.clone()),
            );
        }
        let kind = technology.map_or(ElementKind::Process, |t| t.kind);
        let technology_name = technology.map(|t| t.name.to_string()).or_else(|| {
            image
                .as_ref()
                .map(|(v, _)| catalog::repository_name(&v.shown).to_string())
                .filter(|name| !name.contains('$'))
        });

        // Flags whose compose default is "off".
        for (key, attr) in [
            ("privileged", AttrName::Privileged),
            ("read_only", AttrName::ReadOnlyRootFilesystem),
        ] {
            match node.get(key) {
                Some(v) => {
                    let value = self.flag(v, &format!("{path}.{key}"));
                    attrs.set_flag(attr, value, Some(self.span(v)));
                }
                None => attrs.set_flag(attr, Tri::No, None),
            }
        }
        for (key, attr) in [("pid", AttrName::HostPid), ("ipc", AttrName::HostIpc)] {
            match node.get(key).and_then(|v| {
                self.text(v, &format!("{path}.{key}"))
                    .map(|t| (t, self.span(v)))
            }) {
                Some((value, span)) if !value.known => {
                    attrs.set_flag(attr, Tri::Unknown, Some(span))
                }
                Some((value, span)) => {
                    attrs.set_flag(attr, Tri::from_bool(value.text == "host"), Some(span))
                }
                None => attrs.set_flag(attr, Tri::No, None),
            }
        }
        let network_mode = node.get("network_mode").and_then(|v| {
            self.text(v, &format!("{path}.network_mode"))
                .map(|t| (t, self.span(v)))
        });
        match &network_mode {
            Some((mode, span)) if !mode.known => {
                attrs.set_flag(AttrName::HostNetwork, Tri::Unknown, Some(span.clone()))
            }
            Some((mode, span)) => attrs.set_flag(
                AttrName::HostNetwork,
                Tri::from_bool(mode.text == "host"),
                Some(span.clone()),
            ),
            None => attrs.set_flag(AttrName::HostNetwork, Tri::No, None),
        }
        let network_mode = network_mode.map(|(mode, span)| (mode.text, span));

        match node.get("user").and_then(|v| {
            self.text(v, &format!("{path}.user"))
                .map(|t| (t, self.span(v)))
        }) {
            Some((user, span)) => {
                let who = user.text.split(':').next().unwrap_or("").to_string();
                let root = if !user.known {
                    Tri::Unknown
                } else {
                    Tri::from_bool(who == "root" || who == "0")
                };
                attrs.set_flag(AttrName::RunsAsRoot, root, Some(span.clone()));
                attrs.set_text(AttrName::User, user.shown, Some(span));
            }
            // Without `user:`, the image decides, and the compose file does not say.
            None => attrs.set_flag(AttrName::RunsAsRoot, Tri::Unknown, None),
        }

        let mut added = false;
        if let Some(caps) = node.get("cap_add") {
            for cap in self.sequence(caps, &format!("{path}.cap_add")).to_vec() {
                if let Some(value) = self.text(&cap, &format!("{path}.cap_add")) {
                    let normalized = catalog::capability_name(&value.shown);
                    attrs.push_item(
                        AttrName::CapabilitiesAdded,
                        normalized,
                        Some(self.span(&cap)),
                    );
                    added = true;
                }
            }
        }
        if !added {
            attrs.set_empty_list(AttrName::CapabilitiesAdded);
        }

        let mut escalation = (Tri::Yes, None);
        if let Some(options) = node.get("security_opt") {
            for option in self
                .sequence(options, &format!("{path}.security_opt"))
                .to_vec()
            {
                let text = option.as_str().unwrap_or("").replace('=', ":");
                if text == "no-new-privileges" || text == "no-new-privileges:true" {
                    escalation = (Tri::No, Some(self.span(&option)));
                }
            }
        }
        attrs.set_flag(AttrName::PrivilegeEscalation, escalation.0, escalation.1);
        // Compose has no network policies: every service on a network reaches every other.
        attrs.set_flag(AttrName::NetworkIsolated, Tri::No, None);

        let limits = node
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"))
            .filter(|l| l.as_mapping().is_some_and(|m| !m.is_empty()))
            .or_else(|| {
                ["mem_limit", "cpus", "cpu_quota", "memory"]
                    .iter()
                    .find_map(|k| node.get(k))
            });
        let resolved = |node: &Node| match &node.value {
            NodeValue::Scalar(text, _) => self.vars.interpolate(text).known,
            NodeValue::Mapping(entries) => entries
                .iter()
                .all(|(_, v)| v.as_str().is_none_or(|t| self.vars.interpolate(t).known)),
            _ => true,
        };
        match limits {
            Some(limit) if !resolved(limit) => attrs.set_flag(
                AttrName::ResourceLimits,
                Tri::Unknown,
                Some(self.span(limit)),
            ),
            Some(limit) => {
                attrs.set_flag(AttrName::ResourceLimits, Tri::Yes, Some(self.span(limit)))
            }
            None => attrs.set_flag(AttrName::ResourceLimits, Tri::No, None),
        }

        match node.get("logging").and_then(|l| l.get("driver")) {
            Some(driver_node) => {
                let driver = self.text(driver_node, &format!("{path}.logging.driver"));
                let span = Some(self.span(driver_node));
                match driver {
                    Some(d) if d.known => {
                        attrs.set_flag(
                            AttrName::Logging,
                            Tri::from_bool(d.text != "none"),
                            span.clone(),
                        );
                        attrs.set_text(AttrName::LoggingDriver, d.shown, span);
                    }
                    _ => attrs.set_flag(AttrName::Logging, Tri::Unknown, span),
                }
            }
            // The daemon's default driver applies; the compose file does not say what it is.
            None => attrs.set_flag(AttrName::Logging, Tri::Unknown, None),
        }

        if let Some(expose) = node.get("expose") {
            for item in self.sequence(expose, &format!("{path}.expose")).to_vec() {
                if let Some(value) = self.text(&item, &format!("{path}.expose")) {
                    attrs.push_item(AttrName::ExposedPorts, value.shown, Some(self.span(&item)));
                }
            }
        }

        let networks = self.service_networks(&node, &path);
        let env = self.environment(&node, &path);
        self.secrets_in_environment(&env.entries, &mut attrs);
        if let Some((value, image_span)) = &image {
            let args: Vec<(String, Span)> = node
                .get("command")
                .map(|c| match &c.value {
                    NodeValue::Sequence(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(|a| (a.to_string(), self.span(i))))
                        .collect(),
                    _ => c
                        .as_str()
                        .map(|a| vec![(a.to_string(), self.span(c))])
                        .unwrap_or_default(),
                })
                .unwrap_or_default();
            if let Some(console) = catalog::console(&value.text, &env.entries, &args) {
                attrs.set_text(AttrName::Console, console.name, Some(image_span.clone()));
                attrs.set_flag(AttrName::Authenticated, console.authenticated, console.span);
            }
        }
        if kind == ElementKind::DataStore {
            let command = node.get("command").map(|c| match &c.value {
                NodeValue::Sequence(items) => items
                    .iter()
                    .filter_map(Node::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => c.as_str().unwrap_or_default().to_string(),
            });
            let (auth, auth_span) = catalog::authentication(
                technology,
                image.as_ref().map(|(v, _)| v.text.as_str()),
                &env.entries,
                command.as_deref(),
                node.get("volumes").is_some() || node.get("configs").is_some(),
            );
            attrs.set_flag(AttrName::Authenticated, auth, auth_span);
        }

        Service {
            name: name.to_string(),
            element: Element {
                id: ElementId(self.id("service", name)),
                kind,
                name: name.to_string(),
                technology: technology_name,
                zone: ZoneId::internet(),
                attached_zones: Vec::new(),
                called_from: None,
                span: Some(span),
                attributes: attrs,
            },
            // What the store serves as its image and environment configure it.
            technology: technology
                .zip(image.as_ref())
                .map(|(t, (image, _))| catalog::serving(t, &image.text, &env.entries)),
            networks,
            network_mode,
            env,
            node,
        }
    }

    /// The networks a service joins, sorted by name: a set, whichever order it was written in
    /// (`docker compose config` prints them sorted), so that the zone chosen among equally
    /// trusted networks does not depend on the order.
    fn service_networks(&mut self, node: &Node, path: &str) -> Vec<(String, Option<Span>)> {
        let mut networks = self.written_networks(node, path);
        networks.sort_by(|a, b| a.0.cmp(&b.0));
        networks.dedup_by(|a, b| a.0 == b.0);
        networks
    }

    fn written_networks(&mut self, node: &Node, path: &str) -> Vec<(String, Option<Span>)> {
        let Some(networks) = node.get("networks") else {
            return Vec::new();
        };
        match &networks.value {
            NodeValue::Sequence(items) => items
                .iter()
                .filter_map(|n| {
                    let name = self.vars.interpolate(n.as_str()?);
                    // A name from the .env file is shown as written unless it names a network
                    // the file declares (whose name is written there).
                    let name = if name.from_file && !self.declared_networks.contains(&name.text) {
                        name.shown
                    } else {
                        name.text
                    };
                    Some((name, Some(self.span(n))))
                })
                .collect(),
            NodeValue::Mapping(entries) => entries
                .iter()
                .filter_map(|(k, _)| k.as_str().map(|s| (s.to_string(), Some(self.span(k)))))
                .collect(),
            NodeValue::Null => Vec::new(),
            NodeValue::Scalar(..) => {
                let span = self.span(networks);
                self.wrong_type(
                    span,
                    &format!("{path}.networks"),
                    "a list or a mapping",
                    networks,
                );
                Vec::new()
            }
        }
    }

    /// `environment:` (map or list) and `env_file:` entries, in the order compose applies them
    /// (env files first, then `environment:` overriding).
    fn environment(&mut self, node: &Node, path: &str) -> Environment {
        let mut env = Environment::default();
        if let Some(files) = node.get("env_file") {
            let entries: Vec<Node> = match &files.value {
                NodeValue::Sequence(items) => items.clone(),
                _ => vec![files.clone()],
            };
            for entry in entries {
                let (path_node, required) = match entry.get("path") {
                    Some(p) => (
                        p.clone(),
                        entry.get("required").and_then(Node::truthy).unwrap_or(true),
                    ),
                    None => (entry.clone(), true),
                };
                let Some(relative) = path_node.as_str() else {
                    continue;
                };
                let relative = self.vars.interpolate(relative);
                let (relative, shown_path) = (relative.text, relative.shown);
                let base_dir = self.files[path_node.source as usize]
                    .rsplit_once('/')
                    .map_or("", |(d, _)| d);
                let full = trustmap_model::join_path(base_dir, &relative);
                match self.reader.read(&full) {
                    Ok(file) => {
                        for (key, value, line) in parse_env_lines(&file.text) {
                            let span = Span::lines(&file.path, line, line);
                            let (entry, _) = self.env_var(&key, Some(&value), span);
                            env.push((entry, true));
                        }
                    }
                    Err(reason) if required => {
                        let span = self.span(&path_node);
                        self.diagnose(
                            DiagnosticLevel::Note,
                            Code::ComposeEnvFile,
                            span.clone(),
                            format!("env_file `{shown_path}` was not read: {reason}"),
                        );
                        // What the file sets is unknown; say so to whoever reads `env`.
                        let (mut unread, _) = self.env_var("", None, span);
                        unread.known = false;
                        env.push((unread, false));
                    }
                    Err(_) => {}
                }
            }
        }
        let Some(environment) = node.get("environment") else {
            return env;
        };
        match &environment.value {
            NodeValue::Mapping(entries) => {
                for (key_node, value_node) in entries {
                    let Some(key) = key_node.as_str() else {
                        continue;
                    };
                    let span = self.span(if value_node.is_null() {
                        key_node
                    } else {
                        value_node
                    });
                    env.push(self.env_var(key, value_node.as_str(), span));
                }
            }
            NodeValue::Sequence(items) => {
                for item in items {
                    let Some(text) = item.as_str() else { continue };
                    let (key, value) = match text.split_once('=') {
                        Some((k, v)) => (k, Some(v)),
                        None => (text, None),
                    };
                    env.push(self.env_var(key, value, self.span(item)));
                }
            }
            NodeValue::Null => {}
            NodeValue::Scalar(..) => {
                let span = self.span(environment);
                self.wrong_type(
                    span,
                    &format!("{path}.environment"),
                    "a mapping or a list",
                    environment,
                );
            }
        }
        env
    }

    /// One environment entry; without a value (`KEY` alone), compose passes the variable
    /// through from the shell that runs it, so its value is unknown here.
    /// One entry, and whether its value holds text read from the `.env` file.
    fn env_var(&self, key: &str, value: Option<&str>, span: Span) -> (EnvEntry, bool) {
        let (raw, value, literal, known, from_file) = match value {
            Some(text) => {
                let interpolated = self.vars.interpolate(text);
                (
                    text.to_string(),
                    interpolated.text,
                    !interpolated.from_variable,
                    interpolated.known,
                    interpolated.from_file,
                )
            }
            None => (String::new(), String::new(), false, false, false),
        };
        let entry = EnvEntry {
            key: key.to_string(),
            raw,
            value,
            literal,
            known,
            span,
        };
        (entry, from_file)
    }

    fn secrets_in_environment(&self, env: &[EnvEntry], attrs: &mut Attributes) {
        for (name, span) in catalog::plaintext_secrets(env) {
            attrs.push_item(AttrName::PlaintextSecrets, name, Some(span));
        }
        attrs.set_empty_list(AttrName::PlaintextSecrets);
    }

    /// Says that the `ports:` of a service on internal networks only publish nothing.
    fn inert_ports(&mut self, service: &Service) {
        let Some((key, _)) = service.node.entry("ports") else {
            return;
        };
        let span = self.span(key);
        self.diagnose(
            DiagnosticLevel::Note,
            Code::ComposePortsInternal,
            span,
            format!(
                "the ports of service `{}` are not published: every network it joins is `internal: true`",
                service.name
            ),
        );
    }

    fn published_ports(&mut self, service: &Service) {
        let Some(ports_node) = service.node.get("ports") else {
            return;
        };
        let path = format!("services.{}.ports", service.name);
        for item in self.sequence(ports_node, &path).to_vec() {
            let span = self.span(&item);
            // The container port as shown: as written where the .env file set it.
            let mut shown_target: Option<String> = None;
            let parsed = match &item.value {
                NodeValue::Scalar(text, _) => {
                    let value = self.vars.interpolate(text);
                    if value.from_file {
                        shown_target = Some(
                            ports::parse_short(&value.shown)
                                .map_or_else(|| value.shown.clone(), |p| p.target),
                        );
                    }
                    ports::parse_short(&value.text)
                }
                NodeValue::Mapping(_) => {
                    let target = item.get("target").and_then(Node::as_str).map(|t| {
                        let value = self.vars.interpolate(t);
                        shown_target = Some(value.shown);
                        value.text
                    });
                    let host_ip = item
                        .get("host_ip")
                        .and_then(Node::as_str)
                        .map(|t| self.vars.interpolate(t).text);
                    let transport = item
                        .get("protocol")
                        .and_then(Node::as_str)
                        .unwrap_or("tcp")
                        .to_ascii_lowercase();
                    target.map(|target| PublishedPort {
                        bind: Some(
                            host_ip
                                .as_deref()
                                .map_or(Bind::AllInterfaces, ports::bind_of),
                        ),
                        target,
                        transport,
                    })
                }
                _ => None,
            };
            let Some(port) = parsed else {
                self.diagnose(DiagnosticLevel::Error, Code::ComposePort, span, format!("`{path}` entry is not a port mapping ([HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]); it was not modelled"));
                continue;
            };
            let Some(bind) = port.bind else { continue };
            let shown_target = shown_target.unwrap_or_else(|| port.target.clone());
            let (source, public) = match bind {
                Bind::Loopback => (self.host_users(), Tri::No),
                Bind::AllInterfaces => (ElementId(INTERNET_ELEMENT.to_string()), Tri::Yes),
                Bind::Unknown => (ElementId(INTERNET_ELEMENT.to_string()), Tri::Unknown),
            };
            let number = ports::first_port(&port.target);
            let (protocol, encrypted) = match catalog::port_carries(number, service.technology) {
                _ if port.transport == "udp" => (Some("udp".to_string()), None),
                Some((p, tls)) => (Some(p.to_string()), tls),
                None => (None, None),
            };
            let mut flow = Flow::new(
                source,
                service.element.id.clone(),
                protocol,
                vec![shown_target],
                "published-port",
                Some(span.clone()),
            );
            flow.attributes
                .set_flag(AttrName::Public, public, Some(span.clone()));
            let encrypted = match encrypted {
                Some(tls) => Tri::from_bool(tls),
                None => Tri::Unknown,
            };
            flow.attributes
                .set_flag(AttrName::EncryptedInTransit, encrypted, Some(span));
            self.fragment.flows.push(flow);
        }
    }

    /// The external entity for users and processes on the docker host itself.
    fn host_users(&mut self) -> ElementId {
        let id = ElementId(self.id("host", "local-users"));
        if self.host_elements.insert(id.0.clone()) {
            self.fragment.elements.push(Element {
                id: id.clone(),
                kind: ElementKind::ExternalEntity,
                name: "Local users of the Docker host".to_string(),
                technology: None,
                zone: self.zone_id("host"),
                attached_zones: Vec::new(),
                called_from: None,
                span: None,
                attributes: Attributes::default(),
            });
        }
        id
    }

    fn environment_flows(
        &self,
        service: &Service,
        names: &BTreeMap<String, String>,
        technologies: &BTreeMap<String, Option<Technology>>,
    ) -> Vec<Flow> {
        let mut flows: Vec<Flow> = Vec::new();
        for (var, &from_file) in service.env.entries.iter().zip(&service.env.from_file) {
            for reference in references::references(&var.key, &var.raw, &var.value) {
                let Some(target) = names.get(&reference.host.to_ascii_lowercase()) else {
                    continue;
                };
                if target == &service.name {
                    continue;
                }
                let technology = technologies.get(target).copied().flatten();
                flows.push(reference_flow(
                    service,
                    &self.id("service", target),
                    &reference,
                    technology,
                    var.span.clone(),
                    from_file,
                ));
            }
        }
        flows
    }

    fn service_dependencies(
        &mut self,
        node: &Node,
        name: &str,
    ) -> Vec<(String, Span, &'static str)> {
        let mut found = Vec::new();
        if let Some(depends) = node.get("depends_on") {
            match &depends.value {
                NodeValue::Sequence(items) => {
                    found.extend(items.iter().filter_map(|i| {
                        i.as_str()
                            .map(|s| (s.to_string(), self.span(i), "depends_on"))
                    }));
                }
                NodeValue::Mapping(entries) => {
                    found.extend(entries.iter().filter_map(|(k, _)| {
                        k.as_str()
                            .map(|s| (s.to_string(), self.span(k), "depends_on"))
                    }));
                }
                _ => {
                    let span = self.span(depends);
                    self.wrong_type(
                        span,
                        &format!("services.{name}.depends_on"),
                        "a list or a mapping",
                        depends,
                    );
                }
            }
        }
        if let Some(links) = node.get("links") {
            for link in self
                .sequence(links, &format!("services.{name}.links"))
                .to_vec()
            {
                if let Some(text) = link.as_str() {
                    let target = text.split(':').next().unwrap_or(text).to_string();
                    found.push((target, self.span(&link), "links"));
                }
            }
        }
        found
    }

    /// Named volumes become data stores with a flow from the service; bind mounts become the
    /// service's host-mount attributes, returned for the caller to add.
    fn volumes(
        &mut self,
        service: &Service,
        declared: &HashMap<String, Span>,
        stores: &mut BTreeMap<String, Element>,
    ) -> Attributes {
        let mut host_mounts = Attributes::default();
        host_mounts.set_flag(AttrName::RuntimeSocket, Tri::No, None);
        host_mounts.set_empty_list(AttrName::SensitiveHostMounts);
        let Some(volumes) = service.node.get("volumes") else {
            return host_mounts;
        };
        let path = format!("services.{}.volumes", service.name);
        for item in self.sequence(volumes, &path).to_vec() {
            let span = self.span(&item);
            // The resolved source and target decide what the mount is; the shown ones (as
            // written where the .env file set them) are what the model prints.
            let (kind, (source, shown_source), (target, shown_target), read_only) =
                match &item.value {
                    NodeValue::Scalar(text, _) => {
                        let value = self.vars.interpolate(text);
                        let Some((source, target, mode)) = split_volume(&value.text) else {
                            continue; // An anonymous volume: container storage only.
                        };
                        let (shown_source, shown_target) = if value.from_file {
                            split_volume(&value.shown)
                                .map_or((value.shown, String::new()), |(s, t, _)| (s, t))
                        } else {
                            (source.clone(), target.clone())
                        };
                        let read_only = mode.split(',').any(|m| m == "ro");
                        (
                            volume_kind(&source).to_string(),
                            (source, shown_source),
                            (target, shown_target),
                            read_only,
                        )
                    }
                    NodeValue::Mapping(_) => {
                        let get = |k: &str| {
                            item.get(k).and_then(Node::as_str).map(|v| {
                                let value = self.vars.interpolate(v);
                                (value.text, value.shown)
                            })
                        };
                        let kind = get("type").map_or_else(|| "volume".to_string(), |(t, _)| t);
                        let read_only = item
                            .get("read_only")
                            .and_then(Node::truthy)
                            .unwrap_or(false);
                        match get("source") {
                            Some(source) => {
                                (kind, source, get("target").unwrap_or_default(), read_only)
                            }
                            None => continue,
                        }
                    }
                    _ => {
                        self.wrong_type(
                            span,
                            &path,
                            "a volume (`source:target[:mode]` or a mapping)",
                            &item,
                        );
                        continue;
                    }
                };
            let unresolved = source.contains("${");
            if unresolved && catalog::is_runtime_socket(&target) {
                // `${SOCK}:/var/run/docker.sock`: very likely the socket, but not stated.
                if host_mounts.flag(AttrName::RuntimeSocket) == Tri::No {
                    host_mounts.set_flag(AttrName::RuntimeSocket, Tri::Unknown, Some(span.clone()));
                }
            } else if kind == "bind" || kind == "npipe" {
                let normalized = source.trim_end_matches('/');
                let normalized = if normalized.is_empty() {
                    "/"
                } else {
                    normalized
                };
                let mount = format!("{shown_source}:{shown_target}");
                host_mounts.push_item(AttrName::HostMounts, mount.clone(), Some(span.clone()));
                if catalog::is_runtime_socket(normalized) {
                    host_mounts.set_flag(AttrName::RuntimeSocket, Tri::Yes, Some(span.clone()));
                    self.runtime_socket_flow(service, span, read_only);
                } else if catalog::is_sensitive_host_path(normalized) {
                    host_mounts.push_item(AttrName::SensitiveHostMounts, mount, Some(span.clone()));
                }
            } else if kind == "volume" {
                // A declared volume's name is written in the file; any other is shown as written.
                let source = if declared.contains_key(&source) {
                    source
                } else {
                    shown_source
                };
                let store = stores.entry(source.clone()).or_insert_with(|| {
                    let declared_span = declared.get(&source).cloned();
                    Element {
                        id: ElementId(self.id("volume", &source)),
                        kind: ElementKind::DataStore,
                        name: format!("volume {source}"),
                        technology: Some("docker-volume".to_string()),
                        zone: self.zone_id(""),
                        attached_zones: Vec::new(),
                        called_from: None,
                        span: declared_span.or(Some(span.clone())),
                        attributes: Attributes::default(),
                    }
                });
                self.fragment.flows.push(Flow::mount(
                    service.element.id.clone(),
                    store.id.clone(),
                    "volume",
                    span,
                    Tri::from_bool(read_only),
                ));
            }
        }
        host_mounts
    }

    /// A mounted runtime socket is a flow into the docker engine on the host: full control of
    /// the host, read-only mount or not (`:ro` does not stop API calls).
    fn runtime_socket_flow(&mut self, service: &Service, span: Span, read_only: bool) {
        let engine = ElementId(self.id("host", "docker-engine"));
        if self.host_elements.insert(engine.0.clone()) {
            self.fragment.elements.push(Element {
                id: engine.clone(),
                kind: ElementKind::Process,
                name: "Docker engine".to_string(),
                technology: Some("docker-engine".to_string()),
                zone: self.zone_id("host"),
                attached_zones: Vec::new(),
                called_from: None,
                span: None,
                attributes: Attributes::default(),
            });
        }
        let mut flow = Flow::new(
            service.element.id.clone(),
            engine,
            Some("docker-api".to_string()),
            vec![],
            "runtime-socket",
            Some(span.clone()),
        );
        flow.attributes
            .set_flag(AttrName::ReadOnly, Tri::from_bool(read_only), Some(span));
        self.fragment.flows.push(flow);
    }

    /// The secrets a service mounts (`secrets:`, short or long syntax), each at its entry.
    fn mounted_secrets(&self, service: &Service) -> Vec<(String, Span)> {
        let Some(secrets) = service.node.get("secrets").and_then(Node::as_sequence) else {
            return Vec::new();
        };
        secrets
            .iter()
            .filter_map(|item| Some((secret_name(item)?, self.span(item))))
            .collect()
    }

    /// Secrets a service uses become data stores it reads.
    fn secrets(
        &mut self,
        service: &Service,
        declared: &HashMap<String, Span>,
        stores: &mut BTreeMap<String, Element>,
    ) {
        let Some(secrets) = service.node.get("secrets") else {
            return;
        };
        let path = format!("services.{}.secrets", service.name);
        for item in self.sequence(secrets, &path).to_vec() {
            let Some(name) = secret_name(&item) else {
                continue;
            };
            let span = self.span(&item);
            if !declared.contains_key(&name) {
                self.diagnose(
                    DiagnosticLevel::Warning,
                    Code::ComposeUndeclaredSecret,
                    span.clone(),
                    format!("secret `{name}` is not declared under the top-level `secrets:`"),
                );
            }
            let key = format!("secret:{name}");
            let store = stores.entry(key).or_insert_with(|| Element {
                id: ElementId(self.id("secret", &name)),
                kind: ElementKind::DataStore,
                name: format!("secret {name}"),
                technology: Some("docker-secret".to_string()),
                zone: self.zone_id(""),
                attached_zones: Vec::new(),
                called_from: None,
                span: declared.get(&name).cloned().or(Some(span.clone())),
                attributes: Attributes::default(),
            });
            self.fragment.flows.push(Flow::mount(
                service.element.id.clone(),
                store.id.clone(),
                "secret",
                span,
                Tri::Yes,
            ));
        }
    }
}

/// Splits the short volume syntax `SOURCE:TARGET[:MODE]`, keeping a Windows drive letter
/// (`C:\\data:/data`) or named pipe (`\\\\.\\pipe\\x:\\\\.\\pipe\\x`) in the source. `None` for an
/// anonymous volume (a target alone).
fn split_volume(text: &str) -> Option<(String, String, String)> {
    let is_drive = |t: &str| {
        let b = t.as_bytes();
        b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/')
    };
    let (source, rest) = if is_drive(text) {
        let after = text[2..].find(':')? + 2;
        (&text[..after], &text[after + 1..])
    } else {
        text.split_once(':')?
    };
    let (target, mode) = if is_drive(rest) {
        match rest[2..].find(':') {
            Some(i) => (&rest[..i + 2], &rest[i + 3..]),
            None => (rest, ""),
        }
    } else {
        rest.split_once(':').unwrap_or((rest, ""))
    };
    Some((source.to_string(), target.to_string(), mode.to_string()))
}

/// What a short-syntax source is: a host path (absolute, relative, home, drive letter,
/// variable), a Windows named pipe, or a named volume.
fn volume_kind(source: &str) -> &'static str {
    let b = source.as_bytes();
    if source.starts_with(r"\\.\pipe\") || source.starts_with("//./pipe/") {
        "npipe"
    } else if source.starts_with(['/', '.', '~', '$', '\\'])
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
    {
        "bind"
    } else {
        "volume"
    }
}

/// A flow from a service to the service an environment value names.
fn reference_flow(
    service: &Service,
    target: &str,
    reference: &Reference,
    technology: Option<Technology>,
    span: Span,
    from_file: bool,
) -> Flow {
    // A scheme read from a file is named only when it is a well-known one: its text is the
    // file's content.
    let by_scheme = reference.scheme.as_deref().and_then(|scheme| {
        if from_file {
            catalog::known_scheme_protocol(scheme).map(|(p, tls)| (p.to_string(), tls))
        } else {
            Some(catalog::scheme_protocol(scheme))
        }
    });
    let by_technology = technology.and_then(|t| t.protocol);
    let port = reference.port.or_else(|| by_technology.map(|(_, p)| p));
    let (protocol, tls) = match (
        &by_scheme,
        catalog::port_carries(port, technology),
        by_technology,
    ) {
        (Some((p, tls)), _, _) => (Some(p.clone()), catalog::encryption(p, *tls)),
        (None, Some((p, tls)), _) => (Some(p.to_string()), tls),
        // On another port than its default, the store still speaks its own protocol.
        (None, None, Some((p, _))) => (Some(p.to_string()), catalog::encryption(p, None)),
        (None, None, None) => (None, None),
    };
    let mut flow = Flow::new(
        service.element.id.clone(),
        ElementId(target.to_string()),
        protocol,
        port.map(|p| p.to_string()).into_iter().collect(),
        "environment",
        Some(span.clone()),
    );
    let encrypted = match reference.tls.or(tls) {
        Some(b) => Tri::from_bool(b),
        None => Tri::Unknown,
    };
    flow.attributes
        .set_flag(AttrName::EncryptedInTransit, encrypted, Some(span.clone()));
    if reference.has_credentials {
        flow.attributes
            .set_flag(AttrName::Authenticated, Tri::Yes, Some(span));
    }
    flow
}

/// The secret an entry of a service's `secrets:` names: the short syntax's name or the long
/// syntax's `source`.
fn secret_name(item: &Node) -> Option<String> {
    item.as_str()
        .or_else(|| item.get("source").and_then(Node::as_str))
        .map(str::to_string)
}

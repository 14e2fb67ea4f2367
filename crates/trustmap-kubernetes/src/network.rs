//! How traffic reaches workloads: Services (and their exposure), Ingresses, Gateway API routes,
//! environment values that name a Service, and the NetworkPolicies that isolate pods.

use crate::namespace_zone;
use crate::objects::{Cluster, Object, at, items, labels, text};
use crate::selection::{Access, PodClasses, Selector};
use crate::workload::{Builder, Workload};
use std::collections::BTreeMap;
use trustmap_containers as containers;
use trustmap_model::Code;
use trustmap_model::{
    AttrName, Attributes, Element, ElementId, ElementKind, Flow, INTERNET_ELEMENT, Span, Tri,
};
use trustmap_yaml::Node;

/// Annotations that make a LoadBalancer Service internal to the cloud network.
const INTERNAL_LOAD_BALANCER: &[(&str, &str)] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    ("networking.gke.io/load-balancer-type", "Internal"),
    ("cloud.google.com/load-balancer-type", "Internal"),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
];

/// Wires Services, Ingresses, routes, references and network policies into the builder.
pub fn wire(cluster: &Cluster, builder: &mut Builder) {
    let workloads = builder.workloads.clone();
    let classes = PodClasses::new(&workloads);
    let mut access = Access::new(cluster, &classes);
    for (workload, &class) in workloads.iter().zip(&classes.class_of) {
        let (truth, span) = match access.isolation(class) {
            Some((isolated, span)) => (Tri::from_bool(isolated), Some(span)),
            None => (Tri::No, None),
        };
        if let Some(element) = builder.elements.get_mut(&workload.id.0) {
            element
                .attributes
                .set_flag(AttrName::NetworkIsolated, truth, span);
        }
    }
    let mut services: BTreeMap<(String, String), ElementId> = BTreeMap::new();
    let mut backends: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for service in cluster.of_kind("Service") {
        let (id, selected) = self::service(cluster, builder, service, &workloads, &classes);
        services.insert(
            (service.namespace.clone(), service.name.clone()),
            id.clone(),
        );
        backends.insert(id.0, selected);
    }
    for ingress in cluster.of_kind("Ingress") {
        self::ingress(cluster, builder, ingress, &services);
    }
    gateways(cluster, builder, &services);
    references(
        builder,
        &workloads,
        &classes,
        &services,
        &backends,
        &mut access,
    );
}

fn forwarder(builder: &Builder, object: &Object, technology: &str) -> Element {
    let mut attributes = Attributes::default();
    attributes.set_flag(AttrName::Forwards, Tri::Yes, None);
    Element {
        id: ElementId(object.id()),
        kind: ElementKind::Process,
        name: format!("{} {}", object.kind, object.name),
        technology: Some(technology.to_string()),
        zone: namespace_zone(&object.namespace),
        attached_zones: Vec::new(),
        called_from: None,
        span: Some(builder.cluster.declaration(object)),
        attributes,
    }
}

fn port_number(node: Option<&Node>) -> Option<u16> {
    node.and_then(Node::as_str).and_then(|p| p.parse().ok())
}

/// A Service: a forwarder to the pods its selector matches; LoadBalancer and NodePort types
/// (and external IPs) take connections from outside the cluster. Returns its id and the
/// classes of pods it selects.
fn service(
    cluster: &Cluster,
    builder: &mut Builder,
    service: &Object,
    workloads: &[Workload],
    classes: &PodClasses,
) -> (ElementId, Vec<usize>) {
    let element = forwarder(builder, service, "k8s-service");
    let id = element.id.clone();
    builder.add(element);
    let spec = service.node.get("spec");
    let selector_node = spec.and_then(|s| s.get("selector"));
    let selector = labels(selector_node);
    let ports = spec.map(|s| items(s, &["ports"])).unwrap_or(&[]);
    // A Service without a selector selects nothing (its endpoints are managed by hand).
    let selected = if selector.is_empty() {
        Vec::new()
    } else {
        classes.selected(&service.namespace, &Selector::equality(selector))
    };
    let mut backends: Vec<usize> = selected
        .iter()
        .flat_map(|&c| classes.classes[c].workloads.iter().copied())
        .collect();
    backends.sort_unstable();
    for workload in backends.iter().map(|&w| &workloads[w]) {
        if builder.flows_full() {
            break;
        }
        {
            let span = selector_node.map(|s| cluster.span(s));
            if ports.is_empty() {
                builder.flow(Flow::new(
                    id.clone(),
                    workload.id.clone(),
                    None,
                    vec![],
                    "service-selector",
                    span.clone(),
                ));
            }
            for port in ports {
                let target = port.get("targetPort").or_else(|| port.get("port"));
                let number = port_number(target);
                let protocol = protocol_of(port, number, workload);
                let label = target.and_then(Node::as_str).unwrap_or("?").to_string();
                builder.flow(Flow::new(
                    id.clone(),
                    workload.id.clone(),
                    protocol.map(|p| p.0),
                    vec![label],
                    "service-selector",
                    Some(cluster.span(port)),
                ));
            }
        }
    }
    let kind = spec
        .and_then(|s| s.get("type"))
        .and_then(Node::as_str)
        .unwrap_or("ClusterIP");
    let external_ips = spec.map(|s| items(s, &["externalIPs"])).unwrap_or(&[]);
    if kind != "LoadBalancer" && kind != "NodePort" && external_ips.is_empty() {
        return (id, selected);
    }
    let internal = INTERNAL_LOAD_BALANCER.iter().any(|(k, v)| {
        service
            .annotation(k)
            .is_some_and(|a| a.eq_ignore_ascii_case(v))
    });
    let source_ranges: Vec<&str> = spec
        .map(|s| items(s, &["loadBalancerSourceRanges"]))
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let open_ranges = source_ranges.is_empty()
        || source_ranges
            .iter()
            .any(|r| *r == "0.0.0.0/0" || *r == "::/0");
    let public = match kind {
        "LoadBalancer" if internal || !open_ranges => Tri::No,
        "LoadBalancer" => Tri::Yes,
        // A node port or external IP is as public as the nodes' addresses, which the manifests
        // do not say.
        _ => Tri::Unknown,
    };
    for port in ports {
        let number = port_number(port.get("port"));
        let app_protocol = port.get("appProtocol").and_then(Node::as_str);
        // What the images behind it serve on their own port, when they all do and agree (an
        // Elasticsearch 8 serves HTTPS on 9200); else the port's convention.
        let target = port_number(port.get("targetPort").or_else(|| port.get("port")));
        let served: Vec<Option<(String, Option<bool>)>> = backends
            .iter()
            .map(|&w| {
                workloads[w]
                    .technology
                    .filter(|t| t.protocol.is_some_and(|(_, own)| Some(own) == target))
                    .and_then(|t| containers::port_carries(target, Some(t)))
                    .map(|(p, tls)| (p.to_string(), tls))
            })
            .collect();
        let carried = match served.split_first() {
            Some((first @ Some(_), rest)) if rest.iter().all(|s| s == first) => first.clone(),
            _ => containers::port_carries(number, None).map(|(p, tls)| (p.to_string(), tls)),
        };
        let (protocol, tls) = match (app_protocol, carried) {
            (Some(p), _) => (
                Some(p.to_ascii_lowercase()),
                match p {
                    "https" | "tls" | "grpcs" => Some(true),
                    "http" | "h2c" => Some(false),
                    _ => None,
                },
            ),
            (None, Some((p, tls))) => (Some(p), tls),
            (None, None) => (None, None),
        };
        let label = port
            .get("port")
            .and_then(Node::as_str)
            .unwrap_or("?")
            .to_string();
        let span = cluster.span(port);
        let mut flow = Flow::new(
            ElementId(INTERNET_ELEMENT.into()),
            id.clone(),
            protocol,
            vec![label],
            "service-exposure",
            Some(span.clone()),
        );
        // The port entry is what is published; the type line says how.
        flow.attributes
            .set_flag(AttrName::Public, public, Some(span.clone()));
        flow.attributes.set_flag(
            AttrName::EncryptedInTransit,
            tls.map_or(Tri::Unknown, Tri::from_bool),
            Some(span),
        );
        builder.flow(flow);
    }
    (id, selected)
}

/// The protocol a Service port carries to a workload: its `appProtocol`, the well-known
/// protocol of the target port, or the workload's own protocol on its default port.
fn protocol_of(
    port: &Node,
    number: Option<u16>,
    workload: &Workload,
) -> Option<(String, Option<bool>)> {
    if let Some(p) = port.get("appProtocol").and_then(Node::as_str) {
        return Some((p.to_ascii_lowercase(), None));
    }
    containers::port_carries(number, workload.technology).map(|(p, tls)| (p.to_string(), tls))
}

/// An Ingress: takes HTTP (and, with `tls:`, HTTPS) from the internet and forwards to the
/// Services its rules name.
fn ingress(
    cluster: &Cluster,
    builder: &mut Builder,
    ingress: &Object,
    services: &BTreeMap<(String, String), ElementId>,
) {
    let mut element = forwarder(builder, ingress, "k8s-ingress");
    if let Some(value) = ingress.annotation("nginx.ingress.kubernetes.io/enable-access-log") {
        let span = at(
            &ingress.node,
            &[
                "metadata",
                "annotations",
                "nginx.ingress.kubernetes.io/enable-access-log",
            ],
        )
        .map(|n| cluster.span(n));
        element
            .attributes
            .set_flag(AttrName::Logging, Tri::from_bool(value != "false"), span);
    }
    let id = element.id.clone();
    builder.add(element);
    let spec = ingress.node.get("spec");
    let tls = spec.map(|s| items(s, &["tls"])).unwrap_or(&[]);
    // Point at the `rules:` key itself, not at its first item.
    let anchor = spec
        .and_then(|s| s.entry("rules").map(|(key, _)| key))
        .or(spec)
        .map_or_else(|| cluster.span(&ingress.node), |n| cluster.span(n));
    let internet = ElementId(INTERNET_ELEMENT.into());
    let mut entry = |protocol: &str, port: &str, encrypted: Tri, span: Span| {
        let mut flow = Flow::new(
            internet.clone(),
            id.clone(),
            Some(protocol.into()),
            vec![port.into()],
            "ingress",
            Some(span.clone()),
        );
        flow.attributes.set_flag(AttrName::Public, Tri::Yes, None);
        flow.attributes
            .set_flag(AttrName::EncryptedInTransit, encrypted, Some(span));
        builder.flow(flow);
    };
    let annotation_span =
        |key: &str| at(&ingress.node, &["metadata", "annotations", key]).map(|n| cluster.span(n));
    let class = ingress
        .annotation("kubernetes.io/ingress.class")
        .or_else(|| text(&ingress.node, &["spec", "ingressClassName"]));
    if class == Some("gce-internal") {
        // GKE's internal load balancer: reachable inside the VPC only.
    } else if gce_ingress(ingress, class) {
        // GKE's own controller: certificates it manages or that were uploaded count as TLS;
        // it serves plain HTTP beside HTTPS unless HTTP is turned off or a FrontendConfig
        // redirects it.
        let certificate = tls
            .first()
            .map(|t| cluster.span(t))
            .or_else(|| GKE_CERTIFICATES.iter().find_map(|key| annotation_span(key)));
        if let Some(span) = certificate {
            entry("https", "443", Tri::Yes, span);
        }
        if ingress.annotation("kubernetes.io/ingress.allow-http") != Some("false") {
            match gke_redirect(cluster, ingress) {
                Some((redirects, span)) if redirects != Tri::No => {
                    let mut flow = Flow::new(
                        internet.clone(),
                        id.clone(),
                        Some("http".into()),
                        vec!["80".into()],
                        "ingress",
                        Some(span.clone()),
                    );
                    flow.attributes.set_flag(AttrName::Public, Tri::Yes, None);
                    flow.attributes.set_flag(
                        AttrName::RedirectsToTls,
                        redirects,
                        Some(span.clone()),
                    );
                    flow.attributes
                        .set_flag(AttrName::EncryptedInTransit, redirects, Some(span));
                    builder.flow(flow);
                }
                _ => entry("http", "80", Tri::No, anchor),
            }
        }
    } else if let Some(first) = tls.first() {
        entry("https", "443", Tri::Yes, cluster.span(first));
        // With TLS, controllers redirect plain HTTP to HTTPS unless told not to.
        let redirect_off =
            ingress.annotation("nginx.ingress.kubernetes.io/ssl-redirect") == Some("false");
        if redirect_off {
            entry("http", "80", Tri::No, anchor);
        }
    } else {
        entry("http", "80", Tri::No, anchor);
    }
    let mut backends: Vec<&Node> = Vec::new();
    if let Some(default) = spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))) {
        backends.push(default);
    }
    for rule in spec.map(|s| items(s, &["rules"])).unwrap_or(&[]) {
        for path in items(rule, &["http", "paths"]) {
            if let Some(backend) = path.get("backend") {
                backends.push(backend);
            }
        }
    }
    for backend in backends {
        let name = text(backend, &["service", "name"]).or_else(|| text(backend, &["serviceName"]));
        let port = at(backend, &["service", "port", "number"])
            .or_else(|| at(backend, &["service", "port", "name"]))
            .or_else(|| backend.get("servicePort"));
        let Some(target) =
            name.and_then(|n| services.get(&(ingress.namespace.clone(), n.to_string())))
        else {
            continue;
        };
        let ports = port
            .and_then(Node::as_str)
            .map(|p| vec![p.to_string()])
            .unwrap_or_default();
        builder.flow(Flow::new(
            id.clone(),
            target.clone(),
            Some("http".into()),
            ports,
            "ingress-backend",
            Some(cluster.span(backend)),
        ));
    }
}

/// The annotations by which GKE's Ingress controller serves HTTPS with certificates it manages
/// (`ManagedCertificate`) or that were uploaded to the project.
const GKE_CERTIFICATES: &[&str] = &[
    "networking.gke.io/managed-certificates",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
];

/// The annotation naming an Ingress's FrontendConfig.
const GKE_FRONTEND_CONFIG: &str = "networking.gke.io/v1beta1.FrontendConfig";

/// Whether GKE's own controller serves an Ingress on an external load balancer: its class
/// is `gce`, or it names none and carries annotations only that controller reads.
fn gce_ingress(ingress: &Object, class: Option<&str>) -> bool {
    match class {
        Some(class) => class == "gce",
        None => at(&ingress.node, &["metadata", "annotations"])
            .and_then(Node::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(key, _)| key.as_str())
            .any(|key| {
                key.starts_with("networking.gke.io/")
                    || key.starts_with("ingress.gcp.kubernetes.io/")
                    || key == "kubernetes.io/ingress.global-static-ip-name"
            }),
    }
}

/// Whether a GKE Ingress's FrontendConfig redirects plain HTTP to HTTPS
/// (`redirectToHttps: {enabled: true}`), at the line that says so; unknown when the
/// FrontendConfig it names is not in the scan; `None` when it names none.
fn gke_redirect(cluster: &Cluster, ingress: &Object) -> Option<(Tri, Span)> {
    let name = ingress.annotation(GKE_FRONTEND_CONFIG)?;
    let Some(config) = cluster.find("FrontendConfig", &ingress.namespace, name) else {
        let named = at(
            &ingress.node,
            &["metadata", "annotations", GKE_FRONTEND_CONFIG],
        )?;
        return Some((Tri::Unknown, cluster.span(named)));
    };
    let enabled = at(&config.node, &["spec", "redirectToHttps", "enabled"]);
    let redirects = enabled.and_then(Node::truthy) == Some(true);
    let span = enabled.map_or_else(|| cluster.declaration(config), |n| cluster.span(n));
    Some((Tri::from_bool(redirects), span))
}

/// Gateway API: Gateways take the traffic of their listeners; routes attach to Gateways and
/// forward to Services.
fn gateways(
    cluster: &Cluster,
    builder: &mut Builder,
    services: &BTreeMap<(String, String), ElementId>,
) {
    let internet = ElementId(INTERNET_ELEMENT.into());
    let mut gateway_ids: BTreeMap<(String, String), ElementId> = BTreeMap::new();
    for gateway in cluster
        .objects
        .iter()
        .filter(|o| o.kind == "Gateway" && o.group() == "gateway.networking.k8s.io")
    {
        let element = forwarder(builder, gateway, "k8s-gateway");
        let id = element.id.clone();
        builder.add(element);
        for listener in items(&gateway.node, &["spec", "listeners"]) {
            let protocol = text(listener, &["protocol"])
                .unwrap_or("HTTP")
                .to_ascii_lowercase();
            let port = text(listener, &["port"]).unwrap_or("?");
            let encrypted = match protocol.as_str() {
                "https" | "tls" => Tri::Yes,
                "http" => Tri::No,
                _ => Tri::Unknown,
            };
            let span = cluster.span(listener);
            let mut flow = Flow::new(
                internet.clone(),
                id.clone(),
                Some(protocol),
                vec![port.to_string()],
                "gateway-listener",
                Some(span.clone()),
            );
            // Whether the gateway's address is public depends on its class, which is not here.
            flow.attributes
                .set_flag(AttrName::Public, Tri::Unknown, None);
            flow.attributes
                .set_flag(AttrName::EncryptedInTransit, encrypted, Some(span));
            builder.flow(flow);
        }
        gateway_ids.insert((gateway.namespace.clone(), gateway.name.clone()), id);
    }
    for route in cluster
        .objects
        .iter()
        .filter(|o| o.kind.ends_with("Route") && o.group() == "gateway.networking.k8s.io")
    {
        let parents: Vec<ElementId> = items(&route.node, &["spec", "parentRefs"])
            .iter()
            .filter_map(|p| {
                let namespace = text(p, &["namespace"])
                    .unwrap_or(&route.namespace)
                    .to_string();
                gateway_ids
                    .get(&(namespace, text(p, &["name"])?.to_string()))
                    .cloned()
            })
            .collect();
        for rule in items(&route.node, &["spec", "rules"]) {
            for backend in items(rule, &["backendRefs"]) {
                let namespace = text(backend, &["namespace"])
                    .unwrap_or(&route.namespace)
                    .to_string();
                let Some(name) = text(backend, &["name"]) else {
                    continue;
                };
                let Some(target) = services.get(&(namespace, name.to_string())) else {
                    continue;
                };
                let port: Vec<String> = text(backend, &["port"])
                    .map(|p| vec![p.to_string()])
                    .unwrap_or_default();
                let protocol = match route.kind.as_str() {
                    "HTTPRoute" => Some("http".to_string()),
                    "GRPCRoute" => Some("grpc".to_string()),
                    "TLSRoute" => Some("tls".to_string()),
                    _ => None,
                };
                for parent in &parents {
                    builder.flow(Flow::new(
                        parent.clone(),
                        target.clone(),
                        protocol.clone(),
                        port.clone(),
                        "route-backend",
                        Some(cluster.span(backend)),
                    ));
                }
            }
        }
    }
}

/// Environment values and arguments that name a Service (`cartservice:7070`,
/// `redis://redis-cart:6379`, `http://api.shop.svc.cluster.local`) are flows to it.
fn references(
    builder: &mut Builder,
    workloads: &[Workload],
    classes: &PodClasses,
    services: &BTreeMap<(String, String), ElementId>,
    backends: &BTreeMap<String, Vec<usize>>,
    access: &mut Access,
) {
    for (workload, &class) in workloads.iter().zip(&classes.class_of) {
        let mut found: Vec<Flow> = Vec::new();
        let candidates = workload
            .env
            .iter()
            .map(|e| (e.key.as_str(), e.raw.as_str(), e.span.clone()))
            .chain(
                workload
                    .args
                    .iter()
                    .map(|(a, s)| ("ARG_URL", a.as_str(), s.clone())),
            );
        for (key, value, span) in candidates {
            for reference in containers::references(key, value, value) {
                let host = reference.host.to_ascii_lowercase();
                let mut parts = host.split('.');
                let name = parts.next().unwrap_or("").to_string();
                let namespace = match parts.next() {
                    Some(ns) if ns != "svc" => ns.to_string(),
                    _ => workload.namespace.clone(),
                };
                let Some(target) = services.get(&(namespace, name)) else {
                    continue;
                };
                let (protocol, tls) =
                    match reference.scheme.as_deref().map(containers::scheme_protocol) {
                        Some((p, tls)) => (Some(p), tls),
                        None => match containers::port_carries(reference.port, None) {
                            Some((p, tls)) => (Some(p.to_string()), tls),
                            None => (None, None),
                        },
                    };
                let mut flow = Flow::new(
                    workload.id.clone(),
                    target.clone(),
                    protocol,
                    reference.port.map(|p| p.to_string()).into_iter().collect(),
                    "environment",
                    Some(span.clone()),
                );
                let encrypted = reference.tls.or(tls).map_or(Tri::Unknown, Tri::from_bool);
                flow.attributes.set_flag(
                    AttrName::EncryptedInTransit,
                    encrypted,
                    Some(span.clone()),
                );
                found.push(flow);
            }
        }
        // NetworkPolicies decide whether the connection is allowed: to every pod behind the
        // Service, by the policies of both ends. A flow no pod would admit does not exist.
        for flow in found {
            let targets = backends
                .get(&flow.target.0)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let denied =
                !targets.is_empty() && targets.iter().all(|&target| !access.allowed(class, target));
            if denied {
                let span = flow.span.clone().unwrap_or_else(|| Span::lines("", 1, 1));
                builder.diagnostics.push(trustmap_model::Diagnostic::new(
                    trustmap_model::DiagnosticLevel::Note,
                    Code::K8sFlowDenied,
                    span,
                    format!("{} is named here, but NetworkPolicies deny the connection: no flow is modelled", flow.id),
                ));
            } else {
                builder.flow(flow);
            }
        }
    }
}

//! Models for the diagram and HTML tests (and the example that renders them): a 30-service
//! platform on Kubernetes, with several namespaces of different trust and many flows. The
//! format tests borrow its zone builder.

#![allow(dead_code)]

use trustmap_model::{
    AttrName, Element, ElementKind, Flow, Fragment, INTERNET_ELEMENT, Model, Span, Tri, TrustLevel,
    Zone, ZoneKind,
};
use trustmap_testkit::model;

pub fn zone(id: &str, name: &str, kind: ZoneKind, parent: &str, trust: TrustLevel) -> Zone {
    model::zone(id, name, kind, Some(parent), trust)
}

pub fn element(id: &str, name: &str, kind: ElementKind, zone: &str) -> Element {
    let at = Span::lines(format!("deploy/{name}.yaml"), 1, 30);
    model::element(id, name, kind, zone, Some(at))
}

pub fn flow(source: &str, target: &str, protocol: &str, port: &str) -> Flow {
    let ports: &[&str] = if port.is_empty() { &[] } else { &[port] };
    let at = Span::lines("deploy/flows.yaml", 1, 1);
    model::flow(source, target, Some(protocol), ports, "test", Some(at))
}

const CLUSTER: &str = "k8s:cluster";

fn ns(name: &str) -> String {
    format!("k8s:namespace/{name}")
}

/// The id of a platform element by name.
pub fn id(name: &str) -> String {
    match name {
        "internet" => INTERNET_ELEMENT.to_string(),
        "stripe" | "sendgrid" | "partners" => format!("external:{name}"),
        _ => format!("k8s:workload/{name}"),
    }
}

/// A 30-service platform: ingress, frontend, backend, data, observability and ops namespaces
/// in one cluster, external APIs on the internet, 60-odd flows.
pub fn platform() -> Model {
    let zones = vec![
        zone(
            CLUSTER,
            "prod cluster",
            ZoneKind::Cluster,
            "internet",
            TrustLevel::Medium,
        ),
        zone(
            &ns("ingress"),
            "ingress",
            ZoneKind::Namespace,
            CLUSTER,
            TrustLevel::Low,
        ),
        zone(
            &ns("frontend"),
            "frontend",
            ZoneKind::Namespace,
            CLUSTER,
            TrustLevel::Medium,
        ),
        zone(
            &ns("backend"),
            "backend",
            ZoneKind::Namespace,
            CLUSTER,
            TrustLevel::Medium,
        ),
        zone(
            &ns("data"),
            "data",
            ZoneKind::Namespace,
            CLUSTER,
            TrustLevel::High,
        ),
        zone(
            &ns("observability"),
            "observability",
            ZoneKind::Namespace,
            CLUSTER,
            TrustLevel::Medium,
        ),
        zone(
            &ns("ops"),
            "ops",
            ZoneKind::Namespace,
            CLUSTER,
            TrustLevel::Privileged,
        ),
        zone(
            "k8s:nodes",
            "nodes",
            ZoneKind::Host,
            "internet",
            TrustLevel::Privileged,
        ),
    ];
    let services: &[(&str, &str, ElementKind, Option<&str>)] = &[
        (
            "ingress-nginx",
            "ingress",
            ElementKind::Process,
            Some("nginx"),
        ),
        ("web", "frontend", ElementKind::Process, Some("node")),
        ("mobile-bff", "frontend", ElementKind::Process, Some("node")),
        ("admin-ui", "frontend", ElementKind::Process, Some("react")),
        (
            "static-assets",
            "frontend",
            ElementKind::Process,
            Some("nginx"),
        ),
        (
            "api-gateway",
            "backend",
            ElementKind::Process,
            Some("envoy"),
        ),
        ("auth", "backend", ElementKind::Process, Some("keycloak")),
        ("users", "backend", ElementKind::Process, Some("go")),
        ("orders", "backend", ElementKind::Process, Some("java")),
        ("payments", "backend", ElementKind::Process, Some("java")),
        ("inventory", "backend", ElementKind::Process, Some("go")),
        ("catalog", "backend", ElementKind::Process, Some("python")),
        ("search", "backend", ElementKind::Process, Some("go")),
        ("cart", "backend", ElementKind::Process, Some("go")),
        ("shipping", "backend", ElementKind::Process, Some("kotlin")),
        (
            "notifications",
            "backend",
            ElementKind::Process,
            Some("python"),
        ),
        (
            "recommendations",
            "backend",
            ElementKind::Process,
            Some("python"),
        ),
        ("reviews", "backend", ElementKind::Process, Some("ruby")),
        ("pricing", "backend", ElementKind::Process, Some("rust")),
        (
            "postgres-users",
            "data",
            ElementKind::DataStore,
            Some("postgres"),
        ),
        (
            "postgres-orders",
            "data",
            ElementKind::DataStore,
            Some("postgres"),
        ),
        ("redis-cart", "data", ElementKind::DataStore, Some("redis")),
        (
            "redis-session",
            "data",
            ElementKind::DataStore,
            Some("redis"),
        ),
        ("kafka", "data", ElementKind::DataStore, Some("kafka")),
        (
            "elasticsearch",
            "data",
            ElementKind::DataStore,
            Some("elasticsearch"),
        ),
        (
            "mongo-catalog",
            "data",
            ElementKind::DataStore,
            Some("mongo"),
        ),
        ("minio", "data", ElementKind::DataStore, Some("minio")),
        (
            "prometheus",
            "observability",
            ElementKind::Process,
            Some("prometheus"),
        ),
        (
            "grafana",
            "observability",
            ElementKind::Process,
            Some("grafana"),
        ),
        (
            "loki",
            "observability",
            ElementKind::DataStore,
            Some("loki"),
        ),
        ("argo-cd", "ops", ElementKind::Process, Some("argo-cd")),
        ("kubelet", "nodes", ElementKind::Process, None),
    ];
    let mut elements: Vec<Element> = services
        .iter()
        .map(|&(name, namespace, kind, technology)| {
            let zone = if namespace == "nodes" {
                "k8s:nodes".to_string()
            } else {
                ns(namespace)
            };
            let mut e = element(&id(name), name, kind, &zone);
            e.technology = technology.map(str::to_string);
            e
        })
        .collect();
    for (name, label) in [
        ("stripe", "Stripe API"),
        ("sendgrid", "SendGrid <mail> & \"co\""),
        ("partners", "Partner systems"),
    ] {
        elements.push(element(
            &id(name),
            label,
            ElementKind::ExternalEntity,
            "internet",
        ));
    }
    // Facts the built-in rules fire on.
    for e in &mut elements {
        let name = e.name.clone();
        if name.starts_with("redis") || name == "elasticsearch" {
            e.attributes
                .set_flag(AttrName::Authenticated, Tri::No, e.span.clone());
        }
        if name == "argo-cd" || name == "kubelet" {
            e.attributes
                .set_flag(AttrName::Privileged, Tri::Yes, e.span.clone());
        }
        if name == "ingress-nginx" || name == "static-assets" {
            e.attributes
                .set_flag(AttrName::ResourceLimits, Tri::No, e.span.clone());
        }
        if name == "ingress-nginx" || name == "api-gateway" {
            e.attributes.set_flag(AttrName::Forwards, Tri::Yes, None);
        }
    }
    let edges: &[(&str, &str, &str, &str)] = &[
        ("internet", "ingress-nginx", "https", "443"),
        ("internet", "ingress-nginx", "http", "80"),
        ("partners", "api-gateway", "https", "8443"),
        ("ingress-nginx", "web", "http", "3000"),
        ("ingress-nginx", "mobile-bff", "http", "8080"),
        ("ingress-nginx", "static-assets", "http", "80"),
        ("ingress-nginx", "admin-ui", "http", "8081"),
        ("web", "api-gateway", "grpc", "9000"),
        ("mobile-bff", "api-gateway", "grpc", "9000"),
        ("admin-ui", "api-gateway", "grpc", "9000"),
        ("web", "auth", "https", "8443"),
        ("mobile-bff", "auth", "https", "8443"),
        ("api-gateway", "users", "grpc", "50051"),
        ("api-gateway", "orders", "grpc", "50051"),
        ("api-gateway", "catalog", "grpc", "50051"),
        ("api-gateway", "search", "grpc", "50051"),
        ("api-gateway", "cart", "grpc", "50051"),
        ("api-gateway", "reviews", "grpc", "50051"),
        ("api-gateway", "recommendations", "grpc", "50051"),
        ("orders", "payments", "grpc", "50051"),
        ("orders", "inventory", "grpc", "50051"),
        ("orders", "shipping", "grpc", "50051"),
        ("orders", "pricing", "grpc", "50051"),
        ("cart", "pricing", "grpc", "50051"),
        ("catalog", "pricing", "grpc", "50051"),
        ("orders", "kafka", "kafka", "9092"),
        ("shipping", "kafka", "kafka", "9092"),
        ("notifications", "kafka", "kafka", "9092"),
        ("notifications", "sendgrid", "https", "443"),
        ("payments", "stripe", "https", "443"),
        ("auth", "postgres-users", "postgres", "5432"),
        ("users", "postgres-users", "postgres", "5432"),
        ("orders", "postgres-orders", "postgres", "5432"),
        ("payments", "postgres-orders", "postgres", "5432"),
        ("cart", "redis-cart", "redis", "6379"),
        ("auth", "redis-session", "redis", "6379"),
        ("search", "elasticsearch", "http", "9200"),
        ("catalog", "mongo-catalog", "mongodb", "27017"),
        ("catalog", "minio", "s3", "9000"),
        ("reviews", "mongo-catalog", "mongodb", "27017"),
        ("recommendations", "elasticsearch", "http", "9200"),
        ("inventory", "postgres-orders", "postgres", "5432"),
        ("prometheus", "api-gateway", "http", "9090"),
        ("prometheus", "orders", "http", "9090"),
        ("prometheus", "payments", "http", "9090"),
        ("prometheus", "kafka", "http", "9308"),
        ("grafana", "prometheus", "http", "9090"),
        ("grafana", "loki", "http", "3100"),
        ("argo-cd", "kubelet", "https", "10250"),
        ("argo-cd", "api-gateway", "https", "443"),
        ("web", "static-assets", "http", "80"),
        ("search", "catalog", "grpc", "50051"),
        ("shipping", "partners", "https", "443"),
        ("kafka", "notifications", "kafka", "9092"),
    ];
    let mut flows: Vec<Flow> = edges
        .iter()
        .map(|&(s, t, protocol, port)| flow(&id(s), &id(t), protocol, port))
        .collect();
    for f in &mut flows {
        if f.source.0 == INTERNET_ELEMENT {
            f.attributes.set_flag(AttrName::Public, Tri::Yes, None);
            let tls = if f.protocol == Some(trustmap_model::Protocol::Https) {
                Tri::Yes
            } else {
                Tri::No
            };
            f.attributes
                .set_flag(AttrName::EncryptedInTransit, tls, f.span.clone());
        }
    }
    Model::build(vec![Fragment {
        zones,
        elements,
        flows,
        diagnostics: vec![],
    }])
}

/// A generated system of `services` processes and stores spread over `networks` networks of
/// one compose project, each calling two or three others (a fixed pattern, no randomness).
pub fn generated(services: usize, networks: usize) -> Model {
    let mut zones = vec![
        zone(
            "host",
            "host",
            ZoneKind::Host,
            "internet",
            TrustLevel::Privileged,
        ),
        zone(
            "project",
            "project",
            ZoneKind::Project,
            "host",
            TrustLevel::Medium,
        ),
    ];
    for n in 0..networks {
        let trust = if n % 3 == 2 {
            TrustLevel::High
        } else {
            TrustLevel::Medium
        };
        zones.push(zone(
            &format!("net{n}"),
            &format!("network {n}"),
            ZoneKind::Network,
            "project",
            trust,
        ));
    }
    let name = |i: usize| format!("svc{i:03}");
    let elements: Vec<Element> = (0..services)
        .map(|i| {
            let kind = if i % 5 == 4 {
                ElementKind::DataStore
            } else {
                ElementKind::Process
            };
            element(
                &name(i),
                &format!("service-{i}"),
                kind,
                &format!("net{}", i % networks),
            )
        })
        .collect();
    let mut flows = Vec::new();
    for i in 0..services {
        if i % 5 == 4 {
            continue; // stores do not call
        }
        for step in [1, 7, 13] {
            let j = (i * 3 + step) % services;
            if j != i && (step != 13 || i % 2 == 0) {
                flows.push(flow(&name(i), &name(j), "tcp", &format!("{}", 8000 + j)));
            }
        }
    }
    for i in (0..services).step_by(9) {
        flows.push(flow(INTERNET_ELEMENT, &name(i), "https", "443"));
    }
    Model::build(vec![Fragment {
        zones,
        elements,
        flows,
        diagnostics: vec![],
    }])
}

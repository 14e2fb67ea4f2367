//! AWS resources into the data-flow model: the VPCs and subnets as zones (a subnet is public
//! when its route table reaches an internet gateway, or it maps public IPs on launch), the
//! resources of the catalog as elements, security-group rules as flows (from the internet for
//! 0.0.0.0/0 and ::/0, between resources for group references), load-balancer listeners and
//! target attachments, public S3 ACLs and Lambda function URLs as doors from the internet.

use crate::catalog::{self, Entry};
use crate::cloud::{
    Companioned, Door, Index, Provider, api_server_door, at, catalog_attributes, companions,
    configured_flows, describe, element, id, listener_encryption, port_number, port_text,
    provider_zone, public_data_door, referenced, zones,
};
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_containers as containers;
use trustmap_model::{
    AttrName, Attributes, Element, ElementId, Flow, Fragment, Span, Tri, TrustLevel, Zone, ZoneId,
};

/// The zone every AWS resource of a scan lives in, unless its subnet or VPC is known.
pub const ACCOUNT_ZONE: &str = "tf:aws";

/// One ingress rule of a security group.
struct Ingress {
    from_port: Option<i64>,
    to_port: Option<i64>,
    protocol: String,
    internet: bool,
    /// The argument that opens the rule to the internet (`cidr_blocks = ["0.0.0.0/0"]`).
    internet_span: Option<Span>,
    groups: Vec<String>,
    span: Span,
}

fn ingress_from(block: &Value, span: Span) -> Ingress {
    let open = |v: &Value| {
        v.items()
            .iter()
            .any(|i| matches!(i.as_str(), Some("0.0.0.0/0" | "::/0")))
    };
    let internet_span = ["cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"]
        .iter()
        .filter_map(|k| block.get(k))
        .find(|v| open(v))
        .map(|v| v.span().clone());
    let mut groups: Vec<String> = Vec::new();
    for key in [
        "security_groups",
        "source_security_group_id",
        "referenced_security_group_id",
    ] {
        if let Some(v) = block.get(key) {
            groups.extend(referenced(v));
        }
    }
    Ingress {
        from_port: port_number(block.get("from_port")),
        to_port: port_number(block.get("to_port")),
        protocol: block
            .get("protocol")
            .or_else(|| block.get("ip_protocol"))
            .and_then(Value::as_str)
            .unwrap_or("tcp")
            .to_string(),
        internet: internet_span.is_some(),
        internet_span,
        groups,
        span,
    }
}

/// The ingress rules of every security group, by group address.
fn security_groups(index: &Index) -> BTreeMap<String, Vec<Ingress>> {
    let mut rules: BTreeMap<String, Vec<Ingress>> = BTreeMap::new();
    let kinds = [
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    ];
    for r in index.of_kinds(&kinds) {
        if r.kind == "aws_security_group" {
            for block in r.body.all("ingress") {
                rules
                    .entry(r.address.clone())
                    .or_default()
                    .push(ingress_from(block, block.span().clone()));
            }
            continue;
        }
        let ingress = r.kind == "aws_vpc_security_group_ingress_rule"
            || r.body.get("type").and_then(Value::as_str) == Some("ingress");
        if ingress {
            for group in index.arg(&r.body, "security_group_id") {
                rules
                    .entry(group.address.clone())
                    .or_default()
                    .push(ingress_from(&r.body, r.span.clone()));
            }
        }
    }
    rules
}

/// The AWS provider: its catalog and its mapping.
pub(crate) const PROVIDER: Provider = Provider {
    prefix: "aws_",
    catalog: ("catalog/aws.yaml", include_str!("../catalog/aws.yaml")),
    model,
};

/// The AWS part of a Terraform scan.
fn model(index: &Index, root: &str) -> Fragment {
    let mut fragment = Fragment::default();
    fragment
        .zones
        .push(provider_zone(ACCOUNT_ZONE, "AWS account"));
    // Resources that configure another one (a bucket's versioning, a VPC's flow logs).
    let companions = companions(index);
    let routes = Routes::read(index);
    fragment
        .zones
        .extend(zones(index, root, ACCOUNT_ZONE, &companions));
    routes.mark_subnets(index, root, &mut fragment.zones);
    let rights = role_rights(index);
    let elements = Elements::read(index);
    let throttled = throttled_apis(index);
    for (r, entry) in elements.elements.values() {
        let attributes =
            element_attributes(index, r, entry, &companions, &routes, &rights, &throttled);
        let zone = index
            .placement(r, entry)
            .map_or_else(|| ACCOUNT_ZONE.to_string(), |s| id(root, &s.address));
        fragment
            .elements
            .push(element(root, r, entry, zone, attributes));
    }
    open_roles(index, &rights, root, &mut fragment);
    let publics = publicity(&fragment, index, root);
    let mut flows = security_group_flows(index, &elements, &publics, root);
    load_balancers(index, &elements.elements, &publics, root, &mut flows);
    doors(index, root, &mut flows);
    eks_endpoints(index, root, &mut flows);
    edges(index, root, &mut flows);
    configured_flows(index, root, &mut flows);
    fragment.flows.extend(flows);
    fragment
}

/// Which subnets route to the internet: associated with a route table that routes to an
/// internet gateway, through their VPC's main route table, or mapping public IPs on launch.
#[derive(Default)]
struct Routes {
    /// Public subnets, at the span that makes them public.
    public_subnets: BTreeMap<String, Span>,
    /// Subnets that give every instance a public address.
    public_ips: BTreeMap<String, Span>,
    /// An association to an internet route whose subnet is not known statically (an unknown
    /// `count.index`) may make any subnet public: the others are then unknown, not private.
    some_routed_subnet_unknown: bool,
    /// Subnets associated with a route table this code does not define.
    unknown_subnets: BTreeSet<String>,
}

impl Routes {
    fn read(index: &Index) -> Routes {
        let mut routes = Routes::default();
        let igw_tables = internet_route_tables(index);
        for association in index.of_kind("aws_route_table_association") {
            let tables = index.arg(&association.body, "route_table_id");
            let routes_out = tables.iter().any(|t| igw_tables.contains(&t.address));
            let subnets = index.arg(&association.body, "subnet_id");
            if routes_out {
                if association
                    .body
                    .get("subnet_id")
                    .is_some_and(Value::is_unknown)
                {
                    routes.some_routed_subnet_unknown = true;
                }
                for subnet in subnets {
                    routes
                        .public_subnets
                        .insert(subnet.address.clone(), association.span.clone());
                }
            } else if tables.is_empty() && association.body.get("route_table_id").is_some() {
                // A route table this code does not define may route to the internet.
                routes
                    .unknown_subnets
                    .extend(subnets.iter().map(|s| s.address.clone()));
            }
        }
        routes.main_route_tables(index, &igw_tables);
        for subnet in index.of_kind("aws_subnet") {
            if let Some(v) = subnet
                .body
                .get("map_public_ip_on_launch")
                .filter(|v| v.as_bool() == Some(true))
            {
                routes
                    .public_subnets
                    .insert(subnet.address.clone(), v.span().clone());
                routes
                    .public_ips
                    .insert(subnet.address.clone(), v.span().clone());
            }
        }
        routes
    }

    /// A subnet with no association of its own uses its VPC's main route table: the default
    /// one (`aws_default_route_table`, routes on `aws_vpc.x.main_route_table_id`) or the one
    /// `aws_main_route_table_association` names.
    fn main_route_tables(&mut self, index: &Index, igw_tables: &BTreeSet<String>) {
        let associated: BTreeSet<String> = index
            .of_kind("aws_route_table_association")
            .flat_map(|a| index.arg(&a.body, "subnet_id"))
            .map(|s| s.address.clone())
            .collect();
        let mut public_main: BTreeMap<String, Span> = BTreeMap::new();
        let kinds = [
            "aws_vpc",
            "aws_default_route_table",
            "aws_main_route_table_association",
        ];
        for r in index.of_kinds(&kinds) {
            let (vpcs, routes_out) = match r.kind.as_str() {
                // A route on `aws_vpc.x.main_route_table_id` names the VPC itself.
                "aws_vpc" => (vec![r], igw_tables.contains(&r.address)),
                "aws_default_route_table" => (
                    index.arg(&r.body, "default_route_table_id"),
                    igw_tables.contains(&r.address),
                ),
                _ => (
                    index.arg(&r.body, "vpc_id"),
                    index
                        .arg(&r.body, "route_table_id")
                        .iter()
                        .any(|t| igw_tables.contains(&t.address)),
                ),
            };
            if routes_out {
                for vpc in vpcs.into_iter().filter(|v| v.kind == "aws_vpc") {
                    public_main.insert(vpc.address.clone(), r.span.clone());
                }
            }
        }
        for subnet in index.of_kind("aws_subnet") {
            if associated.contains(&subnet.address) || self.some_routed_subnet_unknown {
                continue;
            }
            let main = index
                .arg(&subnet.body, "vpc_id")
                .into_iter()
                .find_map(|v| public_main.get(&v.address));
            if let Some(span) = main {
                self.public_subnets
                    .insert(subnet.address.clone(), span.clone());
            }
        }
    }

    /// Whether a subnet is public (yes, no, or unknown when an association may make it so).
    fn publicness(&self, subnet: &str) -> Tri {
        match self.public_subnets.get(subnet) {
            Some(_) => Tri::Yes,
            None if self.some_routed_subnet_unknown || self.unknown_subnets.contains(subnet) => {
                Tri::Unknown
            }
            None => Tri::No,
        }
    }

    /// Names each subnet zone public or private, with its trust and `public` flag.
    fn mark_subnets(&self, index: &Index, root: &str, zones: &mut [Zone]) {
        let by_id: BTreeMap<String, &Resource> = index
            .of_kind("aws_subnet")
            .map(|s| (id(root, &s.address), s))
            .collect();
        for zone in zones.iter_mut() {
            let Some(subnet) = by_id.get(&zone.id.0) else {
                continue;
            };
            let publicness = self.publicness(&subnet.address);
            zone.attributes.set_flag(
                AttrName::Public,
                publicness,
                self.public_subnets.get(&subnet.address).cloned(),
            );
            zone.name = match publicness {
                Tri::Yes => format!("public subnet {}", subnet.address),
                Tri::No => format!("private subnet {}", subnet.address),
                Tri::Unknown => format!("subnet {}", subnet.address),
            };
            if publicness == Tri::Yes {
                zone.trust = TrustLevel::Low;
            }
        }
    }

    /// Whether an instance gets a public address from its subnet, when it does not say:
    /// yes when its subnet maps one on launch; no when none of its subnets is routed to the
    /// internet; unknown otherwise (none when it names no subnet).
    fn instance_public(&self, index: &Index, instance: &Resource) -> Option<(Tri, Option<Span>)> {
        let subnets = index.arg(&instance.body, "subnet_id");
        if let Some(span) = subnets.iter().find_map(|s| self.public_ips.get(&s.address)) {
            Some((Tri::Yes, Some(span.clone())))
        } else if !subnets.is_empty()
            && !self.some_routed_subnet_unknown
            && !subnets
                .iter()
                .any(|s| self.public_subnets.contains_key(&s.address))
        {
            Some((Tri::No, None))
        } else {
            None
        }
    }
}

/// The route tables (and VPCs, through `main_route_table_id`) with a route to an internet
/// gateway.
fn internet_route_tables(index: &Index) -> BTreeSet<String> {
    let kinds = ["aws_route_table", "aws_route", "aws_default_route_table"];
    index
        .of_kinds(&kinds)
        .into_iter()
        .filter(|r| {
            let routes = if r.kind == "aws_route" {
                vec![&r.body]
            } else {
                r.body.all("route")
            };
            routes.iter().any(|route| {
                route.get("gateway_id").is_some_and(|g| {
                    index
                        .resolve_all(g)
                        .iter()
                        .any(|t| t.kind == "aws_internet_gateway")
                })
            })
        })
        .flat_map(|r| {
            if r.kind == "aws_route" {
                index
                    .arg(&r.body, "route_table_id")
                    .iter()
                    .map(|t| t.address.clone())
                    .collect()
            } else {
                vec![r.address.clone()]
            }
        })
        .collect()
}

/// API Gateway REST APIs whose method settings throttle requests, at the settings' span.
fn throttled_apis(index: &Index) -> BTreeMap<String, Span> {
    let mut throttled = BTreeMap::new();
    for settings in index.of_kind("aws_api_gateway_method_settings") {
        if settings
            .body
            .all("settings")
            .iter()
            .any(|s| s.get("throttling_rate_limit").is_some())
        {
            for api in index.arg(&settings.body, "rest_api_id") {
                throttled
                    .entry(api.address.clone())
                    .or_insert_with(|| settings.span.clone());
            }
        }
    }
    throttled
}

/// The catalogued resources drawn as elements (a launch template used by an autoscaling group
/// is drawn as that group), and which of them carry each security group.
struct Elements<'r> {
    elements: BTreeMap<String, (&'r Resource, &'static Entry)>,
    carriers: BTreeMap<String, Vec<&'r Resource>>,
}

impl<'r> Elements<'r> {
    fn read(index: &Index<'r>) -> Elements<'r> {
        let launched: BTreeSet<&str> = index
            .of_kind("aws_autoscaling_group")
            .flat_map(|r| launch_templates(r, index))
            .map(|t| t.address.as_str())
            .collect();
        let mut elements = BTreeMap::new();
        let mut carriers: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
        for r in index.all() {
            let Some(entry) = catalog::entry(&r.kind) else {
                continue;
            };
            if launched.contains(r.address.as_str()) {
                continue;
            }
            elements.insert(r.address.clone(), (r, entry));
            for group in index.arg_path(&r.body, &entry.security_groups) {
                carriers.entry(group.address.clone()).or_default().push(r);
            }
            // An autoscaling group's instances carry its launch template's security groups.
            for template in launch_templates(r, index) {
                let interfaces = template.body.all("network_interfaces");
                let groups = index
                    .arg(&template.body, "vpc_security_group_ids")
                    .into_iter()
                    .chain(index.arg(&template.body, "security_groups"))
                    .chain(
                        interfaces
                            .into_iter()
                            .flat_map(|i| index.arg(i, "security_groups")),
                    );
                for group in groups.collect::<Vec<_>>() {
                    carriers.entry(group.address.clone()).or_default().push(r);
                }
            }
        }
        Elements { elements, carriers }
    }
}

/// An element's attributes: its catalog flags and companions, then what AWS states elsewhere
/// (the subnet's public addresses, secrets in user data and container definitions, API
/// throttling, the role it runs as).
fn element_attributes(
    index: &Index,
    r: &Resource,
    entry: &Entry,
    companions: &BTreeMap<String, Vec<Companioned<'_>>>,
    routes: &Routes,
    rights: &BTreeMap<String, Grants>,
    throttled: &BTreeMap<String, Span>,
) -> Attributes {
    let mut attributes = catalog_attributes(r, &entry.flags, companions);
    // Without a stated choice, an instance gets a public address when its subnet maps one
    // on launch; in a subnet routed to the internet otherwise, it may or may not.
    if attributes.flag(AttrName::Public) == Tri::Unknown
        && r.kind == "aws_instance"
        && let Some((public, span)) = routes.instance_public(index, r)
    {
        attributes.set_flag(AttrName::Public, public, span);
    }
    let launch = launch_templates(r, index);
    user_data_secrets(r, &launch, &mut attributes);
    attributes.set_flag(AttrName::NetworkIsolated, Tri::Unknown, None);
    if r.kind == "aws_ecs_service" {
        for task in index.arg(&r.body, "task_definition") {
            container_definitions(task, &mut attributes);
        }
    }
    if let Some(span) = throttled
        .get(&r.address)
        .filter(|_| attributes.get(AttrName::RateLimited).is_some())
    {
        attributes.set_flag(AttrName::RateLimited, Tri::Yes, Some(span.clone()));
    }
    // The credentials of the role it runs as are on hand to whoever controls it (instance
    // metadata, the function's environment).
    if let Some(role) = index
        .identity(r)
        .or_else(|| launch.iter().find_map(|t| index.identity(t)))
    {
        attributes.set_flag(AttrName::ServiceAccountToken, Tri::Yes, None);
        rights
            .get(&role.address)
            .cloned()
            .unwrap_or_default()
            .state(
                |right| format!("{right} (role {})", role.address),
                &mut attributes,
            );
    }
    attributes
}

/// Secrets written into an instance's user data (`export AWS_SECRET_ACCESS_KEY=...`), or into
/// the launch template of a group's instances.
fn user_data_secrets(r: &Resource, launch: &[&Resource], attributes: &mut Attributes) {
    let Some((text, span)) = std::iter::once(r)
        .chain(launch.iter().copied())
        .find_map(|c| c.body.get("user_data"))
        .and_then(|v| v.as_str().map(|t| (t, v.span().clone())))
    else {
        return;
    };
    let entries: Vec<containers::EnvEntry> = text
        .lines()
        .filter_map(|line| line.trim().trim_start_matches("export ").split_once('='))
        // Only `NAME=value` lines: the name is shown, and nothing else of the line is.
        .filter(|(key, _)| is_variable_name(key.trim()))
        .map(|(key, value)| containers::EnvEntry {
            key: key.trim().to_string(),
            raw: value.trim().to_string(),
            value: value.trim().trim_matches('"').to_string(),
            literal: !value.contains('$'),
            known: true,
            span: span.clone(),
        })
        .collect();
    for (name, at) in containers::plaintext_secrets(&entries) {
        attributes.push_item(
            AttrName::PlaintextSecrets,
            format!("{name} (in user_data)"),
            Some(at),
        );
    }
}

/// Security groups: the internet (0.0.0.0/0, ::/0) and other groups' carriers reach the
/// resources that carry the group, on the rule's ports. A load balancer's doors are its
/// listeners (with their protocols); its security group only filters them.
fn security_group_flows(
    index: &Index,
    elements: &Elements,
    publics: &BTreeMap<String, Tri>,
    root: &str,
) -> Vec<Flow> {
    let rules = security_groups(index);
    let public_of = |address: &str| publics.get(address).copied().unwrap_or(Tri::Unknown);
    let listened: BTreeSet<String> = index
        .of_kinds(&["aws_lb_listener", "aws_alb_listener"])
        .into_iter()
        .flat_map(|l| index.arg(&l.body, "load_balancer_arn"))
        .map(|b| b.address.clone())
        .chain(
            index
                .of_kind("aws_elb")
                .filter(|r| !r.body.all("listener").is_empty())
                .map(|r| r.address.clone()),
        )
        .collect();
    let mut flows: Vec<Flow> = Vec::new();
    for (group, ingress) in &rules {
        for target in elements.carriers.get(group).cloned().unwrap_or_default() {
            for rule in ingress {
                let (ports, protocol, encrypted) =
                    describe(&rule.protocol, rule.from_port, rule.to_port);
                if rule.internet && !listened.contains(&target.address) {
                    let reachable = public_of(&target.address);
                    if reachable == Tri::No {
                        continue;
                    }
                    let span = rule
                        .internet_span
                        .clone()
                        .unwrap_or_else(|| rule.span.clone());
                    flows.push(
                        Door {
                            target: &target.address,
                            protocol: protocol.clone(),
                            port: ports.first().cloned(),
                            origin: "security-group",
                            span,
                            public: reachable,
                            encrypted: Some(encrypted),
                            authenticated: None,
                        }
                        .flow(root),
                    );
                }
                for source_group in &rule.groups {
                    for source in index.resolve(source_group).iter().flat_map(|g| {
                        elements
                            .carriers
                            .get(&g.address)
                            .cloned()
                            .unwrap_or_default()
                    }) {
                        if source.address == target.address {
                            continue;
                        }
                        let mut flow = Flow::new(
                            ElementId(id(root, &source.address)),
                            ElementId(id(root, &target.address)),
                            protocol.clone(),
                            ports.clone(),
                            "security-group",
                            Some(rule.span.clone()),
                        );
                        flow.attributes.set_flag(
                            AttrName::EncryptedInTransit,
                            encrypted,
                            Some(rule.span.clone()),
                        );
                        flows.push(flow);
                    }
                }
            }
        }
    }
    flows
}

/// Whether a text is an environment variable's name (`DB_PASSWORD`).
fn is_variable_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether each element may be reached from the internet by address (its `public` flag; unknown
/// when the catalog does not say), read once from the elements built.
fn publicity(fragment: &Fragment, index: &Index, root: &str) -> BTreeMap<String, Tri> {
    let by_id: BTreeMap<&str, &Attributes> = fragment
        .elements
        .iter()
        .map(|e| (e.id.0.as_str(), &e.attributes))
        .collect();
    index
        .all()
        .iter()
        .filter_map(|r| {
            let attributes = by_id.get(id(root, &r.address).as_str())?;
            let public = attributes
                .get(AttrName::Public)
                .map_or(Tri::Unknown, |_| attributes.flag(AttrName::Public));
            Some((r.address.clone(), public))
        })
        .collect()
}

/// Where a listener writes its protocol and port: `lb_protocol`/`lb_port` in a classic ELB's
/// inline block, `protocol`/`port` in an `aws_lb_listener`.
struct ListenerKeys {
    protocol: &'static str,
    port: &'static str,
}

/// The door a listener opens from the internet (none when its balancer is internal), on the
/// line of its protocol. Both kinds of listener default to HTTP.
fn listener_door(
    root: &str,
    balancer: &Resource,
    listener: &Value,
    keys: ListenerKeys,
    public: Tri,
) -> Option<Flow> {
    if public == Tri::No {
        return None;
    }
    let written = listener.get(keys.protocol);
    let protocol = written
        .and_then(Value::as_str)
        .unwrap_or("http")
        .to_ascii_lowercase();
    let encrypted = listener_encryption(&protocol);
    let door = Door {
        target: &balancer.address,
        encrypted: Some(encrypted),
        protocol: Some(protocol),
        port: port_text(listener.get(keys.port)),
        origin: "listener",
        span: written.map_or_else(|| listener.span().clone(), |v| v.span().clone()),
        public,
        authenticated: None,
    };
    let mut flow = door.flow(root);
    if encrypted == Tri::Yes {
        // Without `ssl_policy` the provider leaves the choice to AWS, whose default has
        // changed over time: unknown.
        let policy = listener.get("ssl_policy");
        let outdated = policy
            .and_then(Value::as_str)
            .map_or(Tri::Unknown, elb_policy_outdated);
        flow.attributes.set_flag(
            AttrName::OutdatedTls,
            outdated,
            policy.map(|p| p.span().clone()),
        );
    }
    Some(flow)
}

/// Whether an Elastic Load Balancing security policy still accepts TLS 1.0 or 1.1: the
/// predefined policies name their lowest version (`ELBSecurityPolicy-TLS13-1-2-2021-06`), and
/// the older undated-version ones (`ELBSecurityPolicy-2016-08`, `-2015-05`, `-FS-2018-06`) accept
/// TLS 1.0. A policy of another naming is unknown.
fn elb_policy_outdated(policy: &str) -> Tri {
    const OUTDATED: &[&str] = &[
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-FS-2018-06",
    ];
    const WEAK_MARKS: &[&str] = &["TLS-1-0", "TLS-1-1", "TLS13-1-0", "TLS13-1-1", "FS-1-1"];
    const STRONG_MARKS: &[&str] = &["TLS-1-2", "TLS13-1-2", "TLS13-1-3", "FS-1-2"];
    if OUTDATED.contains(&policy) || WEAK_MARKS.iter().any(|m| policy.contains(m)) {
        Tri::Yes
    } else if STRONG_MARKS.iter().any(|m| policy.contains(m)) {
        Tri::No
    } else {
        Tri::Unknown
    }
}

/// Whether a CloudFront distribution's viewer TLS accepts versions before 1.2: a written
/// `minimum_protocol_version` says; the default certificate always allows TLS 1.0.
fn cloudfront_outdated_tls(distribution: &Resource) -> (Tri, Option<Span>) {
    let Some(certificate) = distribution
        .body
        .all("viewer_certificate")
        .into_iter()
        .next()
    else {
        return (Tri::Unknown, None);
    };
    // The default certificate allows TLS 1.0 whatever minimum is written.
    if let Some(default) = certificate
        .get("cloudfront_default_certificate")
        .filter(|d| d.as_bool() == Some(true))
    {
        return (Tri::Yes, Some(default.span().clone()));
    }
    if let Some(version) = certificate.get("minimum_protocol_version") {
        let outdated = match version.as_str() {
            Some(v) if v.starts_with("TLSv1.2") || v.starts_with("TLSv1.3") => Tri::No,
            Some("SSLv3" | "TLSv1" | "TLSv1_2016" | "TLSv1.1_2016") => Tri::Yes,
            _ => Tri::Unknown,
        };
        return (outdated, Some(version.span().clone()));
    }
    // A custom certificate without a minimum gets `TLSv1`.
    if certificate.get("acm_certificate_arn").is_some()
        || certificate.get("iam_certificate_id").is_some()
    {
        return (Tri::Yes, Some(certificate.span().clone()));
    }
    (Tri::Unknown, None)
}

/// The listeners that listener rules extend.
#[derive(Default)]
struct ListenerRules<'r> {
    listeners: BTreeSet<&'r str>,
    /// Some rule's listener is not known statically.
    unknown: bool,
}

/// Listeners of load balancers are doors from the internet (when the balancer is public);
/// target-group attachments and ECS services behind them are its backends.
fn load_balancers(
    index: &Index,
    elements: &BTreeMap<String, (&Resource, &Entry)>,
    publics: &BTreeMap<String, Tri>,
    root: &str,
    flows: &mut Vec<Flow>,
) {
    // Classic load balancers: inline `listener` blocks and `instances`.
    for balancer in index.of_kind("aws_elb") {
        let public = publics
            .get(&balancer.address)
            .copied()
            .unwrap_or(Tri::Unknown);
        for listener in balancer.body.all("listener") {
            let keys = ListenerKeys {
                protocol: "lb_protocol",
                port: "lb_port",
            };
            flows.extend(listener_door(root, balancer, listener, keys, public));
            let instance_port = port_text(listener.get("instance_port"));
            let instance_protocol = listener
                .get("instance_protocol")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            for target in index.arg(&balancer.body, "instances") {
                if elements.contains_key(&target.address) {
                    flows.push(Flow::new(
                        ElementId(id(root, &balancer.address)),
                        ElementId(id(root, &target.address)),
                        instance_protocol.clone(),
                        instance_port.clone().into_iter().collect(),
                        "elb-instances",
                        Some(listener.span().clone()),
                    ));
                }
            }
        }
    }
    // Which listeners have rules of their own (some rule's listener may be unknown).
    let mut rules_of = ListenerRules::default();
    for rule in index.of_kinds(&["aws_lb_listener_rule", "aws_alb_listener_rule"]) {
        let listeners = index.arg(&rule.body, "listener_arn");
        rules_of.unknown |= listeners.is_empty();
        rules_of
            .listeners
            .extend(listeners.iter().map(|l| l.address.as_str()));
    }
    let mut balancer_of_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for listener in index.of_kinds(&["aws_lb_listener", "aws_alb_listener"]) {
        let Some(balancer) = listener
            .body
            .get("load_balancer_arn")
            .and_then(|v| index.resolve_all(v).first().copied())
        else {
            continue;
        };
        let public = publics
            .get(&balancer.address)
            .copied()
            .unwrap_or(Tri::Unknown);
        let keys = ListenerKeys {
            protocol: "protocol",
            port: "port",
        };
        let mut door = listener_door(root, balancer, &listener.body, keys, public);
        // A listener whose only action redirects to HTTPS, with no rules of its own, serves
        // nothing in plain HTTP but the redirect.
        let actions = listener.body.all("default_action");
        let redirects = !actions.is_empty()
            && actions.iter().all(|a| {
                a.get("type").and_then(Value::as_str) == Some("redirect")
                    && at(a, &["redirect".into(), "protocol".into()])
                        .and_then(Value::as_str)
                        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
            });
        // Rules of this listener, or rules whose listener is not known (they may be its).
        let has_rules = rules_of.unknown || rules_of.listeners.contains(listener.address.as_str());
        // Requests that come in plain HTTP are sent to TLS before any reaches the backends:
        // the traffic this door lets in is encrypted.
        if let Some(flow) = door.as_mut().filter(|_| redirects && !has_rules) {
            let span = Some(actions[0].span().clone());
            flow.attributes
                .set_flag(AttrName::RedirectsToTls, Tri::Yes, span.clone());
            flow.attributes
                .set_flag(AttrName::EncryptedInTransit, Tri::Yes, span);
        }
        flows.extend(door);
        for action in listener.body.all("default_action") {
            for group in index.arg(action, "target_group_arn") {
                balancer_of_group
                    .entry(group.address.clone())
                    .or_default()
                    .push(balancer.address.clone());
            }
        }
    }
    let mut backend = |group_value: Option<&Value>, target: &Resource, span: Span| {
        for group in group_value
            .map(|v| index.resolve_all(v))
            .unwrap_or_default()
        {
            for balancer in balancer_of_group
                .get(&group.address)
                .cloned()
                .unwrap_or_default()
            {
                if elements.contains_key(&target.address) {
                    let port = port_text(group.body.get("port"));
                    let protocol = group
                        .body
                        .get("protocol")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase);
                    flows.push(Flow::new(
                        ElementId(id(root, &balancer)),
                        ElementId(id(root, &target.address)),
                        protocol,
                        port.into_iter().collect(),
                        "target-group",
                        Some(span.clone()),
                    ));
                }
            }
        }
    };
    for attachment in index.of_kinds(&[
        "aws_lb_target_group_attachment",
        "aws_alb_target_group_attachment",
    ]) {
        for target in index.arg(&attachment.body, "target_id") {
            backend(
                attachment.body.get("target_group_arn"),
                target,
                attachment.span.clone(),
            );
        }
    }
    for service in index.of_kind("aws_ecs_service") {
        for block in service.body.all("load_balancer") {
            backend(block.get("target_group_arn"), service, block.span().clone());
        }
    }
    for group in index.of_kind("aws_autoscaling_group") {
        let span = group
            .body
            .get("target_group_arns")
            .map_or_else(|| group.span.clone(), |v| v.span().clone());
        backend(group.body.get("target_group_arns"), group, span);
    }
}

/// CloudFront distributions take traffic from the internet (HTTP too unless every cache
/// behavior redirects or refuses it) and forward to their origins; API Gateway APIs take
/// requests on their routes and methods, authenticated or not.
fn edges(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    // Edges are public by nature and speak TLS unless a policy allows plain HTTP.
    let door = |target: &Resource,
                protocol: &str,
                port: &str,
                encrypted: Tri,
                authenticated: Option<Tri>,
                span: Span,
                origin: &'static str| {
        Door {
            target: &target.address,
            protocol: Some(protocol.to_string()),
            port: Some(port.to_string()),
            origin,
            span,
            public: Tri::Yes,
            encrypted: Some(encrypted),
            authenticated,
        }
        .flow(root)
    };
    for distribution in index.of_kind("aws_cloudfront_distribution") {
        let behaviors: Vec<&Value> = distribution
            .body
            .all("default_cache_behavior")
            .into_iter()
            .chain(distribution.body.all("ordered_cache_behavior"))
            .collect();
        let plaintext = behaviors
            .iter()
            .filter_map(|b| b.get("viewer_protocol_policy"))
            .find(|p| p.as_str() == Some("allow-all"));
        let mut https = door(
            distribution,
            "https",
            "443",
            Tri::Yes,
            None,
            distribution.span.clone(),
            "cloudfront",
        );
        let (outdated, span) = cloudfront_outdated_tls(distribution);
        https
            .attributes
            .set_flag(AttrName::OutdatedTls, outdated, span);
        flows.push(https);
        if let Some(policy) = plaintext {
            flows.push(door(
                distribution,
                "http",
                "80",
                Tri::No,
                None,
                policy.span().clone(),
                "cloudfront",
            ));
        }
        for origin in distribution.body.all("origin") {
            for target in index.arg(origin, "domain_name") {
                flows.push(Flow::new(
                    ElementId(id(root, &distribution.address)),
                    ElementId(id(root, &target.address)),
                    Some("https".into()),
                    vec![],
                    "cloudfront-origin",
                    Some(origin.span().clone()),
                ));
            }
        }
    }
    // REST APIs: a method with `authorization = "NONE"` is open; HTTP APIs: a route without
    // an authorizer.
    for method in index.of_kind("aws_api_gateway_method") {
        let Some(api) = index.arg(&method.body, "rest_api_id").into_iter().next() else {
            continue;
        };
        let auth = method.body.get("authorization");
        let open = auth
            .and_then(Value::as_str)
            .map(|a| a.eq_ignore_ascii_case("NONE"));
        let authenticated = match open {
            Some(true) => Tri::No,
            Some(false) => Tri::Yes,
            None => Tri::Unknown,
        };
        let span = auth.map_or_else(|| method.span.clone(), |v| v.span().clone());
        let verb = method
            .body
            .get("http_method")
            .and_then(Value::as_str)
            .unwrap_or("ANY");
        let mut flow = door(
            api,
            "https",
            "443",
            Tri::Yes,
            Some(authenticated),
            span,
            "api-method",
        );
        flow.id.0.push_str(&format!(" {verb} {}", method.address));
        flows.push(flow);
    }
    // Integrations: the API forwards to the function (or other backend) they name.
    for (kind, api_key, uri_key) in [
        ("aws_api_gateway_integration", "rest_api_id", "uri"),
        ("aws_apigatewayv2_integration", "api_id", "integration_uri"),
    ] {
        for integration in index.of_kind(kind) {
            for api in index.arg(&integration.body, api_key) {
                for backend in index.arg(&integration.body, uri_key) {
                    flows.push(Flow::new(
                        ElementId(id(root, &api.address)),
                        ElementId(id(root, &backend.address)),
                        Some("https".into()),
                        vec![],
                        "api-integration",
                        Some(integration.span.clone()),
                    ));
                }
            }
        }
    }
    for route in index.of_kind("aws_apigatewayv2_route") {
        let Some(api) = index.arg(&route.body, "api_id").into_iter().next() else {
            continue;
        };
        let auth = route.body.get("authorization_type");
        let authenticated = match auth.and_then(Value::as_str) {
            Some("NONE") | None => Tri::No,
            Some(_) => Tri::Yes,
        };
        let span = auth
            .or_else(|| route.body.get("route_key"))
            .map_or_else(|| route.span.clone(), |v| v.span().clone());
        let mut flow = door(
            api,
            "https",
            "443",
            Tri::Yes,
            Some(authenticated),
            span,
            "api-route",
        );
        flow.id.0.push_str(&format!(" {}", route.address));
        flows.push(flow);
    }
}

/// An EKS cluster's API endpoint is public unless `endpoint_public_access = false`, and open to
/// the whole internet unless `public_access_cidrs` narrows it.
fn eks_endpoints(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for cluster in index.of_kind("aws_eks_cluster") {
        let config = cluster.body.all("vpc_config").into_iter().next();
        let access = config.and_then(|c| c.get("endpoint_public_access"));
        let cidrs = config.and_then(|c| c.get("public_access_cidrs"));
        let public = match (access.and_then(Value::as_bool), cidrs) {
            (Some(false), _) => continue,
            (None, _) if access.is_some() => Tri::Unknown,
            (_, Some(list)) if list.is_unknown() => Tri::Unknown,
            (_, Some(list)) => {
                Tri::from_bool(list.items().iter().any(|c| c.as_str() == Some("0.0.0.0/0")))
            }
            (_, None) => Tri::Yes,
        };
        let span = access
            .or(cidrs)
            .or(config)
            .map_or_else(|| cluster.span.clone(), |v| v.span().clone());
        flows.push(api_server_door(root, cluster, "eks-endpoint", span, public));
    }
}

/// Whether a public policy statement's actions only read (`s3:GetObject`, `s3:List*`).
fn only_reads(actions: &[String]) -> Tri {
    let reads = |a: &String| {
        let action = a.to_ascii_lowercase();
        action.starts_with("s3:get") || action.starts_with("s3:list")
    };
    Tri::from_bool(!actions.is_empty() && actions.iter().all(reads))
}

fn doors(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    let blocked: BTreeSet<String> = index
        .of_kind("aws_s3_bucket_public_access_block")
        .filter(|r| {
            [
                "block_public_acls",
                "ignore_public_acls",
                "restrict_public_buckets",
            ]
            .iter()
            .any(|k| r.body.get(k).and_then(Value::as_bool) == Some(true))
        })
        .flat_map(|r| {
            r.body
                .get("bucket")
                .map(|v| {
                    index
                        .resolve_all(v)
                        .iter()
                        .map(|b| b.address.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect();
    // One door per public bucket, however many grants open it: read-only only when every
    // grant only reads; at the first grant that opens it.
    let mut public: BTreeMap<String, (&'static str, Span, Tri)> = BTreeMap::new();
    let mut open = |bucket: &Resource, origin: &'static str, span: Span, read_only: Tri| {
        if blocked.contains(&bucket.address) {
            return;
        }
        public
            .entry(bucket.address.clone())
            .and_modify(|door| door.2 = door.2.and(read_only))
            .or_insert((origin, span, read_only));
    };
    let mut public_acl = |bucket: &Resource, acl: &Value| {
        let read_only = match acl.as_str() {
            Some("public-read" | "website") => Tri::Yes,
            Some("public-read-write") => Tri::No,
            _ => return,
        };
        open(bucket, "public-acl", acl.span().clone(), read_only);
    };
    for bucket in index.of_kind("aws_s3_bucket") {
        if let Some(acl) = bucket.body.get("acl") {
            public_acl(bucket, acl);
        }
    }
    for acl in index.of_kind("aws_s3_bucket_acl") {
        if let (Some(bucket), Some(value)) = (
            acl.body
                .get("bucket")
                .and_then(|v| index.resolve_all(v).first().copied()),
            acl.body.get("acl"),
        ) {
            public_acl(bucket, value);
        }
    }
    // Bucket policies that allow everyone (`Principal: "*"`) without a condition.
    for policy in index.of_kind("aws_s3_bucket_policy") {
        let Some(document) = policy.body.get("policy") else {
            continue;
        };
        let open_statements: Vec<Statement> = policy_statements(document)
            .into_iter()
            .filter(|st| st.allow && st.principal_everyone && !st.conditional)
            .filter(|st| !st.actions.is_empty() || st.not_actions)
            .collect();
        if open_statements.is_empty() {
            continue;
        }
        // `NotAction` grants everything but what it lists: not read-only.
        let read_only = open_statements
            .iter()
            .map(|st| {
                if st.not_actions {
                    Tri::No
                } else {
                    only_reads(&st.actions)
                }
            })
            .fold(Tri::Yes, Tri::and);
        for bucket in index.arg(&policy.body, "bucket") {
            open(bucket, "public-policy", document.span().clone(), read_only);
        }
    }
    for (bucket, (origin, span, read_only)) in public {
        flows.push(public_data_door(&bucket, origin, span, read_only, root));
    }
    for url in index.of_kind("aws_lambda_function_url") {
        let Some(function) = url
            .body
            .get("function_name")
            .and_then(|v| index.resolve_all(v).first().copied())
        else {
            continue;
        };
        let auth = url.body.get("authorization_type");
        let open = auth.and_then(Value::as_str) == Some("NONE");
        let span = auth.map_or_else(|| url.span.clone(), |v| v.span().clone());
        flows.push(
            Door {
                target: &function.address,
                protocol: Some("https".into()),
                port: Some("443".into()),
                origin: "function-url",
                span,
                public: Tri::Yes,
                encrypted: Some(Tri::Yes),
                authenticated: Some(Tri::from_bool(!open)),
            }
            .flow(root),
        );
    }
}

/// One statement of an IAM or resource policy, reduced to what the model needs.
struct Statement {
    allow: bool,
    principal_everyone: bool,
    conditional: bool,
    actions: Vec<String>,
    /// The statement grants everything but a list (`NotAction`).
    not_actions: bool,
    resources: Vec<String>,
    /// Its condition keys (`aws:PrincipalOrgID`), lower case.
    condition_keys: Vec<String>,
}

/// The statements of a policy document written as JSON text (a heredoc, or `jsonencode(...)`
/// evaluated to text). An unknown document has none.
fn policy_statements(document: &Value) -> Vec<Statement> {
    let Value::String(text, _) = document else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match json.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.clone(),
        Some(one @ serde_json::Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    statements
        .iter()
        .map(|st| {
            let everyone = match st.get("Principal") {
                Some(serde_json::Value::String(p)) => p == "*",
                Some(serde_json::Value::Object(map)) => map
                    .values()
                    .any(|v| strings(Some(v)).iter().any(|p| p == "*")),
                _ => false,
            };
            Statement {
                allow: st.get("Effect").and_then(|e| e.as_str()) == Some("Allow"),
                principal_everyone: everyone,
                conditional: st.get("Condition").is_some(),
                actions: strings(st.get("Action")),
                not_actions: st.get("NotAction").is_some(),
                condition_keys: st
                    .get("Condition")
                    .and_then(serde_json::Value::as_object)
                    .into_iter()
                    .flat_map(|operators| operators.values())
                    .filter_map(serde_json::Value::as_object)
                    .flat_map(|keys| keys.keys())
                    .map(|k| k.to_ascii_lowercase())
                    .collect(),
                resources: strings(st.get("Resource")),
            }
        })
        .collect()
}

/// AWS managed policies that grant control of the account.
const ADMIN_POLICIES: &[&str] = &["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];

/// The dangerous rights a policy grants: every action on every resource, every action of IAM,
/// passing any role.
fn dangerous_rights(statements: &[Statement]) -> Vec<String> {
    let mut rights = Vec::new();
    for st in statements.iter().filter(|st| st.allow) {
        let any_resource = st.resources.iter().any(|r| r == "*");
        for action in &st.actions {
            let right = match action.as_str() {
                "*" if any_resource => Some("*:* (every action on every resource)"),
                "iam:*" => Some("iam:* (can grant itself anything)"),
                "iam:PassRole" if any_resource => Some("iam:PassRole on any role"),
                _ => None,
            };
            rights.extend(right.map(str::to_string));
        }
    }
    rights
}

/// The dangerous rights a policy document grants, each with the document's span.
fn rights_of(document: Option<&Value>) -> Vec<(String, Span)> {
    document
        .map(|p| {
            dangerous_rights(&policy_statements(p))
                .into_iter()
                .map(|g| (g, p.span().clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The dangerous rights of each IAM role: its inline policies and attached policies (managed
/// `AdministratorAccess` and the like included), each with the span that grants it.
fn role_rights(index: &Index) -> BTreeMap<String, Grants> {
    // Whether a policy document can be read here (a data source's JSON cannot).
    let readable = |document: Option<&Value>| {
        document.is_none_or(|d| {
            matches!(d, Value::String(text, _) if serde_json::from_str::<serde_json::Value>(text).is_ok())
        })
    };
    // What attaching a policy grants: an AWS managed admin policy by its ARN, or the document
    // of a policy this code defines; and whether that could be read.
    let attached = |arn: &Value| -> (Vec<(String, Span)>, bool) {
        match arn {
            Value::String(text, _) => (
                ADMIN_POLICIES
                    .iter()
                    .filter(|name| text.ends_with(&format!("policy/{name}")))
                    .map(|name| (name.to_string(), arn.span().clone()))
                    .collect(),
                true,
            ),
            _ => {
                let policies = index.resolve_all(arn);
                let known =
                    !policies.is_empty() && policies.iter().all(|p| readable(p.body.get("policy")));
                let rights = policies
                    .iter()
                    .flat_map(|policy| rights_of(policy.body.get("policy")))
                    .collect();
                (rights, known)
            }
        }
    };
    let mut rights: BTreeMap<String, Grants> = BTreeMap::new();
    let kinds = [
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_role",
    ];
    for r in index.of_kinds(&kinds) {
        let (grants, known): (Vec<(String, Span)>, bool) = match r.kind.as_str() {
            "aws_iam_role_policy" => (
                rights_of(r.body.get("policy")),
                readable(r.body.get("policy")),
            ),
            "aws_iam_role_policy_attachment" | "aws_iam_policy_attachment" => r
                .body
                .get("policy_arn")
                .map_or((Vec::new(), true), attached),
            // The role's own inline policies and managed policy ARNs.
            "aws_iam_role" => {
                let inline = r.body.all("inline_policy");
                let mut known = inline.iter().all(|p| readable(p.get("policy")));
                let mut grants: Vec<(String, Span)> = inline
                    .iter()
                    .flat_map(|p| rights_of(p.get("policy")))
                    .collect();
                if let Some(arns) = r.body.get("managed_policy_arns") {
                    known &= !arns.is_unknown();
                    for arn in arns.items() {
                        let (more, readable) = attached(arn);
                        grants.extend(more);
                        known &= readable;
                    }
                }
                (grants, known)
            }
            _ => continue,
        };
        let roles = if r.kind == "aws_iam_role" {
            vec![r]
        } else {
            index
                .arg(&r.body, "role")
                .into_iter()
                .chain(index.arg(&r.body, "roles"))
                .collect()
        };
        for role in roles {
            let entry = rights.entry(role.address.clone()).or_default();
            entry.rights.extend(grants.iter().cloned());
            entry.unknown |= !known;
        }
    }
    rights
}

/// The dangerous rights a role is granted, and whether some grant could not be read.
#[derive(Debug, Clone, Default)]
struct Grants {
    rights: Vec<(String, Span)>,
    unknown: bool,
}

impl Grants {
    /// States the rights on a workload; "none" only when every grant was read.
    fn state(&self, label: impl Fn(&str) -> String, attributes: &mut Attributes) {
        for (right, span) in &self.rights {
            attributes.push_item(
                AttrName::ServiceAccountPrivileges,
                label(right),
                Some(span.clone()),
            );
        }
        if !self.unknown {
            attributes.set_empty_list(AttrName::ServiceAccountPrivileges);
        }
    }
}

/// The launch templates (or launch configurations) an autoscaling group starts its instances
/// from; none for other resources.
fn launch_templates<'r>(group: &Resource, index: &Index<'r>) -> Vec<&'r Resource> {
    if group.kind != "aws_autoscaling_group" {
        return Vec::new();
    }
    // `launch_template { id }`, or the one a mixed instances policy names.
    let mixed = group
        .body
        .all("mixed_instances_policy")
        .into_iter()
        .flat_map(|p| p.all("launch_template"))
        .flat_map(|t| t.all("launch_template_specification"));
    group
        .body
        .all("launch_template")
        .into_iter()
        .chain(mixed)
        .flat_map(|t| {
            ["id", "name", "launch_template_id", "launch_template_name"]
                .iter()
                .flat_map(|k| index.arg(t, k))
                .collect::<Vec<_>>()
        })
        .chain(index.arg(&group.body, "launch_configuration"))
        .fold(Vec::new(), |mut templates: Vec<&'r Resource>, t| {
            if !templates.iter().any(|known| known.address == t.address) {
                templates.push(t);
            }
            templates
        })
}

/// Roles whose trust policy lets any AWS principal assume them (`Principal: {"AWS": "*"}` with
/// no condition) are entry points of the account: an element each, reached from the internet
/// without authentication, listing the role's rights (the unauthenticated door is the finding;
/// the role carries no token of its own).
fn open_roles(
    index: &Index,
    rights: &BTreeMap<String, Grants>,
    root: &str,
    fragment: &mut Fragment,
) {
    for role in index.of_kind("aws_iam_role") {
        let Some(trust) = role.body.get("assume_role_policy") else {
            continue;
        };
        let Some(authenticated) = trust_openness(&policy_statements(trust)) else {
            continue;
        };
        let mut attributes = Attributes::default();
        rights
            .get(&role.address)
            .cloned()
            .unwrap_or_default()
            .state(str::to_string, &mut attributes);
        fragment.elements.push(Element {
            id: ElementId(id(root, &role.address)),
            kind: trustmap_model::ElementKind::Process,
            name: role.address.clone(),
            technology: Some("iam-role".into()),
            zone: ZoneId(ACCOUNT_ZONE.to_string()),
            attached_zones: Vec::new(),
            called_from: role.called_from.clone(),
            span: Some(role.span.clone()),
            attributes,
        });
        let door = Door {
            target: &role.address,
            protocol: Some("sts".into()),
            port: None,
            origin: "assume-role",
            span: trust.span().clone(),
            public: Tri::Yes,
            encrypted: Some(Tri::Yes),
            authenticated: Some(authenticated),
        };
        fragment.flows.push(door.flow(root));
    }
}

/// Condition keys that limit who the principal is (an organisation, an account, an external
/// id agreed with a third party).
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceowner",
    "sts:externalid",
];

/// Whether a trust policy lets any AWS principal assume the role: `None` when it does not
/// (no statement allows `*`, an unconditional `Deny` of `*` stands, or a condition limits the
/// principal); otherwise whether the caller is authenticated (no when nothing limits who
/// assumes, unknown when conditions the model cannot weigh apply).
fn trust_openness(statements: &[Statement]) -> Option<Tri> {
    let limits_principal = |st: &Statement| {
        st.condition_keys
            .iter()
            .any(|k| PRINCIPAL_KEYS.contains(&k.as_str()) || k.starts_with("aws:principaltag/"))
    };
    let assumes = |st: &Statement| {
        st.not_actions
            || st.actions.is_empty()
            || st
                .actions
                .iter()
                .any(|a| matches!(a.as_str(), "*" | "sts:*") || a.starts_with("sts:Assume"))
    };
    let open: Vec<&Statement> = statements
        .iter()
        .filter(|st| st.allow && st.principal_everyone && assumes(st))
        .collect();
    let denials: Vec<&Statement> = statements
        .iter()
        .filter(|st| !st.allow && st.principal_everyone && assumes(st))
        .collect();
    if open.is_empty()
        || denials
            .iter()
            .any(|st| !st.conditional || limits_principal(st))
        || open.iter().all(|st| limits_principal(st))
    {
        return None;
    }
    let unconditional = open.iter().any(|st| !st.conditional) && denials.is_empty();
    Some(if unconditional { Tri::No } else { Tri::Unknown })
}

/// The containers of an ECS task definition (`container_definitions`, JSON text): privileged
/// containers, root users, added capabilities and secrets written in `environment` become the
/// service's attributes, each pointing at the task definition's argument.
fn container_definitions(task: &Resource, attributes: &mut Attributes) {
    let Some(value @ Value::String(text, _)) = task.body.get("container_definitions") else {
        return;
    };
    let Ok(serde_json::Value::Array(containers_json)) =
        serde_json::from_str::<serde_json::Value>(text)
    else {
        return;
    };
    let span = value.span().clone();
    let mut privileged = Tri::No;
    let mut root = Tri::Unknown;
    let mut env = Vec::new();
    for container in &containers_json {
        if container
            .get("privileged")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
        {
            privileged = Tri::Yes;
        }
        match container.get("user").and_then(serde_json::Value::as_str) {
            Some(user) if matches!(user.split(':').next(), Some("root" | "0")) => root = Tri::Yes,
            Some(_) if root != Tri::Yes => root = Tri::No,
            _ => {}
        }
        for cap in container
            .pointer("/linuxParameters/capabilities/add")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = cap.as_str() {
                attributes.push_item(
                    AttrName::CapabilitiesAdded,
                    containers::capability_name(name),
                    Some(span.clone()),
                );
            }
        }
        for entry in container
            .get("environment")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(key), Some(value)) = (
                entry.get("name").and_then(|v| v.as_str()),
                entry.get("value").and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            env.push(containers::EnvEntry {
                key: key.to_string(),
                raw: value.to_string(),
                value: value.to_string(),
                literal: true,
                known: true,
                span: span.clone(),
            });
        }
    }
    attributes.set_flag(AttrName::Privileged, privileged, Some(span.clone()));
    attributes.set_flag(AttrName::RunsAsRoot, root, Some(span.clone()));
    attributes.set_empty_list(AttrName::CapabilitiesAdded);
    for (name, at) in containers::plaintext_secrets(&env) {
        attributes.push_item(
            AttrName::PlaintextSecrets,
            format!("{name} (in container_definitions)"),
            Some(at),
        );
    }
    attributes.set_empty_list(AttrName::PlaintextSecrets);
}

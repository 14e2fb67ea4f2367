//! AWS resources into the data-flow model: the VPCs and subnets as zones (a subnet is public
//! when its route table reaches an internet gateway, or it maps public IPs on launch), the
//! resources of the catalog as elements, security-group rules as flows (from the internet for
//! 0.0.0.0/0 and ::/0, between resources for group references), load-balancer listeners and
//! target attachments, public S3 ACLs and Lambda function URLs as doors from the internet.

use crate::access::iam::role_rights;
use crate::catalog::{self, Entry};
use crate::cloud::{
    Door, Index, api_server_door, at, catalog_attributes, companions, configured_flows, describe,
    element, id, listener_encryption, network_zone, port_number, port_text, provider_zone,
    public_data_door, referenced,
};
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_containers as containers;
use trustmap_model::{
    AttrName, Attributes, ElementId, Flow, Fragment, Span, Tri, TrustLevel, Zone, ZoneId, ZoneKind,
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
fn security_groups(resources: &[Resource], index: &Index) -> BTreeMap<String, Vec<Ingress>> {
    let mut rules: BTreeMap<String, Vec<Ingress>> = BTreeMap::new();
    for r in resources {
        match r.kind.as_str() {
            "aws_security_group" => {
                for block in r.body.all("ingress") {
                    rules
                        .entry(r.address.clone())
                        .or_default()
                        .push(ingress_from(block, block.span().clone()));
                }
            }
            "aws_security_group_rule" | "aws_vpc_security_group_ingress_rule" => {
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
            _ => {}
        }
    }
    rules
}

/// The AWS part of a Terraform scan.
pub fn model(resources: &[Resource], root: &str) -> Fragment {
    let index = Index::new(resources);
    let mut fragment = Fragment::default();
    fragment
        .zones
        .push(provider_zone(ACCOUNT_ZONE, "AWS account"));

    // Public subnets: associated with a route table that routes to an internet gateway.
    let igw_tables: BTreeSet<String> = resources
        .iter()
        .filter(|r| {
            matches!(
                r.kind.as_str(),
                "aws_route_table" | "aws_route" | "aws_default_route_table"
            )
        })
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
                r.body
                    .get("route_table_id")
                    .map(|v| {
                        index
                            .resolve_all(v)
                            .iter()
                            .map(|t| t.address.clone())
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                vec![r.address.clone()]
            }
        })
        .collect();
    let mut public_subnets: BTreeMap<String, Span> = BTreeMap::new();
    // An association to an internet route whose subnet is not known statically (an unknown
    // `count.index`) may make any subnet public: the others are then unknown, not private.
    let mut some_routed_subnet_unknown = false;
    let mut unknown_subnets: BTreeSet<String> = BTreeSet::new();
    for association in resources
        .iter()
        .filter(|r| r.kind == "aws_route_table_association")
    {
        let tables = association
            .body
            .get("route_table_id")
            .map(|v| index.resolve_all(v))
            .unwrap_or_default();
        let routes_out = tables.iter().any(|t| igw_tables.contains(&t.address));
        let subnets = index.arg(&association.body, "subnet_id");
        if routes_out {
            if association
                .body
                .get("subnet_id")
                .is_some_and(Value::is_unknown)
            {
                some_routed_subnet_unknown = true;
            }
            for subnet in subnets {
                public_subnets.insert(subnet.address.clone(), association.span.clone());
            }
        } else if tables.is_empty() && association.body.get("route_table_id").is_some() {
            // A route table this code does not define may route to the internet.
            unknown_subnets.extend(subnets.iter().map(|s| s.address.clone()));
        }
    }
    // A subnet with no association of its own uses its VPC's main route table: the default
    // one (`aws_default_route_table`, routes on `aws_vpc.x.main_route_table_id`) or the one
    // `aws_main_route_table_association` names.
    let associated: BTreeSet<String> = resources
        .iter()
        .filter(|r| r.kind == "aws_route_table_association")
        .flat_map(|a| index.arg(&a.body, "subnet_id"))
        .map(|s| s.address.clone())
        .collect();
    let mut public_main: BTreeMap<String, Span> = BTreeMap::new();
    for r in resources {
        let (vpcs, routes_out) = match r.kind.as_str() {
            // A route on `aws_vpc.x.main_route_table_id` names the VPC itself.
            "aws_vpc" => (vec![r], igw_tables.contains(&r.address)),
            "aws_default_route_table" => (
                index.arg(&r.body, "default_route_table_id"),
                igw_tables.contains(&r.address),
            ),
            "aws_main_route_table_association" => (
                index.arg(&r.body, "vpc_id"),
                index
                    .arg(&r.body, "route_table_id")
                    .iter()
                    .any(|t| igw_tables.contains(&t.address)),
            ),
            _ => continue,
        };
        if routes_out {
            for vpc in vpcs.into_iter().filter(|v| v.kind == "aws_vpc") {
                public_main.insert(vpc.address.clone(), r.span.clone());
            }
        }
    }
    for subnet in resources.iter().filter(|r| r.kind == "aws_subnet") {
        if associated.contains(&subnet.address) || some_routed_subnet_unknown {
            continue;
        }
        let main = index
            .arg(&subnet.body, "vpc_id")
            .into_iter()
            .find_map(|v| public_main.get(&v.address));
        if let Some(span) = main {
            public_subnets.insert(subnet.address.clone(), span.clone());
        }
    }
    // Subnets that give every instance a public address.
    let mut public_ips: BTreeMap<String, Span> = BTreeMap::new();
    for subnet in resources.iter().filter(|r| r.kind == "aws_subnet") {
        if let Some(v) = subnet
            .body
            .get("map_public_ip_on_launch")
            .filter(|v| v.as_bool() == Some(true))
        {
            public_subnets.insert(subnet.address.clone(), v.span().clone());
            public_ips.insert(subnet.address.clone(), v.span().clone());
        }
    }

    // VPC flow logs record who talked to whom inside a VPC.
    let mut flow_logs: BTreeMap<String, Span> = BTreeMap::new();
    // A flow log whose VPC is not known may be any VPC's.
    let mut flow_log_unknown: Option<Span> = None;
    for log in resources.iter().filter(|r| r.kind == "aws_flow_log") {
        let vpcs = index.arg(&log.body, "vpc_id");
        if vpcs.is_empty() && log.body.get("vpc_id").is_some() {
            flow_log_unknown.get_or_insert_with(|| log.span.clone());
        }
        for vpc in vpcs {
            flow_logs.insert(vpc.address.clone(), log.span.clone());
        }
    }
    for vpc in resources.iter().filter(|r| r.kind == "aws_vpc") {
        let mut attributes = Attributes::default();
        let (logged, span) = match (flow_logs.get(&vpc.address), &flow_log_unknown) {
            (Some(span), _) => (Tri::Yes, Some(span.clone())),
            (None, Some(span)) => (Tri::Unknown, Some(span.clone())),
            (None, None) => (Tri::No, None),
        };
        attributes.set_flag(AttrName::Logging, logged, span);
        fragment.zones.push(network_zone(
            root,
            vpc,
            ZoneKind::Vpc,
            format!("VPC {}", vpc.address),
            ACCOUNT_ZONE.to_string(),
            attributes,
        ));
    }
    for subnet in resources.iter().filter(|r| r.kind == "aws_subnet") {
        let vpc = subnet
            .body
            .get("vpc_id")
            .and_then(|v| index.resolve_all(v).first().map(|r| id(root, &r.address)));
        let public = public_subnets.get(&subnet.address);
        let publicness = match public {
            Some(_) => Tri::Yes,
            None if some_routed_subnet_unknown || unknown_subnets.contains(&subnet.address) => {
                Tri::Unknown
            }
            None => Tri::No,
        };
        let mut attributes = Attributes::default();
        attributes.set_flag(AttrName::Public, publicness, public.cloned());
        fragment.zones.push(Zone {
            id: ZoneId(id(root, &subnet.address)),
            kind: ZoneKind::Subnet,
            name: match publicness {
                Tri::Yes => format!("public subnet {}", subnet.address),
                Tri::No => format!("private subnet {}", subnet.address),
                Tri::Unknown => format!("subnet {}", subnet.address),
            },
            parent: Some(ZoneId(vpc.unwrap_or_else(|| ACCOUNT_ZONE.to_string()))),
            trust: if publicness == Tri::Yes {
                TrustLevel::Low
            } else {
                TrustLevel::Medium
            },
            span: Some(subnet.span.clone()),
            attributes,
        });
    }

    let rules = security_groups(resources, &index);
    let rights = role_rights(resources, &index);
    // A WAF web ACL associated with a resource (or a stage of it) filters and rate-limits it;
    // so do API Gateway throttling settings on a stage.
    let mut protected: BTreeMap<String, Span> = BTreeMap::new();
    for r in resources {
        let targets = match r.kind.as_str() {
            "aws_wafv2_web_acl_association" | "aws_wafregional_web_acl_association" => {
                index.arg(&r.body, "resource_arn")
            }
            "aws_api_gateway_method_settings"
                if r.body
                    .all("settings")
                    .iter()
                    .any(|s| s.get("throttling_rate_limit").is_some()) =>
            {
                index.arg(&r.body, "rest_api_id")
            }
            _ => continue,
        };
        for target in targets {
            // An association with a stage protects the stage's API.
            let protected_address = match target.kind.as_str() {
                "aws_api_gateway_stage" | "aws_apigatewayv2_stage" => {
                    let api = index
                        .arg(&target.body, "rest_api_id")
                        .into_iter()
                        .chain(index.arg(&target.body, "api_id"))
                        .next();
                    api.map_or_else(|| target.address.clone(), |a| a.address.clone())
                }
                _ => target.address.clone(),
            };
            protected
                .entry(protected_address)
                .or_insert_with(|| r.span.clone());
        }
    }
    // Resources that configure another one (a bucket's versioning, logging, encryption).
    let companions = companions(resources, &index);
    // Which catalogued resources carry each security group.
    let mut carriers: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    let mut elements: BTreeMap<String, (&Resource, &Entry)> = BTreeMap::new();
    // A launch template used by an autoscaling group is drawn as that group.
    let launched: BTreeSet<&str> = resources
        .iter()
        .filter(|r| r.kind == "aws_autoscaling_group")
        .flat_map(|r| launch_templates(r, &index))
        .map(|t| t.address.as_str())
        .collect();
    for r in resources {
        let Some(entry) = catalog::entry(&r.kind) else {
            continue;
        };
        if launched.contains(r.address.as_str()) {
            continue;
        }
        elements.insert(r.address.clone(), (r, entry));
        if let Some(path) = &entry.security_groups {
            for group in at(&r.body, path)
                .map(|v| index.resolve_all(v))
                .unwrap_or_default()
            {
                carriers.entry(group.address.clone()).or_default().push(r);
            }
        }
        // An autoscaling group's instances carry its launch template's security groups.
        if r.kind == "aws_autoscaling_group" {
            for template in launch_templates(r, &index) {
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
    }

    for (address, (r, entry)) in &elements {
        let mut attributes = catalog_attributes(r, entry, &companions);
        // Without a stated choice, an instance gets a public address when its subnet maps one
        // on launch; in a subnet routed to the internet otherwise, it may or may not.
        if attributes.flag(AttrName::Public) == Tri::Unknown && r.kind == "aws_instance" {
            let subnets = index.arg(&r.body, "subnet_id");
            if let Some(span) = subnets.iter().find_map(|s| public_ips.get(&s.address)) {
                attributes.set_flag(AttrName::Public, Tri::Yes, Some(span.clone()));
            } else if !subnets.is_empty()
                && !some_routed_subnet_unknown
                && !subnets
                    .iter()
                    .any(|s| public_subnets.contains_key(&s.address))
            {
                attributes.set_flag(AttrName::Public, Tri::No, None);
            }
        }
        // Secrets written into an instance's user data (`export AWS_SECRET_ACCESS_KEY=...`),
        // or into the launch template of a group's instances.
        let launch = launch_templates(r, &index);
        if let Some((text, span)) = std::iter::once(*r)
            .chain(launch.iter().copied())
            .find_map(|c| c.body.get("user_data"))
            .and_then(|v| v.as_str().map(|t| (t, v.span().clone())))
        {
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
        attributes.set_flag(AttrName::NetworkIsolated, Tri::Unknown, None);
        if r.kind == "aws_ecs_service" {
            for task in index.arg(&r.body, "task_definition") {
                container_definitions(task, &mut attributes);
            }
        }
        if let Some(span) = protected
            .get(address.as_str())
            .filter(|_| attributes.get(AttrName::RateLimited).is_some())
        {
            attributes.set_flag(AttrName::RateLimited, Tri::Yes, Some(span.clone()));
        }
        // The credentials of the role it runs as are on hand to whoever controls it (instance
        // metadata, the function's environment).
        if let Some(role) =
            role_of(r, &index).or_else(|| launch.iter().find_map(|t| role_of(t, &index)))
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
        let zone = entry
            .subnets
            .as_ref()
            .and_then(|p| at(&r.body, p))
            .map(|v| index.resolve_all(v))
            .unwrap_or_default()
            .into_iter()
            // A subnet group (RDS, ElastiCache) places the store in its subnets.
            .flat_map(|s| {
                if s.kind.ends_with("_subnet_group") {
                    index.arg(&s.body, "subnet_ids")
                } else {
                    vec![s]
                }
            })
            .find(|s| s.kind == "aws_subnet")
            .map_or_else(|| ACCOUNT_ZONE.to_string(), |s| id(root, &s.address));
        fragment
            .elements
            .push(element(root, r, entry, zone, attributes));
    }
    crate::access::aws(resources, &index, root, &mut fragment);
    let publics = publicity(&fragment, resources, root);
    let public_of = |address: &str| publics.get(address).copied().unwrap_or(Tri::Unknown);

    // Security groups: the internet (0.0.0.0/0, ::/0) and other groups' carriers reach the
    // resources that carry the group, on the rule's ports.
    // A load balancer's doors are its listeners (with their protocols); its security group only
    // filters them.
    let listened: BTreeSet<String> = resources
        .iter()
        .filter(|r| r.kind == "aws_lb_listener" || r.kind == "aws_alb_listener")
        .flat_map(|l| {
            l.body
                .get("load_balancer_arn")
                .map(|v| {
                    index
                        .resolve_all(v)
                        .iter()
                        .map(|b| b.address.clone())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .chain(
            resources
                .iter()
                .filter(|r| r.kind == "aws_elb" && !r.body.all("listener").is_empty())
                .map(|r| r.address.clone()),
        )
        .collect();
    let mut flows: Vec<Flow> = Vec::new();
    for (group, ingress) in &rules {
        for target in carriers.get(group).cloned().unwrap_or_default() {
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
                    for source in index
                        .resolve(source_group)
                        .iter()
                        .flat_map(|g| carriers.get(&g.address).cloned().unwrap_or_default())
                    {
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

    load_balancers(resources, &index, &elements, &publics, root, &mut flows);
    doors(resources, &index, root, &mut flows);
    eks_endpoints(resources, root, &mut flows);
    edges(resources, &index, root, &mut flows);
    configured_flows(resources, &index, root, &mut flows);
    fragment.flows.extend(flows);
    fragment
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
fn publicity(fragment: &Fragment, resources: &[Resource], root: &str) -> BTreeMap<String, Tri> {
    let by_id: BTreeMap<&str, &Attributes> = fragment
        .elements
        .iter()
        .map(|e| (e.id.0.as_str(), &e.attributes))
        .collect();
    resources
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
    resources: &[Resource],
    index: &Index,
    elements: &BTreeMap<String, (&Resource, &Entry)>,
    publics: &BTreeMap<String, Tri>,
    root: &str,
    flows: &mut Vec<Flow>,
) {
    // Classic load balancers: inline `listener` blocks and `instances`.
    for balancer in resources.iter().filter(|r| r.kind == "aws_elb") {
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
    for rule in resources
        .iter()
        .filter(|r| r.kind == "aws_lb_listener_rule" || r.kind == "aws_alb_listener_rule")
    {
        let listeners = index.arg(&rule.body, "listener_arn");
        rules_of.unknown |= listeners.is_empty();
        rules_of
            .listeners
            .extend(listeners.iter().map(|l| l.address.as_str()));
    }
    let mut balancer_of_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for listener in resources
        .iter()
        .filter(|r| r.kind == "aws_lb_listener" || r.kind == "aws_alb_listener")
    {
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
    for attachment in resources.iter().filter(|r| {
        r.kind == "aws_lb_target_group_attachment" || r.kind == "aws_alb_target_group_attachment"
    }) {
        for target in index.arg(&attachment.body, "target_id") {
            backend(
                attachment.body.get("target_group_arn"),
                target,
                attachment.span.clone(),
            );
        }
    }
    for service in resources.iter().filter(|r| r.kind == "aws_ecs_service") {
        for block in service.body.all("load_balancer") {
            backend(block.get("target_group_arn"), service, block.span().clone());
        }
    }
    for group in resources
        .iter()
        .filter(|r| r.kind == "aws_autoscaling_group")
    {
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
fn edges(resources: &[Resource], index: &Index, root: &str, flows: &mut Vec<Flow>) {
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
    for distribution in resources
        .iter()
        .filter(|r| r.kind == "aws_cloudfront_distribution")
    {
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
    for method in resources
        .iter()
        .filter(|r| r.kind == "aws_api_gateway_method")
    {
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
        for integration in resources.iter().filter(|r| r.kind == kind) {
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
    for route in resources
        .iter()
        .filter(|r| r.kind == "aws_apigatewayv2_route")
    {
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
fn eks_endpoints(resources: &[Resource], root: &str, flows: &mut Vec<Flow>) {
    for cluster in resources.iter().filter(|r| r.kind == "aws_eks_cluster") {
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

fn doors(resources: &[Resource], index: &Index, root: &str, flows: &mut Vec<Flow>) {
    let blocked: BTreeSet<String> = resources
        .iter()
        .filter(|r| r.kind == "aws_s3_bucket_public_access_block")
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
    for bucket in resources.iter().filter(|r| r.kind == "aws_s3_bucket") {
        if let Some(acl) = bucket.body.get("acl") {
            public_acl(bucket, acl);
        }
    }
    for acl in resources.iter().filter(|r| r.kind == "aws_s3_bucket_acl") {
        if let (Some(bucket), Some(value)) = (
            acl.body
                .get("bucket")
                .and_then(|v| index.resolve_all(v).first().copied()),
            acl.body.get("acl"),
        ) {
            public_acl(bucket, value);
        }
    }
    for (bucket, (origin, span, read_only)) in public {
        flows.push(public_data_door(&bucket, origin, span, read_only, root));
    }
    for url in resources
        .iter()
        .filter(|r| r.kind == "aws_lambda_function_url")
    {
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

/// The launch templates (or launch configurations) an autoscaling group starts its instances
/// from; none for other resources.
pub(crate) fn launch_templates<'r>(group: &Resource, index: &Index<'r>) -> Vec<&'r Resource> {
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

/// The IAM role a compute resource runs as: an instance through its instance profile, a
/// function or task through its role argument.
pub(crate) fn role_of<'r>(resource: &Resource, index: &Index<'r>) -> Option<&'r Resource> {
    match resource.kind.as_str() {
        "aws_instance" | "aws_launch_template" | "aws_launch_configuration" => {
            let profile_value = resource.body.get("iam_instance_profile")?;
            let profile_value = match profile_value {
                Value::Object(..) => profile_value
                    .get("name")
                    .or_else(|| profile_value.get("arn"))?,
                other => other,
            };
            let profile = index.resolve_all(profile_value).into_iter().next()?;
            index.arg(&profile.body, "role").into_iter().next()
        }
        "aws_lambda_function" => index.arg(&resource.body, "role").into_iter().next(),
        "aws_ecs_service" => index
            .arg(&resource.body, "task_definition")
            .into_iter()
            .find_map(|task| index.arg(&task.body, "task_role_arn").into_iter().next()),
        _ => None,
    }
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

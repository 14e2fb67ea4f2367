//! AWS resources into the data-flow model. What is regular across types (zones and their
//! parents, placements through subnet groups, security groups carried, identities, companions
//! such as flow logs and WAF associations) is catalog data read by `cloud`; what only AWS
//! needs is here, in named passes: which subnets route to the internet (`Routes`), which
//! resources are elements and carry which security groups (`Elements`), their attributes
//! (user data and container secrets, API throttling, the rights of the role they run as),
//! and security-group rules as flows (from the internet for 0.0.0.0/0 and ::/0, between
//! resources for group references). Entry points (listeners, CloudFront, API Gateway, EKS,
//! public buckets, function URLs) are in `entry`; identities, rights and resource policies are
//! in `access`.

pub(crate) mod entry;
mod nacl;

use crate::access::iam::{Grants, role_rights};
use crate::catalog::{self, Entry};
use crate::cloud::{
    Companioned, Door, Index, Provider, catalog_attributes, companions, configured_flows, describe,
    element, id, port_number, provider_zone, referenced, zones,
};
use crate::value::{Resource, Value};
use entry::{doors, edges, eks_endpoints, load_balancers, search_domain_endpoints};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_containers as containers;
use trustmap_model::{
    AttrName, Attributes, ElementId, Flow, Fragment, Span, Tri, TrustLevel, Zone,
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

impl Ingress {
    /// The door this rule opens from the internet into `target`, at the argument that opens
    /// it (else the rule).
    fn internet_door(&self, target: &str, public: Tri, root: &str) -> Flow {
        let (ports, protocol, encrypted) = describe(&self.protocol, self.from_port, self.to_port);
        let span = self
            .internet_span
            .clone()
            .unwrap_or_else(|| self.span.clone());
        Door {
            target,
            protocol,
            port: ports.first().cloned(),
            origin: "security-group",
            span,
            public,
            encrypted: Some(encrypted),
            authenticated: None,
        }
        .flow(root)
    }
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
    let rights = role_rights(index.all(), index);
    let elements = Elements::read(index);
    let throttled = throttled_apis(index);
    for (r, entry) in elements.elements.values() {
        let mut attributes =
            element_attributes(index, r, entry, &companions, &routes, &rights, &throttled);
        public_store_firewall(index, r, entry, &routes, &mut attributes);
        let zone = index
            .placement(r, entry)
            .map_or_else(|| ACCOUNT_ZONE.to_string(), |s| id(root, &s.address));
        fragment
            .elements
            .push(element(root, r, entry, zone, attributes));
    }
    orphan_public_instances(index, root, &mut fragment);
    crate::access::aws(index.all(), index, root, &mut fragment);
    let publics = publicity(&fragment, index, root);
    let groups = security_groups(index);
    let mut flows = security_group_flows(index, &groups, &elements, &publics, root);
    unattached_security_groups(index, &groups, &elements, root, &mut fragment, &mut flows);
    load_balancers(index, &elements.elements, &publics, root, &mut flows);
    doors(index, root, &mut flows);
    eks_endpoints(index, root, &mut flows);
    node_group_remote_access(index, root, &routes, &mut flows);
    search_domain_endpoints(index, root, &fragment.flows, &mut flows);
    edges(index, root, &mut flows);
    configured_flows(index, root, &mut flows);
    crate::cloud::store_transport(&fragment.elements, &mut flows);
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

    /// Whether instances launched into these subnets get public addresses: yes when one maps
    /// them on launch; no when each is a subnet of the scan with no route to the internet;
    /// unknown otherwise (subnets not known, or routed without mapping addresses).
    fn launched_public(&self, subnets: &[&Resource]) -> Tri {
        if subnets
            .iter()
            .any(|s| self.public_ips.contains_key(&s.address))
        {
            Tri::Yes
        } else if !subnets.is_empty()
            && subnets
                .iter()
                .all(|s| s.kind == "aws_subnet" && self.publicness(&s.address) == Tri::No)
        {
            Tri::No
        } else {
            Tri::Unknown
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
        // Templates and task definitions that a group or service of the scanned code runs are
        // part of it, not elements of their own.
        let launched: BTreeSet<&str> = index
            .of_kind("aws_autoscaling_group")
            .flat_map(|r| launch_templates(r, index))
            .chain(
                index
                    .of_kind("aws_ecs_service")
                    .flat_map(|s| index.arg(&s.body, "task_definition")),
            )
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
    metadata_service(index, r, &launch, &mut attributes);
    if let Some((required, span)) = database_tls(index, r) {
        attributes.set_flag(AttrName::EncryptedInTransit, required, span);
    }
    replication_group_member(index, r, &mut attributes);
    backups_decided_elsewhere(r, &mut attributes);
    disk_encryption(index, r, &launch, &mut attributes);
    attributes.set_flag(AttrName::NetworkIsolated, Tri::Unknown, None);
    match r.kind.as_str() {
        "aws_ecs_service" => {
            for task in index.arg(&r.body, "task_definition") {
                container_definitions(task, &mut attributes);
            }
        }
        "aws_ecs_task_definition" => container_definitions(r, &mut attributes),
        "aws_batch_job_definition" => job_container(r, &mut attributes),
        _ => {}
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
        let named_at = std::iter::once(r)
            .chain(launch.iter().copied())
            .find_map(|c| {
                catalog::identity_paths(&c.kind)
                    .iter()
                    .find_map(|p| crate::cloud::at(&c.body, p))
            })
            .map(|v| v.span().clone());
        attributes.set_text(AttrName::RunsAs, role.address.clone(), named_at);
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

/// An ElastiCache cluster that joins a replication group (`replication_group_id`) takes its
/// transport encryption from the group: the argument is left out on members. The member says
/// what the group says, or unknown when the group is not in the scanned code.
fn replication_group_member(index: &Index, r: &Resource, attributes: &mut Attributes) {
    if r.kind != "aws_elasticache_cluster"
        || r.body.get("transit_encryption_enabled").is_some()
        || r.body
            .get("replication_group_id")
            .is_none_or(|v| matches!(v, Value::Null(_)))
    {
        return;
    }
    let group = index
        .arg(&r.body, "replication_group_id")
        .into_iter()
        .next();
    let inherited = group.and_then(|g| {
        let entry = catalog::entry(&g.kind)?;
        let group_attributes = catalog_attributes(g, &entry.flags, &BTreeMap::new());
        let flag = group_attributes.get(AttrName::EncryptedInTransit)?;
        Some((
            group_attributes.flag(AttrName::EncryptedInTransit),
            flag.span.clone(),
        ))
    });
    match inherited {
        Some((tri, span)) => attributes.set_flag(AttrName::EncryptedInTransit, tri, span),
        None => attributes.set_flag(AttrName::EncryptedInTransit, Tri::Unknown, None),
    }
}

/// An EKS managed node group with `remote_access { ec2_ssh_key }` and no
/// `source_security_group_ids` has port 22 of its nodes opened to every address by EKS: a door
/// from the internet over SSH, public as far as the nodes get public addresses from their
/// subnets. Source groups written through a value not known statically may narrow it.
fn node_group_remote_access(index: &Index, root: &str, routes: &Routes, flows: &mut Vec<Flow>) {
    for group in index.of_kind("aws_eks_node_group") {
        let Some(access) = group.body.all("remote_access").into_iter().next() else {
            continue;
        };
        let Some(key) = access
            .get("ec2_ssh_key")
            .filter(|k| !matches!(k, Value::Null(_)))
        else {
            continue;
        };
        let sources = access.get("source_security_group_ids");
        let narrowed = match sources {
            None | Some(Value::Null(_)) => Tri::No,
            Some(v) if v.not_static() => Tri::Unknown,
            Some(v) => Tri::from_bool(!v.items().is_empty() || v.as_str().is_some()),
        };
        if narrowed == Tri::Yes {
            continue;
        }
        let subnets = group
            .body
            .get("subnet_ids")
            .map(|v| index.placed_in(v))
            .unwrap_or_default();
        let public = routes.launched_public(&subnets).and(narrowed.negate());
        if public == Tri::No {
            continue;
        }
        flows.push(
            Door {
                target: &group.address,
                protocol: Some("ssh".into()),
                port: Some("22".into()),
                origin: "eks-remote-access",
                span: key.span().clone(),
                public,
                encrypted: Some(Tri::Yes),
                authenticated: None,
            }
            .flow(root),
        );
    }
}

/// Whether the account encrypts every new EBS disk (`aws_ebs_encryption_by_default`, on unless
/// `enabled = false`), at the resource that says so: no when the scan has none.
fn account_disk_encryption(index: &Index) -> (Tri, Option<Span>) {
    let Some(setting) = index.of_kind("aws_ebs_encryption_by_default").next() else {
        return (Tri::No, None);
    };
    match setting.body.get("enabled") {
        Some(v) if v.not_static() => (Tri::Unknown, Some(v.span().clone())),
        Some(v) if v.as_bool() == Some(false) => (Tri::No, Some(v.span().clone())),
        _ => (Tri::Yes, Some(setting.span.clone())),
    }
}

/// Whether the disks an instance, launch template or launch configuration writes, or an EBS
/// volume, are encrypted (`encrypted_at_rest`, on the element that writes them, and on an
/// autoscaling group for the templates it launches): a disk says so with `encrypted`; one made
/// from a snapshot (`snapshot_id`) is as its snapshot is (unknown); one that does not say, and
/// the root disk made from the image when no disk is written, is encrypted only when the
/// account encrypts new disks by default. The element holds only if every disk is, at the
/// first that is not. An instance launched from a template that writes no disk of its own
/// takes the template's (said there).
fn disk_encryption(index: &Index, r: &Resource, launch: &[&Resource], attributes: &mut Attributes) {
    let writers: Vec<&Resource> = if r.kind == "aws_autoscaling_group" {
        launch.to_vec()
    } else {
        vec![r]
    };
    let by_default = account_disk_encryption(index);
    let mut encrypted: Option<(Tri, Option<Span>)> = None;
    for writer in writers {
        let Some(disks) = written_disks(writer) else {
            continue;
        };
        let from_template = writer
            .body
            .get("launch_template")
            .is_some_and(|v| !matches!(v, Value::Null(_)));
        if disks.is_empty() && from_template {
            continue;
        }
        let said = |disk: &Value| -> (Tri, Option<Span>) {
            if disk.is_unknown() {
                return (Tri::Unknown, Some(disk.span().clone()));
            }
            let from_snapshot = disk
                .get("snapshot_id")
                .is_some_and(|v| !matches!(v, Value::Null(_)));
            match disk.get("encrypted") {
                Some(v) if v.as_bool().is_some() => (
                    Tri::from_bool(v.as_bool() == Some(true)),
                    Some(v.span().clone()),
                ),
                Some(v) if !matches!(v, Value::Null(_)) => (Tri::Unknown, Some(v.span().clone())),
                _ if from_snapshot => (Tri::Unknown, None),
                // At the account's setting, else at the disk block (a volume: at itself).
                _ => (
                    by_default.0,
                    by_default
                        .1
                        .clone()
                        .or_else(|| (writer.kind != "aws_ebs_volume").then(|| disk.span().clone())),
                ),
            }
        };
        let states = if disks.is_empty() {
            vec![by_default.clone()]
        } else {
            disks.into_iter().map(said).collect()
        };
        for (tri, span) in states {
            let weaker = match (&encrypted, tri) {
                (None, _) => true,
                (Some((Tri::No, _)), _) => false,
                (Some(_), Tri::No) => true,
                (Some((Tri::Yes, _)), Tri::Unknown) => true,
                (Some((held, None)), _) => *held == tri && span.is_some(),
                _ => false,
            };
            if weaker {
                encrypted = Some((tri, span));
            }
        }
    }
    if let Some((tri, span)) = encrypted {
        attributes.set_flag(AttrName::EncryptedAtRest, tri, span);
    }
}

/// The disks a resource writes (`None`: it writes none): an instance's or launch
/// configuration's `root_block_device` and `ebs_block_device`, a launch template's
/// `block_device_mappings { ebs }`, an EBS volume itself.
fn written_disks(r: &Resource) -> Option<Vec<&Value>> {
    match r.kind.as_str() {
        "aws_instance" | "aws_launch_configuration" => Some(
            ["root_block_device", "ebs_block_device"]
                .iter()
                .flat_map(|k| r.body.all(k))
                .collect(),
        ),
        "aws_launch_template" => Some(
            r.body
                .all("block_device_mappings")
                .into_iter()
                .flat_map(|m| m.all("ebs"))
                .collect(),
        ),
        "aws_ebs_volume" => Some(vec![&r.body]),
        _ => None,
    }
}

/// Stores whose own retention setting does not decide whether their data can be restored say
/// nothing of `backups`: a read replica (`replicate_source_db`), whose data is its source's
/// and which no client writes to; an ElastiCache cluster that joins a replication group (the
/// group's retention decides), runs Memcached (which keeps no backups: a cache, not a store of
/// record) or an engine not known statically.
fn backups_decided_elsewhere(r: &Resource, attributes: &mut Attributes) {
    let written = |key: &str| {
        r.body
            .get(key)
            .is_some_and(|v| !matches!(v, Value::Null(_)))
    };
    let elsewhere = match r.kind.as_str() {
        "aws_db_instance" => written("replicate_source_db"),
        "aws_elasticache_cluster" => {
            let engine = r.body.get("engine").and_then(Value::as_str);
            let snapshots = engine.is_some_and(|e| {
                e.eq_ignore_ascii_case("redis") || e.eq_ignore_ascii_case("valkey")
            });
            written("replication_group_id") || !snapshots
        }
        _ => false,
    };
    if elsewhere {
        attributes.remove(AttrName::Backups);
    }
}

/// Cluster instances set to be public (`publicly_accessible = true`) whose cluster is not in the
/// scanned code (named by a variable or a literal identifier): the instance stands for its
/// cluster, a store set to be public whose security groups live elsewhere (`firewall_known`
/// unknown, TM-I006).
fn orphan_public_instances(index: &Index, root: &str, fragment: &mut Fragment) {
    for (kind, cluster_kind) in [
        ("aws_rds_cluster_instance", "aws_rds_cluster"),
        ("aws_neptune_cluster_instance", "aws_neptune_cluster"),
    ] {
        let Some(entry) = catalog::entry(cluster_kind) else {
            continue;
        };
        for instance in index.of_kind(kind) {
            let Some(setting) = instance
                .body
                .get("publicly_accessible")
                .filter(|v| v.as_bool() == Some(true))
            else {
                continue;
            };
            if !index.arg(&instance.body, "cluster_identifier").is_empty() {
                continue;
            }
            let mut attributes = Attributes::default();
            attributes.set_flag(AttrName::Public, Tri::Yes, Some(setting.span().clone()));
            attributes.set_flag(AttrName::FirewallKnown, Tri::Unknown, None);
            fragment.elements.push(element(
                root,
                instance,
                entry,
                ACCOUNT_ZONE.to_string(),
                attributes,
            ));
        }
    }
}

/// Whether the firewall of a data store set to be public (`publicly_accessible = true`) is in
/// the scanned code (`firewall_known`): yes when every security group it names is defined here
/// (their rules draw its doors), or when every subnet it is placed in is known to have no route
/// to the internet; unknown when it names no security group (the VPC's default group, changed
/// anywhere) or one the code does not define.
fn public_store_firewall(
    index: &Index,
    r: &Resource,
    entry: &Entry,
    routes: &Routes,
    attributes: &mut Attributes,
) {
    if entry.kind != trustmap_model::ElementKind::DataStore
        || attributes.flag(AttrName::Public) != Tri::Yes
        || attributes
            .get(AttrName::Public)
            .is_none_or(|a| a.span.is_none())
    {
        return;
    }
    let groups = entry
        .security_groups
        .iter()
        .find_map(|p| crate::cloud::at(&r.body, p));
    let groups_known = groups.is_some_and(|value| {
        let named = value.items();
        !value.is_unknown()
            && !named.is_empty()
            && named.iter().all(|item| {
                index
                    .resolve_all(item)
                    .first()
                    .is_some_and(|g| g.kind == "aws_security_group")
            })
    });
    let subnets = entry
        .placement
        .iter()
        .find_map(|p| crate::cloud::at(&r.body, p))
        .map(|v| index.placed_in(v))
        .unwrap_or_default();
    let private = !subnets.is_empty()
        && subnets
            .iter()
            .all(|s| s.kind == "aws_subnet" && routes.publicness(&s.address) == Tri::No);
    let known = if groups_known || private {
        Tri::Yes
    } else {
        Tri::Unknown
    };
    let span = groups.map(|g| g.span().clone());
    attributes.set_flag(AttrName::FirewallKnown, known, span);
}

/// Whether the instance metadata service of an instance (or of a group's instances) hands out
/// the role's credentials to a plain request (IMDSv1): `metadata_options { http_tokens }` of the
/// instance, else of the launch template it starts from, else the account's default
/// (`aws_ec2_instance_metadata_defaults`); a disabled endpoint answers nothing. Without any of
/// them the image decides (an AMI may require IMDSv2): unknown, at the template or resource
/// where the setting would be written.
fn metadata_service(
    index: &Index,
    r: &Resource,
    launch: &[&Resource],
    attributes: &mut Attributes,
) {
    if !matches!(
        r.kind.as_str(),
        "aws_instance" | "aws_launch_template" | "aws_autoscaling_group"
    ) {
        return;
    }
    let templates: Vec<&Resource> = launch
        .iter()
        .copied()
        .chain(r.body.all("launch_template").into_iter().flat_map(|t| {
            ["id", "name"]
                .iter()
                .flat_map(|k| index.arg(t, k))
                .collect::<Vec<_>>()
        }))
        .collect();
    // Where the setting belongs when nothing states it: the template the instances start
    // from, else the resource itself.
    let unstated_at = templates.first().map_or(&r.span, |t| &t.span).clone();
    let stated = std::iter::once(r)
        .chain(templates)
        .chain(index.of_kind("aws_ec2_instance_metadata_defaults"))
        .find_map(|c| {
            let options = if c.kind == "aws_ec2_instance_metadata_defaults" {
                &c.body
            } else {
                c.body.all("metadata_options").into_iter().next()?
            };
            if let Some(endpoint) = options
                .get("http_endpoint")
                .filter(|e| e.as_str() == Some("disabled"))
            {
                return Some((Tri::No, endpoint.span().clone()));
            }
            let tokens = options.get("http_tokens")?;
            let legacy = match tokens.as_str() {
                Some("required") => Tri::No,
                Some("optional") => Tri::Yes,
                // `no-preference` (account defaults) leaves it to the image.
                _ => Tri::Unknown,
            };
            Some((legacy, tokens.span().clone()))
        });
    match stated {
        Some((legacy, span)) => attributes.set_flag(AttrName::LegacyMetadata, legacy, Some(span)),
        None => attributes.set_flag(AttrName::LegacyMetadata, Tri::Unknown, Some(unstated_at)),
    }
}

/// Whether an RDS instance or Aurora cluster refuses connections without TLS: its parameter
/// group's `rds.force_ssl` (PostgreSQL, SQL Server) or `require_secure_transport` (MySQL,
/// MariaDB), at the value that sets it; else the default of its engine and version (only RDS
/// for PostgreSQL 15 and later requires TLS by default), which a group defined outside the
/// code may change (unknown). `None` for other resources and for engines whose TLS lies
/// elsewhere (Oracle's option groups, Db2's `db2comm`).
/// DocumentDB requires TLS unless its cluster parameter group's `tls` is `disabled`; Redshift
/// when its parameter group's `require_ssl` is true (the default group's value changed in 2025:
/// unknown unless a group here says it).
fn database_tls(index: &Index, r: &Resource) -> Option<(Tri, Option<Span>)> {
    let (group_key, fixed) = match r.kind.as_str() {
        "aws_db_instance" => ("parameter_group_name", None),
        "aws_rds_cluster" => ("db_cluster_parameter_group_name", None),
        "aws_docdb_cluster" => ("db_cluster_parameter_group_name", Some(("tls", Tri::Yes))),
        "aws_redshift_cluster" => (
            "cluster_parameter_group_name",
            Some(("require_ssl", Tri::Unknown)),
        ),
        _ => return None,
    };
    let written = r.body.get(group_key);
    let group = index.arg(&r.body, group_key).into_iter().next();
    // The engine family: the instance's engine and version, else the group's family
    // (`postgres15`, `default.mysql8.0`).
    let engine = r.body.get("engine").and_then(Value::as_str);
    let version = r.body.get("engine_version").and_then(Value::as_str);
    let family = group
        .and_then(|g| g.body.get("family"))
        .or(written)
        .and_then(Value::as_str)
        .map(|f| f.trim_start_matches("default.").to_ascii_lowercase());
    let (parameter, default) = match fixed {
        Some(fixed) => fixed,
        None => tls_default(engine, version, family.as_deref())?,
    };
    let Some(group) = group else {
        return match written {
            // AWS's own groups (`default.postgres16`) keep the default.
            Some(name) if name.as_str().is_some_and(|n| n.starts_with("default.")) => {
                Some((default, None))
            }
            Some(name) => Some((Tri::Unknown, Some(name.span().clone()))),
            None => Some((default, None)),
        };
    };
    for block in group.body.all("parameter") {
        let name = block.get("name");
        match name.and_then(Value::as_str) {
            Some(n) if n.eq_ignore_ascii_case(parameter) => {
                let value = block.get("value");
                let required = value.map_or(Tri::Unknown, |v| {
                    crate::cloud::switch(v, &["tls1.2+", "tls1.3+"])
                });
                let span = value.unwrap_or(block).span().clone();
                return Some((required, Some(span)));
            }
            Some(_) => {}
            // A parameter whose name is not known may be this one.
            None => return Some((Tri::Unknown, Some(block.span().clone()))),
        }
    }
    Some((default, None))
}

/// The parameter that requires TLS for an engine, and whether the engine requires it when the
/// parameter is not set: (`rds.force_ssl`, yes) for PostgreSQL 15 and later. `None` when the
/// engine is not known, or keeps its TLS setting elsewhere.
fn tls_default(
    engine: Option<&str>,
    version: Option<&str>,
    family: Option<&str>,
) -> Option<(&'static str, Tri)> {
    let engine = engine.map(str::to_ascii_lowercase);
    let named = engine.as_deref().or(family)?;
    let major = |text: &str| {
        text.trim_start_matches(|c: char| !c.is_ascii_digit())
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
    };
    if named.starts_with("aurora-postgresql") {
        Some(("rds.force_ssl", Tri::No))
    } else if named.starts_with("postgres") {
        // The family carries the major version (`postgres15`), the engine does not.
        let version = if engine.is_some() { version } else { family };
        let default = match version.and_then(major) {
            Some(v) if v >= 15 => Tri::Yes,
            Some(_) => Tri::No,
            None => Tri::Unknown,
        };
        Some(("rds.force_ssl", default))
    } else if named.starts_with("sqlserver") {
        Some(("rds.force_ssl", Tri::No))
    } else if named.starts_with("mysql")
        || named.starts_with("mariadb")
        || named.starts_with("aurora")
    {
        Some(("require_secure_transport", Tri::No))
    } else {
        None
    }
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

/// Security groups attached to nothing in the scanned code (groups are often attached in another
/// stack) that admit the internet: their doors lead to an element that stands for whatever they
/// guard, so that latent exposure gets a decision (TM-S007) before it is on a path.
fn unattached_security_groups(
    index: &Index,
    groups: &BTreeMap<String, Vec<Ingress>>,
    elements: &Elements,
    root: &str,
    fragment: &mut Fragment,
    flows: &mut Vec<Flow>,
) {
    // Its rules, and other groups that admit it as a source, name a group without attaching it.
    let referenced = crate::cloud::referenced_addresses(
        index,
        &[
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ],
    );
    for (group, ingress) in groups {
        if elements.carriers.get(group).is_some_and(|c| !c.is_empty()) {
            continue;
        }
        let Some(door) = index
            .resolve(group)
            .into_iter()
            .find(|g| crate::cloud::unattached(g, &referenced))
        else {
            continue;
        };
        let target = crate::cloud::guarded_address(door);
        let mut opened = false;
        for rule in ingress.iter().filter(|rule| rule.internet) {
            flows.push(rule.internet_door(&target, Tri::Yes, root));
            opened = true;
        }
        if opened {
            fragment.elements.push(crate::cloud::guarded_by_unattached(
                root,
                door,
                ACCOUNT_ZONE,
            ));
        }
    }
    ungrouped_rules(index, root, fragment, flows);
}

/// Standalone ingress rules whose security group is not in the scanned code (its id is a
/// variable, a data source or a literal `sg-…`) that admit the internet: the group lives in
/// another stack, so each such rule is a door into whatever that group guards, latent like an
/// unattached group's (TM-S007), at the rule.
fn ungrouped_rules(index: &Index, root: &str, fragment: &mut Fragment, flows: &mut Vec<Flow>) {
    for rule in index.of_kinds(&[
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    ]) {
        let ingress = rule.kind == "aws_vpc_security_group_ingress_rule"
            || rule.body.get("type").and_then(Value::as_str) == Some("ingress");
        if !ingress || !index.arg(&rule.body, "security_group_id").is_empty() {
            continue;
        }
        let door = ingress_from(&rule.body, rule.span.clone());
        if !door.internet {
            continue;
        }
        let target = crate::cloud::guarded_address(rule);
        flows.push(door.internet_door(&target, Tri::Yes, root));
        fragment.elements.push(crate::cloud::guarded_by_unattached(
            root,
            rule,
            ACCOUNT_ZONE,
        ));
    }
}

/// Security groups: the internet (0.0.0.0/0, ::/0) and other groups' carriers reach the
/// resources that carry the group, on the rule's ports. A load balancer's doors are its
/// listeners (with their protocols); its security group only filters them.
fn security_group_flows(
    index: &Index,
    rules: &BTreeMap<String, Vec<Ingress>>,
    elements: &Elements,
    publics: &BTreeMap<String, Tri>,
    root: &str,
) -> Vec<Flow> {
    let nacls = nacl::Nacls::read(index);
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
    for (group, ingress) in rules {
        for target in elements.carriers.get(group).cloned().unwrap_or_default() {
            for rule in ingress {
                let (ports, protocol, encrypted) =
                    describe(&rule.protocol, rule.from_port, rule.to_port);
                if rule.internet && !listened.contains(&target.address) {
                    let reachable = public_of(&target.address);
                    if reachable == Tri::No {
                        continue;
                    }
                    // The subnets' network ACLs deny the internet on these ports.
                    let closed = nacl::DoorPorts::new(&rule.protocol, rule.from_port, rule.to_port)
                        .zip(elements.elements.get(&target.address))
                        .is_some_and(|(door, (r, entry))| nacls.close(index, r, entry, &door));
                    if closed {
                        continue;
                    }
                    flows.push(rule.internet_door(&target.address, reachable, root));
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

/// The containers of an ECS task definition (`container_definitions`, JSON text), and the
/// host namespaces the task shares (`pid_mode`, `ipc_mode` = `"host"`), become the attributes
/// of the service that runs it, or of the task definition itself when none does.
fn container_definitions(task: &Resource, attributes: &mut Attributes) {
    for (key, name) in [
        ("pid_mode", AttrName::HostPid),
        ("ipc_mode", AttrName::HostIpc),
    ] {
        match task.body.get(key) {
            Some(v) if v.not_static() => {
                attributes.set_flag(name, Tri::Unknown, Some(v.span().clone()));
            }
            Some(v) => attributes.set_flag(
                name,
                Tri::from_bool(v.as_str() == Some("host")),
                Some(v.span().clone()),
            ),
            None => attributes.set_flag(name, Tri::No, None),
        }
    }
    let Some(value @ Value::String(text, _)) = task.body.get("container_definitions") else {
        return;
    };
    let Ok(serde_json::Value::Array(containers_json)) =
        serde_json::from_str::<serde_json::Value>(text)
    else {
        return;
    };
    container_settings(
        &containers_json,
        value.span(),
        "container_definitions",
        attributes,
    );
}

/// The container of an AWS Batch job definition (`container_properties`, the JSON text of one
/// container), read as a task definition's containers are.
fn job_container(job: &Resource, attributes: &mut Attributes) {
    let Some(value @ Value::String(text, _)) = job.body.get("container_properties") else {
        return;
    };
    let Ok(container @ serde_json::Value::Object(_)) =
        serde_json::from_str::<serde_json::Value>(text)
    else {
        return;
    };
    container_settings(
        std::slice::from_ref(&container),
        value.span(),
        "container_properties",
        attributes,
    );
}

/// What containers written as ECS or Batch JSON say: privileged containers, root users, added
/// capabilities and secrets written in `environment`, each pointing at `argument`.
fn container_settings(
    containers_json: &[serde_json::Value],
    span: &Span,
    argument: &str,
    attributes: &mut Attributes,
) {
    let span = span.clone();
    let mut privileged = Tri::No;
    let mut root = Tri::Unknown;
    let mut env = Vec::new();
    for container in containers_json {
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
            format!("{name} (in {argument})"),
            Some(at),
        );
    }
    attributes.set_empty_list(AttrName::PlaintextSecrets);
}

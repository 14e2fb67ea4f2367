//! Google Cloud (google) resources into the data-flow model: VPC networks and subnetworks as
//! zones; the resources of the catalog as elements; doors from the internet where Google opens
//! them: firewall rules admitting `0.0.0.0/0` to instances with an external IP (selected by
//! target tags, target service accounts, or the whole network), external forwarding rules
//! (HTTP or HTTPS proxies, with their SSL policy), Cloud Run services and Cloud Functions
//! (`allUsers` invokers are unauthenticated), buckets and BigQuery datasets granted to
//! `allUsers`/`allAuthenticatedUsers`, Cloud SQL authorized for `0.0.0.0/0`, public GKE
//! control planes. Instances carry the project roles of the service account they run as
//! (owner and editor; the default compute account is an editor).

use crate::cloud::{
    Door, Index, Provider, api_server_door, at, blocks_at, catalog_attributes, companions,
    configured_flows, describe, element, id, provider_zone, public_data_door, zones,
};
use crate::value::{Resource, Value};
use std::collections::BTreeMap;
use trustmap_model::{AttrName, Attributes, Flow, Fragment, Span, Tri};

/// The zone every Google Cloud resource of a scan lives in, unless its network is known.
pub const PROJECT_ZONE: &str = "tf:google";

/// Members that mean anyone.
const EVERYONE: &[&str] = &["allUsers", "allAuthenticatedUsers"];

/// Primitive roles that control a whole project.
const PRIMITIVE_ROLES: &[&str] = &["roles/owner", "roles/editor"];

/// The Google Cloud provider: its catalog and its mapping.
pub(crate) const PROVIDER: Provider = Provider {
    prefix: "google_",
    catalog: (
        "catalog/google.yaml",
        include_str!("../catalog/google.yaml"),
    ),
    model,
};

/// The Google Cloud part of a Terraform scan.
fn model(index: &Index, root: &str) -> Fragment {
    let mut fragment = Fragment::default();
    fragment
        .zones
        .push(provider_zone(PROJECT_ZONE, "Google Cloud project"));
    let companions = companions(index);
    fragment
        .zones
        .extend(zones(index, root, PROJECT_ZONE, &companions));
    let rights = project_rights(index);
    let balancers = load_balancers(index);
    for r in index.all() {
        let Some(entry) = crate::catalog::entry(&r.kind) else {
            continue;
        };
        let mut attributes = catalog_attributes(r, &entry.flags, &companions);
        if let Some(backends) = balancers.get(&r.address).filter(|b| b.resolved) {
            // Cloud Armor and request logs are set on the backend services.
            for (name, found) in [
                (AttrName::RateLimited, &backends.protected),
                (AttrName::Logging, &backends.logged),
            ] {
                attributes.set_flag(name, Tri::from_bool(found.is_some()), found.clone());
            }
        }
        // The service account it runs as (the catalog names the argument).
        if let Some(account) = entry
            .identity
            .iter()
            .find_map(|p| blocks_at(&r.body, p).into_iter().next())
        {
            attributes.set_flag(AttrName::ServiceAccountToken, Tri::Yes, None);
            let (runs_as, span) = account_name(account, index);
            attributes.set_text(AttrName::RunsAs, runs_as, Some(span));
            for (right, span) in account_rights(account, &rights, index) {
                attributes.push_item(AttrName::ServiceAccountPrivileges, right, Some(span));
            }
            attributes.set_empty_list(AttrName::ServiceAccountPrivileges);
        }
        legacy_metadata(r, &mut attributes);
        cloud_sql_public(r, &mut attributes);
        let zone = index
            .placement(r, entry)
            .map_or_else(|| PROJECT_ZONE.to_string(), |s| id(root, &s.address));
        fragment
            .elements
            .push(element(root, r, entry, zone, attributes));
    }

    let mut flows = Vec::new();
    for (balancer, backends) in &balancers {
        for (target, span) in &backends.targets {
            if crate::catalog::entry(&target.kind).is_none() {
                continue;
            }
            flows.push(Flow::new(
                trustmap_model::ElementId(id(root, balancer)),
                trustmap_model::ElementId(id(root, &target.address)),
                backends.protocol.clone(),
                Vec::new(),
                "backend-service",
                Some(span.clone()),
            ));
        }
    }
    firewalls(index, root, &mut fragment, &mut flows);
    forwarding_rules(index, root, &mut flows);
    serverless(index, root, &mut flows);
    public_data(index, root, &mut flows);
    cloud_sql(index, root, &mut flows);
    kubernetes_endpoints(index, root, &mut flows);
    configured_flows(index, root, &mut flows);
    crate::access::google(index.all(), index, root, &mut fragment);
    fragment.flows.extend(flows);
    fragment
}

/// The service account a workload runs as, as the code names it: its email, the account
/// resource it refers to, or the project's default compute account when it names none.
fn account_name(account: &Value, index: &Index) -> (String, Span) {
    let name = match account.get("email") {
        Some(Value::String(email, _)) => email.clone(),
        Some(reference) => index
            .resolve_all(reference)
            .first()
            .map_or_else(|| "a service account".to_string(), |a| a.address.clone()),
        None => "the default compute service account".to_string(),
    };
    let span = account.get("email").unwrap_or(account).span().clone();
    (name, span)
}

/// Whether an instance's metadata server still answers its legacy endpoints (`v0.1`,
/// `v1beta1`), which need no `Metadata-Flavor` header: only when its metadata turns them back
/// on (`disable-legacy-endpoints = "false"`); they are off otherwise.
fn legacy_metadata(r: &Resource, attributes: &mut Attributes) {
    if !matches!(
        r.kind.as_str(),
        "google_compute_instance" | "google_compute_instance_template"
    ) {
        return;
    }
    let written = r
        .body
        .get("metadata")
        .and_then(|m| m.get("disable-legacy-endpoints"));
    let legacy = match written {
        Some(v) if v.not_static() => Tri::Unknown,
        Some(v) => Tri::from_bool(v.as_bool() == Some(false)),
        None => Tri::No,
    };
    attributes.set_flag(
        AttrName::LegacyMetadata,
        legacy,
        written.map(|v| v.span().clone()),
    );
}

/// A Cloud SQL instance states whether it requires TLS (`cloud_sql_tls`). One with a public IP
/// (`ipv4_enabled`, true by default) is public; its firewall is its authorized networks, known
/// unless one of them is not known here (a dynamic block over a variable). Those admitting
/// everyone are its door (`cloud_sql`).
fn cloud_sql_public(r: &Resource, attributes: &mut Attributes) {
    if r.kind != "google_sql_database_instance" {
        return;
    }
    let (encrypted, span) = cloud_sql_tls(r);
    attributes.set_flag(AttrName::EncryptedInTransit, encrypted, span);
    let configurations: Vec<&Value> = r
        .body
        .all("settings")
        .into_iter()
        .flat_map(|s| s.all("ip_configuration"))
        .collect();
    // A public IP unless `ipv4_enabled = false`.
    let enabled = configurations.iter().find_map(|c| c.get("ipv4_enabled"));
    if enabled.is_some_and(|v| v.as_bool() != Some(true)) {
        return;
    }
    attributes.set_flag(
        AttrName::Public,
        Tri::Yes,
        enabled.map(|v| v.span().clone()),
    );
    let unknown = configurations
        .iter()
        .flat_map(|c| c.all("authorized_networks"))
        .find(|n| n.is_unknown() || n.get("value").is_some_and(Value::is_unknown));
    let known = if unknown.is_some() {
        Tri::Unknown
    } else {
        Tri::Yes
    };
    attributes.set_flag(
        AttrName::FirewallKnown,
        known,
        unknown.map(|n| n.span().clone()),
    );
}

/// The network an instance's first interface is on (directly, or through its subnetwork).
fn network_of<'r>(instance: &Resource, index: &Index<'r>) -> Option<&'r Resource> {
    let interface = instance.body.all("network_interface").into_iter().next()?;
    index
        .arg(interface, "network")
        .into_iter()
        .chain(
            index
                .arg(interface, "subnetwork")
                .into_iter()
                .flat_map(|s| index.arg(&s.body, "network")),
        )
        .find(|n| n.kind == "google_compute_network")
}

/// Whether an instance has an external IP: an `access_config` block on an interface.
fn external_ip(instance: &Resource) -> Option<&Value> {
    instance
        .body
        .all("network_interface")
        .into_iter()
        .flat_map(|i| i.all("access_config"))
        .next()
}

/// Whether a value names a member that is anyone (`allUsers`), in a list or alone.
fn names_everyone(value: Option<&Value>) -> bool {
    value.is_some_and(|v| {
        v.items()
            .iter()
            .any(|m| m.as_str().is_some_and(|m| EVERYONE.contains(&m)))
    })
}

/// The primitive roles granted in the project, by member: a service account's email as
/// written, or the address of the `google_service_account` it refers to.
fn project_rights(index: &Index) -> BTreeMap<String, Vec<(String, Span)>> {
    let mut rights: BTreeMap<String, Vec<(String, Span)>> = BTreeMap::new();
    for binding in index.of_kinds(&["google_project_iam_member", "google_project_iam_binding"]) {
        let Some(role) = binding
            .body
            .get("role")
            .and_then(Value::as_str)
            .filter(|r| PRIMITIVE_ROLES.contains(r))
        else {
            continue;
        };
        let span = binding
            .body
            .get("role")
            .map(|r| r.span().clone())
            .unwrap_or_else(|| binding.span.clone());
        for key in ["member", "members"] {
            let Some(members) = binding.body.get(key) else {
                continue;
            };
            for member in members.items() {
                let holders: Vec<String> = match member {
                    Value::String(text, _) => {
                        vec![text.trim_start_matches("serviceAccount:").to_string()]
                    }
                    other => index
                        .resolve_all(other)
                        .iter()
                        .map(|a| a.address.clone())
                        .collect(),
                };
                for holder in holders {
                    rights
                        .entry(holder)
                        .or_default()
                        .push((format!("{role} (project)"), span.clone()));
                }
            }
        }
    }
    rights
}

/// The project roles of the service account an instance runs as. Without an email it is the
/// default compute account, an editor of the project unless the organisation says otherwise;
/// its `cloud-platform` scope lets the instance use all of it.
fn account_rights(
    account: &Value,
    rights: &BTreeMap<String, Vec<(String, Span)>>,
    index: &Index,
) -> Vec<(String, Span)> {
    match account.get("email") {
        Some(email @ Value::String(text, _)) => {
            let mut found = rights.get(text.as_str()).cloned().unwrap_or_default();
            if text.ends_with("-compute@developer.gserviceaccount.com") {
                found.extend(default_account(account, email.span()));
            }
            found
        }
        Some(reference) => index
            .resolve_all(reference)
            .iter()
            .flat_map(|a| rights.get(&a.address).cloned().unwrap_or_default())
            .collect(),
        None => default_account(account, account.span()),
    }
}

/// The default compute service account's editor role, when the scopes let the instance use it.
fn default_account(account: &Value, span: &Span) -> Vec<(String, Span)> {
    let scopes = account.get("scopes");
    let full = scopes.is_some_and(|s| {
        s.items().iter().any(|scope| {
            scope
                .as_str()
                .is_some_and(|s| s == "cloud-platform" || s.ends_with("/auth/cloud-platform"))
        })
    });
    if full {
        vec![(
            "roles/editor (default compute service account, cloud-platform scope)".to_string(),
            scopes.map_or_else(|| span.clone(), |s| s.span().clone()),
        )]
    } else {
        Vec::new()
    }
}

/// Resources other than instances and templates that run instances a firewall rule can target
/// by tag, service account or network (their tags and accounts are written in nested blocks).
const OTHER_COMPUTE: &[&str] = &[
    "google_compute_instance_from_template",
    "google_container_cluster",
    "google_container_node_pool",
    "google_dataproc_cluster",
    "google_notebooks_instance",
    "google_workbench_instance",
];

/// What a firewall rule selects: its network, target tags and target service accounts.
struct Targets<'v, 'r> {
    network: Option<&'r Resource>,
    tags: Vec<String>,
    accounts: Option<&'v Value>,
    /// Its target tags or accounts are not known here: they may select anything.
    unknown: bool,
}

impl Targets<'_, '_> {
    /// Whether the rule applies to an instance (or template): it is on the rule's network, and
    /// carries one of its tags or runs as one of its accounts (every instance of the network
    /// when the rule names neither).
    fn select(&self, instance: &Resource, index: &Index) -> Tri {
        let on_network = match (self.network, network_of(instance, index)) {
            (Some(a), Some(b)) => Tri::from_bool(a.address == b.address),
            _ => Tri::Unknown,
        };
        if on_network == Tri::No {
            return Tri::No;
        }
        let targeted = if self.unknown {
            Tri::Unknown
        } else if !self.tags.is_empty() {
            match instance.body.get("tags") {
                Some(v) if v.is_unknown() => Tri::Unknown,
                Some(v) => Tri::from_bool(
                    v.items()
                        .iter()
                        .any(|t| t.as_str().is_some_and(|t| self.tags.iter().any(|w| w == t))),
                ),
                None => Tri::No,
            }
        } else if let Some(accounts) = self.accounts {
            let email = instance
                .body
                .all("service_account")
                .into_iter()
                .next()
                .and_then(|a| a.get("email"));
            let listed = accounts.items();
            match email {
                Some(Value::String(own, _)) if listed.iter().all(|a| a.as_str().is_some()) => {
                    Tri::from_bool(listed.iter().any(|a| a.as_str() == Some(own.as_str())))
                }
                Some(Value::Reference { address, .. })
                    if listed.iter().all(|a| matches!(a, Value::Reference { .. })) =>
                {
                    Tri::from_bool(listed.iter().any(|a| {
                        matches!(a, Value::Reference { address: other, .. } if other == address)
                    }))
                }
                _ => Tri::Unknown,
            }
        } else {
            Tri::Yes
        };
        on_network.and(targeted)
    }

    /// Whether the rule may apply to the instances a cluster, node pool or other compute
    /// resource runs: it names one of the rule's tags or accounts anywhere, or a tag list not
    /// known here; any of them when the rule names neither.
    fn may_select(&self, resource: &Resource) -> bool {
        fn mentions(value: &Value, in_tags: bool, hit: &dyn Fn(&Value) -> bool) -> bool {
            match value {
                Value::Object(fields, _) => fields
                    .iter()
                    .any(|(key, v)| mentions(v, in_tags || key == "tags", hit)),
                Value::List(items, _) => items.iter().any(|v| mentions(v, in_tags, hit)),
                Value::Unknown(_) => in_tags,
                other => hit(other),
            }
        }
        if !self.tags.is_empty() {
            let tagged = |v: &Value| v.as_str().is_some_and(|t| self.tags.iter().any(|w| w == t));
            mentions(&resource.body, false, &tagged)
        } else if let Some(accounts) = self.accounts {
            let listed = accounts.items();
            let named = |v: &Value| {
                listed.iter().any(|a| match (a, v) {
                    (Value::String(a, _), Value::String(b, _)) => a == b,
                    (Value::Reference { address: a, .. }, Value::Reference { address: b, .. }) => {
                        a == b
                    }
                    _ => false,
                })
            };
            accounts.is_unknown() || mentions(&resource.body, false, &named)
        } else {
            true
        }
    }
}

/// What a firewall rule allows: its `allow` blocks (a VPC firewall rule's) or `layer4_configs`
/// (a firewall policy rule's), and the key naming each one's protocol.
struct Allows<'v> {
    blocks: Vec<&'v Value>,
    protocol_key: &'static str,
}

/// The doors one firewall rule's allowed protocols and ports open into `target`, at the rule's
/// source range.
fn allow_doors(
    allows: &Allows,
    ranges: &Value,
    target: &str,
    public: Tri,
    root: &str,
) -> Vec<Flow> {
    let mut doors = Vec::new();
    for allow in allows.blocks.iter().copied() {
        // An `allow` not known here (a dynamic block over a variable) opens ports not known.
        if allow.is_unknown() {
            doors.push(
                Door {
                    target,
                    protocol: None,
                    port: None,
                    origin: "firewall",
                    span: ranges.span().clone(),
                    public,
                    encrypted: Some(Tri::Unknown),
                    authenticated: None,
                }
                .flow(root),
            );
            continue;
        }
        if !matches!(allow, Value::Object(..)) {
            continue;
        }
        let protocol = allow
            .get(allows.protocol_key)
            .and_then(Value::as_str)
            .unwrap_or("all");
        let protocol = if protocol == "all" { "-1" } else { protocol };
        let ports: Vec<String> = allow
            .get("ports")
            .map(|p| {
                p.items()
                    .iter()
                    .filter_map(|p| {
                        p.as_str()
                            .map(str::to_string)
                            .or_else(|| p.as_f64().map(|n| (n as i64).to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let port_ranges: Vec<(Option<i64>, Option<i64>)> = if ports.is_empty() {
            // Every port of a port protocol; ICMP and the like have none.
            if matches!(protocol, "tcp" | "udp" | "sctp" | "-1") {
                vec![(Some(0), Some(65535))]
            } else {
                vec![(None, None)]
            }
        } else {
            ports
                .iter()
                .map(|p| match p.split_once('-') {
                    Some((a, b)) => (a.parse().ok(), b.parse().ok()),
                    None => (p.parse().ok(), p.parse().ok()),
                })
                .collect()
        };
        for (from, to) in port_ranges {
            let (ports, protocol, encrypted) = describe(protocol, from, to);
            doors.push(
                Door {
                    target,
                    protocol,
                    port: ports.first().cloned(),
                    origin: "firewall",
                    span: ranges.span().clone(),
                    public,
                    encrypted: Some(encrypted),
                    authenticated: None,
                }
                .flow(root),
            );
        }
    }
    doors
}

/// Firewall rules that admit the internet reach the instances they target that have an
/// external IP: by network tag, by service account, or every instance of the network. A rule
/// that can apply to nothing in the scanned code (no instance, template, cluster or node pool
/// carries its tags or accounts, or none is on its network) guards what is created elsewhere
/// or later: its doors lead to an element that stands for that (latent exposure, TM-S007).
fn firewalls(index: &Index, root: &str, fragment: &mut Fragment, flows: &mut Vec<Flow>) {
    let compute = Compute {
        index,
        instances: index.of_kinds(&[
            "google_compute_instance",
            "google_compute_instance_template",
        ]),
        others: index.of_kinds(OTHER_COMPUTE),
    };
    for rule in index.of_kind("google_compute_firewall") {
        let direction = rule
            .body
            .get("direction")
            .and_then(Value::as_str)
            .unwrap_or("INGRESS");
        if direction != "INGRESS"
            || rule.body.get("disabled").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        // With no source at all, an ingress rule admits 0.0.0.0/0.
        let unsourced = ["source_ranges", "source_tags", "source_service_accounts"]
            .iter()
            .all(|k| {
                rule.body
                    .get(k)
                    .is_none_or(|v| v.items().is_empty() && !v.is_unknown())
            });
        let ranges = match rule.body.get("source_ranges") {
            Some(v)
                if v.items()
                    .iter()
                    .any(|r| matches!(r.as_str(), Some("0.0.0.0/0" | "::/0"))) =>
            {
                v
            }
            _ if unsourced => &rule.body,
            _ => continue,
        };
        let targets = Targets {
            unknown: ["target_tags", "target_service_accounts"]
                .iter()
                .any(|k| rule.body.get(k).is_some_and(Value::is_unknown)),
            network: index.arg(&rule.body, "network").into_iter().next(),
            tags: rule
                .body
                .get("target_tags")
                .map(|t| {
                    t.items()
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            accounts: rule.body.get("target_service_accounts"),
        };
        let allows = Allows {
            blocks: rule.body.all("allow"),
            protocol_key: "protocol",
        };
        let opened = Opened {
            rule,
            allows,
            ranges,
        };
        opened.doors(&[targets], &compute, root, fragment, flows);
    }
    policy_rules(index, &compute, root, fragment, flows);
}

/// The compute a firewall rule can select: instances and templates, and what runs instances
/// of its own (clusters, node pools...).
struct Compute<'i, 'r> {
    index: &'i Index<'r>,
    instances: Vec<&'r Resource>,
    others: Vec<&'r Resource>,
}

/// A firewall rule (of a VPC or of a firewall policy) that admits the internet: what it allows,
/// from which source range.
struct Opened<'v> {
    rule: &'v Resource,
    allows: Allows<'v>,
    ranges: &'v Value,
}

impl Opened<'_> {
    /// Its doors into the instances with an external IP that one of its target sets selects
    /// (a policy applies on every network it is associated with); when it can select nothing
    /// in the scanned code, into an element that stands for what it guards elsewhere.
    fn doors(
        &self,
        target_sets: &[Targets],
        compute: &Compute,
        root: &str,
        fragment: &mut Fragment,
        flows: &mut Vec<Flow>,
    ) {
        let mut attached = target_sets
            .iter()
            .any(|targets| targets.unknown || compute.others.iter().any(|r| targets.may_select(r)));
        for targets in target_sets {
            for instance in &compute.instances {
                let selected = targets.select(instance, compute.index);
                if selected == Tri::No {
                    continue;
                }
                attached = true;
                if external_ip(instance).is_some() {
                    flows.extend(allow_doors(
                        &self.allows,
                        self.ranges,
                        &instance.address,
                        selected,
                        root,
                    ));
                }
            }
        }
        if !attached && !self.allows.blocks.is_empty() {
            let target = crate::cloud::guarded_address(self.rule);
            flows.extend(allow_doors(
                &self.allows,
                self.ranges,
                &target,
                Tri::Yes,
                root,
            ));
            fragment.elements.push(crate::cloud::guarded_by_unattached(
                root,
                self.rule,
                PROJECT_ZONE,
            ));
        }
    }
}

/// Firewall policy rules (network, regional and hierarchical policies) that allow ingress from
/// the internet (`match.src_ip_ranges`): doors like a VPC firewall rule's, into the instances
/// of the networks the policy is associated with (a hierarchical policy, associated with a
/// folder or organisation, with any network: whether it applies is not known), selected by
/// target service account; a rule that targets secure tags may select any of them. A
/// network policy associated with no network of the scanned code guards what is elsewhere
/// (latent, TM-S007). `goto_next` and deny rules open nothing.
fn policy_rules(
    index: &Index,
    compute: &Compute,
    root: &str,
    fragment: &mut Fragment,
    flows: &mut Vec<Flow>,
) {
    let mut networks_of: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    for association in index.of_kinds(&POLICY_ASSOCIATIONS) {
        let networks: Vec<&Resource> = index
            .arg(&association.body, "attachment_target")
            .into_iter()
            .filter(|n| n.kind == "google_compute_network")
            .collect();
        for policy in index.arg(&association.body, "firewall_policy") {
            networks_of
                .entry(policy.address.clone())
                .or_default()
                .extend(networks.iter().copied());
        }
    }
    for rule in index.of_kinds(&POLICY_RULES) {
        let word = |key: &str| rule.body.get(key).and_then(Value::as_str);
        if word("direction") != Some("INGRESS")
            || word("action") != Some("allow")
            || rule.body.get("disabled").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        let matched = rule.body.all("match");
        let Some(ranges) = matched.iter().find_map(|m| {
            m.get("src_ip_ranges").filter(|v| {
                v.items()
                    .iter()
                    .any(|r| matches!(r.as_str(), Some("0.0.0.0/0" | "::/0")))
            })
        }) else {
            continue;
        };
        let allows = Allows {
            blocks: matched
                .iter()
                .flat_map(|m| m.all("layer4_configs"))
                .collect(),
            protocol_key: "ip_protocol",
        };
        let hierarchical = rule.kind == "google_compute_firewall_policy_rule";
        let networks: Vec<&Resource> = index
            .arg(&rule.body, "firewall_policy")
            .iter()
            .flat_map(|p| networks_of.get(&p.address).cloned().unwrap_or_default())
            .collect();
        let targets_on = |network| Targets {
            network,
            tags: Vec::new(),
            accounts: rule.body.get("target_service_accounts"),
            unknown: rule.body.get("target_secure_tags").is_some()
                || rule
                    .body
                    .get("target_service_accounts")
                    .is_some_and(Value::is_unknown),
        };
        let target_sets: Vec<Targets> = if hierarchical {
            vec![targets_on(None)]
        } else {
            networks.into_iter().map(|n| targets_on(Some(n))).collect()
        };
        let opened = Opened {
            rule,
            allows,
            ranges,
        };
        opened.doors(&target_sets, compute, root, fragment, flows);
    }
}

/// Firewall policy rules: network, regional network and hierarchical (folder, organisation).
const POLICY_RULES: [&str; 3] = [
    "google_compute_network_firewall_policy_rule",
    "google_compute_region_network_firewall_policy_rule",
    "google_compute_firewall_policy_rule",
];

/// What associates a firewall policy with a network (or a folder or organisation).
const POLICY_ASSOCIATIONS: [&str; 3] = [
    "google_compute_network_firewall_policy_association",
    "google_compute_region_network_firewall_policy_association",
    "google_compute_firewall_policy_association",
];

/// External forwarding rules are load balancers: HTTP proxies take plain HTTP, HTTPS proxies
/// TLS with their SSL policy (Google's default policy still accepts TLS 1.0).
fn forwarding_rules(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for rule in index.of_kinds(&[
        "google_compute_global_forwarding_rule",
        "google_compute_forwarding_rule",
    ]) {
        let scheme = rule
            .body
            .get("load_balancing_scheme")
            .and_then(Value::as_str);
        let external = match scheme {
            Some(s) => s.starts_with("EXTERNAL"),
            None => true,
        };
        if !external
            || rule
                .body
                .get("load_balancing_scheme")
                .is_some_and(Value::is_unknown)
        {
            continue;
        }
        let port = rule.body.get("port_range").and_then(|p| {
            p.as_str()
                .map(|s| s.split('-').next().unwrap_or(s).to_string())
                .or_else(|| p.as_f64().map(|n| (n as i64).to_string()))
        });
        let target = index.arg(&rule.body, "target").into_iter().next();
        let mut redirect_span: Option<Span> = None;
        let (protocol, encrypted, outdated) = match target.map(|t| t.kind.as_str()) {
            Some("google_compute_target_http_proxy") => {
                // A URL map that only redirects to HTTPS lets no request through in plain HTTP.
                let redirect = index
                    .arg(&target.expect("matched above").body, "url_map")
                    .into_iter()
                    .find_map(|map| {
                        let redirect = at(
                            &map.body,
                            &["default_url_redirect".into(), "https_redirect".into()],
                        )
                        .filter(|r| r.as_bool() == Some(true))?;
                        map.body
                            .all("path_matcher")
                            .is_empty()
                            .then(|| redirect.span().clone())
                    });
                redirect_span = redirect;
                let encrypted = Tri::from_bool(redirect_span.is_some());
                ("http".to_string(), encrypted, None)
            }
            Some("google_compute_target_https_proxy" | "google_compute_target_ssl_proxy") => {
                let target = target.expect("matched above");
                let written = target
                    .body
                    .get("ssl_policy")
                    .filter(|p| !matches!(p, Value::Null(_)));
                let policy = index.arg(&target.body, "ssl_policy").into_iter().next();
                let minimum = policy.and_then(|p| p.body.get("min_tls_version"));
                let outdated = match (policy, minimum.and_then(Value::as_str)) {
                    // A policy that is named but not found here: unknown.
                    (None, _) if written.is_some() => {
                        (Tri::Unknown, written.expect("matched").span().clone())
                    }
                    // Google's default policy, and a policy without a minimum, accept TLS 1.0.
                    (None, _) => (Tri::Yes, target.span.clone()),
                    (Some(p), None) if minimum.is_some() => (Tri::Unknown, p.span.clone()),
                    (Some(p), None) => (Tri::Yes, p.span.clone()),
                    (Some(_), Some("TLS_1_0" | "TLS_1_1")) => {
                        (Tri::Yes, minimum.expect("read").span().clone())
                    }
                    (Some(_), Some(_)) => (Tri::No, minimum.expect("read").span().clone()),
                };
                ("https".to_string(), Tri::Yes, Some(outdated))
            }
            // A pass-through balancer (a target instance or pool, a regional backend service)
            // hands on the connection as it comes: its port says what it speaks.
            _ if target.is_some() || rule.body.get("backend_service").is_some() => {
                let ip_protocol = rule
                    .body
                    .get("ip_protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_ascii_lowercase();
                let all_ports = rule.body.get("all_ports").and_then(Value::as_bool) == Some(true);
                let first = port.as_deref().and_then(|p| p.parse::<i64>().ok());
                let (from, to) = if all_ports {
                    (Some(0), Some(65535))
                } else {
                    (first, first)
                };
                let (_, protocol, encrypted) = describe(&ip_protocol, from, to);
                (protocol.unwrap_or(ip_protocol), encrypted, None)
            }
            _ => continue,
        };
        let mut flow = Door {
            target: &rule.address,
            protocol: Some(protocol),
            port,
            origin: "forwarding-rule",
            span: rule.span.clone(),
            public: Tri::Yes,
            encrypted: Some(encrypted),
            authenticated: None,
        }
        .flow(root);
        if let Some((outdated, span)) = outdated {
            flow.attributes
                .set_flag(AttrName::OutdatedTls, outdated, Some(span));
        }
        if let Some(span) = redirect_span {
            flow.attributes
                .set_flag(AttrName::RedirectsToTls, Tri::Yes, Some(span.clone()));
            flow.attributes
                .set_flag(AttrName::EncryptedInTransit, Tri::Yes, Some(span));
        }
        flows.push(flow);
    }
}

/// The IAM resources granting a role on a resource to anyone: (resource address, read-only,
/// the span of the grant).
fn public_grants<'r>(
    index: &Index<'r>,
    kinds: &[&str],
    targets: &[crate::catalog::ArgPath],
) -> Vec<(&'r Resource, Tri, Span)> {
    let mut grants = Vec::new();
    for grant in index.of_kinds(kinds) {
        let members = grant
            .body
            .get("member")
            .or_else(|| grant.body.get("members"));
        if !names_everyone(members) {
            continue;
        }
        let role = grant.body.get("role").and_then(Value::as_str).unwrap_or("");
        let read_only = Tri::from_bool(
            role.contains("viewer")
                || role.contains("Viewer")
                || role.contains("Reader")
                || role.ends_with("invoker"),
        );
        let span = members.map_or_else(|| grant.span.clone(), |m| m.span().clone());
        for target in index.arg_path(&grant.body, targets) {
            grants.push((target, read_only, span.clone()));
        }
    }
    grants
}

/// Cloud Run services and HTTP Cloud Functions answer on the internet unless their ingress
/// says otherwise; they require IAM authentication unless `allUsers` may invoke them (a grant
/// the catalog lists `of` their type).
fn serverless(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    const SERVICES: &[&str] = &[
        "google_cloud_run_service",
        "google_cloud_run_v2_service",
        "google_cloudfunctions_function",
        "google_cloudfunctions2_function",
    ];
    // A service several grants open is opened at the first the code writes.
    let mut open: BTreeMap<String, Span> = BTreeMap::new();
    let grants = SERVICES
        .iter()
        .flat_map(|service| crate::catalog::grants_on(service))
        .flat_map(|(kind, grant)| public_grants(index, &[kind], &grant.target));
    for (target, _, span) in grants {
        open.entry(target.address.clone())
            .and_modify(|first| *first = first.clone().min(span.clone()))
            .or_insert(span);
    }
    for service in index.of_kinds(SERVICES) {
        let ingress = service
            .body
            .get("ingress")
            .or_else(|| service.body.get("ingress_settings"))
            .or_else(|| {
                at(
                    &service.body,
                    &["service_config".into(), "ingress_settings".into()],
                )
            })
            .or_else(|| {
                at(&service.body, &["metadata".into(), "annotations".into()])
                    .and_then(|a| a.get("run.googleapis.com/ingress"))
            });
        let everyone = match ingress.and_then(Value::as_str) {
            Some("all" | "INGRESS_TRAFFIC_ALL" | "ALLOW_ALL") | None
                if ingress.is_none_or(|v| !v.is_unknown()) =>
            {
                Tri::Yes
            }
            Some(_) => continue,
            None => Tri::Unknown,
        };
        // A first-generation function without an HTTP trigger takes events, not requests.
        if service.kind == "google_cloudfunctions_function"
            && service.body.get("trigger_http").and_then(Value::as_bool) != Some(true)
        {
            continue;
        }
        let (authenticated, span) = match open.get(&service.address) {
            Some(span) => (Tri::No, span.clone()),
            None => (
                Tri::Yes,
                ingress.map_or_else(|| service.span.clone(), |v| v.span().clone()),
            ),
        };
        let door = |protocol: &str, port: &str, encrypted: Tri, span: Span| {
            Door {
                target: &service.address,
                protocol: Some(protocol.into()),
                port: Some(port.into()),
                origin: "serverless",
                span,
                public: everyone,
                encrypted: Some(encrypted),
                authenticated: Some(authenticated),
            }
            .flow(root)
        };
        flows.push(door("https", "443", Tri::Yes, span));
        // A first-generation HTTP function answers plain HTTP too unless its security level
        // is `SECURE_ALWAYS` (which redirects to HTTPS); the provider's default is
        // `SECURE_OPTIONAL`. The second generation always redirects.
        if service.kind == "google_cloudfunctions_function" {
            let level = service.body.get("https_trigger_security_level");
            let plaintext = match level.and_then(Value::as_str) {
                Some("SECURE_ALWAYS") => Tri::No,
                Some("SECURE_OPTIONAL") => Tri::Yes,
                None if level.is_none_or(|v| matches!(v, Value::Null(_))) => Tri::Yes,
                _ => Tri::Unknown,
            };
            if plaintext != Tri::No {
                let span = level
                    .or_else(|| service.body.get("trigger_http"))
                    .map_or_else(|| service.span.clone(), |v| v.span().clone());
                flows.push(door("http", "80", plaintext.negate(), span));
            }
        }
    }
}

/// BigQuery datasets whose `access` blocks name `allUsers` or `allAuthenticatedUsers` (grants
/// of their own resources, on buckets and datasets as on other resources, are the catalog's
/// `grants`, read with the other resource policies).
fn public_data(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    let mut grants = Vec::new();
    for dataset in index.of_kind("google_bigquery_dataset") {
        for access in dataset.body.all("access") {
            let open = ["special_group", "iam_member"]
                .iter()
                .find_map(|k| access.get(k).filter(|v| names_everyone(Some(v))));
            if let Some(member) = open {
                let role = access.get("role").and_then(Value::as_str).unwrap_or("");
                let read_only =
                    Tri::from_bool(role.eq_ignore_ascii_case("READER") || role.contains("Viewer"));
                grants.push((dataset, read_only, member.span().clone()));
            }
        }
    }
    grants.extend(public_storage_acls(index));
    for (target, read_only, span) in grants {
        flows.push(public_data_door(
            &target.address,
            "public-iam",
            span,
            read_only,
            root,
        ));
    }
}

/// Legacy Cloud Storage ACLs that admit everyone (`predefined_acl = "publicRead"`, or a
/// `role_entity` entry naming `allUsers` or `allAuthenticatedUsers`): on the bucket, the
/// objects it makes by default, or one object, which the bucket then serves to anyone.
/// Read-only unless the entry or canned ACL writes (`OWNER:`, `WRITER:`, `publicReadWrite`).
fn public_storage_acls<'r>(index: &Index<'r>) -> Vec<(&'r Resource, Tri, Span)> {
    let mut grants = Vec::new();
    let kinds = [
        "google_storage_bucket_acl",
        "google_storage_default_object_acl",
        "google_storage_object_acl",
    ];
    for acl in index.of_kinds(&kinds) {
        let canned = acl.body.get("predefined_acl").and_then(|v| {
            let word = v.as_str()?;
            let read_only = match word {
                "publicRead" => Tri::Yes,
                "publicReadWrite" => Tri::No,
                _ => return None,
            };
            Some((read_only, v.span().clone()))
        });
        let entries = acl
            .body
            .get("role_entity")
            .map(Value::items)
            .unwrap_or_default();
        let entry = entries.iter().find_map(|e| {
            let (role, entity) = e.as_str()?.split_once(':')?;
            EVERYONE.contains(&entity).then(|| {
                (
                    Tri::from_bool(role.eq_ignore_ascii_case("READER")),
                    e.span().clone(),
                )
            })
        });
        let Some((read_only, span)) = canned.or(entry) else {
            continue;
        };
        for bucket in index.arg(&acl.body, "bucket") {
            grants.push((bucket, read_only, span.clone()));
        }
    }
    grants
}

/// Cloud SQL instances with a public IP that authorize `0.0.0.0/0`.
fn cloud_sql(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for instance in index.of_kind("google_sql_database_instance") {
        let path = |keys: &[&str]| {
            at(
                &instance.body,
                &keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
            )
        };
        if path(&["settings", "ip_configuration", "ipv4_enabled"]).and_then(Value::as_bool)
            == Some(false)
        {
            continue;
        }
        let Some(network) = instance
            .body
            .all("settings")
            .into_iter()
            .flat_map(|s| s.all("ip_configuration"))
            .flat_map(|c| c.all("authorized_networks"))
            .find(|n| matches!(n.get("value").and_then(Value::as_str), Some("0.0.0.0/0")))
        else {
            continue;
        };
        let version = instance
            .body
            .get("database_version")
            .and_then(Value::as_str)
            .unwrap_or("");
        let port = if version.starts_with("POSTGRES") {
            5432
        } else if version.starts_with("SQLSERVER") {
            1433
        } else {
            3306
        };
        let (encrypted, _) = cloud_sql_tls(instance);
        let (ports, protocol, _) = describe("tcp", Some(port), Some(port));
        flows.push(
            Door {
                target: &instance.address,
                protocol,
                port: ports.first().cloned(),
                origin: "authorized-network",
                span: network
                    .get("value")
                    .map_or_else(|| network.span().clone(), |v| v.span().clone()),
                public: Tri::Yes,
                encrypted: Some(encrypted),
                authenticated: Some(Tri::Yes),
            }
            .flow(root),
        );
    }
}

/// Whether a Cloud SQL instance refuses connections without TLS (`ssl_mode =
/// "ENCRYPTED_ONLY"` or `"TRUSTED_CLIENT_CERTIFICATE_REQUIRED"`, or the older `require_ssl =
/// true`), at the setting that says; by default it accepts unencrypted connections.
fn cloud_sql_tls(instance: &Resource) -> (Tri, Option<Span>) {
    let path = |key: &str| {
        at(
            &instance.body,
            &["settings".into(), "ip_configuration".into(), key.into()],
        )
    };
    let ssl_written = path("ssl_mode");
    let required_written = path("require_ssl");
    let ssl = ssl_written.and_then(Value::as_str);
    let required = required_written.and_then(Value::as_bool);
    let span = ssl_written
        .or(required_written)
        .filter(|v| !matches!(v, Value::Null(_)))
        .map(|v| v.span().clone());
    let encrypted = match (ssl, required) {
        (Some("ENCRYPTED_ONLY" | "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"), _) | (_, Some(true)) => {
            Tri::Yes
        }
        // Written but not known statically: unknown, not the default.
        _ if ssl_written.is_some_and(|v| ssl.is_none() && !matches!(v, Value::Null(_)))
            || required_written
                .is_some_and(|v| required.is_none() && !matches!(v, Value::Null(_))) =>
        {
            Tri::Unknown
        }
        // The default accepts unencrypted connections.
        _ => Tri::No,
    };
    (encrypted, span)
}

/// GKE control planes are public unless the endpoint is private or master authorized networks
/// leave the internet out.
fn kubernetes_endpoints(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for cluster in index.of_kind("google_container_cluster") {
        let private = cluster
            .body
            .all("private_cluster_config")
            .into_iter()
            .next()
            .and_then(|c| c.get("enable_private_endpoint"));
        if private.and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let authorized = cluster
            .body
            .all("master_authorized_networks_config")
            .into_iter()
            .next();
        let public = match authorized {
            Some(config) => {
                let blocks = config.all("cidr_blocks");
                if blocks
                    .iter()
                    .any(|b| b.get("cidr_block").is_some_and(Value::is_unknown))
                {
                    Tri::Unknown
                } else if blocks
                    .iter()
                    .any(|b| b.get("cidr_block").and_then(Value::as_str) == Some("0.0.0.0/0"))
                {
                    Tri::Yes
                } else {
                    continue;
                }
            }
            None => Tri::Yes,
        };
        // An endpoint that may be private (`enable_private_endpoint` not known statically) is
        // not known to be public.
        let private_unknown = private.is_some_and(|p| p.not_static());
        let public = if private_unknown {
            public.and(Tri::Unknown)
        } else {
            public
        };
        let span = authorized
            .map(|a| a.span().clone())
            .or_else(|| private.map(|p| p.span().clone()))
            .unwrap_or_else(|| cluster.span.clone());
        flows.push(api_server_door(root, cluster, "gke-endpoint", span, public));
    }
}

/// What a forwarding rule reaches through its proxy, URL map and backend services.
#[derive(Default)]
struct Backends<'r> {
    /// The resources serving it (instance templates of managed groups, instances, Cloud Run
    /// services and functions behind serverless endpoint groups, buckets), each with the span
    /// that puts it there.
    targets: Vec<(&'r Resource, Span)>,
    /// The protocol the backend services speak.
    protocol: Option<String>,
    /// A Cloud Armor policy on one of its backend services.
    protected: Option<Span>,
    /// Request logging on one of its backend services.
    logged: Option<Span>,
    /// Whether a backend service was found (else Cloud Armor and logs are not known).
    resolved: bool,
}

/// The backends of every forwarding rule, by its address.
fn load_balancers<'r>(index: &Index<'r>) -> BTreeMap<String, Backends<'r>> {
    let mut all = BTreeMap::new();
    for rule in index.of_kinds(&[
        "google_compute_global_forwarding_rule",
        "google_compute_forwarding_rule",
    ]) {
        let mut backends = Backends::default();
        // forwarding rule -> proxy -> URL map -> backend service, or straight to the service.
        let mut services: Vec<&Resource> = index.arg(&rule.body, "backend_service");
        for proxy in index.arg(&rule.body, "target") {
            // A target instance: the one instance behind a pass-through rule.
            for instance in index.arg(&proxy.body, "instance") {
                backends.targets.push((instance, proxy.span.clone()));
            }
            services.extend(index.arg(&proxy.body, "backend_service"));
            for map in index.arg(&proxy.body, "url_map") {
                services.extend(index.arg(&map.body, "default_service"));
                for matcher in map.body.all("path_matcher") {
                    services.extend(index.arg(matcher, "default_service"));
                }
            }
        }
        for service in services {
            backends.resolved = true;
            if service.kind == "google_compute_backend_bucket" {
                for bucket in index.arg(&service.body, "bucket_name") {
                    backends.targets.push((bucket, service.span.clone()));
                }
                continue;
            }
            if let Some(policy) = service
                .body
                .get("security_policy")
                .filter(|p| !matches!(p, Value::Null(_)))
            {
                backends
                    .protected
                    .get_or_insert_with(|| policy.span().clone());
            }
            if let Some(enabled) = at(&service.body, &["log_config".into(), "enable".into()])
                .filter(|e| e.as_bool() == Some(true))
            {
                backends
                    .logged
                    .get_or_insert_with(|| enabled.span().clone());
            }
            if backends.protocol.is_none() {
                backends.protocol = service
                    .body
                    .get("protocol")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase);
            }
            for backend in service.body.all("backend") {
                let span = backend.span().clone();
                for group in index.arg(backend, "group") {
                    let served: Vec<&Resource> = match group.kind.as_str() {
                        "google_compute_instance_group_manager"
                        | "google_compute_region_instance_group_manager" => group
                            .body
                            .all("version")
                            .into_iter()
                            .flat_map(|v| index.arg(v, "instance_template"))
                            .chain(index.arg(&group.body, "instance_template"))
                            .collect(),
                        "google_compute_instance_group" => index.arg(&group.body, "instances"),
                        _ => ["cloud_run", "cloud_function"]
                            .iter()
                            .flat_map(|k| group.body.all(k))
                            .flat_map(|b| {
                                index
                                    .arg(b, "service")
                                    .into_iter()
                                    .chain(index.arg(b, "function"))
                            })
                            .collect(),
                    };
                    backends
                        .targets
                        .extend(served.into_iter().map(|t| (t, span.clone())));
                }
            }
        }
        all.insert(rule.address.clone(), backends);
    }
    all
}

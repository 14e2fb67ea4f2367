//! Azure (azurerm) resources into the data-flow model: virtual networks and subnets as zones;
//! the resources of the catalog as elements, virtual machines placed through their network
//! interfaces; doors from the internet where Azure opens them: network security group rules
//! that allow `*`/`Internet`/`0.0.0.0/0` to a machine with a public IP, load-balancer rules and
//! application-gateway listeners on a public frontend, App Service and Function Apps (public
//! unless told otherwise, plain HTTP unless `https_only`), SQL/MySQL/PostgreSQL firewall rules
//! that admit every address, public blob containers, public AKS API servers, API Management
//! gateways, CDN endpoints and container groups on a public address. Managed
//! identities carry the roles assigned to them; built-in authentication marks an app's doors
//! authenticated.
//!
//! Key-authenticated service endpoints (storage, Key Vault, Cosmos DB, Redis) are not drawn
//! as doors, as S3 is not on AWS: their network default says who may try, their keys who may
//! enter.

use crate::catalog::{Entry, Role};
use crate::cloud::{
    Door, Index, Provider, api_server_door, at, blocks_at, catalog_attributes, companions,
    configured_flows, describe, element, firewall_rules, guards, id, port_number, port_text,
    provider_zone, version_text, zones,
};
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{AttrName, Attributes, Flow, Fragment, Span, Tri};

/// The zone every Azure resource of a scan lives in, unless its subnet is known.
pub const SUBSCRIPTION_ZONE: &str = "tf:azure";

/// Source prefixes that mean anyone on the internet.
const INTERNET_SOURCES: &[&str] = &["*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"];

/// Roles that control everything in their scope.
pub(crate) const ADMIN_ROLES: &[&str] = &["Owner", "Contributor", "User Access Administrator"];

/// One inbound allow rule of a network security group that admits the internet.
struct OpenRule {
    protocol: String,
    /// Port ranges (`22`, `1000-2000`, `*`); `None` when the code does not say statically.
    ports: Option<Vec<String>>,
    /// The application security groups of the code the rule admits traffic to
    /// (`destination_application_security_group_ids`): it opens only the interfaces in one of
    /// them. `None` when it names none, or names one the code does not define (which
    /// interfaces that one holds is not known here, so the rule may open any).
    destinations: Option<Vec<String>>,
    span: Span,
}

impl OpenRule {
    /// Whether the rule opens an interface that is in these application security groups.
    fn opens(&self, groups: &[String]) -> bool {
        self.destinations
            .as_ref()
            .is_none_or(|d| d.iter().any(|g| groups.contains(g)))
    }
}

/// Resources that put a network interface or a private endpoint in an application security
/// group, and the argument naming it.
const ASG_MEMBERSHIPS: &[(&str, &str)] = &[
    (
        "azurerm_network_interface_application_security_group_association",
        "network_interface_id",
    ),
    (
        "azurerm_private_endpoint_application_security_group_association",
        "private_endpoint_id",
    ),
];

/// The Azure provider: its catalog and its mapping.
pub(crate) const PROVIDER: Provider = Provider {
    // `azurerm_` and `azuread_` (applications and service principals, for their credentials).
    prefix: "azure",
    catalog: ("catalog/azure.yaml", include_str!("../catalog/azure.yaml")),
    model,
};

/// The Azure part of a Terraform scan.
fn model(index: &Index, root: &str) -> Fragment {
    let mut fragment = Fragment::default();
    fragment
        .zones
        .push(provider_zone(SUBSCRIPTION_ZONE, "Azure subscription"));
    let companions = companions(index);
    fragment
        .zones
        .extend(zones(index, root, SUBSCRIPTION_ZONE, &companions));
    let interfaces = Interfaces::read(index);
    let rights = role_rights(index);
    let firewalled = firewalled_stores(index);
    let transport = secure_transport_settings(index);
    let mut flows: Vec<Flow> = Vec::new();
    for r in index.all() {
        let Some(entry) = crate::catalog::entry(&r.kind) else {
            continue;
        };
        let mut attributes = catalog_attributes(r, &entry.flags, &companions);
        waf_policy(index, r, &mut attributes);
        public_network(r, &firewalled, &mut attributes);
        if let Some((required, span)) = flexible_server_tls(r, &transport) {
            attributes.set_flag(AttrName::EncryptedInTransit, required, span);
        }
        identity_rights(index, r, entry, &rights, &mut attributes);
        flows.extend(interfaces.doors(index, root, r));
        let zone = index
            .placement(r, entry)
            .map_or_else(|| SUBSCRIPTION_ZONE.to_string(), |s| id(root, &s.address));
        fragment
            .elements
            .push(element(root, r, entry, zone, attributes));
    }
    web_apps(index, root, &mut flows);
    service_endpoints(index, root, &mut flows);
    gateways(index, root, &mut flows);
    nat_doors(index, root, &mut flows);
    firewall_dnat_doors(index, root, &mut flows);
    backends(index, root, &mut flows);
    firewall_rules(
        index,
        root,
        SUBSCRIPTION_ZONE,
        &mut fragment.elements,
        &mut flows,
    );
    public_containers(index, root, &mut flows);
    anonymous_pulls(index, root, &mut flows);
    kubernetes_endpoints(index, root, &mut flows);
    front_doors(index, root, &mut flows);
    configured_flows(index, root, &mut flows);
    unattached_security_groups(index, &interfaces, root, &mut fragment, &mut flows);
    crate::cloud::store_transport(&fragment.elements, &mut flows);
    crate::access::azure(index.all(), index, root, &mut fragment);
    fragment.flows.extend(flows);
    fragment
}

/// The data stores whose public network access can be turned on (`public_network_access_enabled`,
/// or `public_network_access = "Enabled"` for App Configuration).
const PUBLIC_NETWORK_STORES: &[&str] = &[
    "azurerm_mssql_server",
    "azurerm_sql_server",
    "azurerm_postgresql_server",
    "azurerm_mysql_server",
    "azurerm_mariadb_server",
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_flexible_server",
    "azurerm_cosmosdb_account",
    "azurerm_redis_cache",
    "azurerm_storage_account",
    "azurerm_key_vault",
    "azurerm_container_registry",
    "azurerm_eventhub_namespace",
    "azurerm_servicebus_namespace",
    "azurerm_search_service",
    "azurerm_app_configuration",
];

/// The data stores that take connections from every network unless their code says otherwise:
/// public network access is on by default and, without network rules, nothing narrows it.
/// Database servers are not among them: they refuse every address until a firewall rule
/// admits some.
const OPEN_BY_DEFAULT_STORES: &[&str] = &[
    "azurerm_cosmosdb_account",
    "azurerm_redis_cache",
    "azurerm_storage_account",
    "azurerm_key_vault",
    "azurerm_container_registry",
    "azurerm_eventhub_namespace",
    "azurerm_servicebus_namespace",
    "azurerm_search_service",
];

/// The blocks whose `default_action = "Deny"` admits only the networks they list, by store.
const NETWORK_RULE_BLOCKS: &[&str] = &[
    "network_rules",
    "network_acls",
    "network_rule_set",
    "network_rulesets",
];

/// The data stores some firewall or network rule of the scanned code is written for (an
/// address-range rule naming them, an account's separate network rules): who may connect is
/// then a matter of those rules.
fn firewalled_stores(index: &Index) -> BTreeSet<String> {
    let mut firewalled = BTreeSet::new();
    for r in index.all() {
        let targets: Vec<&Resource> =
            match crate::catalog::facts(&r.kind).and_then(|f| f.firewall_rule.as_ref()) {
                Some(rule) => crate::cloud::firewall_targets(index, r, rule),
                // The provider's older form names the account by name.
                None if r.kind == "azurerm_storage_account_network_rules" => {
                    let referenced: Vec<&Resource> = ["storage_account_id", "storage_account_name"]
                        .iter()
                        .flat_map(|k| index.arg(&r.body, k))
                        .collect();
                    if referenced.is_empty() {
                        index.named(
                            "azurerm_storage_account",
                            r.body.get("storage_account_name"),
                        )
                    } else {
                        referenced
                    }
                }
                None => continue,
            };
        firewalled.extend(targets.into_iter().map(|t| t.address.clone()));
    }
    firewalled
}

/// A data store that turns public network access on (`public_network_access_enabled = true`)
/// is public at that line; one that leaves it at a default that is on (`OPEN_BY_DEFAULT_STORES`)
/// and narrows it nowhere is public at its block. Whether its firewall is in the scanned code
/// (`firewall_known`) is yes when a firewall or network rule here narrows who connects (its own
/// network rules denying by default, Cosmos DB's `ip_range_filter` or virtual network filter,
/// Search's `allowed_ips`, a rule resource naming it) or it is placed in a subnet, unknown
/// otherwise: rules added elsewhere decide who connects.
fn public_network(r: &Resource, firewalled: &BTreeSet<String>, attributes: &mut Attributes) {
    if !PUBLIC_NETWORK_STORES.contains(&r.kind.as_str()) {
        return;
    }
    let (own_rules, allowing) = narrowed_by_own_rules(r);
    let narrowed = firewalled.contains(&r.address) || own_rules == Tri::Yes;
    // App Configuration says it in words: `Enabled`, `Disabled`, or absent (automatic).
    let (setting, on) = match r.body.get("public_network_access_enabled") {
        Some(flag) => (Some(flag), flag.as_bool() == Some(true)),
        None => {
            let words = r.body.get("public_network_access");
            let on = words
                .and_then(Value::as_str)
                .is_some_and(|w| w.eq_ignore_ascii_case("enabled"));
            (words, on)
        }
    };
    match setting {
        Some(setting) if on => {
            attributes.set_flag(AttrName::Public, Tri::Yes, Some(setting.span().clone()));
        }
        None if OPEN_BY_DEFAULT_STORES.contains(&r.kind.as_str()) && !narrowed => {
            let span = allowing.unwrap_or_else(|| r.span.clone());
            attributes.set_flag(AttrName::Public, Tri::Yes, Some(span));
        }
        _ => return,
    }
    let known = if narrowed { Tri::Yes } else { Tri::Unknown };
    attributes.set_flag(AttrName::FirewallKnown, known, None);
}

/// Whether a store's own arguments narrow the networks it admits: a network rule block that
/// denies by default (`Unknown` when its action is not known statically), an address filter, a
/// virtual network filter or a subnet; and the `default_action = "Allow"` that admits every
/// network, when one is written.
fn narrowed_by_own_rules(r: &Resource) -> (Tri, Option<Span>) {
    let written = |key: &str| {
        r.body
            .get(key)
            .is_some_and(|v| !matches!(v, Value::Null(_)) && !v.items().is_empty())
    };
    // An address list that admits every address (`0.0.0.0/0`) narrows nothing: it is what
    // admits everyone.
    let mut allowing = None;
    let mut addresses = |key: &str| {
        let everyone = r.body.get(key).and_then(|list| {
            list.items()
                .into_iter()
                .find(|a| a.as_str().is_some_and(|a| a.trim() == "0.0.0.0/0"))
        });
        match everyone {
            Some(all) => {
                allowing = Some(all.span().clone());
                false
            }
            None => written(key),
        }
    };
    // Cosmos DB applies its virtual network rules only with its filter on (off by default),
    // and with the filter on and no rule admits no network.
    let virtual_network_filter = r
        .body
        .get("is_virtual_network_filter_enabled")
        .and_then(Value::as_bool);
    if addresses("ip_range_filter")
        || addresses("allowed_ips")
        || written("delegated_subnet_id")
        || written("subnet_id")
        || virtual_network_filter == Some(true)
    {
        return (Tri::Yes, None);
    }
    let mut narrowed = Tri::No;
    for block in NETWORK_RULE_BLOCKS.iter().flat_map(|k| r.body.all(k)) {
        let action = block.get("default_action");
        match action.and_then(Value::as_str) {
            Some(a) if a.eq_ignore_ascii_case("deny") => return (Tri::Yes, None),
            Some(_) => allowing = action.map(|a| a.span().clone()),
            None if action.is_some_and(Value::is_unknown) => narrowed = Tri::Unknown,
            // Event Hubs and Service Bus rule sets default to Allow; the others require it.
            None => {}
        }
    }
    (narrowed, allowing)
}

/// The `require_secure_transport` server parameters of flexible servers, by server: whether it
/// is on, at its value.
fn secure_transport_settings(index: &Index) -> BTreeMap<String, (Tri, Span)> {
    let mut settings = BTreeMap::new();
    for configuration in index.of_kinds(&[
        "azurerm_mysql_flexible_server_configuration",
        "azurerm_postgresql_flexible_server_configuration",
    ]) {
        let named = configuration
            .body
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("require_secure_transport"));
        let Some(value) = configuration.body.get("value").filter(|_| named) else {
            continue;
        };
        let required = crate::cloud::switch(value, &[]);
        for server in index.arg(&configuration.body, "server_id") {
            settings.insert(server.address.clone(), (required, value.span().clone()));
        }
    }
    settings
}

/// Whether a flexible server refuses connections without TLS: its `require_secure_transport`
/// parameter, on unless a configuration turns it off. `None` for other resources.
fn flexible_server_tls(
    r: &Resource,
    settings: &BTreeMap<String, (Tri, Span)>,
) -> Option<(Tri, Option<Span>)> {
    if !matches!(
        r.kind.as_str(),
        "azurerm_mysql_flexible_server" | "azurerm_postgresql_flexible_server"
    ) {
        return None;
    }
    Some(match settings.get(&r.address) {
        Some((required, span)) => (*required, Some(span.clone())),
        None => (Tri::Yes, None),
    })
}

/// A managed identity's token is one request to the instance metadata service away from the
/// code that runs there (a resource whose catalog entry names its identity argument; not a
/// cluster's control-plane identity): its own (system-assigned) identity's and the
/// user-assigned ones' admin roles are its rights.
fn identity_rights(
    index: &Index,
    r: &Resource,
    entry: &Entry,
    rights: &BTreeMap<String, Vec<(String, Span)>>,
    attributes: &mut Attributes,
) {
    let Some(identity) = entry
        .identity
        .iter()
        .find_map(|p| blocks_at(&r.body, p).into_iter().next())
    else {
        return;
    };
    attributes.set_flag(AttrName::ServiceAccountToken, Tri::Yes, None);
    let holders = std::iter::once(r.address.clone()).chain(
        index
            .arg(identity, "identity_ids")
            .into_iter()
            .map(|i| i.address.clone()),
    );
    for holder in holders.collect::<Vec<_>>() {
        for (right, span) in rights.get(&holder).cloned().unwrap_or_default() {
            attributes.push_item(AttrName::ServiceAccountPrivileges, right, Some(span));
        }
    }
    attributes.set_empty_list(AttrName::ServiceAccountPrivileges);
}

/// Network interfaces and the security groups that guard them: which carry a public IP,
/// which groups guard each interface and subnet, and each group's rules open to the internet.
struct Interfaces {
    /// Whether each interface carries a public IP.
    public: BTreeMap<String, Tri>,
    /// Each interface's subnet.
    subnet: BTreeMap<String, String>,
    /// Which security groups guard each subnet and each interface.
    guards: BTreeMap<String, Vec<String>>,
    open_rules: BTreeMap<String, Vec<OpenRule>>,
    /// The application security groups each interface (or private endpoint) is in.
    asg_members: BTreeMap<String, Vec<String>>,
}

impl Interfaces {
    fn read(index: &Index) -> Interfaces {
        let mut public = BTreeMap::new();
        let mut subnet = BTreeMap::new();
        for nic in index.of_kind("azurerm_network_interface") {
            let mut carries = Tri::No;
            for config in nic.body.all("ip_configuration") {
                if let Some(s) = index.arg(config, "subnet_id").first() {
                    subnet.insert(nic.address.clone(), s.address.clone());
                }
                match config.get("public_ip_address_id") {
                    Some(Value::Null(_)) | None => {}
                    Some(v) if v.is_unknown() => carries = Tri::Unknown,
                    Some(_) => {
                        carries = Tri::Yes;
                        break;
                    }
                }
            }
            public.insert(nic.address.clone(), carries);
        }
        Interfaces {
            public,
            subnet,
            guards: guards(index),
            open_rules: open_rules(index),
            asg_members: asg_members(index),
        }
    }

    /// The doors into a machine with a public address: the open rules of the groups on its
    /// interfaces and their subnets. Scale sets describe their interfaces inline: a
    /// `public_ip_address` block gives every instance a public address; the interface's group
    /// and its subnet's guard it.
    fn doors(&self, index: &Index, root: &str, r: &Resource) -> Vec<Flow> {
        let mut flows = Vec::new();
        for nic in index.arg(&r.body, "network_interface_ids") {
            let public = self.public.get(&nic.address).copied().unwrap_or(Tri::No);
            if public == Tri::No {
                continue;
            }
            let groups = self.guards.get(&nic.address).into_iter().flatten().chain(
                self.subnet
                    .get(&nic.address)
                    .and_then(|s| self.guards.get(s))
                    .into_iter()
                    .flatten(),
            );
            let in_groups = self
                .asg_members
                .get(&nic.address)
                .map_or(&[][..], Vec::as_slice);
            for group in groups {
                for rule in self.open_rules.get(group).into_iter().flatten() {
                    if rule.opens(in_groups) {
                        flows.extend(rule_doors(root, &r.address, rule, public));
                    }
                }
            }
        }
        for interface in r.body.all("network_interface") {
            let configurations = interface.all("ip_configuration");
            if !configurations
                .iter()
                .any(|c| !c.all("public_ip_address").is_empty())
            {
                continue;
            }
            let subnets: Vec<String> = configurations
                .iter()
                .flat_map(|c| index.arg(c, "subnet_id"))
                .map(|s| s.address.clone())
                .collect();
            let in_groups: Vec<String> = configurations
                .iter()
                .flat_map(|c| index.arg(c, "application_security_group_ids"))
                .map(|g| g.address.clone())
                .collect();
            let groups = index
                .arg(interface, "network_security_group_id")
                .into_iter()
                .map(|g| g.address.clone())
                .chain(
                    subnets
                        .iter()
                        .flat_map(|s| self.guards.get(s).cloned().unwrap_or_default()),
                )
                .collect::<Vec<_>>();
            for group in groups {
                for rule in self.open_rules.get(&group).into_iter().flatten() {
                    if rule.opens(&in_groups) {
                        flows.extend(rule_doors(root, &r.address, rule, Tri::Yes));
                    }
                }
            }
        }
        flows
    }
}

/// Whether an address prefix (or list of them) admits the internet.
fn admits_internet(value: Option<&Value>) -> Option<Span> {
    let value = value?;
    value
        .items()
        .iter()
        .any(|v| {
            v.as_str()
                .is_some_and(|p| INTERNET_SOURCES.contains(&p.to_ascii_lowercase().as_str()))
        })
        .then(|| value.span().clone())
}

/// An application gateway's WAF policy (`firewall_policy_id`, an
/// `azurerm_web_application_firewall_policy`) filters what reaches it when the policy is
/// enabled and in prevention mode (both the provider's defaults): `rate_limited` yes, at the
/// argument. A policy in detection mode only logs: no, at its mode. A policy the scanned code
/// does not define may be either: unknown. The gateway's own `waf_configuration`, when it
/// already says yes, stands.
fn waf_policy(index: &Index, r: &Resource, attributes: &mut Attributes) {
    if r.kind != "azurerm_application_gateway" || attributes.flag(AttrName::RateLimited) == Tri::Yes
    {
        return;
    }
    let Some(named) = r.body.get("firewall_policy_id") else {
        return;
    };
    let policies = index.arg(&r.body, "firewall_policy_id");
    let Some(policy) = policies
        .iter()
        .find(|p| p.kind == "azurerm_web_application_firewall_policy")
    else {
        attributes.set_flag(
            AttrName::RateLimited,
            Tri::Unknown,
            Some(named.span().clone()),
        );
        return;
    };
    let settings = policy.body.all("policy_settings");
    let setting = |key: &str| settings.iter().find_map(|s| s.get(key));
    if let Some(enabled) = setting("enabled").filter(|v| v.as_bool() == Some(false)) {
        attributes.set_flag(AttrName::RateLimited, Tri::No, Some(enabled.span().clone()));
        return;
    }
    // Whether it is on is not known statically (`enabled = var.waf`): it proves no filter.
    if let Some(enabled) = setting("enabled").filter(|v| v.as_bool().is_none()) {
        attributes.set_flag(
            AttrName::RateLimited,
            Tri::Unknown,
            Some(enabled.span().clone()),
        );
        return;
    }
    match setting("mode") {
        Some(mode)
            if mode
                .as_str()
                .is_some_and(|m| m.eq_ignore_ascii_case("Detection")) =>
        {
            attributes.set_flag(AttrName::RateLimited, Tri::No, Some(mode.span().clone()));
        }
        Some(mode) if mode.as_str().is_none() => {
            attributes.set_flag(
                AttrName::RateLimited,
                Tri::Unknown,
                Some(mode.span().clone()),
            );
        }
        _ => attributes.set_flag(AttrName::RateLimited, Tri::Yes, Some(named.span().clone())),
    }
}

/// The application security groups each network interface or private endpoint is in, through
/// their association resources.
fn asg_members(index: &Index) -> BTreeMap<String, Vec<String>> {
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (kind, member) in ASG_MEMBERSHIPS {
        for association in index.of_kind(kind) {
            let groups = index.arg(&association.body, "application_security_group_id");
            for target in index.arg(&association.body, member) {
                members
                    .entry(target.address.clone())
                    .or_default()
                    .extend(groups.iter().map(|g| g.address.clone()));
            }
        }
    }
    members
}

/// The application security groups of the code a rule names as its destination; `None` when
/// it names none or one the code does not define.
fn rule_destinations(rule: &Value, index: &Index) -> Option<Vec<String>> {
    let written = rule.get("destination_application_security_group_ids")?;
    let items = written.items();
    if items.is_empty() {
        return None;
    }
    let mut groups = Vec::new();
    for item in items {
        let resolved: Vec<String> = index
            .resolve_all(item)
            .iter()
            .filter(|g| g.kind == "azurerm_application_security_group")
            .map(|g| g.address.clone())
            .collect();
        if resolved.is_empty() {
            return None;
        }
        groups.extend(resolved);
    }
    Some(groups)
}

/// The inbound rule a security rule is, when it allows the internet.
fn open_rule(rule: &Value, index: &Index) -> Option<OpenRule> {
    let word = |k: &str| {
        rule.get(k)
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
    };
    if word("direction").as_deref() != Some("inbound") || word("access").as_deref() != Some("allow")
    {
        return None;
    }
    let span = admits_internet(rule.get("source_address_prefix"))
        .or_else(|| admits_internet(rule.get("source_address_prefixes")))?;
    // A range written as a number (`destination_port_range = 3389`) is that one port.
    let written: Vec<&Value> = ["destination_port_range", "destination_port_ranges"]
        .iter()
        .filter_map(|k| rule.get(k))
        .flat_map(Value::items)
        .collect();
    let ports: Option<Vec<String>> = written
        .iter()
        .map(|p| {
            p.as_str()
                .map(str::to_string)
                .or_else(|| port_text(Some(p)))
        })
        .collect();
    Some(OpenRule {
        protocol: word("protocol").unwrap_or_else(|| "*".into()),
        ports,
        destinations: rule_destinations(rule, index),
        span,
    })
}

/// The inbound rules that allow the internet, by network security group address.
fn open_rules(index: &Index) -> BTreeMap<String, Vec<OpenRule>> {
    let mut rules: BTreeMap<String, Vec<OpenRule>> = BTreeMap::new();
    let mut add = |group: &str, rule: &Value| {
        if let Some(open) = open_rule(rule, index) {
            rules.entry(group.to_string()).or_default().push(open);
        }
    };
    let kinds = [
        "azurerm_network_security_group",
        "azurerm_network_security_rule",
    ];
    for r in index.of_kinds(&kinds) {
        match r.kind.as_str() {
            "azurerm_network_security_group" => {
                for rule in r.body.all("security_rule") {
                    add(&r.address, rule);
                }
            }
            "azurerm_network_security_rule" => {
                for group in rule_groups(index, r) {
                    add(&group.address, &r.body);
                }
            }
            _ => {}
        }
    }
    rules
}

/// The network security group a security rule belongs to: the one it refers to, else the one
/// of the scanned code with the name it writes.
fn rule_groups<'r>(index: &Index<'r>, rule: &Resource) -> Vec<&'r Resource> {
    let referenced = index.arg(&rule.body, "network_security_group_name");
    if referenced.is_empty() {
        index.named(
            "azurerm_network_security_group",
            rule.body.get("network_security_group_name"),
        )
    } else {
        referenced
    }
}

/// The doors one open rule makes into a machine: one per port range.
/// Network security groups associated with nothing in the scanned code (no subnet, no
/// interface: they are often associated in another stack) that admit the internet: their doors
/// lead to an element that stands for whatever they guard (latent exposure, TM-S007).
fn unattached_security_groups(
    index: &Index,
    interfaces: &Interfaces,
    root: &str,
    fragment: &mut Fragment,
    flows: &mut Vec<Flow>,
) {
    // Its rules and its flow logs name a group without attaching it.
    let referenced = crate::cloud::referenced_addresses(
        index,
        &[
            "azurerm_network_security_rule",
            "azurerm_network_watcher_flow_log",
        ],
    );
    for group in index.of_kind("azurerm_network_security_group") {
        let rules = interfaces.open_rules.get(&group.address);
        if rules.is_none_or(Vec::is_empty) || !crate::cloud::unattached(group, &referenced) {
            continue;
        }
        let target = crate::cloud::guarded_address(group);
        for rule in rules.into_iter().flatten() {
            flows.extend(rule_doors(root, &target, rule, Tri::Yes));
        }
        fragment.elements.push(crate::cloud::guarded_by_unattached(
            root,
            group,
            SUBSCRIPTION_ZONE,
        ));
    }
    // A rule whose group is not in the scanned code (named by a variable, a data source or a
    // literal) is a door into whatever that group guards elsewhere, latent in the same way.
    for rule in index.of_kind("azurerm_network_security_rule") {
        if !rule_groups(index, rule).is_empty() {
            continue;
        }
        let Some(open) = open_rule(&rule.body, index) else {
            continue;
        };
        let target = crate::cloud::guarded_address(rule);
        flows.extend(rule_doors(root, &target, &open, Tri::Yes));
        fragment.elements.push(crate::cloud::guarded_by_unattached(
            root,
            rule,
            SUBSCRIPTION_ZONE,
        ));
    }
}

fn rule_doors(root: &str, target: &str, rule: &OpenRule, public: Tri) -> Vec<Flow> {
    // Ports the code does not state statically are not known: never "all ports".
    let ranges: Vec<&str> = match &rule.ports {
        None => vec!["?"],
        Some(ports) if ports.is_empty() => vec!["*"],
        Some(ports) => ports.iter().map(String::as_str).collect(),
    };
    ranges
        .into_iter()
        .map(|range| {
            let (from, to) = match range {
                "?" => (None, None),
                "*" => (Some(0), Some(65535)),
                range => match range.split_once('-') {
                    Some((a, b)) => (a.trim().parse().ok(), b.trim().parse().ok()),
                    None => (range.trim().parse().ok(), range.trim().parse().ok()),
                },
            };
            // `*` is every protocol: on every port, all traffic; on some ports, the door is
            // read as its TCP part on them (what administrative and database ports speak).
            let protocol = match (rule.protocol.as_str(), from, to) {
                ("*", Some(0), Some(65535)) | ("*", None, _) | ("*", _, None) => "-1",
                ("*", _, _) => "tcp",
                (written, _, _) => written,
            };
            let (ports, protocol, encrypted) = describe(protocol, from, to);
            Door {
                target,
                protocol,
                port: ports.first().cloned(),
                origin: "network-security-group",
                span: rule.span.clone(),
                public,
                encrypted: Some(encrypted),
                authenticated: None,
            }
            .flow(root)
        })
        .collect()
}

/// The admin roles assigned to each managed identity's owner (`principal_id =
/// azurerm_linux_virtual_machine.app.identity[0].principal_id`).
fn role_rights(index: &Index) -> BTreeMap<String, Vec<(String, Span)>> {
    let mut rights: BTreeMap<String, Vec<(String, Span)>> = BTreeMap::new();
    for assignment in index.of_kind("azurerm_role_assignment") {
        let Some(role) = assignment.body.get("role_definition_name") else {
            continue;
        };
        let Some(name) = role.as_str().filter(|n| ADMIN_ROLES.contains(n)) else {
            continue;
        };
        for holder in index.arg(&assignment.body, "principal_id") {
            rights.entry(holder.address.clone()).or_default().push((
                format!("{name} (role assignment {})", assignment.address),
                role.span().clone(),
            ));
        }
    }
    rights
}

/// App Service and Function Apps answer on the internet unless public network access is off:
/// HTTPS always, plain HTTP unless `https_only`; their minimum TLS version decides whether old
/// TLS is offered.
fn web_apps(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for app in index
        .all()
        .iter()
        .filter(|r| crate::catalog::entry(&r.kind).is_some_and(|e| e.role == Some(Role::WebApp)))
    {
        if app
            .body
            .get("public_network_access_enabled")
            .and_then(Value::as_bool)
            == Some(false)
        {
            continue;
        }
        // Built-in authentication (Easy Auth) turned on: callers sign in before the app sees
        // them. Turned off says nothing: a public site is meant to be anonymous, and the app
        // may authenticate on its own.
        let easy_auth = app
            .body
            .all("auth_settings")
            .into_iter()
            .filter_map(|a| a.get("enabled"))
            .chain(
                app.body
                    .all("auth_settings_v2")
                    .into_iter()
                    .filter_map(|a| a.get("auth_enabled")),
            )
            .any(|enabled| enabled.as_bool() == Some(true));
        // Access restrictions deny everyone they do not list (unless the default says Allow):
        // who may come is then a matter of the list.
        let config = app.body.all("site_config").into_iter().next();
        let restricted = config.is_some_and(|c| {
            !c.all("ip_restriction").is_empty()
                && c.get("ip_restriction_default_action")
                    .and_then(Value::as_str)
                    != Some("Allow")
        });
        let public = if restricted { Tri::Unknown } else { Tri::Yes };
        let door = |protocol: &str, port: &str, encrypted: Tri, span: Span| {
            Door {
                target: &app.address,
                protocol: Some(protocol.to_string()),
                port: Some(port.to_string()),
                origin: "app-service",
                span,
                public,
                encrypted: Some(encrypted),
                authenticated: easy_auth.then_some(Tri::Yes),
            }
            .flow(root)
        };
        if let Some(flow) = remote_debugger(app, config, public, root) {
            flows.push(flow);
        }
        // Deployment over plain FTP (`ftps_state = "AllAllowed"`): the deployment credentials
        // and the code cross the internet in clear. Only the written value is read: the
        // default differs between the provider's resource types and Azure's API versions.
        if let Some(ftp) = config
            .and_then(|c| c.get("ftps_state"))
            .filter(|v| v.as_str() == Some("AllAllowed"))
        {
            let mut door = door("ftp", "21", Tri::No, ftp.span().clone());
            door.attributes
                .set_flag(AttrName::Authenticated, Tri::Yes, Some(ftp.span().clone()));
            flows.push(door);
        }
        let mut https = door("https", "443", Tri::Yes, app.span.clone());
        let minimum = config.and_then(|c| {
            c.get("minimum_tls_version")
                .or_else(|| c.get("min_tls_version"))
        });
        // `1.1` unquoted is the version 1.1.
        let outdated = match minimum.and_then(version_text).as_deref() {
            Some("1.0" | "1.1") => Tri::Yes,
            Some(_) => Tri::No,
            // The provider's default is 1.2.
            None if minimum.is_none() => Tri::No,
            None => Tri::Unknown,
        };
        https.attributes.set_flag(
            AttrName::OutdatedTls,
            outdated,
            minimum.map(|m| m.span().clone()),
        );
        flows.push(https);
        let https_only = app.body.get("https_only");
        match https_only.and_then(Value::as_bool) {
            Some(true) => {}
            Some(false) | None if !https_only.is_some_and(Value::is_unknown) => {
                let span = https_only.map_or_else(|| app.span.clone(), |v| v.span().clone());
                flows.push(door("http", "80", Tri::No, span));
            }
            _ => {}
        }
    }
}

/// Managed endpoints on a public address: an API Management gateway (HTTPS; public unless
/// `virtual_network_type = "Internal"` or public network access is off; old TLS when its
/// `security` block turns on a front-end SSL 3.0, TLS 1.0 or 1.1 protocol), a CDN endpoint
/// (HTTPS unless `is_https_allowed = false`, plain HTTP unless `is_http_allowed = false`), a CDN
/// custom domain that serves HTTPS (a `cdn_managed_https` or `user_managed_https` block; its
/// `tls_version` is the domain's `outdated_tls`), a container group (`ip_address_type =
/// "Public"`, the default outside a subnet) on each port it exposes, and a Spring Cloud API
/// portal or gateway with `public_network_access_enabled = true` (HTTPS, and plain HTTP unless
/// `https_only_enabled = true`; both default to off).
fn service_endpoints(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    fn door<'a>(
        target: &'a Resource,
        protocol: Option<String>,
        port: Option<String>,
        span: Span,
        public: Tri,
        encrypted: Tri,
    ) -> Door<'a> {
        Door {
            target: &target.address,
            protocol,
            port,
            origin: "service-endpoint",
            span,
            public,
            encrypted: Some(encrypted),
            authenticated: None,
        }
    }
    let allowed = |r: &Resource, key: &str| {
        let written = r.body.get(key);
        // Both default to allowed; an unknown value may open it.
        written.is_none_or(|v| v.as_bool() != Some(false))
    };
    for gateway in index.of_kind("azurerm_api_management") {
        if gateway
            .body
            .get("public_network_access_enabled")
            .and_then(Value::as_bool)
            == Some(false)
        {
            continue;
        }
        let network = gateway.body.get("virtual_network_type");
        let public = match network.map(Value::as_str) {
            None | Some(Some("None" | "External")) => Tri::Yes,
            Some(Some(_)) => Tri::No,
            Some(None) => Tri::Unknown,
        };
        if public == Tri::No {
            continue;
        }
        let span = network.map_or_else(|| gateway.span.clone(), |v| v.span().clone());
        let mut https = door(
            gateway,
            Some("https".into()),
            Some("443".into()),
            span,
            public,
            Tri::Yes,
        )
        .flow(root);
        let security = gateway.body.all("security").into_iter().next();
        let protocols = [
            "enable_frontend_ssl30",
            "enable_frontend_tls10",
            "enable_frontend_tls11",
            "frontend_ssl30_enabled",
            "frontend_tls10_enabled",
            "frontend_tls11_enabled",
        ];
        let written: Vec<&Value> = protocols
            .iter()
            .filter_map(|k| security.and_then(|s| s.get(k)))
            .collect();
        let on = written.iter().find(|v| v.as_bool() == Some(true));
        let (outdated, at) = match on {
            Some(v) => (Tri::Yes, Some(v.span().clone())),
            None if written.iter().any(|v| v.as_bool().is_none()) => (Tri::Unknown, None),
            // Off unless turned on.
            None => (Tri::No, security.map(|s| s.span().clone())),
        };
        https
            .attributes
            .set_flag(AttrName::OutdatedTls, outdated, at);
        flows.push(https);
    }
    for endpoint in index.of_kind("azurerm_cdn_endpoint") {
        for (key, protocol, port, encrypted) in [
            ("is_https_allowed", "https", "443", Tri::Yes),
            ("is_http_allowed", "http", "80", Tri::No),
        ] {
            if !allowed(endpoint, key) {
                continue;
            }
            let span = endpoint
                .body
                .get(key)
                .map_or_else(|| endpoint.span.clone(), |v| v.span().clone());
            flows.push(
                door(
                    endpoint,
                    Some(protocol.into()),
                    Some(port.into()),
                    span,
                    Tri::Yes,
                    encrypted,
                )
                .flow(root),
            );
        }
    }
    for domain in index.of_kind("azurerm_cdn_endpoint_custom_domain") {
        let Some(https) = ["cdn_managed_https", "user_managed_https"]
            .iter()
            .find_map(|k| domain.body.all(k).into_iter().next())
        else {
            continue;
        };
        flows.push(
            door(
                domain,
                Some("https".into()),
                Some("443".into()),
                https.span().clone(),
                Tri::Yes,
                Tri::Yes,
            )
            .flow(root),
        );
    }
    for portal in index.of_kinds(&[
        "azurerm_spring_cloud_api_portal",
        "azurerm_spring_cloud_gateway",
    ]) {
        let Some(access) = portal.body.get("public_network_access_enabled") else {
            continue;
        };
        let public = match access.as_bool() {
            Some(false) => continue,
            Some(true) => Tri::Yes,
            None => Tri::Unknown,
        };
        let https_only = portal.body.get("https_only_enabled");
        let mut open = vec![("https", "443", Tri::Yes, access.span().clone())];
        if https_only.is_none_or(|v| v.as_bool() == Some(false)) {
            let span = https_only.map_or_else(|| access.span().clone(), |v| v.span().clone());
            open.push(("http", "80", Tri::No, span));
        }
        for (protocol, port, encrypted, span) in open {
            flows.push(
                door(
                    portal,
                    Some(protocol.into()),
                    Some(port.into()),
                    span,
                    public,
                    encrypted,
                )
                .flow(root),
            );
        }
    }
    for group in index.of_kind("azurerm_container_group") {
        let address_type = group.body.get("ip_address_type");
        let in_subnet = ["subnet_ids", "network_profile_id"]
            .iter()
            .any(|k| group.body.get(k).is_some());
        // The provider compares the address type without regard to case (`public`).
        let public = match address_type.map(|v| v.as_str()) {
            Some(Some(t)) if t.eq_ignore_ascii_case("Public") => Tri::Yes,
            Some(Some(_)) => Tri::No,
            Some(None) => Tri::Unknown,
            None if in_subnet => Tri::No,
            None => Tri::Yes,
        };
        if public == Tri::No {
            continue;
        }
        let span = address_type.map_or_else(|| group.span.clone(), |v| v.span().clone());
        // The ports exposed on the group's address, else those its containers open.
        let mut ports = group.body.all("exposed_port");
        if ports.is_empty() {
            ports = group
                .body
                .all("container")
                .into_iter()
                .flat_map(|c| c.all("ports"))
                .collect();
        }
        for port in ports {
            let number = port_number(port.get("port"));
            let protocol = port
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP");
            let (numbers, protocol, encrypted) = describe(protocol, number, number);
            flows.push(
                door(
                    group,
                    protocol,
                    numbers.first().cloned(),
                    span.clone(),
                    public,
                    encrypted,
                )
                .flow(root),
            );
        }
    }
}

/// The door remote debugging opens (`remote_debugging_enabled = true` in `site_config`): the
/// Visual Studio remote debugger on the app's address, on the port of the Visual Studio
/// version it serves, for whoever has the app's deployment credentials.
fn remote_debugger(
    app: &Resource,
    config: Option<&Value>,
    public: Tri,
    root: &str,
) -> Option<Flow> {
    let enabled = config?
        .get("remote_debugging_enabled")
        .filter(|v| v.as_bool() == Some(true))?;
    let port = match config?
        .get("remote_debugging_version")
        .and_then(Value::as_str)
    {
        Some("VS2017") => "4022",
        Some("VS2019") => "4024",
        Some("VS2022") => "4026",
        _ => "4022-4026",
    };
    Some(
        Door {
            target: &app.address,
            protocol: Some(trustmap_model::Protocol::Msvsmon.to_string()),
            port: Some(port.to_string()),
            origin: "remote-debugging",
            span: enabled.span().clone(),
            public,
            encrypted: None,
            authenticated: Some(Tri::Yes),
        }
        .flow(root),
    )
}

/// Whether a gateway or load balancer has a public frontend (a public IP on one of its
/// frontend configurations).
fn public_frontend(balancer: &Resource) -> Tri {
    let frontends = balancer.body.all("frontend_ip_configuration");
    if frontends.iter().any(|f| {
        f.get("public_ip_address_id")
            .is_some_and(|v| !matches!(v, Value::Null(_)) && !v.is_unknown())
    }) {
        Tri::Yes
    } else if frontends
        .iter()
        .any(|f| f.get("public_ip_address_id").is_some_and(Value::is_unknown))
    {
        Tri::Unknown
    } else {
        Tri::No
    }
}

/// Application gateways' listeners and load balancers' rules on a public frontend.
fn gateways(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for gateway in index.of_kind("azurerm_application_gateway") {
        let public = public_frontend(gateway);
        if public == Tri::No {
            continue;
        }
        let ports: BTreeMap<&str, String> = gateway
            .body
            .all("frontend_port")
            .into_iter()
            .filter_map(|p| {
                Some((
                    p.get("name")?.as_str()?,
                    crate::cloud::port_text(p.get("port"))?,
                ))
            })
            .collect();
        let policy = gateway.body.all("ssl_policy").into_iter().next();
        let (outdated, policy_span) = gateway_tls(policy);
        for listener in gateway.body.all("http_listener") {
            let written = listener.get("protocol");
            let protocol = written
                .and_then(Value::as_str)
                .unwrap_or("Http")
                .to_ascii_lowercase();
            let encrypted = crate::cloud::listener_encryption(&protocol);
            let port = listener
                .get("frontend_port_name")
                .and_then(Value::as_str)
                .and_then(|name| ports.get(name).cloned());
            let mut flow = Door {
                target: &gateway.address,
                protocol: Some(protocol),
                port,
                origin: "listener",
                span: written.map_or_else(|| listener.span().clone(), |v| v.span().clone()),
                public,
                encrypted: Some(encrypted),
                authenticated: None,
            }
            .flow(root);
            if encrypted == Tri::Yes {
                flow.attributes
                    .set_flag(AttrName::OutdatedTls, outdated, policy_span.clone());
            }
            flows.push(flow);
        }
    }
    for rule in index.of_kind("azurerm_lb_rule") {
        for balancer in index.arg(&rule.body, "loadbalancer_id") {
            let public = public_frontend(balancer);
            if public == Tri::No {
                continue;
            }
            let port = crate::cloud::port_number(rule.body.get("frontend_port"));
            let protocol = balancer_protocol(rule);
            let (ports, protocol, encrypted) = describe(&protocol, port, port);
            flows.push(
                Door {
                    target: &balancer.address,
                    protocol,
                    port: ports.first().cloned(),
                    origin: "lb-rule",
                    span: rule.span.clone(),
                    public,
                    encrypted: Some(encrypted),
                    authenticated: None,
                }
                .flow(root),
            );
        }
    }
}

/// The protocol of a load balancer rule, NAT rule or pool as `describe` reads it: `Tcp`,
/// `Udp`, or `All` (every protocol); TCP when the rule does not say.
fn balancer_protocol(rule: &Resource) -> String {
    let protocol = rule
        .body
        .get("protocol")
        .and_then(Value::as_str)
        .map_or_else(|| "tcp".to_string(), str::to_ascii_lowercase);
    if protocol == "all" {
        "-1".to_string()
    } else {
        protocol
    }
}

/// Inbound NAT rules and pools of a public load balancer: the internet reaches the machine
/// behind them on the backend port through the frontend port (`50022` to SSH's `22`), so the
/// door on the balancer is at the frontend port and speaks the backend port's protocol.
fn nat_doors(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for rule in index.of_kinds(&["azurerm_lb_nat_rule", "azurerm_lb_nat_pool"]) {
        let number = |key: &str| crate::cloud::port_number(rule.body.get(key));
        // A rule names one frontend port, or a range as a pool does.
        let (from, to) = match number("frontend_port") {
            Some(port) => (Some(port), Some(port)),
            None => (number("frontend_port_start"), number("frontend_port_end")),
        };
        let backend = number("backend_port");
        let protocol = balancer_protocol(rule);
        let (frontend, _, _) = describe(&protocol, from, to);
        let (_, service, encrypted) = describe(&protocol, backend, backend);
        for balancer in index.arg(&rule.body, "loadbalancer_id") {
            let public = public_frontend(balancer);
            if public == Tri::No {
                continue;
            }
            flows.push(
                Door {
                    target: &balancer.address,
                    protocol: service.clone(),
                    port: frontend.first().cloned(),
                    origin: "lb-nat-rule",
                    span: rule.span.clone(),
                    public,
                    encrypted: Some(encrypted),
                    authenticated: None,
                }
                .flow(root),
            );
        }
    }
}

/// Azure Firewall DNAT rules that admit the internet (`source_addresses` naming everyone):
/// each is a door on the firewall at its destination ports, speaking the translated port's
/// protocol (the service behind it), from rule collection groups of the firewall's policy
/// (`azurerm_firewall_policy_rule_collection_group`) or classic NAT rule collections
/// (`azurerm_firewall_nat_rule_collection`). The firewall has a public address by design.
fn firewall_dnat_doors(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    // (the firewalls it applies to, a DNAT rule).
    let mut rules: Vec<(Vec<&Resource>, &Value)> = Vec::new();
    for group in index.of_kind("azurerm_firewall_policy_rule_collection_group") {
        let policies: Vec<&Resource> = index
            .arg(&group.body, "firewall_policy_id")
            .into_iter()
            .filter(|p| p.kind == "azurerm_firewall_policy")
            .collect();
        let firewalls: Vec<&Resource> = index
            .of_kind("azurerm_firewall")
            .filter(|f| {
                index
                    .arg(&f.body, "firewall_policy_id")
                    .iter()
                    .any(|p| policies.iter().any(|q| q.address == p.address))
            })
            .collect();
        for collection in group.body.all("nat_rule_collection") {
            for rule in collection.all("rule") {
                rules.push((firewalls.clone(), rule));
            }
        }
    }
    for collection in index.of_kind("azurerm_firewall_nat_rule_collection") {
        let mut firewalls = index.arg(&collection.body, "azure_firewall_name");
        if firewalls.is_empty() {
            firewalls = index.named(
                "azurerm_firewall",
                collection.body.get("azure_firewall_name"),
            );
        }
        for rule in collection.body.all("rule") {
            rules.push((firewalls.clone(), rule));
        }
    }
    for (firewalls, rule) in rules {
        let Some(span) = admits_internet(rule.get("source_addresses")) else {
            continue;
        };
        let translated = crate::cloud::port_number(rule.get("translated_port"));
        let protocol = rule
            .get("protocols")
            .map(Value::items)
            .unwrap_or_default()
            .first()
            .and_then(|p| p.as_str())
            .map_or_else(|| "tcp".to_string(), str::to_ascii_lowercase);
        let (_, service, encrypted) = describe(&protocol, translated, translated);
        let ports: Vec<Option<i64>> = rule
            .get("destination_ports")
            .map(Value::items)
            .unwrap_or_default()
            .into_iter()
            .map(|p| crate::cloud::port_number(Some(p)))
            .collect();
        for firewall in &firewalls {
            for port in &ports {
                let (front, _, _) = describe(&protocol, *port, *port);
                flows.push(
                    Door {
                        target: &firewall.address,
                        protocol: service.clone(),
                        port: front.first().cloned(),
                        origin: "firewall-dnat",
                        span: span.clone(),
                        public: Tri::Yes,
                        encrypted: Some(encrypted),
                        authenticated: None,
                    }
                    .flow(root),
                );
            }
        }
    }
}

/// Whether an application gateway's TLS policy accepts TLS 1.0 or 1.1: a written minimum
/// version says, so do the predefined policies (`AppGwSslPolicy20150501` accepts 1.0); with no
/// policy, the default depends on the gateway's age: unknown.
fn gateway_tls(policy: Option<&Value>) -> (Tri, Option<Span>) {
    let Some(policy) = policy else {
        return (Tri::Unknown, None);
    };
    if let Some(minimum) = policy
        .get("min_protocol_version")
        .filter(|m| !matches!(m, Value::Null(_)) && m.as_str() != Some(""))
    {
        let outdated = match minimum.as_str() {
            Some("TLSv1_0" | "TLSv1_1") => Tri::Yes,
            Some("TLSv1_2" | "TLSv1_3") => Tri::No,
            _ => Tri::Unknown,
        };
        return (outdated, Some(minimum.span().clone()));
    }
    if let Some(name) = policy.get("policy_name") {
        let outdated = match name.as_str() {
            Some("AppGwSslPolicy20150501") => Tri::Yes,
            // AppGwSslPolicy20170401 still accepts TLS 1.1; its S variant starts at 1.2.
            Some("AppGwSslPolicy20170401") => Tri::Yes,
            Some(
                "AppGwSslPolicy20170401S" | "AppGwSslPolicy20220101" | "AppGwSslPolicy20220101S",
            ) => Tri::No,
            _ => Tri::Unknown,
        };
        return (outdated, Some(name.span().clone()));
    }
    (Tri::Unknown, None)
}

/// A blob container's setting that lets anyone read it without signing in
/// (`container_access_type = "blob"` or `"container"`), when it does.
pub(crate) fn anonymous_access(container: &Resource) -> Option<&Value> {
    container
        .body
        .get("container_access_type")
        .filter(|v| matches!(v.as_str(), Some("blob" | "container")))
}

/// Blob containers with anonymous read access (`container_access_type = "blob"` or
/// `"container"`) in an account that allows it.
fn public_containers(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    // Accounts whose separate network rules deny by default.
    let denying: BTreeSet<&str> = index
        .of_kind("azurerm_storage_account_network_rules")
        .filter(|r| r.body.get("default_action").and_then(Value::as_str) == Some("Deny"))
        .flat_map(|r| index.arg(&r.body, "storage_account_id"))
        .map(|a| a.address.as_str())
        .collect();
    for container in index.of_kind("azurerm_storage_container") {
        let Some(access) = anonymous_access(container) else {
            continue;
        };
        let accounts = index
            .arg(&container.body, "storage_account_name")
            .into_iter()
            .chain(index.arg(&container.body, "storage_account_id"));
        for account in accounts.collect::<Vec<_>>() {
            // The account refuses anonymous access, or the network does not let anyone in.
            let refused = [
                "allow_nested_items_to_be_public",
                "allow_blob_public_access",
                "public_network_access_enabled",
            ]
            .iter()
            .any(|k| account.body.get(k).and_then(Value::as_bool) == Some(false));
            let denied =
                |rules: &Value| rules.get("default_action").and_then(Value::as_str) == Some("Deny");
            let closed = account.body.all("network_rules").into_iter().any(denied)
                || denying.contains(account.address.as_str());
            if refused || closed {
                continue;
            }
            let https_only = ["https_traffic_only_enabled", "enable_https_traffic_only"]
                .iter()
                .find_map(|k| account.body.get(k).and_then(Value::as_bool))
                .unwrap_or(true);
            let mut flow = Door {
                target: &account.address,
                protocol: Some(if https_only { "https" } else { "http" }.into()),
                port: None,
                origin: "public-container",
                span: access.span().clone(),
                public: Tri::Yes,
                encrypted: Some(Tri::from_bool(https_only)),
                authenticated: Some(Tri::No),
            }
            .flow(root);
            flow.attributes
                .set_flag(AttrName::ReadOnly, Tri::Yes, Some(access.span().clone()));
            // The provider's default minimum is TLS 1.2.
            let minimum = account.body.get("min_tls_version");
            let outdated = match minimum.and_then(Value::as_str) {
                Some("TLS1_0" | "TLS1_1") => Tri::Yes,
                Some(_) => Tri::No,
                None if minimum.is_some() => Tri::Unknown,
                None => Tri::No,
            };
            flow.attributes.set_flag(
                AttrName::OutdatedTls,
                outdated,
                minimum.map(|m| m.span().clone()),
            );
            flows.push(flow);
        }
    }
}

/// Container registries that let anyone pull (`anonymous_pull_enabled = true`, which only the
/// Standard and Premium tiers honour): a door from the internet at that
/// setting, without credentials and read-only, unless the registry's network is closed
/// (`public_network_access_enabled = false`, or network rules that deny by default).
fn anonymous_pulls(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for registry in index.of_kind("azurerm_container_registry") {
        let Some(setting) = registry
            .body
            .get("anonymous_pull_enabled")
            .filter(|v| v.as_bool() == Some(true))
        else {
            continue;
        };
        // Without a tier the older provider made a Classic registry, which has no anonymous
        // pull either.
        let honoured = registry
            .body
            .get("sku")
            .and_then(Value::as_str)
            .is_some_and(|sku| {
                sku.eq_ignore_ascii_case("standard") || sku.eq_ignore_ascii_case("premium")
            });
        let private = registry
            .body
            .get("public_network_access_enabled")
            .and_then(Value::as_bool)
            == Some(false);
        if !honoured || private || narrowed_by_own_rules(registry).0 == Tri::Yes {
            continue;
        }
        let mut flow = Door {
            target: &registry.address,
            protocol: Some("https".into()),
            port: Some("443".into()),
            origin: "anonymous-pull",
            span: setting.span().clone(),
            public: Tri::Yes,
            encrypted: Some(Tri::Yes),
            authenticated: Some(Tri::No),
        }
        .flow(root);
        flow.attributes
            .set_flag(AttrName::ReadOnly, Tri::Yes, Some(setting.span().clone()));
        flows.push(flow);
    }
}

/// AKS API servers are public unless the cluster is private or its authorized ranges exclude
/// the internet.
fn kubernetes_endpoints(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for cluster in index.of_kind("azurerm_kubernetes_cluster") {
        let private = cluster.body.get("private_cluster_enabled");
        if private.and_then(Value::as_bool) == Some(true) {
            continue;
        }
        // The v3 argument or the v4 block, whichever says something.
        let profile_ranges = at(
            &cluster.body,
            &[
                "api_server_access_profile".into(),
                "authorized_ip_ranges".into(),
            ],
        );
        let ranges = [
            cluster.body.get("api_server_authorized_ip_ranges"),
            profile_ranges,
        ]
        .into_iter()
        .flatten()
        .find(|list| list.is_unknown() || !list.items().is_empty());
        let public = match ranges {
            Some(list) if list.is_unknown() => Tri::Unknown,
            Some(list) if !list.items().is_empty() => {
                if admits_internet(Some(list)).is_none() {
                    continue;
                }
                Tri::Yes
            }
            _ if private.is_some_and(Value::is_unknown) => Tri::Unknown,
            _ => Tri::Yes,
        };
        let span = ranges
            .or(private)
            .map_or_else(|| cluster.span.clone(), |v| v.span().clone());
        flows.push(api_server_door(
            root,
            cluster,
            "aks-api-server",
            span,
            public,
        ));
    }
}

/// Front Door endpoints take HTTPS (and HTTP, unless every route redirects or refuses it)
/// from anywhere.
fn front_doors(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for door in index.of_kinds(&["azurerm_frontdoor", "azurerm_cdn_frontdoor_endpoint"]) {
        flows.push(
            Door {
                target: &door.address,
                protocol: Some("https".into()),
                port: Some("443".into()),
                origin: "front-door",
                span: door.span.clone(),
                public: Tri::Yes,
                encrypted: Some(Tri::Yes),
                authenticated: None,
            }
            .flow(root),
        );
    }
}

/// What sits behind gateways and load balancers: machines whose interfaces join a backend
/// pool, scale sets whose interface configurations name one, and apps or addresses a
/// gateway's pool names.
fn backends(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    let mut on_interface: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for machine in index.all() {
        for nic in index.arg(&machine.body, "network_interface_ids") {
            on_interface.entry(&nic.address).or_default().push(machine);
        }
    }
    // A pool id names the gateway itself (its pools are blocks), a load balancer's pool, or
    // one of its inbound NAT rules or pools.
    let balancers_of = |pool: &Value| -> Vec<&Resource> {
        index
            .resolve_all(pool)
            .into_iter()
            .flat_map(|p| {
                if matches!(
                    p.kind.as_str(),
                    "azurerm_lb_backend_address_pool"
                        | "azurerm_lb_nat_rule"
                        | "azurerm_lb_nat_pool"
                ) {
                    index.arg(&p.body, "loadbalancer_id")
                } else {
                    vec![p]
                }
            })
            .filter(|b| b.kind == "azurerm_application_gateway" || b.kind == "azurerm_lb")
            .collect()
    };
    let mut link = |balancer: &Resource, target: &Resource, span: Span| {
        if crate::catalog::entry(&target.kind).is_none() || balancer.address == target.address {
            return;
        }
        // A gateway speaks to its backends as its first HTTP setting says.
        let setting = balancer
            .body
            .all("backend_http_settings")
            .into_iter()
            .next();
        let protocol = setting
            .and_then(|s| s.get("protocol"))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        let ports = setting
            .and_then(|s| crate::cloud::port_text(s.get("port")))
            .into_iter()
            .collect();
        flows.push(Flow::new(
            trustmap_model::ElementId(id(root, &balancer.address)),
            trustmap_model::ElementId(id(root, &target.address)),
            protocol,
            ports,
            "backend-pool",
            Some(span),
        ));
    };
    for association in index.of_kinds(&[
        "azurerm_network_interface_application_gateway_backend_address_pool_association",
        "azurerm_network_interface_backend_address_pool_association",
        "azurerm_network_interface_nat_rule_association",
    ]) {
        let Some(pool) = association
            .body
            .get("backend_address_pool_id")
            .or_else(|| association.body.get("nat_rule_id"))
        else {
            continue;
        };
        for balancer in balancers_of(pool) {
            for nic in index.arg(&association.body, "network_interface_id") {
                for machine in on_interface.get(nic.address.as_str()).into_iter().flatten() {
                    link(balancer, machine, association.span.clone());
                }
            }
        }
    }
    for set in index
        .all()
        .iter()
        .filter(|r| crate::catalog::entry(&r.kind).is_some_and(|e| e.role == Some(Role::ScaleSet)))
    {
        let configurations = set
            .body
            .all("network_interface")
            .into_iter()
            .flat_map(|n| n.all("ip_configuration"));
        for configuration in configurations {
            for key in [
                "application_gateway_backend_address_pool_ids",
                "load_balancer_backend_address_pool_ids",
                "load_balancer_inbound_nat_rules_ids",
            ] {
                if let Some(pools) = configuration.get(key) {
                    for balancer in balancers_of(pools) {
                        link(balancer, set, pools.span().clone());
                    }
                }
            }
        }
    }
    for gateway in index.of_kind("azurerm_application_gateway") {
        for pool in gateway.body.all("backend_address_pool") {
            for key in ["fqdns", "ip_addresses"] {
                if let Some(members) = pool.get(key) {
                    for target in index.resolve_all(members) {
                        link(gateway, target, members.span().clone());
                    }
                }
            }
        }
    }
}

//! What every cloud provider's mapping shares: the registry of providers, element ids, doors
//! from the internet, the resource index, and the relationships the catalog states as data
//! (zones and their parents, placements, identities, flags and companions, address-range
//! firewall rules), read here once for every provider.

use crate::catalog::{self, ArgPath, Entry, FlagSource};
use crate::value::{Resource, Value};
use crate::{aws, azure, google};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_containers as containers;
use trustmap_model::{
    AttrName, Attributes, EVERY_PORT, Element, ElementId, Flow, Fragment, INTERNET_ELEMENT,
    Protocol, Span, Tri, TrustLevel, Zone, ZoneId, ZoneKind,
};

/// The element id of a resource: `tf:aws_db_instance.main`, or with the root module's folder
/// when a scan has several roots (`tf:envs/prod:aws_db_instance.main`).
pub(crate) fn id(root: &str, address: &str) -> String {
    if root.is_empty() {
        format!("tf:{address}")
    } else {
        format!("tf:{root}:{address}")
    }
}

/// A flow from the internet into a resource, with what every door states: whether it is
/// public, and its encryption and authentication when the code says, all at the span that
/// opens it.
pub(crate) struct Door<'a> {
    pub(crate) target: &'a str,
    pub(crate) protocol: Option<String>,
    pub(crate) port: Option<String>,
    pub(crate) origin: &'static str,
    pub(crate) span: Span,
    pub(crate) public: Tri,
    pub(crate) encrypted: Option<Tri>,
    pub(crate) authenticated: Option<Tri>,
}

impl Door<'_> {
    pub(crate) fn flow(self, root: &str) -> Flow {
        let mut flow = Flow::new(
            ElementId(INTERNET_ELEMENT.into()),
            ElementId(id(root, self.target)),
            self.protocol,
            self.port.into_iter().collect(),
            self.origin,
            Some(self.span.clone()),
        );
        flow.attributes
            .set_flag(AttrName::Public, self.public, Some(self.span.clone()));
        for (name, value) in [
            (AttrName::EncryptedInTransit, self.encrypted),
            (AttrName::Authenticated, self.authenticated),
        ] {
            if let Some(value) = value {
                flow.attributes
                    .set_flag(name, value, Some(self.span.clone()));
            }
        }
        flow
    }
}

/// Doors from the internet into a data store that do not say whether their traffic is
/// encrypted (a firewall rule opens the store's port) carry what the store says of its clients'
/// connections (`encrypted_in_transit`: a parameter group's `rds.force_ssl`, a server's TLS
/// enforcement), at the setting that says it. Doors whose protocol decides it themselves (HTTP,
/// HTTPS) and doors for all traffic are left as they are. Doors that say nothing of their TLS
/// versions carry the minimum of the store or service they open (`outdated_tls`: Azure's
/// `minimum_tls_version`, an API Gateway domain's `security_policy`).
pub(crate) fn store_transport(elements: &[Element], flows: &mut [Flow]) {
    let targets: BTreeMap<&str, &Element> = elements.iter().map(|e| (e.id.0.as_str(), e)).collect();
    for flow in flows.iter_mut().filter(|f| f.source.0 == INTERNET_ELEMENT) {
        let Some(target) = targets.get(flow.target.0.as_str()) else {
            continue;
        };
        let store = &target.attributes;
        let is_store = target.kind == trustmap_model::ElementKind::DataStore;
        let undecided = flow.attributes.get(AttrName::EncryptedInTransit).is_some()
            && flow.attributes.flag(AttrName::EncryptedInTransit) == Tri::Unknown;
        let own_protocol = matches!(
            flow.protocol,
            Some(Protocol::All | Protocol::Http | Protocol::Https) | None
        );
        if let Some(said) = store.get(AttrName::EncryptedInTransit)
            && is_store
            && undecided
            && !own_protocol
        {
            let span = said.span.clone().or_else(|| flow.span.clone());
            flow.attributes.set_flag(
                AttrName::EncryptedInTransit,
                store.flag(AttrName::EncryptedInTransit),
                span,
            );
        }
        // The store's minimum TLS version is what a client on the door negotiates.
        if let Some(versions) = store.get(AttrName::OutdatedTls)
            && flow.attributes.get(AttrName::OutdatedTls).is_none()
        {
            let span = versions.span.clone().or_else(|| flow.span.clone());
            flow.attributes.set_flag(
                AttrName::OutdatedTls,
                store.flag(AttrName::OutdatedTls),
                span,
            );
        }
    }
}

/// Whether a listener protocol encrypts (`https`, `tls`, `ssl`) or not (`http`).
pub(crate) fn listener_encryption(protocol: &str) -> Tri {
    match protocol {
        "https" | "tls" | "ssl" => Tri::Yes,
        "http" => Tri::No,
        _ => Tri::Unknown,
    }
}

/// A version as written (`"1.2"`), or unquoted as a number (`1.2`): `1.0` and `1` are
/// `"1.0"`, the version they mean, not the `"1"` a number prints as.
pub(crate) fn version_text(value: &Value) -> Option<String> {
    let number = match value {
        Value::Number(n, _) => *n,
        Value::String(text, _) if !text.contains('.') => match text.parse::<u32>() {
            Ok(major) => f64::from(major),
            Err(_) => return Some(text.clone()),
        },
        Value::String(text, _) => return Some(text.clone()),
        _ => return None,
    };
    (number.is_finite() && number >= 0.0).then(|| {
        if number.fract() == 0.0 {
            format!("{number:.1}")
        } else {
            number.to_string()
        }
    })
}

/// A port argument as text (`80`).
pub(crate) fn port_text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_f64)
        .map(|p| (p as i64).to_string())
}

/// The addresses a value refers to: itself, or the items of a list, lists of lists included
/// (a plan's unknown list items each carry the argument's references).
pub(crate) fn referenced(value: &Value) -> Vec<String> {
    match value {
        Value::Reference { address, .. } => vec![address.clone()],
        Value::List(items, _) => items.iter().flat_map(referenced).collect(),
        _ => Vec::new(),
    }
}

/// Every resource address that the resources of `index` refer to anywhere in their arguments,
/// but for resources of the `except` kinds (a door's own rules name it without attaching it),
/// by full and by base address.
pub(crate) fn referenced_addresses(index: &Index, except: &[&str]) -> BTreeSet<String> {
    fn walk(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Reference { address, .. } => {
                out.insert(address.clone());
            }
            Value::List(items, _) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(fields, _) => fields.iter().for_each(|(_, v)| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for resource in index.all() {
        if !except.contains(&resource.kind.as_str()) {
            walk(&resource.body, &mut out);
        }
    }
    out
}

/// Whether a door (a security group, a network security group) is attached to nothing in the
/// scanned code: no resource but its own rules refers to it.
pub(crate) fn unattached(door: &Resource, referenced: &BTreeSet<String>) -> bool {
    !referenced.contains(&door.address) && !referenced.contains(&door.base_address)
}

/// The address of the element that stands for what an unattached door guards.
pub(crate) fn guarded_address(door: &Resource) -> String {
    format!("{}/guarded", door.address)
}

/// The element that stands for what `door` guards when nothing in the scanned code is attached
/// to it (`unattached`): the flows the door admits lead to it, so that what it opens to the
/// internet gets a decision before it is on a path.
pub(crate) fn guarded_by_unattached(root: &str, door: &Resource, zone: &str) -> Element {
    let mut attributes = Attributes::default();
    attributes.set_flag(AttrName::Unattached, Tri::Yes, Some(door.span.clone()));
    Element {
        id: ElementId(id(root, &guarded_address(door))),
        kind: trustmap_model::ElementKind::Process,
        name: format!("whatever {} guards", door.address),
        technology: Some("unattached-door".into()),
        zone: ZoneId(zone.to_string()),
        attached_zones: Vec::new(),
        called_from: door.called_from.clone(),
        span: Some(door.span.clone()),
        attributes,
    }
}

pub(crate) fn at<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::List(items, _) => items.first().and_then(|first| first.get(key)),
        other => other.get(key),
    })
}

/// The resources of one provider in one module tree, indexed once for every pass: by address
/// (a reference names `aws_subnet.public` or one instance of it), by type, and by argument.
pub(crate) struct Index<'r> {
    resources: &'r [Resource],
    by_address: BTreeMap<&'r str, &'r Resource>,
    by_base: BTreeMap<&'r str, Vec<&'r Resource>>,
    /// Positions in `resources`, in source order.
    by_kind: BTreeMap<&'r str, Vec<usize>>,
}

impl<'r> Index<'r> {
    pub(crate) fn new(resources: &'r [Resource]) -> Index<'r> {
        let mut by_base: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
        let mut by_kind: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (position, r) in resources.iter().enumerate() {
            by_base.entry(r.base_address.as_str()).or_default().push(r);
            by_kind.entry(r.kind.as_str()).or_default().push(position);
        }
        Index {
            resources,
            by_address: resources.iter().map(|r| (r.address.as_str(), r)).collect(),
            by_base,
            by_kind,
        }
    }

    /// Every resource, in source order.
    pub(crate) fn all(&self) -> &'r [Resource] {
        self.resources
    }

    /// The resources of one type, in source order.
    pub(crate) fn of_kind(&self, kind: &str) -> impl Iterator<Item = &'r Resource> + '_ {
        let resources = self.resources;
        self.by_kind
            .get(kind)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(move |&p| &resources[p])
    }

    /// The resources of several types, in source order.
    pub(crate) fn of_kinds(&self, kinds: &[&str]) -> Vec<&'r Resource> {
        let mut positions: Vec<usize> = kinds
            .iter()
            .filter_map(|k| self.by_kind.get(k))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.into_iter().map(|p| &self.resources[p]).collect()
    }

    pub(crate) fn resolve(&self, address: &str) -> Vec<&'r Resource> {
        match self.by_address.get(address) {
            Some(r) => vec![*r],
            None => self.by_base.get(address).cloned().unwrap_or_default(),
        }
    }

    /// The resources of `kind` whose `name` is the literal `value` (Azure names a security
    /// group or a server by its name as often as by a reference).
    pub(crate) fn named(&self, kind: &str, value: Option<&Value>) -> Vec<&'r Resource> {
        let Some(name) = value.and_then(Value::as_str) else {
            return Vec::new();
        };
        self.of_kind(kind)
            .filter(|r| r.body.get("name").and_then(Value::as_str) == Some(name))
            .collect()
    }

    /// The resources an argument of `body` refers to (none when it is absent).
    pub(crate) fn arg(&self, body: &Value, key: &str) -> Vec<&'r Resource> {
        body.get(key)
            .map(|v| self.resolve_all(v))
            .unwrap_or_default()
    }

    /// The resources the first present of several argument paths refers to.
    pub(crate) fn arg_path(&self, body: &Value, paths: &[ArgPath]) -> Vec<&'r Resource> {
        paths
            .iter()
            .find_map(|p| at(body, p))
            .map(|v| self.resolve_all(v))
            .unwrap_or_default()
    }

    pub(crate) fn resolve_all(&self, value: &Value) -> Vec<&'r Resource> {
        referenced(value)
            .iter()
            .flat_map(|a| self.resolve(a))
            .collect()
    }

    /// The zone a resource is placed in by the first of its placement arguments that names
    /// one: a subnet or network directly, or through what stands for subnets (a subnet group,
    /// a network interface).
    pub(crate) fn placement(&self, resource: &Resource, entry: &Entry) -> Option<&'r Resource> {
        entry.placement.iter().find_map(|path| {
            at(&resource.body, path)
                .map(|v| self.placed_in(v))
                .unwrap_or_default()
                .into_iter()
                .find(|r| catalog::zone(&r.kind).is_some())
        })
    }

    /// Every subnet or network a placement argument's value names: directly, or through what
    /// stands for subnets (a subnet group's subnets, an interface's subnet).
    pub(crate) fn placed_in(&self, value: &Value) -> Vec<&'r Resource> {
        self.resolve_all(value)
            .into_iter()
            .flat_map(|r| match catalog::facts(&r.kind) {
                Some(facts) if !facts.places_in.is_empty() => {
                    self.arg_path(&r.body, &facts.places_in)
                }
                _ => vec![r],
            })
            .collect()
    }

    /// The resource a part belongs to (an API stage's API, a subscription's topic), or the
    /// resource itself when the catalog names no whole for it.
    pub(crate) fn whole(&self, part: &'r Resource) -> &'r Resource {
        catalog::facts(&part.kind)
            .filter(|f| !f.part_of.is_empty())
            .and_then(|f| self.arg_path(&part.body, &f.part_of).into_iter().next())
            .unwrap_or(part)
    }

    /// The identity a resource runs as, following what stands for one (an instance profile
    /// names its role, a task definition its task role); none when it names none.
    pub(crate) fn identity(&self, resource: &Resource) -> Option<&'r Resource> {
        fn follow<'r>(
            index: &Index<'r>,
            body: &Value,
            paths: &[ArgPath],
            depth: u8,
        ) -> Option<&'r Resource> {
            index.arg_path(body, paths).into_iter().find_map(|r| {
                // A resource that names an identity itself is a link (an instance profile, a
                // service's task definition), even when it is an element of its own.
                let link = catalog::identity_paths(&r.kind);
                match (link.is_empty(), depth) {
                    (true, _) => Some(r),
                    (false, 0) => None,
                    (false, _) => follow(index, &r.body, link, depth - 1),
                }
            })
        }
        follow(
            self,
            &resource.body,
            catalog::identity_paths(&resource.kind),
            3,
        )
    }
}

pub(crate) fn port_number(value: Option<&Value>) -> Option<i64> {
    value.and_then(Value::as_f64).map(|n| n as i64)
}

/// Ports, protocol and encryption in transit of a firewall rule (a security group, a network
/// security group, a VPC firewall): the protocol and TLS
/// follow from a single well-known port; a range or "all traffic" leaves encryption unknown.
/// Ports are written as [`Flow::new`] reads them: every port as [`EVERY_PORT`]; protocols by
/// their name in the vocabulary (`6` is `tcp`), all traffic as `all`.
pub(crate) fn describe(
    protocol: &str,
    from_port: Option<i64>,
    to_port: Option<i64>,
) -> (Vec<String>, Option<String>, Tri) {
    let protocol = protocol.to_ascii_lowercase();
    // IANA protocol numbers, as AWS and Google accept them.
    let protocol = match protocol.as_str() {
        "1" => "icmp",
        "4" => "ipip",
        "6" => "tcp",
        "17" => "udp",
        "47" => "gre",
        "50" => "esp",
        "51" => "ah",
        "58" => "icmpv6",
        "132" => "sctp",
        other => other,
    };
    // ICMP, ESP, AH and the like have no ports: whatever range is written means nothing.
    let has_ports = matches!(protocol, "tcp" | "udp" | "sctp");
    let all = matches!(protocol, "-1" | "all" | "*");
    if !all && !has_ports {
        return (Vec::new(), Some(protocol.to_string()), Tri::Unknown);
    }
    if all {
        return (
            vec![EVERY_PORT.to_string()],
            Some(Protocol::All.to_string()),
            Tri::Unknown,
        );
    }
    // Every port of one protocol is that protocol on every port, not all traffic: UDP on
    // 0-65535 does not carry SSH.
    if from_port == Some(0) && to_port == Some(65535) {
        return (
            vec![EVERY_PORT.to_string()],
            Some(protocol.to_string()),
            Tri::Unknown,
        );
    }
    let ports = match (from_port, to_port) {
        (Some(a), Some(b)) if a == b => vec![a.to_string()],
        (Some(a), Some(b)) => vec![format!("{a}-{b}")],
        (Some(a), None) | (None, Some(a)) => vec![a.to_string()],
        (None, None) => Vec::new(),
    };
    let known = from_port
        .filter(|_| from_port == to_port)
        .and_then(|p| u16::try_from(p).ok())
        .and_then(containers::port_protocol);
    match known {
        Some((protocol, tls)) => (
            ports,
            Some(protocol.to_string()),
            tls.map_or(Tri::Unknown, Tri::from_bool),
        ),
        None => (ports, Some(protocol.to_string()), Tri::Unknown),
    }
}

/// Sets the flags a catalog entry reads from a resource's arguments: a written value at its
/// span, the provider's default at none (its default inside the block, when the block is
/// written without the argument and the provider's default differs there). A block or a
/// non-empty value counts as set (`logging { ... }`); a word counts as yes when the entry lists
/// it (`status = "Enabled"`); a number as yes unless zero (`backup_retention_period = 0`). An
/// argument that decides the flag on its own (`yes_if`) makes it yes; unknown, it leaves a no
/// unknown. A block not known statically (a `dynamic` block over an unknown collection) leaves
/// what it would hold unknown, never the default.
pub(crate) fn read_flags(
    body: &Value,
    flags: &[(AttrName, FlagSource)],
    attributes: &mut Attributes,
) {
    for (attr, source) in flags {
        // The first alternative written with a value (`a|b`), else the first written at all.
        let written = source
            .paths
            .iter()
            .filter_map(|p| at(body, p))
            .find(|v| !matches!(v, Value::Null(_)))
            .or_else(|| source.paths.iter().find_map(|p| at(body, p)));
        let (mut truth, mut span) = match written {
            Some(v) if v.not_static() => (Tri::Unknown, Some(v.span().clone())),
            Some(v) => (written_flag(v, source), Some(v.span().clone())),
            None => match source
                .paths
                .iter()
                .find_map(|p| unknown_on_the_way(body, p))
            {
                Some(unknown) => (Tri::Unknown, Some(unknown.span().clone())),
                None => match written_block(body, source) {
                    Some((value, block)) => (value, Some(block.span().clone())),
                    None => (source.default, None),
                },
            },
        };
        if let Some(condition) = &source.yes_if
            && let Some(decider) = at(body, &condition.path)
        {
            let decides = decider
                .as_str()
                .is_some_and(|word| condition.words.iter().any(|w| w.eq_ignore_ascii_case(word)));
            let unknown = decider.not_static();
            if decides || (unknown && truth == Tri::No) {
                truth = if decides { Tri::Yes } else { Tri::Unknown };
                span = Some(decider.span().clone());
            }
        }
        attributes.set_flag(*attr, truth, span);
    }
}

/// What a written argument says of a flag.
fn written_flag(v: &Value, source: &FlagSource) -> Tri {
    match v {
        _ if v.as_bool().is_some() => Tri::from_bool(v.as_bool() != Some(source.invert)),
        // A version written unquoted (`minimum_tls_version = 1.0`) is the word it means.
        Value::Number(_, _) if !source.yes_when.is_empty() => {
            Tri::from_bool(version_text(v).is_some_and(|text| source.yes_when.contains(&text)))
        }
        Value::Number(n, _) => Tri::from_bool((*n != 0.0) != source.invert),
        // A count written as a string (`"0"`) is still a count.
        Value::String(_, _) if source.yes_when.is_empty() && v.as_f64().is_some() => {
            Tri::from_bool((v.as_f64() != Some(0.0)) != source.invert)
        }
        Value::String(word, _) if !source.yes_when.is_empty() => {
            Tri::from_bool(source.yes_when.iter().any(|w| w.eq_ignore_ascii_case(word)))
        }
        Value::Null(_) => source.default,
        Value::List(items, _) if items.is_empty() => source.default,
        _ => Tri::Yes,
    }
}

/// The first value on the way to an argument that is not known statically (an unknown block,
/// a reference): what is under it is unknown too.
fn unknown_on_the_way<'v>(body: &'v Value, path: &[String]) -> Option<&'v Value> {
    (1..path.len()).find_map(|depth| at(body, &path[..depth]).filter(|v| v.not_static()))
}

/// The provider's default inside a block that is written without the flag's argument, with
/// that block (`access_logs { bucket = "logs" }` for `access_logs.enabled`).
fn written_block<'v>(body: &'v Value, source: &FlagSource) -> Option<(Tri, &'v Value)> {
    let value = source.block_default?;
    source.paths.iter().find_map(|path| {
        let (_, parent) = path.split_last()?;
        let block =
            at(body, parent).filter(|b| !parent.is_empty() && !matches!(b, Value::Null(_)))?;
        Some((value, block))
    })
}

/// The flags a resource states through its catalog entry, and through the companions that
/// configure it (`aws_s3_bucket_versioning`, `azurerm_monitor_diagnostic_setting`): a
/// companion that may configure it (its target is not known) makes those flags unknown. A
/// flag several companions state holds only as far as every one says so (an API logs only
/// when each of its stages does), at the first that says the least.
pub(crate) fn catalog_attributes(
    resource: &Resource,
    flags: &[(AttrName, FlagSource)],
    companions: &BTreeMap<String, Vec<Companioned<'_>>>,
) -> Attributes {
    let mut attributes = Attributes::default();
    read_flags(&resource.body, flags, &mut attributes);
    let mut stated: BTreeMap<AttrName, (Tri, Option<Span>)> = BTreeMap::new();
    for companion in companions.get(&resource.address).into_iter().flatten() {
        let Some(facts) = catalog::companion(&companion.resource.kind) else {
            continue;
        };
        let mut own = Attributes::default();
        if companion.certain {
            read_flags(&companion.resource.body, &facts.flags, &mut own);
        } else {
            for (name, _) in &facts.flags {
                let span = Some(companion.resource.span.clone());
                own.set_flag(*name, Tri::Unknown, span);
            }
        }
        for (name, _) in &facts.flags {
            let value = own.flag(*name);
            // A companion's default is said where the companion is declared.
            let span = own
                .get(*name)
                .and_then(|a| a.span.clone())
                .or_else(|| Some(companion.resource.span.clone()));
            stated
                .entry(*name)
                .and_modify(|(so_far, at)| {
                    let combined = so_far.and(value);
                    if combined != *so_far {
                        *at = span.clone();
                    }
                    *so_far = combined;
                })
                .or_insert((value, span));
        }
    }
    for (name, (value, span)) in stated {
        attributes.set_flag(name, value, span);
    }
    attributes
}

/// A resource that configures another: certainly, or perhaps (its target is not known).
pub(crate) struct Companioned<'r> {
    pub(crate) resource: &'r Resource,
    pub(crate) certain: bool,
}

/// The resources that configure another one, by the address of the one they configure. A
/// companion whose target cannot be resolved may configure any resource of the types it
/// configures that no companion of its kind certainly configures. A companion of a part (an
/// API's stage) configures the whole.
pub(crate) fn companions<'r>(index: &Index<'r>) -> BTreeMap<String, Vec<Companioned<'r>>> {
    let resources = index.all();
    let mut companions: BTreeMap<String, Vec<Companioned<'r>>> = BTreeMap::new();
    let mut unresolved: Vec<&Resource> = Vec::new();
    for r in resources {
        let Some(facts) = catalog::companion(&r.kind) else {
            continue;
        };
        let target = at(&r.body, &facts.attaches_to);
        let parents = target.map(|v| index.resolve_all(v)).unwrap_or_default();
        if parents.is_empty() && target.is_some() {
            unresolved.push(r);
        }
        for parent in parents.into_iter().map(|part| index.whole(part)) {
            companions
                .entry(parent.address.clone())
                .or_default()
                .push(Companioned {
                    resource: r,
                    certain: true,
                });
        }
    }
    for companion in unresolved {
        let of = catalog::companion(&companion.kind).map_or(&[][..], |f| f.of.as_slice());
        let kinds: Vec<&str> = of.iter().map(String::as_str).collect();
        for parent in index.of_kinds(&kinds) {
            let configured = companions.entry(parent.address.clone()).or_default();
            if !configured
                .iter()
                .any(|c| c.certain && c.resource.kind == companion.kind)
            {
                configured.push(Companioned {
                    resource: companion,
                    certain: false,
                });
            }
        }
    }
    companions
}

/// The element of a catalogued resource.
pub(crate) fn element(
    root: &str,
    resource: &Resource,
    entry: &Entry,
    zone: String,
    attributes: Attributes,
) -> Element {
    Element {
        id: ElementId(id(root, &resource.address)),
        kind: entry.kind,
        name: resource.address.clone(),
        technology: Some(entry.technology.clone()),
        zone: ZoneId(zone),
        attached_zones: Vec::new(),
        called_from: resource.called_from.clone(),
        span: Some(resource.span.clone()),
        attributes,
    }
}

/// The zone of a provider's account, subscription or project, inside the internet.
pub(crate) fn provider_zone(id: &str, name: &str) -> Zone {
    Zone {
        id: ZoneId(id.to_string()),
        kind: ZoneKind::Cloud,
        name: name.to_string(),
        parent: Some(ZoneId::internet()),
        trust: TrustLevel::Medium,
        span: None,
        attributes: Attributes::default(),
    }
}

/// The zone of a network or subnet resource, at the resource's span.
pub(crate) fn network_zone(
    root: &str,
    resource: &Resource,
    kind: ZoneKind,
    name: String,
    parent: String,
    attributes: Attributes,
) -> Zone {
    Zone {
        id: ZoneId(id(root, &resource.address)),
        kind,
        name,
        parent: Some(ZoneId(parent)),
        trust: TrustLevel::Medium,
        span: Some(resource.span.clone()),
        attributes,
    }
}

/// The door of a managed Kubernetes API server (EKS, AKS, GKE) open to the internet.
pub(crate) fn api_server_door(
    root: &str,
    cluster: &Resource,
    origin: &'static str,
    span: Span,
    public: Tri,
) -> Flow {
    Door {
        target: &cluster.address,
        protocol: Some("kubernetes-api".into()),
        port: Some("443".into()),
        origin,
        span,
        public,
        encrypted: Some(Tri::Yes),
        authenticated: None,
    }
    .flow(root)
}

/// A door into data anyone may reach (a public bucket, container or dataset): over HTTPS,
/// without credentials, read-only or not.
pub(crate) fn public_data_door(
    address: &str,
    origin: &'static str,
    span: Span,
    read_only: Tri,
    root: &str,
) -> Flow {
    let mut flow = Door {
        target: address,
        protocol: Some("https".into()),
        port: None,
        origin,
        span: span.clone(),
        public: Tri::Yes,
        encrypted: None,
        authenticated: Some(Tri::No),
    }
    .flow(root);
    flow.attributes
        .set_flag(AttrName::ReadOnly, read_only, Some(span));
    flow
}

/// Every reference in a value, with the span that writes it (lists and objects walked).
fn references_in<'v>(value: &'v Value, out: &mut Vec<(&'v str, &'v Span)>) {
    match value {
        Value::Reference { address, span, .. } => out.push((address, span)),
        Value::List(items, _) => items.iter().for_each(|v| references_in(v, out)),
        Value::Object(fields, _) => fields.iter().for_each(|(_, v)| references_in(v, out)),
        _ => {}
    }
}

/// A process configured with a data store (a function's environment naming a table, a Cloud
/// Run service's `REDISHOST`, a balancer's access-log bucket) talks to it: a flow from the
/// process to the store at the reference, unless the mapping already drew one between them.
pub(crate) fn configured_flows(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    let resources = index.all();
    let drawn: std::collections::BTreeSet<(String, String)> = flows
        .iter()
        .map(|f| (f.source.0.clone(), f.target.0.clone()))
        .collect();
    let kind_of = |r: &Resource| catalog::entry(&r.kind).map(|e| e.kind);
    let mut added = std::collections::BTreeSet::new();
    for process in resources
        .iter()
        .filter(|r| kind_of(r) == Some(trustmap_model::ElementKind::Process))
    {
        let mut named = Vec::new();
        references_in(&process.body, &mut named);
        for (address, span) in named {
            for store in index.resolve(address) {
                if kind_of(store) != Some(trustmap_model::ElementKind::DataStore) {
                    continue;
                }
                let pair = (id(root, &process.address), id(root, &store.address));
                if drawn.contains(&pair) || !added.insert(pair.clone()) {
                    continue;
                }
                flows.push(Flow::new(
                    ElementId(pair.0),
                    ElementId(pair.1),
                    None,
                    Vec::new(),
                    "configuration",
                    Some(span.clone()),
                ));
            }
        }
    }
}

/// The zones of the networks and subnets the catalog knows (networks first, then subnets,
/// each in source order): inside the first zone their parent argument names, else inside the
/// provider's own zone; their flags read as the catalog says, companions (flow logs) included.
pub(crate) fn zones(
    index: &Index,
    root: &str,
    top: &str,
    companions: &BTreeMap<String, Vec<Companioned<'_>>>,
) -> Vec<Zone> {
    let mut zoned: Vec<(&Resource, &catalog::ZoneFacts)> = index
        .all()
        .iter()
        .filter_map(|r| catalog::zone(&r.kind).map(|z| (r, z)))
        .collect();
    zoned.sort_by_key(|(_, z)| z.kind != ZoneKind::Vpc);
    let mut zones = zoned
        .into_iter()
        .map(|(r, facts)| {
            let parent = facts
                .parent
                .iter()
                .flat_map(|p| {
                    at(&r.body, p)
                        .map(|v| index.resolve_all(v))
                        .unwrap_or_default()
                })
                .find(|p| catalog::zone(&p.kind).is_some())
                .map_or_else(|| top.to_string(), |p| id(root, &p.address));
            // Only the flags the zone declares: a companion that may configure anything (a
            // diagnostic setting) says nothing of a network's own flags.
            let read = catalog_attributes(r, &facts.flags, companions);
            let mut attributes = Attributes::default();
            for (name, _) in &facts.flags {
                if let Some(attribute) = read.get(*name) {
                    attributes.set_flag(*name, read.flag(*name), attribute.span.clone());
                }
            }
            network_zone(
                root,
                r,
                facts.kind,
                format!("{} {}", facts.label, r.address),
                parent,
                attributes,
            )
        })
        .collect::<Vec<Zone>>();
    link_zones(index, root, &mut zones);
    zones
}

/// What one side of a link is, as the other side's zone names it: a network of the code by
/// its label and address, a hub or gateway by its address, else what the code writes
/// (`servicenetworking.googleapis.com`) or that it is outside the scanned code.
fn link_side_name(value: Option<&Value>, side: Option<&Resource>) -> String {
    match (side, value) {
        (Some(side), _) => match catalog::zone(&side.kind) {
            Some(zone) => format!("{} {}", zone.label, side.address),
            None => side.address.clone(),
        },
        (None, Some(Value::String(text, _))) => text.clone(),
        _ => "a network outside the scanned code".to_string(),
    }
}

/// The zone a link's network side names: a network, or the zone of the router or gateway it
/// names (where the catalog places it).
fn network_side<'r>(index: &Index<'r>, value: &Value) -> Option<&'r Resource> {
    index.resolve_all(value).into_iter().find_map(|side| {
        if catalog::zone(&side.kind).is_some() {
            return Some(side);
        }
        let entry = catalog::entry(&side.kind)?;
        index.placement(side, entry)
    })
}

/// Links the zones that the catalog's `links` join (peerings, hub and transit gateway
/// attachments, private service connections): each side's zone lists the other in
/// `linked_zones`, at the link; networks attached to one hub or gateway each list the hub,
/// which links them (one item per attachment, never one per pair: linear in the links).
fn link_zones(index: &Index, root: &str, zones: &mut [Zone]) {
    // (the network, what it is linked to, the link's label and resource).
    let mut links: Vec<(Option<&Resource>, Option<&Resource>, String, &Resource)> = Vec::new();
    let mut names: Vec<(String, String)> = Vec::new();
    for r in index.all() {
        let Some(link) = catalog::facts(&r.kind).and_then(|f| f.link.as_ref()) else {
            continue;
        };
        let value_of = |paths: &[ArgPath]| paths.iter().find_map(|p| at(&r.body, p));
        let (network_value, peer_value) = (value_of(&link.network), value_of(&link.peer));
        let network = network_value.and_then(|v| network_side(index, v));
        let peer = index.arg_path(&r.body, &link.peer).into_iter().next();
        names.push((
            link_side_name(network_value, network),
            link_side_name(peer_value, peer),
        ));
        links.push((network, peer, link.label.clone(), r));
    }
    let mut items: Vec<(String, String, Span)> = Vec::new();
    for ((network, peer, label, r), (network_name, peer_name)) in links.iter().zip(&names) {
        let via = format!("{label} {}", r.address);
        if let Some(network) = network {
            items.push((
                network.address.clone(),
                format!("{peer_name} ({via})"),
                r.span.clone(),
            ));
        }
        if let Some(peer) = peer {
            items.push((
                peer.address.clone(),
                format!("{network_name} ({via})"),
                r.span.clone(),
            ));
        }
    }
    // Networks attached to one hub or gateway reach each other through it: each lists the hub
    // (above), which says so without a pair per two networks (a gateway with thousands of
    // attachments stays linear).
    let position: BTreeMap<String, usize> = zones
        .iter()
        .enumerate()
        .map(|(i, z)| (z.id.0.clone(), i))
        .collect();
    for (address, item, span) in items {
        if let Some(&at) = position.get(&id(root, &address)) {
            zones[at]
                .attributes
                .push_item(AttrName::LinkedZones, item, Some(span));
        }
    }
}

/// Address-range firewall rules (Azure SQL, MySQL, PostgreSQL, Redis) that admit every address
/// (`0.0.0.0` to `255.255.255.255`) open the port of the resource they name to the internet,
/// unless that resource turns public network access off. `0.0.0.0` to `0.0.0.0` only admits
/// the provider's own services. A rule whose server is not in the scanned code (named by a
/// variable, a data source or a literal) opens that server's port on an element that stands
/// for it, latent like an unattached security group's doors (TM-S007).
pub(crate) fn firewall_rules(
    index: &Index,
    root: &str,
    zone: &str,
    elements: &mut Vec<Element>,
    flows: &mut Vec<Flow>,
) {
    for rule in index.all() {
        let Some(facts) = catalog::facts(&rule.kind).and_then(|f| f.firewall_rule.as_ref()) else {
            continue;
        };
        let address = |k: &str| rule.body.get(k).and_then(Value::as_str);
        if address(&facts.end) != Some("255.255.255.255")
            || address(&facts.start) != Some("0.0.0.0")
        {
            continue;
        }
        let span = rule
            .body
            .get(&facts.end)
            .map_or_else(|| rule.span.clone(), |v| v.span().clone());
        let targets = firewall_targets(index, rule, facts);
        if targets.is_empty() {
            let Some(port) = facts
                .of
                .as_deref()
                .and_then(catalog::entry)
                .and_then(|e| e.port)
            else {
                continue;
            };
            let target = guarded_address(rule);
            flows.push(database_door(&target, port, span, root));
            elements.push(guarded_by_unattached(root, rule, zone));
            continue;
        }
        for target in targets {
            let Some(port) = catalog::entry(&target.kind).and_then(|e| e.port) else {
                continue;
            };
            if target
                .body
                .get("public_network_access_enabled")
                .and_then(Value::as_bool)
                == Some(false)
            {
                continue;
            }
            // Whether it encrypts is the server's (`store_transport`, at the server's setting).
            flows.push(database_door(&target.address, port, span.clone(), root));
        }
    }
}

/// The resources an address-range firewall rule opens: those its target argument refers to,
/// else the servers of its target's type whose name it writes.
pub(crate) fn firewall_targets<'r>(
    index: &Index<'r>,
    rule: &Resource,
    facts: &catalog::FirewallRule,
) -> Vec<&'r Resource> {
    let referenced: Vec<&Resource> = facts
        .target
        .iter()
        .flat_map(|p| {
            at(&rule.body, p)
                .map(|v| index.resolve_all(v))
                .unwrap_or_default()
        })
        .collect();
    match &facts.of {
        Some(kind) if referenced.is_empty() => facts
            .target
            .iter()
            .flat_map(|p| index.named(kind, at(&rule.body, p)))
            .collect(),
        _ => referenced,
    }
}

/// The door an open firewall rule makes into a database server's port; whether it encrypts is
/// what the port implies, until `store_transport` gives it the server's own setting.
fn database_door(target: &str, port: u16, span: Span, root: &str) -> Flow {
    let port = i64::from(port);
    let (ports, protocol, encrypted) = describe("tcp", Some(port), Some(port));
    Door {
        target,
        protocol,
        port: ports.first().cloned(),
        origin: "database-firewall",
        span,
        public: Tri::Yes,
        encrypted: Some(encrypted),
        authenticated: Some(Tri::Yes),
    }
    .flow(root)
}

/// Which security groups guard each resource (a subnet, an interface), by its address: what
/// the catalog's `guards` entries say, in source order.
pub(crate) fn guards(index: &Index) -> BTreeMap<String, Vec<String>> {
    let mut guards: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in index.all() {
        let Some(guard) = catalog::facts(&r.kind).and_then(|f| f.guard.as_ref()) else {
            continue;
        };
        let targets = if guard.target.is_empty() {
            vec![r]
        } else {
            index.arg_path(&r.body, &guard.target)
        };
        for group in index.arg_path(&r.body, &guard.group) {
            for target in &targets {
                guards
                    .entry(target.address.clone())
                    .or_default()
                    .push(group.address.clone());
            }
        }
    }
    guards
}

/// Every value a path reaches, walking every item of the lists on the way (every
/// `ip_configuration` block, not only the first).
pub(crate) fn blocks_at<'v>(value: &'v Value, path: &[String]) -> Vec<&'v Value> {
    let mut current = vec![value];
    for key in path {
        current = current.into_iter().flat_map(|v| v.all(key)).collect();
    }
    current
}

/// One provider: the prefix of its resource types, its catalog, and the code only it needs.
pub(crate) struct Provider {
    /// The prefix of its resource types (`aws_`).
    pub(crate) prefix: &'static str,
    /// Its catalog file's name and text.
    pub(crate) catalog: (&'static str, &'static str),
    /// Its resources (indexed) into a fragment, for a root module's folder.
    pub(crate) model: fn(&Index, &str) -> Fragment,
}

/// Every provider the model knows: adding one is a catalog file, a module and a line here.
pub(crate) const PROVIDERS: &[Provider] = &[aws::PROVIDER, azure::PROVIDER, google::PROVIDER];

/// Each provider's resources through its mapping; resources of other providers (`random_`,
/// `null_`) are not part of the model. Provider configurations state the credentials written
/// in them.
pub(crate) fn model(resources: Vec<Resource>, root: &str) -> Fragment {
    let passages = crate::passages::Passages::of(&resources, root);
    // Each provider's resources, moved (not copied) into their own list.
    let mut by_provider: Vec<Vec<Resource>> = PROVIDERS.iter().map(|_| Vec::new()).collect();
    let mut configurations = Vec::new();
    for resource in resources {
        if is_provider_configuration(&resource) {
            configurations.push(resource);
        } else if let Some(slot) = PROVIDERS
            .iter()
            .position(|p| resource.kind.starts_with(p.prefix))
        {
            by_provider[slot].push(resource);
        }
    }
    let mut fragment = Fragment::default();
    for (provider, own) in PROVIDERS.iter().zip(&by_provider) {
        if !own.is_empty() {
            fragment.absorb((provider.model)(&Index::new(own), root));
        }
    }
    crate::access::provider_credentials(&configurations, root, &mut fragment);
    passages.trace(&mut fragment);
    fragment
}

/// Whether a resource stands for a provider configuration (`provider "aws" { ... }`), which
/// a plan or state does not hold.
pub(crate) fn is_provider_configuration(resource: &Resource) -> bool {
    resource
        .kind
        .strip_prefix(crate::value::PROVIDER_CONFIGURATION)
        .is_some_and(|rest| rest.starts_with('.'))
}

/// A database parameter that turns a setting on or off, as engines write it (`ON`, `1`,
/// `true`, `enabled`, and the number 1 unquoted; their opposites); unknown otherwise. `also_on`
/// adds words an engine uses for on (Redshift's `tls1.2+`).
pub(crate) fn switch(value: &Value, also_on: &[&str]) -> Tri {
    let text = value
        .as_str()
        .map(str::to_ascii_lowercase)
        .or_else(|| value.as_f64().map(|n| n.to_string()));
    match text.as_deref() {
        Some("1" | "on" | "true" | "enabled") => Tri::Yes,
        Some(t) if also_on.contains(&t) => Tri::Yes,
        Some("0" | "off" | "false" | "disabled") => Tri::No,
        _ => Tri::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_read_as_every_engine_writes_them() {
        let span = Span::lines("main.tf", 1, 1);
        let text = |t: &str| Value::String(t.into(), span.clone());
        assert_eq!(switch(&Value::Number(1.0, span.clone()), &[]), Tri::Yes);
        assert_eq!(switch(&Value::Number(0.0, span.clone()), &[]), Tri::No);
        assert_eq!(switch(&text("ON"), &[]), Tri::Yes);
        assert_eq!(switch(&text("off"), &[]), Tri::No);
        assert_eq!(switch(&text("tls1.2+"), &[]), Tri::Unknown);
        assert_eq!(switch(&text("TLS1.2+"), &["tls1.2+"]), Tri::Yes);
        assert_eq!(switch(&Value::Unknown(span), &[]), Tri::Unknown);
    }

    #[test]
    fn versions_written_as_numbers_are_the_versions_they_mean() {
        let span = Span::lines("main.tf", 1, 1);
        let number = |n: f64| version_text(&Value::Number(n, span.clone()));
        let text = |t: &str| version_text(&Value::String(t.into(), span.clone()));
        assert_eq!(number(1.0).as_deref(), Some("1.0"));
        assert_eq!(number(1.1).as_deref(), Some("1.1"));
        assert_eq!(number(1.2).as_deref(), Some("1.2"));
        assert_eq!(text("1").as_deref(), Some("1.0"));
        assert_eq!(text("1.1").as_deref(), Some("1.1"));
        assert_eq!(text("TLS1_2").as_deref(), Some("TLS1_2"));
        assert_eq!(number(f64::NAN), None);
        assert_eq!(version_text(&Value::Unknown(span)), None);
    }
}

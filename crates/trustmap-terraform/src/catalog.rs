//! The resource-type catalog: what each resource type is in the model, where its facts live and
//! how it relates to other types (its zone and parent, where it is placed, the security groups
//! it carries, the resource it configures, the identity it runs as), loaded from each
//! provider's `catalog/<provider>.yaml` (data, so adding a type is one entry, not code).
//!
//! Loading is strict: an unknown key, attribute, kind, role or default is an error at its line
//! ([`CatalogError`]). The catalogs are compiled in, so the test that loads them all proves them.

use std::collections::BTreeMap;
use std::sync::LazyLock;
use trustmap_model::{AttrName, ElementKind, Tri, ValueKind, ZoneKind};
use trustmap_yaml::{Limits, Node};

/// An argument path (`vpc_config.security_group_ids`); empty for the resource itself.
pub type ArgPath = Vec<String>;

/// A catalog entry that cannot be read, at its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct CatalogError {
    /// The catalog file (`catalog/aws.yaml`).
    pub file: String,
    /// The 1-based line of the offending key or value.
    pub line: u32,
    /// What is wrong.
    pub message: String,
}

/// How one flag attribute is read from a resource's arguments.
#[derive(Debug, Clone)]
pub struct FlagSource {
    /// The argument path (`vpc_config.endpoint_public_access`), or several written `a|b`
    /// when the provider renamed it (the first one present is read); one empty path means
    /// the resource itself. Empty when the flag is set by companions only.
    pub paths: Vec<ArgPath>,
    /// The value when the argument is absent: the provider's documented default.
    pub default: Tri,
    /// The value when the block holding the argument is written without it, when the
    /// provider's default differs there (a classic ELB's `access_logs { bucket = ... }` logs:
    /// its `enabled` defaults to true once the block is written).
    pub block_default: Option<Tri>,
    /// An argument whose words make the flag yes whatever the flag's own argument says (Aurora
    /// Serverless v1, `engine_mode = "serverless"`, always encrypts its storage).
    pub yes_if: Option<YesIf>,
    /// Whether `true` means no (`internal = true` is not public).
    pub invert: bool,
    /// For arguments that are words (`status = "Enabled"`): the words that mean yes; any
    /// other word means no. Empty for arguments that are flags.
    pub yes_when: Vec<String>,
}

/// An argument that decides a flag on its own: when it holds one of the words, the flag is yes.
#[derive(Debug, Clone)]
pub struct YesIf {
    /// The argument path (`engine_mode`).
    pub path: ArgPath,
    /// The words that make the flag yes (`serverless`).
    pub words: Vec<String>,
}

/// A resource type that configures another one (`aws_s3_bucket_versioning` sets the versioning
/// of the bucket it names, `aws_flow_log` the logging of a VPC): its flags land on that
/// resource's element or zone.
#[derive(Debug, Clone)]
pub struct Companion {
    /// The argument naming the resource it configures.
    pub attaches_to: ArgPath,
    /// The resource types it configures (`of:`); when its target cannot be resolved, their
    /// elements' flags it would set are unknown.
    pub of: Vec<String>,
    /// Flag attributes and where they come from.
    pub flags: Vec<(AttrName, FlagSource)>,
}

/// What code reads a resource type for beyond the shared relationships: explicit, never
/// inferred from the display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A web or function app that answers HTTP(S) on its own address (App Service).
    WebApp,
    /// A scale set whose instances are described by inline network interfaces.
    ScaleSet,
}

/// One resource type that is an element.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What kind of element it is.
    pub kind: ElementKind,
    /// A short name for the diagram.
    pub technology: String,
    /// What provider code treats it as, when anything.
    pub role: Option<Role>,
    /// The argument listing its security groups (the first of `a|b` present).
    pub security_groups: Vec<ArgPath>,
    /// The arguments placing it in a zone (a subnet, a subnet group, a network interface, a
    /// network), tried in order until one places it.
    pub placement: Vec<ArgPath>,
    /// The argument naming the identity it runs as (the first of `a|b` present).
    pub identity: Vec<ArgPath>,
    /// The port it serves on, for doors that do not state one (a database firewall rule).
    pub port: Option<u16>,
    /// Flag attributes and where they come from.
    pub flags: Vec<(AttrName, FlagSource)>,
}

/// A resource type that is a zone (a VPC, a virtual network, a subnet).
#[derive(Debug, Clone)]
pub struct ZoneFacts {
    /// Which kind of zone.
    pub kind: ZoneKind,
    /// The label before its address in the zone's name (`VPC`, `subnet`).
    pub label: String,
    /// The arguments naming the zone it is inside, tried in order.
    pub parent: Vec<ArgPath>,
    /// Flag attributes of the zone and where they come from.
    pub flags: Vec<(AttrName, FlagSource)>,
}

/// An address-range firewall rule that opens the resource it names to the addresses from
/// `start` to `end` (an Azure SQL or Redis firewall rule).
#[derive(Debug, Clone)]
pub struct FirewallRule {
    /// The arguments naming the resource it opens.
    pub target: Vec<ArgPath>,
    /// The argument holding the first admitted address.
    pub start: String,
    /// The argument holding the last admitted address.
    pub end: String,
    /// The type of the resource it opens, whose port it opens when that resource is not in
    /// the scanned code.
    pub of: Option<String>,
}

/// A resource that puts a security group in front of another (an NSG association), or of
/// itself (an interface naming its NSG).
#[derive(Debug, Clone)]
pub struct Guard {
    /// The arguments naming what it guards; empty for the resource itself.
    pub target: Vec<ArgPath>,
    /// The arguments naming the security group.
    pub group: Vec<ArgPath>,
}

/// A resource-level IAM grant (`google_artifact_registry_repository_iam_member`): members granted
/// a role on the resource it names. One that names everyone (`allUsers`) opens that resource,
/// or the whole it is part of, to the internet.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The arguments naming the resource granted on.
    pub target: Vec<ArgPath>,
    /// The arguments naming the members (the first present of `member|members`).
    pub members: Vec<ArgPath>,
    /// The types it grants on, when the provider's mapping reads the grant with them (a Cloud
    /// Run service's door joins the grant with the service's ingress): a grant on one of them
    /// in the scan is the mapping's, and one on a resource outside the scan opens a stand-in of
    /// their kind. Empty: the grant opens what it names as a data door.
    pub of: Vec<String>,
}

/// An IAM grant at a scope (a project, a billing account, a subnetwork, a tag key): the members
/// it names hold its role over what it names, and everything inside it. A role that controls
/// the scope or lets the holder act as other identities is a right of each member; a grant to
/// everyone (`allUsers`) lets anyone use those rights.
#[derive(Debug, Clone)]
pub struct RightsScope {
    /// What the scope is called in a right (`billing account`).
    pub scope: String,
    /// The arguments naming it (the first present).
    pub target: Vec<ArgPath>,
}

/// A resource that joins two networks (a peering, a transit gateway or hub attachment, a
/// private service connection): each side's zone is linked to the other.
#[derive(Debug, Clone)]
pub struct Link {
    /// The arguments naming one network (the first present), or the router or gateway
    /// placed in it.
    pub network: Vec<ArgPath>,
    /// The arguments naming the other side: a network, or a hub or gateway that joins every
    /// network attached to it.
    pub peer: Vec<ArgPath>,
    /// What the link is called (`peering`).
    pub label: String,
}

/// Everything the catalog says of one resource type.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Its element, when it is one.
    pub element: Option<Entry>,
    /// Its zone, when it is one.
    pub zone: Option<ZoneFacts>,
    /// What it configures, when it is a companion.
    pub companion: Option<Companion>,
    /// For a resource that stands for subnets (a subnet group, a network interface): the
    /// argument listing them, so a resource placed on it is placed in them.
    pub places_in: Vec<ArgPath>,
    /// For a resource that stands for an identity (an instance profile, a task definition):
    /// the argument naming the identity.
    pub identity: Vec<ArgPath>,
    /// For a part of another resource (an API stage): the argument naming the whole, which
    /// companions of the part configure.
    pub part_of: Vec<ArgPath>,
    /// When it is an address-range firewall rule.
    pub firewall_rule: Option<FirewallRule>,
    /// When it puts a security group in front of something.
    pub guard: Option<Guard>,
    /// When it grants a role on another resource.
    pub grant: Option<Grant>,
    /// When it grants a role over a scope, whose members hold it as a right.
    pub rights_on: Option<RightsScope>,
    /// When it joins two networks.
    pub link: Option<Link>,
}

/// The catalog of every provider: resource types carry their provider's prefix.
#[derive(Debug, Default)]
pub struct Catalog {
    types: BTreeMap<String, Facts>,
}

/// Reads one catalog file, every key and value checked.
pub fn load(file: &str, prefix: &str, text: &str) -> Result<Catalog, CatalogError> {
    let limits = Limits {
        max_depth: 16,
        max_nodes: 100_000,
    };
    let loaded = trustmap_yaml::load(text, &limits).map_err(|e| CatalogError {
        file: file.to_string(),
        line: e.line,
        message: e.message,
    })?;
    let reader = Reader { file };
    let mut catalog = Catalog::default();
    let Some(root) = loaded.documents.first() else {
        return Ok(catalog);
    };
    for (key, entry) in reader.mapping(root)? {
        let name = reader.text(key)?;
        if !name.starts_with(prefix) {
            return Err(reader.error(key, format!("{name} is not a {prefix} resource type")));
        }
        let facts = reader.facts(name, entry)?;
        if catalog.types.insert(name.to_string(), facts).is_some() {
            return Err(reader.error(key, format!("{name} is listed twice")));
        }
    }
    Ok(catalog)
}

/// The keys an entry may have.
const KEYS: &[&str] = &[
    "kind",
    "technology",
    "role",
    "security_groups",
    "subnets",
    "identity",
    "port",
    "flags",
    "attaches_to",
    "of",
    "zone",
    "places_in",
    "part_of",
    "firewall_rule",
    "guards",
    "grants",
    "rights_on",
    "links",
];

struct Reader<'f> {
    file: &'f str,
}

impl Reader<'_> {
    fn error(&self, node: &Node, message: String) -> CatalogError {
        CatalogError {
            file: self.file.to_string(),
            line: node.start.line,
            message,
        }
    }

    fn mapping<'n>(&self, node: &'n Node) -> Result<&'n [(Node, Node)], CatalogError> {
        node.as_mapping().ok_or_else(|| {
            self.error(
                node,
                format!("expected a mapping, found {}", node.type_name()),
            )
        })
    }

    fn text<'n>(&self, node: &'n Node) -> Result<&'n str, CatalogError> {
        node.as_str()
            .ok_or_else(|| self.error(node, format!("expected a word, found {}", node.type_name())))
    }

    /// Checks that a mapping has only the keys listed.
    fn keys(&self, node: &Node, allowed: &[&str], what: &str) -> Result<(), CatalogError> {
        for (key, _) in self.mapping(node)? {
            let key_text = self.text(key)?;
            if !allowed.contains(&key_text) {
                return Err(self.error(
                    key,
                    format!(
                        "unknown key `{key_text}` in {what} (known: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Argument paths written `a.b|c` (each segment a Terraform argument name).
    fn paths(&self, node: &Node) -> Result<Vec<ArgPath>, CatalogError> {
        let text = self.text(node)?;
        text.split('|')
            .map(|alternative| {
                let path: ArgPath = alternative.split('.').map(str::to_string).collect();
                let valid = path.iter().all(|segment| {
                    !segment.is_empty()
                        && segment
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                });
                if valid {
                    Ok(path)
                } else {
                    Err(self.error(node, format!("`{text}` is not an argument path")))
                }
            })
            .collect()
    }

    fn optional_paths(&self, entry: &Node, key: &str) -> Result<Vec<ArgPath>, CatalogError> {
        entry.get(key).map_or(Ok(Vec::new()), |n| self.paths(n))
    }

    fn one_path(&self, node: &Node) -> Result<ArgPath, CatalogError> {
        let mut paths = self.paths(node)?;
        if paths.len() != 1 {
            return Err(self.error(node, "expected one argument path, not alternatives".into()));
        }
        Ok(paths.remove(0))
    }

    fn facts(&self, name: &str, entry: &Node) -> Result<Facts, CatalogError> {
        self.keys(entry, KEYS, name)?;
        let flags = match entry.get("flags") {
            Some(node) => self.flags(node)?,
            None => Vec::new(),
        };
        let mut facts = Facts {
            places_in: self.optional_paths(entry, "places_in")?,
            part_of: self.optional_paths(entry, "part_of")?,
            ..Facts::default()
        };
        let kind_node = entry.get("kind");
        let roles = [
            kind_node.map(|_| "kind"),
            entry.get("zone").map(|_| "zone"),
            entry.get("attaches_to").map(|_| "attaches_to"),
        ];
        let roles: Vec<&str> = roles.into_iter().flatten().collect();
        if roles.len() > 1 {
            return Err(self.error(
                entry,
                format!("{name}: `{}` cannot be combined", roles.join("` and `")),
            ));
        }
        let only_with = |key: &str, needs: &str| -> Result<(), CatalogError> {
            match entry.entry(key) {
                Some((k, _)) if !roles.contains(&needs) => {
                    Err(self.error(k, format!("`{key}` needs `{needs}`")))
                }
                _ => Ok(()),
            }
        };
        for key in ["technology", "role", "security_groups", "subnets", "port"] {
            only_with(key, "kind")?;
        }
        only_with("of", "attaches_to")?;
        if let Some((key, _)) = entry.entry("flags").filter(|_| roles.is_empty()) {
            return Err(self.error(key, "`flags` needs `kind`, `zone` or `attaches_to`".into()));
        }
        if let Some(kind) = kind_node {
            facts.element = Some(self.element(name, entry, kind, flags)?);
        } else if let Some(zone) = entry.get("zone") {
            facts.zone = Some(self.zone(zone, flags)?);
        } else if let Some(target) = entry.get("attaches_to") {
            facts.companion = Some(Companion {
                attaches_to: self.one_path(target)?,
                of: match entry.get("of") {
                    Some(of) => self.text(of)?.split('|').map(str::to_string).collect(),
                    None => Vec::new(),
                },
                flags,
            });
        }
        // An identity argument is the element's own, or a link's (a profile names its role).
        let identity = self.optional_paths(entry, "identity")?;
        match &mut facts.element {
            Some(element) => element.identity = identity,
            None => facts.identity = identity,
        }
        if let Some(rule) = entry.get("firewall_rule") {
            facts.firewall_rule = Some(self.firewall_rule(rule)?);
        }
        if let Some(guard) = entry.get("guards") {
            self.keys(guard, &["target", "group"], "guards")?;
            let group = guard
                .get("group")
                .ok_or_else(|| self.error(guard, "`guards` needs `group`".into()))?;
            facts.guard = Some(Guard {
                target: self.optional_paths(guard, "target")?,
                group: self.paths(group)?,
            });
        }
        if let Some(grant) = entry.get("grants") {
            self.keys(grant, &["target", "members", "of"], "grants")?;
            let target = grant
                .get("target")
                .ok_or_else(|| self.error(grant, "`grants` needs `target`".into()))?;
            facts.grant = Some(Grant {
                target: self.paths(target)?,
                members: match grant.get("members") {
                    Some(members) => self.paths(members)?,
                    None => vec![vec!["member".into()], vec!["members".into()]],
                },
                of: match grant.get("of") {
                    Some(types) => self
                        .text(types)?
                        .split('|')
                        .map(|t| t.trim().to_string())
                        .collect(),
                    None => Vec::new(),
                },
            });
        }
        if let Some(scope) = entry.get("rights_on") {
            self.keys(scope, &["scope", "target"], "rights_on")?;
            let (Some(name), Some(target)) = (scope.get("scope"), scope.get("target")) else {
                return Err(self.error(scope, "`rights_on` needs `scope` and `target`".into()));
            };
            facts.rights_on = Some(RightsScope {
                scope: self.text(name)?.to_string(),
                target: self.paths(target)?,
            });
        }
        if let Some(link) = entry.get("links") {
            self.keys(link, &["network", "peer", "label"], "links")?;
            let (Some(network), Some(peer), Some(label)) =
                (link.get("network"), link.get("peer"), link.get("label"))
            else {
                return Err(self.error(link, "`links` needs `network`, `peer` and `label`".into()));
            };
            facts.link = Some(Link {
                network: self.paths(network)?,
                peer: self.paths(peer)?,
                label: self.text(label)?.to_string(),
            });
        }
        Ok(facts)
    }

    fn element(
        &self,
        name: &str,
        entry: &Node,
        kind: &Node,
        flags: Vec<(AttrName, FlagSource)>,
    ) -> Result<Entry, CatalogError> {
        let kind = match self.text(kind)? {
            "process" => ElementKind::Process,
            "data_store" => ElementKind::DataStore,
            "external_entity" => ElementKind::ExternalEntity,
            other => {
                return Err(self.error(
                    kind,
                    format!("unknown kind `{other}` (process, data_store or external_entity)"),
                ));
            }
        };
        let technology = entry
            .get("technology")
            .ok_or_else(|| self.error(entry, format!("{name}: an element needs `technology`")))?;
        let role = match entry.get("role") {
            None => None,
            Some(node) => Some(match self.text(node)? {
                "web_app" => Role::WebApp,
                "scale_set" => Role::ScaleSet,
                other => {
                    return Err(self.error(
                        node,
                        format!("unknown role `{other}` (web_app or scale_set)"),
                    ));
                }
            }),
        };
        let port = match entry.get("port") {
            None => None,
            Some(node) => Some(self.text(node)?.parse::<u16>().map_err(|_| {
                self.error(
                    node,
                    format!("`{}` is not a port", node.as_str().unwrap_or("")),
                )
            })?),
        };
        Ok(Entry {
            kind,
            technology: self.text(technology)?.to_string(),
            role,
            security_groups: self.optional_paths(entry, "security_groups")?,
            placement: self.optional_paths(entry, "subnets")?,
            identity: Vec::new(),
            port,
            flags,
        })
    }

    fn zone(
        &self,
        zone: &Node,
        flags: Vec<(AttrName, FlagSource)>,
    ) -> Result<ZoneFacts, CatalogError> {
        self.keys(zone, &["kind", "label", "parent"], "a zone")?;
        let kind_node = zone
            .get("kind")
            .ok_or_else(|| self.error(zone, "a zone needs `kind`".into()))?;
        let kind = match self.text(kind_node)? {
            "vpc" => ZoneKind::Vpc,
            "subnet" => ZoneKind::Subnet,
            other => {
                return Err(self.error(
                    kind_node,
                    format!("unknown zone kind `{other}` (vpc or subnet)"),
                ));
            }
        };
        let label = zone
            .get("label")
            .ok_or_else(|| self.error(zone, "a zone needs `label`".into()))?;
        Ok(ZoneFacts {
            kind,
            label: self.text(label)?.to_string(),
            parent: self.optional_paths(zone, "parent")?,
            flags,
        })
    }

    fn firewall_rule(&self, rule: &Node) -> Result<FirewallRule, CatalogError> {
        self.keys(rule, &["target", "start", "end", "of"], "a firewall rule")?;
        let target = rule
            .get("target")
            .ok_or_else(|| self.error(rule, "a firewall rule needs `target`".into()))?;
        let word = |key: &str, default: &str| -> Result<String, CatalogError> {
            rule.get(key).map_or(Ok(default.to_string()), |n| {
                self.one_path(n).map(|p| p.join("."))
            })
        };
        Ok(FirewallRule {
            target: self.paths(target)?,
            start: word("start", "start_ip_address")?,
            end: word("end", "end_ip_address")?,
            of: rule
                .get("of")
                .map(|n| self.text(n).map(str::to_string))
                .transpose()?,
        })
    }

    /// `yes`, `no` or `unknown`.
    fn tri(&self, node: &Node) -> Result<Tri, CatalogError> {
        match self.text(node)? {
            "yes" => Ok(Tri::Yes),
            "no" => Ok(Tri::No),
            "unknown" => Ok(Tri::Unknown),
            other => Err(self.error(
                node,
                format!("unknown default `{other}` (yes, no or unknown)"),
            )),
        }
    }

    /// A list of words (`yes_when: [Enabled]`).
    fn words(&self, node: &Node, key: &str) -> Result<Vec<String>, CatalogError> {
        node.as_sequence()
            .ok_or_else(|| self.error(node, format!("`{key}` is a list of words")))?
            .iter()
            .map(|w| self.text(w).map(str::to_string))
            .collect()
    }

    /// `yes_if: {path: engine_mode, is: [serverless]}`.
    fn yes_if(&self, node: &Node) -> Result<YesIf, CatalogError> {
        self.keys(node, &["path", "is"], "yes_if")?;
        let (Some(path), Some(words)) = (node.get("path"), node.get("is")) else {
            return Err(self.error(node, "`yes_if` needs `path` and `is`".into()));
        };
        Ok(YesIf {
            path: self.one_path(path)?,
            words: self.words(words, "is")?,
        })
    }

    fn flags(&self, node: &Node) -> Result<Vec<(AttrName, FlagSource)>, CatalogError> {
        let mut flags = Vec::new();
        for (attr, source) in self.mapping(node)? {
            let attr_name = self.text(attr)?;
            let name = AttrName::parse(attr_name)
                .ok_or_else(|| self.error(attr, format!("unknown attribute `{attr_name}`")))?;
            if name.kind() != ValueKind::Flag {
                return Err(self.error(attr, format!("`{attr_name}` is not a flag")));
            }
            if flags.iter().any(|(known, _)| *known == name) {
                return Err(self.error(attr, format!("`{attr_name}` is listed twice")));
            }
            self.keys(
                source,
                &[
                    "path",
                    "default",
                    "block_default",
                    "yes_if",
                    "invert",
                    "yes_when",
                    "from",
                ],
                attr_name,
            )?;
            let default = match source.get("default") {
                None => Tri::Unknown,
                Some(node) => self.tri(node)?,
            };
            let block_default = match source.get("block_default") {
                None => None,
                Some(node) => Some(self.tri(node)?),
            };
            let yes_if = match source.get("yes_if") {
                None => None,
                Some(node) => Some(self.yes_if(node)?),
            };
            let invert = match source.get("invert") {
                None => false,
                Some(node) => node
                    .truthy()
                    .ok_or_else(|| self.error(node, "`invert` is true or false".to_string()))?,
            };
            let yes_when = match source.get("yes_when") {
                None => Vec::new(),
                Some(node) => self.words(node, "yes_when")?,
            };
            let companions_only = match source.get("from") {
                None => false,
                Some(node) => match self.text(node)? {
                    "companions" => true,
                    other => {
                        return Err(
                            self.error(node, format!("unknown source `{other}` (companions)"))
                        );
                    }
                },
            };
            let paths = match source.get("path") {
                _ if companions_only => {
                    if let Some((key, _)) = source.entry("path") {
                        return Err(self.error(key, "`from: companions` takes no `path`".into()));
                    }
                    Vec::new()
                }
                Some(path) => self.paths(path)?,
                None => vec![Vec::new()],
            };
            flags.push((
                name,
                FlagSource {
                    paths,
                    default,
                    block_default,
                    yes_if,
                    invert,
                    yes_when,
                },
            ));
        }
        Ok(flags)
    }
}

/// Every provider's catalog in one.
static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let mut catalog = Catalog::default();
    for provider in crate::cloud::PROVIDERS {
        let (file, text) = provider.catalog;
        // The catalogs are compiled in and a test loads every one: an error is a build defect.
        let more = load(file, provider.prefix, text).unwrap_or_else(|e| panic!("{e}"));
        catalog.types.extend(more.types);
    }
    catalog
});

/// Everything the catalog says of a resource type.
pub fn facts(kind: &str) -> Option<&'static Facts> {
    CATALOG.types.get(kind)
}

/// The element entry of a resource type, when the catalog knows it as one.
pub fn entry(kind: &str) -> Option<&'static Entry> {
    facts(kind)?.element.as_ref()
}

/// The companion entry of a resource type that configures another one.
pub fn companion(kind: &str) -> Option<&'static Companion> {
    facts(kind)?.companion.as_ref()
}

/// The arguments naming the identity a resource type runs as, or (for what stands for an
/// identity, such as an instance profile) the identity it names.
pub fn identity_paths(kind: &str) -> &'static [ArgPath] {
    facts(kind).map_or(&[], |f| {
        f.element.as_ref().map_or(&f.identity, |e| &e.identity)
    })
}

/// The grant entry of a resource type that grants a role on another resource.
pub fn grant(kind: &str) -> Option<&'static Grant> {
    facts(kind)?.grant.as_ref()
}

/// The grant types whose mapping reads them with `kind` (their `of` names it), with their
/// entries: the grants a Cloud Run service's door joins.
pub fn grants_on(kind: &str) -> impl Iterator<Item = (&'static str, &'static Grant)> {
    CATALOG.types.iter().filter_map(move |(name, facts)| {
        let grant = facts.grant.as_ref()?;
        grant
            .of
            .iter()
            .any(|t| t == kind)
            .then_some((name.as_str(), grant))
    })
}

/// The scope a resource type grants roles over, whose members hold them as rights.
pub fn rights_scope(kind: &str) -> Option<&'static RightsScope> {
    facts(kind)?.rights_on.as_ref()
}

/// The zone entry of a resource type that is a network or subnet.
pub fn zone(kind: &str) -> Option<&'static ZoneFacts> {
    facts(kind)?.zone.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_loads() {
        for provider in crate::cloud::PROVIDERS {
            let (file, text) = provider.catalog;
            if let Err(e) = load(file, provider.prefix, text) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn the_catalog_loads_and_names_only_known_attributes() {
        let entry = super::entry("aws_db_instance").expect("RDS is in the catalog");
        assert_eq!(entry.kind, ElementKind::DataStore);
        assert!(
            super::entry("aws_lb")
                .unwrap()
                .flags
                .iter()
                .any(|(a, f)| *a == AttrName::Public && f.invert)
        );
        let versioning = super::companion("aws_s3_bucket_versioning").expect("a companion");
        assert_eq!(versioning.attaches_to, ["bucket"]);
        assert_eq!(versioning.flags[0].1.yes_when, ["Enabled"]);
        assert!(super::entry("aws_s3_bucket_versioning").is_none());
        assert_eq!(super::zone("aws_subnet").unwrap().kind, ZoneKind::Subnet);
        let access = super::grant("google_bigquery_dataset_access").expect("a grant");
        assert_eq!(access.target, [["dataset_id"]]);
        assert_eq!(access.members, [["iam_member"], ["special_group"]]);
        let member = super::grant("google_pubsub_topic_iam_member").expect("a grant");
        assert_eq!(member.members, [["member"], ["members"]]);
        assert!(member.of.is_empty());
        let invoker = super::grant("google_cloud_run_service_iam_member").expect("a grant");
        assert_eq!(invoker.of, ["google_cloud_run_service"]);
        let on_service: Vec<&str> = super::grants_on("google_cloud_run_service")
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            on_service,
            [
                "google_cloud_run_service_iam_binding",
                "google_cloud_run_service_iam_member"
            ]
        );
        let billing = super::rights_scope("google_billing_account_iam_member").expect("a scope");
        assert_eq!(billing.scope, "billing account");
        assert_eq!(billing.target, [["billing_account_id"]]);
    }

    fn error_of(text: &str) -> CatalogError {
        load("test.yaml", "aws_", text).expect_err("an error")
    }

    #[test]
    fn unknown_keys_and_values_are_errors_at_their_line() {
        let cases = [
            (
                "aws_x:\n  kind: process\n  technology: x\n  defualt: yes\n",
                4,
                "defualt",
            ),
            ("aws_x:\n  kind: proces\n  technology: x\n", 2, "proces"),
            (
                "aws_x:\n  kind: data_store\n  technology: x\n  flags:\n    encrypted: {}\n",
                5,
                "encrypted",
            ),
            (
                "aws_x:\n  kind: data_store\n  technology: x\n  flags:\n    backups: {default: maybe}\n",
                5,
                "maybe",
            ),
            (
                "aws_x:\n  kind: data_store\n  technology: x\n  flags:\n    backups: {path: a, defualt: yes}\n",
                5,
                "defualt",
            ),
            (
                "aws_x:\n  kind: data_store\n  technology: x\n  role: db\n",
                4,
                "db",
            ),
            ("aws_x:\n  zone: {kind: vnet, label: x}\n", 2, "vnet"),
            (
                "aws_x:\n  attaches_to: bucket\n  technology: x\n",
                3,
                "technology",
            ),
            (
                "google_x:\n  kind: process\n  technology: x\n",
                1,
                "not a aws_",
            ),
            (
                "aws_x:\n  kind: process\n  technology: x\n  subnets: Subnet-Id\n",
                4,
                "argument path",
            ),
            (
                "aws_x:\n  kind: process\n  technology: x\n  port: http\n",
                4,
                "not a port",
            ),
            (
                "aws_x:\n  kind: data_store\n  technology: x\n  flags:\n    backups: {yes_if: {path: mode}}\n",
                5,
                "needs `path` and `is`",
            ),
            (
                "aws_x:\n  kind: data_store\n  technology: x\n  flags:\n    backups: {path: a.b, block_default: maybe}\n",
                5,
                "maybe",
            ),
            (
                "aws_x:\n  grants: {target: topic, memebrs: member}\n",
                2,
                "memebrs",
            ),
            ("aws_x:\n  grants: {members: member}\n", 2, "needs `target`"),
            (
                "aws_x:\n  links: {network: vpc_id, peer: peer_vpc_id}\n",
                2,
                "needs `network`, `peer` and `label`",
            ),
            (
                "aws_x:\n  rights_on: {scope: project}\n",
                2,
                "needs `scope` and `target`",
            ),
        ];
        for (text, line, word) in cases {
            let error = error_of(text);
            assert_eq!(error.line, line, "{text}: {error}");
            assert!(error.to_string().contains(word), "{text}: {error}");
            assert!(error.to_string().starts_with(&format!("test.yaml:{line}:")));
        }
    }
}

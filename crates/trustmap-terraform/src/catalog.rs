//! The resource-type catalog: what each resource type is in the model and where its facts
//! live, loaded from `catalog/{aws,azure,google}.yaml` (data, so adding a type is one entry,
//! not code).

use std::collections::BTreeMap;
use std::sync::LazyLock;
use trustmap_model::{AttrName, ElementKind, Tri, ValueKind};
use trustmap_yaml::{Limits, Node};

/// How one flag attribute is read from a resource's arguments.
#[derive(Debug, Clone)]
pub struct FlagSource {
    /// The argument path (`vpc_config.endpoint_public_access`), or several written `a|b`
    /// when the provider renamed it (the first one present is read); one empty path means
    /// the resource itself.
    pub paths: Vec<Vec<String>>,
    /// The value when the argument is absent: the provider's documented default.
    pub default: Tri,
    /// Whether `true` means no (`internal = true` is not public).
    pub invert: bool,
    /// For arguments that are words (`status = "Enabled"`): the words that mean yes; any
    /// other word means no. Empty for arguments that are flags.
    pub yes_when: Vec<String>,
}

/// A resource type that configures another one (`aws_s3_bucket_versioning` sets the versioning
/// of the bucket it names): its flags land on that resource's element.
#[derive(Debug, Clone)]
pub struct Companion {
    /// The argument naming the resource it configures.
    pub attaches_to: Vec<String>,
    /// The resource types it configures (`of:`); when its target cannot be resolved, their
    /// elements' flags it would set are unknown.
    pub of: Vec<String>,
    /// Flag attributes and where they come from.
    pub flags: Vec<(AttrName, FlagSource)>,
}

/// The catalog: element types and their companions.
struct Catalog {
    entries: BTreeMap<String, Entry>,
    companions: BTreeMap<String, Companion>,
}

/// One resource type.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What kind of element it is.
    pub kind: ElementKind,
    /// A short name for the diagram.
    pub technology: String,
    /// The argument listing its security groups.
    pub security_groups: Option<Vec<String>>,
    /// The argument naming its subnets.
    pub subnets: Option<Vec<String>>,
    /// Flag attributes and where they come from.
    pub flags: Vec<(AttrName, FlagSource)>,
}

fn path(text: &str) -> Vec<String> {
    text.split('.').map(str::to_string).collect()
}

fn flags_of(name: &str, entry: &Node) -> Vec<(AttrName, FlagSource)> {
    let mut flags = Vec::new();
    for (attr, source) in entry.get("flags").and_then(Node::as_mapping).unwrap_or(&[]) {
        let attr_name = attr.as_str().unwrap_or("");
        let attr = AttrName::parse(attr_name)
            .unwrap_or_else(|| panic!("catalog {name}: unknown attribute {attr_name}"));
        assert_eq!(
            attr.kind(),
            ValueKind::Flag,
            "catalog {name}: {attr_name} is not a flag"
        );
        let default = match source.get("default").and_then(Node::as_str) {
            Some("yes") => Tri::Yes,
            Some("no") => Tri::No,
            _ => Tri::Unknown,
        };
        let yes_when = source
            .get("yes_when")
            .and_then(Node::as_sequence)
            .unwrap_or(&[])
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect();
        flags.push((
            attr,
            FlagSource {
                paths: source
                    .get("path")
                    .and_then(Node::as_str)
                    .map_or_else(|| vec![Vec::new()], |p| p.split('|').map(path).collect()),
                default,
                invert: source.get("invert").and_then(Node::truthy).unwrap_or(false),
                yes_when,
            },
        ));
    }
    flags
}

fn parse(text: &str) -> Catalog {
    let limits = Limits {
        max_depth: 16,
        max_nodes: 100_000,
    };
    let loaded = trustmap_yaml::load(text, &limits).expect("the built-in catalog is valid YAML");
    let root = &loaded.documents[0];
    let mut catalog = Catalog {
        entries: BTreeMap::new(),
        companions: BTreeMap::new(),
    };
    for (key, entry) in root.as_mapping().unwrap_or(&[]) {
        let name = key
            .as_str()
            .expect("catalog keys are resource types")
            .to_string();
        let text = |k: &str| entry.get(k).and_then(Node::as_str).map(str::to_string);
        let flags = flags_of(&name, entry);
        if let Some(parent) = text("attaches_to") {
            catalog.companions.insert(
                name,
                Companion {
                    attaches_to: path(&parent),
                    of: text("of")
                        .map(|kinds| kinds.split('|').map(str::to_string).collect())
                        .unwrap_or_default(),
                    flags,
                },
            );
            continue;
        }
        let kind = match text("kind").as_deref() {
            Some("process") => ElementKind::Process,
            Some("data_store") => ElementKind::DataStore,
            Some("external_entity") => ElementKind::ExternalEntity,
            other => panic!("catalog {name}: unknown kind {other:?}"),
        };
        catalog.entries.insert(
            name,
            Entry {
                kind,
                technology: text("technology").unwrap_or_default(),
                security_groups: text("security_groups").map(|p| path(&p)),
                subnets: text("subnets").map(|p| path(&p)),
                flags,
            },
        );
    }
    catalog
}

/// Every provider's catalog in one: resource type names carry their provider's prefix.
static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let mut catalog = parse(include_str!("../catalog/aws.yaml"));
    for text in [
        include_str!("../catalog/azure.yaml"),
        include_str!("../catalog/google.yaml"),
    ] {
        let more = parse(text);
        catalog.entries.extend(more.entries);
        catalog.companions.extend(more.companions);
    }
    catalog
});

/// The catalog entry of a resource type, when the catalog knows it.
pub fn entry(kind: &str) -> Option<&'static Entry> {
    CATALOG.entries.get(kind)
}

/// The companion entry of a resource type that configures another one.
pub fn companion(kind: &str) -> Option<&'static Companion> {
    CATALOG.companions.get(kind)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalog_loads_and_names_only_known_attributes() {
        let entry = super::entry("aws_db_instance").expect("RDS is in the catalog");
        assert_eq!(entry.kind, trustmap_model::ElementKind::DataStore);
        assert!(
            super::entry("aws_lb")
                .unwrap()
                .flags
                .iter()
                .any(|(a, f)| *a == trustmap_model::AttrName::Public && f.invert)
        );
        let versioning = super::companion("aws_s3_bucket_versioning").expect("a companion");
        assert_eq!(versioning.attaches_to, ["bucket"]);
        assert_eq!(versioning.flags[0].1.yes_when, ["Enabled"]);
        assert!(super::entry("aws_s3_bucket_versioning").is_none());
    }
}

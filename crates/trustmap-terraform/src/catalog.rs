//! The resource-type catalog: what each resource type is in the model and where its facts
//! live, loaded from `catalog/*.yaml` (data, so adding a type is one entry, not code).

use std::collections::BTreeMap;
use std::sync::LazyLock;
use trustmap_model::{AttrName, ElementKind, Tri, ValueKind};
use trustmap_yaml::{Limits, Node};

/// How one flag attribute is read from a resource's arguments.
#[derive(Debug, Clone)]
pub struct FlagSource {
    /// The argument path (`vpc_config.endpoint_public_access`).
    pub path: Vec<String>,
    /// The value when the argument is absent: the provider's documented default.
    pub default: Tri,
    /// Whether `true` means no (`internal = true` is not public).
    pub invert: bool,
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

fn parse(text: &str) -> BTreeMap<String, Entry> {
    let limits = Limits {
        max_depth: 16,
        max_nodes: 100_000,
    };
    let loaded = trustmap_yaml::load(text, &limits).expect("the built-in catalog is valid YAML");
    let root = &loaded.documents[0];
    let mut catalog = BTreeMap::new();
    for (key, entry) in root.as_mapping().unwrap_or(&[]) {
        let name = key
            .as_str()
            .expect("catalog keys are resource types")
            .to_string();
        let text = |k: &str| entry.get(k).and_then(Node::as_str).map(str::to_string);
        let kind = match text("kind").as_deref() {
            Some("process") => ElementKind::Process,
            Some("data_store") => ElementKind::DataStore,
            Some("external_entity") => ElementKind::ExternalEntity,
            other => panic!("catalog {name}: unknown kind {other:?}"),
        };
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
            flags.push((
                attr,
                FlagSource {
                    path: path(source.get("path").and_then(Node::as_str).unwrap_or("")),
                    default,
                    invert: source.get("invert").and_then(Node::truthy).unwrap_or(false),
                },
            ));
        }
        catalog.insert(
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

static AWS: LazyLock<BTreeMap<String, Entry>> =
    LazyLock::new(|| parse(include_str!("../catalog/aws.yaml")));

/// The catalog entry of a resource type, when the catalog knows it.
pub fn entry(kind: &str) -> Option<&'static Entry> {
    AWS.get(kind)
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
    }
}

//! Override files: merging one compose tree into another as `docker compose` does.

use std::collections::HashMap;
use trustmap_yaml::{Node, NodeValue, ScalarStyle};

/// Merges one compose file (or document) into another as `docker compose` does: services
/// merge by [`merge_service`], everything else by [`merge`].
pub fn merge_file(base: Node, over: Node) -> Node {
    merge_with(base, over, &|key, base, over| match key {
        "services" => merge_with(base, over, &|_, b, o| merge_service(b, o)),
        _ => merge(base, over),
    })
}

/// Merges one service definition into another with compose's rules: `command` and
/// `entrypoint` are replaced; `environment`, `labels`, `networks`, `extra_hosts`, `sysctls`
/// and `annotations` merge by key whether written as lists or mappings; `volumes` merge by
/// target path; other lists append, other mappings merge.
pub fn merge_service(base: Node, over: Node) -> Node {
    merge_with(base, over, &|key, base, over| match key {
        "command" | "entrypoint" => over,
        "environment" | "labels" | "networks" | "extra_hosts" | "sysctls" | "annotations" => {
            merge(as_mapping(base), as_mapping(over))
        }
        "volumes" => merge_by(base, over, volume_target),
        _ => merge(base, over),
    })
}

/// Merges `over` into `base`: mappings merge key by key, sequences append (dropping exact
/// repeats of scalars, as compose does for ports and expose), anything else is replaced. The
/// `!reset` tag removes a key; `!override` replaces a value instead of merging it.
pub fn merge(base: Node, over: Node) -> Node {
    merge_with(base, over, &|_, b, o| merge(b, o))
}

/// The merge skeleton: `!override`/`!reset` tags, then mappings key by key with `child`
/// deciding how each key's values merge, sequences by appending, scalars by replacing.
fn merge_with(base: Node, over: Node, child: &dyn Fn(&str, Node, Node) -> Node) -> Node {
    if over.tag.as_deref() == Some("!override") {
        return over;
    }
    match (base.value, over.value) {
        (NodeValue::Mapping(entries), NodeValue::Mapping(over_entries)) => {
            // Slots keep the order; a reset key leaves an empty slot. Keys are found through
            // an index, so merging two mappings of many keys takes linear time.
            let mut slots: Vec<Option<(Node, Node)>> = entries.into_iter().map(Some).collect();
            let mut index: HashMap<String, usize> = HashMap::new();
            for (i, slot) in slots.iter().enumerate().rev() {
                if let Some(name) = slot.as_ref().and_then(|(k, _)| k.as_str()) {
                    index.insert(name.to_string(), i);
                }
            }
            for (key, value) in over_entries {
                let name = key.as_str().map(str::to_string);
                let position = name
                    .as_ref()
                    .and_then(|n| index.get(n).copied())
                    .filter(|&i| slots[i].is_some());
                if value.tag.as_deref() == Some("!reset") {
                    if let Some(i) = position {
                        slots[i] = None;
                    }
                    continue;
                }
                match position {
                    Some(i) => {
                        let (k, old) = slots[i].take().expect("an indexed slot is filled");
                        let merged = child(name.as_deref().unwrap_or(""), old, value);
                        slots[i] = Some((k, merged));
                    }
                    None => {
                        if let Some(name) = name {
                            index.insert(name, slots.len());
                        }
                        slots.push(Some((key, value)));
                    }
                }
            }
            Node {
                value: NodeValue::Mapping(slots.into_iter().flatten().collect()),
                ..base
            }
        }
        (NodeValue::Sequence(items), NodeValue::Sequence(over_items)) => {
            let merged =
                append_unique(items, over_items, |n| n.as_str().map(str::to_string), false);
            Node {
                value: NodeValue::Sequence(merged),
                ..base
            }
        }
        (_, value) => Node { value, ..over },
    }
}

/// Appends `over` to `items`; an item whose identity matches an earlier one replaces it
/// (`replace`) or is dropped as a repeat.
fn append_unique(
    mut items: Vec<Node>,
    over: Vec<Node>,
    identity: impl Fn(&Node) -> Option<String>,
    replace: bool,
) -> Vec<Node> {
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, item) in items.iter().enumerate().rev() {
        if let Some(id) = identity(item) {
            index.insert(id, i);
        }
    }
    for item in over {
        match identity(&item) {
            Some(id) => match index.get(&id) {
                Some(&i) if replace => items[i] = item,
                Some(_) => {}
                None => {
                    index.insert(id, items.len());
                    items.push(item);
                }
            },
            None => items.push(item),
        }
    }
    items
}

/// Sequences merged by an identity (a volume's target path).
fn merge_by(base: Node, over: Node, identity: fn(&Node) -> Option<String>) -> Node {
    match (base.value, over.value) {
        (NodeValue::Sequence(items), NodeValue::Sequence(over_items)) => Node {
            value: NodeValue::Sequence(append_unique(items, over_items, identity, true)),
            ..base
        },
        (_, value) => Node { value, ..over },
    }
}

/// A volume's target path, in short (`src:/target[:mode]`) or long syntax.
fn volume_target(node: &Node) -> Option<String> {
    match node.as_str() {
        Some(text) => {
            let parts: Vec<&str> = text.split(':').collect();
            // `C:\x:/target` has a drive letter; the target is the first part starting with `/`
            // after the source.
            parts
                .iter()
                .skip(1)
                .find(|p| p.starts_with('/'))
                .map(|p| p.to_string())
                .or_else(|| parts.first().map(|p| p.to_string()))
        }
        None => node
            .get("target")
            .and_then(Node::as_str)
            .map(str::to_string),
    }
}

/// A list written as `KEY=VALUE` (or `name`) items as the mapping compose reads it as; a
/// mapping as it is. Each key and value keeps the item's position.
fn as_mapping(node: Node) -> Node {
    let NodeValue::Sequence(items) = &node.value else {
        return node;
    };
    let entries = items
        .iter()
        .filter_map(|item| {
            let text = item.as_str()?;
            let (key, value) = match text.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (text, None),
            };
            let scalar = |value: NodeValue| Node {
                value,
                tag: None,
                start: item.start,
                end: item.end,
                source: item.source,
            };
            let value = match value {
                Some(v) => scalar(NodeValue::Scalar(v.to_string(), ScalarStyle::Quoted)),
                None => scalar(NodeValue::Null),
            };
            Some((
                scalar(NodeValue::Scalar(key.to_string(), ScalarStyle::Plain)),
                value,
            ))
        })
        .collect();
    Node {
        value: NodeValue::Mapping(entries),
        tag: node.tag,
        start: node.start,
        end: node.end,
        source: node.source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustmap_yaml::{Limits, load_source};

    fn tree(text: &str, source: u32) -> Node {
        load_source(text, &Limits::default(), source)
            .unwrap()
            .documents
            .remove(0)
    }

    #[test]
    fn overrides_merge_maps_append_lists_and_keep_their_file() {
        let base = tree("services:\n  web:\n    image: a\n    ports: ['80:80']\n", 0);
        let over = tree(
            "services:\n  web:\n    image: b\n    ports: ['80:80', '443:443']\n    privileged: true\n",
            1,
        );
        let merged = merge(base, over);
        let web = merged.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("b"));
        assert_eq!(web.get("ports").unwrap().as_sequence().unwrap().len(), 2);
        assert_eq!(web.get("privileged").unwrap().source, 1);
        assert_eq!(
            web.get("ports").unwrap().as_sequence().unwrap()[0].source,
            0
        );
    }

    #[test]
    fn services_merge_as_compose_merges_them() {
        let base = tree(
            "services:\n  r:\n    command: [redis-server, --requirepass, x]\n    networks: [front]\n    environment: [REDIS_HOST=cache]\n    volumes: ['/var/run/docker.sock:/var/run/docker.sock']\n",
            0,
        );
        let over = tree(
            "services:\n  r:\n    command: [redis-server]\n    networks: {back: {}}\n    environment: {MODE: x}\n    volumes: ['./fake.sock:/var/run/docker.sock']\n",
            1,
        );
        let merged = merge_file(base, over);
        let r = merged.get("services").unwrap().get("r").unwrap();
        assert_eq!(
            r.get("command").unwrap().as_sequence().unwrap().len(),
            1,
            "command is replaced"
        );
        let networks: Vec<_> = r
            .get("networks")
            .unwrap()
            .as_mapping()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_str().unwrap())
            .collect();
        assert_eq!(networks, ["front", "back"]);
        assert_eq!(
            r.get("environment")
                .unwrap()
                .get("REDIS_HOST")
                .unwrap()
                .as_str(),
            Some("cache")
        );
        let volumes = r.get("volumes").unwrap().as_sequence().unwrap();
        assert_eq!(
            (volumes.len(), volumes[0].source),
            (1, 1),
            "replaced by target"
        );
    }

    #[test]
    fn reset_removes_a_key() {
        let base = tree("web:\n  ports: ['80:80']\n", 0);
        let over = tree("web:\n  ports: !reset []\n", 1);
        assert!(merge(base, over).get("web").unwrap().get("ports").is_none());
    }
}

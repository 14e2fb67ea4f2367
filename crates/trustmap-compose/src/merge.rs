//! Override files: merging one compose tree into another as `docker compose` does.

use trustmap_yaml::{Node, NodeValue};

/// Merges `over` into `base`: mappings merge key by key, sequences append (dropping exact
/// repeats of scalars, as compose does for ports and expose), anything else is replaced. The
/// `!reset` tag removes a key; `!override` replaces a value instead of merging it.
pub fn merge(base: Node, over: Node) -> Node {
    if over.tag.as_deref() == Some("!override") {
        return over;
    }
    match (base.value, over.value) {
        (NodeValue::Mapping(mut entries), NodeValue::Mapping(over_entries)) => {
            for (key, value) in over_entries {
                let position = entries
                    .iter()
                    .position(|(k, _)| k.as_str().is_some() && k.as_str() == key.as_str());
                if value.tag.as_deref() == Some("!reset") {
                    if let Some(i) = position {
                        entries.remove(i);
                    }
                    continue;
                }
                match position {
                    Some(i) => {
                        let (k, old) = entries.remove(i);
                        entries.insert(i, (k, merge(old, value)));
                    }
                    None => entries.push((key, value)),
                }
            }
            Node {
                value: NodeValue::Mapping(entries),
                tag: base.tag,
                start: base.start,
                end: base.end,
                source: base.source,
            }
        }
        (NodeValue::Sequence(mut items), NodeValue::Sequence(over_items)) => {
            for item in over_items {
                let repeated =
                    item.as_str().is_some() && items.iter().any(|i| i.as_str() == item.as_str());
                if !repeated {
                    items.push(item);
                }
            }
            Node {
                value: NodeValue::Sequence(items),
                tag: base.tag,
                start: base.start,
                end: base.end,
                source: base.source,
            }
        }
        (_, value) => Node {
            value,
            tag: over.tag,
            start: over.start,
            end: over.end,
            source: over.source,
        },
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
    fn reset_removes_a_key() {
        let base = tree("web:\n  ports: ['80:80']\n", 0);
        let over = tree("web:\n  ports: !reset []\n", 1);
        assert!(merge(base, over).get("web").unwrap().get("ports").is_none());
    }
}

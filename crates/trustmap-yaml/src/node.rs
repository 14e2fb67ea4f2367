//! The tree: nodes with positions, and the accessors parsers use to read them.

use trustmap_model::{FileName, Position, Span};

/// How a scalar was written; plain scalars are the only ones YAML resolves to booleans, numbers
/// and null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    /// Unquoted.
    Plain,
    /// Single or double quoted.
    Quoted,
    /// A `|` or `>` block.
    Block,
}

/// A node's value.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `~`, `null`, or nothing.
    Null,
    /// Any scalar other than null, as written.
    Scalar(String, ScalarStyle),
    /// A sequence.
    Sequence(Vec<Node>),
    /// A mapping, in source order.
    Mapping(Vec<(Node, Node)>),
}

/// A YAML node and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: NodeValue,
    /// The tag, when one was written (`!reset`, `!!str`).
    pub tag: Option<String>,
    /// Where the node starts.
    pub start: Position,
    /// Where the node ends.
    pub end: Position,
    /// Which input the node was read from (the index given to [`crate::load_source`]), so a
    /// tree merged from several files still knows each value's file.
    pub source: u32,
}

impl Node {
    /// The node's span, with `files[self.source]` as its file.
    /// With [`FileName`]s, the span shares `files[self.source]` instead of copying it.
    pub fn span<F: Clone + Into<FileName>>(&self, files: &[F]) -> Span {
        let file = files
            .get(self.source as usize)
            .cloned()
            .map_or_else(FileName::default, Into::into);
        Span::new(file, self.start, self.end.max(self.start))
    }

    /// The scalar text (numbers and booleans as written); `None` for null and collections.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::Scalar(text, _) => Some(text),
            _ => None,
        }
    }

    /// Whether the node is null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, NodeValue::Null)
    }

    /// The mapping's entries, when it is a mapping.
    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            NodeValue::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The sequence's items, when it is a sequence.
    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            NodeValue::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// The value under a string key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under a string key of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// A boolean as Kubernetes and compose read it: YAML 1.2 `true`/`false` and the YAML 1.1
    /// forms (`yes`, `on`, `y`, ...) when plain. `None` when the node is not a boolean.
    pub fn truthy(&self) -> Option<bool> {
        let NodeValue::Scalar(text, style) = &self.value else {
            return None;
        };
        // A quoted "true" is a string to YAML, but compose and Kubernetes both coerce it.
        let _ = style;
        match text.as_str() {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
                Some(true)
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n"
            | "N" => Some(false),
            _ => None,
        }
    }

    /// A short name of the node's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Scalar(..) => "a scalar",
            NodeValue::Sequence(_) => "a sequence",
            NodeValue::Mapping(_) => "a mapping",
        }
    }

    /// How many nodes this subtree holds (itself included).
    pub fn size(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            count += 1;
            match &node.value {
                NodeValue::Sequence(items) => stack.extend(items),
                NodeValue::Mapping(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
        count
    }
}

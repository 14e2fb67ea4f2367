//! Rule files: one YAML document per rule, loaded and checked field by field.

use crate::condition::{AttrTest, Condition, Context, Crossing, IfAbsent, PortTest};
use crate::{Severity, Stride};
use std::fmt;
use trustmap_model::{
    AttrName, ElementKind, PortRange, Protocol, Reachability, Tri, TrustLevel, ValueKind, ZoneKind,
};
use trustmap_yaml::{Limits, Node, NodeValue};

/// What a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppliesTo {
    /// Elements of this kind.
    Element(ElementKind),
    /// Data flows.
    Flow,
}

impl AppliesTo {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            AppliesTo::Element(kind) => kind.as_str(),
            AppliesTo::Flow => "data_flow",
        }
    }
}

/// Where a rule's findings point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationChoice {
    /// The span of the first fact that made the condition true.
    Evidence,
    /// The subject's own span.
    Subject,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `TM-<STRIDE letter><number>`.
    pub id: String,
    /// A short title, naming the bad pattern.
    pub title: String,
    /// STRIDE categories; the first is the one the id's letter names.
    pub stride: Vec<Stride>,
    /// What it is evaluated on.
    pub applies_to: Vec<AppliesTo>,
    /// How bad.
    pub severity: Severity,
    /// When it fires.
    pub condition: Condition,
    /// Whether an unknown outcome is reported (as a possible finding).
    pub report_unknown: bool,
    /// The message template (`{name}`, `{attr.image}`, ...).
    pub message: String,
    /// Why it matters, in Markdown.
    pub description: String,
    /// How to fix it, in Markdown.
    pub mitigation: String,
    /// CWE numbers.
    pub cwe: Vec<u32>,
    /// Links to documentation.
    pub links: Vec<String>,
    /// Where findings point: the span of the fact that fired the rule (`evidence`, the
    /// default) or the subject's own declaration (`subject`), for rules about what is absent.
    pub location: LocationChoice,
    /// The file it came from (`rules/TM-E001.yaml`, or the path given with `--rules`).
    pub source: String,
}

impl Rule {
    /// The rule's primary STRIDE category.
    pub fn category(&self) -> Stride {
        self.stride[0]
    }

    /// Whether the rule is evaluated on flows (otherwise on elements).
    pub fn on_flows(&self) -> bool {
        self.applies_to.contains(&AppliesTo::Flow)
    }

    /// The rule's documentation in Markdown: what, why, how to fix, references. It is the rule's
    /// `rules explain` page and its SARIF help.
    pub fn help_markdown(&self) -> String {
        let mut text = format!("# {}: {}\n\n", self.id, self.title);
        let stride: Vec<_> = self.stride.iter().map(|s| s.title()).collect();
        let applies: Vec<_> = self.applies_to.iter().map(|a| a.as_str()).collect();
        text.push_str(&format!(
            "**STRIDE:** {} · **Severity:** {} · **Applies to:** {}\n\n",
            stride.join(", "),
            self.severity,
            applies.join(", ")
        ));
        text.push_str(&format!(
            "## Why is this bad?\n\n{}\n\n",
            self.description.trim()
        ));
        text.push_str(&format!("## How to fix it\n\n{}\n", self.mitigation.trim()));
        if !self.cwe.is_empty() || !self.links.is_empty() {
            text.push_str("\n## References\n\n");
            for cwe in &self.cwe {
                text.push_str(&format!(
                    "- [CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html)\n"
                ));
            }
            for link in &self.links {
                text.push_str(&format!("- <{link}>\n"));
            }
        }
        text
    }
}

/// A rule file that cannot be used, with the file, line and field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    /// The rule file.
    pub file: String,
    /// The line, when known.
    pub line: u32,
    /// The field at fault (`condition.all[1].attr`).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(
                f,
                "{}:{}: field `{}`: {}",
                self.file, self.line, self.field, self.message
            )
        }
    }
}

struct Reader<'a> {
    file: &'a str,
}

impl Reader<'_> {
    fn error(&self, node: Option<&Node>, field: &str, message: impl Into<String>) -> RuleError {
        RuleError {
            file: self.file.to_string(),
            line: node.map_or(1, |n| n.start.line),
            field: field.to_string(),
            message: message.into(),
        }
    }

    fn text(&self, root: &Node, field: &str) -> Result<String, RuleError> {
        match root.get(field) {
            Some(node) => node.as_str().map(str::to_string).ok_or_else(|| {
                self.error(
                    Some(node),
                    field,
                    format!("expected text, found {}", node.type_name()),
                )
            }),
            None => Err(self.error(Some(root), field, "is required")),
        }
    }

    fn list<'n>(&self, node: &'n Node, field: &str) -> Result<Vec<&'n Node>, RuleError> {
        match &node.value {
            NodeValue::Sequence(items) => Ok(items.iter().collect()),
            NodeValue::Scalar(..) => Ok(vec![node]),
            _ => Err(self.error(
                Some(node),
                field,
                format!("expected a list, found {}", node.type_name()),
            )),
        }
    }

    fn strings(&self, node: &Node, field: &str) -> Result<Vec<String>, RuleError> {
        self.list(node, field)?
            .into_iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.error(Some(n), field, "expected text"))
            })
            .collect()
    }

    fn condition(&self, node: &Node, field: &str) -> Result<Condition, RuleError> {
        let Some(entries) = node.as_mapping() else {
            return Err(self.error(
                Some(node),
                field,
                "a condition is a mapping with one operator",
            ));
        };
        if node.get("attr").is_some() {
            return self.attribute_test(node, field);
        }
        if entries.len() != 1 {
            return Err(self.error(
                Some(node),
                field,
                "a condition has exactly one operator (use `all:` to combine)",
            ));
        }
        let (key, value) = &entries[0];
        let operator = key.as_str().unwrap_or("");
        let here = format!("{field}.{operator}");
        let nested = |v: &Node| self.condition(v, &here).map(Box::new);
        Ok(match operator {
            "all" | "any" => {
                let items = value.as_sequence().ok_or_else(|| {
                    self.error(Some(value), &here, "expected a list of conditions")
                })?;
                let parts = items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| self.condition(n, &format!("{here}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                if operator == "all" {
                    Condition::All(parts)
                } else {
                    Condition::Any(parts)
                }
            }
            "not" => Condition::Not(nested(value)?),
            "inbound" => Condition::Inbound(nested(value)?),
            "outbound" => Condition::Outbound(nested(value)?),
            "same_zone_as" => Condition::SameZoneAs(nested(value)?),
            "source" => Condition::Source(nested(value)?),
            "target" => Condition::Target(nested(value)?),
            "kind" => {
                let kinds = self
                    .strings(value, &here)?
                    .iter()
                    .map(|k| element_kind(k).ok_or_else(|| self.error(Some(value), &here, format!("unknown element kind `{k}` (external_entity, process, data_store)"))))
                    .collect::<Result<Vec<_>, _>>()?;
                Condition::Kind(kinds)
            }
            "zone" => {
                let (kind, trust) = if let Some(name) = value.as_str() {
                    (Some(name), None)
                } else {
                    (
                        value.get("kind").and_then(Node::as_str),
                        value.get("trust_at_most").and_then(Node::as_str),
                    )
                };
                let kind = kind
                    .map(|k| {
                        ZoneKind::parse(k).ok_or_else(|| {
                            self.error(Some(value), &here, format!("unknown zone kind `{k}`"))
                        })
                    })
                    .transpose()?;
                let trust = trust
                    .map(|t| trust_level(t).ok_or_else(|| self.error(Some(value), &here, format!("unknown trust level `{t}` (untrusted, low, medium, high, privileged)"))))
                    .transpose()?;
                Condition::Zone(kind, trust)
            }
            "reachable_from_internet" => match value.as_str() {
                Some("any") => Condition::ReachableFromInternet(Reachability::AnyFlow),
                Some("unauthenticated") => {
                    Condition::ReachableFromInternet(Reachability::Unauthenticated)
                }
                _ => {
                    return Err(self.error(
                        Some(value),
                        &here,
                        "expected `any` or `unauthenticated`",
                    ));
                }
            },
            "exposed_to_internet" => match value.truthy() {
                Some(true) => Condition::ExposedToInternet,
                Some(false) => Condition::Not(Box::new(Condition::ExposedToInternet)),
                None => return Err(self.error(Some(value), &here, "expected true or false")),
            },
            "crosses_boundary" => match value.as_str() {
                Some("any") => Condition::CrossesBoundary(Crossing::Any),
                Some("into_higher_trust") => Condition::CrossesBoundary(Crossing::IntoHigherTrust),
                _ => {
                    return Err(self.error(
                        Some(value),
                        &here,
                        "expected `any` or `into_higher_trust`",
                    ));
                }
            },
            "protocol" => Condition::Protocol(self.protocols(value, &here)?),
            "port" => Condition::Port(self.ports(value, &here)?),
            other => {
                return Err(self.error(
                    Some(key),
                    field,
                    format!("unknown operator `{other}` (all, any, not, attr, kind, zone, inbound, outbound, reachable_from_internet, exposed_to_internet, same_zone_as, source, target, crosses_boundary, protocol, port)"),
                ));
            }
        })
    }

    /// Protocol names, each of the vocabulary: another name is an error at its line.
    fn protocols(&self, node: &Node, field: &str) -> Result<Vec<Protocol>, RuleError> {
        self.list(node, field)?
            .into_iter()
            .map(|item| {
                let name = item
                    .as_str()
                    .ok_or_else(|| self.error(Some(item), field, "expected a protocol name"))?;
                Protocol::known(name).ok_or_else(|| {
                    let names: Vec<&str> =
                        Protocol::VOCABULARY.iter().map(Protocol::as_str).collect();
                    self.error(
                        Some(item),
                        field,
                        format!(
                            "unknown protocol `{name}` (the vocabulary: {})",
                            names.join(", ")
                        ),
                    )
                })
            })
            .collect()
    }

    /// Port tests: `22`, `8000-8010` or `every`; anything else is an error at its line.
    fn ports(&self, node: &Node, field: &str) -> Result<Vec<PortTest>, RuleError> {
        self.list(node, field)?
            .into_iter()
            .map(|item| match item.as_str() {
                Some("every") => Ok(PortTest::Every),
                Some(text) => PortRange::parse(text).map(PortTest::Reaches).ok_or_else(|| {
                    self.error(
                        Some(item),
                        field,
                        format!("`{text}` is not a port: expected a number (22), a range (8000-8010) or `every`"),
                    )
                }),
                None => Err(self.error(
                    Some(item),
                    field,
                    "expected a port number (22), a range (8000-8010) or `every`",
                )),
            })
            .collect()
    }

    fn attribute_test(&self, node: &Node, field: &str) -> Result<Condition, RuleError> {
        let here = format!("{field}.attr");
        let name_node = node.get("attr").expect("checked by the caller");
        let name_text = name_node.as_str().unwrap_or("");
        let name = AttrName::parse(name_text).ok_or_else(|| {
            self.error(
                Some(name_node),
                &here,
                format!("unknown attribute `{name_text}`; `trustmap rules attributes` lists them"),
            )
        })?;
        let tests: Vec<&(Node, Node)> = node
            .as_mapping()
            .unwrap_or(&[])
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), Some("attr" | "if_absent")))
            .collect();
        let absent = match node.get("if_absent") {
            None => IfAbsent::NeitherHolds,
            Some(value) => match value.truthy() {
                Some(false) => IfAbsent::False,
                _ => {
                    return Err(self.error(
                        Some(value),
                        &format!("{field}.if_absent"),
                        "expected no (a subject without the attribute fails the test, and passes its negation)",
                    ));
                }
            },
        };
        if tests.len() > 1 {
            return Err(self.error(
                Some(node),
                &here,
                "an attribute condition has at most one test",
            ));
        }
        let test = match tests.first() {
            None => AttrTest::Is(Tri::Yes),
            Some((key, value)) => {
                let test_name = key.as_str().unwrap_or("");
                let at = format!("{field}.{test_name}");
                match test_name {
                    "is" => match value.truthy() {
                        Some(b) => AttrTest::Is(Tri::from_bool(b)),
                        None => return Err(self.error(Some(value), &at, "expected yes or no")),
                    },
                    "equals" => AttrTest::Equals(self.strings(value, &at)?),
                    "contains_any" => AttrTest::ContainsAny(self.strings(value, &at)?),
                    "not_empty" => AttrTest::NotEmpty,
                    "matches" => {
                        let pattern = value.as_str().ok_or_else(|| self.error(Some(value), &at, "expected a regular expression"))?;
                        AttrTest::Matches(regex::Regex::new(pattern).map_err(|e| self.error(Some(value), &at, e.to_string()))?)
                    }
                    other => return Err(self.error(Some(key), &at, format!("unknown attribute test `{other}` (is, equals, matches, contains_any, not_empty)"))),
                }
            }
        };
        let fits = matches!(
            (name.kind(), &test),
            (ValueKind::Flag, AttrTest::Is(_))
                | (ValueKind::Text, AttrTest::Equals(_) | AttrTest::Matches(_))
                | (
                    ValueKind::List,
                    AttrTest::ContainsAny(_)
                        | AttrTest::Equals(_)
                        | AttrTest::Matches(_)
                        | AttrTest::NotEmpty
                )
        );
        if !fits {
            return Err(self.error(
                Some(node),
                &here,
                format!(
                    "this test does not fit `{name}`, which holds a {:?}",
                    name.kind()
                )
                .to_lowercase(),
            ));
        }
        Ok(Condition::Attr(name, test, absent))
    }
}

fn element_kind(name: &str) -> Option<ElementKind> {
    [
        ElementKind::ExternalEntity,
        ElementKind::Process,
        ElementKind::DataStore,
    ]
    .into_iter()
    .find(|k| k.as_str() == name)
}

fn trust_level(name: &str) -> Option<TrustLevel> {
    use TrustLevel::*;
    [
        ("untrusted", Untrusted),
        ("low", Low),
        ("medium", Medium),
        ("high", High),
        ("privileged", Privileged),
    ]
    .into_iter()
    .find(|(n, _)| *n == name)
    .map(|(_, t)| t)
}

const PLACEHOLDERS: &[&str] = &[
    "name",
    "id",
    "zone",
    "source",
    "target",
    "protocol",
    "ports",
    "on_ports",
    "technology",
];

/// Parses one rule file.
///
/// # Errors
/// The file is not YAML, or a field is missing, of the wrong type, or names something unknown.
pub fn parse_rule(file: &str, text: &str) -> Result<Rule, RuleError> {
    let reader = Reader { file };
    let limits = Limits {
        max_depth: 64,
        max_nodes: 100_000,
    };
    let loaded = trustmap_yaml::load(text, &limits).map_err(|e| RuleError {
        file: file.to_string(),
        line: e.line,
        field: String::new(),
        message: e.message,
    })?;
    let root = match loaded.documents.as_slice() {
        [root] if root.as_mapping().is_some() => root,
        _ => return Err(reader.error(None, "", "a rule file holds exactly one YAML mapping")),
    };
    const FIELDS: &[&str] = &[
        "id",
        "title",
        "stride",
        "applies_to",
        "severity",
        "condition",
        "report_unknown",
        "message",
        "description",
        "mitigation",
        "references",
        "location",
    ];
    for (key, _) in root.as_mapping().unwrap_or(&[]) {
        let name = key.as_str().unwrap_or("");
        if !FIELDS.contains(&name) {
            return Err(reader.error(
                Some(key),
                name,
                format!("unknown field (expected one of: {})", FIELDS.join(", ")),
            ));
        }
    }

    let id = reader.text(root, "id")?;
    let stride_node = root
        .get("stride")
        .ok_or_else(|| reader.error(Some(root), "stride", "is required"))?;
    let stride = reader
        .strings(stride_node, "stride")?
        .iter()
        .map(|s| {
            Stride::parse(s).ok_or_else(|| {
                reader.error(
                    Some(stride_node),
                    "stride",
                    format!("unknown STRIDE category `{s}`"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if stride.is_empty() {
        return Err(reader.error(Some(stride_node), "stride", "names at least one category"));
    }
    let id_ok = id.len() > 4
        && id.starts_with("TM-")
        && id[3..].starts_with(stride[0].letter())
        && id[4..].chars().all(|c| c.is_ascii_digit());
    if !id_ok {
        return Err(reader.error(
            root.get("id"),
            "id",
            format!(
                "expected `TM-{}` and digits: the letter is the first STRIDE category's",
                stride[0].letter()
            ),
        ));
    }

    let applies_node = root
        .get("applies_to")
        .ok_or_else(|| reader.error(Some(root), "applies_to", "is required"))?;
    let applies_to = reader
        .strings(applies_node, "applies_to")?
        .iter()
        .map(|name| match name.as_str() {
            "data_flow" => Ok(AppliesTo::Flow),
            other => element_kind(other).map(AppliesTo::Element).ok_or_else(|| {
                reader.error(
                    Some(applies_node),
                    "applies_to",
                    format!(
                        "unknown kind `{other}` (external_entity, process, data_store, data_flow)"
                    ),
                )
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let context = match (applies_to.contains(&AppliesTo::Flow), applies_to.len()) {
        (_, 0) => {
            return Err(reader.error(Some(applies_node), "applies_to", "names at least one kind"));
        }
        (true, 1) => Context::Flow,
        (true, _) => {
            return Err(reader.error(
                Some(applies_node),
                "applies_to",
                "a rule applies to flows or to elements, not both",
            ));
        }
        (false, _) => Context::Element,
    };

    let severity_text = reader.text(root, "severity")?;
    let severity = Severity::parse(&severity_text).ok_or_else(|| {
        reader.error(
            root.get("severity"),
            "severity",
            "expected low, medium, high or critical",
        )
    })?;
    let condition_node = root
        .get("condition")
        .ok_or_else(|| reader.error(Some(root), "condition", "is required"))?;
    let condition = reader.condition(condition_node, "condition")?;
    condition
        .check(context)
        .map_err(|m| reader.error(Some(condition_node), "condition", m))?;

    let message = reader.text(root, "message")?;
    check_placeholders(&message).map_err(|m| reader.error(root.get("message"), "message", m))?;
    let report_unknown = match root.get("report_unknown") {
        None => false,
        Some(node) => node
            .truthy()
            .ok_or_else(|| reader.error(Some(node), "report_unknown", "expected true or false"))?,
    };
    let (mut cwe, mut links) = (Vec::new(), Vec::new());
    if let Some(references) = root.get("references") {
        if let Some(node) = references.get("cwe") {
            for item in reader.list(node, "references.cwe")? {
                let number = item
                    .as_str()
                    .and_then(|s| s.trim_start_matches("CWE-").parse().ok());
                cwe.push(number.ok_or_else(|| {
                    reader.error(Some(item), "references.cwe", "expected a CWE number")
                })?);
            }
        }
        if let Some(node) = references.get("links") {
            links = reader.strings(node, "references.links")?;
        }
    }
    let location = match root.get("location").map(|n| (n, n.as_str())) {
        None | Some((_, Some("evidence"))) => LocationChoice::Evidence,
        Some((_, Some("subject"))) => LocationChoice::Subject,
        Some((node, _)) => {
            return Err(reader.error(Some(node), "location", "expected `evidence` or `subject`"));
        }
    };
    Ok(Rule {
        location,
        title: reader.text(root, "title")?,
        description: reader.text(root, "description")?,
        mitigation: reader.text(root, "mitigation")?,
        id,
        stride,
        applies_to,
        severity,
        condition,
        report_unknown,
        message,
        cwe,
        links,
        source: file.to_string(),
    })
}

fn check_placeholders(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("a `{` is not closed")? + open;
        let name = &rest[open + 1..close];
        let known = PLACEHOLDERS.contains(&name)
            || name
                .strip_prefix("attr.")
                .is_some_and(|a| AttrName::parse(a).is_some());
        if !known {
            return Err(format!(
                "unknown placeholder `{{{name}}}` (known: {}, attr.NAME)",
                PLACEHOLDERS.join(", ")
            ));
        }
        rest = &rest[close + 1..];
    }
    Ok(())
}

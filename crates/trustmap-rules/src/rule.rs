//! Rule files: one YAML document per rule, loaded and checked field by field.

use crate::condition::{AttrTest, Condition, Context, Crossing, IfAbsent, Neighbours, PortTest};
use crate::language::{
    ATTRIBUTE_KEYS, ATTRIBUTE_TESTS, BUILTIN_PREFIX, CHECK_FIELDS, FIELDS, MISSING_PLACEHOLDER,
    OPERATORS, PLACEHOLDERS, REFERENCE_FIELDS, TRUST_LEVELS, ZONE_KEYS,
};
use crate::severity::{Impact, Impacts, PathScoring, check_reachable};
use crate::{Severity, Stride};
use std::collections::BTreeMap;
use std::fmt;
use trustmap_model::{
    AttrName, ElementKind, PortRange, Protocol, Reachability, Tri, TrustLevel, ValueKind, ZoneKind,
};

/// Whose rule a file is: the id namespace it must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// The built-in pack: ids start with `TM-`.
    Builtin,
    /// A user's rule (`--rules`, `rules test`): any prefix but `TM-`.
    User,
}
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

/// One check of a rule's checklist (`checks:`): a labelled way the subject can fall short.
#[derive(Debug, Clone)]
pub struct Check {
    /// The check's own id (`TM-D001`), for `--select`, `--ignore` and decisions: a rule that
    /// became this check keeps its id here, so settings and decisions written for it still apply.
    pub id: Option<String>,
    /// What is missing, as the finding's message lists it (`no CPU or memory limit`).
    pub label: String,
    /// The STRIDE category a failure of this check is.
    pub stride: Stride,
    /// When the check fails (evaluated on the rule's subject, like the condition).
    pub fails: Condition,
    /// Whether an unknown outcome lists the check (as possibly failed).
    pub report_unknown: bool,
    /// What an attacker gains when the check fails (empty: the rule's impacts).
    pub impact: Vec<Impact>,
}

/// A rule whose findings restate one of this rule's (`absorbs:`): where both are found on the
/// same line, about the same subject or a flow into or out of it, the other finding is folded
/// into this rule's, which says its fact with `clause`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absorbed {
    /// The id of the rule whose findings are folded in.
    pub rule: String,
    /// What the folded finding adds, rendered for its subject (`its traffic is not encrypted`).
    pub clause: String,
    /// The line of the rule file that names the absorbed rule, for errors about it.
    pub line: u32,
}

/// Where an absorbing rule's findings take in the findings they restate (`absorbs_on:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AbsorbsOn {
    /// On the same file and line, about the same subject or a flow into or out of it.
    #[default]
    Line,
    /// About the same element, wherever they are located: one threat that several settings
    /// each open (a privileged container's host namespaces and mounts).
    Element,
}

/// One rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `PREFIX-<STRIDE letter><number>`: `TM-E001` for the built-in pack, a prefix of the
    /// user's own for theirs.
    pub id: String,
    /// A short title, naming the bad pattern.
    pub title: String,
    /// STRIDE categories; the first is the one the id's letter names.
    pub stride: Vec<Stride>,
    /// What it is evaluated on.
    pub applies_to: Vec<AppliesTo>,
    /// How bad on a proven path from the internet: the ceiling of its findings' scored
    /// severity (`severity.rs`).
    pub severity: Severity,
    /// What an attacker gains (`impact:`); empty when the rule declares none, and then its
    /// findings keep `severity` as it is.
    pub impact: Impacts,
    /// Whether how the subject is reached scores its findings (`path:`).
    pub path: PathScoring,
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
    /// A checklist (`checks:`): the rule fires where its condition holds and at least one
    /// check fails, and its finding lists the failed checks (`{missing}`). Empty for a plain
    /// rule.
    pub checks: Vec<Check>,
    /// The rules whose findings restate this rule's on the same door (`absorbs:`).
    pub absorbs: Vec<Absorbed>,
    /// Where its findings take in the absorbed ones (`absorbs_on:`).
    pub absorbs_on: AbsorbsOn,
    /// `once_per_application:`: the rule's findings on the elements of one application are
    /// one finding, led by the first, which names each other element with this clause
    /// (`{name} ({missing})`). `None`: one finding per subject.
    pub once_per_application: Option<String>,
    /// The line of each top-level field in the rule file, for errors found once the rule is
    /// read (an id taken by another rule, a chain of absorbed rules).
    pub field_lines: BTreeMap<String, u32>,
}

impl Rule {
    /// The line where `field` is written in the rule's file (1 when it is not).
    pub fn line_of(&self, field: &str) -> u32 {
        self.field_lines.get(field).copied().unwrap_or(1)
    }
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
        let severity = if self.impact.is_empty() {
            self.severity.to_string()
        } else {
            format!(
                "up to {}, scored from the path · **Impact:** {}",
                self.severity,
                self.impact.in_words()
            )
        };
        text.push_str(&format!(
            "**STRIDE:** {} · **Severity:** {severity} · **Applies to:** {}\n\n",
            stride.join(", "),
            applies.join(", ")
        ));
        if !self.checks.is_empty() {
            text.push_str("**Checks** (the finding lists those that fail):\n\n");
            for check in &self.checks {
                let id = check
                    .id
                    .as_ref()
                    .map_or(String::new(), |id| format!("`{id}` "));
                text.push_str(&format!(
                    "- {id}{} ({})\n",
                    check.label,
                    check.stride.title()
                ));
            }
            text.push('\n');
        }
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

    /// Refuses a key of `node` (a mapping) that is not in `known`, at the key's line.
    fn only_keys(&self, node: &Node, field: &str, known: &[&str]) -> Result<(), RuleError> {
        let Some(entries) = node.as_mapping() else {
            return Err(self.error(
                Some(node),
                field,
                format!("expected a mapping, found {}", node.type_name()),
            ));
        };
        for (key, _) in entries {
            let name = key.as_str().unwrap_or("");
            if !known.contains(&name) {
                return Err(self.error(
                    Some(key),
                    &format!("{field}.{name}"),
                    format!("unknown key (expected one of: {})", known.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// The text under `key`, if the key is there.
    fn optional_text<'n>(
        &self,
        node: &'n Node,
        key: &str,
        field: &str,
    ) -> Result<Option<&'n str>, RuleError> {
        node.get(key)
            .map(|value| {
                value.as_str().ok_or_else(|| {
                    self.error(Some(value), &format!("{field}.{key}"), "expected text")
                })
            })
            .transpose()
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
        for (key, _) in entries {
            let name = key.as_str().unwrap_or("");
            if !OPERATORS.iter().any(|o| o.name == name) {
                let names: Vec<&str> = OPERATORS.iter().map(|o| o.name).collect();
                return Err(self.error(
                    Some(key),
                    field,
                    format!("unknown operator `{name}` ({})", names.join(", ")),
                ));
            }
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
            "same_zone_as" => Condition::SameZoneAs(nested(value)?, Neighbours::All),
            "same_zone_as_non_client" => {
                Condition::SameZoneAs(nested(value)?, Neighbours::NonClients)
            }
            "source" => Condition::Source(nested(value)?),
            "target" => Condition::Target(nested(value)?),
            "kind" => {
                let kinds = self
                    .strings(value, &here)?
                    .iter()
                    .map(|k| {
                        element_kind(k).ok_or_else(|| {
                            self.error(
                                Some(value),
                                &here,
                                format!("unknown element kind `{k}` ({})", kind_names(false)),
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Condition::Kind(kinds)
            }
            "technology" => Condition::Technology(self.strings(value, &here)?),
            "zone" => {
                let (kind, trust) = if let Some(name) = value.as_str() {
                    (Some(name), None)
                } else {
                    self.only_keys(value, &here, ZONE_KEYS)?;
                    (
                        self.optional_text(value, "kind", &here)?,
                        self.optional_text(value, "trust_at_most", &here)?,
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
            "protocol" => Condition::Protocol(self.protocols(value, &here)?, false),
            "port" => Condition::Port(self.ports(value, &here)?),
            // The table and this match agree (a test parses every operator's example).
            other => {
                return Err(self.error(
                    Some(key),
                    field,
                    format!("operator `{other}` is not implemented"),
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

    /// `checks:`: a list of checks, each checked against [`CHECK_FIELDS`]; `fails` is a
    /// condition in the rule's context, `id` an id in the rule's namespace whose letter is the
    /// check's category.
    fn checks(
        &self,
        node: &Node,
        context: Context,
        namespace: Option<Namespace>,
        report_unknown: bool,
    ) -> Result<Vec<Check>, RuleError> {
        let items = node
            .as_sequence()
            .ok_or_else(|| self.error(Some(node), "checks", "expected a list of checks"))?;
        if items.is_empty() {
            return Err(self.error(Some(node), "checks", "names at least one check"));
        }
        let known: Vec<&str> = CHECK_FIELDS.iter().map(|f| f.name).collect();
        let mut checks = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let here = format!("checks[{index}]");
            self.only_keys(item, &here, &known)?;
            for field in CHECK_FIELDS.iter().filter(|f| f.required) {
                if item.get(field.name).is_none() {
                    return Err(self.error(
                        Some(item),
                        &format!("{here}.{}", field.name),
                        "is required",
                    ));
                }
            }
            let label = self.text(item, "label").map_err(|e| RuleError {
                field: format!("{here}.label"),
                ..e
            })?;
            if label.trim().is_empty() || label.contains(['{', '}']) {
                return Err(self.error(
                    item.get("label"),
                    &format!("{here}.label"),
                    "expected a short text without braces (`no CPU or memory limit`)",
                ));
            }
            let stride_node = item.get("stride").expect("required above");
            let stride = stride_node
                .as_str()
                .and_then(Stride::parse)
                .ok_or_else(|| {
                    self.error(
                        Some(stride_node),
                        &format!("{here}.stride"),
                        "expected one STRIDE category (`denial_of_service`)",
                    )
                })?;
            let id = self
                .optional_text(item, "id", &here)?
                .map(|id| {
                    check_id(id, stride, namespace)
                        .map(|()| id.to_string())
                        .map_err(|m| self.error(item.get("id"), &format!("{here}.id"), m))
                })
                .transpose()?;
            let fails_node = item.get("fails").expect("required above");
            let mut fails = self.condition(fails_node, &format!("{here}.fails"))?;
            fails
                .check(context)
                .map_err(|m| self.error(Some(fails_node), &format!("{here}.fails"), m))?;
            if context == Context::Flow {
                fails.admit_port_ranges();
            }
            let report_unknown = match item.get("report_unknown") {
                None => report_unknown,
                Some(value) => value.truthy().ok_or_else(|| {
                    self.error(
                        Some(value),
                        &format!("{here}.report_unknown"),
                        "expected true or false",
                    )
                })?,
            };
            let impact = match item.get("impact") {
                None => Vec::new(),
                Some(value) => read_impacts(self, value, &format!("{here}.impact"))?,
            };
            checks.push(Check {
                id,
                label,
                stride,
                fails,
                report_unknown,
                impact,
            });
        }
        for (index, check) in checks.iter().enumerate() {
            let repeated = checks[..index]
                .iter()
                .any(|c| c.label == check.label || (c.id.is_some() && c.id == check.id));
            if repeated {
                return Err(self.error(
                    items.get(index),
                    &format!("checks[{index}]"),
                    "another check has the same label or id",
                ));
            }
        }
        Ok(checks)
    }

    /// `absorbs:`: a mapping from rule ids to the clause that says their fact.
    fn absorbs(&self, node: &Node) -> Result<Vec<Absorbed>, RuleError> {
        let entries = node.as_mapping().ok_or_else(|| {
            self.error(
                Some(node),
                "absorbs",
                "expected a mapping from rule ids to clauses (`TM-I001: its traffic is not encrypted`)",
            )
        })?;
        let mut absorbed = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let rule = key.as_str().unwrap_or_default();
            let here = format!("absorbs.{rule}");
            if id_parts(rule).is_none() {
                return Err(self.error(Some(key), &here, "expected a rule id (`TM-I001`)"));
            }
            let clause = value
                .as_str()
                .ok_or_else(|| self.error(Some(value), &here, "expected a clause (text)"))?;
            check_placeholders(clause, false).map_err(|m| self.error(Some(value), &here, m))?;
            absorbed.push(Absorbed {
                rule: rule.to_string(),
                clause: clause.to_string(),
                line: key.start.line,
            });
        }
        Ok(absorbed)
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
            .filter(|(k, _)| !k.as_str().is_some_and(|k| ATTRIBUTE_KEYS.contains(&k)))
            .collect();
        for (key, _) in &tests {
            let name = key.as_str().unwrap_or("");
            if !ATTRIBUTE_TESTS.iter().any(|t| t.name == name) {
                let mut known: Vec<&str> = ATTRIBUTE_KEYS.to_vec();
                known.extend(ATTRIBUTE_TESTS.iter().map(|t| t.name));
                return Err(self.error(
                    Some(key),
                    &format!("{field}.{name}"),
                    format!(
                        "unknown key in an attribute test (expected one of: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
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
                    "not_empty" => match value.truthy() {
                        Some(true) => AttrTest::NotEmpty,
                        _ => {
                            return Err(self.error(
                                Some(value),
                                &at,
                                "expected true (negate it with `not:`)",
                            ));
                        }
                    },
                    "matches" => {
                        let pattern = value.as_str().ok_or_else(|| {
                            self.error(Some(value), &at, "expected a regular expression")
                        })?;
                        AttrTest::Matches(
                            regex::Regex::new(pattern)
                                .map_err(|e| self.error(Some(value), &at, e.to_string()))?,
                        )
                    }
                    other => {
                        return Err(self.error(
                            Some(key),
                            &at,
                            format!("attribute test `{other}` is not implemented"),
                        ));
                    }
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

/// The element kinds a rule may name, comma-separated, and `data_flow` where `applies_to`
/// takes it: from the model's list, so a new kind is never missing from a message.
fn kind_names(with_flows: bool) -> String {
    let kinds = ElementKind::ALL.iter().map(|k| k.as_str());
    let names: Vec<&str> = if with_flows {
        kinds.chain(["data_flow"]).collect()
    } else {
        kinds.collect()
    };
    names.join(", ")
}

fn element_kind(name: &str) -> Option<ElementKind> {
    ElementKind::parse(name)
}

fn trust_level(name: &str) -> Option<TrustLevel> {
    TRUST_LEVELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// Parses a rule file in either namespace: the built-in pack's (`TM-`) or a user's. Tools and
/// tests that build rule sets by hand use it; rules a user hands over are read with
/// [`parse_user_rule`], which keeps `TM-` for the built-in pack.
///
/// # Errors
/// The file is not YAML, or a field is missing, of the wrong type, or names something unknown.
pub fn parse_rule(file: &str, text: &str) -> Result<Rule, RuleError> {
    parse(file, text, None)
}

/// Parses a user's rule file (`--rules`, `rules test`): as [`parse_rule`], and its id must not
/// be in the built-in `TM-` namespace.
///
/// # Errors
/// As [`parse_rule`], and an id starting with `TM-`.
pub fn parse_user_rule(file: &str, text: &str) -> Result<Rule, RuleError> {
    parse(file, text, Some(Namespace::User))
}

/// Parses a rule file of the built-in pack: its id must start with `TM-`.
pub(crate) fn parse_builtin_rule(file: &str, text: &str) -> Result<Rule, RuleError> {
    parse(file, text, Some(Namespace::Builtin))
}

/// Splits `PREFIX-<letter><digits>` into its prefix and letter, if the id has that form.
fn id_parts(id: &str) -> Option<(&str, char)> {
    let (prefix, rest) = id.split_once('-')?;
    let mut chars = rest.chars();
    let letter = chars.next()?;
    let digits = chars.as_str();
    let prefix_ok = prefix.len() <= 16
        && prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let digits_ok = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
    (prefix_ok && digits_ok).then_some((prefix, letter))
}

/// Checks an id against its first STRIDE category and its namespace.
fn check_id(id: &str, stride: Stride, namespace: Option<Namespace>) -> Result<(), String> {
    let letter = stride.letter();
    let Some((prefix, found)) = id_parts(id) else {
        return Err(format!(
            "expected PREFIX-{letter} and digits (`ACME-{letter}001`): PREFIX is a capital letter \
             then up to 15 capitals or digits, and {letter} is the letter of the first STRIDE \
             category"
        ));
    };
    if found != letter {
        return Err(format!(
            "expected `{prefix}-{letter}` and digits: the letter is the first STRIDE category's ({})",
            stride.as_str()
        ));
    }
    match namespace {
        Some(Namespace::User) if prefix == BUILTIN_PREFIX => Err(format!(
            "the `{BUILTIN_PREFIX}-` prefix is reserved for the built-in rules: give your rules a \
             prefix of your own (`ACME-{letter}001`)"
        )),
        Some(Namespace::Builtin) if prefix != BUILTIN_PREFIX => Err(format!(
            "a built-in rule's id starts with `{BUILTIN_PREFIX}-`"
        )),
        _ => Ok(()),
    }
}

fn parse(file: &str, text: &str, namespace: Option<Namespace>) -> Result<Rule, RuleError> {
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
    // A repeated key would leave one of its values silently unused: refused, as an unknown
    // key is. So is a file cut short by a bound.
    if let Some(warning) = loaded.warnings.first() {
        return Err(RuleError {
            file: file.to_string(),
            line: warning.line,
            field: String::new(),
            message: warning.message.clone(),
        });
    }
    if let Some(hit) = &loaded.cut {
        return Err(RuleError {
            file: file.to_string(),
            line: hit.line,
            field: String::new(),
            message: format!(
                "the rule file is cut at its {} limit of {}: too large or too deep for a rule",
                hit.limit.name(),
                hit.max
            ),
        });
    }
    let root = match loaded.documents.as_slice() {
        [root] if root.as_mapping().is_some() => root,
        _ => return Err(reader.error(None, "", "a rule file holds exactly one YAML mapping")),
    };
    let fields: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
    let mut field_lines = BTreeMap::new();
    for (key, _) in root.as_mapping().unwrap_or(&[]) {
        let name = key.as_str().unwrap_or("");
        if !fields.contains(&name) {
            return Err(reader.error(
                Some(key),
                name,
                format!("unknown field (expected one of: {})", fields.join(", ")),
            ));
        }
        field_lines.insert(name.to_string(), key.start.line);
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
    check_id(&id, stride[0], namespace).map_err(|m| reader.error(root.get("id"), "id", m))?;

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
                    format!("unknown kind `{other}` ({})", kind_names(true)),
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
    let mut condition = reader.condition(condition_node, "condition")?;
    condition
        .check(context)
        .map_err(|m| reader.error(Some(condition_node), "condition", m))?;
    if context == Context::Flow {
        condition.admit_port_ranges();
    }

    let report_unknown = match root.get("report_unknown") {
        None => false,
        Some(node) => node
            .truthy()
            .ok_or_else(|| reader.error(Some(node), "report_unknown", "expected true or false"))?,
    };
    let checks = match root.get("checks") {
        None => Vec::new(),
        Some(node) => reader.checks(node, context, namespace, report_unknown)?,
    };
    let message = reader.text(root, "message")?;
    check_placeholders(&message, !checks.is_empty())
        .map_err(|m| reader.error(root.get("message"), "message", m))?;
    let absorbs = match root.get("absorbs") {
        None => Vec::new(),
        Some(node) => reader.absorbs(node)?,
    };
    let absorbs_on = match root.get("absorbs_on").map(|n| (n, n.as_str())) {
        None | Some((_, Some("line"))) => AbsorbsOn::Line,
        Some((_, Some("element"))) => AbsorbsOn::Element,
        Some((node, _)) => {
            return Err(reader.error(Some(node), "absorbs_on", "expected `line` or `element`"));
        }
    };
    if absorbs_on == AbsorbsOn::Element && absorbs.is_empty() {
        return Err(reader.error(
            root.get("absorbs_on"),
            "absorbs_on",
            "only a rule with `absorbs:` takes findings in",
        ));
    }
    let once_per_application = match root.get("once_per_application") {
        None => None,
        Some(node) => {
            let clause = node.as_str().ok_or_else(|| {
                reader.error(
                    Some(node),
                    "once_per_application",
                    "expected the clause that names each other element (`{name} ({missing})`)",
                )
            })?;
            check_placeholders(clause, !checks.is_empty())
                .map_err(|m| reader.error(Some(node), "once_per_application", m))?;
            Some(clause.to_string())
        }
    };
    if let Some(own) = absorbs.iter().find(|a| a.rule == id) {
        return Err(reader.error(
            root.get("absorbs"),
            &format!("absorbs.{}", own.rule),
            "a rule cannot absorb itself",
        ));
    }
    let (mut cwe, mut links) = (Vec::new(), Vec::new());
    if let Some(references) = root.get("references") {
        reader.only_keys(references, "references", REFERENCE_FIELDS)?;
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
    let (impact, path) = read_scoring(&reader, root, severity)?;
    Ok(Rule {
        impact,
        path,
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
        checks,
        absorbs,
        absorbs_on,
        once_per_application,
        field_lines,
    })
}

/// The rule's `impact:` (a list, or lists by element kind with `otherwise`) and `path:`, and
/// whether its severity is one the impacts can reach.
fn read_scoring(
    reader: &Reader<'_>,
    root: &Node,
    severity: Severity,
) -> Result<(Impacts, PathScoring), RuleError> {
    let mut impact = Impacts::default();
    if let Some(node) = root.get("impact") {
        match node.as_mapping() {
            Some(entries) => {
                for (key, value) in entries {
                    let name = key.as_str().unwrap_or("");
                    let field = format!("impact.{name}");
                    let impacts = read_impacts(reader, value, &field)?;
                    if name == Impacts::OTHERWISE {
                        impact.otherwise = impacts;
                    } else {
                        let kind = element_kind(name).ok_or_else(|| {
                            reader.error(
                                Some(key),
                                &field,
                                format!(
                                    "expected an element kind ({}) or `{}`",
                                    kind_names(false),
                                    Impacts::OTHERWISE
                                ),
                            )
                        })?;
                        impact.by_kind.push((kind, impacts));
                    }
                }
                // Without it, a subject of another kind would go unscored, at the ceiling.
                if impact.otherwise.is_empty() {
                    return Err(reader.error(
                        Some(node),
                        "impact",
                        format!(
                            "impacts by kind need `{}:` for the other kinds",
                            Impacts::OTHERWISE
                        ),
                    ));
                }
            }
            None => impact.otherwise = read_impacts(reader, node, "impact")?,
        }
        check_reachable(severity, &impact)
            .map_err(|m| reader.error(root.get("severity"), "severity", m))?;
    }
    let path = match root.get("path") {
        None => PathScoring::default(),
        Some(node) => node
            .as_str()
            .and_then(PathScoring::parse)
            .ok_or_else(|| reader.error(Some(node), "path", "expected `network` or `none`"))?,
    };
    Ok((impact, path))
}

/// A list of impact names (or one), each known, each once.
fn read_impacts(reader: &Reader<'_>, node: &Node, field: &str) -> Result<Vec<Impact>, RuleError> {
    let mut impacts = Vec::new();
    for item in reader.list(node, field)? {
        let name = item.as_str().unwrap_or("");
        let known = Impact::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Impact::ALL.iter().map(|i| i.as_str()).collect();
            reader.error(
                Some(item),
                field,
                format!("unknown impact `{name}` ({})", names.join(", ")),
            )
        })?;
        if !impacts.contains(&known) {
            impacts.push(known);
        }
    }
    Ok(impacts)
}

/// Checks the placeholders of a template. `{missing}` is known only to a rule with checks, and
/// such a rule's message must say it (its finding would not say what failed otherwise).
fn check_placeholders(template: &str, with_checks: bool) -> Result<(), String> {
    let mut rest = template;
    let mut says_missing = false;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or("a `{` is not closed")? + open;
        let name = &rest[open + 1..close];
        if name == MISSING_PLACEHOLDER {
            if !with_checks {
                return Err(format!(
                    "`{{{MISSING_PLACEHOLDER}}}` lists the failed checks of a rule with `checks:`; this rule has none"
                ));
            }
            says_missing = true;
            rest = &rest[close + 1..];
            continue;
        }
        let known = PLACEHOLDERS.iter().any(|(p, _)| *p == name)
            || name
                .strip_prefix("attr.")
                .is_some_and(|a| AttrName::parse(a).is_some());
        if !known {
            return Err(format!(
                "unknown placeholder `{{{name}}}` (known: {}, attr.NAME)",
                PLACEHOLDERS
                    .iter()
                    .map(|(p, _)| *p)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        rest = &rest[close + 1..];
    }
    if with_checks && !says_missing {
        return Err(format!(
            "a rule with `checks:` says which failed: put `{{{MISSING_PLACEHOLDER}}}` in its message"
        ));
    }
    Ok(())
}

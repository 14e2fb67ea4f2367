//! Label selection without pairs: workloads grouped into classes of what selectors can see
//! (namespace and labels), compiled selectors, and NetworkPolicy access decided per class.
//!
//! A Service or NetworkPolicy selects pods by namespace and labels only, so workloads that
//! share both are selected alike. Selecting classes instead of workloads, finding candidates
//! through an index of labels, and remembering each access decision per pair of classes keeps
//! the wiring near-linear when thousands of objects share one selector: the work grows with
//! the classes and the flows made, not with services × workloads × policies.

use crate::objects::{Cluster, Object, items, labels};
use crate::workload::Workload;
use std::collections::HashMap;
use trustmap_model::Span;
use trustmap_yaml::Node;

/// A `LabelSelector` (`matchLabels` and `matchExpressions`), read once.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    match_labels: Vec<(String, String)>,
    expressions: Vec<Expression>,
}

#[derive(Debug, Clone)]
struct Expression {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// An operator Kubernetes does not know: it matches nothing.
    Invalid,
}

impl Selector {
    /// Reads a `LabelSelector` node; an empty or null one selects everything.
    pub fn compile(node: &Node) -> Selector {
        let expressions = node
            .get("matchExpressions")
            .and_then(Node::as_sequence)
            .unwrap_or(&[])
            .iter()
            .map(|expression| Expression {
                key: expression
                    .get("key")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string(),
                operator: match expression.get("operator").and_then(Node::as_str) {
                    Some("In") => Operator::In,
                    Some("NotIn") => Operator::NotIn,
                    Some("Exists") => Operator::Exists,
                    Some("DoesNotExist") => Operator::DoesNotExist,
                    _ => Operator::Invalid,
                },
                values: items(expression, &["values"])
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
            })
            .collect();
        Selector {
            match_labels: labels(node.get("matchLabels")),
            expressions,
        }
    }

    /// An equality selector (a Service's `spec.selector`).
    pub fn equality(pairs: Vec<(String, String)>) -> Selector {
        Selector {
            match_labels: pairs,
            expressions: Vec::new(),
        }
    }

    /// Whether the selector selects `labels`.
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
        if !self.match_labels.iter().all(|pair| labels.contains(pair)) {
            return false;
        }
        self.expressions.iter().all(|expression| {
            let value = labels
                .iter()
                .find(|(k, _)| *k == expression.key)
                .map(|(_, v)| v);
            match expression.operator {
                Operator::In => value.is_some_and(|v| expression.values.contains(v)),
                Operator::NotIn => value.is_none_or(|v| !expression.values.contains(v)),
                Operator::Exists => value.is_some(),
                Operator::DoesNotExist => value.is_none(),
                Operator::Invalid => false,
            }
        })
    }
}

/// Workloads that share a namespace and labels.
#[derive(Debug)]
pub struct PodClass {
    /// The namespace.
    pub namespace: String,
    /// The labels, sorted.
    pub labels: Vec<(String, String)>,
    /// The indexes of its workloads, in order.
    pub workloads: Vec<usize>,
}

/// Every workload's class, and an index of classes by namespace and by label.
#[derive(Debug, Default)]
pub struct PodClasses {
    /// The classes, in the order of their first workload.
    pub classes: Vec<PodClass>,
    /// The class of each workload.
    pub class_of: Vec<usize>,
    in_namespace: HashMap<String, Vec<usize>>,
    by_label: HashMap<(String, String, String), Vec<usize>>,
}

impl PodClasses {
    /// Groups the workloads.
    pub fn new(workloads: &[Workload]) -> PodClasses {
        let mut classes = PodClasses::default();
        let mut index: HashMap<(String, Vec<(String, String)>), usize> = HashMap::new();
        for (w, workload) in workloads.iter().enumerate() {
            let mut labels = workload.labels.clone();
            labels.sort();
            let key = (workload.namespace.clone(), labels);
            let class = match index.get(&key) {
                Some(&class) => class,
                None => {
                    let class = classes.classes.len();
                    let (namespace, labels) = key.clone();
                    classes
                        .in_namespace
                        .entry(namespace.clone())
                        .or_default()
                        .push(class);
                    for (k, v) in &labels {
                        classes
                            .by_label
                            .entry((namespace.clone(), k.clone(), v.clone()))
                            .or_default()
                            .push(class);
                    }
                    classes.classes.push(PodClass {
                        namespace,
                        labels,
                        workloads: Vec::new(),
                    });
                    index.insert(key, class);
                    class
                }
            };
            classes.classes[class].workloads.push(w);
            classes.class_of.push(class);
        }
        classes
    }

    /// The classes of `namespace` that `selector` selects, in order. Only the classes that
    /// carry the rarest of its `matchLabels` pairs are tested.
    pub fn selected(&self, namespace: &str, selector: &Selector) -> Vec<usize> {
        let candidates = selector
            .match_labels
            .iter()
            .map(|(k, v)| {
                self.by_label
                    .get(&(namespace.to_string(), k.clone(), v.clone()))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|classes| classes.len())
            .unwrap_or_else(|| {
                self.in_namespace
                    .get(namespace)
                    .map_or(&[][..], Vec::as_slice)
            });
        candidates
            .iter()
            .copied()
            .filter(|&c| selector.matches(&self.classes[c].labels))
            .collect()
    }
}

/// One side of a policy rule: `podSelector` and/or `namespaceSelector` (an `ipBlock` peer has
/// neither and admits no pod).
#[derive(Debug)]
struct Peer {
    pods: Option<Selector>,
    namespaces: Option<Selector>,
}

/// An `ingress` or `egress` rule: `None` peers admit everything.
#[derive(Debug)]
struct Rule {
    peers: Option<Vec<Peer>>,
}

/// Which way a policy rule admits traffic.
#[derive(Debug, Clone, Copy)]
enum Direction {
    Ingress,
    Egress,
}

/// A NetworkPolicy, read once.
struct Policy<'o> {
    object: &'o Object,
    ingress: Option<Vec<Rule>>,
    egress: Option<Vec<Rule>>,
    /// The span of the pod selector (or of the policy).
    selector_span: Span,
    /// The span of the first ingress rule that admits everything on every port.
    admits_all: Option<Span>,
}

/// Whether a NetworkPolicy governs a direction (`Ingress` or `Egress`) for the pods it selects:
/// as its `policyTypes` say, or without them, ingress always and egress when it has egress
/// rules.
fn governs(spec: Option<&Node>, direction: &str) -> bool {
    let types: Vec<&str> = spec
        .map(|s| items(s, &["policyTypes"]))
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect();
    if types.is_empty() {
        direction == "Ingress" || spec.and_then(|s| s.get("egress")).is_some()
    } else {
        types.contains(&direction)
    }
}

fn rules(
    spec: Option<&Node>,
    direction: &str,
    rules_key: &str,
    peers_key: &str,
) -> Option<Vec<Rule>> {
    if !governs(spec, direction) {
        return None;
    }
    let rules = spec.map(|s| items(s, &[rules_key])).unwrap_or(&[]);
    Some(
        rules
            .iter()
            .map(|rule| Rule {
                peers: rule
                    .get(peers_key)
                    .and_then(Node::as_sequence)
                    .filter(|peers| !peers.is_empty())
                    .map(|peers| {
                        peers
                            .iter()
                            .map(|peer| Peer {
                                pods: peer.get("podSelector").map(Selector::compile),
                                namespaces: peer.get("namespaceSelector").map(Selector::compile),
                            })
                            .collect()
                    }),
            })
            .collect(),
    )
}

/// What NetworkPolicies say about each class of pods, and the access decisions made so far.
pub struct Access<'c> {
    classes: &'c PodClasses,
    policies: Vec<Policy<'c>>,
    /// The labels of each namespace: those of its Namespace object, and
    /// `kubernetes.io/metadata.name`.
    namespace_labels: HashMap<String, Vec<(String, String)>>,
    /// Per class: its set of selecting ingress policies, and of egress policies (interned).
    ingress_set: Vec<usize>,
    egress_set: Vec<usize>,
    sets: Vec<Vec<usize>>,
    ingress_allows: HashMap<(usize, usize), bool>,
    egress_allows: HashMap<(usize, usize), bool>,
}

impl<'c> Access<'c> {
    /// Reads every NetworkPolicy and finds the classes each selects.
    pub fn new(cluster: &'c Cluster, classes: &'c PodClasses) -> Access<'c> {
        let policies: Vec<Policy> = cluster
            .of_kind("NetworkPolicy")
            .map(|object| {
                let spec = object.node.get("spec");
                let unrestricted = |rule: &Node, key: &str| {
                    rule.get(key)
                        .and_then(Node::as_sequence)
                        .is_none_or(|l| l.is_empty())
                };
                let admits_all = governs(spec, "Ingress")
                    .then(|| {
                        spec.map(|s| items(s, &["ingress"]))
                            .unwrap_or(&[])
                            .iter()
                            .find(|rule| unrestricted(rule, "from") && unrestricted(rule, "ports"))
                            .map(|rule| cluster.span(rule))
                    })
                    .flatten();
                Policy {
                    object,
                    ingress: rules(spec, "Ingress", "ingress", "from"),
                    egress: rules(spec, "Egress", "egress", "to"),
                    selector_span: spec
                        .and_then(|s| s.get("podSelector"))
                        .map_or_else(|| cluster.span(&object.node), |s| cluster.span(s)),
                    admits_all,
                }
            })
            .collect();
        let mut ingress: Vec<Vec<usize>> = vec![Vec::new(); classes.classes.len()];
        let mut egress: Vec<Vec<usize>> = vec![Vec::new(); classes.classes.len()];
        for (p, policy) in policies.iter().enumerate() {
            let selector = policy
                .object
                .node
                .get("spec")
                .and_then(|s| s.get("podSelector"))
                .map(Selector::compile)
                .unwrap_or_default();
            for class in classes.selected(&policy.object.namespace, &selector) {
                if policy.ingress.is_some() {
                    ingress[class].push(p);
                }
                if policy.egress.is_some() {
                    egress[class].push(p);
                }
            }
        }
        let mut sets: Vec<Vec<usize>> = Vec::new();
        let mut interned: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut intern = |set: Vec<usize>| {
            *interned.entry(set.clone()).or_insert_with(|| {
                sets.push(set);
                sets.len() - 1
            })
        };
        let ingress_set = ingress.into_iter().map(&mut intern).collect();
        let egress_set = egress.into_iter().map(&mut intern).collect();
        let mut namespace_labels = HashMap::new();
        for class in &classes.classes {
            namespace_labels
                .entry(class.namespace.clone())
                .or_insert_with(|| {
                    let mut found = cluster
                        .find("Namespace", "", &class.namespace)
                        .map(Object::labels)
                        .unwrap_or_default();
                    found.push((
                        "kubernetes.io/metadata.name".to_string(),
                        class.namespace.clone(),
                    ));
                    found
                });
        }
        Access {
            classes,
            policies,
            namespace_labels,
            ingress_set,
            egress_set,
            sets,
            ingress_allows: HashMap::new(),
            egress_allows: HashMap::new(),
        }
    }

    /// Whether a class is isolated for ingress: `(Yes, span of the first selecting policy)`,
    /// `(No, span of the rule)` when a selecting policy admits everything, `None` when no
    /// policy selects it.
    pub fn isolation(&self, class: usize) -> Option<(bool, Span)> {
        let set = &self.sets[self.ingress_set[class]];
        let first = self.policies[*set.first()?].selector_span.clone();
        Some(
            match set
                .iter()
                .find_map(|&p| self.policies[p].admits_all.clone())
            {
                Some(rule) => (false, rule),
                None => (true, first),
            },
        )
    }

    /// Whether the NetworkPolicies of both ends let pods of class `source` connect to pods of
    /// class `target`: the target's ingress policies must admit the source and the source's
    /// egress policies must admit the target. Ports are not compared (the port at the pod is
    /// often unknown), so a policy that admits a peer on some port allows the flow.
    pub fn allowed(&mut self, source: usize, target: usize) -> bool {
        let ingress_key = (source, self.ingress_set[target]);
        let ingress = match self.ingress_allows.get(&ingress_key) {
            Some(&known) => known,
            None => {
                let known = self.admits(ingress_key.1, source, Direction::Ingress);
                self.ingress_allows.insert(ingress_key, known);
                known
            }
        };
        if !ingress {
            return false;
        }
        let egress_key = (self.egress_set[source], target);
        match self.egress_allows.get(&egress_key) {
            Some(&known) => known,
            None => {
                let known = self.admits(egress_key.0, target, Direction::Egress);
                self.egress_allows.insert(egress_key, known);
                known
            }
        }
    }

    /// Whether the policies of `set` (the policies governing one end) admit class `other`:
    /// none governs it, or a rule of one of them admits `other`.
    fn admits(&self, set: usize, other: usize, direction: Direction) -> bool {
        let set = &self.sets[set];
        set.is_empty()
            || set.iter().any(|&p| {
                let policy = &self.policies[p];
                let rules = match direction {
                    Direction::Ingress => &policy.ingress,
                    Direction::Egress => &policy.egress,
                };
                rules.as_deref().unwrap_or(&[]).iter().any(|rule| {
                    rule.peers.as_ref().is_none_or(|peers| {
                        peers
                            .iter()
                            .any(|peer| self.peer_matches(peer, &policy.object.namespace, other))
                    })
                })
            })
    }

    /// Whether a policy peer matches a class, for a policy in `policy_namespace`.
    fn peer_matches(&self, peer: &Peer, policy_namespace: &str, class: usize) -> bool {
        let class = &self.classes.classes[class];
        let namespace_ok = match &peer.namespaces {
            Some(selector) => selector.matches(
                self.namespace_labels
                    .get(&class.namespace)
                    .map_or(&[][..], Vec::as_slice),
            ),
            None => class.namespace == policy_namespace,
        };
        let pods_ok = peer
            .pods
            .as_ref()
            .is_none_or(|selector| selector.matches(&class.labels));
        (peer.pods.is_some() || peer.namespaces.is_some()) && namespace_ok && pods_ok
    }
}

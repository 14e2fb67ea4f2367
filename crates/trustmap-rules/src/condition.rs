//! The condition language: what a rule tests, and its three-valued evaluation over the model.
//!
//! A condition is a YAML mapping with one operator:
//!
//! | operator | on | true when |
//! | --- | --- | --- |
//! | `all: [c, ...]`, `any: [c, ...]`, `not: c` | both | boolean combinators (Kleene logic: unknown stays unknown) |
//! | `attr: NAME` with `is: yes\|no`, `equals: [..]`, `matches: REGEX`, `contains_any: [..]`, `not_empty: true` | both | the attribute passes the test (`is: yes` when no test is given); an attribute the code does not state is unknown |
//! | `kind: [process, data_store, external_entity]` | element | the element is of one of these kinds |
//! | `zone: KIND` or `zone: {kind: KIND, trust_at_most: LEVEL}` | element | the element's zone matches |
//! | `inbound: c`, `outbound: c` | element | some flow into (out of) the element satisfies `c` |
//! | `reachable_from_internet: any\|unauthenticated` | element | a chain of flows (not known to be authenticated) leads from the internet to it |
//! | `same_zone_as: c` | element | another element in the same zone satisfies `c` |
//! | `source: c`, `target: c` | flow | the flow's endpoint satisfies `c` |
//! | `crosses_boundary: any\|into_higher_trust` | flow | the flow crosses a trust boundary (into a zone of higher trust) |
//! | `protocol: [..]` | flow | the flow's protocol is one of these |
//!
//! An attribute the subject does not have at all (its input format has no such setting, such as
//! `logging` on a Kubernetes workload) makes a test false, and its negation false too: a rule
//! never fires on a fact the model cannot state. An attribute the parser set to unknown is
//! unknown.

use trustmap_model::{
    AttrName, AttrValue, Attributes, Element, ElementKind, Flow, Model, Reachability, Span, Tri,
    TrustLevel, ZoneKind,
};

/// A test on one attribute.
#[derive(Debug, Clone)]
pub enum AttrTest {
    /// The flag has this value.
    Is(Tri),
    /// The text is one of these.
    Equals(Vec<String>),
    /// The text matches, or some list item matches.
    Matches(regex::Regex),
    /// Some list item is one of these (case-insensitive).
    ContainsAny(Vec<String>),
    /// The list has at least one item.
    NotEmpty,
}

/// Whether a rule is about elements or flows; conditions are checked against it when they load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The condition is evaluated on an element.
    Element,
    /// The condition is evaluated on a flow.
    Flow,
}

/// Which boundary crossings a `crosses_boundary` test accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    /// Any boundary.
    Any,
    /// Only into a zone of higher trust than the source's.
    IntoHigherTrust,
}

/// A parsed condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Every condition holds.
    All(Vec<Condition>),
    /// Some condition holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// An attribute test.
    Attr(AttrName, AttrTest),
    /// The element is of one of these kinds.
    Kind(Vec<ElementKind>),
    /// The element's zone is of this kind and at most this trusted.
    Zone(Option<ZoneKind>, Option<TrustLevel>),
    /// Some inbound flow satisfies the condition.
    Inbound(Box<Condition>),
    /// Some outbound flow satisfies the condition.
    Outbound(Box<Condition>),
    /// The element is reachable from the internet.
    ReachableFromInternet(Reachability),
    /// The element takes connections from the internet, directly or through forwarders.
    ExposedToInternet,
    /// Another element in the same zone satisfies the condition.
    SameZoneAs(Box<Condition>),
    /// The flow's source satisfies the condition.
    Source(Box<Condition>),
    /// The flow's target satisfies the condition.
    Target(Box<Condition>),
    /// The flow crosses a boundary.
    CrossesBoundary(Crossing),
    /// The flow's protocol is one of these.
    Protocol(Vec<String>),
}

/// What a condition is evaluated on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'m> {
    /// An element.
    Element(&'m Element),
    /// A flow.
    Flow(&'m Flow),
}

impl<'m> Target<'m> {
    fn attributes(&self) -> &'m Attributes {
        match self {
            Target::Element(e) => &e.attributes,
            Target::Flow(f) => &f.attributes,
        }
    }
}

/// The result of evaluating a condition: its truth, the spans that made it so (the most
/// specific first), and related places worth showing.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Yes, no or unknown.
    pub truth: Option<Tri>,
    /// Spans of the facts that decided it.
    pub evidence: Vec<Span>,
    /// Other places that explain it, with a message each.
    pub related: Vec<(Span, String)>,
    /// The outcome is false because an attribute does not exist for the subject; negation
    /// keeps it false.
    pub missing: bool,
}

impl Outcome {
    fn of(truth: Tri) -> Outcome {
        Outcome {
            truth: Some(truth),
            ..Outcome::default()
        }
    }

    /// The truth value (`Unknown` when never set).
    pub fn truth(&self) -> Tri {
        self.truth.unwrap_or(Tri::Unknown)
    }
}

impl Condition {
    /// Evaluates the condition on `target`.
    pub fn evaluate(&self, model: &Model, target: Target<'_>) -> Outcome {
        match (self, target) {
            (Condition::All(parts), _) => {
                let mut out = Outcome::of(Tri::Yes);
                for part in parts {
                    let o = part.evaluate(model, target);
                    out.truth = Some(out.truth().and(o.truth()));
                    if out.truth() == Tri::No {
                        return Outcome {
                            missing: o.missing,
                            ..Outcome::of(Tri::No)
                        };
                    }
                    out.evidence.extend(o.evidence);
                    out.related.extend(o.related);
                }
                out
            }
            (Condition::Any(parts), _) => {
                let outcomes: Vec<Outcome> =
                    parts.iter().map(|p| p.evaluate(model, target)).collect();
                let truth = outcomes.iter().fold(Tri::No, |acc, o| acc.or(o.truth()));
                let mut out = Outcome::of(truth);
                out.missing = truth == Tri::No && outcomes.iter().any(|o| o.missing);
                // Evidence comes from the branches that decided: the true ones, else the unknown.
                for o in outcomes.into_iter().filter(|o| o.truth() == truth) {
                    out.evidence.extend(o.evidence);
                    out.related.extend(o.related);
                }
                out
            }
            (Condition::Not(inner), _) => {
                let mut o = inner.evaluate(model, target);
                if !o.missing {
                    o.truth = Some(o.truth().negate());
                }
                o
            }
            (Condition::Attr(name, test), _) => {
                evaluate_attribute(target.attributes(), *name, test)
            }
            (Condition::Kind(kinds), Target::Element(e)) => {
                Outcome::of(Tri::from_bool(kinds.contains(&e.kind)))
            }
            (Condition::Zone(kind, trust), Target::Element(e)) => {
                let zone = model.zone_of(e);
                let ok =
                    kind.is_none_or(|k| zone.kind == k) && trust.is_none_or(|t| zone.trust <= t);
                Outcome::of(Tri::from_bool(ok))
            }
            (Condition::Inbound(inner), Target::Element(e)) => exists(
                model,
                model.inbound(&e.id).into_iter().map(Target::Flow),
                inner,
            ),
            (Condition::Outbound(inner), Target::Element(e)) => exists(
                model,
                model.outbound(&e.id).into_iter().map(Target::Flow),
                inner,
            ),
            (Condition::ReachableFromInternet(how), Target::Element(e)) => {
                Outcome::of(Tri::from_bool(model.reachable_from_internet(&e.id, *how)))
            }
            (Condition::ExposedToInternet, Target::Element(e)) => {
                let mut out = Outcome::of(model.exposure(&e.id));
                if out.truth() != Tri::No {
                    let path = model.exposure_path(&e.id);
                    out.evidence
                        .extend(path.first().and_then(|f| f.span.clone()));
                    for flow in path.iter().skip(1) {
                        if let Some(span) = &flow.span {
                            out.related
                                .push((span.clone(), format!("exposed through {}", flow.id)));
                        }
                    }
                }
                out
            }
            (Condition::SameZoneAs(inner), Target::Element(e)) => {
                let neighbours = model
                    .neighbours_in_zones(e)
                    .into_iter()
                    .map(Target::Element);
                exists(model, neighbours, inner)
            }
            (Condition::Source(inner), Target::Flow(f)) => match model.element(&f.source) {
                Some(source) => inner.evaluate(model, Target::Element(source)),
                None => Outcome::of(Tri::Unknown),
            },
            (Condition::Target(inner), Target::Flow(f)) => match model.element(&f.target) {
                Some(t) => inner.evaluate(model, Target::Element(t)),
                None => Outcome::of(Tri::Unknown),
            },
            (Condition::CrossesBoundary(crossing), Target::Flow(f)) => {
                let crosses = match crossing {
                    Crossing::Any => !model.boundaries_crossed(f).is_empty(),
                    Crossing::IntoHigherTrust => model.enters_higher_trust(f),
                };
                Outcome::of(Tri::from_bool(crosses))
            }
            (Condition::Protocol(protocols), Target::Flow(f)) => match &f.protocol {
                Some(p) => Outcome::of(Tri::from_bool(protocols.iter().any(|x| x == p))),
                None => Outcome::of(Tri::Unknown),
            },
            // Loading checks every operator against its context, so this is unreachable for
            // loaded rules; a hand-built condition in the wrong context is simply false.
            _ => Outcome::of(Tri::No),
        }
    }

    /// Checks that every operator is used where it means something; returns the offending
    /// operator's name otherwise.
    pub fn check(&self, context: Context) -> Result<(), String> {
        use Condition as C;
        match (self, context) {
            (C::All(parts) | C::Any(parts), _) => parts.iter().try_for_each(|p| p.check(context)),
            (C::Not(inner), _) => inner.check(context),
            (C::Attr(..), _) => Ok(()),
            (
                C::Kind(_) | C::Zone(..) | C::ReachableFromInternet(_) | C::ExposedToInternet,
                Context::Element,
            ) => Ok(()),
            (C::Inbound(inner) | C::Outbound(inner), Context::Element) => {
                inner.check(Context::Flow)
            }
            (C::SameZoneAs(inner), Context::Element) => inner.check(Context::Element),
            (C::Source(inner) | C::Target(inner), Context::Flow) => inner.check(Context::Element),
            (C::CrossesBoundary(_) | C::Protocol(_), Context::Flow) => Ok(()),
            (c, Context::Element) => {
                Err(format!("`{}` applies to flows, not elements", c.operator()))
            }
            (c, Context::Flow) => Err(format!("`{}` applies to elements, not flows", c.operator())),
        }
    }

    fn operator(&self) -> &'static str {
        match self {
            Condition::All(_) => "all",
            Condition::Any(_) => "any",
            Condition::Not(_) => "not",
            Condition::Attr(..) => "attr",
            Condition::Kind(_) => "kind",
            Condition::Zone(..) => "zone",
            Condition::Inbound(_) => "inbound",
            Condition::Outbound(_) => "outbound",
            Condition::ReachableFromInternet(_) => "reachable_from_internet",
            Condition::ExposedToInternet => "exposed_to_internet",
            Condition::SameZoneAs(_) => "same_zone_as",
            Condition::Source(_) => "source",
            Condition::Target(_) => "target",
            Condition::CrossesBoundary(_) => "crosses_boundary",
            Condition::Protocol(_) => "protocol",
        }
    }
}

fn exists<'m>(
    model: &Model,
    candidates: impl Iterator<Item = Target<'m>>,
    inner: &Condition,
) -> Outcome {
    let mut out = Outcome::of(Tri::No);
    let mut unknown = Vec::new();
    for candidate in candidates {
        let o = inner.evaluate(model, candidate);
        let (span, label) = match candidate {
            Target::Element(e) => (e.span.clone(), format!("{} ({})", e.name, e.id)),
            Target::Flow(f) => (f.span.clone(), format!("flow {}", f.id)),
        };
        match o.truth() {
            Tri::Yes => {
                out.truth = Some(Tri::Yes);
                out.evidence.extend(o.evidence);
                if let Some(span) = span.clone() {
                    out.evidence.push(span.clone());
                    out.related.push((span, label));
                }
                out.related.extend(o.related);
            }
            Tri::Unknown => unknown.push((o, span, label)),
            Tri::No => {}
        }
    }
    if out.truth() == Tri::No && !unknown.is_empty() {
        out.truth = Some(Tri::Unknown);
        for (o, span, label) in unknown {
            out.evidence.extend(o.evidence);
            if let Some(span) = span {
                out.evidence.push(span.clone());
                out.related.push((span, label));
            }
        }
    }
    out
}

fn evaluate_attribute(attributes: &Attributes, name: AttrName, test: &AttrTest) -> Outcome {
    let Some(attribute) = attributes.get(name) else {
        return Outcome {
            missing: true,
            ..Outcome::of(Tri::No)
        };
    };
    let span = attribute.span.clone();
    let mut out = match (&attribute.value, test) {
        (AttrValue::Flag(value), AttrTest::Is(wanted)) => {
            if *value == Tri::Unknown {
                Outcome::of(Tri::Unknown)
            } else {
                Outcome::of(Tri::from_bool(value == wanted))
            }
        }
        (AttrValue::Text(text), AttrTest::Equals(options)) => {
            Outcome::of(Tri::from_bool(options.iter().any(|o| o == text)))
        }
        (AttrValue::Text(text), AttrTest::Matches(regex)) => {
            Outcome::of(Tri::from_bool(regex.is_match(text)))
        }
        (AttrValue::List(items), AttrTest::NotEmpty) => {
            let mut o = Outcome::of(Tri::from_bool(!items.is_empty()));
            o.evidence
                .extend(items.iter().filter_map(|i| i.span.clone()));
            return o;
        }
        (AttrValue::List(items), AttrTest::ContainsAny(options) | AttrTest::Equals(options)) => {
            let hits: Vec<_> = items
                .iter()
                .filter(|i| options.iter().any(|o| o.eq_ignore_ascii_case(&i.value)))
                .collect();
            let mut o = Outcome::of(Tri::from_bool(!hits.is_empty()));
            o.evidence
                .extend(hits.iter().filter_map(|i| i.span.clone()));
            return o;
        }
        (AttrValue::List(items), AttrTest::Matches(regex)) => {
            let hits: Vec<_> = items.iter().filter(|i| regex.is_match(&i.value)).collect();
            let mut o = Outcome::of(Tri::from_bool(!hits.is_empty()));
            o.evidence
                .extend(hits.iter().filter_map(|i| i.span.clone()));
            return o;
        }
        // Loading rejects tests that do not fit the attribute's kind.
        _ => Outcome::of(Tri::Unknown),
    };
    out.evidence.extend(span);
    out
}

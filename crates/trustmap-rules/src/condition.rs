//! The condition language: what a rule tests, and its three-valued evaluation over the model.
//!
//! A condition is a YAML mapping with one operator. The operators, where each applies and what
//! it means are listed once, in `language.rs`, which the loader checks rule files against and
//! which `docs/rules.md` (`trustmap rules docs`) is generated from.
//!
//! An attribute the subject does not have at all (its input format has no such setting, such as
//! `logging` on a Kubernetes workload) makes a test false, and its negation false too: a rule
//! never fires on a fact the model cannot state. An attribute the parser set to unknown is
//! unknown. A test written with `if_absent: no` is instead plainly false where the attribute is
//! absent (and its negation true): for facts only some subjects carry, such as `read_only`.
//!
//! Negation is pushed down to the tests (`not all` is `any` of the negations, `not inbound: c`
//! is "every inbound flow satisfies `not c`"), and `all`, `any` and the quantifiers are Kleene
//! `and` and `or` over their parts, so the answer never depends on the order the parts are
//! written in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use trustmap_model::{
    AttrName, AttrValue, Attributes, Element, ElementKind, Flow, Item, Model, Port, PortRange,
    Protocol, Reachability, Span, Tri, TrustLevel, ZoneId, ZoneKind,
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

/// What an attribute test says about a subject that does not have the attribute at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IfAbsent {
    /// Neither the test nor its negation holds: the subject's format cannot state the fact, so
    /// no rule fires on it either way (the default).
    #[default]
    NeitherHolds,
    /// The test is plainly false and its negation true (`if_absent: no`): for facts only some
    /// subjects can have, such as `read_only`, which only mounts and data doors carry.
    False,
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

/// One item of a `port` test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortTest {
    /// The flow may reach some port of the range (`22`, `8000-8010`): a flow open on every
    /// port reaches every range.
    Reaches(PortRange),
    /// The flow is open on every port (`every`).
    Every,
}

impl PortTest {
    /// Whether a flow on `port` passes: three-valued, unknown for a port known only by name.
    fn test(self, port: &Port) -> Tri {
        match (self, port) {
            (PortTest::Reaches(range), port) => port.reaches(range),
            (PortTest::Every, Port::Every) => Tri::Yes,
            // A named port is one port, whatever its number.
            (PortTest::Every, Port::Range(_) | Port::Named(_)) => Tri::No,
        }
    }
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
    /// An attribute test, and what it says about a subject without the attribute.
    Attr(AttrName, AttrTest, IfAbsent),
    /// The element is of one of these kinds.
    Kind(Vec<ElementKind>),
    /// The element's technology is one of these (an element without one: false).
    Technology(Vec<String>),
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
    /// Another element in the same zone satisfies the condition: any other, or only those
    /// with no flow into this one (not its clients).
    SameZoneAs(Box<Condition>, Neighbours),
    /// The flow's source satisfies the condition.
    Source(Box<Condition>),
    /// The flow's target satisfies the condition.
    Target(Box<Condition>),
    /// The flow crosses a boundary.
    CrossesBoundary(Crossing),
    /// The flow's protocol is one of these; with `true`, a plain TCP flow on a range of ports
    /// also passes for each protocol whose well-known port the range holds (the door admits
    /// it). Rules about flows ask so of their own flow ([`Condition::admit_port_ranges`]);
    /// about the flows of an element (`inbound`), a range says nothing of what listens there.
    Protocol(Vec<Protocol>, bool),
    /// Some port of the flow passes one of these tests.
    Port(Vec<PortTest>),
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

/// Whether a condition is evaluated as written or under an odd number of `not`s.
///
/// Negation is pushed down to the tests (negation normal form) instead of flipping a finished
/// result, so that a test on an attribute the subject does not have can be false in *both*
/// polarities without any mark having to survive `all`, `any` and the quantifiers: `all` under
/// negation is `any` of the negated parts, `inbound: c` under negation is "every inbound flow
/// satisfies `not c`", and so on. Every combination is a commutative Kleene `and` or `or`, so the
/// order in which a rule lists its parts never changes its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Polarity {
    AsWritten,
    Negated,
}

impl Polarity {
    fn flip(self) -> Polarity {
        match self {
            Polarity::AsWritten => Polarity::Negated,
            Polarity::Negated => Polarity::AsWritten,
        }
    }

    /// The truth of a test whose plain truth is `truth`, in this polarity.
    fn apply(self, truth: Tri) -> Tri {
        match self {
            Polarity::AsWritten => truth,
            Polarity::Negated => truth.negate(),
        }
    }
}

/// How the parts of `all`, `any` or a quantifier are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Junction {
    /// Kleene `and`: every part must hold.
    Conjunction,
    /// Kleene `or`: some part must hold.
    Disjunction,
}

impl Junction {
    /// `all` as written is a conjunction; under negation it is the disjunction of the negated
    /// parts (De Morgan), and the other way round for `any`.
    fn under(self, polarity: Polarity) -> Junction {
        match (self, polarity) {
            (j, Polarity::AsWritten) => j,
            (Junction::Conjunction, Polarity::Negated) => Junction::Disjunction,
            (Junction::Disjunction, Polarity::Negated) => Junction::Conjunction,
        }
    }

    fn combine(self, a: Tri, b: Tri) -> Tri {
        match self {
            Junction::Conjunction => a.and(b),
            Junction::Disjunction => a.or(b),
        }
    }

    /// The value of the junction of no parts.
    fn identity(self) -> Tri {
        match self {
            Junction::Conjunction => Tri::Yes,
            Junction::Disjunction => Tri::No,
        }
    }
}

/// Combines already evaluated parts: the truth is the Kleene junction of all of them, whatever
/// their order; the evidence comes from the parts that decided it (for `or`, the true ones, else
/// the unknown ones; for `and`, every part unless one is false, which leaves no evidence).
fn combine(junction: Junction, parts: Vec<Outcome>) -> Outcome {
    let truth = parts.iter().fold(junction.identity(), |acc, o| {
        junction.combine(acc, o.truth())
    });
    let mut out = Outcome::of(truth);
    let decided = |o: &Outcome| match junction {
        Junction::Conjunction => truth != Tri::No,
        Junction::Disjunction => o.truth() == truth && truth != Tri::No,
    };
    for part in parts.into_iter().filter(|o| decided(o)) {
        out.evidence.extend(part.evidence);
        out.related.extend(part.related);
    }
    out
}

impl Condition {
    /// The protocols the condition asks a flow to speak, as written (not under `not`, nor
    /// about the flows of an element or the ends of a flow): a message names the one a flow
    /// admits through a range of ports.
    pub fn protocols_asked(&self) -> Vec<&Protocol> {
        match self {
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter().flat_map(Condition::protocols_asked).collect()
            }
            Condition::Protocol(protocols, true) => protocols.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Makes the `protocol` tests on the rule's own flow (not under `not`, `inbound`,
    /// `outbound`, `source` or `target`) pass for a plain TCP door whose range of ports holds
    /// the protocol's well-known port: the door admits it. Under `not` a range would make the
    /// door *not* something it may well be (`not: {protocol: [dns]}` on a range holding 53):
    /// there the flow's own protocol decides.
    pub fn admit_port_ranges(&mut self) {
        match self {
            Condition::All(parts) | Condition::Any(parts) => {
                parts.iter_mut().for_each(Condition::admit_port_ranges);
            }
            Condition::Protocol(_, ranges) => *ranges = true,
            _ => {}
        }
    }

    /// Evaluates the condition on `target`.
    pub fn evaluate(&self, model: &Model, target: Target<'_>) -> Outcome {
        self.evaluate_with(&Evaluation::new(model), target)
    }

    /// Evaluates the condition on `target` within `evaluation`, whose findings on the model
    /// it shares with the other subjects of the same evaluation.
    pub fn evaluate_with(&self, evaluation: &Evaluation<'_>, target: Target<'_>) -> Outcome {
        self.evaluate_in(evaluation, target, Polarity::AsWritten)
    }

    fn evaluate_in(
        &self,
        model: &Evaluation<'_>,
        target: Target<'_>,
        polarity: Polarity,
    ) -> Outcome {
        let plain = |truth: Tri| Outcome::of(polarity.apply(truth));
        match (self, target) {
            (Condition::All(parts), _) => junction(
                model,
                target,
                polarity,
                Junction::Conjunction.under(polarity),
                parts,
            ),
            (Condition::Any(parts), _) => junction(
                model,
                target,
                polarity,
                Junction::Disjunction.under(polarity),
                parts,
            ),
            (Condition::Not(inner), _) => inner.evaluate_in(model, target, polarity.flip()),
            (Condition::Attr(name, test, absent), _) => {
                evaluate_attribute(target.attributes(), *name, test, *absent, polarity)
            }
            (Condition::Kind(kinds), Target::Element(e)) => {
                plain(Tri::from_bool(kinds.contains(&e.kind)))
            }
            (Condition::Technology(names), Target::Element(e)) => plain(Tri::from_bool(
                e.technology
                    .as_deref()
                    .is_some_and(|t| names.iter().any(|n| n == t)),
            )),
            (Condition::Zone(kind, trust), Target::Element(e)) => {
                let zone = model.zone_of(e);
                let ok =
                    kind.is_none_or(|k| zone.kind == k) && trust.is_none_or(|t| zone.trust <= t);
                plain(Tri::from_bool(ok))
            }
            (Condition::Inbound(inner), Target::Element(e)) => exists(
                model,
                model.inbound(&e.id).into_iter().map(Target::Flow),
                inner,
                polarity,
            ),
            (Condition::Outbound(inner), Target::Element(e)) => exists(
                model,
                model.outbound(&e.id).into_iter().map(Target::Flow),
                inner,
                polarity,
            ),
            (Condition::ReachableFromInternet(how), Target::Element(e)) => {
                plain(Tri::from_bool(model.reachable_from_internet(&e.id, *how)))
            }
            (Condition::ExposedToInternet, Target::Element(e)) => {
                let exposure = model.exposure(&e.id);
                let mut out = plain(exposure);
                if exposure != Tri::No {
                    let path = model.exposure_path(&e.id);
                    if let Some(door) = path.first() {
                        out.evidence.extend(door.span.clone());
                        out.related.extend(passed_through(via_at(door)));
                    }
                    for flow in path.iter().skip(1) {
                        if let Some(span) = &flow.span {
                            out.related.push((
                                span.clone(),
                                format!(
                                    "exposed through {}",
                                    crate::engine::flow_in_words(model, flow)
                                ),
                            ));
                        }
                    }
                }
                out
            }
            // An element in one zone: the zone's witnesses, found once, but for itself.
            (Condition::SameZoneAs(inner, neighbours), Target::Element(e))
                if e.attached_zones.is_empty() =>
            {
                let witnesses = model.zone_witnesses(inner, &e.zone, polarity);
                let left_out = neighbours.left_out(model, e);
                decide(
                    Junction::Disjunction.under(polarity),
                    witnesses
                        .iter()
                        .filter(|(element, _)| !left_out.contains(element))
                        .map(|(_, o)| o.clone()),
                )
            }
            (Condition::SameZoneAs(inner, neighbours), Target::Element(e)) => {
                let left_out = neighbours.left_out(model, e);
                let candidates = model
                    .neighbours_in_zones(e)
                    .into_iter()
                    .filter(|n| !left_out.contains(&(std::ptr::from_ref::<Element>(n) as usize)))
                    .map(Target::Element);
                exists(model, candidates, inner, polarity)
            }
            (Condition::Source(inner), Target::Flow(f)) => match model.element(&f.source) {
                Some(source) => inner.evaluate_in(model, Target::Element(source), polarity),
                None => Outcome::of(Tri::Unknown),
            },
            (Condition::Target(inner), Target::Flow(f)) => match model.element(&f.target) {
                Some(t) => inner.evaluate_in(model, Target::Element(t), polarity),
                None => Outcome::of(Tri::Unknown),
            },
            (Condition::CrossesBoundary(crossing), Target::Flow(f)) => {
                let crosses = match crossing {
                    Crossing::Any => !model.boundaries_crossed(f).is_empty(),
                    Crossing::IntoHigherTrust => model.enters_higher_trust(f),
                };
                plain(Tri::from_bool(crosses))
            }
            // A plain TCP door on port numbers admits each protocol whose well-known port it
            // holds (`tcp` on 10-100 admits ssh on 22).
            (Condition::Protocol(protocols, ranges), Target::Flow(f)) => match &f.protocol {
                Some(p) => plain(Tri::from_bool(
                    protocols.contains(p)
                        || *ranges && protocols.iter().any(|q| f.range_port_of(q).is_some()),
                )),
                None => Outcome::of(Tri::Unknown),
            },
            (Condition::Port(tests), Target::Flow(f)) => {
                if f.ports.is_empty() {
                    return Outcome::of(Tri::Unknown);
                }
                let truth = f
                    .ports
                    .iter()
                    .flat_map(|port| tests.iter().map(move |test| test.test(port)))
                    .fold(Tri::No, Tri::or);
                plain(truth)
            }
            // Loading checks every operator against its context, so this is unreachable for
            // loaded rules; a hand-built condition in the wrong context is false, and so is
            // its negation.
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
                C::Kind(_)
                | C::Technology(_)
                | C::Zone(..)
                | C::ReachableFromInternet(_)
                | C::ExposedToInternet,
                Context::Element,
            ) => Ok(()),
            (C::Inbound(inner) | C::Outbound(inner), Context::Element) => {
                inner.check(Context::Flow)
            }
            (C::SameZoneAs(inner, _), Context::Element) => inner.check(Context::Element),
            (C::Source(inner) | C::Target(inner), Context::Flow) => inner.check(Context::Element),
            (C::CrossesBoundary(_) | C::Protocol(..) | C::Port(_), Context::Flow) => Ok(()),
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
            Condition::Technology(_) => "technology",
            Condition::Zone(..) => "zone",
            Condition::Inbound(_) => "inbound",
            Condition::Outbound(_) => "outbound",
            Condition::ReachableFromInternet(_) => "reachable_from_internet",
            Condition::ExposedToInternet => "exposed_to_internet",
            Condition::SameZoneAs(_, Neighbours::All) => "same_zone_as",
            Condition::SameZoneAs(_, Neighbours::NonClients) => "same_zone_as_non_client",
            Condition::Source(_) => "source",
            Condition::Target(_) => "target",
            Condition::CrossesBoundary(_) => "crosses_boundary",
            Condition::Protocol(..) => "protocol",
            Condition::Port(_) => "port",
        }
    }
}

/// `all` or `any`, already turned into the junction its polarity calls for. A false part
/// settles a conjunction whatever the others say, so evaluation stops there; the result
/// does not depend on where that part is written.
fn junction(
    model: &Evaluation<'_>,
    target: Target<'_>,
    polarity: Polarity,
    junction: Junction,
    parts: &[Condition],
) -> Outcome {
    let mut outcomes = Vec::with_capacity(parts.len());
    for part in parts {
        let outcome = part.evaluate_in(model, target, polarity);
        if junction == Junction::Conjunction && outcome.truth() == Tri::No {
            return Outcome::of(Tri::No);
        }
        outcomes.push(outcome);
    }
    combine(junction, outcomes)
}

/// `inbound`, `outbound` and `same_zone_as`: some candidate satisfies `inner` (a disjunction
/// over the candidates); under negation, every candidate satisfies `not inner` (a conjunction).
/// A candidate on which `inner` is false in both polarities (it tests an attribute the candidate
/// does not have) is no witness either way, so the negation of the quantifier is false too.
fn exists<'m>(
    model: &Evaluation<'_>,
    candidates: impl Iterator<Item = Target<'m>>,
    inner: &Condition,
    polarity: Polarity,
) -> Outcome {
    let junction = Junction::Disjunction.under(polarity);
    decide(
        junction,
        candidates.map(|candidate| witness(model, candidate, inner, polarity, junction)),
    )
}

/// What one candidate of a quantifier says: `inner` on it, shown with the candidate when it
/// can decide the quantifier (a conjunction that holds shows no candidate: nothing is there to
/// point at).
fn witness(
    model: &Evaluation<'_>,
    candidate: Target<'_>,
    inner: &Condition,
    polarity: Polarity,
    junction: Junction,
) -> Outcome {
    let mut o = inner.evaluate_in(model, candidate, polarity);
    let shown = match junction {
        Junction::Disjunction => o.truth() != Tri::No,
        Junction::Conjunction => o.truth() == Tri::Unknown,
    };
    if shown {
        let (span, label) = match candidate {
            Target::Element(e) => (e.span.clone(), format!("{} ({})", e.name, e.id)),
            Target::Flow(f) => (f.span.clone(), format!("flow {}", f.id)),
        };
        if let Some(span) = span {
            o.evidence.push(span.clone());
            o.related.insert(0, (span, label));
        }
    } else {
        o.evidence.clear();
        o.related.clear();
    }
    o
}

/// A quantifier's answer from its candidates' outcomes, in the model's order. A conjunction is
/// decided by its first false candidate; a disjunction by its first true one, which is shown
/// (the others are not evaluated, so a quantifier over a large zone costs what it takes to find
/// one witness, not the whole zone).
fn decide(junction: Junction, outcomes: impl Iterator<Item = Outcome>) -> Outcome {
    let mut parts = Vec::new();
    for o in outcomes {
        match (junction, o.truth()) {
            (Junction::Conjunction, Tri::No) => return Outcome::of(Tri::No),
            (Junction::Disjunction, Tri::Yes) => return o,
            _ => parts.push(o),
        }
    }
    combine(junction, parts)
}

/// Which elements of a zone a `same_zone_as` quantifier asks about (never the element itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Neighbours {
    /// Every other element (`same_zone_as`).
    All,
    /// Those with no flow into the element (`same_zone_as_non_client`): its clients reach it
    /// by design, so isolating it from them is no remedy.
    NonClients,
}

impl Neighbours {
    /// The elements (by address) the quantifier leaves out for `element`: itself, and when only
    /// non-clients count, whatever has a flow into it, directly or through forwarders (a
    /// Kubernetes Service, a load balancer) that pass it on.
    fn left_out(self, model: &Model, element: &Element) -> std::collections::BTreeSet<usize> {
        let address = |e: &Element| std::ptr::from_ref::<Element>(e) as usize;
        let mut out = std::collections::BTreeSet::from([address(element)]);
        if self == Neighbours::NonClients {
            let mut pending = vec![element];
            while let Some(reached) = pending.pop() {
                for source in model
                    .inbound(&reached.id)
                    .into_iter()
                    .filter_map(|flow| model.element(&flow.source))
                {
                    if !out.insert(address(source)) {
                        continue;
                    }
                    if source.attributes.flag(AttrName::Forwards) == Tri::Yes {
                        pending.push(source);
                    }
                }
            }
        }
        out
    }
}

/// One evaluation of a rule set on a model: the model, and what quantifiers over a zone have
/// found there, so that `same_zone_as` asks each element of a zone once per condition, not
/// once per element that shares the zone (which made it quadratic in the zone's size).
pub struct Evaluation<'m> {
    model: &'m Model,
    /// Per condition (by address: the rule set outlives the evaluation), zone and polarity:
    /// the elements of the zone, in id order, whose outcome can decide the quantifier, each
    /// with that outcome.
    zones: Mutex<HashMap<ZoneKey, Arc<Witnesses>>>,
}

type ZoneKey = (usize, ZoneId, Polarity);
type Witnesses = Vec<(usize, Outcome)>;

impl<'m> Evaluation<'m> {
    /// A fresh evaluation on `model`.
    pub fn new(model: &'m Model) -> Evaluation<'m> {
        Evaluation {
            model,
            zones: Mutex::new(HashMap::new()),
        }
    }

    /// The elements of `zone` that can decide a quantifier over `inner` (a disjunction: those
    /// not false; a conjunction: those not true), with their outcomes, computed once.
    fn zone_witnesses(
        &self,
        inner: &Condition,
        zone: &ZoneId,
        polarity: Polarity,
    ) -> Arc<Witnesses> {
        let key = (inner as *const Condition as usize, zone.clone(), polarity);
        if let Some(found) = self.zones.lock().ok().and_then(|z| z.get(&key).cloned()) {
            return found;
        }
        let junction = Junction::Disjunction.under(polarity);
        let mut members: Vec<&Element> = self.model.elements_in_zone(zone).collect();
        members.sort_by(|a, b| a.id.cmp(&b.id));
        // Computed without the lock held: `inner` may quantify over a zone itself.
        let witnesses: Witnesses = members
            .into_iter()
            .map(|e| {
                let o = witness(self, Target::Element(e), inner, polarity, junction);
                (std::ptr::from_ref::<Element>(e) as usize, o)
            })
            .filter(|(_, o)| o.truth() != junction.identity())
            .collect();
        let witnesses = Arc::new(witnesses);
        if let Ok(mut zones) = self.zones.lock() {
            zones.insert(key, witnesses.clone());
        }
        witnesses
    }
}

impl std::ops::Deref for Evaluation<'_> {
    type Target = Model;

    fn deref(&self) -> &Model {
        self.model
    }
}

/// An attribute test in a polarity. A subject without the attribute fails the test in both
/// polarities, unless the rule says the test is plainly false there (`if_absent: no`).
fn evaluate_attribute(
    attributes: &Attributes,
    name: AttrName,
    test: &AttrTest,
    absent: IfAbsent,
    polarity: Polarity,
) -> Outcome {
    let outcome = test_attribute(attributes, name, test);
    match (outcome, absent) {
        (Some(o), _) => Outcome {
            truth: Some(polarity.apply(o.truth())),
            ..o
        },
        (None, IfAbsent::NeitherHolds) => Outcome::of(Tri::No),
        (None, IfAbsent::False) => Outcome::of(polarity.apply(Tri::No)),
    }
}

/// The plain truth of an attribute test, `None` when the subject does not have the attribute.
fn test_attribute(attributes: &Attributes, name: AttrName, test: &AttrTest) -> Option<Outcome> {
    let attribute = attributes.get(name)?;
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
            item_evidence(&mut o, &items.iter().collect::<Vec<_>>());
            return Some(o);
        }
        (AttrValue::List(items), AttrTest::ContainsAny(options) | AttrTest::Equals(options)) => {
            let hits: Vec<_> = items
                .iter()
                .filter(|i| options.iter().any(|o| o.eq_ignore_ascii_case(&i.value)))
                .collect();
            let mut o = Outcome::of(Tri::from_bool(!hits.is_empty()));
            item_evidence(&mut o, &hits);
            return Some(o);
        }
        (AttrValue::List(items), AttrTest::Matches(regex)) => {
            let hits: Vec<_> = items.iter().filter(|i| regex.is_match(&i.value)).collect();
            let mut o = Outcome::of(Tri::from_bool(!hits.is_empty()));
            item_evidence(&mut o, &hits);
            return Some(o);
        }
        // Loading rejects tests that do not fit the attribute's kind.
        _ => Outcome::of(Tri::Unknown),
    };
    out.evidence.extend(span);
    out.related.extend(passed_through(&attribute.via));
    Some(out)
}

/// The evidence of a list attribute's entries, and where those written elsewhere passed
/// through.
fn item_evidence(out: &mut Outcome, items: &[&Item]) {
    out.evidence
        .extend(items.iter().filter_map(|i| i.span.clone()));
    out.related
        .extend(items.iter().flat_map(|i| passed_through(&i.via)));
}

/// Where the value that opened a flow passed through, when it was written elsewhere: the `via`
/// of the flow's attribute set where the flow is.
fn via_at(flow: &Flow) -> &[Span] {
    flow.attributes
        .iter()
        .find(|(_, a)| a.span.is_some() && a.span == flow.span && !a.via.is_empty())
        .map_or(&[], |(_, a)| a.via.as_slice())
}

/// Where a value written elsewhere (the evidence's span) passed through on its way to where it
/// is used (an attribute's or an entry's `via`): a module's argument, a local, an output; the
/// use last.
fn passed_through(via: &[Span]) -> impl Iterator<Item = (Span, String)> + '_ {
    let last = via.len().saturating_sub(1);
    via.iter().enumerate().map(move |(at, span)| {
        let message = if at == last {
            crate::USED_HERE
        } else {
            crate::PASSED_ON_HERE
        };
        (span.clone(), message.to_string())
    })
}

//! The condition language is sound: a condition's answer does not depend on the order its
//! parts are written in, negation obeys De Morgan, and a test on an attribute the subject does
//! not have is false in both polarities, through `all`, `any` and the quantifiers alike.

use trustmap_model::{
    AttrName, Attributes, Element, ElementId, ElementKind, Flow, Fragment, Model, Span, Tri,
    TrustLevel, Zone, ZoneId, ZoneKind,
};
use trustmap_rules::{AttrTest, Condition, IfAbsent, Target};

/// One attribute per truth the model can hold, plus one the subject does not have.
const YES: AttrName = AttrName::Privileged;
const NO: AttrName = AttrName::HostNetwork;
const UNKNOWN: AttrName = AttrName::RunsAsRoot;
const MISSING: AttrName = AttrName::EncryptedAtRest;

fn flags(values: &[(AttrName, Tri)]) -> Attributes {
    let mut attributes = Attributes::default();
    for (name, value) in values {
        attributes.set_flag(*name, *value, Some(Span::lines("x.yaml", 1, 1)));
    }
    attributes
}

fn element(id: &str, attributes: Attributes) -> Element {
    Element {
        id: ElementId(id.into()),
        kind: ElementKind::Process,
        name: id.into(),
        technology: None,
        zone: ZoneId("z".into()),
        attached_zones: vec![],
        called_from: None,
        span: Some(Span::lines("x.yaml", 2, 2)),
        attributes,
    }
}

/// A subject with yes, no, unknown and missing attributes, and two inbound flows: one that
/// says `read_only: yes`, one that says nothing about it.
fn model() -> Model {
    let subject = element(
        "subject",
        flags(&[(YES, Tri::Yes), (NO, Tri::No), (UNKNOWN, Tri::Unknown)]),
    );
    let peer = element("peer", Attributes::default());
    let mount = Flow::mount(
        peer.id.clone(),
        subject.id.clone(),
        "volume",
        Span::lines("x.yaml", 3, 3),
        Tri::Yes,
    );
    let call = Flow::new(
        peer.id.clone(),
        subject.id.clone(),
        Some("http".into()),
        vec!["80".into()],
        "environment",
        Some(Span::lines("x.yaml", 4, 4)),
    );
    Model::build(vec![Fragment {
        zones: vec![Zone {
            id: ZoneId("z".into()),
            kind: ZoneKind::Network,
            name: "z".into(),
            parent: None,
            trust: TrustLevel::Medium,
            span: None,
            attributes: Attributes::default(),
        }],
        elements: vec![subject, peer],
        flows: vec![mount, call],
        diagnostics: vec![],
    }])
}

fn attr(name: AttrName) -> Condition {
    Condition::Attr(name, AttrTest::Is(Tri::Yes), IfAbsent::NeitherHolds)
}

fn not(c: Condition) -> Condition {
    Condition::Not(Box::new(c))
}

/// Tests of every kind of answer: yes, no, unknown, missing, and quantifiers whose candidates
/// say yes, or lack the attribute.
fn atoms() -> Vec<Condition> {
    vec![
        attr(YES),
        attr(NO),
        attr(UNKNOWN),
        attr(MISSING),
        Condition::Inbound(Box::new(attr(AttrName::ReadOnly))),
        Condition::Inbound(Box::new(attr(AttrName::Authenticated))),
    ]
}

fn truth(model: &Model, condition: &Condition) -> Tri {
    let subject = model.element(&ElementId("subject".into())).unwrap();
    condition.evaluate(model, Target::Element(subject)).truth()
}

fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            out.push(tail);
        }
    }
    out
}

/// Every literal: each atom and its negation.
fn literals() -> Vec<Condition> {
    atoms()
        .into_iter()
        .flat_map(|a| [a.clone(), not(a)])
        .collect()
}

/// Every pair and triple of literals, and `all`/`any` of a pair nested in a pair.
fn part_lists() -> Vec<Vec<Condition>> {
    let literals = literals();
    let mut lists = Vec::new();
    for (i, a) in literals.iter().enumerate() {
        for (j, b) in literals.iter().enumerate().skip(i + 1) {
            lists.push(vec![a.clone(), b.clone()]);
            for c in literals.iter().skip(j + 1) {
                lists.push(vec![a.clone(), b.clone(), c.clone()]);
            }
            for inner in [Condition::All, Condition::Any] {
                for c in &literals {
                    lists.push(vec![inner(vec![a.clone(), b.clone()]), c.clone()]);
                }
            }
        }
    }
    lists
}

#[test]
fn all_and_any_answer_the_same_in_every_order_and_under_not() {
    let model = model();
    let mut checked = 0;
    for parts in part_lists() {
        for junction in [Condition::All, Condition::Any] {
            let written = junction(parts.clone());
            let expected = (
                truth(&model, &written),
                truth(&model, &not(written.clone())),
            );
            for order in permutations(&parts) {
                let reordered = junction(order);
                let got = (
                    truth(&model, &reordered),
                    truth(&model, &not(reordered.clone())),
                );
                assert_eq!(
                    got, expected,
                    "{reordered:?} answers differently from {written:?}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 9_000, "only {checked} conditions checked");
}

#[test]
fn not_all_is_any_of_the_negations_and_not_not_is_the_condition() {
    let model = model();
    for parts in part_lists() {
        let negated: Vec<Condition> = parts.iter().cloned().map(not).collect();
        assert_eq!(
            truth(&model, &not(Condition::All(parts.clone()))),
            truth(&model, &Condition::Any(negated.clone())),
            "De Morgan fails for not all {parts:?}"
        );
        assert_eq!(
            truth(&model, &not(Condition::Any(parts.clone()))),
            truth(&model, &Condition::All(negated)),
            "De Morgan fails for not any {parts:?}"
        );
        let all = Condition::All(parts.clone());
        assert_eq!(truth(&model, &not(not(all.clone()))), truth(&model, &all));
    }
}

#[test]
fn not_all_answers_the_same_whichever_part_comes_first() {
    // `all` used to stop at the first false part and keep only that part's missing mark: `not`
    // then answered no for [missing, no] and yes for [no, missing].
    let model = model();
    let one = not(Condition::All(vec![attr(MISSING), attr(NO)]));
    let other = not(Condition::All(vec![attr(NO), attr(MISSING)]));
    assert_eq!(truth(&model, &one), Tri::Yes);
    assert_eq!(truth(&model, &other), Tri::Yes);
}

#[test]
fn a_test_on_a_missing_attribute_is_false_and_so_is_its_negation_through_any_combinator() {
    let model = model();
    for condition in [
        attr(MISSING),
        Condition::All(vec![attr(MISSING), attr(YES)]),
        Condition::Any(vec![attr(MISSING), attr(NO)]),
        Condition::Inbound(Box::new(attr(MISSING))),
        Condition::Inbound(Box::new(attr(AttrName::Authenticated))),
    ] {
        assert_eq!(truth(&model, &condition), Tri::No, "{condition:?}");
        assert_eq!(
            truth(&model, &not(condition.clone())),
            Tri::No,
            "{condition:?}"
        );
    }
}

#[test]
fn not_inbound_keeps_the_missing_mark_of_its_flows() {
    // `exists` used to drop the mark: `not inbound: {attr: authenticated}` fired although no
    // inbound flow can say whether it is authenticated.
    let model = model();
    let condition = not(Condition::Inbound(Box::new(attr(AttrName::Authenticated))));
    assert_eq!(truth(&model, &condition), Tri::No);
}

#[test]
fn if_absent_no_makes_a_missing_attribute_plainly_false() {
    let model = model();
    let read_only = |absent| Condition::Attr(AttrName::ReadOnly, AttrTest::Is(Tri::Yes), absent);
    // One inbound flow is a read-only mount, the other says nothing: with `if_absent: no` the
    // call is plainly not read-only, so "every inbound flow is not read-only" is false because
    // of the mount, and "some inbound flow is not read-only" is true because of the call.
    let every_flow_writes = not(Condition::Inbound(Box::new(read_only(IfAbsent::False))));
    assert_eq!(truth(&model, &every_flow_writes), Tri::No);
    let some_flow_writes = Condition::Inbound(Box::new(not(read_only(IfAbsent::False))));
    assert_eq!(truth(&model, &some_flow_writes), Tri::Yes);
    let unstated = Condition::Inbound(Box::new(not(read_only(IfAbsent::NeitherHolds))));
    assert_eq!(truth(&model, &unstated), Tri::No);
}

//! Comparing a baseline snapshot with today's: the changes, what each one is about, and whether
//! it weakens the system.
//!
//! Elements, flows and zones are matched by id, never by position: a resource moved within its
//! file, whose spans all change, is not a change. Values are compared, spans never are; a
//! change points at the span of today's model that causes it (the baseline's for a removal).
//!
//! An attribute is ranked by how safe its value is, per [`AttrName::polarity`]: for a
//! [`Polarity::SafeWhenYes`] flag `yes` is safest, then `unknown` (or not stated), then `no`;
//! for a [`Polarity::DangerousWhenYes`] flag the reverse. A move down the ranking weakens, a
//! move up strengthens. So `encrypted_in_transit` going from `yes` to `no`, to `unknown` or to
//! not stated weakens, and so does `privileged` going from `no` (or not stated) to `yes`.
//! [`Polarity::Neutral`] attributes (an image, the networks joined) never weaken.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{
    AttrName, Attributes, Boundary, Element, ElementSnapshot, Flow, FlowSnapshot, INTERNET_ELEMENT,
    INTERNET_ZONE, Polarity, Snapshot, Span, Tri, ValueKind, Zone, ZoneKind,
};
use trustmap_report::flow_label;
use trustmap_rules::stable_hash;

/// What kind of change: each has a stable name ([`ChangeKind::as_str`]) used in JSON and, for
/// those that can weaken, in SARIF rule ids ([`ChangeKind::rule_id`]).
///
/// The order of the variants is the order changes of equal weight are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A new door from the internet: an element now takes connections from the internet
    /// (exposure went from no to yes or unknown, or from unknown to yes), or a new flow comes
    /// from an element on the internet. Always weakens.
    NewEntryPoint,
    /// A flow crosses a trust boundary it did not cross (a new flow that crosses any, or an
    /// existing flow that crosses one more), or now goes into a zone of higher trust. Weakens
    /// when the flow goes into higher trust.
    NewBoundaryCrossing,
    /// An attribute got weaker per its polarity. Always weakens.
    WeakenedAttribute,
    /// An attribute got stronger per its polarity. Never weakens.
    StrengthenedAttribute,
    /// A new element that takes no connections from the internet. Never weakens.
    ElementAdded,
    /// An element of the baseline is gone. Never weakens.
    ElementRemoved,
    /// A new flow that neither comes from the internet nor crosses a boundary. Never weakens.
    FlowAdded,
    /// A flow of the baseline is gone. Never weakens.
    FlowRemoved,
}

impl ChangeKind {
    /// Every kind, in listing order.
    pub const ALL: [ChangeKind; 8] = [
        ChangeKind::NewEntryPoint,
        ChangeKind::NewBoundaryCrossing,
        ChangeKind::WeakenedAttribute,
        ChangeKind::StrengthenedAttribute,
        ChangeKind::ElementAdded,
        ChangeKind::ElementRemoved,
        ChangeKind::FlowAdded,
        ChangeKind::FlowRemoved,
    ];

    /// The stable name: `new-entry-point`, `weakened-attribute`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::NewEntryPoint => "new-entry-point",
            ChangeKind::NewBoundaryCrossing => "new-boundary-crossing",
            ChangeKind::WeakenedAttribute => "weakened-attribute",
            ChangeKind::StrengthenedAttribute => "strengthened-attribute",
            ChangeKind::ElementAdded => "element-added",
            ChangeKind::ElementRemoved => "element-removed",
            ChangeKind::FlowAdded => "flow-added",
            ChangeKind::FlowRemoved => "flow-removed",
        }
    }

    /// A title for people: `New entry point`.
    pub fn title(self) -> &'static str {
        match self {
            ChangeKind::NewEntryPoint => "New entry point",
            ChangeKind::NewBoundaryCrossing => "New boundary crossing",
            ChangeKind::WeakenedAttribute => "Weakened attribute",
            ChangeKind::StrengthenedAttribute => "Strengthened attribute",
            ChangeKind::ElementAdded => "Element added",
            ChangeKind::ElementRemoved => "Element removed",
            ChangeKind::FlowAdded => "Flow added",
            ChangeKind::FlowRemoved => "Flow removed",
        }
    }

    /// The SARIF rule id: `drift/` and the stable name.
    pub fn rule_id(self) -> String {
        format!("drift/{}", self.as_str())
    }

    /// Whether a change of this kind can weaken the system (and so become a SARIF result).
    pub fn can_weaken(self) -> bool {
        matches!(
            self,
            ChangeKind::NewEntryPoint
                | ChangeKind::NewBoundaryCrossing
                | ChangeKind::WeakenedAttribute
        )
    }
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// An element, by [`trustmap_model::ElementId`].
    Element,
    /// A flow, by [`trustmap_model::FlowId`].
    Flow,
    /// A zone, by [`trustmap_model::ZoneId`] (only attribute changes: `internal`).
    Zone,
}

/// The element, flow or zone a change is about: `{"kind": "element", "id": "..."}` in JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Subject {
    /// Element, flow or zone.
    pub kind: SubjectKind,
    /// Its id.
    pub id: String,
}

/// One difference between the baseline and today's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change.
    pub kind: ChangeKind,
    /// What it is about.
    pub subject: Subject,
    /// The attribute that changed, for attribute changes.
    pub attribute: Option<AttrName>,
    /// The flag or exposure before (`None`: not stated, or the subject is new).
    pub before: Option<Tri>,
    /// The flag or exposure now (`None`: not stated, or the subject is gone).
    pub after: Option<Tri>,
    /// The list items added or removed (sorted), or the boundaries newly crossed, each named by
    /// the id of the zone it encloses, in crossing order.
    pub items: Vec<String>,
    /// A sentence for people: `web: encrypted_in_transit went from yes to no`.
    pub message: String,
    /// The span that causes it in today's model (the baseline's for a removal); `None` when
    /// the model has none (a built-in element, a format default).
    pub span: Option<Span>,
    /// Whether it makes the system weaker.
    pub weakens: bool,
}

impl Change {
    /// A change about a whole element or flow (no attribute), with nothing listed.
    fn structural(
        kind: ChangeKind,
        subject: Subject,
        message: String,
        span: Option<Span>,
        weakens: bool,
    ) -> Change {
        Change {
            kind,
            subject,
            attribute: None,
            before: None,
            after: None,
            items: Vec::new(),
            message,
            span,
            weakens,
        }
    }

    /// A hash of the kind, the subject and the attribute (16 hex digits): stable when lines
    /// move, so code scanning keeps one alert per change.
    pub fn fingerprint(&self) -> String {
        let subject_kind = match self.subject.kind {
            SubjectKind::Element => "element",
            SubjectKind::Flow => "flow",
            SubjectKind::Zone => "zone",
        };
        stable_hash(&[
            self.kind.as_str(),
            subject_kind,
            &self.subject.id,
            self.attribute.map_or("", AttrName::as_str),
        ])
    }

    /// The listing order: weakening changes first, then by kind, subject, attribute.
    fn sort_key(&self) -> (bool, ChangeKind, &Subject, Option<AttrName>, &str) {
        (
            !self.weakens,
            self.kind,
            &self.subject,
            self.attribute,
            &self.message,
        )
    }
}

/// The changes between a baseline and today's model, weakening ones first (see
/// [`compare`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    changes: Vec<Change>,
}

impl Drift {
    /// Every change: weakening ones first, then by kind, subject and attribute.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The changes that weaken the system, in order.
    pub fn weakening(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.weakens)
    }

    /// Whether any change weakens the system: the check a pipeline fails on.
    pub fn weakened(&self) -> bool {
        self.changes.iter().any(|c| c.weakens)
    }

    /// Whether the model is the baseline's (spans aside).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Compares today's snapshot with the baseline.
///
/// A new flow gives one change, the most telling: [`ChangeKind::NewEntryPoint`] when it comes
/// from an element on the internet and is not stated to be non-public, else
/// [`ChangeKind::NewBoundaryCrossing`] when it crosses a boundary, else
/// [`ChangeKind::FlowAdded`]. A new element gives [`ChangeKind::NewEntryPoint`] when it takes
/// connections from the internet, else [`ChangeKind::ElementAdded`]. An element whose exposure
/// rose is a [`ChangeKind::NewEntryPoint`] unless a new flow from the internet straight into it
/// already says so. Elements, flows and zones in both get their attributes compared.
pub fn compare(baseline: &Snapshot, current: &Snapshot) -> Drift {
    let before = Index::of(baseline);
    let after = Index::of(current);
    let mut changes = Vec::new();

    // Flows first: a new door from the internet is told on the flow, and the element it opens
    // is then not told again.
    let mut doors: BTreeSet<&str> = BTreeSet::new();
    for (id, now) in &after.flows {
        let flow = &now.flow;
        let Some(was) = before.flows.get(id) else {
            let name = after.flow_name(flow);
            // A flow from the internet that does not say is public, as the model reads it.
            let public = match flow.attributes.get(AttrName::Public) {
                Some(_) => flow.attributes.flag(AttrName::Public),
                None => Tri::Yes,
            };
            if after.is_on_internet(&flow.source.0) && public != Tri::No {
                doors.insert(flow.target.0.as_str());
                let message = if public == Tri::Unknown {
                    format!("new flow that may come from the internet: {name}")
                } else {
                    format!("new flow from the internet: {name}")
                };
                changes.push(Change::structural(
                    ChangeKind::NewEntryPoint,
                    flow_subject(flow),
                    message,
                    flow.span.clone(),
                    true,
                ));
            } else if !now.crosses.is_empty() {
                changes.push(Change {
                    items: now.crosses.iter().map(|b| b.inner.0.clone()).collect(),
                    ..Change::structural(
                        ChangeKind::NewBoundaryCrossing,
                        flow_subject(flow),
                        format!(
                            "new flow {name} crosses {}{}",
                            after.boundaries_text(&now.crosses),
                            if now.into_higher_trust {
                                " into a zone of higher trust"
                            } else {
                                ""
                            }
                        ),
                        flow.span.clone(),
                        now.into_higher_trust,
                    )
                });
            } else {
                changes.push(Change::structural(
                    ChangeKind::FlowAdded,
                    flow_subject(flow),
                    format!("new flow {name}"),
                    flow.span.clone(),
                    false,
                ));
            }
            continue;
        };

        let name = after.flow_name(flow);
        let gained: Vec<&Boundary> = now
            .crosses
            .iter()
            .filter(|b| !was.crosses.contains(b))
            .collect();
        let newly_inward = now.into_higher_trust && !was.into_higher_trust;
        if !gained.is_empty() || newly_inward {
            let inward = if now.into_higher_trust {
                " into a zone of higher trust"
            } else {
                ""
            };
            let message = if gained.is_empty() {
                format!("{name} now goes{inward}")
            } else {
                format!(
                    "{name} now crosses {}{inward}",
                    after.boundaries_text(gained.iter().copied())
                )
            };
            changes.push(Change {
                items: gained.iter().map(|b| b.inner.0.clone()).collect(),
                ..Change::structural(
                    ChangeKind::NewBoundaryCrossing,
                    flow_subject(flow),
                    message,
                    flow.span.clone(),
                    now.into_higher_trust,
                )
            });
        }
        attribute_changes(
            &flow_subject(flow),
            &name,
            &was.flow.attributes,
            &flow.attributes,
            flow.span.as_ref(),
            &mut changes,
        );
    }
    for (id, was) in &before.flows {
        if !after.flows.contains_key(id) {
            changes.push(Change::structural(
                ChangeKind::FlowRemoved,
                flow_subject(&was.flow),
                format!("flow {} was removed", before.flow_name(&was.flow)),
                was.flow.span.clone(),
                false,
            ));
        }
    }

    for (id, now) in &after.elements {
        let element = &now.element;
        let subject = element_subject(element);
        let was = before.elements.get(id);
        let exposed_before = was.map_or(Tri::No, |w| w.exposed);
        let opened = safety(Polarity::DangerousWhenYes, now.exposed)
            < safety(Polarity::DangerousWhenYes, exposed_before);
        if opened && !doors.contains(id) {
            let maybe = if now.exposed == Tri::Unknown {
                "may now take"
            } else {
                "now takes"
            };
            let message = match was {
                Some(_) => format!(
                    "{}: {maybe} connections from the internet (exposure went from {} to {})",
                    element.name,
                    tri_name(exposed_before),
                    tri_name(now.exposed)
                ),
                None => format!(
                    "new {} {}: {maybe} connections from the internet",
                    kind_name(element),
                    element.name
                ),
            };
            changes.push(Change {
                kind: ChangeKind::NewEntryPoint,
                subject: subject.clone(),
                attribute: None,
                before: was.map(|w| w.exposed),
                after: Some(now.exposed),
                items: Vec::new(),
                message,
                span: after.entry_span(element),
                weakens: true,
            });
        } else if was.is_none() {
            changes.push(Change::structural(
                ChangeKind::ElementAdded,
                subject.clone(),
                format!("new {} {}", kind_name(element), element.name),
                element.span.clone(),
                false,
            ));
        }
        if let Some(was) = was {
            attribute_changes(
                &subject,
                &element.name,
                &was.element.attributes,
                &element.attributes,
                element.span.as_ref(),
                &mut changes,
            );
        }
    }
    for (id, was) in &before.elements {
        if !after.elements.contains_key(id) {
            changes.push(Change::structural(
                ChangeKind::ElementRemoved,
                element_subject(&was.element),
                format!(
                    "{} {} was removed",
                    kind_name(&was.element),
                    was.element.name
                ),
                was.element.span.clone(),
                false,
            ));
        }
    }

    for (id, now) in &after.zones {
        if let Some(was) = before.zones.get(id) {
            attribute_changes(
                &Subject {
                    kind: SubjectKind::Zone,
                    id: now.id.0.clone(),
                },
                &now.name,
                &was.attributes,
                &now.attributes,
                now.span.as_ref(),
                &mut changes,
            );
        }
    }

    changes.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Drift { changes }
}

/// The attribute changes of one subject present in both snapshots.
fn attribute_changes(
    subject: &Subject,
    display: &str,
    before: &Attributes,
    after: &Attributes,
    subject_span: Option<&Span>,
    changes: &mut Vec<Change>,
) {
    let names: BTreeSet<AttrName> = before.iter().chain(after.iter()).map(|(n, _)| n).collect();
    for name in names {
        let polarity = name.polarity();
        if polarity == Polarity::Neutral {
            continue;
        }
        let attribute_span = || {
            after
                .get(name)
                .and_then(|a| a.span.clone())
                .or_else(|| subject_span.cloned())
        };
        match name.kind() {
            ValueKind::Flag => {
                let (was, now) = (before.flag(name), after.flag(name));
                let (rank_was, rank_now) = (safety(polarity, was), safety(polarity, now));
                if rank_was == rank_now {
                    continue;
                }
                let stated = |attributes: &Attributes| attributes.get(name).map(|_| ());
                let describe = |attributes: &Attributes, value: Tri| match stated(attributes) {
                    Some(()) => tri_name(value),
                    None => "not stated",
                };
                let weakens = rank_now < rank_was;
                changes.push(Change {
                    kind: if weakens {
                        ChangeKind::WeakenedAttribute
                    } else {
                        ChangeKind::StrengthenedAttribute
                    },
                    subject: subject.clone(),
                    attribute: Some(name),
                    before: stated(before).map(|()| was),
                    after: stated(after).map(|()| now),
                    items: Vec::new(),
                    message: format!(
                        "{display}: {name} went from {} to {}",
                        describe(before, was),
                        describe(after, now)
                    ),
                    span: attribute_span(),
                    weakens,
                });
            }
            ValueKind::List => {
                let was: BTreeSet<&str> = before
                    .items(name)
                    .iter()
                    .map(|i| i.value.as_str())
                    .collect();
                let now: BTreeSet<&str> =
                    after.items(name).iter().map(|i| i.value.as_str()).collect();
                let added: Vec<String> = now.difference(&was).map(|s| s.to_string()).collect();
                let removed: Vec<String> = was.difference(&now).map(|s| s.to_string()).collect();
                for (items, gained) in [(added, true), (removed, false)] {
                    if items.is_empty() {
                        continue;
                    }
                    // New items of a dangerous list weaken; the vocabulary has no list whose
                    // items are safe, but one would weaken by losing items.
                    let weakens = gained == (polarity == Polarity::DangerousWhenYes);
                    // A new item points at the line that wrote it; a lost one at the attribute.
                    let span = if gained {
                        after
                            .items(name)
                            .iter()
                            .filter(|i| items.contains(&i.value))
                            .filter_map(|i| i.span.clone())
                            .min()
                            .or_else(attribute_span)
                    } else {
                        attribute_span()
                    };
                    changes.push(Change {
                        kind: if weakens {
                            ChangeKind::WeakenedAttribute
                        } else {
                            ChangeKind::StrengthenedAttribute
                        },
                        subject: subject.clone(),
                        attribute: Some(name),
                        before: None,
                        after: None,
                        message: format!(
                            "{display}: {name} {} {}",
                            if gained { "gained" } else { "lost" },
                            items.join(", ")
                        ),
                        items,
                        span,
                        weakens,
                    });
                }
            }
            ValueKind::Text => {}
        }
    }
}

/// How safe a value is for an attribute of this polarity: higher is safer.
fn safety(polarity: Polarity, value: Tri) -> u8 {
    match (polarity, value) {
        (_, Tri::Unknown) | (Polarity::Neutral, _) => 1,
        (Polarity::SafeWhenYes, Tri::Yes) | (Polarity::DangerousWhenYes, Tri::No) => 2,
        (Polarity::SafeWhenYes, Tri::No) | (Polarity::DangerousWhenYes, Tri::Yes) => 0,
    }
}

/// `yes`, `no` or `unknown`.
pub(crate) fn tri_name(value: Tri) -> &'static str {
    match value {
        Tri::Yes => "yes",
        Tri::No => "no",
        Tri::Unknown => "unknown",
    }
}

fn kind_name(element: &Element) -> &'static str {
    match element.kind {
        trustmap_model::ElementKind::ExternalEntity => "external entity",
        trustmap_model::ElementKind::Process => "process",
        trustmap_model::ElementKind::DataStore => "data store",
        trustmap_model::ElementKind::Identity => "identity",
    }
}

fn element_subject(element: &Element) -> Subject {
    Subject {
        kind: SubjectKind::Element,
        id: element.id.0.clone(),
    }
}

fn flow_subject(flow: &Flow) -> Subject {
    Subject {
        kind: SubjectKind::Flow,
        id: flow.id.0.clone(),
    }
}

/// One snapshot's zones, elements and flows by id.
pub(crate) struct Index<'s> {
    pub(crate) zones: BTreeMap<&'s str, &'s Zone>,
    pub(crate) elements: BTreeMap<&'s str, &'s ElementSnapshot>,
    pub(crate) flows: BTreeMap<&'s str, &'s FlowSnapshot>,
}

impl<'s> Index<'s> {
    /// Indexes a snapshot; when an id repeats (a hand-edited file), the first one counts.
    pub(crate) fn of(snapshot: &'s Snapshot) -> Index<'s> {
        let mut index = Index {
            zones: BTreeMap::new(),
            elements: BTreeMap::new(),
            flows: BTreeMap::new(),
        };
        for zone in &snapshot.zones {
            index.zones.entry(zone.id.0.as_str()).or_insert(zone);
        }
        for element in &snapshot.elements {
            index
                .elements
                .entry(element.element.id.0.as_str())
                .or_insert(element);
        }
        for flow in &snapshot.flows {
            index.flows.entry(flow.flow.id.0.as_str()).or_insert(flow);
        }
        index
    }

    /// Whether an element lives on the internet: the built-in internet user, or an element of
    /// the internet zone or of a zone of kind internet.
    pub(crate) fn is_on_internet(&self, id: &str) -> bool {
        if id == INTERNET_ELEMENT {
            return true;
        }
        self.elements.get(id).is_some_and(|e| {
            let zone = &e.element.zone.0;
            zone == INTERNET_ZONE
                || self
                    .zones
                    .get(zone.as_str())
                    .is_some_and(|z| z.kind == ZoneKind::Internet)
        })
    }

    fn element_name(&self, id: &str) -> String {
        self.elements
            .get(id)
            .map_or_else(|| id.to_string(), |e| e.element.name.clone())
    }

    /// `source -> target (protocol/ports)`, by element names.
    pub(crate) fn flow_name(&self, flow: &Flow) -> String {
        let mut name = format!(
            "{} -> {}",
            self.element_name(&flow.source.0),
            self.element_name(&flow.target.0)
        );
        if let Some(label) = flow_label(flow) {
            name.push_str(&format!(" ({label})"));
        }
        name
    }

    fn zone_name(&self, id: &str) -> String {
        self.zones
            .get(id)
            .map_or_else(|| id.to_string(), |z| z.name.clone())
    }

    /// `the boundary of backend`, `the boundaries of front and backend`: each boundary named
    /// by the zone it encloses (a zone has one parent, so one boundary).
    fn boundaries_text<'b>(&self, boundaries: impl IntoIterator<Item = &'b Boundary>) -> String {
        let names: Vec<String> = boundaries
            .into_iter()
            .map(|b| self.zone_name(&b.inner.0))
            .collect();
        match names.as_slice() {
            [] => "no boundary".to_string(),
            [one] => format!("the boundary of {one}"),
            [first @ .., last] => format!("the boundaries of {} and {last}", first.join(", ")),
        }
    }

    /// Where an element is opened to the internet: the `public` setting (or the declaration)
    /// of the first flow from the internet straight into it, else the element itself (it is
    /// reached through forwarders, each change of which is told on its own).
    fn entry_span(&self, element: &Element) -> Option<Span> {
        self.flows
            .values()
            .map(|f| &f.flow)
            .filter(|f| f.target == element.id && self.is_on_internet(&f.source.0))
            .filter(|f| f.attributes.flag(AttrName::Public) != Tri::No)
            .find_map(|f| {
                f.attributes
                    .get(AttrName::Public)
                    .and_then(|a| a.span.clone())
                    .or_else(|| f.span.clone())
            })
            .or_else(|| element.span.clone())
    }
}

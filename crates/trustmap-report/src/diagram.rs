//! What the diagram formats share: the zone tree laid out as nested groups, generated node ids,
//! and flow labels.
//!
//! The internet zone is the root of the zone tree and has no border of its own (it has no
//! parent, so no trust boundary surrounds it): its elements sit at the top level, and every
//! other zone that holds an element, directly or in a zone nested in it, becomes a group whose
//! border is the trust boundary between it and its parent.

use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{Element, ElementId, ElementKind, Flow, Model, Zone, ZoneId};

/// One step of the layout, in output order.
pub(crate) enum Event<'m> {
    /// A zone's group opens; the number is its position among the groups (0, 1, ...).
    Open(&'m Zone, usize),
    /// An element; the number is its node id (`n0`, `n1`, ...).
    Node(&'m Element, usize),
    /// The innermost open group closes.
    Close,
}

/// The nested layout of a model.
pub(crate) struct Layout<'m> {
    /// Groups and nodes, in output order.
    pub events: Vec<Event<'m>>,
    /// The node number of each element.
    pub nodes: BTreeMap<&'m ElementId, usize>,
}

enum Step<'m> {
    Enter(&'m Zone),
    Leave,
}

/// Lays the model out: zones nested by parent (sorted by id), each zone's elements (sorted by id)
/// before its nested zones, empty zones left out. Node numbers follow output order.
pub(crate) fn layout(model: &Model) -> Layout<'_> {
    let mut elements_by_zone: BTreeMap<&ZoneId, Vec<&Element>> = BTreeMap::new();
    for element in model.elements().filter(|e| drawn(e)) {
        elements_by_zone
            .entry(&element.zone)
            .or_default()
            .push(element);
    }
    // A zone is drawn when it, or a zone nested in it, holds an element.
    let mut occupied: BTreeSet<ZoneId> = BTreeSet::new();
    for zone in elements_by_zone.keys() {
        occupied.extend(model.ancestry(zone));
    }
    let mut children: BTreeMap<&ZoneId, Vec<&Zone>> = BTreeMap::new();
    for zone in model.zones() {
        if let Some(parent) = &zone.parent
            && occupied.contains(&zone.id)
        {
            children.entry(parent).or_default().push(zone);
        }
    }

    let mut layout = Layout {
        events: Vec::new(),
        nodes: BTreeMap::new(),
    };
    let mut visited: BTreeSet<&ZoneId> = BTreeSet::new();
    let mut groups = 0;
    let root = ZoneId::internet();
    if let Some(internet) = model.zone(&root) {
        visited.insert(&internet.id);
        layout.nodes_of(elements_by_zone.get(&internet.id));
        let tops: Vec<&Zone> = children.get(&internet.id).cloned().unwrap_or_default();
        walk(
            &mut layout,
            tops,
            &children,
            &elements_by_zone,
            &mut visited,
            &mut groups,
        );
    }
    // Zones the walk from the internet did not reach (a parent cycle, which the parsers do not
    // produce) are drawn at the top level rather than lost.
    let unreached: Vec<&Zone> = model
        .zones()
        .filter(|z| occupied.contains(&z.id) && !visited.contains(&z.id))
        .collect();
    walk(
        &mut layout,
        unreached,
        &children,
        &elements_by_zone,
        &mut visited,
        &mut groups,
    );
    // Elements of zones that do not exist (the model moves them to the internet, so none).
    let stray: Vec<&Element> = model
        .elements()
        .filter(|e| drawn(e) && !layout.nodes.contains_key(&e.id))
        .collect();
    layout.nodes_of(Some(&stray));
    layout
}

/// Whether an element is a node of the data-flow diagram: identities hold rights, nothing
/// flows through them, so the diagrams leave them out (the model JSON and the findings keep
/// them).
pub(crate) fn drawn(element: &Element) -> bool {
    element.kind != ElementKind::Identity
}

impl<'m> Layout<'m> {
    fn nodes_of(&mut self, elements: Option<&Vec<&'m Element>>) {
        for &element in elements.into_iter().flatten() {
            if !self.nodes.contains_key(&element.id) {
                let number = self.nodes.len();
                self.nodes.insert(&element.id, number);
                self.events.push(Event::Node(element, number));
            }
        }
    }
}

/// Depth-first over the zone tree with an explicit stack, so deep nesting cannot overflow.
fn walk<'m>(
    layout: &mut Layout<'m>,
    starts: Vec<&'m Zone>,
    children: &BTreeMap<&'m ZoneId, Vec<&'m Zone>>,
    elements_by_zone: &BTreeMap<&'m ZoneId, Vec<&'m Element>>,
    visited: &mut BTreeSet<&'m ZoneId>,
    groups: &mut usize,
) {
    let mut stack: Vec<Step<'m>> = starts.into_iter().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave => layout.events.push(Event::Close),
            Step::Enter(zone) => {
                if !visited.insert(&zone.id) {
                    continue;
                }
                layout.events.push(Event::Open(zone, *groups));
                *groups += 1;
                layout.nodes_of(elements_by_zone.get(&zone.id));
                stack.push(Step::Leave);
                for &child in children.get(&zone.id).into_iter().flatten().rev() {
                    stack.push(Step::Enter(child));
                }
            }
        }
    }
}

/// A flow's label, as the diagrams draw it: `protocol/ports` (ports joined by `,`, `all` for
/// every port), the protocol alone, the ports alone, or `None` when the flow states neither
/// ([`Flow::label`], the text its id ends with).
pub fn flow_label(flow: &Flow) -> Option<String> {
    flow.label()
}

/// A zone's title: its name, kind and trust level.
pub(crate) fn zone_title(zone: &Zone) -> String {
    format!(
        "{} ({}, trust: {})",
        zone.name,
        zone.kind.as_str(),
        crate::trust_name(zone.trust)
    )
}

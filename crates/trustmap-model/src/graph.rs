//! The assembled model: a petgraph graph of elements and flows, the zone tree, the trust
//! boundaries each flow crosses, and reachability from the internet.
//!
//! The graph is built once and never changes: a plain [`DiGraph`] (nothing is removed, so no
//! tombstones), each element's flows in and out sorted by id once, and flows found by id in
//! one lookup.

use crate::Code;
use crate::{AttrName, Attributes};
use crate::{
    Diagnostic, DiagnosticLevel, Element, ElementId, ElementKind, Flow, FlowId, Fragment,
    INTERNET_ELEMENT, Limit, Limits, Span, Tri, Zone, ZoneId, ZoneKind, limit_diagnostic,
};
use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The line between a zone and its parent zone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct Boundary {
    /// The enclosing zone.
    pub outer: ZoneId,
    /// The enclosed zone.
    pub inner: ZoneId,
}

/// Which flows a reachability question may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reachability {
    /// Any flow.
    AnyFlow,
    /// Only flows that are not known to be authenticated.
    Unauthenticated,
}

/// The data-flow diagram: elements as nodes, flows as edges, and the zone tree.
#[derive(Debug, Clone)]
pub struct Model {
    zones: BTreeMap<ZoneId, Zone>,
    graph: DiGraph<Element, Flow>,
    nodes: BTreeMap<ElementId, NodeIndex>,
    /// Every zone's elements, those living in it and those attached to it, sorted by id.
    members: BTreeMap<ZoneId, Vec<NodeIndex>>,
    /// Every flow, sorted by id.
    edges_by_id: Vec<EdgeIndex>,
    /// A flow by its id.
    flow_index: HashMap<FlowId, EdgeIndex>,
    /// Each element's flows out and in (by node index), sorted by id.
    outgoing: Vec<Vec<EdgeIndex>>,
    incoming: Vec<Vec<EdgeIndex>>,
    reached_any: BTreeMap<NodeIndex, Option<EdgeIndex>>,
    reached_unauthenticated: BTreeMap<NodeIndex, Option<EdgeIndex>>,
    exposed: BTreeMap<NodeIndex, (Tri, Vec<EdgeIndex>)>,
    diagnostics: Vec<Diagnostic>,
}

impl Model {
    /// Assembles fragments into one model with the default [`Limits`]. Fragments should come in
    /// a deterministic order (by file): when two declare the same id, the first wins and the
    /// second gets a diagnostic.
    pub fn build(fragments: Vec<Fragment>) -> Model {
        Model::build_with_limits(fragments, &Limits::default())
    }

    /// Assembles fragments into one model of at most [`Limit::Elements`] elements (besides the
    /// internet) and [`Limit::Flows`] flows. Over a bound, the elements (flows) with the
    /// smallest ids are kept, whatever the order the fragments came in, flows that touch a cut
    /// element are cut with it, and a [`limit_diagnostic`] says how many were cut.
    ///
    /// Two flows with one id (the same endpoints, protocol and ports: a [`FlowId`] names them
    /// all) are one flow, the first's: the second is dropped, silently when it comes from the
    /// same file (one declaration implied twice), else with a `duplicate-id` note at it that
    /// names the first. Its origin and attributes are not merged into the first's.
    pub fn build_with_limits(fragments: Vec<Fragment>, limits: &Limits) -> Model {
        let mut zones = BTreeMap::new();
        let mut diagnostics = Vec::new();
        let internet = Zone::internet();
        zones.insert(internet.id.clone(), internet);

        let mut graph = DiGraph::new();
        let mut nodes = BTreeMap::new();
        let internet_element = Element {
            id: ElementId(INTERNET_ELEMENT.to_string()),
            kind: ElementKind::ExternalEntity,
            name: "Internet user".to_string(),
            technology: None,
            zone: ZoneId::internet(),
            attached_zones: Vec::new(),
            called_from: None,
            span: None,
            attributes: Attributes::default(),
        };
        nodes.insert(
            internet_element.id.clone(),
            graph.add_node(internet_element),
        );

        let mut flows = Vec::new();
        let mut elements: BTreeMap<ElementId, Element> = BTreeMap::new();
        let mut cut_elements = std::collections::BTreeSet::new();
        for fragment in fragments {
            diagnostics.extend(fragment.diagnostics);
            for zone in fragment.zones {
                if let Some(first) = zones.get(&zone.id) {
                    diagnostics.push(duplicate(
                        zone.span.as_ref(),
                        first.span.as_ref(),
                        "zone",
                        &zone.id.0,
                    ));
                } else {
                    zones.insert(zone.id.clone(), zone);
                }
            }
            for element in fragment.elements {
                if let Some(first) = elements.get(&element.id) {
                    diagnostics.push(duplicate(
                        element.span.as_ref(),
                        first.span.as_ref(),
                        "element",
                        &element.id.0,
                    ));
                } else if nodes.contains_key(&element.id) {
                    // The built-in internet user.
                    diagnostics.push(duplicate(
                        element.span.as_ref(),
                        None,
                        "element",
                        &element.id.0,
                    ));
                } else {
                    elements.insert(element.id.clone(), element);
                }
            }
            flows.extend(fragment.flows);
        }
        let element_bound = limits.get_usize(Limit::Elements);
        if elements.len() > element_bound {
            let first_cut = elements
                .keys()
                .nth(element_bound)
                .expect("over the bound")
                .clone();
            let cut = elements.split_off(&first_cut);
            let first_cut = cut.values().next().expect("at least one is cut");
            diagnostics.push(limit_diagnostic(
                Limit::Elements,
                limits.get(Limit::Elements),
                first_cut.span.clone().unwrap_or_else(|| Span::lines("", 1, 1)),
                &format!(
                    "{} of {} elements were left out of the model (those with the greatest ids, from {}), with the flows that touch them",
                    cut.len(),
                    elements.len() + cut.len(),
                    first_cut.id
                ),
            ));
            cut_elements = cut.into_keys().collect();
        }
        for (id, element) in elements {
            nodes.insert(id, graph.add_node(element));
        }

        // A zone whose parent is missing hangs from the internet, so the tree stays a tree.
        let ids: Vec<ZoneId> = zones.keys().cloned().collect();
        for id in &ids {
            let parent = zones[id].parent.clone();
            if let Some(parent) = parent
                && !zones.contains_key(&parent)
            {
                zones.get_mut(id).expect("zone exists").parent = Some(ZoneId::internet());
            }
            if id.0 != crate::INTERNET_ZONE && zones[id].parent.is_none() {
                zones.get_mut(id).expect("zone exists").parent = Some(ZoneId::internet());
            }
        }
        for index in graph.node_indices().collect::<Vec<_>>() {
            let element = &mut graph[index];
            if !zones.contains_key(&element.zone) {
                diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Warning,
                    Code::UnknownZone,
                    element
                        .span
                        .clone()
                        .unwrap_or_else(|| Span::lines("", 1, 1)),
                    format!(
                        "{} names zone {} which does not exist",
                        element.id, element.zone
                    ),
                ));
                element.zone = ZoneId::internet();
            }
        }

        // Stable: of two flows with one id, the one of the earlier fragment is first.
        flows.sort_by(|a, b| a.id.cmp(&b.id));
        let mut kept: Vec<Flow> = Vec::with_capacity(flows.len());
        let mut cut_with_elements = 0usize;
        for flow in flows {
            if let Some(first) = kept.last().filter(|k| k.id == flow.id) {
                // The same declaration implied twice (one Service port per container), or one
                // file that implies it at several places (two host paths of one pod mount the
                // host's filesystem), is one flow; another file that declares it again is worth
                // a note.
                let file = |f: &Flow| f.span.as_ref().map(|s| s.file.clone());
                if first.span == flow.span || file(first) == file(&flow) {
                    continue;
                }
                diagnostics.push(duplicate(
                    flow.span.as_ref(),
                    first.span.as_ref(),
                    "flow",
                    &flow.id.0,
                ));
                continue;
            }
            if cut_elements.contains(&flow.source) || cut_elements.contains(&flow.target) {
                cut_with_elements += 1;
                continue;
            }
            match (nodes.get(&flow.source), nodes.get(&flow.target)) {
                (Some(_), Some(_)) => kept.push(flow),
                _ => diagnostics.push(Diagnostic::new(
                    DiagnosticLevel::Warning,
                    Code::DanglingFlow,
                    flow.span.clone().unwrap_or_else(|| Span::lines("", 1, 1)),
                    format!("flow {} names an element that does not exist", flow.id),
                )),
            }
        }
        if cut_with_elements > 0
            && let Some(cut) = diagnostics
                .iter_mut()
                .find(|d| d.code == Limit::Elements.code())
        {
            cut.message
                .push_str(&format!(" ({cut_with_elements} flows)"));
        }
        let flow_bound = limits.get_usize(Limit::Flows);
        if kept.len() > flow_bound {
            let cut = kept.split_off(flow_bound);
            let first_cut = &cut[0];
            diagnostics.push(limit_diagnostic(
                Limit::Flows,
                limits.get(Limit::Flows),
                first_cut.span.clone().unwrap_or_else(|| Span::lines("", 1, 1)),
                &format!(
                    "{} of {} flows were left out of the model (those with the greatest ids, from {})",
                    cut.len(),
                    kept.len() + cut.len(),
                    first_cut.id
                ),
            ));
        }
        for flow in kept {
            let (source, target) = (nodes[&flow.source], nodes[&flow.target]);
            graph.add_edge(source, target, flow);
        }

        let mut members: BTreeMap<ZoneId, Vec<NodeIndex>> = BTreeMap::new();
        for &node in nodes.values() {
            let element = &graph[node];
            for zone in std::iter::once(&element.zone).chain(&element.attached_zones) {
                members.entry(zone.clone()).or_default().push(node);
            }
        }
        // Flows were added in id order, so edge indices are already sorted by id, and so is
        // each element's list of flows in and out.
        let edges_by_id: Vec<EdgeIndex> = graph.edge_indices().collect();
        debug_assert!(
            edges_by_id
                .windows(2)
                .all(|w| graph[w[0]].id < graph[w[1]].id)
        );
        let mut outgoing = vec![Vec::new(); graph.node_count()];
        let mut incoming = vec![Vec::new(); graph.node_count()];
        let mut flow_index = HashMap::with_capacity(edges_by_id.len());
        for &edge in &edges_by_id {
            let (source, target) = graph.edge_endpoints(edge).expect("an edge of the graph");
            outgoing[source.index()].push(edge);
            incoming[target.index()].push(edge);
            flow_index.insert(graph[edge].id.clone(), edge);
        }
        diagnostics.sort();
        diagnostics.dedup();

        let mut model = Model {
            zones,
            graph,
            nodes,
            members,
            edges_by_id,
            flow_index,
            outgoing,
            incoming,
            reached_any: BTreeMap::new(),
            reached_unauthenticated: BTreeMap::new(),
            exposed: BTreeMap::new(),
            diagnostics,
        };
        model.reached_any = model.breadth_first_from_internet(Reachability::AnyFlow);
        model.reached_unauthenticated =
            model.breadth_first_from_internet(Reachability::Unauthenticated);
        let definitely = model.exposed_through_forwarders(&[Tri::Yes]);
        let possibly = model.exposed_through_forwarders(&[Tri::Yes, Tri::Unknown]);
        for (node, path) in possibly {
            model.exposed.insert(node, (Tri::Unknown, path));
        }
        for (node, path) in definitely {
            model.exposed.insert(node, (Tri::Yes, path));
        }
        model
    }

    /// Every zone, sorted by id.
    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.values()
    }

    /// A zone by id.
    pub fn zone(&self, id: &ZoneId) -> Option<&Zone> {
        self.zones.get(id)
    }

    /// Every element, sorted by id.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.nodes.values().map(|&n| &self.graph[n])
    }

    /// An element by id.
    pub fn element(&self, id: &ElementId) -> Option<&Element> {
        self.nodes.get(id).map(|&n| &self.graph[n])
    }

    /// Every flow, sorted by id.
    pub fn flows(&self) -> impl Iterator<Item = &Flow> {
        self.edges_by_id.iter().map(|&e| &self.graph[e])
    }

    /// A flow by id.
    pub fn flow(&self, id: &FlowId) -> Option<&Flow> {
        self.flow_index.get(id).map(|&e| &self.graph[e])
    }

    /// How many elements the model has (as `elements().count()`, without walking them).
    pub fn element_count(&self) -> usize {
        self.nodes.len()
    }

    /// How many flows the model has (as `flows().count()`, without walking them).
    pub fn flow_count(&self) -> usize {
        self.edges_by_id.len()
    }

    /// What the parsers and the assembly could not read.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The petgraph graph, for algorithms this API does not offer.
    pub fn graph(&self) -> &DiGraph<Element, Flow> {
        &self.graph
    }

    /// Flows into an element, sorted by id.
    pub fn inbound(&self, id: &ElementId) -> Vec<&Flow> {
        self.adjacent(id, Direction::Incoming)
    }

    /// Flows out of an element, sorted by id.
    pub fn outbound(&self, id: &ElementId) -> Vec<&Flow> {
        self.adjacent(id, Direction::Outgoing)
    }

    fn adjacent(&self, id: &ElementId, direction: Direction) -> Vec<&Flow> {
        let Some(&node) = self.nodes.get(id) else {
            return Vec::new();
        };
        self.edges(node, direction)
            .iter()
            .map(|&e| &self.graph[e])
            .collect()
    }

    /// An element's flows in one direction, sorted by id.
    fn edges(&self, node: NodeIndex, direction: Direction) -> &[EdgeIndex] {
        let lists = match direction {
            Direction::Outgoing => &self.outgoing,
            Direction::Incoming => &self.incoming,
        };
        &lists[node.index()]
    }

    /// The element a flow goes to.
    fn target_of(&self, edge: EdgeIndex) -> NodeIndex {
        self.graph
            .edge_endpoints(edge)
            .expect("an edge of the graph")
            .1
    }

    /// Elements in a zone or attached to it, sorted by id.
    pub fn elements_in_zone(&self, zone: &ZoneId) -> impl Iterator<Item = &Element> {
        self.members
            .get(zone)
            .into_iter()
            .flatten()
            .map(|&n| &self.graph[n])
    }

    /// The other elements that share a zone with `element` (its own or one it is attached
    /// to), sorted by id, each once.
    pub fn neighbours_in_zones(&self, element: &Element) -> Vec<&Element> {
        let mut found: Vec<&Element> = std::iter::once(&element.zone)
            .chain(&element.attached_zones)
            .flat_map(|z| self.elements_in_zone(z))
            .filter(|other| other.id != element.id)
            .collect();
        found.sort_by(|a, b| a.id.cmp(&b.id));
        found.dedup_by(|a, b| a.id == b.id);
        found
    }

    /// Whether two elements share a zone (their own or one they are attached to).
    pub fn share_zone(&self, a: &Element, b: &Element) -> bool {
        let in_b = |z: &ZoneId| &b.zone == z || b.attached_zones.contains(z);
        std::iter::once(&a.zone).chain(&a.attached_zones).any(in_b)
    }

    /// The zone of an element (the internet for an element whose zone is unknown).
    pub fn zone_of(&self, element: &Element) -> &Zone {
        self.zones
            .get(&element.zone)
            .unwrap_or_else(|| &self.zones[&ZoneId::internet()])
    }

    /// The application an element belongs to, as the zone that holds it: its compose project,
    /// its Kubernetes namespace (one per application, see the Kubernetes crate), its cloud
    /// account; else the outermost zone below the internet that holds it. Findings that restate
    /// one baseline across an application are grouped by it (`once_per_application:`).
    pub fn application_of(&self, element: &Element) -> &ZoneId {
        let mut at = Some(self.zone_of(element));
        let mut outermost = &self.zone_of(element).id;
        // Bounded by the number of zones: a malformed parent chain cannot loop.
        for _ in 0..=self.zones.len() {
            let Some(zone) = at else { break };
            match zone.kind {
                ZoneKind::Project | ZoneKind::Namespace | ZoneKind::Cloud => return &zone.id,
                ZoneKind::Internet => break,
                _ => outermost = &zone.id,
            }
            at = zone.parent.as_ref().and_then(|p| self.zones.get(p));
        }
        outermost
    }

    /// Whether an element lives in the internet zone (or one inside it of kind internet).
    pub fn is_on_internet(&self, element: &Element) -> bool {
        self.zone_of(element).kind == ZoneKind::Internet
    }

    /// The zones from `zone` up to the root, `zone` first.
    pub fn ancestry(&self, zone: &ZoneId) -> Vec<ZoneId> {
        let mut chain = Vec::new();
        let mut current = Some(zone.clone());
        while let Some(id) = current {
            if chain.contains(&id) {
                break; // A parent cycle cannot come from the parsers; stop rather than loop.
            }
            current = self.zones.get(&id).and_then(|z| z.parent.clone());
            chain.push(id);
        }
        chain
    }

    /// The trust boundaries a flow crosses, in the order it crosses them: out of the source's
    /// zones up to the nearest common zone, then into the target's. Endpoints that share a zone
    /// (one is attached to the other's) talk inside it and cross nothing.
    pub fn boundaries_crossed(&self, flow: &Flow) -> Vec<Boundary> {
        let (Some(source), Some(target)) = (self.element(&flow.source), self.element(&flow.target))
        else {
            return Vec::new();
        };
        if self.share_zone(source, target) {
            return Vec::new();
        }
        let up = self.ancestry(&source.zone);
        let down = self.ancestry(&target.zone);
        let common = up.iter().find(|z| down.contains(z)).cloned();
        let mut crossings = Vec::new();
        for pair in up.windows(2) {
            if Some(&pair[0]) == common.as_ref() {
                break;
            }
            crossings.push(Boundary {
                outer: pair[1].clone(),
                inner: pair[0].clone(),
            });
        }
        let mut inward = Vec::new();
        for pair in down.windows(2) {
            if Some(&pair[0]) == common.as_ref() {
                break;
            }
            inward.push(Boundary {
                outer: pair[1].clone(),
                inner: pair[0].clone(),
            });
        }
        crossings.extend(inward.into_iter().rev());
        crossings
    }

    /// Whether a flow goes from a zone of lower trust into one of higher trust.
    pub fn enters_higher_trust(&self, flow: &Flow) -> bool {
        match (self.element(&flow.source), self.element(&flow.target)) {
            (Some(s), Some(t)) => {
                !self.boundaries_crossed(flow).is_empty()
                    && self.zone_of(s).trust < self.zone_of(t).trust
            }
            _ => false,
        }
    }

    /// Every trust boundary of the zone tree, sorted.
    pub fn boundaries(&self) -> Vec<Boundary> {
        self.zones
            .values()
            .filter_map(|z| {
                z.parent.clone().map(|outer| Boundary {
                    outer,
                    inner: z.id.clone(),
                })
            })
            .collect()
    }

    /// Whether an element can be reached from the internet by following flows.
    pub fn reachable_from_internet(&self, id: &ElementId, how: Reachability) -> bool {
        self.nodes
            .get(id)
            .is_some_and(|n| self.reached(how).contains_key(n))
    }

    /// The shortest chain of flows from the internet to an element, when there is one. Ties are
    /// broken by flow id, so the path is deterministic.
    pub fn path_from_internet(&self, id: &ElementId, how: Reachability) -> Option<Vec<&Flow>> {
        let reached = self.reached(how);
        let mut node = *self.nodes.get(id)?;
        let mut path = Vec::new();
        while let Some(Some(edge)) = reached.get(&node) {
            path.push(&self.graph[*edge]);
            node = self.graph.edge_endpoints(*edge)?.0;
            if path.len() > self.graph.node_count() {
                return None;
            }
        }
        reached.get(&node)?;
        path.reverse();
        Some(path)
    }

    /// Whether an element takes connections from the internet: a flow from the internet reaches
    /// it directly or through elements that only forward (a Kubernetes Service, an ingress).
    /// `Unknown` when the only such flows may or may not be public (an unresolved bind
    /// address). Reaching it through a process that does its own work (an application that
    /// calls a database) does not count: that is [`Model::reachable_from_internet`].
    pub fn exposure(&self, id: &ElementId) -> Tri {
        self.nodes
            .get(id)
            .and_then(|n| self.exposed.get(n))
            .map_or(Tri::No, |(truth, _)| *truth)
    }

    /// The flows by which an element is exposed (see [`Model::exposure`]), from the internet on.
    pub fn exposure_path(&self, id: &ElementId) -> Vec<&Flow> {
        self.nodes
            .get(id)
            .and_then(|n| self.exposed.get(n))
            .map(|(_, path)| path.iter().map(|e| &self.graph[*e]).collect())
            .unwrap_or_default()
    }

    /// Breadth-first from the internet: first hops whose `public` flag is one of `accepted`
    /// (a flow from the internet that does not say is public), then on only through forwarders.
    fn exposed_through_forwarders(&self, accepted: &[Tri]) -> BTreeMap<NodeIndex, Vec<EdgeIndex>> {
        let mut reached: BTreeMap<NodeIndex, Vec<EdgeIndex>> = BTreeMap::new();
        let mut queue = VecDeque::new();
        for element in self.elements().filter(|e| self.is_on_internet(e)) {
            // An element several doors open is exposed through the one written first (its
            // first published port, say), which is where a finding about it lands.
            let mut doors: Vec<EdgeIndex> = self
                .edges(self.nodes[&element.id], Direction::Outgoing)
                .to_vec();
            doors.sort_by_key(|&edge| {
                let span = self.graph[edge].span.as_ref();
                (
                    span.is_none(),
                    span.map(|s| (s.file.to_string(), s.start.line, s.start.column)),
                    edge,
                )
            });
            for edge in doors {
                let flow = &self.graph[edge];
                let public = match flow.attributes.get(AttrName::Public) {
                    Some(_) => flow.attributes.flag(AttrName::Public),
                    None => Tri::Yes,
                };
                let target = self.target_of(edge);
                if accepted.contains(&public) && !reached.contains_key(&target) {
                    reached.insert(target, vec![edge]);
                    queue.push_back(target);
                }
            }
        }
        while let Some(node) = queue.pop_front() {
            if self.graph[node].attributes.flag(AttrName::Forwards) != Tri::Yes {
                continue;
            }
            let path = reached[&node].clone();
            for &edge in self.edges(node, Direction::Outgoing) {
                let target = self.target_of(edge);
                if !reached.contains_key(&target) && !self.is_on_internet(&self.graph[target]) {
                    let mut next = path.clone();
                    next.push(edge);
                    reached.insert(target, next);
                    queue.push_back(target);
                }
            }
        }
        reached
    }

    fn reached(&self, how: Reachability) -> &BTreeMap<NodeIndex, Option<EdgeIndex>> {
        match how {
            Reachability::AnyFlow => &self.reached_any,
            Reachability::Unauthenticated => &self.reached_unauthenticated,
        }
    }

    fn breadth_first_from_internet(
        &self,
        how: Reachability,
    ) -> BTreeMap<NodeIndex, Option<EdgeIndex>> {
        let mut reached = BTreeMap::new();
        let mut queue = VecDeque::new();
        for element in self.elements().filter(|e| self.is_on_internet(e)) {
            let node = self.nodes[&element.id];
            reached.insert(node, None);
            queue.push_back(node);
        }
        while let Some(node) = queue.pop_front() {
            for &edge in self.edges(node, Direction::Outgoing) {
                let flow = &self.graph[edge];
                let target = self.target_of(edge);
                if how == Reachability::Unauthenticated
                    && (flow.attributes.flag(AttrName::Authenticated) == Tri::Yes
                        || self.graph[target].attributes.flag(AttrName::Authenticated) == Tri::Yes)
                {
                    continue;
                }
                if let std::collections::btree_map::Entry::Vacant(slot) = reached.entry(target) {
                    slot.insert(Some(edge));
                    queue.push_back(target);
                }
            }
        }
        reached
    }
}

/// The note for a second declaration of an id at `span`, naming the first at `first`.
fn duplicate(span: Option<&Span>, first: Option<&Span>, what: &str, id: &str) -> Diagnostic {
    let first = first.map_or_else(String::new, |f| format!(" (first at {f})"));
    Diagnostic::new(
        DiagnosticLevel::Note,
        Code::DuplicateId,
        span.cloned().unwrap_or_else(|| Span::lines("", 1, 1)),
        format!("{what} {id} is declared more than once; the first declaration{first} is used"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{TrustLevel, ZoneKind};

    fn zone(id: &str, parent: &str, trust: TrustLevel) -> Zone {
        Zone {
            id: ZoneId(id.into()),
            kind: ZoneKind::Network,
            name: id.into(),
            parent: Some(ZoneId(parent.into())),
            trust,
            span: None,
            attributes: Attributes::default(),
        }
    }

    fn process(id: &str, zone: &str) -> Element {
        Element {
            id: ElementId(id.into()),
            kind: ElementKind::Process,
            name: id.into(),
            technology: None,
            zone: ZoneId(zone.into()),
            attached_zones: vec![],
            called_from: None,
            span: None,
            attributes: Attributes::default(),
        }
    }

    fn flow(source: &str, target: &str) -> Flow {
        Flow::new(
            ElementId(source.into()),
            ElementId(target.into()),
            None,
            vec![],
            "test",
            None,
        )
    }

    fn sample() -> Model {
        Model::build(vec![Fragment {
            zones: vec![
                zone("host", "internet", TrustLevel::Privileged),
                zone("front", "host", TrustLevel::Medium),
                zone("back", "host", TrustLevel::High),
            ],
            elements: vec![process("web", "front"), process("db", "back")],
            flows: vec![flow(INTERNET_ELEMENT, "web"), flow("web", "db")],
            diagnostics: vec![],
        }])
    }

    #[test]
    fn a_flow_crosses_every_boundary_between_its_zones() {
        let model = sample();
        let from_internet = model.flows().find(|f| f.target.0 == "web").unwrap();
        let crossed = model.boundaries_crossed(from_internet);
        let names: Vec<_> = crossed
            .iter()
            .map(|b| (b.outer.0.as_str(), b.inner.0.as_str()))
            .collect();
        assert_eq!(names, [("internet", "host"), ("host", "front")]);
        let lateral = model.flows().find(|f| f.target.0 == "db").unwrap();
        let names: Vec<_> = model
            .boundaries_crossed(lateral)
            .iter()
            .map(|b| b.inner.0.clone())
            .collect();
        assert_eq!(names, ["front", "back"]);
        assert!(model.enters_higher_trust(lateral));
    }

    #[test]
    fn reachability_follows_flows_and_gives_the_path() {
        let model = sample();
        let db = ElementId("db".into());
        assert!(model.reachable_from_internet(&db, Reachability::AnyFlow));
        let path = model
            .path_from_internet(&db, Reachability::AnyFlow)
            .unwrap();
        assert_eq!(path.len(), 2);
        assert_eq!(path[1].target, db);
    }

    #[test]
    fn a_snapshot_reads_back_as_it_was_written() {
        let mut model_fragment = Fragment {
            zones: vec![zone("host", "internet", TrustLevel::Privileged)],
            elements: vec![process("web", "host")],
            flows: vec![flow(INTERNET_ELEMENT, "web")],
            diagnostics: vec![],
        };
        // A text attribute whose value looks like a flag must stay text.
        model_fragment.elements[0]
            .attributes
            .set_text(AttrName::User, "yes", None);
        model_fragment.elements[0]
            .attributes
            .set_flag(AttrName::Privileged, Tri::Unknown, None);
        let snapshot = crate::Snapshot::of(&Model::build(vec![model_fragment]));
        let text = snapshot.to_json();
        let read = crate::Snapshot::from_json(&text).unwrap();
        assert_eq!(read, snapshot);
        assert_eq!(read.to_json(), text);
        let web = read
            .elements
            .iter()
            .find(|e| e.element.id.0 == "web")
            .unwrap();
        assert_eq!(web.exposed, Tri::Yes);
        assert_eq!(web.element.attributes.text(AttrName::User), Some("yes"));
    }

    #[test]
    fn flows_to_missing_elements_become_diagnostics() {
        let model = Model::build(vec![Fragment {
            flows: vec![flow("a", "b")],
            ..Fragment::default()
        }]);
        assert_eq!(model.flows().count(), 0);
        assert_eq!(model.diagnostics()[0].code, "dangling-flow");
    }
}

#[cfg(test)]
mod bound_tests {
    use super::*;
    use crate::{Position, TrustLevel};

    fn span(file: &str, line: u32) -> Span {
        Span {
            file: file.into(),
            start: Position { line, column: 1 },
            end: Position { line, column: 9 },
        }
    }

    fn process(id: &str) -> Element {
        Element {
            id: ElementId(id.into()),
            kind: ElementKind::Process,
            name: id.into(),
            technology: None,
            zone: ZoneId::internet(),
            attached_zones: vec![],
            called_from: None,
            span: Some(span("a.yaml", 1)),
            attributes: Attributes::default(),
        }
    }

    fn flow(source: &str, target: &str, file: &str, line: u32) -> Flow {
        Flow::new(
            ElementId(source.into()),
            ElementId(target.into()),
            Some("http".into()),
            vec![],
            "test",
            Some(span(file, line)),
        )
    }

    fn fragment(elements: &[&str], flows: Vec<Flow>) -> Fragment {
        Fragment {
            zones: vec![Zone {
                id: ZoneId("z".into()),
                kind: ZoneKind::Network,
                name: "z".into(),
                parent: None,
                trust: TrustLevel::Medium,
                span: None,
                attributes: Attributes::default(),
            }],
            elements: elements.iter().map(|id| process(id)).collect(),
            flows,
            diagnostics: vec![],
        }
    }

    #[test]
    fn a_second_flow_with_the_same_id_is_reported_with_both_places() {
        let model = Model::build(vec![
            fragment(&["a", "b"], vec![flow("a", "b", "first.yaml", 3)]),
            fragment(&[], vec![flow("a", "b", "second.yaml", 7)]),
        ]);
        assert_eq!(model.flows().count(), 1);
        assert_eq!(
            model.flows().next().unwrap().span.as_ref().unwrap().file,
            "first.yaml"
        );
        let note = model
            .diagnostics()
            .iter()
            .find(|d| d.code == "duplicate-id" && d.message.starts_with("flow a -> b"))
            .expect("the second flow is reported");
        assert_eq!(note.span.file, "second.yaml");
        assert!(note.message.contains("first.yaml:3"), "{}", note.message);
    }

    fn ported(source: &str, target: &str, ports: &[&str], file: &str) -> Flow {
        Flow::new(
            ElementId(source.into()),
            ElementId(target.into()),
            Some("tcp".into()),
            ports.iter().map(|p| p.to_string()).collect(),
            "test",
            Some(span(file, 1)),
        )
    }

    #[test]
    fn flows_that_differ_only_in_a_later_port_are_two_flows_and_found_by_id() {
        let model = Model::build(vec![fragment(
            &["a", "b"],
            vec![
                ported("a", "b", &["80", "443"], "f.yaml"),
                ported("a", "b", &["80", "8443"], "f.yaml"),
                ported("b", "a", &["*"], "f.yaml"),
            ],
        )]);
        let ids: Vec<_> = model.flows().map(|f| f.id.0.as_str()).collect();
        assert_eq!(
            ids,
            [
                "a -> b (tcp/80,443)",
                "a -> b (tcp/80,8443)",
                "b -> a (tcp/all)"
            ]
        );
        assert!(model.diagnostics().is_empty(), "{:?}", model.diagnostics());
        for flow in model.flows() {
            assert_eq!(model.flow(&flow.id), Some(flow));
        }
        assert_eq!(model.flow(&crate::FlowId("a -> b (tcp/80)".into())), None);
        let out: Vec<_> = model
            .outbound(&ElementId("a".into()))
            .iter()
            .map(|f| f.id.0.as_str())
            .collect();
        assert_eq!(out, ["a -> b (tcp/80,443)", "a -> b (tcp/80,8443)"]);
        let into: Vec<_> = model
            .inbound(&ElementId("a".into()))
            .iter()
            .map(|f| f.id.0.as_str())
            .collect();
        assert_eq!(into, ["b -> a (tcp/all)"]);
    }

    #[test]
    fn flows_with_the_same_ports_are_one_flow_and_another_file_is_said() {
        let model = Model::build(vec![
            fragment(
                &["a", "b"],
                vec![ported("a", "b", &["80", "443"], "one.yaml")],
            ),
            fragment(&[], vec![ported("a", "b", &["80", "443"], "two.yaml")]),
        ]);
        assert_eq!(model.flow_count(), 1);
        let note = model
            .diagnostics()
            .iter()
            .find(|d| d.message.starts_with("flow a -> b"))
            .expect("the second declaration is said");
        assert_eq!(
            (note.code.as_str(), note.span.file.as_str()),
            ("duplicate-id", "two.yaml")
        );
        assert!(note.message.contains("one.yaml:1"), "{}", note.message);
    }

    fn limited(elements: u64, flows: u64) -> Limits {
        let mut limits = Limits::default();
        limits.set(Limit::Elements, elements);
        limits.set(Limit::Flows, flows);
        limits
    }

    #[test]
    fn a_flow_implied_twice_by_one_declaration_is_no_duplicate() {
        let model = Model::build(vec![fragment(
            &["a", "b"],
            vec![
                flow("a", "b", "f.yaml", 3),
                flow("a", "b", "f.yaml", 3),
                flow("a", "b", "f.yaml", 9),
            ],
        )]);
        assert_eq!(model.flows().count(), 1);
        assert!(model.diagnostics().is_empty(), "{:?}", model.diagnostics());
    }

    #[test]
    fn elements_over_the_bound_are_cut_the_same_in_any_fragment_order_and_said() {
        let build = |order: &[&[&str]]| {
            let fragments = order
                .iter()
                .map(|ids| {
                    let flows = ids.iter().map(|id| flow(id, "a", "f.yaml", 1)).collect();
                    fragment(ids, flows)
                })
                .collect();
            Model::build_with_limits(fragments, &limited(3, 100))
        };
        let one = build(&[&["e", "a"], &["d", "b", "c"]]);
        let other = build(&[&["c", "b"], &["a", "e", "d"]]);
        let ids = |m: &Model| m.elements().map(|e| e.id.0.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&one), ids(&other));
        assert_eq!(ids(&one), ["a", "b", "c", "external:internet"]);
        let flows = |m: &Model| m.flows().map(|f| f.id.0.clone()).collect::<Vec<_>>();
        assert_eq!(flows(&one), flows(&other));
        let cut = one
            .diagnostics()
            .iter()
            .find(|d| d.code == "limit-elements")
            .expect("the cut is said");
        assert_eq!(cut.level, DiagnosticLevel::Error);
        assert!(
            cut.message.starts_with("2 of 5 elements"),
            "{}",
            cut.message
        );
        assert!(cut.message.contains("(2 flows)"), "{}", cut.message);
        assert!(
            !one.diagnostics().iter().any(|d| d.code == "dangling-flow"),
            "flows cut with their elements are not dangling"
        );
    }

    #[test]
    fn flows_over_the_bound_are_cut_by_id_and_said() {
        let flows = |order: &[(&str, &str)]| {
            order
                .iter()
                .map(|(s, t)| flow(s, t, "f.yaml", 1))
                .collect::<Vec<_>>()
        };
        let build = |order: &[(&str, &str)]| {
            Model::build_with_limits(
                vec![fragment(&["a", "b", "c"], flows(order))],
                &limited(100, 2),
            )
        };
        let one = build(&[("c", "a"), ("a", "b"), ("b", "c")]);
        let other = build(&[("b", "c"), ("c", "a"), ("a", "b")]);
        let ids = |m: &Model| m.flows().map(|f| f.id.0.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&one), ids(&other));
        assert_eq!(ids(&one), ["a -> b (http)", "b -> c (http)"]);
        let cut = one
            .diagnostics()
            .iter()
            .find(|d| d.code == "limit-flows")
            .expect("the cut is said");
        assert!(cut.message.starts_with("1 of 3 flows"), "{}", cut.message);
    }

    #[test]
    fn a_model_within_its_bounds_has_no_limit_diagnostic() {
        let model = Model::build_with_limits(
            vec![fragment(&["a", "b"], vec![flow("a", "b", "f.yaml", 1)])],
            &limited(2, 1),
        );
        assert!(
            model
                .diagnostics()
                .iter()
                .all(|d| !d.code.starts_with("limit-"))
        );
    }
}

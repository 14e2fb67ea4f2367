//! The geometry of the data-flow diagram that [`crate::svg()`] draws: where every zone box,
//! element box, flow route and flow label goes. Pure integer arithmetic, no randomness: the
//! same model always gives the same geometry.
//!
//! How it is laid out:
//!
//! 1. **Nesting** comes from the shared zone tree ([`crate::diagram`]): every zone that holds
//!    an element, directly or nested, is a cluster; the internet is the unbordered root. Node
//!    and zone numbers (`n0`, `z0`) are the ones Mermaid and DOT use.
//! 2. **Ranks**: every element gets a rank by its flow depth: the internet's elements first,
//!    then the other external entities that start flows (a host's local users), then the
//!    longest path from them over the flows (cycles broken by a depth-first search). An element
//!    they do not reach sits just before what it calls, else just after what calls it. A zone's
//!    rank is the smallest of the ranks inside it.
//! 3. **Boxes**: each cluster lays its own elements and child zones out in columns, one per
//!    rank, left to right (neighbouring columns that no flow connects share one; a column of
//!    more than [`WRAP`] items wraps into several); the elements of a column share one width.
//!    A zone's box is sized to its content and title, bottom-up, then placed top-down. Nothing
//!    in a cluster overlaps, and every box lies inside its zone's box, by construction.
//! 4. **Order**: the items of each column are reordered a few times by the barycentre of their
//!    flow partners, keeping the order with the fewest crossings of straight centre-to-centre
//!    lines (and lines through boxes).
//! 5. **Routes**: every flow is an orthogonal polyline from a port on the source's border to a
//!    port on the target's, found by A* on a sparse grid made of the box borders (with a
//!    margin), the ports and the channels between them. Element boxes and zone titles are
//!    obstacles; bends, crossings of zone borders and segments other flows already use cost
//!    extra, so routes stay short, straight and apart. Past a size budget routes fall back to
//!    simple three-segment polylines.
//! 6. **Labels**: each flow's `protocol/port` label goes on one of its segments, at the place
//!    that overlaps the fewest boxes, labels, boundaries and other routes.

mod route;

use crate::diagram::{Event, flow_label, layout as nesting};
use route::{place_labels, route_all};
use std::collections::BTreeMap;
use trustmap_model::{Element, ElementId, ElementKind, Flow, Model, Zone, ZoneKind};

/// The most items stacked in one column of a zone before the column wraps.
pub const WRAP: usize = 8;

/// Space around the whole diagram.
const MARGIN: i32 = 28;
/// Element boxes.
const NODE_MIN_H: i32 = 46;
const NODE_MIN_W: i32 = 120;
const NODE_MAX_W: i32 = 240;
const NODE_PAD_X: i32 = 14;
/// Font sizes, which the text-width estimate needs.
pub(crate) const NAME_SIZE: i32 = 13;
pub(crate) const DETAIL_SIZE: i32 = 11;
pub(crate) const TITLE_SIZE: i32 = 12;
pub(crate) const LABEL_SIZE: i32 = 11;
/// Vertical space between the items of a column.
const ROW_GAP: i32 = 34;
/// Horizontal space between columns: at least this, more when flow labels are wide.
const COL_GAP_MIN: i32 = 88;
const COL_GAP_MAX: i32 = 170;
/// Zone padding; the top holds the title.
const ZONE_PAD_X: i32 = 30;
const ZONE_PAD_TOP: i32 = 44;
const ZONE_PAD_BOTTOM: i32 = 22;
/// The title's baseline, below the zone's top border.
pub(crate) const TITLE_BASELINE: i32 = 19;
/// How far a route leaves a box straight out before it may turn (and the grid margin).
const STUB: i32 = 12;
/// How close a route may pass by an element box (its threat badge sticks out a little).
const OBSTACLE_MARGIN: i32 = 10;
/// The lanes just inside and outside a zone border.
const LANE: i32 = 9;
/// Route costs, in pixels of length.
const BEND_COST: i64 = 26;
const BORDER_COST: i64 = 45;
const REUSE_COST: i64 = 8;
/// Budgets beyond which the router and the ordering give up on finesse.
const MAX_GRID_CELLS: usize = 700_000;
const MAX_SEARCH_STEPS: u64 = 10_000_000;
/// How far around its two ends a route is first looked for.
const WINDOW_MARGIN: i32 = 240;
const MAX_ORDERED_FLOWS: usize = 1_500;
const MAX_LABEL_SEARCH_FLOWS: usize = 800;
const ORDER_ROUNDS: usize = 6;
/// Grid lines closer than this are merged (unless they carry ports).
const MIN_SPACING: i32 = 7;
/// Flow labels: height and horizontal padding of their box.
const LABEL_H: i32 = 15;
const LABEL_PAD_X: i32 = 4;

/// A point, in SVG user units (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Point {
    /// Left to right.
    pub x: i32,
    /// Top to bottom.
    pub y: i32,
}

/// An axis-aligned rectangle, in SVG user units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: i32,
    /// Height.
    pub height: i32,
}

impl Rect {
    /// The right edge.
    pub fn right(&self) -> i32 {
        self.x + self.width
    }

    /// The bottom edge.
    pub fn bottom(&self) -> i32 {
        self.y + self.height
    }

    /// The centre (rounded down).
    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.width / 2,
            y: self.y + self.height / 2,
        }
    }

    /// Whether `other` lies within this rectangle (borders may touch).
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }

    /// Whether a point lies within this rectangle or on its border.
    pub fn contains_point(&self, point: Point) -> bool {
        point.x >= self.x
            && point.x <= self.right()
            && point.y >= self.y
            && point.y <= self.bottom()
    }

    /// Whether the interiors of the two rectangles intersect (touching borders do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.right()
            && other.x < self.right()
            && self.y < other.bottom()
            && other.y < self.bottom()
    }

    /// The rectangle grown by `by` on every side.
    fn inflate(&self, by: i32) -> Rect {
        Rect {
            x: self.x - by,
            y: self.y - by,
            width: self.width + 2 * by,
            height: self.height + 2 * by,
        }
    }

    /// Whether an axis-parallel segment passes through the interior.
    fn cut_by(&self, a: Point, b: Point) -> bool {
        let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
        let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
        if y0 == y1 {
            y0 > self.y && y0 < self.bottom() && x0 < self.right() && x1 > self.x
        } else {
            x0 > self.x && x0 < self.right() && y0 < self.bottom() && y1 > self.y
        }
    }
}

/// Where a zone is drawn: its box, whose border is the trust boundary to its parent.
#[derive(Debug, Clone)]
pub struct ZoneBox<'m> {
    /// The zone.
    pub zone: &'m Zone,
    /// Its number: the SVG id is `z<number>`, as in the Mermaid and DOT output.
    pub number: usize,
    /// The number of the drawn zone around it; `None` at the top level (the internet).
    pub parent: Option<usize>,
    /// The box.
    pub rect: Rect,
    /// Where the title is written, inside the top of the box.
    pub title: Rect,
    /// The zone's name as written in the title (shortened with `…` when too long).
    pub name: String,
    /// The rest of the title: kind and trust level.
    pub detail: String,
}

/// Where an element is drawn.
#[derive(Debug, Clone)]
pub struct NodeBox<'m> {
    /// The element.
    pub element: &'m Element,
    /// Its number: the SVG id is `n<number>`, as in the Mermaid and DOT output.
    pub number: usize,
    /// The number of the drawn zone it sits in; `None` at the top level (the internet).
    pub zone: Option<usize>,
    /// The box.
    pub rect: Rect,
    /// The name as written (shortened with `…` when too long).
    pub name: String,
    /// A second, smaller line: the technology and the other zones it is attached to.
    pub detail: Option<String>,
}

/// A flow's label and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeLabel {
    /// The text (`postgres/5432`).
    pub text: String,
    /// The label's box, centred on a segment of the route.
    pub rect: Rect,
}

/// Where a flow is drawn.
#[derive(Debug, Clone)]
pub struct EdgeRoute<'m> {
    /// The flow.
    pub flow: &'m Flow,
    /// Its number, in flow-id order: the SVG id is `f<number>`.
    pub number: usize,
    /// The source's node number.
    pub source: usize,
    /// The target's node number.
    pub target: usize,
    /// The route: an orthogonal polyline from the source's border to the target's border
    /// (where the arrowhead goes), without collinear points.
    pub points: Vec<Point>,
    /// The label, for flows that state a protocol or a port.
    pub label: Option<EdgeLabel>,
}

/// The whole diagram's geometry; see the module documentation for how it is made.
#[derive(Debug, Clone)]
pub struct DiagramLayout<'m> {
    /// Width of the drawing.
    pub width: i32,
    /// Height of the drawing.
    pub height: i32,
    /// The drawn zones, indexed by number; a zone comes after the zone around it.
    pub zones: Vec<ZoneBox<'m>>,
    /// The elements, indexed by number.
    pub nodes: Vec<NodeBox<'m>>,
    /// The flows, indexed by number (flow-id order).
    pub edges: Vec<EdgeRoute<'m>>,
}

/// Lays the model's data-flow diagram out; see the module documentation.
#[must_use]
pub fn diagram_layout(model: &Model) -> DiagramLayout<'_> {
    let tree = Tree::of(model);
    let numbers: BTreeMap<&ElementId, usize> = tree
        .elements
        .iter()
        .enumerate()
        .map(|(n, e)| (&e.id, n))
        .collect();
    let flows: Vec<(&Flow, usize, usize)> = model
        .flows()
        .filter_map(|flow| {
            let source = *numbers.get(&flow.source)?;
            Some((flow, source, *numbers.get(&flow.target)?))
        })
        .collect();
    let links: Vec<(usize, usize)> = flows.iter().map(|&(_, s, t)| (s, t)).collect();
    // Flows start from the internet (rank 0) and from other external entities (a host's local
    // users, rank 1); everything else comes after both (rank 2 and on), so that inside a zone
    // its own external entities stand before the zones nested in it.
    let floors: Vec<usize> = tree
        .elements
        .iter()
        .map(|e| {
            if model.zone_of(e).kind == ZoneKind::Internet {
                0
            } else if e.kind == ElementKind::ExternalEntity {
                1
            } else {
                2
            }
        })
        .collect();
    let stores: Vec<bool> = tree
        .elements
        .iter()
        .map(|e| e.kind == ElementKind::DataStore)
        .collect();
    let ranks = ranks(tree.elements.len(), &links, &floors, &stores);
    let labels: Vec<Option<String>> = flows.iter().map(|(f, _, _)| flow_label(f)).collect();
    let widest_label = labels
        .iter()
        .flatten()
        .map(|l| text_width(l, LABEL_SIZE) + 2 * LABEL_PAD_X)
        .max()
        .unwrap_or(0);
    let col_gap = (widest_label + 40).clamp(COL_GAP_MIN, COL_GAP_MAX);

    // Element boxes: as wide as their text, taller when many flows need ports on one side.
    let mut degree = vec![(0usize, 0usize); tree.elements.len()];
    for &(s, t) in &links {
        degree[s].0 += 1;
        degree[t].1 += 1;
    }
    let texts: Vec<(String, Option<String>)> = tree
        .elements
        .iter()
        .map(|e| element_text(model, e))
        .collect();
    let node_size: Vec<(i32, i32)> = texts
        .iter()
        .zip(&degree)
        .map(|((name, detail), &(out, inbound))| {
            let text = text_width(name, NAME_SIZE) * 21 / 20;
            let detail = detail.as_deref().map_or(0, |d| text_width(d, DETAIL_SIZE));
            let width = (text.max(detail) + 2 * NODE_PAD_X).clamp(NODE_MIN_W, NODE_MAX_W);
            let ports = i32::try_from(out.max(inbound)).unwrap_or(i32::MAX / 16);
            (width, NODE_MIN_H.max(((ports + 1) * 9).min(400)))
        })
        .collect();

    let titles: Vec<(String, String, i32)> = tree
        .clusters
        .iter()
        .map(|c| match c.zone {
            Some((zone, _)) => zone_text(zone),
            None => (String::new(), String::new(), 0),
        })
        .collect();

    let mut arrangement = Arrangement::initial(&tree, &ranks, &links);
    let mut geometry = arrangement.place(&tree, &node_size, &titles, col_gap);
    if links.len() <= MAX_ORDERED_FLOWS && links.len() > 1 {
        let mut best = (crossings(&geometry, &links), arrangement.clone());
        for _ in 0..ORDER_ROUNDS {
            arrangement.reorder(&tree, &geometry, &links);
            geometry = arrangement.place(&tree, &node_size, &titles, col_gap);
            let score = crossings(&geometry, &links);
            if score < best.0 {
                best = (score, arrangement.clone());
            }
        }
        arrangement = best.1;
        geometry = arrangement.place(&tree, &node_size, &titles, col_gap);
    }

    let root = geometry.cluster[0];
    let width = root.width + 2 * MARGIN;
    let height = root.height + 2 * MARGIN;

    let mut zones = Vec::new();
    for (index, cluster) in tree.clusters.iter().enumerate() {
        let Some((zone, number)) = cluster.zone else {
            continue;
        };
        let rect = geometry.cluster[index];
        let (name, detail, title_width) = titles[index].clone();
        zones.push(ZoneBox {
            zone,
            number,
            parent: cluster
                .parent
                .and_then(|p| tree.clusters[p].zone.map(|(_, n)| n)),
            rect,
            title: Rect {
                x: rect.x + 10,
                y: rect.y + 5,
                width: title_width.min(rect.width - 20),
                height: TITLE_BASELINE,
            },
            name,
            detail,
        });
    }
    zones.sort_by_key(|z| z.number);

    let nodes: Vec<NodeBox> = tree
        .elements
        .iter()
        .enumerate()
        .map(|(number, &element)| {
            let cluster = &tree.clusters[tree.node_cluster[number]];
            let (name, detail) = texts[number].clone();
            let rect = geometry.node[number];
            let room = rect.width - 2 * NODE_PAD_X + 8;
            NodeBox {
                element,
                number,
                zone: cluster.zone.map(|(_, n)| n),
                rect,
                name: fit(&name, NAME_SIZE * 21 / 20, room),
                detail: detail.map(|d| fit(&d, DETAIL_SIZE, room)),
            }
        })
        .collect();

    let routes = route_all(width, height, &nodes, &zones, &links);
    let placed = place_labels(&labels, &routes, &nodes, &zones);
    let edges = flows
        .iter()
        .zip(routes)
        .zip(placed)
        .enumerate()
        .map(
            |(number, ((&(flow, source, target), points), label))| EdgeRoute {
                flow,
                number,
                source,
                target,
                points,
                label,
            },
        )
        .collect();
    DiagramLayout {
        width,
        height,
        zones,
        nodes,
        edges,
    }
}

/// An element's two lines of text: its name, and its technology and extra zones.
fn element_text(model: &Model, element: &Element) -> (String, Option<String>) {
    let mut detail = Vec::new();
    if let Some(technology) = &element.technology
        && technology != &element.name
    {
        detail.push(technology.clone());
    }
    let attached: Vec<&str> = element
        .attached_zones
        .iter()
        .filter(|z| **z != element.zone)
        .map(|z| model.zone(z).map_or(z.0.as_str(), |z| z.name.as_str()))
        .collect();
    if !attached.is_empty() {
        detail.push(format!("also on {}", attached.join(", ")));
    }
    let detail = (!detail.is_empty()).then(|| detail.join(" · "));
    (element.name.clone(), detail)
}

/// A zone's title: the name (shortened), the kind and trust, and the width of both.
fn zone_text(zone: &Zone) -> (String, String, i32) {
    let name = fit(&zone.name, TITLE_SIZE * 21 / 20, 420);
    let detail = format!(
        "· {} · trust: {}",
        zone.kind.as_str(),
        crate::trust_name(zone.trust)
    );
    let width = text_width(&name, TITLE_SIZE) * 21 / 20 + text_width(&detail, DETAIL_SIZE) + 6;
    (name, detail, width)
}

/// An estimate of the width of `text` in a sans-serif font of `size` pixels, on the generous
/// side so that text stays inside its box.
pub(crate) fn text_width(text: &str, size: i32) -> i32 {
    let units: i64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 30,
            'f' | 't' | 'r' | 'I' | ' ' | '(' | ')' | '[' | ']' | '/' | '-' => 38,
            'm' | 'w' | 'M' | 'W' | '@' => 90,
            'A'..='Z' => 70,
            '0'..='9' => 58,
            c if c.is_ascii() => 58,
            '·' | '…' => 60,
            _ => 100,
        })
        .sum();
    i32::try_from((units * i64::from(size) + 99) / 100).unwrap_or(i32::MAX / 4)
}

/// `text` shortened with `…` until it fits in `width` pixels at `size`.
pub(crate) fn fit(text: &str, size: i32, width: i32) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut kept: String = String::new();
    for c in text.chars() {
        let mut candidate = kept.clone();
        candidate.push(c);
        candidate.push('…');
        if text_width(&candidate, size) > width {
            break;
        }
        kept.push(c);
    }
    kept.push('…');
    kept
}

/// The zone tree as clusters: the root (the internet, no box) and one cluster per drawn zone.
struct Tree<'m> {
    /// Elements by node number.
    elements: Vec<&'m Element>,
    /// The cluster each node sits in directly.
    node_cluster: Vec<usize>,
    /// Clusters; a parent always comes before its children.
    clusters: Vec<Cluster<'m>>,
}

struct Cluster<'m> {
    /// The zone and its group number; `None` for the root.
    zone: Option<(&'m Zone, usize)>,
    parent: Option<usize>,
    nodes: Vec<usize>,
    children: Vec<usize>,
}

impl<'m> Tree<'m> {
    fn of(model: &'m Model) -> Tree<'m> {
        let nest = nesting(model);
        let mut tree = Tree {
            elements: Vec::new(),
            node_cluster: Vec::new(),
            clusters: vec![Cluster {
                zone: None,
                parent: None,
                nodes: Vec::new(),
                children: Vec::new(),
            }],
        };
        let mut stack = vec![0];
        let mut slots: Vec<Option<(&Element, usize)>> = vec![None; nest.nodes.len()];
        for event in &nest.events {
            let top = *stack.last().unwrap_or(&0);
            match event {
                Event::Open(zone, number) => {
                    let index = tree.clusters.len();
                    tree.clusters.push(Cluster {
                        zone: Some((zone, *number)),
                        parent: Some(top),
                        nodes: Vec::new(),
                        children: Vec::new(),
                    });
                    tree.clusters[top].children.push(index);
                    stack.push(index);
                }
                Event::Node(element, number) => {
                    if let Some(slot) = slots.get_mut(*number) {
                        *slot = Some((element, top));
                        tree.clusters[top].nodes.push(*number);
                    }
                }
                Event::Close => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
            }
        }
        for (element, cluster) in slots.into_iter().flatten() {
            tree.elements.push(element);
            tree.node_cluster.push(cluster);
        }
        tree
    }

    /// The clusters from a node's own up to the root.
    fn chain(&self, node: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut current = Some(self.node_cluster[node]);
        while let Some(c) = current {
            chain.push(c);
            current = self.clusters[c].parent;
        }
        chain
    }
}

/// Ranks by flow depth. An entry (an element of the internet, floor 0, or another external
/// entity, floor 1, that nothing calls) has its floor as rank; what entries reach gets the
/// longest path from them, and at least rank 2 (cycles broken by a depth-first search from the
/// entries; of a store and a process that flow both ways, only the process's flow counts).
/// Every other element sits just before what it calls, else just after what calls it; `None`
/// for elements without flows.
fn ranks(
    count: usize,
    links: &[(usize, usize)],
    floors: &[usize],
    stores: &[bool],
) -> Vec<Option<usize>> {
    const AFTER_ENTRIES: usize = 2;
    let entries: Vec<bool> = floors.iter().map(|&f| f < AFTER_ENTRIES).collect();
    let pairs: std::collections::BTreeSet<(usize, usize)> = links.iter().copied().collect();
    let mut out: Vec<Vec<(usize, usize)>> = vec![Vec::new(); count];
    let mut touched = vec![false; count];
    for (index, &(s, t)) in links.iter().enumerate() {
        if s == t {
            continue;
        }
        touched[s] = true;
        touched[t] = true;
        let read_back = stores[s] && !stores[t] && pairs.contains(&(t, s));
        if !read_back {
            out[s].push((t, index));
        }
    }
    for list in &mut out {
        list.sort_unstable();
    }
    // Depth-first from the entries, then from elements nothing calls, then the rest: an
    // edge to an element still on the stack closes a cycle and is left out of the ranking.
    let mut indegree = vec![0usize; count];
    for list in &out {
        for &(t, _) in list {
            indegree[t] += 1;
        }
    }
    let mut starts: Vec<usize> = (0..count).filter(|&n| entries[n]).collect();
    starts.extend((0..count).filter(|&n| !entries[n] && indegree[n] == 0));
    starts.extend(0..count);
    let mut state = vec![0u8; count];
    let mut back = vec![false; links.len()];
    for start in starts {
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        let mut stack = vec![(start, 0usize)];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&(target, edge)) = out[node].get(*next) {
                *next += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => back[edge] = true,
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (node, list) in out.iter().enumerate() {
        for &(target, edge) in list {
            if !back[edge] {
                successors[node].push(target);
                predecessors[target].push(node);
            }
        }
    }
    // Topological order of what is left, which is acyclic.
    let mut waiting: Vec<usize> = predecessors.iter().map(Vec::len).collect();
    let mut queue: std::collections::VecDeque<usize> =
        (0..count).filter(|&n| waiting[n] == 0).collect();
    let mut order = Vec::with_capacity(count);
    while let Some(node) = queue.pop_front() {
        order.push(node);
        for &target in &successors[node] {
            waiting[target] -= 1;
            if waiting[target] == 0 {
                queue.push_back(target);
            }
        }
    }
    // The longest path from the entries.
    let mut rank: Vec<Option<usize>> = vec![None; count];
    for &node in &order {
        if entries[node] && predecessors[node].is_empty() && touched[node] {
            rank[node] = Some(floors[node]);
        }
        if let Some(r) = rank[node] {
            for &target in &successors[node] {
                let next = (r + 1).max(AFTER_ENTRIES);
                rank[target] = Some(rank[target].map_or(next, |t| t.max(next)));
            }
        }
    }
    // Everything else next to what is ranked.
    loop {
        let mut changed = false;
        for node in 0..count {
            if rank[node].is_none() && touched[node] {
                let next = successors[node].iter().filter_map(|&t| rank[t]).min();
                if let Some(next) = next {
                    rank[node] = Some(next.saturating_sub(1).max(AFTER_ENTRIES));
                    changed = true;
                }
            }
        }
        if !changed {
            for node in 0..count {
                if rank[node].is_none() && touched[node] {
                    let before = predecessors[node].iter().filter_map(|&p| rank[p]).max();
                    if let Some(before) = before {
                        rank[node] = Some((before + 1).max(AFTER_ENTRIES));
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            if let Some(&node) = order.iter().find(|&&n| rank[n].is_none() && touched[n]) {
                rank[node] = Some(if entries[node] {
                    floors[node]
                } else {
                    AFTER_ENTRIES
                });
            } else {
                break;
            }
        }
    }
    rank
}

/// One thing a cluster places: an element or a child zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Node(usize),
    Cluster(usize),
}

/// The order of every cluster's items: groups of equal rank, left to right, each top to bottom.
#[derive(Clone)]
struct Arrangement {
    groups: Vec<Vec<Vec<Item>>>,
}

/// Boxes of one arrangement.
struct Geometry {
    node: Vec<Rect>,
    cluster: Vec<Rect>,
}

impl Arrangement {
    fn initial(tree: &Tree, ranks: &[Option<usize>], links: &[(usize, usize)]) -> Arrangement {
        // A cluster's rank is the smallest rank inside it; unranked items go last.
        let mut cluster_rank: Vec<Option<usize>> = vec![None; tree.clusters.len()];
        for index in (0..tree.clusters.len()).rev() {
            let cluster = &tree.clusters[index];
            let own = cluster.nodes.iter().filter_map(|&n| ranks[n]);
            let nested = cluster.children.iter().filter_map(|&c| cluster_rank[c]);
            cluster_rank[index] = own.chain(nested).min();
        }
        let groups = tree
            .clusters
            .iter()
            .map(|cluster| {
                let mut by_rank: BTreeMap<usize, Vec<Item>> = BTreeMap::new();
                for &n in &cluster.nodes {
                    by_rank
                        .entry(ranks[n].unwrap_or(usize::MAX))
                        .or_default()
                        .push(Item::Node(n));
                }
                for &c in &cluster.children {
                    by_rank
                        .entry(cluster_rank[c].unwrap_or(usize::MAX))
                        .or_default()
                        .push(Item::Cluster(c));
                }
                by_rank.into_values().collect()
            })
            .collect();
        let mut arrangement = Arrangement { groups };
        arrangement.merge_unconnected(tree, links);
        arrangement
    }

    /// Merges neighbouring columns of a cluster that no flow connects (a zone of data stores
    /// at different depths), while the merged column stays within [`WRAP`] items.
    fn merge_unconnected(&mut self, tree: &Tree, links: &[(usize, usize)]) {
        let chains: Vec<Vec<usize>> = (0..tree.elements.len()).map(|n| tree.chain(n)).collect();
        // The item of `cluster` that holds `node`.
        let item_in = |cluster: usize, node: usize| {
            let chain = &chains[node];
            match chain.iter().position(|&c| c == cluster) {
                Some(0) => Some(Item::Node(node)),
                Some(k) => Some(Item::Cluster(chain[k - 1])),
                None => None,
            }
        };
        let mut joined: Vec<Vec<(Item, Item)>> = vec![Vec::new(); tree.clusters.len()];
        for &(s, t) in links {
            if s == t {
                continue;
            }
            let Some(&common) = chains[s].iter().find(|c| chains[t].contains(c)) else {
                continue;
            };
            if let (Some(a), Some(b)) = (item_in(common, s), item_in(common, t))
                && a != b
            {
                joined[common].push((a, b));
            }
        }
        for (cluster, groups) in self.groups.iter_mut().enumerate() {
            let group_of: BTreeMap<Item, usize> = groups
                .iter()
                .enumerate()
                .flat_map(|(g, items)| items.iter().map(move |&item| (item, g)))
                .collect();
            let pairs: std::collections::BTreeSet<(usize, usize)> = joined[cluster]
                .iter()
                .filter_map(|(a, b)| {
                    let (x, y) = (group_of.get(a)?, group_of.get(b)?);
                    Some(((*x).min(*y), (*x).max(*y)))
                })
                .collect();
            let mut merged: Vec<(Vec<usize>, Vec<Item>)> = Vec::new();
            for (g, items) in std::mem::take(groups).into_iter().enumerate() {
                if let Some((members, current)) = merged.last_mut()
                    && current.len() + items.len() <= WRAP
                    && members.iter().all(|&m| !pairs.contains(&(m, g)))
                {
                    members.push(g);
                    current.extend(items);
                    continue;
                }
                merged.push((vec![g], items));
            }
            *groups = merged.into_iter().map(|(_, items)| items).collect();
        }
    }

    /// Sizes bottom-up, then positions top-down.
    fn place(
        &self,
        tree: &Tree,
        node_size: &[(i32, i32)],
        titles: &[(String, String, i32)],
        col_gap: i32,
    ) -> Geometry {
        let count = tree.clusters.len();
        let mut size = vec![(0i32, 0i32); count];
        let mut columns: Vec<Vec<Vec<Item>>> = vec![Vec::new(); count];
        let item_size = |item: Item, size: &[(i32, i32)]| match item {
            Item::Node(n) => node_size[n],
            Item::Cluster(c) => size[c],
        };
        let mut content = vec![(0i32, 0i32); count];
        for index in (0..count).rev() {
            let cols: Vec<Vec<Item>> = self.groups[index]
                .iter()
                .flat_map(|group| {
                    let parts = group.len().div_ceil(WRAP).max(1);
                    let per = group.len().div_ceil(parts).max(1);
                    group.chunks(per).map(<[Item]>::to_vec).collect::<Vec<_>>()
                })
                .collect();
            let mut width = 0;
            let mut height = 0;
            for (i, col) in cols.iter().enumerate() {
                let w = col
                    .iter()
                    .map(|&it| item_size(it, &size).0)
                    .max()
                    .unwrap_or(0);
                let h: i32 = col.iter().map(|&it| item_size(it, &size).1).sum::<i32>()
                    + ROW_GAP * (i32::try_from(col.len()).unwrap_or(1) - 1).max(0);
                width += w + if i > 0 { col_gap } else { 0 };
                height = height.max(h);
            }
            content[index] = (width, height);
            size[index] = if tree.clusters[index].zone.is_some() {
                (
                    width.max(titles[index].2 + 4) + 2 * ZONE_PAD_X,
                    height + ZONE_PAD_TOP + ZONE_PAD_BOTTOM,
                )
            } else {
                (width, height)
            };
            columns[index] = cols;
        }

        let mut node = vec![
            Rect {
                x: 0,
                y: 0,
                width: 0,
                height: 0
            };
            node_size.len()
        ];
        let mut cluster = vec![
            Rect {
                x: 0,
                y: 0,
                width: 0,
                height: 0
            };
            count
        ];
        cluster[0] = Rect {
            x: MARGIN,
            y: MARGIN,
            width: size[0].0,
            height: size[0].1,
        };
        for index in 0..count {
            let rect = cluster[index];
            let (cw, ch) = content[index];
            let (ox, oy) = if tree.clusters[index].zone.is_some() {
                let inner = rect.width - 2 * ZONE_PAD_X;
                (
                    rect.x + ZONE_PAD_X + (inner - cw) / 2,
                    rect.y + ZONE_PAD_TOP,
                )
            } else {
                (rect.x, rect.y)
            };
            let mut x = ox;
            for col in &columns[index] {
                let w = col
                    .iter()
                    .map(|&it| item_size(it, &size).0)
                    .max()
                    .unwrap_or(0);
                let h: i32 = col.iter().map(|&it| item_size(it, &size).1).sum::<i32>()
                    + ROW_GAP * (i32::try_from(col.len()).unwrap_or(1) - 1).max(0);
                let mut y = oy + (ch - h) / 2;
                // The elements of a column share one width, so their ports line up.
                let node_width = col
                    .iter()
                    .filter_map(|&it| match it {
                        Item::Node(n) => Some(node_size[n].0),
                        Item::Cluster(_) => None,
                    })
                    .max()
                    .unwrap_or(0);
                for &item in col {
                    let (mut iw, ih) = item_size(item, &size);
                    if let Item::Node(_) = item {
                        iw = node_width;
                    }
                    let placed = Rect {
                        x: x + (w - iw) / 2,
                        y,
                        width: iw,
                        height: ih,
                    };
                    match item {
                        Item::Node(n) => node[n] = placed,
                        Item::Cluster(c) => cluster[c] = placed,
                    }
                    y += ih + ROW_GAP;
                }
                x += w + col_gap;
            }
        }
        Geometry { node, cluster }
    }

    /// Sorts every group by the mean height of the flow partners outside each item.
    fn reorder(&mut self, tree: &Tree, geometry: &Geometry, links: &[(usize, usize)]) {
        let mut node_pull: Vec<(i64, i64)> = vec![(0, 0); tree.elements.len()];
        let mut cluster_pull: Vec<(i64, i64)> = vec![(0, 0); tree.clusters.len()];
        let chains: Vec<Vec<usize>> = (0..tree.elements.len()).map(|n| tree.chain(n)).collect();
        for &(s, t) in links {
            if s == t {
                continue;
            }
            for (a, b) in [(s, t), (t, s)] {
                let other = i64::from(geometry.node[b].center().y);
                node_pull[a].0 += other;
                node_pull[a].1 += 1;
                for &c in &chains[a] {
                    if chains[b].contains(&c) {
                        break;
                    }
                    cluster_pull[c].0 += other;
                    cluster_pull[c].1 += 1;
                }
            }
        }
        for groups in &mut self.groups {
            for group in groups.iter_mut() {
                let keyed: Vec<((i64, i64), Item)> = group
                    .iter()
                    .map(|&item| {
                        let (pull, rect) = match item {
                            Item::Node(n) => (node_pull[n], geometry.node[n]),
                            Item::Cluster(c) => (cluster_pull[c], geometry.cluster[c]),
                        };
                        let key = if pull.1 == 0 {
                            (i64::from(rect.center().y), 1)
                        } else {
                            pull
                        };
                        (key, item)
                    })
                    .collect();
                let mut sorted = keyed;
                sorted.sort_by(|(a, _), (b, _)| (a.0 * b.1).cmp(&(b.0 * a.1)));
                *group = sorted.into_iter().map(|(_, item)| item).collect();
            }
        }
    }
}

/// How tangled an arrangement looks: crossings of straight centre-to-centre lines, plus twice
/// the lines that pass through a box other than their ends.
fn crossings(geometry: &Geometry, links: &[(usize, usize)]) -> usize {
    let segments: Vec<(usize, usize, Point, Point)> = links
        .iter()
        .filter(|(s, t)| s != t)
        .map(|&(s, t)| (s, t, geometry.node[s].center(), geometry.node[t].center()))
        .collect();
    let mut count = 0;
    for (i, a) in segments.iter().enumerate() {
        for b in &segments[i + 1..] {
            if a.0 == b.0 || a.0 == b.1 || a.1 == b.0 || a.1 == b.1 {
                continue;
            }
            if segments_cross(a.2, a.3, b.2, b.3) {
                count += 1;
            }
        }
        for (n, rect) in geometry.node.iter().enumerate() {
            if n != a.0 && n != a.1 && line_hits_rect(a.2, a.3, rect) {
                count += 2;
            }
        }
    }
    count
}

fn orientation(a: Point, b: Point, c: Point) -> i64 {
    let v =
        i64::from(b.x - a.x) * i64::from(c.y - a.y) - i64::from(b.y - a.y) * i64::from(c.x - a.x);
    v.signum()
}

fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let (o1, o2) = (orientation(a, b, c), orientation(a, b, d));
    let (o3, o4) = (orientation(c, d, a), orientation(c, d, b));
    o1 * o2 < 0 && o3 * o4 < 0
}

fn line_hits_rect(a: Point, b: Point, rect: &Rect) -> bool {
    if a.x.max(b.x) < rect.x
        || a.x.min(b.x) > rect.right()
        || a.y.max(b.y) < rect.y
        || a.y.min(b.y) > rect.bottom()
    {
        return false;
    }
    let corners = [
        Point {
            x: rect.x,
            y: rect.y,
        },
        Point {
            x: rect.right(),
            y: rect.y,
        },
        Point {
            x: rect.right(),
            y: rect.bottom(),
        },
        Point {
            x: rect.x,
            y: rect.bottom(),
        },
    ];
    let sides: Vec<i64> = corners.iter().map(|&c| orientation(a, b, c)).collect();
    sides.iter().any(|&s| s > 0) && sides.iter().any(|&s| s < 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_flows_from_the_entries() {
        // 0 internet -> 1 -> 2; 3 calls 2 and nothing calls it; 4 has no flows; 5 <-> 6 is a
        // store (6) read back by the process (5) that writes it; 7 is a host's local user.
        let links = [(0, 1), (1, 2), (3, 2), (1, 5), (5, 6), (6, 5), (7, 3)];
        let floors = [0, 2, 2, 2, 2, 2, 2, 1];
        let stores = [false, false, false, false, false, false, true, false];
        assert_eq!(
            ranks(8, &links, &floors, &stores),
            [
                Some(0),
                Some(2),
                Some(3),
                Some(2),
                None,
                Some(3),
                Some(4),
                Some(1)
            ]
        );
        // A cycle among processes still gives every element a rank, after its entry.
        let cycle = ranks(3, &[(0, 1), (1, 2), (2, 1)], &[0, 2, 2], &[false; 3]);
        assert_eq!(cycle, [Some(0), Some(2), Some(3)]);
    }

    #[test]
    fn long_text_is_shortened_to_fit() {
        assert_eq!(fit("web", 13, 100), "web");
        let short = fit("a-very-long-service-name-indeed", 13, 100);
        assert!(short.ends_with('…'), "{short}");
        assert!(text_width(&short, 13) <= 100);
        assert!(text_width("WWW", 10) > text_width("iii", 10));
    }

    #[test]
    fn rectangles_know_containment_and_overlap() {
        let outer = Rect {
            x: 0,
            y: 0,
            width: 100,
            height: 50,
        };
        let inner = Rect {
            x: 10,
            y: 10,
            width: 20,
            height: 20,
        };
        let beside = Rect {
            x: 100,
            y: 0,
            width: 10,
            height: 10,
        };
        assert!(outer.contains(&inner) && !inner.contains(&outer));
        assert!(outer.overlaps(&inner));
        assert!(!outer.overlaps(&beside), "touching borders do not overlap");
        assert_eq!(outer.center(), Point { x: 50, y: 25 });
    }
}

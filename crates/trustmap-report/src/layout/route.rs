//! Routes and labels: every flow as an orthogonal polyline between ports on the borders of its
//! two boxes, found by A* on a sparse grid of the box borders, ports and channels, and every
//! flow's label on the segment of its route where it overlaps least (see the parent module).

use super::{
    BEND_COST, BORDER_COST, EdgeLabel, LABEL_H, LABEL_PAD_X, LABEL_SIZE, LANE, MARGIN,
    MAX_GRID_CELLS, MAX_LABEL_SEARCH_FLOWS, MAX_SEARCH_STEPS, MIN_SPACING, NodeBox,
    OBSTACLE_MARGIN, Point, REUSE_COST, Rect, STUB, WINDOW_MARGIN, ZoneBox, text_width,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// The four directions a route moves in, and the sides of a box (by their outward direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Dir {
    East,
    West,
    South,
    North,
}

impl Dir {
    const ALL: [Dir; 4] = [Dir::East, Dir::West, Dir::South, Dir::North];

    fn index(self) -> usize {
        self as usize
    }

    fn opposite(self) -> Dir {
        match self {
            Dir::East => Dir::West,
            Dir::West => Dir::East,
            Dir::South => Dir::North,
            Dir::North => Dir::South,
        }
    }

    fn step(self) -> (i32, i32) {
        match self {
            Dir::East => (1, 0),
            Dir::West => (-1, 0),
            Dir::South => (0, 1),
            Dir::North => (0, -1),
        }
    }

    fn horizontal(self) -> bool {
        matches!(self, Dir::East | Dir::West)
    }
}

/// One end of a route: the point on the box border, the end of the stub that leaves the box
/// straight out (a grid point), and the direction out of the box.
#[derive(Debug, Clone, Copy)]
struct Port {
    border: Point,
    stub: Point,
    out: Dir,
}

/// Which sides of the two boxes a flow leaves and enters by: facing sides when the boxes are
/// side by side, else top and bottom.
fn sides(source: &Rect, target: &Rect) -> (Dir, Dir) {
    if target.x >= source.right() + 8 {
        (Dir::East, Dir::West)
    } else if target.right() + 8 <= source.x {
        (Dir::West, Dir::East)
    } else if target.center().y >= source.center().y {
        (Dir::South, Dir::North)
    } else {
        (Dir::North, Dir::South)
    }
}

/// The ports of every flow (`None` for a flow from an element to itself), spread along each
/// side in the order of the elements at their other ends, so that routes do not cross at once.
fn ports(nodes: &[NodeBox], links: &[(usize, usize)]) -> Vec<Option<(Port, Port)>> {
    // For each side of each box, its route ends: (where the other end is, flow, is source).
    type Ends = Vec<(i32, usize, bool)>;
    let mut ends: BTreeMap<(usize, Dir), Ends> = BTreeMap::new();
    for (index, &(s, t)) in links.iter().enumerate() {
        if s == t {
            continue;
        }
        let (from, to) = sides(&nodes[s].rect, &nodes[t].rect);
        let key = |dir: Dir, other: usize| {
            let center = nodes[other].rect.center();
            if dir.horizontal() { center.y } else { center.x }
        };
        ends.entry((s, from))
            .or_default()
            .push((key(from, t), index, true));
        ends.entry((t, to))
            .or_default()
            .push((key(to, s), index, false));
    }
    let mut found: Vec<(Option<Port>, Option<Port>)> = vec![(None, None); links.len()];
    for ((node, side), mut list) in ends {
        list.sort_unstable();
        let rect = nodes[node].rect;
        let count = i32::try_from(list.len()).unwrap_or(i32::MAX - 1);
        for (i, &(_, index, is_source)) in list.iter().enumerate() {
            let i = i32::try_from(i).unwrap_or(0);
            let along = |length: i32| i64::from(length) * i64::from(i + 1) / i64::from(count + 1);
            let along = |length: i32| i32::try_from(along(length)).unwrap_or(0);
            let border = match side {
                Dir::East => Point {
                    x: rect.right(),
                    y: rect.y + along(rect.height),
                },
                Dir::West => Point {
                    x: rect.x,
                    y: rect.y + along(rect.height),
                },
                Dir::South => Point {
                    x: rect.x + along(rect.width),
                    y: rect.bottom(),
                },
                Dir::North => Point {
                    x: rect.x + along(rect.width),
                    y: rect.y,
                },
            };
            let (dx, dy) = side.step();
            let port = Port {
                border,
                stub: Point {
                    x: border.x + dx * STUB,
                    y: border.y + dy * STUB,
                },
                out: side,
            };
            if is_source {
                found[index].0 = Some(port);
            } else {
                found[index].1 = Some(port);
            }
        }
    }
    found.into_iter().map(|(a, b)| Some((a?, b?))).collect()
}

/// Routes every flow; see the module documentation.
pub(super) fn route_all(
    width: i32,
    height: i32,
    nodes: &[NodeBox],
    zones: &[ZoneBox],
    links: &[(usize, usize)],
) -> Vec<Vec<Point>> {
    let ports = ports(nodes, links);
    let mut router = Router::new(width, height, nodes, zones, &ports);
    let mut order: Vec<usize> = (0..links.len()).collect();
    let distance = |index: usize| match &ports[index] {
        Some((a, b)) => (a.stub.x - b.stub.x).abs() + (a.stub.y - b.stub.y).abs(),
        None => 0,
    };
    order.sort_by_key(|&index| (distance(index), index));
    let mut routes = vec![Vec::new(); links.len()];
    for index in order {
        let (s, _) = links[index];
        routes[index] = match &ports[index] {
            None => self_loop(&nodes[s].rect),
            Some((from, to)) => {
                let middle = router.route(from, to).unwrap_or_else(|| fallback(from, to));
                let mut points = vec![from.border];
                points.extend(middle);
                points.push(to.border);
                simplify(points)
            }
        };
    }
    routes
}

/// A small loop over the top right corner, for a flow from an element to itself.
fn self_loop(rect: &Rect) -> Vec<Point> {
    let top = rect.y - STUB - 4;
    let side = rect.right() + STUB + 4;
    vec![
        Point {
            x: rect.right(),
            y: rect.y + rect.height / 3,
        },
        Point {
            x: side,
            y: rect.y + rect.height / 3,
        },
        Point { x: side, y: top },
        Point {
            x: rect.right() - 18,
            y: top,
        },
        Point {
            x: rect.right() - 18,
            y: rect.y,
        },
    ]
}

/// The route when the grid search is not used: out of the stubs, across in the middle.
fn fallback(from: &Port, to: &Port) -> Vec<Point> {
    let (a, b) = (from.stub, to.stub);
    if from.out.horizontal() {
        let x = (a.x + b.x) / 2;
        vec![a, Point { x, y: a.y }, Point { x, y: b.y }, b]
    } else {
        let y = (a.y + b.y) / 2;
        vec![a, Point { x: a.x, y }, Point { x: b.x, y }, b]
    }
}

/// Drops repeated points and points in the middle of a straight run.
fn simplify(points: Vec<Point>) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for point in points {
        if out.last() == Some(&point) {
            continue;
        }
        if out.len() >= 2 {
            let a = out[out.len() - 2];
            let b = out[out.len() - 1];
            let straight = (a.x == b.x && b.x == point.x) || (a.y == b.y && b.y == point.y);
            if straight {
                out.pop();
            }
        }
        out.push(point);
    }
    out
}

/// The sparse routing grid, what each of its unit segments costs, and the search buffers.
struct Router {
    xs: Vec<i32>,
    ys: Vec<i32>,
    /// Unit segments, indexed `row * xs.len() + column`: horizontal ones go from `column` to
    /// `column + 1`, vertical ones from `row` to `row + 1`.
    h_blocked: Vec<bool>,
    v_blocked: Vec<bool>,
    h_borders: Vec<u8>,
    v_borders: Vec<u8>,
    h_used: Vec<u8>,
    v_used: Vec<u8>,
    /// Best cost and predecessor of each (grid point, direction) state.
    cost: Vec<i64>,
    previous: Vec<u32>,
    touched: Vec<usize>,
    /// The lines that carry a port or a stub end: running far along one of another flow's
    /// costs extra, so that routes keep to the channels between boxes.
    port_columns: Vec<bool>,
    port_rows: Vec<bool>,
    /// The current route's own port lines (two columns, two rows; `usize::MAX` for none),
    /// exempt from that.
    ends: (usize, usize, usize, usize),
    steps_left: u64,
}

impl Router {
    fn new(
        width: i32,
        height: i32,
        nodes: &[NodeBox],
        zones: &[ZoneBox],
        ports: &[Option<(Port, Port)>],
    ) -> Router {
        let mut xs = vec![MARGIN / 2, width - MARGIN / 2];
        let mut ys = vec![MARGIN / 2, height - MARGIN / 2];
        for node in nodes {
            let r = node.rect;
            xs.extend([r.x - STUB, r.right() + STUB]);
            ys.extend([r.y - STUB, r.bottom() + STUB]);
        }
        let mut border_x = Vec::new();
        let mut border_y = Vec::new();
        for zone in zones {
            let r = zone.rect;
            xs.extend([r.x - LANE, r.x + LANE, r.right() - LANE, r.right() + LANE]);
            ys.extend([r.y - LANE, r.y + LANE, r.bottom() - LANE, r.bottom() + LANE]);
            border_x.extend([r.x, r.right()]);
            border_y.extend([r.y, r.bottom()]);
        }
        let mut port_x = Vec::new();
        let mut port_y = Vec::new();
        for (a, b) in ports.iter().flatten() {
            for port in [a, b] {
                if port.out.horizontal() {
                    port_y.push(port.border.y);
                    port_x.push(port.stub.x);
                } else {
                    port_x.push(port.border.x);
                    port_y.push(port.stub.y);
                }
            }
        }
        let xs = grid_lines(xs, &border_x, port_x.clone());
        let ys = grid_lines(ys, &border_y, port_y.clone());
        port_x.sort_unstable();
        port_y.sort_unstable();
        let port_columns: Vec<bool> = xs.iter().map(|x| port_x.binary_search(x).is_ok()).collect();
        let port_rows: Vec<bool> = ys.iter().map(|y| port_y.binary_search(y).is_ok()).collect();
        let cells = xs.len().saturating_mul(ys.len());
        let mut router = Router {
            h_blocked: Vec::new(),
            v_blocked: Vec::new(),
            h_borders: Vec::new(),
            v_borders: Vec::new(),
            h_used: Vec::new(),
            v_used: Vec::new(),
            cost: Vec::new(),
            previous: Vec::new(),
            touched: Vec::new(),
            port_columns,
            port_rows,
            ends: (usize::MAX, usize::MAX, usize::MAX, usize::MAX),
            steps_left: if cells <= MAX_GRID_CELLS {
                MAX_SEARCH_STEPS
            } else {
                0
            },
            xs,
            ys,
        };
        if router.steps_left == 0 {
            return router;
        }
        router.h_blocked = vec![false; cells];
        router.v_blocked = vec![false; cells];
        router.h_borders = vec![0; cells];
        router.v_borders = vec![0; cells];
        router.h_used = vec![0; cells];
        router.v_used = vec![0; cells];
        router.cost = vec![i64::MAX; cells * 4];
        router.previous = vec![u32::MAX; cells * 4];
        let obstacles = nodes
            .iter()
            .map(|n| n.rect.inflate(OBSTACLE_MARGIN))
            .chain(zones.iter().map(|z| z.title.inflate(1)));
        for rect in obstacles {
            router.block(&rect);
        }
        for zone in zones {
            router.count_borders(&zone.rect);
        }
        router
    }

    fn nx(&self) -> usize {
        self.xs.len()
    }

    /// Marks the unit segments that pass through the interior of `rect`.
    fn block(&mut self, rect: &Rect) {
        let nx = self.nx();
        let rows = inside(&self.ys, rect.y, rect.bottom());
        let columns = overlapping(&self.xs, rect.x, rect.right());
        for j in rows.clone() {
            for i in columns.clone() {
                self.h_blocked[j * nx + i] = true;
            }
        }
        let columns = inside(&self.xs, rect.x, rect.right());
        let rows = overlapping(&self.ys, rect.y, rect.bottom());
        for j in rows {
            for i in columns.clone() {
                self.v_blocked[j * nx + i] = true;
            }
        }
    }

    /// Counts, for each unit segment, the zone borders it crosses.
    fn count_borders(&mut self, rect: &Rect) {
        let nx = self.nx();
        for x in [rect.x, rect.right()] {
            if let Some(i) = straddling(&self.xs, x) {
                for j in closed(&self.ys, rect.y, rect.bottom()) {
                    self.h_borders[j * nx + i] = self.h_borders[j * nx + i].saturating_add(1);
                }
            }
        }
        for y in [rect.y, rect.bottom()] {
            if let Some(j) = straddling(&self.ys, y) {
                for i in closed(&self.xs, rect.x, rect.right()) {
                    self.v_borders[j * nx + i] = self.v_borders[j * nx + i].saturating_add(1);
                }
            }
        }
    }

    /// The cheapest grid route from one stub to the other (A* over grid point and direction),
    /// stubs included; `None` when there is none or the search budget is spent.
    fn route(&mut self, from: &Port, to: &Port) -> Option<Vec<Point>> {
        // First within a window around both ends (most routes stay near them), then anywhere.
        let (a, b) = (from.stub, to.stub);
        let columns = (
            self.xs
                .partition_point(|&x| x < a.x.min(b.x) - WINDOW_MARGIN),
            self.xs
                .partition_point(|&x| x <= a.x.max(b.x) + WINDOW_MARGIN)
                .saturating_sub(1),
        );
        let rows = (
            self.ys
                .partition_point(|&y| y < a.y.min(b.y) - WINDOW_MARGIN),
            self.ys
                .partition_point(|&y| y <= a.y.max(b.y) + WINDOW_MARGIN)
                .saturating_sub(1),
        );
        let everywhere = ((0, self.xs.len() - 1), (0, self.ys.len() - 1));
        if (columns, rows) == everywhere {
            return self.search(from, to, everywhere);
        }
        self.search(from, to, (columns, rows))
            .or_else(|| self.search(from, to, everywhere))
    }

    /// A* within a window of columns and rows (both inclusive).
    fn search(
        &mut self,
        from: &Port,
        to: &Port,
        window: ((usize, usize), (usize, usize)),
    ) -> Option<Vec<Point>> {
        let ((column_low, column_high), (row_low, row_high)) = window;
        let (si, sj) = (self.column(from.stub.x)?, self.row(from.stub.y)?);
        let (gi, gj) = (self.column(to.stub.x)?, self.row(to.stub.y)?);
        if self.steps_left == 0 {
            return None;
        }
        let nx = self.nx();
        // Only a route's own port lines are free to run along; its stub lines are not, so
        // that routes turn towards a port in the channels rather than beside the box.
        let own = |port: &Port, column: usize, row: usize| {
            if port.out.horizontal() {
                (usize::MAX, row)
            } else {
                (column, usize::MAX)
            }
        };
        let (own_column_a, own_row_a) = own(from, si, sj);
        let (own_column_b, own_row_b) = own(to, gi, gj);
        self.ends = (own_column_a, own_column_b, own_row_a, own_row_b);
        let arrive = to.out.opposite();
        let goal = gj * nx + gi;
        let start = (sj * nx + si) * 4 + from.out.index();
        let guess = |router: &Router, i: usize, j: usize| {
            i64::from((router.xs[i] - router.xs[gi]).abs() + (router.ys[j] - router.ys[gj]).abs())
        };
        let mut heap = BinaryHeap::new();
        self.cost[start] = 0;
        self.touched.push(start);
        heap.push(Reverse((guess(self, si, sj), Reverse(0i64), start)));
        let mut reached = None;
        while let Some(Reverse((_, Reverse(cost), state))) = heap.pop() {
            if cost > self.cost[state] {
                continue;
            }
            if self.steps_left == 0 {
                break;
            }
            self.steps_left -= 1;
            let cell = state / 4;
            if cell == goal {
                reached = Some(state);
                break;
            }
            let heading = Dir::ALL[state % 4];
            let (i, j) = (cell % nx, cell / nx);
            for dir in Dir::ALL {
                if dir == heading.opposite() {
                    continue;
                }
                let Some((ni, nj, segment_cost)) = self.step(i, j, dir) else {
                    continue;
                };
                if ni < column_low || ni > column_high || nj < row_low || nj > row_high {
                    continue;
                }
                let mut next_cost = cost + segment_cost;
                if dir != heading {
                    next_cost += BEND_COST;
                }
                let next_cell = nj * nx + ni;
                if next_cell == goal && dir != arrive {
                    next_cost += BEND_COST;
                }
                let next = next_cell * 4 + dir.index();
                if next_cost < self.cost[next] {
                    if self.cost[next] == i64::MAX {
                        self.touched.push(next);
                    }
                    self.cost[next] = next_cost;
                    self.previous[next] = u32::try_from(state).unwrap_or(u32::MAX);
                    heap.push(Reverse((
                        next_cost + guess(self, ni, nj),
                        Reverse(next_cost),
                        next,
                    )));
                }
            }
        }
        let path = reached.map(|end| {
            let mut cells = vec![end / 4];
            let mut state = end;
            while state != start {
                state = self.previous[state] as usize;
                cells.push(state / 4);
            }
            cells.reverse();
            cells
        });
        for state in self.touched.drain(..) {
            self.cost[state] = i64::MAX;
            self.previous[state] = u32::MAX;
        }
        let cells = path?;
        for pair in cells.windows(2) {
            let (a, b) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
            if b == a + 1 {
                self.h_used[a] = self.h_used[a].saturating_add(1);
            } else {
                self.v_used[a] = self.v_used[a].saturating_add(1);
            }
        }
        Some(
            cells
                .into_iter()
                .map(|c| Point {
                    x: self.xs[c % nx],
                    y: self.ys[c / nx],
                })
                .collect(),
        )
    }

    /// The neighbour of grid point (i, j) in `dir` and what the segment to it costs, unless
    /// the segment is blocked or leaves the grid.
    fn step(&self, i: usize, j: usize, dir: Dir) -> Option<(usize, usize, i64)> {
        let nx = self.nx();
        let (segment, ni, nj, horizontal) = match dir {
            Dir::East if i + 1 < nx => (j * nx + i, i + 1, j, true),
            Dir::West if i > 0 => (j * nx + i - 1, i - 1, j, true),
            Dir::South if j + 1 < self.ys.len() => (j * nx + i, i, j + 1, false),
            Dir::North if j > 0 => ((j - 1) * nx + i, i, j - 1, false),
            _ => return None,
        };
        let (blocked, borders, used, length) = if horizontal {
            (
                self.h_blocked[segment],
                self.h_borders[segment],
                self.h_used[segment],
                self.xs[i.max(ni)] - self.xs[i.min(ni)],
            )
        } else {
            (
                self.v_blocked[segment],
                self.v_borders[segment],
                self.v_used[segment],
                self.ys[j.max(nj)] - self.ys[j.min(nj)],
            )
        };
        if blocked {
            return None;
        }
        let length = i64::from(length);
        let (columns_a, columns_b, rows_a, rows_b) = self.ends;
        let foreign = if horizontal {
            self.port_rows[j] && j != rows_a && j != rows_b
        } else {
            self.port_columns[i] && i != columns_a && i != columns_b
        };
        let cost = length
            + if foreign { length / 2 } else { 0 }
            + length * REUSE_COST * i64::from(used.min(3))
            + BORDER_COST * i64::from(borders);
        Some((ni, nj, cost))
    }

    fn column(&self, x: i32) -> Option<usize> {
        self.xs.binary_search(&x).ok()
    }

    fn row(&self, y: i32) -> Option<usize> {
        self.ys.binary_search(&y).ok()
    }
}

/// The grid lines of one axis: the ports and stub ends (`required`), then the other lines and a
/// channel in the middle of every wide gap, each kept only when it is not within a few pixels
/// of a line already kept (parallel routes that close look like one) and not exactly on a zone
/// border (a route there would hide the boundary).
fn grid_lines(mut optional: Vec<i32>, borders: &[i32], required: Vec<i32>) -> Vec<i32> {
    optional.sort_unstable();
    optional.dedup();
    let middles: Vec<i32> = optional
        .windows(2)
        .filter(|pair| pair[1] - pair[0] >= 2 * STUB + 8)
        .map(|pair| i32::midpoint(pair[0], pair[1]))
        .collect();
    optional.extend(middles);
    optional.sort_unstable();
    let mut lines = required;
    lines.sort_unstable();
    lines.dedup();
    for line in optional {
        if borders.contains(&line) {
            continue;
        }
        let at = lines.partition_point(|&l| l < line);
        let near = |k: usize| {
            lines
                .get(k)
                .is_some_and(|&l| (l - line).abs() < MIN_SPACING)
        };
        let crowded = near(at) || (at > 0 && near(at - 1));
        if !crowded {
            lines.insert(at, line);
        }
    }
    lines
}

/// The indexes of the lines strictly between `low` and `high`.
fn inside(lines: &[i32], low: i32, high: i32) -> std::ops::Range<usize> {
    let start = lines.partition_point(|&l| l <= low);
    let end = lines.partition_point(|&l| l < high);
    start..end.max(start)
}

/// The indexes of the lines from `low` to `high`, both included.
fn closed(lines: &[i32], low: i32, high: i32) -> std::ops::Range<usize> {
    let start = lines.partition_point(|&l| l < low);
    let end = lines.partition_point(|&l| l <= high);
    start..end.max(start)
}

/// The unit segments (by their first line) whose open span overlaps (`low`, `high`).
fn overlapping(lines: &[i32], low: i32, high: i32) -> std::ops::Range<usize> {
    // Segment k spans lines[k]..lines[k + 1]; it overlaps when lines[k] < high and
    // lines[k + 1] > low.
    let start = lines.partition_point(|&l| l <= low).saturating_sub(1);
    let end = lines
        .partition_point(|&l| l < high)
        .min(lines.len().saturating_sub(1));
    start..end.max(start)
}

/// The unit segment whose open span contains `value`, if any.
fn straddling(lines: &[i32], value: i32) -> Option<usize> {
    let k = lines.partition_point(|&l| l < value);
    (k > 0 && k < lines.len() && lines[k] != value).then(|| k - 1)
}

/// Places every flow's label on its route where it overlaps least; see the module docs.
pub(super) fn place_labels(
    labels: &[Option<String>],
    routes: &[Vec<Point>],
    nodes: &[NodeBox],
    zones: &[ZoneBox],
) -> Vec<Option<EdgeLabel>> {
    let search = routes.len() <= MAX_LABEL_SEARCH_FLOWS;
    let mut hard: Vec<Rect> = nodes.iter().map(|n| n.rect.inflate(3)).collect();
    // The corner where the SVG puts an element's threat badge.
    hard.extend(nodes.iter().map(|n| Rect {
        x: n.rect.right() - 16,
        y: n.rect.y - 9,
        width: 24,
        height: 22,
    }));
    hard.extend(zones.iter().map(|z| z.title.inflate(1)));
    let mut placed: Vec<Rect> = Vec::new();
    let mut out = Vec::with_capacity(labels.len());
    for (index, (label, route)) in labels.iter().zip(routes).enumerate() {
        let Some(text) = label else {
            out.push(None);
            continue;
        };
        let width = text_width(text, LABEL_SIZE) + 2 * LABEL_PAD_X;
        let mut segments: Vec<(i32, usize)> = route
            .windows(2)
            .enumerate()
            .map(|(k, pair)| {
                (
                    (pair[1].x - pair[0].x).abs() + (pair[1].y - pair[0].y).abs(),
                    k,
                )
            })
            .collect();
        segments.sort_by_key(|&(length, k)| (Reverse(length), k));
        let centred = |a: Point, b: Point, num: i32, den: i32| {
            let x = a.x + (b.x - a.x) * num / den;
            let y = a.y + (b.y - a.y) * num / den;
            Rect {
                x: x - width / 2,
                y: y - LABEL_H / 2,
                width,
                height: LABEL_H,
            }
        };
        let mut best: Option<(i64, Rect)> = None;
        for (rank, &(length, k)) in segments.iter().enumerate() {
            let (a, b) = (route[k], route[k + 1]);
            let horizontal = a.y == b.y;
            let room = if horizontal { width } else { LABEL_H };
            let fits = length >= room + 12;
            let spots: &[(i32, i32)] = if fits && search {
                &[(1, 2), (1, 3), (2, 3), (1, 5), (4, 5)]
            } else {
                &[(1, 2)]
            };
            for (spot, &(num, den)) in spots.iter().enumerate() {
                let rect = centred(a, b, num, den);
                if !search {
                    best.get_or_insert((0, rect));
                    break;
                }
                let collisions = hard
                    .iter()
                    .chain(placed.iter())
                    .filter(|r| r.overlaps(&rect))
                    .count();
                let straddles = zones
                    .iter()
                    .filter(|z| z.rect.overlaps(&rect) && !z.rect.contains(&rect))
                    .count();
                let crossed = routes
                    .iter()
                    .enumerate()
                    .filter(|&(other, _)| other != index)
                    .flat_map(|(_, r)| r.windows(2))
                    .filter(|pair| rect.inflate(1).cut_by(pair[0], pair[1]))
                    .count();
                let score = 1000 * collisions as i64
                    + 200 * straddles as i64
                    + 30 * crossed as i64
                    + if fits { 0 } else { 120 }
                    + 3 * rank as i64
                    + 2 * spot as i64;
                if best.is_none_or(|(s, _)| score < s) {
                    best = Some((score, rect));
                }
            }
            if !search && best.is_some() {
                break;
            }
        }
        match best {
            Some((_, rect)) => {
                placed.push(rect.inflate(2));
                out.push(Some(EdgeLabel {
                    text: text.clone(),
                    rect,
                }));
            }
            None => out.push(None),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i32, y: i32) -> Point {
        Point { x, y }
    }

    #[test]
    fn straight_runs_and_repeats_are_simplified() {
        let points = vec![p(0, 0), p(5, 0), p(10, 0), p(10, 0), p(10, 8), p(10, 20)];
        assert_eq!(simplify(points), [p(0, 0), p(10, 0), p(10, 20)]);
    }

    #[test]
    fn grid_lines_keep_ports_and_channels_but_not_borders_or_crowds() {
        // Box borders at 0 and 100 (with a zone border at 50), ports at 40 and 43.
        let lines = grid_lines(vec![0, 100, 44, 50], &[50], vec![40, 43]);
        assert!(
            lines.contains(&40) && lines.contains(&43),
            "ports stay: {lines:?}"
        );
        assert!(!lines.contains(&44), "too close to a port: {lines:?}");
        assert!(!lines.contains(&50), "on a zone border: {lines:?}");
        assert!(lines.windows(2).all(|w| w[0] < w[1]));
        assert!(
            lines.iter().any(|&l| l > 60 && l < 90),
            "a channel in the gap: {lines:?}"
        );
    }

    #[test]
    fn a_route_goes_around_a_box_in_its_way() {
        let element = |x: i32| Rect {
            x,
            y: 100,
            width: 100,
            height: 40,
        };
        let model = trustmap_model::Model::build(vec![]);
        let internet = model.elements().next().unwrap();
        let nodes: Vec<NodeBox> = [element(40), element(240), element(440)]
            .into_iter()
            .enumerate()
            .map(|(number, rect)| NodeBox {
                element: internet,
                number,
                zone: None,
                rect,
                name: String::new(),
                detail: None,
            })
            .collect();
        let routes = route_all(620, 260, &nodes, &[], &[(0, 2)]);
        let route = &routes[0];
        assert_eq!(route.first(), Some(&p(140, 120)));
        assert_eq!(route.last(), Some(&p(440, 120)));
        let middle = nodes[1].rect;
        for pair in route.windows(2) {
            assert!(pair[0].x == pair[1].x || pair[0].y == pair[1].y);
            assert!(!middle.cut_by(pair[0], pair[1]), "{route:?}");
        }
    }
}

//! Strongly connected components of the graph of local module calls (Tarjan's algorithm,
//! iterative so that a long chain of folders cannot overflow the stack): folders that call
//! each other, directly or through others, share a component.

use std::collections::{BTreeMap, BTreeSet};

/// The component of every node of `edges` (nodes are its keys; edges to other names are
/// ignored). Ids are arbitrary but the same for the members of one component.
pub(crate) fn components<'a>(
    edges: &BTreeMap<&'a str, BTreeSet<String>>,
) -> BTreeMap<&'a str, usize> {
    let nodes: Vec<&'a str> = edges.keys().copied().collect();
    let index_of: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let successors: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges[n]
                .iter()
                .filter_map(|callee| index_of.get(callee.as_str()).copied())
                .collect()
        })
        .collect();
    let unvisited = usize::MAX;
    let mut index = vec![unvisited; nodes.len()];
    let mut low = vec![0; nodes.len()];
    let mut on_stack = vec![false; nodes.len()];
    let mut stack = Vec::new();
    let mut component = vec![unvisited; nodes.len()];
    let mut next_index = 0;
    let mut next_component = 0;
    for start in 0..nodes.len() {
        if index[start] != unvisited {
            continue;
        }
        // Each frame: a node and how many of its successors have been looked at.
        let mut frames = vec![(start, 0usize)];
        index[start] = next_index;
        low[start] = next_index;
        next_index += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&(node, next)) = frames.last() {
            if let Some(&succ) = successors[node].get(next) {
                if let Some(frame) = frames.last_mut() {
                    frame.1 += 1;
                }
                if index[succ] == unvisited {
                    index[succ] = next_index;
                    low[succ] = next_index;
                    next_index += 1;
                    stack.push(succ);
                    on_stack[succ] = true;
                    frames.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(index[succ]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    nodes.into_iter().zip(component).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_share_a_component_and_chains_do_not() {
        let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        edges.insert("a", ["b".to_string()].into());
        edges.insert("b", ["a".to_string(), "c".to_string()].into());
        edges.insert("c", ["c".to_string(), "gone".to_string()].into());
        edges.insert("d", BTreeSet::new());
        let c = components(&edges);
        assert_eq!(c["a"], c["b"]);
        assert_ne!(c["a"], c["c"]);
        assert_ne!(c["c"], c["d"]);
    }
}

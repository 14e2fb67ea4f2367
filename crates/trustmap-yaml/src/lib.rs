//! YAML with positions, bounded: a small tree built from saphyr-parser's events.
//!
//! Every node remembers where it starts and ends, so a finding can point at `privileged: true`
//! rather than at the top of a file. Loading is bounded on every axis a hostile file can push:
//! nesting depth (checked while the events stream in, before any recursion), the number of nodes
//! after alias expansion (alias bombs stop at the limit instead of exhausting memory), and merge
//! keys (`<<: *defaults`) are applied here with the merged values keeping their own positions.

mod load;
mod node;

pub use load::{BoundHit, Limits, Loaded, SharedBounds, YamlError, load, load_shared, load_source};
pub use node::{Node, NodeValue, ScalarStyle};

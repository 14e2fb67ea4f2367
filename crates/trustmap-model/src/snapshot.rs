//! The model as a stable JSON document: the threat-model snapshot that drift checks compare.

use crate::{Boundary, Element, Flow, Model, Zone};
use serde::Serialize;

/// The version of the snapshot format; bumped when a field changes meaning.
pub const SNAPSHOT_VERSION: u32 = 1;

/// A flow with the boundaries it crosses.
#[derive(Debug, Serialize)]
pub struct FlowSnapshot<'a> {
    /// The flow.
    #[serde(flatten)]
    pub flow: &'a Flow,
    /// The boundaries it crosses, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crosses: Vec<Boundary>,
}

/// Everything in the model, sorted by id: serializing it twice gives the same bytes.
#[derive(Debug, Serialize)]
pub struct Snapshot<'a> {
    /// The snapshot format version.
    pub version: u32,
    /// Zones, sorted by id.
    pub zones: Vec<&'a Zone>,
    /// Trust boundaries, sorted.
    pub boundaries: Vec<Boundary>,
    /// Elements, sorted by id.
    pub elements: Vec<&'a Element>,
    /// Flows, sorted by id.
    pub flows: Vec<FlowSnapshot<'a>>,
}

impl<'a> Snapshot<'a> {
    /// Takes the snapshot of a model.
    pub fn of(model: &'a Model) -> Snapshot<'a> {
        Snapshot {
            version: SNAPSHOT_VERSION,
            zones: model.zones().collect(),
            boundaries: model.boundaries(),
            elements: model.elements().collect(),
            flows: model
                .flows()
                .map(|flow| FlowSnapshot {
                    flow,
                    crosses: model.boundaries_crossed(flow),
                })
                .collect(),
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the snapshot always serializes");
        text.push('\n');
        text
    }
}

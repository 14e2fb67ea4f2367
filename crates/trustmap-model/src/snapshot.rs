//! The model as a stable JSON document: the threat-model snapshot that drift checks compare.
//!
//! A snapshot holds the model's facts and the ones derived from its graph (the boundaries each
//! flow crosses, which elements the internet reaches), so that a baseline read back from disk
//! can be compared with today's model without the code that produced it.

use crate::{Boundary, Element, Flow, Model, Tri, Zone};
use serde::{Deserialize, Serialize};

/// The version of the snapshot format; bumped when a field changes meaning.
pub const SNAPSHOT_VERSION: u32 = 1;

/// An element and whether it takes connections from the internet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementSnapshot {
    /// The element.
    #[serde(flatten)]
    pub element: Element,
    /// [`Model::exposure`]: omitted when no.
    #[serde(skip_serializing_if = "is_no", default = "no")]
    pub exposed: Tri,
}

/// A flow with the boundaries it crosses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowSnapshot {
    /// The flow.
    #[serde(flatten)]
    pub flow: Flow,
    /// The boundaries it crosses, in order.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub crosses: Vec<Boundary>,
    /// Whether it goes into a zone of higher trust than its source's.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub into_higher_trust: bool,
}

fn is_no(t: &Tri) -> bool {
    *t == Tri::No
}

fn no() -> Tri {
    Tri::No
}

/// Everything in the model, sorted by id: serializing it twice gives the same bytes, and
/// reading it back gives the same snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The snapshot format version.
    pub version: u32,
    /// Zones, sorted by id.
    pub zones: Vec<Zone>,
    /// Trust boundaries, sorted.
    pub boundaries: Vec<Boundary>,
    /// Elements, sorted by id.
    pub elements: Vec<ElementSnapshot>,
    /// Flows, sorted by id.
    pub flows: Vec<FlowSnapshot>,
}

impl Snapshot {
    /// Takes the snapshot of a model.
    pub fn of(model: &Model) -> Snapshot {
        Snapshot {
            version: SNAPSHOT_VERSION,
            zones: model.zones().cloned().collect(),
            boundaries: model.boundaries(),
            elements: model
                .elements()
                .map(|element| ElementSnapshot {
                    exposed: model.exposure(&element.id),
                    element: element.clone(),
                })
                .collect(),
            flows: model
                .flows()
                .map(|flow| FlowSnapshot {
                    crosses: model.boundaries_crossed(flow),
                    into_higher_trust: model.enters_higher_trust(flow),
                    flow: flow.clone(),
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

    /// Reads a snapshot written by [`Snapshot::to_json`].
    ///
    /// # Errors
    /// The text is not a snapshot, or one of a version this build does not read.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let snapshot: Snapshot = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(format!(
                "snapshot version {} is not {SNAPSHOT_VERSION}: regenerate the baseline with `trustmap model --format json`",
                snapshot.version
            ));
        }
        Ok(snapshot)
    }
}

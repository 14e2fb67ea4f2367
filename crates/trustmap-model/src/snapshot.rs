//! The model as a stable JSON document: the threat-model snapshot that drift checks compare.
//!
//! A snapshot holds the model's facts and the ones derived from its graph (the boundaries each
//! flow crosses, which elements the internet reaches), so that a baseline read back from disk
//! can be compared with today's model without the code that produced it.

use crate::{Boundary, Element, Flow, FlowId, Model, Tri, Zone};
use serde::{Deserialize, Serialize};

/// The version of the snapshot format; bumped when a field changes meaning.
///
/// Version 2 derives a flow's id from all its ports (version 1 from the first only). A version
/// 1 snapshot still reads: its flow ids are derived again as it loads, so a baseline taken
/// before the change compares with today's model without spurious drift.
pub const SNAPSHOT_VERSION: u32 = 2;

/// The oldest snapshot version [`Snapshot::from_json`] reads.
const OLDEST_READ: u32 = 1;

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
        let mut snapshot: Snapshot = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if !(OLDEST_READ..=SNAPSHOT_VERSION).contains(&snapshot.version) {
            return Err(format!(
                "snapshot version {} is not one this build reads ({OLDEST_READ} to {SNAPSHOT_VERSION}): regenerate the baseline with `trustmap model --format json`",
                snapshot.version
            ));
        }
        if snapshot.version == 1 {
            snapshot.upgrade_from_version_1();
        }
        Ok(snapshot)
    }

    /// Version 1 wrote a flow id with its first port only: derives each id again, keeping the
    /// flows sorted by id.
    fn upgrade_from_version_1(&mut self) {
        for entry in &mut self.flows {
            let flow = &mut entry.flow;
            flow.id = FlowId::of(
                &flow.source,
                &flow.target,
                flow.protocol.as_ref(),
                &flow.ports,
            );
        }
        self.flows.sort_by(|a, b| a.flow.id.cmp(&b.flow.id));
        self.version = SNAPSHOT_VERSION;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Port, Protocol};

    /// A version 1 snapshot: ids with the first port only, sorted by those ids.
    const VERSION_1: &str = r#"{
  "version": 1,
  "zones": [],
  "boundaries": [],
  "elements": [],
  "flows": [
    {"id": "a -> b (all/all)", "source": "a", "target": "b", "protocol": "all", "ports": ["all"], "origin": "security-group"},
    {"id": "a -> c (tcp/80)", "source": "a", "target": "c", "protocol": "tcp", "ports": ["80", "443"], "origin": "listener"},
    {"id": "a -> c (tcp/8)", "source": "a", "target": "c", "protocol": "tcp", "ports": ["8", "9"], "origin": "listener"},
    {"id": "a -> c (tcp/8000-8010)", "source": "a", "target": "c", "protocol": "tcp", "ports": ["8000-8010"], "origin": "listener"}
  ]
}"#;

    #[test]
    fn a_version_1_snapshot_reads_as_version_2() {
        let snapshot = Snapshot::from_json(VERSION_1).unwrap();
        assert_eq!(snapshot.version, SNAPSHOT_VERSION);
        let ids: Vec<_> = snapshot
            .flows
            .iter()
            .map(|f| f.flow.id.0.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                "a -> b (all/all)",
                "a -> c (tcp/8,9)",
                "a -> c (tcp/80,443)",
                "a -> c (tcp/8000-8010)"
            ]
        );
        assert_eq!(snapshot.flows[0].flow.ports, [Port::Every]);
        assert_eq!(snapshot.flows[0].flow.protocol, Some(Protocol::All));
        let again = Snapshot::from_json(&snapshot.to_json()).unwrap();
        assert_eq!(again, snapshot, "version 2 reads back as written");
        let written: serde_json::Value = serde_json::from_str(&snapshot.to_json()).unwrap();
        assert_eq!(written["flows"][0]["ports"], serde_json::json!(["all"]));
    }

    #[test]
    fn other_versions_are_refused() {
        for version in [0, SNAPSHOT_VERSION + 1] {
            let text = VERSION_1.replace(r#""version": 1"#, &format!(r#""version": {version}"#));
            let error = Snapshot::from_json(&text).unwrap_err();
            assert!(error.contains("regenerate the baseline"), "{error}");
        }
    }
}

//! The data-flow diagram that every parser produces and every rule reads.
//!
//! This crate is the contract between the input formats and the rule engine: parsers build
//! [`Fragment`]s of zones, elements and flows; [`Model::build`] merges them into one graph,
//! resolves flow endpoints and computes which trust boundaries each flow crosses. Rules see only
//! this model, never Terraform, YAML or compose.

mod attribute;
mod codes;
mod diagnostic;
mod element;
mod fragment;
mod graph;
mod limits;
mod port;
mod printable;
mod protocol;
mod snapshot;
mod span;
mod zone;

pub use attribute::{AttrName, AttrValue, Attribute, Attributes, Item, Polarity, Tri, ValueKind};
pub use codes::{Area, Code, diagnostics_reference};
pub use diagnostic::{Diagnostic, DiagnosticLevel};
pub use element::{Element, ElementId, ElementKind, Flow, FlowId};
pub use fragment::Fragment;
pub use graph::{Boundary, Model, Reachability};
pub use limits::{Budget, Limit, Limits, limit_diagnostic};
pub use port::{EVERY_PORT, Port, PortName, PortRange, ports_in_words};
pub use printable::printable;
pub use protocol::{Protocol, UnlistedProtocol, WELL_KNOWN_PORTS};
pub use snapshot::{ElementSnapshot, FlowSnapshot, SNAPSHOT_VERSION, Snapshot};
pub use span::{FileName, Position, Span, join_path, join_path_within};
pub use zone::{INTERNET_ELEMENT, INTERNET_ZONE, TrustLevel, Zone, ZoneId, ZoneKind};

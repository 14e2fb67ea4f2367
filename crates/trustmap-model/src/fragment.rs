//! Fragments: what one parser made of one input, before the model is assembled.

use crate::{Diagnostic, Element, Flow, Zone};

/// The zones, elements and flows one input produced, with what could not be read. Flows may
/// name elements of other fragments; [`crate::Model::build`] resolves them.
#[derive(Debug, Clone, Default)]
pub struct Fragment {
    /// Zones declared.
    pub zones: Vec<Zone>,
    /// Elements declared.
    pub elements: Vec<Element>,
    /// Flows declared or implied.
    pub flows: Vec<Flow>,
    /// What could not be read, or was read with less precision.
    pub diagnostics: Vec<Diagnostic>,
}

impl Fragment {
    /// Moves everything of `other` into `self`.
    pub fn absorb(&mut self, other: Fragment) {
        self.zones.extend(other.zones);
        self.elements.extend(other.elements);
        self.flows.extend(other.flows);
        self.diagnostics.extend(other.diagnostics);
    }
}

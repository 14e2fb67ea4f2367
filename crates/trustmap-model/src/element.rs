//! Elements (external entities, processes, data stores) and the flows between them.

use crate::zone::is_empty_attributes;
use crate::{Attributes, Span, ZoneId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A stable element id: `compose:shop/service/web`, `external:internet`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ElementId(pub String);

impl fmt::Display for ElementId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kinds of element: the three kinds of DFD node, and the identities that hold rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// Someone or something outside the system's control.
    ExternalEntity,
    /// Code that runs: a container, a function, a VM, a load balancer.
    Process,
    /// Where data rests: a database, a cache, a queue, a volume, a secret.
    DataStore,
    /// A principal that holds rights: a cloud user, group, role or service account, a
    /// Kubernetes ServiceAccount, user or group. Not a node of the data-flow diagram (nothing
    /// flows through it): the diagrams leave identities out, rules and the model JSON see them.
    Identity,
}

impl ElementKind {
    /// Every kind, in the order rules and documentation list them.
    pub const ALL: [ElementKind; 4] = [
        ElementKind::ExternalEntity,
        ElementKind::Process,
        ElementKind::DataStore,
        ElementKind::Identity,
    ];

    /// Looks a kind up by the name rules and JSON use.
    pub fn parse(name: &str) -> Option<ElementKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The name used in rules and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementKind::ExternalEntity => "external_entity",
            ElementKind::Process => "process",
            ElementKind::DataStore => "data_store",
            ElementKind::Identity => "identity",
        }
    }
}

/// A node of the DFD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    /// Stable id.
    pub id: ElementId,
    /// What kind of node.
    pub kind: ElementKind,
    /// A name for people.
    pub name: String,
    /// What it is built from, when known (`postgres`, `nginx`, `docker-engine`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub technology: Option<String>,
    /// The zone it lives in.
    pub zone: ZoneId,
    /// Other zones it is attached to (a container on several networks): it reaches and is
    /// reached from them without crossing a boundary.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub attached_zones: Vec<ZoneId>,
    /// For an element declared inside a module, where that module is called (the finding's
    /// related location: the line a reviewer of the caller changes).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub called_from: Option<Span>,
    /// The code that declared it; `None` for built-in elements such as the internet.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    /// What the code says about it.
    #[serde(skip_serializing_if = "is_empty_attributes", default)]
    pub attributes: Attributes,
}

/// A stable flow id: `<source> -> <target>` with the protocol and port when known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FlowId(pub String);

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A directed edge of the DFD: `source` sends requests or data to `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Stable id, derived from the endpoints, protocol and port.
    pub id: FlowId,
    /// Who initiates.
    pub source: ElementId,
    /// Who is reached.
    pub target: ElementId,
    /// The application protocol when known (`http`, `https`, `postgres`, `tcp`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<String>,
    /// Target ports, as written (`80`, `8000-8010`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ports: Vec<String>,
    /// Why the flow exists (`published-port`, `depends_on`, `environment`, `volume`).
    pub origin: String,
    /// The code that declared or implied it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    /// What the code says about it.
    #[serde(skip_serializing_if = "is_empty_attributes", default)]
    pub attributes: Attributes,
}

impl Flow {
    /// A mount: `source` reads (and unless `read_only`, writes) the data store `target`.
    pub fn mount(
        source: ElementId,
        target: ElementId,
        origin: impl Into<String>,
        span: Span,
        read_only: crate::Tri,
    ) -> Flow {
        let mut flow = Flow::new(
            source,
            target,
            Some("mount".into()),
            vec![],
            origin,
            Some(span.clone()),
        );
        flow.attributes
            .set_flag(crate::AttrName::ReadOnly, read_only, Some(span));
        flow
    }

    /// A flow whose id is derived from its endpoints, protocol and first port.
    pub fn new(
        source: ElementId,
        target: ElementId,
        protocol: Option<String>,
        ports: Vec<String>,
        origin: impl Into<String>,
        span: Option<Span>,
    ) -> Flow {
        let mut id = format!("{source} -> {target}");
        match (&protocol, ports.first()) {
            (Some(p), Some(port)) => id.push_str(&format!(" ({p}/{port})")),
            (Some(p), None) => id.push_str(&format!(" ({p})")),
            (None, Some(port)) => id.push_str(&format!(" ({port})")),
            (None, None) => {}
        }
        Flow {
            id: FlowId(id),
            source,
            target,
            protocol,
            ports,
            origin: origin.into(),
            span,
            attributes: Attributes::default(),
        }
    }
}

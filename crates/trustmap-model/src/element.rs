//! Elements (external entities, processes, data stores) and the flows between them.

use crate::zone::is_empty_attributes;
use crate::{Attributes, Port, Protocol, Span, ZoneId, ports_in_words};
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

/// A stable flow id: `<source> -> <target>` with the protocol and every port when known
/// (`compose:shop/service/web -> compose:shop/service/db (postgres/5432)`,
/// `... (tcp/80,443)`, `... (all/all)`).
///
/// Two flows with one id have the same endpoints, protocol and ports: the model keeps the
/// first (see [`crate::Model::build_with_limits`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FlowId(pub String);

impl FlowId {
    /// The id of a flow with these endpoints, protocol and ports.
    pub fn of(
        source: &ElementId,
        target: &ElementId,
        protocol: Option<&Protocol>,
        ports: &[Port],
    ) -> FlowId {
        let mut id = format!("{source} -> {target}");
        if let Some(label) = label(protocol, ports) {
            id.push_str(&format!(" ({label})"));
        }
        FlowId(id)
    }
}

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
    /// The protocol when known (`http`, `https`, `postgres`, `tcp`, `all` for all traffic).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<Protocol>,
    /// Target ports in the order the code gives them (`80`, `8000-8010`, `all` for every port,
    /// a name such as `http` when the code gives no number).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ports: Vec<Port>,
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
        let mut flow = Flow::typed(
            source,
            target,
            Some(Protocol::Mount),
            Vec::new(),
            origin,
            Some(span.clone()),
        );
        flow.attributes
            .set_flag(crate::AttrName::ReadOnly, read_only, Some(span));
        flow
    }

    /// A flow with protocol and ports as the code writes them, read with [`Protocol::parse`]
    /// and [`Port::parse`] (`Some("HTTPS")`, `["8000-8010"]`, `["all"]` for every port); its id
    /// is derived from its endpoints, protocol and every port.
    pub fn new(
        source: ElementId,
        target: ElementId,
        protocol: Option<String>,
        ports: Vec<String>,
        origin: impl Into<String>,
        span: Option<Span>,
    ) -> Flow {
        Flow::typed(
            source,
            target,
            protocol.map(Protocol::from),
            ports.into_iter().map(Port::from).collect(),
            origin,
            span,
        )
    }

    /// A flow of a known protocol and ports; its id is derived from its endpoints, protocol and
    /// every port, in order ([`FlowId`]).
    pub fn typed(
        source: ElementId,
        target: ElementId,
        protocol: Option<Protocol>,
        ports: Vec<Port>,
        origin: impl Into<String>,
        span: Option<Span>,
    ) -> Flow {
        Flow {
            id: FlowId::of(&source, &target, protocol.as_ref(), &ports),
            source,
            target,
            protocol,
            ports,
            origin: origin.into(),
            span,
            attributes: Attributes::default(),
        }
    }

    /// Protocol and ports in short, as diagrams and flow ids show them: `postgres/5432`,
    /// `tcp/80,443`, `all/all`, `http`, `8080`; `None` when neither is known.
    pub fn label(&self) -> Option<String> {
        label(self.protocol.as_ref(), &self.ports)
    }

    /// The ports in words, for messages: `port 22`, `ports 80, 443`, `every port`; `None`
    /// when no port is known.
    pub fn ports_in_words(&self) -> Option<String> {
        ports_in_words(&self.ports)
    }

    /// The well-known port of `protocol` ([`crate::WELL_KNOWN_PORTS`]) that a plain TCP door
    /// on port numbers holds: a door for `tcp` on `10-100` admits `ssh` on 22, whatever else it
    /// admits. `None` for a flow that names its protocol (it speaks that one), for every port
    /// (rules ask about it as such) and for ports known only by name.
    pub fn range_port_of(&self, protocol: &Protocol) -> Option<u16> {
        if self.protocol != Some(Protocol::Tcp) {
            return None;
        }
        protocol.well_known_ports().find(|port| {
            self.ports
                .iter()
                .filter_map(Port::numbers)
                .any(|range| range.contains(*port))
        })
    }
}

fn label(protocol: Option<&Protocol>, ports: &[Port]) -> Option<String> {
    let ports = ports
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    match (protocol, ports.is_empty()) {
        (Some(p), false) => Some(format!("{p}/{ports}")),
        (Some(p), true) => Some(p.to_string()),
        (None, false) => Some(ports),
        (None, true) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(protocol: &str, ports: &[&str]) -> Flow {
        Flow::typed(
            ElementId("external:internet".into()),
            ElementId("tf:aws_instance.app".into()),
            Some(Protocol::parse(protocol)),
            ports.iter().map(|p| Port::parse(p)).collect(),
            "security-group",
            None,
        )
    }

    #[test]
    fn a_tcp_range_admits_the_protocols_whose_port_it_holds() {
        assert_eq!(
            door("tcp", &["10-100"]).range_port_of(&Protocol::Ssh),
            Some(22)
        );
        assert_eq!(
            door("tcp", &["80", "3000-4000"]).range_port_of(&Protocol::Rdp),
            Some(3389)
        );
        assert_eq!(
            door("tcp", &["8000-8100"]).range_port_of(&Protocol::Ssh),
            None
        );
        // A door that names its protocol speaks that one; every port and names are not ranges.
        assert_eq!(
            door("https", &["1-1000"]).range_port_of(&Protocol::Ssh),
            None
        );
        assert_eq!(door("all", &["all"]).range_port_of(&Protocol::Ssh), None);
        assert_eq!(
            door("tcp", &["${PORT}"]).range_port_of(&Protocol::Ssh),
            None
        );
    }
}

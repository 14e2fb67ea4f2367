//! Zones: nested regions of equal trust. The line between a zone and its parent is a trust
//! boundary.

use crate::{Attributes, Span};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of the built-in zone that holds everything outside the system.
pub const INTERNET_ZONE: &str = "internet";
/// The id of the built-in external entity: the anonymous user on the internet.
pub const INTERNET_ELEMENT: &str = "external:internet";

/// A stable zone id (`internet`, `compose:shop/network/backend`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZoneId(pub String);

impl ZoneId {
    /// The built-in internet zone.
    pub fn internet() -> ZoneId {
        ZoneId(INTERNET_ZONE.to_string())
    }
}

impl fmt::Display for ZoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a zone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    /// Everything outside the system.
    Internet,
    /// A machine that runs containers: a docker host, a Kubernetes node.
    Host,
    /// A container network (a compose network).
    Network,
    /// A compose project: the services one compose file (with its overrides) deploys.
    Project,
    /// A Kubernetes cluster.
    Cluster,
    /// A Kubernetes namespace.
    Namespace,
    /// A cloud account (an AWS account and region).
    Cloud,
    /// A virtual network (an AWS VPC).
    Vpc,
    /// A subnet of a virtual network.
    Subnet,
}

impl ZoneKind {
    /// The name used in rules and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::Internet => "internet",
            ZoneKind::Host => "host",
            ZoneKind::Network => "network",
            ZoneKind::Project => "project",
            ZoneKind::Cluster => "cluster",
            ZoneKind::Namespace => "namespace",
            ZoneKind::Cloud => "cloud",
            ZoneKind::Vpc => "vpc",
            ZoneKind::Subnet => "subnet",
        }
    }

    /// Every kind.
    pub const ALL: [ZoneKind; 9] = [
        ZoneKind::Internet,
        ZoneKind::Host,
        ZoneKind::Network,
        ZoneKind::Project,
        ZoneKind::Cluster,
        ZoneKind::Namespace,
        ZoneKind::Cloud,
        ZoneKind::Vpc,
        ZoneKind::Subnet,
    ];

    /// Looks a kind up by name.
    pub fn parse(name: &str) -> Option<ZoneKind> {
        ZoneKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// How much a zone is trusted, from the internet (none) to the host (all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Anyone: the internet.
    Untrusted,
    /// Reachable from outside on purpose: a DMZ, a public subnet.
    Low,
    /// An application network.
    Medium,
    /// An isolated network with no way out.
    High,
    /// Control of the machine itself: the docker host, a node, a control plane.
    Privileged,
}

/// A zone of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    /// Stable id.
    pub id: ZoneId,
    /// What it is.
    pub kind: ZoneKind,
    /// A name for people.
    pub name: String,
    /// The enclosing zone; `None` only for the internet.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parent: Option<ZoneId>,
    /// How much it is trusted.
    pub trust: TrustLevel,
    /// Where it was declared, when it was.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    /// What the code says about it.
    #[serde(skip_serializing_if = "is_empty_attributes", default)]
    pub attributes: Attributes,
}

pub(crate) fn is_empty_attributes(attributes: &Attributes) -> bool {
    attributes.iter().next().is_none()
}

impl Zone {
    /// The built-in internet zone.
    pub fn internet() -> Zone {
        Zone {
            id: ZoneId::internet(),
            kind: ZoneKind::Internet,
            name: "Internet".to_string(),
            parent: None,
            trust: TrustLevel::Untrusted,
            span: None,
            attributes: Attributes::default(),
        }
    }
}

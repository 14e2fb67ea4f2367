//! The attribute vocabulary: the only facts a parser may state about an element, a flow or a
//! zone, each three-valued and each remembering the span that set it.
//!
//! Every attribute is listed once, in [`AttrName`], with its documentation and the kind of value
//! it holds. Parsers cannot emit an attribute that is not here, and rules that name an unknown
//! attribute are rejected when they load.

use crate::Span;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Three-valued truth: the code says yes, says no, or does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    /// The code says so.
    Yes,
    /// The code says not.
    No,
    /// The code does not say, or says it through a value that cannot be resolved statically.
    Unknown,
}

impl Tri {
    /// Kleene conjunction.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::No, _) | (_, Tri::No) => Tri::No,
            (Tri::Yes, Tri::Yes) => Tri::Yes,
            _ => Tri::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::Yes, _) | (_, Tri::Yes) => Tri::Yes,
            (Tri::No, Tri::No) => Tri::No,
            _ => Tri::Unknown,
        }
    }

    /// Kleene negation.
    pub fn negate(self) -> Tri {
        match self {
            Tri::Yes => Tri::No,
            Tri::No => Tri::Yes,
            Tri::Unknown => Tri::Unknown,
        }
    }

    /// `Yes` for true, `No` for false.
    pub fn from_bool(value: bool) -> Tri {
        if value { Tri::Yes } else { Tri::No }
    }
}

/// What kind of value an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Yes, no or unknown.
    Flag,
    /// One string (an image reference, a user name).
    Text,
    /// A list of strings, each with its own span.
    List,
}

macro_rules! vocabulary {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal : $kind:ident, )+) => {
        /// The attribute vocabulary. Each name's documentation says what it means and where it
        /// applies; `trustmap rules attributes` prints this list.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum AttrName {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl AttrName {
            /// Every attribute, in vocabulary order.
            pub const ALL: &'static [AttrName] = &[$(AttrName::$variant),+];

            /// The name used in rules and in the JSON model.
            pub fn as_str(self) -> &'static str {
                match self { $(AttrName::$variant => $name,)+ }
            }

            /// The kind of value the attribute holds.
            pub fn kind(self) -> ValueKind {
                match self { $(AttrName::$variant => ValueKind::$kind,)+ }
            }

            /// The attribute's documentation, one paragraph.
            pub fn doc(self) -> &'static str {
                match self { $(AttrName::$variant => concat!($($doc),+).trim_start(),)+ }
            }

            /// Looks an attribute up by its name.
            pub fn parse(name: &str) -> Option<AttrName> {
                match name { $($name => Some(AttrName::$variant),)+ _ => None }
            }
        }
    };
}

vocabulary! {
    /// Flows: the traffic is protected by TLS or an equivalent (HTTPS, TLS listener, `sslmode=require`).
    EncryptedInTransit = "encrypted_in_transit": Flag,
    /// Flows and data stores: the caller must prove who it is (credentials, tokens, mTLS).
    Authenticated = "authenticated": Flag,
    /// Data stores: data is encrypted where it is stored.
    EncryptedAtRest = "encrypted_at_rest": Flag,
    /// Flows: the mount or connection is read-only for the source.
    ReadOnly = "read_only": Flag,
    /// Zones: no route leaves the zone (a compose `internal: true` network).
    Internal = "internal": Flag,
    /// Processes: the main process runs as root (uid 0).
    RunsAsRoot = "runs_as_root": Flag,
    /// Processes: the container runs privileged (all capabilities, all devices).
    Privileged = "privileged": Flag,
    /// Processes: the container shares the host's network stack.
    HostNetwork = "host_network": Flag,
    /// Processes: the container shares the host's process namespace.
    HostPid = "host_pid": Flag,
    /// Processes: the container shares the host's IPC namespace.
    HostIpc = "host_ipc": Flag,
    /// Processes: the container can talk to the container runtime (a mounted docker socket).
    RuntimeSocket = "runtime_socket": Flag,
    /// Processes: the root filesystem is mounted read-only.
    ReadOnlyRootFilesystem = "read_only_root_filesystem": Flag,
    /// Processes: the process may gain more privileges than its parent (no `no-new-privileges`).
    PrivilegeEscalation = "privilege_escalation": Flag,
    /// Elements: activity is logged somewhere it is kept (no = logging disabled).
    Logging = "logging": Flag,
    /// Processes and flows: requests are rate limited.
    RateLimited = "rate_limited": Flag,
    /// Processes: CPU and memory limits bound what one element can take from its neighbours.
    ResourceLimits = "resource_limits": Flag,
    /// Elements and flows: reachable by anyone on the internet (a public bucket, a port published on every interface).
    Public = "public": Flag,
    /// Processes: passes connections on to its backends (a Kubernetes Service, an ingress, a load balancer): whoever reaches it reaches them.
    Forwards = "forwards": Flag,
    /// Processes and data stores: a network policy limits which peers in its zone may connect (no: every peer in the zone can).
    NetworkIsolated = "network_isolated": Flag,
    /// Processes: a service account token is mounted into the containers.
    ServiceAccountToken = "service_account_token": Flag,
    /// Processes: the dangerous rights of the identity the workload runs as (`cluster-admin`, `secrets:get`, `pods/exec:create`, `*:*`).
    ServiceAccountPrivileges = "service_account_privileges": List,
    /// Processes: a seccomp profile confines the containers' system calls.
    Seccomp = "seccomp": Flag,
    /// Processes: the container image reference as written (`nginx:1.27`, `app@sha256:...`).
    Image = "image": Text,
    /// Processes and data stores: where the image comes from: `built` from the scanned repository (a compose service with `build:`), a `placeholder` filled in at deploy (`<image_url>`, a variable left unresolved, a capitalised token such as `IMAGE_NAME`, a registry on a domain reserved for documentation such as `example.com`), `local` (a bare name that is none of Docker Hub's official images, so no registry serves it: loaded into the node, or replaced by a deployment tool such as Skaffold), or pulled from a `registry` as written.
    ImageOrigin = "image_origin": Text,
    /// Processes: the user the process runs as, as written.
    User = "user": Text,
    /// Processes: where logs go (`json-file`, `syslog`, `none`).
    LoggingDriver = "logging_driver": Text,
    /// Processes: Linux capabilities added beyond the runtime's default set.
    CapabilitiesAdded = "capabilities_added": List,
    /// Processes: host paths mounted into the container, as `host-path:container-path`.
    HostMounts = "host_mounts": List,
    /// Processes: host paths mounted that expose the host itself (`/`, `/etc`, `/proc`, `/var/run`...).
    SensitiveHostMounts = "sensitive_host_mounts": List,
    /// Processes: secrets written as literal values in the configuration (environment values, URLs with passwords).
    PlaintextSecrets = "plaintext_secrets": List,
    /// Elements: the networks or segments the element is attached to.
    Networks = "networks": List,
    /// Zones (networks): the networks or hubs this one is joined to, each named with what joins them (`VPC network google_compute_network.data (peering google_compute_network_peering.apps_data)`; a network outside the scanned code by the argument that names it): a peering, a transit gateway or hub attachment, a private service connection. What one side reaches, the other may reach as far as its firewalls and routes allow; each item at the resource that joins them.
    LinkedZones = "linked_zones": List,
    /// Processes: ports the element listens on for its neighbours, without publishing them.
    ExposedPorts = "exposed_ports": List,
    /// Flows and data stores: the TLS on offer still accepts protocol versions known to be weak (SSL 3, TLS 1.0 or 1.1), as a listener's or distribution's TLS policy, or a store's minimum TLS version, allows.
    OutdatedTls = "outdated_tls": Flag,
    /// Flows: the door answers plain HTTP only with a redirect to its TLS counterpart (an HTTP listener whose only action redirects to HTTPS); such a door also states `encrypted_in_transit`, since no request reaches the backends in plain text.
    RedirectsToTls = "redirects_to_tls": Flag,
    /// Data stores: earlier versions of the data are kept (automated backups, point-in-time recovery, object versioning), so deleted or overwritten data can be restored.
    Backups = "backups": Flag,
    /// Processes and data stores: stands for whatever a door (a security group, a network security group) guards when nothing in the scanned code is attached to it, or for the resource a grant to everyone (a resource policy, an ACL, a permission, an IAM member) governs when that resource is not in the scanned code: it is attached or defined in another stack, by hand, or not yet; what the door admits is latent exposure. Identities: a Kubernetes Role or ClusterRole that no binding grants, whose rights are latent.
    Unattached = "unattached": Flag,
    /// Processes: the image is a console whose web interface runs code or reads the data behind it for whoever reaches it (`Jupyter`, `Zeppelin`, `Portainer`, `Kubernetes Dashboard`, `Kibana`); whether a visitor must log in is `authenticated`.
    Console = "console": Text,
    /// Identities: the dangerous rights the identity holds, normalised across providers: `administrator`, `*:*` (every action on every resource), `iam:*`, a privilege-escalation action (`iam:PassRole`, `iam:CreatePolicyVersion`, `iam:AttachUserPolicy`, ...), `secrets:read`, `pods:create`, `pods/exec`, `nodes/proxy`, `rbac:escalate`, `admission-webhooks:write`, `certificates:approve`; each item at the statement, rule or binding that grants it.
    Rights = "rights": List,
    /// Identities: who outside the identity's own account or cluster may act as it, with no condition that narrows them: `anyone`, `any authenticated user`, `another account (…)`, `federated (…)`; each item at the trust statement or binding that admits them.
    AssumableBy = "assumable_by": List,
    /// Identities: long-lived credentials exist for it in the code (an access key, a service-account key, a client secret): they do not expire, and whoever copies them acts as the identity from anywhere.
    LongLivedKeys = "long_lived_keys": Flag,
    /// Identities: the workloads in the scanned code that run with the identity's credentials (whoever compromises one holds its rights). Empty when none does: the identity is used from elsewhere.
    CarriedBy = "carried_by": List,
    /// Processes: the identity whose credentials the workload holds, as the code names it (`aws_iam_role.app`, a service account's email, `the default compute service account`).
    RunsAs = "runs_as": Text,
    /// Processes: the instance metadata service hands out the workload's credentials to any plain request, without a session token or header (AWS IMDSv1, `http_tokens = "optional"`; Google's legacy `v0.1`/`v1beta1` endpoints): one request forged through the workload (SSRF) reads them. Unknown when the code leaves it to the image or the account's default.
    LegacyMetadata = "legacy_metadata": Flag,
    /// Data stores whose own setting makes them public (`publicly_accessible`, public network access): whether the firewall between the internet and them is in the scanned code. Yes when their security groups, subnet routes, firewall or network rules are (doors are drawn where these admit the internet); unknown when they are absent or name what the code does not define, so the account's defaults, another stack or the console decide who may connect.
    FirewallKnown = "firewall_known": Flag,
    /// Processes: what the pod's init containers are given that hands over the node (`init container sysctl runs privileged`, `init container setup adds SYS_ADMIN`): they run, and exit, before the pod serves, so no request to the pod reaches them, but a compromised image or command takes the node. The pod's own `privileged` and `capabilities_added` are its serving containers'.
    InitContainerPrivileges = "init_container_privileges": List,
    /// Processes: the Kubernetes control-plane component a static pod is (`kube-apiserver`, `kube-controller-manager`, `kube-scheduler`, `etcd`, `kubelet`), recognised from all of: a bare Pod in `kube-system`, labelled `tier: control-plane`, running the component's image from the Kubernetes project's registry. Such a pod needs the host's network and files; whether it really is one (a static pod from a control-plane node's manifest folder) the code cannot show.
    ControlPlane = "control_plane": Text,
    /// Processes: command-line flags of a control-plane program (kube-apiserver, kubelet, etcd, kube-controller-manager, kube-scheduler, in any pod) that let whoever reaches it act in the cluster (authorization that allows everything, and anonymous requests with it; unauthenticated ports; etcd without client certificates), with what they get (`--anonymous-auth true (the default): ...`, `--client-cert-auth=false: ...`); each item at the flag, or at the program when a default decides (defaults are read only where no `--config` file may set them).
    ControlPlaneFlags = "control_plane_flags": List,
    /// Processes: the virtual machine lets its users log in over SSH with a password (`disable_password_authentication = false` on an Azure Linux VM or scale set, or in an `os_profile_linux_config` block), so whoever reaches its SSH port can guess or reuse one instead of needing a private key. No when only keys are accepted (the provider's default for Linux VMs); unknown when the code does not say which.
    PasswordLogin = "password_login": Flag,
    /// Processes: command-line flags of a control-plane program that leave out a defence in depth rather than open the cluster (anonymous requests under real authorization, no `NodeRestriction`, kubelets' certificates not verified, profiling on every interface, etcd's self-signed `--auto-tls`), read as `control_plane_flags` are.
    ControlPlaneHardening = "control_plane_hardening": List,
    /// Processes: whether the scanned code grants anything to the Kubernetes service account whose token the workload carries: yes when a RoleBinding or ClusterRoleBinding names it, or an annotation maps it to a cloud identity (`eks.amazonaws.com/role-arn`, `iam.gke.io/gcp-service-account`, `azure.workload.identity/client-id`); no when nothing does, so under Kubernetes' default RBAC its token opens only the API's discovery endpoints. Stated only for the namespace's `default` account and accounts the scanned code defines (an account defined elsewhere may be bound there).
    IdentityGranted = "identity_granted": Flag,
}

/// Which way an attribute gets weaker, for drift checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Polarity {
    /// Yes is the safe value (encryption, authentication): losing it is a weakening. For a
    /// list, no list attribute is of this kind.
    SafeWhenYes,
    /// Yes, or a new list item, is the dangerous value (privileged, a capability added).
    DangerousWhenYes,
    /// Neither (an image name, the networks joined).
    Neutral,
}

impl AttrName {
    /// Which way the attribute gets weaker.
    pub fn polarity(self) -> Polarity {
        use AttrName::*;
        match self {
            EncryptedInTransit
            | Authenticated
            | EncryptedAtRest
            | ReadOnly
            | Internal
            | ReadOnlyRootFilesystem
            | Logging
            | RateLimited
            | ResourceLimits
            | NetworkIsolated
            | Seccomp
            | Backups
            | RedirectsToTls => Polarity::SafeWhenYes,
            RunsAsRoot
            | Privileged
            | HostNetwork
            | HostPid
            | HostIpc
            | RuntimeSocket
            | PrivilegeEscalation
            | Public
            | ServiceAccountToken
            | CapabilitiesAdded
            | HostMounts
            | SensitiveHostMounts
            | PlaintextSecrets
            | ServiceAccountPrivileges
            | OutdatedTls
            | ExposedPorts
            | Rights
            | AssumableBy
            | LongLivedKeys
            | LegacyMetadata
            | InitContainerPrivileges
            | ControlPlaneFlags
            | ControlPlaneHardening
            | PasswordLogin
            | IdentityGranted
            | LinkedZones => Polarity::DangerousWhenYes,
            Forwards | Image | ImageOrigin | User | LoggingDriver | Networks | CarriedBy
            | Console | Unattached | RunsAs | FirewallKnown | ControlPlane => Polarity::Neutral,
        }
    }
}

impl fmt::Display for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a list attribute, with the span that wrote it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Item {
    /// The entry.
    pub value: String,
    /// Where it was written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    /// The places it passed through from where it was written to where it is used, as for
    /// [`Attribute::via`].
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub via: Vec<Span>,
}

/// An attribute's value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// A flag.
    Flag(Tri),
    /// A string.
    Text(String),
    /// A list of strings.
    List(Vec<Item>),
}

/// An attribute's value and the span where the code set it. `span` is `None` when the value is
/// the format's documented default (compose runs a container unprivileged unless told).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Attribute {
    /// The value.
    pub value: AttrValue,
    /// Where it was set: where the value was written, when it was written in one place and
    /// used in another (a Terraform module's input, a variable file, a variable's default).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub span: Option<Span>,
    /// For a value written in one place and used in another: the places it passed through on
    /// its way (a module argument, a local, an output), in order, the use last. Empty when the
    /// value is written where it is used.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub via: Vec<Span>,
}

/// The attributes of one element, flow or zone, sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Attributes(BTreeMap<AttrName, Attribute>);

/// Read back by each attribute's kind, so a text attribute whose value is `"yes"` stays text.
impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            value: serde_json::Value,
            #[serde(default)]
            span: Option<Span>,
            #[serde(default)]
            via: Vec<Span>,
        }
        let raw: BTreeMap<AttrName, Raw> = BTreeMap::deserialize(deserializer)?;
        let mut attributes = Attributes::default();
        for (name, Raw { value, span, via }) in raw {
            let value = match name.kind() {
                ValueKind::Flag => AttrValue::Flag(
                    serde_json::from_value(value).map_err(serde::de::Error::custom)?,
                ),
                ValueKind::Text => AttrValue::Text(
                    serde_json::from_value(value).map_err(serde::de::Error::custom)?,
                ),
                ValueKind::List => AttrValue::List(
                    serde_json::from_value(value).map_err(serde::de::Error::custom)?,
                ),
            };
            attributes.0.insert(name, Attribute { value, span, via });
        }
        Ok(attributes)
    }
}

impl Attributes {
    /// Sets a flag.
    ///
    /// # Panics
    /// In debug builds, when `name` is not a flag: a parser bug, caught by its tests.
    pub fn set_flag(&mut self, name: AttrName, value: Tri, span: Option<Span>) {
        debug_assert_eq!(name.kind(), ValueKind::Flag, "{name} is not a flag");
        self.0.insert(
            name,
            Attribute {
                value: AttrValue::Flag(value),
                span,
                via: Vec::new(),
            },
        );
    }

    /// Sets a text attribute.
    pub fn set_text(&mut self, name: AttrName, value: impl Into<String>, span: Option<Span>) {
        debug_assert_eq!(name.kind(), ValueKind::Text, "{name} is not text");
        self.0.insert(
            name,
            Attribute {
                value: AttrValue::Text(value.into()),
                span,
                via: Vec::new(),
            },
        );
    }

    /// Appends to a list attribute, creating it when absent.
    pub fn push_item(&mut self, name: AttrName, value: impl Into<String>, span: Option<Span>) {
        debug_assert_eq!(name.kind(), ValueKind::List, "{name} is not a list");
        let attribute = self.0.entry(name).or_insert_with(|| Attribute {
            value: AttrValue::List(Vec::new()),
            span: None,
            via: Vec::new(),
        });
        if attribute.span.is_none() {
            attribute.span = span.clone();
        }
        if let AttrValue::List(items) = &mut attribute.value {
            items.push(Item {
                value: value.into(),
                span,
                via: Vec::new(),
            });
        }
    }

    /// Sets an empty list, stating that the code declares none.
    pub fn set_empty_list(&mut self, name: AttrName) {
        self.0.entry(name).or_insert(Attribute {
            value: AttrValue::List(Vec::new()),
            span: None,
            via: Vec::new(),
        });
    }

    /// The attribute, when the code or the format's defaults say something.
    pub fn get(&self, name: AttrName) -> Option<&Attribute> {
        self.0.get(&name)
    }

    /// A flag's value; `Unknown` when absent.
    pub fn flag(&self, name: AttrName) -> Tri {
        match self.0.get(&name).map(|a| &a.value) {
            Some(AttrValue::Flag(t)) => *t,
            _ => Tri::Unknown,
        }
    }

    /// A text attribute's value.
    pub fn text(&self, name: AttrName) -> Option<&str> {
        match self.0.get(&name).map(|a| &a.value) {
            Some(AttrValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// A list attribute's items (empty when absent).
    pub fn items(&self, name: AttrName) -> &[Item] {
        match self.0.get(&name).map(|a| &a.value) {
            Some(AttrValue::List(items)) => items,
            _ => &[],
        }
    }

    /// Removes an attribute.
    pub fn remove(&mut self, name: AttrName) -> Option<Attribute> {
        self.0.remove(&name)
    }

    /// Every attribute, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (AttrName, &Attribute)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    /// Every attribute, to change where it says it was set.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (AttrName, &mut Attribute)> {
        self.0.iter_mut().map(|(k, v)| (*k, v))
    }

    /// Copies every attribute of `other` over those of `self`.
    pub fn extend(&mut self, other: Attributes) {
        self.0.extend(other.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kleene_logic_keeps_unknown_unless_decided() {
        assert_eq!(Tri::Unknown.and(Tri::No), Tri::No);
        assert_eq!(Tri::Unknown.and(Tri::Yes), Tri::Unknown);
        assert_eq!(Tri::Unknown.or(Tri::Yes), Tri::Yes);
        assert_eq!(Tri::Unknown.or(Tri::No), Tri::Unknown);
        assert_eq!(Tri::Unknown.negate(), Tri::Unknown);
    }

    #[test]
    fn every_attribute_round_trips_through_its_name() {
        for name in AttrName::ALL {
            assert_eq!(AttrName::parse(name.as_str()), Some(*name));
            assert!(!name.doc().is_empty());
            let json = serde_json::to_string(name).unwrap();
            assert_eq!(json, format!("\"{}\"", name.as_str()));
        }
    }

    #[test]
    fn absent_flag_is_unknown() {
        let attrs = Attributes::default();
        assert_eq!(attrs.flag(AttrName::Privileged), Tri::Unknown);
    }
}

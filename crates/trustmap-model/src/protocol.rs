//! The protocol vocabulary: every protocol a reader can state about a flow, by the one name
//! rules use for it.
//!
//! A reader turns what the code writes (a URL scheme, a listener's protocol, a well-known
//! port) into a [`Protocol`]; a name outside the vocabulary (a Kubernetes `appProtocol` such as
//! `kubernetes.io/ws`, a listener protocol such as `geneve`) is kept as written, lower-cased, in
//! [`Protocol::Other`], so nothing the code says is lost. Rules may name only the vocabulary:
//! a rule that names anything else is an error when it loads.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! vocabulary {
    ($($variant:ident = $name:literal, $doc:literal;)*) => {
        /// A protocol a flow speaks: one of the vocabulary, or a name outside it kept as
        /// written.
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Protocol {
            $(
                #[doc = $doc]
                $variant,
            )*
            /// A protocol outside the vocabulary, lower-cased as the code wrote it.
            Other(UnlistedProtocol),
        }

        impl Protocol {
            /// Every protocol of the vocabulary, in the order the documentation lists them.
            pub const VOCABULARY: &'static [Protocol] = &[$(Protocol::$variant),*];

            /// The protocol's name, as rules and the snapshot write it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Protocol::$variant => $name,)*
                    Protocol::Other(other) => &other.0,
                }
            }

            /// What the protocol is, in a few words (the vocabulary's documentation).
            pub fn description(&self) -> &'static str {
                match self {
                    $(Protocol::$variant => $doc,)*
                    Protocol::Other(_) => "A protocol outside the vocabulary.",
                }
            }

            /// The protocol of the vocabulary with this exact name.
            pub fn known(name: &str) -> Option<Protocol> {
                match name {
                    $($name => Some(Protocol::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

vocabulary! {
    All = "all", "Every protocol: a firewall rule for all traffic (AWS `-1`, Azure `*`, Google `all`).";
    Tcp = "tcp", "TCP, when nothing more is known of what runs over it.";
    Udp = "udp", "UDP, when nothing more is known of what runs over it.";
    Sctp = "sctp", "SCTP.";
    Icmp = "icmp", "ICMP (no ports).";
    Icmpv6 = "icmpv6", "ICMP for IPv6 (no ports).";
    Esp = "esp", "IPsec ESP (no ports).";
    Ah = "ah", "IPsec AH (no ports).";
    Gre = "gre", "GRE tunnels (no ports).";
    Ipip = "ipip", "IP in IP tunnels (no ports).";
    Http = "http", "HTTP in clear text (also WebSocket `ws`).";
    Https = "https", "HTTP over TLS (also `wss`).";
    H2c = "h2c", "HTTP/2 in clear text.";
    Grpc = "grpc", "gRPC.";
    Grpcs = "grpcs", "gRPC over TLS.";
    Tls = "tls", "TLS, whatever runs inside it.";
    Ssh = "ssh", "SSH (and SFTP).";
    Rdp = "rdp", "Remote Desktop.";
    Telnet = "telnet", "Telnet.";
    Winrm = "winrm", "Windows Remote Management over HTTP.";
    WinrmTls = "winrm-tls", "Windows Remote Management over HTTPS.";
    Ftp = "ftp", "FTP.";
    Smtp = "smtp", "SMTP.";
    Dns = "dns", "DNS.";
    Ldap = "ldap", "LDAP.";
    Ldaps = "ldaps", "LDAP over TLS.";
    DockerApi = "docker-api", "The Docker Engine API in clear text (port 2375, or its socket).";
    DockerApiTls = "docker-api-tls", "The Docker Engine API over TLS (port 2376).";
    RuntimeApi = "runtime-api", "A container runtime's socket (containerd, CRI-O).";
    KubernetesApi = "kubernetes-api", "A Kubernetes API server.";
    Etcd = "etcd", "etcd's client API.";
    Postgres = "postgres", "PostgreSQL (and compatible: CockroachDB).";
    Mysql = "mysql", "MySQL and MariaDB.";
    Tds = "tds", "Microsoft SQL Server.";
    Oracle = "oracle", "Oracle Database.";
    Mongodb = "mongodb", "MongoDB.";
    Redis = "redis", "Redis and compatible stores.";
    Memcached = "memcached", "Memcached.";
    Cql = "cql", "Cassandra and ScyllaDB.";
    Bolt = "bolt", "Neo4j.";
    Amqp = "amqp", "AMQP in clear text (RabbitMQ, ActiveMQ Artemis).";
    Amqps = "amqps", "AMQP over TLS.";
    Kafka = "kafka", "Kafka.";
    Nats = "nats", "NATS.";
    Openwire = "openwire", "ActiveMQ OpenWire.";
    Zookeeper = "zookeeper", "ZooKeeper.";
    Sts = "sts", "A cloud's token service: taking on a role.";
    Mount = "mount", "A mounted volume, secret or host path: reading and writing its files.";
    NodeInspector = "node-inspector", "The Node.js inspector (port 9229): a debugger, code execution for whoever attaches.";
    Jdwp = "jdwp", "A JVM's debug wire protocol (port 5005 by convention): code execution for whoever attaches.";
    Msvsmon = "msvsmon", "The Visual Studio remote debugger (App Service remote debugging, ports 4022 to 4026): code execution for whoever attaches with the app's deployment credentials.";
}

/// The protocol usually spoken on a port when the code says no more than the number, with
/// whether it is encrypted by its definition (`None`: it depends): `22` is `ssh`. Readers name
/// a door on such a port by it, and a plain TCP door on a range of ports admits each protocol
/// whose port the range holds ([`crate::Flow::range_port_of`]).
pub const WELL_KNOWN_PORTS: &[(u16, &str, Option<bool>)] = &[
    (80, "http", Some(false)),
    (8080, "http", Some(false)),
    (443, "https", Some(true)),
    (8443, "https", Some(true)),
    (21, "ftp", Some(false)),
    (22, "ssh", Some(true)),
    (23, "telnet", Some(false)),
    (25, "smtp", None),
    (587, "smtp", None),
    (53, "dns", Some(false)),
    (389, "ldap", Some(false)),
    (636, "ldaps", Some(true)),
    (1433, "tds", None),
    (1521, "oracle", None),
    (2375, "docker-api", Some(false)),
    // Debuggers on their conventional ports: whoever attaches runs code in the process.
    (9229, "node-inspector", Some(false)),
    (5005, "jdwp", Some(false)),
    (3389, "rdp", None),
    (5985, "winrm", Some(false)),
    (5986, "winrm-tls", Some(true)),
    (9042, "cql", None),
    (2379, "etcd", None),
    (2376, "docker-api-tls", Some(true)),
    (3306, "mysql", None),
    (5432, "postgres", None),
    (5672, "amqp", Some(false)),
    (5671, "amqps", Some(true)),
    (6379, "redis", Some(false)),
    // Elasticsearch and OpenSearch: HTTP unless their image turns TLS on (`serving`).
    (9200, "http", Some(false)),
    (11211, "memcached", Some(false)),
    (27017, "mongodb", None),
];

/// A protocol name outside the vocabulary, lower-cased. Only [`Protocol::parse`] makes one,
/// so it never holds a name of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnlistedProtocol(Box<str>);

impl Protocol {
    /// Reads a protocol name as code writes it, in any case: the vocabulary's protocol of
    /// that name, else [`Protocol::Other`].
    pub fn parse(text: &str) -> Protocol {
        let lower = text.trim().to_ascii_lowercase();
        Protocol::known(&lower).unwrap_or_else(|| Protocol::Other(UnlistedProtocol(lower.into())))
    }

    /// Whether the protocol is of the vocabulary.
    pub fn is_known(&self) -> bool {
        !matches!(self, Protocol::Other(_))
    }

    /// Whether the protocol is encrypted by its own definition: `Some(false)` for those the
    /// vocabulary defines in clear text (`http`, `h2c`, `amqp`, `docker-api`, ...), `Some(true)`
    /// for those over TLS or SSH, `None` for those that negotiate TLS or run either way
    /// (`postgres`, `smtp`, `tcp`) and for names outside the vocabulary.
    pub fn encryption(&self) -> Option<bool> {
        use Protocol::*;
        match self {
            Http | H2c | Telnet | Ftp | Ldap | Winrm | DockerApi | Amqp | NodeInspector | Jdwp => {
                Some(false)
            }
            Https | Grpcs | Tls | Ssh | WinrmTls | Ldaps | DockerApiTls | Amqps => Some(true),
            _ => None,
        }
    }

    /// The well-known ports of the protocol ([`WELL_KNOWN_PORTS`]), in the table's order.
    pub fn well_known_ports(&self) -> impl Iterator<Item = u16> + '_ {
        WELL_KNOWN_PORTS
            .iter()
            .filter(move |(_, name, _)| *name == self.as_str())
            .map(|(port, _, _)| *port)
    }

    /// The protocol in words, for messages: `all traffic` for [`Protocol::All`], else its name.
    pub fn in_words(&self) -> &str {
        match self {
            Protocol::All => "all traffic",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Protocol {
    fn from(text: &str) -> Protocol {
        Protocol::parse(text)
    }
}

impl From<&String> for Protocol {
    fn from(text: &String) -> Protocol {
        Protocol::parse(text)
    }
}

impl From<String> for Protocol {
    fn from(text: String) -> Protocol {
        Protocol::parse(&text)
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Protocol, D::Error> {
        String::deserialize(deserializer).map(|text| Protocol::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_the_protocol_they_name() {
        for protocol in Protocol::VOCABULARY {
            assert_eq!(&Protocol::parse(protocol.as_str()), protocol);
            assert!(protocol.description().ends_with('.'));
        }
        assert_eq!(Protocol::parse("HTTPS"), Protocol::Https);
        let other = Protocol::parse("Kubernetes.io/WS");
        assert_eq!(other.as_str(), "kubernetes.io/ws");
        assert!(!other.is_known());
        assert_eq!(Protocol::parse(other.as_str()), other);
    }

    #[test]
    fn clear_text_and_tls_protocols_say_so() {
        assert_eq!(Protocol::Http.encryption(), Some(false));
        assert_eq!(Protocol::parse("AMQP").encryption(), Some(false));
        assert_eq!(Protocol::Https.encryption(), Some(true));
        assert_eq!(Protocol::Postgres.encryption(), None);
        assert_eq!(Protocol::parse("geneve").encryption(), None);
    }

    #[test]
    fn well_known_ports_name_protocols_of_the_vocabulary() {
        for (port, name, _) in WELL_KNOWN_PORTS {
            let protocol = Protocol::parse(name);
            assert!(protocol.is_known(), "{name}");
            assert!(protocol.well_known_ports().any(|p| p == *port));
        }
        assert_eq!(Protocol::Ssh.well_known_ports().collect::<Vec<_>>(), [22]);
        assert_eq!(Protocol::Tcp.well_known_ports().count(), 0);
    }

    #[test]
    fn all_traffic_is_said_in_words() {
        assert_eq!(Protocol::All.in_words(), "all traffic");
        assert_eq!(Protocol::Ssh.in_words(), "ssh");
    }
}

//! Ports a flow reaches its target on: a number, a range, every port, or a name whose number
//! the code does not give.
//!
//! A port is written in the snapshot and in flow ids as text: `80`, `8000-8010`, `all` for every
//! port (as snapshot version 1 wrote it, so flow ids, fingerprints and decisions that name an
//! all-traffic flow stay what they were), or the name as written (`http`, `${PORT}`). Reading
//! takes `*` (Azure's spelling) for every port too. A port *named* `all` or `*` would read as
//! every port: no format the scan reads names a port so (compose ports are numbers and
//! variables; a Kubernetes port named `all` is the one case, and is read as every port).

use crate::Tri;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How "every port" is written in the snapshot and in flow ids.
pub const EVERY_PORT: &str = "all";

/// An inclusive range of port numbers, `start <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    start: u16,
    end: u16,
}

impl PortRange {
    /// The range from `start` to `end` inclusive; `None` when `start > end`.
    pub fn new(start: u16, end: u16) -> Option<PortRange> {
        (start <= end).then_some(PortRange { start, end })
    }

    /// The range of one port.
    pub fn single(port: u16) -> PortRange {
        PortRange {
            start: port,
            end: port,
        }
    }

    /// The first port.
    pub fn start(self) -> u16 {
        self.start
    }

    /// The last port (inclusive).
    pub fn end(self) -> u16 {
        self.end
    }

    /// Whether `port` is in the range.
    pub fn contains(self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }

    /// Whether the two ranges share a port.
    pub fn overlaps(self, other: PortRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// Whether the range covers every usable port (`0-65535` or `1-65535`).
    pub fn is_every_port(self) -> bool {
        self.start <= 1 && self.end == u16::MAX
    }

    /// Reads `80` or `8000-8010`.
    pub fn parse(text: &str) -> Option<PortRange> {
        let number = |t: &str| {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.parse::<u16>().ok()
        };
        match text.split_once('-') {
            Some((a, b)) => PortRange::new(number(a)?, number(b)?),
            None => number(text).map(PortRange::single),
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// A port given by name or by an expression the scan does not resolve: a Kubernetes named
/// port (`http`), an unresolved compose variable (`${PORT}`). Never a number, a range, `all`
/// or `*`: [`Port::parse`] reads those as what they are.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortName(Box<str>);

impl PortName {
    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A port a flow reaches its target on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Port {
    /// One port or a range of ports, by number.
    Range(PortRange),
    /// Every port: a firewall rule for all traffic, or for the whole range of port numbers.
    Every,
    /// A port whose number the code does not give.
    Named(PortName),
}

impl Port {
    /// One port by number.
    pub fn number(port: u16) -> Port {
        Port::Range(PortRange::single(port))
    }

    /// The ports from `start` to `end` inclusive (in either order); the whole range of port
    /// numbers is [`Port::Every`].
    pub fn range(start: u16, end: u16) -> Port {
        let range = PortRange::new(start.min(end), start.max(end)).expect("ordered");
        if range.is_every_port() {
            Port::Every
        } else {
            Port::Range(range)
        }
    }

    /// Reads a port as code writes it: `80`, `8000-8010`, `all` or `*` for every port;
    /// anything else (a name, an unresolved variable) is a [`Port::Named`] port.
    pub fn parse(text: &str) -> Port {
        let text = text.trim();
        if text == EVERY_PORT || text == "*" {
            return Port::Every;
        }
        match PortRange::parse(text) {
            Some(range) => Port::range(range.start, range.end),
            None => Port::Named(PortName(text.into())),
        }
    }

    /// The port numbers, unless the port is every port or a name.
    pub fn numbers(&self) -> Option<PortRange> {
        match self {
            Port::Range(range) => Some(*range),
            Port::Every | Port::Named(_) => None,
        }
    }

    /// The single port number, when the port is one number.
    pub fn single(&self) -> Option<u16> {
        self.numbers().filter(|r| r.start == r.end).map(|r| r.start)
    }

    /// Whether a flow on this port may reach some port of `range`: yes or no for numbers,
    /// always yes for every port, unknown for a name.
    pub fn reaches(&self, range: PortRange) -> Tri {
        match self {
            Port::Range(own) => Tri::from_bool(own.overlaps(range)),
            Port::Every => Tri::Yes,
            Port::Named(_) => Tri::Unknown,
        }
    }

    /// The port in words, for messages: `22`, `8000-8010`, `every port`, `http`.
    pub fn in_words(&self) -> String {
        match self {
            Port::Every => "every port".to_string(),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Range(range) => range.fmt(f),
            Port::Every => f.write_str(EVERY_PORT),
            Port::Named(name) => f.write_str(&name.0),
        }
    }
}

impl From<u16> for Port {
    fn from(port: u16) -> Port {
        Port::number(port)
    }
}

impl From<&str> for Port {
    fn from(text: &str) -> Port {
        Port::parse(text)
    }
}

impl From<&String> for Port {
    fn from(text: &String) -> Port {
        Port::parse(text)
    }
}

impl From<String> for Port {
    fn from(text: String) -> Port {
        Port::parse(&text)
    }
}

impl Serialize for Port {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Port, D::Error> {
        String::deserialize(deserializer).map(|text| Port::parse(&text))
    }
}

/// The ports of a flow in words: `port 22`, `ports 80, 443`, `every port`.
pub fn ports_in_words(ports: &[Port]) -> Option<String> {
    match ports {
        [] => None,
        [Port::Every] => Some("every port".to_string()),
        [one] => Some(format!("port {one}")),
        several => Some(format!(
            "ports {}",
            several
                .iter()
                .map(Port::in_words)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_read_back_as_they_are_written() {
        for text in ["80", "8000-8010", "all", "http", "${PORT}"] {
            assert_eq!(Port::parse(text).to_string(), text);
        }
        assert_eq!(Port::parse("0-65535"), Port::Every);
        assert_eq!(Port::parse("1-65535"), Port::Every);
        assert_eq!(Port::parse("*"), Port::Every);
        assert_eq!(Port::parse("90-80").to_string(), "90-80", "not a range");
        assert_eq!(Port::parse("70000").to_string(), "70000");
        assert!(matches!(Port::parse("70000"), Port::Named(_)));
        assert_eq!(Port::range(90, 80).to_string(), "80-90");
    }

    #[test]
    fn a_port_reaches_a_range_by_number_every_port_always_a_name_maybe() {
        let ssh = PortRange::single(22);
        assert_eq!(Port::parse("20-30").reaches(ssh), Tri::Yes);
        assert_eq!(Port::number(80).reaches(ssh), Tri::No);
        assert_eq!(Port::Every.reaches(ssh), Tri::Yes);
        assert_eq!(Port::parse("ssh").reaches(ssh), Tri::Unknown);
    }

    #[test]
    fn ports_in_words_say_every_port() {
        assert_eq!(
            ports_in_words(&[Port::Every]).as_deref(),
            Some("every port")
        );
        assert_eq!(
            ports_in_words(&[Port::number(80), Port::number(443)]).as_deref(),
            Some("ports 80, 443")
        );
        assert_eq!(ports_in_words(&[]), None);
    }
}

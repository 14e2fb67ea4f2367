//! Network ACLs: the stateless filters on subnets (`aws_network_acl` with its inline `ingress`
//! blocks and subnets, `aws_network_acl_rule`, `aws_network_acl_association`, and
//! `aws_default_network_acl` for the subnets it lists). A NACL never opens a door (security
//! groups do); it closes one: the internet's door on a port into an element is closed when,
//! in every subnet the element is in, the NACL's ingress rules deny every address
//! (`0.0.0.0/0`) on the whole port range before any rule that allows part of the internet on
//! it, or no rule allows it at all (the implicit deny). A rule whose number, action, protocol,
//! ports or addresses are not known statically counts as allowing (a deny whose number is not
//! known may come after an allow, so it closes nothing); a subnet with no NACL of the code, one
//! the code does not list (the VPC's default NACL), a NACL whose ingress the code does not
//! write, or any NACL when an ingress rule names one the code does not resolve, closes nothing.

use crate::catalog::Entry;
use crate::cloud::{Index, at, port_number};
use crate::value::{Resource, Value};
use std::collections::BTreeMap;

/// One ingress rule of a NACL, as far as it is known.
struct AclRule {
    number: Option<i64>,
    /// `Some(true)` allow, `Some(false)` deny, `None` not known.
    allow: Option<bool>,
    /// The protocol, normalised (`all`, `tcp`, `udp`, `icmp`, a number); `None` not known.
    protocol: Option<String>,
    from_port: Option<i64>,
    to_port: Option<i64>,
    /// Its IPv4 range as written; `None` for an IPv6 rule or a range not known.
    cidr: Option<String>,
}

/// A protocol as NACLs and security groups write it, normalised.
fn protocol_name(text: &str) -> String {
    match text.to_ascii_lowercase().as_str() {
        "-1" | "all" => "all".to_string(),
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "1" => "icmp".to_string(),
        other => other.to_string(),
    }
}

/// Whether an IPv4 range is private (RFC 1918): allowing it admits no one from the internet.
fn private_range(cidr: &str) -> bool {
    let Some((address, bits)) = cidr.split_once('/') else {
        return false;
    };
    let Ok(bits) = bits.parse::<u8>() else {
        return false;
    };
    let octets: Vec<u8> = address.split('.').filter_map(|o| o.parse().ok()).collect();
    match octets.as_slice() {
        [10, ..] => bits >= 8,
        [172, second, ..] => (16..32).contains(second) && bits >= 12,
        [192, 168, ..] => bits >= 16,
        _ => false,
    }
}

impl AclRule {
    fn read(body: &Value, number: &str, action: &str) -> AclRule {
        AclRule {
            number: port_number(body.get(number)),
            allow: match body.get(action).and_then(Value::as_str) {
                Some(a) if a.eq_ignore_ascii_case("allow") => Some(true),
                Some(a) if a.eq_ignore_ascii_case("deny") => Some(false),
                _ => None,
            },
            protocol: body
                .get("protocol")
                .and_then(|p| p.as_str().map(str::to_string).or_else(|| port_text(p)))
                .map(|p| protocol_name(&p)),
            from_port: port_number(body.get("from_port")),
            to_port: port_number(body.get("to_port")),
            cidr: body
                .get("cidr_block")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }

    /// The ports it applies to, for a protocol with ports; every port for `all`.
    fn ports(&self) -> Option<(i64, i64)> {
        if self.protocol.as_deref() == Some("all") {
            return Some((0, 65535));
        }
        Some((self.from_port?, self.to_port?))
    }

    /// Whether it may admit some of the internet's traffic on the door's protocol and ports.
    fn may_admit(&self, door: &DoorPorts) -> bool {
        if self.allow == Some(false) {
            return false;
        }
        if self.cidr.as_deref().is_some_and(private_range) {
            return false;
        }
        let protocol_overlaps = match self.protocol.as_deref() {
            None | Some("all") => true,
            Some(p) => door.protocol == "all" || p == door.protocol,
        };
        let ports_overlap = self
            .ports()
            .is_none_or(|(from, to)| from <= door.to && door.from <= to);
        protocol_overlaps && ports_overlap
    }

    /// Whether it denies every address on all of the door's protocol and ports.
    fn denies_all_of(&self, door: &DoorPorts) -> bool {
        let protocol_covers = match self.protocol.as_deref() {
            Some("all") => true,
            Some(p) => p == door.protocol,
            None => false,
        };
        self.allow == Some(false)
            && self.cidr.as_deref() == Some("0.0.0.0/0")
            && protocol_covers
            && self
                .ports()
                .is_some_and(|(from, to)| from <= door.from && door.to <= to)
    }
}

/// A number written as a number (`protocol = 6`).
fn port_text(value: &Value) -> Option<String> {
    port_number(Some(value)).map(|n| n.to_string())
}

/// The protocol and port range of a door, normalised.
pub(super) struct DoorPorts {
    protocol: String,
    from: i64,
    to: i64,
}

impl DoorPorts {
    /// A security group rule's protocol and ports; `None` when its ports are not known.
    pub(super) fn new(protocol: &str, from: Option<i64>, to: Option<i64>) -> Option<DoorPorts> {
        let protocol = protocol_name(protocol);
        let (from, to) = if protocol == "all" {
            (0, 65535)
        } else {
            (from?, to?)
        };
        Some(DoorPorts { protocol, from, to })
    }
}

/// The NACLs of the code, with their ingress rules, and the subnets associated with each.
pub(super) struct Nacls {
    /// Each NACL's ingress rules, by address, for the NACLs whose ingress the code writes
    /// (inline `ingress` blocks, rules of its own, or the default NACL, whose rules Terraform
    /// replaces with what is written). A NACL that writes none may get its rules elsewhere
    /// (`ingress` is optional and computed): it closes nothing.
    rules: BTreeMap<String, Vec<AclRule>>,
    /// The NACL of each subnet, by subnet address.
    of_subnet: BTreeMap<String, String>,
    /// An ingress rule names a NACL the code does not resolve: it may allow on any of them,
    /// so none closes a door.
    stray_rules: bool,
}

impl Nacls {
    pub(super) fn read(index: &Index) -> Nacls {
        let mut rules: BTreeMap<String, Vec<AclRule>> = BTreeMap::new();
        let mut of_subnet = BTreeMap::new();
        let acl_kinds = ["aws_network_acl", "aws_default_network_acl"];
        let mut stray_rules = false;
        for acl in index.of_kinds(&acl_kinds) {
            let inline: Vec<AclRule> = acl
                .body
                .all("ingress")
                .into_iter()
                .map(|block| AclRule::read(block, "rule_no", "action"))
                .collect();
            if !inline.is_empty() || acl.kind == "aws_default_network_acl" {
                rules.insert(acl.address.clone(), inline);
            }
            for subnet in index.arg(&acl.body, "subnet_ids") {
                of_subnet.insert(subnet.address.clone(), acl.address.clone());
            }
        }
        for rule in index.of_kind("aws_network_acl_rule") {
            let egress = rule.body.get("egress");
            if egress.and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let read = AclRule::read(&rule.body, "rule_number", "rule_action");
            // A rule that may be an egress rule can only open, never close.
            if egress.is_some_and(|e| e.as_bool().is_none()) && read.allow != Some(true) {
                continue;
            }
            let acls = index.arg(&rule.body, "network_acl_id");
            if acls.is_empty() {
                stray_rules = true;
            }
            for acl in acls {
                rules
                    .entry(acl.address.clone())
                    .or_default()
                    .push(AclRule::read(&rule.body, "rule_number", "rule_action"));
            }
        }
        for association in index.of_kind("aws_network_acl_association") {
            for acl in index.arg(&association.body, "network_acl_id") {
                for subnet in index.arg(&association.body, "subnet_id") {
                    of_subnet.insert(subnet.address.clone(), acl.address.clone());
                }
            }
        }
        Nacls {
            rules,
            of_subnet,
            stray_rules,
        }
    }

    /// Whether a subnet's NACL keeps the internet out on the door's protocol and ports: a deny
    /// of every address comes first, or nothing allows it (the implicit deny).
    fn closes_subnet(&self, subnet: &str, door: &DoorPorts) -> bool {
        if self.stray_rules {
            return false;
        }
        let Some(rules) = self.of_subnet.get(subnet).and_then(|a| self.rules.get(a)) else {
            return false;
        };
        let mut ordered: Vec<&AclRule> = rules.iter().collect();
        // A rule whose number is not known may come first when it allows, and last when it
        // denies: it never closes a door.
        ordered.sort_by_key(|r| r.number.unwrap_or(i64::MIN));
        for rule in ordered {
            if rule.may_admit(door) {
                return false;
            }
            if rule.number.is_some() && rule.denies_all_of(door) {
                return true;
            }
        }
        true
    }

    /// Whether the NACLs of every subnet an element is placed in keep the internet out on the
    /// door's protocol and ports; false when its subnets are not known.
    pub(super) fn close(
        &self,
        index: &Index,
        r: &Resource,
        entry: &Entry,
        door: &DoorPorts,
    ) -> bool {
        let subnets: Vec<&Resource> = entry
            .placement
            .iter()
            .find_map(|path| at(&r.body, path))
            .map(|v| index.placed_in(v))
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.kind == "aws_subnet")
            .collect();
        !subnets.is_empty() && subnets.iter().all(|s| self.closes_subnet(&s.address, door))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(number: Option<i64>, allow: Option<bool>, cidr: &str, ports: (i64, i64)) -> AclRule {
        AclRule {
            number,
            allow,
            protocol: Some("tcp".into()),
            from_port: Some(ports.0),
            to_port: Some(ports.1),
            cidr: Some(cidr.into()),
        }
    }

    #[test]
    fn only_a_deny_of_everyone_over_the_whole_range_closes_a_door() {
        let ssh = DoorPorts::new("6", Some(22), Some(22)).unwrap();
        assert!(rule(Some(1), Some(false), "0.0.0.0/0", (0, 1024)).denies_all_of(&ssh));
        assert!(!rule(Some(1), Some(false), "0.0.0.0/0", (23, 1024)).denies_all_of(&ssh));
        assert!(!rule(Some(1), Some(false), "203.0.113.0/24", (22, 22)).denies_all_of(&ssh));
        // Allowing the VPC's private range admits no one from the internet; a public range or
        // an action not known does.
        assert!(!rule(Some(1), Some(true), "10.0.0.0/16", (22, 22)).may_admit(&ssh));
        assert!(!rule(Some(1), Some(true), "172.20.0.0/16", (22, 22)).may_admit(&ssh));
        assert!(rule(Some(1), Some(true), "172.32.0.0/16", (22, 22)).may_admit(&ssh));
        assert!(rule(Some(1), None, "0.0.0.0/0", (22, 22)).may_admit(&ssh));
        assert!(!rule(Some(1), Some(true), "0.0.0.0/0", (80, 443)).may_admit(&ssh));
        // A door whose ports are not known is never closed.
        assert!(DoorPorts::new("tcp", None, Some(22)).is_none());
        assert!(DoorPorts::new("-1", None, None).is_some());
    }
}

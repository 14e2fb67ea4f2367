//! The `ports:` syntax: `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]` and the long form.

/// Where a published port listens on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    /// Every interface (no host IP, `0.0.0.0`, `::`, or a routable address).
    AllInterfaces,
    /// Loopback only: reachable from the host, not from the network.
    Loopback,
    /// The host IP is a variable that cannot be resolved.
    Unknown,
}

/// One published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedPort {
    /// Where it listens on the host; `None` when the port is not published (`expose` style).
    pub bind: Option<Bind>,
    /// The container port or range, as written.
    pub target: String,
    /// The transport (`tcp` unless `/udp`).
    pub transport: String,
}

/// Classifies a host IP.
pub fn bind_of(host_ip: &str) -> Bind {
    let ip = host_ip.trim_start_matches('[').trim_end_matches(']');
    if ip.contains('$') {
        Bind::Unknown
    } else if ip.starts_with("127.") || ip == "::1" || ip == "localhost" {
        Bind::Loopback
    } else {
        Bind::AllInterfaces
    }
}

/// Parses the short syntax. Returns `None` when the text is not a port mapping.
pub fn parse_short(text: &str) -> Option<PublishedPort> {
    let (mapping, transport) = match text.rsplit_once('/') {
        Some((m, t)) => (m, t.to_ascii_lowercase()),
        None => (text, "tcp".to_string()),
    };
    let (host_ip, rest) = if let Some(stripped) = mapping.strip_prefix('[') {
        let (ip, rest) = stripped.split_once(']')?;
        (Some(ip.to_string()), rest.strip_prefix(':')?.to_string())
    } else {
        (None, mapping.to_string())
    };
    let parts = split_outside_variables(&rest);
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let (ip, host_port, target) = match (host_ip, parts.as_slice()) {
        (Some(ip), [h, t]) => (Some(ip), Some(*h), *t),
        (Some(ip), [t]) => (Some(ip), None, *t),
        (None, [t]) => (None, None, *t),
        (None, [h, t]) => (None, Some(*h), *t),
        (None, [ip, h, t]) => (Some(ip.to_string()), Some(*h), *t),
        // An IPv6 address without brackets: everything before the last two parts.
        (None, many) if many.len() > 3 => {
            let n = many.len();
            (
                Some(many[..n - 2].join(":")),
                Some(many[n - 2]),
                many[n - 1],
            )
        }
        _ => return None,
    };
    let valid = |p: &str| {
        !p.is_empty()
            && (p.contains('$')
                || p.split('-')
                    .all(|x| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit())))
    };
    if !valid(target) || host_port.is_some_and(|h| !h.is_empty() && !valid(h)) {
        return None;
    }
    // A container port alone is still published, on a random host port of every interface;
    // but a lone unresolved variable may stand for a whole `IP:HOST:CONTAINER` mapping.
    let bind = match (ip.as_deref(), host_port) {
        (Some(ip), _) => Some(bind_of(ip)),
        (None, None) if target.contains('$') => Some(Bind::Unknown),
        (None, _) => Some(Bind::AllInterfaces),
    };
    Some(PublishedPort {
        bind,
        target: target.to_string(),
        transport,
    })
}

/// Splits on `:` except inside an unresolved `${...}`, whose operators (`:-`, `:?`) hold colons.
fn split_outside_variables(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    let mut previous = '\0';
    for c in text.chars() {
        match c {
            '{' if previous == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => {
                parts.push(String::new());
                previous = c;
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
        previous = c;
    }
    parts
}

/// The first port number of a port or range (`8000-8010` → 8000).
pub fn first_port(text: &str) -> Option<u16> {
    text.split('-').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_syntax_forms() {
        let p = parse_short("127.0.0.1:8080:80").unwrap();
        assert_eq!((p.bind, p.target.as_str()), (Some(Bind::Loopback), "80"));
        let p = parse_short("8080:80/udp").unwrap();
        assert_eq!(
            (p.bind, p.transport.as_str()),
            (Some(Bind::AllInterfaces), "udp")
        );
        assert_eq!(parse_short("3000").unwrap().bind, Some(Bind::AllInterfaces));
        assert_eq!(
            parse_short("[::1]:5432:5432").unwrap().bind,
            Some(Bind::Loopback)
        );
        assert_eq!(
            parse_short("::1:5432:5432").unwrap().bind,
            Some(Bind::Loopback)
        );
        assert_eq!(
            parse_short("${BIND}:80:80").unwrap().bind,
            Some(Bind::Unknown)
        );
        assert_eq!(
            parse_short("9000-9001:9000-9001").unwrap().target,
            "9000-9001"
        );
        assert!(parse_short("not a port").is_none());
        assert_eq!(parse_short("${PUBLISH}").unwrap().bind, Some(Bind::Unknown));
        let p = parse_short("${WEB_PORT:?set it}:8080").unwrap();
        assert_eq!(
            (p.bind, p.target.as_str()),
            (Some(Bind::AllInterfaces), "8080")
        );
    }
}

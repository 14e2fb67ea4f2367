//! AWS entry points: load-balancer listeners and their backends, CloudFront distributions,
//! API Gateway methods, routes and integrations, EKS API endpoints, public S3 buckets (ACLs and
//! bucket policies), Lambda function URLs and managed endpoints (Transfer Family servers,
//! CloudSearch domains, Cognito identity pools open to guests, search domains outside a VPC),
//! database snapshots shared with every account, each a door from the internet at the line
//! that opens it.

use crate::catalog::Entry;
use crate::cloud::{
    Door, Index, api_server_door, at, id, listener_encryption, port_text, public_data_door,
};
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{AttrName, ElementId, Flow, Span, Tri};

/// Where a listener writes its protocol and port: `lb_protocol`/`lb_port` in a classic ELB's
/// inline block, `protocol`/`port` in an `aws_lb_listener`.
struct ListenerKeys {
    protocol: &'static str,
    port: &'static str,
}

/// The door a listener opens from the internet (none when its balancer is internal), on the
/// line of its protocol. Both kinds of listener default to HTTP.
fn listener_door(
    root: &str,
    balancer: &Resource,
    listener: &Value,
    keys: ListenerKeys,
    public: Tri,
) -> Option<Flow> {
    if public == Tri::No {
        return None;
    }
    let written = listener.get(keys.protocol);
    let protocol = written
        .and_then(Value::as_str)
        .unwrap_or("http")
        .to_ascii_lowercase();
    let encrypted = listener_encryption(&protocol);
    let door = Door {
        target: &balancer.address,
        encrypted: Some(encrypted),
        protocol: Some(protocol),
        port: port_text(listener.get(keys.port)),
        origin: "listener",
        span: written.map_or_else(|| listener.span().clone(), |v| v.span().clone()),
        public,
        authenticated: None,
    };
    let mut flow = door.flow(root);
    if encrypted == Tri::Yes {
        // Without `ssl_policy` the provider leaves the choice to AWS, whose default has
        // changed over time: unknown.
        let policy = listener.get("ssl_policy");
        let outdated = policy
            .and_then(Value::as_str)
            .map_or(Tri::Unknown, elb_policy_outdated);
        flow.attributes.set_flag(
            AttrName::OutdatedTls,
            outdated,
            policy.map(|p| p.span().clone()),
        );
    }
    Some(flow)
}

/// Whether an Elastic Load Balancing security policy still accepts TLS 1.0 or 1.1: the
/// predefined policies name their lowest version (`ELBSecurityPolicy-TLS13-1-2-2021-06`), and
/// the older undated-version ones (`ELBSecurityPolicy-2016-08`, `-2015-05`, `-FS-2018-06`) accept
/// TLS 1.0. A policy of another naming is unknown.
fn elb_policy_outdated(policy: &str) -> Tri {
    const OUTDATED: &[&str] = &[
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-FS-2018-06",
    ];
    const WEAK_MARKS: &[&str] = &["TLS-1-0", "TLS-1-1", "TLS13-1-0", "TLS13-1-1", "FS-1-1"];
    const STRONG_MARKS: &[&str] = &["TLS-1-2", "TLS13-1-2", "TLS13-1-3", "FS-1-2"];
    if OUTDATED.contains(&policy) || WEAK_MARKS.iter().any(|m| policy.contains(m)) {
        Tri::Yes
    } else if STRONG_MARKS.iter().any(|m| policy.contains(m)) {
        Tri::No
    } else {
        Tri::Unknown
    }
}

/// Whether a classic load balancer's TLS listener on `port` accepts TLS 1.0 or 1.1: the SSL
/// negotiation policy a listener policy attaches to that port (`aws_load_balancer_policy`),
/// else AWS's default for such listeners, `ELBSecurityPolicy-2016-08`, which does. Unknown when
/// a listener policy of the code may be this listener's but names a policy not defined here.
fn classic_listener_tls(
    index: &Index,
    balancer: &Resource,
    port: Option<i64>,
) -> (Tri, Option<Span>) {
    let mut maybe_other = false;
    for attachment in index.of_kind("aws_load_balancer_listener_policy") {
        let balancers = index.arg(&attachment.body, "load_balancer_name");
        if !balancers.is_empty() && !balancers.iter().any(|b| b.address == balancer.address) {
            continue;
        }
        let attached = crate::cloud::port_number(attachment.body.get("load_balancer_port"));
        match (attached, port) {
            (Some(a), Some(b)) if a != b => continue,
            (Some(_), Some(_)) if !balancers.is_empty() => {}
            // Its balancer or one of the ports is not known: it may be this listener's.
            _ => {
                maybe_other = true;
                continue;
            }
        }
        let policies = index.arg(&attachment.body, "policy_names");
        if let Some(policy) = policies.iter().find(|p| {
            p.body.get("policy_type_name").and_then(Value::as_str)
                == Some("SSLNegotiationPolicyType")
        }) {
            return negotiation_policy_tls(policy);
        }
        // It names policies not defined here, one of which may be an SSL negotiation policy.
        let named = attachment.body.get("policy_names");
        if named.is_some_and(|n| n.is_unknown() || n.items().len() > policies.len()) {
            maybe_other = true;
        }
    }
    if maybe_other {
        (Tri::Unknown, None)
    } else {
        (Tri::Yes, None)
    }
}

/// Whether a classic load balancer's SSL negotiation policy accepts TLS 1.0 or 1.1: the
/// predefined policy it references, else the protocols it turns on (`Protocol-TLSv1`,
/// `Protocol-TLSv1.1`, `Protocol-SSLv3`; a custom policy offers none it does not turn on), at
/// the value that decides.
fn negotiation_policy_tls(policy: &Resource) -> (Tri, Option<Span>) {
    let attributes = policy.body.all("policy_attribute");
    let value_of = |name: &str| {
        attributes
            .iter()
            .find(|a| a.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|a| a.get("value"))
    };
    if let Some(reference) = value_of("Reference-Security-Policy") {
        let outdated = reference.as_str().map_or(Tri::Unknown, elb_policy_outdated);
        return (outdated, Some(reference.span().clone()));
    }
    let weak = ["Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1"]
        .iter()
        .filter_map(|name| value_of(name))
        .find(|v| v.as_bool() != Some(false));
    if let Some(value) = weak {
        let outdated = if value.as_bool() == Some(true) {
            Tri::Yes
        } else {
            Tri::Unknown
        };
        return (outdated, Some(value.span().clone()));
    }
    // A custom policy offers only the protocols it turns on.
    match [
        "Protocol-TLSv1.2",
        "Protocol-SSLv3",
        "Protocol-TLSv1",
        "Protocol-TLSv1.1",
    ]
    .iter()
    .find_map(|name| value_of(name))
    {
        Some(written) => (Tri::No, Some(written.span().clone())),
        None => (Tri::Unknown, Some(policy.span.clone())),
    }
}

/// Whether a CloudFront distribution's viewer TLS accepts versions before 1.2: a written
/// `minimum_protocol_version` says; the default certificate always allows TLS 1.0.
fn cloudfront_outdated_tls(distribution: &Resource) -> (Tri, Option<Span>) {
    let Some(certificate) = distribution
        .body
        .all("viewer_certificate")
        .into_iter()
        .next()
    else {
        return (Tri::Unknown, None);
    };
    // The default certificate allows TLS 1.0 whatever minimum is written.
    if let Some(default) = certificate
        .get("cloudfront_default_certificate")
        .filter(|d| d.as_bool() == Some(true))
    {
        return (Tri::Yes, Some(default.span().clone()));
    }
    if let Some(version) = certificate.get("minimum_protocol_version") {
        let outdated = match version.as_str() {
            Some(v) if v.starts_with("TLSv1.2") || v.starts_with("TLSv1.3") => Tri::No,
            Some("SSLv3" | "TLSv1" | "TLSv1_2016" | "TLSv1.1_2016") => Tri::Yes,
            _ => Tri::Unknown,
        };
        return (outdated, Some(version.span().clone()));
    }
    // A custom certificate without a minimum gets `TLSv1`.
    if certificate.get("acm_certificate_arn").is_some()
        || certificate.get("iam_certificate_id").is_some()
    {
        return (Tri::Yes, Some(certificate.span().clone()));
    }
    (Tri::Unknown, None)
}

/// The listeners that listener rules extend.
#[derive(Default)]
struct ListenerRules<'r> {
    listeners: BTreeSet<&'r str>,
    /// Some rule's listener is not known statically.
    unknown: bool,
}

/// Listeners of load balancers are doors from the internet (when the balancer is public);
/// target-group attachments and ECS services behind them are its backends.
pub(super) fn load_balancers(
    index: &Index,
    elements: &BTreeMap<String, (&Resource, &Entry)>,
    publics: &BTreeMap<String, Tri>,
    root: &str,
    flows: &mut Vec<Flow>,
) {
    // Classic load balancers: inline `listener` blocks and `instances`.
    for balancer in index.of_kind("aws_elb") {
        let public = publics
            .get(&balancer.address)
            .copied()
            .unwrap_or(Tri::Unknown);
        for listener in balancer.body.all("listener") {
            let keys = ListenerKeys {
                protocol: "lb_protocol",
                port: "lb_port",
            };
            let mut door = listener_door(root, balancer, listener, keys, public);
            if let Some(flow) = door
                .as_mut()
                .filter(|f| f.attributes.flag(AttrName::EncryptedInTransit) == Tri::Yes)
            {
                let port = crate::cloud::port_number(listener.get("lb_port"));
                let (outdated, span) = classic_listener_tls(index, balancer, port);
                flow.attributes
                    .set_flag(AttrName::OutdatedTls, outdated, span);
            }
            flows.extend(door);
            let instance_port = port_text(listener.get("instance_port"));
            let instance_protocol = listener
                .get("instance_protocol")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase);
            for target in index.arg(&balancer.body, "instances") {
                if elements.contains_key(&target.address) {
                    flows.push(Flow::new(
                        ElementId(id(root, &balancer.address)),
                        ElementId(id(root, &target.address)),
                        instance_protocol.clone(),
                        instance_port.clone().into_iter().collect(),
                        "elb-instances",
                        Some(listener.span().clone()),
                    ));
                }
            }
        }
    }
    // Which listeners have rules of their own (some rule's listener may be unknown).
    let mut rules_of = ListenerRules::default();
    for rule in index.of_kinds(&["aws_lb_listener_rule", "aws_alb_listener_rule"]) {
        let listeners = index.arg(&rule.body, "listener_arn");
        rules_of.unknown |= listeners.is_empty();
        rules_of
            .listeners
            .extend(listeners.iter().map(|l| l.address.as_str()));
    }
    let mut balancer_of_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for listener in index.of_kinds(&["aws_lb_listener", "aws_alb_listener"]) {
        let Some(balancer) = listener
            .body
            .get("load_balancer_arn")
            .and_then(|v| index.resolve_all(v).first().copied())
        else {
            continue;
        };
        let public = publics
            .get(&balancer.address)
            .copied()
            .unwrap_or(Tri::Unknown);
        let keys = ListenerKeys {
            protocol: "protocol",
            port: "port",
        };
        let mut door = listener_door(root, balancer, &listener.body, keys, public);
        // A listener whose only action redirects to HTTPS, with no rules of its own, serves
        // nothing in plain HTTP but the redirect.
        let actions = listener.body.all("default_action");
        let redirects = !actions.is_empty()
            && actions.iter().all(|a| {
                a.get("type").and_then(Value::as_str) == Some("redirect")
                    && at(a, &["redirect".into(), "protocol".into()])
                        .and_then(Value::as_str)
                        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
            });
        // Rules of this listener, or rules whose listener is not known (they may be its).
        let has_rules = rules_of.unknown || rules_of.listeners.contains(listener.address.as_str());
        // Requests that come in plain HTTP are sent to TLS before any reaches the backends:
        // the traffic this door lets in is encrypted.
        if let Some(flow) = door.as_mut().filter(|_| redirects && !has_rules) {
            let span = Some(actions[0].span().clone());
            flow.attributes
                .set_flag(AttrName::RedirectsToTls, Tri::Yes, span.clone());
            flow.attributes
                .set_flag(AttrName::EncryptedInTransit, Tri::Yes, span);
        }
        flows.extend(door);
        for action in listener.body.all("default_action") {
            for group in index.arg(action, "target_group_arn") {
                balancer_of_group
                    .entry(group.address.clone())
                    .or_default()
                    .push(balancer.address.clone());
            }
        }
    }
    let mut backend = |group_value: Option<&Value>, target: &Resource, span: Span| {
        for group in group_value
            .map(|v| index.resolve_all(v))
            .unwrap_or_default()
        {
            for balancer in balancer_of_group
                .get(&group.address)
                .cloned()
                .unwrap_or_default()
            {
                if elements.contains_key(&target.address) {
                    let port = port_text(group.body.get("port"));
                    let protocol = group
                        .body
                        .get("protocol")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase);
                    flows.push(Flow::new(
                        ElementId(id(root, &balancer)),
                        ElementId(id(root, &target.address)),
                        protocol,
                        port.into_iter().collect(),
                        "target-group",
                        Some(span.clone()),
                    ));
                }
            }
        }
    };
    for attachment in index.of_kinds(&[
        "aws_lb_target_group_attachment",
        "aws_alb_target_group_attachment",
    ]) {
        for target in index.arg(&attachment.body, "target_id") {
            backend(
                attachment.body.get("target_group_arn"),
                target,
                attachment.span.clone(),
            );
        }
    }
    for service in index.of_kind("aws_ecs_service") {
        for block in service.body.all("load_balancer") {
            backend(block.get("target_group_arn"), service, block.span().clone());
        }
    }
    for group in index.of_kind("aws_autoscaling_group") {
        let span = group
            .body
            .get("target_group_arns")
            .map_or_else(|| group.span.clone(), |v| v.span().clone());
        backend(group.body.get("target_group_arns"), group, span);
    }
}

/// CloudFront distributions take traffic from the internet (HTTP too unless every cache
/// behavior redirects or refuses it) and forward to their origins; API Gateway APIs take
/// requests on their routes and methods, authenticated or not.
pub(super) fn edges(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    // Edges are public by nature and speak TLS unless a policy allows plain HTTP.
    let door = |target: &Resource,
                protocol: &str,
                port: &str,
                encrypted: Tri,
                authenticated: Option<Tri>,
                span: Span,
                origin: &'static str| {
        Door {
            target: &target.address,
            protocol: Some(protocol.to_string()),
            port: Some(port.to_string()),
            origin,
            span,
            public: Tri::Yes,
            encrypted: Some(encrypted),
            authenticated,
        }
        .flow(root)
    };
    for distribution in index.of_kind("aws_cloudfront_distribution") {
        let behaviors: Vec<&Value> = distribution
            .body
            .all("default_cache_behavior")
            .into_iter()
            .chain(distribution.body.all("ordered_cache_behavior"))
            .collect();
        let plaintext = behaviors
            .iter()
            .filter_map(|b| b.get("viewer_protocol_policy"))
            .find(|p| p.as_str() == Some("allow-all"));
        let mut https = door(
            distribution,
            "https",
            "443",
            Tri::Yes,
            None,
            distribution.span.clone(),
            "cloudfront",
        );
        let (outdated, span) = cloudfront_outdated_tls(distribution);
        https
            .attributes
            .set_flag(AttrName::OutdatedTls, outdated, span);
        flows.push(https);
        if let Some(policy) = plaintext {
            flows.push(door(
                distribution,
                "http",
                "80",
                Tri::No,
                None,
                policy.span().clone(),
                "cloudfront",
            ));
        }
        for origin in distribution.body.all("origin") {
            for target in index.arg(origin, "domain_name") {
                flows.push(Flow::new(
                    ElementId(id(root, &distribution.address)),
                    ElementId(id(root, &target.address)),
                    Some("https".into()),
                    vec![],
                    "cloudfront-origin",
                    Some(origin.span().clone()),
                ));
            }
        }
    }
    let domains = rest_api_domains(index);
    // REST APIs: a method with `authorization = "NONE"` is open; HTTP APIs: a route without
    // an authorizer. An API's reach (its endpoint types and policies) is read once for all of
    // its methods.
    let mut reaches: std::collections::HashMap<&str, Tri> = std::collections::HashMap::new();
    for method in index.of_kind("aws_api_gateway_method") {
        let Some(api) = index.arg(&method.body, "rest_api_id").into_iter().next() else {
            continue;
        };
        // A PRIVATE endpoint answers only inside the VPC, and a resource policy may admit
        // only a VPC endpoint or known addresses: no door from the internet.
        let reach = *reaches
            .entry(api.address.as_str())
            .or_insert_with(|| crate::access::rest_api_reach(api, index));
        if reach == Tri::No {
            continue;
        }
        let auth = method.body.get("authorization");
        let open = auth
            .and_then(Value::as_str)
            .map(|a| a.eq_ignore_ascii_case("NONE"));
        let authenticated = match open {
            Some(true) => Tri::No,
            Some(false) => Tri::Yes,
            None => Tri::Unknown,
        };
        let span = auth.map_or_else(|| method.span.clone(), |v| v.span().clone());
        let verb = method
            .body
            .get("http_method")
            .and_then(Value::as_str)
            .unwrap_or("ANY");
        let mut flow = door(
            api,
            "https",
            "443",
            Tri::Yes,
            Some(authenticated),
            span,
            "api-method",
        );
        flow.id.0.push_str(&format!(" {verb} {}", method.address));
        if reach == Tri::Unknown {
            flow.attributes
                .set_flag(AttrName::Public, Tri::Unknown, Some(api.span.clone()));
        }
        if let Some((outdated, span)) = domains.get(&api.address) {
            flow.attributes
                .set_flag(AttrName::OutdatedTls, *outdated, Some(span.clone()));
        }
        flows.push(flow);
    }
    // Integrations: the API forwards to the function (or other backend) they name.
    for (kind, api_key, uri_key) in [
        ("aws_api_gateway_integration", "rest_api_id", "uri"),
        ("aws_apigatewayv2_integration", "api_id", "integration_uri"),
    ] {
        for integration in index.of_kind(kind) {
            for api in index.arg(&integration.body, api_key) {
                for backend in index.arg(&integration.body, uri_key) {
                    flows.push(Flow::new(
                        ElementId(id(root, &api.address)),
                        ElementId(id(root, &backend.address)),
                        Some("https".into()),
                        vec![],
                        "api-integration",
                        Some(integration.span.clone()),
                    ));
                }
            }
        }
    }
    for route in index.of_kind("aws_apigatewayv2_route") {
        let Some(api) = index.arg(&route.body, "api_id").into_iter().next() else {
            continue;
        };
        let auth = route.body.get("authorization_type");
        let authenticated = match auth.and_then(Value::as_str) {
            Some("NONE") | None => Tri::No,
            Some(_) => Tri::Yes,
        };
        let span = auth
            .or_else(|| route.body.get("route_key"))
            .map_or_else(|| route.span.clone(), |v| v.span().clone());
        let mut flow = door(
            api,
            "https",
            "443",
            Tri::Yes,
            Some(authenticated),
            span,
            "api-route",
        );
        flow.id.0.push_str(&format!(" {}", route.address));
        flows.push(flow);
    }
}

/// REST APIs served on a custom domain (`aws_api_gateway_base_path_mapping`) whose security
/// policy accepts TLS 1.0 (`security_policy = "TLS_1_0"`), by API: whether it does, at the
/// policy. A domain that does not say is left to AWS's default, not known here.
fn rest_api_domains(index: &Index) -> BTreeMap<String, (Tri, Span)> {
    let mut domains = BTreeMap::new();
    for mapping in index.of_kind("aws_api_gateway_base_path_mapping") {
        for domain in index.arg(&mapping.body, "domain_name") {
            let Some(policy) = domain.body.get("security_policy") else {
                continue;
            };
            let outdated = match policy.as_str() {
                Some("TLS_1_0") => Tri::Yes,
                Some(p) if p.starts_with("TLS_1_2") || p.contains("TLS13") => Tri::No,
                _ => Tri::Unknown,
            };
            for api in index.arg(&mapping.body, "api_id") {
                domains
                    .entry(api.address.clone())
                    .or_insert((outdated, policy.span().clone()));
            }
        }
    }
    domains
}

/// An EKS cluster's API endpoint is public unless `endpoint_public_access = false`, and open to
/// the whole internet unless `public_access_cidrs` narrows it.
pub(super) fn eks_endpoints(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for cluster in index.of_kind("aws_eks_cluster") {
        let config = cluster.body.all("vpc_config").into_iter().next();
        let access = config.and_then(|c| c.get("endpoint_public_access"));
        let cidrs = config.and_then(|c| c.get("public_access_cidrs"));
        let public = match (access.and_then(Value::as_bool), cidrs) {
            (Some(false), _) => continue,
            (None, _) if access.is_some() => Tri::Unknown,
            (_, Some(list)) if list.is_unknown() => Tri::Unknown,
            (_, Some(list)) => {
                Tri::from_bool(list.items().iter().any(|c| c.as_str() == Some("0.0.0.0/0")))
            }
            (_, None) => Tri::Yes,
        };
        let span = access
            .or(cidrs)
            .or(config)
            .map_or_else(|| cluster.span.clone(), |v| v.span().clone());
        flows.push(api_server_door(root, cluster, "eks-endpoint", span, public));
    }
}

/// Whether each bucket's public access block neutralises public ACLs: `ignore_public_acls`
/// makes S3 ignore them (yes); `block_public_acls` alone only refuses new ones, so an ACL set
/// before it stays in force (unknown), as does a setting not known statically. A block whose
/// bucket cannot be resolved may be any bucket's: every bucket no other block covers is
/// unknown. (`restrict_public_buckets` governs bucket policies, not ACLs.)
struct AclBlocks<'r> {
    by_bucket: BTreeMap<String, (Tri, Span)>,
    unresolved: Option<&'r Resource>,
}

impl<'r> AclBlocks<'r> {
    fn read(index: &Index<'r>) -> AclBlocks<'r> {
        let mut blocks = AclBlocks {
            by_bucket: BTreeMap::new(),
            unresolved: None,
        };
        for block in index.of_kind("aws_s3_bucket_public_access_block") {
            let setting = |key: &str| match block.body.get(key) {
                Some(v) if v.not_static() => Tri::Unknown,
                Some(v) => Tri::from_bool(v.as_bool() == Some(true)),
                None => Tri::No,
            };
            let neutralises = match (setting("ignore_public_acls"), setting("block_public_acls")) {
                (Tri::Yes, _) => Tri::Yes,
                (Tri::No, Tri::No) => Tri::No,
                _ => Tri::Unknown,
            };
            if neutralises == Tri::No {
                continue;
            }
            let buckets = index.arg(&block.body, "bucket");
            if buckets.is_empty() {
                blocks.unresolved.get_or_insert(block);
            }
            for bucket in buckets {
                blocks
                    .by_bucket
                    .insert(bucket.address.clone(), (neutralises, block.span.clone()));
            }
        }
        blocks
    }

    /// Whether the bucket's public ACLs take effect: no when they are ignored, unknown when
    /// they may be (with the block that may ignore them).
    fn acls_public(&self, bucket: &Resource) -> (Tri, Option<Span>) {
        match (self.by_bucket.get(&bucket.address), self.unresolved) {
            (Some((Tri::Yes, _)), _) => (Tri::No, None),
            (Some((_, span)), _) => (Tri::Unknown, Some(span.clone())),
            (None, Some(block)) => (Tri::Unknown, Some(block.span.clone())),
            (None, None) => (Tri::Yes, None),
        }
    }
}

/// What an ACL (a bucket's, or an `aws_s3_bucket_acl`'s) grants everyone: its canned ACL and
/// its grants that open the bucket, each at where it is written with whether it only reads.
pub(crate) fn public_acl_grants(acl_owner: &Value) -> Vec<(Span, Tri)> {
    let canned = acl_owner
        .get("acl")
        .and_then(|acl| Some((acl.span().clone(), canned_acl_read_only(acl)?)));
    canned.into_iter().chain(public_grants(acl_owner)).collect()
}

/// Whether a canned ACL opens a bucket to everyone (any AWS account counts: anyone can have
/// one), and whether only to read: `public-read`, `website` and `authenticated-read` read,
/// `public-read-write` writes too. `None` for the others.
fn canned_acl_read_only(acl: &Value) -> Option<Tri> {
    match acl.as_str()? {
        "public-read" | "website" | "authenticated-read" => Some(Tri::Yes),
        "public-read-write" => Some(Tri::No),
        _ => None,
    }
}

/// The grants of an ACL to everyone (the `AllUsers` group) or to any AWS account (the
/// `AuthenticatedUsers` group), each at its grantee with whether it only reads: `READ` and
/// `READ_ACP` read; `WRITE`, `WRITE_ACP` (which rewrites the ACL) and `FULL_CONTROL` do more.
/// Grants are written in an `aws_s3_bucket_acl`'s `access_control_policy`, or inline on a
/// bucket (`grant { uri, permissions }`, provider versions before 4).
fn public_grants(acl_owner: &Value) -> Vec<(Span, Tri)> {
    let policy_grants = acl_owner
        .all("access_control_policy")
        .into_iter()
        .flat_map(|p| p.all("grant"))
        .filter_map(|grant| {
            let grantee = grant.all("grantee").into_iter().next()?;
            Some((
                grantee.get("uri")?,
                grant.get("permission").into_iter().collect(),
            ))
        });
    let inline_grants = acl_owner.all("grant").into_iter().filter_map(|grant| {
        let permissions = grant
            .get("permissions")
            .map_or_else(Vec::new, |p| p.items());
        Some((grant.get("uri")?, permissions))
    });
    policy_grants
        .chain(inline_grants)
        .filter(|(uri, _)| {
            uri.as_str().is_some_and(|u| {
                u.ends_with("/global/AllUsers") || u.ends_with("/global/AuthenticatedUsers")
            })
        })
        .map(|(uri, permissions): (&Value, Vec<&Value>)| {
            let read_only = permissions.iter().fold(Tri::Yes, |all, p| {
                all.and(match p.as_str() {
                    Some("READ" | "READ_ACP") => Tri::Yes,
                    Some(_) => Tri::No,
                    None => Tri::Unknown,
                })
            });
            (uri.span().clone(), read_only)
        })
        .collect()
}

/// The door a bucket's public ACLs open: at the first grant that opens it, read-only only when
/// every grant only reads, public unless a public access block may ignore them.
struct AclDoor {
    span: Span,
    read_only: Tri,
    public: Tri,
    /// The public access block that may ignore the ACLs.
    block: Option<Span>,
}

pub(super) fn doors(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    let blocks = AclBlocks::read(index);
    // One door per public bucket, however many grants open it.
    let mut public: BTreeMap<String, AclDoor> = BTreeMap::new();
    let mut open = |bucket: &Resource, span: Span, read_only: Tri| {
        let (reachable, block) = blocks.acls_public(bucket);
        if reachable == Tri::No {
            return;
        }
        public
            .entry(bucket.address.clone())
            .and_modify(|door| door.read_only = door.read_only.and(read_only))
            .or_insert(AclDoor {
                span,
                read_only,
                public: reachable,
                block,
            });
    };
    let mut public_acl = |bucket: &Resource, acl_owner: &Value| {
        for (span, read_only) in public_acl_grants(acl_owner) {
            open(bucket, span, read_only);
        }
    };
    for bucket in index.of_kind("aws_s3_bucket") {
        public_acl(bucket, &bucket.body);
    }
    for acl in index.of_kind("aws_s3_bucket_acl") {
        if let Some(bucket) = acl
            .body
            .get("bucket")
            .and_then(|v| index.resolve_all(v).first().copied())
        {
            public_acl(bucket, &acl.body);
        }
    }
    // Bucket policies are read with every other resource policy (`access`).
    for (bucket, door) in public {
        let mut flow = public_data_door(
            &bucket,
            "public-acl",
            door.span.clone(),
            door.read_only,
            root,
        );
        let at = door.block.unwrap_or(door.span);
        flow.attributes
            .set_flag(AttrName::Public, door.public, Some(at));
        flows.push(flow);
    }
    for url in index.of_kind("aws_lambda_function_url") {
        let Some(function) = url
            .body
            .get("function_name")
            .and_then(|v| index.resolve_all(v).first().copied())
        else {
            continue;
        };
        let auth = url.body.get("authorization_type");
        let open = auth.and_then(Value::as_str) == Some("NONE");
        let span = auth.map_or_else(|| url.span.clone(), |v| v.span().clone());
        flows.push(
            Door {
                target: &function.address,
                protocol: Some("https".into()),
                port: Some("443".into()),
                origin: "function-url",
                span,
                public: Tri::Yes,
                encrypted: Some(Tri::Yes),
                authenticated: Some(Tri::from_bool(!open)),
            }
            .flow(root),
        );
    }
    service_endpoints(index, root, flows);
    shared_snapshots(index, root, flows);
}

/// A database snapshot shared with `all` (`shared_accounts`) can be copied and restored by
/// every AWS account: a read-only door to its data from the internet, at the setting.
fn shared_snapshots(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    for snapshot in index.of_kinds(&["aws_db_snapshot", "aws_db_cluster_snapshot"]) {
        let Some(shared) = snapshot.body.get("shared_accounts") else {
            continue;
        };
        let public = if shared.not_static() {
            Tri::Unknown
        } else if shared.items().iter().any(|a| a.as_str() == Some("all")) {
            Tri::Yes
        } else if shared.items().iter().any(|a| a.is_unknown()) {
            Tri::Unknown
        } else {
            continue;
        };
        let mut flow = public_data_door(
            &snapshot.address,
            "shared-snapshot",
            shared.span().clone(),
            Tri::Yes,
            root,
        );
        flow.attributes
            .set_flag(AttrName::Public, public, Some(shared.span().clone()));
        flows.push(flow);
    }
}

/// Managed endpoints that answer on the internet with no security group in front: a Transfer
/// Family server (`endpoint_type = "PUBLIC"`, the default) on each of its `protocols` (SFTP by
/// default; plain FTP unencrypted), a CloudSearch domain (always public: HTTPS, and plain HTTP
/// unless `endpoint_options { enforce_https = true }`; its TLS policy is the domain's
/// `outdated_tls`), a Cognito identity pool that hands AWS credentials to unauthenticated
/// identities (`allow_unauthenticated_identities = true`), an AppSync GraphQL API (HTTPS, public
/// unless `visibility = "PRIVATE"`; every request carries its API key, signature or token) and
/// an API Gateway custom domain name no base path mapping of the scan serves an API on (HTTPS,
/// public unless its endpoint is `PRIVATE`; its TLS policy is the domain's `outdated_tls`; a
/// mapped domain's policy is its APIs' doors', `rest_api_domains`).
fn service_endpoints(index: &Index, root: &str, flows: &mut Vec<Flow>) {
    fn door<'a>(
        target: &'a Resource,
        protocol: &str,
        port: &str,
        span: Span,
        encrypted: Tri,
    ) -> Door<'a> {
        Door {
            target: &target.address,
            protocol: Some(protocol.into()),
            port: Some(port.into()),
            origin: "service-endpoint",
            span,
            public: Tri::Yes,
            encrypted: Some(encrypted),
            authenticated: None,
        }
    }
    for server in index.of_kind("aws_transfer_server") {
        let endpoint = server.body.get("endpoint_type");
        if endpoint.is_some_and(|e| e.as_str() != Some("PUBLIC")) {
            continue;
        }
        let span = endpoint.map_or_else(|| server.span.clone(), |e| e.span().clone());
        let protocols = server.body.get("protocols");
        let named: Vec<(&str, Span)> = match protocols {
            Some(list) => list
                .items()
                .iter()
                .filter_map(|p| Some((p.as_str()?, p.span().clone())))
                .collect(),
            None => vec![("SFTP", span.clone())],
        };
        for (protocol, at) in named {
            let (name, port, encrypted) = match protocol {
                "SFTP" => ("ssh", "22", Tri::Yes),
                "FTPS" => ("tls", "21", Tri::Yes),
                "FTP" => ("ftp", "21", Tri::No),
                "AS2" => ("https", "443", Tri::Yes),
                _ => continue,
            };
            let at = if encrypted == Tri::No {
                at
            } else {
                span.clone()
            };
            flows.push(door(server, name, port, at, encrypted).flow(root));
        }
    }
    for api in index.of_kind("aws_appsync_graphql_api") {
        // `null` is the argument unset.
        let visibility = api
            .body
            .get("visibility")
            .filter(|v| !matches!(v, Value::Null(_)));
        let public = match visibility.map(Value::as_str) {
            None | Some(Some("GLOBAL")) => Tri::Yes,
            Some(Some(_)) => continue,
            Some(None) => Tri::Unknown,
        };
        let span = visibility.map_or_else(|| api.span.clone(), |v| v.span().clone());
        let mut door = door(api, "https", "443", span, Tri::Yes);
        door.public = public;
        door.authenticated = Some(Tri::Yes);
        flows.push(door.flow(root));
    }
    let mapped: BTreeSet<&str> = index
        .of_kind("aws_api_gateway_base_path_mapping")
        .flat_map(|m| index.arg(&m.body, "domain_name"))
        .map(|d| d.address.as_str())
        .collect();
    for domain in index.of_kind("aws_api_gateway_domain_name") {
        if mapped.contains(domain.address.as_str()) {
            continue;
        }
        let types = domain
            .body
            .get("endpoint_configuration")
            .and_then(|c| c.get("types"));
        let public = match types.map(|t| t.items()) {
            None => Tri::Yes,
            Some(items) if items.iter().any(|t| t.as_str() == Some("PRIVATE")) => continue,
            Some(items) if items.iter().all(|t| t.as_str().is_some()) => Tri::Yes,
            Some(_) => Tri::Unknown,
        };
        let span = types.map_or_else(|| domain.span.clone(), |v| v.span().clone());
        let mut door = door(domain, "https", "443", span, Tri::Yes);
        door.public = public;
        flows.push(door.flow(root));
    }
    for pool in index.of_kind("aws_cognito_identity_pool") {
        let Some(guests) = pool
            .body
            .get("allow_unauthenticated_identities")
            .filter(|v| v.as_bool() == Some(true))
        else {
            continue;
        };
        let mut guest = door(pool, "https", "443", guests.span().clone(), Tri::Yes);
        guest.authenticated = Some(Tri::No);
        flows.push(guest.flow(root));
    }
}

/// An Elasticsearch or OpenSearch domain without `vpc_options` has a public endpoint: a door
/// from the internet over HTTPS, and over plain HTTP unless `domain_endpoint_options {
/// enforce_https = true }` (whose default changed across provider versions: unknown when not
/// written). Callers must sign their requests as an identity the domain's access policy or
/// their own IAM policies allow: the door is authenticated. A domain whose access policy
/// admits everyone already has that policy's door (`access`), at the policy, and gets no other.
/// A `vpc_options` block not known statically makes the endpoint possibly public.
pub(super) fn search_domain_endpoints(
    index: &Index,
    root: &str,
    drawn: &[Flow],
    flows: &mut Vec<Flow>,
) {
    for domain in index.of_kinds(&["aws_elasticsearch_domain", "aws_opensearch_domain"]) {
        let domain_id = id(root, &domain.address);
        if crate::access::out_of_internet_reach(domain)
            || drawn
                .iter()
                .any(|f| f.source.0 == trustmap_model::INTERNET_ELEMENT && f.target.0 == domain_id)
        {
            continue;
        }
        let vpc = domain.body.all("vpc_options");
        let public = if vpc.iter().any(|v| v.is_unknown()) {
            Tri::Unknown
        } else {
            Tri::Yes
        };
        let door = |protocol: &str, port: &str, span: Span, encrypted: Tri| {
            Door {
                target: &domain.address,
                protocol: Some(protocol.into()),
                port: Some(port.into()),
                origin: "search-endpoint",
                span,
                public,
                encrypted: Some(encrypted),
                authenticated: Some(Tri::Yes),
            }
            .flow(root)
        };
        flows.push(door("https", "443", domain.span.clone(), Tri::Yes));
        let enforce = domain
            .body
            .all("domain_endpoint_options")
            .into_iter()
            .find_map(|o| o.get("enforce_https"));
        // Whether the plain HTTP door is open, at the setting that says so.
        let (http_open, at) = match enforce {
            Some(v) if v.as_bool() == Some(true) => continue,
            Some(v) if v.as_bool() == Some(false) => (Tri::Yes, v.span().clone()),
            Some(v) => (Tri::Unknown, v.span().clone()),
            None => (Tri::Unknown, domain.span.clone()),
        };
        let mut http = door("http", "80", at.clone(), Tri::No);
        http.attributes
            .set_flag(AttrName::Public, public.and(http_open), Some(at));
        // Plain HTTP offers no TLS to be outdated: the domain's TLS policy is the HTTPS door's.
        http.attributes
            .set_flag(AttrName::OutdatedTls, Tri::No, None);
        flows.push(http);
    }
}

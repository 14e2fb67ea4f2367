//! AWS: IAM users, groups and roles as identities (rights from inline, attached and group
//! policies; who outside the account may assume a role; access keys; the instances,
//! functions and services that run as a role), and the resource policies of buckets, topics,
//! queues, repositories, keys, functions, search domains, secrets and APIs that admit
//! everyone, as doors from the internet on the policy's line; grants, ACLs, function URLs and
//! open API methods and routes whose resource is not in the scan open a stand-in for it.

use super::iam::{self, Opening, permissions, policy_statements};
use super::{
    Identity, credential_holders, element_ids, elsewhere_address, elsewhere_door,
    governed_elsewhere, named_by_literal, secrets,
};
use crate::aws::entry::public_acl_grants;
use crate::aws::{ACCOUNT_ZONE, launch_templates};
use crate::cloud::{Door, Index, id, public_data_door};
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{Code, Diagnostic, DiagnosticLevel, ElementKind, Fragment, Tri};

/// The AWS part of access: identities, resource-policy doors, literal secrets.
pub(crate) fn model(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    identities(resources, index, root, fragment);
    resource_policies(resources, index, root, fragment);
    secrets::literal_secrets(resources, index, root, fragment);
}

fn identities(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    let granted = permissions(resources, index);
    let holders = credential_holders(fragment);
    // The workloads that run as each role.
    let mut carriers: BTreeMap<String, Vec<&Resource>> = BTreeMap::new();
    for r in resources.iter().filter(|r| holders.contains(&r.address)) {
        let launched = launch_templates(r, index);
        if let Some(role) = index
            .identity(r)
            .or_else(|| launched.iter().find_map(|t| index.identity(t)))
        {
            carriers.entry(role.address.clone()).or_default().push(r);
        }
    }
    // Access keys, by user: a user of the scan by its address; a user defined elsewhere by the
    // key its rights are kept under (`aws_iam_user/NAME`), or by the access key's own address
    // when its name is not known statically.
    let mut keys: BTreeMap<String, &Resource> = BTreeMap::new();
    let mut elsewhere_keys: BTreeMap<String, &Resource> = BTreeMap::new();
    for key in resources.iter().filter(|r| r.kind == "aws_iam_access_key") {
        let named = key.body.get("user");
        let users = index.arg(&key.body, "user");
        let users = if users.is_empty() {
            named_by_literal(index, key, named, &["aws_iam_user"])
                .into_iter()
                .collect()
        } else {
            users
        };
        for user in &users {
            keys.entry(user.address.clone()).or_insert(key);
        }
        if users.is_empty() && named.is_some() {
            let user = named.and_then(Value::as_str).map_or_else(
                || format!("{}/user", key.address),
                |name| format!("aws_iam_user/{name}"),
            );
            elsewhere_keys.entry(user).or_insert(key);
        }
    }
    for r in resources {
        let technology = match r.kind.as_str() {
            "aws_iam_user" => "iam-user",
            "aws_iam_group" => "iam-group",
            "aws_iam_role" => "iam-role",
            _ => continue,
        };
        let mut identity = Identity::declared_by(r, &r.address, technology, ACCOUNT_ZONE);
        if let Some(p) = granted.get(&r.address) {
            identity.rights = p.rights();
            identity.rights_unknown = p.unknown;
        }
        if let Some(trust) = r.body.get("assume_role_policy") {
            identity.assumable_by = iam::assumable_by(&policy_statements(trust));
        }
        identity.keys = keys.get(&r.address).map(|k| k.span.clone());
        identity.carried_by = carriers
            .get(&r.address)
            .into_iter()
            .flatten()
            .map(|c| (c.address.clone(), Some(c.span.clone())))
            .collect();
        fragment.elements.push(identity.element(root));
    }
    // Users, groups and roles that policies here are attached to by name, defined elsewhere.
    for (key, p) in &granted {
        let Some((kind, name)) = key.split_once('/') else {
            continue;
        };
        let technology = match kind {
            "aws_iam_user" => "iam-user",
            "aws_iam_group" => "iam-group",
            _ => "iam-role",
        };
        let rights = p.rights();
        let Some(first) = rights.first() else {
            continue;
        };
        let mut identity = Identity::new(
            key,
            format!("{kind} \"{name}\" (defined elsewhere)"),
            technology,
            ACCOUNT_ZONE,
        );
        identity.span = Some(first.1.clone());
        identity.rights = rights;
        identity.rights_unknown = p.unknown;
        identity.keys = elsewhere_keys.remove(key).map(|k| k.span.clone());
        fragment.elements.push(identity.element(root));
    }
    // Users defined elsewhere that an access key of this code is made for: the key is a
    // long-lived credential whoever copies it uses as them, wherever the user is defined.
    for (key, access_key) in elsewhere_keys {
        let name = key.strip_prefix("aws_iam_user/").map_or_else(
            || format!("the user of {}", access_key.address),
            |name| format!("aws_iam_user \"{name}\" (defined elsewhere)"),
        );
        let mut identity = Identity::new(key, name, "iam-user", ACCOUNT_ZONE);
        identity.span = Some(access_key.span.clone());
        identity.called_from = access_key.called_from.clone();
        identity.keys = Some(access_key.span.clone());
        fragment.elements.push(identity.element(root));
    }
    // Managed policies of this code attached to nothing here (they are attached elsewhere):
    // their rights are stated where they are written.
    let attached = iam::attached_policies(resources, index);
    for policy in resources
        .iter()
        .filter(|r| r.kind == "aws_iam_policy" && !attached.contains(&r.address))
    {
        let mut p = iam::Permissions::default();
        p.add_document(policy.body.get("policy"));
        let rights = p.rights();
        if rights.is_empty() {
            continue;
        }
        let mut identity = Identity::declared_by(
            policy,
            format!("policy {} (attached to nothing here)", policy.address),
            "iam-policy",
            ACCOUNT_ZONE,
        );
        identity.rights = rights;
        fragment.elements.push(identity.element(root));
    }
}

/// How a resource policy is written: the resource type, the argument holding the document,
/// and the argument naming the resource it governs (empty: the resource itself).
const POLICIES: &[(&str, &str, &str)] = &[
    ("aws_s3_bucket_policy", "policy", "bucket"),
    ("aws_s3_bucket", "policy", ""),
    ("aws_sns_topic_policy", "policy", "arn"),
    ("aws_sns_topic", "policy", ""),
    ("aws_sqs_queue_policy", "policy", "queue_url"),
    ("aws_sqs_queue", "policy", ""),
    ("aws_ecr_repository_policy", "policy", "repository"),
    ("aws_kms_key", "policy", ""),
    ("aws_kms_key_policy", "policy", "key_id"),
    ("aws_elasticsearch_domain", "access_policies", ""),
    (
        "aws_elasticsearch_domain_policy",
        "access_policies",
        "domain_name",
    ),
    ("aws_opensearch_domain", "access_policies", ""),
    (
        "aws_opensearch_domain_policy",
        "access_policies",
        "domain_name",
    ),
    ("aws_secretsmanager_secret", "policy", ""),
    ("aws_secretsmanager_secret_policy", "policy", "secret_arn"),
    ("aws_api_gateway_rest_api", "policy", ""),
    ("aws_api_gateway_rest_api_policy", "policy", "rest_api_id"),
    ("aws_glacier_vault", "access_policy", ""),
];

/// Whether a governed resource is out of the internet's reach whatever its policy says: a
/// search domain inside a VPC, a private API.
pub(crate) fn private(target: &Resource) -> bool {
    match target.kind.as_str() {
        "aws_elasticsearch_domain" | "aws_opensearch_domain" => target
            .body
            .all("vpc_options")
            .iter()
            .any(|v| v.get("subnet_ids").is_some()),
        "aws_api_gateway_rest_api" => private_endpoint(target) == Tri::Yes,
        _ => false,
    }
}

/// Whether a REST API's endpoint is `PRIVATE` (it answers only inside VPCs, through their
/// interface endpoints): unknown when its types are not known statically.
fn private_endpoint(api: &Resource) -> Tri {
    let types: Vec<&Value> = api
        .body
        .all("endpoint_configuration")
        .into_iter()
        .filter_map(|c| c.get("types"))
        .collect();
    if types.iter().any(|t| crate::functions::has_unknown(t)) {
        return Tri::Unknown;
    }
    Tri::from_bool(
        types
            .iter()
            .any(|t| t.items().iter().all(|i| i.as_str() == Some("PRIVATE"))),
    )
}

/// Whether a REST API answers callers on the internet at large: no when its endpoint is
/// `PRIVATE`, or when its resource policies (inline, or `aws_api_gateway_rest_api_policy`) admit
/// no one without a condition that binds the caller's network, account or identity (a Deny for
/// everyone outside a VPC endpoint or an address list; Allows that are all so bound: API
/// Gateway refuses what a resource policy does not allow); unknown when the endpoint's types or
/// a policy are not known statically.
pub(crate) fn rest_api_reach(api: &Resource, index: &Index) -> Tri {
    let endpoint = private_endpoint(api);
    if endpoint == Tri::Yes {
        return Tri::No;
    }
    let attached = index
        .of_kind("aws_api_gateway_rest_api_policy")
        .filter(|p| {
            index
                .arg(&p.body, "rest_api_id")
                .iter()
                .any(|a| a.address == api.address)
        })
        .filter_map(|p| p.body.get("policy"));
    let policies: Vec<&Value> = api.body.get("policy").into_iter().chain(attached).collect();
    let mut reach = Tri::Yes;
    for document in policies
        .into_iter()
        .filter(|d| !matches!(d, Value::Null(_)))
    {
        match iam::read_policy(document).map(invocations) {
            Some(statements) if iam::opening(&statements).is_none() => return Tri::No,
            Some(_) => {}
            None => reach = Tri::Unknown,
        }
    }
    if endpoint == Tri::Unknown {
        reach = Tri::Unknown;
    }
    reach
}

/// The statements of a REST API's policy as they bear on calling it: calling is
/// `execute-api:Invoke` whatever else a statement allows or denies (`Action: "*"` allowed and
/// Invoke denied leaves no caller), so each statement that covers it is read as about it
/// alone, and the others are left out.
fn invocations(statements: Vec<iam::Statement>) -> Vec<iam::Statement> {
    const INVOKE: &str = "execute-api:Invoke";
    statements
        .into_iter()
        .filter_map(|mut st| {
            let named = st
                .actions
                .iter()
                .any(|(a, _)| iam::action_matches(a, INVOKE));
            if named == st.not_actions {
                return None;
            }
            let span = st
                .actions
                .first()
                .map_or_else(|| st.span.clone(), |(_, s)| s.clone());
            st.actions = vec![(INVOKE.to_string(), span)];
            st.not_actions = false;
            Some(st)
        })
        .collect()
}

/// Buckets whose public access block refuses public policies.
fn blocked_buckets(resources: &[Resource], index: &Index) -> BTreeSet<String> {
    resources
        .iter()
        .filter(|r| r.kind == "aws_s3_bucket_public_access_block")
        .filter(|r| {
            S3_POLICY_BLOCKS
                .iter()
                .any(|k| r.body.get(k).and_then(Value::as_bool) == Some(true))
        })
        .flat_map(|r| index.arg(&r.body, "bucket"))
        .map(|b| b.address.clone())
        .collect()
}

/// Resource policies that admit every principal: a door from the internet into the
/// resource they govern, when it is an element of the model and reachable from outside.
fn resource_policies(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    let elements = element_ids(fragment);
    let blocked = blocked_buckets(resources, index);
    // A REST API's policy admits callers to its methods, which authenticate them or not:
    // where the code defines methods, their doors say who gets in (the policy only narrows
    // them, `rest_api_reach`); the policy is the door only of an API whose methods are not here.
    let with_methods: BTreeSet<&str> = index
        .of_kind("aws_api_gateway_method")
        .flat_map(|m| index.arg(&m.body, "rest_api_id"))
        .map(|api| api.address.as_str())
        .collect();
    let mut doors = Vec::new();
    for r in resources {
        let Some((_, key, target_key)) = POLICIES.iter().find(|(kind, _, _)| *kind == r.kind)
        else {
            continue;
        };
        let Some(document) = r.body.get(key) else {
            continue;
        };
        // A value hidden as sensitive (a plan's, a `sensitive` variable's) is not the policy.
        if let Value::String(text, span) = document
            && text != crate::SENSITIVE
            && serde_json::from_str::<serde_json::Value>(text).is_err()
        {
            fragment.diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Warning,
                Code::TerraformPolicyJson,
                span.clone(),
                format!(
                    "the {key} of {} is not valid JSON: AWS refuses it, and whom it admits is \
                     not read",
                    r.address
                ),
            ));
            continue;
        }
        let mut statements = policy_statements(document);
        if r.kind.starts_with("aws_api_gateway_rest_api") {
            statements = invocations(statements);
        }
        let Some(Opening {
            span,
            authenticated,
            read_only,
        }) = iam::opening(&statements)
        else {
            continue;
        };
        let targets = if target_key.is_empty() {
            vec![r]
        } else {
            index.arg(&r.body, target_key)
        };
        let targets = if targets.is_empty() {
            named_by_literal(index, r, r.body.get(target_key), &[])
                .into_iter()
                .collect()
        } else {
            targets
        };
        if targets.is_empty() {
            // The resource it governs is not in the scanned code.
            if r.kind.starts_with("aws_s3")
                && (account_blocks(resources, S3_POLICY_BLOCKS)
                    || bucket_blocks(resources, r, S3_POLICY_BLOCKS))
            {
                continue;
            }
            let kind = if r.kind.starts_with("aws_api_gateway") {
                ElementKind::Process
            } else {
                ElementKind::DataStore
            };
            let mut flow = public_data_door(
                &elsewhere_address(r),
                "resource-policy",
                span.clone(),
                read_only,
                root,
            );
            flow.attributes.set_flag(
                trustmap_model::AttrName::Authenticated,
                authenticated,
                Some(span.clone()),
            );
            doors.push(elsewhere_door(flow, &span));
            fragment
                .elements
                .push(governed_elsewhere(root, r, kind, ACCOUNT_ZONE));
            continue;
        }
        for target in targets {
            if !elements.contains(&id(root, &target.address))
                || private(target)
                || blocked.contains(&target.address)
                || with_methods.contains(target.address.as_str())
            {
                continue;
            }
            let mut flow = public_data_door(
                &target.address,
                "resource-policy",
                span.clone(),
                read_only,
                root,
            );
            flow.attributes.set_flag(
                trustmap_model::AttrName::Authenticated,
                authenticated,
                Some(span.clone()),
            );
            if r.address != target.address {
                flow.id.0.push_str(&format!(" via {}", r.address));
            }
            doors.push(flow);
        }
    }
    // Lambda permissions for every principal, without a source that narrows it.
    for permission in resources
        .iter()
        .filter(|r| r.kind == "aws_lambda_permission")
    {
        let Some(principal) = permission
            .body
            .get("principal")
            .filter(|p| p.as_str() == Some("*"))
        else {
            continue;
        };
        let guarded = ["source_arn", "source_account", "principal_org_id"]
            .iter()
            .any(|k| {
                permission
                    .body
                    .get(k)
                    .is_some_and(|v| !matches!(v, Value::Null(_)))
            });
        // A function URL's own permission: its door is the URL's.
        let url = permission.body.get("function_url_auth_type").is_some();
        if guarded || url {
            continue;
        }
        let door = |target: &str| {
            Door {
                target,
                protocol: Some("https".into()),
                port: Some("443".into()),
                origin: "lambda-permission",
                span: principal.span().clone(),
                public: Tri::Yes,
                encrypted: Some(Tri::Yes),
                authenticated: Some(Tri::No),
            }
            .flow(root)
        };
        let named = permission.body.get("function_name");
        let mut functions = index.arg(&permission.body, "function_name");
        if functions.is_empty() {
            functions.extend(named_by_literal(index, permission, named, &[LAMBDA]));
        }
        if functions.is_empty() {
            doors.push(elsewhere_door(
                door(&elsewhere_address(permission)),
                principal.span(),
            ));
            fragment.elements.push(governed_elsewhere(
                root,
                permission,
                ElementKind::Process,
                ACCOUNT_ZONE,
            ));
        }
        for function in functions {
            if !elements.contains(&id(root, &function.address)) {
                continue;
            }
            let mut flow = door(&function.address);
            flow.id.0.push_str(&format!(" via {}", permission.address));
            doors.push(flow);
        }
    }
    elsewhere_urls_and_acls(resources, index, root, fragment, &mut doors);
    elsewhere_api_doors(resources, index, root, fragment, &mut doors);
    fragment.flows.extend(doors);
}

/// REST API methods with `authorization = "NONE"` and HTTP or WebSocket API routes without an
/// authorizer (`authorization_type` `NONE` or left out) whose API is not in the scanned code:
/// each admits anyone to a stand-in for that API (those whose API is here, the AWS mapping
/// draws, with the API's reach).
fn elsewhere_api_doors(
    resources: &[Resource],
    index: &Index,
    root: &str,
    fragment: &mut Fragment,
    doors: &mut Vec<trustmap_model::Flow>,
) {
    for (kind, api_key, auth_key, api_kind) in [
        (
            "aws_api_gateway_method",
            "rest_api_id",
            "authorization",
            "aws_api_gateway_rest_api",
        ),
        (
            "aws_apigatewayv2_route",
            "api_id",
            "authorization_type",
            "aws_apigatewayv2_api",
        ),
    ] {
        for child in resources.iter().filter(|r| r.kind == kind) {
            let api = child.body.get(api_key);
            if api.is_none()
                || !index.arg(&child.body, api_key).is_empty()
                || named_by_literal(index, child, api, &[api_kind]).is_some()
            {
                continue;
            }
            let auth = child.body.get(auth_key);
            // A REST method names its authorization (the provider requires it); a route
            // without one has none.
            // A caller must then present an API key (`api_key_required`): not anyone.
            let key_required =
                child.body.get("api_key_required").and_then(Value::as_bool) == Some(true);
            let open = !key_required
                && match auth.and_then(Value::as_str) {
                    Some(a) => a.eq_ignore_ascii_case("NONE"),
                    None => auth.is_none() && kind == "aws_apigatewayv2_route",
                };
            if !open {
                continue;
            }
            let span = auth
                .or_else(|| child.body.get("route_key"))
                .map_or_else(|| child.span.clone(), |v| v.span().clone());
            let door = Door {
                target: &elsewhere_address(child),
                protocol: Some("https".into()),
                port: Some("443".into()),
                origin: if kind == "aws_apigatewayv2_route" {
                    "api-route"
                } else {
                    "api-method"
                },
                span: span.clone(),
                public: Tri::Yes,
                encrypted: Some(Tri::Yes),
                authenticated: Some(Tri::No),
            };
            doors.push(elsewhere_door(door.flow(root), &span));
            fragment.elements.push(governed_elsewhere(
                root,
                child,
                ElementKind::Process,
                ACCOUNT_ZONE,
            ));
        }
    }
}

/// Function URLs without authentication and bucket ACLs that open to everyone, whose function
/// or bucket is not in the scanned code (those that are, the AWS mapping draws).
fn elsewhere_urls_and_acls(
    resources: &[Resource],
    index: &Index,
    root: &str,
    fragment: &mut Fragment,
    doors: &mut Vec<trustmap_model::Flow>,
) {
    for url in resources
        .iter()
        .filter(|r| r.kind == "aws_lambda_function_url")
    {
        let Some(auth) = url
            .body
            .get("authorization_type")
            .filter(|a| a.as_str() == Some("NONE"))
        else {
            continue;
        };
        let function = url.body.get("function_name");
        if function.is_some_and(|f| !index.resolve_all(f).is_empty())
            || named_by_literal(index, url, function, &[LAMBDA]).is_some()
        {
            continue;
        }
        let door = Door {
            target: &elsewhere_address(url),
            protocol: Some("https".into()),
            port: Some("443".into()),
            origin: "function-url",
            span: auth.span().clone(),
            public: Tri::Yes,
            encrypted: Some(Tri::Yes),
            authenticated: Some(Tri::No),
        };
        doors.push(elsewhere_door(door.flow(root), auth.span()));
        fragment.elements.push(governed_elsewhere(
            root,
            url,
            ElementKind::Process,
            ACCOUNT_ZONE,
        ));
    }
    if account_blocks(resources, S3_ACL_BLOCKS) {
        return;
    }
    for acl in resources.iter().filter(|r| r.kind == "aws_s3_bucket_acl") {
        let bucket = acl.body.get("bucket");
        if bucket.is_some_and(|b| !index.resolve_all(b).is_empty())
            || named_by_literal(index, acl, bucket, &[]).is_some()
        {
            continue;
        }
        if bucket_blocks(resources, acl, S3_ACL_BLOCKS) {
            continue;
        }
        let grants = public_acl_grants(&acl.body);
        let Some((span, _)) = grants.first() else {
            continue;
        };
        let read_only = grants
            .iter()
            .fold(Tri::Yes, |all, (_, read_only)| all.and(*read_only));
        let flow = public_data_door(
            &elsewhere_address(acl),
            "public-acl",
            span.clone(),
            read_only,
            root,
        );
        doors.push(elsewhere_door(flow, span));
        fragment.elements.push(governed_elsewhere(
            root,
            acl,
            ElementKind::DataStore,
            ACCOUNT_ZONE,
        ));
    }
}

/// The resource type Lambda permissions and function URLs name.
const LAMBDA: &str = "aws_lambda_function";

/// The settings of an account-wide S3 public access block that close public bucket policies.
const S3_POLICY_BLOCKS: &[&str] = &["block_public_policy", "restrict_public_buckets"];
/// The settings of an account-wide S3 public access block that neutralise public ACLs.
const S3_ACL_BLOCKS: &[&str] = &["block_public_acls", "ignore_public_acls"];

/// Whether an account-wide S3 public access block of the code turns one of these settings on
/// (or may: an unknown setting counts, a stand-in is only reported when nothing may close it).
fn account_blocks(resources: &[Resource], settings: &[&str]) -> bool {
    resources
        .iter()
        .filter(|r| r.kind == "aws_s3_account_public_access_block")
        .any(|block| block_sets(block, settings))
}

/// Whether a public access block for the bucket a grant names, when that bucket is not in the
/// scan, turns one of these settings on (or may): a block of the code whose `bucket` is the
/// same reference or the same literal name, or, when the grant's bucket is not known
/// statically (a data source, a variable), one whose bucket is not known either (it may be
/// the same: a stand-in is only reported when nothing may close it).
fn bucket_blocks(resources: &[Resource], grant: &Resource, settings: &[&str]) -> bool {
    let Some(bucket) = grant.body.get("bucket") else {
        return false;
    };
    let named = crate::cloud::referenced(bucket);
    let same = |other: &Value| {
        let theirs = crate::cloud::referenced(other);
        named.iter().any(|n| theirs.contains(n))
            || bucket.as_str().is_some() && bucket.as_str() == other.as_str()
            || bucket.is_unknown() && other.is_unknown()
    };
    resources
        .iter()
        .filter(|r| r.kind == "aws_s3_bucket_public_access_block")
        .filter(|block| block.body.get("bucket").is_some_and(same))
        .any(|block| block_sets(block, settings))
}

/// Whether a public access block turns one of these settings on, or may (unknown).
fn block_sets(block: &Resource, settings: &[&str]) -> bool {
    settings.iter().any(|k| {
        block
            .body
            .get(k)
            .is_some_and(|v| v.as_bool() == Some(true) || v.is_unknown())
    })
}

//! AWS identities and rights: IAM policy documents read into statements, the dangerous rights
//! each role is granted (inline, attached, managed), and roles whose trust policy lets anyone
//! assume them, drawn as entry points of the account.

use super::ACCOUNT_ZONE;
use crate::cloud::{Door, Index, id};
use crate::value::Value;
use std::collections::BTreeMap;
use trustmap_model::{AttrName, Attributes, Element, ElementId, Fragment, Span, Tri, ZoneId};

/// One statement of an IAM or resource policy, reduced to what the model needs.
pub(super) struct Statement {
    pub(super) allow: bool,
    pub(super) principal_everyone: bool,
    pub(super) conditional: bool,
    pub(super) actions: Vec<String>,
    /// The statement grants everything but a list (`NotAction`).
    pub(super) not_actions: bool,
    pub(super) resources: Vec<String>,
    /// Its condition keys (`aws:PrincipalOrgID`), lower case.
    pub(super) condition_keys: Vec<String>,
}

/// The statements of a policy document written as JSON text (a heredoc, or `jsonencode(...)`
/// evaluated to text). An unknown document has none.
pub(super) fn policy_statements(document: &Value) -> Vec<Statement> {
    let Value::String(text, _) = document else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let statements = match json.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.clone(),
        Some(one @ serde_json::Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    statements
        .iter()
        .map(|st| {
            let everyone = match st.get("Principal") {
                Some(serde_json::Value::String(p)) => p == "*",
                Some(serde_json::Value::Object(map)) => map
                    .values()
                    .any(|v| strings(Some(v)).iter().any(|p| p == "*")),
                _ => false,
            };
            Statement {
                allow: st.get("Effect").and_then(|e| e.as_str()) == Some("Allow"),
                principal_everyone: everyone,
                conditional: st.get("Condition").is_some(),
                actions: strings(st.get("Action")),
                not_actions: st.get("NotAction").is_some(),
                condition_keys: st
                    .get("Condition")
                    .and_then(serde_json::Value::as_object)
                    .into_iter()
                    .flat_map(|operators| operators.values())
                    .filter_map(serde_json::Value::as_object)
                    .flat_map(|keys| keys.keys())
                    .map(|k| k.to_ascii_lowercase())
                    .collect(),
                resources: strings(st.get("Resource")),
            }
        })
        .collect()
}

/// AWS managed policies that grant control of the account.
const ADMIN_POLICIES: &[&str] = &["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];

/// The dangerous rights a policy grants: every action on every resource, every action of IAM,
/// passing any role.
fn dangerous_rights(statements: &[Statement]) -> Vec<String> {
    let mut rights = Vec::new();
    for st in statements.iter().filter(|st| st.allow) {
        let any_resource = st.resources.iter().any(|r| r == "*");
        for action in &st.actions {
            let right = match action.as_str() {
                "*" if any_resource => Some("*:* (every action on every resource)"),
                "iam:*" => Some("iam:* (can grant itself anything)"),
                "iam:PassRole" if any_resource => Some("iam:PassRole on any role"),
                _ => None,
            };
            rights.extend(right.map(str::to_string));
        }
    }
    rights
}

/// The dangerous rights a policy document grants, each with the document's span.
fn rights_of(document: Option<&Value>) -> Vec<(String, Span)> {
    document
        .map(|p| {
            dangerous_rights(&policy_statements(p))
                .into_iter()
                .map(|g| (g, p.span().clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The dangerous rights of each IAM role: its inline policies and attached policies (managed
/// `AdministratorAccess` and the like included), each with the span that grants it.
pub(super) fn role_rights(index: &Index) -> BTreeMap<String, Grants> {
    // Whether a policy document can be read here (a data source's JSON cannot).
    let readable = |document: Option<&Value>| {
        document.is_none_or(|d| {
            matches!(d, Value::String(text, _) if serde_json::from_str::<serde_json::Value>(text).is_ok())
        })
    };
    // What attaching a policy grants: an AWS managed admin policy by its ARN, or the document
    // of a policy this code defines; and whether that could be read.
    let attached = |arn: &Value| -> (Vec<(String, Span)>, bool) {
        match arn {
            Value::String(text, _) => (
                ADMIN_POLICIES
                    .iter()
                    .filter(|name| text.ends_with(&format!("policy/{name}")))
                    .map(|name| (name.to_string(), arn.span().clone()))
                    .collect(),
                true,
            ),
            _ => {
                let policies = index.resolve_all(arn);
                let known =
                    !policies.is_empty() && policies.iter().all(|p| readable(p.body.get("policy")));
                let rights = policies
                    .iter()
                    .flat_map(|policy| rights_of(policy.body.get("policy")))
                    .collect();
                (rights, known)
            }
        }
    };
    let mut rights: BTreeMap<String, Grants> = BTreeMap::new();
    let kinds = [
        "aws_iam_role_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_role",
    ];
    for r in index.of_kinds(&kinds) {
        let (grants, known): (Vec<(String, Span)>, bool) = match r.kind.as_str() {
            "aws_iam_role_policy" => (
                rights_of(r.body.get("policy")),
                readable(r.body.get("policy")),
            ),
            "aws_iam_role_policy_attachment" | "aws_iam_policy_attachment" => r
                .body
                .get("policy_arn")
                .map_or((Vec::new(), true), attached),
            // The role's own inline policies and managed policy ARNs.
            "aws_iam_role" => {
                let inline = r.body.all("inline_policy");
                let mut known = inline.iter().all(|p| readable(p.get("policy")));
                let mut grants: Vec<(String, Span)> = inline
                    .iter()
                    .flat_map(|p| rights_of(p.get("policy")))
                    .collect();
                if let Some(arns) = r.body.get("managed_policy_arns") {
                    known &= !arns.is_unknown();
                    for arn in arns.items() {
                        let (more, readable) = attached(arn);
                        grants.extend(more);
                        known &= readable;
                    }
                }
                (grants, known)
            }
            _ => continue,
        };
        let roles = if r.kind == "aws_iam_role" {
            vec![r]
        } else {
            index
                .arg(&r.body, "role")
                .into_iter()
                .chain(index.arg(&r.body, "roles"))
                .collect()
        };
        for role in roles {
            let entry = rights.entry(role.address.clone()).or_default();
            entry.rights.extend(grants.iter().cloned());
            entry.unknown |= !known;
        }
    }
    rights
}

/// The dangerous rights a role is granted, and whether some grant could not be read.
#[derive(Debug, Clone, Default)]
pub(super) struct Grants {
    rights: Vec<(String, Span)>,
    unknown: bool,
}

impl Grants {
    /// States the rights on a workload; "none" only when every grant was read.
    pub(super) fn state(&self, label: impl Fn(&str) -> String, attributes: &mut Attributes) {
        for (right, span) in &self.rights {
            attributes.push_item(
                AttrName::ServiceAccountPrivileges,
                label(right),
                Some(span.clone()),
            );
        }
        if !self.unknown {
            attributes.set_empty_list(AttrName::ServiceAccountPrivileges);
        }
    }
}

/// Roles whose trust policy lets any AWS principal assume them (`Principal: {"AWS": "*"}` with
/// no condition) are entry points of the account: an element each, reached from the internet
/// without authentication, listing the role's rights (the unauthenticated door is the finding;
/// the role carries no token of its own).
pub(super) fn open_roles(
    index: &Index,
    rights: &BTreeMap<String, Grants>,
    root: &str,
    fragment: &mut Fragment,
) {
    for role in index.of_kind("aws_iam_role") {
        let Some(trust) = role.body.get("assume_role_policy") else {
            continue;
        };
        let Some(authenticated) = trust_openness(&policy_statements(trust)) else {
            continue;
        };
        let mut attributes = Attributes::default();
        rights
            .get(&role.address)
            .cloned()
            .unwrap_or_default()
            .state(str::to_string, &mut attributes);
        fragment.elements.push(Element {
            id: ElementId(id(root, &role.address)),
            kind: trustmap_model::ElementKind::Process,
            name: role.address.clone(),
            technology: Some("iam-role".into()),
            zone: ZoneId(ACCOUNT_ZONE.to_string()),
            attached_zones: Vec::new(),
            called_from: role.called_from.clone(),
            span: Some(role.span.clone()),
            attributes,
        });
        let door = Door {
            target: &role.address,
            protocol: Some("sts".into()),
            port: None,
            origin: "assume-role",
            span: trust.span().clone(),
            public: Tri::Yes,
            encrypted: Some(Tri::Yes),
            authenticated: Some(authenticated),
        };
        fragment.flows.push(door.flow(root));
    }
}

/// Condition keys that limit who the principal is (an organisation, an account, an external
/// id agreed with a third party).
const PRINCIPAL_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceowner",
    "sts:externalid",
];

/// Whether a trust policy lets any AWS principal assume the role: `None` when it does not
/// (no statement allows `*`, an unconditional `Deny` of `*` stands, or a condition limits the
/// principal); otherwise whether the caller is authenticated (no when nothing limits who
/// assumes, unknown when conditions the model cannot weigh apply).
fn trust_openness(statements: &[Statement]) -> Option<Tri> {
    let limits_principal = |st: &Statement| {
        st.condition_keys
            .iter()
            .any(|k| PRINCIPAL_KEYS.contains(&k.as_str()) || k.starts_with("aws:principaltag/"))
    };
    let assumes = |st: &Statement| {
        st.not_actions
            || st.actions.is_empty()
            || st
                .actions
                .iter()
                .any(|a| matches!(a.as_str(), "*" | "sts:*") || a.starts_with("sts:Assume"))
    };
    let open: Vec<&Statement> = statements
        .iter()
        .filter(|st| st.allow && st.principal_everyone && assumes(st))
        .collect();
    let denials: Vec<&Statement> = statements
        .iter()
        .filter(|st| !st.allow && st.principal_everyone && assumes(st))
        .collect();
    if open.is_empty()
        || denials
            .iter()
            .any(|st| !st.conditional || limits_principal(st))
        || open.iter().all(|st| limits_principal(st))
    {
        return None;
    }
    let unconditional = open.iter().any(|st| !st.conditional) && denials.is_empty();
    Some(if unconditional { Tri::No } else { Tri::Unknown })
}

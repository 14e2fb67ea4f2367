//! Effective RBAC: the dangerous rights each subject (ServiceAccount, user, group) holds
//! through Role and ClusterRole bindings.

use crate::objects::{Cluster, Object, items, text};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, Span};
use trustmap_yaml::Node;

/// A service account: (namespace, name).
pub type Account = (String, String);

/// Whom a binding names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// A ServiceAccount: (namespace, name).
    ServiceAccount(Account),
    /// A user, as the API server's authenticator names it.
    User(String),
    /// A group of users.
    Group(String),
}

impl Subject {
    /// Who outside the cluster's own workloads this subject admits without a credential of
    /// theirs: the built-in anonymous user and groups.
    pub fn admits(&self) -> Option<&'static str> {
        match self {
            Subject::User(name) if name == "system:anonymous" => Some("anyone"),
            Subject::Group(name) if name == "system:unauthenticated" => Some("anyone"),
            // On GKE, any Google account is authenticated.
            Subject::Group(name) if name == "system:authenticated" => {
                Some("any authenticated user")
            }
            _ => None,
        }
    }
}

/// What the bindings grant a subject.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// Its dangerous rights, each with the span of the rule (or binding) that grants it,
    /// sorted and without repeats.
    pub rights: Vec<(String, Span)>,
    /// The first binding subject entry that names it, at its `name`.
    pub named_at: Option<Span>,
}

/// Every subject the bindings name, with what they grant it.
pub type Privileges = BTreeMap<Subject, Grant>;

/// The subjects a service account's token authenticates as: the account itself, its user
/// name (`system:serviceaccount:<ns>:<name>`) and the groups every token is in
/// (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`).
fn account_subjects(account: &Account) -> [Subject; 5] {
    let (namespace, name) = account;
    [
        Subject::ServiceAccount(account.clone()),
        Subject::User(format!("system:serviceaccount:{namespace}:{name}")),
        Subject::Group("system:serviceaccounts".to_string()),
        Subject::Group(format!("system:serviceaccounts:{namespace}")),
        Subject::Group("system:authenticated".to_string()),
    ]
}

/// The grants that reach a service account's token, through any subject it authenticates as.
pub fn account_grants<'p>(
    privileges: &'p Privileges,
    account: &Account,
) -> impl Iterator<Item = &'p Grant> {
    account_subjects(account)
        .into_iter()
        .filter_map(move |subject| privileges.get(&subject))
}

/// The dangerous rights of a service account, through any subject its token authenticates as
/// (none when no binding grants any), sorted and without repeats.
pub fn account_rights<'p>(
    privileges: &'p Privileges,
    account: &Account,
) -> Vec<&'p (String, Span)> {
    let mut rights: Vec<&(String, Span)> = account_grants(privileges, account)
        .flat_map(|grant| &grant.rights)
        .collect();
    rights.sort();
    rights.dedup_by(|a, b| a.0 == b.0);
    rights
}

/// Built-in ClusterRoles that are dangerous by name (they are not in the manifests).
const BUILTIN_ROLES: &[(&str, &str)] = &[
    ("cluster-admin", "cluster-admin"),
    (
        "admin",
        "admin (namespace administration, secrets included)",
    ),
    ("edit", "edit (secrets and pods)"),
];

fn strings(node: &Node, key: &str) -> Vec<String> {
    node.get(key)
        .and_then(Node::as_sequence)
        .unwrap_or(&[])
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// The dangerous rights one policy rule grants.
fn dangerous(rule: &Node) -> Vec<String> {
    let verbs = strings(rule, "verbs");
    let resources = strings(rule, "resources");
    let groups = strings(rule, "apiGroups");
    // Secrets, pods and nodes live in the core group (""); a wildcard group covers every API.
    let every_group = groups.iter().any(|g| g == "*");
    let core = every_group || groups.iter().any(|g| g.is_empty());
    let any_verb = |wanted: &[&str]| {
        verbs
            .iter()
            .any(|v| v == "*" || wanted.contains(&v.as_str()))
    };
    let has = |resource: &str| core && resources.iter().any(|r| r == "*" || r == resource);
    let mut rights = Vec::new();
    if every_group && verbs.iter().any(|v| v == "*") && resources.iter().any(|r| r == "*") {
        rights.push("*:*".to_string());
        return rights;
    }
    if has("secrets") && any_verb(&["get", "list", "watch"]) {
        rights.push("secrets:read".to_string());
    }
    if (has("pods/exec") || has("pods/attach")) && any_verb(&["create", "get"]) {
        rights.push("pods/exec".to_string());
    }
    if has("pods") && any_verb(&["create"]) {
        rights.push("pods:create".to_string());
    }
    if has("nodes/proxy") && any_verb(&["get", "create"]) {
        rights.push("nodes/proxy".to_string());
    }
    // In a named group: RBAC objects, admission webhooks, certificate requests.
    let in_group = |group: &str, resource: &str| {
        (every_group || groups.iter().any(|g| g == group))
            && resources.iter().any(|r| r == "*" || r == resource)
    };
    let rbac_objects = [
        "roles",
        "clusterroles",
        "rolebindings",
        "clusterrolebindings",
    ];
    let wildcard_on_rbac = verbs.iter().any(|v| v == "*")
        && rbac_objects
            .iter()
            .any(|r| in_group("rbac.authorization.k8s.io", r));
    if wildcard_on_rbac
        || verbs
            .iter()
            .any(|v| v == "escalate" || v == "bind" || v == "impersonate")
    {
        rights.push("rbac:escalate".to_string());
    }
    // A mutating or validating webhook sees (and may rewrite) every object the API admits.
    let webhooks = [
        "mutatingwebhookconfigurations",
        "validatingwebhookconfigurations",
    ];
    if webhooks
        .iter()
        .any(|r| in_group("admissionregistration.k8s.io", r))
        && any_verb(&["create", "update", "patch"])
    {
        rights.push("admission-webhooks:write".to_string());
    }
    rights
}

/// Whether a rule may approve certificate requests (`update` on their approval) and whether it
/// may approve for signers (`approve` on `signers`): approving takes both.
fn certificate_approval(rule: &Node) -> (bool, bool) {
    let verbs = strings(rule, "verbs");
    let resources = strings(rule, "resources");
    let groups = strings(rule, "apiGroups");
    let in_group = groups
        .iter()
        .any(|g| g == "*" || g == "certificates.k8s.io");
    // `*/approval` is the approval subresource of every resource.
    let on = |resource: &str| {
        in_group
            && resources.iter().any(|r| {
                r == "*"
                    || r == resource
                    || r.strip_prefix('*')
                        .is_some_and(|sub| sub.starts_with('/') && resource.ends_with(sub))
            })
    };
    let verb = |wanted: &[&str]| {
        verbs
            .iter()
            .any(|v| v == "*" || wanted.contains(&v.as_str()))
    };
    (
        on("certificatesigningrequests/approval") && verb(&["update", "patch"]),
        on("signers") && verb(&["approve"]),
    )
}

/// Rights on cluster-scoped objects (nodes, admission webhooks, certificate requests): a Role,
/// or a ClusterRole bound in one namespace, cannot grant them.
const CLUSTER_SCOPED_RIGHTS: &[&str] = &[
    "nodes/proxy",
    "admission-webhooks:write",
    "certificates:approve",
];

/// The dangerous rights a Role or ClusterRole's rules grant, each at its rule (a Role's only
/// those a namespace holds).
pub fn role_rights(cluster: &Cluster, role: &Object) -> Vec<(String, Span)> {
    let rules = items(&role.node, &["rules"]);
    let mut rights: Vec<(String, Span)> = rules
        .iter()
        .flat_map(|rule| dangerous(rule).into_iter().map(|r| (r, cluster.span(rule))))
        .collect();
    // Approving certificate requests, which mints client certificates for any user or group,
    // takes two rights that two rules may grant: at the rule that grants the approval.
    let approval = rules.iter().find(|rule| certificate_approval(rule).0);
    if let Some(rule) = approval
        && rules.iter().any(|rule| certificate_approval(rule).1)
        && !rights.iter().any(|(right, _)| right == "*:*")
    {
        rights.push(("certificates:approve".to_string(), cluster.span(rule)));
    }
    if role.kind == "Role" {
        rights.retain(|(right, _)| !CLUSTER_SCOPED_RIGHTS.contains(&right.as_str()));
    }
    rights
}

/// The Roles and ClusterRoles of the manifests that no binding of the scan refers to, and that
/// no aggregation folds into another ClusterRole (`aggregate-to-*` labels): granted to no one
/// yet.
pub fn unbound_roles(cluster: &Cluster) -> Vec<&Object> {
    let mut bound: BTreeSet<(String, String, String)> = BTreeSet::new();
    for binding in cluster
        .objects
        .iter()
        .filter(|o| o.kind == "RoleBinding" || o.kind == "ClusterRoleBinding")
    {
        let Some(role_ref) = binding.node.get("roleRef") else {
            continue;
        };
        let kind = text(role_ref, &["kind"]).unwrap_or("ClusterRole");
        let namespace = if kind == "Role" {
            binding.namespace.as_str()
        } else {
            ""
        };
        let name = text(role_ref, &["name"]).unwrap_or("");
        bound.insert((kind.to_string(), namespace.to_string(), name.to_string()));
    }
    cluster
        .objects
        .iter()
        .filter(|o| o.kind == "Role" || o.kind == "ClusterRole")
        .filter(|o| !bound.contains(&(o.kind.clone(), o.namespace.clone(), o.name.clone())))
        .filter(|o| {
            !o.labels()
                .iter()
                .any(|(key, _)| key.starts_with("rbac.authorization.k8s.io/aggregate-to-"))
        })
        .collect()
}

/// Resolves every binding to the subjects it names.
pub fn privileges(cluster: &Cluster, diagnostics: &mut Vec<Diagnostic>) -> Privileges {
    let mut result: Privileges = BTreeMap::new();
    let role_rights =
        |kind: &str, namespace: &str, name: &str, binding_span: Span| -> Vec<(String, Span)> {
            if let Some(role) = cluster.find(kind, namespace, name) {
                role_rights(cluster, role)
            } else if kind == "ClusterRole" {
                BUILTIN_ROLES
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, label)| (label.to_string(), binding_span.clone()))
                    .collect()
            } else {
                Vec::new()
            }
        };
    for binding in cluster
        .objects
        .iter()
        .filter(|o| o.kind == "RoleBinding" || o.kind == "ClusterRoleBinding")
    {
        let Some(role_ref) = binding.node.get("roleRef") else {
            diagnostics.push(Diagnostic::new(
                DiagnosticLevel::Warning,
                Code::K8sBinding,
                cluster.span(&binding.node),
                format!("{} {} has no `roleRef`", binding.kind, binding.name),
            ));
            continue;
        };
        let role_kind = text(role_ref, &["kind"]).unwrap_or("ClusterRole");
        let role_name = text(role_ref, &["name"]).unwrap_or("");
        let role_namespace = if role_kind == "Role" {
            binding.namespace.as_str()
        } else {
            ""
        };
        let name_span = role_ref
            .get("name")
            .map_or_else(|| cluster.span(role_ref), |n| cluster.span(n));
        let mut rights = role_rights(role_kind, role_namespace, role_name, name_span);
        // A RoleBinding grants a ClusterRole's rules only inside its namespace.
        if binding.kind == "RoleBinding" {
            rights.retain(|(right, _)| !CLUSTER_SCOPED_RIGHTS.contains(&right.as_str()));
        }
        for subject_node in items(&binding.node, &["subjects"]) {
            let name = text(subject_node, &["name"]).unwrap_or("").to_string();
            let subject = match text(subject_node, &["kind"]) {
                Some("ServiceAccount") => {
                    let namespace = text(subject_node, &["namespace"])
                        .unwrap_or(&binding.namespace)
                        .to_string();
                    Subject::ServiceAccount((namespace, name))
                }
                Some("User") => Subject::User(name),
                Some("Group") => Subject::Group(name),
                _ => continue,
            };
            let grant = result.entry(subject).or_default();
            grant.named_at.get_or_insert_with(|| {
                cluster.span(subject_node.get("name").unwrap_or(subject_node))
            });
            grant.rights.extend(rights.iter().cloned());
        }
    }
    for grant in result.values_mut() {
        grant.rights.sort();
        grant.rights.dedup_by(|a, b| a.0 == b.0);
    }
    result
}

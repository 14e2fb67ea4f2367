//! Google Cloud: service accounts and the members that IAM grants over a scope (a project,
//! folder, organisation, billing account, subnetwork, tag... the catalog's `rights_on`) and
//! service-account grants name, as identities: the roles that control the scope or let the
//! holder act as other accounts (custom roles with escalation permissions among them),
//! `allUsers` (anyone) and `allAuthenticatedUsers` (any Google account) as who may use them,
//! service-account keys, and the instances that run as each account. Resources granted to
//! everyone through the grants the catalog lists (Pub/Sub topics, KMS keys, secrets,
//! repositories...) are doors from the internet.

use super::{
    Identity, credential_holders, element_ids, elsewhere_address, elsewhere_door,
    governed_elsewhere, named_by_literal, secrets,
};
use crate::catalog;
use crate::cloud::{Index, at, id, public_data_door};
use crate::google::PROJECT_ZONE;
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{ElementKind, Flow, Fragment, Span, Tri};

/// Roles that control the project or let the holder act as, or mint credentials of, other
/// identities.
const DANGEROUS_ROLES: &[&str] = &[
    "roles/owner",
    "roles/editor",
    "roles/iam.securityAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/iam.serviceAccountKeyAdmin",
    "roles/iam.serviceAccountTokenCreator",
    "roles/iam.serviceAccountUser",
    "roles/iam.workloadIdentityUser",
    "roles/iam.roleAdmin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/resourcemanager.folderAdmin",
    "roles/resourcemanager.organizationAdmin",
];

/// Permissions of a custom role that let its holder give itself more rights or act as, or
/// mint credentials of, other identities.
const ESCALATION_PERMISSIONS: &[&str] = &[
    "iam.roles.update",
    "iam.serviceAccountKeys.create",
    "iam.serviceAccounts.actAs",
    "iam.serviceAccounts.getAccessToken",
    "iam.serviceAccounts.implicitDelegation",
    "iam.serviceAccounts.setIamPolicy",
    "iam.serviceAccounts.signBlob",
    "iam.serviceAccounts.signJwt",
    "resourcemanager.folders.setIamPolicy",
    "resourcemanager.organizations.setIamPolicy",
    "resourcemanager.projects.setIamPolicy",
    "deploymentmanager.deployments.create",
    "cloudbuild.builds.create",
];

/// A custom role (`google_project_iam_custom_role`) whose permissions escalate: its id and
/// those permissions, each at where it is written.
struct CustomRole<'r> {
    resource: &'r Resource,
    role_id: String,
    escalations: Vec<(String, Span)>,
}

/// The custom roles of the code that hold escalation permissions.
fn escalating_custom_roles(resources: &[Resource]) -> Vec<CustomRole<'_>> {
    resources
        .iter()
        .filter(|r| {
            r.kind == "google_project_iam_custom_role"
                || r.kind == "google_organization_iam_custom_role"
        })
        .filter_map(|r| {
            let role_id = r.body.get("role_id").and_then(Value::as_str)?.to_string();
            let escalations: Vec<(String, Span)> = r
                .body
                .get("permissions")
                .map(Value::items)
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| {
                    let permission = p.as_str()?;
                    ESCALATION_PERMISSIONS
                        .contains(&permission)
                        .then(|| (permission.to_string(), p.span().clone()))
                })
                .collect();
            (!escalations.is_empty()).then_some(CustomRole {
                resource: r,
                role_id,
                escalations,
            })
        })
        .collect()
}

/// The custom role of the code a grant's role names: by reference (`.id`, `.name`) or by its
/// full name (`projects/shop/roles/deployer`).
fn custom_role_of<'c, 'r>(
    role: &Value,
    custom: &'c [CustomRole<'r>],
    index: &Index,
) -> Option<&'c CustomRole<'r>> {
    match role.as_str() {
        Some(text) => custom.iter().find(|c| {
            text.rsplit_once("/roles/")
                .is_some_and(|(_, id)| id == c.role_id)
        }),
        None => {
            let named = index.resolve_all(role);
            custom
                .iter()
                .find(|c| named.iter().any(|n| n.address == c.resource.address))
        }
    }
}

/// What a scope grant is on, for its rights: the scope and the name or address the code gives
/// it (`project shop-prod`, `subnetwork google_compute_subnetwork.app`).
fn scope_name(grant: &Resource, scope: &catalog::RightsScope, index: &Index) -> String {
    let named = scope.target.iter().find_map(|p| at(&grant.body, p));
    let name = match named {
        Some(Value::String(text, _)) => Some(text.clone()),
        Some(value) => index.resolve_all(value).first().map(|r| r.address.clone()),
        None => None,
    };
    match name {
        Some(name) => format!("{} {name}", scope.scope),
        None => scope.scope.clone(),
    }
}

/// The (role, members) pairs a grant resource states: its `role` and `member`/`members`, or
/// the bindings of an authoritative policy's `policy_data` when it is JSON known here (at the
/// `policy_data` argument).
fn bindings(grant: &Resource) -> Vec<(Value, Value)> {
    if let Some(data @ Value::String(text, span)) = grant.body.get("policy_data") {
        let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
            return Vec::new();
        };
        let string = |text: &str| Value::String(text.to_string(), data.span().clone());
        return json
            .get("bindings")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|binding| {
                let role = binding.get("role")?.as_str()?;
                let members = binding
                    .get("members")?
                    .as_array()?
                    .iter()
                    .filter_map(|m| m.as_str().map(string))
                    .collect();
                Some((string(role), Value::List(members, span.clone())))
            })
            .collect();
    }
    let role = grant.body.get("role");
    let members = grant
        .body
        .get("member")
        .or_else(|| grant.body.get("members"));
    match (role, members) {
        (Some(role), Some(members)) => vec![(role.clone(), members.clone())],
        _ => Vec::new(),
    }
}

/// The Google part of access: identities, public topics, keys and secrets, literal secrets.
pub(crate) fn model(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    identities(resources, index, root, fragment);
    for resource in resources {
        if let Some(accounts) = super::open_cluster_accounts(resource, PROJECT_ZONE) {
            fragment.elements.push(accounts.element(root));
        }
        if let Some(credential) = super::static_credentials(resource, PROJECT_ZONE) {
            fragment.elements.push(credential.element(root));
        }
    }
    public_resources(resources, index, root, fragment);
    open_federation(resources, root, fragment);
    secrets::literal_secrets(resources, index, root, fragment);
}

/// The words of an attribute condition that name who, for GitHub's issuer: its tokens are
/// the same for every repository in the world but for the repository, owner, subject and
/// workflow claims.
const GITHUB_NAMING_CLAIMS: &[&str] = &["repository", "sub", "workflow_ref", "actor"];

/// Workload identity pool providers that let any subject of an OIDC issuer in: no
/// `attribute_condition` (any account of the issuer), or, for GitHub Actions' issuer, a
/// condition that names no repository, owner, subject or workflow (any repository on GitHub).
/// Each is an identity (the pool's federated principals) whose rights are what IAM grants the
/// pool elsewhere (not stated: unknown), usable by those subjects, at the issuer. A condition
/// not known here, or an issuer bound to an AWS account, leaves it alone.
fn open_federation(resources: &[Resource], root: &str, fragment: &mut Fragment) {
    for provider in resources
        .iter()
        .filter(|r| r.kind == "google_iam_workload_identity_pool_provider")
    {
        let Some(issuer) = provider
            .body
            .all("oidc")
            .into_iter()
            .find_map(|oidc| oidc.get("issuer_uri"))
        else {
            continue;
        };
        let Some(issuer_uri) = issuer.as_str() else {
            continue;
        };
        let github = issuer_uri.contains("token.actions.githubusercontent.com");
        let open = match provider.body.get("attribute_condition") {
            None | Some(Value::Null(_)) => true,
            Some(Value::String(condition, _)) => {
                condition.trim().is_empty()
                    || github && !GITHUB_NAMING_CLAIMS.iter().any(|c| condition.contains(c))
            }
            Some(_) => false,
        };
        if !open {
            continue;
        }
        let host = issuer_uri
            .trim_start_matches("https://")
            .trim_end_matches('/');
        let who = if github {
            format!("federated ({host}, any repository)")
        } else {
            format!("federated ({host}, any subject)")
        };
        let mut identity = Identity::declared_by(
            provider,
            format!("principals of {}", provider.address),
            "gcp-workload-identity-provider",
            PROJECT_ZONE,
        );
        identity.rights_unknown = true;
        identity.assumable_by.push((who, issuer.span().clone()));
        fragment.elements.push(identity.element(root));
    }
}

/// Who a member is: a service account of this code (by address), or the member as written.
fn member_keys(member: &Value, index: &Index, accounts: &BTreeMap<String, String>) -> Vec<String> {
    match member {
        Value::String(text, _) => {
            // `serviceAccount:deployer@project.iam.gserviceaccount.com` of an account here.
            let own = text
                .strip_prefix("serviceAccount:")
                .and_then(|email| email.split_once('@'))
                .and_then(|(name, _)| accounts.get(name));
            vec![own.cloned().unwrap_or_else(|| text.clone())]
        }
        other => index
            .resolve_all(other)
            .iter()
            .filter(|a| a.kind == "google_service_account")
            .map(|a| a.address.clone())
            .collect(),
    }
}

fn identities(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    let accounts: BTreeMap<String, String> = resources
        .iter()
        .filter(|r| r.kind == "google_service_account")
        .filter_map(|r| {
            let name = r.body.get("account_id").and_then(Value::as_str)?;
            Some((name.to_string(), r.address.clone()))
        })
        .collect();
    let mut found: BTreeMap<String, Identity> = BTreeMap::new();
    for r in resources
        .iter()
        .filter(|r| r.kind == "google_service_account")
    {
        let identity = Identity::declared_by(r, &r.address, "gcp-service-account", PROJECT_ZONE);
        found.insert(r.address.clone(), identity);
    }
    let custom = escalating_custom_roles(resources);
    let mut granted_custom: BTreeSet<String> = BTreeSet::new();
    let member_identity = |key: &str| {
        let (technology, name) = match key {
            "allUsers" => ("gcp-all-users", "allUsers (anyone)"),
            "allAuthenticatedUsers" => (
                "gcp-all-authenticated-users",
                "allAuthenticatedUsers (any Google account)",
            ),
            _ => ("gcp-iam-member", key),
        };
        Identity::new(format!("iam-member/{key}"), name, technology, PROJECT_ZONE)
    };
    for grant in resources {
        // The scope, named when the code names it (`project shop-prod`): the catalog's
        // `rights_on`.
        let scope = catalog::rights_scope(&grant.kind).map(|scope| scope_name(grant, scope, index));
        let on_account = (grant.kind == "google_service_account_iam_member"
            || grant.kind == "google_service_account_iam_binding")
            .then(|| index.arg(&grant.body, "service_account_id"));
        if scope.is_none() && on_account.is_none() {
            continue;
        }
        let on = match (&scope, &on_account) {
            (Some(scope), _) => scope.clone(),
            (None, Some(accounts)) => format!(
                "service account {}",
                accounts.first().map_or("(unknown)", |a| a.address.as_str())
            ),
            _ => continue,
        };
        for (role_value, members) in bindings(grant) {
            let role = role_value.as_str().unwrap_or("");
            let custom_role = custom_role_of(&role_value, &custom, index);
            if let Some(custom_role) = custom_role {
                granted_custom.insert(custom_role.resource.address.clone());
            }
            let dangerous = DANGEROUS_ROLES.contains(&role) || custom_role.is_some();
            for member in members.items() {
                let everyone = match member.as_str() {
                    Some("allUsers") => Some("anyone"),
                    Some("allAuthenticatedUsers") => Some("any Google account"),
                    _ => None,
                };
                if !dangerous && everyone.is_none() {
                    continue;
                }
                for key in member_keys(member, index, &accounts) {
                    let identity = found.entry(key.clone()).or_insert_with(|| {
                        let mut identity = member_identity(&key);
                        identity.span = Some(member.span().clone());
                        identity
                    });
                    if let Some(custom_role) = custom_role {
                        let permissions: Vec<&str> = custom_role
                            .escalations
                            .iter()
                            .map(|(p, _)| p.as_str())
                            .collect();
                        identity.rights.push((
                            format!(
                                "custom role {} ({}) on the {on}",
                                custom_role.resource.address,
                                permissions.join(", ")
                            ),
                            role_value.span().clone(),
                        ));
                    } else if dangerous {
                        identity
                            .rights
                            .push((format!("{role} on the {on}"), role_value.span().clone()));
                    }
                    if let Some(who) = everyone.filter(|_| on_account.is_none()) {
                        identity.assumable_by.push((
                            format!("{who} (granted {role} on the {on})"),
                            member.span().clone(),
                        ));
                    }
                }
                // Everyone may act as the account the grant is on.
                if let (Some(who), Some(targets)) = (everyone, &on_account) {
                    for target in targets {
                        if let Some(account) = found.get_mut(&target.address) {
                            account
                                .assumable_by
                                .push((format!("{who} ({role})"), member.span().clone()));
                        }
                    }
                }
            }
        }
    }
    // Custom roles with escalation permissions that no grant here gives: the role is an
    // identity of its own, so the right is reported where it is written.
    for role in custom
        .iter()
        .filter(|c| !granted_custom.contains(&c.resource.address))
    {
        let mut identity = Identity::declared_by(
            role.resource,
            format!("custom role {}", role.resource.address),
            "gcp-custom-role",
            PROJECT_ZONE,
        );
        identity.rights = role.escalations.clone();
        found.insert(role.resource.address.clone(), identity);
    }
    for key in resources
        .iter()
        .filter(|r| r.kind == "google_service_account_key")
    {
        for account in index.arg(&key.body, "service_account_id") {
            if let Some(identity) = found.get_mut(&account.address) {
                identity.keys.get_or_insert_with(|| key.span.clone());
            }
        }
    }
    let holders = credential_holders(fragment);
    for r in resources.iter().filter(|r| holders.contains(&r.address)) {
        for block in r.body.all("service_account") {
            for account in index.arg(block, "email") {
                if let Some(identity) = found.get_mut(&account.address) {
                    identity
                        .carried_by
                        .push((r.address.clone(), Some(block.span().clone())));
                }
            }
        }
    }
    for identity in found.into_values() {
        fragment.elements.push(identity.element(root));
    }
}

/// A grant's member that is everyone, and whether it admits anonymous callers (`allUsers`;
/// `allAuthenticatedUsers` is any Google account: a caller who signed in).
fn everyone(members: &Value) -> Option<(&Value, bool)> {
    let items = members.items();
    let first = items
        .iter()
        .copied()
        .find(|m| matches!(m.as_str(), Some("allUsers" | "allAuthenticatedUsers")))?;
    let anonymous = items.iter().any(|m| m.as_str() == Some("allUsers"));
    Some((first, anonymous))
}

/// The door a grant to everyone opens into `target`: read-only when its role only reads
/// (a viewer or reader role; a dataset's access entry says `READER` for its basic read role), authenticated when only
/// signed-in Google accounts are admitted.
fn grant_door(role: &Value, target: &str, member: &Value, anonymous: bool, root: &str) -> Flow {
    let role = role.as_str().unwrap_or("").to_ascii_lowercase();
    // `roles/bigquery.dataViewer`, `roles/artifactregistry.reader`, `READER`.
    let read_only = Tri::from_bool(role.ends_with("viewer") || role.ends_with("reader"));
    let span: Span = member.span().clone();
    let mut flow = public_data_door(target, "public-iam", span.clone(), read_only, root);
    flow.attributes.set_flag(
        trustmap_model::AttrName::Authenticated,
        Tri::from_bool(!anonymous),
        Some(span),
    );
    flow
}

/// Resources granted to `allUsers` or `allAuthenticatedUsers` through the resource-level
/// grants the catalog lists (`grants`; those on the types their `of` names, Cloud Run services
/// and functions, are read by the Google mapping with their resource): anyone may use them,
/// from the internet. A grant on a part (a subscription) opens its whole (the topic). An
/// authoritative `..._iam_policy` is read through the bindings of its `policy_data`. A grant
/// whose resource is not in the scanned code opens a stand-in for it, of the kind of the types
/// it grants on (a data store unless `of` says).
fn public_resources(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    let elements = element_ids(fragment);
    let mut doors = Vec::new();
    let mut stand_ins = Vec::new();
    for grant in resources {
        // An authoritative policy (`..._iam_policy`) grants what its member twin would, through
        // the bindings of its `policy_data`.
        let policy_twin = grant
            .kind
            .strip_suffix("_iam_policy")
            .map(|base| format!("{base}_iam_member"));
        let kind_name = policy_twin.as_deref().unwrap_or(&grant.kind);
        let Some(facts) = catalog::grant(kind_name) else {
            continue;
        };
        let (member_paths, target_paths) = (&facts.members, &facts.target);
        let mapped = !facts.of.is_empty();
        let kind = facts
            .of
            .iter()
            .find_map(|t| catalog::entry(t))
            .map_or(ElementKind::DataStore, |e| e.kind);
        let granted: Vec<(Value, Value)> = if policy_twin.is_some() {
            bindings(grant)
        } else {
            member_paths
                .iter()
                .find_map(|p| at(&grant.body, p))
                .map(|members| {
                    let role = grant.body.get("role").cloned();
                    (
                        role.unwrap_or(Value::Null(grant.span.clone())),
                        members.clone(),
                    )
                })
                .into_iter()
                .collect()
        };
        let Some((role, members)) = granted
            .iter()
            .find(|(_, members)| everyone(members).is_some())
        else {
            continue;
        };
        let Some((member, anonymous)) = everyone(members) else {
            continue;
        };
        let mut targets = index.arg_path(&grant.body, target_paths);
        if targets.is_empty() {
            let named = target_paths.iter().find_map(|p| at(&grant.body, p));
            targets.extend(named_by_literal(index, grant, named, &[]));
        }
        if targets.is_empty() {
            let door = grant_door(role, &elsewhere_address(grant), member, anonymous, root);
            doors.push(elsewhere_door(door, member.span()));
            stand_ins.push(governed_elsewhere(root, grant, kind, PROJECT_ZONE));
            continue;
        }
        if mapped {
            continue;
        }
        for target in targets.into_iter().map(|part| index.whole(part)) {
            if elements.contains(&id(root, &target.address)) {
                let mut flow = grant_door(role, &target.address, member, anonymous, root);
                flow.id.0.push_str(&format!(" via {}", grant.address));
                doors.push(flow);
            }
        }
    }
    fragment.flows.extend(doors);
    fragment.elements.extend(stand_ins);
}

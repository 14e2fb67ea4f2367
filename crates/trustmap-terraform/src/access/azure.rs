//! Azure: user-assigned managed identities, the system-assigned identities of resources,
//! Entra ID (azuread) applications, service principals, users and groups (whose members hold
//! the group's rights), and principals named by id, as identities: the roles assigned to them
//! (Owner, Contributor, User Access Administrator, a custom role with wildcard actions), the
//! Key Vault access policies that let them read a vault's secrets, their client secrets and
//! certificates, and the resources that run with them. A custom role with wildcard actions
//! that nothing here is assigned is an identity of its own, so the right is reported where it
//! is written.

use super::{
    Identity, credential_holders, elsewhere_address, elsewhere_door, governed_elsewhere,
    named_by_literal, secrets,
};
use crate::azure::{ADMIN_ROLES, SUBSCRIPTION_ZONE};
use crate::cloud::{Index, public_data_door};
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{ElementKind, Fragment, Span, Tri};

/// The Azure part of access: identities, anonymous containers of accounts defined elsewhere,
/// and literal secrets.
pub(crate) fn model(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    identities(resources, index, root, fragment);
    elsewhere_containers(resources, index, root, fragment);
    for resource in resources {
        if let Some(accounts) = super::open_cluster_accounts(resource, SUBSCRIPTION_ZONE) {
            fragment.elements.push(accounts.element(root));
        }
        if let Some(credential) = super::static_credentials(resource, SUBSCRIPTION_ZONE) {
            fragment.elements.push(credential.element(root));
        }
    }
    secrets::literal_secrets(resources, index, root, fragment);
}

/// Blob containers that allow anonymous reads (`container_access_type = "blob"` or
/// `"container"`) in a storage account that is not in the scanned code (named by a variable, a
/// data source or a literal): the grant opens a stand-in for the account's blobs (those of an
/// account of the scan, the Azure mapping draws).
fn elsewhere_containers(
    resources: &[Resource],
    index: &Index,
    root: &str,
    fragment: &mut Fragment,
) {
    const ACCOUNT: &str = "azurerm_storage_account";
    for container in resources
        .iter()
        .filter(|r| r.kind == "azurerm_storage_container")
    {
        let Some(access) = crate::azure::anonymous_access(container) else {
            continue;
        };
        let in_scan = ["storage_account_name", "storage_account_id"]
            .iter()
            .any(|k| {
                let named = container.body.get(k);
                !index.arg(&container.body, k).is_empty()
                    || named_by_literal(index, container, named, &[ACCOUNT]).is_some()
            });
        if in_scan {
            continue;
        }
        let span = access.span();
        let door = public_data_door(
            &elsewhere_address(container),
            "public-container",
            span.clone(),
            Tri::Yes,
            root,
        );
        fragment.flows.push(elsewhere_door(door, span));
        fragment.elements.push(governed_elsewhere(
            root,
            container,
            ElementKind::DataStore,
            SUBSCRIPTION_ZONE,
        ));
    }
}

/// The dangerous actions of a custom role definition, each at its `actions` argument.
fn custom_rights(definition: &Resource) -> Vec<(String, Span)> {
    let mut rights = Vec::new();
    for permissions in definition.body.all("permissions") {
        let Some(actions) = permissions.get("actions") else {
            continue;
        };
        for action in actions.items() {
            let right = match action.as_str() {
                Some("*") => "* (every action)",
                Some(a) if a.eq_ignore_ascii_case("Microsoft.Authorization/*") => {
                    "Microsoft.Authorization/* (can assign itself any role)"
                }
                Some(a)
                    if a.eq_ignore_ascii_case("Microsoft.Authorization/roleAssignments/write") =>
                {
                    "Microsoft.Authorization/roleAssignments/write (can assign itself any role)"
                }
                _ => continue,
            };
            rights.push((right.to_string(), action.span().clone()));
        }
    }
    rights
}

/// Whether a resource's `identity` block gives it a system-assigned identity.
fn system_assigned(resource: &Resource) -> Option<&Value> {
    resource.body.all("identity").into_iter().find(|identity| {
        identity
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.contains("SystemAssigned"))
    })
}

/// The id key of a resource's system-assigned identity.
fn system_key(address: &str) -> String {
    format!("{address}.identity")
}

/// Gives rights to the principal a grant names: a principal id written literally (an identity
/// of its own), or the identities of the code it refers to (a managed identity, a service
/// principal, an application, or a resource's system-assigned identity).
fn grant_rights(
    principal: &Value,
    rights: &[(String, Span)],
    index: &Index,
    found: &mut BTreeMap<String, Identity>,
) {
    let holders: Vec<String> = match principal {
        Value::String(text, _) => {
            let key = format!("principal/{text}");
            found.entry(key.clone()).or_insert_with(|| {
                let mut identity = Identity::new(
                    key.clone(),
                    format!("principal {text}"),
                    "entra-principal",
                    SUBSCRIPTION_ZONE,
                );
                identity.span = Some(principal.span().clone());
                identity
            });
            vec![key]
        }
        other => index
            .resolve_all(other)
            .iter()
            .map(|holder| match holder.kind.as_str() {
                "azurerm_user_assigned_identity"
                | "azuread_service_principal"
                | "azuread_application"
                | "azuread_group"
                | "azuread_user" => holder.address.clone(),
                _ => system_key(&holder.address),
            })
            .collect(),
    };
    for holder in holders {
        if let Some(identity) = found.get_mut(&holder) {
            identity.rights.extend(rights.iter().cloned());
        }
    }
}

/// Members of an Entra ID group (`azuread_group_member`) hold the rights of the group, each
/// named with it; one level of membership is followed (a group in a group gets the rights of
/// the group it is in, not of that group's own groups).
fn group_members(resources: &[Resource], index: &Index, found: &mut BTreeMap<String, Identity>) {
    for membership in resources
        .iter()
        .filter(|r| r.kind == "azuread_group_member")
    {
        let groups = index.arg(&membership.body, "group_object_id");
        let rights: Vec<(String, Span)> = groups
            .iter()
            .filter_map(|g| found.get(&g.address))
            .flat_map(|group| {
                group.rights.iter().map(|(right, span)| {
                    (format!("{right} through group {}", group.key), span.clone())
                })
            })
            .collect();
        if rights.is_empty() {
            continue;
        }
        if let Some(member) = membership.body.get("member_object_id") {
            grant_rights(member, &rights, index, found);
        }
    }
}

/// Every Key Vault access policy of the code, with the vault it is on (its address, or `a Key
/// Vault` when the vault is not in the scanned code): the `azurerm_key_vault_access_policy`
/// resources and the `access_policy` blocks of `azurerm_key_vault`.
fn vault_access_policies<'r>(resources: &'r [Resource], index: &Index) -> Vec<(&'r Value, String)> {
    let mut policies = Vec::new();
    for r in resources {
        match r.kind.as_str() {
            "azurerm_key_vault_access_policy" => {
                let vault = index
                    .arg(&r.body, "key_vault_id")
                    .first()
                    .map_or_else(|| "a Key Vault".to_string(), |v| v.address.clone());
                policies.push((&r.body, vault));
            }
            "azurerm_key_vault" => {
                for block in r.body.all("access_policy") {
                    policies.push((block, r.address.clone()));
                }
            }
            _ => {}
        }
    }
    policies
}

/// What an access policy lets its principal read of the vault's secrets, at the permission
/// list that grants it: `Get` (or `all`) on secrets reads any secret's value, and the private
/// key of any certificate (kept as a secret); with `List`, every one of them. Key and
/// certificate permissions without it (signing, decrypting, managing) are not read.
fn vault_rights(policy: &Value, vault: &str) -> Vec<(String, Span)> {
    let has = |list: &Value, words: &[&str]| {
        list.items().iter().any(|p| {
            p.as_str()
                .is_some_and(|p| words.iter().any(|w| p.eq_ignore_ascii_case(w)))
        })
    };
    let mut rights = Vec::new();
    if let Some(list) = policy.get("secret_permissions")
        && has(list, &["Get", "all"])
    {
        let right = if has(list, &["List", "all"]) {
            "secret Get and List (reads every secret)"
        } else {
            "secret Get (reads any secret it names)"
        };
        rights.push((
            format!("{right} on the Key Vault {vault}"),
            list.span().clone(),
        ));
    }
    rights
}

fn identities(resources: &[Resource], index: &Index, root: &str, fragment: &mut Fragment) {
    let mut found: BTreeMap<String, Identity> = BTreeMap::new();
    let mut add =
        |key: String, name: String, technology: &'static str, r: &Resource, span: Span| {
            found.entry(key.clone()).or_insert_with(|| {
                let mut identity = Identity::new(key, name, technology, SUBSCRIPTION_ZONE);
                identity.span = Some(span);
                identity.called_from = r.called_from.clone();
                identity
            });
        };
    for r in resources {
        match r.kind.as_str() {
            "azurerm_user_assigned_identity" => add(
                r.address.clone(),
                r.address.clone(),
                "azure-managed-identity",
                r,
                r.span.clone(),
            ),
            "azuread_application" => add(
                r.address.clone(),
                r.address.clone(),
                "entra-application",
                r,
                r.span.clone(),
            ),
            "azuread_service_principal" => add(
                r.address.clone(),
                r.address.clone(),
                "entra-service-principal",
                r,
                r.span.clone(),
            ),
            "azuread_group" => add(
                r.address.clone(),
                r.address.clone(),
                "entra-group",
                r,
                r.span.clone(),
            ),
            "azuread_user" => add(
                r.address.clone(),
                r.address.clone(),
                "entra-user",
                r,
                r.span.clone(),
            ),
            _ => {
                if let Some(block) = system_assigned(r) {
                    add(
                        system_key(&r.address),
                        format!("system-assigned identity of {}", r.address),
                        "azure-managed-identity",
                        r,
                        block.span().clone(),
                    );
                }
            }
        }
    }
    // Role assignments: who holds which role.
    let mut assigned: BTreeSet<String> = BTreeSet::new();
    for assignment in resources
        .iter()
        .filter(|r| r.kind == "azurerm_role_assignment")
    {
        let mut rights: Vec<(String, Span)> = Vec::new();
        if let Some(role) = assignment.body.get("role_definition_name")
            && let Some(name) = role.as_str().filter(|n| ADMIN_ROLES.contains(n))
        {
            rights.push((
                format!("{name} (role assignment {})", assignment.address),
                role.span().clone(),
            ));
        }
        for definition in index.arg(&assignment.body, "role_definition_id") {
            if definition.kind != "azurerm_role_definition" {
                continue;
            }
            assigned.insert(definition.address.clone());
            for (right, _) in custom_rights(definition) {
                let span = assignment
                    .body
                    .get("role_definition_id")
                    .map_or_else(|| assignment.span.clone(), |v| v.span().clone());
                rights.push((
                    format!("{right} (custom role {})", definition.address),
                    span,
                ));
            }
        }
        if rights.is_empty() {
            continue;
        }
        let Some(principal) = assignment.body.get("principal_id") else {
            continue;
        };
        grant_rights(principal, &rights, index, &mut found);
    }
    // Key Vault access policies (their own resources, or blocks of the vault): what the
    // principal they name may do with the vault's secrets and keys.
    for (policy, vault) in vault_access_policies(resources, index) {
        let rights = vault_rights(policy, &vault);
        if let (false, Some(principal)) = (rights.is_empty(), policy.get("object_id")) {
            grant_rights(principal, &rights, index, &mut found);
        }
    }
    group_members(resources, index, &mut found);
    // Custom roles with wildcard actions that nothing here is given.
    for definition in resources
        .iter()
        .filter(|r| r.kind == "azurerm_role_definition")
    {
        let rights = custom_rights(definition);
        if rights.is_empty() || assigned.contains(&definition.address) {
            continue;
        }
        let mut identity = Identity::declared_by(
            definition,
            format!("custom role {}", definition.address),
            "azure-role-definition",
            SUBSCRIPTION_ZONE,
        );
        identity.rights = rights;
        found.insert(definition.address.clone(), identity);
    }
    // Client secrets and certificates.
    for credential in resources.iter().filter(|r| {
        matches!(
            r.kind.as_str(),
            "azuread_application_password"
                | "azuread_application_certificate"
                | "azuread_service_principal_password"
                | "azuread_service_principal_certificate"
        )
    }) {
        for key in [
            "application_object_id",
            "application_id",
            "service_principal_id",
        ] {
            for owner in index.arg(&credential.body, key) {
                if let Some(identity) = found.get_mut(&owner.address) {
                    identity.keys.get_or_insert_with(|| credential.span.clone());
                }
            }
        }
    }
    // The resources that run with an identity (their own, and the user-assigned ones listed).
    let holders = credential_holders(fragment);
    for r in resources.iter().filter(|r| holders.contains(&r.address)) {
        for block in r.body.all("identity") {
            let own = system_assigned(r).map(|_| system_key(&r.address));
            let listed = index
                .arg(block, "identity_ids")
                .into_iter()
                .map(|i| i.address.clone());
            for key in own.into_iter().chain(listed) {
                if let Some(identity) = found.get_mut(&key) {
                    identity
                        .carried_by
                        .push((r.address.clone(), Some(r.span.clone())));
                }
            }
        }
    }
    for identity in found.into_values() {
        fragment.elements.push(identity.element(root));
    }
}

//! Identities: every ServiceAccount the manifests declare and every subject a binding names
//! (ServiceAccount, user, group) becomes an identity element with the dangerous rights the
//! bindings grant it, who outside the cluster may act as it (the anonymous user, the
//! unauthenticated and authenticated groups), its long-lived tokens, and the workloads that run
//! with it; a Role or ClusterRole with dangerous rights that no binding grants becomes an
//! unattached identity of its own.

use crate::CLUSTER_ZONE;
use crate::namespace_zone;
use crate::objects::{Cluster, at, text};
use crate::rbac::{self, Account, Grant, Privileges, Subject};
use crate::workload::Builder;
use std::collections::BTreeMap;
use trustmap_model::{AttrName, Attributes, Element, ElementId, ElementKind, Span, Tri, ZoneId};

/// The Secret type that holds a ServiceAccount token which never expires.
const LEGACY_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";

/// Adds an identity element for every declared ServiceAccount and every bound subject.
pub fn identities(cluster: &Cluster, privileges: &Privileges, builder: &mut Builder) {
    let mut subjects: BTreeMap<Subject, Option<Span>> = BTreeMap::new();
    for object in cluster
        .objects
        .iter()
        .filter(|o| o.kind == "ServiceAccount")
    {
        let account = (object.namespace.clone(), object.name.clone());
        subjects.insert(
            Subject::ServiceAccount(account),
            Some(cluster.declaration(object)),
        );
    }
    for (subject, grant) in privileges {
        subjects
            .entry(subject.clone())
            .or_insert_with(|| grant.named_at.clone());
    }
    let tokens = legacy_tokens(cluster);
    let no_grant = Grant::default();
    for (subject, span) in subjects {
        let grant = privileges.get(&subject).unwrap_or(&no_grant);
        let mut attributes = Attributes::default();
        for (right, at) in &grant.rights {
            attributes.push_item(AttrName::Rights, right.clone(), Some(at.clone()));
        }
        attributes.set_empty_list(AttrName::Rights);
        if let Some(who) = subject.admits() {
            attributes.push_item(AttrName::AssumableBy, who, grant.named_at.clone());
        }
        attributes.set_empty_list(AttrName::AssumableBy);
        let (id, name, technology, zone) = match &subject {
            Subject::ServiceAccount(account) => {
                for (carrier, at) in builder.carriers.get(account).into_iter().flatten() {
                    attributes.push_item(AttrName::CarriedBy, carrier.clone(), Some(at.clone()));
                }
                let (keys, at) = match tokens.get(account) {
                    Some(at) => (Tri::Yes, Some(at.clone())),
                    None => (Tri::No, None),
                };
                attributes.set_flag(AttrName::LongLivedKeys, keys, at);
                let (namespace, name) = account;
                (
                    format!("k8s:core/ServiceAccount/{namespace}/{name}"),
                    format!("ServiceAccount {name}"),
                    "k8s-serviceaccount",
                    namespace_zone(namespace),
                )
            }
            Subject::User(name) => (
                format!("k8s:rbac.authorization.k8s.io/User/{name}"),
                format!("User {name}"),
                "k8s-user",
                ZoneId(CLUSTER_ZONE.to_string()),
            ),
            Subject::Group(name) => (
                format!("k8s:rbac.authorization.k8s.io/Group/{name}"),
                format!("Group {name}"),
                "k8s-group",
                ZoneId(CLUSTER_ZONE.to_string()),
            ),
        };
        attributes.set_empty_list(AttrName::CarriedBy);
        builder.add(Element {
            id: ElementId(id),
            kind: ElementKind::Identity,
            name,
            technology: Some(technology.to_string()),
            zone,
            attached_zones: Vec::new(),
            called_from: None,
            span,
            attributes,
        });
    }
}

/// Adds an identity element for every Role and ClusterRole with dangerous rights that no
/// binding grants (`unattached`): latent rights, which whoever may create bindings hands out.
/// A role whose name a file that could not be read mentions (a Helm template with a binding)
/// may be bound there: left out.
pub fn unbound_roles(cluster: &Cluster, unread_bindings: &[String], builder: &mut Builder) {
    for role in rbac::unbound_roles(cluster) {
        if unread_bindings.iter().any(|text| text.contains(&role.name)) {
            continue;
        }
        // In the order of the rules, each right once: the finding is at the first rule.
        let mut seen = std::collections::BTreeSet::new();
        let rights: Vec<(String, Span)> = rbac::role_rights(cluster, role)
            .into_iter()
            .filter(|(right, _)| seen.insert(right.clone()))
            .collect();
        if rights.is_empty() {
            continue;
        }
        let mut attributes = Attributes::default();
        for (right, at) in rights {
            attributes.push_item(AttrName::Rights, right, Some(at));
        }
        attributes.set_empty_list(AttrName::CarriedBy);
        attributes.set_flag(AttrName::Unattached, Tri::Yes, None);
        let (id, zone) = if role.kind == "Role" {
            (
                format!(
                    "k8s:rbac.authorization.k8s.io/Role/{}/{}",
                    role.namespace, role.name
                ),
                namespace_zone(&role.namespace),
            )
        } else {
            (
                format!("k8s:rbac.authorization.k8s.io/ClusterRole/{}", role.name),
                ZoneId(CLUSTER_ZONE.to_string()),
            )
        };
        builder.add(Element {
            id: ElementId(id),
            kind: ElementKind::Identity,
            name: format!("{} {}", role.kind, role.name),
            technology: Some("k8s-role".to_string()),
            zone,
            attached_zones: Vec::new(),
            called_from: None,
            span: Some(cluster.declaration(role)),
            attributes,
        });
    }
}

/// The ServiceAccounts that have a token Secret of the legacy kind, which never expires, at
/// the Secret's `type`.
fn legacy_tokens(cluster: &Cluster) -> BTreeMap<Account, Span> {
    let mut tokens = BTreeMap::new();
    for secret in cluster.objects.iter().filter(|o| o.kind == "Secret") {
        let Some(kind) = secret.node.get("type") else {
            continue;
        };
        if kind.as_str() != Some(LEGACY_TOKEN_TYPE) {
            continue;
        }
        let account = at(&secret.node, &["metadata", "annotations"])
            .and_then(|a| text(a, &["kubernetes.io/service-account.name"]));
        if let Some(account) = account {
            tokens
                .entry((secret.namespace.clone(), account.to_string()))
                .or_insert_with(|| cluster.span(kind));
        }
    }
    tokens
}

//! Who can get in, for every cloud: identities (IAM users, groups and roles, Azure managed
//! identities, applications and custom roles, Google service accounts and IAM members) as
//! elements with their dangerous rights, who outside may use them, their long-lived keys and
//! the workloads that carry them; resource policies that admit everyone as doors from the
//! internet; and secrets written as literal values in any resource's arguments.
//!
//! Each provider's mapping calls its entry point once its elements are built, so what is
//! stated here lands on the elements that exist. A grant to everyone whose resource is not in
//! the scanned code (a queue policy naming a queue by its URL, a permission on a function of
//! another stack) is not dropped: its door leads to a stand-in for that resource
//! ([`governed_elsewhere`]), not known to be reachable (`public` unknown).

mod aws;
mod azure;
mod google;
pub(crate) mod iam;
mod secrets;

pub(crate) use aws::model as aws;
pub(crate) use aws::private as out_of_internet_reach;
pub(crate) use aws::rest_api_reach;
pub(crate) use azure::model as azure;
pub(crate) use google::model as google;
pub(crate) use secrets::provider_credentials;

use crate::cloud::{Index, id};
use crate::value::{Resource, Value};
use std::collections::BTreeSet;
use trustmap_model::{
    AttrName, Attributes, Element, ElementId, ElementKind, Flow, Fragment, Span, Tri, ZoneId,
};

/// One identity and what the code says about it.
pub(crate) struct Identity {
    /// What its id is made of (a resource address, or a member's name).
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) technology: &'static str,
    pub(crate) zone: &'static str,
    pub(crate) span: Option<Span>,
    pub(crate) called_from: Option<Span>,
    /// Its dangerous rights, each at what grants it.
    pub(crate) rights: Vec<(String, Span)>,
    /// Some grant could not be read: no "none" is stated.
    pub(crate) rights_unknown: bool,
    pub(crate) assumable_by: Vec<(String, Span)>,
    /// Where a long-lived credential of it is created (none: it has none in the code).
    pub(crate) keys: Option<Span>,
    pub(crate) carried_by: Vec<(String, Option<Span>)>,
}

/// The accounts of a Kubernetes cluster whose authorization is turned off in favour of
/// "everyone may do everything": GKE's legacy ABAC (`enable_legacy_abac = true`), AKS without
/// RBAC (`role_based_access_control_enabled = false`, or the older block's `enabled = false`).
/// Every account of the cluster, each pod's service account included, holds the whole API: an
/// identity whose right is written at that setting. `None` when the setting is not so.
pub(crate) fn open_cluster_accounts(cluster: &Resource, zone: &'static str) -> Option<Identity> {
    let (setting, off_when) = match cluster.kind.as_str() {
        "google_container_cluster" => (cluster.body.get("enable_legacy_abac")?, true),
        "azurerm_kubernetes_cluster" => (
            cluster
                .body
                .get("role_based_access_control_enabled")
                .or_else(|| {
                    cluster
                        .body
                        .all("role_based_access_control")
                        .into_iter()
                        .find_map(|b| b.get("enabled"))
                })?,
            false,
        ),
        _ => return None,
    };
    if setting.as_bool() != Some(off_when) {
        return None;
    }
    let mut identity = Identity::part_of(
        cluster,
        format!("every account of {}", cluster.address),
        "k8s-cluster-accounts",
        zone,
        "accounts",
    );
    let how = if off_when {
        "legacy ABAC"
    } else {
        "RBAC turned off"
    };
    identity.rights.push((
        format!("*:* on the cluster's API ({how}: every account, every pod's included)"),
        setting.span().clone(),
    ));
    Some(identity)
}

/// The static credentials a service's own setting creates, shared by whoever is handed them
/// and valid until someone rotates them: an AKS cluster's local accounts (on unless
/// `local_account_disabled = true`: `az aks get-credentials --admin` hands out a cluster-admin
/// certificate), a GKE cluster's client certificate (`issue_client_certificate = true`) or
/// basic-auth password (a `master_auth` username), a container registry's admin user
/// (`admin_enabled = true`). Each is an identity with long-lived keys at the setting (at the
/// resource's block when a default decides), named for what it is; what it may do is the
/// cluster's or the registry's business (not stated, so a cluster-admin account is reported
/// once, for its credential, not again for its rights). `None` when the setting is off or not
/// known here.
pub(crate) fn static_credentials(resource: &Resource, zone: &'static str) -> Option<Identity> {
    let on = |setting: &Value, when: bool| setting.as_bool() == Some(when);
    let (name, span) = match resource.kind.as_str() {
        "azurerm_kubernetes_cluster" => {
            let span = match resource.body.get("local_account_disabled") {
                None | Some(Value::Null(_)) => resource.span.clone(),
                Some(setting) if on(setting, false) => setting.span().clone(),
                Some(_) => return None,
            };
            ("the local cluster-admin account", span)
        }
        "google_container_cluster" => {
            let master_auth = resource.body.all("master_auth");
            let certificate = master_auth
                .iter()
                .flat_map(|m| m.all("client_certificate_config"))
                .find_map(|c| c.get("issue_client_certificate"))
                .filter(|setting| on(setting, true));
            let password = master_auth
                .iter()
                .find_map(|m| m.get("username"))
                .filter(|u| u.as_str().is_some_and(|u| !u.is_empty()));
            match (certificate, password) {
                (Some(setting), _) => ("the client-certificate account", setting.span().clone()),
                (None, Some(username)) => ("the basic-auth account", username.span().clone()),
                (None, None) => return None,
            }
        }
        "azurerm_container_registry" => {
            let setting = resource.body.get("admin_enabled").filter(|s| on(s, true))?;
            ("the admin user", setting.span().clone())
        }
        _ => return None,
    };
    let mut identity = Identity::part_of(
        resource,
        format!("{name} of {}", resource.address),
        "static-credential",
        zone,
        "static-credential",
    );
    identity.rights_unknown = true;
    identity.keys = Some(span);
    Some(identity)
}

impl Identity {
    pub(crate) fn new(
        key: impl Into<String>,
        name: impl Into<String>,
        technology: &'static str,
        zone: &'static str,
    ) -> Identity {
        Identity {
            key: key.into(),
            name: name.into(),
            technology,
            zone,
            span: None,
            called_from: None,
            rights: Vec::new(),
            rights_unknown: false,
            assumable_by: Vec::new(),
            keys: None,
            carried_by: Vec::new(),
        }
    }

    /// The identity that a resource of the code declares: at its declaration, and at its
    /// module call when it is inside a module.
    pub(crate) fn declared_by(
        resource: &Resource,
        name: impl Into<String>,
        technology: &'static str,
        zone: &'static str,
    ) -> Identity {
        let mut identity = Identity::new(resource.address.clone(), name, technology, zone);
        identity.span = Some(resource.span.clone());
        identity.called_from = resource.called_from.clone();
        identity
    }

    /// An identity a resource's own setting creates beside it (`every account of` a cluster,
    /// its admin user), keyed `<address>/<part>` so that it is not the resource's own.
    pub(crate) fn part_of(
        resource: &Resource,
        name: String,
        technology: &'static str,
        zone: &'static str,
        part: &str,
    ) -> Identity {
        let mut identity = Identity::declared_by(resource, name, technology, zone);
        identity.key = format!("{}/{part}", resource.address);
        identity
    }

    /// The identity's element: rights and who may assume it in line order, without repeats.
    pub(crate) fn element(mut self, root: &str) -> Element {
        let mut attributes = Attributes::default();
        for (list, name) in [
            (&mut self.rights, AttrName::Rights),
            (&mut self.assumable_by, AttrName::AssumableBy),
        ] {
            list.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
            let mut seen = BTreeSet::new();
            for (item, span) in list.iter() {
                if seen.insert(item.clone()) {
                    attributes.push_item(name, item.clone(), Some(span.clone()));
                }
            }
        }
        if !self.rights_unknown {
            attributes.set_empty_list(AttrName::Rights);
        }
        attributes.set_empty_list(AttrName::AssumableBy);
        let keys = Tri::from_bool(self.keys.is_some());
        attributes.set_flag(AttrName::LongLivedKeys, keys, self.keys.clone());
        let mut seen = BTreeSet::new();
        for (carrier, span) in &self.carried_by {
            if seen.insert(carrier.clone()) {
                attributes.push_item(AttrName::CarriedBy, carrier.clone(), span.clone());
            }
        }
        attributes.set_empty_list(AttrName::CarriedBy);
        Element {
            id: ElementId(id(root, &self.key)),
            kind: ElementKind::Identity,
            name: self.name,
            technology: Some(self.technology.to_string()),
            zone: ZoneId(self.zone.to_string()),
            attached_zones: Vec::new(),
            called_from: self.called_from,
            span: self.span,
            attributes,
        }
    }
}

/// The address of the stand-in for the resource a grant governs when that resource is not in
/// the scanned code.
pub(crate) fn elsewhere_address(grant: &Resource) -> String {
    format!("{}/governed", grant.address)
}

/// The stand-in for the resource a grant to everyone governs (a resource policy, an ACL, a
/// permission, an IAM member) when that resource is not in the scanned code: a data store or a
/// process in the account's zone, `unattached`, at the grant's block, and `public` unknown
/// (whether the resource exists and what else closes it is decided where it lives; what an
/// unattached security group guards states nothing of the kind). Its door comes from
/// [`elsewhere_door`].
pub(crate) fn governed_elsewhere(
    root: &str,
    grant: &Resource,
    kind: ElementKind,
    zone: &str,
) -> Element {
    let mut attributes = Attributes::default();
    attributes.set_flag(AttrName::Unattached, Tri::Yes, Some(grant.span.clone()));
    attributes.set_flag(AttrName::Public, Tri::Unknown, Some(grant.span.clone()));
    Element {
        id: ElementId(id(root, &elsewhere_address(grant))),
        kind,
        name: format!("what {} governs (outside the scanned code)", grant.address),
        technology: Some("outside-scan".into()),
        zone: ZoneId(zone.to_string()),
        attached_zones: Vec::new(),
        called_from: grant.called_from.clone(),
        span: Some(grant.span.clone()),
        attributes,
    }
}

/// The door a grant to everyone opens into the stand-in of its resource: the door as drawn
/// for a resource of the scan, but `public` unknown at the grant (whether the resource exists
/// and what else closes it, an account-wide block, is decided outside the scanned code).
pub(crate) fn elsewhere_door(mut door: Flow, span: &Span) -> Flow {
    door.attributes
        .set_flag(AttrName::Public, Tri::Unknown, Some(span.clone()));
    door
}

/// The resource of the scan that a grant names by a literal instead of a reference (a plan or a
/// state writes every reference as its value): one whose type begins the grant's
/// (`aws_sqs_queue` for `aws_sqs_queue_policy`) or is one of `also`, with a top-level argument
/// whose text is the literal or its last part (a queue's URL, an ARN). Such a resource is in
/// the scan, so the grant needs no stand-in.
pub(crate) fn named_by_literal<'r>(
    index: &Index<'r>,
    grant: &Resource,
    value: Option<&Value>,
    also: &[&str],
) -> Option<&'r Resource> {
    let literal = value?.as_str()?;
    index.all().iter().find(|r| {
        r.address != grant.address
            && (grant
                .kind
                .strip_prefix(r.kind.as_str())
                .is_some_and(|rest| rest.starts_with('_'))
                || also.contains(&r.kind.as_str()))
            && matches!(&r.body, Value::Object(fields, _) if fields.iter().any(|(_, v)| {
                v.as_str().is_some_and(|name| {
                    name.len() >= 3
                        && literal
                            .strip_suffix(name)
                            .is_some_and(|head| head.is_empty() || head.ends_with(['/', ':']))
                })
            }))
    })
}

/// The ids of the fragment's elements, looked up once for every door drawn (a door is drawn
/// only to an element).
pub(crate) fn element_ids(fragment: &Fragment) -> BTreeSet<String> {
    fragment.elements.iter().map(|e| e.id.0.clone()).collect()
}

/// The addresses of the elements that run with their cloud credentials on hand (the mapping
/// said so with `service_account_token`): the carriers an identity can have.
pub(crate) fn credential_holders(fragment: &Fragment) -> BTreeSet<String> {
    fragment
        .elements
        .iter()
        .filter(|e| e.attributes.flag(AttrName::ServiceAccountToken) == Tri::Yes)
        .map(|e| e.name.clone())
        .collect()
}

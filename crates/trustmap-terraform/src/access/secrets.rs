//! Secrets written in Terraform: an argument that names a password, key, secret or token
//! (`master_password`, `administrator_login_password`, `auth_token`, a function's
//! `environment.variables.AWS_SECRET_ACCESS_KEY`) holding a value known statically, or any
//! value that is a credential by its shape (an AWS access key id, a private key, a GitHub
//! token). Each becomes an item of the element's `plaintext_secrets`, named by the argument,
//! never the value, at the argument's line.
//!
//! Provider configurations (`provider "aws" { access_key = "AKIA..." }`) are read the same way:
//! the credentials written in one are an identity of their own, whoever's they are, and whoever
//! reads the repository acts as it (`provider_credentials`).
//!
//! A value known statically is written in the repository: a literal, a local, a variable's
//! default or a committed `.tfvars` value are all secrets in plain text. Values of variables
//! declared `sensitive`, references to other resources (`random_password.db.result`) and
//! data sources are not: the first are redacted before the model is built, the others are
//! not known here. Nor are values that name a key instead of holding one (a KMS key's ARN or
//! alias in `encryption_key`, a Cloud KMS key or a Key Vault key by its path), or that a block
//! says are encrypted with the key it names (Cloud Build's `secret { kms_key_name, secret_env }`).

use crate::SENSITIVE;
use crate::cloud::{Index, id, provider_zone};
use crate::value::{PROVIDER_CONFIGURATION, Resource, Value};
use std::collections::BTreeMap;
use trustmap_containers::{EnvEntry, plaintext_secrets, secret_shape};
use trustmap_model::{
    AttrName, Attributes, Element, ElementId, ElementKind, Fragment, Span, ZoneId,
};

/// Arguments read elsewhere (user data and container definitions, by the provider mapping),
/// that hold policies, that are free-form labels, or whose names say token but that hold an
/// idempotency key anyone may read (EFS's `creation_token`).
const SKIPPED: &[&str] = &[
    "creation_token",
    "idempotency_token",
    "user_data",
    "user_data_base64",
    "container_definitions",
    "tags",
    "tags_all",
    "labels",
    "policy",
    "assume_role_policy",
    "access_policies",
];

/// States the literal secrets of every process and data store of the fragment. Those of a
/// part (a database user, the catalog's `part_of`) are its whole's, named with the part.
pub(crate) fn literal_secrets(
    resources: &[Resource],
    index: &Index,
    root: &str,
    fragment: &mut Fragment,
) {
    let mut found: BTreeMap<String, Vec<(String, Span)>> = BTreeMap::new();
    for r in resources {
        let secrets = secrets_of(&r.body);
        if secrets.is_empty() {
            continue;
        }
        let whole = index.whole(r);
        let named = secrets.into_iter().map(|(name, span)| {
            if whole.address == r.address {
                (name, span)
            } else {
                (format!("{name} ({})", r.address), span)
            }
        });
        found
            .entry(id(root, &whole.address))
            .or_default()
            .extend(named);
    }
    for element in fragment
        .elements
        .iter_mut()
        .filter(|e| matches!(e.kind, ElementKind::Process | ElementKind::DataStore))
    {
        for (name, span) in found.get(&element.id.0).into_iter().flatten() {
            element.attributes.push_item(
                AttrName::PlaintextSecrets,
                name.clone(),
                Some(span.clone()),
            );
        }
    }
}

/// The zone of the account, subscription or project a provider's credentials act in, and
/// that zone's name; `None` for a provider the model does not map.
fn provider_account(provider: &str) -> Option<(&'static str, &'static str)> {
    match provider {
        "aws" => Some((crate::aws::ACCOUNT_ZONE, "AWS account")),
        "azurerm" | "azuread" => Some((crate::azure::SUBSCRIPTION_ZONE, "Azure subscription")),
        "google" | "google-beta" => Some((crate::google::PROJECT_ZONE, "Google Cloud project")),
        _ => None,
    }
}

/// The credentials written in provider configurations (`access_key`/`secret_key`,
/// `client_secret`, a service-account key's JSON in `credentials`): an identity for each
/// configuration that holds some, in the zone of the account it acts in, with the arguments
/// that hold them as its `plaintext_secrets` (named, never shown). A `credentials` that names a
/// key file (`"account.json"`) is a path, not the key.
pub(crate) fn provider_credentials(
    configurations: &[Resource],
    root: &str,
    fragment: &mut Fragment,
) {
    for configuration in configurations {
        let Some(provider) = configuration
            .kind
            .strip_prefix(PROVIDER_CONFIGURATION)
            .and_then(|k| k.strip_prefix('.'))
        else {
            continue;
        };
        let Some((zone, zone_name)) = provider_account(provider) else {
            continue;
        };
        let body = match &configuration.body {
            Value::Object(fields, span) => Value::Object(
                fields
                    .iter()
                    .filter(|(key, value)| key != "credentials" || holds_a_key(value))
                    .cloned()
                    .collect(),
                span.clone(),
            ),
            other => other.clone(),
        };
        let found = secrets_of(&body);
        if found.is_empty() {
            continue;
        }
        let mut attributes = Attributes::default();
        for (name, span) in found {
            attributes.push_item(AttrName::PlaintextSecrets, name, Some(span));
        }
        fragment.zones.push(provider_zone(zone, zone_name));
        fragment.elements.push(Element {
            id: ElementId(id(root, &configuration.address)),
            kind: ElementKind::Identity,
            name: configuration.address.clone(),
            technology: Some("provider-credentials".into()),
            zone: ZoneId(zone.to_string()),
            attached_zones: Vec::new(),
            called_from: configuration.called_from.clone(),
            span: Some(configuration.span.clone()),
            attributes,
        });
    }
}

/// Whether a provider's `credentials` holds a key (a service-account key's JSON, a private
/// key) rather than the path of a file that does.
fn holds_a_key(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|text| text.trim_start().starts_with('{') || secret_shape(text).is_some())
}

/// The secrets of a resource's arguments, nested blocks and maps included, named by the
/// argument (with the block or map that holds it).
fn secrets_of(body: &Value) -> Vec<(String, Span)> {
    let mut entries: Vec<(EnvEntry, String)> = Vec::new();
    collect(body, "", &mut entries);
    let mut found = Vec::new();
    for (entry, path) in entries {
        for (name, span) in plaintext_secrets(std::slice::from_ref(&entry)) {
            let name = if path.is_empty() {
                name
            } else {
                format!("{name} (in {path})")
            };
            found.push((name, span));
        }
    }
    found
}

/// Whether a value names a key or secret held elsewhere, by the identifier its cloud gives it:
/// an AWS ARN or KMS alias, a Google resource path, a Key Vault object's URL.
fn names_a_resource(text: &str) -> bool {
    text.starts_with("arn:aws")
        || text.starts_with("alias/")
        || (text.starts_with("projects/") && text.contains("/locations/"))
        || (text.starts_with("https://") && text.contains(".vault.azure.net/"))
}

fn collect(value: &Value, path: &str, out: &mut Vec<(EnvEntry, String)>) {
    match value {
        Value::Object(fields, _) => {
            // Cloud Build's `secret { kms_key_name, secret_env }`: the map holds ciphertext of
            // the key the block names (a function's `kms_key_name` encrypts nothing it lists).
            let encrypted = fields.iter().any(|(key, _)| key == "kms_key_name");
            for (key, field) in fields {
                if path.is_empty() && SKIPPED.contains(&key.as_str()) {
                    continue;
                }
                match field {
                    Value::String(text, _) if names_a_resource(text) => {}
                    Value::Object(..) if encrypted && key == "secret_env" => {}
                    Value::String(text, span) if text != SENSITIVE => out.push((
                        EnvEntry {
                            key: key.clone(),
                            raw: text.clone(),
                            value: text.clone(),
                            literal: true,
                            known: true,
                            span: span.clone(),
                        },
                        path.to_string(),
                    )),
                    Value::Object(..) | Value::List(..) => {
                        let inner = if path.is_empty() {
                            key.clone()
                        } else {
                            format!("{path}.{key}")
                        };
                        collect(field, &inner, out);
                    }
                    _ => {}
                }
            }
        }
        Value::List(items, _) => items.iter().for_each(|i| collect(i, path, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str, line: u32) -> Value {
        Value::String(text.into(), Span::lines("main.tf", line, line))
    }

    #[test]
    fn secrets_are_named_by_their_argument() {
        let env = Value::Object(
            vec![(
                "variables".into(),
                Value::Object(
                    vec![
                        ("access_key".into(), s("AKIAIOSFODNN7EXAMPLE", 5)),
                        ("REGION".into(), s("eu-west-1", 6)),
                    ],
                    Span::lines("main.tf", 4, 7),
                ),
            )],
            Span::lines("main.tf", 3, 8),
        );
        let body = Value::Object(
            vec![
                ("master_password".into(), s("Aa1234321Bb", 1)),
                ("manage_master_user_password".into(), s("true", 2)),
                ("key_name".into(), s("deployer", 2)),
                ("password".into(), s(SENSITIVE, 2)),
                (
                    "environment".into(),
                    Value::List(vec![env], Span::lines("main.tf", 3, 8)),
                ),
                (
                    "tags".into(),
                    Value::Object(
                        vec![("token".into(), s("x1", 9))],
                        Span::lines("main.tf", 9, 9),
                    ),
                ),
            ],
            Span::lines("main.tf", 1, 10),
        );
        let found: Vec<(String, u32)> = secrets_of(&body)
            .into_iter()
            .map(|(n, s)| (n, s.start.line))
            .collect();
        assert_eq!(
            found,
            [
                ("master_password".to_string(), 1),
                ("access_key (in environment.variables)".to_string(), 5)
            ]
        );
    }

    #[test]
    fn names_of_keys_and_ciphertext_are_not_secrets() {
        let secret = Value::Object(
            vec![
                (
                    "kms_key_name".into(),
                    s("projects/p/locations/global/keyRings/r/cryptoKeys/k", 3),
                ),
                (
                    "secret_env".into(),
                    Value::Object(
                        vec![("PASSWORD".into(), s("CiQAcipherTEXT==", 4))],
                        Span::lines("main.tf", 4, 4),
                    ),
                ),
            ],
            Span::lines("main.tf", 2, 5),
        );
        let body = Value::Object(
            vec![
                (
                    "encryption_key".into(),
                    s("arn:aws:kms:eu-west-1:123456789012:key/1234abcd", 1),
                ),
                ("secret".into(), secret),
                ("signing_key".into(), s("alias/signing", 6)),
                ("client_secret".into(), s("s3cr3t-v4lue", 7)),
                (
                    "kms_key_name".into(),
                    s("projects/p/locations/global/keyRings/r/cryptoKeys/f", 8),
                ),
                (
                    "environment_variables".into(),
                    Value::Object(
                        vec![("DB_PASSWORD".into(), s("hunter2-prod", 9))],
                        Span::lines("main.tf", 9, 9),
                    ),
                ),
            ],
            Span::lines("main.tf", 1, 10),
        );
        let found: Vec<String> = secrets_of(&body).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            found,
            ["client_secret", "DB_PASSWORD (in environment_variables)"]
        );
    }
}

//! Credentials: whether a data store's settings demand them, which settings hold them in
//! plain text, and which values are credentials by their shape whatever their name.

use crate::catalog::Technology;
use crate::references::{is_secret_key, references};
use regex::Regex;
use std::sync::OnceLock;
use trustmap_model::{Span, Tri};

/// One environment entry of a container.
#[derive(Debug, Clone)]
pub struct EnvEntry {
    /// The variable name.
    pub key: String,
    /// The value as written (before interpolation).
    pub raw: String,
    /// The value as the container sees it, as far as it is known.
    pub value: String,
    /// Whether the value is written in the configuration itself (not interpolated from the
    /// environment, not taken from a secret or config reference).
    pub literal: bool,
    /// Whether the value is known (no unresolved variable, read from a file that was read).
    pub known: bool,
    /// Where it is written.
    pub span: Span,
}

/// The entries that hold a secret in plain text: a secret-named variable with a literal value,
/// or a connection URL with a literal password. Each is named by its key, never its value.
pub fn plaintext_secrets(env: &[EnvEntry]) -> Vec<(String, Span)> {
    let mut found = Vec::new();
    for entry in env {
        let boolean = matches!(
            entry.value.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "1" | "0"
        );
        if is_secret_key(&entry.key)
            && entry.literal
            && !entry.value.is_empty()
            && !boolean
            && !is_placeholder_value(&entry.key, &entry.value)
        {
            found.push((entry.key.clone(), entry.span.clone()));
        } else if let Some(shape) = secret_shape(&entry.value).filter(|_| entry.literal) {
            found.push((format!("{} ({shape})", entry.key), entry.span.clone()));
        } else if references(&entry.key, &entry.raw, &entry.raw)
            .iter()
            .any(|r| r.literal_password)
        {
            found.push((
                format!("{} (password in URL)", entry.key),
                entry.span.clone(),
            ));
        }
    }
    found
}

/// The kind of credential a value is by its shape, whatever the setting that holds it is
/// called: cloud access key ids, private keys and the tokens of well-known services, whose
/// prefixes their issuers chose to be recognisable. `None` for anything else (a random-looking
/// string is not enough).
pub fn secret_shape(value: &str) -> Option<&'static str> {
    static SHAPES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let shapes = SHAPES.get_or_init(|| {
        [
            (r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", "an AWS access key id"),
            (
                r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
                "a private key",
            ),
            (r"\bgh[pousr]_[A-Za-z0-9]{36}\b", "a GitHub token"),
            (r"\bgithub_pat_[A-Za-z0-9_]{22,}", "a GitHub token"),
            (r"\bglpat-[A-Za-z0-9_-]{20,}", "a GitLab token"),
            (r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "a Slack token"),
            (r"\bAIza[0-9A-Za-z_-]{35}", "a Google API key"),
            (r"\b[sr]k_live_[0-9A-Za-z]{20,}", "a Stripe secret key"),
        ]
        .into_iter()
        .map(|(pattern, name)| (Regex::new(pattern).expect("valid pattern"), name))
        .collect()
    });
    shapes
        .iter()
        .find(|(pattern, _)| pattern.is_match(value))
        .map(|(_, name)| *name)
}

/// Whether a literal value is a marker for a value filled in at deploy time, not a secret:
/// `<your-api-key>`, `to-be-specified`, `REPLACE_ME`, or a value that names its own variable
/// (`GOOGLE_API_KEY_VAL` for `GOOGLE_API_KEY`, replaced by a `sed` or a templating step). A weak real value such as
/// `changeme` is still a secret written in plain text. The path of a mounted secret file
/// (`/run/secrets/db-password`, where compose and Kubernetes mount them) names where the secret
/// is, not the secret.
pub fn is_placeholder_value(key: &str, value: &str) -> bool {
    let angle_bracketed = value.len() > 2 && value.starts_with('<') && value.ends_with('>');
    // Words that say a value is yet to be written (`to-be-specified`, `REPLACE_ME`, `TODO`,
    // `xxxxxx`): a tool or a person fills them in, nothing would accept them as they are.
    let words = crate::references::squashed(value);
    let to_be_written = matches!(
        words.as_str(),
        "tobespecified" | "tobefilled" | "tobereplaced" | "replaceme" | "todo" | "tbd" | "fixme"
    ) || (words.len() >= 3 && words.chars().all(|c| c == 'x'));
    let names_its_variable = key.len() >= 4
        && value
            .to_ascii_uppercase()
            .contains(&key.to_ascii_uppercase());
    let secret_file = ["/run/secrets/", "/var/run/secrets/"]
        .iter()
        .any(|dir| value.starts_with(dir) && !value.contains(char::is_whitespace));
    angle_bracketed || to_be_written || names_its_variable || secret_file
}

/// The entry that sets a setting to a value (`xpack.security.enabled: "false"`, or
/// `-Expack.security.enabled=false` among options), when one does.
pub(crate) fn set_to<'e>(env: &'e [EnvEntry], setting: &str, value: &str) -> Option<&'e EnvEntry> {
    let option = format!("{setting}={value}");
    env.iter().find(|v| {
        v.value.replace(' ', "").contains(&option) || (v.key == setting && v.value == value)
    })
}

/// Whether a data store's documented configuration demands credentials, from its image, its
/// environment and its command line. Only what the image's documentation states is used:
/// anything else is unknown. `config_mounted` says a configuration file is mounted, which may
/// set a password the configuration does not show.
pub fn authentication(
    technology: Option<Technology>,
    image: Option<&str>,
    env: &[EnvEntry],
    command: Option<&str>,
    config_mounted: bool,
) -> (Tri, Option<Span>) {
    let Some(technology) = technology else {
        return (Tri::Unknown, None);
    };
    // An entry the image reads whose value is not known (or an environment file that was not
    // read, an entry without a key) may be the one that sets a password.
    let unknown = |keys: &[&str]| {
        env.iter()
            .any(|e| !e.known && (e.key.is_empty() || keys.contains(&e.key.as_str())))
    };
    let find = |key: &str| env.iter().rev().find(|v| v.key == key);
    let is_true =
        |v: &EnvEntry| matches!(v.value.to_ascii_lowercase().as_str(), "yes" | "true" | "1");
    let official = image.is_some_and(|i| {
        let repo = i
            .split('@')
            .next()
            .unwrap_or(i)
            .split(':')
            .next()
            .unwrap_or(i);
        !repo.contains('/')
            || repo.starts_with("library/")
            || repo.starts_with("docker.io/library/")
    });
    for key in [
        "ALLOW_EMPTY_PASSWORD",
        "MYSQL_ALLOW_EMPTY_PASSWORD",
        "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
        "MARIADB_ALLOW_EMPTY_PASSWORD",
    ] {
        if let Some(var) = find(key).filter(|v| is_true(v)) {
            return (Tri::No, Some(var.span.clone()));
        }
    }
    if let Some(var) = find("POSTGRES_HOST_AUTH_METHOD").filter(|v| v.value == "trust") {
        return (Tri::No, Some(var.span.clone()));
    }
    if let Some(var) = set_to(env, "xpack.security.enabled", "false") {
        return (Tri::No, Some(var.span.clone()));
    }
    let any_set = |keys: &[&str]| keys.iter().any(|k| find(k).is_some());
    match technology.name {
        "postgres" if any_set(&["POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE"]) => (Tri::Yes, None),
        "mysql" | "mariadb"
            if any_set(&[
                "MYSQL_ROOT_PASSWORD",
                "MYSQL_ROOT_PASSWORD_FILE",
                "MYSQL_RANDOM_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD",
                "MARIADB_ROOT_PASSWORD_FILE",
                "MARIADB_RANDOM_ROOT_PASSWORD",
            ]) =>
        {
            (Tri::Yes, None)
        }
        "redis" => {
            // The official image reads no password variable (Bitnami's reads REDIS_PASSWORD;
            // redis-stack reads REDIS_ARGS).
            let password_set = command.is_some_and(|c| c.contains("requirepass"))
                || (!official && find("REDIS_PASSWORD").is_some())
                || find("REDIS_ARGS").is_some_and(|v| v.value.contains("requirepass"));
            if password_set {
                (Tri::Yes, None)
            } else if official
                && !unknown(&["REDIS_ARGS"])
                && !(config_mounted && command.is_some())
            {
                // The official image starts with no password; a configuration file passed on
                // the command line might set one, which the configuration does not show.
                (Tri::No, None)
            } else {
                (Tri::Unknown, None)
            }
        }
        "memcached" if official => (Tri::No, None),
        "mongodb" if official && unknown(&["MONGO_INITDB_ROOT_USERNAME"]) => (Tri::Unknown, None),
        "mongodb" if official => {
            let root_user = any_set(&[
                "MONGO_INITDB_ROOT_USERNAME",
                "MONGO_INITDB_ROOT_USERNAME_FILE",
            ]);
            if root_user || command.is_some_and(|c| c.contains("--auth")) {
                (Tri::Yes, None)
            } else {
                (Tri::No, None)
            }
        }
        _ => (Tri::Unknown, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str) -> EnvEntry {
        EnvEntry {
            key: key.to_string(),
            raw: value.to_string(),
            value: value.to_string(),
            literal: true,
            known: true,
            span: Span::lines("deploy.yaml", 3, 3),
        }
    }

    #[test]
    fn placeholders_are_not_secrets_but_weak_values_are() {
        let env = [
            entry("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL"),
            entry("API_TOKEN", "<your-token>"),
            entry("DB_PASSWORD", "changeme"),
            entry("DATABASE_PASSWORD", "/run/secrets/db-password"),
            entry("SECRET_KEY", "s3cr3t-v4lue"),
            entry("API_KEY", "to-be-specified"),
            entry("AUTH_TOKEN", "REPLACE_ME"),
            entry("ADMIN_PASSWORD", "xxxxxxxx"),
        ];
        let names: Vec<String> = plaintext_secrets(&env)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["DB_PASSWORD", "SECRET_KEY"]);
    }

    #[test]
    fn credentials_are_known_by_their_shape() {
        let shaped = [
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            ("id=ASIAY34FZKBOKMUTVV7A;", "an AWS access key id"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n",
                "a private key",
            ),
            ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "a GitHub token"),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghij",
                "a GitHub token",
            ),
            ("glpat-0123456789abcdefABCD", "a GitLab token"),
            ("xoxb-1234567890-abcdefghij", "a Slack token"),
            (
                "AIzaSyA0123456789abcdefghijklmnopqrstuv",
                "a Google API key",
            ),
            ("sk_live_0123456789abcdefghijklmn", "a Stripe secret key"),
        ];
        for (value, kind) in shaped {
            assert_eq!(secret_shape(value), Some(kind), "{value}");
        }
        for value in [
            "AKIA",
            "XAKIAIOSFODNN7EXAMPLEX",
            "-----BEGIN PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----",
            "ssh-rsa AAAAB3NzaC1yc2E",
            "ghp_short",
            "sk_test_0123456789abcdefghijklmn",
            "arn:aws:iam::123456789012:role/app",
            "",
        ] {
            assert_eq!(secret_shape(value), None, "{value}");
        }
    }

    #[test]
    fn a_credential_by_its_shape_is_a_secret_whatever_its_name() {
        let mut reference = entry("AWS_KEY_REF", "${KEY}");
        reference.literal = false;
        reference.raw = "AKIAIOSFODNN7EXAMPLE".into();
        reference.value = "AKIAIOSFODNN7EXAMPLE".into();
        let env = [
            entry("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            entry("NOTIFY", "xoxb-1234567890-abcdefghij"),
            entry("REGION", "eu-west-1"),
            reference,
        ];
        let names: Vec<String> = plaintext_secrets(&env)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "AWS_ACCESS_KEY_ID (an AWS access key id)",
                "NOTIFY (a Slack token)"
            ]
        );
    }
}

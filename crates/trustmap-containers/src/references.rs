//! Finding other services named in environment values: connection URLs
//! (`postgres://app:pw@db:5432/app`) and host names (`REDIS_HOST=cache`, `db:5432`).

use regex::Regex;
use std::sync::LazyLock;

/// A service named in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The host name as written.
    pub host: String,
    /// The port, when written.
    pub port: Option<u16>,
    /// The URL scheme, when the value is a URL.
    pub scheme: Option<String>,
    /// Whether the URL's query asks for TLS (`Some(true)`), refuses it (`Some(false)`), or is silent.
    pub tls: Option<bool>,
    /// Whether the URL carries a user name (credentials are presented).
    pub has_credentials: bool,
    /// Whether the URL carries a literal password (not a variable).
    pub literal_password: bool,
}

static URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b([a-z][a-z0-9+.\-]*)://(?:([^:@/\s]*)(?::([^@/\s]*))?@)?(\[[0-9a-f:]+\]|[a-z0-9_.\-]+)(?::(\d{1,5}))?([^\s,;]*)",
    )
    .expect("valid regex")
});

static HOST_PORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9_][A-Za-z0-9_.\-]*)(?::(\d{1,5}))?$").expect("valid regex")
});

/// Keys whose values are host names (`DB_HOST`, `REDIS_ADDR`, `KAFKA_BOOTSTRAP_SERVERS`).
fn is_host_key(key: &str) -> bool {
    let key = key.to_ascii_uppercase();
    const SUFFIXES: &[&str] = &[
        "HOST",
        "HOSTNAME",
        "HOSTS",
        "SERVER",
        "SERVERS",
        "ADDR",
        "ADDRESS",
        "ADDRESSES",
        "ENDPOINT",
        "BROKER",
        "BROKERS",
        "NODES",
        "SERVICE_HOST",
        "URL",
        "URI",
        "DSN",
    ];
    SUFFIXES
        .iter()
        .any(|s| key == *s || (key.ends_with(s) && key[..key.len() - s.len()].ends_with('_')))
}

/// The references in one environment entry. `raw` is the value as written (to tell literal
/// passwords from variables), `value` after interpolation.
pub fn references(key: &str, raw: &str, value: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    // Most values are not URLs: skip the regex for them.
    let urls: Vec<_> = if value.contains("://") {
        URL.captures_iter(value).collect()
    } else {
        Vec::new()
    };
    for caps in urls {
        let scheme = caps[1].to_ascii_lowercase();
        let query = caps.get(6).map_or("", |m| m.as_str()).to_ascii_lowercase();
        let tls = if [
            "sslmode=require",
            "sslmode=verify",
            "ssl=true",
            "tls=true",
            "ssl_mode=required",
            "sslmode=verify-full",
        ]
        .iter()
        .any(|q| query.contains(q))
        {
            Some(true)
        } else if [
            "sslmode=disable",
            "ssl=false",
            "tls=false",
            "ssl_mode=disabled",
        ]
        .iter()
        .any(|q| query.contains(q))
        {
            Some(false)
        } else {
            None
        };
        let password = caps.get(3).map(|m| m.as_str()).filter(|p| !p.is_empty());
        let literal_password = password.is_some() && raw_password_is_literal(raw);
        found.push(Reference {
            host: caps[4].to_string(),
            port: caps.get(5).and_then(|m| m.as_str().parse().ok()),
            scheme: Some(scheme),
            tls,
            has_credentials: caps.get(2).is_some_and(|m| !m.as_str().is_empty()),
            literal_password,
        });
    }
    if found.is_empty() && is_host_key(key) {
        for part in value.split([',', ' ']).filter(|p| !p.is_empty()) {
            if let Some(caps) = HOST_PORT.captures(part) {
                found.push(Reference {
                    host: caps[1].to_string(),
                    port: caps.get(2).and_then(|m| m.as_str().parse().ok()),
                    scheme: None,
                    tls: None,
                    has_credentials: false,
                    literal_password: false,
                });
            }
        }
    }
    found
}

/// Whether the password part of the URL as written is literal text, not `${VAR}`.
fn raw_password_is_literal(raw: &str) -> bool {
    raw.contains("://")
        && URL
            .captures(raw)
            .and_then(|c| c.get(3))
            .is_some_and(|p| !p.as_str().is_empty() && !p.as_str().contains('$'))
}

/// A key or value with only its letters and digits, lowercased (`connectionName` and
/// `CONNECTION_NAME` are `connectionname`): the words, whatever joins them.
pub(crate) fn squashed(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a key names what identifies a service or an account rather than a credential
/// (`username`, `host`, `port`, `database`, `connectionName`, `projectId`): a Secret may
/// hold it beside its password, but its value is no secret.
pub fn is_identifier_key(key: &str) -> bool {
    let words = squashed(key);
    const IDENTIFIERS: &[&str] = &[
        "user",
        "username",
        "login",
        "email",
        "host",
        "hostname",
        "port",
        "database",
        "dbname",
        "db",
        "name",
        "project",
        "projectid",
        "region",
        "zone",
        "connectionname",
        "instance",
        "instancename",
        "namespace",
        "cluster",
        "endpoint",
    ];
    IDENTIFIERS.contains(&words.as_str())
}

/// Whether an environment key names a secret (`DB_PASSWORD`, `API_TOKEN`, `SECRET_KEY_BASE`),
/// judged by its last words so that `PASSWORD_MIN_LENGTH` or `POSTGRES_PASSWORD_FILE` are not.
pub fn is_secret_key(key: &str) -> bool {
    let upper = key.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    const SECRET_WORDS: &[&str] = &[
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "CREDENTIALS",
        "CREDENTIAL",
        "PASSPHRASE",
        "SALT",
    ];
    const KEY_QUALIFIERS: &[&str] = &[
        "API",
        "SECRET",
        "PRIVATE",
        "ACCESS",
        "ENCRYPTION",
        "SIGNING",
        "MASTER",
        "AUTH",
        "APP",
        "LICENSE",
        "SESSION",
        "CLIENT",
    ];
    if SECRET_WORDS.contains(last) {
        return true;
    }
    let before = words.len().checked_sub(2).map(|i| words[i]);
    match (*last, before) {
        ("KEY", Some(q)) => KEY_QUALIFIERS.contains(&q),
        ("BASE", Some("KEY")) => upper.ends_with("SECRET_KEY_BASE"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_hosts_ports_and_tls() {
        let r = &references(
            "DATABASE_URL",
            "postgres://app:pw@db:5432/app",
            "postgres://app:pw@db:5432/app",
        )[0];
        assert_eq!((r.host.as_str(), r.port), ("db", Some(5432)));
        assert!(r.literal_password && r.has_credentials);
        let r = &references(
            "X",
            "postgres://u:${PW}@db/app?sslmode=require",
            "postgres://u:x@db/app?sslmode=require",
        )[0];
        assert!(!r.literal_password);
        assert_eq!(r.tls, Some(true));
        assert_eq!(
            references("REDIS_URL", "rediss://cache", "rediss://cache")[0]
                .scheme
                .as_deref(),
            Some("rediss")
        );
    }

    #[test]
    fn host_keys_name_hosts_and_others_do_not() {
        assert_eq!(references("REDIS_HOST", "cache", "cache")[0].host, "cache");
        assert_eq!(
            references("KAFKA_BROKERS", "k1:9092,k2:9092", "k1:9092,k2:9092").len(),
            2
        );
        assert!(references("APP_NAME", "cache", "cache").is_empty());
    }

    #[test]
    fn secret_keys_are_judged_by_their_last_words() {
        for key in [
            "POSTGRES_PASSWORD",
            "api_token",
            "SECRET_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "SECRET_KEY_BASE",
            "JWT_SECRET",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "POSTGRES_PASSWORD_FILE",
            "PASSWORD_MIN_LENGTH",
            "POSTGRES_HOST_AUTH_METHOD",
            "AWS_ACCESS_KEY_ID",
            "PUBLIC_KEY",
            "TOKEN_URL",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }
}

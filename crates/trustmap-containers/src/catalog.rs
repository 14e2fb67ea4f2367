//! What well-known images are: which are data stores, what protocol they speak, and whether
//! their documented configuration turns authentication off.

use crate::auth::{EnvEntry, set_to};
use trustmap_model::{ElementKind, Protocol};

/// What an image is known to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technology {
    /// The name used in the model (`postgres`).
    pub name: &'static str,
    /// Data store or process.
    pub kind: ElementKind,
    /// The protocol clients speak to it, and its default port.
    pub protocol: Option<(&'static str, u16)>,
}

const fn store(name: &'static str, protocol: &'static str, port: u16) -> Technology {
    Technology {
        name,
        kind: ElementKind::DataStore,
        protocol: Some((protocol, port)),
    }
}

/// Image repository names (the last path segment, without tag) and what they are.
const IMAGES: &[(&str, Technology)] = &[
    ("postgres", store("postgres", "postgres", 5432)),
    ("postgresql", store("postgres", "postgres", 5432)),
    ("postgis", store("postgres", "postgres", 5432)),
    ("timescaledb", store("postgres", "postgres", 5432)),
    ("pgvector", store("postgres", "postgres", 5432)),
    ("mysql", store("mysql", "mysql", 3306)),
    ("mysql-server", store("mysql", "mysql", 3306)),
    ("mariadb", store("mariadb", "mysql", 3306)),
    ("percona", store("mysql", "mysql", 3306)),
    ("percona-server", store("mysql", "mysql", 3306)),
    ("mongo", store("mongodb", "mongodb", 27017)),
    ("mongodb", store("mongodb", "mongodb", 27017)),
    (
        "mongodb-community-server",
        store("mongodb", "mongodb", 27017),
    ),
    ("redis", store("redis", "redis", 6379)),
    ("redis-stack", store("redis", "redis", 6379)),
    ("redis-stack-server", store("redis", "redis", 6379)),
    ("redismod", store("redis", "redis", 6379)),
    ("valkey", store("redis", "redis", 6379)),
    ("keydb", store("redis", "redis", 6379)),
    ("dragonfly", store("redis", "redis", 6379)),
    ("memcached", store("memcached", "memcached", 11211)),
    ("elasticsearch", store("elasticsearch", "http", 9200)),
    ("opensearch", store("opensearch", "http", 9200)),
    ("solr", store("solr", "http", 8983)),
    ("meilisearch", store("meilisearch", "http", 7700)),
    ("rabbitmq", store("rabbitmq", "amqp", 5672)),
    ("kafka", store("kafka", "kafka", 9092)),
    ("cp-kafka", store("kafka", "kafka", 9092)),
    ("redpanda", store("kafka", "kafka", 9092)),
    ("nats", store("nats", "nats", 4222)),
    ("activemq", store("activemq", "openwire", 61616)),
    ("artemis", store("activemq", "amqp", 5672)),
    ("zookeeper", store("zookeeper", "zookeeper", 2181)),
    ("cp-zookeeper", store("zookeeper", "zookeeper", 2181)),
    ("minio", store("minio", "http", 9000)),
    ("cassandra", store("cassandra", "cql", 9042)),
    ("scylla", store("cassandra", "cql", 9042)),
    ("couchdb", store("couchdb", "http", 5984)),
    ("couchbase", store("couchbase", "http", 8091)),
    ("neo4j", store("neo4j", "bolt", 7687)),
    ("influxdb", store("influxdb", "http", 8086)),
    ("clickhouse-server", store("clickhouse", "http", 8123)),
    ("clickhouse", store("clickhouse", "http", 8123)),
    ("cockroach", store("cockroachdb", "postgres", 26257)),
    ("etcd", store("etcd", "etcd", 2379)),
    ("server", store("mssql", "tds", 1433)), // mcr.microsoft.com/mssql/server
    ("mssql-server-linux", store("mssql", "tds", 1433)),
    ("azure-sql-edge", store("mssql", "tds", 1433)),
    ("oracle-xe", store("oracle", "oracle", 1521)),
    ("dynamodb-local", store("dynamodb", "http", 8000)),
    ("qdrant", store("qdrant", "http", 6333)),
    ("weaviate", store("weaviate", "http", 8080)),
    ("milvus", store("milvus", "grpc", 19530)),
    ("chroma", store("chroma", "http", 8000)),
    ("vault", store("vault", "http", 8200)),
];

/// The repository name of an image reference: `docker.io/bitnami/postgresql:15@sha256:..` →
/// `postgresql`.
pub fn repository_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last)
}

/// What an image is, when it is a well-known one. `mssql/server` is recognised by its path,
/// since `server` alone says nothing.
pub fn technology(image: &str) -> Option<Technology> {
    let name = repository_name(image).to_ascii_lowercase();
    if name == "server" && !image.contains("mssql") {
        return None;
    }
    IMAGES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// What a data store serves as its image and environment configure it, when that differs
/// from its catalog entry: Elasticsearch from 8 on serves HTTPS on 9200 unless security or
/// its HTTP TLS is turned off; OpenSearch's security plugin serves HTTPS unless it is
/// disabled. Earlier Elasticsearch serves plain HTTP.
pub fn serving(technology: Technology, image: &str, env: &[EnvEntry]) -> Technology {
    let https = match technology.name {
        "elasticsearch" => {
            major_version(image).is_some_and(|major| major >= 8)
                && set_to(env, "xpack.security.enabled", "false").is_none()
                && set_to(env, "xpack.security.http.ssl.enabled", "false").is_none()
        }
        "opensearch" => {
            set_to(env, "DISABLE_SECURITY_PLUGIN", "true").is_none()
                && set_to(env, "plugins.security.disabled", "true").is_none()
        }
        _ => false,
    };
    match technology.protocol {
        Some(("http", port)) if https => Technology {
            protocol: Some(("https", port)),
            ..technology
        },
        _ => technology,
    }
}

/// The major version an image's tag names (`elasticsearch:8.11.1` → 8).
fn major_version(image: &str) -> Option<u32> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let tag = last.split_once(':')?.1;
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether a flow in a protocol is encrypted: what the configuration says (`tls`), else what
/// the protocol is by definition (`http` is clear text, `https` is not), else not known.
pub fn encryption(protocol: &str, tls: Option<bool>) -> Option<bool> {
    tls.or_else(|| Protocol::parse(protocol).encryption())
}

/// The protocol a port carries to a container and whether it is encrypted: what the image
/// serves on its default port when it says otherwise than the port's convention (an
/// Elasticsearch 8 serves HTTPS on 9200), else the port's convention, else the image's
/// protocol on its default port; encrypted as the convention says, else as the protocol is
/// by definition.
pub fn port_carries(
    number: Option<u16>,
    technology: Option<Technology>,
) -> Option<(&'static str, Option<bool>)> {
    let served = technology
        .and_then(|t| t.protocol)
        .filter(|(_, default)| Some(*default) == number)
        .map(|(p, _)| p);
    match (number.and_then(port_protocol), served) {
        (Some((convention, _)), Some(served)) if convention != served => {
            Some((served, encryption(served, None)))
        }
        (Some((convention, tls)), _) => Some((convention, encryption(convention, tls))),
        (None, Some(served)) => Some((served, encryption(served, None))),
        (None, None) => None,
    }
}

/// The protocol usually spoken on a port, and whether it is encrypted (`None`: it depends):
/// the model's table of well-known ports ([`trustmap_model::WELL_KNOWN_PORTS`]).
pub fn port_protocol(port: u16) -> Option<(&'static str, Option<bool>)> {
    trustmap_model::WELL_KNOWN_PORTS
        .iter()
        .find(|(number, _, _)| *number == port)
        .map(|(_, protocol, tls)| (*protocol, *tls))
}

/// The protocol named by a URL scheme, and whether the scheme means TLS (`None`: it depends).
pub fn scheme_protocol(scheme: &str) -> (String, Option<bool>) {
    match known_scheme_protocol(scheme) {
        Some((name, tls)) => (name.to_string(), tls),
        None => (scheme.to_ascii_lowercase(), None),
    }
}

/// The protocol of a well-known URL scheme, and whether it is encrypted; `None` for a scheme
/// this catalog does not know (whose text is all there is to say about it).
pub fn known_scheme_protocol(scheme: &str) -> Option<(&'static str, Option<bool>)> {
    let scheme = scheme.to_ascii_lowercase();
    Some(match scheme.as_str() {
        "http" | "ws" => ("http", Some(false)),
        "https" | "wss" => ("https", Some(true)),
        "postgres" | "postgresql" | "postgis" => ("postgres", None),
        "mysql" | "mysql2" | "mariadb" => ("mysql", None),
        "mongodb" => ("mongodb", None),
        "mongodb+srv" => ("mongodb", Some(true)),
        "redis" => ("redis", Some(false)),
        "rediss" => ("redis", Some(true)),
        "amqp" => ("amqp", Some(false)),
        "amqps" => ("amqps", Some(true)),
        "memcached" => ("memcached", Some(false)),
        "nats" => ("nats", None),
        "tls" => ("nats", Some(true)),
        "kafka" => ("kafka", None),
        "ftp" => ("ftp", Some(false)),
        "sftp" | "ssh" => ("ssh", Some(true)),
        "tcp" => ("tcp", None),
        "grpc" => ("grpc", None),
        "bolt" | "neo4j" => ("bolt", None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_repository_name() {
        assert_eq!(technology("postgres:16-alpine").unwrap().name, "postgres");
        assert_eq!(
            technology("docker.io/bitnami/postgresql:15").unwrap().name,
            "postgres"
        );
        assert_eq!(
            technology("mcr.microsoft.com/mssql/server:2022-latest")
                .unwrap()
                .name,
            "mssql"
        );
        assert!(technology("nginx:1.27").is_none());
        assert!(technology("example/server:1").is_none());
        assert_eq!(repository_name("redis@sha256:abc"), "redis");
    }

    fn entry(key: &str, value: &str) -> EnvEntry {
        EnvEntry {
            key: key.into(),
            raw: value.into(),
            value: value.into(),
            literal: true,
            known: true,
            span: trustmap_model::Span::lines("compose.yaml", 1, 1),
        }
    }

    #[test]
    fn search_engines_serve_https_when_their_version_and_settings_say() {
        let served = |image: &str, env: &[EnvEntry]| {
            let t = serving(technology(image).unwrap(), image, env);
            port_carries(Some(9200), Some(t))
        };
        assert_eq!(
            served("elasticsearch:7.16.1", &[]),
            Some(("http", Some(false)))
        );
        assert_eq!(
            served("elasticsearch:8.11.1", &[]),
            Some(("https", Some(true)))
        );
        let off = [entry("xpack.security.enabled", "false")];
        assert_eq!(
            served("elasticsearch:8.11.1", &off),
            Some(("http", Some(false)))
        );
        let options = [entry(
            "ES_JAVA_OPTS",
            "-Xms1g -Expack.security.http.ssl.enabled=false",
        )];
        assert_eq!(
            served("elasticsearch:8.11.1", &options).map(|p| p.0),
            Some("http")
        );
        assert_eq!(
            served("opensearchproject/opensearch:2.11.0", &[]),
            Some(("https", Some(true)))
        );
        let disabled = [entry("DISABLE_SECURITY_PLUGIN", "true")];
        assert_eq!(
            served("opensearchproject/opensearch:2.11.0", &disabled),
            Some(("http", Some(false)))
        );
        // Without an image, 9200 is Elasticsearch's plain HTTP; a store's own protocol on its
        // port keeps the convention's encryption.
        assert_eq!(port_carries(Some(9200), None), Some(("http", Some(false))));
        assert_eq!(
            port_carries(Some(6379), technology("redis:7")),
            Some(("redis", Some(false)))
        );
        assert_eq!(
            port_carries(Some(8983), technology("solr:9")),
            Some(("http", Some(false)))
        );
        assert_eq!(
            port_carries(Some(5432), technology("postgres:16")),
            Some(("postgres", None))
        );
    }
}

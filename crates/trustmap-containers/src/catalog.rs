//! What well-known images are: which are data stores, what protocol they speak, and whether
//! their documented configuration turns authentication off.

use trustmap_model::ElementKind;

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
    ("etcd", store("etcd", "http", 2379)),
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

/// The protocol usually spoken on a port, and whether it is encrypted (`None`: it depends).
pub fn port_protocol(port: u16) -> Option<(&'static str, Option<bool>)> {
    Some(match port {
        80 | 8080 => ("http", Some(false)),
        443 | 8443 => ("https", Some(true)),
        21 => ("ftp", Some(false)),
        22 => ("ssh", Some(true)),
        23 => ("telnet", Some(false)),
        25 | 587 => ("smtp", None),
        53 => ("dns", Some(false)),
        389 => ("ldap", Some(false)),
        636 => ("ldaps", Some(true)),
        1433 => ("tds", None),
        1521 => ("oracle", None),
        2375 => ("docker-api", Some(false)),
        // Debuggers on their conventional ports: whoever attaches runs code in the process.
        9229 => ("node-inspector", Some(false)),
        5005 => ("jdwp", Some(false)),
        3389 => ("rdp", None),
        5985 => ("winrm", Some(false)),
        5986 => ("winrm-tls", Some(true)),
        9042 => ("cql", None),
        2379 => ("etcd", None),
        2376 => ("docker-api-tls", Some(true)),
        3306 => ("mysql", None),
        5432 => ("postgres", None),
        5672 => ("amqp", Some(false)),
        5671 => ("amqps", Some(true)),
        6379 => ("redis", Some(false)),
        9200 => ("http", None),
        11211 => ("memcached", Some(false)),
        27017 => ("mongodb", None),
        _ => return None,
    })
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
}

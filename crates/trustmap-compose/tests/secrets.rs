//! Values read from `.env` and `env_file` decide facts but are never printed.

use trustmap_compose::{FileReader, ProjectInput, SourceFile, parse_project};
use trustmap_model::{AttrName, Budget, Fragment, Limit, Limits, Model, Snapshot};

/// The secret, in pieces an output could carry it in.
const TOKEN: &str = "c2VjcmV0LXRva2VuLTQyNDI";

/// Serves `env_file` entries: one file whose values hold the secret.
struct EnvFiles;

impl FileReader for EnvFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        match path {
            "app/web.env" => Ok(SourceFile {
                path: path.to_string(),
                text: format!("UPSTREAM={TOKEN}://api:8080\nMODE=prod\n"),
            }),
            _ => Err("not found".to_string()),
        }
    }
}

fn parse() -> Fragment {
    let compose = "name: ${extraheader}
services:
  web:
    image: ${extraheader}
    user: ${extraheader}
    cap_add: [\"${extraheader}\"]
    expose: [\"${PORT}\"]
    ports: [\"8080:${PORT}\"]
    logging:
      driver: ${extraheader}
    networks: [\"${extraheader}\", \"${NET}\"]
    env_file: [web.env, \"${extraheader}.env\"]
    environment:
      API: ${extraheader}://api:8080
    volumes:
      - /proc/${extraheader}:/host-proc
      - ${extraheader}:/data
      - type: bind
        source: /etc/${extraheader}
        target: /etc-host
  api:
    image: ${IMAGE}
    networks: [back]
networks:
  back:
    internal: true
";
    let input = ProjectInput {
        project: "app".into(),
        files: vec![SourceFile {
            path: "app/compose.yaml".into(),
            text: compose.into(),
        }],
        env: Some(SourceFile {
            path: "app/.env".into(),
            text: format!(
                "extraheader=AUTHORIZATION: basic {TOKEN}\nPORT=80{}\nNET=back\nIMAGE=postgres:16\n",
                ""
            ),
        }),
    };
    let limits = Limits::default();
    let nodes = Budget::new(Limit::YamlNodes, &limits);
    parse_project(&input, &EnvFiles, &limits, &nodes)
}

#[test]
fn values_from_env_and_env_file_are_never_printed_in_the_model_or_diagnostics() {
    let fragment = parse();
    let diagnostics = format!("{:?}", fragment.diagnostics);
    let model = Model::build(vec![fragment.clone()]);
    let snapshot = Snapshot::of(&model).to_json();
    for output in [&snapshot, &diagnostics] {
        for piece in [TOKEN, "AUTHORIZATION", "basic "] {
            assert!(!output.contains(piece), "`{piece}` is printed in {output}");
        }
    }
    // The facts still come from the resolved values.
    let web = fragment
        .elements
        .iter()
        .find(|e| e.id.0 == "compose:app/service/web")
        .expect("the project keeps the folder's key: its name is from .env");
    let sensitive = web.attributes.items(AttrName::SensitiveHostMounts);
    assert!(
        sensitive
            .iter()
            .any(|m| m.value == "/proc/${extraheader}:/host-proc"),
        "{sensitive:?}"
    );
    let api = fragment
        .elements
        .iter()
        .find(|e| e.id.0 == "compose:app/service/api")
        .unwrap();
    assert_eq!(
        api.technology.as_deref(),
        Some("postgres"),
        "IMAGE resolves"
    );
    assert!(
        fragment
            .zones
            .iter()
            .any(|z| z.id.0 == "compose:app/network/back"),
        "NET resolves to the declared network"
    );
    assert!(
        fragment
            .flows
            .iter()
            .any(|f| f.source.0 == "compose:app/service/web"
                && f.target.0 == "compose:app/service/api"
                && f.ports == [trustmap_model::Port::number(8080)]),
        "the env_file URL still names the api service: {:?}",
        fragment.flows
    );
}

//! `docker compose config` output of a project models the same system as the project's source:
//! same element, flow and zone ids, same attributes, so `diff --deployed` finds no drift.

use serde_json::Value;
use trustmap_compose::{FileReader, ProjectInput, SourceFile, parse_project};
use trustmap_model::{Budget, Limit, Limits, Model, Snapshot};

struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        Err(format!("{path} is not part of this test"))
    }
}

fn fixture(path: &str) -> SourceFile {
    let full = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/compose/config-twin/"
    );
    SourceFile {
        path: format!("config-twin/{path}"),
        text: std::fs::read_to_string(format!("{full}{path}")).unwrap(),
    }
}

/// The snapshot as JSON without spans (the two files differ in lines, not in meaning).
fn snapshot(project: &str, file: SourceFile) -> Value {
    let input = ProjectInput {
        project: project.to_string(),
        files: vec![file],
        env: None,
    };
    let limits = Limits::default();
    let nodes = Budget::new(Limit::YamlNodes, &limits);
    let fragment = parse_project(&input, &NoFiles, &limits, &nodes);
    assert!(
        fragment.diagnostics.is_empty(),
        "{:?}",
        fragment.diagnostics
    );
    let mut json: Value =
        serde_json::from_str(&Snapshot::of(&Model::build(vec![fragment])).to_json()).unwrap();
    strip_spans(&mut json);
    json
}

fn strip_spans(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("span");
            map.values_mut().for_each(strip_spans);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

#[test]
fn docker_compose_config_output_gives_the_ids_and_attributes_of_its_source() {
    // The scan keys a folder scanned as its root by the folder's name, and a file found
    // elsewhere by its path; the config output's `name:` says which project it is.
    let source = snapshot("twin", fixture("twin/compose.yaml"));
    let deployed = snapshot("config-twin/twin.config", fixture("twin.config.yaml"));
    let ids = |snapshot: &Value, key: &str| -> Vec<String> {
        snapshot[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e.get("id")
                    .or_else(|| e.get("element").and_then(|x| x.get("id")))
                    .or_else(|| e.get("flow").and_then(|x| x.get("id")))
                    .map(|id| id.as_str().unwrap().to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(ids(&deployed, "elements"), ids(&source, "elements"));
    assert_eq!(ids(&deployed, "flows"), ids(&source, "flows"));
    assert!(ids(&source, "elements").contains(&"compose:twin/service/proxy".to_string()));
    assert_eq!(
        serde_json::to_string_pretty(&deployed).unwrap(),
        serde_json::to_string_pretty(&source).unwrap()
    );
}

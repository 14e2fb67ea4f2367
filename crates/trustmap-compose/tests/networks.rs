//! Networks decide what a published port reaches.

use trustmap_compose::{FileReader, ProjectInput, SourceFile, parse_project};
use trustmap_model::{Budget, Fragment, INTERNET_ELEMENT, Limit, Limits};

struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        Err(format!("{path} is not part of this test"))
    }
}

fn parse(text: &str) -> Fragment {
    let input = ProjectInput {
        project: "app".into(),
        files: vec![SourceFile {
            path: "app/compose.yaml".into(),
            text: text.into(),
        }],
        env: None,
    };
    let limits = Limits::default();
    let nodes = Budget::new(Limit::YamlNodes, &limits);
    parse_project(&input, &NoFiles, &limits, &nodes)
}

fn doors(fragment: &Fragment) -> Vec<String> {
    fragment
        .flows
        .iter()
        .filter(|f| f.source.0 == INTERNET_ELEMENT)
        .map(|f| f.target.0.clone())
        .collect()
}

const PROJECT: &str = "services:
  hidden:
    image: nginx
    ports: [\"8080:80\"]
    networks: [back]
  bridged:
    image: nginx
    ports: [\"8081:80\"]
    networks: [back, front]
networks:
  back:
    internal: true
  front: {}
";

#[test]
fn ports_of_a_service_on_internal_networks_only_are_not_an_internet_door() {
    let fragment = parse(PROJECT);
    assert_eq!(doors(&fragment), ["compose:app/service/bridged"]);
    let note = fragment
        .diagnostics
        .iter()
        .find(|d| d.code == "compose-ports-internal")
        .expect("the inert mapping is said");
    assert!(note.message.contains("`hidden`"), "{}", note.message);
    assert_eq!(note.span.start.line, 4);
}

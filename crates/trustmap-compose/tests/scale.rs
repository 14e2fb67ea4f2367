//! Big projects are read in linear time: every lookup by name goes through an index.

use trustmap_compose::{FileReader, ProjectInput, SourceFile, parse_project};
use trustmap_model::{Budget, DiagnosticLevel, Fragment, Limit, Limits};

/// Reads nothing: these projects name no other file.
struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        Err(format!("{path} is not part of this test"))
    }
}

fn parse(files: Vec<String>) -> Fragment {
    let input = ProjectInput {
        project: "big".into(),
        files: files
            .into_iter()
            .enumerate()
            .map(|(i, text)| SourceFile {
                path: format!("big/compose{i}.yaml"),
                text,
            })
            .collect(),
        env: None,
    };
    let limits = Limits::default();
    let nodes = Budget::new(Limit::YamlNodes, &limits);
    parse_project(&input, &NoFiles, &limits, &nodes)
}

#[test]
fn ten_thousand_services_with_declared_volumes_secrets_and_an_override_are_read_linearly() {
    let n = 10_000;
    let mut base = String::from("services:\n");
    let mut over = String::from("services:\n");
    let mut volumes = String::from("volumes:\n");
    let mut secrets = String::from("secrets:\n");
    for i in 0..n {
        base.push_str(&format!(
            "  s{i}:\n    image: nginx\n    ports: [\"127.0.0.1:80{i}:80\"]\n    volumes: [\"v{i}:/data\"]\n    secrets: [k{i}]\n"
        ));
        over.push_str(&format!("  s{i}:\n    environment: [MODE=prod]\n"));
        volumes.push_str(&format!("  v{i}: {{}}\n"));
        secrets.push_str(&format!("  k{i}: {{file: ./k{i}}}\n"));
    }
    base.push_str(&volumes);
    base.push_str(&secrets);
    let fragment = parse(vec![base, over]);
    let errors: Vec<_> = fragment
        .diagnostics
        .iter()
        .filter(|d| d.level >= DiagnosticLevel::Warning)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    // Services, volumes, secrets and the host's local users.
    assert_eq!(fragment.elements.len(), 3 * n + 1);
}

#[test]
fn a_chain_of_extends_longer_than_the_depth_bound_is_cut_not_a_stack_overflow() {
    let n = 5_000;
    let mut text = String::from("services:\n  s0:\n    image: nginx\n");
    for i in 1..n {
        text.push_str(&format!(
            "  s{i}:\n    extends: s{}\n    environment: [V{i}=x]\n",
            i - 1
        ));
    }
    let fragment = parse(vec![text]);
    let cut = fragment
        .diagnostics
        .iter()
        .filter(|d| d.code == "limit-depth")
        .count();
    assert!(cut > 0 && cut < n, "{cut}");
    assert_eq!(fragment.elements.len(), n);
}

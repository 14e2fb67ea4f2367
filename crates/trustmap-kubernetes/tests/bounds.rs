//! The bounds of a scan hold over every manifest together, and hostile nesting is a
//! diagnostic, not a crash.

use trustmap_kubernetes::{ManifestFile, parse_manifests};
use trustmap_model::{Budget, DiagnosticLevel, Fragment, Limit, Limits};

/// A ConfigMap whose data holds an alias bomb of about 11,000 nodes.
fn config_map_with_bomb(name: &str) -> String {
    let mut text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    );
    for level in ["b", "c", "d"] {
        let previous = (level.as_bytes()[0] - 1) as char;
        let refs = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("  {level}: &{level} [{refs}]\n"));
    }
    text
}

fn parse(files: &[ManifestFile], limits: &Limits) -> (Fragment, Budget) {
    let nodes = Budget::new(Limit::YamlNodes, limits);
    (parse_manifests(files, limits, &nodes), nodes)
}

fn count(fragment: &Fragment, code: &str) -> usize {
    fragment
        .diagnostics
        .iter()
        .filter(|d| d.code == code && d.level == DiagnosticLevel::Error)
        .count()
}

#[test]
fn sixty_alias_bombs_each_under_a_file_bound_are_cut_by_the_scan_budget() {
    let files: Vec<ManifestFile> = (0..60)
        .map(|i| ManifestFile {
            path: format!("bomb-{i:02}.yaml"),
            text: config_map_with_bomb(&format!("bomb-{i}")),
        })
        .collect();
    let one = parse(&files[..1], &Limits::default()).1.used();
    // Room for ten of the sixty files.
    let mut limits = Limits::default();
    limits.set(Limit::YamlNodes, one * 10);
    let (fragment, nodes) = parse(&files, &limits);
    assert!(nodes.used() <= nodes.max());
    assert_eq!(
        count(&fragment, "limit-yaml-nodes"),
        50,
        "{:?}",
        fragment.diagnostics
    );
    let message = &fragment.diagnostics[0].message;
    assert!(message.contains("yaml-nodes"), "{message}");
    assert!(
        !message.contains("*c"),
        "no file content in the message: {message}"
    );
}

#[test]
fn manifests_nested_100000_deep_are_a_depth_diagnostic_not_a_stack_overflow() {
    let n = 100_000;
    let json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"deep\"}}, \"data\": {}1{}}}",
        "{\"a\": ".repeat(n),
        "}".repeat(n)
    );
    let flow = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flow\ndata: {}{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let good = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n".to_string();
    let files = [
        ManifestFile {
            path: "deep.json".into(),
            text: json,
        },
        ManifestFile {
            path: "flow.yaml".into(),
            text: flow,
        },
        ManifestFile {
            path: "good.yaml".into(),
            text: good,
        },
    ];
    let (fragment, _) = parse(&files, &Limits::default());
    assert_eq!(
        count(&fragment, "limit-depth"),
        2,
        "{:?}",
        fragment.diagnostics
    );
    assert!(
        fragment.elements.iter().any(|e| e.id.0.ends_with("/web")),
        "the good file beside them is still read"
    );
}

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

fn deployment(name: &str, env_url: Option<&str>) -> String {
    let env = env_url.map_or(String::new(), |url| {
        format!("          env:\n            - name: API\n              value: {url}\n")
    });
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    metadata:\n      labels:\n        app: shop\n    spec:\n      containers:\n        - name: c\n          image: nginx\n{env}---\n"
    )
}

fn load_balancer(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  type: LoadBalancer\n  selector:\n    app: shop\n  ports:\n    - port: 80\n---\n"
    )
}

#[test]
fn services_sharing_one_selector_with_many_workloads_are_cut_at_the_flow_bound() {
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&deployment(&format!("app{i}"), None));
        text.push_str(&load_balancer(&format!("svc{i}")));
    }
    let files = [ManifestFile {
        path: "all.yaml".into(),
        text,
    }];
    let mut limits = Limits::default();
    limits.set(Limit::Flows, 10_000);
    let (fragment, _) = parse(&files, &limits);
    // 300 × 300 selector flows would be 90,000.
    assert_eq!(fragment.flows.len(), 10_000);
    assert_eq!(
        count(&fragment, "limit-flows"),
        1,
        "{:?}",
        fragment.diagnostics
    );
    assert_eq!(
        fragment.elements.len(),
        600,
        "every object is still an element"
    );
}

#[test]
fn many_policies_selecting_many_pods_decide_flows_per_class_of_pods() {
    // 2,000 workloads with one label set, each naming the Service that selects all of them,
    // under 2,000 policies that select them all. Pair by pair this is billions of checks.
    let n = 2_000;
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&deployment(&format!("app{i}"), Some("http://svc:80")));
        text.push_str(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np{i}\nspec:\n  podSelector:\n    matchLabels:\n      app: shop\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: {}\n---\n",
            if i == n - 1 { "shop" } else { "other" }
        ));
    }
    text.push_str("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  selector:\n    app: shop\n  ports:\n    - port: 80\n");
    let files = [ManifestFile {
        path: "all.yaml".into(),
        text,
    }];
    let (fragment, _) = parse(&files, &Limits::default());
    let environment = fragment
        .flows
        .iter()
        .filter(|f| f.origin == "environment")
        .count();
    // The last policy admits the pods' own label: every reference is allowed.
    assert_eq!(environment, n);
    assert!(
        fragment
            .diagnostics
            .iter()
            .all(|d| d.code != "k8s-flow-denied")
    );
    let isolated = fragment
        .elements
        .iter()
        .filter(|e| {
            e.attributes.flag(trustmap_model::AttrName::NetworkIsolated) == trustmap_model::Tri::Yes
        })
        .count();
    assert_eq!(isolated, n);
}

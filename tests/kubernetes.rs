//! Kubernetes end to end: manifests in every shape (streams, `List`s, JSON, standard input),
//! NetworkPolicies, type errors and custom resources, and the same app as its compose twin.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{DEPLOYMENT, scratch, trustmap, trustmap_in};

/// Kubernetes manifests come as files (YAML streams, `List` kinds, JSON) or on standard input,
/// and every finding points at its line.
#[test]
fn kubernetes_manifests_are_read_in_every_shape() {
    // `kubectl get ... -o yaml` prints a List.
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        DEPLOYMENT
            .replace("name: agent", "name: listed")
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 {
                format!("  - {l}\n")
            } else {
                format!("    {l}\n")
            })
            .collect::<String>()
    );
    let json = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "json-pod"},
  "spec": {"hostPID": true, "containers": [{"name": "c", "image": "busybox:1.36"}]}}"#;
    let dir = scratch(&[
        ("deploy/agent.yaml", DEPLOYMENT.as_bytes()),
        ("deploy/list.yaml", list.as_bytes()),
        ("deploy/pod.json", json.as_bytes()),
        (
            "chart/templates/deployment.yaml",
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let at = |rule: &str| -> BTreeSet<(String, u64)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .map(|f| {
                (
                    f["location"]["file"].as_str().unwrap().to_string(),
                    f["location"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert!(
        at("TM-E001").contains(&("deploy/agent.yaml".to_string(), 16)),
        "{run:?}"
    );
    assert!(
        at("TM-E001").contains(&("deploy/list.yaml".to_string(), 19)),
        "{run:?}"
    );
    assert!(
        at("TM-E004").contains(&("deploy/pod.json".to_string(), 2)),
        "{run:?}"
    );
    let helm = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "helm-template")
        .expect("the Helm template is noted");
    assert_eq!(helm["span"]["file"], "chart/templates/deployment.yaml");

    // The same manifest on standard input.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(["scan", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(DEPLOYMENT.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == "TM-E001")
            .count(),
        1
    );
    assert_eq!(report["findings"][0]["location"]["file"], "-");
}

#[test]
fn network_policies_decide_which_flows_exist() {
    let manifests = |admitted: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: front\nspec:\n  selector:\n    matchLabels: {{app: front}}\n  template:\n    metadata:\n      labels: {{app: front}}\n    spec:\n      containers:\n        - name: front\n          image: example/front:1\n          env:\n            - name: API_URL\n              value: http://api:8080\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {{app: api}}\n  template:\n    metadata:\n      labels: {{app: api}}\n    spec:\n      containers:\n        - name: api\n          image: example/api:1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector: {{app: api}}\n  ports:\n    - port: 8080\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api-ingress\nspec:\n  podSelector:\n    matchLabels: {{app: api}}\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels: {{app: {admitted}}}\n"
        )
    };
    let flows_of = |text: String| {
        let dir = scratch(&[("app.yaml", text.as_bytes())]);
        let run = trustmap_in(dir.path(), &["model", ".", "--format", "json"]);
        let model: Value = serde_json::from_str(&run.stdout).unwrap();
        model["flows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["origin"] == "environment")
            .count()
    };
    assert_eq!(
        flows_of(manifests("front")),
        1,
        "the policy admits the front end"
    );
    assert_eq!(
        flows_of(manifests("gateway")),
        0,
        "the policy admits only a gateway"
    );
}

#[test]
fn kubernetes_type_errors_and_custom_resources() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: example/web:1\n---\napiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata:\n  name: site\nspec:\n  secretName: site-tls\n";
    let dir = scratch(&[("app.yaml", text.as_bytes())]);
    let run = trustmap_in(dir.path(), &["model", ".", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("app.yaml:6:13") && run.stderr.contains("`spec.replicas`"),
        "{run:?}"
    );
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let certificate = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Certificate site")
        .expect("kept as an element");
    assert_eq!(
        certificate["technology"],
        "custom:cert-manager.io/v1/Certificate"
    );
    assert!(
        model["elements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["name"] == "web"),
        "the rest of the file is read"
    );
}

/// Element kinds by name, the names the internet reaches, and who talks to whom.
type Shape = (
    BTreeSet<(String, String)>,
    BTreeSet<String>,
    BTreeSet<(String, String)>,
);

/// The shape of a model, up to naming: which workloads and data stores exist, which the
/// internet reaches, and which talk to which once forwarders (Kubernetes Services) are looked
/// through.
fn shape(dir: &str) -> Shape {
    let run = trustmap(&["model", dir, "--format", "json"]);
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let elements = model["elements"].as_array().unwrap();
    let by_id = |id: &str| elements.iter().find(|e| e["id"] == id).unwrap();
    let forwards = |id: &str| by_id(id)["attributes"]["forwards"]["value"] == "yes";
    let name = |id: &str| by_id(id)["name"].as_str().unwrap().to_string();
    let flows: Vec<(&str, &str)> = model["flows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["source"].as_str().unwrap(), f["target"].as_str().unwrap()))
        .collect();
    // Follow forwarders to the elements that do the work.
    let ends = |start: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![start.to_string()];
        while let Some(id) = stack.pop() {
            if forwards(&id) {
                stack.extend(
                    flows
                        .iter()
                        .filter(|(s, _)| *s == id)
                        .map(|(_, t)| t.to_string()),
                );
            } else {
                out.push(name(&id));
            }
        }
        out
    };
    let kinds = elements
        .iter()
        .filter(|e| e["kind"] != "external_entity" && !forwards(e["id"].as_str().unwrap()))
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut exposed = BTreeSet::new();
    let mut talks = BTreeSet::new();
    for (source, target) in &flows {
        if forwards(source) {
            continue;
        }
        for end in ends(target) {
            if *source == "external:internet" {
                exposed.insert(end);
            } else {
                talks.insert((name(source), end));
            }
        }
    }
    (kinds, exposed, talks)
}

#[test]
fn a_kubernetes_app_and_its_compose_twin_give_the_same_model_shape() {
    let compose = shape("fixtures/equivalence/compose");
    let kubernetes = shape("fixtures/equivalence/kubernetes");
    assert_eq!(compose, kubernetes);
    assert_eq!(compose.1, BTreeSet::from(["web".to_string()]));
    assert!(
        compose
            .0
            .contains(&("db".to_string(), "data_store".to_string()))
    );
    assert!(compose.2.contains(&("web".to_string(), "db".to_string())));
}

/// A Role no binding grants is latent (TM-E020), unless a file the scan could not read (a Helm
/// template) mentions it beside a `roleRef`: the binding may be there.
#[test]
fn a_role_a_skipped_template_may_bind_is_not_called_unbound() {
    let role = |name: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {name}\nrules:\n  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n"
        )
    };
    let bound_in_template = role("bound-in-template");
    let unbound = role("unbound");
    let dir = scratch(&[
        ("chart/templates/role.yaml", bound_in_template.as_bytes()),
        ("chart/templates/other-role.yaml", unbound.as_bytes()),
        (
            "chart/templates/binding.yaml",
            b"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef:\n  kind: ClusterRole\n  name: bound-in-template\nsubjects:\n  - kind: ServiceAccount\n    name: {{ .Values.name }}\n    namespace: default\n",
        ),
    ]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let subjects: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TM-E020")
        .map(|f| f["subject"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        BTreeSet::from(["k8s:rbac.authorization.k8s.io/ClusterRole/unbound"]),
        "{run:?}"
    );
}

//! Kubernetes control-plane components run as pods (kube-apiserver, kube-controller-manager,
//! kube-scheduler, etcd, a kubelet): which pod is a control-plane static pod, whose host access
//! is what the component needs, and which of its command-line flags open the cluster to whoever
//! reaches the component.

use trustmap_model::Span;

/// The control-plane programs whose flags are read.
const COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
    "kubelet",
];

/// The registries the Kubernetes project publishes its control-plane images from.
const PROJECT_REGISTRIES: &[&str] = &[
    "registry.k8s.io/",
    "k8s.gcr.io/",
    "gcr.io/google_containers/",
];

/// The component an image reference is the project's build of: `registry.k8s.io/etcd:3.5.9-0`,
/// `k8s.gcr.io/kube-apiserver-amd64:v1.6.0`. `None` for any other registry or image.
pub fn project_image_component(image: &str) -> Option<&'static str> {
    let rest = PROJECT_REGISTRIES
        .iter()
        .find_map(|registry| image.strip_prefix(registry))?;
    let name = rest.split([':', '@']).next().unwrap_or(rest);
    let name = name.strip_suffix("-amd64").unwrap_or(name);
    COMPONENTS.iter().copied().find(|c| *c == name)
}

/// Shells a command runs another program through (`sh -c "etcd ..."`).
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash"];

/// The component a container runs: its command's program (`/usr/local/bin/etcd`), or, when
/// there is no command or it is a shell, the image's entrypoint (`quay.io/coreos/etcd:v3.5`).
/// Another program from a component's image (`etcdctl`) is not the component.
pub fn program_component(program: Option<&str>, image: Option<&str>) -> Option<&'static str> {
    let program = program
        .and_then(|p| p.split_whitespace().next())
        .map(|p| p.rsplit('/').next().unwrap_or(p));
    if let Some(program) = program
        && !SHELLS.contains(&program)
    {
        return COMPONENTS.iter().copied().find(|c| *c == program);
    }
    let name = image?.split(['@']).next()?;
    let name = name.rsplit('/').next()?.split(':').next()?;
    let name = name.strip_suffix("-amd64").unwrap_or(name);
    COMPONENTS.iter().copied().find(|c| *c == name)
}

/// The flags of a command line as `(name, value, span)`: `--name=value`, `--name value`, or a
/// bare `--name` (value `true`); items holding several words (`kube-apiserver --a=b --c`) are
/// split.
fn flags(args: &[(String, Span)]) -> Vec<(String, String, Span)> {
    let words: Vec<(&str, &Span)> = args
        .iter()
        .flat_map(|(arg, span)| arg.split_whitespace().map(move |w| (w, span)))
        .collect();
    let mut found = Vec::new();
    for (index, (word, span)) in words.iter().enumerate() {
        let Some(flag) = word.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, value.to_string()),
            None => match words.get(index + 1) {
                Some((next, _)) if !next.starts_with('-') => (flag, (*next).to_string()),
                _ => (flag, "true".to_string()),
            },
        };
        found.push((name.to_string(), value, (*span).clone()));
    }
    found
}

/// What a control-plane command line leaves open, each item with what an attacker gets, at the
/// flag, or at the program when a default decides.
#[derive(Debug, Default)]
pub struct Weaknesses {
    /// Flags that let whoever reaches the component act in the cluster: authorization that
    /// allows everything (and anonymous requests with it), unauthenticated ports, etcd without
    /// client certificates.
    pub opening: Vec<(String, Span)>,
    /// Flags that leave out a defence in depth: anonymous requests under real authorization,
    /// no NodeRestriction, kubelets not verified, profiling on every interface.
    pub hardening: Vec<(String, Span)>,
}

/// Anonymous requests open the component only where its authorization allows everything;
/// elsewhere they get what bindings give `system:anonymous`.
fn place_anonymous(
    anonymous: &mut Vec<(String, Span)>,
    opening: &[(String, Span)],
    hardening: &mut Vec<(String, Span)>,
) {
    let allows_everything = opening
        .iter()
        .any(|(text, _)| text.starts_with("--authorization-mode=AlwaysAllow"));
    if !allows_everything {
        hardening.append(anonymous);
    }
}

/// The flags of `component`'s command line that open the cluster to whoever reaches it, or
/// leave out a defence. A default is read only where the component takes no configuration
/// file (`--config`) that may set it.
pub fn weaknesses(component: &str, args: &[(String, Span)]) -> Weaknesses {
    let Some(program_span) = args.first().map(|(_, span)| span.clone()) else {
        return Weaknesses::default();
    };
    let flags = flags(args);
    let flag = |name: &str| flags.iter().rev().find(|(n, _, _)| n == name);
    let configured = flag("config").is_some();
    let mut opening: Vec<(String, Span)> = Vec::new();
    let mut hardening: Vec<(String, Span)> = Vec::new();
    let mut anonymous: Vec<(String, Span)> = Vec::new();
    // A flag's value and where it is said, or the default (when no config file may set it).
    let value_or_default = |name: &str, default: &str| -> Option<(String, Span, bool)> {
        match flag(name) {
            Some((_, value, span)) => Some((value.to_ascii_lowercase(), span.clone(), false)),
            None if configured => None,
            None => Some((default.to_string(), program_span.clone(), true)),
        }
    };
    let report = |flag: &str, value: &str, default: bool, gain: &str, span: Span| {
        let said = if default {
            format!("--{flag}={value} by default")
        } else {
            format!("--{flag}={value}")
        };
        (format!("{said} ({gain})"), span)
    };
    match component {
        "kube-apiserver" => {
            if let Some((value, span, default)) = value_or_default("anonymous-auth", "true")
                && value == "true"
            {
                anonymous.push(report(
                    "anonymous-auth",
                    &value,
                    default,
                    "requests without credentials are served as system:anonymous",
                    span,
                ));
            }
            if let Some((value, span, default)) =
                value_or_default("authorization-mode", "AlwaysAllow")
                && value
                    .split(',')
                    .any(|m| m.eq_ignore_ascii_case("alwaysallow"))
            {
                opening.push(report(
                    "authorization-mode",
                    "AlwaysAllow",
                    default,
                    "every caller the API server admits may do anything in the cluster",
                    span,
                ));
            }
            if let Some((_, value, span)) = flag("insecure-port")
                && value != "0"
            {
                opening.push(report(
                    "insecure-port",
                    value,
                    false,
                    "the API is served over plain HTTP with no authentication or authorization",
                    span.clone(),
                ));
            }
            if let Some((_, value, span)) = flag("insecure-bind-address") {
                hardening.push(report(
                    "insecure-bind-address",
                    value,
                    false,
                    "the unauthenticated HTTP API listens on this address",
                    span.clone(),
                ));
            }
            if let Some((_, value, span)) = flag("enable-admission-plugins")
                && !value.split(',').any(|p| p == "NodeRestriction")
            {
                hardening.push((
                    "--enable-admission-plugins without NodeRestriction (one node's kubelet credentials can change every node and the pods on them)".to_string(),
                    span.clone(),
                ));
            }
            if let Some((_, value, span)) = flag("profiling")
                && value == "true"
            {
                hardening.push(report(
                    "profiling",
                    value,
                    false,
                    "the API server's profiling endpoints show its internals to its callers",
                    span.clone(),
                ));
            }
            if let Some((_, value, span)) = flag("kubelet-https")
                && value == "false"
            {
                hardening.push(report(
                    "kubelet-https",
                    value,
                    false,
                    "the API server talks to kubelets in plain HTTP: exec, logs and port-forward readable on the node network",
                    span.clone(),
                ));
            }
            if flag("kubelet-certificate-authority").is_none() {
                hardening.push((
                    "no --kubelet-certificate-authority (the API server does not verify kubelets' certificates: whoever sits on the node network can pose as a kubelet)".to_string(),
                    program_span.clone(),
                ));
            }
            place_anonymous(&mut anonymous, &opening, &mut hardening);
        }
        "kubelet" => {
            if let Some((value, span, default)) = value_or_default("anonymous-auth", "true")
                && value == "true"
            {
                anonymous.push(report(
                    "anonymous-auth",
                    &value,
                    default,
                    "whoever reaches the kubelet's port 10250 is served as system:anonymous",
                    span,
                ));
            }
            if let Some((value, span, default)) =
                value_or_default("authorization-mode", "AlwaysAllow")
                && value.eq_ignore_ascii_case("alwaysallow")
            {
                opening.push(report(
                    "authorization-mode",
                    "AlwaysAllow",
                    default,
                    "every caller of the kubelet API may run commands in any pod on the node",
                    span,
                ));
            }
            if let Some((value, span, default)) = value_or_default("read-only-port", "10255")
                && value != "0"
            {
                opening.push(report(
                    "read-only-port",
                    &value,
                    default,
                    "the node's pods and their specifications are readable without authentication",
                    span,
                ));
            }
            place_anonymous(&mut anonymous, &opening, &mut hardening);
        }
        "etcd" => {
            if let Some((value, span, default)) = value_or_default("client-cert-auth", "false")
                && value == "false"
            {
                opening.push(report(
                    "client-cert-auth",
                    &value,
                    default,
                    "whoever reaches etcd reads and writes every object of the cluster, Secrets included",
                    span,
                ));
            }
            if let Some((_, value, span)) = flag("auto-tls")
                && value == "true"
            {
                hardening.push(report(
                    "auto-tls",
                    value,
                    false,
                    "self-signed certificates clients cannot verify",
                    span.clone(),
                ));
            }
        }
        "kube-controller-manager" | "kube-scheduler" => {
            let bind = value_or_default("bind-address", "0.0.0.0");
            let profiling = value_or_default("profiling", "true");
            if let (Some((address, span, default)), Some((enabled, _, _))) = (bind, profiling)
                && enabled == "true"
                && address != "127.0.0.1"
                && address != "localhost"
            {
                hardening.push(report(
                    "bind-address",
                    &address,
                    default,
                    "its profiling and metrics endpoints listen on every interface of the node",
                    span,
                ));
            }
        }
        _ => {}
    }
    opening.extend(anonymous);
    Weaknesses { opening, hardening }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustmap_model::FileName;

    fn args(words: &[&str]) -> Vec<(String, Span)> {
        let file = FileName::from("pod.yaml".to_string());
        words
            .iter()
            .enumerate()
            .map(|(line, w)| {
                (
                    w.to_string(),
                    Span::lines(file.clone(), line as u32 + 1, line as u32 + 1),
                )
            })
            .collect()
    }

    #[test]
    fn project_images_are_recognised_by_registry_and_name() {
        assert_eq!(
            project_image_component("registry.k8s.io/etcd:3.5.9-0"),
            Some("etcd")
        );
        assert_eq!(
            project_image_component("k8s.gcr.io/kube-apiserver-amd64:v1.6.0"),
            Some("kube-apiserver")
        );
        assert_eq!(
            project_image_component("docker.io/evil/kube-apiserver:v1"),
            None
        );
        assert_eq!(project_image_component("registry.k8s.io/pause:3.9"), None);
    }

    #[test]
    fn the_program_names_the_component_before_the_image() {
        assert_eq!(
            program_component(
                Some("/usr/local/bin/etcd"),
                Some("registry.k8s.io/kube-apiserver:v1")
            ),
            Some("etcd")
        );
        assert_eq!(
            program_component(Some("sh"), Some("quay.io/coreos/etcd:v3.5")),
            Some("etcd")
        );
        assert_eq!(program_component(None, Some("nginx:1.27")), None);
        assert_eq!(
            program_component(Some("etcdctl"), Some("quay.io/coreos/etcd:v3.5")),
            None
        );
    }

    fn texts(items: &[(String, Span)]) -> Vec<&str> {
        items.iter().map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn stated_and_default_flags_are_read() {
        let found = weaknesses(
            "kube-apiserver",
            &args(&[
                "kube-apiserver",
                "--authorization-mode=Node,RBAC",
                "--anonymous-auth",
                "false",
                "--kubelet-certificate-authority=/ca",
            ]),
        );
        assert!(
            found.opening.is_empty() && found.hardening.is_empty(),
            "{found:?}"
        );
        let found = weaknesses(
            "kube-apiserver",
            &args(&["kube-apiserver", "--insecure-port=8080"]),
        );
        let opening = texts(&found.opening);
        assert!(
            opening
                .iter()
                .any(|t| t.starts_with("--anonymous-auth=true by default")),
            "{opening:?}"
        );
        assert!(
            opening
                .iter()
                .any(|t| t.starts_with("--insecure-port=8080")),
            "{opening:?}"
        );
        assert_eq!(
            found
                .opening
                .iter()
                .find(|(t, _)| t.starts_with("--insecure-port"))
                .map(|(_, s)| s.start.line),
            Some(2)
        );
    }

    #[test]
    fn anonymous_requests_open_the_cluster_only_where_everything_is_allowed() {
        let found = weaknesses(
            "kube-apiserver",
            &args(&["kube-apiserver", "--authorization-mode=Node,RBAC"]),
        );
        assert!(found.opening.is_empty(), "{found:?}");
        assert!(
            texts(&found.hardening)
                .iter()
                .any(|t| t.starts_with("--anonymous-auth=true by default")),
            "{found:?}"
        );
    }

    #[test]
    fn a_config_file_leaves_defaults_unread() {
        let found = weaknesses(
            "kubelet",
            &args(&["kubelet", "--config=/var/lib/kubelet/config.yaml"]),
        );
        assert!(found.opening.is_empty() && found.hardening.is_empty());
        let found = weaknesses(
            "kubelet",
            &args(&["kubelet", "--config=/c", "--read-only-port=10255"]),
        );
        assert_eq!(texts(&found.opening).len(), 1, "{found:?}");
    }
}

//! Consoles: images whose web interface runs code or reads every piece of data for whoever
//! reaches it, and whether their documented configuration asks that visitor to log in.
//! Debuggers and container APIs are recognised by their port instead
//! ([`crate::port_protocol`]: `node-inspector`, `jdwp`, `docker-api`).

use crate::auth::EnvEntry;
use crate::catalog::repository_name;
use trustmap_model::{Span, Tri};

/// A console image and what its configuration says about logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    /// What it is (`jupyter`, `zeppelin`), for messages.
    pub name: &'static str,
    /// Whether a visitor must log in; `Unknown` where that lies outside the configuration.
    pub authenticated: Tri,
    /// The setting that decides it, when one does.
    pub span: Option<Span>,
}

/// What an image is when it is a known console, from its reference, its environment and its
/// command line (each argument with its span).
pub fn console(image: &str, env: &[EnvEntry], args: &[(String, Span)]) -> Option<Console> {
    let repository = repository_name(image).to_ascii_lowercase();
    let path = image.to_ascii_lowercase();
    let found = |name, authenticated, span| {
        Some(Console {
            name,
            authenticated,
            span,
        })
    };
    let argument = |pred: &dyn Fn(&str) -> bool| {
        args.iter()
            .find(|(arg, _)| pred(arg))
            .map(|(_, span)| span.clone())
    };
    if repository.ends_with("-notebook") || repository == "jupyterlab" {
        // Jupyter generates a token at start unless the command line or JUPYTER_TOKEN empties it.
        let emptied = |arg: &str| {
            let arg = arg.replace(['"', '\''], "");
            arg.split_whitespace()
                .any(|word| word.ends_with("App.token=") || word.ends_with("Provider.token="))
        };
        if let Some(span) = argument(&emptied) {
            return found("Jupyter", Tri::No, Some(span));
        }
        if let Some(entry) = env
            .iter()
            .find(|e| e.key == "JUPYTER_TOKEN" && e.known && e.value.is_empty())
        {
            return found("Jupyter", Tri::No, Some(entry.span.clone()));
        }
        return found("Jupyter", Tri::Yes, None);
    }
    match repository.as_str() {
        // Zeppelin lets anonymous users run paragraphs unless Shiro is configured.
        "zeppelin" => found("Zeppelin", Tri::No, None),
        // The first visitor of a new Portainer sets its administrator's password.
        "portainer" | "portainer-ce" | "portainer-ee" => found("Portainer", Tri::No, None),
        "dashboard" if path.contains("kubernetesui/") => {
            match argument(&|arg: &str| arg.contains("--enable-skip-login")) {
                Some(span) => found("Kubernetes Dashboard", Tri::No, Some(span)),
                None => found("Kubernetes Dashboard", Tri::Yes, None),
            }
        }
        // Kibana asks for a login when Elasticsearch security is on, which lies elsewhere.
        "kibana" => found("Kibana", Tri::Unknown, None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(text: &str) -> (String, Span) {
        (text.to_string(), Span::lines("compose.yaml", 7, 7))
    }

    #[test]
    fn jupyter_asks_for_its_token_unless_it_is_emptied() {
        let open = console(
            "quay.io/jupyter/scipy-notebook:2024-05-27",
            &[],
            &[arg("start-notebook.py --NotebookApp.token=''")],
        )
        .unwrap();
        assert_eq!(open.authenticated, Tri::No);
        assert_eq!(open.span.unwrap().start.line, 7);
        let closed = console("jupyter/base-notebook:latest", &[], &[]).unwrap();
        assert_eq!(closed.authenticated, Tri::Yes);
        let password = console(
            "jupyter/base-notebook:latest",
            &[],
            &[arg("--ServerApp.token=s3cret")],
        )
        .unwrap();
        assert_eq!(password.authenticated, Tri::Yes);
    }

    #[test]
    fn consoles_are_recognised_by_image_and_others_are_not() {
        assert_eq!(
            console("apache/zeppelin:0.11.1", &[], &[]).unwrap().name,
            "Zeppelin"
        );
        assert_eq!(
            console(
                "kubernetesui/dashboard:v2.7.0",
                &[],
                &[arg("--enable-skip-login")]
            )
            .unwrap()
            .authenticated,
            Tri::No
        );
        assert!(console("example/dashboard:1", &[], &[]).is_none());
        assert!(console("nginx:1.27", &[], &[]).is_none());
    }
}

//! Image references: whether one names an image that is pulled as written, or stands for one
//! that something else provides (a build from this repository, a value a deployment tool fills
//! in), so that its tag says nothing about what runs.

/// Where the image a container runs comes from, as the `image_origin` attribute says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageOrigin {
    /// Built from the scanned repository (a compose service with `build:`): the reference
    /// names the local build.
    Built,
    /// A placeholder that a deployment tool or a person replaces ([`is_placeholder`]).
    Placeholder,
    /// A bare name that no registry serves ([`is_unpublished`]): an image loaded into the
    /// host or node, or a name a deployment tool (Skaffold, Tilt) replaces with its build.
    Local,
    /// Pulled from a registry as written.
    Registry,
}

impl ImageOrigin {
    /// The attribute's value: `built`, `placeholder` or `registry`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageOrigin::Built => "built",
            ImageOrigin::Placeholder => "placeholder",
            ImageOrigin::Local => "local",
            ImageOrigin::Registry => "registry",
        }
    }

    /// The origin of a reference that is not built here: a placeholder, a local image or a
    /// registry's image.
    pub fn of_reference(reference: &str) -> ImageOrigin {
        if is_placeholder(reference) {
            ImageOrigin::Placeholder
        } else if is_unpublished(reference) {
            ImageOrigin::Local
        } else {
            ImageOrigin::Registry
        }
    }
}

/// The domains reserved for documentation (RFC 2606, RFC 6761): an image there is an example.
const EXAMPLE_DOMAINS: &[&str] = &["example.com", "example.net", "example.org"];
const EXAMPLE_TOP_LEVEL: &[&str] = &["example", "invalid"];

/// Whether an image reference cannot be pulled as written, so it stands for one filled in
/// later: a template token (`<image_url>`, `{{ .Values.image }}`), a variable left unresolved
/// (`${IMAGE}`, `$(IMAGE)`), a capital letter in the repository path (`IMAGE_NAME`,
/// `gcr.io/PROJECT_ID/app`: repository names are lowercase, so no registry serves one), or a
/// registry on a domain reserved for documentation (`registry.example.com/app`).
pub fn is_placeholder(reference: &str) -> bool {
    let reference = reference.trim();
    if reference.is_empty() || reference.contains(['<', '>', '{', '}', '$', ' ']) {
        return true;
    }
    let name = reference.split('@').next().unwrap_or(reference);
    let (domain, path) = split_domain(name);
    // The tag follows the last `:` of the path; tags may be capitalised, paths may not.
    let repository = path.rsplit_once(':').map_or(path, |(repo, _)| repo);
    if repository.chars().any(|c| c.is_ascii_uppercase()) {
        return true;
    }
    domain.is_some_and(|domain| {
        let host = domain
            .split(':')
            .next()
            .unwrap_or(domain)
            .to_ascii_lowercase();
        EXAMPLE_DOMAINS
            .iter()
            .any(|d| host == *d || host.ends_with(&format!(".{d}")))
            || host
                .rsplit('.')
                .next()
                .is_some_and(|tld| EXAMPLE_TOP_LEVEL.contains(&tld))
    })
}

/// The names Docker Hub serves without a namespace: its official images, one per line (`#`
/// starts a comment).
const OFFICIAL_IMAGES: &str = include_str!("official-images.txt");

/// Whether a reference is a bare name (no registry, no namespace: `frontend`, `etl-kafka:dev`)
/// that is none of Docker Hub's official images. A bare name is pulled from
/// `docker.io/library/`, where only official images live, so no registry serves this one: it
/// is an image loaded into the host or node, or a name a deployment tool replaces with its
/// build (Skaffold's `image: frontend`), and its tag says nothing about what a registry could
/// change.
pub fn is_unpublished(reference: &str) -> bool {
    let name = reference.trim().split('@').next().unwrap_or("");
    let (domain, path) = split_domain(name);
    if domain.is_some() || path.contains('/') {
        return false;
    }
    let repository = path.split(':').next().unwrap_or(path);
    !repository.is_empty() && !official_images().contains(repository)
}

/// [`OFFICIAL_IMAGES`] as a set, read once.
fn official_images() -> &'static std::collections::BTreeSet<&'static str> {
    static NAMES: std::sync::LazyLock<std::collections::BTreeSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            OFFICIAL_IMAGES
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .collect()
        });
    &NAMES
}

/// Splits a reference into its registry domain, when it names one, and the rest: as Docker
/// reads it, the first component is a domain when it has a `.` or a `:`, or is `localhost`.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':']) || first.eq_ignore_ascii_case("localhost") =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_is_local_unless_it_is_an_official_image() {
        for local in [
            "frontend",
            "etl-kafka",
            "demo-microservice:dev",
            "cartservice@sha256:ab",
        ] {
            assert!(is_unpublished(local), "{local}");
            assert_eq!(ImageOrigin::of_reference(local), ImageOrigin::Local);
        }
        for published in [
            "nginx",
            "postgres:16",
            "redis:latest",
            "busybox",
            "centos:7",
            "bitnami/redis",
            "docker.io/frontend",
            "localhost:5000/frontend",
            "quay.io/frontend",
        ] {
            assert!(!is_unpublished(published), "{published}");
        }
    }

    #[test]
    fn placeholders_are_tokens_variables_capitals_and_example_domains() {
        for placeholder in [
            "<image_url>",
            "${IMAGE}",
            "app:${TAG}",
            "$(IMAGE)",
            "{{ .Values.image }}",
            "IMAGE_NAME",
            "gcr.io/PROJECT_ID/app:1.0",
            "REGISTRY/app",
            "registry.example.com/shop/web:latest",
            "example.org/app",
            "registry.invalid:5000/app",
            "",
        ] {
            assert!(is_placeholder(placeholder), "{placeholder}");
        }
        for real in [
            "nginx",
            "nginx:latest",
            "nginx:Alpine-TAG",
            "example/storefront:5.0",
            "Docker.io/library/nginx:1.27",
            "localhost:5000/app",
            "quay.io/org/app@sha256:abc",
            "myexample.com/app",
        ] {
            assert!(!is_placeholder(real), "{real}");
        }
    }
}

//! What container configuration says, whatever format carries it: which images are data
//! stores and what protocol they speak, which environment values name other services or hold
//! secrets, whether a data store's settings demand credentials, which images are consoles
//! that run code for whoever reaches them, and which image references are placeholders.
//!
//! Compose and Kubernetes both run containers configured by image, environment and command;
//! this crate is the knowledge they share, so the two parsers state the same facts the same way.

mod auth;
mod catalog;
mod console;
mod host;
mod image;
mod references;

pub use auth::{EnvEntry, authentication, is_placeholder_value, plaintext_secrets, secret_shape};
pub use catalog::{
    Technology, encryption, known_scheme_protocol, port_carries, port_protocol, repository_name,
    scheme_protocol, serving, technology,
};
pub use console::{Console, console};
pub use host::{is_runtime_socket, is_sensitive_host_path};
pub use image::{ImageOrigin, is_placeholder, is_unpublished};
pub use references::{Reference, is_identifier_key, is_secret_key, references};

/// A Linux capability as the runtimes read it: case-insensitive, with or without `CAP_`
/// (`cap_sys_admin` → `SYS_ADMIN`).
pub fn capability_name(text: &str) -> String {
    let upper = text.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn capabilities_are_normalized_like_the_runtime_does() {
        assert_eq!(super::capability_name("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(super::capability_name("NET_ADMIN"), "NET_ADMIN");
    }
}

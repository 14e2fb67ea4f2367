//! What container configuration says, whatever format carries it: which images are data
//! stores and what protocol they speak, which environment values name other services or hold
//! secrets, and whether a data store's settings demand credentials.
//!
//! Compose and Kubernetes both run containers configured by image, environment and command;
//! this crate is the knowledge they share, so the two parsers state the same facts the same way.
#![deny(missing_docs)]

mod auth;
mod catalog;
mod references;

pub use auth::{EnvEntry, authentication, plaintext_secrets};
pub use catalog::{Technology, port_protocol, repository_name, scheme_protocol, technology};
pub use references::{Reference, is_secret_key, references};

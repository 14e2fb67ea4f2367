//! The committed `docs/diagnostics.md` is the registry's reference as generated today.
//!
//! Run with `UPDATE_DOCS=1` to rewrite the page after changing a code.

use std::path::PathBuf;

#[test]
fn the_diagnostics_reference_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md");
    let generated = trustmap_model::diagnostics_reference();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/diagnostics.md is stale: regenerate it with \
         `UPDATE_DOCS=1 cargo test -p trustmap-model --test docs` and commit it"
    );
}

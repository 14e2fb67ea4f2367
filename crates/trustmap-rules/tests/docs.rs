//! The committed `docs/rules.md` is the rule language's reference as generated today.
//!
//! Run with `UPDATE_DOCS=1` to rewrite the page after changing the language or the attribute
//! vocabulary (or write it with `trustmap rules docs > docs/rules.md`).

use std::path::PathBuf;

#[test]
fn the_rules_reference_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let generated = trustmap_rules::rules_reference();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/rules.md is stale: regenerate it with \
         `UPDATE_DOCS=1 cargo test -p trustmap-rules --test docs` and commit it"
    );
}

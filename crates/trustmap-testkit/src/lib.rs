//! What the test suites share: the official SARIF 2.1.0 schema (a copy kept in the repository,
//! so tests never need the network or files outside it) and a validator for it, and builders
//! for hand-made models ([`model`]).

pub mod model;

use serde_json::Value;
use std::sync::LazyLock;

static VALIDATOR: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let mut schema: Value = serde_json::from_str(include_str!("../sarif-schema-2.1.0.json"))
        .expect("the schema is JSON");
    // The schema's `language` pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`) has a stray `]`
    // that Rust regex engines reject; trustmap never writes `language`, so drop the pattern.
    let mut dropped = 0;
    for definition in schema["definitions"]
        .as_object_mut()
        .expect("definitions")
        .values_mut()
    {
        if let Some(language) = definition.pointer_mut("/properties/language")
            && language
                .as_object_mut()
                .expect("an object")
                .remove("pattern")
                .is_some()
        {
            dropped += 1;
        }
    }
    assert_eq!(dropped, 2, "run.language and toolComponent.language");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
});

/// Every way `log` breaks the SARIF 2.1.0 schema, as `path: message` lines (empty when valid).
pub fn sarif_schema_errors(log: &Value) -> Vec<String> {
    VALIDATOR
        .iter_errors(log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Panics, listing the errors, unless `log` is valid SARIF 2.1.0.
pub fn assert_valid_sarif(log: &Value) {
    let errors = sarif_schema_errors(log);
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
}

//! Malformed baselines (`Snapshot::from_json`) are errors with a line, never panics: wrong types
//! at every place of a real snapshot, deep nesting, huge numbers and other versions.

use serde_json::Value;
use trustmap_model::{
    Attributes, Element, ElementId, ElementKind, Flow, Fragment, INTERNET_ELEMENT, Model, Snapshot,
    Span, Tri, TrustLevel, Zone, ZoneId, ZoneKind,
};

fn snapshot_json() -> String {
    let mut web = Element {
        id: ElementId("web".into()),
        kind: ElementKind::Process,
        name: "web".into(),
        technology: Some("nginx".into()),
        zone: ZoneId("z".into()),
        attached_zones: vec![],
        called_from: None,
        span: Some(Span::lines("c.yaml", 3, 4)),
        attributes: Attributes::default(),
    };
    web.attributes.set_flag(
        trustmap_model::AttrName::Privileged,
        Tri::Yes,
        Some(Span::lines("c.yaml", 5, 5)),
    );
    let model = Model::build(vec![Fragment {
        zones: vec![Zone {
            id: ZoneId("z".into()),
            kind: ZoneKind::Network,
            name: "z".into(),
            parent: None,
            trust: TrustLevel::Medium,
            span: None,
            attributes: Attributes::default(),
        }],
        elements: vec![web],
        flows: vec![Flow::new(
            ElementId(INTERNET_ELEMENT.into()),
            ElementId("web".into()),
            Some("http".into()),
            vec!["80".into()],
            "published-port",
            Some(Span::lines("c.yaml", 6, 6)),
        )],
        diagnostics: vec![],
    }]);
    Snapshot::of(&model).to_json()
}

/// Every place of a JSON value, as a pointer.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(
                    v,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn assert_error_with_line(text: &str) {
    match Snapshot::from_json(text) {
        Ok(_) => {}
        Err(message) => assert!(
            message.contains("line") || message.contains("version"),
            "no line in {message:?}"
        ),
    }
}

#[test]
fn a_wrong_type_anywhere_in_a_baseline_is_an_error_not_a_panic() {
    let text = snapshot_json();
    assert!(Snapshot::from_json(&text).is_ok());
    let value: Value = serde_json::from_str(&text).unwrap();
    let mut places = Vec::new();
    pointers(&value, String::new(), &mut places);
    let wrong = [
        Value::Null,
        serde_json::json!(true),
        serde_json::json!(-1),
        serde_json::json!(1e300),
        serde_json::json!(18_446_744_073_709_551_615u64),
        serde_json::json!("text"),
        serde_json::json!([]),
        serde_json::json!([[[]]]),
        serde_json::json!({}),
        serde_json::json!({"line": "x"}),
    ];
    for place in places.iter().filter(|p| !p.is_empty()) {
        for replacement in &wrong {
            let mut broken = value.clone();
            *broken.pointer_mut(place).unwrap() = replacement.clone();
            assert_error_with_line(&serde_json::to_string_pretty(&broken).unwrap());
        }
    }
}

#[test]
fn deep_nesting_huge_numbers_and_other_versions_are_errors() {
    for text in [
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!(
            "{{\"version\": 1, \"zones\": {}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!(
            "{{\"version\": 1, \"elements\": [{{\"id\": {}}}]}}",
            "{\"a\":".repeat(50_000)
        ),
        "{\"version\": 99999999999999999999999}".to_string(),
        "{\"version\": 99, \"zones\": 3}".to_string(),
        String::new(),
        "\u{feff}{}".to_string(),
        "null".to_string(),
    ] {
        let result = Snapshot::from_json(&text);
        assert!(result.is_err(), "{:.80}", text);
    }
}

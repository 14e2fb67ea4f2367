//! Every diagnostic code lives in one registry (`crates/trustmap-model/src/codes.rs`): no
//! production source spells a code as a string literal.
//!
//! `Diagnostic::new` takes a `Code`, so a literal cannot create a diagnostic; this test also
//! catches a literal used to match or compare codes. Tests may spell codes out: they pin the
//! strings users see.

use std::path::{Path, PathBuf};
use trustmap_model::Code;

/// Literals equal to a code that are not codes: (file, the line's text around it).
const NOT_CODES: &[(&str, &str)] = &[
    // The top-level key of trustmap.yaml.
    (
        "crates/trustmap-decisions/src/file.rs",
        r#"root.get("decisions")"#,
    ),
    // The top-level sections of trustmap.yaml.
    (
        "crates/trustmap-decisions/src/file.rs",
        r#"&["settings", "decisions"]"#,
    ),
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_diagnostic_code_is_a_string_literal_outside_the_registry() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        sources(&entry.unwrap().path().join("src"), &mut files);
    }
    files.sort();
    assert!(files.len() > 20, "the sources were not found: {files:?}");
    let registry = root.join("crates/trustmap-model/src/codes.rs");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != registry) {
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests sit in a `#[cfg(test)] mod` at the end of a file.
        let production = text
            .find("#[cfg(test)]\nmod ")
            .map_or(text.as_str(), |end| &text[..end]);
        let shown = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (index, line) in production.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for code in Code::ALL {
                let literal = format!("\"{}\"", code.as_str());
                let excused = NOT_CODES
                    .iter()
                    .any(|(f, context)| *f == shown && line.contains(context));
                if line.contains(&literal) && !excused {
                    found.push(format!("{shown}:{}: {}", index + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "diagnostic codes spelled as literals (use trustmap_model::Code):\n{}",
        found.join("\n")
    );
}

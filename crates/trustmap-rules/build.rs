//! Embeds the built-in rule pack (`rules/*.yaml` in this crate's folder; the repository's root
//! `rules` is a link to it) into the crate. Only the crate's own folder is read, so the crate
//! builds the same from the workspace and from its published package.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("the rules/ folder exists in the trustmap-rules crate")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    let mut code = String::from(
        "/// The built-in rule files: (path, text).\npub const BUILTIN: &[(&str, &str)] = &[\n",
    );
    for path in names {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        // Relative to CARGO_MANIFEST_DIR at compile time, not an absolute path of this build.
        let source = format!("rules/{name}");
        let relative = format!("/rules/{name}");
        writeln!(
            code,
            "    ({source:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {relative:?}))),"
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("builtin_rules.rs");
    std::fs::write(out, code).unwrap();
}

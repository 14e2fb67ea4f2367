//! Bad input: each case gives a clear error with file, line and cause, the other files are
//! still scanned, and the exit code is 2.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{GOOD, bad_input_case, scratch, trustmap_in};

#[test]
fn invalid_yaml_is_an_error_with_its_line() {
    bad_input_case(
        "compose.yaml",
        b"services:\n  web:\n    image: [unclosed\n",
        &[],
        "not valid YAML",
    );
}

#[test]
fn a_wrong_type_is_an_error_naming_the_setting() {
    let dir = scratch(&[(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n    ports: 5\n",
    )]);
    let run = trustmap_in(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("compose.yaml:4")
            && run.stdout.contains("`services.web.ports` must be a list"),
        "{run:?}"
    );
    bad_input_case(
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n    ports: 5\n",
        &[],
        "must be a list",
    );
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut bomb = String::from(
        "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(",");
        bomb.push_str(&format!("x-{}: &{} [{refs}]\n", pair[1], pair[1]));
    }
    bomb.push_str("services:\n  web:\n    image: *i\n");
    bad_input_case("compose.yaml", bomb.as_bytes(), &[], "alias bomb");
}

#[test]
fn deep_nesting_is_refused_without_a_crash() {
    let deep = format!(
        "services:\n  web:\n    labels: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    bad_input_case("compose.yaml", deep.as_bytes(), &[], "compose.yaml:3");
    // 3,000 levels of block mappings (4.5 MB): deeper than a recursive loader survives.
    let block: String = (0..3_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    bad_input_case(
        "docker-compose.yml",
        format!("services:\n{block}").as_bytes(),
        &[],
        "deeper than",
    );
}

#[test]
fn a_binary_file_is_reported_not_parsed() {
    bad_input_case(
        "compose.yaml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00binary",
        &[],
        "binary",
    );
}

#[test]
fn a_file_over_the_size_cap_is_reported() {
    let big = format!(
        "services:\n  web:\n    image: nginx\n{}",
        "# padding\n".repeat(200)
    );
    bad_input_case(
        "compose.yaml",
        big.as_bytes(),
        &["--max-file-size", "1000"],
        "size cap",
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_outside_are_not_followed() {
    let outside = scratch(&[(
        "compose.yaml",
        b"services:\n  secret:\n    image: x\n    privileged: true\n",
    )]);
    let dir = scratch(&[("app/compose.yaml", GOOD)]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("app/loop")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("app/outside")).unwrap();
    let run = trustmap_in(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let files: BTreeSet<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, BTreeSet::from(["app/compose.yaml"]), "{run:?}");
}

#[test]
fn a_kubernetes_manifest_with_a_wrong_type_is_an_error_with_its_line() {
    let broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: 5\n";
    bad_input_case("pod.yaml", broken.as_bytes(), &[], "bad/pod.yaml:6");
}

#[test]
fn a_broken_terraform_file_is_an_error_with_its_line() {
    bad_input_case(
        "main.tf",
        b"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \n",
        &[],
        "bad/main.tf:",
    );
}

//! The bounds of a scan hold over every compose project together, and hostile nesting is a
//! diagnostic, not a crash.

use trustmap_compose::{FileReader, ProjectInput, SourceFile, parse_project};
use trustmap_model::{Budget, DiagnosticLevel, Fragment, Limit, Limits};

/// Reads nothing: these projects name no other file.
struct NoFiles;

impl FileReader for NoFiles {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        Err(format!("{path} is not part of this test"))
    }
}

fn project(name: &str, text: String) -> ProjectInput {
    ProjectInput {
        project: name.to_string(),
        files: vec![SourceFile {
            path: format!("{name}/compose.yaml"),
            text,
        }],
        env: None,
    }
}

/// A project whose extension field holds an alias bomb of about 11,000 nodes.
fn bomb_project(name: &str) -> ProjectInput {
    let mut text = String::from(
        "services:\n  web:\n    image: nginx\nx-bomb:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for level in ["b", "c", "d"] {
        let previous = (level.as_bytes()[0] - 1) as char;
        let refs = vec![format!("*{previous}"); 10].join(", ");
        text.push_str(&format!("  {level}: &{level} [{refs}]\n"));
    }
    project(name, text)
}

fn errors(fragment: &Fragment, code: &str) -> usize {
    fragment
        .diagnostics
        .iter()
        .filter(|d| d.code == code && d.level == DiagnosticLevel::Error)
        .count()
}

#[test]
fn alias_bombs_in_several_projects_are_cut_by_one_scan_budget() {
    let limits = Limits::default();
    let one = Budget::new(Limit::YamlNodes, &limits);
    parse_project(&bomb_project("p0"), &NoFiles, &limits, &one);
    let mut limits = Limits::default();
    limits.set(Limit::YamlNodes, one.used() * 5 / 2);
    let nodes = Budget::new(Limit::YamlNodes, &limits);
    let cut: usize = (0..5)
        .map(|i| {
            let fragment =
                parse_project(&bomb_project(&format!("p{i}")), &NoFiles, &limits, &nodes);
            errors(&fragment, "limit-yaml-nodes")
        })
        .sum();
    assert_eq!(
        cut, 3,
        "two projects fit in the scan's budget, three are cut"
    );
    assert!(nodes.used() <= nodes.max());
}

#[test]
fn compose_nested_100000_deep_is_a_depth_diagnostic_not_a_stack_overflow() {
    let n = 100_000;
    let text = format!(
        "services:\n  web:\n    image: nginx\nx-deep: {}{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let limits = Limits::default();
    let nodes = Budget::new(Limit::YamlNodes, &limits);
    let fragment = parse_project(&project("deep", text), &NoFiles, &limits, &nodes);
    assert_eq!(
        errors(&fragment, "limit-depth"),
        1,
        "{:?}",
        fragment.diagnostics
    );
}

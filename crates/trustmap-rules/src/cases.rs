//! Rule tests: a rule's fixtures, whose `# expect: ID` comments mark the lines it must fire
//! on, checked against what the rule finds on them.
//!
//! A rule has two cases, each a folder of input files named after the rule's id: `firing`,
//! whose marked lines are exactly where the rule must fire (at least one), and `silent`, where
//! it must not fire at all. The built-in pack keeps them in `fixtures/rules/<ID>/`, a user's
//! rules beside their files (`<folder>/<ID>/`). The caller scans a case folder (this crate
//! reads no files) and hands over the model and the scanned texts; [`check_case`] says whether
//! the case holds, the same way for the built-in pack's test suite and `trustmap rules test`.
//! For a rule with checks, `# expect: CHECK-ID` marks the lines whose finding must list that
//! check (compared where a fixture marks the check at all).

use crate::{Finding, RuleSet, evaluate};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{DiagnosticLevel, Model};

/// The comment that marks a line a rule must fire on: `# expect: ID`.
pub const EXPECT_MARKER: &str = "# expect:";

/// One case of a rule's fixtures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Case {
    /// The rule fires on exactly the marked lines.
    Firing,
    /// The rule does not fire.
    Silent,
}

impl Case {
    /// Both cases, firing first.
    pub const ALL: [Case; 2] = [Case::Firing, Case::Silent];

    /// The case's folder name.
    pub fn as_str(self) -> &'static str {
        match self {
            Case::Firing => "firing",
            Case::Silent => "silent",
        }
    }
}

/// A place a finding is expected or was found: (file, line).
pub type Place = (String, u32);

/// The lines of `texts` (file, text) marked `# expect: RULE_ID`. A marker may name several
/// ids, separated by spaces or commas; an id must match exactly.
pub fn expected_places<'a>(
    texts: impl IntoIterator<Item = (&'a str, &'a str)>,
    rule_id: &str,
) -> BTreeSet<Place> {
    let mut places = BTreeSet::new();
    for (file, text) in texts {
        for (index, line) in text.lines().enumerate() {
            let marked = line.match_indices(EXPECT_MARKER).any(|(at, _)| {
                line[at + EXPECT_MARKER.len()..]
                    .split([' ', '\t', ','])
                    .filter(|word| !word.is_empty())
                    .take_while(|word| !word.starts_with('#'))
                    .any(|word| word == rule_id)
            });
            if marked {
                places.insert((file.to_string(), index as u32 + 1));
            }
        }
    }
    places
}

/// What one case gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// The rule tested.
    pub rule_id: String,
    /// Which case.
    pub case: Case,
    /// Where the rule was expected to fire.
    pub expected: BTreeSet<Place>,
    /// Where it fired.
    pub found: BTreeSet<Place>,
    /// Why the case fails, one sentence each; empty when it holds.
    pub problems: Vec<String>,
}

impl CaseReport {
    /// Whether the case holds.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Says where `found` and `expected` differ, each problem starting with `what`.
fn compare(
    expected: &BTreeSet<Place>,
    found: &BTreeSet<Place>,
    what: &str,
    problems: &mut Vec<String>,
) {
    let missing: BTreeSet<Place> = expected.difference(found).cloned().collect();
    let unexpected: BTreeSet<Place> = found.difference(expected).cloned().collect();
    if !missing.is_empty() {
        problems.push(format!("{what}expected at {}, not found", shown(&missing)));
    }
    if !unexpected.is_empty() {
        problems.push(format!(
            "{what}found at {}, not expected",
            shown(&unexpected)
        ));
    }
}

fn shown(places: &BTreeSet<Place>) -> String {
    places
        .iter()
        .map(|(file, line)| format!("{file}:{line}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks one case: evaluates `rules` on the model of the case's folder and compares where
/// `rule_id` fired with the `# expect:` markers in `texts` (the scanned files, by display
/// path). The fixtures must also scan without an error diagnostic.
pub fn check_case(
    rules: &RuleSet,
    rule_id: &str,
    case: Case,
    model: &Model,
    texts: &BTreeMap<String, String>,
) -> CaseReport {
    let mut problems = Vec::new();
    for diagnostic in model.diagnostics() {
        if diagnostic.level == DiagnosticLevel::Error {
            problems.push(format!("the fixture does not scan cleanly: {diagnostic}"));
        }
    }
    let marked =
        |id: &str| expected_places(texts.iter().map(|(f, t)| (f.as_str(), t.as_str())), id);
    let expected = marked(rule_id);
    let findings: Vec<Finding> = evaluate(model, rules)
        .into_iter()
        .filter(|f| f.rule_id == rule_id)
        .collect();
    let places = |keep: &dyn Fn(&Finding) -> bool| -> BTreeSet<Place> {
        findings
            .iter()
            .filter(|f| keep(f))
            .filter_map(|f| f.location.as_ref())
            .map(|l| (l.file.to_string(), l.start.line))
            .collect()
    };
    let found = places(&|_| true);
    if case == Case::Firing && expected.is_empty() {
        problems.push(format!("no `{EXPECT_MARKER} {rule_id}` line"));
    }
    compare(&expected, &found, "", &mut problems);
    // A checklist's checks, by id, where the fixtures mark them: the rule's finding on exactly
    // those lines lists the check.
    let check_ids = rules
        .get(rule_id)
        .into_iter()
        .flat_map(|r| r.checks.iter().filter_map(|c| c.id.as_deref()));
    for id in check_ids {
        let expected = marked(id);
        if !expected.is_empty() {
            let found = places(&|f| f.checks.iter().any(|c| c.id.as_deref() == Some(id)));
            compare(&expected, &found, &format!("check {id} "), &mut problems);
        }
    }
    CaseReport {
        rule_id: rule_id.to_string(),
        case,
        expected,
        found,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_ids_exactly() {
        let text = "a: 1 # expect: TM-E001\nb: 2 # expect: TM-E0012\nc: 3 # expect: X-E1, TM-E001 # note\nd: # expect:\n";
        let places = expected_places([("f.yaml", text)], "TM-E001");
        assert_eq!(
            places,
            BTreeSet::from([("f.yaml".to_string(), 1), ("f.yaml".to_string(), 3)])
        );
        assert!(expected_places([("f.yaml", text)], "TM-E00").is_empty());
        assert!(expected_places([("f.yaml", text)], "note").is_empty());
    }
}

//! The STRIDE rule engine: rules are data (one YAML file each), evaluated in parallel over the
//! model, giving sorted findings.
//!
//! Rules never see Terraform, YAML or compose: only the [`trustmap_model::Model`]. The built-in
//! pack (`rules/` in this crate, linked from the repository root) is compiled in; [`parse_user_rule`] and
//! [`RuleSet::add`] add a user's (the binary reads their files through the scan's gate), in a
//! namespace of their own. The rule language is data ([`OPERATORS`], [`FIELDS`], ...), checked
//! by the loader and rendered as the user documentation by [`rules_reference`]; [`check_case`]
//! runs a rule's `# expect:` fixtures, for the built-in pack and for users' rules alike.
//! A rule may be a checklist (`checks:`, one finding listing what a subject lacks) and may
//! absorb the rules that restate it on one door ([`fold`]).

mod cases;
mod condition;
mod engine;
mod finding;
mod fold;
mod language;
mod rule;
mod severity;

pub use cases::{Case, CaseReport, EXPECT_MARKER, Place, check_case, expected_places};
pub use condition::{
    AttrTest, Condition, Context, Crossing, Evaluation, IfAbsent, Outcome, PortTest, Target,
};
pub use engine::evaluate;
pub use finding::{
    Certainty, Decision, DecisionKind, FailedCheck, Finding, PASSED_ON_HERE, PathStep,
    RelatedLocation, Severity, Stride, Subject, USED_HERE, stable_hash,
};
pub use fold::{FOLDED_INTO, fold};
pub use language::{
    ATTRIBUTE_TESTS, AttrTestDoc, BUILTIN_PREFIX, CHECK_FIELDS, FIELDS, Field, MISSING_PLACEHOLDER,
    OPERATORS, On, Operator, PLACEHOLDERS, rules_reference,
};
pub use rule::{
    Absorbed, AbsorbsOn, AppliesTo, Check, LocationChoice, Namespace, Rule, RuleError, parse_rule,
    parse_user_rule,
};
pub use severity::{Impact, Impacts, PathScoring, Reach, Score, Scoring, rule_maximum};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

/// A set of rules with unique ids, sorted by id.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in pack.
    ///
    /// # Errors
    /// Only if a built-in rule is malformed, which the test suite rules out.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (file, text) in builtin::BUILTIN {
            set.add(rule::parse_builtin_rule(file, text)?)?;
        }
        set.check_absorbed()?;
        Ok(set)
    }
    /// Adds one rule.
    ///
    /// # Errors
    /// Another rule or check has the same id, one of its checks has a rule's or another
    /// check's id, or it makes a chain of absorbed rules (a rule that absorbs others cannot
    /// itself be absorbed).
    pub fn add(&mut self, rule: Rule) -> Result<(), RuleError> {
        let refuse = |field: &str, message: String| RuleError {
            file: rule.source.clone(),
            line: rule.line_of(field),
            field: field.to_string(),
            message,
        };
        if let Some(existing) = self.get(&rule.id) {
            return Err(refuse(
                "id",
                format!("rule id {} is already used by {}", rule.id, existing.source),
            ));
        }
        if let Some((owner, _)) = self.check(&rule.id) {
            return Err(refuse(
                "id",
                format!(
                    "rule id {} is the id of a check of {} ({})",
                    rule.id, owner.id, owner.source
                ),
            ));
        }
        for id in rule.checks.iter().filter_map(|c| c.id.as_deref()) {
            let taken = self
                .get(id)
                .map(|r| format!("rule {id} ({})", r.source))
                .or_else(|| {
                    self.check(id)
                        .map(|(r, _)| format!("a check of {} ({})", r.id, r.source))
                });
            if let Some(taken) = taken {
                return Err(refuse(
                    "checks",
                    format!("the check id {id} is already used by {taken}"),
                ));
            }
        }
        let absorbed_by = |id: &str| {
            self.rules
                .iter()
                .find(|r| r.absorbs.iter().any(|a| a.rule == id))
        };
        if !rule.absorbs.is_empty() {
            let chain = absorbed_by(&rule.id).map(|r| r.id.clone()).or_else(|| {
                rule.absorbs
                    .iter()
                    .find(|a| self.get(&a.rule).is_some_and(|r| !r.absorbs.is_empty()))
                    .map(|a| a.rule.clone())
            });
            if let Some(other) = chain {
                return Err(refuse(
                    "absorbs",
                    format!(
                        "{} and {other} would make a chain of absorbed rules: a rule that \
                         absorbs others cannot itself be absorbed",
                        rule.id
                    ),
                ));
            }
        }
        let at = self.rules.partition_point(|r| r.id < rule.id);
        self.rules.insert(at, rule);
        Ok(())
    }

    /// Checks that every rule named by an `absorbs:` is in the set: called once every rule is
    /// added (rules may name each other in any order).
    ///
    /// # Errors
    /// An `absorbs:` names a rule that is not in the set.
    pub fn check_absorbed(&self) -> Result<(), RuleError> {
        for rule in &self.rules {
            if let Some(missing) = rule.absorbs.iter().find(|a| self.get(&a.rule).is_none()) {
                return Err(RuleError {
                    file: rule.source.clone(),
                    line: missing.line,
                    field: format!("absorbs.{}", missing.rule),
                    message: format!(
                        "{} is no rule (`trustmap rules` lists them; a check's id cannot be absorbed)",
                        missing.rule
                    ),
                });
            }
        }
        Ok(())
    }

    /// A rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        // Kept sorted by id (`add`).
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.rules[i])
    }

    /// A check by its id, with the rule it belongs to: where a retired rule's id leads.
    pub fn check(&self, id: &str) -> Option<(&Rule, &Check)> {
        self.rules.iter().find_map(|rule| {
            rule.checks
                .iter()
                .find(|c| c.id.as_deref() == Some(id))
                .map(|check| (rule, check))
        })
    }

    /// The ids selectors and decisions may name: every rule's, then every check's.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|r| r.id.as_str()).chain(
            self.rules
                .iter()
                .flat_map(|r| r.checks.iter().filter_map(|c| c.id.as_deref())),
        )
    }

    /// Every rule, sorted by id.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_pack_loads_and_covers_every_stride_category() {
        let rules = RuleSet::builtin().unwrap();
        // By a rule's first category, or by a check (repudiation is the logs check of the
        // hardening checklist).
        for stride in Stride::ALL {
            assert!(
                rules
                    .rules()
                    .iter()
                    .any(|r| r.category() == stride || r.checks.iter().any(|c| c.stride == stride)),
                "no rule or check for {stride:?}"
            );
        }
        for rule in rules.rules() {
            assert!(!rule.cwe.is_empty(), "{} has no CWE", rule.id);
            assert!(
                !rule.impact.is_empty(),
                "{} declares no impact: its findings would not be scored from the path",
                rule.id
            );
            assert!(rule.source.starts_with("rules/"));
        }
    }

    fn rule_with(id: &str, extra: &str) -> Rule {
        let stride = Stride::ALL
            .into_iter()
            .find(|s| {
                id.split('-')
                    .nth(1)
                    .is_some_and(|r| r.starts_with(s.letter()))
            })
            .unwrap();
        let text = format!(
            "id: {id}\ntitle: t\nstride: {}\napplies_to: [process]\nseverity: low\ncondition:\n  attr: privileged\nmessage: m\ndescription: d\nmitigation: m\n{extra}",
            stride.as_str()
        );
        parse_rule(&format!("{id}.yaml"), &text).unwrap()
    }

    #[test]
    fn check_ids_are_unique_across_rules_and_absorbing_does_not_chain() {
        let checklist = "checks:\n  - id: ACME-D001\n    label: l\n    stride: denial_of_service\n    fails: {attr: resource_limits, is: no}\nmessage: \"{missing}\"\n";
        let with_checks = |id: &str| {
            let text = format!(
                "id: {id}\ntitle: t\nstride: elevation_of_privilege\napplies_to: [process]\nseverity: low\ncondition:\n  attr: privileged\ndescription: d\nmitigation: m\n{checklist}"
            );
            parse_rule(&format!("{id}.yaml"), &text).unwrap()
        };
        let mut set = RuleSet::default();
        set.add(with_checks("ACME-E001")).unwrap();
        assert_eq!(set.check("ACME-D001").unwrap().0.id, "ACME-E001");
        assert!(set.ids().any(|id| id == "ACME-D001"));
        let e = set.add(rule_with("ACME-D001", "")).unwrap_err();
        assert!(e.message.contains("the id of a check of ACME-E001"), "{e}");
        let e = set.add(with_checks("ACME-E002")).unwrap_err();
        assert!(
            e.message.contains("already used by a check of ACME-E001"),
            "{e}"
        );

        let mut set = RuleSet::default();
        set.add(rule_with("ACME-I001", "absorbs:\n  ACME-S001: x\n"))
            .unwrap();
        let e = set
            .add(rule_with("ACME-S001", "absorbs:\n  ACME-T001: x\n"))
            .unwrap_err();
        assert!(e.message.contains("chain"), "{e}");
        let e = set
            .add(rule_with("ACME-E001", "absorbs:\n  ACME-I001: x\n"))
            .unwrap_err();
        assert!(e.message.contains("chain"), "{e}");
        let e = set.check_absorbed().unwrap_err();
        assert_eq!(e.field, "absorbs.ACME-S001");
        set.add(rule_with("ACME-S001", "")).unwrap();
        set.check_absorbed().unwrap();
    }

    #[test]
    fn malformed_rules_name_file_line_and_field() {
        let text = "id: TM-E900\ntitle: x\nstride: elevation_of_privilege\napplies_to: [process]\nseverity: high\ncondition:\n  attr: no_such_thing\nmessage: m\ndescription: d\nmitigation: m\n";
        let error = parse_rule("custom/bad.yaml", text).unwrap_err();
        assert_eq!(
            (error.file.as_str(), error.line, error.field.as_str()),
            ("custom/bad.yaml", 7, "condition.attr")
        );
        assert!(
            error
                .to_string()
                .contains("unknown attribute `no_such_thing`")
        );

        let wrong_letter = text
            .replace("TM-E900", "TM-S900")
            .replace("no_such_thing", "privileged");
        let error = parse_rule("custom/bad.yaml", &wrong_letter).unwrap_err();
        assert_eq!(error.field, "id");

        let flow_only = text.replace("attr: no_such_thing", "crosses_boundary: any");
        let error = parse_rule("custom/bad.yaml", &flow_only).unwrap_err();
        assert!(error.message.contains("applies to flows"), "{error}");
    }
}

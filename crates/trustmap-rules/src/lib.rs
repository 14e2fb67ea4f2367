//! The STRIDE rule engine: rules are data (one YAML file each), evaluated in parallel over the
//! model, giving sorted findings.
//!
//! Rules never see Terraform, YAML or compose: only the [`trustmap_model::Model`]. The built-in
//! pack (`rules/` in this crate, linked from the repository root) is compiled in; [`parse_user_rule`] and
//! [`RuleSet::add`] add a user's (the binary reads their files through the scan's gate), in a
//! namespace of their own. The rule language is data ([`OPERATORS`], [`FIELDS`], ...), checked
//! by the loader and rendered as the user documentation by [`rules_reference`]; [`check_case`]
//! runs a rule's `# expect:` fixtures, for the built-in pack and for users' rules alike.

mod cases;
mod condition;
mod engine;
mod finding;
mod language;
mod rule;

pub use cases::{Case, CaseReport, EXPECT_MARKER, Place, check_case, expected_places};
pub use condition::{
    AttrTest, Condition, Context, Crossing, Evaluation, IfAbsent, Outcome, PortTest, Target,
};
pub use engine::evaluate;
pub use finding::{
    Certainty, Decision, DecisionKind, Finding, PASSED_ON_HERE, PathStep, RelatedLocation,
    Severity, Stride, Subject, USED_HERE, stable_hash,
};
pub use language::{
    ATTRIBUTE_TESTS, AttrTestDoc, BUILTIN_PREFIX, FIELDS, Field, OPERATORS, On, Operator,
    PLACEHOLDERS, rules_reference,
};
pub use rule::{
    AppliesTo, LocationChoice, Namespace, Rule, RuleError, parse_rule, parse_user_rule,
};

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
        Ok(set)
    }
    /// Adds one rule.
    ///
    /// # Errors
    /// Another rule has the same id.
    pub fn add(&mut self, rule: Rule) -> Result<(), RuleError> {
        if let Some(existing) = self.get(&rule.id) {
            return Err(RuleError {
                file: rule.source.clone(),
                line: 1,
                field: "id".to_string(),
                message: format!("rule id {} is already used by {}", rule.id, existing.source),
            });
        }
        let at = self.rules.partition_point(|r| r.id < rule.id);
        self.rules.insert(at, rule);
        Ok(())
    }

    /// A rule by id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
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
    fn the_builtin_pack_loads_and_covers_every_stride_letter() {
        let rules = RuleSet::builtin().unwrap();
        for stride in Stride::ALL {
            assert!(
                rules.rules().iter().any(|r| r.category() == stride),
                "no rule for {stride:?}"
            );
        }
        for rule in rules.rules() {
            assert!(!rule.cwe.is_empty(), "{} has no CWE", rule.id);
            assert!(rule.source.starts_with("rules/"));
        }
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

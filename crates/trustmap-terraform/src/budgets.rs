//! The bounds of Terraform evaluation, shared by every root module of a scan: expressions
//! evaluated and resource and module instances are budgets that hold for the whole scan
//! (whatever thread evaluates which root), the size of one value, the nesting of expressions
//! and of module calls are bounds on each. Hitting one is an `Error` diagnostic
//! (`limit-<name>`), reported once per limit and root module.

use crate::value::Value;
use trustmap_model::{Budget, Limit, Limits};

/// The budgets of one scan's Terraform evaluation.
#[derive(Debug)]
pub struct Budgets {
    /// Expressions evaluated (and entries of values copied), whole scan.
    pub(crate) steps: Budget,
    /// Resource, module and dynamic block instances, whole scan.
    pub(crate) instances: Budget,
    /// Only its bound is used: the size of one value (string bytes, collection entries).
    pub(crate) value_size: Budget,
    /// Only its bound is used: nesting of expressions.
    pub(crate) depth: Budget,
    /// Only its bound is used: module calls nested in one another.
    pub(crate) module_depth: Budget,
}

impl Budgets {
    /// Fresh budgets of `limits`, for one scan.
    pub fn new(limits: &Limits) -> Budgets {
        Budgets {
            steps: Budget::new(Limit::EvalSteps, limits),
            instances: Budget::new(Limit::Instances, limits),
            value_size: Budget::new(Limit::ValueSize, limits),
            depth: Budget::new(Limit::Depth, limits),
            module_depth: Budget::new(Limit::ModuleDepth, limits),
        }
    }

    /// The budget of a limit (evaluation has no other: the value size stands in for them).
    pub(crate) fn of(&self, limit: Limit) -> &Budget {
        match limit {
            Limit::EvalSteps => &self.steps,
            Limit::Instances => &self.instances,
            Limit::Depth => &self.depth,
            Limit::ModuleDepth => &self.module_depth,
            Limit::ValueSize
            | Limit::FileSize
            | Limit::TotalBytes
            | Limit::YamlNodes
            | Limit::Elements
            | Limit::Flows
            | Limit::SarifResults
            | Limit::IgnoreBytes => &self.value_size,
        }
    }

    /// The largest value, in [`weight`] units.
    pub(crate) fn max_value(&self) -> u64 {
        self.value_size.max()
    }
}

/// The size of a value: bytes of its strings (keys included) plus one per value, counted
/// only up to just past `cap` (so that measuring costs no more than `cap`).
pub(crate) fn weight(value: &Value, cap: u64) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        total = total.saturating_add(1);
        match v {
            Value::String(s, _) => total = total.saturating_add(s.len() as u64),
            Value::List(items, _) => pending.extend(items),
            Value::Object(fields, _) => {
                for (k, f) in fields {
                    total = total.saturating_add(k.len() as u64);
                    pending.push(f);
                }
            }
            Value::Reference {
                address, attribute, ..
            } => total = total.saturating_add((address.len() + attribute.len()) as u64),
            _ => {}
        }
        if total > cap {
            return total;
        }
    }
    total
}

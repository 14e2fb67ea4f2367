//! The bounds of a scan: what one scan may cost, configurable, shared by every parser.
//!
//! Every bound holds for the whole scan, not per file or per module: a pull request that adds
//! sixty files each just under a per-file bound is still bounded. A parser that hits a bound
//! stops the work it bounds, keeps what it has, and reports a [`Diagnostic`] with the code
//! from [`Limit::code`] at [`DiagnosticLevel::Error`] (the scan is incomplete), naming the
//! limit and the option that raises it.

use crate::{Code, Diagnostic, DiagnosticLevel, Span};
use std::sync::atomic::{AtomicU64, Ordering};

/// One bound of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// Bytes of one input file.
    FileSize,
    /// Bytes of all input files together.
    TotalBytes,
    /// Nesting of YAML, JSON or HCL.
    Depth,
    /// YAML nodes after alias expansion, over the whole scan.
    YamlNodes,
    /// Expressions evaluated, over the whole scan.
    EvalSteps,
    /// Size of one evaluated value (string bytes, list and map entries).
    ValueSize,
    /// Resource and module instances, over the whole scan.
    Instances,
    /// Module calls nested in one another.
    ModuleDepth,
    /// Elements of the model.
    Elements,
    /// Flows of the model.
    Flows,
    /// Results in one SARIF run.
    SarifResults,
    /// Bytes of ignore files (`.gitignore`) together.
    IgnoreBytes,
}

impl Limit {
    /// Every limit, in a stable order.
    pub const ALL: [Limit; 12] = [
        Limit::FileSize,
        Limit::TotalBytes,
        Limit::Depth,
        Limit::YamlNodes,
        Limit::EvalSteps,
        Limit::ValueSize,
        Limit::Instances,
        Limit::ModuleDepth,
        Limit::Elements,
        Limit::Flows,
        Limit::SarifResults,
        Limit::IgnoreBytes,
    ];

    /// The name used in `--limit NAME=N` and in diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Limit::FileSize => "file-size",
            Limit::TotalBytes => "total-bytes",
            Limit::Depth => "depth",
            Limit::YamlNodes => "yaml-nodes",
            Limit::EvalSteps => "eval-steps",
            Limit::ValueSize => "value-size",
            Limit::Instances => "instances",
            Limit::ModuleDepth => "module-depth",
            Limit::Elements => "elements",
            Limit::Flows => "flows",
            Limit::SarifResults => "sarif-results",
            Limit::IgnoreBytes => "ignore-bytes",
        }
    }

    /// The limit called `name`.
    pub fn from_name(name: &str) -> Option<Limit> {
        Limit::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The diagnostic code reported when the limit is hit: `limit-<name>`.
    pub fn code(self) -> Code {
        match self {
            Limit::FileSize => Code::LimitFileSize,
            Limit::TotalBytes => Code::LimitTotalBytes,
            Limit::Depth => Code::LimitDepth,
            Limit::YamlNodes => Code::LimitYamlNodes,
            Limit::EvalSteps => Code::LimitEvalSteps,
            Limit::ValueSize => Code::LimitValueSize,
            Limit::Instances => Code::LimitInstances,
            Limit::ModuleDepth => Code::LimitModuleDepth,
            Limit::Elements => Code::LimitElements,
            Limit::Flows => Code::LimitFlows,
            Limit::SarifResults => Code::LimitSarifResults,
            Limit::IgnoreBytes => Code::LimitIgnoreBytes,
        }
    }

    /// What the limit bounds, for `--help` and the README.
    pub fn doc(self) -> &'static str {
        match self {
            Limit::FileSize => "bytes of one input file (also --max-file-size)",
            Limit::TotalBytes => "bytes of all input files together",
            Limit::Depth => "nesting of YAML, JSON and HCL values",
            Limit::YamlNodes => "YAML nodes after alias expansion, whole scan",
            Limit::EvalSteps => "Terraform expressions evaluated, whole scan",
            Limit::ValueSize => "bytes of a string or entries of a collection Terraform evaluates",
            Limit::Instances => "resource and module instances, whole scan",
            Limit::ModuleDepth => "Terraform module calls nested in one another",
            Limit::Elements => "elements of the model",
            Limit::Flows => "flows of the model",
            Limit::SarifResults => "results in one SARIF run (GitHub keeps 5,000)",
            Limit::IgnoreBytes => "bytes of .gitignore and .ignore files together",
        }
    }
}

/// The value of every bound. `Limits::default()` is what the command line uses unless told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    values: [u64; Limit::ALL.len()],
}

impl Default for Limits {
    fn default() -> Self {
        let mut limits = Limits {
            values: [0; Limit::ALL.len()],
        };
        for limit in Limit::ALL {
            limits.set(limit, Limits::default_value(limit));
        }
        limits
    }
}

impl Limits {
    /// The default of one bound.
    pub fn default_value(limit: Limit) -> u64 {
        match limit {
            Limit::FileSize => 10 * 1024 * 1024,
            Limit::TotalBytes => 1024 * 1024 * 1024,
            Limit::Depth => 128,
            Limit::YamlNodes => 5_000_000,
            Limit::EvalSteps => 20_000_000,
            Limit::ValueSize => 1_000_000,
            Limit::Instances => 200_000,
            Limit::ModuleDepth => 10,
            Limit::Elements => 200_000,
            Limit::Flows => 200_000,
            Limit::SarifResults => 5_000,
            Limit::IgnoreBytes => 256 * 1024,
        }
    }

    /// The value of one bound.
    pub fn get(&self, limit: Limit) -> u64 {
        self.values[limit as usize]
    }

    /// Sets one bound.
    pub fn set(&mut self, limit: Limit, value: u64) {
        self.values[limit as usize] = value;
    }

    /// The value of one bound as a `usize` (saturating on 32-bit targets).
    pub fn get_usize(&self, limit: Limit) -> usize {
        usize::try_from(self.get(limit)).unwrap_or(usize::MAX)
    }
}

/// The diagnostic for a limit that was hit at `span`: what was cut, and how to raise it.
pub fn limit_diagnostic(limit: Limit, value: u64, span: Span, what_was_cut: &str) -> Diagnostic {
    Diagnostic::new(
        DiagnosticLevel::Error,
        limit.code(),
        span,
        format!(
            "{what_was_cut}: the {} limit ({}) of {value} was reached (raise it with --limit {}=N)",
            limit.name(),
            limit.doc(),
            limit.name()
        ),
    )
}

/// A bound shared by every worker of a scan: each takes what it uses, and the first that
/// would go past the bound is refused. Lock-free; cheap to call per node or per step.
#[derive(Debug)]
pub struct Budget {
    limit: Limit,
    max: u64,
    used: AtomicU64,
}

impl Budget {
    /// A budget of `limits.get(limit)`.
    pub fn new(limit: Limit, limits: &Limits) -> Budget {
        Budget {
            limit,
            max: limits.get(limit),
            used: AtomicU64::new(0),
        }
    }

    /// Takes `amount`; `false` (and nothing taken) when that would go past the bound.
    pub fn take(&self, amount: u64) -> bool {
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(amount).filter(|total| *total <= self.max)
            })
            .is_ok()
    }

    /// Gives back `amount` taken earlier (a document that was dropped after all).
    pub fn give_back(&self, amount: u64) {
        let _ = self
            .used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                Some(used.saturating_sub(amount))
            });
    }

    /// How much has been taken.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// The bound.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Which limit this budget holds.
    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// The diagnostic for hitting this budget at `span`.
    pub fn diagnostic(&self, span: Span, what_was_cut: &str) -> Diagnostic {
        limit_diagnostic(self.limit, self.max, span, what_was_cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_codes_are_prefixed() {
        for limit in Limit::ALL {
            assert_eq!(Limit::from_name(limit.name()), Some(limit));
            assert!(limit.code().as_str().starts_with("limit-"));
        }
        assert_eq!(Limit::from_name("nope"), None);
    }

    #[test]
    fn a_budget_refuses_what_goes_past_it_and_keeps_nothing_of_it() {
        let mut limits = Limits::default();
        limits.set(Limit::YamlNodes, 10);
        let budget = Budget::new(Limit::YamlNodes, &limits);
        assert!(budget.take(6));
        assert!(!budget.take(5));
        assert_eq!(budget.used(), 6);
        assert!(budget.take(4));
        assert!(!budget.take(1));
        assert!(!budget.take(u64::MAX));
        budget.give_back(3);
        assert!(budget.take(3));
    }

    #[test]
    fn a_budget_holds_across_threads() {
        let mut limits = Limits::default();
        limits.set(Limit::Instances, 1000);
        let budget = Budget::new(Limit::Instances, &limits);
        let taken = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        if budget.take(1) {
                            taken.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        assert_eq!(taken.load(Ordering::Relaxed), 1000);
    }
}

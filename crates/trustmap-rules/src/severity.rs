//! Severity from the path: each finding's severity is scored from what the model knows about
//! it, not fixed per rule.
//!
//! Three factors, each declared or computed, never guessed:
//! - **what the attacker gains** ([`Impact`]), declared per rule (`impact:`): a host or cluster
//!   taken over, code run, data read or changed, an identity misused, a service stopped, actions
//!   left untraced;
//! - **how the subject is reached** ([`Reach`]), from the model: exposed to the internet
//!   (directly or through forwarders only), reachable from it through services that do their
//!   own work, reached from another zone, or only from its own. Rules whose attacker does not
//!   come over the network (a secret written in the code, an identity's rights) say
//!   `path: none`, and reach does not lower them;
//! - **how sure the path is**: a finding that is only *possible* (a fact is unknown) and a
//!   subject that only *may* be exposed (its bind address is unresolved) rank lower.
//!
//! The rule's own `severity` is the ceiling: what the threat is worth on a proven path from the
//! internet. The score starts at the lesser of that ceiling and the impact's worth, and each
//! factor can only lower it, so a finding never rates above what its rule says, the rule's
//! severity is the most any of its findings reaches (which is what GitHub code scanning shows
//! for the rule), and `--fail-on`/`--severity` never see a rule rated higher than its
//! documentation. Scores use GitHub's `security-severity` scale (0.1–10.0: critical from 9.0,
//! high from 7.0, medium from 4.0). A rule that declares no impact (a user's rule written
//! before impacts existed) keeps its fixed severity.

use crate::condition::Target;
use crate::{Certainty, Rule, Severity};
use serde::Serialize;
use std::fmt;
use trustmap_model::{AttrName, Element, ElementKind, Model, Reachability, Tri};

/// What an attacker gains when a threat is carried out, as a rule declares it (`impact:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// The host (or node) under the container: every workload on it, its files and devices.
    HostTakeover,
    /// The cluster or cloud account: rights that create, change or delete what it runs.
    ClusterTakeover,
    /// Code run as the service, with its data and its credentials.
    CodeExecution,
    /// Data read by someone who should not read it.
    DataRead,
    /// Data changed or deleted by someone who should not change it.
    DataWrite,
    /// Acting as an identity: its rights, logged as it.
    IdentityMisuse,
    /// The service made unavailable.
    DenialOfService,
    /// Actions that leave no trace to investigate.
    UntracedActions,
}

impl Impact {
    /// Every impact, worst first.
    pub const ALL: [Impact; 8] = [
        Impact::HostTakeover,
        Impact::ClusterTakeover,
        Impact::CodeExecution,
        Impact::DataRead,
        Impact::DataWrite,
        Impact::IdentityMisuse,
        Impact::DenialOfService,
        Impact::UntracedActions,
    ];

    /// The name used in rule files (`host_takeover`).
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::HostTakeover => "host_takeover",
            Impact::ClusterTakeover => "cluster_takeover",
            Impact::CodeExecution => "code_execution",
            Impact::DataRead => "data_read",
            Impact::DataWrite => "data_write",
            Impact::IdentityMisuse => "identity_misuse",
            Impact::DenialOfService => "denial_of_service",
            Impact::UntracedActions => "untraced_actions",
        }
    }

    /// Looks an impact up by its rule-file name.
    pub fn parse(name: &str) -> Option<Impact> {
        Impact::ALL.into_iter().find(|i| i.as_str() == name)
    }

    /// The impact in a reason (`host takeover`).
    pub fn in_words(self) -> &'static str {
        match self {
            Impact::HostTakeover => "host takeover",
            Impact::ClusterTakeover => "cluster or cloud takeover",
            Impact::CodeExecution => "code execution",
            Impact::DataRead => "data read",
            Impact::DataWrite => "data write",
            Impact::IdentityMisuse => "identity misuse",
            Impact::DenialOfService => "denial of service",
            Impact::UntracedActions => "untraced actions",
        }
    }

    /// What the impact is worth on a proven path from the internet: the highest score a
    /// finding with it can get.
    pub fn worth(self) -> Score {
        Score(match self {
            Impact::HostTakeover | Impact::ClusterTakeover => 100,
            Impact::CodeExecution => 95,
            Impact::DataRead | Impact::DataWrite => 90,
            Impact::IdentityMisuse => 80,
            Impact::DenialOfService => 60,
            Impact::UntracedActions => 35,
        })
    }
}

/// What a rule declares an attacker gains (`impact:`): one list for every subject, or lists by
/// the kind of element the threat lands on (a flow's: its target's), with `otherwise` for the
/// rest. An unauthenticated door gives away the data of a data store behind it, and only the
/// caller's anonymity in front of a function.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Impacts {
    /// Impacts for subjects of one kind.
    pub by_kind: Vec<(ElementKind, Vec<Impact>)>,
    /// Impacts for every other subject.
    pub otherwise: Vec<Impact>,
}

impl Impacts {
    /// The name of the key for every other kind, in a mapping.
    pub const OTHERWISE: &'static str = "otherwise";

    /// Whether the rule declares no impact at all.
    pub fn is_empty(&self) -> bool {
        self.otherwise.is_empty() && self.by_kind.iter().all(|(_, i)| i.is_empty())
    }

    /// The impacts on a subject of `kind`.
    pub fn on(&self, kind: ElementKind) -> &[Impact] {
        self.by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(&self.otherwise, |(_, impacts)| impacts)
    }

    /// Every impact declared, for any kind.
    pub fn all(&self) -> impl Iterator<Item = Impact> + '_ {
        self.by_kind
            .iter()
            .flat_map(|(_, i)| i.iter())
            .chain(&self.otherwise)
            .copied()
    }

    /// The impacts in words, for a rule's help: `data read, data write (data_store); identity
    /// misuse (otherwise)`.
    pub fn in_words(&self) -> String {
        let words = |impacts: &[Impact]| {
            impacts
                .iter()
                .map(|i| i.in_words())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if self.by_kind.is_empty() {
            return words(&self.otherwise);
        }
        let mut parts: Vec<String> = self
            .by_kind
            .iter()
            .map(|(kind, impacts)| format!("{} ({})", words(impacts), kind.as_str()))
            .collect();
        if !self.otherwise.is_empty() {
            parts.push(format!(
                "{} ({})",
                words(&self.otherwise),
                Impacts::OTHERWISE
            ));
        }
        parts.join("; ")
    }
}

/// Whether how a subject is reached bears on a rule's threat (`path:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathScoring {
    /// The attacker comes over the network: the subject's reach scores the finding.
    #[default]
    Network,
    /// The attacker does not come over the network to the subject (a secret written in the
    /// code, an identity's rights, a disk snapshot): reach does not lower the finding.
    None,
}

impl PathScoring {
    /// The name used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            PathScoring::Network => "network",
            PathScoring::None => "none",
        }
    }

    /// Looks a value up by its rule-file name.
    pub fn parse(name: &str) -> Option<PathScoring> {
        [PathScoring::Network, PathScoring::None]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// How an attacker reaches a finding's subject, nearest the internet first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// A flow from the internet reaches it, directly or through forwarders only (a load
    /// balancer, a Service, an ingress).
    Exposed,
    /// A flow from the internet may reach it: whether the flow is public is not known (an
    /// unresolved bind address).
    MaybeExposed,
    /// The internet reaches it only through services that do their own work: an attacker
    /// must go through (or take over) one of them first.
    ThroughServices,
    /// A flow from another zone reaches it.
    OtherZone,
    /// Only its own zone reaches it, or nothing does.
    OwnZone,
    /// The rule's attacker does not come over the network (`path: none`), or the rule declares
    /// no impact: reach is not scored.
    NotScored,
}

impl Reach {
    /// The name in JSON and SARIF properties.
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Exposed => "exposed",
            Reach::MaybeExposed => "maybe_exposed",
            Reach::ThroughServices => "through_services",
            Reach::OtherZone => "other_zone",
            Reach::OwnZone => "own_zone",
            Reach::NotScored => "not_scored",
        }
    }

    /// The reach in a reason, or `None` when it is not scored.
    pub fn in_words(self) -> Option<&'static str> {
        match self {
            Reach::Exposed => Some("exposed to the internet"),
            Reach::MaybeExposed => Some("may be exposed to the internet"),
            Reach::ThroughServices => Some("reachable from the internet through other services"),
            Reach::OtherZone => Some("reachable from another zone"),
            Reach::OwnZone => Some("reachable only from its own zone"),
            Reach::NotScored => None,
        }
    }

    /// The share of the score this reach keeps, in percent.
    fn keeps(self) -> u32 {
        match self {
            Reach::Exposed | Reach::NotScored => 100,
            Reach::MaybeExposed => 80,
            Reach::ThroughServices => 75,
            Reach::OtherZone => 70,
            Reach::OwnZone => 60,
        }
    }

    /// How the subject of a rule is reached in `model`. A flow is reached as its source is,
    /// but a flow from the internet is as exposed as it is public.
    pub fn of(model: &Model, target: Target<'_>) -> Reach {
        match target {
            Target::Element(element) => Reach::of_element(model, element),
            Target::Flow(flow) => {
                let from_internet = model
                    .element(&flow.source)
                    .is_some_and(|s| model.is_on_internet(s));
                let public = match flow.attributes.get(AttrName::Public) {
                    Some(_) => flow.attributes.flag(AttrName::Public),
                    None => Tri::Yes,
                };
                match (from_internet, public) {
                    (true, Tri::Yes) => Reach::Exposed,
                    (true, Tri::Unknown) => Reach::MaybeExposed,
                    (true, Tri::No) => model
                        .element(&flow.target)
                        .map_or(Reach::OwnZone, |t| Reach::of_element(model, t)),
                    (false, _) => model
                        .element(&flow.source)
                        .map_or(Reach::OwnZone, |s| Reach::of_element(model, s)),
                }
            }
        }
    }

    fn of_element(model: &Model, element: &Element) -> Reach {
        match model.exposure(&element.id) {
            Tri::Yes => return Reach::Exposed,
            Tri::Unknown => return Reach::MaybeExposed,
            Tri::No => {}
        }
        if model.reachable_from_internet(&element.id, Reachability::AnyFlow) {
            return Reach::ThroughServices;
        }
        let from_another_zone = model
            .inbound(&element.id)
            .into_iter()
            .any(|flow| !model.boundaries_crossed(flow).is_empty());
        if from_another_zone {
            Reach::OtherZone
        } else {
            Reach::OwnZone
        }
    }
}

/// A score on GitHub's `security-severity` scale, in tenths (`95` is 9.5), from 1 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    /// The highest score a severity allows: 3.9 for low, 6.9 for medium, 8.9 for high, 10.0
    /// for critical.
    pub fn ceiling(severity: Severity) -> Score {
        Score(match severity {
            Severity::Low => 39,
            Severity::Medium => 69,
            Severity::High => 89,
            Severity::Critical => 100,
        })
    }

    /// The severity GitHub shows for this score: critical from 9.0, high from 7.0, medium from
    /// 4.0, low below.
    pub fn severity(self) -> Severity {
        match self.0 {
            90.. => Severity::Critical,
            70..=89 => Severity::High,
            40..=69 => Severity::Medium,
            _ => Severity::Low,
        }
    }

    /// The score in tenths.
    pub fn tenths(self) -> u8 {
        self.0
    }

    /// This score keeping `percent` of itself, rounded to the nearest tenth, at least 0.1.
    fn keeping(self, percent: u32) -> Score {
        let kept = (u32::from(self.0) * percent + 50) / 100;
        Score(u8::try_from(kept.clamp(1, 100)).unwrap_or(100))
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How a finding's severity was scored: the score and every factor that made it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Scoring {
    /// On GitHub's `security-severity` scale.
    pub score: Score,
    /// The rule's own severity: the ceiling.
    pub rule_severity: Severity,
    /// What the attacker gains, as the rule declares it (empty: the rule declares none, and
    /// its severity is kept as it is).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub impact: Vec<Impact>,
    /// How the subject is reached.
    pub reach: Reach,
    /// Whether the path is proven.
    pub certainty: Certainty,
}

impl Scoring {
    /// The rule's fixed severity, unscored: for rules that declare no impact, and for findings
    /// built by hand.
    pub fn fixed(severity: Severity, certainty: Certainty) -> Scoring {
        let score = match severity {
            Severity::Low => 30,
            Severity::Medium => 55,
            Severity::High => 80,
            Severity::Critical => 95,
        };
        Scoring {
            score: Score(score),
            rule_severity: severity,
            impact: Vec::new(),
            reach: Reach::NotScored,
            certainty,
        }
    }

    /// The severity the score gives.
    pub fn severity(&self) -> Severity {
        self.score.severity()
    }

    /// Whether the severity was scored (the rule declares an impact) rather than kept.
    pub fn scored(&self) -> bool {
        !self.impact.is_empty()
    }

    /// The path and the gain in a few words: `exposed to the internet, host takeover`; for an
    /// unscored finding, `the rule's fixed severity`. Outputs that mark possible findings
    /// themselves show this beside their mark.
    pub fn factors(&self) -> String {
        let mut parts: Vec<&str> = self.reach.in_words().into_iter().collect();
        parts.extend(self.impact.iter().map(|i| i.in_words()));
        if self.impact.is_empty() {
            parts.push("the rule's fixed severity");
        }
        parts.join(", ")
    }

    /// The severity and every reason for it: `critical: exposed to the internet, host
    /// takeover`, with `not proven` for a possible finding.
    pub fn reason(&self) -> String {
        let mut reason = format!("{}: {}", self.severity(), self.factors());
        if self.certainty == Certainty::Possible {
            reason.push_str(", not proven");
        }
        reason
    }
}

/// The highest score a finding of `rule` can get: its severity's ceiling, or less when the
/// worst impact it declares is worth less. This is the rule's `security-severity` in SARIF.
pub fn rule_maximum(rule: &Rule) -> Score {
    match worst_impact(rule.impact.all()) {
        Some(worth) => worth.min(Score::ceiling(rule.severity)),
        None => Scoring::fixed(rule.severity, Certainty::Definite).score,
    }
}

/// What the worst of `impacts` is worth, or `None` when there is none.
fn worst_impact(impacts: impl IntoIterator<Item = Impact>) -> Option<Score> {
    impacts.into_iter().map(Impact::worth).max()
}

/// The kind of element a finding on `target` lands on: the element, or a flow's target.
fn landing_kind(model: &Model, target: Target<'_>) -> Option<ElementKind> {
    match target {
        Target::Element(element) => Some(element.kind),
        Target::Flow(flow) => model.element(&flow.target).map(|e| e.kind),
    }
}

/// Whether the internet only reads through the door a finding is about: a flow from the
/// internet that is read-only, or an element whose every flow from the internet is.
fn read_only_from_internet(model: &Model, target: Target<'_>) -> bool {
    let from_internet = |flow: &&trustmap_model::Flow| {
        model
            .element(&flow.source)
            .is_some_and(|s| model.is_on_internet(s))
    };
    let read_only =
        |flow: &trustmap_model::Flow| flow.attributes.flag(AttrName::ReadOnly) == Tri::Yes;
    match target {
        Target::Flow(flow) => from_internet(&flow) && read_only(flow),
        Target::Element(element) => {
            let doors: Vec<_> = model
                .inbound(&element.id)
                .into_iter()
                .filter(from_internet)
                .collect();
            !doors.is_empty() && doors.into_iter().all(read_only)
        }
    }
}

/// Scores a finding of `rule` on `target`: the lesser of the rule's ceiling and what the
/// impacts on the subject are worth, lowered by how the subject is reached (unless the rule
/// says `path: none`) and by an unproven path.
pub fn score(rule: &Rule, model: &Model, target: Target<'_>, certainty: Certainty) -> Scoring {
    score_impacts(rule, &[], model, target, certainty)
}

/// [`score`] with the impacts that apply, when they are narrower than the rule's (a
/// checklist's failed checks); empty: the rule's.
pub fn score_impacts(
    rule: &Rule,
    impacts: &[Impact],
    model: &Model,
    target: Target<'_>,
    certainty: Certainty,
) -> Scoring {
    let mut impact: Vec<Impact> = if !impacts.is_empty() {
        impacts.to_vec()
    } else {
        match landing_kind(model, target) {
            Some(kind) => rule.impact.on(kind).to_vec(),
            None => rule.impact.otherwise.clone(),
        }
    };
    // A door the model knows is read-only (a bucket readable by everyone) writes nothing:
    // what else it gives is what the attacker gains.
    if read_only_from_internet(model, target) && impact.iter().any(|i| *i != Impact::DataWrite) {
        impact.retain(|i| *i != Impact::DataWrite);
    }
    let Some(worth) = worst_impact(impact.iter().copied()) else {
        return Scoring::fixed(rule.severity, certainty);
    };
    let reach = match rule.path {
        PathScoring::Network => Reach::of(model, target),
        PathScoring::None => Reach::NotScored,
    };
    let proven = match certainty {
        Certainty::Definite => 100,
        Certainty::Possible => 80,
    };
    Scoring {
        score: worth
            .min(Score::ceiling(rule.severity))
            .keeping(reach.keeps() * proven / 100),
        rule_severity: rule.severity,
        impact,
        reach,
        certainty,
    }
}

/// Checks that a rule's severity is one its impacts can reach: a denial of service is never
/// critical, however exposed.
///
/// # Errors
/// The severity's lowest score is above what the worst impact is worth.
pub fn check_reachable(severity: Severity, impacts: &Impacts) -> Result<(), String> {
    let Some(worth) = worst_impact(impacts.all()) else {
        return Ok(());
    };
    if worth.severity() < severity {
        let worst = impacts
            .all()
            .max_by_key(|i| i.worth())
            .map_or("", Impact::as_str);
        return Err(format!(
            "`{severity}` is above what `{worst}` can reach ({}, {}): lower the severity or \
             name a greater impact",
            worth.severity(),
            worth
        ));
    }
    Ok(())
}

/// The scoring explained, in Markdown, for the rule language reference.
pub fn reference() -> String {
    let mut out = String::from(
        "\n## Severity\n\n\
         A finding's severity is scored from what the model knows about it. The rule's \
         `severity` is the ceiling: what the threat is worth on a proven path from the \
         internet. The score starts at the lesser of that ceiling's top (low 3.9, medium 6.9, \
         high 8.9, critical 10.0) and what the worst `impact` is worth, then keeps a share of \
         itself for how the subject is reached and for an unproven path. Scores are on GitHub's \
         `security-severity` scale: critical from 9.0, high from 7.0, medium from 4.0, low \
         below. A rule without `impact` keeps its `severity` as it is.\n\n\
         | Impact | Worth |\n| --- | --- |\n",
    );
    for impact in Impact::ALL {
        out.push_str(&format!(
            "| `{}` ({}) | {} |\n",
            impact.as_str(),
            impact.in_words(),
            impact.worth()
        ));
    }
    out.push_str("\n| Reach (`path: network`) | Keeps |\n| --- | --- |\n");
    for reach in [
        Reach::Exposed,
        Reach::MaybeExposed,
        Reach::ThroughServices,
        Reach::OtherZone,
        Reach::OwnZone,
    ] {
        out.push_str(&format!(
            "| {} | {}% |\n",
            reach.in_words().unwrap_or_default(),
            reach.keeps()
        ));
    }
    out.push_str(
        "\nWith `path: none` reach keeps all of it. A *possible* finding (a fact is unknown) \
         keeps 80%.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_githubs_bands() {
        assert_eq!(Score(90).severity(), Severity::Critical);
        assert_eq!(Score(89).severity(), Severity::High);
        assert_eq!(Score(70).severity(), Severity::High);
        assert_eq!(Score(69).severity(), Severity::Medium);
        assert_eq!(Score(40).severity(), Severity::Medium);
        assert_eq!(Score(39).severity(), Severity::Low);
        assert_eq!(Score(1).severity(), Severity::Low);
        for severity in [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            assert_eq!(Score::ceiling(severity).severity(), severity);
        }
        assert_eq!(Score(95).to_string(), "9.5");
        assert_eq!(Score(100).to_string(), "10.0");
        assert_eq!(Score(1).to_string(), "0.1");
    }

    #[test]
    fn keeping_a_share_rounds_and_never_reaches_zero() {
        assert_eq!(Score(90).keeping(75), Score(68));
        assert_eq!(Score(100).keeping(60), Score(60));
        assert_eq!(Score(35).keeping(48), Score(17));
        assert_eq!(Score(1).keeping(1), Score(1));
        assert_eq!(Score(100).keeping(100), Score(100));
    }

    fn impacts(otherwise: &[Impact]) -> Impacts {
        Impacts {
            by_kind: Vec::new(),
            otherwise: otherwise.to_vec(),
        }
    }

    #[test]
    fn a_severity_its_impact_cannot_reach_is_refused() {
        let ok = |severity, list: &[Impact]| check_reachable(severity, &impacts(list)).is_ok();
        assert!(ok(Severity::Critical, &[Impact::HostTakeover]));
        assert!(ok(Severity::Critical, &[Impact::DataRead]));
        assert!(ok(Severity::High, &[Impact::IdentityMisuse]));
        assert!(!ok(Severity::Critical, &[Impact::IdentityMisuse]));
        let error =
            check_reachable(Severity::High, &impacts(&[Impact::DenialOfService])).unwrap_err();
        assert!(
            error.contains("`denial_of_service` can reach (medium, 6.0)"),
            "{error}"
        );
        assert!(ok(Severity::Critical, &[]));
        let by_kind = Impacts {
            by_kind: vec![(ElementKind::DataStore, vec![Impact::DataRead])],
            otherwise: vec![Impact::IdentityMisuse],
        };
        assert!(check_reachable(Severity::Critical, &by_kind).is_ok());
    }

    #[test]
    fn rule_files_declare_impacts_and_path() {
        let rule = |extra: &str, severity: &str| {
            let text = format!(
                "id: ACME-E001\ntitle: t\nstride: elevation_of_privilege\n\
                 applies_to: [process]\nseverity: {severity}\n{extra}condition:\n  \
                 attr: privileged\nmessage: m\ndescription: d\nmitigation: m\n"
            );
            crate::parse_rule("acme.yaml", &text)
        };
        let plain = rule("", "high").unwrap();
        assert!(plain.impact.is_empty());
        assert_eq!(plain.path, PathScoring::Network);
        assert_eq!(rule_maximum(&plain).to_string(), "8.0", "kept as it is");

        let scored = rule("impact: host_takeover\npath: none\n", "critical").unwrap();
        assert_eq!(scored.impact.otherwise, [Impact::HostTakeover]);
        assert_eq!(scored.path, PathScoring::None);
        assert_eq!(rule_maximum(&scored).to_string(), "10.0");
        let capped = rule("impact: [host_takeover]\n", "medium").unwrap();
        assert_eq!(rule_maximum(&capped).to_string(), "6.9");

        let by_kind = rule(
            "impact:\n  data_store: [data_read]\n  otherwise: identity_misuse\n",
            "critical",
        )
        .unwrap();
        assert_eq!(
            by_kind.impact.on(ElementKind::DataStore),
            [Impact::DataRead]
        );
        assert_eq!(rule_maximum(&by_kind).to_string(), "9.0");

        let field = |extra: &str, severity: &str| rule(extra, severity).unwrap_err().field;
        assert_eq!(field("impact: [pwned]\n", "high"), "impact");
        assert_eq!(field("impact: denial_of_service\n", "high"), "severity");
        assert_eq!(
            field("impact:\n  data_store: [data_read]\n", "high"),
            "impact"
        );
        assert_eq!(
            field("impact:\n  pods: [data_read]\n", "high"),
            "impact.pods"
        );
        assert_eq!(field("path: sometimes\n", "high"), "path");
    }

    #[test]
    fn impacts_by_kind_fall_back_to_otherwise() {
        let by_kind = Impacts {
            by_kind: vec![(ElementKind::DataStore, vec![Impact::DataRead])],
            otherwise: vec![Impact::IdentityMisuse],
        };
        assert_eq!(by_kind.on(ElementKind::DataStore), [Impact::DataRead]);
        assert_eq!(by_kind.on(ElementKind::Process), [Impact::IdentityMisuse]);
        assert_eq!(
            by_kind.in_words(),
            "data read (data_store); identity misuse (otherwise)"
        );
        assert!(Impacts::default().is_empty());
    }

    #[test]
    fn reasons_name_every_factor() {
        let scoring = Scoring {
            score: Score(80),
            rule_severity: Severity::Critical,
            impact: vec![Impact::HostTakeover],
            reach: Reach::Exposed,
            certainty: Certainty::Possible,
        };
        assert_eq!(
            scoring.reason(),
            "high: exposed to the internet, host takeover, not proven"
        );
        let fixed = Scoring::fixed(Severity::Medium, Certainty::Definite);
        assert_eq!(fixed.reason(), "medium: the rule's fixed severity");
        assert_eq!(fixed.severity(), Severity::Medium);
    }
}

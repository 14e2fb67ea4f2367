//! The rule language as data: the fields of a rule file, the condition operators, the
//! attribute tests, the placeholders of a message and the names they accept.
//!
//! The loader (`rule.rs`) checks rule files against these tables, so a key that is not here is
//! an error at its line, and [`rules_reference`] renders them, with the attribute vocabulary,
//! as the user documentation (`docs/rules.md`, `trustmap rules docs`): what users read is
//! what the loader accepts.

use crate::{Severity, Stride};
use trustmap_model::{AttrName, ElementKind, TrustLevel, ValueKind, ZoneKind};

/// The prefix of the built-in rules' ids; user rules may not use it.
pub const BUILTIN_PREFIX: &str = "TM";

/// One key of a rule file.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key.
    pub name: &'static str,
    /// Whether a rule must have it.
    pub required: bool,
    /// What it holds.
    pub meaning: &'static str,
}

/// The top-level keys of a rule file.
pub const FIELDS: &[Field] = &[
    Field {
        name: "id",
        required: true,
        meaning: "`PREFIX-` then the letter of the first STRIDE category, then digits: \
                  `ACME-T001`. PREFIX is a capital letter followed by up to 15 capitals or \
                  digits. `TM` is the built-in pack's; a user rule with it is refused.",
    },
    Field {
        name: "title",
        required: true,
        meaning: "A short title naming the bad pattern.",
    },
    Field {
        name: "stride",
        required: true,
        meaning: "One STRIDE category or a list; the first is the rule's category and gives \
                  the id its letter.",
    },
    Field {
        name: "applies_to",
        required: true,
        meaning: "Element kinds, or `data_flow` (not both): what the condition is evaluated on.",
    },
    Field {
        name: "severity",
        required: true,
        meaning: "`low`, `medium`, `high` or `critical`: what the threat is worth on a proven \
                  path from the internet, the most its findings are rated (see Severity).",
    },
    Field {
        name: "condition",
        required: true,
        meaning: "When the rule fires: one operator (below).",
    },
    Field {
        name: "message",
        required: true,
        meaning: "The finding's message; `{placeholders}` (below) are filled in.",
    },
    Field {
        name: "description",
        required: true,
        meaning: "Why it matters, in Markdown (the rule's help in `rules explain` and SARIF).",
    },
    Field {
        name: "mitigation",
        required: true,
        meaning: "How to fix it, in Markdown.",
    },
    Field {
        name: "references",
        required: false,
        meaning: "`cwe:` a list of CWE numbers, `links:` a list of URLs; nothing else.",
    },
    Field {
        name: "report_unknown",
        required: false,
        meaning: "`true`: also report when the condition is unknown (a fact the code does not \
                  state), as a *possible* finding. Default `false`.",
    },
    Field {
        name: "location",
        required: false,
        meaning: "`evidence` (default): findings point at the fact that fired the rule; \
                  `subject`: at the element or flow itself, for rules about what is absent.",
    },
    Field {
        name: "impact",
        required: false,
        meaning: "What an attacker gains, one name or a list (see Severity), or lists by \
                  the kind of element the finding lands on (a flow's: its target's), with \
                  `otherwise` for the rest: `{data_store: [data_read], otherwise: \
                  [identity_misuse]}`. Findings are then scored from the path; without it, \
                  `severity` is kept as it is.",
    },
    Field {
        name: "path",
        required: false,
        meaning: "`network` (default): how the subject is reached scores its findings; \
                  `none`: the attacker does not come over the network (a secret in the code, \
                  an identity's rights), so reach does not lower them.",
    },
    Field {
        name: "checks",
        required: false,
        meaning: "A checklist (below): the rule fires where its condition holds and at least \
                  one check fails, with one finding per subject that lists the failed checks \
                  (`{missing}`).",
    },
    Field {
        name: "absorbs",
        required: false,
        meaning: "Rules whose findings restate this rule's on the same door, each with the \
                  clause that says its fact: `{TM-I001: its traffic is not encrypted}` (below).",
    },
    Field {
        name: "absorbs_on",
        required: false,
        meaning: "`line` (default): absorbed findings fold in on the same line; `element`: \
                  about the same element wherever they are (several settings that each open \
                  one threat).",
    },
    Field {
        name: "once_per_application",
        required: false,
        meaning: "One finding per application, not per element: the clause that names each \
                  other element the first one's finding lists (`{name} ({missing})`, below).",
    },
];

/// The keys of one check under `checks:`.
pub const CHECK_FIELDS: &[Field] = &[
    Field {
        name: "label",
        required: true,
        meaning: "What is missing when the check fails, as `{missing}` lists it: \
                  `no CPU or memory limit`.",
    },
    Field {
        name: "stride",
        required: true,
        meaning: "The STRIDE category of a failure of this check; the finding's categories \
                  are those of its failed checks.",
    },
    Field {
        name: "fails",
        required: true,
        meaning: "When the check fails: a condition on the rule's subject.",
    },
    Field {
        name: "id",
        required: false,
        meaning: "An id for the check, of the rule id's form with the check's STRIDE letter. \
                  `--select`, `--ignore` and decisions that name it apply to this check of \
                  the rule's findings. A rule that became a check keeps its id here, so the \
                  settings and decisions written for it keep working.",
    },
    Field {
        name: "impact",
        required: false,
        meaning: "What an attacker gains when this check fails (names as the rule's `impact`); \
                  a finding is scored from the impacts of its failed checks. Default: the \
                  rule's.",
    },
    Field {
        name: "report_unknown",
        required: false,
        meaning: "`true`: an unknown outcome (of the condition or of `fails`) lists the check \
                  as possibly failed. Default: the rule's `report_unknown`.",
    },
];

/// The placeholder that lists a checklist rule's failed checks.
pub const MISSING_PLACEHOLDER: &str = "missing";

/// The keys under `references:`.
pub const REFERENCE_FIELDS: &[&str] = &["cwe", "links"];

/// What a condition operator is evaluated on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// Elements and flows.
    Both,
    /// Elements only.
    Element,
    /// Flows only.
    Flow,
}

impl On {
    fn as_str(self) -> &'static str {
        match self {
            On::Both => "both",
            On::Element => "element",
            On::Flow => "flow",
        }
    }
}

/// One condition operator.
#[derive(Debug, Clone, Copy)]
pub struct Operator {
    /// The key.
    pub name: &'static str,
    /// Where it may be used.
    pub on: On,
    /// How it is written.
    pub syntax: &'static str,
    /// When it is true.
    pub meaning: &'static str,
    /// A condition using it, in a rule that applies to [`Operator::on`] (elements for `Both`):
    /// the loader's tests parse every example.
    pub example: &'static str,
}

/// Every condition operator. A key of a condition mapping that is not here is refused.
pub const OPERATORS: &[Operator] = &[
    Operator {
        name: "all",
        on: On::Both,
        syntax: "`all: [CONDITION, ...]`",
        meaning: "every part holds (Kleene *and*: unknown stays unknown unless a part is false)",
        example: "all: [{attr: privileged}, {exposed_to_internet: true}]",
    },
    Operator {
        name: "any",
        on: On::Both,
        syntax: "`any: [CONDITION, ...]`",
        meaning: "some part holds (Kleene *or*)",
        example: "any: [{attr: privileged}, {attr: host_pid}]",
    },
    Operator {
        name: "not",
        on: On::Both,
        syntax: "`not: CONDITION`",
        meaning: "the condition does not hold; a test on an attribute the subject does not \
                  have is false, and so is its negation",
        example: "not: {attr: read_only_root_filesystem}",
    },
    Operator {
        name: "attr",
        on: On::Both,
        syntax: "`attr: NAME` and at most one test (below)",
        meaning: "the attribute passes the test (`is: yes` when no test is given); an attribute \
                  the code does not state is unknown",
        example: "attr: privileged\nis: yes",
    },
    Operator {
        name: "kind",
        on: On::Element,
        syntax: "`kind: [KIND, ...]`",
        meaning: "the element is of one of these kinds",
        example: "kind: [process, data_store]",
    },
    Operator {
        name: "technology",
        on: On::Element,
        syntax: "`technology: [NAME, ...]`",
        meaning: "the element's technology is one of these names, as the model writes them \
                  (`s3`, `postgres`); an element without one does not match",
        example: "technology: [s3, cloud-storage]",
    },
    Operator {
        name: "zone",
        on: On::Element,
        syntax: "`zone: ZONE_KIND` or `zone: {kind: ZONE_KIND, trust_at_most: TRUST}`",
        meaning: "the element's zone is of this kind and at most this trusted (both keys \
                  optional in the long form)",
        example: "zone: {kind: network, trust_at_most: medium}",
    },
    Operator {
        name: "inbound",
        on: On::Element,
        syntax: "`inbound: FLOW_CONDITION`",
        meaning: "some flow into the element satisfies the condition (evaluated on the flow)",
        example: "inbound: {crosses_boundary: any}",
    },
    Operator {
        name: "outbound",
        on: On::Element,
        syntax: "`outbound: FLOW_CONDITION`",
        meaning: "some flow out of the element satisfies the condition (evaluated on the flow)",
        example: "outbound: {attr: encrypted_in_transit, is: no}",
    },
    Operator {
        name: "reachable_from_internet",
        on: On::Element,
        syntax: "`reachable_from_internet: any|unauthenticated`",
        meaning: "a chain of flows (with `unauthenticated`: none known to be authenticated) \
                  leads from the internet to the element",
        example: "reachable_from_internet: unauthenticated",
    },
    Operator {
        name: "exposed_to_internet",
        on: On::Element,
        syntax: "`exposed_to_internet: true|false`",
        meaning: "the element takes connections from the internet, directly or through \
                  forwarders (a load balancer, an ingress)",
        example: "exposed_to_internet: true",
    },
    Operator {
        name: "same_zone_as",
        on: On::Element,
        syntax: "`same_zone_as: ELEMENT_CONDITION`",
        meaning: "another element in the same zone satisfies the condition",
        example: "same_zone_as: {kind: [data_store]}",
    },
    Operator {
        name: "same_zone_as_non_client",
        on: On::Element,
        syntax: "`same_zone_as_non_client: ELEMENT_CONDITION`",
        meaning: "another element in the same zone, with no flow into this one (not one of its \
                  clients), satisfies the condition",
        example: "same_zone_as_non_client: {exposed_to_internet: true}",
    },
    Operator {
        name: "source",
        on: On::Flow,
        syntax: "`source: ELEMENT_CONDITION`",
        meaning: "the flow's source element satisfies the condition",
        example: "source: {kind: [external_entity]}",
    },
    Operator {
        name: "target",
        on: On::Flow,
        syntax: "`target: ELEMENT_CONDITION`",
        meaning: "the flow's target element satisfies the condition",
        example: "target: {kind: [data_store]}",
    },
    Operator {
        name: "crosses_boundary",
        on: On::Flow,
        syntax: "`crosses_boundary: any|into_higher_trust`",
        meaning: "the flow crosses a trust boundary (with `into_higher_trust`: into a zone \
                  trusted more than its source's)",
        example: "crosses_boundary: into_higher_trust",
    },
    Operator {
        name: "protocol",
        on: On::Flow,
        syntax: "`protocol: [NAME, ...]`",
        meaning: "the flow's protocol is one of these, names of the protocol vocabulary (a name outside it is an error; unknown when the flow has none); in a rule about flows, its own flow, when a plain `tcp` door on a range of ports, passes for each protocol whose well-known port the range holds (`tcp` on `10-100` admits `ssh` on 22), and `{protocol}` and `{on_ports}` then say so (`ssh`, `on port 22 (in 10-100)`); under `not`, and for the flows of an element (`inbound`, `outbound`), the flow must speak it",
        example: "protocol: [http, redis]",
    },
    Operator {
        name: "port",
        on: On::Flow,
        syntax: "`port: [NUMBER, FROM-TO, every]`",
        meaning: "some port of the flow is one of these numbers or reaches into one of these ranges; `every` holds when the flow is open on every port (a flow whose ports are not known, or known only by name, is unknown)",
        example: "port: [22, 3389, 8000-8010, every]",
    },
];

/// One test of an `attr` condition.
#[derive(Debug, Clone, Copy)]
pub struct AttrTestDoc {
    /// The key.
    pub name: &'static str,
    /// The kinds of attribute it fits.
    pub fits: &'static [ValueKind],
    /// How it is written.
    pub syntax: &'static str,
    /// When it is true.
    pub meaning: &'static str,
}

/// The tests of an `attr` condition.
pub const ATTRIBUTE_TESTS: &[AttrTestDoc] = &[
    AttrTestDoc {
        name: "is",
        fits: &[ValueKind::Flag],
        syntax: "`is: yes|no`",
        meaning: "the flag has this value (the default test: `attr: NAME` alone is `is: yes`)",
    },
    AttrTestDoc {
        name: "equals",
        fits: &[ValueKind::Text, ValueKind::List],
        syntax: "`equals: [VALUE, ...]`",
        meaning: "the text is one of these; for a list, some item is (ignoring case)",
    },
    AttrTestDoc {
        name: "matches",
        fits: &[ValueKind::Text, ValueKind::List],
        syntax: "`matches: REGEX`",
        meaning: "the text, or some item of the list, matches the regular expression \
                  (Rust `regex` syntax)",
    },
    AttrTestDoc {
        name: "contains_any",
        fits: &[ValueKind::List],
        syntax: "`contains_any: [VALUE, ...]`",
        meaning: "some item of the list is one of these (ignoring case)",
    },
    AttrTestDoc {
        name: "not_empty",
        fits: &[ValueKind::List],
        syntax: "`not_empty: true`",
        meaning: "the list has at least one item",
    },
];

/// The keys of an `attr` condition besides its test.
pub const ATTRIBUTE_KEYS: &[&str] = &["attr", "if_absent"];

/// The keys of the long form of `zone`.
pub const ZONE_KEYS: &[&str] = &["kind", "trust_at_most"];

/// The trust levels, least trusted first, by their rule-file names.
pub const TRUST_LEVELS: &[(&str, TrustLevel)] = &[
    ("untrusted", TrustLevel::Untrusted),
    ("low", TrustLevel::Low),
    ("medium", TrustLevel::Medium),
    ("high", TrustLevel::High),
    ("privileged", TrustLevel::Privileged),
];

/// The element kinds, by their rule-file names.
pub const ELEMENT_KINDS: &[ElementKind] = &ElementKind::ALL;

/// The placeholders of a message besides `{attr.NAME}`, with what each is replaced by.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    (
        "name",
        "the subject's name (a flow's is `source -> target`)",
    ),
    ("id", "the subject's stable id"),
    ("zone", "the name of the element's zone"),
    ("source", "the flow's source element"),
    ("target", "the flow's target element"),
    (
        "protocol",
        "the flow's protocol (`all traffic`, `unknown protocol`)",
    ),
    ("ports", "the flow's ports, comma-separated (`(not known)`)"),
    (
        "on_ports",
        "`on port 22`, `on ports 80, 443`, `on every port` or `on a port not known`",
    ),
    (
        "technology",
        "the element's technology (`postgres`; `unknown`)",
    ),
];

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Flag => "flag",
        ValueKind::Text => "text",
        ValueKind::List => "list",
    }
}

fn names<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rule language's reference in Markdown: the text of `docs/rules.md`.
pub fn rules_reference() -> String {
    let mut out = String::from(
        "# Writing rules\n\n\
         <!-- Generated from crates/trustmap-rules/src/language.rs and the attribute vocabulary: \
         do not edit. Regenerate with `trustmap rules docs > docs/rules.md` or \
         `UPDATE_DOCS=1 cargo test -p trustmap-rules --test docs`. -->\n\n\
         A rule is one YAML file. `--rules DIR` adds the rules of a folder (its `*.yaml` and \
         `*.yml` files) to the built-in pack; `trustmap rules test DIR` runs them against their \
         fixtures. Every key below is checked: a key that is not listed, at any level, or a key \
         written twice, is an error naming the file, the line and the field.\n\n\
         ## Fields\n\n| Field | Required | Meaning |\n| --- | --- | --- |\n",
    );
    for field in FIELDS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            field.name,
            if field.required { "yes" } else { "no" },
            field.meaning
        ));
    }
    out.push_str(&format!(
        "\nThe STRIDE categories (and their letters): {}.\n\n\
         Element kinds for `applies_to` and `kind`: {}; `applies_to` also takes `data_flow`.\n\n\
         Severities: {}.\n",
        Stride::ALL
            .iter()
            .map(|s| format!("`{}` ({})", s.as_str(), s.letter()))
            .collect::<Vec<_>>()
            .join(", "),
        names(ELEMENT_KINDS.iter().map(|k| k.as_str())),
        names(
            [
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical
            ]
            .iter()
            .map(|s| s.as_str())
        ),
    ));
    out.push_str(&crate::severity::reference());
    out.push_str(
        "\n## Rule ids\n\n\
         Built-in rules are `TM-` followed by the letter of their first STRIDE category and \
         digits (`TM-E001`). The `TM-` prefix is theirs alone: a rule you write has a prefix of \
         your own, a capital letter followed by up to 15 capitals or digits (`ACME-E001`, \
         `PAY2-I014`), and a rule file of yours with a `TM-` id is refused. Ids are unique \
         across the built-in pack and every `--rules` folder.\n\n\
         ## Conditions\n\n\
         A condition is a YAML mapping with exactly one operator. Conditions are evaluated in \
         three-valued logic (yes, no, unknown), so the answer never depends on the order the \
         parts are written in. An attribute the subject does not have at all (its format has \
         no such setting) makes a test false, and its negation false too: a rule never fires \
         on a fact the model cannot state.\n\n\
         | Operator | On | Written | True when |\n| --- | --- | --- | --- |\n",
    );
    for op in OPERATORS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            op.name,
            op.on.as_str(),
            op.syntax.replace('|', "\\|"),
            op.meaning
        ));
    }
    out.push_str(&format!(
        "\nZone kinds: {}.\n\nTrust levels, least trusted first: {}.\n",
        names(ZoneKind::ALL.iter().map(|k| k.as_str())),
        names(TRUST_LEVELS.iter().map(|(n, _)| *n)),
    ));
    out.push_str(
        "\n## Attribute tests\n\n\
         An `attr` condition names one attribute of the vocabulary (below) and at most one test. \
         `if_absent: no` beside the test makes a subject without the attribute plainly fail the \
         test (and pass its negation): for facts only some subjects carry, such as `read_only`.\n\n\
         | Test | Fits | Written | True when |\n| --- | --- | --- | --- |\n",
    );
    for test in ATTRIBUTE_TESTS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            test.name,
            test.fits
                .iter()
                .map(|k| kind_name(*k))
                .collect::<Vec<_>>()
                .join(", "),
            test.syntax.replace('|', "\\|"),
            test.meaning
        ));
    }
    out.push_str(
        "\n## Message placeholders\n\n\
         | Placeholder | Replaced by |\n| --- | --- |\n",
    );
    for (name, meaning) in PLACEHOLDERS {
        out.push_str(&format!("| `{{{name}}}` | {meaning} |\n"));
    }
    out.push_str("| `{attr.NAME}` | the value of attribute NAME |\n");
    out.push_str(&format!(
        "| `{{{MISSING_PLACEHOLDER}}}` | a rule with `checks:` only (and required there): the \
         labels of the failed checks, comma-separated, each possibly failed one followed by \
         `(possibly)`; checks a decision covers follow as `(decided: ...)` |\n"
    ));
    out.push_str(
        "\n## Checklists\n\n\
         Some threats are one subject missing several safeguards at once: an internet-facing \
         service without resource limits, without `no-new-privileges`, with a writable root \
         filesystem. A rule with `checks:` reports them as one finding that lists what is \
         missing, instead of one finding per safeguard. Each check is evaluated as \
         `all: [CONDITION, FAILS]`: it is listed when that holds, or when it is unknown and \
         the check reports unknowns (then `(possibly)`). The rule fires where at least one \
         check is listed; its finding is definite when one check definitely failed, possible \
         otherwise. The finding's STRIDE categories are its listed checks' (the rule's \
         `stride` still gives the id its letter), its fingerprint is the rule's and the \
         subject's whatever fails, and its JSON and SARIF output list the checks.\n\n\
         | Check key | Required | Meaning |\n| --- | --- | --- |\n",
    );
    for field in CHECK_FIELDS {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            field.name,
            if field.required { "yes" } else { "no" },
            field.meaning
        ));
    }
    out.push_str(
        "\n```yaml\n\
         condition:\n  exposed_to_internet: true\n\
         checks:\n  \
           - id: ACME-D001\n    \
             label: no CPU or memory limit\n    \
             stride: denial_of_service\n    \
             fails: {attr: resource_limits, is: no}\n  \
           - label: writable root filesystem\n    \
             stride: tampering\n    \
             fails: {attr: read_only_root_filesystem, is: no}\n\
         message: \"{name} takes requests from the internet without: {missing}\"\n\
         ```\n\n\
         A check's `id` is a name for selectors and decisions: `--ignore ACME-D001` leaves \
         that check out of the findings (a finding left with no check is not reported), \
         `--select ACME-D001` reports the findings with that check and only it, and a \
         decision for `ACME-D001` covers that check of the finding on its subject (the \
         finding is decided when every check it lists is). A check's id must not be a rule's \
         id. `# expect: ACME-D001` in a fixture marks the lines where the rule's finding must \
         list that check; `trustmap rules test` compares those lines too.\n",
    );
    out.push_str(
        "\n## Restated findings\n\n\
         Two rules can describe one door: a database published to the internet (`TM-I002`) is \
         also a database port open to anyone (`TM-S003`) and, without TLS, plaintext from \
         the internet (`TM-I001`), on the same line with the same fix. `absorbs:` names the \
         rules whose findings restate this one's, each with a clause rendered for the \
         absorbed finding's subject (the placeholders above, but `{missing}`). After \
         decisions and `--select`/`--ignore` are applied, a finding of an absorbed rule that \
         is on the same file and line as a finding of the absorbing rule, about the same \
         subject or a flow into or out of it, with the same certainty and the same decision \
         (usually none), is folded into it: the lead's message ends with `Also: ` and \
         the clauses, its severity is the higher of the two, its STRIDE categories gain the \
         absorbed rule's, and its JSON and SARIF output keep the folded findings (rule, \
         message, subject, fingerprint). A decision for the absorbed rule still decides its \
         finding, which then stays apart. The lead's fingerprint does not change. A rule \
         that absorbs others cannot itself be absorbed, and an absorbed id must be a rule's. With \
         `absorbs_on: element` the absorbed findings fold in wherever they are located, when \
         they are about the same element: a privileged container's host namespaces, mounts \
         and capabilities are further ways to the one host takeover it already allows, each \
         a related location of the lead.\n\n\
         ```yaml\n\
         absorbs:\n  \
           ACME-I001: \"its {protocol} traffic {on_ports} is not encrypted\"\n\
         ```\n",
    );
    out.push_str(
        "\n## One finding per application\n\n\
         A baseline missing from every service of an application (hardening, pinned images) \
         is one decision for the application (a Pod Security level on its namespace, a shared \
         compose extension, a bot that pins images), not one per service. \
         `once_per_application:` makes the rule's findings on the elements of one application \
         (its compose project, its Kubernetes namespace, its cloud account) one finding: the \
         first by location leads, and its message ends with `Also: ` and this clause rendered \
         for each other element (the placeholders above, `{missing}` too when the rule has \
         checks). Only findings with the same certainty and the same decision are grouped. \
         Every element's own location is a related location of the lead, the lead's severity \
         is the highest of the group, and JSON and SARIF keep the grouped findings with their \
         own fingerprints, as folded findings. Findings about flows are never grouped.\n\n\
         ```yaml\n\
         once_per_application: \"{name} ({missing})\"\n\
         ```\n",
    );
    out.push_str(
        "\n## Attribute vocabulary\n\n\
         The only facts a parser may state, so the only ones a rule can test \
         (`trustmap rules attributes` prints the same list).\n\n\
         | Attribute | Holds | Meaning |\n| --- | --- | --- |\n",
    );
    for name in AttrName::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            name.as_str(),
            kind_name(name.kind()),
            name.doc().replace('|', "\\|")
        ));
    }
    out.push_str(
        "\n## Testing rules\n\n\
         Put each rule's fixtures beside it, in a folder named after its id, with a `firing` \
         and a `silent` case:\n\n\
         ```\n\
         my-rules/\n  \
           ACME-T001.yaml\n  \
           ACME-T001/\n    \
             firing/compose.yaml   # the line it must fire on ends with `# expect: ACME-T001`\n    \
             silent/compose.yaml   # the fixed version: no finding of ACME-T001\n\
         ```\n\n\
         `trustmap rules test my-rules` scans each case folder, evaluates the built-in pack and \
         your rules, and checks that the rule fires on exactly the lines its `# expect: ID` \
         comments mark (at least one in `firing`, none in `silent`), and that the fixtures \
         parse without errors. It prints one line per rule and case and exits with 1 when a \
         case fails, 2 when a rule does not load. The built-in pack is tested the same way \
         from `fixtures/rules/<ID>/{firing,silent}`.\n",
    );
    out
}

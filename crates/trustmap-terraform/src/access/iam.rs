//! The AWS policy language, reduced to what the model needs: the statements of identity,
//! trust and resource policies (effect, principals, actions, resources, condition keys), the
//! dangerous rights a set of policies grants (administrator, wildcards, privilege
//! escalation), who outside the account a trust policy admits, and whether a resource policy
//! admits everyone. Each action keeps the line that writes it when the document is a literal
//! heredoc; otherwise the policy argument's span.

use crate::cloud::Index;
use crate::value::{Resource, Value};
use std::collections::{BTreeMap, BTreeSet};
use trustmap_model::{AttrName, Attributes, Span, Tri};

/// One statement of an IAM or resource policy.
pub(crate) struct Statement {
    pub(crate) allow: bool,
    /// `Principal: "*"` or `{"AWS": "*"}`: every principal of every account.
    pub(crate) principal_everyone: bool,
    /// A user or role of any account (`arn:aws:iam::*:role/sqs`): anyone who makes an account
    /// with that role, signed in as it.
    pub(crate) any_account: bool,
    /// The principals it names, by type (`AWS`, `Service`, `Federated`), `*` excluded.
    pub(crate) principals: Vec<(String, String)>,
    pub(crate) conditional: bool,
    /// Its actions (or, with `not_actions`, the actions it excludes), each with its line.
    pub(crate) actions: Vec<(String, Span)>,
    /// The statement grants everything but a list (`NotAction`).
    pub(crate) not_actions: bool,
    pub(crate) resources: Vec<String>,
    /// Its conditions: (key in lower case, values).
    pub(crate) conditions: Vec<(String, Vec<String>)>,
    /// Where the statement is written (the document's span unless the line is known).
    pub(crate) span: Span,
    /// Where its principals are written (the same when the line is not known).
    pub(crate) principal_span: Span,
}

impl Statement {
    fn action_names(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(|(a, _)| a.as_str())
    }

    /// Whether some condition binds who may call or from where (a guard, not a door): a guard
    /// key with a value that is not everyone (`aws:PrincipalArn` `arn:aws:iam::*` binds no one).
    pub(crate) fn guarded(&self) -> bool {
        self.conditions.iter().any(|(key, values)| {
            is_guard_key(key) && (values.is_empty() || !values.iter().all(|v| admits_anyone(v)))
        })
    }

    /// Whether a resource names every resource (`*`), or every resource of a kind
    /// (`arn:aws:iam::*:role/*`, `...:function:*`).
    fn broad_resource(&self) -> bool {
        self.resources
            .iter()
            .any(|r| r == "*" || r.ends_with("/*") || r.ends_with(":*"))
    }
}

/// Condition keys that limit who the caller is or where the call comes from: an
/// organisation, an account, a principal, a source network, an external id agreed with a
/// third party, a service acting on the caller's behalf.
const GUARD_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "aws:vpcsourceip",
    "aws:userid",
    "aws:username",
    "sts:externalid",
    "kms:calleraccount",
    "kms:viaservice",
    "lambda:functionarn",
];

fn is_guard_key(key: &str) -> bool {
    GUARD_KEYS.contains(&key) || key.starts_with("aws:principaltag/")
}

/// The statements of a policy document written as JSON text (a heredoc, or `jsonencode(...)`
/// evaluated to text). An unknown document has none.
pub(crate) fn policy_statements(document: &Value) -> Vec<Statement> {
    read_policy(document).unwrap_or_default()
}

/// The largest policy text read: AWS caps identity policies at 10 KB and resource policies at
/// 20 to 32 KB; a larger text is not a policy AWS would accept.
const MAX_POLICY_TEXT: usize = 64 * 1024;

/// The most statements and actions read from one policy (a 10 KB policy holds a few hundred).
const MAX_PARTS: usize = 2_000;

/// The statements of a policy document; `None` when it cannot be read here (unknown, not
/// JSON, or beyond what AWS accepts).
pub(crate) fn read_policy(document: &Value) -> Option<Vec<Statement>> {
    let rendered;
    let (text, span) = match document {
        Value::String(text, span) => (text, span),
        Value::PartlyKnownJson(value, span) => {
            rendered = partly_known_policy(value)?;
            (&rendered, span)
        }
        _ => return None,
    };
    if text.len() > MAX_POLICY_TEXT {
        return None;
    }
    let json = serde_json::from_str::<serde_json::Value>(text).ok()?;
    let lines = Lines::of(text, span);
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        match v {
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::Bool(b)) => vec![b.to_string()],
            _ => Vec::new(),
        }
    };
    let statements = match json.get("Statement") {
        Some(serde_json::Value::Array(items)) => items.clone(),
        Some(one @ serde_json::Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let parts: usize = statements.len()
        + statements
            .iter()
            .map(|st| {
                ["Action", "NotAction"]
                    .iter()
                    .filter_map(|k| st.get(k))
                    .map(|v| v.as_array().map_or(1, Vec::len))
                    .sum::<usize>()
            })
            .sum::<usize>();
    if parts > MAX_PARTS {
        return None;
    }
    let mut cursor = 0;
    let read = statements
        .iter()
        .map(|st| {
            let mut principals = Vec::new();
            let mut everyone = false;
            let mut any_role = false;
            match st.get("Principal") {
                Some(serde_json::Value::String(p)) => everyone = p == "*",
                Some(serde_json::Value::Object(map)) => {
                    for (kind, v) in map {
                        for p in strings(Some(v)) {
                            if kind == "AWS" && any_account(&p) {
                                any_role = true;
                            } else if p == "*" {
                                everyone = true;
                            } else {
                                principals.push((kind.clone(), p));
                            }
                        }
                    }
                }
                _ => {}
            }
            // An operator that holds when the key is absent (`...IfExists`, `ForAllValues:` on
            // a key the request lacks: an anonymous caller has no `aws:username`) binds no one.
            let conditions: Vec<(String, Vec<String>)> = st
                .get("Condition")
                .and_then(serde_json::Value::as_object)
                .into_iter()
                .flat_map(|operators| operators.iter())
                .filter(|(operator, _)| {
                    let operator = operator.to_ascii_lowercase();
                    !operator.ends_with("ifexists") && !operator.starts_with("forallvalues:")
                })
                .filter_map(|(_, keys)| keys.as_object())
                .flat_map(|keys| keys.iter())
                .map(|(k, v)| (k.to_ascii_lowercase(), strings(Some(v))))
                .collect();
            let not_actions = st.get("NotAction").is_some();
            let written = strings(st.get("Action").or_else(|| st.get("NotAction")));
            let first = written.first().map_or(cursor, |a| lines.find(a, cursor));
            let found: Vec<(String, usize)> = written
                .iter()
                .map(|a| (a.clone(), lines.find(a, first)))
                .collect();
            // The next statement is searched for past this one's last action, so that an
            // action both list is found on the next statement's own line.
            let past = found.iter().map(|(_, at)| at + 1).max().unwrap_or(first);
            let actions = found
                .into_iter()
                .map(|(a, at)| (a, lines.span(at)))
                .collect();
            let statement = Statement {
                allow: st.get("Effect").and_then(|e| e.as_str()) == Some("Allow"),
                principal_everyone: everyone,
                any_account: any_role,
                principals,
                conditional: st.get("Condition").is_some(),
                actions,
                not_actions,
                resources: strings(st.get("Resource")),
                conditions,
                span: lines.span(first),
                principal_span: lines.span(lines.find("Principal", cursor)),
            };
            cursor = past.max(first);
            statement
        })
        .collect();
    Some(read)
}

/// The text of a policy written with `jsonencode` around values not known statically, when
/// what decides who may do what is known in every statement: its effect, actions, principals
/// and the shape of its conditions. Unknown resources, principals and condition values stand as
/// placeholders, which narrow what a statement covers and never widen it (an unknown condition
/// value still guards its key); anything else unknown leaves the policy unread.
fn partly_known_policy(document: &Value) -> Option<String> {
    use crate::functions::{has_unknown, to_json_with_placeholders};
    let Value::Object(..) = document else {
        return None;
    };
    let statements = document.get("Statement")?;
    let statements = match statements {
        Value::List(items, _) => items.iter().collect(),
        one @ Value::Object(..) => vec![one],
        _ => return None,
    };
    for statement in statements {
        let Value::Object(parts, _) = statement else {
            return None;
        };
        // A Deny whose principal is unknown might close what the others open.
        let deny = statement.get("Effect").and_then(Value::as_str) == Some("Deny");
        if deny && statement.get("Principal").is_some_and(has_unknown) {
            return None;
        }
        for (key, part) in parts {
            let readable = match key.as_str() {
                // An unknown principal is never read as everyone: it narrows.
                "Resource" | "NotResource" | "Principal" | "Sid" => true,
                "Condition" => match part {
                    Value::Object(operators, _) => operators
                        .iter()
                        .all(|(_, keys)| matches!(keys, Value::Object(..))),
                    Value::Null(_) => true,
                    _ => false,
                },
                _ => !has_unknown(part),
            };
            if !readable {
                return None;
            }
        }
    }
    Some(to_json_with_placeholders(document).to_string())
}

/// Whether a condition value matches every caller: `*`, every address, or an ARN whose
/// account is a wildcard.
fn admits_anyone(value: &str) -> bool {
    matches!(value, "*" | "0.0.0.0/0" | "::/0") || any_account(value)
}

/// Whether an AWS principal names a user or role of any account (`arn:aws:iam::*:role/sqs`):
/// anyone can make an account with a role of that name.
fn any_account(principal: &str) -> bool {
    principal
        .split(':')
        .nth(4)
        .is_some_and(|account| account.contains('*') || account.contains('?'))
        && principal.starts_with("arn:aws")
}

/// Where in a policy's source each part of its text is: exact for a heredoc whose lines are
/// the text's lines (the span then covers one more line above, `<<EOF`, and the closing
/// marker), the whole argument otherwise.
struct Lines<'t> {
    text: &'t str,
    span: &'t Span,
    exact: bool,
}

impl<'t> Lines<'t> {
    fn of(text: &'t str, span: &'t Span) -> Lines<'t> {
        let newlines = text.matches('\n').count() as u32;
        let covered = span.end.line.saturating_sub(span.start.line);
        let exact = newlines > 0 && text.ends_with('\n') && covered == newlines + 1;
        Lines { text, span, exact }
    }

    /// The byte offset of the quoted string `needle` at or after `from` (or `from`).
    fn find(&self, needle: &str, from: usize) -> usize {
        let quoted = format!("\"{needle}\"");
        self.text
            .get(from..)
            .and_then(|rest| rest.find(&quoted))
            .map_or(from, |at| from + at)
    }

    /// The span of the line holding a byte offset (the argument's when lines are not exact).
    fn span(&self, offset: usize) -> Span {
        if !self.exact || offset == 0 {
            return self.span.clone();
        }
        let before = self.text.get(..offset).unwrap_or("");
        let line = self.span.start.line + 1 + before.matches('\n').count() as u32;
        Span::lines(self.span.file.clone(), line, line + 1)
    }
}

/// Whether an IAM action pattern (`iam:Put*`, `*`) matches an action, as IAM compares them:
/// case-insensitively, `*` any run of characters, `?` one.
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    // The classic two-cursor match: on a mismatch, the last `*` takes one more character.
    // Linear in practice and never exponential, whatever the pattern.
    let (p, a) = (pattern.as_bytes(), action.as_bytes());
    let (mut pi, mut ai) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ai < a.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ai));
                pi += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&a[ai]) => {
                pi += 1;
                ai += 1;
            }
            _ => match star {
                Some((star_pi, star_ai)) => {
                    pi = star_pi + 1;
                    ai = star_ai + 1;
                    star = Some((star_pi, star_ai + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// AWS managed policies that grant control of the account.
const ADMIN_POLICIES: &[&str] = &["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"];

/// Actions with which an identity can raise its own rights or take over another identity's
/// (on a broad resource).
const ESCALATION: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AddUserToGroup",
    "iam:CreateAccessKey",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "lambda:UpdateFunctionCode",
];

/// Actions that start code running with a role passed to it (`iam:PassRole` then hands
/// that code the role's rights).
const RUNS_CODE: &[&str] = &[
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "lambda:UpdateFunctionConfiguration",
    "ecs:RunTask",
    "ecs:RegisterTaskDefinition",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "cloudformation:CreateStack",
    "datapipeline:CreatePipeline",
    "sagemaker:CreateNotebookInstance",
    "codebuild:CreateProject",
];

/// What a set of identity policies allows, before it is reduced to dangerous rights.
#[derive(Debug, Clone, Default)]
pub(crate) struct Permissions {
    /// Allowed actions: (action or pattern, on every resource, on a broad resource, `NotAction`, where).
    allowed: Vec<Allowed>,
    /// Unconditionally denied action patterns.
    denied: Vec<String>,
    /// Managed policies that grant much by their name, with where they are attached.
    named: Vec<(String, Span)>,
    /// Some policy could not be read (a data source, an unknown ARN).
    pub(crate) unknown: bool,
}

#[derive(Debug, Clone)]
struct Allowed {
    action: String,
    any_resource: bool,
    broad_resource: bool,
    not_action: bool,
    span: Span,
}

impl Permissions {
    /// Adds a policy document (unknown when it cannot be read here).
    pub(crate) fn add_document(&mut self, document: Option<&Value>) {
        let Some(document) = document else {
            return;
        };
        let Some(statements) = read_policy(document) else {
            self.unknown = true;
            return;
        };
        // A partly known document may deny or narrow more than its known parts say.
        if matches!(document, Value::PartlyKnownJson(..)) {
            self.unknown = true;
        }
        for st in statements {
            if !st.allow {
                if !st.conditional && !st.not_actions {
                    self.denied.extend(st.action_names().map(str::to_string));
                }
                continue;
            }
            let any_resource = st.resources.iter().any(|r| r == "*");
            let broad_resource = st.broad_resource();
            if st.not_actions {
                if any_resource {
                    let excluded: Vec<&str> = st.action_names().collect();
                    self.allowed.push(Allowed {
                        action: format!("every action but {}", excluded.join(", ")),
                        any_resource,
                        broad_resource,
                        not_action: true,
                        span: st.span.clone(),
                    });
                }
                continue;
            }
            for (action, span) in &st.actions {
                self.allowed.push(Allowed {
                    action: action.clone(),
                    any_resource,
                    broad_resource,
                    not_action: false,
                    span: span.clone(),
                });
            }
        }
    }

    /// Adds an attached policy: an AWS managed policy by its ARN, or a policy of this code.
    pub(crate) fn attach(&mut self, arn: &Value, index: &Index) {
        match arn {
            Value::String(text, span) => {
                let name = text.rsplit('/').next().unwrap_or(text);
                if text.contains(":aws:policy/")
                    && (ADMIN_POLICIES.contains(&name) || name.ends_with("FullAccess"))
                {
                    self.named.push((name.to_string(), span.clone()));
                }
            }
            _ => {
                let policies = index.resolve_all(arn);
                if policies.is_empty() {
                    self.unknown = true;
                }
                for policy in policies {
                    self.add_document(policy.body.get("policy"));
                }
            }
        }
    }

    /// Adds what another set allows (a group's, for its members).
    pub(crate) fn extend(&mut self, other: &Permissions) {
        self.allowed.extend(other.allowed.iter().cloned());
        self.denied.extend(other.denied.iter().cloned());
        self.named.extend(other.named.iter().cloned());
        self.unknown |= other.unknown;
    }

    /// The dangerous rights these policies grant, each at the line that grants it, in line
    /// order, without repeats: administrator policies, `*` on `*`, every action but a few on
    /// `*`, all of IAM, all of a service on `*`, privilege-escalation actions on broad
    /// resources, and `iam:PassRole` on any role together with an action that runs code.
    pub(crate) fn rights(&self) -> Vec<(String, Span)> {
        let denied = |action: &str| self.denied.iter().any(|d| action_matches(d, action));
        let allowed: Vec<&Allowed> = self
            .allowed
            .iter()
            .filter(|a| a.not_action || !denied(&a.action))
            .collect();
        let mut rights: Vec<(String, Span)> = Vec::new();
        for (name, span) in &self.named {
            let right = if ADMIN_POLICIES.contains(&name.as_str()) {
                name.clone()
            } else {
                format!("{name} (every action of a service on every resource)")
            };
            rights.push((right, span.clone()));
        }
        for a in &allowed {
            let service_wide = a
                .action
                .split_once(':')
                .is_some_and(|(service, rest)| rest == "*" && !service.contains('*'));
            let right = if a.not_action {
                Some(format!("{} on every resource", a.action))
            } else if a.action == "*" || a.action == "*:*" {
                a.any_resource
                    .then(|| "*:* (every action on every resource)".to_string())
            } else if a.action.eq_ignore_ascii_case("iam:*") {
                Some("iam:* (can grant itself anything)".to_string())
            } else if service_wide && a.any_resource {
                Some(format!("{} on every resource", a.action))
            } else if a.broad_resource {
                ESCALATION
                    .iter()
                    .find(|e| action_matches(&a.action, e))
                    .map(|e| format!("{e} (can raise its own rights)"))
            } else {
                None
            };
            if let Some(right) = right {
                rights.push((right, a.span.clone()));
            }
        }
        let covered =
            |a: &Allowed| a.action == "*" || a.action.eq_ignore_ascii_case("iam:*") || a.not_action;
        let pass = allowed
            .iter()
            .find(|a| !covered(a) && a.broad_resource && action_matches(&a.action, "iam:PassRole"));
        let runs = RUNS_CODE
            .iter()
            .find(|run| allowed.iter().any(|a| action_matches(&a.action, run)));
        if let (Some(pass), Some(run)) = (pass, runs) {
            rights.push((
                format!("iam:PassRole on any role with {run} (can run code as any role)"),
                pass.span.clone(),
            ));
        }
        rights.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        let mut seen = std::collections::BTreeSet::new();
        rights.retain(|(right, _)| seen.insert(right.clone()));
        rights
    }
}

/// The dangerous rights a role is granted, and whether some grant could not be read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grants {
    pub(crate) rights: Vec<(String, Span)>,
    pub(crate) unknown: bool,
}

impl Grants {
    /// States the rights on a workload; "none" only when every grant was read.
    pub(crate) fn state(&self, label: impl Fn(&str) -> String, attributes: &mut Attributes) {
        for (right, span) in &self.rights {
            attributes.push_item(
                AttrName::ServiceAccountPrivileges,
                label(right),
                Some(span.clone()),
            );
        }
        if !self.unknown {
            attributes.set_empty_list(AttrName::ServiceAccountPrivileges);
        }
    }
}

/// What the identity policies of this code allow each IAM user, group and role, by address:
/// inline policies, attached policies (AWS managed ones by name), and for users, what their
/// groups allow.
pub(crate) fn permissions(resources: &[Resource], index: &Index) -> BTreeMap<String, Permissions> {
    let mut own: BTreeMap<String, Permissions> = BTreeMap::new();
    // Identities named by a literal name rather than a reference: the one of this code with
    // that name, or one defined elsewhere (see [`external_key`]).
    let by_name = |kind: &str, name: &str| -> Vec<String> {
        let own: Vec<String> = resources
            .iter()
            .filter(|r| r.kind == kind && r.body.get("name").and_then(Value::as_str) == Some(name))
            .map(|r| r.address.clone())
            .collect();
        if own.is_empty() {
            vec![external_key(kind, name)]
        } else {
            own
        }
    };
    let holders = |r: &Resource, keys: &[(&str, &str)]| -> Vec<String> {
        let mut found = Vec::new();
        for (key, kind) in keys {
            let Some(value) = r.body.get(key) else {
                continue;
            };
            for item in value.items() {
                let resolved = index.resolve_all(item);
                if resolved.is_empty()
                    && let Some(name) = item.as_str()
                {
                    found.extend(by_name(kind, name));
                }
                found.extend(
                    resolved
                        .iter()
                        .filter(|t| t.kind == *kind)
                        .map(|t| t.address.clone()),
                );
            }
        }
        found
    };
    const TARGETS: &[(&str, &str)] = &[
        ("role", "aws_iam_role"),
        ("roles", "aws_iam_role"),
        ("user", "aws_iam_user"),
        ("users", "aws_iam_user"),
        ("group", "aws_iam_group"),
        ("groups", "aws_iam_group"),
    ];
    for r in resources {
        let mut granted = Permissions::default();
        match r.kind.as_str() {
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                granted.add_document(r.body.get("policy"));
            }
            "aws_iam_role_policy_attachment"
            | "aws_iam_user_policy_attachment"
            | "aws_iam_group_policy_attachment"
            | "aws_iam_policy_attachment" => {
                if let Some(arn) = r.body.get("policy_arn") {
                    granted.attach(arn, index);
                }
            }
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => {
                for inline in r.body.all("inline_policy") {
                    granted.add_document(inline.get("policy"));
                }
                if let Some(arns) = r.body.get("managed_policy_arns") {
                    granted.unknown |= arns.is_unknown();
                    for arn in arns.items() {
                        granted.attach(arn, index);
                    }
                }
                own.entry(r.address.clone()).or_default().extend(&granted);
                continue;
            }
            _ => continue,
        }
        for holder in holders(r, TARGETS) {
            own.entry(holder).or_default().extend(&granted);
        }
    }
    // Users hold what their groups hold.
    let mut result = own.clone();
    for r in resources {
        let (users, groups) = match r.kind.as_str() {
            "aws_iam_group_membership" => (
                holders(r, &[("users", "aws_iam_user")]),
                holders(r, &[("group", "aws_iam_group")]),
            ),
            "aws_iam_user_group_membership" => (
                holders(r, &[("user", "aws_iam_user")]),
                holders(r, &[("groups", "aws_iam_group")]),
            ),
            _ => continue,
        };
        for group in groups {
            let Some(granted) = own.get(&group) else {
                continue;
            };
            for user in &users {
                result.entry(user.clone()).or_default().extend(granted);
            }
        }
    }
    result
}

/// The key of an identity that this code grants rights to by name but does not define:
/// `aws_iam_user/deployer`.
pub(crate) fn external_key(kind: &str, name: &str) -> String {
    format!("{kind}/{name}")
}

/// The `aws_iam_policy` resources that something here attaches (by reference).
pub(crate) fn attached_policies(resources: &[Resource], index: &Index) -> BTreeSet<String> {
    let mut attached = BTreeSet::new();
    for r in resources {
        let arns: Vec<&Value> = match r.kind.as_str() {
            "aws_iam_role" | "aws_iam_user" | "aws_iam_group" => r
                .body
                .get("managed_policy_arns")
                .map(Value::items)
                .unwrap_or_default(),
            kind if kind.ends_with("_policy_attachment") => {
                r.body.get("policy_arn").into_iter().collect()
            }
            _ => continue,
        };
        for arn in arns {
            attached.extend(index.resolve_all(arn).iter().map(|p| p.address.clone()));
        }
    }
    attached
}

/// The dangerous rights of each IAM role, for the workloads that run as it.
pub(crate) fn role_rights(resources: &[Resource], index: &Index) -> BTreeMap<String, Grants> {
    permissions(resources, index)
        .into_iter()
        .filter(|(address, _)| {
            index
                .resolve(address)
                .iter()
                .any(|r| r.kind == "aws_iam_role")
        })
        .map(|(address, p)| {
            let grants = Grants {
                rights: p.rights(),
                unknown: p.unknown,
            };
            (address, grants)
        })
        .collect()
}

/// Whether a statement lets principals assume the role.
fn assumes(st: &Statement) -> bool {
    st.not_actions
        || st.actions.is_empty()
        || st
            .action_names()
            .any(|a| matches!(a, "*" | "sts:*") || a.starts_with("sts:Assume"))
}

/// Who outside the account a trust policy lets assume the role, with no condition that
/// narrows them, each at the statement that admits them: `anyone` (any AWS principal),
/// another account's root, a federated provider without audience or subject conditions. A
/// `Deny` that covers every principal (unconditionally, or for all but a guarded few) closes
/// the `*` statements.
pub(crate) fn assumable_by(statements: &[Statement]) -> Vec<(String, Span)> {
    let denied_everyone = statements.iter().any(|st| {
        !st.allow && st.principal_everyone && assumes(st) && (!st.conditional || st.guarded())
    });
    let mut admitted = Vec::new();
    for st in statements.iter().filter(|st| st.allow && assumes(st)) {
        if st.guarded() {
            continue;
        }
        if (st.principal_everyone || st.any_account) && !denied_everyone {
            admitted.push((
                "anyone (any AWS account)".to_string(),
                st.principal_span.clone(),
            ));
        }
        for (kind, principal) in &st.principals {
            match kind.as_str() {
                "AWS" => {
                    if let Some(account) = account_root(principal) {
                        admitted.push((
                            format!("account {account} (any of its principals)"),
                            st.principal_span.clone(),
                        ));
                    }
                }
                "Federated" if federation_open(principal, &st.conditions) => {
                    let provider = principal
                        .rsplit("oidc-provider/")
                        .next()
                        .unwrap_or(principal);
                    admitted.push((
                        format!("federated ({provider}, any subject)"),
                        st.principal_span.clone(),
                    ));
                }
                _ => {}
            }
        }
    }
    admitted
}

/// The account a principal names as a whole (`123456789012`, `arn:aws:iam::123456789012:root`).
fn account_root(principal: &str) -> Option<&str> {
    let account = principal
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.strip_suffix(":root"))
        .unwrap_or(principal);
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// Whether a federated principal is admitted without a condition that names who: GitHub's
/// provider needs a `sub` condition naming a repository (its audience is the same for every
/// repository in the world); other providers an audience or subject condition.
fn federation_open(provider: &str, conditions: &[(String, Vec<String>)]) -> bool {
    let github = provider.contains("token.actions.githubusercontent.com");
    // A subject whose owner part (before the first `/`) holds a wildcard names no one:
    // `*`, `repo:*`, `repo:acme*` (any organisation whose name starts so).
    let wildcard = |values: &[String]| {
        values.is_empty()
            || values.iter().all(|v| {
                let owner = v.split('/').next().unwrap_or(v);
                owner.contains('*') || owner.contains('?')
            })
    };
    let named = conditions.iter().any(|(key, values)| {
        let suffix = key.rsplit(':').next().unwrap_or("");
        match suffix {
            "sub" => !wildcard(values),
            "aud" | "amr" => !github,
            _ => false,
        }
    });
    !named
}

/// What a resource policy lets everyone do: `None` when no `Allow` admits every principal
/// without a guard, or a `Deny` of every principal closes what it opens; otherwise the
/// statement that opens it, whether callers need no credentials (no when an open statement
/// has no condition, unknown when conditions the model cannot weigh apply), and whether it
/// only reads.
pub(crate) struct Opening {
    pub(crate) span: Span,
    pub(crate) authenticated: Tri,
    pub(crate) read_only: Tri,
}

/// Reads a resource policy for everyone's access (see [`Opening`]).
pub(crate) fn opening(statements: &[Statement]) -> Option<Opening> {
    let denials: Vec<&Statement> = statements
        .iter()
        .filter(|st| !st.allow && st.principal_everyone && (!st.conditional || st.guarded()))
        .collect();
    // A Deny of some resources (one path of an API) leaves the others open; one that names
    // none covers the Allow's.
    let covers = |deny: &Statement, st: &Statement| {
        deny.resources.is_empty()
            || deny.resources.iter().any(|d| d == "*")
            || !st.resources.is_empty()
                && st
                    .resources
                    .iter()
                    .all(|r| deny.resources.iter().any(|d| action_matches(d, r)))
    };
    let closed = |st: &Statement| {
        denials.iter().any(|deny| {
            !deny.not_actions
                && covers(deny, st)
                && (st.not_actions && deny.action_names().any(|d| d == "*")
                    || !st.not_actions
                        && st
                            .action_names()
                            .all(|a| deny.action_names().any(|d| action_matches(d, a))))
        })
    };
    let open: Vec<&Statement> = statements
        .iter()
        .filter(|st| st.allow && (st.principal_everyone || st.any_account) && !st.guarded())
        .filter(|st| !st.actions.is_empty() || st.not_actions)
        .filter(|st| !closed(st))
        .collect();
    let first = open.first()?;
    // A user or role of any account signs in as it: authenticated, by anyone.
    let authenticated = if open
        .iter()
        .any(|st| st.principal_everyone && !st.conditional)
    {
        Tri::No
    } else if open
        .iter()
        .all(|st| !st.principal_everyone && !st.conditional)
    {
        Tri::Yes
    } else {
        Tri::Unknown
    };
    let reads = |a: &str| {
        let verb = a.split_once(':').map_or(a, |(_, v)| v).to_ascii_lowercase();
        ["get", "list", "describe", "head", "eshttpget", "eshttphead"]
            .iter()
            .any(|r| verb.starts_with(r))
            && !verb.contains('*')
    };
    let read_only = Tri::from_bool(
        open.iter()
            .all(|st| !st.not_actions && st.action_names().all(reads)),
    );
    Some(Opening {
        span: first.principal_span.clone(),
        authenticated,
        read_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(text: &str) -> Value {
        Value::String(text.to_string(), Span::lines("iam.tf", 1, 1))
    }

    fn rights(text: &str) -> Vec<String> {
        let mut p = Permissions::default();
        p.add_document(Some(&document(text)));
        p.rights().into_iter().map(|(r, _)| r).collect()
    }

    #[test]
    fn patterns_match_like_iam() {
        assert!(action_matches("iam:Put*", "iam:PutUserPolicy"));
        assert!(action_matches("IAM:passrole", "iam:PassRole"));
        assert!(action_matches("*", "lambda:UpdateFunctionCode"));
        assert!(!action_matches("iam:Get*", "iam:PassRole"));
        assert!(action_matches(
            "iam:?ttachRolePolicy",
            "iam:AttachRolePolicy"
        ));
    }

    #[test]
    fn dangerous_rights_are_normalised() {
        let wide = r#"{"Statement":[{"Effect":"Allow","Action":["ec2:*","s3:*","s3:GetObject"],"Resource":"*"}]}"#;
        assert_eq!(
            rights(wide),
            ["ec2:* on every resource", "s3:* on every resource"]
        );
        let scoped = r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::logs/*"}]}"#;
        assert!(rights(scoped).is_empty());
        let escalation = r#"{"Statement":[
            {"Effect":"Allow","Action":["iam:CreatePolicyVersion","iam:PassRole","lambda:CreateFunction"],"Resource":"*"},
            {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}"#;
        assert_eq!(
            rights(escalation),
            [
                "iam:CreatePolicyVersion (can raise its own rights)",
                "iam:PassRole on any role with lambda:CreateFunction (can run code as any role)"
            ]
        );
        let pass_only =
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#;
        assert!(rights(pass_only).is_empty());
        let denied = r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#;
        assert!(rights(denied).is_empty());
        let not_action = r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
        assert_eq!(
            rights(not_action),
            ["every action but iam:* on every resource"]
        );
    }

    #[test]
    fn heredoc_actions_point_at_their_lines() {
        // A heredoc at line 10: `<<EOF` on 10, the text on 11..=15, `EOF` on 16.
        let text = "{\n \"Statement\": [{\"Effect\": \"Allow\", \"Resource\": \"*\",\n  \"Action\": [\n   \"ec2:*\",\n   \"iam:*\"]}]}\n";
        let span = Span::lines("iam.tf", 10, 16);
        let mut p = Permissions::default();
        p.add_document(Some(&Value::String(text.into(), span)));
        let lines: Vec<(String, u32)> = p
            .rights()
            .into_iter()
            .map(|(r, s)| (r, s.start.line))
            .collect();
        assert_eq!(
            lines,
            [
                ("ec2:* on every resource".to_string(), 14),
                ("iam:* (can grant itself anything)".to_string(), 15)
            ]
        );
    }

    fn trust(text: &str) -> Vec<String> {
        assumable_by(&policy_statements(&document(text)))
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    }

    #[test]
    fn trust_policies_admit_outsiders_unless_a_condition_names_them() {
        assert_eq!(
            trust(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
            ),
            ["anyone (any AWS account)"]
        );
        assert!(trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#).is_empty());
        assert_eq!(
            trust(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole"}]}"#
            ),
            ["account 210987654321 (any of its principals)"]
        );
        assert!(trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#).is_empty());
        let github = r#"{"Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}COND}}]}"#;
        assert_eq!(
            trust(&github.replace("COND", "")),
            ["federated (token.actions.githubusercontent.com, any subject)"]
        );
        let named = github.replace(
            "COND",
            r#","StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme/app:*"}"#,
        );
        assert!(trust(&named).is_empty());
        let prefix = github.replace(
            "COND",
            r#","StringLike":{"token.actions.githubusercontent.com:sub":"repo:acme*"}"#,
        );
        assert_eq!(trust(&prefix).len(), 1);
        assert!(trust(r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#).is_empty());
    }

    #[test]
    fn resource_policies_open_to_everyone_unless_guarded_or_denied() {
        let open =
            |text: &str| opening(&policy_statements(&document(text))).map(|o| o.authenticated);
        assert_eq!(
            open(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"es:*","Resource":"*"}]}"#
            ),
            Some(Tri::No)
        );
        assert_eq!(
            open(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sqs:SendMessage","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}"#
            ),
            None
        );
        assert_eq!(
            open(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#
            ),
            Some(Tri::Unknown)
        );
        assert_eq!(
            open(
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"},{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#
            ),
            None
        );
        assert_eq!(
            open(
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*"}]}"#
            ),
            None
        );
        // A Deny outside an address list closes the paths it names, and only those.
        let api = |denied: &str| {
            open(&format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}},{{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"{denied}","Condition":{{"NotIpAddress":{{"aws:SourceIp":["203.0.113.0/24"]}}}}}}]}}"#
            ))
        };
        assert_eq!(api("execute-api:/*"), None);
        assert_eq!(api("execute-api:/*/*/admin/*"), Some(Tri::No));
    }
}

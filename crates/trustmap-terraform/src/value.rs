//! Evaluated Terraform: resources with their arguments as values that keep their spans, and
//! references to other resources kept as references so the model can draw the flows.

use std::sync::Arc;
use trustmap_model::Span;

/// A value after static evaluation. Every value remembers where it was written (for values
/// computed from several places, the expression that computed them).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, or an argument that is absent.
    Null(Span),
    /// `true` / `false`.
    Bool(bool, Span),
    /// A number.
    Number(f64, Span),
    /// A string.
    String(String, Span),
    /// A list, tuple or set.
    List(Vec<Value>, Span),
    /// An object or map; also a nested block's arguments.
    Object(Vec<(String, Value)>, Span),
    /// A reference to a resource (or one of its attributes) that the model can link:
    /// `aws_security_group.web.id` is `Reference { address: "aws_security_group.web", attribute: "id" }`
    /// (with the module path prefixed for resources inside modules, and `[key]` for instances).
    Reference {
        /// The resource address.
        address: String,
        /// The attribute named after it (`id`, `arn`), empty when none.
        attribute: String,
        /// Where it is written.
        span: Span,
    },
    /// Not known statically (a data source, a provider-computed attribute, a variable without a
    /// value, a function this evaluator does not implement). Never a guess.
    Unknown(Span),
    /// What `jsonencode` makes of a value that holds unknown parts: unknown as text (every
    /// reader treats it as [`Value::Unknown`]), the encoded value kept so that the reader of a
    /// policy document can still read the statements whose effect, actions and principals are
    /// known (`Resource = aws_sqs_queue.q.arn` beside `Principal = "*"`).
    PartlyKnownJson(Box<Value>, Span),
}

impl Value {
    /// Where the value was written.
    pub fn span(&self) -> &Span {
        match self {
            Value::Null(s) | Value::Bool(_, s) | Value::Number(_, s) | Value::String(_, s) => s,
            Value::List(_, s) | Value::Object(_, s) | Value::Unknown(s) => s,
            Value::PartlyKnownJson(_, s) => s,
            Value::Reference { span, .. } => span,
        }
    }

    /// A field of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(fields, _) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Every field with that key (nested blocks repeat: `ingress { } ingress { }`), flattening
    /// a list of objects.
    pub fn all(&self, key: &str) -> Vec<&Value> {
        let Value::Object(fields, _) = self else {
            return Vec::new();
        };
        fields
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| match v {
                Value::List(items, _) => items.iter().collect(),
                other => vec![other],
            })
            .collect()
    }

    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s, _) => Some(s),
            _ => None,
        }
    }

    /// The boolean, when the value is one (`"true"` strings count, as Terraform converts them).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b, _) => Some(*b),
            Value::String(s, _) if s == "true" => Some(true),
            Value::String(s, _) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// The number, when the value is one (numeric strings count).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n, _) => Some(*n),
            Value::String(s, _) => s.parse().ok(),
            _ => None,
        }
    }

    /// The items of a list (a single value counts as a list of one).
    pub fn items(&self) -> Vec<&Value> {
        match self {
            Value::List(items, _) => items.iter().collect(),
            Value::Null(_) => Vec::new(),
            other => vec![other],
        }
    }

    /// Whether the value is unknown (or holds an unknown at its top).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_) | Value::PartlyKnownJson(..))
    }

    /// Whether the value is not known statically: unknown, or a reference to an attribute
    /// another resource computes (`aws_kms_key.x.arn`).
    pub fn not_static(&self) -> bool {
        self.is_unknown() || matches!(self, Value::Reference { .. })
    }
}

/// The kind of the resources that stand for provider configurations (`provider "aws" { ... }`),
/// followed by a dot and the provider's name: `provider.aws` at the address `provider.aws`,
/// or `provider.aws.ALIAS` for an aliased configuration.
pub const PROVIDER_CONFIGURATION: &str = "provider";

/// One resource instance after `count`/`for_each` expansion.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The full address: `module.vpc.aws_subnet.private[0]`, `aws_s3_bucket.logs["a"]`.
    pub address: String,
    /// The address without the instance key (`module.vpc.aws_subnet.private`), which is what
    /// references without an index name.
    pub base_address: String,
    /// The resource type (`aws_security_group`).
    pub kind: String,
    /// The block's span: the line of `resource "aws_security_group" "web" {` to its end.
    pub span: Span,
    /// The arguments and nested blocks, as an [`Value::Object`].
    pub body: Value,
    /// For resources inside a module: the span of the `module` block that called it.
    pub called_from: Option<Span>,
    /// The values of its arguments that were written elsewhere (a module input, a variable
    /// file, a variable's default, a local, a module output) and passed to it by reference:
    /// where each was written and the places it passed through.
    pub passed: Vec<Passage>,
}

/// A value written in one place and used in another: its span is where it was written (the
/// line whose change changes it), `via` the places it passed through on its way to the use
/// (a caller's module argument, a local, an output), the use last.
#[derive(Debug, Clone, PartialEq)]
pub struct Passage {
    /// Where the value was written: the span the value carries.
    pub origin: Span,
    /// The places it passed through, in the order it passed, the use last.
    pub via: Vec<Span>,
}

/// The places a value passed through after it was written, shared between every value that
/// passes on from the same place (a list that grows at its end, each step one allocation).
/// Bounded at [`Via::MAX_HOPS`]: past it the last place is replaced, so the first places and
/// the use are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Via(Option<Arc<Hop>>);

#[derive(Debug, PartialEq)]
pub(crate) struct Hop {
    span: Span,
    before: Via,
    len: usize,
}

impl Via {
    /// The most places a value is said to pass through.
    pub(crate) const MAX_HOPS: usize = 16;

    /// The places so far, then `span`.
    pub(crate) fn then(&self, span: Span) -> Via {
        let before = match &self.0 {
            Some(hop) if hop.len >= Self::MAX_HOPS => hop.before.clone(),
            _ => self.clone(),
        };
        let len = before.len() + 1;
        Via(Some(Arc::new(Hop { span, before, len })))
    }

    /// How many places.
    pub(crate) fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |hop| hop.len)
    }

    /// The places, in the order the value passed them.
    pub(crate) fn spans(&self) -> Vec<Span> {
        let mut spans = Vec::with_capacity(self.len());
        let mut at = self;
        while let Some(hop) = &at.0 {
            spans.push(hop.span.clone());
            at = &hop.before;
        }
        spans.reverse();
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::Via;
    use trustmap_model::Span;

    fn line(n: u32) -> Span {
        Span::lines("main.tf", n, n)
    }

    #[test]
    fn a_via_lists_its_places_in_order_and_keeps_the_first_and_the_last_past_its_bound() {
        let start = Via::default().then(line(1));
        let branch_a = start.then(line(2));
        let branch_b = start.then(line(3));
        let lines = |via: &Via| via.spans().iter().map(|s| s.start.line).collect::<Vec<_>>();
        assert_eq!(lines(&branch_a), [1, 2]);
        assert_eq!(lines(&branch_b), [1, 3], "branches share their start");
        let mut long = Via::default();
        for n in 1..=40 {
            long = long.then(line(n));
        }
        let kept = lines(&long);
        assert_eq!(kept.len(), Via::MAX_HOPS);
        assert_eq!(
            kept[..Via::MAX_HOPS - 1],
            (1..Via::MAX_HOPS as u32).collect::<Vec<_>>()[..]
        );
        assert_eq!(kept.last(), Some(&40));
    }
}

//! A variable's type constraint applied to its value as Terraform applies it: an attribute of
//! an `object({...})` type written `optional(type, default)` that the value leaves out (or sets
//! to null) takes its default, converted through its own type; `optional(type)` without a
//! default is null. Lists, sets, maps and tuples of objects apply their element types to every
//! element. Nothing else of the type is checked: a value that does not fit is kept as it is.

use super::{Expr, NO_MODULE, Run, Src, Value};
use crate::hcl::Attr;
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey};

impl Run<'_> {
    /// The value of a variable with the defaults of its `type` applied.
    pub(super) fn with_type_defaults(&mut self, value: Value, type_attr: &Attr) -> Value {
        match &type_attr.expr {
            Expr::Hcl(ty) => self.apply_type(value, ty, &type_attr.src),
            // In `.tf.json` the type is written as a string of HCL.
            Expr::Json(serde_json::Value::String(text)) => match hcl_edit::parser::parse_expr(text)
            {
                Ok(ty) => self.apply_type(value, &ty, &type_attr.src),
                Err(_) => value,
            },
            _ => value,
        }
    }

    fn apply_type(&mut self, value: Value, ty: &Expression, src: &Src) -> Value {
        let Some((constructor, args)) = type_call(ty) else {
            return value;
        };
        match (constructor, args.as_slice(), value) {
            ("object", [Expression::Object(attributes)], Value::Object(mut fields, span)) => {
                for (key, attribute) in attributes.iter() {
                    let name = match key {
                        ObjectKey::Ident(i) => i.as_str(),
                        ObjectKey::Expression(Expression::Variable(i)) => i.as_str(),
                        ObjectKey::Expression(_) => continue,
                    };
                    let (element, default) = optional_parts(attribute.expr());
                    let position = fields.iter().position(|(k, _)| k == name);
                    match position {
                        Some(at) if !matches!(fields[at].1, Value::Null(_)) => {
                            let given =
                                std::mem::replace(&mut fields[at].1, Value::Null(span.clone()));
                            fields[at].1 = self.apply_type(given, element, src);
                        }
                        // Left out or null: an optional attribute's default (null without one).
                        _ if is_optional(attribute.expr()) => {
                            let filled = match default {
                                Some(default) => {
                                    let written = self
                                        .eval(NO_MODULE, &mut Vec::new(), src, default)
                                        .unwrap_or_else(|_| {
                                            Value::Unknown(src.span(default.span()))
                                        });
                                    self.apply_type(written, element, src)
                                }
                                None => Value::Null(span.clone()),
                            };
                            match position {
                                Some(at) => fields[at].1 = filled,
                                None => fields.push((name.to_string(), filled)),
                            }
                        }
                        _ => {}
                    }
                }
                Value::Object(fields, span)
            }
            ("list" | "set" | "map", [element], Value::List(items, span)) => Value::List(
                items
                    .into_iter()
                    .map(|item| self.apply_type(item, element, src))
                    .collect(),
                span,
            ),
            ("map", [element], Value::Object(fields, span)) => Value::Object(
                fields
                    .into_iter()
                    .map(|(k, v)| (k, self.apply_type(v, element, src)))
                    .collect(),
                span,
            ),
            ("tuple", [Expression::Array(elements)], Value::List(items, span)) => Value::List(
                items
                    .into_iter()
                    .zip(elements.iter().map(Some).chain(std::iter::repeat(None)))
                    .map(|(item, element)| match element {
                        Some(element) => self.apply_type(item, element, src),
                        None => item,
                    })
                    .collect(),
                span,
            ),
            (_, _, value) => value,
        }
    }
}

/// A type constructor and its arguments (`object({...})`, `list(string)`).
fn type_call(ty: &Expression) -> Option<(&str, Vec<&Expression>)> {
    match ty {
        Expression::Parenthesis(p) => type_call(p.inner()),
        Expression::FuncCall(f) if !f.name.is_namespaced() => {
            Some((f.name.name.as_str(), f.args.iter().collect()))
        }
        _ => None,
    }
}

/// Whether an attribute's type is `optional(...)`.
fn is_optional(ty: &Expression) -> bool {
    type_call(ty).is_some_and(|(constructor, _)| constructor == "optional")
}

/// An attribute's type and its default: `optional(type, default)`, `optional(type)` (no
/// default) or a plain type.
fn optional_parts(ty: &Expression) -> (&Expression, Option<&Expression>) {
    match type_call(ty) {
        Some(("optional", args)) if !args.is_empty() => (args[0], args.get(1).copied()),
        _ => (ty, None),
    }
}

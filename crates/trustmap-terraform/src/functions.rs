//! Terraform's built-in functions that can be computed statically, and the conversions they
//! share with the evaluator. A function this module does not know, or one that reads files,
//! gives `Unknown`; an unknown argument makes the result unknown.

use crate::value::Value;
use trustmap_model::Span;

/// Why a value could not be computed: it depends on something unknown, or it is an error
/// (which `try` and `can` catch; elsewhere it becomes `Unknown`).
#[derive(Debug, Clone)]
pub(crate) enum Flow {
    /// The result depends on an unknown value.
    Unknown,
    /// Terraform itself would fail here.
    Fail(String),
}

/// A result of a conversion or a function.
pub(crate) type Flowed<T> = Result<T, Flow>;

fn fail<T>(msg: impl Into<String>) -> Flowed<T> {
    Err(Flow::Fail(msg.into()))
}

/// Whether the value is unknown at its top (a resource attribute counts: it is
/// provider-computed).
pub(crate) fn opaque(v: &Value) -> bool {
    matches!(
        v,
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. }
    )
}

/// Whether the value holds an unknown or a reference anywhere.
pub(crate) fn has_unknown(v: &Value) -> bool {
    match v {
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => true,
        Value::List(items, _) => items.iter().any(has_unknown),
        Value::Object(fields, _) => fields.iter().any(|(_, v)| has_unknown(v)),
        _ => false,
    }
}

/// The same value, written somewhere else (only the top carries the new span).
pub(crate) fn respan(v: Value, span: &Span) -> Value {
    let span = span.clone();
    match v {
        Value::Null(_) => Value::Null(span),
        Value::Bool(b, _) => Value::Bool(b, span),
        Value::Number(n, _) => Value::Number(n, span),
        Value::String(s, _) => Value::String(s, span),
        Value::List(l, _) => Value::List(l, span),
        Value::Object(o, _) => Value::Object(o, span),
        Value::Unknown(_) => Value::Unknown(span),
        Value::PartlyKnownJson(v, _) => Value::PartlyKnownJson(v, span),
        Value::Reference {
            address, attribute, ..
        } => Value::Reference {
            address,
            attribute,
            span,
        },
    }
}

/// A number as Terraform prints it (integers without a fraction).
pub(crate) fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The value as a string (numbers and booleans convert).
pub(crate) fn text(v: &Value) -> Flowed<String> {
    match v {
        Value::String(s, _) => Ok(s.clone()),
        Value::Number(n, _) => Ok(fmt_number(*n)),
        Value::Bool(b, _) => Ok(b.to_string()),
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
            Err(Flow::Unknown)
        }
        Value::Null(_) => fail("null value where a string is required"),
        _ => fail("a list or object where a string is required"),
    }
}

/// The value as a number (numeric strings convert).
pub(crate) fn num(v: &Value) -> Flowed<f64> {
    match v {
        Value::Number(n, _) => Ok(*n),
        Value::String(s, _) => s.trim().parse().or_else(|_| fail("not a number")),
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
            Err(Flow::Unknown)
        }
        _ => fail("a number is required"),
    }
}

/// The value as a boolean (`"true"`/`"false"` convert).
pub(crate) fn boolean(v: &Value) -> Flowed<bool> {
    match v {
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
            Err(Flow::Unknown)
        }
        other => other
            .as_bool()
            .map_or_else(|| fail("a boolean is required"), Ok),
    }
}

/// The items of a list.
pub(crate) fn list(v: &Value) -> Flowed<&[Value]> {
    match v {
        Value::List(items, _) => Ok(items),
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
            Err(Flow::Unknown)
        }
        _ => fail("a list is required"),
    }
}

/// The fields of an object.
pub(crate) fn object(v: &Value) -> Flowed<&[(String, Value)]> {
    match v {
        Value::Object(fields, _) => Ok(fields),
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
            Err(Flow::Unknown)
        }
        _ => fail("a map or object is required"),
    }
}

/// The fields sorted by key, as Terraform iterates maps and objects.
pub(crate) fn sorted(fields: &[(String, Value)]) -> Vec<(String, Value)> {
    let mut out = fields.to_vec();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Whether two values are equal, ignoring spans; `None` when it depends on unknowns.
pub(crate) fn same(a: &Value, b: &Value) -> Option<bool> {
    if has_unknown(a) || has_unknown(b) {
        return None;
    }
    Some(match (a, b) {
        (Value::Null(_), Value::Null(_)) => true,
        (Value::Bool(x, _), Value::Bool(y, _)) => x == y,
        (Value::Number(x, _), Value::Number(y, _)) => x == y,
        (Value::String(x, _), Value::String(y, _)) => x == y,
        (Value::List(x, _), Value::List(y, _)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b) == Some(true))
        }
        (Value::Object(x, _), Value::Object(y, _)) => {
            let (x, y) = (sorted(x), sorted(y));
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|(a, b)| a.0 == b.0 && same(&a.1, &b.1) == Some(true))
        }
        _ => false,
    })
}

/// Converts JSON into a value written at `span`.
pub(crate) fn from_json(v: &serde_json::Value, span: &Span) -> Value {
    match v {
        serde_json::Value::Null => Value::Null(span.clone()),
        serde_json::Value::Bool(b) => Value::Bool(*b, span.clone()),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0), span.clone()),
        serde_json::Value::String(s) => Value::String(s.clone(), span.clone()),
        serde_json::Value::Array(items) => Value::List(
            items.iter().map(|i| from_json(i, span)).collect(),
            span.clone(),
        ),
        serde_json::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), from_json(v, span)))
                .collect(),
            span.clone(),
        ),
    }
}

fn to_json(v: &Value) -> Flowed<serde_json::Value> {
    encode(v, &|_| Err(Flow::Unknown))
}

/// What a template writes where an interpolation's value is not known, while it is read as
/// JSON (a Unicode noncharacter: no policy text holds one).
pub(crate) const UNKNOWN_MARK: char = '\u{FDD0}';

/// A template's text that is JSON but for interpolations not known statically (a heredoc
/// policy with `"Resource": "${aws_sqs_queue.q.arn}"`), each written as [`UNKNOWN_MARK`]: the
/// value it encodes, with every string that holds a mark unknown (and every object with a key
/// that holds one). `None` when the text is not JSON so (an interpolation outside a string).
pub(crate) fn partly_known_json(marked: &str, span: &Span) -> Option<Value> {
    fn unmark(v: Value) -> Value {
        match v {
            Value::String(s, span) if s.contains(UNKNOWN_MARK) => Value::Unknown(span),
            Value::List(items, span) => Value::List(items.into_iter().map(unmark).collect(), span),
            Value::Object(fields, span) if fields.iter().any(|(k, _)| k.contains(UNKNOWN_MARK)) => {
                Value::Unknown(span)
            }
            Value::Object(fields, span) => Value::Object(
                fields.into_iter().map(|(k, v)| (k, unmark(v))).collect(),
                span,
            ),
            other => other,
        }
    }
    let json = serde_json::from_str::<serde_json::Value>(marked).ok()?;
    Some(unmark(from_json(&json, span)))
}

/// The JSON of a value whose unknown parts stand as placeholders (see [`placeholder`]), for
/// readers of policy documents that only read parts a placeholder cannot widen.
pub(crate) fn to_json_with_placeholders(v: &Value) -> serde_json::Value {
    encode(v, &|leaf| Ok(serde_json::Value::String(placeholder(leaf))))
        .unwrap_or(serde_json::Value::Null)
}

/// The text that stands for a value not known statically in a rendered policy document:
/// `${ADDRESS.ATTRIBUTE}` for a reference, `${unknown}` otherwise. It matches no action,
/// principal or condition value that a policy writes.
pub(crate) fn placeholder(v: &Value) -> String {
    match v {
        Value::Reference {
            address, attribute, ..
        } => format!("${{{address}.{attribute}}}"),
        _ => "${unknown}".to_string(),
    }
}

/// The JSON of a value, each opaque leaf (unknown, a reference) given by `opaque`.
fn encode(
    v: &Value,
    opaque: &dyn Fn(&Value) -> Flowed<serde_json::Value>,
) -> Flowed<serde_json::Value> {
    Ok(match v {
        Value::Null(_) => serde_json::Value::Null,
        Value::Bool(b, _) => serde_json::Value::Bool(*b),
        Value::Number(n, _) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                serde_json::Value::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(s, _) => serde_json::Value::String(s.clone()),
        Value::List(items, _) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| encode(i, opaque))
                .collect::<Flowed<_>>()?,
        ),
        Value::Object(fields, _) => {
            let mut map = serde_json::Map::new();
            for (k, v) in sorted(fields) {
                map.insert(k, encode(&v, opaque)?);
            }
            serde_json::Value::Object(map)
        }
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => opaque(v)?,
    })
}

/// Collections compared item by item at most this long (comparing nested values is quadratic).
const MAX_NESTED_DEDUP: usize = 4096;

fn dedup(items: &[Value]) -> Flowed<Vec<Value>> {
    let mut out: Vec<Value> = Vec::new();
    // Scalars are told apart by a key, in one pass.
    let mut seen = std::collections::HashSet::new();
    for item in items {
        let key = match item {
            Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
                return Err(Flow::Unknown);
            }
            Value::Null(_) => "n".to_string(),
            Value::Bool(b, _) => format!("b{b}"),
            Value::Number(n, _) => format!("f{n}"),
            Value::String(s, _) => format!("s{s}"),
            Value::List(..) | Value::Object(..) => {
                if has_unknown(item) {
                    return Err(Flow::Unknown);
                }
                if items.len() > MAX_NESTED_DEDUP {
                    return Err(Flow::Unknown);
                }
                if !out.iter().any(|o| same(o, item) == Some(true)) {
                    out.push(item.clone());
                }
                continue;
            }
        };
        if seen.insert(key) {
            out.push(item.clone());
        }
    }
    Ok(out)
}

/// An upper bound of the size of what a function builds (entries of a collection, bytes of a
/// string), for the functions whose result can be much larger than any of their arguments;
/// `None` for the others (their results are measured once built).
pub(crate) fn result_size(name: &str, args: &[Value]) -> Option<u64> {
    let text_len = |v: &Value| match v {
        Value::String(s, _) => s.len() as u64,
        _ => 32,
    };
    let entries = |v: &Value| match v {
        Value::List(items, _) => items.len() as u64,
        Value::Object(fields, _) => fields.len() as u64,
        _ => 1,
    };
    match name {
        "range" => {
            let nums = args.iter().map(num).collect::<Flowed<Vec<_>>>().ok()?;
            let (start, end, step) = match nums[..] {
                [end] => (0.0, end, 1.0),
                [start, end] => (start, end, 1.0),
                [start, end, step] => (start, end, step),
                _ => return None,
            };
            let count = ((end - start) / step).abs().ceil();
            Some(if count.is_finite() {
                count as u64
            } else {
                u64::MAX
            })
        }
        "concat" | "merge" => Some(args.iter().map(entries).sum()),
        "join" => {
            let sep = args.first().map_or(0, text_len);
            let parts = args.get(1).map_or(&[][..], |l| list(l).unwrap_or(&[]));
            Some(
                parts
                    .iter()
                    .map(|p| text_len(p).saturating_add(sep))
                    .fold(0u64, u64::saturating_add),
            )
        }
        "replace" => {
            let (str, sub, rep) = (args.first()?, args.get(1)?, args.get(2)?);
            let occurrences = text_len(str) / text_len(sub).max(1) + 1;
            Some(text_len(str).saturating_add(occurrences.saturating_mul(text_len(rep))))
        }
        "format" => Some(args.iter().map(text_len).fold(0u64, u64::saturating_add)),
        _ => None,
    }
}

fn int(v: &Value) -> Flowed<i64> {
    let n = num(v)?;
    if n.fract() != 0.0 || !n.is_finite() || n.abs() > 1e15 {
        return fail("a whole number is required");
    }
    Ok(n as i64)
}

fn arity(args: &[Value], min: usize, max: usize) -> Flowed<()> {
    if args.len() < min || args.len() > max {
        return fail("wrong number of arguments");
    }
    Ok(())
}

/// The fields of an object being built, where a key set again keeps its place and takes the
/// new value (in time that does not grow with the number of fields).
#[derive(Default)]
struct Fields {
    fields: Vec<(String, Value)>,
    positions: std::collections::HashMap<String, usize>,
}

impl Fields {
    fn set(&mut self, key: String, value: Value) {
        match self.positions.get(&key) {
            Some(&at) => self.fields[at].1 = value,
            None => {
                self.positions.insert(key.clone(), self.fields.len());
                self.fields.push((key, value));
            }
        }
    }
}

/// Calls a function on evaluated arguments. `try` and `can` are handled by the evaluator.
pub(crate) fn call(name: &str, args: &[Value], span: &Span) -> Flowed<Value> {
    let s = |x: String| Value::String(x, span.clone());
    let l = |x: Vec<Value>| Value::List(x, span.clone());
    let n = |x: f64| Value::Number(x, span.clone());
    let b = |x: bool| Value::Bool(x, span.clone());
    let o = |x: Vec<(String, Value)>| Value::Object(x, span.clone());
    // Functions that pick from or reshape a collection keep pointing at the resource a
    // reference names (`one(azurerm_application_gateway.a.backend_address_pool).id`).
    const RESHAPING: &[&str] = &[
        "one", "tolist", "toset", "tuple", "element", "flatten", "distinct", "compact", "reverse",
        "sort", "values",
    ];
    if RESHAPING.contains(&name)
        && let Some(reference @ Value::Reference { address, .. }) = args.first()
    {
        // `element(aws_subnet.a[*].id, 0)` names one instance, when the index is known.
        if name == "element"
            && !address.ends_with(']')
            && let Some(index) = args.get(1).and_then(Value::as_f64)
            && index >= 0.0
        {
            return Ok(Value::Reference {
                address: format!("{address}[{}]", index as i64),
                attribute: String::new(),
                span: span.clone(),
            });
        }
        return Ok(reference.clone());
    }
    // Functions whose result does not depend on values being known.
    match name {
        "length" => {
            arity(args, 1, 1)?;
            return Ok(match &args[0] {
                Value::List(i, _) => n(i.len() as f64),
                Value::Object(f, _) => n(f.len() as f64),
                other => n(text(other)?.chars().count() as f64),
            });
        }
        "concat" => {
            let mut out = Vec::new();
            for a in args {
                out.extend(list(a)?.iter().cloned());
            }
            return Ok(l(out));
        }
        "merge" => {
            let mut out = Fields::default();
            for a in args {
                if matches!(a, Value::Null(_)) {
                    continue;
                }
                for (k, v) in object(a)? {
                    out.set(k.clone(), v.clone());
                }
            }
            return Ok(o(out.fields));
        }
        "lookup" => {
            arity(args, 2, 3)?;
            let key = text(&args[1])?;
            let fields = object(&args[0])?;
            return match fields.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => Ok(v.clone()),
                None => args
                    .get(2)
                    .cloned()
                    .map_or_else(|| fail(format!("no key {key:?}")), Ok),
            };
        }
        "element" => {
            arity(args, 2, 2)?;
            let items = list(&args[0])?;
            let i = int(&args[1])?;
            if items.is_empty() || i < 0 {
                return fail("element of an empty list or negative index");
            }
            return Ok(items[(i as usize) % items.len()].clone());
        }
        "tolist" | "tuple" => {
            arity(args, 1, 1)?;
            return Ok(l(list(&args[0])?.to_vec()));
        }
        "tomap" => {
            arity(args, 1, 1)?;
            return Ok(o(object(&args[0])?.to_vec()));
        }
        "keys" => {
            arity(args, 1, 1)?;
            let f = sorted(object(&args[0])?);
            return Ok(l(f.into_iter().map(|(k, _)| s(k)).collect()));
        }
        "values" => {
            arity(args, 1, 1)?;
            let f = sorted(object(&args[0])?);
            return Ok(l(f.into_iter().map(|(_, v)| v).collect()));
        }
        "coalescelist" => {
            for a in args {
                if !list(a)?.is_empty() {
                    return Ok(a.clone());
                }
            }
            return fail("no non-empty list");
        }
        "coalesce" => {
            for a in args {
                match a {
                    Value::Null(_) => continue,
                    Value::String(x, _) if x.is_empty() => continue,
                    Value::Unknown(_) => return Err(Flow::Unknown),
                    other => return Ok(other.clone()),
                }
            }
            return fail("no non-null argument");
        }
        "flatten" => {
            arity(args, 1, 1)?;
            fn flat(items: &[Value], out: &mut Vec<Value>) -> Flowed<()> {
                for i in items {
                    match i {
                        Value::List(inner, _) => flat(inner, out)?,
                        Value::Unknown(_) => return Err(Flow::Unknown),
                        other => out.push(other.clone()),
                    }
                }
                Ok(())
            }
            let mut out = Vec::new();
            flat(list(&args[0])?, &mut out)?;
            return Ok(l(out));
        }
        "compact" => {
            arity(args, 1, 1)?;
            let mut out = Vec::new();
            for i in list(&args[0])? {
                match i {
                    Value::Null(_) => {}
                    Value::String(x, _) if x.is_empty() => {}
                    Value::Unknown(_) => return Err(Flow::Unknown),
                    other => out.push(other.clone()),
                }
            }
            return Ok(l(out));
        }
        "one" => {
            arity(args, 1, 1)?;
            let items = list(&args[0])?;
            return match items.len() {
                0 => Ok(Value::Null(span.clone())),
                1 => Ok(items[0].clone()),
                _ => fail("more than one element"),
            };
        }
        "reverse" => {
            arity(args, 1, 1)?;
            let mut items = list(&args[0])?.to_vec();
            items.reverse();
            return Ok(l(items));
        }
        "slice" => {
            arity(args, 3, 3)?;
            let items = list(&args[0])?;
            let (from, to) = (int(&args[1])?, int(&args[2])?);
            if from < 0 || to < from || to as usize > items.len() {
                return fail("slice out of range");
            }
            return Ok(l(items[from as usize..to as usize].to_vec()));
        }
        "zipmap" => {
            arity(args, 2, 2)?;
            let (ks, vs) = (list(&args[0])?, list(&args[1])?);
            if ks.len() != vs.len() {
                return fail("zipmap of lists of different lengths");
            }
            let mut out = Fields::default();
            for (k, v) in ks.iter().zip(vs) {
                out.set(text(k)?, v.clone());
            }
            return Ok(o(out.fields));
        }
        _ => {}
    }
    // The others need every argument known at its top.
    if args.iter().any(opaque) {
        return Err(Flow::Unknown);
    }
    match name {
        "format" => {
            let (f, rest) = args.split_first().ok_or(Flow::Fail("no format".into()))?;
            Ok(s(format(&text(f)?, rest)?))
        }
        "join" => {
            arity(args, 2, 2)?;
            let sep = text(&args[0])?;
            let parts = list(&args[1])?
                .iter()
                .map(text)
                .collect::<Flowed<Vec<_>>>()?;
            Ok(s(parts.join(&sep)))
        }
        "split" => {
            arity(args, 2, 2)?;
            let (sep, str) = (text(&args[0])?, text(&args[1])?);
            if sep.is_empty() {
                return Err(Flow::Unknown);
            }
            Ok(l(str
                .split(sep.as_str())
                .map(|p| s(p.to_string()))
                .collect()))
        }
        "toset" => {
            arity(args, 1, 1)?;
            let mut items = dedup(list(&args[0])?)?;
            if items.iter().all(|i| matches!(i, Value::String(..))) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            Ok(l(items))
        }
        "distinct" => {
            arity(args, 1, 1)?;
            Ok(l(dedup(list(&args[0])?)?))
        }
        "contains" => {
            arity(args, 2, 2)?;
            let mut unknown = false;
            for i in list(&args[0])? {
                match same(i, &args[1]) {
                    Some(true) => return Ok(b(true)),
                    Some(false) => {}
                    None => unknown = true,
                }
            }
            if unknown {
                Err(Flow::Unknown)
            } else {
                Ok(b(false))
            }
        }
        "jsonencode" => {
            arity(args, 1, 1)?;
            match &args[0] {
                known @ (Value::List(..) | Value::Object(..)) if has_unknown(known) => Ok(
                    Value::PartlyKnownJson(Box::new(known.clone()), span.clone()),
                ),
                value => Ok(s(to_json(value)?.to_string())),
            }
        }
        "jsondecode" => {
            arity(args, 1, 1)?;
            let v: serde_json::Value = serde_json::from_str(&text(&args[0])?)
                .or_else(|e| fail(format!("invalid JSON: {e}")))?;
            Ok(from_json(&v, span))
        }
        "lower" => Ok(s(text(args.first().ok_or(Flow::Unknown)?)?.to_lowercase())),
        "upper" => Ok(s(text(args.first().ok_or(Flow::Unknown)?)?.to_uppercase())),
        "trimspace" => Ok(s(text(args.first().ok_or(Flow::Unknown)?)?
            .trim()
            .to_string())),
        "chomp" => Ok(s(text(args.first().ok_or(Flow::Unknown)?)?
            .trim_end_matches(['\r', '\n'])
            .to_string())),
        "tostring" => Ok(s(text(args.first().ok_or(Flow::Unknown)?)?)),
        "tonumber" => Ok(n(num(args.first().ok_or(Flow::Unknown)?)?)),
        "tobool" => Ok(b(boolean(args.first().ok_or(Flow::Unknown)?)?)),
        "replace" => {
            arity(args, 3, 3)?;
            let (str, sub, rep) = (text(&args[0])?, text(&args[1])?, text(&args[2])?);
            if sub.len() > 1 && sub.starts_with('/') && sub.ends_with('/') {
                // A regular expression: not evaluated.
                return Err(Flow::Unknown);
            }
            if sub.is_empty() {
                return Err(Flow::Unknown);
            }
            Ok(s(str.replace(&sub, &rep)))
        }
        "startswith" | "endswith" => {
            arity(args, 2, 2)?;
            let (str, p) = (text(&args[0])?, text(&args[1])?);
            Ok(b(if name == "startswith" {
                str.starts_with(&p)
            } else {
                str.ends_with(&p)
            }))
        }
        "trimprefix" | "trimsuffix" => {
            arity(args, 2, 2)?;
            let (str, p) = (text(&args[0])?, text(&args[1])?);
            let out = if name == "trimprefix" {
                str.strip_prefix(p.as_str())
            } else {
                str.strip_suffix(p.as_str())
            };
            Ok(s(out.unwrap_or(&str).to_string()))
        }
        "min" | "max" => {
            let nums = args.iter().map(num).collect::<Flowed<Vec<_>>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            nums.into_iter()
                .reduce(pick)
                .map_or_else(|| fail("no arguments"), |x| Ok(n(x)))
        }
        "abs" => Ok(n(num(args.first().ok_or(Flow::Unknown)?)?.abs())),
        "floor" => Ok(n(num(args.first().ok_or(Flow::Unknown)?)?.floor())),
        "ceil" => Ok(n(num(args.first().ok_or(Flow::Unknown)?)?.ceil())),
        "range" => {
            let nums = args.iter().map(num).collect::<Flowed<Vec<_>>>()?;
            let (start, end, step) = match nums[..] {
                [end] => (0.0, end, 1.0),
                [start, end] => (start, end, if end >= start { 1.0 } else { -1.0 }),
                [start, end, step] => (start, end, step),
                _ => return fail("wrong number of arguments"),
            };
            if step == 0.0 || !step.is_finite() {
                return fail("step of zero");
            }
            // The evaluator refuses a range larger than the value size limit before calling.
            let mut out = Vec::new();
            let mut x = start;
            while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
                out.push(n(x));
                x += step;
            }
            Ok(l(out))
        }
        "sort" => {
            arity(args, 1, 1)?;
            let mut items = list(&args[0])?
                .iter()
                .map(text)
                .collect::<Flowed<Vec<_>>>()?;
            items.sort();
            Ok(l(items.into_iter().map(s).collect()))
        }
        "cidrsubnet" => {
            arity(args, 3, 3)?;
            let (addr, bits) = cidr(&text(&args[0])?)?;
            let (newbits, netnum) = (int(&args[1])?, int(&args[2])?);
            let new = i64::from(bits) + newbits;
            if !(0..=32).contains(&new) || newbits < 0 || netnum < 0 || netnum >= (1i64 << newbits)
            {
                return fail("cidrsubnet out of range");
            }
            let net = u64::from(addr) | ((netnum as u64) << (32 - new));
            Ok(s(format!("{}/{new}", ipv4(net as u32))))
        }
        "cidrhost" => {
            arity(args, 2, 2)?;
            let (addr, bits) = cidr(&text(&args[0])?)?;
            let hostnum = int(&args[1])?;
            let size = 1i64 << (32 - bits);
            let host = if hostnum < 0 { size + hostnum } else { hostnum };
            if !(0..size).contains(&host) {
                return fail("cidrhost out of range");
            }
            Ok(s(ipv4((i64::from(addr) + host) as u32)))
        }
        // Reading files, time, randomness, hashing, regular expressions and anything else not
        // listed: unknown, never guessed.
        _ => Err(Flow::Unknown),
    }
}

/// An IPv4 prefix as its network address and length; IPv6 is not evaluated (unknown).
fn cidr(s: &str) -> Flowed<(u32, u32)> {
    let (ip, bits) = s
        .split_once('/')
        .ok_or(Flow::Fail("not a CIDR prefix".into()))?;
    let ip: std::net::Ipv4Addr = match ip.parse() {
        Ok(ip) => ip,
        Err(_) if ip.contains(':') => return Err(Flow::Unknown),
        Err(_) => return fail("not an IP address"),
    };
    let bits: u32 = bits.parse().or_else(|_| fail("bad prefix length"))?;
    if bits > 32 {
        return fail("bad prefix length");
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    Ok((u32::from(ip) & mask, bits))
}

fn ipv4(a: u32) -> String {
    std::net::Ipv4Addr::from(a).to_string()
}

/// `format` with the verbs `%s`, `%d`, `%v`, `%q`, `%%`; any other verb or flag is unknown.
fn format(f: &str, args: &[Value]) -> Flowed<String> {
    let mut out = String::new();
    let mut next = args.iter();
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s') | Some('v') => out.push_str(&text(next.next().ok_or(Flow::Unknown)?)?),
            Some('d') => {
                let x = num(next.next().ok_or(Flow::Unknown)?)?;
                if x.fract() != 0.0 {
                    return fail("%d of a fraction");
                }
                out.push_str(&fmt_number(x));
            }
            Some('q') => {
                let t = text(next.next().ok_or(Flow::Unknown)?)?;
                out.push_str(&serde_json::to_string(&t).unwrap_or_default());
            }
            _ => return Err(Flow::Unknown),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp() -> Span {
        Span::lines("t.tf", 1, 1)
    }
    fn st(x: &str) -> Value {
        Value::String(x.into(), sp())
    }
    fn nu(x: f64) -> Value {
        Value::Number(x, sp())
    }
    fn call_str(name: &str, args: &[Value]) -> Option<String> {
        call(name, args, &sp()).ok()?.as_str().map(str::to_string)
    }

    #[test]
    fn cidr_functions() {
        assert_eq!(
            call_str("cidrsubnet", &[st("10.0.0.0/16"), nu(8.0), nu(2.0)]).as_deref(),
            Some("10.0.2.0/24")
        );
        assert_eq!(
            call_str("cidrhost", &[st("10.0.1.0/24"), nu(5.0)]).as_deref(),
            Some("10.0.1.5")
        );
        assert_eq!(
            call_str("cidrhost", &[st("10.0.1.0/24"), nu(-2.0)]).as_deref(),
            Some("10.0.1.254")
        );
        assert!(matches!(
            call("cidrsubnet", &[st("fd00::/8"), nu(8.0), nu(1.0)], &sp()),
            Err(Flow::Unknown)
        ));
    }

    #[test]
    fn format_and_json() {
        assert_eq!(
            call_str("format", &[st("%s-%d%%"), st("a"), nu(3.0)]).as_deref(),
            Some("a-3%")
        );
        assert!(matches!(
            call("format", &[st("%05d"), nu(3.0)], &sp()),
            Err(Flow::Unknown)
        ));
        let obj = Value::Object(vec![("b".into(), nu(1.0)), ("a".into(), st("x"))], sp());
        assert_eq!(
            call_str("jsonencode", &[obj]).as_deref(),
            Some(r#"{"a":"x","b":1}"#)
        );
        let decoded = call("jsondecode", &[st(r#"{"k":[1,true]}"#)], &sp()).unwrap();
        assert_eq!(decoded.get("k").unwrap().items().len(), 2);
    }

    #[test]
    fn unknown_propagates() {
        let u = Value::Unknown(sp());
        assert!(matches!(
            call("upper", std::slice::from_ref(&u), &sp()),
            Err(Flow::Unknown)
        ));
        assert!(matches!(
            call(
                "join",
                &[st(","), Value::List(vec![st("a"), u], sp())],
                &sp()
            ),
            Err(Flow::Unknown)
        ));
        assert!(matches!(
            call("file", &[st("x")], &sp()),
            Err(Flow::Unknown)
        ));
    }
}

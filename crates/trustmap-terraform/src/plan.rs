//! Terraform's JSON output (`terraform show -json`) as resources: a plan (`planned_values`,
//! `resource_changes`, `configuration`) or a state (`values`). These hold concrete values
//! where the source only has expressions, so they go through the same catalog and rules.
//!
//! - Values the plan does not know yet (`after_unknown`) are unknown, never the provider's
//!   default; where the configuration says which resources such a value comes from
//!   (`expressions.*.references`), it becomes a reference to them, as in the source.
//! - Known identifiers (`id`, `arn`) of other resources become references to them, so flows
//!   between deployed resources are drawn from a state as from the source.
//! - Sensitive values (`sensitive_values`) are replaced before anything reads them: no output
//!   can print them.
//! - Spans point at the source when the source of the same root was scanned (each value at
//!   the argument that wrote it, else the resource block), otherwise at the resource's
//!   `"address"` in the JSON file.

use crate::value::{Resource, Value};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, FileName, Position, Span};

/// What `terraform show -json` printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A plan: `planned_values`, `resource_changes`, `configuration`.
    Plan,
    /// A state: `values`.
    State,
}

impl DocumentKind {
    /// How the user names it (`--input terraform-plan`).
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::Plan => "terraform-plan",
            DocumentKind::State => "terraform-state",
        }
    }
}

/// The text that stands for a sensitive value.
pub const SENSITIVE: &str = "(sensitive)";

/// Nesting deeper than this in a plan is not read (`serde_json` stops at 128 anyway).
const MAX_DEPTH: usize = 64;

/// Whether a JSON text is a Terraform plan or state, and which kind, by its whole shape:
/// `terraform show -json` output (`format_version` and `terraform_version` strings, and a
/// `planned_values` object with a `root_module` object or a `resource_changes` list for a
/// plan, a `values` object for a state), or a stored state (`version` 4, a
/// `terraform_version` string and a `resources` list). Anything else is not one, whatever
/// keys it shares with them.
pub fn sniff(text: &str) -> Option<DocumentKind> {
    if !names_terraform_early(text) {
        return None;
    }
    let json: Json = serde_json::from_str(text).ok()?;
    shape(&json).ok()
}

/// Whether a JSON text says it is Terraform's (`terraform_version` beside `format_version`,
/// or beside a stored state's `lineage`) in its first bytes, whatever its shape: such a file
/// is read as a plan or state, and invalid JSON or a wrong shape is an error at its line, not
/// a file silently passed over. Nothing is parsed here: `read_document` parses it once.
pub fn has_document_markers(text: &str) -> bool {
    let head = head_of(text);
    names_terraform_early(text)
        && (head.contains("\"format_version\"") || head.contains("\"lineage\""))
}

/// The first 4 KiB of a text, cut at a character boundary.
fn head_of(text: &str) -> &str {
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether `terraform_version` is written in the first bytes, where Terraform writes it: other
/// JSON files (lock files, configurations) are passed over without being parsed.
fn names_terraform_early(text: &str) -> bool {
    let head = head_of(text);
    head.trim_start().starts_with('{') && head.contains("\"terraform_version\"")
}

/// What is wrong with the shape of a plan or state: the key whose value is wrong (its line
/// is reported), and why.
#[derive(Debug, PartialEq)]
struct ShapeError {
    key: &'static str,
    why: String,
}

fn wrong<T>(key: &'static str, why: &str) -> Result<T, ShapeError> {
    Err(ShapeError {
        key,
        why: why.to_string(),
    })
}

/// The kind of a plan or state whose shape is right, or what is wrong with it.
fn shape(json: &Json) -> Result<DocumentKind, ShapeError> {
    let Some(top) = json.as_object() else {
        return wrong("", "the top level is not an object");
    };
    if !top.get("terraform_version").is_some_and(Json::is_string) {
        return wrong("terraform_version", "`terraform_version` is not a string");
    }
    if !top.contains_key("format_version") {
        // A state as Terraform stores it.
        if top.get("version").and_then(Json::as_u64) != Some(4) {
            return wrong(
                "version",
                "a stored state whose `version` is not 4 (the only format read)",
            );
        }
        let Some(resources) = top.get("resources").and_then(Json::as_array) else {
            return wrong("resources", "the state's `resources` is not a list");
        };
        for resource in resources {
            if !resource.is_object() || !resource.get("instances").is_none_or(|i| i.is_array()) {
                return wrong(
                    "instances",
                    "a resource of the state is not an object with a list of `instances`",
                );
            }
        }
        return Ok(DocumentKind::State);
    }
    if !top.get("format_version").is_some_and(Json::is_string) {
        return wrong("format_version", "`format_version` is not a string");
    }
    let planned = top.get("planned_values");
    let changes = top.get("resource_changes");
    if planned.is_some() || changes.is_some() {
        if let Some(planned) = planned {
            let Some(root) = planned.get("root_module").filter(|r| r.is_object()) else {
                return wrong(
                    "planned_values",
                    "`planned_values` is not an object with a `root_module` object",
                );
            };
            module_shape(root, 0)?;
        }
        if changes.is_some_and(|c| !c.is_array()) {
            return wrong("resource_changes", "`resource_changes` is not a list");
        }
        return Ok(DocumentKind::Plan);
    }
    let Some(values) = top.get("values").filter(|v| v.is_object()) else {
        return wrong(
            "values",
            "neither a plan's `planned_values` nor a state's `values` object",
        );
    };
    if let Some(root) = values.get("root_module") {
        if !root.is_object() {
            return wrong("root_module", "`root_module` is not an object");
        }
        module_shape(root, 0)?;
    }
    Ok(DocumentKind::State)
}

/// The shape of a module of planned or state values: `resources` and `child_modules` are
/// lists of objects.
fn module_shape(module: &Json, depth: usize) -> Result<(), ShapeError> {
    if depth > MAX_DEPTH {
        return wrong("child_modules", "modules nested too deep");
    }
    if let Some(resources) = module.get("resources") {
        let Some(resources) = resources.as_array() else {
            return wrong("resources", "`resources` is not a list");
        };
        for resource in resources {
            if !resource.is_object() {
                return wrong("resources", "a resource is not an object");
            }
            // A resource the reader would pass over is a wrong shape, never a silent gap.
            for key in ["address", "type"] {
                if !resource.get(key).is_some_and(Json::is_string) {
                    return wrong(key, "a resource has no `address` and `type` strings");
                }
            }
            if resource.get("values").is_some_and(|v| !v.is_object()) {
                return wrong("values", "a resource's `values` is not an object");
            }
        }
    }
    if let Some(children) = module.get("child_modules") {
        let Some(children) = children.as_array() else {
            return wrong("child_modules", "`child_modules` is not a list");
        };
        for child in children {
            if !child.is_object() {
                return wrong("child_modules", "a child module is not an object");
            }
            module_shape(child, depth + 1)?;
        }
    }
    Ok(())
}

/// The position of the first `"key":` in a JSON text (the start when there is none).
fn key_position(text: &str, key: &str) -> Position {
    let quoted = format!("\"{key}\"");
    let at = text
        .match_indices(quoted.as_str())
        .map(|(at, _)| at)
        .find(|at| text[at + quoted.len()..].trim_start().starts_with(':'))
        .filter(|_| !key.is_empty())
        .unwrap_or(0);
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Position {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
    }
}

/// Reads a plan or state into resources. `source` holds the resources evaluated from the same
/// root's source files (empty when none were scanned), for spans. `expected` is the kind the
/// user asked for (`--input`), checked against the content.
pub fn read_document(
    path: &str,
    text: &str,
    expected: Option<DocumentKind>,
    source: &[Resource],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Resource> {
    let json: Json = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(e) => {
            let line = u32::try_from(e.line().max(1)).unwrap_or(u32::MAX);
            let column = u32::try_from(e.column().max(1)).unwrap_or(u32::MAX);
            let at = Position { line, column };
            diags.push(Diagnostic::new(
                DiagnosticLevel::Error,
                Code::TerraformJson,
                Span::at(path, at),
                format!("invalid Terraform plan or state JSON: {e}"),
            ));
            return Vec::new();
        }
    };
    let kind = match shape(&json) {
        Ok(kind) => kind,
        Err(error) => {
            let at = key_position(text, error.key);
            diags.push(Diagnostic::new(
                DiagnosticLevel::Error,
                Code::TerraformJson,
                Span::at(path, at),
                format!(
                    "not a Terraform plan or state that can be read: {} (write it with \
                     `terraform show -json`); nothing of it is modelled",
                    error.why
                ),
            ));
            return Vec::new();
        }
    };
    // A state file as Terraform stores it reads as the `show -json` form of the same state.
    let json = if json.get("format_version").is_none() {
        stored_state(&json)
    } else {
        json
    };
    if let Some(expected) = expected.filter(|e| *e != kind) {
        diags.push(Diagnostic::file(
            DiagnosticLevel::Warning,
            Code::TerraformJson,
            path,
            format!(
                "read as a {} (its content says so), not as the {} asked for",
                kind.name(),
                expected.name()
            ),
        ));
    }
    let root = match kind {
        DocumentKind::Plan => json.pointer("/planned_values/root_module"),
        DocumentKind::State => json.pointer("/values/root_module"),
    };
    let mut raw: Vec<&Json> = Vec::new();
    if let Some(module) = root {
        collect_resources(module, 0, &mut raw);
    }
    let unknown: BTreeMap<&str, &Json> = json
        .get("resource_changes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|change| {
            Some((
                change.get("address")?.as_str()?,
                change.pointer("/change/after_unknown")?,
            ))
        })
        .collect();
    let configuration = Configuration::new(json.get("configuration"));
    let ids = identifiers(&raw);
    let address_spans = AddressSpans::new(path, text);
    let source_by_address: BTreeMap<&str, &Resource> =
        source.iter().map(|r| (r.address.as_str(), r)).collect();
    let source_by_base: BTreeMap<&str, &Resource> = source
        .iter()
        .map(|r| (r.base_address.as_str(), r))
        .collect();

    let mut resources = Vec::new();
    for resource in raw {
        let (Some(address), Some(kind)) = (
            resource.get("address").and_then(Json::as_str),
            resource.get("type").and_then(Json::as_str),
        ) else {
            continue;
        };
        if resource.get("mode").and_then(Json::as_str) == Some("data") {
            continue;
        }
        let base_address = base_of(address);
        let written = source_by_address
            .get(address)
            .or_else(|| source_by_base.get(base_address.as_str()))
            .copied();
        let own_span = written.map_or_else(|| address_spans.span(address), |r| r.span.clone());
        let context = Context {
            own_address: address,
            module: module_of(address),
            ids: &ids,
            depth: 0,
        };
        let values = resource.get("values").unwrap_or(&Json::Null);
        let sensitive = resource.get("sensitive_values").unwrap_or(&Json::Null);
        let after_unknown = unknown.get(address).copied().unwrap_or(&Json::Null);
        let expressions = configuration.expressions(address);
        let body = context.value(
            values,
            sensitive,
            after_unknown,
            expressions,
            written.map(|r| &r.body),
            &own_span,
        );
        resources.push(Resource {
            address: address.to_string(),
            base_address,
            kind: kind.to_string(),
            span: own_span,
            body,
            called_from: written.and_then(|r| r.called_from.clone()),
            passed: written.map(|r| r.passed.clone()).unwrap_or_default(),
        });
    }
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    resources
}

/// A stored state (`terraform.tfstate`, format version 4: `resources[].instances[]` with
/// `attributes` and `sensitive_attributes` paths) in the form `terraform show -json` prints.
fn stored_state(state: &Json) -> Json {
    let mut resources = Vec::new();
    for resource in state
        .get("resources")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| resource.get(k).and_then(Json::as_str).unwrap_or("");
        let base = match field("module") {
            "" => format!("{}.{}", field("type"), field("name")),
            module => format!("{module}.{}.{}", field("type"), field("name")),
        };
        for instance in resource
            .get("instances")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let address = match instance.get("index_key") {
                Some(Json::Number(n)) => format!("{base}[{n}]"),
                Some(Json::String(key)) => {
                    format!("{base}[{}]", serde_json::to_string(key).unwrap_or_default())
                }
                _ => base.clone(),
            };
            let mut sensitive = serde_json::Map::new();
            for path in instance
                .get("sensitive_attributes")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                // The first attribute step names the argument; the whole argument is hidden.
                let first = path
                    .as_array()
                    .and_then(|steps| steps.first())
                    .or(Some(path));
                if let Some(name) = first.and_then(|s| s.get("value")).and_then(Json::as_str) {
                    sensitive.insert(name.to_string(), Json::Bool(true));
                }
            }
            resources.push(serde_json::json!({
                "address": address,
                "mode": field("mode"),
                "type": field("type"),
                "name": field("name"),
                "values": instance.get("attributes").cloned().unwrap_or(Json::Null),
                "sensitive_values": Json::Object(sensitive),
            }));
        }
    }
    serde_json::json!({"values": {"root_module": {"resources": resources}}})
}

/// Every managed resource of a module and its child modules.
fn collect_resources<'j>(module: &'j Json, depth: usize, out: &mut Vec<&'j Json>) {
    if depth > MAX_DEPTH {
        return;
    }
    out.extend(
        module
            .get("resources")
            .and_then(Json::as_array)
            .into_iter()
            .flatten(),
    );
    for child in module
        .get("child_modules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        collect_resources(child, depth + 1, out);
    }
}

/// The address without its last instance key: `module.a.aws_subnet.b[0]` → `module.a.aws_subnet.b`.
fn base_of(address: &str) -> String {
    if address.ends_with(']')
        && let Some(open) = address.rfind('[')
    {
        return address[..open].to_string();
    }
    address.to_string()
}

/// The module path of an address, with its trailing dot: `module.a["x"].` (empty at the root).
fn module_of(address: &str) -> String {
    let mut module = String::new();
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        // The module name, then an optional instance key, then a dot.
        let name_end = after.find(['.', '[']).unwrap_or(after.len());
        let mut end = name_end;
        if after[name_end..].starts_with('[')
            && let Some(close) = after[name_end..].find(']')
        {
            end = name_end + close + 1;
        }
        // Only a dot may follow; anything else is not a module path.
        if !after[end..].starts_with('.') {
            break;
        }
        let consumed = "module.".len() + end + 1;
        module.push_str(&rest[..consumed]);
        rest = &rest[consumed..];
    }
    module
}

/// Where each resource address is first written as `"address": "<address>"` in the JSON text,
/// found in one pass that counts lines and columns as it goes, so a plan of thousands of
/// resources (often on one line) stays linear.
struct AddressSpans {
    path: FileName,
    first: BTreeMap<String, Position>,
}

impl AddressSpans {
    fn new(path: &str, text: &str) -> AddressSpans {
        let mut first = BTreeMap::new();
        for (at, address) in key_values(text, "address") {
            first.entry(address).or_insert(at);
        }
        // A stored state writes each resource as `"module"` (when in one), `"mode"`, `"type"`,
        // `"name"`, no address: `module.type.name` is the key.
        let names: Vec<(Position, String)> = key_values(text, "name").collect();
        let modules: Vec<(Position, String)> = key_values(text, "module").collect();
        let modes: Vec<Position> = key_values(text, "mode").map(|(at, _)| at).collect();
        let mut next_name = names.iter().peekable();
        for (at, kind) in key_values(text, "type") {
            while next_name.next_if(|(n, _)| *n < at).is_some() {}
            let Some((_, name)) = next_name.peek() else {
                continue;
            };
            // The module written between the previous resource's `mode` and this one's, if
            // any (positions are in order: binary searches keep this linear overall).
            let here = modes.partition_point(|m| *m < at);
            let module = here
                .checked_sub(1)
                .map(|i| (modes[i], i.checked_sub(1).map(|j| modes[j])))
                .and_then(|(mode, previous)| {
                    let before = modules.partition_point(|(p, _)| *p < mode);
                    let (p, module) = modules.get(before.checked_sub(1)?)?;
                    previous.is_none_or(|q| *p > q).then_some(module)
                })
                .map_or_else(String::new, |module| format!("{module}."));
            first.entry(format!("{module}{kind}.{name}")).or_insert(at);
        }
        AddressSpans {
            path: path.into(),
            first,
        }
    }

    /// The span of the address's key, or of the resource's `type` in a stored state (the
    /// start of the file when neither is written).
    fn span(&self, address: &str) -> Span {
        let base = base_of(address);
        let unqualified = &base[module_of(&base).len()..];
        let at = [address, base.as_str(), unqualified]
            .iter()
            .find_map(|key| self.first.get(*key))
            .copied()
            .unwrap_or(Position { line: 1, column: 1 });
        Span::at(&self.path, at)
    }
}

/// Every string value of a JSON key in the text, with the key's line and column, in order;
/// lines and columns are counted as the scan goes, so the whole text is read once.
fn key_values<'a>(text: &'a str, key: &str) -> impl Iterator<Item = (Position, String)> + 'a {
    let quoted = format!("\"{key}\"");
    let (mut cursor, mut line, mut column) = (0usize, 1u32, 1u32);
    let matches: Vec<(usize, usize)> = text
        .match_indices(quoted.as_str())
        .map(|(at, k)| (at, k.len()))
        .collect();
    matches.into_iter().filter_map(move |(at, length)| {
        for c in text[cursor..at].chars() {
            if c == '\n' {
                line = line.saturating_add(1);
                column = 1;
            } else {
                column = column.saturating_add(1);
            }
        }
        cursor = at;
        let value = text[at + length..]
            .trim_start()
            .strip_prefix(':')?
            .trim_start();
        let mut stream = serde_json::Deserializer::from_str(value).into_iter::<String>();
        match stream.next() {
            Some(Ok(found)) => Some((Position { line, column }, found)),
            _ => None,
        }
    })
}

/// The identifiers other resources use to name each resource (`id`, `arn`, `self_link`, a
/// managed identity's principal id, a name borne by one resource), when known.
fn identifiers(resources: &[&Json]) -> Identifiers {
    // Resources whose id or name is another resource's (an Azure association has its
    // subnet's id, an IAM member the name of what it grants on) or is a value, not a name
    // (`random_integer` ids are numbers), name nothing.
    let names_nothing = |kind: &str| {
        kind.contains("_association")
            || kind.contains("_iam_")
            || kind.ends_with("_network_rules")
            || ["random_", "null_", "time_", "tls_", "local_", "terraform_"]
                .iter()
                .any(|p| kind.starts_with(p))
    };
    let mut ids = BTreeMap::new();
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for resource in resources {
        let (Some(address), Some(kind)) = (
            resource.get("address").and_then(Json::as_str),
            resource.get("type").and_then(Json::as_str),
        ) else {
            continue;
        };
        if names_nothing(kind) {
            continue;
        }
        let values = resource.get("values");
        let text = |key: &str| values.and_then(|v| v.get(key)).and_then(Json::as_str);
        // Managed identities are named by their principal id (`azurerm_role_assignment`).
        let principals = values
            .and_then(|v| v.get("identity"))
            .map(|identity| match identity {
                Json::Array(items) => items.iter().collect::<Vec<_>>(),
                one => vec![one],
            })
            .unwrap_or_default()
            .into_iter()
            .filter_map(|i| i.get("principal_id").and_then(Json::as_str));
        for id in ["id", "arn", "self_link"]
            .iter()
            .filter_map(|k| text(k))
            .chain(principals)
        {
            if !id.is_empty() && id.parse::<f64>().is_err() {
                ids.entry(id.to_string())
                    .or_insert_with(|| address.to_string());
            }
        }
        if let Some(name) = text("name").filter(|n| !n.is_empty()) {
            names
                .entry(name.to_string())
                .or_default()
                .push(address.to_string());
        }
    }
    // A name links only when one resource bears it (`network_security_group_name = "web"`).
    let names = names
        .into_iter()
        .filter_map(|(name, owners)| match owners.as_slice() {
            [owner] => Some((name, owner.clone())),
            _ => None,
        })
        .collect();
    Identifiers { ids, names }
}

/// What names a resource in a plan or state: identifiers anywhere, names only in arguments
/// that take a name (`name`, `*_name`).
#[derive(Default)]
struct Identifiers {
    ids: BTreeMap<String, String>,
    names: BTreeMap<String, String>,
}

impl Identifiers {
    /// The resource a string in argument `key` names, other than `own`.
    fn named(&self, key: &str, text: &str, own: &str) -> Option<&String> {
        let by_name = || {
            (key == "name" || key.ends_with("_name"))
                .then(|| self.names.get(text))
                .flatten()
        };
        self.ids
            .get(text)
            .or_else(by_name)
            .filter(|address| address.as_str() != own)
    }
}

/// The plan's `configuration`: each resource's expressions, by module-relative address.
struct Configuration<'j> {
    /// `module.a.module.b.` + `aws_x.y` → its `expressions`.
    expressions: BTreeMap<String, &'j Json>,
}

impl<'j> Configuration<'j> {
    fn new(configuration: Option<&'j Json>) -> Configuration<'j> {
        let mut expressions = BTreeMap::new();
        if let Some(root) = configuration.and_then(|c| c.get("root_module")) {
            Self::walk(root, "", 0, &mut expressions);
        }
        Configuration { expressions }
    }

    fn walk(module: &'j Json, prefix: &str, depth: usize, out: &mut BTreeMap<String, &'j Json>) {
        if depth > MAX_DEPTH {
            return;
        }
        for resource in module
            .get("resources")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(address), Some(expressions)) = (
                resource.get("address").and_then(Json::as_str),
                resource.get("expressions"),
            ) {
                out.insert(format!("{prefix}{address}"), expressions);
            }
        }
        for (name, call) in module
            .get("module_calls")
            .and_then(Json::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(child) = call.get("module") {
                Self::walk(child, &format!("{prefix}module.{name}."), depth + 1, out);
            }
        }
    }

    /// The expressions of a resource instance (module instance keys dropped: every instance
    /// of a module shares its configuration).
    fn expressions(&self, address: &str) -> &'j Json {
        let mut key = String::new();
        for part in split_module_path(&base_of(address)) {
            key.push_str(&base_of(part));
            key.push('.');
        }
        key.pop();
        self.expressions.get(&key).copied().unwrap_or(&Json::Null)
    }
}

/// `module.a["x"].module.b.aws_x.y` → `["module.a[\"x\"]", "module.b", "aws_x.y"]`.
fn split_module_path(address: &str) -> Vec<&str> {
    let module = module_of(address);
    let mut parts = Vec::new();
    let mut rest = module.as_str();
    let mut offset = 0;
    while !rest.is_empty() {
        let after = &rest["module.".len()..];
        let name_end = after.find(['.', '[']).unwrap_or(after.len());
        let mut end = name_end;
        if after[name_end..].starts_with('[')
            && let Some(close) = after[name_end..].find(']')
        {
            end = name_end + close + 1;
        }
        let len = "module.".len() + end;
        parts.push(&address[offset..offset + len]);
        offset += len + 1;
        rest = &rest[(len + 1).min(rest.len())..];
    }
    parts.push(&address[offset.min(address.len())..]);
    parts
}

/// The expression of a field: its own, or, inside an argument whose expression is one whole
/// (`ingress = [...]` written as one expression), that argument's.
fn nested<'j>(expression: &'j Json, key: &str) -> &'j Json {
    match expression.get(key) {
        Some(own) => own,
        None => inherited(expression),
    }
}

/// An argument-level expression (one with `references`) applies to everything inside it.
fn inherited(expression: &Json) -> &Json {
    if expression.get("references").is_some() {
        expression
    } else {
        &Json::Null
    }
}

/// What converting one resource's values needs.
struct Context<'a> {
    own_address: &'a str,
    /// The module path of the resource (`module.a.`), for its configuration's references.
    module: String,
    ids: &'a Identifiers,
    depth: usize,
}

impl Context<'_> {
    /// Converts a value, with the sensitive and unknown markers and the configuration
    /// expression at the same place, and the source's value there for its span.
    fn value(
        &self,
        json: &Json,
        sensitive: &Json,
        unknown: &Json,
        expression: &Json,
        written: Option<&Value>,
        parent_span: &Span,
    ) -> Value {
        let span = written.map_or_else(|| parent_span.clone(), |w| w.span().clone());
        if sensitive == &Json::Bool(true) {
            // A secret string is set, whatever it says; a hidden flag or number is unknown.
            return match json {
                Json::String(_) => Value::String(SENSITIVE.to_string(), span),
                _ => Value::Unknown(span),
            };
        }
        if unknown == &Json::Bool(true) || self.depth > MAX_DEPTH {
            return self.references(expression, span);
        }
        let deeper = Context {
            own_address: self.own_address,
            module: self.module.clone(),
            ids: self.ids,
            depth: self.depth + 1,
        };
        match json {
            Json::Null => Value::Null(span),
            Json::Bool(b) => Value::Bool(*b, span),
            Json::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0), span),
            Json::String(s) => match self.ids.named("", s, self.own_address) {
                Some(address) => Value::Reference {
                    address: address.clone(),
                    attribute: String::new(),
                    span,
                },
                None => Value::String(s.clone(), span),
            },
            Json::Array(items) => {
                let written_items = match written {
                    Some(Value::List(items, _)) => items.as_slice(),
                    _ => &[],
                };
                let nested_expressions = expression.as_array();
                let values = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        deeper.value(
                            item,
                            sensitive.get(i).unwrap_or(&Json::Null),
                            unknown.get(i).unwrap_or(&Json::Null),
                            nested_expressions
                                .and_then(|e| e.get(i).or_else(|| e.first()))
                                .unwrap_or_else(|| inherited(expression)),
                            written_items
                                .get(i)
                                .or_else(|| written.filter(|w| matches!(w, Value::Object(..)))),
                            &span,
                        )
                    })
                    .collect();
                Value::List(values, span)
            }
            Json::Object(fields) => {
                // Providers store an argument nobody set as null, `""` or `[]`: absent, so
                // that the provider's default applies as it does for the source.
                let unset = |key: &String, field: &Json| {
                    let empty = match field {
                        Json::Null => true,
                        Json::String(text) => text.is_empty(),
                        Json::Array(items) => items.is_empty(),
                        _ => false,
                    };
                    empty && unknown.get(key) != Some(&Json::Bool(true))
                };
                let mut out: Vec<(String, Value)> = fields
                    .iter()
                    .filter(|(key, field)| !unset(key, field))
                    .map(|(key, field)| {
                        // Repeated blocks (`ingress { } ingress { }`) are one list here.
                        let written_field = written.and_then(|w| match w.all(key).as_slice() {
                            [] | [_] => w.get(key).cloned(),
                            several => Some(Value::List(
                                several.iter().map(|v| (*v).clone()).collect(),
                                w.span().clone(),
                            )),
                        });
                        let value = deeper.value(
                            field,
                            sensitive.get(key).unwrap_or(&Json::Null),
                            unknown.get(key).unwrap_or(&Json::Null),
                            nested(expression, key),
                            written_field.as_ref(),
                            &span,
                        );
                        // A name written where a name is taken links to what bears it.
                        let value = match value {
                            Value::String(text, at) => {
                                match self.ids.named(key, &text, self.own_address) {
                                    Some(address) => Value::Reference {
                                        address: address.clone(),
                                        attribute: String::new(),
                                        span: at,
                                    },
                                    None => Value::String(text, at),
                                }
                            }
                            other => other,
                        };
                        (key.clone(), value)
                    })
                    .collect();
                // Arguments not known until apply are absent from the planned values.
                for (key, marker) in unknown.as_object().into_iter().flatten() {
                    if marker == &Json::Bool(true) && !fields.contains_key(key) {
                        let written_span = written
                            .and_then(|w| w.get(key))
                            .map_or_else(|| span.clone(), |w| w.span().clone());
                        out.push((
                            key.clone(),
                            self.references(nested(expression, key), written_span),
                        ));
                    }
                }
                Value::Object(out, span)
            }
        }
    }

    /// An unknown value: references to the resources its expression names, or unknown.
    fn references(&self, expression: &Json, span: Span) -> Value {
        let mut addresses: Vec<String> = expression
            .get("references")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .filter_map(|reference| self.resource_of(reference))
            .collect();
        addresses.dedup();
        // `aws_subnet.a[0]` is listed with `aws_subnet.a`: keep the wider of each pair (the
        // base names every instance), never mistaking `nic.app` for a prefix of `nic.app2`.
        let covers = |wide: &str, narrow: &str| {
            narrow == wide
                || narrow
                    .strip_prefix(wide)
                    .is_some_and(|rest| rest.starts_with('['))
        };
        let mut kept: Vec<String> = Vec::new();
        for address in addresses {
            if !kept.iter().any(|k| covers(k, &address)) {
                kept.retain(|k| !covers(&address, k));
                kept.push(address);
            }
        }
        let mut references: Vec<Value> = kept
            .into_iter()
            .map(|address| Value::Reference {
                address,
                attribute: String::new(),
                span: span.clone(),
            })
            .collect();
        match references.len() {
            0 => Value::Unknown(span),
            1 => references.remove(0),
            _ => Value::List(references, span),
        }
    }

    /// The resource a configuration reference names, in the resource's module:
    /// `aws_security_group.web.id` → `module.a.aws_security_group.web`. Variables, locals,
    /// data sources and module outputs name no resource.
    fn resource_of(&self, reference: &str) -> Option<String> {
        let mut parts = reference.split('.');
        let kind = parts.next()?;
        let name = parts.next()?;
        if matches!(
            kind,
            "var" | "local" | "module" | "data" | "each" | "count" | "path" | "terraform" | "self"
        ) || !kind.contains('_')
        {
            return None;
        }
        // Keep an instance key written on the name (`aws_subnet.public[0]`).
        Some(format!("{}{kind}.{name}", self.module))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_module_path_and_base() {
        assert_eq!(base_of("module.a.aws_subnet.b[0]"), "module.a.aws_subnet.b");
        assert_eq!(base_of("aws_s3_bucket.logs[\"x.y\"]"), "aws_s3_bucket.logs");
        assert_eq!(
            module_of("module.a[\"k\"].module.b.aws_x.y"),
            "module.a[\"k\"].module.b."
        );
        assert_eq!(module_of("aws_x.y[1]"), "");
        assert_eq!(
            split_module_path("module.a[\"k\"].module.b.aws_x.y"),
            ["module.a[\"k\"]", "module.b", "aws_x.y"]
        );
    }

    #[test]
    fn odd_addresses_and_similar_names_are_kept_apart() {
        assert_eq!(module_of("module.a[0]\u{e9}x.y"), "");
        let context = Context {
            own_address: "azurerm_linux_virtual_machine.vm",
            module: String::new(),
            ids: &Identifiers::default(),
            depth: 0,
        };
        let expression = serde_json::json!({"references": [
            "azurerm_network_interface.app2.id", "azurerm_network_interface.app2",
            "azurerm_network_interface.app.id", "azurerm_network_interface.app",
            "aws_subnet.a[0]", "aws_subnet.a"]});
        let value = context.references(&expression, Span::lines("p.json", 1, 1));
        let mut named = crate::cloud::referenced(&value);
        named.sort();
        assert_eq!(
            named,
            [
                "aws_subnet.a",
                "azurerm_network_interface.app",
                "azurerm_network_interface.app2"
            ]
        );
    }

    /// A state links by identifiers, but not through an association that shares its subnet's
    /// id, nor through a random number that equals a port; unset strings are absent.
    #[test]
    fn state_identifiers_link_only_what_they_name() {
        let state = serde_json::json!({"format_version": "1.0", "terraform_version": "1.9.8",
        "values": {"root_module": {"resources": [
          {"address": "azurerm_subnet.app", "mode": "managed", "type": "azurerm_subnet", "name": "app",
           "values": {"id": "/subscriptions/s/subnets/app", "name": "app"}},
          {"address": "azurerm_subnet_network_security_group_association.app", "mode": "managed",
           "type": "azurerm_subnet_network_security_group_association", "name": "app",
           "values": {"id": "/subscriptions/s/subnets/app", "subnet_id": "/subscriptions/s/subnets/app",
                      "network_security_group_id": "/subscriptions/s/nsg/open"}},
          {"address": "random_integer.port", "mode": "managed", "type": "random_integer", "name": "port",
           "values": {"id": "22", "result": 22}},
          {"address": "azurerm_network_security_group.open", "mode": "managed",
           "type": "azurerm_network_security_group", "name": "open",
           "values": {"id": "/subscriptions/s/nsg/open", "name": "open", "security_rule": [
             {"direction": "Inbound", "access": "Allow", "protocol": "Tcp", "source_address_prefix": "*",
              "destination_port_range": "22", "destination_port_ranges": []}]}},
          {"address": "azurerm_network_interface.public", "mode": "managed",
           "type": "azurerm_network_interface", "name": "public",
           "values": {"id": "/subscriptions/s/nics/public", "name": "public", "ip_configuration": [
             {"subnet_id": "/subscriptions/s/subnets/app", "public_ip_address_id": "/subscriptions/s/ips/x"}]}},
          {"address": "azurerm_network_interface.private", "mode": "managed",
           "type": "azurerm_network_interface", "name": "private",
           "values": {"id": "/subscriptions/s/nics/private", "name": "private", "ip_configuration": [
             {"subnet_id": "/subscriptions/s/subnets/app", "public_ip_address_id": ""}]}},
          {"address": "azurerm_linux_virtual_machine.jump", "mode": "managed",
           "type": "azurerm_linux_virtual_machine", "name": "jump",
           "values": {"name": "jump", "network_interface_ids": ["/subscriptions/s/nics/public"], "identity": []}},
          {"address": "azurerm_linux_virtual_machine.worker", "mode": "managed",
           "type": "azurerm_linux_virtual_machine", "name": "worker",
           "values": {"name": "worker", "network_interface_ids": ["/subscriptions/s/nics/private"]}}
        ]}}});
        let mut diags = Vec::new();
        let resources = read_document("s.json", &state.to_string(), None, &[], &mut diags);
        let fragment = crate::cloud::model(resources, "");
        let doors: Vec<&str> = fragment.flows.iter().map(|f| f.id.0.as_str()).collect();
        assert_eq!(
            doors,
            ["external:internet -> tf:azurerm_linux_virtual_machine.jump (ssh/22)"]
        );
        let jump = fragment
            .elements
            .iter()
            .find(|e| e.id.0 == "tf:azurerm_linux_virtual_machine.jump")
            .unwrap();
        assert_eq!(jump.zone.0, "tf:azurerm_subnet.app");
        assert!(
            jump.attributes
                .get(trustmap_model::AttrName::ServiceAccountToken)
                .is_none()
        );
    }

    #[test]
    fn sniffing_needs_the_whole_shape() {
        assert_eq!(
            sniff(
                r#"{"format_version":"1.2","terraform_version":"1.9.0","planned_values":{"root_module":{}}}"#
            ),
            Some(DocumentKind::Plan)
        );
        assert_eq!(
            sniff(r#"{"format_version":"1.2","terraform_version":"1.9.0","resource_changes":[]}"#),
            Some(DocumentKind::Plan)
        );
        assert_eq!(
            sniff(r#"{"format_version":"1.0","terraform_version":"1.9.0","values":{}}"#),
            Some(DocumentKind::State)
        );
        assert_eq!(
            sniff(r#"{"version":4,"terraform_version":"1.9.0","lineage":"x","resources":[]}"#),
            Some(DocumentKind::State)
        );
        assert_eq!(sniff(r#"{"apiVersion":"v1","kind":"List"}"#), None);
        // Shaped like a plan only at first sight (a `renovate.json`).
        for wrong in [
            r#"{"format_version":"1.2","terraform_version":"1.9.8","planned_values":[]}"#,
            r#"{"format_version":"1.2","terraform_version":"1.9.8","planned_values":{}}"#,
            r#"{"format_version":1.2,"terraform_version":"1.9.8","values":{}}"#,
            r#"{"format_version":"1.2","terraform_version":"1.9.8","values":{"root_module":{"resources":{}}}}"#,
            r#"{"format_version":"1.2","terraform_version":"1.9.8","resource_changes":{}}"#,
            r#"{"version":99,"terraform_version":"1.9.0","lineage":"x","resources":[]}"#,
            r#"{"version":4,"terraform_version":"1.9.0","lineage":"x","resources":{}}"#,
            r#"{"format_version":"1.2","terraform_version":"1.9.8"}"#,
        ] {
            assert_eq!(sniff(wrong), None, "{wrong}");
            assert!(has_document_markers(wrong), "{wrong}");
        }
    }

    /// A file that says it is Terraform's but is shaped wrong is an error at the wrong key's
    /// line, not an empty model that passes.
    #[test]
    fn a_malformed_plan_or_state_is_an_error_at_its_line() {
        let cases = [
            (
                "{\n  \"format_version\": \"1.2\",\n  \"terraform_version\": \"1.9.8\",\n  \"planned_values\": []\n}",
                4,
            ),
            (
                "{\"version\": 4,\n\"terraform_version\": \"1\",\n\"lineage\": \"x\",\n\"resources\": 7}",
                4,
            ),
            (
                "{\n\"version\": 99,\n\"terraform_version\": \"1\", \"lineage\": \"x\", \"resources\": []}",
                2,
            ),
        ];
        for (text, line) in cases {
            let mut diags = Vec::new();
            assert!(read_document("p.json", text, None, &[], &mut diags).is_empty());
            assert_eq!(diags.len(), 1, "{text}");
            assert_eq!(diags[0].level, DiagnosticLevel::Error);
            assert_eq!(diags[0].span.start.line, line, "{text}");
        }
    }

    #[test]
    fn truncated_and_mutated_plans_never_panic() {
        let plan = include_str!("../../../fixtures/terraform/plan/plan.json");
        let state = include_str!("../../../fixtures/terraform/state/state.json");
        for text in [plan, state] {
            for cut in (0..text.len()).step_by(37) {
                let Some(prefix) = text.get(..cut) else {
                    continue;
                };
                let mut diags = Vec::new();
                read_document("p.json", prefix, None, &[], &mut diags);
                // A mutation that keeps the JSON valid but changes shapes.
                let mutated = prefix.replacen("\"values\": {", "\"values\": [{", 1);
                read_document(
                    "p.json",
                    &mutated,
                    Some(DocumentKind::State),
                    &[],
                    &mut diags,
                );
            }
        }
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let mut diags = Vec::new();
        assert!(read_document("p.json", &deep, None, &[], &mut diags).is_empty());
        assert_eq!(diags[0].level, DiagnosticLevel::Error);
    }

    #[test]
    fn bad_json_is_an_error_with_its_line() {
        let mut diags = Vec::new();
        let resources = read_document(
            "plan.json",
            "{\n  \"format_version\": ,\n}",
            None,
            &[],
            &mut diags,
        );
        assert!(resources.is_empty());
        assert_eq!(diags[0].span.start.line, 2);
        assert_eq!(diags[0].level, DiagnosticLevel::Error);
    }
}

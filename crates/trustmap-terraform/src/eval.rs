//! Static evaluation of a Terraform root module: variables (defaults, tfvars), locals (lazily,
//! cycles reported), expressions and functions, `count`/`for_each`/`dynamic` expansion, and
//! local modules followed recursively. What cannot be known without running Terraform (resource
//! attributes, data sources, remote modules) stays a reference or `Unknown`, never a guess.

use crate::budgets::{Budgets, weight};
use crate::functions::{self, Flow, has_unknown, opaque, respan, sorted};
use crate::hcl::{self, Attr, Block, Body, Expr, Item, Src};
use crate::value::{Passage, Resource, Value, Via};
use hcl_edit::Span as _;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator,
    UnaryOperator,
};
use hcl_edit::template::{Element, Template};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel, Limit, Limits, Span};

mod types;

/// One file of a module, as the scan read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerraformFile {
    /// The path relative to the scan root, `/`-separated.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// Arguments of a resource that are Terraform's, not the provider's.
const META_ATTRS: [&str; 4] = ["count", "for_each", "provider", "depends_on"];
/// Nested blocks of a resource that are Terraform's, not the provider's.
const META_BLOCKS: [&str; 3] = ["lifecycle", "provisioner", "connection"];
/// Arguments of a module block that are not inputs.
const MODULE_META: [&str; 6] = [
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Loads and evaluates one root module (all `.tf`/`.tf.json` files of one folder, plus
/// `terraform.tfvars`, `*.auto.tfvars` and any `var_files`), following LOCAL module sources
/// (`source = "./modules/x"`, read through `read`), never remote ones.
///
/// Resources come back sorted by address, diagnostics sorted and without duplicates. The
/// bounds are the default [`Limits`], for this module alone; a scan shares its budgets
/// through [`evaluate_module_within`].
pub fn evaluate_module(
    files: &[TerraformFile],
    var_files: &[TerraformFile],
    read: &dyn Fn(&str) -> Vec<TerraformFile>,
) -> (Vec<Resource>, Vec<Diagnostic>) {
    evaluate_module_within(files, var_files, read, &Budgets::new(&Limits::default()))
}

/// [`evaluate_module`], drawing from budgets shared with the other modules of the scan.
pub fn evaluate_module_within(
    files: &[TerraformFile],
    var_files: &[TerraformFile],
    read: &dyn Fn(&str) -> Vec<TerraformFile>,
    budgets: &Budgets,
) -> (Vec<Resource>, Vec<Diagnostic>) {
    evaluate_module_shared(files, var_files, read, budgets, &ParsedFolders::default())
}

/// [`evaluate_module_within`], with module folders parsed once for the whole scan.
pub(crate) fn evaluate_module_shared(
    files: &[TerraformFile],
    var_files: &[TerraformFile],
    read: &dyn Fn(&str) -> Vec<TerraformFile>,
    budgets: &Budgets,
    shared: &ParsedFolders,
) -> (Vec<Resource>, Vec<Diagnostic>) {
    let mut run = Run {
        read,
        shared,
        diags: Vec::new(),
        resources: Vec::new(),
        cache: HashMap::new(),
        depth: 0,
        budgets,
        reported: BTreeSet::new(),
        insts: vec![Inst::new(Arc::default(), String::new(), String::new())],
        stack: Vec::new(),
        cyclic: HashSet::new(),
        installed: None,
        read_via: Via::default(),
        passed: None,
        passages: None,
        kept: Vec::new(),
    };
    let dir = files
        .iter()
        .find(|f| is_config(&f.path))
        .map(|f| parent(&f.path))
        .unwrap_or_default();
    run.installed = files
        .iter()
        .find(|f| f.path == join_dir(&dir, crate::MODULES_JSON))
        .map(|f| run.installed_folders(&dir, f));
    let config: Vec<&TerraformFile> = files.iter().filter(|f| is_config(&f.path)).collect();
    // Terraform's order, each later file overriding: terraform.tfvars, terraform.tfvars.json,
    // then *.auto.tfvars and *.auto.tfvars.json by name, then -var-file files as given.
    let mut ordered: Vec<&TerraformFile> = files
        .iter()
        .filter(|f| is_tfvars(&f.path))
        .chain(var_files)
        .collect();
    ordered.sort_by_key(|f| var_file_rank(&dir, &f.path));
    let mut given = HashMap::new();
    for f in ordered {
        if let Some(body) = hcl::parse_file(&f.path, &f.text, &mut run.diags) {
            for attr in body.attrs() {
                let v = run.constant(attr);
                given.insert(attr.name.clone(), v);
            }
        }
    }
    let parsed = Arc::new(parse_module(&config, &mut run.diags));
    let mut root = Inst::new(parsed, dir.clone(), dir.clone());
    root.chain.push(dir);
    root.given = given;
    run.insts.push(root);
    run.run_module(run.insts.len() - 1);
    let mut resources = run.resources;
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let mut diags = run.diags;
    diags.sort();
    diags.dedup();
    (resources, diags)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn parent(path: &str) -> String {
    path.rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_default()
}

fn is_config(path: &str) -> bool {
    path.ends_with(".tf") || path.ends_with(".tf.json")
}

/// Where a variable file comes in Terraform's order (a stable sort keeps `-var-file` files
/// in the order given): the ones Terraform reads by itself from the root module's folder
/// first, by their rank and then name.
fn var_file_rank<'p>(dir: &str, path: &'p str) -> (u8, &'p str) {
    let name = file_name(path);
    if parent(path) != dir {
        return (3, "");
    }
    match name {
        "terraform.tfvars" => (0, ""),
        "terraform.tfvars.json" => (1, ""),
        _ if name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json") => (2, name),
        _ => (3, ""),
    }
}

fn is_tfvars(path: &str) -> bool {
    let name = file_name(path);
    name == "terraform.tfvars"
        || name == "terraform.tfvars.json"
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

/// An instance key as Terraform writes it in addresses: `[0]`, `["a"]`.
fn key_suffix(key: &Value) -> String {
    match key {
        Value::Number(n, _) => format!("[{}]", functions::fmt_number(*n)),
        Value::String(s, _) => format!("[{}]", serde_json::to_string(s).unwrap_or_default()),
        _ => String::new(),
    }
}

/// The blocks of one module folder that evaluation needs.
#[derive(Debug, Default)]
struct Parsed {
    variables: Vec<Block>,
    locals: BTreeMap<String, Attr>,
    resources: Vec<Block>,
    /// `provider "NAME"` blocks: their arguments may hold credentials written in the code.
    providers: Vec<Block>,
    modules: Vec<Block>,
    outputs: Vec<Block>,
    /// `data "aws_iam_policy_document"` blocks by name: the one data source whose value is
    /// known from the code alone (it renders its statements as policy JSON).
    policy_documents: BTreeMap<String, Block>,
}

fn parse_module(files: &[&TerraformFile], diags: &mut Vec<Diagnostic>) -> Parsed {
    let mut files = files.to_vec();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut parsed = Parsed::default();
    for f in files {
        let Some(body) = hcl::parse_file(&f.path, &f.text, diags) else {
            continue;
        };
        for item in body.items {
            let Item::Block(b) = item else { continue };
            match (b.kind.as_str(), b.labels.len()) {
                ("variable", 1) => parsed.variables.push(b),
                ("locals", _) => {
                    for item in b.body.items {
                        if let Item::Attr(a) = item {
                            parsed.locals.insert(a.name.clone(), a);
                        }
                    }
                }
                ("resource", 2) => parsed.resources.push(b),
                ("provider", 1) => parsed.providers.push(b),
                ("module", 1) => parsed.modules.push(b),
                ("output", 1) => parsed.outputs.push(b),
                ("data", 2) if b.labels[0] == POLICY_DOCUMENT => {
                    parsed.policy_documents.insert(b.labels[1].clone(), b);
                }
                _ => {}
            }
        }
    }
    parsed
}

/// The data source whose value the code alone decides.
const POLICY_DOCUMENT: &str = "aws_iam_policy_document";

/// The policy JSON an evaluated `aws_iam_policy_document` body renders: its `statement` blocks
/// (`sid`, `effect`, `actions`, `not_actions`, `resources`, `not_resources`, `principals`,
/// `not_principals`, `condition`) as IAM's statements. `None` when an action, principal or
/// effect is not known (a resource or condition value that is a reference or unknown is kept
/// as a placeholder: it narrows, never widens, what the statement grants). Documents it merges
/// (`source_policy_documents`, `override_policy_documents`) make it unknown.
fn policy_document_json(body: &Value) -> Option<String> {
    use serde_json::{Map, Value as Json};
    let Value::Object(fields, _) = body else {
        return None;
    };
    let field = |fields: &'_ [(String, Value)], key: &str| -> Vec<Value> {
        fields
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    };
    if fields.iter().any(|(k, v)| {
        matches!(
            k.as_str(),
            "source_policy_documents"
                | "override_policy_documents"
                | "source_json"
                | "override_json"
        ) && !matches!(v, Value::Null(_))
    }) {
        return None;
    }
    // A list of strings; `exact` refuses anything not known as text.
    let texts = |value: &Value, exact: bool| -> Option<Vec<Json>> {
        let items = match value {
            Value::List(items, _) => items.clone(),
            other => vec![other.clone()],
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(text, _) => Some(Json::String(text.clone())),
                opaque if !exact => Some(Json::String(functions::placeholder(opaque))),
                _ => None,
            })
            .collect()
    };
    let mut statements = Vec::new();
    for statement in field(fields, "statement") {
        let Value::Object(parts, _) = &statement else {
            return None;
        };
        let mut out = Map::new();
        if let Some(sid) = field(parts, "sid").first() {
            out.insert("Sid".into(), texts(sid, false)?.first()?.clone());
        }
        let effect = match field(parts, "effect").first() {
            Some(Value::String(e, _)) => e.clone(),
            Some(Value::Null(_)) | None => "Allow".into(),
            Some(_) => return None,
        };
        out.insert("Effect".into(), Json::String(effect));
        for (key, name, exact) in [
            ("actions", "Action", true),
            ("not_actions", "NotAction", true),
            ("resources", "Resource", false),
            ("not_resources", "NotResource", false),
        ] {
            if let Some(value) = field(parts, key)
                .first()
                .filter(|v| !matches!(v, Value::Null(_)))
            {
                out.insert(name.into(), Json::Array(texts(value, exact)?));
            }
        }
        for (key, name) in [
            ("principals", "Principal"),
            ("not_principals", "NotPrincipal"),
        ] {
            let mut principals = Map::new();
            for block in field(parts, key) {
                let Value::Object(principal, _) = &block else {
                    return None;
                };
                let Some(Value::String(kind, _)) = field(principal, "type").first().cloned() else {
                    return None;
                };
                let identifiers = texts(field(principal, "identifiers").first()?, true)?;
                if kind == "*" {
                    principals.insert("*".into(), Json::Array(identifiers));
                    continue;
                }
                match principals.entry(kind) {
                    serde_json::map::Entry::Occupied(mut e) => {
                        if let Json::Array(list) = e.get_mut() {
                            list.extend(identifiers);
                        }
                    }
                    serde_json::map::Entry::Vacant(e) => {
                        e.insert(Json::Array(identifiers));
                    }
                }
            }
            if principals.is_empty() {
                continue;
            }
            // `type = "*"` with `identifiers = ["*"]` renders as `"Principal": "*"`.
            let value = if principals.contains_key("*") {
                Json::String("*".into())
            } else {
                Json::Object(principals)
            };
            out.insert(name.into(), value);
        }
        let mut conditions: Map<String, Json> = Map::new();
        for block in field(parts, "condition") {
            let Value::Object(condition, _) = &block else {
                return None;
            };
            let test = texts(field(condition, "test").first()?, false)?
                .first()?
                .clone();
            let variable = texts(field(condition, "variable").first()?, false)?
                .first()?
                .clone();
            let values = texts(field(condition, "values").first()?, false)?;
            let (Json::String(test), Json::String(variable)) = (test, variable) else {
                return None;
            };
            let by_variable = conditions
                .entry(test)
                .or_insert_with(|| Json::Object(Map::new()));
            if let Json::Object(map) = by_variable {
                map.insert(variable, Json::Array(values));
            }
        }
        if !conditions.is_empty() {
            out.insert("Condition".into(), Json::Object(conditions));
        }
        statements.push(Json::Object(out));
    }
    let document = serde_json::json!({"Version": "2012-10-17", "Statement": statements});
    Some(document.to_string())
}

/// Why an expression has no value.
#[derive(Debug, Clone)]
enum Fail {
    /// Terraform would report an error (caught by `try` and `can`); the message helps debugging.
    Error(#[allow(dead_code)] String),
    /// A bound of this evaluator was reached (never caught by `try`).
    Limit,
}

type Ev = Result<Value, Fail>;

/// Converts a conversion's outcome: unknown makes the whole expression unknown.
macro_rules! known {
    ($e:expr, $span:expr) => {
        match $e {
            Ok(v) => v,
            Err(Flow::Unknown) => return Ok(Value::Unknown($span.clone())),
            Err(Flow::Fail(m)) => return Err(Fail::Error(m)),
        }
    };
}

/// A value being evaluated, or evaluated.
enum State<T> {
    Busy,
    Done(T),
}

/// The index of a module instance in [`Run::insts`].
type Id = usize;

/// The instance that stands for no module: constants (variable files, variable defaults)
/// evaluate in it, where every name is unknown.
const NO_MODULE: Id = 0;

/// A named value of a module instance. Each is evaluated once, on first use, wherever it is
/// used from: Terraform's graph is of values, not of modules, so two module instances that
/// feed each other through different values are no cycle; a value that needs itself is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Node {
    /// `var.NAME`: the caller's input, else the default.
    Var(String),
    /// `local.NAME`.
    Local(String),
    /// `output "NAME"`, read by the caller as `module.X.NAME`.
    Output(String),
    /// The instances of `module "NAME"` (its `count` or `for_each`).
    Call(String),
    /// `data.aws_iam_policy_document.NAME`: the policy JSON it renders.
    PolicyDocument(String),
}

/// Where the inputs of a module instance come from.
struct Caller {
    /// The calling instance.
    inst: Id,
    /// The module block, in the caller's [`Parsed::modules`].
    block: usize,
    /// `count` or `each` of this instance, in the caller.
    scope: Scope,
}

/// One instance of a module.
struct Inst {
    parsed: Arc<Parsed>,
    dir: String,
    root_dir: String,
    /// `""` at the root, `module.a["x"].` inside.
    prefix: String,
    /// The module path as `modules.json` keys it: `""` at the root, `a.b` inside.
    key: String,
    called_from: Option<Span>,
    depth: usize,
    /// The folders from the root module to this one (this one last), to stop at a cycle.
    chain: Vec<String>,
    /// `None` at the root, whose variables come from `given`.
    caller: Option<Caller>,
    /// The root module's variables from variable files.
    given: HashMap<String, Value>,
    /// Whether the module was installed by `terraform init` (its files are not the user's:
    /// a value its caller set keeps the caller's line).
    installed: bool,
    values: HashMap<Node, State<Value>>,
    /// The places each named value passed through since it was written (empty for a value
    /// computed or written where it is named).
    via: HashMap<Node, Via>,
    calls: HashMap<String, State<Rc<Call>>>,
}

impl Inst {
    fn new(parsed: Arc<Parsed>, dir: String, root_dir: String) -> Inst {
        Inst {
            parsed,
            dir,
            root_dir,
            prefix: String::new(),
            key: String::new(),
            called_from: None,
            depth: 0,
            chain: Vec::new(),
            caller: None,
            given: HashMap::new(),
            installed: false,
            values: HashMap::new(),
            via: HashMap::new(),
            calls: HashMap::new(),
        }
    }
}

/// How the instances of a module call are read as a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// No `count` or `for_each`: the outputs of its one instance.
    Single,
    /// `count`: a list of the instances' outputs.
    Count,
    /// `for_each`: an object of them, by key.
    ForEach,
    /// An expansion that is not known: one instance is modelled, the value is unknown.
    Unknown,
}

/// The instances of one module call; no shape when the call is not evaluated (a remote
/// source, a missing folder, a cycle of folders, a bound): its value is unknown.
struct Call {
    shape: Option<Shape>,
    /// Each instance's key (`None` for a single or unknown expansion) and instance.
    instances: Vec<(Option<Value>, Id)>,
    span: Span,
}

/// Variables in scope: `for` variables, `each`, `count`, dynamic block iterators.
type Scope = Vec<(String, Value)>;

/// How a block expands.
enum Expansion {
    /// No `count` or `for_each`.
    Single,
    /// `count` or `for_each` with known keys: (instance key, bindings).
    Keyed(Vec<(Value, Scope)>),
    /// `count` or `for_each` that is not known, or more instances than the budget holds:
    /// one instance at the base address.
    Unknown(Scope),
    /// Not even one instance fits in the budget: the block is not modelled.
    Refused,
}

/// A module folder as parsed, with the diagnostics its parse gave (`None`: no Terraform files).
type ParsedFolder = (Option<Arc<Parsed>>, Arc<Vec<Diagnostic>>);

/// Module folders parsed once for a whole scan and shared by every root module (and thread)
/// that calls them; each root that calls a folder reports what its parse found, as if it had
/// parsed it itself.
#[derive(Default)]
pub(crate) struct ParsedFolders {
    folders: Mutex<HashMap<String, ParsedFolder>>,
}

impl ParsedFolders {
    /// The folder as parsed, parsing it (outside the lock) the first time it is asked for.
    fn get_or_parse(&self, dir: &str, read: &dyn Fn(&str) -> Vec<TerraformFile>) -> ParsedFolder {
        let lock = || self.folders.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = lock().get(dir) {
            return found.clone();
        }
        let files = read(dir);
        let config: Vec<&TerraformFile> = files.iter().filter(|f| is_config(&f.path)).collect();
        let mut diagnostics = Vec::new();
        let parsed =
            (!config.is_empty()).then(|| Arc::new(parse_module(&config, &mut diagnostics)));
        lock()
            .entry(dir.to_string())
            .or_insert((parsed, Arc::new(diagnostics)))
            .clone()
    }
}

struct Run<'r> {
    read: &'r dyn Fn(&str) -> Vec<TerraformFile>,
    /// Module folders parsed for the whole scan.
    shared: &'r ParsedFolders,
    diags: Vec<Diagnostic>,
    resources: Vec<Resource>,
    cache: HashMap<String, Option<Arc<Parsed>>>,
    depth: usize,
    budgets: &'r Budgets,
    /// The limits already reported for this root module (each is reported once).
    reported: BTreeSet<Limit>,
    /// Every module instance of the root module; [`NO_MODULE`] first.
    insts: Vec<Inst>,
    /// The named values being evaluated, innermost last, to name a cycle.
    stack: Vec<(Id, Node)>,
    /// The values found in a cycle: unknown.
    cyclic: HashSet<(Id, Node)>,
    /// The folders `terraform init` installed modules to, by module key (`vpc`,
    /// `vpc.subnets`), relative to the scan root; `None` without a `modules.json`.
    installed: Option<BTreeMap<String, String>>,
    /// The places the named value read last passed through.
    read_via: Via,
    /// The value the reference evaluated last passed on unchanged: its span (where it was
    /// written) and the places it passed through, the reference last.
    passed: Option<(Span, Via)>,
    /// While an argument of a resource is evaluated: the values written elsewhere that its
    /// references passed on (some of which an operator or a function may then change).
    passages: Option<Vec<Passage>>,
    /// The passages of the resource being evaluated whose values its arguments hold
    /// unchanged, for [`Resource::passed`].
    kept: Vec<Passage>,
}

impl Run<'_> {
    fn diag(&mut self, level: DiagnosticLevel, code: Code, span: &Span, message: String) {
        self.diags
            .push(Diagnostic::new(level, code, span.clone(), message));
    }

    /// Reports a limit that was hit (once per limit for the root module).
    fn hit(&mut self, limit: Limit, span: &Span, what_was_cut: &str) {
        if self.reported.insert(limit) {
            let diagnostic = self
                .budgets
                .of(limit)
                .diagnostic(span.clone(), what_was_cut);
            self.diags.push(diagnostic);
        }
    }
    /// A value over the value-size limit: not built, unknown, and the limit said once.
    fn too_large(&mut self, span: &Span) -> Ev {
        self.hit(
            Limit::ValueSize,
            span,
            "a value larger than the limit was not built (it is unknown)",
        );
        Ok(Value::Unknown(span.clone()))
    }

    /// The value, if it is within the size limit; unknown (and the limit reported) if not.
    /// Its size is taken from the scan's evaluation steps too, so that copying large values
    /// again and again is bounded as well as building them.
    fn bounded(&mut self, value: Value, span: &Span) -> Ev {
        let max = self.budgets.max_value();
        let size = weight(&value, max);
        if size > max {
            return self.too_large(span);
        }
        if size > 1 && !self.budgets.steps.take(size - 1) {
            self.hit(
                Limit::EvalSteps,
                span,
                "expressions past the limit were not evaluated (they are unknown)",
            );
            return Err(Fail::Limit);
        }
        Ok(value)
    }

    /// Takes `count` instances of `what` from the scan's budget: all of them, else one (an
    /// instance that stands for them all, at the base address), else none.
    fn instances(&mut self, count: u64, span: &Span, what: &str) -> Option<bool> {
        if self.budgets.instances.take(count) {
            return Some(true);
        }
        self.hit(
            Limit::Instances,
            span,
            &format!("{what} was not expanded into its instances (modelled as one, or not at all)"),
        );
        self.budgets.instances.take(1).then_some(false)
    }

    /// A value that may not refer to anything (tfvars, variable defaults).
    fn constant(&mut self, attr: &Attr) -> Value {
        self.attr(NO_MODULE, &mut Vec::new(), attr)
    }

    /// An attribute's value, with the attribute's span; errors become unknown. A value that a
    /// reference passes on unchanged (`public = var.public`) keeps the span where it was
    /// written: that is the line whose change changes it ([`Run::traced_attr`]).
    fn attr(&mut self, m: Id, scope: &mut Scope, a: &Attr) -> Value {
        self.traced_attr(m, scope, a).0
    }

    /// [`Run::attr`], with the places its value passed through when a reference passed it on
    /// unchanged (this attribute last); none when it is written or computed here.
    fn traced_attr(&mut self, m: Id, scope: &mut Scope, a: &Attr) -> (Value, Via) {
        self.passed = None;
        let v = match &a.expr {
            Expr::Hcl(e) => self.eval(m, scope, &a.src, e),
            Expr::Json(j) => self.json(m, scope, &a.src, j),
            Expr::JsonLiteral(j) => Ok(functions::from_json(j, &a.span)),
        };
        let v = v.unwrap_or_else(|_| Value::Unknown(a.span.clone()));
        match self.passed.take() {
            Some((origin, via)) if keeps_origin(&v) && *v.span() == origin => {
                (v, via.then(a.span.clone()))
            }
            _ => (self.place(m, v, &a.span), Via::default()),
        }
    }

    /// A value read at `span`, with that span; in a module that `terraform init` installed,
    /// a value that comes from outside its folder (its caller set it) keeps its span. (A known
    /// value that a reference passes on keeps its span anywhere, see [`keeps_origin`]; this
    /// places the rest: unknown and null values, which nothing wrote.)
    fn place(&self, m: Id, v: Value, span: &Span) -> Value {
        let inst = &self.insts[m];
        if inst.installed && !within_dir(&v.span().file, &inst.dir) {
            return v;
        }
        respan(v, span)
    }

    /// A named value of an instance, evaluated once: a value found while it is being
    /// evaluated closes a cycle, and every value of the cycle is unknown. `compute` gives the
    /// value and the places it passed through, which [`Run::read_via`] holds after.
    fn memo(
        &mut self,
        m: Id,
        node: Node,
        span: &Span,
        compute: impl FnOnce(&mut Self) -> (Value, Via),
    ) -> Value {
        if let Some(v) = self.done(m, &node) {
            return v;
        }
        self.read_via = Via::default();
        if let Some(State::Busy) = self.insts[m].values.get(&node) {
            self.cycle(m, &node, span);
            return Value::Unknown(span.clone());
        }
        self.insts[m].values.insert(node.clone(), State::Busy);
        self.stack.push((m, node.clone()));
        // A named value is no argument of the resource being evaluated: what it uses is not
        // that resource's.
        let passages = self.passages.take();
        let (v, via) = compute(self);
        self.passages = passages;
        self.stack.pop();
        let key = (m, node);
        let (v, via) = if self.cyclic.contains(&key) {
            (Value::Unknown(v.span().clone()), Via::default())
        } else {
            (v, via)
        };
        self.insts[m]
            .values
            .insert(key.1.clone(), State::Done(v.clone()));
        self.insts[m].via.insert(key.1, via.clone());
        self.read_via = via;
        v
    }

    /// A named value already evaluated, with the places it passed through in
    /// [`Run::read_via`].
    fn done(&mut self, m: Id, node: &Node) -> Option<Value> {
        let Some(State::Done(v)) = self.insts[m].values.get(node) else {
            return None;
        };
        let v = v.clone();
        self.read_via = self.insts[m].via.get(node).cloned().unwrap_or_default();
        Some(v)
    }

    /// How a named value is called in messages: `local.a`, `module.net.var.cidr` (module
    /// paths without instance keys, which may be values of sensitive variables).
    fn value_name(&self, m: Id, node: &Node) -> String {
        let prefix = without_instance_keys(&self.insts[m].prefix);
        match node {
            Node::Var(n) => format!("{prefix}var.{n}"),
            Node::Local(n) => format!("{prefix}local.{n}"),
            Node::Output(n) => format!("{prefix}output.{n}"),
            Node::Call(n) => format!("{prefix}module.{n} (its count or for_each)"),
            Node::PolicyDocument(n) => format!("{prefix}data.aws_iam_policy_document.{n}"),
        }
    }

    /// `node` of `m` was needed while it was being evaluated: the values from its first
    /// evaluation on form a cycle. They become unknown, and a cycle is reported once.
    fn cycle(&mut self, m: Id, node: &Node, span: &Span) {
        let start = self
            .stack
            .iter()
            .position(|(i, n)| *i == m && n == node)
            .unwrap_or(0);
        let members: Vec<(Id, Node)> = self.stack[start..].to_vec();
        let new = members.iter().any(|x| !self.cyclic.contains(x));
        self.cyclic.extend(members.iter().cloned());
        if !new {
            return;
        }
        let path = members
            .iter()
            .chain(std::iter::once(&(m, node.clone())))
            .map(|(i, n)| self.value_name(*i, n))
            .collect::<Vec<_>>()
            .join(" -> ");
        let only_locals = members
            .iter()
            .all(|(i, n)| *i == m && matches!(n, Node::Local(_)));
        if only_locals && let Node::Local(name) = node {
            let at = self.insts[m]
                .parsed
                .locals
                .get(name)
                .map_or_else(|| span.clone(), |a| a.span.clone());
            self.diag(
                DiagnosticLevel::Warning,
                Code::TerraformLocalsCycle,
                &at,
                format!("locals refer to each other in a cycle ({path}): their values are unknown"),
            );
            return;
        }
        self.diag(
            DiagnosticLevel::Warning,
            Code::TerraformValueCycle,
            span,
            format!(
                "values refer to each other in a cycle ({path}), which Terraform refuses: \
                 their values are unknown"
            ),
        );
    }

    /// `var.NAME` of an instance: the input its caller set, else the default (a variable
    /// file's value at the root); a sensitive one redacted.
    fn var(&mut self, m: Id, name: &str, span: &Span) -> Ev {
        if let Some(v) = self.done(m, &Node::Var(name.to_string())) {
            return Ok(v);
        }
        let parsed = self.insts[m].parsed.clone();
        let Some(block) = parsed.variables.iter().find(|b| b.labels[0] == name) else {
            return Err(Fail::Error(format!("no variable {name}")));
        };
        Ok(self.memo(m, Node::Var(name.to_string()), span, |run| {
            run.bind_variable(m, block)
        }))
    }

    /// The value of a variable of an instance, and the places it passed through when its
    /// caller passed it on from elsewhere.
    fn bind_variable(&mut self, m: Id, block: &Block) -> (Value, Via) {
        let name = &block.labels[0];
        let given = match &self.insts[m].caller {
            Some(caller) => {
                let (inst, mut scope) = (caller.inst, caller.scope.clone());
                let parsed = self.insts[inst].parsed.clone();
                parsed.modules[caller.block]
                    .body
                    .attr(name)
                    .filter(|a| !MODULE_META.contains(&a.name.as_str()))
                    .map(|a| self.traced_attr(inst, &mut scope, a))
            }
            None => self.insts[m]
                .given
                .remove(name)
                .map(|v| (v, Via::default())),
        };
        let (value, via) = match (given, block.body.attr("default")) {
            (Some(given), _) => given,
            (None, Some(default)) => (self.constant(default), Via::default()),
            (None, None) => {
                self.diag(
                    DiagnosticLevel::Note,
                    Code::TerraformUnsetVariable,
                    &block.span,
                    format!(
                        "variable \"{name}\" has no default and no value (tfvars or module \
                         input): it is treated as unknown"
                    ),
                );
                (Value::Unknown(block.span.clone()), Via::default())
            }
        };
        // `optional(type, default)` attributes the value leaves out take their defaults.
        let value = match block.body.attr("type") {
            Some(ty) => self.with_type_defaults(value, ty),
            None => value,
        };
        // A sensitive variable's value never reaches the model, nor any message.
        let sensitive = block
            .body
            .attr("sensitive")
            .is_some_and(|a| self.constant(a).as_bool() == Some(true));
        if sensitive {
            (redact(value), via)
        } else {
            (value, via)
        }
    }

    /// Evaluates everything of an instance: its variables and locals (so that what is wrong
    /// with them is always said), its resources, its module calls (each instance once), and
    /// the outputs of a called module.
    fn run_module(&mut self, m: Id) {
        let parsed = self.insts[m].parsed.clone();
        for block in &parsed.variables {
            let _ = self.var(m, &block.labels[0], &block.span);
        }
        for (name, attr) in &parsed.locals {
            let _ = self.local(m, name, &attr.span);
        }
        for block in &parsed.resources {
            self.resource(m, block);
        }
        for block in &parsed.providers {
            self.provider(m, block);
        }
        for block in &parsed.modules {
            let call = self.module_call(m, &block.labels[0], &block.span);
            for (_, child) in &call.instances {
                self.run_module(*child);
            }
        }
        if self.insts[m].caller.is_some() {
            for block in &parsed.outputs {
                let _ = self.output(m, &block.labels[0], &block.span);
            }
        }
    }

    /// `output "NAME"` of an instance.
    fn output(&mut self, m: Id, name: &str, span: &Span) -> Ev {
        if let Some(v) = self.done(m, &Node::Output(name.to_string())) {
            return Ok(v);
        }
        let parsed = self.insts[m].parsed.clone();
        let Some(block) = parsed.outputs.iter().find(|b| b.labels[0] == name) else {
            return Err(Fail::Error(format!("no output {name}")));
        };
        Ok(self.memo(m, Node::Output(name.to_string()), span, |run| {
            match block.body.attr("value") {
                Some(a) => run.traced_attr(m, &mut Vec::new(), a),
                None => (Value::Null(block.span.clone()), Via::default()),
            }
        }))
    }

    /// Every output of an instance, as the object `module.NAME` is.
    fn outputs(&mut self, m: Id, span: &Span) -> Value {
        let parsed = self.insts[m].parsed.clone();
        let mut fields = Vec::new();
        for block in &parsed.outputs {
            let name = &block.labels[0];
            let v = self
                .output(m, name, &block.span)
                .unwrap_or_else(|_| Value::Unknown(block.span.clone()));
            fields.push((name.clone(), v));
        }
        Value::Object(fields, span.clone())
    }

    /// Expands `count` / `for_each` of a resource or module block.
    fn expansion(&mut self, m: Id, block: &Block, what: &str) -> Expansion {
        let body = &block.body;
        let unknown_note = |run: &mut Self, a: &Attr| {
            run.diag(
                DiagnosticLevel::Note,
                Code::TerraformUnknownCount,
                &a.span,
                format!(
                    "the {} of {what} is not known statically: it is modelled as one instance",
                    a.name
                ),
            );
        };
        if let Some(a) = body.attr("count") {
            let v = self.attr(m, &mut Vec::new(), a);
            let n = match functions::num(&v) {
                // `1e400` is a number too: infinitely many instances, refused by the limit.
                Ok(n) if n >= 0.0 && (n.fract() == 0.0 || n.is_infinite()) => n,
                _ => {
                    unknown_note(self, a);
                    return self.one_instance(&a.span, what, unknown_count(&a.span));
                }
            };
            // Saturates at u64::MAX, which no budget holds.
            let n = n as u64;
            match self.instances(n, &a.span, what) {
                Some(true) => {}
                Some(false) => return Expansion::Unknown(unknown_count(&a.span)),
                None => return Expansion::Refused,
            }
            let keys = (0..n)
                .map(|i| {
                    let idx = Value::Number(i as f64, a.span.clone());
                    let count = Value::Object(vec![("index".into(), idx.clone())], a.span.clone());
                    (idx, vec![("count".to_string(), count)])
                })
                .collect();
            return Expansion::Keyed(keys);
        }
        if let Some(a) = body.attr("for_each") {
            let v = self.attr(m, &mut Vec::new(), a);
            let pairs = match for_each_pairs(&v) {
                Ok(pairs) => pairs,
                Err(_) => {
                    unknown_note(self, a);
                    return self.one_instance(&a.span, what, unknown_each(&a.span));
                }
            };
            match self.instances(pairs.len() as u64, &a.span, what) {
                Some(true) => {}
                Some(false) => return Expansion::Unknown(unknown_each(&a.span)),
                None => return Expansion::Refused,
            }
            let keys = pairs
                .into_iter()
                .map(|(k, v)| {
                    let key = Value::String(k, a.span.clone());
                    let each = Value::Object(
                        vec![("key".into(), key.clone()), ("value".into(), v)],
                        a.span.clone(),
                    );
                    (key, vec![("each".to_string(), each)])
                })
                .collect();
            return Expansion::Keyed(keys);
        }
        match self.instances(1, &block.span, what) {
            Some(true) => Expansion::Single,
            _ => Expansion::Refused,
        }
    }

    /// One instance that stands for an unknown number of them, if the budget holds one.
    fn one_instance(&mut self, span: &Span, what: &str, scope: Scope) -> Expansion {
        match self.instances(1, span, what) {
            Some(true) => Expansion::Unknown(scope),
            _ => Expansion::Refused,
        }
    }

    fn resource(&mut self, m: Id, block: &Block) {
        let (kind, name) = (&block.labels[0], &block.labels[1]);
        let base = format!("{}{kind}.{name}", self.insts[m].prefix);
        // Named with the module path but not its instance keys, which may be values of
        // (sensitive) variables.
        let shown = format!(
            "{}{kind}.{name}",
            without_instance_keys(&self.insts[m].prefix)
        );
        let instances = match self.expansion(m, block, &shown) {
            Expansion::Refused => return,
            Expansion::Single => vec![(String::new(), Vec::new())],
            Expansion::Unknown(scope) => vec![(String::new(), scope)],
            Expansion::Keyed(keys) => keys
                .into_iter()
                .map(|(k, scope)| (key_suffix(&k), scope))
                .collect(),
        };
        for (suffix, mut scope) in instances {
            let outer = self.passages.replace(Vec::new());
            let body = self.body(m, &mut scope, &block.body, &block.span, true);
            self.passages = outer;
            let passed = std::mem::take(&mut self.kept);
            self.resources.push(Resource {
                address: format!("{base}{suffix}"),
                base_address: base.clone(),
                kind: kind.clone(),
                span: block.span.clone(),
                body,
                called_from: self.insts[m].called_from.clone(),
                passed,
            });
        }
    }

    /// `provider "NAME"`: one configuration (per `alias`), kept as a resource of the kind
    /// [`crate::value::PROVIDER_CONFIGURATION`]`.NAME` at `provider.NAME[.ALIAS]`, so that
    /// credentials written in it are read as any resource's are. A provider block has no
    /// `count` or `for_each`: it is evaluated once.
    fn provider(&mut self, m: Id, block: &Block) {
        let name = &block.labels[0];
        let outer = self.passages.replace(Vec::new());
        let body = self.body(m, &mut Scope::new(), &block.body, &block.span, true);
        self.passages = outer;
        let passed = std::mem::take(&mut self.kept);
        let alias = body
            .get("alias")
            .and_then(Value::as_str)
            .map_or_else(String::new, |a| format!(".{a}"));
        let base = format!("{}provider.{name}", self.insts[m].prefix);
        self.resources.push(Resource {
            address: format!("{base}{alias}"),
            base_address: base,
            kind: format!("{}.{name}", crate::value::PROVIDER_CONFIGURATION),
            span: block.span.clone(),
            body,
            called_from: self.insts[m].called_from.clone(),
            passed,
        });
    }

    /// A block body as an object: attributes, then nested blocks under their type (repeated).
    fn body(&mut self, m: Id, scope: &mut Scope, body: &Body, span: &Span, top: bool) -> Value {
        let mut fields = Vec::new();
        for item in &body.items {
            match item {
                Item::Attr(a) => {
                    if top && META_ATTRS.contains(&a.name.as_str()) {
                        continue;
                    }
                    if let Some(passages) = &mut self.passages {
                        passages.clear();
                    }
                    let v = self.attr(m, scope, a);
                    self.keep_passages(&v);
                    fields.push((a.name.clone(), v));
                }
                Item::Block(b) if b.kind == "dynamic" => self.dynamic(m, scope, b, &mut fields),
                Item::Block(b) => {
                    if top && META_BLOCKS.contains(&b.kind.as_str()) {
                        continue;
                    }
                    let v = self.body(m, scope, &b.body, &b.span, false);
                    fields.push((b.kind.clone(), v));
                }
            }
        }
        Value::Object(fields, span.clone())
    }

    /// `dynamic "x" { for_each = ...; iterator = it; content { ... } }`: one `x` per element;
    /// an unknown collection gives one `x` that is `Unknown` (there may be any number).
    fn dynamic(&mut self, m: Id, scope: &mut Scope, b: &Block, fields: &mut Vec<(String, Value)>) {
        let Some(label) = b.labels.first() else {
            return;
        };
        let iterator = b
            .body
            .attr("iterator")
            .and_then(|a| match &a.expr {
                Expr::Hcl(Expression::Variable(v)) => Some(v.as_str().to_string()),
                Expr::Json(serde_json::Value::String(s)) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_else(|| label.clone());
        let Some(content) = b.body.blocks().find(|c| c.kind == "content") else {
            return;
        };
        let collection = match b.body.attr("for_each") {
            Some(a) => self.attr(m, scope, a),
            None => Value::Unknown(b.span.clone()),
        };
        let pairs: Vec<(Value, Value)> = match (&collection, entries(&collection)) {
            (Value::Null(_), _) => Vec::new(),
            (_, Some(pairs)) => pairs,
            (_, None) => {
                fields.push((label.clone(), Value::Unknown(collection.span().clone())));
                return;
            }
        };
        let what = format!("the dynamic block \"{label}\"");
        if self.instances(pairs.len() as u64, &b.span, &what) != Some(true) {
            fields.push((label.clone(), Value::Unknown(collection.span().clone())));
            return;
        }
        for (k, v) in pairs {
            let it = Value::Object(
                vec![("key".into(), k), ("value".into(), v)],
                content.span.clone(),
            );
            scope.push((iterator.clone(), it));
            let v = self.body(m, scope, &content.body, &content.span, false);
            scope.pop();
            fields.push((label.clone(), v));
        }
    }

    /// The instances of `module "NAME"` of an instance, made once, on first use (their
    /// values are evaluated when asked for).
    fn module_call(&mut self, m: Id, name: &str, span: &Span) -> Rc<Call> {
        let none = |span: &Span| {
            Rc::new(Call {
                shape: None,
                instances: Vec::new(),
                span: span.clone(),
            })
        };
        match self.insts[m].calls.get(name) {
            Some(State::Done(call)) => return call.clone(),
            Some(State::Busy) => {
                self.cycle(m, &Node::Call(name.to_string()), span);
                return none(span);
            }
            None => {}
        }
        let parsed = self.insts[m].parsed.clone();
        let Some(index) = parsed.modules.iter().position(|b| b.labels[0] == name) else {
            return none(span);
        };
        let node = Node::Call(name.to_string());
        self.insts[m].calls.insert(name.to_string(), State::Busy);
        self.stack.push((m, node.clone()));
        let call = self.instantiate(m, index);
        self.stack.pop();
        // A call whose expansion needs itself: its instances stand for an unknown number.
        let call = match call.shape {
            Some(_) if self.cyclic.contains(&(m, node)) => Rc::new(Call {
                shape: Some(Shape::Unknown),
                instances: call.instances.clone(),
                span: call.span.clone(),
            }),
            _ => call,
        };
        self.insts[m]
            .calls
            .insert(name.to_string(), State::Done(call.clone()));
        call
    }

    /// The value of `module.NAME...`: with an output named (`module.a.x`, `module.a[0].x`,
    /// `module.a["k"].x`), that output alone, so that what it does not need is not evaluated;
    /// else every output (a list of them for `count`, an object keyed like `for_each`).
    /// Returns the value and the operators not yet applied.
    fn module_ref<'o>(
        &mut self,
        m: Id,
        scope: &mut Scope,
        src: &Src,
        name: &str,
        ops: &'o [&'o TraversalOperator],
        span: &Span,
    ) -> Result<(Value, &'o [&'o TraversalOperator]), Fail> {
        let call = self.module_call(m, name, span);
        let Some(shape) = call.shape else {
            return Ok((Value::Unknown(span.clone()), &[]));
        };
        let (inst, rest) = match (shape, ops.first()) {
            (Shape::Unknown, _) => return Ok((Value::Unknown(span.clone()), &[])),
            (Shape::Single, _) => (call.instances.first().map(|(_, id)| *id), ops),
            (Shape::Count | Shape::ForEach, Some(op)) => {
                let key = match op {
                    TraversalOperator::Index(e) => Some(self.eval(m, scope, src, e)?),
                    TraversalOperator::LegacyIndex(n) => {
                        Some(Value::Number(*n.value() as f64, span.clone()))
                    }
                    _ => None,
                };
                match key {
                    Some(k) if opaque(&k) => return Ok((Value::Unknown(span.clone()), &[])),
                    Some(k) => {
                        let wanted = key_suffix(&k);
                        let found = call
                            .instances
                            .iter()
                            .find(|(key, _)| key.as_ref().map(key_suffix) == Some(wanted.clone()));
                        match found {
                            Some((_, id)) => (Some(*id), &ops[1..]),
                            None => (None, ops),
                        }
                    }
                    None => (None, ops),
                }
            }
            (Shape::Count | Shape::ForEach, None) => (None, ops),
        };
        if let Some(id) = inst {
            if let Some(TraversalOperator::GetAttr(output)) = rest.first() {
                return Ok((self.output(id, output.as_str(), span)?, &rest[1..]));
            }
            let outputs = self.outputs(id, &call.span);
            // Every output at once is a value of the call, passed on from nowhere.
            self.read_via = Via::default();
            return Ok((outputs, rest));
        }
        let mut items = Vec::new();
        for (key, id) in &call.instances {
            items.push((key.clone(), self.outputs(*id, &call.span)));
        }
        self.read_via = Via::default();
        let whole = if shape == Shape::Count {
            Value::List(
                items.into_iter().map(|(_, o)| o).collect(),
                call.span.clone(),
            )
        } else {
            let fields = items
                .into_iter()
                .map(|(k, o)| {
                    let key = k.and_then(|k| k.as_str().map(String::from));
                    (key.unwrap_or_default(), o)
                })
                .collect();
            Value::Object(fields, call.span.clone())
        };
        Ok((whole, ops))
    }

    /// Makes the instances of the module block `index` of `m`: checks its source, expands
    /// its `count` or `for_each`, and binds each instance to its caller.
    fn instantiate(&mut self, m: Id, index: usize) -> Rc<Call> {
        let parsed = self.insts[m].parsed.clone();
        let block = &parsed.modules[index];
        let name = &block.labels[0];
        let unknown = Rc::new(Call {
            shape: None,
            instances: Vec::new(),
            span: block.span.clone(),
        });
        let Some((dir, installed)) = self.module_folder(m, block) else {
            return unknown;
        };
        let inst = &self.insts[m];
        if inst.chain.contains(&dir) {
            let folder = |d: &String| {
                if d.is_empty() {
                    ".".to_string()
                } else {
                    d.clone()
                }
            };
            let path = inst
                .chain
                .iter()
                .chain(std::iter::once(&dir))
                .map(|d| format!("\"{}\"", folder(d)))
                .collect::<Vec<_>>()
                .join(" -> ");
            self.diag(
                DiagnosticLevel::Error,
                Code::TerraformModuleCycle,
                &block.span,
                format!(
                    "module \"{name}\" calls a folder it is itself called from (a cycle of \
                     modules: {path}): that folder is not evaluated again, its resources are \
                     modelled once, where the cycle starts"
                ),
            );
            return unknown;
        }
        if inst.depth as u64 >= self.budgets.module_depth.max() {
            self.hit(
                Limit::ModuleDepth,
                &block.span,
                &format!("module \"{name}\" was not evaluated (nested too deep)"),
            );
            return unknown;
        }
        let Some(child_parsed) = self.load(&dir) else {
            self.diag(
                DiagnosticLevel::Warning,
                Code::TerraformModuleMissing,
                &block.span,
                format!("module \"{name}\": no Terraform files in \"{dir}\""),
            );
            return unknown;
        };
        let inst = &self.insts[m];
        let base = format!("{}module.{name}", inst.prefix);
        let shown = format!("{}module.{name}", without_instance_keys(&inst.prefix));
        let (shape, instances) = match self.expansion(m, block, &shown) {
            Expansion::Refused => return unknown,
            Expansion::Single => (Shape::Single, vec![(None, Vec::new())]),
            Expansion::Unknown(scope) => (Shape::Unknown, vec![(None, scope)]),
            Expansion::Keyed(keys) => {
                let shape = if block.body.attr("count").is_some() {
                    Shape::Count
                } else {
                    Shape::ForEach
                };
                (shape, keys.into_iter().map(|(k, s)| (Some(k), s)).collect())
            }
        };
        let mut made = Vec::new();
        for (key, scope) in instances {
            let caller = &self.insts[m];
            let suffix = key.as_ref().map(key_suffix).unwrap_or_default();
            let mut child = Inst::new(child_parsed.clone(), dir.clone(), caller.root_dir.clone());
            child.prefix = format!("{base}{suffix}.");
            child.key = if caller.key.is_empty() {
                name.clone()
            } else {
                format!("{}.{name}", caller.key)
            };
            child.called_from = caller
                .called_from
                .clone()
                .or_else(|| Some(block.span.clone()));
            child.depth = caller.depth + 1;
            child.chain = caller.chain.clone();
            child.chain.push(dir.clone());
            child.installed = installed || caller.installed;
            child.caller = Some(Caller {
                inst: m,
                block: index,
                scope,
            });
            self.insts.push(child);
            made.push((key, self.insts.len() - 1));
        }
        Rc::new(Call {
            shape: Some(shape),
            instances: made,
            span: block.span.clone(),
        })
    }

    /// The folders of the modules `modules.json` names as downloaded, by key, relative to
    /// the scan root. One that leaves the scanned folders is left out, and said.
    fn installed_folders(&mut self, dir: &str, file: &TerraformFile) -> BTreeMap<String, String> {
        let modules = match crate::installed_modules(&file.text) {
            Ok(modules) => modules,
            Err(cause) => {
                self.diags.push(Diagnostic::file(
                    DiagnosticLevel::Warning,
                    Code::TerraformModulesJson,
                    &file.path,
                    format!(
                        "not read ({cause}): modules from the registry, git and other remote \
                         sources are not modelled"
                    ),
                ));
                return BTreeMap::new();
            }
        };
        let mut folders = BTreeMap::new();
        for module in modules.into_values().filter(|m| m.is_downloaded()) {
            match module.installed_dir().and_then(|d| within_scan(dir, d)) {
                Some(folder) => {
                    folders.insert(module.key, folder);
                }
                None => self.diags.push(Diagnostic::file(
                    DiagnosticLevel::Warning,
                    Code::TerraformModuleOutside,
                    &file.path,
                    format!(
                        "module \"{}\" is installed in {:?}, outside .terraform/modules of the \
                         root module: it is not read, its resources are not modelled and its \
                         outputs are unknown",
                        module.key, module.dir
                    ),
                )),
            }
        }
        folders
    }

    /// The folder a module block's source names, and whether `terraform init` installed it;
    /// `None` (and why, said) when it is not read.
    fn module_folder(&mut self, m: Id, block: &Block) -> Option<(String, bool)> {
        let name = &block.labels[0];
        // Terraform takes only a literal source (never a variable's value).
        let source = block.body.attr("source").and_then(literal_string);
        let Some(source) = source.as_deref() else {
            self.diag(
                DiagnosticLevel::Warning,
                Code::TerraformModuleSource,
                &block.span,
                format!("module \"{name}\" has no literal source: it is not modelled"),
            );
            return None;
        };
        let local = source.starts_with("./") || source.starts_with("../");
        if !local && !is_absolute(source) {
            let inst = &self.insts[m];
            let key = if inst.key.is_empty() {
                name.clone()
            } else {
                format!("{}.{name}", inst.key)
            };
            if let Some(installed) = &self.installed {
                if let Some(dir) = installed.get(&key) {
                    return Some((dir.clone(), true));
                }
                self.diag(
                    DiagnosticLevel::Note,
                    Code::TerraformRemoteModule,
                    &block.span,
                    format!(
                        "module \"{name}\" comes from \"{source}\", which .terraform/modules/modules.json \
                         does not name (run terraform init again): its resources are not \
                         modelled and its outputs are unknown"
                    ),
                );
                return None;
            }
            self.diag(
                DiagnosticLevel::Note,
                Code::TerraformRemoteModule,
                &block.span,
                format!(
                    "module \"{name}\" comes from \"{source}\", which is not fetched: its \
                     resources are not modelled and its outputs are unknown (run `terraform \
                     init -backend=false` before the scan to have it read)"
                ),
            );
            return None;
        }
        let Some(dir) = within_scan(&self.insts[m].dir, source) else {
            self.diag(
                DiagnosticLevel::Warning,
                Code::TerraformModuleOutside,
                &block.span,
                format!(
                    "module \"{name}\" comes from {source:?}, outside the scanned folders: it is \
                     not read, its resources are not modelled and its outputs are unknown"
                ),
            );
            return None;
        };
        Some((dir, false))
    }

    fn load(&mut self, dir: &str) -> Option<Arc<Parsed>> {
        if let Some(p) = self.cache.get(dir) {
            return p.clone();
        }
        let (parsed, diagnostics) = self.shared.get_or_parse(dir, self.read);
        self.diags.extend(diagnostics.iter().cloned());
        self.cache.insert(dir.to_string(), parsed.clone());
        parsed
    }

    /// `local.NAME`, evaluated once; a cycle makes its members unknown.
    fn local(&mut self, m: Id, name: &str, span: &Span) -> Ev {
        if let Some(v) = self.done(m, &Node::Local(name.to_string())) {
            return Ok(v);
        }
        let parsed = self.insts[m].parsed.clone();
        let Some(attr) = parsed.locals.get(name) else {
            return Err(Fail::Error(format!("no local {name}")));
        };
        Ok(self.memo(m, Node::Local(name.to_string()), span, |run| {
            run.traced_attr(m, &mut Vec::new(), attr)
        }))
    }

    /// A JSON-syntax expression: strings are templates.
    fn json(&mut self, m: Id, scope: &mut Scope, src: &Src, j: &serde_json::Value) -> Ev {
        let span = src.span(None);
        Ok(match j {
            serde_json::Value::String(s) => match hcl_edit::parser::parse_template(s) {
                Ok(t) => return self.template(m, scope, src, &t, &span),
                Err(_) => Value::String(s.clone(), span),
            },
            serde_json::Value::Array(items) => Value::List(
                items
                    .iter()
                    .map(|i| self.json(m, scope, src, i))
                    .collect::<Result<_, _>>()?,
                span,
            ),
            serde_json::Value::Object(o) => {
                let mut fields = Vec::new();
                for (k, v) in o {
                    fields.push((k.clone(), self.json(m, scope, src, v)?));
                }
                Value::Object(fields, span)
            }
            other => functions::from_json(other, &span),
        })
    }

    fn eval(&mut self, m: Id, scope: &mut Scope, src: &Src, e: &Expression) -> Ev {
        if self.depth as u64 >= self.budgets.depth.max() {
            let span = src.span(e.span());
            self.hit(
                Limit::Depth,
                &span,
                "expressions nested past the limit were not evaluated (they are unknown)",
            );
            return Err(Fail::Limit);
        }
        if !self.budgets.steps.take(1) {
            let span = src.span(e.span());
            self.hit(
                Limit::EvalSteps,
                &span,
                "expressions past the limit were not evaluated (they are unknown)",
            );
            return Err(Fail::Limit);
        }
        self.depth += 1;
        let v = self.eval_inner(m, scope, src, e);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, m: Id, scope: &mut Scope, src: &Src, e: &Expression) -> Ev {
        let span = src.span(e.span());
        Ok(match e {
            Expression::Null(_) => Value::Null(span),
            Expression::Bool(b) => Value::Bool(*b.value(), span),
            Expression::Number(n) => match n.as_f64() {
                Some(n) => Value::Number(n, span),
                None => Value::Unknown(span),
            },
            Expression::String(s) => Value::String(s.value().clone(), span),
            Expression::Array(a) => {
                let mut items = Vec::new();
                for i in a.iter() {
                    items.push(self.eval(m, scope, src, i)?);
                }
                return self.bounded(Value::List(items, span.clone()), &span);
            }
            Expression::Object(o) => {
                let mut fields: Vec<(String, Value)> = Vec::new();
                let mut positions: HashMap<String, usize> = HashMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(i) => i.as_str().to_string(),
                        ObjectKey::Expression(Expression::Variable(i)) => i.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            let kv = self.eval(m, scope, src, ke)?;
                            known!(functions::text(&kv), span)
                        }
                    };
                    let v = self.eval(m, scope, src, v.expr())?;
                    // A repeated key: the last value wins.
                    match positions.get(&key) {
                        Some(&at) => fields[at].1 = v,
                        None => {
                            positions.insert(key.clone(), fields.len());
                            fields.push((key, v));
                        }
                    }
                }
                return self.bounded(Value::Object(fields, span.clone()), &span);
            }
            Expression::StringTemplate(t) => return self.template(m, scope, src, t, &span),
            Expression::HeredocTemplate(h) => {
                return self.template(m, scope, src, &h.template, &span);
            }
            Expression::Parenthesis(p) => return self.eval(m, scope, src, p.inner()),
            // `each`, `count`, a `for` or `dynamic` variable: the value it holds, passed on.
            Expression::Variable(v) => {
                let name = v.as_str();
                match scope.iter().rev().find(|(n, _)| n == name) {
                    Some((_, v)) if keeps_origin(v) => {
                        let v = v.clone();
                        self.pass_on(&v, Via::default(), &span);
                        v
                    }
                    Some((_, v)) => respan(v.clone(), &span),
                    None => return Err(Fail::Error(format!("unknown name {name}"))),
                }
            }
            Expression::Conditional(c) => {
                let cond = self.eval(m, scope, src, &c.cond_expr)?;
                let branch = if known!(functions::boolean(&cond), span) {
                    &c.true_expr
                } else {
                    &c.false_expr
                };
                return self.eval(m, scope, src, branch);
            }
            Expression::FuncCall(f) => return self.call(m, scope, src, f, &span),
            Expression::Traversal(t) => return self.traversal(m, scope, src, t, &span),
            Expression::UnaryOp(u) => {
                let v = self.eval(m, scope, src, &u.expr)?;
                match u.operator.value() {
                    UnaryOperator::Not => Value::Bool(!known!(functions::boolean(&v), span), span),
                    UnaryOperator::Neg => Value::Number(-known!(functions::num(&v), span), span),
                }
            }
            Expression::BinaryOp(b) => {
                let l = self.eval(m, scope, src, &b.lhs_expr)?;
                let r = self.eval(m, scope, src, &b.rhs_expr)?;
                return binary(*b.operator.value(), &l, &r, span);
            }
            Expression::ForExpr(f) => return self.for_expr(m, scope, src, f, &span),
        })
    }

    fn template(&mut self, m: Id, scope: &mut Scope, src: &Src, t: &Template, span: &Span) -> Ev {
        let elements: Vec<&Element> = t.iter().collect();
        // `"${x}"` is x itself, not its string form (a list stays a list, a reference a reference).
        // A reference alone passes its value on unchanged, where it was written.
        if let [Element::Interpolation(i)] = elements[..] {
            let v = self.eval(m, scope, src, &i.expr)?;
            let passed_on = keeps_origin(&v)
                && self
                    .passed
                    .as_ref()
                    .is_some_and(|(origin, _)| origin == v.span());
            return Ok(if passed_on { v } else { respan(v, span) });
        }
        let mut out = String::new();
        // The text with a mark for each interpolation not known, read as JSON at the end.
        let mut marked = String::new();
        let mut unknown = false;
        // Resource references written into the text (`"serviceAccount:${google_service_account.a.email}"`).
        let mut named: Vec<String> = Vec::new();
        let mut only_references = true;
        for (idx, el) in elements.iter().enumerate() {
            match el {
                Element::Literal(lit) => {
                    let mut s = lit.value().as_str();
                    if idx > 0
                        && let Element::Interpolation(p) = elements[idx - 1]
                        && p.strip.strip_end()
                    {
                        s = s.trim_start();
                    }
                    if let Some(Element::Interpolation(n)) = elements.get(idx + 1)
                        && n.strip.strip_start()
                    {
                        s = s.trim_end();
                    }
                    out.push_str(s);
                    marked.push_str(s);
                    if marked.len() as u64 > self.budgets.max_value() {
                        return self.template_too_large(span);
                    }
                }
                Element::Interpolation(i) => {
                    let v = self.eval(m, scope, src, &i.expr)?;
                    match functions::text(&v) {
                        Ok(s) => {
                            out.push_str(&s);
                            marked.push_str(&s);
                            if marked.len() as u64 > self.budgets.max_value() {
                                return self.template_too_large(span);
                            }
                        }
                        Err(Flow::Unknown) => {
                            unknown = true;
                            marked.push(functions::UNKNOWN_MARK);
                            match v {
                                Value::Reference { address, .. } => named.push(address),
                                _ => only_references = false,
                            }
                        }
                        Err(Flow::Fail(e)) => return Err(Fail::Error(e)),
                    }
                }
                // `%{if}` / `%{for}` directives are not evaluated (nor is the text read as JSON).
                Element::Directive(_) => {
                    unknown = true;
                    only_references = false;
                }
            }
        }
        named.dedup();
        // Only a member-style prefix (`serviceAccount:${...}`, `user:${...}`) names the
        // resource itself; `"${aws_s3_bucket.a.id}-logs"` names another bucket.
        let member = matches!(elements.last(), Some(Element::Interpolation(_)))
            && elements
                .iter()
                .filter(|e| matches!(e, Element::Interpolation(_)))
                .count()
                == 1
            && out.ends_with(':');
        Ok(
            if unknown && only_references && member && named.len() == 1 {
                // The text is not known, but which resource it names is: keep that link.
                Value::Reference {
                    address: named.remove(0),
                    attribute: String::new(),
                    span: span.clone(),
                }
            } else if unknown {
                // A JSON document (a heredoc policy) keeps its known parts for the readers of
                // policies; unknown to every other reader.
                let directive = elements.iter().any(|e| matches!(e, Element::Directive(_)));
                let document = (marked.trim_start().starts_with('{') && !directive)
                    .then(|| functions::partly_known_json(&marked, span))
                    .flatten();
                match document {
                    Some(document @ Value::Object(..)) => {
                        Value::PartlyKnownJson(Box::new(document), span.clone())
                    }
                    _ => Value::Unknown(span.clone()),
                }
            } else {
                Value::String(out, span.clone())
            },
        )
    }

    /// A template whose text grew past the size limit: unknown.
    fn template_too_large(&mut self, span: &Span) -> Ev {
        self.hit(
            Limit::ValueSize,
            span,
            "a string larger than the limit was not built (it is unknown)",
        );
        Ok(Value::Unknown(span.clone()))
    }

    fn call(&mut self, m: Id, scope: &mut Scope, src: &Src, f: &FuncCall, span: &Span) -> Ev {
        if f.name.is_namespaced() {
            return Ok(Value::Unknown(span.clone()));
        }
        let name = f.name.name.as_str();
        match name {
            "try" => {
                for arg in f.args.iter() {
                    match self.eval(m, scope, src, arg) {
                        Ok(v) => return Ok(v),
                        Err(Fail::Limit) => return Err(Fail::Limit),
                        Err(Fail::Error(_)) => {}
                    }
                }
                return Err(Fail::Error("no argument of try succeeded".into()));
            }
            "can" => {
                let Some(arg) = f.args.iter().next() else {
                    return Err(Fail::Error("can without argument".into()));
                };
                return match self.eval(m, scope, src, arg) {
                    Ok(v) if has_unknown(&v) => Ok(Value::Unknown(span.clone())),
                    Ok(_) => Ok(Value::Bool(true, span.clone())),
                    Err(Fail::Limit) => Err(Fail::Limit),
                    Err(Fail::Error(_)) => Ok(Value::Bool(false, span.clone())),
                };
            }
            _ => {}
        }
        let mut args = Vec::new();
        for a in f.args.iter() {
            args.push(self.eval(m, scope, src, a)?);
        }
        if f.args.expand_final() {
            match args.pop() {
                Some(Value::List(items, _)) => args.extend(items),
                Some(v) if opaque(&v) => return Ok(Value::Unknown(span.clone())),
                _ => return Err(Fail::Error("expansion of a non-list".into())),
            }
        }
        if FILE_FUNCTIONS.contains(&name) {
            // Files are never read (only what the scan handed over is); a path that leaves
            // the scanned folders is said, never followed.
            if let Some(Value::String(path, _)) = args.first()
                && within_scan(&self.insts[m].root_dir, path).is_none()
            {
                // The path is shown only when the file writes it (not a variable's value).
                let written = f.args.iter().next().is_some_and(names_no_variable);
                let shown = if written {
                    format!("{path:?}")
                } else {
                    "a path computed from variables (not shown)".to_string()
                };
                self.diag(
                    DiagnosticLevel::Warning,
                    Code::TerraformFileOutside,
                    span,
                    format!(
                        "{name}() reads {shown}, outside the scanned folders: it is not read, \
                         and the value is unknown"
                    ),
                );
            }
            return Ok(Value::Unknown(span.clone()));
        }
        if functions::result_size(name, &args).is_some_and(|n| n > self.budgets.max_value()) {
            self.hit(
                Limit::ValueSize,
                span,
                &format!("the result of {name}() is larger than the limit: it was not built (it is unknown)"),
            );
            return Ok(Value::Unknown(span.clone()));
        }
        match functions::call(name, &args, span) {
            Ok(v) => self.bounded(v, span),
            Err(Flow::Unknown) => Ok(Value::Unknown(span.clone())),
            Err(Flow::Fail(e)) => Err(Fail::Error(e)),
        }
    }

    fn for_expr(&mut self, m: Id, scope: &mut Scope, src: &Src, f: &ForExpr, span: &Span) -> Ev {
        let collection = self.eval(m, scope, src, &f.intro.collection_expr)?;
        let pairs: Vec<(Value, Value)> = match entries(&collection) {
            Some(pairs) => pairs,
            None if opaque(&collection) => return Ok(Value::Unknown(span.clone())),
            None => {
                return Err(Fail::Error(
                    "for over a value that is not a collection".into(),
                ));
            }
        };
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let mut items = Vec::new();
        let mut fields: Vec<(String, Value)> = Vec::new();
        let mut positions: HashMap<String, usize> = HashMap::new();
        // The size of the result so far, bounded as it is built.
        let (max, mut size) = (self.budgets.max_value(), 1u64);
        for (k, v) in pairs {
            let depth = scope.len();
            if let Some(kv) = &key_var {
                scope.push((kv.clone(), k));
            }
            scope.push((value_var.clone(), v));
            let item = self.for_item(m, scope, src, f);
            scope.truncate(depth);
            let item = item?;
            if let ForItem::Item(key, v) = &item {
                let key_size = key.as_ref().map_or(0, |k| k.len() as u64);
                size = size.saturating_add(weight(v, max) + key_size);
                if size > max {
                    return self.too_large(span);
                }
            }
            match item {
                ForItem::Skip => {}
                ForItem::Unknown => return Ok(Value::Unknown(span.clone())),
                ForItem::Item(None, v) => items.push(v),
                ForItem::Item(Some(key), v) => match positions.get(&key) {
                    Some(&at) if f.grouping => {
                        if let Value::List(group, _) = &mut fields[at].1 {
                            group.push(v);
                        }
                    }
                    Some(_) => {
                        return Err(Fail::Error(format!("duplicate key {key:?} in for")));
                    }
                    None => {
                        positions.insert(key.clone(), fields.len());
                        let v = if f.grouping {
                            Value::List(vec![v], span.clone())
                        } else {
                            v
                        };
                        fields.push((key, v));
                    }
                },
            }
        }
        if size > 1 && !self.budgets.steps.take(size - 1) {
            self.hit(
                Limit::EvalSteps,
                span,
                "expressions past the limit were not evaluated (they are unknown)",
            );
            return Err(Fail::Limit);
        }
        Ok(if f.key_expr.is_some() {
            Value::Object(fields, span.clone())
        } else {
            Value::List(items, span.clone())
        })
    }

    fn for_item(
        &mut self,
        m: Id,
        scope: &mut Scope,
        src: &Src,
        f: &ForExpr,
    ) -> Result<ForItem, Fail> {
        if let Some(cond) = &f.cond {
            let c = self.eval(m, scope, src, &cond.expr)?;
            match functions::boolean(&c) {
                Ok(true) => {}
                Ok(false) => return Ok(ForItem::Skip),
                Err(Flow::Unknown) => return Ok(ForItem::Unknown),
                Err(Flow::Fail(e)) => return Err(Fail::Error(e)),
            }
        }
        let key = match &f.key_expr {
            Some(k) => {
                let kv = self.eval(m, scope, src, k)?;
                match functions::text(&kv) {
                    Ok(s) => Some(s),
                    Err(Flow::Unknown) => return Ok(ForItem::Unknown),
                    Err(Flow::Fail(e)) => return Err(Fail::Error(e)),
                }
            }
            None => None,
        };
        let v = self.eval(m, scope, src, &f.value_expr)?;
        Ok(ForItem::Item(key, v))
    }

    fn traversal(&mut self, m: Id, scope: &mut Scope, src: &Src, t: &Traversal, span: &Span) -> Ev {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
        if let Expression::Variable(root) = &t.expr {
            let name = root.as_str();
            if !scope.iter().any(|(n, _)| n == name) {
                let first = match ops.first() {
                    Some(TraversalOperator::GetAttr(a)) => Some(a.as_str()),
                    _ => None,
                };
                self.read_via = Via::default();
                let (base, rest) = match (name, first) {
                    ("var", Some(a)) => (self.var(m, a, span)?, &ops[1..]),
                    ("local", Some(a)) => (self.local(m, a, span)?, &ops[1..]),
                    ("module", Some(a)) => {
                        if !self.insts[m]
                            .parsed
                            .modules
                            .iter()
                            .any(|b| b.labels[0] == a)
                        {
                            return Err(Fail::Error(format!("no module {a}")));
                        }
                        self.module_ref(m, scope, src, a, &ops[1..], span)?
                    }
                    ("path", Some("module")) => (self.path_module(m, span), &ops[1..]),
                    ("path", Some("root")) => (Value::String(".".into(), span.clone()), &ops[1..]),
                    ("data", Some(POLICY_DOCUMENT)) => {
                        return self.policy_document(m, &ops[1..], span);
                    }
                    ("data" | "terraform" | "self" | "path", _) => {
                        return Ok(Value::Unknown(span.clone()));
                    }
                    ("var" | "local" | "module" | "count" | "each", _) => {
                        return Err(Fail::Error(format!("invalid reference to {name}")));
                    }
                    (_, Some(_)) => return self.resource_ref(m, scope, src, name, &ops, span),
                    _ => return Err(Fail::Error(format!("unknown name {name}"))),
                };
                let via = std::mem::take(&mut self.read_via);
                let v = self.apply(m, scope, src, base, rest, span)?;
                if name == "path" || !keeps_origin(&v) {
                    let v = self.place(m, v, span);
                    return self.bounded(v, span);
                }
                let v = self.bounded(v, span)?;
                self.pass_on(&v, via, span);
                return Ok(v);
            }
        }
        let base = self.eval(m, scope, src, &t.expr)?;
        let v = self.apply(m, scope, src, base, &ops, span)?;
        // `each.value.cidr`: a part of what a variable in scope holds, passed on.
        if matches!(t.expr, Expression::Variable(_)) && keeps_origin(&v) {
            self.pass_on(&v, Via::default(), span);
            return Ok(v);
        }
        Ok(respan(v, span))
    }

    /// `v`, which the reference at `span` passes on unchanged after the places `via`: said to
    /// the attribute that holds the reference ([`Run::passed`]) and, among a resource's
    /// arguments, kept as a passage of that resource.
    fn pass_on(&mut self, v: &Value, via: Via, span: &Span) {
        let origin = v.span().clone();
        if let Some(passages) = &mut self.passages {
            let passage = Passage {
                origin: origin.clone(),
                via: via.then(span.clone()).spans(),
            };
            passages.push(passage);
        }
        self.passed = Some((origin, via));
    }

    /// Keeps, of the passages an argument's references made, those whose values the
    /// argument's value `v` holds unchanged (at any depth), each once.
    fn keep_passages(&mut self, v: &Value) {
        let Some(passages) = &mut self.passages else {
            return;
        };
        for passage in passages.drain(..) {
            if holds(v, &passage.origin) && !self.kept.contains(&passage) {
                self.kept.push(passage);
            }
        }
    }

    /// `data.aws_iam_policy_document.NAME.json` (or `minified_json`): the policy JSON its
    /// statements render, as the provider renders it, at the reference; unknown when a part
    /// that decides it is not known. Any other attribute is unknown.
    fn policy_document(&mut self, m: Id, ops: &[&TraversalOperator], span: &Span) -> Ev {
        let (Some(TraversalOperator::GetAttr(name)), Some(TraversalOperator::GetAttr(attr))) =
            (ops.first(), ops.get(1))
        else {
            return Ok(Value::Unknown(span.clone()));
        };
        if !matches!(attr.as_str(), "json" | "minified_json") || ops.len() > 2 {
            return Ok(Value::Unknown(span.clone()));
        }
        let parsed = self.insts[m].parsed.clone();
        let Some(block) = parsed.policy_documents.get(name.as_str()) else {
            return Err(Fail::Error(format!(
                "no data source {POLICY_DOCUMENT}.{name}"
            )));
        };
        let node = Node::PolicyDocument(name.to_string());
        let rendered = self.memo(m, node, span, |run| {
            let body = run.body(m, &mut Vec::new(), &block.body, &block.span, true);
            let rendered = match policy_document_json(&body) {
                Some(json) => Value::String(json, block.span.clone()),
                None => Value::Unknown(block.span.clone()),
            };
            (rendered, Via::default())
        });
        Ok(respan(rendered, span))
    }

    /// `path.module`: the module's folder relative to the root module's.
    fn path_module(&self, m: Id, span: &Span) -> Value {
        let inst = &self.insts[m];
        match inst.dir.strip_prefix(&inst.root_dir) {
            Some("") => Value::String(".".into(), span.clone()),
            Some(rest) if rest.starts_with('/') && !inst.root_dir.is_empty() => {
                Value::String(rest[1..].to_string(), span.clone())
            }
            _ if inst.root_dir.is_empty() => Value::String(inst.dir.clone(), span.clone()),
            _ => Value::Unknown(span.clone()),
        }
    }

    /// `aws_security_group.web.id`, `aws_instance.x[0].id`, `aws_instance.x[*].id`.
    fn resource_ref(
        &mut self,
        m: Id,
        scope: &mut Scope,
        src: &Src,
        kind: &str,
        ops: &[&TraversalOperator],
        span: &Span,
    ) -> Ev {
        let Some(TraversalOperator::GetAttr(name)) = ops.first() else {
            return Err(Fail::Error(format!("invalid reference to {kind}")));
        };
        let mut address = format!("{}{kind}.{}", self.insts[m].prefix, name.as_str());
        let mut next = 1;
        let mut splat = false;
        match ops.get(1) {
            Some(TraversalOperator::Index(e)) => {
                let key = self.eval(m, scope, src, e)?;
                address.push_str(&key_suffix(&key));
                next = 2;
            }
            Some(TraversalOperator::LegacyIndex(i)) => {
                address.push_str(&format!("[{}]", i.value()));
                next = 2;
            }
            Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)) => {
                splat = true;
                next = 2;
            }
            _ => {}
        }
        let attribute = match ops.get(next) {
            Some(TraversalOperator::GetAttr(a)) => a.as_str().to_string(),
            _ => String::new(),
        };
        let r = Value::Reference {
            address,
            attribute,
            span: span.clone(),
        };
        Ok(if splat {
            Value::List(vec![r], span.clone())
        } else {
            r
        })
    }

    fn apply(
        &mut self,
        m: Id,
        scope: &mut Scope,
        src: &Src,
        mut v: Value,
        ops: &[&TraversalOperator],
        span: &Span,
    ) -> Ev {
        let mut i = 0;
        while i < ops.len() {
            match ops[i] {
                TraversalOperator::GetAttr(a) => v = get_attr(v, a.as_str())?,
                TraversalOperator::Index(e) => {
                    let k = self.eval(m, scope, src, e)?;
                    v = index(v, &k)?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    v = index(v, &Value::Number(*n.value() as f64, span.clone()))?;
                }
                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                    let end = if matches!(ops[i], TraversalOperator::FullSplat(_)) {
                        ops.len()
                    } else {
                        i + 1
                            + ops[i + 1..]
                                .iter()
                                .take_while(|o| {
                                    matches!(
                                        o,
                                        TraversalOperator::GetAttr(_)
                                            | TraversalOperator::LegacyIndex(_)
                                    )
                                })
                                .count()
                    };
                    let items = match v {
                        Value::List(items, _) => items,
                        Value::Null(_) => Vec::new(),
                        Value::Unknown(_) => return Ok(Value::Unknown(span.clone())),
                        other => vec![other],
                    };
                    let mut out = Vec::new();
                    for item in items {
                        out.push(self.apply(m, scope, src, item, &ops[i + 1..end], span)?);
                    }
                    v = Value::List(out, span.clone());
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(v)
    }
}

enum ForItem {
    Skip,
    Unknown,
    Item(Option<String>, Value),
}

/// Whether `v`, or a value inside it, is the one written at `span`.
fn holds(v: &Value, span: &Span) -> bool {
    let mut pending = vec![v];
    while let Some(v) = pending.pop() {
        if v.span() == span {
            return true;
        }
        match v {
            Value::List(items, _) => pending.extend(items),
            Value::Object(fields, _) => pending.extend(fields.iter().map(|(_, f)| f)),
            _ => {}
        }
    }
    false
}

/// Whether a value that a reference passes on keeps the span where it was written: a value
/// that something wrote does (the line whose change changes it); an unknown or null one, which
/// nothing wrote, is placed where it is used.
fn keeps_origin(v: &Value) -> bool {
    !matches!(v, Value::Unknown(_) | Value::Null(_))
}

/// A value with every scalar in it hidden: strings become [`crate::SENSITIVE`] (a secret is
/// set, whatever it says), numbers and booleans unknown.
fn redact(value: Value) -> Value {
    match value {
        Value::String(_, span) => Value::String(crate::SENSITIVE.to_string(), span),
        Value::Number(_, span) | Value::Bool(_, span) => Value::Unknown(span),
        Value::List(items, span) => Value::List(items.into_iter().map(redact).collect(), span),
        Value::Object(fields, span) => Value::Object(
            fields.into_iter().map(|(k, v)| (k, redact(v))).collect(),
            span,
        ),
        other => other,
    }
}

/// The text of an attribute written as a plain string (no interpolation).
fn literal_string(attr: &Attr) -> Option<String> {
    match &attr.expr {
        Expr::Hcl(Expression::String(s)) => Some(s.value().to_string()),
        Expr::Hcl(Expression::StringTemplate(t)) => {
            let mut text = String::new();
            for element in t.iter() {
                match element {
                    Element::Literal(l) => text.push_str(l.value()),
                    _ => return None,
                }
            }
            Some(text)
        }
        Expr::Json(serde_json::Value::String(s)) if !s.contains("${") => Some(s.clone()),
        Expr::JsonLiteral(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Whether an expression writes its text itself: literals, and `path.module` / `path.root`
/// interpolated (no variable, local or other value that may come from a variable file).
fn names_no_variable(expr: &Expression) -> bool {
    let is_path = |e: &Expression| match e {
        Expression::Traversal(t) => {
            matches!(&t.expr, Expression::Variable(v) if v.as_str() == "path")
        }
        _ => false,
    };
    match expr {
        Expression::String(_) => true,
        Expression::StringTemplate(t) => t.iter().all(|element| match element {
            Element::Literal(_) => true,
            Element::Interpolation(i) => is_path(&i.expr),
            Element::Directive(_) => false,
        }),
        other => is_path(other),
    }
}

/// Functions that read files: their values are unknown (files are not read).
const FILE_FUNCTIONS: [&str; 11] = [
    "file",
    "filebase64",
    "fileexists",
    "fileset",
    "filemd5",
    "filesha1",
    "filesha256",
    "filesha512",
    "filebase64sha256",
    "filebase64sha512",
    "templatefile",
];

/// Whether a path is absolute (`/etc`, `~/x`, `C:\\x`, `\\\\host\\share`).
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with(['/', '\\', '~'])
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

/// A path inside a folder (relative to the scan root, `""` for the root itself).
fn join_dir(dir: &str, path: &str) -> String {
    if dir.is_empty() {
        path.to_string()
    } else {
        format!("{dir}/{path}")
    }
}

/// Whether a file (relative to the scan root) lies in a folder or below it.
fn within_dir(file: &str, dir: &str) -> bool {
    dir.is_empty()
        || file
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Where a path written in a module lands, relative to the scan root; `None` when it leaves
/// the scanned folders (absolute, or more `..` than folders).
fn within_scan(base: &str, path: &str) -> Option<String> {
    if is_absolute(path) {
        return None;
    }
    trustmap_model::join_path_within(base, path)
}

/// The scope of a `count` whose value is not known (or not expanded).
fn unknown_count(span: &Span) -> Scope {
    let index = Value::Object(
        vec![("index".into(), Value::Unknown(span.clone()))],
        span.clone(),
    );
    vec![("count".into(), index)]
}

/// The scope of a `for_each` whose value is not known (or not expanded).
fn unknown_each(span: &Span) -> Scope {
    let u = Value::Unknown(span.clone());
    let each = Value::Object(
        vec![("key".into(), u.clone()), ("value".into(), u)],
        span.clone(),
    );
    vec![("each".into(), each)]
}

/// The instances of a `for_each`: a map's keys with their values, or a set of strings.
fn for_each_pairs(v: &Value) -> Result<Vec<(String, Value)>, Flow> {
    match v {
        Value::Object(fields, _) => Ok(sorted(fields)),
        Value::List(items, _) => {
            let mut keys = items
                .iter()
                .map(functions::text)
                .collect::<Result<Vec<_>, _>>()?;
            keys.sort();
            keys.dedup();
            Ok(keys
                .into_iter()
                .map(|k| {
                    let value = Value::String(k.clone(), v.span().clone());
                    (k, value)
                })
                .collect())
        }
        Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. } => {
            Err(Flow::Unknown)
        }
        _ => Err(Flow::Fail(
            "for_each needs a map or a set of strings".into(),
        )),
    }
}

fn get_attr(v: Value, name: &str) -> Ev {
    match v {
        Value::Object(fields, _) => fields
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .ok_or_else(|| Fail::Error(format!("no attribute {name}"))),
        Value::Reference {
            address,
            attribute,
            span,
        } => Ok(Value::Reference {
            address,
            attribute: if attribute.is_empty() {
                name.to_string()
            } else {
                attribute
            },
            span,
        }),
        Value::Unknown(s) => Ok(Value::Unknown(s)),
        _ => Err(Fail::Error(format!(
            "attribute {name} of a value that has none"
        ))),
    }
}

fn index(v: Value, key: &Value) -> Ev {
    if opaque(key) {
        return Ok(Value::Unknown(v.span().clone()));
    }
    match v {
        Value::List(items, _) => {
            let i = functions::num(key).map_err(|_| Fail::Error("bad index".into()))?;
            if i < 0.0 || i.fract() != 0.0 || i as usize >= items.len() {
                return Err(Fail::Error("index out of range".into()));
            }
            Ok(items
                .into_iter()
                .nth(i as usize)
                .unwrap_or(Value::Unknown(key.span().clone())))
        }
        Value::Object(fields, _) => {
            let k = functions::text(key).map_err(|_| Fail::Error("bad key".into()))?;
            fields
                .into_iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v)
                .ok_or_else(|| Fail::Error(format!("no key {k:?}")))
        }
        v @ (Value::Unknown(_) | Value::PartlyKnownJson(..) | Value::Reference { .. }) => Ok(v),
        _ => Err(Fail::Error(
            "index into a value that is not a collection".into(),
        )),
    }
}

fn binary(op: BinaryOperator, l: &Value, r: &Value, span: Span) -> Ev {
    use BinaryOperator as B;
    let bool_of = |v: &Value| match functions::boolean(v) {
        Ok(b) => Ok(Some(b)),
        Err(Flow::Unknown) => Ok(None),
        Err(Flow::Fail(e)) => Err(Fail::Error(e)),
    };
    Ok(match op {
        B::And | B::Or => {
            let (a, b) = (bool_of(l)?, bool_of(r)?);
            // A known operand can decide alone: false && x, true || x.
            let decisive = op == B::Or;
            match (a, b) {
                (Some(x), _) | (_, Some(x)) if x == decisive => Value::Bool(decisive, span),
                (Some(_), Some(_)) => Value::Bool(!decisive, span),
                _ => Value::Unknown(span),
            }
        }
        B::Eq | B::NotEq => match functions::same(l, r) {
            Some(eq) => Value::Bool(eq == (op == B::Eq), span),
            None => Value::Unknown(span),
        },
        _ => {
            let a = known!(functions::num(l), span);
            let b = known!(functions::num(r), span);
            match op {
                B::Plus => Value::Number(a + b, span),
                B::Minus => Value::Number(a - b, span),
                B::Mul => Value::Number(a * b, span),
                B::Div if b == 0.0 => return Err(Fail::Error("division by zero".into())),
                B::Div => Value::Number(a / b, span),
                B::Mod if b == 0.0 => return Err(Fail::Error("modulo by zero".into())),
                B::Mod => Value::Number(a % b, span),
                B::Less => Value::Bool(a < b, span),
                B::LessEq => Value::Bool(a <= b, span),
                B::Greater => Value::Bool(a > b, span),
                B::GreaterEq => Value::Bool(a >= b, span),
                _ => Value::Unknown(span),
            }
        }
    })
}

/// The (key, value) pairs a `for` or `dynamic` iterates: a list's indexes and items, an
/// object's keys (sorted, as Terraform iterates maps) and values. `None` for anything else.
fn entries(collection: &Value) -> Option<Vec<(Value, Value)>> {
    match collection {
        Value::List(items, s) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Number(i as f64, s.clone()), v.clone()))
                .collect(),
        ),
        Value::Object(fields, s) => Some(
            sorted(fields)
                .into_iter()
                .map(|(k, v)| (Value::String(k, s.clone()), v))
                .collect(),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_keys() {
        let s = Span::lines("a", 1, 1);
        assert_eq!(key_suffix(&Value::Number(2.0, s.clone())), "[2]");
        assert_eq!(key_suffix(&Value::String("a\"b".into(), s)), "[\"a\\\"b\"]");
    }
}

/// An address or module path without its instance keys: `module.a["k"].module.b[0].x.y[1]` →
/// `module.a.module.b.x.y` (a key may be the value of a sensitive variable, and is never
/// shown).
pub(crate) fn without_instance_keys(prefix: &str) -> String {
    let mut out = String::with_capacity(prefix.len());
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for c in prefix.chars() {
        if depth == 0 {
            if c == '[' {
                depth = 1;
            } else {
                out.push(c);
            }
            continue;
        }
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_string = false,
            (false, _, '"') => in_string = true,
            (false, _, '[') => depth += 1,
            (false, _, ']') => depth -= 1,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod instance_key_tests {
    use super::without_instance_keys;

    #[test]
    fn module_paths_are_shown_without_their_instance_keys() {
        assert_eq!(
            without_instance_keys("module.a[\"k]\\\"[\"].module.b[0]."),
            "module.a.module.b."
        );
        assert_eq!(without_instance_keys(""), "");
    }
}

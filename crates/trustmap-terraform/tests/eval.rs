//! Static evaluation of Terraform: variables, locals, expressions, functions, expansion,
//! modules, references, bad input.

use std::collections::HashMap;
use trustmap_model::{Diagnostic, DiagnosticLevel};
use trustmap_model::{Limit, Limits};
use trustmap_terraform::{
    Budgets, Resource, RootModule, TerraformFile, Value, evaluate_module, evaluate_module_within,
    parse_root_modules,
};

fn file(path: &str, text: &str) -> TerraformFile {
    TerraformFile {
        path: path.into(),
        text: text.into(),
    }
}

/// Evaluates `files` as the root module, with `modules` as the other folders of the scan.
fn eval_with(files: &[(&str, &str)], modules: &[(&str, &str)]) -> (Vec<Resource>, Vec<Diagnostic>) {
    let root: Vec<TerraformFile> = files.iter().map(|(p, t)| file(p, t)).collect();
    let mut folders: HashMap<String, Vec<TerraformFile>> = HashMap::new();
    for (p, t) in modules {
        let dir = p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        folders.entry(dir).or_default().push(file(p, t));
    }
    let read = move |dir: &str| folders.get(dir).cloned().unwrap_or_default();
    evaluate_module(&root, &[], &read)
}

/// Limits with some bounds set (small, so that bounded cases stay fast).
fn limits(set: &[(Limit, u64)]) -> Limits {
    let mut limits = Limits::default();
    for (limit, value) in set {
        limits.set(*limit, *value);
    }
    limits
}

/// Evaluates `main.tf` (and module folders) under the given limits.
fn eval_limited_with(
    files: &[(&str, &str)],
    set: &[(Limit, u64)],
) -> (Vec<Resource>, Vec<Diagnostic>) {
    let mut folders: HashMap<String, Vec<TerraformFile>> = HashMap::new();
    for (p, t) in files {
        let dir = p.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        folders.entry(dir).or_default().push(file(p, t));
    }
    let root = folders.remove("").unwrap_or_default();
    let read = move |dir: &str| folders.get(dir).cloned().unwrap_or_default();
    evaluate_module_within(&root, &[], &read, &Budgets::new(&limits(set)))
}

fn eval_limited(main: &str, set: &[(Limit, u64)]) -> (Vec<Resource>, Vec<Diagnostic>) {
    eval_limited_with(&[("main.tf", main)], set)
}

/// How many `Error` diagnostics report that limit.
fn limit_errors(diags: &[Diagnostic], limit: Limit) -> usize {
    diags
        .iter()
        .filter(|d| d.code == limit.code() && d.level == DiagnosticLevel::Error)
        .count()
}

fn eval(main: &str) -> (Vec<Resource>, Vec<Diagnostic>) {
    eval_with(&[("main.tf", main)], &[])
}

fn res<'a>(rs: &'a [Resource], address: &str) -> &'a Resource {
    rs.iter()
        .find(|r| r.address == address)
        .unwrap_or_else(|| panic!("no {address} in {:?}", addresses(rs)))
}

fn addresses(rs: &[Resource]) -> Vec<&str> {
    rs.iter().map(|r| r.address.as_str()).collect()
}

fn arg<'a>(rs: &'a [Resource], address: &str, name: &str) -> &'a Value {
    res(rs, address)
        .body
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {address}"))
}

fn s<'a>(rs: &'a [Resource], address: &str, name: &str) -> &'a str {
    arg(rs, address, name)
        .as_str()
        .unwrap_or_else(|| panic!("{name} of {address} is {:?}", arg(rs, address, name)))
}

fn strings(v: &Value) -> Vec<String> {
    v.items()
        .iter()
        .map(|i| i.as_str().unwrap_or("?").to_string())
        .collect()
}

fn reference(v: &Value) -> (&str, &str) {
    match v {
        Value::Reference {
            address, attribute, ..
        } => (address, attribute),
        other => panic!("not a reference: {other:?}"),
    }
}

#[test]
fn variables_defaults_and_tfvars() {
    let main = r#"
variable "name" { default = "app" }
variable "env" {}
variable "port" { default = 80 }
variable "missing" {}
resource "aws_s3_bucket" "b" {
  bucket = "${var.name}-${var.env}"
  port   = var.port
  other  = var.missing
}
"#;
    let files = [
        file("infra/main.tf", main),
        file("infra/terraform.tfvars", "env = \"prod\"\nport = 443\n"),
        file("infra/b.auto.tfvars", "port = 8443\n"),
    ];
    let (rs, diags) = evaluate_module(&files, &[file("prod.tfvars", "name = \"shop\"")], &|_| {
        Vec::new()
    });
    assert_eq!(s(&rs, "aws_s3_bucket.b", "bucket"), "shop-prod");
    assert_eq!(arg(&rs, "aws_s3_bucket.b", "port").as_f64(), Some(8443.0));
    assert!(arg(&rs, "aws_s3_bucket.b", "other").is_unknown());
    let notes: Vec<_> = diags
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Note)
        .collect();
    assert_eq!(notes.len(), 1, "{diags:?}");
    assert!(notes[0].message.contains("\"missing\""));
    assert_eq!(notes[0].span.file, "infra/main.tf");
    assert_eq!(notes[0].span.start.line, 5);
}

#[test]
fn optional_attributes_take_their_type_defaults() {
    let main = r#"
variable "cluster" {
  type = object({
    name     = string
    private  = optional(bool, true)
    zones    = optional(list(string))
    network  = optional(object({ policy = optional(bool, true), tier = optional(string, "std") }), {})
    pools    = optional(list(object({ spot = optional(bool, false) })), [])
    by_name  = optional(map(object({ tls = optional(string, "1.2") })), {})
  })
  default = {
    name    = "prod"
    network = { tier = "premium" }
    pools   = [{}, { spot = true }]
    by_name = { a = {}, b = { tls = "1.3" } }
  }
}
variable "given" {
  type = object({ private = optional(bool, true) })
}
variable "unset" {
  type = object({ private = optional(bool, true) })
}
resource "google_container_cluster" "c" {
  name    = var.cluster.name
  private = var.cluster.private
  zones   = var.cluster.zones
  policy  = var.cluster.network.policy
  tier    = var.cluster.network.tier
  spot0   = var.cluster.pools[0].spot
  spot1   = var.cluster.pools[1].spot
  tls_a   = var.cluster.by_name["a"].tls
  tls_b   = var.cluster.by_name["b"].tls
  given   = var.given.private
  unset   = var.unset
}
"#;
    let files = [
        file("main.tf", main),
        file("terraform.tfvars", "given = { private = false }\n"),
    ];
    let (rs, _) = evaluate_module(&files, &[], &|_| Vec::new());
    let c = "google_container_cluster.c";
    let flag = |name: &str| arg(&rs, c, name).as_bool();
    assert_eq!(flag("private"), Some(true));
    assert!(matches!(arg(&rs, c, "zones"), Value::Null(_)));
    assert_eq!(flag("policy"), Some(true));
    assert_eq!(s(&rs, c, "tier"), "premium");
    assert_eq!((flag("spot0"), flag("spot1")), (Some(false), Some(true)));
    assert_eq!((s(&rs, c, "tls_a"), s(&rs, c, "tls_b")), ("1.2", "1.3"));
    // A value given for the attribute is kept; an unknown value stays unknown.
    assert_eq!(flag("given"), Some(false));
    assert!(arg(&rs, c, "unset").is_unknown());
    // The value is shown where it was written: the type's default, which decides it.
    assert_eq!(arg(&rs, c, "private").span().start.line, 5);

    // In `.tf.json`, the type is a string of HCL.
    let json = r#"{
  "variable": { "v": { "type": "object({ private = optional(bool, true) })", "default": {} } },
  "resource": { "google_container_cluster": { "j": { "private": "${var.v.private}" } } }
}"#;
    let (rs, diags) = eval_with(&[("main.tf.json", json)], &[]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        arg(&rs, "google_container_cluster.j", "private").as_bool(),
        Some(true)
    );
}

#[test]
fn locals_in_dependency_order() {
    let (rs, diags) = eval(
        r#"
locals {
  full = "${local.prefix}-${local.suffix}"
  prefix = upper(local.base)
  base = "web"
  suffix = 1 + 2
}
resource "aws_instance" "x" { name = local.full }
"#,
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(s(&rs, "aws_instance.x", "name"), "WEB-3");
}

#[test]
fn locals_cycle_is_reported_not_hung() {
    let (rs, diags) = eval(
        r#"
locals {
  a = local.b
  b = "${local.c}x"
  c = local.a
  d = "fine"
}
resource "aws_instance" "x" {
  a = local.a
  d = local.d
}
"#,
    );
    assert!(arg(&rs, "aws_instance.x", "a").is_unknown());
    assert_eq!(s(&rs, "aws_instance.x", "d"), "fine");
    let cycles: Vec<_> = diags
        .iter()
        .filter(|d| d.code == "terraform-locals-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{diags:?}");
    assert_eq!(cycles[0].level, DiagnosticLevel::Warning);
    assert!(
        cycles[0]
            .message
            .contains("local.a -> local.b -> local.c -> local.a")
    );
}

#[test]
fn templates_with_unknown_parts_are_unknown() {
    let (rs, _) = eval(
        r#"
variable "unset" {}
resource "aws_instance" "x" {
  a = "known-${1 + 1}"
  b = "host-${var.unset}"
  c = "sg-${aws_security_group.web.id}"
  d = "${aws_security_group.web.id}"
  e = "${data.aws_ami.x.id}"
  f = <<-EOT
    hello ${"world"}
    EOT
  g = "a ${"b"} %{if true}c%{endif}"
  h = "x  ${~ "y" ~}  z"
  i = "serviceAccount:${aws_security_group.web.id}"
}
"#,
    );
    assert_eq!(s(&rs, "aws_instance.x", "a"), "known-2");
    assert!(arg(&rs, "aws_instance.x", "b").is_unknown());
    // A derived name is another thing: unknown.
    assert!(arg(&rs, "aws_instance.x", "c").is_unknown());
    assert_eq!(
        reference(arg(&rs, "aws_instance.x", "d")),
        ("aws_security_group.web", "id")
    );
    assert!(arg(&rs, "aws_instance.x", "e").is_unknown());
    assert_eq!(s(&rs, "aws_instance.x", "f"), "hello world\n");
    assert!(arg(&rs, "aws_instance.x", "g").is_unknown());
    assert_eq!(s(&rs, "aws_instance.x", "h"), "xyz");
    // A member written as `kind:${resource}` names that resource.
    assert_eq!(
        reference(arg(&rs, "aws_instance.x", "i")),
        ("aws_security_group.web", "")
    );
}

#[test]
fn for_expressions_conditionals_and_splats() {
    let (rs, _) = eval(
        r#"
variable "ports" { default = [22, 80, 443] }
variable "unset" {}
variable "users" {
  default = {
    alice = { admin = true }
    bob   = { admin = false }
  }
}
locals {
  objs = [{ id = "a" }, { id = "b" }]
}
resource "aws_instance" "x" {
  web     = [for p in var.ports : "p${p}" if p != 22]
  admins  = [for name, u in var.users : name if u.admin]
  by_name = { for name, u in var.users : upper(name) => u.admin }
  grouped = { for p in var.ports : (p > 100 ? "high" : "low") => p... }
  ids     = local.objs[*].id
  legacy  = local.objs.*.id
  second  = var.ports[1]
  cond    = length(var.ports) > 2 ? "many" : "few"
  unknown = var.nope == null ? "a" : "b"
  logic   = false && var.unset
  logic2  = true && var.unset
}
"#,
    );
    let a = "aws_instance.x";
    assert_eq!(strings(arg(&rs, a, "web")), ["p80", "p443"]);
    assert_eq!(strings(arg(&rs, a, "admins")), ["alice"]);
    let by_name = arg(&rs, a, "by_name");
    assert_eq!(by_name.get("ALICE").and_then(Value::as_bool), Some(true));
    assert_eq!(by_name.get("BOB").and_then(Value::as_bool), Some(false));
    let grouped = arg(&rs, a, "grouped");
    assert_eq!(grouped.get("low").unwrap().items().len(), 2);
    assert_eq!(strings(arg(&rs, a, "ids")), ["a", "b"]);
    assert_eq!(strings(arg(&rs, a, "legacy")), ["a", "b"]);
    assert_eq!(arg(&rs, a, "second").as_f64(), Some(80.0));
    assert_eq!(s(&rs, a, "cond"), "many");
    // An undeclared variable is an error in Terraform: unknown here, never a guess.
    assert!(arg(&rs, a, "unknown").is_unknown());
    assert_eq!(arg(&rs, a, "logic").as_bool(), Some(false));
    assert!(arg(&rs, a, "logic2").is_unknown());
}

#[test]
fn functions() {
    let (rs, _) = eval(
        r#"
variable "unset" {}
locals {
  m = merge({ a = 1, b = 2 }, { b = 3 })
}
resource "aws_instance" "x" {
  concat   = concat(["a"], ["b", "c"])
  merge_b  = local.m.b
  lookup   = lookup(local.m, "z", "dflt")
  element  = element(["a", "b"], 3)
  format   = format("%s:%d", "h", 80)
  join     = join(",", ["a", "b"])
  split    = split(",", "a,b")
  subnet   = cidrsubnet("10.0.0.0/16", 8, 1)
  host     = cidrhost("10.0.0.0/24", 10)
  set      = toset(["b", "a", "b"])
  coalesce = coalesce("", null, "x")
  try      = try(local.m.nope, "fallback")
  can      = can(local.m.nope)
  json     = jsonencode({ b = [1, true], a = "x" })
  decoded  = jsondecode("{\"k\": \"v\"}").k
  length   = length(["a", "b", "c"])
  keys     = keys({ b = 1, a = 2 })
  contains = contains(["a", "b"], "b")
  distinct = distinct(["a", "a", "b"])
  flatten  = flatten([["a"], ["b", ["c"]]])
  case     = "${lower("AB")}${upper("cd")}"
  replace  = replace("a-b-c", "-", "_")
  trim     = trimspace("  x  ")
  min      = min(3, 1, 2)
  max      = max([4, 9]...)
  compact  = compact(["a", "", null, "b"])
  zipmap   = zipmap(["k"], ["v"])
  file     = file("secret.txt")
  tmpl     = templatefile("t.tpl", {})
  unknown  = upper(var.unset)
  partial  = concat(["a"], [var.unset])
  regex    = replace("abc", "/b/", "x")
}
"#,
    );
    let a = "aws_instance.x";
    assert_eq!(strings(arg(&rs, a, "concat")), ["a", "b", "c"]);
    assert_eq!(arg(&rs, a, "merge_b").as_f64(), Some(3.0));
    assert_eq!(s(&rs, a, "lookup"), "dflt");
    assert_eq!(s(&rs, a, "element"), "b");
    assert_eq!(s(&rs, a, "format"), "h:80");
    assert_eq!(s(&rs, a, "join"), "a,b");
    assert_eq!(strings(arg(&rs, a, "split")), ["a", "b"]);
    assert_eq!(s(&rs, a, "subnet"), "10.0.1.0/24");
    assert_eq!(s(&rs, a, "host"), "10.0.0.10");
    assert_eq!(strings(arg(&rs, a, "set")), ["a", "b"]);
    assert_eq!(s(&rs, a, "coalesce"), "x");
    assert_eq!(s(&rs, a, "try"), "fallback");
    assert_eq!(arg(&rs, a, "can").as_bool(), Some(false));
    assert_eq!(s(&rs, a, "json"), r#"{"a":"x","b":[1,true]}"#);
    assert_eq!(s(&rs, a, "decoded"), "v");
    assert_eq!(arg(&rs, a, "length").as_f64(), Some(3.0));
    assert_eq!(strings(arg(&rs, a, "keys")), ["a", "b"]);
    assert_eq!(arg(&rs, a, "contains").as_bool(), Some(true));
    assert_eq!(strings(arg(&rs, a, "distinct")), ["a", "b"]);
    assert_eq!(strings(arg(&rs, a, "flatten")), ["a", "b", "c"]);
    assert_eq!(s(&rs, a, "case"), "abCD");
    assert_eq!(s(&rs, a, "replace"), "a_b_c");
    assert_eq!(s(&rs, a, "trim"), "x");
    assert_eq!(arg(&rs, a, "min").as_f64(), Some(1.0));
    assert_eq!(arg(&rs, a, "max").as_f64(), Some(9.0));
    assert_eq!(strings(arg(&rs, a, "compact")), ["a", "b"]);
    assert_eq!(
        arg(&rs, a, "zipmap").get("k").and_then(Value::as_str),
        Some("v")
    );
    for unknown in ["file", "tmpl", "unknown", "regex"] {
        assert!(arg(&rs, a, unknown).is_unknown(), "{unknown}");
    }
    let partial = arg(&rs, a, "partial").items();
    assert_eq!(partial[0].as_str(), Some("a"));
    assert!(partial[1].is_unknown());
}

#[test]
fn count_and_for_each_addresses() {
    let (rs, diags) = eval(
        r#"
variable "n" { default = 2 }
variable "unset" {}
resource "aws_subnet" "c" {
  count = var.n
  name  = "s${count.index}"
}
resource "aws_s3_bucket" "set" {
  for_each = toset(["b", "a"])
  bucket   = each.key
}
resource "aws_s3_bucket" "map" {
  for_each = { logs = "private", site = "public-read" }
  acl      = each.value
  name     = each.key
}
resource "aws_instance" "none" { count = 0 }
resource "aws_instance" "unknown" {
  count = var.unset
  name  = "i${count.index}"
}
resource "aws_instance" "cond" {
  count = true ? 1 : 0
}
"#,
    );
    assert_eq!(
        addresses(&rs),
        [
            "aws_instance.cond[0]",
            "aws_instance.unknown",
            "aws_s3_bucket.map[\"logs\"]",
            "aws_s3_bucket.map[\"site\"]",
            "aws_s3_bucket.set[\"a\"]",
            "aws_s3_bucket.set[\"b\"]",
            "aws_subnet.c[0]",
            "aws_subnet.c[1]",
        ]
    );
    assert_eq!(s(&rs, "aws_subnet.c[1]", "name"), "s1");
    assert_eq!(res(&rs, "aws_subnet.c[1]").base_address, "aws_subnet.c");
    assert_eq!(s(&rs, "aws_s3_bucket.set[\"a\"]", "bucket"), "a");
    assert_eq!(s(&rs, "aws_s3_bucket.map[\"site\"]", "acl"), "public-read");
    assert!(arg(&rs, "aws_instance.unknown", "name").is_unknown());
    assert!(
        res(&rs, "aws_s3_bucket.map[\"logs\"]")
            .body
            .get("for_each")
            .is_none()
    );
    assert!(
        diags
            .iter()
            .any(|d| d.code == "terraform-unknown-count" && d.level == DiagnosticLevel::Note),
        "{diags:?}"
    );
}

#[test]
fn runaway_count_is_refused_as_one_instance() {
    let (rs, diags) = eval_limited(
        r#"resource "aws_instance" "x" { count = 100000 }"#,
        &[(Limit::Instances, 1000)],
    );
    assert_eq!(addresses(&rs), ["aws_instance.x"]);
    assert_eq!(limit_errors(&diags, Limit::Instances), 1, "{diags:?}");
}

#[test]
fn dynamic_and_nested_blocks() {
    let (rs, _) = eval(
        r#"
variable "rules" {
  default = [
    { port = 22, cidr = "10.0.0.0/8" },
    { port = 443, cidr = "0.0.0.0/0" },
  ]
}
variable "unset" {}
resource "aws_security_group" "web" {
  ingress {
    from_port   = 80
    cidr_blocks = ["0.0.0.0/0"]
  }
  dynamic "ingress" {
    for_each = var.rules
    iterator = rule
    content {
      from_port   = rule.value.port
      cidr_blocks = [rule.value.cidr]
    }
  }
  dynamic "egress" {
    for_each = var.unset
    content { from_port = egress.value }
  }
  lifecycle { create_before_destroy = true }
}
"#,
    );
    let body = &res(&rs, "aws_security_group.web").body;
    let ingress = body.all("ingress");
    assert_eq!(ingress.len(), 3);
    let ports: Vec<f64> = ingress
        .iter()
        .filter_map(|i| i.get("from_port").and_then(Value::as_f64))
        .collect();
    assert_eq!(ports, [80.0, 22.0, 443.0]);
    assert_eq!(
        strings(ingress[2].get("cidr_blocks").unwrap()),
        ["0.0.0.0/0"]
    );
    let egress = body.all("egress");
    assert_eq!(egress.len(), 1);
    assert!(egress[0].is_unknown());
    assert!(body.get("lifecycle").is_none());
}

#[test]
fn references_stay_references() {
    let (rs, _) = eval(
        r#"
resource "aws_security_group" "a" {}
resource "aws_instance" "x" {
  count = 2
  vpc_security_group_ids = [aws_security_group.a.id, aws_security_group.b.id]
  single  = aws_security_group.a.id
  indexed = aws_instance.y[0].private_ip
  keyed   = aws_instance.z["web"].arn
  dynamic = aws_instance.y[count.index].id
  splat   = aws_instance.y[*].id
  whole   = aws_security_group.a
  data    = data.aws_vpc.main.id
}
"#,
    );
    let a = "aws_instance.x[1]";
    let ids = arg(&rs, a, "vpc_security_group_ids").items();
    assert_eq!(reference(ids[0]), ("aws_security_group.a", "id"));
    assert_eq!(reference(ids[1]), ("aws_security_group.b", "id"));
    assert_eq!(
        reference(arg(&rs, a, "single")),
        ("aws_security_group.a", "id")
    );
    assert_eq!(
        reference(arg(&rs, a, "indexed")),
        ("aws_instance.y[0]", "private_ip")
    );
    assert_eq!(
        reference(arg(&rs, a, "keyed")),
        ("aws_instance.z[\"web\"]", "arn")
    );
    assert_eq!(
        reference(arg(&rs, a, "dynamic")),
        ("aws_instance.y[1]", "id")
    );
    let splat = arg(&rs, a, "splat").items();
    assert_eq!(splat.len(), 1);
    assert_eq!(reference(splat[0]), ("aws_instance.y", "id"));
    assert_eq!(
        reference(arg(&rs, a, "whole")),
        ("aws_security_group.a", "")
    );
    assert!(arg(&rs, a, "data").is_unknown());
}

#[test]
fn local_module_with_inputs_and_outputs() {
    let main = r#"
module "net" {
  source = "./modules/net"
  name   = "prod"
}
module "many" {
  source   = "./modules/net"
  for_each = toset(["a", "b"])
  name     = each.key
}
resource "aws_instance" "x" {
  subnet    = module.net.subnet_id
  label     = module.net.label
  many      = module.many["b"].label
}
"#;
    let module = r#"
variable "name" {}
resource "aws_subnet" "s" {
  name = "${var.name}-subnet"
  vpc  = aws_vpc.v.id
}
resource "aws_vpc" "v" {}
output "subnet_id" { value = aws_subnet.s.id }
output "label" { value = "net-${var.name}" }
"#;
    let (rs, diags) = eval_with(
        &[("infra/main.tf", main)],
        &[("infra/modules/net/main.tf", module)],
    );
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        addresses(&rs),
        [
            "aws_instance.x",
            "module.many[\"a\"].aws_subnet.s",
            "module.many[\"a\"].aws_vpc.v",
            "module.many[\"b\"].aws_subnet.s",
            "module.many[\"b\"].aws_vpc.v",
            "module.net.aws_subnet.s",
            "module.net.aws_vpc.v",
        ]
    );
    let s_ = res(&rs, "module.net.aws_subnet.s");
    assert_eq!(s_.base_address, "module.net.aws_subnet.s");
    assert_eq!(s_.span.file, "infra/modules/net/main.tf");
    let called = s_.called_from.as_ref().unwrap();
    assert_eq!(
        (called.file.as_str(), called.start.line),
        ("infra/main.tf", 2)
    );
    assert_eq!(s(&rs, "module.net.aws_subnet.s", "name"), "prod-subnet");
    assert_eq!(
        reference(arg(&rs, "module.net.aws_subnet.s", "vpc")),
        ("module.net.aws_vpc.v", "id")
    );
    assert_eq!(
        reference(arg(&rs, "aws_instance.x", "subnet")),
        ("module.net.aws_subnet.s", "id")
    );
    assert_eq!(s(&rs, "aws_instance.x", "label"), "net-prod");
    assert_eq!(s(&rs, "aws_instance.x", "many"), "net-b");
    assert_eq!(
        s(&rs, "module.many[\"a\"].aws_subnet.s", "name"),
        "a-subnet"
    );
    assert!(res(&rs, "aws_instance.x").called_from.is_none());
}

#[test]
fn recursive_module_stops_at_the_cycle_with_an_error() {
    let (rs, diags) = eval_with(
        &[("main.tf", "module \"m\" { source = \"./m\" }")],
        &[(
            "m/main.tf",
            "module \"again\" { source = \"./\" }\nresource \"aws_vpc\" \"v\" {}",
        )],
    );
    assert_eq!(addresses(&rs), ["module.m.aws_vpc.v"]);
    assert!(
        diags
            .iter()
            .any(|d| d.code == "terraform-module-cycle" && d.level == DiagnosticLevel::Error),
        "{diags:?}"
    );
}

#[test]
fn remote_module_is_a_note_with_unknown_outputs() {
    let (rs, diags) = eval(
        r#"
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
resource "aws_instance" "x" { subnet_id = module.vpc.private_subnets[0] }
"#,
    );
    assert_eq!(addresses(&rs), ["aws_instance.x"]);
    assert!(arg(&rs, "aws_instance.x", "subnet_id").is_unknown());
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].level, DiagnosticLevel::Note);
    assert_eq!(diags[0].code, "terraform-remote-module");
}

#[test]
fn broken_file_is_an_error_and_others_are_read() {
    let (rs, diags) = eval_with(
        &[
            ("a.tf", "resource \"aws_vpc\" \"ok\" {}\n"),
            ("b.tf", "resource \"aws_vpc\" \"bad\" {\n  x = = 1\n}\n"),
        ],
        &[],
    );
    assert_eq!(addresses(&rs), ["aws_vpc.ok"]);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].level, DiagnosticLevel::Error);
    assert_eq!(diags[0].span.file, "b.tf");
    assert_eq!(diags[0].span.start.line, 2);
    assert!(!diags[0].message.is_empty());
}

#[test]
fn spans_point_at_attributes_and_blocks() {
    let (rs, _) = eval(
        "\n\nresource \"aws_db_instance\" \"d\" {\n  engine = \"pg\"\n  publicly_accessible = true\n}\n",
    );
    let r = res(&rs, "aws_db_instance.d");
    assert_eq!((r.span.start.line, r.span.end.line), (3, 6));
    let v = arg(&rs, "aws_db_instance.d", "publicly_accessible");
    assert_eq!((v.span().start.line, v.span().start.column), (5, 3));
}

#[test]
fn json_syntax() {
    let json = r#"{
  "variable": { "name": { "default": "logs" } },
  "locals": { "prefix": "app" },
  "resource": {
    "aws_s3_bucket": {
      "b": {
        "bucket": "${local.prefix}-${var.name}",
        "count": 2,
        "acl": "private",
        "sg": "${aws_security_group.x.id}",
        "versioning": { "enabled": true }
      }
    }
  }
}"#;
    let (rs, diags) = eval_with(&[("main.tf.json", json)], &[]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(addresses(&rs), ["aws_s3_bucket.b[0]", "aws_s3_bucket.b[1]"]);
    assert_eq!(s(&rs, "aws_s3_bucket.b[0]", "bucket"), "app-logs");
    assert_eq!(
        reference(arg(&rs, "aws_s3_bucket.b[0]", "sg")),
        ("aws_security_group.x", "id")
    );
    let versioning = arg(&rs, "aws_s3_bucket.b[0]", "versioning");
    assert_eq!(
        versioning.get("enabled").and_then(Value::as_bool),
        Some(true)
    );
    assert_eq!(res(&rs, "aws_s3_bucket.b[0]").span.start.line, 6);
    assert_eq!(arg(&rs, "aws_s3_bucket.b[0]", "acl").span().start.line, 9);

    let (_, diags) = eval_with(&[("bad.tf.json", "{\n  \"resource\": [\n")], &[]);
    assert_eq!(diags[0].level, DiagnosticLevel::Error);
    assert!(diags[0].span.start.line >= 2);
}

#[test]
fn deep_chains_do_not_overflow() {
    let mut text = String::from("locals {\n  l0 = 1\n");
    for i in 1..400 {
        text.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
    }
    text.push_str("}\nresource \"aws_instance\" \"x\" { v = local.l399 }\n");
    let (rs, diags) = eval(&text);
    // Either computed or bounded, never a crash.
    let v = arg(&rs, "aws_instance.x", "v");
    assert!(v.is_unknown() || v.as_f64() == Some(400.0));
    assert!(v.as_f64().is_some() || diags.iter().any(|d| d.code.starts_with("limit-")));

    let nested = format!(
        "resource \"a_b\" \"c\" {{ v = {}1{} }}",
        "[".repeat(60),
        "]".repeat(60)
    );
    let _ = eval(&nested);
}

/// A small deterministic generator, so the fuzz test needs no dependency.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn fuzz_truncated_and_mutated_inputs_never_panic() {
    let sources = [
        include_str!("eval.rs"),
        r#"
variable "v" { default = { a = [1, 2] } }
locals { x = { for k, v in var.v : k => [for i in v : i * 2] } }
resource "aws_security_group" "s" {
  count = length(local.x.a)
  dynamic "ingress" {
    for_each = local.x
    content { from_port = ingress.value[0] }
  }
  name = "${try(local.x.a[5], "d")}-${count.index}"
}
module "m" { source = "./m" }
"#,
        r#"{"resource": {"aws_s3_bucket": {"b": {"bucket": "${var.x}", "count": "${2}"}}}}"#,
    ];
    let junk = [
        "${", "}", "\"", "[", "]", "{", "=", "\n", "%{", "..", "*", "<<EOT\n", "(", ")",
    ];
    let mut seed = 42u64;
    for (n, src) in sources.iter().enumerate() {
        for round in 0..150 {
            let mut text: Vec<char> = src.chars().collect();
            let cut = (lcg(&mut seed) as usize) % (text.len() + 1);
            if round % 2 == 0 {
                text.truncate(cut);
            } else {
                let j = junk[(lcg(&mut seed) as usize) % junk.len()];
                let at = cut.min(text.len());
                text.splice(at..at, j.chars());
            }
            let text: String = text.into_iter().collect();
            let name = if n == 2 { "x.tf.json" } else { "x.tf" };
            let _ = eval_with(&[(name, &text)], &[("m/main.tf", &text)]);
        }
    }
}

/// Terraform keeps an object constructor that repeats a key; so does trustmap, with a note.
#[test]
fn repeated_object_keys_are_read_with_a_note() {
    let (rs, diags) = eval(
        "resource \"aws_lb_target_group\" \"app\" {\n  tags = {\n    port = \"80\"\n    port = \"81\"\n  }\n  name = \"app\"\n}\n",
    );
    assert_eq!(s(&rs, "aws_lb_target_group.app", "name"), "app");
    // The last value wins, as in Terraform.
    let tags = arg(&rs, "aws_lb_target_group.app", "tags");
    assert_eq!(tags.get("port").and_then(|p| p.as_str()), Some("81"));
    let note = diags
        .iter()
        .find(|d| d.code == "terraform-repeated-key")
        .expect("a note");
    assert_eq!(note.span.start.line, 4);
    assert!(
        !diags.iter().any(|d| d.code == "terraform-syntax"),
        "{diags:?}"
    );
}

/// An operator at the end of a line continues the expression on the next code line, as
/// Terraform reads it, comments included; a comment that ends like an operator hides nothing.
#[test]
fn operators_at_line_ends_continue_but_comments_do_not() {
    let (rs, diags) = eval(
        "locals {\n  on = {\n    for k in [\"a\"] :\n    k =>\n    true && # why\n    // still\n    true\n  }\n}\nresource \"aws_ebs_volume\" \"v\" {\n  encrypted = local.on[\"a\"]\n}\n",
    );
    assert!(
        diags.iter().all(|d| d.code != "terraform-syntax"),
        "{diags:?}"
    );
    assert_eq!(
        arg(&rs, "aws_ebs_volume.v", "encrypted").as_bool(),
        Some(true)
    );
    let (_, diags) = eval(
        "resource \"aws_db_instance\" \"d\" {\n  // Note:\n  storage_encrypted = false false\n}\n",
    );
    assert!(
        diags.iter().any(|d| d.code == "terraform-syntax"),
        "{diags:?}"
    );
}

/// `s1 = "${local.s0}${local.s0}"` forty times would be a terabyte.
#[test]
fn doubling_strings_stop_at_the_value_size_limit() {
    let mut text = String::from("locals {\n  s0 = \"ab\"\n");
    for i in 1..=40 {
        text.push_str(&format!(
            "  s{i} = \"${{local.s{0}}}${{local.s{0}}}\"\n",
            i - 1
        ));
    }
    text.push_str("}\nresource \"aws_instance\" \"x\" { v = local.s40 }\n");
    let (rs, diags) = eval_limited(&text, &[(Limit::ValueSize, 10_000)]);
    assert!(arg(&rs, "aws_instance.x", "v").is_unknown());
    assert_eq!(limit_errors(&diags, Limit::ValueSize), 1, "{diags:?}");
}

/// `l1 = concat(local.l0, local.l0)` forty times would be a trillion entries.
#[test]
fn doubling_lists_stop_at_the_value_size_limit() {
    let mut text = String::from("locals {\n  l0 = [1]\n");
    for i in 1..=40 {
        text.push_str(&format!("  l{i} = concat(local.l{0}, local.l{0})\n", i - 1));
    }
    text.push_str("}\nresource \"aws_instance\" \"x\" { v = local.l40 }\n");
    let (rs, diags) = eval_limited(&text, &[(Limit::ValueSize, 10_000)]);
    assert!(arg(&rs, "aws_instance.x", "v").is_unknown());
    assert_eq!(limit_errors(&diags, Limit::ValueSize), 1, "{diags:?}");
}

/// String functions and `for` refuse to build a value past the limit.
#[test]
fn string_functions_and_for_respect_the_value_size_limit() {
    let text = r#"
locals {
  big  = join("", [for i in range(900) : "0123456789"])
  list = [for i in range(900) : "x"]
}
resource "aws_instance" "x" {
  replaced = replace(local.big, "0", local.big)
  joined   = join(local.big, local.list)
  formatted = format("%s%s%s", local.big, local.big, local.big)
  templated = "${local.big}${local.big}${local.big}"
  ranged   = range(1e9)
  looped   = [for i in range(900) : local.big]
  small    = join("-", ["a", "b"])
}
"#;
    let (rs, diags) = eval_limited(text, &[(Limit::ValueSize, 10_000)]);
    for name in [
        "replaced",
        "joined",
        "formatted",
        "templated",
        "ranged",
        "looped",
    ] {
        assert!(arg(&rs, "aws_instance.x", name).is_unknown(), "{name}");
    }
    assert_eq!(s(&rs, "aws_instance.x", "small"), "a-b");
    assert_eq!(limit_errors(&diags, Limit::ValueSize), 1, "{diags:?}");
}

/// A module with `count = 1000` calling one with `count = 1000` holding a resource with
/// `count = 1000`: the instances are one budget, not a bound per block.
#[test]
fn nested_counts_share_one_instance_budget() {
    let files = [
        (
            "main.tf",
            "module \"a\" {\n  source = \"./a\"\n  count = 1000\n}\n",
        ),
        (
            "a/main.tf",
            "module \"b\" {\n  source = \"../b\"\n  count = 1000\n}\n",
        ),
        (
            "b/main.tf",
            "resource \"aws_instance\" \"x\" { count = 1000 }\n",
        ),
    ];
    let (rs, diags) = eval_limited_with(&files, &[(Limit::Instances, 5_000)]);
    assert!(rs.len() <= 5_000, "{}", rs.len());
    assert_eq!(limit_errors(&diags, Limit::Instances), 1, "{diags:?}");
}

/// `count = 1e12`, `count = 1e400` and `for_each = range(1e9)`: refused, not expanded.
#[test]
fn huge_count_and_for_each_are_refused_with_the_limit() {
    let text = r#"
resource "aws_instance" "a" { count = 1e12 }
resource "aws_instance" "b" { count = 1e400 }
resource "aws_instance" "c" { for_each = range(1e9) }
resource "aws_instance" "d" { for_each = toset([for i in range(2000) : tostring(i)]) }
"#;
    let (rs, diags) = eval_limited(text, &[(Limit::Instances, 1_000)]);
    assert_eq!(
        addresses(&rs),
        [
            "aws_instance.a",
            "aws_instance.b",
            "aws_instance.c",
            "aws_instance.d"
        ]
    );
    assert!(
        !diags.iter().any(|d| d.code == "terraform-syntax"),
        "{diags:?}"
    );
    assert_eq!(limit_errors(&diags, Limit::Instances), 1, "{diags:?}");
    assert_eq!(limit_errors(&diags, Limit::ValueSize), 1, "{diags:?}");
}

/// Evaluation steps and instances hold for the whole scan: two roots draw from one budget.
#[test]
fn budgets_hold_across_root_modules() {
    let root = |dir: &str| RootModule {
        dir: dir.to_string(),
        files: vec![file(
            &format!("{dir}/main.tf"),
            "resource \"aws_instance\" \"x\" { count = 600 }\n",
        )],
        var_files: Vec::new(),
        documents: Vec::new(),
        document_kind: None,
    };
    let roots = [root("a"), root("b")];
    let fragment = parse_root_modules(
        &roots,
        &Default::default(),
        &limits(&[(Limit::Instances, 1_000)]),
    );
    assert_eq!(limit_errors(&fragment.diagnostics, Limit::Instances), 1);
}

/// Module calls nested past the module depth limit stop with its diagnostic.
#[test]
fn module_depth_is_the_configured_limit() {
    let files = [
        ("main.tf", "module \"a\" { source = \"./a\" }\n"),
        (
            "a/main.tf",
            "module \"b\" { source = \"../b\" }\nresource \"aws_vpc\" \"a\" {}\n",
        ),
        ("b/main.tf", "resource \"aws_vpc\" \"b\" {}\n"),
    ];
    let (rs, diags) = eval_limited_with(&files, &[(Limit::ModuleDepth, 1)]);
    assert_eq!(addresses(&rs), ["module.a.aws_vpc.a"]);
    assert_eq!(limit_errors(&diags, Limit::ModuleDepth), 1, "{diags:?}");
}

/// Evaluation steps are one budget: past it, values are unknown, with one diagnostic.
#[test]
fn evaluation_steps_are_bounded() {
    let text = "locals {\n  l = [for i in range(5000) : i + 1]\n}\nresource \"aws_vpc\" \"v\" { l = local.l }\n";
    let (rs, diags) = eval_limited(text, &[(Limit::EvalSteps, 1_000)]);
    assert!(arg(&rs, "aws_vpc.v", "l").is_unknown());
    assert_eq!(limit_errors(&diags, Limit::EvalSteps), 1, "{diags:?}");
}

/// Terraform reads `1e400` as a (huge) number, not as invalid HCL.
#[test]
fn huge_number_literals_are_numbers_not_syntax_errors() {
    let (rs, diags) = eval("resource \"aws_vpc\" \"v\" {\n  big = 1e400\n  after = \"x\"\n}\n");
    assert!(
        !diags.iter().any(|d| d.code == "terraform-syntax"),
        "{diags:?}"
    );
    assert!(
        arg(&rs, "aws_vpc.v", "big")
            .as_f64()
            .is_some_and(|n| n >= 1e308)
    );
    assert_eq!(arg(&rs, "aws_vpc.v", "after").span().start.line, 3);
}

/// Module sources and file paths that leave the scanned folders are never read: a warning
/// names the path, the value is unknown.
#[test]
fn paths_that_leave_the_scanned_folders_are_named_not_read() {
    let text = r#"
module "up" { source = "../../../../etc" }
module "abs" { source = "/etc" }
resource "aws_instance" "x" {
  a = file("../../../../etc/passwd")
  b = templatefile("/etc/shadow", {})
  c = filebase64("${path.module}/../../x")
  d = fileset("/", "*")
  inside = file("${path.module}/init.sh")
}
"#;
    let (rs, diags) = eval_with(
        &[("env/main.tf", text)],
        &[("etc/main.tf", "resource \"aws_vpc\" \"leaked\" {}")],
    );
    assert_eq!(addresses(&rs), ["aws_instance.x"]);
    for name in ["a", "b", "c", "d", "inside"] {
        assert!(arg(&rs, "aws_instance.x", name).is_unknown(), "{name}");
    }
    let said: Vec<&str> = diags
        .iter()
        .filter(|d| {
            (d.code == "terraform-file-outside" || d.code == "terraform-module-outside")
                && d.level == DiagnosticLevel::Warning
        })
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(said.len(), 6, "{diags:?}");
    for path in [
        "../../../../etc",
        "\"/etc\"",
        "../../../../etc/passwd",
        "/etc/shadow",
        "../../x",
    ] {
        assert!(said.iter().any(|m| m.contains(path)), "{path} in {said:?}");
    }
}

/// This crate reads only what the scan hands over: no file system access in its source.
#[test]
fn the_crate_never_touches_the_file_system() {
    let sources = [
        include_str!("../src/lib.rs"),
        include_str!("../src/eval.rs"),
        include_str!("../src/functions.rs"),
        include_str!("../src/hcl.rs"),
        include_str!("../src/plan.rs"),
        include_str!("../src/catalog.rs"),
        include_str!("../src/cloud.rs"),
    ];
    for source in sources {
        assert!(!source.contains(concat!("std::", "fs")));
        assert!(!source.contains(concat!("File::", "open")));
    }
}

/// Variable files in Terraform's order, JSON ones included: terraform.tfvars,
/// terraform.tfvars.json, *.auto.tfvars(.json) by name, then -var-file files as given.
#[test]
fn json_var_files_are_read_in_terraforms_order() {
    let main = r#"
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
variable "n" { default = 0 }
resource "aws_vpc" "v" {
  a = var.a
  b = var.b
  c = var.c
  d = var.d
  e = var.e
  n = var.n
}
"#;
    let root = RootModule {
        dir: "env".into(),
        files: vec![file("env/main.tf", main)],
        var_files: vec![
            file("custom.tfvars", "e = \"custom\"\n"),
            file(
                "env/b.auto.tfvars.json",
                r#"{"d": "b.auto.json", "e": "b.auto.json", "n": 3}"#,
            ),
            file(
                "env/terraform.tfvars.json",
                r#"{"b": "tfvars.json", "c": "tfvars.json", "d": "tfvars.json", "e": "tfvars.json"}"#,
            ),
            file(
                "env/a.auto.tfvars",
                "c = \"a.auto\"\nd = \"a.auto\"\ne = \"a.auto\"\n",
            ),
            file(
                "env/terraform.tfvars",
                "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\n",
            ),
        ],
        documents: Vec::new(),
        document_kind: None,
    };
    let read = |_: &str| Vec::new();
    let (rs, diags) = evaluate_module(&root.files, &root.var_files, &read);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(s(&rs, "aws_vpc.v", "a"), "tfvars");
    assert_eq!(s(&rs, "aws_vpc.v", "b"), "tfvars.json");
    assert_eq!(s(&rs, "aws_vpc.v", "c"), "a.auto");
    assert_eq!(s(&rs, "aws_vpc.v", "d"), "b.auto.json");
    assert_eq!(s(&rs, "aws_vpc.v", "e"), "custom");
    assert_eq!(arg(&rs, "aws_vpc.v", "n").as_f64(), Some(3.0));
}

/// Two modules that feed each other through different values are no cycle: Terraform
/// evaluates values, not modules (cloud-foundation-fabric's projects and VPCs do this).
#[test]
fn modules_feeding_each_other_through_different_values_are_evaluated() {
    let (rs, diags) = eval_with(
        &[(
            "main.tf",
            r#"
module "net" {
  source  = "./net"
  project = module.project.id
}
module "project" {
  source  = "./project"
  network = module.net.name
}
resource "aws_instance" "x" {
  project = module.project.id
  network = module.net.name
  shared  = module.project.attached
}
"#,
        )],
        &[
            (
                "net/main.tf",
                r#"
variable "project" {}
resource "aws_vpc" "v" { owner = var.project }
output "name" { value = "vpc-main" }
"#,
            ),
            (
                "project/main.tf",
                r#"
variable "network" {}
output "id" { value = "prj-1" }
output "attached" { value = "to-${var.network}" }
"#,
            ),
        ],
    );
    let cycles: Vec<_> = diags.iter().filter(|d| d.code.contains("cycle")).collect();
    assert!(cycles.is_empty(), "{cycles:?}");
    assert_eq!(s(&rs, "aws_instance.x", "project"), "prj-1");
    assert_eq!(s(&rs, "aws_instance.x", "network"), "vpc-main");
    assert_eq!(s(&rs, "aws_instance.x", "shared"), "to-vpc-main");
    assert_eq!(s(&rs, "module.net.aws_vpc.v", "owner"), "prj-1");
}

/// A value that needs itself through two modules is a cycle: a warning that names every
/// value in it, those values unknown, and the others still evaluated.
#[test]
fn a_true_cycle_through_modules_names_its_values() {
    let (rs, diags) = eval_with(
        &[(
            "main.tf",
            r#"
module "a" {
  source = "./a"
  input  = module.b.out
}
module "b" {
  source = "./b"
  input  = module.a.out
}
resource "aws_instance" "x" {
  a     = module.a.out
  fixed = module.a.fixed
}
"#,
        )],
        &[
            (
                "a/main.tf",
                "variable \"input\" {}\noutput \"out\" { value = \"a-${var.input}\" }\noutput \"fixed\" { value = \"a\" }\n",
            ),
            (
                "b/main.tf",
                "variable \"input\" {}\noutput \"out\" { value = \"b-${var.input}\" }\n",
            ),
        ],
    );
    let cycles: Vec<_> = diags
        .iter()
        .filter(|d| d.code == "terraform-value-cycle")
        .collect();
    assert_eq!(cycles.len(), 1, "{diags:?}");
    assert_eq!(cycles[0].level, DiagnosticLevel::Warning);
    assert!(
        cycles[0].message.contains(
            "module.a.output.out -> module.a.var.input -> module.b.output.out -> \
             module.b.var.input -> module.a.output.out"
        ),
        "{}",
        cycles[0].message
    );
    assert!(arg(&rs, "aws_instance.x", "a").is_unknown());
    assert_eq!(s(&rs, "aws_instance.x", "fixed"), "a");
}

/// A module's `count` that needs the module's own outputs is a cycle too.
#[test]
fn a_count_that_needs_its_own_module_is_a_cycle() {
    let (rs, diags) = eval_with(
        &[(
            "main.tf",
            "module \"m\" {\n  source = \"./m\"\n  count  = module.m[0].n\n}\n",
        )],
        &[(
            "m/main.tf",
            "output \"n\" { value = 1 }\nresource \"aws_vpc\" \"v\" {}\n",
        )],
    );
    assert!(
        diags
            .iter()
            .any(|d| d.code == "terraform-value-cycle" && d.message.contains("module.m (its count")),
        "{diags:?}"
    );
    assert_eq!(addresses(&rs), ["module.m.aws_vpc.v"]);
}

/// (file, line) of a span.
fn place(span: &trustmap_model::Span) -> Place<'_> {
    (span.file.as_str(), span.start.line)
}

/// A (file, line).
type Place<'a> = (&'a str, u32);

/// The passages of a resource: where each value was written, and the (file, line) of the
/// places it passed through.
fn passages(r: &Resource) -> Vec<(Place<'_>, Vec<Place<'_>>)> {
    r.passed
        .iter()
        .map(|p| (place(&p.origin), p.via.iter().map(place).collect()))
        .collect()
}

/// A value passed on by reference keeps the line where it was written: a variable file's, a
/// variable's default, a local's, a module input's; the resource keeps the places it passed.
#[test]
fn values_passed_by_reference_keep_the_line_that_wrote_them() {
    let main = r#"variable "from_file" { default = false }
variable "from_default" { default = "a" }
locals {
  chosen = var.from_default
}
module "m" {
  source = "./m"
  flag   = var.from_file
}
resource "aws_s3_bucket" "b" {
  name = local.chosen
}
"#;
    let module = r#"variable "flag" {}
resource "aws_eks_cluster" "c" {
  public = var.flag
}
"#;
    let (rs, diags) = evaluate_module(
        &[
            file("main.tf", main),
            file("terraform.tfvars", "from_file = true\n"),
        ],
        &[],
        &|dir| match dir {
            "m" => vec![file("m/main.tf", module)],
            _ => Vec::new(),
        },
    );
    assert!(diags.is_empty(), "{diags:?}");
    let public = arg(&rs, "module.m.aws_eks_cluster.c", "public");
    assert_eq!(public.as_bool(), Some(true));
    assert_eq!(place(public.span()), ("terraform.tfvars", 1));
    assert_eq!(
        passages(res(&rs, "module.m.aws_eks_cluster.c")),
        [(
            ("terraform.tfvars", 1),
            vec![("main.tf", 8), ("m/main.tf", 3)]
        )]
    );
    let name = arg(&rs, "aws_s3_bucket.b", "name");
    assert_eq!(place(name.span()), ("main.tf", 2), "the default");
    assert_eq!(
        passages(res(&rs, "aws_s3_bucket.b")),
        [(("main.tf", 2), vec![("main.tf", 4), ("main.tf", 11)])]
    );
}

/// What is computed where it is used, and what nothing wrote (unknown, null), is at the use:
/// only a value passed on unchanged moves to where it was written.
#[test]
fn computed_unknown_and_null_values_stay_where_they_are_used() {
    let main = r#"variable "private" { default = true }
variable "unset" {}
variable "nothing" { default = null }
resource "aws_eks_cluster" "c" {
  public  = !var.private
  name    = "${var.unset}"
  role    = var.nothing
  literal = true
}
"#;
    let (rs, _) = eval(main);
    let at = |name: &str| place(arg(&rs, "aws_eks_cluster.c", name).span()).1;
    assert_eq!(
        arg(&rs, "aws_eks_cluster.c", "public").as_bool(),
        Some(false)
    );
    assert_eq!(at("public"), 5);
    assert!(arg(&rs, "aws_eks_cluster.c", "name").is_unknown());
    assert_eq!(at("name"), 6);
    assert_eq!(at("role"), 7);
    assert_eq!(at("literal"), 8);
    assert!(res(&rs, "aws_eks_cluster.c").passed.is_empty());
}

/// One module called twice: each instance's value is at its own call's argument.
#[test]
fn each_call_of_a_module_keeps_its_own_argument() {
    let main = r#"module "a" {
  source = "./m"
  flag   = true
}
module "b" {
  source = "./m"
  flag   = false
}
"#;
    let module =
        "variable \"flag\" {}\nresource \"aws_eks_cluster\" \"c\" {\n  public = var.flag\n}\n";
    let (rs, diags) = eval_with(&[("main.tf", main)], &[("m/main.tf", module)]);
    assert!(diags.is_empty(), "{diags:?}");
    for (address, value, line) in [
        ("module.a.aws_eks_cluster.c", true, 3),
        ("module.b.aws_eks_cluster.c", false, 7),
    ] {
        let public = arg(&rs, address, "public");
        assert_eq!(public.as_bool(), Some(value));
        assert_eq!(place(public.span()), ("main.tf", line), "{address}");
        assert_eq!(
            passages(res(&rs, address)),
            [(("main.tf", line), vec![("m/main.tf", 3)])]
        );
    }
}

/// What `for_each`, `dynamic` and `for` pass on (`each.value`) keeps the line that wrote it.
#[test]
fn values_passed_through_each_keep_the_line_that_wrote_them() {
    let main = r#"variable "policies" {
  default = {
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
  }
}
resource "aws_iam_role_policy_attachment" "a" {
  for_each   = { for k, v in var.policies : k => v }
  policy_arn = each.value
}
"#;
    let (rs, diags) = eval(main);
    assert!(diags.is_empty(), "{diags:?}");
    let address = "aws_iam_role_policy_attachment.a[\"admin\"]";
    assert_eq!(place(arg(&rs, address, "policy_arn").span()).1, 3);
    assert_eq!(
        passages(res(&rs, address)),
        [(("main.tf", 3), vec![("main.tf", 8)])]
    );
}

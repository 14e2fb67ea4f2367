//! A whole Terraform scan against parsing alone, on a generated tree of root modules that
//! call shared local modules (1× is 5,000 `.tf` files), at 1×, 2×, 4× and 8× the tree; or,
//! with `TRUSTMAP_BENCH_TREE=<folder>`, on that one folder (a checked-out repository).
//!
//! Run with `cargo bench --bench terraform`. For each tree it prints the `.tf` files and bytes,
//! the best wall time of reading and parsing every `.tf` file (in parallel, as the scan does),
//! the best wall time of the whole scan (discovery, evaluation, model, rules), and their
//! ratio; then the same in CPU time (all threads), steadier on a shared machine, and the CPU
//! time of the scan without its rules (discovery, evaluation, model) with its ratio. Pin it to one core (`taskset -c 0 cargo bench --bench terraform`) for the
//! one-thread figures. `TRUSTMAP_BENCH_SIZES=1,2` picks the multiples; `TRUSTMAP_BENCH_RUNS`
//! the runs per figure (default 3); `TRUSTMAP_BENCH_GENERATE=<folder>` only writes the tree
//! there, for a profiler.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Root modules per 1× of the tree; each has three files and calls two shared modules, and
/// every fiftieth root adds the shared modules' two files of its own group.
const ROOTS_PER_UNIT: usize = 1_650;

const MAIN: &str = r#"
locals {
  name = "${var.env}-app-NNN"
  tags = { env = var.env, app = "app-NNN" }
  ports = [for p in var.ports : p if p > 0]
}
module "net" {
  source = "../shared-GGG/net"
  name   = local.name
  cidr   = "10.${NNN % 250}.0.0/16"
}
module "web" {
  source     = "../shared-GGG/web"
  name       = local.name
  subnet_ids = module.net.subnet_ids
  vpc_id     = module.net.vpc_id
  ports      = local.ports
}
resource "aws_s3_bucket" "logs" {
  bucket = "${local.name}-logs"
  tags   = local.tags
}
resource "aws_db_instance" "db" {
  identifier          = "${local.name}-db"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  storage_encrypted   = var.env == "prod"
  publicly_accessible = false
  vpc_security_group_ids = [module.web.security_group_id]
}
"#;

const VARIABLES: &str = r#"
variable "env" {
  type    = string
  default = "dev"
}
variable "ports" {
  type    = list(number)
  default = [80, 443, 0]
}
"#;

const OUTPUTS: &str = r#"
output "db" { value = aws_db_instance.db.id }
output "web" { value = module.web.security_group_id }
"#;

const NET: &str = r#"
variable "name" {}
variable "cidr" {}
resource "aws_vpc" "this" {
  cidr_block = var.cidr
  tags       = { Name = var.name }
}
resource "aws_subnet" "this" {
  count      = 2
  vpc_id     = aws_vpc.this.id
  cidr_block = cidrsubnet(var.cidr, 8, count.index)
}
output "vpc_id" { value = aws_vpc.this.id }
output "subnet_ids" { value = aws_subnet.this[*].id }
"#;

const WEB: &str = r#"
variable "name" {}
variable "vpc_id" {}
variable "subnet_ids" { type = list(string) }
variable "ports" { type = list(number) }
resource "aws_security_group" "web" {
  name   = var.name
  vpc_id = var.vpc_id
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["0.0.0.0/0"]
    }
  }
}
resource "aws_lb" "web" {
  name     = var.name
  internal = false
  subnets  = var.subnet_ids
}
output "security_group_id" { value = aws_security_group.web.id }
"#;

/// Writes a tree of `units` × the base tree; returns its `.tf` files and bytes.
fn generate(dir: &Path, units: usize) -> (usize, u64) {
    let (mut files, mut bytes) = (0, 0u64);
    let mut write = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        bytes += text.len() as u64;
        files += 1;
        std::fs::write(path, text).unwrap();
    };
    for index in 0..ROOTS_PER_UNIT * units {
        let group = index / 50;
        if index % 50 == 0 {
            let shared = dir.join(format!("shared-{group:04}"));
            write(shared.join("net/main.tf"), NET.to_string());
            write(shared.join("web/main.tf"), WEB.to_string());
        }
        let root = dir.join(format!("app-{index:05}"));
        let main = MAIN
            .replace("NNN", &index.to_string())
            .replace("GGG", &format!("{group:04}"));
        write(root.join("main.tf"), main);
        write(root.join("variables.tf"), VARIABLES.to_string());
        write(root.join("outputs.tf"), OUTPUTS.to_string());
    }
    (files, bytes)
}

/// Every `.tf` file under `dir` (not in `.git` or `.terraform`).
fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && name != ".git" && name != ".terraform" && name != "node_modules" {
            tf_files(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "tf") {
            out.push(path);
        }
    }
}

/// Reading and parsing every `.tf` file, in parallel: the syntax errors found.
fn parse_alone(dir: &Path) -> usize {
    let mut files = Vec::new();
    tf_files(dir, &mut files);
    files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            trustmap_terraform::parse_only(&path.to_string_lossy(), &text).len()
        })
        .sum()
}

/// The whole scan and, with `rules`, its rules: the findings (or the model's elements).
fn full_scan(dir: &Path, rules: Option<&trustmap_rules::RuleSet>) -> usize {
    let scan =
        trustmap_scan::scan(&[dir.to_path_buf()], &trustmap_scan::ScanOptions::default()).unwrap();
    match rules {
        Some(rules) => trustmap_rules::evaluate(&scan.model, rules).len(),
        None => scan.model.element_count(),
    }
}

/// CPU time of this process so far (user and system, all threads), from `/proc/self/stat`
/// on Linux; zero elsewhere. On a shared machine it is steadier than wall time.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let ticks = field(11) + field(12);
    // The kernel's clock tick is 100 Hz on every common Linux configuration.
    Duration::from_millis(ticks * 10)
}

/// The best wall time and the least CPU time of `runs` runs, and the last result.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let (mut wall, mut cpu) = (Duration::MAX, Duration::MAX);
    let mut out = None;
    for _ in 0..runs {
        let (start, cpu_start) = (Instant::now(), cpu_time());
        let value = f();
        wall = wall.min(start.elapsed());
        cpu = cpu.min(cpu_time().saturating_sub(cpu_start));
        out = Some(value);
    }
    (wall, cpu, out.expect("at least one run"))
}

fn row(label: &str, dir: &Path, runs: usize, rules: &trustmap_rules::RuleSet) {
    let mut files = Vec::new();
    tf_files(dir, &mut files);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let (parse, parse_cpu, errors) = best(runs, || parse_alone(dir));
    let (scan, scan_cpu, findings) = best(runs, || full_scan(dir, Some(rules)));
    let (_, model_cpu, _) = best(runs, || full_scan(dir, None));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    println!(
        "{label:>12} {:>8} {bytes:>11} {errors:>7} {findings:>9} {:>9.0} {:>9.0} {:>6.2} {:>9.0} {:>9.0} {:>6.2} {:>9.0} {:>6.2}",
        files.len(),
        ms(parse),
        ms(scan),
        ratio(scan, parse),
        ms(parse_cpu),
        ms(scan_cpu),
        ratio(scan_cpu, parse_cpu),
        ms(model_cpu),
        ratio(model_cpu, parse_cpu),
    );
}

fn main() {
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(16 * 1024 * 1024)
        .build_global();
    let rules = trustmap_rules::RuleSet::builtin().unwrap();
    let runs: usize = std::env::var("TRUSTMAP_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    println!(
        "threads: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:>12} {:>8} {:>11} {:>7} {:>9} {:>9} {:>9} {:>6} {:>9} {:>9} {:>6} {:>9} {:>6}",
        "tree",
        "tf files",
        "bytes",
        "errors",
        "findings",
        "parse ms",
        "scan ms",
        "ratio",
        "parse cpu",
        "scan cpu",
        "ratio",
        "no rules",
        "ratio"
    );
    if let Ok(tree) = std::env::var("TRUSTMAP_BENCH_TREE") {
        let tree = PathBuf::from(tree);
        let label = tree
            .file_name()
            .map_or("tree".to_string(), |n| n.to_string_lossy().into_owned());
        row(&label, &tree, runs, &rules);
        return;
    }
    // `TRUSTMAP_BENCH_GENERATE=<folder>` writes the 1× tree there (`TRUSTMAP_BENCH_SIZES`
    // picks another multiple) and stops: for a profiler to run the scan on it.
    if let Ok(folder) = std::env::var("TRUSTMAP_BENCH_GENERATE") {
        let units = std::env::var("TRUSTMAP_BENCH_SIZES")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(1);
        let (files, bytes) = generate(Path::new(&folder), units);
        println!("{folder}: {files} .tf files, {bytes} bytes");
        return;
    }
    let sizes: Vec<usize> = std::env::var("TRUSTMAP_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 4, 8]);
    for units in sizes {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), units);
        row(&format!("{units}x"), dir.path(), runs, &rules);
    }
}

//! The `trustmap` command line: parses arguments, wires discovery, parsing, rules and output
//! together, and decides the exit code. All the work is in the crates under `crates/`.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use trustmap_model::DiagnosticLevel;
use trustmap_rules::{RuleSet, Severity};

/// Threat models from infrastructure code.
///
/// trustmap reads docker compose files and Kubernetes manifests, draws the data-flow diagram of
/// the system they deploy (processes, data stores, external entities, the flows between them,
/// and the trust boundaries those flows cross), and checks every element and flow against
/// STRIDE rules.
#[derive(Parser)]
#[command(name = "trustmap", version, about, long_about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXIT_CODES: &str = "Exit codes:\n  0  no finding at or above --fail-on\n  1  findings at or above --fail-on\n  2  an error, or an incomplete scan (a file could not be parsed)";

#[derive(Subcommand)]
enum Command {
    /// What can go wrong? Scan for STRIDE threats.
    Scan(ScanArgs),
    /// What are we building? Print the data-flow diagram.
    Model(ModelArgs),
    /// List the rules, or explain one.
    Rules(RulesArgs),
}

#[derive(clap::Args)]
struct InputArgs {
    /// Files or folders to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Files larger than this many bytes are not read.
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    max_file_size: u64,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = FindingsFormat::Text)]
    format: FindingsFormat,
    /// Exit with 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Low)]
    fail_on: FailOn,
    /// Add the rules in this folder (one YAML file per rule) to the built-in pack.
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// SARIF `runAutomationDetails.id`: the code scanning category of this analysis.
    #[arg(long, value_name = "ID")]
    category: Option<String>,
}

#[derive(clap::Args)]
struct ModelArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ModelFormat::Json)]
    format: ModelFormat,
}

#[derive(clap::Args)]
struct RulesArgs {
    #[command(subcommand)]
    action: Option<RulesAction>,
    /// Add the rules in this folder to the built-in pack.
    #[arg(long, value_name = "DIR", global = true)]
    rules: Vec<PathBuf>,
}

#[derive(Subcommand)]
enum RulesAction {
    /// Print a rule's documentation.
    Explain {
        /// The rule id (`TM-E001`).
        id: String,
    },
    /// Print the attribute vocabulary rules can test.
    Attributes,
}

#[derive(Clone, Copy, ValueEnum)]
enum FindingsFormat {
    /// Readable, grouped by file.
    Text,
    /// A stable JSON document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelFormat {
    /// The model snapshot (the baseline drift checks compare).
    Json,
    /// A Mermaid flowchart, zones as subgraphs.
    Mermaid,
    /// Graphviz DOT, zones as clusters.
    Dot,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum FailOn {
    /// Never fail on findings.
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::None => None,
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
        }
    }
}

fn main() -> ExitCode {
    // Deep but bounded parser recursion runs on rayon's workers: give them room.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(16 * 1024 * 1024)
        .build_global();
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("trustmap: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Model(args) => model(args),
        Command::Rules(args) => rules(args),
    }
}

fn load_rules(extra: &[PathBuf]) -> Result<RuleSet> {
    let mut rules = RuleSet::builtin().context("the built-in rule pack is malformed")?;
    for dir in extra {
        rules.load_dir(dir)?;
    }
    Ok(rules)
}

fn scan_inputs(input: &InputArgs) -> Result<trustmap_scan::Scan> {
    let options = trustmap_scan::ScanOptions {
        max_file_size: input.max_file_size,
    };
    Ok(trustmap_scan::scan(&input.paths, &options)?)
}

fn write_output(output: Option<&PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

/// Diagnostics go to standard error in every format, so a scan's problems are never silent.
fn report_diagnostics(scan: &trustmap_scan::Scan) -> bool {
    let mut incomplete = false;
    for diagnostic in scan.model.diagnostics() {
        incomplete |= diagnostic.level == DiagnosticLevel::Error;
        eprintln!("{diagnostic}");
    }
    incomplete
}

fn scan(args: ScanArgs) -> Result<u8> {
    let rules = load_rules(&args.rules)?;
    let scan = scan_inputs(&args.input)?;
    let findings = trustmap_rules::evaluate(&scan.model, &rules);
    let diagnostics = scan.model.diagnostics();
    let text = match args.format {
        FindingsFormat::Text => trustmap_report::findings_text(&findings, &rules, diagnostics),
        FindingsFormat::Json => trustmap_report::findings_json(&findings, &rules, diagnostics),
        FindingsFormat::Sarif => trustmap_report::sarif(
            &findings,
            &rules,
            diagnostics,
            &trustmap_report::SarifOptions {
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                automation_id: args.category.clone(),
                information_uri: "https://github.com/trustmap/trustmap".to_string(),
            },
        ),
    };
    write_output(args.input.output.as_ref(), &text)?;
    let incomplete = if matches!(args.format, FindingsFormat::Text) && args.input.output.is_none() {
        // The text report already lists the diagnostics on standard output.
        scan.model
            .diagnostics()
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    } else {
        report_diagnostics(&scan)
    };
    if scan.files.is_empty() {
        eprintln!("trustmap: no compose files or Kubernetes manifests found in the given paths");
    }
    if incomplete {
        return Ok(2);
    }
    let failing = args
        .fail_on
        .threshold()
        .is_some_and(|t| findings.iter().any(|f| f.severity >= t));
    Ok(u8::from(failing))
}

fn model(args: ModelArgs) -> Result<u8> {
    let scan = scan_inputs(&args.input)?;
    let text = match args.format {
        ModelFormat::Json => trustmap_report::model_json(&scan.model),
        ModelFormat::Mermaid => trustmap_report::mermaid(&scan.model),
        ModelFormat::Dot => trustmap_report::dot(&scan.model),
    };
    write_output(args.input.output.as_ref(), &text)?;
    Ok(if report_diagnostics(&scan) { 2 } else { 0 })
}

fn rules(args: RulesArgs) -> Result<u8> {
    let rules = load_rules(&args.rules)?;
    let mut out = String::new();
    match args.action {
        None => {
            for rule in rules.rules() {
                out.push_str(&format!(
                    "{:<8} {:<8} {:<24} {}\n",
                    rule.id,
                    rule.severity,
                    rule.category().as_str(),
                    rule.title
                ));
            }
        }
        Some(RulesAction::Explain { id }) => match rules.get(&id.to_ascii_uppercase()) {
            Some(rule) => out = rule.help_markdown(),
            None => bail!("no rule has the id {id}; `trustmap rules` lists them"),
        },
        Some(RulesAction::Attributes) => {
            for name in trustmap_model::AttrName::ALL {
                out.push_str(&format!(
                    "{:<28} {:?}\n    {}\n",
                    name.as_str(),
                    name.kind(),
                    name.doc()
                ));
            }
        }
    }
    write_output(None, &out)?;
    Ok(0)
}

//! The `trustmap` command line: parses arguments, wires discovery, parsing, rules and output
//! together, and decides the exit code. All the work is in the crates under `crates/`.

mod switches;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use switches::{ColorChoice, LogLevel, Selection, Terminal};
use trustmap_model::Code;
use trustmap_model::{Diagnostic, DiagnosticLevel};
use trustmap_rules::{Finding, RuleSet, Severity};

/// Threat models from infrastructure code.
///
/// trustmap reads docker compose files, Kubernetes manifests and Terraform, draws the data-flow diagram of
/// the system they deploy (processes, data stores, external entities, the flows between them,
/// and the trust boundaries those flows cross), and checks every element and flow against
/// STRIDE rules.
#[derive(Parser)]
#[command(name = "trustmap", version, about, long_about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: GlobalArgs,
}

/// What every command shares: what the terminal shows, and how many threads work.
#[derive(clap::Args)]
struct GlobalArgs {
    /// Show only error diagnostics on the terminal (`--log-level error`), and no count of the
    /// others.
    #[arg(long, short, global = true, conflicts_with = "log_level")]
    quiet: bool,
    /// The least severe diagnostic shown on the terminal: error, warning or note (the
    /// default); one line counts the others. JSON and SARIF reports keep every diagnostic.
    #[arg(long, value_enum, value_name = "LEVEL", global = true)]
    log_level: Option<LogLevel>,
    /// Worker threads for parsing and rules (default: one per core).
    #[arg(long, value_name = "N", global = true)]
    threads: Option<std::num::NonZeroUsize>,
    /// Colour findings and diagnostics: auto (on a terminal, unless NO_COLOR is set), always,
    /// never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

const EXIT_CODES: &str = "Exit codes:\n  0  no finding at or above --fail-on\n  1  findings at or above --fail-on\n  2  an error, or an incomplete scan (a file could not be parsed)";

#[derive(Subcommand)]
enum Command {
    /// What can go wrong? Scan for STRIDE threats.
    Scan(ScanArgs),
    /// What are we building? Print the data-flow diagram.
    Model(ModelArgs),
    /// Did we do a good job? Compare a baseline model with today's code or what is deployed.
    Diff(DiffArgs),
    /// The threat model as one document for a design review (HTML).
    Report(ReportArgs),
    /// List the rules, explain one, test a folder of your own, print the rule language.
    Rules(RulesArgs),
    /// List the bounds of a scan (`--limit NAME=N`) and their defaults.
    Limits,
}

#[derive(clap::Args)]
struct DiffArgs {
    /// The baseline: a model written by `trustmap model --format json`.
    baseline: PathBuf,
    #[command(flatten)]
    input: InputArgs,
    /// Compare with what is deployed instead of the code: `docker compose config` output,
    /// `kubectl get ... -o yaml` output (files, or `-` for standard input).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    deployed: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum DiffFormat {
    /// Readable, weakening changes first.
    Text,
    /// A stable JSON document.
    Json,
    /// For a pull-request comment, with a diagram that highlights what changed.
    Markdown,
    /// SARIF 2.1.0: each weakening on the line that weakened it.
    Sarif,
}

/// `NAME=N` for `--limit`.
fn parse_limit(text: &str) -> std::result::Result<(trustmap_model::Limit, u64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=N, got '{text}'"))?;
    let limit = trustmap_model::Limit::from_name(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = trustmap_model::Limit::ALL
            .iter()
            .map(|l| l.name())
            .collect();
        format!(
            "no limit is called '{name}'; the limits are {}",
            names.join(", ")
        )
    })?;
    let value = value
        .trim()
        .replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("'{value}' is not a whole number"))?;
    Ok((limit, value))
}

/// What `--input` can say a JSON input is.
#[derive(Clone, Copy, ValueEnum)]
enum InputKind {
    /// `terraform show -json plan.out`.
    TerraformPlan,
    /// `terraform show -json` (the current state).
    TerraformState,
}

#[derive(clap::Args)]
struct InputArgs {
    /// Files or folders to scan.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Scan only the files listed in FILE, one path per line (the files a pull request
    /// changed); each must lie inside the scanned paths. Listed files that do not exist
    /// (deleted by the change) are skipped with a note.
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
    /// Files larger than this many bytes are not read (the same as `--limit file-size=N`).
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,
    /// Change one bound of the scan, `NAME=N` (may be given several times). A scan that hits
    /// a bound says what it cut and is incomplete. Names and defaults: `trustmap limits`.
    #[arg(long = "limit", value_name = "NAME=N", value_parser = parse_limit)]
    limits: Vec<(trustmap_model::Limit, u64)>,
    /// A Terraform variable file applied to every root module (after `terraform.tfvars` and
    /// `*.auto.tfvars`); may be given several times.
    #[arg(long, value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Read every JSON input as a Terraform plan or state (`terraform show -json`); meant for
    /// scanning the plan file itself. Without it, a JSON file is a plan or state when its
    /// content says so.
    #[arg(long, value_enum, value_name = "KIND")]
    input: Option<InputKind>,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not scan these paths: a line of a `.ignore` file at the top of each scanned folder
    /// (gitignore syntax: `legacy/`, `*.test.yaml`, `/deploy/old`); may be given several
    /// times, and adds to the settings' `exclude`. `.gitignore` and `.ignore` files in the
    /// tree apply too.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = FindingsFormat::Text)]
    format: FindingsFormat,
    /// Exit with 1 when an undecided finding is at or above this severity (default: the
    /// settings' `fail-on`, else low).
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Whether an incomplete scan (a file that could not be read or parsed) exits with 2
    /// (default: the settings' `fail-on-incomplete`, else true). With false, the exit code
    /// follows --fail-on alone; the problems are still reported.
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    fail_on_incomplete: Option<bool>,
    /// SARIF `runAutomationDetails.id`: the code scanning category of this analysis.
    #[arg(long, value_name = "ID")]
    category: Option<String>,
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Exit with 1 when a threat at or above this severity has no decision.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    require_decisions: Option<FailOn>,
    /// Keep decided threats in SARIF output, with their suppressions (code scanning ignores
    /// suppressions and would open alerts for them).
    #[arg(long)]
    include_decided: bool,
}

/// What turns a model into decided findings: extra rules and decisions.
#[derive(clap::Args)]
struct AnalysisArgs {
    /// Add the rules in this folder (one YAML file per rule) to the built-in pack.
    #[arg(long, value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// The decisions file (default: `trustmap.yaml` in the first scanned folder).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The decisions file as the base revision of a pull request has it (`git show
    /// BASE:trustmap.yaml > FILE`; an empty file when the base has none). Decisions come from
    /// it, not from the scanned tree, so a change cannot accept its own findings; the
    /// decisions the change adds, changes or removes, and broad ones, are reported.
    #[arg(long, value_name = "FILE")]
    base_config: Option<PathBuf>,
    /// The day decisions expire against (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Report only these rules: ids or their beginnings (`TM-E`, `TM-S001`, `ALL`),
    /// comma-separated or repeated; replaces the settings' `select`. The most specific of
    /// --select and --ignore wins.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report these rules: ids or their beginnings; replaces the settings' `ignore`.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    ignore: Vec<String>,
    /// Report nothing below this severity (default: the settings' `severity`, else low).
    /// Separate from --fail-on: what is shown, not what fails.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    severity: Option<SeverityArg>,
}

/// `--severity`.
#[derive(Clone, Copy, ValueEnum)]
enum SeverityArg {
    Low,
    Medium,
    High,
    Critical,
}

impl SeverityArg {
    fn severity(self) -> Severity {
        match self {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(clap::Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Html)]
    format: ReportFormat,
    #[command(flatten)]
    analysis: AnalysisArgs,
    /// Include the drift against this baseline (a `trustmap model --format json` file).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    /// One self-contained HTML file: the diagram, the threats (filterable), the decisions.
    Html,
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
    /// Run a folder of your rules against their fixtures: `<DIR>/<ID>/firing` must hold
    /// exactly the findings its `# expect: ID` comments mark, `<DIR>/<ID>/silent` none.
    /// Exits with 1 when a case fails.
    Test {
        /// The folder of rule files (`*.yaml`, `*.yml`), each with its fixture folders beside it.
        dir: PathBuf,
    },
    /// Print the rule language's reference in Markdown (the text of docs/rules.md).
    Docs,
}

#[derive(Clone, Copy, ValueEnum)]
enum FindingsFormat {
    /// Readable, grouped by file.
    Text,
    /// A stable JSON document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// The threat model as a document: diagram, boundaries, threats by STRIDE with decisions.
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModelFormat {
    /// The model snapshot (the baseline drift checks compare).
    Json,
    /// A Mermaid flowchart, zones as subgraphs.
    Mermaid,
    /// Graphviz DOT, zones as clusters.
    Dot,
    /// An SVG picture: zones as nested boxes, trust boundaries dashed, threats highlighted.
    Svg,
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
    let cli = Cli::parse();
    // Deep but bounded parser recursion runs on rayon's workers: give them room.
    let mut pool = rayon::ThreadPoolBuilder::new().stack_size(16 * 1024 * 1024);
    if let Some(threads) = cli.global.threads {
        pool = pool.num_threads(threads.get());
    }
    let _ = pool.build_global();
    Terminal::new(cli.global.quiet, cli.global.log_level, cli.global.color).install();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            let message = format!("{error:#}");
            eprintln!("trustmap: error: {}", trustmap_model::printable(&message));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Model(args) => model(args),
        Command::Diff(args) => diff(args),
        Command::Report(args) => report(args),
        Command::Rules(args) => rules(args),
        Command::Limits => {
            let mut out = String::new();
            for limit in trustmap_model::Limit::ALL {
                out.push_str(&format!(
                    "{:<14} {:>12}  {}\n",
                    limit.name(),
                    trustmap_model::Limits::default_value(limit),
                    limit.doc()
                ));
            }
            write_output(None, &out)?;
            Ok(0)
        }
    }
}

fn load_rules(extra: &[PathBuf]) -> Result<RuleSet> {
    let mut rules = RuleSet::builtin().context("the built-in rule pack is malformed")?;
    for dir in extra {
        for (_, rule) in read_rule_folder(dir)? {
            rules.add(rule)?;
        }
    }
    rules.check_absorbed()?;
    Ok(rules)
}

/// The user's rules in a folder (its `*.yaml` and `*.yml` files, not its subfolders), sorted by
/// file name, each with its path.
fn read_rule_folder(dir: &std::path::Path) -> Result<Vec<(PathBuf, trustmap_rules::Rule)>> {
    let limits = trustmap_model::Limits::default();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the rules folder {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut rules = Vec::new();
    for path in paths {
        let text = read_named_file(&path, "the rule file", &limits)?;
        let rule = trustmap_rules::parse_user_rule(&path.display().to_string(), &text)?;
        rules.push((path, rule));
    }
    Ok(rules)
}

impl InputArgs {
    /// The bounds of the scan: the defaults, then `--max-file-size`, then every `--limit`.
    fn limits(&self) -> trustmap_model::Limits {
        let mut limits = trustmap_model::Limits::default();
        if let Some(bytes) = self.max_file_size {
            limits.set(trustmap_model::Limit::FileSize, bytes);
        }
        for (limit, value) in &self.limits {
            limits.set(*limit, *value);
        }
        limits
    }
}

/// Reads a file the user named on the command line: a regular file under the size cap,
/// never a FIFO or device, never echoed.
fn read_named_file(
    path: &std::path::Path,
    what: &str,
    limits: &trustmap_model::Limits,
) -> Result<String> {
    trustmap_scan::read_regular_file(path, limits.get(trustmap_model::Limit::FileSize), None)
        .map_err(|e| anyhow::anyhow!("cannot read {what} {}: {e}", path.display()))
}

fn scan_inputs(
    input: &InputArgs,
    settings: &trustmap_decisions::Settings,
) -> Result<trustmap_scan::Scan> {
    let limits = input.limits();
    let only_files = match &input.files_from {
        None => None,
        Some(list) => {
            let text = read_named_file(list, "the file list", &limits)?;
            // Every line is a path, `-` too: a listed file is never standard input.
            let listed: Vec<PathBuf> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| std::path::Path::new(".").join(l))
                .collect();
            Some(listed)
        }
    };
    // The settings' patterns, then the command line's: both exclude.
    let mut exclude = settings.exclude.clone().unwrap_or_default();
    exclude.extend(input.exclude.iter().cloned());
    let options = trustmap_scan::ScanOptions {
        limits,
        var_files: input.var_file.clone(),
        terraform_input: input.input.map(|kind| match kind {
            InputKind::TerraformPlan => trustmap_scan::DocumentKind::Plan,
            InputKind::TerraformState => trustmap_scan::DocumentKind::State,
        }),
        only_files,
        exclude,
    };
    let scan = trustmap_scan::scan(&input.paths, &options)?;
    if scan.files.is_empty() && Terminal::get().shows(DiagnosticLevel::Warning) {
        eprintln!(
            "trustmap: no compose files, Kubernetes manifests or Terraform found in the given paths"
        );
    }
    Ok(scan)
}

fn write_output(output: Option<&PathBuf>, text: &str) -> Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                // The reader stopped reading (`trustmap scan | head`): not an error of ours.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => Ok(other?),
            }
        }
    }
}

/// Diagnostics go to standard error in every format, so a scan's problems are never silent
/// (those below `--log-level` are counted).
fn report_diagnostics(scan: &trustmap_scan::Scan) -> bool {
    let diagnostics = scan.model.diagnostics();
    Terminal::get().print_diagnostics(diagnostics);
    diagnostics
        .iter()
        .any(|diagnostic| diagnostic.level == DiagnosticLevel::Error)
}

/// The scan, its rules, the findings with their decisions, and every diagnostic.
struct Analysis {
    scan: trustmap_scan::Scan,
    rules: RuleSet,
    /// The findings reported: of the selected rules, at or above the severity floor.
    findings: Vec<Finding>,
    diagnostics: Vec<Diagnostic>,
    /// With `--base-config`: what the change does to the decisions.
    review: Option<trustmap_decisions::DecisionReview>,
    /// The settings in force (the decisions file's).
    settings: trustmap_decisions::Settings,
}

fn analyze(input: &InputArgs, analysis: &AnalysisArgs) -> Result<Analysis> {
    let config = read_config(
        input,
        analysis.config.as_ref(),
        analysis.base_config.as_ref(),
    )?;
    let mut folders: Vec<PathBuf> = config
        .settings
        .rules
        .iter()
        .flatten()
        .map(|folder| config.dir.join(folder))
        .collect();
    folders.extend(analysis.rules.iter().cloned());
    let rules = load_rules(&folders)?;
    // The command line's selectors replace the settings', list by list; each is named by
    // where it was written, for its errors.
    let pick = |cli: &Vec<String>, set: &Option<Vec<String>>, switch: &str| {
        if cli.is_empty() {
            (
                set.clone().unwrap_or_default(),
                format!("settings.{switch} in trustmap.yaml"),
            )
        } else {
            (cli.clone(), format!("--{switch}"))
        }
    };
    let (select, select_from) = pick(&analysis.select, &config.settings.select, "select");
    let (ignore, ignore_from) = pick(&analysis.ignore, &config.settings.ignore, "ignore");
    let selection =
        Selection::from_sources((&select, &select_from), (&ignore, &ignore_from), &rules)
            .map_err(anyhow::Error::msg)?;
    let floor = analysis
        .severity
        .map(SeverityArg::severity)
        .or(config.settings.severity)
        .unwrap_or(Severity::Low);
    let scan = scan_inputs(input, &config.settings)?;
    let mut findings = trustmap_rules::evaluate(&scan.model, &rules);
    let mut diagnostics: Vec<Diagnostic> = scan.model.diagnostics().to_vec();
    diagnostics.extend(config.diagnostics);
    let (decided, review) =
        apply_decisions(analysis, &scan, config.head, config.base, &mut findings)?;
    diagnostics.extend(decided);
    diagnostics.sort();
    // Decisions were matched against every finding (so none is called stale for a rule that
    // is not reported); what is reported is the selection, from the floor up, with the
    // findings that restate another on the same door folded into it.
    selection.apply(&mut findings);
    let mut findings = trustmap_rules::fold(findings, &rules, &scan.model);
    findings.retain(|f| f.severity >= floor);
    Ok(Analysis {
        scan,
        rules,
        findings,
        diagnostics,
        review,
        settings: config.settings,
    })
}

fn scan(args: ScanArgs) -> Result<u8> {
    let Analysis {
        scan,
        rules,
        findings,
        mut diagnostics,
        review,
        settings,
    } = analyze(&args.input, &args.analysis)?;
    let terminal = Terminal::get();
    let to_terminal = args.input.output.is_none();

    // Code scanning ignores SARIF suppressions and would open alerts for decided threats: the
    // SARIF written for upload leaves them out unless asked to keep them.
    let reported: Vec<Finding> = match args.format {
        FindingsFormat::Sarif if !args.include_decided => {
            findings.iter().filter(|f| !f.decided()).cloned().collect()
        }
        _ => findings.clone(),
    };
    let text = match args.format {
        FindingsFormat::Text => {
            // The text report lists the diagnostics the log level shows.
            let text =
                trustmap_report::findings_text(&reported, &rules, &terminal.shown(&diagnostics));
            if to_terminal && terminal.color_stdout {
                switches::paint_text_report(&text)
            } else {
                text
            }
        }
        FindingsFormat::Json => trustmap_report::findings_json(&reported, &rules, &diagnostics),
        FindingsFormat::Markdown => {
            let mut text =
                trustmap_report::findings_markdown(&reported, &rules, &scan.model, &diagnostics);
            if let Some(review) = &review {
                text.push('\n');
                text.push_str(&review.markdown());
            }
            text
        }
        FindingsFormat::Sarif => {
            let (text, cut) = trustmap_report::sarif_bounded(
                &reported,
                &rules,
                &diagnostics,
                &trustmap_report::SarifOptions {
                    tool_version: env!("CARGO_PKG_VERSION").to_string(),
                    automation_id: args.category.clone(),
                    information_uri: "https://github.com/trustmap/trustmap".to_string(),
                },
                &args.input.limits(),
            );
            // What was cut is said, and makes the scan incomplete.
            diagnostics.extend(cut);
            text
        }
    };
    write_output(args.input.output.as_ref(), &text)?;
    // The text report already lists the diagnostics on standard output.
    if !(matches!(args.format, FindingsFormat::Text) && to_terminal) {
        terminal.print_diagnostics(&diagnostics);
    }
    let fail_on_incomplete = args
        .fail_on_incomplete
        .or(settings.fail_on_incomplete)
        .unwrap_or(true);
    if fail_on_incomplete
        && diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
    {
        return Ok(2);
    }
    let fail_on = match args.fail_on {
        Some(fail_on) => fail_on.threshold(),
        None => settings.fail_on.unwrap_or(Some(Severity::Low)),
    };
    // Decided threats are not failures; expired decisions are undecided again.
    let undecided_at = |threshold: Option<Severity>| {
        threshold.is_some_and(|t| findings.iter().any(|f| !f.decided() && f.severity >= t))
    };
    let failing =
        undecided_at(fail_on) || undecided_at(args.require_decisions.and_then(FailOn::threshold));
    Ok(u8::from(failing))
}

/// The decisions file of a scan, read before the scan (its settings decide what is scanned):
/// the settings in force, the scanned tree's decisions and, with `--base-config`, the base
/// revision's.
struct Config {
    /// The base revision's settings with `--base-config` (a change cannot relax the gate that
    /// judges it), else the scanned tree's.
    settings: trustmap_decisions::Settings,
    /// The folder the settings' relative paths start from: the scanned tree's decisions
    /// file's.
    dir: PathBuf,
    /// The scanned tree's decisions.
    head: Vec<trustmap_decisions::Entry>,
    /// With `--base-config`: the base revision's decisions.
    base: Option<Vec<trustmap_decisions::Entry>>,
    /// What is wrong in either file.
    diagnostics: Vec<Diagnostic>,
}

/// Reads the decisions file (`--config`, or `trustmap.yaml` in the first scanned folder, read
/// through the scan's gate) and the base revision's (`--base-config`).
fn read_config(
    input: &InputArgs,
    config: Option<&PathBuf>,
    base_config: Option<&PathBuf>,
) -> Result<Config> {
    let limits = input.limits();
    let mut diagnostics = Vec::new();
    let default_config = input
        .paths
        .first()
        .filter(|p| p.is_dir())
        .map(|dir| dir.join(trustmap_decisions::DECISIONS_FILE))
        .filter(|path| path.symlink_metadata().is_ok());
    let head = match (config, &default_config) {
        (Some(named), _) => Some((
            named.clone(),
            read_named_file(named, "the decisions file", &limits)?,
        )),
        // The scanned tree's own trustmap.yaml goes through the same gate as its other files:
        // a symlink out of the tree or into `.git`, a FIFO, a huge file are refused.
        (None, Some(found)) => {
            let paths: Vec<PathBuf> = input
                .paths
                .iter()
                .filter(|p| p.as_os_str() != "-")
                .cloned()
                .collect();
            let roots = trustmap_scan::Roots::new(&paths, limits)?;
            match roots.read_found(found) {
                Ok(text) => Some((found.clone(), text)),
                Err(error) => {
                    diagnostics.push(Diagnostic::file(
                        DiagnosticLevel::Error,
                        error.code(),
                        found.to_string_lossy().trim_start_matches("./").to_string(),
                        format!("the decisions file is not read: {error}"),
                    ));
                    None
                }
            }
        }
        (None, None) => None,
    };
    let dir = head
        .as_ref()
        .map(|(path, _)| path.clone())
        .or(default_config)
        .and_then(|path| path.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_default();
    let head = match head {
        Some((path, text)) => {
            let display = path.to_string_lossy().trim_start_matches("./").to_string();
            let (read, problems) = trustmap_decisions::parse_decisions_file(&display, &text);
            diagnostics.extend(problems);
            read
        }
        None => trustmap_decisions::DecisionsFile::default(),
    };
    let (settings, base) = match base_config {
        None => (head.settings, None),
        Some(base_path) => {
            let text = read_named_file(base_path, "the base revision's decisions file", &limits)?;
            let shown = format!("{} (base revision)", base_path.display());
            let (read, problems) = trustmap_decisions::parse_decisions_file(&shown, &text);
            diagnostics.extend(problems);
            (read.settings, Some(read.entries))
        }
    };
    Ok(Config {
        settings,
        dir,
        head: head.entries,
        base,
        diagnostics,
    })
}

/// Applies the decisions: the decisions file's and those written as comments in the scanned
/// files; with `--base-config`, the base revision's file's instead, the head's file is only
/// compared with it, and comments in the scanned files (the change's own) decide nothing.
/// Returns the diagnostics (unusable, stale, added, changed, removed and broad decisions)
/// and, with `--base-config`, the review of the change's decisions.
fn apply_decisions(
    args: &AnalysisArgs,
    scan: &trustmap_scan::Scan,
    head: Vec<trustmap_decisions::Entry>,
    base: Option<Vec<trustmap_decisions::Entry>>,
    findings: &mut [Finding],
) -> Result<(Vec<Diagnostic>, Option<trustmap_decisions::DecisionReview>)> {
    let mut diagnostics = Vec::new();
    let mut inline = Vec::new();
    for (file, text) in &scan.texts {
        let (found, problems) = trustmap_decisions::inline_decisions(file, text);
        inline.extend(found);
        diagnostics.extend(problems);
    }
    let (entries, review) = match base {
        None => {
            let mut entries = inline;
            entries.extend(head);
            (entries, None)
        }
        Some(base) => {
            if !inline.is_empty() {
                diagnostics.push(Diagnostic::file(
                    DiagnosticLevel::Warning,
                    Code::DecisionsInlineNotApplied,
                    inline_file(&inline),
                    format!(
                        "{} decisions written as comments in the scanned files are not applied: with \
                         --base-config only the base revision's decisions file decides (move them \
                         there, where a change to them is reviewed)",
                        inline.len()
                    ),
                ));
            }
            let review = trustmap_decisions::review_decisions(&base, &head);
            diagnostics.extend(review.diagnostics());
            (base, Some(review))
        }
    };
    let today = match &args.today {
        Some(text) => trustmap_decisions::Date::parse(text)
            .with_context(|| format!("--today {text}: expected YYYY-MM-DD"))?,
        None => trustmap_decisions::Date::today(),
    };
    let model = &scan.model;
    let element_span = |finding: &Finding| match &finding.subject {
        trustmap_rules::Subject::Element(id) => model.element(id).and_then(|e| e.span.clone()),
        trustmap_rules::Subject::Flow(id) => model.flow(id).and_then(|f| f.span.clone()),
    };
    diagnostics.extend(trustmap_decisions::apply(
        findings,
        &entries,
        today,
        element_span,
    ));
    Ok((diagnostics, review))
}

/// The file of the first inline decision, for the diagnostic that says they were not applied.
fn inline_file(inline: &[trustmap_decisions::Entry]) -> String {
    inline
        .iter()
        .find_map(|entry| match &entry.scope {
            trustmap_decisions::Scope::Declared(span) => Some(span.file.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Reads a baseline model written by `trustmap model --format json`.
fn read_baseline(path: &std::path::Path) -> Result<trustmap_model::Snapshot> {
    let text = read_named_file(path, "the baseline", &trustmap_model::Limits::default())?;
    trustmap_model::Snapshot::from_json(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a trustmap model: {e}", path.display()))
}

fn diff(args: DiffArgs) -> Result<u8> {
    let baseline = read_baseline(&args.baseline)?;
    let mut input = args.input;
    if !args.deployed.is_empty() {
        input.paths = args.deployed.clone();
    }
    let (settings, settings_error) = tree_settings(&input)?;
    let scan = scan_inputs(&input, &settings)?;
    if scan.files.is_empty() {
        bail!("no compose files or Kubernetes manifests found to compare with the baseline");
    }
    let current = trustmap_model::Snapshot::of(&scan.model);
    let drift = trustmap_drift::compare(&baseline, &current);
    let mut cut_by_limits = Vec::new();
    let text = match args.format {
        DiffFormat::Text => trustmap_drift::text(&drift),
        DiffFormat::Json => trustmap_drift::json(&drift),
        DiffFormat::Markdown => trustmap_drift::markdown(&drift, &current),
        DiffFormat::Sarif => {
            let (text, cut) =
                trustmap_drift::sarif_bounded(&drift, env!("CARGO_PKG_VERSION"), &input.limits());
            cut_by_limits = cut;
            text
        }
    };
    write_output(input.output.as_ref(), &text)?;
    Terminal::get().print_diagnostics(&cut_by_limits);
    if report_diagnostics(&scan) || !cut_by_limits.is_empty() || settings_error {
        return Ok(2);
    }
    Ok(u8::from(drift.weakened()))
}

fn report(args: ReportArgs) -> Result<u8> {
    let Analysis {
        scan,
        rules,
        findings,
        diagnostics,
        review: _,
        settings: _,
    } = analyze(&args.input, &args.analysis)?;
    let drift = match &args.baseline {
        None => None,
        Some(path) => {
            let baseline = read_baseline(path)?;
            let current = trustmap_model::Snapshot::of(&scan.model);
            Some(trustmap_drift::text(&trustmap_drift::compare(
                &baseline, &current,
            )))
        }
    };
    let html = match args.format {
        ReportFormat::Html => trustmap_report::html_report(
            &scan.model,
            &findings,
            &rules,
            &diagnostics,
            drift.as_deref(),
        ),
    };
    write_output(args.input.output.as_ref(), &html)?;
    Terminal::get().print_diagnostics(&diagnostics);
    Ok(
        if diagnostics
            .iter()
            .any(|d| d.level == DiagnosticLevel::Error)
        {
            2
        } else {
            0
        },
    )
}

/// The settings of the scanned tree's `trustmap.yaml`, for the commands that take no
/// decisions (`model`, `diff`): what they exclude. Problems in the file are printed here, as
/// `scan` prints them; the flag says whether one is an error (the run is then incomplete).
fn tree_settings(input: &InputArgs) -> Result<(trustmap_decisions::Settings, bool)> {
    let config = read_config(input, None, None)?;
    Terminal::get().print_diagnostics(&config.diagnostics);
    let error = config
        .diagnostics
        .iter()
        .any(|d| d.level == DiagnosticLevel::Error);
    Ok((config.settings, error))
}

fn model(args: ModelArgs) -> Result<u8> {
    let (settings, settings_error) = tree_settings(&args.input)?;
    let scan = scan_inputs(&args.input, &settings)?;
    let text = match args.format {
        ModelFormat::Json => trustmap_report::model_json(&scan.model),
        ModelFormat::Mermaid => trustmap_report::mermaid(&scan.model),
        ModelFormat::Dot => trustmap_report::dot(&scan.model),
        ModelFormat::Svg => {
            let rules = load_rules(&[])?;
            let findings = trustmap_rules::evaluate(&scan.model, &rules);
            trustmap_report::svg(&scan.model, &findings)
        }
    };
    write_output(args.input.output.as_ref(), &text)?;
    Ok(if report_diagnostics(&scan) || settings_error {
        2
    } else {
        0
    })
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
        Some(RulesAction::Explain { id }) => {
            let id = id.to_ascii_uppercase();
            match (rules.get(&id), rules.check(&id)) {
                (Some(rule), _) => out = rule.help_markdown(),
                // A retired rule's id is kept by the check it became.
                (None, Some((rule, check))) => {
                    out = format!(
                        "> {id} is the check \"{}\" of {} ({}): `--select`, `--ignore` and \
                         decisions that name {id} apply to that check.\n\n{}",
                        check.label,
                        rule.id,
                        rule.title,
                        rule.help_markdown()
                    );
                }
                (None, None) => bail!("no rule has the id {id}; `trustmap rules` lists them"),
            }
        }
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
        Some(RulesAction::Docs) => out = trustmap_rules::rules_reference(),
        Some(RulesAction::Test { dir }) => return test_rules(&dir, rules),
    }
    write_output(None, &out)?;
    Ok(0)
}

/// `rules test DIR`: every rule of the folder against its `<ID>/firing` and `<ID>/silent`
/// fixtures beside it, evaluated with the built-in pack and `--rules` folders; one line per
/// case, then the counts. 1 when a case fails.
fn test_rules(dir: &std::path::Path, mut rules: RuleSet) -> Result<u8> {
    let tested = read_rule_folder(dir)?;
    if tested.is_empty() {
        bail!("no rule files (*.yaml, *.yml) in {}", dir.display());
    }
    for (_, rule) in &tested {
        rules.add(rule.clone())?;
    }
    rules.check_absorbed()?;
    let mut out = String::new();
    let mut failed = 0;
    for (path, rule) in &tested {
        let folder = path.parent().unwrap_or(dir).join(&rule.id);
        for case in trustmap_rules::Case::ALL {
            let case_dir = folder.join(case.as_str());
            let problems = if case_dir.is_dir() {
                let scan = trustmap_scan::scan(
                    std::slice::from_ref(&case_dir),
                    &trustmap_scan::ScanOptions::default(),
                )?;
                trustmap_rules::check_case(&rules, &rule.id, case, &scan.model, &scan.texts)
                    .problems
            } else {
                vec![format!("no fixture folder {}", case_dir.display())]
            };
            let verdict = if problems.is_empty() { "ok  " } else { "FAIL" };
            out.push_str(&format!("{verdict} {} {}", rule.id, case.as_str()));
            if !problems.is_empty() {
                failed += 1;
                out.push_str(&format!(": {}", problems.join("; ")));
            }
            out.push('\n');
        }
    }
    let cases = tested.len() * trustmap_rules::Case::ALL.len();
    out.push_str(&format!(
        "{} rule{}, {cases} cases: {} passed, {failed} failed\n",
        tested.len(),
        if tested.len() == 1 { "" } else { "s" },
        cases - failed
    ));
    // Ids, paths and diagnostics come from the user's files: printable, line by line.
    let shown: String = out
        .lines()
        .map(|line| format!("{}\n", trustmap_model::printable(line)))
        .collect();
    write_output(None, &shown)?;
    Ok(u8::from(failed > 0))
}

//! The switches every command shares and what they do to output: rule selection by id and
//! prefix (`--select`, `--ignore`), the diagnostics shown on the terminal (`--quiet`,
//! `--log-level`), and colour (`--color`). Pure functions of their inputs, so the binary only
//! wires them.

use std::io::IsTerminal;
use std::sync::OnceLock;
use trustmap_model::{Diagnostic, DiagnosticLevel};
use trustmap_rules::{Finding, RuleSet};

/// Which rules report: ruff's model. A rule is on when the longest selector that matches its
/// id (a case-insensitive prefix, or `ALL`) is in `select`, off when it is in `ignore` (a tie
/// goes to `ignore`); with no `select`, every rule is selected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
}

/// How long a selector is, for "the most specific wins"; `ALL` is the least specific.
fn matches(selector: &str, id: &str) -> Option<usize> {
    if selector.eq_ignore_ascii_case("ALL") {
        return Some(0);
    }
    let id = id.to_ascii_uppercase();
    id.starts_with(&selector.to_ascii_uppercase())
        .then_some(selector.len())
}

impl Selection {
    /// The selection of these selectors, each checked against the rules: one that matches no
    /// rule is an error (a typo would otherwise select nothing, or ignore nothing, silently).
    ///
    /// # Errors
    /// A selector that is empty or matches no rule, as `--select X: ...`.
    #[cfg(test)]
    pub fn new(select: &[String], ignore: &[String], rules: &RuleSet) -> Result<Self, String> {
        Self::from_sources((select, "--select"), (ignore, "--ignore"), rules)
    }

    /// The same, with each list named by where it was written (`--select`, or
    /// `settings.select in trustmap.yaml`), so that an error sends the user to the right place.
    ///
    /// # Errors
    /// A selector that is empty or matches no rule, as `<source> X: ...`.
    pub fn from_sources(
        select: (&[String], &str),
        ignore: (&[String], &str),
        rules: &RuleSet,
    ) -> Result<Self, String> {
        let clean = |(list, source): (&[String], &str)| -> Result<Vec<String>, String> {
            list.iter()
                .map(|s| s.trim().to_string())
                .map(|s| {
                    if s.is_empty() {
                        return Err(format!("{source}: an empty rule selector"));
                    }
                    // A check's id (a retired rule's, kept by the check it became) selects too.
                    if rules.ids().any(|id| matches(&s, id).is_some()) {
                        Ok(s)
                    } else {
                        Err(format!(
                            "{source} {s}: matches no rule id (`trustmap rules` lists them; \
                             a selector is an id or its beginning, such as TM-E or TM-E001)"
                        ))
                    }
                })
                .collect()
        };
        Ok(Selection {
            select: clean(select)?,
            ignore: clean(ignore)?,
        })
    }

    /// Whether the rule with this id reports.
    pub fn enabled(&self, id: &str) -> bool {
        self.enabled_as(&[id])
    }

    /// Whether something known by all these ids reports: a check is known by its rule's id
    /// and its own. The most specific selector that matches any of them decides.
    fn enabled_as(&self, ids: &[&str]) -> bool {
        let best = |list: &[String]| {
            list.iter()
                .flat_map(|s| ids.iter().filter_map(|id| matches(s, id)))
                .max()
        };
        match (best(&self.select), best(&self.ignore)) {
            (_, Some(ignored)) if best(&self.select).is_none_or(|s| ignored >= s) => false,
            (Some(_), _) => true,
            (None, _) => self.select.is_empty(),
        }
    }

    /// The findings reported: those of the rules selected; of a checklist rule's findings,
    /// the checks selected (by the rule's id or the check's), and only the findings left with
    /// a check.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain_mut(|finding| {
            if finding.checks.is_empty() {
                return self.enabled(&finding.rule_id);
            }
            let before = finding.checks.len();
            finding.checks.retain(|check| match &check.id {
                Some(id) => self.enabled_as(&[&finding.rule_id, id]),
                None => self.enabled(&finding.rule_id),
            });
            if finding.checks.len() != before {
                finding.refresh_checks();
            }
            !finding.checks.is_empty()
        });
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless the NO_COLOR environment variable is set (and not empty).
    Auto,
    /// Always, also into a pipe or a file written with `--output`.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether output to a stream that is (or is not) a terminal is coloured.
    pub fn colors(self, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

/// `--log-level`: the least severe diagnostic shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogLevel {
    /// Only errors (what makes a scan incomplete).
    Error,
    /// Errors and warnings.
    Warning,
    /// Everything, notes too (the default).
    Note,
}

impl LogLevel {
    fn floor(self) -> DiagnosticLevel {
        match self {
            LogLevel::Error => DiagnosticLevel::Error,
            LogLevel::Warning => DiagnosticLevel::Warning,
            LogLevel::Note => DiagnosticLevel::Note,
        }
    }
}

/// What the terminal shows: the diagnostics at or above a level, coloured or not. Set once
/// from the command line, read wherever a diagnostic is printed.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    floor: DiagnosticLevel,
    quiet: bool,
    /// Standard output is coloured (text findings).
    pub color_stdout: bool,
    /// Standard error is coloured (diagnostics).
    pub color_stderr: bool,
}

static TERMINAL: OnceLock<Terminal> = OnceLock::new();

impl Terminal {
    /// The terminal of these switches, for this process's streams and environment.
    pub fn new(quiet: bool, level: Option<LogLevel>, color: ColorChoice) -> Terminal {
        let level = level.unwrap_or(if quiet {
            LogLevel::Error
        } else {
            LogLevel::Note
        });
        let no_color = std::env::var_os("NO_COLOR");
        Terminal {
            floor: level.floor(),
            quiet,
            color_stdout: color.colors(std::io::stdout().is_terminal(), no_color.as_deref()),
            color_stderr: color.colors(std::io::stderr().is_terminal(), no_color.as_deref()),
        }
    }

    /// Makes this the process's terminal (the first call wins).
    pub fn install(self) {
        let _ = TERMINAL.set(self);
    }

    /// The process's terminal: every diagnostic, no colour, until one is installed.
    pub fn get() -> Terminal {
        TERMINAL.get().copied().unwrap_or(Terminal {
            floor: DiagnosticLevel::Note,
            quiet: false,
            color_stdout: false,
            color_stderr: false,
        })
    }

    /// Whether a diagnostic of this level is shown.
    pub fn shows(&self, level: DiagnosticLevel) -> bool {
        level >= self.floor
    }

    /// The diagnostics shown, in their order.
    pub fn shown(&self, diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
        diagnostics
            .iter()
            .filter(|d| self.shows(d.level))
            .cloned()
            .collect()
    }

    /// Prints the diagnostics shown on standard error, and one line counting the others
    /// (unless `--quiet`).
    pub fn print_diagnostics(&self, diagnostics: &[Diagnostic]) {
        let mut hidden = 0usize;
        for diagnostic in diagnostics {
            if self.shows(diagnostic.level) {
                eprintln!("{}", self.paint_diagnostic(&diagnostic.to_string()));
            } else {
                hidden += 1;
            }
        }
        if hidden > 0 && !self.quiet {
            eprintln!(
                "trustmap: {hidden} less severe diagnostics not shown (--log-level note shows them)"
            );
        }
    }

    /// A diagnostic line with its level coloured, when standard error is coloured.
    fn paint_diagnostic(&self, line: &str) -> String {
        if !self.color_stderr {
            return line.to_string();
        }
        paint_levels(line)
    }
}

const RESET: &str = "\x1b[0m";

/// The ANSI colour of a severity or level word.
fn color_of(word: &str) -> Option<&'static str> {
    Some(match word {
        "CRITICAL" => "\x1b[1;35m",
        "HIGH" | "error" => "\x1b[1;31m",
        "MEDIUM" | "warning" => "\x1b[33m",
        "LOW" | "note" => "\x1b[36m",
        _ => return None,
    })
}

/// The first `level[` of a diagnostic line coloured.
fn paint_levels(line: &str) -> String {
    for level in ["error", "warning", "note"] {
        let marker = format!(": {level}[");
        if let Some(at) = line.find(&marker) {
            let start = at + 2;
            let end = start + level.len();
            let color = color_of(level).unwrap_or_default();
            return format!("{}{color}{level}{RESET}{}", &line[..start], &line[end..]);
        }
    }
    line.to_string()
}

/// The text report coloured for a terminal: each finding's severity word in its colour, file
/// headings bold, diagnostics' levels coloured. The text is trustmap's own report, already
/// printable: the colours are the only escapes in it.
pub fn paint_text_report(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let newline = &line[body.len()..];
        if !body.is_empty() && !body.starts_with(' ') && !body.contains(' ') {
            out.push_str(&format!("\x1b[1m{body}{RESET}{newline}"));
            continue;
        }
        let painted = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
            .iter()
            .find_map(|word| {
                let at = body.find(&format!("  {word} "))?;
                let start = at + 2;
                let end = start + word.len();
                let color = color_of(word)?;
                Some(format!(
                    "{}{color}{word}{RESET}{}",
                    &body[..start],
                    &body[end..]
                ))
            });
        match painted {
            Some(painted) => out.push_str(&painted),
            None => out.push_str(&paint_levels(body)),
        }
        out.push_str(newline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(select: &[&str], ignore: &[&str]) -> Selection {
        let owned = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Selection::new(&owned(select), &owned(ignore), &RuleSet::builtin().unwrap()).unwrap()
    }

    #[test]
    fn the_most_specific_selector_wins() {
        let all = selection(&[], &[]);
        assert!(all.enabled("TM-E001"));
        let some = selection(&["TM-E"], &["TM-E001"]);
        assert!(some.enabled("TM-E002"));
        assert!(!some.enabled("TM-E001"));
        assert!(!some.enabled("TM-S001"));
        let back = selection(&["TM-E001"], &["TM-E"]);
        assert!(back.enabled("TM-E001"));
        assert!(!back.enabled("TM-E002"));
        let tie = selection(&["tm-e001"], &["TM-E001"]);
        assert!(!tie.enabled("TM-E001"));
        let everything_but = selection(&["ALL"], &["TM-I"]);
        assert!(everything_but.enabled("TM-S001"));
        assert!(!everything_but.enabled("TM-I001"));
    }

    #[test]
    fn a_selector_that_matches_no_rule_is_an_error() {
        let rules = RuleSet::builtin().unwrap();
        let error = Selection::new(&["TM-X".to_string()], &[], &rules).unwrap_err();
        assert!(error.contains("--select TM-X: matches no rule"), "{error}");
        assert!(Selection::new(&[], &[" ".to_string()], &rules).is_err());
        let from_settings = Selection::from_sources(
            (&["TM-X".to_string()], "settings.select in trustmap.yaml"),
            (&[], "--ignore"),
            &rules,
        )
        .unwrap_err();
        assert!(
            from_settings.starts_with("settings.select in trustmap.yaml TM-X: matches no rule"),
            "{from_settings}"
        );
    }

    #[test]
    fn auto_colours_a_terminal_only_and_respects_no_color() {
        let set = Some(std::ffi::OsStr::new("1"));
        let empty = Some(std::ffi::OsStr::new(""));
        assert!(ColorChoice::Auto.colors(true, None));
        assert!(ColorChoice::Auto.colors(true, empty));
        assert!(!ColorChoice::Auto.colors(true, set));
        assert!(!ColorChoice::Auto.colors(false, None));
        assert!(ColorChoice::Always.colors(false, set));
        assert!(!ColorChoice::Never.colors(true, None));
    }

    #[test]
    fn the_text_report_is_painted_on_its_words_only() {
        let text = "compose.yaml\n  compose.yaml:4:5  HIGH      TM-E002  web runs as root\n\ndiagnostics\n  x.yaml:3: error[yaml]: bad\n";
        let painted = paint_text_report(text);
        assert!(
            painted.contains("\x1b[1mcompose.yaml\x1b[0m\n"),
            "{painted:?}"
        );
        assert!(
            painted.contains("\x1b[1;31mHIGH\x1b[0m      TM-E002"),
            "{painted:?}"
        );
        assert!(
            painted.contains(": \x1b[1;31merror\x1b[0m[yaml]"),
            "{painted:?}"
        );
        let plain: String = painted
            .replace("\x1b[1m", "")
            .replace("\x1b[1;31m", "")
            .replace("\x1b[0m", "");
        assert_eq!(plain, text);
    }
}

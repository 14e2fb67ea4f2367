//! Diagnostics: what a parser or the scan could not read, and why. They never stop a scan.

use crate::{Code, Span, printable};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a diagnostic is. Any [`DiagnosticLevel::Error`] makes the scan incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticLevel {
    /// Something was read but may be modelled less precisely (an unresolved variable).
    Note,
    /// Part of a file was skipped; the rest was modelled.
    Warning,
    /// A file, or a part of it that matters, could not be read: the scan is incomplete.
    Error,
}

/// One message about the input, with the file and line it concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Where: the file, and the line and column when known.
    pub span: Span,
    /// How bad.
    pub level: DiagnosticLevel,
    /// A short stable code (`yaml-syntax`, `file-too-large`, ...): a [`Code`]'s string.
    pub code: String,
    /// What went wrong and, where it helps, how to fix the input.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at a span. Its code comes from the registry, at one of the levels the
    /// registry documents for it.
    pub fn new(level: DiagnosticLevel, code: Code, span: Span, message: impl Into<String>) -> Self {
        debug_assert!(
            code.levels().contains(&level),
            "{code} is reported at {level:?}, which crates/trustmap-model/src/codes.rs does not document"
        );
        Diagnostic {
            span,
            level,
            code: code.as_str().to_string(),
            message: message.into(),
        }
    }

    /// A diagnostic about a whole file (line 1).
    pub fn file(
        level: DiagnosticLevel,
        code: Code,
        file: impl Into<crate::FileName>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(level, code, Span::lines(file, 1, 1), message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            DiagnosticLevel::Note => "note",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Error => "error",
        };
        // File names, codes and messages come from the scanned files: shown printable, so
        // a diagnostic is one line that cannot drive the terminal or a CI runner.
        write!(
            f,
            "{}: {level}[{}]: {}",
            printable(&self.span.to_string()),
            printable(&self.code),
            printable(&self.message)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_file_name_or_message_cannot_break_out_of_its_diagnostic_line() {
        let diagnostic = Diagnostic::file(
            DiagnosticLevel::Error,
            Code::YamlSyntax,
            "x\n::error title=pwned::y.compose.yaml\x1b]8;;https://evil\x07\u{202e}",
            "bad \x1b[2J value\r\n::warning::owned",
        );
        let shown = diagnostic.to_string();
        assert_eq!(shown.lines().count(), 1, "{shown}");
        assert!(!shown.trim_start().starts_with("::"));
        for raw in ['\n', '\r', '\x1b', '\x07', '\u{202e}'] {
            assert!(!shown.contains(raw), "{raw:?} survives in {shown:?}");
        }
        assert!(shown.contains("\\x1b]8;;https://evil"), "{shown}");

        let leading = Diagnostic::file(
            DiagnosticLevel::Note,
            Code::DuplicateId,
            "::error::x.yaml",
            "m",
        );
        assert!(
            leading.to_string().starts_with("\\u{3a}:error::x.yaml:1"),
            "{leading}"
        );
    }
}

//! Diagnostics: what a parser or the scan could not read, and why. They never stop a scan.

use crate::Span;
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
    /// A short stable code (`yaml-syntax`, `file-too-large`, ...).
    pub code: String,
    /// What went wrong and, where it helps, how to fix the input.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at a span.
    pub fn new(
        level: DiagnosticLevel,
        code: impl Into<String>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            span,
            level,
            code: code.into(),
            message: message.into(),
        }
    }

    /// A diagnostic about a whole file (line 1).
    pub fn file(
        level: DiagnosticLevel,
        code: impl Into<String>,
        file: impl Into<String>,
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
        write!(f, "{}: {level}[{}]: {}", self.span, self.code, self.message)
    }
}

//! Source locations: which file, and which lines and columns, declared a part of the model.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A point in a source file. Lines and columns are 1-based, as SARIF and editors count them;
/// columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A range of a source file, with the path relative to the scan root (forward slashes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// The file, relative to the scan root, with `/` separators.
    pub file: String,
    /// Where the range starts (inclusive).
    pub start: Position,
    /// Where the range ends (exclusive).
    pub end: Position,
}

impl Span {
    /// A span of a whole line range, when only lines are known.
    pub fn lines(file: impl Into<String>, start_line: u32, end_line: u32) -> Span {
        Span {
            file: file.into(),
            start: Position {
                line: start_line,
                column: 1,
            },
            end: Position {
                line: end_line,
                column: 1,
            },
        }
    }

    /// The smallest span covering both (the file of `self` wins; both should share it).
    pub fn cover(&self, other: &Span) -> Span {
        Span {
            file: self.file.clone(),
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.start.line, self.start.column)
    }
}

/// A path relative to the scan root, from a folder and a path relative to it (`.` and `..`
/// resolved, never above the root; an absolute path starts again from the root). Compose
/// `env_file:` is resolved this way.
pub fn join_path(dir: &str, relative: &str) -> String {
    resolve(dir, relative, true).unwrap_or_default()
}

/// Like [`join_path`], but `None` when the path climbs above the scan root (a Terraform module
/// source outside the scanned tree is not followed).
pub fn join_path_within(dir: &str, relative: &str) -> Option<String> {
    resolve(dir, relative, false)
}

fn resolve(dir: &str, relative: &str, clamp_at_root: bool) -> Option<String> {
    let mut parts: Vec<&str> = if relative.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !clamp_at_root {
                    return None;
                }
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_paths_resolve_within_the_root() {
        assert_eq!(
            super::join_path("envs/prod", "../../modules/db"),
            "modules/db"
        );
        assert_eq!(super::join_path("a", "../../../x"), "x");
        assert_eq!(super::join_path("a/b", "./c.env"), "a/b/c.env");
        assert_eq!(
            super::join_path_within("infra/a", "../b").as_deref(),
            Some("infra/b")
        );
        assert_eq!(super::join_path_within("", "../m"), None);
        assert_eq!(
            super::join_path_within("infra", "./modules/x").as_deref(),
            Some("infra/modules/x")
        );
        assert_eq!(super::join_path_within("", "./m").as_deref(), Some("m"));
    }
}

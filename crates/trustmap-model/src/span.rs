//! Source locations: which file, and which lines and columns, declared a part of the model.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A point in a source file. Lines and columns are 1-based, as SARIF and editors count them;
/// columns count characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// The name of a source file, relative to the scan root with `/` separators, shared by every
/// span into that file: cloning it counts a reference instead of copying the text.
///
/// A reader makes one per file it reads and every span it builds clones it, so a model of
/// thousands of spans holds each file name once. It reads and compares as the text it holds
/// (`span.file == "compose.yaml"`), and serializes as a plain JSON string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileName(Arc<str>);

impl FileName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for FileName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for FileName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::path::Path> for FileName {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(&*self.0)
    }
}

impl Borrow<str> for FileName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for FileName {
    fn from(text: &str) -> FileName {
        FileName(text.into())
    }
}

impl From<&String> for FileName {
    fn from(text: &String) -> FileName {
        FileName(text.as_str().into())
    }
}

impl From<String> for FileName {
    fn from(text: String) -> FileName {
        FileName(text.into())
    }
}

impl From<&FileName> for FileName {
    fn from(name: &FileName) -> FileName {
        name.clone()
    }
}

impl From<FileName> for String {
    fn from(name: FileName) -> String {
        name.0.to_string()
    }
}

impl PartialEq<str> for FileName {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for FileName {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for FileName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<FileName> for str {
    fn eq(&self, other: &FileName) -> bool {
        self == &*other.0
    }
}

impl PartialEq<FileName> for &str {
    fn eq(&self, other: &FileName) -> bool {
        *self == &*other.0
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl Serialize for FileName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FileName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<FileName, D::Error> {
        String::deserialize(deserializer).map(FileName::from)
    }
}

/// A range of a source file, with the path relative to the scan root (forward slashes).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    /// The file, relative to the scan root, with `/` separators; shared, not copied, by the
    /// spans of one file.
    pub file: FileName,
    /// Where the range starts (inclusive).
    pub start: Position,
    /// Where the range ends (exclusive).
    pub end: Position,
}

impl Span {
    /// A span from `start` to `end` in a file (a [`FileName`] is shared; text is copied once).
    pub fn new(file: impl Into<FileName>, start: Position, end: Position) -> Span {
        Span {
            file: file.into(),
            start,
            end,
        }
    }

    /// A span of one point, when only where something starts is known.
    pub fn at(file: impl Into<FileName>, position: Position) -> Span {
        Span::new(file, position, position)
    }

    /// A span of a whole line range, when only lines are known.
    pub fn lines(file: impl Into<FileName>, start_line: u32, end_line: u32) -> Span {
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

//! The scanned roots: how a file's display path maps to the disk, and reading a file within
//! the roots and the size cap.

use crate::ScanError;
use std::path::{Component, Path, PathBuf};
use trustmap_compose::{FileReader, SourceFile};

/// One path given to the scan.
#[derive(Debug, Clone)]
pub struct Root {
    /// The path as given (for discovery).
    pub given: PathBuf,
    /// Its canonical form (for the confinement check).
    pub canonical: PathBuf,
    /// Prefix for display paths: the root relative to the working directory, `/`-separated,
    /// empty for the working directory itself.
    pub display: String,
    /// What display paths are relative to on disk.
    pub base: PathBuf,
}

/// The roots of a scan.
#[derive(Debug, Clone)]
pub struct Roots {
    /// Every root, in the order given.
    pub roots: Vec<Root>,
    /// The size cap in bytes.
    pub max_file_size: u64,
    /// The files discovery saw (display paths): a file `.gitignore` excludes is not part of
    /// the repository, so a compose file's reference to it (`env_file:`, `.env`) is not read.
    visible: std::sync::OnceLock<std::collections::BTreeSet<String>>,
}

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file is larger than the cap.
    TooLarge(u64),
    /// The file holds NUL bytes or is not UTF-8.
    Binary,
    /// The file is excluded by `.gitignore`, so it is not part of what is scanned.
    Ignored,
    /// The file resolves outside every root.
    OutsideRoots,
    /// The operating system refused.
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(size) => write!(
                f,
                "the file is {size} bytes, over the size cap (--max-file-size)"
            ),
            ReadError::Binary => write!(f, "the file is binary (not UTF-8 text)"),
            ReadError::Ignored => write!(f, "the file is excluded by .gitignore"),
            ReadError::OutsideRoots => write!(f, "the path leads outside the scanned paths"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// `a/./b/../c` → `a/c`, with `/` separators; leading `./` removed.
pub fn display_path(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.last().is_some_and(|p| p != "..") {
                    parts.pop();
                } else {
                    parts.push("..".to_string());
                }
            }
            Component::RootDir => parts.push(String::new()),
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
        }
    }
    parts.join("/")
}

impl Roots {
    /// Resolves the given paths.
    ///
    /// # Errors
    /// A path does not exist.
    pub fn new(paths: &[PathBuf], max_file_size: u64) -> Result<Roots, ScanError> {
        let cwd = std::env::current_dir()
            .ok()
            .and_then(|c| c.canonicalize().ok());
        let mut roots = Vec::new();
        for given in paths {
            let canonical = given.canonicalize().map_err(|e| ScanError {
                path: given.display().to_string(),
                reason: e.to_string(),
            })?;
            let (display, base) = if given.is_relative() {
                (display_path(given), PathBuf::new())
            } else {
                match cwd.as_ref().and_then(|c| canonical.strip_prefix(c).ok()) {
                    Some(inside) => (display_path(inside), cwd.clone().unwrap_or_default()),
                    None => (String::new(), canonical.clone()),
                }
            };
            // A file given by an absolute path outside the working directory shows as its name.
            let (display, base) =
                match (display.is_empty(), canonical.is_file(), canonical.parent()) {
                    (true, true, Some(parent)) => (
                        canonical
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        parent.to_path_buf(),
                    ),
                    _ => (display, base),
                };
            roots.push(Root {
                given: given.clone(),
                canonical,
                display,
                base,
            });
        }
        Ok(Roots {
            roots,
            max_file_size,
            visible: std::sync::OnceLock::new(),
        })
    }

    /// The display path of a file found under `root` at `path` (as the walker gives it).
    pub fn display(&self, root: &Root, path: &Path) -> String {
        let relative = path.strip_prefix(&root.given).unwrap_or(path);
        let joined = if root.display.is_empty() {
            display_path(relative)
        } else if root.canonical.is_file() {
            root.display.clone()
        } else {
            display_path(&Path::new(&root.display).join(relative))
        };
        if joined.is_empty() {
            ".".to_string()
        } else {
            joined
        }
    }

    /// Records the files discovery saw; from then on only they are read by display path.
    pub fn set_visible(&self, files: std::collections::BTreeSet<String>) {
        let _ = self.visible.set(files);
    }

    /// Whether a path on disk resolves inside one of the roots.
    pub fn contains(&self, path: &Path) -> bool {
        match path.canonicalize() {
            Ok(canonical) => self
                .roots
                .iter()
                .any(|r| canonical.starts_with(&r.canonical)),
            Err(_) => false,
        }
    }

    /// Reads a file by display path, within the roots and the size cap.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn read_display(&self, display: &str) -> Result<String, ReadError> {
        let mut last = ReadError::OutsideRoots;
        for root in &self.roots {
            let on_disk = if root.display.is_empty() {
                root.base.join(display)
            } else {
                match display.strip_prefix(&root.display) {
                    Some(rest) => root
                        .base
                        .join(&root.display)
                        .join(rest.trim_start_matches('/')),
                    None => continue,
                }
            };
            if !on_disk.exists() {
                last = ReadError::Io("no such file".to_string());
                continue;
            }
            if !self.contains(&on_disk) {
                last = ReadError::OutsideRoots;
                continue;
            }
            if self
                .visible
                .get()
                .is_some_and(|visible| !visible.contains(display))
            {
                return Err(ReadError::Ignored);
            }
            return self.read_path(&on_disk);
        }
        Err(last)
    }

    /// Reads a file on disk within the size cap, as UTF-8 text.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn read_path(&self, path: &Path) -> Result<String, ReadError> {
        let metadata = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
        if !metadata.is_file() {
            return Err(ReadError::Io("not a regular file".to_string()));
        }
        if metadata.len() > self.max_file_size {
            return Err(ReadError::TooLarge(metadata.len()));
        }
        // Read at most the cap plus one byte, in case the file grew since `metadata`.
        use std::io::Read;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(self.max_file_size + 1).read_to_end(&mut bytes))
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if bytes.len() as u64 > self.max_file_size {
            return Err(ReadError::TooLarge(bytes.len() as u64));
        }
        if bytes.contains(&0) {
            return Err(ReadError::Binary);
        }
        String::from_utf8(bytes).map_err(|_| ReadError::Binary)
    }
}

impl FileReader for Roots {
    fn read(&self, path: &str) -> Result<SourceFile, String> {
        self.read_display(path)
            .map(|text| SourceFile {
                path: path.to_string(),
                text,
            })
            .map_err(|e| e.to_string())
    }
}

//! The one gate every file read goes through: the scanned roots, how a file's display path
//! maps to the disk, and reading a file only when it may be read.
//!
//! A file found in the scanned tree is read only when its real path (symlinks resolved) lies
//! inside a scanned root, outside the folders never entered (`.git`, `node_modules`,
//! `.terraform`), is a regular file (never a FIFO, device or socket: opening one could block
//! or never end), fits the size cap and the scan's total-bytes budget, and is UTF-8 text.
//! A file the user named on the command line (`--var-file`, `--config`, a baseline, a rule
//! folder) may be outside the roots, but it too must be a regular file under the cap. A refusal
//! names the path and the reason, never the content.

use crate::ScanError;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use trustmap_compose::{FileReader, SourceFile};
use trustmap_model::Code;
use trustmap_model::{Budget, Diagnostic, DiagnosticLevel, Limit, Limits};

/// Folders never entered and never read from, even through a symlink: version control (which
/// holds the checkout's credentials), dependencies, Terraform's provider cache.
pub const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", ".terraform"];

/// One path given to the scan.
#[derive(Debug, Clone)]
pub struct Root {
    /// The path as given (for discovery).
    pub given: PathBuf,
    /// Its canonical form (for the confinement check).
    pub canonical: PathBuf,
    /// Its display path: relative to the scan's base, `/`-separated, empty for the base
    /// itself; absolute when no base holds it.
    pub display: String,
}

/// The roots of a scan and the gate that reads files within them.
#[derive(Debug)]
pub struct Roots {
    /// Every root to walk, in the order given.
    pub roots: Vec<Root>,
    /// The canonical paths every read is confined to: the roots as given, also when
    /// `--files-from` narrows what is walked to a few files.
    confined_to: Vec<PathBuf>,
    /// Whether only listed files are walked (then a compose file's `.env` is read though
    /// discovery did not see it).
    listed_only: bool,
    /// What relative display paths are relative to: the current folder when it holds every
    /// root, else the git work tree that holds every root, else the one root given; `None`
    /// when no folder holds them all (display paths are then absolute). Two files never
    /// share a display path.
    pub base: Option<PathBuf>,
    /// The bounds of the scan.
    pub limits: Limits,
    /// Bytes read so far, against [`Limit::TotalBytes`].
    total_bytes: Budget,
    /// The files discovery saw (display paths): a file `.gitignore` excludes is not part of
    /// the repository, so a compose file's reference to it (`env_file:`, `.env`) is not read.
    visible: OnceLock<BTreeSet<String>>,
}

/// Why a file was not read. The message names the reason, never the file's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file is larger than the cap.
    TooLarge(u64),
    /// Reading it would go past the scan's total-bytes budget.
    TotalBytes(u64),
    /// The file holds NUL bytes or is not UTF-8.
    Binary,
    /// The file is excluded by `.gitignore`, so it is not part of what is scanned.
    Ignored,
    /// The file resolves outside every root.
    OutsideRoots,
    /// The file resolves into a folder that is never read (`.git`, ...).
    SkippedDir(&'static str),
    /// Not a regular file: a FIFO, a device, a socket or a folder.
    NotRegular(&'static str),
    /// The file or a folder on its way does not exist.
    NotFound,
    /// The operating system refused.
    Io(String),
}

impl ReadError {
    /// The diagnostic code of this refusal.
    pub fn code(&self) -> Code {
        match self {
            ReadError::TooLarge(_) => Code::FileTooLarge,
            ReadError::TotalBytes(_) => Code::LimitTotalBytes,
            ReadError::Binary => Code::FileBinary,
            ReadError::Ignored => Code::FileIgnored,
            ReadError::OutsideRoots => Code::FileOutsideRoots,
            ReadError::SkippedDir(_) => Code::FileInSkippedFolder,
            ReadError::NotRegular(_) => Code::FileNotRegular,
            ReadError::NotFound | ReadError::Io(_) => Code::FileUnreadable,
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::TooLarge(size) => write!(
                f,
                "the file is {size} bytes, over the size cap (--max-file-size or --limit file-size=N)"
            ),
            ReadError::TotalBytes(max) => write!(
                f,
                "the scan has read {max} bytes, its total-bytes limit (raise it with --limit total-bytes=N)"
            ),
            ReadError::Binary => write!(f, "the file is binary (not UTF-8 text)"),
            ReadError::Ignored => write!(f, "the file is excluded by .gitignore"),
            ReadError::OutsideRoots => write!(f, "the path leads outside the scanned paths"),
            ReadError::SkippedDir(dir) => {
                write!(f, "the path leads into {dir}, which is never read")
            }
            ReadError::NotRegular(kind) => write!(f, "not a regular file ({kind})"),
            ReadError::NotFound => write!(f, "not found"),
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
                if parts.last().is_some_and(|p| p != ".." && !p.is_empty()) {
                    parts.pop();
                } else if parts.last().is_none_or(|p| !p.is_empty()) {
                    parts.push("..".to_string());
                }
            }
            Component::RootDir => parts.push(String::new()),
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::Prefix(p) => parts.push(p.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.len() == 1 && parts[0].is_empty() {
        return "/".to_string();
    }
    parts.join("/")
}

/// What kind of file the metadata describes, when it is not a regular file.
fn irregular_kind(file_type: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    if file_type.is_file() {
        None
    } else {
        Some("not a file")
    }
}

fn canonicals_of(roots: &[Root]) -> Vec<PathBuf> {
    roots.iter().map(|r| r.canonical.clone()).collect()
}

/// The git work tree that holds `path`: the nearest ancestor with a `.git` entry.
fn work_tree_of(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|dir| dir.join(".git").symlink_metadata().is_ok())
        .map(Path::to_path_buf)
}

impl Roots {
    /// Resolves the given paths and chooses the base every display path is relative to.
    ///
    /// # Errors
    /// A path does not exist.
    pub fn new(paths: &[PathBuf], limits: Limits) -> Result<Roots, ScanError> {
        let mut canonicals = Vec::new();
        for given in paths {
            let canonical = given.canonicalize().map_err(|e| ScanError {
                path: given.display().to_string(),
                reason: e.to_string(),
            })?;
            canonicals.push(canonical);
        }
        let folder_of = |canonical: &PathBuf| {
            if canonical.is_file() {
                canonical.parent().map(Path::to_path_buf)
            } else {
                Some(canonical.clone())
            }
        };
        let holds_all = |base: &Path| canonicals.iter().all(|c| c.starts_with(base));
        let cwd = std::env::current_dir()
            .ok()
            .and_then(|c| c.canonicalize().ok());
        // The current folder when it holds every root (element ids, which carry display
        // paths, then match whichever folder a baseline was made in), else the one git work
        // tree that holds every root, else the only root.
        let base = cwd
            .filter(|c| holds_all(c))
            .or_else(|| {
                canonicals
                    .first()
                    .and_then(|c| work_tree_of(c))
                    .filter(|tree| holds_all(tree))
            })
            .or_else(|| match canonicals.as_slice() {
                [only] => folder_of(only),
                _ => None,
            });
        let roots: Vec<Root> = paths
            .iter()
            .zip(canonicals)
            .map(|(given, canonical)| {
                let display = match base.as_ref().and_then(|b| canonical.strip_prefix(b).ok()) {
                    Some(inside) => display_path(inside),
                    None => display_path(&canonical),
                };
                Root {
                    given: given.clone(),
                    canonical,
                    display,
                }
            })
            .collect();
        Ok(Roots {
            confined_to: canonicals_of(&roots),
            listed_only: false,
            roots,
            base,
            total_bytes: Budget::new(Limit::TotalBytes, &limits),
            limits,
            visible: OnceLock::new(),
        })
    }

    /// Narrows the walk to the listed files (`--files-from`, paths relative to the current
    /// folder). A listed file that resolves outside the scanned paths, into a skipped folder,
    /// or is not a regular file is refused with an error diagnostic; one that does not exist
    /// (deleted by the change) is skipped with a note.
    pub fn keep_only(&mut self, listed: &[PathBuf]) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        let mut kept = Vec::new();
        for path in listed {
            let shown = display_path(path);
            if path.symlink_metadata().is_err() {
                diagnostics.push(Diagnostic::file(
                    DiagnosticLevel::Note,
                    Code::ListedFileMissing,
                    shown,
                    "listed in --files-from but does not exist (deleted?); not scanned",
                ));
                continue;
            }
            let checked = self.confine(path).and_then(|canonical| {
                match std::fs::metadata(&canonical).map(|m| irregular_kind(m.file_type())) {
                    Ok(None) => Ok(canonical),
                    Ok(Some(kind)) => Err(ReadError::NotRegular(kind)),
                    Err(e) => Err(ReadError::Io(e.to_string())),
                }
            });
            match checked {
                Ok(canonical) => {
                    let display = self.display_of(&canonical);
                    kept.push(Root {
                        given: path.clone(),
                        canonical,
                        display,
                    });
                }
                Err(error) => diagnostics.push(Diagnostic::file(
                    DiagnosticLevel::Error,
                    error.code(),
                    shown,
                    format!("listed in --files-from, not scanned: {error}"),
                )),
            }
        }
        kept.sort_by(|a, b| a.display.cmp(&b.display));
        kept.dedup_by(|a, b| a.display == b.display);
        self.roots = kept;
        self.listed_only = true;
        diagnostics
    }

    /// The display path of a canonical path: relative to the base, else absolute.
    fn display_of(&self, canonical: &Path) -> String {
        match self
            .base
            .as_ref()
            .and_then(|b| canonical.strip_prefix(b).ok())
        {
            Some(inside) => display_path(inside),
            None => display_path(canonical),
        }
    }

    /// The size cap in bytes.
    pub fn max_file_size(&self) -> u64 {
        self.limits.get(Limit::FileSize)
    }

    /// The display path of a file found under `root` at `path` (as the walker gives it).
    pub fn display(&self, root: &Root, path: &Path) -> String {
        let relative = path.strip_prefix(&root.given).unwrap_or(path);
        let joined = if root.display.is_empty() {
            display_path(relative)
        } else if relative.as_os_str().is_empty() {
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

    /// Where a display path is on disk.
    fn on_disk(&self, display: &str) -> PathBuf {
        match &self.base {
            Some(base) if !display.starts_with('/') => base.join(display),
            _ => PathBuf::from(display),
        }
    }

    /// Records the files discovery saw; from then on only they are read by display path.
    pub fn set_visible(&self, files: BTreeSet<String>) {
        let _ = self.visible.set(files);
    }

    /// Whether a path on disk may be read or entered: its real path lies inside a root and
    /// outside every skipped folder.
    ///
    /// # Errors
    /// Why it may not.
    pub fn confine(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let canonical = path
            .canonicalize()
            .map_err(|e| ReadError::Io(e.to_string()))?;
        let root = self
            .confined_to
            .iter()
            .filter(|r| canonical.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
            .ok_or(ReadError::OutsideRoots)?;
        let inside = canonical.strip_prefix(root).unwrap_or(Path::new(""));
        for component in inside.components() {
            if let Component::Normal(name) = component
                && let Some(dir) = SKIPPED_DIRS.iter().find(|d| name == **d)
            {
                return Err(ReadError::SkippedDir(dir));
            }
        }
        Ok(canonical)
    }

    /// Reads a file of the scanned tree by display path (a compose file's `.env` and
    /// `env_file:`): confined to the roots, and only a file discovery saw.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn read_display(&self, display: &str) -> Result<String, ReadError> {
        let on_disk = self.on_disk(display);
        if on_disk.symlink_metadata().is_err() {
            return Err(ReadError::Io("no such file".to_string()));
        }
        let canonical = self.confine(&on_disk)?;
        if !self.listed_only
            && self
                .visible
                .get()
                .is_some_and(|visible| !visible.contains(display))
        {
            return Err(ReadError::Ignored);
        }
        self.read_budgeted(&canonical)
    }

    /// Reads a file discovery found in the tree: confined to the roots.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn read_found(&self, path: &Path) -> Result<String, ReadError> {
        let canonical = self.confine(path)?;
        self.read_budgeted(&canonical)
    }

    /// The real path of `display` (a file or folder) when it lies in the `.terraform/modules`
    /// folder of the root module in `module_dir`, where `terraform init` installs the modules
    /// that `.terraform/modules/modules.json` names: the one exception to the skipped folders.
    /// The root module's folder must be readable itself, its `.terraform/modules` must be that
    /// folder (not a symlink elsewhere), and no other skipped folder may be on the way.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn confine_installed(&self, module_dir: &str, display: &str) -> Result<PathBuf, ReadError> {
        // Most root modules have no `.terraform`: one `lstat` says so.
        let on_disk = self.on_disk(module_dir);
        if let Err(error) = on_disk.join(".terraform").symlink_metadata() {
            return Err(io_error(error));
        }
        let base = self.confine(&on_disk)?;
        let installed = base.join(".terraform").join("modules");
        let real = installed.canonicalize().map_err(io_error)?;
        if real != installed {
            return Err(ReadError::OutsideRoots);
        }
        let canonical = self.on_disk(display).canonicalize().map_err(io_error)?;
        let inside = canonical
            .strip_prefix(&installed)
            .map_err(|_| ReadError::OutsideRoots)?;
        for component in inside.components() {
            if let Component::Normal(name) = component
                && let Some(dir) = SKIPPED_DIRS.iter().find(|d| name == **d)
            {
                return Err(ReadError::SkippedDir(dir));
            }
        }
        Ok(canonical)
    }

    /// Reads a file of `module_dir`'s `.terraform/modules` (see [`Roots::confine_installed`]),
    /// within the size cap and the total budget.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn read_installed(&self, module_dir: &str, display: &str) -> Result<String, ReadError> {
        let canonical = self.confine_installed(module_dir, display)?;
        self.read_budgeted(&canonical)
    }

    /// Reads a file the user named on the command line (`--var-file`, `--config`, a baseline,
    /// `--files-from`, a rule file): it may lie outside the roots, but it must be a regular
    /// file under the size cap.
    ///
    /// # Errors
    /// See [`ReadError`].
    pub fn read_named(&self, path: &Path) -> Result<String, ReadError> {
        self.read_budgeted(path)
    }

    /// Whether the first 4 KiB of a file too large or binary to read say it is an input (a
    /// Kubernetes manifest, a compose file, a Terraform plan or state) rather than a lock
    /// or data file. Read through the same confinement as every other read.
    pub fn head_looks_like_input(&self, path: &Path) -> bool {
        const MARKERS: [&str; 5] = [
            "apiVersion",
            "kind:",
            "services:",
            "\"terraform_version\"",
            "\"format_version\"",
        ];
        let Ok(canonical) = self.confine(path) else {
            return true;
        };
        let mut head = Vec::new();
        let read = open_regular(&canonical)
            .and_then(|(file, _)| file.take(4096).read_to_end(&mut head).map_err(io_error));
        if read.is_err() {
            return true;
        }
        let head = String::from_utf8_lossy(&head);
        MARKERS.iter().any(|m| head.contains(m))
    }

    /// Reads a path within the cap and the total budget.
    fn read_budgeted(&self, canonical: &Path) -> Result<String, ReadError> {
        read_regular_file(canonical, self.max_file_size(), Some(&self.total_bytes))
    }
}

/// Reads a regular file as UTF-8 text, at most `max_size` bytes, taking its size from
/// `budget`. A FIFO, device or socket is refused before it is opened, and it is opened
/// non-blocking in case it was swapped in since, so nothing can make the read hang.
///
/// # Errors
/// See [`ReadError`].
pub fn read_regular_file(
    path: &Path,
    max_size: u64,
    budget: Option<&Budget>,
) -> Result<String, ReadError> {
    let (file, size) = open_regular(path)?;
    if size > max_size {
        return Err(ReadError::TooLarge(size));
    }
    let text = read_capped(file, max_size)?;
    if let Some(budget) = budget
        && !budget.take(text.len() as u64)
    {
        return Err(ReadError::TotalBytes(budget.max()));
    }
    Ok(text)
}

/// Opens a regular file and gives its size. A FIFO, device or socket is refused before it is
/// opened, and the file is opened non-blocking and checked again once open, in case one was
/// swapped in since: nothing can make a read hang.
fn open_regular(path: &Path) -> Result<(std::fs::File, u64), ReadError> {
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if let Some(kind) = irregular_kind(metadata.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io_error)?;
    let opened = file.metadata().map_err(io_error)?;
    if let Some(kind) = irregular_kind(opened.file_type()) {
        return Err(ReadError::NotRegular(kind));
    }
    Ok((file, opened.len()))
}

/// Reads at most `max_size` bytes of text (one more is read to tell a file that grew, or a
/// stream, past the cap).
///
/// # Errors
/// [`ReadError::TooLarge`], [`ReadError::Binary`] or [`ReadError::Io`].
pub fn read_capped(reader: impl Read, max_size: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > max_size {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    text_of(bytes)
}

/// An error of the operating system as a refusal: a missing file is [`ReadError::NotFound`],
/// which callers may expect (a root module `terraform init` never ran in); anything else
/// (permissions, a loop) is [`ReadError::Io`], which they report.
fn io_error(error: std::io::Error) -> ReadError {
    if error.kind() == std::io::ErrorKind::NotFound {
        ReadError::NotFound
    } else {
        ReadError::Io(error.to_string())
    }
}

/// The bytes as text, or [`ReadError::Binary`]. A leading UTF-8 byte-order mark (editors on
/// Windows write one; Terraform, kubectl and docker compose read over it) is not part of the
/// text: it is removed in place.
fn text_of(bytes: Vec<u8>) -> Result<String, ReadError> {
    if bytes.contains(&0) {
        return Err(ReadError::Binary);
    }
    let mut text = String::from_utf8(bytes).map_err(|_| ReadError::Binary)?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_normalised() {
        assert_eq!(display_path(Path::new("./a/./b/../c")), "a/c");
        assert_eq!(display_path(Path::new("/tmp/x/../y")), "/tmp/y");
        assert_eq!(display_path(Path::new("/")), "/");
        assert_eq!(display_path(Path::new("/..")), "/");
        assert_eq!(display_path(Path::new("../a")), "../a");
    }

    /// Every reader sees a file that starts with a byte-order mark as Terraform, kubectl and
    /// docker compose do: without it.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        let read = |bytes: &[u8]| read_capped(bytes, 100).unwrap();
        assert_eq!(read(b"\xef\xbb\xbfkind: Pod\n"), "kind: Pod\n");
        assert_eq!(read(b"kind: Pod\n"), "kind: Pod\n");
    }

    /// Only a missing file is one a caller may pass over in silence (no `terraform init` in a
    /// root module); a folder the scan may not read is a refusal it reports.
    #[test]
    fn a_missing_file_is_told_apart_from_a_refused_one() {
        use std::io::{Error, ErrorKind};
        assert!(matches!(
            io_error(Error::from(ErrorKind::NotFound)),
            ReadError::NotFound
        ));
        let refused = io_error(Error::from(ErrorKind::PermissionDenied));
        assert!(matches!(refused, ReadError::Io(_)), "{refused:?}");
        assert_eq!(refused.code(), Code::FileUnreadable);
    }
}

//! Splitting one fuzz input into a small tree of files, and writing it out. Only `std`: the
//! regression tests (`tests/fuzz_regressions.rs`) include this file too.

use std::path::Path;

/// Files of a multi-file input at most.
pub const MAX_FILES: usize = 8;

/// A file name the fuzzer wrote, made safe to create under a temporary folder: `/`-separated
/// components of `[A-Za-z0-9._-]`, none of them `.` or `..`, at most three deep.
fn safe_name(name: &str) -> Option<String> {
    let name = name.trim();
    let parts: Vec<&str> = name.split('/').collect();
    let ok = !name.is_empty()
        && name.len() <= 64
        && parts.len() <= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && *p != "."
                && *p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    ok.then(|| name.to_string())
}

/// Splits an input into at most [`MAX_FILES`] files (path, text). A line `@@ <path>` starts a
/// file; text before the first such line is a file named `first`. Unusable or repeated names
/// become `f<index>.<extension of first>`.
pub fn split_files(text: &str, first: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    let body = text.strip_prefix("@@ ");
    let chunks: Vec<&str> = body.unwrap_or(text).split("\n@@ ").collect();
    let extension = first.rsplit_once('.').map_or("", |(_, e)| e);
    for (index, chunk) in chunks.into_iter().enumerate() {
        if files.len() == MAX_FILES {
            break;
        }
        let (name, content) = if index == 0 && body.is_none() {
            (Some(first.to_string()), chunk)
        } else {
            let (line, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
            (safe_name(line), rest)
        };
        let name = name
            .filter(|n| !files.iter().any(|(f, _)| f == n))
            .unwrap_or_else(|| format!("f{index}.{extension}"));
        if files.iter().any(|(f, _)| *f == name) {
            continue;
        }
        files.push((name, content.to_string()));
    }
    files
}

/// Writes the files of an input under `root` (emptied first).
pub fn write_tree(root: &Path, files: &[(String, String)]) {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root).expect("a scratch folder");
    for (name, text) in files {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            // A name may be both a file and a folder: the second one fails, and is skipped.
            if std::fs::create_dir_all(parent).is_err() {
                continue;
            }
        }
        let _ = std::fs::write(&path, text);
    }
}

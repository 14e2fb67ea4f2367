//! What trustmap never does, proven on a full scan of the fixtures: it opens no network
//! connection (the scan gives the same bytes in a namespace with no network), runs no program
//! and reads nothing outside the scanned folder but the system files every process loads
//! (every `execve`, `socket`, `connect` and `open` it makes is traced).
//!
//! Both tests need tools a machine may not allow (user and network namespaces, ptrace), so
//! they are ignored in a plain `cargo test` and run by `.ci/run` with `--ignored` where
//! `unshare` and `strace` work; `.ci/run` says so when it skips them.

#[allow(dead_code)]
mod util;

use std::process::Command;
use util::root;

/// A full scan of the fixtures, as JSON: every format reader and every rule runs.
const SCAN: [&str; 5] = ["scan", "fixtures", "--format", "json", "--fail-on=none"];

fn scan_with(prefix: &[&str]) -> (Option<i32>, Vec<u8>) {
    let binary = env!("CARGO_BIN_EXE_trustmap");
    let (program, args): (&str, Vec<&str>) = match prefix.split_first() {
        None => (binary, SCAN.to_vec()),
        Some((first, rest)) => (
            first,
            rest.iter().copied().chain([binary]).chain(SCAN).collect(),
        ),
    };
    let output = Command::new(program)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    (output.status.code(), output.stdout)
}

#[test]
#[ignore = "needs unshare(1) with a network namespace; .ci/run runs it where the machine allows"]
fn a_full_scan_gives_the_same_bytes_without_a_network() {
    let (code, normal) = scan_with(&[]);
    let (isolated_code, isolated) = scan_with(&["unshare", "--net", "--map-root-user"]);
    assert_eq!(code, isolated_code);
    assert!(!normal.is_empty());
    assert!(normal == isolated, "the scan differs without a network");
}

#[test]
#[ignore = "needs strace(1) and ptrace; .ci/run runs it where the machine allows"]
fn a_full_scan_runs_no_program_opens_no_socket_and_reads_only_the_scanned_folder() {
    let log = tempfile::NamedTempFile::new().unwrap();
    let log_path = log.path().to_str().unwrap().to_string();
    let (code, _) = scan_with(&[
        "strace",
        "-f",
        "-qq",
        "-e",
        "trace=execve,execveat,fork,vfork,socket,connect,open,openat,openat2",
        "-o",
        &log_path,
    ]);
    assert!(code.is_some());
    let trace = std::fs::read_to_string(log.path()).unwrap();
    let calls: Vec<&str> = trace.lines().collect();
    let execs = calls.iter().filter(|l| l.contains("execve")).count();
    assert_eq!(execs, 1, "trustmap itself, and no other program:\n{trace}");
    for call in &calls {
        assert!(
            !call.contains("socket(") && !call.contains("connect(") && !call.contains("fork("),
            "{call}"
        );
    }
    let repository = root().canonicalize().unwrap();
    // What the loader and the standard library open in every process, and nothing else.
    let system = [
        "/etc/ld.so.cache",
        "/lib",
        "/usr/lib",
        "/proc/self/",
        "/sys/fs/cgroup/",
        "/sys/devices/system/cpu/",
    ];
    for call in calls.iter().filter(|l| l.contains("open")) {
        let Some(path) = call.split('"').nth(1) else {
            continue;
        };
        let absolute = if path.starts_with('/') {
            std::path::PathBuf::from(path)
        } else {
            repository.join(path)
        };
        // The loader looks for shared libraries beside the binary first (its run path).
        let loader_search = path.contains(".so.") || path.contains("glibc-hwcaps");
        let inside = absolute.starts_with(repository.join("fixtures"))
            || loader_search
            || absolute == repository.join("fixtures")
            || system.iter().any(|s| path.starts_with(s));
        assert!(inside, "opened outside the scanned folder: {call}");
    }
}

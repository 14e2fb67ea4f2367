//! Throughput of a whole scan (discovery, parsing, model assembly, rules) on generated
//! compose trees of growing size, to show that work grows linearly with input.
//!
//! Run with `cargo bench --bench scan`. It prints, for each size, the files, bytes, findings,
//! the best wall time of five runs, MB/s and microseconds per project. Wall time on a shared
//! machine is noisy; compare the per-project column across sizes, not single figures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

const TEMPLATE: &str = include_str!("../fixtures/compose/shop/compose.yaml");

fn generate(dir: &std::path::Path, projects: usize) -> u64 {
    let mut bytes = 0;
    for index in 0..projects {
        let folder = dir.join(format!("project-{index:05}"));
        std::fs::create_dir_all(&folder).unwrap();
        // Vary names so every project is its own model, not a duplicate.
        let text = TEMPLATE
            .replace("web", &format!("web{index}"))
            .replace("6379:6379", &format!("{}:6379", 10_000 + index));
        bytes += text.len() as u64;
        std::fs::write(folder.join("compose.yaml"), text).unwrap();
    }
    bytes
}

fn main() {
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(16 * 1024 * 1024)
        .build_global();
    let rules = trustmap_rules::RuleSet::builtin().unwrap();
    println!(
        "{:>8} {:>10} {:>9} {:>10} {:>8} {:>12}",
        "projects", "bytes", "findings", "best ms", "MB/s", "µs/project"
    );
    for projects in [250, 500, 1000, 2000, 4000] {
        let dir = tempfile::tempdir().unwrap();
        let bytes = generate(dir.path(), projects);
        let mut best = Duration::MAX;
        let mut findings = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let scan = trustmap_scan::scan(
                &[PathBuf::from(dir.path())],
                &trustmap_scan::ScanOptions::default(),
            )
            .unwrap();
            findings = trustmap_rules::evaluate(&scan.model, &rules).len();
            best = best.min(start.elapsed());
        }
        let seconds = best.as_secs_f64();
        println!(
            "{projects:>8} {bytes:>10} {findings:>9} {:>10.1} {:>8.1} {:>12.1}",
            seconds * 1e3,
            bytes as f64 / seconds / 1e6,
            seconds * 1e6 / projects as f64
        );
    }
}

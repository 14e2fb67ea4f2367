//! Renders the SVG diagram and the HTML report of the bundled shop fixture and of a 30-service
//! platform, for looking at them in a browser:
//!
//! ```sh
//! cargo run -p trustmap-report --example render -- /tmp
//! ```
//!
//! writes `report.html` and `dfd.svg` (the shop), `platform.html` and `platform.svg`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use trustmap_rules::{Decision, DecisionKind, RuleSet, evaluate};

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "/tmp".into()));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::set_current_dir(&root).expect("workspace root");
    let scan = trustmap_scan::scan(
        &[PathBuf::from("fixtures/compose/shop")],
        &trustmap_scan::ScanOptions::default(),
    )
    .expect("the shop fixture scans");
    let rules = RuleSet::builtin().expect("built-in rules");
    let mut findings = evaluate(&scan.model, &rules);
    // Two decisions, one of them expired, to show the decisions section.
    for (index, expired) in [(0, false), (2, true)] {
        if let Some(finding) = findings.get_mut(index) {
            finding.decision = Some(Decision {
                kind: if expired {
                    DecisionKind::Mitigate
                } else {
                    DecisionKind::Accept
                },
                owner: Some("platform".into()),
                reason: "Reviewed in the design review; <b>not</b> exposed in production.".into(),
                ticket: Some("SEC-42".into()),
                expires: Some(if expired { "2024-01-01" } else { "2030-01-01" }.into()),
                detail: expired.then(|| "WAF rule 12".to_string()),
                inline: !expired,
                span: trustmap_model::Span::lines("trustmap.yaml", 3, 9),
                expired,
            });
        }
    }
    let drift = std::fs::read_to_string("fixtures/drift/expected/diff.txt").ok();
    let diagnostics = scan.model.diagnostics().to_vec();
    let html = trustmap_report::html_report(
        &scan.model,
        &findings,
        &rules,
        &diagnostics,
        drift.as_deref(),
    );
    std::fs::write(out.join("report.html"), html).expect("write");
    std::fs::write(
        out.join("dfd.svg"),
        trustmap_report::svg(&scan.model, &findings),
    )
    .expect("write");

    let platform = common::platform();
    let findings = evaluate(&platform, &rules);
    std::fs::write(
        out.join("platform.svg"),
        trustmap_report::svg(&platform, &findings),
    )
    .expect("write");
    let html = trustmap_report::html_report(&platform, &findings, &rules, &[], None);
    std::fs::write(out.join("platform.html"), html).expect("write");
    eprintln!("wrote {}", out.display());
}

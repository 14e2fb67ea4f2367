//! Reports end to end: the SARIF of a real scan against the official schema and GitHub's
//! rules, and the HTML report in a real browser.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use util::{scratch, trustmap, trustmap_in};

/// The SARIF of a real scan validates against the official 2.1.0 schema and meets GitHub's
/// ingestion rules.
#[test]
fn sarif_of_a_real_scan_is_valid_and_github_ready() {
    let run = trustmap(&[
        "scan",
        "fixtures/compose/shop",
        "--format",
        "sarif",
        "--category",
        "trustmap/compose",
    ]);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    trustmap_testkit::assert_valid_sarif(&sarif);

    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(uri, "fixtures/compose/shop/compose.yaml");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            result["partialFingerprints"]
                .as_object()
                .is_some_and(|p| !p.is_empty())
        );
    }
    let secret = results.iter().find(|r| r["ruleId"] == "TM-I003").unwrap();
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["region"]["startLine"], 37,
        "POSTGRES_PASSWORD's line"
    );
    for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        assert!(
            rule["properties"]["security-severity"].is_string(),
            "{rule}"
        );
        assert!(
            rule["properties"]["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "security")
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("How to fix")
        );
    }
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap()
            .trim_end_matches('/'),
        "trustmap/compose"
    );
}

/// A finding that folded others in (one door said by several rules) and a checklist finding:
/// the SARIF result carries every STRIDE category as its tags, the folded rules with their own
/// fingerprints, and the failed checks, and still validates.
#[test]
fn sarif_results_carry_folded_findings_and_failed_checks() {
    let run = trustmap(&["scan", "fixtures/fold/firing", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    trustmap_testkit::assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let published = results
        .iter()
        .find(|r| {
            r["ruleId"] == "TM-I002" && r["message"]["text"].as_str().unwrap().contains("cache")
        })
        .unwrap();
    let tags: Vec<&str> = published["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "information_disclosure",
            "spoofing",
            "elevation_of_privilege",
            "tampering"
        ],
        "{published}"
    );
    let folded: Vec<&str> = published["properties"]["folded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(folded, ["TM-S003", "TM-I001"], "{published}");
    let fingerprint = |r: &Value| r["partialFingerprints"]["trustmapFingerprint/v1"].clone();
    assert_ne!(
        published["properties"]["folded"][0]["fingerprint"],
        fingerprint(published)
    );
    // No result of its own for a folded finding.
    assert!(
        !results.iter().any(|r| r["ruleId"] == "TM-S003"),
        "{results:#?}"
    );

    let hardening = results
        .iter()
        .find(|r| {
            r["ruleId"] == "TM-E014" && r["message"]["text"].as_str().unwrap().starts_with("cache ")
        })
        .unwrap();
    let checks = hardening["properties"]["checks"].as_array().unwrap();
    assert!(
        checks.iter().any(|c| c["id"] == "TM-R001"
            && c["certainty"] == "possible"
            && c["stride"] == "repudiation"),
        "{hardening}"
    );
}

/// The HTML report in a real browser: headless Chromium loads the file, a script checks the
/// diagram and the threats table are there and that the STRIDE filter hides rows, and a
/// screenshot is taken. Runs where Chromium is installed (Debian's `chromium` package);
/// elsewhere it is skipped with a message.
#[test]
fn the_html_report_works_in_a_real_browser() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("skipped: Chromium is not installed (apt-get install chromium runs this test)");
        return;
    };
    let run = trustmap(&["report", "fixtures/compose/shop"]);
    assert_eq!(run.code, 0, "{run:?}");
    // The check runs after the page's own script, then writes its verdict into the title.
    let probe = r#"<script>
(function () {
  var rows = document.querySelectorAll('#threats-table tbody tr.threat');
  var svg = document.querySelector('#diagram svg');
  var before = Array.prototype.filter.call(rows, function (r) { return !r.hidden; }).length;
  var box = document.querySelector('[data-filter-stride="I"]');
  box.checked = false;
  box.dispatchEvent(new Event('change'));
  var after = Array.prototype.filter.call(rows, function (r) { return !r.hidden; }).length;
  var info = Array.prototype.filter.call(rows, function (r) { return r.dataset.stride === 'I'; }).length;
  document.title = 'probe:' + (svg ? 'svg' : 'nosvg') + ':' + rows.length + ':' + before + ':' + after + ':' + info;
})();
</script>"#;
    let html = run.stdout.replace("</body>", &format!("{probe}</body>"));
    let dir = scratch(&[("report.html", html.as_bytes())]);
    let page = format!("file://{}", dir.path().join("report.html").display());
    let profile = tempfile::tempdir().unwrap();
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile_flag = format!("--user-data-dir={}", profile.path().display());
    let dom = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile_flag)
        .args(["--virtual-time-budget=5000", "--dump-dom", &page])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let title = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    let parts: Vec<&str> = title.split(':').collect();
    assert_eq!(
        parts.first(),
        Some(&"probe"),
        "the probe did not run: {title}"
    );
    assert_eq!(parts[1], "svg", "the diagram is inlined");
    let (rows, before, after, info): (usize, usize, usize, usize) = (
        parts[2].parse().unwrap(),
        parts[3].parse().unwrap(),
        parts[4].parse().unwrap(),
        parts[5].parse().unwrap(),
    );
    assert!(
        rows >= 8 && before == rows,
        "every threat is listed and shown: {title}"
    );
    assert!(
        info > 0 && after == before - info,
        "unticking I hides exactly the information-disclosure threats: {title}"
    );
    let shot = dir.path().join("report.png");
    let status = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile_flag)
        .args([
            "--window-size=1400,1800",
            &format!("--screenshot={}", shot.display()),
            &page,
        ])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}

/// The same host-takeover setting is critical on a service the internet reaches and medium on
/// one nothing outside reaches: `--fail-on`, `--severity`, the text and the SARIF all use the
/// scored severity, and say why.
#[test]
fn severity_is_scored_from_the_path_in_every_output() {
    let compose = |ports: &str| {
        format!(
            "services:\n  portainer:\n    image: portainer/portainer-ce:2.21.0\n{ports}    \
             volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"
        )
    };
    let exposed = compose("    ports:\n      - \"9443:9443\"\n");
    let internal = compose("");
    let exposed = scratch(&[("compose.yaml", exposed.as_bytes())]);
    let internal = scratch(&[("compose.yaml", internal.as_bytes())]);
    let scan = |dir: &tempfile::TempDir, extra: &[&str]| {
        let mut args = vec!["scan", ".", "--select", "TM-E002"];
        args.extend(extra);
        trustmap_in(dir.path(), &args)
    };

    assert_eq!(scan(&exposed, &["--fail-on", "critical"]).code, 1);
    assert_eq!(scan(&internal, &["--fail-on", "critical"]).code, 0);
    assert_eq!(scan(&internal, &["--fail-on", "high"]).code, 0);
    assert_eq!(scan(&internal, &["--fail-on", "medium"]).code, 1);

    let text = scan(&exposed, &["--fail-on", "none"]).stdout;
    assert!(
        text.contains("CRITICAL  TM-E002")
            && text.contains("[exposed to the internet, host takeover]"),
        "{text}"
    );
    let text = scan(&internal, &["--fail-on", "none"]).stdout;
    assert!(
        text.contains("MEDIUM    TM-E002")
            && text.contains("[reachable only from its own zone, host takeover]"),
        "{text}"
    );
    let shown = scan(&internal, &["--fail-on", "none", "--severity", "high"]).stdout;
    assert!(shown.contains("0 findings"), "{shown}");

    let json: Value =
        serde_json::from_str(&scan(&exposed, &["--fail-on", "none", "--format", "json"]).stdout)
            .unwrap();
    let finding = &json["findings"][0];
    assert_eq!(finding["severity"], "critical");
    assert_eq!(
        finding["severity_reason"],
        "critical: exposed to the internet, host takeover"
    );
    assert_eq!(finding["scoring"]["score"], "10.0");
    assert_eq!(finding["scoring"]["rule_severity"], "critical");

    let sarif = |dir| -> Value {
        let run = scan(dir, &["--fail-on", "none", "--format", "sarif"]);
        let log: Value = serde_json::from_str(&run.stdout).unwrap();
        trustmap_testkit::assert_valid_sarif(&log);
        log
    };
    let log = sarif(&internal);
    let rule = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "TM-E002")
        .unwrap()
        .clone();
    assert_eq!(
        rule["properties"]["security-severity"], "10.0",
        "GitHub reads the rule's: the most its findings reach"
    );
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["level"], "warning", "the finding's own: medium");
    assert_eq!(result["properties"]["security-severity"], "6.0");
    assert_eq!(result["properties"]["severity"], "medium");
    assert_eq!(
        result["properties"]["severity-reason"],
        "medium: reachable only from its own zone, host takeover"
    );
    assert_eq!(
        result["properties"]["severity-factors"]["reach"],
        "own_zone"
    );
    assert_eq!(
        result["properties"]["severity-factors"]["impact"],
        serde_json::json!(["host_takeover"])
    );
    assert!(
        result["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("[medium: reachable only from its own zone, host takeover]")
    );
    let result = &sarif(&exposed)["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(result["properties"]["security-severity"], "10.0");
}

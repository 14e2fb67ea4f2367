//! The hostile-input suite: what a pull request can put in a repository to read secrets through
//! trustmap, hide its own findings, hang or exhaust the job, or write into it. Each case scans
//! a good file beside the bad one, and the good file must still be scanned: a hostile input may
//! be refused, never take the rest of the scan with it.

// Shared with tests/tests.rs, which uses the rest of it.
#[allow(dead_code)]
mod util;

use std::path::Path;
use util::{Run, scratch, trustmap_in};

/// A compose file with one certain finding (a database published to the internet), the
/// "good file" every case keeps beside its hostile input.
const GOOD: &[u8] = b"services:\n  db:\n    image: postgres:16.4\n    ports: [\"5432:5432\"]\n";

/// The secret planted where an attacker would want to read it from.
const TOKEN: &str = "ghp_SECRETTOKEN0123456789";

fn run(dir: &Path, args: &[&str]) -> Run {
    trustmap_in(dir, args)
}

/// The good file's finding is in the JSON report.
fn good_file_scanned(run: &Run) -> bool {
    run.stdout.contains("good.compose.yaml") && run.stdout.contains("TM-S003")
}

/// Every output format of a scan of `dir`, stdout and stderr together.
fn every_output(dir: &Path) -> String {
    let mut all = String::new();
    for format in ["text", "json", "sarif", "markdown"] {
        let r = run(dir, &["scan", ".", "--format", format, "--fail-on", "none"]);
        all.push_str(&r.stdout);
        all.push_str(&r.stderr);
    }
    for (command, format) in [("model", "json"), ("model", "mermaid"), ("model", "svg")] {
        let r = run(dir, &[command, ".", "--format", format]);
        all.push_str(&r.stdout);
        all.push_str(&r.stderr);
    }
    let r = run(dir, &["report", ".", "-o", "report.html"]);
    all.push_str(&r.stderr);
    all.push_str(&std::fs::read_to_string(dir.join("report.html")).unwrap_or_default());
    all
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[cfg(unix)]
#[test]
fn a_symlink_into_git_cannot_feed_the_checkout_token_into_the_outputs() {
    let dir = scratch(&[
        (
            ".git/config",
            format!("[http]\n\textraheader = AUTHORIZATION: basic {TOKEN}\n").as_bytes(),
        ),
        (
            "compose.yaml",
            b"services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - /proc/${extraheader}:/x\n",
        ),
        ("good.compose.yaml", GOOD),
    ]);
    symlink(".git/config", dir.path().join(".env"));
    symlink(".git", dir.path().join("gitdir"));
    let all = every_output(dir.path());
    assert!(!all.contains(TOKEN), "the token leaked:\n{all}");
    assert!(all.contains("symlink-skipped-folder"), "{all}");
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert!(good_file_scanned(&r), "{r:?}");
}

#[cfg(unix)]
#[test]
fn a_decisions_file_linked_outside_the_root_is_refused_and_never_echoed() {
    let outside = scratch(&[(
        "trustmap.yaml",
        format!("decisions:\n  - rule: TM-S003\n    path: \"**\"\n    decision: accept\n    reason: x\n    expires: \"{TOKEN}\"\n").as_bytes(),
    )]);
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    symlink(
        outside.path().join("trustmap.yaml"),
        dir.path().join("trustmap.yaml"),
    );
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(
        r.code, 2,
        "a refused decisions file makes the scan incomplete: {r:?}"
    );
    assert!(!format!("{r:?}").contains(TOKEN), "{r:?}");
    assert!(r.stderr.contains("file-outside-roots"), "{r:?}");
    assert!(good_file_scanned(&r), "the findings stay undecided: {r:?}");
}

#[test]
fn a_huge_decisions_file_is_refused_by_the_size_cap_without_reading_it() {
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    // 3 GiB, sparse: nothing is written, and nothing may be read.
    let file = std::fs::File::create(dir.path().join("trustmap.yaml")).unwrap();
    file.set_len(3 << 30).unwrap();
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("file-too-large"), "{r:?}");
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn huge_files_under_iac_names_are_refused_by_the_size_cap() {
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    for (name, size) in [
        ("just-over.compose.yaml", (10 << 20) + 1),
        ("huge.tf", 200 << 20),
    ] {
        let file = std::fs::File::create(dir.path().join(name)).unwrap();
        file.set_len(size).unwrap();
    }
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(r.code, 2, "{r:?}");
    for name in ["just-over.compose.yaml", "huge.tf"] {
        assert!(
            r.stderr
                .contains(&format!("{name}:1:1: error[file-too-large]")),
            "{name}: {r:?}"
        );
    }
    assert!(good_file_scanned(&r), "{r:?}");
}

#[cfg(unix)]
#[test]
fn files_from_cannot_reach_outside_the_scanned_paths() {
    let outside = scratch(&[("compose.yaml", GOOD)]);
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    symlink(
        outside.path().join("compose.yaml"),
        dir.path().join("changed.compose.yaml"),
    );
    std::fs::write(
        dir.path().join("list.txt"),
        "changed.compose.yaml\n/etc/passwd\ngood.compose.yaml\n../outside.tf\n",
    )
    .unwrap();
    let r = run(
        dir.path(),
        &["scan", "--files-from", "list.txt", "--format", "json"],
    );
    assert_eq!(r.code, 2, "{r:?}");
    for refused in ["changed.compose.yaml:1:1: error", "/etc/passwd:1:1: error"] {
        assert!(r.stderr.contains(refused), "{refused}: {r:?}");
    }
    assert_eq!(
        r.stdout.matches("\"rule_id\": \"TM-S003\"").count(),
        1,
        "{r:?}"
    );
    assert!(!r.stdout.contains("root:x:0"), "{r:?}");
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn a_file_named_dash_in_files_from_is_a_file_not_standard_input() {
    let dir = scratch(&[("good.compose.yaml", GOOD), ("-", GOOD)]);
    std::fs::write(dir.path().join("list.txt"), "-\ngood.compose.yaml\n").unwrap();
    let r = run(
        dir.path(),
        &["scan", "--files-from", "list.txt", "--format", "json"],
    );
    // `-` is a file whose name says nothing: read by content, never from standard input
    // (which is empty here): both files give their finding.
    assert!(good_file_scanned(&r), "{r:?}");
    assert_eq!(
        r.stdout.matches("\"rule_id\": \"TM-S003\"").count(),
        2,
        "{r:?}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_and_devices_under_iac_names_do_not_hang_the_scan() {
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    let fifo = dir.path().join("pipe.compose.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    symlink("/dev/zero", dir.path().join("zero.tf"));
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("pipe.compose.yaml:1:1: error[file-not-regular]"),
        "{r:?}"
    );
    assert!(
        r.stderr.contains("zero.tf:1:1: note[symlink-outside]"),
        "{r:?}"
    );
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn several_paths_outside_the_current_folder_keep_every_result_under_distinct_uris() {
    let parent = scratch(&[
        ("one/compose.yaml", GOOD),
        (
            "two/compose.yaml",
            b"services:\n  cache:\n    image: redis:7.4\n    ports: [\"6379:6379\"]\n",
        ),
    ]);
    let elsewhere = tempfile::tempdir().unwrap();
    let one = parent.path().join("one");
    let two = parent.path().join("two");
    let (one, two) = (one.to_str().unwrap(), two.to_str().unwrap());
    let forward = run(elsewhere.path(), &["scan", one, two, "--format", "json"]);
    let reverse = run(elsewhere.path(), &["scan", two, one, "--format", "json"]);
    for r in [&forward, &reverse] {
        assert!(
            r.stdout.contains("postgres") && r.stdout.contains("redis"),
            "{r:?}"
        );
    }
    let count = |r: &Run| r.stdout.matches("\"rule_id\"").count();
    assert_eq!(count(&forward), count(&reverse));
    let sarif = run(elsewhere.path(), &["scan", one, two, "--format", "sarif"]);
    let value: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let uris: std::collections::BTreeSet<&str> = value["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert_eq!(uris.len(), 2, "two files, two URIs: {uris:?}");
}

#[test]
fn a_huge_gitignore_is_cut_by_the_ignore_bytes_limit_not_memory() {
    let patterns: String = (0..40_000)
        .map(|i| format!("*a*b*c*{i}*/**/x*y*z*\n"))
        .collect();
    let dir = scratch(&[
        ("good.compose.yaml", GOOD),
        (".gitignore", patterns.as_bytes()),
    ]);
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains(".gitignore:1:1: error[limit-ignore-bytes]"),
        "{r:?}"
    );
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn standard_input_over_the_cap_or_binary_does_not_stop_the_other_paths() {
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    for (input, code) in [
        (vec![b'a'; 2048], "file-too-large"),
        (b"kind: Pod\0\n".to_vec(), "file-binary"),
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustmap"))
            .args([
                "scan",
                "-",
                ".",
                "--format",
                "json",
                "--max-file-size",
                "1024",
            ])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(&input);
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("-:1:1: error[{code}]")),
            "{stderr}"
        );
        assert!(stdout.contains("TM-S003"), "{stdout}");
    }
}

#[test]
fn a_binary_kubernetes_manifest_is_reported_not_skipped() {
    let dir = scratch(&[
        ("good.compose.yaml", GOOD),
        (
            "deploy.yaml",
            b"apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n\0spec: {}\n",
        ),
        ("data.json", b"{\"a\": 1}\0"),
    ]);
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("deploy.yaml:1:1: error[file-binary]"),
        "{r:?}"
    );
    // A binary JSON file that does not look like an input is only noted.
    assert!(
        r.stderr.contains("data.json:1:1: note[file-binary]"),
        "{r:?}"
    );
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(["rules", "explain", "TM-S003"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before trustmap writes: its write fails with EPIPE.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn every_command_says_when_there_is_nothing_to_read() {
    let dir = scratch(&[("README.md", b"nothing here\n")]);
    for args in [
        &["scan", "."][..],
        &["model", "."],
        &["report", ".", "-o", "r.html"],
    ] {
        let r = run(dir.path(), args);
        assert!(
            r.stderr
                .contains("no compose files, Kubernetes manifests or Terraform"),
            "{r:?}"
        );
    }
}

#[test]
fn a_hundred_thousand_empty_files_do_not_stop_the_scan() {
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    for i in 0..100_000 {
        std::fs::File::create(dir.path().join(format!("empty-{i}.yaml"))).unwrap();
    }
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert!(good_file_scanned(&r), "{r:?}");
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_and_a_link_out_of_the_root_are_said_not_followed() {
    let outside = scratch(&[("compose.yaml", GOOD)]);
    let dir = scratch(&[("good.compose.yaml", GOOD)]);
    symlink(dir.path(), dir.path().join("loop"));
    symlink(outside.path(), dir.path().join("out"));
    let r = run(dir.path(), &["scan", ".", "--format", "json"]);
    assert!(r.stderr.contains("out:1:1: note[symlink-outside]"), "{r:?}");
    assert!(r.stderr.contains("loop"), "{r:?}");
    assert!(good_file_scanned(&r), "{r:?}");
    // Walked once, not once more through the loop.
    assert_eq!(
        r.stdout.matches("\"rule_id\": \"TM-S003\"").count(),
        1,
        "{r:?}"
    );
}

/// A scan of `dir` as JSON with extra arguments.
fn scan_json(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["scan", ".", "--format", "json"];
    args.extend_from_slice(extra);
    run(dir, &args)
}

#[test]
fn alias_and_merge_key_bombs_across_many_files_hit_one_scan_wide_budget() {
    // Each file alone is well within the budget; sixty together are not.
    let bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb{i}\ndata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: {<<: [{k: *b}, {l: *b}]}\n";
    let mut files: Vec<(String, Vec<u8>)> = (0..60)
        .map(|i| {
            (
                format!("bomb{i}.yaml"),
                bomb.replace("{i}", &i.to_string()).into_bytes(),
            )
        })
        .collect();
    files.push(("good.compose.yaml".into(), GOOD.to_vec()));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    let dir = scratch(&refs);
    let r = scan_json(dir.path(), &["--limit", "yaml-nodes=5000"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("error[limit-yaml-nodes]"), "{r:?}");
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn nesting_100000_deep_in_yaml_json_and_hcl_is_an_error_not_a_crash() {
    let depth = 100_000;
    let yaml = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let json = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"data\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let hcl = format!(
        "locals {{\n  x = {}{}\n}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let plan = format!(
        "{{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.8\", \"planned_values\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let dir = scratch(&[
        ("good.compose.yaml", GOOD),
        ("deep.yaml", yaml.as_bytes()),
        ("deep.json", json.as_bytes()),
        ("deep/main.tf", hcl.as_bytes()),
        ("plan/plan.json", plan.as_bytes()),
    ]);
    let r = scan_json(dir.path(), &[]);
    assert_eq!(r.code, 2, "{r:?}");
    for file in ["deep.yaml:", "deep.json:", "deep/main.tf:"] {
        assert!(r.stderr.contains(file), "{file}: {r:?}");
    }
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn invalid_utf8_under_iac_names_is_reported() {
    let dir = scratch(&[
        ("good.compose.yaml", GOOD),
        (
            "main.tf",
            b"resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"\xff\xfe\"\n}\n",
        ),
        (
            "other.compose.yml",
            b"services:\n  x:\n    image: \xc3\x28\n",
        ),
    ]);
    let r = scan_json(dir.path(), &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("main.tf:1:1: error[file-binary]"),
        "{r:?}"
    );
    assert!(
        r.stderr
            .contains("other.compose.yml:1:1: error[file-binary]"),
        "{r:?}"
    );
    assert!(good_file_scanned(&r), "{r:?}");
}

#[cfg(unix)]
#[test]
#[ignore = "root reads a file whatever its mode (CI runs as root): run as a normal user with --ignored"]
fn an_unreadable_file_is_an_error_and_the_rest_is_scanned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch(&[("good.compose.yaml", GOOD), ("locked.compose.yaml", GOOD)]);
    let locked = dir.path().join("locked.compose.yaml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = scan_json(dir.path(), &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("locked.compose.yaml:1:1: error[file-unreadable]"),
        "{r:?}"
    );
    assert!(good_file_scanned(&r), "{r:?}");
}

/// Terraform beside the good file: (path, HCL). The scan must end with the named limit hit.
fn terraform_case(files: &[(&str, &str)], extra: &[&str], expect: &[&str]) {
    let mut all: Vec<(&str, &[u8])> = vec![("good.compose.yaml", GOOD)];
    all.extend(files.iter().map(|(p, c)| (*p, c.as_bytes())));
    let dir = scratch(&all);
    let r = scan_json(dir.path(), extra);
    for code in expect {
        assert!(r.stderr.contains(code), "{code}: {r:?}");
    }
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn doubling_strings_and_lists_in_locals_hit_the_value_size_limit() {
    let mut locals = String::from("locals {\n  s0 = \"abcdefgh\"\n  l0 = [1, 2, 3, 4]\n");
    for i in 1..=40 {
        locals.push_str(&format!(
            "  s{i} = \"${{local.s{p}}}${{local.s{p}}}\"\n  l{i} = concat(local.l{p}, local.l{p})\n",
            p = i - 1
        ));
    }
    locals.push_str("}\n");
    let funcs = "locals {\n  big = join(\",\", range(100000000))\n  rep = format(\"%s%s\", local.big, local.big)\n  rng = [for i in range(1e9) : i]\n}\n";
    terraform_case(
        &[("tf/main.tf", &locals), ("fn/main.tf", funcs)],
        &[],
        &["error[limit-value-size]"],
    );
}

#[test]
fn nested_module_counts_and_huge_counts_hit_the_scan_wide_instance_limit() {
    let module =
        |inner: &str| format!("module \"m\" {{\n  source = \"{inner}\"\n  count  = 100\n}}\n");
    let resource = "resource \"aws_instance\" \"i\" {\n  count = 100\n  ami   = \"ami-1\"\n}\n";
    let huge = "resource \"aws_instance\" \"a\" {\n  count = 1e12\n}\nresource \"aws_instance\" \"b\" {\n  for_each = toset([for i in range(1e9) : tostring(i)])\n}\nresource \"aws_instance\" \"c\" {\n  count = 1e400\n}\n";
    terraform_case(
        &[
            ("nest/main.tf", &module("./a")),
            ("nest/a/main.tf", &module("./b")),
            ("nest/a/b/main.tf", resource),
            ("huge/main.tf", huge),
        ],
        &["--limit", "instances=5000"],
        &["error[limit-instances]"],
    );
}

#[test]
fn a_two_megabyte_line_is_read_in_linear_time() {
    let list = format!("locals {{\n  h = [{}1]\n}}\n", "1,".repeat(100_000));
    let template = format!(
        "locals {{\n  a = \"x\"\n  t = \"{}\"\n}}\n",
        "${local.a}".repeat(20_000)
    );
    terraform_case(
        &[("list/main.tf", &list), ("tpl/main.tf", &template)],
        &[],
        &[],
    );
}

#[test]
fn modules_that_call_themselves_or_each_other_are_errors_and_still_modelled() {
    let open_ssh = "resource \"aws_security_group\" \"ssh\" {\n  ingress {\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n}\nresource \"aws_instance\" \"web\" {\n  ami                         = \"ami-1\"\n  associate_public_ip_address = true\n  vpc_security_group_ids      = [aws_security_group.ssh.id]\n}\n";
    let dir = scratch(&[
        ("self/main.tf", open_ssh.as_bytes()),
        ("self/me.tf", b"module \"me\" {\n  source = \"./\"\n}\n"),
        ("a/main.tf", open_ssh.as_bytes()),
        ("a/call.tf", b"module \"b\" {\n  source = \"../b\"\n}\n"),
        ("b/main.tf", b"module \"a\" {\n  source = \"../a\"\n}\n"),
    ]);
    let r = scan_json(dir.path(), &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("terraform-module-cycle"), "{r:?}");
    for file in ["self/main.tf", "a/main.tf"] {
        assert!(
            r.stdout.contains(&format!("\"file\": \"{file}\"")),
            "{file} is still modelled: {r:?}"
        );
    }
}

#[test]
fn module_sources_and_file_paths_that_leave_the_root_are_named_not_read() {
    let outside = scratch(&[("secret.txt", TOKEN.as_bytes())]);
    let secret = outside.path().join("secret.txt");
    let main = format!(
        "module \"up\" {{\n  source = \"../../../../etc\"\n}}\nlocals {{\n  s = file(\"{}\")\n  t = templatefile(\"../../x.tpl\", {{}})\n}}\n",
        secret.display()
    );
    let dir = scratch(&[("good.compose.yaml", GOOD), ("main.tf", main.as_bytes())]);
    let r = scan_json(dir.path(), &[]);
    assert!(r.stderr.contains("terraform-module-outside"), "{r:?}");
    assert!(r.stderr.contains("terraform-file-outside"), "{r:?}");
    assert!(!format!("{r:?}").contains(TOKEN), "{r:?}");
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn a_plan_with_many_resources_and_wrong_types_everywhere_is_an_error_not_a_crash() {
    let resources: Vec<String> = (0..20_000)
        .map(|i| format!("{{\"address\": {i}, \"type\": [], \"name\": {{}}, \"values\": \"v\"}}"))
        .collect();
    let plan = format!(
        "{{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.8\", \"planned_values\": {{\"root_module\": {{\"resources\": [{}]}}}}}}",
        resources.join(",")
    );
    let state = "{\"version\": 99, \"terraform_version\": \"1.9.8\", \"lineage\": \"x\", \"resources\": {}}";
    let dir = scratch(&[
        ("good.compose.yaml", GOOD),
        ("plan/plan.json", plan.as_bytes()),
        ("state/terraform.tfstate", state.as_bytes()),
    ]);
    let r = scan_json(dir.path(), &[]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("plan/plan.json:"), "{r:?}");
    assert!(r.stderr.contains("state/terraform.tfstate:"), "{r:?}");
    assert!(good_file_scanned(&r), "{r:?}");
}

#[test]
fn malformed_decisions_and_baselines_are_errors_with_their_place() {
    let dir = scratch(&[
        ("good.compose.yaml", GOOD),
        (
            "trustmap.yaml",
            b"decisions:\n  - rule: [TM-S003]\n    element: {a: 1}\n    decision: 7\n  - 12\n",
        ),
        (
            "baseline.json",
            b"{\"version\": 1, \"zones\": 5, \"elements\": [[[]]]}",
        ),
    ]);
    let r = scan_json(dir.path(), &[]);
    assert!(r.stderr.contains("trustmap.yaml:2"), "{r:?}");
    assert!(good_file_scanned(&r), "the findings stay: {r:?}");
    let r = run(dir.path(), &["diff", "baseline.json", "."]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("baseline.json"), "{r:?}");
}

#[test]
fn a_file_name_cannot_start_a_workflow_command_or_move_the_cursor() {
    let name = "x\n::error title=pwned::y\u{1b}[2J\u{202e}.compose.yaml";
    let dir = scratch(&[("good.compose.yaml", GOOD), (name, GOOD)]);
    for format in ["text", "markdown"] {
        let r = run(dir.path(), &["scan", ".", "--format", format]);
        for line in r.stdout.lines().chain(r.stderr.lines()) {
            assert!(!line.trim_start().starts_with("::"), "{format}: {line:?}");
            assert!(
                !line.contains('\u{1b}') && !line.contains('\u{202e}'),
                "{format}: {line:?}"
            );
        }
        assert!(r.stdout.contains("TM-S003"), "{r:?}");
    }
}

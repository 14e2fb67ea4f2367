//! Determinism as a property: for generated trees of compose files, Kubernetes manifests and
//! Terraform, scanning twice, with the files created in another order, or with another number
//! of threads gives byte-identical output in every format.

#[allow(dead_code)]
mod util;

use std::path::Path;
use std::process::Command;

/// A small deterministic generator (xorshift64*): the same seed, the same tree.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const IMAGES: [&str; 6] = [
    "postgres:16",
    "redis:7",
    "nginx:latest",
    "mysql:8.0",
    "mongo",
    "ghcr.io/acme/api@sha256:0000000000000000000000000000000000000000000000000000000000000000",
];
const PORTS: [&str; 6] = ["5432", "6379", "80", "443", "22", "8080"];

/// The files of one generated tree: (path, content).
fn tree(seed: u64) -> Vec<(String, String)> {
    let mut g = Generator(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut files = Vec::new();
    for project in 0..1 + g.below(3) {
        let mut compose = String::from("services:\n");
        let services = 1 + g.below(5);
        for s in 0..services {
            compose.push_str(&format!("  svc{s}:\n    image: {}\n", g.pick(&IMAGES)));
            if g.below(2) == 0 {
                let port = g.pick(&PORTS);
                compose.push_str(&format!("    ports: [\"{port}:{port}\"]\n"));
            }
            if g.below(3) == 0 {
                compose.push_str("    privileged: true\n");
            }
            if g.below(3) == 0 {
                compose.push_str(&format!(
                    "    environment:\n      DB_URL: postgres://svc{}:5432/app\n      API_TOKEN: hunter2\n",
                    g.below(services)
                ));
            }
        }
        files.push((format!("app{project}/compose.yaml"), compose));
    }
    for app in 0..g.below(3) {
        let port = g.pick(&PORTS);
        files.push((
            format!("k8s/app{app}.yaml"),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{app}\nspec:\n  selector:\n    matchLabels: {{app: app{app}}}\n  template:\n    metadata:\n      labels: {{app: app{app}}}\n    spec:\n      containers:\n        - name: main\n          image: {}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app{app}\nspec:\n  type: LoadBalancer\n  selector: {{app: app{app}}}\n  ports: [{{port: {port}}}]\n",
                g.pick(&IMAGES)
            ),
        ));
    }
    if g.below(2) == 0 {
        let port = g.pick(&PORTS);
        files.push((
            "infra/main.tf".to_string(),
            format!(
                "resource \"aws_security_group\" \"web\" {{\n  ingress {{\n    from_port   = {port}\n    to_port     = {port}\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n}}\n\nresource \"aws_instance\" \"web\" {{\n  ami                         = \"ami-1\"\n  associate_public_ip_address = true\n  vpc_security_group_ids      = [aws_security_group.web.id]\n}}\n\nresource \"aws_db_instance\" \"db\" {{\n  publicly_accessible = {}\n  storage_encrypted   = false\n}}\n",
                g.below(2) == 0
            ),
        ));
    }
    files
}

/// Writes the tree under `parent/tree`, in the given order of files.
fn write(parent: &Path, files: &[(String, String)], reversed: bool) {
    let mut order: Vec<&(String, String)> = files.iter().collect();
    if reversed {
        order.reverse();
    }
    for (path, content) in order {
        let full = parent.join("tree").join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }
}

/// Every output format of a scan of `parent/tree`, run in `parent` with `threads` workers.
fn outputs(parent: &Path, threads: &str) -> Vec<(String, Vec<u8>)> {
    let runs: [&[&str]; 6] = [
        &["scan", "tree", "--format", "json", "--today", "2026-01-01"],
        &["scan", "tree", "--format", "sarif", "--today", "2026-01-01"],
        &["scan", "tree", "--format", "text", "--today", "2026-01-01"],
        &[
            "scan",
            "tree",
            "--format",
            "markdown",
            "--today",
            "2026-01-01",
        ],
        &["model", "tree", "--format", "json"],
        &["model", "tree", "--format", "svg"],
    ];
    runs.iter()
        .map(|args| {
            let output = Command::new(env!("CARGO_BIN_EXE_trustmap"))
                .args(*args)
                .current_dir(parent)
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .unwrap();
            let mut bytes = output.stdout;
            bytes.extend(output.stderr);
            bytes.extend(format!("exit {:?}", output.status.code()).into_bytes());
            (args.join(" "), bytes)
        })
        .collect()
}

#[test]
fn output_is_byte_identical_across_runs_file_orders_and_thread_counts() {
    for seed in 1..=6u64 {
        let files = tree(seed);
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        write(first.path(), &files, false);
        write(second.path(), &files, true);
        let reference = outputs(first.path(), "2");
        assert!(
            reference.iter().any(|(_, out)| out.len() > 200),
            "seed {seed}: the tree gives real output"
        );
        for (parent, threads) in [
            (first.path(), "2"),
            (second.path(), "2"),
            (second.path(), "1"),
            (first.path(), "4"),
        ] {
            for ((command, want), (_, got)) in reference.iter().zip(outputs(parent, threads)) {
                assert!(
                    *want == got,
                    "seed {seed}, {threads} threads, `trustmap {command}` differs:\n{}\n---\n{}",
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&got)
                );
            }
        }
    }
}

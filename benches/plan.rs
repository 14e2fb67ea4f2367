//! Throughput of reading Terraform plans (`terraform show -json`) of growing size: each
//! generated plan holds N security groups, N instances that reference them through the
//! plan's `configuration`, and N buckets, so both the JSON reading and the reference
//! resolution are exercised.
//!
//! Run with `cargo bench --bench plan`. It prints, for each size, the resources, bytes,
//! elements and flows of the model, the best wall time of three runs and microseconds per
//! resource; compare that last column across sizes to see that work grows linearly.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn resource(address: &str, kind: &str, values: Value) -> Value {
    let name = address.rsplit('.').next().unwrap_or(address);
    json!({"address": address, "mode": "managed", "type": kind, "name": name,
           "values": values, "sensitive_values": {}})
}

fn plan(n: usize) -> Value {
    let mut planned = Vec::new();
    let mut changes = Vec::new();
    let mut configuration = Vec::new();
    for i in 0..n {
        let group = format!("aws_security_group.web{i}");
        let instance = format!("aws_instance.web{i}");
        let bucket = format!("aws_s3_bucket.data{i}");
        planned.push(resource(&group, "aws_security_group", json!({"name": format!("web{i}"),
            "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]})));
        planned.push(resource(
            &instance,
            "aws_instance",
            json!({"ami": "ami-0123456789abcdef0",
            "associate_public_ip_address": true}),
        ));
        planned.push(resource(
            &bucket,
            "aws_s3_bucket",
            json!({"bucket": format!("data-{i}")}),
        ));
        changes.push(
            json!({"address": instance, "change": {"actions": ["create"],
            "after_unknown": {"id": true, "vpc_security_group_ids": true}}}),
        );
        configuration.push(json!({"address": instance, "mode": "managed", "type": "aws_instance",
            "expressions": {"vpc_security_group_ids": {"references": [format!("{group}.id"), group]}}}));
    }
    json!({"format_version": "1.2", "terraform_version": "1.9.8",
           "planned_values": {"root_module": {"resources": planned}},
           "resource_changes": changes,
           "configuration": {"root_module": {"resources": configuration}}})
}

fn main() {
    println!(
        "{:>9} {:>10} {:>9} {:>7} {:>10} {:>13}",
        "resources", "bytes", "elements", "flows", "best ms", "µs/resource"
    );
    for n in [500, 1000, 2000, 4000, 8000] {
        let dir = tempfile::tempdir().unwrap();
        let text = serde_json::to_string(&plan(n)).unwrap();
        let path = dir.path().join("plan.json");
        std::fs::write(&path, &text).unwrap();
        let mut options = trustmap_scan::ScanOptions::default();
        options.limits.set(trustmap_model::Limit::FileSize, 1 << 30);
        let mut best = Duration::MAX;
        let (mut elements, mut flows) = (0, 0);
        for _ in 0..3 {
            let start = Instant::now();
            let scan = trustmap_scan::scan(&[PathBuf::from(dir.path())], &options).unwrap();
            best = best.min(start.elapsed());
            elements = scan.model.elements().count();
            flows = scan.model.flows().count();
        }
        let resources = 3 * n;
        println!(
            "{resources:>9} {:>10} {elements:>9} {flows:>7} {:>10.1} {:>13.1}",
            text.len(),
            best.as_secs_f64() * 1e3,
            best.as_secs_f64() * 1e6 / resources as f64
        );
    }
}

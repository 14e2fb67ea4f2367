//! Terraform end to end: the AWS, Azure and Google networks as models, modules, variables
//! and var files, plans and states, and what cannot be resolved.

#[allow(dead_code)]
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use util::{findings_of, root, scan, scratch, trustmap, trustmap_in};

/// The AWS fixture's model is its real network: the internet reaches the load balancer in the
/// public subnet (HTTP and HTTPS listeners), which forwards to the instance in the private
/// subnet, which alone reaches the database.
#[test]
fn terraform_aws_network_becomes_the_model() {
    let scan = scan("fixtures/terraform/aws-web");
    let model = &scan.model;
    let flows: BTreeSet<String> = model.flows().map(|f| f.id.0.clone()).collect();
    for expected in [
        "external:internet -> tf:aws_lb.web (http/80)",
        "external:internet -> tf:aws_lb.web (https/443)",
        "tf:aws_lb.web -> tf:aws_instance.app (http/8080)",
        "tf:aws_instance.app -> tf:aws_db_instance.main (postgres/5432)",
    ] {
        assert!(flows.contains(expected), "missing {expected}: {flows:#?}");
    }
    assert_eq!(flows.len(), 4, "{flows:#?}");
    let lb = model
        .element(&trustmap_model::ElementId("tf:aws_lb.web".into()))
        .unwrap();
    assert_eq!(model.zone_of(lb).name, "public subnet aws_subnet.public");
    let app = model
        .element(&trustmap_model::ElementId("tf:aws_instance.app".into()))
        .unwrap();
    assert_eq!(model.zone_of(app).kind, trustmap_model::ZoneKind::Subnet);
    assert_eq!(
        model.exposure(&app.id),
        trustmap_model::Tri::Yes,
        "reached through the balancer"
    );
    let db = trustmap_model::ElementId("tf:aws_db_instance.main".into());
    assert_eq!(model.exposure(&db), trustmap_model::Tri::No);
    assert!(model.reachable_from_internet(&db, trustmap_model::Reachability::AnyFlow));
}

/// A remote module, a variable without a value and a cycle between locals give clear notices;
/// the rest is analysed.
#[test]
fn terraform_that_cannot_be_resolved_gives_notices_not_crashes() {
    let (run, found) = findings_of(&[(
        "main.tf",
        b"variable \"region\" {}\nlocals {\n  a = local.b\n  b = local.a\n}\nmodule \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\nresource \"aws_db_instance\" \"db\" {\n  identifier = \"db-${var.region}\"\n  engine = \"postgres\"\n  instance_class = \"db.t3.micro\"\n  allocated_storage = 20\n}\n",
    )]);
    assert!(run.code == 1, "{run:?}");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let messages: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("region")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("cycle")), "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("terraform-aws-modules/vpc/aws")),
        "{messages:?}"
    );
    assert!(
        found.contains(&("TM-I004".into(), "main.tf".into(), 9)),
        "the database is still analysed: {run:?}"
    );
}

/// A finding on a resource inside a local module points at the line that decides it, the
/// module's input the caller set, with the module's line that uses it and the call as related
/// locations.
#[test]
fn terraform_findings_inside_a_module_name_the_call() {
    let run = trustmap(&["scan", "fixtures/terraform/module-call", "--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "TM-I004")
        .unwrap_or_else(|| panic!("{run:?}"));
    assert_eq!(
        finding["subject"]["id"],
        "tf:module.orders_db.aws_db_instance.this"
    );
    assert_eq!(
        finding["location"]["file"],
        "fixtures/terraform/module-call/main.tf"
    );
    assert_eq!(finding["location"]["start"]["line"], 6, "encrypted = false");
    let related = related_places(finding);
    assert!(
        related.contains(&("fixtures/terraform/module-call/main.tf", 3)),
        "the call: {related:?}"
    );
    assert!(
        related.contains(&("fixtures/terraform/module-call/modules/db/main.tf", 15)),
        "storage_encrypted = var.encrypted: {related:?}"
    );
}

/// The (file, line) of each related location of a finding.
fn related_places(finding: &Value) -> Vec<(&str, u64)> {
    finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["span"]["file"].as_str().unwrap(),
                r["span"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Autoscaling groups behind a load balancer, and data stores placed through subnet groups.
#[test]
fn terraform_autoscaling_groups_and_subnet_groups() {
    let scan = scan("fixtures/terraform/asg");
    let model = &scan.model;
    let flows: BTreeSet<String> = model.flows().map(|f| f.id.0.clone()).collect();
    assert!(
        flows.contains("tf:aws_lb.web -> tf:aws_autoscaling_group.app (http/8080)"),
        "{flows:#?}"
    );
    let db = model
        .element(&trustmap_model::ElementId("tf:aws_db_instance.main".into()))
        .unwrap();
    assert_eq!(model.zone_of(db).id.0, "tf:aws_subnet.private");
    let asg = trustmap_model::ElementId("tf:aws_autoscaling_group.app".into());
    assert_eq!(
        model.exposure(&asg),
        trustmap_model::Tri::Yes,
        "reached through the balancer"
    );
    // The launch template is drawn as its group, which runs with the template's role.
    assert!(
        model
            .element(&trustmap_model::ElementId(
                "tf:aws_launch_template.app".into()
            ))
            .is_none()
    );
    let group = model.element(&asg).unwrap();
    assert_eq!(
        group
            .attributes
            .flag(trustmap_model::AttrName::ServiceAccountToken),
        trustmap_model::Tri::Yes
    );
}

/// `--var-file` values override variable defaults in every root module.
#[test]
fn terraform_var_files_decide_values() {
    let tf = b"variable \"encrypt\" {\n  type    = bool\n  default = true\n}\nresource \"aws_ebs_volume\" \"data\" {\n  availability_zone = \"eu-west-1a\"\n  size              = 10\n  encrypted         = var.encrypt\n}\n";
    let dir = scratch(&[("infra/main.tf", tf), ("prod.tfvars", b"encrypt = false\n")]);
    let without = trustmap_in(dir.path(), &["scan", "infra", "--format", "json"]);
    assert!(!without.stdout.contains("TM-I004"), "{without:?}");
    let with = trustmap_in(
        dir.path(),
        &[
            "scan",
            "infra",
            "--var-file",
            "prod.tfvars",
            "--format",
            "json",
        ],
    );
    assert!(with.stdout.contains("TM-I004"), "{with:?}");
}

/// A subnet whose internet route depends on an unknown count is unknown, not private; a VPC
/// with a flow log says it logs.
#[test]
fn terraform_unknown_routes_leave_subnets_unknown() {
    let scan = scan("fixtures/terraform/unknown-subnets");
    let zone = |id: &str| {
        scan.model
            .zones()
            .find(|z| z.id.0 == id)
            .unwrap_or_else(|| panic!("zone {id}"))
            .clone()
    };
    let subnet = zone("tf:aws_subnet.app[1]");
    assert_eq!(
        subnet.attributes.flag(trustmap_model::AttrName::Public),
        trustmap_model::Tri::Unknown
    );
    assert_eq!(subnet.name, "subnet aws_subnet.app[1]");
    let vpc = zone("tf:aws_vpc.main");
    assert_eq!(
        vpc.attributes.flag(trustmap_model::AttrName::Logging),
        trustmap_model::Tri::Yes
    );
    assert_eq!(
        vpc.attributes
            .get(trustmap_model::AttrName::Logging)
            .unwrap()
            .span
            .as_ref()
            .unwrap()
            .start
            .line,
        11
    );
}

/// Peerings, gateway and hub attachments and private service connections link the zones of the
/// networks they join (`linked_zones`, at the link): peering is not transitive, a gateway or a
/// hub joins every network attached to it.
#[test]
fn terraform_links_between_networks_are_zone_links() {
    let linked = |fixture: &str, zone_id: &str| -> Vec<(String, u32)> {
        let scan = scan(fixture);
        let zone = scan
            .model
            .zones()
            .find(|z| z.id.0 == zone_id)
            .unwrap_or_else(|| panic!("zone {zone_id}"))
            .clone();
        zone.attributes
            .items(trustmap_model::AttrName::LinkedZones)
            .iter()
            .map(|i| (i.value.clone(), i.span.as_ref().map_or(0, |s| s.start.line)))
            .collect()
    };
    let aws = "fixtures/terraform/zone-links-aws";
    let data = linked(aws, "tf:aws_vpc.data");
    assert_eq!(
        data,
        [
            (
                "VPC aws_vpc.apps (peering aws_vpc_peering_connection.apps_data)".to_string(),
                15
            ),
            (
                "VPC aws_vpc.tools (peering aws_vpc_peering_connection.tools_data)".to_string(),
                20
            ),
        ]
    );
    let apps: Vec<String> = linked(aws, "tf:aws_vpc.apps")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    // Two VPCs on one transit gateway each list it (one item per attachment, not per pair).
    let hub = |vpc: &str| {
        format!(
            "aws_ec2_transit_gateway.hub (transit gateway attachment aws_ec2_transit_gateway_vpc_attachment.{vpc})"
        )
    };
    assert!(apps.contains(&hub("apps")), "{apps:?}");
    let tools: Vec<String> = linked(aws, "tf:aws_vpc.tools")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert!(tools.contains(&hub("tools")), "{tools:?}");
    // Peered with data only: not linked to tools through data.
    assert!(
        !apps.iter().any(|v| v.contains("aws_vpc.tools")),
        "{apps:?}"
    );
    assert_eq!(
        linked("fixtures/terraform/zone-links-azure", "tf:azurerm_virtual_network.data"),
        [(
            "VNet azurerm_virtual_network.apps (peering azurerm_virtual_network_peering.apps_to_data)"
                .to_string(),
            16
        )]
    );
    let google = "fixtures/terraform/zone-links-google";
    let apps: Vec<String> = linked(google, "tf:google_compute_network.apps")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    for expected in [
        "a network outside the scanned code (peering google_compute_network_peering.apps_partner)",
        "servicenetworking.googleapis.com (private service connection google_service_networking_connection.apps)",
        "google_network_connectivity_hub.core (hub spoke google_network_connectivity_spoke.apps)",
    ] {
        assert!(
            apps.contains(&expected.to_string()),
            "{expected} in {apps:?}"
        );
    }
    // A BGP peer links the network its router is in.
    let data: Vec<String> = linked(google, "tf:google_compute_network.data")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert!(
        data.contains(&"169.254.1.2 (BGP peer google_compute_router_peer.onprem)".to_string()),
        "{data:?}"
    );
}

/// The elements and flows of a model, and one attribute of one element, from `model -f json`.
fn model_summary(
    run: &util::Run,
    element: &str,
    attribute: &str,
) -> (Vec<String>, Vec<String>, String) {
    let model: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    let ids = |key: &str| -> Vec<String> {
        model[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    let value = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == element)
        .map(|e| e["attributes"][attribute]["value"].to_string())
        .unwrap_or_default();
    (ids("elements"), ids("flows"), value)
}

/// A plan and the source it came from give the same elements and flows; the plan knows what
/// the source leaves unknown (a variable without a value).
#[test]
fn terraform_plan_and_its_source_give_the_same_model() {
    let read = |p: &str| std::fs::read(root().join("fixtures/terraform/plan").join(p)).unwrap();
    let (main, module, plan) = (
        read("main.tf"),
        read("modules/logs/main.tf"),
        read("plan.json"),
    );
    let dir = scratch(&[
        ("source/main.tf", &main),
        ("source/modules/logs/main.tf", &module),
        ("plan/plan.json", &plan),
    ]);
    let db = "tf:aws_db_instance.main";
    let source = trustmap_in(dir.path(), &["model", "source", "-f", "json"]);
    let planned = trustmap_in(dir.path(), &["model", "plan", "-f", "json"]);
    let (source_elements, source_flows, source_encrypted) =
        model_summary(&source, db, "encrypted_at_rest");
    let (plan_elements, plan_flows, plan_encrypted) =
        model_summary(&planned, db, "encrypted_at_rest");
    assert_eq!(source_elements, plan_elements);
    assert_eq!(source_flows, plan_flows);
    assert!(plan_elements.contains(&"tf:module.logs.aws_s3_bucket.this[\"audit\"]".to_string()));
    assert!(
        plan_flows.contains(
            &"tf:aws_instance.web -> tf:aws_db_instance.main (postgres/5432)".to_string()
        )
    );
    assert_eq!(source_encrypted, "\"unknown\"");
    assert_eq!(plan_encrypted, "\"no\"");
    // Forcing the kind reads the same file the same way.
    let forced = trustmap_in(
        dir.path(),
        &["model", "plan", "-f", "json", "--input", "terraform-plan"],
    );
    assert_eq!(forced.stdout, planned.stdout);
}

/// A plan beside its source: findings point at the argument in the source; alone, at the
/// resource's address in the JSON file.
#[test]
fn terraform_plan_findings_point_at_the_source_when_it_is_there() {
    let beside = trustmap(&[
        "scan",
        "fixtures/terraform/plan",
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    assert!(
        beside
            .stdout
            .contains("\"file\": \"fixtures/terraform/plan/main.tf\""),
        "{beside:?}"
    );
    let findings: Value = serde_json::from_str(&beside.stdout).unwrap();
    let i004 = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        // The database's (the instance's root disk, made from its image, is another).
        .find(|f| f["rule_id"] == "TM-I004" && f["subject"].to_string().contains("aws_db_instance"))
        .unwrap_or_else(|| panic!("{beside:?}"));
    assert_eq!(
        i004["location"]["start"]["line"], 61,
        "storage_encrypted = var.encrypted"
    );

    let plan = std::fs::read(root().join("fixtures/terraform/plan/plan.json")).unwrap();
    let dir = scratch(&[("plan.json", &plan)]);
    let alone = trustmap_in(dir.path(), &["scan", ".", "--fail-on", "none"]);
    let text = String::from_utf8(plan).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"address\": \"aws_db_instance.main\""))
        .unwrap()
        + 1;
    assert!(
        alone.stdout.contains(&format!("plan.json:{line}:")),
        "{alone:?}"
    );
}

/// A state links resources by their identifiers (`sg-...`, `subnet-...`), keeps module
/// instance keys, reads the same whether `terraform show -json` printed it or Terraform stored
/// it, and never prints a sensitive value, in any format.
#[test]
fn terraform_state_is_linked_by_identifiers_and_hides_secrets() {
    let run = trustmap(&["model", "fixtures/terraform/state", "-f", "json"]);
    let (elements, flows, _) = model_summary(&run, "", "");
    assert!(elements.contains(&"tf:module.logs.aws_s3_bucket.this[\"app\"]".to_string()));
    for flow in [
        "tf:aws_instance.web -> tf:aws_db_instance.main (postgres/5432)",
        "external:internet -> tf:aws_instance.web (https/443)",
        "external:internet -> tf:module.logs.aws_s3_bucket.this[\"app\"] (https)",
    ] {
        assert!(flows.contains(&flow.to_string()), "{flow}: {flows:#?}");
    }
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let web = model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "tf:aws_instance.web")
        .unwrap();
    assert_eq!(web["zone"], "tf:aws_subnet.private[0]");

    // The same state as Terraform stores it (`terraform.tfstate`) gives the same model.
    let stored = trustmap(&["model", "fixtures/terraform/stored-state", "-f", "json"]);
    let (stored_elements, stored_flows, _) = model_summary(&stored, "", "");
    assert_eq!(
        (stored_elements, stored_flows),
        (elements.clone(), flows.clone())
    );
    // Its findings point at the resource's `"type"`, in its module.
    let text =
        std::fs::read_to_string(root().join("fixtures/terraform/stored-state/terraform.tfstate"))
            .unwrap();
    let module_line = text
        .lines()
        .position(|l| l.contains("\"module\": \"module.logs\""))
        .unwrap();
    assert!(
        text.lines()
            .nth(module_line + 2)
            .unwrap()
            .contains("aws_s3_bucket")
    );
    let type_line = module_line + 3;
    let scanned = trustmap(&[
        "scan",
        "fixtures/terraform/stored-state",
        "--fail-on",
        "none",
    ]);
    // The bucket's door without authentication (TM-S004) is the door TM-I002 reports: one
    // finding, on that line, that says both.
    assert!(
        scanned.stdout.lines().any(|l| l.contains(&format!(
            "terraform.tfstate:{type_line}:7  CRITICAL  TM-I002"
        )) && l.contains("(TM-S004)")),
        "{scanned:?}"
    );

    let dirs = [
        "fixtures/terraform/state",
        "fixtures/terraform/plan",
        "fixtures/terraform/stored-state",
    ];
    for format in ["text", "json", "sarif", "markdown"] {
        let out = trustmap(&[
            "scan",
            dirs[0],
            dirs[1],
            dirs[2],
            "-f",
            format,
            "--fail-on",
            "none",
        ]);
        assert!(
            !out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"),
            "{format}"
        );
    }
    for format in ["json", "mermaid", "dot", "svg"] {
        let out = trustmap(&["model", dirs[0], dirs[1], dirs[2], "-f", format]);
        assert!(
            !out.stdout.is_empty() && !out.stdout.contains("s3cr3t"),
            "{format}"
        );
    }
}

/// JSON that is not a plan, read as one because `--input` says so, is an error; a plan on
/// standard input is read by its content.
#[test]
fn terraform_input_kinds_are_checked() {
    let dir = scratch(&[(
        "list.json",
        br#"{"apiVersion": "v1", "kind": "List", "items": []}"#,
    )]);
    let run = trustmap_in(dir.path(), &["scan", ".", "--input", "terraform-state"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("not a Terraform plan or state"),
        "{run:?}"
    );

    let plan = std::fs::read(root().join("fixtures/terraform/plan/plan.json")).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trustmap"))
        .args(["scan", "-", "--fail-on", "none"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&plan).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("TM-I004"), "{stdout}");
}

/// Checks that a scanned folder places these elements in these zones, has exactly these
/// flows, and that its edge (a gateway, a balancer) keeps logs and is rate limited.
fn assert_cloud_model(
    folder: &str,
    placed: &[(&str, &str)],
    expected_flows: &[&str],
    logged_and_limited_edge: &str,
) {
    let scan = scan(folder);
    let model = &scan.model;
    let elements: BTreeSet<(String, String)> = model
        .elements()
        .map(|e| (e.id.0.clone(), model.zone_of(e).id.0.clone()))
        .collect();
    for (element, zone) in placed {
        let pair = (element.to_string(), zone.to_string());
        assert!(elements.contains(&pair), "{pair:?} in {elements:#?}");
    }
    let flows: BTreeSet<String> = model.flows().map(|f| f.id.0.clone()).collect();
    let expected: BTreeSet<String> = expected_flows.iter().map(|f| f.to_string()).collect();
    assert_eq!(flows, expected);
    assert!(model.diagnostics().is_empty(), "{:?}", model.diagnostics());
    let edge = model
        .element(&trustmap_model::ElementId(logged_and_limited_edge.into()))
        .unwrap();
    for attribute in [
        trustmap_model::AttrName::Logging,
        trustmap_model::AttrName::RateLimited,
    ] {
        assert_eq!(edge.attributes.flag(attribute), trustmap_model::Tri::Yes);
    }
}

/// Azure: machines sit in the subnet of their network interface; an NSG rule that admits the
/// internet is a door into a machine with a public IP; an application gateway's HTTPS
/// listener is a door with its TLS policy, and its backend pool a flow to the machine; a
/// diagnostic setting is logging.
#[test]
fn terraform_azure_network_becomes_the_model() {
    assert_cloud_model(
        "fixtures/terraform/azure",
        &[
            (
                "tf:azurerm_linux_virtual_machine.web",
                "tf:azurerm_subnet.web",
            ),
            (
                "tf:azurerm_application_gateway.front",
                "tf:azurerm_subnet.web",
            ),
        ],
        &[
            "external:internet -> tf:azurerm_application_gateway.front (https/443)",
            "external:internet -> tf:azurerm_linux_virtual_machine.web (https/443)",
            "tf:azurerm_application_gateway.front -> tf:azurerm_linux_virtual_machine.web (https/443)",
        ],
        "tf:azurerm_application_gateway.front",
    );
}

/// Google Cloud: a firewall rule admitting the internet reaches the instances whose tags it
/// targets and that have an external IP; an external HTTPS forwarding rule is a door that
/// forwards to the instance template of its backend service's managed group, with Cloud
/// Armor and logs; a Cloud SQL instance with only a private IP sits in its network, with no
/// door, reached by the Cloud Run service configured with it.
#[test]
fn terraform_google_network_becomes_the_model() {
    assert_cloud_model(
        "fixtures/terraform/google",
        &[
            (
                "tf:google_compute_instance.web",
                "tf:google_compute_subnetwork.web",
            ),
            (
                "tf:google_sql_database_instance.orders",
                "tf:google_compute_network.main",
            ),
        ],
        &[
            "external:internet -> tf:google_cloud_run_v2_service.api (https/443)",
            "tf:google_cloud_run_v2_service.api -> tf:google_sql_database_instance.orders",
            "external:internet -> tf:google_compute_global_forwarding_rule.https (https/443)",
            "external:internet -> tf:google_compute_instance.web (https/443)",
            "tf:google_compute_global_forwarding_rule.https -> tf:google_compute_instance_template.app (http)",
        ],
        "tf:google_compute_global_forwarding_rule.https",
    );
}

/// A subnet with no route table association of its own follows its VPC's main route table.
#[test]
fn terraform_subnets_follow_the_main_route_table() {
    let tf = br#"resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_internet_gateway" "g" {
  vpc_id = aws_vpc.v.id
}
resource "aws_default_route_table" "d" {
  default_route_table_id = aws_vpc.v.default_route_table_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.g.id
  }
}
"#;
    let dir = scratch(&[("main.tf", tf)]);
    let run = trustmap_in(dir.path(), &["model", ".", "-f", "json"]);
    let model: Value = serde_json::from_str(&run.stdout).unwrap();
    let subnet = model["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["id"] == "tf:aws_subnet.s")
        .unwrap();
    assert_eq!(subnet["attributes"]["public"]["value"], "yes", "{run:?}");
}

/// The module callers fixture: one cluster module called from several roots, each deciding
/// whether the API endpoint is public.
const CALLERS: &str = "fixtures/terraform/callers";

/// The TM-S003 findings of `trustmap scan DIR` run in `dir`, by the root folder of their
/// subject (`two-calls`, `nested`, ...).
fn public_endpoint_findings(dir: &std::path::Path, path: &str) -> Vec<(String, Value)> {
    let run = trustmap_in(dir, &["scan", path, "--format", "json"]);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TM-S003")
        .map(|f| {
            let subject = f["subject"]["id"].as_str().unwrap();
            let root = subject
                .split_once(&format!("{path}/"))
                .and_then(|(_, rest)| rest.split_once(':'))
                .map_or("", |(root, _)| root);
            (root.to_string(), f.clone())
        })
        .collect()
}

/// The (file, line, message) of each related location of a finding.
fn related_notes(finding: &Value) -> Vec<(String, u64, String)> {
    finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["span"]["file"].as_str().unwrap().to_string(),
                r["span"]["start"]["line"].as_u64().unwrap(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn location(finding: &Value) -> (String, u64) {
    (
        finding["location"]["file"].as_str().unwrap().to_string(),
        finding["location"]["start"]["line"].as_u64().unwrap(),
    )
}

/// One module called twice, once public, once private: one finding, at the public call's
/// argument, naming that instance; the module's line that uses the value, the call and the
/// resource are related. Every caller that makes it public gets its own finding at its own
/// line (and the private callers none): the module's line is never the location.
#[test]
fn terraform_findings_point_at_the_caller_that_decides() {
    let found = public_endpoint_findings(&root(), CALLERS);
    let roots: Vec<&str> = found.iter().map(|(root, _)| root.as_str()).collect();
    assert_eq!(
        roots,
        [
            "defaults",
            "defaults",
            "nested",
            "tfvars-public",
            "two-calls"
        ],
        "{found:#?}"
    );
    let (_, two_calls) = &found[4];
    assert_eq!(
        two_calls["subject"]["id"],
        format!(
            "external:internet -> tf:{CALLERS}/two-calls:module.public.aws_eks_cluster.this \
             (kubernetes-api/443)"
        )
    );
    assert!(
        two_calls["message"]
            .as_str()
            .unwrap()
            .starts_with("module.public.aws_eks_cluster.this takes"),
        "{two_calls}"
    );
    assert_eq!(
        location(two_calls),
        (format!("{CALLERS}/two-calls/main.tf"), 4),
        "public = true"
    );
    let related = related_notes(two_calls);
    let module = format!("{CALLERS}/modules/cluster/main.tf");
    assert!(
        related.contains(&(module.clone(), 13, "the deciding value is used here".into())),
        "{related:#?}"
    );
    let called = |(file, line, _): &(String, u64, String)| {
        *file == format!("{CALLERS}/two-calls/main.tf") && *line == 2
    };
    assert!(related.iter().any(called), "the call: {related:#?}");
    assert!(
        related.iter().any(|(f, l, _)| *f == module && *l == 7),
        "the resource: {related:#?}"
    );
    let fingerprints: BTreeSet<&str> = found
        .iter()
        .map(|(_, f)| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fingerprints.len(),
        found.len(),
        "one fingerprint per caller"
    );
}

/// A value no caller passes (the module's default) decides each call's deployment: each call
/// gets its own finding at its module block, with the default's line related, and a call that
/// overrides the default has none.
#[test]
fn terraform_a_module_default_is_found_at_each_call_that_keeps_it() {
    let found = public_endpoint_findings(&root(), CALLERS);
    let at_defaults: Vec<(String, u64)> = found
        .iter()
        .filter(|(root, _)| root == "defaults")
        .map(|(_, f)| location(f))
        .collect();
    let here = format!("{CALLERS}/defaults/main.tf");
    assert_eq!(at_defaults, [(here.clone(), 3), (here, 7)], "{found:#?}");
    let (_, blue) = found
        .iter()
        .find(|(root, f)| root == "defaults" && location(f).1 == 3)
        .unwrap();
    let module = format!("{CALLERS}/modules/open-cluster/main.tf");
    assert!(
        related_notes(blue)
            .iter()
            .any(|(file, line, note)| *file == module
                && *line == 5
                && note.starts_with("inside the module")),
        "{:#?}",
        related_notes(blue)
    );
}

/// A module called twice is two elements, each with the value its call gave.
#[test]
fn terraform_a_module_called_twice_is_two_elements() {
    let scan = scan(CALLERS);
    let cluster = |name: &str| {
        let id = format!("tf:{CALLERS}/two-calls:module.{name}.aws_eks_cluster.this");
        let element = scan
            .model
            .element(&trustmap_model::ElementId(id.clone()))
            .unwrap_or_else(|| panic!("no {id}"));
        let public = element
            .attributes
            .get(trustmap_model::AttrName::Public)
            .unwrap();
        (
            element.attributes.flag(trustmap_model::AttrName::Public),
            public.span.as_ref().map(|s| s.start.line),
        )
    };
    assert_eq!(cluster("public"), (trustmap_model::Tri::Yes, Some(4)));
    assert_eq!(cluster("private"), (trustmap_model::Tri::No, Some(9)));
}

/// A value a variable file sets, passed to a module, is found at the variable file's line,
/// with the root's module argument and the module's line as the places it passed; a variable
/// file that says false silences the default's true.
#[test]
fn terraform_findings_point_at_the_variable_file_that_decides() {
    let found = public_endpoint_findings(&root(), CALLERS);
    let (_, tfvars) = found
        .iter()
        .find(|(root, _)| root == "tfvars-public")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(
        location(tfvars),
        (format!("{CALLERS}/tfvars-public/terraform.tfvars"), 1)
    );
    let related = related_notes(tfvars);
    let passed: Vec<(String, u64, String)> = related
        .into_iter()
        .filter(|(_, _, message)| message.starts_with("the deciding value"))
        .collect();
    assert_eq!(
        passed,
        [
            (
                format!("{CALLERS}/tfvars-public/main.tf"),
                9,
                "the deciding value is passed on here".to_string()
            ),
            (
                format!("{CALLERS}/modules/cluster/main.tf"),
                13,
                "the deciding value is used here".to_string()
            ),
        ]
    );
    assert!(!found.iter().any(|(root, _)| root == "tfvars-private"));
}

/// Through two module calls, the finding is at the outermost caller's argument and every
/// place the value passed is related, in order.
#[test]
fn terraform_findings_follow_a_value_through_nested_modules() {
    let found = public_endpoint_findings(&root(), CALLERS);
    let (_, nested) = found
        .iter()
        .find(|(root, _)| root == "nested")
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(location(nested), (format!("{CALLERS}/nested/main.tf"), 4));
    let passed: Vec<(String, u64)> = related_notes(nested)
        .into_iter()
        .filter(|(_, _, message)| message.starts_with("the deciding value"))
        .map(|(file, line, _)| (file, line))
        .collect();
    assert_eq!(
        passed,
        [
            (format!("{CALLERS}/modules/platform/main.tf"), 8),
            (format!("{CALLERS}/modules/cluster/main.tf"), 13),
        ]
    );
}

/// Moving the lines of the caller and of the module moves the findings, not their
/// fingerprints.
#[test]
fn terraform_caller_fingerprints_stay_when_lines_move() {
    let files = [
        "modules/cluster/main.tf",
        "modules/platform/main.tf",
        "two-calls/main.tf",
        "nested/main.tf",
    ];
    // The files under `callers/`, each pushed down by `shift` lines.
    let copy = |shift: usize| {
        let files: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|file| {
                let mut text = "# moved\n".repeat(shift).into_bytes();
                text.extend(std::fs::read(root().join(CALLERS).join(file)).unwrap());
                (format!("callers/{file}"), text)
            })
            .collect();
        let borrowed: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_slice()))
            .collect();
        scratch(&borrowed)
    };
    let (dir_a, dir_b) = (copy(0), copy(2));
    let summary = |dir: &std::path::Path| {
        public_endpoint_findings(dir, "callers")
            .into_iter()
            .map(|(_, f)| {
                (
                    f["fingerprint"].as_str().unwrap().to_string(),
                    location(&f).1,
                )
            })
            .collect::<Vec<_>>()
    };
    let (before, after) = (summary(dir_a.path()), summary(dir_b.path()));
    assert_eq!(before.len(), 2, "{before:?}");
    let fingerprints = |v: &[(String, u64)]| v.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
    assert_eq!(fingerprints(&before), fingerprints(&after));
    assert!(
        before
            .iter()
            .zip(&after)
            .all(|((_, l1), (_, l2))| *l2 == l1 + 2),
        "{before:?} {after:?}"
    );
}

/// In SARIF, the message links the places the deciding value passed through, so that code
/// scanning shows them (it shows only related locations the message links), and the log stays
/// valid.
#[test]
fn terraform_sarif_links_the_way_of_the_deciding_value() {
    let run = trustmap(&["scan", CALLERS, "--format", "sarif"]);
    let log: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    trustmap_testkit::assert_valid_sarif(&log);
    let nested = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "TM-S003"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == format!("{CALLERS}/nested/main.tf")
        })
        .unwrap_or_else(|| panic!("{run:?}"));
    let text = nested["message"]["text"].as_str().unwrap();
    let related = nested["relatedLocations"].as_array().unwrap();
    let id_at = |file: &str, line: u64| {
        related
            .iter()
            .find(|l| {
                l["physicalLocation"]["artifactLocation"]["uri"] == format!("{CALLERS}/{file}")
                    && l["physicalLocation"]["region"]["startLine"] == line
            })
            .and_then(|l| l["id"].as_i64())
            .unwrap_or_else(|| panic!("no related {file}:{line} in {related:#?}"))
    };
    let (passed, used) = (
        id_at("modules/platform/main.tf", 8),
        id_at("modules/cluster/main.tf", 13),
    );
    assert!(
        text.ends_with(&format!(
            "from anywhere [high: exposed to the internet, code execution]. The deciding value \
             passes [here]({passed}) and is used [here]({used})."
        )),
        "{text}"
    );
}

/// A bucket a module declares is exposed at the caller's argument that makes it public, with
/// the module's line that uses it; the caller that keeps it private exposes nothing.
#[test]
fn terraform_exposure_is_found_at_the_callers_argument() {
    let run = trustmap(&["scan", CALLERS, "--format", "json"]);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    let exposed: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "TM-I002")
        .collect();
    assert_eq!(exposed.len(), 1, "{exposed:#?}");
    assert_eq!(
        exposed[0]["subject"]["id"],
        format!("tf:{CALLERS}/public-bucket:module.reports.aws_s3_bucket.this")
    );
    assert_eq!(
        location(exposed[0]),
        (format!("{CALLERS}/public-bucket/main.tf"), 4),
        "acl = \"public-read\""
    );
    assert!(
        related_notes(exposed[0]).contains(&(
            format!("{CALLERS}/modules/bucket/main.tf"),
            8,
            "the deciding value is used here".into()
        )),
        "{:#?}",
        exposed[0]
    );
}

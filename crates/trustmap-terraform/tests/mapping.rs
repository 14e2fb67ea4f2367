//! The cloud mappings' relationships read from the catalog: placements through subnet groups
//! and network interfaces, zones and their parents, companions on zones and through parts,
//! identities followed through what stands for them, address-range firewall rules.

use std::collections::BTreeMap;
use trustmap_model::{AttrName, Element, Fragment, Limits, Tri, Zone};
use trustmap_terraform::{RootModule, TerraformFile, parse_root_modules};

/// The fragment of one root module made of `main.tf`.
fn map(main: &str) -> Fragment {
    let root = RootModule {
        dir: String::new(),
        files: vec![TerraformFile {
            path: "main.tf".into(),
            text: main.into(),
        }],
        var_files: Vec::new(),
        documents: Vec::new(),
        document_kind: None,
    };
    parse_root_modules(&[root], &BTreeMap::new(), &Limits::default())
}

fn element<'f>(fragment: &'f Fragment, id: &str) -> &'f Element {
    fragment
        .elements
        .iter()
        .find(|e| e.id.0 == id)
        .unwrap_or_else(|| panic!("no element {id}: {:#?}", fragment.elements))
}

fn zone<'f>(fragment: &'f Fragment, id: &str) -> &'f Zone {
    fragment
        .zones
        .iter()
        .find(|z| z.id.0 == id)
        .unwrap_or_else(|| panic!("no zone {id}: {:#?}", fragment.zones))
}

fn flow_ids(fragment: &Fragment) -> Vec<&str> {
    fragment.flows.iter().map(|f| f.id.0.as_str()).collect()
}

#[test]
fn a_data_store_is_placed_through_its_subnet_group_and_carries_its_security_groups() {
    let fragment = map(r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "data" {
  vpc_id = aws_vpc.main.id
}
resource "aws_neptune_subnet_group" "graph" {
  subnet_ids = [aws_subnet.data.id]
}
resource "aws_security_group" "graph" {
  ingress {
    from_port   = 8182
    to_port     = 8182
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_neptune_cluster" "graph" {
  neptune_subnet_group_name = aws_neptune_subnet_group.graph.name
  vpc_security_group_ids    = [aws_security_group.graph.id]
}
"#);
    let graph = element(&fragment, "tf:aws_neptune_cluster.graph");
    assert_eq!(graph.zone.0, "tf:aws_subnet.data");
    assert_eq!(graph.attributes.flag(AttrName::EncryptedAtRest), Tri::No);
    assert_eq!(graph.attributes.flag(AttrName::Backups), Tri::Yes);
    assert_eq!(graph.attributes.flag(AttrName::Logging), Tri::No);
    assert_eq!(
        zone(&fragment, "tf:aws_subnet.data")
            .parent
            .as_ref()
            .unwrap()
            .0,
        "tf:aws_vpc.main"
    );
    assert!(
        flow_ids(&fragment)
            .iter()
            .any(|f| f.starts_with("external:internet -> tf:aws_neptune_cluster.graph")),
        "{:?}",
        flow_ids(&fragment)
    );
}

#[test]
fn flow_logs_set_the_logging_of_their_vpc_and_an_unresolved_one_makes_it_unknown() {
    let fragment = map(r#"
resource "aws_vpc" "logged" {}
resource "aws_vpc" "silent" {}
resource "aws_flow_log" "logged" {
  vpc_id = aws_vpc.logged.id
}
"#);
    let logging = |id: &str| zone(&fragment, id).attributes.flag(AttrName::Logging);
    assert_eq!(logging("tf:aws_vpc.logged"), Tri::Yes);
    assert_eq!(logging("tf:aws_vpc.silent"), Tri::No);

    let fragment = map(r#"
resource "aws_vpc" "main" {}
variable "vpc" {}
resource "aws_flow_log" "elsewhere" {
  vpc_id = var.vpc
}
"#);
    let main = zone(&fragment, "tf:aws_vpc.main");
    assert_eq!(main.attributes.flag(AttrName::Logging), Tri::Unknown);
}

#[test]
fn a_waf_association_with_a_stage_protects_its_api() {
    let fragment = map(r#"
resource "aws_api_gateway_rest_api" "api" {
  name = "api"
}
resource "aws_api_gateway_stage" "prod" {
  rest_api_id = aws_api_gateway_rest_api.api.id
}
resource "aws_wafv2_web_acl_association" "prod" {
  resource_arn = aws_api_gateway_stage.prod.arn
}
"#);
    let api = element(&fragment, "tf:aws_api_gateway_rest_api.api");
    assert_eq!(api.attributes.flag(AttrName::RateLimited), Tri::Yes);
}

#[test]
fn an_instance_runs_as_the_role_of_its_instance_profile() {
    let fragment = map(r#"
resource "aws_iam_role" "app" {
  name = "app"
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}
resource "aws_iam_instance_profile" "app" {
  role = aws_iam_role.app.name
}
resource "aws_instance" "app" {
  iam_instance_profile = aws_iam_instance_profile.app.name
}
resource "aws_instance" "bare" {}
"#);
    let app = element(&fragment, "tf:aws_instance.app");
    assert_eq!(app.attributes.flag(AttrName::ServiceAccountToken), Tri::Yes);
    let rights = format!(
        "{:?}",
        app.attributes.get(AttrName::ServiceAccountPrivileges)
    );
    assert!(rights.contains("AdministratorAccess"), "{rights}");
    let bare = element(&fragment, "tf:aws_instance.bare");
    assert!(bare.attributes.get(AttrName::ServiceAccountToken).is_none());
}

#[test]
fn an_azure_machine_is_placed_in_the_subnet_of_its_interface() {
    let fragment = map(r#"
resource "azurerm_virtual_network" "main" {}
resource "azurerm_subnet" "app" {
  virtual_network_name = azurerm_virtual_network.main.name
}
resource "azurerm_network_interface" "app" {
  ip_configuration {
    subnet_id = azurerm_subnet.app.id
  }
}
resource "azurerm_linux_virtual_machine" "app" {
  network_interface_ids = [azurerm_network_interface.app.id]
}
"#);
    let app = element(&fragment, "tf:azurerm_linux_virtual_machine.app");
    assert_eq!(app.zone.0, "tf:azurerm_subnet.app");
    let subnet = zone(&fragment, "tf:azurerm_subnet.app");
    assert_eq!(
        subnet.parent.as_ref().unwrap().0,
        "tf:azurerm_virtual_network.main"
    );
    assert_eq!(subnet.name, "subnet azurerm_subnet.app");
}

#[test]
fn an_address_range_firewall_rule_opens_the_port_of_what_it_names() {
    let fragment = map(r#"
resource "azurerm_redis_cache" "sessions" {}
resource "azurerm_redis_firewall_rule" "everyone" {
  redis_cache_name = azurerm_redis_cache.sessions.name
  start_ip         = "0.0.0.0"
  end_ip           = "255.255.255.255"
}
resource "azurerm_mysql_server" "orders" {}
resource "azurerm_mysql_firewall_rule" "azure_only" {
  server_name      = azurerm_mysql_server.orders.name
  start_ip_address = "0.0.0.0"
  end_ip_address   = "0.0.0.0"
}
"#);
    let flows = flow_ids(&fragment);
    assert!(
        flows.iter().any(
            |f| f.starts_with("external:internet -> tf:azurerm_redis_cache.sessions")
                && f.contains("6380")
        ),
        "{flows:?}"
    );
    assert!(
        !flows.iter().any(|f| f.contains("azurerm_mysql_server")),
        "{flows:?}"
    );
}

#[test]
fn an_element_that_stands_for_a_network_places_what_names_it() {
    let fragment = map(r#"
resource "google_compute_network" "main" {}
resource "google_compute_subnetwork" "nodes" {
  network = google_compute_network.main.id
}
resource "google_container_cluster" "main" {
  subnetwork = google_compute_subnetwork.nodes.id
}
resource "google_container_node_pool" "general" {
  cluster = google_container_cluster.main.id
}
resource "google_compute_router" "egress" {
  network = google_compute_network.main.id
}
resource "google_compute_router_nat" "egress" {
  router = google_compute_router.egress.name
}
"#);
    let pool = element(&fragment, "tf:google_container_node_pool.general");
    assert_eq!(pool.zone.0, "tf:google_compute_subnetwork.nodes");
    let nat = element(&fragment, "tf:google_compute_router_nat.egress");
    assert_eq!(nat.zone.0, "tf:google_compute_network.main");
}

#[test]
fn an_endpoint_with_private_addresses_only_is_no_door_whatever_its_group_admits() {
    let fragment = map(r#"
resource "aws_security_group" "open" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_vpc_endpoint" "s3" {
  vpc_id             = "vpc-0123456789abcdef0"
  service_name       = "com.amazonaws.eu-west-1.s3"
  security_group_ids = [aws_security_group.open.id]
}
"#);
    let endpoint = element(&fragment, "tf:aws_vpc_endpoint.s3");
    assert_eq!(endpoint.attributes.flag(AttrName::Public), Tri::No);
    assert!(
        !flow_ids(&fragment)
            .iter()
            .any(|f| f.starts_with("external:internet")),
        "{:?}",
        flow_ids(&fragment)
    );
}

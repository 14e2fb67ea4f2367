#!/usr/bin/env python3
"""How much of the security-relevant Terraform that real code writes trustmap knows.

Counts the `resource "<type>" "<name>"` blocks of every `.tf` and `.tf.json` file under the
corpus folders given (one block is one instance here: `count` and `for_each` are not
expanded), classifies each resource type as security-relevant or not (the `CLASSES` table
below: first matching pattern wins; a type no pattern matches counts as relevant, so that
leaving a type out can only lower the coverage), and reports the share of security-relevant
instances whose type trustmap knows, overall and per cloud, with the uncovered types that
weigh most.

A type is known when trustmap's Terraform catalogs
(`crates/trustmap-terraform/catalog/{aws,azure,google}.yaml`) list it, or when the Terraform
crate's code names it (a string literal outside its test modules; a literal ending in `_`
such as `google_pubsub_topic_iam_` names every type it begins). The script reads only this
repository and the corpus: no network, nothing written.

Usage: python3 benches/resource-coverage.py [--top N] [--types] [--json] CORPUS_DIR...
"""

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CATALOGS = REPO / "crates" / "trustmap-terraform" / "catalog"
CODE = REPO / "crates" / "trustmap-terraform" / "src"

# The clouds trustmap maps, by resource-type prefix. `azuread_` (Entra ID identities) is
# Azure's, although trustmap has no mapping for it yet.
CLOUDS = {"aws_": "aws", "azurerm_": "azure", "azuread_": "azure", "google_": "google"}

# (class, relevant, patterns). The first class with a pattern matching the whole type name
# decides. Relevant: what draws an element (a process, a data store, an entry point), a network
# control (networks, subnets, firewalls, routes, gateways, endpoints, peerings), an identity or
# a right (a grant, a policy, a resource policy, a credential), a secret or a key, and a
# setting resource that decides a finding's fact (encryption, public access, TLS,
# authentication, logging, backups, a WAF). Not relevant: the rest, for the reason its class
# names. Borderline decisions are written next to their patterns.
CLASSES = [
    ("utility (values, not infrastructure)", False, [
        r"(random|null|time|local|tls|template|archive|external|terraform|azurecaf|modtm)_.*",
        r"null_resource|terraform_data",
    ]),
    ("azapi (the ARM type is in a string; counted apart)", False, [r"azapi_.*"]),
    ("another provider", False, [r"(?!aws_|azurerm_|azuread_|google_).*"]),
    # Every IAM grant on anything is a right, before any class its target's name would match.
    ("right or credential", True, [
        r".*_iam_(member|binding|policy|audit_config|custom_role)",
        r".*_role_assignment|.*_role_definition|azurerm_lighthouse_.*|.*_principal_assignment",
        r"aws_iam_(role_|user_|group_)?policy(_attachment)?|aws_iam_(user_)?group_membership",
        r"aws_iam_(access_key|user_login_profile|user_ssh_key|account_password_policy)",
        r"azurerm_key_vault_access_policy|azurerm_.*_active_directory_administrator",
        r"aws_eks_(access_entry|access_policy_association|pod_identity_association)",
        r"aws_lambda_permission|aws_kms_grant|aws_ram_.*|.*_authorization_rule",
        r"aws_.*_(bucket|queue|topic|secret|key|domain|repository|registry|file_system|table"
        r"|cluster|rest_api|vault|event_bus|resource|bucket_policy|table_bucket)_policy",
        r"aws_opensearchserverless_(access|security)_policy|aws_cloudwatch_log_resource_policy",
        r"aws_s3_(bucket_acl|bucket_public_access_block|bucket_ownership_controls"
        r"|account_public_access_block)|google_storage_object_acl|google_bigquery_dataset_access",
        r"google_service_account_key|google_storage_hmac_key|google_apikeys_key",
        r"aws_appsync_api_key|azurerm_container_registry_(token|token_password|scope_map)",
        r"azuread_(application_password|service_principal_password|group_member"
        r"|directory_role_assignment|administrative_unit_member)",
        r"google_privileged_access_manager_.*|google_iam_deny_policy|google_sql_user",
        r"google_alloydb_user|aws_(memorydb|elasticache)_(acl|user|user_group"
        r"|user_group_association)|azurerm_cosmosdb_sql_role_definition",
        r"azurerm_(iothub|iothub_dps)_shared_access_policy",
    ]),
    ("identity", True, [
        r"aws_iam_(role|user|group|instance_profile|service_linked_role"
        r"|openid_connect_provider|saml_provider|virtual_mfa_device)",
        r"google_service_account|azurerm_user_assigned_identity",
        r"azuread_(application|service_principal|user|group|administrative_unit|directory_role)",
        r"google_iam_(workload_identity_pool|workforce_pool)(_provider)?(_scim_tenant)?",
        r"aws_rolesanywhere_.*|aws_cognito_user_pool|aws_eks_identity_provider_config",
        r"google_cloud_identity_group(_membership)?|google_iap_(brand|client|settings)",
        r"aws_directory_service_directory|azurerm_active_directory_domain_service"
        r"(_replica_set)?|azurerm_aadb2c_directory",
    ]),
    # A key vault's secrets, keys and certificates, and a secret's versions, are parts of the
    # store that holds them: the vault or secret carries the facts (network access, purge
    # protection, policy). AWS and Google secrets are stores of their own.
    ("part of a data store whose facts its store carries", False, [
        r"azurerm_key_vault_(secret|key|certificate|certificate_contacts|certificate_issuer)",
        r"aws_secretsmanager_secret_version|google_secret_manager_(regional_)?secret_version",
        r"aws_(s3_object|s3_bucket_object|dynamodb_table_item|msk_topic|s3tables_(namespace"
        r"|table)|s3vectors_index|efs_access_point|cognito_user_pool_(client|domain))",
        r"azurerm_storage_(blob|queue|share|share_file|share_directory|table|encryption_scope"
        r"|data_lake_gen2_path|data_lake_gen2_filesystem)",
        r"azurerm_cosmosdb_(sql|mongo|gremlin|cassandra|table)_.*|azurerm_cosmosdb_table",
        r"azurerm_servicebus_(queue|topic|subscription|subscription_rule)",
        r"azurerm_eventhub|azurerm_eventhub_consumer_group|azurerm_relay_hybrid_connection",
        r"azurerm_(mssql|sql|postgresql|mysql|mariadb)_database|azurerm_mssql_managed_database",
        r"azurerm_(postgresql_flexible_server_database|mysql_flexible_database"
        r"|postgresql_flexible_server_virtual_endpoint|web_pubsub_hub"
        r"|kusto_database|synapse_(sql|spark)_pool|eventgrid_domain_topic"
        r"|iothub_consumer_group|virtual_desktop_workspace)",
        # Copies of a volume, members of a cluster or group, and parts of an appliance or an
        # API whose element carries what decides a finding.
        r"aws_(ebs_snapshot(_copy)?|emr_instance_(group|fleet)|fsx_ontap_(volume"
        r"|storage_virtual_machine)|fsx_openzfs_volume|opensearchserverless_collection_group"
        r"|elasticache_global_replication_group|rds_global_cluster|rds_cluster_endpoint"
        r"|dsql_cluster_peering)|azurerm_(snapshot|vmware_cluster|netapp_pool"
        r"|logic_app_integration_account|database_migration_project)",
        r"google_(compute_snapshot|compute_router_interface|compute_network_endpoint"
        r"|compute_region_network_endpoint|compute_global_network_endpoint"
        r"|network_connectivity_group|apigee_(environment|envgroup|envgroup_attachment"
        r"|instance_attachment|addons_config)|api_gateway_(api|api_config)"
        r"|managed_kafka_connector|tpu_v2_queued_resource|vmwareengine_cluster)",
        r"google_(storage_bucket_object|bigquery_table|bigquery_routine|sql_database"
        r"|spanner_database|bigtable_table|firestore_(document|index|field)"
        r"|pubsub_subscription|pubsub_schema|managed_kafka_topic|alloydb_instance"
        r"|biglake_(database|table)|storage_managed_folder)",
    ]),
    ("secret or key", True, [
        r"aws_(kms_(key|replica_key|external_key|replica_external_key)|secretsmanager_secret"
        r"|ssm_parameter|acmpca_certificate_authority)",
        r"azurerm_key_vault|azurerm_key_vault_managed_hardware_security_module"
        r"|azurerm_disk_encryption_set|azurerm_(storage_account|kusto_cluster)"
        r"_customer_managed_key|azurerm_app_configuration",
        r"google_kms_(crypto_key|key_handle)|google_secret_manager_(regional_)?secret"
        r"|google_privateca_(ca_pool|certificate_authority)",
    ]),
    ("tag", False, [r".*_tags?|google_tags_.*|aws_ec2_tag|.*_tag_binding"]),
    # An address is reachable only through the resource that carries it (an interface, a
    # forwarding rule, a gateway), and that resource decides exposure.
    ("address (its carrier decides exposure)", False, [
        r"aws_eip(_association)?|azurerm_public_ip(_prefix)?|google_compute_(global_)?address",
        r"azurerm_nat_gateway_public_ip_association|google_apigee_nat_address",
    ]),
    ("account, grouping or placement metadata", False, [
        r"azurerm_(resource_group|management_group|subscription|management_lock"
        r"|management_group_subscription_association|resource_provider_registration"
        r"|maintenance_.*|proximity_placement_group|availability_set|dedicated_host(_group)?"
        r"|dev_test_global_vm_shutdown_schedule|consumption_budget_.*|portal_dashboard)",
        # Templates deploy ARM types named in a string, as azapi does.
        r"azurerm_(resource_group|subscription|management_group|tenant)_template_deployment",
        r"google_(project|folder|project_service|(project|folder|organization)_service_identity"
        r"|resource_manager_lien|essential_contacts_contact|billing_budget|billing_project_info"
        r"|service_usage_consumer_quota_override|cloud_quotas_.*"
        r"|compute_project_default_network_tier|project_usage_export_bucket"
        r"|compute_project_metadata(_item)?|compute_resource_policy|kms_key_ring"
        r"|compute_(region_)?disk_resource_policy_attachment|compute_node_template"
        r"|compute_node_group|assured_workloads_workload|compute_project_cloud_armor_tier"
        r"|project_default_service_accounts)",
        # Groupings of what runs in them, and the attachment of projects to a Shared VPC host.
        r"aws_(ecs_cluster|emrcontainers_virtual_cluster)|azurerm_netapp_account"
        r"|google_apigee_organization|google_compute_shared_vpc_(host|service)_project",
        r"aws_(iam_account_alias|placement_group|ec2_capacity_reservation|organizations_account"
        r"|organizations_organizational_unit|organizations_organization|budgets_.*"
        r"|servicequotas_.*|account_.*|ec2_managed_prefix_list|vpc_ipam.*"
        r"|vpc_ipv4_cidr_block_association|vpc_dhcp_options(_association)?|key_pair"
        r"|ami(_copy|_from_instance)?|ec2_fleet|spot_fleet_request)",
    ]),
    ("governance or posture service (constrains or audits what is deployed)", False, [
        r"azurerm_policy_.*|azurerm_.*_policy_assignment|google_org_policy_.*",
        r"google_access_context_manager_.*|aws_organizations_policy.*",
        r"google_binary_authorization_.*|azurerm_security_center_.*|google_scc_.*",
        r"google_data_loss_prevention_.*|aws_(securityhub|guardduty|config|inspector2?"
        r"|macie2?)_.*|azurerm_iot_security_.*|google_kms_autokey_config",
        r"google_network_security_(security_profile|security_profile_group"
        r"|tls_inspection_policy)",
    ]),
    ("DNS and service discovery", False, [
        r".*_dns_.*|aws_route53_.*|google_dns_.*|azurerm_(private_)?dns_zone|.*_dns_zone",
        # Name-based routing and discovery: what the names lead to is decided elsewhere.
        r"azurerm_traffic_manager_.*|google_service_directory_(?!.*_iam_).*",
    ]),
    # Log destinations hold what others send: logging findings are decided where logs are
    # sent from (flow logs, diagnostic settings, access logs), which are relevant.
    ("monitoring, alerting or a log destination", False, [
        r".*_(metric_)?alarm|.*_alert(_policy|_rule.*)?|.*_dashboard|.*_action_group",
        r".*notification_channel|.*_web_test|azurerm_application_insights.*",
        r"google_monitoring_.*|azurerm_monitor_(?!diagnostic_setting).*",
        r"aws_cloudwatch_(log_group|log_stream|log_metric_filter|log_anomaly_detector"
        r"|query_definition|metric_stream|log_delivery.*|log_subscription_filter"
        r"|log_data_protection_policy|log_account_policy|event_.*)",
        r"azurerm_log_analytics_.*|google_logging_(?!.*_iam_).*|azurerm_sentinel_.*",
        r"google_chronicle_.*|azurerm_mssql_server_(security_alert_policy"
        r"|vulnerability_assessment)|azurerm_network_watcher",
        r"aws_s3_bucket_(metric|inventory|analytics_configuration|notification"
        r"|metadata_configuration)|google_storage_notification|google_cloud_asset_.*",
        r"aws_cloudfront_monitoring_subscription|aws_apprunner_observability_configuration",
        r"google_container_analysis_note|aws_schemas_discoverer",
        r"aws_(wafv2_web_acl|networkfirewall)_logging_configuration|aws_rds_cluster_activity_stream",
        r"google_compute_packet_mirroring|google_network_security_mirroring_.*",
    ]),
    # Lists that rules and policies refer to: the rule or policy that uses one is relevant.
    ("address or pattern list used by a rule", False, [
        r"aws_wafv2_(ip_set|regex_pattern_set)|azurerm_ip_group",
        r"google_network_security_(address_group|url_lists)",
    ]),
    ("operations (scaling, schedules, backups, parameters, deployment plumbing)", False, [
        r"aws_appautoscaling_.*|aws_autoscaling_(policy|schedule|lifecycle_hook|notification)",
        r"aws_lambda_(alias|provisioned_concurrency_config|function_event_invoke_config"
        r"|function_recursion_config|layer_version|code_signing_config|event_source_mapping)",
        r"aws_(kms_alias|db_parameter_group|db_option_group|rds_cluster_parameter_group"
        r"|elasticache_parameter_group|memorydb_parameter_group|redshift_parameter_group"
        r"|.*_scheduled_action|redshift_usage_limit|redshift_snapshot_.*|neptune_.*_snapshot"
        r"|fsx_.*_snapshot|fsx_backup|ecs_capacity_provider|ecs_cluster_capacity_providers)",
        r"aws_s3_bucket_(lifecycle_configuration|intelligent_tiering_configuration"
        r"|accelerate_configuration|request_payment_configuration|cors_configuration)",
        r"aws_ecr_(lifecycle_policy|replication_configuration|registry_scanning_configuration"
        r"|pull_through_cache_rule|repository_creation_template)",
        r"aws_(emr_managed_scaling_policy|batch_scheduling_policy"
        r"|apprunner_auto_scaling_configuration_version|msk_configuration"
        r"|mskconnect_worker_configuration|mskconnect_custom_plugin"
        r"|db_instance_automated_backups_replication|volume_attachment|lb_target_group"
        r"|lb_listener_certificate|acm_certificate.*|signer_.*|opensearch_package_association"
        r"|opensearchserverless_lifecycle_policy|efs_backup_policy|efs_replication_configuration"
        r"|backup_(plan|selection|vault_notifications|vault_lock_configuration)"
        r"|ssm_(activation|document|association|maintenance_window.*)"
        r"|secretsmanager_secret_rotation|sqs_queue_redrive_.*|sns_topic_subscription"
        r"|sns_topic_data_protection_policy|service_discovery_.*)",
        r"aws_cloudfront_(cache_policy|origin_request_policy|response_headers_policy|function"
        r"|connection_function)",
        # API plumbing: deployments, mappings, domains, responses. Routes, methods,
        # integrations and authorizers decide doors and stay relevant.
        r"aws_apigatewayv2_(deployment|api_mapping|domain_name|route_response"
        r"|integration_response|model)",
        r"aws_api_gateway_(deployment|base_path_mapping|domain_name|model|method_response"
        r"|integration_response|gateway_response|usage_plan.*|documentation_.*"
        r"|request_validator|account)",
        r"aws_appsync_(resolver|function|domain_name.*|api_cache|datasource)",
        r"aws_(apprunner_custom_domain_association|cloudwatch_event_.*|scheduler_.*"
        r"|rds_cluster_role_association|db_instance_role_association|redshift_cluster_iam_roles"
        r"|eks_addon|glue_(schema|registry)|fsx_data_repository_association|ecs_task_set"
        r"|lb_trust_store_revocation|codedeploy_.*|codestarnotifications_.*"
        r"|rds_shard_group|eks_capability|lb_target_group_attachment"
        r"|s3_bucket_object_lock_configuration|lb_trust_store|cloudfront_trust_store)",
        r"azurerm_(virtual_machine(_scale_set)?_extension|virtual_machine_data_disk_attachment"
        r"|virtual_machine_run_command|backup_(policy|protected)_.*|site_recovery_.*"
        r"|data_protection_backup_(policy|instance)_.*|shared_image.*|gallery_.*"
        r"|app_service_plan|service_plan|app_service_custom_hostname_binding"
        r"|static_site_custom_domain|backup_container_storage_account)",
        r"azurerm_(postgresql|mysql|mariadb|postgresql_flexible_server"
        r"|mysql_flexible_server)_configuration",
        r"azurerm_api_management_(api_version_set|api_operation_tag|product.*|group|user"
        r"|named_value|logger|diagnostic|api_diagnostic|custom_domain|certificate"
        r"|gateway_api|api_operation|api_schema|backend|api_operation_policy|subscription)",
        r"azurerm_(automation_schedule|automation_runbook|logic_app_trigger_recurrence"
        r"|storage_management_policy|lb_probe|lb_backend_address_pool(_address)?"
        r"|cdn_frontdoor_(origin_group|rule_set|rule|custom_domain.*|secret)"
        r"|frontdoor_rules_engine|frontdoor_custom_https_configuration"
        r"|container_app_environment_certificate|container_app_environment_dapr_component"
        r"|container_registry_task.*|mssql_elasticpool|sql_failover_group|load_test"
        r"|machine_learning_compute_.*|cognitive_deployment|container_app_environment_storage)",
        r"azurerm_(data_factory_(trigger_.*|pipeline|dataset_.*|linked_service_.*)"
        r"|kusto_(attached_database_configuration|.*_data_connection"
        r"|database_principal_assignment)|eventgrid_.*subscription|digital_twins_endpoint_.*"
        r"|iothub_certificate|iothub_dps_certificate|batch_(application|certificate|job)"
        r"|virtual_desktop_(application|application_group"
        r"|workspace_application_group_association|host_pool_registration_info))",
        r"google_compute_(health_check|region_health_check|http_health_check"
        r"|https_health_check|autoscaler|region_autoscaler|per_instance_config"
        r"|region_per_instance_config|ssl_certificate|region_ssl_certificate"
        r"|managed_ssl_certificate|ssl_policy|snapshot|image|machine_image"
        r"|instance_group_membership)",
        r"google_(certificate_manager_.*|gke_backup_.*|gke_hub_(feature|feature_membership"
        r"|membership|scope)|cloud_scheduler_job|bigtable_gc_policy|firestore_backup_schedule"
        r"|bigquery_(reservation.*|data_transfer_config)|backup_dr_(backup_plan.*"
        r"|management_server)|dataplex_(?!.*_iam_).*|data_catalog_(?!.*_iam_).*"
        r"|clouddeploy_(?!.*_iam_).*|secure_source_manager_branch_rule"
        r"|discovery_engine_(schema|sitemap|target_site)|vertex_ai_.*|dialogflow_.*"
        r"|spanner_instance_config|kms_key_ring_import_job|service_networking_peered_dns_domain)",
    ]),
]
COMPILED = [
    (re.compile("(?:" + "|".join(patterns) + r")\Z"), relevant, label)
    for label, relevant, patterns in CLASSES
]

# Types the Terraform crate reads through the references of another resource without
# naming them (`google.rs`, `load_balancers`: forwarding rule -> target proxy -> URL map ->
# backend service -> backend group; serverless network endpoint groups by their
# `cloud_run`/`cloud_function` blocks).
READ_THROUGH = {
    "google_compute_target_tcp_proxy", "google_compute_region_target_http_proxy",
    "google_compute_region_target_https_proxy", "google_compute_region_target_tcp_proxy",
    "google_compute_target_instance", "google_compute_url_map", "google_compute_region_url_map",
    "google_compute_backend_service", "google_compute_region_backend_service",
    "google_compute_region_network_endpoint_group",
}


def classify(kind):
    """(relevant, class) of a resource type."""
    for pattern, relevant, label in COMPILED:
        if pattern.match(kind):
            return relevant, label
    return True, "unclassified (counted as relevant)"


def cloud_of(kind):
    for prefix, cloud in CLOUDS.items():
        if kind.startswith(prefix):
            return cloud
    return None


RESOURCE = re.compile(r'^\s*resource\s+"([A-Za-z0-9_-]+)"\s+"', re.MULTILINE)


def count_blocks(corpus):
    """Counter of type -> blocks, and the number of files read."""
    counts = Counter()
    files = 0
    for root in corpus:
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", ".terraform")]
            for name in names:
                path = os.path.join(folder, name)
                if name.endswith(".tf"):
                    try:
                        with open(path, encoding="utf-8", errors="replace") as f:
                            text = f.read()
                    except OSError:
                        continue
                    files += 1
                    counts.update(RESOURCE.findall(text))
                elif name.endswith(".tf.json"):
                    try:
                        with open(path, encoding="utf-8") as f:
                            document = json.load(f)
                    except (OSError, ValueError):
                        continue
                    files += 1
                    for kind, n in json_blocks(document):
                        counts[kind] += n
    return counts, files


def json_blocks(document):
    """(type, blocks) of a `.tf.json` document's `resource` object (or list of objects)."""
    if not isinstance(document, dict):
        return
    resources = document.get("resource", {})
    for part in resources if isinstance(resources, list) else [resources]:
        if isinstance(part, dict):
            for kind, named in part.items():
                yield kind, len(named) if isinstance(named, (dict, list)) else 1


def known_types():
    """The types trustmap's catalogs list, and the types (or prefixes) its code names."""
    exact, prefixes = set(), set()
    for catalog in sorted(CATALOGS.glob("*.yaml")):
        for line in catalog.read_text(encoding="utf-8").splitlines():
            match = re.match(r"([a-z][a-z0-9_]*):", line)
            if match:
                exact.add(match.group(1))
    literal = re.compile(r'"((?:aws|azurerm|azuread|google)_[a-z0-9_]+)"')
    for source in sorted(CODE.rglob("*.rs")):
        text = source.read_text(encoding="utf-8")
        text = text.split("#[cfg(test)]", 1)[0]
        for name in literal.findall(text):
            (prefixes if name.endswith("_") else exact).add(name)
    return exact, prefixes


def is_known(kind, exact, prefixes):
    return kind in exact or kind in READ_THROUGH or any(kind.startswith(p) for p in prefixes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="+", help="folders of Terraform to count")
    parser.add_argument("--top", type=int, default=15, help="uncovered types to list")
    parser.add_argument("--types", action="store_true", help="list every type and its class")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    for root in args.corpus:
        if not os.path.isdir(root):
            sys.exit(f"{root}: not a folder")

    counts, files = count_blocks(args.corpus)
    exact, prefixes = known_types()
    rows = []
    for kind, n in counts.items():
        relevant, label = classify(kind)
        rows.append({
            "type": kind,
            "blocks": n,
            "cloud": cloud_of(kind),
            "relevant": relevant,
            "class": label,
            "known": is_known(kind, exact, prefixes),
        })
    rows.sort(key=lambda r: (-r["blocks"], r["type"]))

    def share(selected):
        relevant = [r for r in selected if r["relevant"]]
        total = sum(r["blocks"] for r in relevant)
        known = sum(r["blocks"] for r in relevant if r["known"])
        return {
            "types": len(relevant),
            "blocks": total,
            "known_blocks": known,
            "known_types": sum(1 for r in relevant if r["known"]),
            "coverage": round(100.0 * known / total, 1) if total else None,
        }

    clouds = [r for r in rows if r["cloud"]]
    figures = {
        "files": files,
        "blocks": sum(counts.values()),
        "types": len(counts),
        "cloud_blocks": sum(r["blocks"] for r in clouds),
        "azapi_blocks": sum(r["blocks"] for r in rows if r["type"].startswith("azapi_")),
        "overall": share(clouds),
        "per_cloud": {c: share([r for r in clouds if r["cloud"] == c])
                      for c in ("aws", "azure", "google")},
        "not_relevant": dict(Counter(
            r["class"] for r in rows for _ in range(r["blocks"]) if not r["relevant"]
        ).most_common()),
        "uncovered": [r for r in clouds if r["relevant"] and not r["known"]][: args.top],
    }
    if args.types:
        figures["rows"] = rows
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        print()
        return
    print(f"corpus: {files} files, {figures['blocks']} resource blocks of {figures['types']} "
          f"types ({figures['cloud_blocks']} of aws/azurerm/azuread/google; "
          f"{figures['azapi_blocks']} azapi, not counted)")
    for name, s in [("overall", figures["overall"]), *figures["per_cloud"].items()]:
        print(f"{name:8} relevant blocks {s['blocks']:5}  known {s['known_blocks']:5}  "
              f"coverage {s['coverage']}%  (relevant types {s['types']}, known "
              f"{s['known_types']})")
    print("not relevant, by class:")
    for label, n in figures["not_relevant"].items():
        print(f"  {n:5}  {label}")
    print(f"top {args.top} uncovered relevant types:")
    for r in figures["uncovered"]:
        print(f"  {r['blocks']:5}  {r['type']}  ({r['class']})")
    if args.types:
        print("every type:")
        for r in rows:
            mark = "known" if r["known"] else "-"
            relevance = "relevant" if r["relevant"] else "not"
            print(f"  {r['blocks']:5}  {r['type']:60} {relevance:8} {mark:5} {r['class']}")


if __name__ == "__main__":
    main()

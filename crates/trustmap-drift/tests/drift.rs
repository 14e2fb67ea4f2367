//! Drift on small hand-built models: a compose-like project with a web service in a front
//! network, a database and a cache in a back network of higher trust.
//!
//! Each test builds the baseline and today's model with `Model::build`, takes their snapshots
//! and compares them. SARIF is checked against the official 2.1.0 schema (a copy sits beside
//! this file).

use serde_json::Value;
use trustmap_drift::{
    ChangeKind, DRIFT_FINGERPRINT_KEY, Drift, SubjectKind, compare, json, markdown, sarif, text,
};
use trustmap_model::{
    AttrName, Attributes, Element, ElementKind, Flow, Fragment, INTERNET_ELEMENT, Model, Snapshot,
    Span, Tri, TrustLevel, Zone, ZoneId, ZoneKind,
};
use trustmap_testkit::model;

const FILE: &str = "deploy/compose.yaml";
const WEB: &str = "compose:shop/service/web";
const DB: &str = "compose:shop/service/db";
const CACHE: &str = "compose:shop/service/cache";

fn span(line: u32) -> Span {
    trustmap_testkit::model::span(FILE, (line, 5), (line, 20))
}

fn zone(id: &str, name: &str, trust: TrustLevel, line: u32) -> Zone {
    let mut attributes = Attributes::default();
    attributes.set_flag(
        AttrName::Internal,
        Tri::from_bool(trust == TrustLevel::High),
        Some(span(line)),
    );
    Zone {
        span: Some(span(line)),
        attributes,
        ..model::zone(id, name, ZoneKind::Network, Some("host"), trust)
    }
}

fn element(id: &str, name: &str, kind: ElementKind, zone: &str, line: u32) -> Element {
    model::element(id, name, kind, zone, Some(span(line)))
}

fn flow(source: &str, target: &str, protocol: &str, port: &str, line: u32) -> Flow {
    model::flow(
        source,
        target,
        Some(protocol),
        &[port],
        "environment",
        Some(span(line)),
    )
}

/// The reviewed project, every line moved down by `shift`.
fn project(shift: u32) -> Fragment {
    let at = |line: u32| line + shift;
    let host = Zone {
        parent: Some(ZoneId::internet()),
        ..model::zone(
            "host",
            "Docker host",
            ZoneKind::Host,
            None,
            TrustLevel::Privileged,
        )
    };
    let mut web = element(WEB, "web", ElementKind::Process, "front", at(3));
    web.attributes
        .set_flag(AttrName::Privileged, Tri::Yes, Some(span(at(5))));
    web.attributes.push_item(
        AttrName::CapabilitiesAdded,
        "NET_BIND_SERVICE",
        Some(span(at(6))),
    );
    web.attributes
        .set_text(AttrName::Image, "shop/web:1.0", Some(span(at(4))));
    let mut db = element(DB, "db", ElementKind::DataStore, "back", at(20));
    db.attributes
        .set_flag(AttrName::Authenticated, Tri::Yes, Some(span(at(22))));
    let cache = element(CACHE, "cache", ElementKind::Process, "back", at(30));
    let mut to_db = flow(WEB, DB, "postgres", "5432", at(8));
    to_db
        .attributes
        .set_flag(AttrName::EncryptedInTransit, Tri::Yes, Some(span(at(9))));
    let to_cache = flow(WEB, CACHE, "redis", "6379", at(10));
    Fragment {
        zones: vec![
            host,
            zone("front", "front", TrustLevel::Medium, at(40)),
            zone("back", "back", TrustLevel::High, at(42)),
        ],
        elements: vec![web, db, cache],
        flows: vec![to_db, to_cache],
        diagnostics: vec![],
    }
}

fn snapshot(fragment: Fragment) -> Snapshot {
    Snapshot::of(&Model::build(vec![fragment]))
}

fn element_mut<'f>(fragment: &'f mut Fragment, id: &str) -> &'f mut Element {
    fragment
        .elements
        .iter_mut()
        .find(|e| e.id.0 == id)
        .expect("the fixture has it")
}

fn flow_mut<'f>(fragment: &'f mut Fragment, target: &str) -> &'f mut Flow {
    fragment
        .flows
        .iter_mut()
        .find(|f| f.target.0 == target)
        .expect("the fixture has it")
}

/// The drift from the reviewed project to the project as `change` leaves it.
fn drift_after(change: impl FnOnce(&mut Fragment)) -> Drift {
    let mut current = project(0);
    change(&mut current);
    compare(&snapshot(project(0)), &snapshot(current))
}

fn kinds(drift: &Drift) -> Vec<(ChangeKind, &str, bool)> {
    drift
        .changes()
        .iter()
        .map(|c| (c.kind, c.subject.id.as_str(), c.weakens))
        .collect()
}

fn published(line: u32) -> Flow {
    flow(INTERNET_ELEMENT, WEB, "http", "80", line)
}

#[test]
fn a_new_published_flow_from_the_internet_is_a_new_entry_point() {
    let door = published(12);
    let id = door.id.0.clone();
    let drift = drift_after(|f| f.flows.push(door));
    // One change: the door is told on the flow, not again on the element it opens.
    assert_eq!(
        kinds(&drift),
        [(ChangeKind::NewEntryPoint, id.as_str(), true)]
    );
    assert!(drift.weakened());
    let change = &drift.changes()[0];
    assert_eq!(change.subject.kind, SubjectKind::Flow);
    assert_eq!(change.span, Some(span(12)));
    assert_eq!(
        change.message,
        "new flow from the internet: Internet user -> web (http/80)"
    );
}

#[test]
fn a_flow_from_the_internet_made_public_opens_its_target() {
    let closed = |line: u32| {
        let mut door = published(12);
        door.attributes
            .set_flag(AttrName::Public, Tri::No, Some(span(line)));
        door
    };
    let mut baseline = project(0);
    baseline.flows.push(closed(13));
    let mut current = project(0);
    let mut door = closed(13);
    door.attributes
        .set_flag(AttrName::Public, Tri::Yes, Some(span(14)));
    current.flows.push(door.clone());
    let drift = compare(&snapshot(baseline), &snapshot(current));
    assert_eq!(
        kinds(&drift),
        [
            (ChangeKind::NewEntryPoint, WEB, true),
            (ChangeKind::WeakenedAttribute, door.id.0.as_str(), true),
        ]
    );
    let opened = &drift.changes()[0];
    assert_eq!(
        (opened.before, opened.after),
        (Some(Tri::No), Some(Tri::Yes))
    );
    assert_eq!(opened.span, Some(span(14)), "the line that made it public");
    assert_eq!(
        opened.message,
        "web: now takes connections from the internet (exposure went from no to yes)"
    );
}

#[test]
fn an_element_reached_through_a_forwarder_is_a_new_entry_point() {
    const INGRESS: &str = "compose:shop/service/ingress";
    let with_ingress = |f: &mut Fragment| {
        let mut ingress = element(INGRESS, "ingress", ElementKind::Process, "front", 45);
        ingress
            .attributes
            .set_flag(AttrName::Forwards, Tri::Yes, Some(span(46)));
        f.elements.push(ingress);
        f.flows
            .push(flow(INTERNET_ELEMENT, INGRESS, "https", "443", 47));
    };
    let mut baseline = project(0);
    with_ingress(&mut baseline);
    let mut current = project(0);
    with_ingress(&mut current);
    let route = flow(INGRESS, WEB, "http", "80", 48);
    current.flows.push(route.clone());
    let drift = compare(&snapshot(baseline), &snapshot(current));
    assert_eq!(
        kinds(&drift),
        [
            (ChangeKind::NewEntryPoint, WEB, true),
            (ChangeKind::FlowAdded, route.id.0.as_str(), false),
        ]
    );
    let opened = &drift.changes()[0];
    assert_eq!(
        opened.span,
        Some(span(3)),
        "no flow from the internet into it: the element"
    );
    assert_eq!(
        (opened.before, opened.after),
        (Some(Tri::No), Some(Tri::Yes))
    );
}

#[test]
fn encryption_turned_off_weakens_with_the_current_span() {
    let drift = drift_after(|f| {
        flow_mut(f, DB)
            .attributes
            .set_flag(AttrName::EncryptedInTransit, Tri::No, Some(span(11)));
    });
    assert_eq!(drift.changes().len(), 1, "{drift:#?}");
    let change = &drift.changes()[0];
    assert_eq!(change.kind, ChangeKind::WeakenedAttribute);
    assert_eq!(change.subject.kind, SubjectKind::Flow);
    assert_eq!(change.attribute, Some(AttrName::EncryptedInTransit));
    assert_eq!(
        (change.before, change.after),
        (Some(Tri::Yes), Some(Tri::No))
    );
    assert_eq!(
        change.span,
        Some(span(11)),
        "today's line, not the baseline's 9"
    );
    assert_eq!(
        change.message,
        "web -> db (postgres/5432): encrypted_in_transit went from yes to no"
    );
    assert!(change.weakens && drift.weakened());
}

#[test]
fn a_protection_no_longer_stated_weakens_and_points_at_its_subject() {
    let drift = drift_after(|f| {
        element_mut(f, DB)
            .attributes
            .remove(AttrName::Authenticated);
    });
    let change = &drift.changes()[0];
    assert_eq!(kinds(&drift), [(ChangeKind::WeakenedAttribute, DB, true)]);
    assert_eq!(
        change.message,
        "db: authenticated went from yes to not stated"
    );
    assert_eq!((change.before, change.after), (Some(Tri::Yes), None));
    assert_eq!(
        change.span,
        Some(span(20)),
        "the element: the attribute is gone"
    );
}

#[test]
fn a_new_capability_weakens_and_names_the_item() {
    let drift = drift_after(|f| {
        let web = element_mut(f, WEB);
        web.attributes
            .push_item(AttrName::CapabilitiesAdded, "SYS_ADMIN", Some(span(7)));
        web.attributes
            .push_item(AttrName::CapabilitiesAdded, "NET_ADMIN", Some(span(8)));
    });
    assert_eq!(kinds(&drift), [(ChangeKind::WeakenedAttribute, WEB, true)]);
    let change = &drift.changes()[0];
    assert_eq!(change.attribute, Some(AttrName::CapabilitiesAdded));
    assert_eq!(change.items, ["NET_ADMIN", "SYS_ADMIN"]);
    assert_eq!(
        change.message,
        "web: capabilities_added gained NET_ADMIN, SYS_ADMIN"
    );
    assert_eq!(change.span, Some(span(7)), "the first new item's line");
}

#[test]
fn a_capability_dropped_strengthens() {
    let drift = drift_after(|f| {
        element_mut(f, WEB)
            .attributes
            .remove(AttrName::CapabilitiesAdded);
        element_mut(f, WEB)
            .attributes
            .set_empty_list(AttrName::CapabilitiesAdded);
    });
    assert_eq!(
        kinds(&drift),
        [(ChangeKind::StrengthenedAttribute, WEB, false)]
    );
    assert_eq!(
        drift.changes()[0].message,
        "web: capabilities_added lost NET_BIND_SERVICE"
    );
}

#[test]
fn privileged_turned_off_strengthens_and_does_not_weaken() {
    let drift = drift_after(|f| {
        element_mut(f, WEB)
            .attributes
            .set_flag(AttrName::Privileged, Tri::No, Some(span(5)));
    });
    assert_eq!(
        kinds(&drift),
        [(ChangeKind::StrengthenedAttribute, WEB, false)]
    );
    assert!(!drift.weakened());
    assert_eq!(
        drift.changes()[0].message,
        "web: privileged went from yes to no"
    );
}

#[test]
fn unknown_is_between_safe_and_dangerous_and_neutral_attributes_never_count() {
    let drift = drift_after(|f| {
        let web = element_mut(f, WEB);
        // Dangerous flag from not stated to yes, safe flag from not stated to no: both weaken.
        web.attributes
            .set_flag(AttrName::HostNetwork, Tri::Yes, Some(span(15)));
        web.attributes
            .set_flag(AttrName::ReadOnlyRootFilesystem, Tri::No, Some(span(16)));
        // Dangerous flag from yes to unknown: stronger than yes.
        web.attributes
            .set_flag(AttrName::Privileged, Tri::Unknown, Some(span(5)));
        // Neutral: an image and networks.
        web.attributes
            .set_text(AttrName::Image, "shop/web:2.0", Some(span(4)));
        web.attributes
            .push_item(AttrName::Networks, "front", Some(span(17)));
    });
    let attributes: Vec<(ChangeKind, Option<AttrName>)> = drift
        .changes()
        .iter()
        .map(|c| (c.kind, c.attribute))
        .collect();
    assert_eq!(
        attributes,
        [
            (ChangeKind::WeakenedAttribute, Some(AttrName::HostNetwork)),
            (
                ChangeKind::WeakenedAttribute,
                Some(AttrName::ReadOnlyRootFilesystem)
            ),
            (
                ChangeKind::StrengthenedAttribute,
                Some(AttrName::Privileged)
            ),
        ]
    );
}

#[test]
fn a_network_no_longer_internal_weakens_the_zone() {
    let drift = drift_after(|f| {
        let back = f.zones.iter_mut().find(|z| z.id.0 == "back").expect("back");
        back.attributes
            .set_flag(AttrName::Internal, Tri::No, Some(span(43)));
    });
    assert_eq!(
        kinds(&drift),
        [(ChangeKind::WeakenedAttribute, "back", true)]
    );
    assert_eq!(drift.changes()[0].subject.kind, SubjectKind::Zone);
    assert_eq!(drift.changes()[0].span, Some(span(43)));
}

#[test]
fn moving_lines_changes_nothing() {
    let baseline = snapshot(project(0));
    let moved = snapshot(project(7));
    assert_ne!(baseline, moved, "the spans differ");
    let drift = compare(&baseline, &moved);
    assert!(drift.is_empty(), "{drift:#?}");
    assert!(!drift.weakened());
    assert_eq!(text(&drift), "no drift: the model matches the baseline\n");
    assert_eq!(
        sarif(&drift, "0.1.0"),
        sarif(&compare(&baseline, &baseline), "0.1.0")
    );
}

#[test]
fn a_removed_element_is_told_with_its_baseline_span() {
    let drift = drift_after(|f| {
        f.elements.retain(|e| e.id.0 != CACHE);
        f.flows.retain(|fl| fl.target.0 != CACHE);
    });
    assert_eq!(
        kinds(&drift),
        [
            (ChangeKind::ElementRemoved, CACHE, false),
            (
                ChangeKind::FlowRemoved,
                "compose:shop/service/web -> compose:shop/service/cache (redis/6379)",
                false
            ),
        ]
    );
    assert_eq!(drift.changes()[0].span, Some(span(30)));
    assert_eq!(drift.changes()[0].message, "process cache was removed");
    assert_eq!(drift.changes()[1].span, Some(span(10)));
    assert!(!drift.weakened());
}

#[test]
fn flows_into_higher_trust_weaken_and_other_new_flows_do_not() {
    // The cache moves from the back network into the front one: web -> cache no longer
    // crosses anything. Then a new flow from the cache to the database crosses into back.
    let drift = drift_after(|f| {
        element_mut(f, CACHE).zone = ZoneId("front".into());
        f.flows.push(flow(CACHE, DB, "postgres", "5432", 33));
        f.elements.push(element(
            "compose:shop/service/worker",
            "worker",
            ElementKind::Process,
            "front",
            35,
        ));
        f.flows.push(flow(
            "compose:shop/service/worker",
            CACHE,
            "redis",
            "6379",
            36,
        ));
    });
    assert_eq!(
        kinds(&drift),
        [
            (
                ChangeKind::NewBoundaryCrossing,
                "compose:shop/service/cache -> compose:shop/service/db (postgres/5432)",
                true
            ),
            (
                ChangeKind::ElementAdded,
                "compose:shop/service/worker",
                false
            ),
            (
                ChangeKind::FlowAdded,
                "compose:shop/service/worker -> compose:shop/service/cache (redis/6379)",
                false
            ),
        ]
    );
    assert_eq!(
        drift.changes()[0].message,
        "new flow cache -> db (postgres/5432) crosses the boundaries of front and back into a zone \
         of higher trust"
    );
    assert_eq!(
        drift.changes()[0].items,
        ["front", "back"],
        "zone ids, in crossing order"
    );

    // Back the other way: web -> cache now crosses into back, which it did not.
    let mut baseline = project(0);
    element_mut(&mut baseline, CACHE).zone = ZoneId("front".into());
    let drift = compare(&snapshot(baseline), &snapshot(project(0)));
    assert_eq!(
        kinds(&drift),
        [(
            ChangeKind::NewBoundaryCrossing,
            "compose:shop/service/web -> compose:shop/service/cache (redis/6379)",
            true
        )]
    );
    assert_eq!(
        drift.changes()[0].message,
        "web -> cache (redis/6379) now crosses the boundaries of front and back into a zone of \
         higher trust"
    );
    assert_eq!(drift.changes()[0].span, Some(span(10)));
}

/// A drift with every kind of change: a door, a crossing, weakened and strengthened
/// attributes, additions and removals.
fn busy() -> (Snapshot, Snapshot) {
    let mut baseline = project(0);
    element_mut(&mut baseline, CACHE).zone = ZoneId("front".into());
    baseline.elements.push(element(
        "compose:shop/service/old",
        "old",
        ElementKind::Process,
        "front",
        50,
    ));
    let mut current = project(3);
    current.flows.push(published(2));
    flow_mut(&mut current, DB).attributes.set_flag(
        AttrName::EncryptedInTransit,
        Tri::No,
        Some(span(12)),
    );
    let web = element_mut(&mut current, WEB);
    web.attributes
        .set_flag(AttrName::Privileged, Tri::No, Some(span(8)));
    web.attributes
        .push_item(AttrName::CapabilitiesAdded, "SYS_ADMIN", Some(span(10)));
    // A data store without a span: its change has no physical location.
    let mut queue = element(
        "compose:shop/service/queue",
        "queue",
        ElementKind::DataStore,
        "back",
        0,
    );
    queue.span = None;
    current.elements.push(queue);
    current
        .flows
        .push(flow(WEB, "compose:shop/service/queue", "amqp", "5672", 60));
    (snapshot(baseline), snapshot(current))
}

#[test]
fn the_busy_drift_lists_weakening_changes_first() {
    let (baseline, current) = busy();
    let drift = compare(&baseline, &current);
    let listed: Vec<(ChangeKind, bool)> = drift
        .changes()
        .iter()
        .map(|c| (c.kind, c.weakens))
        .collect();
    assert_eq!(
        listed,
        [
            (ChangeKind::NewEntryPoint, true),
            (ChangeKind::NewBoundaryCrossing, true),
            (ChangeKind::NewBoundaryCrossing, true),
            (ChangeKind::WeakenedAttribute, true),
            (ChangeKind::WeakenedAttribute, true),
            (ChangeKind::StrengthenedAttribute, false),
            (ChangeKind::ElementAdded, false),
            (ChangeKind::ElementRemoved, false),
        ],
        "{drift:#?}"
    );
    let rendered = text(&drift);
    assert!(
        rendered.starts_with(
            "weakening\n  deploy/compose.yaml:2:5     new-entry-point         new flow from the \
             internet: Internet user -> web (http/80)\n"
        ),
        "{rendered}"
    );
    assert!(
        rendered.contains(
            "\n  compose:shop/service/queue  element-added           new data store queue\n"
        ),
        "no span: placed by its id\n{rendered}"
    );
    assert!(
        rendered.ends_with("8 changes since the baseline: 5 weaken the system, 3 other\n"),
        "{rendered}"
    );
}

#[test]
fn json_is_a_stable_document() {
    let (baseline, current) = busy();
    let drift = compare(&baseline, &current);
    let document: Value = serde_json::from_str(&json(&drift)).expect("valid JSON");
    assert_eq!(document["version"], 1);
    assert_eq!(document["weakened"], true);
    assert_eq!(document["summary"]["total"], 8);
    assert_eq!(document["summary"]["weakening"], 5);
    let encryption = document["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["attribute"] == "encrypted_in_transit")
        .expect("the encryption change");
    assert_eq!(encryption["kind"], "weakened-attribute");
    assert_eq!(encryption["subject"]["kind"], "flow");
    assert_eq!(encryption["before"], "yes");
    assert_eq!(encryption["after"], "no");
    assert_eq!(encryption["location"]["start"]["line"], 12);
    assert_eq!(encryption["fingerprint"].as_str().map(str::len), Some(16));
    assert!(json(&drift).ends_with("}\n"));
}

#[test]
fn markdown_puts_weakening_changes_first_and_highlights_the_diagram() {
    let (baseline, current) = busy();
    let drift = compare(&baseline, &current);
    let comment = markdown(&drift, &current);
    assert!(
        comment.starts_with(
            "## Threat-model drift\n\n**5 changes weaken the system** and 3 other changes"
        ),
        "{comment}"
    );
    let weakening = comment
        .find("### Weakening changes")
        .expect("weakening table");
    let other = comment.find("### Other changes").expect("other table");
    let diagram = comment.find("```mermaid\nflowchart LR\n").expect("diagram");
    assert!(weakening < other && other < diagram);
    assert!(comment.contains(
        "| New entry point | new flow from the internet: Internet user -&gt; web (http/80) | `deploy/compose.yaml:2` |"
    ), "{comment}");
    assert!(
        comment.contains("| Element added | new data store queue | (no location) |"),
        "{comment}"
    );
    assert!(comment.contains("  classDef weakened "));
    assert!(comment.contains("  classDef added "));
    // Nodes in layout order: the internet user, then web (front); web and db are weakened, the
    // queue is new.
    assert!(comment.contains("  class "), "{comment}");
    assert!(comment.contains("  linkStyle "), "{comment}");
    assert!(comment.contains("  n0[\"Internet user\"]\n"), "{comment}");
    assert!(
        comment.contains("subgraph z0[\"Docker host (host, trust: privileged)\"]"),
        "{comment}"
    );
    assert!(comment.ends_with("```\n"));

    let quiet = markdown(&Drift::default(), &current);
    assert!(quiet.contains("No drift: the model matches the reviewed baseline."));
    assert!(!quiet.contains("classDef"), "nothing to highlight");
}

#[test]
fn markdown_highlights_exactly_the_changed_elements_and_flows() {
    let door = published(12);
    let mut current = project(0);
    current.flows.push(door);
    let current = snapshot(current);
    let drift = compare(&snapshot(project(0)), &current);
    let comment = markdown(&drift, &current);
    // n0 the internet user; in the host, back (cache n1, db n2) then front (web n3). Flows in
    // id order: web -> cache, web -> db, then the door from the internet.
    let lines: Vec<&str> = comment
        .lines()
        .filter(|l| l.contains("==>") || l.starts_with("  linkStyle") || l.starts_with("  class "))
        .collect();
    assert_eq!(
        lines,
        [
            "  n3 ==>|\"redis/6379\"| n1",
            "  n3 ==>|\"postgres/5432\"| n2",
            "  n0 ==>|\"http/80\"| n3",
            "  class n3 weakened",
            "  linkStyle 2 stroke:#cf222e,stroke-width:3px",
        ],
        "{comment}"
    );
}

// ---------------------------------------------------------------------------------------------
// SARIF

#[test]
fn sarif_validates_against_the_official_schema() {
    let (baseline, current) = busy();
    let drift = compare(&baseline, &current);
    let log: Value = serde_json::from_str(&sarif(&drift, "0.1.0")).expect("valid JSON");
    trustmap_testkit::assert_valid_sarif(&log);
    let empty: Value = serde_json::from_str(&sarif(&Drift::default(), "0.1.0")).expect("JSON");
    trustmap_testkit::assert_valid_sarif(&empty);

    // The validator does reject what the schema forbids.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        serde_json::json!(0);
    assert_eq!(trustmap_testkit::sarif_schema_errors(&broken).len(), 1);
}

#[test]
fn sarif_keeps_the_most_severe_changes_within_the_result_limit_and_says_so() {
    let (baseline, current) = busy();
    let drift = compare(&baseline, &current);
    let weakening: Vec<_> = drift.weakening().collect();
    let entry_points = weakening
        .iter()
        .filter(|c| c.kind == ChangeKind::NewEntryPoint)
        .count();
    assert!(
        entry_points >= 1 && weakening.len() > entry_points,
        "{weakening:?}"
    );
    let mut limits = trustmap_model::Limits::default();
    limits.set(trustmap_model::Limit::SarifResults, entry_points as u64);
    let (log, cut) = trustmap_drift::sarif_bounded(&drift, "0.1.0", &limits);
    let log: Value = serde_json::from_str(&log).expect("valid JSON");
    trustmap_testkit::assert_valid_sarif(&log);
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["drift/new-entry-point"; entry_points]);
    assert_eq!(cut.len(), 1);
    assert_eq!(cut[0].code, "limit-sarif-results");
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let (_, none) = trustmap_drift::sarif_bounded(&drift, "0.1.0", &Default::default());
    assert!(none.is_empty());
}

#[test]
fn sarif_has_a_result_per_weakening_change_on_its_line() {
    let (baseline, current) = busy();
    let drift = compare(&baseline, &current);
    let log: Value = serde_json::from_str(&sarif(&drift, "0.1.0")).expect("valid JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "trustmap-drift");
    assert_eq!(driver["version"], "0.1.0");
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "drift/new-entry-point",
            "drift/new-boundary-crossing",
            "drift/weakened-attribute"
        ]
    );
    for rule in rules {
        assert_eq!(
            rule["properties"]["tags"],
            serde_json::json!(["security", "drift"])
        );
        assert!(rule["properties"]["security-severity"].is_string());
        assert!(rule["shortDescription"]["text"].is_string());
        assert!(rule["fullDescription"]["text"].is_string());
        assert!(rule["help"]["text"].is_string());
        assert!(rule["help"]["markdown"].is_string());
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), drift.weakening().count());
    let first = &results[0];
    assert_eq!(first["ruleId"], "drift/new-entry-point");
    assert_eq!(first["ruleIndex"], 0);
    assert_eq!(first["level"], "error");
    let location = &first["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], FILE);
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 2);
    let capability = results
        .iter()
        .find(|r| r["properties"]["attribute"] == "capabilities_added")
        .expect("the capability result");
    assert_eq!(capability["ruleIndex"], 2);
    assert_eq!(
        capability["locations"][0]["physicalLocation"]["region"]["startLine"],
        10
    );
    assert_eq!(
        capability["properties"]["items"],
        serde_json::json!(["SYS_ADMIN"])
    );
}

#[test]
fn sarif_fingerprints_do_not_move_with_lines() {
    let fingerprints = |shift: u32| -> Vec<String> {
        let mut current = project(shift);
        current.flows.push(published(2 + shift));
        flow_mut(&mut current, DB).attributes.set_flag(
            AttrName::EncryptedInTransit,
            Tri::No,
            Some(span(12 + shift)),
        );
        let drift = compare(&snapshot(project(0)), &snapshot(current));
        let log: Value = serde_json::from_str(&sarif(&drift, "0.1.0")).expect("JSON");
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                r["partialFingerprints"][DRIFT_FINGERPRINT_KEY]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let before = fingerprints(0);
    assert_eq!(before.len(), 2);
    assert!(before.iter().all(|f| f.len() == 16));
    assert_ne!(before[0], before[1]);
    assert_eq!(before, fingerprints(40));
}

#[test]
fn every_output_is_byte_identical_twice_and_after_a_round_trip() {
    let render = |baseline: &Snapshot, current: &Snapshot| {
        let drift = compare(baseline, current);
        [
            text(&drift),
            json(&drift),
            markdown(&drift, current),
            sarif(&drift, "0.1.0"),
        ]
    };
    let (baseline, current) = busy();
    let first = render(&baseline, &current);
    let (baseline_again, current_again) = busy();
    assert_eq!(first, render(&baseline_again, &current_again));
    // A baseline read back from its JSON compares the same.
    let read = |s: &Snapshot| Snapshot::from_json(&s.to_json()).expect("reads back");
    assert_eq!(first, render(&read(&baseline), &read(&current)));
    for output in &first {
        assert!(output.ends_with('\n'));
    }
}

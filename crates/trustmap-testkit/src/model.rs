//! Builders for hand-made models, shared by the test suites of the crates that read models
//! (report, drift): a span, a zone, an element, a flow, each with the defaults a test does
//! not care about, so that a new field of the model is added here once.

use trustmap_model::{
    Attributes, Element, ElementId, ElementKind, Flow, Position, Span, TrustLevel, Zone, ZoneId,
    ZoneKind,
};

/// A span in `file` from `(line, column)` to `(line, column)`.
pub fn span(file: &str, start: (u32, u32), end: (u32, u32)) -> Span {
    Span {
        file: file.into(),
        start: Position {
            line: start.0,
            column: start.1,
        },
        end: Position {
            line: end.0,
            column: end.1,
        },
    }
}

/// A zone without span or attributes.
pub fn zone(id: &str, name: &str, kind: ZoneKind, parent: Option<&str>, trust: TrustLevel) -> Zone {
    Zone {
        id: ZoneId(id.into()),
        kind,
        name: name.into(),
        parent: parent.map(|p| ZoneId(p.into())),
        trust,
        span: None,
        attributes: Attributes::default(),
    }
}

/// An element in `zone`, declared at `at`, without technology or attributes.
pub fn element(id: &str, name: &str, kind: ElementKind, zone: &str, at: Option<Span>) -> Element {
    Element {
        id: ElementId(id.into()),
        kind,
        name: name.into(),
        technology: None,
        zone: ZoneId(zone.into()),
        attached_zones: Vec::new(),
        called_from: None,
        span: at,
        attributes: Attributes::default(),
    }
}

/// A flow from `source` to `target` on `ports`, found by `origin` at `at`.
pub fn flow(
    source: &str,
    target: &str,
    protocol: Option<&str>,
    ports: &[&str],
    origin: &str,
    at: Option<Span>,
) -> Flow {
    Flow::new(
        ElementId(source.into()),
        ElementId(target.into()),
        protocol.map(Into::into),
        ports.iter().map(|p| p.to_string()).collect(),
        origin,
        at,
    )
}

//! Where a fact's deciding value passed through: evaluation keeps a value passed on by
//! reference (`endpoint_public_access = var.public`) at the span where it was written (the
//! caller's `public = true`, a variable file's line, a variable's default), and each resource
//! keeps the places such a value passed through ([`Resource::passed`]). After the mapping has
//! set the model's attributes from those values, this gives each attribute written elsewhere
//! the places its value passed through ([`trustmap_model::Attribute::via`]), which findings
//! show as related locations.

use crate::cloud::id;
use crate::value::Resource;
use std::collections::HashMap;
use trustmap_model::{AttrValue, Attributes, Fragment, Span};

/// The places each value written elsewhere passed through, by where it was written, with the
/// element id of the resource that uses it.
pub(crate) struct Passages(HashMap<Span, Vec<(String, Vec<Span>)>>);

impl Passages {
    /// The passages of every resource of a root module (`root` as element ids name it).
    pub(crate) fn of(resources: &[Resource], root: &str) -> Passages {
        let mut by_origin: HashMap<Span, Vec<(String, Vec<Span>)>> = HashMap::new();
        for resource in resources.iter().filter(|r| !r.passed.is_empty()) {
            let user = id(root, &resource.address);
            for passage in &resource.passed {
                by_origin
                    .entry(passage.origin.clone())
                    .or_default()
                    .push((user.clone(), passage.via.clone()));
            }
        }
        Passages(by_origin)
    }

    /// Gives every attribute of the fragment whose value was written elsewhere the places it
    /// passed through: those on the way to the resource of the attribute's owner when it uses
    /// the value, else to the resource nearest it in the module tree (a companion, a door).
    pub(crate) fn trace(&self, fragment: &mut Fragment) {
        if self.0.is_empty() {
            return;
        }
        for element in &mut fragment.elements {
            self.trace_attributes(&element.id.0, &mut element.attributes);
        }
        for flow in &mut fragment.flows {
            self.trace_attributes(&flow.target.0, &mut flow.attributes);
        }
        for zone in &mut fragment.zones {
            self.trace_attributes(&zone.id.0, &mut zone.attributes);
        }
    }

    fn trace_attributes(&self, owner: &str, attributes: &mut Attributes) {
        for (_, attribute) in attributes.iter_mut() {
            if let Some(via) = attribute.span.as_ref().and_then(|s| self.via(s, owner)) {
                attribute.via = via.to_vec();
            }
            if let AttrValue::List(items) = &mut attribute.value {
                for item in items {
                    if let Some(via) = item.span.as_ref().and_then(|s| self.via(s, owner)) {
                        item.via = via.to_vec();
                    }
                }
            }
        }
    }

    /// The places the value written at `origin` passed through to the resource of `owner`,
    /// or to the one whose id shares the longest start with it (the first of those).
    fn via(&self, origin: &Span, owner: &str) -> Option<&[Span]> {
        let users = self.0.get(origin)?;
        let shared = |user: &str| {
            user.bytes()
                .zip(owner.bytes())
                .take_while(|(a, b)| a == b)
                .count()
        };
        let mut best: Option<(usize, &[Span])> = None;
        for (user, via) in users {
            let length = if user == owner {
                usize::MAX
            } else {
                shared(user)
            };
            if best.is_none_or(|(longest, _)| length > longest) {
                best = Some((length, via));
            }
        }
        best.map(|(_, via)| via)
    }
}

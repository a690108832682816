//! Following a `$ref` to the component it names: one resolver for parameters, responses,
//! request bodies and schemas, which follows a reference to a reference as far as a chain can
//! sensibly go and names, in its errors, the place the first reference was written.

use openapiv3::{Components, ReferenceOr};

use super::Builder;
use crate::diagnostics::{pointer_token, unescape_token, Error};

/// How long a chain of references to references may be before it counts as a cycle.
const MAX_CHAIN: usize = 32;

/// A kind of component: its section under `components` and how to look one up.
pub(super) struct Section<T: 'static> {
    /// The section's key (`requestBodies`) and what one of its items is called in errors.
    pub(super) key: &'static str,
    pub(super) what: &'static str,
    pub(super) lookup: for<'c> fn(&'c Components, &str) -> Option<&'c ReferenceOr<T>>,
}

pub(super) const PARAMETERS: Section<openapiv3::Parameter> = Section {
    key: "parameters",
    what: "parameter",
    lookup: |c, key| c.parameters.get(key),
};
pub(super) const RESPONSES: Section<openapiv3::Response> = Section {
    key: "responses",
    what: "response",
    lookup: |c, key| c.responses.get(key),
};
pub(super) const REQUEST_BODIES: Section<openapiv3::RequestBody> = Section {
    key: "requestBodies",
    what: "request body",
    lookup: |c, key| c.request_bodies.get(key),
};
pub(super) const SCHEMAS: Section<openapiv3::Schema> = Section {
    key: "schemas",
    what: "schema",
    lookup: |c, key| c.schemas.get(key),
};

/// What a reference led to: the item, its pointer, and the key of the last component on the
/// way (`None` when `value` was the item itself).
pub(super) struct Resolved<'a, T> {
    pub(super) item: &'a T,
    pub(super) pointer: String,
    pub(super) key: Option<String>,
}

impl<'a> Builder<'a> {
    /// The item `value` is, following `$ref`s into `section`; errors name `pointer`, where the
    /// first reference was written.
    pub(super) fn resolve<T>(
        &self,
        value: &'a ReferenceOr<T>,
        section: &Section<T>,
        pointer: &str,
    ) -> Result<Resolved<'a, T>, Error> {
        let mut current = value;
        let mut at = pointer.to_owned();
        let mut key = None;
        for _ in 0..MAX_CHAIN {
            match current {
                ReferenceOr::Item(item) => {
                    return Ok(Resolved {
                        item,
                        pointer: at,
                        key,
                    })
                }
                ReferenceOr::Reference { reference } => {
                    let named = || {
                        self.invalid(
                            pointer,
                            &format!("$ref {reference:?} names no {}", section.what),
                        )
                    };
                    let component = component_key(reference, section.key).ok_or_else(named)?;
                    current = self
                        .doc
                        .components
                        .as_ref()
                        .and_then(|c| (section.lookup)(c, &component))
                        .ok_or_else(named)?;
                    at = format!("/components/{}/{}", section.key, pointer_token(&component));
                    key = Some(component);
                }
            }
        }
        Err(self.invalid(pointer, "$ref chain longer than 32 (a cycle?)"))
    }
}

/// `#/components/<section>/<key>` to `key`, unescaping the pointer token.
pub(super) fn component_key(reference: &str, section: &str) -> Option<String> {
    let rest = reference.strip_prefix(&format!("#/components/{section}/"))?;
    (!rest.contains('/')).then(|| unescape_token(rest))
}

//! `x-contractfit-paginator` on an operation: its page-number (and page-size) query
//! parameters, and where in its answer the items and the total are.

use serde::Deserialize;
use serde_json::Value;

use super::{Extensions, PAGINATOR};
use crate::build::Builder;
use crate::diagnostics::Error;
use crate::model::{
    Field, Operation, Paginator, ParamLocation, Primitive, SuccessBody, TypeDef, TypeKind, TypeRef,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    /// Query parameters by wire name.
    page: String,
    size: Option<String>,
    /// JSON pointers into the page.
    items: String,
    total: Option<String>,
}

impl Builder<'_> {
    pub(in crate::build) fn paginator(
        &self,
        extensions: &Extensions,
        operation: &Operation,
        pointer: &str,
    ) -> Result<Option<Paginator>, Error> {
        let Some((spec, pointer)) = self.extension::<Spec>(extensions, PAGINATOR, pointer)? else {
            return Ok(None);
        };
        // An integer query parameter: its Rust name and default.
        let query = |name: &str, key: &str| {
            operation
                .parameters_in(ParamLocation::Query)
                .find(|p| {
                    // Optional: the walk sets it, page after page.
                    p.name == name && p.ty == TypeRef::Primitive(Primitive::Integer) && !p.required
                })
                .map(|p| {
                    (
                        p.rust_name.clone(),
                        p.default.as_ref().and_then(Value::as_i64),
                    )
                })
                .ok_or_else(|| {
                    self.invalid(
                        &format!("{pointer}/{key}"),
                        &format!("no optional integer query parameter {name:?}"),
                    )
                })
        };
        let (page_parameter, first_page) = query(&spec.page, "page")?;
        let size_parameter = match &spec.size {
            Some(size) => Some(query(size, "size")?.0),
            None => None,
        };
        let SuccessBody::Json(TypeRef::Named(page_type)) = operation.success_body() else {
            return Err(self.invalid(
                &pointer,
                "the operation's 2xx body must be a JSON object type",
            ));
        };
        let fields = match self.types.iter().find(|t| t.name == page_type) {
            Some(TypeDef {
                kind: TypeKind::Struct(s),
                ..
            }) => &s.fields,
            _ => return Err(self.invalid(&pointer, &format!("{page_type} is not an object type"))),
        };
        // A top-level field of the page, by its pointer.
        let field = |json_pointer: &str, key: &str| -> Result<&Field, Error> {
            let name = json_pointer.strip_prefix('/').unwrap_or("");
            fields.iter().find(|f| f.name == name).ok_or_else(|| {
                self.invalid(
                    &format!("{pointer}/{key}"),
                    &format!("{page_type} has no field {name:?}"),
                )
            })
        };
        let items = field(&spec.items, "items")?;
        let TypeRef::Array(item_type) = &items.ty else {
            return Err(self.invalid(&format!("{pointer}/items"), "must point at an array field"));
        };
        let total_field = match &spec.total {
            Some(total) => Some(field(total, "total")?.rust_name.clone()),
            None => None,
        };
        Ok(Some(Paginator {
            page_parameter,
            size_parameter,
            first_page: first_page.unwrap_or(1),
            items_field: items.rust_name.clone(),
            item_type: (**item_type).clone(),
            total_field,
        }))
    }
}

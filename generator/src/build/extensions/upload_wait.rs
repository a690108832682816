//! `x-contractfit-upload-wait` on an upload: which form fields it forces when it waits, where
//! its answer holds the new resource's id, the waiter that polls it, and (`find`) how a batch
//! looks for an upload whose answer was lost before sending the file again.

use indexmap::IndexMap;
use serde::Deserialize;

use super::{Extensions, UPLOAD_WAIT};
use crate::build::Builder;
use crate::diagnostics::{pointer_token, Error};
use crate::model::{
    FindUpload, Operation, Primitive, RequestContent, SuccessBody, TypeDef, TypeKind, TypeRef,
    UploadWait,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    /// Boolean form fields (wire names) and the values they are forced to.
    #[serde(default)]
    set: IndexMap<String, bool>,
    /// A JSON pointer to the id in the upload's answer.
    id: String,
    operation_id: String,
    waiter: String,
    find: Option<FindSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FindSpec {
    /// The listing, and its date-time parameter (wire name).
    operation_id: String,
    since: String,
    /// JSON pointers into a listed item.
    name: String,
    id: String,
    /// The operation that streams a listed document's content.
    content: Option<String>,
}

impl Builder<'_> {
    /// Reads `x-contractfit-upload-wait` once every operation is known.
    pub(in crate::build) fn upload_wait(
        &self,
        extensions: &Extensions,
        operation: &Operation,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<Option<UploadWait>, Error> {
        let Some((spec, pointer)) = self.extension::<Spec>(extensions, UPLOAD_WAIT, pointer)?
        else {
            return Ok(None);
        };
        let (polled, waiter) =
            self.polled_waiter(&spec.operation_id, &spec.waiter, operations, &pointer)?;
        let ids: Vec<_> = polled.parameters.iter().filter(|p| p.required).collect();
        if !matches!(ids.as_slice(), [id] if id.ty == TypeRef::Primitive(Primitive::String)) {
            return Err(self.invalid(
                &pointer,
                "the polled operation must take exactly one required parameter, the id, a string",
            ));
        }
        let form_fields = match operation.request_body.as_ref().map(|b| &b.content) {
            Some(RequestContent::Multipart { form }) => {
                match self.types.iter().find(|t| &t.name == form) {
                    Some(TypeDef {
                        kind: TypeKind::Form(fields),
                        ..
                    }) => fields.as_slice(),
                    _ => &[],
                }
            }
            _ => return Err(self.invalid(&pointer, "the operation must have a multipart body")),
        };
        let mut set = Vec::new();
        for (name, forced) in &spec.set {
            let field = form_fields
                .iter()
                .find(|f| &f.name == name)
                .filter(|f| f.ty == TypeRef::Primitive(Primitive::Boolean) && !f.must_have())
                .ok_or_else(|| {
                    self.invalid(
                        &format!("{pointer}/set/{}", pointer_token(name)),
                        "no optional boolean form field of this name",
                    )
                })?;
            set.push((field.rust_name.clone(), *forced));
        }
        let find = match spec.find {
            Some(find) => {
                Some(self.find_upload(find, operation, operations, &format!("{pointer}/find"))?)
            }
            None => None,
        };
        Ok(Some(UploadWait {
            set,
            id_pointer: self.json_pointer(&spec.id, &pointer, "id")?,
            operation: polled.name.clone(),
            waiter,
            find,
            batch_method: format!("{}_batch", operation.name),
            // Claimed in the batch module by `signature`.
            batch: String::new(),
        }))
    }

    /// Checks an upload-and-wait's `find`. The listing must be paginated, take a date-time
    /// parameter `since`, and need no required parameter the upload does not have (by name):
    /// the upload's values are passed along.
    fn find_upload(
        &self,
        spec: FindSpec,
        upload: &Operation,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<FindUpload, Error> {
        let operation_id = &spec.operation_id;
        let listing = self.operation_by_id(operations, operation_id, pointer)?;
        if listing.paginator.is_none() {
            return Err(self.invalid(pointer, &format!("{operation_id} has no paginator")));
        }
        let since = listing
            .parameters
            .iter()
            .find(|p| p.name == spec.since && p.ty == TypeRef::Primitive(Primitive::DateTime))
            .ok_or_else(|| {
                self.invalid(
                    &format!("{pointer}/since"),
                    &format!("{operation_id} has no date-time parameter {:?}", spec.since),
                )
            })?;
        for required in listing.parameters.iter().filter(|p| p.required) {
            if !upload
                .parameters
                .iter()
                .any(|p| p.name == required.name && p.required)
            {
                return Err(self.invalid(
                    pointer,
                    &format!(
                        "{operation_id} requires {:?}, which the upload does not take",
                        required.name
                    ),
                ));
            }
        }
        let content = match &spec.content {
            None => None,
            Some(id) => {
                let pointer = format!("{pointer}/content");
                let content = self.operation_by_id(operations, id, &pointer)?;
                let required = content.parameters.iter().filter(|p| p.required).count();
                if required != 1 || content.request_body.is_some() {
                    return Err(self.invalid(
                        &pointer,
                        &format!("{id} must take one required parameter, the document's id"),
                    ));
                }
                if !matches!(content.success_body(), SuccessBody::Binary { .. }) {
                    return Err(self.invalid(
                        &pointer,
                        &format!("{id} must answer with a file, the document's content"),
                    ));
                }
                Some(content.name.clone())
            }
        };
        Ok(FindUpload {
            operation: listing.name.clone(),
            since: since.rust_name.clone(),
            name_pointer: self.json_pointer(&spec.name, pointer, "name")?,
            id_pointer: self.json_pointer(&spec.id, pointer, "id")?,
            content,
        })
    }
}

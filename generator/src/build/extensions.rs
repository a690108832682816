//! Our extensions, declared in the overlay: on operations `x-contractfit-name`,
//! `x-contractfit-waiters`, `x-contractfit-paginator`, `x-contractfit-upload-wait` and
//! `x-contractfit-then-wait`; on security schemes `x-contractfit-login`.
//! Each is checked against the operation it sits on; a mistake is an error that points at it.

use indexmap::IndexMap;
use serde_json::Value;

use super::names::snake;
use super::Builder;
use crate::diagnostics::Error;
use crate::model::{
    Acceptor, AcceptorState, Comparator, Condition, FindUpload, Login, Matcher, Operation,
    Paginator, ParamLocation, RequestContent, SuccessBody, ThenWait, TypeDef, TypeKind, TypeRef,
    UploadWait, Waiter,
};

pub const NAME: &str = "x-contractfit-name";
pub const WAITERS: &str = "x-contractfit-waiters";
pub const PAGINATOR: &str = "x-contractfit-paginator";
pub const UPLOAD_WAIT: &str = "x-contractfit-upload-wait";
pub const THEN_WAIT: &str = "x-contractfit-then-wait";
/// On a security scheme: how to log in for its tokens.
pub const LOGIN: &str = "x-contractfit-login";

type Extensions = IndexMap<String, Value>;

impl Builder<'_> {
    /// `value[key]` as a string, or an error at `pointer/key`.
    fn string_field<'v>(
        &self,
        value: &'v Value,
        key: &str,
        pointer: &str,
    ) -> Result<&'v str, Error> {
        value
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.invalid(&format!("{pointer}/{key}"), "must be a string"))
    }

    /// The operation whose `operationId` is `id`.
    fn operation_by_id<'o>(
        &self,
        operations: &'o [Operation],
        id: &str,
        pointer: &str,
    ) -> Result<&'o Operation, Error> {
        operations
            .iter()
            .find(|op| op.operation_id.as_deref() == Some(id))
            .ok_or_else(|| self.invalid(pointer, &format!("no operation has operationId {id:?}")))
    }

    /// The Rust name an operation's `x-contractfit-name` asks for.
    pub(super) fn name_override(
        &self,
        extensions: &Extensions,
        pointer: &str,
    ) -> Result<Option<String>, Error> {
        match extensions.get(NAME) {
            None => Ok(None),
            Some(Value::String(name)) if !name.is_empty() => Ok(Some(snake(name))),
            Some(_) => {
                Err(self.invalid(&format!("{pointer}/{NAME}"), "must be a non-empty string"))
            }
        }
    }

    /// Reads `x-contractfit-login`: `{operationId, username, password, token}`.
    /// The document's naming extensions: `x-contractfit-strip-suffix`, suffixes operationIds
    /// carry (one, or a list tried in order), and `x-contractfit-verb-names`, name operations
    /// by what they do.
    pub(super) fn read_naming_extensions(&mut self) -> Result<(), Error> {
        self.strip_suffixes = match self.doc.extensions.get("x-contractfit-strip-suffix") {
            None => Vec::new(),
            Some(Value::String(suffix)) => vec![suffix.clone()],
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => list
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            Some(_) => {
                return Err(self.invalid(
                    "/x-contractfit-strip-suffix",
                    "must be a string or a list of strings",
                ));
            }
        };
        self.verb_names = match self.doc.extensions.get("x-contractfit-verb-names") {
            None => false,
            Some(Value::Bool(on)) => *on,
            Some(_) => return Err(self.invalid("/x-contractfit-verb-names", "must be a boolean")),
        };
        Ok(())
    }

    pub(super) fn login(
        &self,
        value: &Value,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<Login, Error> {
        let pointer = format!("{pointer}/{LOGIN}");
        let operation_id = self.string_field(value, "operationId", &pointer)?;
        let operation = self.operation_by_id(operations, operation_id, &pointer)?;
        let token_pointer = self.string_field(value, "token", &pointer)?;
        if !token_pointer.starts_with('/') {
            return Err(self.invalid(&pointer, "`token` must be a JSON pointer such as `/token`"));
        }
        Ok(Login {
            method: operation.method,
            path: operation.path.template.clone(),
            username_field: self.string_field(value, "username", &pointer)?.to_owned(),
            password_field: self.string_field(value, "password", &pointer)?.to_owned(),
            token_pointer: token_pointer.to_owned(),
        })
    }

    pub(super) fn waiters(
        &self,
        extensions: &Extensions,
        pointer: &str,
    ) -> Result<Vec<Waiter>, Error> {
        let Some(value) = extensions.get(WAITERS) else {
            return Ok(Vec::new());
        };
        let pointer = format!("{pointer}/{WAITERS}");
        let Some(waiters) = value.as_object() else {
            return Err(self.invalid(&pointer, "must map waiter names to waiters"));
        };
        let mut result = Vec::new();
        for (name, waiter) in waiters {
            let at = format!("{pointer}/{name}");
            let seconds = |key: &str| -> Result<u64, Error> {
                let value = waiter.get(key).and_then(Value::as_f64).filter(|s| *s > 0.0);
                value.map(|s| (s * 1000.0) as u64).ok_or_else(|| {
                    self.invalid(
                        &format!("{at}/{key}"),
                        "must be a positive number of seconds",
                    )
                })
            };
            let (min_delay_ms, max_delay_ms) = (seconds("minDelay")?, seconds("maxDelay")?);
            if min_delay_ms > max_delay_ms {
                return Err(self.invalid(&at, "minDelay is greater than maxDelay"));
            }
            let acceptors = waiter
                .get("acceptors")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| {
                    self.invalid(&format!("{at}/acceptors"), "must be a non-empty list")
                })?
                .iter()
                .enumerate()
                .map(|(i, a)| self.acceptor(a, &format!("{at}/acceptors/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            if !acceptors.iter().any(|a| a.state == AcceptorState::Success) {
                return Err(
                    self.invalid(&format!("{at}/acceptors"), "no acceptor leads to success")
                );
            }
            let name = snake(name);
            result.push(Waiter {
                method: format!("wait_until_{name}"),
                // Claimed among the builders by `signature`.
                builder: String::new(),
                name,
                description: waiter
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                min_delay_ms,
                max_delay_ms,
                acceptors,
            });
        }
        Ok(result)
    }

    fn acceptor(&self, value: &Value, pointer: &str) -> Result<Acceptor, Error> {
        let state = match value.get("state").and_then(Value::as_str) {
            Some("success") => AcceptorState::Success,
            Some("failure") => AcceptorState::Failure,
            Some("retry") => AcceptorState::Retry,
            _ => {
                return Err(self.invalid(
                    &format!("{pointer}/state"),
                    "must be success, failure or retry",
                ))
            }
        };
        let matcher = if let Some(status) = value.get("status") {
            let status = status
                .as_u64()
                .filter(|s| (100..600).contains(s))
                .ok_or_else(|| {
                    self.invalid(&format!("{pointer}/status"), "must be an HTTP status")
                })?;
            Matcher::Status(status as u16)
        } else {
            let all = value
                .get("all")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .ok_or_else(|| self.invalid(pointer, "needs `status` or a non-empty `all` list"))?;
            let conditions = all
                .iter()
                .enumerate()
                .map(|(i, c)| self.condition(c, &format!("{pointer}/all/{i}")))
                .collect::<Result<Vec<_>, _>>()?;
            Matcher::Json(conditions)
        };
        Ok(Acceptor { state, matcher })
    }

    fn condition(&self, value: &Value, pointer: &str) -> Result<Condition, Error> {
        let json_pointer = value
            .get("pointer")
            .and_then(Value::as_str)
            .filter(|p| p.starts_with('/'))
            .ok_or_else(|| self.invalid(&format!("{pointer}/pointer"), "must be a JSON pointer"))?;
        let scalar = |v: &Value| -> Result<Value, Error> {
            match v {
                Value::Bool(_) | Value::String(_) => Ok(v.clone()),
                Value::Number(n) if n.is_i64() => Ok(v.clone()),
                _ => Err(self.invalid(pointer, "compares only with a boolean, integer or string")),
            }
        };
        let comparator = match (
            value.get("exists"),
            value.get("equals"),
            value.get("notEquals"),
        ) {
            (Some(Value::Bool(true)), None, None) => Comparator::Exists,
            (Some(Value::Bool(false)), None, None) => Comparator::Missing,
            (None, Some(expected), None) => Comparator::Equals(scalar(expected)?),
            (None, None, Some(expected)) => Comparator::NotEquals(scalar(expected)?),
            _ => {
                return Err(self.invalid(
                    pointer,
                    "needs exactly one of `exists`, `equals`, `notEquals`",
                ))
            }
        };
        Ok(Condition {
            pointer: json_pointer.to_owned(),
            comparator,
        })
    }

    pub(super) fn paginator(
        &self,
        extensions: &Extensions,
        operation: &Operation,
        pointer: &str,
    ) -> Result<Option<Paginator>, Error> {
        let Some(value) = extensions.get(PAGINATOR) else {
            return Ok(None);
        };
        let pointer = format!("{pointer}/{PAGINATOR}");
        let query = |key: &str| -> Result<Option<(String, Option<i64>)>, Error> {
            let Some(name) = value.get(key) else {
                return Ok(None);
            };
            let name = name.as_str().unwrap_or_default();
            operation
                .parameters_in(ParamLocation::Query)
                .find(|p| {
                    p.name == name && p.ty == TypeRef::Primitive(crate::model::Primitive::Integer)
                })
                .map(|p| {
                    Some((
                        p.rust_name.clone(),
                        p.default.as_ref().and_then(Value::as_i64),
                    ))
                })
                .ok_or_else(|| {
                    self.invalid(
                        &format!("{pointer}/{key}"),
                        &format!("no integer query parameter {name:?}"),
                    )
                })
        };
        let (page_parameter, first_page) = query("page")?
            .ok_or_else(|| self.invalid(&pointer, "needs `page`, the page-number parameter"))?;
        let size_parameter = query("size")?.map(|(name, _)| name);
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
        let field = |key: &str| -> Result<Option<&crate::model::Field>, Error> {
            let Some(json_pointer) = value.get(key) else {
                return Ok(None);
            };
            let name = json_pointer
                .as_str()
                .and_then(|p| p.strip_prefix('/'))
                .unwrap_or("");
            fields
                .iter()
                .find(|f| f.name == name)
                .map(Some)
                .ok_or_else(|| {
                    self.invalid(
                        &format!("{pointer}/{key}"),
                        &format!("{page_type} has no field {name:?}"),
                    )
                })
        };
        let items = field("items")?.ok_or_else(|| {
            self.invalid(&pointer, "needs `items`, a pointer to the page's items")
        })?;
        let TypeRef::Array(item_type) = &items.ty else {
            return Err(self.invalid(&format!("{pointer}/items"), "must point at an array field"));
        };
        let total_field = field("total")?.map(|f| f.rust_name.clone());
        Ok(Some(Paginator {
            page_parameter,
            size_parameter,
            first_page: first_page.unwrap_or(1),
            items_field: items.rust_name.clone(),
            item_type: (**item_type).clone(),
            total_field,
        }))
    }

    /// The operation `value`'s `operationId` names and its waiter `value`'s `waiter` names
    /// (snake case), for the extensions that wait on another operation.
    fn polled_waiter<'o>(
        &self,
        value: &Value,
        operations: &'o [Operation],
        pointer: &str,
    ) -> Result<(&'o Operation, String), Error> {
        let operation_id = self.string_field(value, "operationId", pointer)?;
        let polled = self.operation_by_id(operations, operation_id, pointer)?;
        let waiter = snake(self.string_field(value, "waiter", pointer)?);
        if !polled.waiters.iter().any(|w| w.name == waiter) {
            return Err(self.invalid(
                pointer,
                &format!("{operation_id} declares no waiter {waiter:?}"),
            ));
        }
        Ok((polled, waiter))
    }

    /// Reads `x-contractfit-upload-wait` once every operation is known.
    pub(super) fn upload_wait(
        &self,
        extensions: &Extensions,
        operation: &Operation,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<Option<UploadWait>, Error> {
        let Some(value) = extensions.get(UPLOAD_WAIT) else {
            return Ok(None);
        };
        let pointer = format!("{pointer}/{UPLOAD_WAIT}");
        let (polled, waiter) = self.polled_waiter(value, operations, &pointer)?;
        let required: Vec<_> = polled.parameters.iter().filter(|p| p.required).collect();
        if required.len() != 1 {
            return Err(self.invalid(
                &pointer,
                "the polled operation must take exactly one required parameter, the id",
            ));
        }
        let id_pointer = self.string_field(value, "id", &pointer)?;
        let form_fields = match operation.request_body.as_ref().map(|b| &b.content) {
            Some(RequestContent::Multipart { form }) => {
                match self.types.iter().find(|t| &t.name == form) {
                    Some(TypeDef {
                        kind: TypeKind::Form(fields),
                        ..
                    }) => fields.clone(),
                    _ => Vec::new(),
                }
            }
            _ => return Err(self.invalid(&pointer, "the operation must have a multipart body")),
        };
        let mut set = Vec::new();
        for (name, forced) in value
            .get("set")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let field = form_fields
                .iter()
                .find(|f| &f.name == name)
                .ok_or_else(|| {
                    self.invalid(&format!("{pointer}/set/{name}"), "no such form field")
                })?;
            let forced = forced.as_bool().ok_or_else(|| {
                self.invalid(&format!("{pointer}/set/{name}"), "must be a boolean")
            })?;
            set.push((field.rust_name.clone(), forced));
        }
        let find = match value.get("find") {
            Some(find) => {
                Some(self.find_upload(find, operation, operations, &format!("{pointer}/find"))?)
            }
            None => None,
        };
        Ok(Some(UploadWait {
            set,
            id_pointer: id_pointer.to_owned(),
            operation: polled.name.clone(),
            waiter,
            find,
            batch_method: format!("{}_batch", operation.name),
            // Claimed in the batch module by `signature`.
            batch: String::new(),
        }))
    }

    /// Reads an upload-and-wait's `find`: `{operationId, since, name, id}`. The listing must
    /// be paginated, take a date-time parameter `since`, and need no required parameter the
    /// upload does not have (by name): the upload's values are passed along.
    fn find_upload(
        &self,
        value: &Value,
        upload: &Operation,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<FindUpload, Error> {
        let operation_id = self.string_field(value, "operationId", pointer)?;
        let listing = self.operation_by_id(operations, operation_id, pointer)?;
        if listing.paginator.is_none() {
            return Err(self.invalid(pointer, &format!("{operation_id} has no paginator")));
        }
        let since = self.string_field(value, "since", pointer)?;
        let since = listing
            .parameters
            .iter()
            .find(|p| {
                p.name == since && p.ty == TypeRef::Primitive(crate::model::Primitive::DateTime)
            })
            .ok_or_else(|| {
                self.invalid(
                    &format!("{pointer}/since"),
                    &format!("{operation_id} has no date-time parameter {since:?}"),
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
        let pointer_field = |key: &str| -> Result<String, Error> {
            let text = self.string_field(value, key, pointer)?;
            if !text.starts_with('/') {
                return Err(self.invalid(
                    &format!("{pointer}/{key}"),
                    "must be a JSON pointer (starting with /)",
                ));
            }
            Ok(text.to_owned())
        };
        let content = match value.get("content") {
            None => None,
            Some(_) => {
                let id = self.string_field(value, "content", pointer)?;
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
            name_pointer: pointer_field("name")?,
            id_pointer: pointer_field("id")?,
            content,
        })
    }

    /// Reads `x-contractfit-then-wait`: `{operationId, waiter, changed}`. The polled
    /// operation's required parameters must all be this operation's too (by name): they are
    /// passed along.
    pub(super) fn then_wait(
        &self,
        extensions: &Extensions,
        operation: &Operation,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<Option<ThenWait>, Error> {
        let Some(value) = extensions.get(THEN_WAIT) else {
            return Ok(None);
        };
        let pointer = format!("{pointer}/{THEN_WAIT}");
        let (polled, waiter) = self.polled_waiter(value, operations, &pointer)?;
        for needed in polled.parameters.iter().filter(|p| p.required) {
            let given = operation
                .parameters
                .iter()
                .any(|p| p.required && p.rust_name == needed.rust_name && p.ty == needed.ty);
            if !given {
                return Err(self.invalid(
                    &pointer,
                    &format!(
                        "{} needs parameter {:?}, which this operation does not take",
                        polled.name, needed.name
                    ),
                ));
            }
        }
        let changed = self.string_field(value, "changed", &pointer)?;
        if !changed.starts_with('/') {
            return Err(self.invalid(&pointer, "`changed` must be a JSON pointer"));
        }
        Ok(Some(ThenWait {
            operation: polled.name.clone(),
            waiter,
            changed: changed.to_owned(),
        }))
    }
}

//! Our extensions, declared in the overlay, one module each: on the document
//! `x-contractfit-strip-suffix` and `x-contractfit-verb-names` ([`naming`]); on operations
//! `x-contractfit-name` ([`naming`]), `x-contractfit-waiters`, `x-contractfit-paginator`,
//! `x-contractfit-upload-wait` and `x-contractfit-then-wait`; on security schemes
//! `x-contractfit-login`.
//!
//! Each module reads its extension as a serde struct, so that a value of the wrong shape, a
//! key missing or a key it does not know (a typo that would silently drop a setting) is an
//! error at its own JSON pointer; then it checks the value against the operations it names.
//! Adding an extension is adding a module here, one in `emit/extensions/`, and a model field.

mod login;
mod naming;
mod paginator;
mod then_wait;
mod upload_wait;
mod waiters;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::names::snake;
use super::Builder;
use crate::diagnostics::{pointer_of, pointer_token, Error};
use crate::model::Operation;

pub const STRIP_SUFFIX: &str = "x-contractfit-strip-suffix";
pub const VERB_NAMES: &str = "x-contractfit-verb-names";
pub const NAME: &str = "x-contractfit-name";
pub const WAITERS: &str = "x-contractfit-waiters";
pub const PAGINATOR: &str = "x-contractfit-paginator";
pub const UPLOAD_WAIT: &str = "x-contractfit-upload-wait";
pub const THEN_WAIT: &str = "x-contractfit-then-wait";
/// On a security scheme: how to log in for its tokens.
pub const LOGIN: &str = "x-contractfit-login";

type Extensions = indexmap::IndexMap<String, Value>;

/// Where the first `null` in `value` is.
fn first_null(value: &Value, pointer: String) -> Option<String> {
    match value {
        Value::Null => Some(pointer),
        Value::Object(map) => map
            .iter()
            .find_map(|(key, v)| first_null(v, format!("{pointer}/{}", pointer_token(key)))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_null(v, format!("{pointer}/{i}"))),
        _ => None,
    }
}

impl Builder<'_> {
    /// The client methods the extensions add (`wait_until_<waiter>`, `<upload>_batch`) among
    /// the operations' methods and each other: a second of one name is an error at the
    /// extension that makes it, since either would be generated code that does not compile.
    pub(in crate::build) fn check_extension_methods(
        &self,
        operations: &[Operation],
        pointers: &[String],
    ) -> Result<(), Error> {
        let mut taken: std::collections::BTreeMap<String, String> = operations
            .iter()
            .map(|op| (op.name.clone(), format!("operation `{}`", op.name)))
            .collect();
        for (op, pointer) in operations.iter().zip(pointers) {
            if op.upload_wait.is_some() && op.then_wait.is_some() {
                return Err(self.invalid(
                    &format!("{pointer}/{}", THEN_WAIT),
                    &format!(
                        "`{}` has an upload-and-wait already: both would make its builder's \
                         `send_and_wait`; keep one",
                        op.name
                    ),
                ));
            }
            let mut added: Vec<(String, String, String)> = op
                .waiters
                .iter()
                .map(|w| {
                    let at = format!("{pointer}/{}/{}", WAITERS, pointer_token(&w.key));
                    let what = format!("waiter `{}` of `{}`", w.name, op.name);
                    (w.method.clone(), at, what)
                })
                .collect();
            if let Some(upload) = &op.upload_wait {
                let at = format!("{pointer}/{}", UPLOAD_WAIT);
                let what = format!("the batch of `{}`", op.name);
                added.push((upload.batch_method.clone(), at, what));
            }
            for (method, at, what) in added {
                if let Some(first) = taken.insert(method.clone(), what.clone()) {
                    return Err(self.invalid(
                        &at,
                        &format!(
                            "{what} makes the client method `{method}`, which {first} already \
                             makes: rename one"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Extension `key` of `extensions` (at `pointer`) read as `T`, with the extension's own
    /// pointer; `None` when it is absent.
    fn extension<T: DeserializeOwned>(
        &self,
        extensions: &Extensions,
        key: &str,
        pointer: &str,
    ) -> Result<Option<(T, String)>, Error> {
        let Some(value) = extensions.get(key) else {
            return Ok(None);
        };
        let at = format!("{pointer}/{}", pointer_token(key));
        Ok(Some((self.read(value, &at)?, at)))
    }

    /// `value` (at `pointer`) read as `T`; a shape error names the pointer where it is. A
    /// `null` anywhere is an error too: serde would read it as a key left out, and a setting
    /// written `find: null` would silently be none.
    fn read<T: DeserializeOwned>(&self, value: &Value, pointer: &str) -> Result<T, Error> {
        if let Some(at) = first_null(value, pointer.to_owned()) {
            return Err(self.invalid(&at, "`null` is not a setting: leave the key out"));
        }
        serde_path_to_error::deserialize(value).map_err(|e| {
            let at = format!("{pointer}{}", pointer_of(e.path()));
            self.invalid(&at, &e.into_inner().to_string())
        })
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

    /// The operation `operation_id` names and its waiter `waiter` (snake case), for the
    /// extensions that wait on another operation.
    fn polled_waiter<'o>(
        &self,
        operation_id: &str,
        waiter: &str,
        operations: &'o [Operation],
        pointer: &str,
    ) -> Result<(&'o Operation, String), Error> {
        let polled = self.operation_by_id(operations, operation_id, pointer)?;
        let waiter = snake(waiter);
        if !polled.waiters.iter().any(|w| w.name == waiter) {
            return Err(self.invalid(
                pointer,
                &format!("{operation_id} declares no waiter {waiter:?}"),
            ));
        }
        Ok((polled, waiter))
    }

    /// `text` (the value of `key` at `pointer`) when it is a JSON pointer.
    fn json_pointer(&self, text: &str, pointer: &str, key: &str) -> Result<String, Error> {
        if !text.starts_with('/') {
            return Err(self.invalid(
                &format!("{pointer}/{key}"),
                "must be a JSON pointer (starting with /)",
            ));
        }
        Ok(text.to_owned())
    }
}

//! `x-contractfit-then-wait` on an operation: a call whose effect is waited for with another
//! operation's waiter (`send_and_wait`), which it passes its own required parameters.

use serde::Deserialize;

use super::{Extensions, THEN_WAIT};
use crate::build::Builder;
use crate::diagnostics::Error;
use crate::model::{Operation, ThenWait};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    operation_id: String,
    waiter: String,
    /// A JSON pointer into the polled answer, to the value the call changes.
    changed: String,
}

impl Builder<'_> {
    /// Reads `x-contractfit-then-wait` once every operation is known. The polled operation's
    /// required parameters must all be this operation's too (by name): they are passed along.
    pub(in crate::build) fn then_wait(
        &self,
        extensions: &Extensions,
        operation: &Operation,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<Option<ThenWait>, Error> {
        let Some((spec, pointer)) = self.extension::<Spec>(extensions, THEN_WAIT, pointer)? else {
            return Ok(None);
        };
        let (polled, waiter) =
            self.polled_waiter(&spec.operation_id, &spec.waiter, operations, &pointer)?;
        if polled.request_body.as_ref().is_some_and(|b| b.required) {
            return Err(self.invalid(
                &pointer,
                &format!("{} takes a body: a wait cannot poll it", polled.name),
            ));
        }
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
        Ok(Some(ThenWait {
            operation: polled.name.clone(),
            waiter,
            changed: self.json_pointer(&spec.changed, &pointer, "changed")?,
        }))
    }
}

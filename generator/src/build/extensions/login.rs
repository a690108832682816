//! `x-contractfit-login` on a security scheme: the operation that logs in with a username and
//! a password, and where its answer holds the token.

use serde::Deserialize;

use super::{Extensions, LOGIN};
use crate::build::Builder;
use crate::diagnostics::Error;
use crate::model::{Login, Operation};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Spec {
    operation_id: String,
    username: String,
    password: String,
    token: String,
}

impl Builder<'_> {
    /// Reads the login of the scheme at `pointer`, whose extensions are `extensions`.
    pub(in crate::build) fn login(
        &self,
        extensions: &Extensions,
        operations: &[Operation],
        pointer: &str,
    ) -> Result<Option<Login>, Error> {
        let Some((spec, pointer)) = self.extension::<Spec>(extensions, LOGIN, pointer)? else {
            return Ok(None);
        };
        let operation = self.operation_by_id(operations, &spec.operation_id, &pointer)?;
        Ok(Some(Login {
            method: operation.method,
            path: operation.path.template.clone(),
            username_field: spec.username,
            password_field: spec.password,
            token_pointer: self.json_pointer(&spec.token, &pointer, "token")?,
        }))
    }
}

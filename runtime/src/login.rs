//! Tokens obtained by logging in: fetched once, shared, refreshed before they expire.

use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::auth::{jwt_expiry, Login, Secret};
use crate::error::{ApiError, ErrorContext};
use crate::idle::IdleTimer;
use crate::redact::Redactor;
use crate::response::read_body;
use crate::Error;

/// A token is renewed when it has less than this left before its `exp`.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(30);

#[derive(Default)]
pub(crate) struct TokenCache {
    // An async mutex held across the login: concurrent calls wait for the one login in
    // flight instead of each starting their own.
    state: tokio::sync::Mutex<Option<Cached>>,
}

struct Cached {
    token: Arc<str>,
    /// Seconds since the epoch, from the JWT's `exp`; `None` for tokens without one.
    expires_at: Option<i64>,
}

impl Cached {
    fn is_fresh(&self) -> bool {
        match self.expires_at {
            None => true,
            Some(exp) => {
                let now = chrono::Utc::now().timestamp();
                exp - (REFRESH_MARGIN.as_secs() as i64) > now
            }
        }
    }
}

/// What a login needs besides the endpoint.
pub(crate) struct LoginRequest<'a> {
    pub http: &'a reqwest::Client,
    pub base_url: &'a str,
    pub login: &'a Login,
    pub username: &'a str,
    pub password: &'a Secret,
    pub timeout: Duration,
    pub max_body_size: usize,
    pub context: ErrorContext,
    /// Learns each token obtained, so that no error or echo shows it.
    pub redactor: &'a Redactor,
}

impl TokenCache {
    /// A fresh token, logging in first if there is none.
    pub(crate) async fn token(&self, request: LoginRequest<'_>) -> Result<Arc<str>, Error> {
        let mut state = self.state.lock().await;
        if let Some(cached) = state.as_ref().filter(|c| c.is_fresh()) {
            return Ok(cached.token.clone());
        }
        let token: Arc<str> = log_in(&request).await?.into();
        request.redactor.learn(&token);
        *state = Some(Cached {
            expires_at: jwt_expiry(&token),
            token: token.clone(),
        });
        Ok(token)
    }

    /// Forgets `rejected` (the server answered 401 to it), unless another call already
    /// replaced it: a burst of 401s leads to one new login, not one each.
    pub(crate) async fn invalidate(&self, rejected: &str) {
        let mut state = self.state.lock().await;
        if state.as_ref().is_some_and(|c| &*c.token == rejected) {
            *state = None;
        }
    }
}

async fn log_in(request: &LoginRequest<'_>) -> Result<String, Error> {
    let context = request.context;
    let login = request.login;
    let redactor = request.redactor;
    let span = tracing::info_span!(
        "contractfit.login",
        method = login.method,
        path = login.path
    );
    let fail = |message: String, source: Option<Error>| Error::Auth {
        context,
        message,
        source: source.map(Box::new),
    };
    let body = serde_json::json!({
        login.username_field: request.username,
        login.password_field: request.password.expose(),
    });
    let method = http::Method::from_bytes(login.method.as_bytes()).unwrap_or(http::Method::POST);
    let url = format!("{}{}", request.base_url, login.path);
    let sent = request
        .http
        .request(method, url)
        .timeout(request.timeout)
        .json(&body)
        .send()
        .instrument(span)
        .await;
    let mut response = sent.map_err(|source| {
        fail(
            format!("login {} {} could not be sent", login.method, login.path),
            Some(redactor.transport(context, source)),
        )
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    let limit = request.max_body_size;
    let mut timer = IdleTimer::new(request.timeout);
    let bytes = read_body(&mut response, limit, &mut timer)
        .await
        .map_err(|error| {
            fail(
                format!(
                    "login {} {} reply could not be read",
                    login.method, login.path
                ),
                Some(error.into_error(context, status, headers.clone(), limit, redactor)),
            )
        })?;
    if !status.is_success() {
        let api = Error::Api(Box::new(ApiError::new(
            context, status, headers, bytes, redactor,
        )));
        return Err(fail(
            format!("login {} {} answered {status}", login.method, login.path),
            Some(api),
        ));
    }
    let reply: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        fail(
            redactor
                .text(&format!("login reply is not JSON: {e}"))
                .into(),
            None,
        )
    })?;
    reply
        .pointer(login.token_pointer)
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            fail(
                format!("login reply has no token at {}", login.token_pointer),
                None,
            )
        })
}

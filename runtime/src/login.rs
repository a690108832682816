//! Tokens obtained by logging in: fetched once, shared, refreshed before they expire.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use tracing::Instrument;

use crate::auth::{jwt_expiry, Login, Secret};
use crate::error::{ApiError, ErrorContext};
use crate::idle::{ahead, IdleTimer};
use crate::redact::Redactor;
use crate::response::read_body;
use crate::Error;

/// A token is renewed when it has less than this left before its `exp`.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// How long a refused login is remembered: calls in that time fail at once with the refusal
/// instead of each trying again. A wrong password tried by every call of a busy client would
/// soon lock the account; once every five minutes, it does not.
const REFUSAL_MEMORY: Duration = Duration::from_secs(300);

#[derive(Default)]
pub(crate) struct TokenCache {
    // An async mutex held across the login: concurrent calls wait for the one login in
    // flight instead of each starting their own, and learn its failure as well as its token.
    state: tokio::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    token: Option<Cached>,
    refused: Option<Refused>,
}

struct Cached {
    token: Arc<str>,
    /// When to log in again, from the JWT's `exp`; `None` for tokens used until refused.
    renew_at: Option<Instant>,
}

impl Cached {
    /// A token from a login just now. It is renewed `REFRESH_MARGIN` before its `exp`, told by
    /// this machine's clock; a token that by that clock has no more than the margin left (a
    /// short-lived one, or a clock ahead of the server's) is used until the server refuses it,
    /// rather than logging in again for every call.
    fn new(token: Arc<str>) -> Self {
        // Checked: `exp` is the server's number, and may be anything.
        let left =
            jwt_expiry(&token).and_then(|exp| exp.checked_sub(chrono::Utc::now().timestamp()));
        let renew_in = left
            .and_then(|left| u64::try_from(left).ok())
            .and_then(|left| left.checked_sub(REFRESH_MARGIN.as_secs()))
            .filter(|&renew_in| renew_in > 0);
        Cached {
            token,
            renew_at: renew_in.map(|secs| ahead(Instant::now(), Duration::from_secs(secs))),
        }
    }

    fn is_fresh(&self) -> bool {
        self.renew_at.is_none_or(|at| Instant::now() < at)
    }
}

/// A login the server refused.
struct Refused {
    message: String,
    answer: ApiError,
    until: Instant,
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
    /// A fresh token, logging in first if there is none; the remembered refusal if the last
    /// login was refused lately.
    pub(crate) async fn token(&self, request: LoginRequest<'_>) -> Result<Arc<str>, Error> {
        let mut state = self.state.lock().await;
        if let Some(cached) = state.token.as_ref().filter(|c| c.is_fresh()) {
            return Ok(cached.token.clone());
        }
        if let Some(refused) = state.refused.as_ref().filter(|r| Instant::now() < r.until) {
            return Err(Error::Auth {
                context: request.context,
                message: format!(
                    "{} (a refused login is not tried again for {} s)",
                    refused.message,
                    REFUSAL_MEMORY.as_secs()
                ),
                source: Some(Box::new(Error::Api(Box::new(refused.answer.clone())))),
            });
        }
        match log_in(&request).await {
            Ok(token) => {
                let token: Arc<str> = token.into();
                request.redactor.learn(&token);
                state.token = Some(Cached::new(token.clone()));
                state.refused = None;
                Ok(token)
            }
            Err(error) => {
                if let Some(refused) = refusal(&error) {
                    state.refused = Some(refused);
                }
                Err(error)
            }
        }
    }

    /// Forgets `rejected` (the server answered 401 to it), unless another call already
    /// replaced it: a burst of 401s leads to one new login, not one each.
    pub(crate) async fn invalidate(&self, rejected: &str) {
        let mut state = self.state.lock().await;
        if state.token.as_ref().is_some_and(|c| &*c.token == rejected) {
            state.token = None;
        }
    }
}

/// The refusal to remember, if `error` is a login the server refused: an answer of 400, 401,
/// 403 or 422 (not one that may pass, as a 429 or a 5xx).
fn refusal(error: &Error) -> Option<Refused> {
    let Error::Auth {
        message,
        source: Some(answer),
        ..
    } = error
    else {
        return None;
    };
    let Error::Api(api) = answer.as_ref() else {
        return None;
    };
    matches!(api.status.as_u16(), 400 | 401 | 403 | 422).then(|| Refused {
        message: message.clone(),
        answer: api.as_ref().clone(),
        until: ahead(Instant::now(), REFUSAL_MEMORY),
    })
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
            Some(Error::transport(context, source, redactor)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn token_expiring_at(exp: &str) -> Arc<str> {
        use base64::Engine;
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{{\"exp\":{exp}}}"));
        format!("e30.{payload}.sig").into()
    }

    /// A token's `exp` is the server's number: any value is a token to use, not a panic.
    /// (Before: `exp - now` overflowed for an `exp` near `i64::MIN`, and debug builds panicked.)
    #[test]
    fn any_exp_is_a_token_to_use() {
        for exp in [
            "-1e19",
            "1e19",
            "-9223372036854775808",
            "0",
            "NaN",
            "\"soon\"",
        ] {
            let cached = Cached::new(token_expiring_at(exp));
            let _ = cached.is_fresh();
        }
        let far = Cached::new(token_expiring_at("1e19"));
        assert!(far.is_fresh());
    }
}

//! One error type for every operation.
//!
//! Each variant keeps what the caller needs to act on it: an API error keeps the status,
//! headers and the whole body; a body that did not decode keeps the raw bytes and the serde
//! error with its path. Nothing the server sent is thrown away.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

pub(crate) mod wait;

use crate::redact::Redactor;
use crate::Operation;
pub use wait::{WaitError, WaitFailure};

/// Which call an error belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorContext {
    pub operation: &'static str,
    pub method: &'static str,
    pub path: &'static str,
}

impl From<&Operation> for ErrorContext {
    fn from(op: &Operation) -> Self {
        ErrorContext {
            operation: op.name,
            method: op.method,
            path: op.path,
        }
    }
}

impl fmt::Display for ErrorContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.operation, self.method, self.path)
    }
}

/// Everything that can go wrong in a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built: a parameter, header or body was invalid, or an upload's
    /// file could not be opened. Nothing was sent.
    #[error("{context}: invalid request: {message}")]
    InvalidRequest {
        context: ErrorContext,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The request could not be sent or the response not received (connection refused or
    /// reset, TLS, a body cut short).
    #[error("{context}: transport error: {source}")]
    Transport {
        context: ErrorContext,
        #[source]
        source: reqwest::Error,
    },
    /// A timeout elapsed.
    #[error("{context}: timed out after {elapsed:?} ({kind})")]
    Timeout {
        context: ErrorContext,
        kind: TimeoutKind,
        elapsed: Duration,
    },
    /// The server answered with a status other than 2xx.
    #[error("{}: {}", .0.context, .0)]
    Api(Box<ApiError>),
    /// A 2xx body that does not have the shape the document declares.
    #[error("{}: {}", .0.context, .0)]
    Decode(Box<DecodeError>),
    /// Credentials could not be obtained (for example, logging in for a token failed).
    #[error("{context}: authentication failed: {message}")]
    Auth {
        context: ErrorContext,
        message: String,
        #[source]
        source: Option<Box<Error>>,
    },
    /// Waiting ended without success: the resource reached a failure state, the maximum wait
    /// passed, or a poll failed; or the call that started a wait went through but its reply
    /// held no id. What every wait's [`WaitError`] becomes with `?` (unless the call that was
    /// to start the wait failed: that is the call's own error). The resource's id is kept
    /// ([`Error::resource_id`]).
    #[error(transparent)]
    Wait(Box<WaitError>),
    /// A response body longer than the client's limit for bodies read into memory
    /// ([`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size)).
    #[error("{}: {}", .0.context, .0)]
    TooLarge(Box<BodyTooLarge>),
    /// The client could not be built (what `Client::builder()…build()?` and
    /// `Client::from_env()?` become in a function returning this error).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// Part of a [`Json`](crate::Json) value is not the type it was read as (what
    /// `get_as`, `pointer_as` and `to_typed` become with `?`).
    #[error(transparent)]
    Json(#[from] crate::JsonError),
}

impl<T> From<WaitError<T>> for Error {
    fn from(error: WaitError<T>) -> Self {
        error.into_error()
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("no base URL: the document declares no server, so one must be given")]
    NoBaseUrl,
    #[error("invalid base URL {0}")]
    InvalidBaseUrl(String),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
    /// The environment does not give what
    /// [`ClientBuilder::env`](crate::ClientBuilder::env) needs; the message names the variable
    /// to set.
    #[error("{0}")]
    Environment(String),
}

/// Which timeout elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection.
    Connect,
    /// No byte moved for the idle timeout: none of the request could be sent, no answer came
    /// to a request sent whole, or the next piece of the answer did not come.
    Idle,
    /// One attempt (request sent, response head and body received), when a limit on the
    /// whole attempt is set.
    Attempt,
    /// All attempts together, retries and their delays included.
    Total,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "connect timeout",
            TimeoutKind::Idle => "idle timeout: no byte sent or received",
            TimeoutKind::Attempt => "attempt timeout",
            TimeoutKind::Total => "total timeout",
        })
    }
}

/// A non-2xx response, whole.
///
/// `body` and `headers` are exactly as received. What the error *shows* (`Display`, `Debug`)
/// has the client's own credentials replaced by `<redacted>`, for servers that echo a request
/// back; [`ApiError::redacted_text`] gives the same text.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    pub context: ErrorContext,
    pub status: StatusCode,
    /// Header values that hold one of the client's credentials are marked sensitive, so that
    /// `Debug` of the map hides them; the values are kept.
    pub headers: HeaderMap,
    /// The body exactly as received.
    pub body: Bytes,
    redactor: Redactor,
}

impl ApiError {
    pub(crate) fn new(
        context: ErrorContext,
        status: StatusCode,
        mut headers: HeaderMap,
        body: Bytes,
        redactor: &Redactor,
    ) -> Self {
        redactor.headers(&mut headers);
        ApiError {
            context,
            status,
            headers,
            body,
            redactor: redactor.clone(),
        }
    }

    /// The body as JSON of a type the caller expects (the document declares no error bodies).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// How long the server asked the client to wait before trying again (`Retry-After`, in
    /// seconds or as an HTTP date), as sent with a 429 or 503.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        crate::headers::retry_after(&self.headers)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body as text with the client's credentials replaced by `<redacted>`: for logs and
    /// messages.
    pub fn redacted_text(&self) -> String {
        self.redactor.bytes(&self.body)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "server answered {}", self.status)?;
        let text = self.redacted_text();
        let text = text.trim();
        if !text.is_empty() {
            // The start of the body is usually the server's own explanation.
            let excerpt: String = text.chars().take(200).collect();
            let more = if excerpt.len() < text.len() {
                "…"
            } else {
                ""
            };
            write!(f, ": {excerpt}{more}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("context", &self.context)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.redacted_text())
            .finish()
    }
}

/// A response whose body is longer than the client reads into memory. What arrived up to the
/// limit is kept; the rest was not read (the connection is closed, not drained).
#[derive(Clone)]
#[non_exhaustive]
pub struct BodyTooLarge {
    pub context: ErrorContext,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The limit the body passed, in bytes.
    pub limit: usize,
    /// The body's first bytes, up to the limit; none when its declared length was already
    /// longer.
    pub received: Bytes,
}

impl BodyTooLarge {
    pub(crate) fn new(
        context: ErrorContext,
        status: StatusCode,
        mut headers: HeaderMap,
        limit: usize,
        received: Bytes,
        redactor: &Redactor,
    ) -> Self {
        redactor.headers(&mut headers);
        BodyTooLarge {
            context,
            status,
            headers,
            limit,
            received,
        }
    }
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response ({}) has a body longer than {} bytes, the most the client reads into \
             memory (ClientBuilder::max_body_size)",
            self.status, self.limit
        )
    }
}

impl fmt::Debug for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BodyTooLarge")
            .field("context", &self.context)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("limit", &self.limit)
            .field("received", &format_args!("<{} bytes>", self.received.len()))
            .finish()
    }
}

/// A 2xx body that did not decode as the declared type.
///
/// Like [`ApiError`], it keeps `body` exactly and shows it with the client's credentials
/// redacted.
#[non_exhaustive]
pub struct DecodeError {
    pub context: ErrorContext,
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body exactly as received.
    pub body: Bytes,
    /// Where in the body decoding failed, as a serde path (`results[3].timings.done_time`).
    pub path: String,
    pub source: serde_json::Error,
    redactor: Redactor,
}

impl DecodeError {
    pub(crate) fn new(
        context: ErrorContext,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        failure: serde_path_to_error::Error<serde_json::Error>,
        redactor: &Redactor,
    ) -> Self {
        let path = failure.path().to_string();
        DecodeError::at(
            context,
            status,
            headers,
            body,
            path,
            failure.into_inner(),
            redactor,
        )
    }

    /// An error at `path` in `body`, for a part of a body decoded on its own.
    pub(crate) fn at(
        context: ErrorContext,
        status: StatusCode,
        mut headers: HeaderMap,
        body: Bytes,
        path: String,
        source: serde_json::Error,
        redactor: &Redactor,
    ) -> Self {
        redactor.headers(&mut headers);
        DecodeError {
            context,
            status,
            headers,
            body,
            path,
            source,
            redactor: redactor.clone(),
        }
    }

    /// The body as text with the client's credentials replaced by `<redacted>`.
    pub fn redacted_text(&self) -> String {
        self.redactor.bytes(&self.body)
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's message quotes the value that did not fit, which may be an echoed secret.
        let message = format!(
            "response body ({}, {} bytes) did not decode at `{}`: {}",
            self.status,
            self.body.len(),
            self.path,
            self.source
        );
        f.write_str(&self.redactor.text(&message))
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("context", &self.context)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &self.redacted_text())
            .field("path", &self.redactor.text(&self.path))
            .field("source", &self.redactor.text(&self.source.to_string()))
            .finish()
    }
}

impl Error {
    /// A transport error, its URL redacted.
    pub(crate) fn transport(
        context: ErrorContext,
        source: reqwest::Error,
        redactor: &Redactor,
    ) -> Self {
        Error::Transport {
            context,
            source: redactor.reqwest(source),
        }
    }

    /// The HTTP status, when the server answered (for a wait, the last poll's).
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::TooLarge(e) => Some(e.status),
            Error::Wait(e) => e.status(),
            _ => None,
        }
    }

    /// The response body, when the server sent one (for a wait, the last poll's).
    pub fn body(&self) -> Option<&Bytes> {
        match self {
            Error::Api(e) => Some(&e.body),
            Error::Decode(e) => Some(&e.body),
            Error::TooLarge(e) => Some(&e.received),
            Error::Wait(e) => e.last_body(),
            _ => None,
        }
    }

    /// Which call failed; `None` for a wait that ended without a failed call (a failure
    /// state, or the maximum wait), and for what is no call (building a client, reading
    /// `Json`).
    pub fn context(&self) -> Option<&ErrorContext> {
        match self {
            Error::InvalidRequest { context, .. }
            | Error::Transport { context, .. }
            | Error::Timeout { context, .. }
            | Error::Auth { context, .. } => Some(context),
            Error::Api(e) => Some(&e.context),
            Error::Decode(e) => Some(&e.context),
            Error::TooLarge(e) => Some(&e.context),
            Error::Wait(e) => e.poll_error().and_then(Error::context),
            Error::Build(_) | Error::Json(_) => None,
        }
    }

    /// The id of the resource a wait was for: for `send_and_wait`, the resource the call
    /// created or changed, when it went through and waiting for it failed.
    pub fn resource_id(&self) -> Option<&str> {
        match self {
            Error::Wait(e) => e.id(),
            _ => None,
        }
    }

    /// Whether making the same call again might succeed without doing its work twice: the
    /// failure may pass (a connection failure, a timeout, the statuses 408, 429, 502, 503 and
    /// 504), and the call is idempotent (GET, PUT, DELETE, …) or certainly was not processed
    /// (no connection was made, or the server answered 408 or 429). A wait that ran out of
    /// time may be waited again, since a wait only polls.
    ///
    /// Not retryable, because repeating them could do the work twice: a POST or PATCH that
    /// timed out or lost its connection after the request left (the server may have processed
    /// it), and a `send_and_wait` whose wait failed after its call was accepted (an upload, a
    /// reprocess: wait again for [`Error::resource_id`] instead).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Wait(e) => e.is_retryable(),
            _ => {
                self.is_transient()
                    && (self.certainly_not_processed()
                        || self.context().is_some_and(|c| idempotent_method(c.method)))
            }
        }
    }

    /// Whether the failure may pass if the request is made again, whatever the request did:
    /// connection failures, timeouts and the statuses 408, 429, 502, 503 and 504.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Error::Transport { source, .. } => !source.is_builder() && !source.is_decode(),
            Error::Timeout { .. } => true,
            Error::Api(e) => is_retryable_status(e.status),
            _ => false,
        }
    }

    /// Whether the request certainly did not reach the server's processing: no connection was
    /// made, or the server refused it unread (408) or unprocessed (429). Such a request can be
    /// repeated whatever its method.
    pub(crate) fn certainly_not_processed(&self) -> bool {
        match self {
            Error::Transport { source, .. } => source.is_connect(),
            Error::Timeout {
                kind: TimeoutKind::Connect,
                ..
            } => true,
            Error::Api(api) => matches!(api.status.as_u16(), 408 | 429),
            _ => false,
        }
    }

    pub(crate) fn invalid(context: ErrorContext, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            context,
            message: message.into(),
            source: None,
        }
    }
}

/// Whether an HTTP method's requests may be repeated without changing the result again
/// (RFC 9110 §9.2.2).
fn idempotent_method(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 408 | 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{WaitError, WaitFailure};

    fn context(method: &'static str) -> ErrorContext {
        ErrorContext {
            operation: "op",
            method,
            path: "/p",
        }
    }

    fn timeout(method: &'static str, kind: TimeoutKind) -> Error {
        Error::Timeout {
            context: context(method),
            kind,
            elapsed: Duration::from_secs(1),
        }
    }

    fn api(method: &'static str, status: u16) -> Error {
        Error::Api(Box::new(ApiError::new(
            context(method),
            StatusCode::from_u16(status).unwrap(),
            HeaderMap::new(),
            Bytes::new(),
            &Redactor::default(),
        )))
    }

    fn wait_ran_out() -> WaitError {
        let reason = WaitFailure::TimedOut {
            max_wait: Duration::from_secs(300),
            last: None,
        };
        let elapsed = Duration::from_secs(300);
        WaitError::ended(
            "document_processed",
            Some("doc-1".into()),
            20,
            elapsed,
            reason,
        )
    }

    /// "Retryable" means that repeating the call cannot do its work twice. (Before: an upload
    /// whose wait ran out, and a POST that timed out after it was sent, were retryable, and a
    /// retry wrapper around `is_retryable` uploaded the document again.)
    /// A wait's error is small whatever the polled type: a `Result` holding it is not one that
    /// clippy's `result_large_err` flags (128 bytes) in a user's function.
    #[test]
    fn a_wait_error_is_small() {
        assert_eq!(std::mem::size_of::<WaitError<[u8; 4096]>>(), 8);
        let size = std::mem::size_of::<Error>();
        assert!(size < 128, "{size} bytes");
    }

    #[test]
    fn retryable_means_repeating_cannot_do_the_work_twice() {
        let upload_wait_ran_out = Error::from(wait_ran_out().after_call("upload_document"));
        let reprocess_wait_ran_out = Error::from(wait_ran_out().after_call("reprocess_document"));
        let cases = [
            (upload_wait_ran_out, false),
            (reprocess_wait_ran_out, false),
            (timeout("POST", TimeoutKind::Idle), false),
            (timeout("POST", TimeoutKind::Attempt), false),
            (timeout("PATCH", TimeoutKind::Total), false),
            (api("POST", 502), false),
            (api("POST", 503), false),
            (api("POST", 400), false),
            (timeout("POST", TimeoutKind::Connect), true),
            (api("POST", 429), true),
            (api("POST", 408), true),
            (timeout("GET", TimeoutKind::Idle), true),
            (timeout("PUT", TimeoutKind::Attempt), true),
            (api("GET", 503), true),
            (api("DELETE", 504), true),
            (api("GET", 404), false),
            (Error::from(wait_ran_out()), true),
        ];
        for (error, retryable) in cases {
            assert_eq!(error.is_retryable(), retryable, "{error}");
        }
    }
}

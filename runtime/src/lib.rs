//! The runtime behind the generated Contract.fit client.
//!
//! Generated code describes each call (an operation and a request); this crate sends it: URL
//! and credentials, attempts with timeouts, retries with backoff, and the typed or raw
//! response, or one [`Error`] type that keeps whatever the server sent.
//!
//! The runtime is generic: what it knows about an operation (name, method, path, security
//! requirements, idempotency) comes from the generated code, never from names written here.
//!
//! What is documented here is the stable public API, the part users of a generated crate
//! name: the client and its builder, credentials, call options and retry policies, responses
//! and bodies, errors, waits' progress and errors, date-times and files. The descriptions the
//! generated code hands to the runtime (operations, requests, waiters, forms) are public only
//! so that generated crates can use them; they are hidden from these docs and may change in any
//! release (`CHANGELOG.md` lists them, marked plumbing).

mod auth;
mod client;
mod datetime;
mod error;
mod given;
mod headers;
mod idle;
mod json;
mod login;
mod multipart;
mod operation;
mod page;
mod pick;
mod preview;
mod redact;
mod request;
mod response;
mod retry;
mod unknown;
mod waiter;
mod wire;

// The stable public API.
pub use auth::{ApiKeyLocation, Credentials, Secret, DEFAULT_TOKEN_PREFIX};
#[allow(deprecated)]
pub use client::DEFAULT_ATTEMPT_TIMEOUT;
pub use client::{
    install_tls_provider, Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
};
pub use datetime::{DateTime, ParseDateTimeError};
pub use error::{
    ApiError, BodyTooLarge, BuildError, DecodeError, Error, ErrorContext, TimeoutKind, WaitError,
    WaitFailure,
};
pub use json::{Json, JsonError};
pub use login::REFRESH_MARGIN;
pub use multipart::FilePart;
pub use preview::RequestPreview;
pub use redact::REDACTED;
pub use request::CallOptions;
pub use response::{ApiResponse, ByteStream, RawBody, DEFAULT_MAX_BODY_SIZE};
pub use retry::RetryPolicy;
pub use unknown::UnknownValue;
pub use waiter::PollState;

// Plumbing for generated code: public so that generated crates can name it, hidden from the
// docs, and free to change in any release.
#[doc(hidden)]
pub use auth::{Login, SchemeKind, SecurityScheme};
#[doc(hidden)]
pub use given::{Given, Setting, CREDENTIAL_SETTINGS};
#[doc(hidden)]
pub use json::present;
#[doc(hidden)]
pub use multipart::{file_name_as_sent, Check, CheckContent, Form};
#[doc(hidden)]
pub use operation::Operation;
#[doc(hidden)]
pub use page::{is_last_page, walk_pages, PageItems, RepeatedPages};
#[doc(hidden)]
pub use request::{json_text, path_segment, url_encoded, Body, PathSegment, Request, URL_ENCODED};
#[doc(hidden)]
pub use response::Response;
#[doc(hidden)]
pub use waiter::{
    Acceptor, AcceptorState, Comparator, Condition, Expected, Matcher, PollResult, Polled,
    Progress, Stale, Waiter,
};

/// Re-exported so that generated code and callers use the same versions.
pub use {bytes, chrono, futures, http, reqwest, serde, serde_json};

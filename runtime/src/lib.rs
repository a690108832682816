//! The runtime behind the generated Contract.fit client.
//!
//! Generated code describes each call (an [`Operation`] and a [`Request`]); this crate sends
//! it: URL and credentials, attempts with timeouts, retries with backoff, and the typed or raw
//! response, or one [`Error`] type that keeps whatever the server sent.
//!
//! The runtime is generic: what it knows about an operation (name, method, path, security
//! requirements, idempotency) comes from the generated code, never from names written here.

mod auth;
#[cfg(feature = "cli")]
pub mod cli;
mod client;
mod datetime;
mod error;
mod given;
mod login;
mod multipart;
mod operation;
mod preview;
mod redact;
mod request;
mod response;
mod retry;
mod unknown;
mod waiter;

pub use auth::{
    ApiKeyLocation, Credentials, Login, SchemeKind, Secret, SecurityScheme, DEFAULT_TOKEN_PREFIX,
};
pub use client::{
    BuildError, Client, ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT,
};
pub use datetime::{DateTime, ParseDateTimeError};
pub use error::{ApiError, DecodeError, Error, ErrorContext, TimeoutKind};
pub use login::REFRESH_MARGIN;
pub use multipart::{FilePart, Form};
pub use operation::Operation;
pub use preview::{RequestPreview, REDACTED};
pub use request::{json_text, path_segment, Body, CallOptions, Request};
pub use response::{ApiResponse, ByteStream, RawBody, Response};
pub use retry::RetryPolicy;
pub use unknown::UnknownValue;
pub use waiter::{
    Acceptor, AcceptorState, Comparator, Condition, Expected, Matcher, PollResult, PollState,
    Polled, Progress, UploadWaitError, WaitError, Waiter,
};

/// Re-exported so that generated code and callers use the same versions.
pub use {bytes, chrono, futures, http, reqwest, serde, serde_json};

//! The one error every way to wait returns: a waiter's `send`, and `send_and_wait` of a call
//! that starts a wait (an upload, a reprocess).

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::{Error, Json};

/// Why a wait ended without success, and for which resource.
///
/// Every way to wait returns it: a `wait_until_*` waiter's `send`, and the `send_and_wait` of a
/// call that starts a wait (an upload, a reprocess). `T` is the polled operation's response
/// type: a failure state read from a 2xx body comes decoded ([`WaitError::failed`]).
///
/// When a call started the wait ([`started_by`](Self::started_by)) and went through, repeating
/// it would do its work again (a second upload): wait for [`id`](Self::id) again instead. The
/// message says so, and [`is_retryable`](Self::is_retryable) is false. How the wait ended is
/// its [`reason`](Self::reason).
///
/// `?` turns it into [`Error::Wait`], or, when the starting call itself failed, into that call's
/// own error. `Debug` shows the bodies it keeps by their size only: a body may echo a
/// credential, and the waiter does not know the client's (the poll's own errors are redacted as
/// always). Read them with [`WaitError::last_body`].
pub struct WaitError<T = Json>(Box<Ended<T>>);

/// What a [`WaitError`] knows, in one allocation: the error itself is a pointer, so that a
/// `Result` holding it stays small whatever the polled type.
struct Ended<T> {
    waiter: &'static str,
    id: Option<String>,
    started_by: Option<&'static str>,
    polls: u32,
    elapsed: Duration,
    reason: WaitFailure<T>,
}

/// How a wait ended without success.
#[non_exhaustive]
pub enum WaitFailure<T = Json> {
    /// The call that was to start the wait failed: nothing was waited for.
    Call(Error),
    /// The starting call was accepted, but its reply holds no id at `pointer`.
    NoId { pointer: &'static str, body: Bytes },
    /// The maximum wait passed; `last` is the last poll's body, if a poll answered.
    TimedOut {
        max_wait: Duration,
        last: Option<Bytes>,
    },
    /// The resource reached a failure state. `body` is the last poll's body as received;
    /// `value` is that body decoded as the polled operation's response, when the answer was a
    /// 2xx that decodes (a failure state may be a status, such as a 404, instead).
    Failed {
        status: StatusCode,
        body: Bytes,
        value: Option<T>,
    },
    /// A poll failed in a way no acceptor covers (after the client's own retries).
    Poll(Error),
}

impl<T> WaitError<T> {
    /// A wait of `waiter` for `id` that ended after `polls` polls and `elapsed`.
    pub(crate) fn ended(
        waiter: &'static str,
        id: Option<String>,
        polls: u32,
        elapsed: Duration,
        reason: WaitFailure<T>,
    ) -> Self {
        WaitError(Box::new(Ended {
            waiter,
            id,
            started_by: None,
            polls,
            elapsed,
            reason,
        }))
    }

    /// The waiter's name, as the API document's overlay declares it (`document_processed`).
    pub fn waiter(&self) -> &'static str {
        self.0.waiter
    }

    /// The polled resource's id: the value of the polled operation's path parameter (joined
    /// with `/` when it has several). `None` only when the call that was to start the wait
    /// failed or its reply held no id.
    pub fn id(&self) -> Option<&str> {
        self.0.id.as_deref()
    }

    /// The operation whose call started the wait, for `send_and_wait`: once it went through,
    /// calling it again would do its work again.
    pub fn started_by(&self) -> Option<&'static str> {
        self.0.started_by
    }

    /// Polls sent.
    pub fn polls(&self) -> u32 {
        self.0.polls
    }

    /// From the start of the wait to its end.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed
    }

    /// How it ended.
    pub fn reason(&self) -> &WaitFailure<T> {
        &self.0.reason
    }

    /// How it ended, taken out.
    pub fn into_reason(self) -> WaitFailure<T> {
        self.0.reason
    }

    /// The resource reached a failure state: its last state, decoded.
    pub fn failed(&self) -> Option<&T> {
        match &self.0.reason {
            WaitFailure::Failed { value, .. } => value.as_ref(),
            _ => None,
        }
    }

    /// The status of the last answer, if one came.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.0.reason {
            WaitFailure::Failed { status, .. } => Some(*status),
            WaitFailure::Poll(source) | WaitFailure::Call(source) => source.status(),
            WaitFailure::NoId { .. } | WaitFailure::TimedOut { .. } => None,
        }
    }

    /// The last body the server sent, if any.
    pub fn last_body(&self) -> Option<&Bytes> {
        match &self.0.reason {
            WaitFailure::TimedOut { last, .. } => last.as_ref(),
            WaitFailure::Failed { body, .. } | WaitFailure::NoId { body, .. } => Some(body),
            WaitFailure::Poll(source) | WaitFailure::Call(source) => source.body(),
        }
    }

    /// The error of the call that failed: a poll's, or the starting call's.
    pub fn poll_error(&self) -> Option<&Error> {
        match &self.0.reason {
            WaitFailure::Poll(source) | WaitFailure::Call(source) => Some(source),
            _ => None,
        }
    }

    /// Whether doing the same again might succeed without doing any work twice. For a wait
    /// alone: the maximum wait passed, or the poll's error is retryable. For a wait started by a
    /// call: only when the call itself failed retryably; once it went through, repeating it
    /// would do its work again (wait for [`id`](Self::id) instead).
    pub fn is_retryable(&self) -> bool {
        match &self.0.reason {
            WaitFailure::Call(source) => source.is_retryable(),
            _ if self.0.started_by.is_some() => false,
            WaitFailure::TimedOut { .. } => true,
            WaitFailure::Poll(source) => source.is_retryable(),
            WaitFailure::Failed { .. } | WaitFailure::NoId { .. } => false,
        }
    }

    /// The same error with a failed state's body decoded as `U` (what a generated waiter does
    /// with the engine's answer, and `?` with a typed one).
    pub fn decoded<U: DeserializeOwned>(self) -> WaitError<U> {
        let ended = *self.0;
        let reason = match ended.reason {
            WaitFailure::Call(error) => WaitFailure::Call(error),
            WaitFailure::NoId { pointer, body } => WaitFailure::NoId { pointer, body },
            WaitFailure::TimedOut { max_wait, last } => WaitFailure::TimedOut { max_wait, last },
            WaitFailure::Failed { status, body, .. } => WaitFailure::Failed {
                value: decode(status, &body),
                status,
                body,
            },
            WaitFailure::Poll(error) => WaitFailure::Poll(error),
        };
        WaitError(Box::new(Ended {
            waiter: ended.waiter,
            id: ended.id,
            started_by: ended.started_by,
            polls: ended.polls,
            elapsed: ended.elapsed,
            reason,
        }))
    }

    /// What `?` makes of it: the starting call's own error when that call failed, else
    /// [`Error::Wait`] (its failed state read as JSON).
    pub(crate) fn into_error(self) -> Error {
        let ended = *self.0;
        match ended.reason {
            WaitFailure::Call(error) => error,
            reason => {
                let wait = WaitError(Box::new(Ended { reason, ..ended }));
                Error::Wait(Box::new(wait.decoded()))
            }
        }
    }

    /// The same error, marked as following a call of `operation` (plumbing for `send_and_wait`).
    #[doc(hidden)]
    pub fn after_call(mut self, operation: &'static str) -> Self {
        self.0.started_by = Some(operation);
        self
    }

    /// The starting call failed: nothing was waited for (plumbing for `send_and_wait`).
    #[doc(hidden)]
    pub fn call_failed(waiter: &'static str, operation: &'static str, error: Error) -> Self {
        WaitError::before_waiting(waiter, operation, WaitFailure::Call(error))
    }

    /// The starting call's reply held no id (plumbing for `send_and_wait`).
    #[doc(hidden)]
    pub fn no_id(
        waiter: &'static str,
        operation: &'static str,
        pointer: &'static str,
        body: Bytes,
    ) -> Self {
        WaitError::before_waiting(waiter, operation, WaitFailure::NoId { pointer, body })
    }

    fn before_waiting(
        waiter: &'static str,
        operation: &'static str,
        reason: WaitFailure<T>,
    ) -> Self {
        WaitError::ended(waiter, None, 0, Duration::ZERO, reason).after_call(operation)
    }
}

/// A failed state's body as the polled operation's response, when it is a 2xx that decodes.
pub(crate) fn decode<T: DeserializeOwned>(status: StatusCode, body: &Bytes) -> Option<T> {
    match status.is_success() {
        true => serde_json::from_slice(body).ok(),
        false => None,
    }
}

impl<T> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ended {
            waiter,
            id,
            started_by,
            polls,
            elapsed,
            reason,
        } = &*self.0;
        match (reason, id) {
            (WaitFailure::Call(source), _) => return fmt::Display::fmt(source, f),
            (WaitFailure::NoId { pointer, .. }, _) => {
                let call = started_by.unwrap_or("the call");
                return write!(
                    f,
                    "{call} was accepted, but its reply has no id at {pointer}: nothing to \
                     wait for with {waiter}"
                );
            }
            (_, Some(id)) => write!(f, "waiter {waiter} for {id}: ")?,
            (_, None) => write!(f, "waiter {waiter}: ")?,
        }
        match reason {
            WaitFailure::TimedOut { max_wait, .. } => write!(
                f,
                "still not done after {elapsed:?} and {polls} polls (max wait {max_wait:?})"
            )?,
            WaitFailure::Failed { status, .. } => {
                write!(f, "reached a failure state ({status}) after {polls} polls")?
            }
            WaitFailure::Poll(source) => write!(f, "poll {polls} failed: {source}")?,
            WaitFailure::Call(_) | WaitFailure::NoId { .. } => {}
        }
        if let (Some(call), Some(id)) = (started_by, id) {
            write!(
                f,
                " ({call} went through: wait for {id} again rather than call it again)"
            )?;
        }
        Ok(())
    }
}

impl<T> fmt::Debug for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitError")
            .field("waiter", &self.0.waiter)
            .field("id", &self.0.id)
            .field("started_by", &self.0.started_by)
            .field("polls", &self.0.polls)
            .field("elapsed", &self.0.elapsed)
            .field("reason", &self.0.reason)
            .finish()
    }
}

impl<T> fmt::Debug for WaitFailure<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitFailure::Call(source) => f.debug_tuple("Call").field(source).finish(),
            WaitFailure::NoId { pointer, body } => f
                .debug_struct("NoId")
                .field("pointer", pointer)
                .field("body", &BodySize(body.len()))
                .finish(),
            WaitFailure::TimedOut { max_wait, last } => f
                .debug_struct("TimedOut")
                .field("max_wait", max_wait)
                .field("last", &last.as_ref().map(|b| BodySize(b.len())))
                .finish(),
            WaitFailure::Failed {
                status,
                body,
                value,
            } => f
                .debug_struct("Failed")
                .field("status", status)
                .field("body", &BodySize(body.len()))
                .field("value", &value.as_ref().map(|_| Decoded))
                .finish(),
            WaitFailure::Poll(source) => f.debug_tuple("Poll").field(source).finish(),
        }
    }
}

impl<T> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.reason {
            WaitFailure::Poll(source) => Some(source),
            // The starting call's error is shown as this error's own message.
            WaitFailure::Call(source) => source.source(),
            _ => None,
        }
    }
}

/// A body in `Debug` output, by its size.
struct BodySize(usize);

impl fmt::Debug for BodySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

/// A decoded value in `Debug` output, by its presence: it holds what the body holds.
struct Decoded;

impl fmt::Debug for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<decoded>")
    }
}

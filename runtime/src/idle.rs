//! The idle timeout: an attempt fails when no byte has moved for a while, in either direction,
//! and a transfer that is making progress goes on.
//!
//! A limit on the whole attempt cannot tell the two apart: a 10 MB upload on a slow uplink
//! outlasts any sensible one, and a stalled connection is noticed only when it runs out. So an
//! attempt holds one timer, set `idle` ahead and moved on whenever bytes move: a piece of the
//! request body handed to the connection, the response head, a piece of the response body. The
//! request's pieces are counted as the connection takes them, not as they reach the wire: the
//! connection's buffers (see [`PIECE`]) set the slowest upload the timer allows.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::time::{Instant, Sleep};

/// When a request body last handed bytes on: shared between the body, which reports, and the
/// attempt, which reads it when its timer fires.
#[derive(Clone)]
pub(crate) struct Activity {
    origin: Instant,
    /// Nanoseconds from `origin` to the last report.
    last: Arc<AtomicU64>,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Activity {
            origin: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn report(&self) {
        let since = self.origin.elapsed().as_nanos();
        self.last
            .store(u64::try_from(since).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.origin + Duration::from_nanos(self.last.load(Ordering::Relaxed))
    }

    /// `body` (of `length` bytes, if known), and the activity it reports to as it hands each
    /// piece to the connection; no activity for a body the connection takes whole at once
    /// ([`UNSEEN`] bytes or fewer), for which reports would tell the timer nothing (and cost
    /// an upload of 100 KiB a tenth of its time on loopback). A reported body keeps its
    /// length, so that it is still sent with a `Content-Length`.
    pub(crate) fn watch(
        body: reqwest::Body,
        length: Option<u64>,
    ) -> (reqwest::Body, Option<Activity>) {
        if length.is_some_and(|n| n <= UNSEEN) {
            return (body, None);
        }
        let activity = Activity::new();
        let body = reqwest::Body::wrap(Reporting {
            inner: body,
            rest: Bytes::new(),
            activity: activity.clone(),
        });
        (body, Some(activity))
    }
}

/// A request body that reports its progress to an [`Activity`], handing its data on in pieces
/// of at most [`PIECE`] bytes: the connection asks for the next piece once it can take more, so
/// that a large piece (a file given as bytes is one) would report nothing while it drains.
struct Reporting {
    inner: reqwest::Body,
    /// What is left of the last piece of `inner`.
    rest: Bytes,
    activity: Activity,
}

/// The most of a request body handed on at once. What the connection holds between a report
/// and the wire is what may drain with no report once the last piece is handed on: over
/// HTTP/1.1, hyper's write buffer (at most `max_buf_size`, 408 KiB by default, plus the piece
/// that overflows it) and the kernel's socket buffer, which on a slow link stays small. With
/// 256 KiB pieces that is about 700 KiB, and the default idle timeout allows an upload down to
/// about 12 KB/s (100 kbit/s). Over HTTP/2 hyper buffers up to 1 MiB of a stream, as far as the
/// server's flow-control window lets it, so the bound there is about 1.5 MiB and 25 KB/s. A
/// slower upload needs a longer timeout.
///
/// Smaller pieces lower that bound and cost every upload: at 64 KiB, a file read in 256 KiB
/// pieces was split in four, and its buffer, still held by the pieces the connection had not
/// written, could not be taken back for the next read; every read then took fresh memory from
/// the kernel, page by page, and a streamed upload of 64 MiB went at 0.62–0.83× plain
/// reqwest's on loopback (1.0× at 256 KiB). At 16 KiB, an upload of 1 MiB from memory took
/// 1.3× the CPU, from the more and smaller writes. A file is read a piece at a time
/// (`multipart::READ_PIECE` is this), so that its pieces go on whole.
pub(crate) const PIECE: usize = 256 * 1024;

/// A body of this size or smaller is not watched: hyper's write buffer (`max_buf_size`, 408
/// KiB by default) takes it whole at the first ask, so reporting its pieces would tell the
/// timer nothing. Kept under what a watched body may leave unreported (about 700 KiB, see
/// [`PIECE`]), so that the slowest upload the idle timeout allows is no lower either way.
const UNSEEN: u64 = 400 * 1024;

impl http_body::Body for Reporting {
    type Data = Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, reqwest::Error>>> {
        let this = &mut *self;
        if this.rest.is_empty() {
            let frame = match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => frame,
                other => return Poll::Ready(other),
            };
            match frame.into_data() {
                Ok(data) => this.rest = data,
                Err(frame) => return Poll::Ready(Some(Ok(frame))),
            }
        }
        let piece = this.rest.split_to(this.rest.len().min(PIECE));
        this.activity.report();
        Poll::Ready(Some(Ok(http_body::Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        let inner = self.inner.size_hint();
        let rest = self.rest.len() as u64;
        let mut hint = http_body::SizeHint::new();
        hint.set_lower(inner.lower() + rest);
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper + rest);
        }
        hint
    }
}

/// An attempt's idle timer: how long it may go without bytes moving.
///
/// Bytes moving only note the time (`moved`, a clock read); the timer is re-armed from the
/// latest such moment when it fires. Re-arming on every piece would cost a timer-wheel update
/// per piece, and a server sending a body a byte at a time sends a great many pieces.
pub(crate) struct IdleTimer {
    limit: Duration,
    /// Boxed: a timer is large, and the attempt's future is moved whole.
    sleep: Pin<Box<Sleep>>,
    /// When bytes last moved (that this timer was told of).
    last: Instant,
}

impl IdleTimer {
    pub(crate) fn new(limit: Duration) -> Self {
        let now = Instant::now();
        IdleTimer {
            limit,
            sleep: Box::pin(tokio::time::sleep_until(ahead(now, limit))),
            last: now,
        }
    }

    pub(crate) fn limit(&self) -> Duration {
        self.limit
    }

    /// Bytes moved just now.
    pub(crate) fn moved(&mut self) {
        self.last = Instant::now();
    }

    /// Ready when the limit has passed without bytes moving; `activity`, if given, counts too.
    pub(crate) fn poll_idle(
        &mut self,
        cx: &mut Context<'_>,
        activity: Option<&Activity>,
    ) -> Poll<()> {
        loop {
            if self.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let latest = match activity {
                Some(activity) => self.last.max(activity.last()),
                None => self.last,
            };
            let next = ahead(latest, self.limit);
            if next <= Instant::now() {
                return Poll::Ready(());
            }
            self.sleep.as_mut().reset(next);
        }
    }

    /// `future`'s output, or `None` if it went the limit without bytes moving (counting those
    /// `activity` reports).
    pub(crate) async fn run<F: Future>(
        &mut self,
        future: F,
        activity: Option<&Activity>,
    ) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            self.poll_idle(cx, activity).map(|()| None)
        })
        .await
    }
}

/// `after` past `instant`, or a moment decades away if that is past what the clock can tell.
pub(crate) fn ahead(instant: Instant, after: Duration) -> Instant {
    const DECADES: Duration = Duration::from_secs(30 * 365 * 24 * 60 * 60);
    instant
        .checked_add(after)
        .or_else(|| instant.checked_add(DECADES))
        .unwrap_or(instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body the connection takes whole is not watched; a larger one, or one of unknown
    /// length (a reader), is, and keeps its length.
    #[test]
    fn only_a_body_larger_than_the_connection_takes_at_once_is_watched() {
        use http_body::Body as _;
        let body = |n: usize| reqwest::Body::from(vec![0u8; n]);
        let small = UNSEEN as usize;
        assert!(Activity::watch(body(small), Some(UNSEEN)).1.is_none());
        let (watched, activity) = Activity::watch(body(small + 1), Some(UNSEEN + 1));
        assert!(activity.is_some());
        assert_eq!(watched.size_hint().exact(), Some(UNSEEN + 1));
        assert!(Activity::watch(body(10), None).1.is_some());
    }
}

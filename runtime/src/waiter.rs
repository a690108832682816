//! Waiting for a resource to reach a state by polling an operation: a generic engine driven by
//! declarations (acceptors and delays) that the generated code takes from the overlay.
//!
//! Each poll goes through the client's normal request path (credentials, retries). Between
//! polls the delay grows exponentially from `min_delay` to `max_delay`, with jitter, ending on
//! a grid of 250 ms (see `POLL_GRID`), and a `Retry-After` from the server is honoured. The
//! wait never outlasts `max_wait`: when the next delay would cross the deadline, the engine
//! polls one last time just before it instead. Dropping the future stops the polling.

use std::time::Duration;

// Tokio's clock, not the system's: a wait's timing follows a paused test clock like its sleeps.
use tokio::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::headers::retry_after;
use crate::idle::ahead;
use crate::Error;

use crate::error::wait::decode;
use crate::error::{WaitError, WaitFailure};

/// How long before the deadline the last poll is made.
const FINAL_POLL_LEAD: Duration = Duration::from_millis(100);

/// Polls are made on a grid of this step (or a quarter of the shortest delay, if finer):
/// waits whose next polls fall in the same step wake together, so that a client waiting for
/// many documents wakes once for several polls instead of once for each (each wake costs
/// the client system calls and thread switches, more than the poll itself). The jitter
/// still spreads the polls over the delay.
const POLL_GRID: Duration = Duration::from_millis(250);

/// A waiter declaration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waiter {
    pub name: &'static str,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Tried in order on every poll result; the first that matches decides.
    pub acceptors: &'static [Acceptor],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Acceptor {
    pub state: AcceptorState,
    pub matcher: Matcher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptorState {
    Success,
    Failure,
    Retry,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Matcher {
    /// The poll's HTTP status (a 2xx body or an API error alike).
    Status(u16),
    /// A 2xx JSON body meeting every condition.
    Json(&'static [Condition]),
}

/// A test of the value at a JSON pointer in the body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    pub pointer: &'static str,
    pub comparator: Comparator,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparator {
    /// Present and not `null`.
    Exists,
    /// Absent or `null`.
    Missing,
    Equals(Expected),
    NotEquals(Expected),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expected {
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl Expected {
    fn matches(&self, value: Option<&serde_json::Value>) -> bool {
        match (self, value) {
            (Expected::Bool(b), Some(v)) => v.as_bool() == Some(*b),
            (Expected::Int(i), Some(v)) => v.as_i64() == Some(*i),
            (Expected::Str(s), Some(v)) => v.as_str() == Some(*s),
            (_, None) => false,
        }
    }
}

impl Condition {
    /// Whether the condition holds of `value`, what the body has at the pointer.
    fn holds(&self, value: Option<&serde_json::Value>) -> bool {
        let value = value.filter(|v| !v.is_null());
        match self.comparator {
            Comparator::Exists => value.is_some(),
            Comparator::Missing => value.is_none(),
            Comparator::Equals(expected) => expected.matches(value),
            Comparator::NotEquals(expected) => !expected.matches(value),
        }
    }
}

/// One poll's result, as the progress callback sees it.
#[derive(Debug, Clone)]
pub struct PollState {
    /// 1 for the first poll.
    pub poll: u32,
    /// When this poll was sent, counted from the start of the wait.
    pub sent_at: Duration,
    /// When its answer arrived, counted from the start of the wait.
    pub elapsed: Duration,
    pub status: StatusCode,
    pub body: Bytes,
    /// What the acceptors made of it (`Retry` when none matched).
    pub state: AcceptorState,
}

/// The final poll of a successful wait.
#[derive(Debug, Clone)]
pub struct Polled {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub polls: u32,
    pub elapsed: Duration,
    /// The waiter's name and the resource's id, for an error decoding the body.
    waiter: &'static str,
    id: Option<String>,
}

/// `instant` rounded up to the next multiple of `grid`, counted from a moment shared by all
/// waits of the process.
fn on_grid(instant: Instant, grid: Duration) -> Instant {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let epoch = Instant::from_std(*EPOCH.get_or_init(std::time::Instant::now));
    let grid = grid.as_nanos().max(1);
    let since = instant.saturating_duration_since(epoch).as_nanos();
    let rounded = since.div_ceil(grid) * grid;
    ahead(
        epoch,
        Duration::from_nanos(u64::try_from(rounded).unwrap_or(u64::MAX)),
    )
}

/// A raw poll result: a 2xx response read whole, or the request's error.
pub type PollResult = Result<(StatusCode, HeaderMap, Bytes), Error>;

/// Values that mark an earlier result: a wait believes a verdict read from a body only once the
/// value at `pointer` is none of them. After reprocessing, a document may still carry its
/// previous result until the new one is ready; the values it had before, and in the
/// reprocessing call's reply, are stale.
#[derive(Debug, Clone, Default)]
pub struct Stale {
    pointer: &'static str,
    values: Vec<serde_json::Value>,
}

impl Stale {
    /// Nothing is stale.
    pub fn none() -> Self {
        Stale::default()
    }

    /// Values at `pointer` are compared; none is stale yet.
    pub fn at(pointer: &'static str) -> Self {
        Stale {
            pointer,
            values: Vec::new(),
        }
    }

    /// Takes the value at the pointer in a JSON body, if it has one, as stale.
    pub fn remember(&mut self, body: &[u8]) {
        let value = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|body| body.pointer(self.pointer).cloned())
            .filter(|value| !value.is_null());
        if let Some(value) = value {
            if !self.values.contains(&value) {
                self.values.push(value);
            }
        }
    }

    /// Whether `value`, what a body has at the pointer, is stale.
    fn holds(&self, value: Option<&serde_json::Value>) -> bool {
        value.is_some_and(|value| self.values.contains(value))
    }
}

impl Waiter {
    /// Polls with `poll` until an acceptor says success or failure, or `max_wait` passes. `id`
    /// names the polled resource in errors.
    pub async fn wait<T, P, F>(
        &self,
        id: &str,
        max_wait: Duration,
        poll: P,
        progress: impl FnMut(&PollState),
    ) -> Result<Polled, WaitError<T>>
    where
        T: serde::de::DeserializeOwned,
        P: FnMut() -> F,
        F: std::future::Future<Output = PollResult>,
    {
        self.wait_fresh(id, max_wait, poll, progress, &Stale::none())
            .await
    }

    /// As [`Waiter::wait`], but a verdict read from a body whose marker is `stale` counts as
    /// "not yet": the body shows an earlier result.
    pub async fn wait_fresh<T, P, F>(
        &self,
        id: &str,
        max_wait: Duration,
        mut poll: P,
        mut progress: impl FnMut(&PollState),
        stale: &Stale,
    ) -> Result<Polled, WaitError<T>>
    where
        T: serde::de::DeserializeOwned,
        P: FnMut() -> F,
        F: std::future::Future<Output = PollResult>,
    {
        let started = Instant::now();
        let deadline = ahead(started, max_wait);
        let mut polls = 0u32;
        let mut last = None;
        let id_given = (!id.is_empty()).then(|| id.to_owned());
        let end = |polls, reason| {
            WaitError::ended(
                self.name,
                id_given.clone(),
                polls,
                started.elapsed(),
                reason,
            )
        };
        let timed_out = |last| WaitFailure::TimedOut { max_wait, last };
        loop {
            let sent_at = started.elapsed();
            // A wake-up that came late (a busy runtime) does not send a poll past the deadline.
            if Instant::now() >= deadline {
                return Err(end(polls, timed_out(last)));
            }
            polls += 1;
            // A poll is a whole call, with its own retries and their delays, none of which may
            // be sent after the deadline either, so the poll ends there.
            let Ok(result) = tokio::time::timeout_at(deadline, poll()).await else {
                return Err(end(polls, timed_out(last)));
            };
            let (status, headers, body) = match self.observe(result) {
                Ok(answer) => answer,
                Err(source) => return Err(end(polls, WaitFailure::Poll(source))),
            };
            let elapsed = started.elapsed();
            let state = self.judge_fresh(status, &body, stale);
            progress(&PollState {
                poll: polls,
                sent_at,
                elapsed,
                status,
                body: body.clone(),
                state,
            });
            match state {
                AcceptorState::Success => {
                    return Ok(Polled {
                        status,
                        headers,
                        body,
                        polls,
                        elapsed,
                        waiter: self.name,
                        id: id_given.clone(),
                    })
                }
                AcceptorState::Failure => {
                    let value = decode(status, &body);
                    let failed = WaitFailure::Failed {
                        status,
                        body,
                        value,
                    };
                    return Err(end(polls, failed));
                }
                AcceptorState::Retry => {}
            }
            let delay = retry_after(&headers)
                .unwrap_or_else(|| self.delay(polls))
                .max(self.min_delay);
            let grid = POLL_GRID.min(self.min_delay / 4);
            let now = Instant::now();
            let next = on_grid(ahead(now, delay), grid);
            let last_chance = deadline.checked_sub(FINAL_POLL_LEAD).unwrap_or(deadline);
            if next >= last_chance {
                // The next poll would come too close to the deadline, or after it: poll once
                // more just before it instead, if there is still time for that.
                if now >= last_chance {
                    return Err(end(polls, timed_out(Some(body))));
                }
                tokio::time::sleep_until(last_chance).await;
            } else {
                tokio::time::sleep_until(next).await;
            }
            last = Some(body);
        }
    }

    /// A poll's response, or an API error an acceptor expects (a 404, say), as something to
    /// judge; any other error ends the wait.
    fn observe(&self, result: PollResult) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        match result {
            Ok(response) => Ok(response),
            Err(Error::Api(api)) if self.covers(api.status) => {
                Ok((api.status, api.headers, api.body))
            }
            Err(source) => Err(source),
        }
    }

    /// The acceptors' verdict on one poll result.
    pub fn judge(&self, status: StatusCode, body: &Bytes) -> AcceptorState {
        self.judge_fresh(status, body, &Stale::none())
    }

    /// The acceptors' verdict, where one read from a body showing a stale marker is `Retry`.
    fn judge_fresh(&self, status: StatusCode, body: &Bytes, stale: &Stale) -> AcceptorState {
        // Only the values the conditions and the stale marker look at are read from the body.
        let mut pointers: Vec<&str> = self
            .acceptors
            .iter()
            .filter_map(|a| match a.matcher {
                Matcher::Json(conditions) => Some(conditions),
                Matcher::Status(_) => None,
            })
            .flatten()
            .map(|c| c.pointer)
            .collect();
        if !stale.pointer.is_empty() {
            pointers.push(stale.pointer);
        }
        let values = match status.is_success() && !pointers.is_empty() {
            true => crate::pick::values_at(body, &pointers),
            false => None,
        };
        let at = |pointer: &str| -> Option<&serde_json::Value> {
            let values = values.as_ref()?;
            let i = pointers.iter().position(|p| *p == pointer)?;
            values[i].as_ref()
        };
        let acceptor = self.acceptors.iter().find(|a| match a.matcher {
            Matcher::Status(code) => status.as_u16() == code,
            Matcher::Json(conditions) => {
                values.is_some() && conditions.iter().all(|c| c.holds(at(c.pointer)))
            }
        });
        match acceptor {
            Some(Acceptor {
                matcher: Matcher::Json(_),
                ..
            }) if stale.holds(at(stale.pointer)) => AcceptorState::Retry,
            Some(acceptor) => acceptor.state,
            None => AcceptorState::Retry,
        }
    }

    fn covers(&self, status: StatusCode) -> bool {
        self.acceptors
            .iter()
            .any(|a| a.matcher == Matcher::Status(status.as_u16()))
    }

    /// The delay after poll `polls`: exponential from `min_delay`, capped at `max_delay`, with
    /// jitter in its upper half so that many waiters do not poll in step.
    fn delay(&self, polls: u32) -> Duration {
        let exponent = polls.saturating_sub(1).min(20);
        let ceiling = self
            .min_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAITER: Waiter = Waiter {
        name: "done",
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        acceptors: &[
            Acceptor {
                state: AcceptorState::Failure,
                matcher: Matcher::Json(&[
                    Condition {
                        pointer: "/timings/done_time",
                        comparator: Comparator::Exists,
                    },
                    Condition {
                        pointer: "/status_data/success",
                        comparator: Comparator::Equals(Expected::Bool(false)),
                    },
                ]),
            },
            Acceptor {
                state: AcceptorState::Success,
                matcher: Matcher::Json(&[Condition {
                    pointer: "/timings/done_time",
                    comparator: Comparator::Exists,
                }]),
            },
            Acceptor {
                state: AcceptorState::Failure,
                matcher: Matcher::Status(404),
            },
        ],
    };

    fn judge(status: u16, body: &str) -> AcceptorState {
        WAITER.judge(
            StatusCode::from_u16(status).unwrap(),
            &Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn acceptors_decide_in_order() {
        assert_eq!(judge(200, r#"{"timings": {}}"#), AcceptorState::Retry);
        assert_eq!(
            judge(200, r#"{"timings": {"done_time": null}}"#),
            AcceptorState::Retry
        );
        assert_eq!(
            judge(200, r#"{"timings": {"done_time": "t"}}"#),
            AcceptorState::Success
        );
        assert_eq!(
            judge(
                200,
                r#"{"timings": {"done_time": "t"}, "status_data": {"success": false}}"#
            ),
            AcceptorState::Failure
        );
        assert_eq!(judge(404, "gone"), AcceptorState::Failure);
        assert_eq!(judge(200, "not json"), AcceptorState::Retry);
    }

    /// What one simulated wait did: when each request was sent, counted from the start.
    async fn simulate(seed: u64) -> (Duration, Vec<Duration>, Result<Polled, WaitError>) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let waiter = Waiter {
            name: "done",
            min_delay: Duration::from_millis(rng.u64(1..2000)),
            max_delay: Duration::from_millis(rng.u64(1..20_000)),
            acceptors: WAITER.acceptors,
        };
        let max_wait = match rng.u8(..20) {
            0 => Duration::MAX,
            1 => Duration::ZERO,
            _ => Duration::from_millis(rng.u64(0..10_000)),
        };
        let started = Instant::now();
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = sent.clone();
        let poll = move || {
            let record = record.clone();
            // A poll is a call: a few attempts, each taking a while, with the delays the
            // server asks for between them, as the client's retries make them.
            let attempts = rng.usize(1..4);
            let answer = rng.u64(0..200);
            let retry_after = ["1", "5", "0", "18446744073709551615", "soon", ""][rng.usize(..6)];
            let took: Vec<u64> = (0..attempts).map(|_| rng.u64(0..3000)).collect();
            async move {
                for (i, lasted) in took.iter().enumerate() {
                    record.lock().unwrap().push(started.elapsed());
                    tokio::time::sleep(Duration::from_millis(*lasted)).await;
                    if i + 1 < took.len() {
                        tokio::time::sleep(Duration::from_millis(answer * 10)).await;
                    }
                }
                let mut headers = HeaderMap::new();
                if !retry_after.is_empty() {
                    headers.insert(http::header::RETRY_AFTER, retry_after.parse().unwrap());
                }
                let body = match answer {
                    0 => r#"{"timings": {"done_time": "t"}}"#,
                    _ => r#"{"timings": {}}"#,
                };
                Ok((StatusCode::OK, headers, Bytes::from_static(body.as_bytes())))
            }
        };
        let result = waiter.wait("doc", max_wait, poll, |_| {}).await;
        let sent = sent.lock().unwrap().clone();
        (max_wait, sent, result)
    }

    /// With time paused, over random delays, answer times, retries inside a poll and
    /// `Retry-After`s (absurd ones too): no request of a wait is sent after its deadline, and a
    /// wait that times out ends by it. (Before: the delay was rounded up to the 250 ms grid
    /// after the deadline was checked, a poll's own retries ran past it, and an absurd
    /// `Retry-After` or maximum wait overflowed the clock.)
    #[tokio::test(start_paused = true)]
    async fn no_poll_is_sent_after_the_deadline() {
        for seed in 0..500 {
            let started = Instant::now();
            let (max_wait, sent, result) = simulate(seed).await;
            let ended = started.elapsed();
            for at in &sent {
                assert!(
                    *at <= max_wait,
                    "seed {seed}: a poll sent at {at:?}, max wait {max_wait:?}"
                );
            }
            if let Some(WaitFailure::TimedOut { .. }) = result.as_ref().err().map(WaitError::reason)
            {
                assert!(
                    ended <= max_wait,
                    "seed {seed}: timed out at {ended:?}, max {max_wait:?}"
                );
            }
        }
    }

    /// A wait with no time sends no poll. (Before: tokio's timeout polls its future before it
    /// looks at the clock, so one poll went out at or after the deadline.)
    #[tokio::test(start_paused = true)]
    async fn a_wait_without_time_sends_nothing() {
        let polls = std::sync::atomic::AtomicUsize::new(0);
        let poll = || {
            polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Ok((StatusCode::OK, HeaderMap::new(), Bytes::new())) }
        };
        let waited: Result<_, WaitError> = WAITER.wait("doc", Duration::ZERO, poll, |_| {}).await;
        assert!(
            waited.as_ref().is_err_and(
                |e| e.polls() == 0 && matches!(e.reason(), WaitFailure::TimedOut { .. })
            ),
            "{waited:?}"
        );
        assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 0);
    }

    #[test]
    fn delays_grow_within_bounds() {
        for polls in 1..30 {
            let delay = WAITER.delay(polls);
            assert!(delay <= WAITER.max_delay, "{delay:?}");
        }
        assert!(WAITER.delay(1) >= Duration::from_millis(5));
    }
}

/// A progress callback, shareable and printable (as its presence only).
#[derive(Clone)]
pub struct Progress(std::sync::Arc<dyn Fn(&PollState) + Send + Sync>);

impl Progress {
    pub fn new(f: impl Fn(&PollState) + Send + Sync + 'static) -> Self {
        Progress(std::sync::Arc::new(f))
    }

    pub fn call(&self, state: &PollState) {
        (self.0)(state)
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress(..)")
    }
}

impl Polled {
    /// The final poll's body decoded as `T`, as the polled operation's response; a decode
    /// error is shown with `client`'s credentials redacted.
    pub fn json<T: serde::de::DeserializeOwned>(
        self,
        client: &crate::Client,
        op: &crate::Operation,
    ) -> Result<crate::ApiResponse<T>, WaitError<T>> {
        let (waiter, id, polls, elapsed) = (self.waiter, self.id, self.polls, self.elapsed);
        crate::response::decode(
            op.into(),
            self.status,
            self.headers,
            self.body,
            client.redactor(),
        )
        .map_err(|source| WaitError::ended(waiter, id, polls, elapsed, WaitFailure::Poll(source)))
    }

    /// The final poll's body as received, as the polled operation's response.
    pub fn raw(
        self,
        client: &crate::Client,
        op: &crate::Operation,
    ) -> crate::ApiResponse<crate::RawBody> {
        crate::response::raw(
            op.into(),
            self.status,
            self.headers,
            self.body,
            client.redactor(),
        )
    }
}

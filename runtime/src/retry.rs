//! When and how long to wait before trying a call again.

use std::time::Duration;

use tokio::time::Instant;

use crate::Error;

/// Exponential backoff with full jitter, honouring `Retry-After`.
///
/// Defaults: 3 attempts in all, 0.5 s base delay, 8 s cap on one delay, `Retry-After` honoured
/// up to 60 s (a server asking for longer gets its error returned instead of a long wait).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_retry_after: Duration,
    /// Whether the delays are waited; off, the same attempts are made at once.
    pub(crate) waits: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            waits: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` the client waits for.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The same decisions (which failures are retried, how often, which `Retry-After` is too
    /// long) without waiting between attempts: for tests against stubs, where a retry's delay
    /// is only time lost.
    pub fn without_delays(mut self) -> Self {
        self.waits = false;
        self
    }

    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failed: uniformly random in
    /// `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// What decides whether a failed attempt of a call is repeated, and after how long.
pub(crate) struct Retry<'a> {
    pub(crate) attempt: u32,
    pub(crate) attempt_started: Instant,
    /// The operation may be repeated (idempotent, or allowed by the call's options).
    pub(crate) may_repeat: bool,
    pub(crate) replayable: bool,
    pub(crate) policy: &'a RetryPolicy,
    /// The call's total limit and the time spent so far, if it has one.
    pub(crate) spent: Option<(Duration, Duration)>,
}

impl Retry<'_> {
    /// The wait before the next attempt, or the error back if there is none to make. (A plain
    /// function: the error is not kept in the attempts' future while it waits.)
    pub(crate) fn delay(&self, error: Error) -> Result<Duration, Error> {
        let attempt = self.attempt;
        tracing::debug!(
            attempt,
            status = error.status().map(|s| s.as_u16()),
            elapsed = ?self.attempt_started.elapsed(),
            transient = error.is_transient(),
            "attempt failed"
        );
        let repeatable = self.may_repeat || (error.certainly_not_processed() && self.replayable);
        if attempt >= self.policy.max_attempts || !error.is_transient() || !repeatable {
            return Err(error);
        }
        let wait_hint = match &error {
            Error::Api(api) => api.retry_after(),
            _ => None,
        };
        let delay = match wait_hint {
            Some(wait) if wait > self.policy.max_retry_after => return Err(error),
            Some(wait) => wait,
            None => self.policy.backoff(attempt),
        };
        match self.spent {
            Some((total, spent)) if spent.saturating_add(delay) >= total => Err(error),
            _ if !self.policy.waits => Ok(Duration::ZERO),
            _ => Ok(delay),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::retry_after;
    use http::HeaderMap;

    #[test]
    fn backoff_stays_under_the_exponential_ceiling_and_the_cap() {
        let policy = RetryPolicy::default();
        for attempt in 1..40 {
            let ceiling = Duration::from_millis(500)
                .saturating_mul(1 << (attempt - 1).min(31))
                .min(Duration::from_secs(8));
            for _ in 0..50 {
                assert!(policy.backoff(attempt) <= ceiling);
            }
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let in_ten = chrono::Utc::now() + chrono::Duration::seconds(10);
        let date = in_ten.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        headers.insert("retry-after", date.parse().unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait <= Duration::from_secs(10) && wait >= Duration::from_secs(8),
            "{wait:?}"
        );
        headers.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    /// RFC 9110 §5.6.7: a recipient reads all three forms of an HTTP-date. (Before: the RFC 850
    /// and asctime forms were ignored, and the client retried at once.)
    #[test]
    fn retry_after_reads_every_form_of_http_date() {
        let in_ten = chrono::Utc::now() + chrono::Duration::seconds(10);
        for format in [
            "%a, %d %b %Y %H:%M:%S GMT",
            "%A, %d-%b-%y %H:%M:%S GMT",
            "%a %b %e %H:%M:%S %Y",
        ] {
            let mut headers = HeaderMap::new();
            let date = in_ten.format(format).to_string();
            headers.insert("retry-after", date.parse().unwrap());
            let wait = retry_after(&headers).unwrap_or_else(|| panic!("{date} not read"));
            assert!(wait >= Duration::from_secs(8), "{date}: {wait:?}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            "retry-after",
            "Sunday, 06-Nov-94 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", "Sun Nov  6 08:49:37 1994".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
    }

    /// Over random policies, answers, `Retry-After`s (absurd ones too) and time spent: a retry
    /// is made only if its delay ends before the call's total limit, and never waits longer than
    /// the policy allows. (Before: a `Retry-After` past what `Duration` adds overflowed when the
    /// caller allowed any wait.)
    #[test]
    fn no_retry_is_started_that_cannot_begin_before_the_total_limit() {
        use crate::error::{ApiError, ErrorContext};
        for seed in 0..5000 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let policy = RetryPolicy::default()
                .max_attempts(rng.u32(1..6))
                .base_delay(Duration::from_millis(rng.u64(0..2000)))
                .max_delay(Duration::from_millis(rng.u64(0..20_000)))
                .max_retry_after(match rng.bool() {
                    true => Duration::MAX,
                    false => Duration::from_secs(rng.u64(0..120)),
                });
            let mut headers = HeaderMap::new();
            let retry_after = ["1", "0", "30", "18446744073709551615", "soon", "-3"];
            if rng.bool() {
                let value = retry_after[rng.usize(..retry_after.len())];
                headers.insert(http::header::RETRY_AFTER, value.parse().unwrap());
            }
            let status = [408, 429, 500, 502, 503, 504][rng.usize(..6)];
            let error = Error::Api(Box::new(ApiError::new(
                ErrorContext {
                    operation: "op",
                    method: "GET",
                    path: "/",
                },
                http::StatusCode::from_u16(status).unwrap(),
                headers,
                bytes::Bytes::new(),
                &crate::redact::Redactor::default(),
            )));
            let total = Duration::from_millis(rng.u64(1..60_000));
            let spent = Duration::from_millis(rng.u64(0..60_000));
            let retry = Retry {
                attempt: rng.u32(1..6),
                attempt_started: Instant::now(),
                may_repeat: true,
                replayable: true,
                policy: &policy,
                spent: rng.bool().then_some((total, spent)),
            };
            if let Ok(delay) = retry.delay(error) {
                if let Some((total, spent)) = retry.spent {
                    assert!(
                        spent + delay < total,
                        "seed {seed}: {delay:?} after {spent:?} of {total:?}"
                    );
                }
                assert!(
                    delay <= policy.max_delay.max(policy.max_retry_after),
                    "seed {seed}: {delay:?}"
                );
            }
        }
    }
}

//! How many uploads may be in flight: additive increase, multiplicative decrease (as TCP
//! does), and one pause for every worker when the server asks for one.
//!
//! Each worker asks for a slot before it uploads. A 429 or 503 halves the limit (at most once
//! per pause: the answers to requests already in flight are the same signal) and pauses every
//! worker until its `Retry-After` (or a backoff) has passed; each success raises the limit by
//! `1 / limit`, so a full window of successes raises it by one, back up to the ceiling.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Without a `Retry-After`, the pause after a 429 or 503.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause a server's `Retry-After` can ask for; a longer one is cut to this.
const MAX_PAUSE: Duration = Duration::from_secs(60);

pub(crate) struct Pressure {
    ceiling: usize,
    state: Mutex<State>,
    changed: Notify,
}

struct State {
    limit: f64,
    in_flight: usize,
    paused_until: Option<Instant>,
    throttled: u64,
    lowest: usize,
}

/// A slot for one upload; given back when dropped.
pub(crate) struct Slot<'a>(&'a Pressure);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.state().in_flight -= 1;
        self.0.changed.notify_waiters();
    }
}

impl Pressure {
    pub(crate) fn new(ceiling: usize) -> Pressure {
        let ceiling = ceiling.max(1);
        Pressure {
            ceiling,
            state: Mutex::new(State {
                limit: ceiling as f64,
                in_flight: 0,
                paused_until: None,
                throttled: 0,
                lowest: ceiling,
            }),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a slot: fewer uploads in flight than the limit, and no pause.
    pub(crate) async fn slot(&self) -> Slot<'_> {
        loop {
            let changed = self.changed.notified();
            let pause = {
                let mut state = self.state();
                let now = Instant::now();
                match state.paused_until {
                    Some(until) if until > now => Some(until),
                    _ if state.in_flight < state.limit as usize => {
                        state.in_flight += 1;
                        return Slot(self);
                    }
                    _ => None,
                }
            };
            match pause {
                Some(until) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }

    /// An upload went through.
    pub(crate) fn success(&self) {
        let mut state = self.state();
        state.limit = (state.limit + 1.0 / state.limit).min(self.ceiling as f64);
        drop(state);
        self.changed.notify_waiters();
    }

    /// The server asked to slow down; the limit after it.
    pub(crate) fn throttle(&self, retry_after: Option<Duration>) -> usize {
        let mut state = self.state();
        state.throttled += 1;
        let now = Instant::now();
        let paused = state.paused_until.is_some_and(|until| until > now);
        if !paused {
            state.limit = (state.limit / 2.0).max(1.0);
            state.lowest = state.lowest.min(state.limit as usize);
        }
        let pause = retry_after.unwrap_or(DEFAULT_PAUSE).min(MAX_PAUSE);
        let until = now + pause;
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
        }
        let limit = state.limit as usize;
        drop(state);
        self.changed.notify_waiters();
        limit
    }

    /// How often the server asked to slow down, and the lowest limit it came to.
    pub(crate) fn record(&self) -> (u64, usize) {
        let state = self.state();
        (state.throttled, state.lowest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_throttle_halves_the_limit_once_per_pause_and_successes_bring_it_back() {
        let pressure = Pressure::new(8);
        assert_eq!(pressure.throttle(Some(Duration::from_secs(2))), 4);
        // Answers to requests that were already in flight: the same signal.
        assert_eq!(pressure.throttle(Some(Duration::from_secs(2))), 4);
        let started = Instant::now();
        let slot = pressure.slot().await;
        assert!(
            started.elapsed() >= Duration::from_secs(2),
            "waited out the pause"
        );
        drop(slot);
        for _ in 0..40 {
            pressure.success();
        }
        assert_eq!(pressure.state().limit as usize, 8);
        assert_eq!(pressure.record(), (2, 4));
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_slots_than_the_limit() {
        let pressure = Pressure::new(2);
        let _a = pressure.slot().await;
        let _b = pressure.slot().await;
        let third = tokio::time::timeout(Duration::from_secs(5), pressure.slot()).await;
        assert!(third.is_err(), "a third slot waits");
        drop(_a);
        let third = tokio::time::timeout(Duration::from_secs(5), pressure.slot()).await;
        assert!(third.is_ok(), "a slot given back is taken");
    }
}

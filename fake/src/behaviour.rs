//! How the fake behaves: processing times, outcomes, credentials.

use std::time::Duration;

/// How the fake behaves. Start from [`Behaviour::default`] and change what a test needs with
/// the `with_` methods:
///
/// ```
/// use std::time::Duration;
/// use contractfit_fake::Behaviour;
///
/// let behaviour = Behaviour::default()
///     .with_processing_time(Duration::from_millis(200))
///     .with_failed_processing(true);
/// assert!(behaviour.fail_processing);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Behaviour {
    /// How long after upload a document is processed, at the least (1.5 s by default).
    pub processing_time: Duration,
    /// Each document takes up to this much longer than `processing_time`: a share fixed by
    /// its number (not by chance), so that runs repeat.
    pub processing_spread: Duration,
    /// Processed documents report `status_data.success = false`.
    pub fail_processing: bool,
    /// A `Retry-After` (seconds) sent with every not-yet-processed poll.
    pub retry_after: Option<u64>,
    /// Require credentials (see [`crate::credentials`]) on every route but `POST /auth`.
    pub require_auth: bool,
    /// How long the JWTs from `POST /auth` are valid (an hour by default).
    pub token_lifetime: Duration,
    /// While a document is reprocessed, it still shows its previous result (`done_time`,
    /// verdict, prediction), as the API may: it never promises to clear them.
    pub keep_result_while_reprocessing: bool,
    /// How long an upload is answered after its document is created (none by default): on a
    /// slow server, an upload whose answer is lost may have been kept.
    pub upload_time: Duration,
    /// Every n-th upload request is refused with 429 and
    /// [`throttle_retry_after`](Self::throttle_retry_after), before it is handled.
    pub throttle_every: Option<usize>,
    /// The `Retry-After` (seconds) of those refusals.
    pub throttle_retry_after: u64,
    /// What processing predicts for every document, in the shape the API document gives a
    /// prediction: each field a list of candidates (`value`, `confidence`, `text`, `page`).
    /// By default a `total_amount` of `42.00` and a `document_type` of `invoice`.
    pub prediction: serde_json::Value,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            processing_time: Duration::from_millis(1500),
            processing_spread: Duration::ZERO,
            fail_processing: false,
            retry_after: None,
            require_auth: false,
            token_lifetime: Duration::from_secs(3600),
            keep_result_while_reprocessing: false,
            upload_time: Duration::ZERO,
            throttle_every: None,
            throttle_retry_after: 1,
            prediction: serde_json::json!({
                "document_type": [{"value": "invoice", "confidence": 0.99}],
                "total_amount": [
                    {"value": "42.00", "text": "42,00 €", "confidence": 0.93, "page": 0},
                    {"value": "4.20", "text": "4,20", "confidence": 0.05, "page": 0},
                ],
            }),
        }
    }
}

impl Behaviour {
    /// Sets [`processing_time`](Self::processing_time).
    pub fn with_processing_time(mut self, time: Duration) -> Self {
        self.processing_time = time;
        self
    }

    /// Sets [`processing_spread`](Self::processing_spread).
    pub fn with_processing_spread(mut self, spread: Duration) -> Self {
        self.processing_spread = spread;
        self
    }

    /// Sets [`fail_processing`](Self::fail_processing).
    pub fn with_failed_processing(mut self, fail: bool) -> Self {
        self.fail_processing = fail;
        self
    }

    /// Sets [`retry_after`](Self::retry_after).
    pub fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }

    /// Sets [`require_auth`](Self::require_auth).
    pub fn with_required_auth(mut self, required: bool) -> Self {
        self.require_auth = required;
        self
    }

    /// Sets [`token_lifetime`](Self::token_lifetime).
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Sets [`upload_time`](Self::upload_time).
    pub fn with_upload_time(mut self, time: Duration) -> Self {
        self.upload_time = time;
        self
    }

    /// Refuses every `every`-th upload with 429 and `Retry-After: retry_after` seconds, as a
    /// busy server does (see [`throttle_every`](Self::throttle_every)).
    pub fn with_throttled_uploads(mut self, every: usize, retry_after: u64) -> Self {
        self.throttle_every = Some(every.max(1));
        self.throttle_retry_after = retry_after;
        self
    }

    /// Sets [`prediction`](Self::prediction): what processing predicts for every document.
    pub fn with_prediction(mut self, prediction: serde_json::Value) -> Self {
        self.prediction = prediction;
        self
    }

    /// Sets [`keep_result_while_reprocessing`](Self::keep_result_while_reprocessing).
    pub fn with_result_kept_while_reprocessing(mut self, keep: bool) -> Self {
        self.keep_result_while_reprocessing = keep;
        self
    }
}

#![doc = include_str!("../README.md")]

mod behaviour;
mod fault;
mod journal;
mod multipart;
mod routes;
mod server;
pub mod stubs;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

pub use behaviour::Behaviour;
pub use fault::{Fault, Route};
pub use journal::{Received, REDACTED};
pub use server::Server;

/// The credentials the fake accepts when [`Behaviour::require_auth`] is set.
pub mod credentials {
    /// The username for HTTP basic and for `POST /auth`.
    pub const USERNAME: &str = "me";
    /// The password for HTTP basic and for `POST /auth`.
    pub const PASSWORD: &str = "secret-password";
    /// The API key, in the `X-Api-Key` header or the `api_key` query parameter.
    pub const API_KEY: &str = "key-123";
    /// A bearer token the caller already has (besides those `POST /auth` hands out).
    pub const CALLER_TOKEN: &str = "caller-token";
}

/// Uploads of files whose names end so are refused with 415 and a message, as the API refuses
/// files it cannot process.
pub const UNSUPPORTED_EXTENSION: &str = ".exe";

/// A fake Contract.fit: its documents, faults and journal. Cheap to clone (clones share
/// state); [`Fake::start`] serves it.
#[derive(Clone, Default)]
pub struct Fake {
    behaviour: Arc<Mutex<Behaviour>>,
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Document {
    inbox: String,
    uploaded: Instant,
    /// The same moment as `uploaded`, by the wall clock, for the `done_time` the fake reports.
    uploaded_at: SystemTime,
    /// This document's share of `processing_spread`, as a fraction.
    spread: f64,
    filename: String,
    /// The uploaded file's content (`None` for seeded documents).
    content: Option<bytes::Bytes>,
    /// `timings.receive_time` as the API writes it: UTC without an offset.
    received: String,
    /// The previous processing's `done_time`, shown while reprocessing when the behaviour
    /// keeps results.
    previous_done: Option<String>,
}

#[derive(Default)]
struct Inner {
    documents: Mutex<HashMap<String, Document>>,
    polls: Mutex<HashMap<String, Vec<Instant>>>,
    faults: Mutex<HashMap<Route, VecDeque<Fault>>>,
    tokens: Mutex<Vec<(String, Instant)>>,
    journal: Mutex<Vec<Received>>,
    uploads: AtomicUsize,
    upload_bodies: Mutex<Vec<bytes::Bytes>>,
    requests: AtomicUsize,
    logins: AtomicUsize,
    unauthorized: AtomicUsize,
}

/// A lock that a panicking test thread cannot poison for the others.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Fake {
    pub fn new(behaviour: Behaviour) -> Self {
        Fake {
            behaviour: Arc::new(Mutex::new(behaviour)),
            inner: Arc::default(),
        }
    }

    /// Serves the fake on a free loopback port until the returned [`Server`] is dropped.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test cannot go on without one).
    pub async fn start(&self) -> Server {
        Server::start(self.clone(), routes::router(self.clone()))
            .await
            .expect("the fake binds a loopback port")
    }

    /// How the fake behaves now.
    pub fn behaviour(&self) -> Behaviour {
        lock(&self.behaviour).clone()
    }

    /// Changes how the fake behaves from the next request on.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.behaviour) = behaviour;
    }

    /// Adds `count` documents, already processed, to `inbox`: `{inbox}-doc-0000` and on.
    pub fn seed_inbox(&self, inbox: &str, count: usize) {
        let mut documents = lock(&self.inner.documents);
        for i in 0..count {
            let id = format!("{inbox}-doc-{i:04}");
            documents.insert(id, Document::long_ago(inbox, format!("file-{i}.pdf")));
        }
    }

    /// A processed document `id` in `inbox`, as if uploaded an hour ago.
    pub fn seed_document(&self, id: &str, inbox: &str) {
        let document = Document::long_ago(inbox, format!("{id}.pdf"));
        lock(&self.inner.documents).insert(id.to_owned(), document);
    }

    /// Injects `fault` into the next `times` requests of `route`.
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        lock(&self.inner.faults)
            .entry(route)
            .or_default()
            .extend(std::iter::repeat_n(fault, times));
    }

    fn take_fault(&self, route: Route) -> Option<Fault> {
        lock(&self.inner.faults).get_mut(&route)?.pop_front()
    }

    /// Every request received, in order, refused ones included (see [`Received`]).
    pub fn journal(&self) -> Vec<Received> {
        lock(&self.inner.journal).clone()
    }

    /// Upload requests received (handled or refused by a fault).
    pub fn uploads(&self) -> usize {
        self.inner.uploads.load(Ordering::SeqCst)
    }

    /// Documents created by uploads: a duplicate upload shows here.
    pub fn documents_uploaded(&self) -> usize {
        uploaded_among(&lock(&self.inner.documents))
    }

    /// The documents uploads created in `inbox`, as (id, content of the file uploaded), in the
    /// order they came.
    pub fn uploaded_contents(&self, inbox: &str) -> Vec<(String, bytes::Bytes)> {
        let documents = lock(&self.inner.documents);
        let mut uploaded: Vec<(&String, &Document)> = documents
            .iter()
            .filter(|(_, d)| d.inbox == inbox && d.content.is_some())
            .collect();
        uploaded.sort_by_key(|(id, _)| id.as_str());
        uploaded
            .into_iter()
            .map(|(id, d)| (id.clone(), d.content.clone().unwrap_or_default()))
            .collect()
    }

    /// Forgets the faults injected and not yet struck.
    pub fn clear_faults(&self) {
        lock(&self.inner.faults).clear();
    }

    /// The documents uploads created in `inbox`, as (id, file name) in the order they came:
    /// a file uploaded twice shows twice.
    pub fn uploaded_documents(&self, inbox: &str) -> Vec<(String, String)> {
        let documents = lock(&self.inner.documents);
        let mut uploaded: Vec<(&String, &Document)> = documents
            .iter()
            .filter(|(id, d)| id.starts_with("doc-") && d.inbox == inbox)
            .collect();
        uploaded.sort_by_key(|(id, _)| *id);
        uploaded
            .into_iter()
            .map(|(id, d)| (id.clone(), d.filename.clone()))
            .collect()
    }

    /// The bodies of the upload requests, as received.
    pub fn upload_bodies(&self) -> Vec<bytes::Bytes> {
        lock(&self.inner.upload_bodies).clone()
    }

    /// Requests that got past the credential check (faults included).
    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Logins through `POST /auth`.
    pub fn logins(&self) -> usize {
        self.inner.logins.load(Ordering::SeqCst)
    }

    /// Requests refused for missing or wrong credentials.
    pub fn unauthorized(&self) -> usize {
        self.inner.unauthorized.load(Ordering::SeqCst)
    }

    /// When each poll of `document` arrived.
    pub fn polls(&self, document: &str) -> Vec<Instant> {
        lock(&self.inner.polls)
            .get(document)
            .cloned()
            .unwrap_or_default()
    }

    /// The document as the API answers it, and whether it is processed.
    fn document_json(&self, id: &str, document: &Document) -> (Value, bool) {
        let behaviour = self.behaviour();
        let processing =
            behaviour.processing_time + behaviour.processing_spread.mul_f64(document.spread);
        let processed = document.uploaded.elapsed() >= processing;
        let mut body = json!({
            "id": id,
            "inbox": document.inbox,
            "original_filename": document.filename,
            // Counted by processing: until then Flask-RESTX marshals the unset attribute as
            // null, though the API document says it is required.
            "page_count": null,
            // As the API sends them: without a UTC offset.
            "timings": {"receive_time": document.received},
            "status_data": {"data": processed},
            // A field no client version knows: clients must keep it, not fail on it.
            "workflow_state": {"stage": "quantum-review"},
        });
        let done = if processed {
            // When it really became processed, so that clients can measure how late they saw it.
            Some(api_time(document.uploaded_at + processing))
        } else if behaviour.keep_result_while_reprocessing {
            document.previous_done.clone()
        } else {
            None
        };
        if let Some(done) = done {
            body["page_count"] = json!(1);
            body["timings"]["done_time"] = json!(done);
            body["status_data"]["success"] = json!(!behaviour.fail_processing);
            body["prediction"] = behaviour.prediction.clone();
        }
        (body, processed)
    }
}

impl Document {
    fn long_ago(inbox: &str, filename: String) -> Document {
        let hour = Duration::from_secs(3600);
        Document {
            inbox: inbox.to_owned(),
            uploaded: Instant::now()
                .checked_sub(hour)
                .unwrap_or_else(Instant::now),
            uploaded_at: SystemTime::now() - hour,
            spread: 0.0,
            filename,
            content: None,
            // Seeded documents came long ago; tests read this exact text back.
            received: "2023-02-28T08:47:25.215200".into(),
            previous_done: None,
        }
    }
}

/// A moment as the API writes date-times: UTC, microseconds, no offset.
fn api_time(time: SystemTime) -> String {
    let time: chrono::DateTime<chrono::Utc> = time.into();
    time.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// How many of `documents` came from uploads (the seeded ones are named after their inbox).
fn uploaded_among(documents: &HashMap<String, Document>) -> usize {
    documents.keys().filter(|id| id.starts_with("doc-")).count()
}

/// A JWT whose `exp` is `lifetime` from now, as `POST /auth` hands out (unsigned: the fake does
/// not check signatures); `n` makes each one different.
pub fn jwt(lifetime: Duration, n: usize) -> String {
    use base64::Engine;
    let encode = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let exp = (now + lifetime).as_secs();
    format!(
        "{}.{}.fake-signature-{n}",
        encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        encode(&format!(
            r#"{{"sub":"{}","exp":{exp}}}"#,
            credentials::USERNAME
        ))
    )
}

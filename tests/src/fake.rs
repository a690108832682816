//! A fake Contract.fit server, in process on loopback: credentials as the API takes them,
//! uploads that become processed documents after a delay (or fail), documents to poll, sync
//! uploads, reprocessing, files and page images, paginated inbox listings, and faults injected
//! per route. It counts what it receives, so tests check how the client behaved, not only what
//! it returned.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{json, Value};

use crate::server::TestServer;

/// The credentials the fake accepts when it requires them.
pub const USERNAME: &str = "me";
pub const PASSWORD: &str = "secret-password";
pub const API_KEY: &str = "key-123";
pub const CALLER_TOKEN: &str = "caller-token";

/// Uploads of files with names ending so are refused with 415 and a message.
pub const UNSUPPORTED_EXTENSION: &str = ".exe";

/// A fault the fake injects into the next requests of one route.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 with `Retry-After: seconds`; the request is not processed.
    TooManyRequests { retry_after: u64 },
    /// 503; the request is not processed.
    Unavailable,
    /// The request is processed, the status line and headers go out, then the connection
    /// drops before any body.
    ConnectionReset,
    /// The request is processed and answered after this long.
    Slow(Duration),
    /// The request is processed; half the body goes out, then the connection drops.
    TruncatedBody,
    /// The request is processed and answered with a body that is not JSON.
    MalformedJson,
    /// A redirect to this URL (another host); the request is not processed.
    Redirect(String),
}

/// The routes faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Upload,
    GetDocument,
    Paginated,
}

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// How long after upload a document is processed, at the least.
    pub processing_time: Duration,
    /// Each document takes up to this much longer than `processing_time`: a share fixed by
    /// its number (not by chance), so that runs repeat.
    pub processing_spread: Duration,
    /// Processed documents report `status_data.success = false`.
    pub fail_processing: bool,
    /// A `Retry-After` (seconds) sent with every not-yet-processed poll.
    pub retry_after: Option<u64>,
    /// Require credentials (see the constants above) on every route but `POST /auth`.
    pub require_auth: bool,
    /// How long the JWTs from `POST /auth` are valid.
    pub token_lifetime: Duration,
    /// While a document is reprocessed, it still shows its previous result (`done_time`,
    /// verdict, prediction), as the API may: it never promises to clear them.
    pub keep_result_while_reprocessing: bool,
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
        }
    }
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
    uploads: AtomicUsize,
    upload_bodies: Mutex<Vec<bytes::Bytes>>,
    requests: AtomicUsize,
    logins: AtomicUsize,
    unauthorized: AtomicUsize,
}

/// The fake server's shared state.
#[derive(Clone)]
pub struct FakeContractFit {
    behaviour: Arc<Mutex<Behaviour>>,
    inner: Arc<Inner>,
}

impl FakeContractFit {
    pub fn new(behaviour: Behaviour) -> Self {
        FakeContractFit {
            behaviour: Arc::new(Mutex::new(behaviour)),
            inner: Arc::default(),
        }
    }

    /// Adds `count` documents, already processed, to `inbox`.
    pub fn seed_inbox(&self, inbox: &str, count: usize) {
        let mut documents = self.inner.documents.lock().unwrap();
        let long_ago = Instant::now() - Duration::from_secs(3600);
        for i in 0..count {
            documents.insert(
                format!("{inbox}-doc-{i:04}"),
                Document {
                    inbox: inbox.to_owned(),
                    uploaded: long_ago,
                    uploaded_at: SystemTime::now() - Duration::from_secs(3600),
                    spread: 0.0,
                    filename: format!("file-{i}.pdf"),
                    previous_done: None,
                },
            );
        }
    }

    /// A processed document `id` in `inbox`, as if uploaded an hour ago.
    pub fn seed_document(&self, id: &str, inbox: &str) {
        self.inner.documents.lock().unwrap().insert(
            id.to_owned(),
            Document {
                inbox: inbox.to_owned(),
                uploaded: Instant::now() - Duration::from_secs(3600),
                uploaded_at: SystemTime::now() - Duration::from_secs(3600),
                spread: 0.0,
                filename: format!("{id}.pdf"),
                previous_done: None,
            },
        );
    }

    pub async fn start(&self) -> TestServer {
        let router = axum::Router::new()
            .route("/auth", post(login))
            .route("/documents/{id}", post(upload).get(get_document))
            .route("/documents/{id}/reprocess", post(reprocess))
            .route("/documents/{id}/original_file", get(original_file))
            .route("/documents/{id}/page/{range}", get(page_image))
            .route("/inboxes/{inbox_id}/paginated", get(paginated))
            .route("/connections", get(connections))
            .route("/about/release_notes", get(release_notes))
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                authenticate,
            ))
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(self.clone());
        TestServer::start(router).await
    }

    /// Injects `fault` into the next `times` requests of `route`.
    pub fn inject(&self, route: Route, fault: Fault, times: usize) {
        let mut faults = self.inner.faults.lock().unwrap();
        faults
            .entry(route)
            .or_default()
            .extend(std::iter::repeat_n(fault, times));
    }

    fn take_fault(&self, route: Route) -> Option<Fault> {
        self.inner
            .faults
            .lock()
            .unwrap()
            .get_mut(&route)?
            .pop_front()
    }

    /// Upload requests received (processed or refused).
    pub fn uploads(&self) -> usize {
        self.inner.uploads.load(Ordering::SeqCst)
    }

    /// Documents created by uploads: a duplicate upload shows here.
    pub fn documents_uploaded(&self) -> usize {
        uploaded_among(&self.inner.documents.lock().unwrap())
    }

    pub fn upload_bodies(&self) -> Vec<bytes::Bytes> {
        self.inner.upload_bodies.lock().unwrap().clone()
    }

    /// Every request the fake answered.
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
        let polls = self.inner.polls.lock().unwrap();
        polls.get(document).cloned().unwrap_or_default()
    }

    fn document_json(&self, id: &str, document: &Document) -> (Value, bool) {
        let behaviour = self.behaviour.lock().unwrap().clone();
        let processing =
            behaviour.processing_time + behaviour.processing_spread.mul_f64(document.spread);
        let processed = document.uploaded.elapsed() >= processing;
        let mut body = json!({
            "id": id,
            "inbox": document.inbox,
            "original_filename": document.filename,
            "page_count": 1,
            // As the API sends them: without a UTC offset.
            "timings": {"receive_time": "2023-02-28T08:47:25.215200"},
            "status_data": {"data": processed},
            // A field this client version does not know.
            "workflow_state": {"stage": "quantum-review"},
        });
        let done = if processed {
            // When it really became processed, so that clients can measure how late they saw it.
            let done: chrono::DateTime<chrono::Utc> = (document.uploaded_at + processing).into();
            Some(done.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
        } else if behaviour.keep_result_while_reprocessing {
            document.previous_done.clone()
        } else {
            None
        };
        if let Some(done) = done {
            body["timings"]["done_time"] = json!(done);
            body["status_data"]["success"] = json!(!behaviour.fail_processing);
            body["prediction"] = json!({"total_amount": "42.00"});
        }
        (body, processed)
    }

    fn authorised(&self, request: &axum::extract::Request) -> bool {
        use base64::Engine;
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        if header("x-api-key") == Some(API_KEY) {
            return true;
        }
        let query = request.uri().query().unwrap_or("");
        if query
            .split('&')
            .any(|pair| pair == format!("api_key={API_KEY}"))
        {
            return true;
        }
        let Some(authorization) = header("authorization") else {
            return false;
        };
        if let Some(basic) = authorization.strip_prefix("Basic ") {
            let expected =
                base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
            return basic == expected;
        }
        let token = authorization
            .strip_prefix("Bearer ")
            .unwrap_or(authorization);
        if token == CALLER_TOKEN {
            return true;
        }
        let now = Instant::now();
        let tokens = self.inner.tokens.lock().unwrap();
        tokens
            .iter()
            .any(|(issued, expires)| issued == token && *expires > now)
    }
}

/// Refuses requests without acceptable credentials, when the behaviour asks for that.
async fn authenticate(
    State(fake): State<FakeContractFit>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let required = fake.behaviour.lock().unwrap().require_auth;
    if !required || request.uri().path() == "/auth" || fake.authorised(&request) {
        return next.run(request).await;
    }
    fake.inner.unauthorized.fetch_add(1, Ordering::SeqCst);
    (StatusCode::UNAUTHORIZED, "credentials missing or wrong").into_response()
}

async fn release_notes(State(fake): State<FakeContractFit>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!([{"version": "1.0", "notes": "A fake release."}])).into_response()
}

async fn login(State(fake): State<FakeContractFit>, body: axum::Json<Value>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    if body["username"] != USERNAME || body["password"] != PASSWORD {
        return (StatusCode::UNAUTHORIZED, "Wrong credentials").into_response();
    }
    let n = fake.inner.logins.fetch_add(1, Ordering::SeqCst);
    let lifetime = fake.behaviour.lock().unwrap().token_lifetime;
    let token = jwt(lifetime, n);
    let expires = Instant::now() + lifetime;
    fake.inner
        .tokens
        .lock()
        .unwrap()
        .push((token.clone(), expires));
    axum::Json(json!({"authentication_token": token})).into_response()
}

/// A JWT whose `exp` is `lifetime` from now (unsigned: the fake does not check signatures).
pub fn jwt(lifetime: Duration, n: usize) -> String {
    use base64::Engine;
    let encode = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let exp = (now + lifetime).as_secs();
    format!(
        "{}.{}.fake-signature-{n}",
        encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        encode(&format!(r#"{{"sub":"{USERNAME}","exp":{exp}}}"#))
    )
}

async fn upload(
    State(fake): State<FakeContractFit>,
    Path(inbox): Path<String>,
    body: bytes::Bytes,
) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    fake.inner.uploads.fetch_add(1, Ordering::SeqCst);
    fake.inner.upload_bodies.lock().unwrap().push(body.clone());
    let fault = fake.take_fault(Route::Upload);
    if let Some(refused) = fault.as_ref().and_then(refusal) {
        return refused;
    }
    let filename = find_filename(&body).unwrap_or_else(|| "upload".into());
    // As the API does with files it cannot process: refused, with a message.
    if filename.ends_with(UNSUPPORTED_EXTENSION) {
        let message = format!("unsupported file type: {filename}");
        let body = axum::Json(json!({ "message": message }));
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, body).into_response();
    }
    // Numbered and stored under one lock: concurrent uploads must not share a number.
    let id = {
        let mut documents = fake.inner.documents.lock().unwrap();
        let number = uploaded_among(&documents);
        let id = format!("doc-{number:06}");
        let document = Document {
            inbox,
            uploaded: Instant::now(),
            uploaded_at: SystemTime::now(),
            spread: spread_share(number),
            filename,
            previous_done: None,
        };
        documents.insert(id.clone(), document);
        id
    };
    let sync = !contains(&body, b"name=\"sync\"\r\n\r\nfalse");
    let reply = if sync {
        // The documented default: wait for processing and answer with the document.
        let wait = fake.behaviour.lock().unwrap().processing_time;
        tokio::time::sleep(wait).await;
        let documents = fake.inner.documents.lock().unwrap();
        fake.document_json(&id, &documents[&id]).0
    } else {
        json!({"id": id})
    };
    faulty(fault, axum::Json(reply).into_response()).await
}

/// How many of `documents` came from uploads (the seeded ones are named after their inbox).
fn uploaded_among(documents: &HashMap<String, Document>) -> usize {
    documents.keys().filter(|id| id.starts_with("doc-")).count()
}

/// A fraction in [0, 1) for document `number`, evenly spread (splitmix64's mixing).
fn spread_share(number: usize) -> f64 {
    let mut z = (number as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / (u64::MAX as f64 + 1.0)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn find_filename(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let start = text.find("filename=\"")? + "filename=\"".len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

async fn get_document(State(fake): State<FakeContractFit>, Path(id): Path<String>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let arrived = Instant::now();
    fake.inner
        .polls
        .lock()
        .unwrap()
        .entry(id.clone())
        .or_default()
        .push(arrived);
    let fault = fake.take_fault(Route::GetDocument);
    if let Some(refused) = fault.as_ref().and_then(refusal) {
        return refused;
    }
    let response = {
        let documents = fake.inner.documents.lock().unwrap();
        match documents.get(&id) {
            None => {
                let body = axum::Json(json!({"message": "not found"}));
                (StatusCode::NOT_FOUND, body).into_response()
            }
            Some(document) => {
                let (body, processed) = fake.document_json(&id, document);
                let mut headers = HeaderMap::new();
                let retry_after = fake.behaviour.lock().unwrap().retry_after;
                if let (false, Some(seconds)) = (processed, retry_after) {
                    headers.insert("retry-after", seconds.to_string().parse().unwrap());
                }
                (headers, axum::Json(body)).into_response()
            }
        }
    };
    faulty(fault, response).await
}

async fn reprocess(State(fake): State<FakeContractFit>, Path(id): Path<String>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let mut documents = fake.inner.documents.lock().unwrap();
    match documents.get_mut(&id) {
        // As the document declares: the document, now being processed again.
        Some(document) => {
            let (before, _) = fake.document_json(&id, document);
            document.previous_done = before["timings"]["done_time"].as_str().map(str::to_owned);
            document.uploaded = Instant::now();
            document.uploaded_at = SystemTime::now();
            axum::Json(fake.document_json(&id, document).0).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The original file: its id and name as bytes, so that tests can recognise it.
async fn original_file(State(fake): State<FakeContractFit>, Path(id): Path<String>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let documents = fake.inner.documents.lock().unwrap();
    match documents.get(&id) {
        Some(document) => {
            let body = format!("%PDF original of {id}: {}", document.filename);
            ([("content-type", "application/pdf")], body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A page image (a PNG signature), or a zip (its signature) for a range `a:b`; 406 when the
/// request does not accept that media type.
async fn page_image(
    State(fake): State<FakeContractFit>,
    Path((_id, range)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (media, body): (&str, &[u8]) = if range.contains(':') {
        ("application/zip", b"PK\x03\x04 pages")
    } else {
        ("image/png", b"\x89PNG\r\n\x1a\n page")
    };
    if !accept.contains(media) {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    }
    ([("content-type", media)], body.to_vec()).into_response()
}

async fn paginated(
    State(fake): State<FakeContractFit>,
    Path(inbox): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let fault = fake.take_fault(Route::Paginated);
    if let Some(refused) = fault.as_ref().and_then(refusal) {
        return refused;
    }
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let body = {
        let documents = fake.inner.documents.lock().unwrap();
        let mut ids: Vec<&String> = documents
            .iter()
            .filter(|(_, d)| d.inbox == inbox)
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        let total = ids.len();
        let results: Vec<Value> = ids
            .iter()
            .skip((page.max(1) - 1) * per_page)
            .take(per_page)
            .map(|id| fake.document_json(id, &documents[*id]).0)
            .collect();
        json!({"page": page, "per_page": per_page, "total": total, "results": results})
    };
    faulty(fault, axum::Json(body).into_response()).await
}

/// Connections, one with enum values this client does not know (the server added them).
async fn connections(State(fake): State<FakeContractFit>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!([
        {"id": "c1", "integration": "i1", "event": "document_predict", "what": "ready"},
        {"id": "c2", "integration": "i2", "event": "document_archived", "what": "hologram",
         "priority": 7},
    ]))
    .into_response()
}

/// The faults that refuse a request before it is processed.
fn refusal(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::TooManyRequests { retry_after } => {
            let headers = [("retry-after", retry_after.to_string())];
            Some((StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response())
        }
        Fault::Unavailable => {
            Some((StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response())
        }
        Fault::Redirect(location) => {
            Some((StatusCode::FOUND, [("location", location.clone())]).into_response())
        }
        _ => None,
    }
}

/// The faults that spoil the answer to a request that was processed.
async fn faulty(fault: Option<Fault>, response: Response) -> Response {
    let broken = |message: &'static str| {
        futures::stream::once(async move {
            Err::<bytes::Bytes, _>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                message,
            ))
        })
    };
    match fault {
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            response
        }
        Some(Fault::ConnectionReset) => (
            StatusCode::OK,
            axum::body::Body::from_stream(broken("reset")),
        )
            .into_response(),
        Some(Fault::TruncatedBody) => {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let stream = futures::stream::iter([Ok(half)]).chain(broken("cut short"));
            parts.headers.remove("content-length");
            Response::from_parts(parts, axum::body::Body::from_stream(stream))
        }
        Some(Fault::MalformedJson) => {
            let headers = [("content-type", "application/json")];
            (StatusCode::OK, headers, "{\"id\": \"doc\", \"timings\": {").into_response()
        }
        _ => response,
    }
}

//! A fake Contract.fit server, in process on loopback: uploads that become processed documents
//! after a delay (or fail), documents to poll, paginated inbox listings. It counts what it
//! receives, so tests can check how the client behaved, not only what it returned.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{json, Value};

use crate::server::TestServer;

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// How long after upload a document is processed.
    pub processing_time: Duration,
    /// Processed documents report `status_data.success = false`.
    pub fail_processing: bool,
    /// A `Retry-After` (seconds) sent with every not-yet-processed poll.
    pub retry_after: Option<u64>,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            processing_time: Duration::from_millis(1500),
            fail_processing: false,
            retry_after: None,
        }
    }
}

#[derive(Debug)]
struct Document {
    inbox: String,
    uploaded: Instant,
    filename: String,
}

#[derive(Default)]
struct Inner {
    documents: Mutex<HashMap<String, Document>>,
    polls: Mutex<HashMap<String, Vec<Instant>>>,
    uploads: AtomicUsize,
    upload_bodies: Mutex<Vec<bytes::Bytes>>,
    requests: AtomicUsize,
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
                    filename: format!("file-{i}.pdf"),
                },
            );
        }
    }

    pub async fn start(&self) -> TestServer {
        let router = axum::Router::new()
            .route("/documents/{id}", post(upload).get(get_document))
            .route("/inboxes/{inbox_id}/paginated", get(paginated))
            .with_state(self.clone());
        TestServer::start(router).await
    }

    pub fn uploads(&self) -> usize {
        self.inner.uploads.load(Ordering::SeqCst)
    }

    pub fn upload_bodies(&self) -> Vec<bytes::Bytes> {
        self.inner.upload_bodies.lock().unwrap().clone()
    }

    /// Every request the fake answered.
    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// When each poll of `document` arrived.
    pub fn polls(&self, document: &str) -> Vec<Instant> {
        self.inner
            .polls
            .lock()
            .unwrap()
            .get(document)
            .cloned()
            .unwrap_or_default()
    }

    fn document_json(&self, id: &str, document: &Document) -> (Value, bool) {
        let behaviour = self.behaviour.lock().unwrap().clone();
        let processed = document.uploaded.elapsed() >= behaviour.processing_time;
        let mut body = json!({
            "id": id,
            "inbox": document.inbox,
            "original_filename": document.filename,
            "page_count": 1,
            "timings": {"receive_time": "2023-02-28T08:47:25.215200"},
            "status_data": {"data": processed},
        });
        if processed {
            body["timings"]["done_time"] = json!("2023-02-28T08:48:25.215200");
            body["status_data"]["success"] = json!(!behaviour.fail_processing);
            body["prediction"] = json!({"total_amount": "42.00"});
        }
        (body, processed)
    }
}

async fn upload(
    State(fake): State<FakeContractFit>,
    Path(inbox): Path<String>,
    body: bytes::Bytes,
) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let n = fake.inner.uploads.fetch_add(1, Ordering::SeqCst);
    fake.inner.upload_bodies.lock().unwrap().push(body.clone());
    let id = format!("doc-{n:06}");
    let filename = find_filename(&body).unwrap_or_else(|| "upload".into());
    fake.inner.documents.lock().unwrap().insert(
        id.clone(),
        Document {
            inbox,
            uploaded: Instant::now(),
            filename,
        },
    );
    axum::Json(json!({"id": id})).into_response()
}

fn find_filename(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let start = text.find("filename=\"")? + "filename=\"".len();
    let end = text[start..].find('"')? + start;
    Some(text[start..end].to_owned())
}

async fn get_document(State(fake): State<FakeContractFit>, Path(id): Path<String>) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    fake.inner
        .polls
        .lock()
        .unwrap()
        .entry(id.clone())
        .or_default()
        .push(Instant::now());
    let documents = fake.inner.documents.lock().unwrap();
    let Some(document) = documents.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": "not found"})),
        )
            .into_response();
    };
    let (body, processed) = fake.document_json(&id, document);
    let mut headers = HeaderMap::new();
    if let (false, Some(seconds)) = (processed, fake.behaviour.lock().unwrap().retry_after) {
        headers.insert("retry-after", seconds.to_string().parse().unwrap());
    }
    (headers, axum::Json(body)).into_response()
}

async fn paginated(
    State(fake): State<FakeContractFit>,
    Path(inbox): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
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
    axum::Json(json!({"page": page, "per_page": per_page, "total": total, "results": results}))
        .into_response()
}

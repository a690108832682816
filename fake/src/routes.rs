//! The routes the fake answers, and the layer every request passes first: the journal, then
//! the credential check.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{json, Value};

use crate::credentials::{API_KEY, CALLER_TOKEN, PASSWORD, USERNAME};
use crate::fault::{refusal, spoil};
use crate::{lock, uploaded_among, Document, Fake, Received, Route, UNSUPPORTED_EXTENSION};

pub(crate) fn router(fake: Fake) -> axum::Router {
    axum::Router::new()
        .route("/auth", post(login))
        .route("/documents/{id}", post(upload).get(get_document))
        .route("/documents/{id}/reprocess", post(reprocess))
        .route("/documents/{id}/original_file", get(original_file))
        .route("/documents/{id}/page/{range}", get(page_image))
        .route("/inboxes/{inbox_id}/paginated", get(paginated))
        .route("/connections", get(connections))
        .route("/about/release_notes", get(release_notes))
        .layer(axum::middleware::from_fn_with_state(fake.clone(), receive))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(fake)
}

/// Writes the request into the journal, then refuses it without acceptable credentials when
/// the behaviour asks for them.
async fn receive(
    State(fake): State<Fake>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::BAD_REQUEST, "the body could not be read").into_response();
    };
    let received = Received::new(parts.method.as_str(), &parts.uri, &parts.headers, &body);
    lock(&fake.inner.journal).push(received);
    let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(body));
    let required = fake.behaviour().require_auth;
    if required && request.uri().path() != "/auth" && !authorised(&fake, &request) {
        fake.inner.unauthorized.fetch_add(1, Ordering::SeqCst);
        return (StatusCode::UNAUTHORIZED, "credentials missing or wrong").into_response();
    }
    fake.inner.requests.fetch_add(1, Ordering::SeqCst);
    next.run(request).await
}

/// Whether the request carries a credential the fake accepts (see [`crate::credentials`]).
fn authorised(fake: &Fake, request: &axum::extract::Request) -> bool {
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
    lock(&fake.inner.tokens)
        .iter()
        .any(|(issued, expires)| issued == token && *expires > now)
}

async fn release_notes() -> Response {
    axum::Json(json!([{"version": "1.0", "notes": "A fake release."}])).into_response()
}

async fn login(State(fake): State<Fake>, body: axum::Json<Value>) -> Response {
    if body["username"] != USERNAME || body["password"] != PASSWORD {
        return (StatusCode::UNAUTHORIZED, "Wrong credentials").into_response();
    }
    let n = fake.inner.logins.fetch_add(1, Ordering::SeqCst);
    let lifetime = fake.behaviour().token_lifetime;
    let token = crate::jwt(lifetime, n);
    lock(&fake.inner.tokens).push((token.clone(), Instant::now() + lifetime));
    axum::Json(json!({"authentication_token": token})).into_response()
}

async fn upload(
    State(fake): State<Fake>,
    Path(inbox): Path<String>,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let number = fake.inner.uploads.fetch_add(1, Ordering::SeqCst) + 1;
    lock(&fake.inner.upload_bodies).push(body.clone());
    let behaviour = fake.behaviour();
    if behaviour
        .throttle_every
        .is_some_and(|every| number % every == 0)
    {
        let headers = [("retry-after", behaviour.throttle_retry_after.to_string())];
        return (StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response();
    }
    let fault = fake.take_fault(Route::Upload);
    if let Some(refused) = fault.as_ref().and_then(refusal) {
        return refused;
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A form the API's server could not read is refused, as it would be.
    let form = match crate::multipart::parts(content_type, &body) {
        Ok(form) if form.iter().any(|part| part.name == "file") => form,
        Ok(_) => return bad_form("the form has no file"),
        Err(problem) => return bad_form(&problem),
    };
    let file = form.iter().find(|part| part.name == "file");
    let filename = file
        .and_then(|part| part.file_name.clone())
        .unwrap_or_else(|| "upload".into());
    // As the API does with files it cannot process: refused, with a message.
    if filename.ends_with(UNSUPPORTED_EXTENSION) {
        let message = format!("unsupported file type: {filename}");
        let body = axum::Json(json!({ "message": message }));
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, body).into_response();
    }
    // Numbered and stored under one lock: concurrent uploads must not share a number.
    let id = {
        let mut documents = lock(&fake.inner.documents);
        let number = uploaded_among(&documents);
        let id = format!("doc-{number:06}");
        let now = SystemTime::now();
        let document = Document {
            inbox,
            uploaded: Instant::now(),
            uploaded_at: now,
            spread: spread_share(number),
            content: file.map(|part| part.body.clone()),
            filename,
            received: crate::api_time(now),
            previous_done: None,
        };
        documents.insert(id.clone(), document);
        id
    };
    // Kept already; the answer comes later (or never, if the client goes away).
    tokio::time::sleep(behaviour.upload_time).await;
    let sync = !form
        .iter()
        .any(|part| part.name == "sync" && &part.body[..] == b"false");
    let reply = if sync {
        // The documented default: wait for processing and answer with the document.
        let wait = fake.behaviour().processing_time;
        tokio::time::sleep(wait).await;
        let documents = lock(&fake.inner.documents);
        fake.document_json(&id, &documents[&id]).0
    } else {
        json!({"id": id})
    };
    spoil(fault, axum::Json(reply).into_response()).await
}

/// A fraction in [0, 1) for document `number`, evenly spread (splitmix64's mixing).
fn spread_share(number: usize) -> f64 {
    let mut z = (number as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / (u64::MAX as f64 + 1.0)
}

fn bad_form(problem: &str) -> Response {
    let body = axum::Json(json!({ "message": format!("bad form: {problem}") }));
    (StatusCode::BAD_REQUEST, body).into_response()
}

async fn get_document(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    lock(&fake.inner.polls)
        .entry(id.clone())
        .or_default()
        .push(Instant::now());
    let fault = fake.take_fault(Route::GetDocument);
    if let Some(refused) = fault.as_ref().and_then(refusal) {
        return refused;
    }
    let response = {
        let documents = lock(&fake.inner.documents);
        match documents.get(&id) {
            None => {
                let body = axum::Json(json!({"message": "not found"}));
                (StatusCode::NOT_FOUND, body).into_response()
            }
            Some(document) => {
                let (body, processed) = fake.document_json(&id, document);
                let mut headers = HeaderMap::new();
                if let (false, Some(seconds)) = (processed, fake.behaviour().retry_after) {
                    headers.insert("retry-after", seconds.into());
                }
                (headers, axum::Json(body)).into_response()
            }
        }
    };
    spoil(fault, response).await
}

async fn reprocess(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    let mut documents = lock(&fake.inner.documents);
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

/// The original file: the uploaded file's content, or for a seeded document its id and name
/// as bytes, so that tests can recognise it.
async fn original_file(State(fake): State<Fake>, Path(id): Path<String>) -> Response {
    let documents = lock(&fake.inner.documents);
    match documents.get(&id) {
        Some(document) => {
            let body = match &document.content {
                Some(content) => content.clone(),
                None => format!("%PDF original of {id}: {}", document.filename).into(),
            };
            ([("content-type", "application/pdf")], body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A page image (a PNG signature), or a zip (its signature) for a range `a:b`; 406 when the
/// request does not accept that media type.
async fn page_image(Path((_id, range)): Path<(String, String)>, headers: HeaderMap) -> Response {
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
    State(fake): State<Fake>,
    Path(inbox): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let fault = fake.take_fault(Route::Paginated);
    if let Some(refused) = fault.as_ref().and_then(refusal) {
        return refused;
    }
    let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let per_page: usize = query
        .get("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    // `start_receive_date`: documents received since then (an offset or UTC without one).
    let since = query.get("start_receive_date").and_then(|text| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&chrono::Utc))
            .or_else(|_| text.parse::<chrono::NaiveDateTime>().map(|t| t.and_utc()))
            .ok()
    });
    let body = {
        let documents = lock(&fake.inner.documents);
        let mut ids: Vec<&String> = documents
            .iter()
            .filter(|(_, d)| d.inbox == inbox)
            .filter(|(_, d)| {
                since.is_none_or(|since| {
                    chrono::DateTime::<chrono::Utc>::from(d.uploaded_at) >= since
                })
            })
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
    spoil(fault, axum::Json(body).into_response()).await
}

/// Connections, one with enum values no client knows (the server added them).
async fn connections() -> Response {
    axum::Json(json!([
        {"id": "c1", "integration": "i1", "event": "document_predict", "what": "ready"},
        {"id": "c2", "integration": "i2", "event": "document_archived", "what": "hologram",
         "priority": 7},
    ]))
    .into_response()
}

//! The runtime's request path, through the generated client, against real servers on loopback:
//! every auth mechanism, login caching/refresh/renewal, redirects, retries, timeouts, errors,
//! and what tracing and `Debug` output may not contain.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use contractfit::runtime::{CallOptions, TimeoutKind};
use contractfit::ClientBuilder;
use contractfit::{Client, Credentials, Error, RetryPolicy};
use contractfit_fake::jwt;
use contractfit_tests::server::{Reply, Scripted, TestServer, Unanswering};
use contractfit_tests::Captured;

const SECRET_PASSWORD: &str = "pa55-word-never-shown";
const SECRET_KEY: &str = "api-key-never-shown";
const SECRET_TOKEN: &str = "token-never-shown";

fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.url())
        .retry(RetryPolicy::never())
}

fn client_of(builder: ClientBuilder) -> Client {
    builder.build().unwrap()
}

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .base_delay(Duration::from_millis(10))
        .max_delay(Duration::from_millis(50))
}

// ---------------------------------------------------------------- each auth mechanism

#[tokio::test]
async fn basic_token_and_api_keys_go_where_the_schemes_say() {
    let server = Scripted::new([Reply::json(200, serde_json::json!({}))]);
    let running = server.start().await;
    let cases = [
        (
            Credentials::basic("me", SECRET_PASSWORD),
            "authorization",
            None,
        ),
        (
            Credentials::token(SECRET_TOKEN),
            "authorization",
            Some(format!("Bearer {SECRET_TOKEN}")),
        ),
        (
            Credentials::token(SECRET_TOKEN).with_prefix("JWT "),
            "authorization",
            Some(format!("JWT {SECRET_TOKEN}")),
        ),
        (
            Credentials::api_key(SECRET_KEY),
            "x-api-key",
            Some(SECRET_KEY.to_owned()),
        ),
    ];
    for (credentials, header, expected) in cases {
        client_of(builder(&running).credentials(credentials))
            .get_version()
            .send()
            .await
            .unwrap();
        let request = server.requests().pop().unwrap();
        let value = request
            .header(header)
            .unwrap_or_else(|| panic!("no {header}"));
        match expected {
            Some(expected) => assert_eq!(value, expected),
            None => {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD
                    .encode(format!("me:{SECRET_PASSWORD}"));
                assert_eq!(value, format!("Basic {encoded}"));
            }
        }
    }
    client_of(builder(&running).credentials(Credentials::api_key_in_query(SECRET_KEY)))
        .get_version()
        .send()
        .await
        .unwrap();
    let request = server.requests().pop().unwrap();
    assert_eq!(request.uri, format!("/about/version?api_key={SECRET_KEY}"));
    assert!(request.header("authorization").is_none());
}

#[tokio::test]
async fn operations_without_security_get_no_credentials() {
    // An operation whose document says `security: []`, sent through the runtime directly.
    static OPEN: contractfit::runtime::Operation = contractfit::runtime::Operation {
        name: "open",
        method: "GET",
        path: "/open",
        security: &[],
        idempotent: true,
    };
    let server = Scripted::new([Reply::json(200, serde_json::json!({}))]);
    let running = server.start().await;
    let client = builder(&running)
        .credentials(Credentials::basic("me", SECRET_PASSWORD))
        .build()
        .unwrap();
    let request = contractfit::runtime::Request::new("/open".into());
    client.runtime().execute(&OPEN, request).await.unwrap();
    assert!(server.requests()[0].header("authorization").is_none());
}

// ---------------------------------------------------------------- login: cache, refresh, 401

/// A fake login service: POST /auth issues JWTs expiring in `lifetime` seconds; GET
/// /about/version accepts only the newest token (or rejects the first `reject_first` uses).
#[derive(Clone)]
struct LoginServer {
    /// Every login tried, refused ones too.
    attempts: Arc<AtomicUsize>,
    logins: Arc<AtomicUsize>,
    calls: Arc<AtomicUsize>,
    lifetime: i64,
    reject_first: usize,
    current: Arc<std::sync::Mutex<String>>,
}

impl LoginServer {
    fn new(lifetime: i64, reject_first: usize) -> Self {
        LoginServer {
            attempts: Arc::default(),
            logins: Arc::default(),
            calls: Arc::default(),
            lifetime,
            reject_first,
            current: Arc::default(),
        }
    }

    async fn start(&self) -> TestServer {
        let login = self.clone();
        let api = self.clone();
        let router = axum::Router::new()
            .route(
                "/auth",
                post(move |body: axum::Json<serde_json::Value>| {
                    let login = login.clone();
                    async move {
                        login.attempts.fetch_add(1, Ordering::SeqCst);
                        if body["username"] != "me" || body["password"] != SECRET_PASSWORD {
                            return (StatusCode::UNAUTHORIZED, "Wrong credentials".to_owned());
                        }
                        // Slow enough that concurrent callers overlap with the login.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let n = login.logins.fetch_add(1, Ordering::SeqCst) + 1;
                        let token = jwt(Duration::from_secs(login.lifetime as u64), n);
                        *login.current.lock().unwrap() = token.clone();
                        (
                            StatusCode::OK,
                            serde_json::json!({"authentication_token": token}).to_string(),
                        )
                    }
                }),
            )
            .route(
                "/about/version",
                get(move |headers: HeaderMap| {
                    let api = api.clone();
                    async move {
                        let n = api.calls.fetch_add(1, Ordering::SeqCst);
                        let expected = format!("Bearer {}", api.current.lock().unwrap());
                        let sent = headers.get("authorization").and_then(|v| v.to_str().ok());
                        if n < api.reject_first || sent != Some(expected.as_str()) {
                            (StatusCode::UNAUTHORIZED, "token rejected")
                        } else {
                            (StatusCode::OK, "1.0")
                        }
                    }
                }),
            );
        TestServer::start(router).await
    }
}

#[tokio::test]
async fn fifty_concurrent_calls_share_one_login() {
    let service = LoginServer::new(3600, 0);
    let running = service.start().await;
    let client =
        client_of(builder(&running).credentials(Credentials::login("me", SECRET_PASSWORD)));
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_version().send().await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(service.logins.load(Ordering::SeqCst), 1);
    assert_eq!(service.calls.load(Ordering::SeqCst), 50);
    client.get_version().send().await.unwrap();
    assert_eq!(
        service.logins.load(Ordering::SeqCst),
        1,
        "the token is cached"
    );
}

/// A token that by this machine's clock has no more than the refresh margin left (a
/// short-lived one, or a clock ahead of the server's) is used until the server refuses it.
/// (Before: it was never fresh, and every call logged in again first: three calls, three
/// logins.)
#[tokio::test]
async fn a_token_within_the_refresh_margin_is_used_not_renewed_on_every_call() {
    let service = LoginServer::new(contractfit::runtime::REFRESH_MARGIN.as_secs() as i64 - 5, 0);
    let running = service.start().await;
    let client =
        client_of(builder(&running).credentials(Credentials::login("me", SECRET_PASSWORD)));
    for _ in 0..3 {
        client.get_version().send().await.unwrap();
    }
    assert_eq!(service.logins.load(Ordering::SeqCst), 1);
}

/// Fifty calls at once with a wrong password try one login, and the calls after them none
/// for a while: a login per call would lock the account. (Before: fifty logins, then one per
/// call.)
#[tokio::test]
async fn a_refused_login_is_tried_once_not_once_per_call() {
    let service = LoginServer::new(3600, 0);
    let running = service.start().await;
    let client = client_of(builder(&running).credentials(Credentials::login("me", "wrong")));
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_version().send().await })
    });
    for call in futures::future::join_all(calls).await {
        let error = call.unwrap().unwrap_err();
        assert!(matches!(error, Error::Auth { .. }), "{error:?}");
        assert_eq!(error.status(), None, "{error}");
        assert!(error.to_string().contains("answered 401"), "{error}");
    }
    client.get_version().send().await.unwrap_err();
    assert_eq!(service.attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_401_leads_to_one_new_login_and_one_repeat() {
    let service = LoginServer::new(3600, 1);
    let running = service.start().await;
    let client =
        client_of(builder(&running).credentials(Credentials::login("me", SECRET_PASSWORD)));
    client.get_version().send().await.unwrap();
    assert_eq!(service.logins.load(Ordering::SeqCst), 2);
    assert_eq!(service.calls.load(Ordering::SeqCst), 2);

    // A server that keeps refusing: one renewal, then the 401 is the caller's.
    let service = LoginServer::new(3600, usize::MAX);
    let running = service.start().await;
    let refusing =
        client_of(builder(&running).credentials(Credentials::login("me", SECRET_PASSWORD)));
    let err = refusing.get_version().send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(service.logins.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn failed_login_is_an_auth_error_without_the_password() {
    let service = LoginServer::new(3600, 0);
    let running = service.start().await;
    let client = client_of(builder(&running).credentials(Credentials::login("me", "wrong")));
    let err = client.get_version().send().await.unwrap_err();
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("get_version (GET /about/version)"),
        "{message}"
    );
    assert!(
        message.contains("login POST /auth answered 401"),
        "{message}"
    );
    assert_eq!(
        service.calls.load(Ordering::SeqCst),
        0,
        "nothing sent without a token"
    );
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_host() {
    let elsewhere = Scripted::new([Reply::json(200, serde_json::json!({}))]);
    let other = elsewhere.start().await;
    let redirect = Reply {
        status: 302,
        headers: vec![("location", format!("{}/about/version", other.url()))],
        body: bytes::Bytes::new(),
    };
    let origin = Scripted::new([redirect]);
    let running = origin.start().await;
    let client = client_of(builder(&running).credentials(Credentials::token(SECRET_TOKEN)));
    let err = client.get_version().send().await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::FOUND),
        "the redirect is the caller's to judge"
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the other host got nothing"
    );

    // Within the origin, redirects are followed.
    let same = Scripted::new([
        Reply {
            status: 302,
            headers: vec![("location", "/about/version2".into())],
            body: bytes::Bytes::new(),
        },
        Reply::json(200, serde_json::json!({})),
    ]);
    let running = same.start().await;
    client_for(&running).get_version().send().await.unwrap();
    assert_eq!(same.requests().len(), 2);
}

fn client_for(server: &TestServer) -> Client {
    client_of(builder(server).credentials(Credentials::token(SECRET_TOKEN)))
}

// ---------------------------------------------------------------- retries

#[tokio::test]
async fn idempotent_calls_retry_retryable_statuses() {
    for status in [408, 429, 502, 503, 504] {
        let server = Scripted::new([
            Reply::bytes(status, "text/plain", "busy"),
            Reply::bytes(status, "text/plain", "busy"),
            Reply::json(200, serde_json::json!({})),
        ]);
        let running = server.start().await;
        let client = client_of(builder(&running).retry(fast_retries(3)));
        client.get_version().send().await.unwrap();
        assert_eq!(server.requests().len(), 3, "status {status}");
    }
}

#[tokio::test]
async fn other_errors_and_exhausted_attempts_are_returned() {
    let server = Scripted::new([Reply::bytes(500, "text/plain", "boom")]);
    let running = server.start().await;
    let err = client_of(builder(&running).retry(fast_retries(3)))
        .get_version()
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 1, "500 is not retried");
    assert!(!err.is_retryable());

    let server = Scripted::new([Reply::bytes(503, "text/plain", "down")]);
    let running = server.start().await;
    let err = client_of(builder(&running).retry(fast_retries(3)))
        .get_version()
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.requests().len(), 3);
    assert!(err.is_retryable());
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.text(), "down", "the last body is kept");
}

#[tokio::test]
async fn post_is_not_retried_unless_the_caller_opts_in() {
    let script = || {
        Scripted::new([
            Reply::bytes(503, "text/plain", "down"),
            Reply::json(200, serde_json::json!({})),
        ])
    };
    let server = script();
    let running = server.start().await;
    let client_ = client_of(builder(&running).retry(fast_retries(3)));
    let err = client_.logout().send().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        server.requests().len(),
        1,
        "a POST that may have been processed is not repeated"
    );

    let server = script();
    let running = server.start().await;
    client_of(builder(&running).retry(fast_retries(3)))
        .logout()
        .options(CallOptions::new().retry_non_idempotent(true))
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);

    // 429 means the server did not process the request: safe to repeat even for POST.
    let server = Scripted::new([
        Reply::bytes(429, "text/plain", "slow down"),
        Reply::json(200, serde_json::json!({})),
    ]);
    let running = server.start().await;
    client_of(builder(&running).retry(fast_retries(3)))
        .logout()
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn one_shot_upload_is_never_retried() {
    let server = Scripted::new([
        Reply::bytes(503, "text/plain", "down"),
        Reply::json(200, serde_json::json!({})),
    ]);
    let running = server.start().await;
    let file = contractfit::FilePart::from_reader(std::io::Cursor::new(b"%PDF".to_vec()));
    let err = client_of(builder(&running).retry(fast_retries(3)))
        .upload_document("inbox", file)
        .options(CallOptions::new().retry_non_idempotent(true))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_a_date_is_honoured() {
    for in_date_form in [false, true] {
        // Computed just before the call. HTTP-dates have whole seconds, so "in 3 s" means a
        // wait of 2 to 3 s: comfortably above the 0.9 s asserted below, even on a slow machine.
        let value = if in_date_form {
            httpdate_in(3)
        } else {
            "1".to_owned()
        };
        let server = Scripted::new([
            Reply {
                status: 503,
                headers: vec![("retry-after", value.clone())],
                body: bytes::Bytes::new(),
            },
            Reply::json(200, serde_json::json!({})),
        ]);
        let running = server.start().await;
        let started = Instant::now();
        client_of(builder(&running).retry(fast_retries(2)))
            .get_version()
            .send()
            .await
            .unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(900),
            "Retry-After {value}: waited only {waited:?}"
        );
        assert!(
            waited < Duration::from_secs(5),
            "Retry-After {value}: waited {waited:?}"
        );
    }
    // Longer than the policy's cap: no wait, the error goes back to the caller.
    let server = Scripted::new([Reply {
        status: 503,
        headers: vec![("retry-after", "3600".into())],
        body: bytes::Bytes::new(),
    }]);
    let running = server.start().await;
    let started = Instant::now();
    let policy = fast_retries(3).max_retry_after(Duration::from_secs(5));
    client_of(builder(&running).retry(policy))
        .get_version()
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(server.requests().len(), 1);
}

fn httpdate_in(seconds: i64) -> String {
    let at = contractfit::runtime::chrono::Utc::now()
        + contractfit::runtime::chrono::Duration::seconds(seconds);
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let runtime = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(fast_retries(2))
        .build()
        .unwrap();
    let err = runtime.get_version().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(
        err.to_string()
            .starts_with("get_version (GET /about/version): transport error"),
        "{err}"
    );
}

// ---------------------------------------------------------------- timeouts

async fn slow_server(delay: Duration) -> (TestServer, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            "late"
        }
    });
    (TestServer::start(router).await, hits)
}

#[tokio::test]
async fn attempt_timeout_is_retried_then_reported() {
    let (running, hits) = slow_server(Duration::from_secs(5)).await;
    let started = Instant::now();
    let err = client_of(
        builder(&running)
            .retry(fast_retries(2))
            .attempt_timeout(Duration::from_millis(200)),
    )
    .get_version()
    .send()
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn total_timeout_bounds_all_attempts() {
    let (running, _) = slow_server(Duration::from_secs(5)).await;
    let started = Instant::now();
    let err = client_of(
        builder(&running)
            .retry(fast_retries(10))
            .attempt_timeout(Duration::from_millis(150))
            .total_timeout(Duration::from_millis(400)),
    )
    .get_version()
    .send()
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Total,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(1500));

    // Per-call options override the client's.
    let (running, _) = slow_server(Duration::from_millis(300)).await;
    let err = client_of(builder(&running))
        .get_version()
        .options(CallOptions::new().attempt_timeout(Duration::from_millis(50)))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- bodies in pieces

/// A body that arrives in many pieces, as large ones do, is read whole: decoded, returned as
/// received, and kept in an error. (The runtime keeps a body of one piece as it came and joins
/// more; a piece lost or repeated shows here.)
#[tokio::test]
async fn a_body_in_many_pieces_is_read_whole() {
    let prediction: serde_json::Map<String, serde_json::Value> = (0..2_000)
        .map(|i| {
            (
                format!("field_{i:04}"),
                serde_json::json!(format!("value {i}")),
            )
        })
        .collect();
    let document = serde_json::json!({
        "id": "doc-1",
        "inbox": "inbox-1",
        "original_filename": "a.pdf",
        "page_count": 1,
        "prediction": prediction,
    })
    .to_string();
    assert!(document.len() > 50_000);
    let in_pieces = |status: u16, text: String| {
        let pieces: Vec<Result<bytes::Bytes, std::io::Error>> = text
            .into_bytes()
            .chunks(4_099)
            .map(|piece| Ok(bytes::Bytes::copy_from_slice(piece)))
            .collect();
        // A pause between pieces, so that they reach the client as pieces.
        let stream = futures::StreamExt::then(futures::stream::iter(pieces), |piece| async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            piece
        });
        axum::response::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(axum::body::Body::from_stream(stream))
            .unwrap()
    };
    let answer = document.clone();
    let router = axum::Router::new().route(
        "/documents/{id}",
        get(
            move |axum::extract::Path(id): axum::extract::Path<String>| {
                let answer = answer.clone();
                async move {
                    match id.as_str() {
                        "missing" => in_pieces(404, answer),
                        _ => in_pieces(200, answer),
                    }
                }
            },
        ),
    );
    let running = TestServer::start(router).await;
    let client = client_for(&running);
    let decoded = client.get_document("doc-1").send().await.unwrap().body;
    assert_eq!(decoded.id, "doc-1");
    assert_eq!(
        serde_json::to_value(&decoded.prediction).unwrap(),
        serde_json::Value::Object(prediction)
    );
    let raw = client.get_document("doc-1").send_raw().await.unwrap().body;
    assert_eq!(raw.bytes, document.as_bytes());
    let error = client.get_document("missing").send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(error.body().unwrap(), document.as_bytes());
}

// ---------------------------------------------------------------- per-call headers

#[tokio::test]
async fn per_call_headers_are_sent() {
    let server = Scripted::new([Reply::json(200, serde_json::json!({}))]);
    let running = server.start().await;
    client_of(builder(&running))
        .get_version()
        .options(CallOptions::new().header("x-request-id", "abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests()[0].header("x-request-id"), Some("abc"));
}

// ---------------------------------------------------------------- no secrets in output

#[tokio::test]
async fn secrets_appear_in_no_trace_debug_output_or_error() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let service = LoginServer::new(3600, 1);
    let running = service.start().await;
    // `tracing` caches each callsite's interest for the whole process when the callsite is
    // first reached, from the subscriber of the thread that reaches it: a test running beside
    // this one without a subscriber can cache "never", and this test's spans vanish (seen once
    // on a fresh clone). So every callsite is reached once here first, the cache is rebuilt
    // under this thread's subscriber, and only the second round is read.
    let (_, _, first_token) = exercise(&service, &running).await;
    tracing::callsite::rebuild_interest_cache();
    captured.take();
    let (debug, text, token) = exercise(&service, &running).await;

    let trace = captured.take();
    assert!(
        trace.contains("contractfit.call"),
        "spans are emitted: {trace}"
    );
    assert!(trace.contains("get_version"), "{trace}");
    for (name, output) in [("trace", &trace), ("debug", &debug), ("error", &text)] {
        for secret in [
            SECRET_PASSWORD,
            SECRET_KEY,
            first_token.as_str(),
            token.as_str(),
            "wrong-but-secret",
        ] {
            assert!(!output.contains(secret), "{name} output contains a secret");
        }
    }
}

/// Clients with every kind of secret, debug-printed, a call that logs in and one whose login
/// fails: the debug text, the error's text, and the token the server handed out.
async fn exercise(service: &LoginServer, running: &TestServer) -> (String, String, String) {
    let all = builder(running)
        .credentials(Credentials::login("me", SECRET_PASSWORD))
        .credentials(Credentials::api_key(SECRET_KEY))
        .retry(fast_retries(2));
    let basic = builder(running).credentials(Credentials::basic("me", SECRET_PASSWORD));
    let basic_debug = format!("{basic:?}");
    let debug = format!("{all:?}{basic_debug}{:?}", client_of(basic));
    let client = client_of(all);
    let debug = format!("{debug}{client:?}");
    client.get_version().send().await.unwrap();
    let token = service.current.lock().unwrap().clone();
    let failing = builder(running)
        .credentials(Credentials::login("me", "wrong-but-secret"))
        .build()
        .unwrap();
    let err = failing.get_version().send().await.unwrap_err();
    (debug, format!("{err} {err:?}"), token)
}

#[tokio::test]
async fn connect_timeout_is_reported_as_such() {
    let unanswering = Unanswering::start().await;
    let started = Instant::now();
    let runtime = Client::builder()
        .base_url(unanswering.url())
        .retry(RetryPolicy::never())
        .connect_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = runtime.get_version().send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.is_retryable());
    drop(unanswering);
}

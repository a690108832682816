//! No credential leaves the client in anything it shows.
//!
//! A matrix: every kind of credential × every way a call can end × every output a user or a
//! log sees: the error's `Display`, `{:?}` and `{:#?}`, each error of its `source()` chain, the
//! response's `Debug` on success, everything `tracing` (and `log`, bridged) emits at TRACE, and
//! the command-line tool's stdout and stderr. The secrets are random for each run, and the
//! servers echo every request back wherever they can: in error bodies, in a `Location` header,
//! in a body that does not decode, in the failed document a waiter reads. Any output holding a
//! secret in any of the forms it travels in (as given, percent-encoded, Basic's base64) fails
//! the test.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use contractfit::{Client, RetryPolicy};
use contractfit::{ClientBuilder, Credentials};
use contractfit_tests::server::{TestServer, Unanswering};
use contractfit_tests::Captured;

const BIN: &str = env!("CARGO_BIN_EXE_contractfit");

/// A random secret, different for each kind and each run.
fn secret(label: &str) -> String {
    format!(
        "{label}-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

// ------------------------------------------------------------------------ credential kinds

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Basic,
    /// Login: both the password and the token the server hands out are secrets.
    Login,
    TokenWithPrefix,
    ApiKeyHeader,
    ApiKeyQuery,
    /// `Authorization` set by the caller as a default header.
    DefaultAuthorization,
    /// A header of the caller's own, marked sensitive.
    DefaultSensitive,
}

/// The secrets of one run of one kind, and how a client or the tool is given them.
struct Secrets {
    kind: Kind,
    /// What the client is given (a password, token or key).
    given: String,
    /// The token the server issues on login.
    token: String,
}

impl Secrets {
    fn new(kind: Kind) -> Secrets {
        Secrets {
            kind,
            given: secret("given"),
            token: secret("token"),
        }
    }

    /// Every form in which a secret of this run could show.
    fn forms(&self) -> Vec<String> {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("me:{}", self.given));
        vec![self.given.clone(), self.token.clone(), basic]
    }

    fn configure(&self, builder: ClientBuilder) -> ClientBuilder {
        let given = self.given.clone();
        match self.kind {
            Kind::Basic => builder.credentials(Credentials::basic("me", given)),
            Kind::Login => builder.credentials(Credentials::login("me", given)),
            Kind::TokenWithPrefix => {
                builder.credentials(Credentials::token(given).with_prefix("Token "))
            }
            Kind::ApiKeyHeader => builder.credentials(Credentials::api_key(given)),
            Kind::ApiKeyQuery => builder.credentials(Credentials::api_key_in_query(given)),
            Kind::DefaultAuthorization => builder.default_header(
                HeaderName::from_static("authorization"),
                HeaderValue::from_str(&format!("Bearer {given}")).unwrap(),
            ),
            Kind::DefaultSensitive => {
                let mut value = HeaderValue::from_str(&given).unwrap();
                value.set_sensitive(true);
                builder.default_header(HeaderName::from_static("x-custom-auth"), value)
            }
        }
    }

    /// The tool's environment for this kind, when the tool can be given it.
    fn tool_env(&self) -> Option<Vec<(&'static str, String)>> {
        match self.kind {
            Kind::Basic => Some(vec![
                ("CONTRACTFIT_USERNAME", "me".into()),
                ("CONTRACTFIT_PASSWORD", self.given.clone()),
            ]),
            Kind::TokenWithPrefix => Some(vec![("CONTRACTFIT_TOKEN", self.given.clone())]),
            Kind::ApiKeyHeader => Some(vec![("CONTRACTFIT_API_KEY", self.given.clone())]),
            _ => None,
        }
    }
}

// ------------------------------------------------------------------------ endings

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Success,
    ConnectionRefused,
    ConnectTimeout,
    AttemptTimeout,
    TotalTimeout,
    ResetMidBody,
    TruncatedBody,
    ClientErrorEcho,
    ServerErrorAfterRetries,
    /// A 2xx body of the wrong shape: the echo as a JSON string, which serde quotes.
    DecodeError,
    /// A 2xx body that is not JSON at all (what the tool, which does not decode types, sees
    /// as a bad answer).
    NotJson,
    RedirectElsewhere,
    LoginFailure,
    WaitFailed,
    WaitDeadline,
    /// The tool's `--dry-run`.
    DryRun,
}

const LIBRARY_ENDINGS: &[Ending] = &[
    Ending::Success,
    Ending::ConnectionRefused,
    Ending::ConnectTimeout,
    Ending::AttemptTimeout,
    Ending::TotalTimeout,
    Ending::ResetMidBody,
    Ending::TruncatedBody,
    Ending::ClientErrorEcho,
    Ending::ServerErrorAfterRetries,
    Ending::DecodeError,
    Ending::RedirectElsewhere,
    Ending::LoginFailure,
    Ending::WaitFailed,
    Ending::WaitDeadline,
];

const TOOL_ENDINGS: &[Ending] = &[
    Ending::Success,
    Ending::ConnectionRefused,
    Ending::ResetMidBody,
    Ending::TruncatedBody,
    Ending::ClientErrorEcho,
    Ending::ServerErrorAfterRetries,
    Ending::NotJson,
    Ending::RedirectElsewhere,
    Ending::WaitFailed,
    Ending::WaitDeadline,
    Ending::DryRun,
];

// ------------------------------------------------------------------------ the echoing server

/// A server that answers as the ending says, echoing each request in whatever it sends back.
#[derive(Clone)]
struct Echo {
    ending: Ending,
    token: String,
    /// Where a redirect points: the same server under another host name.
    elsewhere: Arc<Mutex<String>>,
}

/// The request as text: method, path and query, every header, the body.
fn echo_of(request: &axum::http::request::Parts, body: &[u8]) -> String {
    let mut text = format!("{} {}\n", request.method, request.uri);
    for (name, value) in &request.headers {
        text.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    text.push_str(&String::from_utf8_lossy(body));
    text
}

fn document(extra: serde_json::Value) -> serde_json::Value {
    let mut document = serde_json::json!({
        "id": "d1",
        "inbox": "i1",
        "original_filename": "a.pdf",
        "page_count": 1,
    });
    document
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    document
}

impl Echo {
    async fn answer(self, request: axum::extract::Request) -> Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let echo = echo_of(&parts, &body);
        let json = |status: StatusCode, value: serde_json::Value| {
            (status, axum::Json(value)).into_response()
        };
        if parts.uri.path() == "/auth" {
            return match self.ending {
                Ending::LoginFailure => json(
                    StatusCode::UNAUTHORIZED,
                    serde_json::json!({ "message": "bad credentials", "request": echo }),
                ),
                _ => json(
                    StatusCode::OK,
                    serde_json::json!({ "authentication_token": self.token }),
                ),
            };
        }
        match self.ending {
            Ending::Success | Ending::DryRun | Ending::LoginFailure => {
                json(StatusCode::OK, document(serde_json::json!({})))
            }
            Ending::AttemptTimeout | Ending::TotalTimeout => {
                tokio::time::sleep(Duration::from_secs(3)).await;
                json(StatusCode::OK, document(serde_json::json!({})))
            }
            Ending::ClientErrorEcho => json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({ "message": format!("bad request: {echo}") }),
            ),
            Ending::ServerErrorAfterRetries => {
                let mut response = json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    serde_json::json!({ "message": format!("unavailable: {echo}") }),
                );
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from_static("0"));
                response
            }
            Ending::DecodeError => json(StatusCode::OK, serde_json::Value::String(echo)),
            Ending::NotJson => Response::builder()
                .header("content-type", "application/json")
                .body(axum::body::Body::from(format!("not json: {echo}")))
                .unwrap(),
            Ending::RedirectElsewhere => {
                let location = format!("{}{}", self.elsewhere.lock().unwrap(), parts.uri);
                Response::builder()
                    .status(StatusCode::FOUND)
                    .header("location", location)
                    .body(axum::body::Body::from(echo))
                    .unwrap()
            }
            Ending::WaitFailed => json(
                StatusCode::OK,
                document(serde_json::json!({
                    "timings": { "done_time": "2026-11-30T10:00:00" },
                    "status_data": { "success": false, "message": echo },
                })),
            ),
            Ending::WaitDeadline => json(
                StatusCode::OK,
                document(serde_json::json!({ "status_data": { "message": echo } })),
            ),
            Ending::ConnectionRefused
            | Ending::ConnectTimeout
            | Ending::ResetMidBody
            | Ending::TruncatedBody => unreachable!("the echoing server does not answer these"),
        }
    }
}

/// Where the client goes for `ending`: the echoing server, a closed port, or a listener that
/// never accepts. The returned guard keeps it alive.
struct Target {
    base_url: String,
    _guard: Box<dyn Send>,
}

async fn target(ending: Ending, secrets: &Secrets) -> Target {
    match ending {
        Ending::ConnectionRefused => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            drop(listener);
            Target {
                base_url: format!("http://{addr}"),
                _guard: Box::new(()),
            }
        }
        Ending::ConnectTimeout => {
            let unanswering = Unanswering::start().await;
            Target {
                base_url: unanswering.url(),
                _guard: Box::new(unanswering),
            }
        }
        Ending::ResetMidBody | Ending::TruncatedBody => {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let token = secrets.token.clone();
            let task = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(cut_short(stream, ending, token.clone()));
                }
            });
            Target {
                base_url: format!("http://{addr}"),
                _guard: Box::new(AbortOnDrop(task)),
            }
        }
        _ => {
            let echo = Echo {
                ending,
                token: secrets.token.clone(),
                elsewhere: Arc::default(),
            };
            let state = echo.clone();
            let router = axum::Router::new()
                .fallback(move |request: axum::extract::Request| state.clone().answer(request));
            let server = TestServer::start(router).await;
            // The same server under another name is another origin: credentials must not
            // follow a redirect there.
            *echo.elsewhere.lock().unwrap() = format!("http://localhost:{}", server.addr.port());
            Target {
                base_url: server.url(),
                _guard: Box::new(server),
            }
        }
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Answers every request on `stream` (logins properly) with a body that promises more than it
/// sends, echoing the request, then closes the connection: cleanly for `TruncatedBody`, with
/// a reset for `ResetMidBody`. HTTP written by hand: a real server refuses to do either.
async fn cut_short(mut stream: tokio::net::TcpStream, ending: Ending, token: String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut buffer).await else {
            return;
        };
        if n == 0 {
            return;
        }
        received.extend_from_slice(&buffer[..n]);
        let Some(head_end) = received.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        if received.len() < head_end + 4 + length {
            continue;
        }
        let request = String::from_utf8_lossy(&received).into_owned();
        received.clear();
        if head.starts_with("POST /auth ") {
            let body = serde_json::json!({ "authentication_token": token }).to_string();
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            if stream.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        let partial = format!("{{\"echo\": {:?}", request);
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{partial}"
        );
        let _ = stream.write_all(reply.as_bytes()).await;
        let _ = stream.flush().await;
        if ending == Ending::ResetMidBody {
            let _ = stream.set_zero_linger();
        }
        return;
    }
}

// ------------------------------------------------------------------------ what is shown

/// Everything a caller or a log could show of an outcome.
fn shown_outputs<T: std::fmt::Debug, E: std::error::Error>(
    outcome: &Result<T, E>,
) -> Vec<(String, String)> {
    let mut shown = Vec::new();
    match outcome {
        Ok(value) => {
            shown.push(("Debug of the response".into(), format!("{value:?}")));
        }
        Err(error) => {
            shown.push(("Display".into(), format!("{error}")));
            shown.push(("{:?}".into(), format!("{error:?}")));
            shown.push(("{:#?}".into(), format!("{error:#?}")));
            let mut source = error.source();
            let mut depth = 1;
            while let Some(cause) = source {
                shown.push((format!("source {depth} Display"), cause.to_string()));
                shown.push((format!("source {depth} Debug"), format!("{cause:?}")));
                source = cause.source();
                depth += 1;
            }
        }
    }
    shown
}

/// The outputs of `shown` that hold a secret of `secrets`, named.
fn leaks(secrets: &Secrets, ending: Ending, shown: &[(String, String)]) -> Vec<String> {
    let forms = secrets.forms();
    shown
        .iter()
        .filter(|(_, text)| forms.iter().any(|form| text.contains(form.as_str())))
        .map(|(output, text)| format!("{:?} × {ending:?} × {output}: {text}", secrets.kind))
        .collect()
}

/// Calls the library for `ending` and returns what it showed (the trace separately captured).
async fn call_library(secrets: &Secrets, ending: Ending) -> Vec<(String, String)> {
    let target = target(ending, secrets).await;
    let mut builder = secrets.configure(
        Client::builder()
            .base_url(&target.base_url)
            .retry(RetryPolicy::never()),
    );
    builder = match ending {
        Ending::ConnectTimeout => builder.connect_timeout(Duration::from_millis(200)),
        Ending::AttemptTimeout => builder.attempt_timeout(Duration::from_millis(150)),
        Ending::TotalTimeout => builder.total_timeout(Duration::from_millis(200)),
        Ending::ServerErrorAfterRetries => builder.retry(RetryPolicy::default().max_attempts(3)),
        _ => builder,
    };
    let client = builder.build().unwrap();
    let mut shown = vec![("Debug of the client".to_owned(), format!("{client:?}"))];
    match ending {
        Ending::WaitFailed | Ending::WaitDeadline => {
            let outcome = client
                .wait_until_document_processed("d1", Duration::from_millis(300))
                .send()
                .await;
            assert!(outcome.is_err(), "{ending:?} ends the wait without success");
            shown.extend(shown_outputs(&outcome));
        }
        _ => {
            let outcome = client.get_document("d1").send().await;
            assert_eq!(
                outcome.is_ok(),
                ending == Ending::Success,
                "{ending:?}: {outcome:?}"
            );
            shown.extend(shown_outputs(&outcome));
        }
    }
    shown
}

/// Runs the whole library matrix for one kind; the secrets that showed, named.
fn library_matrix(kind: Kind) -> (usize, Vec<String>) {
    let secrets = Secrets::new(kind);
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    // `log` records (reqwest's) reach the same subscriber.
    let _ = tracing_log::LogTracer::init();
    let _guard = tracing::subscriber::set_default(subscriber);
    // The client runs on this thread, where the subscriber is; the servers run on their own
    // runtime, so that only the client's tracing is captured.
    let servers = tokio::runtime::Runtime::new().unwrap();
    let client = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut found = Vec::new();
    let mut checked = 0;
    for &ending in LIBRARY_ENDINGS {
        if ending == Ending::LoginFailure && kind != Kind::Login {
            continue;
        }
        let shown = client.block_on(async {
            let _entered = servers.enter();
            call_library(&secrets, ending).await
        });
        let trace = captured.take();
        assert!(
            trace.contains("contractfit.call"),
            "the client's spans are captured: {trace}"
        );
        let mut shown = shown;
        shown.push(("tracing at TRACE".into(), trace));
        checked += shown.len();
        found.extend(leaks(&secrets, ending, &shown));
    }
    (checked, found)
}

// ------------------------------------------------------------------------ the tool

/// Runs the tool for `ending` with this kind's environment; its stdout and stderr.
async fn call_tool(secrets: &Secrets, ending: Ending) -> Vec<(String, String)> {
    let target = target(ending, secrets).await;
    let args: &[&str] = match ending {
        Ending::WaitFailed | Ending::WaitDeadline => &["wait", "d1", "--max-wait", "1"],
        Ending::DryRun => &["documents", "get", "d1", "--dry-run"],
        _ => &["documents", "get", "d1"],
    };
    let mut command = std::process::Command::new(BIN);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CONTRACTFIT_BASE_URL", &target.base_url)
        .stdin(std::process::Stdio::null());
    for (name, value) in secrets.tool_env().expect("the tool takes this kind") {
        command.env(name, value);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the tool runs");
    let succeeded = matches!(ending, Ending::Success | Ending::DryRun);
    assert_eq!(
        output.status.success(),
        succeeded,
        "{ending:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    vec![
        (
            "tool stdout".into(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        ),
        (
            "tool stderr".into(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ),
    ]
}

fn tool_matrix(kind: Kind) -> (usize, Vec<String>) {
    let secrets = Secrets::new(kind);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut found = Vec::new();
    let mut checked = 0;
    for &ending in TOOL_ENDINGS {
        let shown = runtime.block_on(call_tool(&secrets, ending));
        checked += shown.len();
        found.extend(leaks(&secrets, ending, &shown));
    }
    (checked, found)
}

fn assert_no_leaks(what: &str, (checked, found): (usize, Vec<String>)) {
    assert!(checked > 0);
    assert!(
        found.is_empty(),
        "{what}: {} of {checked} outputs show a secret:\n{}",
        found.len(),
        found.join("\n---\n")
    );
    eprintln!("{what}: {checked} outputs checked, none shows a secret");
}

macro_rules! library_kind {
    ($($test:ident: $kind:expr;)*) => {$(
        #[test]
        fn $test() {
            assert_no_leaks(stringify!($test), library_matrix($kind));
        }
    )*};
}

library_kind! {
    library_basic: Kind::Basic;
    library_login: Kind::Login;
    library_token_with_prefix: Kind::TokenWithPrefix;
    library_api_key_header: Kind::ApiKeyHeader;
    library_api_key_query: Kind::ApiKeyQuery;
    library_default_authorization_header: Kind::DefaultAuthorization;
    library_default_sensitive_header: Kind::DefaultSensitive;
}

macro_rules! tool_kind {
    ($($test:ident: $kind:expr;)*) => {$(
        #[test]
        fn $test() {
            assert_no_leaks(stringify!($test), tool_matrix($kind));
        }
    )*};
}

tool_kind! {
    tool_basic: Kind::Basic;
    tool_token: Kind::TokenWithPrefix;
    tool_api_key: Kind::ApiKeyHeader;
}

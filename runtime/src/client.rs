//! The client: configuration, and the path every call takes (credentials, attempts, retries).

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use futures::future::{BoxFuture, Either};
use http::{HeaderMap, HeaderName, HeaderValue};
use tracing::Instrument;

use crate::auth::{Credentials, Placement, Placements, SecurityScheme};
use crate::error::{ApiError, BuildError, ErrorContext, TimeoutKind};
use crate::given::Given;
use crate::idle::{Activity, IdleTimer};
use crate::login::{LoginRequest, TokenCache};
use crate::preview::RequestPreview;
use crate::redact::Redactor;
use crate::redact::REDACTED;
use crate::request::{check_path, Body, Request};
use crate::response::{
    read_body, ApiResponse, ByteStream, RawBody, Response, DEFAULT_MAX_BODY_SIZE,
};
use crate::retry::{Retry, RetryPolicy};
use crate::{Error, Operation};

/// Why a request is built: to be sent, with what sending needed fetched beforehand, or only
/// to be shown.
enum Purpose {
    Send {
        /// The login token, when the operation's credentials are a login's.
        login_token: Option<Arc<str>>,
        /// The multipart body, its files opened.
        form: Option<reqwest::multipart::Form>,
    },
    Preview,
}

/// Default timeouts: 10 s to connect, and 60 s without a byte moving (see
/// [`ClientBuilder::idle_timeout`]); neither an attempt nor a call has a limit of its own unless
/// one is set, so that a slow transfer that is making progress finishes.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// What the attempt timeout was by default before 0.4, when it also ended slow transfers that
/// were making progress; attempts now have no limit unless one is set.
#[deprecated(
    since = "0.4.0",
    note = "attempts have no limit by default; a stalled connection ends at DEFAULT_IDLE_TIMEOUT"
)]
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// A configured connection to the API. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    http: reqwest::Client,
    default_headers: HeaderMap,
    schemes: &'static [SecurityScheme],
    credentials: Vec<Credentials>,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    /// The reqwest client was built here, with `attempt_timeout` as its own timeout: a call
    /// then sets one only if its options change it (a timeout set per request costs an
    /// allocation on every call). A client given with `http_client` gets it on every request.
    timeout_in_client: bool,
    idle_timeout: Duration,
    total_timeout: Option<Duration>,
    max_body_size: usize,
    tokens: TokenCache,
    /// Where the credentials go, per security scheme.
    placements: Placements,
    /// Knows every credential above, to keep them out of what the client shows.
    redactor: Redactor,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self
            .inner
            .default_headers
            .keys()
            .map(HeaderName::as_str)
            .collect();
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("default_headers", &header_names)
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("idle_timeout", &self.inner.idle_timeout)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("total_timeout", &self.inner.total_timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a client: the runtime's [`Client`], or (through `From`) a generated crate's client
/// around it, which is what `contractfit::Client::builder()` gives.
pub struct ClientBuilder<C = Client> {
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    default_headers: HeaderMap,
    schemes: &'static [SecurityScheme],
    credentials: Vec<Credentials>,
    retry: RetryPolicy,
    connect_timeout: Duration,
    idle_timeout: Duration,
    attempt_timeout: Option<Duration>,
    total_timeout: Option<Duration>,
    max_body_size: usize,
    user_agent: Option<String>,
    client: std::marker::PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header_names: Vec<&str> = self
            .default_headers
            .keys()
            .map(HeaderName::as_str)
            .collect();
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("default_headers", &header_names)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .finish_non_exhaustive()
    }
}

impl<C> ClientBuilder<C> {
    /// `base_url` is the document's server, if it has one; `schemes` its security schemes.
    #[doc(hidden)]
    pub fn new(base_url: Option<&str>, schemes: &'static [SecurityScheme]) -> Self {
        ClientBuilder {
            base_url: base_url.map(str::to_owned),
            http: None,
            default_headers: HeaderMap::new(),
            schemes,
            credentials: Vec::new(),
            retry: RetryPolicy::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            attempt_timeout: None,
            total_timeout: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            user_agent: None,
            client: std::marker::PhantomData,
        }
    }

    pub(crate) fn schemes(&self) -> &'static [SecurityScheme] {
        self.schemes
    }

    /// The base URL and credentials from the environment: `<PREFIX>_BASE_URL` (optional; the
    /// document's server otherwise) and `<PREFIX>_API_KEY`, `<PREFIX>_TOKEN`, or
    /// `<PREFIX>_USERNAME` with `<PREFIX>_PASSWORD` (both Basic and, where the API has a login
    /// operation, a login for a token). These are the variables the command-line tool reads.
    /// Fails, naming the variable to set, when no credential is given or a username comes
    /// without its password.
    pub fn env(self, prefix: &str) -> Result<Self, BuildError> {
        let given = Given::from_env(prefix);
        given.check(prefix)?;
        Ok(self.given(given))
    }

    /// With the base URL and every credential `given` (plumbing for `env` and the tool).
    #[doc(hidden)]
    pub fn given(mut self, given: Given) -> Self {
        let (base_url, credentials) = given.credentials(self.schemes());
        if let Some(url) = base_url {
            self = self.base_url(url);
        }
        for credential in credentials {
            self = self.credentials(credential);
        }
        self
    }

    /// Overrides the server, for instance `https://cfportal.example.com/api`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Uses a caller-built `reqwest::Client` (proxies, TLS roots, …). The connect timeout and
    /// the redirect policy are then the caller's.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The `User-Agent` every request is sent with: a generated client's builder starts with its
    /// crate's name and version (`contractfit/0.4.0`); a program may name itself before it
    /// (`.user_agent("invoice-sync/2.1 contractfit/0.4.0")`), which helps whoever reads the
    /// server's logs. A `User-Agent` among the default headers wins.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = Some(agent.into());
        self
    }

    /// A header sent with every request.
    pub fn default_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.default_headers.append(name, value);
        self
    }

    /// Credentials to use wherever an operation's security allows them; several can be given
    /// (for instance an API key and a token), and each call picks what its operation accepts.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials.push(credentials);
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long an attempt may go without a byte moving (60 s by default): no part of the
    /// request body accepted by the connection, no answer to a request sent whole, no next
    /// piece of the answer. A stalled connection ends with [`TimeoutKind::Idle`]; a transfer
    /// that is making progress goes on (an upload is counted as the connection takes it, and
    /// up to about 700 KiB may drain from its buffers unseen, 1.5 MiB over HTTP/2: at 60 s, one
    /// slower than about 12 KB/s, 25 KB/s over HTTP/2, needs a longer idle timeout). A server
    /// that holds a request while it works (an upload with `sync=true`) must answer within it.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How long one attempt may take in all, from connecting to the end of the response body
    /// (none by default: a large upload on a slow link may take any time, and a stall is
    /// noticed by the idle timeout).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// How long a call may take in all, retries and their delays included.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = Some(timeout);
        self
    }

    /// The longest response body the client reads into memory, in bytes: a typed or raw
    /// answer, an error's body, a login reply (64 MiB by default). A longer one ends the call
    /// with [`Error::TooLarge`], keeping what arrived up to the limit; a server cannot make the
    /// client hold more, whatever length it declares. Files streamed as a [`ByteStream`] have
    /// no limit.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The client, or why it cannot be made (no base URL, an invalid one, or an HTTP client
    /// that does not build).
    pub fn build(self) -> Result<C, BuildError>
    where
        C: From<Client>,
    {
        self.build_runtime().map(C::from)
    }

    fn build_runtime(self) -> Result<Client, BuildError> {
        let base_url = self.base_url.ok_or(BuildError::NoBaseUrl)?;
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| BuildError::InvalidBaseUrl(format!("{base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(BuildError::InvalidBaseUrl(format!(
                "{base_url:?}: the scheme must be http or https"
            )));
        }
        let timeout_in_client = self.http.is_none();
        let http = match self.http {
            Some(http) => http,
            None => {
                install_tls_provider();
                let mut http = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .redirect(same_origin_redirects(parsed.clone()));
                if let Some(timeout) = self.attempt_timeout {
                    http = http.timeout(timeout);
                }
                http.build().map_err(|e| BuildError::Http(e.to_string()))?
            }
        };
        let mut default_headers = self.default_headers;
        if let Some(agent) = &self.user_agent {
            let agent = HeaderValue::from_str(agent)
                .map_err(|_| BuildError::Http(format!("invalid user agent {agent:?}")))?;
            if !default_headers.contains_key(http::header::USER_AGENT) {
                default_headers.insert(http::header::USER_AGENT, agent);
            }
        }
        let redactor = Redactor::new(
            crate::auth::sent(self.schemes, &self.credentials),
            &default_headers,
        );
        let placements = Placements::new(self.schemes, &self.credentials);
        Ok(Client {
            inner: Arc::new(Inner {
                base_url: base_url.trim_end_matches('/').to_owned(),
                http,
                default_headers,
                schemes: self.schemes,
                credentials: self.credentials,
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                timeout_in_client,
                idle_timeout: self.idle_timeout,
                total_timeout: self.total_timeout,
                max_body_size: self.max_body_size,
                tokens: TokenCache::default(),
                placements,
                redactor,
            }),
        })
    }
}

/// Installs ring as the process's default rustls provider when this crate was built with
/// `rustls-ring` and not `rustls` (with which reqwest has no provider of its own), and no
/// provider is installed yet; otherwise does nothing. Building a [`Client`] calls it; call it
/// yourself before building a `reqwest::Client` of your own (for
/// [`ClientBuilder::http_client`]), which would otherwise panic for want of a provider.
pub fn install_tls_provider() {
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls")))]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err only when another thread installed one first, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Redirects are followed only within the base URL's origin, so credentials never travel to
/// another host; a redirect elsewhere is returned to the caller as the 3xx response it is.
fn same_origin_redirects(base: reqwest::Url) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else if attempt.url().origin() == base.origin() {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

impl Client {
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// `text` with every credential this client sends replaced by `<redacted>`: the keys,
    /// tokens and passwords it was given (as given, percent-encoded, JSON-escaped, and Basic's
    /// base64), the tokens it obtained by logging in, and credential headers among its default
    /// headers. The client's own errors are shown this way already; use it for anything else
    /// that goes into a log, such as a body a server echoed back.
    pub(crate) fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        self.inner.redactor.text(text)
    }

    /// Plumbing for the command-line tool (generated builders call
    /// [`execute_json`](Self::execute_json) and its siblings). Sends `request` for `op`,
    /// retrying as the policy allows; a 2xx response is returned with its body unread,
    /// anything else as an [`Error`] that keeps the body.
    #[doc(hidden)]
    pub async fn execute(
        &self,
        op: &'static Operation,
        request: Request,
    ) -> Result<Response, Error> {
        self.call(op, &request).await
    }

    /// Plumbing for generated code. As [`execute`](Self::execute), with the 2xx body read
    /// inside the attempt and decoded as `T`. Takes the client by value so that a builder's
    /// `send` returns this future itself, without a future of its own around it.
    ///
    /// This and its siblings return `async` blocks rather than being `async fn`s: an `async fn`
    /// keeps a second copy of its arguments in its future, and a request is 184 bytes.
    #[doc(hidden)]
    pub fn execute_json<T: serde::de::DeserializeOwned>(
        self,
        op: &'static Operation,
        mut request: Request,
    ) -> impl std::future::Future<Output = Result<ApiResponse<T>, Error>> {
        request.buffer_body();
        async move {
            match self.call(op, &request).await?.decode_read() {
                Ok(decoded) => decoded,
                Err(unread) => Box::pin(unread.json()).await,
            }
        }
    }

    /// Plumbing for generated code. As [`execute_json`](Self::execute_json), with the 2xx body
    /// returned as received.
    #[doc(hidden)]
    pub fn execute_raw(
        self,
        op: &'static Operation,
        mut request: Request,
    ) -> impl std::future::Future<Output = Result<ApiResponse<RawBody>, Error>> {
        request.buffer_body();
        async move {
            match self.call(op, &request).await?.take_read() {
                Ok(raw) => Ok(raw),
                Err(unread) => Box::pin(unread.raw()).await,
            }
        }
    }

    /// Plumbing for generated code. As [`execute_json`](Self::execute_json), with the 2xx body
    /// streamed as it arrives.
    #[doc(hidden)]
    // Not an `async fn`, which would keep a second copy of the request (see `execute_json`).
    #[allow(clippy::manual_async_fn)]
    pub fn execute_stream(
        self,
        op: &'static Operation,
        request: Request,
    ) -> impl std::future::Future<Output = Result<ApiResponse<ByteStream>, Error>> {
        async move { Ok(self.call(op, &request).await?.stream()) }
    }

    /// The path of every call: the request checked, then the attempts. Every call's future is
    /// moved (and spawned) whole, and each `async fn` between the caller and reqwest adds a
    /// level that is copied as the call starts; so the common path is a plain function
    /// returning the attempts' future itself, and what only some calls need (a bad request's
    /// error, tracing, a total limit) is boxed.
    ///
    /// The futures take the operation, not its `ErrorContext` (six words), and make the
    /// context where an error needs it: each layer would keep a copy of its own.
    fn call<'a>(
        &'a self,
        op: &'static Operation,
        request: &'a Request,
    ) -> Either<
        impl std::future::Future<Output = Result<Response, Error>> + Send + 'a,
        BoxFuture<'a, Result<Response, Error>>,
    > {
        if let Err(error) = sendable(op, request) {
            return Either::Right(Box::pin(std::future::ready(Err(error))));
        }
        let span = tracing::info_span!(
            "contractfit.call",
            operation = op.name,
            method = op.method,
            path = op.path,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let total = request
            .options
            .get()
            .total_timeout
            .or(self.inner.total_timeout);
        if total.is_none() && span.is_disabled() {
            return Either::Left(self.attempts(op, request, None, None));
        }
        Either::Right(Box::pin(self.traced_call(op, request, total, span)))
    }

    /// A call that a subscriber traces or that has a total limit.
    async fn traced_call(
        &self,
        op: &'static Operation,
        request: &Request,
        total: Option<Duration>,
        span: tracing::Span,
    ) -> Result<Response, Error> {
        let started = Instant::now();
        let calls = self
            .attempts(op, request, total, Some(&span))
            .instrument(span.clone());
        let result = match total {
            None => calls.await,
            Some(limit) => match tokio::time::timeout(limit, calls).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout {
                    context: op.into(),
                    kind: TimeoutKind::Total,
                    elapsed: started.elapsed(),
                }),
            },
        };
        let status = match &result {
            Ok(response) => Some(response.status()),
            Err(error) => error.status(),
        };
        if let Some(status) = status {
            span.record("status", status.as_u16());
        }
        result
    }

    async fn attempts(
        &self,
        op: &'static Operation,
        request: &Request,
        total: Option<Duration>,
        call_span: Option<&tracing::Span>,
    ) -> Result<Response, Error> {
        let started = total.map(|_| Instant::now());
        let options = request.options.get();
        let policy = options.retry.as_ref().unwrap_or(&self.inner.retry);
        let may_repeat = (op.idempotent || options.retry_non_idempotent) && request.is_replayable();
        let mut attempt = 0;
        let mut logged_in_again = false;
        loop {
            attempt += 1;
            if let Some(span) = call_span {
                span.record("attempts", attempt);
            }
            let attempt_started = Instant::now();
            // What comes next is decided in a block of its own, before any other await: a
            // value kept in scope here would be kept in this future across those awaits.
            let next = {
                let (outcome, login_token) = match attempt_span(attempt) {
                    None => self.attempt(op, request, attempt_started).await,
                    Some(span) => {
                        Box::pin(self.attempt(op, request, attempt_started))
                            .instrument(span)
                            .await
                    }
                };
                let error = match outcome {
                    Ok(response) => {
                        tracing::debug!(
                            attempt,
                            status = response.status().as_u16(),
                            elapsed = ?attempt_started.elapsed(),
                            "response"
                        );
                        return Ok(response);
                    }
                    Err(error) => error,
                };
                // A 401 to a token from the login cache: the token was revoked or expired
                // early. Log in again, once, and repeat the request (which the server did not
                // process).
                let may_log_in_again = !logged_in_again && request.is_replayable();
                match rejected_token(&error, login_token, may_log_in_again) {
                    Some(token) => Next::LogInAgain(token),
                    None => Next::Wait(
                        Retry {
                            attempt,
                            attempt_started,
                            may_repeat,
                            replayable: request.is_replayable(),
                            policy,
                            spent: total
                                .zip(started)
                                .map(|(total, started)| (total, started.elapsed())),
                        }
                        .delay(error)?,
                    ),
                }
            };
            match next {
                Next::LogInAgain(token) => {
                    tracing::debug!(attempt, "token rejected; logging in again");
                    Box::pin(self.inner.tokens.invalidate(&token)).await;
                    logged_in_again = true;
                    attempt -= 1;
                }
                Next::Wait(delay) => {
                    tracing::debug!(attempt, ?delay, "retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// One attempt, begun at `started`: a 2xx response (its body read when the request says
    /// so), or an error that keeps the body; also the login token it used, if any, for the 401
    /// handling. Written as one function, not one per step: see [`call`](Self::call).
    async fn attempt(
        &self,
        op: &'static Operation,
        request: &Request,
        started: Instant,
    ) -> (Result<Response, Error>, Option<Arc<str>>) {
        let logs_in = self.inner.placements.logs_in(op.security);
        // What a login or a multipart body needs is awaited first (boxed: few calls need it).
        // Matched as it is made, with no variable in between: a variable would be kept in this
        // future across the awaits below, and a request is 264 bytes.
        let (pending, login_token) = match if logs_in || matches!(request.body, Body::Multipart(_))
        {
            Box::pin(self.prepare_and_build(op, request, logs_in)).await
        } else {
            let purpose = Purpose::Send {
                login_token: None,
                form: None,
            };
            self.build_request(op, request, op.into(), purpose)
                .map(|built| (built, None))
        } {
            Ok((built, login_token)) => (built, login_token),
            Err(error) => return (Err(error), None),
        };
        let mut built = pending;
        let options = request.options.get();
        let mut timer = IdleTimer::new(options.idle_timeout.unwrap_or(self.inner.idle_timeout));
        // A body that may take a while to send reports its progress, so that the idle timer
        // runs from its last piece, not from the start of the upload.
        let activity = match &request.body {
            Body::Multipart(_) | Body::Bytes { .. } => built.body_mut().take().and_then(|body| {
                // A multipart body is a stream; its length is in the header reqwest set.
                let length = built
                    .headers()
                    .get(http::header::CONTENT_LENGTH)
                    .and_then(|value| value.to_str().ok()?.parse().ok())
                    .or_else(|| http_body::Body::size_hint(&body).exact());
                let (body, activity) = Activity::watch(body, length);
                *built.body_mut() = Some(body);
                activity
            }),
            Body::Empty | Body::Json(_) => None,
        };
        let sent = timer
            .run(self.inner.http.execute(built), activity.as_ref())
            .await;
        let mut response = match sent {
            Some(Ok(response)) => response,
            Some(Err(source)) => {
                return (Err(self.transport_error(op, source, started)), login_token)
            }
            None => return (Err(idle_error(op, &timer)), login_token),
        };
        timer.moved();
        let status = response.status();
        if status.is_success() && !request.buffer {
            let unread = Response::unread(
                op,
                response,
                &self.inner.redactor,
                self.inner.max_body_size,
                timer.limit(),
            );
            return (Ok(unread), login_token);
        }
        // One read for a buffered 2xx body and an error's body alike, so that the future
        // holds one body read, not two.
        let headers = std::mem::take(response.headers_mut());
        let limit = self.inner.max_body_size;
        let received = match read_body(&mut response, limit, &mut timer).await {
            Ok(body) => self.received(op, status, headers, body),
            Err(error) => {
                Err(error.into_error(op.into(), status, headers, limit, &self.inner.redactor))
            }
        };
        (received, login_token)
    }

    /// The error for a request that got no response.
    fn transport_error(
        &self,
        op: &'static Operation,
        source: reqwest::Error,
        started: Instant,
    ) -> Error {
        if !source.is_timeout() {
            return Error::transport(op.into(), source, &self.inner.redactor);
        }
        let kind = if source.is_connect() {
            TimeoutKind::Connect
        } else {
            TimeoutKind::Attempt
        };
        Error::Timeout {
            context: op.into(),
            kind,
            elapsed: started.elapsed(),
        }
    }

    /// A response read whole: a 2xx as the response, anything else as the error.
    fn received(
        &self,
        op: &'static Operation,
        status: http::StatusCode,
        headers: HeaderMap,
        body: bytes::Bytes,
    ) -> Result<Response, Error> {
        let redactor = &self.inner.redactor;
        if status.is_success() {
            Ok(Response::with_body(op, status, headers, body, redactor))
        } else {
            Err(Error::Api(Box::new(ApiError::new(
                op.into(),
                status,
                headers,
                body,
                redactor,
            ))))
        }
    }

    /// The request for a call that needs something awaited first: a login token, a multipart
    /// body's files.
    async fn prepare_and_build(
        &self,
        op: &'static Operation,
        request: &Request,
        logs_in: bool,
    ) -> Result<(reqwest::Request, Option<Arc<str>>), Error> {
        let context = ErrorContext::from(op);
        let login_token = match logs_in {
            true => Some(self.login_token(context).await?),
            false => None,
        };
        let form = match &request.body {
            Body::Multipart(form) => Some(
                form.to_reqwest()
                    .await
                    .map_err(|message| Error::invalid(context, message))?,
            ),
            _ => None,
        };
        let purpose = Purpose::Send {
            login_token: login_token.clone(),
            form,
        };
        let built = self.build_request(op, request, context, purpose)?;
        Ok((built, login_token))
    }

    /// The request `execute` would send first, without sending it and without logging in:
    /// for dry runs. Credentials are placed as for a real call, then shown redacted; a
    /// multipart body is described rather than read.
    #[doc(hidden)]
    pub async fn preview(
        &self,
        op: &'static Operation,
        request: &Request,
    ) -> Result<RequestPreview, Error> {
        sendable(op, request)?;
        let built = self.build_request(op, request, op.into(), Purpose::Preview)?;
        Ok(RequestPreview::new(
            &built,
            &request.body,
            &self.inner.redactor,
        ))
    }

    /// The request as reqwest sends it, with the credentials the operation takes placed.
    ///
    /// Filled in place rather than through reqwest's `RequestBuilder`, which is moved whole
    /// (280 bytes) through every header it adds, on every call.
    fn build_request(
        &self,
        op: &'static Operation,
        request: &Request,
        context: ErrorContext,
        purpose: Purpose,
    ) -> Result<reqwest::Request, Error> {
        let not_assembled =
            |source: Box<dyn std::error::Error + Send + Sync>| Error::InvalidRequest {
                context,
                message: "the request could not be assembled".into(),
                source: Some(source),
            };
        let header_name = |name: &str| {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::invalid(context, format!("invalid header name {name:?}")))
        };
        let header_value = |name: &dyn std::fmt::Display, value: &str| {
            HeaderValue::from_str(value).map_err(|_| {
                Error::invalid(
                    context,
                    format!("header {name} has a value that cannot be sent"),
                )
            })
        };
        // The base URL is http or https (checked when the client was built), so this has a host.
        let mut url = reqwest::Url::parse(&[self.inner.base_url.as_str(), &request.path].concat())
            .map_err(|source| not_assembled(Box::new(source)))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut headers = self.inner.default_headers.clone();
        if let Some(accept) = request.accept {
            headers.append(http::header::ACCEPT, HeaderValue::from_static(accept));
        }
        for (name, value) in &request.headers {
            headers.append(header_name(name)?, header_value(name, value)?);
        }
        let options = request.options.get();
        for (name, value) in &options.headers {
            let name = header_name(name)?;
            let value = header_value(&name, value)?;
            headers.append(name, value);
        }
        let previewing = matches!(purpose, Purpose::Preview);
        let (login_token, form) = match purpose {
            Purpose::Send { login_token, form } => (login_token, form),
            Purpose::Preview => (None, None),
        };
        for placement in self.inner.placements.chosen(op.security) {
            let (name, mut value) = match placement {
                Placement::Basic { username, password } => {
                    use base64::Engine;
                    let encoded = base64::engine::general_purpose::STANDARD
                        .encode(format!("{username}:{password}"));
                    let value = header_value(&"authorization", &format!("Basic {encoded}"))?;
                    (HeaderName::from_static("authorization"), value)
                }
                Placement::Header { name, value } => {
                    let value = value.clone().ok_or_else(|| {
                        Error::invalid(
                            context,
                            "credentials contain characters a header cannot carry",
                        )
                    })?;
                    (header_name(name)?, value)
                }
                // Header credentials are marked sensitive (the preview hides those); a query
                // parameter cannot be, so a preview gets a placeholder instead.
                Placement::Query { name, value } => {
                    let value = if previewing { REDACTED } else { value.as_str() };
                    url.query_pairs_mut().append_pair(name, value);
                    continue;
                }
                Placement::LoginToken { name, prefix } => {
                    let token = login_token
                        .as_deref()
                        .unwrap_or("(a token from logging in)");
                    let value =
                        HeaderValue::from_str(&format!("{prefix}{token}")).map_err(|_| {
                            Error::invalid(context, "the login token cannot be sent in a header")
                        })?;
                    (header_name(name)?, value)
                }
            };
            value.set_sensitive(true);
            headers.append(name, value);
        }
        let body = match &request.body {
            // RFC 9110 §8.6: a request whose method gives content a meaning says when it has
            // none, and some servers (and Prism) refuse one that does not.
            Body::Empty
                if request.length_required || matches!(op.method, "POST" | "PUT" | "PATCH") =>
            {
                headers.append(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
                None
            }
            Body::Empty | Body::Multipart(_) => None,
            Body::Json(bytes) => {
                let json = HeaderValue::from_static("application/json");
                headers.append(http::header::CONTENT_TYPE, json);
                Some(bytes.clone().into())
            }
            Body::Bytes {
                content_type,
                bytes,
            } => {
                let content_type = header_value(&http::header::CONTENT_TYPE, content_type)?;
                headers.append(http::header::CONTENT_TYPE, content_type);
                Some(bytes.clone().into())
            }
        };
        let mut built = reqwest::Request::new(op.http_method(), url);
        *built.headers_mut() = headers;
        *built.body_mut() = body;
        *built.timeout_mut() = match options.attempt_timeout {
            Some(timeout) => Some(timeout),
            None if !self.inner.timeout_in_client => self.inner.attempt_timeout,
            None => None,
        };
        match form {
            // Reqwest writes a form's body and its boundary; few calls have one. A preview
            // describes the form instead: building it would open the files.
            Some(form) => reqwest::RequestBuilder::from_parts(self.inner.http.clone(), built)
                .multipart(form)
                .build()
                .map_err(|source| not_assembled(Box::new(self.inner.redactor.reqwest(source)))),
            None => Ok(built),
        }
    }

    /// A token from the login cache, for the configured login credentials.
    async fn login_token(&self, context: ErrorContext) -> Result<Arc<str>, Error> {
        let inner = &self.inner;
        let login = inner.schemes.iter().find_map(|s| s.login.as_ref());
        let credentials = inner.credentials.iter().find_map(|c| match c {
            Credentials::Login {
                username, password, ..
            } => Some((username, password)),
            _ => None,
        });
        let (Some(login), Some((username, password))) = (login, credentials) else {
            return Err(Error::invalid(
                context,
                "login credentials without a login operation",
            ));
        };
        inner
            .tokens
            .token(LoginRequest {
                http: &inner.http,
                base_url: &inner.base_url,
                login,
                username,
                password,
                timeout: inner.attempt_timeout.unwrap_or(inner.idle_timeout),
                max_body_size: inner.max_body_size,
                context,
                redactor: &inner.redactor,
            })
            .await
    }
}

/// Whether `request` can be sent for `op` at all: the builder recorded no error, and the path
/// stays within the operation's template.
fn sendable(op: &'static Operation, request: &Request) -> Result<(), Error> {
    if let Some(message) = &request.error {
        return Err(Error::invalid(op.into(), message.clone()));
    }
    check_path(op.path, &request.path).map_err(|message| Error::invalid(op.into(), message))
}

/// The login token to give up, if the attempt failed with a 401 to it and the call may log in
/// again.
fn rejected_token(
    error: &Error,
    login_token: Option<Arc<str>>,
    may_log_in_again: bool,
) -> Option<Arc<str>> {
    match error {
        Error::Api(api) if api.status == http::StatusCode::UNAUTHORIZED && may_log_in_again => {
            login_token
        }
        _ => None,
    }
}

/// What the attempts loop does after a failed attempt.
enum Next {
    /// Give up the rejected login token, log in again and repeat the attempt.
    LogInAgain(Arc<str>),
    /// Wait this long, then attempt again.
    Wait(Duration),
}

/// The error for an attempt whose idle timer ran out.
fn idle_error(op: &'static Operation, timer: &IdleTimer) -> Error {
    Error::Timeout {
        context: op.into(),
        kind: TimeoutKind::Idle,
        elapsed: timer.limit(),
    }
}

/// The span of one attempt, if a subscriber wants it.
fn attempt_span(attempt: u32) -> Option<tracing::Span> {
    let span = tracing::debug_span!("contractfit.attempt", attempt);
    (!span.is_disabled()).then_some(span)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With ring alone, reqwest has no rustls provider: building a client installs one, and a
    /// `reqwest::Client` of the caller's own builds after `install_tls_provider` (without it,
    /// reqwest panics). Run by `cargo xtask test` with `--no-default-features --features
    /// rustls-ring`; with other features it shows that nothing is installed.
    #[test]
    fn tls_provider_is_installed_only_where_reqwest_has_none() {
        install_tls_provider();
        let installed = rustls_default_installed();
        assert_eq!(
            installed,
            cfg!(all(feature = "rustls-ring", not(feature = "rustls"))),
        );
        let _own = reqwest::Client::new();
        ClientBuilder::<Client>::new(Some("https://example.invalid"), &[])
            .build()
            .unwrap();
    }

    #[cfg(feature = "rustls-ring")]
    fn rustls_default_installed() -> bool {
        rustls::crypto::CryptoProvider::get_default().is_some()
    }

    #[cfg(not(feature = "rustls-ring"))]
    fn rustls_default_installed() -> bool {
        false
    }

    /// The generated `send`s return these futures without a `+ Send` bound (proving it there
    /// would cost every operation's compile), and users spawn them: so it is proved here, once,
    /// for every response type. A compile error here is the failure.
    #[allow(dead_code)]
    fn calls_can_be_spawned<T: serde::de::DeserializeOwned + Send + 'static>(
        client: Client,
        op: &'static Operation,
        requests: [Request; 3],
    ) {
        fn spawnable<F: std::future::Future + Send + 'static>(_: F) {}
        let [json, raw, stream] = requests;
        spawnable(client.clone().execute_json::<T>(op, json));
        spawnable(client.clone().execute_raw(op, raw));
        spawnable(client.execute_stream(op, stream));
    }
}

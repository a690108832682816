//! What a successful call gives back: status, headers and a body, typed or raw.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use futures::Stream;
use http::{HeaderMap, StatusCode};

use crate::error::{BodyTooLarge, DecodeError, ErrorContext, TimeoutKind};
use crate::idle::IdleTimer;
use crate::redact::Redactor;
use crate::{Error, Operation};

/// A 2xx response.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: T,
}

impl<T> ApiResponse<T> {
    pub fn into_body(self) -> T {
        self.body
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ApiResponse<U> {
        ApiResponse {
            status: self.status,
            headers: self.headers,
            body: f(self.body),
        }
    }
}

/// A body the document gives no type for: the bytes as received, to parse as the caller
/// knows best.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RawBody {
    pub bytes: Bytes,
    pub content_type: Option<String>,
    /// The call and status it came with, for [`RawBody::json`]'s errors.
    origin: Option<Origin>,
}

/// Where a raw body came from.
#[derive(Debug, Clone)]
struct Origin {
    context: ErrorContext,
    status: StatusCode,
    redactor: Redactor,
}

impl PartialEq for RawBody {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes && self.content_type == other.content_type
    }
}

impl Eq for RawBody {}

impl RawBody {
    /// A body of these bytes (for tests and stubs; calls return their own).
    pub fn new(bytes: impl Into<Bytes>, content_type: Option<String>) -> Self {
        RawBody {
            bytes: bytes.into(),
            content_type,
            origin: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The body as JSON of type `T`; a body that does not fit is an [`Error::Decode`] that
    /// keeps it and names the place in it that did not fit, like a typed call's. (Its headers
    /// are the response's, in the [`ApiResponse`] this body came in.)
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        from_json(&self.bytes).map_err(|failure| {
            let path = failure.path().to_string();
            self.decode_error(path, failure.into_inner())
        })
    }

    /// This body did not decode at `path`.
    pub(crate) fn decode_error(&self, path: String, source: serde_json::Error) -> Error {
        let (context, status, redactor) = match &self.origin {
            Some(origin) => (origin.context, origin.status, origin.redactor.clone()),
            None => (
                ErrorContext {
                    operation: "RawBody::json",
                    method: "",
                    path: "",
                },
                StatusCode::OK,
                Redactor::default(),
            ),
        };
        Error::Decode(Box::new(DecodeError::at(
            context,
            status,
            HeaderMap::new(),
            self.bytes.clone(),
            path,
            source,
            &redactor,
        )))
    }

    /// The body as any JSON value.
    pub fn json_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.bytes)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// A body streamed as it arrives (files, page images, zips), without holding it in memory.
pub struct ByteStream {
    context: ErrorContext,
    redactor: Redactor,
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, reqwest::Error>> + Send>>,
    /// Ends the stream with an idle timeout when no piece comes for its limit; `None` for a
    /// body already in memory.
    idle: Option<IdleTimer>,
}

impl std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ByteStream")
            .field("operation", &self.context.operation)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    pub(crate) fn new(
        context: ErrorContext,
        response: reqwest::Response,
        redactor: Redactor,
        idle: std::time::Duration,
    ) -> Self {
        ByteStream {
            context,
            redactor,
            inner: Box::pin(response.bytes_stream()),
            idle: Some(IdleTimer::new(idle)),
        }
    }

    pub(crate) fn from_bytes(context: ErrorContext, bytes: Bytes) -> Self {
        ByteStream {
            context,
            redactor: Redactor::default(),
            inner: Box::pin(futures::stream::iter([Ok(bytes)])),
            idle: None,
        }
    }

    /// Reads the whole body into memory.
    pub async fn collect(mut self) -> Result<Bytes, Error> {
        use futures::StreamExt;
        let mut buffer = bytes::BytesMut::new();
        while let Some(chunk) = self.next().await {
            buffer.extend_from_slice(&chunk?);
        }
        Ok(buffer.freeze())
    }

    /// Writes the body to `writer` chunk by chunk; returns the number of bytes written.
    pub async fn copy_to(
        mut self,
        writer: &mut (impl tokio::io::AsyncWrite + Unpin),
    ) -> Result<u64, Error> {
        use futures::StreamExt;
        use tokio::io::AsyncWriteExt;
        let mut written = 0;
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| Error::invalid(self.context, format!("cannot write body: {e}")))?;
            written += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|e| Error::invalid(self.context, format!("cannot write body: {e}")))?;
        Ok(written)
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(item) => {
                if let Some(timer) = &mut this.idle {
                    timer.moved();
                }
                let (context, redactor) = (this.context, &this.redactor);
                Poll::Ready(item.map(|chunk| {
                    chunk.map_err(|source| Error::transport(context, source, redactor))
                }))
            }
            Poll::Pending => {
                let Some(timer) = &mut this.idle else {
                    return Poll::Pending;
                };
                ready!(timer.poll_idle(cx, None));
                let limit = timer.limit();
                // The stream ends with the timeout: what follows it is not waited for.
                this.idle = None;
                this.inner = Box::pin(futures::stream::empty());
                Poll::Ready(Some(Err(Error::Timeout {
                    context: this.context,
                    kind: TimeoutKind::Idle,
                    elapsed: limit,
                })))
            }
        }
    }
}

/// A response whose status is 2xx: its body read already (see [`Request::buffer_body`]), or
/// not yet.
///
/// [`Request::buffer_body`]: crate::Request::buffer_body
#[derive(Debug)]
pub struct Response {
    /// The operation, not its `ErrorContext` (six words): a response is moved whole through
    /// every layer of the call, and the context is made only where an error needs it.
    pub(crate) op: &'static Operation,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Body,
    pub(crate) redactor: Redactor,
}

#[derive(Debug)]
pub(crate) enum Body {
    Read(Bytes),
    /// Boxed: 160 bytes that only streamed bodies need, in a value every call moves.
    Unread(Box<Unread>),
}

/// A body still to come, and the limits it is read with.
#[derive(Debug)]
pub(crate) struct Unread {
    response: reqwest::Response,
    /// The most of it that may be read into memory.
    limit: usize,
    /// How long it may go without a byte arriving.
    idle: std::time::Duration,
}

impl Response {
    /// A response whose body was read in the attempt.
    pub(crate) fn with_body(
        op: &'static Operation,
        status: StatusCode,
        headers: HeaderMap,
        bytes: Bytes,
        redactor: &Redactor,
    ) -> Self {
        Response {
            op,
            status,
            headers,
            body: Body::Read(bytes),
            redactor: redactor.clone(),
        }
    }

    /// A response whose body is still to come.
    pub(crate) fn unread(
        op: &'static Operation,
        response: reqwest::Response,
        redactor: &Redactor,
        limit: usize,
        idle: std::time::Duration,
    ) -> Self {
        Response {
            op,
            status: response.status(),
            headers: response.headers().clone(),
            body: Body::Unread(Box::new(Unread {
                response,
                limit,
                idle,
            })),
            redactor: redactor.clone(),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    async fn read(self) -> Result<(StatusCode, HeaderMap, Bytes), Error> {
        let context = ErrorContext::from(self.op);
        let body = match self.body {
            Body::Read(bytes) => bytes,
            Body::Unread(mut unread) => {
                let mut timer = IdleTimer::new(unread.idle);
                match read_body(&mut unread.response, unread.limit, &mut timer).await {
                    Ok(bytes) => bytes,
                    Err(error) => {
                        return Err(error.into_error(
                            context,
                            self.status,
                            self.headers,
                            unread.limit,
                            &self.redactor,
                        ))
                    }
                }
            }
        };
        Ok((self.status, self.headers, body))
    }

    /// Decodes the body as `T`; a body that does not fit is an [`Error::Decode`] that keeps it.
    pub async fn json<T: serde::de::DeserializeOwned>(self) -> Result<ApiResponse<T>, Error> {
        let context = ErrorContext::from(self.op);
        let redactor = self.redactor.clone();
        let (status, headers, bytes) = self.read().await?;
        decode(context, status, headers, bytes, &redactor)
    }

    /// The body as received.
    pub async fn raw(self) -> Result<ApiResponse<RawBody>, Error> {
        let (context, redactor) = (ErrorContext::from(self.op), self.redactor.clone());
        let (status, headers, bytes) = self.read().await?;
        Ok(raw(context, status, headers, bytes, &redactor))
    }

    /// A body read in the attempt (see [`Request::buffer_body`]) decoded as `T`, without
    /// awaiting; the response itself when its body is still to come.
    ///
    /// [`Request::buffer_body`]: crate::Request::buffer_body
    pub(crate) fn decode_read<T: serde::de::DeserializeOwned>(
        self,
    ) -> Result<Result<ApiResponse<T>, Error>, Box<Self>> {
        self.with_read(decode)
    }

    /// A body read in the attempt, as received; the response itself when its body is still
    /// to come.
    pub(crate) fn take_read(self) -> Result<ApiResponse<RawBody>, Box<Self>> {
        self.with_read(raw)
    }

    /// `make` of the parts of a response whose body was read in the attempt.
    fn with_read<R>(
        self,
        make: impl FnOnce(ErrorContext, StatusCode, HeaderMap, Bytes, &Redactor) -> R,
    ) -> Result<R, Box<Self>> {
        match self.body {
            Body::Read(bytes) => Ok(make(
                ErrorContext::from(self.op),
                self.status,
                self.headers,
                bytes,
                &self.redactor,
            )),
            Body::Unread(_) => Err(Box::new(self)),
        }
    }

    /// The body as a stream of chunks.
    pub fn stream(self) -> ApiResponse<ByteStream> {
        let body = match self.body {
            Body::Unread(unread) => ByteStream::new(
                ErrorContext::from(self.op),
                unread.response,
                self.redactor,
                unread.idle,
            ),
            Body::Read(bytes) => ByteStream::from_bytes(ErrorContext::from(self.op), bytes),
        };
        ApiResponse {
            status: self.status,
            headers: self.headers,
            body,
        }
    }
}

/// The default for [`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size): the
/// longest body the client reads into memory (a typed or raw answer, an error's body, a login
/// reply). Streamed bodies ([`ByteStream`]) have no limit.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024 * 1024;

/// The most a body's declared length may make the client reserve before its bytes arrive: the
/// length is the server's word, and a buffer is only grown as bytes come.
const MAX_RESERVED: usize = 1024 * 1024;

/// Why a body could not be read whole.
pub(crate) enum ReadError {
    Transport(reqwest::Error),
    /// Longer than the limit; what arrived up to it.
    TooLarge(Bytes),
    /// No byte came for the idle timeout, this long.
    Idle(std::time::Duration),
}

impl ReadError {
    /// The call's error for a body of a response with `status` and `headers` that could not be
    /// read.
    pub(crate) fn into_error(
        self,
        context: ErrorContext,
        status: StatusCode,
        headers: HeaderMap,
        limit: usize,
        redactor: &Redactor,
    ) -> Error {
        match self {
            ReadError::Transport(source) => Error::transport(context, source, redactor),
            ReadError::TooLarge(received) => Error::TooLarge(Box::new(BodyTooLarge::new(
                context, status, headers, limit, received, redactor,
            ))),
            ReadError::Idle(idle) => Error::Timeout {
                context,
                kind: TimeoutKind::Idle,
                elapsed: idle,
            },
        }
    }
}

/// The whole body of `response`, at most `limit` bytes, as reqwest's `bytes()` reads it (an
/// error names the URL), in a future of a fifth the size (120 bytes against 568): a call's
/// future holds this one, and is moved whole. A body that arrives in one chunk, as most do, is
/// kept as it came, uncopied. Memory follows the bytes that arrive, never the length a server
/// declares.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: usize,
    timer: &mut IdleTimer,
) -> Result<Bytes, ReadError> {
    if response
        .content_length()
        .is_some_and(|declared| declared > limit as u64)
    {
        return Err(ReadError::TooLarge(Bytes::new()));
    }
    let mut first = Bytes::new();
    let mut joined: Option<bytes::BytesMut> = None;
    loop {
        let Some(next) = timer.run(response.chunk(), None).await else {
            return Err(ReadError::Idle(timer.limit()));
        };
        timer.moved();
        match next {
            Ok(Some(chunk)) => {
                let so_far = joined.as_ref().map_or(first.len(), |j| j.len());
                if so_far + chunk.len() > limit {
                    let mut kept = joined.unwrap_or_else(|| bytes::BytesMut::from(&first[..]));
                    kept.extend_from_slice(&chunk[..limit - so_far]);
                    return Err(ReadError::TooLarge(kept.freeze()));
                }
                match &mut joined {
                    Some(joined) => joined.extend_from_slice(&chunk),
                    None if first.is_empty() => first = chunk,
                    None => {
                        let declared = response.content_length().unwrap_or(0) as usize;
                        let reserve = declared.min(limit).min(MAX_RESERVED);
                        let mut both =
                            bytes::BytesMut::with_capacity(reserve.max(so_far + chunk.len()));
                        both.extend_from_slice(&first);
                        both.extend_from_slice(&chunk);
                        joined = Some(both);
                    }
                }
            }
            Ok(None) => return Ok(joined.map_or(first, bytes::BytesMut::freeze)),
            Err(error) => return Err(ReadError::Transport(error.with_url(response.url().clone()))),
        }
    }
}

/// A 2xx body decoded as `T`, or an [`Error::Decode`] that keeps the bytes and the failing path.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    context: ErrorContext,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    redactor: &Redactor,
) -> Result<ApiResponse<T>, Error> {
    match from_json(&body) {
        Ok(decoded) => Ok(ApiResponse {
            status,
            headers,
            body: decoded,
        }),
        Err(e) => Err(Error::Decode(Box::new(DecodeError::new(
            context, status, headers, body, e, redactor,
        )))),
    }
}

/// `bytes` as JSON of type `T`, or an error that names the place in them that did not fit.
///
/// Tracking the path costs on every value, so it is done only once decoding has failed: the
/// second pass fails at the same place, now with its path.
fn from_json<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    serde_json::from_slice(bytes).or_else(|_| {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(&mut deserializer)
    })
}

/// A body as received, with its content type and where it came from.
pub(crate) fn raw(
    context: ErrorContext,
    status: StatusCode,
    headers: HeaderMap,
    bytes: Bytes,
    redactor: &Redactor,
) -> ApiResponse<RawBody> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ApiResponse {
        status,
        headers,
        body: RawBody {
            bytes,
            content_type,
            origin: Some(Origin {
                context,
                status,
                redactor: redactor.clone(),
            }),
        },
    }
}

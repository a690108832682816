//! A real HTTP server on loopback for tests: an `axum` router bound to `127.0.0.1:0`.

use std::net::SocketAddr;

use tokio::task::JoinHandle;

/// A running server; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Serves `router` on a free loopback port.
    pub async fn start(router: axum::Router) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("test server runs");
        });
        TestServer { addr, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A generated client pointed at this server, with retries off unless a test wants them.
    pub fn client(&self) -> contractfit::Client {
        client_at(self.url())
    }
}

/// A generated client pointed at a running fake Contract.fit, with retries off unless a test
/// wants them (as [`TestServer::client`]).
pub trait FakeClient {
    fn client(&self) -> contractfit::Client;
}

impl FakeClient for contractfit_fake::Server {
    fn client(&self) -> contractfit::Client {
        client_at(self.url())
    }
}

/// A generated client of `url` with retries off.
fn client_at(url: String) -> contractfit::Client {
    contractfit::Client::builder()
        .base_url(url)
        .retry(contractfit::RetryPolicy::never())
        .build()
        .expect("client builds")
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address where connecting gets no answer at all, as with an unreachable host:
/// a listener that never accepts, its backlog filled. Kept open while the value lives.
pub struct Unanswering {
    pub addr: SocketAddr,
    _listener: tokio::net::TcpListener,
    _fillers: Vec<tokio::net::TcpStream>,
}

impl Unanswering {
    pub async fn start() -> Unanswering {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket
            .bind("127.0.0.1:0".parse().unwrap())
            .expect("bind a loopback port");
        let listener = socket.listen(0).expect("listen");
        let addr = listener.local_addr().expect("bound address");
        let mut fillers = Vec::new();
        for _ in 0..8 {
            let attempt = tokio::time::timeout(
                std::time::Duration::from_millis(200),
                tokio::net::TcpStream::connect(addr),
            );
            match attempt.await {
                Ok(Ok(stream)) => fillers.push(stream),
                _ => break,
            }
        }
        Unanswering {
            addr,
            _listener: listener,
            _fillers: fillers,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, exactly as sent (still percent-encoded).
    pub uri: String,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A reply the scripted server gives.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: bytes::Bytes,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.to_string().into(),
        }
    }

    pub fn bytes(status: u16, content_type: &str, body: impl Into<bytes::Bytes>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", content_type.into())],
            body: body.into(),
        }
    }
}

/// A server that records every request and answers each with the next scripted reply (the last
/// one repeats).
#[derive(Clone, Default)]
pub struct Scripted {
    replies: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<Reply>>>,
    requests: std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>,
}

impl Scripted {
    pub fn new(replies: impl IntoIterator<Item = Reply>) -> Scripted {
        let scripted = Scripted::default();
        scripted.replies.lock().unwrap().extend(replies);
        scripted
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub async fn start(&self) -> TestServer {
        let state = self.clone();
        let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let state = state.clone();
            async move { state.answer(request).await }
        });
        TestServer::start(router).await
    }

    async fn answer(&self, request: axum::extract::Request) -> axum::response::Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        self.requests.lock().unwrap().push(Recorded {
            method: parts.method.to_string(),
            uri: parts.uri.to_string(),
            headers: parts.headers,
            body,
        });
        let reply = {
            let mut replies = self.replies.lock().unwrap();
            if replies.len() > 1 {
                replies.pop_front()
            } else {
                replies.front().cloned()
            }
        }
        .unwrap_or(Reply::bytes(500, "text/plain", "no reply scripted"));
        let mut response = axum::response::Response::new(axum::body::Body::from(reply.body));
        *response.status_mut() = axum::http::StatusCode::from_u16(reply.status).unwrap();
        for (name, value) in reply.headers {
            response
                .headers_mut()
                .insert(name, axum::http::HeaderValue::from_str(&value).unwrap());
        }
        response
    }
}

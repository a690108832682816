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
        let runtime = contractfit::Client::builder()
            .base_url(self.url())
            .retry(contractfit::RetryPolicy::never())
            .build()
            .expect("client builds");
        contractfit::Client::with_runtime(runtime)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

//! The fake's HTTP server on a loopback port.

use std::net::SocketAddr;

use tokio::task::JoinHandle;

use crate::Fake;

/// A running fake, serving on a loopback port until it is dropped. It dereferences to its
/// [`Fake`], for seeding, injecting faults and reading what it received.
pub struct Server {
    fake: Fake,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(fake: Fake, router: axum::Router) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // Serving only ends when the task is aborted, on drop; an error accepting a
            // connection is the listener's to report, and there is no one to report it to.
            let _ = axum::serve(listener, router).await;
        });
        Ok(Server { fake, addr, task })
    }

    /// The base URL to give the client: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fake it serves.
    pub fn fake(&self) -> &Fake {
        &self.fake
    }
}

impl std::ops::Deref for Server {
    type Target = Fake;

    fn deref(&self) -> &Fake {
        &self.fake
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

//! A 200 MiB upload streamed from disk: the bytes arrive intact (hash), and the process's
//! peak memory stays far below the file's size. A test binary of its own, so that the peak
//! measured is this test's alone.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, Multipart};
use contractfit::{Client, FilePart, RetryPolicy};
use contractfit_tests::server::TestServer;
use sha2::{Digest, Sha256};

const SIZE: usize = 200 * 1024 * 1024;

/// The process's peak resident memory so far (Linux `VmHWM`), in bytes.
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_mib_upload_streams_intact_with_flat_memory() {
    // Write the file in 1 MiB chunks of varying content, hashing as we go.
    let dir = contractfit_tests::scratch("large");
    let path = dir.path().join("large.pdf");
    let mut expected = Sha256::new();
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut chunk: Vec<u8> = (0..1024 * 1024).map(|j| (j * 7 + (j >> 9)) as u8).collect();
        for i in 0..SIZE / chunk.len() {
            // Every chunk differs (its first bytes are its number), so reordering would show.
            chunk[..8].copy_from_slice(&(i as u64).to_le_bytes());
            expected.update(&chunk);
            file.write_all(&chunk).unwrap();
        }
    }
    let expected = format!("{:x}", expected.finalize());

    // The server hashes the file field chunk by chunk, never holding it whole.
    let received: Arc<Mutex<Option<(String, usize)>>> = Arc::default();
    let sink = received.clone();
    let router = axum::Router::new()
        .route(
            "/documents/{inbox}",
            axum::routing::post(move |mut form: Multipart| {
                let sink = sink.clone();
                async move {
                    while let Some(mut field) = form.next_field().await.unwrap() {
                        if field.name() == Some("file") {
                            let mut hash = Sha256::new();
                            let mut size = 0;
                            while let Some(chunk) = field.chunk().await.unwrap() {
                                size += chunk.len();
                                hash.update(&chunk);
                            }
                            *sink.lock().unwrap() = Some((format!("{:x}", hash.finalize()), size));
                        }
                    }
                    axum::Json(serde_json::json!({"id": "big"}))
                }
            }),
        )
        .layer(DefaultBodyLimit::disable());
    let server = TestServer::start(router).await;
    let runtime = Client::builder()
        .base_url(server.url())
        .retry(RetryPolicy::never())
        .attempt_timeout(std::time::Duration::from_secs(300))
        .build()
        .unwrap();
    let client = runtime;

    let before = peak_rss();
    let reply = client
        .upload_document(
            "inbox",
            FilePart::from_path(&path).content_type("application/pdf"),
        )
        .send()
        .await
        .unwrap();
    let after = peak_rss();
    assert_eq!(reply.body.id, "big");
    let (hash, size) = received
        .lock()
        .unwrap()
        .clone()
        .expect("the server saw the file");
    assert_eq!(size, SIZE);
    assert_eq!(hash, expected, "the bytes arrived intact");
    let grown = after.saturating_sub(before);
    assert!(
        grown < 64 * 1024 * 1024,
        "peak memory grew by {} MiB while uploading {} MiB (from {} MiB to {} MiB)",
        grown / (1024 * 1024),
        SIZE / (1024 * 1024),
        before / (1024 * 1024),
        after / (1024 * 1024)
    );
    eprintln!(
        "uploaded {} MiB; peak RSS {} MiB before, {} MiB after",
        SIZE >> 20,
        before >> 20,
        after >> 20
    );
}

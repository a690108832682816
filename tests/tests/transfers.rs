//! Slow transfers finish and stalled ones fail: the idle timeout ends an attempt only when no
//! byte has moved for its length, in either direction. A raw server on loopback reads uploads
//! and writes downloads at a steady rate much slower than the attempt would need at the idle
//! timeout's length, or stops half way.

use std::time::{Duration, Instant};

use contractfit::runtime::TimeoutKind;
use contractfit::{Client, Error, FilePart, RetryPolicy};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The defaults scaled down: 60 s of idle timeout become 300 ms, so that a transfer of
/// seconds is, to the client, what a transfer of many minutes is at the defaults.
const IDLE: Duration = Duration::from_millis(300);
/// A download: 64 KiB every 25 ms, about 2.6 MB/s, 1.6 s in all, five idle timeouts.
const SIZE: usize = 4 * 1024 * 1024;
const PIECE: usize = 64 * 1024;
const PAUSE: Duration = Duration::from_millis(25);
/// An upload is scaled less: once its last bytes are in the kernel's buffers the client can
/// only wait for the answer, and loopback buffers megabytes (its send buffer grows to 4 MiB),
/// which a reader at this pace drains in half a second. At the defaults, and on a real link,
/// where buffers follow the link's pace, that is a small part of the 60 s. So: 40 MiB at
/// 64 KiB every 8 ms, about 5 s, over twice this idle timeout, which leaves the drain (half a
/// second, more on a loaded machine) room.
const UPLOAD: usize = 40 * 1024 * 1024;
const UPLOAD_PAUSE: Duration = Duration::from_millis(8);
const UPLOAD_IDLE: Duration = Duration::from_secs(2);

fn client(url: &str) -> Client {
    client_idle(url, IDLE)
}

fn client_idle(url: &str, idle: Duration) -> Client {
    Client::builder()
        .base_url(url)
        .idle_timeout(idle)
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

/// What the server does with each connection.
#[derive(Clone, Copy)]
enum Pace {
    /// Reads the request's body at the pace, then answers `{"id": "doc-1"}`.
    ReadSlowly,
    /// Reads half the request's body, then nothing.
    StopReading,
    /// Sends a body of `SIZE` at the pace.
    WriteSlowly,
    /// Sends half the body, then nothing.
    StopWriting,
}

async fn serve(pace: Pace) -> String {
    // A small receive buffer, as the idle timeout is scaled down: loopback's own buffers hold
    // megabytes, which a slow reader takes seconds to drain while the client, its body handed
    // to the kernel, waits for the answer; at the defaults that is a fraction of the 60 s.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(32 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(16).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, pace));
        }
    });
    url
}

async fn answer(mut stream: TcpStream, pace: Pace) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .map_or(0, |n| n.trim().parse().unwrap());
    let mut piece = vec![0u8; PIECE];
    match pace {
        Pace::ReadSlowly | Pace::StopReading => {
            let until = match pace {
                Pace::ReadSlowly => length,
                _ => length / 2,
            };
            let mut read = 0;
            while read < until {
                let want = PIECE.min(until - read);
                stream.read_exact(&mut piece[..want]).await?;
                read += want;
                tokio::time::sleep(UPLOAD_PAUSE).await;
            }
            if read < length {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
            let body = br#"{"id": "doc-1"}"#;
            let head = format!("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(body).await?;
        }
        Pace::WriteSlowly | Pace::StopWriting => {
            let head = format!("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: application/octet-stream\r\ncontent-length: {SIZE}\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            let until = match pace {
                Pace::WriteSlowly => SIZE,
                _ => SIZE / 2,
            };
            let mut written = 0;
            while written < until {
                stream.write_all(&piece).await?;
                written += PIECE;
                tokio::time::sleep(PAUSE).await;
            }
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
    stream.flush().await
}

fn upload(client: &Client) -> contractfit::builders::UploadDocument {
    client.upload_document(
        "inbox-1",
        FilePart::from_bytes(vec![b'%'; UPLOAD]).file_name("scan.pdf"),
    )
}

/// (Before: the attempt timeout, reqwest's total timeout, ended the upload part way with
/// `timed out after 1.0 s (attempt timeout)`, whatever its progress.)
#[tokio::test]
async fn a_slow_upload_that_progresses_finishes() {
    let url = serve(Pace::ReadSlowly).await;
    let started = Instant::now();
    let reply = upload(&client_idle(&url, UPLOAD_IDLE))
        .send_raw()
        .await
        .unwrap();
    assert_eq!(reply.body.json_value().unwrap()["id"], "doc-1");
    assert!(
        started.elapsed() > UPLOAD_IDLE * 2,
        "not slow: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_slow_download_that_progresses_finishes() {
    let url = serve(Pace::WriteSlowly).await;
    let client = client(&url);
    let started = Instant::now();
    let streamed = client
        .get_document_original_file("doc-1")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap();
    assert_eq!(streamed.len(), SIZE);
    let read = client.get_document("doc-1").send_raw().await.unwrap();
    assert_eq!(read.body.bytes.len(), SIZE);
    assert!(
        started.elapsed() > IDLE * 6,
        "not slow: {:?}",
        started.elapsed()
    );
}

fn assert_idle(error: &Error, started: Instant) {
    assert!(
        matches!(
            error,
            Error::Timeout {
                kind: TimeoutKind::Idle,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("idle timeout"), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stalled_upload_fails_at_the_idle_timeout() {
    let url = serve(Pace::StopReading).await;
    let started = Instant::now();
    let error = upload(&client(&url)).send_raw().await.unwrap_err();
    assert_idle(&error, started);
}

#[tokio::test]
async fn a_stalled_download_fails_at_the_idle_timeout() {
    let url = serve(Pace::StopWriting).await;
    let client = client(&url);
    let started = Instant::now();
    let mut stream = client
        .get_document_original_file("doc-1")
        .send()
        .await
        .unwrap()
        .body;
    let mut last = None;
    while let Some(piece) = stream.next().await {
        if let Err(error) = piece {
            last = Some(error);
        }
    }
    assert_idle(&last.expect("the stream ends with an error"), started);
    let started = Instant::now();
    let error = client.get_document("doc-1").send_raw().await.unwrap_err();
    assert_idle(&error, started);
}

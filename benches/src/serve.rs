//! The servers the benchmarks talk to, each in a child process: `serve api` answers the
//! requests of the overhead and upload benchmarks; `serve fake` is the fake Contract.fit
//! (documents processed after a delay). A server prints `listening on URL` and runs until its
//! standard input closes, so it never outlives the benchmark that started it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::extract::Path;
use axum::routing::{get, post};
use contractfit_fake::{Behaviour, Fake};
use futures::StreamExt;
use serde_json::{json, Value};

/// A server in a child process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
}

/// Tells a server the CPU to keep to (see [`ServerProcess::start_on_cpu`]).
const CPU_VARIABLE: &str = "CONTRACTFIT_BENCH_SERVER_CPU";

impl ServerProcess {
    /// Starts `contractfit-bench serve ARGS` and waits for its address.
    pub fn start(args: &[&str]) -> Result<ServerProcess, String> {
        Self::start_with(args, None)
    }

    /// As [`start`](Self::start), the server kept to CPU `cpu`, so that it does not take
    /// turns with the client on the client's CPU.
    pub fn start_on_cpu(args: &[&str], cpu: usize) -> Result<ServerProcess, String> {
        Self::start_with(args, Some(cpu))
    }

    fn start_with(args: &[&str], cpu: Option<usize>) -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
        let mut command = Command::new(exe);
        if let Some(cpu) = cpu {
            command.env(CPU_VARIABLE, cpu.to_string());
        }
        let mut child = command
            .arg("serve")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the server's address: {e}"))?;
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("the server said {line:?}, not its address"))?
            .to_owned();
        Ok(ServerProcess { child, url })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(args: &[&str]) -> Result<(), String> {
    if let Some(cpu) = std::env::var(CPU_VARIABLE)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        crate::measure::pin_to_cpu(cpu);
    }
    let runtime = crate::runtime();
    match args {
        ["api"] => runtime.block_on(async {
            let server = contractfit_tests::server::TestServer::start(api_router()).await;
            serve_until_stdin_closes(&server.url()).await
        }),
        ["fake", processing_ms, spread_ms] => {
            let ms = |text: &str| {
                text.parse()
                    .map(Duration::from_millis)
                    .map_err(|e| format!("{text:?} is not a number of milliseconds: {e}"))
            };
            let behaviour = Behaviour::default()
                .with_processing_time(ms(processing_ms)?)
                .with_processing_spread(ms(spread_ms)?);
            runtime.block_on(async {
                let server = Fake::new(behaviour).start().await;
                serve_until_stdin_closes(&server.url()).await
            })
        }
        _ => Err(format!(
            "usage: serve api | serve fake PROCESSING_MS SPREAD_MS (got {args:?})"
        )),
    }
}

async fn serve_until_stdin_closes(url: &str) -> Result<(), String> {
    println!("listening on {url}");
    let mut stdin = tokio::io::stdin();
    let mut sink = tokio::io::sink();
    let _ = tokio::io::copy(&mut stdin, &mut sink).await;
    Ok(())
}

/// A document as `GET /documents/{id}` returns it: about 2 KB of JSON.
pub fn document_json(id: &str) -> Value {
    let fields: serde_json::Map<String, Value> = (0..56)
        .map(|i| {
            (
                format!("field_{i:02}"),
                json!(format!("value of field {i}")),
            )
        })
        .collect();
    json!({
        "id": id,
        "inbox": "inbox-1",
        "original_filename": "invoice-2026-11.pdf",
        "page_count": 3,
        "flag_for_review": false,
        "timings": {"receive_time": "2026-11-27T08:47:25.215200", "done_time": "2026-11-27T08:48:25.215200"},
        "status_data": {"data": true, "success": true},
        "prediction": fields,
        "meta_information": {"source": "benchmark", "language": "en", "pages": [1, 2, 3]},
    })
}

fn api_router() -> axum::Router {
    let document = document_json("doc-000001").to_string();
    axum::Router::new()
        .route(
            "/documents/{id}",
            get(move |Path(_id): Path<String>| {
                let document = document.clone();
                async move { ([("content-type", "application/json")], document) }
            })
            .post(count_upload),
        )
        .route("/documents/{id}/original_file", get(send_bytes))
        .route(
            "/inboxes",
            post(|axum::Json(body): axum::Json<Value>| async move {
                axum::Json(
                    json!({"id": "inbox-2", "name": body["name"], "project": body["project"]}),
                )
            }),
        )
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// The inbox whose uploads the server reads as a form, answering the digest of the `file`
/// field's content; other uploads are only counted, so that the server's work stays small
/// beside the client's in the timed transfers.
pub const READ_CONTENT: &str = "inbox-content";

/// A digest of bytes given in any pieces: SipHash with fixed keys (std's `DefaultHasher`, fed
/// only through `write`, which does not depend on where the pieces end). Client and server
/// are one program, so they agree on it.
#[derive(Default)]
pub struct Digest(std::hash::DefaultHasher);

impl Digest {
    pub fn update(&mut self, bytes: &[u8]) {
        use std::hash::Hasher;
        self.0.write(bytes);
    }

    pub fn finish(&self) -> u64 {
        use std::hash::Hasher;
        self.0.finish()
    }
}

/// Reads an upload as it streams, keeping nothing but its length; to [`READ_CONTENT`], the
/// digest of its file too.
async fn count_upload(
    Path(inbox): Path<String>,
    request: axum::extract::Request,
) -> Result<axum::Json<Value>, (axum::http::StatusCode, String)> {
    let bad = |e: &dyn std::fmt::Display| (axum::http::StatusCode::BAD_REQUEST, e.to_string());
    use axum::extract::FromRequest;
    if inbox == READ_CONTENT {
        let mut form = axum::extract::Multipart::from_request(request, &())
            .await
            .map_err(|e| bad(&e))?;
        let (mut digest, mut received) = (Digest::default(), 0u64);
        while let Some(mut field) = form.next_field().await.map_err(|e| bad(&e))? {
            if field.name() == Some("file") {
                while let Some(chunk) = field.chunk().await.map_err(|e| bad(&e))? {
                    received += chunk.len() as u64;
                    digest.update(&chunk);
                }
            }
        }
        return Ok(axum::Json(
            json!({"id": "doc-000001", "received_bytes": received, "file_digest": digest.finish()}),
        ));
    }
    let mut stream = request.into_body().into_data_stream();
    let mut received: u64 = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        received += chunk.len() as u64;
    }
    Ok(axum::Json(
        json!({"id": "doc-000001", "received_bytes": received}),
    ))
}

/// `bytes-N`'s original file: N bytes, streamed in 64 KiB pieces of one shared block, with
/// their length, so that the server's memory does not follow the size.
async fn send_bytes(Path(id): Path<String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    const PIECE: u64 = 64 * 1024;
    let (unique, size) = match id.split_once('-') {
        Some(("bytes", n)) => (false, n.parse::<u64>().ok()),
        Some(("unique", n)) => (true, n.parse::<u64>().ok()),
        _ => (false, None),
    };
    let Some(size) = size else {
        return (axum::http::StatusCode::NOT_FOUND, "no such file").into_response();
    };
    // Timed downloads send one block over and over, shared, so that the server copies
    // nothing; the check sends content unique at every position.
    let block = bytes::Bytes::from(
        (0..PIECE)
            .map(|i| (i * 31 % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let pieces = futures::stream::iter((0..size.div_ceil(PIECE)).map(move |i| {
        let n = PIECE.min(size - i * PIECE) as usize;
        Ok::<_, std::io::Error>(match unique {
            false => block.slice(..n),
            true => {
                let mut piece = vec![0u8; n];
                unique_bytes(i * PIECE, &mut piece);
                bytes::Bytes::from(piece)
            }
        })
    }));
    (
        [
            ("content-type", "application/octet-stream".to_owned()),
            ("content-length", size.to_string()),
        ],
        axum::body::Body::from_stream(pieces),
    )
        .into_response()
}

/// Fills `out` with the bytes at `offset` of a stream that differs at every position: each
/// 8-byte word is a mix (splitmix64) of its index.
pub fn unique_bytes(offset: u64, out: &mut [u8]) {
    for (i, byte) in out.iter_mut().enumerate() {
        let at = offset + i as u64;
        let mut word = (at / 8).wrapping_add(0x9e37_79b9_7f4a_7c15);
        word = (word ^ (word >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        word = (word ^ (word >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        word ^= word >> 31;
        *byte = word.to_le_bytes()[(at % 8) as usize];
    }
}

/// The digest of the first `size` bytes of [`unique_bytes`]'s stream, made a piece at a time.
pub fn unique_digest(size: u64) -> u64 {
    let mut digest = Digest::default();
    let mut piece = vec![0u8; 64 * 1024];
    let mut at = 0;
    while at < size {
        let n = (size - at).min(piece.len() as u64) as usize;
        unique_bytes(at, &mut piece[..n]);
        digest.update(&piece[..n]);
        at += n as u64;
    }
    digest.finish()
}

//! The client against a hostile server: a raw TCP server on loopback answers every request with
//! a misbehaviour drawn from a seed (lengths that lie, endless and huge bodies, huge and many
//! headers, drips, silences, connections closed mid-head, 1xx then nothing, bytes that are not
//! UTF-8 or JSON, redirect loops, absurd `Retry-After`s) to typed, raw, streamed, polling and
//! uploading calls alike.
//!
//! For every call: no panic, no abort, memory bounded (this binary counts every allocation), and
//! an answer or an error naming the call within its timeouts. `CONTRACTFIT_HOSTILE_CASES` sets
//! how many seeded cases run (default 2,000); `CONTRACTFIT_HOSTILE_SEED` replays one case;
//! `CONTRACTFIT_HOSTILE_TRACE=1` prints each seed as it starts, for a case that aborts the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use contractfit::runtime::TimeoutKind;
use contractfit::{Client, Error, FilePart, RetryPolicy};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts the bytes this process holds, and the most it has held.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The client's limits in these tests: small, so that a case ends quickly.
const IDLE: Duration = Duration::from_millis(150);
const MAX_BODY: usize = 256 * 1024;
const MAX_WAIT: Duration = Duration::from_millis(400);
/// The longest any call may take: two attempts, each at most a few idle periods, and the wait.
/// A body dripped fast a byte at a time makes progress, so it ends at the body limit, after
/// some 300,000 pieces: a second or two of an unoptimised build on an idle machine, more on a
/// loaded one. A hang is a call that never ends; this is far from both.
const CALL_BOUND: Duration = Duration::from_secs(30);
/// What the whole run may hold at once: cases run side by side, each bounded by the body limit.
const MEMORY_BOUND: usize = 96 * 1024 * 1024;
const SIDE_BY_SIDE: usize = 16;

/// One way to misbehave, for every request a case's server gets.
#[derive(Debug, Clone)]
enum Misbehaviour {
    /// A status and a `Content-Length` that is not the length of what follows; then the
    /// connection closes (or stays open, silent).
    LyingLength {
        status: u16,
        declared: u64,
        sent: usize,
        pause: Duration,
        close: bool,
    },
    /// A chunked body of `chunks` pieces, or without end.
    Chunked {
        status: u16,
        chunk: usize,
        chunks: Option<usize>,
    },
    /// Headers by the thousand, or one huge one.
    HugeHeaders { count: usize, size: usize },
    /// A well-formed answer sent a few bytes at a time, with pauses.
    Drip {
        status: u16,
        body: usize,
        step: usize,
        pause: Duration,
    },
    /// Reads the request and says nothing.
    Silence,
    /// Closes after this many bytes of a head.
    CloseMidHead { after: usize },
    /// `100 Continue` (or `102 Processing`), then nothing, or a close.
    Informational { code: u16, close: bool },
    /// A body that is not UTF-8, or not JSON, with its length right.
    BadBytes { status: u16, utf8: bool },
    /// A redirect to itself.
    RedirectLoop,
    /// A retry-after far past anything a clock holds.
    AbsurdRetryAfter { status: u16, value: &'static str },
    /// Not HTTP at all.
    Garbage,
}

impl Misbehaviour {
    fn draw(rng: &mut fastrand::Rng) -> Self {
        let status = [200, 201, 202, 400, 401, 404, 429, 500, 502, 503][rng.usize(..10)];
        match rng.u8(..11) {
            0 => Misbehaviour::LyingLength {
                status,
                declared: [0, 1, 10, 1 << 20, 1 << 40, 1_000_000_000_000_000, u64::MAX]
                    [rng.usize(..7)],
                sent: [0, 1, 2, 100, 5000][rng.usize(..5)],
                pause: Duration::from_millis(rng.u64(0..30)),
                close: rng.bool(),
            },
            1 => Misbehaviour::Chunked {
                status,
                chunk: [1, 100, 16 * 1024, 200 * 1024][rng.usize(..4)],
                chunks: rng.bool().then(|| rng.usize(1..40)),
            },
            2 => Misbehaviour::HugeHeaders {
                count: [1, 200, 5000][rng.usize(..3)],
                size: [10, 10_000, 1_000_000][rng.usize(..3)],
            },
            3 => Misbehaviour::Drip {
                status,
                body: rng.usize(0..400),
                step: rng.usize(1..8),
                pause: Duration::from_millis(rng.u64(1..20)),
            },
            4 => Misbehaviour::Silence,
            5 => Misbehaviour::CloseMidHead {
                after: rng.usize(0..40),
            },
            6 => Misbehaviour::Informational {
                code: if rng.bool() { 100 } else { 102 },
                close: rng.bool(),
            },
            7 => Misbehaviour::BadBytes {
                status,
                utf8: rng.bool(),
            },
            8 => Misbehaviour::RedirectLoop,
            9 => Misbehaviour::AbsurdRetryAfter {
                status: if rng.bool() { 429 } else { 503 },
                value: [
                    "18446744073709551615",
                    "99999999999999999999999",
                    "-1",
                    "Fri, 31 Dec 9999 23:59:59 GMT",
                    "Sunday, 06-Nov-94 08:49:37 GMT",
                ][rng.usize(..5)],
            },
            _ => Misbehaviour::Garbage,
        }
    }

    /// Answers one request on `stream`, whose head has been read.
    async fn answer(&self, stream: &mut TcpStream, rng: &mut fastrand::Rng) -> std::io::Result<()> {
        let head = |status: u16, extra: &str| {
            format!("HTTP/1.1 {status} Hostile\r\ncontent-type: application/json\r\n{extra}\r\n")
        };
        match self {
            Misbehaviour::LyingLength {
                status,
                declared,
                sent,
                pause,
                close,
            } => {
                let head = head(*status, &format!("content-length: {declared}\r\n"));
                stream.write_all(head.as_bytes()).await?;
                let body = vec![b'x'; *sent];
                let (first, rest) = body.split_at((*sent).min(1));
                stream.write_all(first).await?;
                tokio::time::sleep(*pause).await;
                stream.write_all(rest).await?;
                if !close {
                    tokio::time::sleep(IDLE * 3).await;
                }
            }
            Misbehaviour::Chunked {
                status,
                chunk,
                chunks,
            } => {
                let head = head(*status, "transfer-encoding: chunked\r\n");
                stream.write_all(head.as_bytes()).await?;
                let piece = format!("{chunk:x}\r\n{}\r\n", "y".repeat(*chunk));
                let mut written = 0;
                while chunks.is_none_or(|n| written < n) {
                    stream.write_all(piece.as_bytes()).await?;
                    written += 1;
                }
                stream.write_all(b"0\r\n\r\n").await?;
            }
            Misbehaviour::HugeHeaders { count, size } => {
                let mut head = String::from("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n");
                for i in 0..*count {
                    head.push_str(&format!("x-hostile-{i}: {}\r\n", "h".repeat(*size / count)));
                }
                head.push_str("\r\n{}");
                stream.write_all(head.as_bytes()).await?;
            }
            Misbehaviour::Drip {
                status,
                body,
                step,
                pause,
            } => {
                let answer = format!(
                    "{}{}",
                    head(*status, &format!("content-length: {body}\r\n")),
                    "z".repeat(*body)
                );
                for piece in answer.as_bytes().chunks(*step) {
                    stream.write_all(piece).await?;
                    tokio::time::sleep(*pause).await;
                }
            }
            Misbehaviour::Silence => tokio::time::sleep(IDLE * 4).await,
            Misbehaviour::CloseMidHead { after } => {
                let answer = head(200, "content-length: 2\r\n");
                stream
                    .write_all(&answer.as_bytes()[..*after.min(&answer.len())])
                    .await?;
            }
            Misbehaviour::Informational { code, close } => {
                stream
                    .write_all(format!("HTTP/1.1 {code} Continue\r\n\r\n").as_bytes())
                    .await?;
                if !close {
                    tokio::time::sleep(IDLE * 3).await;
                }
            }
            Misbehaviour::BadBytes { status, utf8 } => {
                let body: Vec<u8> = match utf8 {
                    true => b"{\"id\": \"unterminated".to_vec(),
                    false => (0..64).map(|_| rng.u8(128..)).collect(),
                };
                let head = head(*status, &format!("content-length: {}\r\n", body.len()));
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Misbehaviour::RedirectLoop => {
                let answer =
                    "HTTP/1.1 302 Found\r\nlocation: /documents/doc-1\r\ncontent-length: 0\r\n\r\n";
                stream.write_all(answer.as_bytes()).await?;
            }
            Misbehaviour::AbsurdRetryAfter { status, value } => {
                let answer = head(
                    *status,
                    &format!("retry-after: {value}\r\ncontent-length: 2\r\n"),
                );
                stream.write_all(answer.as_bytes()).await?;
                stream.write_all(b"{}").await?;
            }
            Misbehaviour::Garbage => {
                let noise: Vec<u8> = (0..rng.usize(1..200)).map(|_| rng.u8(..)).collect();
                stream.write_all(&noise).await?;
            }
        }
        stream.flush().await
    }
}

/// A server that answers every request with `misbehaviour`, until dropped.
struct Hostile {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Hostile {
    async fn start(misbehaviour: Misbehaviour, seed: u64) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut connection = 0;
            while let Ok((mut stream, _)) = listener.accept().await {
                connection += 1;
                let misbehaviour = misbehaviour.clone();
                let mut rng = fastrand::Rng::with_seed(seed ^ connection);
                tokio::spawn(async move {
                    if read_head(&mut stream, &mut rng).await.is_ok() {
                        let _ = misbehaviour.answer(&mut stream, &mut rng).await;
                    }
                });
            }
        });
        Hostile { url, task }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads a request's head and, sometimes, some of its body: a hostile server need not read
/// what it is sent.
async fn read_head(stream: &mut TcpStream, rng: &mut fastrand::Rng) -> std::io::Result<()> {
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.len() < 64 * 1024 {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        seen.extend_from_slice(&buffer[..n]);
    }
    if rng.bool() {
        let _ = tokio::time::timeout(Duration::from_millis(5), stream.read(&mut buffer)).await;
    }
    Ok(())
}

/// What a case calls.
#[derive(Debug, Clone, Copy)]
enum Call {
    Typed,
    Raw,
    Streamed,
    Poll,
    Upload,
}

const CALLS: [Call; 5] = [
    Call::Typed,
    Call::Raw,
    Call::Streamed,
    Call::Poll,
    Call::Upload,
];

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .idle_timeout(IDLE)
        .connect_timeout(Duration::from_secs(1))
        .max_body_size(MAX_BODY)
        .retry(
            RetryPolicy::default()
                .max_attempts(2)
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5))
                .max_retry_after(Duration::from_millis(20)),
        )
        .build()
        .unwrap()
}

/// Makes `call` against `client`; the error's text, if it failed.
async fn make(client: Client, call: Call) -> Result<(), String> {
    let named = |error: Error, name: &str| {
        let text = error.to_string();
        assert!(
            text.contains(name),
            "the error does not name {name}: {text}"
        );
        text
    };
    match call {
        Call::Typed => client
            .get_document("doc-1")
            .send()
            .await
            .map(drop)
            .map_err(|e| named(e, "get_document")),
        Call::Raw => client
            .get_document("doc-1")
            .send_raw()
            .await
            .map(drop)
            .map_err(|e| named(e, "get_document")),
        Call::Streamed => {
            let response = client
                .get_document_original_file("doc-1")
                .send()
                .await
                .map_err(|e| named(e, "get_document_original_file"))?;
            // Streamed bodies have no limit of their own (a caller reads what it wants): read
            // at most the limit, as a careful caller would.
            let mut stream = response.body;
            let mut read = 0;
            while let Some(piece) = stream.next().await {
                let piece = piece.map_err(|e| named(e, "get_document_original_file"))?;
                read += piece.len();
                if read > MAX_BODY {
                    break;
                }
            }
            Ok(())
        }
        Call::Poll => client
            .wait_until_document_processed("doc-1", MAX_WAIT)
            .send()
            .await
            .map(drop)
            .map_err(|e| named(e.into(), "document_processed")),
        Call::Upload => client
            .upload_document(
                "inbox-1",
                FilePart::from_bytes(vec![b'%'; 70_000]).file_name("a.pdf"),
            )
            .send()
            .await
            .map(drop)
            .map_err(|e| named(e, "upload_document")),
    }
}

/// One case: a server misbehaving as the seed says, and one call of each kind against it.
async fn case(seed: u64) -> Result<(), String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let misbehaviour = Misbehaviour::draw(&mut rng);
    if std::env::var_os("CONTRACTFIT_HOSTILE_TRACE").is_some() {
        eprintln!("seed {seed}: {misbehaviour:?}");
    }
    let call = CALLS[rng.usize(..CALLS.len())];
    let server = Hostile::start(misbehaviour.clone(), seed).await;
    let made = tokio::spawn(tokio::time::timeout(
        CALL_BOUND,
        make(client(&server.url), call),
    ));
    let what = format!("seed {seed} ({call:?} against {misbehaviour:?})");
    match made.await {
        Err(join) if join.is_panic() => Err(format!("{what}: the call panicked")),
        Err(join) => Err(format!("{what}: {join}")),
        Ok(Err(_)) => Err(format!("{what}: no answer nor error within {CALL_BOUND:?}")),
        Ok(Ok(_)) => Ok(()),
    }
}

fn cases() -> std::ops::Range<u64> {
    if let Ok(seed) = std::env::var("CONTRACTFIT_HOSTILE_SEED") {
        let seed: u64 = seed.parse().expect("CONTRACTFIT_HOSTILE_SEED is a number");
        return seed..seed + 1;
    }
    let count = std::env::var("CONTRACTFIT_HOSTILE_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    0..count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_can_crash_hang_or_exhaust_the_client() {
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = std::time::Instant::now();
    let cases = cases();
    let count = cases.end - cases.start;
    let failures: Vec<String> = futures::stream::iter(cases)
        .map(case)
        .buffer_unordered(SIDE_BY_SIDE)
        .filter_map(|result| async move { result.err() })
        .collect()
        .await;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    eprintln!(
        "{count} hostile cases in {:.1?}; peak memory {:.1} MiB above the start",
        started.elapsed(),
        peak as f64 / (1 << 20) as f64
    );
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        peak < MEMORY_BOUND,
        "held {peak} bytes at once, over {MEMORY_BOUND}"
    );
}

/// The reported abort: an error answer declaring 10^15 bytes, one byte, a pause, one more. The
/// client reserved the declared length when the second piece came, and the process died with
/// `memory allocation of 1000000000000000 bytes failed`.
#[tokio::test]
async fn a_declared_length_does_not_decide_an_allocation() {
    let server = Hostile::start(
        Misbehaviour::LyingLength {
            status: 500,
            declared: 1_000_000_000_000_000,
            sent: 2,
            pause: Duration::from_millis(50),
            close: true,
        },
        1,
    )
    .await;
    let client = Client::builder()
        .base_url(&server.url)
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let error = client.get_document("doc-1").send().await.unwrap_err();
    let Error::TooLarge(too_large) = &error else {
        panic!("not TooLarge: {error:?}");
    };
    assert_eq!(too_large.status, 500);
    assert_eq!(too_large.limit, contractfit::runtime::DEFAULT_MAX_BODY_SIZE);
}

/// Longer than the limit, and honest about it or not: the call fails with what came up to the
/// limit, and the process held little more than that.
#[tokio::test]
async fn a_body_over_the_limit_is_cut_at_the_limit() {
    let server = Hostile::start(
        Misbehaviour::Chunked {
            status: 200,
            chunk: 16 * 1024,
            chunks: None,
        },
        2,
    )
    .await;
    let error = client(&server.url)
        .get_document("doc-1")
        .send_raw()
        .await
        .unwrap_err();
    let Error::TooLarge(too_large) = &error else {
        panic!("not TooLarge: {error:?}");
    };
    assert_eq!(too_large.received.len(), MAX_BODY);
    assert!(error.to_string().contains("max_body_size"), "{error}");
}

/// A server that stops sending mid-answer: the call ends at the idle timeout, as such.
#[tokio::test]
async fn a_stalled_answer_ends_at_the_idle_timeout() {
    let server = Hostile::start(
        Misbehaviour::LyingLength {
            status: 200,
            declared: 100,
            sent: 10,
            pause: Duration::ZERO,
            close: false,
        },
        3,
    )
    .await;
    let started = std::time::Instant::now();
    let error = client(&server.url)
        .get_document("doc-1")
        .send()
        .await
        .unwrap_err();
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
    assert!(started.elapsed() < IDLE * 2 * 3, "{:?}", started.elapsed());
}

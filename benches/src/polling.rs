//! Polling cost: many documents uploaded at once to the fake server (another process), which
//! processes each after its own delay; then every document is waited for concurrently. For
//! each: polls sent, and how long after the document became processed (its `done_time`, set by
//! the server) the wait returned. Also the client's CPU time over all the waits. The generated
//! waiter is measured beside a fixed-interval loop over plain `reqwest`, the usual hand-written
//! alternative.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use contractfit::types::DocumentModelGet;
use contractfit::FilePart;
use futures::StreamExt;

use crate::measure::cpu_time;
use crate::serve::ServerProcess;

/// What the fake server is told: processed between `processing` and `processing + spread`.
struct Settings {
    documents: usize,
    processing: Duration,
    spread: Duration,
    rounds: usize,
}

/// The naive peer polls this often.
const FIXED_INTERVAL: Duration = Duration::from_secs(1);
/// Uploads in flight at once before the waits start.
const UPLOAD_CONCURRENCY: usize = 32;

/// One wait's outcome: polls sent, and seconds from processed to returned.
struct Waited {
    polls: u32,
    late: f64,
}

pub fn run(quick: bool) -> Result<(), String> {
    let settings = if quick {
        Settings {
            documents: 20,
            processing: Duration::from_millis(200),
            spread: Duration::from_millis(300),
            rounds: 1,
        }
    } else {
        Settings {
            documents: 1000,
            processing: Duration::from_secs(1),
            spread: Duration::from_secs(9),
            rounds: 3,
        }
    };
    let server = ServerProcess::start_on_cpu(
        &[
            "fake",
            &settings.processing.as_millis().to_string(),
            &settings.spread.as_millis().to_string(),
        ],
        1,
    )?;
    crate::measure::on_pinned_thread(|pinned| measure(&settings, &server, pinned))
}

async fn measure(settings: &Settings, server: &ServerProcess, pinned: bool) -> Result<(), String> {
    let client = contractfit::Client::builder()
        .base_url(&server.url)
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "| client | documents × rounds | polls per document (mean / max) | returned after processed (median / p95 / max) | client CPU per poll, median | × the loop's, median (min–max) |\n|---|---:|---:|---:|---:|---:|"
    );
    // The two take turns, round after round, each on documents uploaded for it.
    let (mut ours, mut fixed) = (Vec::new(), Vec::new());
    for _ in 0..settings.rounds {
        let ids = upload(&client, settings.documents).await?;
        ours.push(waiter(&client, ids).await?);
        let ids = upload(&client, settings.documents).await?;
        fixed.push(fixed_loop(&server.url, ids).await?);
    }
    let ratios: Vec<f64> = ours
        .iter()
        .zip(&fixed)
        .map(|(ours, fixed)| ours.cpu_per_poll() / fixed.cpu_per_poll())
        .collect();
    report(
        "contractfit `wait_until_document_processed`",
        &ours,
        &crate::spread(&ratios, 2),
    );
    report(
        &format!(
            "reqwest loop, fixed {} s interval",
            FIXED_INTERVAL.as_secs()
        ),
        &fixed,
        "1.00",
    );
    println!(
        "\nThe fake server processes document n after {} s + a fixed share of {} s (evenly spread); \
         the waiter's delays start at 1 s and double, jittered, up to its max_delay of 20 s. {}",
        settings.processing.as_secs_f64(),
        settings.spread.as_secs_f64(),
        if pinned {
            "The client runs on one thread on CPU 0, the server (another process) on CPU 1."
        } else {
            "The client runs on one thread; this machine has one CPU, shared with the server."
        }
    );
    Ok(())
}

/// One round of one client: every wait's outcome, and the client CPU of all of them.
struct Round {
    waits: Vec<Waited>,
    cpu: Duration,
}

impl Round {
    fn polls(&self) -> u32 {
        self.waits.iter().map(|w| w.polls).sum()
    }

    fn cpu_per_poll(&self) -> f64 {
        self.cpu.as_secs_f64() / f64::from(self.polls().max(1))
    }
}

/// Every document waited for with the generated waiter, all at once.
async fn waiter(client: &contractfit::Client, ids: Vec<String>) -> Result<Round, String> {
    let max_wait = Duration::from_secs(120);
    let cpu = cpu_time();
    let waits = ids.iter().map(|id| {
        let polls = Arc::new(AtomicU32::new(0));
        let counter = polls.clone();
        let wait = client
            .wait_until_document_processed(id.clone(), max_wait)
            .on_progress(move |_| {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .send();
        tokio::spawn(async move {
            let response = wait.await.map_err(|e| e.to_string())?;
            waited(&response.body, polls.load(Ordering::Relaxed))
        })
    });
    let waits = collect(waits).await?;
    Ok(Round {
        waits,
        cpu: cpu_time() - cpu,
    })
}

/// Every document waited for by a loop over plain reqwest polling every second.
async fn fixed_loop(url: &str, ids: Vec<String>) -> Result<Round, String> {
    let plain = reqwest::Client::new();
    let cpu = cpu_time();
    let waits = ids.iter().map(|id| {
        let (plain, url) = (plain.clone(), format!("{url}/documents/{id}"));
        tokio::spawn(async move {
            let mut polls = 0;
            loop {
                polls += 1;
                let response = plain.get(&url).send().await.map_err(|e| e.to_string())?;
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                let document: DocumentModelGet =
                    serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
                if document
                    .timings
                    .as_ref()
                    .is_some_and(|t| t.done_time.is_some())
                {
                    return waited(&document, polls);
                }
                tokio::time::sleep(FIXED_INTERVAL).await;
            }
        })
    });
    let waits = collect(waits).await?;
    Ok(Round {
        waits,
        cpu: cpu_time() - cpu,
    })
}

async fn upload(client: &contractfit::Client, documents: usize) -> Result<Vec<String>, String> {
    let uploads = (0..documents).map(|i| {
        client
            .upload_document(
                "inbox-1",
                FilePart::from_bytes(format!("%PDF document {i}")),
            )
            .sync(false)
            .send()
    });
    let mut ids = Vec::with_capacity(documents);
    let mut replies = futures::stream::iter(uploads).buffered(UPLOAD_CONCURRENCY);
    while let Some(reply) = replies.next().await {
        ids.push(reply.map_err(|e| format!("an upload failed: {e}"))?.body.id);
    }
    Ok(ids)
}

/// How late the wait that got `document` after `polls` polls returned.
fn waited(document: &DocumentModelGet, polls: u32) -> Result<Waited, String> {
    let done = document
        .timings
        .as_ref()
        .and_then(|t| t.done_time.as_ref())
        .ok_or("a wait returned a document that is not processed")?;
    let late = chrono::Utc::now().signed_duration_since(*done.as_chrono());
    Ok(Waited {
        polls,
        late: late.as_seconds_f64(),
    })
}

async fn collect(
    waits: impl Iterator<Item = tokio::task::JoinHandle<Result<Waited, String>>>,
) -> Result<Vec<Waited>, String> {
    let mut all = Vec::new();
    for result in futures::future::join_all(waits).await {
        all.push(result.map_err(|e| format!("a wait panicked: {e}"))??);
    }
    Ok(all)
}

fn report(client: &str, rounds: &[Round], ratio: &str) {
    let waits: Vec<&Waited> = rounds.iter().flat_map(|r| &r.waits).collect();
    let polls: Vec<f64> = waits.iter().map(|w| f64::from(w.polls)).collect();
    let mean = polls.iter().sum::<f64>() / polls.len() as f64;
    let max_polls = polls.iter().copied().fold(0.0, f64::max);
    let mut late: Vec<f64> = waits.iter().map(|w| w.late).collect();
    let median = crate::median(&mut late);
    let p95 = late[(late.len() * 95 / 100).min(late.len() - 1)];
    let max = late.last().copied().unwrap_or(f64::NAN);
    let mut per_poll: Vec<f64> = rounds.iter().map(|r| r.cpu_per_poll() * 1e6).collect();
    let per_poll = crate::median(&mut per_poll);
    println!(
        "| {client} | {} × {} | {mean:.2} / {max_polls:.0} | {median:.2} s / {p95:.2} s / {max:.2} s | {per_poll:.0} µs | {ratio} |",
        waits.len() / rounds.len().max(1),
        rounds.len(),
    );
}

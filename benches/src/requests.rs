//! Per-request overhead: the generated client against plain `reqwest` doing the same
//! requests (and decoding into the same types), at a fixed concurrency against a loopback
//! server in another process. Rounds alternate between the two so that drift in the machine
//! hits both alike; the table gives medians over rounds.

use std::time::Instant;

use contractfit::types::{DocumentModelGet, InboxModelGet, InboxModelPost};
use futures::future::BoxFuture;
use futures::StreamExt;

use crate::measure::cpu_time;
use crate::serve::ServerProcess;

const CONCURRENCY: usize = 32;

struct Settings {
    requests: usize,
    rounds: usize,
}

/// One round's result: requests per second and client CPU per request.
struct Round {
    per_second: f64,
    cpu_us: f64,
}

pub async fn run(quick: bool) -> Result<(), String> {
    let settings = if quick {
        Settings {
            requests: 200,
            rounds: 1,
        }
    } else {
        Settings {
            requests: 10_000,
            rounds: 11,
        }
    };
    let server = ServerProcess::start(&["api"])?;
    let runtime = contractfit::Client::builder()
        .base_url(&server.url)
        .build()
        .map_err(|e| e.to_string())?;
    let ours = runtime;
    let plain = reqwest::Client::new();
    // The same request as ours in one more respect: our client's default timeouts.
    let timed = reqwest::Client::builder()
        .connect_timeout(contractfit::runtime::DEFAULT_CONNECT_TIMEOUT)
        .timeout(contractfit::runtime::DEFAULT_ATTEMPT_TIMEOUT)
        .build()
        .map_err(|e| e.to_string())?;
    let url = server.url.clone();
    let document_size = crate::serve::document_json("doc-000001").to_string().len();

    println!(
        "| request | client | requests/s, median | throughput × plain reqwest, median (min–max) | client CPU per request, median | CPU × plain reqwest, median (min–max) |\n|---|---|---:|---:|---:|---:|"
    );
    let get_ours: Call<'_> = Box::new(|| {
        let ours = ours.clone();
        Box::pin(async move {
            let response = ours.get_document("doc-000001").send().await?;
            check(response.body.id == "doc-000001")
        })
    });
    let get_plain = |client: &reqwest::Client| -> Call<'_> {
        let (client, url) = (client.clone(), url.clone());
        Box::new(move || {
            let (client, url) = (client.clone(), url.clone());
            Box::pin(async move {
                let response = client
                    .get(format!("{url}/documents/doc-000001"))
                    .header("accept", "application/json")
                    .send()
                    .await?
                    .error_for_status()?;
                let document: DocumentModelGet = serde_json::from_slice(&response.bytes().await?)?;
                check(document.id == "doc-000001")
            })
        })
    };
    compare(
        &format!("GET /documents/{{id}} ({document_size} B JSON)"),
        &settings,
        [
            ("contractfit (generated)", get_ours),
            (PLAIN, get_plain(&plain)),
            (TIMED, get_plain(&timed)),
        ],
    )
    .await?;

    let body = || InboxModelPost::new("Invoices", "project-1");
    let post_ours: Call<'_> = Box::new(|| {
        let ours = ours.clone();
        Box::pin(async move {
            let response = ours.create_inbox(body()).send().await?;
            check(response.body.id == "inbox-2")
        })
    });
    let post_plain = |client: &reqwest::Client| -> Call<'_> {
        let (client, url) = (client.clone(), url.clone());
        Box::new(move || {
            let (client, url) = (client.clone(), url.clone());
            Box::pin(async move {
                let response = client
                    .post(format!("{url}/inboxes"))
                    .header("accept", "application/json")
                    .json(&body())
                    .send()
                    .await?
                    .error_for_status()?;
                let inbox: InboxModelGet = serde_json::from_slice(&response.bytes().await?)?;
                check(inbox.id == "inbox-2")
            })
        })
    };
    compare(
        "POST /inboxes (small JSON)",
        &settings,
        [
            ("contractfit (generated)", post_ours),
            (PLAIN, post_plain(&plain)),
            (TIMED, post_plain(&timed)),
        ],
    )
    .await?;
    println!(
        "\n{} requests per round at concurrency {CONCURRENCY}, {} rounds per client, in rotating \
         order; ratios are each round against plain reqwest's round of the same index. Both \
         reqwest clients decode into the same generated types.",
        settings.requests, settings.rounds
    );
    Ok(())
}

const PLAIN: &str = "reqwest 0.13 by hand";
const TIMED: &str = "reqwest 0.13 by hand, with our default timeouts";

/// One request, made afresh each call.
type Call<'a> = Box<dyn Fn() -> BoxFuture<'a, Result<(), Failure>> + 'a>;

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn check(ok: bool) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err("unexpected response body".into())
    }
}

async fn compare(
    request: &str,
    settings: &Settings,
    clients: [(&str, Call<'_>); 3],
) -> Result<(), String> {
    // Warm up all: connections open, code paged in.
    for (_, call) in &clients {
        round(call, settings.requests / 10 + 1).await?;
    }
    let mut rounds: Vec<Vec<Round>> = clients.iter().map(|_| Vec::new()).collect();
    for i in 0..settings.rounds {
        for k in 0..clients.len() {
            let which = (i + k) % clients.len();
            rounds[which].push(round(&clients[which].1, settings.requests).await?);
        }
    }
    // Each round against plain reqwest's round of the same index (they alternate), so that the
    // spread of the ratio shows how far one round can stray from another.
    let against_plain = |mine: &[Round], measure: fn(&Round) -> f64| -> Vec<f64> {
        mine.iter()
            .zip(&rounds[1])
            .map(|(mine, plain)| measure(mine) / measure(plain))
            .collect()
    };
    for ((name, _), mine) in clients.iter().zip(&rounds) {
        let rate = crate::median(&mut mine.iter().map(|r| r.per_second).collect::<Vec<_>>());
        let cpu = crate::median(&mut mine.iter().map(|r| r.cpu_us).collect::<Vec<_>>());
        let rate_ratio = crate::spread(&against_plain(mine, |r| r.per_second), 3);
        let cpu_ratio = crate::spread(&against_plain(mine, |r| r.cpu_us), 3);
        println!("| {request} | {name} | {rate:.0} | {rate_ratio} | {cpu:.1} µs | {cpu_ratio} |");
    }
    Ok(())
}

/// `requests` calls of `call`, `CONCURRENCY` at a time; any failure ends the benchmark.
async fn round(call: &Call<'_>, requests: usize) -> Result<Round, String> {
    let (started, cpu) = (Instant::now(), cpu_time());
    let mut results =
        futures::stream::iter((0..requests).map(|_| call())).buffer_unordered(CONCURRENCY);
    while let Some(result) = results.next().await {
        result.map_err(|e| format!("a request failed: {e}"))?;
    }
    let (elapsed, cpu) = (started.elapsed(), cpu_time().saturating_sub(cpu));
    Ok(Round {
        per_second: requests as f64 / elapsed.as_secs_f64().max(f64::EPSILON),
        cpu_us: cpu.as_secs_f64() * 1e6 / requests as f64,
    })
}

//! Per-request overhead: the generated client against plain `reqwest` doing the same
//! requests (and decoding into the same types), at a fixed concurrency against a loopback
//! server in another process. Rounds alternate between the two so that drift in the machine
//! hits both alike; the table gives medians over rounds.

use std::time::{Duration, Instant};

use contractfit::types::{DocumentModelGet, InboxModelGet, InboxModelPost, InboxModelPostRequired};
use futures::future::BoxFuture;
use futures::StreamExt;

use crate::measure::cpu_time;
use crate::serve::ServerProcess;

const CONCURRENCY: usize = 32;

struct Settings {
    /// Requests in one turn of a client.
    slice: usize,
    /// Turns of each client in a round.
    slices: usize,
    rounds: usize,
}

/// Requests made, and the time and client CPU they took.
#[derive(Default)]
struct Round {
    requests: usize,
    elapsed: Duration,
    cpu: Duration,
}

impl Round {
    fn add(&mut self, other: Round) {
        self.requests += other.requests;
        self.elapsed += other.elapsed;
        self.cpu += other.cpu;
    }

    fn per_second(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    fn cpu_us(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64
    }
}

pub fn run(quick: bool) -> Result<(), String> {
    let server = ServerProcess::start_on_cpu(&["api"], 1)?;
    crate::measure::on_pinned_thread(|pinned| measure(quick, &server, pinned))
}

async fn measure(quick: bool, server: &ServerProcess, pinned: bool) -> Result<(), String> {
    let settings = if quick {
        Settings {
            slice: 100,
            slices: 2,
            rounds: 1,
        }
    } else {
        Settings {
            slice: 500,
            slices: 20,
            rounds: 11,
        }
    };
    // Both authenticate the same way, as every real call does.
    let runtime = contractfit::Client::builder()
        .base_url(&server.url)
        .credentials(contractfit::Credentials::api_key(API_KEY))
        .build()
        .map_err(|e| e.to_string())?;
    let ours = runtime;
    let plain = reqwest::Client::new();
    // The same request as ours in one more respect: a timer for each request, as ours keeps
    // for its idle timeout.
    let timed = reqwest::Client::builder()
        .connect_timeout(contractfit::runtime::DEFAULT_CONNECT_TIMEOUT)
        .timeout(contractfit::runtime::DEFAULT_IDLE_TIMEOUT)
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
                    .header("x-api-key", API_KEY)
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

    let body = || {
        InboxModelPost::new(InboxModelPostRequired {
            name: "Invoices".into(),
            project: "project-1".into(),
        })
    };
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
                    .header("x-api-key", API_KEY)
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
        "\n{} rounds; in each, the three clients take turns of {} requests at concurrency \
         {CONCURRENCY}, {} turns each. Ratios are each round against plain reqwest's round. Both \
         reqwest clients decode into the same generated types. {}",
        settings.rounds,
        settings.slice,
        settings.slices,
        if pinned {
            "The client runs on one thread on CPU 0, the server (another process) on CPU 1."
        } else {
            "The client runs on one thread; this machine has one CPU, shared with the server."
        }
    );
    Ok(())
}

/// The key both clients send, in the header the document names (`X-API-Key`).
const API_KEY: &str = "benchmark-key-0123456789abcdef";

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
        slice(call, settings.slice).await?;
    }
    // The clients take turns every slice (a few tens of milliseconds), so that a slow spell
    // of the machine falls on all of them alike; a round adds up `slices` of each.
    let mut rounds: Vec<Vec<Round>> = clients.iter().map(|_| Vec::new()).collect();
    for i in 0..settings.rounds {
        let mut sums: Vec<Round> = clients.iter().map(|_| Round::default()).collect();
        for j in 0..settings.slices {
            for k in 0..clients.len() {
                let which = (i + j + k) % clients.len();
                sums[which].add(slice(&clients[which].1, settings.slice).await?);
            }
        }
        for (round, sum) in rounds.iter_mut().zip(sums) {
            round.push(sum);
        }
    }
    // Each round against plain reqwest's round of the same index, so that the spread of the
    // ratio shows how far one round can stray from another.
    let against_plain = |mine: &[Round], measure: fn(&Round) -> f64| -> Vec<f64> {
        mine.iter()
            .zip(&rounds[1])
            .map(|(mine, plain)| measure(mine) / measure(plain))
            .collect()
    };
    for ((name, _), mine) in clients.iter().zip(&rounds) {
        let rate = crate::median(&mut mine.iter().map(Round::per_second).collect::<Vec<_>>());
        let cpu = crate::median(&mut mine.iter().map(Round::cpu_us).collect::<Vec<_>>());
        let rate_ratio = crate::spread(&against_plain(mine, Round::per_second), 3);
        let cpu_ratio = crate::spread(&against_plain(mine, Round::cpu_us), 3);
        println!("| {request} | {name} | {rate:.0} | {rate_ratio} | {cpu:.1} µs | {cpu_ratio} |");
    }
    Ok(())
}

/// `requests` calls of `call`, `CONCURRENCY` at a time; any failure ends the benchmark.
async fn slice(call: &Call<'_>, requests: usize) -> Result<Round, String> {
    let (started, cpu) = (Instant::now(), cpu_time());
    let mut results =
        futures::stream::iter((0..requests).map(|_| call())).buffer_unordered(CONCURRENCY);
    while let Some(result) = results.next().await {
        result.map_err(|e| format!("a request failed: {e}"))?;
    }
    Ok(Round {
        requests,
        elapsed: started.elapsed(),
        cpu: cpu_time().saturating_sub(cpu),
    })
}

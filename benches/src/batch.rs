//! Batches: 10,000 small files uploaded and waited for against the fake Contract.fit (processed
//! at once), each run in a fresh client process (`batch-one`) whose peak RSS is then read. Three
//! ways, in turns, several rounds: the batch engine with a journal file (durable), the engine
//! with its journal in memory (what "without a journal" costs), and a plain loop of
//! `send_and_wait` calls with the same concurrency (no engine at all).

use std::path::Path;
use std::time::{Duration, Instant};

use contractfit::batch::{Journal, Source};
use futures::StreamExt;

use crate::measure::{child, peak_rss_kib, RemoveOnDrop};
use crate::serve::ServerProcess;

/// Uploads in flight in every way measured.
const CONCURRENCY: usize = 16;

const WAYS: [(&str, &str); 3] = [
    (
        "journal",
        "batch engine, journal file (SQLite, WAL, synced before each upload)",
    ),
    ("memory", "batch engine, journal in memory (no file)"),
    ("loop", "plain loop: `send_and_wait`, 16 at a time"),
];

pub fn run(quick: bool) -> Result<(), String> {
    let (files, rounds) = if quick { (200, 1) } else { (10_000, 3) };
    let dir = std::env::temp_dir().join(format!("contractfit-bench-batch-{}", std::process::id()));
    let folder = dir.join("files");
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let _cleanup = RemoveOnDrop(dir.clone());
    for i in 0..files {
        std::fs::write(
            folder.join(format!("invoice-{i:05}.pdf")),
            format!("%PDF-1.7 {i}"),
        )
        .map_err(|e| e.to_string())?;
    }
    // Per way: seconds and peak RSS (KiB) of each round.
    let mut results: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); WAYS.len()];
    for round in 0..rounds {
        for (way, (name, _)) in WAYS.iter().enumerate() {
            // A fresh server each time: the same inbox would otherwise list every earlier run.
            let server = ServerProcess::start(&["fake", "0", "0"])?;
            let journal = dir.join(format!("journal-{round}-{name}.sqlite"));
            let report = child(
                &[
                    "batch-one".as_ref(),
                    name.as_ref(),
                    server.url.as_ref(),
                    folder.as_os_str(),
                    journal.as_os_str(),
                ],
                &format!("the {name} batch"),
            )?;
            let [peak_kib, seconds] = report[..] else {
                return Err(format!("batch-one reported {report:?}"));
            };
            results[way].0.push(seconds);
            results[way].1.push(peak_kib);
        }
    }
    println!(
        "| way | files | peak RSS of the client, max | time, median (min–max) | files/s, median | \
         time against the engine without a journal file, median (min–max) |\n\
         |---|---:|---:|---:|---:|---:|"
    );
    let memory = results[1].0.clone();
    for ((_, label), (seconds, peaks)) in WAYS.iter().zip(&results) {
        let ratios: Vec<f64> = seconds.iter().zip(&memory).map(|(s, m)| s / m).collect();
        let peak = peaks.iter().copied().fold(0.0, f64::max);
        let time = crate::spread(seconds, 2);
        let rate = files as f64 / crate::median(&mut seconds.clone());
        println!(
            "| {label} | {files} | {:.1} MiB | {time} s | {rate:.0} | {} |",
            peak / 1024.0,
            crate::spread(&ratios, 2)
        );
    }
    Ok(())
}

/// `batch-one WAY URL FOLDER JOURNAL`: uploads and waits for every file of FOLDER one WAY,
/// checks each was done once, and prints this process's peak RSS (KiB) and the time (s).
pub async fn one(args: &[&str]) -> Result<(), String> {
    let [way, url, folder, journal] = args else {
        return Err(format!(
            "usage: batch-one journal|memory|loop URL FOLDER JOURNAL (got {args:?})"
        ));
    };
    let client = contractfit::Client::builder()
        .base_url(*url)
        .build()
        .map_err(|e| e.to_string())?;
    let mut paths: Vec<_> = std::fs::read_dir(folder)
        .map_err(|e| e.to_string())?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    paths.sort();
    let files = paths.len();
    let max_wait = Duration::from_secs(120);
    let started = Instant::now();
    let done = match *way {
        "journal" | "memory" => {
            let mut batch = client
                .upload_document_batch("inbox-1")
                .concurrency(CONCURRENCY)
                .wait(max_wait);
            if *way == "journal" {
                batch =
                    batch.journal(Journal::open(Path::new(journal)).map_err(|e| e.to_string())?);
            }
            let summary = batch
                .run(paths.into_iter().map(Source::path))
                .await
                .map_err(|e| e.to_string())?;
            summary.done
        }
        "loop" => {
            futures::stream::iter(paths)
                .map(|path| {
                    client
                        .upload_document("inbox-1", contractfit::FilePart::from_path(path))
                        .send_and_wait(max_wait)
                })
                .buffer_unordered(CONCURRENCY)
                .filter(|result| std::future::ready(result.is_ok()))
                .count()
                .await
        }
        other => return Err(format!("no way {other:?}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    if done != files {
        return Err(format!("{done} of {files} files done"));
    }
    println!("{} {seconds:.3}", peak_rss_kib()?);
    Ok(())
}

//! Benchmarks of the generated client at run time, each against a peer measured in the same
//! run: plain `reqwest` doing the same requests, the same uploads and downloads, and a fixed-interval polling
//! loop. `cargo xtask bench` runs them (release build) and writes their tables into
//! BENCHMARKS.md; `cargo xtask test` runs them with `--quick` so that they keep working.
//!
//! Servers run in a child process of their own (`contractfit-bench serve …`), so that the
//! client's CPU time and peak memory are the client's alone.
//!
//! ```text
//! contractfit-bench requests [--quick]   per-request overhead: generated client vs reqwest
//! contractfit-bench transfers [--quick]  uploads and downloads, 100 KiB to 1 GiB
//! contractfit-bench polling [--quick]    waiting for many documents at once
//! contractfit-bench batch [--quick]      10,000 files through the batch engine, with and without a journal
//! contractfit-bench serve api|fake …     the servers the above start
//! ```

mod batch;
mod measure;
mod polling;
mod requests;
mod serve;
mod transfers;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let quick = args.contains(&"--quick");
    let result = match args.as_slice() {
        ["serve", rest @ ..] => serve::run(rest),
        ["requests", ..] => requests::run(quick),
        ["transfer-many", rest @ ..] => transfers::many(rest),
        ["transfers", ..] => transfers::run(quick),
        ["polling", ..] => polling::run(quick),
        ["batch-one", rest @ ..] => runtime().block_on(batch::one(rest)),
        ["batch", ..] => batch::run(quick),
        _ => Err(format!(
            "usage: contractfit-bench requests|transfers|polling|batch [--quick] (got {args:?})"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The client's runtime: as many worker threads as cores, as an application would have.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// The median of `values` (sorted in place); NaN for none.
fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// `median (min–max)` of `values`, with `decimals` digits after the point.
fn spread(values: &[f64], decimals: usize) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let median = median(&mut values.to_vec());
    format!("{median:.decimals$} ({min:.decimals$}–{max:.decimals$})")
}

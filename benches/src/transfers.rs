//! Uploads and downloads: the same file moved by the generated client and by `reqwest` written
//! by hand, the same server, the same run, for sizes from an invoice scan (100 KiB) to 1 GiB.
//!
//! What a user pays is the transfer, not the client's construction: each child process
//! (`transfer-many`) builds its client first, apart from the timer, then makes several
//! transfers one after another and reports their median, and its peak RSS. Ours and reqwest
//! take turns, a fresh process each, for several rounds; a ratio is ours against reqwest's in
//! the same round. The client runs on one thread pinned to CPU 0, the server (another process)
//! on CPU 1, as in the per-request benchmark: unpinned, the two processes' threads trade CPUs
//! and a round's time strays far more than what separates the clients.
//!
//! Uploads are multipart (`sync` and `file` fields) with the file from a path (streamed from
//! disk, both clients reading it 256 KiB at a time), from bytes (in memory before the timer starts) and from a reader (no length, sent
//! chunked); downloads are `GET /documents/{id}/original_file` written to a file as it
//! arrives (`ByteStream::copy_to` against reqwest's `bytes_stream`).

use std::path::Path;
use std::time::Instant;

use contractfit::FilePart;
use futures::StreamExt;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::measure::{child, cpu_time, on_pinned_thread, peak_rss_kib, RemoveOnDrop};
use crate::serve::ServerProcess;

const KIB: u64 = 1024;
/// How much of a file reqwest's peer reads at once: what ours reads (`multipart.rs`), so that
/// the two differ in the client only. With `ReaderStream`'s default of 4 KiB, each read a
/// hand-over to a blocking thread, reqwest's upload from disk went at a fifth of the speed
/// (BENCHMARKS.md).
const READ: usize = 256 * 1024;
const MIB: u64 = 1024 * KIB;

/// One size: how many transfers each process makes, and how many rounds of turns.
struct Size {
    bytes: u64,
    transfers: usize,
    rounds: usize,
}

/// Ways of moving the file, as `(argument, label)`.
const WAYS: [(&str, &str); 4] = [
    ("path", "upload from a path"),
    ("bytes", "upload from bytes"),
    ("reader", "upload from a reader"),
    ("download", "download to a file"),
];

pub fn run(quick: bool) -> Result<(), String> {
    let sizes: &[Size] = if quick {
        &[
            Size {
                bytes: 100 * KIB,
                transfers: 5,
                rounds: 1,
            },
            Size {
                bytes: 8 * MIB,
                transfers: 2,
                rounds: 1,
            },
        ]
    } else {
        &[
            Size {
                bytes: 100 * KIB,
                transfers: 400,
                rounds: 7,
            },
            Size {
                bytes: MIB,
                transfers: 100,
                rounds: 7,
            },
            Size {
                bytes: 64 * MIB,
                transfers: 4,
                rounds: 5,
            },
            Size {
                bytes: 1024 * MIB,
                transfers: 1,
                rounds: 3,
            },
        ]
    };
    let server = ServerProcess::start_on_cpu(&["api"], 1)?;
    let dir = std::env::temp_dir().join(format!(
        "contractfit-bench-transfers-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let _cleanup = RemoveOnDrop(dir.clone());
    println!(
        "| size | way | client | peak RSS of the client, max | time per transfer, median | \
         client CPU per transfer, median | MiB/s, median | × reqwest, median (min–max) |\n\
         |---:|---|---|---:|---:|---:|---:|---:|"
    );
    for size in sizes {
        let file = dir.join(format!("file-{}.bin", size.bytes));
        write_file(&file, size.bytes)?;
        for (way, label) in WAYS {
            // A gigabyte held in memory is not an upload anyone streams; the path and the
            // reader are the ways to send one.
            if way == "bytes" && size.bytes > 64 * MIB {
                continue;
            }
            // Per client: (seconds per transfer, peak KiB, CPU seconds per transfer) of each
            // round.
            let mut results: [(Vec<f64>, Vec<f64>, Vec<f64>); 2] = Default::default();
            for _ in 0..size.rounds {
                for (i, client) in ["contractfit", "reqwest"].into_iter().enumerate() {
                    let report = child(
                        &[
                            "transfer-many".as_ref(),
                            client.as_ref(),
                            way.as_ref(),
                            server.url.as_ref(),
                            file.as_os_str(),
                            size.transfers.to_string().as_ref(),
                        ],
                        &format!("{client}'s {label} of {} bytes", size.bytes),
                    )?;
                    let [peak_kib, seconds, cpu] = report[..] else {
                        return Err(format!("transfer-many reported {report:?}"));
                    };
                    results[i].0.push(seconds);
                    results[i].1.push(peak_kib);
                    results[i].2.push(cpu);
                }
            }
            let reqwest_seconds = results[1].0.clone();
            for ((seconds, peaks, cpu), client) in results
                .iter()
                .zip(["contractfit (generated)", "reqwest 0.13 by hand"])
            {
                // Throughput against reqwest's: reqwest's time over ours, round by round.
                let ratios: Vec<f64> = reqwest_seconds
                    .iter()
                    .zip(seconds)
                    .map(|(theirs, ours)| theirs / ours)
                    .collect();
                let median = crate::median(&mut seconds.clone());
                println!(
                    "| {} | {label} | {client} | {:.1} MiB | {} | {} | {:.0} | {} |",
                    size_text(size.bytes),
                    peaks.iter().copied().fold(0.0, f64::max) / 1024.0,
                    duration_text(median),
                    duration_text(crate::median(&mut cpu.clone())),
                    size.bytes as f64 / MIB as f64 / median,
                    crate::spread(&ratios, 3),
                );
            }
        }
        std::fs::remove_file(&file).map_err(|e| e.to_string())?;
    }
    let counts: Vec<String> = sizes
        .iter()
        .map(|s| format!("{} {}×{}", size_text(s.bytes), s.rounds, s.transfers))
        .collect();
    println!(
        "\nRounds × transfers per process: {}. Uploading from bytes is not measured at 1 GiB.",
        counts.join(", ")
    );
    Ok(())
}

fn size_text(bytes: u64) -> String {
    if bytes < MIB {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}

fn duration_text(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.2} s")
    }
}

/// A file of `size` bytes whose content differs at every position (see
/// [`crate::serve::unique_bytes`]), so that bytes out of order, lost or repeated change its
/// digest.
fn write_file(path: &Path, size: u64) -> Result<(), String> {
    use std::io::Write;
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let mut block = vec![0u8; MIB as usize];
    let mut at = 0;
    while at < size {
        let n = (size - at).min(MIB) as usize;
        crate::serve::unique_bytes(at, &mut block[..n]);
        writer.write_all(&block[..n]).map_err(|e| e.to_string())?;
        at += n as u64;
    }
    writer.flush().map_err(|e| e.to_string())
}

/// The digest of a file's content (see [`crate::serve::Digest`]), read outside any timer.
fn file_digest(path: &Path) -> Result<u64, String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut digest = crate::serve::Digest::default();
    let mut buffer = vec![0u8; MIB as usize];
    loop {
        match file.read(&mut buffer).map_err(|e| e.to_string())? {
            0 => return Ok(digest.finish()),
            n => digest.update(&buffer[..n]),
        }
    }
}

/// `transfer-many CLIENT WAY URL FILE COUNT`: builds CLIENT, then moves FILE COUNT times one
/// WAY, checking that every byte arrived, and prints this process's peak RSS (KiB) and the
/// median seconds of one transfer. After the timed transfers, one more, to a server that
/// reads the content (upload) or from the file written (download), checks that the bytes
/// that arrived are the file's, in order.
pub fn many(args: &[&str]) -> Result<(), String> {
    let [client, way, url, file, count] = args else {
        return Err(format!(
            "usage: transfer-many contractfit|reqwest path|bytes|reader|download URL FILE COUNT \
             (got {args:?})"
        ));
    };
    let count: usize = count.parse().map_err(|e| format!("COUNT {count:?}: {e}"))?;
    let file = Path::new(file);
    let size = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
    // Held before any timer starts, as an application holding a file in memory would.
    let bytes = if *way == "bytes" {
        bytes::Bytes::from(std::fs::read(file).map_err(|e| e.to_string())?)
    } else {
        bytes::Bytes::new()
    };
    let download = file.with_extension(format!("{client}.download"));
    let mut seconds = Vec::with_capacity(count);
    let mut cpu = std::time::Duration::ZERO;
    let mut peak = 0;
    on_pinned_thread(|_| async {
        let ours = contractfit::Client::builder()
            .base_url(*url)
            .build()
            .map_err(|e| e.to_string())?;
        let theirs = reqwest::Client::new();
        let (ours, theirs, bytes, download) = (&ours, &theirs, &bytes, &download);
        // One transfer: an upload to `inbox`, or a download of the bytes its name says (timed:
        // `bytes-SIZE`, one block over and over; checked: `unique-SIZE`). The bytes that
        // arrived, and the digest of an upload's file if the server read it.
        let once = |inbox: &'static str| async move {
            let document = match inbox {
                crate::serve::READ_CONTENT => format!("unique-{size}"),
                _ => format!("bytes-{size}"),
            };
            let moved = match (*client, *way) {
                ("contractfit", "download") => {
                    let mut out = tokio::fs::File::create(&download)
                        .await
                        .map_err(|e| e.to_string())?;
                    let written = ours
                        .get_document_original_file(&document)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?
                        .body
                        .copy_to(&mut out)
                        .await
                        .map_err(|e| e.to_string())?;
                    (written, None)
                }
                ("reqwest", "download") => {
                    let mut out = tokio::fs::File::create(&download)
                        .await
                        .map_err(|e| e.to_string())?;
                    let response = theirs
                        .get(format!("{url}/documents/{document}/original_file"))
                        .send()
                        .await
                        .and_then(|r| r.error_for_status())
                        .map_err(|e| e.to_string())?;
                    let mut chunks = response.bytes_stream();
                    let mut written = 0;
                    while let Some(chunk) = chunks.next().await {
                        let chunk = chunk.map_err(|e| e.to_string())?;
                        out.write_all(&chunk).await.map_err(|e| e.to_string())?;
                        written += chunk.len() as u64;
                    }
                    out.flush().await.map_err(|e| e.to_string())?;
                    (written, None)
                }
                ("contractfit", way) => {
                    let part = match way {
                        "path" => FilePart::from_path(file),
                        "bytes" => FilePart::from_bytes(bytes.clone()),
                        _ => FilePart::from_reader(
                            tokio::fs::File::open(file)
                                .await
                                .map_err(|e| e.to_string())?,
                        ),
                    };
                    let reply = ours
                        .upload_document(inbox, part.file_name("upload.bin"))
                        .sync(false)
                        .send()
                        .await
                        .map_err(|e| e.to_string())?;
                    let reply = &reply.body.additional_properties;
                    (
                        reply["received_bytes"].as_u64().unwrap_or(0),
                        reply.get("file_digest").and_then(Value::as_u64),
                    )
                }
                ("reqwest", way) => {
                    let part = match way {
                        "path" => {
                            // Its length read from the file as it is opened, as ours does.
                            let opened = tokio::fs::File::open(file)
                                .await
                                .map_err(|e| e.to_string())?;
                            let length = opened.metadata().await.map_err(|e| e.to_string())?.len();
                            reqwest::multipart::Part::stream_with_length(
                                reqwest::Body::wrap_stream(
                                    tokio_util::io::ReaderStream::with_capacity(opened, READ),
                                ),
                                length,
                            )
                        }
                        "bytes" => reqwest::multipart::Part::stream_with_length(
                            reqwest::Body::from(bytes.clone()),
                            size,
                        ),
                        _ => reqwest::multipart::Part::stream(reqwest::Body::wrap_stream(
                            tokio_util::io::ReaderStream::with_capacity(
                                tokio::fs::File::open(file)
                                    .await
                                    .map_err(|e| e.to_string())?,
                                READ,
                            ),
                        )),
                    };
                    let part = part
                        .file_name("upload.bin")
                        .mime_str("application/octet-stream")
                        .map_err(|e| e.to_string())?;
                    let form = reqwest::multipart::Form::new()
                        .text("sync", "false")
                        .part("file", part);
                    let reply: serde_json::Value = theirs
                        .post(format!("{url}/documents/{inbox}"))
                        .multipart(form)
                        .send()
                        .await
                        .and_then(|r| r.error_for_status())
                        .map_err(|e| e.to_string())?
                        .json()
                        .await
                        .map_err(|e| e.to_string())?;
                    (
                        reply["received_bytes"].as_u64().unwrap_or(0),
                        reply.get("file_digest").and_then(Value::as_u64),
                    )
                }
                other => return Err(format!("no client and way {other:?}")),
            };
            Ok::<_, String>(moved)
        };
        let cpu_before = cpu_time();
        for _ in 0..count {
            let started = Instant::now();
            let (moved, _) = once("inbox-1").await?;
            seconds.push(started.elapsed().as_secs_f64());
            // The multipart framing adds a few hundred bytes to an upload.
            let framing = if *way == "download" { 0 } else { 4096 };
            if moved < size || moved > size + framing {
                return Err(format!("{moved} bytes arrived of a {size}-byte file"));
            }
        }
        cpu = cpu_time() - cpu_before;
        peak = peak_rss_kib()?;
        // Then, outside what is reported, the content, in order: an upload to a server that
        // reads the form, a download of content unique at every position.
        let (_, digest) = once(crate::serve::READ_CONTENT).await?;
        let (arrived, expected) = match *way {
            "download" => (
                Some(file_digest(download)?),
                crate::serve::unique_digest(size),
            ),
            _ => (digest, file_digest(file)?),
        };
        if arrived != Some(expected) {
            return Err(format!(
                "the content that arrived is not the file's: digest {arrived:?}, not {expected}"
            ));
        }
        Ok(())
    })?;
    let _ = std::fs::remove_file(&download);
    println!(
        "{peak} {:.6} {:.6}",
        crate::median(&mut seconds),
        cpu.as_secs_f64() / count as f64
    );
    Ok(())
}

//! Upload memory: a multipart upload of a file from disk, each in a fresh client process
//! (`upload-one`), whose peak RSS is then read; the server, in its own process, counts the
//! bytes it receives. The generated client is measured beside `reqwest` streaming the same
//! file by hand, for sizes a thousandfold apart: memory should not follow the file's size.

use std::path::{Path, PathBuf};
use std::time::Instant;

use contractfit::FilePart;

use crate::measure::{child, peak_rss_kib};
use crate::serve::ServerProcess;

const MIB: u64 = 1024 * 1024;

pub fn run(quick: bool) -> Result<(), String> {
    let sizes: &[u64] = if quick {
        &[8 * MIB]
    } else {
        &[MIB, 64 * MIB, 1024 * MIB]
    };
    let server = ServerProcess::start(&["api"])?;
    let dir = std::env::temp_dir().join(format!("contractfit-bench-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let _cleanup = RemoveOnDrop(dir.clone());
    println!("| file size | client | peak RSS of the client process | time | throughput |\n|---:|---|---:|---:|---:|");
    for &size in sizes {
        let file = dir.join(format!("upload-{size}.bin"));
        write_file(&file, size)?;
        for client in ["contractfit", "reqwest"] {
            let (peak_kib, seconds) = child(
                &[
                    "upload-one".as_ref(),
                    client.as_ref(),
                    server.url.as_ref(),
                    file.as_os_str(),
                ],
                &format!("the {client} upload of {size} bytes"),
            )?;
            let label = if client == "contractfit" {
                "contractfit (generated), `FilePart::from_path`"
            } else {
                "reqwest 0.13 by hand, file streamed"
            };
            println!(
                "| {} MiB | {label} | {:.1} MiB | {seconds:.2} s | {:.0} MiB/s |",
                size / MIB,
                peak_kib / 1024.0,
                size as f64 / MIB as f64 / seconds
            );
        }
        std::fs::remove_file(&file).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A file of `size` bytes of non-zero, varied content, written in 1 MiB blocks.
fn write_file(path: &Path, size: u64) -> Result<(), String> {
    use std::io::Write;
    let file = std::fs::File::create(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let block: Vec<u8> = (0..MIB).map(|i| (i * 31 % 251) as u8).collect();
    for _ in 0..size / MIB {
        writer.write_all(&block).map_err(|e| e.to_string())?;
    }
    writer.flush().map_err(|e| e.to_string())
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `upload-one CLIENT URL FILE`: uploads FILE, checks the server got every byte, and prints
/// this process's peak RSS (KiB) and the upload's duration (s).
pub async fn one(args: &[&str]) -> Result<(), String> {
    let [client, url, file] = args else {
        return Err(format!(
            "usage: upload-one contractfit|reqwest URL FILE (got {args:?})"
        ));
    };
    let size = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
    let started = Instant::now();
    let received = match *client {
        "contractfit" => {
            let runtime = contractfit::Client::builder()
                .base_url(*url)
                .build()
                .map_err(|e| e.to_string())?;
            let client = runtime;
            let reply = client
                .upload_document("inbox-1", FilePart::from_path(*file))
                .sync(false)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            reply.body.additional_properties["received_bytes"].as_u64()
        }
        "reqwest" => {
            let opened = tokio::fs::File::open(file)
                .await
                .map_err(|e| e.to_string())?;
            let stream = tokio_util::io::ReaderStream::new(opened);
            let part = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(stream),
                size,
            )
            .file_name("upload.bin")
            .mime_str("application/octet-stream")
            .map_err(|e| e.to_string())?;
            let form = reqwest::multipart::Form::new()
                .text("sync", "false")
                .part("file", part);
            let reply: serde_json::Value = reqwest::Client::new()
                .post(format!("{url}/documents/inbox-1"))
                .multipart(form)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())?;
            reply["received_bytes"].as_u64()
        }
        other => return Err(format!("no client {other:?}")),
    };
    let seconds = started.elapsed().as_secs_f64();
    // The multipart framing adds a few hundred bytes to the file.
    match received {
        Some(n) if n >= size && n < size + 4096 => {}
        other => {
            return Err(format!(
                "the server received {other:?} bytes of a {size}-byte file"
            ))
        }
    }
    println!("{} {seconds:.3}", peak_rss_kib()?);
    Ok(())
}

//! The workflows: many uploads, many waits, every page. Items run concurrently (bounded);
//! one failing does not stop the others; each ends as one JSON line on stdout, and a summary
//! on stderr names the failures.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::ArgMatches;
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use super::call::{request, request_with, show};
use super::output::{Exit, Failure, Lines, Output};
use super::values::Values;
use super::{Command, Place, Upload, Wait};
use crate::Client;

/// What every item of a batch shares.
struct Batch<'a> {
    client: &'a Client,
    values: Values,
    max_wait: Duration,
    concurrency: usize,
    lines: Lines,
    progress: Progress,
}

impl<'a> Batch<'a> {
    fn new(client: &'a Client, matches: &ArgMatches, total: usize) -> Result<Self, Failure> {
        let output = Output::from_matches(matches);
        Ok(Batch {
            client,
            values: Values::from_matches(matches),
            max_wait: Duration::from_secs(*matches.get_one::<u64>("max-wait").unwrap_or(&600)),
            concurrency: usize::from(*matches.get_one::<u16>("concurrency").unwrap_or(&4)),
            lines: Lines::open(&output)?,
            progress: Progress::new(total),
        })
    }

    /// Writes each item's line as it finishes; returns the exit code with a summary.
    async fn finish(
        &self,
        noun: &str,
        outcomes: impl futures::Stream<Item = Outcome>,
    ) -> Result<Exit, Failure> {
        let mut outcomes = std::pin::pin!(outcomes);
        let (mut done, mut failed) = (0, Vec::new());
        while let Some(outcome) = outcomes.next().await {
            self.progress.suspend(|| self.lines.write(&outcome.line))?;
            match outcome.failure {
                None => done += 1,
                Some(failure) => failed.push((outcome.label, failure)),
            }
        }
        self.progress.clear();
        let total = done + failed.len();
        if failed.is_empty() {
            eprintln!("{done} of {total} {noun} done");
            return Ok(Exit::Success);
        }
        eprintln!("{done} of {total} {noun} done; {} failed:", failed.len());
        for (label, failure) in &failed {
            eprintln!("  {label}: {}", failure.message);
        }
        Ok(Exit::SomeFailed)
    }
}

/// How one item ended: its JSON line, and why it failed if it did.
struct Outcome {
    label: String,
    line: Value,
    failure: Option<Failure>,
}

/// `upload FILES… [--wait]`.
pub async fn upload(
    client: &Client,
    upload: &'static Upload,
    matches: &ArgMatches,
) -> Result<Exit, Failure> {
    let files = expand(&given(matches, "files"))?;
    let wait = matches.get_flag("wait");
    let batch = Batch::new(client, matches, files.len())?;
    if matches.get_flag("dry-run") {
        let mut values = batch.values.clone();
        for file in &files {
            values.set(upload.file_arg, file.display().to_string());
            show(client, upload.command, &values).await?;
        }
        return Ok(Exit::Success);
    }
    let batch = &batch;
    let outcomes = futures::stream::iter(files)
        .map(|file| async move {
            let label = file.display().to_string();
            let size = std::fs::metadata(&file).ok().map(|m| m.len());
            let item = batch.progress.item(&label, size);
            let outcome = upload_one(batch, upload, &file, wait, &item)
                .await
                .map_err(|(id, failure)| (id, failure.redacted(batch.client)));
            item.finish(outcome.as_ref().err().map(|(_, failure)| failure));
            match outcome {
                Ok((id, result)) => Outcome {
                    line: json!({ "file": label, "id": id, "result": result }),
                    label,
                    failure: None,
                },
                Err((id, mut failure)) => {
                    let line = json!({ "file": label, "id": id, "error": failure.to_json() });
                    if let Some(id) = id {
                        failure.message = format!("uploaded as {id}, then: {}", failure.message);
                    }
                    Outcome {
                        label,
                        line,
                        failure: Some(failure),
                    }
                }
            }
        })
        .buffer_unordered(batch.concurrency);
    batch.finish("files", outcomes).await
}

/// The values of a positional argument that takes many.
fn given(matches: &ArgMatches, id: &str) -> Vec<String> {
    matches
        .get_many::<String>(id)
        .map(|values| values.cloned().collect())
        .unwrap_or_default()
}

/// A directory stands for the files directly in it (not hidden, sorted by name).
fn expand(given: &[String]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for path in given.iter().map(PathBuf::from) {
        if !path.is_dir() {
            files.push(path);
            continue;
        }
        let entries = std::fs::read_dir(&path).map_err(|e| {
            Failure::new(Exit::Local, format!("cannot read {}: {e}", path.display()))
        })?;
        let mut inside: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        inside.sort();
        files.extend(inside);
    }
    Ok(files)
}

type ItemResult = Result<(Option<String>, Value), (Option<String>, Failure)>;

async fn upload_one(
    batch: &Batch<'_>,
    upload: &'static Upload,
    file: &Path,
    wait: bool,
    item: &Item,
) -> ItemResult {
    let command = upload.command;
    let mut values = batch.values.clone();
    values.set(upload.file_arg, file.display().to_string());
    if wait {
        for (wire, value) in upload.set_when_waiting {
            let forced = command
                .args
                .iter()
                .find(|a| a.wire == *wire && a.place == Place::FormText);
            if let Some(arg) = forced {
                values.set(arg.name, value.to_string());
            }
        }
    }
    let no_id = |failure| (None, failure);
    let started = Instant::now();
    item.stage("uploading");
    let request =
        request_with(command, &values, |file| file.on_progress(item.sent())).map_err(no_id)?;
    let reply = batch
        .client
        .execute(command.operation, request)
        .await
        .map_err(|e| no_id(e.into()))?
        .raw()
        .await
        .map_err(|e| no_id(e.into()))?;
    let body: Value = serde_json::from_slice(&reply.body.bytes).map_err(|_| {
        no_id(Failure {
            status: Some(reply.status.as_u16()),
            body: Some(reply.body.bytes.clone()),
            ..Failure::new(Exit::BadAnswer, "the upload's reply is not JSON")
        })
    })?;
    let id = body.pointer(upload.id_pointer).and_then(|id| match id {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    if !wait {
        item.note(&format!("uploaded in {:.1?}", started.elapsed()));
        return Ok((id, body));
    }
    let Some(id) = id else {
        let error = crate::UploadWaitError::NoId {
            pointer: upload.id_pointer,
            body: reply.body.bytes,
        };
        return Err(no_id(error.into()));
    };
    item.note(&format!(
        "uploaded as {id} in {:.1?}; waiting",
        started.elapsed()
    ));
    item.waiting();
    match wait_one(batch, upload.wait, &id, &Values::default(), item).await {
        Ok(result) => Ok((Some(id), result)),
        Err(failure) => Err((Some(id), failure)),
    }
}

/// `wait IDS…`.
pub async fn wait(
    client: &Client,
    wait: &'static Wait,
    matches: &ArgMatches,
) -> Result<Exit, Failure> {
    let ids = given(matches, "ids");
    let batch = Batch::new(client, matches, ids.len())?;
    if matches.get_flag("dry-run") {
        let mut values = batch.values.clone();
        values.set(wait.id_arg, ids.first().cloned().unwrap_or_default());
        return show(client, wait.poll, &values).await;
    }
    let batch = &batch;
    let outcomes = futures::stream::iter(ids)
        .map(|id| async move {
            let item = batch.progress.item(&id, None);
            let outcome = wait_one(batch, wait, &id, &batch.values, &item)
                .await
                .map_err(|failure| failure.redacted(batch.client));
            item.finish(outcome.as_ref().err());
            match outcome {
                Ok(result) => Outcome {
                    line: json!({ "id": id, "result": result }),
                    label: id,
                    failure: None,
                },
                Err(failure) => Outcome {
                    line: json!({ "id": id, "error": failure.to_json() }),
                    label: id,
                    failure: Some(failure),
                },
            }
        })
        .buffer_unordered(batch.concurrency);
    batch.finish("ids", outcomes).await
}

/// Polls until the waiter decides; the final answer's JSON (or its text).
async fn wait_one(
    batch: &Batch<'_>,
    wait: &'static Wait,
    id: &str,
    values: &Values,
    item: &Item,
) -> Result<Value, Failure> {
    let mut values = values.clone();
    values.set(wait.id_arg, id);
    let request = request(wait.poll, &values)?;
    let client = batch.client;
    let poll = || {
        let request = request.clone();
        async move {
            let answer = client
                .execute(wait.poll.operation, request)
                .await?
                .raw()
                .await?;
            Ok((answer.status, answer.headers, answer.body.bytes))
        }
    };
    let progress = |state: &crate::PollState| {
        item.stage(&format!(
            "waiting: poll {}, {:.0?}",
            state.poll, state.elapsed
        ));
    };
    let polled = wait.waiter.wait(batch.max_wait, poll, progress).await?;
    item.note(&format!(
        "done after {} polls, {:.1?}",
        polled.polls, polled.elapsed
    ));
    Ok(serde_json::from_slice(&polled.body)
        .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&polled.body).into_owned())))
}

/// Every item of a paginated command, page after page, one JSON line each.
pub async fn list(
    client: &Client,
    command: &'static Command,
    mut values: Values,
    output: &Output,
    dry_run: bool,
) -> Result<Exit, Failure> {
    let Some(pages) = command.pages else {
        return Err(Failure::usage(format!("{} has no pages", command.name)));
    };
    let size: Option<usize> = pages
        .size_arg
        .and_then(|arg| values.first(arg))
        .and_then(|size| size.parse().ok());
    let lines = Lines::open(output)?;
    let (mut page, mut seen) = (pages.first_page, 0usize);
    loop {
        values.set(pages.page_arg, page.to_string());
        if dry_run {
            return show(client, command, &values).await;
        }
        let request = request(command, &values)?;
        let answer = client
            .execute(command.operation, request)
            .await?
            .raw()
            .await?;
        let body: Value = serde_json::from_slice(&answer.body.bytes).map_err(|_| Failure {
            status: Some(answer.status.as_u16()),
            body: Some(answer.body.bytes.clone()),
            ..Failure::new(Exit::BadAnswer, format!("page {page} is not JSON"))
        })?;
        let items = body
            .pointer(pages.items)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for item in items {
            lines.write(item)?;
        }
        seen += items.len();
        let total = pages
            .total
            .and_then(|pointer| body.pointer(pointer))
            .and_then(Value::as_u64);
        let last = items.is_empty()
            || total.is_some_and(|total| seen as u64 >= total)
            || size.is_some_and(|size| items.len() < size);
        if last {
            return Ok(Exit::Success);
        }
        page += 1;
    }
}

/// Progress on stderr: a bar per item and one overall on a terminal, plain lines otherwise.
struct Progress {
    bars: Option<(MultiProgress, ProgressBar)>,
}

struct Item {
    label: String,
    bar: Option<(ProgressBar, ProgressBar, MultiProgress)>,
}

impl Progress {
    fn new(total: usize) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress { bars: None };
        }
        let multi = MultiProgress::new();
        let overall = multi.add(ProgressBar::new(total as u64));
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos}/{len} done  {elapsed_precise}  eta {eta}",
        ) {
            overall.set_style(style.progress_chars("=> "));
        }
        // Drawn from the start, not only once the first item ends.
        overall.tick();
        Progress {
            bars: Some((multi, overall)),
        }
    }

    /// An item's bar: bytes sent when it has a size (an upload), a spinner otherwise.
    fn item(&self, label: &str, size: Option<u64>) -> Item {
        let bar = self.bars.as_ref().map(|(multi, overall)| {
            let bar = match size {
                Some(size) => {
                    let bar = ProgressBar::new(size);
                    if let Ok(style) = ProgressStyle::with_template(
                        "  {prefix:.bold} [{bar:24}] {bytes}/{total_bytes} {wide_msg}",
                    ) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar
                }
                None => {
                    let bar = ProgressBar::new_spinner();
                    bar.set_style(spinner_style());
                    bar
                }
            };
            let bar = multi.insert_before(overall, bar);
            bar.set_prefix(label.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            (bar, overall.clone(), multi.clone())
        });
        Item {
            label: label.to_owned(),
            bar,
        }
    }

    /// Runs `f` with the bars out of the way (for lines on stdout that share the terminal).
    fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.bars {
            Some((multi, _)) => multi.suspend(f),
            None => f(),
        }
    }

    fn clear(&self) {
        if let Some((_, overall)) = &self.bars {
            overall.finish_and_clear();
        }
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

impl Item {
    /// Where an upload reports the bytes sent.
    fn sent(&self) -> impl Fn(u64) + Send + Sync + 'static {
        let bar = self.bar.as_ref().map(|(bar, _, _)| bar.clone());
        move |bytes| {
            if let Some(bar) = &bar {
                bar.set_position(bytes);
            }
        }
    }

    /// The upload is done; the bar becomes a spinner for the wait.
    fn waiting(&self) {
        if let Some((bar, _, _)) = &self.bar {
            bar.set_style(spinner_style());
            bar.set_message("waiting");
        }
    }

    /// What the item is doing now: the bar's message, or nothing in plain mode (only
    /// milestones are printed there).
    fn stage(&self, message: &str) {
        if let Some((bar, _, _)) = &self.bar {
            bar.set_message(message.to_owned());
        }
    }

    /// A milestone: printed above the bars, or as a plain line.
    fn note(&self, message: &str) {
        self.line(&format!("{}: {message}", self.label));
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some((_, _, multi)) => {
                let _ = multi.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    fn finish(&self, failure: Option<&Failure>) {
        if let Some(failure) = failure {
            self.line(&format!("{}: failed: {}", self.label, failure.message));
        }
        if let Some((bar, overall, _)) = &self.bar {
            bar.finish_and_clear();
            overall.inc(1);
        }
    }
}

//! The workflows: many uploads (through `contractfit-batch`'s engine, resumable with a
//! journal), many waits, every page. Items run concurrently (bounded); one failing does not
//! stop the others; each ends as one JSON line on stdout, and a summary on stderr names the
//! failures.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use clap::ArgMatches;
use contractfit_batch::{
    Accepted, Batch, Entry, Event, FailureKind, FindError, Journal, Source, State, Summary, Uploads,
};
use contractfit_runtime::futures::future::BoxFuture;
use contractfit_runtime::{is_last_page, CallOptions, Client, Error, RepeatedPages, WaitError};
use futures::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use crate::output::{say, Exit, Failure, Lines, Output};
use crate::request::{path, request, request_with, show};
use crate::values::Values;
use crate::{Command, Place, Upload, Wait};

/// What every item of a batch shares.
struct Shared<'a> {
    client: &'a Client,
    values: Values,
    max_wait: Duration,
    concurrency: usize,
    lines: Lines,
    progress: Progress,
}

impl<'a> Shared<'a> {
    fn new(client: &'a Client, matches: &ArgMatches, total: usize) -> Result<Self, Failure> {
        let output = Output::from_matches(matches);
        Ok(Shared {
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
            say(format_args!("{done} of {total} {noun} done"));
            return Ok(Exit::Success);
        }
        say(format_args!(
            "{done} of {total} {noun} done; {} failed:",
            failed.len()
        ));
        for (label, failure) in &failed {
            say(format_args!("  {label}: {}", failure.message));
        }
        let exits = failed.iter().map(|(_, failure)| failure.exit);
        Ok(some_failed(exits))
    }
}

/// The exit code of a batch whose items failed with `exits`: 7 when each failed at waiting
/// (processing failed, or the maximum wait passed), 8 otherwise.
fn some_failed(mut exits: impl Iterator<Item = Exit>) -> Exit {
    match exits.all(|exit| exit == Exit::WaitFailed) {
        true => Exit::WaitFailed,
        false => Exit::SomeFailed,
    }
}

/// How one item ended: its JSON line, and why it failed if it did.
struct Outcome {
    label: String,
    line: Value,
    failure: Option<Failure>,
}

/// `upload FILES… [--wait] [--journal FILE [--resume]] [--upload-duplicates]`: the files
/// through `contractfit-batch`'s engine, with the upload, wait and listing commands of the
/// table as its calls.
pub async fn upload(
    client: &Client,
    upload: &'static Upload,
    matches: &ArgMatches,
) -> Result<Exit, Failure> {
    let files = expand(&given(matches, "files"))?;
    let wait = matches.get_flag("wait");
    let mut values = Values::from_matches(matches);
    if matches.get_flag("dry-run") {
        for file in &files {
            values.set(upload.file_arg, file.display().to_string());
            show(client, upload.command, &values).await?;
        }
        return Ok(Exit::Success);
    }
    if wait {
        for (wire, value) in upload.set_when_waiting {
            let forced = upload
                .command
                .args
                .iter()
                .find(|a| a.wire == *wire && a.place == Place::FormText);
            if let Some(arg) = forced {
                values.set(arg.name, value.to_string());
            }
        }
    }
    let journal = open_journal(matches)?;
    let max_wait = Duration::from_secs(*matches.get_one::<u64>("max-wait").unwrap_or(&600));
    let concurrency = usize::from(*matches.get_one::<u16>("concurrency").unwrap_or(&4));
    let lines = Arc::new(Lines::open(&Output::from_matches(matches))?);
    let progress = Arc::new(Progress::new(files.len()));
    let items: Items = Arc::default();
    let uploads = TableUploads {
        client: client.clone(),
        upload,
        values,
        items: items.clone(),
    };
    let closed = Arc::new(tokio::sync::Notify::new());
    let written = Arc::new(Mutex::new(Written {
        failures: Vec::new(),
        not_at_waiting: false,
        error: None,
        closed: closed.clone(),
    }));
    let events = {
        let (client, lines, progress, written) = (
            client.clone(),
            lines.clone(),
            progress.clone(),
            written.clone(),
        );
        move |event: &Event<'_>| {
            on_event(event, &client, &lines, &progress, &items, &written);
        }
    };
    let interrupted = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No Ctrl-C to listen for: the batch runs to its end.
            return std::future::pending().await;
        }
        say("stopping: uploads in flight finish and are journaled (Ctrl-C again to quit now)");
        tokio::spawn(async {
            let _ = tokio::signal::ctrl_c().await;
            std::process::exit(130);
        });
    };
    let mut batch = Batch::new(uploads)
        .journal(journal)
        .concurrency(concurrency)
        .upload_duplicates(matches.get_flag("upload-duplicates"))
        .on_event(events)
        .stop_on(async move {
            tokio::select! {
                () = interrupted => {}
                () = closed.notified() => {}
            }
        });
    if wait {
        batch = batch.wait(max_wait);
    }
    let summary = batch
        .run(files.into_iter().map(Source::path))
        .await
        .map_err(|e| Failure::new(Exit::Local, e.to_string()))?;
    progress.clear();
    let mut written = written.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(failure) = written.error.take() {
        return Err(failure);
    }
    report(&summary, &written.failures);
    Ok(if summary.is_complete() {
        Exit::Success
    } else if written.not_at_waiting || summary.stopped || summary.not_started > 0 {
        Exit::SomeFailed
    } else {
        Exit::WaitFailed
    })
}

/// The journal `--journal` names (which must be new unless `--resume`), or one in memory.
fn open_journal(matches: &ArgMatches) -> Result<Journal, Failure> {
    let resume = matches.get_flag("resume");
    let Some(path) = matches.get_one::<String>("journal") else {
        if resume {
            return Err(Failure::usage("--resume needs --journal FILE"));
        }
        return Ok(Journal::in_memory());
    };
    let journal = Journal::open(path).map_err(|e| Failure::new(Exit::Local, e.to_string()))?;
    let counts = journal
        .counts()
        .map_err(|e| Failure::new(Exit::Local, e.to_string()))?;
    if counts.total() > 0 && !resume {
        return Err(Failure::usage(format!(
            "the journal {path} already holds a batch of {} files: pass --resume to go on with \
             it, or name a new file",
            counts.total()
        )));
    }
    Ok(journal)
}

/// Each file's progress bar while it uploads, by its path.
type Items = Arc<Mutex<HashMap<String, Item>>>;

/// What the lines written so far add up to.
#[derive(Default)]
struct Written {
    /// Files that failed (or are uncertain), with why, for the summary.
    failures: Vec<(String, String)>,
    /// Whether some file failed otherwise than at waiting (its processing failed, or the
    /// maximum wait passed): the exit code is then 8, not 7.
    not_at_waiting: bool,
    /// Writing a line failed: the run's outcome.
    error: Option<Failure>,
    /// Told when writing a line failed, to stop the batch: a closed pipe
    /// (`contractfit upload dir | head -1`) ends it as Ctrl-C does.
    closed: Arc<tokio::sync::Notify>,
}

/// Shows an event: bars and milestones on stderr, one JSON line per finished file on stdout.
fn on_event(
    event: &Event<'_>,
    client: &Client,
    lines: &Lines,
    progress: &Progress,
    items: &Items,
    written: &Mutex<Written>,
) {
    let mut items = items.lock().unwrap_or_else(|e| e.into_inner());
    match event {
        Event::Uploading { source, size } => {
            let label = source.key().to_owned();
            let item = items
                .entry(label.clone())
                .or_insert_with(|| progress.item(&label, Some(*size)));
            item.stage("uploading");
        }
        Event::Uploaded {
            source,
            document_id,
        }
        | Event::Found {
            source,
            document_id,
        } => {
            if let Some(item) = items.get(*source) {
                let how = match event {
                    Event::Found { .. } => "found on the server as",
                    _ => "uploaded as",
                };
                item.note(&format!("{how} {document_id}"));
                item.waiting();
            }
        }
        Event::Throttled { concurrency, pause } => {
            progress.line(&format!(
                "the server asked to slow down: {concurrency} uploads at a time{}",
                pause.map_or(String::new(), |p| format!(", pausing {p:.0?}"))
            ));
        }
        Event::Finished { entry, earlier } => {
            let item = items
                .remove(&entry.source)
                .unwrap_or_else(|| progress.item(&entry.source, None));
            let failure = entry
                .failure
                .as_ref()
                .map(|f| client.redact(&f.message).into_owned());
            let unfinished = !matches!(
                entry.state,
                State::Done | State::Uploaded | State::Duplicate
            );
            item.finish(failure.as_deref().filter(|_| unfinished));
            let line = outcome_line(entry, *earlier, client);
            let mut written = written.lock().unwrap_or_else(|e| e.into_inner());
            if unfinished || entry.failure.is_some() {
                let why = failure.unwrap_or_else(|| entry.state.as_str().to_owned());
                written.failures.push((entry.source.clone(), why));
                let at_waiting = entry.failure.as_ref().is_some_and(|f| {
                    matches!(f.kind, FailureKind::Processing | FailureKind::Unfinished)
                });
                written.not_at_waiting |= !at_waiting;
            }
            if let Err(failure) = progress.suspend(|| lines.write(&line)) {
                written.error.get_or_insert(failure);
                written.closed.notify_one();
            }
        }
        _ => {}
    }
}

/// A file's JSON line: `{"file", "state", "id", "result"}`, with `"error"` for a failure,
/// `"duplicate_of"` for a duplicate, `"earlier": true` for a file an earlier run finished.
fn outcome_line(entry: &Entry, earlier: bool, client: &Client) -> Value {
    let mut line = json!({
        "file": entry.source,
        "state": entry.state.as_str(),
        "id": entry.document_id,
    });
    if let Some(result) = &entry.result {
        line["result"] = serde_json::from_slice(result)
            .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(result).into_owned()));
    }
    if let Some(failure) = &entry.failure {
        let shown = Failure {
            status: failure.status,
            body: failure.body.clone(),
            ..Failure::new(Exit::SomeFailed, failure.message.clone())
        }
        .redacted(client);
        let mut error = shown.to_json();
        error["kind"] = failure.kind.as_str().into();
        line["error"] = error;
    }
    if let Some(original) = &entry.duplicate_of {
        line["duplicate_of"] = original.as_str().into();
    }
    if earlier {
        line["earlier"] = true.into();
    }
    line
}

/// The run's summary on stderr: `3 of 4 files done; 1 failed:`, then each failure.
fn report(summary: &Summary, failures: &[(String, String)]) {
    let mut line = format!("{} of {} files done", summary.done, summary.files);
    for (count, what) in [
        (summary.uploaded - summary.unfinished, "uploaded"),
        (summary.unfinished, "uploaded, still processing"),
        (summary.duplicates, "duplicates skipped"),
        (summary.failed, "failed"),
        (summary.uncertain, "uncertain"),
        (summary.not_started, "not started"),
    ] {
        if count > 0 {
            line.push_str(&format!("; {count} {what}"));
        }
    }
    if summary.earlier > 0 {
        line.push_str(&format!("; {} finished by an earlier run", summary.earlier));
    }
    if summary.found > 0 {
        line.push_str(&format!(
            "; {} uploads found on the server after their answer was lost",
            summary.found
        ));
    }
    if summary.throttled > 0 {
        line.push_str(&format!(
            "; the server asked to slow down {} times (down to {} at a time)",
            summary.throttled, summary.lowest_concurrency
        ));
    }
    if summary.stopped {
        line.push_str("; stopped: run again with --resume to finish");
    }
    if !failures.is_empty() {
        line.push(':');
    }
    say(line);
    for (file, why) in failures {
        say(format_args!("  {file}: {why}"));
    }
}

/// `batch status --journal FILE [--files]`: the journal's counts as one JSON object, and with
/// `--files` one line per file.
pub fn status(matches: &ArgMatches) -> Result<Exit, Failure> {
    let path = matches
        .get_one::<String>("journal")
        .ok_or_else(|| Failure::usage("--journal FILE is required"))?;
    if !Path::new(path).is_file() {
        return Err(Failure::new(Exit::Local, format!("no journal at {path}")));
    }
    let local = |e: contractfit_batch::JournalError| Failure::new(Exit::Local, e.to_string());
    let journal = Journal::open(path).map_err(local)?;
    let counts = journal.counts().map_err(local)?;
    let lines = Lines::open(&Output::from_matches(matches))?;
    lines.write(&json!({
        "journal": path,
        "target": journal.target().map_err(local)?,
        "files": counts.total(),
        "pending": counts.pending,
        "uploading": counts.uploading,
        "uploaded": counts.uploaded,
        "done": counts.done,
        "failed": counts.failed,
        "duplicate": counts.duplicate,
    }))?;
    if matches.get_flag("files") {
        for entry in journal.entries().map_err(local)? {
            let mut line = json!({
                "file": entry.source,
                "state": entry.state.as_str(),
                "id": entry.document_id,
                "sha256": entry.sha256,
                "attempts": entry.attempts,
            });
            if let Some(failure) = &entry.failure {
                line["error"] = json!({"kind": failure.kind.as_str(), "message": failure.message});
            }
            lines.write(&line)?;
        }
    }
    Ok(Exit::Success)
}

/// The batch engine's calls, made from the table's upload, poll and listing commands, so that
/// the tool and the typed client's `batch` module upload the same way.
struct TableUploads {
    client: Client,
    upload: &'static Upload,
    /// The upload command's values (the inbox, other form fields), without the file.
    values: Values,
    items: Items,
}

impl Uploads for TableUploads {
    fn target(&self) -> String {
        let mut values = self.values.clone();
        values.set(self.upload.file_arg, "-");
        let path = path(self.upload.command, &values).unwrap_or_default();
        format!("{} {path}", self.upload.command.operation.method)
    }

    fn upload<'a>(
        &'a self,
        file: &'a Source,
        options: CallOptions,
    ) -> BoxFuture<'a, Result<Accepted, Error>> {
        Box::pin(async move {
            let command = self.upload.command;
            let mut values = self.values.clone();
            let path = file.as_path().map(|p| p.display().to_string());
            values.set(self.upload.file_arg, path.unwrap_or_default());
            let sent = self
                .items
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(file.key())
                .map(|item| Arc::new(item.sent()));
            // The batch's check that the file is still what it read goes with the part.
            let mut request = request_with(command, &values, |part| {
                let part = file.checked(part);
                match sent.clone() {
                    Some(sent) => part.on_progress(move |bytes| sent(bytes)),
                    None => part,
                }
            })
            .map_err(|failure| Error::InvalidRequest {
                context: command.operation.into(),
                message: failure.message,
                source: None,
            })?;
            request.options(options);
            let reply = self
                .client
                .execute(command.operation, request)
                .await?
                .raw()
                .await?;
            contractfit_batch::id_in(
                reply.body.bytes,
                self.upload.id_pointer,
                command.operation.name,
                self.upload.wait.waiter.name,
            )
        })
    }

    fn wait<'a>(
        &'a self,
        id: &'a str,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Bytes, WaitError>> {
        Box::pin(async move {
            let wait = self.upload.wait;
            let mut values = Values::default();
            values.set(wait.id_arg, id);
            let request = request(wait.poll, &values).map_err(|failure| {
                let error = Error::InvalidRequest {
                    context: wait.poll.operation.into(),
                    message: failure.message,
                    source: None,
                };
                WaitError::call_failed(wait.waiter.name, wait.poll.operation.name, error)
            })?;
            let polled =
                poll_until_decided(&self.client, wait, id, request, max_wait, |_| {}).await?;
            Ok(polled.body)
        })
    }

    fn find<'a>(
        &'a self,
        name: &'a str,
        since: contractfit_runtime::chrono::DateTime<contractfit_runtime::chrono::Utc>,
    ) -> Option<BoxFuture<'a, Result<Vec<String>, FindError>>> {
        let find = self.upload.find?;
        Some(Box::pin(async move {
            let mut values = self.values.clone();
            if let Some(size) = find.command.pages.and_then(|pages| pages.size_arg) {
                values.set(size, contractfit_batch::FIND_PAGE_SIZE.to_string());
            }
            values.set(
                find.since_arg,
                since.to_rfc3339_opts(contractfit_runtime::chrono::SecondsFormat::Secs, true),
            );
            let mut ids = Vec::new();
            // The server keeps the name as it was sent (see `file_name_as_sent`).
            let sent = contractfit_runtime::file_name_as_sent(name);
            each_page(&self.client, find.command, values, |items| {
                for item in items {
                    let listed = item.pointer(find.name_pointer).and_then(Value::as_str);
                    if listed == Some(name) || listed == Some(&*sent) {
                        if let Some(id) = item.pointer(find.id_pointer) {
                            ids.push(id.as_str().map_or_else(|| id.to_string(), str::to_owned));
                        }
                    }
                }
                Ok(())
            })
            .await
            .map_err(|failure| FindError::from(failure.message))?;
            Ok(ids)
        }))
    }

    fn holds<'a>(
        &'a self,
        id: &'a str,
        sha256: &'a str,
        size: u64,
    ) -> Option<BoxFuture<'a, Result<bool, FindError>>> {
        let (command, id_arg) = self.upload.find?.content?;
        Some(Box::pin(async move {
            let mut values = Values::default();
            values.set(id_arg, id.to_owned());
            let request = request(command, &values).map_err(|f| FindError::from(f.message))?;
            let content = self.client.execute(command.operation, request).await?;
            contractfit_batch::has_sha256(content.stream().body, sha256, size).await
        }))
    }
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

/// `wait IDS…`.
pub async fn wait(
    client: &Client,
    wait: &'static Wait,
    matches: &ArgMatches,
) -> Result<Exit, Failure> {
    let ids = given(matches, "ids");
    let batch = Shared::new(client, matches, ids.len())?;
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
            item.finish(outcome.as_ref().err().map(|f| f.message.as_str()));
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
    batch: &Shared<'_>,
    wait: &'static Wait,
    id: &str,
    values: &Values,
    item: &Item,
) -> Result<Value, Failure> {
    let mut values = values.clone();
    values.set(wait.id_arg, id);
    let request = request(wait.poll, &values)?;
    let progress = |state: &contractfit_runtime::PollState| {
        item.stage(&format!(
            "waiting: poll {}, {:.0?}",
            state.poll, state.elapsed
        ));
    };
    let polled =
        poll_until_decided(batch.client, wait, id, request, batch.max_wait, progress).await?;
    item.note(&format!(
        "done after {} polls, {:.1?}",
        polled.polls, polled.elapsed
    ));
    Ok(serde_json::from_slice(&polled.body)
        .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(&polled.body).into_owned())))
}

/// Sends `request` (the poll of `wait`) until its waiter decides, each poll through the
/// client's normal path.
async fn poll_until_decided(
    client: &Client,
    wait: &'static Wait,
    id: &str,
    request: contractfit_runtime::Request,
    max_wait: Duration,
    progress: impl FnMut(&contractfit_runtime::PollState),
) -> Result<contractfit_runtime::Polled, WaitError> {
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
    wait.waiter.wait(id, max_wait, poll, progress).await
}

/// Every item of a paginated command, page after page, one JSON line each.
pub async fn list(
    client: &Client,
    command: &'static Command,
    values: Values,
    output: &Output,
    dry_run: bool,
) -> Result<Exit, Failure> {
    let Some(pages) = command.pages else {
        return Err(Failure::usage(format!("{} has no pages", command.name)));
    };
    if dry_run {
        let mut values = values;
        values.set(pages.page_arg, pages.first_page.to_string());
        return show(client, command, &values).await;
    }
    let lines = Lines::open(output)?;
    each_page(client, command, values, |items| {
        items.iter().try_for_each(|item| lines.write(item))
    })
    .await?;
    Ok(Exit::Success)
}

/// Calls `on_items` with the items of each page of `command`, from the first to the last: the
/// one that is empty, short, or reaches the total.
async fn each_page(
    client: &Client,
    command: &'static Command,
    mut values: Values,
    mut on_items: impl FnMut(&[Value]) -> Result<(), Failure>,
) -> Result<(), Failure> {
    let Some(pages) = command.pages else {
        return Err(Failure::usage(format!("{} has no pages", command.name)));
    };
    let size: Option<usize> = pages
        .size_arg
        .and_then(|arg| values.first(arg))
        .and_then(|size| size.parse().ok());
    let size = size.and_then(|size| i64::try_from(size).ok());
    let (mut page, mut seen) = (pages.first_page, 0i64);
    let mut repeats = RepeatedPages::default();
    loop {
        values.set(pages.page_arg, page.to_string());
        let request = request(command, &values)?;
        let answer = client
            .execute(command.operation, request)
            .await?
            .raw()
            .await?;
        let bad_answer = |message: String| Failure {
            status: Some(answer.status.as_u16()),
            body: Some(answer.body.bytes.clone()),
            ..Failure::new(Exit::BadAnswer, message)
        };
        let body: Value = serde_json::from_slice(&answer.body.bytes)
            .map_err(|_| bad_answer(format!("page {page} is not JSON")))?;
        let items = body
            .pointer(pages.items)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if repeats.ignored_page_number(&answer.body.bytes, items.len()) {
            return Err(bad_answer(RepeatedPages::message(page)));
        }
        on_items(items)?;
        seen = seen.saturating_add(i64::try_from(items.len()).unwrap_or(i64::MAX));
        let total = pages
            .total
            .and_then(|pointer| body.pointer(pointer))
            .and_then(Value::as_i64);
        if is_last_page(items.len(), seen, total, size) {
            return Ok(());
        }
        let Some(next) = page.checked_add(1) else {
            return Ok(());
        };
        page = next;
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

    /// A line on stderr, above the bars when there are some.
    fn line(&self, text: &str) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(text);
            }
            None => say(text),
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
            None => say(text),
        }
    }

    fn finish(&self, failure: Option<&str>) {
        if let Some(failure) = failure {
            self.line(&format!("{}: failed: {failure}", self.label));
        }
        if let Some((bar, overall, _)) = &self.bar {
            bar.finish_and_clear();
            overall.inc(1);
        }
    }
}

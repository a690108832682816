//! The batch: files to the journal, then each file through its steps (upload, find when
//! unsure, wait), many at once, every step journaled before and after.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use contractfit_runtime::{CallOptions, Error, RetryPolicy, WaitFailure};
use futures::{FutureExt, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::journal::{now, Entry, Failure, FailureKind, Journal, JournalError, RowId, State};
use crate::pressure::Pressure;
use crate::uploads::{Accepted, Source, Uploads};

/// The server's clock may differ from ours: an upload whose answer was lost is looked for
/// among the documents that arrived from this long before it began.
pub const CLOCK_SKEW: Duration = Duration::from_secs(300);

/// How often one file is offered to a server that answers 429 or 503 before it is left
/// `Throttled` (a resumed batch tries it again).
const MAX_ATTEMPTS: u32 = 10;

/// Uploads many files, waits for each, and keeps where each one stands in a [`Journal`], so
/// that a batch stopped at any instant (killed, crashed, cancelled) is finished by running it
/// again with the same journal: nothing the server acknowledged is sent twice, and nothing is
/// lost. See the crate's documentation for an example.
#[must_use = "a batch does nothing until it is run"]
pub struct Batch<U> {
    uploads: Arc<U>,
    journal: Option<Journal>,
    concurrency: usize,
    in_flight: usize,
    max_wait: Option<Duration>,
    upload_duplicates: bool,
    settle: Duration,
    events: Option<Listener>,
    stop: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<U: std::fmt::Debug> std::fmt::Debug for Batch<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("uploads", &self.uploads)
            .field("journal", &self.journal)
            .field("concurrency", &self.concurrency)
            .field("max_wait", &self.max_wait)
            .field("upload_duplicates", &self.upload_duplicates)
            .finish_non_exhaustive()
    }
}

/// What `on_event` is given.
type Listener = Box<dyn Fn(&Event<'_>) + Send + Sync>;

/// What happens, as it happens (see [`Batch::on_event`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Every file is in the journal; `to_do` of them have steps left.
    Planned { files: usize, to_do: usize },
    /// An upload attempt begins.
    Uploading { source: &'a Source, size: u64 },
    /// The server acknowledged an upload.
    Uploaded {
        source: &'a str,
        document_id: &'a str,
    },
    /// An upload whose answer was lost was found on the server.
    Found {
        source: &'a str,
        document_id: &'a str,
    },
    /// The server asked to slow down (429 or 503); uploads in flight are now limited to
    /// `concurrency`, and all pause for `pause`.
    Throttled {
        concurrency: usize,
        pause: Option<Duration>,
    },
    /// A file is as far as this run takes it: done, uploaded (without waiting), failed,
    /// duplicate, or finished by an earlier run (`earlier`).
    Finished { entry: &'a Entry, earlier: bool },
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Files in the journal.
    pub files: usize,
    /// By state at the end.
    pub done: usize,
    pub uploaded: usize,
    pub failed: usize,
    pub duplicates: usize,
    /// Uploads that may have reached the server, unresolved (see [`FailureKind::Uncertain`]).
    pub uncertain: usize,
    /// Files left pending, because the run was stopped (each counted once: a file that failed
    /// in an earlier run and was not tried again is among the failed).
    pub not_started: usize,
    /// Of the files uploaded, those whose wait did not end (the maximum wait passed, polls
    /// failed, or the run was stopped), when the batch waits: the next run waits again.
    pub unfinished: usize,
    /// Of the files finished, those finished by an earlier run.
    pub earlier: usize,
    /// Upload requests sent by this run.
    pub uploads_sent: usize,
    /// Uploads whose answer was lost (or a run was killed during), found on the server.
    pub found: usize,
    /// Times the server asked to slow down, and the fewest uploads in flight it came to.
    pub throttled: u64,
    pub lowest_concurrency: usize,
    /// Whether the run was stopped before the end.
    pub stopped: bool,
    pub elapsed: Duration,
}

impl Summary {
    /// Whether every file ended done (or uploaded, when the batch does not wait) or a skipped
    /// duplicate.
    pub fn is_complete(&self) -> bool {
        self.failed == 0
            && self.uncertain == 0
            && self.not_started == 0
            && self.unfinished == 0
            && !self.stopped
    }
}

/// Why a run could not go on (a file's own failure is in its [`Entry`] instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A file could not be read to take its fingerprint. No longer returned: such a file
    /// fails alone, as a [`FailureKind::File`] in its entry, and the others go on.
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl<U: Uploads> Batch<U> {
    pub fn new(uploads: U) -> Batch<U> {
        Batch {
            uploads: Arc::new(uploads),
            journal: None,
            concurrency: 4,
            in_flight: 256,
            max_wait: None,
            upload_duplicates: false,
            settle: Duration::from_secs(2),
            events: None,
            stop: None,
        }
    }

    /// Keeps the batch in `journal`; without one it is kept in memory and cannot be resumed.
    pub fn journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Uploads in flight at most (4 by default); fewer while the server asks to slow down.
    pub fn concurrency(mut self, uploads: usize) -> Self {
        self.concurrency = uploads.max(1);
        self
    }

    /// Files between their upload and the end of their wait at most (256 by default): waiting
    /// is mostly sleeping between polls (which back off to one every 20 s for Contract.fit),
    /// so many more can wait than upload.
    pub fn waiting(mut self, files: usize) -> Self {
        self.in_flight = files.max(1);
        self
    }

    /// Waits for each document's processing, up to `max_wait` each; without it, a file is
    /// finished once uploaded.
    pub fn wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = Some(max_wait);
        self
    }

    /// Uploads a file whose content another file of the journal has; by default it is
    /// reported as a duplicate and skipped.
    pub fn upload_duplicates(mut self, upload: bool) -> Self {
        self.upload_duplicates = upload;
        self
    }

    /// How long to look again for an upload whose answer was lost before sending it again
    /// (2 s by default): the server may still be storing it.
    pub fn settle(mut self, time: Duration) -> Self {
        self.settle = time;
        self
    }

    /// Called with each [`Event`], from the batch's tasks: keep it short.
    pub fn on_event(mut self, events: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        self.events = Some(Box::new(events));
        self
    }

    /// Stops the batch when `signal` completes (Ctrl-C, say): no file is started after it,
    /// uploads in flight finish and are journaled, waits are left for the next run.
    pub fn stop_on(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.stop = Some(Box::pin(signal));
        self
    }

    /// Runs the batch over `files` and every unfinished file the journal already holds.
    pub async fn run(self, files: impl IntoIterator<Item = Source>) -> Result<Summary, BatchError> {
        let started = Instant::now();
        let journal = self.journal.clone().unwrap_or_else(Journal::in_memory);
        // Held to the end of the run: a second batch on this journal would send every pending
        // file again.
        let _lock = journal.lock_run()?;
        journal.claim(&self.uploads.target())?;
        let work = plan(
            &journal,
            files.into_iter().collect(),
            self.upload_duplicates,
        )
        .await?;
        let cancel = CancellationToken::new();
        // The task that waits for the stop goes with the run (dropped, it is aborted).
        let mut _stop_task = None;
        if let Some(mut stop) = self.stop {
            // A signal that has come already stops the batch before anything starts.
            if futures::FutureExt::now_or_never(&mut stop).is_some() {
                cancel.cancel();
            } else {
                let cancel = cancel.clone();
                _stop_task = Some(AbortOnDrop(tokio::spawn(async move {
                    stop.await;
                    cancel.cancel();
                })));
            }
        }
        let run = Run {
            uploads: self.uploads,
            journal: journal.clone(),
            pressure: Pressure::new(self.concurrency),
            max_wait: self.max_wait,
            settle: self.settle,
            events: self.events,
            cancel,
            sent: AtomicUsize::new(0),
            found: AtomicUsize::new(0),
        };
        let waits = self.max_wait.is_some();
        let to_do = work.iter().filter(|item| !item.finished(waits)).count();
        run.emit(&Event::Planned {
            files: work.len(),
            to_do,
        });
        let mut summary = Summary::default();
        let run = &run;
        // Where each file given (or readable again) can be read, for duplicates that must be
        // sent after all.
        let sources: std::collections::HashMap<RowId, Source> = work
            .iter()
            .filter_map(|item| Some((item.row, item.source.clone()?)))
            .collect();
        let mut deferred = Vec::new();
        summary.earlier += run
            .process_all(work, self.in_flight, Some(&mut deferred))
            .await?;
        // A duplicate stands for its content only while another file carries it to the server:
        // one whose original did not get through, or changed before it was sent, is sent
        // itself. Each content at most once a run: a server that refuses every upload would
        // otherwise have the files of one content sent in turn, each a document of its own.
        let mut promoted_contents = std::collections::HashSet::new();
        let mut promoted_rows = std::collections::HashSet::new();
        while !run.cancel.is_cancelled() {
            let mut promoted: Vec<Item> = Vec::new();
            for (row, entry) in journal.orphaned_duplicates()? {
                let Some(source) = sources.get(&row) else {
                    continue;
                };
                if !promoted_contents.insert(entry.sha256.clone()) {
                    continue;
                }
                promoted_rows.insert(row);
                journal.promote(row)?;
                promoted.push(Item {
                    row,
                    entry: journal.entry(row)?,
                    source: Some(source.clone()),
                    unreadable: false,
                    new: false,
                });
            }
            if promoted.is_empty() {
                break;
            }
            run.process_all(promoted, self.in_flight, None).await?;
        }
        // A duplicate of content the server failed to process fails alike; one whose content
        // nobody carries and that cannot be read itself fails as a file, not left standing for
        // content that is not sent.
        journal.fail_duplicates_of_failures()?;
        if !run.cancel.is_cancelled() {
            for (row, entry) in journal.orphaned_duplicates()? {
                if !promoted_rows.contains(&row) {
                    let message = format!(
                        "the same content as {}, which no longer has it, and {} cannot be read \
                         as it was",
                        entry.duplicate_of.as_deref().unwrap_or("another file"),
                        entry.source
                    );
                    journal.duplicate_lost(row, &message)?;
                }
            }
        }
        for (row, earlier) in deferred {
            if !promoted_rows.contains(&row) {
                let entry = journal.entry(row)?;
                run.emit(&Event::Finished {
                    entry: &entry,
                    earlier,
                });
            }
        }
        let counts = journal.counts()?;
        summary.files = counts.total();
        summary.done = counts.done;
        summary.uploaded = counts.uploaded;
        summary.failed = counts.failed;
        summary.duplicates = counts.duplicate;
        summary.uncertain = counts.uploading;
        summary.not_started = counts.pending;
        if self.max_wait.is_some() {
            summary.unfinished = counts.uploaded;
        }
        summary.uploads_sent = run.sent.load(Ordering::SeqCst);
        summary.found = run.found.load(Ordering::SeqCst);
        (summary.throttled, summary.lowest_concurrency) = run.pressure.record();
        summary.stopped = run.cancel.is_cancelled();
        summary.elapsed = started.elapsed();
        Ok(summary)
    }
}

/// Whether a file's end may still change once every file has been through its steps: a
/// duplicate whose original does not get through is sent itself, and a file that failed in a
/// way a later run would retry may become the duplicate of one that got through.
fn may_change_after(entry: &Entry) -> bool {
    match entry.state {
        State::Duplicate => true,
        State::Failed => entry.failure.as_ref().is_some_and(|f| f.kind.is_retried()),
        _ => false,
    }
}

/// A task aborted when this is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// One file with its journal row, and the source to read it from (`None` for a file of an
/// earlier run not given again whose content cannot be read from its path).
struct Item {
    row: RowId,
    entry: Entry,
    source: Option<Source>,
    /// Given, and could not be read: failed already, with the reason.
    unreadable: bool,
    /// Registered by this run (so not finished by an earlier one, whatever its state).
    new: bool,
}

impl Item {
    /// Whether an earlier run took it as far as this one would (`waits`: whether this one
    /// waits for processing; without, an upload acknowledged is as far as it goes).
    fn finished(&self, waits: bool) -> bool {
        match self.entry.state {
            State::Done | State::Duplicate => true,
            State::Uploaded => !waits,
            State::Failed => !self
                .entry
                .failure
                .as_ref()
                .is_some_and(|f| f.kind.is_retried()),
            _ => false,
        }
    }
}

/// A file's size and SHA-256.
type Fingerprint = (u64, String);

/// Every file into the journal (fingerprints taken on blocking threads, a few at a time), and
/// the work: the files given, then the journal's unfinished files that were not given.
async fn plan(
    journal: &Journal,
    files: Vec<Source>,
    upload_duplicates: bool,
) -> Result<Vec<Item>, BatchError> {
    // A batch of a folder that holds its journal does not upload the journal.
    let files = files.into_iter().filter(|source| {
        !source
            .as_path()
            .is_some_and(|path| journal.is_own_file(path))
    });
    // A file that cannot be read fails alone, with the reason, and the others go on.
    let fingerprints: Vec<(Source, std::io::Result<Fingerprint>)> = futures::stream::iter(files)
        .map(|source| async move {
            let task = {
                let source = source.clone();
                tokio::task::spawn_blocking(move || source.fingerprint())
            };
            let fingerprint = task
                .await
                .unwrap_or_else(|panic| Err(std::io::Error::other(panic.to_string())));
            (source, fingerprint)
        })
        .buffered(8)
        .collect()
        .await;
    let rows: Vec<_> = fingerprints
        .iter()
        .map(|(source, fingerprint)| {
            let (size, sha256) = match fingerprint {
                Ok((size, sha256)) => (*size, sha256.clone()),
                Err(_) => (0, String::new()),
            };
            (
                source.key().to_owned(),
                source.name().to_owned(),
                size,
                sha256,
            )
        })
        .collect();
    let registered = journal.register(&rows, upload_duplicates)?;
    let mut given = std::collections::HashSet::new();
    let mut work: Vec<Item> = Vec::with_capacity(registered.len());
    for ((row, mut entry, new), (source, fingerprint)) in registered.into_iter().zip(fingerprints) {
        // The same file given twice is one file.
        if !given.insert(row) {
            continue;
        }
        let unreadable = match fingerprint {
            Ok(_) => false,
            Err(error) => {
                let failure = Failure {
                    kind: FailureKind::File,
                    message: format!("cannot read {}: {error}", source.key()),
                    status: None,
                    body: None,
                };
                journal.failed(row, State::Failed, &failure)?;
                entry.state = State::Failed;
                entry.failure = Some(failure);
                true
            }
        };
        work.push(Item {
            row,
            entry,
            source: Some(source),
            unreadable,
            new,
        });
    }
    for (row, entry) in journal.rows()? {
        if given.contains(&row) {
            continue;
        }
        // A file of an earlier run, not given this time: sent again only from a file at its
        // path with the content the journal knows (bytes had only a name, which a file in the
        // working folder could also have).
        // A duplicate too: it may have to be sent itself (see `Batch::run`).
        let source = match entry.state {
            State::Done | State::Uploaded => None,
            _ => {
                let source = Source::path(&entry.source);
                let known = entry.sha256.clone();
                let same = tokio::task::spawn_blocking({
                    let source = source.clone();
                    move || {
                        source
                            .fingerprint()
                            .is_ok_and(|(_, sha256)| sha256 == known)
                    }
                })
                .await
                .unwrap_or(false);
                same.then_some(source)
            }
        };
        work.push(Item {
            row,
            entry,
            source,
            unreadable: false,
            new: false,
        });
    }
    Ok(work)
}

/// What the files being processed share.
struct Run<U> {
    uploads: Arc<U>,
    journal: Journal,
    pressure: Pressure,
    max_wait: Option<Duration>,
    settle: Duration,
    events: Option<Listener>,
    cancel: CancellationToken,
    sent: AtomicUsize,
    found: AtomicUsize,
}

/// How an upload attempt ended, by what may be done next.
enum Attempt {
    Accepted(Accepted),
    /// 429: the server did not take the request.
    NotTaken(Option<Duration>),
    /// The request may have reached the server; `pause` when it also asked to slow down
    /// (502, 503, 504).
    Unsure {
        error: Error,
        pause: Option<Option<Duration>>,
    },
    /// It certainly did not: a 4xx refusal, or the file could not be read.
    Refused(Failure),
}

/// Where an uploaded-or-not file turned out to be.
enum Search {
    Found(String),
    Absent,
    Unclear(Failure),
}

impl<U: Uploads> Run<U> {
    /// Takes every item as far as it goes, `in_flight` at a time, telling each end as it comes
    /// but those `defer` keeps back (with whether an earlier run had finished them); how many
    /// an earlier run had finished.
    async fn process_all(
        &self,
        work: Vec<Item>,
        in_flight: usize,
        defer: Option<&mut Vec<(RowId, bool)>>,
    ) -> Result<usize, BatchError> {
        let mut earlier_runs = 0;
        let mut deferred = defer;
        let mut outcomes = futures::stream::iter(work)
            .map(|item| {
                let row = item.row;
                self.process(item).map(move |outcome| (row, outcome))
            })
            .buffer_unordered(in_flight);
        while let Some((row, outcome)) = outcomes.next().await {
            let Some((entry, earlier)) = outcome? else {
                continue;
            };
            earlier_runs += usize::from(earlier);
            match &mut deferred {
                Some(deferred) if may_change_after(&entry) => deferred.push((row, earlier)),
                _ => self.emit(&Event::Finished {
                    entry: &entry,
                    earlier,
                }),
            }
        }
        Ok(earlier_runs)
    }

    fn emit(&self, event: &Event<'_>) {
        if let Some(events) = &self.events {
            events(event);
        }
    }

    /// Takes one file as far as it goes; its entry at the end and whether an earlier run had
    /// finished it, or `None` when the batch was stopped before it started.
    async fn process(&self, mut item: Item) -> Result<Option<(Entry, bool)>, BatchError> {
        if item.unreadable {
            return Ok(Some((self.journal.entry(item.row)?, false)));
        }
        if item.finished(self.max_wait.is_some()) {
            // Read again whole: the plan holds entries without their results, to stay small.
            return Ok(Some((self.journal.entry(item.row)?, !item.new)));
        }
        if self.cancel.is_cancelled() && item.entry.state == State::Pending {
            return Ok(None);
        }
        if item.entry.state == State::Uploading {
            // Killed (or unsure) during an earlier upload: look before sending again.
            let since = item.entry.upload_started.clone().unwrap_or_else(now);
            match self.search(&item, &since).await? {
                Search::Found(id) => self.found(&mut item, id)?,
                Search::Absent => {}
                Search::Unclear(failure) => return self.left(&item, State::Uploading, failure),
            }
        }
        if matches!(
            item.entry.state,
            State::Pending | State::Uploading | State::Failed
        ) {
            match self.upload(&mut item).await? {
                Some(()) => {}
                None => return Ok(None),
            }
            if matches!(
                item.entry.state,
                State::Failed | State::Uploading | State::Pending
            ) {
                return Ok(Some((self.journal.entry(item.row)?, false)));
            }
        }
        if let (Some(max_wait), State::Uploaded) = (self.max_wait, item.entry.state) {
            self.wait(&mut item, max_wait).await?;
        }
        Ok(Some((self.journal.entry(item.row)?, false)))
    }

    /// Sends the file until the server takes it, refuses it, or an unsure attempt cannot be
    /// resolved; `None` when stopped before the first attempt.
    async fn upload(&self, item: &mut Item) -> Result<Option<()>, BatchError> {
        let Some(source) = item.source.clone() else {
            let message = format!(
                "{} was not given again and cannot be read",
                item.entry.source
            );
            self.file_failed(item, message)?;
            return Ok(Some(()));
        };
        let options = CallOptions::new().retry(RetryPolicy::never());
        let mut throttled = 0;
        loop {
            // Stopping wins over a free slot: once stopped, no upload starts.
            let slot = tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Ok(None),
                slot = self.pressure.slot() => slot,
            };
            if self.cancel.is_cancelled() {
                return Ok(None);
            }
            // What is sent is what the journal knows: a file changed since it was read would go
            // out as content the journal has not seen, and be sent again as new next time. It
            // is checked as it is sent, and fails the request before the request is whole.
            let changed = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let sending = source.expecting(item.entry.size, &item.entry.sha256, changed.clone());
            let started = now();
            self.journal.uploading(item.row, &started)?;
            item.entry.state = State::Uploading;
            self.emit(&Event::Uploading {
                source: &source,
                size: item.entry.size,
            });
            self.sent.fetch_add(1, Ordering::SeqCst);
            let attempt = classify(self.uploads.upload(&sending, options.clone()).await);
            drop(slot);
            if changed.load(Ordering::SeqCst) {
                let message = format!(
                    "{} changed since it was read, and was not sent; run the batch again to \
                     send it as it is now",
                    item.entry.source
                );
                self.file_failed(item, message)?;
                return Ok(Some(()));
            }
            let pause = match attempt {
                Attempt::Accepted(Accepted { id, reply }) => {
                    self.pressure.success();
                    self.journal.uploaded(item.row, &id, Some(&reply))?;
                    self.emit(&Event::Uploaded {
                        source: &item.entry.source,
                        document_id: &id,
                    });
                    item.entry.state = State::Uploaded;
                    item.entry.document_id = Some(id);
                    return Ok(Some(()));
                }
                Attempt::Refused(failure) => {
                    self.journal.failed(item.row, State::Failed, &failure)?;
                    item.entry.state = State::Failed;
                    return Ok(Some(()));
                }
                Attempt::NotTaken(pause) => {
                    self.journal.pending(item.row)?;
                    item.entry.state = State::Pending;
                    Some(pause)
                }
                Attempt::Unsure { error, pause } => {
                    tracing::debug!(source = %item.entry.source, %error, "upload unsure");
                    if let Some(pause) = pause {
                        self.slow_down(pause);
                    }
                    match self.search(item, &started).await? {
                        Search::Found(id) => {
                            self.found(item, id)?;
                            return Ok(Some(()));
                        }
                        Search::Absent => None,
                        Search::Unclear(failure) => {
                            self.journal.failed(item.row, State::Uploading, &failure)?;
                            return Ok(Some(()));
                        }
                    }
                }
            };
            throttled += 1;
            if let Some(pause) = pause {
                self.slow_down(pause);
            }
            if throttled >= MAX_ATTEMPTS {
                let failure = Failure {
                    kind: FailureKind::Throttled,
                    message: format!("not accepted after {throttled} attempts"),
                    status: None,
                    body: None,
                };
                self.journal.failed(item.row, State::Failed, &failure)?;
                item.entry.state = State::Failed;
                return Ok(Some(()));
            }
        }
    }

    /// Records that the file could not be read as the journal knows it (a `File` failure, which
    /// a later run retries).
    fn file_failed(&self, item: &mut Item, message: String) -> Result<(), BatchError> {
        let failure = Failure {
            kind: FailureKind::File,
            message,
            status: None,
            body: None,
        };
        self.journal.failed(item.row, State::Failed, &failure)?;
        item.entry.state = State::Failed;
        Ok(())
    }

    fn slow_down(&self, pause: Option<Duration>) {
        let concurrency = self.pressure.throttle(pause);
        self.emit(&Event::Throttled { concurrency, pause });
    }

    /// Looks on the server for the file's upload begun at `since`: found when exactly one
    /// document of its name arrived since then that no file of the journal has; looked for
    /// twice, `settle` apart, before it is called absent.
    async fn search(&self, item: &Item, since: &str) -> Result<Search, BatchError> {
        let unclear = |message: String| {
            Search::Unclear(Failure {
                kind: FailureKind::Uncertain,
                message,
                status: None,
                body: None,
            })
        };
        let since = chrono::DateTime::parse_from_rfc3339(since)
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_else(|_| chrono::Utc::now())
            - chrono::Duration::from_std(CLOCK_SKEW).unwrap_or_default();
        // Candidates found to hold the file's content, kept from one look to the next.
        let mut verdicts: std::collections::HashMap<String, bool> = Default::default();
        for look in 0..2 {
            if look > 0 {
                tokio::time::sleep(self.settle).await;
            }
            let Some(find) = self.uploads.find(&item.entry.name, since) else {
                return Ok(unclear(
                    "the upload may have reached the server, and the API cannot list \
                     documents to tell"
                        .into(),
                ));
            };
            let ids = match find.await {
                Ok(ids) => ids,
                Err(error) => {
                    return Ok(unclear(format!(
                        "the upload may have reached the server; looking for it failed: {error}"
                    )))
                }
            };
            let mut unclaimed = Vec::new();
            for id in ids {
                if !self.journal.claimed(&id)? {
                    unclaimed.push(id);
                }
            }
            // Where the API can tell, only a document with this file's content is this file's
            // upload: a namesake may be someone else's. A candidate that cannot be read is
            // left out, unless no other is this file's: then it may be, and the search is
            // unclear.
            let (mut same, mut checked, mut unread) = (Vec::new(), false, None);
            for id in &unclaimed {
                if let Some(&verdict) = verdicts.get(id) {
                    checked = true;
                    if verdict {
                        same.push(id.clone());
                    }
                    continue;
                }
                let entry = &item.entry;
                let Some(holds) = self.uploads.holds(id, &entry.sha256, entry.size) else {
                    break;
                };
                checked = true;
                match holds.await {
                    // Only a match is kept: a document still being stored may match later.
                    Ok(true) => {
                        verdicts.insert(id.clone(), true);
                        same.push(id.clone());
                    }
                    Ok(false) => {}
                    Err(error) => unread = Some(format!("reading document {id} failed: {error}")),
                }
            }
            if checked {
                if let (true, Some(unread)) = (same.is_empty(), unread) {
                    return Ok(unclear(format!(
                        "the upload may have reached the server; {unread}"
                    )));
                }
                unclaimed = same;
            }
            match unclaimed.len() {
                0 => continue,
                1 if !checked && self.journal.namesake_unsure(item.row, &item.entry.name)? => {
                    return Ok(unclear(format!(
                        "the upload may have reached the server: a document named {:?} arrived \
                         since {since} ({}), and another file of the batch with that name was \
                         being uploaded too",
                        item.entry.name, unclaimed[0]
                    )))
                }
                1 => return Ok(Search::Found(unclaimed.remove(0))),
                _ => {
                    return Ok(unclear(format!(
                        "the upload may have reached the server: {} documents named {:?} arrived \
                         since {since} ({})",
                        unclaimed.len(),
                        item.entry.name,
                        unclaimed.join(", ")
                    )))
                }
            }
        }
        Ok(Search::Absent)
    }

    fn found(&self, item: &mut Item, id: String) -> Result<(), BatchError> {
        self.journal.uploaded(item.row, &id, None)?;
        self.found.fetch_add(1, Ordering::SeqCst);
        self.emit(&Event::Found {
            source: &item.entry.source,
            document_id: &id,
        });
        item.entry.state = State::Uploaded;
        item.entry.document_id = Some(id);
        Ok(())
    }

    /// Records `failure`, leaving the file in `state`; the file's entry.
    fn left(
        &self,
        item: &Item,
        state: State,
        failure: Failure,
    ) -> Result<Option<(Entry, bool)>, BatchError> {
        self.journal.failed(item.row, state, &failure)?;
        Ok(Some((self.journal.entry(item.row)?, false)))
    }

    async fn wait(&self, item: &mut Item, max_wait: Duration) -> Result<(), BatchError> {
        let Some(id) = item.entry.document_id.clone() else {
            return Ok(());
        };
        let waited = tokio::select! {
            waited = self.uploads.wait(&id, max_wait) => waited,
            () = self.cancel.cancelled() => return Ok(()),
        };
        match waited {
            Ok(body) => {
                self.journal.done(item.row, &body)?;
                item.entry.state = State::Done;
            }
            Err(error) if matches!(error.reason(), WaitFailure::Failed { .. }) => {
                let failure = Failure {
                    kind: FailureKind::Processing,
                    message: "processing failed".into(),
                    status: error.status().map(|s| s.as_u16()),
                    body: error.last_body().cloned(),
                };
                self.journal.failed(item.row, State::Failed, &failure)?;
                item.entry.state = State::Failed;
            }
            Err(error) => {
                let failure = Failure {
                    kind: FailureKind::Unfinished,
                    message: error.to_string(),
                    status: error.status().map(|s| s.as_u16()),
                    body: error.last_body().cloned(),
                };
                self.journal.failed(item.row, State::Uploaded, &failure)?;
            }
        }
        Ok(())
    }
}

/// An upload's result, by what the batch may do next.
fn classify(result: Result<Accepted, Error>) -> Attempt {
    let error = match result {
        Ok(accepted) => return Attempt::Accepted(accepted),
        Err(error) => error,
    };
    let status = error.status().map(|s| s.as_u16());
    let retry_after = match &error {
        Error::Api(api) => api.retry_after(),
        _ => None,
    };
    let refused = |kind: FailureKind, error: &Error| {
        Attempt::Refused(Failure {
            kind,
            message: error.to_string(),
            status,
            body: error.body().cloned(),
        })
    };
    match (&error, status) {
        (_, Some(429)) => Attempt::NotTaken(retry_after),
        (_, Some(502..=504)) => Attempt::Unsure {
            error,
            pause: Some(retry_after),
        },
        // Nothing was sent: the file could not be opened or the request not built.
        (Error::InvalidRequest { .. }, _) => refused(FailureKind::File, &error),
        // 408: the server did not read the whole request, so it kept nothing.
        (Error::Api(_), Some(408)) => Attempt::NotTaken(retry_after),
        (Error::Api(_), Some(400..=499)) => refused(FailureKind::Refused, &error),
        // A connection that failed before the request went out never reached the server.
        (Error::Transport { source, .. }, _) if source.is_connect() => Attempt::NotTaken(None),
        // Everything else (timeouts, resets, a 5xx, an answer without an id) may hide an
        // upload the server kept.
        _ => Attempt::Unsure { error, pause: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::FindError;
    use futures::future::BoxFuture;

    /// Uploads that stop the batch as the second one ends: the slot it frees and the stop
    /// arrive together, and counts the uploads begun after the stop.
    struct StoppingSecond {
        cancel: CancellationToken,
        uploads: AtomicUsize,
        after_stop: AtomicUsize,
    }

    impl Uploads for StoppingSecond {
        fn target(&self) -> String {
            "POST /test".into()
        }

        fn upload<'a>(
            &'a self,
            _: &'a Source,
            _: CallOptions,
        ) -> BoxFuture<'a, Result<crate::Accepted, Error>> {
            Box::pin(async move {
                if self.cancel.is_cancelled() {
                    self.after_stop.fetch_add(1, Ordering::SeqCst);
                }
                let n = self.uploads.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                if n == 1 {
                    self.cancel.cancel();
                }
                Ok(crate::Accepted::new(format!("doc-{n}"), "{}"))
            })
        }

        fn wait<'a>(
            &'a self,
            _: &'a str,
            _: Duration,
        ) -> BoxFuture<'a, Result<bytes::Bytes, contractfit_runtime::WaitError>> {
            unreachable!("the batch does not wait")
        }

        fn find<'a>(
            &'a self,
            _: &'a str,
            _: chrono::DateTime<chrono::Utc>,
        ) -> Option<BoxFuture<'a, Result<Vec<String>, FindError>>> {
            None
        }
    }

    /// Once stopped, no upload starts, even when a slot comes free with the stop. (Before: an
    /// unbiased `select!` between the stop and a free slot took the slot about half the time,
    /// and this test counted uploads begun after the stop in most of its rounds.)
    #[tokio::test]
    async fn a_stop_that_comes_with_a_free_slot_starts_no_upload() {
        for round in 0..50 {
            let cancel = CancellationToken::new();
            let uploads = Arc::new(StoppingSecond {
                cancel: cancel.clone(),
                uploads: AtomicUsize::new(0),
                after_stop: AtomicUsize::new(0),
            });
            let journal = Journal::in_memory();
            let sources: Vec<Source> = (0..8)
                .map(|i| Source::bytes(format!("f{i}.pdf"), format!("content {i}")))
                .collect();
            let work = plan(&journal, sources, false).await.unwrap();
            let run = Run {
                uploads: uploads.clone(),
                journal,
                pressure: Pressure::new(2),
                max_wait: None,
                settle: Duration::ZERO,
                events: None,
                cancel,
                sent: AtomicUsize::new(0),
                found: AtomicUsize::new(0),
            };
            run.process_all(work, 8, None).await.unwrap();
            assert_eq!(
                uploads.after_stop.load(Ordering::SeqCst),
                0,
                "round {round}"
            );
        }
    }
}

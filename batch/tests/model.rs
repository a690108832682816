//! The batch engine against a reference model, over seeded random scenarios: files with shared
//! names and shared contents, edited, renamed, deleted and added between runs; runs stopped at
//! random moments or abandoned (their future dropped mid-upload), two batches on one journal at
//! once, and the fake server refusing (429, 503),
//! losing answers to uploads it kept, cutting its replies short and failing the listings that
//! look for lost uploads, refusing uploads (400) and failing processing. After every run, and
//! after a last run with nothing in the way:
//!
//! - nothing is reported uploaded that the server lacks, with the journal's content;
//! - no content is on the server twice (each was sent once);
//! - after the last run, every file given ends with exactly one outcome: done, a duplicate of
//!   a named file that is done, or failed for a reason that sending again would not mend
//!   (refused, processing failed); every content given is on the server but refused ones; the
//!   summary agrees with the journal.
//!
//! `CONTRACTFIT_MODEL_SCENARIOS` sets how many seeds run (default 200); `CONTRACTFIT_MODEL_SEED`
//! runs one. A failing scenario is shrunk (runs, files, changes, faults taken away while it still
//! fails) and printed with its seed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use contractfit::batch::{Event, FailureKind, Journal, Source, State, Summary};
use contractfit::Client;
use contractfit_fake::{Behaviour, Fake, Fault, Route};

const INBOX: &str = "inbox-1";
const FOLDERS: [&str; 2] = ["x", "y"];
const NAMES: [&str; 3] = ["a.pdf", "b.pdf", "c.pdf"];
const CONTENTS: u8 = 4;

/// A file: where it is (folder and name) and which of the few contents it holds.
#[derive(Debug, Clone, PartialEq)]
struct File {
    folder: usize,
    name: usize,
    content: u8,
}

impl File {
    fn path(&self, root: &Path) -> PathBuf {
        root.join(FOLDERS[self.folder]).join(NAMES[self.name])
    }
}

/// What happens to the files before a run. Indices are taken modulo the files there are, so
/// that a scenario with some taken away stays meaningful.
#[derive(Debug, Clone, PartialEq)]
enum Change {
    Edit(usize, u8),
    Rename(usize, usize, usize),
    Delete(usize),
    Add(File),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Trouble {
    TooManyRequests,
    Unavailable,
    /// The upload is kept and its answer lost.
    AnswerLost,
    /// The upload is kept and its answer cut short.
    AnswerCut,
    /// The listing that looks for lost uploads fails.
    ListingFails,
    /// The upload is refused (400).
    Refused,
    /// A poll says that processing failed.
    ProcessingFails,
}

#[derive(Debug, Clone, PartialEq)]
struct Run {
    changes: Vec<Change>,
    troubles: Vec<(Trouble, usize)>,
    /// Stopped as the n-th upload begins.
    stop_at: Option<usize>,
    wait: bool,
    concurrency: usize,
    /// A second batch on the same journal at the same time.
    twice: bool,
    /// The run's future dropped after this many milliseconds, wherever it is, as when the
    /// program around it ends: uploads in flight are cut off, nothing more is journaled.
    abandoned_after: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
struct Scenario {
    files: Vec<File>,
    runs: Vec<Run>,
}

fn file(rng: &mut fastrand::Rng) -> File {
    File {
        folder: rng.usize(..FOLDERS.len()),
        name: rng.usize(..NAMES.len()),
        content: rng.u8(..CONTENTS),
    }
}

impl Scenario {
    fn draw(seed: u64) -> Scenario {
        let mut rng = fastrand::Rng::with_seed(seed);
        let files = (0..rng.usize(1..6)).map(|_| file(&mut rng)).collect();
        let runs = (0..rng.usize(1..4))
            .map(|_| Run {
                changes: (0..rng.usize(0..3))
                    .map(|_| match rng.u8(..4) {
                        0 => Change::Edit(rng.usize(..8), rng.u8(..CONTENTS)),
                        1 => Change::Rename(
                            rng.usize(..8),
                            rng.usize(..FOLDERS.len()),
                            rng.usize(..NAMES.len()),
                        ),
                        2 => Change::Delete(rng.usize(..8)),
                        _ => Change::Add(file(&mut rng)),
                    })
                    .collect(),
                troubles: (0..rng.usize(0..3))
                    .map(|_| {
                        let trouble = [
                            Trouble::TooManyRequests,
                            Trouble::Unavailable,
                            Trouble::AnswerLost,
                            Trouble::AnswerCut,
                            Trouble::ListingFails,
                            Trouble::Refused,
                            Trouble::ProcessingFails,
                        ][rng.usize(..7)];
                        (trouble, rng.usize(1..4))
                    })
                    .collect(),
                stop_at: rng.bool().then(|| rng.usize(1..5)),
                wait: rng.bool(),
                concurrency: rng.usize(1..4),
                twice: rng.u8(..5) == 0,
                abandoned_after: (rng.u8(..4) == 0).then(|| rng.u64(0..80)),
            })
            .collect();
        Scenario { files, runs }
    }

    /// Smaller scenarios than this one, each with one thing taken away.
    fn smaller(&self) -> Vec<Scenario> {
        let mut smaller = Vec::new();
        for i in 0..self.runs.len() {
            let mut s = self.clone();
            s.runs.remove(i);
            smaller.push(s);
        }
        for i in 0..self.files.len() {
            let mut s = self.clone();
            s.files.remove(i);
            smaller.push(s);
        }
        for (r, run) in self.runs.iter().enumerate() {
            for i in 0..run.changes.len() {
                let mut s = self.clone();
                s.runs[r].changes.remove(i);
                smaller.push(s);
            }
            for i in 0..run.troubles.len() {
                let mut s = self.clone();
                s.runs[r].troubles.remove(i);
                smaller.push(s);
            }
            let simpler = [
                Run {
                    stop_at: None,
                    ..run.clone()
                },
                Run {
                    twice: false,
                    ..run.clone()
                },
                Run {
                    wait: false,
                    ..run.clone()
                },
                Run {
                    concurrency: 1,
                    ..run.clone()
                },
                Run {
                    abandoned_after: None,
                    ..run.clone()
                },
            ];
            for simpler in simpler {
                if simpler != *run {
                    let mut s = self.clone();
                    s.runs[r] = simpler;
                    smaller.push(s);
                }
            }
        }
        smaller
    }
}

fn content(index: u8) -> Vec<u8> {
    format!("%PDF content {index}").into_bytes()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The files as they are on disk: one per path, the last written.
fn apply(root: &Path, files: &mut Vec<File>, changes: &[Change]) {
    for change in changes {
        let n = files.len();
        match change.clone() {
            Change::Edit(i, content) if n > 0 => files[i % n].content = content,
            Change::Rename(i, folder, name) if n > 0 => {
                let _ = std::fs::remove_file(files[i % n].path(root));
                files[i % n].folder = folder;
                files[i % n].name = name;
            }
            Change::Delete(i) if n > 0 => {
                let gone = files.remove(i % n);
                let _ = std::fs::remove_file(gone.path(root));
            }
            Change::Add(file) => files.push(file),
            _ => {}
        }
    }
    // Two files at one path are one: the later.
    let mut seen = BTreeSet::new();
    let mut kept: Vec<File> = files
        .iter()
        .rev()
        .filter(|f| seen.insert((f.folder, f.name)))
        .cloned()
        .collect();
    kept.reverse();
    *files = kept;
    for file in files.iter() {
        std::fs::write(file.path(root), content(file.content)).unwrap();
    }
}

fn inject(fake: &Fake, troubles: &[(Trouble, usize)]) {
    for &(trouble, times) in troubles {
        let (route, fault) = match trouble {
            Trouble::TooManyRequests => (Route::Upload, Fault::TooManyRequests { retry_after: 0 }),
            Trouble::Unavailable => (Route::Upload, Fault::Unavailable),
            Trouble::AnswerLost => (Route::Upload, Fault::ConnectionReset),
            Trouble::AnswerCut => (Route::Upload, Fault::TruncatedBody),
            Trouble::ListingFails => (Route::Paginated, Fault::Unavailable),
            Trouble::Refused => (Route::Upload, Fault::Refused),
            Trouble::ProcessingFails => (Route::GetDocument, Fault::ProcessingFailed),
        };
        fake.inject(route, fault, times);
    }
}

fn client(url: &str) -> Client {
    Client::builder()
        .base_url(url)
        .retry(contractfit::RetryPolicy::never())
        .build()
        .unwrap()
}

/// One batch over `files`, stopped as its `stop_at`-th upload begins.
async fn batch(
    url: &str,
    journal: &Path,
    root: &Path,
    files: &[File],
    run: &Run,
) -> Result<Summary, contractfit::batch::BatchError> {
    let journal = Journal::open(journal)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stop = Mutex::new(Some(stop));
    let begun = std::sync::atomic::AtomicUsize::new(0);
    let stop_at = run.stop_at;
    let mut batch = client(url)
        .upload_document_batch(INBOX)
        .journal(journal)
        .concurrency(run.concurrency)
        .settle(Duration::from_millis(10))
        .on_event(move |event| {
            if let Event::Uploading { .. } = event {
                let n = begun.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                if Some(n) == stop_at {
                    if let Some(stop) = stop.lock().unwrap().take() {
                        let _ = stop.send(());
                    }
                }
            }
        })
        .stop_on(async {
            if stopped.await.is_err() {
                std::future::pending::<()>().await;
            }
        });
    if run.wait {
        batch = batch.wait(Duration::from_secs(10));
    }
    batch
        .run(files.iter().map(|f| Source::path(f.path(root))))
        .await
}

/// What the server holds: each document's id and the SHA-256 of its content.
fn held(fake: &Fake) -> Vec<(String, String)> {
    fake.uploaded_contents(INBOX)
        .into_iter()
        .map(|(id, content)| (id, sha256(&content)))
        .collect()
}

/// What must hold after any run.
fn check_always(fake: &Fake, journal: &Path, when: &str) -> Result<(), String> {
    let held = held(fake);
    let mut contents = BTreeMap::new();
    for (id, sha) in &held {
        if let Some(other) = contents.insert(sha.clone(), id.clone()) {
            return Err(format!("{when}: one content sent twice: {other} and {id}"));
        }
    }
    let entries = Journal::open(journal)
        .and_then(|j| j.entries())
        .map_err(|e| e.to_string())?;
    for entry in &entries {
        if let Some(id) = &entry.document_id {
            match held.iter().find(|(held_id, _)| held_id == id) {
                None => {
                    return Err(format!(
                        "{when}: {} is {id}, which the server lacks",
                        entry.source
                    ))
                }
                Some((_, sha)) if *sha != entry.sha256 => {
                    return Err(format!(
                        "{when}: {} is {id}, which holds other content",
                        entry.source
                    ))
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// What must hold once a last run had nothing in its way.
fn check_end(
    fake: &Fake,
    journal: &Path,
    root: &Path,
    files: &[File],
    summary: &Summary,
) -> Result<(), String> {
    let entries = Journal::open(journal)
        .and_then(|j| j.entries())
        .map_err(|e| e.to_string())?;
    let held: BTreeSet<String> = held(fake).into_iter().map(|(_, sha)| sha).collect();
    for file in files {
        let source = file.path(root).display().to_string();
        let sha = sha256(&content(file.content));
        let rows: Vec<_> = entries
            .iter()
            .filter(|e| e.source == source && e.sha256 == sha)
            .collect();
        let [row] = rows[..] else {
            return Err(format!("{source}: {} rows, not one: {rows:?}", rows.len()));
        };
        match row.state {
            State::Done => {}
            State::Duplicate => {
                let original = row.duplicate_of.as_deref().unwrap_or_default();
                let done = entries
                    .iter()
                    .any(|e| e.source == original && e.sha256 == sha && e.state == State::Done);
                if !done {
                    return Err(format!(
                        "{source}: a duplicate of {original}, which is not done"
                    ));
                }
            }
            // Refused, or processed and failed: a reason, and not sent again.
            State::Failed => {
                let failure = row.failure.as_ref();
                let definite = failure.is_some_and(|f| {
                    !f.message.is_empty()
                        && matches!(f.kind, FailureKind::Refused | FailureKind::Processing)
                });
                if !definite {
                    return Err(format!(
                        "{source}: failed at the end without a final reason: {row:?}"
                    ));
                }
                continue;
            }
            other => return Err(format!("{source}: {other:?} at the end: {row:?}")),
        }
        if !held.contains(&sha) {
            return Err(format!("{source}: its content is not on the server"));
        }
    }
    let counts = Journal::open(journal)
        .and_then(|j| j.counts())
        .map_err(|e| e.to_string())?;
    let agrees = summary.files == counts.total()
        && summary.done == counts.done
        && summary.failed == counts.failed
        && summary.duplicates == counts.duplicate
        && summary.uncertain == counts.uploading
        && summary.is_complete() == (counts.done + counts.duplicate == counts.total());
    // Duplicates stand for a content that is done.
    for entry in entries.iter().filter(|e| e.state == State::Duplicate) {
        let done = entries
            .iter()
            .any(|e| e.sha256 == entry.sha256 && e.state == State::Done);
        if !done {
            return Err(format!(
                "{}: a duplicate of content that is not done",
                entry.source
            ));
        }
    }
    if !agrees {
        return Err(format!(
            "the summary {summary:?} is not the journal's {counts:?}"
        ));
    }
    Ok(())
}

/// Plays `scenario`; why it broke a promise, if it did.
async fn play(scenario: &Scenario) -> Result<(), String> {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_millis(10)));
    let server = fake.start().await;
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for folder in FOLDERS {
        std::fs::create_dir(root.join(folder)).unwrap();
    }
    let journal = root.join("journal.sqlite");
    let mut files = Vec::new();
    apply(
        root,
        &mut files,
        &scenario
            .files
            .iter()
            .cloned()
            .map(Change::Add)
            .collect::<Vec<_>>(),
    );
    for (i, run) in scenario.runs.iter().enumerate() {
        apply(root, &mut files, &run.changes);
        inject(&fake, &run.troubles);
        let when = format!("run {}", i + 1);
        if run.twice {
            let (one, two) = tokio::join!(
                batch(&url, &journal, root, &files, run),
                batch(&url, &journal, root, &files, run)
            );
            // One takes the journal, and the other is refused (unless the first was over
            // before the second began).
            let refused: Vec<String> = [&one, &two]
                .into_iter()
                .filter_map(|r| r.as_ref().err().map(ToString::to_string))
                .collect();
            if refused.len() > 1 || refused.iter().any(|e| !e.contains("in use")) {
                return Err(format!(
                    "{when}: two batches on one journal: {one:?}, {two:?}"
                ));
            }
        } else if let Some(after) = run.abandoned_after {
            let batch = batch(&url, &journal, root, &files, run);
            if let Ok(ran) = tokio::time::timeout(Duration::from_millis(after), batch).await {
                ran.map_err(|e| format!("{when}: {e}"))?;
            }
        } else {
            batch(&url, &journal, root, &files, run)
                .await
                .map_err(|e| format!("{when}: {e}"))?;
        }
        check_always(&fake, &journal, &when)?;
        fake.clear_faults();
    }
    let last = Run {
        changes: Vec::new(),
        troubles: Vec::new(),
        stop_at: None,
        wait: true,
        concurrency: 2,
        twice: false,
        abandoned_after: None,
    };
    let summary = batch(&url, &journal, root, &files, &last)
        .await
        .map_err(|e| format!("the last run: {e}"))?;
    check_always(&fake, &journal, "the last run")?;
    check_end(&fake, &journal, root, &files, &summary)
}

fn play_now(scenario: &Scenario) -> Result<(), String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(play(scenario))
}

/// `scenario`, which fails, made as small as it still fails.
fn shrink(mut scenario: Scenario) -> (Scenario, String) {
    let mut why = play_now(&scenario).err().unwrap_or_default();
    'smaller: loop {
        for smaller in scenario.smaller() {
            if let Err(still) = play_now(&smaller) {
                scenario = smaller;
                why = still;
                continue 'smaller;
            }
        }
        return (scenario, why);
    }
}

#[test]
fn the_batch_engine_keeps_its_promises_over_seeded_scenarios() {
    let seeds = match std::env::var("CONTRACTFIT_MODEL_SEED") {
        Ok(seed) => {
            let seed: u64 = seed.parse().expect("CONTRACTFIT_MODEL_SEED is a number");
            seed..seed + 1
        }
        Err(_) => {
            let count = std::env::var("CONTRACTFIT_MODEL_SCENARIOS")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(200);
            0..count
        }
    };
    let started = std::time::Instant::now();
    let count = seeds.end - seeds.start;
    // Side by side: a scenario mostly waits (for the fake, and the pauses a 503 asks for).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let failed = runtime.block_on(async {
        use futures::StreamExt;
        futures::stream::iter(seeds)
            .map(|seed| async move {
                let scenario = Scenario::draw(seed);
                let one = std::time::Instant::now();
                let played = play(&scenario).await;
                if std::env::var_os("CONTRACTFIT_MODEL_TRACE").is_some() {
                    eprintln!("seed {seed}: {:.2?}", one.elapsed());
                }
                played.err().map(|why| (seed, scenario, why))
            })
            .buffered(8)
            .filter_map(std::future::ready)
            .next()
            .await
    });
    drop(runtime);
    if let Some((seed, scenario, why)) = failed {
        let (smallest, smallest_why) = shrink(scenario);
        panic!(
            "seed {seed} (CONTRACTFIT_MODEL_SEED={seed} replays it): {why}\n\
             shrunk to {smallest:#?}\nwhich fails with: {smallest_why}"
        );
    }
    eprintln!("{count} scenarios in {:.1?}", started.elapsed());
}

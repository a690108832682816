//! Durable batches, as a user meets them: the tool uploading 2,000 files with a journal against
//! the fake Contract.fit (processing delays, 429s with `Retry-After`), killed with SIGKILL at
//! three moments drawn from a seed and restarted with `--resume` each time. At the end every
//! file has exactly one document on the server and one line in the last run's output.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use contractfit_fake::{Behaviour, Fake};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_contractfit");
const INBOX: &str = "inbox-1";
const FILES: usize = 2_000;

/// splitmix64: moments to kill at, the same for the same seed on every machine.
struct Moments(u64);

impl Moments {
    fn next_millis(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % below
    }
}

fn upload(base_url: &str, folder: &Path, journal: &Path, resume: bool) -> Command {
    let mut command = Command::new(BIN);
    command
        .args([
            "upload",
            folder.to_str().unwrap(),
            "--inbox",
            INBOX,
            "--wait",
        ])
        .args(["--journal", journal.to_str().unwrap(), "--concurrency", "8"])
        .env_clear()
        .env("CONTRACTFIT_BASE_URL", base_url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if resume {
        command.arg("--resume");
    }
    command
}

/// Runs the tool and kills it with SIGKILL after `after`; whether it was still running.
async fn run_and_kill(mut command: Command, after: Duration) -> bool {
    // Its lines are not read: a pipe nobody reads would stop it once full.
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let mut child = command.spawn().expect("the tool starts");
    tokio::time::sleep(after).await;
    let running = child.try_wait().unwrap().is_none();
    // SIGKILL: no handler runs, nothing is flushed, as when a machine is lost.
    child.kill().unwrap();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    running
}

async fn crash_and_resume(seed: u64) {
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(300))
            .with_processing_spread(Duration::from_millis(700))
            .with_throttled_uploads(100, 1)
            // Each upload is kept 100 ms before it is answered: a kill during the uploads
            // leaves some the server has and the journal does not know.
            .with_upload_time(Duration::from_millis(100)),
    );
    let server = fake.start().await;
    let folder = contractfit_tests::scratch(&format!("batch-crash-{seed}"));
    let files = folder.path().join("files");
    std::fs::create_dir(&files).unwrap();
    for i in 0..FILES {
        let name = format!("invoice-{i:04}.pdf");
        std::fs::write(files.join(&name), format!("%PDF-1.7 {seed} {name}")).unwrap();
    }
    let journal = folder.path().join("batch.sqlite");
    let mut moments = Moments(seed);
    let started = Instant::now();
    let (mut killed_while_running, mut in_flight_at_kills) = (0, 0);
    for kill in 0..3 {
        let after = Duration::from_millis(300 + moments.next_millis(12_000));
        let command = upload(&server.url(), &files, &journal, kill > 0);
        killed_while_running += usize::from(run_and_kill(command, after).await);
        // Uploads begun and not acknowledged: the next run must look for them first.
        in_flight_at_kills += status(&journal)["uploading"].as_u64().unwrap();
    }
    let uploads_before_last_run = fake.uploads();
    let last = tokio::task::spawn_blocking({
        let mut command = upload(&server.url(), &files, &journal, true);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&last.stdout);
    // The summary: the last line unless files failed (then all of it is needed).
    let full_stderr = String::from_utf8_lossy(&last.stderr);
    let stderr = full_stderr.lines().last().unwrap_or_default();
    assert_eq!(last.status.code(), Some(0), "seed {seed}: {full_stderr}");
    assert_eq!(
        killed_while_running, 3,
        "seed {seed}: each kill struck a running batch"
    );

    // Exactly one document per file on the server.
    let mut documents: BTreeMap<String, usize> = BTreeMap::new();
    for (_, name) in fake.uploaded_documents(INBOX) {
        *documents.entry(name).or_insert(0) += 1;
    }
    let duplicates = documents.values().filter(|&&n| n > 1).count();
    let missing = FILES - documents.len();
    assert_eq!((duplicates, missing), (0, 0), "seed {seed}: {stderr}");

    // One line per file in the last run, each done, with its own document.
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut per_file: BTreeMap<&str, &Value> = BTreeMap::new();
    for line in &lines {
        let file = line["file"].as_str().unwrap();
        assert!(
            per_file.insert(file, line).is_none(),
            "seed {seed}: {file} twice"
        );
        assert_eq!(line["state"], "done", "seed {seed}: {line}");
        assert_eq!(line["result"]["id"], line["id"], "seed {seed}: {line}");
    }
    assert_eq!(per_file.len(), FILES, "seed {seed}");

    // `batch status` agrees.
    let status = status(&journal);
    assert_eq!(status["done"], FILES, "seed {seed}: {status}");
    let listings = fake
        .journal()
        .iter()
        .filter(|r| r.path.ends_with("/paginated"))
        .count();
    eprintln!(
        "seed {seed}: {FILES} files, 3 kills ({in_flight_at_kills} uploads in flight at them, \
         {listings} listings to look for them), {uploads_before_last_run} upload requests before \
         the last run, {} in all ({} answered 429), 0 duplicates, 0 missing, {:.1?}; last run: {}",
        fake.uploads(),
        fake.uploads() / 100,
        started.elapsed(),
        stderr,
    );
}

/// `batch status --journal JOURNAL`, read.
fn status(journal: &Path) -> Value {
    let status = Command::new(BIN)
        .args(["batch", "status", "--journal", journal.to_str().unwrap()])
        .env_clear()
        .output()
        .unwrap();
    serde_json::from_slice(&status.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&status.stderr)))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_killed_three_times_ends_with_one_document_per_file_seed_1() {
    crash_and_resume(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_killed_three_times_ends_with_one_document_per_file_seed_2() {
    crash_and_resume(0x5eed_2026).await;
}

/// Two runs of the tool on one journal at once, as overlapping cron jobs start them: one does
/// the work, the other says the journal is in use and ends with 1; every file is sent once.
/// (Before: both sent every pending file.)
#[tokio::test(flavor = "multi_thread")]
async fn two_runs_of_the_tool_on_one_journal_send_each_file_once() {
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(50))
            .with_upload_time(Duration::from_millis(20)),
    );
    let server = fake.start().await;
    let folder = contractfit_tests::scratch("batch-twice");
    let files = folder.path().join("files");
    std::fs::create_dir(&files).unwrap();
    for i in 0..40 {
        std::fs::write(files.join(format!("f-{i:02}.pdf")), format!("%PDF {i}")).unwrap();
    }
    let journal = folder.path().join("batch.sqlite");
    let run = |resume| {
        let mut command = upload(&server.url(), &files, &journal, resume);
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    // The journal is made by a first run over nothing, so that both of these may resume it.
    let empty = folder.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    upload(&server.url(), &empty, &journal, false)
        .output()
        .unwrap();
    let (one, two) = tokio::join!(run(true), run(true));
    let (one, two) = (one.unwrap(), two.unwrap());
    // Each file once, whatever the order; and a run that overlapped another was refused
    // (unless, on a loaded machine, the second began after the first had ended).
    assert_eq!(fake.uploaded_documents(INBOX).len(), 40, "{one:?}\n{two:?}");
    for run in [&one, &two] {
        match run.status.code() {
            Some(0) => {}
            Some(1) => {
                let said = String::from_utf8_lossy(&run.stderr);
                assert!(said.contains("in use by another batch"), "{said}");
            }
            other => panic!("{other:?}: {run:?}"),
        }
    }
}

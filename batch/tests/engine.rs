//! The batch engine against the fake Contract.fit on loopback, through the generated client's
//! `batch` module: what happens to each file when answers are lost, refused or throttled.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use contractfit::batch::{Event, FailureKind, Journal, Source, State};
use contractfit::Client;
use contractfit_fake::{Behaviour, Fake, Fault, Route, Server};

const INBOX: &str = "inbox-1";

fn fake(behaviour: Behaviour) -> Fake {
    Fake::new(behaviour.with_processing_time(Duration::from_millis(30)))
}

fn client(server: &Server) -> Client {
    Client::builder()
        .base_url(server.url())
        .build()
        .expect("a client for the fake")
}

/// `count` small files with different contents, in a folder removed with the guard.
fn files(count: usize) -> (tempfile::TempDir, Vec<Source>) {
    let dir = tempfile::tempdir().unwrap();
    let sources = (0..count)
        .map(|i| {
            let path = dir.path().join(format!("invoice-{i:03}.pdf"));
            std::fs::write(&path, format!("%PDF invoice {i}")).unwrap();
            Source::path(path)
        })
        .collect();
    (dir, sources)
}

/// Each uploaded file name, with how many documents the server has of it.
fn copies(fake: &Fake) -> std::collections::BTreeMap<String, usize> {
    let mut names = std::collections::BTreeMap::new();
    for (_, name) in fake.uploaded_documents(INBOX) {
        *names.entry(name).or_insert(0) += 1;
    }
    names
}

/// One file uploaded (and waited for) with `fault` injected into its first upload; what the
/// fake then holds, and the summary.
async fn one_file_with(fault: Fault) -> (Fake, contractfit::batch::Summary) {
    let fake = fake(Behaviour::default());
    fake.inject(Route::Upload, fault, 1);
    let server = fake.start().await;
    let (_dir, sources) = files(1);
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .settle(Duration::from_millis(50))
        .wait(Duration::from_secs(30))
        .run(sources)
        .await
        .unwrap();
    (fake, summary)
}

#[tokio::test]
async fn an_upload_whose_answer_was_lost_is_found_on_the_server_not_sent_again() {
    // The server keeps the upload, then the connection drops before the answer.
    let (fake, summary) = one_file_with(Fault::ConnectionReset).await;
    assert_eq!(
        (summary.done, summary.found, summary.uploads_sent),
        (1, 1, 1)
    );
    assert_eq!(copies(&fake).values().copied().collect::<Vec<_>>(), [1]);
}

#[tokio::test]
async fn an_upload_refused_before_it_was_handled_is_looked_for_then_sent_again() {
    // 503: the server may or may not have kept it; here it did not.
    let (fake, summary) = one_file_with(Fault::Unavailable).await;
    assert_eq!(
        (summary.done, summary.found, summary.uploads_sent),
        (1, 0, 2)
    );
    assert_eq!(summary.throttled, 1, "a 503 slows the batch down");
    assert_eq!(copies(&fake).values().copied().collect::<Vec<_>>(), [1]);
    let listings = fake
        .journal()
        .iter()
        .filter(|r| r.path.ends_with("/paginated"))
        .count();
    assert_eq!(
        listings, 2,
        "looked twice, `settle` apart, before sending again"
    );
}

#[tokio::test]
async fn throttled_uploads_slow_the_batch_down_and_every_file_arrives_once() {
    // Every third upload is refused with 429 and `Retry-After: 1`.
    let fake = fake(Behaviour::default().with_throttled_uploads(3, 1));
    let server = fake.start().await;
    let (_dir, sources) = files(18);
    let throttles = Arc::new(Mutex::new(Vec::new()));
    let seen = throttles.clone();
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .concurrency(8)
        .wait(Duration::from_secs(30))
        .on_event(move |event| {
            if let Event::Throttled { concurrency, .. } = event {
                seen.lock().unwrap().push(*concurrency);
            }
        })
        .run(sources)
        .await
        .unwrap();
    assert_eq!(summary.done, 18, "{summary:?}");
    assert!(summary.throttled >= 6, "{summary:?}");
    assert!(summary.lowest_concurrency < 8, "{summary:?}");
    assert_eq!(copies(&fake).len(), 18);
    assert!(copies(&fake).values().all(|&n| n == 1));
    assert!(!throttles.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_same_content_under_another_name_is_a_duplicate_unless_asked() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, a, b, journal) = twins();
    let batch = || {
        client(&server)
            .upload_document_batch(INBOX)
            .journal(journal.clone())
    };
    let first = batch()
        .run([Source::path(&a), Source::path(&b)])
        .await
        .unwrap();
    assert_eq!((first.uploaded, first.duplicates), (1, 1));
    let entries = journal.entries().unwrap();
    assert_eq!(entries[1].state, State::Duplicate);
    assert_eq!(
        entries[1].duplicate_of.as_deref(),
        Some(a.to_str().unwrap())
    );
    let forced = batch()
        .upload_duplicates(true)
        .run([Source::path(&a), Source::path(&b)])
        .await
        .unwrap();
    assert_eq!(
        (forced.uploaded, forced.duplicates, forced.uploads_sent),
        (2, 0, 1)
    );
    assert_eq!(fake.uploaded_documents(INBOX).len(), 2);
}

#[tokio::test]
async fn failed_processing_and_refusals_are_kept_and_not_sent_again() {
    let fake = fake(Behaviour::default().with_failed_processing(true));
    let server = fake.start().await;
    let dir = tempfile::tempdir().unwrap();
    let (pdf, exe) = (dir.path().join("a.pdf"), dir.path().join("tool.exe"));
    std::fs::write(&pdf, "%PDF a").unwrap();
    std::fs::write(&exe, "MZ").unwrap();
    let journal = Journal::open(dir.path().join("journal.sqlite")).unwrap();
    let run = || async {
        client(&server)
            .upload_document_batch(INBOX)
            .journal(journal.clone())
            .wait(Duration::from_secs(30))
            .run([Source::path(&pdf), Source::path(&exe)])
            .await
            .unwrap()
    };
    let first = run().await;
    assert_eq!(first.failed, 2);
    let kinds: Vec<_> = journal
        .entries()
        .unwrap()
        .iter()
        .map(|e| (e.failure.as_ref().unwrap().kind, e.document_id.is_some()))
        .collect();
    assert_eq!(
        kinds,
        [
            (FailureKind::Processing, true),
            (FailureKind::Refused, false)
        ]
    );
    let entries = journal.entries().unwrap();
    let processed = entries[0].failure.as_ref().unwrap().body.clone().unwrap();
    assert!(
        String::from_utf8_lossy(&processed).contains("\"success\":false"),
        "the processed document is kept"
    );
    let again = run().await;
    assert_eq!((again.uploads_sent, again.earlier, again.failed), (0, 2, 2));
}

#[tokio::test]
async fn a_stopped_batch_finishes_its_uploads_in_flight_and_a_resumed_one_the_rest() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (dir, sources) = files(20);
    let journal = Journal::open(dir.path().join("journal.sqlite")).unwrap();
    // Stop as the third upload is acknowledged.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stop = Mutex::new(Some(stop));
    let acknowledged = std::sync::atomic::AtomicUsize::new(0);
    let first = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .concurrency(2)
        .on_event(move |event| {
            if let Event::Uploaded { .. } = event {
                if acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
                    if let Some(stop) = stop.lock().unwrap().take() {
                        let _ = stop.send(());
                    }
                }
            }
        })
        .stop_on(async {
            let _ = stopped.await;
        })
        .run(sources)
        .await
        .unwrap();
    assert!(first.stopped, "{first:?}");
    assert!(first.not_started > 0, "{first:?}");
    assert_eq!(
        first.uploaded,
        fake.uploaded_documents(INBOX).len(),
        "every upload sent was acknowledged and journaled: {first:?}"
    );
    assert_eq!(journal.counts().unwrap().uploading, 0);
    // Resumed without naming the files: the journal's, read again from their paths.
    let second = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .run(Vec::new())
        .await
        .unwrap();
    assert_eq!(
        (second.uploaded, second.earlier),
        (20, first.uploaded),
        "{second:?}"
    );
    assert_eq!(fake.uploaded_documents(INBOX).len(), 20);
}

#[tokio::test]
async fn a_wait_that_runs_out_leaves_the_file_uploaded_for_the_next_run() {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_millis(800)));
    let server = fake.start().await;
    let (dir, sources) = files(1);
    let journal = Journal::open(dir.path().join("journal.sqlite")).unwrap();
    let batch = |max_wait| {
        client(&server)
            .upload_document_batch(INBOX)
            .journal(journal.clone())
            .wait(max_wait)
            .run(sources.clone())
    };
    let first = batch(Duration::from_millis(1)).await.unwrap();
    assert_eq!((first.uploaded, first.unfinished), (1, 1), "{first:?}");
    assert!(!first.is_complete());
    let entry = &journal.entries().unwrap()[0];
    assert_eq!(
        entry.failure.as_ref().unwrap().kind,
        FailureKind::Unfinished
    );
    let second = batch(Duration::from_secs(30)).await.unwrap();
    assert_eq!((second.done, second.uploads_sent), (1, 0), "{second:?}");
    assert!(second.is_complete());
}

#[tokio::test]
async fn a_file_given_twice_is_uploaded_once() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, sources) = files(1);
    let twice = [sources[0].clone(), sources[0].clone()];
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .run(twice)
        .await
        .unwrap();
    assert_eq!(
        (summary.files, summary.uploaded, summary.uploads_sent),
        (1, 1, 1)
    );
    assert_eq!(fake.uploaded_documents(INBOX).len(), 1);
}

#[tokio::test]
async fn a_journal_refuses_another_inbox() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite");
    let empty: Vec<Source> = Vec::new();
    client(&server)
        .upload_document_batch(INBOX)
        .journal(Journal::open(&path).unwrap())
        .run(empty.clone())
        .await
        .unwrap();
    let error = client(&server)
        .upload_document_batch("inbox-2")
        .journal(Journal::open(&path).unwrap())
        .run(empty)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("inbox-1"), "{error}");
}

/// Two files of one content, `a.pdf` and `b.pdf`, and a journal beside them, in a folder
/// removed with the guard.
fn twins() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    Journal,
) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    std::fs::write(&a, "%PDF same").unwrap();
    std::fs::write(&b, "%PDF same").unwrap();
    let journal = Journal::open(dir.path().join("journal.sqlite")).unwrap();
    (dir, a, b, journal)
}

/// Whether some upload the fake received holds `content`.
fn received(fake: &Fake, content: &[u8]) -> bool {
    fake.upload_bodies()
        .iter()
        .any(|body| body.windows(content.len()).any(|w| w == content))
}

/// Two files with one name and two contents are two files. (Before: registering the second
/// deleted the first's row; the first was sent, then its journal row was missing and the run
/// ended with an error, and the journal said one file, done.)
#[tokio::test]
async fn two_files_of_one_name_are_two_files() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let sources = [
        Source::bytes("invoice.pdf", &b"%PDF A"[..]),
        Source::bytes("invoice.pdf", &b"%PDF B"[..]),
    ];
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .wait(Duration::from_secs(30))
        .run(sources)
        .await
        .unwrap();
    assert_eq!((summary.files, summary.done), (2, 2), "{summary:?}");
    assert!(received(&fake, b"%PDF A") && received(&fake, b"%PDF B"));
}

/// A duplicate stands for its content only while another file carries it: when the original
/// fails in a way a later run would retry, the duplicate is sent in its place (and the original
/// becomes its duplicate), and an original that then changes is a new file. (Before: the
/// duplicate stayed a duplicate of a file that never got through, its content was never sent,
/// and once the original had changed the batch ended complete.)
#[tokio::test]
async fn a_duplicate_is_sent_when_its_original_does_not_get_through() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, a, b, journal) = twins();
    let sources = || [Source::path(&a), Source::path(&b)];
    // The server refuses uploads with 429 until a gives up.
    fake.inject(Route::Upload, Fault::TooManyRequests { retry_after: 0 }, 10);
    let ends = Arc::new(Mutex::new(Vec::new()));
    let seen = ends.clone();
    let first = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .on_event(move |event| {
            if let Event::Finished { entry, .. } = event {
                seen.lock()
                    .unwrap()
                    .push((entry.source.clone(), entry.state));
            }
        })
        .run(sources())
        .await
        .unwrap();
    // Each file ends once, as it stands at the end (before: b was told twice, duplicate then
    // uploaded, and a as failed though it ended a duplicate).
    let mut ends = ends.lock().unwrap().clone();
    ends.sort_by(|x, y| x.0.cmp(&y.0));
    let expected = [
        (a.display().to_string(), State::Duplicate),
        (b.display().to_string(), State::Uploaded),
    ];
    assert_eq!(ends, expected);
    assert_eq!(fake.uploaded_documents(INBOX).len(), 1);
    assert!(received(&fake, b"%PDF same"), "{first:?}");
    assert_eq!(
        (first.uploaded, first.duplicates, first.failed),
        (1, 1, 0),
        "{first:?}"
    );
    std::fs::write(&a, "%PDF changed").unwrap();
    let second = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .run(sources())
        .await
        .unwrap();
    assert!(received(&fake, b"%PDF changed"), "{second:?}");
    assert_eq!(fake.uploaded_documents(INBOX).len(), 2, "{second:?}");
    assert!(second.is_complete(), "{second:?}");
}

/// A file that changes after it was read is not sent as content the journal never saw: it is
/// checked as it is sent, and the request is cut off before it is whole. (Before: the new
/// content went out under the old fingerprint, and the next run, seeing new content, sent it
/// again.)
#[tokio::test]
async fn a_file_changed_between_reading_and_sending_is_not_sent_as_unseen_content() {
    // Longer (caught by its length, before a byte is sent), and the same length (caught by its
    // hash, before the request is whole).
    for changed in ["%PDF second, longer", "%PDF FIRST"] {
        let fake = fake(Behaviour::default());
        let server = fake.start().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scan.pdf");
        std::fs::write(&path, "%PDF first").unwrap();
        let journal = Journal::open(dir.path().join("journal.sqlite")).unwrap();
        let changing = path.clone();
        let first = client(&server)
            .upload_document_batch(INBOX)
            .journal(journal.clone())
            .on_event(move |event| {
                if let Event::Planned { .. } = event {
                    std::fs::write(&changing, changed).unwrap();
                }
            })
            .run([Source::path(&path)])
            .await
            .unwrap();
        // The attempt was refused before its request was whole: the server kept nothing.
        assert_eq!(
            (first.uploads_sent, first.failed),
            (1, 1),
            "{changed}: {first:?}"
        );
        assert!(fake.uploaded_documents(INBOX).is_empty(), "{changed}");
        let failure = journal.entries().unwrap()[0].failure.clone().unwrap();
        assert_eq!(failure.kind, FailureKind::File);
        assert!(
            failure.message.contains("changed since it was read"),
            "{changed}: {failure:?}"
        );
        let second = client(&server)
            .upload_document_batch(INBOX)
            .journal(journal.clone())
            .run([Source::path(&path)])
            .await
            .unwrap();
        assert_eq!((second.uploads_sent, second.uploaded), (1, 1), "{second:?}");
        assert_eq!(fake.uploaded_documents(INBOX).len(), 1);
        assert!(received(&fake, changed.as_bytes()));
    }
}

/// A duplicate whose original changed before it was sent, and whose own file is gone, fails as
/// a file that cannot be read: not left standing for content nobody sends. (Before: it stayed
/// a duplicate and the run was complete.)
#[tokio::test]
async fn a_duplicate_that_cannot_be_sent_fails() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, a, b, journal) = twins();
    client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .stop_on(std::future::ready(()))
        .run([Source::path(&a), Source::path(&b)])
        .await
        .unwrap();
    std::fs::write(&a, "%PDF changed").unwrap();
    std::fs::remove_file(&b).unwrap();
    let second = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .run([Source::path(&a)])
        .await
        .unwrap();
    assert!(!second.is_complete(), "{second:?}");
    let b_row = journal
        .entries()
        .unwrap()
        .into_iter()
        .find(|e| e.source == b.display().to_string())
        .unwrap();
    assert_eq!(b_row.state, State::Failed, "{b_row:?}");
    assert_eq!(b_row.failure.unwrap().kind, FailureKind::File);
}

/// Two batches on one journal at once (overlapping cron jobs): the second is refused, and
/// every file is sent once. (Before: both sent every pending file.)
#[tokio::test]
async fn two_batches_on_one_journal_do_not_both_send() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (dir, sources) = files(20);
    let path = dir.path().join("journal.sqlite");
    let batch = || {
        client(&server)
            .upload_document_batch(INBOX)
            .journal(Journal::open(&path).unwrap())
            .run(sources.clone())
    };
    let (one, two) = tokio::join!(batch(), batch());
    let refused = [&one, &two].iter().filter(|r| r.is_err()).count();
    assert_eq!(refused, 1, "{one:?} {two:?}");
    let error = one
        .as_ref()
        .err()
        .or(two.as_ref().err())
        .unwrap()
        .to_string();
    assert!(error.contains("in use by another batch"), "{error}");
    assert_eq!(fake.uploaded_documents(INBOX).len(), 20);
    // The lock goes with the run.
    batch().await.unwrap();
}

/// One file that cannot be read fails alone; the others are sent. (Before: the whole batch
/// ended with `cannot read …` before anything was sent.)
#[tokio::test]
async fn an_unreadable_file_fails_alone() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (dir, mut sources) = files(3);
    sources.insert(1, Source::path(dir.path().join("missing.pdf")));
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .run(sources)
        .await
        .unwrap();
    assert_eq!((summary.uploaded, summary.failed), (3, 1), "{summary:?}");
    assert_eq!(summary.not_started, 0, "{summary:?}");
    assert_eq!(fake.uploaded_documents(INBOX).len(), 3);
}

/// A stop that has come before the batch starts stops it before anything is sent. (Before:
/// the stop was awaited on a task of its own, and the batch had sent an upload by the time
/// that task ran.)
#[tokio::test]
async fn a_batch_stopped_before_it_starts_sends_nothing() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, sources) = files(3);
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .stop_on(std::future::ready(()))
        .run(sources)
        .await
        .unwrap();
    assert_eq!(
        (summary.uploads_sent, summary.not_started),
        (0, 3),
        "{summary:?}"
    );
    assert!(summary.stopped);
}

/// In an inbox others upload to, a document of the file's name that someone else uploaded is
/// not taken for the file's lost upload: its content is not the file's. (Before: the one
/// unclaimed document of that name was adopted, and the file was never sent.)
#[tokio::test]
async fn a_namesake_uploaded_by_someone_else_is_not_taken_for_a_lost_upload() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, sources) = files(1);
    // Someone else's upload, of the same name and other content.
    client(&server)
        .upload_document(
            INBOX,
            contractfit::FilePart::from_bytes(&b"%PDF theirs"[..]).file_name("invoice-000.pdf"),
        )
        .sync(false)
        .send()
        .await
        .unwrap();
    // Ours is refused with 503 (not kept), and looked for before it is sent again.
    fake.inject(Route::Upload, Fault::Unavailable, 1);
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .settle(Duration::from_millis(50))
        .run(sources)
        .await
        .unwrap();
    assert_eq!(
        (summary.found, summary.uploads_sent, summary.uploaded),
        (0, 2, 1),
        "{summary:?}"
    );
    assert!(received(&fake, b"%PDF invoice 0"));
    assert_eq!(fake.uploaded_documents(INBOX).len(), 2, "theirs and ours");
}

/// A duplicate not given again is sent when its original changed before it was sent: its
/// content is still on disk at its path. (Before: it was never promoted, stayed a duplicate of
/// a file that now had other content, and the run ended complete with the content unsent.)
#[tokio::test]
async fn a_duplicate_not_given_again_is_sent_when_its_original_changed() {
    let fake = fake(Behaviour::default());
    let server = fake.start().await;
    let (_dir, a, b, journal) = twins();
    let first = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .stop_on(std::future::ready(()))
        .run([Source::path(&a), Source::path(&b)])
        .await
        .unwrap();
    assert_eq!((first.uploads_sent, first.duplicates), (0, 1), "{first:?}");
    std::fs::write(&a, "%PDF changed").unwrap();
    let second = client(&server)
        .upload_document_batch(INBOX)
        .journal(journal.clone())
        .run([Source::path(&a)])
        .await
        .unwrap();
    assert!(received(&fake, b"%PDF changed"), "{second:?}");
    assert!(received(&fake, b"%PDF same"), "{second:?}");
    assert_eq!(fake.uploaded_documents(INBOX).len(), 2, "{second:?}");
}

/// A file whose name has quotes goes out with them percent-encoded, and the server keeps that
/// name: a lost upload of it is found under it. (Before: the search compared the name as given,
/// found nothing, and sent the file again.)
#[tokio::test]
async fn a_lost_upload_of_a_name_with_quotes_is_found() {
    let fake = fake(Behaviour::default());
    fake.inject(Route::Upload, Fault::ConnectionReset, 1);
    let server = fake.start().await;
    let summary = client(&server)
        .upload_document_batch(INBOX)
        .settle(Duration::from_millis(50))
        .run([Source::bytes("Invoice \"March\".pdf", &b"%PDF march"[..])])
        .await
        .unwrap();
    assert_eq!((summary.found, summary.uploads_sent), (1, 1), "{summary:?}");
    let names: Vec<String> = fake
        .uploaded_documents(INBOX)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(names, ["Invoice %22March%22.pdf"]);
}

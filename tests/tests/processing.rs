//! Asynchronous processing against the fake Contract.fit server: upload-and-wait, the
//! document_processed waiter in every outcome, and pagination; plus the overlay itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use contractfit::runtime::{AcceptorState, WaitFailure};
use contractfit::{Error, FilePart};
use contractfit_fake::{Behaviour, Fake, Fault, Route};
use contractfit_tests::server::FakeClient;
use futures::{StreamExt, TryStreamExt};

#[tokio::test]
async fn upload_and_wait_returns_the_processed_document() {
    let fake = Fake::new(Behaviour::default());
    let running = fake.start().await;
    let started = Instant::now();
    let document = running
        .client()
        .upload_document(
            "inbox-1",
            FilePart::from_bytes(&b"%PDF-1.7 invoice"[..]).file_name("invoice.pdf"),
        )
        .send_and_wait(Duration::from_secs(20))
        .await
        .unwrap()
        .body;
    assert_eq!(document.original_filename, "invoice.pdf");
    assert!(document.timings.unwrap().done_time.is_some());
    assert_eq!(
        document.prediction.unwrap()["total_amount"][0]["value"],
        "42.00"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "it waited for processing"
    );
    assert_eq!(fake.uploads(), 1);
    let body = &fake.upload_bodies()[0];
    let needle = b"name=\"sync\"\r\n\r\nfalse\r\n";
    assert!(
        body.windows(needle.len()).any(|w| w == needle),
        "uploaded with sync=false"
    );
}

#[tokio::test]
async fn failed_processing_is_a_failure_that_keeps_the_id_and_the_document() {
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(200))
            .with_failed_processing(true),
    );
    let running = fake.start().await;
    let err = running
        .client()
        .upload_document("inbox-1", FilePart::from_bytes(&b"%PDF"[..]))
        .send_and_wait(Duration::from_secs(20))
        .await
        .unwrap_err();
    assert_eq!(err.id(), Some("doc-000000"));
    let WaitFailure::Failed { body, status, .. } = err.reason() else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 200);
    let last: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(last["status_data"]["success"], false);
    assert!(err.to_string().contains("doc-000000"), "{err}");
}

#[tokio::test]
async fn a_missing_document_fails_the_wait_at_once() {
    let fake = Fake::new(Behaviour::default());
    let running = fake.start().await;
    let err = running
        .client()
        .wait_until_document_processed("no-such-document", Duration::from_secs(20))
        .send()
        .await
        .unwrap_err();
    assert!(
        err.polls() == 1
            && matches!(err.reason(), WaitFailure::Failed { status, .. } if *status == 404),
        "{err:?}"
    );
}

#[tokio::test]
async fn max_wait_is_never_overrun_and_the_last_poll_comes_just_before_it() {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_secs(3600)));
    fake.seed_inbox("unused", 0);
    let running = fake.start().await;
    let uploaded = running
        .client()
        .upload_document("inbox-1", FilePart::from_bytes(&b"%PDF"[..]))
        .sync(false)
        .send()
        .await
        .unwrap();
    let id = uploaded.body.id;
    let max_wait = Duration::from_millis(2500);
    let started = Instant::now();
    let sent: Arc<std::sync::Mutex<Vec<Duration>>> = Arc::default();
    let record = sent.clone();
    let err = running
        .client()
        .wait_until_document_processed(id.clone(), max_wait)
        .on_progress(move |state| {
            assert_eq!(state.state, AcceptorState::Retry);
            assert!(state.sent_at <= state.elapsed);
            record.lock().unwrap().push(state.sent_at);
        })
        .send()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let (polls, reported) = (&err.polls(), &err.elapsed());
    let WaitFailure::TimedOut { last, .. } = err.reason() else {
        panic!("{err:?}")
    };
    let sent = sent.lock().unwrap().clone();
    assert_eq!(
        *polls as usize,
        fake.polls(&id).len(),
        "poll count is right"
    );
    assert_eq!(*polls as usize, sent.len(), "progress saw every poll");
    assert!(*polls >= 3, "polled until the deadline: {polls}");
    assert!(
        *reported >= Duration::from_millis(2300) && *reported <= elapsed,
        "{reported:?}"
    );
    assert!(
        elapsed < max_wait + Duration::from_millis(400),
        "returned at the deadline: {elapsed:?}"
    );
    let last_sent = *sent.last().unwrap();
    assert!(
        last_sent < max_wait,
        "no poll after the deadline: sent at {sent:?}"
    );
    assert!(
        last_sent >= max_wait - Duration::from_millis(400),
        "a last poll just before the deadline: sent at {sent:?}"
    );
    assert!(last.is_some(), "the last document is kept");
}

#[tokio::test]
async fn retry_after_stretches_the_polling_interval() {
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(2500))
            .with_retry_after(Some(2)),
    );
    let running = fake.start().await;
    let id = running
        .client()
        .upload_document("inbox-1", FilePart::from_bytes(&b"%PDF"[..]))
        .sync(false)
        .send()
        .await
        .unwrap()
        .body
        .id;
    running
        .client()
        .wait_until_document_processed(id.clone(), Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    let polls = fake.polls(&id);
    assert!(polls.len() >= 2);
    for pair in polls.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(1950),
            "polled again after {gap:?}, before Retry-After"
        );
    }
}

#[tokio::test]
async fn pagination_walks_every_page_and_stops_at_the_last() {
    let fake = Fake::new(Behaviour::default());
    fake.seed_inbox("big", 95);
    fake.seed_inbox("other", 3);
    let running = fake.start().await;
    let client = running.client();

    let before = fake.requests();
    // The streams are Unpin: a plain loop over `next()` needs no `pin!`.
    let mut stream = client
        .list_inbox_documents_paginated("big")
        .per_page(20)
        .pages();
    let mut pages = Vec::new();
    while let Some(page) = stream.next().await {
        pages.push(page.unwrap());
    }
    assert_eq!(pages.len(), 5);
    assert_eq!(fake.requests() - before, 5, "no request past the last page");
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.body.results.as_ref().unwrap().len())
        .collect();
    assert_eq!(sizes, [20, 20, 20, 20, 15]);

    let documents: Vec<_> = client
        .list_inbox_documents_paginated("big")
        .per_page(20)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(documents.len(), 95);
    let mut ids: Vec<_> = documents.iter().map(|d| d.id.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 95, "no document twice");
    assert!(documents.iter().all(|d| d.inbox == "big"));

    // Without a page size the total decides where to stop; an empty inbox is one empty page.
    let all = client
        .list_inbox_documents_paginated("other")
        .items()
        .count()
        .await;
    assert_eq!(all, 3);
    let none = client
        .list_inbox_documents_paginated("empty")
        .pages()
        .count()
        .await;
    assert_eq!(none, 1);
}

/// A required field the server sends as `null` (Flask-RESTX marshals an unset attribute so)
/// makes that item an error naming its place and field; the page's other items, and the pages
/// after it, are read. (Before: the whole page failed to decode and `items()` ended there, so one
/// odd document hid every other from everyone listing the inbox.)
#[tokio::test]
async fn a_null_required_field_spoils_one_item_not_the_page() {
    let fake = Fake::new(Behaviour::default());
    fake.seed_inbox("odd", 5);
    fake.inject(
        Route::Paginated,
        Fault::Null("/results/1/original_filename"),
        1,
    );
    let running = fake.start().await;
    let items: Vec<_> = running
        .client()
        .list_inbox_documents_paginated("odd")
        .per_page(3)
        .items()
        .collect()
        .await;
    let read: Vec<_> = items.iter().map(Result::is_ok).collect();
    assert_eq!(read, [true, false, true, true, true], "{items:?}");
    let Err(Error::Decode(bad)) = &items[1] else {
        panic!("{:?}", items[1]);
    };
    assert_eq!(bad.path, "results[1].original_filename");
    assert_eq!(bad.context.operation, "list_inbox_documents_paginated");
    assert!(
        bad.to_string().contains("results[1].original_filename"),
        "{bad}"
    );
    assert!(bad.body.len() > 100, "the page's body is kept");
}

/// A document still being processed has no page count yet (`null`, as the API sends it): it is
/// read, by the typed call and in a listing, and it can be waited for.
#[tokio::test]
async fn a_document_being_processed_reads_and_can_be_waited_for() {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_millis(600)));
    let running = fake.start().await;
    let client = running.client();
    let uploaded = client
        .upload_document("inbox-1", FilePart::from_bytes(&b"%PDF"[..]))
        .sync(false)
        .send()
        .await
        .unwrap()
        .body;
    let document = client
        .get_document(uploaded.id.as_str())
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(document.page_count, None);
    let listed: Vec<_> = client
        .list_inbox_documents_paginated("inbox-1")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed[0].page_count, None);
    let processed = client
        .wait_until_document_processed(uploaded.id.as_str(), Duration::from_secs(20))
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(processed.page_count, Some(1));
}

#[test]
fn the_overlay_applies_every_action_and_reports_it() {
    let root = contractfit_tests::root();
    let config = contractfit_codegen::Config::new(root.join("spec/contract-fit.yaml"))
        .overlay(root.join("spec/overlay.yaml"));
    let (api, applied, _) = contractfit_codegen::model_of(&config).unwrap();
    assert!(applied.iter().all(|a| !a.matched.is_empty()));
    let get_document = api
        .operations
        .iter()
        .find(|o| o.name == "get_document")
        .unwrap();
    assert_eq!(
        get_document.operation_id.as_deref(),
        Some("get_document_delete_resource")
    );
    assert_eq!(get_document.waiters[0].name, "document_processed");
    let upload = api
        .operations
        .iter()
        .find(|o| o.name == "upload_document")
        .unwrap();
    assert_eq!(
        upload.upload_wait.as_ref().unwrap().operation,
        "get_document"
    );
    let listing = api
        .operations
        .iter()
        .find(|o| o.name == "list_inbox_documents_paginated")
        .unwrap();
    assert_eq!(listing.paginator.as_ref().unwrap().items_field, "results");
}

#[test]
fn an_overlay_target_that_matches_nothing_stops_generation() {
    let root = contractfit_tests::root();
    let dir = contractfit_tests::scratch("overlay");
    let overlay = dir.path().join("stale.yaml");
    std::fs::write(
        &overlay,
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: \"$.paths['/gone'].get\"\n    update: {x-contractfit-name: gone}\n",
    )
    .unwrap();
    let config =
        contractfit_codegen::Config::new(root.join("spec/contract-fit.yaml")).overlay(&overlay);
    let err = contractfit_codegen::generate(&config)
        .unwrap_err()
        .to_string();
    assert!(err.contains("stale.yaml at /actions/0/target"), "{err}");
    assert!(err.contains("matches nothing"), "{err}");
}

/// The README's example program, run as a user would, against the fake server.
#[tokio::test]
async fn the_example_program_uploads_waits_and_prints_the_prediction() {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_millis(300)));
    let running = fake.start().await;
    let dir = contractfit_tests::scratch("example");
    let file = dir.path().join("invoice.pdf");
    std::fs::write(&file, b"%PDF-1.7 example").unwrap();
    let run = |extra_env: &[(&str, &str)]| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_upload-and-wait"));
        command
            .args(["--max-wait", "30", "inbox-1"])
            .arg(&file)
            .env("CONTRACTFIT_BASE_URL", running.url())
            .env_remove("CONTRACTFIT_TOKEN")
            .env_remove("CONTRACTFIT_API_KEY")
            .env_remove("CONTRACTFIT_USERNAME")
            .env_remove("CONTRACTFIT_PASSWORD")
            .envs(extra_env.iter().copied());
        command
    };
    let output = tokio::task::spawn_blocking({
        let mut command = run(&[("CONTRACTFIT_API_KEY", "key-123")]);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("\"value\": \"42.00\""), "{stdout}");
    assert!(stderr.contains("document doc-000000 processed"), "{stderr}");
    assert_eq!(fake.uploads(), 1);

    let output = tokio::task::spawn_blocking({
        let mut command = run(&[]);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "no credentials is a usage error"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("CONTRACTFIT_API_KEY"));
}

/// Reprocessing, then waiting, against a server that keeps the previous result until the new
/// one is ready (as the API may): a plain wait takes the previous result for the new one; the
/// reprocess call's `send_and_wait` waits for a newer `done_time`.
#[tokio::test]
async fn reprocess_and_wait_never_takes_the_previous_result() {
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(1200))
            .with_result_kept_while_reprocessing(true),
    );
    let running = fake.start().await;
    let client = running.client();
    let first = client
        .upload_document("inbox-1", FilePart::from_bytes(&b"%PDF"[..]))
        .send_and_wait(Duration::from_secs(20))
        .await
        .unwrap()
        .body;
    let first_done = first.timings.unwrap().done_time.unwrap();

    // The hazard: right after a reprocess request, a plain wait sees the old result at once.
    client
        .reprocess_document(first.id.as_str())
        .send()
        .await
        .unwrap();
    let stale = client
        .wait_until_document_processed(first.id.as_str(), Duration::from_secs(20))
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(stale.timings.unwrap().done_time, Some(first_done.clone()));
    // Let that processing end, so that the next one starts from a finished document.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second_done = client
        .get_document(first.id.as_str())
        .send()
        .await
        .unwrap()
        .body
        .timings
        .unwrap()
        .done_time
        .unwrap();
    assert_ne!(second_done, first_done);

    let started = std::time::Instant::now();
    let fresh = client
        .reprocess_document(first.id.as_str())
        .send_and_wait(Duration::from_secs(20))
        .await
        .unwrap()
        .body;
    let fresh_done = fresh.timings.unwrap().done_time.unwrap();
    assert!(
        fresh_done != second_done && fresh_done != first_done,
        "a newer result: {fresh_done:?}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "it waited for the new processing"
    );
}

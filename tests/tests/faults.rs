//! End to end against the fake Contract.fit server with faults injected: for each, the client's
//! observable result is the right one (retried and succeeded, or the right typed error), no
//! upload is duplicated (the fake counts the documents it creates), no credential goes where it
//! must not, and upload-and-wait ends with the document or an error carrying its id.

use std::time::Duration;

use contractfit::runtime::{TimeoutKind, WaitFailure};
use contractfit::{Client, Credentials, Error, FilePart, RetryPolicy};
use contractfit_fake::{credentials as fake, Behaviour, Fake, Fault, Route};
use contractfit_tests::server::Scripted;

const MAX_WAIT: Duration = Duration::from_secs(20);

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .base_delay(Duration::from_millis(50))
        .max_delay(Duration::from_millis(200))
}

fn client(server: &contractfit_fake::Server, credentials: Credentials) -> Client {
    Client::builder()
        .base_url(server.url())
        .credentials(credentials)
        .retry(quick_retries())
        .attempt_timeout(Duration::from_millis(800))
        .build()
        .unwrap()
}

fn basic() -> Credentials {
    Credentials::basic(fake::USERNAME, fake::PASSWORD)
}

fn secured(processing_time: Duration) -> Fake {
    Fake::new(
        Behaviour::default()
            .with_processing_time(processing_time)
            .with_required_auth(true),
    )
}

fn pdf() -> FilePart {
    FilePart::from_bytes(&b"%PDF-1.7 invoice"[..]).file_name("invoice.pdf")
}

#[tokio::test]
async fn every_credential_kind_uploads_and_waits() {
    let fake = secured(Duration::from_millis(300));
    let running = fake.start().await;
    let kinds = [
        basic(),
        Credentials::token(fake::CALLER_TOKEN),
        Credentials::api_key(fake::API_KEY),
        Credentials::api_key_in_query(fake::API_KEY),
        Credentials::login(fake::USERNAME, fake::PASSWORD),
    ];
    for (i, credentials) in kinds.into_iter().enumerate() {
        let what = format!("{credentials:?}");
        let document = client(&running, credentials)
            .upload_document("inbox", pdf())
            .send_and_wait(MAX_WAIT)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(document.body.id, format!("doc-{i:06}"));
    }
    assert_eq!(fake.unauthorized(), 0);
    assert_eq!(fake.logins(), 1);
    assert_eq!(fake.documents_uploaded(), 5);

    let err = client(&running, Credentials::api_key("wrong"))
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap_err();
    assert!(
        matches!(err.reason(), WaitFailure::Call(e) if e.status() == Some(401.try_into().unwrap())),
        "{err:?}"
    );
    assert_eq!(fake.documents_uploaded(), 5);

    // The journal has every request, each kind of credential among them, and no secret.
    let journal = fake.journal();
    let logins: Vec<_> = journal.iter().filter(|r| r.path == "/auth").collect();
    assert_eq!(logins.len(), 1);
    assert!(logins[0].body.contains(contractfit_fake::REDACTED));
    assert!(journal
        .iter()
        .any(|r| r.query("api_key") == Some(contractfit_fake::REDACTED)));
    assert!(journal
        .iter()
        .any(|r| r.header("x-api-key") == Some(contractfit_fake::REDACTED)));
    let everything = format!("{journal:?}");
    for secret in [fake::PASSWORD, fake::API_KEY, fake::CALLER_TOKEN, "wrong"] {
        assert!(!everything.contains(secret), "{secret} is in the journal");
    }
    let last = journal.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("POST", "/documents/inbox")
    );
    assert!(last.body.starts_with("multipart: "), "{}", last.body);
}

#[tokio::test]
async fn tokens_that_expire_during_a_wait_are_renewed() {
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_secs(3))
            .with_required_auth(true)
            // Inside the refresh margin: every call logs in again before it is sent.
            .with_token_lifetime(contractfit::runtime::REFRESH_MARGIN + Duration::from_secs(1)),
    );
    let running = fake.start().await;
    client(&running, Credentials::login(fake::USERNAME, fake::PASSWORD))
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap();
    assert_eq!(
        fake.unauthorized(),
        0,
        "no call went out with an expired token"
    );
    assert!(
        fake.logins() >= 2,
        "the token was renewed: {} logins",
        fake.logins()
    );
}

#[tokio::test]
async fn too_many_requests_on_upload_is_retried_once_processed() {
    let fake = secured(Duration::from_millis(200));
    fake.inject(Route::Upload, Fault::TooManyRequests { retry_after: 1 }, 1);
    let running = fake.start().await;
    let started = std::time::Instant::now();
    client(&running, basic())
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(fake.uploads(), 2);
    assert_eq!(fake.documents_uploaded(), 1, "no duplicate");
}

#[tokio::test]
async fn unavailable_upload_is_not_repeated_and_polls_ride_out_a_burst() {
    let fake = secured(Duration::from_millis(200));
    fake.inject(Route::Upload, Fault::Unavailable, 1);
    let running = fake.start().await;
    let client = client(&running, basic());
    let err = client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap_err();
    let WaitFailure::Call(upload) = err.reason() else {
        panic!("{err:?}")
    };
    assert_eq!(upload.status(), Some(503.try_into().unwrap()));
    assert_eq!(err.id(), None);
    assert_eq!(
        fake.uploads(),
        1,
        "a POST that may have been processed is not repeated"
    );

    fake.inject(Route::GetDocument, Fault::Unavailable, 2);
    client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap();
    assert_eq!(fake.documents_uploaded(), 1);
}

#[tokio::test]
async fn connection_reset_is_retried_for_polls_and_reported_for_uploads() {
    let fake = secured(Duration::from_millis(200));
    fake.inject(Route::GetDocument, Fault::ConnectionReset, 1);
    let running = fake.start().await;
    let client = client(&running, basic());
    client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap();

    // The upload went through, but its answer was lost: an error, never a second upload.
    fake.inject(Route::Upload, Fault::ConnectionReset, 1);
    let err = client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap_err();
    assert!(
        matches!(err.reason(), WaitFailure::Call(Error::Transport { .. })),
        "{err:?}"
    );
    assert_eq!(fake.uploads(), 2);
    assert_eq!(
        fake.documents_uploaded(),
        2,
        "exactly one document per upload call"
    );
}

#[tokio::test]
async fn slow_answers_time_out_and_are_retried() {
    let fake = secured(Duration::from_millis(200));
    fake.inject(Route::GetDocument, Fault::Slow(Duration::from_secs(3)), 1);
    let running = fake.start().await;
    let client = client(&running, basic());
    client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap();

    // A slow upload: the client gives up on the answer and does not send it again.
    fake.inject(Route::Upload, Fault::Slow(Duration::from_secs(3)), 1);
    let err = client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.reason(),
            WaitFailure::Call(Error::Timeout {
                kind: TimeoutKind::Attempt,
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(fake.uploads(), 2);
}

#[tokio::test]
async fn truncated_bodies_are_retried_for_idempotent_calls() {
    let fake = secured(Duration::from_millis(0));
    fake.seed_inbox("inbox", 3);
    fake.inject(Route::GetDocument, Fault::TruncatedBody, 1);
    fake.inject(Route::Paginated, Fault::TruncatedBody, 1);
    let running = fake.start().await;
    let client = client(&running, basic());
    let document = client.get_document("inbox-doc-0001").send().await.unwrap();
    assert_eq!(document.body.id, "inbox-doc-0001");
    assert_eq!(fake.polls("inbox-doc-0001").len(), 2);
    let page = client
        .list_inbox_documents_paginated("inbox")
        .send()
        .await
        .unwrap();
    assert_eq!(page.body.total, Some(3));

    // Without retries, the caller sees a transport error, not a decode error or a panic.
    let once = Client::builder()
        .base_url(running.url())
        .credentials(basic())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    fake.inject(Route::GetDocument, Fault::TruncatedBody, 1);
    let err = once
        .get_document("inbox-doc-0001")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_and_a_wait_polls_on() {
    let fake = secured(Duration::from_millis(0));
    fake.seed_inbox("inbox", 1);
    fake.inject(Route::GetDocument, Fault::MalformedJson, 1);
    let running = fake.start().await;
    let client = client(&running, basic());
    let err = client
        .get_document("inbox-doc-0000")
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(decode.body.starts_with(b"{\"id\""), "the raw body is kept");

    fake.inject(Route::GetDocument, Fault::MalformedJson, 1);
    let document = client
        .wait_until_document_processed("inbox-doc-0000", MAX_WAIT)
        .send()
        .await
        .unwrap();
    assert_eq!(document.body.id, "inbox-doc-0000");
}

#[tokio::test]
async fn enum_values_the_client_does_not_know_are_kept() {
    use contractfit::types::ConnectionModelPostEvent;
    let fake = secured(Duration::from_millis(0));
    let running = fake.start().await;
    let connections = client(&running, basic())
        .list_connections()
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(
        connections[0].event,
        ConnectionModelPostEvent::DocumentPredict
    );
    assert!(matches!(
        connections[1].event,
        ConnectionModelPostEvent::Unknown(_)
    ));
    assert_eq!(connections[1].event.as_str(), "document_archived");
    assert_eq!(connections[1].what.as_str(), "hologram");
    let again = serde_json::to_value(&connections[1]).unwrap();
    assert_eq!(
        again["event"], "document_archived",
        "written back as received"
    );
}

#[tokio::test]
async fn unknown_fields_and_date_times_without_offset_decode_and_are_kept() {
    let fake = secured(Duration::from_millis(0));
    fake.seed_inbox("inbox", 1);
    let running = fake.start().await;
    let document = client(&running, basic())
        .get_document("inbox-doc-0000")
        .send()
        .await
        .unwrap()
        .body;
    let timings = document.timings.clone().unwrap();
    let received = timings.receive_time.unwrap();
    assert_eq!(
        received.as_chrono().to_rfc3339(),
        "2023-02-28T08:47:25.215200+00:00",
        "read as UTC"
    );
    assert_eq!(
        received.to_string(),
        "2023-02-28T08:47:25.215200",
        "kept as sent"
    );
    assert!(timings.done_time.is_some());
    // And written back as it was sent.
    let sent = serde_json::to_value(&document).unwrap();
    assert_eq!(
        sent["timings"]["receive_time"],
        "2023-02-28T08:47:25.215200"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_gets_no_credentials() {
    let elsewhere = Scripted::new([contractfit_tests::server::Reply::json(
        200,
        serde_json::json!({}),
    )]);
    let other = elsewhere.start().await;
    let fake = secured(Duration::from_millis(200));
    let running = fake.start().await;
    let client = client(&running, Credentials::token(fake::CALLER_TOKEN));
    fake.inject(
        Route::GetDocument,
        Fault::Redirect(format!("{}/documents/doc-000000", other.url())),
        1,
    );
    let err = client
        .upload_document("inbox", pdf())
        .send_and_wait(MAX_WAIT)
        .await
        .unwrap_err();
    assert_eq!(
        err.id(),
        Some("doc-000000"),
        "the error carries the uploaded document's id"
    );
    let WaitFailure::Poll(source) = err.reason() else {
        panic!("{err:?}")
    };
    assert_eq!(source.status(), Some(302.try_into().unwrap()));
    assert!(
        elsewhere.requests().is_empty(),
        "the other host received nothing"
    );
}

#[tokio::test]
async fn sync_upload_reprocessing_and_binary_endpoints() {
    let fake = secured(Duration::from_millis(300));
    let running = fake.start().await;
    let client = client(&running, basic());

    // sync=true (the API's default) answers with the processed document.
    let reply = client
        .upload_document("inbox", pdf())
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(reply.id, "doc-000000");
    assert!(reply.additional_properties["timings"]["done_time"].is_string());

    client
        .reprocess_document("doc-000000")
        .send()
        .await
        .unwrap();
    let pending = client.get_document("doc-000000").send().await.unwrap().body;
    assert!(
        pending.timings.unwrap().done_time.is_none(),
        "reprocessing started over"
    );
    client
        .wait_until_document_processed("doc-000000", MAX_WAIT)
        .send()
        .await
        .unwrap();

    let original = client
        .get_document_original_file("doc-000000")
        .send()
        .await
        .unwrap();
    let bytes = original.body.collect().await.unwrap();
    assert_eq!(&bytes[..], b"%PDF-1.7 invoice", "the file as uploaded");
    let page = client
        .get_document_page_image("doc-000000", "0")
        .send()
        .await
        .unwrap();
    assert!(page.body.collect().await.unwrap().starts_with(b"\x89PNG"));
    let pages = client
        .get_document_page_image("doc-000000", "0:2")
        .send()
        .await
        .unwrap();
    assert!(pages.body.collect().await.unwrap().starts_with(b"PK"));
    assert_eq!(fake.documents_uploaded(), 1);
}

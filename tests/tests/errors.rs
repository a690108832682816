//! One error type for everything a program does with the client: a typed call, a raw body
//! decoded with `.json()`, a wait and an upload-and-wait all `?` into `contractfit::Error`,
//! which keeps the document id where an upload went through. Against the fake Contract.fit.

use std::time::Duration;

use contractfit::types::DocumentModelGet;
use contractfit::{Client, Error, FilePart, WaitError, WaitFailure};
use contractfit_fake::{Behaviour, Fake};
use contractfit_tests::server::FakeClient;

/// What a user writes: one function, one error type, `?` on every kind of call.
async fn upload_wait_and_read(client: &Client, inbox: &str) -> Result<(String, usize), Error> {
    let file = FilePart::from_bytes(&b"%PDF-1.7 invoice"[..]).file_name("invoice.pdf");
    let uploaded = client
        .upload_document(inbox, file)
        .send_and_wait(Duration::from_secs(20))
        .await?
        .body;
    let waited = client
        .wait_until_document_processed(uploaded.id.as_str(), Duration::from_secs(20))
        .send()
        .await?
        .body;
    let document = client.get_document(waited.id.as_str()).send().await?.body;
    let connections: Vec<serde_json::Value> =
        client.list_connections().send_raw().await?.body.json()?;
    Ok((document.id, connections.len()))
}

/// Every fallible thing a program does with the crate `?`s into one `contractfit::Error`:
/// building a client, from the environment too, and reading `Json`. (Before: `BuildError` and
/// `JsonError` had no conversion, and this function did not compile.) Compiling is the test;
/// running it checks what the conversions keep.
fn build_and_read(url: &str, json: &contractfit::Json) -> Result<Option<String>, Error> {
    let client = Client::builder().base_url(url).build()?;
    let _ = client.redact("shown without credentials");
    let total: Option<String> = json.get_as("total_amount")?;
    let _from_env = Client::from_env()?;
    Ok(total)
}

#[test]
fn building_and_reading_json_use_the_one_error_type_too() {
    let document: contractfit::Json =
        serde_json::from_value(serde_json::json!({"total_amount": 42})).unwrap();
    let error = build_and_read("not a url", &document).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error:?}");
    let error = build_and_read("http://127.0.0.1:9", &document).unwrap_err();
    assert!(matches!(error, Error::Json(_)), "{error:?}");
    assert!(error.to_string().contains("total_amount"), "{error}");
    // Every kind an `Error` holds is named from the crate itself.
    fn names(error: &Error) -> &'static str {
        match error {
            Error::Api(api) => std::any::type_name_of_val::<contractfit::ApiError>(api),
            Error::Decode(decode) => std::any::type_name_of_val::<contractfit::DecodeError>(decode),
            Error::TooLarge(big) => std::any::type_name_of_val::<contractfit::BodyTooLarge>(big),
            Error::Wait(wait) => std::any::type_name_of_val::<contractfit::WaitError>(wait),
            Error::Timeout { kind, .. } => {
                std::any::type_name_of_val::<contractfit::TimeoutKind>(kind)
            }
            _ => "",
        }
    }
    assert_eq!(names(&error), "");
}

fn quick(fail_processing: bool) -> Behaviour {
    Behaviour::default()
        .with_processing_time(Duration::from_millis(100))
        .with_failed_processing(fail_processing)
}

#[tokio::test]
async fn every_kind_of_call_uses_one_error_type() {
    let running = Fake::new(quick(false)).start().await;
    let (id, connections) = upload_wait_and_read(&running.client(), "inbox-1")
        .await
        .unwrap();
    assert_eq!((id.as_str(), connections), ("doc-000000", 2));
}

#[tokio::test]
async fn each_kind_of_failure_keeps_what_it_knows() {
    let running = Fake::new(quick(true)).start().await;
    let client = running.client();

    // An upload that went through, then processing failed: the id is kept.
    let failed = upload_wait_and_read(&client, "inbox-1").await.unwrap_err();
    assert!(matches!(failed, Error::Wait(_)), "{failed:?}");
    assert_eq!(failed.resource_id(), Some("doc-000000"));
    assert_eq!(failed.status().map(|s| s.as_u16()), Some(200));
    assert!(failed.body().is_some_and(|b| !b.is_empty()));
    assert!(!failed.is_retryable());

    // A wait for a document that is not there: the waiter's failure, with the last status.
    let missing = client
        .wait_until_document_processed("no-such-document", Duration::from_secs(5))
        .send()
        .await
        .map_err(Error::from)
        .unwrap_err();
    assert!(matches!(missing, Error::Wait(_)), "{missing:?}");
    assert_eq!(missing.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(missing.resource_id(), Some("no-such-document"));

    // A raw body that is not what the caller expects: a decode error naming the call.
    let raw = client.list_connections().send_raw().await.unwrap().body;
    let wrong = raw.json::<Vec<u32>>().unwrap_err();
    let Error::Decode(decode) = &wrong else {
        panic!("{wrong:?}");
    };
    assert_eq!(decode.context.operation, "list_connections");
    assert_eq!(decode.path, "[0]");
    assert_eq!(
        wrong.context().map(|c| c.operation),
        Some("list_connections")
    );
}

fn invoice() -> FilePart {
    FilePart::from_bytes(&b"%PDF-1.7 invoice"[..]).file_name("invoice.pdf")
}

/// Every way to wait fails the same way: a `WaitError` of the polled operation's type, the
/// resource's id in its message, a failed state's document decoded, and the call that started
/// the wait named. (Before: three shapes. A waiter's error did not name the document, an
/// upload's was an `UploadWaitError`, a reprocess's a plain `Error`, and a failed document came
/// as bytes to decode by hand.)
#[tokio::test]
async fn every_way_to_wait_fails_the_same_way() {
    let running = Fake::new(quick(true)).start().await;
    let client = running.client();
    let wait = Duration::from_secs(20);
    let uploaded: WaitError<DocumentModelGet> = client
        .upload_document("inbox-1", invoice())
        .send_and_wait(wait)
        .await
        .unwrap_err();
    let id = uploaded.id().expect("the upload went through").to_owned();
    let waited = client
        .wait_until_document_processed(id.as_str(), wait)
        .send()
        .await
        .unwrap_err();
    let reprocessed = client
        .reprocess_document(id.as_str())
        .send_and_wait(wait)
        .await
        .unwrap_err();
    let cases = [
        (uploaded, Some("upload_document")),
        (waited, None),
        (reprocessed, Some("reprocess_document")),
    ];
    for (error, started_by) in cases {
        let message = error.to_string();
        assert!(message.contains(&id), "{message}");
        assert_eq!(error.started_by(), started_by, "{message}");
        let document: &DocumentModelGet = error.failed().expect("the failed document, decoded");
        assert_eq!(document.id, id);
        assert!(
            matches!(error.reason(), WaitFailure::Failed { .. }),
            "{error:?}"
        );
        let error = Error::from(error);
        assert_eq!(error.resource_id(), Some(id.as_str()));
        assert!(!error.is_retryable(), "{error}");
    }
}

/// A wait that runs out after a call went through is not a reason to make the call again:
/// wait again. (Before: reprocess's `send_and_wait` returned the waiter's error as it was, and
/// a wait that ran out was retryable, so a retry loop around it reprocessed again and again.)
#[tokio::test]
async fn a_call_and_wait_that_runs_out_is_not_retried_but_waited_again() {
    let slow = Behaviour::default().with_processing_time(Duration::from_secs(3600));
    let running = Fake::new(slow).start().await;
    let client = running.client();
    let short = Duration::from_millis(300);
    let uploaded = client
        .upload_document("inbox-1", invoice())
        .send_and_wait(short)
        .await
        .unwrap_err();
    let id = uploaded.id().expect("the upload went through").to_owned();
    let reprocessed = client
        .reprocess_document(id.as_str())
        .send_and_wait(short)
        .await
        .unwrap_err();
    let waited = client
        .wait_until_document_processed(id.as_str(), short)
        .send()
        .await
        .unwrap_err();
    for (error, retryable) in [(uploaded, false), (reprocessed, false), (waited, true)] {
        assert!(
            matches!(error.reason(), WaitFailure::TimedOut { .. }),
            "{error:?}"
        );
        assert_eq!(error.is_retryable(), retryable, "{error}");
        let message = error.to_string();
        assert!(message.contains(&id), "{message}");
        if !retryable {
            assert!(message.contains("wait for"), "{message}");
        }
        assert_eq!(Error::from(error).is_retryable(), retryable);
    }
}

/// When the call that was to start the wait fails, nothing was waited for and `?` gives the
/// call's own error, as a call without a wait would.
#[tokio::test]
async fn a_call_that_fails_before_the_wait_is_its_own_error() {
    let running = Fake::new(quick(false)).start().await;
    let client = running.client();
    let refused = client
        .reprocess_document("no-such-document")
        .send_and_wait(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(
        matches!(refused.reason(), WaitFailure::Call(_)),
        "{refused:?}"
    );
    assert_eq!(refused.id(), None);
    let error = Error::from(refused);
    assert!(matches!(error, Error::Api(_)), "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

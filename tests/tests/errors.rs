//! One error type for everything a program does with the client: a typed call, a raw body
//! decoded with `.json()`, a wait and an upload-and-wait all `?` into `contractfit::Error`,
//! which keeps the document id where an upload went through. Against the fake Contract.fit.

use std::time::Duration;

use contractfit::{Client, Error, FilePart};
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
            Error::UploadWait(up) => std::any::type_name_of_val::<contractfit::UploadWaitError>(up),
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
    assert!(matches!(failed, Error::UploadWait(_)), "{failed:?}");
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
    assert_eq!(missing.resource_id(), None);

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

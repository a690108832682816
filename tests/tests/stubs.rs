//! The generated client's typed stubs (`contractfit::testing`) as a user's tests use them:
//! sequences of answers, retries that take no time, and an upload's form read field by field.

use std::time::{Duration, Instant};

use contractfit::types::{DocumentModelGet, DocumentModelGetRequired, DocumentUploadReply};
use contractfit::FilePart;

fn document(done: bool) -> DocumentModelGet {
    let document = DocumentModelGet::new(DocumentModelGetRequired {
        id: "d1".into(),
        inbox: "inbox-1".into(),
        original_filename: "invoice.pdf".into(),
    });
    match done {
        true => document.with_page_count(2),
        false => document,
    }
}

/// Stubs registered in turn, each with `times`, answer in turn ("503, then 200"; "processing,
/// then done"), and the mock's client retries the 503s at once. (Before: the first stub whose
/// condition held answered every call, so no sequence could be played, and the client waited
/// its real backoff, up to 0.5 s and 1 s, between attempts.)
#[tokio::test]
async fn stubs_registered_in_turn_answer_in_turn_and_retries_take_no_time() {
    let mock = contractfit::testing::Mock::start().await;
    for done in [false, true] {
        mock.get_document()
            .times(2)
            .fails(503, serde_json::json!({"message": "busy"}));
        mock.get_document().times(1).returns(document(done));
    }
    let client = mock.client();
    let started = Instant::now();
    let first = client.get_document("d1").send().await.unwrap().body;
    let second = client.get_document("d1").send().await.unwrap().body;
    let took = started.elapsed();
    assert_eq!((first.page_count, second.page_count), (None, Some(2)));
    // Four 503s retried: with the real backoff, this is 1.5 s on average.
    assert!(took < Duration::from_millis(200), "took {took:?}");
    mock.verify().unwrap();
}

/// An upload's stub reads its form field by field, in the fields' own types, the file with the
/// name and type it was sent with. (Before: the form was raw bytes to search by hand.)
#[tokio::test]
async fn an_upload_stub_reads_the_form_field_by_field() {
    let mock = contractfit::testing::Mock::start().await;
    mock.upload_document()
        .when(|call| {
            let form = &call.body;
            call.inbox_id == "inbox-1"
                && form.file.file_name.as_deref() == Some("invoice.pdf")
                && &form.file.body[..] == b"%PDF-1.7 march"
                && form.sync == Some(false)
                && form.experimental.is_none()
        })
        .times(1)
        .returns(DocumentUploadReply::new("d1"));
    let file = FilePart::from_bytes(&b"%PDF-1.7 march"[..]).file_name("invoice.pdf");
    let reply = mock
        .client()
        .upload_document("inbox-1", file)
        .sync(false)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.body.id, "d1");
}

/// A server that ignores the page number answers every page with the first: the walk ends
/// with an error naming the repeat (the third same page in a row), instead of asking forever
/// while the items pile up.
/// (Before: `items().try_collect()` never returned, and its memory grew with every page.)
#[tokio::test]
async fn a_server_ignoring_the_page_number_ends_the_walk_with_an_error() {
    use contractfit::runtime::futures::{StreamExt, TryStreamExt};
    use contractfit::types::DocumentModelPaginated;

    let mock = contractfit::testing::Mock::start().await;
    let page = DocumentModelPaginated::new().with_results(vec![document(true), document(true)]);
    mock.list_inbox_documents_paginated().returns(page);
    let client = mock.client();
    let walk = client.list_inbox_documents_paginated("inbox-1").per_page(2);
    let items = tokio::time::timeout(
        Duration::from_secs(20),
        walk.clone().items().try_collect::<Vec<_>>(),
    )
    .await
    .expect("the walk ends");
    let Err(contractfit::Error::Decode(repeat)) = items else {
        panic!("{items:?}");
    };
    assert!(
        repeat.to_string().contains("pages 1 to 3 are the same"),
        "{repeat}"
    );
    assert!(!repeat.body.is_empty(), "the page's body is kept");

    let pages: Vec<_> = tokio::time::timeout(Duration::from_secs(20), walk.pages().collect())
        .await
        .expect("the walk ends");
    assert_eq!(
        pages.len(),
        3,
        "two pages (twice the same can be right), then the error"
    );
    assert!(pages[1].is_ok() && pages[2].is_err(), "{pages:?}");
}

//! The stub engine over HTTP on loopback, with the generated client calling it: routing by
//! template, conditions, first match, expected counts, and the message of an unmatched call.

use contractfit::runtime::reqwest;
use contractfit_fake::stubs::{Endpoint, Stubs};
use serde_json::json;

const GET_DOCUMENT: Endpoint = Endpoint::new("get_document", "GET", "/documents/{document_id}");
const LIST: Endpoint = Endpoint::new("list_documents", "GET", "/documents/search");

async fn get(url: String) -> (u16, String) {
    let response = reqwest::Client::new().get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_first_stub_whose_condition_holds_answers() {
    let stubs = Stubs::start(&[GET_DOCUMENT, LIST]).await;
    stubs
        .on(GET_DOCUMENT)
        .when(|call| call.path_param("document_id") == Some("d 1"))
        .returns_json(200, json!({"id": "d 1"}));
    stubs
        .on(GET_DOCUMENT)
        .returns_json(404, json!({"message": "no such document"}));
    stubs
        .on(LIST)
        .when(|call| call.query("page") == Some("2"))
        .times(1)
        .returns_json(200, json!({"page": 2}));
    let url = stubs.url();
    assert_eq!(
        get(format!("{url}/documents/d%201")).await,
        (200, r#"{"id":"d 1"}"#.into())
    );
    assert_eq!(get(format!("{url}/documents/d2")).await.0, 404);
    // The literal segment wins over the template's parameter.
    assert_eq!(
        get(format!("{url}/documents/search?page=2")).await,
        (200, r#"{"page":2}"#.into())
    );
    stubs.verify().unwrap();
}

#[tokio::test]
async fn an_unmatched_call_names_the_operation_and_where_its_stubs_were_registered() {
    let stubs = Stubs::start(&[GET_DOCUMENT, LIST]).await;
    let line = line!() + 2; // where `.on` is called
    stubs
        .on(GET_DOCUMENT)
        .when(|call| call.path_param("document_id") == Some("d1"))
        .returns_json(200, json!({}));
    let (status, message) = get(format!("{}/documents/d2", stubs.url())).await;
    assert_eq!(status, 501);
    assert!(
        message.contains("GET /documents/d2 (get_document"),
        "{message}"
    );
    assert!(
        message.contains(&format!("tests/stubs.rs:{line}")),
        "{message}"
    );
    let (status, message) = get(format!("{}/documents/search", stubs.url())).await;
    assert_eq!(status, 501);
    assert!(
        message.contains(
            "no stub of this operation; stubbed nearby: get_document (GET /documents/{document_id})"
        ),
        "{message}"
    );
    let (_, message) = get(format!("{}/inboxes", stubs.url())).await;
    assert!(
        message.contains("no operation has this method and path"),
        "{message}"
    );
    let problems = stubs.verify().unwrap_err();
    assert_eq!(problems.lines().count(), 3 + 1, "{problems}");
    // Verification failed on purpose: dropping would fail the test.
    std::mem::forget(stubs);
}

#[tokio::test]
async fn a_stub_answered_too_few_times_fails_verification() {
    let stubs = Stubs::start(&[GET_DOCUMENT]).await;
    stubs.on(GET_DOCUMENT).times(2).returns_json(200, json!({}));
    get(format!("{}/documents/d1", stubs.url())).await;
    let problems = stubs.verify().unwrap_err();
    assert!(
        problems.contains("answered 1, expected 2 time(s)"),
        "{problems}"
    );
    // Verification failed on purpose: dropping would fail the test.
    std::mem::forget(stubs);
}

#[tokio::test]
#[should_panic(expected = "the stubs were not used as the test said")]
async fn dropping_stubs_that_were_not_used_as_said_fails_the_test() {
    let stubs = Stubs::start(&[GET_DOCUMENT]).await;
    stubs.on(GET_DOCUMENT).times(1).returns_json(200, json!({}));
}

/// The generated client, its decoding included, against a stub routed by its own operation.
#[tokio::test]
async fn the_generated_client_calls_a_stub() {
    let operation = contractfit::builders::GetDocument::OPERATION;
    let endpoint = Endpoint::new(operation.name, operation.method, operation.path);
    let stubs = Stubs::start(&[endpoint]).await;
    use contractfit::types::{DocumentModelGet, DocumentModelGetRequired};
    let stored = DocumentModelGet::new(DocumentModelGetRequired {
        id: "d1".into(),
        inbox: "i1".into(),
        original_filename: "invoice.pdf".into(),
    })
    .with_page_count(2);
    stubs
        .on(endpoint)
        .times(1)
        .returns_json(200, serde_json::to_value(&stored).unwrap());
    let client = contractfit::Client::builder()
        .base_url(stubs.url())
        .build()
        .unwrap();
    let document = client.get_document("d1").send().await.unwrap().body;
    assert_eq!(document, stored);
}

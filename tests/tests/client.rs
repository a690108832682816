//! The generated client against a real HTTP server on loopback: what goes out on the wire, and
//! what the caller gets back for every kind of response the document describes (or does not).

use contractfit::types::{DeleteDocumentHow, DocumentModelGet, IntegrationModelGetType};
use contractfit::{Error, FilePart};
use contractfit_tests::server::{Reply, Scripted};
use serde_json::json;

fn document(id: &str) -> serde_json::Value {
    json!({
        "id": id,
        "inbox": "abcdef123456789abcdef123",
        "original_filename": "invoice.pdf",
        "page_count": 2,
        "timings": {"receive_time": "2023-02-28T08:47:25.215200", "done_time": "2023-02-28T08:48:00+00:00"},
        "a_field_added_later": {"nested": true}
    })
}

#[tokio::test]
async fn typed_body_keeps_new_fields_and_date_times_as_sent() {
    let server = Scripted::new([Reply::json(
        200,
        json!({"page": 2, "per_page": 20, "total": 21, "results": [document("d1")], "new": 1}),
    )]);
    let running = server.start().await;
    let response = running
        .client()
        .list_inbox_documents_paginated("inbox1")
        .page(2)
        .x_fields("{results}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let page = response.body;
    assert_eq!(page.total, Some(21));
    assert_eq!(page.additional_properties["new"], 1, "a new field is kept");
    let timings = page.results.unwrap()[0].timings.clone().unwrap();
    // Read as UTC, kept as sent.
    let received = timings.receive_time.unwrap();
    let utc: contractfit::DateTime = "2023-02-28T08:47:25.215200Z".parse().unwrap();
    assert_eq!(received.as_chrono(), utc.as_chrono());
    assert_eq!(received.to_string(), "2023-02-28T08:47:25.215200");
    let done = timings.done_time.unwrap();
    assert_eq!(done.to_string(), "2023-02-28T08:48:00+00:00");

    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.uri, "/inboxes/inbox1/paginated?page=2");
    assert_eq!(request.header("x-fields"), Some("{results}"));
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[test]
fn enums_keep_values_they_do_not_know() {
    let known: IntegrationModelGetType = serde_json::from_str("\"webhook\"").unwrap();
    assert_eq!(known, IntegrationModelGetType::Webhook);
    let unknown: IntegrationModelGetType = serde_json::from_str("\"carrier_pigeon\"").unwrap();
    assert!(matches!(unknown, IntegrationModelGetType::Unknown(_)));
    assert_eq!(unknown.as_str(), "carrier_pigeon");
    assert_eq!(unknown, IntegrationModelGetType::from("carrier_pigeon"));
    assert_eq!(
        serde_json::to_string(&unknown).unwrap(),
        "\"carrier_pigeon\""
    );
}

#[tokio::test]
async fn undeclared_body_reaches_the_caller_raw_and_as_json() {
    // The document declares no 2xx response for GET /documents/{document_id}/text.
    let server = Scripted::new([Reply::json(200, json!({"pages": ["Invoice 42"]}))]);
    let running = server.start().await;
    let response = running
        .client()
        .get_document_text("d1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.body.json_value().unwrap()["pages"][0],
        "Invoice 42"
    );
    assert_eq!(
        response.body.content_type.as_deref(),
        Some("application/json")
    );
    let text: serde_json::Value = response.body.json().unwrap();
    assert_eq!(text["pages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn typed_operations_can_still_give_the_raw_body() {
    // The overlay declares GET /documents/{document_id}'s body; `send_raw` keeps every byte.
    let server = Scripted::new([Reply::json(200, document("d1"))]);
    let running = server.start().await;
    let typed = running.client().get_document("d1").send().await.unwrap();
    assert_eq!(typed.body.id, "d1");
    let raw = running
        .client()
        .get_document("d1")
        .send_raw()
        .await
        .unwrap();
    let parsed: DocumentModelGet = raw.body.json().unwrap();
    assert_eq!(parsed.page_count, Some(2));
    assert_eq!(
        raw.body.json_value().unwrap()["a_field_added_later"]["nested"],
        true
    );
}

#[tokio::test]
async fn binary_endpoint_streams_bytes_with_a_fitting_accept() {
    let file: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    let server = Scripted::new([Reply::bytes(200, "application/pdf", file.clone())]);
    let running = server.start().await;
    let response = running
        .client()
        .get_document_original_file("d1")
        .send()
        .await
        .unwrap();
    let bytes = response.body.collect().await.unwrap();
    assert_eq!(bytes.as_ref(), file.as_slice());
    assert_eq!(
        server.requests()[0].header("accept"),
        Some("application/octet-stream")
    );

    let server = Scripted::new([Reply::bytes(200, "application/zip", "PK")]);
    let running = server.start().await;
    running
        .client()
        .get_document_page_image("d1", "0:3")
        .send()
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.uri, "/documents/d1/page/0:3");
    assert_eq!(request.header("accept"), Some("image/png, application/zip"));
}

#[tokio::test]
async fn multipart_upload_streams_from_path_bytes_and_reader() {
    let dir = contractfit_tests::scratch("upload");
    let path = dir.path().join("invoice.pdf");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &content).unwrap();

    let server = Scripted::new([Reply::json(200, json!({"id": "doc1"}))]);
    let running = server.start().await;
    let client = running.client();
    let files = [
        FilePart::from_path(&path).content_type("application/pdf"),
        FilePart::from_bytes(content.clone()).file_name("invoice.pdf"),
        FilePart::from_reader(tokio::fs::File::open(&path).await.unwrap()).file_name("invoice.pdf"),
    ];
    for file in files {
        let response = client
            .upload_document("inbox1", file)
            .sync(false)
            .key_value_flag(true)
            .send()
            .await
            .unwrap();
        assert_eq!(response.body.id, "doc1");
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.uri, "/documents/inbox1");
        let content_type = request.header("content-type").unwrap();
        assert!(
            content_type.starts_with("multipart/form-data; boundary="),
            "{content_type}"
        );
        let body = &request.body;
        let find = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
        assert!(find(&content), "the file's bytes arrive intact");
        assert!(find(b"filename=\"invoice.pdf\""));
        assert!(find(b"name=\"sync\"\r\n\r\nfalse"));
        assert!(find(b"name=\"key_value_flag\"\r\n\r\ntrue"));
        assert!(
            !find(b"name=\"experimental\""),
            "unset optional fields are not sent"
        );
    }
    assert!(requests[0]
        .body
        .windows(24)
        .any(|w| w == b"Content-Type: applicatio"));
}

/// A file name is a file name, not headers: line breaks and quotes are percent-encoded as
/// browsers send them. (Before: reqwest put a backslash before a line break and sent the line
/// break, so that the name ended the part's header and added one of its own.)
#[tokio::test]
async fn a_file_name_cannot_add_headers_to_its_part() {
    let server = Scripted::new([Reply::json(200, json!({"id": "doc1"}))]);
    let running = server.start().await;
    let name = "evil\r\nContent-Type: text/html\r\n\r\n<script>\".pdf";
    running
        .client()
        .upload_document("inbox1", FilePart::from_bytes(&b"%PDF"[..]).file_name(name))
        .send_raw()
        .await
        .unwrap();
    let body = server.requests().pop().unwrap().body;
    let find = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    assert!(
        find(b"filename=\"evil%0D%0AContent-Type: text/html%0D%0A%0D%0A<script>%22.pdf\""),
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(!find(b"\r\nContent-Type: text/html"));
}

/// A file whose length is not what it said when opened (here one that the system reports as
/// empty and that has content, as files in /proc do) ends the upload with an error naming it.
/// (Before: the body was cut to the length given when the file was opened, its closing
/// boundary never sent; the server took what came.)
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_file_that_changes_while_it_is_sent_fails_the_upload() {
    let server = Scripted::new([Reply::json(200, json!({"id": "doc1"}))]);
    let running = server.start().await;
    let error = running
        .client()
        .upload_document("inbox1", FilePart::from_path("/proc/self/status"))
        .send_raw()
        .await
        .unwrap_err();
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(next) = source {
        chain.push_str(&format!(": {next}"));
        source = next.source();
    }
    assert!(
        chain.contains("/proc/self/status changed while it was being sent"),
        "{chain}"
    );
    assert!(server.requests().is_empty(), "no upload arrived whole");
}

#[tokio::test]
async fn missing_upload_file_is_an_invalid_request_not_a_panic() {
    let server = Scripted::new([Reply::json(200, json!({}))]);
    let running = server.start().await;
    let err = running
        .client()
        .upload_document("inbox1", FilePart::from_path("/no/such/file.pdf"))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest { .. }), "{err:?}");
    assert!(err.to_string().contains("/no/such/file.pdf"), "{err}");
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn api_error_keeps_status_headers_and_body() {
    let server = Scripted::new([Reply::json(
        403,
        json!({"message": "Permission insufficient"}),
    )]);
    let running = server.start().await;
    let err = running
        .client()
        .get_document("d1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.json::<serde_json::Value>().unwrap()["message"],
        "Permission insufficient"
    );
    let message = err.to_string();
    assert!(
        message.contains("get_document (GET /documents/{document_id})"),
        "{message}"
    );
    assert!(message.contains("403"), "{message}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn body_that_does_not_decode_is_kept_with_its_path() {
    let body = json!({"results": [{"id": 5}]});
    let server = Scripted::new([Reply::json(200, body.clone())]);
    let running = server.start().await;
    let err = running
        .client()
        .list_inbox_documents_paginated("i")
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, "results[0].id");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&decode.body).unwrap(),
        body
    );
    assert!(err.to_string().contains("results[0].id"), "{err}");
}

#[tokio::test]
async fn path_and_query_parameters_are_encoded() {
    let server = Scripted::new([Reply::bytes(200, "text/plain", "")]);
    let running = server.start().await;
    running
        .client()
        .delete_document("a/b c?")
        .how(DeleteDocumentHow::SourceFiles)
        .send()
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.uri, "/documents/a%2Fb%20c%3F?how=SOURCE_FILES");
}

#[test]
fn scheme_relative_server_becomes_https_and_can_be_overridden() {
    assert_eq!(
        contractfit::DEFAULT_BASE_URL,
        Some("https://cfportal.contract-p.fit/api")
    );
    let client = contractfit::Client::builder().build().unwrap();
    assert_eq!(
        client.runtime().base_url(),
        "https://cfportal.contract-p.fit/api"
    );
    let client = contractfit::Client::builder()
        .base_url("http://127.0.0.1:9/api/")
        .build()
        .unwrap();
    assert_eq!(client.runtime().base_url(), "http://127.0.0.1:9/api");
    assert!(contractfit::Client::builder()
        .base_url("ftp://x")
        .build()
        .is_err());
}

#[tokio::test]
async fn caller_supplied_http_client_and_default_headers_are_used() {
    let server = Scripted::new([Reply::json(200, json!({}))]);
    let running = server.start().await;
    let runtime = contractfit::Client::builder()
        .base_url(running.url())
        .http_client(contractfit::runtime::reqwest::Client::new())
        .default_header(
            contractfit::runtime::http::header::AUTHORIZATION,
            contractfit::runtime::http::HeaderValue::from_static("Bearer caller-token"),
        )
        .build()
        .unwrap();
    runtime.get_version().send().await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer caller-token")
    );
}

#[tokio::test]
async fn a_waiter_s_call_options_go_with_every_poll_and_setters_take_what_converts() {
    let server = Scripted::new([Reply::json(200, document("d1"))]);
    let running = server.start().await;
    let client = running.client();
    let options = contractfit::CallOptions::new().header("x-request-id", "poll-7");
    client
        .wait_until_document_processed("d1", std::time::Duration::from_secs(5))
        .options(options)
        .send()
        .await
        .unwrap();
    assert_eq!(server.requests()[0].header("x-request-id"), Some("poll-7"));

    // A date-time setter takes a chrono value as it is.
    let since = chrono::DateTime::parse_from_rfc3339("2023-02-28T08:47:25+01:00").unwrap();
    let _ = client.get_processing_stats("inbox").start_date(since);
}

/// Every request names the client: `contractfit/<version>`, or what the program says before it.
/// (Before: no `User-Agent` at all.)
#[tokio::test]
async fn requests_say_which_client_sent_them() {
    let server = Scripted::new([Reply::json(200, json!("1.0"))]);
    let running = server.start().await;
    running.client().get_version().send_raw().await.unwrap();
    let sent = server.requests().pop().unwrap();
    let agent = sent.header("user-agent").unwrap_or_default().to_owned();
    assert!(agent.starts_with("contractfit/0."), "{agent:?}");
    let named = contractfit::Client::builder()
        .base_url(running.url())
        .user_agent(format!("invoice-sync/2.1 {agent}"))
        .build()
        .unwrap();
    named.get_version().send_raw().await.unwrap();
    let sent = server.requests().pop().unwrap();
    assert_eq!(
        sent.header("user-agent"),
        Some(format!("invoice-sync/2.1 {agent}").as_str())
    );
}

//! What public documents declare that the wire does not allow, against a real server on
//! loopback (the fixture `tests/fixtures/wire_edge_cases.yaml`, found by
//! `cargo xtask corpus --prism`): content on a 204, JSON under other media types (and under
//! `*/*`), unions of scalars as parameters, framing headers declared as parameters, `nullable`,
//! forms written as query strings.

use contractfit_tests::server::{Reply, Scripted};
use fixture_wire_edge_cases::{Client, RetryPolicy};
use serde_json::json;

fn client(url: String) -> Client {
    Client::builder()
        .base_url(url)
        .retry(RetryPolicy::never())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_204_declared_with_content_is_no_content() {
    let server = Scripted::new([Reply::bytes(204, "application/json", "")]);
    let running = server.start().await;
    let response = client(running.url())
        .delete_logo("p1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status, 204);
    assert!(response.body.bytes.is_empty());
}

#[tokio::test]
async fn json_media_types_are_asked_for_and_decoded() {
    let server = Scripted::new([
        Reply::bytes(
            200,
            "application/sarif+json",
            json!({"url": "a"}).to_string(),
        ),
        Reply::bytes(200, "text/json", json!({"url": "b"}).to_string()),
        Reply::json(200, json!({"url": "c"})),
    ]);
    let running = server.start().await;
    let client = client(running.url());
    let issue = client.get_issue("i1").send().await.unwrap().body;
    assert_eq!(issue.url.as_deref(), Some("a"));
    let legacy = client.get_legacy().send().await.unwrap().body;
    assert_eq!(legacy.url.as_deref(), Some("b"));
    let report = client.get_report("r1").send().await.unwrap().body;
    assert_eq!(report.url.as_deref(), Some("c"));
    let requests = server.requests();
    assert_eq!(requests[0].header("accept"), Some("application/sarif+json"));
    assert_eq!(requests[1].header("accept"), Some("text/json"));
    assert_eq!(requests[2].header("accept"), Some("application/json"));
}

#[tokio::test]
async fn framing_headers_come_from_the_body_not_from_parameters() {
    let server = Scripted::new([Reply::bytes(200, "text/plain", "")]);
    let running = server.start().await;
    client(running.url())
        .upload_chunk("u1", &b"twelve bytes"[..])
        .send()
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.header("content-length"), Some("12"));
    assert_eq!(request.header("x-upload-id"), Some("u1"));
    assert_eq!(request.body.as_ref(), b"twelve bytes");
}

/// A request without a body says so where the document requires the header (a `DELETE`
/// here), and a `GET` does not.
#[tokio::test]
async fn a_required_content_length_is_sent_without_a_body() {
    let server = Scripted::new([
        Reply::bytes(204, "text/plain", ""),
        Reply::json(200, json!({})),
    ]);
    let running = server.start().await;
    let client = client(running.url());
    client.cancel_upload("u1").send().await.unwrap();
    client.get_legacy().send().await.unwrap();
    let requests = server.requests();
    assert_eq!(requests[0].header("content-length"), Some("0"));
    assert_eq!(requests[1].header("content-length"), None);
}

#[tokio::test]
async fn unions_of_scalars_go_as_their_plain_values() {
    use fixture_wire_edge_cases::types::{ListMeasurementsDateFrom, ListMeasurementsXLimit};
    let server = Scripted::new([Reply::bytes(200, "text/plain", "")]);
    let running = server.start().await;
    let client = client(running.url());
    let from: fixture_wire_edge_cases::DateTime = "2023-02-28T08:47:25Z".parse().unwrap();
    client
        .list_measurements()
        .date_from(ListMeasurementsDateFrom::DateTime(from))
        .x_limit(ListMeasurementsXLimit::String("ten".into()))
        .send()
        .await
        .unwrap();
    client
        .list_measurements()
        .x_limit(ListMeasurementsXLimit::Integer(10))
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests[0].uri,
        "/measurements?date_from=2023-02-28T08%3A47%3A25Z"
    );
    assert_eq!(requests[0].header("x-limit"), Some("ten"));
    assert_eq!(requests[1].header("x-limit"), Some("10"));
}

#[tokio::test]
async fn null_is_kept_wherever_the_document_allows_it() {
    use fixture_wire_edge_cases::types::Product;
    let product =
        json!({"name": "a", "price": null, "note": null, "tags": ["x", null], "maker": null});
    let server = Scripted::new([
        Reply::json(200, serde_json::Value::Null),
        Reply::json(200, json!([{"name": "b", "price": 2.5}])),
        Reply::json(200, product.clone()),
    ]);
    let running = server.start().await;
    let client = client(running.url());
    // A nullable answer.
    assert_eq!(client.list_products().send().await.unwrap().body, None);
    let listed = client.list_products().send().await.unwrap().body.unwrap();
    assert_eq!(listed[0].price, Some(2.5));
    assert_eq!(listed[0].note, None, "absent");
    // Nullable fields, items and components: `null` read as `null`, and written back so.
    let got: Product = client.get_product("p1").send().await.unwrap().body;
    assert_eq!(got.note, Some(None), "present as null");
    assert_eq!(got.tags.as_deref(), Some(&[Some("x".to_owned()), None][..]));
    assert_eq!(serde_json::to_value(&got).unwrap(), product);
    // Absent stays absent.
    let again = serde_json::to_value(&listed[0]).unwrap();
    assert_eq!(again, json!({"name": "b", "price": 2.5}));
}

#[tokio::test]
async fn a_declared_scalar_type_wins_over_other_keywords() {
    let server = Scripted::new([Reply::bytes(200, "text/plain", "")]);
    let running = server.start().await;
    // `link` is `type: string` with `properties`: a string, not a struct.
    client(running.url())
        .find_similar("https://example.com/a")
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].uri,
        "/similar?link=https%3A%2F%2Fexample.com%2Fa"
    );
}

#[tokio::test]
async fn an_oauth2_access_token_goes_as_a_bearer_token() {
    let server = Scripted::new([Reply::bytes(200, "text/plain", "")]);
    let running = server.start().await;
    let client = Client::builder()
        .base_url(running.url())
        .credentials(fixture_wire_edge_cases::Credentials::token(
            "an-access-token",
        ))
        .build()
        .unwrap();
    client.get_me().send().await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer an-access-token")
    );
}

#[tokio::test]
async fn url_encoded_forms_are_typed_fields() {
    use fixture_wire_edge_cases::types::{CreateChannelBody, CreateChannelBodyRequired};
    let server = Scripted::new([Reply::json(201, json!({"url": "c1"}))]);
    let running = server.start().await;
    let mut body = CreateChannelBody::new(CreateChannelBodyRequired {
        friendly_name: "News & views".to_owned(),
        employee_email: "a@b.c".to_owned(),
    });
    body.roles = Some(vec!["admin".to_owned(), "user".to_owned()]);
    let created = client(running.url())
        .create_channel(body)
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(created.url.as_deref(), Some("c1"));
    let request = &server.requests()[0];
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        std::str::from_utf8(&request.body).unwrap(),
        "FriendlyName=News+%26+views&Roles=admin&Roles=user&employee%5Bemail%5D=a%40b.c"
    );
}

/// A query array goes as the document says: joined into one value (`explode: false`, and
/// Swagger 2.0's `csv` read so), space- or pipe-separated, or as the name repeated. (Before:
/// always repeated, which a server expecting `tags=a,b` reads as only the last tag.)
#[tokio::test]
async fn query_arrays_are_written_as_their_style_says() {
    let server = Scripted::new([Reply::json(200, json!({"id": "p1"}))]);
    let running = server.start().await;
    let _ = client(running.url())
        .get_product("p1")
        .tags(vec!["a".to_owned(), "b".to_owned()])
        .words(vec!["x".to_owned(), "y".to_owned()])
        .codes(vec![1, 2])
        .ids(vec![3, 4])
        .send_raw()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(
        requests[0].uri,
        "/products/p1?tags=a%2Cb&words=x+y&codes=1%7C2&ids=3&ids=4"
    );
}

#[tokio::test]
async fn answers_of_other_media_types_are_asked_for_as_declared() {
    let server = Scripted::new([
        Reply::bytes(200, "text/vtt", "WEBVTT\n"),
        Reply::bytes(200, "application/toml", "agent = \"x\"\n"),
        Reply::bytes(202, "text/plain", ""),
    ]);
    let running = server.start().await;
    let client = client(running.url());
    let captions = client.get_captions("j1").send().await.unwrap().body;
    assert_eq!(captions.collect().await.unwrap().as_ref(), b"WEBVTT\n");
    let config = client.get_config("c1").send().await.unwrap().body;
    assert_eq!(config.collect().await.unwrap().as_ref(), b"agent = \"x\"\n");
    client.ping().send().await.unwrap();
    let requests = server.requests();
    // Every media type declared for a success, in the document's order; not the error's.
    assert_eq!(
        requests[0].header("accept"),
        Some("application/x-subrip, text/vtt")
    );
    assert_eq!(requests[1].header("accept"), Some("application/toml"));
    // Nothing declared: nothing asked for in particular, and certainly not JSON.
    assert!(
        !requests[2].header("accept").unwrap_or("").contains("json"),
        "{:?}",
        requests[2].header("accept")
    );
}

#[tokio::test]
async fn a_union_beside_a_description_decodes_each_alternative() {
    use fixture_wire_edge_cases::types::EntryOwner;
    let server = Scripted::new([
        Reply::json(200, json!({"owner": "ada"})),
        Reply::json(200, json!({"owner": {"name": "Ada"}})),
    ]);
    let running = server.start().await;
    let client = client(running.url());
    let by_name = client.get_name("n1").send().await.unwrap().body;
    assert!(
        matches!(&by_name.owner, Some(EntryOwner::Handle(name)) if name == "ada"),
        "{:?}",
        by_name.owner
    );
    let in_full = client.get_name("n2").send().await.unwrap().body;
    assert!(
        matches!(&in_full.owner, Some(EntryOwner::Maker(Some(maker))) if maker.name.as_deref() == Some("Ada")),
        "{:?}",
        in_full.owner
    );
}

/// The tool writes a query array as the document's style says, as the client does. (Before,
/// it repeated the name whatever the style.)
#[tokio::test]
async fn the_tool_writes_query_arrays_as_their_style_says() {
    let server = Scripted::new([Reply::json(200, json!({"id": "p1"}))]);
    let running = server.start().await;
    let url = running.url();
    let args = [
        "tool",
        "--base-url",
        &url,
        "default",
        "get-product",
        "p1",
        "--tags",
        "a",
        "--tags",
        "b",
        "--words",
        "x",
        "--words",
        "y",
        "--codes",
        "1",
        "--codes",
        "2",
        "--ids",
        "3",
        "--ids",
        "4",
    ];
    let matches = fixture_wire_edge_cases::cli::command()
        .try_get_matches_from(args)
        .unwrap();
    contractfit_cli::run(&fixture_wire_edge_cases::cli::APP, matches).await;
    assert_eq!(
        server.requests()[0].uri,
        "/products/p1?tags=a%2Cb&words=x+y&codes=1%7C2&ids=3&ids=4"
    );
}

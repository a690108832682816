//! Path parameters stay in their segment: whatever the value (dots, slashes, percent signs,
//! unicode, nothing at all), the request reaches the route its operation names, with the value
//! intact, or it is refused before anything is sent. Checked for random values with `url`'s
//! parser and with a real router (axum) that records which route it matched.

use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::routing::{get, post};
use contractfit::{Client, Error, RetryPolicy};
use contractfit_tests::server::TestServer;

/// Pieces random values are made of: the ones URL parsers treat specially, and some plain.
const PIECES: &[&str] = &[
    ".", "..", "/", "\\", "%", "%2e", "%2E", "%2f", "2e", "?", "#", " ", "+", "&", "=", ";", ":",
    "@", "~", "a", "Z", "0", "é", "😀", "\u{7f}", "\t", "[", "]", "{", "}", "|", "^",
];

fn random_value(rng: &mut fastrand::Rng) -> String {
    let pieces = rng.usize(0..5);
    (0..pieces)
        .map(|_| PIECES[rng.usize(..PIECES.len())])
        .collect()
}

/// Which route answered, with the parameter as the router decoded it.
type Hits = Arc<Mutex<Vec<(&'static str, String, String)>>>;

async fn router_server(hits: Hits) -> TestServer {
    let record = |route: &'static str, hits: Hits| {
        move |Path(id): Path<String>, uri: axum::http::Uri| {
            let hits = hits.clone();
            async move {
                hits.lock()
                    .unwrap()
                    .push((route, id, uri.path().to_owned()));
                axum::Json(serde_json::json!({}))
            }
        }
    };
    let fallback_hits = hits.clone();
    let router = axum::Router::new()
        .route("/documents/{id}", get(record("get", hits.clone())))
        .route("/documents/{id}/reprocess", post(record("reprocess", hits)))
        .fallback(move |uri: axum::http::Uri| {
            let hits = fallback_hits.clone();
            async move {
                hits.lock()
                    .unwrap()
                    .push(("elsewhere", String::new(), uri.path().to_owned()));
                axum::http::StatusCode::NOT_FOUND
            }
        });
    TestServer::start(router).await
}

/// The path's segments as `url` parses them, percent-decoded.
fn segments(base: &str, path: &str) -> Vec<String> {
    let url = contractfit::runtime::reqwest::Url::parse(&format!("{base}{path}")).unwrap();
    url.path_segments()
        .unwrap()
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_value_stays_in_its_segment_or_is_refused() {
    let hits = Hits::default();
    let server = router_server(hits.clone()).await;
    let client = Client::builder()
        .base_url(server.url())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut values: Vec<String> = ["", ".", "..", "%2e%2e", "a/..", "../reprocess"]
        .map(String::from)
        .into();
    values.extend((0..400).map(|_| random_value(&mut rng)));
    let (mut sent, mut refused) = (0, 0);
    for value in &values {
        for reprocess in [false, true] {
            hits.lock().unwrap().clear();
            let outcome = if reprocess {
                client.reprocess_document(value.as_str()).send_raw().await
            } else {
                client.get_document(value.as_str()).send_raw().await
            };
            let hits = hits.lock().unwrap().clone();
            let context = format!("value {value:?} (seed {seed}), reprocess {reprocess}");
            if matches!(value.as_str(), "" | "." | "..") {
                refused += 1;
                match outcome {
                    Err(Error::InvalidRequest { message, .. }) => {
                        assert!(message.contains("document_id"), "{context}: {message}")
                    }
                    other => panic!("{context}: not refused: {other:?}"),
                }
                assert!(hits.is_empty(), "{context}: sent anyway: {hits:?}");
                continue;
            }
            sent += 1;
            outcome.unwrap_or_else(|e| panic!("{context}: {e}"));
            let [(route, decoded, path)] = hits.as_slice() else {
                panic!("{context}: expected one request, got {hits:?}");
            };
            let expected_route = if reprocess { "reprocess" } else { "get" };
            assert_eq!(*route, expected_route, "{context}: path {path}");
            assert_eq!(
                decoded, value,
                "{context}: the router decoded another value"
            );
            let mut expected = vec!["documents".to_owned(), value.clone()];
            if reprocess {
                expected.push("reprocess".into());
            }
            assert_eq!(segments(&server.url(), path), expected, "{context}");
        }
    }
    eprintln!("{sent} requests reached their route with the value intact; {refused} refused");
}

#[test]
fn the_tool_refuses_a_dot_segment_too() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_contractfit"))
        .args(["documents", "get", "..", "--dry-run"])
        .env_clear()
        .env("CONTRACTFIT_BASE_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("document_id"), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing is shown as sent");
}

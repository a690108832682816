//! `total_of_folder` tested without the service: its work against the fake Contract.fit, its
//! error path with a typed stub.

use std::time::Duration;

use contractfit::Client;
use contractfit_fake::{Behaviour, Fake};
use testing_your_code::total_of_folder;

/// A folder with two invoices and a note, removed at the end.
fn folder(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("testing-your-code-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["a.pdf", "b.pdf", "notes.txt"] {
        std::fs::write(dir.join(file), b"%PDF-1.7").unwrap();
    }
    dir
}

#[tokio::test]
async fn totals_every_pdf_of_a_folder() {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_millis(20)));
    let server = fake.start().await;
    let client = Client::builder().base_url(server.url()).build().unwrap();
    let dir = folder("total");
    let total = total_of_folder(&client, "inbox-1", &dir).await.unwrap();
    // The fake predicts 42.00 (confidence 0.93) and 4.20 (0.05) for each: the best is taken.
    assert_eq!(total, 84.0);
    assert_eq!(server.documents_uploaded(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_document_without_a_total_adds_nothing() {
    let predicted = serde_json::json!({
        "document_type": [{"value": "receipt", "confidence": 0.8}],
    });
    let fake = Fake::new(
        Behaviour::default()
            .with_processing_time(Duration::from_millis(20))
            .with_prediction(predicted),
    );
    let server = fake.start().await;
    let client = Client::builder().base_url(server.url()).build().unwrap();
    let dir = folder("no-total");
    let total = total_of_folder(&client, "inbox-1", &dir).await.unwrap();
    assert_eq!(total, 0.0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_refused_upload_is_the_error() {
    let mock = contractfit::testing::Mock::start().await;
    mock.upload_document()
        .when(|call| call.inbox_id == "inbox-1")
        .times(1)
        .fails(415, serde_json::json!({"message": "unsupported file type"}));
    let dir = folder("refused");
    let error = total_of_folder(&mock.client(), "inbox-1", &dir).await.unwrap_err();
    assert!(error.to_string().contains("415"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

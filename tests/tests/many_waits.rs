//! 500 waits at once against the fake server: all finish, with a bounded number of polls.
//! A test binary of its own: it loads both cores, which would disturb timing tests beside it.

use std::time::{Duration, Instant};

use contractfit::FilePart;
use contractfit_fake::{Behaviour, Fake};
use contractfit_tests::server::FakeClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_concurrent_waits_finish_with_bounded_requests() {
    let fake = Fake::new(Behaviour::default().with_processing_time(Duration::from_millis(1500)));
    let running = fake.start().await;
    let client = running.client();
    let mut ids = Vec::new();
    for _ in 0..500 {
        let reply = client
            .upload_document("inbox-1", FilePart::from_bytes(&b"%PDF"[..]))
            .sync(false)
            .send()
            .await
            .unwrap();
        ids.push(reply.body.id);
    }
    let before = fake.requests();
    let started = Instant::now();
    let waits = ids.iter().map(|id| {
        let wait = client.wait_until_document_processed(id.clone(), Duration::from_secs(30));
        tokio::spawn(wait.send())
    });
    let results = futures::future::join_all(waits).await;
    assert!(results.into_iter().all(|r| r.unwrap().is_ok()));
    let polls = fake.requests() - before;
    // With delays from 1 s doubling (jittered) and processing done 1.5 s after upload, each
    // wait needs at most 4 polls; a client polling in a tight loop would make thousands.
    assert!(polls <= 500 * 4, "{polls} polls for 500 waits");
    assert!(started.elapsed() < Duration::from_secs(15));
}

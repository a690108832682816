//! Code of the kind a team writes on top of the client: upload every PDF of a folder, wait
//! for each to be processed, and total the amounts the predictions found.

use std::error::Error;
use std::path::Path;
use std::time::Duration;

use contractfit::types::DocumentModelGet;
use contractfit::{Client, FilePart};

/// One candidate of a predicted field, as the API document describes a prediction.
#[derive(Debug, serde::Deserialize)]
pub struct Candidate {
    pub value: String,
    pub confidence: f64,
}

/// The most confident `total_amount` of a processed document, if processing found one.
pub fn total_amount(
    document: &DocumentModelGet,
) -> Result<Option<f64>, Box<dyn Error + Send + Sync>> {
    let Some(prediction) = &document.prediction else {
        return Ok(None);
    };
    let candidates: Option<Vec<Candidate>> = prediction.get_as("total_amount")?;
    let best = candidates
        .unwrap_or_default()
        .into_iter()
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence));
    Ok(best.map(|c| c.value.parse()).transpose()?)
}

/// The sum of the `total_amount`s predicted for the PDFs in `folder`, uploaded to `inbox`.
pub async fn total_of_folder(
    client: &Client,
    inbox: &str,
    folder: &Path,
) -> Result<f64, Box<dyn Error + Send + Sync>> {
    let mut pdfs: Vec<_> = std::fs::read_dir(folder)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    pdfs.retain(|path| path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf")));
    pdfs.sort();
    let mut total = 0.0;
    for pdf in pdfs {
        let document = client
            .upload_document(inbox, FilePart::from_path(&pdf))
            .send_and_wait(Duration::from_secs(300))
            .await?
            .body;
        total += total_amount(&document)?.unwrap_or(0.0);
    }
    Ok(total)
}

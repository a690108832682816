//! Code of the kind a team writes on top of the client: upload every PDF of a folder, wait
//! for each to be processed, and total the amounts the predictions found.

use std::error::Error;
use std::path::Path;
use std::time::Duration;

use contractfit::{Client, FilePart};

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
        let amount = match &document.prediction {
            Some(prediction) => prediction.get_as::<String>("total_amount")?,
            None => None,
        };
        total += amount.map_or(Ok(0.0), |a| a.parse::<f64>())?;
    }
    Ok(total)
}

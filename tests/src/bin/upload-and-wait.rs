//! Upload a document to a Contract.fit inbox, wait for it to be processed, print the prediction.
//!
//! ```text
//! upload-and-wait [--max-wait SECONDS] INBOX_ID FILE
//! ```
//!
//! The client comes from the environment (`Client::from_env`, the variables the command-line
//! tool reads): `CONTRACTFIT_BASE_URL` if not the default server, and `CONTRACTFIT_API_KEY`,
//! `CONTRACTFIT_TOKEN`, or `CONTRACTFIT_USERNAME` with `CONTRACTFIT_PASSWORD`. Exit status: 0
//! with the prediction on stdout; 1 on failure (with the document id on stderr when the upload
//! went through); 2 on bad usage or a missing variable.

use std::process::ExitCode;
use std::time::Duration;

use contractfit::{Client, FilePart};

struct Args {
    max_wait: Duration,
    inbox: String,
    file: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut max_wait, mut positional) = (Duration::from_secs(300), Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-wait" => {
                let seconds = args.next().ok_or("--max-wait needs seconds")?;
                let seconds: u64 = seconds
                    .parse()
                    .map_err(|_| format!("--max-wait: {seconds:?} is not a number"))?;
                max_wait = Duration::from_secs(seconds);
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => positional.push(arg),
        }
    }
    let [inbox, file]: [String; 2] = positional
        .try_into()
        .map_err(|_| "expected INBOX_ID and FILE".to_owned())?;
    Ok(Args {
        max_wait,
        inbox,
        file,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let made =
        parse_args().and_then(|args| Ok((args, Client::from_env().map_err(|e| e.to_string())?)));
    let (args, client) = match made {
        Ok(made) => made,
        Err(message) => {
            eprintln!(
                "error: {message}\nusage: upload-and-wait [--max-wait SECONDS] INBOX_ID FILE"
            );
            return ExitCode::from(2);
        }
    };
    let upload = client
        .upload_document(args.inbox, FilePart::from_path(&args.file))
        .send_and_wait(args.max_wait);
    match upload.await {
        Ok(response) => {
            let document = response.body;
            eprintln!("document {} processed", document.id);
            let prediction = document
                .prediction
                .map_or_else(|| serde_json::json!({}), |p| p.into_value());
            println!(
                "{}",
                serde_json::to_string_pretty(&prediction).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(id) = e.id() {
                eprintln!("document id: {id}");
            }
            if let Some(document) = e.failed() {
                eprintln!("processing failed: {:?}", document.status_data);
            } else if let Some(body) = e.last_body() {
                eprintln!("last response: {}", String::from_utf8_lossy(body));
            }
            ExitCode::FAILURE
        }
    }
}

//! Upload a document to a Contract.fit inbox, wait for it to be processed, print the prediction.
//!
//! ```text
//! upload-and-wait [--base-url URL] [--max-wait SECONDS] INBOX_ID FILE
//! ```
//!
//! Credentials come from the environment: `CONTRACTFIT_API_KEY`, or `CONTRACTFIT_USERNAME` and
//! `CONTRACTFIT_PASSWORD` (logged in for a JWT). Exit status: 0 with the prediction on stdout;
//! 1 on failure (with the document id on stderr when the upload went through); 2 on bad usage.

use std::process::ExitCode;
use std::time::Duration;

use contractfit::runtime::UploadWaitError;
use contractfit::{Client, Credentials, FilePart};

struct Args {
    base_url: Option<String>,
    max_wait: Duration,
    inbox: String,
    file: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let (mut base_url, mut max_wait, mut positional) = (None, Duration::from_secs(300), Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base-url" => base_url = Some(args.next().ok_or("--base-url needs a URL")?),
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
        base_url,
        max_wait,
        inbox,
        file,
    })
}

fn credentials() -> Result<Credentials, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(key) = var("CONTRACTFIT_API_KEY") {
        return Ok(Credentials::api_key(key));
    }
    match (var("CONTRACTFIT_USERNAME"), var("CONTRACTFIT_PASSWORD")) {
        (Some(username), Some(password)) => Ok(Credentials::login(username, password)),
        _ => {
            Err("set CONTRACTFIT_API_KEY, or CONTRACTFIT_USERNAME and CONTRACTFIT_PASSWORD".into())
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (args, credentials) = match parse_args().and_then(|a| Ok((a, credentials()?))) {
        Ok(ok) => ok,
        Err(message) => {
            eprintln!("error: {message}\nusage: upload-and-wait [--base-url URL] [--max-wait SECONDS] INBOX_ID FILE");
            return ExitCode::from(2);
        }
    };
    let mut builder = Client::builder().credentials(credentials);
    if let Some(base_url) = args.base_url {
        builder = builder.base_url(base_url);
    }
    let client = match builder.build() {
        Ok(runtime) => Client::with_runtime(runtime),
        Err(e) => {
            eprintln!("error: {e}");
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
            let prediction = serde_json::Value::Object(document.prediction.unwrap_or_default());
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
            if let UploadWaitError::Wait { source, .. } = &e {
                if let Some(body) = source.last_body() {
                    eprintln!("last response: {}", String::from_utf8_lossy(body));
                }
            }
            ExitCode::FAILURE
        }
    }
}

//! A request as it would be sent, for dry runs: secrets redacted, the body summarised.

use std::fmt;

use crate::redact::{is_credential_header, Redactor};
use crate::request::Body;

use crate::redact::REDACTED;

/// The largest JSON body a preview shows in full.
const MAX_SHOWN_JSON: usize = 64 * 1024;

/// A request that was built but not sent (see [`Client::preview`](crate::Client::preview)).
/// Its `Display` form is what a dry run prints: the request line, the headers, a blank line
/// and a summary of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPreview {
    pub method: String,
    /// The full URL, secret query parameters (API keys) redacted.
    pub url: String,
    /// Header names and values, sensitive values (credentials) redacted.
    pub headers: Vec<(String, String)>,
    /// What the body is, in a few lines; empty for no body.
    pub body: Vec<String>,
}

impl RequestPreview {
    /// `built` as the client built it for a preview: credentials in the query already replaced
    /// by [`REDACTED`], those in headers marked sensitive.
    pub(crate) fn new(built: &reqwest::Request, body: &Body, redactor: &Redactor) -> Self {
        let headers = built
            .headers()
            .iter()
            .map(|(name, value)| {
                let shown = if value.is_sensitive() || is_credential_header(name) {
                    REDACTED.to_owned()
                } else {
                    redactor.bytes(value.as_bytes())
                };
                (name.as_str().to_owned(), shown)
            })
            .collect();
        let mut url = built.url().clone();
        redactor.url(&mut url);
        RequestPreview {
            method: built.method().as_str().to_owned(),
            url: url.to_string(),
            headers,
            body: describe(body)
                .into_iter()
                .map(|line| redactor.text(&line).into_owned())
                .collect(),
        }
    }
}

fn describe(body: &Body) -> Vec<String> {
    match body {
        Body::Empty => Vec::new(),
        Body::Json(bytes) if bytes.len() <= MAX_SHOWN_JSON => {
            let pretty = serde_json::from_slice::<serde_json::Value>(bytes)
                .ok()
                .and_then(|value| serde_json::to_string_pretty(&value).ok());
            match pretty {
                Some(text) => text.lines().map(str::to_owned).collect(),
                None => vec![format!("{} bytes of JSON", bytes.len())],
            }
        }
        Body::Json(bytes) => vec![format!("{} bytes of JSON", bytes.len())],
        Body::Bytes {
            content_type,
            bytes,
        } => vec![format!("{} bytes of {content_type}", bytes.len())],
        Body::Multipart(form) => {
            let mut lines = vec!["multipart/form-data:".to_owned()];
            lines.extend(form.describe().into_iter().map(|line| format!("  {line}")));
            lines
        }
    }
}

impl fmt::Display for RequestPreview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} {}", self.method, self.url)?;
        for (name, value) in &self.headers {
            writeln!(f, "{name}: {value}")?;
        }
        if !self.body.is_empty() {
            writeln!(f)?;
            for line in &self.body {
                writeln!(f, "{line}")?;
            }
        }
        Ok(())
    }
}

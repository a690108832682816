//! What the fake received, request by request, with credentials redacted, for assertions.

use axum::http::HeaderMap;

/// What stands in for a credential in the journal.
pub const REDACTED: &str = "<redacted>";

/// One request the fake received (see [`crate::Fake::journal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Received {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query's pairs, decoded, in order; an `api_key`'s value is [`REDACTED`].
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case, in order; credentials (`authorization`,
    /// `x-api-key`, `cookie`) are [`REDACTED`].
    pub headers: Vec<(String, String)>,
    /// What the body was, in a line: empty; JSON (as sent, up to 1 KiB, with `password`
    /// members redacted); a multipart form (its parts' names and file names); else its size
    /// and media type.
    pub body: String,
}

impl Received {
    /// The value of header `name` (any case), if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of query parameter `name`, if it was sent.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn new(
        method: &str,
        uri: &axum::http::Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let query = uri
            .query()
            .map(|q| {
                url_pairs(q)
                    .map(|(name, value)| {
                        let value = if name == "api_key" {
                            REDACTED.to_owned()
                        } else {
                            value
                        };
                        (name, value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let media_type = headers.get("content-type").and_then(|v| v.to_str().ok());
        let body = summary(media_type, body);
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let secret = matches!(name.as_str(), "authorization" | "x-api-key" | "cookie");
                let value = if secret {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), value)
            })
            .collect();
        Received {
            method: method.to_owned(),
            path: uri.path().to_owned(),
            query,
            headers,
            body,
        }
    }
}

/// `a=1&b=x%20y` as decoded pairs (the `url` crate's form decoding, as the client's runtime
/// encodes them).
pub(crate) fn url_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
}

/// One form-encoded text decoded (`+` is a space; a `%` without two hex digits stays).
#[cfg(test)]
fn decode(text: &str) -> String {
    url_pairs(&format!("x={text}"))
        .next()
        .map(|(_, v)| v)
        .unwrap_or_default()
}

/// The body in a line (see [`Received::body`]).
fn summary(media_type: Option<&str>, body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    let media_type = media_type.unwrap_or("");
    if media_type.starts_with("application/json") && body.len() <= 1024 {
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(body) {
            if let Some(password) = value.get_mut("password") {
                *password = serde_json::Value::String(REDACTED.into());
            }
            return value.to_string();
        }
    }
    if media_type.starts_with("multipart/form-data") {
        let body = bytes::Bytes::copy_from_slice(body);
        let parts: Vec<String> = crate::multipart::parts(media_type, &body)
            .unwrap_or_default()
            .into_iter()
            .map(|part| match part.file_name {
                Some(file) => format!("{}={file:?}", part.name),
                None => part.name,
            })
            .collect();
        return format!("multipart: {}", parts.join(", "));
    }
    format!(
        "{} bytes of {}",
        body.len(),
        if media_type.is_empty() {
            "?"
        } else {
            media_type
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_journal() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Basic bWU6c2VjcmV0".parse().unwrap());
        headers.insert("x-api-key", "key-123".parse().unwrap());
        headers.insert("content-type", "application/json".parse().unwrap());
        let uri: axum::http::Uri = "/auth?api_key=key-123&page=2".parse().unwrap();
        let body = br#"{"username":"me","password":"secret-password"}"#;
        let received = Received::new("POST", &uri, &headers, body);
        let all = format!("{received:?}");
        for secret in ["bWU6c2VjcmV0", "key-123", "secret-password"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert_eq!(received.query("page"), Some("2"));
        assert_eq!(received.header("Authorization"), Some(REDACTED));
        let body: serde_json::Value = serde_json::from_str(&received.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"username": "me", "password": REDACTED})
        );
    }

    #[test]
    fn bodies_are_summed_up_in_a_line() {
        let form = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF\r\n--b\r\nContent-Disposition: form-data; name=\"sync\"\r\n\r\nfalse\r\n--b--\r\n";
        assert_eq!(
            summary(Some("multipart/form-data; boundary=b"), form),
            "multipart: file=\"a.pdf\", sync"
        );
        assert_eq!(
            summary(Some("application/pdf"), b"%PDF-1.7"),
            "8 bytes of application/pdf"
        );
        assert_eq!(summary(None, b""), "");
        assert_eq!(decode("a%20b+c%2"), "a b c%2");
    }
}

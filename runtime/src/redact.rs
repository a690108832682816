//! What a client shows never contains what it sends as credentials.
//!
//! Errors, previews and the command-line tool's output show URLs, headers and bodies, and any
//! of them can hold a credential: `reqwest` errors carry the request's URL (with an API key in
//! its query), and a server may echo a request back in an error body or a `Location` header.
//! Each client has one [`Redactor`] that knows every credential it sends, in the forms in which
//! it travels (as given, percent-encoded, JSON-escaped, Basic's base64), the tokens it obtained
//! by logging in, and the query parameters that carry API keys; everything the client shows
//! passes through it. What it keeps for the caller (`ApiError::body`, the headers) stays exactly
//! as received: only what is *shown* (`Display`, `Debug`, tracing, the tool's output) is
//! redacted.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, RwLock};

use http::{HeaderMap, HeaderName};

/// What stands in for a secret.
pub const REDACTED: &str = "<redacted>";

/// How many tokens from logging in are remembered: a long-running client logs in again every
/// time a token expires, and an error may still show an older one.
const REMEMBERED_TOKENS: usize = 16;

/// The credentials a client sends, to be replaced by [`REDACTED`] wherever the client shows
/// text. Cheap to clone; clones share what they know.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Query parameters that carry credentials (API keys in the query).
    query_names: Vec<&'static str>,
    /// Fixed secrets, longest first so that one containing another is replaced whole.
    fixed: Vec<String>,
    /// Tokens obtained by logging in, newest last.
    learned: RwLock<Vec<String>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.inner.fixed.len())
            .finish_non_exhaustive()
    }
}

/// What a client sends as credentials, as `auth` describes it for the redactor (which knows
/// nothing of credential kinds).
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// The secrets as they go on the wire before any encoding (a password, a key, Basic's
    /// base64 of `user:password`); the redactor adds their encodings.
    pub(crate) secrets: Vec<String>,
    /// Headers other than `Authorization` that carry a credential (API keys).
    pub(crate) headers: Vec<&'static str>,
    /// Query parameters that carry a credential (API keys in the query).
    pub(crate) query_names: Vec<&'static str>,
}

impl Redactor {
    pub(crate) fn new(sent: Sent, default_headers: &HeaderMap) -> Self {
        let Sent {
            secrets: mut fixed,
            headers: credential_headers,
            query_names,
        } = sent;
        for (name, value) in default_headers {
            if value.is_sensitive()
                || is_credential_header(name)
                || credential_headers
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(name.as_str()))
            {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                // `Bearer abc`: the token alone may be echoed too.
                if let Some((_, token)) = value.split_once(' ') {
                    fixed.push(token.trim().to_owned());
                }
                fixed.push(value);
            }
        }
        let mut fixed: Vec<String> = fixed.iter().flat_map(|s| encodings(s)).collect();
        fixed.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        fixed.dedup();
        Redactor {
            inner: Arc::new(Inner {
                query_names,
                fixed,
                learned: RwLock::new(Vec::new()),
            }),
        }
    }

    /// Remembers a token obtained by logging in.
    pub(crate) fn learn(&self, token: &str) {
        let mut learned = self
            .inner
            .learned
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for form in encodings(token) {
            if !learned.contains(&form) {
                learned.push(form);
            }
        }
        let excess = learned.len().saturating_sub(REMEMBERED_TOKENS * 3);
        learned.drain(..excess);
    }

    /// `text` with every credential replaced by [`REDACTED`]; borrowed when it holds none.
    pub(crate) fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let learned = self
            .inner
            .learned
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Every place any secret occurs, found in the text as given and then joined where
        // they overlap: a short password inside a token must not split the token into pieces
        // that each show, as replacing one secret after another would.
        let mut found: Vec<(usize, usize)> = Vec::new();
        for secret in self.inner.fixed.iter().chain(learned.iter()) {
            // Overlapping occurrences too (`abab` twice in `ababab`): each is searched for from
            // the character after the last one's start.
            let mut from = 0;
            while let Some(at) = text[from..].find(secret.as_str()) {
                let start = from + at;
                found.push((start, start + secret.len()));
                from = start + text[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if found.is_empty() {
            return Cow::Borrowed(text);
        }
        found.sort_unstable();
        let mut redacted = String::with_capacity(text.len());
        let mut shown = 0;
        for (start, end) in found {
            if start >= shown {
                redacted.push_str(&text[shown..start]);
                redacted.push_str(REDACTED);
            }
            shown = shown.max(end);
        }
        redacted.push_str(&text[shown..]);
        Cow::Owned(redacted)
    }

    /// Bytes as text (invalid UTF-8 replaced), credentials replaced.
    pub(crate) fn bytes(&self, bytes: &[u8]) -> String {
        self.text(&String::from_utf8_lossy(bytes)).into_owned()
    }

    /// Whether `text` holds a credential.
    pub(crate) fn finds(&self, text: &str) -> bool {
        matches!(self.text(text), Cow::Owned(_))
    }

    /// A URL with credential query parameters, credentials anywhere else and a password in
    /// its user information redacted.
    pub(crate) fn url(&self, url: &mut url::Url) {
        if url.password().is_some() {
            let _ = url.set_password(Some(REDACTED));
        }
        let names = &self.inner.query_names;
        let query_needs = url.query_pairs().any(|(name, value)| {
            names.iter().any(|n| *n == name) || self.finds(&name) || self.finds(&value)
        });
        if query_needs {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(name, value)| {
                    let value = if names.iter().any(|n| *n == name) {
                        REDACTED.to_owned()
                    } else {
                        self.text(&value).into_owned()
                    };
                    (self.text(&name).into_owned(), value)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        if let Cow::Owned(path) = self.text(url.path()) {
            url.set_path(&path);
        }
        if let Some(Cow::Owned(fragment)) = url.fragment().map(|f| self.text(f)) {
            url.set_fragment(Some(&fragment));
        }
        if let Cow::Owned(username) = self.text(url.username()) {
            let _ = url.set_username(&username);
        }
    }

    /// A `reqwest` error with the URL it carries redacted.
    pub(crate) fn reqwest(&self, mut error: reqwest::Error) -> reqwest::Error {
        if let Some(url) = error.url_mut() {
            self.url(url);
        }
        error
    }

    /// Marks header values that hold a credential as sensitive, so that `Debug` of the map
    /// hides them; the values themselves are kept.
    pub(crate) fn headers(&self, headers: &mut HeaderMap) {
        for value in headers.values_mut() {
            if !value.is_sensitive() && self.finds(&String::from_utf8_lossy(value.as_bytes())) {
                value.set_sensitive(true);
            }
        }
    }
}

/// Headers that carry credentials whatever their sensitivity flag says.
pub(crate) fn is_credential_header(name: &HeaderName) -> bool {
    ["authorization", "proxy-authorization", "cookie"]
        .iter()
        .any(|secret| name.as_str().eq_ignore_ascii_case(secret))
}

/// The forms in which `secret` may travel and come back: as given, percent-encoded (in a
/// query or form), and JSON-escaped. Empty secrets redact nothing.
fn encodings(secret: &str) -> Vec<String> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![secret.to_owned()];
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let escaped = serde_json::to_string(secret).unwrap_or_default();
    let escaped = escaped
        .strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned();
    let percent = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    for form in [encoded, escaped, percent] {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{sent, ApiKeyLocation, Credentials, SchemeKind, SecurityScheme};
    use crate::Secret;
    use base64::Engine;

    fn schemes() -> &'static [SecurityScheme] {
        &[SecurityScheme {
            key: "q",
            kind: SchemeKind::ApiKey {
                location: ApiKeyLocation::Query,
                name: "api_key",
            },
            login: None,
        }]
    }

    #[test]
    fn every_form_of_a_credential_is_replaced() {
        let redactor = Redactor::new(
            sent(
                schemes(),
                &[Credentials::basic("me", Secret::new("p@ss word"))],
            ),
            &HeaderMap::new(),
        );
        let basic = base64::engine::general_purpose::STANDARD.encode("me:p@ss word");
        for shown in [
            "p@ss word".to_owned(),
            "p%40ss+word".to_owned(),
            "p%40ss%20word".to_owned(),
            format!("Basic {basic}"),
        ] {
            let text = format!("before {shown} after");
            let redacted = redactor.text(&text);
            assert!(
                redacted.contains(REDACTED) && !redacted.contains(&*shown.replace("Basic ", "")),
                "{shown}: {redacted}"
            );
        }
        assert!(matches!(redactor.text("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn urls_lose_credential_parameters_and_passwords() {
        let redactor = Redactor::new(
            sent(schemes(), &[Credentials::api_key_in_query("k3y")]),
            &HeaderMap::new(),
        );
        let mut url =
            url::Url::parse("http://u:pw@h/a/k3y?x=1&api_key=anything&y=k3y#k3y").unwrap();
        redactor.url(&mut url);
        let shown = url.to_string();
        assert!(!shown.contains("k3y") && !shown.contains("pw"), "{shown}");
        assert!(!shown.contains("anything"), "{shown}");
        assert!(shown.contains("x=1"), "{shown}");
    }

    #[test]
    fn learned_tokens_are_redacted_and_bounded() {
        let redactor = Redactor::default();
        for i in 0..100 {
            redactor.learn(&format!("token-{i:03}"));
        }
        assert_eq!(redactor.text("token-099"), REDACTED);
        assert_eq!(redactor.text("token-000"), "token-000");
    }

    /// A short password that occurs inside a token must not split it: the whole token goes.
    /// (Before: the password was replaced first, and the token, no longer whole, was shown in
    /// pieces around each `<redacted>`.)
    #[test]
    fn a_secret_inside_another_does_not_split_it() {
        let redactor = Redactor::new(
            sent(&[], &[Credentials::login("me", Secret::new("ab"))]),
            &HeaderMap::new(),
        );
        let token = "eyJhbGciOi.abxyzabQ.sigab";
        redactor.learn(token);
        let text = format!("token {token} and ab, abab, aba");
        let shown = redactor.text(&text);
        assert_eq!(
            shown,
            format!("token {REDACTED} and {REDACTED}, {REDACTED}{REDACTED}, {REDACTED}a")
        );
        for piece in ["eyJ", "xyz", "sig"] {
            assert!(!shown.contains(piece), "{shown}");
        }
    }

    /// A secret that repeats its own start is redacted wherever it occurs, overlapping
    /// occurrences included. (Before: `abab` in `ababab` left `ab` shown.)
    #[test]
    fn overlapping_occurrences_of_a_secret_are_all_redacted() {
        let redactor = Redactor::new(
            sent(&[], &[Credentials::token(Secret::new("abab"))]),
            &HeaderMap::new(),
        );
        assert_eq!(redactor.text("x ababab y"), format!("x {REDACTED} y"));
        assert_eq!(redactor.text("é abab é"), format!("é {REDACTED} é"));
    }
}

//! A request as the generated code describes it, before the runtime sends it.

use std::fmt::Display;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::multipart::Form;
use crate::wire::wire_text;

/// Characters escaped in a path segment: everything but RFC 3986 `pchar`s.
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A structured path parameter as text (the generated code's choice for path parameters that
/// are neither primitives nor arrays of them): a string as itself, anything else as JSON text
/// (see `wire_text`). Values of the generated types always serialise; should one not, the
/// error's text takes the value's place, so that the request fails visibly rather than going
/// out with a part missing.
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    wire_text(value).unwrap_or_else(|e| format!("<not serialisable: {e}>"))
}

/// The media type of a form written as a query string.
pub const URL_ENCODED: &str = "application/x-www-form-urlencoded";

/// `body`, an object, as `application/x-www-form-urlencoded` text (see [`Request::url_encoded`]).
pub fn url_encoded<T: serde::Serialize + ?Sized>(body: &T) -> Result<String, String> {
    let serde_json::Value::Object(members) =
        serde_json::to_value(body).map_err(|e| e.to_string())?
    else {
        return Err("a form body must be an object".into());
    };
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    // In name order, whether or not a crate in the build turns on `serde_json/preserve_order`.
    let mut members: Vec<_> = members.into_iter().collect();
    members.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in &members {
        let items = match value {
            serde_json::Value::Array(items) => items.iter().collect(),
            value => vec![value],
        };
        for item in items.into_iter().filter(|item| !item.is_null()) {
            form.append_pair(name, &wire_text(item).map_err(|e| e.to_string())?);
        }
    }
    Ok(form.finish())
}

/// A path parameter's value, escaped so that it stays one segment: written straight into the
/// path as it is formatted, without a string of its own.
pub fn path_segment<T: Display>(value: T) -> PathSegment<T> {
    PathSegment(value)
}

/// A value that formats as one escaped path segment (see [`path_segment`]).
#[derive(Debug, Clone, Copy)]
pub struct PathSegment<T>(T);

impl<T: Display> Display for PathSegment<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        /// Escapes what the value writes. Each piece is whole UTF-8, so escaping piece by
        /// piece escapes as the whole text would be.
        struct Escaping<'a, 'b>(&'a mut std::fmt::Formatter<'b>);
        impl std::fmt::Write for Escaping<'_, '_> {
            fn write_str(&mut self, text: &str) -> std::fmt::Result {
                utf8_percent_encode(text, PATH_SEGMENT)
                    .try_for_each(|piece| self.0.write_str(piece))
            }
        }
        std::fmt::Write::write_fmt(&mut Escaping(f), format_args!("{}", self.0))
    }
}

/// Checks that `path`, built from `template` with each parameter escaped by [`path_segment`],
/// has the template's segments. A parameter whose value is `.` or `..` would be a dot segment,
/// which URL normalisation removes together with the segment before it, so that the request
/// would go to another route (`/documents/{id}/reprocess` with `..` becomes `/reprocess`); an
/// empty one would reach the route with a trailing slash instead. Escaping cannot help: `%2e`
/// is a dot segment too for URL parsers. Such values are refused, naming the parameter.
pub(crate) fn check_path(template: &str, path: &str) -> Result<(), String> {
    // Every call passes here, so it walks bytes, once: `/`, `{` and `}` are ASCII.
    fn segments(text: &str) -> impl Iterator<Item = &[u8]> {
        text.as_bytes().split(|&b| b == b'/')
    }
    let (mut patterns, mut segments) = (segments(template), segments(path));
    loop {
        let (pattern, segment) = match (patterns.next(), segments.next()) {
            (Some(pattern), Some(segment)) => (pattern, segment),
            (None, None) => return Ok(()),
            _ => {
                return Err(format!(
                    "the path {path:?} does not have the segments of {template}"
                ))
            }
        };
        let Some(start) = pattern.iter().position(|&b| b == b'{') else {
            continue;
        };
        let name = || {
            let name = &pattern[start + 1..];
            let end = name.iter().position(|&b| b == b'}').unwrap_or(name.len());
            String::from_utf8_lossy(&name[..end]).into_owned()
        };
        if is_dot_segment(segment) {
            let decoded = String::from_utf8_lossy(segment)
                .replace("%2e", ".")
                .replace("%2E", ".");
            return Err(format!(
                "path parameter {} is {decoded:?}: a dot segment would send the request to \
                 another path",
                name()
            ));
        }
        if segment.is_empty() {
            return Err(format!("path parameter {} is empty", name()));
        }
    }
}

/// `.` or `..`, each dot written as itself or as `%2e` (either case).
fn is_dot_segment(segment: &[u8]) -> bool {
    fn after_dot(text: &[u8]) -> Option<&[u8]> {
        text.strip_prefix(b".").or_else(|| {
            text.get(..3)
                .filter(|escaped| escaped.eq_ignore_ascii_case(b"%2e"))
                .map(|_| &text[3..])
        })
    }
    match after_dot(segment) {
        Some([]) => true,
        Some(rest) => after_dot(rest) == Some(&[]),
        None => false,
    }
}

/// A request's body.
#[derive(Debug, Clone, Default)]
pub enum Body {
    #[default]
    Empty,
    /// Serialised JSON.
    Json(Bytes),
    Multipart(Form),
    Bytes {
        content_type: String,
        bytes: Bytes,
    },
}

/// One call's request: the path with its parameters filled in, query, headers and body.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) accept: Option<&'static str>,
    /// Read the 2xx body inside the attempt, so that a body cut short is retried like any
    /// other transport failure. Streams (downloads) are not buffered.
    pub(crate) buffer: bool,
    pub(crate) body: Body,
    pub(crate) options: CallOptions,
    /// A value that could not be encoded; reported when the call is made, before sending.
    pub(crate) error: Option<String>,
    /// Send `Content-Length: 0` when there is no body (see [`Request::content_length_required`]).
    pub(crate) length_required: bool,
}

impl Request {
    /// `path` is the operation's path with parameters already escaped by [`path_segment`].
    pub fn new(path: String) -> Self {
        Request {
            path,
            ..Self::default()
        }
    }

    pub fn query(&mut self, name: &'static str, value: impl Display) {
        self.query.push((name, value.to_string()));
    }

    /// An array parameter, sent as the name repeated (`form` style, exploded).
    pub fn query_each<T: Display>(
        &mut self,
        name: &'static str,
        values: impl IntoIterator<Item = T>,
    ) {
        for value in values {
            self.query(name, value);
        }
    }

    pub fn header(&mut self, name: &'static str, value: impl Display) {
        self.headers.push((name, value.to_string()));
    }

    /// A structured query parameter: a string as itself, anything else as JSON text.
    pub fn query_json<T: serde::Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match wire_text(value) {
            Ok(text) => self.query.push((name, text)),
            Err(e) => self.error = Some(format!("query parameter {name} does not encode: {e}")),
        }
    }

    /// A structured header: a string as itself, anything else as JSON text.
    pub fn header_json<T: serde::Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        match wire_text(value) {
            Ok(text) => self.headers.push((name, text)),
            Err(e) => self.error = Some(format!("header {name} does not encode: {e}")),
        }
    }

    /// The document requires a `Content-Length` header for this operation: without a body it
    /// is sent as `0` (HTTP sends it for POST, PUT and PATCH anyway; this adds the others,
    /// such as PeerTube's `DELETE` of a resumable upload).
    pub fn content_length_required(&mut self) {
        self.length_required = true;
    }

    /// Reads the whole 2xx body as part of the attempt (for bodies that are decoded, not
    /// streamed).
    pub fn buffer_body(&mut self) {
        self.buffer = true;
    }

    /// The media types the caller wants back.
    pub fn accept(&mut self, media_types: &'static str) {
        self.accept = Some(media_types);
    }

    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Json(bytes.into()),
            Err(e) => self.error = Some(format!("body does not serialise as JSON: {e}")),
        }
    }

    /// An `application/x-www-form-urlencoded` body: each member of `body` (an object) is a
    /// field, its value written as a parameter carries it (a string as itself, anything else
    /// as JSON text); an array is its field repeated, once per item; `null` is left out.
    pub fn url_encoded<T: serde::Serialize + ?Sized>(&mut self, body: &T) {
        match url_encoded(body) {
            Ok(text) => self.bytes(URL_ENCODED, text),
            Err(e) => self.error = Some(format!("body does not encode as a form: {e}")),
        }
    }

    /// A JSON body already serialised (for callers that build JSON themselves).
    pub fn json_bytes(&mut self, bytes: impl Into<Bytes>) {
        self.body = Body::Json(bytes.into());
    }

    pub fn multipart(&mut self, form: Form) {
        self.body = Body::Multipart(form);
    }

    pub fn bytes(&mut self, content_type: impl Into<String>, bytes: impl Into<Bytes>) {
        self.body = Body::Bytes {
            content_type: content_type.into(),
            bytes: bytes.into(),
        };
    }

    pub fn options(&mut self, options: CallOptions) {
        self.options = options;
    }

    /// Whether the body can be produced again for another attempt.
    pub(crate) fn is_replayable(&self) -> bool {
        match &self.body {
            Body::Multipart(form) => form.is_replayable(),
            _ => true,
        }
    }
}

/// Settings for one call that override the client's defaults.
#[derive(Clone, Default)]
pub struct CallOptions {
    /// Boxed, and absent when nothing is set: every builder and request holds options, and
    /// most calls set none, so they cost one word instead of fifteen.
    set: Option<Box<Settings>>,
}

/// What [`CallOptions`] can set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub(crate) retry: Option<crate::RetryPolicy>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) retry_non_idempotent: bool,
}

/// The settings of options that set nothing.
static NOTHING_SET: Settings = Settings {
    retry: None,
    idle_timeout: None,
    attempt_timeout: None,
    total_timeout: None,
    headers: Vec::new(),
    retry_non_idempotent: false,
};

impl CallOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// What these options set (the client's defaults stand for the rest).
    pub(crate) fn get(&self) -> &Settings {
        self.set.as_deref().unwrap_or(&NOTHING_SET)
    }

    fn set(&mut self) -> &mut Settings {
        self.set.get_or_insert_with(Box::default)
    }

    /// The retry policy for this call.
    pub fn retry(mut self, policy: crate::RetryPolicy) -> Self {
        self.set().retry = Some(policy);
        self
    }

    /// How long an attempt may go without a byte moving (see
    /// [`ClientBuilder::idle_timeout`](crate::ClientBuilder::idle_timeout)).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.set().idle_timeout = Some(timeout);
        self
    }

    /// How long one attempt may take in all.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.set().attempt_timeout = Some(timeout);
        self
    }

    /// How long the call may take in all, retries included.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.set().total_timeout = Some(timeout);
        self
    }

    /// An extra header for this call.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.set().headers.push((name.into(), value.into()));
        self
    }

    /// Retry this call even though its method (POST, PATCH) is not idempotent and a failed
    /// attempt may have reached the server. Only for calls the caller knows are safe to repeat.
    pub fn retry_non_idempotent(mut self, allow: bool) -> Self {
        self.set().retry_non_idempotent = allow;
        self
    }
}

/// As the settings themselves, whether boxed or not.
impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = self.get();
        f.debug_struct("CallOptions")
            .field("retry", &set.retry)
            .field("idle_timeout", &set.idle_timeout)
            .field("attempt_timeout", &set.attempt_timeout)
            .field("total_timeout", &set.total_timeout)
            .field("headers", &set.headers)
            .field("retry_non_idempotent", &set.retry_non_idempotent)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields as parameters carry them: strings unquoted and escaped, arrays repeated, `null`
    /// left out, a nested object as JSON text.
    #[test]
    fn url_encoded_bodies_write_each_member_as_a_field() {
        let body = serde_json::json!({
            "FriendlyName": "a b&c=d",
            "count": 2,
            "flags": [true, false],
            "employee[email]": "x@y.z",
            "gone": null,
            "meta": {"k": "v"},
        });
        assert_eq!(
            url_encoded(&body).unwrap(),
            "FriendlyName=a+b%26c%3Dd&count=2&employee%5Bemail%5D=x%40y.z&flags=true&flags=false\
             &meta=%7B%22k%22%3A%22v%22%7D"
        );
        assert!(url_encoded(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn path_segments_are_escaped_but_keep_pchars() {
        assert_eq!(path_segment("a b/c?d#e").to_string(), "a%20b%2Fc%3Fd%23e");
        assert_eq!(path_segment("0:3").to_string(), "0:3");
        assert_eq!(path_segment("é").to_string(), "%C3%A9");
    }

    #[test]
    fn dot_and_empty_parameters_are_refused_by_name() {
        let template = "/documents/{document_id}/reprocess";
        for bad in [".", "..", ""] {
            let path = format!("/documents/{}/reprocess", path_segment(bad));
            let message = check_path(template, &path).unwrap_err();
            assert!(message.contains("document_id"), "{message}");
        }
        for good in ["...", ".a", "a.", "%2e", "a/..", "0"] {
            let path = format!("/documents/{}/reprocess", path_segment(good));
            assert_eq!(check_path(template, &path), Ok(()), "{good}");
        }
        for dots in ["%2E%2e", ".%2E", "%2e.", "%2e"] {
            let path = format!("/documents/{dots}/reprocess");
            assert!(check_path(template, &path).is_err(), "{dots}");
        }
        assert_eq!(
            check_path(template, "/documents/%2e%2e%2e/reprocess"),
            Ok(())
        );
        assert!(check_path(template, "/documents/a/b/reprocess").is_err());
    }
}

//! What the runtime needs to know about an operation, supplied by the generated code.

/// A static description of one API operation. The generated crate has one per operation;
/// the runtime uses it for the URL, credentials, retry safety, error messages and tracing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The Rust method name (`get_document`).
    pub name: &'static str,
    /// The HTTP method, upper case (`GET`).
    pub method: &'static str,
    /// The path template as the document gives it (`/documents/{document_id}`).
    pub path: &'static str,
    /// Alternatives, any one of which authorises the call; each lists the security scheme
    /// keys that must all be satisfied. Empty: the operation needs no credentials.
    pub security: &'static [&'static [&'static str]],
    /// Whether sending the request twice has the same effect as once (RFC 9110 §9.2.2):
    /// requests that may have reached the server are retried only when this is true.
    pub idempotent: bool,
}

impl Operation {
    pub(crate) fn http_method(&self) -> http::Method {
        // The common methods as constants, not parsed on every call.
        match self.method {
            "GET" => http::Method::GET,
            "POST" => http::Method::POST,
            "PUT" => http::Method::PUT,
            "PATCH" => http::Method::PATCH,
            "DELETE" => http::Method::DELETE,
            other => http::Method::from_bytes(other.as_bytes()).unwrap_or(http::Method::GET),
        }
    }
}

//! Stubs: a server on loopback that answers each operation as a test says, counts the calls
//! each stub answered, and fails the test on a call no stub answers, naming the stubs of that
//! operation (where the test registered them) so that the closest one is easy to find.
//!
//! This is the engine of the typed stubs the generated client offers per operation (its
//! `testing` feature); it also works untyped:
//!
//! ```
//! use contractfit_fake::stubs::{Endpoint, Stubs};
//!
//! const GET_DOCUMENT: Endpoint = Endpoint::new("get_document", "GET", "/documents/{document_id}");
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let stubs = Stubs::start(&[GET_DOCUMENT]).await;
//! stubs
//!     .on(GET_DOCUMENT)
//!     .when(|call| call.path_param("document_id") == Some("d1"))
//!     .times(1)
//!     .returns_json(200, serde_json::json!({"id": "d1"}));
//! let answer = reqwest_get(&format!("{}/documents/d1", stubs.url())).await?;
//! assert_eq!(answer, r#"{"id":"d1"}"#);
//! stubs.verify()?;
//! # Ok(())
//! # }
//! # async fn reqwest_get(url: &str) -> Result<String, Box<dyn std::error::Error>> {
//! #     let client = contractfit::runtime::reqwest::Client::new();
//! #     Ok(client.get(url).send().await?.text().await?)
//! # }
//! ```

use std::net::SocketAddr;
use std::panic::Location;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

use crate::lock;
pub use crate::multipart::Part;

/// An operation as the stubs route it: its name, method and path template (`{name}` for a
/// path parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub operation: &'static str,
    pub method: &'static str,
    pub template: &'static str,
}

impl Endpoint {
    pub const fn new(
        operation: &'static str,
        method: &'static str,
        template: &'static str,
    ) -> Self {
        Endpoint {
            operation,
            method,
            template,
        }
    }

    /// The path parameters, when `path` is this endpoint's template filled in.
    fn parameters(&self, path: &str) -> Option<Vec<(String, String)>> {
        let template: Vec<&str> = self.template.trim_matches('/').split('/').collect();
        let sent: Vec<&str> = path.trim_matches('/').split('/').collect();
        if template.len() != sent.len() {
            return None;
        }
        let mut parameters = Vec::new();
        for (pattern, segment) in template.iter().zip(&sent) {
            match pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) if !segment.is_empty() => {
                    // A path segment is percent-encoded, not form-encoded: `+` stays `+`.
                    let value = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
                    parameters.push((name.to_owned(), value.into_owned()));
                }
                Some(_) => return None,
                None if pattern == segment => {}
                None => return None,
            }
        }
        Some(parameters)
    }

    /// How many literal segments it has: the more, the more specific a match.
    fn literal_segments(&self) -> usize {
        self.template
            .split('/')
            .filter(|s| !s.starts_with('{'))
            .count()
    }
}

/// A request as a stub sees it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Call {
    /// The operation it was routed to.
    pub operation: &'static str,
    /// The path parameters, decoded, by name.
    pub path_params: Vec<(String, String)>,
    /// The query's pairs, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: bytes::Bytes,
}

impl Call {
    /// The value of path parameter `name`.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        find(&self.path_params, name)
    }

    /// The (first) value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        find(&self.query, name)
    }

    /// The value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        find(&self.headers, &name)
    }

    /// The body read as JSON of type `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

type Matcher = Box<dyn Fn(&Call) -> bool + Send + Sync>;

struct Rule {
    endpoint: Endpoint,
    matcher: Option<Matcher>,
    status: StatusCode,
    content_type: String,
    body: bytes::Bytes,
    expected: Option<usize>,
    answered: usize,
    registered_at: &'static Location<'static>,
}

impl Rule {
    fn describe(&self, number: usize) -> String {
        let when = if self.matcher.is_some() {
            " when …"
        } else {
            ""
        };
        let times = self
            .expected
            .map(|n| format!(", expected {n} time(s)"))
            .unwrap_or_default();
        format!(
            "stub #{number} of {}{when} (registered at {}), answered {}{times}",
            self.endpoint.operation, self.registered_at, self.answered
        )
    }
}

#[derive(Default)]
struct State {
    endpoints: Vec<Endpoint>,
    rules: Mutex<Vec<Rule>>,
    unmatched: Mutex<Vec<String>>,
}

/// A stub server on a loopback port (see the module's documentation). Dropping it checks what
/// [`Stubs::verify`] checks and panics (failing the test) if that fails, unless the thread is
/// already panicking.
pub struct Stubs {
    state: Arc<State>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Stubs {
    /// Serves `endpoints` on a free loopback port; a request to none of them, or one no stub
    /// answers, is answered 501 with the reason and fails [`Stubs::verify`].
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub async fn start(endpoints: &[Endpoint]) -> Stubs {
        let state = Arc::new(State {
            endpoints: endpoints.to_vec(),
            ..State::default()
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the stubs bind a loopback port");
        let addr = listener.local_addr().expect("a bound address");
        let router = axum::Router::new()
            .fallback(answer)
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Stubs { state, addr, task }
    }

    /// The base URL to give the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A stub of `endpoint`, registered when its answer is given. Stubs are tried in the order
    /// they were registered; the first whose condition holds, and that has not yet answered as
    /// many calls as it expects ([`StubBuilder::times`]), answers. So stubs registered in turn,
    /// each with `times`, answer in turn: a sequence.
    #[track_caller]
    pub fn on(&self, endpoint: Endpoint) -> StubBuilder<'_> {
        StubBuilder {
            stubs: self,
            endpoint,
            matcher: None,
            expected: None,
            registered_at: Location::caller(),
        }
    }

    /// `Ok` when every stub with [`StubBuilder::times`] answered exactly that many calls and
    /// every call found a stub; else what went wrong, one line each.
    pub fn verify(&self) -> Result<(), String> {
        let mut problems: Vec<String> = lock(&self.state.unmatched).clone();
        for (i, rule) in lock(&self.state.rules).iter().enumerate() {
            if rule.expected.is_some_and(|n| n != rule.answered) {
                problems.push(rule.describe(i + 1));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

impl Drop for Stubs {
    fn drop(&mut self) {
        self.task.abort();
        if !std::thread::panicking() {
            if let Err(problems) = self.verify() {
                panic!("the stubs were not used as the test said:\n{problems}");
            }
        }
    }
}

/// A stub being described: a condition, how often it must answer, then its answer.
#[must_use = "a stub is registered when its answer is given"]
pub struct StubBuilder<'s> {
    stubs: &'s Stubs,
    endpoint: Endpoint,
    matcher: Option<Matcher>,
    expected: Option<usize>,
    registered_at: &'static Location<'static>,
}

impl StubBuilder<'_> {
    /// Answers only calls for which `condition` holds.
    pub fn when(mut self, condition: impl Fn(&Call) -> bool + Send + Sync + 'static) -> Self {
        self.matcher = Some(Box::new(condition));
        self
    }

    /// Expects exactly `n` calls answered by this stub (checked by [`Stubs::verify`] and on
    /// drop); after `n`, it leaves further calls to the stubs registered after it.
    pub fn times(mut self, n: usize) -> Self {
        self.expected = Some(n);
        self
    }

    /// Answers with `status` and `body` as JSON.
    pub fn returns_json(self, status: u16, body: serde_json::Value) {
        self.responds(status, "application/json", body.to_string());
    }

    /// Answers with `status`, a body of media type `content_type`.
    pub fn responds(self, status: u16, content_type: &str, body: impl Into<bytes::Bytes>) {
        let rule = Rule {
            endpoint: self.endpoint,
            matcher: self.matcher,
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            content_type: content_type.to_owned(),
            body: body.into(),
            expected: self.expected,
            answered: 0,
            registered_at: self.registered_at,
        };
        lock(&self.stubs.state.rules).push(rule);
    }
}

/// Routes a request to its endpoint and answers it with the first stub that takes it.
async fn answer(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let routed = state
        .endpoints
        .iter()
        .filter(|e| e.method.eq_ignore_ascii_case(method))
        .filter_map(|e| Some((e, e.parameters(path)?)))
        .max_by_key(|(e, _)| e.literal_segments());
    let Some((endpoint, path_params)) = routed else {
        let problem = format!("{method} {path}: no operation has this method and path");
        lock(&state.unmatched).push(problem.clone());
        return (StatusCode::NOT_IMPLEMENTED, problem).into_response();
    };
    let call = Call {
        operation: endpoint.operation,
        path_params,
        query: parts
            .uri
            .query()
            .map(|q| crate::journal::url_pairs(q).collect())
            .unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    let mut rules = lock(&state.rules);
    // A stub that has answered as often as it expects steps aside: stubs registered in turn
    // play a sequence ("503, then 200"; "processing, then done").
    let chosen = rules.iter_mut().find(|rule| {
        rule.endpoint == *endpoint
            && rule.expected.is_none_or(|n| rule.answered < n)
            && rule.matcher.as_ref().is_none_or(|holds| holds(&call))
    });
    if let Some(rule) = chosen {
        rule.answered += 1;
        return (
            rule.status,
            [("content-type", rule.content_type.clone())],
            rule.body.clone(),
        )
            .into_response();
    }
    let of_operation: Vec<String> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.endpoint == *endpoint)
        .map(|(i, r)| format!("  {}", r.describe(i + 1)))
        .collect();
    let problem = if of_operation.is_empty() {
        // The closest are the stubs under the same first path segment (`/documents/…`).
        let first = |p: &str| {
            p.trim_start_matches('/')
                .split('/')
                .next()
                .map(str::to_owned)
        };
        let mut nearby: Vec<String> = rules
            .iter()
            .filter(|r| first(r.endpoint.template) == first(endpoint.template))
            .map(|r| {
                format!(
                    "{} ({} {})",
                    r.endpoint.operation, r.endpoint.method, r.endpoint.template
                )
            })
            .collect();
        nearby.dedup();
        let nearby = if nearby.is_empty() {
            format!("{} other operations are stubbed", rules.len())
        } else {
            format!("stubbed nearby: {}", nearby.join(", "))
        };
        format!(
            "{method} {path} ({}): no stub of this operation; {nearby}",
            endpoint.operation
        )
    } else {
        format!(
            "{method} {path} ({}, {:?}): none of its stubs took it:\n{}",
            endpoint.operation,
            call.path_params,
            of_operation.join("\n")
        )
    };
    drop(rules);
    lock(&state.unmatched).push(problem.clone());
    (StatusCode::NOT_IMPLEMENTED, problem).into_response()
}

/// A call's arguments as the operation's own types, read back from the request: generated per
/// operation by the client's `testing` feature.
pub trait FromCall: Sized {
    /// The arguments of `call`; an error says which one does not read as its type.
    fn from_call(call: &Call) -> Result<Self, String>;
}

/// The answer type of an operation whose success is not JSON: such a stub answers with
/// [`Stub::returns_body`] or [`Stub::returns_nothing`], not [`Stub::returns`].
#[derive(Debug)]
pub struct NotJson;

/// A stub of one operation in its own types: `C` its call's arguments, `T` its success's
/// answer. Made by the generated client's `testing::Mock`, one method per operation.
#[must_use = "a stub is registered when its answer is given"]
pub struct Stub<'s, C, T> {
    builder: StubBuilder<'s>,
    success: u16,
    types: std::marker::PhantomData<fn(&C) -> T>,
}

impl<'s, C: FromCall + 'static, T> Stub<'s, C, T> {
    /// A stub answering through `builder`, with `success` the operation's success status.
    pub fn new(builder: StubBuilder<'s>, success: u16) -> Self {
        Stub {
            builder,
            success,
            types: std::marker::PhantomData,
        }
    }

    /// Answers only calls whose arguments meet `condition` (a call whose arguments do not read
    /// as the operation's types meets none).
    pub fn when(mut self, condition: impl Fn(&C) -> bool + Send + Sync + 'static) -> Self {
        self.builder = self
            .builder
            .when(move |call| C::from_call(call).is_ok_and(|args| condition(&args)));
        self
    }

    /// Expects exactly `n` calls answered by this stub; after `n`, it leaves further calls to
    /// the stubs registered after it (a sequence: `times(1)` of a 503, then the answer).
    pub fn times(mut self, n: usize) -> Self {
        self.builder = self.builder.times(n);
        self
    }

    /// Answers with the operation's success status and `value` as JSON.
    pub fn returns(self, value: T)
    where
        T: serde::Serialize,
    {
        let body = serde_json::to_vec(&value).unwrap_or_else(|e| e.to_string().into_bytes());
        self.builder
            .responds(self.success, "application/json", body);
    }

    /// Answers with the operation's success status and no body.
    pub fn returns_nothing(self) {
        self.builder.responds(self.success, "", bytes::Bytes::new());
    }

    /// Answers with `status` and a body of media type `content_type` (files, text).
    pub fn returns_body(self, status: u16, content_type: &str, body: impl Into<bytes::Bytes>) {
        self.builder.responds(status, content_type, body);
    }

    /// Answers with an error: `status` and `body` as JSON (what the API sends with a 4xx).
    pub fn fails(self, status: u16, body: impl serde::Serialize) {
        let body = serde_json::to_vec(&body).unwrap_or_else(|e| e.to_string().into_bytes());
        self.builder.responds(status, "application/json", body);
    }
}

/// A parameter's text read as `T`: as a string first (strings, enums, date-times), else as
/// JSON text (numbers, booleans, structured values).
pub fn from_text<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .or_else(|_| serde_json::from_str(text))
        .map_err(|e| format!("{text:?} does not read as its type: {e}"))
}

/// A required path parameter.
pub fn path<T: serde::de::DeserializeOwned>(call: &Call, name: &str) -> Result<T, String> {
    let text = call
        .path_param(name)
        .ok_or_else(|| format!("path parameter {name} is missing"))?;
    from_text(text).map_err(|e| format!("path parameter {name}: {e}"))
}

/// An optional query parameter (the first, if repeated).
pub fn query<T: serde::de::DeserializeOwned>(call: &Call, name: &str) -> Result<Option<T>, String> {
    optional(call.query(name), || format!("query parameter {name}"))
}

/// A query parameter that may repeat, each value an item.
pub fn query_all<T: serde::de::DeserializeOwned>(
    call: &Call,
    name: &str,
) -> Result<Vec<T>, String> {
    call.query
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, text)| from_text(text).map_err(|e| format!("query parameter {name}: {e}")))
        .collect()
}

/// An optional header (a list's items comma-separated are read with [`from_text`] whole).
pub fn header<T: serde::de::DeserializeOwned>(
    call: &Call,
    name: &str,
) -> Result<Option<T>, String> {
    optional(call.header(name), || format!("header {name}"))
}

/// An optional cookie, from the `cookie` header's `name=value` pairs.
pub fn cookie<T: serde::de::DeserializeOwned>(
    call: &Call,
    name: &str,
) -> Result<Option<T>, String> {
    let cookies = call.header("cookie").unwrap_or("");
    let text = cookies
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, text)| text);
    optional(text, || format!("cookie {name}"))
}

/// `text` read as `T` if it is there; an error names `what` it was.
fn optional<T: serde::de::DeserializeOwned>(
    text: Option<&str>,
    what: impl Fn() -> String,
) -> Result<Option<T>, String> {
    text.map(|text| from_text(text).map_err(|e| format!("{}: {e}", what())))
        .transpose()
}

/// A value that must be there.
pub fn required<T>(value: Option<T>, what: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{what} is missing"))
}

/// The call's `multipart/form-data` body, read into its parts.
pub fn form(call: &Call) -> Result<Vec<Part>, String> {
    let content_type = call.header("content-type").unwrap_or("");
    crate::multipart::parts(content_type, &call.body).map_err(|e| format!("the form: {e}"))
}

/// The file sent as form field `name`, if there is one.
pub fn form_file(parts: &[Part], name: &str) -> Option<Part> {
    parts.iter().find(|part| part.name == name).cloned()
}

/// Every file sent as form field `name`.
pub fn form_files(parts: &[Part], name: &str) -> Vec<Part> {
    parts
        .iter()
        .filter(|part| part.name == name)
        .cloned()
        .collect()
}

/// Every value sent as form field `name` (a list is sent as one part per item), each read as
/// `T`.
pub fn form_values<T: serde::de::DeserializeOwned>(
    parts: &[Part],
    name: &str,
) -> Result<Vec<T>, String> {
    parts
        .iter()
        .filter(|part| part.name == name)
        .map(|part| {
            from_text(&String::from_utf8_lossy(&part.body))
                .map_err(|e| format!("form field {name}: {e}"))
        })
        .collect()
}

/// Form field `name` read as `T` (as a parameter's text is), if it was sent.
pub fn form_field<T: serde::de::DeserializeOwned>(
    parts: &[Part],
    name: &str,
) -> Result<Option<T>, String> {
    let text = parts
        .iter()
        .find(|part| part.name == name)
        .map(|part| String::from_utf8_lossy(&part.body).into_owned());
    optional(text.as_deref(), || format!("form field {name}"))
}

/// The body as JSON of type `T`; `None` when there is no body.
pub fn json_body<T: serde::de::DeserializeOwned>(call: &Call) -> Result<Option<T>, String> {
    if call.body.is_empty() {
        return Ok(None);
    }
    call.json()
        .map(Some)
        .map_err(|e| format!("the body does not read as its type: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list in a form is one part per item, read whole. (Before: only the first part was
    /// read, as a whole list, and a stub's condition on it never held.)
    #[test]
    fn a_form_list_is_read_from_every_part_of_its_name() {
        let body = bytes::Bytes::from_static(
            b"--b\r\nContent-Disposition: form-data; name=\"pages\"\r\n\r\n1\r\n\
              --b\r\nContent-Disposition: form-data; name=\"pages\"\r\n\r\n2\r\n\
              --b\r\nContent-Disposition: form-data; name=\"sync\"\r\n\r\nfalse\r\n--b--\r\n",
        );
        let parts = crate::multipart::parts("multipart/form-data; boundary=b", &body).unwrap();
        assert_eq!(form_values::<i64>(&parts, "pages").unwrap(), [1, 2]);
        assert_eq!(form_field::<bool>(&parts, "sync").unwrap(), Some(false));
        assert_eq!(
            form_values::<i64>(&parts, "none").unwrap(),
            Vec::<i64>::new()
        );
        assert!(form_values::<i64>(&parts, "sync").is_err());
    }
}

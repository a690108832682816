//! Faults injected into the next requests of a route: refusals before the request is handled,
//! and answers spoilt after.

use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;

/// A fault the fake injects into the next requests of one route (see [`crate::Fake::inject`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Fault {
    /// 429 with `Retry-After: seconds`; the request is not handled.
    TooManyRequests { retry_after: u64 },
    /// 503; the request is not handled.
    Unavailable,
    /// The request is handled, the status line and headers go out, then the connection
    /// drops before any body.
    ConnectionReset,
    /// The request is handled and answered after this long.
    Slow(Duration),
    /// The request is handled; half the body goes out, then the connection drops.
    TruncatedBody,
    /// The request is handled and answered with a body that is not JSON.
    MalformedJson,
    /// A redirect to this URL (another host); the request is not handled.
    Redirect(String),
    /// 400 with a message: the request is refused, not handled (as the API refuses a file).
    Refused,
    /// The request is handled and its answer, a document, says that processing failed.
    ProcessingFailed,
    /// The request is handled and its answer has `null` at this JSON pointer
    /// (`/results/1/original_filename`), as Flask-RESTX marshals an attribute the server has
    /// not set, whatever the API document says is required.
    Null(&'static str),
}

/// The routes faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Route {
    /// `POST /documents/{inbox_id}`.
    Upload,
    /// `GET /documents/{document_id}`, which waiting polls.
    GetDocument,
    /// `GET /inboxes/{inbox_id}/paginated`.
    Paginated,
}

/// The answer of a fault that refuses a request before it is handled.
pub(crate) fn refusal(fault: &Fault) -> Option<Response> {
    match fault {
        Fault::TooManyRequests { retry_after } => {
            let headers = [("retry-after", retry_after.to_string())];
            Some((StatusCode::TOO_MANY_REQUESTS, headers, "slow down").into_response())
        }
        Fault::Unavailable => {
            Some((StatusCode::SERVICE_UNAVAILABLE, "unavailable").into_response())
        }
        Fault::Redirect(location) => {
            Some((StatusCode::FOUND, [("location", location.clone())]).into_response())
        }
        Fault::Refused => {
            let body = axum::Json(serde_json::json!({"message": "refused"}));
            Some((StatusCode::BAD_REQUEST, body).into_response())
        }
        _ => None,
    }
}

/// `response`, spoilt by a fault that strikes after the request was handled.
pub(crate) async fn spoil(fault: Option<Fault>, response: Response) -> Response {
    let broken = |message: &'static str| {
        futures::stream::once(async move {
            Err::<bytes::Bytes, _>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                message,
            ))
        })
    };
    match fault {
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            response
        }
        Some(Fault::ConnectionReset) => (
            StatusCode::OK,
            axum::body::Body::from_stream(broken("reset")),
        )
            .into_response(),
        Some(Fault::TruncatedBody) => {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let half = bytes.slice(..bytes.len() / 2);
            let stream = futures::stream::iter([Ok(half)]).chain(broken("cut short"));
            parts.headers.remove("content-length");
            Response::from_parts(parts, axum::body::Body::from_stream(stream))
        }
        Some(Fault::ProcessingFailed) => {
            edit_json(response, |document| {
                if document.is_object() {
                    document["timings"]["done_time"] = crate::api_time(SystemTime::now()).into();
                    document["status_data"]["success"] = false.into();
                }
            })
            .await
        }
        Some(Fault::Null(pointer)) => {
            edit_json(response, |body| {
                if let Some(value) = body.pointer_mut(pointer) {
                    *value = serde_json::Value::Null;
                }
            })
            .await
        }
        Some(Fault::MalformedJson) => {
            let headers = [("content-type", "application/json")];
            (StatusCode::OK, headers, "{\"id\": \"doc\", \"timings\": {").into_response()
        }
        _ => response,
    }
}

/// `response` with its JSON body changed by `edit`, its status kept.
async fn edit_json(response: Response, edit: impl FnOnce(&mut serde_json::Value)) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    edit(&mut json);
    let mut response = axum::Json(json).into_response();
    *response.status_mut() = parts.status;
    response
}

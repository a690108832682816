//! Reading what a server says in its headers: at the bottom of the crate, importing nothing of
//! it, so that errors, retries and waits can all read `Retry-After` the same way.

use std::time::Duration;

use http::HeaderMap;

/// `Retry-After` as seconds or as an HTTP-date (RFC 9110 §10.2.3).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let wait = http_date(value)?.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// An HTTP-date in any of the three forms a recipient must read (RFC 9110 §5.6.7): the
/// preferred `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete RFC 850 and asctime forms.
fn http_date(value: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(date) = chrono::DateTime::parse_from_rfc2822(value) {
        return Some(date.with_timezone(&chrono::Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(value, format).ok())
        .map(|date| date.and_utc())
}

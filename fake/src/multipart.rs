//! Reading a `multipart/form-data` body into its parts: for the fake's uploads, its journal and
//! the stubs' typed calls. Lenient where a server is (a missing final boundary ends the last
//! part), strict where a test would be misled (no boundary, no part names).

use bytes::Bytes;

/// One part of a form: a field, or a file when it has a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Part {
    /// The field's name.
    pub name: String,
    /// The file name the part was sent under, for a file.
    pub file_name: Option<String>,
    /// The part's own `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// The part's content, as sent.
    pub body: Bytes,
}

/// The parts of `body`, sent with the header `content_type` (which names the boundary).
pub fn parts(content_type: &str, body: &Bytes) -> Result<Vec<Part>, String> {
    let boundary = content_type
        .split(';')
        .filter_map(|param| param.trim().split_once('='))
        .find(|(key, _)| key.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|boundary| !boundary.is_empty())
        .ok_or_else(|| format!("no multipart boundary in content-type {content_type:?}"))?;
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let Some(first) = find(body, delimiter.as_bytes()) else {
        return Err("the body has no multipart boundary".into());
    };
    let mut rest = first + delimiter.len();
    loop {
        if body[rest..].starts_with(b"--") {
            break;
        }
        let Some(headers_end) = find(&body[rest..], b"\r\n\r\n").map(|at| rest + at) else {
            break;
        };
        let headers = String::from_utf8_lossy(&body[rest..headers_end]).into_owned();
        let start = headers_end + 4;
        let closing = format!("\r\n{delimiter}");
        let end = find(&body[start..], closing.as_bytes()).map_or(body.len(), |at| start + at);
        parts.push(part(&headers, body.slice(start..end))?);
        if end == body.len() {
            break;
        }
        rest = end + closing.len();
    }
    Ok(parts)
}

fn part(headers: &str, body: Bytes) -> Result<Part, String> {
    let mut name = None;
    let mut file_name = None;
    let mut content_type = None;
    for line in headers.split("\r\n") {
        let Some((header, value)) = line.split_once(':') else {
            continue;
        };
        if header.trim().eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        } else if header.trim().eq_ignore_ascii_case("content-disposition") {
            name = quoted(value, "name");
            file_name = quoted(value, "filename");
        }
    }
    Ok(Part {
        name: name.ok_or_else(|| format!("a form part without a name: {headers:?}"))?,
        file_name,
        content_type,
        body,
    })
}

/// The value of `key="…"` in a header value, as sent: a file name's percent-encoded quotes and
/// line breaks stay so, as the API's server (Werkzeug) keeps them.
fn quoted(header: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}=\"");
    let start = header
        .match_indices(&pattern)
        .find(|(at, _)| *at == 0 || header[..*at].ends_with([' ', ';']))
        .map(|(at, _)| at + pattern.len())?;
    let end = header[start..].find('"')? + start;
    Some(header[start..end].to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_reads_into_its_fields_and_files() {
        let body = Bytes::from_static(
            b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.pdf\"\r\n\
              Content-Type: application/pdf\r\n\r\n%PDF\r\n--b\r\n\
              Content-Disposition: form-data; name=\"sync\"\r\n\r\nfalse\r\n--b--\r\n",
        );
        let parts = parts("multipart/form-data; boundary=b", &body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "file");
        assert_eq!(parts[0].file_name.as_deref(), Some("a%22b.pdf"));
        assert_eq!(parts[0].content_type.as_deref(), Some("application/pdf"));
        assert_eq!(&parts[0].body[..], b"%PDF");
        assert_eq!(parts[1].name, "sync");
        assert_eq!(parts[1].file_name, None);
        assert_eq!(&parts[1].body[..], b"false");
    }

    #[test]
    fn odd_forms_are_errors_or_read_leniently() {
        assert!(parts("multipart/form-data", &Bytes::new()).is_err());
        assert!(parts(
            "multipart/form-data; boundary=b",
            &Bytes::from_static(b"nothing")
        )
        .is_err());
        let unterminated =
            Bytes::from_static(b"--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue");
        let read = parts("multipart/form-data; boundary=\"b\"", &unterminated).unwrap();
        assert_eq!(&read[0].body[..], b"value");
        let empty = parts(
            "multipart/form-data; boundary=b",
            &Bytes::from_static(b"--b--\r\n"),
        );
        assert_eq!(empty.unwrap(), []);
    }
}

//! `multipart/form-data` uploads that stream files instead of reading them into memory.

use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// A file to upload: from a path (opened and streamed at send time), from bytes, or from any
/// async reader (streamed once).
///
/// A path or bytes can be sent again when a request is retried; a reader cannot, so a request
/// with a reader is never retried once its body has started to go out.
#[derive(Clone)]
pub struct FilePart {
    source: Source,
    file_name: Option<String>,
    content_type: Option<String>,
    progress: Option<UploadProgress>,
    check: Option<CheckContent>,
}

/// Told how many bytes of a file have gone into the request body so far.
type UploadProgress = Arc<dyn Fn(u64) + Send + Sync>;

/// Makes, each time a file from a path is read into a request, a [`Check`]; given the file's
/// length when it was opened, it may refuse at once (the request is then not sent).
pub type CheckContent = Arc<dyn Fn(u64) -> Result<Check, String> + Send + Sync>;

/// Told each piece of a file read (`Some`), then the end (`None`); an error fails the request
/// before its body ends.
pub type Check = Box<dyn FnMut(Option<&[u8]>) -> Result<(), String> + Send>;

type SharedReader = Arc<Mutex<Option<Box<dyn AsyncRead + Send + Unpin>>>>;

#[derive(Clone)]
enum Source {
    Path(PathBuf),
    Bytes(Bytes),
    Reader(SharedReader),
}

impl FilePart {
    /// A file on disk. Its name (without directories) is sent as the file name.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        FilePart {
            source: Source::Path(path),
            file_name,
            content_type: None,
            progress: None,
            check: None,
        }
    }

    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        FilePart {
            source: Source::Bytes(bytes.into()),
            file_name: None,
            content_type: None,
            progress: None,
            check: None,
        }
    }

    /// Any async reader; it is read once, as the request body is sent.
    pub fn from_reader(reader: impl AsyncRead + Send + Unpin + 'static) -> Self {
        FilePart {
            source: Source::Reader(Arc::new(Mutex::new(Some(Box::new(reader))))),
            file_name: None,
            content_type: None,
            progress: None,
            check: None,
        }
    }

    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// The part's media type (`application/pdf`). Without one, the file name's extension
    /// decides (`application/octet-stream` for an unknown one), as curl and browsers do: a
    /// part without a media type trips some servers' multipart parsers.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The media type the part is sent with: the one set, or the file name's.
    fn media_type(&self) -> &str {
        match &self.content_type {
            Some(content_type) => content_type,
            None => media_type_for(self.file_name.as_deref().unwrap_or_default()),
        }
    }

    /// Calls `progress` with the number of bytes of the file read into the request body so
    /// far, as the upload goes (from the start again if the request is retried).
    pub fn on_progress(mut self, progress: impl Fn(u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// Plumbing for batches: checks a file read from a path as it goes into the request (see
    /// [`CheckContent`]), so that content that changed since it was fingerprinted fails the
    /// request before the request is whole, instead of reaching the server.
    #[doc(hidden)]
    pub fn checked_by(mut self, check: CheckContent) -> Self {
        self.check = Some(check);
        self
    }

    /// Whether the part can be produced again for a retry.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, Source::Reader(_))
    }

    /// `chunks`, reporting the running total to the progress callback, if there is one.
    fn counted<S>(&self, chunks: S) -> impl futures::Stream<Item = S::Item> + Send + 'static
    where
        S: futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        use futures::StreamExt;
        let progress = self.progress.clone();
        let mut sent = 0u64;
        chunks.inspect(move |chunk| {
            if let (Some(progress), Ok(chunk)) = (&progress, chunk) {
                sent += chunk.len() as u64;
                progress(sent);
            }
        })
    }

    /// The file's name and where it comes from (a path with its size, bytes, a reader).
    fn describe(&self) -> String {
        let name = self.file_name.as_deref().unwrap_or("file");
        let source = match &self.source {
            Source::Path(path) => match std::fs::metadata(path) {
                Ok(metadata) => format!("{}, {} bytes", path.display(), metadata.len()),
                Err(e) => format!("{}, unreadable: {e}", path.display()),
            },
            Source::Bytes(bytes) => format!("{} bytes", bytes.len()),
            Source::Reader(_) => "a stream".to_owned(),
        };
        format!("file {name:?} ({}; {source})", self.media_type())
    }

    async fn to_part(&self) -> Result<reqwest::multipart::Part, String> {
        use reqwest::multipart::Part;
        let part = match &self.source {
            Source::Bytes(bytes) => {
                if let Some(progress) = &self.progress {
                    progress(bytes.len() as u64);
                }
                Part::stream_with_length(bytes.clone(), bytes.len() as u64)
            }
            Source::Path(path) => {
                // Opened and measured in one hand-over to a blocking thread, not two: each
                // costs a small upload about a twentieth of its time.
                let opening = path.clone();
                let (file, length) = tokio::task::spawn_blocking(move || {
                    let file = std::fs::File::open(&opening)
                        .map_err(|e| format!("cannot open {}: {e}", opening.display()))?;
                    let length = file
                        .metadata()
                        .map_err(|e| format!("cannot read {}: {e}", opening.display()))?
                        .len();
                    Ok::<_, String>((tokio::fs::File::from_std(file), length))
                })
                .await
                .map_err(|e| format!("cannot open {}: {e}", path.display()))??;
                // Exactly the length sent as the part's: a file that grows or shrinks while it
                // goes out ends the request with an error, not with a body cut to the length
                // (whose closing boundary then never comes) or one that falls short of it.
                let chunks = exactly(read_in_pieces(file), length, path.clone());
                let body = match &self.check {
                    Some(check) => {
                        let chunks = checked(chunks, check(length)?);
                        reqwest::Body::wrap_stream(self.counted(chunks))
                    }
                    None => reqwest::Body::wrap_stream(self.counted(chunks)),
                };
                Part::stream_with_length(body, length)
            }
            Source::Reader(reader) => {
                let reader = reader
                    .lock()
                    .map_err(|_| "the upload reader was poisoned by a panic".to_owned())?
                    .take()
                    .ok_or_else(|| "the upload reader was already consumed".to_owned())?;
                Part::stream(reqwest::Body::wrap_stream(
                    self.counted(read_in_pieces(reader)),
                ))
            }
        };
        let part = match &self.file_name {
            Some(name) => part.file_name(file_name_as_sent(name).into_owned()),
            None => part.file_name("file"),
        };
        let media_type = self.media_type();
        part.mime_str(media_type)
            .map_err(|e| format!("invalid content type {media_type:?}: {e}"))
    }
}

/// A file name as it goes into a part's header: line breaks and quotes percent-encoded, as
/// browsers send them (the HTML standard's multipart/form-data encoding). Reqwest escapes them
/// with a backslash, which leaves a line break a line break: a name could end the header and
/// add headers or parts of its own. Plumbing: a server keeps the name as sent, and a batch
/// looking for a lost upload by name looks for this form too.
pub fn file_name_as_sent(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains(['\r', '\n', '"']) {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(
        name.replace('\r', "%0D")
            .replace('\n', "%0A")
            .replace('"', "%22"),
    )
}

/// `chunks`, each shown to `check`, and the end too: an error in place of the piece the check
/// fails on, or of the end.
fn checked<S>(chunks: S, check: Check) -> Checked<S>
where
    S: futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    Checked {
        chunks: Box::pin(chunks),
        check,
        ended: false,
    }
}

/// See [`checked`].
struct Checked<S> {
    chunks: std::pin::Pin<Box<S>>,
    check: Check,
    ended: bool,
}

impl<S> futures::Stream for Checked<S>
where
    S: futures::Stream<Item = std::io::Result<Bytes>>,
{
    type Item = std::io::Result<Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        if self.ended {
            return Poll::Ready(None);
        }
        let next = std::task::ready!(self.chunks.as_mut().poll_next(cx));
        let this = &mut *self;
        let failed = |message: String| Poll::Ready(Some(Err(std::io::Error::other(message))));
        match next {
            Some(Ok(chunk)) => match (this.check)(Some(&chunk)) {
                Ok(()) => Poll::Ready(Some(Ok(chunk))),
                Err(message) => {
                    this.ended = true;
                    failed(message)
                }
            },
            Some(Err(error)) => {
                this.ended = true;
                Poll::Ready(Some(Err(error)))
            }
            None => {
                this.ended = true;
                match (this.check)(None) {
                    Ok(()) => Poll::Ready(None),
                    Err(message) => failed(message),
                }
            }
        }
    }
}

/// How much of a file is read at once: a request body's piece, so that each read goes to the
/// connection whole (see `idle::PIECE`). A file (tokio's) is read on a blocking thread, one
/// hand-over per read: `ReaderStream`'s default of 4 KiB made reading, not the connection, the
/// limit of an upload from disk (220 MiB/s where bytes in memory went at 3.4 GiB/s, on
/// loopback).
const READ_PIECE: usize = crate::idle::PIECE;

fn read_in_pieces<R: AsyncRead>(reader: R) -> ReaderStream<R> {
    ReaderStream::with_capacity(reader, READ_PIECE)
}

/// `chunks`, checked to come to `length` bytes: an error in place of the first byte past it,
/// or of the end when they fall short.
fn exactly<S>(chunks: S, length: u64, path: PathBuf) -> Checked<S>
where
    S: futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    let mut sent = 0u64;
    let changed = move |now: String| {
        format!(
            "{} changed while it was being sent: {length} bytes when opened, {now}",
            path.display()
        )
    };
    checked(
        chunks,
        Box::new(move |piece: Option<&[u8]>| match piece {
            Some(piece) => {
                sent += piece.len() as u64;
                match sent > length {
                    true => Err(changed("more now".into())),
                    false => Ok(()),
                }
            }
            None if sent < length => Err(changed(format!("{sent} now"))),
            None => Ok(()),
        }),
    )
}

/// The media type a file name's extension suggests; `application/octet-stream` for others
/// (as curl sends).
fn media_type_for(file_name: &str) -> &'static str {
    let extension = std::path::Path::new(file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "tif" | "tiff" => "image/tiff",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "webp" => "image/webp",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "eml" => "message/rfc822",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Path(path) => format!("path {}", path.display()),
            Source::Bytes(bytes) => format!("{} bytes", bytes.len()),
            Source::Reader(_) => "reader".to_owned(),
        };
        f.debug_struct("FilePart")
            .field("source", &source)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// The fields of a multipart body, kept as a description so that it can be turned into a
/// fresh request body for each attempt.
#[derive(Debug, Clone, Default)]
pub struct Form {
    fields: Vec<(String, Field)>,
    /// A field that could not be encoded; reported when the request is built.
    error: Option<String>,
}

#[derive(Debug, Clone)]
enum Field {
    Text(String),
    File(FilePart),
}

impl Form {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn text(mut self, name: impl Into<String>, value: impl fmt::Display) -> Self {
        self.fields
            .push((name.into(), Field::Text(value.to_string())));
        self
    }

    /// A field whose value is sent as JSON text, or as itself when it is a string (see
    /// `wire::wire_text`); an array is the field repeated, one part per item, as OpenAPI
    /// forms send arrays (and servers read them).
    pub fn json<T: serde::Serialize + ?Sized>(
        mut self,
        name: impl Into<String>,
        value: &T,
    ) -> Self {
        let name = name.into();
        let items = match serde_json::to_value(value) {
            Ok(serde_json::Value::Array(items)) => items,
            Ok(value) => vec![value],
            Err(e) => {
                self.error = Some(format!("form field {name} does not encode as JSON: {e}"));
                return self;
            }
        };
        for item in &items {
            match crate::wire::wire_text(item) {
                Ok(text) => self.fields.push((name.clone(), Field::Text(text))),
                Err(e) => {
                    self.error = Some(format!("form field {name} does not encode as JSON: {e}"))
                }
            }
        }
        self
    }

    pub fn file(mut self, name: impl Into<String>, file: FilePart) -> Self {
        self.fields.push((name.into(), Field::File(file)));
        self
    }

    /// One line per field, for previews: a text field's value, a file's name and source.
    pub(crate) fn describe(&self) -> Vec<String> {
        self.fields
            .iter()
            .map(|(name, field)| match field {
                Field::Text(text) => format!("{name}: {text}"),
                Field::File(file) => format!("{name}: {}", file.describe()),
            })
            .collect()
    }

    pub(crate) fn is_replayable(&self) -> bool {
        self.fields.iter().all(|(_, field)| match field {
            Field::Text(_) => true,
            Field::File(file) => file.is_replayable(),
        })
    }

    pub(crate) async fn to_reqwest(&self) -> Result<reqwest::multipart::Form, String> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        let mut form = reqwest::multipart::Form::new();
        for (name, field) in &self.fields {
            form = match field {
                Field::Text(text) => form.text(name.clone(), text.clone()),
                Field::File(file) => form.part(name.clone(), file.to_part().await?),
            };
        }
        Ok(form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An array is one part per item (strings as themselves); an object is one part of JSON.
    #[test]
    fn arrays_are_one_part_per_item() {
        let form = Form::new()
            .json("rules", &["cnVsZQ==", "b3RoZXI="])
            .json("limits", &serde_json::json!({"pages": 2}));
        assert_eq!(
            form.describe(),
            [
                "rules: cnVsZQ==",
                "rules: b3RoZXI=",
                r#"limits: {"pages":2}"#
            ]
        );
    }

    /// A file's pieces reach the connection whole: the watched body does not split what was
    /// read. (Split in four at 64 KiB, a read's buffer was still held by the pieces not yet
    /// written and could not be reused for the next read: every read took fresh memory, and a
    /// streamed upload of 64 MiB went at 0.62–0.83× plain reqwest's.)
    #[tokio::test]
    async fn a_file_is_handed_on_in_the_pieces_it_is_read_in() {
        use http_body::Body as _;
        let file = vec![7u8; 3 * READ_PIECE + 10];
        let body = reqwest::Body::wrap_stream(read_in_pieces(std::io::Cursor::new(file)));
        let (mut body, activity) = crate::idle::Activity::watch(body, None);
        assert!(activity.is_some(), "a body of unknown length is watched");
        let mut sizes = Vec::new();
        while let Some(frame) =
            std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
        {
            sizes.push(frame.unwrap().into_data().unwrap().len());
        }
        assert_eq!(sizes, [READ_PIECE, READ_PIECE, READ_PIECE, 10]);
    }

    /// A file that cannot be opened is an error naming it, from the one blocking call that
    /// opens and measures it.
    #[tokio::test]
    async fn a_missing_file_is_an_error_that_names_it() {
        let error = FilePart::from_path("/no/such/scan.pdf")
            .to_part()
            .await
            .unwrap_err();
        assert!(
            error.starts_with("cannot open /no/such/scan.pdf: "),
            "{error}"
        );
    }

    #[test]
    fn a_part_without_a_media_type_gets_its_file_name_s() {
        assert_eq!(
            FilePart::from_path("a/Invoice.PDF").media_type(),
            "application/pdf"
        );
        assert_eq!(
            FilePart::from_bytes(&b"x"[..])
                .file_name("scan.tiff")
                .media_type(),
            "image/tiff"
        );
        assert_eq!(
            FilePart::from_path("setup.exe").media_type(),
            "application/octet-stream"
        );
        assert_eq!(
            FilePart::from_bytes(&b"x"[..]).media_type(),
            "application/octet-stream"
        );
        let set = FilePart::from_path("a.pdf").content_type("application/x-custom");
        assert_eq!(set.media_type(), "application/x-custom");
    }
}

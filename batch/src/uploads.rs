//! What a batch needs from an API ([`Uploads`]), and the files it is given ([`Source`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use contractfit_runtime::{CallOptions, Error, FilePart, WaitError};
use futures::future::BoxFuture;

/// The three calls a batch makes, for one upload operation of one API. Generated crates
/// implement it for their upload-and-wait operation (feature `batch`: in `contractfit`,
/// `UploadDocumentBatch`, made by `Client::upload_document_batch`); a test can implement it
/// by hand.
pub trait Uploads: Send + Sync + 'static {
    /// Where the uploads go, such as `POST /documents/inbox-1`. A journal remembers the target
    /// of its batch and refuses to resume it against another: ids and uncertain uploads mean
    /// something only there.
    fn target(&self) -> String;

    /// Uploads one file: the id the server gave it, and its reply. `options` turn the
    /// client's retries off: the batch decides what to repeat, and only once it knows that
    /// the server did not keep the file.
    fn upload<'a>(
        &'a self,
        file: &'a Source,
        options: CallOptions,
    ) -> BoxFuture<'a, Result<Accepted, Error>>;

    /// Waits (up to `max_wait`) until the server has processed document `id`; the last
    /// answer's body, as received.
    fn wait<'a>(
        &'a self,
        id: &'a str,
        max_wait: Duration,
    ) -> BoxFuture<'a, Result<Bytes, WaitError>>;

    /// The ids of documents named `name` that arrived at the target since `since` (by the
    /// server's clock), so that an upload whose answer was lost can be found instead of sent
    /// again. `None` when the API offers no such listing: such uploads are then reported as
    /// uncertain, never repeated.
    fn find<'a>(
        &'a self,
        name: &'a str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Option<BoxFuture<'a, Result<Vec<String>, FindError>>>;

    /// Whether document `id` holds the content whose SHA-256 (hex) is `sha256`, read from the
    /// server, so that a document found by name is taken for the upload only if it is this
    /// file: in an inbox others upload to, a file of the same name may be theirs. `None` (the
    /// default) when the API cannot tell: a single unclaimed document of the name is then
    /// taken.
    fn holds<'a>(
        &'a self,
        id: &'a str,
        sha256: &'a str,
    ) -> Option<BoxFuture<'a, Result<bool, FindError>>> {
        let _ = (id, sha256);
        None
    }
}

/// How many documents a page holds when a batch lists them to look for uploads (where the
/// listing lets the client choose): fewer requests than the API's default of 20.
pub const FIND_PAGE_SIZE: i64 = 100;

/// Why looking for uploads failed: only shown, in the file's [`Failure`](crate::Failure).
pub type FindError = Box<dyn std::error::Error + Send + Sync>;

/// An upload the server acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// The id of the new document.
    pub id: String,
    /// The reply as received (kept in the journal until the processed document replaces it).
    pub reply: Bytes,
}

impl Accepted {
    pub fn new(id: impl Into<String>, reply: impl Into<Bytes>) -> Accepted {
        Accepted {
            id: id.into(),
            reply: reply.into(),
        }
    }
}

/// A file to upload: a path, or bytes with a name (from a queue, say).
#[derive(Debug, Clone)]
pub struct Source {
    key: String,
    name: String,
    content: Content,
}

#[derive(Debug, Clone)]
enum Content {
    Path(PathBuf),
    Bytes(Bytes),
}

impl Source {
    /// A file on disk, known in the journal by its path as given and sent under its file name.
    pub fn path(path: impl Into<PathBuf>) -> Source {
        let path = path.into();
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Source {
            key: path.display().to_string(),
            name,
            content: Content::Path(path),
        }
    }

    /// Bytes sent under `name`, known in the journal by that name.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Source {
        let name = name.into();
        Source {
            key: name.clone(),
            name,
            content: Content::Bytes(bytes.into()),
        }
    }

    /// What the journal knows the file by: its path as given, or its name.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The name the file is uploaded under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path, for a file on disk.
    pub fn as_path(&self) -> Option<&Path> {
        match &self.content {
            Content::Path(path) => Some(path),
            Content::Bytes(_) => None,
        }
    }

    /// The file as an upload's part: read afresh from disk (or the bytes) for each attempt.
    pub fn file_part(&self) -> FilePart {
        match &self.content {
            Content::Path(path) => FilePart::from_path(path),
            Content::Bytes(bytes) => FilePart::from_bytes(bytes.clone()).file_name(&self.name),
        }
    }

    /// Size and SHA-256 of the content (read in blocks: files may be large).
    pub(crate) fn fingerprint(&self) -> std::io::Result<(u64, String)> {
        use sha2::{Digest, Sha256};
        use std::io::Read;
        let mut hasher = Sha256::new();
        let size = match &self.content {
            Content::Bytes(bytes) => {
                hasher.update(bytes);
                bytes.len() as u64
            }
            Content::Path(path) => {
                let mut file = std::fs::File::open(path)?;
                let mut buffer = vec![0; 64 * 1024];
                let mut size = 0;
                loop {
                    let read = file.read(&mut buffer)?;
                    if read == 0 {
                        break size;
                    }
                    hasher.update(&buffer[..read]);
                    size += read as u64;
                }
            }
        };
        Ok((size, hex(&hasher.finalize())))
    }
}

impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Self {
        Source::path(path)
    }
}

impl From<&Path> for Source {
    fn from(path: &Path) -> Self {
        Source::path(path)
    }
}

/// The upload whose reply is `reply`, with the id at `pointer` (a string, or a number as
/// text); without one, the error that keeps the reply. Plumbing for generated [`Uploads`].
#[doc(hidden)]
pub fn id_in(reply: Bytes, pointer: &'static str) -> Result<Accepted, Error> {
    let id = serde_json::from_slice::<serde_json::Value>(&reply)
        .ok()
        .and_then(|body| match body.pointer(pointer)? {
            serde_json::Value::String(id) => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        });
    match id {
        Some(id) => Ok(Accepted { id, reply }),
        None => Err(contractfit_runtime::UploadWaitError::NoId {
            pointer,
            body: reply,
        }
        .into()),
    }
}

/// Whether the body `content` streams has the SHA-256 (hex) `sha256`, read chunk by chunk.
/// Plumbing for generated [`Uploads`].
#[doc(hidden)]
pub async fn has_sha256(
    content: impl futures::Stream<Item = Result<Bytes, Error>>,
    sha256: &str,
) -> Result<bool, FindError> {
    use futures::StreamExt;
    use sha2::{Digest, Sha256};
    let mut content = std::pin::pin!(content);
    let mut hasher = Sha256::new();
    while let Some(chunk) = content.next().await {
        hasher.update(chunk?);
    }
    Ok(hex(&hasher.finalize()) == sha256)
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The ids (at `id_pointer`) of the listed `items` whose `name_pointer` is `name`, every page
/// read. Plumbing for generated [`Uploads`].
#[doc(hidden)]
pub async fn named<T: serde::Serialize>(
    items: impl futures::Stream<Item = Result<T, Error>>,
    name: &str,
    name_pointer: &str,
    id_pointer: &str,
) -> Result<Vec<String>, FindError> {
    use futures::TryStreamExt;
    let items = std::pin::pin!(items);
    items
        .try_filter_map(|item| async move {
            let item = serde_json::to_value(item).unwrap_or_default();
            if item.pointer(name_pointer).and_then(|n| n.as_str()) != Some(name) {
                return Ok(None);
            }
            Ok(item.pointer(id_pointer).map(|id| match id {
                serde_json::Value::String(id) => id.clone(),
                other => other.to_string(),
            }))
        })
        .try_collect()
        .await
        .map_err(FindError::from)
}

//! What a batch needs from an API ([`Uploads`]), and the files it is given ([`Source`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use contractfit_runtime::{CallOptions, Error, FilePart, Json, WaitError};
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
    /// the server did not keep the file. The file goes as [`Source::file_part`] (or a part of
    /// one's own passed through [`Source::checked`]), which checks that it is still the content
    /// the batch read.
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

    /// Whether document `id` holds the content of `size` bytes whose SHA-256 (hex) is `sha256`,
    /// read from the server (no more than `size` bytes and one), so that a document found by
    /// name is taken for the upload only if it is this file: in an inbox others upload to, a
    /// file of the same name may be theirs. `None` (the default) when the API cannot tell: a
    /// single unclaimed document of the name is then taken.
    fn holds<'a>(
        &'a self,
        id: &'a str,
        sha256: &'a str,
        size: u64,
    ) -> Option<BoxFuture<'a, Result<bool, FindError>>> {
        let _ = (id, sha256, size);
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
    /// The content the batch read before, that a file from a path must still have as it is sent.
    expected: Option<Expected>,
}

/// What a file must be as it is sent, and where to say that it was not.
#[derive(Debug, Clone)]
struct Expected {
    size: u64,
    sha256: String,
    changed: std::sync::Arc<std::sync::atomic::AtomicBool>,
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
            expected: None,
        }
    }

    /// Bytes sent under `name`, known in the journal by that name.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Source {
        let name = name.into();
        Source {
            key: name.clone(),
            name,
            content: Content::Bytes(bytes.into()),
            expected: None,
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
    /// In a batch, a file from a path is checked as it is read to have the content the batch
    /// fingerprinted: one that changed fails the request before it is whole, and the batch
    /// records it as changed rather than send content its journal has not seen.
    pub fn file_part(&self) -> FilePart {
        match &self.content {
            Content::Path(path) => self.checked(FilePart::from_path(path)),
            Content::Bytes(bytes) => FilePart::from_bytes(bytes.clone()).file_name(&self.name),
        }
    }

    /// `part`, a file read from this source's path that an [`Uploads`] made itself, with the
    /// batch's check that it is still the content the batch read (see
    /// [`file_part`](Self::file_part)). An `Uploads` that sends a file from its path must send
    /// `file_part()` or a part through this.
    pub fn checked(&self, part: FilePart) -> FilePart {
        match (&self.content, &self.expected) {
            (Content::Path(path), Some(expected)) => part.checked_by(expected.check(path)),
            _ => part,
        }
    }

    /// This source, to be sent only with the content whose SHA-256 is `sha256`; `changed` is
    /// set if it is found to have other content as it is sent.
    pub(crate) fn expecting(
        &self,
        size: u64,
        sha256: &str,
        changed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> Source {
        Source {
            expected: Some(Expected {
                size,
                sha256: sha256.to_owned(),
                changed,
            }),
            ..self.clone()
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

impl Expected {
    /// A check that the file still has the length read (before a byte is sent), then hashes
    /// it as it is read and compares at the end.
    fn check(&self, path: &Path) -> contractfit_runtime::CheckContent {
        use sha2::{Digest, Sha256};
        let (expected, path) = (self.clone(), path.display().to_string());
        std::sync::Arc::new(move |length| {
            let changed = {
                let (expected, path) = (expected.clone(), path.clone());
                move || {
                    expected
                        .changed
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    format!("{path} changed since the batch read it")
                }
            };
            if length != expected.size {
                return Err(changed());
            }
            let sha256 = expected.sha256.clone();
            let mut hasher = Sha256::new();
            let check: contractfit_runtime::Check =
                Box::new(move |piece: Option<&[u8]>| match piece {
                    Some(piece) => {
                        hasher.update(piece);
                        Ok(())
                    }
                    None if hex(&std::mem::take(&mut hasher).finalize()) == sha256 => Ok(()),
                    None => Err(changed()),
                });
            Ok(check)
        })
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
/// text); without one, the error that keeps the reply, naming the upload's `operation` and the
/// `waiter` that was to follow. Plumbing for generated [`Uploads`].
#[doc(hidden)]
pub fn id_in(
    reply: Bytes,
    pointer: &'static str,
    operation: &'static str,
    waiter: &'static str,
) -> Result<Accepted, Error> {
    let id = serde_json::from_slice::<serde_json::Value>(&reply)
        .ok()
        .and_then(|body| match body.pointer(pointer)? {
            serde_json::Value::String(id) => Some(id.clone()),
            serde_json::Value::Number(id) => Some(id.to_string()),
            _ => None,
        });
    match id {
        Some(id) => Ok(Accepted { id, reply }),
        None => Err(Error::from(WaitError::<Json>::no_id(
            waiter, operation, pointer, reply,
        ))),
    }
}

/// Whether the body `content` streams is `size` bytes with the SHA-256 (hex) `sha256`, read
/// chunk by chunk, and no further than a byte past `size`. Plumbing for generated [`Uploads`].
#[doc(hidden)]
pub async fn has_sha256(
    content: impl futures::Stream<Item = Result<Bytes, Error>>,
    sha256: &str,
    size: u64,
) -> Result<bool, FindError> {
    use futures::StreamExt;
    use sha2::{Digest, Sha256};
    let mut content = std::pin::pin!(content);
    let (mut hasher, mut read) = (Sha256::new(), 0u64);
    while let Some(chunk) = content.next().await {
        let chunk = chunk?;
        read += chunk.len() as u64;
        if read > size {
            return Ok(false);
        }
        hasher.update(chunk);
    }
    Ok(read == size && hex(&hasher.finalize()) == sha256)
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The ids (at `id_pointer`) of the listed `items` whose `name_pointer` is `name`, as given or
/// as it went into the upload's part header, every page read. Plumbing for generated [`Uploads`].
#[doc(hidden)]
pub async fn named<T: serde::Serialize>(
    items: impl futures::Stream<Item = Result<T, Error>>,
    name: &str,
    name_pointer: &str,
    id_pointer: &str,
) -> Result<Vec<String>, FindError> {
    use futures::TryStreamExt;
    let items = std::pin::pin!(items);
    let sent = contractfit_runtime::file_name_as_sent(name);
    let sent = &*sent;
    items
        .try_filter_map(|item| async move {
            let item = serde_json::to_value(item).unwrap_or_default();
            let listed = item.pointer(name_pointer).and_then(|n| n.as_str());
            if listed != Some(name) && listed != Some(sent) {
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

//! The journal: one row per file in a SQLite database, written before and after each step, so
//! that a batch killed at any instant can be resumed without sending a file twice.
//!
//! SQLite, not a file format of our own: a transaction either happened or did not, whatever
//! instant the process dies at, and a user can read the journal with any SQLite tool. Write-ahead
//! logging lets `batch status` read while a batch writes, and keeps history in order: after a
//! crash, even a power cut, what survives is every commit up to some point. Commits are synced
//! to disk (`synchronous = FULL`) only where losing one could duplicate a document: the row
//! that says an upload is starting. Losing a later row (uploaded, done) to a power cut costs
//! the next run a look at the server or another wait, never a second upload; syncing only the
//! first also syncs everything written before it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// The journal's format; a journal of another format is refused rather than misread.
const FORMAT: &str = "1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batch (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    document_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    upload_started TEXT,
    duplicate_of TEXT,
    failure_kind TEXT,
    failure TEXT,
    failure_status INTEGER,
    failure_body BLOB,
    result BLOB,
    updated TEXT NOT NULL,
    UNIQUE (source, sha256)
);
CREATE INDEX IF NOT EXISTS files_by_content ON files (sha256);
CREATE INDEX IF NOT EXISTS files_by_document ON files (document_id);
";

/// Where each file of a batch stands, kept in a SQLite database (see the crate's docs).
/// Cheap to clone: clones share one connection.
#[derive(Clone)]
pub struct Journal {
    connection: Arc<Mutex<Connection>>,
    path: Option<String>,
    /// The database's file and SQLite's files beside it, to keep them out of a batch that
    /// uploads the folder they are in.
    own_files: Vec<PathBuf>,
    /// Held locked by the batch running on this journal (see [`Journal::lock_run`]).
    lock_file: Option<PathBuf>,
}

/// A batch's hold on its journal: while it lives, no other batch can run on the journal.
pub(crate) struct RunLock {
    _held: Option<Connection>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

/// Why the journal could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// SQLite failed (the file is not a database, the disk is full, …).
    #[error("journal {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    /// The journal belongs to a batch with another target (another inbox, say).
    #[error("journal {path} belongs to a batch uploading to {journal}, not to {given}")]
    OtherTarget {
        path: String,
        journal: String,
        given: String,
    },
    /// The journal was written by another version of its format.
    #[error("journal {path} has format {found}; this version reads format {FORMAT}")]
    Format { path: String, found: String },
    /// Another batch is running on this journal (another process, or another run in this
    /// one): two at once would send the same files twice.
    #[error("journal {path} is in use by another batch; run one at a time")]
    InUse { path: String },
    /// A file's row is no longer in the journal: something else changed it during the run.
    #[error("journal {path}: the row of file {row} is gone")]
    Missing { path: String, row: i64 },
}

/// A file's state in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Known, not sent yet (or refused with 429: the server did not keep it).
    Pending,
    /// An upload began and its answer has not been recorded: the server may have the file.
    /// A resumed batch looks for it on the server before sending it again.
    Uploading,
    /// The server acknowledged the upload with a document id.
    Uploaded,
    /// Processed; the final answer is kept.
    Done,
    /// Failed in a way that sending again would not mend (see [`Failure::kind`]).
    Failed,
    /// The same content as another file of the journal, skipped.
    Duplicate,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Uploading => "uploading",
            State::Uploaded => "uploaded",
            State::Done => "done",
            State::Failed => "failed",
            State::Duplicate => "duplicate",
        }
    }

    fn parse(text: &str) -> State {
        match text {
            "uploading" => State::Uploading,
            "uploaded" => State::Uploaded,
            "done" => State::Done,
            "failed" => State::Failed,
            "duplicate" => State::Duplicate,
            _ => State::Pending,
        }
    }
}

/// What went wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    /// The server's status and body, when it answered.
    pub status: Option<u16>,
    pub body: Option<Bytes>,
}

/// The kinds of [`Failure`], by what a resumed batch does about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// The server refused the file (4xx): nothing was created; not sent again.
    Refused,
    /// The server processed the document and reported failure; not sent again.
    Processing,
    /// The upload may have reached the server and the batch cannot tell whether it did
    /// (several documents of that name arrived, or the API cannot list them). Not sent again:
    /// a person decides. A resumed batch checks again.
    Uncertain,
    /// Uploaded, and waiting ended first (the maximum wait, or polls failing): a resumed batch
    /// waits again.
    Unfinished,
    /// The server kept answering 429 or 503; a resumed batch sends it again.
    Throttled,
    /// The file could not be read; a resumed batch tries again.
    File,
}

impl FailureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Refused => "refused",
            FailureKind::Processing => "processing",
            FailureKind::Uncertain => "uncertain",
            FailureKind::Unfinished => "unfinished",
            FailureKind::Throttled => "throttled",
            FailureKind::File => "file",
        }
    }

    fn parse(text: &str) -> FailureKind {
        match text {
            "refused" => FailureKind::Refused,
            "processing" => FailureKind::Processing,
            "unfinished" => FailureKind::Unfinished,
            "throttled" => FailureKind::Throttled,
            "file" => FailureKind::File,
            _ => FailureKind::Uncertain,
        }
    }

    /// Whether a resumed batch sends the file again (nothing was created, and another try
    /// may go through).
    pub(crate) fn is_retried(self) -> bool {
        matches!(self, FailureKind::Throttled | FailureKind::File)
    }
}

/// One file's row: what the journal knows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The path as given, or the name of bytes.
    pub source: String,
    /// The name it is uploaded under.
    pub name: String,
    pub size: u64,
    /// SHA-256 of the content, in hex.
    pub sha256: String,
    pub state: State,
    /// The server's id, once an upload was acknowledged (or found).
    pub document_id: Option<String>,
    /// Upload attempts, over every run.
    pub attempts: u32,
    /// For a duplicate: the file whose content it repeats.
    pub duplicate_of: Option<String>,
    /// Why it failed, or what stopped it last.
    pub failure: Option<Failure>,
    /// What the server last sent for it as a result: the processed document (`Done`), or the
    /// upload's reply (`Uploaded`, until the wait ends).
    pub result: Option<Bytes>,
    /// When the last upload attempt began (RFC 3339, UTC).
    pub upload_started: Option<String>,
}

/// How many files are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    pub pending: usize,
    pub uploading: usize,
    pub uploaded: usize,
    pub done: usize,
    pub failed: usize,
    pub duplicate: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.pending + self.uploading + self.uploaded + self.done + self.failed + self.duplicate
    }
}

/// What an in-memory journal is called in messages.
const MEMORY: &str = ":memory:";

/// A row's key inside the journal.
pub(crate) type RowId = i64;

/// A file registered: its row, its entry, and whether the row is new.
pub(crate) type Registered = (RowId, Entry, bool);

impl Journal {
    /// Opens the journal at `path`, creating it if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Journal, JournalError> {
        let shown = path.as_ref().display().to_string();
        let connection =
            Connection::open(path.as_ref()).map_err(|source| JournalError::Sqlite {
                path: shown.clone(),
                source,
            })?;
        let mut journal = Journal::with(connection, shown, true)?;
        // The lock file is beside the journal, by its canonical path where there is one, so
        // that two names of one journal take one lock.
        if path.as_ref() != Path::new(MEMORY) {
            let beside = std::fs::canonicalize(path.as_ref()).unwrap_or(path.as_ref().into());
            let mut lock = beside.into_os_string();
            lock.push(".lock");
            journal.lock_file = Some(PathBuf::from(lock));
        }
        if let Ok(file) = std::fs::canonicalize(path.as_ref()) {
            let beside = |suffix: &str| {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                PathBuf::from(name)
            };
            journal.own_files = vec![
                beside("-wal"),
                beside("-shm"),
                beside("-journal"),
                beside(".lock"),
                beside(".lock-journal"),
                file,
            ];
        }
        Ok(journal)
    }

    /// Whether `path` is this journal's database or one of SQLite's files beside it.
    pub(crate) fn is_own_file(&self, path: &Path) -> bool {
        !self.own_files.is_empty()
            && std::fs::canonicalize(path).is_ok_and(|path| self.own_files.contains(&path))
    }

    /// A journal in memory, gone with the process: what a batch without a journal file uses.
    pub fn in_memory() -> Journal {
        let connection = Connection::open_in_memory().expect("SQLite opens an in-memory database");
        Journal::with(connection, MEMORY.into(), false)
            .expect("an empty in-memory database takes the schema")
    }

    fn with(connection: Connection, path: String, durable: bool) -> Result<Journal, JournalError> {
        let sqlite = |source| JournalError::Sqlite {
            path: path.clone(),
            source,
        };
        if durable {
            // A batch waits on the journal rarely and briefly; a reader (`batch status`) may
            // hold it for a moment.
            connection
                .busy_timeout(std::time::Duration::from_secs(10))
                .map_err(sqlite)?;
            connection
                .pragma_update(None, "journal_mode", "WAL")
                .map_err(sqlite)?;
            connection
                .pragma_update(None, "synchronous", "NORMAL")
                .map_err(sqlite)?;
        }
        connection.execute_batch(SCHEMA).map_err(sqlite)?;
        let format: Option<String> = connection
            .query_row("SELECT value FROM batch WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sqlite)?;
        match format {
            Some(found) if found != FORMAT => {
                return Err(JournalError::Format { path, found });
            }
            Some(_) => {}
            None => {
                connection
                    .execute(
                        "INSERT INTO batch (key, value) VALUES ('format', ?1)",
                        [FORMAT],
                    )
                    .map_err(sqlite)?;
            }
        }
        Ok(Journal {
            connection: Arc::new(Mutex::new(connection)),
            path: Some(path),
            own_files: Vec::new(),
            lock_file: None,
        })
    }

    fn path(&self) -> String {
        self.path.clone().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sqlite(&self) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
        move |source| JournalError::Sqlite {
            path: self.path(),
            source,
        }
    }

    /// Takes the journal for one batch run: refused, with [`JournalError::InUse`], while another
    /// run holds it, in this process or another. The lock is SQLite's own, on a file beside the
    /// journal, held by an exclusive transaction that is never committed: the system releases
    /// it when the process ends, however it ends, so a killed batch leaves no stale lock. (Not
    /// the journal itself: `batch status` reads it while a batch runs.)
    pub(crate) fn lock_run(&self) -> Result<RunLock, JournalError> {
        let Some(file) = &self.lock_file else {
            return Ok(RunLock { _held: None });
        };
        let shown = file.display().to_string();
        let sqlite = |source| JournalError::Sqlite {
            path: shown.clone(),
            source,
        };
        let connection = Connection::open(file).map_err(sqlite)?;
        connection
            .busy_timeout(std::time::Duration::ZERO)
            .map_err(sqlite)?;
        match connection.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;") {
            Ok(()) => Ok(RunLock {
                _held: Some(connection),
            }),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                Err(JournalError::InUse { path: self.path() })
            }
            Err(source) => Err(sqlite(source)),
        }
    }

    /// The target of the batch this journal records, once one ran.
    pub fn target(&self) -> Result<Option<String>, JournalError> {
        self.lock()
            .query_row("SELECT value FROM batch WHERE key = 'target'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.sqlite())
    }

    /// Binds the journal to `target`, or checks that it is bound to it.
    pub(crate) fn claim(&self, target: &str) -> Result<(), JournalError> {
        match self.target()? {
            Some(journal) if journal != target => Err(JournalError::OtherTarget {
                path: self.path(),
                journal,
                given: target.to_owned(),
            }),
            Some(_) => Ok(()),
            None => self
                .lock()
                .execute(
                    "INSERT INTO batch (key, value) VALUES ('target', ?1)",
                    [target],
                )
                .map(drop)
                .map_err(self.sqlite()),
        }
    }

    /// Every file, in the order they were first registered.
    pub fn entries(&self) -> Result<Vec<Entry>, JournalError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!("SELECT {COLUMNS} FROM files ORDER BY id"))
            .map_err(self.sqlite())?;
        let rows = statement
            .query_map([], |row| entry(row).map(|(_, entry)| entry))
            .map_err(self.sqlite())?;
        rows.collect::<Result<_, _>>().map_err(self.sqlite())
    }

    /// How many files are in each state.
    pub fn counts(&self) -> Result<Counts, JournalError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare("SELECT state, COUNT(*) FROM files GROUP BY state")
            .map_err(self.sqlite())?;
        let mut counts = Counts::default();
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as usize))
            })
            .map_err(self.sqlite())?;
        for row in rows {
            let (state, count) = row.map_err(self.sqlite())?;
            *match State::parse(&state) {
                State::Pending => &mut counts.pending,
                State::Uploading => &mut counts.uploading,
                State::Uploaded => &mut counts.uploaded,
                State::Done => &mut counts.done,
                State::Failed => &mut counts.failed,
                State::Duplicate => &mut counts.duplicate,
            } += count;
        }
        Ok(counts)
    }

    /// Adds the files not in the journal yet (by path and content: a file whose content
    /// changed is a new file), in one transaction; each file's row and entry, in order. A new
    /// file with the content of another is a duplicate unless `upload_duplicates`.
    pub(crate) fn register(
        &self,
        files: &[(String, String, u64, String)],
        upload_duplicates: bool,
    ) -> Result<Vec<Registered>, JournalError> {
        let sqlite = self.sqlite();
        let mut connection = self.lock();
        let transaction = connection.transaction().map_err(&sqlite)?;
        let now = now();
        let mut registered = Vec::with_capacity(files.len());
        {
            let mut find = transaction
                .prepare_cached(&format!(
                    "SELECT {LIGHT_COLUMNS} FROM files WHERE source = ?1 AND sha256 = ?2"
                ))
                .map_err(&sqlite)?;
            let mut same_content = transaction
                .prepare_cached(
                    "SELECT source FROM files WHERE sha256 = ?1 AND source <> ?2 \
                     AND state <> 'duplicate' ORDER BY id LIMIT 1",
                )
                .map_err(&sqlite)?;
            let mut insert = transaction
                .prepare_cached(
                    "INSERT INTO files (source, name, size, sha256, state, duplicate_of, updated) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(&sqlite)?;
            // A file whose content changed before it was ever sent: its old row goes, so
            // that it is not left pending (or failing) for content that no longer exists.
            let mut forget_unsent = transaction
                .prepare_cached("DELETE FROM files WHERE id = ?1")
                .map_err(&sqlite)?;
            let mut undo_duplicate = transaction
                .prepare_cached(
                    "UPDATE files SET state = 'pending', duplicate_of = NULL, updated = ?2 \
                     WHERE id = ?1",
                )
                .map_err(&sqlite)?;
            // Every content given for each source in this call: two files may share a name
            // (bytes from a queue, say), and neither may forget the other.
            let mut given: std::collections::HashMap<&str, Vec<&str>> = Default::default();
            for (source, _, _, sha256) in files {
                given.entry(source).or_default().push(sha256);
            }
            let mut unsent_of = transaction
                .prepare_cached(
                    "SELECT id, sha256 FROM files WHERE source = ?1 AND document_id IS NULL \
                     AND (state = 'pending' OR (state = 'failed' \
                     AND failure_kind IN ('throttled', 'file')))",
                )
                .map_err(&sqlite)?;
            for (source, contents) in &given {
                let unsent: Vec<(RowId, String)> = unsent_of
                    .query_map([source], |r| Ok((r.get(0)?, r.get(1)?)))
                    .map_err(&sqlite)?
                    .collect::<Result<_, _>>()
                    .map_err(&sqlite)?;
                for (row, sha256) in unsent {
                    if !contents.contains(&sha256.as_str()) {
                        forget_unsent.execute([row]).map_err(&sqlite)?;
                    }
                }
            }
            for (source, name, size, sha256) in files {
                let known = find
                    .query_row(params![source, sha256], entry)
                    .optional()
                    .map_err(&sqlite)?;
                if let Some((id, mut known)) = known {
                    if known.state == State::Duplicate && upload_duplicates {
                        undo_duplicate.execute(params![id, now]).map_err(&sqlite)?;
                        known.state = State::Pending;
                        known.duplicate_of = None;
                    }
                    registered.push((id, known, false));
                    continue;
                }
                // An unreadable file (no fingerprint) is nobody's twin.
                let original: Option<String> = if upload_duplicates || sha256.is_empty() {
                    None
                } else {
                    same_content
                        .query_row(params![sha256, source], |r| r.get(0))
                        .optional()
                        .map_err(&sqlite)?
                };
                let state = match original {
                    Some(_) => State::Duplicate,
                    None => State::Pending,
                };
                insert
                    .execute(params![
                        source,
                        name,
                        *size as i64,
                        sha256,
                        state.as_str(),
                        original,
                        now
                    ])
                    .map_err(&sqlite)?;
                let entry = Entry {
                    source: source.clone(),
                    name: name.clone(),
                    size: *size,
                    sha256: sha256.clone(),
                    state,
                    document_id: None,
                    attempts: 0,
                    duplicate_of: original,
                    failure: None,
                    result: None,
                    upload_started: None,
                };
                registered.push((transaction.last_insert_rowid(), entry, true));
            }
        }
        transaction.commit().map_err(&sqlite)?;
        Ok(registered)
    }

    /// Duplicates whose content no other file carries any more: no file with it is pending,
    /// being uploaded, uploaded or done (the original failed, or changed before it was sent).
    /// By content, oldest first.
    pub(crate) fn orphaned_duplicates(&self) -> Result<Vec<(RowId, Entry)>, JournalError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!(
                "SELECT {LIGHT_COLUMNS} FROM files AS d WHERE state = 'duplicate' AND NOT EXISTS \
                 (SELECT 1 FROM files AS o WHERE o.sha256 = d.sha256 AND ({CARRIES})) \
                 AND NOT EXISTS (SELECT 1 FROM files AS o WHERE o.sha256 = d.sha256 \
                 AND ({REACHED_AND_FAILED})) ORDER BY sha256, id"
            ))
            .map_err(self.sqlite())?;
        let rows = statement.query_map([], entry).map_err(self.sqlite())?;
        rows.collect::<Result<_, _>>().map_err(self.sqlite())
    }

    /// Duplicates whose content reached the server with another file and failed there (its
    /// processing failed), no file with it on its way or done: they fail alike, as the same
    /// content would. How many.
    pub(crate) fn fail_duplicates_of_failures(&self) -> Result<usize, JournalError> {
        self.lock()
            .execute(
                &format!(
                    "UPDATE files AS d SET state = 'failed', \
                     (failure_kind, failure, failure_status, failure_body) = \
                     (SELECT o.failure_kind, 'the same content as ' || o.source \
                     || ', which failed: ' || o.failure, o.failure_status, o.failure_body \
                     FROM files AS o WHERE o.sha256 = d.sha256 AND ({REACHED_AND_FAILED}) \
                     ORDER BY o.id LIMIT 1), updated = ?1 \
                     WHERE d.state = 'duplicate' AND NOT EXISTS (SELECT 1 FROM files AS o \
                     WHERE o.sha256 = d.sha256 AND ({CARRIES})) AND EXISTS (SELECT 1 FROM \
                     files AS o WHERE o.sha256 = d.sha256 AND ({REACHED_AND_FAILED}))"
                ),
                [now()],
            )
            .map_err(self.sqlite())
    }

    /// Records that duplicate `row`'s content cannot be sent: the file it repeated no longer
    /// carries it, and its own path does not hold it (gone, changed, or bytes not given again).
    pub(crate) fn duplicate_lost(&self, row: RowId, message: &str) -> Result<(), JournalError> {
        self.update(
            row,
            "UPDATE files SET state = 'failed', failure_kind = 'file', failure = ?2, \
             failure_status = NULL, failure_body = NULL, updated = ?3 WHERE id = ?1",
            params![row, message, now()],
        )
    }

    /// Makes `row` the file that carries its content: pending, to be sent. Every other file
    /// with that content that is a duplicate, or failed in a way a resumed batch would send
    /// again, becomes a duplicate of it, so that the content is sent once.
    pub(crate) fn promote(&self, row: RowId) -> Result<(), JournalError> {
        let sqlite = self.sqlite();
        let mut connection = self.lock();
        let transaction = connection.transaction().map_err(&sqlite)?;
        let now = now();
        let changed = transaction
            .execute(
                "UPDATE files SET state = 'pending', duplicate_of = NULL, failure_kind = NULL, \
                 failure = NULL, failure_status = NULL, failure_body = NULL, updated = ?2 \
                 WHERE id = ?1 AND state = 'duplicate'",
                params![row, now],
            )
            .map_err(&sqlite)?;
        transaction
            .execute(
                "UPDATE files SET state = 'duplicate', \
                 duplicate_of = (SELECT source FROM files WHERE id = ?1), updated = ?2 \
                 WHERE id <> ?1 AND sha256 = (SELECT sha256 FROM files WHERE id = ?1) \
                 AND document_id IS NULL AND (state = 'duplicate' OR (state = 'failed' \
                 AND failure_kind IN ('throttled', 'file')))",
                params![row, now],
            )
            .map_err(&sqlite)?;
        if changed != 1 {
            // Dropped, the transaction rolls back: no file becomes the duplicate of a row that
            // was not promoted.
            return self.one_row(row, Ok(changed));
        }
        transaction.commit().map_err(&sqlite)
    }

    /// Every row without its bodies, with its key (for files of earlier runs not given again).
    pub(crate) fn rows(&self) -> Result<Vec<(RowId, Entry)>, JournalError> {
        let connection = self.lock();
        let mut statement = connection
            .prepare(&format!("SELECT {LIGHT_COLUMNS} FROM files ORDER BY id"))
            .map_err(self.sqlite())?;
        let rows = statement.query_map([], entry).map_err(self.sqlite())?;
        rows.collect::<Result<_, _>>().map_err(self.sqlite())
    }

    /// Before an upload: the attempt begins now. Written, and synced to disk, before a byte is
    /// sent (see the module's docs).
    pub(crate) fn uploading(&self, row: RowId, started: &str) -> Result<(), JournalError> {
        let connection = self.lock();
        let synced = |value: &str| connection.pragma_update(None, "synchronous", value);
        let update = || {
            connection
                .prepare_cached(
                    "UPDATE files SET state = 'uploading', attempts = attempts + 1, \
                     upload_started = ?2, updated = ?3 WHERE id = ?1 \
                     AND state IN ('pending', 'uploading', 'failed')",
                )?
                .execute(params![row, started, now()])
        };
        let durable = self.path.as_deref() != Some(MEMORY);
        let result = if durable {
            synced("FULL").and_then(|()| {
                let changed = update();
                synced("NORMAL").and(changed)
            })
        } else {
            update()
        };
        self.one_row(row, result)
    }

    /// That `result`, of a statement on `row`, changed that row.
    fn one_row(&self, row: RowId, result: rusqlite::Result<usize>) -> Result<(), JournalError> {
        match result.map_err(self.sqlite())? {
            1 => Ok(()),
            _ => Err(JournalError::Missing {
                path: self.path(),
                row,
            }),
        }
    }

    /// The server kept nothing (429): back to pending.
    pub(crate) fn pending(&self, row: RowId) -> Result<(), JournalError> {
        self.update(
            row,
            "UPDATE files SET state = 'pending', updated = ?2 WHERE id = ?1",
            params![row, now()],
        )
    }

    /// The server acknowledged (or was found to have) the upload as `document`, with `reply`
    /// when it answered.
    pub(crate) fn uploaded(
        &self,
        row: RowId,
        document: &str,
        reply: Option<&[u8]>,
    ) -> Result<(), JournalError> {
        self.update(
            row,
            "UPDATE files SET state = 'uploaded', document_id = ?2, result = ?3, \
             failure_kind = NULL, failure = NULL, failure_status = NULL, failure_body = NULL, \
             updated = ?4 WHERE id = ?1",
            params![row, document, reply, now()],
        )
    }

    /// Processed: the final answer.
    pub(crate) fn done(&self, row: RowId, result: &[u8]) -> Result<(), JournalError> {
        self.update(
            row,
            "UPDATE files SET state = 'done', result = ?2, failure_kind = NULL, failure = NULL, \
             failure_status = NULL, failure_body = NULL, updated = ?3 WHERE id = ?1",
            params![row, result, now()],
        )
    }

    /// Records `failure`, with the state the file is left in.
    pub(crate) fn failed(
        &self,
        row: RowId,
        state: State,
        failure: &Failure,
    ) -> Result<(), JournalError> {
        self.update(
            row,
            "UPDATE files SET state = ?2, failure_kind = ?3, failure = ?4, failure_status = ?5, \
             failure_body = ?6, updated = ?7 WHERE id = ?1",
            params![
                row,
                state.as_str(),
                failure.kind.as_str(),
                failure.message,
                failure.status,
                failure.body.as_deref(),
                now()
            ],
        )
    }

    /// Whether some file of the journal already has document `id` (so that a document found
    /// on the server is not taken for two files).
    pub(crate) fn claimed(&self, id: &str) -> Result<bool, JournalError> {
        self.lock()
            .query_row(
                "SELECT 1 FROM files WHERE document_id = ?1 LIMIT 1",
                [id],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(self.sqlite())
    }

    /// Whether another file of the journal has `name` and an upload nobody has vouched for
    /// (state `uploading`): a document of that name on the server could then be either's.
    pub(crate) fn namesake_unsure(&self, row: RowId, name: &str) -> Result<bool, JournalError> {
        self.lock()
            .query_row(
                "SELECT 1 FROM files WHERE name = ?1 AND id <> ?2 AND state = 'uploading' LIMIT 1",
                params![name, row],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(self.sqlite())
    }

    /// One file's row as it stands.
    pub(crate) fn entry(&self, row: RowId) -> Result<Entry, JournalError> {
        self.lock()
            .query_row(
                &format!("SELECT {COLUMNS} FROM files WHERE id = ?1"),
                [row],
                entry,
            )
            .map(|(_, entry)| entry)
            .map_err(self.sqlite())
    }

    /// Runs `sql` on `row` (its first parameter), which must change it.
    fn update(
        &self,
        row: RowId,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<(), JournalError> {
        let changed = self
            .lock()
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(params));
        self.one_row(row, changed)
    }
}

/// A row, `o`, that carries its content to the server: on its way or there.
const CARRIES: &str = "o.state IN ('pending', 'uploading', 'uploaded', 'done')";
/// A row, `o`, whose content reached the server and failed there: sending it again would fail
/// alike (or make a second document of it). Not a refusal: the server may refuse a file for its
/// name, and a duplicate has another.
const REACHED_AND_FAILED: &str = "o.state = 'failed' AND (o.document_id IS NOT NULL \
    OR o.failure_kind = 'processing')";

const COLUMNS: &str = "id, source, name, size, sha256, state, document_id, attempts, \
    upload_started, duplicate_of, failure_kind, failure, failure_status, failure_body, result";
/// The same without the bodies, for the rows a batch plans with: a journal of ten thousand
/// processed documents would otherwise be read into memory whole.
const LIGHT_COLUMNS: &str = "id, source, name, size, sha256, state, document_id, attempts, \
    upload_started, duplicate_of, failure_kind, failure, failure_status, NULL, NULL";

fn entry(row: &Row<'_>) -> rusqlite::Result<(RowId, Entry)> {
    let failure = match row.get::<_, Option<String>>(10)? {
        Some(kind) => Some(Failure {
            kind: FailureKind::parse(&kind),
            message: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
            status: row.get(12)?,
            body: row.get::<_, Option<Vec<u8>>>(13)?.map(Bytes::from),
        }),
        None => None,
    };
    let entry = Entry {
        source: row.get(1)?,
        name: row.get(2)?,
        size: row.get::<_, i64>(3)? as u64,
        sha256: row.get(4)?,
        state: State::parse(&row.get::<_, String>(5)?),
        document_id: row.get(6)?,
        attempts: row.get::<_, i64>(7)? as u32,
        upload_started: row.get(8)?,
        duplicate_of: row.get(9)?,
        failure,
        result: row.get::<_, Option<Vec<u8>>>(14)?.map(Bytes::from),
    };
    Ok((row.get(0)?, entry))
}

/// Now, as the journal writes times: RFC 3339 in UTC.
pub(crate) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(source: &str, sha: &str) -> (String, String, u64, String) {
        (source.into(), source.into(), 1, sha.into())
    }

    #[test]
    fn a_file_is_registered_once_and_its_content_twin_is_a_duplicate() {
        let journal = Journal::in_memory();
        let first = journal
            .register(&[file("a.pdf", "h1"), file("b.pdf", "h1")], false)
            .unwrap();
        assert_eq!(first[0].1.state, State::Pending);
        assert_eq!(first[1].1.state, State::Duplicate);
        assert_eq!(first[1].1.duplicate_of.as_deref(), Some("a.pdf"));
        let again = journal.register(&[file("a.pdf", "h1")], false).unwrap();
        assert_eq!(again[0].0, first[0].0);
        // Asked to upload duplicates, the twin becomes pending.
        let forced = journal.register(&[file("b.pdf", "h1")], true).unwrap();
        assert_eq!(forced[0].1.state, State::Pending);
        assert_eq!(journal.counts().unwrap().pending, 2);
    }

    #[test]
    fn a_file_changed_before_it_was_sent_is_one_file_and_one_changed_after_is_two() {
        let journal = Journal::in_memory();
        journal.register(&[file("a.pdf", "v1")], false).unwrap();
        journal.register(&[file("a.pdf", "v2")], false).unwrap();
        let entries = journal.entries().unwrap();
        assert_eq!(entries.len(), 1, "the unsent first version is forgotten");
        assert_eq!(entries[0].sha256, "v2");
        let rows = journal.register(&[file("a.pdf", "v2")], false).unwrap();
        journal.uploading(rows[0].0, &now()).unwrap();
        journal.uploaded(rows[0].0, "doc-2", None).unwrap();
        journal.register(&[file("a.pdf", "v3")], false).unwrap();
        assert_eq!(journal.entries().unwrap().len(), 2, "a sent version stays");
    }

    #[test]
    fn a_journal_keeps_its_target_and_states_across_openings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.sqlite");
        {
            let journal = Journal::open(&path).unwrap();
            journal.claim("POST /documents/inbox-1").unwrap();
            let rows = journal.register(&[file("a.pdf", "h1")], false).unwrap();
            journal.uploading(rows[0].0, &now()).unwrap();
            journal.uploaded(rows[0].0, "doc-1", None).unwrap();
        }
        let journal = Journal::open(&path).unwrap();
        let error = journal.claim("POST /documents/inbox-2").unwrap_err();
        assert!(error.to_string().contains("inbox-1"), "{error}");
        let entries = journal.entries().unwrap();
        assert_eq!(entries[0].state, State::Uploaded);
        assert_eq!(entries[0].document_id.as_deref(), Some("doc-1"));
        assert_eq!(entries[0].attempts, 1);
        assert!(journal.claimed("doc-1").unwrap());
    }

    #[test]
    fn an_unsure_upload_of_the_same_name_makes_a_namesake_unsure() {
        let journal = Journal::in_memory();
        let rows = journal
            .register(
                &[
                    ("a/scan.pdf".into(), "scan.pdf".into(), 1, "h1".into()),
                    ("b/scan.pdf".into(), "scan.pdf".into(), 1, "h2".into()),
                ],
                false,
            )
            .unwrap();
        let (a, b) = (rows[0].0, rows[1].0);
        assert!(!journal.namesake_unsure(a, "scan.pdf").unwrap());
        journal.uploading(b, &now()).unwrap();
        assert!(journal.namesake_unsure(a, "scan.pdf").unwrap());
        assert!(
            !journal.namesake_unsure(b, "scan.pdf").unwrap(),
            "not its own namesake"
        );
        journal.uploaded(b, "doc-b", None).unwrap();
        assert!(!journal.namesake_unsure(a, "scan.pdf").unwrap());
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "not a database, just some text that is long enough").unwrap();
        let error = Journal::open(&path).unwrap_err();
        assert!(error.to_string().contains("notes.txt"), "{error}");
    }
}

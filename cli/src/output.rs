//! Where answers and failures go: stdout, files, stderr, and the exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use bytes::Bytes;
use serde_json::Value;

use contractfit_runtime::{Client, Error, WaitError, WaitFailure};

/// The tool's exit codes. Scripts may rely on them; they do not change between versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Exit {
    /// Done.
    Success = 0,
    /// A local failure: a file could not be read or written, or a value cannot be sent.
    Local = 1,
    /// Bad usage: unknown flags, invalid values, a `--body` that is not JSON (clap's code too).
    Usage = 2,
    /// The API answered 4xx (including 401, 403, 404).
    ClientError = 3,
    /// The API answered 5xx.
    ServerError = 4,
    /// No answer: the connection failed or a timeout passed (after the retries).
    NoAnswer = 5,
    /// An answer that is not what the document declares (a body that does not decode).
    BadAnswer = 6,
    /// Waiting ended without success: processing failed, or the maximum wait passed (in a
    /// batch, for every item that failed).
    WaitFailed = 7,
    /// A batch (upload, wait) where some items failed otherwise; the summary on stderr says
    /// which.
    SomeFailed = 8,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  local failure (a file could not be read or written, a value cannot be sent,
     the output was closed)
  2  usage (unknown flag, invalid value, --body that is not JSON)
  3  the API answered 4xx
  4  the API answered 5xx
  5  no answer (connection failed, timed out)
  6  the answer is not what the API document declares, or too long to read
  7  waiting ended without success (processing failed, max wait passed), for
     every item that failed
  8  some items of a batch failed otherwise (the summary on stderr says which)";

/// A command that did not succeed: why (for stderr), the exit code, and whatever body the
/// server sent (never dropped).
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    pub status: Option<u16>,
    pub body: Option<Bytes>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            status: None,
            body: None,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// The failure with `client`'s credentials redacted from its message and body: a server
    /// may echo them back, and whatever the tool prints ends up in terminals and logs.
    pub fn redacted(self, client: &Client) -> Failure {
        let body = self.body.map(
            |body| match client.redact(&String::from_utf8_lossy(&body)) {
                std::borrow::Cow::Borrowed(_) => body,
                std::borrow::Cow::Owned(text) => Bytes::from(text),
            },
        );
        Failure {
            message: client.redact(&self.message).into_owned(),
            body,
            ..self
        }
    }

    /// Prints the failure to stderr: one line, then the server's body if there is one.
    pub fn report(&self) {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "error: {}", self.message);
        if let Some(body) = self.body.as_ref().filter(|b| !b.is_empty()) {
            let _ = writeln!(stderr, "body: {}", String::from_utf8_lossy(body).trim_end());
        }
    }

    /// The failure as a JSON object, for the result lines of batches.
    pub fn to_json(&self) -> Value {
        let mut error = serde_json::json!({ "message": self.message });
        if let Some(status) = self.status {
            error["status"] = status.into();
        }
        if let Some(body) = self.body.as_ref().filter(|b| !b.is_empty()) {
            error["body"] = serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(body).into_owned()));
        }
        error
    }
}

/// Writes a line to stderr, or nothing if stderr is closed (`2>&1 | head -1`): what the tool
/// says on the side never ends it.
pub fn say(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// The message a server put in an error body (`message`, `error`, `detail`), if it has one.
fn server_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    ["message", "error", "detail", "title"]
        .iter()
        .find_map(|key| value.get(key).and_then(Value::as_str))
        .map(str::to_owned)
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let error = match error {
            Error::Wait(wait) => return Failure::from(*wait),
            error => error,
        };
        let status = error.status().map(|s| s.as_u16());
        let body = error.body().cloned();
        let exit = match &error {
            Error::Api(api) if api.status.is_server_error() => Exit::ServerError,
            Error::Api(_) => Exit::ClientError,
            Error::Transport { .. } | Error::Timeout { .. } => Exit::NoAnswer,
            Error::Decode(_) | Error::TooLarge(_) => Exit::BadAnswer,
            Error::Auth { source, .. } => match source.as_deref().and_then(Error::status) {
                Some(status) if status.is_server_error() => Exit::ServerError,
                Some(_) => Exit::ClientError,
                None => Exit::NoAnswer,
            },
            _ => Exit::Local,
        };
        let message = match &error {
            // The server's own words, with the client's credentials taken out: a server may
            // echo them, and this goes to stderr, the journal and logs.
            Error::Api(api) => {
                let said = server_message(api.redacted_text().as_bytes())
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                format!("{}: HTTP {}{said}", api.context, api.status)
            }
            other => other.to_string(),
        };
        Failure {
            exit,
            message,
            status,
            body,
        }
    }
}

impl<T> From<WaitError<T>> for Failure {
    fn from(error: WaitError<T>) -> Self {
        // The wait's message names the waiter and the resource (and, after an upload, says to
        // wait again rather than upload again); a failed poll keeps its own exit and status.
        let message = error.to_string();
        let body = error.last_body().cloned();
        let status = error.status().map(|s| s.as_u16());
        match error.into_reason() {
            WaitFailure::Call(source) => Failure::from(source),
            WaitFailure::Poll(source) => Failure {
                message,
                ..Failure::from(source)
            },
            WaitFailure::NoId { .. } => Failure {
                exit: Exit::BadAnswer,
                message,
                status: None,
                body,
            },
            _ => Failure {
                exit: Exit::WaitFailed,
                message,
                status,
                body,
            },
        }
    }
}

/// How answers are written: where, and JSON pretty or compact.
#[derive(Debug, Clone)]
pub struct Output {
    /// `None` for stdout.
    pub file: Option<String>,
    pub pretty: bool,
}

impl Output {
    pub fn from_matches(matches: &clap::ArgMatches) -> Self {
        let file = matches
            .get_one::<String>("output")
            .filter(|f| f.as_str() != "-")
            .cloned();
        let pretty = if matches.get_flag("pretty") {
            true
        } else if matches.get_flag("compact") {
            false
        } else {
            file.is_none() && std::io::stdout().is_terminal()
        };
        Output { file, pretty }
    }

    /// Whether binary data would land on a terminal.
    pub fn is_terminal(&self) -> bool {
        self.file.is_none() && std::io::stdout().is_terminal()
    }

    /// Writes a JSON answer: re-indented or compacted (key order kept); bytes that are not
    /// JSON are written as received.
    pub fn json(&self, body: &[u8]) -> Result<bool, Failure> {
        let (text, is_json) = match serde_json::from_slice::<Value>(body) {
            Ok(value) => (json_text(&value, self.pretty).into_bytes(), true),
            Err(_) => (body.to_vec(), false),
        };
        self.write(&text)?;
        Ok(is_json)
    }

    pub fn write(&self, bytes: &[u8]) -> Result<(), Failure> {
        match &self.file {
            Some(path) => std::fs::write(path, bytes)
                .map_err(|e| Failure::new(Exit::Local, format!("cannot write {path}: {e}"))),
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(bytes)
                    .and_then(|()| stdout.flush())
                    .map_err(|e| Failure::new(Exit::Local, format!("cannot write to stdout: {e}")))
            }
        }
    }
}

/// JSON as text with a final newline.
pub fn json_text(value: &Value, pretty: bool) -> String {
    let mut text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .unwrap_or_else(|_| value.to_string());
    text.push('\n');
    text
}

/// Where the JSON lines of a batch or a listing go, one compact value a line, flushed as
/// they come so that a reader downstream sees each at once.
pub struct Lines {
    sink: std::sync::Mutex<Box<dyn Write + Send>>,
}

impl Lines {
    pub fn open(output: &Output) -> Result<Self, Failure> {
        let sink: Box<dyn Write + Send> = match &output.file {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .map_err(|e| Failure::new(Exit::Local, format!("cannot create {path}: {e}")))?,
            ),
            None => Box::new(std::io::stdout()),
        };
        Ok(Lines {
            sink: std::sync::Mutex::new(sink),
        })
    }

    pub fn write(&self, value: &Value) -> Result<(), Failure> {
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        sink.write_all(json_text(value, false).as_bytes())
            .and_then(|()| sink.flush())
            .map_err(|e| Failure::new(Exit::Local, format!("cannot write the output: {e}")))
    }
}

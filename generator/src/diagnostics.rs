//! Errors and warnings, each naming where in which document it arose.

use std::fmt;
use std::path::PathBuf;

/// A place in a document: the file, a JSON pointer into it, and the line where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// RFC 6901 JSON pointer; empty for the whole document.
    pub pointer: String,
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        Ok(())
    }
}

/// Why generation stopped.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not YAML/JSON, or does not have the shape of its format.
    #[error("{location}: {message}")]
    Syntax { location: Location, message: String },
    /// The document is well-formed but says something the generator cannot honour.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    /// The emitter produced tokens that are not Rust: a bug in the generator.
    #[error("generator bug: emitted {file} does not parse: {message}")]
    Emit { file: String, message: String },
}

impl Error {
    /// The same error, its place in the document given by `map` (a front end's place in the
    /// document as written, for one read in another form).
    pub fn map_pointer(self, map: impl Fn(&str) -> String) -> Error {
        match self {
            Error::Syntax {
                mut location,
                message,
            } => {
                location.pointer = map(&location.pointer);
                Error::Syntax { location, message }
            }
            Error::Invalid {
                mut location,
                message,
            } => {
                location.pointer = map(&location.pointer);
                Error::Invalid { location, message }
            }
            other => other,
        }
    }
}

/// Something the generator worked around; reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// JSON pointer into the overlaid document.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901 §3).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Unescapes one reference token of a JSON pointer (the inverse of [`pointer_token`]).
pub fn unescape_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Joins reference tokens into a JSON pointer.
pub fn pointer<'a>(tokens: impl IntoIterator<Item = &'a str>) -> String {
    tokens
        .into_iter()
        .map(|t| format!("/{}", pointer_token(t)))
        .collect()
}

/// The JSON pointer of where `serde_path_to_error` stopped.
pub fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let tokens: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    pointer(tokens.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_escapes_slashes_and_tildes() {
        assert_eq!(
            pointer(["paths", "/documents/{id}", "get"]),
            "/paths/~1documents~1{id}/get"
        );
        assert_eq!(pointer_token("a~b"), "a~0b");
        assert_eq!(unescape_token(&pointer_token("a~/b")), "a~/b");
    }
}

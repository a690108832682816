//! Reading a document: text to a JSON value (YAML or JSON), and a value to `openapiv3`.
//!
//! The document stays a `serde_json::Value` until the overlay has been applied, because an
//! overlay edits the document as data. Only then is it read into `openapiv3`, with
//! `serde_path_to_error` so that a shape error names its JSON pointer.

mod normalize;
mod openapi31;
mod schema_shape;
mod swagger2;

use std::path::Path;

pub use serde_json::Value;

use crate::diagnostics::{Error, Location, Warning};

/// Where the document as read keeps the names of its webhooks (OpenAPI 3.1's `webhooks`,
/// which 3.0 cannot say), for the builder.
pub const WEBHOOKS: &str = "x-generator-webhooks";

/// What the keys of a map in the document are, for the passes that look for schemas and
/// references: keywords (an operation's, a schema's), under which an extension or an example
/// is data, not document (Azure's `x-ms-examples` hold whole requests, with `schema` and
/// `$ref` keys of their own), and which those passes do not enter; or names the document chose
/// (`properties`, `headers`, a component section), where `x-rate` or `example` is a name like
/// any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    Keywords,
    Names,
}

impl Keys {
    /// The keywords whose values are maps of names.
    const NAME_MAPS: [&'static str; 18] = [
        "properties",
        "patternProperties",
        "definitions",
        "$defs",
        "schemas",
        "parameters",
        "responses",
        "requestBodies",
        "headers",
        "securitySchemes",
        "securityDefinitions",
        "links",
        "callbacks",
        "pathItems",
        "webhooks",
        "encoding",
        "content",
        "variables",
    ];

    /// Whether the value under `key`, in a map of these keys, is data.
    fn holds_data(self, key: &str) -> bool {
        self == Keys::Keywords && (key.starts_with("x-") || key == "example" || key == "examples")
    }

    /// What the keys of the map under `key`, in a map of these keys, are.
    fn below(self, key: &str) -> Keys {
        match self {
            Keys::Keywords if Keys::NAME_MAPS.contains(&key) => Keys::Names,
            _ => Keys::Keywords,
        }
    }
}

/// What a document says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `swagger: "2.0"`.
    Swagger2,
    /// `openapi: 3.0.x`.
    OpenApi30,
    /// `openapi: 3.1.x`, or 3.2.x (what it shares with 3.1).
    OpenApi31,
}

/// What `document` says it is, from its `openapi` or `swagger` field, before anything else is
/// read: a document of another kind is refused by name, with the file.
pub fn dialect(path: &Path, document: &Value) -> Result<Dialect, Error> {
    let refuse = |pointer: &str, message: String| {
        Err(Error::Invalid {
            location: Location {
                file: path.to_owned(),
                pointer: pointer.to_owned(),
                line: None,
            },
            message,
        })
    };
    if !document.is_object() {
        return refuse("", "a document is a JSON or YAML object (mapping)".into());
    }
    match (document.get("openapi"), document.get("swagger")) {
        (Some(Value::String(v)), _) if v == "3.0" || v.starts_with("3.0.") => {
            Ok(Dialect::OpenApi30)
        }
        (Some(Value::String(v)), _) if v.starts_with("3.1.") || v.starts_with("3.2.") => {
            Ok(Dialect::OpenApi31)
        }
        (Some(Value::String(v)), _) => refuse(
            "/openapi",
            format!("OpenAPI {v:?} is not read: only Swagger 2.0 and OpenAPI 3.0, 3.1 and 3.2"),
        ),
        (Some(other), _) => refuse(
            "/openapi",
            format!("`openapi` must be a version string such as \"3.0.3\", not {other}"),
        ),
        // `swagger: 2.0` unquoted is a YAML number.
        (None, Some(Value::String(v))) if v == "2.0" => Ok(Dialect::Swagger2),
        (None, Some(Value::Number(v))) if v.as_f64() == Some(2.0) => Ok(Dialect::Swagger2),
        (None, Some(other)) => refuse(
            "/swagger",
            format!("Swagger {other} is not read: only Swagger \"2.0\" and OpenAPI 3.x"),
        ),
        (None, None) => refuse(
            "",
            "not an OpenAPI document: it has neither an `openapi` nor a `swagger` version".into(),
        ),
    }
}

/// The overlaid document as the builder reads it: its dialect known first (before anything
/// is copied), then in its OpenAPI 3.0 form (see `load/swagger2.rs`), then normalised (see
/// `load/normalize.rs`). Warnings name places in the document as written.
pub fn prepare(path: &Path, document: &mut Value) -> Result<(Places, Vec<Warning>), Error> {
    let dialect = dialect(path, document)?;
    let mut warnings = Vec::new();
    let invalid = |(pointer, message): (String, String)| Error::Invalid {
        location: Location {
            file: path.to_owned(),
            pointer,
            line: None,
        },
        message,
    };
    let invalid_here = |refusal: normalize::Refusal| invalid((refusal.pointer, refusal.message));
    // Found in the document as written: their places need no mapping back.
    let mut as_written = Vec::new();
    normalize::other_files(document, &mut as_written).map_err(invalid_here)?;
    let places = match dialect {
        Dialect::OpenApi30 => Places::AsWritten,
        Dialect::Swagger2 => {
            let (lowered, hoisted) = swagger2::lower(std::mem::take(document), &mut warnings);
            *document = lowered;
            Places::Swagger2(hoisted)
        }
        Dialect::OpenApi31 => {
            // Its warnings name places as written already.
            let (lowered, moves) =
                openapi31::to_openapi30(std::mem::take(document), &mut as_written)
                    .map_err(invalid)?;
            *document = lowered;
            Places::OpenApi31(moves)
        }
    };
    let normalized = normalize::normalize(document)
        .map_err(invalid_here)
        .map_err(|e| e.map_pointer(|p| places.original(p)))?;
    warnings.extend(normalized);
    for warning in &mut warnings {
        warning.pointer = places.original(&warning.pointer);
    }
    as_written.extend(warnings);
    Ok((places, as_written))
}

/// How places in the document's OpenAPI 3.0 form map back to the document as written, for
/// errors and warnings.
#[derive(Debug)]
pub enum Places {
    /// An OpenAPI 3.0 document: the same places.
    AsWritten,
    /// Swagger 2.0's sections and bodies moved as a whole (see `swagger2::original_pointer`),
    /// and body schemas referred into became definitions.
    Swagger2(swagger2::Hoisted),
    /// 3.1's schemas change in place, but some parts move: a `$ref` beside other keywords
    /// becomes an `allOf`, a list of types a `oneOf`, a `null` variant leaves its list.
    OpenApi31(openapi31::Moves),
}

impl Places {
    /// Where `pointer`, a place in the document's OpenAPI 3.0 form, is in the document as
    /// written.
    pub fn original(&self, pointer: &str) -> String {
        match self {
            Places::AsWritten => pointer.to_owned(),
            Places::Swagger2(hoisted) => swagger2::original_pointer(hoisted, pointer),
            Places::OpenApi31(moves) => openapi31::original_pointer(moves, pointer),
        }
    }
}

/// A document value as pretty JSON text (for tools that take the overlaid document as input).
pub fn to_json_text(value: &Value) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(value)
}

/// Reads a YAML or JSON file (JSON is YAML, so one parser serves both).
pub fn read_value(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_value(path, &text)
}

/// Parses YAML or JSON text; `path` only names the source in errors.
///
/// A line of only spaces and tabs inside a block scalar is read as an empty line: YAML
/// forbids tabs in indentation, and `serde_yaml` refuses such a line where other tools read
/// it (35 Adyen documents of the APIs.guru directory have one). Only when the text as written
/// is refused for a tab: what it says is otherwise unchanged.
pub fn parse_value(path: &Path, text: &str) -> Result<Value, Error> {
    let parsed = parse_yaml(path, text);
    match parsed {
        Err(Error::Syntax { ref message, .. }) if message.contains("found a tab character") => {
            let blanked: String = text
                .split_inclusive('\n')
                .map(|line| {
                    let content = line.trim_end_matches(['\n', '\r']);
                    if content.contains('\t') && content.trim().is_empty() {
                        &line[content.len()..]
                    } else {
                        line
                    }
                })
                .collect();
            if blanked != text {
                if let Ok(value) = parse_yaml(path, &blanked) {
                    return Ok(value);
                }
            }
            parsed
        }
        other => other,
    }
}

fn parse_yaml(path: &Path, text: &str) -> Result<Value, Error> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let pointer = crate::diagnostics::pointer_of(e.path());
        let inner = e.into_inner();
        Error::Syntax {
            location: Location {
                file: path.to_owned(),
                pointer,
                line: inner.location().map(|l| l.line()),
            },
            message: inner.to_string(),
        }
    })
}

/// Reads an (already overlaid) document value as OpenAPI 3.0.
pub fn to_openapi(path: &Path, value: Value) -> Result<openapiv3::OpenAPI, Error> {
    let version = value.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !version.starts_with("3.0") {
        return Err(Error::Invalid {
            location: Location {
                file: path.to_owned(),
                pointer: "/openapi".into(),
                line: None,
            },
            message: format!(
                "only OpenAPI 3.0.x documents are supported, this one says {version:?}"
            ),
        });
    }
    // Before `openapiv3` reads it: see `schema_shape` for why.
    if let Some((pointer, message)) = schema_shape::first_problem(&value) {
        return Err(Error::Syntax {
            location: Location {
                file: path.to_owned(),
                pointer,
                line: None,
            },
            message,
        });
    }
    match serde_path_to_error::deserialize(&value) {
        Ok(openapi) => Ok(openapi),
        Err(e) => {
            let (pointer, message) = refine(&value, crate::diagnostics::pointer_of(e.path()))
                .unwrap_or_else(|| {
                    (
                        crate::diagnostics::pointer_of(e.path()),
                        e.into_inner().to_string(),
                    )
                });
            Err(Error::Syntax {
                location: Location {
                    file: path.to_owned(),
                    pointer,
                    line: None,
                },
                message,
            })
        }
    }
}

/// `openapiv3` reads most objects through `#[serde(flatten)]`, which hides where inside them an
/// error is. Reading the known positions one at a time, deepest first, finds the place.
fn refine(document: &Value, pointer: String) -> Option<(String, String)> {
    let mut candidates: Vec<(String, Check)> = Vec::new();
    let node = document.pointer(&pointer)?;
    collect_candidates(node, &pointer, position_of(&pointer), &mut candidates);
    candidates.sort_by_key(|(p, _)| std::cmp::Reverse(p.matches('/').count()));
    candidates
        .into_iter()
        .find_map(|(p, check)| check(document.pointer(&p)?).map(|message| (p, message)))
}

type Check = fn(&Value) -> Option<String>;

fn check<T: serde::de::DeserializeOwned>(value: &Value) -> Option<String> {
    serde_json::from_value::<T>(value.clone())
        .err()
        .map(|e| e.to_string())
}

#[derive(Clone, Copy)]
enum Position {
    Document,
    Paths,
    PathItem,
    Operation,
    Schema,
    Other,
}

fn position_of(pointer: &str) -> Position {
    let depth = pointer.matches('/').count();
    match (pointer.split('/').nth(1), depth) {
        (None, _) | (Some(""), _) => Position::Document,
        (Some("paths"), 1) => Position::Paths,
        (Some("paths"), 2) => Position::PathItem,
        (Some("paths"), 3) => Position::Operation,
        (Some("components"), 3) if pointer.starts_with("/components/schemas/") => Position::Schema,
        _ => Position::Other,
    }
}

fn collect_candidates(
    node: &Value,
    pointer: &str,
    position: Position,
    out: &mut Vec<(String, Check)>,
) {
    use openapiv3::*;
    let Some(object) = node.as_object() else {
        return;
    };
    let child = |key: &str| format!("{pointer}/{}", crate::diagnostics::pointer_token(key));
    match position {
        Position::Document => {
            if let Some(paths) = node.get("paths") {
                collect_candidates(paths, "/paths", Position::Paths, out);
            }
            for (key, schema) in node
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let p = format!(
                    "/components/schemas/{}",
                    crate::diagnostics::pointer_token(key)
                );
                collect_candidates(schema, &p, Position::Schema, out);
            }
        }
        Position::Paths => {
            for (key, item) in object {
                collect_candidates(item, &child(key), Position::PathItem, out);
            }
        }
        Position::PathItem => {
            out.push((pointer.to_owned(), check::<ReferenceOr<PathItem>>));
            for (key, value) in object {
                match key.as_str() {
                    "parameters" => {
                        push_items(value, &child(key), check::<ReferenceOr<Parameter>>, out)
                    }
                    "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace" => {
                        collect_candidates(value, &child(key), Position::Operation, out)
                    }
                    _ => {}
                }
            }
        }
        Position::Operation => {
            out.push((pointer.to_owned(), check::<Operation>));
            if let Some(parameters) = node.get("parameters") {
                push_items(
                    parameters,
                    &child("parameters"),
                    check::<ReferenceOr<Parameter>>,
                    out,
                );
            }
            if node.get("requestBody").is_some() {
                out.push((child("requestBody"), check::<ReferenceOr<RequestBody>>));
            }
            if node.get("responses").is_some() {
                out.push((child("responses"), check::<Responses>));
            }
            for (code, _) in node
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                out.push((
                    format!("{}/{}", child("responses"), code),
                    check::<ReferenceOr<Response>>,
                ));
            }
        }
        Position::Schema => {
            out.push((pointer.to_owned(), check::<ReferenceOr<Schema>>));
            for (key, value) in object {
                match key.as_str() {
                    "properties" => {
                        for (name, property) in value.as_object().into_iter().flatten() {
                            let p = format!(
                                "{}/{}",
                                child(key),
                                crate::diagnostics::pointer_token(name)
                            );
                            collect_candidates(property, &p, Position::Schema, out);
                        }
                    }
                    "items" | "additionalProperties" | "not" => {
                        collect_candidates(value, &child(key), Position::Schema, out)
                    }
                    "allOf" | "oneOf" | "anyOf" => {
                        for (i, part) in value.as_array().into_iter().flatten().enumerate() {
                            collect_candidates(
                                part,
                                &format!("{}/{i}", child(key)),
                                Position::Schema,
                                out,
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        Position::Other => {}
    }
}

fn push_items(list: &Value, pointer: &str, check: Check, out: &mut Vec<(String, Check)>) {
    for i in 0..list.as_array().map_or(0, Vec::len) {
        out.push((format!("{pointer}/{i}"), check));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whitespace-only line holding a tab inside a block scalar (as Adyen's documents have)
    /// is read as an empty line; a tab that indents a key is still refused, with its line.
    #[test]
    fn a_tab_on_a_blank_line_of_a_block_scalar_is_read() {
        let text = "a:\n  description: |-\n    \t\n    text\n  b: 1\n";
        let value = parse_value(Path::new("t.yaml"), text).unwrap();
        assert_eq!(value["a"]["description"], "\ntext");
        let err = parse_value(Path::new("t.yaml"), "a:\n\tb: 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.yaml:2"), "{err}");
    }

    #[test]
    fn yaml_syntax_error_names_file_and_line() {
        let err = parse_value(Path::new("bad.yaml"), "a: 1\nb: [unclosed\n").unwrap_err();
        let Error::Syntax { location, .. } = &err else {
            panic!("expected a syntax error, got {err:?}")
        };
        assert_eq!(location.file, Path::new("bad.yaml"));
        assert!(location.line.is_some(), "{err}");
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
    }

    #[test]
    fn shape_error_names_json_pointer() {
        let value = parse_value(
            Path::new("doc.yaml"),
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 7\n",
        )
        .unwrap();
        let err = to_openapi(Path::new("doc.yaml"), value).unwrap_err();
        assert!(
            err.to_string().contains("/paths/~1a/get/responses"),
            "{err}"
        );
    }

    #[test]
    fn rejects_other_versions() {
        let value = parse_value(Path::new("s.json"), r#"{"swagger": "2.0"}"#).unwrap();
        let err = to_openapi(Path::new("s.json"), value).unwrap_err();
        assert!(err.to_string().contains("OpenAPI 3.0"), "{err}");
    }
}

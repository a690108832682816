//! The request a command makes from its values: path, query, headers, body or form, and the
//! `--dry-run` preview of it. Read by single calls and by batches alike.

use std::fmt::Write as _;
use std::io::Read;

use serde_json::{Map, Value};

use crate::output::{Exit, Failure, Output};
use crate::values::{self, Values};
use crate::{Body, Command, PathPart, Place, Reply};
use contractfit_runtime::{Client, FilePart, Form, Request};

/// `--dry-run`: the request `command` would send with `values`, printed, not sent.
pub async fn show(client: &Client, command: &Command, values: &Values) -> Result<Exit, Failure> {
    let request = request(command, values)?;
    let preview = client.preview(command.operation, &request).await?;
    Output {
        file: None,
        pretty: false,
    }
    .write(preview.to_string().as_bytes())?;
    Ok(Exit::Success)
}

/// The request `command` makes with `values`.
pub fn request(command: &Command, values: &Values) -> Result<Request, Failure> {
    request_with(command, values, |file| file)
}

/// The path `command` is sent to with `values`, each argument escaped as one segment.
pub fn path(command: &Command, values: &Values) -> Result<String, Failure> {
    let mut path = String::new();
    for part in command.path {
        match part {
            PathPart::Literal(text) => path.push_str(text),
            PathPart::Arg(name) => {
                let value = values
                    .first(name)
                    .ok_or_else(|| Failure::usage(format!("missing <{name}>")))?;
                // Writing to a String cannot fail.
                let _ = write!(path, "{}", contractfit_runtime::path_segment(value));
            }
        }
    }
    Ok(path)
}

/// The same, with each file part passed through `on_file` (for upload progress).
pub fn request_with(
    command: &Command,
    values: &Values,
    on_file: impl Fn(FilePart) -> FilePart,
) -> Result<Request, Failure> {
    let mut request = Request::new(path(command, values)?);
    let mut cookies = Vec::new();
    for arg in command.args {
        let Some(given) = values.get(arg.name) else {
            continue;
        };
        match arg.place {
            Place::Query => match arg.joined_by {
                Some(separator) => request.query(arg.wire, given.join(separator)),
                None => request.query_each(arg.wire, given),
            },
            Place::Header => request.header(arg.wire, given.join(",")),
            Place::Cookie => cookies.extend(given.iter().map(|v| format!("{}={v}", arg.wire))),
            Place::Path | Place::BodyField | Place::FormText | Place::FormFile => {}
        }
    }
    if !cookies.is_empty() {
        request.header("cookie", cookies.join("; "));
    }
    match command.body {
        Body::None => {}
        // A form written as a query string takes the same `--body` and field flags as JSON.
        Body::Json { media_type, .. } if media_type == contractfit_runtime::URL_ENCODED => {
            if let Some(body) = json_body(command, values)? {
                let text = contractfit_runtime::url_encoded(&body).map_err(Failure::usage)?;
                request.bytes(media_type, text);
            }
        }
        Body::Json { .. } => {
            if let Some(body) = json_body(command, values)? {
                let bytes = serde_json::to_vec(&body)
                    .map_err(|e| Failure::new(Exit::Local, format!("body: {e}")))?;
                request.json_bytes(bytes);
            }
        }
        Body::Multipart => request.multipart(form(command, values, on_file)),
        Body::Bytes { media_type, .. } => {
            if let Some(source) = values.first("body") {
                request.bytes(media_type, read_source(source)?);
            }
        }
    }
    match command.reply {
        Reply::Json => {
            request.accept("application/json");
            request.buffer_body();
        }
        Reply::Binary { accept } => request.accept(accept),
        Reply::Raw => request.buffer_body(),
    }
    Ok(request)
}

/// `--body` (text, `@FILE` or `-`) with the body-field flags laid over it.
fn json_body(command: &Command, values: &Values) -> Result<Option<Value>, Failure> {
    let mut body = match values.first("body") {
        Some(source) => {
            let text = read_source(source)?;
            let value = serde_json::from_slice::<Value>(&text)
                .map_err(|e| Failure::usage(format!("--body is not JSON: {e}")))?;
            Some(value)
        }
        None => None,
    };
    let fields = command.args.iter().filter(|a| a.place == Place::BodyField);
    for arg in fields.clone() {
        let Some(given) = values.get(arg.name) else {
            continue;
        };
        let typed = given
            .iter()
            .map(|text| values::to_json(arg.value, text))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Failure::usage(format!("--{}: {e}", arg.name)))?;
        let value = if arg.many {
            Value::Array(typed)
        } else {
            typed.into_iter().next().unwrap_or(Value::Null)
        };
        let object = body
            .get_or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--{} sets a field, but --body is not a JSON object",
                    arg.name
                ))
            })?;
        object.insert(arg.wire.to_owned(), value);
    }
    let required = matches!(command.body, Body::Json { required: true, .. });
    if body.is_none() && required {
        if fields.clone().next().is_none() {
            return Err(Failure::usage("a body is required: give --body"));
        }
        body = Some(Value::Object(Map::new()));
    }
    if let Some(Value::Object(object)) = &body {
        let missing: Vec<String> = fields
            .filter(|a| a.required && !object.contains_key(a.wire))
            .map(|a| format!("--{}", a.name))
            .collect();
        if !missing.is_empty() {
            return Err(Failure::usage(format!(
                "the body needs {} (as flags or in --body)",
                missing.join(", ")
            )));
        }
    }
    Ok(body)
}

fn form(command: &Command, values: &Values, on_file: impl Fn(FilePart) -> FilePart) -> Form {
    let mut form = Form::new();
    for arg in command.args {
        let Some(given) = values.get(arg.name) else {
            continue;
        };
        for value in given {
            form = match arg.place {
                Place::FormFile => form.file(arg.wire, on_file(FilePart::from_path(value))),
                Place::FormText => form.text(arg.wire, value),
                _ => form,
            };
        }
    }
    form
}

/// A value given as text, `@FILE` (the file's bytes) or `-` (stdin).
fn read_source(source: &str) -> Result<Vec<u8>, Failure> {
    if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::new(Exit::Local, format!("cannot read stdin: {e}")))?;
        return Ok(bytes);
    }
    match source.strip_prefix('@') {
        Some(path) => std::fs::read(path)
            .map_err(|e| Failure::new(Exit::Local, format!("cannot read {path}: {e}"))),
        None => Ok(source.as_bytes().to_vec()),
    }
}

//! Swagger 2.0 read as the OpenAPI 3.0 it says: the document is rewritten, as data, into its
//! 3.0 form before the builder reads it, so that one builder makes the model of both.
//!
//! What moves: `host`, `basePath` and `schemes` become `servers`; `definitions`, `parameters`,
//! `responses` and `securityDefinitions` go under `components` (and every `$ref` with them); a
//! `body` parameter becomes the request body, `formData` parameters the fields of a multipart
//! or URL-encoded one (a `file` field a binary string), in the media types `consumes` names;
//! a response's `schema` becomes its content in each type `produces` names; a non-body
//! parameter's type goes into its `schema`, and its `collectionFormat` into `style` and
//! `explode`; `x-nullable` becomes `nullable`, a string `discriminator` a `propertyName`.
//! Extensions (`x-…`) stay where they are, so the overlay's read the same.
//!
//! Errors and warnings name places in the 3.0 form; [`original_pointer`] maps the common ones
//! back to where they are in the document as written.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::normalize::rewrite_refs;
use crate::diagnostics::{pointer_token, unescape_token, Warning};

/// Body schemas made definitions of their own (see `hoist_parameter_schemas`): each
/// definition's name, and the place of the schema as written.
pub type Hoisted = BTreeMap<String, String>;

/// The 3.0 form of the Swagger 2.0 `document`.
#[cfg(test)]
pub fn to_openapi30(document: Value, warnings: &mut Vec<Warning>) -> Value {
    lower(document, warnings).0
}

/// The 3.0 form of the Swagger 2.0 `document`, and the body schemas it made definitions.
pub fn lower(document: Value, warnings: &mut Vec<Warning>) -> (Value, Hoisted) {
    let Value::Object(mut doc) = document else {
        return (document, Hoisted::new());
    };
    copy_references_into_parameter_parts(&mut doc);
    let hoisted = hoist_parameter_schemas(&mut doc);
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    let consumes = media_types(doc.get("consumes"));
    let produces = media_types(doc.get("produces"));
    let global_parameters = match doc.remove("parameters") {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    // Parameters referred to where they are written inside paths (`#/paths/~1a/get/parameters/2`):
    // their places move in the 3.0 form (a body leaves the list), so they are found now.
    let in_paths = json!({ "paths": doc.get("paths").cloned().unwrap_or(Value::Null) });
    let converter = Converter {
        consumes,
        produces,
        global_parameters,
        in_paths,
    };
    for (key, value) in &doc {
        let keep = matches!(key.as_str(), "info" | "tags" | "externalDocs" | "security")
            || key.starts_with("x-");
        if keep {
            out.insert(key.clone(), value.clone());
        }
    }
    out.insert("servers".into(), Value::Array(servers(&doc)));

    let mut paths = Map::new();
    if let Some(Value::Object(items)) = doc.get("paths") {
        for (path, item) in items {
            let pointer = format!("/paths/{}", pointer_token(path));
            paths.insert(path.clone(), converter.path_item(item, &pointer, warnings));
        }
    }
    out.insert("paths".into(), Value::Object(paths));

    let mut components = Map::new();
    if let Some(Value::Object(definitions)) = doc.get("definitions") {
        let schemas = definitions
            .iter()
            .map(|(name, schema)| (name.clone(), schema_of(schema)))
            .collect();
        components.insert("schemas".into(), Value::Object(schemas));
    }
    let parameters: Map<String, Value> = converter
        .global_parameters
        .iter()
        .filter(|(_, p)| !matches!(location(p), Some("body" | "formData")))
        .map(|(name, p)| (name.clone(), converter.parameter(p)))
        .collect();
    if !parameters.is_empty() {
        components.insert("parameters".into(), Value::Object(parameters));
    }
    if let Some(Value::Object(responses)) = doc.get("responses") {
        let responses = responses
            .iter()
            .map(|(name, r)| (name.clone(), converter.response(r, &converter.produces)))
            .collect();
        components.insert("responses".into(), Value::Object(responses));
    }
    if let Some(Value::Object(schemes)) = doc.get("securityDefinitions") {
        let schemes = schemes
            .iter()
            .map(|(name, scheme)| (name.clone(), security_scheme(scheme)))
            .collect();
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    let mut out = Value::Object(out);
    move_references(&mut out);
    let moved = response_schema_references(&out);
    rewrite_refs(&mut out, &mut |target| moved.get(target).cloned());
    (out, hoisted)
}

/// References into a body parameter's schema (`#/paths/~1a/put/parameters/0/schema/…`,
/// `#/parameters/Pet/schema/…`): the schema becomes a definition of its own, which the
/// parameter and the references name. In the 3.0 form a body parameter is a request body and
/// the others shift down the list, so the same pointer would name another parameter's schema,
/// or nothing; and a copy of a schema that refers to itself would grow without end. Returns
/// the definitions made, with where each schema was written.
fn hoist_parameter_schemas(doc: &mut Map<String, Value>) -> Hoisted {
    let mut taken: std::collections::BTreeSet<String> = match doc.get("definitions") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(definitions)) => definitions.keys().cloned().collect(),
        // Not a map of definitions (`definitions: []`): nowhere to put one; the references
        // stay, for the builder to name.
        Some(_) => return Hoisted::new(),
    };
    let written = Value::Object(std::mem::take(doc));
    // Each parameter schema referred into: its pointer and its definition's name.
    let mut hoisted: BTreeMap<String, String> = BTreeMap::new();
    let mut moved: BTreeMap<String, String> = BTreeMap::new();
    for reference in references(&written) {
        let Some((root, rest)) = parameter_part(&written, &reference) else {
            continue;
        };
        if !root.ends_with("/schema") {
            continue;
        }
        // A schema that is a reference already: the references go where it goes.
        if let Some(Value::String(target)) = written.pointer(&root).and_then(|s| s.get("$ref")) {
            moved.insert(reference, format!("{target}{rest}"));
            continue;
        }
        let name = hoisted
            .entry(root.clone())
            .or_insert_with(|| {
                let parameter = &root[..root.len() - "/schema".len()];
                let wanted = written
                    .pointer(parameter)
                    .map(name_of)
                    .filter(|n| !n.is_empty())
                    .unwrap_or("body");
                let wanted = match wanted.to_ascii_lowercase().ends_with("body") {
                    true => wanted.to_owned(),
                    false => format!("{wanted}Body"),
                };
                let mut name = wanted.clone();
                let mut n = 2;
                while !taken.insert(name.clone()) {
                    name = format!("{wanted}{n}");
                    n += 1;
                }
                name
            })
            .clone();
        moved.insert(
            reference,
            format!("#/definitions/{}{rest}", pointer_token(&name)),
        );
    }
    // A body schema that was a reference into another body schema: where that one went.
    for target in moved.values_mut() {
        if let Some((root, rest)) = parameter_part(&written, target) {
            if let Some(name) = hoisted.get(&root) {
                *target = format!("#/definitions/{}{rest}", pointer_token(name));
            }
        }
    }
    let mut written = written;
    for (root, name) in &hoisted {
        let reference = json!({ "$ref": format!("#/definitions/{}", pointer_token(name)) });
        let Some(slot) = written.pointer_mut(root) else {
            continue;
        };
        let schema = std::mem::replace(slot, reference);
        // `definitions` is a map, `null` or absent (checked above).
        let definitions = &mut written["definitions"];
        if !definitions.is_object() {
            *definitions = json!({});
        }
        definitions[name.as_str()] = schema;
    }
    rewrite_refs(&mut written, &mut |target| moved.get(target).cloned());
    if let Value::Object(map) = written {
        *doc = map;
    }
    hoisted
        .into_iter()
        .map(|(root, name)| (name, root))
        .collect()
}

/// References into the other parts of a parameter (`#/parameters/Tags/items`): replaced by a
/// copy of what they name, as written, since in the 3.0 form those parts move under `schema`
/// and the parameters shift down the list. A non-body parameter's parts hold no references,
/// so one copy is the end of it.
fn copy_references_into_parameter_parts(doc: &mut Map<String, Value>) {
    let written = Value::Object(doc.clone());
    let mut stack: Vec<&mut Value> = doc.values_mut().collect();
    while let Some(value) = stack.pop() {
        let target = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|reference| parameter_part(&written, reference))
            .filter(|(root, _)| !root.ends_with("/schema"))
            .and_then(|(root, rest)| written.pointer(&format!("{root}{rest}")));
        if let Some(target) = target {
            *value = target.clone();
            continue;
        }
        match value {
            Value::Object(map) => stack.extend(map.values_mut()),
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
}

/// Every `$ref` in `value`.
fn references(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    found.push(reference.clone());
                }
                stack.extend(map.values());
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The part of a parameter a reference points into (following a parameter that is itself a
/// reference to a shared one), as the pointer of the part's first level below the parameter
/// (`…/parameters/0/schema`, `/parameters/Tags/items`), and the rest of the reference below
/// it. A whole parameter is not a part (see `Converter::resolved`).
fn parameter_part(written: &Value, reference: &str) -> Option<(String, String)> {
    if !reference.starts_with("#/") {
        return None;
    }
    let pointer = super::normalize::pointer_of(reference);
    let tokens: Vec<&str> = pointer.split('/').collect();
    // `/parameters/<name>/…`, `/paths/<path>/parameters/<i>/…` or
    // `/paths/<path>/<method>/parameters/<i>/…`.
    let at = match tokens.get(1) {
        Some(&"parameters") => 1,
        Some(&"paths") if tokens.get(3) == Some(&"parameters") => 3,
        Some(&"paths") if tokens.get(4) == Some(&"parameters") => 4,
        _ => return None,
    };
    let part = tokens.get(at + 2)?;
    let mut parameter = tokens[..at + 2].join("/");
    // A parameter that refers to a shared one: the shared one's part.
    if let Some(shared) = written
        .pointer(&parameter)?
        .get("$ref")
        .and_then(Value::as_str)
    {
        parameter = super::normalize::pointer_of(shared);
    }
    let root = format!("{parameter}/{part}");
    written.pointer(&root)?;
    let rest: String = tokens[at + 3..].iter().map(|t| format!("/{t}")).collect();
    Some((root, rest))
}

/// References to a response's schema where 2.0 writes it (`…/responses/200/schema…`, under
/// an operation or among the document's responses), with
/// where the 3.0 form has it (`…/responses/200/content/<type>/schema…`).
fn response_schema_references(document: &Value) -> BTreeMap<String, String> {
    references(document)
        .into_iter()
        .filter_map(|reference| {
            let moved = moved_response_schema(document, &reference)?;
            Some((reference, moved))
        })
        .collect()
}

fn moved_response_schema(document: &Value, reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    if !fragment.starts_with("/paths/") && !fragment.starts_with("/components/responses/") {
        return None;
    }
    let at = fragment.find("/responses/")? + "/responses/".len();
    let (code, rest) = fragment[at..].split_once('/')?;
    let rest = rest
        .strip_prefix("schema")
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))?;
    let response = format!("{}{code}", &fragment[..at]);
    let content = document
        .pointer(&super::normalize::pointer_of(&format!(
            "#{response}/content"
        )))?
        .as_object()?;
    let media_type = content.keys().next()?;
    Some(format!(
        "#{response}/content/{}/schema{rest}",
        pointer_token(media_type)
    ))
}

/// Where `pointer`, a place in the 3.0 form of a Swagger 2.0 document, is in the document as
/// written, for the places that moved as a whole (components; a response's schema; a
/// parameter's type). Others are returned as they are.
pub fn original_pointer(hoisted: &Hoisted, pointer: &str) -> String {
    // A body schema made a definition: where it was written.
    if let Some(rest) = pointer.strip_prefix("/components/schemas/") {
        let (name, below) = rest.split_once('/').map_or((rest, ""), |(n, b)| (n, b));
        if let Some(root) = hoisted.get(&unescape_token(name)) {
            let below = if below.is_empty() {
                String::new()
            } else {
                format!("/{below}")
            };
            return format!("{root}{below}");
        }
    }
    const WHOLE: [(&str, &str); 2] = [
        ("/components/schemas/", "/definitions/"),
        ("/components/securitySchemes/", "/securityDefinitions/"),
    ];
    for (moved, written) in WHOLE {
        if let Some(rest) = pointer.strip_prefix(moved) {
            return format!("{written}{rest}");
        }
    }
    // Shared parameters and responses moved whole, and their parts as below.
    let pointer = match (
        pointer.strip_prefix("/components/parameters/"),
        pointer.strip_prefix("/components/responses/"),
    ) {
        (Some(rest), _) => format!("/parameters/{rest}"),
        (_, Some(rest)) => format!("/responses/{rest}"),
        _ => pointer.to_owned(),
    };
    // `…/responses/200/content/<type>/schema…` was `…/responses/200/schema…`.
    let tokens: Vec<&str> = pointer.split('/').collect();
    if let Some(at) = tokens.iter().position(|t| *t == "content") {
        if at >= 2 && tokens[at - 2] == "responses" && tokens.get(at + 2) == Some(&"schema") {
            let mut kept: Vec<&str> = tokens[..at].to_vec();
            kept.extend(&tokens[at + 2..]);
            return kept.join("/");
        }
    }
    // `…/parameters/3/schema/…` was `…/parameters/3/…`.
    if let Some(at) = tokens.iter().position(|t| *t == "schema") {
        if at >= 2 && tokens[at - 2] == "parameters" {
            let mut kept: Vec<&str> = tokens[..at].to_vec();
            kept.extend(&tokens[at + 1..]);
            return kept.join("/");
        }
    }
    pointer
}

struct Converter {
    /// The document's default `consumes` and `produces`.
    consumes: Vec<String>,
    produces: Vec<String>,
    /// `#/parameters`, as written: a body or form parameter found there by reference becomes
    /// part of its operation's request body.
    global_parameters: Map<String, Value>,
    /// `{"paths": …}`, as written.
    in_paths: Value,
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

impl Converter {
    fn path_item(&self, item: &Value, pointer: &str, warnings: &mut Vec<Warning>) -> Value {
        let Value::Object(item) = item else {
            return item.clone();
        };
        let shared: Vec<Value> = match item.get("parameters") {
            Some(Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        };
        let mut out = Map::new();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                let at = format!("{pointer}/{key}");
                out.insert(key.clone(), self.operation(value, &shared, &at, warnings));
            } else if key.starts_with("x-") || key == "$ref" {
                out.insert(key.clone(), value.clone());
            }
            // `parameters` go to each operation: a path item's body or form parameters are
            // its operations' request bodies.
        }
        Value::Object(out)
    }

    fn operation(
        &self,
        operation: &Value,
        shared: &[Value],
        pointer: &str,
        warnings: &mut Vec<Warning>,
    ) -> Value {
        let Value::Object(operation) = operation else {
            return operation.clone();
        };
        let consumes = match operation.get("consumes") {
            Some(list) => media_types(Some(list)),
            None => self.consumes.clone(),
        };
        let produces = match operation.get("produces") {
            Some(list) => media_types(Some(list)),
            None => self.produces.clone(),
        };
        // The operation's own parameters override the path item's of the same name and place.
        let own: Vec<Value> = match operation.get("parameters") {
            Some(Value::Array(list)) => list.iter().map(|p| self.resolved(p)).collect(),
            _ => Vec::new(),
        };
        // By name and place, a reference's by what it names: a reference keyed as written
        // would be `("", "")` and override every other.
        let key = |p: &Value| {
            let target = self.target_of(p);
            let p = target.as_ref().unwrap_or(p);
            (name_of(p).to_owned(), location(p).unwrap_or("").to_owned())
        };
        let mut all: Vec<Value> = shared
            .iter()
            .map(|p| self.resolved(p))
            .filter(|p| !own.iter().any(|o| key(o) == key(p)))
            .collect();
        all.extend(own);
        let mut parameters = Vec::new();
        let mut body = None;
        let mut form = Vec::new();
        for parameter in all {
            match location(&parameter) {
                Some("body") => body = Some(parameter),
                Some("formData") => form.push(parameter),
                _ => parameters.push(match parameter.get("$ref") {
                    Some(_) => parameter,
                    None => self.parameter(&parameter),
                }),
            }
        }
        let mut out = Map::new();
        for (key, value) in operation {
            match key.as_str() {
                "consumes" | "produces" | "parameters" | "schemes" | "responses" => {}
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if !parameters.is_empty() {
            out.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(body) = body {
            out.insert("requestBody".into(), request_body(&body, &consumes));
        } else if !form.is_empty() {
            out.insert(
                "requestBody".into(),
                form_body(&form, &consumes, pointer, warnings),
            );
        }
        let mut responses = Map::new();
        if let Some(Value::Object(written)) = operation.get("responses") {
            for (status, response) in written {
                responses.insert(status.clone(), self.response(response, &produces));
            }
        }
        if responses.is_empty() {
            warnings.push(Warning {
                pointer: format!("{pointer}/responses"),
                message: "no responses: read as a `default` response with no body".into(),
            });
            responses.insert("default".into(), json!({"description": ""}));
        }
        out.insert("responses".into(), Value::Object(responses));
        Value::Object(out)
    }

    /// A parameter as written, or the global parameter it refers to when that is a body or a
    /// form field (which 3.0 keeps in the request body, not among parameters).
    fn resolved(&self, parameter: &Value) -> Value {
        let reference = parameter.get("$ref").and_then(Value::as_str).unwrap_or("");
        if reference.starts_with("#/paths/") {
            let target = self
                .in_paths
                .pointer(&super::normalize::pointer_of(reference));
            // A reference to a reference, or to nothing: left for the builder to name.
            return match target {
                Some(target) if target.get("$ref").is_none() => target.clone(),
                _ => parameter.clone(),
            };
        }
        let global = reference
            .strip_prefix("#/parameters/")
            .and_then(|name| self.global_parameters.get(&unescape_token(name)));
        match global {
            Some(global) if matches!(location(global), Some("body" | "formData")) => global.clone(),
            _ => parameter.clone(),
        }
    }

    /// The global parameter `parameter` refers to, if it refers to one.
    fn target_of(&self, parameter: &Value) -> Option<Value> {
        let name = parameter
            .get("$ref")?
            .as_str()?
            .strip_prefix("#/parameters/")?;
        self.global_parameters.get(&unescape_token(name)).cloned()
    }

    /// A query, path, header or cookie parameter: its type moves into `schema`.
    fn parameter(&self, parameter: &Value) -> Value {
        let Value::Object(written) = parameter else {
            return parameter.clone();
        };
        if written.contains_key("$ref") {
            return parameter.clone();
        }
        // The parameter's own keys (and extensions) stay; its type keywords go to `schema`.
        let mut out: Map<String, Value> = written
            .iter()
            .filter(|(key, _)| {
                matches!(
                    key.as_str(),
                    "name" | "in" | "description" | "required" | "deprecated" | "allowEmptyValue"
                ) || (key.starts_with("x-") && *key != "x-nullable")
            })
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let Value::Object(schema) = items_schema(parameter) else {
            return parameter.clone();
        };
        let is_array = schema.get("type") == Some(&json!("array"));
        let format = written
            .get("collectionFormat")
            .and_then(Value::as_str)
            .unwrap_or("csv");
        if is_array {
            let place = location(parameter).unwrap_or("");
            match (place, format) {
                ("query", "multi") => {
                    out.insert("style".into(), json!("form"));
                    out.insert("explode".into(), json!(true));
                }
                ("query", "ssv") => {
                    out.insert("style".into(), json!("spaceDelimited"));
                    out.insert("explode".into(), json!(false));
                }
                ("query", "pipes") => {
                    out.insert("style".into(), json!("pipeDelimited"));
                    out.insert("explode".into(), json!(false));
                }
                // `csv` (and `tsv`, which 3.0 cannot say: sent comma-separated).
                ("query", _) => {
                    out.insert("style".into(), json!("form"));
                    out.insert("explode".into(), json!(false));
                }
                _ => {}
            }
        }
        if out.get("in") == Some(&json!("path")) {
            out.insert("required".into(), json!(true));
        }
        out.insert("schema".into(), Value::Object(schema));
        Value::Object(out)
    }

    fn response(&self, response: &Value, produces: &[String]) -> Value {
        let Value::Object(written) = response else {
            return response.clone();
        };
        if written.contains_key("$ref") {
            return response.clone();
        }
        let mut out = Map::new();
        out.insert(
            "description".into(),
            written.get("description").cloned().unwrap_or(json!("")),
        );
        if let Some(schema) = written.get("schema") {
            let is_file = schema.get("type") == Some(&json!("file"));
            let schema = schema_of(schema);
            // A file is bytes in whatever non-JSON type the operation produces, never JSON.
            let types: Vec<String> = match (is_file, produces.is_empty()) {
                (true, _) => match produces
                    .iter()
                    .filter(|t| !t.contains("json"))
                    .cloned()
                    .collect::<Vec<_>>()
                {
                    none if none.is_empty() => vec!["application/octet-stream".to_owned()],
                    types => types,
                },
                (false, true) => vec!["application/json".to_owned()],
                (false, false) => produces.to_vec(),
            };
            let content: Map<String, Value> = types
                .into_iter()
                .map(|t| (t, json!({"schema": schema.clone()})))
                .collect();
            out.insert("content".into(), Value::Object(content));
        }
        if let Some(Value::Object(headers)) = written.get("headers") {
            let headers: Map<String, Value> = headers
                .iter()
                .map(|(name, header)| {
                    let mut header = header.clone();
                    let description = header.as_object_mut().and_then(|h| h.remove("description"));
                    let mut out = json!({"schema": items_schema(&header)});
                    if let Some(description) = description {
                        out["description"] = description;
                    }
                    (name.clone(), out)
                })
                .collect();
            out.insert("headers".into(), Value::Object(headers));
        }
        for (key, value) in written {
            if key.starts_with("x-") {
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }
}

fn location(parameter: &Value) -> Option<&str> {
    parameter.get("in").and_then(Value::as_str)
}

fn name_of(parameter: &Value) -> &str {
    parameter.get("name").and_then(Value::as_str).unwrap_or("")
}

fn media_types(list: Option<&Value>) -> Vec<String> {
    match list {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn request_body(body: &Value, consumes: &[String]) -> Value {
    let schema = body.get("schema").map(schema_of).unwrap_or(json!({}));
    let types: Vec<String> = match consumes
        .iter()
        .filter(|t| !is_form(t))
        .cloned()
        .collect::<Vec<_>>()
    {
        none if none.is_empty() => vec!["application/json".into()],
        types => types,
    };
    let content: Map<String, Value> = types
        .into_iter()
        .map(|t| (t, json!({"schema": schema.clone()})))
        .collect();
    let mut out = json!({"content": content});
    if let Some(required) = body.get("required") {
        out["required"] = required.clone();
    }
    if let Some(description) = body.get("description") {
        out["description"] = description.clone();
    }
    for (key, value) in body.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            out[key] = value.clone();
        }
    }
    out
}

fn is_form(media_type: &str) -> bool {
    media_type.starts_with("multipart/form-data")
        || media_type.starts_with("application/x-www-form-urlencoded")
}

/// `formData` parameters as one object schema, in the form type `consumes` names (multipart
/// when a field is a file or it says so, else URL-encoded). A list field is sent as its name
/// repeated, as 3.0 forms send lists (`collectionFormat: multi`): a field that says another
/// format (or none, which 2.0 reads as `csv`) gets a warning, since its items would be joined
/// into one value.
fn form_body(
    fields: &[Value],
    consumes: &[String],
    pointer: &str,
    warnings: &mut Vec<Warning>,
) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    let mut has_file = false;
    for field in fields {
        let name = name_of(field).to_owned();
        if field.get("required") == Some(&json!(true)) {
            required.push(json!(name));
        }
        has_file |= field.get("type") == Some(&json!("file"));
        let format = field.get("collectionFormat").and_then(Value::as_str);
        if field.get("type") == Some(&json!("array")) && format != Some("multi") {
            warnings.push(Warning {
                pointer: format!("{pointer}/parameters"),
                message: format!(
                    "form field `{name}` is a list in `collectionFormat: {}`; it is sent as the \
                     field repeated (`multi`), as OpenAPI 3.0 forms send lists",
                    format.unwrap_or("csv")
                ),
            });
        }
        let mut schema = items_schema(field);
        if let (Some(description), Value::Object(map)) = (field.get("description"), &mut schema) {
            map.insert("description".into(), description.clone());
        }
        properties.insert(name, schema);
    }
    let multipart = has_file
        || consumes
            .iter()
            .any(|t| t.starts_with("multipart/form-data"))
        || !consumes
            .iter()
            .any(|t| t.starts_with("application/x-www-form-urlencoded"));
    let media_type = match multipart {
        true => "multipart/form-data",
        false => "application/x-www-form-urlencoded",
    };
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    let mut body = json!({"content": {media_type: {"schema": schema}}});
    if fields
        .iter()
        .any(|f| f.get("required") == Some(&json!(true)))
    {
        body["required"] = json!(true);
    }
    body
}

/// The schema of a non-body parameter, a header or an array's items (2.0's "items object"):
/// its type keywords, without the parameter's own.
fn items_schema(value: &Value) -> Value {
    let Value::Object(written) = value else {
        return value.clone();
    };
    let mut schema = Map::new();
    for (key, value) in written {
        match key.as_str() {
            "name" | "in" | "description" | "required" | "deprecated" | "allowEmptyValue"
            | "collectionFormat" => {}
            "items" => {
                schema.insert(key.clone(), items_schema(value));
            }
            "type" if value == "file" => {
                schema.insert("type".into(), json!("string"));
                schema.insert("format".into(), json!("binary"));
            }
            "x-nullable" => {
                schema.insert("nullable".into(), value.clone());
            }
            key if key.starts_with("x-") => {}
            _ => {
                schema.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(schema)
}

/// A 2.0 schema in its 3.0 form: `x-nullable` as `nullable`, a `file` as a binary string, a
/// string `discriminator` as its `propertyName`; the schemas inside it likewise. Values
/// (`example`, `default`, `enum`) are left alone.
fn schema_of(schema: &Value) -> Value {
    let Value::Object(written) = schema else {
        return schema.clone();
    };
    // 3.0 reads a reference alone: a nullable one is `allOf` of it, nullable.
    if let (Some(reference), Some(Value::Bool(true))) =
        (written.get("$ref"), written.get("x-nullable"))
    {
        return json!({"nullable": true, "allOf": [{"$ref": reference}]});
    }
    let mut out = Map::new();
    for (key, value) in written {
        match key.as_str() {
            "x-nullable" => {
                out.insert("nullable".into(), value.clone());
            }
            "type" if value == "file" => {
                out.insert("type".into(), json!("string"));
                out.insert("format".into(), json!("binary"));
            }
            "discriminator" if value.is_string() => {
                out.insert(key.clone(), json!({"propertyName": value}));
            }
            "properties" | "patternProperties" | "definitions" => {
                let map = match value {
                    Value::Object(map) => map
                        .iter()
                        .map(|(name, schema)| (name.clone(), schema_of(schema)))
                        .collect(),
                    _ => Map::new(),
                };
                out.insert(key.clone(), Value::Object(map));
            }
            "items" | "additionalProperties" | "not" => {
                out.insert(key.clone(), schema_of(value));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let list = match value {
                    Value::Array(list) => list.iter().map(schema_of).collect(),
                    other => vec![schema_of(other)],
                };
                out.insert(key.clone(), Value::Array(list));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

fn security_scheme(scheme: &Value) -> Value {
    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or("");
    let mut out = match kind {
        "basic" => json!({"type": "http", "scheme": "basic"}),
        "apiKey" => json!({
            "type": "apiKey",
            "name": scheme.get("name").cloned().unwrap_or(json!("")),
            "in": scheme.get("in").cloned().unwrap_or(json!("header")),
        }),
        "oauth2" => {
            let flow = scheme.get("flow").and_then(Value::as_str).unwrap_or("");
            let (name, urls): (&str, &[&str]) = match flow {
                "implicit" => ("implicit", &["authorizationUrl"]),
                "password" => ("password", &["tokenUrl"]),
                "application" => ("clientCredentials", &["tokenUrl"]),
                _ => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
            };
            let mut flow = json!({"scopes": scheme.get("scopes").cloned().unwrap_or(json!({}))});
            for url in urls {
                flow[*url] = scheme.get(*url).cloned().unwrap_or(json!(""));
            }
            json!({"type": "oauth2", "flows": {name: flow}})
        }
        other => json!({"type": other}),
    };
    if let Some(description) = scheme.get("description") {
        out["description"] = description.clone();
    }
    for (key, value) in scheme.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            out[key] = value.clone();
        }
    }
    out
}

/// `host`, `basePath` and `schemes` as servers (https first; http only when it is the only
/// scheme given). No host: the base path alone, which the caller completes.
fn servers(doc: &Map<String, Value>) -> Vec<Value> {
    let base_path = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base_path = base_path.trim_end_matches('/');
    let Some(host) = doc.get("host").and_then(Value::as_str) else {
        return match base_path {
            "" => Vec::new(),
            path => vec![json!({ "url": path })],
        };
    };
    let schemes = media_types(doc.get("schemes"));
    let scheme = if schemes.iter().any(|s| s == "https") || schemes.is_empty() {
        "https"
    } else {
        schemes[0].as_str()
    };
    vec![json!({ "url": format!("{scheme}://{host}{base_path}") })]
}

/// Every `$ref` to a 2.0 section, pointed at its 3.0 place.
fn move_references(value: &mut Value) {
    rewrite_refs(value, &mut |target| {
        [
            ("#/definitions/", "#/components/schemas/"),
            ("#/parameters/", "#/components/parameters/"),
            ("#/responses/", "#/components/responses/"),
        ]
        .into_iter()
        .find_map(|(written, moved)| Some(format!("{moved}{}", target.strip_prefix(written)?)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swagger_document_reads_as_its_openapi_form() {
        let written = json!({
            "swagger": "2.0",
            "info": {"title": "T", "version": "1"},
            "host": "api.example.com",
            "basePath": "/v1/",
            "schemes": ["http", "https"],
            "consumes": ["application/json"],
            "produces": ["application/json"],
            "paths": {"/pets/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
                "put": {
                    "operationId": "putPet",
                    "x-contractfit-name": "put_pet",
                    "parameters": [
                        {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}},
                        {"$ref": "#/parameters/Pet"}
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}
                },
                "post": {
                    "consumes": ["multipart/form-data"],
                    "parameters": [
                        {"name": "file", "in": "formData", "type": "file", "required": true},
                        {"name": "note", "in": "formData", "type": "string"}
                    ],
                    "responses": {"201": {"description": "made"}}
                }
            }},
            "parameters": {"Pet": {"name": "pet", "in": "body", "required": true,
                                   "schema": {"$ref": "#/definitions/Pet"}}},
            "definitions": {"Pet": {"type": "object", "discriminator": "kind",
                                    "properties": {"kind": {"type": "string"},
                                                   "owner": {"type": "string", "x-nullable": true}}}},
            "securityDefinitions": {"basic": {"type": "basic"},
                                    "key": {"type": "apiKey", "name": "X-Key", "in": "header"}}
        });
        let mut warnings = Vec::new();
        let read = to_openapi30(written, &mut warnings);
        assert_eq!(read["openapi"], "3.0.3");
        assert_eq!(
            read["servers"],
            json!([{"url": "https://api.example.com/v1"}])
        );
        let put = &read["paths"]["/pets/{id}"]["put"];
        assert_eq!(put["x-contractfit-name"], "put_pet");
        assert_eq!(put["parameters"][0]["in"], "path", "the path item's, first");
        assert_eq!(
            put["parameters"][1],
            json!({"name": "tags", "in": "query", "style": "form", "explode": false,
                   "schema": {"type": "array", "items": {"type": "string"}}})
        );
        assert_eq!(
            put["requestBody"],
            json!({"required": true, "content": {"application/json":
                   {"schema": {"$ref": "#/components/schemas/Pet"}}}})
        );
        assert_eq!(
            put["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        let post = &read["paths"]["/pets/{id}"]["post"];
        assert_eq!(
            post["requestBody"]["content"]["multipart/form-data"]["schema"],
            json!({"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary"}, "note": {"type": "string"}}})
        );
        let pet = &read["components"]["schemas"]["Pet"];
        assert_eq!(pet["discriminator"], json!({"propertyName": "kind"}));
        assert_eq!(pet["properties"]["owner"]["nullable"], true);
        assert_eq!(
            read["components"]["securitySchemes"]["basic"],
            json!({"type": "http", "scheme": "basic"})
        );
        assert!(
            read["components"].get("parameters").is_none(),
            "the body went to the operation"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    /// References to places inside paths, as Azure's documents write them: a parameter of
    /// another operation (whose index moves when a body leaves the list) and another
    /// response's schema (which moves under `content`). (Before: "unsupported $ref", 7
    /// documents of the APIs.guru directory.)
    #[test]
    fn references_into_paths_follow_what_they_name() {
        let written = json!({
            "swagger": "2.0", "info": {"title": "T", "version": "1"},
            "paths": {
                "/a/{id}": {"put": {
                    "parameters": [{"name": "body", "in": "body", "schema": {"type": "object"}},
                                   {"name": "id", "in": "path", "required": true, "type": "string"}],
                    "responses": {"default": {"description": "e", "schema": {"type": "object", "properties": {"code": {"type": "integer"}}}}}}},
                "/b/{id}": {"get": {
                    "parameters": [{"$ref": "#/paths/~1a~1%7Bid%7D/put/parameters/1"}],
                    "responses": {"default": {"description": "e", "schema": {"$ref": "#/paths/~1a~1%7Bid%7D/put/responses/default/schema"}}}}}
            }
        });
        let read = to_openapi30(written, &mut Vec::new());
        let get = &read["paths"]["/b/{id}"]["get"];
        assert_eq!(get["parameters"][0]["name"], "id");
        assert_eq!(
            get["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
            "#/paths/~1a~1%7Bid%7D/put/responses/default/content/application~1json/schema"
        );
        let target = crate::load::normalize::pointer_of(
            get["responses"]["default"]["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap(),
        );
        assert!(read.pointer(&target).is_some(), "{target}");
    }

    /// What the review of the Swagger front end found, each now read as the document says: a
    /// path-level parameter given by reference beside an operation's own reference (it was
    /// dropped: both were keyed as `("", "")`); a `file` response (it was JSON); a nullable
    /// reference (its `nullable` was lost beside the `$ref`).
    /// References into a body parameter's schema and into a shared response's schema name
    /// what they named as written. (Before: the first named the next parameter's schema, a
    /// string, once the body had left the list; the second named nothing.)
    #[test]
    fn references_into_parameters_and_responses_name_what_they_named() {
        let written = json!({
            "swagger": "2.0", "info": {"title": "T", "version": "1"},
            "paths": {
                "/a/{id}": {"put": {
                    "parameters": [{"name": "body", "in": "body", "schema": {"type": "object",
                                        "properties": {"n": {"type": "integer"}}}},
                                   {"name": "id", "in": "path", "required": true, "type": "string"}],
                    "responses": {"200": {"description": "ok",
                        "schema": {"$ref": "#/parameters/Shared/schema"}}}}},
                "/b": {"get": {"responses": {
                    "200": {"description": "ok", "schema": {"$ref": "#/paths/~1a~1%7Bid%7D/put/parameters/0/schema"}},
                    "default": {"description": "e", "schema": {"$ref": "#/responses/Problem/schema/properties/code"}}}}}
            },
            "parameters": {"Shared": {"name": "s", "in": "body", "schema": {"type": "array", "items": {"type": "string"}}}},
            "responses": {"Problem": {"description": "e", "schema": {"type": "object",
                "properties": {"code": {"type": "integer"}}}}}
        });
        let read = to_openapi30(written, &mut Vec::new());
        let json_schema = |pointer: &str| read.pointer(pointer).cloned().unwrap_or(Value::Null);
        assert_eq!(
            json_schema("/paths/~1b/get/responses/200/content/application~1json/schema"),
            json!({"$ref": "#/components/schemas/body"})
        );
        assert_eq!(
            json_schema("/components/schemas/body"),
            json!({"type": "object", "properties": {"n": {"type": "integer"}}})
        );
        assert_eq!(
            json_schema("/paths/~1a~1{id}/put/requestBody/content/application~1json/schema"),
            json!({"$ref": "#/components/schemas/body"})
        );
        assert_eq!(
            json_schema("/paths/~1a~1{id}/put/responses/200/content/application~1json/schema"),
            json!({"$ref": "#/components/schemas/sBody"})
        );
        assert_eq!(
            json_schema("/paths/~1b/get/responses/default/content/application~1json/schema/$ref"),
            json!(
                "#/components/responses/Problem/content/application~1json/schema/properties/code"
            )
        );
    }

    /// A body schema that refers into itself twice stays one recursive definition. (Copying
    /// the targets instead squared the references each pass: out of memory from 300 bytes.)
    #[test]
    fn a_body_schema_that_refers_into_itself_is_one_definition() {
        let written = json!({"swagger": "2.0", "info": {"title": "T", "version": "1"},
            "paths": {"/t": {"post": {"parameters": [{"$ref": "#/parameters/Tree"}],
                                       "responses": {"200": {"description": "ok"}}}}},
            "parameters": {"Tree": {"name": "tree", "in": "body", "schema": {"type": "object",
                "properties": {"l": {"$ref": "#/parameters/Tree/schema"},
                               "r": {"$ref": "#/parameters/Tree/schema"}}}}}});
        let read = to_openapi30(written, &mut Vec::new());
        let tree = &read["components"]["schemas"]["treeBody"];
        assert_eq!(
            tree["properties"]["l"],
            json!({"$ref": "#/components/schemas/treeBody"})
        );
        assert_eq!(
            read["paths"]["/t"]["post"]["requestBody"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/treeBody"})
        );
    }

    /// The review's inputs: `definitions: []` (a panic before), a reference into a shared
    /// query parameter's `items` (it dangled), a reference through a property called
    /// `parameters`, and places inside a hoisted body schema named as written.
    #[test]
    fn references_into_parameters_survive_odd_documents() {
        let written = json!({"swagger": "2.0", "info": {"title": "T", "version": "1"},
            "definitions": [],
            "paths": {"/a": {"post": {
                "parameters": [{"name": "req", "in": "body", "schema": {"type": "object"}}],
                "responses": {"200": {"description": "ok",
                    "schema": {"$ref": "#/paths/~1a/post/parameters/0/schema"}}}}}}});
        let (read, hoisted) = lower(written, &mut Vec::new());
        assert!(hoisted.is_empty());
        assert!(read["paths"]["/a"]["post"].is_object());

        let written = json!({"swagger": "2.0", "info": {"title": "T", "version": "1"},
            "parameters": {"Tags": {"name": "tags", "in": "query", "type": "array",
                                    "items": {"type": "string", "enum": ["a", "b"]}}},
            "paths": {"/a": {"post": {
                "parameters": [{"name": "req", "in": "body", "schema": {"type": "object",
                    "properties": {"tag": {"$ref": "#/parameters/Tags/items"},
                                   "parameters": {"type": "integer"},
                                   "n": {"$ref": "#/paths/~1a/post/parameters/0/schema/properties/parameters"}}}}],
                "responses": {"200": {"description": "ok"}}}}}});
        let (read, hoisted) = lower(written, &mut Vec::new());
        let body = &read["components"]["schemas"]["reqBody"]["properties"];
        assert_eq!(body["tag"], json!({"type": "string", "enum": ["a", "b"]}));
        assert_eq!(
            body["n"],
            json!({"$ref": "#/components/schemas/reqBody/properties/parameters"})
        );
        assert_eq!(
            original_pointer(&hoisted, "/components/schemas/reqBody/properties/n"),
            "/paths/~1a/post/parameters/0/schema/properties/n"
        );
        assert_eq!(
            original_pointer(&hoisted, "/components/parameters/Tags/schema/items"),
            "/parameters/Tags/items"
        );
    }

    /// A form list in 2.0's default `csv` is sent as the field repeated: said, not silent.
    #[test]
    fn a_form_list_not_sent_as_written_is_a_warning() {
        let written = json!({"swagger": "2.0", "info": {"title": "T", "version": "1"},
            "paths": {"/a": {"post": {"parameters": [
                {"name": "tags", "in": "formData", "type": "array", "items": {"type": "string"}},
                {"name": "ids", "in": "formData", "type": "array", "collectionFormat": "multi",
                 "items": {"type": "integer"}}],
                "responses": {"200": {"description": "ok"}}}}}});
        let mut warnings = Vec::new();
        to_openapi30(written, &mut warnings);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].pointer, "/paths/~1a/post/parameters");
        assert!(warnings[0].message.contains("`tags`"), "{warnings:?}");
    }

    #[test]
    fn references_files_and_nullable_references_keep_their_meaning() {
        let written = json!({
            "swagger": "2.0", "info": {"title": "T", "version": "1"},
            "produces": ["application/json"],
            "paths": {"/items": {
                "parameters": [{"$ref": "#/parameters/ApiVersion"}],
                "get": {"parameters": [{"$ref": "#/parameters/Filter"}],
                        "responses": {"200": {"description": "ok", "schema": {"type": "file"}}}}}},
            "parameters": {"ApiVersion": {"name": "api-version", "in": "query", "required": true, "type": "string"},
                           "Filter": {"name": "filter", "in": "query", "type": "string"}},
            "definitions": {"A": {"properties": {"b": {"$ref": "#/definitions/B", "x-nullable": true}}},
                            "B": {"type": "object"}}
        });
        let read = to_openapi30(written, &mut Vec::new());
        let get = &read["paths"]["/items"]["get"];
        assert_eq!(get["parameters"].as_array().unwrap().len(), 2, "{get}");
        assert_eq!(
            get["responses"]["200"]["content"],
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
        );
        assert_eq!(
            read["components"]["schemas"]["A"]["properties"]["b"],
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]})
        );
    }

    #[test]
    fn places_in_the_openapi_form_map_back_to_the_document_as_written() {
        for (moved, written) in [
            (
                "/components/schemas/Pet/properties/a",
                "/definitions/Pet/properties/a",
            ),
            (
                "/paths/~1a/get/responses/200/content/application~1json/schema/items",
                "/paths/~1a/get/responses/200/schema/items",
            ),
            (
                "/paths/~1a/get/parameters/2/schema/items",
                "/paths/~1a/get/parameters/2/items",
            ),
            (
                "/paths/~1a/get/x-contractfit-waiters",
                "/paths/~1a/get/x-contractfit-waiters",
            ),
        ] {
            assert_eq!(original_pointer(&Hoisted::new(), moved), written);
        }
    }
}

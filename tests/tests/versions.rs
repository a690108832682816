//! The same API in another version of OpenAPI gives the same crate: the Contract.fit document
//! (overlaid, as the generator reads it) written as OpenAPI 3.1 and as Swagger 2.0 by
//! converters of our own, below, generates the same public surface (`surface.json`: every
//! method, argument, setter, return type, type, field, variant and command) as the 3.0
//! document it came from.

use std::path::Path;

use contractfit_codegen::surface::{Surface, TypeSurface};
use contractfit_codegen::{model_of, Config};
use contractfit_tests::{document_as_read, scratch};
use serde_json::{json, Map, Value};

fn surface_of(dir: &Path, name: &str, document: &Value) -> Surface {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(document).unwrap()).unwrap();
    let (api, _, _) = model_of(&Config::new(&path)).unwrap_or_else(|e| panic!("{name}: {e}"));
    Surface::of(&api)
}

/// The differences between two surfaces, a line each (the first few).
fn differences(expected: &Surface, got: &Surface) -> Vec<String> {
    let (expected, got) = (
        serde_json::to_value(expected).unwrap(),
        serde_json::to_value(got).unwrap(),
    );
    let mut out = Vec::new();
    for section in ["operations", "types", "commands", "batches"] {
        let (e, g) = (&expected[section], &got[section]);
        let keys: std::collections::BTreeSet<&String> = e
            .as_object()
            .into_iter()
            .chain(g.as_object())
            .flat_map(|m| m.keys())
            .collect();
        for key in keys {
            if e.get(key) != g.get(key) {
                out.push(format!(
                    "{section}.{key}: 3.0 {} / other {}",
                    e.get(key).map_or("absent".into(), Value::to_string),
                    g.get(key).map_or("absent".into(), Value::to_string)
                ));
            }
        }
    }
    out.truncate(12);
    out
}

#[test]
fn the_document_as_openapi_3_1_gives_the_same_crate() {
    let as_30 = document_as_read();
    let as_31 = to_openapi31(as_30.clone());
    assert_eq!(as_31["openapi"], "3.1.0");
    assert!(
        as_31.to_string().contains(r#""null"]"#),
        "the converter wrote nullable types as type lists"
    );
    let dir = scratch("versions");
    let expected = surface_of(dir.path(), "as-30.json", &as_30);
    let got = surface_of(dir.path(), "as-31.json", &as_31);
    let differences = differences(&expected, &got);
    assert!(differences.is_empty(), "{differences:#?}");
}

#[test]
fn the_document_as_swagger_2_0_gives_the_same_crate() {
    let as_30 = document_as_read();
    let as_20 = to_swagger2(&as_30);
    assert_eq!(as_20["swagger"], "2.0");
    assert!(as_20.get("definitions").is_some() && as_20.get("components").is_none());
    let dir = scratch("versions-2");
    let mut expected = surface_of(dir.path(), "as-30.json", &as_30);
    let mut got = surface_of(dir.path(), "as-20.json", &as_20);
    // Swagger 2.0 cannot name a form that operations share (3.0's `components/requestBodies`):
    // its form is a type per operation. The forms' fields must be the same; their names are
    // left out of the comparison.
    let forms = |surface: &mut Surface| {
        let names: Vec<String> = surface
            .types
            .iter()
            .filter(|(_, ty)| matches!(ty, TypeSurface::Form { .. }))
            .map(|(name, _)| name.clone())
            .collect();
        let mut fields: Vec<String> = names
            .iter()
            .map(|name| serde_json::to_string(&surface.types.remove(name)).unwrap())
            .collect();
        fields.sort();
        fields.dedup();
        fields
    };
    let (expected_forms, got_forms) = (forms(&mut expected), forms(&mut got));
    assert!(expected_forms.len() >= 3, "{expected_forms:?}");
    assert_eq!(expected_forms, got_forms);
    let differences = differences(&expected, &got);
    assert!(differences.is_empty(), "{differences:#?}");
}

/// OpenAPI 3.0 written as Swagger 2.0, for what the Contract.fit document uses: a server, JSON
/// and multipart bodies, JSON responses, parameters of primitive and array types, Basic and
/// API-key security, extensions where they were.
fn to_swagger2(document: &Value) -> Value {
    let mut out = Map::new();
    out.insert("swagger".into(), json!("2.0"));
    for (key, value) in document.as_object().unwrap() {
        if matches!(key.as_str(), "info" | "tags" | "security" | "externalDocs")
            || key.starts_with("x-")
        {
            out.insert(key.clone(), value.clone());
        }
    }
    if let Some(url) = document["servers"][0]["url"].as_str() {
        // Scheme-relative (`//host/api`), as this document's is: 2.0 says `https` so.
        let (scheme, rest) = url
            .split_once("://")
            .unwrap_or(("https", url.trim_start_matches('/')));
        let (host, base) = rest.split_once('/').map_or((rest, ""), |(h, b)| (h, b));
        out.insert("schemes".into(), json!([scheme]));
        out.insert("host".into(), json!(host));
        out.insert("basePath".into(), json!(format!("/{base}")));
    }
    let components = &document["components"];
    let schemas: Map<String, Value> = components["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.clone(), schema_2(schema)))
        .collect();
    out.insert("definitions".into(), Value::Object(schemas));
    let schemes: Map<String, Value> = components["securitySchemes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, scheme)| {
            let mut written = match scheme["type"].as_str() {
                Some("http") if scheme["scheme"] == "basic" => json!({"type": "basic"}),
                _ => json!({"type": "apiKey", "name": scheme["name"], "in": scheme["in"]}),
            };
            for (key, value) in scheme.as_object().unwrap() {
                if key.starts_with("x-") || key == "description" {
                    written[key] = value.clone();
                }
            }
            (name.clone(), written)
        })
        .collect();
    out.insert("securityDefinitions".into(), Value::Object(schemes));
    let mut paths = Map::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let mut written = Map::new();
        for (method, operation) in item.as_object().unwrap() {
            if method == "parameters" {
                let list: Vec<Value> = operation
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(parameter_2)
                    .collect();
                written.insert(method.clone(), Value::Array(list));
            } else if operation.is_object() {
                written.insert(method.clone(), operation_2(document, operation));
            } else {
                written.insert(method.clone(), operation.clone());
            }
        }
        paths.insert(path.clone(), Value::Object(written));
    }
    out.insert("paths".into(), Value::Object(paths));
    let mut out = Value::Object(out);
    references_2(&mut out);
    out
}

fn operation_2(document: &Value, operation: &Value) -> Value {
    let mut out = Map::new();
    let mut parameters: Vec<Value> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(parameter_2)
        .collect();
    let mut body = operation["requestBody"].clone();
    if let Some(reference) = body["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        body = document["components"]["requestBodies"][name].clone();
    }
    if let Some(content) = body["content"].as_object() {
        let (media_type, media) = content.iter().next().unwrap();
        out.insert("consumes".into(), json!([media_type]));
        if media_type == "multipart/form-data" || media_type == "application/x-www-form-urlencoded"
        {
            let schema = &media["schema"];
            let required: Vec<&Value> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .collect();
            for (name, field) in schema["properties"].as_object().into_iter().flatten() {
                let mut field = schema_2(field);
                if field["format"] == "binary" {
                    field = json!({"type": "file"});
                }
                let mut parameter = json!({"name": name, "in": "formData"});
                for (key, value) in field.as_object().unwrap() {
                    parameter[key] = value.clone();
                }
                if required.contains(&&json!(name)) {
                    parameter["required"] = json!(true);
                }
                parameters.push(parameter);
            }
        } else {
            let mut parameter =
                json!({"name": "body", "in": "body", "schema": schema_2(&media["schema"])});
            if body["required"] == true {
                parameter["required"] = json!(true);
            }
            parameters.push(parameter);
        }
    }
    let mut produces = Vec::new();
    let mut responses = Map::new();
    for (status, response) in operation["responses"].as_object().into_iter().flatten() {
        let mut written = json!({"description": response["description"].as_str().unwrap_or("")});
        if let Some(reference) = response["$ref"].as_str() {
            written = json!({"$ref": reference});
        }
        if let Some((media_type, media)) = response["content"]
            .as_object()
            .and_then(|c| c.iter().next())
        {
            if !produces.contains(media_type) {
                produces.push(media_type.clone());
            }
            if media.get("schema").is_some() {
                written["schema"] = schema_2(&media["schema"]);
            }
        }
        responses.insert(status.clone(), written);
    }
    for (key, value) in operation.as_object().unwrap() {
        match key.as_str() {
            "parameters" | "requestBody" | "responses" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if !parameters.is_empty() {
        out.insert("parameters".into(), Value::Array(parameters));
    }
    if !produces.is_empty() {
        out.insert("produces".into(), json!(produces));
    }
    out.insert("responses".into(), Value::Object(responses));
    Value::Object(out)
}

/// A 3.0 parameter as 2.0 writes it: its schema's keywords beside its own.
fn parameter_2(parameter: &Value) -> Value {
    if parameter.get("$ref").is_some() {
        return parameter.clone();
    }
    let mut out = Map::new();
    for (key, value) in parameter.as_object().unwrap() {
        match key.as_str() {
            "schema" => {
                for (k, v) in schema_2(value).as_object().unwrap() {
                    out.insert(k.clone(), v.clone());
                }
            }
            "style" | "explode" => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if out.get("type") == Some(&json!("array")) && parameter["in"] == "query" {
        let joined = parameter["explode"] == false;
        out.insert(
            "collectionFormat".into(),
            json!(if joined { "csv" } else { "multi" }),
        );
    }
    Value::Object(out)
}

/// A 3.0 schema as 2.0 writes it: `nullable` as `x-nullable`, a discriminator by its name.
fn schema_2(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                match key.as_str() {
                    "nullable" => {
                        out.insert("x-nullable".into(), value.clone());
                    }
                    "discriminator" => {
                        out.insert(key.clone(), value["propertyName"].clone());
                    }
                    "properties" => {
                        let properties = value
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(k, v)| (k.clone(), schema_2(v)))
                            .collect();
                        out.insert(key.clone(), Value::Object(properties));
                    }
                    "items" | "additionalProperties" | "not" => {
                        out.insert(key.clone(), schema_2(value));
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        let list = value.as_array().unwrap().iter().map(schema_2).collect();
                        out.insert(key.clone(), Value::Array(list));
                    }
                    _ => {
                        out.insert(key.clone(), value.clone());
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn references_2(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                for (moved, written) in [
                    ("#/components/schemas/", "#/definitions/"),
                    ("#/components/parameters/", "#/parameters/"),
                    ("#/components/responses/", "#/responses/"),
                ] {
                    if let Some(rest) = target.strip_prefix(moved) {
                        *target = format!("{written}{rest}");
                    }
                }
            }
            map.values_mut().for_each(references_2);
        }
        Value::Array(items) => items.iter_mut().for_each(references_2),
        _ => {}
    }
}

/// OpenAPI 3.0 written as 3.1: `nullable` as a type list with `null` (or a `oneOf` with
/// `{type: null}` beside a reference), a flag `exclusiveMinimum`/`exclusiveMaximum` as the
/// bound itself, `example` as `examples`.
fn to_openapi31(mut document: Value) -> Value {
    document["openapi"] = json!("3.1.0");
    walk(&mut document, false);
    document
}

/// Rewrites every schema under `value`; `schema` says whether `value` itself is one.
fn walk(value: &mut Value, schema: bool) {
    match value {
        Value::Object(map) => {
            if schema {
                rewrite_schema(map);
            }
            for (key, child) in map.iter_mut() {
                let child_is_schema = match key.as_str() {
                    "schema" | "items" | "not" => true,
                    "additionalProperties" => child.is_object(),
                    "example" | "examples" | "default" | "enum" => continue,
                    _ => false,
                };
                match key.as_str() {
                    "properties" | "schemas" if !child_is_schema => {
                        if let Value::Object(children) = child {
                            children.values_mut().for_each(|c| walk(c, true));
                        }
                    }
                    "allOf" | "anyOf" | "oneOf" => {
                        if let Value::Array(list) = child {
                            list.iter_mut().for_each(|c| walk(c, true));
                        }
                    }
                    _ => walk(child, child_is_schema),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| walk(c, false)),
        _ => {}
    }
}

fn rewrite_schema(map: &mut Map<String, Value>) {
    // 3.0 reads a reference alone, whatever is beside it; 3.1 would read the rest too.
    if map.contains_key("$ref") {
        map.retain(|key, _| key == "$ref");
        return;
    }
    if map.remove("nullable") == Some(json!(true)) {
        match map.get("type").cloned() {
            Some(Value::String(ty)) => {
                map.insert("type".into(), json!([ty, "null"]));
            }
            _ => match map.remove("allOf") {
                // The 3.0 idiom for a nullable reference, in 3.1's (FastAPI's, pydantic's).
                Some(Value::Array(parts)) if parts.len() == 1 => {
                    let mut variants = parts;
                    variants.push(json!({"type": "null"}));
                    map.insert("anyOf".into(), Value::Array(variants));
                }
                Some(other) => {
                    map.insert("allOf".into(), other);
                    map.insert("nullable".into(), json!(true));
                }
                // Any JSON, or null: already any JSON.
                None => {}
            },
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if map.get(exclusive) == Some(&json!(true)) {
            if let Some(value) = map.remove(bound) {
                map.insert(exclusive.into(), value);
            }
        } else {
            map.remove(exclusive);
        }
    }
    if let Some(example) = map.remove("example") {
        map.insert("examples".into(), json!([example]));
    }
}

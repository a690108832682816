//! A linear check of every schema's shape, before `openapiv3` reads the document.
//!
//! `openapiv3` reads schemas through untagged enums and flattened structs: when a value deep in
//! a nested schema has the wrong type, each enclosing level tries its alternatives again, so
//! the time to fail grows exponentially with depth (measured: ×2.3 per level; a bad `type` 12
//! levels down took 0.2 s, 20 levels down minutes). Checking the fields a schema may hold
//! first, in one walk, turns those documents into an immediate error that names the place.

use serde_json::Value;

use super::Keys;
use crate::diagnostics::pointer_token;

/// As deep as the YAML and JSON parsers go (the 40 documents of the corpus nest at most 28).
const MAX_DEPTH: usize = 128;

/// The first misshapen schema field in `document`: its pointer and what is wrong.
pub fn first_problem(document: &Value) -> Option<(String, String)> {
    let mut found = None;
    walk(document, String::new(), Keys::Keywords, 0, &mut found);
    found
}

/// Looks for schemas anywhere: under `components/schemas`, and as the value of any `schema`
/// key (parameters, media types, headers).
fn walk(
    value: &Value,
    pointer: String,
    keys: Keys,
    depth: usize,
    found: &mut Option<(String, String)>,
) {
    if found.is_some() {
        return;
    }
    if depth > MAX_DEPTH {
        *found = Some((pointer, format!("nested more than {MAX_DEPTH} levels deep")));
        return;
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_pointer = format!("{pointer}/{}", pointer_token(key));
                if keys.holds_data(key) {
                    continue;
                } else if (key == "schema" && keys == Keys::Keywords)
                    || (pointer == "/components/schemas")
                {
                    schema(child, child_pointer, depth + 1, found);
                } else {
                    walk(child, child_pointer, keys.below(key), depth + 1, found);
                }
                if found.is_some() {
                    return;
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(
                    child,
                    format!("{pointer}/{i}"),
                    Keys::Keywords,
                    depth + 1,
                    found,
                );
            }
        }
        _ => {}
    }
}

const TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

fn schema(value: &Value, pointer: String, depth: usize, found: &mut Option<(String, String)>) {
    if found.is_some() {
        return;
    }
    if depth > MAX_DEPTH {
        *found = Some((pointer, format!("nested more than {MAX_DEPTH} levels deep")));
        return;
    }
    let Some(map) = value.as_object() else {
        *found = Some((pointer, "a schema must be an object".into()));
        return;
    };
    let mut problem = |key: &str, message: String| {
        *found = Some((format!("{pointer}/{}", pointer_token(key)), message));
    };
    for (key, field) in map {
        let ok = match key.as_str() {
            "$ref" | "title" | "description" | "format" | "pattern" => field.is_string(),
            "type" => field.as_str().is_some_and(|t| TYPES.contains(&t)),
            "nullable" | "readOnly" | "writeOnly" | "deprecated" | "uniqueItems"
            | "exclusiveMinimum" | "exclusiveMaximum" => field.is_boolean(),
            "multipleOf" | "minimum" | "maximum" => field.is_number(),
            "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
            | "maxProperties" => field.is_u64(),
            "required" => field
                .as_array()
                .is_some_and(|names| names.iter().all(Value::is_string)),
            "enum" => field.is_array(),
            "properties" => field.is_object(),
            "items" | "not" => field.is_object(),
            "additionalProperties" => field.is_object() || field.is_boolean(),
            "allOf" | "oneOf" | "anyOf" => field.is_array(),
            "discriminator" => field.get("propertyName").is_some_and(Value::is_string),
            "externalDocs" | "xml" => field.is_object(),
            _ => true,
        };
        if !ok {
            let expected = match key.as_str() {
                "type" => format!("one of {}", TYPES.join(", ")),
                "required" => "a list of property names".into(),
                "discriminator" => "an object with a `propertyName` string".into(),
                "additionalProperties" => "a schema or a boolean".into(),
                "properties" | "items" | "not" | "externalDocs" | "xml" => "an object".into(),
                "allOf" | "oneOf" | "anyOf" | "enum" => "a list".into(),
                "minLength" | "maxLength" | "minItems" | "maxItems" | "minProperties"
                | "maxProperties" => "a non-negative integer".into(),
                "multipleOf" | "minimum" | "maximum" => "a number".into(),
                "nullable" | "readOnly" | "writeOnly" | "deprecated" | "uniqueItems"
                | "exclusiveMinimum" | "exclusiveMaximum" => "a boolean".into(),
                _ => "a string".into(),
            };
            // A string of the wrong kind is shown: `type: file` says more than "a string".
            let given = match field.as_str() {
                Some(text) => format!("{text:?}"),
                None => kind(field).to_owned(),
            };
            problem(key, format!("`{key}` must be {expected}, not {given}"));
            return;
        }
    }
    let child = |key: &str| format!("{pointer}/{}", pointer_token(key));
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            schema(
                property,
                format!("{}/{}", child("properties"), pointer_token(name)),
                depth + 2,
                found,
            );
        }
    }
    for key in ["items", "not"] {
        if let Some(inner) = map.get(key) {
            schema(inner, child(key), depth + 1, found);
        }
    }
    if let Some(inner) = map.get("additionalProperties").filter(|v| v.is_object()) {
        schema(inner, child("additionalProperties"), depth + 1, found);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (i, part) in map
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            schema(part, format!("{}/{i}", child(key)), depth + 2, found);
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misshapen_field_deep_in_a_schema_is_found_with_its_pointer() {
        let mut nested = json!({"type": {}});
        for i in 0..40 {
            nested = json!({"type": "object", "properties": {format!("p{i}"): nested}});
        }
        let document = json!({"components": {"schemas": {"Deep": nested}}});
        let (pointer, message) = first_problem(&document).unwrap();
        assert!(pointer.starts_with("/components/schemas/Deep/properties/p39/properties/p38"));
        assert!(pointer.ends_with("/properties/p0/type"), "{pointer}");
        assert!(message.contains("`type` must be one of"), "{message}");
    }

    #[test]
    fn well_shaped_schemas_and_non_schema_keys_pass() {
        let document = json!({
            "paths": {"/a": {"get": {
                // Azure's examples hold whole requests: data, not schemas.
                "x-ms-examples": {"Create": {"parameters": {"body": {"schema": "text"}}}},
                "parameters": [{"name": "schema", "in": "query",
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}}]}}},
            "components": {"schemas": {"A": {"type": "object", "required": ["x"],
                "properties": {"schema": {"type": "string", "x-odd": [1, 2]}},
                "additionalProperties": false, "example": {"type": 5}}}}
        });
        assert_eq!(first_problem(&document), None);
    }
}

//! The same API in another version of OpenAPI gives the same crate: the Contract.fit document
//! (overlaid, as the generator reads it) written as OpenAPI 3.1 by a converter of our own,
//! below, generates the same public surface (`surface.json`: every method, argument, setter,
//! return type, type, field, variant and command) as the 3.0 document it came from.

use std::path::Path;

use contractfit_codegen::surface::Surface;
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

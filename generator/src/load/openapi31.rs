//! OpenAPI 3.1 (and what 3.2 shares with it) read as the OpenAPI 3.0 it says, before the
//! builder reads it, so that one builder makes the model of every version.
//!
//! 3.1's schemas are JSON Schema 2020-12. What has a 3.0 form takes it: a `type` list with
//! `null` is `nullable`, a list of several types a `oneOf` of each; `const` is a one-value
//! `enum`; `examples` gives its first as `example`; a numeric `exclusiveMinimum` or
//! `exclusiveMaximum` is the bound with its flag; `contentEncoding: base64` is `format: byte`
//! and a string of a binary `contentMediaType` is `format: binary`; a `$ref` with constraints
//! beside it is an `allOf` of the reference and them (annotations beside it are dropped, as
//! 3.0 reads them); a boolean schema is `{}` or `{not: {}}`; `$defs` are components like any
//! other place a `$ref` names. What has no Rust meaning yet (`if`/`then`/`else`,
//! `dependentSchemas`, `unevaluatedProperties`, `$dynamicRef`, `prefixItems`) is dropped or
//! read as untyped JSON, with a warning naming the place.
//!
//! Around the schemas: `webhooks` are requests the server makes (their names are kept for the
//! README, their schemas are components already); a path item `$ref` (to `components/pathItems`)
//! is replaced by the item; `jsonSchemaDialect` other than the OpenAPI one is a warning.

use serde_json::{json, Map, Value};

use super::Keys;
use crate::diagnostics::{pointer_token, Warning};

/// What 3.2 adds that this reader does not know: refused by name rather than misread.
const UNKNOWN_IN_3_2: [&str; 2] = ["additionalOperations", "query"];

/// Where the 3.0 form moved parts of schemas: each lowering step's moves (a part's place there,
/// and its place before: `…/allOf/1` of a `$ref` with siblings is `…`), in the order made.
pub type Moves = Vec<Vec<(String, String)>>;

/// The 3.0 form of the OpenAPI 3.1 (or 3.2) `document` and what it moved, or the first thing
/// it cannot read. Warnings name places as written.
pub fn to_openapi30(
    mut document: Value,
    warnings: &mut Vec<Warning>,
) -> Result<(Value, Moves), (String, String)> {
    let Value::Object(doc) = &mut document else {
        return Ok((document, Moves::new()));
    };
    if let Some(Value::Object(paths)) = doc.get("paths") {
        for (path, item) in paths {
            for key in UNKNOWN_IN_3_2 {
                if item.get(key).is_some() {
                    let at = format!("/paths/{}/{key}", pointer_token(path));
                    return Err((at, format!("OpenAPI 3.2's `{key}` is not read yet")));
                }
            }
        }
    }
    doc.insert("openapi".into(), json!("3.0.3"));
    if let Some(dialect) = doc.remove("jsonSchemaDialect") {
        if !dialect
            .as_str()
            .is_some_and(|d| d.starts_with("https://spec.openapis.org/oas/3.1/dialect"))
        {
            warnings.push(Warning {
                pointer: "/jsonSchemaDialect".into(),
                message: format!(
                    "schemas are read as OpenAPI 3.1's dialect of JSON Schema, not {dialect}"
                ),
            });
        }
    }
    if let Some(Value::Object(webhooks)) = doc.remove("webhooks") {
        let names: Vec<&str> = webhooks.keys().map(String::as_str).collect();
        warnings.push(Warning {
            pointer: "/webhooks".into(),
            message: format!(
                "webhooks are requests the server makes; no client code is generated for them: {}",
                names.join(", ")
            ),
        });
        let names = names.iter().map(|n| json!(n)).collect();
        doc.insert(super::WEBHOOKS.into(), Value::Array(names));
    }
    if !doc.contains_key("paths") {
        doc.insert("paths".into(), json!({}));
    }
    if let Some(Value::Object(info)) = doc.get_mut("info") {
        info.remove("summary");
        if let Some(Value::Object(license)) = info.get_mut("license") {
            license.remove("identifier");
        }
    }
    let mut moves = Moves::new();
    inline_path_items(doc, warnings, &mut moves);
    let mut out = document;
    lower_schemas_in(
        &mut out,
        String::new(),
        Keys::Keywords,
        warnings,
        &mut moves,
    );
    Ok((out, moves))
}

/// Path items given as `$ref`s to `components/pathItems` are replaced by what they name.
fn inline_path_items(doc: &mut Map<String, Value>, warnings: &mut Vec<Warning>, moves: &mut Moves) {
    let items = doc
        .get("components")
        .and_then(|c| c.get("pathItems"))
        .cloned()
        .unwrap_or(Value::Null);
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        components.remove("pathItems");
    }
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(target) = item.get("$ref").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        let name = target.strip_prefix("#/components/pathItems/");
        match name.and_then(|name| items.get(name)) {
            Some(named) => {
                *item = named.clone();
                moves.push(vec![(
                    format!("/paths/{}", pointer_token(path)),
                    format!("/components/pathItems/{}", name.unwrap_or_default()),
                )]);
            }
            None => warnings.push(Warning {
                pointer: format!("/paths/{}", pointer_token(path)),
                message: format!("path item $ref {target:?} names no path item; left as it is"),
            }),
        }
    }
}

/// Lowers every schema found under `value` (at `pointer`): the values of `schema` keys and of
/// `components/schemas`.
fn lower_schemas_in(
    value: &mut Value,
    pointer: String,
    keys: Keys,
    warnings: &mut Vec<Warning>,
    moves: &mut Moves,
) {
    let Value::Object(map) = value else {
        if let Value::Array(items) = value {
            for (i, item) in items.iter_mut().enumerate() {
                let at = format!("{pointer}/{i}");
                lower_schemas_in(item, at, Keys::Keywords, warnings, moves);
            }
        }
        return;
    };
    let in_components = pointer == "/components";
    for (key, child) in map.iter_mut() {
        let at = format!("{pointer}/{}", pointer_token(key));
        // Examples and extensions are values, not schemas (a response called `example`, or
        // a `default` response, is walked).
        if keys.holds_data(key) {
            continue;
        }
        match key.as_str() {
            "schema" if keys == Keys::Keywords => lower_schema(child, &at, warnings, moves),
            "schemas" if in_components => {
                if let Value::Object(schemas) = child {
                    for (name, schema) in schemas.iter_mut() {
                        let at = format!("{at}/{}", pointer_token(name));
                        lower_schema(schema, &at, warnings, moves);
                    }
                }
            }
            _ => lower_schemas_in(child, at, keys.below(key), warnings, moves),
        }
    }
}

/// Keywords whose value is a schema.
const ONE_SCHEMA: [&str; 6] = [
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "unevaluatedItems",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 3] = ["allOf", "anyOf", "oneOf"];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAPS: [&str; 3] = ["properties", "patternProperties", "$defs"];
/// Annotations, which 3.0 ignores beside a `$ref` too.
const ANNOTATIONS: [&str; 9] = [
    "description",
    "title",
    "summary",
    "deprecated",
    "readOnly",
    "writeOnly",
    "example",
    "examples",
    "$comment",
];
/// What has no Rust meaning yet: dropped, the rest of the schema kept, with a warning.
const DROPPED: [&str; 7] = [
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
    "unevaluatedProperties",
    "$dynamicAnchor",
];

fn lower_schema(schema: &mut Value, pointer: &str, warnings: &mut Vec<Warning>, moves: &mut Moves) {
    let map = match schema {
        Value::Bool(true) => {
            *schema = json!({});
            return;
        }
        Value::Bool(false) => {
            *schema = json!({"not": {}});
            return;
        }
        Value::Object(map) => map,
        _ => return,
    };
    // Inside first, so that what is lifted below (into `allOf`, `oneOf`) is lowered already.
    for key in ONE_SCHEMA {
        if let Some(child) = map.get_mut(key) {
            // 3.0 reads `additionalProperties: true`/`false` as they are.
            if key == "additionalProperties" && child.is_boolean() {
                continue;
            }
            lower_schema(child, &format!("{pointer}/{key}"), warnings, moves);
        }
    }
    for key in SCHEMA_LISTS {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            for (i, child) in list.iter_mut().enumerate() {
                lower_schema(child, &format!("{pointer}/{key}/{i}"), warnings, moves);
            }
        }
    }
    for key in SCHEMA_MAPS {
        if let Some(Value::Object(children)) = map.get_mut(key) {
            for (name, child) in children.iter_mut() {
                let at = format!("{pointer}/{key}/{}", pointer_token(name));
                lower_schema(child, &at, warnings, moves);
            }
        }
    }
    if map.contains_key("$dynamicRef") {
        warnings.push(Warning {
            pointer: pointer.to_owned(),
            message: "`$dynamicRef` has no Rust meaning yet: read as any JSON".into(),
        });
        *schema = json!({});
        return;
    }
    if map.remove("prefixItems").is_some() {
        warnings.push(Warning {
            pointer: format!("{pointer}/prefixItems"),
            message: "a tuple (`prefixItems`) is read as a list of any JSON".into(),
        });
        map.insert("items".into(), json!({}));
    }
    for key in DROPPED {
        if map.remove(key).is_some() {
            warnings.push(Warning {
                pointer: format!("{pointer}/{key}"),
                message: format!("`{key}` has no Rust meaning yet: dropped, the rest is read"),
            });
        }
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(examples)) = map.remove("examples") {
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(value) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), value);
            map.insert(exclusive.into(), json!(true));
        }
    }
    if map.get("contentEncoding").and_then(Value::as_str) == Some("base64") {
        map.insert("format".into(), json!("byte"));
    } else if map
        .get("contentMediaType")
        .and_then(Value::as_str)
        .is_some_and(|media| !media.starts_with("text/") && !media.contains("json"))
    {
        map.entry("format").or_insert(json!("binary"));
    }
    map.remove("contentEncoding");
    map.remove("contentMediaType");
    map.remove("$schema");
    map.remove("$id");
    map.remove("$anchor");
    lower_type_list(map, pointer, moves);
    lower_null_variant(map, pointer, moves);
    lower_ref_siblings(schema, pointer, moves);
}

/// A `oneOf` or `anyOf` with a `{type: "null"}` variant (FastAPI's and pydantic's nullable
/// reference) is the others, nullable; one other is `allOf` of it, as 3.0 writes that.
fn lower_null_variant(map: &mut Map<String, Value>, pointer: &str, moves: &mut Moves) {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(variants)) = map.get_mut(key) else {
            continue;
        };
        // Lowered already: `{type: "null"}` is `{nullable: true}` by now.
        let is_null = |v: &Value| *v == json!({"nullable": true}) || *v == json!({"type": "null"});
        if !variants.iter().any(is_null) {
            continue;
        }
        let kept: Vec<usize> = (0..variants.len())
            .filter(|&i| !is_null(&variants[i]))
            .collect();
        variants.retain(|v| !is_null(v));
        let one = variants.len() == 1;
        map.insert("nullable".into(), json!(true));
        let (now, first) = match one {
            true => {
                let only = match map.remove(key) {
                    Some(Value::Array(only)) => only,
                    _ => Vec::new(),
                };
                ("allOf", add_to_all_of(map, only))
            }
            false => (key, 0),
        };
        moves.push(
            kept.into_iter()
                .enumerate()
                .map(|(index, written)| {
                    let lowered = format!("{pointer}/{now}/{}", first + index);
                    (lowered, format!("{pointer}/{key}/{written}"))
                })
                .collect(),
        );
    }
}

/// `type: [X, "null"]` is `X` and `nullable`; several types, a `oneOf` of each (keywords that
/// belong to one type go with it).
fn lower_type_list(map: &mut Map<String, Value>, pointer: &str, moves: &mut Moves) {
    let types: Vec<String> = match map.get("type") {
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(only)) if only == "null" => {
            map.remove("type");
            map.insert("nullable".into(), json!(true));
            return;
        }
        _ => return,
    };
    let nullable = types.iter().any(|t| t == "null");
    let concrete: Vec<&String> = types.iter().filter(|t| *t != "null").collect();
    map.remove("type");
    if nullable {
        map.insert("nullable".into(), json!(true));
    }
    match concrete.as_slice() {
        [] => {}
        [only] => {
            map.insert("type".into(), json!(only));
        }
        several => {
            // Each type takes the keywords that belong to it (`items` to the array, `pattern`
            // to the string), so that none is read against the wrong type or lost.
            let variants: Vec<Value> = several
                .iter()
                .map(|ty| {
                    let mut variant = Map::new();
                    variant.insert("type".into(), json!(ty));
                    for key in keywords_of(ty) {
                        if let Some(value) = map.remove(*key) {
                            variant.insert((*key).to_owned(), value);
                        }
                    }
                    Value::Object(variant)
                })
                .collect();
            let mut moved = Vec::new();
            let made = match map.remove("oneOf") {
                // A `oneOf` already there stays; both must hold.
                Some(existing) => {
                    let parts = vec![json!({ "oneOf": variants }), json!({ "oneOf": existing })];
                    let first = add_to_all_of(map, parts);
                    let second = format!("{pointer}/allOf/{}/oneOf", first + 1);
                    moved.push((second, format!("{pointer}/oneOf")));
                    format!("{pointer}/allOf/{first}/oneOf")
                }
                None => {
                    map.insert("oneOf".into(), Value::Array(variants));
                    format!("{pointer}/oneOf")
                }
            };
            // Each variant's keywords were the schema's own.
            moved.extend((0..several.len()).map(|i| (format!("{made}/{i}"), pointer.to_owned())));
            moves.push(moved);
        }
    }
}

/// Adds `parts` to the schema's `allOf` (made if it has none; one that is not a list is kept
/// as the first part): the index of the first part added.
fn add_to_all_of(map: &mut Map<String, Value>, parts: Vec<Value>) -> usize {
    let all_of = map
        .entry("allOf")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !all_of.is_array() {
        *all_of = Value::Array(vec![all_of.take()]);
    }
    let Value::Array(list) = all_of else {
        return 0;
    };
    let first = list.len();
    list.extend(parts);
    first
}

/// The keywords that apply to values of one JSON type.
fn keywords_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &["minLength", "maxLength", "pattern", "format", "enum"],
        "integer" | "number" => &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ],
        _ => &[],
    }
}

/// A `$ref` with constraints beside it is both: `allOf` of the reference and them. With only
/// annotations beside it, it is the reference (3.0 reads it so).
fn lower_ref_siblings(schema: &mut Value, pointer: &str, moves: &mut Moves) {
    let Value::Object(map) = schema else {
        return;
    };
    let Some(reference) = map.get("$ref").cloned() else {
        return;
    };
    let constraints: Map<String, Value> = map
        .iter()
        .filter(|(key, _)| *key != "$ref" && !ANNOTATIONS.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if constraints.is_empty() {
        map.retain(|key, _| key == "$ref");
        return;
    }
    // `nullable` beside a reference: the reference, nullable.
    let mut out = Map::new();
    let mut parts = vec![json!({ "$ref": reference })];
    let rest: Map<String, Value> = constraints
        .into_iter()
        .filter(|(key, value)| {
            if key == "nullable" {
                out.insert(key.clone(), value.clone());
                false
            } else {
                true
            }
        })
        .collect();
    if !rest.is_empty() {
        parts.push(Value::Object(rest));
    }
    moves.push(
        (0..parts.len())
            .map(|i| (format!("{pointer}/allOf/{i}"), pointer.to_owned()))
            .collect(),
    );
    out.insert("allOf".into(), Value::Array(parts));
    if let Some(description) = map.get("description") {
        out.insert("description".into(), description.clone());
    }
    *schema = Value::Object(out);
}

/// Where `pointer`, a place in the 3.0 form, is in the 3.1 document as written: each move the
/// lowering made is undone, the last made first (a schema's own moves were made after those of
/// the schemas inside it, and in the places those had then).
pub fn original_pointer(moves: &Moves, pointer: &str) -> String {
    let mut pointer = pointer.to_owned();
    for step in moves.iter().rev() {
        // One move per step at most: a step's places are all in the same form.
        let undone = step.iter().find_map(|(lowered, written)| {
            let rest = pointer
                .strip_prefix(lowered.as_str())
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))?;
            Some(format!("{written}{rest}"))
        });
        if let Some(undone) = undone {
            pointer = undone;
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Warnings and errors name places in the document as written, not in its 3.0 form.
    #[test]
    fn places_in_the_lowered_form_map_back_to_the_document_as_written() {
        let written = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1"},
            "components": {"schemas": {
                "Owner": {"type": "object"},
                "Pet": {"properties": {
                    "owner": {"$ref": "#/components/schemas/Owner", "maxProperties": 3},
                    "tag": {"type": ["string", "array"], "items": {"if": {}}},
                    "kind": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                    "maybe": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Owner"},
                                        {"$ref": "#/components/schemas/Missing"}]},
                    "both": {"$ref": "#/components/schemas/Owner", "maxProperties": 1,
                             "allOf": [{"$ref": "#/components/schemas/Other"}]},
                    "based": {"allOf": [{"$ref": "#/components/schemas/Base"}],
                              "anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/X"}]}}}}}});
        let (lowered, moves) = to_openapi30(written.clone(), &mut Vec::new()).unwrap();
        let pet = "/components/schemas/Pet/properties";
        // The lowered form does have the added levels.
        assert!(
            lowered.pointer(&format!("{pet}/owner/allOf/1")).is_some(),
            "{lowered}"
        );
        assert!(
            lowered
                .pointer(&format!("{pet}/tag/oneOf/1/items"))
                .is_some(),
            "{lowered}"
        );
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/owner/allOf/1/maxProperties")),
            format!("{pet}/owner/maxProperties")
        );
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/tag/oneOf/1/items/if")),
            format!("{pet}/tag/items/if")
        );
        // A written oneOf stays.
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/kind/oneOf/1/type")),
            format!("{pet}/kind/oneOf/1/type")
        );
        assert_eq!(
            original_pointer(&moves, "/paths/~1a~1{b}"),
            "/paths/~1a~1{b}"
        );
        // A null variant left its list: the next ones moved up.
        assert_eq!(
            lowered.pointer(&format!("{pet}/maybe/anyOf/1/$ref")),
            Some(&json!("#/components/schemas/Missing"))
        );
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/maybe/anyOf/1/$ref")),
            format!("{pet}/maybe/anyOf/2/$ref")
        );
        // A reference beside an allOf: the reference is the schema's, the allOf's stay theirs.
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/both/allOf/0/$ref")),
            format!("{pet}/both/$ref")
        );
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/both/allOf/1/allOf/0/$ref")),
            format!("{pet}/both/allOf/0/$ref")
        );
        // A null variant beside an allOf joins it; the allOf's own part stays.
        assert_eq!(
            lowered.pointer(&format!("{pet}/based/allOf")),
            Some(
                &json!([{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/X"}])
            )
        );
        assert_eq!(
            original_pointer(&moves, &format!("{pet}/based/allOf/1/$ref")),
            format!("{pet}/based/anyOf/1/$ref")
        );
    }

    #[test]
    fn a_3_1_document_reads_as_its_3_0_form() {
        let written = json!({
            "openapi": "3.1.0",
            "info": {"title": "T", "version": "1", "summary": "s", "license": {"name": "MIT", "identifier": "MIT"}},
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "webhooks": {"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
            "paths": {"/pets": {"$ref": "#/components/pathItems/Pets"}},
            "components": {
                "pathItems": {"Pets": {"get": {"responses": {"200": {"description": "ok",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}}},
                "schemas": {"Pet": {"type": "object", "properties": {
                    "name": {"type": ["string", "null"], "examples": ["Rex"]},
                    "kind": {"const": "dog"},
                    "age": {"type": "integer", "exclusiveMinimum": 0},
                    "id": {"type": ["integer", "string"]},
                    "tags": {"type": ["string", "array"], "items": {"type": "string"}, "pattern": "^[a-z]+$"},
                    "photo": {"type": "string", "contentMediaType": "image/png"},
                    "owner": {"$ref": "#/components/schemas/Owner", "description": "who"},
                    "friend": {"$ref": "#/components/schemas/Owner", "type": ["object", "null"]},
                    "rule": {"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}},
                    "anything": true,
                    "parent": {"anyOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]}
                }}, "Owner": {"type": "object"}}
            }
        });
        let mut warnings = Vec::new();
        let (read, _) = to_openapi30(written, &mut warnings).unwrap();
        assert_eq!(read["openapi"], "3.0.3");
        assert!(read["info"].get("summary").is_none());
        assert_eq!(read[super::super::WEBHOOKS], json!(["newPet"]));
        assert!(
            read["paths"]["/pets"]["get"].is_object(),
            "the path item, inlined"
        );
        let pet = &read["components"]["schemas"]["Pet"]["properties"];
        assert_eq!(
            pet["name"],
            json!({"type": "string", "nullable": true, "example": "Rex"})
        );
        assert_eq!(pet["kind"], json!({"enum": ["dog"]}));
        assert_eq!(
            pet["age"],
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            pet["id"],
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
        assert_eq!(pet["photo"], json!({"type": "string", "format": "binary"}));
        assert_eq!(pet["owner"], json!({"$ref": "#/components/schemas/Owner"}));
        assert_eq!(
            pet["friend"],
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Owner"}, {"type": "object"}]})
        );
        assert_eq!(pet["rule"], json!({"type": "object"}));
        assert_eq!(pet["anything"], json!({}));
        assert_eq!(
            pet["parent"],
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Owner"}]})
        );
        let places: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert!(places.contains(&"/webhooks"), "{places:?}");
        assert!(
            places.contains(&"/components/schemas/Pet/properties/rule/if"),
            "{places:?}"
        );
    }

    /// A `default` response's schema is lowered like any other (it was skipped, taken for a
    /// default value), and `additionalProperties: false` stays as 3.0 reads it (it became
    /// `{not: {}}`).
    #[test]
    fn default_responses_are_lowered_and_boolean_additional_properties_kept() {
        let written = json!({"openapi": "3.1.0", "info": {"title": "T", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"default": {"description": "e", "content": {
                "application/json": {"schema": {"type": "object", "additionalProperties": false,
                    "properties": {"code": {"type": ["integer", "null"]}}}}}}}}}}});
        let (read, _) = to_openapi30(written, &mut Vec::new()).unwrap();
        let schema = &read["paths"]["/a"]["get"]["responses"]["default"]["content"]
            ["application/json"]["schema"];
        assert_eq!(
            schema["properties"]["code"],
            json!({"type": "integer", "nullable": true})
        );
        assert_eq!(schema["additionalProperties"], json!(false));
    }

    #[test]
    fn what_3_2_adds_is_refused_by_name() {
        let written = json!({"openapi": "3.2.0", "info": {"title": "T", "version": "1"},
            "paths": {"/a": {"query": {"responses": {}}}}});
        let (at, message) = to_openapi30(written, &mut Vec::new()).unwrap_err();
        assert_eq!(at, "/paths/~1a/query");
        assert!(message.contains("`query`"), "{message}");
    }
}

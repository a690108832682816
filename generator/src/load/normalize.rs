//! What the document may say that `openapiv3` cannot read, or says literally but means
//! otherwise, rewritten into what it means, each with a warning: callbacks (whose `$ref`s
//! `openapiv3` rejects, and which a client does not call) are dropped; a schema that local
//! `$ref`s name inside another component schema (a property of another schema, as bundlers
//! write shared parts) becomes a component of its own, which they and its old place refer to;
//! other local `$ref`s to anything but a whole component (a response defined under another
//! path) are replaced by a copy of their target; Flask-RESTX's wildcard field, a property named
//! `*`, becomes what it stands for, `additionalProperties`. Before any of that, on the document
//! as written, a schema that refers into another file (the generator reads one) is read as any
//! JSON (`other_files`).
//!
//! The result is the document as the generator reads it, which tests also serve to a mock
//! server and sample values from.

use serde_json::Value;

use super::Keys;
use crate::diagnostics::{pointer_token, unescape_token, Warning};

/// Chains of references to references are followed this far.
const MAX_PASSES: usize = 8;

/// How much the copies of referenced targets may add to a document, in JSON values: as much
/// as the document itself holds, and at least this. A copy holding references that are
/// copied in turn can grow without bound (Swagger 2.0's `#/definitions/…` all looked like that
/// to this pass: 39 documents of the APIs.guru directory ran out of memory).
const MIN_COPY_BUDGET: usize = 1 << 20;

/// What normalizing cannot read (a reference into another file that is not a schema) or would
/// make too large (copies of copies): where, and why.
#[derive(Debug)]
pub struct Refusal {
    pub pointer: String,
    pub message: String,
}

pub fn normalize(document: &mut Value) -> Result<Vec<Warning>, Refusal> {
    let mut warnings = Vec::new();
    decode_refs(document);
    drop_callbacks(document, &mut warnings);
    wildcards(document, String::new(), &mut warnings);
    hoist_schema_targets(document, &mut warnings);
    let budget = size(document).max(MIN_COPY_BUDGET);
    let mut copied = 0usize;
    for _ in 0..MAX_PASSES {
        let mut found = Vec::new();
        outside_refs(document, String::new(), &mut found);
        let mut changed = false;
        for (at, target) in found {
            let resolved = resolve(document, &target).cloned();
            match resolved {
                // A reference into its own enclosing value would copy itself forever.
                Some(value) if !is_within(&at, &plain_pointer(&target)) => {
                    copied = copied.saturating_add(size(&value));
                    if copied > budget {
                        return Err(Refusal {
                            message: format!(
                                "$ref {target:?} names no whole component, and copying the \
                                 targets of such references here and elsewhere would add more \
                                 than {budget} values to the document (they refer to one another \
                                 in turn); make the target a component"
                            ),
                            pointer: at,
                        });
                    }
                    if let Some(slot) = document.pointer_mut(&at) {
                        *slot = value;
                        changed = true;
                        warnings.push(Warning {
                            pointer: at,
                            message: format!(
                                "$ref {target:?} names no whole component; its target is copied here"
                            ),
                        });
                    }
                }
                // Dangling or cyclic: left for the builder, which names it as an error.
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    Ok(warnings)
}

/// References written percent-encoded, as URI fragments are (`#/definitions/Ref%20(of%20Bundle)`
/// for the definition `Ref (of Bundle)`), are written as the plain pointers the builder reads
/// by name; where the encoded text itself names something, it is left as it is.
fn decode_refs(document: &mut Value) {
    let mut found = Vec::new();
    let encoded = |target: &str| target.starts_with("#/") && target.contains('%');
    refs_where(document, String::new(), &encoded, &mut found);
    let mut decoded = std::collections::BTreeMap::new();
    for (_, target) in found {
        let plain = pointer_of(&target);
        if document.pointer(&target[1..]).is_none() && document.pointer(&plain).is_some() {
            decoded.insert(target, format!("#{plain}"));
        }
    }
    if !decoded.is_empty() {
        rewrite_refs(document, &mut |target| decoded.get(target).cloned());
    }
}

/// References into other files (Azure's Swagger documents share definitions across files:
/// `./network.json#/definitions/SubResource`), found in the document as written, so that each
/// is named at its own place. The generator reads one document: a schema so referred to is
/// read as any JSON, with a warning that says how to get its type (bundle the document first);
/// a parameter, request body, response or path item so referred to is refused at its place,
/// since no stand-in would be honest; elsewhere (a header, a link, a callback, which the
/// client does not read) the reference is left as it is.
pub(super) fn other_files(
    document: &mut Value,
    warnings: &mut Vec<Warning>,
) -> Result<(), Refusal> {
    let mut found = Vec::new();
    other_file_refs(document, &mut Vec::new(), Keys::Keywords, &mut found);
    for (tokens, target) in found {
        let at: String = tokens
            .iter()
            .map(|(token, _)| format!("/{}", pointer_token(token)))
            .collect();
        match place_of(&tokens) {
            Place::Read => {
                return Err(Refusal {
                    pointer: at,
                    message: format!(
                        "$ref {target:?} refers into another file, and the generator reads one \
                         document; bundle it into one first (for example `redocly bundle`)"
                    ),
                })
            }
            Place::Schema => {
                if let Some(Value::Object(schema)) = document.pointer_mut(&at) {
                    // What stands beside the reference (a description) stays.
                    schema.remove("$ref");
                }
                warnings.push(Warning {
                    pointer: at,
                    message: format!(
                        "$ref {target:?} refers into another file, and the generator reads one \
                         document: read as any JSON (bundle the document into one for its type)"
                    ),
                });
            }
            Place::Unread => {}
        }
    }
    Ok(())
}

/// What a place in the document is, for a reference there: a schema, something the builder
/// resolves (a parameter, request body, response or path item), or something it does not read.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    Schema,
    Read,
    Unread,
}

/// Every `$ref` into another file outside extensions and examples: the tokens of its place,
/// each with whether it is a keyword (`properties`) or a name the document chose (a property
/// called `properties`), and the target.
fn other_file_refs(
    value: &Value,
    at: &mut Vec<(String, bool)>,
    keys: Keys,
    found: &mut Vec<(Vec<(String, bool)>, String)>,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                if !target.starts_with('#') {
                    found.push((at.clone(), target.clone()));
                }
                return;
            }
            for (key, child) in map {
                if keys.holds_data(key) {
                    continue;
                }
                at.push((key.clone(), keys == Keys::Keywords));
                other_file_refs(child, at, keys.below(key), found);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push((i.to_string(), false));
                other_file_refs(child, at, Keys::Keywords, found);
                at.pop();
            }
        }
        _ => {}
    }
}

/// The kind of place, by the keywords it is under (in the document as written: OpenAPI 3.x
/// or Swagger 2.0).
fn place_of(tokens: &[(String, bool)]) -> Place {
    fn keyword(at: Option<&(String, bool)>) -> &str {
        match at {
            Some((token, true)) => token,
            _ => "",
        }
    }
    if tokens
        .iter()
        .any(|(token, is_keyword)| *is_keyword && token == "callbacks")
    {
        // Dropped with a warning (see `drop_callbacks`).
        return Place::Unread;
    }
    let last = keyword(tokens.last());
    let parent = keyword(tokens.iter().rev().nth(1));
    let schema_keyword = matches!(
        last,
        "schema"
            | "items"
            | "additionalItems"
            | "additionalProperties"
            | "not"
            | "contains"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "if"
            | "then"
            | "else"
    );
    let in_schema_list_or_map = matches!(
        parent,
        "properties"
            | "patternProperties"
            | "allOf"
            | "anyOf"
            | "oneOf"
            | "prefixItems"
            | "schemas"
            | "definitions"
            | "$defs"
            | "dependentSchemas"
    );
    if schema_keyword || in_schema_list_or_map {
        Place::Schema
    } else if matches!(
        parent,
        "parameters" | "requestBodies" | "responses" | "paths" | "pathItems"
    ) || last == "requestBody"
    {
        Place::Read
    } else {
        Place::Unread
    }
}

/// Schemas inside component schemas that references name become components of their own:
/// shared by reference, not copied (a copy of a part that refers to its whole recurses, and
/// copies of copies grow without bound).
fn hoist_schema_targets(document: &mut Value, warnings: &mut Vec<Warning>) {
    const SCHEMAS: &str = "/components/schemas/";
    let mut found = Vec::new();
    outside_refs(document, String::new(), &mut found);
    let mut targets: Vec<String> = found
        .iter()
        .map(|(_, target)| plain_pointer(target))
        .filter(|pointer| {
            pointer
                .strip_prefix(SCHEMAS)
                .is_some_and(|path| component_name(path).is_some())
                && document.pointer(pointer).is_some()
        })
        .collect();
    targets.sort();
    targets.dedup();
    if targets.is_empty() {
        return;
    }
    let mut taken: std::collections::BTreeSet<String> = document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    let mut hoisted = std::collections::BTreeMap::new();
    for target in &targets {
        let wanted = component_name(&target[SCHEMAS.len()..]).unwrap_or_default();
        let mut name = wanted.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        hoisted.insert(target.clone(), name);
    }
    // Deepest first: a hoisted part inside another is a reference by the time its whole moves.
    targets.sort_by_key(|t| std::cmp::Reverse(t.matches('/').count()));
    for target in &targets {
        let name = &hoisted[target];
        let reference = json_ref(name);
        let Some(slot) = document.pointer_mut(target) else {
            continue;
        };
        let schema = std::mem::replace(slot, reference);
        document["components"]["schemas"][name] = schema;
        warnings.push(Warning {
            pointer: target.clone(),
            message: format!(
                "a schema that other places refer to inside its component: read as the \
                 component `{name}`"
            ),
        });
    }
    retarget(document, &hoisted);
}

fn json_ref(component: &str) -> Value {
    let mut reference = serde_json::Map::new();
    reference.insert(
        "$ref".into(),
        Value::String(format!("#/components/schemas/{}", pointer_token(component))),
    );
    Value::Object(reference)
}

/// A component key for the schema at `path` inside `/components/schemas/`: the component and
/// the names on the way (`Server/properties/ipConfiguration/allOf/0` is
/// `Server_ipConfiguration_allOf0`); `None` when `path` is not a schema's place (an example's
/// member, say).
fn component_name(path: &str) -> Option<String> {
    let tokens: Vec<String> = path.split('/').map(unescape_token).collect();
    let mut parts = vec![tokens[0].clone()];
    let mut i = 1;
    while i < tokens.len() {
        let next = tokens.get(i + 1);
        match (tokens[i].as_str(), next) {
            ("properties" | "patternProperties" | "definitions" | "$defs", Some(name)) => {
                parts.push(name.clone());
                i += 2;
            }
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", Some(index))
                if index.parse::<usize>().is_ok() =>
            {
                parts.push(format!("{}{index}", tokens[i]));
                i += 2;
            }
            ("items", _) => {
                parts.push("item".into());
                i += 1;
            }
            ("additionalProperties", _) => {
                parts.push("value".into());
                i += 1;
            }
            ("not", _) => {
                parts.push("not".into());
                i += 1;
            }
            _ => return None,
        }
    }
    Some(parts.join("_"))
}

/// Every `$ref` to a hoisted place, or through one, pointed at its component.
fn retarget(value: &mut Value, hoisted: &std::collections::BTreeMap<String, String>) {
    rewrite_refs(value, &mut |target| {
        if !target.starts_with("#/") {
            return None;
        }
        let pointer = plain_pointer(target);
        // The deepest hoisted place the pointer is or goes through.
        let (place, name) = std::iter::successors(Some(pointer.as_str()), |p| {
            p.rsplit_once('/')
                .map(|(parent, _)| parent)
                .filter(|p| !p.is_empty())
        })
        .find_map(|place| Some((place, hoisted.get(place)?)))?;
        let rest = &pointer[place.len()..];
        Some(format!(
            "#/components/schemas/{}{rest}",
            pointer_token(name)
        ))
    });
}

/// Every `$ref` under `value` that `rewrite` gives a new target is pointed at it: the one walk
/// over references for every pass that moves what they name.
pub(super) fn rewrite_refs(value: &mut Value, rewrite: &mut dyn FnMut(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                if let Some(moved) = rewrite(target) {
                    *target = moved;
                }
            }
            // Every place, examples too: a property or a response may be called `default`.
            map.values_mut()
                .for_each(|child| rewrite_refs(child, rewrite));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| rewrite_refs(child, rewrite)),
        _ => {}
    }
}

/// Whether the place `at` is `place` or inside it (token by token: `/paths/~1items` is not
/// inside `/paths/~1item`).
fn is_within(at: &str, place: &str) -> bool {
    at == place
        || at
            .strip_prefix(place)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// How many JSON values `value` holds, itself included.
fn size(value: &Value) -> usize {
    let mut count = 0usize;
    let mut stack = vec![value];
    while let Some(value) = stack.pop() {
        count += 1;
        match value {
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    count
}

fn drop_callbacks(document: &mut Value, warnings: &mut Vec<Warning>) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if let Some(operation) = operation.as_object_mut() {
                if operation.shift_remove("callbacks").is_some() {
                    warnings.push(Warning {
                        pointer: format!("/paths/{}/{}/callbacks", pointer_token(path), pointer_token(method)),
                        message: "callbacks are requests the server makes; no client code is generated for them".into(),
                    });
                }
            }
        }
    }
}

/// Flask-RESTX's wildcard field (`fields.Wildcard(X)`, written as a property named `*` with the
/// schema `{type: object, additionalProperties: X}`) stands for every key the model does not
/// declare, with values `X`: it becomes the schema's `additionalProperties`. A model that is
/// only a wildcard is then a map. Values (examples, defaults, enums) are not schemas and are
/// left alone.
fn wildcards(value: &mut Value, pointer: String, warnings: &mut Vec<Warning>) {
    const WILDCARD: &str = "*";
    match value {
        Value::Object(map) => {
            let wildcard = map
                .get_mut("properties")
                .and_then(Value::as_object_mut)
                .and_then(|properties| properties.shift_remove(WILDCARD));
            if let Some(wildcard) = wildcard {
                warnings.push(Warning {
                    pointer: format!("{pointer}/properties/{}", pointer_token(WILDCARD)),
                    message: "Flask-RESTX's wildcard field: read as every other key, with values of its schema".into(),
                });
                let values = match &wildcard {
                    Value::Object(w)
                        if w.get("type") == Some(&Value::from("object"))
                            && w.get("properties")
                                .is_none_or(|p| p.as_object().is_some_and(|p| p.is_empty())) =>
                    {
                        w.get("additionalProperties")
                            .cloned()
                            .unwrap_or(Value::Bool(true))
                    }
                    _ => wildcard,
                };
                map.insert("additionalProperties".into(), values);
                if map
                    .get("properties")
                    .and_then(Value::as_object)
                    .is_some_and(|p| p.is_empty())
                {
                    map.shift_remove("properties");
                }
                if let Some(Value::Array(required)) = map.get_mut("required") {
                    required.retain(|name| name != WILDCARD);
                }
            }
            for (key, child) in map.iter_mut() {
                if matches!(key.as_str(), "example" | "examples" | "default" | "enum") {
                    continue;
                }
                wildcards(child, format!("{pointer}/{}", pointer_token(key)), warnings);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                wildcards(child, format!("{pointer}/{i}"), warnings);
            }
        }
        _ => {}
    }
}

/// Every `{"$ref": "#/…"}` whose target is not a whole component: where, and the target.
fn outside_refs(value: &Value, pointer: String, found: &mut Vec<(String, String)>) {
    refs_where(
        value,
        pointer,
        &|target| target.starts_with("#/") && !names_a_component(target),
        found,
    );
}

/// Every `$ref` whose target `wanted` picks: where, and the target.
fn refs_where(
    value: &Value,
    pointer: String,
    wanted: &dyn Fn(&str) -> bool,
    found: &mut Vec<(String, String)>,
) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                if wanted(target) {
                    found.push((pointer, target.clone()));
                }
                return;
            }
            for (key, child) in map {
                let at = format!("{pointer}/{}", pointer_token(key));
                refs_where(child, at, wanted, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                refs_where(child, format!("{pointer}/{i}"), wanted, found);
            }
        }
        _ => {}
    }
}

/// `#/components/<section>/<key>`, exactly: what the builder resolves by name.
fn names_a_component(reference: &str) -> bool {
    reference
        .strip_prefix("#/components/")
        .is_some_and(|rest| rest.split('/').count() == 2)
}

/// The JSON pointer of a `#/…` reference after `decode_refs`, which wrote every reference as
/// the plain pointer it names: decoding again would misread a `%` in a name.
fn plain_pointer(reference: &str) -> String {
    reference.trim_start_matches('#').to_owned()
}

/// The JSON pointer of a `#/…` reference, its tokens percent-decoded as URI fragments are.
pub(super) fn pointer_of(reference: &str) -> String {
    let fragment = reference.trim_start_matches('#');
    percent_decode(fragment)
}

fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = plain_pointer(reference);
    let mut current = document;
    for token in pointer.split('/').skip(1) {
        let token = unescape_token(token);
        current = match current {
            Value::Object(map) => map.get(&token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_outside_components_are_copied_and_callbacks_dropped() {
        let mut document = json!({"paths": {
            "/a": {"get": {"responses": {"401": {"description": "no"}},
                           "callbacks": {"x": {"$ref": "#/components/callbacks/x"}}}},
            "/b": {"get": {"responses": {"401": {"$ref": "#/paths/~1a/get/responses/401"}}}},
            "/c": {"get": {"responses": {"401": {"$ref": "#/paths/~1c/get"}}}}
        }, "components": {"schemas": {
            "User": {"properties": {"id": {"type": "integer"}}},
            "Account": {"properties": {"user": {"$ref": "#/components/schemas/User"},
                                       "userId": {"$ref": "#/components/schemas/User/properties/id"}}}
        }}});
        let warnings = normalize(&mut document).unwrap();
        assert_eq!(
            document["paths"]["/b"]["get"]["responses"]["401"],
            json!({"description": "no"})
        );
        assert!(document["paths"]["/a"]["get"].get("callbacks").is_none());
        // A schema inside a component is made a component of its own, which both refer to.
        let schemas = &document["components"]["schemas"];
        let account = &schemas["Account"]["properties"];
        assert_eq!(
            account["userId"],
            json!({"$ref": "#/components/schemas/User_id"})
        );
        assert_eq!(schemas["User"]["properties"]["id"], account["userId"]);
        assert_eq!(schemas["User_id"], json!({"type": "integer"}));
        assert_eq!(
            account["user"],
            json!({"$ref": "#/components/schemas/User"})
        );
        // Into its own enclosing value: left as it is, for the builder to refuse.
        assert_eq!(
            document["paths"]["/c"]["get"]["responses"]["401"]["$ref"],
            "#/paths/~1c/get"
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
    }

    /// Azure's documents refer into files beside them, which the generator does not read: a
    /// schema so named is any JSON, with a warning at its place; a parameter is refused there,
    /// at its place as written; headers and callbacks, which the client does not read, and
    /// examples, which are data, are left alone.
    #[test]
    fn references_into_other_files_are_any_json_or_refused_by_place() {
        let mut document = json!({"paths": {"/a": {"get": {
            "callbacks": {"ev": {"$ref": "./cb.yaml#/ev"}},
            "responses": {"200": {"description": "ok",
                "headers": {"X-Rate": {"$ref": "./h.yaml#/Rate"}}}}}}},
            "components": {"schemas": {
            "Subnet": {"$ref": "./virtualNetwork.json#/definitions/Subnet"},
            "Nic": {"properties": {
                "ip": {"$ref": "./networkInterface.json#/definitions/IPConfiguration",
                       "description": "Its address"},
                "peers": {"items": {"$ref": "peers.yaml"}},
                "callbacks": {"$ref": "./c.json#/definitions/C"},
                "example": {"$ref": "./example.json#/definitions/Example"},
                "properties": {"type": "object",
                               "example": {"src": {"$ref": "https://x/y"}}}},
                "example": {"ip": {"$ref": "https://example.com/a"}}}
        }}});
        let mut warnings = Vec::new();
        other_files(&mut document, &mut warnings).unwrap();
        let schemas = &document["components"]["schemas"];
        assert_eq!(schemas["Subnet"], json!({}));
        assert_eq!(
            schemas["Nic"]["properties"]["ip"],
            json!({"description": "Its address"})
        );
        assert_eq!(schemas["Nic"]["properties"]["peers"]["items"], json!({}));
        // Examples are data, a header and a callback are not read: all left as they are.
        assert_eq!(
            schemas["Nic"]["example"]["ip"]["$ref"],
            "https://example.com/a"
        );
        let responses = &document["paths"]["/a"]["get"]["responses"];
        assert_eq!(
            responses["200"]["headers"]["X-Rate"]["$ref"],
            "./h.yaml#/Rate"
        );
        let mut places: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
        places.sort();
        assert_eq!(
            places,
            [
                "/components/schemas/Nic/properties/callbacks",
                "/components/schemas/Nic/properties/example",
                "/components/schemas/Nic/properties/ip",
                "/components/schemas/Nic/properties/peers/items",
                "/components/schemas/Subnet",
            ]
        );
        assert!(warnings
            .iter()
            .any(|w| w.message.contains("./virtualNetwork.json")));

        // Swagger 2.0, as written: the body first, then the reference, refused at its index.
        let mut document = json!({"swagger": "2.0", "paths": {"/a": {"put": {
            "parameters": [{"name": "b", "in": "body", "schema": {}},
                           {"$ref": "./common.json#/parameters/ApiVersion"}],
            "responses": {}}}}});
        let refusal = other_files(&mut document, &mut Vec::new()).unwrap_err();
        assert_eq!(refusal.pointer, "/paths/~1a/put/parameters/1");
        assert!(refusal.message.contains("bundle"), "{}", refusal.message);

        // A shared parameter named like a schema keyword is a parameter still.
        let mut document = json!({"components": {"parameters": {
            "items": {"$ref": "./p.json#/parameters/Items"}}}});
        let refusal = other_files(&mut document, &mut Vec::new()).unwrap_err();
        assert_eq!(refusal.pointer, "/components/parameters/items");
    }

    #[test]
    fn percent_encoded_references_name_their_targets() {
        let mut document = json!({"paths": {}, "components": {"schemas": {
            "Ref (of Bundle)": {"type": "object"},
            "A%20B": {"type": "object", "properties": {"x": {"type": "string"}}},
            "5%AB": {"type": "object", "properties": {"x": {"type": "integer"}}},
            "Use": {"properties": {
                "bundle": {"$ref": "#/components/schemas/Ref%20(of%20Bundle)"},
                "literal": {"$ref": "#/components/schemas/A%20B"},
                "literalPart": {"$ref": "#/components/schemas/A%20B/properties/x"},
                "percentPart": {"$ref": "#/components/schemas/5%25AB/properties/x"}}}
        }}});
        normalize(&mut document).unwrap();
        let schemas = &document["components"]["schemas"];
        // Parts of components became components of their own, found by their names as written.
        assert_eq!(schemas["A%20B_x"], json!({"type": "string"}));
        assert_eq!(schemas["5%AB_x"], json!({"type": "integer"}));
        let properties = &document["components"]["schemas"]["Use"]["properties"];
        assert_eq!(
            properties["bundle"]["$ref"],
            "#/components/schemas/Ref (of Bundle)"
        );
        assert_eq!(properties["literal"]["$ref"], "#/components/schemas/A%20B");
    }

    /// A part of a component schema that refers to its whole (as bundlers write recursive
    /// parts) is a component of its own: the recursion stays a reference, nothing is copied.
    #[test]
    fn a_shared_part_of_a_schema_becomes_a_component() {
        let mut document = json!({"paths": {}, "components": {"schemas": {
            "Server": {"properties": {"config": {"properties": {
                "parent": {"$ref": "#/components/schemas/Server/properties/config"},
                "note": {"type": "string", "example": {"text": "x"}}}}}},
            "Other": {"properties": {"config": {"$ref": "#/components/schemas/Server/properties/config"},
                                     "text": {"$ref": "#/components/schemas/Server/properties/config/properties/note/example/text"}}}
        }}});
        normalize(&mut document).unwrap();
        let schemas = &document["components"]["schemas"];
        let shared = json!({"$ref": "#/components/schemas/Server_config"});
        assert_eq!(schemas["Server"]["properties"]["config"], shared);
        assert_eq!(schemas["Other"]["properties"]["config"], shared);
        assert_eq!(schemas["Server_config"]["properties"]["parent"], shared);
        // Not a schema's place: copied, as before.
        assert_eq!(schemas["Other"]["properties"]["text"], json!("x"));
    }

    /// References that name no whole component, each target holding ten more of them a level
    /// down: copying every one would make 10^12 values. The copies stop at the budget, with an
    /// error at a reference. (Before: the copies grew pass after pass until the process was
    /// killed for memory, as 39 Swagger 2.0 documents of the APIs.guru directory were.)
    #[test]
    fn copies_of_copies_stop_at_a_budget() {
        let mut levels = serde_json::Map::new();
        for level in 0..12 {
            let refs: serde_json::Map<String, Value> = (0..10)
                .map(|i| {
                    let target = json!({"$ref": format!("#/x/l{}", level + 1)});
                    (format!("p{i}"), target)
                })
                .collect();
            levels.insert(format!("l{level}"), json!({"properties": refs}));
        }
        levels.insert("l12".into(), json!({"type": "string"}));
        let mut document = json!({
            "x": levels,
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/x/l0"}}}}}
        });
        let started = std::time::Instant::now();
        let error = normalize(&mut document).unwrap_err();
        assert!(
            error.message.contains("make the target a component"),
            "{}",
            error.message
        );
        assert!(error.pointer.starts_with('/'), "{}", error.pointer);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}

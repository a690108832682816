//! Valid sample values for every operation's parameters and bodies, derived from the upstream
//! document's schemas: the `example` where there is one, else the first enum value, a valid
//! default, or the smallest value that meets the type, format and length constraints.
//!
//! It needs only `serde` and `serde_json`, so that programs outside this crate (the corpus
//! check's runner, `cargo xtask corpus --prism`) can include it as a module.

use serde_json::{json, Map, Value};

/// Samples from one OpenAPI document.
pub struct DocumentSamples {
    document: Value,
}

impl DocumentSamples {
    pub fn new(document: Value) -> Self {
        DocumentSamples { document }
    }

    fn operation(&self, method: &str, path: &str) -> (&Value, &Value) {
        let item = &self.document["paths"][path];
        (item, &item[method.to_ascii_lowercase()])
    }

    /// The JSON sample for a required parameter.
    pub fn parameter_value(&self, method: &str, path: &str, name: &str) -> Value {
        let (item, operation) = self.operation(method, path);
        let parameters = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(item["parameters"].as_array().into_iter().flatten());
        let parameter = parameters
            .map(|p| self.resolve(p))
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"));
        let schema = self.resolve(&parameter["schema"]);
        if let Some(default) = schema
            .get("default")
            .filter(|d| d.is_string() && schema.get("format").is_none())
        {
            if schema
                .get("enum")
                .is_none_or(|e| e.as_array().is_some_and(|e| e.contains(default)))
            {
                return default.clone();
            }
        }
        self.sample(schema, 0)
    }

    /// The JSON sample for a request body.
    pub fn body_value(&self, method: &str, path: &str) -> Value {
        let (_, operation) = self.operation(method, path);
        let body = self.resolve(&operation["requestBody"]);
        let content = body["content"]
            .as_object()
            .expect("request body has content");
        let media = content
            .get("application/json")
            .or_else(|| content.values().next())
            .expect("request body has a media type");
        self.sample(&media["schema"], 0)
    }

    /// The JSON sample for an operation's success answer: its first 2xx JSON schema's.
    pub fn answer_value(&self, method: &str, path: &str) -> Value {
        let (_, operation) = self.operation(method, path);
        let responses = operation["responses"].as_object().into_iter().flatten();
        let schema = responses
            .filter(|(status, _)| status.starts_with('2'))
            .filter_map(|(_, response)| {
                let content = self.resolve(response)["content"].as_object()?;
                content
                    .iter()
                    .find(|(media, _)| media.contains("json"))
                    .map(|(_, media)| media["schema"].clone())
            })
            .next()
            .unwrap_or(Value::Null);
        self.sample(&schema, 0)
    }

    /// The JSON sample for a form field.
    pub fn form_field_value(&self, method: &str, path: &str, name: &str) -> Value {
        let (properties, _) = self.multipart_fields(method, path).unwrap_or_default();
        self.sample(properties.get(name).unwrap_or(&Value::Null), 0)
    }

    /// The fields of `method path`'s multipart form, and the names of the required ones,
    /// wherever its `allOf` parts declare them (as the generator reads it); `None` without one.
    fn multipart_fields(
        &self,
        method: &str,
        path: &str,
    ) -> Option<(Map<String, Value>, Vec<String>)> {
        let (_, operation) = self.operation(method, path);
        let body = self.resolve(&operation["requestBody"]);
        let schema = &body["content"].get("multipart/form-data")?["schema"];
        let (mut properties, mut required_names) = (Map::new(), Vec::new());
        self.object_parts(schema, &mut properties, &mut required_names, 0);
        Some((properties, required_names))
    }

    /// Whether `method path` takes a multipart form with an array field: sent one part per
    /// item, as OpenAPI forms send arrays, which Prism reads as a single value however many
    /// parts there are.
    pub fn multipart_array(&self, method: &str, path: &str) -> bool {
        self.multipart_fields(method, path)
            .is_some_and(|(properties, _)| {
                properties
                    .values()
                    .any(|p| self.resolve(p)["type"] == "array")
            })
    }

    /// Why the samples cannot make `method path`'s body: it is XML, which they do not write
    /// (the client takes such bodies as bytes the caller writes).
    pub fn unsampled_body(&self, method: &str, path: &str) -> Option<String> {
        let (_, operation) = self.operation(method, path);
        let body = self.resolve(&operation["requestBody"]);
        let media_types: Vec<&String> = body["content"].as_object()?.keys().collect();
        let structured = |m: &&&String| {
            m.contains("json") || m.starts_with("multipart/") || m.contains("urlencoded")
        };
        if media_types.iter().any(|m| structured(&m)) {
            return None;
        }
        let xml = media_types.into_iter().find(|m| m.contains("xml"))?;
        Some(format!(
            "the body is XML (`{xml}`), which the samples do not write"
        ))
    }

    /// Whether `method path` declares its successes only as `*/*` (the client asks for JSON).
    pub fn wildcard_answers(&self, method: &str, path: &str) -> bool {
        let (_, operation) = self.operation(method, path);
        let successes = operation["responses"].as_object().into_iter().flatten();
        let mut media = successes
            .filter(|(status, _)| status.starts_with('2'))
            .flat_map(|(_, r)| self.resolve(r)["content"].as_object().into_iter().flatten())
            .map(|(media, _)| media.as_str())
            .peekable();
        media.peek().is_some() && media.all(|m| m == "*/*")
    }

    /// Whether `method path` takes a multipart form none of whose fields is required: the calls
    /// set none, and the empty form they send is a body Prism takes for none.
    pub fn empty_form(&self, method: &str, path: &str) -> bool {
        self.multipart_fields(method, path)
            .is_some_and(|(_, required_names)| required_names.is_empty())
    }

    /// Why no request to `method path` can meet the document, where its path, its parameters or
    /// the required parts of its body say something no value meets (see [`Self::contradiction`]).
    pub fn request_contradiction(&self, method: &str, path: &str) -> Option<String> {
        if path.contains('?') {
            return Some(format!(
                "the path `{path}` holds a query string, which an OpenAPI path cannot: servers \
                 route on the path without it"
            ));
        }
        let (item, operation) = self.operation(method, path);
        let parameters = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(item["parameters"].as_array().into_iter().flatten())
            .map(|p| self.resolve(p))
            .filter(|p| p["required"] == true)
            .map(|p| (format!("parameter {}", p["name"]), &p["schema"]));
        let body = self.resolve(&operation["requestBody"]);
        let bodies = body["content"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(media, content)| (format!("{media} body"), &content["schema"]));
        parameters
            .chain(bodies)
            .find_map(|(place, schema)| self.contradiction(schema, &place, false))
    }

    /// Why no answer of `method path` can meet the document (see [`Self::contradiction`]).
    pub fn answer_contradiction(&self, method: &str, path: &str) -> Option<String> {
        let (_, operation) = self.operation(method, path);
        let responses = operation["responses"].as_object().into_iter().flatten();
        responses.into_iter().find_map(|(status, response)| {
            let response = self.resolve(response);
            let contents = response["content"].as_object().into_iter().flatten();
            contents.into_iter().find_map(|(media, content)| {
                let place = format!("{status} {media} answer");
                self.contradiction(&content["schema"], &place, true)
            })
        })
    }

    /// The first thing `schema` (and the schemas a value of it must meet: `allOf`/`oneOf`/
    /// `anyOf` parts, its required properties, or all of them with `every_property`, items)
    /// says that no value meets, where a sample
    /// cannot help and a client is not at fault. Only shapes that are contradictions by the
    /// letter of JSON Schema are named:
    /// - `additionalProperties: false` beside properties declared elsewhere (in `allOf`
    ///   parts, or required but not declared): the keyword sees only its sibling `properties`,
    ///   so each of those is refused;
    /// - a `pattern` written as a JavaScript literal (`/^[a-z]+$/`), which as a JSON Schema
    ///   pattern asks for the slashes too;
    /// - a property whose `type` differs between the object and its `allOf` parts.
    pub fn contradiction(
        &self,
        schema: &Value,
        place: &str,
        every_property: bool,
    ) -> Option<String> {
        self.contradiction_in(schema, place, every_property, &mut Vec::new(), 0)
    }

    fn contradiction_in(
        &self,
        schema: &Value,
        place: &str,
        every_property: bool,
        seen: &mut Vec<String>,
        depth: usize,
    ) -> Option<String> {
        let mut place = place.to_owned();
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if seen.iter().any(|s| s == reference) {
                return None;
            }
            seen.push(reference.to_owned());
            place = reference
                .trim_start_matches("#/components/schemas/")
                .to_owned();
        }
        let schema = self.resolve(schema);
        if depth > 24 || !schema.is_object() {
            return None;
        }
        let own = schema["properties"].as_object();
        let declared_here = |name: &str| own.is_some_and(|p| p.contains_key(name));
        let parts: Vec<&Value> = ["allOf", "oneOf", "anyOf"]
            .into_iter()
            .flat_map(|k| schema[k].as_array().into_iter().flatten())
            .collect();
        if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
            let mut elsewhere: Vec<String> = Vec::new();
            for part in &parts {
                let mut properties = Map::new();
                self.object_parts(part, &mut properties, &mut Vec::new(), 0);
                elsewhere.extend(properties.keys().cloned());
            }
            elsewhere.extend(required(schema).into_iter().map(str::to_owned));
            if let Some(name) = elsewhere.iter().find(|n| !declared_here(n)) {
                return Some(format!(
                    "{place} is closed (`additionalProperties: false`) but `{name}` is not among \
                     its own properties (it is declared in a part or only required): every \
                     value with it is refused"
                ));
            }
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            if pattern.len() > 2 && pattern.starts_with('/') && pattern.rfind('/') > Some(0) {
                return Some(format!(
                    "{place}'s pattern {pattern:?} is written as a JavaScript literal; as a JSON \
                     Schema pattern it asks for the slashes too"
                ));
            }
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            let mut properties = Map::new();
            self.object_parts(part, &mut properties, &mut Vec::new(), 0);
            for (name, theirs) in &properties {
                let Some(ours) = own.and_then(|p| p.get(name)) else {
                    continue;
                };
                let type_of = |s: &Value| self.resolve(s)["type"].as_str().map(str::to_owned);
                if let (Some(a), Some(b)) = (type_of(ours), type_of(theirs)) {
                    if a != b {
                        return Some(format!(
                            "{place}'s property `{name}` is {a} in its own properties and {b} in \
                             an `allOf` part: no value is both"
                        ));
                    }
                }
            }
        }
        // On into what a value must contain: parts, required properties, items.
        let names = required(schema);
        let inner_properties = own
            .into_iter()
            .flatten()
            .filter(|(name, _)| every_property || names.contains(&name.as_str()));
        for (name, property) in inner_properties {
            let inner = format!("{place}.{name}");
            let found = self.contradiction_in(property, &inner, every_property, seen, depth + 1);
            if let Some(found) = found {
                return Some(found);
            }
        }
        for part in parts {
            if let Some(found) =
                self.contradiction_in(part, &place, every_property, seen, depth + 1)
            {
                return Some(found);
            }
        }
        if let Some(items) = schema.get("items") {
            let place = format!("{place}[]");
            return self.contradiction_in(items, &place, every_property, seen, depth + 1);
        }
        None
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        let mut value = value;
        for _ in 0..16 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(reference) => {
                    let pointer = reference.trim_start_matches('#');
                    value = self.document.pointer(pointer).unwrap_or(&Value::Null);
                }
                None => break,
            }
        }
        value
    }

    fn sample(&self, schema: &Value, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > 8 {
            return Value::Null;
        }
        // A document's example is used only where it meets its own schema (some lack required
        // properties or hold `null` where the schema does not allow it).
        if let Some(example) = schema.get("example").filter(|e| self.fits(schema, e, 0)) {
            return example.clone();
        }
        // The first enum value that is a value (not `null`, not empty: a path segment cannot be).
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let usable = |v: &&Value| !v.is_null() && v.as_str() != Some("");
            if let Some(first) = values.iter().find(usable).or(values.first()) {
                return first.clone();
            }
        }
        // `allOf` of one part that shapes, and nothing else, is that part (as the generator
        // reads it: parts that only describe do not count).
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            if let [part] = shaping_parts(parts).as_slice() {
                if schema.get("properties").is_none() && schema.get("required").is_none() {
                    return self.sample(part, depth + 1);
                }
            }
        }
        let declares_object = schema.get("allOf").is_some() || schema.get("properties").is_some();
        if declares_object
            && matches!(
                schema.get("type").and_then(Value::as_str),
                Some("object") | None
            )
        {
            // The required properties, wherever `allOf` declares them and their schemas.
            let mut properties = Map::new();
            let mut required_names = Vec::new();
            self.object_parts(schema, &mut properties, &mut required_names, 0);
            let mut object = Map::new();
            for name in required_names {
                if let Some(property) = properties.get(&name) {
                    object.insert(name.clone(), self.sample(property, depth + 1));
                }
            }
            // A `oneOf` inside an `allOf` part (WireMock's delay distributions): the value is
            // also one of its alternatives, so one's members join in.
            let parts = schema["allOf"].as_array().into_iter().flatten();
            for alternatives in parts.filter_map(|p| self.resolve(p)["oneOf"].as_array()) {
                if let Value::Object(members) = self.one_of(alternatives, depth) {
                    for (name, value) in members {
                        object.entry(name).or_insert(value);
                    }
                }
            }
            return Value::Object(object);
        }
        if let Some(parts) = schema.get("oneOf").and_then(Value::as_array) {
            return self.one_of(parts, depth);
        }
        if let Some(first) = schema.get("anyOf").and_then(|parts| parts.get(0)) {
            return self.sample(first, depth + 1);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => json!({}),
            Some("array") => {
                let count = schema
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                Value::Array(
                    (0..count)
                        .map(|_| self.sample(&schema["items"], depth + 1))
                        .collect(),
                )
            }
            Some("integer") => {
                let value = self.lowest(schema, 1.0, 1.0);
                json!(value as i64)
            }
            Some("number") => json!(self.lowest(schema, 1.5, 0.5)),
            Some("boolean") => json!(true),
            Some("string") => json!(self.string(schema)),
            _ => json!({}),
        }
    }

    /// The lowest number the bounds allow (`fallback` without one), `step` above an exclusive
    /// minimum (OpenAPI 3.0's `exclusiveMinimum: true` beside `minimum`, or 3.1's number).
    fn lowest(&self, schema: &Value, fallback: f64, step: f64) -> f64 {
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
        let exclusive = schema.get("exclusiveMinimum") == Some(&Value::Bool(true));
        let low = match (number("minimum"), number("exclusiveMinimum")) {
            (Some(min), _) if exclusive => min + step,
            (Some(min), _) => min,
            (None, Some(min)) => min + step,
            (None, None) => fallback,
        };
        number("maximum").map_or(low, |high| low.min(high))
    }

    /// A sample for exactly one of `parts`: the first part's own sample that no other part
    /// accepts, as JSON and as the text a parameter is sent as (`1` fits an integer and, as
    /// text, any string); else the first that is unambiguous as JSON; else the first part's.
    ///
    /// An object part is tried with its required properties, then with all it declares (which
    /// tells apart alternatives that require nothing: `{}` fits them all).
    fn one_of(&self, parts: &[Value], depth: usize) -> Value {
        let candidates: Vec<(usize, Value)> = parts
            .iter()
            .enumerate()
            .flat_map(|(i, part)| {
                let minimal = self.sample(part, depth + 1);
                let fuller = self.with_every_property(part, &minimal, depth);
                [Some((i, minimal)), fuller.map(|f| (i, f))]
            })
            .flatten()
            .collect();
        let unambiguous = |as_text: bool| {
            candidates.iter().find(|(i, candidate)| {
                parts.iter().enumerate().all(|(j, part)| {
                    let fits = self.fits(part, candidate, 0)
                        || (as_text && self.fits_text(part, candidate));
                    fits == (j == *i)
                })
            })
        };
        unambiguous(true)
            .or_else(|| unambiguous(false))
            .or_else(|| candidates.first())
            .map_or(Value::Null, |(_, c)| c.clone())
    }

    /// `sample`, an object sample of `schema`, with every property the schema declares; `None`
    /// when it is not an object or has them all already.
    fn with_every_property(&self, schema: &Value, sample: &Value, depth: usize) -> Option<Value> {
        let Value::Object(members) = sample else {
            return None;
        };
        let mut properties = Map::new();
        self.object_parts(schema, &mut properties, &mut Vec::new(), 0);
        let mut fuller = members.clone();
        for (name, property) in &properties {
            if !fuller.contains_key(name) {
                fuller.insert(name.clone(), self.sample(property, depth + 1));
            }
        }
        (fuller.len() > members.len()).then_some(Value::Object(fuller))
    }

    /// Whether `value` meets `schema`, as far as the samples need to tell: types, `nullable`,
    /// enums, the formats the samples write, lengths, bounds, required and declared properties,
    /// closed objects, items, `allOf`, `oneOf` and `anyOf`. Patterns are taken as met (reading
    /// them needs a regular-expression engine, and a sample that misses one is a violation the
    /// check reports, not a wrong verdict here).
    pub fn fits(&self, schema: &Value, value: &Value, depth: usize) -> bool {
        let schema = self.resolve(schema);
        if depth > 16 || !schema.is_object() {
            return true;
        }
        if value.is_null() {
            return schema.get("nullable") == Some(&Value::Bool(true))
                || schema["enum"].as_array().is_some_and(|e| e.contains(value));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if !values.contains(value) {
                return false;
            }
        }
        let parts = |keyword: &str| schema[keyword].as_array().cloned().unwrap_or_default();
        if !parts("allOf")
            .iter()
            .all(|p| self.fits(p, value, depth + 1))
        {
            return false;
        }
        let one_of = parts("oneOf");
        if !one_of.is_empty()
            && one_of
                .iter()
                .filter(|p| self.fits(p, value, depth + 1))
                .count()
                != 1
        {
            return false;
        }
        let any_of = parts("anyOf");
        if !any_of.is_empty() && !any_of.iter().any(|p| self.fits(p, value, depth + 1)) {
            return false;
        }
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
        let type_fits = match (schema.get("type").and_then(Value::as_str), value) {
            (None, _) => true,
            (Some("string"), Value::String(text)) => {
                let length = text.chars().count() as f64;
                number("minLength").is_none_or(|min| length >= min)
                    && number("maxLength").is_none_or(|max| length <= max)
                    && format_fits(schema["format"].as_str(), text)
            }
            (Some("integer"), Value::Number(n)) if n.is_i64() || n.is_u64() => {
                number_fits(schema, n.as_f64().unwrap_or_default())
            }
            (Some("number"), Value::Number(n)) => {
                number_fits(schema, n.as_f64().unwrap_or_default())
            }
            (Some("boolean"), Value::Bool(_)) => true,
            (Some("array"), Value::Array(items)) => {
                number("minItems").is_none_or(|min| items.len() as f64 >= min)
                    && number("maxItems").is_none_or(|max| items.len() as f64 <= max)
                    && items
                        .iter()
                        .all(|item| self.fits(&schema["items"], item, depth + 1))
            }
            (Some("object"), Value::Object(_)) => true,
            _ => false,
        };
        if !type_fits {
            return false;
        }
        if let Value::Object(members) = value {
            let properties = schema["properties"].as_object();
            let declared = |name: &str| properties.and_then(|p| p.get(name));
            if required(schema)
                .iter()
                .any(|name| !members.contains_key(*name))
            {
                return false;
            }
            let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
            for (name, member) in members {
                match declared(name) {
                    Some(property) if !self.fits(property, member, depth + 1) => return false,
                    None if closed => return false,
                    _ => {}
                }
            }
        }
        true
    }

    /// Whether a scalar, sent as the text of a parameter, meets a scalar `schema`: the way a
    /// server reads `1` in a path is as text, which a plain string schema also accepts.
    fn fits_text(&self, schema: &Value, value: &Value) -> bool {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(_) | Value::Bool(_) => value.to_string(),
            _ => return false,
        };
        let schema = self.resolve(schema);
        let as_json = match schema.get("type").and_then(Value::as_str) {
            Some("integer") => text.parse::<i64>().map(Value::from).ok(),
            Some("number") => text.parse::<f64>().ok().map(Value::from),
            Some("boolean") => text.parse::<bool>().ok().map(Value::from),
            Some("string") | None => Some(Value::String(text)),
            Some(_) => None,
        };
        as_json.is_some_and(|v| self.fits(schema, &v, 0))
    }

    /// A string that meets the schema's format and length.
    fn string(&self, schema: &Value) -> String {
        let by_format = match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => "2023-02-28T08:47:25Z",
            Some("date") => "2023-02-28",
            Some("time") => "08:47:25",
            Some("uuid") => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            Some("email") => "user@example.com",
            Some("uri" | "url" | "uri-reference" | "iri") => "https://example.com/a",
            Some("hostname") => "example.com",
            Some("ipv4") => "192.0.2.1",
            Some("ipv6") => "2001:db8::1",
            Some("byte") => "YQ==",
            _ => "",
        };
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
        if !by_format.is_empty() && by_format.len() >= min {
            return by_format.to_owned();
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            // Stretched to the minimum length where the pattern repeats something open-endedly.
            let short = pattern_sample(pattern).map_or(0, |t| t.chars().count());
            if let Some(text) = pattern_sample_of(pattern, min.saturating_sub(short)) {
                return text;
            }
        }
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        "a".repeat(max.map_or(min.max(1), |max| min.max(1).min(max.max(1))))
    }

    /// The properties and required names of an object schema and its `allOf` parts.
    fn object_parts(
        &self,
        schema: &Value,
        properties: &mut Map<String, Value>,
        required_names: &mut Vec<String>,
        depth: usize,
    ) {
        let schema = self.resolve(schema);
        if depth > 16 {
            return;
        }
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.object_parts(part, properties, required_names, depth + 1);
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            properties.insert(name.clone(), property.clone());
        }
        for name in required(schema) {
            if !required_names.iter().any(|n| n == name) {
                required_names.push(name.to_owned());
            }
        }
    }
}

/// A string that matches a regular expression, for the simple ones documents use (literals,
/// classes, `\\d`-style escapes, groups with alternatives, quantifiers, anchors): the first
/// alternative, the first member of each class, the fewest repetitions of at least one.
/// `None` for what it does not read (lookarounds, backreferences).
pub fn pattern_sample(pattern: &str) -> Option<String> {
    pattern_sample_of(pattern, 0)
}

/// As [`pattern_sample`], with the first open-ended repetition (`+`, `*`, `{n,}`) taken
/// `stretch` more times, to reach a `minLength`.
fn pattern_sample_of(pattern: &str, mut stretch: usize) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let text = alternatives(&chars, &mut at, &mut stretch)?;
    (at == chars.len()).then_some(text)
}

/// The first of `a|b|…` up to a `)` or the end.
fn alternatives(chars: &[char], at: &mut usize, stretch: &mut usize) -> Option<String> {
    let first = sequence(chars, at, stretch)?;
    while chars.get(*at) == Some(&'|') {
        *at += 1;
        sequence(chars, at, &mut 0)?;
    }
    Some(first)
}

fn sequence(chars: &[char], at: &mut usize, stretch: &mut usize) -> Option<String> {
    let mut out = String::new();
    while let Some(&c) = chars.get(*at) {
        let atom: String = match c {
            '|' | ')' => break,
            '^' | '$' => {
                *at += 1;
                continue;
            }
            '(' => {
                *at += 1;
                if chars.get(*at) == Some(&'?') {
                    // Only the non-capturing group is read; lookarounds are not.
                    if chars.get(*at + 1) != Some(&':') {
                        return None;
                    }
                    *at += 2;
                }
                let inner = alternatives(chars, at, stretch)?;
                if chars.get(*at) != Some(&')') {
                    return None;
                }
                *at += 1;
                inner
            }
            '[' => class(chars, at)?.to_string(),
            '\\' => {
                let escaped = *chars.get(*at + 1)?;
                *at += 2;
                escape_sample(escaped)?.to_string()
            }
            '.' => {
                *at += 1;
                "a".into()
            }
            _ => {
                *at += 1;
                c.to_string()
            }
        };
        let (mut times, open_ended) = quantifier(chars, at)?;
        if open_ended {
            times += std::mem::take(stretch);
        }
        out.push_str(&atom.repeat(times));
    }
    Some(out)
}

/// A member of `[...]` (or, negated, a character outside it).
fn class(chars: &[char], at: &mut usize) -> Option<char> {
    *at += 1;
    let negated = chars.get(*at) == Some(&'^');
    if negated {
        *at += 1;
    }
    let mut members = Vec::new();
    let mut first = true;
    while let Some(&c) = chars.get(*at) {
        if c == ']' && !first {
            break;
        }
        first = false;
        let member = if c == '\\' {
            *at += 1;
            escape_sample(*chars.get(*at)?)?
        } else {
            c
        };
        *at += 1;
        // A range stands for its first character.
        if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|&n| n != ']') {
            *at += 2;
        }
        members.push(member);
    }
    if chars.get(*at) != Some(&']') {
        return None;
    }
    *at += 1;
    if negated {
        "aZ5-_ .".chars().find(|c| !members.contains(c))
    } else {
        members.first().copied()
    }
}

fn escape_sample(c: char) -> Option<char> {
    Some(match c {
        'd' => '1',
        'w' | 'D' | 'S' => 'a',
        's' => ' ',
        'W' => '-',
        'n' => '\n',
        't' => '\t',
        'b' | 'B' | '1'..='9' | 'k' => return None,
        other => other,
    })
}

/// How many times to repeat the atom before: the fewest its quantifier allows, at least one
/// (so that `a*` still shows an `a`); and whether it may repeat without end.
fn quantifier(chars: &[char], at: &mut usize) -> Option<(usize, bool)> {
    let (times, open_ended) = match chars.get(*at) {
        Some('*' | '+') => {
            *at += 1;
            (1, true)
        }
        Some('?') => {
            *at += 1;
            (1, false)
        }
        Some('{') => {
            let close = chars[*at..].iter().position(|&c| c == '}')? + *at;
            let inside: String = chars[*at + 1..close].iter().collect();
            *at = close + 1;
            let mut bounds = inside.split(',');
            let low = bounds.next()?.trim().parse::<usize>().ok()?.max(1);
            (
                low,
                bounds.next().is_some_and(|high| high.trim().is_empty()),
            )
        }
        _ => (1, false),
    };
    // A lazy or possessive mark changes nothing here.
    if matches!(chars.get(*at), Some('?' | '+')) {
        *at += 1;
    }
    Some((times, open_ended))
}

/// Whether `text` has the shape of the formats the samples write (others are taken as met).
fn format_fits(format: Option<&str>, text: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    match format {
        Some("uuid") => {
            let groups: Vec<&str> = text.split('-').collect();
            groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
                && groups
                    .iter()
                    .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        Some("date") => {
            let parts: Vec<&str> = text.split('-').collect();
            parts.len() == 3 && parts.iter().all(|p| digits(p))
        }
        Some("date-time") => text.len() >= 19 && text.as_bytes()[10].eq_ignore_ascii_case(&b't'),
        Some("email") => text.contains('@'),
        Some("uri" | "url") => {
            text.contains(':')
                && !text.contains(|c: char| c.is_whitespace() || "[]<>\"{}|\\^`".contains(c))
        }
        _ => true,
    }
}

/// Whether a number meets the schema's bounds.
fn number_fits(schema: &Value, n: f64) -> bool {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    // OpenAPI 3.0 writes `exclusiveMinimum: true` beside `minimum`; 3.1 the bound itself.
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    let above = |min: f64| n > min || (n == min && !exclusive("exclusiveMinimum"));
    let below = |max: f64| n < max || (n == max && !exclusive("exclusiveMaximum"));
    bound("minimum").is_none_or(above)
        && bound("maximum").is_none_or(below)
        && bound("exclusiveMinimum").is_none_or(|min| n > min)
        && bound("exclusiveMaximum").is_none_or(|max| n < max)
}

/// The names an object schema says are required.
pub fn required(schema: &Value) -> Vec<&str> {
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Deserialises a sample into the argument type the generated client wants.
pub fn typed<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!("sample for {what} ({value}) does not fit the client's type: {e}")
    })
}

/// The parts of an `allOf` that say something about the shape, as the generator reads them:
/// a part with any keyword that constrains a value (not only a description, a title, an
/// example, or an extension).
pub fn shaping_parts(parts: &[Value]) -> Vec<&Value> {
    const SHAPING: [&str; 33] = [
        "$ref",
        "type",
        "format",
        "enum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "nullable",
        "discriminator",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "const",
        "prefixItems",
        "patternProperties",
        "contains",
        "propertyNames",
        "dependentSchemas",
    ];
    parts
        .iter()
        .filter(|part| {
            part.as_object()
                .is_none_or(|part| part.keys().any(|k| SHAPING.contains(&k.as_str())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{pattern_sample, DocumentSamples};
    use serde_json::json;

    /// PeerTube's `id` is a `oneOf` of an integer, a UUID and a short UUID (any string): `1`
    /// and a UUID each fit two parts, so only the short UUID's example is a valid argument.
    #[test]
    fn one_of_samples_fit_exactly_one_part() {
        let samples = DocumentSamples::new(json!({"components": {"schemas": {
            "id": {"type": "integer", "minimum": 1},
            "uuid": {"type": "string", "format": "uuid", "example": "9c9de5e8-0a1e-484a-b099-e80766180a6d"},
            "short": {"type": "string", "example": "2y84q2MQUMWPbiEcxNXMgC"},
        }}}));
        let one_of = json!({"oneOf": [
            {"$ref": "#/components/schemas/id"},
            {"$ref": "#/components/schemas/uuid"},
            {"$ref": "#/components/schemas/short"},
        ]});
        assert_eq!(samples.sample(&one_of, 0), json!("2y84q2MQUMWPbiEcxNXMgC"));
    }

    /// What no value meets is named (ShipEngine's closed bodies with properties in `allOf`
    /// parts, PeerTube's JavaScript-literal patterns, Personio's `value` typed two ways); what
    /// values can meet is not.
    #[test]
    fn contradictions_in_documents_are_named() {
        let samples = DocumentSamples::new(json!({"components": {"schemas": {
            "options": {"type": "object", "properties": {"rate_options": {"type": "object"}}},
            "attribute": {"type": "object", "properties": {"value": {"type": "object"}}},
        }}}));
        let closed = json!({
            "type": "object",
            "additionalProperties": false,
            "allOf": [{"$ref": "#/components/schemas/options"}],
            "required": ["rate_options"],
        });
        let found = samples.contradiction(&closed, "body", false).unwrap();
        assert!(found.contains("`rate_options` is not among"), "{found}");
        let literal = json!({"type": "object", "required": ["username"], "properties": {
            "username": {"type": "string", "pattern": "/^[a-z0-9._]+$/"},
        }});
        let found = samples.contradiction(&literal, "body", false).unwrap();
        assert!(found.contains("JavaScript literal"), "{found}");
        let two_ways = json!({
            "allOf": [{"$ref": "#/components/schemas/attribute"}],
            "properties": {"value": {"type": "array", "items": {}}},
        });
        let found = samples.contradiction(&two_ways, "answer", true).unwrap();
        assert!(found.contains("`value` is array"), "{found}");
        // A closed object whose properties are its own, an optional part not sent, a pattern
        // with a slash inside: all can be met.
        let fine = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["path"],
            "properties": {
                "path": {"type": "string", "pattern": "^a/b$"},
                "unsent": {"type": "string", "pattern": "/x/"},
            },
        });
        assert_eq!(samples.contradiction(&fine, "body", false), None);
    }

    /// An example that breaks its own schema (a required property missing, `null` where the
    /// schema does not allow it) is not used; the sample is made from the schema instead.
    #[test]
    fn examples_that_break_their_schema_are_not_used() {
        let samples = DocumentSamples::new(json!({}));
        let schema = json!({
            "type": "object",
            "required": ["comment", "date"],
            "properties": {"comment": {"type": "string"}, "date": {"type": "string", "format": "date"}},
            "example": {"comment": null, "date": "2017-01-18"},
        });
        assert_eq!(
            samples.sample(&schema, 0),
            json!({"comment": "a", "date": "2023-02-28"})
        );
        let fitting =
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "example": 0});
        assert!(!samples.fits(&fitting, &json!(0), 0));
        assert!(samples.fits(&fitting, &json!(1), 0));
    }

    #[test]
    fn patterns_give_a_matching_string() {
        let cases = [
            ("^CR[0-9a-fA-F]{32}$", Some(format!("CR{}", "0".repeat(32)))),
            (
                "^[A-Z]{2}\\d{2}[A-Z0-9]{11,30}$",
                Some(format!("AA11{}", "A".repeat(11))),
            ),
            ("(foo|bar)-[^0-9]+", Some("foo-a".to_owned())),
            ("^\\w+@\\w+\\.com$", Some("a@a.com".to_owned())),
            ("a(?=b)", None),
            ("^\\d{3,}-x*$", Some("111-x".to_owned())),
        ];
        for (pattern, expected) in cases {
            assert_eq!(pattern_sample(pattern), expected, "{pattern}");
        }
        // lgtm's 40-character analysis ids: `[a-f0-9]+` with `minLength: 40`.
        assert_eq!(
            super::pattern_sample_of("[a-f0-9]+", 39),
            Some("a".repeat(40))
        );
        assert_eq!(
            super::pattern_sample_of("^\\d{3,}-x*$", 2),
            Some("11111-x".to_owned())
        );
    }
}

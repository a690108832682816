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

    /// The JSON sample for a form field.
    pub fn form_field_value(&self, method: &str, path: &str, name: &str) -> Value {
        let (_, operation) = self.operation(method, path);
        let body = self.resolve(&operation["requestBody"]);
        let schema = self.resolve(&body["content"]["multipart/form-data"]["schema"]);
        self.sample(&schema["properties"][name], 0)
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
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        // The first enum value that is a value (not `null`, not empty: a path segment cannot be).
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let usable = |v: &&Value| !v.is_null() && v.as_str() != Some("");
            if let Some(first) = values.iter().find(usable).or(values.first()) {
                return first.clone();
            }
        }
        // `allOf` of one part and nothing else is that part (as the generator reads it).
        if let Some([part]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            if schema.get("properties").is_none() {
                return self.sample(part, depth + 1);
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
            return Value::Object(object);
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(first) = schema.get(keyword).and_then(|parts| parts.get(0)) {
                return self.sample(first, depth + 1);
            }
        }
        let number = |key: &str| schema.get(key).and_then(Value::as_f64);
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
                let low = number("minimum")
                    .or_else(|| number("exclusiveMinimum").map(|m| m + 1.0))
                    .unwrap_or(1.0);
                let value = number("maximum").map_or(low, |high| low.min(high));
                json!(value as i64)
            }
            Some("number") => {
                let low = number("minimum").unwrap_or(1.5);
                json!(number("maximum").map_or(low, |high| low.min(high)))
            }
            Some("boolean") => json!(true),
            Some("string") => json!(self.string(schema)),
            _ => json!({}),
        }
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

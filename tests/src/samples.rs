//! Valid sample values for every operation's parameters and bodies, derived from the upstream
//! document's schemas: the `example` where there is one, else the first enum value, a valid
//! default, or the smallest value that meets the type, format and length constraints.

use serde_json::{json, Map, Value};

/// Samples from one OpenAPI document.
pub struct DocumentSamples {
    document: Value,
}

impl DocumentSamples {
    pub fn new(document: Value) -> Self {
        DocumentSamples { document }
    }

    /// The upstream Contract.fit document, as Prism serves it.
    pub fn contract_fit() -> Self {
        let path = crate::root().join("spec/contract-fit.yaml");
        Self::new(
            contractfit_codegen::load::read_value(&path).expect("spec/contract-fit.yaml reads"),
        )
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
        if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
            return first.clone();
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(object) = self.sample(part, depth + 1) {
                    merged.extend(object);
                }
            }
            return Value::Object(merged);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") | None if schema.get("properties").is_some() => {
                let required = required(schema);
                let mut object = Map::new();
                for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                    if required.contains(&name.as_str()) {
                        object.insert(name.clone(), self.sample(property, depth + 1));
                    }
                }
                Value::Object(object)
            }
            Some("object") => json!({}),
            Some("array") => json!([self.sample(&schema["items"], depth + 1)]),
            Some("integer") => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
            Some("number") => json!(1.5),
            Some("boolean") => json!(true),
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2023-02-28T08:47:25Z"),
                Some("date") => json!("2023-02-28"),
                _ => {
                    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1);
                    json!("a".repeat(min.max(1) as usize))
                }
            },
            _ => json!({}),
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

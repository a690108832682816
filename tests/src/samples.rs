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
        // The field may be declared in an `allOf` part, as the generator reads it.
        let mut properties = Map::new();
        self.object_parts(schema, &mut properties, &mut Vec::new(), 0);
        self.sample(properties.get(name).unwrap_or(&Value::Null), 0)
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
        if let Some(text) = schema
            .get("pattern")
            .and_then(Value::as_str)
            .and_then(pattern_sample)
        {
            return text;
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
    let chars: Vec<char> = pattern.chars().collect();
    let mut at = 0;
    let text = alternatives(&chars, &mut at)?;
    (at == chars.len()).then_some(text)
}

/// The first of `a|b|…` up to a `)` or the end.
fn alternatives(chars: &[char], at: &mut usize) -> Option<String> {
    let first = sequence(chars, at)?;
    while chars.get(*at) == Some(&'|') {
        *at += 1;
        sequence(chars, at)?;
    }
    Some(first)
}

fn sequence(chars: &[char], at: &mut usize) -> Option<String> {
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
                let inner = alternatives(chars, at)?;
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
        let times = quantifier(chars, at)?;
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
/// (so that `a*` still shows an `a`).
fn quantifier(chars: &[char], at: &mut usize) -> Option<usize> {
    let times = match chars.get(*at) {
        Some('*' | '+' | '?') => {
            *at += 1;
            1
        }
        Some('{') => {
            let close = chars[*at..].iter().position(|&c| c == '}')? + *at;
            let inside: String = chars[*at + 1..close].iter().collect();
            *at = close + 1;
            let low = inside.split(',').next()?.trim();
            low.parse::<usize>().ok()?.max(1)
        }
        _ => 1,
    };
    // A lazy or possessive mark changes nothing here.
    if matches!(chars.get(*at), Some('?' | '+')) {
        *at += 1;
    }
    Some(times)
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

#[cfg(test)]
mod tests {
    use super::pattern_sample;

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
        ];
        for (pattern, expected) in cases {
            assert_eq!(pattern_sample(pattern), expected, "{pattern}");
        }
    }
}

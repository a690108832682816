//! Random JSON values of a schema, as a server might send them: every kind of value the schema
//! allows (optional properties present or absent, `null` where it is allowed, enum values this
//! client does not know, date-times with and without an offset, large integers, decimals,
//! strings that need escaping) and properties the schema does not declare. For tests that decode
//! such values and check that nothing is lost (`tests/tests/fidelity.rs`).
//!
//! A server built with Flask-RESTX writes `null` for an optional property it has no value for,
//! whatever the schema says; the client reads that as absent, and writes it so (the schema does
//! not allow `null` there, so sending it could be refused). A [`Sample`] says what was sent and
//! what should come back.
//!
//! It reads the document as the generator read it (`contractfit_codegen::document_of`: the
//! Flask-RESTX wildcard already rewritten) and schemas as the generator does (`type: object`
//! alone holds any JSON), so a value it makes is one the generated type must keep.

use contractfit_codegen::diagnostics::{pointer_token, unescape_token};
use serde_json::{json, Map, Number, Value};

/// Values of the schemas of one (overlaid) document, from a seeded generator.
pub struct Arbitrary<'a> {
    document: &'a Value,
    rng: fastrand::Rng,
    /// Where the value being made has a `null` that means "no value" (JSON pointers).
    absent_nulls: Vec<String>,
}

/// A value as a server sends it, and as the client should send it back.
pub struct Sample {
    pub sent: Value,
    /// `sent` without the `null`s of optional properties whose schema does not allow `null`.
    pub expected: Value,
}

/// How deep values nest before only leaves are made: deep enough for every schema of the
/// Contract.fit document, shallow enough that recursive schemas end.
const MAX_DEPTH: usize = 8;

impl<'a> Arbitrary<'a> {
    pub fn new(document: &'a Value, seed: u64) -> Self {
        Arbitrary {
            document,
            rng: fastrand::Rng::with_seed(seed),
            absent_nulls: Vec::new(),
        }
    }

    /// A value of the schema at `pointer` (a JSON pointer into the document).
    pub fn of_pointer(&mut self, pointer: &str) -> Sample {
        let schema = self
            .document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("no schema at {pointer}"));
        self.absent_nulls.clear();
        let sent = self.value(schema, 0, &mut String::new());
        let mut expected = sent.clone();
        for at in &self.absent_nulls {
            remove_member(&mut expected, at);
        }
        Sample { sent, expected }
    }

    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            schema = self
                .document
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("$ref {reference} names nothing"));
        }
        schema
    }

    /// A value of `schema`, at `at` (a JSON pointer) in the value being made.
    fn value(&mut self, schema: &'a Value, depth: usize, at: &mut String) -> Value {
        let schema = self.resolve(schema);
        if schema.get("nullable") == Some(&Value::Bool(true)) && self.rng.u8(..4) == 0 {
            return Value::Null;
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            // Enums keep values they do not know: send one now and then.
            if schema.get("type").and_then(Value::as_str) == Some("string") && self.rng.u8(..5) == 0
            {
                return json!(format!("value-from-a-newer-server-{}", self.rng.u16(..)));
            }
            if !values.is_empty() {
                return values[self.rng.usize(..values.len())].clone();
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let parts = crate::samples::shaping_parts(parts);
            // One part that shapes, and nothing else: the value is that part's (a string, say).
            if let [part] = parts.as_slice() {
                if schema.get("properties").is_none() {
                    return self.value(part, depth + 1, at);
                }
            }
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(object) = self.value(part, depth + 1, at) {
                    merged.extend(object);
                }
            }
            return Value::Object(merged);
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(parts) = schema.get(keyword).and_then(Value::as_array) {
                if !parts.is_empty() {
                    let part = &parts[self.rng.usize(..parts.len())];
                    return self.value(part, depth + 1, at);
                }
            }
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") | None if schema.get("properties").is_some() => {
                self.object(schema, depth, at)
            }
            Some("object") => match schema.get("additionalProperties") {
                Some(values @ Value::Object(_)) => self.map(values, depth, at),
                // Flask-RESTX's `fields.Raw`: any JSON at all.
                _ => self.any(depth),
            },
            Some("array") => {
                let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
                let max = schema
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .map_or(min + 3, |max| max as usize);
                let len = if depth >= MAX_DEPTH {
                    min
                } else {
                    self.rng.usize(min..=max.max(min))
                };
                Value::Array(
                    (0..len)
                        .map(|i| {
                            within(at, &i.to_string(), |at| {
                                self.value(&schema["items"], depth + 1, at)
                            })
                        })
                        .collect(),
                )
            }
            Some("string") => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!(self.date_time()),
                Some("date") => json!(format!(
                    "{:04}-{:02}-{:02}",
                    self.rng.u16(1970..2100),
                    self.rng.u8(1..13),
                    self.rng.u8(1..29)
                )),
                _ => json!(self.text()),
            },
            Some("integer") => match schema.get("format").and_then(Value::as_str) {
                Some("int32") => json!(self.rng.i32(..)),
                _ => json!(self.integer()),
            },
            Some("number") => self.number(),
            Some("boolean") => json!(self.rng.bool()),
            _ => self.any(depth),
        }
    }

    /// An object with its properties: the required ones, some of the others, and some the
    /// schema does not declare.
    fn object(&mut self, schema: &'a Value, depth: usize, at: &mut String) -> Value {
        let required = crate::samples::required(schema);
        let properties = schema["properties"].as_object();
        let mut object = Map::new();
        for (name, property) in properties.into_iter().flatten() {
            let required = required.contains(&name.as_str());
            if !required && self.rng.u8(..10) == 0 {
                // Flask-RESTX's "no value", which the client reads as absent unless `null` is
                // one of the property's values.
                if !self.holds_null(property) {
                    within(at, name, |at| self.absent_nulls.push(at.clone()));
                }
                object.insert(name.clone(), Value::Null);
                continue;
            }
            let present = required || self.rng.u8(..10) < 6;
            if present && (depth < MAX_DEPTH || required) {
                let value = within(at, name, |at| self.value(property, depth + 1, at));
                object.insert(name.clone(), value);
            }
        }
        // The other keys: the declared additional values, or any JSON.
        let others = schema.get("additionalProperties").filter(|v| v.is_object());
        for _ in 0..self.rng.usize(..3) {
            let key = format!("added_by_a_newer_server_{}", self.rng.u16(..));
            if properties.is_some_and(|p| p.contains_key(&key)) {
                continue;
            }
            let value = match others {
                Some(values) => within(at, &key, |at| self.value(values, depth + 1, at)),
                None => self.any(depth + 1),
            };
            object.insert(key, value);
        }
        Value::Object(object)
    }

    fn map(&mut self, values: &'a Value, depth: usize, at: &mut String) -> Value {
        let len = if depth >= MAX_DEPTH {
            0
        } else {
            self.rng.usize(..4)
        };
        Value::Object(
            (0..len)
                .map(|i| {
                    let key = format!("{}_{i}", self.text());
                    let value = within(at, &key, |at| self.value(values, depth + 1, at));
                    (key, value)
                })
                .collect(),
        )
    }

    /// Whether `null` is a value of the schema: it says `nullable`, or it is untyped JSON
    /// (no type, or `type: object` with nothing else, as the generator reads it).
    fn holds_null(&self, schema: &'a Value) -> bool {
        let schema = self.resolve(schema);
        if schema.get("nullable") == Some(&Value::Bool(true)) {
            return true;
        }
        // `properties: {}` declares nothing.
        let declares = |key| match schema.get(key) {
            Some(Value::Object(object)) => !object.is_empty(),
            Some(_) => true,
            None => false,
        };
        let untyped = ![
            "properties",
            "additionalProperties",
            "allOf",
            "oneOf",
            "anyOf",
            "enum",
        ]
        .into_iter()
        .any(declares);
        untyped
            && matches!(
                schema.get("type").and_then(Value::as_str),
                None | Some("object")
            )
    }

    /// Any JSON value, nesting less the deeper it is.
    fn any(&mut self, depth: usize) -> Value {
        let kinds = if depth >= MAX_DEPTH { 5 } else { 7 };
        match self.rng.u8(..kinds) {
            0 => Value::Null,
            1 => json!(self.rng.bool()),
            2 => json!(self.integer()),
            3 => self.number(),
            4 => json!(self.text()),
            5 => Value::Array(
                (0..self.rng.usize(..3))
                    .map(|_| self.any(depth + 1))
                    .collect(),
            ),
            _ => Value::Object(
                (0..self.rng.usize(..3))
                    .map(|i| (format!("k{i}"), self.any(depth + 1)))
                    .collect(),
            ),
        }
    }

    fn integer(&mut self) -> i64 {
        match self.rng.u8(..4) {
            0 => self.rng.i64(..),
            1 => [i64::MIN, i64::MAX, 0, -1, 1 << 53, (1 << 53) + 1][self.rng.usize(..6)],
            _ => self.rng.i64(-1000..1000),
        }
    }

    /// A number as a server writes one: a decimal with a few places, an integer, or a float
    /// with an exponent.
    fn number(&mut self) -> Value {
        let text = match self.rng.u8(..4) {
            0 => format!(
                "{}.{:02}",
                self.rng.i32(-100_000..100_000),
                self.rng.u8(..100)
            ),
            1 => format!("{}", self.rng.i32(..)),
            2 => format!("{}e{}", self.rng.f64(), self.rng.i8(-30..30)),
            _ => format!("{}", self.rng.f64() * 1e6),
        };
        Value::Number(text.parse::<Number>().expect("a JSON number"))
    }

    /// Date-times in the forms the API sends: with an offset or without, with a fraction of
    /// a second or without.
    fn date_time(&mut self) -> String {
        let date = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.rng.u16(1970..2100),
            self.rng.u8(1..13),
            self.rng.u8(1..29),
            self.rng.u8(..24),
            self.rng.u8(..60),
            self.rng.u8(..60)
        );
        let fraction = match self.rng.u8(..3) {
            0 => String::new(),
            1 => format!(".{:06}", self.rng.u32(..1_000_000)),
            _ => format!(".{}", self.rng.u16(..1000)),
        };
        let offset = ["", "Z", "+00:00", "+01:00", "-05:30"][self.rng.usize(..5)];
        format!("{date}{fraction}{offset}")
    }

    /// Text with the characters that need care: quotes, backslashes, controls, non-ASCII.
    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "invoice",
            "Facture n°",
            "\"quoted\"",
            "back\\slash",
            "line\nbreak",
            "tab\t",
            "€",
            "日本",
            "😀",
            "",
            " ",
            "a/b",
            "~",
            "\u{0}",
        ];
        (0..self.rng.usize(1..4))
            .map(|_| PIECES[self.rng.usize(..PIECES.len())])
            .collect()
    }
}

/// Removes the object member at `pointer` (a JSON pointer), returning its value.
pub fn remove_member(value: &mut Value, pointer: &str) -> Option<Value> {
    let (parent, key) = pointer.rsplit_once('/')?;
    value
        .pointer_mut(parent)?
        .as_object_mut()?
        .remove(&unescape_token(key))
}

/// Runs `make` with `key` appended to the JSON pointer `at`, and removes it again.
fn within<T>(at: &mut String, key: &str, make: impl FnOnce(&mut String) -> T) -> T {
    let len = at.len();
    at.push('/');
    at.push_str(&pointer_token(key));
    let made = make(at);
    at.truncate(len);
    made
}

/// Whether two JSON values are the same value: objects by their keys whatever the order,
/// numbers by what they are worth (`5` and `5.0` are the same number; JSON does not tell an
/// integer from a float, only Rust does).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| same_value(x, y)))
        }
        _ => a == b,
    }
}

/// The first place where two JSON values differ, as a JSON pointer with both sides.
pub fn first_difference(a: &Value, b: &Value) -> Option<String> {
    fn walk(a: &Value, b: &Value, at: &mut String) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for key in x.keys().chain(y.keys()) {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&pointer_token(key));
                    let found = match (x.get(key), y.get(key)) {
                        (Some(x), Some(y)) => walk(x, y, at),
                        (x, y) => Some(format!("{at}: {x:?} became {y:?}")),
                    };
                    if found.is_some() {
                        return found;
                    }
                    at.truncate(len);
                }
                None
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    if let Some(found) = walk(x, y, at) {
                        return Some(found);
                    }
                    at.truncate(len);
                }
                None
            }
            _ if same_value(a, b) => None,
            _ => Some(format!(
                "{}: {a} became {b}",
                if at.is_empty() { "/" } else { at }
            )),
        }
    }
    walk(a, b, &mut String::new())
}

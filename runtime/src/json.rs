//! JSON that the API document leaves untyped, kept exactly and read with typed accessors.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A value the document declares only as `type: object`, with no properties: a document's
/// prediction, feedback or meta information, a setting's options.
///
/// It is kept as the JSON the server sent, whatever it holds: the API's own framework
/// (Flask-RESTX) writes `type: object` for any raw value, so a string or a number is kept too,
/// not rejected. Read it with [`get`](Self::get) and [`get_as`](Self::get_as) (a typed value of
/// one key), [`pointer_as`](Self::pointer_as) (deeper), [`to_typed`](Self::to_typed) (all of
/// it), or as a [`serde_json::Value`] through `Deref`. Make one from any `Value`
/// (`Json::from(json!({...}))`).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Json(pub Value);

impl Json {
    /// The value under `key`, if this is an object that has it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.as_object().and_then(|object| object.get(key))
    }

    /// The value under `key` read as a `T`: `Ok(None)` when there is no such key (or it is
    /// `null`), an error naming where when the value does not fit `T`.
    ///
    /// ```
    /// # use contractfit_runtime::Json;
    /// let prediction = Json::from(serde_json::json!({"total_amount": [{"value": "12.50"}]}));
    /// #[derive(serde::Deserialize)]
    /// struct Candidate {
    ///     value: String,
    /// }
    /// let total: Option<Vec<Candidate>> = prediction.get_as("total_amount")?;
    /// assert_eq!(total.unwrap()[0].value, "12.50");
    /// # Ok::<(), contractfit_runtime::JsonError>(())
    /// ```
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, JsonError> {
        self.read(&format!("/{}", escape(key)), self.get(key))
    }

    /// The value at a JSON pointer (`/total_amount/0/value`) read as a `T`, as
    /// [`get_as`](Self::get_as) reads a key.
    pub fn pointer_as<T: DeserializeOwned>(&self, pointer: &str) -> Result<Option<T>, JsonError> {
        self.read(pointer, self.0.pointer(pointer))
    }

    /// All of it read as a `T`, a type of the caller's that says what the API's documentation
    /// describes.
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, JsonError> {
        decode(self.0.clone(), "")
    }

    /// The JSON value.
    pub fn into_value(self) -> Value {
        self.0
    }

    fn read<T: DeserializeOwned>(
        &self,
        pointer: &str,
        value: Option<&Value>,
    ) -> Result<Option<T>, JsonError> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(value) => decode(value.clone(), pointer).map(Some),
        }
    }
}

/// Reads an optional field that is there as `Some`, even when it is `null`, for types that hold
/// `null` themselves. (Serde reads a `null` `Option` as `None`, which is then left out when the
/// value is written again.) Plumbing for generated code, with `#[serde(default)]` for the field
/// that is not there.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

fn decode<T: DeserializeOwned>(value: Value, base: &str) -> Result<T, JsonError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = base.to_owned();
        for segment in error.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&escape(key));
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        JsonError {
            pointer,
            message: error.into_inner().to_string(),
        }
    })
}

/// A key as a JSON pointer token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Deref for Json {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.0
    }
}

impl DerefMut for Json {
    fn deref_mut(&mut self) -> &mut Value {
        &mut self.0
    }
}

impl From<Value> for Json {
    fn from(value: Value) -> Self {
        Json(value)
    }
}

impl From<Map<String, Value>> for Json {
    fn from(object: Map<String, Value>) -> Self {
        Json(Value::Object(object))
    }
}

impl From<Json> for Value {
    fn from(json: Json) -> Self {
        json.0
    }
}

/// Why part of a [`Json`] value is not the type it was read as.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the value at {pointer:?} does not fit: {message}")]
pub struct JsonError {
    pointer: String,
    message: String,
}

impl JsonError {
    /// Where, as a JSON pointer into the value that was read (`""` for all of it).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_keys_and_pointers_typed() {
        let json = Json::from(json!({"a": {"b": [1, 2]}, "n": null, "x/y": 3}));
        assert_eq!(json.get("a"), Some(&json!({"b": [1, 2]})));
        assert_eq!(json.get_as::<Vec<i64>>("missing").unwrap(), None);
        assert_eq!(json.get_as::<i64>("n").unwrap(), None);
        assert_eq!(json.get_as::<i64>("x/y").unwrap(), Some(3));
        assert_eq!(json.pointer_as::<i64>("/a/b/1").unwrap(), Some(2));
        assert_eq!(Json::from(json!("text")).get("a"), None);
    }

    #[test]
    fn a_misfit_names_where() {
        let json = Json::from(json!({"a": {"b": [1, "two"]}}));
        let error = json.get_as::<std::collections::BTreeMap<String, Vec<i64>>>("a");
        let error = error.unwrap_err();
        assert_eq!(error.pointer(), "/a/b/1");
        assert!(error.to_string().contains("/a/b/1"), "{error}");
        let error = json.to_typed::<Vec<i64>>().unwrap_err();
        assert_eq!(error.pointer(), "");
    }

    #[test]
    fn keeps_any_value_exactly() {
        for text in [r#"{"z":1,"a":[true,null]}"#, "12", r#""text""#, "null"] {
            let json: Json = serde_json::from_str(text).unwrap();
            let again: Value =
                serde_json::from_str(&serde_json::to_string(&json).unwrap()).unwrap();
            assert_eq!(again, serde_json::from_str::<Value>(text).unwrap());
        }
    }
}

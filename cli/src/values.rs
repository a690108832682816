//! Argument values: what each kind accepts, and the parsed arguments of one call.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::ValueKind;

/// Checks `text` against `kind` before anything is sent (clap reports the message).
pub fn check(kind: ValueKind, text: &str) -> Result<(), String> {
    to_json(kind, text).map(|_| ())
}

/// `text` as the JSON value a body field of `kind` takes.
pub fn to_json(kind: ValueKind, text: &str) -> Result<Value, String> {
    match kind {
        ValueKind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{text:?} is not an integer")),
        ValueKind::Number => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{text:?} is not a number")),
        ValueKind::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{text:?} is not true or false")),
        },
        ValueKind::DateTime => text
            .parse::<contractfit_runtime::DateTime>()
            .map(|_| Value::from(text))
            .map_err(|e| format!("{text:?} is not a date-time (RFC 3339): {e}")),
        ValueKind::Date => contractfit_runtime::chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(|_| Value::from(text))
            .map_err(|e| format!("{text:?} is not a date (YYYY-MM-DD): {e}")),
        ValueKind::Json => {
            serde_json::from_str(text).map_err(|e| format!("{text:?} is not JSON: {e}"))
        }
        ValueKind::String | ValueKind::Enum(_) | ValueKind::File => Ok(Value::from(text)),
    }
}

/// The values given for one call, by argument name; workflows fill some in themselves (the
/// file of each upload, the id of each wait).
#[derive(Debug, Clone, Default)]
pub struct Values(BTreeMap<String, Vec<String>>);

impl Values {
    pub fn from_matches(matches: &clap::ArgMatches) -> Self {
        let mut values = BTreeMap::new();
        for id in matches.ids() {
            let id = id.as_str();
            if let Ok(Some(given)) = matches.try_get_many::<String>(id) {
                let from_user = matches!(
                    matches.value_source(id),
                    Some(clap::parser::ValueSource::CommandLine)
                        | Some(clap::parser::ValueSource::EnvVariable)
                );
                if from_user {
                    values.insert(id.to_owned(), given.cloned().collect());
                }
            }
        }
        Values(values)
    }

    pub fn get(&self, name: &str) -> Option<&[String]> {
        self.0.get(name).map(Vec::as_slice)
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_owned(), vec![value.into()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_kind() {
        assert_eq!(to_json(ValueKind::Integer, "42"), Ok(Value::from(42)));
        assert!(to_json(ValueKind::Integer, "4.2").is_err());
        assert_eq!(to_json(ValueKind::Boolean, "false"), Ok(Value::Bool(false)));
        assert!(to_json(ValueKind::Boolean, "yes").is_err());
        assert!(to_json(ValueKind::DateTime, "2024-01-02T03:04:05Z").is_ok());
        assert!(to_json(ValueKind::DateTime, "yesterday").is_err());
        assert!(to_json(ValueKind::Date, "2024-02-30").is_err());
        assert_eq!(
            to_json(ValueKind::Json, r#"{"a": [1]}"#),
            Ok(serde_json::json!({"a": [1]}))
        );
        assert!(to_json(ValueKind::Json, "{").is_err());
        assert_eq!(to_json(ValueKind::String, "42"), Ok(Value::from("42")));
    }
}

//! How a value is written as text on the wire (a parameter, a form field): at the bottom of
//! the crate, importing nothing of it, for requests and forms alike.

/// A structured value as a parameter or form field carries it: a value that is a string (a
/// union of scalars holding one, say) as the string itself, not quoted; anything else as JSON
/// text (numbers and booleans are the same either way).
pub(crate) fn wire_text<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<String, serde_json::Error> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(text) => Ok(text),
        other => serde_json::to_string(&other),
    }
}

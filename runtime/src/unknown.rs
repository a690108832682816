//! A value of a generated enum that this version of the client does not know.

use std::fmt;

/// The text of an enum value the API sent that this version of the client does not know.
///
/// Generated enums keep such values in their `Unknown` variant, holding this type: it can be
/// read (`as_str`, `Display`) but not made or matched on, so that code written today cannot
/// depend on a value being unknown. When a later version of the client learns the value, it
/// becomes a variant of its own, and code that matched `Unknown` by its text would silently
/// stop matching; code that reads `enum.as_str()` keeps working. To make an enum value from
/// text, known or not, use the enum's `From<&str>`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    /// For generated code only.
    #[doc(hidden)]
    pub fn new(value: impl Into<String>) -> Self {
        UnknownValue(value.into())
    }

    /// The value as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

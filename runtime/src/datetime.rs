//! Date-times as this API sends them: RFC 3339, sometimes without a UTC offset.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, read from RFC 3339 text with or without a UTC offset, that keeps the text it was
/// read from.
///
/// The API emits both `2023-02-28T08:47:25.215200+00:00` and `2023-02-28T08:47:25.215200`; a
/// value without an offset is taken as UTC, which is what the service means by it. A value read
/// from the wire is written back exactly as it was read (so that sending back what was received
/// changes nothing); a value made in code (`now`, `From<chrono::DateTime>`) is written in RFC 3339
/// with a `Z`. Equality, order and hashing compare instants: the two forms above are equal.
#[derive(Clone)]
pub struct DateTime {
    instant: chrono::DateTime<Utc>,
    /// The text it was read from, when it was read rather than made.
    text: Option<Box<str>>,
}

impl DateTime {
    /// The current instant.
    pub fn now() -> Self {
        Utc::now().into()
    }

    /// The instant, as `chrono` sees it.
    pub fn as_chrono(&self) -> &chrono::DateTime<Utc> {
        &self.instant
    }

    /// The text this value was read from, if it was read rather than made in code.
    pub fn original_text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

impl PartialEq for DateTime {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}

impl Eq for DateTime {}

impl PartialOrd for DateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateTime {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl std::hash::Hash for DateTime {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.instant.hash(state);
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(instant: chrono::DateTime<Utc>) -> Self {
        DateTime {
            instant,
            text: None,
        }
    }
}

impl From<chrono::DateTime<chrono::FixedOffset>> for DateTime {
    fn from(value: chrono::DateTime<chrono::FixedOffset>) -> Self {
        value.with_timezone(&Utc).into()
    }
}

impl From<DateTime> for chrono::DateTime<Utc> {
    fn from(value: DateTime) -> Self {
        value.instant
    }
}

/// Why text is not a date-time.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid date-time {text:?}: expected RFC 3339, with or without a UTC offset")]
pub struct ParseDateTimeError {
    text: String,
}

impl FromStr for DateTime {
    type Err = ParseDateTimeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let instant = if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(text) {
            Some(with_offset.with_timezone(&Utc))
        } else {
            // No offset: `T` or a space between date and time, optional fraction.
            ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                .map(|naive| naive.and_utc())
        };
        match instant {
            Some(instant) => Ok(DateTime {
                instant,
                text: Some(text.into()),
            }),
            None => Err(ParseDateTimeError {
                text: text.to_owned(),
            }),
        }
    }
}

/// The text it was read from, or RFC 3339 with a `Z` for a value made in code.
impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(text) => f.write_str(text),
            None => f.write_str(
                &self
                    .instant
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_forms_as_the_same_instant() {
        let with: DateTime = "2023-02-28T08:47:25.215200+00:00".parse().unwrap();
        let without: DateTime = "2023-02-28T08:47:25.215200".parse().unwrap();
        assert_eq!(with, without);
        let shifted: DateTime = "2023-02-28T09:47:25.215200+01:00".parse().unwrap();
        assert_eq!(with, shifted);
        assert_eq!(with.to_string(), "2023-02-28T08:47:25.215200+00:00");
        assert_eq!(without.to_string(), "2023-02-28T08:47:25.215200");
    }

    #[test]
    fn writes_values_made_in_code_with_an_offset() {
        let without: DateTime = "2023-02-28T08:47:25.215200".parse().unwrap();
        let made = DateTime::from(*without.as_chrono());
        assert_eq!(made.to_string(), "2023-02-28T08:47:25.215200Z");
        assert_eq!(made.original_text(), None);
    }

    #[test]
    fn rejects_other_text_with_a_message() {
        let err = "yesterday".parse::<DateTime>().unwrap_err();
        assert!(err.to_string().contains("yesterday"));
        assert!(serde_json::from_str::<DateTime>("\"2023-13-01T00:00:00\"").is_err());
    }

    #[test]
    fn round_trips_through_json_as_the_same_text() {
        for text in [
            "\"2021-01-18T10:00:00Z\"",
            "\"2023-02-28T08:47:25.215200\"",
            "\"2023-02-28 08:47:25\"",
            "\"2023-02-28T09:47:25.2+01:00\"",
        ] {
            let value: DateTime = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&value).unwrap(), text);
        }
    }
}

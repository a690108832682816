//! Date-times as this API sends them: RFC 3339, sometimes without a UTC offset.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, read from RFC 3339 text with or without a UTC offset.
///
/// The API emits both `2023-02-28T08:47:25.215200+00:00` and `2023-02-28T08:47:25.215200`; a
/// value without an offset is taken as UTC, which is what the service means by it. Values are
/// always written with an offset (`Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl DateTime {
    pub fn now() -> Self {
        DateTime(Utc::now())
    }

    pub fn as_chrono(&self) -> &chrono::DateTime<Utc> {
        &self.0
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(value: chrono::DateTime<Utc>) -> Self {
        DateTime(value)
    }
}

impl From<chrono::DateTime<chrono::FixedOffset>> for DateTime {
    fn from(value: chrono::DateTime<chrono::FixedOffset>) -> Self {
        DateTime(value.with_timezone(&Utc))
    }
}

impl From<DateTime> for chrono::DateTime<Utc> {
    fn from(value: DateTime) -> Self {
        value.0
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
        if let Ok(with_offset) = chrono::DateTime::parse_from_rfc3339(text) {
            return Ok(DateTime(with_offset.with_timezone(&Utc)));
        }
        // No offset: `T` or a space between date and time, optional fraction.
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|naive| DateTime(naive.and_utc()))
            .ok_or_else(|| ParseDateTimeError {
                text: text.to_owned(),
            })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
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
        assert_eq!(with.to_string(), "2023-02-28T08:47:25.215200Z");
    }

    #[test]
    fn rejects_other_text_with_a_message() {
        let err = "yesterday".parse::<DateTime>().unwrap_err();
        assert!(err.to_string().contains("yesterday"));
        assert!(serde_json::from_str::<DateTime>("\"2023-13-01T00:00:00\"").is_err());
    }

    #[test]
    fn round_trips_through_json() {
        let value: DateTime = serde_json::from_str("\"2021-01-18T10:00:00Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            "\"2021-01-18T10:00:00Z\""
        );
    }
}

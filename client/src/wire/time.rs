//! [`Time`]: a point in time as the API reads and writes it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;

/// A point in time, in Unix milliseconds: read from any RFC 3339 text
/// (any offset, fractional seconds), written as RFC 3339 in UTC at second
/// precision (`2026-12-07T18:10:43Z`), as the server does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    unix_millis: i64,
}

impl Time {
    /// The current time.
    pub fn now() -> Self {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Time::from_unix_millis(i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
    }

    /// The time `unix_millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(unix_millis: i64) -> Self {
        Time { unix_millis }
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// Parses RFC 3339 text; `None` if it is not.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let parsed =
            OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
        Some(Time::from_unix_millis(
            i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()?,
        ))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = OffsetDateTime::from_unix_timestamp(self.unix_millis.div_euclid(1000))
            .map_err(|_| fmt::Error)?;
        let text = at
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Time::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_offset_and_writes_utc_seconds() {
        let t = Time::parse_rfc3339("2026-12-07T19:10:43.250+01:00").unwrap();
        assert_eq!(t.unix_millis(), 1_796_667_043_250);
        assert_eq!(t.to_string(), "2026-12-07T18:10:43Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-12-07T18:10:43Z\"");
        let back: Time = serde_json::from_str(&json).unwrap();
        assert_eq!(back.unix_millis(), 1_796_667_043_000);
    }

    #[test]
    fn refuses_what_is_not_rfc_3339() {
        for text in ["", "2026-12-07", "yesterday", "2026-13-01T00:00:00Z"] {
            assert_eq!(Time::parse_rfc3339(text), None, "{text}");
            let json = serde_json::to_string(text).unwrap();
            let err = serde_json::from_str::<Time>(&json).unwrap_err();
            assert!(err.to_string().contains("is not an RFC 3339 time"), "{err}");
        }
    }
}

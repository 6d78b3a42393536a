//! Wall-clock timestamps, shown as RFC 3339 UTC (`2025-06-25T04:00:00Z`).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A UTC instant with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp {
    unix_millis: i64,
}

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let now = OffsetDateTime::now_utc();
        Timestamp {
            unix_millis: (now.unix_timestamp_nanos() / 1_000_000) as i64,
        }
    }

    /// The instant `unix_millis` milliseconds after the Unix epoch.
    pub fn from_unix_millis(unix_millis: i64) -> Self {
        Timestamp { unix_millis }
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(self) -> i64 {
        self.unix_millis
    }

    /// Parses an RFC 3339 timestamp.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let parsed =
            OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
        Some(Timestamp {
            unix_millis: (parsed.unix_timestamp_nanos() / 1_000_000) as i64,
        })
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC at second precision, as the API shows it.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_rfc3339_utc_seconds() {
        let t = Timestamp::parse_rfc3339("2025-06-25T04:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2025-06-25T04:00:00Z");
        let t = Timestamp::parse_rfc3339("2025-06-25T06:00:00.750+02:00").unwrap();
        assert_eq!(t.to_string(), "2025-06-25T04:00:00Z");
        assert_eq!(t.unix_millis() % 1000, 750);
    }

    #[test]
    fn rejects_garbage() {
        assert!(Timestamp::parse_rfc3339("yesterday").is_none());
    }
}

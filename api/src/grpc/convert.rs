//! Conversions every kind's gRPC module shares. Requests become core drafts
//! and options (invalid numbers are left to the core's validation so both
//! transports report the same field and reason); core values become
//! message fields.

use std::collections::{BTreeMap, HashMap};

use clusterdb::{ListOptions, Tags, Timestamp};

/// A timestamp message.
pub fn timestamp(t: Timestamp) -> prost_types::Timestamp {
    let millis = t.unix_millis();
    prost_types::Timestamp {
        seconds: millis.div_euclid(1000),
        nanos: (millis.rem_euclid(1000) * 1_000_000) as i32,
    }
}

/// A core timestamp from a message (nanoseconds past the millisecond
/// dropped).
pub fn from_timestamp(t: prost_types::Timestamp) -> Timestamp {
    Timestamp::from_unix_millis(
        t.seconds
            .saturating_mul(1000)
            .saturating_add(i64::from(t.nanos.clamp(0, 999_999_999) / 1_000_000)),
    )
}

/// Tags (or any string map) from a message's map.
pub fn tags(map: HashMap<String, String>) -> Tags {
    map.into_iter().collect()
}

/// A message's map from tags (or any string map).
pub fn map(tags: &BTreeMap<String, String>) -> HashMap<String, String> {
    tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A count for the core: a negative number becomes 0, which validation
/// refuses with the field's own rule.
pub fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// A count for a message.
pub fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A list request's options; `page_size` 0 means the default.
pub fn list_options(
    page_size: i32,
    page_token: String,
    tags: HashMap<String, String>,
) -> ListOptions {
    let mut options = ListOptions::default();
    if page_size != 0 {
        options = options.page_size(count(page_size));
    }
    if !page_token.is_empty() {
        options = options.page_token(page_token);
    }
    let mut tags: Vec<_> = tags.into_iter().collect();
    tags.sort();
    for (key, value) in tags {
        options = options.tag(&key, value);
    }
    options
}

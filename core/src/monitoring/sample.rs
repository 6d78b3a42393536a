//! Samples and series: what services push and how a series is named.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::meta::validate_name;

/// What validation errors about pushed samples call the input.
pub const SUBJECT: &str = "metric samples";
/// Longest metric name.
pub const MAX_METRIC_LEN: usize = 200;
/// Most labels on one series.
pub const MAX_LABELS: usize = 32;
/// Longest label name.
pub const MAX_LABEL_NAME_LEN: usize = 100;
/// Longest label value, in bytes.
pub const MAX_LABEL_VALUE_LEN: usize = 1024;

/// One value of one series at one instant, in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Unix milliseconds.
    pub t: i64,
    /// The value.
    pub v: f64,
}

/// A series' identity: the service it belongs to, the metric and its
/// labels (sorted).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    /// A pushing service's name, or a fleet's or function's.
    pub service: String,
    /// The metric, e.g. `http_requests_total`.
    pub metric: String,
    /// The labels.
    pub labels: BTreeMap<String, String>,
}

impl SeriesKey {
    /// A series of `service` and `metric` without labels.
    pub fn new(service: impl Into<String>, metric: impl Into<String>) -> Self {
        SeriesKey {
            service: service.into(),
            metric: metric.into(),
            labels: BTreeMap::new(),
        }
    }

    /// Adds a label.
    pub fn label(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(name.into(), value.into());
        self
    }

    /// A stable 64-bit id: the first 8 bytes of the SHA-256 of the
    /// canonical form (NUL never occurs in a valid name, metric or label).
    pub fn id(&self) -> u64 {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        ctx.update(self.service.as_bytes());
        ctx.update(b"\0");
        ctx.update(self.metric.as_bytes());
        for (name, value) in &self.labels {
            ctx.update(b"\0");
            ctx.update(name.as_bytes());
            ctx.update(b"=");
            ctx.update(value.as_bytes());
        }
        let digest = ctx.finish();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest.as_ref()[..8]);
        u64::from_be_bytes(id)
    }

    /// Whether the series counts something that only grows (a name
    /// ending `_total`, `_count`, `_sum` or `_bucket`, the Prometheus
    /// conventions): its rate is meaningful and resets are detected.
    pub fn looks_like_counter(&self) -> bool {
        ["_total", "_count", "_sum", "_bucket"]
            .iter()
            .any(|suffix| self.metric.ends_with(suffix))
    }

    /// Whether every label of `matchers` has the same value here.
    pub fn matches(&self, matchers: &BTreeMap<String, String>) -> bool {
        matchers
            .iter()
            .all(|(name, value)| self.labels.get(name) == Some(value))
    }

    /// Checks a push's default service (`?service=`), which applies even
    /// when the push carries no sample.
    pub fn validate_service(service: &str) -> Result<()> {
        validate_name(SUBJECT, "service", service)
    }

    /// Checks the key; errors name fields below `field` (`samples[3]`),
    /// which is made only for an error (pushes check every sample).
    pub fn validate(&self, field: impl FnOnce() -> String) -> Result<()> {
        validate_name(SUBJECT, "service", &self.service)
            .and_then(|()| validate_metric_name(SUBJECT, "metric", &self.metric))
            .and_then(|()| validate_labels(SUBJECT, "labels", &self.labels))
            .map_err(|err| match err {
                Error::Invalid {
                    subject,
                    field: inner,
                    reason,
                } => Error::Invalid {
                    subject,
                    field: format!("{}.{inner}", field()),
                    reason,
                },
                other => other,
            })
    }
}

/// Checks a metric name: 1–200 characters of `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn validate_metric_name(subject: &'static str, field: &str, metric: &str) -> Result<()> {
    let invalid = |reason: String| Err(Error::invalid(subject, field, reason));
    if metric.is_empty() || metric.len() > MAX_METRIC_LEN {
        return invalid(format!("must be 1 to {MAX_METRIC_LEN} characters"));
    }
    let first_ok = metric
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':');
    if !first_ok
        || !metric
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
    {
        return invalid("must match [a-zA-Z_:][a-zA-Z0-9_:]*".into());
    }
    Ok(())
}

/// Checks labels: at most 32; names of `[a-zA-Z_][a-zA-Z0-9_]*` (not
/// starting `__`, reserved), values up to 1,024 bytes without NUL.
pub fn validate_labels(
    subject: &'static str,
    field: &str,
    labels: &BTreeMap<String, String>,
) -> Result<()> {
    if labels.len() > MAX_LABELS {
        return Err(Error::invalid(
            subject,
            field,
            format!("must have at most {MAX_LABELS} entries"),
        ));
    }
    for (name, value) in labels {
        let at = || format!("{field}.{name}");
        let name_ok = !name.is_empty()
            && name.len() <= MAX_LABEL_NAME_LEN
            && !name.starts_with("__")
            && name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            return Err(Error::invalid(
                subject,
                at(),
                format!(
                    "is not a label name: 1 to {MAX_LABEL_NAME_LEN} characters of [a-zA-Z_][a-zA-Z0-9_]*, not starting with __"
                ),
            ));
        }
        if value.len() > MAX_LABEL_VALUE_LEN || value.contains('\0') {
            return Err(Error::invalid(
                subject,
                at(),
                format!("must be at most {MAX_LABEL_VALUE_LEN} bytes without NUL"),
            ));
        }
    }
    Ok(())
}

/// One pushed sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Its series.
    pub series: SeriesKey,
    /// The value.
    pub value: f64,
    /// Unix milliseconds; `None` is the time the push is received.
    pub timestamp: Option<i64>,
    /// Whether the pusher declared the series a counter (`# TYPE … counter`);
    /// `None` goes by the name ([`SeriesKey::looks_like_counter`]).
    pub counter: Option<bool>,
}

impl Sample {
    /// A sample of `series` now.
    pub fn new(series: SeriesKey, value: f64) -> Self {
        Sample {
            series,
            value,
            timestamp: None,
            counter: None,
        }
    }

    /// At `unix_millis`.
    pub fn at(mut self, unix_millis: i64) -> Self {
        self.timestamp = Some(unix_millis);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_depend_on_every_part() {
        let a = SeriesKey::new("web", "http_requests_total").label("code", "200");
        assert_eq!(a.id(), a.clone().id());
        assert_ne!(a.id(), a.clone().label("code", "500").id());
        assert_ne!(
            a.id(),
            SeriesKey::new("web2", "http_requests_total")
                .label("code", "200")
                .id()
        );
        assert_ne!(
            SeriesKey::new("a", "b").label("c", "d").id(),
            SeriesKey::new("a", "b").label("c", "").label("d", "").id()
        );
    }

    #[test]
    fn validation_names_the_field() {
        let bad = |key: SeriesKey| {
            key.validate(|| "samples[2]".into())
                .unwrap_err()
                .field_violation()
                .map(|(f, _)| f.to_string())
        };
        assert_eq!(
            bad(SeriesKey::new("", "m")),
            Some("samples[2].service".into())
        );
        assert_eq!(
            bad(SeriesKey::new("web", "1m")),
            Some("samples[2].metric".into())
        );
        assert_eq!(
            bad(SeriesKey::new("web", "m").label("__name__", "x")),
            Some("samples[2].labels.__name__".into())
        );
        assert_eq!(
            bad(SeriesKey::new("web", "m").label("a-b", "x")),
            Some("samples[2].labels.a-b".into())
        );
        assert_eq!(
            bad(SeriesKey::new("web", "m").label("a", "x\0y")),
            Some("samples[2].labels.a".into())
        );
        assert!(
            SeriesKey::new("web-service", "http_requests_total")
                .label("code", "200")
                .validate(|| "s".into())
                .is_ok()
        );
        assert!(
            SeriesKey::new("web", "node:cpu_seconds:rate5m")
                .validate(|| "s".into())
                .is_ok()
        );
    }

    #[test]
    fn counters_go_by_name() {
        assert!(SeriesKey::new("s", "http_requests_total").looks_like_counter());
        assert!(!SeriesKey::new("s", "temperature").looks_like_counter());
    }
}

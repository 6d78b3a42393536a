//! The Prometheus text exposition format (version 0.0.4, and the
//! OpenMetrics text it overlaps with), as pushed to the history the way the
//! Pushgateway takes it: `# TYPE` lines say which series are counters;
//! every sample line is `name{label="value",…} value [timestamp_ms]`.

use std::collections::{BTreeMap, HashMap};

use super::sample::{Sample, SeriesKey};
use crate::error::{Error, Result};

/// What errors about a pushed exposition call it.
const SUBJECT: &str = "metrics exposition";
/// Most samples one push carries.
pub const MAX_PUSH_SAMPLES: usize = 100_000;

/// Parses an exposition into samples of `service`; an error names the
/// line.
pub fn parse_exposition(text: &str, service: &str) -> Result<Vec<Sample>> {
    let mut types: HashMap<&str, &str> = HashMap::new();
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fail =
            |reason: &str| Error::invalid(SUBJECT, "body", format!("line {}: {reason}", index + 1));
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            if words.next() == Some("TYPE") {
                let (Some(name), Some(kind)) = (words.next(), words.next()) else {
                    return Err(fail("a TYPE line needs a metric name and a type"));
                };
                types.insert(name, kind);
            }
            continue;
        }
        if line == "EOF" {
            break;
        }
        if samples.len() >= MAX_PUSH_SAMPLES {
            return Err(fail(&format!(
                "more than {MAX_PUSH_SAMPLES} samples in one push"
            )));
        }
        let (name, labels, rest) = split_sample(line).map_err(|reason| fail(&reason))?;
        let mut fields = rest.split_whitespace();
        let value = fields
            .next()
            .ok_or_else(|| fail("the sample has no value"))
            .and_then(|v| parse_value(v).ok_or_else(|| fail(&format!("{v:?} is not a number"))))?;
        let timestamp = match fields.next() {
            None => None,
            Some(t) => Some(
                t.parse::<i64>()
                    .map_err(|_| fail(&format!("{t:?} is not a timestamp in milliseconds")))?,
            ),
        };
        if fields.next().is_some() {
            return Err(fail("unexpected text after the timestamp"));
        }
        let series = SeriesKey {
            service: service.to_string(),
            metric: name.to_string(),
            labels,
        };
        series
            .validate(|| format!("line {}", index + 1))
            .map_err(|err| match err.field_violation() {
                Some((field, reason)) => {
                    Error::invalid(SUBJECT, "body", format!("{field} {reason}"))
                }
                None => err,
            })?;
        let counter = counter_by_type(&types, name);
        samples.push(Sample {
            series,
            value,
            timestamp,
            counter,
        });
    }
    Ok(samples)
}

/// Whether the declared type makes `name` a counter (`None`: undeclared).
fn counter_by_type(types: &HashMap<&str, &str>, name: &str) -> Option<bool> {
    if let Some(kind) = types.get(name) {
        return Some(*kind == "counter");
    }
    for suffix in ["_total", "_bucket", "_count", "_sum", "_created"] {
        if let Some(base) = name.strip_suffix(suffix)
            && let Some(kind) = types.get(base)
        {
            return Some(matches!(
                *kind,
                "counter" | "histogram" | "summary" | "gaugehistogram"
            ));
        }
    }
    None
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok(),
    }
}

/// Splits `name{labels} rest` (labels optional).
fn split_sample(line: &str) -> std::result::Result<(&str, BTreeMap<String, String>, &str), String> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or("the sample has no value")?;
    let name = &line[..name_end];
    let Some(mut rest) = line[name_end..].strip_prefix('{') else {
        return Ok((name, BTreeMap::new(), &line[name_end..]));
    };
    let mut labels = BTreeMap::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if let Some(after) = rest.strip_prefix('}') {
            return Ok((name, labels, after));
        }
        let eq = rest.find('=').ok_or("a label has no value")?;
        let label = rest[..eq].trim();
        let Some(quoted) = rest[eq + 1..].trim_start().strip_prefix('"') else {
            return Err(format!("the value of label {label:?} is not quoted"));
        };
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                '\\' => match chars.next().map(|(_, c)| c) {
                    Some('n') => value.push('\n'),
                    Some('\\') => value.push('\\'),
                    Some('"') => value.push('"'),
                    _ => return Err(format!("bad escape in the value of label {label:?}")),
                },
                c => value.push(c),
            }
        }
        let end = end.ok_or_else(|| format!("the value of label {label:?} is not closed"))?;
        if labels.insert(label.to_string(), value).is_some() {
            return Err(format!("label {label:?} appears twice"));
        }
        rest = &quoted[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_text_format() {
        let text = "# HELP http_requests_total Requests.\n\
                    # TYPE http_requests_total counter\n\
                    http_requests_total{code=\"200\",method=\"get\"} 1027 1764000000000\n\
                    http_requests_total{code=\"500\"} 3\n\
                    # TYPE temperature gauge\n\
                    temperature 21.5\n\
                    # TYPE latency histogram\n\
                    latency_bucket{le=\"+Inf\"} 7\n\
                    latency_sum 1.5\n\
                    escaped{path=\"a\\\"b\\\\c\\nd\"} NaN\n";
        let samples = parse_exposition(text, "web-service").unwrap();
        assert_eq!(samples.len(), 6);
        assert_eq!(samples[0].series.service, "web-service");
        assert_eq!(samples[0].series.labels["method"], "get");
        assert_eq!(samples[0].timestamp, Some(1_764_000_000_000));
        assert_eq!(samples[0].counter, Some(true));
        assert_eq!(samples[1].value, 3.0);
        assert_eq!(samples[2].counter, Some(false));
        assert_eq!(samples[3].counter, Some(true));
        assert_eq!(samples[3].series.labels["le"], "+Inf");
        assert_eq!(samples[4].counter, Some(true));
        assert_eq!(samples[5].series.labels["path"], "a\"b\\c\nd");
        assert!(samples[5].value.is_nan());
        assert_eq!(samples[5].counter, None);
    }

    #[test]
    fn errors_name_the_line() {
        for (text, line) in [
            ("ok 1\nbad", "line 2"),
            ("m{a=\"1\" 2", "line 1"),
            ("m{a=1} 2", "line 1"),
            ("m{a=\"1\",a=\"2\"} 2", "line 1"),
            ("m x", "line 1"),
            ("m 1 2 3", "line 1"),
            ("1m 1", "line 1"),
            ("m{__x=\"1\"} 1", "line 1"),
            ("# TYPE m", "line 1"),
        ] {
            let err = parse_exposition(text, "web").unwrap_err();
            let (field, reason) = err.field_violation().unwrap();
            assert_eq!(field, "body", "{text:?}");
            assert!(reason.contains(line), "{text:?}: {reason}");
        }
    }
}

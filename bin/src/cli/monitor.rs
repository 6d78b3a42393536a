//! `clusterdb monitor`: the metrics history (`metrics`, with a sparkline
//! per series; `push`), alerts, alert rules and silences.

use std::io::Read as _;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use clusterdb_client::{AlertRules, Silences};
use clusterdb_client::{Client, Json};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::CliError;
use super::args::key_value;
use super::args::{ListArgs, TagArgs, Target, Targets};
use super::output::{self, Cell, Column, Format};
use super::resource::{self, CliKind};

impl CliKind for AlertRules {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("SERVICE", Cell::Field("service")),
        Column::new("METRIC", Cell::Field("metric")),
        Column::new("AGGREGATION", Cell::Field("aggregation")),
        Column::new("WINDOW", Cell::Field("window")),
        Column::new("OP", Cell::Field("op")),
        Column::new("THRESHOLD", Cell::Field("threshold")),
        Column::new("FOR", Cell::Field("for")),
        Column::new("SEVERITY", Cell::Field("severity")),
        Column::wide("LABELS", Cell::Map("labels")),
        Column::wide("SUMMARY", Cell::Field("summary")).shortened(),
    ];
}

impl CliKind for Silences {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("STATE", Cell::Field("state")),
        Column::new("STARTS", Cell::Field("starts_at")),
        Column::new("ENDS", Cell::Field("ends_at")),
        Column::new("COMMENT", Cell::Field("comment")),
        Column::wide("CREATED BY", Cell::Field("created_by")),
    ];
}

/// The columns of `monitor alerts`.
const ALERT_COLUMNS: &[Column] = &[
    Column::new("STATE", Cell::Field("state")),
    Column::new("SEVERITY", Cell::Field("severity")),
    Column::new("NAME", Cell::Field("name")),
    Column::new("SINCE", Cell::Age("active_at")),
    Column::new("VALUE", Cell::Field("value")),
    Column::new("SUMMARY", Cell::Field("summary")).shortened(),
    Column::wide("SILENCED BY", Cell::List("silenced_by")),
    Column::wide("LABELS", Cell::Map("labels")),
];

/// The columns of `monitor metrics`.
const SERIES_COLUMNS: &[Column] = &[
    Column::new("METRIC", Cell::Field("metric")),
    Column::new("LABELS", Cell::Map("labels")),
    Column::new("MIN", Cell::Field("min")),
    Column::new("MAX", Cell::Field("max")),
    Column::new("AVG", Cell::Field("avg")),
    Column::new("LAST", Cell::Field("last")),
    Column::new("RATE/S", Cell::Field("rate")),
    Column::new("TREND", Cell::Field("trend")).keeping_end(),
    Column::wide("TYPE", Cell::Field("type")),
    Column::wide("SAMPLES", Cell::Field("count")),
];

/// `clusterdb monitor`.
#[derive(Subcommand)]
pub enum MonitorCommand {
    /// A service's metrics over a window: per series a summary row and a
    /// sparkline (`-o json|yaml`: every point).
    #[command(
        after_help = "Example:\n  clusterdb monitor metrics --service web-service --window 1h"
    )]
    Metrics {
        /// The service: a pushing service's name, a fleet's or a
        /// function's, or `clusterdb` (the server itself).
        #[arg(long)]
        service: String,
        /// How far back, e.g. 15m, 1h, 7d.
        #[arg(long, default_value = "1h")]
        window: String,
        /// Only this metric.
        #[arg(long)]
        metric: Option<String>,
        /// The spacing of the points, e.g. 5m (default: the finest kept).
        #[arg(long)]
        step: Option<String>,
        /// Only series with this label, name=value (repeatable).
        #[arg(long = "label", value_name = "NAME=VALUE", value_parser = key_value)]
        labels: Vec<(String, String)>,
    },
    /// Active alerts: firing, pending and recently resolved.
    #[command(after_help = "Example:\n  clusterdb monitor alerts --state firing")]
    Alerts {
        /// Only alerts in this state.
        #[arg(long, value_parser = ["pending", "firing", "resolved"])]
        state: Option<String>,
    },
    /// Alert rules.
    #[command(subcommand)]
    AlertRule(AlertRuleCommand),
    /// Silences: mute alerts' notifications for a while.
    #[command(subcommand)]
    Silence(SilenceCommand),
    /// Push samples from a file or stdin: a JSON array
    /// (`[{"service": …, "metric": …, "labels": {…}, "value": …}]`) or
    /// the Prometheus text format (with --service).
    #[command(
        after_help = "Examples:\n  clusterdb monitor push -f samples.json\n  curl -s localhost:9100/metrics | clusterdb monitor push --service node-1"
    )]
    Push {
        /// The file (`-`, the default, is stdin).
        #[arg(short = 'f', long = "file", default_value = "-")]
        file: PathBuf,
        /// The service of text-format samples (and of JSON samples that
        /// name none).
        #[arg(long)]
        service: Option<String>,
    },
}

/// `clusterdb monitor alert-rule`.
#[derive(Subcommand)]
pub enum AlertRuleCommand {
    /// Create an alert rule.
    #[command(
        after_help = "Example:\n  clusterdb monitor alert-rule create --name high-error-rate --service web-service \\\n    --metric http_requests_total --label code=500 --aggregation rate --window 5m \\\n    --op '>' --threshold 10 --for 2m --severity critical --summary '5xx rate above 10/s'"
    )]
    Create(Box<RuleFields>),
    /// List alert rules.
    #[command(after_help = "Example:\n  clusterdb monitor alert-rule list")]
    List(ListArgs),
    /// Show an alert rule.
    #[command(after_help = "Example:\n  clusterdb monitor alert-rule get high-error-rate")]
    Get(Target),
    /// Delete an alert rule (and its alert).
    #[command(after_help = "Example:\n  clusterdb monitor alert-rule delete high-error-rate")]
    Delete(Targets),
}

/// The fields of an alert rule.
#[derive(Debug, Clone, Args)]
pub struct RuleFields {
    /// Unique name (the alert's alertname).
    #[arg(long)]
    name: String,
    /// The service whose samples it reads.
    #[arg(long)]
    service: String,
    /// The metric.
    #[arg(long)]
    metric: String,
    /// Only series with this label, name=value (repeatable).
    #[arg(long = "label", value_name = "NAME=VALUE", value_parser = key_value)]
    labels: Vec<(String, String)>,
    /// How the window's samples become one value.
    #[arg(long, value_parser = ["avg", "min", "max", "sum", "last", "rate", "p99"])]
    aggregation: String,
    /// The window, e.g. 5m.
    #[arg(long)]
    window: String,
    /// The comparison with the threshold.
    #[arg(long, value_parser = [">", ">=", "<", "<=", "==", "!="])]
    op: String,
    /// The threshold.
    #[arg(long, allow_negative_numbers = true)]
    threshold: f64,
    /// How long the condition must hold before the alert fires, e.g. 2m.
    #[arg(long = "for", default_value = "0s")]
    for_duration: String,
    /// info, warning or critical.
    #[arg(long, default_value = "warning", value_parser = ["info", "warning", "critical"])]
    severity: String,
    /// One line saying what is wrong.
    #[arg(long, default_value = "")]
    summary: String,
    #[command(flatten)]
    tags: TagArgs,
}

/// `clusterdb monitor silence`.
#[derive(Subcommand)]
pub enum SilenceCommand {
    /// Mute the notifications of alerts matching every --matcher.
    #[command(
        after_help = "Example:\n  clusterdb monitor silence create --matcher alertname=high-error-rate \\\n    --duration 2h --comment 'deploying'"
    )]
    Create {
        /// name=value, name!=value, name=~regex or name!~regex (repeatable;
        /// alert labels: alertname, service, metric, severity and the
        /// rule's labels).
        #[arg(long = "matcher", value_name = "MATCHER", required = true)]
        matchers: Vec<String>,
        /// How long from the start, e.g. 2h (or --ends-at).
        #[arg(long, conflicts_with = "ends_at")]
        duration: Option<String>,
        /// RFC 3339.
        #[arg(long)]
        ends_at: Option<String>,
        /// RFC 3339 (default now).
        #[arg(long)]
        starts_at: Option<String>,
        /// Why.
        #[arg(long, default_value = "")]
        comment: String,
        /// Unique name (default: generated).
        #[arg(long)]
        name: Option<String>,
    },
    /// List silences.
    #[command(after_help = "Example:\n  clusterdb monitor silence list")]
    List(ListArgs),
    /// End a silence now.
    #[command(after_help = "Example:\n  clusterdb monitor silence expire silence-01j…")]
    Expire(Target),
}

/// Runs `clusterdb monitor …`.
pub async fn run(command: MonitorCommand, client: &Client, format: Format) -> Result<(), CliError> {
    match command {
        MonitorCommand::Metrics {
            service,
            window,
            metric,
            step,
            labels,
        } => {
            let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}:{v}")).collect();
            let mut query: Vec<(&str, &str)> = vec![("service", &service), ("window", &window)];
            if let Some(metric) = &metric {
                query.push(("metric", metric));
            }
            if let Some(step) = &step {
                query.push(("step", step));
            }
            query.extend(labels.iter().map(|l| ("label", l.as_str())));
            let answer: Json = client.get_query("monitoring/metrics", &query).await?;
            metrics(format, &answer)
        }
        MonitorCommand::Alerts { state } => {
            let query: Vec<(&str, &str)> = state.iter().map(|s| ("state", s.as_str())).collect();
            let answer: Value = client.get_query("monitoring/alerts", &query).await?;
            let items: Vec<Json> = answer["alerts"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|alert| {
                    serde_json::value::to_raw_value(alert).map_err(|e| CliError::Failed(e.into()))
                })
                .collect::<Result<_, _>>()?;
            Ok(output::list(
                format,
                ALERT_COLUMNS,
                &items,
                "active alerts",
            )?)
        }
        MonitorCommand::AlertRule(command) => alert_rule(command, client, format).await,
        MonitorCommand::Silence(command) => silence(command, client, format).await,
        MonitorCommand::Push { file, service } => {
            let body = read_input(&file)?;
            let text = body
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_none_or(|b| *b != b'[');
            let content_type = if text {
                "text/plain; version=0.0.4"
            } else {
                "application/json"
            };
            let query: Vec<(&str, &str)> =
                service.iter().map(|s| ("service", s.as_str())).collect();
            let answer: Json = client
                .post_body("monitoring/samples", &query, content_type, body)
                .await?;
            Ok(output::raw(format, &answer)?)
        }
    }
}

async fn alert_rule(
    command: AlertRuleCommand,
    client: &Client,
    format: Format,
) -> Result<(), CliError> {
    type K = AlertRules;
    match command {
        AlertRuleCommand::Create(fields) => {
            let fields = *fields;
            let mut body = Map::new();
            body.insert("name".into(), json!(fields.name));
            body.insert("service".into(), json!(fields.service));
            body.insert("metric".into(), json!(fields.metric));
            let labels: Map<String, Value> = fields
                .labels
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            body.insert("labels".into(), Value::Object(labels));
            body.insert("aggregation".into(), json!(fields.aggregation));
            body.insert("window".into(), json!(fields.window));
            body.insert("op".into(), json!(fields.op));
            body.insert("threshold".into(), json!(fields.threshold));
            body.insert("for".into(), json!(fields.for_duration));
            body.insert("severity".into(), json!(fields.severity));
            body.insert("summary".into(), json!(fields.summary));
            body.insert("tags".into(), fields.tags.object());
            resource::create::<K>(client, format, body).await
        }
        AlertRuleCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        AlertRuleCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        AlertRuleCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
    }
}

async fn silence(command: SilenceCommand, client: &Client, format: Format) -> Result<(), CliError> {
    type K = Silences;
    match command {
        SilenceCommand::Create {
            matchers,
            duration,
            ends_at,
            starts_at,
            comment,
            name,
        } => {
            let matchers = matchers
                .iter()
                .map(|m| parse_matcher(m))
                .collect::<Result<Vec<Value>, _>>()?;
            let start = match &starts_at {
                Some(text) => clusterdb::Timestamp::parse_rfc3339(text).ok_or_else(|| {
                    CliError::Usage(format!("--starts-at {text:?} is not an RFC 3339 time"))
                })?,
                None => clusterdb::Timestamp::now(),
            };
            let ends_at = match (ends_at, duration) {
                (Some(end), _) => end,
                (None, Some(duration)) => {
                    let ms =
                        clusterdb::monitoring::duration::parse_ms(&duration).ok_or_else(|| {
                            CliError::Usage(format!(
                                "--duration {duration:?} is not a duration such as 2h"
                            ))
                        })?;
                    clusterdb::Timestamp::from_unix_millis(start.unix_millis() + ms).to_string()
                }
                (None, None) => {
                    return Err(CliError::Usage(
                        "a silence needs --duration or --ends-at".into(),
                    ));
                }
            };
            let mut body = Map::new();
            if let Some(name) = name {
                body.insert("name".into(), json!(name));
            }
            body.insert("matchers".into(), Value::Array(matchers));
            body.insert("starts_at".into(), json!(start.to_string()));
            body.insert("ends_at".into(), json!(ends_at));
            body.insert("comment".into(), json!(comment));
            resource::create::<K>(client, format, body).await
        }
        SilenceCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        SilenceCommand::Expire(target) => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let answer: Option<Json> = resource::calls::<K>(client)
                .action(Method::POST, &id, "expire", &[], None)
                .await?;
            let answer = answer
                .ok_or_else(|| CliError::Failed(anyhow::anyhow!("the server answered no body")))?;
            Ok(output::object(format, K::COLUMNS, &answer)?)
        }
    }
}

/// `name=value`, `name!=value`, `name=~regex`, `name!~regex`.
fn parse_matcher(text: &str) -> Result<Value, CliError> {
    for (op, is_equal, is_regex) in [
        ("!~", false, true),
        ("=~", true, true),
        ("!=", false, false),
        ("=", true, false),
    ] {
        if let Some((name, value)) = text.split_once(op) {
            return Ok(
                json!({"name": name, "value": value, "is_regex": is_regex, "is_equal": is_equal}),
            );
        }
    }
    Err(CliError::Usage(format!(
        "--matcher {text:?} is not name=value, name!=value, name=~regex or name!~regex"
    )))
}

fn read_input(file: &PathBuf) -> Result<Vec<u8>, CliError> {
    if file.as_os_str() == "-" {
        let mut body = Vec::new();
        std::io::stdin()
            .read_to_end(&mut body)
            .map_err(|e| CliError::Usage(format!("reading stdin: {e}")))?;
        Ok(body)
    } else {
        std::fs::read(file).map_err(|e| CliError::Usage(format!("reading {}: {e}", file.display())))
    }
}

/// `monitor metrics`: the answer as it is, or a summary row with a
/// sparkline per series.
fn metrics(format: Format, answer: &Json) -> Result<(), CliError> {
    if matches!(format, Format::Json | Format::Yaml) {
        return Ok(output::raw(format, answer)?);
    }
    let answer: Value =
        serde_json::from_str(answer.get()).map_err(|e| CliError::Failed(e.into()))?;
    let series = answer["series"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if series.is_empty() {
        eprintln!(
            "No samples of {} in the last {}.",
            answer["service"].as_str().unwrap_or("?"),
            answer["window"].as_str().unwrap_or("?")
        );
        return Ok(());
    }
    let rows: Vec<Value> = series
        .iter()
        .map(|s| {
            let summary = &s["summary"];
            let values: Vec<f64> = s["points"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p["value"].as_f64())
                .collect();
            json!({
                "metric": s["metric"], "labels": s["labels"], "type": s["type"],
                "count": summary["count"],
                "min": number(&summary["min"]), "max": number(&summary["max"]),
                "avg": number(&summary["avg"]), "last": number(&summary["last"]),
                "rate": number(&summary["rate"]),
                "trend": sparkline(&values, SPARKLINE_WIDTH),
            })
        })
        .collect();
    let heading = format!(
        "{}  window {}  step {}  ({} points)",
        answer["service"].as_str().unwrap_or("?"),
        answer["window"].as_str().unwrap_or("?"),
        answer["step"].as_str().unwrap_or("?"),
        answer["resolution"].as_str().unwrap_or("?"),
    );
    let table = output::table(format == Format::Wide, SERIES_COLUMNS, &rows);
    Ok(output::note(
        format,
        &format!("{heading}\n{}", table.trim_end()),
    )?)
}

/// Characters in a sparkline at most.
const SPARKLINE_WIDTH: usize = 30;

/// A number as a person reads it: integers whole, others to 3 significant
/// decimals; `-` for none.
fn number(value: &Value) -> Value {
    match value.as_f64() {
        None => Value::String("-".into()),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => Value::String(format!("{x:.0}")),
        Some(x) if x.abs() >= 1000.0 => Value::String(format!("{x:.1}")),
        Some(x) => {
            let text = format!("{x:.3}");
            Value::String(text.trim_end_matches('0').trim_end_matches('.').to_string())
        }
    }
}

/// The values as a sparkline of at most `width` characters (`▁` lowest,
/// `█` highest; flat data is a row of `▄`), each character the mean of
/// its share of the values.
pub fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let columns = values.len().min(width);
    let means: Vec<f64> = (0..columns)
        .map(|c| {
            let from = c * values.len() / columns;
            let to = ((c + 1) * values.len() / columns).max(from + 1);
            values[from..to].iter().sum::<f64>() / (to - from) as f64
        })
        .collect();
    let min = means.iter().copied().fold(f64::INFINITY, f64::min);
    let max = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    means
        .iter()
        .map(|v| {
            if max - min <= f64::EPSILON * max.abs().max(1.0) {
                BARS[3]
            } else {
                let at = ((v - min) / (max - min) * (BARS.len() - 1) as f64).round() as usize;
                BARS[at.min(BARS.len() - 1)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_to_the_range() {
        assert_eq!(
            sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 30),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&[5.0, 5.0, 5.0], 30), "▄▄▄");
        assert_eq!(sparkline(&[], 30), "");
        // 60 values in 30 columns: each the mean of two.
        let values: Vec<f64> = (0..60).map(f64::from).collect();
        let line = sparkline(&values, 30);
        assert_eq!(line.chars().count(), 30);
        assert!(line.starts_with('▁') && line.ends_with('█'), "{line}");
    }

    #[test]
    fn matchers_and_numbers() {
        assert_eq!(
            parse_matcher("alertname=~high.*").unwrap(),
            json!({"name": "alertname", "value": "high.*", "is_regex": true, "is_equal": true})
        );
        assert_eq!(parse_matcher("severity!=info").unwrap()["is_equal"], false);
        assert!(parse_matcher("nothing").is_err());
        assert_eq!(number(&json!(3.0)), json!("3"));
        assert_eq!(number(&json!(0.12345)), json!("0.123"));
        assert_eq!(number(&json!(null)), json!("-"));
    }
}

//! Reading the history: which tier answers a window, points per step, and
//! each series' summary (min, max, avg, last, and rate for counters).

use std::collections::BTreeMap;

use super::block::{Rollup, SeriesData, Tier};
use super::history::{MonitoringConfig, SeriesRecord};
use super::sample::{Point, SeriesKey};
use crate::error::{Error, Result};

/// What validation errors about a query call it.
pub const SUBJECT: &str = "metrics query";
/// Most points one series of an answer has.
pub const MAX_POINTS: i64 = 11_000;
/// Windows up to this long are answered from 1-minute rollups (when raw
/// points no longer cover them); longer ones from 1-hour rollups.
const MINUTE_TIER_MAX_WINDOW_MS: i64 = 2 * 86_400_000;

/// A query of one service's series.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsQuery {
    /// The service.
    pub service: String,
    /// Only this metric.
    pub metric: Option<String>,
    /// Only series carrying these labels.
    pub labels: BTreeMap<String, String>,
    /// How far back from `end`, in milliseconds.
    pub window_ms: i64,
    /// The spacing of the points, in milliseconds (default: the finest
    /// the window's tier has).
    pub step_ms: Option<i64>,
}

impl MetricsQuery {
    /// A query of every series of `service` over `window` (Prometheus
    /// notation, e.g. `1h`; empty: 1 h) with points `step` apart (empty:
    /// the finest the window's tier keeps), as the transports receive it;
    /// errors name `window` or `step`.
    pub fn over(service: impl Into<String>, window: &str, step: &str) -> Result<Self> {
        let window_ms = match window {
            "" => 3_600_000,
            text => super::duration::parse_ms(text).ok_or_else(|| {
                Error::invalid(SUBJECT, "window", "must be a duration such as 1h")
            })?,
        };
        let step_ms =
            match step {
                "" => None,
                text => Some(super::duration::parse_ms(text).ok_or_else(|| {
                    Error::invalid(SUBJECT, "step", "must be a duration such as 5m")
                })?),
            };
        Ok(MetricsQuery {
            service: service.into(),
            metric: None,
            labels: BTreeMap::new(),
            window_ms,
            step_ms,
        })
    }
}

/// One series of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesAnswer {
    /// The series.
    pub key: SeriesKey,
    /// Whether it is a counter (its points are its latest values, and
    /// its summary has a rate).
    pub counter: bool,
    /// One point per step that has data: the step's start (a multiple of
    /// the step) and its value
    /// (the mean for a gauge, the latest for a counter).
    pub points: Vec<Point>,
    /// The whole window.
    pub summary: Summary,
}

/// A series over a window.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Samples in the window.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// The mean.
    pub avg: f64,
    /// The latest.
    pub last: f64,
    /// For counters: the increase per second over the window (counter
    /// resets detected); `None` for gauges or with fewer than two samples.
    pub rate: Option<f64>,
}

/// The answer to a [`MetricsQuery`].
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsAnswer {
    /// The service.
    pub service: String,
    /// The window's start, Unix milliseconds.
    pub start: i64,
    /// Its end.
    pub end: i64,
    /// The spacing of the points.
    pub step_ms: i64,
    /// The tier that answered.
    pub tier: Tier,
    /// The series, sorted by metric and labels.
    pub series: Vec<SeriesAnswer>,
}

/// The tier and step that answer `query`; errors name `window` or `step`.
pub fn plan(query: &MetricsQuery, config: &MonitoringConfig) -> Result<(Tier, i64)> {
    let window = query.window_ms;
    if window <= 0 || window > config.retention_ms(Tier::Hour) {
        return Err(Error::invalid(
            SUBJECT,
            "window",
            format!(
                "must be more than 0 and at most {}",
                super::duration::format_ms(config.retention_ms(Tier::Hour))
            ),
        ));
    }
    let by_window = if window <= config.retention_ms(Tier::Raw) {
        Tier::Raw
    } else if window <= MINUTE_TIER_MAX_WINDOW_MS.min(config.retention_ms(Tier::Minute)) {
        Tier::Minute
    } else {
        Tier::Hour
    };
    let by_step = match query.step_ms {
        Some(step) if step <= 0 => {
            return Err(Error::invalid(SUBJECT, "step", "must be more than 0"));
        }
        Some(step) if step >= Tier::Hour.resolution_ms() => Tier::Hour,
        Some(step) if step >= Tier::Minute.resolution_ms() => Tier::Minute,
        _ => Tier::Raw,
    };
    let tier = by_window.max(by_step);
    let step = query
        .step_ms
        .unwrap_or(tier.resolution_ms())
        .max(tier.resolution_ms());
    if window / step > MAX_POINTS {
        return Err(Error::invalid(
            SUBJECT,
            "step",
            format!(
                "gives {} points for the window; at most {MAX_POINTS} (use a larger step)",
                window / step
            ),
        ));
    }
    Ok((tier, step))
}

/// Builds the answer from what the history read.
pub fn answer(
    query: &MetricsQuery,
    tier: Tier,
    step: i64,
    start: i64,
    end: i64,
    series: Vec<SeriesRecord>,
    data: &SeriesData,
) -> MetricsAnswer {
    let mut out: Vec<SeriesAnswer> = series
        .into_iter()
        .filter_map(|record| {
            let id = record.key.id();
            let window = Window::of(data, id, tier, start, end)?;
            Some(SeriesAnswer {
                points: window.points(step, record.counter),
                summary: window.summary(record.counter),
                key: record.key,
                counter: record.counter,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.key.metric, &a.key.labels).cmp(&(&b.key.metric, &b.key.labels)));
    MetricsAnswer {
        service: query.service.clone(),
        start,
        end,
        step_ms: step,
        tier,
        series: out,
    }
}

/// One series' data inside a window.
pub(crate) enum Window<'a> {
    Raw(&'a [Point]),
    Rollups(&'a [Rollup]),
}

impl<'a> Window<'a> {
    /// The data of series `id` from `start` to `end` (`None`: none).
    pub fn of(data: &'a SeriesData, id: u64, tier: Tier, start: i64, end: i64) -> Option<Self> {
        let window = match tier {
            Tier::Raw => {
                let points = data.raw.get(&id)?;
                let from = points.partition_point(|p| p.t < start);
                let to = points.partition_point(|p| p.t <= end);
                Window::Raw(&points[from..to])
            }
            _ => {
                let rollups = data.rollups.get(&id)?;
                let bucket = tier.bucket_ms().unwrap_or(1);
                // Buckets that overlap the window.
                let from = rollups.partition_point(|r| r.start + bucket <= start);
                let to = rollups.partition_point(|r| r.start <= end);
                Window::Rollups(&rollups[from..to])
            }
        };
        (!window.is_empty()).then_some(window)
    }

    fn is_empty(&self) -> bool {
        match self {
            Window::Raw(points) => points.is_empty(),
            Window::Rollups(rollups) => rollups.is_empty(),
        }
    }

    /// Every value (raw points; a rollup's mean), for quantiles.
    pub fn values(&self) -> Vec<f64> {
        match self {
            Window::Raw(points) => points.iter().map(|p| p.v).collect(),
            Window::Rollups(rollups) => rollups.iter().map(Rollup::avg).collect(),
        }
    }

    /// One point per step with data, at the step's start (steps are
    /// aligned to multiples of the step since the epoch, so the same data
    /// gives the same points whenever it is asked).
    fn points(&self, step: i64, counter: bool) -> Vec<Point> {
        let slot = |t: i64| t.div_euclid(step) * step;
        let mut out: Vec<(i64, Rollup)> = Vec::new();
        let mut add = |t: i64, rollup: Rollup| match out.last_mut() {
            Some((at, acc)) if *at == t => acc.merge(&rollup),
            _ => out.push((t, rollup)),
        };
        match self {
            Window::Raw(points) => {
                for p in points.iter() {
                    add(slot(p.t), Rollup::of(slot(p.t), *p));
                }
            }
            Window::Rollups(rollups) => {
                for r in rollups.iter() {
                    add(slot(r.start), *r);
                }
            }
        }
        out.into_iter()
            .map(|(t, r)| Point {
                t,
                v: if counter { r.last.1 } else { r.avg() },
            })
            .collect()
    }

    /// The window's summary.
    pub fn summary(&self, counter: bool) -> Summary {
        let mut total: Option<Rollup> = None;
        let mut increase = 0.0;
        let mut previous: Option<f64> = None;
        let mut add_increase = |from: f64, to: f64| {
            increase += if to >= from { to - from } else { to };
        };
        match self {
            Window::Raw(points) => {
                for p in points.iter() {
                    merge_into(&mut total, &Rollup::of(0, *p));
                    if let Some(prev) = previous {
                        add_increase(prev, p.v);
                    }
                    previous = Some(p.v);
                }
            }
            Window::Rollups(rollups) => {
                for r in rollups.iter() {
                    merge_into(&mut total, r);
                    if let Some(prev) = previous {
                        add_increase(prev, r.first.1);
                    }
                    add_increase(r.first.1, r.last.1);
                    previous = Some(r.last.1);
                }
            }
        }
        let Some(total) = total else {
            return Summary::default();
        };
        let span = (total.last.0 - total.first.0) as f64 / 1000.0;
        Summary {
            count: total.count,
            sum: total.sum,
            min: total.min,
            max: total.max,
            avg: total.avg(),
            last: total.last.1,
            rate: (counter && span > 0.0).then(|| increase / span),
        }
    }
}

fn merge_into(total: &mut Option<Rollup>, next: &Rollup) {
    match total {
        Some(total) => total.merge(next),
        None => *total = Some(*next),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> MonitoringConfig {
        MonitoringConfig::default()
    }

    fn query(window_ms: i64, step_ms: Option<i64>) -> MetricsQuery {
        MetricsQuery {
            service: "web".into(),
            window_ms,
            step_ms,
            ..Default::default()
        }
    }

    #[test]
    fn the_window_picks_the_tier() {
        let c = config();
        assert_eq!(
            plan(&query(3_600_000, None), &c).unwrap(),
            (Tier::Raw, 10_000)
        );
        assert_eq!(
            plan(&query(86_400_000, None), &c).unwrap(),
            (Tier::Minute, 60_000)
        );
        assert_eq!(
            plan(&query(30 * 86_400_000, None), &c).unwrap(),
            (Tier::Hour, 3_600_000)
        );
        assert_eq!(
            plan(&query(3_600_000, Some(300_000)), &c).unwrap(),
            (Tier::Minute, 300_000)
        );
        // A step finer than the tier is the tier's resolution.
        assert_eq!(
            plan(&query(86_400_000, Some(1_000)), &c).unwrap(),
            (Tier::Minute, 60_000)
        );
        let field = |q| {
            plan(&q, &c)
                .unwrap_err()
                .field_violation()
                .unwrap()
                .0
                .to_string()
        };
        assert_eq!(field(query(0, None)), "window");
        assert_eq!(field(query(91 * 86_400_000, None)), "window");
        assert_eq!(field(query(3_600_000, Some(0))), "step");
        // A long raw retention lets a window hold too many raw points.
        let long = MonitoringConfig {
            raw_retention: std::time::Duration::from_secs(100 * 3600),
            ..config()
        };
        let err = plan(&query(50 * 3_600_000, None), &long).unwrap_err();
        assert_eq!(err.field_violation().unwrap().0, "step");
    }

    #[test]
    fn counters_have_a_rate_across_resets() {
        // 0, 10, 20, then a restart: 5, 15 -> increase 20 + 5 + 10 = 35 over 40 s.
        let points: Vec<Point> = [0.0, 10.0, 20.0, 5.0, 15.0]
            .iter()
            .enumerate()
            .map(|(i, v)| Point {
                t: i as i64 * 10_000,
                v: *v,
            })
            .collect();
        let s = Window::Raw(&points).summary(true);
        assert_eq!(s.rate, Some(35.0 / 40.0));
        assert_eq!((s.min, s.max, s.last, s.count), (0.0, 20.0, 15.0, 5));
        assert_eq!(s.avg, 10.0);
        assert_eq!(Window::Raw(&points).summary(false).rate, None);
        // The same from 1-minute rollups of the points gives the same rate.
        let rollups = super::super::block::roll_up(&points, 20_000);
        let r = Window::Rollups(&rollups).summary(true);
        assert_eq!(r.rate, Some(35.0 / 40.0));
        assert_eq!((r.min, r.max, r.last, r.count), (0.0, 20.0, 15.0, 5));
    }

    #[test]
    fn points_are_per_step() {
        let points: Vec<Point> = (0..6)
            .map(|i| Point {
                t: 1_000 + i * 10_000,
                v: i as f64,
            })
            .collect();
        let w = Window::Raw(&points);
        // Steps of 30 s from t=0: [0,30) holds 0,1,2 ; [30,60) holds 3,4,5.
        assert_eq!(
            w.points(30_000, false),
            vec![Point { t: 0, v: 1.0 }, Point { t: 30_000, v: 4.0 }]
        );
        assert_eq!(
            w.points(30_000, true),
            vec![Point { t: 0, v: 2.0 }, Point { t: 30_000, v: 5.0 }]
        );
    }
}

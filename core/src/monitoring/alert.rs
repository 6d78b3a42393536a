//! Alerts: a kind (`alert`) the evaluator writes, one per rule while its
//! condition holds (and for a while after it resolved), and the state
//! machine that moves it — inactive → pending → firing → resolved, with
//! `for` as Prometheus defines it. Every transition is a write, so an
//! event: `alert.pending`, `alert.firing`, `alert.resolved`,
//! `alert.inactive` (a pending alert whose condition stopped holding) and
//! `alert.deleted`; a silenced transition is `alert.updated` instead of
//! firing / resolved, so webhooks subscribed to those are not notified.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rule::{AlertRuleKind, Severity};
use crate::error::Result;
use crate::kind::{Kind, Object, OnDelete, Reference};
use crate::timestamp::Timestamp;
use crate::validation::Context;

/// The indexed field naming an alert's rule.
pub const RULE_FIELD: &str = "rule_id";
/// The indexed field holding an alert's state.
pub const STATE_FIELD: &str = "state";

/// The alert kind.
pub struct AlertKind;

/// An alert.
pub type Alert = Object<AlertKind>;

/// Where an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlertState {
    /// The condition holds, not yet for the rule's `for`.
    Pending,
    /// The condition has held for `for`.
    Firing,
    /// It fired, and the condition no longer holds.
    Resolved,
}

impl AlertState {
    /// Every state, in the order lists show them: firing first.
    pub const ALL: [AlertState; 3] = [
        AlertState::Firing,
        AlertState::Pending,
        AlertState::Resolved,
    ];

    /// The state called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Resolved => "resolved",
        }
    }
}

/// What an alert is about (copied from its rule at each transition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSpec {
    /// The rule's id.
    pub rule_id: String,
    /// The labels silences match (see
    /// [`super::AlertRuleSpec::alert_labels`]).
    pub labels: BTreeMap<String, String>,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's summary.
    pub summary: String,
}

/// The alert's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertStatus {
    /// Where it is.
    pub state: AlertState,
    /// The rule's value at the last transition.
    pub value: Option<f64>,
    /// Since when the condition holds.
    pub active_at: Timestamp,
    /// When it fired.
    pub fired_at: Option<Timestamp>,
    /// When it resolved.
    pub resolved_at: Option<Timestamp>,
    /// The silences muting it at the last transition.
    pub silenced_by: Vec<String>,
    /// Whether its firing was notified (an `alert.firing` event written).
    pub notified: bool,
}

impl Kind for AlertKind {
    type Spec = AlertSpec;
    type Status = AlertStatus;
    const NAME: &'static str = "alert";
    const SUBJECT: &'static str = "alert";
    const INDEXED_FIELDS: &'static [&'static str] = &[RULE_FIELD, STATE_FIELD];
    const REFERENCES: &'static [Reference] = &[Reference {
        field: RULE_FIELD,
        target: AlertRuleKind::NAME,
        on_delete: OnDelete::Delete,
    }];

    fn validate(_spec: &AlertSpec, _ctx: &Context) -> Result<()> {
        Ok(())
    }

    fn initial_status(_spec: &AlertSpec, now: Timestamp) -> AlertStatus {
        AlertStatus {
            state: AlertState::Pending,
            value: None,
            active_at: now,
            fired_at: None,
            resolved_at: None,
            silenced_by: Vec::new(),
            notified: false,
        }
    }

    fn indexed_values(object: &Object<Self>) -> Vec<(&'static str, String)> {
        vec![
            (RULE_FIELD, object.spec.rule_id.clone()),
            (STATE_FIELD, object.status.state.as_str().to_string()),
        ]
    }
}

/// What one evaluation found for a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The rule's value (`None`: no samples in the window).
    pub value: Option<f64>,
    /// Whether the condition holds (never without a value).
    pub holds: bool,
    /// Active silences matching the alert's labels.
    pub silenced_by: Vec<String>,
}

/// What the evaluator does to a rule's alert.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Nothing.
    Keep,
    /// Create the alert with this status and event action.
    Create(AlertStatus, &'static str),
    /// Write this status with this event action.
    Set(AlertStatus, &'static str),
    /// Remove the alert with this event action.
    Remove(&'static str),
}

/// Records a change of the silences muting an alert (`alert.updated`),
/// or nothing.
fn resilenced(current: &AlertStatus, seen: &Observation) -> Step {
    if current.silenced_by == seen.silenced_by {
        return Step::Keep;
    }
    Step::Set(
        AlertStatus {
            silenced_by: seen.silenced_by.clone(),
            ..current.clone()
        },
        "updated",
    )
}

/// The state machine: the next step for an alert (`current`, `None` when
/// inactive) given an observation at `now`, the rule's `for` and how long
/// resolved alerts stay.
pub fn step(
    current: Option<&AlertStatus>,
    seen: &Observation,
    now: Timestamp,
    for_ms: i64,
    resolved_retention_ms: i64,
) -> Step {
    let silenced = !seen.silenced_by.is_empty();
    let started = |state: AlertState| AlertStatus {
        state,
        value: seen.value,
        active_at: now,
        fired_at: (state == AlertState::Firing).then_some(now),
        resolved_at: None,
        silenced_by: seen.silenced_by.clone(),
        notified: state == AlertState::Firing && !silenced,
    };
    let firing_action = if silenced { "updated" } else { "firing" };
    let Some(current) = current else {
        return match (seen.holds, for_ms) {
            (false, _) => Step::Keep,
            (true, 0) => Step::Create(started(AlertState::Firing), firing_action),
            (true, _) => Step::Create(started(AlertState::Pending), "pending"),
        };
    };
    match (current.state, seen.holds) {
        (AlertState::Pending, false) => Step::Remove("inactive"),
        (AlertState::Pending, true) => {
            if now.unix_millis() - current.active_at.unix_millis() >= for_ms {
                Step::Set(
                    AlertStatus {
                        state: AlertState::Firing,
                        value: seen.value,
                        fired_at: Some(now),
                        silenced_by: seen.silenced_by.clone(),
                        notified: !silenced,
                        ..current.clone()
                    },
                    firing_action,
                )
            } else {
                resilenced(current, seen)
            }
        }
        (AlertState::Firing, true) => {
            if !current.notified && !silenced {
                // Its silence ended while it fires: notify now.
                Step::Set(
                    AlertStatus {
                        value: seen.value,
                        silenced_by: Vec::new(),
                        notified: true,
                        ..current.clone()
                    },
                    "firing",
                )
            } else {
                resilenced(current, seen)
            }
        }
        (AlertState::Firing, false) => Step::Set(
            AlertStatus {
                state: AlertState::Resolved,
                value: seen.value,
                resolved_at: Some(now),
                silenced_by: seen.silenced_by.clone(),
                ..current.clone()
            },
            // Resolved is notified only for a firing that was notified.
            if current.notified && !silenced {
                "resolved"
            } else {
                "updated"
            },
        ),
        (AlertState::Resolved, true) => {
            let state = if for_ms == 0 {
                AlertState::Firing
            } else {
                AlertState::Pending
            };
            let action = if state == AlertState::Firing {
                firing_action
            } else {
                "pending"
            };
            Step::Set(started(state), action)
        }
        (AlertState::Resolved, false) => {
            let since = current.resolved_at.unwrap_or(current.active_at);
            if now.unix_millis() - since.unix_millis() >= resolved_retention_ms {
                Step::Remove("deleted")
            } else {
                Step::Keep
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOR: i64 = 120_000;
    const KEEP: i64 = 900_000;

    fn seen(holds: bool) -> Observation {
        Observation {
            value: Some(if holds { 12.0 } else { 3.0 }),
            holds,
            silenced_by: Vec::new(),
        }
    }

    /// Drives the machine through `(seconds, holds)` evaluations and
    /// returns the event actions written.
    fn run(
        evaluations: &[(i64, bool)],
        silenced_at: &[i64],
    ) -> (Vec<&'static str>, Option<AlertStatus>) {
        let mut current: Option<AlertStatus> = None;
        let mut actions = Vec::new();
        for (secs, holds) in evaluations {
            let now = Timestamp::from_unix_millis(secs * 1000);
            let mut observation = seen(*holds);
            if silenced_at.contains(secs) {
                observation.silenced_by = vec!["silence-1".into()];
            }
            match step(current.as_ref(), &observation, now, FOR, KEEP) {
                Step::Keep => {}
                Step::Create(status, action) | Step::Set(status, action) => {
                    current = Some(status);
                    actions.push(action);
                }
                Step::Remove(action) => {
                    current = None;
                    actions.push(action);
                }
            }
        }
        (actions, current)
    }

    #[test]
    fn for_is_honoured() {
        // Holds from t=0; evaluated every 15 s; `for` is 2 min: fires at 120 s.
        let evals: Vec<(i64, bool)> = (0..=9).map(|i| (i * 15, true)).collect();
        let (actions, current) = run(&evals, &[]);
        assert_eq!(actions, vec!["pending", "firing"]);
        let current = current.unwrap();
        assert_eq!(current.state, AlertState::Firing);
        assert_eq!(current.active_at.unix_millis(), 0);
        assert_eq!(current.fired_at.unwrap().unix_millis(), 120_000);
    }

    #[test]
    fn flapping_never_fires() {
        // True for 105 s, false once, true again: `for` restarts.
        let mut evals: Vec<(i64, bool)> = (0..=7).map(|i| (i * 15, true)).collect();
        evals.push((120, false));
        evals.extend((9..=15).map(|i| (i * 15, true)));
        let (actions, current) = run(&evals, &[]);
        assert_eq!(actions, vec!["pending", "inactive", "pending"]);
        assert_eq!(current.unwrap().state, AlertState::Pending);
    }

    #[test]
    fn resolves_after_recovery_and_is_forgotten_later() {
        let mut evals: Vec<(i64, bool)> = (0..=8).map(|i| (i * 15, true)).collect();
        evals.push((135, false));
        evals.push((135 + 899, false));
        let (actions, current) = run(&evals, &[]);
        assert_eq!(actions, vec!["pending", "firing", "resolved"]);
        assert_eq!(current.as_ref().unwrap().state, AlertState::Resolved);
        evals.push((135 + 900, false));
        let (actions, current) = run(&evals, &[]);
        assert_eq!(actions.last(), Some(&"deleted"));
        assert!(current.is_none());
    }

    #[test]
    fn a_silence_mutes_and_its_end_notifies() {
        // Silenced from 90 s to 150 s: firing at 120 s is muted, notified at 165 s.
        let evals: Vec<(i64, bool)> = (0..=11).map(|i| (i * 15, true)).collect();
        let (actions, current) = run(&evals, &[90, 105, 120, 135, 150]);
        assert_eq!(actions, vec!["pending", "updated", "updated", "firing"]);
        assert!(current.unwrap().notified);
        // Resolving while muted, after a muted firing: no resolved notice.
        let mut evals: Vec<(i64, bool)> = (0..=8).map(|i| (i * 15, true)).collect();
        evals.push((135, false));
        let (actions, _) = run(&evals, &[120, 135]);
        assert!(
            !actions.contains(&"firing") && !actions.contains(&"resolved"),
            "{actions:?}"
        );
    }

    #[test]
    fn for_zero_fires_at_once() {
        let now = Timestamp::from_unix_millis(0);
        assert!(matches!(
            step(None, &seen(true), now, 0, KEEP),
            Step::Create(
                AlertStatus {
                    state: AlertState::Firing,
                    notified: true,
                    ..
                },
                "firing"
            )
        ));
        assert_eq!(step(None, &seen(false), now, 0, KEEP), Step::Keep);
    }
}

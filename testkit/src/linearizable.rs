//! A linearizability check of a recorded history of fleet operations, per
//! fleet name, against a register model — with porcupine-rs (a port of
//! Porcupine, the checker of etcd's robustness tests: the Wing–Gong–Lowe
//! search with memoization) doing the search.
//!
//! The model is a set of possible states, because some of what happens is
//! not observed: an operation whose outcome is unknown (a timeout, a lost
//! connection, a 5xx) may or may not have been applied, and is given an
//! endless duration (it may take effect at any later point, as Porcupine
//! and Jepsen treat such operations); a fleet being deleted may vanish at
//! any moment (the reconciler removes it); and a version written by an
//! update of unknown outcome is not known.
//!
//! What a fleet's register holds is its id, its description (the value
//! the test writes) and its `spec_version`: `If-Match` accepts any version
//! from the last client change on (a delete, which marks the fleet, is
//! one), so the server's own status writes never fail a client's update
//! (see `Meta::accepts_version`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use porcupine_rs::{CheckResult, Model, Operation};

/// An operation on the fleet of one name.
#[derive(Debug, Clone, PartialEq)]
pub enum FleetOp {
    /// `POST /v1/fleets` with this description.
    Create {
        /// The value written.
        description: String,
    },
    /// A read of the fleet of this name.
    Read,
    /// `PUT /v1/fleets/{id}` with `If-Match`.
    Update {
        /// The fleet addressed.
        id: String,
        /// The version in `If-Match`.
        if_match: u64,
        /// The value written.
        description: String,
    },
    /// `DELETE /v1/fleets/{id}`.
    Delete {
        /// The fleet addressed.
        id: String,
    },
}

/// What an operation returned.
#[derive(Debug, Clone, PartialEq)]
pub enum FleetRet {
    /// The create succeeded.
    Created {
        /// The new fleet's id.
        id: String,
        /// Its version (the ETag).
        version: u64,
    },
    /// The create found the name taken.
    Exists,
    /// The read found the fleet.
    Found {
        /// Its id.
        id: String,
        /// Its description.
        description: String,
        /// Its `resource_version`.
        version: u64,
        /// Whether it is being deleted.
        deleting: bool,
    },
    /// The read found no fleet of the name.
    Missing,
    /// The update succeeded.
    Updated {
        /// The new version.
        version: u64,
    },
    /// The update's `If-Match` did not match (412).
    Conflict,
    /// The update found the fleet being deleted.
    BeingDeleted,
    /// No fleet has the id addressed.
    NotFound,
    /// The delete was accepted.
    Deleted,
    /// Only for an operation left in flight (outcome unknown).
    Unknown,
}

/// One possible state of the register.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum State {
    Absent,
    Present {
        id: Option<String>,
        description: String,
        spec_version: Option<u64>,
        deleting: bool,
    },
}

/// Whether a fleet state answers to `id` (an unknown id might be it).
fn is(state_id: &Option<String>, id: &str) -> bool {
    state_id.as_deref().is_none_or(|known| known == id)
}

/// Whether `If-Match: if_match` passes a fleet whose last spec write is
/// `spec_version` (unknown: it might).
fn accepts(spec_version: Option<u64>, if_match: u64) -> bool {
    spec_version.is_none_or(|v| v <= if_match)
}

impl State {
    /// The states after `op` returned `ret` here (none: impossible).
    fn after(&self, op: &FleetOp, ret: &FleetRet) -> Vec<State> {
        use FleetOp as O;
        use FleetRet as R;
        match (self, op, ret) {
            (State::Absent, O::Create { description }, R::Created { id, version }) => {
                vec![State::Present {
                    id: Some(id.clone()),
                    description: description.clone(),
                    spec_version: Some(*version),
                    deleting: false,
                }]
            }
            (State::Present { .. }, O::Create { .. }, R::Exists) => vec![self.clone()],
            (State::Absent, O::Read, R::Missing) => vec![self.clone()],
            (
                State::Present {
                    id: known,
                    description: held,
                    spec_version,
                    deleting: held_deleting,
                },
                O::Read,
                R::Found {
                    id,
                    description,
                    version,
                    deleting,
                },
            ) if is(known, id)
                && held == description
                && held_deleting == deleting
                && spec_version.is_none_or(|v| v <= *version) =>
            {
                vec![State::Present {
                    id: Some(id.clone()),
                    description: held.clone(),
                    spec_version: *spec_version,
                    deleting: *deleting,
                }]
            }
            (
                State::Present {
                    id: known,
                    spec_version,
                    deleting: false,
                    ..
                },
                O::Update {
                    id,
                    if_match,
                    description,
                },
                R::Updated { version },
            ) if is(known, id) && accepts(*spec_version, *if_match) => vec![State::Present {
                id: Some(id.clone()),
                description: description.clone(),
                spec_version: Some(*version),
                deleting: false,
            }],
            (
                State::Present {
                    id: known,
                    spec_version,
                    ..
                },
                O::Update { id, if_match, .. },
                R::Conflict,
            ) if is(known, id) && spec_version.is_none_or(|v| *if_match < v) => {
                vec![self.clone()]
            }
            (
                State::Present {
                    id: known,
                    deleting: true,
                    ..
                },
                O::Update { id, .. },
                R::BeingDeleted,
            ) if is(known, id) => vec![self.clone()],
            (State::Absent, O::Update { .. } | O::Delete { .. }, R::NotFound) => {
                vec![self.clone()]
            }
            (
                State::Present { id: known, .. },
                O::Update { id, .. } | O::Delete { id },
                R::NotFound,
            ) if known.as_deref() != Some(id.as_str()) => vec![self.clone()],
            (
                State::Present {
                    id: known,
                    description,
                    ..
                },
                O::Delete { id },
                R::Deleted,
            ) if is(known, id) => vec![State::Present {
                id: Some(id.clone()),
                description: description.clone(),
                // Marking it deleted is a client change: a new spec
                // version, which the answer does not tell.
                spec_version: None,
                deleting: true,
            }],
            _ => Vec::new(),
        }
    }

    /// The states `op` may leave when its outcome is unknown: this one
    /// (not applied) or the one it makes (applied, whatever it returned).
    fn after_unknown(&self, op: &FleetOp) -> Vec<State> {
        let applied = match (self, op) {
            (State::Absent, FleetOp::Create { description }) => Some(State::Present {
                id: None,
                description: description.clone(),
                spec_version: None,
                deleting: false,
            }),
            (
                State::Present {
                    id: known,
                    spec_version,
                    deleting: false,
                    ..
                },
                FleetOp::Update {
                    id,
                    if_match,
                    description,
                },
            ) if is(known, id) && accepts(*spec_version, *if_match) => Some(State::Present {
                id: Some(id.clone()),
                description: description.clone(),
                spec_version: None,
                deleting: false,
            }),
            (
                State::Present {
                    id: known,
                    description,
                    ..
                },
                FleetOp::Delete { id },
            ) if is(known, id) => Some(State::Present {
                id: Some(id.clone()),
                description: description.clone(),
                spec_version: None,
                deleting: true,
            }),
            _ => None,
        };
        std::iter::once(self.clone()).chain(applied).collect()
    }
}

/// The register as the set of states it may be in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Register(BTreeSet<State>);

impl Register {
    /// Adds what may happen unobserved: a fleet being deleted vanishes.
    fn widened(&self) -> impl Iterator<Item = State> + '_ {
        self.0.iter().flat_map(|state| {
            let vanished =
                matches!(state, State::Present { deleting: true, .. }).then_some(State::Absent);
            std::iter::once(state.clone()).chain(vanished)
        })
    }
}

/// The model porcupine-rs checks against: an operation with what it
/// returned (`Unknown`: may or may not have applied).
#[derive(Debug, Clone)]
struct FleetRegister;

impl Model for FleetRegister {
    type State = Register;
    type Op = (FleetOp, FleetRet);
    type Metadata = ();

    fn init() -> Register {
        Register(BTreeSet::from([State::Absent]))
    }

    fn step(register: &Register, (op, ret): &(FleetOp, FleetRet)) -> (bool, Register) {
        let next: BTreeSet<State> = match ret {
            FleetRet::Unknown => register
                .widened()
                .flat_map(|s| s.after_unknown(op))
                .collect(),
            ret => register.widened().flat_map(|s| s.after(op, ret)).collect(),
        };
        (!next.is_empty(), Register(next))
    }
}

/// One recorded operation.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The client that ran it (one operation at a time per client).
    pub client: u32,
    /// The fleet name it concerns.
    pub name: String,
    /// What was asked.
    pub op: FleetOp,
    /// When it was sent.
    pub called: Instant,
    /// When and what it returned; `None` when the outcome is unknown.
    pub returned: Option<(Instant, FleetRet)>,
}

/// How long the search may take per fleet name before the verdict is
/// "unknown" (an error: the history should be made smaller).
const SEARCH_LIMIT: Duration = Duration::from_secs(60);

/// Checks that the history of every fleet name is linearizable; the error
/// names the first name that is not and lists its history.
pub fn check(history: &[Recorded]) -> Result<(), String> {
    let mut by_name: BTreeMap<&str, Vec<&Recorded>> = BTreeMap::new();
    for op in history {
        by_name.entry(&op.name).or_default().push(op);
    }
    for (name, ops) in by_name {
        let start = ops.iter().map(|o| o.called).min().expect("one op");
        let nanos =
            |t: Instant| i64::try_from(t.duration_since(start).as_nanos()).unwrap_or(i64::MAX);
        let operations: Vec<Operation<FleetRegister>> = ops
            .iter()
            .map(|op| {
                let (returned, ret) = match &op.returned {
                    Some((at, ret)) => (nanos(*at), ret.clone()),
                    None => (i64::MAX, FleetRet::Unknown),
                };
                Operation {
                    client_id: Some(op.client),
                    call_time: nanos(op.called),
                    return_time: returned,
                    op: (op.op.clone(), ret),
                    metadata: None,
                }
            })
            .collect();
        let verdict = porcupine_rs::check_operations_timeout(&operations, SEARCH_LIMIT);
        if verdict != CheckResult::Ok {
            let mut listing = String::new();
            for op in &ops {
                let at = |t: Instant| t.duration_since(start).as_millis();
                let ret = match &op.returned {
                    Some((t, ret)) => format!("{ret:?} at {} ms", at(*t)),
                    None => "unknown".into(),
                };
                listing.push_str(&format!(
                    "\n  client {} at {} ms: {:?} -> {ret}",
                    op.client,
                    at(op.called),
                    op.op
                ));
            }
            let what = match verdict {
                CheckResult::Illegal => "is not linearizable",
                _ => "could not be checked in time",
            };
            return Err(format!("the history of {name} {what}:{listing}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A history builder: operations at millisecond offsets.
    struct History {
        start: Instant,
        ops: Vec<Recorded>,
    }

    impl History {
        fn new() -> Self {
            History {
                start: Instant::now(),
                ops: Vec::new(),
            }
        }

        /// A history whose client 1 created fleet `a` ("x", version 5)
        /// at 0–1 ms.
        fn with_a_created() -> Self {
            let mut h = History::new();
            let created = FleetRet::Created {
                id: "a".into(),
                version: 5,
            };
            h.op(1, 0, Some(1), create("x"), created);
            h
        }

        fn op(&mut self, client: u32, from: u64, to: Option<u64>, op: FleetOp, ret: FleetRet) {
            let at = |ms| self.start + Duration::from_millis(ms);
            self.ops.push(Recorded {
                client,
                name: "f".into(),
                op,
                called: at(from),
                returned: to.map(|to| (at(to), ret)),
            });
        }
    }

    fn create(d: &str) -> FleetOp {
        FleetOp::Create {
            description: d.into(),
        }
    }

    fn found(d: &str, version: u64) -> FleetRet {
        FleetRet::Found {
            id: "a".into(),
            description: d.into(),
            version,
            deleting: false,
        }
    }

    fn update(if_match: u64, d: &str) -> FleetOp {
        FleetOp::Update {
            id: "a".into(),
            if_match,
            description: d.into(),
        }
    }

    #[test]
    fn a_sequential_history_passes() {
        let mut h = History::with_a_created();
        h.op(2, 2, Some(3), FleetOp::Read, found("x", 6));
        h.op(
            2,
            4,
            Some(5),
            update(6, "y"),
            FleetRet::Updated { version: 9 },
        );
        h.op(1, 6, Some(7), update(5, "z"), FleetRet::Conflict);
        h.op(1, 8, Some(9), FleetOp::Read, found("y", 9));
        h.op(
            1,
            10,
            Some(11),
            FleetOp::Delete { id: "a".into() },
            FleetRet::Deleted,
        );
        h.op(2, 12, Some(13), FleetOp::Read, FleetRet::Missing);
        h.op(2, 14, Some(15), update(9, "w"), FleetRet::NotFound);
        assert_eq!(check(&h.ops), Ok(()));
    }

    #[test]
    fn a_stale_read_fails() {
        let mut h = History::with_a_created();
        h.op(
            1,
            2,
            Some(3),
            update(5, "y"),
            FleetRet::Updated { version: 7 },
        );
        // After the update returned, another client still reads x.
        h.op(2, 4, Some(5), FleetOp::Read, found("x", 5));
        let err = check(&h.ops).unwrap_err();
        assert!(err.contains("not linearizable"), "{err}");
    }

    #[test]
    fn a_lost_acknowledged_create_fails_and_two_winners_fail() {
        let mut h = History::new();
        let created = FleetRet::Created {
            id: "a".into(),
            version: 5,
        };
        h.op(1, 0, Some(1), create("x"), created.clone());
        h.op(2, 2, Some(3), FleetOp::Read, FleetRet::Missing);
        assert!(check(&h.ops).is_err());

        let mut h = History::new();
        h.op(1, 0, Some(5), create("x"), created);
        let other = FleetRet::Created {
            id: "b".into(),
            version: 6,
        };
        h.op(2, 0, Some(5), create("y"), other);
        assert!(check(&h.ops).is_err());
    }

    #[test]
    fn an_unknown_outcome_may_or_may_not_have_applied() {
        for seen in ["x", "y"] {
            let mut h = History::with_a_created();
            h.op(1, 2, None, update(5, "y"), FleetRet::Unknown);
            h.op(2, 10, Some(11), FleetOp::Read, found(seen, 8));
            // The client goes on after its unknown outcome.
            h.op(1, 12, Some(13), FleetOp::Read, found(seen, 8));
            assert_eq!(check(&h.ops), Ok(()), "{seen}");
        }
        // But it cannot undo itself: y then x again is not possible.
        let mut h = History::with_a_created();
        h.op(1, 2, None, update(5, "y"), FleetRet::Unknown);
        h.op(2, 10, Some(11), FleetOp::Read, found("y", 8));
        h.op(2, 12, Some(13), FleetOp::Read, found("x", 8));
        assert!(check(&h.ops).is_err());
    }

    #[test]
    fn a_fleet_being_deleted_may_vanish_unobserved() {
        let mut h = History::with_a_created();
        h.op(
            1,
            2,
            Some(3),
            FleetOp::Delete { id: "a".into() },
            FleetRet::Deleted,
        );
        let deleting = FleetRet::Found {
            id: "a".into(),
            description: "x".into(),
            version: 6,
            deleting: true,
        };
        h.op(2, 4, Some(5), FleetOp::Read, deleting.clone());
        h.op(2, 6, Some(7), FleetOp::Read, FleetRet::Missing);
        let again = FleetRet::Created {
            id: "b".into(),
            version: 9,
        };
        h.op(1, 8, Some(9), create("z"), again);
        assert_eq!(check(&h.ops), Ok(()));
        // Once gone, it does not come back.
        h.op(2, 10, Some(11), FleetOp::Read, deleting);
        assert!(check(&h.ops).is_err());
    }

    /// A history of 3000 operations of eight clients on a register that is
    /// linearizable by construction: overlapping operations, each applied
    /// at a random point within its span; one write in `hide` has its
    /// outcome hidden (it applied, the client did not learn it).
    fn simulate(hide: u64) -> Vec<Recorded> {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut below = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let start = Instant::now();
        let at = |t: u64| start + Duration::from_micros(t);
        // (client, call, point, return, roll, number), applied in order of
        // their point.
        let mut planned = Vec::new();
        let mut free_at = [0u64; 8];
        for i in 0..3000u64 {
            let client = below(8) as usize;
            let call = free_at[client] + below(50);
            let point = call + 1 + below(100);
            let ret = point + 1 + below(100);
            free_at[client] = ret;
            planned.push((client as u32, call, point, ret, below(100), i));
        }
        planned.sort_by_key(|p| p.2);
        let mut state: Option<(String, String, u64, bool)> = None;
        let mut next_id = 0;
        let mut history = Vec::new();
        for (client, call, point, ret, roll, i) in planned {
            let version = point;
            let description = format!("d{i}");
            let read = |state: &Option<(String, String, u64, bool)>| match state {
                None => FleetRet::Missing,
                Some((id, d, v, deleting)) => FleetRet::Found {
                    id: id.clone(),
                    description: d.clone(),
                    version: *v,
                    deleting: *deleting,
                },
            };
            let (op, result) = match (&mut state, roll) {
                (_, 0..40) => (FleetOp::Read, read(&state)),
                (None, _) => {
                    next_id += 1;
                    let id = format!("f{next_id}");
                    state = Some((id.clone(), description.clone(), version, false));
                    (
                        FleetOp::Create { description },
                        FleetRet::Created { id, version },
                    )
                }
                (Some((_, _, _, true)), _) => {
                    // The reconciler removes it before this read.
                    state = None;
                    (FleetOp::Read, FleetRet::Missing)
                }
                (Some(_), 40..50) => (FleetOp::Create { description }, FleetRet::Exists),
                (Some((id, d, v, _)), 50..90) => {
                    let op = FleetOp::Update {
                        id: id.clone(),
                        if_match: *v,
                        description: description.clone(),
                    };
                    *d = description;
                    *v = version;
                    (op, FleetRet::Updated { version })
                }
                (Some((id, _, _, deleting)), _) => {
                    *deleting = true;
                    (FleetOp::Delete { id: id.clone() }, FleetRet::Deleted)
                }
            };
            let hidden = !matches!(op, FleetOp::Read) && below(hide) == 0;
            history.push(Recorded {
                client,
                name: "f".into(),
                op,
                called: at(call),
                returned: (!hidden).then(|| (at(ret), result)),
            });
        }
        history
    }

    #[test]
    fn simulated_linearizable_histories_pass() {
        assert_eq!(check(&simulate(u64::MAX)), Ok(()));
        assert_eq!(check(&simulate(50)), Ok(()));
    }

    #[test]
    fn a_read_of_a_value_never_written_fails_a_long_history() {
        let mut history = simulate(u64::MAX);
        let read = history
            .iter()
            .rposition(|r| matches!(r.returned, Some((_, FleetRet::Found { .. }))))
            .expect("a read that found the fleet");
        if let Some((_, FleetRet::Found { description, .. })) = &mut history[read].returned {
            *description = "never written".into();
        }
        let err = check(&history).unwrap_err();
        assert!(err.contains("is not linearizable"), "{}", &err[..200]);
    }
}

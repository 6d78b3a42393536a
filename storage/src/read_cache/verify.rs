//! The inconsistency detector: the cache at a revision against a snapshot
//! of the store read directly at that same revision.

use super::shared::Shared;
use crate::contract::{Entry, Revision};
use crate::error::Error;

/// Keys one snapshot page reads.
const PAGE: usize = 1000;

/// What one comparison found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The revision both sides were read at.
    pub revision: Revision,
    /// Cached keys compared.
    pub keys: usize,
    /// Keys that differ (at most the first 10), each described.
    pub differences: Vec<String>,
    /// How many keys differ in all.
    pub differing: usize,
}

impl Verification {
    /// Whether the cache matched the store.
    pub fn consistent(&self) -> bool {
        self.differing == 0
    }
}

fn describe(key: &[u8], cached: Option<&Entry>, stored: Option<&Entry>) -> String {
    let side = |entry: Option<&Entry>| match entry {
        Some(entry) => format!(
            "{} bytes at revision {}",
            entry.value.len(),
            entry.mod_revision
        ),
        None => "absent".to_string(),
    };
    format!(
        "{}: cache has {}, store has {}",
        String::from_utf8_lossy(key),
        side(cached),
        side(stored)
    )
}

/// Reads the store's snapshot a page at a time and compares each page
/// with the cache over the same span of keys, so neither side is ever
/// held whole in memory nor the cache's lock for long.
pub(super) async fn run(shared: &Shared) -> Result<Verification, Error> {
    let mut snapshot = shared.inner.snapshot().await?;
    let revision = snapshot.point().revision;
    shared.reach(revision).await?;
    let mut report = Verification {
        revision,
        keys: 0,
        differences: Vec::new(),
        differing: 0,
    };
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = snapshot.data(after.as_deref(), PAGE).await?;
        // The span this page covers: up to its last key, or to the end.
        let through = page
            .entries
            .last()
            .filter(|_| page.more)
            .map(|(key, _)| key.clone());
        let stored: Vec<(Vec<u8>, Entry)> = page
            .entries
            .into_iter()
            .filter(|(key, _)| shared.options.holds(key))
            .collect();
        let cached = {
            let history = shared.read();
            if revision < history.horizon() {
                return Err(Error::Compacted {
                    requested: revision,
                    compacted_through: history.horizon().saturating_sub(1),
                });
            }
            history.between(after.as_deref(), through.as_deref(), revision)
        };
        compare(&cached, &stored, &mut report);
        match through {
            Some(through) => after = Some(through),
            None => return Ok(report),
        }
    }
}

/// Notes in `report` every key of one span that the two sides differ on.
fn compare(cached: &[(Vec<u8>, Entry)], stored: &[(Vec<u8>, Entry)], report: &mut Verification) {
    let mut note = |key: &[u8], cached: Option<&Entry>, stored: Option<&Entry>| {
        report.differing += 1;
        if report.differences.len() < 10 {
            report.differences.push(describe(key, cached, stored));
        }
    };
    let (mut c, mut s) = (cached.iter().peekable(), stored.iter().peekable());
    let mut keys = 0;
    loop {
        keys += 1;
        match (c.peek(), s.peek()) {
            (None, None) => break,
            (Some((ck, ce)), Some((sk, se))) if ck == sk => {
                if ce != se {
                    note(ck, Some(ce), Some(se));
                }
                c.next();
                s.next();
            }
            (Some((ck, ce)), Some((sk, _))) if ck < sk => {
                note(ck, Some(ce), None);
                c.next();
            }
            (Some((ck, ce)), None) => {
                note(ck, Some(ce), None);
                c.next();
            }
            (_, Some((sk, se))) => {
                note(sk, None, Some(se));
                s.next();
            }
        }
    }
    report.keys += keys - 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(value: &str, revision: Revision) -> (Vec<u8>, Entry) {
        (
            Vec::new(),
            Entry {
                value: value.as_bytes().to_vec(),
                mod_revision: revision,
            },
        )
    }

    fn at(key: &str, (_, entry): (Vec<u8>, Entry)) -> (Vec<u8>, Entry) {
        (key.as_bytes().to_vec(), entry)
    }

    /// The detector names a key only the cache has, one only the store
    /// has, and one whose value or revision differs — and nothing else.
    #[test]
    fn every_kind_of_difference_is_found() {
        let cached = vec![
            at("a", entry("1", 3)),
            at("b", entry("2", 4)),
            at("c", entry("x", 5)),
            at("e", entry("5", 6)),
        ];
        let stored = vec![
            at("a", entry("1", 3)),
            at("c", entry("x", 7)),
            at("d", entry("4", 6)),
            at("e", entry("5", 6)),
        ];
        let mut report = Verification {
            revision: 7,
            keys: 0,
            differences: Vec::new(),
            differing: 0,
        };
        compare(&cached, &stored, &mut report);
        assert_eq!(report.keys, 5);
        assert_eq!(report.differing, 3);
        assert!(!report.consistent());
        assert_eq!(
            report.differences,
            [
                "b: cache has 1 bytes at revision 4, store has absent",
                "c: cache has 1 bytes at revision 5, store has 1 bytes at revision 7",
                "d: cache has absent, store has 1 bytes at revision 6",
            ]
        );
        let mut same = Verification {
            differences: Vec::new(),
            ..report.clone()
        };
        same.differing = 0;
        same.keys = 0;
        compare(&stored, &stored, &mut same);
        assert!(same.consistent());
        assert_eq!(same.keys, 4);
    }
}

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

pub(super) async fn run(shared: &Shared) -> Result<Verification, Error> {
    let mut snapshot = shared.inner.snapshot().await?;
    let revision = snapshot.point().revision;
    shared.reach(revision).await?;
    let mut stored: Vec<(Vec<u8>, Entry)> = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = snapshot.data(after.as_deref(), PAGE).await?;
        after = page.entries.last().map(|(key, _)| key.clone());
        let prefixes = &shared.options.prefixes;
        stored.extend(
            page.entries.into_iter().filter(|(key, _)| {
                prefixes.is_empty() || prefixes.iter().any(|p| key.starts_with(p))
            }),
        );
        if !page.more || after.is_none() {
            break;
        }
    }
    let history = shared.read();
    if revision < history.horizon() {
        return Err(Error::Compacted {
            requested: revision,
            compacted_through: history.horizon().saturating_sub(1),
        });
    }
    let cached: Vec<(&[u8], Entry)> = history.all(revision).collect();
    let mut report = Verification {
        revision,
        keys: stored.len().max(cached.len()),
        differences: Vec::new(),
        differing: 0,
    };
    let mut note = |key: &[u8], cached: Option<&Entry>, stored: Option<&Entry>| {
        report.differing += 1;
        if report.differences.len() < 10 {
            report.differences.push(describe(key, cached, stored));
        }
    };
    let (mut c, mut s) = (cached.iter().peekable(), stored.iter().peekable());
    loop {
        match (c.peek(), s.peek()) {
            (None, None) => break,
            (Some((ck, ce)), Some((sk, se))) if *ck == sk.as_slice() => {
                if ce != se {
                    note(ck, Some(ce), Some(se));
                }
                c.next();
                s.next();
            }
            (Some((ck, ce)), Some((sk, _))) if *ck < sk.as_slice() => {
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
    Ok(report)
}

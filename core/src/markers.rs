//! [`Markers`]: the change markers' revisions as this process last wrote
//! or read them.

/// The revisions of the change markers ([`crate::Kind::CHANGE_MARKER`])
/// this process wrote or read. They stand in for the store only when this
/// process is its sole writer ([`Engine::sole_writer`]): then every marker
/// write is a commit made here, noted before its caller is answered.
#[derive(Default)]
pub(crate) struct Markers(std::sync::Mutex<std::collections::HashMap<&'static str, u64>>);

impl Markers {
    /// Notes that `marker` is at `revision` (or later).
    pub fn note(&self, marker: &'static str, revision: u64) {
        let mut known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let entry = known.entry(marker).or_insert(revision);
        *entry = (*entry).max(revision);
    }

    pub fn get(&self, marker: &'static str) -> Option<u64> {
        let known = self.0.lock().unwrap_or_else(|p| p.into_inner());
        known.get(marker).copied()
    }
}

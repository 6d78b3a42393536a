//! Where the etcd engine keeps things, under its prefix `P`:
//!
//! - `P d/{key}`: data;
//! - `P e/p/{commit}/{index:08x}`: an event as committed — its revision is
//!   the key's `mod_revision`, unknown until the commit lands;
//! - `P e/l/{revision:016x}/{index:08x}`: the event moved into revision
//!   order by the mover;
//! - `P m/format`, `P m/compacted`, `P m/offset`: metadata (the offset of
//!   the engine's revisions over etcd's, set by a load);
//! - `P m/progress`: written to prove a change feed fresh (see `feed.rs`).

/// The key builder for one prefix.
#[derive(Debug, Clone)]
pub(super) struct Keys {
    prefix: Vec<u8>,
}

fn join(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// The smallest key greater than every key starting with `prefix`.
pub(super) fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // Every byte was 0xff: in etcd, "\0" as range end means "to the end".
    vec![0]
}

impl Keys {
    pub fn new(prefix: &str) -> Self {
        Keys {
            prefix: prefix.as_bytes().to_vec(),
        }
    }

    /// Everything the engine writes (for the watch).
    pub fn all(&self) -> Vec<u8> {
        self.prefix.clone()
    }

    pub fn data(&self, key: &[u8]) -> Vec<u8> {
        join(&[&self.prefix, b"d/", key])
    }

    pub fn data_len(&self) -> usize {
        self.prefix.len() + 2
    }

    pub fn format(&self) -> Vec<u8> {
        join(&[&self.prefix, b"m/format"])
    }

    pub fn offset(&self) -> Vec<u8> {
        join(&[&self.prefix, b"m/offset"])
    }

    /// The key a change feed's progress write puts.
    pub fn progress(&self) -> Vec<u8> {
        join(&[&self.prefix, b"m/progress"])
    }

    pub fn compacted(&self) -> Vec<u8> {
        join(&[&self.prefix, b"m/compacted"])
    }

    pub fn pending_prefix(&self) -> Vec<u8> {
        join(&[&self.prefix, b"e/p/"])
    }

    pub fn pending(&self, commit: &str, index: u32) -> Vec<u8> {
        join(&[
            &self.pending_prefix(),
            format!("{commit}/{index:08x}").as_bytes(),
        ])
    }

    pub fn log_prefix(&self) -> Vec<u8> {
        join(&[&self.prefix, b"e/l/"])
    }

    pub fn log(&self, revision: u64, index: u32) -> Vec<u8> {
        join(&[
            &self.log_prefix(),
            format!("{revision:016x}/{index:08x}").as_bytes(),
        ])
    }

    /// `(revision, index)` of a log key.
    pub fn parse_log(&self, key: &[u8]) -> Option<(u64, u32)> {
        let rest = std::str::from_utf8(key.strip_prefix(self.log_prefix().as_slice())?).ok()?;
        let (revision, index) = rest.split_once('/')?;
        Some((
            u64::from_str_radix(revision, 16).ok()?,
            u32::from_str_radix(index, 16).ok()?,
        ))
    }

    /// `(commit, index)` of a pending key.
    pub fn parse_pending<'k>(&self, key: &'k [u8]) -> Option<(&'k str, u32)> {
        let rest = std::str::from_utf8(key.strip_prefix(self.pending_prefix().as_slice())?).ok()?;
        let (commit, index) = rest.rsplit_once('/')?;
        Some((commit, u32::from_str_radix(index, 16).ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_round_trips_and_sorts() {
        let keys = Keys::new("/clusterdb/");
        assert_eq!(keys.data(b"o/fleet/x"), b"/clusterdb/d/o/fleet/x");
        assert_eq!(keys.parse_log(&keys.log(300, 2)), Some((300, 2)));
        assert!(keys.log(9, 0) < keys.log(10, 0));
        assert!(keys.log(10, 1) < keys.log(11, 0));
        assert_eq!(
            keys.parse_pending(&keys.pending("01abc", 7)),
            Some(("01abc", 7))
        );
        assert_eq!(keys.parse_log(b"/clusterdb/e/l/zz/1"), None);
    }

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"a/"), b"a0");
        assert_eq!(prefix_end(b"a\xff"), b"b");
        assert_eq!(prefix_end(b"\xff\xff"), vec![0]);
    }
}

//! Reads a whole snapshot and checks it: every frame's checksum and the
//! file's, the order and bounds of its records, and that every object and
//! event decodes under this build's kinds.

use std::io::Read;

use super::error::BackupError;
use super::format::{
    Counts, DataRecord, EventRecordOut, Frame, FrameKind, FrameReader, Header, Trailer,
};
use crate::event::decode_event_at;
use crate::registry::KindRegistry;

/// What a checked snapshot holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Its header.
    pub header: Header,
    /// Its counts, as read (equal to the trailer's).
    pub counts: Counts,
    /// Its frames, the trailer not included.
    pub frames: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The section a data key belongs to, and for an object its kind.
pub(super) fn classify(key: &[u8]) -> Option<(&'static str, Option<&str>)> {
    let text = std::str::from_utf8(key).ok();
    let kind_of = |prefix: &str| {
        text.and_then(|t| t.strip_prefix(prefix))
            .and_then(|rest| rest.split_once('/'))
            .map(|(kind, _)| kind)
    };
    Some(match key {
        _ if key.starts_with(b"o/module/") || key.starts_with(b"b/module/") => {
            ("function_modules", None)
        }
        _ if key.starts_with(b"o/") => ("objects", Some(kind_of("o/")?)),
        _ if key.starts_with(b"n/") => ("names", None),
        _ if key.starts_with(b"i/") => ("indexes", None),
        _ if key.starts_with(b"u/") => ("unique_claims", None),
        _ if key.starts_with(b"s/") => ("system", None),
        _ if key.starts_with(b"x/api/idempotency/") => ("idempotency", None),
        _ if key.starts_with(b"x/webhook/") => ("webhook_deliveries", None),
        _ if key.starts_with(b"m/") => ("metrics", None),
        _ => return None,
    })
}

impl Counts {
    /// Counts one data record.
    pub(super) fn add(&mut self, section: &str, kind: Option<&str>) {
        *self.sections.entry(section.to_string()).or_default() += 1;
        if let Some(kind) = kind {
            *self.objects.entry(kind.to_string()).or_default() += 1;
        }
    }
}

/// Checks the snapshot `input` holds against this build's kinds.
pub fn verify(input: impl Read) -> Result<Verified, BackupError> {
    verify_each(input, crate::builtin::builtin_kinds(), |_| Ok(()))
}

/// What [`verify_each`] hands on, frame by frame.
pub(super) enum Checked {
    Header,
    Data(Vec<DataRecord>),
    Events(Vec<EventRecordOut>),
}

/// Reads and checks the snapshot, handing every checked frame to `each`
/// (which a restore uses to write it).
pub(super) fn verify_each(
    input: impl Read,
    kinds: KindRegistry,
    mut each: impl FnMut(Checked) -> Result<(), BackupError>,
) -> Result<Verified, BackupError> {
    let mut reader = FrameReader::start(input)?;
    let mut state = State {
        kinds,
        header: None,
        counts: Counts::default(),
        last_key: None,
        last_event: None,
        data_done: false,
    };
    while let Some(frame) = reader.next_frame()? {
        let checked = state.check(frame)?;
        each(checked)?;
    }
    let trailer: &Trailer = reader.trailer().expect("the reader ends at the trailer");
    let header = state
        .header
        .ok_or_else(|| BackupError::Truncated("no header".into()))?;
    if trailer.counts != state.counts {
        return Err(BackupError::Record {
            frame: trailer.frames + 1,
            reason: format!(
                "the trailer's counts ({:?}) differ from the records read ({:?})",
                trailer.counts.sections, state.counts.sections
            ),
        });
    }
    Ok(Verified {
        header,
        counts: state.counts,
        frames: trailer.frames,
        bytes: reader.bytes(),
    })
}

struct State {
    kinds: KindRegistry,
    header: Option<Header>,
    counts: Counts,
    last_key: Option<Vec<u8>>,
    last_event: Option<(u64, u32)>,
    data_done: bool,
}

impl State {
    fn check(&mut self, frame: Frame) -> Result<Checked, BackupError> {
        let number = frame.number;
        let bad = |reason: String| BackupError::Record {
            frame: number,
            reason,
        };
        match (frame.kind, &self.header) {
            (FrameKind::Header, None) if number == 1 => {
                let header: Header = serde_json::from_slice(&frame.raw)
                    .map_err(|err| bad(format!("the header does not decode: {err}")))?;
                if header.compacted_through > header.revision {
                    return Err(bad("the header's log start is past its revision".into()));
                }
                self.header = Some(header.clone());
                Ok(Checked::Header)
            }
            (FrameKind::Header, _) => Err(bad("a second header".into())),
            (_, None) => Err(bad("the first frame is not the header".into())),
            (FrameKind::Data, Some(header)) => {
                if self.data_done {
                    return Err(bad("a data frame after the events".into()));
                }
                let revision = header.revision;
                let records: Vec<DataRecord> = postcard::from_bytes(&frame.raw)
                    .map_err(|err| bad(format!("the data records do not decode: {err}")))?;
                for record in &records {
                    self.check_data(record, revision).map_err(&bad)?;
                }
                Ok(Checked::Data(records))
            }
            (FrameKind::Events, Some(header)) => {
                self.data_done = true;
                if header.events == "none" {
                    return Err(bad("events in a snapshot whose header says none".into()));
                }
                let (revision, start) = (header.revision, header.compacted_through);
                let events: Vec<EventRecordOut> = postcard::from_bytes(&frame.raw)
                    .map_err(|err| bad(format!("the events do not decode: {err}")))?;
                for event in &events {
                    self.check_event(event, start, revision).map_err(&bad)?;
                }
                Ok(Checked::Events(events))
            }
            (FrameKind::Trailer, _) => unreachable!("the reader keeps the trailer"),
        }
    }

    fn check_data(&mut self, record: &DataRecord, revision: u64) -> Result<(), String> {
        let name = String::from_utf8_lossy(&record.key).into_owned();
        if self
            .last_key
            .as_deref()
            .is_some_and(|last| last >= record.key.as_slice())
        {
            return Err(format!("key {name:?} is out of order"));
        }
        if record.mod_revision > revision {
            return Err(format!(
                "key {name:?} was written at revision {}, after the snapshot's {revision}",
                record.mod_revision
            ));
        }
        let (section, kind) =
            classify(&record.key).ok_or_else(|| format!("unknown record {name:?}"))?;
        if let Some(kind) = kind {
            let info = self.kinds.get(kind).ok_or_else(|| {
                format!("record {name:?} is of kind {kind:?}, which this release does not know")
            })?;
            (info.check)(&record.value, record.mod_revision)
                .map_err(|err| format!("record {name:?} does not decode: {err}"))?;
        }
        self.counts.add(section, kind);
        self.last_key = Some(record.key.clone());
        Ok(())
    }

    fn check_event(
        &mut self,
        event: &EventRecordOut,
        start: u64,
        revision: u64,
    ) -> Result<(), String> {
        let position = (event.revision, event.index);
        if self.last_event.is_some_and(|last| last >= position) || event.revision <= start {
            return Err(format!(
                "event {}-{} is out of order",
                event.revision, event.index
            ));
        }
        if event.revision > revision {
            return Err(format!(
                "event {}-{} is after the snapshot's revision {revision}",
                event.revision, event.index
            ));
        }
        let decoded =
            decode_event_at(event.revision, event.index, &event.payload).map_err(|err| {
                format!(
                    "event {}-{} does not decode: {err}",
                    event.revision, event.index
                )
            })?;
        let info = self.kinds.get(&decoded.kind).ok_or_else(|| {
            format!(
                "event {}-{} is of kind {:?}, which this release does not know",
                event.revision, event.index, decoded.kind
            )
        })?;
        (info.check)(&decoded.snapshot, event.revision).map_err(|err| {
            format!(
                "event {}-{}'s object does not decode: {err}",
                event.revision, event.index
            )
        })?;
        *self.counts.sections.entry("events".into()).or_default() += 1;
        self.last_event = Some(position);
        Ok(())
    }
}

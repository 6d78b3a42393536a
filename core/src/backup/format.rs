//! The snapshot file format, version 1 (described for users in
//! `docs/backup.md`).
//!
//! ```text
//! file    = MAGIC version:u16le frame* trailer-frame
//! frame   = kind:u8 codec:u8 raw_len:u32le stored_len:u32le sha256:[u8;32] stored
//! ```
//!
//! The first frame is the header (JSON), then data frames (the store's keys
//! in ascending order), then event frames (the log in order), then the
//! trailer (JSON) with the counts and a SHA-256 of every byte before the
//! trailer frame. A data or event frame's `stored` bytes are an LZ4 block
//! (`codec` 1) of a postcard list of records; each frame's `sha256` covers
//! its `stored` bytes, so damage is located to a frame.

use std::collections::BTreeMap;
use std::io::Read;

use ring::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::error::BackupError;

/// The first bytes of every snapshot file (a non-ASCII first byte, as in
/// PNG, so a text-mode transfer is detected).
pub const MAGIC: &[u8; 8] = b"\x89CDBSNP\n";
/// The format version this release writes and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Bytes of a frame's head.
const FRAME_HEAD: usize = 1 + 1 + 4 + 4 + 32;
/// Largest frame payload, either way: a chunk is about 1 MiB, but one
/// record (a value of up to 64 MiB) always fits whole.
pub(super) const MAX_FRAME: usize = 80 << 20;

/// What a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FrameKind {
    Header = 1,
    Data = 2,
    Events = 3,
    Trailer = 0xFF,
}

impl FrameKind {
    fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            1 => FrameKind::Header,
            2 => FrameKind::Data,
            3 => FrameKind::Events,
            0xFF => FrameKind::Trailer,
            _ => return None,
        })
    }
}

const CODEC_NONE: u8 = 0;
const CODEC_LZ4: u8 = 1;

/// The snapshot's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The file format version.
    pub format_version: u16,
    /// The ClusterDB release that wrote it.
    pub clusterdb_version: String,
    /// The engine of the store it was taken from (`redb`, `etcd`, …).
    pub engine: String,
    /// The store revision it reflects.
    pub revision: u64,
    /// Every event at or below this revision is absent from it.
    pub compacted_through: u64,
    /// When it was taken (RFC 3339).
    pub created_at: String,
    /// Whether it holds the retained event log (`all`) or no event (`none`).
    pub events: String,
    /// The kinds this release knew, with their schema versions.
    pub kinds: BTreeMap<String, u16>,
}

/// How many records of each sort a snapshot holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Objects per kind.
    pub objects: BTreeMap<String, u64>,
    /// Records per section: `objects`, `names`, `indexes`, `unique_claims`,
    /// `system`, `idempotency`, `webhook_deliveries`, `function_modules`,
    /// `metrics`, `events`.
    pub sections: BTreeMap<String, u64>,
}

/// The snapshot's last frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    /// What the snapshot holds.
    pub counts: Counts,
    /// Frames before the trailer.
    pub frames: u64,
    /// Hex SHA-256 of every byte before the trailer frame.
    pub sha256: String,
}

/// One data record: a key with its value and the revision it was written at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct DataRecord {
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    pub mod_revision: u64,
}

/// One event of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct EventRecordOut {
    pub revision: u64,
    pub index: u32,
    pub payload: Vec<u8>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One frame, head and stored bytes: `compress` packs `raw` as an LZ4
/// block. The CPU-heavy part of writing a frame, so a caller may run it
/// off the async workers.
pub(super) fn pack(kind: FrameKind, raw: &[u8], compress: bool) -> Vec<u8> {
    let packed;
    let (codec, stored) = if compress {
        packed = lz4_flex::block::compress(raw);
        (CODEC_LZ4, packed.as_slice())
    } else {
        (CODEC_NONE, raw)
    };
    let mut frame = Vec::with_capacity(FRAME_HEAD + stored.len());
    frame.push(kind as u8);
    frame.push(codec);
    frame.extend_from_slice(&(raw.len() as u32).to_le_bytes());
    frame.extend_from_slice(&(stored.len() as u32).to_le_bytes());
    frame.extend_from_slice(ring::digest::digest(&SHA256, stored).as_ref());
    frame.extend_from_slice(stored);
    frame
}

/// Writes a snapshot's frames, hashing everything it writes.
pub(super) struct FrameWriter<'w, W: AsyncWrite + Unpin + ?Sized> {
    out: &'w mut W,
    hash: Context,
    frames: u64,
    bytes: u64,
}

impl<'w, W: AsyncWrite + Unpin + Send + ?Sized> FrameWriter<'w, W> {
    /// Writes the magic and version.
    pub async fn start(out: &'w mut W) -> std::io::Result<Self> {
        let mut writer = FrameWriter {
            out,
            hash: Context::new(&SHA256),
            frames: 0,
            bytes: 0,
        };
        let mut lead = MAGIC.to_vec();
        lead.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        writer.write(&lead).await?;
        Ok(writer)
    }

    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
        self.out.write_all(bytes).await
    }

    /// Bytes written so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Writes one frame; `compress` packs `raw` as an LZ4 block.
    pub async fn frame(
        &mut self,
        kind: FrameKind,
        raw: &[u8],
        compress: bool,
    ) -> std::io::Result<()> {
        self.packed(&pack(kind, raw, compress)).await
    }

    /// Writes a frame [`pack`] made.
    pub async fn packed(&mut self, frame: &[u8]) -> std::io::Result<()> {
        self.write(frame).await?;
        self.frames += 1;
        Ok(())
    }

    /// Writes the trailer and flushes; returns it and the file's size.
    pub async fn finish(mut self, counts: Counts) -> std::io::Result<(Trailer, u64)> {
        let trailer = Trailer {
            counts,
            frames: self.frames,
            sha256: hex(self.hash.clone().finish().as_ref()),
        };
        let json = serde_json::to_vec(&trailer).expect("a trailer serializes");
        self.frame(FrameKind::Trailer, &json, false).await?;
        self.out.flush().await?;
        Ok((trailer, self.bytes))
    }
}

/// One frame as read: its number (from 1) and what it holds.
pub(super) struct Frame {
    pub number: u64,
    pub kind: FrameKind,
    pub raw: Vec<u8>,
}

/// Reads a snapshot's frames, checking each one's checksum and, at the
/// trailer, the whole file's.
pub(super) struct FrameReader<R: Read> {
    input: R,
    hash: Context,
    offset: u64,
    frames: u64,
    trailer: Option<Trailer>,
}

impl<R: Read> FrameReader<R> {
    /// Checks the magic and the version.
    pub fn start(mut input: R) -> Result<Self, BackupError> {
        let mut lead = [0u8; 10];
        read_full(&mut input, &mut lead).map_err(|err| match err {
            Short::Eof(_) => BackupError::NotASnapshot(
                "the file is shorter than a snapshot's first bytes".into(),
            ),
            Short::Io(err) => BackupError::Io(err.to_string()),
        })?;
        if &lead[..8] != MAGIC {
            return Err(BackupError::NotASnapshot(
                "it does not start with a ClusterDB snapshot's magic bytes".into(),
            ));
        }
        let version = u16::from_le_bytes([lead[8], lead[9]]);
        if version > FORMAT_VERSION || version == 0 {
            return Err(BackupError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let mut hash = Context::new(&SHA256);
        hash.update(&lead);
        Ok(FrameReader {
            input,
            hash,
            offset: lead.len() as u64,
            frames: 0,
            trailer: None,
        })
    }

    /// The next frame before the trailer; `None` once the trailer has been
    /// read and checked (and nothing follows it).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, BackupError> {
        if self.trailer.is_some() {
            return Ok(None);
        }
        let number = self.frames + 1;
        let offset = self.offset;
        let damaged = |reason: String| BackupError::Damaged {
            frame: number,
            offset,
            reason,
        };
        let mut head = [0u8; FRAME_HEAD];
        match read_full(&mut self.input, &mut head) {
            Ok(()) => {}
            Err(Short::Eof(0)) => {
                return Err(BackupError::Truncated(format!(
                    "it ends after {} frames without a trailer",
                    self.frames
                )));
            }
            Err(Short::Eof(_)) => {
                return Err(damaged("the file ends inside the frame's head".into()));
            }
            Err(Short::Io(err)) => return Err(BackupError::Io(err.to_string())),
        }
        let kind = FrameKind::from_byte(head[0])
            .ok_or_else(|| damaged(format!("unknown frame kind {}", head[0])))?;
        let codec = head[1];
        let raw_len = u32::from_le_bytes(head[2..6].try_into().unwrap()) as usize;
        let stored_len = u32::from_le_bytes(head[6..10].try_into().unwrap()) as usize;
        if raw_len > MAX_FRAME || stored_len > MAX_FRAME {
            return Err(damaged(format!(
                "a frame of {raw_len} bytes ({stored_len} stored) is larger than any snapshot writes"
            )));
        }
        let mut stored = vec![0u8; stored_len];
        read_full(&mut self.input, &mut stored).map_err(|err| match err {
            Short::Eof(_) => damaged("the file ends inside the frame".into()),
            Short::Io(err) => BackupError::Io(err.to_string()),
        })?;
        if ring::digest::digest(&SHA256, &stored).as_ref() != &head[10..] {
            return Err(damaged("its checksum does not match its bytes".into()));
        }
        let before_frame = self.hash.clone();
        self.hash.update(&head);
        self.hash.update(&stored);
        self.offset += (FRAME_HEAD + stored_len) as u64;
        let raw = match codec {
            CODEC_NONE if stored_len == raw_len => stored,
            CODEC_LZ4 => lz4_flex::block::decompress(&stored, raw_len)
                .ok()
                .filter(|raw| raw.len() == raw_len)
                .ok_or_else(|| damaged("its compressed bytes do not unpack".into()))?,
            other => return Err(damaged(format!("unknown codec {other}"))),
        };
        if kind == FrameKind::Trailer {
            let trailer: Trailer = serde_json::from_slice(&raw)
                .map_err(|err| damaged(format!("the trailer does not decode: {err}")))?;
            let whole = hex(before_frame.finish().as_ref());
            if whole != trailer.sha256 {
                return Err(damaged(
                    "the file's SHA-256 does not match the trailer's".into(),
                ));
            }
            if trailer.frames != self.frames {
                return Err(damaged(format!(
                    "the trailer counts {} frames, the file has {}",
                    trailer.frames, self.frames
                )));
            }
            let mut extra = [0u8; 1];
            if matches!(self.input.read(&mut extra), Ok(n) if n > 0) {
                return Err(BackupError::Damaged {
                    frame: number + 1,
                    offset: self.offset,
                    reason: "bytes follow the trailer".into(),
                });
            }
            self.trailer = Some(trailer);
            return Ok(None);
        }
        self.frames = number;
        Ok(Some(Frame { number, kind, raw }))
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.offset
    }

    /// The trailer, once [`FrameReader::next_frame`] has returned `None`.
    pub fn trailer(&self) -> Option<&Trailer> {
        self.trailer.as_ref()
    }
}

enum Short {
    /// The input ended after this many bytes.
    Eof(usize),
    Io(std::io::Error),
}

fn read_full(input: &mut impl Read, buf: &mut [u8]) -> Result<(), Short> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => return Err(Short::Eof(filled)),
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(Short::Io(err)),
        }
    }
    Ok(())
}

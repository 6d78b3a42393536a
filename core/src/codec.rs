//! Objects to and from stored bytes, through the versioned envelope.
//!
//! A stored object is the envelope around `meta ++ spec ++ status`
//! (postcard, one after the other). The envelope's version says how to
//! read both halves: its high byte is the layout of the metadata, which
//! the generic machinery owns, its low byte the kind's own
//! [`Kind::SCHEMA`], which the kind migrates ([`Kind::migrate`]).
//!
//! Metadata layouts:
//! - 0 (versions 1–255, before namespaces): id, name, created_at,
//!   updated_at, tags;
//! - 1: id, name, namespace, created_at, updated_at, tags, spec_revision
//!   (`None`: the client changed the spec in this very write, so it is the
//!   record's own revision);
//! - 2 (this release): layout 1, then created_by, updated_by.
//!
//! Because the metadata comes first and is kind-independent, any consumer
//! can read an object's [`Meta`] without knowing its kind ([`decode_meta`]).

use clusterdb_storage::envelope::{self, EnvelopeError};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::meta::{Meta, Tags};
use crate::timestamp::Timestamp;

/// The metadata layout this release writes.
const META_LAYOUT: u16 = 2;

/// Metadata as layout 2 stores it.
#[derive(Serialize, Deserialize)]
struct MetaRecord {
    id: String,
    name: String,
    namespace: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    tags: Tags,
    spec_revision: Option<u64>,
    created_by: String,
    updated_by: String,
}

/// Metadata as layout 1 stored it.
#[derive(Serialize, Deserialize)]
struct MetaRecordV1 {
    id: String,
    name: String,
    namespace: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    tags: Tags,
    spec_revision: Option<u64>,
}

/// Metadata as layout 0 stored it.
#[derive(Serialize, Deserialize)]
struct MetaRecordV0 {
    id: String,
    name: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    tags: Tags,
}

impl From<MetaRecordV0> for MetaRecord {
    /// No namespace, no actors; the spec version is the record's revision.
    fn from(m: MetaRecordV0) -> Self {
        MetaRecord {
            id: m.id,
            name: m.name,
            namespace: String::new(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            tags: m.tags,
            spec_revision: None,
            created_by: String::new(),
            updated_by: String::new(),
        }
    }
}

impl From<MetaRecordV1> for MetaRecord {
    /// No actors.
    fn from(m: MetaRecordV1) -> Self {
        MetaRecord {
            id: m.id,
            name: m.name,
            namespace: m.namespace,
            created_at: m.created_at,
            updated_at: m.updated_at,
            tags: m.tags,
            spec_revision: m.spec_revision,
            created_by: String::new(),
            updated_by: String::new(),
        }
    }
}

/// The envelope version of a record of kind `K` written now.
fn version<K: Kind>() -> u16 {
    const { assert!(K::SCHEMA >= 1 && K::SCHEMA < 256) };
    (META_LAYOUT << 8) | K::SCHEMA
}

/// Encodes an object for storage (a snapshot in an event uses the same
/// form). A staged object whose `spec_version` is 0 records "the spec
/// changed in this write".
pub fn encode_object<K: Kind>(object: &Object<K>) -> Vec<u8> {
    let meta = &object.meta;
    let record = MetaRecord {
        id: meta.id.clone(),
        name: meta.name.clone(),
        namespace: meta.namespace.clone(),
        created_at: meta.created_at,
        updated_at: meta.updated_at,
        tags: meta.tags.clone(),
        spec_revision: (meta.spec_version != 0).then_some(meta.spec_version),
        created_by: meta.created_by.clone(),
        updated_by: meta.updated_by.clone(),
    };
    envelope::encode(version::<K>(), &(record, &object.spec, &object.status))
}

/// Splits an envelope version into (metadata layout, kind schema).
fn split_version(version: u16) -> (u16, u16) {
    (version >> 8, version & 0xff)
}

fn corrupt(err: postcard::Error) -> Error {
    Error::from(EnvelopeError::Payload(err.to_string()))
}

/// Reads the metadata half of a stored object of any kind; returns it (with
/// `resource_version` set to `revision`), the kind's schema version and the
/// bytes of the kind's half.
fn read_meta(bytes: &[u8], revision: u64) -> Result<(Meta, u16, &[u8])> {
    let (version, payload) = envelope::open(bytes)?;
    let (layout, schema) = split_version(version);
    let (record, rest) = match layout {
        0 => {
            let (m, rest) = postcard::take_from_bytes::<MetaRecordV0>(payload).map_err(corrupt)?;
            (MetaRecord::from(m), rest)
        }
        1 => {
            let (m, rest) = postcard::take_from_bytes::<MetaRecordV1>(payload).map_err(corrupt)?;
            (MetaRecord::from(m), rest)
        }
        META_LAYOUT => postcard::take_from_bytes::<MetaRecord>(payload).map_err(corrupt)?,
        newer => {
            return Err(Error::Internal(format!(
                "record metadata layout {newer} is newer than supported {META_LAYOUT}; upgrade ClusterDB"
            )));
        }
    };
    let meta = Meta {
        id: record.id,
        name: record.name,
        namespace: record.namespace,
        created_at: record.created_at,
        updated_at: record.updated_at,
        resource_version: revision,
        spec_version: record.spec_revision.unwrap_or(revision),
        tags: record.tags,
        created_by: record.created_by,
        updated_by: record.updated_by,
    };
    Ok((meta, schema, rest))
}

/// The metadata of a stored object of any kind, last written at `revision`.
pub fn decode_meta(bytes: &[u8], revision: u64) -> Result<Meta> {
    read_meta(bytes, revision).map(|(meta, _, _)| meta)
}

/// The kind schema version a stored object was written with.
pub fn kind_schema(bytes: &[u8]) -> Result<u16> {
    let (version, _) = envelope::open(bytes)?;
    Ok(split_version(version).1)
}

/// Decodes a stored object last written at `revision`.
pub fn decode_object<K: Kind>(bytes: &[u8], revision: u64) -> Result<Object<K>> {
    let (meta, schema, rest) = read_meta(bytes, revision)?;
    let (spec, status) = if schema == K::SCHEMA {
        let (body, rest) =
            postcard::take_from_bytes::<(K::Spec, K::Status)>(rest).map_err(corrupt)?;
        if !rest.is_empty() {
            return Err(Error::from(EnvelopeError::Payload(format!(
                "{} trailing bytes",
                rest.len()
            ))));
        }
        body
    } else if schema < K::SCHEMA {
        K::migrate(schema, rest)?
    } else {
        return Err(Error::Internal(format!(
            "{} record has schema version {schema}, newer than supported {}; upgrade ClusterDB",
            K::NAME,
            K::SCHEMA
        )));
    };
    Ok(Object { meta, spec, status })
}

/// Schema version of stored events.
/// Schema 2 added the actor; schema 1 events read with an empty one.
pub(crate) const EVENT_SCHEMA: u16 = 2;
/// An event as stored in the log.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StoredEvent {
    pub event_type: String,
    pub kind: String,
    pub timestamp: Timestamp,
    /// The enveloped object snapshot.
    pub object: Vec<u8>,
    /// Who made the change.
    pub actor: String,
}

/// An event as schema 1 stored it (no actor).
#[derive(Debug, Serialize, Deserialize)]
struct StoredEventV1 {
    event_type: String,
    kind: String,
    timestamp: Timestamp,
    object: Vec<u8>,
}

impl StoredEvent {
    /// Reads a stored event of this or an older schema.
    pub(crate) fn decode(bytes: &[u8]) -> Result<StoredEvent> {
        let (version, _) = envelope::open(bytes)?;
        if version == 1 {
            let (_, old) = envelope::decode::<StoredEventV1>(bytes, 1)?;
            return Ok(StoredEvent {
                event_type: old.event_type,
                kind: old.kind,
                timestamp: old.timestamp,
                object: old.object,
                actor: String::new(),
            });
        }
        Ok(envelope::decode::<StoredEvent>(bytes, EVENT_SCHEMA)?.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{FleetKind, FleetSpec, FleetState, FleetStatus};

    fn fleet_parts() -> (FleetSpec, FleetStatus) {
        (
            FleetSpec {
                description: "d".into(),
                capacity: 3,
                instance_type: "t3.medium".into(),
            },
            FleetStatus {
                state: FleetState::Active,
                instances: 2,
                running_instances: 1,
            },
        )
    }

    /// A record as the release before namespaces wrote it still reads.
    #[test]
    fn layout_0_records_still_decode() {
        let (spec, status) = fleet_parts();
        let old = MetaRecordV0 {
            id: "fleet-01abc".into(),
            name: "web".into(),
            created_at: Timestamp::from_unix_millis(1000),
            updated_at: Timestamp::from_unix_millis(2000),
            tags: [("env".to_string(), "prod".to_string())].into(),
        };
        let bytes = envelope::encode(1, &(old, &spec, &status));
        let fleet = decode_object::<FleetKind>(&bytes, 7).unwrap();
        assert_eq!(fleet.meta.id, "fleet-01abc");
        assert_eq!(fleet.meta.namespace, "");
        assert_eq!(fleet.meta.resource_version, 7);
        assert_eq!(fleet.meta.spec_version, 7);
        assert_eq!(fleet.meta.tags["env"], "prod");
        assert_eq!((fleet.spec, fleet.status), fleet_parts());
    }

    /// A record as the release before actors wrote it still reads, with
    /// no actor.
    #[test]
    fn layout_1_records_still_decode() {
        let (spec, status) = fleet_parts();
        let old = MetaRecordV1 {
            id: "fleet-01abc".into(),
            name: "web".into(),
            namespace: String::new(),
            created_at: Timestamp::from_unix_millis(1000),
            updated_at: Timestamp::from_unix_millis(2000),
            tags: Tags::new(),
            spec_revision: Some(3),
        };
        let bytes = envelope::encode((1 << 8) | 1, &(old, &spec, &status));
        let fleet = decode_object::<FleetKind>(&bytes, 7).unwrap();
        assert_eq!(
            (fleet.meta.spec_version, fleet.meta.resource_version),
            (3, 7)
        );
        assert_eq!(
            (
                fleet.meta.created_by.as_str(),
                fleet.meta.updated_by.as_str()
            ),
            ("", "")
        );
        assert_eq!((fleet.spec, fleet.status), fleet_parts());
    }

    #[test]
    fn round_trip_keeps_the_spec_version() {
        let (spec, status) = fleet_parts();
        let mut fleet = Object::<FleetKind> {
            meta: Meta {
                id: "fleet-01abc".into(),
                name: "web".into(),
                namespace: String::new(),
                created_at: Timestamp::from_unix_millis(1),
                updated_at: Timestamp::from_unix_millis(2),
                resource_version: 5,
                spec_version: 0,
                tags: Tags::new(),
                created_by: "user-1".into(),
                updated_by: "system".into(),
            },
            spec,
            status,
        };
        // Changed by this write: the spec version is the record's revision.
        let read = decode_object::<FleetKind>(&encode_object(&fleet), 9).unwrap();
        assert_eq!((read.meta.resource_version, read.meta.spec_version), (9, 9));
        // A status write keeps the earlier spec version.
        fleet.meta.spec_version = 4;
        let read = decode_object::<FleetKind>(&encode_object(&fleet), 9).unwrap();
        assert_eq!((read.meta.resource_version, read.meta.spec_version), (9, 4));
        assert_eq!(decode_meta(&encode_object(&fleet), 9).unwrap(), read.meta);
        assert_eq!(
            (read.meta.created_by.as_str(), read.meta.updated_by.as_str()),
            ("user-1", "system")
        );
    }

    #[test]
    fn newer_layouts_and_schemas_are_errors() {
        let (spec, status) = fleet_parts();
        let newer_schema = envelope::encode((1 << 8) | 2, &(0u8, &spec, &status));
        assert!(decode_object::<FleetKind>(&newer_schema, 1).is_err());
        let newer_layout = envelope::encode(3 << 8 | 1, &(0u8, &spec, &status));
        let err = decode_meta(&newer_layout, 1).unwrap_err();
        assert!(err.to_string().contains("upgrade ClusterDB"), "{err}");
    }
}

//! Objects to and from stored bytes, through the versioned envelope.

use clusterdb_storage::envelope;

use crate::error::{Error, Result};
use crate::resource::{Kind, Object};

/// Encodes an object for storage.
pub fn encode_object<K: Kind>(object: &Object<K>) -> Vec<u8> {
    envelope::encode(K::SCHEMA, object)
}

/// Decodes a stored object last written at `revision`.
pub fn decode_object<K: Kind>(bytes: &[u8], revision: u64) -> Result<Object<K>> {
    let (version, payload) = envelope::open(bytes)?;
    let mut object = if version == K::SCHEMA {
        envelope::decode::<Object<K>>(bytes, K::SCHEMA)?.1
    } else if version < K::SCHEMA {
        K::migrate(version, payload)?
    } else {
        return Err(Error::Internal(format!(
            "{} record has schema version {version}, newer than supported {}; upgrade ClusterDB",
            K::NAME,
            K::SCHEMA
        )));
    };
    object.meta.resource_version = revision;
    Ok(object)
}

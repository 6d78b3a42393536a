//! The versioned envelope around every stored value.
//!
//! Layout: one magic byte [`MAGIC`], the schema version as a postcard
//! varint, then the postcard-encoded value. The schema version lets a later
//! release recognise — and migrate — a record written by an older one.

use serde::{Serialize, de::DeserializeOwned};

/// First byte of every envelope.
pub const MAGIC: u8 = 0xC7;

/// Why an envelope could not be decoded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The bytes do not start with an envelope header.
    #[error("not a ClusterDB record (bad header)")]
    BadHeader,
    /// The record was written by a newer release.
    #[error("record schema version {found} is newer than supported version {supported}")]
    NewerSchema {
        /// Schema version in the record.
        found: u16,
        /// Newest schema version the reader knows.
        supported: u16,
    },
    /// The payload does not decode as the expected type.
    #[error("record payload does not decode: {0}")]
    Payload(String),
}

impl From<EnvelopeError> for crate::Error {
    fn from(err: EnvelopeError) -> Self {
        crate::Error::Corrupt(err.to_string())
    }
}

/// Encodes `value` with schema version `schema`.
pub fn encode<T: Serialize + ?Sized>(schema: u16, value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(MAGIC);
    // Serialising plain data into a Vec cannot fail.
    out = postcard::to_extend(&schema, out).expect("encode schema version");
    postcard::to_extend(value, out).expect("encode record")
}

/// Splits an envelope into its schema version and payload bytes.
pub fn open(bytes: &[u8]) -> Result<(u16, &[u8]), EnvelopeError> {
    match bytes.split_first() {
        Some((&MAGIC, rest)) => {
            postcard::take_from_bytes::<u16>(rest).map_err(|_| EnvelopeError::BadHeader)
        }
        _ => Err(EnvelopeError::BadHeader),
    }
}

/// Decodes a record whose schema version must not be newer than `supported`.
/// Returns the version found with the value, so callers can migrate.
pub fn decode<T: DeserializeOwned>(
    bytes: &[u8],
    supported: u16,
) -> Result<(u16, T), EnvelopeError> {
    let (found, payload) = open(bytes)?;
    if found > supported {
        return Err(EnvelopeError::NewerSchema { found, supported });
    }
    let (value, rest) = postcard::take_from_bytes::<T>(payload)
        .map_err(|err| EnvelopeError::Payload(err.to_string()))?;
    if !rest.is_empty() {
        return Err(EnvelopeError::Payload(format!(
            "{} trailing bytes",
            rest.len()
        )));
    }
    Ok((found, value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Sample {
        name: String,
        n: u32,
    }

    #[test]
    fn round_trips() {
        let value = Sample {
            name: "web".into(),
            n: 3,
        };
        let bytes = encode(2, &value);
        assert_eq!(decode::<Sample>(&bytes, 2).unwrap(), (2, value));
    }

    #[test]
    fn rejects_newer_schema() {
        let bytes = encode(
            3,
            &Sample {
                name: "x".into(),
                n: 1,
            },
        );
        assert_eq!(
            decode::<Sample>(&bytes, 2).unwrap_err(),
            EnvelopeError::NewerSchema {
                found: 3,
                supported: 2
            }
        );
    }

    #[test]
    fn rejects_bad_header_and_trailing_bytes() {
        assert_eq!(
            decode::<Sample>(b"", 1).unwrap_err(),
            EnvelopeError::BadHeader
        );
        assert_eq!(
            decode::<Sample>(b"{}", 1).unwrap_err(),
            EnvelopeError::BadHeader
        );
        let mut bytes = encode(
            1,
            &Sample {
                name: "x".into(),
                n: 1,
            },
        );
        bytes.push(0);
        assert!(matches!(
            decode::<Sample>(&bytes, 1),
            Err(EnvelopeError::Payload(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode::<Sample>(&bytes, 1);
        }
    }
}

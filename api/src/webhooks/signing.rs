//! Standard Webhooks signatures: `webhook-signature: v1,<base64>` where the
//! base64 is HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`
//! keyed with the secret's decoded bytes; one `v1,…` per signing secret
//! (during a rotation, the new and the old), separated by spaces.

use clusterdb::webhooks::secret_key;

/// The `webhook-signature` value for `body` sent as message `id` at unix
/// second `timestamp`, signed with each of `secrets` (malformed secrets,
/// which validation never lets in, are skipped).
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|secret| secret_key(secret).ok())
        .map(|key| clusterdb_client::signatures::signature(&key, id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_with_every_secret_in_order() {
        let (a, b) = (
            clusterdb::webhooks::new_secret().unwrap(),
            clusterdb::webhooks::new_secret().unwrap(),
        );
        let both = signature_header(&[&a, &b], "evt_1_0", 1, b"{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(
            parts,
            [
                signature_header(&[&a], "evt_1_0", 1, b"{}"),
                signature_header(&[&b], "evt_1_0", 1, b"{}")
            ]
        );
        // The signature covers id, timestamp and body.
        assert_ne!(signature_header(&[&a], "evt_1_0", 2, b"{}"), parts[0]);
        assert_ne!(signature_header(&[&a], "evt_1_1", 1, b"{}"), parts[0]);
        assert_ne!(signature_header(&[&a], "evt_1_0", 1, b"{ }"), parts[0]);
    }

    /// The Standard Webhooks reference library accepts what we sign, with
    /// either secret during a rotation, and rejects a changed body.
    #[test]
    fn the_reference_library_verifies_our_signatures() {
        let (new, old) = (
            clusterdb::webhooks::new_secret().unwrap(),
            clusterdb::webhooks::new_secret().unwrap(),
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let body = br#"{"id":"evt_9_0","type":"fleet.created"}"#;
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("webhook-id", "evt_9_0".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        let signature = signature_header(&[&new, &old], "evt_9_0", now, body);
        headers.insert("webhook-signature", signature.parse().unwrap());
        for secret in [&new, &old] {
            let verifier = standardwebhooks::Webhook::new(secret).unwrap();
            verifier.verify(body, &headers).unwrap();
            assert!(verifier.verify(b"{}", &headers).is_err());
        }
        let stranger = clusterdb::webhooks::new_secret().unwrap();
        assert!(
            standardwebhooks::Webhook::new(&stranger)
                .unwrap()
                .verify(body, &headers)
                .is_err()
        );
    }
}

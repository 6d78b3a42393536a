//! The key layout in the store. Every key ClusterDB writes is made here.
//!
//! - `o/{kind}/{id}`: the object (an enveloped [`crate::Object`]);
//! - `n/{kind}/{name}` (`n/{kind}/{namespace}/{name}` for namespaced
//!   kinds): name index, value is the id;
//! - `i/{kind}/{field}\0{value}\0{id}`: secondary index entry (tags are the
//!   field `tag:{key}`), empty value;
//! - `u/{kind}/{field}\0{value}`: unique-value claim, value is the id;
//! - `s/{name}`: system records such as reconciler cursors;
//! - `x/api/idempotency/{digest}`: idempotency records of the API.
//! - `x/webhook/{endpoint}/d/{revision}-{index}`: a webhook delivery's record
//!   (its cursor is the system record `s/cursor/webhook/{endpoint}`).
//! - `m/…`: the metrics history — blocks `m/d/{tier}/{service}\0{segment}\0…`,
//!   segments to compact `m/dirty/…`, the segment index `m/seg/…` and
//!   series records `m/series/{service}\0{id}`.
//!
//! Names, ids and tag keys never contain `/` or NUL in positions that could
//! make two keys collide: ids and names are validated, and the NUL
//! separator cannot appear in a validated field or tag value.

/// The pseudo-kind function modules are stored under (their manifests);
/// no resource kind may take the name.
pub(crate) const MODULE: &str = "module";

/// What a server's read cache holds: objects, names, indexes, unique
/// claims and system records — not module bytes, the metrics history,
/// idempotency records or webhook deliveries, which are big or read
/// rarely.
pub fn cached_prefixes() -> Vec<Vec<u8>> {
    [b"o/".as_slice(), b"n/", b"i/", b"u/", b"s/"]
        .iter()
        .map(|prefix| prefix.to_vec())
        .collect()
}

/// Prefix of all objects of a kind.
pub fn objects(kind: &str) -> Vec<u8> {
    format!("o/{kind}/").into_bytes()
}

/// Key of one object.
pub fn object(kind: &str, id: &str) -> Vec<u8> {
    format!("o/{kind}/{id}").into_bytes()
}

/// Key of a name-index entry; `namespace` is empty for kinds that are not
/// namespaced (neither a name nor a namespace contains `/`, so the two
/// forms never collide).
pub fn name(kind: &str, namespace: &str, name: &str) -> Vec<u8> {
    if namespace.is_empty() {
        format!("n/{kind}/{name}").into_bytes()
    } else {
        format!("n/{kind}/{namespace}/{name}").into_bytes()
    }
}

/// The index field for a tag key.
pub fn tag_field(key: &str) -> String {
    format!("tag:{key}")
}

/// Prefix of all index entries with `field == value`.
pub fn index_prefix(kind: &str, field: &str, value: &str) -> Vec<u8> {
    let mut key = format!("i/{kind}/{field}").into_bytes();
    key.push(0);
    key.extend_from_slice(value.as_bytes());
    key.push(0);
    key
}

/// Key of one index entry.
pub fn index_entry(kind: &str, field: &str, value: &str, id: &str) -> Vec<u8> {
    let mut key = index_prefix(kind, field, value);
    key.extend_from_slice(id.as_bytes());
    key
}

/// Key of the claim on a unique field value.
pub fn unique(kind: &str, field: &str, value: &str) -> Vec<u8> {
    let mut key = format!("u/{kind}/{field}").into_bytes();
    key.push(0);
    key.extend_from_slice(value.as_bytes());
    key
}

/// Key of a change marker ([`crate::Kind::CHANGE_MARKER`]).
pub fn marker(name: &str) -> Vec<u8> {
    system(&format!("marker/{name}"))
}

/// Prefix of the leadership keys: a claim held by a live process, which a
/// copy of the store leaves out.
pub fn leadership() -> Vec<u8> {
    system("leader/")
}

/// Key of a system record.
pub fn system(name: &str) -> Vec<u8> {
    format!("s/{name}").into_bytes()
}

/// Prefix of every record of a webhook endpoint's deliveries.
pub fn webhook_deliveries(endpoint: &str) -> Vec<u8> {
    format!("x/webhook/{endpoint}/d/").into_bytes()
}

/// Key of the delivery of the event at (`revision`, `index`) to `endpoint`
/// (sorting in log order).
pub fn webhook_delivery(endpoint: &str, revision: u64, index: u32) -> Vec<u8> {
    format!("x/webhook/{endpoint}/d/{revision:020}-{index:010}").into_bytes()
}

/// Chunk `n` of the function module with this SHA-256 (its manifest is
/// `object("module", sha256)`).
pub fn module_chunk(sha256: &str, n: u32) -> Vec<u8> {
    format!("b/module/{sha256}/{n:05}").into_bytes()
}

/// Prefix of every idempotency record.
pub fn idempotency_records() -> Vec<u8> {
    b"x/api/idempotency/".to_vec()
}

/// Key of the idempotency record with this key digest.
pub fn idempotency(digest: &str) -> Vec<u8> {
    [idempotency_records().as_slice(), digest.as_bytes()].concat()
}

/// Prefix of the metrics history's blocks of one tier, service and
/// segment: `m/d/{tier}/{service}\0{segment}\0` (segment start in Unix
/// milliseconds, 13 digits, so segments sort in time order).
pub fn metric_blocks(tier: &str, service: &str, segment: i64) -> Vec<u8> {
    let mut key = format!("m/d/{tier}/{service}").into_bytes();
    key.push(0);
    key.extend_from_slice(format!("{segment:013}").as_bytes());
    key.push(0);
    key
}

/// Prefix of the segments of one tier that need compaction:
/// `m/dirty/{tier}/`, each key `…{service}\0{segment}`.
pub fn metric_dirty_segments(tier: &str) -> Vec<u8> {
    format!("m/dirty/{tier}/").into_bytes()
}

/// Key marking a segment as needing compaction.
pub fn metric_dirty_segment(tier: &str, service: &str, segment: i64) -> Vec<u8> {
    let mut key = metric_dirty_segments(tier);
    key.extend_from_slice(service.as_bytes());
    key.push(0);
    key.extend_from_slice(format!("{segment:013}").as_bytes());
    key
}

/// Prefix of one tier's segment index (oldest first, for retention):
/// `m/seg/{tier}/`, each key `…{segment}\0{service}`.
pub fn metric_segments(tier: &str) -> Vec<u8> {
    format!("m/seg/{tier}/").into_bytes()
}

/// Key of a segment's entry in its tier's index.
pub fn metric_segment(tier: &str, segment: i64, service: &str) -> Vec<u8> {
    let mut key = metric_segments(tier);
    key.extend_from_slice(format!("{segment:013}").as_bytes());
    key.push(0);
    key.extend_from_slice(service.as_bytes());
    key
}

/// Prefix of every series record: `m/series/`.
pub fn metric_series_all() -> Vec<u8> {
    b"m/series/".to_vec()
}

/// Prefix of one service's series records.
pub fn metric_series_of(service: &str) -> Vec<u8> {
    let mut key = metric_series_all();
    key.extend_from_slice(service.as_bytes());
    key.push(0);
    key
}

/// Key of one series record (by its 64-bit id).
pub fn metric_series(service: &str, id: u64) -> Vec<u8> {
    let mut key = metric_series_of(service);
    key.extend_from_slice(format!("{id:016x}").as_bytes());
    key
}

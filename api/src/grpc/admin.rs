//! `clusterdb.admin.v1.AdminService`: the snapshot as a server stream of
//! chunks, the same bytes as `GET /admin/snapshot`.

use std::pin::Pin;

use clusterdb::backup::SnapshotOptions;
use clusterdb::identity::Verb;
use clusterdb_proto::admin::v1 as pb;
use futures_util::{Stream, StreamExt as _};
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};

use super::auth::caller_of;
use super::kind::Reply;
use super::status::status;
use crate::rest::admin::{SNAPSHOT_KIND, file_name};

/// The administration service.
#[derive(Clone, Default)]
pub struct AdminApi;

type SnapshotStream = Pin<Box<dyn Stream<Item = Result<pb::SnapshotChunk, Status>> + Send>>;

#[tonic::async_trait]
impl pb::AdminService for AdminApi {
    type SnapshotStream = SnapshotStream;

    async fn snapshot(&self, request: Request<pb::SnapshotRequest>) -> Reply<SnapshotStream> {
        let caller = caller_of(&request)?.clone();
        caller
            .authorize(SNAPSHOT_KIND, Verb::Read)
            .map_err(status)?;
        let options = SnapshotOptions {
            events: !request.into_inner().without_events,
            ..SnapshotOptions::default()
        };
        let (header, bytes) = crate::snapshot_stream::start(&caller.db, &options)
            .await
            .map_err(status)?;
        let revision = header.revision;
        let mut first = Some((revision, file_name(revision)));
        let chunks = bytes.map(move |chunk| {
            let data =
                chunk.map_err(|err| Status::unavailable(format!("the snapshot failed: {err}")))?;
            let (revision, file_name) = first.take().unwrap_or_default();
            Ok(pb::SnapshotChunk {
                data: data.to_vec(),
                revision,
                file_name,
            })
        });
        let mut response = Response::new(Box::pin(chunks) as SnapshotStream);
        response
            .metadata_mut()
            .insert(crate::headers::REVISION, MetadataValue::from(revision));
        Ok(response)
    }
}

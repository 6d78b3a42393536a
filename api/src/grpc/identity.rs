//! `clusterdb.identity.v1.IdentityService`: user and group CRUD delegate
//! to the generic implementation in [`super::kind`]; membership and API
//! keys convert and call the core.

use clusterdb::identity::{ApiKey, GroupKind, UserKind, Verb, authorize_own_keys};
use clusterdb::{Kind, ListOptions};
use clusterdb_proto::identity::v1 as pb;
use pb::IdentityService;
use tonic::{Request, Response};

use super::auth::{caller, caller_of};
use super::convert::{count, timestamp};
use super::kind::{self, GrpcKind, Reply};
use super::status::{invalid, status};
use super::user::check_roles;

/// The identity service. It works on the database of each request's
/// authenticated caller.
#[derive(Clone, Default)]
pub struct IdentityApi;

fn key_message(key: &ApiKey) -> pb::ApiKey {
    pb::ApiKey {
        id: key.meta.id.clone(),
        name: key.meta.name.clone(),
        owner: key.meta.namespace.clone(),
        created_at: Some(timestamp(key.meta.created_at)),
        created_by: key.meta.created_by.clone(),
        last_used_at: key.status.last_used_at.map(timestamp),
        expires_at: key.spec.expires_at.map(timestamp),
    }
}

#[tonic::async_trait]
impl IdentityService for IdentityApi {
    async fn create_user(&self, r: Request<pb::CreateUserRequest>) -> Reply<pb::User> {
        check_roles(&r.get_ref().roles)?;
        kind::create::<UserKind>(r).await
    }

    async fn get_user(&self, r: Request<pb::GetUserRequest>) -> Reply<pb::User> {
        kind::get::<UserKind>(r).await
    }

    async fn update_user(&self, r: Request<pb::UpdateUserRequest>) -> Reply<pb::User> {
        check_roles(&r.get_ref().roles)?;
        kind::update::<UserKind>(r).await
    }

    async fn delete_user(&self, r: Request<pb::DeleteUserRequest>) -> Reply<()> {
        kind::delete::<UserKind>(r).await
    }

    async fn list_users(&self, r: Request<pb::ListUsersRequest>) -> Reply<pb::ListUsersResponse> {
        kind::list::<UserKind>(r).await
    }

    async fn create_group(&self, r: Request<pb::CreateGroupRequest>) -> Reply<pb::Group> {
        check_roles(&r.get_ref().roles)?;
        kind::create::<GroupKind>(r).await
    }

    async fn get_group(&self, r: Request<pb::GetGroupRequest>) -> Reply<pb::Group> {
        kind::get::<GroupKind>(r).await
    }

    async fn update_group(&self, r: Request<pb::UpdateGroupRequest>) -> Reply<pb::Group> {
        check_roles(&r.get_ref().roles)?;
        kind::update::<GroupKind>(r).await
    }

    async fn delete_group(&self, r: Request<pb::DeleteGroupRequest>) -> Reply<()> {
        kind::delete::<GroupKind>(r).await
    }

    async fn list_groups(
        &self,
        r: Request<pb::ListGroupsRequest>,
    ) -> Reply<pb::ListGroupsResponse> {
        kind::list::<GroupKind>(r).await
    }

    async fn add_group_member(&self, r: Request<pb::AddGroupMemberRequest>) -> Reply<pb::Group> {
        let db = caller(&r, GroupKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let group = db.groups().add_member(&r.group_id, &r.user_id).await;
        Ok(Response::new(GroupKind::message(&group.map_err(status)?)))
    }

    async fn remove_group_member(
        &self,
        r: Request<pb::RemoveGroupMemberRequest>,
    ) -> Reply<pb::Group> {
        let db = caller(&r, GroupKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let group = db.groups().remove_member(&r.group_id, &r.user_id).await;
        Ok(Response::new(GroupKind::message(&group.map_err(status)?)))
    }

    async fn create_api_key(
        &self,
        r: Request<pb::CreateApiKeyRequest>,
    ) -> Reply<pb::CreateApiKeyResponse> {
        let who = caller_of(&r)?;
        authorize_own_keys(&who.principal, &r.get_ref().user_id, Verb::Write).map_err(status)?;
        let db = who.db.clone();
        let r = r.into_inner();
        let made = db
            .identity()
            .create_api_key(
                &r.user_id,
                &r.name,
                r.expires_at.map(super::convert::from_timestamp),
            )
            .await
            .map_err(status)?;
        Ok(Response::new(pb::CreateApiKeyResponse {
            api_key: Some(key_message(&made.key)),
            key: made.secret,
        }))
    }

    async fn list_api_keys(
        &self,
        r: Request<pb::ListApiKeysRequest>,
    ) -> Reply<pb::ListApiKeysResponse> {
        let who = caller_of(&r)?;
        authorize_own_keys(&who.principal, &r.get_ref().user_id, Verb::Read).map_err(status)?;
        let db = who.db.clone();
        let r = r.into_inner();
        if r.page_size < 0 {
            return Err(invalid("page_size", "must not be negative"));
        }
        let mut options = ListOptions::default();
        if r.page_size != 0 {
            options = options.page_size(count(r.page_size));
        }
        if !r.page_token.is_empty() {
            options = options.page_token(r.page_token);
        }
        let page = db
            .identity()
            .api_keys_of(&r.user_id, &options)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListApiKeysResponse {
            api_keys: page.items.iter().map(key_message).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    async fn revoke_api_key(&self, r: Request<pb::RevokeApiKeyRequest>) -> Reply<()> {
        let who = caller_of(&r)?;
        authorize_own_keys(&who.principal, &r.get_ref().user_id, Verb::Write).map_err(status)?;
        let db = who.db.clone();
        let r = r.into_inner();
        db.identity()
            .revoke_api_key(&r.user_id, &r.key_id)
            .await
            .map_err(status)?;
        Ok(Response::new(()))
    }
}

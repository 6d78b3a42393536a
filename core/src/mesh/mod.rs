//! The service-mesh domain: virtual services (routing) and security
//! policies (authorization), both namespaced kinds, and their evaluation
//! — which route a request takes, whether it is allowed — on a cached
//! index of the whole mesh.

#[cfg(any(test, feature = "arbitrary"))]
pub mod arbitrary;
pub(crate) mod evaluate;
pub mod rules;
mod security_policy;
mod virtual_service;

use std::sync::Arc;

pub use evaluate::{
    CheckRequest, Decision, MAX_METHOD_LEN, MAX_PATH_LEN, MAX_PRINCIPAL_LEN, MeshIndex, Resolution,
    RouteRequest,
};
pub use security_policy::{
    CONDITION_KEYS, Condition, MAX_RULES, Operation, PolicyAction, Rule, SecurityPolicy,
    SecurityPolicyKind, SecurityPolicySpec, Source,
};
pub use virtual_service::{
    Abort, Delay, Destination, Fault, HttpMatch, HttpRoute, MAX_DESTINATIONS, MAX_HOSTS,
    MAX_HTTP_ROUTES, MAX_WEIGHT, RETRY_ON, Redirect, Retries, Rewrite, RouteDestination,
    StringMatch, VirtualService, VirtualServiceKind, VirtualServiceSpec, effective_weights,
};

use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::list::{ListOptions, MAX_PAGE_SIZE};
use crate::resources::Resources;
use crate::store::Store;
use rules::MESH_MARKER;

/// Times an index build reads the mesh again because it changed meanwhile.
const BUILD_ATTEMPTS: usize = 8;

/// The mesh: `db.mesh()`.
#[derive(Clone)]
pub struct Mesh {
    store: Arc<Store>,
}

impl Mesh {
    pub(crate) fn new(store: Arc<Store>) -> Mesh {
        Mesh { store }
    }

    /// The mesh marker's revision (0 before any mesh write).
    async fn generation(&self) -> Result<u64> {
        self.store.marker_revision(MESH_MARKER).await
    }

    /// Every object of `K`, in creation order.
    async fn all<K: Kind>(&self) -> Result<Vec<Object<K>>> {
        let resources = Resources::<K>::new(Arc::clone(&self.store), crate::actor::Actor::system());
        let mut options = ListOptions::default().page_size(MAX_PAGE_SIZE);
        let mut all = Vec::new();
        loop {
            let page = resources.list(&options).await?;
            all.extend(page.items);
            match page.next_page_token {
                Some(token) => options = options.page_token(token),
                None => return Ok(all),
            }
        }
    }

    /// The index of the mesh as it is now: the cached one while no mesh
    /// object changed (one read), else rebuilt from every virtual service
    /// and security policy read at one marker revision.
    pub async fn index(&self) -> Result<Arc<MeshIndex>> {
        let mut generation = self.generation().await?;
        if let Some((at, index)) = self.cached()
            && at == generation
        {
            return Ok(index);
        }
        let _rebuilding = self.store.mesh.rebuilding.lock().await;
        // Another request may have rebuilt it while this one waited.
        generation = self.generation().await?;
        if let Some((at, index)) = self.cached()
            && at == generation
        {
            return Ok(index);
        }
        for _ in 0..BUILD_ATTEMPTS {
            let services = self.all::<VirtualServiceKind>().await?;
            let policies = self.all::<SecurityPolicyKind>().await?;
            let after = self.generation().await?;
            if after == generation {
                let index = Arc::new(MeshIndex::new(services, policies));
                *self
                    .store
                    .mesh
                    .current
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Some((generation, Arc::clone(&index)));
                return Ok(index);
            }
            generation = after;
        }
        Err(Error::Unavailable(
            "the mesh changed while it was read; try again".into(),
        ))
    }

    fn cached(&self) -> Option<(u64, Arc<MeshIndex>)> {
        self.store
            .mesh
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The route `request` takes (see [`MeshIndex::resolve`]).
    pub async fn resolve(&self, request: &RouteRequest) -> Result<Option<Resolution>> {
        request.validate()?;
        Ok(self.index().await?.resolve(request))
    }

    /// What the security policies decide for `request` (see
    /// [`MeshIndex::check`]).
    pub async fn check(&self, request: &CheckRequest) -> Result<Decision> {
        request.validate()?;
        Ok(self.index().await?.check(request))
    }
}

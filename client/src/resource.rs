//! The resource kinds of the REST API as a client sees them: where each
//! lives and which wire types it sends and answers ([`Resource`]). Each
//! kind's marker type (`Fleets`, `VirtualServices`, …, for
//! [`crate::Client::resources`]) is declared beside its wire types, in
//! `wire/<kind>.rs`.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A resource kind of the REST API.
pub trait Resource: Send + Sync + 'static {
    /// Collection path below `/v1`, e.g. `fleets` or
    /// `mesh/virtual-services`.
    const COLLECTION: &'static str;
    /// The key of a list answer's items, e.g. `virtual_services`.
    const LIST_FIELD: &'static str = Self::COLLECTION;
    /// The singular noun, e.g. `virtual service`.
    const SINGULAR: &'static str;
    /// What ids of the kind start with, before `-` (e.g. `fleet`).
    const ID_PREFIX: &'static str;
    /// What a create or replace sends.
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// What the API answers.
    type Output: Serialize + DeserializeOwned + Send + 'static;
}

/// Declares the marker of a kind (or several): its collection, list
/// field, noun, id prefix, input and output. Each kind's wire module
/// declares its own.
macro_rules! resources {
    ($($(#[$doc:meta])* $marker:ident {
        collection: $collection:literal,
        $(list_field: $list_field:literal,)?
        singular: $singular:literal,
        id_prefix: $prefix:literal,
        input: $input:ty,
        output: $output:ty $(,)?
    })*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $marker;

        impl $crate::resource::Resource for $marker {
            const COLLECTION: &'static str = $collection;
            $(const LIST_FIELD: &'static str = $list_field;)?
            const SINGULAR: &'static str = $singular;
            const ID_PREFIX: &'static str = $prefix;
            type Input = $input;
            type Output = $output;
        }
    )*};
}

pub(crate) use resources;

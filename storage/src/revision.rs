//! [`Revision`]: the store's clock.

/// A store revision. Revision 0 is the empty store; every successful commit
/// gets a higher revision than every commit before it.
pub type Revision = u64;

//! Swapping a new policy in while other threads keep deciding.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::model::Policy;

/// What [`SharedPolicy::load`] returns: the policy current at the time of the call,
/// dereferencing to `Arc<Policy>` (and so to [`Policy`]). Keep it for one request; it
/// does not see later reloads. Re-exported from `arc-swap`, so embedders can name it
/// without depending on that crate.
pub use arc_swap::Guard;

/// A policy shared across threads that can be replaced atomically.
///
/// Readers call [`SharedPolicy::load`] per request (lock-free) and keep deciding with the
/// policy they loaded; [`SharedPolicy::store`] swaps in a new one for every later `load`.
/// It only takes a compiled [`Policy`], which exists only once the checker accepted the
/// source, so a policy that fails to check can never be swapped in: compile first, and
/// keep serving the old policy when compiling fails.
///
/// Handles ([`Query`](super::Query), [`Subject`](crate::Subject), …) belong to the policy
/// they were made for: after a `store`, deciding one made for the old policy with the new
/// one is [`QueryError::OtherPolicy`](super::QueryError::OtherPolicy), never a decision
/// (its ids would name other purposes and fields). Prepare them again after a reload, or
/// use the by-name calls, which resolve names against the policy they are asked of.
///
/// ```
/// # use lawful::{eval::{Query, SharedPolicy}, Subject};
/// # let text = r#"
/// #     policy "Shop" { controller "Shop GmbH" }
/// #     region DE "Germany"
/// #     category user.contact.email
/// #     purpose support { uses user.contact.email basis contract }
/// # "#;
/// let shared = SharedPolicy::new(lawful::compile_str("shop.lawful", text)?.policy);
/// // Per request: the policy current at this moment.
/// let policy = shared.load();
/// let subject = Subject::from_json_str(&policy, r#"{"region": "DE"}"#, jiff::Timestamp::now())?;
/// let decision = policy.decide_use_by_name("support", "user.contact.email", &subject, None)?;
/// assert!(decision.allowed());
/// // On reload: only a policy that checked can be stored; on failure keep the old one.
/// match lawful::compile_str("shop.lawful", "policy \"Shop\" { controller 1 }") {
///     Ok(compiled) => {
///         shared.store(compiled.policy);
///     }
///     Err(failed) => eprintln!("keeping the current policy: {failed}"),
/// }
/// assert!(shared.load().purpose("support").is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SharedPolicy {
    current: ArcSwap<Policy>,
}

impl SharedPolicy {
    /// Share `policy`; [`SharedPolicy::store`] replaces it later.
    pub fn new(policy: Policy) -> Self {
        SharedPolicy {
            current: ArcSwap::from_pointee(policy),
        }
    }

    /// The current policy, cheaply (no reference-count traffic in the common case).
    pub fn load(&self) -> Guard<Arc<Policy>> {
        self.current.load()
    }

    /// The current policy as an owned `Arc`, for holding across long operations.
    pub fn load_full(&self) -> Arc<Policy> {
        self.current.load_full()
    }

    /// Replace the policy; returns the previous one.
    pub fn store(&self, policy: Policy) -> Arc<Policy> {
        self.current.swap(Arc::new(policy))
    }

    /// [`SharedPolicy::store`] for a policy already in an `Arc`.
    pub fn store_arc(&self, policy: Arc<Policy>) -> Arc<Policy> {
        self.current.swap(policy)
    }
}

impl From<Policy> for SharedPolicy {
    fn from(policy: Policy) -> Self {
        SharedPolicy::new(policy)
    }
}

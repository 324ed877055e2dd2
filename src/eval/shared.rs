//! Swapping a new policy in while other threads keep deciding.

use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};

use crate::model::Policy;

/// A policy shared across threads that can be replaced atomically.
///
/// Readers call [`SharedPolicy::load`] per request (lock-free) and keep deciding with the
/// policy they loaded; [`SharedPolicy::store`] swaps in a new one for every later `load`.
/// It only takes a compiled [`Policy`], which exists only once the checker accepted the
/// source, so a policy that fails to check can never be swapped in: compile first, and
/// keep serving the old policy when compiling fails.
///
/// ```ignore
/// let shared = SharedPolicy::new(lawful::compile_str("shop", &text)?.policy);
/// // per request:
/// let policy = shared.load();
/// let decision = policy.decide(&query, &subject)?;
/// // on reload:
/// match lawful::compile_str("shop", &new_text) {
///     Ok(compiled) => shared.store(compiled.policy),
///     Err(failed) => log_and_keep_old(failed),
/// }
/// ```
#[derive(Debug)]
pub struct SharedPolicy {
    current: ArcSwap<Policy>,
}

impl SharedPolicy {
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

    pub fn store_arc(&self, policy: Arc<Policy>) -> Arc<Policy> {
        self.current.swap(policy)
    }
}

impl From<Policy> for SharedPolicy {
    fn from(policy: Policy) -> Self {
        SharedPolicy::new(policy)
    }
}

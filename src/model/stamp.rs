//! The identity of one compiled policy, so a handle prepared for it is never used with
//! another.

use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which compilation a [`Policy`](super::Policy) came from: unique per compilation in this
/// process (two compilations of the same text get different stamps), shared by clones of
/// one policy (they are the same policy).
///
/// Every prepared handle the evaluator hands out — a [`Query`](crate::eval::Query), a
/// [`Subject`](crate::Subject), a [`RetentionQuery`](crate::eval::RetentionQuery), a
/// [`TransferQuery`](crate::eval::TransferQuery), a [`MaskQuery`](crate::eval::MaskQuery),
/// a [`FieldQuery`](crate::eval::FieldQuery) — carries the stamp of the policy it was made
/// for, and every decision compares it first: ids are plain indexes, so a handle from a
/// policy a reload replaced would otherwise name another purpose or field.
///
/// Stamps are not stable across processes and say nothing about the policy's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyStamp(NonZeroU64);

/// The last stamp handed out.
static LAST: AtomicU64 = AtomicU64::new(0);

impl PolicyStamp {
    /// A stamp no policy in this process has had.
    pub(crate) fn fresh() -> PolicyStamp {
        loop {
            let next = LAST.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
            if let Some(n) = NonZeroU64::new(next) {
                return PolicyStamp(n);
            }
        }
    }

    /// The stamp as a number (for logs; only equality means anything).
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

impl std::fmt::Display for PolicyStamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod stamp_tests {
    #![allow(clippy::unwrap_used)]

    use super::PolicyStamp;

    /// Two compilations of one text are two policies; a clone is the same policy.
    #[test]
    fn each_compilation_has_its_own_stamp_and_clones_share_it() {
        let text = "policy \"T\" { controller \"T GmbH\" }\ncategory user.contact.email\n";
        let first = crate::compile_str("t.lawful", text).unwrap().policy;
        let second = crate::compile_str("t.lawful", text).unwrap().policy;
        assert_ne!(first.stamp(), second.stamp());
        assert_eq!(first.clone().stamp(), first.stamp());
        // The test subjects the checker resolves carry their policy's stamp.
        let subject = crate::Subject::new(&first);
        assert!(subject.belongs_to(&first) && !subject.belongs_to(&second));
    }

    #[test]
    fn fresh_stamps_differ() {
        let (a, b) = (PolicyStamp::fresh(), PolicyStamp::fresh());
        assert_ne!(a, b);
        assert_ne!(a.get(), 0);
    }
}

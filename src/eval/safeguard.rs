//! Transfers whose safeguard the text does not name (`transfer … with unstated`).
//!
//! GDPR Chapter V lets personal data leave for a third country only under a safeguard
//! (an adequacy decision, SCCs, BCRs, a derogation …), and Art. 13(1)(f) makes the notice
//! name it. A policy that states a transfer but no safeguard says `with unstated` instead of
//! inventing one; the evaluator then denies every transfer that needs one
//! (`safeguard_unstated`), exactly as `basis unstated` denies every use. A transfer that needs
//! no safeguard is not affected: inside the origin region (the domestic step), inside one
//! country (a region that is not a group: `US-CA` to `US-NY`), or allowed by another
//! permission — one stating free flow (`transfer user.* from EU to EU`) or a safeguard.

use crate::model::{Policy, RegionId, TransferRule};

/// The permission states the transfer but names no safeguard (`with unstated`).
pub(crate) fn states_no_safeguard(rule: &TransferRule) -> bool {
    rule.safeguard
        .is_some_and(|safeguard| safeguard.is_unstated())
}

/// `from` and `to` lie in one country: some region that is not a group contains both.
pub(crate) fn within_one_country(policy: &Policy, from: RegionId, to: RegionId) -> bool {
    let (Some(origin), Some(destination)) = (
        policy.regions.get(from.index()),
        policy.regions.get(to.index()),
    ) else {
        return false;
    };
    origin.within.iter().any(|id| {
        destination.within.contains(id)
            && policy
                .regions
                .get(id)
                .is_some_and(|region| !region.is_group)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use crate::eval::TransferQuery;
    use crate::model::{Policy, Reason};

    const POLICY: &str = r#"
use std::regions
category user.email "Email"
purpose service "Service" { uses user.email  basis contract }
retain user.email at most 1 year after account_closed
transfer user.email from EU to EU
transfer user.email from EU, US to US, CN with unstated
transfer user.email from EU to CH with adequacy
transfer user.email from EU to CH with unstated
transfer user.email from EU to JP with unstated
transfer user.email from EU to JP requires explicit consent
"#;

    fn policy() -> Policy {
        crate::compile_str("p.lawful", POLICY).unwrap().policy
    }

    fn decide(policy: &Policy, from: &str, to: &str) -> crate::eval::Decision {
        let (c, f, t) = (
            policy.category("user.email").unwrap(),
            policy.region(from).unwrap(),
            policy.region(to).unwrap(),
        );
        policy
            .decide_transfer(&TransferQuery::new(policy, c, f, t))
            .unwrap()
    }

    #[test]
    fn a_transfer_needing_a_safeguard_is_denied_citing_the_permission() {
        let p = policy();
        let d = decide(&p, "DE", "US");
        assert_eq!(d.reason, Reason::SafeguardUnstated);
        assert_eq!(d.safeguard(&p), None);
        let rule = d.rule_ref(&p).unwrap();
        assert_eq!(rule.name, "transfer with unstated");
        assert!(
            d.explain(&p).contains("names no safeguard"),
            "{}",
            d.explain(&p)
        );
    }

    #[test]
    fn free_flow_and_one_country_are_not_affected() {
        let p = policy();
        // Free flow stated by another permission.
        let d = decide(&p, "DE", "FR");
        assert!(d.allowed() && d.safeguard(&p).is_none(), "{d:?}");
        // Inside one country (US-CA and US-NY are in US, which is not a group).
        let d = decide(&p, "US-CA", "US-NY");
        assert!(d.allowed() && d.detail.domestic, "{d:?}");
        // Inside the origin region: the domestic step answers first.
        assert!(decide(&p, "US", "US-CA").allowed());
    }

    #[test]
    fn a_permission_naming_a_safeguard_answers_before_the_unstated_one() {
        let p = policy();
        let d = decide(&p, "DE", "CH");
        assert_eq!(
            (d.reason, d.safeguard(&p)),
            (Reason::Allowed, Some("adequacy"))
        );
    }

    #[test]
    fn the_first_blocked_permission_is_the_reason() {
        let p = policy();
        // `with unstated` comes before the consent permission: its reason is reported.
        let d = decide(&p, "DE", "JP");
        assert_eq!(d.reason, Reason::SafeguardUnstated);
        // No permission at all: still `transfer_forbidden`.
        assert_eq!(decide(&p, "CN", "DE").reason, Reason::TransferForbidden);
    }
}

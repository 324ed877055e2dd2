//! Deciding a transfer: may data of category C collected in region A be stored or
//! processed in region B, and with which safeguard?

use crate::model::{
    CategoryId, CircumstanceId, Circumstances, Policy, PolicyStamp, PurposeId, RecipientId,
    RegionId,
};
use crate::subject::Subject;

use super::cond::Env;
use super::decision::{Asked, Decision};
use super::query::{check_category, check_region, check_stamp, check_subject, QueryError};
use super::rules::{is_transfer_rule_for, Situation};
use super::safeguard::{states_no_safeguard, within_one_country};
use super::Reason;

/// A prepared transfer question: may data of `category` collected in `from` go to `to`?
/// Like every handle it belongs to the policy it was made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferQuery {
    /// The data's category.
    pub category: CategoryId,
    /// Where the data was collected.
    pub from: RegionId,
    /// Where it would be stored or processed.
    pub to: RegionId,
    /// The circumstances that hold (`export_permitted_by_law` …); absent ones are false.
    pub circumstances: Circumstances,
    /// The policy the ids belong to.
    pub(crate) stamp: PolicyStamp,
}

impl TransferQuery {
    /// May `category` go from `from` to `to`, all ids of `policy`?
    pub fn new(policy: &Policy, category: CategoryId, from: RegionId, to: RegionId) -> Self {
        TransferQuery {
            category,
            from,
            to,
            circumstances: Circumstances::NONE,
            stamp: policy.stamp(),
        }
    }

    /// Say that circumstance `id` holds.
    pub fn given(mut self, id: CircumstanceId) -> Self {
        self.circumstances = self.circumstances.with(id);
        self
    }

    /// Replace the circumstances that hold.
    pub fn with_circumstances(mut self, circumstances: Circumstances) -> Self {
        self.circumstances = circumstances;
        self
    }

    /// The stamp of the policy this question was prepared for.
    pub fn stamp(&self) -> PolicyStamp {
        self.stamp
    }
}

impl Policy {
    /// May `query.category` collected in `query.from` go to `query.to`? Deny rules whose
    /// conditions are about a subject match (fail closed): use
    /// [`Policy::decide_transfer_for`] to test them against one.
    pub fn decide_transfer(&self, query: &TransferQuery) -> Result<Decision, QueryError> {
        self.transfer_checked(query, None)
    }

    /// [`Policy::decide_transfer`] for the data of one subject.
    pub fn decide_transfer_for(
        &self,
        subject: &Subject,
        query: &TransferQuery,
    ) -> Result<Decision, QueryError> {
        check_subject(self, subject)?;
        self.transfer_checked(query, Some(subject))
    }

    fn transfer_checked(
        &self,
        query: &TransferQuery,
        subject: Option<&Subject>,
    ) -> Result<Decision, QueryError> {
        check_stamp(self, query.stamp, "transfer query")?;
        let &TransferQuery {
            category,
            from,
            to,
            circumstances,
            ..
        } = query;
        check_category(self, category)?;
        check_region(self, from)?;
        check_region(self, to)?;
        let question = TransferQuestion {
            category,
            from,
            to,
            subject,
            circumstances,
            purpose: None,
            recipient: None,
        };
        Ok(question.decide(self))
    }
}

/// One transfer, with the disclosure it is part of, if any.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TransferQuestion<'a> {
    pub category: CategoryId,
    pub from: RegionId,
    pub to: RegionId,
    pub subject: Option<&'a Subject>,
    pub circumstances: Circumstances,
    pub purpose: Option<PurposeId>,
    pub recipient: Option<RecipientId>,
}

impl TransferQuestion<'_> {
    /// Deny rules first (a deny always wins), then: domestic → allowed; localisation →
    /// `localized`; the first permitting `transfer` rule → allowed with its safeguard;
    /// none → `transfer_forbidden`.
    pub fn decide(&self, policy: &Policy) -> Decision {
        let asked = Asked::Transfer {
            category: self.category,
            from: self.from,
            to: self.to,
        };
        let mut decision = self.decide_inner(policy, asked);
        decision.detail.transfer_to = Some(self.to);
        decision
    }

    fn decide_inner(&self, policy: &Policy, asked: Asked) -> Decision {
        let (from, to, category) = (self.from.index(), self.to.index(), self.category.index());
        let env = Env {
            policy,
            subject: self.subject,
            region: self.from,
            circumstances: self.circumstances,
        };
        let situation = Situation {
            env,
            category: self.category,
            purpose: self.purpose,
            recipient: self.recipient,
            to: std::slice::from_ref(&self.to),
        };
        let lookup = &policy.index.rule_lookup;
        let rules = lookup
            .transfer_denials(self.category)
            .iter()
            .filter_map(|id| policy.rules.get(id.index()));
        for rule in rules {
            if is_transfer_rule_for(rule, self.from, self.to) && situation.rule_applies(rule) {
                return Decision::new(asked, Reason::DeniedByRule).with_rule(rule.provenance);
            }
        }

        let domestic = policy
            .regions
            .get(to)
            .is_some_and(|region| region.within.contains(from));
        if domestic {
            let mut decision = Decision::new(asked, Reason::Allowed);
            decision.detail.domestic = true;
            return decision;
        }

        let localizations = policy
            .index
            .localizations_by_category
            .get(category)
            .into_iter()
            .flatten()
            .filter_map(|&i| policy.localizations.get(i as usize));
        for localization in localizations {
            if localization.within.contains(from)
                && !localization.within.contains(to)
                && !localization_lifted(env, localization)
            {
                return Decision::new(asked, Reason::Localized).with_rule(localization.provenance);
            }
        }

        let permits = lookup
            .transfer_permits(self.category)
            .iter()
            .filter_map(|&i| policy.transfers.get(i as usize).map(|t| (i, t)));
        // A permission that needs the subject's consent to the transfer, which is missing.
        let mut unconsented = None;
        // A permission that names no safeguard (`with unstated`), for a transfer needing one.
        let mut unstated = None;
        for (index, transfer) in permits {
            if transfer.from.contains(from)
                && transfer.to.contains(to)
                && env.eval_opt(transfer.when.as_ref()).or_false()
            {
                if states_no_safeguard(transfer) {
                    if within_one_country(policy, self.from, self.to) {
                        // Inside one country: no international transfer, no safeguard needed.
                        let mut decision = Decision::new(asked, Reason::Allowed);
                        decision.detail.domestic = true;
                        return decision;
                    }
                    if unconsented.is_none() {
                        unstated.get_or_insert(transfer.provenance);
                    }
                    continue;
                }
                if let Some(explicit) = transfer.consent {
                    if !transfer_consented(policy, self.subject, self.to, explicit) {
                        if unstated.is_none() {
                            unconsented.get_or_insert((transfer.provenance, explicit));
                        }
                        continue;
                    }
                }
                let mut decision =
                    Decision::new(asked, Reason::Allowed).with_rule(transfer.provenance);
                decision.detail.transfer_rule = Some(index);
                if transfer.consent.is_some() {
                    decision.obligations.honour_withdrawal();
                }
                return decision;
            }
        }
        if let Some(provenance) = unstated {
            let mut denial = Decision::new(asked, Reason::SafeguardUnstated).with_rule(provenance);
            denial.detail.transfer_to = Some(self.to);
            return denial;
        }
        match unconsented {
            Some((provenance, explicit)) => {
                let mut denial =
                    Decision::new(asked, Reason::TransferConsentMissing).with_rule(provenance);
                denial.detail.explicit_required = explicit;
                denial.detail.transfer_to = Some(self.to);
                denial
            }
            None => Decision::new(asked, Reason::TransferForbidden),
        }
    }
}

/// The subject consented (explicitly, when `explicit`) to a transfer to `to` or to a region
/// it lies within; no subject has not (fail closed).
fn transfer_consented(
    policy: &Policy,
    subject: Option<&Subject>,
    to: RegionId,
    explicit: bool,
) -> bool {
    let Some(subject) = subject else {
        return false;
    };
    let Some(destination) = policy.regions.get(to.index()) else {
        return false;
    };
    let covers = |target: crate::subject::ConsentTarget| {
        matches!(target, crate::subject::ConsentTarget::Transfer(r)
            if destination.within.contains(r.index()))
    };
    subject.target_consent(covers, explicit, None).is_ok()
}

/// The localisation's `except when` holds for this question (unknown does not: fail closed).
pub(crate) fn localization_lifted(env: Env<'_>, localization: &crate::model::Localization) -> bool {
    localization
        .unless
        .as_ref()
        .is_some_and(|c| env.eval(c).or_false())
}

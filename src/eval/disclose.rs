//! Deciding a disclosure: may recipient Q receive category C for purpose P, for subject S
//! in region R?

use crate::model::{
    Localization, OptOutKind, Policy, ProvenanceKind, RecipientId, RecipientKind, RuleAction,
};
use crate::subject::Subject;

use super::cond::Env;
use super::decision::{Asked, Decision, Detail};
use super::query::{check_recipient, Query, QueryError};
use super::rules::{forbidding_assertion, is_disclosure_rule_for, Situation};
use super::transfer::{localization_lifted, TransferQuestion};
use super::usage::UseQuery;
use super::Reason;

impl Policy {
    /// May `recipient` receive `query.data` for `query.purpose`? (`query.recipient` is
    /// ignored.) The use must be allowed, the recipient declared for the purpose and the
    /// category, no deny rule may match, the subject must not have opted out of a sale or
    /// of sharing the disclosure is, the recipient's conditions must hold, and the transfer
    /// to each region the recipient is located in must be allowed. A recipient whose
    /// location the policy does not declare cannot receive data a `localize` rule keeps
    /// in the query region (fail closed: `localized`). `recipient` is an id of the policy
    /// `query` was prepared for (whose stamp is checked first).
    pub fn decide_disclosure(
        &self,
        recipient: RecipientId,
        query: &Query,
        subject: &Subject,
    ) -> Result<Decision, QueryError> {
        let use_query = UseQuery::prepare(self, query, subject)?;
        check_recipient(self, recipient)?;
        Ok(decide(self, recipient, &use_query, subject))
    }

    /// May any recipient of `kind` the policy declares receive `query.data` for
    /// `query.purpose`? (`query.recipient` is ignored.) Each declared recipient of the kind
    /// is decided as [`Policy::decide_disclosure`] does; the first allowed answer is the
    /// answer (it names that recipient). Otherwise the denial is that of a recipient a
    /// deny rule refuses (the policy's promise), else of the first recipient; with no
    /// recipient of the kind declared it is `recipient_not_declared` (or the use's own
    /// denial), citing a `deny disclose … to kind K` rule that forbids it — which answers
    /// (`denied_by_rule`) unless the closed world denies the use. Allocates nothing.
    pub fn decide_disclosure_to_kind(
        &self,
        kind: RecipientKind,
        query: &Query,
        subject: &Subject,
    ) -> Result<Decision, QueryError> {
        let use_query = UseQuery::prepare(self, query, subject)?;
        let mut denial: Option<Decision> = None;
        for (i, recipient) in self.recipients.iter().enumerate() {
            if recipient.kind != kind {
                continue;
            }
            let id = RecipientId::from_index(i);
            let decision = decide(self, id, &use_query, subject);
            if decision.allowed() {
                return Ok(decision);
            }
            let by_rule = |d: &Decision| self.cites_deny_rule(d);
            if denial
                .as_ref()
                .is_none_or(|d| !by_rule(d) && by_rule(&decision))
            {
                denial = Some(decision);
            }
        }
        let asked = Asked::DiscloseKind {
            kind,
            purpose: use_query.purpose,
            data: use_query.data,
            region: use_query.region,
        };
        if let Some(denial) = denial {
            return Ok(Decision { asked, ..denial });
        }
        // No recipient of the kind is declared: closed world.
        let used = use_query.decide(self, subject);
        let mut decision = if used.allowed() {
            Decision::new(asked, Reason::RecipientNotDeclared)
        } else {
            Decision { asked, ..used }
        };
        let rule_first = match decision.reason {
            Reason::RecipientNotDeclared => RuleFirst::Cite,
            reason => disclosure_rule_first(reason),
        };
        if rule_first != RuleFirst::Keep {
            if let Some(rule) = self.kind_rule(kind, &use_query, subject) {
                decision.rule = Some(rule);
                if rule_first == RuleFirst::Answer {
                    decision.reason = Reason::DeniedByRule;
                    decision.detail = Detail::default();
                }
            }
        }
        Ok(decision)
    }

    /// Whether the decision cites a deny rule.
    fn cites_deny_rule(&self, decision: &Decision) -> bool {
        decision
            .rule
            .and_then(|id| self.provenance(id))
            .is_some_and(|p| p.kind == ProvenanceKind::Deny)
    }

    /// The first `deny disclose` rule naming `kind` (or `*`) that applies to the question.
    fn kind_rule(
        &self,
        kind: RecipientKind,
        query: &UseQuery,
        subject: &Subject,
    ) -> Option<crate::model::ProvenanceId> {
        let situation = Situation {
            env: Env {
                policy: self,
                subject: Some(subject),
                region: query.region,
                circumstances: query.circumstances,
            },
            category: query.category,
            purpose: Some(query.purpose),
            recipient: None,
            to: &[],
        };
        // A data broker's business is buying and selling personal information (Cal. Civ.
        // Code § 1798.99.80(c)): `deny sell` answers for it; disclosing to an advertising
        // network is sharing for cross-context behavioural advertising (§ 1798.140(ah)):
        // `deny share` answers for it.
        let lookup = &self.index.rule_lookup;
        let sell = if kind == RecipientKind::DataBroker {
            lookup.sell_rules(query.category)
        } else {
            &[]
        };
        let share = if kind == RecipientKind::AdNetwork {
            lookup.share_rules(query.category)
        } else {
            &[]
        };
        [lookup.disclose_rules(query.category), sell, share]
            .into_iter()
            .filter_map(|ids| {
                ids.iter().copied().find(|id| {
                    self.rules.get(id.index()).is_some_and(|rule| {
                        let action = match &rule.action {
                            RuleAction::Disclose {
                                kinds, purposes, ..
                            } => {
                                kinds & kind.bit() != 0 && purposes.contains(query.purpose.index())
                            }
                            RuleAction::Sell | RuleAction::Share => true,
                            RuleAction::Use { .. }
                            | RuleAction::Transfer { .. }
                            | RuleAction::Combine { .. } => false,
                        };
                        action && situation.rule_applies(rule)
                    })
                })
            })
            .min()
            .and_then(|id| self.rules.get(id.index()))
            .map(|rule| rule.provenance)
            .or_else(|| forbidding_assertion(self, &situation, Some(kind)))
    }
}

/// What a deny rule that forbids a disclosure does to the use's own denial.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RuleFirst {
    /// The closed world denies (the purpose does not declare the data): the denial keeps its
    /// reason and cites the rule — a disclosure rule explains a disclosure better than the
    /// closed world does (a use is decided in the same order: step 2 before step 3).
    Cite,
    /// The rule is the answer (`denied_by_rule`): deny always wins over a missing basis,
    /// consent, objection, opt-out, restriction or children's rule — the policy's promise is
    /// the better explanation.
    Answer,
    /// The use's own denial stands: the subject's kind is not processed at all (step 2), or
    /// a `deny use` rule already answered.
    Keep,
}

/// How a disclosure rule that applies ranks against the use's denial for `reason`.
fn disclosure_rule_first(reason: Reason) -> RuleFirst {
    match reason {
        Reason::NotDeclared => RuleFirst::Cite,
        Reason::SubjectKind | Reason::DeniedByRule | Reason::Allowed => RuleFirst::Keep,
        Reason::NoLegalBasis
        | Reason::BasisUnstated
        | Reason::ConsentMissing
        | Reason::ConsentWithdrawn
        | Reason::Objected
        | Reason::OptedOut
        | Reason::Restricted
        | Reason::Erased
        | Reason::Child
        | Reason::ParentalConsentMissing
        | Reason::RecipientNotDeclared
        | Reason::RecipientCondition
        | Reason::Localized
        | Reason::TransferForbidden
        | Reason::RecipientConsentMissing
        | Reason::TransferConsentMissing
        | Reason::SafeguardUnstated => RuleFirst::Answer,
    }
}

fn decide(policy: &Policy, id: RecipientId, query: &UseQuery, subject: &Subject) -> Decision {
    let asked = Asked::Disclose {
        recipient: id,
        purpose: query.purpose,
        data: query.data,
        region: query.region,
    };
    let deny = |reason| Decision::new(asked, reason);

    let Some(recipient) = policy.recipients.get(id.index()) else {
        return deny(Reason::RecipientNotDeclared);
    };
    let env = Env {
        policy,
        subject: Some(subject),
        region: query.region,
        circumstances: query.circumstances,
    };
    let situation = Situation {
        env,
        category: query.category,
        purpose: Some(query.purpose),
        recipient: Some(id),
        to: &recipient.located,
    };
    // Only the kinds of rule this disclosure can fall under, each list in declaration
    // order; a sale or sharing is also a disclosure. The first rule that applies decides.
    let lookup = &policy.index.rule_lookup;
    let sell = if recipient.sale {
        lookup.sell_rules(query.category)
    } else {
        &[]
    };
    let share = if recipient.sharing {
        lookup.share_rules(query.category)
    } else {
        &[]
    };
    let disclose = lookup.disclose_rules(query.category);
    let first = [disclose, sell, share]
        .into_iter()
        .filter_map(|ids| {
            ids.iter().copied().find(|rule_id| {
                policy.rules.get(rule_id.index()).is_some_and(|rule| {
                    let action = is_disclosure_rule_for(rule, id, recipient, query.purpose);
                    action && situation.rule_applies(rule)
                })
            })
        })
        .min()
        .and_then(|id| policy.rules.get(id.index()));

    // The use must be allowed: a denied use is the answer — but a deny rule wins over
    // anything but the closed world, as it does for a use (see `disclosure_rule_first`).
    let used = query.decide(policy, subject);
    if !used.allowed() {
        let mut denial = Decision { asked, ..used };
        match (disclosure_rule_first(denial.reason), first) {
            (RuleFirst::Cite, Some(rule)) => denial.rule = Some(rule.provenance),
            (RuleFirst::Cite, None) => {
                if denial.reason == Reason::NotDeclared {
                    if let Some(limit) = recipient.terms.limit_for(query.purpose.index()) {
                        // The recipient's own limit ("may not train models on your data").
                        denial.rule = Some(limit.provenance);
                    }
                }
            }
            (RuleFirst::Answer, Some(rule)) => {
                return deny(Reason::DeniedByRule).with_rule(rule.provenance);
            }
            (RuleFirst::Answer | RuleFirst::Keep, _) => {}
        }
        return denial;
    }

    // Closed world; a deny rule that forbids it too is the better explanation.
    let declared = recipient.purposes.contains(query.purpose.index())
        && recipient.categories.contains(query.category.index());
    if !declared {
        // A `never for` limit is out of `purposes`: its denial cites the limit.
        let limit = recipient.terms.limit_for(query.purpose.index());
        let cited = first
            .map(|rule| rule.provenance)
            .unwrap_or_else(|| limit.map_or(recipient.provenance, |limit| limit.provenance));
        return deny(Reason::RecipientNotDeclared).with_rule(cited);
    }
    if let Some(rule) = first {
        return deny(Reason::DeniedByRule).with_rule(rule.provenance);
    }

    let opted_out = |kind: OptOutKind| Policy::opted_out(subject.opt_outs, subject.gpc, kind);
    let refused = if recipient.sale && opted_out(OptOutKind::Sale) {
        Some(OptOutKind::Sale)
    } else if recipient.sharing {
        [OptOutKind::Sharing, OptOutKind::TargetedAdvertising]
            .into_iter()
            .find(|&k| opted_out(k))
    } else {
        None
    };
    if let Some(kind) = refused {
        let mut denial = deny(Reason::OptedOut).with_rule(recipient.provenance);
        denial.detail = Detail {
            opt_out: Some(kind),
            via_gpc: subject.opt_outs & kind.bit() == 0,
            ..Detail::default()
        };
        return denial;
    }

    if !recipient.conditions.iter().all(|c| env.eval(c).or_false()) {
        return deny(Reason::RecipientCondition).with_rule(recipient.provenance);
    }

    // "After obtaining your express consent": consent to this recipient, with the
    // withdrawal and provenance rules of the purpose's own consent.
    if let Some(explicit) = recipient.consent {
        let taints = policy
            .purposes
            .get(query.purpose.index())
            .is_some_and(|p| p.taints_prior_data);
        let collected = query.collected_at.filter(|_| taints);
        let target = crate::subject::ConsentTarget::Recipient(id);
        if let Err(tainted) = subject.target_consent(|t| t == target, explicit, collected) {
            let mut denial = deny(Reason::RecipientConsentMissing).with_rule(recipient.provenance);
            denial.detail.explicit_required = explicit;
            denial.detail.tainted = tainted;
            return denial;
        }
    }

    // Fail closed: data that must stay in the region cannot go to a recipient whose
    // location the policy does not declare. A `located local` recipient sits in the
    // subject's region: no transfer.
    if recipient.located.is_empty() && !recipient.located_local {
        if let Some(localization) = localization_covering(policy, query, env) {
            let mut denial = deny(Reason::Localized).with_rule(localization.provenance);
            denial.detail.location_undeclared = true;
            return denial;
        }
    }

    let mut decision = Decision::new(asked, Reason::Allowed).with_rule(recipient.provenance);
    decision.basis = used.basis;
    decision.obligations = used.obligations;
    if recipient.consent.is_some() {
        decision.obligations.honour_withdrawal();
    }
    for &location in &recipient.located {
        let transfer = TransferQuestion {
            category: query.category,
            from: query.region,
            to: location,
            subject: Some(subject),
            circumstances: query.circumstances,
            purpose: Some(query.purpose),
            recipient: Some(id),
        }
        .decide(policy);
        if !transfer.allowed() {
            return Decision { asked, ..transfer };
        }
        if decision.detail.transfer_rule.is_none() && transfer.detail.transfer_rule.is_some() {
            decision.detail.transfer_to = Some(location);
            decision.detail.transfer_rule = transfer.detail.transfer_rule;
        }
    }
    if recipient.sale {
        decision.obligations.honour_opt_out(OptOutKind::Sale);
    }
    if recipient.sharing {
        decision.obligations.honour_opt_out(OptOutKind::Sharing);
    }
    decision
}

/// The first `localize` rule covering the query's category in the query region.
fn localization_covering<'p>(
    policy: &'p Policy,
    query: &UseQuery,
    env: Env<'_>,
) -> Option<&'p Localization> {
    policy
        .index
        .localizations_by_category
        .get(query.category.index())
        .into_iter()
        .flatten()
        .filter_map(|&i| policy.localizations.get(i as usize))
        .find(|l| l.within.contains(query.region.index()) && !localization_lifted(env, l))
}

//! Matching `deny` rules and their exceptions: the one place a rule's shape is read.
//!
//! The evaluator asks [`Situation::rule_applies`] (an unknown `when` applies: fail closed);
//! the prover asks [`rule_covers`] with [`WhenUnknown::DoesNotMatch`] to know which
//! questions an assertion speaks about (an assertion speaks only about subjects for which
//! its condition is known to hold). Both go through the same action and situation tests.

use crate::model::tests::AssertionKind;
use crate::model::{
    CategoryId, DenyRule, Except, PackedConds, PackedUseRule, Policy, ProvenanceId, PurposeId,
    Recipient, RecipientId, RecipientKind, RegionId, RuleAction,
};
use crate::subject::Subject;

use super::cond::Env;
use super::question::Question;

/// How a rule's `when` that the subject does not settle counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenUnknown {
    /// The rule applies (a deny rule fails closed).
    Matches,
    /// The rule does not apply (an assertion's shape speaks only about known cases).
    DoesNotMatch,
}

/// Everything a deny rule or an exception can test about one question.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Situation<'a> {
    pub env: Env<'a>,
    pub category: CategoryId,
    pub purpose: Option<PurposeId>,
    pub recipient: Option<RecipientId>,
    /// Where the data goes (a transfer's destination, a recipient's locations).
    pub to: &'a [RegionId],
}

impl Situation<'_> {
    fn region(&self) -> RegionId {
        self.env.region
    }

    /// The rule's category, region and `when` match (an unknown `when` matches: fail
    /// closed) and none of its exceptions applies. The action is the caller's to match.
    pub fn rule_applies(&self, rule: &DenyRule) -> bool {
        self.rule_matches(rule, WhenUnknown::Matches)
    }

    /// [`is_use_rule_for`] and [`Situation::rule_applies`] of a `deny use` rule, read from
    /// its packed copy (`DecisionTables::use_rule`): the same answer
    /// (`packed_use_rules_apply_as_their_rules`).
    #[inline]
    pub fn packed_rule_applies(&self, rule: &PackedUseRule, conds: &PackedConds) -> bool {
        self.purpose
            .is_some_and(|p| rule.purposes.contains(p.index()))
            && rule.categories.contains(self.category.index())
            && rule.regions.contains(self.region().index())
            && rule
                .when
                .is_none_or(|when| self.env.eval_packed(conds, when).or_true())
    }

    /// As [`Situation::rule_applies`], with an unknown `when` counted as `unknown` says.
    pub fn rule_matches(&self, rule: &DenyRule, unknown: WhenUnknown) -> bool {
        let when = self.env.eval_opt(rule.when.as_ref());
        let when = match unknown {
            WhenUnknown::Matches => when.or_true(),
            WhenUnknown::DoesNotMatch => when.or_false(),
        };
        rule.categories.contains(self.category.index())
            && rule.regions.contains(self.region().index())
            && when
            && !rule.excepts.iter().any(|e| self.except_applies(e))
    }

    /// Every part the exception gives holds; a part about something this question does
    /// not have (a recipient, for a use) does not hold.
    pub fn except_applies(&self, except: &Except) -> bool {
        let when = except
            .when
            .as_ref()
            .is_none_or(|c| self.env.eval(c).or_false());
        let purposes = except
            .purposes
            .as_ref()
            .is_none_or(|set| self.purpose.is_some_and(|p| set.contains(p.index())));
        let regions = except
            .regions
            .as_ref()
            .is_none_or(|set| set.contains(self.region().index()));
        let to = except.to_regions.as_ref().is_none_or(|set| {
            !self.to.is_empty() && self.to.iter().all(|r| set.contains(r.index()))
        });
        let recipients = except
            .recipients
            .as_ref()
            .is_none_or(|set| self.recipient.is_some_and(|q| set.contains(q.index())));
        when && purposes && regions && to && recipients
    }
}

/// The rule is a `deny use` of `purpose`.
pub(crate) fn is_use_rule_for(rule: &DenyRule, purpose: PurposeId) -> bool {
    matches!(&rule.action, RuleAction::Use { purposes } if purposes.contains(purpose.index()))
}

/// The rule's action covers disclosing to `recipient` (declared as `declared`) for
/// `purpose`: a `deny disclose` naming both, or a `deny sell` / `deny share` when the
/// disclosure is a sale / sharing.
pub(crate) fn is_disclosure_rule_for(
    rule: &DenyRule,
    recipient: RecipientId,
    declared: &Recipient,
    purpose: PurposeId,
) -> bool {
    match &rule.action {
        RuleAction::Disclose {
            recipients,
            purposes,
            ..
        } => recipients.contains(recipient.index()) && purposes.contains(purpose.index()),
        RuleAction::Sell => declared.sale,
        RuleAction::Share => declared.sharing,
        RuleAction::Use { .. } | RuleAction::Transfer { .. } | RuleAction::Combine { .. } => false,
    }
}

/// Whether `rule` is a `combine` rule for `purpose` whose two sides hold `a` and `b` (either
/// way round); `Some` names the one on the rule's first side (what its categories and
/// conditions are matched with).
pub(crate) fn combine_side(
    rule: &DenyRule,
    purpose: PurposeId,
    a: CategoryId,
    b: CategoryId,
) -> Option<CategoryId> {
    let RuleAction::Combine { with, purposes } = &rule.action else {
        return None;
    };
    if !purposes.contains(purpose.index()) {
        return None;
    }
    if rule.categories.contains(a.index()) && with.contains(b.index()) {
        Some(a)
    } else if rule.categories.contains(b.index()) && with.contains(a.index()) {
        Some(b)
    } else {
        None
    }
}

/// The first `assert never` whose shape covers this closed-world denial (its `when` known to
/// hold): cited when no deny rule is, since the policy promises it. `kind`: the question is
/// a disclosure to a kind of recipient (matched as `deny` rules are for such questions); else
/// a use.
pub(crate) fn forbidding_assertion(
    policy: &Policy,
    situation: &Situation<'_>,
    kind: Option<RecipientKind>,
) -> Option<ProvenanceId> {
    let purpose = situation.purpose?;
    policy.assertions.iter().find_map(|assertion| {
        let AssertionKind::Never(rule) = &assertion.kind else {
            return None;
        };
        let action = match (&rule.action, kind) {
            (RuleAction::Use { .. }, None) => is_use_rule_for(rule, purpose),
            (
                RuleAction::Disclose {
                    kinds, purposes, ..
                },
                Some(kind),
            ) => kinds & kind.bit() != 0 && purposes.contains(purpose.index()),
            (RuleAction::Sell, Some(RecipientKind::DataBroker))
            | (RuleAction::Share, Some(RecipientKind::AdNetwork)) => true,
            _ => false,
        };
        (action && situation.rule_matches(rule, WhenUnknown::DoesNotMatch))
            .then_some(rule.provenance)
    })
}

/// The rule is a `deny transfer` whose origin contains `from` and destination `to`.
pub(crate) fn is_transfer_rule_for(rule: &DenyRule, from: RegionId, to: RegionId) -> bool {
    matches!(&rule.action, RuleAction::Transfer { from: f, to: t }
        if f.contains(from.index()) && t.contains(to.index()))
}

/// Whether `rule` matches `question` asked about `subject`, as the evaluator matches it on
/// the way to that question's decision: a use rule a use (or the use a disclosure
/// includes), a disclosure rule a disclosure, a transfer rule a transfer (or a disclosure
/// to a recipient located in its destination). `unknown` says how an unsettled `when`
/// counts.
pub(crate) fn rule_covers(
    policy: &Policy,
    rule: &DenyRule,
    question: &Question,
    subject: Option<&Subject>,
    unknown: WhenUnknown,
) -> bool {
    match *question {
        Question::Transfer {
            category,
            from,
            to,
            circumstances,
        } => {
            is_transfer_rule_for(rule, from, to)
                && Situation {
                    env: Env {
                        policy,
                        subject,
                        region: from,
                        circumstances,
                    },
                    category,
                    purpose: None,
                    recipient: None,
                    to: std::slice::from_ref(&to),
                }
                .rule_matches(rule, unknown)
        }
        Question::Decide(query) => {
            let Some(category) = super::decision::category_of(policy, query.data) else {
                return false;
            };
            let Some(region) = query.region.or(subject.and_then(|s| s.region)) else {
                return false;
            };
            let env = Env {
                policy,
                subject,
                region,
                circumstances: query.circumstances,
            };
            let purpose = query.purpose;
            let situation = |recipient, to| Situation {
                env,
                category,
                purpose: Some(purpose),
                recipient,
                to,
            };
            if let Some(with) = query.combine {
                // A combination: a `combine` rule on the pair, or a use rule on either use.
                let Some(other) = super::decision::category_of(policy, with) else {
                    return false;
                };
                let on = |category| Situation {
                    env,
                    category,
                    purpose: Some(purpose),
                    recipient: None,
                    to: &[],
                };
                if is_use_rule_for(rule, purpose) {
                    return on(category).rule_matches(rule, unknown)
                        || on(other).rule_matches(rule, unknown);
                }
                return combine_side(rule, purpose, category, other)
                    .is_some_and(|side| on(side).rule_matches(rule, unknown));
            }
            let Some(id) = query.recipient else {
                return is_use_rule_for(rule, purpose)
                    && situation(None, &[]).rule_matches(rule, unknown);
            };
            let Some(recipient) = policy.recipients.get(id.index()) else {
                return false;
            };
            if let RuleAction::Transfer { .. } = rule.action {
                return recipient.located.iter().any(|location| {
                    is_transfer_rule_for(rule, region, *location)
                        && situation(Some(id), std::slice::from_ref(location))
                            .rule_matches(rule, unknown)
                });
            }
            is_disclosure_rule_for(rule, id, recipient, purpose)
                && situation(Some(id), &recipient.located).rule_matches(rule, unknown)
        }
    }
}

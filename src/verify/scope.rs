//! Which questions an assertion (a deny-rule shape) speaks about.
//!
//! The shape matches exactly as a `deny` rule's would, except for its `when`: a deny rule
//! applies when its condition is true *or unknown* (fail closed), an assertion only speaks
//! about subjects for which its condition is known to be true. Exceptions hold only when
//! known to hold, for both. So `deny X when c` always proves `assert never X when c`.

use crate::eval::cond::Env;
use crate::model::{
    CategoryId, DenyRule, Except, Policy, PurposeId, RecipientId, RegionId, RuleAction,
};
use crate::subject::Subject;

use super::atoms::category_of;
use super::question::Question;

/// Whether `question`, asked about `subject`, is one `rule` speaks about.
pub(crate) fn in_scope(
    policy: &Policy,
    rule: &DenyRule,
    question: &Question,
    subject: Option<&Subject>,
) -> bool {
    match *question {
        Question::Transfer { category, from, to } => {
            let RuleAction::Transfer {
                from: rule_from,
                to: rule_to,
            } = &rule.action
            else {
                return false;
            };
            rule_from.contains(from.index())
                && rule_to.contains(to.index())
                && matches(
                    policy,
                    rule,
                    &Situation {
                        subject,
                        region: from,
                        category,
                        purpose: None,
                        recipient: None,
                        to: std::slice::from_ref(&to),
                    },
                )
        }
        Question::Decide(query) => {
            let Some(category) = category_of(policy, &query) else {
                return false;
            };
            let Some(region) = query.region.or(subject.and_then(|s| s.region)) else {
                return false;
            };
            let purpose = query.purpose;
            let Some(id) = query.recipient else {
                let RuleAction::Use { purposes } = &rule.action else {
                    return false;
                };
                return purposes.contains(purpose.index())
                    && matches(
                        policy,
                        rule,
                        &Situation {
                            subject,
                            region,
                            category,
                            purpose: Some(purpose),
                            recipient: None,
                            to: &[],
                        },
                    );
            };
            let Some(recipient) = policy.recipients.get(id.index()) else {
                return false;
            };
            let situation = |to| Situation {
                subject,
                region,
                category,
                purpose: Some(purpose),
                recipient: Some(id),
                to,
            };
            match &rule.action {
                RuleAction::Use { .. } => false,
                RuleAction::Disclose {
                    recipients,
                    purposes,
                } => {
                    recipients.contains(id.index())
                        && purposes.contains(purpose.index())
                        && matches(policy, rule, &situation(&recipient.located))
                }
                RuleAction::Sell => {
                    recipient.sale && matches(policy, rule, &situation(&recipient.located))
                }
                RuleAction::Share => {
                    recipient.sharing && matches(policy, rule, &situation(&recipient.located))
                }
                // A disclosure to a recipient located in `to` is a transfer there.
                RuleAction::Transfer { from, to } => {
                    from.contains(region.index())
                        && recipient.located.iter().any(|location| {
                            to.contains(location.index())
                                && matches(policy, rule, &situation(std::slice::from_ref(location)))
                        })
                }
            }
        }
    }
}

struct Situation<'a> {
    subject: Option<&'a Subject>,
    region: RegionId,
    category: CategoryId,
    purpose: Option<PurposeId>,
    recipient: Option<RecipientId>,
    to: &'a [RegionId],
}

fn matches(policy: &Policy, rule: &DenyRule, situation: &Situation<'_>) -> bool {
    let env = Env {
        policy,
        subject: situation.subject,
        region: situation.region,
    };
    rule.categories.contains(situation.category.index())
        && rule.regions.contains(situation.region.index())
        && env.eval_opt(rule.when.as_ref()).or_false()
        && !rule
            .excepts
            .iter()
            .any(|e| except_applies(&env, e, situation))
}

fn except_applies(env: &Env<'_>, except: &Except, situation: &Situation<'_>) -> bool {
    let when = except.when.as_ref().is_none_or(|c| env.eval(c).or_false());
    let purposes = except
        .purposes
        .as_ref()
        .is_none_or(|set| situation.purpose.is_some_and(|p| set.contains(p.index())));
    let regions = except
        .regions
        .as_ref()
        .is_none_or(|set| set.contains(situation.region.index()));
    let to = except.to_regions.as_ref().is_none_or(|set| {
        !situation.to.is_empty() && situation.to.iter().all(|r| set.contains(r.index()))
    });
    let recipients = except
        .recipients
        .as_ref()
        .is_none_or(|set| situation.recipient.is_some_and(|q| set.contains(q.index())));
    when && purposes && regions && to && recipients
}

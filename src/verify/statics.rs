//! Questions denied whatever the subject: skipped before any subject is built.
//!
//! A question is denied for every subject when the closed world denies it (the purpose does
//! not declare the data, the recipient is not declared for it), when the purpose has no
//! basis in the region, when a deny rule matches it unconditionally (no `when`, and every
//! exception has a part that does not hold for this question), or when the transfer it
//! involves is forbidden by localisation or by the lack of a `transfer` permission (which
//! read no subject). These are the evaluator's own checks, read off the same tables.

use crate::eval::Reason;
use crate::model::{
    CategoryId, DenyRule, Except, Policy, PurposeId, RecipientId, RegionId, RuleAction,
};

use super::atoms::{basis_alternatives, category_of, RuleLists};
use super::question::Question;

/// Whether no subject can be allowed `question`; `use_denied` answers (and may remember)
/// [`use_denied`] for the use a disclosure includes.
pub(crate) fn always_denied(
    policy: &Policy,
    lists: &RuleLists,
    question: &Question,
    use_denied: &mut dyn FnMut(PurposeId, CategoryId, RegionId) -> bool,
) -> bool {
    match *question {
        Question::Transfer { category, from, to } => {
            transfer_denied(policy, lists, category, from, to, None, None)
        }
        Question::Decide(query) => {
            let (Some(category), Some(region)) = (category_of(policy, &query), query.region) else {
                return true;
            };
            if use_denied(query.purpose, category, region) {
                return true;
            }
            let Some(id) = query.recipient else {
                return false;
            };
            disclosure_denied(policy, lists, id, query.purpose, category, region)
        }
    }
}

/// Whether no subject can be allowed to use `category` for `purpose` in `region`.
pub(crate) fn use_denied(
    policy: &Policy,
    lists: &RuleLists,
    purpose: PurposeId,
    category: CategoryId,
    region: RegionId,
) -> bool {
    let Some(declared) = policy.purposes.get(purpose.index()) else {
        return true;
    };
    if !declared.uses.contains(category.index())
        || basis_alternatives(policy, purpose, region).next().is_none()
    {
        return true;
    }
    let here = Here {
        category,
        region,
        purpose: Some(purpose),
        recipient: None,
        to: &[],
    };
    lists
        .use_by_purpose
        .get(purpose.index())
        .into_iter()
        .flatten()
        .filter_map(|&i| policy.rules.get(i as usize))
        .any(|rule| {
            matches!(&rule.action, RuleAction::Use { purposes } if purposes.contains(purpose.index()))
                && here.unconditional(rule)
        })
}

fn disclosure_denied(
    policy: &Policy,
    lists: &RuleLists,
    id: RecipientId,
    purpose: PurposeId,
    category: CategoryId,
    region: RegionId,
) -> bool {
    let Some(recipient) = policy.recipients.get(id.index()) else {
        return true;
    };
    if !recipient.purposes.contains(purpose.index())
        || !recipient.categories.contains(category.index())
    {
        return true;
    }
    let here = Here {
        category,
        region,
        purpose: Some(purpose),
        recipient: Some(id),
        to: &recipient.located,
    };
    let rules = lists
        .disclosure_by_category
        .get(category.index())
        .into_iter()
        .flatten()
        .filter_map(|&i| policy.rules.get(i as usize));
    for rule in rules {
        let action = match &rule.action {
            RuleAction::Disclose {
                recipients,
                purposes,
            } => recipients.contains(id.index()) && purposes.contains(purpose.index()),
            RuleAction::Sell => recipient.sale,
            RuleAction::Share => recipient.sharing,
            RuleAction::Use { .. } | RuleAction::Transfer { .. } => false,
        };
        if action && here.unconditional(rule) {
            return true;
        }
    }
    recipient.located.iter().any(|&location| {
        transfer_denied(
            policy,
            lists,
            category,
            region,
            location,
            Some(purpose),
            Some(id),
        )
    })
}

fn transfer_denied(
    policy: &Policy,
    lists: &RuleLists,
    category: CategoryId,
    from: RegionId,
    to: RegionId,
    purpose: Option<PurposeId>,
    recipient: Option<RecipientId>,
) -> bool {
    let here = Here {
        category,
        region: from,
        purpose,
        recipient,
        to: std::slice::from_ref(&to),
    };
    let rules = lists
        .transfer_by_category
        .get(category.index())
        .into_iter()
        .flatten()
        .filter_map(|&i| policy.rules.get(i as usize));
    for rule in rules {
        if let RuleAction::Transfer {
            from: rule_from,
            to: rule_to,
        } = &rule.action
        {
            if rule_from.contains(from.index())
                && rule_to.contains(to.index())
                && here.unconditional(rule)
            {
                return true;
            }
        }
    }
    // Localisation and permissions read no subject: the bare transfer answers for all.
    policy
        .decide_transfer(&crate::eval::TransferQuery::new(policy, category, from, to))
        .is_ok_and(|d| matches!(d.reason, Reason::Localized | Reason::TransferForbidden))
}

struct Here<'a> {
    category: CategoryId,
    region: RegionId,
    purpose: Option<PurposeId>,
    recipient: Option<RecipientId>,
    to: &'a [RegionId],
}

impl Here<'_> {
    /// The rule matches here whatever the subject: no condition, and no exception can hold.
    fn unconditional(&self, rule: &DenyRule) -> bool {
        rule.when.is_none()
            && rule.categories.contains(self.category.index())
            && rule.regions.contains(self.region.index())
            && rule.excepts.iter().all(|e| self.never_applies(e))
    }

    /// A part of the exception other than its `when` does not hold here.
    fn never_applies(&self, except: &Except) -> bool {
        let purposes = except
            .purposes
            .as_ref()
            .is_some_and(|set| !self.purpose.is_some_and(|p| set.contains(p.index())));
        let regions = except
            .regions
            .as_ref()
            .is_some_and(|set| !set.contains(self.region.index()));
        let to = except.to_regions.as_ref().is_some_and(|set| {
            self.to.is_empty() || !self.to.iter().all(|r| set.contains(r.index()))
        });
        let recipients = except
            .recipients
            .as_ref()
            .is_some_and(|set| !self.recipient.is_some_and(|q| set.contains(q.index())));
        purposes || regions || to || recipients
    }
}

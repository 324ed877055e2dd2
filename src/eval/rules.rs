//! Matching `deny` rules and their exceptions.

use crate::model::{CategoryId, DenyRule, Except, PurposeId, RecipientId, RegionId};

use super::cond::Env;

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
        rule.categories.contains(self.category.index())
            && rule.regions.contains(self.region().index())
            && self.env.eval_opt(rule.when.as_ref()).or_true()
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

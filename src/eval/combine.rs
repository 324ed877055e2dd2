//! Deciding a combination: may purpose P bring data A and data B of subject S together in
//! region R (docs/semantics.md, "Deciding a combination")? Both uses must be allowed, each
//! decided as a use, and no `deny … : combine` rule may match.

use crate::model::{CategoryId, DenyRule, Policy};
use crate::subject::Subject;

use super::cond::Env;
use super::decision::{Asked, Decision};
use super::query::{Query, QueryError};
use super::rules::{combine_side, Situation};
use super::usage::UseQuery;
use super::Reason;

impl Policy {
    /// May `query.purpose` combine `query.data` with `query.combine` (a no-linkage
    /// question: "we will not associate the log data with other information")?
    ///
    /// Both uses are decided as uses; a denied use is the answer (the first side's first),
    /// unless a `deny … : combine` rule matches: a deny rule always wins, and a closed-world
    /// denial (`not_declared`) keeps its reason but cites the rule. Allowed: the first
    /// side's basis, with the obligations of both uses. A query that names no data to
    /// combine with is a use. `query.recipient` is not read.
    ///
    /// ```
    /// # use lawful::{eval::Query, Subject};
    /// # let policy = lawful::compile_str("shop.lawful", r#"
    /// #     policy "Shop" { controller "Shop GmbH" }
    /// #     region DE "Germany"
    /// #     category user.contact.email
    /// #     category user.telemetry.log
    /// #     purpose analytics { uses user.* basis consent }
    /// #     deny no_linkage: combine user.telemetry.log with user.* except user.telemetry.log
    /// # "#)?.policy;
    /// let now = "2025-01-01T00:00:00Z".parse()?;
    /// let subject = Subject::from_json_str(&policy, r#"{"region": "DE",
    ///     "consents": [{"purpose": "analytics"}]}"#, now)?;
    /// let query = Query::new(&policy, policy.purpose("analytics")?, policy.category("user.telemetry.log")?)
    ///     .combined_with(policy.category("user.contact.email")?);
    /// let decision = policy.decide_combination(&query, &subject)?;
    /// assert_eq!(decision.reason.code(), "denied_by_rule");
    /// assert_eq!(decision.rule_ref(&policy).map(|r| r.name), Some("no_linkage"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide_combination(
        &self,
        query: &Query,
        subject: &Subject,
    ) -> Result<Decision, QueryError> {
        let Some(with) = query.combine else {
            return self.decide_use(query, subject);
        };
        let first = UseQuery::prepare(self, query, subject)?;
        let other = Query {
            data: with,
            combine: None,
            recipient: None,
            ..*query
        };
        let second = UseQuery::prepare(self, &other, subject)?;
        let asked = Asked::Combine {
            purpose: first.purpose,
            data: first.data,
            with,
            region: first.region,
        };
        let first_decision = first.decide(self, subject);
        let second_decision = second.decide(self, subject);
        let denied = if !first_decision.allowed() {
            Some((first_decision, false))
        } else if !second_decision.allowed() {
            Some((second_decision, true))
        } else {
            None
        };
        let rule = combining_rule(self, &first, second.category, subject);
        let relabel = |(decision, side): (Decision, bool)| {
            let mut out = Decision { asked, ..decision };
            out.detail.combine_with_denied = side;
            out
        };
        Ok(match (rule, denied) {
            // A use's own deny rule decided first.
            (_, Some(d)) if d.0.reason == Reason::DeniedByRule => relabel(d),
            // The closed world denies it, and the policy promises it: cite the promise.
            (Some(rule), Some(d)) if d.0.reason == Reason::NotDeclared => {
                relabel(d).with_rule(rule.provenance)
            }
            (Some(rule), _) => {
                Decision::new(asked, Reason::DeniedByRule).with_rule(rule.provenance)
            }
            (None, Some(d)) => relabel(d),
            (None, None) => {
                let mut out = Decision {
                    asked,
                    ..first_decision
                };
                out.obligations.merge(second_decision.obligations);
                out
            }
        })
    }
}

/// The first `combine` rule that forbids `first`'s purpose to bring its data together with
/// data of `other`, as the evaluator matches it (an unknown `when` matches: fail closed).
fn combining_rule<'p>(
    policy: &'p Policy,
    first: &UseQuery,
    other: CategoryId,
    subject: &Subject,
) -> Option<&'p DenyRule> {
    let env = Env {
        policy,
        subject: Some(subject),
        region: first.region,
        circumstances: first.circumstances,
    };
    policy
        .index
        .rule_lookup
        .combine_rules(first.category, other)
        .filter_map(|id| policy.rules.get(id.index()))
        .find(|rule| {
            combine_side(rule, first.purpose, first.category, other).is_some_and(|category| {
                Situation {
                    env,
                    category,
                    purpose: Some(first.purpose),
                    recipient: None,
                    to: &[],
                }
                .rule_applies(rule)
            })
        })
}

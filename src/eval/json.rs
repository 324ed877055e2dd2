//! The stable JSON shape of decisions (`--json`, logs). Built from a [`Decision`] and the
//! policy; the core types stay free of serialisation concerns.
//!
//! ```json
//! {
//!   "outcome": "deny",
//!   "reason": "consent_withdrawn",
//!   "basis": null,
//!   "rule": { "name": "consent in EU", "file": "shop.lawful", "line": 12, "column": 3 },
//!   "safeguard": null,
//!   "obligations": [],
//!   "explanation": "`marketing.direct` may not use `orders.email` in `DE`: the subject withdrew consent to `marketing.direct`.",
//!   "would_change": "would be allowed if the subject gave consent to `marketing.direct` again"
//! }
//! ```
//! `outcome` is `allow` or `deny`; `reason` one of [`Reason::CODES`](super::Reason::CODES);
//! `basis` a basis as written in policies (`consent`, `opt_out(sale)`) or null; `rule` the
//! deciding declaration (falling back to the purpose) or null; `obligations` codes with
//! their argument (`honour_withdrawal`, `honour_objection`, `honour_opt_out(sale)`,
//! `retain_at_most(2 years after collected)`); `would_change` a hint or null.

use serde::{Deserialize, Serialize};

use crate::model::Policy;
use crate::source::Span;

use super::decision::Decision;
use super::explain::format_time;
use super::retention::{RetentionDecision, RetentionNote};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionJson {
    pub outcome: String,
    pub reason: String,
    pub basis: Option<String>,
    pub rule: Option<RuleJson>,
    pub safeguard: Option<String>,
    pub obligations: Vec<String>,
    pub explanation: String,
    pub would_change: Option<String>,
}

/// Where the deciding declaration is: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleJson {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl RuleJson {
    fn new(policy: &Policy, name: &str, span: Span) -> Self {
        let (line, column) = policy.sources.line_col(span);
        RuleJson {
            name: name.to_owned(),
            file: policy.sources.name(span.source),
            line,
            column,
        }
    }
}

impl Decision {
    pub fn to_json(&self, policy: &Policy) -> DecisionJson {
        DecisionJson {
            outcome: if self.allowed() { "allow" } else { "deny" }.to_owned(),
            reason: self.reason.code().to_owned(),
            basis: self.basis.map(|b| b.name()),
            rule: self
                .rule_ref(policy)
                .map(|r| RuleJson::new(policy, r.name, r.span)),
            safeguard: self.safeguard(policy).map(str::to_owned),
            obligations: self
                .obligations
                .iter()
                .map(|o| o.describe(policy))
                .collect(),
            explanation: self.explain(policy),
            would_change: self.would_change(policy),
        }
    }
}

/// ```json
/// { "verdict": "must_keep", "date": "2026-01-01", "rule": {…}, "note": null,
///   "explanation": "`user.transaction` in `CN` must be kept until 2026-01-01 (…)." }
/// ```
/// `verdict` is `must_keep` (until `date`), `may_keep` (until `date`, or null: no deadline)
/// or `must_delete` (since `date`); `note` is null, `awaiting_event`, `no_deadline_yet` or
/// `no_maximum`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionJson {
    pub verdict: String,
    pub date: Option<String>,
    pub rule: Option<RuleJson>,
    pub note: Option<String>,
    pub explanation: String,
}

impl RetentionDecision {
    pub fn to_json(&self, policy: &Policy) -> RetentionJson {
        RetentionJson {
            verdict: self.verdict.code().to_owned(),
            date: self.date.map(format_time),
            rule: self
                .rule
                .and_then(|id| policy.provenance(id))
                .map(|p| RuleJson::new(policy, &p.name, p.span)),
            note: match self.note {
                RetentionNote::None => None,
                RetentionNote::AwaitingEvent(_) => Some("awaiting_event".to_owned()),
                RetentionNote::NoDeadlineYet => Some("no_deadline_yet".to_owned()),
                RetentionNote::NoMaximum => Some("no_maximum".to_owned()),
            },
            explanation: self.explain(policy),
        }
    }
}

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

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::model::Policy;
use crate::source::Span;

use super::decision::Decision;
use super::explain::{format_time, BasisName};
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
        Self::at(policy, name, span, line, column)
    }

    fn at(policy: &Policy, name: &str, span: Span, line: usize, column: usize) -> Self {
        RuleJson {
            name: name.to_owned(),
            file: policy.sources.name(span.source),
            line,
            column,
        }
    }
}

impl Decision {
    /// The stable JSON shape (see the module documentation). Finding the rule's line
    /// scans its file: to render many decisions, use a [`JsonRenderer`].
    pub fn to_json(&self, policy: &Policy) -> DecisionJson {
        self.json_with(policy, |name, span| RuleJson::new(policy, name, span))
    }

    fn json_with(
        &self,
        policy: &Policy,
        rule: impl FnOnce(&str, Span) -> RuleJson,
    ) -> DecisionJson {
        DecisionJson {
            outcome: if self.allowed() { "allow" } else { "deny" }.to_owned(),
            reason: self.reason.code().to_owned(),
            basis: self.basis.map(|b| b.name()),
            rule: self.rule_ref(policy).map(|r| rule(r.name, r.span)),
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
        self.json_with(policy, |name, span| RuleJson::new(policy, name, span))
    }

    fn json_with(
        &self,
        policy: &Policy,
        rule: impl FnOnce(&str, Span) -> RuleJson,
    ) -> RetentionJson {
        RetentionJson {
            verdict: self.verdict.code().to_owned(),
            date: self.date.map(format_time),
            rule: self
                .rule
                .and_then(|id| policy.provenance(id))
                .map(|p| rule(&p.name, p.span)),
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

/// Renders many decisions of one policy as JSON: finds rule locations through a line
/// index built once per source file, instead of scanning the file for each decision.
///
/// ```
/// # use lawful::{eval::JsonRenderer, Subject};
/// # let policy = lawful::compile_str("shop.lawful", r#"
/// #     policy "Shop" { controller "Shop GmbH" }
/// #     region DE "Germany"
/// #     category user.contact.email
/// #     purpose support { uses user.contact.email basis contract }
/// # "#)?.policy;
/// let subject = Subject::from_json_str(&policy, r#"{"region": "DE"}"#, jiff::Timestamp::now())?;
/// let mut renderer = JsonRenderer::new(&policy);
/// let decision = policy.decide_use_by_name("support", "user.contact.email", &subject, None)?;
/// let json = renderer.decision(&decision);
/// assert_eq!((json.outcome.as_str(), json.rule.map(|r| r.line)), ("allow", Some(5)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`JsonRenderer::write_decision`] writes the same JSON as `serde_json::to_vec(&decision
/// .to_json(policy))` straight into a buffer, reusing its scratch space and the JSON of
/// each rule: the fast path for logs and `lawful batch`.
#[derive(Debug, Clone)]
pub struct JsonRenderer<'p> {
    policy: &'p Policy,
    /// Byte offsets of line starts, per source file (built on first use).
    lines: Vec<Option<Vec<u32>>>,
    /// The `rule` member's JSON per provenance, and per purpose for the fallback.
    by_provenance: Vec<Option<Box<[u8]>>>,
    by_purpose: Vec<Option<Box<[u8]>>>,
    scratch: String,
}

impl<'p> JsonRenderer<'p> {
    pub fn new(policy: &'p Policy) -> Self {
        JsonRenderer {
            policy,
            lines: Vec::new(),
            by_provenance: Vec::new(),
            by_purpose: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Append the decision's JSON (one object, no newline) to `out`.
    pub fn write_decision(&mut self, decision: &Decision, out: &mut Vec<u8>) {
        let policy = self.policy;
        out.extend_from_slice(if decision.allowed() {
            br#"{"outcome":"allow","reason":""#
        } else {
            br#"{"outcome":"deny","reason":""#
        });
        out.extend_from_slice(decision.reason.code().as_bytes());
        out.extend_from_slice(br#"","basis":"#);
        match decision.basis {
            Some(basis) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{}", BasisName(basis));
                write_str(out, &self.scratch);
            }
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(br#","rule":"#);
        self.write_rule(decision, out);
        out.extend_from_slice(br#","safeguard":"#);
        match decision.safeguard(policy) {
            Some(safeguard) => write_str(out, safeguard),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(br#","obligations":["#);
        for (i, obligation) in decision.obligations.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.scratch.clear();
            obligation.write_description(policy, &mut self.scratch);
            write_str(out, &self.scratch);
        }
        out.extend_from_slice(br#"],"explanation":"#);
        self.scratch.clear();
        decision.write_explanation(policy, &mut self.scratch);
        write_str(out, &self.scratch);
        out.extend_from_slice(br#","would_change":"#);
        self.scratch.clear();
        if decision.write_would_change(policy, &mut self.scratch) {
            write_str(out, &self.scratch);
        } else {
            out.extend_from_slice(b"null");
        }
        out.push(b'}');
    }

    /// The `rule` member's value, cached (see [`Decision::rule_ref`]).
    fn write_rule(&mut self, decision: &Decision, out: &mut Vec<u8>) {
        let policy = self.policy;
        let provenance = decision.rule.filter(|id| policy.provenance(*id).is_some());
        let (index, by_purpose) = match (provenance, decision.asked.purpose()) {
            (Some(id), _) => (id.index(), false),
            (None, Some(purpose)) if policy.purposes.get(purpose.index()).is_some() => {
                (purpose.index(), true)
            }
            _ => return out.extend_from_slice(b"null"),
        };
        let cached = if by_purpose {
            &self.by_purpose
        } else {
            &self.by_provenance
        };
        if let Some(Some(json)) = cached.get(index) {
            return out.extend_from_slice(json);
        }
        let json: Box<[u8]> = match decision.rule_ref(policy) {
            Some(r) => {
                let rule = self.rule(r.name, r.span);
                serde_json::to_vec(&rule).unwrap_or_default().into()
            }
            None => Box::from(&b"null"[..]),
        };
        out.extend_from_slice(&json);
        let cache = if by_purpose {
            &mut self.by_purpose
        } else {
            &mut self.by_provenance
        };
        if cache.len() <= index {
            cache.resize(index + 1, None);
        }
        if let Some(slot) = cache.get_mut(index) {
            *slot = Some(json);
        }
    }

    pub fn decision(&mut self, decision: &Decision) -> DecisionJson {
        let policy = self.policy;
        decision.json_with(policy, |name, span| self.rule(name, span))
    }

    pub fn retention(&mut self, decision: &RetentionDecision) -> RetentionJson {
        let policy = self.policy;
        decision.json_with(policy, |name, span| self.rule(name, span))
    }

    fn rule(&mut self, name: &str, span: Span) -> RuleJson {
        let (line, column) = self.line_col(span);
        RuleJson::at(self.policy, name, span, line, column)
    }

    /// Same as [`SourceMap::line_col`](crate::source::SourceMap::line_col), by binary
    /// search.
    fn line_col(&mut self, span: Span) -> (usize, usize) {
        let Some(file) = self.policy.sources.get(span.source) else {
            return (0, 0);
        };
        let id = span.source.0 as usize;
        if self.lines.len() <= id {
            self.lines.resize(id + 1, None);
        }
        let Some(slot) = self.lines.get_mut(id) else {
            return (0, 0);
        };
        let starts = slot.get_or_insert_with(|| {
            std::iter::once(0)
                .chain(
                    file.text
                        .match_indices('\n')
                        .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
                )
                .collect()
        });
        let offset = (span.start as usize).min(file.text.len());
        let line = starts.partition_point(|&start| start as usize <= offset);
        let start = line
            .checked_sub(1)
            .and_then(|i| starts.get(i))
            .map_or(0, |&s| s as usize);
        let column = file
            .text
            .get(start..offset)
            .map_or(0, |t| t.chars().count())
            + 1;
        (line, column)
    }
}

/// A JSON string, escaped as serde_json escapes it (copied as is when nothing needs it).
fn write_str(out: &mut Vec<u8>, text: &str) {
    if is_plain(text.as_bytes()) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// No byte needs escaping in a JSON string. Checks 16 bytes at a time without branching on
/// each, which the compiler vectorises.
fn is_plain(bytes: &[u8]) -> bool {
    fn plain(b: u8) -> bool {
        (b >= 0x20) & (b != b'"') & (b != b'\\')
    }
    let mut chunks = bytes.chunks_exact(16);
    let chunks_plain = chunks
        .by_ref()
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & plain(b)));
    chunks_plain && chunks.remainder().iter().all(|&b| plain(b))
}

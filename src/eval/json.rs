//! The stable JSON shape of decisions (`--json`, logs). Built from a [`Decision`] and the
//! policy; the core types stay free of serialisation concerns.
//!
//! ```json
//! {
//!   "outcome": "deny",
//!   "reason": "consent_withdrawn",
//!   "basis": null,
//!   "rule": { "name": "consent in EU", "file": "shop.lawful", "line": 12, "column": 3,
//!             "citation": "§4 \"We send newsletters only with your consent.\"" },
//!   "safeguard": null,
//!   "obligations": [],
//!   "explanation": "`marketing.direct` may not use `orders.email` in `DE`: the subject withdrew consent to `marketing.direct`.",
//!   "would_change": "would be allowed if the subject gave consent to `marketing.direct` again"
//! }
//! ```
//! `outcome` is `allow` or `deny`; `reason` one of [`Reason::CODES`](super::Reason::CODES);
//! `basis` a basis as written in policies (`consent`, `opt_out(sale)`) or null; `rule` the
//! deciding declaration (falling back to the purpose) or null, with the source text it cites
//! (`//>` lines; the member is absent when there are none); `obligations` codes with
//! their argument (`honour_withdrawal`, `honour_objection`, `honour_opt_out(sale)`,
//! `retain_at_most(2 years after collected)`); `would_change` a hint or null.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::model::{Basis, Policy};
use crate::source::Span;

use super::decision::{Decision, Obligations};
use super::explain::{format_time, BasisName};
use super::retention::{RetentionDecision, RetentionNote};

/// A decision in the stable JSON shape shown in the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionJson {
    /// `allow` or `deny`.
    pub outcome: String,
    /// The reason's stable code (`allowed`, `consent_missing` …).
    pub reason: String,
    /// The legal basis that allowed it, as written in policies (`consent`,
    /// `opt_out(sale)`); `None` when denied or when no basis was needed.
    pub basis: Option<String>,
    /// The deciding declaration (falling back to the purpose); `None` when nothing
    /// declared decided.
    pub rule: Option<RuleJson>,
    /// The transfer safeguard relied on (`scc`, `adequacy` …); `None` without one.
    pub safeguard: Option<String>,
    /// Obligations with their argument (`honour_opt_out(sale)`), empty when denied.
    pub obligations: Vec<String>,
    /// One English sentence saying what was decided and why.
    pub explanation: String,
    /// What would change the answer; `None` when nothing the subject can do would.
    pub would_change: Option<String>,
}

/// Where the deciding declaration is: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleJson {
    /// The declaration's name (a purpose, a recipient, a rule).
    pub name: String,
    /// The file it is declared in, as the compile named it.
    pub file: String,
    /// Line, counted from 1.
    pub line: usize,
    /// Column in characters, counted from 1.
    pub column: usize,
    /// The source text the declaration cites (its `//>` lines); absent when it cites none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
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
            citation: policy.citation(span).map(str::to_owned),
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
    /// `must_keep`, `may_keep` or `must_delete`.
    pub verdict: String,
    /// The deadline the verdict runs to (or, for `must_delete`, since); `None` when there
    /// is none yet.
    pub date: Option<String>,
    /// The deciding `retain` rule; `None` when no rule applied.
    pub rule: Option<RuleJson>,
    /// `awaiting_event`, `no_deadline_yet`, `no_maximum`, or `None`.
    pub note: Option<String>,
    /// One English sentence saying what was decided and why.
    pub explanation: String,
}

impl RetentionDecision {
    /// The stable JSON shape ([`RetentionJson`]). Finding the rule's line scans its file:
    /// to render many decisions, use a [`JsonRenderer`].
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
                note => Some(note.code().to_owned()),
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
    /// The `rule` member's JSON per provenance, and per purpose for the fallback.
    by_provenance: Vec<Option<Box<[u8]>>>,
    by_purpose: Vec<Option<Box<[u8]>>>,
    /// The `obligations` member's JSON per set of obligations seen (a handful).
    obligations: Vec<(Obligations, Box<[u8]>)>,
    scratch: String,
}

/// Sets of obligations a [`JsonRenderer`] keeps the JSON of (more are written each time).
const OBLIGATION_SETS: usize = 64;

impl<'p> JsonRenderer<'p> {
    /// A renderer for decisions of `policy`, with empty caches.
    pub fn new(policy: &'p Policy) -> Self {
        JsonRenderer {
            policy,
            by_provenance: Vec::new(),
            by_purpose: Vec::new(),
            obligations: Vec::new(),
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
            Some(basis @ Basis::OptOut(_)) => {
                self.scratch.clear();
                let _ = write!(self.scratch, "{}", BasisName(basis));
                write_str(out, &self.scratch);
            }
            // The same name, without formatting.
            Some(basis) => write_str(out, basis.simple_name()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(br#","rule":"#);
        self.write_rule(decision, out);
        out.extend_from_slice(br#","safeguard":"#);
        match decision.safeguard(policy) {
            Some(safeguard) => write_str(out, safeguard),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(br#","obligations":"#);
        self.write_obligations(decision.obligations, out);
        out.extend_from_slice(br#","explanation":"#);
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

    /// The `obligations` member's value, cached.
    fn write_obligations(&mut self, obligations: Obligations, out: &mut Vec<u8>) {
        if let Some((_, json)) = self.obligations.iter().find(|(o, _)| *o == obligations) {
            return out.extend_from_slice(json);
        }
        let start = out.len();
        out.push(b'[');
        for (i, obligation) in obligations.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.scratch.clear();
            obligation.write_description(self.policy, &mut self.scratch);
            write_str(out, &self.scratch);
        }
        out.push(b']');
        if self.obligations.len() < OBLIGATION_SETS {
            let json = out.get(start..).unwrap_or_default().into();
            self.obligations.push((obligations, json));
        }
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

    /// [`Decision::to_json`], reusing the rule locations and obligation texts seen before.
    pub fn decision(&mut self, decision: &Decision) -> DecisionJson {
        let policy = self.policy;
        decision.json_with(policy, |name, span| self.rule(name, span))
    }

    /// [`RetentionDecision::to_json`], reusing the rule locations seen before.
    pub fn retention(&mut self, decision: &RetentionDecision) -> RetentionJson {
        let policy = self.policy;
        decision.json_with(policy, |name, span| self.rule(name, span))
    }

    fn rule(&mut self, name: &str, span: Span) -> RuleJson {
        let (line, column) = self.policy.sources.line_col(span);
        RuleJson::at(self.policy, name, span, line, column)
    }
}

/// A JSON string, escaped as serde_json escapes it: `"` and `\` with a backslash, control
/// characters as `\n`, `\t` … or `\u001f`; every other character, non-ASCII included, is
/// copied as is. Runs of bytes that need no escape are found many bytes at a time
/// ([`first_escape`]) and copied with one `extend`.
fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut rest = bytes;
    while let Some(at) = first_escape(rest) {
        let (clean, next) = rest.split_at(at);
        out.extend_from_slice(clean);
        let Some((&byte, next)) = next.split_first() else {
            break;
        };
        escape(out, byte);
        rest = next;
    }
    out.extend_from_slice(rest);
    out.push(b'"');
}

/// Bytes checked at once by [`first_escape`].
const CHUNK: usize = 32;

/// A byte JSON does not allow as is in a string: below 0x20, `"` or `\`. (`b ^ 2` maps
/// 0x00–0x1f onto itself and `"` onto 0x20: one comparison fewer, which shows when the
/// compiler vectorises [`first_escape`].)
#[inline]
fn needs_escape(b: u8) -> bool {
    ((b ^ 2) <= 0x20) | (b == b'\\')
}

/// The first byte of `bytes` that [`needs_escape`]. Checks 32, then 16 bytes at a time
/// without branching on each, which the compiler vectorises; the last 16 overlap the bytes
/// before them rather than going one by one.
#[inline]
fn first_escape(bytes: &[u8]) -> Option<usize> {
    fn any<const N: usize>(chunk: &[u8; N]) -> bool {
        chunk.iter().fold(false, |any, &b| any | needs_escape(b))
    }
    fn chunk<const N: usize>(bytes: &[u8], at: usize) -> Option<&[u8; N]> {
        bytes.get(at..at + N)?.try_into().ok()
    }
    let position = |from: usize| {
        let rest = bytes.get(from..)?;
        rest.iter().position(|&b| needs_escape(b)).map(|i| from + i)
    };
    let mut at = 0;
    while let Some(c) = chunk::<CHUNK>(bytes, at) {
        if any(c) {
            return position(at);
        }
        at += CHUNK;
    }
    if let Some(c) = chunk::<{ CHUNK / 2 }>(bytes, at) {
        if any(c) {
            return position(at);
        }
        at += CHUNK / 2;
    }
    if at == bytes.len() {
        return None;
    }
    match bytes
        .len()
        .checked_sub(CHUNK / 2)
        .map(|last| chunk::<{ CHUNK / 2 }>(bytes, last))
    {
        Some(Some(c)) if !any(c) => None,
        _ => position(at),
    }
}

/// The escape serde_json writes for a byte that [`needs_escape`].
fn escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0c => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            let hex = |nibble: u8| HEX.get(usize::from(nibble & 0xf)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(byte >> 4), hex(byte)]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn the_bytes_that_need_escapes() {
        for b in 0..=255u8 {
            assert_eq!(
                needs_escape(b),
                b < 0x20 || b == b'"' || b == b'\\',
                "{b:#x}"
            );
        }
    }

    /// `write_str` writes what serde_json writes, on strings that need escapes anywhere in
    /// or across chunks, and on every length around the chunk size.
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut texts: Vec<String> = [
            "",
            "plain",
            "a \"quoted\" word",
            "back\\slash\\",
            "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{20}\u{7f}",
            "line\nbreak\r\n\ttab",
            "é — ünïcödé, 漢字, emoji 🦀",
            "separators \u{2028} and \u{2029}",
            "`marketing.direct` may not use `orders.email` in `DE`: the subject withdrew consent.",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        for len in 0..=2 * CHUNK + 1 {
            for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', 'é'] {
                for at in 0..len {
                    let mut text: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789"
                        .chars()
                        .cycle()
                        .take(len)
                        .collect();
                    text[at] = special;
                    texts.push(text.into_iter().collect());
                }
            }
        }
        for text in &texts {
            let mut out = b"prefix".to_vec();
            write_str(&mut out, text);
            let expected = [b"prefix".to_vec(), serde_json::to_vec(text).unwrap()].concat();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{text:?}"
            );
        }
        for byte in 0..=0x7fu8 {
            let text = char::from(byte).to_string();
            let mut out = Vec::new();
            write_str(&mut out, &text);
            assert_eq!(out, serde_json::to_vec(&text).unwrap(), "{byte:#x}");
        }
    }
}

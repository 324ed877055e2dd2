//! Test blocks and assertions, resolved to ids, for `lawful test` and the prover.

use super::ids::*;
use super::{DenyRule, IdSet};
use crate::source::Span;
use crate::subject::Subject;

#[derive(Debug, Clone)]
pub enum TestQuery {
    Use {
        data: DataRef,
        purpose: PurposeId,
        region: Option<RegionId>,
        collected: Option<jiff::Timestamp>,
    },
    Disclose {
        data: DataRef,
        recipient: RecipientId,
        purpose: PurposeId,
        region: Option<RegionId>,
        collected: Option<jiff::Timestamp>,
    },
    Transfer {
        category: CategoryId,
        from: RegionId,
        to: RegionId,
    },
}

#[derive(Debug, Clone)]
pub enum Expected {
    Decision {
        allow: bool,
        /// A reason code (checked against the evaluator's list at compile time).
        reason: Option<String>,
        query: TestQuery,
        /// As written: `consent`, `opt_out` (any kind) or `opt_out(sale)`.
        basis: Option<String>,
        safeguard: Option<String>,
    },
    Retention {
        category: CategoryId,
        purpose: Option<PurposeId>,
        region: RegionId,
        events: Vec<(EventId, jiff::Timestamp)>,
        now: jiff::Timestamp,
        /// `must_keep`, `may_keep`, `must_delete`.
        verdict: String,
        date: Option<jiff::Timestamp>,
    },
}

#[derive(Debug, Clone)]
pub struct Expectation {
    pub expected: Expected,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct CompiledTest {
    pub name: String,
    pub docs: Option<String>,
    pub span: Span,
    pub subject: Subject,
    pub expectations: Vec<Expectation>,
}

#[derive(Debug, Clone)]
pub enum AssertionKind {
    /// `never …`: no situation may match this shape (reusing the deny-rule form).
    Never(Box<DenyRule>),
    /// `only P may use C`.
    Only { purposes: IdSet, categories: IdSet },
    /// `P requires B in R`.
    Requires {
        purpose: PurposeId,
        basis: String,
        regions: IdSet,
    },
}

#[derive(Debug, Clone)]
pub struct CompiledAssertion {
    pub kind: AssertionKind,
    pub docs: Option<String>,
    pub span: Span,
}

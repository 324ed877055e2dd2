//! Test blocks and assertions, resolved to ids, for `lawful test` and the prover.

use super::ids::*;
use super::{DenyRule, IdSet};
use crate::source::Span;
use crate::subject::Subject;

/// The question of one `expect` line.
#[derive(Debug, Clone)]
pub enum TestQuery {
    /// `use DATA for PURPOSE [in REGION] [collected TIME]`.
    Use {
        /// The field or category used.
        data: DataRef,
        /// The purpose asking.
        purpose: PurposeId,
        /// The region; `None`: the test subject's region.
        region: Option<RegionId>,
        /// When the data was collected; `None` when the line does not say.
        collected: Option<jiff::Timestamp>,
    },
    /// `disclose DATA to RECIPIENT for PURPOSE …`.
    Disclose {
        /// The field or category disclosed.
        data: DataRef,
        /// Who would receive it.
        recipient: RecipientId,
        /// The purpose it is disclosed for.
        purpose: PurposeId,
        /// The region; `None`: the test subject's region.
        region: Option<RegionId>,
        /// When the data was collected; `None` when the line does not say.
        collected: Option<jiff::Timestamp>,
    },
    /// `disclose DATA to kind KIND for PURPOSE …`.
    DiscloseKind {
        /// The field or category disclosed.
        data: DataRef,
        /// The kind of recipient.
        kind: super::RecipientKind,
        /// The purpose it is disclosed for.
        purpose: PurposeId,
        /// The region; `None`: the test subject's region.
        region: Option<RegionId>,
        /// When the data was collected; `None` when the line does not say.
        collected: Option<jiff::Timestamp>,
    },
    /// `combine DATA with OTHER for PURPOSE …`.
    Combine {
        /// The data on one side.
        data: DataRef,
        /// The data on the other side.
        with: DataRef,
        /// The purpose asking.
        purpose: PurposeId,
        /// The region; `None`: the test subject's region.
        region: Option<RegionId>,
        /// When the data was collected; `None` when the line does not say.
        collected: Option<jiff::Timestamp>,
    },
    /// `transfer CATEGORY from REGION to REGION`.
    Transfer {
        /// The category moved.
        category: CategoryId,
        /// The region the data leaves.
        from: RegionId,
        /// The destination.
        to: RegionId,
    },
}

/// What one `expect` line expects.
#[derive(Debug, Clone)]
pub enum Expected {
    /// `expect allow|deny …` for a use, disclosure or transfer.
    Decision {
        /// `true` for `expect allow`.
        allow: bool,
        /// A reason code (checked against the evaluator's list at compile time).
        reason: Option<String>,
        /// The question asked.
        query: TestQuery,
        /// As written: `consent`, `opt_out` (any kind) or `opt_out(sale)`.
        basis: Option<String>,
        /// The transfer safeguard expected (`scc` …); `None` when the line does not say.
        safeguard: Option<String>,
        /// `given C, D`: the circumstances that hold for the question.
        circumstances: crate::model::Circumstances,
        /// `campaign "NAME"`: the direct-marketing campaign asked about.
        campaign: Option<crate::model::Campaign>,
        /// `by RULE`: the deny rule the decision must cite; `None` when the line does not
        /// say.
        rule: Option<String>,
    },
    /// `expect retention …`.
    Retention {
        /// The category kept.
        category: CategoryId,
        /// The purpose it is kept for; `None` when the line names none.
        purpose: Option<PurposeId>,
        /// The region.
        region: RegionId,
        /// The subject's events and when they happened.
        events: Vec<(EventId, jiff::Timestamp)>,
        /// The instant the verdict is for.
        now: jiff::Timestamp,
        /// `given C, D`: the circumstances that hold.
        circumstances: crate::model::Circumstances,
        /// `must_keep`, `may_keep`, `must_delete`.
        verdict: String,
        /// The date expected; `None` when the line does not say.
        date: Option<jiff::Timestamp>,
        /// Events declared `per purpose`, given for a purpose.
        purpose_events: Vec<(EventId, PurposeId, jiff::Timestamp)>,
        /// `agreed PERIOD`: the retention period the subject agreed to.
        agreed: Option<jiff::Span>,
        /// `deidentified`: the data is de-identified.
        deidentified: bool,
        /// The note expected (`no_limit` …); `None` when the line does not say.
        note: Option<String>,
    },
}

/// One `expect` line of a test.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// What it expects.
    pub expected: Expected,
    /// Where the line is.
    pub span: Span,
}

/// A `test` block, resolved against the policy.
#[derive(Debug, Clone)]
pub struct CompiledTest {
    /// The test's name.
    pub name: String,
    /// Its doc comment, if any.
    pub docs: Option<String>,
    /// The whole block.
    pub span: Span,
    /// The subject the block describes (every expectation is about it).
    pub subject: Subject,
    /// Its `expect` lines, in order.
    pub expectations: Vec<Expectation>,
}

/// The shape of an `assert` statement.
#[derive(Debug, Clone)]
pub enum AssertionKind {
    /// `never …`: no situation may match this shape (reusing the deny-rule form).
    Never(Box<DenyRule>),
    /// `only P may use C`.
    Only {
        /// The purposes that may use them (the selectors expanded).
        purposes: IdSet,
        /// The categories only those purposes may use (the selectors expanded).
        categories: IdSet,
    },
    /// `P requires B in R`.
    Requires {
        /// The purpose.
        purpose: PurposeId,
        /// The basis it must rest on, as written.
        basis: String,
        /// The regions where it must.
        regions: IdSet,
    },
}

/// An `assert` statement, resolved against the policy.
#[derive(Debug, Clone)]
pub struct CompiledAssertion {
    /// What it asserts.
    pub kind: AssertionKind,
    /// Its doc comment, if any.
    pub docs: Option<String>,
    /// The statement.
    pub span: Span,
}

#[test]
fn every_safeguard_is_named_back_and_unstated_is_the_constant() {
    use super::{Safeguard, SAFEGUARDS, SAFEGUARD_UNSTATED};
    for name in SAFEGUARDS {
        assert_eq!(Safeguard::named(name).map(Safeguard::name), Some(*name));
    }
    assert_eq!(Safeguard::UNSTATED.name(), SAFEGUARD_UNSTATED);
    assert!(Safeguard::named(SAFEGUARD_UNSTATED).is_some_and(Safeguard::is_unstated));
    assert!(
        SAFEGUARDS
            .iter()
            .filter_map(|n| Safeguard::named(n))
            .filter(|s| s.is_unstated())
            .count()
            == 1
    );
    assert_eq!(Safeguard::named("adequate"), None);
}

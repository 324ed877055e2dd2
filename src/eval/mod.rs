//! The evaluator: decisions over a compiled [`Policy`](crate::model::Policy).
//!
//! Questions (docs/semantics.md):
//! - **use**: [`Policy::decide_use`](crate::model::Policy::decide_use) — may purpose P use
//!   field or category C of subject S in region R?
//! - **disclosure**: [`Policy::decide_disclosure`](crate::model::Policy::decide_disclosure)
//!   — may recipient Q receive it?
//! - **transfer**: [`Policy::decide_transfer`](crate::model::Policy::decide_transfer) —
//!   may it go from region A to region B, with which safeguard?
//! - **retention**: [`Policy::decide_retention`](crate::model::Policy::decide_retention) —
//!   must keep / may keep / must delete, until when?
//! - **field mask**: [`Policy::field_mask`](crate::model::Policy::field_mask) and
//!   [`Policy::purposes_for_field`](crate::model::Policy::purposes_for_field).
//!
//! Names become ids once, at the edge ([`Policy::purpose`](crate::model::Policy::purpose),
//! [`Policy::field`](crate::model::Policy::field) …, each failing with a [`NameError`] that
//! suggests the closest name). The prepared path — [`Query`] in, [`Decision`] out — hashes
//! no string and allocates nothing; sentences ([`Decision::explain`],
//! [`Decision::would_change`]) and JSON ([`Decision::to_json`], or [`JsonRenderer`] to write
//! many into a reused buffer) are made afterwards. Deny rules and transfer permissions are
//! found through [`RuleLookup`](crate::model::RuleLookup), so a decision's cost does not
//! grow with the number of rules. [`SharedPolicy`] swaps a reloaded policy in atomically.
//!
//! Every handle — [`Query`], [`Subject`](crate::Subject), [`TransferQuery`],
//! [`RetentionQuery`], [`MaskQuery`], [`FieldQuery`] — is made for one policy and carries
//! its [`PolicyStamp`](crate::model::PolicyStamp); a decision compares the stamps before it
//! reads an id.
//!
//! **Invariant:** the evaluator never panics and never allows what it cannot decide: a
//! handle made for another policy (one a reload replaced) is
//! [`QueryError::OtherPolicy`], an id out of range is a [`QueryError`], a condition about
//! something the subject does not say is resolved towards denial (see [`cond`]).

mod by_name;
mod combine;
pub mod cond;
mod decision;
mod disclose;
mod explain;
mod json;
mod mask;
mod names;
mod optout;
mod query;
mod question;
mod retention;
pub(crate) mod rules;
mod safeguard;
mod shared;
mod subject_document;
mod subject_input;
mod subject_writer;
mod transfer;
mod usage;

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;

pub use crate::model::DataRef;
pub use crate::model::Reason;
pub use by_name::EvalError;
pub(crate) use decision::category_of as category_of_data;
pub use decision::{Asked, Decision, Detail, Obligation, Obligations, RuleRef};
pub use explain::format_time;
pub use json::{DecisionJson, JsonRenderer, RetentionJson, RuleJson};
pub use mask::{FieldQuery, MaskQuery};
pub use names::{channel, opt_out_kind, recipient_kind, NameError, NameKind};
pub use query::{Query, QueryError};
pub use question::{describe_subject, Question};
pub use retention::{parse_period_str, RetentionDecision, RetentionNote, RetentionQuery, Verdict};
pub(crate) use safeguard::within_one_country;
pub use shared::{Guard, SharedPolicy};
/// The subject document's readers, shared with the ledger's event reader.
pub(crate) use subject_input::{
    error as subject_error, expect_bool, expect_object, expect_str, json_without_duplicates,
    type_error,
};
pub use subject_input::{
    parse_time, parse_time_str, AttrInput, SubjectBuilder, SubjectError, SubjectProblem, MAX_AGE,
};
pub use subject_writer::SubjectWriter;

/// The subject in `text` as the general reader reads it (a `Value` tree, then field by
/// field), never the typed reader [`Subject::from_json_str`](crate::Subject::from_json_str)
/// tries first: tests compare the two (feature `testkit`).
#[cfg(feature = "testkit")]
pub fn subject_from_json_general(
    policy: &crate::Policy,
    text: &str,
    now: jiff::Timestamp,
) -> Result<crate::Subject, SubjectError> {
    subject_input::read_general(policy, text, now)
}

/// The typed reader's answer alone: `None` where it leaves the document to the general
/// reader (feature `testkit`).
#[cfg(feature = "testkit")]
pub fn subject_from_json_typed(
    policy: &crate::Policy,
    text: &str,
    now: jiff::Timestamp,
) -> Option<crate::Subject> {
    subject_document::subject(policy, text, now)
}
pub use transfer::TransferQuery;

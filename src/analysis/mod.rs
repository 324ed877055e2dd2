//! The finite analysis the prover and the diff share: what a question can read about a
//! subject, and the cases that cover every subject the evaluator can tell apart.
//!
//! - `space.rs`: classes of regions, categories and recipients the evaluator cannot tell
//!   apart (every set the policy names contains all members of a class or none).
//! - `atoms.rs`: the subject atoms one question reads, each cut to the finitely many values
//!   the evaluator can tell apart, and the subject a choice of values builds.
//! - `fold.rs`: parts of conditions whose atoms nothing else reads, folded to the truth
//!   values they reach, so independent atoms add up instead of multiplying.
//! - `search.rs`: choices of atom values by increasing cost, so the first hit is smallest.
//!
//! Nothing here decides anything: every case is put to the evaluator by the caller.

pub(crate) mod atoms;
pub(crate) mod fold;
pub(crate) mod search;
pub(crate) mod space;

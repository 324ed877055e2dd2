//! The prover: `assert` statements checked over every possible subject and question, and
//! the lints the same search makes cheap (`shadowed-rule`, `unreachable-purpose`,
//! `useless-exception`).
//!
//! # Why a finite search is exhaustive
//!
//! A compiled policy can only tell finitely many situations apart, and the prover visits one
//! of each, asking the real evaluator ([`Policy::decide`], [`Policy::decide_transfer`] …):
//!
//! 1. **Regions and categories** are grouped into classes the evaluator cannot tell apart
//!    (every region/category set of the policy contains all members of a class or none; see
//!    `space.rs`). Only the classes an assertion's shape selects are visited: for
//!    `never use C for P`, the purposes P, the classes of C that each P declares, and the
//!    region classes of the assertion's scope. Transfers visit each (origin class,
//!    destination class, domestic or not) that some pair of regions realises.
//! 2. **The subject** is reduced, per question, to the atoms that question can read (see
//!    `atoms.rs`): ages by the intervals the query region's children threshold and the
//!    policy's age comparisons create, plus unknown age; subject kinds, residence and
//!    attributes by the classes their conditions tell apart; one consent atom per class of
//!    purposes in the same lineages (none / given / given explicitly / withdrawn after the
//!    data was collected / given again after that); objections, opt-outs, GPC, restriction
//!    and erasure where a condition reads them (the evaluator itself only ever denies
//!    because of them, so leaving them unset loses no allowed decision).
//! 3. The combinations of atom values are visited in increasing number of atoms set, so the
//!    first violation is a smallest counterexample; every question is searched only below
//!    the cost of the best counterexample found so far.
//!
//! # What an assertion means
//!
//! - `assert never ACTION …` (also written `assert always deny ACTION …`): every question the
//!   shape matches, as a `deny` rule of the same shape would match it, is denied. A use
//!   shape covers uses; a disclose / sell / share shape covers disclosures to the recipients
//!   it selects; a transfer shape covers transfers with and without a subject, and
//!   disclosures to recipients located in the destination. The `when` condition speaks about
//!   subjects for which it is **known** to hold (an unknown age is not `< 16`); a deny rule,
//!   failing closed, also applies when it is unknown, so a deny rule of the same shape always
//!   proves the assertion.
//! - `assert only P, Q may use C`: no other purpose is allowed to use C, for any subject in
//!   any region.
//! - `assert P requires B in R`: every allowed use of P in R, of any category by any subject,
//!   reports the basis B. `consent` is satisfied by `consent` and `explicit_consent`;
//!   `explicit_consent` by `explicit_consent`, or by `consent` for a `special` category
//!   (where the evaluator accepts only explicit consent); `opt_out` by an opt-out of any
//!   kind; any other basis only by itself. So "requires consent" means: no subject is ever
//!   allowed without an active consent to the purpose or an ancestor, whatever else holds.
//!   Without `in`, every region.

pub(crate) mod atoms;
mod lints;
mod prove;
mod question;
mod report;
mod scope;
pub(crate) mod search;
pub(crate) mod space;
mod statics;

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::HashMap;
use std::ops::ControlFlow;

use crate::diagnostic::Diagnostics;
use crate::eval::Decision;
use crate::model::tests::{AssertionKind, CompiledAssertion};
use crate::model::{Cond, Policy, RegionId};
use crate::source::SourceId;
use crate::subject::Subject;

pub use question::{describe_subject, Question};
pub use report::{diagnostics, AssertionFailed};

use atoms::Goal;
#[cfg(feature = "proptest")]
pub(crate) use space::conditions;
use space::Space;

/// The result of proving one assertion.
#[derive(Debug, Clone)]
pub struct Proof {
    /// Index into [`Policy::assertions`].
    pub assertion: usize,
    pub outcome: Outcome,
    /// How many (subject, question) cases the evaluator decided.
    pub cases: u64,
}

impl Proof {
    pub fn holds(&self) -> bool {
        matches!(self.outcome, Outcome::Proved)
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Proved,
    /// A smallest counterexample.
    Failed(Box<Counterexample>),
}

/// A subject and a question whose decision breaks an assertion.
#[derive(Debug, Clone)]
pub struct Counterexample {
    /// `None` for a transfer asked about no particular subject.
    pub subject: Option<Subject>,
    pub question: Question,
    pub decision: Decision,
    /// How many subject atoms are set (no counterexample sets fewer).
    pub atoms: usize,
}

impl Counterexample {
    /// The subject as test syntax (`subject { region DE  age 15 }`), or "no subject".
    pub fn subject_text(&self, policy: &Policy) -> String {
        self.subject
            .as_ref()
            .map_or_else(|| "no subject".to_owned(), |s| describe_subject(policy, s))
    }

    /// `subject { … }`, the question, and the decision's explanation, on one line each.
    pub fn describe(&self, policy: &Policy) -> String {
        format!(
            "{}\n{} → {}: {}",
            self.subject_text(policy),
            self.question.describe(policy),
            if self.decision.allowed() {
                "allow"
            } else {
                "deny"
            },
            self.decision.explain(policy)
        )
    }
}

/// Whether `decision`, the answer to `question` about `subject`, breaks `assertion` (what
/// the prover searches for; a test can check sampled cases against it).
pub fn breaks(
    policy: &Policy,
    assertion: &CompiledAssertion,
    question: &Question,
    subject: Option<&Subject>,
    decision: &Decision,
) -> bool {
    if !decision.allowed() {
        return false;
    }
    match &assertion.kind {
        AssertionKind::Never(rule) => scope::in_scope(policy, rule, question, subject),
        AssertionKind::Only {
            purposes,
            categories,
        } => match question {
            Question::Decide(query) if query.recipient.is_none() => {
                !purposes.contains(query.purpose.index())
                    && atoms::category_of(policy, query)
                        .is_some_and(|c| categories.contains(c.index()))
            }
            _ => false,
        },
        AssertionKind::Requires {
            purpose,
            basis,
            regions,
        } => match question {
            Question::Decide(query) if query.recipient.is_none() => {
                query.purpose == *purpose
                    && query.region.is_some_and(|r| regions.contains(r.index()))
                    && !prove::satisfies(policy, basis, question, decision)
            }
            _ => false,
        },
    }
}

/// Prove every assertion of `policy`.
pub fn prove_all(policy: &Policy) -> Vec<Proof> {
    Verifier::new(policy).prove_all()
}

/// Prove assertions and run the prover's lints on the declarations of `root`: assertion
/// failures are errors (`lawful::check::assertion_failed`), lint findings warnings.
pub fn check(policy: &Policy, root: SourceId) -> Diagnostics {
    let verifier = Verifier::new(policy);
    let proofs = verifier.prove_all();
    let mut out = diagnostics(policy, &proofs);
    out.extend(verifier.lints(root));
    out.sort();
    out
}

/// A hit of the search: the cheapest case of one question that the caller was looking for.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub cost: usize,
    pub subject: Option<Subject>,
    pub question: Question,
    pub decision: Decision,
}

/// The prover over one policy: the region and category classes, computed once.
#[derive(Debug)]
pub struct Verifier<'p> {
    policy: &'p Policy,
    space: Space,
    /// One (origin, destination) per realisable (origin class, destination class,
    /// domestic) triple.
    transfer_pairs: OnceCell<Vec<(RegionId, RegionId)>>,
    /// Uses denied whatever the subject, by (purpose, category, region).
    use_denied: RefCell<HashMap<(u32, u32, u32), bool>>,
    cases: Cell<u64>,
}

impl<'p> Verifier<'p> {
    pub fn new(policy: &'p Policy) -> Self {
        Verifier {
            policy,
            space: Space::new(policy),
            transfer_pairs: OnceCell::new(),
            use_denied: RefCell::new(HashMap::new()),
            cases: Cell::new(0),
        }
    }

    /// The cases decided so far.
    pub fn cases(&self) -> u64 {
        self.cases.get()
    }

    /// Number of region and category classes.
    pub fn classes(&self) -> (usize, usize) {
        (self.space.regions.len(), self.space.categories.len())
    }

    pub fn prove_all(&self) -> Vec<Proof> {
        (0..self.policy.assertions.len())
            .filter_map(|i| self.prove(i))
            .collect()
    }

    fn transfer_pairs(&self) -> &[(RegionId, RegionId)] {
        self.transfer_pairs
            .get_or_init(|| space::transfer_pairs(self.policy, &self.space))
    }

    /// Whether no subject can be allowed `question` (see `statics.rs`).
    fn always_denied(&self, question: &Question) -> bool {
        let policy = self.policy;
        let mut cache = self.use_denied.borrow_mut();
        let lists = &self.space.rules;
        statics::always_denied(policy, lists, question, &mut |p, c, r| {
            *cache
                .entry((p.0, c.0, r.0))
                .or_insert_with(|| statics::use_denied(policy, lists, p, c, r))
        })
    }

    /// Search one question for the cheapest case (fewer than `bound` atoms set) where `hit`
    /// holds. A transfer is first asked about no subject (cost 0).
    pub(crate) fn search(
        &self,
        question: Question,
        extra: &[&Cond],
        goal: Goal,
        bound: usize,
        hit: &mut dyn FnMut(Option<&Subject>, &Question, &Decision) -> bool,
    ) -> Option<Hit> {
        let policy = self.policy;
        if bound == 0 || (goal != Goal::Decides && self.always_denied(&question)) {
            return None;
        }
        if let Question::Transfer { .. } = question {
            if let Ok(decision) = question.decide(policy, None) {
                self.cases.set(self.cases.get() + 1);
                if hit(None, &question, &decision) {
                    return Some(Hit {
                        cost: 0,
                        subject: None,
                        question,
                        decision,
                    });
                }
            }
        }
        let atoms = atoms::atoms(policy, &self.space, &question, extra, goal);
        let (question, region) = match question {
            Question::Decide(query) => {
                let query = if atoms.collected {
                    query.collected_at(atoms::COLLECTED)
                } else {
                    query
                };
                (Question::Decide(query), query.region.unwrap_or(RegionId(0)))
            }
            Question::Transfer { from, .. } => (question, from),
        };
        let sizes = atoms.sizes();
        let mut subject = Subject::new(policy);
        let mut found = None;
        let mut cases = 0u64;
        let _ = search::by_cost(&sizes, bound - 1, &mut |choice, cost| {
            atoms::build_subject(policy, &atoms.atoms, choice, region, &mut subject);
            let Ok(decision) = question.decide(policy, Some(&subject)) else {
                return ControlFlow::Continue(());
            };
            cases += 1;
            if hit(Some(&subject), &question, &decision) {
                found = Some(Hit {
                    cost,
                    subject: Some(subject.clone()),
                    question,
                    decision,
                });
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        self.cases.set(self.cases.get() + cases);
        found
    }

    /// The cheapest hit over `questions` (the earliest question wins a tie).
    pub(crate) fn cheapest(
        &self,
        questions: impl IntoIterator<Item = Question>,
        extra: &[&Cond],
        goal: Goal,
        hit: &mut dyn FnMut(Option<&Subject>, &Question, &Decision) -> bool,
    ) -> Option<Hit> {
        let mut best: Option<Hit> = None;
        for question in questions {
            let bound = best.as_ref().map_or(usize::MAX, |b| b.cost);
            if bound == 0 {
                break;
            }
            if let Some(found) = self.search(question, extra, goal, bound, hit) {
                best = Some(found);
            }
        }
        best
    }

    /// Any hit over `questions`.
    pub(crate) fn any(
        &self,
        questions: impl IntoIterator<Item = Question>,
        extra: &[&Cond],
        goal: Goal,
        hit: &mut dyn FnMut(Option<&Subject>, &Question, &Decision) -> bool,
    ) -> Option<Hit> {
        questions
            .into_iter()
            .find_map(|q| self.search(q, extra, goal, usize::MAX, hit))
    }
}

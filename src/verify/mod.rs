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
//! 3. A part of a condition whose atoms nothing else reads (attributes, tested set members,
//!    consents and objections outside the question's lineage) changes a decision only
//!    through its truth value, so it is searched by the truth values it can reach, each
//!    with its cheapest assignment (`analysis/fold.rs`): independent atoms of one condition
//!    add up instead of multiplying. `agree::folding_agrees` (feature `testkit`) checks on
//!    generated and seed policies that this reaches every decision the full search does.
//! 4. The combinations of values are visited in increasing number of atoms set, so the
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

#[cfg(feature = "testkit")]
pub mod agree;
mod lints;
mod prove;
mod report;

use std::cell::{Cell, OnceCell, RefCell};
use std::ops::ControlFlow;

use crate::diagnostic::Diagnostics;
use crate::eval::rules::{rule_covers, WhenUnknown};
use crate::eval::Decision;
use crate::model::tests::{AssertionKind, CompiledAssertion};
use crate::model::{Cond, Policy, RegionId};
use crate::source::SourceId;
use crate::subject::Subject;

pub use crate::eval::{describe_subject, Question};
pub use report::{diagnostics, AssertionFailed, AssertionUndecided, ProverLint, ProverLintKind};

use crate::analysis::atoms::{self, Goal};
use crate::analysis::space::{self, Space};
use crate::analysis::{fold, search};

/// The result of proving one assertion.
#[derive(Debug, Clone)]
pub struct Proof {
    /// Index into [`Policy::assertions`].
    pub assertion: usize,
    /// Proved, refuted (with a counterexample) or undecided.
    pub outcome: Outcome,
    /// How many (subject, question) cases the evaluator decided.
    pub cases: u64,
}

impl Proof {
    /// Whether the assertion was proved (an undecided one does not hold).
    pub fn holds(&self) -> bool {
        matches!(self.outcome, Outcome::Proved)
    }

    /// Proved without deciding a single case: no question the assertion speaks about can
    /// be asked (it holds, but says nothing about this policy).
    pub fn vacuous(&self) -> bool {
        self.holds() && self.cases == 0
    }
}

/// What proving one assertion found.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Every case the assertion speaks about was decided and none breaks it.
    Proved,
    /// A smallest counterexample.
    Failed(Box<Counterexample>),
    /// Neither proved nor refuted: the search stopped before it had seen every case. Never
    /// a proof.
    Undecided(Undecided),
}

/// Why a search stopped before it had seen every case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecided {
    /// The budget of cases ran out (see [`Verifier::with_budget`]).
    Budget {
        /// The budget that ran out, in cases.
        budget: u64,
    },
    /// The evaluator could not decide some cases (the first error is kept): what it would
    /// have answered is unknown.
    EvaluatorError {
        /// How many cases the evaluator refused.
        errors: u64,
        /// The first refusal's message.
        first: String,
    },
}

impl std::fmt::Display for Undecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undecided::Budget { budget } => {
                write!(f, "the search stopped after its budget of {budget} cases")
            }
            Undecided::EvaluatorError { errors, first } => write!(
                f,
                "the evaluator could not decide {errors} case(s) (first: {first})"
            ),
        }
    }
}

/// How many (subject, question) cases one `check` may decide, over all its assertions and
/// lints, unless told otherwise: enough for every seed policy many times over, and about
/// half a minute of a release build at worst.
pub const DEFAULT_BUDGET: u64 = 20_000_000;

/// A subject and a question whose decision breaks an assertion.
#[derive(Debug, Clone)]
pub struct Counterexample {
    /// `None` for a transfer asked about no particular subject.
    pub subject: Option<Subject>,
    /// The question whose answer breaks the assertion.
    pub question: Question,
    /// The evaluator's answer to it (its explanation says why).
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
        AssertionKind::Never(rule) => {
            rule_covers(policy, rule, question, subject, WhenUnknown::DoesNotMatch)
        }
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

/// Prove every assertion of `policy` (within [`DEFAULT_BUDGET`]).
pub fn prove_all(policy: &Policy) -> Vec<Proof> {
    Verifier::new(policy).prove_all()
}

/// Prove assertions and run the prover's lints on the declarations of `root`: assertion
/// failures and assertions left undecided are errors (`lawful::check::assertion_failed`,
/// `lawful::check::assertion_undecided`), lint findings warnings.
pub fn check(policy: &Policy, root: SourceId) -> Diagnostics {
    check_within(policy, root, DEFAULT_BUDGET).0
}

/// [`check`] with a budget of cases instead of [`DEFAULT_BUDGET`]; also returns the proofs.
pub fn check_within(policy: &Policy, root: SourceId, budget: u64) -> (Diagnostics, Vec<Proof>) {
    let verifier = Verifier::new(policy).with_budget(budget);
    let proofs = verifier.prove_all();
    let mut out = diagnostics(policy, &proofs);
    out.extend(verifier.lints(root));
    out.sort();
    (out, proofs)
}

/// A hit of the search: the cheapest case of one question that the caller was looking for.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub cost: usize,
    pub subject: Option<Subject>,
    pub question: Question,
    pub decision: Decision,
}

/// A question ready to be searched (see [`Verifier::prepare`]).
pub(crate) struct Prepared {
    pub atoms: Vec<atoms::Atom>,
    pub question: Question,
    pub region: RegionId,
    pub plan: fold::Plan,
}

/// The prover over one policy: the region and category classes, computed once.
#[derive(Debug)]
pub struct Verifier<'p> {
    policy: &'p Policy,
    space: Space,
    /// One (origin, destination) per realisable (origin class, destination class,
    /// domestic) triple.
    transfer_pairs: OnceCell<Vec<(RegionId, RegionId)>>,
    cases: Cell<u64>,
    budget: u64,
    /// The budget ran out during the current proof.
    exhausted: Cell<bool>,
    /// Cases the evaluator could not decide during the current proof, and the first error.
    errors: Cell<u64>,
    first_error: RefCell<Option<String>>,
}

impl<'p> Verifier<'p> {
    /// A prover for `policy`'s assertions with the [`DEFAULT_BUDGET`].
    pub fn new(policy: &'p Policy) -> Self {
        Verifier {
            policy,
            space: Space::new(policy),
            transfer_pairs: OnceCell::new(),
            cases: Cell::new(0),
            budget: DEFAULT_BUDGET,
            exhausted: Cell::new(false),
            errors: Cell::new(0),
            first_error: RefCell::new(None),
        }
    }

    /// Stop after `budget` cases in all (a proof cut short is [`Outcome::Undecided`]).
    pub fn with_budget(mut self, budget: u64) -> Self {
        self.budget = budget;
        self
    }

    /// Whether the budget has run out.
    pub fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Forget the budget and errors of the last proof (the case count goes on).
    fn start_proof(&self) {
        self.exhausted.set(false);
        self.errors.set(0);
        self.first_error.replace(None);
    }

    /// Why the current proof is not complete, if it is not.
    fn undecided(&self) -> Option<Undecided> {
        if self.exhausted.get() {
            return Some(Undecided::Budget {
                budget: self.budget,
            });
        }
        let errors = self.errors.get();
        (errors > 0).then(|| Undecided::EvaluatorError {
            errors,
            first: self.first_error.borrow().clone().unwrap_or_default(),
        })
    }

    fn record_error(&self, error: &crate::eval::QueryError) {
        self.errors.set(self.errors.get() + 1);
        let mut first = self.first_error.borrow_mut();
        if first.is_none() {
            *first = Some(error.to_string());
        }
    }

    /// Count one decided case; `false` once the budget is spent.
    fn spend(&self, cases: u64) -> bool {
        let total = self.cases.get().saturating_add(cases);
        if total > self.budget {
            self.exhausted.set(true);
            return false;
        }
        self.cases.set(total);
        true
    }

    /// The cases decided so far.
    pub fn cases(&self) -> u64 {
        self.cases.get()
    }

    /// Number of region and category classes.
    pub fn classes(&self) -> (usize, usize) {
        (self.space.regions.len(), self.space.categories.len())
    }

    /// Prove every assertion of the policy, in order.
    pub fn prove_all(&self) -> Vec<Proof> {
        (0..self.policy.assertions.len())
            .filter_map(|i| self.prove(i))
            .collect()
    }

    fn transfer_pairs(&self) -> &[(RegionId, RegionId)] {
        self.transfer_pairs
            .get_or_init(|| space::transfer_pairs(self.policy, &self.space))
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
        if bound == 0 || self.exhausted.get() {
            return None;
        }
        if goal != Goal::Decides {
            // One decision (a subject who says nothing) tells whether any subject can be
            // allowed; it counts as a case.
            if !self.spend(1) {
                return None;
            }
            if question.denied_whatever_the_subject(policy) {
                return None;
            }
        }
        if let Question::Transfer { .. } = question {
            match question.decide(policy, None) {
                Ok(decision) => {
                    if !self.spend(1) {
                        return None;
                    }
                    if hit(None, &question, &decision) {
                        return Some(Hit {
                            cost: 0,
                            subject: None,
                            question,
                            decision,
                        });
                    }
                }
                Err(error) => self.record_error(&error),
            }
        }
        let Prepared {
            atoms,
            question,
            region,
            plan,
        } = self.prepare(question, extra, goal, &|cases| self.spend(cases))?;
        let mut values = vec![0; atoms.len()];
        let mut subject = Subject::new(policy);
        let mut found = None;
        let _ = search::by_weight(&plan.costs, bound - 1, &mut |choice, cost| {
            if !self.spend(1) {
                return ControlFlow::Break(());
            }
            plan.atom_choice(choice, &mut values);
            atoms::build_subject(policy, &atoms, &values, region, &mut subject);
            // Circumstances are given with the question, not the subject.
            let question = question.with_circumstances(atoms::circumstances_of(&atoms, &values));
            let decision = match question.decide(policy, Some(&subject)) {
                Ok(decision) => decision,
                Err(error) => {
                    self.record_error(&error);
                    return ControlFlow::Continue(());
                }
            };
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
        found
    }

    /// What searching `question` takes: its atoms, the question as asked (with a collection
    /// date where withdrawals can taint the data), its region and the plan of the search
    /// (conditions folded; `spend` is asked for each evaluation folding makes). `None` when
    /// `spend` refuses.
    pub(crate) fn prepare(
        &self,
        question: Question,
        extra: &[&Cond],
        goal: Goal,
        spend: &dyn Fn(u64) -> bool,
    ) -> Option<Prepared> {
        let policy = self.policy;
        let atoms = atoms::atoms(policy, &self.space, &question, extra, goal);
        let (question, region, purpose) = match question {
            Question::Decide(query) => {
                let query = if atoms.collected {
                    query.collected_at(atoms::COLLECTED)
                } else {
                    query
                };
                let region = query.region.unwrap_or(RegionId(0));
                (Question::Decide(query), region, Some(query.purpose))
            }
            Question::Transfer { from, .. } => (question, from, None),
        };
        let conditions = atoms::readers(policy, &self.space, &question, extra);
        let scope = fold::Scope {
            policy,
            atoms: &atoms.atoms,
            conditions: &conditions,
            region,
            purpose,
        };
        let plan = fold::plan(&scope, spend)?;
        Some(Prepared {
            atoms: atoms.atoms,
            question,
            region,
            plan,
        })
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

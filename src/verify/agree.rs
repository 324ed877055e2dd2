//! A check that folding conditions (`analysis::fold`) loses nothing, for differential tests:
//! over every question the prover can ask of a policy, the folded search reaches exactly
//! the decisions the search over every atom combination reaches, each first at the same
//! number of atoms set.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use crate::analysis::atoms::{self, Goal};
use crate::analysis::search;
use crate::eval::cond::Env;
use crate::model::tests::AssertionKind;
use crate::model::{Cond, IdSet, Policy, PurposeId};
use crate::subject::Subject;

use super::prove::{rule_conditions, Reach};
use super::{Prepared, Question, Verifier};

/// Questions whose full atom space is larger than this are left out (the full search is
/// what is being compared against, and it is exponential).
const LARGEST_SPACE: u128 = 50_000;

/// What one comparison covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Agreement {
    /// Questions compared (each with and without each assertion's conditions).
    pub compared: u64,
    /// Questions left out because their full atom space exceeds the limit.
    pub too_large: u64,
    /// Questions on which some condition was folded.
    pub folded: u64,
}

/// Compare the folded search with the full one on every use, disclosure and transfer the
/// prover lists for `policy`'s purposes and rules, alone and with each `never` assertion's
/// conditions; `Err` describes the first disagreement.
pub fn folding_agrees(policy: &Policy) -> Result<Agreement, String> {
    let verifier = Verifier::new(policy).with_budget(u64::MAX);
    let mut extras: Vec<Vec<&Cond>> = vec![Vec::new()];
    for assertion in &policy.assertions {
        if let AssertionKind::Never(rule) = &assertion.kind {
            extras.push(rule_conditions(rule));
        }
    }
    let mut questions: Vec<Question> = Vec::new();
    let all = IdSet::full(policy.categories.len());
    for purpose in 0..policy.purposes.len() {
        let purpose = PurposeId(crate::analysis::space::to_u32(purpose));
        questions.extend(verifier.use_questions(purpose, &all, None, Reach::Any));
    }
    for rule in &policy.rules {
        questions.extend(verifier.rule_questions(rule, Reach::Any));
    }
    let mut agreement = Agreement::default();
    for question in &questions {
        for extra in &extras {
            for goal in [Goal::Decides, Goal::Basis] {
                compare(&verifier, *question, extra, goal, &mut agreement)?;
            }
        }
    }
    Ok(agreement)
}

/// The decision and the truth of each extra condition: what a prover's `hit` can look at.
type Outcome = String;

fn compare(
    verifier: &Verifier<'_>,
    question: Question,
    extra: &[&Cond],
    goal: Goal,
    agreement: &mut Agreement,
) -> Result<(), String> {
    let policy = verifier.policy;
    // Folding enumerates at most the full space; stop it where the comparison would.
    let evaluations = std::cell::Cell::new(0u128);
    let spend = |n: u64| {
        evaluations.set(evaluations.get() + u128::from(n));
        evaluations.get() <= LARGEST_SPACE
    };
    let Some(Prepared {
        atoms: found,
        question,
        region,
        plan,
    }) = verifier.prepare(question, extra, goal, &spend)
    else {
        agreement.too_large += 1;
        return Ok(());
    };
    let sizes: Vec<usize> = found.iter().map(atoms::Atom::values).collect();
    if sizes.iter().map(|&n| n as u128).product::<u128>() > LARGEST_SPACE {
        agreement.too_large += 1;
        return Ok(());
    }
    if plan.folded() > 0 {
        agreement.folded += 1;
    }
    let mut subject = Subject::new(policy);
    let mut outcome = |values: &[usize]| -> Outcome {
        atoms::build_subject(policy, &found, values, region, &mut subject);
        let given = atoms::circumstances_of(&found, values);
        let decision = question
            .with_circumstances(given)
            .decide(policy, Some(&subject));
        let env = Env {
            policy,
            subject: Some(&subject),
            region,
            circumstances: given,
        };
        let truths: Vec<_> = extra.iter().map(|c| env.eval(c)).collect();
        match decision {
            Ok(d) => format!(
                "{:?} {:?} {:?} {:?} {truths:?}",
                d.reason, d.basis, d.rule, d.obligations
            ),
            Err(error) => format!("error {error} {truths:?}"),
        }
    };
    let mut full: BTreeMap<Outcome, usize> = BTreeMap::new();
    let _ = search::by_cost(&sizes, usize::MAX, &mut |choice, cost| {
        full.entry(outcome(choice)).or_insert(cost);
        ControlFlow::Continue(())
    });
    let mut folded: BTreeMap<Outcome, usize> = BTreeMap::new();
    let mut values = vec![0; found.len()];
    let _ = search::by_weight(&plan.costs, usize::MAX, &mut |choice, cost| {
        plan.atom_choice(choice, &mut values);
        folded.entry(outcome(&values)).or_insert(cost);
        ControlFlow::Continue(())
    });
    agreement.compared += 1;
    if full != folded {
        return Err(format!(
            "{}: the full search reaches {full:#?}, the folded one {folded:#?}",
            question.describe(policy)
        ));
    }
    Ok(())
}

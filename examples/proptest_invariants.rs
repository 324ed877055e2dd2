//! Property-testing a compiled policy with `lawful::proptest`: each invariant is a few lines,
//! and a failure prints a shrunk subject and question in test syntax.
//!
//! `cargo run --example proptest_invariants --features proptest [-- policies/anker.lawful]`
//!
//! In a test suite, the same calls go in `#[test]` functions that return
//! `Result<(), Box<dyn std::error::Error>>` (or `.unwrap()` the result).

use lawful::eval::Reason;
use lawful::model::{OptOutKind, FLAG_SPECIAL};
use lawful::proptest::{check_always, check_cases, check_never};
use lawful::verify::Question;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/policies/anker.lawful").into());
    let policy = lawful::compile_file(&path)?.policy;
    let cases = 2_000;

    // Health data is never allowed for any marketing purpose.
    let health = policy.category("user.health_and_medical")?;
    let marketing = policy.purpose("marketing")?;
    check_never(&policy, cases, |case, decision| {
        decision.allowed() && case.uses(&policy, marketing, health)
    })?;
    println!("ok: health data is never used or disclosed for marketing");

    // An allowed use or disclosure always reports its legal basis; a special category is
    // only ever allowed on explicit consent or an Art. 9 condition's basis, never on plain
    // consent without explicit consent on record.
    check_always(&policy, cases, |case, decision| {
        case.question.is_transfer() || !decision.allowed() || decision.basis.is_some()
    })?;
    println!("ok: every allowed use reports its basis");

    // Nothing is sold about a subject who opted out of the sale or sent GPC.
    check_never(&policy, cases, |case, decision| {
        let Question::Decide(query) = case.question else {
            return false;
        };
        let sale = query
            .recipient
            .and_then(|r| policy.recipients().get(r.index()))
            .is_some_and(|r| r.sale);
        decision.allowed() && sale && case.subject.has_opted_out(OptOutKind::Sale)
    })?;
    println!("ok: no sale after an opt-out of sale (or GPC)");

    // A free-form property with its own message: special data needs explicit consent when
    // the basis reported is consent.
    check_cases(&policy, cases, |case, decision| {
        let Question::Decide(query) = case.question else {
            return Ok(());
        };
        let special = match query.data {
            lawful::eval::DataRef::Category(c) => policy.categories().get(c.index()),
            lawful::eval::DataRef::Field(f) => policy
                .fields()
                .get(f.index())
                .and_then(|f| policy.categories().get(f.category.index())),
        }
        .is_some_and(|c| c.flags.contains(FLAG_SPECIAL.index()));
        let explicit = case
            .subject
            .consents
            .iter()
            .any(|c| c.explicit && c.is_active());
        if decision.allowed()
            && special
            && decision.basis.is_some_and(|b| b.is_consent())
            && !explicit
        {
            return Err(format!(
                "special data allowed on consent: {}",
                decision.explain(&policy)
            ));
        }
        Ok(())
    })?;
    println!("ok: special data on a consent basis only with explicit consent");

    // Reasons are always documented codes.
    check_always(&policy, cases, |_, decision| {
        Reason::from_code(decision.reason.code()).is_some()
    })?;
    println!("ok: every decision carries a documented reason");
    Ok(())
}
